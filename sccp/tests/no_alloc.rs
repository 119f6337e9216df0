//! The framer + decode path allocates nothing (counting global allocator).

mod common;

use std::alloc::System;

use dialtone_sccp::{Framer, Message};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Ordered payload chunks of every direction of every capture (tshark), or
/// the shared samples when tshark is missing.
fn chunks() -> Vec<Vec<Vec<u8>>> {
    let mut dirs = Vec::new();
    if common::tshark_available() {
        for name in [
            "ndpi_sccp_hw_conf_register.pcapng",
            "ndpi_skinny_call_v20_full_2022.pcap",
        ] {
            let file = format!("{}/../testdata/captures/{name}", env!("CARGO_MANIFEST_DIR"));
            let out = common::tshark(&[
                "-r",
                &file,
                "-Y",
                "tcp.len>0 && tcp.port==2000 && !tcp.analysis.retransmission",
                "-T",
                "fields",
                "-e",
                "tcp.stream",
                "-e",
                "tcp.srcport",
                "-e",
                "tcp.payload",
            ]);
            let mut by_dir: std::collections::BTreeMap<String, Vec<Vec<u8>>> = Default::default();
            for l in out.lines() {
                let c: Vec<&str> = l.split('\t').collect();
                by_dir
                    .entry(format!("{} {}", c[0], c[1]))
                    .or_default()
                    .push(common::unhex(c[2]));
            }
            dirs.extend(by_dir.into_values());
        }
    }
    let reg = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/samples/sccp-register.bin"
    ));
    let ack = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/samples/sccp-registerack.bin"
    ));
    let s = [&reg[..], &ack[..], &reg[..]].concat();
    dirs.push(vec![
        s[..50].to_vec(),
        s[50..150].to_vec(),
        s[150..].to_vec(),
    ]);
    dirs
}

#[test]
fn framer_and_decode_allocate_nothing() {
    let dirs = chunks();
    let mut framers: Vec<Framer> = dirs.iter().map(|_| Framer::new()).collect();
    let mut pdus = 0usize;
    let mut bad = 0usize;
    let region = Region::new(GLOBAL);
    for (dir, framer) in dirs.iter().zip(framers.iter_mut()) {
        for chunk in dir {
            for f in framer.push(chunk) {
                match f.map(|f| Message::parse(&f).map(|m| core::hint::black_box(m).id())) {
                    Ok(Ok(_)) => pdus += 1,
                    _ => bad += 1,
                }
            }
        }
    }
    let change = region.change();
    let n = change.allocations + change.reallocations;
    assert_eq!(bad, 0);
    assert!(pdus >= 3, "{pdus}");
    assert_eq!(
        n, 0,
        "{n} allocations while framing and decoding {pdus} PDUs"
    );
}
