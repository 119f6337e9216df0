//! Proves the hot paths allocate nothing: packet decode/encode, and the
//! steady state of a transfer (server sending DATA, client receiving it).

use std::alloc::System;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use std::net::SocketAddr;

use dialtone_core::Instant;
use dialtone_tftp::client::{self, Client, Event};
use dialtone_tftp::server::{self, Server};
use dialtone_tftp::source::MemorySource;
use dialtone_tftp::wire::{Message, Packet};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn allocations<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let region = Region::new(GLOBAL);
    let r = f();
    let stats = region.change();
    (r, stats.allocations + stats.reallocations)
}

const SAMPLES: [&[u8]; 3] = [
    include_bytes!("../../testdata/samples/tftp-rrq.bin"),
    include_bytes!("../../testdata/samples/tftp-oack.bin"),
    include_bytes!("../../testdata/samples/tftp-data-512.bin"),
];

/// One test function: the counter is process-wide, so nothing may run beside it.
#[test]
fn hot_paths_allocate_nothing() {
    let (v, n) = allocations(|| vec![1u8; 10]);
    assert!(n >= 1 && v.len() == 10, "the counter counts");
    decode_and_emit_allocate_nothing();
    transfer_steady_state_allocates_nothing();
}

fn decode_and_emit_allocate_nothing() {
    let mut out = [0u8; 600];
    let (_, n) = allocations(|| {
        for s in SAMPLES {
            let p = Packet::new_checked(s).unwrap();
            let m = Message::parse(&p).unwrap();
            if let Message::Rrq(r) | Message::Wrq(r) = m {
                assert_eq!(r.options.others().count(), 0);
            }
            let len = m.emit(&mut out).unwrap();
            assert_eq!(&out[..len], s);
        }
    });
    assert_eq!(n, 0, "decode/emit allocated");
}

fn transfer_steady_state_allocates_nothing() {
    let srv_addr: SocketAddr = "10.0.0.1:69".parse().unwrap();
    let cli_addr: SocketAddr = "10.0.0.2:5000".parse().unwrap();
    let mut files = MemorySource::new();
    files.insert("f", vec![3u8; 1428 * 400]);
    let now = Instant::ZERO;
    let mut srv = Server::new(server::Config::default(), files, now);
    let mut cfg = client::Config::default();
    cfg.blksize = Some(1428);
    cfg.windowsize = Some(8);
    let mut cli = Client::read(cfg, srv_addr, "f", now);
    let mut buf = vec![0u8; 1500];
    let mut got = 0usize;
    let mut step = |cli: &mut Client, srv: &mut Server<MemorySource>, got: &mut usize| {
        while let Some(t) = cli.poll_transmit(&mut buf).unwrap() {
            let _ = srv.handle_input(now, cli_addr, &buf[..t.len]);
        }
        while let Some(t) = srv.poll_transmit(&mut buf).unwrap() {
            let _ = cli.handle_input(now, srv_addr, &buf[..t.len]);
            while let Some(ev) = cli.poll_event() {
                if let Event::Data { data, .. } = ev {
                    *got += data.len();
                }
            }
        }
        while srv.poll_event().is_some() {}
    };
    // Warm up: request, OACK, first windows (buffers and queues allocated).
    for _ in 0..5 {
        step(&mut cli, &mut srv, &mut got);
    }
    let (_, n) = allocations(|| {
        for _ in 0..20 {
            step(&mut cli, &mut srv, &mut got);
        }
    });
    assert!(got > 1428 * 100 && !cli.is_finished());
    assert_eq!(n, 0, "steady-state transfer allocated");
}
