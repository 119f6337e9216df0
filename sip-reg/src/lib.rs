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
pub mod wire;

pub use error::{DecodeError, InputError};
