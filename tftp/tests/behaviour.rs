//! Transcript tests of the client and server machines at packet level.

use core::net::SocketAddr;
use core::time::Duration;

use dialtone_core::Instant;
use dialtone_tftp::client::{self, Client, Event, Failure};
use dialtone_tftp::server::{self, Server};
use dialtone_tftp::source::MemorySource;
use dialtone_tftp::wire::{ErrorCode, Message, Mode, OptionValues, Options};
use dialtone_tftp::InputError;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}
const T0: Instant = Instant::ZERO;

fn enc(m: Message<'_>) -> Vec<u8> {
    let mut v = vec![0; m.buffer_len()];
    m.emit(&mut v).unwrap();
    v
}

/// Everything the client wants to send now, decoded to owned debug strings.
fn sent(c: &mut Client) -> Vec<(SocketAddr, Vec<u8>)> {
    let mut buf = [0u8; 70000];
    let mut v = Vec::new();
    while let Some(t) = c.poll_transmit(&mut buf).unwrap() {
        v.push((t.to, buf[..t.len].to_vec()));
    }
    v
}

fn events(c: &mut Client) -> Vec<String> {
    let mut v = Vec::new();
    while let Some(e) = c.poll_event() {
        v.push(match e {
            Event::Data { offset, data } => format!("data {offset} {}", data.len()),
            e => format!("{e:?}"),
        });
    }
    v
}

fn opts(blksize: u16) -> client::Config {
    let mut c = client::Config::default();
    c.blksize = Some(blksize);
    c.tsize = true;
    c
}

#[test]
fn client_falls_back_when_server_ignores_options() {
    let srv = addr("10.0.0.1:69");
    let mut c = Client::read(opts(1428), srv, "a", T0);
    let out = sent(&mut c);
    assert_eq!(out.len(), 1);
    let Message::Rrq(r) = Message::decode(&out[0].1).unwrap() else {
        panic!()
    };
    assert_eq!(r.options.values.blksize, Some(1428));
    // Server answers DATA 1 (no OACK): 512-byte blocks, lockstep.
    let tid = addr("10.0.0.1:3333");
    c.handle_input(
        T0,
        tid,
        &enc(Message::Data {
            block: 1,
            data: &[1; 512],
        }),
    )
    .unwrap();
    let ev = events(&mut c);
    assert!(
        ev[0].contains("blksize: 512") && ev[0].contains("oack: false"),
        "{ev:?}"
    );
    assert_eq!(ev[1], "data 0 512");
    let out = sent(&mut c);
    assert_eq!(out, vec![(tid, enc(Message::Ack { block: 1 }))]);
    c.handle_input(
        T0,
        tid,
        &enc(Message::Data {
            block: 2,
            data: &[2; 3],
        }),
    )
    .unwrap();
    assert_eq!(events(&mut c), ["data 512 3", "Complete { size: 515 }"]);
    assert_eq!(sent(&mut c), vec![(tid, enc(Message::Ack { block: 2 }))]);
    assert!(c.is_finished());
}

#[test]
fn client_retries_without_options_after_error_8() {
    let srv = addr("10.0.0.1:69");
    let mut c = Client::read(opts(8192), srv, "a", T0);
    sent(&mut c);
    c.handle_input(
        T0,
        addr("10.0.0.1:4000"),
        &enc(Message::Error {
            code: ErrorCode::OptionNegotiation,
            message: "no",
        }),
    )
    .unwrap();
    assert_eq!(events(&mut c), ["OptionsRejected"]);
    let out = sent(&mut c);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].0, srv, "the retry goes to the server port again");
    assert_eq!(
        out[0].1,
        enc(Message::Rrq(dialtone_tftp::Request::new("a", Mode::Octet)))
    );
    // A second server port may answer the new request.
    c.handle_input(
        T0,
        addr("10.0.0.1:4001"),
        &enc(Message::Data {
            block: 1,
            data: b"x",
        }),
    )
    .unwrap();
    assert!(events(&mut c).iter().any(|e| e.starts_with("Complete")));
}

#[test]
fn client_rejects_an_oack_with_a_larger_blksize() {
    let mut c = Client::read(opts(1024), addr("10.0.0.1:69"), "a", T0);
    sent(&mut c);
    let tid = addr("10.0.0.1:5000");
    let oack = enc(Message::Oack(Options::new(OptionValues {
        blksize: Some(2048),
        ..OptionValues::NONE
    })));
    c.handle_input(T0, tid, &oack).unwrap();
    let out = sent(&mut c);
    assert!(matches!(
        Message::decode(&out[0].1),
        Ok(Message::Error {
            code: ErrorCode::OptionNegotiation,
            ..
        })
    ));
    assert_eq!(
        events(&mut c),
        [format!("{:?}", Event::Failed(Failure::BadOack))]
    );
}

#[test]
fn client_answers_strangers_with_error_5_and_keeps_going() {
    let mut c = Client::read(opts(512), addr("10.0.0.1:69"), "a", T0);
    sent(&mut c);
    let tid = addr("10.0.0.1:5000");
    let oack = enc(Message::Oack(Options::new(OptionValues {
        blksize: Some(512),
        tsize: Some(700),
        ..OptionValues::NONE
    })));
    c.handle_input(T0, tid, &oack).unwrap();
    let ev = events(&mut c);
    assert_eq!(ev[1], "TransferSize(700)");
    assert_eq!(sent(&mut c), vec![(tid, enc(Message::Ack { block: 0 }))]);
    let stranger = addr("10.0.0.1:5001");
    assert_eq!(
        c.handle_input(
            T0,
            stranger,
            &enc(Message::Data {
                block: 1,
                data: &[0; 512]
            })
        ),
        Err(InputError::UnknownTid)
    );
    let out = sent(&mut c);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].0, stranger);
    assert!(matches!(
        Message::decode(&out[0].1),
        Ok(Message::Error {
            code: ErrorCode::UnknownTid,
            ..
        })
    ));
    assert!(events(&mut c).is_empty());
    c.handle_input(
        T0,
        tid,
        &enc(Message::Data {
            block: 1,
            data: &[0; 512],
        }),
    )
    .unwrap();
    assert_eq!(events(&mut c), ["data 0 512"]);
}

#[test]
fn client_reacks_duplicate_data_once_and_dallies_after_the_last_block() {
    let mut c = Client::read(client::Config::default(), addr("10.0.0.1:69"), "a", T0);
    sent(&mut c);
    let tid = addr("10.0.0.1:5000");
    let d1 = enc(Message::Data {
        block: 1,
        data: &[0; 512],
    });
    c.handle_input(T0, tid, &d1).unwrap();
    events(&mut c);
    assert_eq!(sent(&mut c).len(), 1);
    c.handle_input(T0, tid, &d1).unwrap();
    assert_eq!(
        sent(&mut c),
        vec![(tid, enc(Message::Ack { block: 1 }))],
        "duplicate DATA is re-ACKed"
    );
    assert!(events(&mut c).is_empty(), "never delivered twice");
    let last = enc(Message::Data {
        block: 2,
        data: &[],
    });
    c.handle_input(T0, tid, &last).unwrap();
    assert_eq!(events(&mut c), ["data 512 0", "Complete { size: 512 }"]);
    sent(&mut c);
    // Dally: the repeated final DATA means our ACK was lost.
    let t = Instant::from_millis(500);
    c.handle_input(t, tid, &last).unwrap();
    assert_eq!(sent(&mut c), vec![(tid, enc(Message::Ack { block: 2 }))]);
    let end = c.poll_timeout().unwrap();
    assert_eq!(end, T0 + Duration::from_secs(2));
    c.handle_timeout(end);
    assert_eq!(c.poll_timeout(), None);
    assert!(c.is_closed());
}

#[test]
fn client_resends_request_on_backoff_then_gives_up() {
    let mut cfg = client::Config::default();
    cfg.max_retransmits = 2;
    let srv = addr("10.0.0.1:69");
    let mut c = Client::read(cfg, srv, "a", T0);
    assert_eq!(sent(&mut c).len(), 1);
    let mut at = vec![];
    while let Some(t) = c.poll_timeout() {
        c.handle_timeout(t);
        at.push(t.as_millis());
        for (to, _) in sent(&mut c) {
            assert_eq!(to, srv);
        }
    }
    assert_eq!(at, [1000, 3000, 7000]);
    assert_eq!(
        events(&mut c),
        [format!("{:?}", Event::Failed(Failure::TimedOut))]
    );
}

#[test]
fn client_write_sends_blocks_and_ignores_duplicate_acks() {
    let srv = addr("10.0.0.1:69");
    let data = bytes::Bytes::from(vec![9u8; 1000]);
    let mut c = Client::write(client::Config::default(), srv, "up.bin", data, T0);
    let out = sent(&mut c);
    assert!(matches!(Message::decode(&out[0].1), Ok(Message::Wrq(_))));
    let tid = addr("10.0.0.1:7000");
    c.handle_input(T0, tid, &enc(Message::Ack { block: 0 }))
        .unwrap();
    let out = sent(&mut c);
    assert_eq!(out.len(), 1);
    assert!(matches!(
        Message::decode(&out[0].1),
        Ok(Message::Data { block: 1, .. })
    ));
    c.handle_input(T0, tid, &enc(Message::Ack { block: 1 }))
        .unwrap();
    assert_eq!(sent(&mut c).len(), 1, "DATA 2");
    // Sorcerer's apprentice: a duplicate ACK 1 must not trigger DATA 2 again.
    c.handle_input(T0, tid, &enc(Message::Ack { block: 1 }))
        .unwrap();
    assert!(sent(&mut c).is_empty());
    // Only the timer re-sends.
    let t = c.poll_timeout().unwrap();
    c.handle_timeout(t);
    let out = sent(&mut c);
    assert!(
        matches!(Message::decode(&out[0].1), Ok(Message::Data { block: 2, data }) if data.len() == 488)
    );
    c.handle_input(t, tid, &enc(Message::Ack { block: 2 }))
        .unwrap();
    assert!(events(&mut c)
        .iter()
        .any(|e| e == "Complete { size: 1000 }"));
    assert!(c.is_closed());
}

fn server_with(files: &[(&str, &[u8])]) -> Server<MemorySource> {
    let mut m = MemorySource::new();
    for (n, d) in files {
        m.insert(n, d.to_vec());
    }
    Server::new(server::Config::default(), m, T0)
}

fn srv_sent(s: &mut Server<MemorySource>) -> Vec<(SocketAddr, Vec<u8>)> {
    let mut buf = [0u8; 70000];
    let mut v = Vec::new();
    while let Some(t) = s.poll_transmit(&mut buf).unwrap() {
        v.push((t.to, buf[..t.len].to_vec()));
    }
    v
}

fn rrq(name: &str) -> Vec<u8> {
    enc(Message::Rrq(dialtone_tftp::Request::new(name, Mode::Octet)))
}

fn first_error(out: &[(SocketAddr, Vec<u8>)]) -> Option<ErrorCode> {
    out.iter().find_map(|(_, b)| match Message::decode(b) {
        Ok(Message::Error { code, .. }) => Some(code),
        _ => None,
    })
}

#[test]
fn server_answers_missing_file_with_error_1() {
    let mut s = server_with(&[("SEP001E7AC4D231.cnf.xml", b"<x/>")]);
    let p = addr("10.0.0.9:5000");
    s.handle_input(T0, p, &rrq("XMLDefault.cnf.xml")).unwrap();
    assert_eq!(
        first_error(&srv_sent(&mut s)),
        Some(ErrorCode::FileNotFound)
    );
    assert_eq!(s.transfer_count(), 0);
}

#[test]
fn server_matches_names_case_insensitively_and_strips_leading_slash() {
    let mut s = server_with(&[("mk-sip.jar", b"jar"), ("SEPDefault.cnf", b"d")]);
    for (i, name) in ["/mk-sip.jar", "MK-SIP.JAR", "sepdefault.CNF"]
        .iter()
        .enumerate()
    {
        let p = addr(&format!("10.0.0.9:{}", 5000 + i));
        s.handle_input(T0, p, &rrq(name)).unwrap();
        let out = srv_sent(&mut s);
        assert!(
            matches!(
                Message::decode(&out[0].1),
                Ok(Message::Data { block: 1, .. })
            ),
            "{name}"
        );
    }
}

#[test]
fn server_refuses_names_escaping_the_root_with_error_2() {
    let mut s = server_with(&[("a", b"a")]);
    for (i, name) in [
        "../etc/passwd",
        "a/../../b",
        "a\\b",
        "a\x01",
        "//a",
        "/",
        "x/./../a",
    ]
    .iter()
    .enumerate()
    {
        let p = addr(&format!("10.0.0.9:{}", 6000 + i));
        s.handle_input(T0, p, &rrq(name)).unwrap();
        assert_eq!(
            first_error(&srv_sent(&mut s)),
            Some(ErrorCode::AccessViolation),
            "{name:?}"
        );
    }
}

#[test]
fn server_refuses_writes_and_mail_mode() {
    let mut s = server_with(&[("a", b"a")]);
    let p = addr("10.0.0.9:5000");
    s.handle_input(
        T0,
        p,
        &enc(Message::Wrq(dialtone_tftp::Request::new("a", Mode::Octet))),
    )
    .unwrap();
    assert_eq!(
        first_error(&srv_sent(&mut s)),
        Some(ErrorCode::AccessViolation)
    );
    s.handle_input(T0, p, &rrq_mode("a", Mode::Mail)).unwrap();
    assert_eq!(
        first_error(&srv_sent(&mut s)),
        Some(ErrorCode::IllegalOperation)
    );
    // Garbage from a stranger: ERROR 5 for DATA/ACK, ERROR 4 for a bad request.
    let _ = s.handle_input(T0, p, &enc(Message::Ack { block: 3 }));
    assert_eq!(first_error(&srv_sent(&mut s)), Some(ErrorCode::UnknownTid));
    let _ = s.handle_input(T0, p, b"\x00\x01a\0bogus\0");
    assert_eq!(
        first_error(&srv_sent(&mut s)),
        Some(ErrorCode::IllegalOperation)
    );
}

fn rrq_mode(name: &str, mode: Mode) -> Vec<u8> {
    enc(Message::Rrq(dialtone_tftp::Request::new(name, mode)))
}

#[test]
fn server_serves_old_7940_request_with_extra_nul() {
    let mut s = server_with(&[("OS79XX.TXT", b"P00308000500")]);
    let p = addr("10.0.0.9:5000");
    s.handle_input(T0, p, b"\x00\x01OS79XX.TXT\0octet\0\0")
        .unwrap();
    let out = srv_sent(&mut s);
    assert_eq!(
        Message::decode(&out[0].1),
        Ok(Message::Data {
            block: 1,
            data: b"P00308000500"
        })
    );
}

#[test]
fn server_negotiates_and_waits_for_ack_0_then_ignores_duplicate_acks() {
    let data = vec![5u8; 3000];
    let mut s = server_with(&[("f", &data)]);
    let p = addr("10.0.0.9:5000");
    let req = enc(Message::Rrq(dialtone_tftp::Request {
        options: Options::new(OptionValues {
            blksize: Some(1000),
            tsize: Some(0),
            windowsize: Some(2),
            timeout: None,
        }),
        ..dialtone_tftp::Request::new("f", Mode::Octet)
    }));
    s.handle_input(T0, p, &req).unwrap();
    let out = srv_sent(&mut s);
    let Ok(Message::Oack(o)) = Message::decode(&out[0].1) else {
        panic!()
    };
    assert_eq!(
        o.values,
        OptionValues {
            blksize: Some(1000),
            tsize: Some(3000),
            windowsize: Some(2),
            timeout: None
        }
    );
    // A repeated RRQ is answered by our own retransmission only.
    s.handle_input(T0, p, &req).unwrap();
    assert!(srv_sent(&mut s).is_empty());
    s.handle_input(T0, p, &enc(Message::Ack { block: 0 }))
        .unwrap();
    assert_eq!(srv_sent(&mut s).len(), 2, "a window of 2");
    s.handle_input(T0, p, &enc(Message::Ack { block: 0 }))
        .unwrap();
    assert!(srv_sent(&mut s).is_empty(), "duplicate ACK ignored");
    s.handle_input(T0, p, &enc(Message::Ack { block: 2 }))
        .unwrap();
    let out = srv_sent(&mut s);
    assert_eq!(out.len(), 2, "blocks 3 and the empty 4");
    s.handle_input(T0, p, &enc(Message::Ack { block: 4 }))
        .unwrap();
    assert_eq!(s.transfer_count(), 0);
    assert_eq!(s.memory(), 0);
}

#[test]
fn server_limits_concurrent_transfers() {
    let mut m = MemorySource::new();
    m.insert("f", vec![0u8; 10_000]);
    let mut cfg = server::Config::default();
    cfg.max_transfers = 2;
    let mut s = Server::new(cfg, m, T0);
    for i in 0..3 {
        s.handle_input(T0, addr(&format!("10.0.0.9:{}", 5000 + i)), &rrq("f"))
            .unwrap();
    }
    assert_eq!(s.transfer_count(), 2);
    let busy = std::iter::from_fn(|| s.poll_event())
        .filter(|e| matches!(e, server::Event::Busy { .. }))
        .count();
    assert_eq!(busy, 1);
}

#[test]
fn server_caps_window_to_memory_budget() {
    let mut m = MemorySource::new();
    m.insert("f", vec![0u8; 10]);
    let mut cfg = server::Config::default();
    cfg.max_transfer_memory = 8192 * 4;
    let mut s = Server::new(cfg, m, T0);
    let req = enc(Message::Rrq(dialtone_tftp::Request {
        options: Options::new(OptionValues {
            blksize: Some(8192),
            windowsize: Some(64),
            ..OptionValues::NONE
        }),
        ..dialtone_tftp::Request::new("f", Mode::Octet)
    }));
    s.handle_input(T0, addr("10.0.0.9:1"), &req).unwrap();
    let out = srv_sent(&mut s);
    let Ok(Message::Oack(o)) = Message::decode(&out[0].1) else {
        panic!()
    };
    assert_eq!(o.values.windowsize, Some(4));
    assert!(s.memory() <= 8192 * 4 + 1024);
}

#[test]
fn netascii_transfer_translates_line_ends_both_ways() {
    let text = b"line one\nline two\rend\n".repeat(100);
    let mut m = MemorySource::new();
    m.insert("t.txt", text.clone());
    let mut s = Server::new(server::Config::default(), m, T0);
    let srv = addr("10.0.0.1:69");
    let p = addr("10.0.0.9:5000");
    let mut cfg = client::Config::default();
    cfg.mode = Mode::Netascii;
    let mut c = Client::read(cfg, srv, "t.txt", T0);
    let mut got = Vec::new();
    let mut wire_bytes = 0;
    for _ in 0..1000 {
        for (_, b) in sent(&mut c) {
            let _ = s.handle_input(T0, p, &b);
        }
        for (_, b) in srv_sent(&mut s) {
            if let Ok(Message::Data { data, .. }) = Message::decode(&b) {
                wire_bytes += data.len();
            }
            let _ = c.handle_input(T0, srv, &b);
            while let Some(e) = c.poll_event() {
                if let Event::Data { data, .. } = e {
                    got.extend_from_slice(data);
                }
            }
        }
        if c.is_finished() {
            break;
        }
    }
    assert_eq!(got, text);
    assert_eq!(
        wire_bytes,
        text.len() + 300,
        "every LF and CR gained one byte"
    );
}
