//! Deterministic simulation: our client against our server through a lossy,
//! duplicating, reordering network in virtual time (seeded, no sockets).

use core::net::SocketAddr;
use core::time::Duration;

use bytes::Bytes;
use dialtone_core::{Instant, Rng};
use dialtone_tftp::client::{self, Client, Event};
use dialtone_tftp::server::{self, Server};
use dialtone_tftp::source::MemorySource;
use dialtone_tftp::transfer::Rollover;

const SRV: &str = "10.0.0.1:69";
const CLI: &str = "10.0.0.2:40000";

struct Link {
    loss: u64,    // per mille
    dup: u64,     // per mille
    reorder: u64, // per mille: extra delay
}

struct Outcome {
    data: Vec<u8>,
    tsize: Option<u64>,
    elapsed: Duration,
    peak_memory: usize,
}

fn file(len: usize, seed: u64) -> Bytes {
    let mut v = vec![0u8; len];
    Rng::new(seed).fill_bytes(&mut v);
    Bytes::from(v)
}

fn run(
    data: Bytes,
    ccfg: client::Config,
    scfg: server::Config,
    link: Link,
    seed: u64,
) -> Result<Outcome, client::Failure> {
    let srv_addr: SocketAddr = SRV.parse().unwrap();
    let cli_addr: SocketAddr = CLI.parse().unwrap();
    let mut rng = Rng::new(seed);
    let mut files = MemorySource::new();
    files.insert("firmware.bin", data);
    let mut now = Instant::ZERO;
    let mut srv = Server::new(scfg, files, now);
    let mut cli = Client::read(ccfg, srv_addr, "/FIRMWARE.bin", now);
    // (deliver_at, order, to_server, bytes)
    let mut wire: Vec<(Instant, u64, bool, Vec<u8>)> = Vec::new();
    let mut order = 0u64;
    let mut buf = vec![0u8; 65536];
    let mut got = Vec::new();
    let mut tsize = None;
    let mut failure = None;
    let mut complete = false;
    let mut complete_at = Instant::ZERO;
    let mut peak = 0;
    macro_rules! drain {
        () => {
            while let Some(ev) = cli.poll_event() {
                match ev {
                    Event::Data { offset, data } => {
                        assert_eq!(offset, got.len() as u64);
                        got.extend_from_slice(data);
                    }
                    Event::TransferSize(t) => tsize = Some(t),
                    Event::Complete { size } => {
                        assert_eq!(size, got.len() as u64);
                        complete = true;
                        complete_at = now;
                    }
                    Event::Failed(f) => failure = Some(f),
                    _ => {}
                }
            }
        };
    }
    for _step in 0..5_000_000u32 {
        // Drain both machines.
        let mut send = |to_server: bool,
                        bytes: &[u8],
                        wire: &mut Vec<(Instant, u64, bool, Vec<u8>)>,
                        rng: &mut Rng,
                        now: Instant| {
            if rng.range_u64(0, 1000) < link.loss {
                return;
            }
            let copies = if rng.range_u64(0, 1000) < link.dup {
                2
            } else {
                1
            };
            for _ in 0..copies {
                let mut delay = 1 + rng.range_u64(0, 2);
                if rng.range_u64(0, 1000) < link.reorder {
                    delay += rng.range_u64(1, 20);
                }
                order += 1;
                wire.push((
                    now + Duration::from_millis(delay),
                    order,
                    to_server,
                    bytes.to_vec(),
                ));
            }
        };
        while let Some(t) = cli.poll_transmit(&mut buf).unwrap() {
            assert_eq!(t.to, srv_addr);
            send(true, &buf[..t.len], &mut wire, &mut rng, now);
        }
        while let Some(t) = srv.poll_transmit(&mut buf).unwrap() {
            assert_eq!(t.to, cli_addr);
            send(false, &buf[..t.len], &mut wire, &mut rng, now);
        }
        drain!();
        while srv.poll_event().is_some() {}
        peak = peak.max(srv.memory());
        if let Some(f) = failure.take() {
            return Err(f);
        }
        if complete && cli.poll_timeout().is_none() && wire.is_empty() {
            return Ok(Outcome {
                data: got,
                tsize,
                elapsed: complete_at - Instant::ZERO,
                peak_memory: peak,
            });
        }
        // Next moment something happens.
        let next_wire = wire.iter().map(|w| w.0).min();
        let next = [next_wire, cli.poll_timeout(), srv.poll_timeout()]
            .into_iter()
            .flatten()
            .min();
        let Some(next) = next else {
            panic!("stalled at {now:?}: nothing in flight and no timer");
        };
        now = now.max(next);
        // Deliver everything due, in (time, order) order.
        wire.sort_by_key(|w| (w.0, w.1));
        let due = wire.iter().take_while(|w| w.0 <= now).count();
        for (_, _, to_server, bytes) in wire.drain(..due).collect::<Vec<_>>() {
            if to_server {
                let _ = srv.handle_input(now, cli_addr, &bytes);
            } else {
                let _ = cli.handle_input(now, srv_addr, &bytes);
                drain!();
            }
        }
        for (deadline, fire) in [(cli.poll_timeout(), 0), (srv.poll_timeout(), 1)] {
            if deadline.is_some_and(|d| d <= now) {
                if fire == 0 {
                    cli.handle_timeout(now);
                    assert!(
                        cli.poll_timeout().is_none_or(|d| d > now),
                        "client timer must move forward"
                    );
                } else {
                    srv.handle_timeout(now);
                    assert!(
                        srv.poll_timeout().is_none_or(|d| d > now),
                        "server timer must move forward"
                    );
                }
            }
        }
    }
    panic!("simulation did not finish");
}

fn opts(blksize: u16, windowsize: u16) -> client::Config {
    let mut c = client::Config::default();
    c.blksize = Some(blksize);
    c.windowsize = Some(windowsize);
    c.tsize = true;
    c.max_retransmits = 12;
    c
}

fn server_cfg() -> server::Config {
    let mut s = server::Config::default();
    s.max_retransmits = 12;
    s
}

#[test]
fn lossy_duplicating_reordering_link_delivers_identical_bytes() {
    let data = file(300_001, 1);
    for blksize in [512u16, 1428, 8192] {
        for windowsize in [1u16, 4, 16] {
            for seed in 0..3u64 {
                let out = run(
                    data.clone(),
                    opts(blksize, windowsize),
                    server_cfg(),
                    Link {
                        loss: 100,
                        dup: 50,
                        reorder: 30,
                    },
                    seed * 1000 + u64::from(blksize) + u64::from(windowsize),
                )
                .unwrap_or_else(|f| {
                    panic!("blksize {blksize} windowsize {windowsize} seed {seed}: {f:?}")
                });
                assert!(
                    out.data == data[..],
                    "blksize {blksize} windowsize {windowsize} seed {seed}"
                );
                assert_eq!(out.tsize, Some(data.len() as u64));
                assert!(
                    out.peak_memory <= usize::from(blksize) * usize::from(windowsize) + 1024,
                    "memory {} for {blksize} x {windowsize}",
                    out.peak_memory
                );
            }
        }
    }
}

#[test]
fn exact_multiple_of_blksize_ends_with_empty_block() {
    let data = file(512 * 40, 2);
    let out = run(
        data.clone(),
        client::Config::default(),
        server_cfg(),
        Link {
            loss: 100,
            dup: 50,
            reorder: 0,
        },
        9,
    )
    .unwrap();
    assert!(out.data == data[..]);
    let out = run(
        Bytes::new(),
        opts(1428, 4),
        server_cfg(),
        Link {
            loss: 0,
            dup: 0,
            reorder: 0,
        },
        9,
    )
    .unwrap();
    assert!(out.data.is_empty());
}

#[test]
fn rollover_past_65535_blocks_wraps_to_zero_and_to_one() {
    let data = file(65536 * 512 + 700, 3);
    for rollover in [Rollover::Zero, Rollover::One] {
        for windowsize in [1u16, 16] {
            let mut c = opts(512, windowsize);
            c.rollover = rollover;
            let mut s = server_cfg();
            s.rollover = rollover;
            let out = run(
                data.clone(),
                c,
                s,
                Link {
                    loss: 5,
                    dup: 5,
                    reorder: 5,
                },
                4,
            )
            .unwrap();
            assert!(out.data == data[..], "{rollover:?} {windowsize}");
        }
    }
}

#[test]
fn windowed_transfer_is_faster_than_lockstep_on_a_clean_link() {
    let data = file(1 << 20, 5);
    let clean = || Link {
        loss: 0,
        dup: 0,
        reorder: 0,
    };
    let lock = run(data.clone(), opts(1428, 1), server_cfg(), clean(), 1).unwrap();
    let win = run(data.clone(), opts(1428, 16), server_cfg(), clean(), 1).unwrap();
    assert!(lock.data == data[..] && win.data == data[..]);
    assert!(
        win.elapsed * 4 < lock.elapsed,
        "{:?} vs {:?}",
        win.elapsed,
        lock.elapsed
    );
}

#[test]
fn client_write_to_server_over_lossy_link_stores_identical_bytes() {
    use dialtone_tftp::source::FileSource;
    let srv_addr: SocketAddr = SRV.parse().unwrap();
    let cli_addr: SocketAddr = CLI.parse().unwrap();
    for (blksize, windowsize) in [(512u16, 1u16), (1428, 4), (8192, 16)] {
        let data = file(100_003, 7);
        let mut rng = Rng::new(u64::from(blksize));
        let mut now = Instant::ZERO;
        let mut scfg = server_cfg();
        scfg.allow_writes = true;
        let mut srv = Server::new(scfg, MemorySource::new(), now);
        let mut cli = Client::write(
            opts(blksize, windowsize),
            srv_addr,
            "log.txt",
            data.clone(),
            now,
        );
        let mut wire: Vec<(Instant, bool, Vec<u8>)> = Vec::new();
        let mut buf = vec![0u8; 65536];
        let mut done = false;
        for _ in 0..1_000_000 {
            while let Some(t) = cli.poll_transmit(&mut buf).unwrap() {
                if rng.range_u64(0, 100) >= 10 {
                    wire.push((
                        now + Duration::from_millis(1 + rng.range_u64(0, 3)),
                        true,
                        buf[..t.len].to_vec(),
                    ));
                }
            }
            while let Some(t) = srv.poll_transmit(&mut buf).unwrap() {
                if rng.range_u64(0, 100) >= 10 {
                    wire.push((
                        now + Duration::from_millis(1 + rng.range_u64(0, 3)),
                        false,
                        buf[..t.len].to_vec(),
                    ));
                }
            }
            while let Some(ev) = cli.poll_event() {
                match ev {
                    Event::Complete { size } => {
                        assert_eq!(size, data.len() as u64);
                        done = true;
                    }
                    Event::Failed(f) => panic!("{f:?}"),
                    _ => {}
                }
            }
            while srv.poll_event().is_some() {}
            if done && srv.transfer_count() == 0 {
                break;
            }
            let next = [
                wire.iter().map(|w| w.0).min(),
                cli.poll_timeout(),
                srv.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min()
            .expect("something pending");
            now = now.max(next);
            wire.sort_by_key(|w| w.0);
            let due = wire.iter().take_while(|w| w.0 <= now).count();
            for (_, to_server, b) in wire.drain(..due).collect::<Vec<_>>() {
                if to_server {
                    let _ = srv.handle_input(now, cli_addr, &b);
                } else {
                    let _ = cli.handle_input(now, srv_addr, &b);
                }
            }
            if cli.poll_timeout().is_some_and(|d| d <= now) {
                cli.handle_timeout(now);
            }
            if srv.poll_timeout().is_some_and(|d| d <= now) {
                srv.handle_timeout(now);
            }
        }
        assert!(done, "{blksize} x {windowsize}");
        let mut f = srv.source_mut().open("LOG.TXT").expect("stored");
        let mut stored = vec![0u8; data.len() + 10];
        let mut n = 0;
        loop {
            use dialtone_tftp::source::ReadFile;
            let k = f.read(&mut stored[n..]).unwrap();
            if k == 0 {
                break;
            }
            n += k;
        }
        assert!(stored[..n] == data[..], "{blksize} x {windowsize}");
    }
}
