//! `dialtone sip …`: a registering phone and a registrar on real sockets,
//! driving `dialtone_sip_reg`'s Sans-IO machines with blocking std sockets.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use dialtone_core::{ConnId, Instant};
use dialtone_sip_reg::registrar::{self, MemoryAccounts, Registrar};
use dialtone_sip_reg::ua::{self, Event, FailureCause, KeepaliveMode, UserAgent};
use dialtone_sip_reg::{ConnEvent, Peer, Transport};
use serde_json::json;

use crate::clock::Clock;

/// Default User-Agent of `dialtone sip register`.
pub const USER_AGENT: &str = "dialtone-sip/0.1";

/// SIP subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Register an account with one or more registrars and keep it registered
    /// (refresh, keep-alives, back-off, failover) until Ctrl-C/SIGTERM,
    /// `--duration`, `--count` or `--once`; the binding is removed on the way
    /// out.
    Register(RegisterArgs),
    /// Run a registrar with digest authentication for the users of a file.
    Registrar(RegistrarArgs),
}

/// Transport choice.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum TransportArg {
    /// UDP with retransmissions.
    Udp,
    /// TCP.
    Tcp,
}

/// Keep-alive choice.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum KeepaliveArg {
    /// `CRLFCRLF` pings.
    Crlf,
    /// OPTIONS requests.
    Options,
    /// None.
    None,
}

/// `dialtone sip register`.
#[derive(Debug, clap::Args)]
pub struct RegisterArgs {
    /// Registrars, most preferred first: `HOST:PORT[,HOST:PORT]`.
    #[arg(long, value_delimiter = ',', required = true)]
    registrar: Vec<String>,
    /// User part of the address-of-record (and digest username).
    #[arg(long)]
    user: String,
    /// Digest password.
    #[arg(long)]
    password: String,
    /// Transport.
    #[arg(long, value_enum, default_value = "udp")]
    transport: TransportArg,
    /// Requested expiry in seconds.
    #[arg(long, default_value_t = 3600)]
    expires: u32,
    /// Keep-alive mode (interval set by `--keepalive-interval`).
    #[arg(long, value_enum, default_value = "crlf")]
    keepalive: KeepaliveArg,
    /// Keep-alive interval in seconds (10-60).
    #[arg(long, default_value_t = 15)]
    keepalive_interval: u64,
    /// Stop (after unregistering) once this many registrations succeeded.
    #[arg(long)]
    count: Option<u32>,
    /// Register, unregister, exit 0 only if both succeeded.
    #[arg(long)]
    once: bool,
    /// Domain of the AOR; defaults to the first registrar's host.
    #[arg(long)]
    domain: Option<String>,
    /// Device MAC; the Contact's `+sip.instance` is
    /// `<urn:uuid:00000000-0000-0000-0000-MAC>` as Cisco phones send it.
    #[arg(long, default_value = "001e7ac4d231")]
    mac: String,
    /// User-Agent header.
    #[arg(long, default_value = USER_AGENT)]
    user_agent: String,
    /// Local UDP port (0 = any).
    #[arg(long, default_value_t = 0)]
    local_port: u16,
    /// After a timeout, re-register from a random port in MIN-MAX.
    #[arg(long, value_parser = parse_range)]
    random_port: Option<(u16, u16)>,
    /// Rewrite the Contact from Via received/rport.
    #[arg(long)]
    received_detection: bool,
    /// Return to the first registrar when it answers again.
    #[arg(long)]
    prefer_primary: bool,
    /// Back-off base in seconds once every registrar failed (a connection
    /// refused, no answer): the first retry comes after half to all of it,
    /// each further failure doubles it, up to 1800 s.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=1800))]
    retry_base: u64,
    /// Give up after this many seconds in total (0 = never).
    #[arg(long, default_value_t = 0)]
    timeout: u64,
    /// Unregister and exit after this many seconds (0 = run until Ctrl-C or
    /// SIGTERM, which unregister too). Exit 0 only if the binding was removed.
    #[arg(long, default_value_t = 0)]
    duration: u64,
    /// Print each event as one JSON object per line (`{"t":1.234,
    /// "event":"registered","server":"…","expires":60,"contact":"…"}`)
    /// instead of text.
    #[arg(long)]
    json: bool,
}

fn parse_range(s: &str) -> Result<(u16, u16), String> {
    let (a, b) = s.split_once('-').ok_or("expected MIN-MAX")?;
    Ok((
        a.parse().map_err(|e| format!("{e}"))?,
        b.parse().map_err(|e| format!("{e}"))?,
    ))
}

/// `dialtone sip registrar`.
#[derive(Debug, clap::Args)]
pub struct RegistrarArgs {
    /// Address to listen on (UDP and TCP).
    #[arg(long)]
    listen: SocketAddr,
    /// Users file: one `user:password` per line.
    #[arg(long)]
    users: PathBuf,
    /// Digest realm.
    #[arg(long, default_value = "dialtone")]
    realm: String,
    /// Print every binding change.
    #[arg(long)]
    verbose: bool,
    /// Exit after this many seconds (0 = never).
    #[arg(long, default_value_t = 0)]
    duration: u64,
}

/// Runs a SIP subcommand.
///
/// # Errors
/// Bad arguments, socket errors.
pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Register(a) => register(&a),
        Command::Registrar(a) => serve(&a),
    }
}

fn resolve(hostport: &str) -> anyhow::Result<(String, SocketAddr)> {
    let addr = hostport
        .to_socket_addrs()
        .with_context(|| format!("resolving {hostport}"))?
        .find(SocketAddr::is_ipv4)
        .with_context(|| format!("no IPv4 address for {hostport}"))?;
    let host = hostport
        .rsplit_once(':')
        .map_or(hostport, |(h, _)| h)
        .to_string();
    Ok((host, addr))
}

/// The local IP the OS would use to reach `to`.
fn local_ip_for(to: SocketAddr) -> anyhow::Result<IpAddr> {
    let probe = UdpSocket::bind("0.0.0.0:0")?;
    probe.connect(to)?;
    Ok(probe.local_addr()?.ip())
}

fn register(a: &RegisterArgs) -> anyhow::Result<ExitCode> {
    let mut servers = Vec::new();
    let mut first_host = None;
    for r in &a.registrar {
        let (host, addr) = resolve(r)?;
        first_host.get_or_insert(host);
        servers.push(addr);
    }
    let Some(&first) = servers.first() else {
        bail!("no registrar")
    };
    let ip = local_ip_for(first)?;
    let udp = UdpSocket::bind((ip, a.local_port)).context("binding the SIP port")?;
    let local = udp.local_addr()?;
    let mut cfg = ua::Config::new(&servers, &a.user, &a.password);
    cfg.domain = a.domain.clone().or(first_host);
    cfg.local_ip = ip;
    cfg.local_port = local.port();
    cfg.transport = match a.transport {
        TransportArg::Udp => Transport::Udp,
        TransportArg::Tcp => Transport::Tcp,
    };
    cfg.expires = Duration::from_secs(u64::from(a.expires));
    cfg.keepalive = match a.keepalive {
        KeepaliveArg::Crlf => KeepaliveMode::Crlf,
        KeepaliveArg::Options => KeepaliveMode::Options,
        KeepaliveArg::None => KeepaliveMode::None,
    };
    cfg.keepalive_interval = Duration::from_secs(a.keepalive_interval);
    cfg.instance = Some(format!(
        "<urn:uuid:00000000-0000-0000-0000-{}>",
        a.mac.to_ascii_lowercase()
    ));
    cfg.user_agent = a.user_agent.clone();
    cfg.random_port = a.random_port;
    cfg.received_detection = a.received_detection;
    cfg.prefer_primary = a.prefer_primary;
    cfg.retry_base = Duration::from_secs(a.retry_base);
    let clock = Clock::new();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id());
    let agent = UserAgent::new(cfg, clock.now(), seed)?;
    let mut d = UaDriver {
        ua: agent,
        udp,
        ip,
        tcp: HashMap::new(),
        clock,
    };
    let stop = stop_on_signal()?;
    if a.json {
        println!(
            "{}",
            json!({
                "t": 0.0,
                "event": "started",
                "local": local.to_string(),
                "transport": transport_name(a.transport),
                "registrars": servers.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })
        );
    }
    let target = if a.once { Some(1) } else { a.count };
    let deadline = (a.timeout > 0).then(|| d.clock.now() + Duration::from_secs(a.timeout));
    let run_until = (a.duration > 0).then(|| d.clock.now() + Duration::from_secs(a.duration));
    let mut successes = 0u32;
    // When the unregistration started.
    let mut unregistering: Option<Instant> = None;
    loop {
        for ev in d.step()? {
            let now = d.clock.now();
            if a.json {
                println!("{}", event_json(now, &ev, &d.ua));
            } else {
                println!("{:>9.3}s {ev:?}", secs(now));
            }
            match ev {
                Event::Registered { .. } => {
                    successes += 1;
                    if target.is_some_and(|t| successes >= t) && unregistering.is_none() {
                        announce_stop(a.json, now, "count");
                        unregistering = Some(now);
                        d.ua.unregister(now);
                    }
                }
                Event::Unregistered => return Ok(ExitCode::SUCCESS),
                Event::Failed { .. } if unregistering.is_some() => {
                    eprintln!("dialtone: the unregistration failed");
                    return Ok(ExitCode::FAILURE);
                }
                Event::Failed { .. } if a.once => {
                    let now = d.clock.now();
                    d.ua.unregister(now);
                    d.drain(Duration::from_secs(2))?;
                    return Ok(ExitCode::FAILURE);
                }
                _ => {}
            }
        }
        let now = d.clock.now();
        match unregistering {
            None => {
                let why = if stop.load(Ordering::Relaxed) {
                    Some("signal")
                } else if run_until.is_some_and(|t| now >= t) {
                    Some("duration")
                } else {
                    None
                };
                if let Some(why) = why {
                    announce_stop(a.json, now, why);
                    unregistering = Some(now);
                    d.ua.unregister(now);
                    continue;
                }
            }
            Some(since) if now.saturating_since(since) >= UNREGISTER_WAIT => {
                eprintln!(
                    "dialtone: no answer to the unregistration within {} s",
                    UNREGISTER_WAIT.as_secs()
                );
                return Ok(ExitCode::FAILURE);
            }
            Some(_) => {}
        }
        if deadline.is_some_and(|t| now >= t) {
            eprintln!("dialtone: gave up after {} s", a.timeout);
            return Ok(ExitCode::FAILURE);
        }
    }
}

/// How long `register` waits for the answer to its unregistration on the way
/// out.
const UNREGISTER_WAIT: Duration = Duration::from_secs(5);

fn secs(t: Instant) -> f64 {
    t.as_millis() as f64 / 1000.0
}

fn transport_name(t: TransportArg) -> &'static str {
    match t {
        TransportArg::Udp => "udp",
        TransportArg::Tcp => "tcp",
    }
}

fn announce_stop(as_json: bool, now: Instant, why: &str) {
    if as_json {
        println!(
            "{}",
            json!({ "t": secs(now), "event": "stopping", "reason": why })
        );
    } else {
        println!("{:>9.3}s stopping ({why}): unregistering", secs(now));
    }
}

/// One line of `register --json`.
fn event_json(now: Instant, ev: &Event, agent: &UserAgent) -> serde_json::Value {
    let t = secs(now);
    match ev {
        Event::Registering { server } => {
            json!({ "t": t, "event": "registering", "server": server.to_string() })
        }
        Event::Registered { server, expires } => json!({
            "t": t,
            "event": "registered",
            "server": server.to_string(),
            "expires": expires.as_secs(),
            "contact": agent.contact_uri(),
        }),
        Event::Failed { cause, retry_in } => json!({
            "t": t,
            "event": "failed",
            "cause": cause_name(*cause),
            "code": cause_code(*cause),
            "retry_in": retry_in.map(|d| d.as_secs_f64()),
        }),
        Event::Unregistered => json!({ "t": t, "event": "unregistered" }),
        Event::FailedOver { from, to } => json!({
            "t": t,
            "event": "failed_over",
            "from": from.to_string(),
            "to": to.to_string(),
        }),
        Event::PublicAddress { addr } => {
            json!({ "t": t, "event": "public_address", "addr": addr.to_string() })
        }
        Event::Rebind { local_port } => {
            json!({ "t": t, "event": "rebind", "local_port": local_port })
        }
        Event::Connect { conn, remote } => json!({
            "t": t,
            "event": "connect",
            "conn": conn.0,
            "remote": remote.to_string(),
        }),
        Event::Close { conn } => json!({ "t": t, "event": "close", "conn": conn.0 }),
        other => json!({ "t": t, "event": "other", "debug": format!("{other:?}") }),
    }
}

fn cause_name(c: FailureCause) -> &'static str {
    match c {
        FailureCause::Timeout => "timeout",
        FailureCause::Forbidden => "forbidden",
        FailureCause::NotFound => "not_found",
        FailureCause::AuthFailed => "auth_failed",
        FailureCause::TooBrief => "too_brief",
        FailureCause::ServerError { .. } => "server_error",
        FailureCause::TransportError => "transport_error",
        FailureCause::Rejected { .. } => "rejected",
        _ => "other",
    }
}

fn cause_code(c: FailureCause) -> Option<u16> {
    match c {
        FailureCause::Forbidden => Some(403),
        FailureCause::NotFound => Some(404),
        FailureCause::TooBrief => Some(423),
        FailureCause::ServerError { code } | FailureCause::Rejected { code } => Some(code),
        _ => None,
    }
}

/// A flag raised by the first SIGINT or SIGTERM (so `register` can remove its
/// binding before exiting); a second one exits at once with status 130.
fn stop_on_signal() -> anyhow::Result<Arc<AtomicBool>> {
    use tokio::signal::unix::{signal, SignalKind};
    let flag = Arc::new(AtomicBool::new(false));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .context("starting the signal handler")?;
    let (mut int, mut term) = rt
        .block_on(async {
            Ok::<_, std::io::Error>((
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
            ))
        })
        .context("installing signal handlers")?;
    let raised = Arc::clone(&flag);
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            rt.block_on(async move {
                loop {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                    if raised.swap(true, Ordering::Relaxed) {
                        std::process::exit(130);
                    }
                }
            });
        })
        .context("starting the signal thread")?;
    Ok(flag)
}

struct UaDriver {
    ua: UserAgent,
    udp: UdpSocket,
    ip: IpAddr,
    tcp: HashMap<ConnId, TcpStream>,
    clock: Clock,
}

impl UaDriver {
    /// Sends, collects events (answering I/O requests), waits for input or
    /// the next deadline (at most 50 ms, so TCP streams are polled too).
    fn step(&mut self) -> anyhow::Result<Vec<Event>> {
        let mut out = vec![0u8; 65_536];
        while let Some(t) = self.ua.poll_transmit(&mut out)? {
            let bytes = out.get(..t.len).unwrap_or_default();
            match t.to {
                Peer::Udp(addr) => {
                    let _ = self.udp.send_to(bytes, addr);
                }
                Peer::Tcp(conn) => {
                    if let Some(s) = self.tcp.get_mut(&conn) {
                        if s.write_all(bytes).is_err() {
                            self.tcp.remove(&conn);
                            let now = self.clock.now();
                            self.ua.handle_conn_event(now, conn, ConnEvent::Closed);
                        }
                    }
                }
            }
        }
        let mut events = Vec::new();
        while let Some(ev) = self.ua.poll_event() {
            let now = self.clock.now();
            match &ev {
                Event::Connect { conn, remote } => {
                    match TcpStream::connect_timeout(remote, Duration::from_secs(5)) {
                        Ok(s) => {
                            s.set_nonblocking(true)?;
                            self.tcp.insert(*conn, s);
                            self.ua.handle_conn_event(now, *conn, ConnEvent::Connected);
                        }
                        Err(_) => self.ua.handle_conn_event(now, *conn, ConnEvent::Refused),
                    }
                }
                Event::Close { conn } => {
                    self.tcp.remove(conn);
                }
                Event::Rebind { local_port } => {
                    self.udp = UdpSocket::bind((self.ip, *local_port))
                        .with_context(|| format!("binding new local port {local_port}"))?;
                }
                _ => {}
            }
            events.push(ev);
        }
        if !events.is_empty() {
            return Ok(events);
        }
        let wait = self
            .ua
            .poll_timeout()
            .map_or(Duration::from_millis(50), |t| self.clock.until(t))
            .clamp(Duration::from_millis(1), Duration::from_millis(50));
        self.udp.set_read_timeout(Some(wait))?;
        let mut inb = vec![0u8; 65_536];
        match self.udp.recv_from(&mut inb) {
            Ok((n, from)) => {
                let now = self.clock.now();
                if let Err(e) =
                    self.ua
                        .handle_input(now, Peer::Udp(from), inb.get(..n).unwrap_or_default())
                {
                    eprintln!("dialtone: ignored datagram from {from}: {e}");
                }
            }
            // A signal interrupts the wait: the loop looks at the stop flag.
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(e.into()),
        }
        let ids: Vec<ConnId> = self.tcp.keys().copied().collect();
        for id in ids {
            let (got, closed) = match self.tcp.get_mut(&id) {
                Some(s) => read_available(s, &mut inb),
                None => continue,
            };
            let now = self.clock.now();
            if !got.is_empty() {
                if let Err(e) = self.ua.handle_input(now, Peer::Tcp(id), &got) {
                    eprintln!("dialtone: bad stream data: {e}");
                }
            }
            if closed {
                self.tcp.remove(&id);
                self.ua.handle_conn_event(now, id, ConnEvent::Closed);
            }
        }
        let now = self.clock.now();
        if self.ua.poll_timeout().is_some_and(|t| t <= now) {
            self.ua.handle_timeout(now);
        }
        Ok(events)
    }

    /// Keeps stepping for `limit` or until unregistered.
    fn drain(&mut self, limit: Duration) -> anyhow::Result<()> {
        let until = self.clock.now() + limit;
        while self.clock.now() < until {
            if self.step()?.contains(&Event::Unregistered) {
                break;
            }
        }
        Ok(())
    }
}

/// Reads what a nonblocking stream has: (bytes, closed).
fn read_available(s: &mut TcpStream, buf: &mut [u8]) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    loop {
        match s.read(buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(buf.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return (got, false),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return (got, true),
        }
    }
}

fn serve(a: &RegistrarArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&a.users)
        .with_context(|| format!("reading {}", a.users.display()))?;
    let accounts = MemoryAccounts::from_lines(&text);
    if accounts.is_empty() {
        bail!("no `user:password` lines in {}", a.users.display());
    }
    let udp = UdpSocket::bind(a.listen).with_context(|| format!("binding UDP {}", a.listen))?;
    let tcp = TcpListener::bind(udp.local_addr()?)
        .with_context(|| format!("binding TCP {}", a.listen))?;
    tcp.set_nonblocking(true)?;
    udp.set_read_timeout(Some(Duration::from_millis(10)))?;
    let clock = Clock::new();
    let mut cfg = registrar::Config::default();
    cfg.realm.clone_from(&a.realm);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let n = accounts.len();
    let mut reg = Registrar::new(cfg, accounts, clock.now(), seed);
    reg.set_events(a.verbose);
    println!("registrar on {} (UDP+TCP), {n} accounts", udp.local_addr()?);
    let mut conns: HashMap<ConnId, TcpStream> = HashMap::new();
    let mut next_conn = 1u32;
    let mut inb = vec![0u8; 65_536];
    let mut out = vec![0u8; 65_536];
    let end = (a.duration > 0).then(|| clock.now() + Duration::from_secs(a.duration));
    loop {
        if end.is_some_and(|t| clock.now() >= t) {
            let c = reg.counters();
            println!(
                "registers {} accepted {} challenges {} blocks {} forbidden {:?}",
                c.registers, c.accepted, c.challenges, c.blocks, c.forbidden
            );
            return Ok(ExitCode::SUCCESS);
        }
        match udp.recv_from(&mut inb) {
            Ok((len, from)) => {
                let _ = reg.handle_input(
                    clock.now(),
                    Peer::Udp(from),
                    inb.get(..len).unwrap_or_default(),
                );
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => return Err(e.into()),
        }
        while let Ok((s, _)) = tcp.accept() {
            s.set_nonblocking(true)?;
            let id = ConnId(next_conn);
            next_conn = next_conn.wrapping_add(1);
            conns.insert(id, s);
            reg.handle_conn_event(clock.now(), id, ConnEvent::Connected);
        }
        let ids: Vec<ConnId> = conns.keys().copied().collect();
        for id in ids {
            let (got, closed) = match conns.get_mut(&id) {
                Some(s) => read_available(s, &mut inb),
                None => continue,
            };
            if !got.is_empty() && reg.handle_input(clock.now(), Peer::Tcp(id), &got).is_err() {
                conns.remove(&id);
                reg.handle_conn_event(clock.now(), id, ConnEvent::Closed);
                continue;
            }
            if closed {
                conns.remove(&id);
                reg.handle_conn_event(clock.now(), id, ConnEvent::Closed);
            }
        }
        reg.handle_timeout(clock.now());
        while let Some(t) = reg.poll_transmit(&mut out)? {
            let bytes = out.get(..t.len).unwrap_or_default();
            match t.to {
                Peer::Udp(to) => {
                    let _ = udp.send_to(bytes, to);
                }
                Peer::Tcp(id) => {
                    if let Some(s) = conns.get_mut(&id) {
                        if s.write_all(bytes).is_err() {
                            conns.remove(&id);
                        }
                    }
                }
            }
        }
        while let Some(ev) = reg.poll_event() {
            println!("{:>9.3}s {ev:?}", clock.now().as_millis() as f64 / 1000.0);
        }
    }
}
