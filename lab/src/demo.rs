//! `dialtone demo`: two registrars and 1,000 stations on loopback, the
//! primary stopped and started again, with failover and fallback timings.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use dialtone_sccp::registrar::{self, DeviceName, DeviceRecord, MemoryStore, Registrar};
use dialtone_sccp::station;
use dialtone_sccp::DeviceType;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::clock::Clock;
use crate::sccp::registrar::serve;
use crate::sccp::station::{drive, mac_bytes, Stats, Verbosity};

/// Arguments of `dialtone demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of stations.
    #[arg(long, default_value_t = 1000)]
    pub stations: u32,
}

const KEEPALIVE: Duration = Duration::from_secs(10);
const SECONDARY: Duration = Duration::from_secs(10);
const CONN_MON: Duration = Duration::from_secs(5);
const FALLBACK: Duration = Duration::from_secs(2);
const LIMIT: Duration = Duration::from_secs(60);

fn store(n: u32) -> MemoryStore {
    let mut s = MemoryStore::new();
    for i in 0..n {
        s.insert(
            DeviceName::from_mac(mac_bytes(0x001e_0000_0000, u64::from(i))),
            DeviceRecord::new(DeviceType::Cisco7960, vec![format!("{}", 2000 + i)]),
        );
    }
    s
}

fn reg_config() -> registrar::Config {
    let mut c = registrar::Config::default();
    c.keepalive = KEEPALIVE;
    c.secondary_keepalive = SECONDARY;
    c.tick = Duration::from_millis(100);
    c
}

async fn start_registrar(
    addr: SocketAddr,
    n: u32,
    clock: Clock,
) -> anyhow::Result<(
    SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<anyhow::Result<Registrar>>,
)> {
    let mut tries = 0;
    let listener = loop {
        match TcpListener::bind(addr).await {
            Ok(l) => break l,
            Err(e) if tries < 50 => {
                tries += 1;
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e.into()),
        }
    };
    let local = listener.local_addr()?;
    let reg = Registrar::new(reg_config(), store(n), clock.now());
    let (tx, rx) = oneshot::channel();
    let h = tokio::spawn(serve(listener, reg, clock, rx, false));
    Ok((local, tx, h))
}

async fn wait_for(stats: &Stats, cm: usize, n: usize, limit: Duration) -> Option<Duration> {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if stats.on(cm) == n {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

/// Runs the demo.
///
/// # Errors
/// Socket errors.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let n = args.stations;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let began = std::time::Instant::now();
        let clock = Clock::new();
        let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let (a, stop_a, ha) = start_registrar(any, n, clock).await?;
        let (b, stop_b, hb) = start_registrar(any, n, clock).await?;
        println!("dialtone demo: {n} stations, primary {a}, secondary {b}");
        println!(
            "timers: keepalive {}s, secondary keepalive {}s, connection monitor {}s, fallback probe every {}s, token wait per registrar",
            KEEPALIVE.as_secs(),
            SECONDARY.as_secs(),
            CONN_MON.as_secs(),
            FALLBACK.as_secs()
        );
        let configs: Vec<station::Config> = (0..u64::from(n))
            .map(|i| {
                let mut c = station::Config::new(mac_bytes(0x001e_0000_0000, i), vec![a, b]);
                c.station_ip = Ipv4Addr::LOCALHOST;
                c.connection_monitor = CONN_MON;
                c.fallback_interval = Some(FALLBACK);
                c.retry_after = Some(Duration::from_secs(2));
                c
            })
            .collect();
        let stats = Arc::new(Stats::new(2));
        let (stop_s, stop_rx) = oneshot::channel();
        let hs = tokio::spawn(drive(configs, clock, stop_rx, stats.clone(), Verbosity::Quiet));
        let all = n as usize;
        let mut ok = true;
        match wait_for(&stats, 0, all, Duration::from_secs(20)).await {
            Some(t) => println!("all {all} stations registered with the primary in {} ms", t.as_millis()),
            None => {
                println!("only {} stations registered with the primary", stats.on(0));
                ok = false;
            }
        }
        // Let the standby connections come up.
        tokio::time::sleep(Duration::from_millis(500)).await;
        if ok {
            println!("stopping the primary");
            let _ = stop_a.send(());
            let _ = ha.await;
            match wait_for(&stats, 1, all, Duration::from_secs(15)).await {
                Some(t) => println!(
                    "failover: all {all} stations on the secondary {} ms after the primary stopped ({} failovers)",
                    t.as_millis(),
                    stats.failovers.load(std::sync::atomic::Ordering::Relaxed)
                ),
                None => {
                    println!("failover incomplete: {} on the secondary", stats.on(1));
                    ok = false;
                }
            }
        }
        if ok {
            let (_, stop_a2, ha2) = start_registrar(a, n, clock).await?;
            println!("primary started again on {a}");
            let left = LIMIT.saturating_sub(began.elapsed()).saturating_sub(Duration::from_secs(5));
            match wait_for(&stats, 0, all, left).await {
                Some(t) => println!(
                    "fallback: all {all} stations back on the primary {} ms after it returned ({} fallbacks; probes every {}s + connection monitor {}s)",
                    t.as_millis(),
                    stats.fallbacks.load(std::sync::atomic::Ordering::Relaxed),
                    FALLBACK.as_secs(),
                    CONN_MON.as_secs()
                ),
                None => {
                    println!("fallback incomplete: {} back on the primary", stats.on(0));
                    ok = false;
                }
            }
            let _ = stop_s.send(());
            let report = hs.await??;
            println!("{} stations unregistered cleanly", report.unregistered);
            let _ = stop_a2.send(());
            let _ = ha2.await;
        } else {
            let _ = stop_s.send(());
            let _ = hs.await;
        }
        let _ = stop_b.send(());
        let _ = hb.await;
        println!("demo finished in {} ms: {}", began.elapsed().as_millis(), if ok { "ok" } else { "FAILED" });
        Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
    })
}
