//! `dialtone sccp …`: Skinny tools.

use std::process::ExitCode;

pub mod decode;
pub mod registrar;
pub mod station;

/// Skinny (SCCP) subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Decode the Skinny messages of a pcap/pcapng capture, one line per
    /// message: time, direction, id, name and key fields. TCP segments are
    /// reassembled per connection; bad frames are reported and decoding goes on.
    Decode(decode::Args),
    /// Run a registrar (CallManager side) on TCP, printing registrations.
    Registrar(registrar::Args),
    /// Run one or many stations (phones) against a CallManager group.
    Station(station::Args),
}

/// Runs a Skinny subcommand.
///
/// # Errors
/// I/O errors and unreadable files.
pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Decode(args) => decode::run(&args),
        Command::Registrar(args) => registrar::run(&args),
        Command::Station(args) => station::run(&args),
    }
}
