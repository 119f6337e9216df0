//! TFTP packet decode on the shared samples, next to the Rust crates that
//! expose a parser, on the same bytes in the same run: `tftpd` (owned
//! `Packet` with `String`/`Vec` options) for the RRQ and the OACK, `tftp`
//! (borrowed, RFC 1350 only) for the DATA block.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use dialtone_tftp::wire::{Message, Packet};

const RRQ: &[u8] = include_bytes!("../../testdata/samples/tftp-rrq.bin");
const OACK: &[u8] = include_bytes!("../../testdata/samples/tftp-oack.bin");
const DATA: &[u8] = include_bytes!("../../testdata/samples/tftp-data-512.bin");

/// Our decode, with the typed option values read out (what a server or
/// client needs), so nothing is left lazy.
fn ours(bytes: &[u8]) -> u64 {
    match Message::decode(bytes).expect("sample") {
        Message::Rrq(r) | Message::Wrq(r) => {
            u64::from(r.options.values.blksize.unwrap_or(0))
                + r.options.values.tsize.unwrap_or(0)
                + r.filename.len() as u64
        }
        Message::Oack(o) => u64::from(o.values.blksize.unwrap_or(0)) + o.values.tsize.unwrap_or(0),
        Message::Data { block, data } => u64::from(block) + data.len() as u64,
        _ => 0,
    }
}

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("tftp_decode");
    for (name, bytes) in [("rrq", RRQ), ("oack", OACK), ("data", DATA)] {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("{name}/dialtone"), |b| {
            b.iter(|| ours(black_box(bytes)))
        });
    }
    // The view alone (what the state machines read for DATA/ACK).
    g.throughput(Throughput::Bytes(DATA.len() as u64));
    g.bench_function("data/dialtone-view", |b| {
        b.iter(|| {
            let p = Packet::new_checked(black_box(DATA)).expect("sample");
            u64::from(p.block().unwrap_or(0)) + p.payload().len() as u64
        })
    });
    for (name, bytes) in [("rrq", RRQ), ("oack", OACK)] {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("{name}/tftpd"), |b| {
            b.iter(|| tftpd::Packet::deserialize(black_box(bytes)).expect("sample"))
        });
    }
    g.throughput(Throughput::Bytes(DATA.len() as u64));
    g.bench_function("data/tftp", |b| {
        b.iter(
            || match tftp::Message::try_from(black_box(DATA)).expect("sample") {
                tftp::Message::Data(block, data) => {
                    u64::from(block) + u64::from(!data.is_incomplete())
                }
                _ => 0,
            },
        )
    });
    g.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
