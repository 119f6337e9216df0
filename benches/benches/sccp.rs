//! SCCP codec: typed decode of Register / RegisterAck against a hand-written
//! floor on the same bytes, and framing + decoding a 1 MiB mixed stream.
// `criterion_group!` generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dialtone_benches::{sample, testdata_path};
use dialtone_sccp::{Frame, Framer, Message};

/// Floor: header + the Register fixed fields with `u32::from_le_bytes`, no typing.
#[inline(never)]
fn floor_register(b: &[u8]) -> Option<(&[u8], u32, u32, u32, u8)> {
    let u = |o: usize| {
        b.get(o..o + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    };
    let len = u(0)? as usize;
    if len < 4 || b.len() < len + 8 || u(8)? != 1 || len < 40 {
        return None;
    }
    let name = b.get(12..28)?;
    let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(16)];
    let ip = u(36)?;
    let dtype = u(40)?;
    let streams = u(44)?;
    let proto = if len >= 48 { *b.get(52)? } else { 0 };
    Some((name, ip, dtype, streams, proto))
}

/// Typed: checked frame, Message::parse, the same fields through the view.
#[inline(never)]
fn typed_register(b: &[u8]) -> Option<(&[u8], u32, u32, u32, u8)> {
    let f = Frame::new_checked(b).ok()?;
    match Message::parse(&f).ok()? {
        Message::Register(r) => Some((
            r.base.station.device_name.bytes(),
            u32::from_le_bytes(r.base.station_ip.0),
            r.base.device_type.get(),
            r.base.max_streams.get(),
            r.protocol_version().unwrap_or(0),
        )),
        _ => None,
    }
}

/// Typed, and the device name validated as printable ASCII `&str`.
#[inline(never)]
fn typed_register_str(b: &[u8]) -> Option<(&str, u32, u32, u32, u8)> {
    let f = Frame::new_checked(b).ok()?;
    match Message::parse(&f).ok()? {
        Message::Register(r) => Some((
            r.device_name().ok()?,
            u32::from_le_bytes(r.base.station_ip.0),
            r.base.device_type.get(),
            r.base.max_streams.get(),
            r.protocol_version().unwrap_or(0),
        )),
        _ => None,
    }
}

#[inline(never)]
fn floor_register_ack(b: &[u8]) -> Option<(u32, &[u8], u32, u8)> {
    let u = |o: usize| {
        b.get(o..o + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    };
    let len = u(0)? as usize;
    if len < 24 || b.len() < len + 8 || u(8)? != 0x81 {
        return None;
    }
    Some((u(12)?, b.get(16..22)?, u(24)?, *b.get(28)?))
}

#[inline(never)]
fn typed_register_ack(b: &[u8]) -> Option<(u32, &[u8], u32, u8)> {
    let f = Frame::new_checked(b).ok()?;
    match Message::parse(&f).ok()? {
        Message::RegisterAck(a) => Some((
            a.keepalive_interval.get(),
            a.fields.date_template.bytes(),
            a.secondary_keepalive_interval.get(),
            a.max_protocol_version,
        )),
        _ => None,
    }
}

/// 1 MiB of real PDUs (the capture PDUs of the seed corpus, `id-*.bin`, one
/// per message id seen in the captures, plus the two samples), cycled in a
/// fixed order.
fn mixed_stream() -> Vec<u8> {
    let dir = testdata_path("../fuzz/corpus/sccp_decode");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("id-") || name.starts_with("register")
        })
        .collect();
    files.sort();
    let pdus: Vec<Vec<u8>> = files
        .iter()
        .map(|p| std::fs::read(p).expect("corpus file"))
        .collect();
    let mut s = Vec::with_capacity(1 << 20);
    let mut i = 0;
    while s.len() < (1 << 20) {
        s.extend_from_slice(&pdus[i % pdus.len()]);
        i += 1;
    }
    s
}

fn benches(c: &mut Criterion) {
    let reg = sample("sccp-register.bin");
    let ack = sample("sccp-registerack.bin");
    assert_eq!(floor_register(&reg), typed_register(&reg));
    assert_eq!(
        typed_register_str(&reg).map(|t| t.0.as_bytes()),
        floor_register(&reg).map(|t| t.0)
    );
    assert_eq!(floor_register_ack(&ack), typed_register_ack(&ack));

    let mut g = c.benchmark_group("sccp/decode_register");
    g.throughput(Throughput::Bytes(reg.len() as u64));
    g.bench_function("dialtone", |b| b.iter(|| typed_register(black_box(&reg))));
    g.bench_function("dialtone_str", |b| {
        b.iter(|| typed_register_str(black_box(&reg)))
    });
    g.bench_function("floor", |b| b.iter(|| floor_register(black_box(&reg))));
    g.finish();

    let mut g = c.benchmark_group("sccp/decode_register_ack");
    g.throughput(Throughput::Bytes(ack.len() as u64));
    g.bench_function("dialtone", |b| {
        b.iter(|| typed_register_ack(black_box(&ack)))
    });
    g.bench_function("floor", |b| b.iter(|| floor_register_ack(black_box(&ack))));
    g.finish();

    let stream = mixed_stream();
    let mut g = c.benchmark_group("sccp/frame_mixed_stream");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    // TCP-sized segments: most PDUs borrowed in place, one split per segment.
    g.bench_function("dialtone", |b| {
        let mut framer = Framer::new();
        b.iter(|| {
            let mut n = 0u32;
            for seg in black_box(&stream).chunks(1460) {
                for f in framer.push(seg).flatten() {
                    if let Ok(m) = Message::parse(&f) {
                        n = n.wrapping_add(black_box(m).id());
                    }
                }
            }
            n
        })
    });
    g.bench_function("floor", |b| {
        b.iter(|| {
            // Walk the lengths of the contiguous stream, read each id.
            let s = black_box(&stream);
            let mut at = 0;
            let mut n = 0u32;
            while let Some(h) = s.get(at..at + 12) {
                let len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize;
                n = n.wrapping_add(u32::from_le_bytes([h[8], h[9], h[10], h[11]]));
                at += len + 8;
            }
            n
        })
    });
    g.finish();
}

criterion_group!(sccp, benches);
criterion_main!(sccp);
