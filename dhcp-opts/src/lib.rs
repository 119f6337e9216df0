//! # dialtone-dhcp-opts
//!
//! DHCPv4 as a Cisco IP phone speaks it: a zero-copy codec with typed access
//! to the options the phone's boot needs (including Cisco's option 150, the
//! TFTP server list), an encoder into caller buffers, the phone's TFTP server
//! choice, and a Sans-IO RFC 2131 client state machine.
//!
//! It is **not** a socket library: no sockets, no clock, no threads. The
//! driver passes time as [`dialtone_core::Instant`] and randomness as a seed;
//! the `dialtone` tool and tests own the UDP sockets.
//!
//! ```
//! use dialtone_dhcp_opts::{Packet, MessageType};
//! # let bytes: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/samples/dhcp-ack.bin"));
//! let ack = Packet::new_checked(bytes)?;
//! assert_eq!(ack.message_type(), Some(MessageType::Ack));
//! let tftp: Vec<_> = ack.tftp_servers().unwrap().iter().collect();
//! assert_eq!(tftp, ["10.10.10.11".parse::<std::net::Ipv4Addr>()?, "10.10.10.12".parse()?]);
//! assert_eq!(ack.tftp_server_name().unwrap().as_str(), Some("10.10.10.11"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Two views read a message. [`Packet`] checks every option's framing up
//! front, joins RFC 3396 split options and answers each accessor without a
//! search: keep it to ask a message questions. [`PacketWalk`] checks only
//! the head and the magic cookie and types each option instance as it walks
//! them once, reporting a framing error where it meets it: use it to read
//! every option once, in order, typed. It reads them two ways:
//! [`PacketWalk::typed`], an iterator of [`DhcpOption`]s, and
//! [`PacketWalk::visit`], which calls one method of an [`OptionVisitor`]
//! per option with its typed value. The visitor is the cheapest way to read
//! a whole message, about the cost of smoltcp's untyped option walk and
//! under that of typing its options by hand (`benches/README.md` has the
//! figures); the iterator is for stopping early or keeping the items.
//!
//! ```
//! use dialtone_dhcp_opts::{MessageType, OptionVisitor, PacketWalk};
//! # let bytes: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/samples/dhcp-ack.bin"));
//! #[derive(Default)]
//! struct Times { lease: Option<u32>, renew: Option<u32> }
//! impl OptionVisitor<'_> for Times {
//!     fn lease_time(&mut self, secs: u32) { self.lease = Some(secs); }
//!     fn renewal_time(&mut self, secs: u32) { self.renew = Some(secs); }
//! }
//! let mut t = Times::default();
//! PacketWalk::new_checked(bytes)?.visit(&mut t)?;
//! assert_eq!((t.lease, t.renew), (Some(86_400), Some(43_200)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The client is driven by the five verbs of every dialtone machine; see
//! [`client::Client`] for a full drive loop.
//!
//! ## Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `std` | yes | implies `alloc` |
//! | `alloc` | via `std` | [`OptionValue::to_vec`] (copying a split option) |
//! | `fuzzing` | no | the `fuzzing` module with the fuzz target bodies |
//!
//! With no features the whole crate (codec and client) builds `#![no_std]`
//! without allocation.
//!
//! ## Specifications
//!
//! RFC 2131 (DHCP), RFC 2132 (options), RFC 3396 (long options), RFC 3046
//! (option 82), RFC 5859 (option 150), RFC 1542 (BOOTP minimum size).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod client;
mod error;
pub mod lease;
pub mod tftp;
pub mod wire;

#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;

pub use error::{DecodeError, EmitError, InputError};
pub use lease::Lease;
pub use tftp::{tftp_servers, TftpOverrides, TftpPolicy, TftpServer, TftpServerList, TftpSource};
pub use wire::{
    code, DhcpOption, Encapsulated, MessageRepr, MessageType, Op, OptionRef, OptionValue,
    OptionVisitor, Packet, PacketWalk,
};
