//! `dialtone`: the command-line tool of the dialtone crates.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Every protocol step of a Cisco-style IP phone, from power-on to registered,
/// and the server side of each.
#[derive(Debug, Parser)]
#[command(name = "dialtone", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Skinny (SCCP): decode captures.
    #[command(subcommand)]
    Sccp(dialtone_lab::sccp::Command),
    /// TFTP server over a directory, and client.
    Tftp {
        #[command(subcommand)]
        command: dialtone_lab::tftp::TftpCommand,
    },
    /// DHCP: lease on an interface, or option bytes and server config lines.
    Dhcp {
        #[command(subcommand)]
        cmd: dialtone_lab::dhcp::DhcpCmd,
    },
    /// Phone configuration files: check, show, render a TFTP root.
    #[command(subcommand)]
    Cnf(dialtone_lab::cnf::Command),
    /// SIP registration: a registering phone and a registrar.
    #[command(subcommand)]
    Sip(dialtone_lab::sip::Command),
    /// Two registrars and 1,000 stations on loopback: failover and fallback.
    Demo(dialtone_lab::demo::Args),
    /// Summarise a pcap/pcapng file: packets, TCP/UDP conversations.
    Capture {
        /// The capture file.
        file: std::path::PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sccp(cmd) => dialtone_lab::sccp::run(cmd),
        Command::Tftp { command } => dialtone_lab::tftp::run(command),
        Command::Dhcp { cmd } => dialtone_lab::dhcp::run(cmd),
        Command::Cnf(cmd) => dialtone_lab::cnf::run(cmd),
        Command::Sip(cmd) => dialtone_lab::sip::run(cmd),
        Command::Demo(args) => dialtone_lab::demo::run(&args),
        Command::Capture { file } => capture_summary(&file),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dialtone: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn capture_summary(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    use dialtone_lab::capture::{read_file, Captured};
    use std::collections::BTreeMap;
    let packets = read_file(file)?;
    let mut convs: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    let mut bad = 0;
    for p in &packets {
        match p {
            Captured::Tcp { flow, payload, .. } => {
                let e = convs.entry(("tcp".into(), flow.to_string())).or_default();
                e.0 += 1;
                e.1 += payload.len();
            }
            Captured::Udp { flow, payload, .. } => {
                let e = convs.entry(("udp".into(), flow.to_string())).or_default();
                e.0 += 1;
                e.1 += payload.len();
            }
            Captured::Undecodable { number, reason, .. } => {
                bad += 1;
                eprintln!("packet {number}: {reason}");
            }
        }
    }
    println!("{} packets, {} not TCP/UDP", packets.len(), bad);
    for ((proto, flow), (n, bytes)) in convs {
        println!("{proto} {flow}: {n} packets, {bytes} payload bytes");
    }
    Ok(ExitCode::SUCCESS)
}
