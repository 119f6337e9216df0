//! # dialtone-tftp
//!
//! Sans-IO TFTP: a zero-copy packet codec (RFC 1350, options of RFC 2347,
//! 2348, 2349 and 7440), a streaming netascii adapter, and client and server
//! state machines with windowed transfers, block-number rollover, option
//! fallback and the retransmission rules of RFC 1123 §4.2.3.
//!
//! What it is not: it has no sockets, no clock, no threads and no file
//! system. Drivers pass datagrams, peer addresses and the current
//! [`dialtone_core::Instant`] in, and send what `poll_transmit` writes. The
//! codec ([`wire`], [`netascii`]) is `#![no_std]` without allocation; the
//! state machines need `alloc`.
//!
//! ```
//! # #[cfg(feature = "alloc")] {
//! use core::net::SocketAddr;
//! use dialtone_core::Instant;
//! use dialtone_tftp::client::{self, Client, Event};
//! use dialtone_tftp::server::{self, Server};
//! use dialtone_tftp::source::MemorySource;
//!
//! let server_addr: SocketAddr = "127.0.0.1:69".parse().unwrap();
//! let client_addr: SocketAddr = "127.0.0.1:50000".parse().unwrap();
//! let mut files = MemorySource::new();
//! files.insert("SEP001E7AC4D231.cnf.xml", &b"<device/>"[..]);
//! let mut now = Instant::ZERO;
//! let mut srv = Server::new(server::Config::default(), files, now);
//! let mut cfg = client::Config::default();
//! cfg.blksize = Some(1428);
//! cfg.tsize = true;
//! // Names are matched case-insensitively; a leading '/' is relative to the root.
//! let mut cli = Client::read(cfg, server_addr, "/sep001e7ac4d231.CNF.xml", now);
//!
//! let mut buf = [0u8; 1432];
//! let mut got = Vec::new();
//! let mut done = false;
//! while !done {
//!     while let Some(t) = cli.poll_transmit(&mut buf).unwrap() {
//!         let _ = srv.handle_input(now, client_addr, &buf[..t.len]);
//!     }
//!     while let Some(t) = srv.poll_transmit(&mut buf).unwrap() {
//!         let _ = cli.handle_input(now, server_addr, &buf[..t.len]);
//!     }
//!     while let Some(ev) = cli.poll_event() {
//!         match ev {
//!             Event::Data { data, .. } => got.extend_from_slice(data),
//!             Event::Complete { .. } => done = true,
//!             Event::Failed(f) => panic!("{f:?}"),
//!             _ => {}
//!         }
//!     }
//!     while srv.poll_event().is_some() {}
//!     if let Some(t) = cli.poll_timeout() { now = now.max(t.min(now + core::time::Duration::from_millis(1))); }
//! }
//! assert_eq!(got, b"<device/>");
//! # }
//! ```
//!
//! ## Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `std` | yes | implies `alloc` |
//! | `alloc` | via `std` | [`client`], [`server`], [`source`] (uses `bytes`) |
//! | `fuzzing` | no | the `fuzzing` module (fuzz bodies) and `arbitrary` impls |
//!
//! ## Specifications
//!
//! RFC 1350 (TFTP), RFC 1123 §4.2 (host requirements), RFC 2347 (options),
//! RFC 2348 (`blksize`), RFC 2349 (`timeout`, `tsize`), RFC 7440
//! (`windowsize`). Block numbers wrap 65535 → 0 by default
//! ([`transfer::Rollover`]).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod error;
pub mod netascii;
pub mod wire;

#[cfg(feature = "alloc")]
pub mod client;
#[cfg(feature = "alloc")]
pub mod server;
#[cfg(feature = "alloc")]
pub mod source;
#[cfg(feature = "alloc")]
pub mod transfer;

#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;

pub use error::{DecodeError, InputError};
pub use wire::{ErrorCode, Message, Mode, OptionValues, Options, Packet, Request};
