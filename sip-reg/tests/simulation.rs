//! Virtual-time simulations: our UserAgent against our Registrar, for every
//! failure the vendor note describes (`phone-boot.md` §5 AS-40..AS-48).

mod sim;

use std::time::Duration;

use dialtone_core::Instant;
use dialtone_sip_reg::registrar::{ForbiddenCause, Liveness};
use dialtone_sip_reg::ua::{self, FailureCause, KeepaliveMode, State};
use dialtone_sip_reg::Transport;
use sim::*;

const S: fn(u64) -> Duration = Duration::from_secs;

#[test]
fn registers_with_digest_and_reuses_call_id_and_tag() {
    let mut net = Net::new(ua_config(&[server(0)]), registrar_config(), 1);
    assert!(net.is_registered());
    let regs = net.registers();
    assert_eq!(regs.len(), 2, "challenge + authorised REGISTER");
    assert!(!regs[0].has_auth() && regs[1].has_auth());
    let m0 = dialtone_sip_reg::wire::Message::parse(regs[0].text.as_bytes()).unwrap();
    let m1 = dialtone_sip_reg::wire::Message::parse(regs[1].text.as_bytes()).unwrap();
    assert_eq!(m0.call_id(), m1.call_id());
    assert_eq!(m0.from().unwrap().tag(), m1.from().unwrap().tag());
    assert_eq!(m1.cseq().unwrap().seq, m0.cseq().unwrap().seq + 1);
    assert_ne!(
        m0.top_via().unwrap().branch(),
        m1.top_via().unwrap().branch()
    );
    assert_eq!(m0.top_via().unwrap().rport(), Ok(Some(None)));
    assert_eq!(m1.request_uri(), Some("sip:example.com"));
    assert_eq!(
        net.bindings(0),
        vec!["sip:1001@192.168.15.217:5062".to_string()]
    );
    assert!(net.ua_events.iter().any(|(_, e)| *e
        == ua::Event::Registered {
            server: server(0),
            expires: S(3600)
        }));
    // Refresh at 85 % of 3600 s = 3060 s, same Call-ID, CSeq grows.
    net.advance(S(3059));
    assert_eq!(net.registers().len(), 2);
    net.advance(S(2));
    let regs = net.registers();
    assert!(regs.len() >= 3);
    assert_eq!(regs[2].at, Instant::from_secs(3060));
    let m2 = dialtone_sip_reg::wire::Message::parse(regs[2].text.as_bytes()).unwrap();
    assert_eq!(m2.call_id(), m1.call_id());
    assert!(m2.cseq().unwrap().seq > m1.cseq().unwrap().seq);
    assert!(net.is_registered());
    // A day of refreshes keeps the binding and never trips abuse protection.
    net.advance(S(86_400));
    assert!(net.is_registered());
    assert_eq!(net.bindings(0).len(), 1);
    assert_eq!(net.srvs[0].reg.counters().blocks, 0);
}

#[test]
fn as40_silent_server_backs_off_from_random_ports() {
    let mut cfg = ua_config(&[server(0)]);
    cfg.random_port = Some((50000, 60000));
    let mut net = Net::new(cfg, registrar_config(), 1);
    net.srvs[0].down = true;
    // Restart with the server silent from the start.
    let cfg = net.ua.config().clone();
    net.sent.clear();
    net.ua.reconfigure(net.now, cfg).unwrap();
    net.advance(S(33));
    let times: Vec<u64> = net.registers().iter().map(|s| s.at.as_millis()).collect();
    assert_eq!(
        times,
        [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
    );
    assert_eq!(
        net.failures(),
        vec![(Instant::from_secs(32), FailureCause::Timeout)]
    );
    assert!(matches!(
        net.ua.state(),
        State::BackingOff(FailureCause::Timeout)
    ));
    assert!((50000..=60000).contains(&net.ua_port));
    // Next attempts: 30-60 s, then 60-120 s, ... never more than 1800 s apart.
    net.advance(S(6 * 3600));
    let starts: Vec<(Instant, u16)> = net
        .registers()
        .windows(2)
        .filter(|w| w[1].at.saturating_since(w[0].at) > S(5))
        .map(|w| (w[1].at, w[1].local_port))
        .collect();
    let fails = net.failures();
    assert!(starts.len() >= 6);
    for (i, (start, port)) in starts.iter().enumerate() {
        let gap = start.saturating_since(fails[i].0);
        let upper = S(30 << (i + 1).min(6)).min(S(1800));
        if i < 3 {
            assert!(
                gap >= upper / 2 && gap <= upper,
                "gap {i} = {gap:?}, upper {upper:?}"
            );
        }
        assert!(gap <= S(1800));
        assert!((50000..=60000).contains(port));
    }
    // At most 6 initial REGISTERs in any 10 minutes.
    for s in &starts {
        let n = starts
            .iter()
            .filter(|t| t.0 >= s.0 && t.0 < s.0 + S(600))
            .count();
        assert!(n <= 6);
    }
    // The server comes back: the phone registers at its next attempt.
    net.srvs[0].down = false;
    net.advance(S(1900));
    assert!(net.is_registered());
}

#[test]
fn as41_stale_nat_mapping_recovers_from_a_new_port() {
    let mut cfg = ua_config(&[server(0)]);
    cfg.random_port = Some((50000, 60000));
    cfg.keepalive = KeepaliveMode::None;
    let mut net = Net::new(cfg.clone(), registrar_config(), 1);
    net.nat = true;
    net.ua.reconfigure(net.now, cfg).unwrap();
    net.pump();
    assert!(net.is_registered());
    let port_before = net.ua_port;
    // The router gets a new public address but keeps the phone's old mapping.
    net.stale_ports.insert(net.ua_port);
    net.public_ip = NEW_PUBLIC_IP;
    net.advance(S(3060 + 33));
    assert!(net
        .failures()
        .iter()
        .any(|(_, c)| *c == FailureCause::Timeout));
    assert_ne!(net.ua_port, port_before);
    net.advance(S(61));
    assert!(net.is_registered(), "re-registered from the new port");
    let last = net.registers().last().unwrap().local_port;
    assert_ne!(last, port_before);
    // The REGISTER from the new port also removed the old Contact.
    assert!(net
        .registers()
        .iter()
        .any(|s| s.text.contains(&format!(":{port_before}>;expires=0"))));
    assert_eq!(net.bindings(0).len(), 1);
}

#[test]
fn received_detection_rewrites_contact_behind_nat() {
    let mut cfg = ua_config(&[server(0)]);
    cfg.received_detection = true;
    let mut net = Net::new(cfg.clone(), registrar_config(), 1);
    net.nat = true;
    net.ua.reconfigure(net.now, cfg).unwrap();
    net.pump();
    assert!(net.is_registered());
    assert!(net
        .ua_events
        .iter()
        .any(|(_, e)| matches!(e, ua::Event::PublicAddress { addr } if addr.ip() == PUBLIC_IP)));
    let b = net.bindings(0);
    assert_eq!(b.len(), 1, "private contact removed: {b:?}");
    assert!(b[0].contains("203.0.113.7"), "{b:?}");
}

#[test]
fn as42_forbidden_is_not_hammered_and_config_change_retries_at_once() {
    let mut net = Net::new(ua_config(&[server(0)]), registrar_config(), 1);
    net.srvs[0]
        .reg
        .store_mut()
        .get_mut("1001")
        .unwrap()
        .disabled = true;
    let cfg = net.ua.config().clone();
    net.sent.clear();
    net.ua.reconfigure(net.now, cfg.clone()).unwrap();
    net.advance(S(7200));
    let initial: Vec<Instant> = net
        .registers()
        .iter()
        .filter(|s| !s.has_auth())
        .map(|s| s.at)
        .collect();
    assert!(initial.len() <= 7, "{initial:?}");
    for w in initial.windows(2) {
        assert!(w[1].saturating_since(w[0]) >= S(1200));
    }
    assert!(matches!(
        net.ua.state(),
        State::BackingOff(FailureCause::Forbidden)
    ));
    assert_eq!(net.srvs[0].reg.counters().blocks, 0);
    assert!(
        net.srvs[0]
            .reg
            .counters()
            .forbidden(ForbiddenCause::AccountDisabled)
            >= 6
    );
    // The admin enables the account and the user re-saves the settings.
    net.srvs[0]
        .reg
        .store_mut()
        .get_mut("1001")
        .unwrap()
        .disabled = false;
    net.ua.reconfigure(net.now, cfg).unwrap();
    net.pump();
    assert!(net.is_registered());
}

#[test]
fn wrong_password_fails_auth_once_per_1200_s() {
    let mut cfg = ua_config(&[server(0)]);
    cfg.password = "wrong".to_string();
    let mut net = Net::new(cfg, registrar_config(), 1);
    assert!(matches!(
        net.ua.state(),
        State::BackingOff(FailureCause::Forbidden)
    ));
    net.advance(S(3600));
    assert!(net.registers().len() <= 8);
    assert_eq!(net.srvs[0].reg.counters().blocks, 0);
    // A registrar that re-challenges instead: the UA gives up (AuthFailed).
    let mut rc = registrar_config();
    rc.wrong_password = dialtone_sip_reg::registrar::WrongPassword::Rechallenge;
    let mut cfg = ua_config(&[server(0)]);
    cfg.password = "wrong".to_string();
    let net = Net::new(cfg, rc, 1);
    assert!(matches!(
        net.ua.state(),
        State::BackingOff(FailureCause::AuthFailed)
    ));
    assert_eq!(net.registers().len(), 2);
}

#[test]
fn as43_registrar_blacklists_a_flooding_account() {
    let mut net = Net::new(ua_config(&[server(0)]), registrar_config(), 1);
    let src = dialtone_sip_reg::Peer::Udp("192.0.2.50:5060".parse().unwrap());
    let mut buf = vec![0u8; 4096];
    let mut codes = Vec::new();
    for i in 0..21u32 {
        let req = format!(
            "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.50:5060;branch=z9hG4bKf{i}\r\n\
From: <sip:1002@example.com>;tag=x\r\nTo: <sip:1002@example.com>\r\nCall-ID: flood\r\n\
CSeq: {} REGISTER\r\nContact: <sip:1002@192.0.2.50>\r\nContent-Length: 0\r\n\r\n",
            i + 1
        );
        let reg = &mut net.srvs[0].reg;
        reg.handle_input(Instant::from_secs(u64::from(i)), src, req.as_bytes())
            .unwrap();
        let t = reg.poll_transmit(&mut buf).unwrap().unwrap();
        let m = dialtone_sip_reg::wire::Message::parse(&buf[..t.len]).unwrap();
        codes.push((m.status().unwrap(), m.retry_after().and_then(Result::ok)));
    }
    assert!(codes[..20].iter().all(|c| c.0 == 401));
    assert_eq!(codes[20], (403, Some(600)));
    let reg = &net.srvs[0].reg;
    assert!(reg.is_blocked("1002", Instant::from_secs(300)));
    assert_eq!(reg.counters().blocks, 1);
    assert_eq!(reg.counters().forbidden(ForbiddenCause::Blacklisted), 1);
    // Other accounts are untouched; 1002 is free again after 600 s.
    assert!(!reg.is_blocked("1001", Instant::from_secs(30)));
    assert!(!reg.is_blocked("1002", Instant::from_secs(621)));
}

#[test]
fn ua_blocked_by_registrar_waits_and_registers_after_the_block() {
    let mut rc = registrar_config();
    rc.abuse_threshold = 1; // a hostile registrar: blocks at the 2nd REGISTER
    let mut net = Net::new(ua_config(&[server(0)]), rc, 1);
    assert!(matches!(
        net.ua.state(),
        State::BackingOff(FailureCause::Forbidden)
    ));
    net.advance(S(1201));
    assert!(net.is_registered() || matches!(net.ua.state(), State::BackingOff(_)));
    // Each attempt costs 2 REGISTERs; never more than 2 in a 60 s window.
    let regs = net.registers();
    for r in &regs {
        let n = regs
            .iter()
            .filter(|s| s.at >= r.at && s.at < r.at + S(60))
            .count();
        assert!(n <= 2);
    }
}

#[test]
fn as44_mac_binding_and_user_agent_policy() {
    let mut net = Net::new(ua_config(&[server(0)]), registrar_config(), 1);
    {
        let acc = net.srvs[0].reg.store_mut().get_mut("1001").unwrap();
        acc.mac = Some([0x00, 0x1e, 0x7a, 0xc4, 0xd2, 0x99]);
        acc.required_user_agent = Some("huawei".to_string());
    }
    let cfg = net.ua.config().clone();
    net.ua.reconfigure(net.now, cfg.clone()).unwrap();
    net.pump();
    let c = net.srvs[0].reg.counters();
    assert_eq!(c.forbidden(ForbiddenCause::MacMismatch), 1);
    // Right MAC, default User-Agent.
    net.srvs[0].reg.store_mut().get_mut("1001").unwrap().mac =
        Some([0x00, 0x1e, 0x7a, 0xc4, 0xd2, 0x31]);
    net.ua.reconfigure(net.now, cfg.clone()).unwrap();
    net.pump();
    assert_eq!(
        net.srvs[0]
            .reg
            .counters()
            .forbidden(ForbiddenCause::UserAgentRejected),
        1
    );
    assert!(matches!(
        net.ua.state(),
        State::BackingOff(FailureCause::Forbidden)
    ));
    let mut fixed = cfg;
    fixed.user_agent = "huawei".to_string();
    net.ua.reconfigure(net.now, fixed).unwrap();
    net.pump();
    assert!(net.is_registered());
}

#[test]
fn as45_tcp_only_account_and_tcp_only_server() {
    let mut net = Net::new(ua_config(&[server(0)]), registrar_config(), 1);
    net.srvs[0]
        .reg
        .store_mut()
        .get_mut("1001")
        .unwrap()
        .tcp_only = true;
    let cfg = net.ua.config().clone();
    net.ua.reconfigure(net.now, cfg.clone()).unwrap();
    net.pump();
    assert_eq!(
        net.srvs[0]
            .reg
            .counters()
            .forbidden(ForbiddenCause::TransportNotAllowed),
        1
    );
    assert!(matches!(
        net.ua.state(),
        State::BackingOff(FailureCause::Forbidden)
    ));
    let mut tcp = cfg.clone();
    tcp.transport = Transport::Tcp;
    net.ua.reconfigure(net.now, tcp.clone()).unwrap();
    net.pump();
    assert!(net.is_registered());
    assert!(net
        .bindings(0)
        .iter()
        .any(|b| b.ends_with(";transport=tcp")));
    // A server that does not listen on UDP at all: UDP times out.
    let mut net = Net::new(ua_config(&[server(0)]), registrar_config(), 1);
    net.srvs[0].udp = false;
    net.ua.reconfigure(net.now, cfg).unwrap();
    net.advance(S(33));
    assert!(matches!(
        net.ua.state(),
        State::BackingOff(FailureCause::Timeout)
    ));
    net.ua.reconfigure(net.now, tcp).unwrap();
    net.pump();
    assert!(net.is_registered());
}

#[test]
fn as46_options_keepalive_keeps_binding_crlf_loses_it() {
    let mut rc = registrar_config();
    rc.liveness = Liveness::OptionsRequired(S(45));
    let mut cfg = ua_config(&[server(0)]);
    cfg.keepalive = KeepaliveMode::Crlf;
    let mut net = Net::new(cfg.clone(), rc.clone(), 1);
    net.advance(S(7200));
    let c = net.srvs[0].reg.counters();
    assert!(
        c.liveness_expiries >= 2,
        "binding flaps with CRLF keep-alives"
    );
    // With OPTIONS every 15 s, the binding stays for two hours.
    cfg.keepalive = KeepaliveMode::Options;
    let mut net = Net::new(cfg, rc, 1);
    for _ in 0..240 {
        net.advance(S(30));
        assert_eq!(net.bindings(0).len(), 1, "at {:?}", net.now);
    }
    assert_eq!(net.srvs[0].reg.counters().liveness_expiries, 0);
    assert!(net.srvs[0].reg.counters().options >= 400);
}

#[test]
fn inbound_options_is_answered_in_every_mode() {
    let net_modes = [
        KeepaliveMode::None,
        KeepaliveMode::Crlf,
        KeepaliveMode::Options,
    ];
    for mode in net_modes {
        let mut cfg = ua_config(&[server(0)]);
        cfg.keepalive = mode;
        let mut net = Net::new(cfg, registrar_config(), 1);
        let req = b"OPTIONS sip:1001@192.168.15.217:5062 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.10;branch=z9hG4bKq\r\n\
From: <sip:reg@example.com>;tag=a\r\nTo: <sip:1001@example.com>\r\nCall-ID: q1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        net.ua
            .handle_input(net.now, dialtone_sip_reg::Peer::Udp(server(0)), req)
            .unwrap();
        let mut buf = [0u8; 2048];
        let t = net.ua.poll_transmit(&mut buf).unwrap().unwrap();
        let m = dialtone_sip_reg::wire::Message::parse(&buf[..t.len]).unwrap();
        assert_eq!(m.status(), Some(200));
        assert_eq!(m.call_id(), Ok("q1"));
        assert!(m.to().unwrap().tag().is_some());
    }
}

#[test]
fn as47_removes_previous_registration_first() {
    let mut cfg = ua_config(&[server(0)]);
    cfg.previous_contact = Some("sip:1001@192.168.15.217:53196".to_string());
    let net = Net::new(cfg, registrar_config(), 1);
    let regs = net.registers();
    assert_eq!(regs[0].expires(), Some(0));
    assert!(regs[0]
        .text
        .contains("<sip:1001@192.168.15.217:53196>;expires=0"));
    let first_new = regs.iter().find(|s| s.expires() == Some(3600)).unwrap();
    assert!(first_new.at >= regs[0].at);
    assert!(net.is_registered());
    assert_eq!(net.bindings(0).len(), 1);
}

#[test]
fn as48_prefer_primary_returns_and_unregisters_secondary() {
    for prefer in [true, false] {
        let mut cfg = ua_config(&[server(0), server(1)]);
        cfg.prefer_primary = prefer;
        let mut net = Net::new(cfg.clone(), registrar_config(), 2);
        net.srvs[0].down = true;
        net.ua.reconfigure(net.now, cfg).unwrap();
        net.advance(S(33));
        assert_eq!(net.ua.registered_with(), Some(server(1)));
        assert!(net.ua_events.iter().any(|(_, e)| *e
            == ua::Event::FailedOver {
                from: server(0),
                to: server(1)
            }));
        net.srvs[0].down = false;
        net.advance(S(61));
        if prefer {
            assert_eq!(net.ua.registered_with(), Some(server(0)));
            assert_eq!(net.bindings(0).len(), 1);
            assert_eq!(net.bindings(1).len(), 0, "secondary binding removed");
        } else {
            assert_eq!(net.ua.registered_with(), Some(server(1)));
        }
    }
}

#[test]
fn interval_too_brief_is_retried_with_min_expires() {
    let mut rc = registrar_config();
    rc.min_expires = 600;
    let mut cfg = ua_config(&[server(0)]);
    cfg.expires = S(300);
    let net = Net::new(cfg, rc, 1);
    assert!(net.is_registered());
    assert!(net.ua_events.iter().any(|(_, e)| *e
        == ua::Event::Registered {
            server: server(0),
            expires: S(600)
        }));
    // A registrar whose Min-Expires is not above the request: TooBrief.
    let mut cfg = ua_config(&[server(0)]);
    cfg.expires = S(30);
    let mut rc = registrar_config();
    rc.min_expires = 60;
    let net = Net::new(cfg, rc, 1);
    assert!(net.is_registered());
}

#[test]
fn stale_nonce_on_refresh_is_answered_without_failing() {
    let mut rc = registrar_config();
    rc.nonce_lifetime = S(30);
    let mut cfg = ua_config(&[server(0)]);
    cfg.expires = S(120);
    let mut rc2 = rc.clone();
    rc2.min_expires = 60;
    let mut net = Net::new(cfg, rc2, 1);
    net.advance(S(600));
    assert!(net.is_registered());
    assert!(net.failures().is_empty(), "{:?}", net.failures());
    assert!(net.srvs[0].reg.counters().stale >= 1);
}

#[test]
fn tcp_reconnects_at_once_when_the_registrar_restarts() {
    let mut cfg = ua_config(&[server(0)]);
    cfg.transport = Transport::Tcp;
    let mut net = Net::new(cfg, registrar_config(), 1);
    assert!(net.is_registered());
    let before = net.registers().len();
    net.advance(S(100));
    // The registrar closes the connection (restart).
    let conn = *net.conns.keys().next().unwrap();
    net.conns.remove(&conn);
    net.ua
        .handle_conn_event(net.now, conn, dialtone_sip_reg::ConnEvent::Closed);
    net.pump();
    assert!(net.is_registered());
    assert!(net.registers().len() > before);
    assert!(net.registers().last().unwrap().at == net.now);
    // CRLF keep-alives are answered (pong), the flow stays up.
    net.advance(S(600));
    assert!(net.is_registered());
    assert!(net.sent.iter().any(|s| s.text == "\r\n\r\n"));
}

#[test]
fn tcp_pong_timeout_is_a_failed_flow() {
    let mut cfg = ua_config(&[server(0)]);
    cfg.transport = Transport::Tcp;
    let mut net = Net::new(cfg, registrar_config(), 1);
    assert!(net.is_registered());
    net.srvs[0].down = true; // silent, connection stays open
    net.advance(S(15 + 10 + 1));
    assert!(!net.is_registered());
    net.srvs[0].down = false;
    net.advance(S(120));
    assert!(net.is_registered());
}

#[test]
fn unregister_with_star_removes_every_binding() {
    let mut cfg = ua_config(&[server(0)]);
    cfg.remove_all_bindings = true;
    let mut net = Net::new(cfg, registrar_config(), 1);
    assert_eq!(net.bindings(0).len(), 1);
    net.ua.unregister(net.now);
    net.pump();
    assert_eq!(net.ua.state(), State::Disabled);
    assert!(net
        .ua_events
        .iter()
        .any(|(_, e)| *e == ua::Event::Unregistered));
    assert_eq!(net.bindings(0).len(), 0);
    assert!(net
        .registers()
        .iter()
        .any(|s| s.text.contains("\r\nContact: *\r\n")));
    // Plain unregister (Expires: 0 on our contact).
    let mut net = Net::new(ua_config(&[server(0)]), registrar_config(), 1);
    net.ua.unregister(net.now);
    net.pump();
    assert_eq!(net.bindings(0).len(), 0);
    assert_eq!(net.ua.poll_timeout(), None);
}

#[test]
fn server_error_with_retry_after_fails_over_then_waits() {
    // Registrar 0 is silent, registrar 1 answers 503 (simulated by a
    // TCP-only server over UDP = silence), so the UA backs off.
    let cfg = ua_config(&[server(0), server(1)]);
    let mut net = Net::new(cfg.clone(), registrar_config(), 2);
    net.srvs[0].down = true;
    net.srvs[1].down = true;
    net.ua.reconfigure(net.now, cfg).unwrap();
    net.advance(S(65));
    let f = net.failures();
    assert!(f.len() >= 2);
    assert!(matches!(
        net.ua.state(),
        State::BackingOff(FailureCause::Timeout)
    ));
    // Exactly 6 initial attempts per 10 minutes at most, over a long outage.
    net.advance(S(3 * 3600));
    let regs = net.registers();
    let initial: Vec<_> = regs
        .windows(2)
        .filter(|w| w[1].at.saturating_since(w[0].at) > S(5))
        .map(|w| w[1].at)
        .collect();
    for s in &initial {
        assert!(
            initial
                .iter()
                .filter(|t| **t >= *s && **t < *s + S(600))
                .count()
                <= 6
        );
    }
}
