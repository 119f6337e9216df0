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
        serve(listener, reg, clock, stop_rx, true).await?;
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
    mut reg: Registrar,
    clock: Clock,
    mut stop: oneshot::Receiver<()>,
    verbose: bool,
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
