//! Fuzz bodies, shared by `cargo fuzz` targets, corpus replay and property
//! tests. Each takes raw bytes; the state-machine bodies read them as an
//! `arbitrary` script of packets and clock steps and check invariants after
//! every step.

use std::net::SocketAddr;
use std::vec;
use std::vec::Vec;

use arbitrary::{Arbitrary, Unstructured};
use core::time::Duration;
use dialtone_core::Instant;

use crate::client::{self, Client, Event};
use crate::server::{self, Server};
use crate::source::MemorySource;
use crate::transfer::Rollover;
use crate::wire::{ErrorCode, Message, Mode, OptionValues, Options, Request};

/// Decode, re-encode, decode again: `parse(emit(m)) == m`.
pub fn decode(data: &[u8]) {
    let Ok(msg) = Message::decode(data) else {
        return;
    };
    let mut out = vec![0; msg.buffer_len()];
    let n = msg.emit(&mut out).expect("buffer_len is exact");
    assert_eq!(n, out.len(), "emit writes buffer_len bytes");
    if let Some(short) = out.len().checked_sub(1) {
        let mut small = vec![0; short];
        assert!(
            msg.emit(&mut small).is_err(),
            "emit into a short buffer fails"
        );
        assert!(small.iter().all(|&b| b == 0), "nothing written on failure");
    }
    let again = Message::decode(&out);
    assert_eq!(again, Ok(msg), "parse(emit(m)) == m");
}

/// A packet a script delivers.
#[derive(Arbitrary, Debug)]
enum Pkt {
    Data {
        block: u8,
        len: Len,
        fill: u8,
    },
    Ack {
        block: u8,
    },
    FarAck {
        block: u16,
    },
    Oack(OptionValues),
    Error {
        code: u16,
    },
    Rrq {
        name: u8,
        blksize: Option<u16>,
        windowsize: Option<u16>,
        tsize: bool,
        netascii: bool,
    },
    Wrq {
        name: u8,
        blksize: Option<u16>,
        tsize: Option<u64>,
    },
    Raw(Vec<u8>),
}

impl Pkt {
    fn bytes(&self) -> Vec<u8> {
        const NAMES: [&str; 6] = ["f", "/F", "../x", "big", "none", "a\\b"];
        let data;
        let m = match self {
            Pkt::Data { block, len, fill } => {
                let n = match len {
                    Len::Full512 => 512,
                    Len::Full1428 => 1428,
                    Len::Short(n) => usize::from(*n),
                    Len::Any(n) => usize::from(*n % 9000),
                };
                data = vec![*fill; n];
                Message::Data {
                    block: u16::from(*block),
                    data: &data,
                }
            }
            Pkt::Ack { block } => Message::Ack {
                block: u16::from(*block),
            },
            Pkt::FarAck { block } => Message::Ack { block: *block },
            Pkt::Oack(v) => Message::Oack(Options::new(*v)),
            Pkt::Error { code } => Message::Error {
                code: ErrorCode::from_u16(*code),
                message: "x",
            },
            Pkt::Rrq {
                name,
                blksize,
                windowsize,
                tsize,
                netascii,
            } => Message::Rrq(Request {
                options: Options::new(OptionValues {
                    blksize: *blksize,
                    windowsize: windowsize.map(|w| w % 64),
                    tsize: tsize.then_some(0),
                    timeout: None,
                }),
                ..Request::new(
                    NAMES[usize::from(*name) % NAMES.len()],
                    if *netascii {
                        Mode::Netascii
                    } else {
                        Mode::Octet
                    },
                )
            }),
            Pkt::Wrq {
                name,
                blksize,
                tsize,
            } => Message::Wrq(Request {
                options: Options::new(OptionValues {
                    blksize: *blksize,
                    tsize: *tsize,
                    ..OptionValues::NONE
                }),
                ..Request::new(NAMES[usize::from(*name) % NAMES.len()], Mode::Octet)
            }),
            Pkt::Raw(b) => return b.clone(),
        };
        let mut out = vec![0; m.buffer_len()];
        let _ = m.emit(&mut out);
        out
    }
}

/// DATA lengths that hit the interesting cases often.
#[derive(Arbitrary, Debug)]
enum Len {
    Full512,
    Full1428,
    Short(u8),
    Any(u16),
}

#[derive(Arbitrary, Debug)]
enum Op {
    Input { from: u8, pkt: Pkt },
    Advance { ms: u16 },
    FireTimer,
}

fn addr(i: u8) -> SocketAddr {
    SocketAddr::from(([10, 0, 0, 1 + (i % 2)], 69 + u16::from(i % 3) * 1000))
}

fn check_timer(before: Option<Instant>, after: Option<Instant>, now: Instant) {
    if let (Some(_), Some(a)) = (before, after) {
        assert!(
            a > now,
            "poll_timeout moves forward after handle_timeout(deadline)"
        );
    }
}

/// Drives a client through an arbitrary script.
pub fn client(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok((blksize, windowsize, tsize, write, one)) =
        <(Option<u16>, Option<u16>, bool, bool, bool)>::arbitrary(&mut u)
    else {
        return;
    };
    let cfg = client::Config {
        blksize,
        windowsize: windowsize.map(|w| w % 64),
        tsize,
        rollover: if one { Rollover::One } else { Rollover::Zero },
        ..Default::default()
    };
    let mut now = Instant::ZERO;
    let server = addr(0);
    let mut c = if write {
        Client::write(cfg, server, "up", bytes::Bytes::from(vec![7u8; 3000]), now)
    } else {
        Client::read(cfg, server, "f", now)
    };
    let mut buf = vec![0u8; 65536 + 4];
    let mut next_offset = 0u64;
    let mut ended = false;
    let ops: Vec<Op> = u
        .arbitrary_iter()
        .map(|it| it.into_iter().flatten().collect())
        .unwrap_or_default();
    for op in ops {
        match op {
            Op::Input { from, pkt } => {
                let _ = c.handle_input(now, addr(from), &pkt.bytes());
            }
            Op::Advance { ms } => {
                now += Duration::from_millis(u64::from(ms));
                c.handle_timeout(now);
            }
            Op::FireTimer => {
                let before = c.poll_timeout();
                if let Some(d) = before {
                    now = now.max(d);
                    c.handle_timeout(now);
                    check_timer(before, c.poll_timeout(), now);
                }
            }
        }
        // A too-small buffer is refused without losing the datagram.
        let _ = c.poll_transmit(&mut [0u8; 3]);
        for i in 0.. {
            assert!(i < 100_000, "poll_transmit must run dry");
            match c.poll_transmit(&mut buf) {
                Ok(Some(t)) => {
                    let out = buf.get(..t.len).expect("len within buffer");
                    assert!(
                        Message::decode(out).is_ok(),
                        "we emit valid packets: {out:?}"
                    );
                }
                Ok(None) => break,
                Err(e) => panic!("a 64 KiB buffer suffices: {e}"),
            }
        }
        while let Some(ev) = c.poll_event() {
            match ev {
                Event::Data { offset, data } => {
                    assert!(!ended, "no data after the end");
                    assert_eq!(offset, next_offset, "contiguous data");
                    next_offset += data.len() as u64;
                }
                Event::Complete { .. } | Event::Failed(_) => {
                    assert!(!ended, "one end only");
                    ended = true;
                }
                _ => {}
            }
        }
    }
}

/// Drives a server through an arbitrary script.
pub fn server(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok((max_transfers, one, allow_writes)) = <(u8, bool, bool)>::arbitrary(&mut u) else {
        return;
    };
    let mut files = MemorySource::new();
    files.insert("f", vec![1u8; 2000]);
    files.insert("big", vec![2u8; 70_000]);
    let cfg = server::Config {
        max_transfers: usize::from(max_transfers % 8),
        max_memory: 1 << 20,
        allow_writes,
        rollover: if one { Rollover::One } else { Rollover::Zero },
        ..Default::default()
    };
    let mut now = Instant::ZERO;
    let mut s = Server::new(cfg, files, now);
    let mut buf = vec![0u8; 65536 + 4];
    let ops: Vec<Op> = u
        .arbitrary_iter()
        .map(|it| it.into_iter().flatten().collect())
        .unwrap_or_default();
    for op in ops {
        match op {
            Op::Input { from, pkt } => {
                let _ = s.handle_input(now, addr(from), &pkt.bytes());
            }
            Op::Advance { ms } => {
                now += Duration::from_millis(u64::from(ms));
                s.handle_timeout(now);
            }
            Op::FireTimer => {
                let before = s.poll_timeout();
                if let Some(d) = before {
                    now = now.max(d);
                    s.handle_timeout(now);
                    if let Some(a) = s.poll_timeout() {
                        assert!(
                            a > now,
                            "poll_timeout moves forward after handle_timeout(deadline)"
                        );
                    }
                }
            }
        }
        let _ = s.poll_transmit(&mut [0u8; 3]);
        for i in 0.. {
            assert!(i < 100_000, "poll_transmit must run dry");
            match s.poll_transmit(&mut buf) {
                Ok(Some(t)) => {
                    let out = buf.get(..t.len).expect("len within buffer");
                    assert!(Message::decode(out).is_ok(), "we emit valid packets");
                }
                Ok(None) => break,
                Err(e) => panic!("a 64 KiB buffer suffices: {e}"),
            }
        }
        while s.poll_event().is_some() {}
        assert!(s.transfer_count() <= cfg.max_transfers);
        assert!(s.memory() <= cfg.max_memory);
    }
}
