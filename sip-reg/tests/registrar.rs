//! Registrar behaviour at the message level (RFC 3261 §10.3, RFC 7616,
//! `phone-boot.md` §3.6).

use std::net::SocketAddr;

use dialtone_core::{ConnId, Instant};
use dialtone_sip_reg::digest::{Algorithm, DigestInput};
use dialtone_sip_reg::registrar::{Account, Config, ForbiddenCause, MemoryAccounts, Registrar};
use dialtone_sip_reg::wire::{Message, Qop};
use dialtone_sip_reg::{ConnEvent, Peer};

const SRC: &str = "192.0.2.50:5060";

struct Reply {
    code: u16,
    text: String,
}

impl Reply {
    fn msg(&self) -> Message<'_> {
        Message::parse(self.text.as_bytes()).unwrap()
    }
}

fn registrar(cfg: Config) -> Registrar {
    let mut a = MemoryAccounts::new();
    a.insert("1001", Account::new("secret"));
    a.insert("1002", Account::new("pw2"));
    Registrar::new(cfg, a, Instant::ZERO, 42)
}

fn send(reg: &mut Registrar, now: Instant, from: Peer, req: &str) -> Option<Reply> {
    reg.handle_input(now, from, req.as_bytes()).unwrap();
    let mut buf = vec![0u8; 8192];
    let t = reg.poll_transmit(&mut buf).unwrap()?;
    let text = String::from_utf8(buf[..t.len].to_vec()).unwrap();
    let code = Message::parse(text.as_bytes()).unwrap().status().unwrap();
    Some(Reply { code, text })
}

fn request(user: &str, call_id: &str, cseq: u32, headers: &str, auth: Option<String>) -> String {
    format!(
        "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.50:5060;branch=z9hG4bK{cseq}{call_id};rport\r\n\
From: <sip:{user}@example.com>;tag=ft\r\nTo: <sip:{user}@example.com>\r\nCall-ID: {call_id}\r\n\
CSeq: {cseq} REGISTER\r\n{headers}{}Content-Length: 0\r\n\r\n",
        auth.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default()
    )
}

fn authorization(user: &str, pw: &str, nonce: &str, nc: u32) -> String {
    let r = DigestInput {
        algorithm: Algorithm::Md5,
        username: user,
        realm: "dialtone",
        password: pw,
        method: "REGISTER",
        uri: "sip:example.com",
        nonce,
        cnonce: Some("abc"),
        nc: Some(nc),
        qop: Some(Qop::Auth),
    }
    .response()
    .unwrap();
    format!(
        "Digest username=\"{user}\", realm=\"dialtone\", nonce=\"{nonce}\", uri=\"sip:example.com\", response=\"{}\", algorithm=MD5, cnonce=\"abc\", qop=auth, nc={nc:08x}",
        r.as_str()
    )
}

/// The nonce of a 401's first challenge.
fn nonce_of(r: &Reply) -> String {
    let m = r.msg();
    let c = m.challenges(false).next().unwrap().unwrap();
    c.nonce.unwrap().to_string()
}

/// Challenge, then answer; returns the final reply and the nonce used.
fn register_ok(
    reg: &mut Registrar,
    now: Instant,
    user: &str,
    pw: &str,
    call_id: &str,
    cseq: u32,
    headers: &str,
) -> (Reply, String) {
    let from = Peer::Udp(SRC.parse().unwrap());
    let r = send(reg, now, from, &request(user, call_id, cseq, headers, None)).unwrap();
    assert_eq!(r.code, 401, "{}", r.text);
    let nonce = nonce_of(&r);
    let auth = authorization(user, pw, &nonce, 1);
    let r = send(
        reg,
        now,
        from,
        &request(user, call_id, cseq + 1, headers, Some(auth)),
    )
    .unwrap();
    (r, nonce)
}

#[test]
fn binds_with_default_expiry_and_fills_rport_and_received() {
    let mut reg = registrar(Config::default());
    let (r, _) = register_ok(
        &mut reg,
        Instant::ZERO,
        "1001",
        "secret",
        "c1",
        1,
        "Contact: <sip:1001@10.0.0.5:5060>\r\n",
    );
    assert_eq!(r.code, 200);
    let m = r.msg();
    let c = m.contacts().next().unwrap().unwrap();
    assert_eq!(c.expires(), Some(Ok(3600)));
    let via = m.top_via().unwrap();
    assert_eq!(via.received(), Some("192.0.2.50"));
    assert_eq!(via.rport(), Ok(Some(Some(5060))));
    assert!(m.to().unwrap().tag().is_some());
    assert_eq!(reg.bindings("1001@example.com", Instant::ZERO).count(), 1);
    assert_eq!(reg.counters().accepted, 1);
    assert_eq!(reg.counters().challenges, 1);
}

#[test]
fn min_max_expires_and_q_values() {
    let mut reg = registrar(Config::default());
    let (r, _) = register_ok(
        &mut reg,
        Instant::ZERO,
        "1001",
        "secret",
        "c1",
        1,
        "Contact: <sip:1001@10.0.0.5>;expires=30\r\n",
    );
    assert_eq!(r.code, 423);
    assert_eq!(r.msg().min_expires(), Some(Ok(60)));
    assert_eq!(reg.counters().too_brief, 1);
    let (r, _) = register_ok(
        &mut reg,
        Instant::ZERO,
        "1001",
        "secret",
        "c1",
        10,
        "Contact: <sip:1001@10.0.0.5>;q=0.7, <sip:1001@10.0.0.6>;expires=100000;q=1\r\nExpires: 600\r\n",
    );
    assert_eq!(r.code, 200, "{}", r.text);
    let m = r.msg();
    let cs: Vec<_> = m.contacts().map(Result::unwrap).collect();
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[0].expires(), Some(Ok(600)));
    assert_eq!(cs[0].q(), Some(Ok(700)));
    assert_eq!(cs[1].expires(), Some(Ok(7200)), "clamped to max_expires");
    assert_eq!(cs[1].q(), Some(Ok(1000)));
    // Expired after 600 s, the other one stays.
    reg.handle_timeout(Instant::from_secs(601));
    assert_eq!(
        reg.bindings("1001@example.com", Instant::from_secs(601))
            .count(),
        1
    );
    assert_eq!(reg.counters().expired, 1);
}

#[test]
fn call_id_and_cseq_ordering() {
    let mut reg = registrar(Config::default());
    let contact = "Contact: <sip:1001@10.0.0.5>\r\n";
    let (r, _) = register_ok(&mut reg, Instant::ZERO, "1001", "secret", "c1", 10, contact);
    assert_eq!(r.code, 200);
    // Same Call-ID, lower CSeq: out of order -> 400.
    let (r, _) = register_ok(&mut reg, Instant::ZERO, "1001", "secret", "c1", 3, contact);
    assert_eq!(r.code, 400, "{}", r.text);
    // A different Call-ID may update the binding.
    let (r, _) = register_ok(&mut reg, Instant::ZERO, "1001", "secret", "c2", 1, contact);
    assert_eq!(r.code, 200);
    assert_eq!(
        reg.bindings("1001@example.com", Instant::ZERO)
            .next()
            .unwrap()
            .call_id,
        "c2"
    );
}

#[test]
fn star_removes_all_and_needs_expires_zero() {
    let mut reg = registrar(Config::default());
    register_ok(
        &mut reg,
        Instant::ZERO,
        "1001",
        "secret",
        "a",
        1,
        "Contact: <sip:1001@10.0.0.5>\r\n",
    );
    register_ok(
        &mut reg,
        Instant::ZERO,
        "1001",
        "secret",
        "b",
        1,
        "Contact: <sip:1001@10.0.0.6>\r\n",
    );
    assert_eq!(reg.bindings("1001@example.com", Instant::ZERO).count(), 2);
    let (r, _) = register_ok(
        &mut reg,
        Instant::ZERO,
        "1001",
        "secret",
        "c",
        1,
        "Contact: *\r\nExpires: 5\r\n",
    );
    assert_eq!(r.code, 400);
    let (r, _) = register_ok(
        &mut reg,
        Instant::ZERO,
        "1001",
        "secret",
        "c",
        5,
        "Contact: *\r\nExpires: 0\r\n",
    );
    assert_eq!(r.code, 200);
    assert_eq!(reg.bindings("1001@example.com", Instant::ZERO).count(), 0);
    assert_eq!(reg.aor_count(), 0);
}

#[test]
fn nonce_replay_and_expiry_get_stale_challenges() {
    let mut reg = registrar(Config::default());
    let from = Peer::Udp(SRC.parse().unwrap());
    let contact = "Contact: <sip:1001@10.0.0.5>\r\n";
    let (r, nonce) = register_ok(&mut reg, Instant::ZERO, "1001", "secret", "c1", 1, contact);
    assert_eq!(r.code, 200);
    // The same nc again is a replay.
    let replay = request(
        "1001",
        "c1",
        3,
        contact,
        Some(authorization("1001", "secret", &nonce, 1)),
    );
    let r = send(&mut reg, Instant::from_secs(1), from, &replay).unwrap();
    assert_eq!(r.code, 401);
    assert!(r.msg().challenges(false).next().unwrap().unwrap().stale);
    assert_eq!(reg.counters().replays, 1);
    // A higher nc with the same nonce is fine while the nonce is fresh.
    let next = request(
        "1001",
        "c1",
        4,
        contact,
        Some(authorization("1001", "secret", &nonce, 2)),
    );
    assert_eq!(
        send(&mut reg, Instant::from_secs(2), from, &next)
            .unwrap()
            .code,
        200
    );
    // After the nonce lifetime: stale=true.
    let late = request(
        "1001",
        "c1",
        5,
        contact,
        Some(authorization("1001", "secret", &nonce, 3)),
    );
    let r = send(&mut reg, Instant::from_secs(301), from, &late).unwrap();
    assert_eq!(r.code, 401);
    assert!(r.msg().challenges(false).next().unwrap().unwrap().stale);
    // A forged nonce gets a fresh (not stale) challenge.
    let forged = request(
        "1001",
        "c1",
        6,
        contact,
        Some(authorization(
            "1001",
            "secret",
            "00000000000000000000000000000000aaaaaaaaaaaaaaaa",
            1,
        )),
    );
    let r = send(&mut reg, Instant::from_secs(302), from, &forged).unwrap();
    assert_eq!(r.code, 401);
    assert!(!r.msg().challenges(false).next().unwrap().unwrap().stale);
}

#[test]
fn typed_forbidden_causes_and_404() {
    let mut reg = registrar(Config::default());
    let (r, _) = register_ok(
        &mut reg,
        Instant::ZERO,
        "1001",
        "wrong",
        "c1",
        1,
        "Contact: <sip:1001@h>\r\n",
    );
    assert_eq!(r.code, 403);
    assert_eq!(reg.counters().forbidden(ForbiddenCause::WrongPassword), 1);
    let from = Peer::Udp(SRC.parse().unwrap());
    let r = send(
        &mut reg,
        Instant::ZERO,
        from,
        &request("9999", "c", 1, "Contact: <sip:9999@h>\r\n", None),
    )
    .unwrap();
    assert_eq!(r.code, 404);
    // Credentials of 1002 for the AOR of 1001.
    let r = send(
        &mut reg,
        Instant::ZERO,
        from,
        &request("1001", "m", 1, "", None),
    )
    .unwrap();
    let nonce = nonce_of(&r);
    let r = send(
        &mut reg,
        Instant::ZERO,
        from,
        &request(
            "1001",
            "m",
            2,
            "",
            Some(authorization("1002", "pw2", &nonce, 1)),
        ),
    )
    .unwrap();
    assert_eq!(r.code, 403);
    assert_eq!(
        reg.counters().forbidden(ForbiddenCause::AuthUserMismatch),
        1
    );
    // Disabled account.
    reg.store_mut().get_mut("1002").unwrap().disabled = true;
    let (r, _) = register_ok(&mut reg, Instant::ZERO, "1002", "pw2", "d", 1, "");
    assert_eq!(r.code, 403);
    assert!(r.text.contains("account disabled"));
    assert_eq!(reg.counters().forbidden(ForbiddenCause::AccountDisabled), 1);
}

#[test]
fn blocked_account_can_be_dropped_silently() {
    let mut cfg = Config::default();
    cfg.abuse_silent = true;
    cfg.abuse_threshold = 2;
    let mut reg = registrar(cfg);
    let from = Peer::Udp(SRC.parse().unwrap());
    for i in 0..2 {
        assert!(send(
            &mut reg,
            Instant::ZERO,
            from,
            &request("1001", "x", i + 1, "", None)
        )
        .is_some());
    }
    assert!(send(
        &mut reg,
        Instant::ZERO,
        from,
        &request("1001", "x", 3, "", None)
    )
    .is_none());
    assert!(reg.is_blocked("1001", Instant::from_secs(599)));
    assert!(send(
        &mut reg,
        Instant::from_secs(601),
        from,
        &request("1001", "x", 4, "", None)
    )
    .is_some());
}

#[test]
fn answers_options_and_tcp_pings_and_reassembles_split_messages() {
    let mut reg = registrar(Config::default());
    let conn = Peer::Tcp(ConnId(3));
    reg.handle_conn_event(Instant::ZERO, ConnId(3), ConnEvent::Connected);
    let req = request(
        "1001",
        "t",
        1,
        "Contact: <sip:1001@h;transport=tcp>\r\n",
        None,
    );
    let (a, b) = req.as_bytes().split_at(37);
    reg.handle_input(Instant::ZERO, conn, b"\r\n\r\n").unwrap();
    reg.handle_input(Instant::ZERO, conn, a).unwrap();
    let mut buf = vec![0u8; 4096];
    let t = reg.poll_transmit(&mut buf).unwrap().unwrap();
    assert_eq!(&buf[..t.len], b"\r\n", "pong");
    assert!(reg.poll_transmit(&mut buf).unwrap().is_none());
    reg.handle_input(Instant::ZERO, conn, b).unwrap();
    let t = reg.poll_transmit(&mut buf).unwrap().unwrap();
    assert_eq!(t.to, conn);
    assert_eq!(Message::parse(&buf[..t.len]).unwrap().status(), Some(401));
    let opt = "OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKo\r\nFrom: <sip:1001@example.com>;tag=a\r\nTo: <sip:example.com>\r\nCall-ID: o\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    let r = send(
        &mut reg,
        Instant::ZERO,
        Peer::Udp(SRC.parse().unwrap()),
        opt,
    )
    .unwrap();
    assert_eq!(r.code, 200);
    // Responses are not requests.
    assert!(reg
        .handle_input(
            Instant::ZERO,
            Peer::Udp(SRC.parse().unwrap()),
            b"SIP/2.0 200 OK\r\n\r\n"
        )
        .is_err());
}

#[test]
fn scales_to_100k_aors() {
    let n = 100_000u32;
    let mut accounts = MemoryAccounts::new();
    for i in 0..n {
        accounts.insert(&format!("u{i}"), Account::new("pw"));
    }
    let mut reg = Registrar::new(Config::default(), accounts, Instant::ZERO, 1);
    reg.set_events(false);
    let mut buf = vec![0u8; 4096];
    // One nonce serves every account (nc grows per use).
    let from = Peer::Udp(SRC.parse::<SocketAddr>().unwrap());
    reg.handle_input(
        Instant::ZERO,
        from,
        request("u0", "n", 1, "", None).as_bytes(),
    )
    .unwrap();
    let t = reg.poll_transmit(&mut buf).unwrap().unwrap();
    let m = Message::parse(&buf[..t.len]).unwrap();
    let nonce = m
        .challenges(false)
        .next()
        .unwrap()
        .unwrap()
        .nonce
        .unwrap()
        .to_string();
    let start = std::time::Instant::now();
    for i in 0..n {
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
            nc: Some(i + 1),
            qop: Some(Qop::Auth),
        }
        .response()
        .unwrap();
        let auth = format!(
            "Digest username=\"{user}\", realm=\"dialtone\", nonce=\"{nonce}\", uri=\"sip:example.com\", response=\"{}\", algorithm=MD5, cnonce=\"c\", qop=auth, nc={:08x}",
            r.as_str(),
            i + 1
        );
        let req = request(
            &user,
            "scale",
            2,
            &format!("Contact: <sip:{user}@10.0.0.1>\r\n"),
            Some(auth),
        );
        reg.handle_input(
            Instant::from_millis(u64::from(i / 1000)),
            from,
            req.as_bytes(),
        )
        .unwrap();
        let t = reg.poll_transmit(&mut buf).unwrap().unwrap();
        debug_assert!(buf[..t.len].starts_with(b"SIP/2.0 200"));
    }
    let elapsed = start.elapsed();
    assert_eq!(reg.aor_count(), n as usize);
    assert_eq!(reg.counters().accepted, u64::from(n));
    eprintln!("100k authorised REGISTERs in {elapsed:?}");
    // Everything expires an hour later, in one sweep.
    reg.handle_timeout(Instant::from_secs(3700));
    assert_eq!(reg.aor_count(), 0);
}

#[test]
fn refreshes_do_not_grow_the_expiry_heap_and_expiry_still_fires() {
    let mut reg = registrar(Config::default());
    let contact = "Contact: <sip:1001@10.0.0.5:5060>\r\n";
    let (r, mut nonce) = register_ok(&mut reg, Instant::ZERO, "1001", "secret", "c1", 1, contact);
    assert_eq!(r.code, 200);
    let from = Peer::Udp(SRC.parse().unwrap());
    // 5,000 refreshes, one every 4 s (under the abuse limit of 20 a minute),
    // each leaving its earlier heap entry behind.
    let (mut now, mut nc, mut cseq) = (Instant::ZERO, 1u32, 2u32);
    for i in 0..5_000u64 {
        now = Instant::from_secs(4 * i + 1);
        nc += 1;
        cseq += 1;
        let auth = authorization("1001", "secret", &nonce, nc);
        let mut r = send(
            &mut reg,
            now,
            from,
            &request("1001", "c1", cseq, contact, Some(auth)),
        )
        .unwrap();
        if r.code == 401 {
            // The nonce aged out: answer the fresh challenge.
            nonce = nonce_of(&r);
            (nc, cseq) = (1, cseq + 1);
            let auth = authorization("1001", "secret", &nonce, nc);
            r = send(
                &mut reg,
                now,
                from,
                &request("1001", "c1", cseq, contact, Some(auth)),
            )
            .unwrap();
        }
        assert_eq!(r.code, 200, "{}", r.text);
        assert!(
            reg.expiry_entries() <= 2 + 64 + 1,
            "heap grew to {} entries for one binding",
            reg.expiry_entries()
        );
    }
    assert_eq!(reg.bindings("1001@example.com", now).count(), 1);
    // The binding still expires on time (default 3600 s after the last refresh).
    reg.handle_timeout(now + std::time::Duration::from_secs(3599));
    assert_eq!(reg.aor_count(), 1);
    reg.handle_timeout(now + std::time::Duration::from_secs(3601));
    assert_eq!(reg.aor_count(), 0);
}
