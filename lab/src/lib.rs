//! # dialtone-lab
//!
//! The `dialtone` command-line tool and the socket drivers behind it. This is
//! the only crate of the workspace that opens sockets, reads the clock or
//! spawns tasks: every protocol crate is Sans-IO, and the drivers here follow
//! the loop of the house style (drain `poll_transmit` and `poll_event`, sleep
//! until `poll_timeout`, feed input or `handle_timeout`).
//!
//! Modules: [`clock`] maps the OS monotonic clock onto
//! [`dialtone_core::Instant`]; [`capture`] reads pcap/pcapng files and
//! reassembles TCP streams for the capture decoders; one module per protocol
//! holds its subcommands.

pub mod capture;
pub mod clock;
pub mod cnf;
pub mod demo;
pub mod sccp;
pub mod tftp;
pub mod dhcp;
pub mod sip;
