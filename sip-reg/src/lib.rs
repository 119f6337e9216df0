//! # dialtone-sip-reg
//!
//! SIP registration, Sans-IO: a zero-copy SIP codec ([`wire`]), HTTP digest
//! authentication ([`digest`]), the registering user agent's state machine
//! ([`ua::UserAgent`]) and a registrar ([`registrar::Registrar`]).
//!
//! This crate has no sockets, no clock and no threads: drivers pass in bytes,
//! connection events and the current [`dialtone_core::Instant`], and send what
//! `poll_transmit` writes. Randomness (tags, branches, ports, nonces, jitter)
//! comes from a seeded [`dialtone_core::Rng`].
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod digest;
pub mod error;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "std")]
pub mod registrar;
#[cfg(feature = "alloc")]
pub mod ua;
pub mod wire;

pub use error::{DecodeError, InputError};

use core::net::SocketAddr;
use dialtone_core::ConnId;

/// The transport REGISTERs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Transport {
    /// UDP with T1 retransmissions.
    #[default]
    Udp,
    /// TCP, one connection per registrar.
    Tcp,
}

impl Transport {
    /// `UDP` or `TCP`, as in a Via header.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
        }
    }
}

/// Where bytes come from or go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Peer {
    /// A UDP address.
    Udp(SocketAddr),
    /// A TCP connection.
    Tcp(ConnId),
}

/// Events on a TCP connection the machine asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnEvent {
    /// The connection is up.
    Connected,
    /// The connection closed (by the peer or an error).
    Closed,
    /// The connection attempt failed.
    Refused,
}
