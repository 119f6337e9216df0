//! `dialtone dhcp`: the DHCP client over a real socket, and the option bytes
//! and server configuration lines an administrator needs for Cisco phones.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Subcommand;
use dialtone_dhcp_opts::client::{Client, Config, Event, CLIENT_PORT};
use dialtone_dhcp_opts::lease::Lease;
use dialtone_dhcp_opts::{
    code, tftp_servers, MessageRepr, Op, OptionRef, Packet, TftpOverrides, TftpPolicy, TftpServer,
};
use serde_json::json;

use crate::clock::Clock;

/// `dialtone dhcp ...`
#[derive(Debug, Subcommand)]
pub enum DhcpCmd {
    /// Get a lease on an interface (UDP port 68, bound to the interface;
    /// needs root or CAP_NET_RAW/CAP_NET_BIND_SERVICE).
    Client {
        /// The interface (SO_BINDTODEVICE).
        #[arg(long)]
        iface: String,
        /// Print the lease as one JSON object per event.
        #[arg(long)]
        json: bool,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
        /// Assign the address with `ip addr add` once bound (and keep
        /// renewing until the timeout).
        #[arg(long)]
        apply: bool,
        /// Skip the RFC 2131 random 1-10 s initial delay.
        #[arg(long)]
        no_delay: bool,
    },
    /// Print options 150/66 (and friends) as bytes and as dnsmasq and ISC
    /// dhcpd configuration lines.
    Options {
        /// TFTP server addresses for option 150, in order.
        #[arg(long, value_delimiter = ',')]
        tftp: Vec<Ipv4Addr>,
        /// TFTP server name for option 66.
        #[arg(long)]
        tftp_name: Option<String>,
        /// Routers (option 3).
        #[arg(long, value_delimiter = ',')]
        router: Vec<Ipv4Addr>,
        /// DNS servers (option 6).
        #[arg(long, value_delimiter = ',')]
        dns: Vec<Ipv4Addr>,
        /// Domain name (option 15).
        #[arg(long)]
        domain: Option<String>,
    },
}

/// Runs a `dialtone dhcp` subcommand.
///
/// # Errors
/// Socket, interface or argument errors.
pub fn run(cmd: DhcpCmd) -> anyhow::Result<std::process::ExitCode> {
    match cmd {
        DhcpCmd::Client {
            iface,
            json,
            timeout,
            apply,
            no_delay,
        } => run_client(&iface, json, Duration::from_secs(timeout), apply, no_delay),
        DhcpCmd::Options {
            tftp,
            tftp_name,
            router,
            dns,
            domain,
        } => {
            print!(
                "{}",
                options_text(
                    &tftp,
                    tftp_name.as_deref(),
                    &router,
                    &dns,
                    domain.as_deref()
                )?
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn ips(l: &[Ipv4Addr]) -> Vec<u8> {
    l.iter().flat_map(|a| a.octets()).collect()
}

/// The text `dialtone dhcp options` prints: each option's bytes (code,
/// length, value; long values split per RFC 3396), then dnsmasq and ISC
/// dhcpd configuration lines.
///
/// # Errors
/// No option was given.
pub fn options_text(
    tftp: &[Ipv4Addr],
    tftp_name: Option<&str>,
    router: &[Ipv4Addr],
    dns: &[Ipv4Addr],
    domain: Option<&str>,
) -> anyhow::Result<String> {
    let mut opts: Vec<(u8, Vec<u8>)> = Vec::new();
    if !router.is_empty() {
        opts.push((code::ROUTER, ips(router)));
    }
    if !dns.is_empty() {
        opts.push((code::DNS, ips(dns)));
    }
    if let Some(d) = domain {
        opts.push((code::DOMAIN_NAME, d.as_bytes().to_vec()));
    }
    if let Some(n) = tftp_name {
        opts.push((code::TFTP_SERVER_NAME, n.as_bytes().to_vec()));
    }
    if !tftp.is_empty() {
        opts.push((code::TFTP_SERVERS, ips(tftp)));
    }
    if opts.is_empty() {
        bail!("give at least one of --tftp, --tftp-name, --router, --dns, --domain");
    }
    // Encode through the library so the bytes are exactly what goes on the wire.
    let refs: Vec<OptionRef<'_>> = opts
        .iter()
        .map(|(c, v)| OptionRef { code: *c, value: v })
        .collect();
    let mut m = MessageRepr::new(Op::Reply, 0, &[0; 6]);
    m.options = &refs;
    m.min_len = 0;
    m.max_len = 65_535;
    m.allow_overload = false;
    let mut buf = vec![0u8; m.buffer_len()?];
    let n = m.emit(&mut buf)?;
    let p = Packet::new_checked(&buf[..n])?;
    let mut s = String::new();
    writeln!(s, "# option bytes (code, length, value)")?;
    for o in p.options() {
        writeln!(
            s,
            "{:3}: {} {}",
            o.code,
            hex(&[o.code, o.data.len() as u8]),
            hex(o.data)
        )?;
    }
    let all: Vec<u8> = p
        .options()
        .flat_map(|o| [&[o.code, o.data.len() as u8][..], o.data].concat())
        .collect();
    writeln!(s, "all: {}", hex(&all))?;
    let joined = |l: &[Ipv4Addr]| l.iter().map(Ipv4Addr::to_string).collect::<Vec<_>>();
    writeln!(
        s,
        "\n# dnsmasq.conf (dnsmasq sends 66/150 when the phone asks for them in option 55)"
    )?;
    if !router.is_empty() {
        writeln!(s, "dhcp-option=3,{}", joined(router).join(","))?;
    }
    if !dns.is_empty() {
        writeln!(s, "dhcp-option=6,{}", joined(dns).join(","))?;
    }
    if let Some(d) = domain {
        writeln!(s, "dhcp-option=15,{d}")?;
    }
    if let Some(n) = tftp_name {
        writeln!(s, "dhcp-option=66,{n}")?;
    }
    if !tftp.is_empty() {
        writeln!(s, "dhcp-option=150,{}", joined(tftp).join(","))?;
    }
    writeln!(s, "\n# ISC dhcpd.conf")?;
    if !tftp.is_empty() {
        writeln!(s, "option tftp-servers code 150 = array of ip-address;")?;
    }
    if !router.is_empty() {
        writeln!(s, "option routers {};", joined(router).join(", "))?;
    }
    if !dns.is_empty() {
        writeln!(s, "option domain-name-servers {};", joined(dns).join(", "))?;
    }
    if let Some(d) = domain {
        writeln!(s, "option domain-name \"{d}\";")?;
    }
    if let Some(n) = tftp_name {
        writeln!(s, "option tftp-server-name \"{n}\";")?;
    }
    if !tftp.is_empty() {
        writeln!(s, "option tftp-servers {};", joined(tftp).join(", "))?;
    }
    Ok(s)
}

fn mac_of(iface: &str) -> anyhow::Result<[u8; 6]> {
    let path = format!("/sys/class/net/{iface}/address");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let mut mac = [0u8; 6];
    let parts: Vec<&str> = text.trim().split(':').collect();
    if parts.len() != 6 {
        bail!("{iface}: not an Ethernet address: {text}");
    }
    for (m, p) in mac.iter_mut().zip(parts) {
        *m = u8::from_str_radix(p, 16)?;
    }
    Ok(mac)
}

/// The lease as JSON (what `--json` prints).
#[must_use]
pub fn lease_json(event: &str, l: &Lease) -> serde_json::Value {
    let list = tftp_servers(l, &TftpOverrides::default(), &TftpPolicy::default());
    let order: Vec<String> = list
        .iter()
        .map(|s| match s {
            TftpServer::Addr(a) => a.to_string(),
            TftpServer::Name(n) => String::from_utf8_lossy(n.as_bytes()).into_owned(),
        })
        .collect();
    let text = |t: Option<dialtone_dhcp_opts::lease::Text>| {
        t.map(|t| String::from_utf8_lossy(t.as_bytes()).into_owned())
    };
    let addrs = |l: &dialtone_dhcp_opts::lease::AddrList| {
        l.iter().map(|a| a.to_string()).collect::<Vec<_>>()
    };
    json!({
        "event": event,
        "address": l.address.to_string(),
        "subnet_mask": l.subnet_mask.map(|m| m.to_string()),
        "routers": addrs(&l.routers),
        "dns_servers": addrs(&l.dns_servers),
        "domain_name": text(l.domain_name),
        "tftp_servers_150": addrs(&l.tftp_servers),
        "tftp_server_66": text(l.tftp_server_name),
        "next_server": l.next_server.to_string(),
        "tftp_order": order,
        "server_id": l.server_id.to_string(),
        "lease_secs": l.lease_time.map(|d| d.as_secs()),
        "t1_secs": l.renewal_time.map(|d| d.as_secs()),
        "t2_secs": l.rebinding_time.map(|d| d.as_secs()),
    })
}

fn prefix_len(mask: Option<Ipv4Addr>) -> u32 {
    mask.map_or(24, |m| u32::from(m).count_ones())
}

fn run_client(
    iface: &str,
    as_json: bool,
    timeout: Duration,
    apply: bool,
    no_delay: bool,
) -> anyhow::Result<std::process::ExitCode> {
    let mac = mac_of(iface)?;
    let sock = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )?;
    sock.set_reuse_address(true)?;
    sock.set_broadcast(true)?;
    sock.bind_device(Some(iface.as_bytes()))
        .with_context(|| format!("SO_BINDTODEVICE {iface}"))?;
    let any = SocketAddr::from((Ipv4Addr::UNSPECIFIED, CLIENT_PORT));
    sock.bind(&any.into()).context("binding UDP port 68")?;
    let sock: UdpSocket = sock.into();

    let mut cfg = Config::new(mac);
    if no_delay {
        cfg.initial_delay = (Duration::ZERO, Duration::ZERO);
    }
    let clock = Clock::new();
    let seed = u64::from(std::process::id())
        ^ u64::from(u32::from_be_bytes([mac[2], mac[3], mac[4], mac[5]]));
    let mut c = Client::new(cfg, clock.now(), seed);
    let (mut out, mut inb) = ([0u8; 1500], [0u8; 1500]);
    let deadline = std::time::Instant::now() + timeout;
    let mut bound = false;
    while std::time::Instant::now() < deadline {
        while let Some(t) = c.poll_transmit(&mut out)? {
            sock.send_to(&out[..t.len], t.to)?;
        }
        while let Some(ev) = c.poll_event() {
            match &ev {
                Event::Bound(l) | Event::Renewed(l) => {
                    let kind = if matches!(ev, Event::Bound(_)) {
                        "bound"
                    } else {
                        "renewed"
                    };
                    if as_json {
                        println!("{}", lease_json(kind, l));
                    } else {
                        println!("{kind}: {l:?}");
                    }
                    if apply && kind == "bound" {
                        let a = format!("{}/{}", l.address, prefix_len(l.subnet_mask));
                        let st = Command::new("ip")
                            .args(["addr", "add", &a, "dev", iface])
                            .status()?;
                        if !st.success() {
                            bail!("ip addr add {a} dev {iface} failed");
                        }
                    }
                    bound = true;
                }
                Event::StateChanged { from, to, reason } if !as_json => {
                    eprintln!("{from:?} -> {to:?} ({reason:?})");
                }
                Event::LeaseLost { address, reason } => {
                    if as_json {
                        println!(
                            "{}",
                            json!({"event": "lost", "address": address.to_string(), "reason": format!("{reason:?}")})
                        );
                    } else {
                        println!("lost {address}: {reason:?}");
                    }
                }
                Event::CheckAddress { .. } => {
                    c.handle_conflict_check(clock.now(), false);
                }
                _ => {}
            }
        }
        if bound && !apply {
            return Ok(std::process::ExitCode::SUCCESS);
        }
        let wait = c
            .poll_timeout()
            .map_or(Duration::from_secs(1), |at| clock.until(at));
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        sock.set_read_timeout(Some(wait.min(left).max(Duration::from_millis(1))))?;
        match sock.recv_from(&mut inb) {
            Ok((n, from)) => {
                if let Err(e) = c.handle_input(clock.now(), from, &inb[..n]) {
                    if !as_json {
                        eprintln!("ignored datagram from {from}: {e}");
                    }
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e.into()),
        }
        c.handle_timeout(clock.now());
    }
    if bound {
        Ok(std::process::ExitCode::SUCCESS)
    } else {
        eprintln!("no lease within {timeout:?} (state {:?})", c.state());
        Ok(std::process::ExitCode::FAILURE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_text_has_bytes_and_both_server_syntaxes() {
        let t = options_text(
            &["10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap()],
            Some("tftp.example.com"),
            &[],
            &[],
            None,
        )
        .unwrap();
        assert!(t.contains("150: 96 08 0a 00 00 01 0a 00 00 02"), "{t}");
        assert!(t.contains(" 66: 42 10 "), "{t}");
        assert!(t.contains("dhcp-option=150,10.0.0.1,10.0.0.2"), "{t}");
        assert!(
            t.contains("option tftp-servers code 150 = array of ip-address;"),
            "{t}"
        );
        assert!(t.contains("option tftp-servers 10.0.0.1, 10.0.0.2;"), "{t}");
        assert!(
            t.contains("option tftp-server-name \"tftp.example.com\";"),
            "{t}"
        );
        assert!(options_text(&[], None, &[], &[], None).is_err());
    }
}
