//! Fuzz bodies, shared by `cargo fuzz` targets, the corpus replay test and
//! the property tests. Each takes arbitrary bytes and panics only on a bug.

use std::format;
use std::net::SocketAddr;
use std::string::String;
use std::time::Duration;
use std::vec::Vec;

use arbitrary::{Arbitrary, Unstructured};
use dialtone_core::{ConnId, Instant};

use crate::digest::{Algorithm, DigestInput};
use crate::registrar::{self, Account, MemoryAccounts, Registrar};
use crate::ua::{self, KeepaliveMode, UserAgent};
use crate::wire::build::to_vec;
use crate::wire::{next_frame, Challenge, Credentials, Frame, HeaderName, Message, Qop, StartLine};
use crate::{ConnEvent, Peer, Transport};

fn touch(msg: &Message<'_>) {
    for v in msg.vias().flatten() {
        let _ = (v.branch(), v.received(), v.rport());
    }
    let _ = msg.from().map(|f| (f.tag(), f.parsed_uri()));
    let _ = msg.to().map(|f| (f.tag(), f.parsed_uri()));
    let _ = (msg.call_id(), msg.cseq(), msg.expires(), msg.min_expires());
    let _ = (
        msg.retry_after(),
        msg.content_length(),
        msg.user_agent(),
        msg.server(),
    );
    for c in msg.contacts().flatten() {
        let _ = (c.expires(), c.q(), c.instance(), c.reg_id());
        if let Some(a) = c.addr() {
            let _ = a.parsed_uri();
        }
    }
    for p in [false, true] {
        for c in msg.challenges(p).flatten() {
            let _ = (c.offers_auth(), Algorithm::from_token(c.algorithm));
        }
        for c in msg.credentials(p) {
            let _ = c;
        }
    }
    let _ = registrar::device_mac(msg);
}

/// `sip_parse`: parse, read every field, re-emit and parse again to the same
/// headers and body; frame the same bytes as a stream.
pub fn parse(data: &[u8]) {
    let _ = next_frame(data, crate::wire::MAX_MESSAGE);
    let Ok(msg) = Message::parse(data) else {
        return;
    };
    touch(&msg);
    let again = to_vec(|w| {
        match msg.start() {
            StartLine::Request { method, uri } => w.request_line(method.as_str(), uri),
            StartLine::Response { code, reason } => w.status_line(*code, reason),
        }
        for h in msg.headers() {
            w.header(h.name.as_str(), h.value);
        }
        w.str("\r\n");
        w.bytes(msg.body());
    });
    let m2 = Message::parse(&again).expect("re-emitted message parses");
    assert_eq!(m2.start(), msg.start());
    assert!(m2.headers().eq(msg.headers()));
    assert_eq!(m2.body(), msg.body());
    // Stream framing agrees on whole messages that carry Content-Length.
    if msg.content_length().is_some() && again.windows(4).any(|w| w == b"\r\n\r\n") {
        if let Ok(Frame::Message(n)) = next_frame(&again, crate::wire::MAX_MESSAGE) {
            assert!(n <= again.len());
        }
    }
}

#[derive(Debug, Arbitrary)]
struct DigestCase<'a> {
    alg: u8,
    username: &'a str,
    realm: &'a str,
    password: &'a str,
    uri: &'a str,
    nonce: &'a str,
    cnonce: &'a str,
    nc: u32,
    qop: bool,
    header: &'a str,
}

/// `sip_digest`: a computed response verifies; a changed password does not;
/// arbitrary challenge/credential headers parse without panicking.
pub fn digest(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(c) = DigestCase::arbitrary(&mut u) else {
        return;
    };
    let _ = Challenge::parse(c.header);
    if let Ok(cr) = Credentials::parse(c.header) {
        let text = to_vec(|w| cr.write(w));
        let _ = core::str::from_utf8(&text).map(Credentials::parse);
    }
    let algorithm = [
        Algorithm::Md5,
        Algorithm::Md5Sess,
        Algorithm::Sha256,
        Algorithm::Sha256Sess,
    ][usize::from(c.alg % 4)];
    let input = DigestInput {
        algorithm,
        username: c.username,
        realm: c.realm,
        password: c.password,
        method: "REGISTER",
        uri: c.uri,
        nonce: c.nonce,
        cnonce: Some(c.cnonce),
        nc: Some(c.nc),
        qop: c.qop.then_some(Qop::Auth),
    };
    if let Some(r) = input.response() {
        assert!(input.verify(r.as_str()));
        let mut wrong = String::from(c.password);
        wrong.push('x');
        let other = DigestInput {
            password: &wrong,
            ..input
        };
        assert!(!other.verify(r.as_str()));
    }
}

#[derive(Debug, Arbitrary)]
enum UaOp<'a> {
    Raw(&'a [u8]),
    Respond {
        code: u16,
        stale: bool,
        min_expires: Option<u32>,
        retry_after: Option<u32>,
        expires: Option<u32>,
        received: bool,
        sha: bool,
    },
    Conn(u8, u8),
    Advance(u16),
    AdvanceLong(u32),
    Unregister,
    Reconfigure(bool),
}

/// `sip_ua`: a [`UserAgent`] driven by an arbitrary script of inputs,
/// answers to its own requests, connection events and time jumps. Checks that
/// `poll_timeout` moves past `now` after `handle_timeout(now)`.
pub fn ua(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let tcp = u.arbitrary::<bool>().unwrap_or(false);
    let servers: [SocketAddr; 2] = [
        SocketAddr::from(([192, 0, 2, 1], 5060)),
        SocketAddr::from(([192, 0, 2, 2], 5060)),
    ];
    let mut cfg = ua::Config::new(&servers, "1001", "pw");
    cfg.transport = if tcp { Transport::Tcp } else { Transport::Udp };
    cfg.random_port = Some((50000, 60000));
    cfg.received_detection = true;
    cfg.prefer_primary = true;
    cfg.keepalive = match u.arbitrary::<u8>().unwrap_or(0) % 3 {
        0 => KeepaliveMode::None,
        1 => KeepaliveMode::Crlf,
        _ => KeepaliveMode::Options,
    };
    cfg.previous_contact = Some("sip:1001@127.0.0.1:5070".into());
    let Ok(mut agent) = UserAgent::new(cfg.clone(), Instant::ZERO, 1) else {
        return;
    };
    let mut now = Instant::ZERO;
    let mut buf = [0u8; 4096];
    let mut last: Option<(Peer, Vec<u8>)> = None;
    let mut conns: Vec<ConnId> = Vec::new();
    for _ in 0..200 {
        while let Ok(Some(t)) = agent.poll_transmit(&mut buf) {
            last = Some((t.to, buf.get(..t.len).unwrap_or_default().to_vec()));
        }
        while let Some(ev) = agent.poll_event() {
            if let ua::Event::Connect { conn, .. } = ev {
                conns.push(conn);
            }
        }
        let Ok(op) = UaOp::arbitrary(&mut u) else {
            break;
        };
        match op {
            UaOp::Raw(b) => {
                let from = match conns.last() {
                    Some(c) if tcp => Peer::Tcp(*c),
                    _ => Peer::Udp(servers[0]),
                };
                let _ = agent.handle_input(now, from, b);
            }
            UaOp::Respond {
                code,
                stale,
                min_expires,
                retry_after,
                expires,
                received,
                sha,
            } => {
                let Some((peer, req)) = &last else { continue };
                let Ok(m) = Message::parse(req) else { continue };
                let code = 100 + code % 600;
                let resp = to_vec(|w| {
                    w.status_line(code, "X");
                    if let Some(v) = m.header(HeaderName::Via) {
                        if received {
                            w.header_fmt("Via", format_args!("{v}=4000;received=198.51.100.9"));
                        } else {
                            w.header("Via", v);
                        }
                    }
                    for (n, h) in [
                        ("From", HeaderName::From),
                        ("To", HeaderName::To),
                        ("Call-ID", HeaderName::CallId),
                        ("CSeq", HeaderName::CSeq),
                    ] {
                        if let Some(v) = m.header(h) {
                            w.header(n, v);
                        }
                    }
                    if code == 401 || code == 407 {
                        let name = if code == 401 {
                            "WWW-Authenticate"
                        } else {
                            "Proxy-Authenticate"
                        };
                        let alg = if sha { "SHA-256" } else { "MD5" };
                        w.header_fmt(
                            name,
                            format_args!(
                                "Digest realm=\"r\", nonce=\"n{}\", algorithm={alg}, qop=\"auth\"{}",
                                now.as_millis(),
                                if stale { ", stale=true" } else { "" }
                            ),
                        );
                    }
                    if let Some(e) = min_expires {
                        w.header_fmt("Min-Expires", format_args!("{e}"));
                    }
                    if let Some(e) = retry_after {
                        w.header_fmt("Retry-After", format_args!("{e}"));
                    }
                    if let Some(e) = expires {
                        w.header_fmt("Expires", format_args!("{e}"));
                    }
                    w.end(b"");
                });
                let from = match peer {
                    Peer::Udp(a) => Peer::Udp(*a),
                    Peer::Tcp(c) => Peer::Tcp(*c),
                };
                let _ = agent.handle_input(now, from, &resp);
            }
            UaOp::Conn(i, e) => {
                if let Some(c) = conns.get(usize::from(i) % conns.len().max(1)) {
                    let ev = match e % 3 {
                        0 => ConnEvent::Connected,
                        1 => ConnEvent::Closed,
                        _ => ConnEvent::Refused,
                    };
                    agent.handle_conn_event(now, *c, ev);
                }
            }
            UaOp::Advance(ms) => now += Duration::from_millis(u64::from(ms)),
            UaOp::AdvanceLong(s) => {
                // Jump to the next deadline (or far), as a driver would.
                let target = agent
                    .poll_timeout()
                    .unwrap_or(now + Duration::from_secs(u64::from(s % 4000)));
                now = now.max(target);
                agent.handle_timeout(now);
                if let Some(next) = agent.poll_timeout() {
                    assert!(next > now, "poll_timeout must move forward");
                }
            }
            UaOp::Unregister => agent.unregister(now),
            UaOp::Reconfigure(tcp2) => {
                let mut c = cfg.clone();
                c.transport = if tcp2 { Transport::Tcp } else { Transport::Udp };
                let _ = agent.reconfigure(now, c);
            }
        }
        agent.handle_timeout(now);
        if let Some(next) = agent.poll_timeout() {
            assert!(next > now, "poll_timeout must move forward");
        }
    }
}

#[derive(Debug, Arbitrary)]
enum RegOp<'a> {
    Raw(bool, u8, &'a [u8]),
    Register {
        user: u8,
        source: u8,
        expires: Option<u32>,
        contact_expires: Option<u32>,
        contacts: u8,
        star: bool,
        cseq: u16,
        call_id: u8,
        auth: bool,
        nc: u8,
        tcp: bool,
        user_agent: bool,
    },
    Options(u8),
    Conn(u8, bool),
    Advance(u32),
}

/// `sip_registrar`: a [`Registrar`] fed arbitrary bytes and well-formed
/// REGISTERs (authorised with the last nonce it issued) with arbitrary
/// expiries, Contacts, Call-IDs and CSeqs, over arbitrary time jumps.
pub fn registrar(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let mut accounts = MemoryAccounts::new();
    accounts.insert("1001", Account::new("pw"));
    let mut a2 = Account::new("pw2");
    a2.tcp_only = true;
    a2.mac = Some([0, 0x1e, 0x7a, 0xc4, 0xd2, 0x31]);
    a2.required_user_agent = Some("huawei".into());
    accounts.insert("1002", a2);
    let cfg = registrar::Config {
        liveness: registrar::Liveness::OptionsRequired(Duration::from_secs(45)),
        max_contacts: 3,
        ..registrar::Config::default()
    };
    let mut reg = Registrar::new(cfg, accounts, Instant::ZERO, 9);
    let mut now = Instant::ZERO;
    let mut buf = [0u8; 8192];
    let mut nonce = String::new();
    for _ in 0..200 {
        while let Ok(Some(t)) = reg.poll_transmit(&mut buf) {
            if let Ok(m) = Message::parse(buf.get(..t.len).unwrap_or_default()) {
                if let Some(Ok(c)) = m.challenges(false).next() {
                    nonce = c.nonce.unwrap_or("").into();
                }
            }
        }
        while reg.poll_event().is_some() {}
        let Ok(op) = RegOp::arbitrary(&mut u) else {
            break;
        };
        match op {
            RegOp::Raw(tcp, c, b) => {
                let from = if tcp {
                    Peer::Tcp(ConnId(u32::from(c % 4)))
                } else {
                    Peer::Udp(SocketAddr::from(([192, 0, 2, c], 5060)))
                };
                let _ = reg.handle_input(now, from, b);
            }
            RegOp::Register {
                user,
                source,
                expires,
                contact_expires,
                contacts,
                star,
                cseq,
                call_id,
                auth,
                nc,
                tcp,
                user_agent,
            } => {
                let user = ["1001", "1002", "9999"][usize::from(user % 3)];
                let pw = if user == "1001" { "pw" } else { "pw2" };
                let ruri = "sip:dialtone";
                let resp = DigestInput {
                    algorithm: Algorithm::Md5,
                    username: user,
                    realm: "dialtone",
                    password: pw,
                    method: "REGISTER",
                    uri: ruri,
                    nonce: &nonce,
                    cnonce: Some("c"),
                    nc: Some(u32::from(nc)),
                    qop: Some(Qop::Auth),
                }
                .response();
                let req = to_vec(|w| {
                    w.request_line("REGISTER", ruri);
                    w.header_fmt(
                        "Via",
                        format_args!("SIP/2.0/UDP 192.0.2.{source};branch=z9hG4bK{cseq};rport"),
                    );
                    w.header_fmt("From", format_args!("<sip:{user}@dialtone>;tag=f"));
                    w.header_fmt("To", format_args!("<sip:{user}@dialtone>"));
                    w.header_fmt("Call-ID", format_args!("c{call_id}"));
                    w.header_fmt("CSeq", format_args!("{cseq} REGISTER"));
                    if star {
                        w.header("Contact", "*");
                    }
                    for i in 0..contacts % 5 {
                        match contact_expires {
                            Some(e) => w.header_fmt(
                                "Contact",
                                format_args!(
                                    "<sip:{user}@192.0.2.{source}:{i}>;expires={e};q=0.{i}"
                                ),
                            ),
                            None => w.header_fmt(
                                "Contact",
                                format_args!("<sip:{user}@192.0.2.{source}:{i}>"),
                            ),
                        }
                    }
                    if let Some(e) = expires {
                        w.header_fmt("Expires", format_args!("{e}"));
                    }
                    if user_agent {
                        w.header("User-Agent", "huawei SEP001E7AC4D231");
                    }
                    if let (true, Some(r)) = (auth, &resp) {
                        w.header_fmt(
                            "Authorization",
                            format_args!(
                                "Digest username=\"{user}\", realm=\"dialtone\", nonce=\"{nonce}\", uri=\"{ruri}\", response=\"{}\", algorithm=MD5, cnonce=\"c\", qop=auth, nc={nc:08x}",
                                r.as_str()
                            ),
                        );
                    }
                    w.end(b"");
                });
                let from = if tcp {
                    Peer::Tcp(ConnId(u32::from(source % 4)))
                } else {
                    Peer::Udp(SocketAddr::from(([192, 0, 2, source], 5060)))
                };
                let _ = reg.handle_input(now, from, &req);
                for aor in ["1001@dialtone", "1002@dialtone"] {
                    assert!(reg.bindings(aor, now).count() <= 3, "max_contacts holds");
                }
            }
            RegOp::Options(source) => {
                let req = format!(
                    "OPTIONS sip:dialtone SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.{source};branch=z9hG4bKo\r\nFrom: <sip:1001@dialtone>;tag=f\r\nTo: <sip:dialtone>\r\nCall-ID: o\r\nCSeq: 1 OPTIONS\r\n\r\n"
                );
                let from = Peer::Udp(SocketAddr::from(([192, 0, 2, source], 5060)));
                let _ = reg.handle_input(now, from, req.as_bytes());
            }
            RegOp::Conn(c, up) => {
                let ev = if up {
                    ConnEvent::Connected
                } else {
                    ConnEvent::Closed
                };
                reg.handle_conn_event(now, ConnId(u32::from(c % 4)), ev);
            }
            RegOp::Advance(ms) => now += Duration::from_millis(u64::from(ms % 10_000_000)),
        }
        reg.handle_timeout(now);
        if let Some(next) = reg.poll_timeout() {
            assert!(next > now, "poll_timeout must move forward");
        }
        for aor in ["1001@dialtone", "1002@dialtone"] {
            assert!(reg.bindings(aor, now).all(|b| b.expires_at > now));
        }
    }
}
