//! # dialtone-sip-reg
//!
//! SIP registration, Sans-IO: a zero-copy SIP codec ([`wire`]), HTTP digest
//! authentication ([`digest`]), the registering user agent's state machine
//! ([`ua::UserAgent`]) and a registrar ([`registrar::Registrar`]) with the
//! policies and abuse protection a phone vendor's servers apply.
//!
//! It is **not** a SIP stack for calls (no INVITE dialogs, no SDP), and it has
//! no sockets, no clock and no threads: drivers pass in bytes, connection
//! events and the current [`dialtone_core::Instant`], and send what
//! `poll_transmit` writes. Randomness (tags, branches, Call-IDs, local ports,
//! nonces, back-off jitter) comes from a seeded [`dialtone_core::Rng`], so
//! every run is reproducible.
//!
//! ## Example: a UA registering with a registrar, both in memory
//!
//! ```
//! # #[cfg(all(feature = "std", feature = "md5"))] {
//! use dialtone_core::Instant;
//! use dialtone_sip_reg::registrar::{self, Account, MemoryAccounts, Registrar};
//! use dialtone_sip_reg::ua::{self, Event, UserAgent};
//! use dialtone_sip_reg::Peer;
//!
//! let server = "192.0.2.10:5060".parse().unwrap();
//! let phone: core::net::SocketAddr = "192.0.2.20:5060".parse().unwrap();
//! let mut accounts = MemoryAccounts::new();
//! accounts.insert("1001", Account::new("secret"));
//! let mut reg = Registrar::new(registrar::Config::default(), accounts, Instant::ZERO, 1);
//! let mut cfg = ua::Config::new(&[server], "1001", "secret");
//! cfg.local_ip = phone.ip();
//! let mut agent = UserAgent::new(cfg, Instant::ZERO, 2).unwrap();
//!
//! let now = Instant::ZERO;
//! let mut buf = [0u8; 2048];
//! let mut registered = None;
//! for _ in 0..10 {
//!     while let Some(t) = agent.poll_transmit(&mut buf).unwrap() {
//!         assert_eq!(t.to, Peer::Udp(server));
//!         reg.handle_input(now, Peer::Udp(phone), &buf[..t.len]).unwrap();
//!     }
//!     while let Some(t) = reg.poll_transmit(&mut buf).unwrap() {
//!         agent.handle_input(now, Peer::Udp(server), &buf[..t.len]).unwrap();
//!     }
//!     while let Some(ev) = agent.poll_event() {
//!         if let Event::Registered { expires, .. } = ev {
//!             registered = Some(expires);
//!         }
//!     }
//! }
//! assert_eq!(registered, Some(core::time::Duration::from_secs(3600)));
//! assert_eq!(reg.bindings("1001@192.0.2.10", now).count(), 1);
//! // Sleep until agent.poll_timeout(), then call agent.handle_timeout(now).
//! assert!(agent.poll_timeout().is_some());
//! # }
//! ```
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | (none) | | `wire` codec and `digest` types; `#![no_std]`, no allocation |
//! | `alloc` | via `std` | [`ua::UserAgent`] |
//! | `std` | yes | [`registrar::Registrar`] (`HashMap` bindings) |
//! | `md5` | yes | MD5 / MD5-sess digests (RustCrypto `md-5`) |
//! | `sha256` | yes | SHA-256 / SHA-256-sess digests (RustCrypto `sha2`) |
//! | `fuzzing` | no | the `fuzzing` module with the fuzz bodies |
//!
//! ## Dependencies
//!
//! Besides `thiserror` and `dialtone-core`: `memchr` for the single-byte
//! searches (its SSE2 searchers beat a hand-written loop on long runs), and
//! on x86_64 with SSE2 (every x86_64 target but the soft-float ones) `wide`,
//! whose safe 16-byte vectors let the scans for the end of a parameter name,
//! a value or a quoted string test sixteen bytes at a time (about three
//! times fewer instructions per byte than eight-byte word tricks) without
//! any `unsafe` code in this crate. Elsewhere the same scans read eight
//! bytes at a time from a `u64`.
//!
//! ## Specifications
//!
//! RFC 3261 §7 (messages), §10 (registrations), §17.1.2 (non-INVITE client
//! transaction timers), §18.3 (stream framing), §22 (authentication);
//! RFC 3581 (`rport`); RFC 5626 §3.5.1, §4.4 and §4.5 (CRLF keep-alives,
//! flow-recovery back-off); RFC 7616 and RFC 8760 (digest with SHA-256).
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
