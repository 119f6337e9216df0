//! # dialtone-sccp
//!
//! A Sans-IO codec for SCCP ("Skinny"), the Cisco IP phone signalling
//! protocol: a [`Framer`] that cuts a TCP byte stream into PDUs, zero-copy
//! typed views of every message whose layout is documented ([`Message`]),
//! encoders that write into caller buffers, and the protocol's enumerations.
//!
//! It is **not** a network stack: no sockets, no clock, no threads, no
//! allocation on the decode path. The crate is `#![no_std]`; drivers feed it
//! bytes and send the bytes it writes. The phone (station) and call-manager
//! (registrar) state machines build on it.
//!
//! ## What is where
//!
//! * [`Framer`]: TCP stream → complete PDUs. PDUs contiguous in the input are
//!   borrowed, never copied; only a partial PDU is copied, into a fixed
//!   in-struct buffer (no allocation). Length < 4 → close
//!   ([`FramerError::InvalidLength`]); body > [`Config::max_body`] (default
//!   4 KiB) → skipped ([`FramerError::Oversized`] says how many bytes);
//!   [`Framer::needed`] reports "need N more".
//! * [`Frame`]: a checked 12-byte header + body view.
//! * [`Message`]: one variant per message id whose layout is known, holding
//!   zero-copy views of little-endian `#[repr(C)]` structs ([`types`]);
//!   other ids are [`Message::Unknown`]. Body sizes: the smallest known form
//!   is required, the largest form that fits is decoded, extra bytes are kept
//!   so `emit` reproduces the input exactly (see [`types`]).
//! * Encoding: [`Message::emit_with_version`] into `&mut [u8]` (exactly
//!   [`Message::buffer_len`] bytes; on error nothing is written) or
//!   [`Message::emit_buf`] into a `bytes::BufMut`; the header version comes
//!   from [`header_version_for`], the negotiated version from
//!   [`negotiate_version`].
//! * Texts: [`Str`] fields give `&str` for plain ASCII ([`Str::as_str`]),
//!   raw bytes ([`Str::bytes`]), and display-label escapes
//!   ([`Str::segments`], [`render`]).
//! * Enumerations with an `Unknown(u32)` fallback: [`DeviceType`] (with
//!   [`DeviceType::from_model`]), [`ResetType`], [`ProtocolVersion`],
//!   [`AlarmSeverity`], [`UnregisterStatus`], [`UnregisterReason`], and the
//!   registrar's [`RejectReason`] ↔ RegisterReject texts.
//!
//! ```
//! use dialtone_sccp::{Framer, Message, header_version_for, id};
//! use dialtone_sccp::types::{RegisterAck, Fixed, RegisterFull, RegisterForm};
//! use dialtone_sccp::{StationId, DeviceType};
//!
//! // A CM answers a Register: encode a RegisterAck (header version 0, §1.3).
//! let ack = RegisterAck::new(30, "M/D/YA", 60, 20, 0).unwrap();
//! let msg = Message::RegisterAck(Fixed::new(&ack));
//! let mut wire = [0u8; 64];
//! let n = msg.emit_with_version(header_version_for(id::REGISTER_ACK, 20, false), &mut wire).unwrap();
//! assert_eq!(n, msg.buffer_len());
//!
//! // The station receives it split in two TCP segments.
//! let mut framer = Framer::new();
//! assert_eq!(framer.push(&wire[..7]).count(), 0);
//! for frame in framer.push(&wire[7..n]) {
//!     let frame = frame.unwrap();
//!     match Message::parse(&frame).unwrap() {
//!         Message::RegisterAck(ack) => {
//!             assert_eq!(ack.keepalive_interval.get(), 30);
//!             assert_eq!(ack.date_template.as_str(), Ok("M/D/YA"));
//!         }
//!         other => panic!("unexpected {other:?}"),
//!     }
//! }
//!
//! // A phone encodes its Register (124-byte form, protocol 20).
//! let mut reg = RegisterFull::default();
//! reg.base.station = StationId::new("SEP001E7AC4D231", 1).unwrap();
//! reg.base.device_type = u32::from(DeviceType::Cisco7965).into();
//! reg.v44.protocol_version = 20;
//! let msg = Message::Register(reg.view(RegisterForm::B124));
//! let mut out = [0u8; 136];
//! assert_eq!(msg.emit(&mut out), Ok(136));
//! ```
//!
//! ## Features
//!
//! | feature | default | what |
//! |---------|---------|------|
//! | `std` | yes | implies `alloc` |
//! | `alloc` | via `std` | [`Message::emit_buf`] into a `bytes::BufMut` |
//! | `arbitrary` | no | `arbitrary::Arbitrary` for the message layouts |
//! | `fuzzing` | no | the `fuzzing` module used by the fuzz targets |
//!
//! ## Specification
//!
//! SCCP has no public specification. The layouts, enumerations and
//! behaviours here follow the project's fact sheet `sccp.md` (framing §1,
//! layouts §2, enumerations §3), restated from the Wireshark skinny dissector,
//! chan-sccp, Asterisk, FreeSWITCH and real captures, and are checked against
//! tshark 4.0.17 in this crate's tests; registrar reject causes follow
//! `phone-boot.md` §2.5 (CISCO-CCM-MIB `CcmDevRegFailCauseCode`).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod enums;
pub mod error;
pub mod version;
pub mod wire;

#[cfg(all(any(test, feature = "fuzzing"), feature = "std"))]
mod fuzzing_fsm;
#[cfg(feature = "std")]
pub mod registrar;
#[cfg(feature = "alloc")]
pub mod station;
#[cfg(feature = "alloc")]
mod stream;
#[cfg(feature = "alloc")]
pub use stream::StreamError;

#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;

pub use enums::{
    AlarmSeverity, DeviceType, ProtocolVersion, RejectReason, ResetType, UnregisterReason,
    UnregisterStatus,
};
pub use error::{DecodeError, FramerError, Recovery};
pub use version::{header_version_for, negotiate_version};
pub use wire::framer::{Config, Framer, Frames, DEFAULT_MAX_BODY};
pub use wire::labels::{label_text, render, LabelTable, Segment, Segments};
pub use wire::message::{id, message_name, tshark_name, Message, KNOWN_IDS};
pub use wire::types;
pub use wire::{
    Empty, Frame, Header, Ipv4, Ipv4or6, Ipv6, NotAscii, StationId, Str, TooLong, HEADER_LEN,
};
