//! SIP: parse a message and read every registration field, ours vs peer
//! crates on the same bytes (`testdata/samples/register.sip`, `401.sip`);
//! parsip's untyped name/value split is the floor. Registrar throughput with
//! 100,000 AORs.

// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use dialtone_core::Instant;
use dialtone_sip_reg::digest::{Algorithm, DigestInput};
use dialtone_sip_reg::registrar::{Account, Config, MemoryAccounts, Registrar};
use dialtone_sip_reg::wire::{HeaderName, Message, Qop};
use dialtone_sip_reg::Peer;

const REGISTER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/register.sip"
));
const CHALLENGE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/401.sip"
));

/// Ours: parse, then every typed field the registration code reads.
fn ours(buf: &[u8]) -> usize {
    let Ok(m) = Message::parse(buf) else { return 0 };
    let mut n = 0;
    for v in m.vias().flatten() {
        n += v.branch().map_or(0, str::len) + usize::from(v.rport().is_ok_and(|r| r.is_some()));
        n += v.received().map_or(0, str::len);
    }
    n += m.from().ok().and_then(|f| f.tag()).map_or(0, str::len);
    n += m.to().ok().and_then(|f| f.tag()).map_or(0, str::len);
    n += m.call_id().map_or(0, str::len);
    n += m.cseq().map_or(0, |c| c.seq as usize);
    for c in m.contacts().flatten() {
        n += c.instance().map_or(0, str::len);
        n += c.expires().and_then(Result::ok).unwrap_or(0) as usize;
        n += c.addr().map_or(0, |a| a.uri.len());
    }
    n += m.expires().and_then(Result::ok).unwrap_or(0) as usize;
    for c in m.credentials(false).flatten() {
        n += c.username.map_or(0, str::len)
            + c.realm.map_or(0, str::len)
            + c.nonce.map_or(0, str::len);
        n += c.uri.map_or(0, str::len)
            + c.response.map_or(0, str::len)
            + c.cnonce.map_or(0, str::len);
        n += c.nc.unwrap_or(0) as usize
            + c.qop.map_or(0, str::len)
            + c.algorithm.map_or(0, str::len);
    }
    for c in m.challenges(false).flatten() {
        n += c.realm.map_or(0, str::len) + c.nonce.map_or(0, str::len) + c.qop.map_or(0, str::len);
        n += c.algorithm.map_or(0, str::len) + usize::from(c.stale);
    }
    n += m.user_agent().map_or(0, str::len) + m.server().map_or(0, str::len);
    n += m.content_length().and_then(Result::ok).unwrap_or(0) as usize;
    n + m.header(HeaderName::Date).map_or(0, str::len)
}

/// parsip: the untyped name/value split only (the floor).
fn parsip_split(buf: &[u8]) -> usize {
    let mut headers = [parsip::EMPTY_HEADER; 32];
    if buf.starts_with(b"SIP/2.0") {
        let mut r = parsip::Response::new(&mut headers);
        let _ = r.parse(buf);
        r.headers.iter().map(|h| h.value.len()).sum()
    } else {
        let mut r = parsip::Request::new(&mut headers);
        let _ = r.parse(buf);
        r.headers.iter().map(|h| h.value.len()).sum()
    }
}

/// ezk-sip-types: split the head with its `PullParser`, collect the lines
/// into its `Headers`, then decode the typed headers it offers. It parses
/// owned `Bytes`, so the input is copied first (part of the timed work).
fn ezk_read(buf: &[u8]) -> usize {
    use ezk_sip_types::header::typed::{
        AuthChallenge, AuthResponse, CSeq, CallID, Contact, ContentLength, Expires, FromTo,
        Username, Via,
    };
    use ezk_sip_types::msg::{Line, MessageLine, PullParser};
    use ezk_sip_types::parse::Parse as _;
    use ezk_sip_types::{Headers, Name};
    let src = ezk_sip_types::_private_reexport::Bytes::copy_from_slice(buf);
    let mut lines = PullParser::new(&src, 0);
    let Some(Ok(first)) = lines.next() else {
        return 0;
    };
    let Ok(first) = std::str::from_utf8(first) else {
        return 0;
    };
    if MessageLine::parse(&src)(first).is_err() {
        return 0;
    }
    let mut headers = Headers::with_capacity(16);
    for l in lines {
        let Some(l) = l.ok().and_then(|l| std::str::from_utf8(l).ok()) else {
            return 0;
        };
        let Ok((_, line)) = Line::parse(&src, l) else {
            return 0;
        };
        headers.extend([(line.name, line.value)]);
    }
    let mut n = 0;
    for v in headers.get::<Vec<Via>>(Name::VIA).unwrap_or_default() {
        n += v.params.get_val("branch").map_or(0, |b| b.len())
            + usize::from(v.params.get("rport").is_some());
        n += v.params.get_val("received").map_or(0, |r| r.len());
    }
    for name in [Name::FROM, Name::TO] {
        if let Ok(f) = headers.get::<FromTo>(name) {
            n += f.tag.map_or(0, |t| t.len());
        }
    }
    n += headers
        .get::<CallID>(Name::CALL_ID)
        .map_or(0, |c| c.0.len());
    n += headers
        .get::<CSeq>(Name::CSEQ)
        .map_or(0, |c| c.cseq as usize);
    for c in headers
        .get::<Vec<Contact>>(Name::CONTACT)
        .unwrap_or_default()
    {
        n += c.params.get_val("+sip.instance").map_or(0, |i| i.len());
        n += c
            .params
            .get_val("expires")
            .and_then(|e| e.parse::<usize>().ok())
            .unwrap_or(0);
        n += usize::from(c.uri.uri.host_port.port.unwrap_or(0));
    }
    n += headers
        .get::<Expires>(Name::EXPIRES)
        .map_or(0, |e| e.0 as usize);
    if let Ok(AuthResponse::Digest(d)) = headers.get::<AuthResponse>(Name::AUTHORIZATION) {
        if let Username::Username(u) = &d.username {
            n += u.len();
        }
        n += d.realm.len() + d.nonce.len() + d.uri.len() + d.response.len();
        if let Some(q) = &d.qop_response {
            n += q.cnonce.len() + q.nc as usize;
        }
    }
    if let Ok(AuthChallenge::Digest(c)) = headers.get::<AuthChallenge>(Name::WWW_AUTHENTICATE) {
        n += c.realm.len() + c.nonce.len() + c.qop.len() + usize::from(c.stale);
    }
    for name in [Name::USER_AGENT, Name::SERVER] {
        n += headers.get_raw(&name).map(|v| v.len()).sum::<usize>();
    }
    n + headers
        .get::<ContentLength>(Name::CONTENT_LENGTH)
        .map_or(0, |c| c.0)
}

/// rsip: parse, then the typed headers it offers (Contact with quoted
/// parameters and `nc` as hex fail there; the attempt is still timed).
fn rsip_read(buf: &[u8]) -> usize {
    use rsip::prelude::*;
    let Ok(msg) = rsip::SipMessage::try_from(buf) else {
        return 0;
    };
    let mut n = 0;
    if let Ok(v) = msg.via_header() {
        n += v
            .typed()
            .ok()
            .and_then(|t| t.branch().map(|b| b.to_string().len()))
            .unwrap_or(0);
    }
    if let Ok(f) = msg.from_header() {
        n += f
            .typed()
            .ok()
            .and_then(|t| t.tag().map(|t| t.to_string().len()))
            .unwrap_or(0);
    }
    if let Ok(t) = msg.to_header() {
        n += t
            .typed()
            .ok()
            .and_then(|t| t.tag().map(|t| t.to_string().len()))
            .unwrap_or(0);
    }
    n += msg.call_id_header().map_or(0, |c| c.to_string().len());
    n += msg
        .cseq_header()
        .ok()
        .and_then(|c| c.typed().ok())
        .map_or(0, |c| c.seq as usize);
    for h in msg.headers().iter() {
        match h {
            rsip::Header::Contact(c) => n += c.typed().map_or(0, |c| c.uri.to_string().len()),
            rsip::Header::Expires(e) => n += e.seconds().unwrap_or(0) as usize,
            rsip::Header::Authorization(a) => n += a.typed().map_or(0, |a| a.nonce.len()),
            rsip::Header::WwwAuthenticate(a) => n += a.typed().map_or(0, |a| a.nonce.len()),
            rsip::Header::UserAgent(u) => n += u.to_string().len(),
            rsip::Header::Server(s) => n += s.to_string().len(),
            _ => {}
        }
    }
    n
}

/// sipmsg: parses every header eagerly into tag maps; read them back.
fn sipmsg_read(buf: &[u8]) -> usize {
    use sipmsg::{NomParser as _, SipHeaderTagType as T, SipRFCHeader as H};
    fn read(headers: &sipmsg::SipHeaders<'_>) -> usize {
        let mut n = 0;
        let tag = |h: H, t: T| -> usize {
            headers
                .get_rfc_s(h)
                .and_then(|x| x.value.tags())
                .and_then(|tags| tags.get(&t))
                .map_or(0, |v| v.len())
        };
        if let Some(v) = headers.get_rfc_s(H::Via) {
            n += v
                .params()
                .and_then(|p| p.get("branch").copied().flatten())
                .map_or(0, str::len);
        }
        for h in [H::From, H::To] {
            if let Some(v) = headers.get_rfc_s(h) {
                n += v
                    .params()
                    .and_then(|p| p.get("tag").copied().flatten())
                    .map_or(0, str::len);
            }
        }
        n += headers
            .get_rfc_s(H::CallID)
            .map_or(0, |c| c.value.vstr.len());
        n += tag(H::CSeq, T::Number) + tag(H::Expires, T::Seconds);
        if let Some(c) = headers.get_rfc_s(H::Contact) {
            n += c
                .params()
                .and_then(|p| p.get("+sip.instance").copied().flatten())
                .map_or(0, str::len);
        }
        for www in [false, true] {
            let h = || {
                if www {
                    H::WWWAuthenticate
                } else {
                    H::Authorization
                }
            };
            for t in [
                T::Username,
                T::Realm,
                T::Nonce,
                T::DigestUri,
                T::Dresponse,
                T::Cnonce,
                T::NonceCount,
                T::QopValue,
            ] {
                n += tag(h(), t);
            }
        }
        n + headers
            .get_rfc_s(H::UserAgent)
            .map_or(0, |u| u.value.vstr.len())
    }
    if buf.starts_with(b"SIP/2.0") {
        sipmsg::SipResponse::parse(buf).map_or(0, |(_, r)| read(&r.headers))
    } else {
        sipmsg::SipRequest::parse(buf).map_or(0, |(_, r)| read(&r.headers))
    }
}

fn parse_and_read(c: &mut Criterion) {
    for (name, bytes) in [("register", REGISTER), ("401", CHALLENGE)] {
        assert!(ours(bytes) > 0);
        let mut g = c.benchmark_group(format!("sip_parse_read/{name}"));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("dialtone", |b| b.iter(|| ours(black_box(bytes))));
        g.bench_function("parsip_untyped_floor", |b| {
            b.iter(|| parsip_split(black_box(bytes)))
        });
        g.bench_function("ezk_sip_types", |b| b.iter(|| ezk_read(black_box(bytes))));
        g.bench_function("rsip", |b| b.iter(|| rsip_read(black_box(bytes))));
        g.bench_function("sipmsg", |b| b.iter(|| sipmsg_read(black_box(bytes))));
        g.finish();
    }
}

fn registrar_throughput(c: &mut Criterion) {
    const AORS: u32 = 100_000;
    let mut accounts = MemoryAccounts::new();
    for i in 0..AORS {
        accounts.insert(&format!("u{i}"), Account::new("pw"));
    }
    let mut reg = Registrar::new(Config::default(), accounts, Instant::ZERO, 1);
    reg.set_events(false);
    let from = Peer::Udp("192.0.2.1:5060".parse().unwrap());
    let mut out = vec![0u8; 4096];
    let req = |user: &str, cseq: u32, auth: Option<String>| {
        format!(
            "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK{cseq};rport\r\n\
From: <sip:{user}@example.com>;tag=t\r\nTo: <sip:{user}@example.com>\r\nCall-ID: {user}\r\nCSeq: {cseq} REGISTER\r\n\
Contact: <sip:{user}@192.0.2.1:5060>\r\nExpires: 3600\r\n{}Content-Length: 0\r\n\r\n",
            auth.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default()
        )
    };
    reg.handle_input(Instant::ZERO, from, req("u0", 1, None).as_bytes())
        .unwrap();
    let t = reg.poll_transmit(&mut out).unwrap().unwrap();
    let nonce = Message::parse(&out[..t.len])
        .unwrap()
        .challenges(false)
        .next()
        .unwrap()
        .unwrap()
        .nonce
        .unwrap()
        .to_string();
    // Pre-build authorised REGISTERs (nc grows per use of the nonce).
    let mut nc = 0u32;
    let mut make = |i: u32, cseq: u32| {
        nc += 1;
        let user = format!("u{i}");
        let r = DigestInput {
            algorithm: Algorithm::Md5,
            username: &user,
            realm: "dialtone",
            password: "pw",
            method: "REGISTER",
            uri: "sip:example.com",
            nonce: &nonce,
            cnonce: Some("c"),
            nc: Some(nc),
            qop: Some(Qop::Auth),
        }
        .response()
        .unwrap();
        let auth = format!(
            "Digest username=\"{user}\", realm=\"dialtone\", nonce=\"{nonce}\", uri=\"sip:example.com\", response=\"{}\", algorithm=MD5, cnonce=\"c\", qop=auth, nc={nc:08x}",
            r.as_str()
        );
        req(&user, cseq, Some(auth))
    };
    for i in 0..AORS {
        let r = make(i, 2);
        reg.handle_input(Instant::ZERO, from, r.as_bytes()).unwrap();
        while reg.poll_transmit(&mut out).unwrap().is_some() {}
    }
    assert_eq!(reg.aor_count(), AORS as usize);
    let mut cseq = 3;
    let mut g = c.benchmark_group("sip_registrar_100k_aors");
    g.throughput(Throughput::Elements(1));
    g.bench_function("authorised_refresh", |b| {
        b.iter_batched(
            || {
                cseq += 1;
                make(cseq % AORS, cseq)
            },
            |r| {
                reg.handle_input(Instant::from_secs(1), from, r.as_bytes())
                    .unwrap();
                let t = reg.poll_transmit(&mut out).unwrap().unwrap();
                black_box(t.len)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, parse_and_read, registrar_throughput);
criterion_main!(benches);
