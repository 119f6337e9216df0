//! Codec tests on the repository's SIP samples and on hand-written edge cases.

use dialtone_sip_reg::digest::{Algorithm, DigestInput};
use dialtone_sip_reg::wire::build::{emit_with, measure};
use dialtone_sip_reg::wire::{
    next_frame, Contact, Credentials, Frame, HeaderName, Message, Method, NameAddr, Qop, StartLine,
    Uri, MAX_HEADERS,
};
use dialtone_sip_reg::DecodeError;

// testdata/samples/register.sip: a CP-8845's REGISTER over TCP with digest credentials.
const REGISTER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/register.sip"
));
// testdata/samples/401.sip: CUCM's challenge to the first REGISTER.
const CHALLENGE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/401.sip"
));

#[test]
fn register_sample_parses_with_every_field() {
    let m = Message::parse(REGISTER).unwrap();
    assert_eq!(m.len(), REGISTER.len());
    assert_eq!(
        *m.start(),
        StartLine::Request {
            method: Method::Register,
            uri: "sip:10.10.10.11"
        }
    );
    assert_eq!(m.headers().len(), 14);
    let via = m.top_via().unwrap();
    assert_eq!(via.transport, "TCP");
    assert_eq!((via.host, via.port), ("10.20.30.57", Some(51234)));
    assert_eq!(via.branch(), Some("z9hG4bK4b43c2ff8.1"));
    assert_eq!(via.rport(), Ok(None));
    assert_eq!(via.received(), None);
    let from = m.from().unwrap();
    assert_eq!(from.uri, "sip:1001@10.10.10.11");
    assert_eq!(from.tag(), Some("001e7ac4d2310002626b9a3e-5d8c3b11"));
    let to = m.to().unwrap();
    assert_eq!(to.uri, "sip:1001@10.10.10.11");
    assert_eq!(to.tag(), None);
    let to_uri = to.parsed_uri().unwrap();
    assert_eq!(
        (to_uri.user, to_uri.host, to_uri.port),
        (Some("1001"), "10.10.10.11", None)
    );
    assert_eq!(
        m.call_id(),
        Ok("001e7ac4-d2310003-3cb4f7c1-02a9e5b6@10.20.30.57")
    );
    let cseq = m.cseq().unwrap();
    assert_eq!((cseq.seq, cseq.method), (102, Method::Register));
    assert_eq!(m.max_forwards(), Some(Ok(70)));
    assert_eq!(
        m.header(HeaderName::Date),
        Some("Sat, 21 Nov 2026 23:51:02 GMT")
    );
    assert_eq!(m.user_agent(), Some("Cisco-CP8845/12.8.1"));
    let contacts: Vec<_> = m.contacts().collect::<Result<_, _>>().unwrap();
    assert_eq!(contacts.len(), 1);
    let c = contacts[0];
    let addr = c.addr().unwrap();
    assert_eq!(addr.uri, "sip:1001@10.20.30.57:51234;transport=tcp");
    let curi = addr.parsed_uri().unwrap();
    assert_eq!(curi.port, Some(51234));
    assert_eq!(curi.params.get("transport"), Some(Some("tcp")));
    // rsip fails on quoted Contact parameter values; these must come out whole.
    assert_eq!(
        c.instance(),
        Some("<urn:uuid:00000000-0000-0000-0000-001e7ac4d231>")
    );
    assert_eq!(
        addr.params.get("+u.sip!devicename.ccm.cisco.com"),
        Some(Some("SEP001E7AC4D231"))
    );
    assert_eq!(
        addr.params.get("+u.sip!model.ccm.cisco.com"),
        Some(Some("36670"))
    );
    assert_eq!(addr.params.get("video"), Some(None));
    assert_eq!(c.expires(), None);
    assert_eq!(c.q(), None);
    assert_eq!(c.reg_id(), None);
    let creds: Vec<_> = m.credentials(false).collect::<Result<_, _>>().unwrap();
    assert_eq!(creds.len(), 1);
    let cr = creds[0];
    assert_eq!(cr.scheme, "Digest");
    assert_eq!(cr.username, Some("1001"));
    assert_eq!(cr.realm, Some("ccmsipline"));
    assert_eq!(cr.nonce, Some("K3OaPGE6jQBcTn4pLy7RfN2vU8wAhXsd"));
    assert_eq!(cr.uri, Some("sip:10.10.10.11"));
    assert_eq!(cr.response, Some("5f1e0c0e3b6c0b9f2fdc4f3f1a8d2e77"));
    assert_eq!(cr.algorithm, Some("MD5"));
    assert_eq!(cr.cnonce, Some("4e7f1b2c"));
    assert_eq!(cr.qop, Some("auth"));
    assert_eq!(cr.nc, Some(1));
    let supported: Vec<_> = m.list_values(HeaderName::Supported).collect();
    assert_eq!(supported.len(), 15);
    assert_eq!(supported[0], "replaces");
    assert_eq!(supported[14], "X-cisco-xsi-8.5.1");
    assert_eq!(m.list_values(HeaderName::Allow).count(), 11);
    assert_eq!(m.expires(), Some(Ok(3600)));
    assert_eq!(m.content_length(), Some(Ok(0)));
    assert_eq!(m.body(), b"");
    assert_eq!(m.status(), None);
}

#[test]
fn challenge_sample_parses_with_every_field() {
    let m = Message::parse(CHALLENGE).unwrap();
    assert_eq!(
        *m.start(),
        StartLine::Response {
            code: 401,
            reason: "Unauthorized"
        }
    );
    assert_eq!(m.headers().len(), 9);
    let via = m.top_via().unwrap();
    assert_eq!(via.branch(), Some("z9hG4bK1c0a4e2d7.1"));
    assert_eq!(
        m.from().unwrap().tag(),
        Some("001e7ac4d2310002626b9a3e-5d8c3b11")
    );
    assert_eq!(m.to().unwrap().tag(), Some("1618794612"));
    assert_eq!(
        m.call_id(),
        Ok("001e7ac4-d2310003-3cb4f7c1-02a9e5b6@10.20.30.57")
    );
    assert_eq!(m.cseq().unwrap().seq, 101);
    let ch: Vec<_> = m.challenges(false).collect::<Result<_, _>>().unwrap();
    assert_eq!(ch.len(), 1);
    assert!(ch[0].is_digest());
    assert_eq!(ch[0].realm, Some("ccmsipline"));
    assert_eq!(ch[0].nonce, Some("K3OaPGE6jQBcTn4pLy7RfN2vU8wAhXsd"));
    assert_eq!(ch[0].algorithm, Some("MD5"));
    assert_eq!(ch[0].qop, Some("auth"));
    assert!(ch[0].offers_auth());
    assert!(!ch[0].stale);
    assert_eq!(m.challenges(true).count(), 0);
    assert_eq!(m.server(), Some("Cisco-CUCM14.0"));
    assert_eq!(m.content_length(), Some(Ok(0)));
}

#[test]
fn compact_forms_folding_case_and_repeated_headers() {
    let raw = b"SIP/2.0 200 OK\r\n\
v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa;received=198.51.100.7;rport=40000\r\n\
VIA: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKb, SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKc\r\n\
f: \"Alice, A.\" <sip:alice@example.com>;tag=1\r\n\
t: sip:alice@example.com;tag=2\r\n\
i: cid@host\r\n\
cseq: 7 REGISTER\r\n\
m: <sip:alice@192.0.2.1:5060>;expires=120;q=0.7,\r\n <sip:alice@192.0.2.1:5070>;EXPIRES=60;q=1;reg-id=1;\r\n\t+sip.instance=\"<urn:uuid:1>\"\r\n\
Contact: sip:alice@198.51.100.7:40000;expires=30\r\n\
Min-Expires: 60\r\n\
Retry-After: 120 (busy);duration=60\r\n\
l: 4\r\n\r\nbody";
    let m = Message::parse(raw).unwrap();
    assert_eq!(m.status(), Some(200));
    let vias: Vec<_> = m.vias().collect::<Result<_, _>>().unwrap();
    assert_eq!(vias.len(), 3);
    assert_eq!(vias[0].received(), Some("198.51.100.7"));
    assert_eq!(vias[0].rport(), Ok(Some(Some(40000))));
    assert_eq!(vias[1].host, "proxy.example.com");
    assert_eq!(vias[1].port, None);
    assert_eq!((vias[2].host, vias[2].port), ("[2001:db8::1]", Some(5061)));
    let from = m.from().unwrap();
    assert_eq!(from.display, Some("Alice, A."));
    assert_eq!(from.tag(), Some("1"));
    assert_eq!(m.to().unwrap().uri, "sip:alice@example.com");
    assert_eq!(m.to().unwrap().tag(), Some("2"));
    assert_eq!(m.call_id(), Ok("cid@host"));
    assert_eq!(m.cseq().unwrap().seq, 7);
    let cs: Vec<_> = m.contacts().collect::<Result<_, _>>().unwrap();
    assert_eq!(cs.len(), 3);
    assert_eq!(cs[0].expires(), Some(Ok(120)));
    assert_eq!(cs[0].q(), Some(Ok(700)));
    assert_eq!(cs[1].expires(), Some(Ok(60)));
    assert_eq!(cs[1].q(), Some(Ok(1000)));
    assert_eq!(cs[1].reg_id(), Some(Ok(1)));
    assert_eq!(cs[1].instance(), Some("<urn:uuid:1>"));
    assert_eq!(cs[2].addr().unwrap().uri, "sip:alice@198.51.100.7:40000");
    assert_eq!(cs[2].expires(), Some(Ok(30)));
    assert_eq!(m.min_expires(), Some(Ok(60)));
    assert_eq!(m.retry_after(), Some(Ok(120)));
    assert_eq!(m.body(), b"body");
}

#[test]
fn star_contact_and_bare_lf() {
    let raw = b"REGISTER sip:example.com SIP/2.0\nContact: *\nExpires: 0\n\n";
    let m = Message::parse(raw).unwrap();
    assert_eq!(m.contacts().next(), Some(Ok(Contact::Star)));
    assert_eq!(m.expires(), Some(Ok(0)));
}

#[test]
fn nc_is_eight_hex_digits() {
    // rsip reads nc as a decimal u8: 0000000a and 00000100 must work here.
    let c = Credentials::parse("Digest username=\"u\", nc=0000000a, qop=auth").unwrap();
    assert_eq!(c.nc, Some(10));
    let c = Credentials::parse("Digest nc=00000100").unwrap();
    assert_eq!(c.nc, Some(256));
    let c = Credentials::parse("Digest nc=ffffffff").unwrap();
    assert_eq!(c.nc, Some(u32::MAX));
    assert!(Credentials::parse("Digest nc=1").is_err());
    assert!(Credentials::parse("Digest nc=0000000g").is_err());
    // Round trip through the writer keeps 8 digits.
    let mut buf = [0u8; 128];
    let n = emit_with(&mut buf, |w| {
        Credentials {
            scheme: "Digest",
            nc: Some(0x1b),
            ..Credentials::default()
        }
        .write(w)
    })
    .unwrap();
    assert_eq!(&buf[..n], b"Digest nc=0000001b");
}

#[test]
fn rejects_bad_input_with_typed_errors() {
    assert!(matches!(
        Message::parse(b""),
        Err(DecodeError::Truncated { .. })
    ));
    assert!(matches!(
        Message::parse(b"REGISTER sip:x SIP/2.0\r\nVia: x\r\n"),
        Err(DecodeError::Truncated { .. })
    ));
    assert!(matches!(
        Message::parse(b"REGISTER sip:x HTTP/1.1\r\n\r\n"),
        Err(DecodeError::Inconsistent {
            field: "SIP-version",
            ..
        })
    ));
    assert!(matches!(
        Message::parse(b"SIP/2.0 99 Low\r\n\r\n"),
        Err(DecodeError::Inconsistent { .. })
    ));
    assert!(matches!(
        Message::parse(b"OPTIONS sip:x SIP/2.0\r\nNoColon\r\n\r\n"),
        Err(DecodeError::Inconsistent {
            field: "header",
            ..
        })
    ));
    assert!(matches!(
        Message::parse(b"OPTIONS sip:x SIP/2.0\r\nContent-Length: 10\r\n\r\nabc"),
        Err(DecodeError::Truncated { needed: 7, .. })
    ));
    assert!(matches!(
        Message::parse(b"OPTIONS sip:x SIP/2.0\r\nContent-Length: -1\r\n\r\n"),
        Err(DecodeError::Inconsistent {
            field: "Content-Length",
            ..
        })
    ));
    assert!(matches!(
        Message::parse(b"OPTIONS sip:x SIP/2.0\r\nX: \xff\r\n\r\n"),
        Err(DecodeError::NotUtf8 { .. })
    ));
    let mut many = b"OPTIONS sip:x SIP/2.0\r\n".to_vec();
    for _ in 0..=MAX_HEADERS {
        many.extend_from_slice(b"X: y\r\n");
    }
    many.extend_from_slice(b"\r\n");
    assert_eq!(
        Message::parse(&many),
        Err(DecodeError::TooManyHeaders { max: MAX_HEADERS })
    );
    let huge = vec![b'a'; 70_000];
    assert!(matches!(
        Message::parse(&huge),
        Err(DecodeError::Oversized { .. })
    ));
    // Typed views report errors instead of panicking.
    let m =
        Message::parse(b"OPTIONS sip:x SIP/2.0\r\nCSeq: x\r\nVia: nope\r\nFrom: <sip:a\r\n\r\n")
            .unwrap();
    assert!(m.cseq().is_err());
    assert!(m.top_via().is_err());
    assert!(m.from().is_err());
    assert_eq!(m.to(), Err(DecodeError::Missing { field: "To" }));
    assert_eq!(m.call_id(), Err(DecodeError::Missing { field: "Call-ID" }));
    assert!(Contact::parse("<sip:a>;q=1.5")
        .unwrap()
        .q()
        .unwrap()
        .is_err());
    assert!(Uri::parse("sip:[::1").is_err());
    assert!(NameAddr::parse("\"unterminated <sip:a>").is_err());
}

#[test]
fn frames_a_tcp_stream_by_content_length_and_keepalives() {
    let mut stream = Vec::new();
    stream.extend_from_slice(b"\r\n\r\n");
    stream.extend_from_slice(REGISTER);
    stream.extend_from_slice(b"OPTIONS sip:x SIP/2.0\r\nl: 3\r\n\r\nabc");
    stream.extend_from_slice(b"\r\n");
    assert_eq!(next_frame(&stream, 65535), Ok(Frame::Ping));
    let rest = &stream[4..];
    assert_eq!(next_frame(rest, 65535), Ok(Frame::Message(REGISTER.len())));
    let rest = &rest[REGISTER.len()..];
    let f = next_frame(rest, 65535).unwrap();
    assert_eq!(f.len(), rest.len() - 2);
    assert_eq!(Message::parse(&rest[..f.len()]).unwrap().body(), b"abc");
    assert_eq!(next_frame(&rest[f.len()..], 65535), Ok(Frame::Pong));
    // Every strict prefix of a message is incomplete.
    for cut in 1..REGISTER.len() {
        assert!(
            matches!(
                next_frame(&REGISTER[..cut], 65535),
                Ok(Frame::Incomplete { .. })
            ),
            "cut {cut}"
        );
    }
    assert!(matches!(
        next_frame(REGISTER, 100),
        Err(DecodeError::Oversized { .. })
    ));
}

#[test]
fn builder_output_is_read_back_and_sizes_are_exact() {
    let write = |w: &mut dialtone_sip_reg::wire::build::Writer<'_>| {
        w.request_line("REGISTER", "sip:example.com");
        w.header("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx;rport");
        w.header("From", "<sip:a@example.com>;tag=t");
        w.header("To", "<sip:a@example.com>");
        w.header("Call-ID", "c");
        w.header_fmt("CSeq", format_args!("{} REGISTER", 5));
        w.header(
            "Contact",
            "<sip:a@192.0.2.1:5060>;+sip.instance=\"<urn:uuid:x>\";reg-id=1",
        );
        w.header("Expires", "3600");
        w.end(b"");
    };
    let need = measure(write);
    let mut small = vec![0u8; need - 1];
    assert_eq!(
        emit_with(&mut small, write),
        Err(dialtone_core::InsufficientSize { required: need })
    );
    assert!(small.iter().all(|&b| b == 0), "nothing written on error");
    let mut buf = vec![0u8; need];
    let n = emit_with(&mut buf, write).unwrap();
    assert_eq!(n, need);
    let m = Message::parse(&buf).unwrap();
    assert_eq!(m.cseq().unwrap().seq, 5);
    assert_eq!(m.top_via().unwrap().rport(), Ok(Some(None)));
    let c = m.contacts().next().unwrap().unwrap();
    assert_eq!(c.instance(), Some("<urn:uuid:x>"));
    assert_eq!(c.reg_id(), Some(Ok(1)));
}

#[cfg(feature = "md5")]
#[test]
fn digest_over_sample_challenge() {
    let m = Message::parse(CHALLENGE).unwrap();
    let ch = m.challenges(false).next().unwrap().unwrap();
    let alg = Algorithm::from_token(ch.algorithm).unwrap();
    let input = DigestInput {
        algorithm: alg,
        username: "1001",
        realm: ch.realm.unwrap(),
        password: "secret",
        method: "REGISTER",
        uri: "sip:10.10.10.11",
        nonce: ch.nonce.unwrap(),
        cnonce: Some("4e7f1b2c"),
        nc: Some(1),
        qop: Some(Qop::Auth),
    };
    let r = input.response().unwrap();
    assert_eq!(r.as_str().len(), 32);
    assert!(input.verify(r.as_str()));
}
