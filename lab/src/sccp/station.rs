//! `dialtone sccp station`: one or many station state machines over real TCP.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use dialtone_core::{ConnId, Instant};
use dialtone_sccp::station::{self, ConnEvent, Event, Station};
use dialtone_sccp::DeviceType;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

use crate::clock::Clock;

/// Arguments of `dialtone sccp station`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// CallManager group in priority order, e.g. 127.0.0.1:2000,127.0.0.1:2001.
    #[arg(long, value_delimiter = ',', required = true)]
    pub cm: Vec<SocketAddr>,
    /// MAC address of the first station (12 hex digits, `:`/`-`/`.` allowed).
    #[arg(long)]
    pub mac: String,
    /// Number of stations, with consecutive MACs.
    #[arg(long, default_value_t = 1)]
    pub count: u32,
    /// Model name or device type number (7960 → 7).
    #[arg(long, default_value = "7960")]
    pub device_type: String,
    /// Protocol version offered in Register.
    #[arg(long, default_value_t = 11)]
    pub protocol: u8,
    /// Unregister every station after this many seconds and exit; the exit
    /// status is 0 only if every station registered.
    #[arg(long)]
    pub duration: Option<u64>,
}

/// Parses a MAC address into a number.
///
/// # Errors
/// Anything but 12 hex digits (separators `:`, `-`, `.` ignored).
pub fn parse_mac(s: &str) -> anyhow::Result<u64> {
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    anyhow::ensure!(hex.len() == 12, "a MAC has 12 hex digits");
    Ok(u64::from_str_radix(&hex, 16)?)
}

/// The MAC `base + i` as bytes.
#[must_use]
pub fn mac_bytes(base: u64, i: u64) -> [u8; 6] {
    let b = (base.wrapping_add(i) & 0xFFFF_FFFF_FFFF).to_be_bytes();
    [b[2], b[3], b[4], b[5], b[6], b[7]]
}

/// Runs `dialtone sccp station`.
///
/// # Errors
/// Bad arguments.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let base = parse_mac(&args.mac)?;
    let dt = DeviceType::from_model(&args.device_type).context("unknown --device-type")?;
    let configs: Vec<station::Config> = (0..u64::from(args.count))
        .map(|i| {
            let mut c = station::Config::new(mac_bytes(base, i), args.cm.clone());
            c.device_type = dt;
            c.protocol_version = args.protocol;
            c.station_ip = Ipv4Addr::LOCALHOST;
            c.retry_after = Some(Duration::from_secs(10));
            c
        })
        .collect();
    let n = configs.len();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let (stop_tx, stop_rx) = oneshot::channel();
        let duration = args.duration;
        tokio::spawn(async move {
            match duration {
                Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
                None => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
            let _ = stop_tx.send(());
        });
        let stats = Arc::new(Stats::new(args.cm.len()));
        let report = drive(configs, Clock::new(), stop_rx, stats, Verbosity::Events).await?;
        println!(
            "{} of {n} stations registered; {} unregistered cleanly",
            report.ever_registered, report.unregistered
        );
        Ok(if report.ever_registered == n {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    })
}

/// Live counters shared with an observer (the demo).
#[derive(Debug)]
pub struct Stats {
    /// Stations registered with each member right now.
    pub on_cm: Vec<AtomicUsize>,
    /// Failovers so far.
    pub failovers: AtomicUsize,
    /// Fallbacks so far.
    pub fallbacks: AtomicUsize,
}

impl Stats {
    /// Zeroed counters for `cms` members.
    #[must_use]
    pub fn new(cms: usize) -> Self {
        Stats {
            on_cm: (0..cms).map(|_| AtomicUsize::new(0)).collect(),
            failovers: AtomicUsize::new(0),
            fallbacks: AtomicUsize::new(0),
        }
    }

    /// Stations on member `cm`.
    #[must_use]
    pub fn on(&self, cm: usize) -> usize {
        self.on_cm.get(cm).map_or(0, |a| a.load(Ordering::Relaxed))
    }
}

/// How much [`drive`] prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Nothing.
    Quiet,
    /// Every station event.
    Events,
}

/// What [`drive`] saw.
#[derive(Debug, Clone, Copy, Default)]
pub struct Report {
    /// Stations that registered at least once.
    pub ever_registered: usize,
    /// Stations that finished a clean unregistration at the end.
    pub unregistered: usize,
}

enum Input {
    Connected(usize, ConnId, TcpStream),
    Refused(usize, ConnId),
    Data(usize, ConnId, Vec<u8>),
    Closed(usize, ConnId),
}

struct Link {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    reader: tokio::task::JoinHandle<()>,
}

/// Runs the stations until `stop` fires, then unregisters them all (up to 5 s).
///
/// # Errors
/// Only internal encoding errors.
pub async fn drive(
    configs: Vec<station::Config>,
    clock: Clock,
    mut stop: oneshot::Receiver<()>,
    stats: Arc<Stats>,
    verbosity: Verbosity,
) -> anyhow::Result<Report> {
    let (in_tx, mut in_rx) = mpsc::unbounded_channel::<Input>();
    let now = clock.now();
    let mut stations: Vec<Station> = configs
        .into_iter()
        .enumerate()
        .map(|(i, c)| Station::new(c, now, 0x5eed ^ i as u64))
        .collect();
    let names: Vec<String> = stations
        .iter()
        .enumerate()
        .map(|(i, _)| format!("station {i}"))
        .collect();
    let mut links: HashMap<(usize, ConnId), Link> = HashMap::new();
    let mut pending_connect: HashMap<(usize, ConnId), tokio::task::JoinHandle<()>> = HashMap::new();
    let mut current: Vec<Option<usize>> = vec![None; stations.len()];
    let mut ever = vec![false; stations.len()];
    let mut unregistered = 0usize;
    let mut due: Vec<Option<Instant>> = vec![None; stations.len()];
    let mut timers: BinaryHeap<Reverse<(Instant, usize)>> = BinaryHeap::new();
    let mut buf = vec![0u8; 2048];
    let mut dirty: Vec<usize> = (0..stations.len()).collect();
    let mut stopping: Option<Instant> = None;
    loop {
        for s in dirty.drain(..) {
            let Some(st) = stations.get_mut(s) else {
                continue;
            };
            while let Some(t) = st.poll_transmit(&mut buf)? {
                if let Some(l) = links.get(&(s, t.to)) {
                    let _ = l.tx.send(buf[..t.len].to_vec());
                }
            }
            while let Some(ev) = st.poll_event() {
                match &ev {
                    Event::Connect { conn, addr, .. } => {
                        let (conn, addr, tx) = (*conn, *addr, in_tx.clone());
                        let h = tokio::spawn(async move {
                            match tokio::time::timeout(
                                Duration::from_secs(10),
                                TcpStream::connect(addr),
                            )
                            .await
                            {
                                Ok(Ok(stream)) => {
                                    let _ = tx.send(Input::Connected(s, conn, stream));
                                }
                                _ => {
                                    let _ = tx.send(Input::Refused(s, conn));
                                }
                            }
                        });
                        pending_connect.insert((s, conn), h);
                        continue;
                    }
                    Event::Close { conn } => {
                        if let Some(h) = pending_connect.remove(&(s, *conn)) {
                            h.abort();
                        }
                        if let Some(l) = links.remove(&(s, *conn)) {
                            l.reader.abort();
                        }
                        continue;
                    }
                    Event::FailedOver { .. } => {
                        stats.failovers.fetch_add(1, Ordering::Relaxed);
                    }
                    Event::FellBack { .. } => {
                        stats.fallbacks.fetch_add(1, Ordering::Relaxed);
                    }
                    Event::Unregistered { .. } => unregistered += 1,
                    _ => {}
                }
                if verbosity == Verbosity::Events {
                    println!("{}: {ev:?}", names.get(s).map_or("?", String::as_str));
                }
            }
            let now_cm = st.active_cm();
            if let Some(cur) = current.get_mut(s) {
                if *cur != now_cm {
                    if let Some(old) = *cur {
                        if let Some(a) = stats.on_cm.get(old) {
                            a.fetch_sub(1, Ordering::Relaxed);
                        }
                    }
                    if let Some(new) = now_cm {
                        if let Some(a) = stats.on_cm.get(new) {
                            a.fetch_add(1, Ordering::Relaxed);
                        }
                        if let Some(e) = ever.get_mut(s) {
                            *e = true;
                        }
                    }
                    *cur = now_cm;
                }
            }
            let d = st.poll_timeout();
            if let Some(slot) = due.get_mut(s) {
                if *slot != d {
                    *slot = d;
                    if let Some(d) = d {
                        timers.push(Reverse((d, s)));
                    }
                }
            }
        }
        if let Some(deadline) = stopping {
            let busy = stations
                .iter()
                .any(|s| matches!(s.state(), station::State::Unregistering { .. }));
            if !busy || clock.now() >= deadline {
                break;
            }
        }
        let next = timers.peek().map(|Reverse((t, _))| *t);
        let wait = next.map_or(Duration::from_secs(3600), |at| clock.until(at));
        tokio::select! {
            _ = &mut stop, if stopping.is_none() => {
                let now = clock.now();
                for (s, st) in stations.iter_mut().enumerate() {
                    st.unregister(now);
                    dirty.push(s);
                }
                stopping = Some(now + Duration::from_secs(5));
            }
            Some(input) = in_rx.recv() => {
                let now = clock.now();
                match input {
                    Input::Connected(s, conn, stream) => {
                        pending_connect.remove(&(s, conn));
                        let _ = stream.set_nodelay(true);
                        let (mut rd, mut wr) = stream.into_split();
                        let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
                        tokio::spawn(async move {
                            while let Some(b) = rx.recv().await {
                                if wr.write_all(&b).await.is_err() {
                                    break;
                                }
                            }
                            let _ = wr.shutdown().await;
                        });
                        let itx = in_tx.clone();
                        let reader = tokio::spawn(async move {
                            let mut b = vec![0u8; 4096];
                            loop {
                                match rd.read(&mut b).await {
                                    Ok(0) | Err(_) => break,
                                    Ok(n) => {
                                        if itx.send(Input::Data(s, conn, b[..n].to_vec())).is_err() {
                                            return;
                                        }
                                    }
                                }
                            }
                            let _ = itx.send(Input::Closed(s, conn));
                        });
                        links.insert((s, conn), Link { tx, reader });
                        if let Some(st) = stations.get_mut(s) {
                            st.handle_conn_event(now, conn, ConnEvent::Connected);
                        }
                        dirty.push(s);
                    }
                    Input::Refused(s, conn) => {
                        pending_connect.remove(&(s, conn));
                        if let Some(st) = stations.get_mut(s) {
                            st.handle_conn_event(now, conn, ConnEvent::Refused);
                        }
                        dirty.push(s);
                    }
                    Input::Data(s, conn, bytes) => {
                        if links.contains_key(&(s, conn)) {
                            if let Some(st) = stations.get_mut(s) {
                                if let Err(e) = st.handle_input(now, conn, &bytes) {
                                    if verbosity == Verbosity::Events {
                                        eprintln!("station {s}: {e}");
                                    }
                                }
                            }
                            dirty.push(s);
                        }
                    }
                    Input::Closed(s, conn) => {
                        if links.remove(&(s, conn)).is_some() {
                            if let Some(st) = stations.get_mut(s) {
                                st.handle_conn_event(now, conn, ConnEvent::Closed);
                            }
                            dirty.push(s);
                        }
                    }
                }
            }
            () = tokio::time::sleep(wait) => {
                let now = clock.now();
                while let Some(&Reverse((t, s))) = timers.peek() {
                    if t > now {
                        break;
                    }
                    timers.pop();
                    if due.get(s).copied().flatten() == Some(t) {
                        if let Some(slot) = due.get_mut(s) {
                            *slot = None;
                        }
                        if let Some(st) = stations.get_mut(s) {
                            st.handle_timeout(now);
                        }
                        dirty.push(s);
                    }
                }
            }
        }
    }
    for (_, l) in links.drain() {
        l.reader.abort();
    }
    Ok(Report {
        ever_registered: ever.iter().filter(|e| **e).count(),
        unregistered,
    })
}
