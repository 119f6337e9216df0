//! `dialtone sccp registrar`: the registrar state machine over real TCP.
//!
//! One task owns the [`Registrar`]; every accepted connection has a reader
//! task feeding bytes to it and a writer task sending what it emits.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use dialtone_core::ConnId;
use dialtone_sccp::registrar::{self, ConnEvent, Event, MemoryStore, Registrar};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

use crate::clock::Clock;

/// Arguments of `dialtone sccp registrar`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on, e.g. 127.0.0.1:2000.
    #[arg(long)]
    pub listen: SocketAddr,
    /// Device list: one device per line,
    /// `SEP<12 hex> <model> [DN[,DN...]] [keepalive=SECS] [disabled]`,
    /// e.g. `SEP001E7AC4D231 7960 2001,2002`; `#` starts a comment.
    #[arg(long)]
    pub devices: Option<PathBuf>,
    /// Auto-register unknown devices with directory numbers FIRST-LAST
    /// (off by default).
    #[arg(long, value_name = "FIRST-LAST")]
    pub auto_register: Option<String>,
    /// Keepalive interval granted in RegisterAck, seconds (10–1000).
    #[arg(long, default_value_t = 30)]
    pub keepalive: u64,
    /// Stop after this many seconds (default: run until interrupted).
    #[arg(long)]
    pub duration: Option<u64>,
    /// Read administrator commands from standard input, one per line:
    /// `reset SEP… [reset|restart|apply]`, `delete SEP…`,
    /// `update <device line as in --devices>`, `elsewhere SEP… [IP]`,
    /// `set keepalive|secondary-keepalive|miss-limit|max-devices N`,
    /// `set auto-register FIRST-LAST|off`.
    #[arg(long)]
    pub admin: bool,
}

/// Applies one administrator command line to `reg`; returns what happened.
///
/// # Errors
/// A command that does not parse or a value out of range.
pub fn admin_command(
    reg: &mut Registrar,
    now: dialtone_core::Instant,
    line: &str,
) -> anyhow::Result<String> {
    use dialtone_sccp::registrar::{DeviceName, Parameter};
    use dialtone_sccp::ResetType;
    let mut w = line.split_whitespace();
    let cmd = w.next().unwrap_or("");
    let dev = |w: Option<&str>| {
        w.and_then(|n| DeviceName::parse(n.as_bytes()))
            .context("expected a device name SEP<12 hex>")
    };
    match cmd {
        "reset" => {
            let d = dev(w.next())?;
            let kind = match w.next().unwrap_or("reset") {
                "reset" => ResetType::Reset,
                "restart" => ResetType::Restart,
                "apply" => ResetType::ApplyConfig,
                other => anyhow::bail!("unknown reset type {other}"),
            };
            Ok(if reg.reset_device(now, d, kind) {
                format!("reset sent to {d}")
            } else {
                format!("{d} is not registered")
            })
        }
        "delete" => {
            let d = dev(w.next())?;
            let ended = reg
                .delete_device(now, d)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(format!(
                "deleted {d}{}",
                if ended { " (registration ended)" } else { "" }
            ))
        }
        "update" => {
            let rest = line.trim_start().strip_prefix("update").unwrap_or("");
            let (d, rec) = registrar::parse_device_line(rest.trim())
                .context("expected SEP<12 hex> <model> [DN,...] [keepalive=SECS] [disabled]")?;
            let reset = reg
                .update_device(now, d, rec)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(format!(
                "updated {d}{}",
                if reset { " (reset sent)" } else { "" }
            ))
        }
        "elsewhere" => {
            let d = dev(w.next())?;
            let ip = w.next().map(str::parse).transpose()?;
            Ok(if reg.handle_registered_elsewhere(now, d, ip) {
                format!("{d} unregistered here")
            } else {
                format!("{d} is not registered")
            })
        }
        "set" => {
            let name = w.next().unwrap_or("");
            let value = w.next().context("expected a value")?;
            let secs = || value.parse::<u64>().map(Duration::from_secs);
            let p = match name {
                "keepalive" => Parameter::Keepalive(secs()?),
                "secondary-keepalive" => Parameter::SecondaryKeepalive(secs()?),
                "miss-limit" => Parameter::KeepaliveMissLimit(value.parse()?),
                "max-devices" => Parameter::MaxDevices(Some(value.parse()?)),
                "auto-register" if value == "off" => Parameter::AutoRegistration(None),
                "auto-register" => Parameter::AutoRegistration(Some(parse_range(value)?)),
                other => anyhow::bail!("unknown parameter {other}"),
            };
            reg.set_parameter(p)
                .map_err(|_| anyhow::anyhow!("{name} {value}: out of range"))?;
            Ok(format!("{name} = {value}"))
        }
        other => anyhow::bail!("unknown command {other:?}"),
    }
}

/// Parses `FIRST-LAST`.
///
/// # Errors
/// Text that is not two numbers with `first <= last`.
pub fn parse_range(s: &str) -> anyhow::Result<(u32, u32)> {
    let (a, b) = s.split_once('-').context("expected FIRST-LAST")?;
    let (a, b): (u32, u32) = (a.trim().parse()?, b.trim().parse()?);
    anyhow::ensure!(a <= b, "FIRST must not exceed LAST");
    Ok((a, b))
}

/// Runs `dialtone sccp registrar`.
///
/// # Errors
/// Bad arguments, unreadable device file, bind failures.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let store = match &args.devices {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| p.display().to_string())?;
            MemoryStore::parse_list(&text)
                .map_err(|line| anyhow::anyhow!("{}: line {line} does not parse", p.display()))?
        }
        None => MemoryStore::new(),
    };
    let mut cfg = registrar::Config::default();
    cfg.set_keepalive(Duration::from_secs(args.keepalive))
        .map_err(|_| anyhow::anyhow!("--keepalive must be 10..=1000"))?;
    if let Some(r) = &args.auto_register {
        cfg.auto_registration = Some(parse_range(r)?);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = TcpListener::bind(args.listen).await?;
        println!(
            "registrar listening on {} ({} devices)",
            listener.local_addr()?,
            store.len()
        );
        let clock = Clock::new();
        let reg = Registrar::new(cfg, store, clock.now());
        let (stop_tx, stop_rx) = oneshot::channel();
        if let Some(secs) = args.duration {
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(secs)).await;
                let _ = stop_tx.send(());
            });
        } else {
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                let _ = stop_tx.send(());
            });
        }
        let admin = args.admin.then(|| {
            let (tx, rx) = mpsc::unbounded_channel::<String>();
            std::thread::spawn(move || {
                for line in std::io::stdin().lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            rx
        });
        serve_with_admin(listener, reg, clock, stop_rx, true, admin).await?;
        Ok(ExitCode::SUCCESS)
    })
}

enum Input {
    Accepted(
        ConnId,
        SocketAddr,
        tokio::net::tcp::OwnedWriteHalf,
        tokio::task::JoinHandle<()>,
    ),
    Data(ConnId, Vec<u8>),
    Closed(ConnId),
}

struct Peer {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    reader: tokio::task::JoinHandle<()>,
}

/// Serves `listener` with `reg` until `stop` fires; returns the registrar.
/// Prints registrar events when `verbose`.
///
/// # Errors
/// Accept failures.
pub async fn serve(
    listener: TcpListener,
    reg: Registrar,
    clock: Clock,
    stop: oneshot::Receiver<()>,
    verbose: bool,
) -> anyhow::Result<Registrar> {
    serve_with_admin(listener, reg, clock, stop, verbose, None).await
}

/// [`serve`], also applying the administrator command lines that arrive on
/// `admin` ([`admin_command`]).
///
/// # Errors
/// Accept failures.
pub async fn serve_with_admin(
    listener: TcpListener,
    mut reg: Registrar,
    clock: Clock,
    mut stop: oneshot::Receiver<()>,
    verbose: bool,
    mut admin: Option<mpsc::UnboundedReceiver<String>>,
) -> anyhow::Result<Registrar> {
    let (in_tx, mut in_rx) = mpsc::unbounded_channel::<Input>();
    let mut peers: HashMap<ConnId, Peer> = HashMap::new();
    let mut addrs: HashMap<ConnId, SocketAddr> = HashMap::new();
    let mut next_id = 1u32;
    let mut buf = vec![0u8; 4096];
    loop {
        while let Some(t) = reg.poll_transmit(&mut buf)? {
            if let Some(p) = peers.get(&t.to) {
                let _ = p.tx.send(buf[..t.len].to_vec());
            }
        }
        while let Some(ev) = reg.poll_event() {
            if let Event::Close { conn } = ev {
                if let Some(p) = peers.remove(&conn) {
                    p.reader.abort();
                }
                addrs.remove(&conn);
                continue;
            }
            if verbose {
                print_event(&ev, &addrs);
            }
        }
        let wait = reg.poll_timeout().map_or(Duration::from_secs(3600), |at| {
            clock.until(at).max(Duration::from_millis(1))
        });
        tokio::select! {
            _ = &mut stop => break,
            acc = listener.accept() => {
                let (stream, peer) = acc?;
                let _ = stream.set_nodelay(true);
                let id = ConnId(next_id);
                next_id = next_id.wrapping_add(1).max(1);
                let (mut rd, wr) = stream.into_split();
                let tx = in_tx.clone();
                let reader = tokio::spawn(async move {
                    let mut b = vec![0u8; 4096];
                    loop {
                        match rd.read(&mut b).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if tx.send(Input::Data(id, b[..n].to_vec())).is_err() {
                                    return;
                                }
                            }
                        }
                    }
                    let _ = tx.send(Input::Closed(id));
                });
                let _ = in_tx.send(Input::Accepted(id, peer, wr, reader));
            }
            Some(input) = in_rx.recv() => match input {
                Input::Accepted(id, peer, mut wr, reader) => {
                    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
                    tokio::spawn(async move {
                        while let Some(b) = rx.recv().await {
                            if wr.write_all(&b).await.is_err() {
                                break;
                            }
                        }
                        let _ = wr.shutdown().await;
                    });
                    peers.insert(id, Peer { tx, reader });
                    addrs.insert(id, peer);
                    reg.handle_conn_event(clock.now(), id, ConnEvent::Connected);
                }
                Input::Data(id, bytes) => {
                    if peers.contains_key(&id) {
                        if let Err(e) = reg.handle_input(clock.now(), id, &bytes) {
                            if verbose {
                                eprintln!("conn {} ({:?}): {e}", id.0, addrs.get(&id));
                            }
                        }
                    }
                }
                Input::Closed(id) => {
                    if peers.remove(&id).is_some() {
                        reg.handle_conn_event(clock.now(), id, ConnEvent::Closed);
                    }
                    addrs.remove(&id);
                }
            },
            () = tokio::time::sleep(wait) => reg.handle_timeout(clock.now()),
            Some(line) = async {
                match admin.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => {
                if !line.trim().is_empty() {
                    match admin_command(&mut reg, clock.now(), &line) {
                        Ok(msg) => println!("admin: {msg}"),
                        Err(e) => eprintln!("admin: {e}"),
                    }
                }
            }
        }
    }
    for (_, p) in peers.drain() {
        p.reader.abort();
    }
    Ok(reg)
}

fn print_event(ev: &Event, addrs: &HashMap<ConnId, SocketAddr>) {
    let at = |c: &ConnId| {
        addrs
            .get(c)
            .map_or_else(|| format!("conn {}", c.0), ToString::to_string)
    };
    match ev {
        Event::Registered {
            conn,
            device,
            device_type,
            failover_in,
        } => println!(
            "registered {device} ({device_type}) from {}{}",
            at(conn),
            if *failover_in { " [failover in]" } else { "" }
        ),
        Event::Rejected {
            conn,
            device,
            reason,
        } => println!(
            "rejected {} from {}: {}",
            device.map_or_else(|| "?".to_string(), |d| d.to_string()),
            at(conn),
            reason.text().unwrap_or("?")
        ),
        Event::AutoRegistered { device, dn } => println!("auto-registered {device} as {dn}"),
        Event::Unregistered {
            conn,
            device,
            cause,
        } => println!("unregistered {device} from {}: {cause:?}", at(conn)),
        Event::TokenAnswered {
            device, granted, ..
        } => {
            println!(
                "token for {device}: {}",
                if *granted { "granted" } else { "refused" }
            );
        }
        other => println!("{other:?}"),
    }
}

#[cfg(test)]
mod admin_tests {
    use super::*;
    use dialtone_core::Instant;
    use dialtone_sccp::registrar::{DeviceName, DeviceStore};

    #[test]
    fn admin_commands_parse_apply_and_refuse() {
        let store = MemoryStore::parse_list("SEP001E7AC4D231 7960 2001").unwrap();
        let mut reg = Registrar::new(registrar::Config::default(), store, Instant::ZERO);
        let now = Instant::ZERO;
        let name = DeviceName::parse(b"SEP001E7AC4D231").unwrap();
        assert!(admin_command(&mut reg, now, "set keepalive 5").is_err());
        assert_eq!(reg.config().keepalive, Duration::from_secs(30));
        admin_command(&mut reg, now, "set keepalive 90").unwrap();
        assert_eq!(reg.config().keepalive, Duration::from_secs(90));
        admin_command(&mut reg, now, "set auto-register 100-199").unwrap();
        assert_eq!(reg.config().auto_registration, Some((100, 199)));
        admin_command(&mut reg, now, "set auto-register off").unwrap();
        assert_eq!(reg.config().auto_registration, None);
        admin_command(&mut reg, now, "update SEP001E7AC4D231 7965 2002 disabled").unwrap();
        let rec = reg.store().lookup(name).unwrap();
        assert!(!rec.enabled);
        assert_eq!(rec.directory_numbers, ["2002"]);
        assert!(admin_command(&mut reg, now, "reset SEP001E7AC4D231 sideways").is_err());
        assert!(
            admin_command(&mut reg, now, "reset SEP001E7AC4D231 restart")
                .unwrap()
                .contains("not registered")
        );
        assert!(admin_command(&mut reg, now, "elsewhere SEP001E7AC4D231 10.0.0.300").is_err());
        admin_command(&mut reg, now, "delete SEP001E7AC4D231").unwrap();
        assert!(reg.store().lookup(name).is_none());
        assert!(admin_command(&mut reg, now, "delete SEPXYZ").is_err());
        assert!(admin_command(&mut reg, now, "frobnicate").is_err());
    }
}
