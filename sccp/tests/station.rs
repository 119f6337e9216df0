//! Station transcripts against hand-written CallManager messages
//! (`phone-boot.md` §1.5 rows 42–80, §1.7.6–§1.7.9).

use std::net::SocketAddr;
use std::time::Duration;

use dialtone_core::{ConnId, Instant};
use dialtone_sccp::station::{self, Config, ConnEvent, Event, LostCause, State, Station};
use dialtone_sccp::types::{Fixed, RegisterAck, RegisterReject, Reset, Word};
use dialtone_sccp::{id, Message, RejectReason, ResetType};

fn cms() -> Vec<SocketAddr> {
    vec![
        SocketAddr::from(([10, 0, 0, 1], 2000)),
        SocketAddr::from(([10, 0, 0, 2], 2000)),
    ]
}

fn enc(m: &Message<'_>) -> Vec<u8> {
    let mut v = vec![0; m.buffer_len()];
    m.emit(&mut v).unwrap();
    v
}

fn ack(ka: u32) -> Vec<u8> {
    let a = RegisterAck::new(ka, "M/D/YA", 60, 20, 0).unwrap();
    enc(&Message::RegisterAck(Fixed::new(&a)))
}

struct Out {
    tx: Vec<(ConnId, u32, u32)>,
    ev: Vec<Event>,
}

fn drain(s: &mut Station) -> Out {
    let mut buf = [0u8; 1024];
    let mut tx = Vec::new();
    while let Some(t) = s.poll_transmit(&mut buf).unwrap() {
        let (hv, m) = Message::decode(&buf[..t.len]).unwrap();
        tx.push((t.to, m.id(), hv));
    }
    let mut ev = Vec::new();
    while let Some(e) = s.poll_event() {
        ev.push(e);
    }
    Out { tx, ev }
}

fn conn_of(ev: &[Event], cm: usize) -> ConnId {
    ev.iter()
        .find_map(|e| match e {
            Event::Connect { conn, cm: c, .. } if *c == cm => Some(*conn),
            _ => None,
        })
        .expect("connect")
}

/// Registered on member 0 with a standby to member 1; returns (active, standby).
fn registered(s: &mut Station, now: Instant) -> (ConnId, ConnId) {
    let o = drain(s);
    let c0 = conn_of(&o.ev, 0);
    s.handle_conn_event(now, c0, ConnEvent::Connected);
    let o = drain(s);
    assert_eq!(o.tx, [(c0, id::REGISTER, 0)]);
    s.handle_input(now, c0, &ack(30)).unwrap();
    let o = drain(s);
    let c1 = conn_of(&o.ev, 1);
    s.handle_conn_event(now, c1, ConnEvent::Connected);
    drain(s);
    (c0, c1)
}

fn station() -> Station {
    Station::new(
        Config::new([0, 0x1e, 0x7a, 0xc4, 0xd2, 0x31], cms()),
        Instant::ZERO,
        1,
    )
}

#[test]
fn registration_dialogue_runs_in_the_documented_order() {
    let mut s = station();
    let o = drain(&mut s);
    let c0 = conn_of(&o.ev, 0);
    assert_eq!(s.state(), State::Connecting { cm: 0 });
    s.handle_conn_event(Instant::ZERO, c0, ConnEvent::Connected);
    assert_eq!(drain(&mut s).tx, [(c0, id::REGISTER, 0)]);
    s.handle_input(Instant::ZERO, c0, &ack(30)).unwrap();
    let o = drain(&mut s);
    let ids: Vec<u32> = o.tx.iter().map(|t| t.1).collect();
    assert_eq!(
        ids,
        [
            id::BUTTON_TEMPLATE_REQ,
            id::SOFT_KEY_TEMPLATE_REQ,
            id::SOFT_KEY_SET_REQ,
            id::CONFIG_STAT_REQ,
            id::LINE_STAT_REQ,
            id::REGISTER_AVAILABLE_LINES,
            id::TIME_DATE_REQ
        ]
    );
    assert!(matches!(
        o.ev[0],
        Event::Registered {
            cm: 0,
            protocol_version: 11,
            ..
        }
    ));
    // CapabilitiesReq is answered whenever it comes.
    s.handle_input(
        Instant::ZERO,
        c0,
        &enc(&Message::CapabilitiesReq(Fixed::EMPTY)),
    )
    .unwrap();
    assert_eq!(drain(&mut s).tx[0].1, id::CAPABILITIES_RES);
}

#[test]
fn keepalives_follow_the_ack_interval_and_standby_uses_header_version_0() {
    let mut cfg = Config::new([0, 0x1e, 0x7a, 0xc4, 0xd2, 0x31], cms());
    cfg.protocol_version = 20;
    let mut s = Station::new(cfg, Instant::ZERO, 1);
    let (c0, c1) = registered(&mut s, Instant::ZERO);
    // Standby got its first keepalive at connect (header version 0).
    s.handle_timeout(Instant::from_secs(29));
    assert!(drain(&mut s).tx.is_empty());
    s.handle_timeout(Instant::from_secs(30));
    let o = drain(&mut s);
    assert_eq!(o.tx, [(c0, id::KEEP_ALIVE, 0x14)]);
    s.handle_input(
        Instant::from_secs(30),
        c0,
        &enc(&Message::KeepAliveAck(Fixed::EMPTY)),
    )
    .unwrap();
    s.handle_timeout(Instant::from_secs(60));
    let o = drain(&mut s);
    assert!(o.tx.contains(&(c0, id::KEEP_ALIVE, 0x14)));
    assert!(o.tx.contains(&(c1, id::KEEP_ALIVE, 0)), "{:?}", o.tx);
    assert_eq!(s.keepalive_interval(), Duration::from_secs(30));
}

#[test]
fn keepalive_below_minimum_is_raised_and_zero_means_default() {
    let mut s = station();
    let o = drain(&mut s);
    let c0 = conn_of(&o.ev, 0);
    s.handle_conn_event(Instant::ZERO, c0, ConnEvent::Connected);
    s.handle_input(Instant::ZERO, c0, &ack(3)).unwrap();
    assert_eq!(s.keepalive_interval(), station::KEEPALIVE_MIN);
    let mut s = station();
    let o = drain(&mut s);
    let c0 = conn_of(&o.ev, 0);
    s.handle_conn_event(Instant::ZERO, c0, ConnEvent::Connected);
    s.handle_input(Instant::ZERO, c0, &ack(0)).unwrap();
    assert_eq!(s.keepalive_interval(), station::KEEPALIVE_DEFAULT);
}

#[test]
fn three_missed_acks_fail_over_to_the_standby_at_once() {
    let mut s = station();
    let (c0, c1) = registered(&mut s, Instant::ZERO);
    for t in [30, 60, 90] {
        assert_eq!(s.active_cm(), Some(0), "at {t}");
        s.handle_timeout(Instant::from_secs(t));
        drain(&mut s);
        // The standby answers its keepalives.
        s.handle_input(
            Instant::from_secs(t),
            c1,
            &enc(&Message::KeepAliveAck(Fixed::EMPTY)),
        )
        .unwrap();
    }
    s.handle_timeout(Instant::from_secs(120));
    let o = drain(&mut s);
    assert!(o.ev.contains(&Event::Lost {
        cm: 0,
        cause: LostCause::KeepAliveTimeout
    }));
    assert!(o.tx.contains(&(c1, id::REGISTER, 0)));
    // The bad member's connection stays open (AS-27).
    assert!(!o.ev.contains(&Event::Close { conn: c0 }));
    s.handle_input(Instant::from_secs(120), c1, &ack(30))
        .unwrap();
    let o = drain(&mut s);
    assert!(o.ev.contains(&Event::FailedOver { from: 0, to: 1 }));
    assert_eq!(s.active_cm(), Some(1));
}

#[test]
fn closed_active_connection_registers_on_the_standby_in_the_same_step() {
    let mut s = station();
    let (c0, c1) = registered(&mut s, Instant::ZERO);
    s.handle_conn_event(Instant::from_secs(5), c0, ConnEvent::Closed);
    let o = drain(&mut s);
    assert_eq!(o.tx, [(c1, id::REGISTER, 0)]);
    assert_eq!(s.state(), State::Registering { cm: 1 });
}

#[test]
fn garbage_from_the_active_closes_it_and_fails_over() {
    let mut s = station();
    let (c0, c1) = registered(&mut s, Instant::ZERO);
    let err = s
        .handle_input(Instant::from_secs(1), c0, &[2, 0, 0, 0, 1, 2, 3, 4])
        .unwrap_err();
    assert!(matches!(err, station::InputError::Stream(_)));
    let o = drain(&mut s);
    assert!(o.ev.contains(&Event::Close { conn: c0 }));
    assert!(o.ev.contains(&Event::Lost {
        cm: 0,
        cause: LostCause::PeerGarbage
    }));
    assert_eq!(o.tx, [(c1, id::REGISTER, 0)]);
    // A truncated RegisterAck body is a decode error too.
    let mut s = station();
    let o = drain(&mut s);
    let c0 = conn_of(&o.ev, 0);
    s.handle_conn_event(Instant::ZERO, c0, ConnEvent::Connected);
    let bad = [8u8, 0, 0, 0, 0, 0, 0, 0, 0x81, 0, 0, 0, 1, 0, 0, 0];
    assert!(matches!(
        s.handle_input(Instant::ZERO, c0, &bad),
        Err(station::InputError::Decode(_))
    ));
    assert_eq!(s.state(), State::Connecting { cm: 1 });
}

#[test]
fn reject_surfaces_a_typed_reason_and_version_error_is_sticky() {
    let mut s = station();
    let o = drain(&mut s);
    let c0 = conn_of(&o.ev, 0);
    s.handle_conn_event(Instant::ZERO, c0, ConnEvent::Connected);
    let r = RegisterReject::new("Device Unknown").unwrap();
    s.handle_input(
        Instant::ZERO,
        c0,
        &enc(&Message::RegisterReject(Fixed::new(&r))),
    )
    .unwrap();
    let o = drain(&mut s);
    assert!(o.ev.iter().any(|e| matches!(e, Event::Rejected { cm: 0, reason: Some(RejectReason::NoEntryInDatabase), text } if text.as_str() == Ok("Device Unknown"))));
    assert!(o.ev.contains(&Event::Close { conn: c0 }));
    assert_eq!(s.state(), State::Rejected);

    let mut s = station();
    let o = drain(&mut s);
    let c0 = conn_of(&o.ev, 0);
    s.handle_conn_event(Instant::ZERO, c0, ConnEvent::Connected);
    let r = RegisterReject::new("Version Error").unwrap();
    s.handle_input(
        Instant::ZERO,
        c0,
        &enc(&Message::RegisterReject(Fixed::new(&r))),
    )
    .unwrap();
    let o = drain(&mut s);
    assert!(o.ev.contains(&Event::VersionError { cm: 0 }));
    s.handle_timeout(Instant::from_secs(10_000));
    assert_eq!(s.state(), State::VersionError);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn reset_from_the_callmanager_closes_everything() {
    let mut s = station();
    let (c0, c1) = registered(&mut s, Instant::ZERO);
    let r = Reset::new(ResetType::Restart);
    s.handle_input(
        Instant::from_secs(1),
        c0,
        &enc(&Message::Reset(Fixed::new(&r))),
    )
    .unwrap();
    let o = drain(&mut s);
    assert!(o.ev.contains(&Event::Close { conn: c0 }));
    assert!(o.ev.contains(&Event::Close { conn: c1 }));
    assert!(o.ev.contains(&Event::ResetRequested {
        cm: 0,
        kind: ResetType::Restart
    }));
    assert_eq!(s.state(), State::Stopped);
    assert_eq!(s.open_connections(), 0);
}

#[test]
fn user_unregister_sends_unregister_closes_standby_then_waits_for_the_ack() {
    let mut s = station();
    let (c0, c1) = registered(&mut s, Instant::ZERO);
    s.unregister(Instant::from_secs(1));
    let o = drain(&mut s);
    assert_eq!(o.tx, [(c0, id::UNREGISTER, 0)]);
    assert!(o.ev.contains(&Event::Close { conn: c1 }));
    let w = Word::new(0);
    s.handle_input(
        Instant::from_secs(1),
        c0,
        &enc(&Message::UnregisterAck(Fixed::new(&w))),
    )
    .unwrap();
    let o = drain(&mut s);
    assert!(o.ev.contains(&Event::Close { conn: c0 }));
    assert!(o.ev.contains(&Event::Unregistered { cm: 0 }));
    assert_eq!(s.state(), State::Stopped);
    // Without an ack, T_UNREG ends it.
    let mut s = station();
    registered(&mut s, Instant::ZERO);
    s.unregister(Instant::from_secs(1));
    drain(&mut s);
    s.handle_timeout(Instant::from_secs(1) + station::UNREGISTER_TIMEOUT_DEFAULT);
    assert!(drain(&mut s).ev.contains(&Event::Unregistered { cm: 0 }));
}

#[test]
fn every_member_refusing_exhausts_the_pass() {
    let mut s = station();
    let o = drain(&mut s);
    s.handle_conn_event(Instant::ZERO, conn_of(&o.ev, 0), ConnEvent::Refused);
    let o = drain(&mut s);
    s.handle_conn_event(Instant::ZERO, conn_of(&o.ev, 1), ConnEvent::Refused);
    let o = drain(&mut s);
    assert!(o.ev.contains(&Event::PassExhausted));
    assert_eq!(s.state(), State::Stopped);
}

#[test]
fn connect_timeout_moves_to_the_next_member() {
    let mut s = station();
    drain(&mut s);
    s.handle_timeout(Instant::ZERO + station::CONNECT_TIMEOUT_DEFAULT);
    let o = drain(&mut s);
    conn_of(&o.ev, 1);
    assert_eq!(s.state(), State::Connecting { cm: 1 });
}

#[test]
fn display_text_is_reported() {
    let mut s = station();
    let (c0, _) = registered(&mut s, Instant::ZERO);
    let t = dialtone_sccp::types::DisplayText {
        text: dialtone_sccp::Str::new(b"Hello").unwrap(),
    };
    s.handle_input(
        Instant::ZERO,
        c0,
        &enc(&Message::DisplayText(Fixed::new(&t))),
    )
    .unwrap();
    assert!(matches!(&drain(&mut s).ev[0], Event::Display(x) if x.as_str() == Ok("Hello")));
}

#[test]
fn unknown_connection_is_an_error_and_changes_nothing() {
    let mut s = station();
    drain(&mut s);
    assert_eq!(
        s.handle_input(Instant::ZERO, ConnId(999), &ack(30)),
        Err(station::InputError::UnknownConn)
    );
    assert_eq!(s.state(), State::Connecting { cm: 0 });
}

// --- B13 CallPreserved (rows 55, 60, 75; AS-29) ---

fn ka_ack() -> Vec<u8> {
    enc(&Message::KeepAliveAck(Fixed::EMPTY))
}

/// Lets three keepalives to the active go unanswered while the standby
/// answers its own; returns what the fourth T_KA produced.
fn miss_three_acks(s: &mut Station, standby: ConnId) -> Out {
    for t in [30, 60, 90] {
        s.handle_timeout(Instant::from_secs(t));
        drain(s);
        s.handle_input(Instant::from_secs(t), standby, &ka_ack())
            .unwrap();
    }
    s.handle_timeout(Instant::from_secs(120));
    drain(s)
}

#[test]
fn keepalive_loss_during_a_call_preserves_the_call_then_fails_over_when_it_ends() {
    let mut s = station();
    let (c0, c1) = registered(&mut s, Instant::ZERO);
    s.set_call_active(Instant::from_secs(10), true);
    let o = miss_three_acks(&mut s, c1);
    assert_eq!(
        o.ev,
        [
            Event::Lost {
                cm: 0,
                cause: LostCause::KeepAliveTimeout
            },
            Event::CallPreserved { cm: 0 }
        ]
    );
    assert_eq!(station::CALL_PRESERVED_TEXT, "CM Down, Features Disabled");
    // Nothing registers elsewhere during the call; no connection is closed.
    assert!(o.tx.iter().all(|t| t.1 != id::REGISTER));
    assert_eq!(s.state(), State::CallPreserved { cm: 0 });
    assert_eq!(s.active_cm(), None);
    assert_eq!(s.open_connections(), 2);
    s.check_invariants().unwrap();
    // Minutes of call: the standby stays alive at T_KA2, still no Register.
    let mut t = 120;
    while t < 600 {
        t += 10;
        s.handle_timeout(Instant::from_secs(t));
        let o = drain(&mut s);
        assert!(o.tx.iter().all(|x| x.1 == id::KEEP_ALIVE), "at {t}");
        assert!(o.ev.is_empty(), "at {t}: {:?}", o.ev);
        for x in &o.tx {
            s.handle_input(Instant::from_secs(t), x.0, &ka_ack())
                .unwrap();
        }
        assert_eq!(s.state(), State::CallPreserved { cm: 0 });
    }
    assert!(s.counters().keepalives_sent > 4);
    // CallIdle: failover to the standby at once (row 75).
    s.set_call_active(Instant::from_secs(600), false);
    let o = drain(&mut s);
    assert_eq!(o.tx, [(c1, id::REGISTER, 0)]);
    assert_eq!(s.state(), State::Registering { cm: 1 });
    assert!(!o.ev.contains(&Event::Close { conn: c0 }));
    s.handle_input(Instant::from_secs(600), c1, &ack(30))
        .unwrap();
    let o = drain(&mut s);
    assert!(o.ev.contains(&Event::FailedOver { from: 0, to: 1 }));
    assert_eq!(s.active_cm(), Some(1));
    s.check_invariants().unwrap();
}

#[test]
fn call_ending_before_loss_fails_over_normally() {
    let mut s = station();
    let (_c0, c1) = registered(&mut s, Instant::ZERO);
    s.set_call_active(Instant::from_secs(5), true);
    s.set_call_active(Instant::from_secs(20), false);
    assert_eq!(s.state(), State::Registered { cm: 0 });
    let o = miss_three_acks(&mut s, c1);
    assert!(!o.ev.contains(&Event::CallPreserved { cm: 0 }));
    assert!(o.tx.contains(&(c1, id::REGISTER, 0)));
    assert_eq!(s.state(), State::Registering { cm: 1 });
}

#[test]
fn closed_active_connection_during_a_call_preserves_the_call() {
    let mut s = station();
    let (c0, c1) = registered(&mut s, Instant::ZERO);
    s.set_call_active(Instant::from_secs(1), true);
    s.handle_conn_event(Instant::from_secs(5), c0, ConnEvent::Closed);
    let o = drain(&mut s);
    assert!(o.tx.is_empty());
    assert_eq!(
        o.ev,
        [
            Event::Close { conn: c0 },
            Event::Lost {
                cm: 0,
                cause: LostCause::ConnectionClosed
            },
            Event::CallPreserved { cm: 0 }
        ]
    );
    assert_eq!(s.state(), State::CallPreserved { cm: 0 });
    // Repeated "call active" changes nothing; the end fails over.
    s.set_call_active(Instant::from_secs(6), true);
    assert!(drain(&mut s).tx.is_empty());
    s.set_call_active(Instant::from_secs(30), false);
    assert_eq!(drain(&mut s).tx, [(c1, id::REGISTER, 0)]);
    assert_eq!(s.state(), State::Registering { cm: 1 });
}

#[test]
fn call_end_without_a_standby_starts_a_pass_over_the_other_members() {
    let mut s = station();
    let (c0, c1) = registered(&mut s, Instant::ZERO);
    s.set_call_active(Instant::from_secs(1), true);
    s.handle_conn_event(Instant::from_secs(2), c1, ConnEvent::Closed);
    s.handle_conn_event(Instant::from_secs(3), c0, ConnEvent::Closed);
    drain(&mut s);
    assert_eq!(s.state(), State::CallPreserved { cm: 0 });
    s.set_call_active(Instant::from_secs(40), false);
    let o = drain(&mut s);
    assert!(matches!(o.ev[..], [Event::Connect { cm: 1, .. }]));
    assert_eq!(s.state(), State::Connecting { cm: 1 });
}

#[test]
fn user_unregister_during_a_preserved_call_stops_the_station() {
    let mut s = station();
    let (c0, _c1) = registered(&mut s, Instant::ZERO);
    s.set_call_active(Instant::from_secs(1), true);
    s.handle_conn_event(Instant::from_secs(2), c0, ConnEvent::Closed);
    drain(&mut s);
    s.unregister(Instant::from_secs(3));
    assert_eq!(s.state(), State::Stopped);
    assert_eq!(s.open_connections(), 0);
    s.set_call_active(Instant::from_secs(4), false);
    assert_eq!(s.state(), State::Stopped);
    s.check_invariants().unwrap();
}

/// Random timeouts, acks, closes and call starts/ends: never a `Register`
/// while a call is preserved, and the invariants hold at every step.
#[test]
fn no_registration_happens_while_a_call_is_preserved() {
    let mut rng = dialtone_core::Rng::new(0xb13);
    let mut preserved_seen = 0;
    for _ in 0..300 {
        let mut s = station();
        let (c0, c1) = registered(&mut s, Instant::ZERO);
        let mut conns = vec![c0, c1];
        let mut now = Instant::ZERO;
        for _ in 0..60 {
            let before = s.state();
            match rng.range_u64(0, 6) {
                0 | 1 => {
                    now += Duration::from_secs(rng.range_u64(1, 40));
                    s.handle_timeout(now);
                }
                2 => s.set_call_active(now, rng.range_u64(0, 2) == 0),
                3 => {
                    let c = conns[rng.range_u64(0, conns.len() as u64) as usize];
                    let _ = s.handle_input(now, c, &ka_ack());
                }
                4 => {
                    let c = conns[rng.range_u64(0, conns.len() as u64) as usize];
                    let _ = s.handle_input(now, c, &ack(30));
                }
                _ => {
                    let c = conns[rng.range_u64(0, conns.len() as u64) as usize];
                    let ev = if rng.range_u64(0, 4) == 0 {
                        ConnEvent::Closed
                    } else {
                        ConnEvent::Connected
                    };
                    s.handle_conn_event(now, c, ev);
                }
            }
            let o = drain(&mut s);
            for e in &o.ev {
                if let Event::Connect { conn, .. } = e {
                    conns.push(*conn);
                }
            }
            if let State::CallPreserved { .. } = s.state() {
                preserved_seen += 1;
                assert!(s.call_active());
                if matches!(before, State::CallPreserved { .. }) {
                    assert!(o.tx.iter().all(|t| t.1 == id::KEEP_ALIVE), "{:?}", o.tx);
                }
            }
            s.check_invariants().unwrap();
        }
    }
    assert!(preserved_seen > 100, "{preserved_seen}");
}

// --- Resets and fallback wait for the end of a call (rows 62–64, 69–71, 76) ---

fn reset_msg(kind: ResetType) -> Vec<u8> {
    let r = Reset::new(kind);
    enc(&Message::Reset(Fixed::new(&r)))
}

#[test]
fn reset_during_a_call_waits_for_call_idle() {
    let mut s = station();
    let (c0, c1) = registered(&mut s, Instant::ZERO);
    s.set_call_active(Instant::from_secs(1), true);
    // Row 63: remembered, nothing closes, still registered.
    s.handle_input(Instant::from_secs(2), c0, &reset_msg(ResetType::Restart))
        .unwrap();
    let o = drain(&mut s);
    assert_eq!(
        o.ev,
        [Event::ResetDeferred {
            cm: 0,
            kind: ResetType::Restart
        }]
    );
    assert!(o.tx.is_empty());
    assert_eq!(s.state(), State::Registered { cm: 0 });
    assert_eq!(s.pending_reset(), Some(ResetType::Restart));
    assert_eq!(s.open_connections(), 2);
    s.check_invariants().unwrap();
    // The call goes on for minutes: keepalives continue, nothing else.
    let mut t = 2;
    while t < 300 {
        t += 10;
        s.handle_timeout(Instant::from_secs(t));
        let o = drain(&mut s);
        assert!(o.ev.is_empty(), "at {t}: {:?}", o.ev);
        assert!(o.tx.iter().all(|x| x.1 == id::KEEP_ALIVE), "at {t}");
        for x in &o.tx {
            s.handle_input(Instant::from_secs(t), x.0, &ka_ack())
                .unwrap();
        }
    }
    assert_eq!(s.active_cm(), Some(0));
    // Row 64: CallIdle applies it as row 62.
    s.set_call_active(Instant::from_secs(300), false);
    let o = drain(&mut s);
    assert!(o.tx.is_empty());
    assert!(o.ev.contains(&Event::Close { conn: c0 }));
    assert!(o.ev.contains(&Event::Close { conn: c1 }));
    assert_eq!(
        o.ev.last(),
        Some(&Event::ResetRequested {
            cm: 0,
            kind: ResetType::Restart
        })
    );
    assert_eq!(s.state(), State::Stopped);
    assert_eq!(s.pending_reset(), None);
    assert_eq!(s.open_connections(), 0);
    s.check_invariants().unwrap();
}

#[test]
fn reset_without_a_call_is_applied_at_once() {
    let mut s = station();
    let (c0, _) = registered(&mut s, Instant::ZERO);
    s.set_call_active(Instant::from_secs(1), true);
    s.set_call_active(Instant::from_secs(2), false);
    s.handle_input(Instant::from_secs(3), c0, &reset_msg(ResetType::Reset))
        .unwrap();
    let o = drain(&mut s);
    assert!(o.ev.contains(&Event::ResetRequested {
        cm: 0,
        kind: ResetType::Reset
    }));
    assert_eq!(s.state(), State::Stopped);
}

#[test]
fn a_pending_full_reset_is_not_weakened_by_a_later_restart() {
    let mut s = station();
    let (c0, _) = registered(&mut s, Instant::ZERO);
    s.set_call_active(Instant::from_secs(1), true);
    s.handle_input(Instant::from_secs(2), c0, &reset_msg(ResetType::Reset))
        .unwrap();
    s.handle_input(Instant::from_secs(3), c0, &reset_msg(ResetType::Restart))
        .unwrap();
    assert_eq!(s.pending_reset(), Some(ResetType::Reset));
    // A restart then a reset: the reset wins too.
    let mut s2 = station();
    let (d0, _) = registered(&mut s2, Instant::ZERO);
    s2.set_call_active(Instant::from_secs(1), true);
    s2.handle_input(
        Instant::from_secs(2),
        d0,
        &reset_msg(ResetType::ApplyConfig),
    )
    .unwrap();
    s2.handle_input(Instant::from_secs(3), d0, &reset_msg(ResetType::Reset))
        .unwrap();
    assert_eq!(s2.pending_reset(), Some(ResetType::Reset));
    drain(&mut s);
    s.set_call_active(Instant::from_secs(9), false);
    assert!(drain(&mut s).ev.contains(&Event::ResetRequested {
        cm: 0,
        kind: ResetType::Reset
    }));
}

/// Row 76: in B13 a `Reset` on a surviving connection (here the standby) is
/// remembered; at CallIdle it replaces the failover (no `Register`).
#[test]
fn reset_during_a_preserved_call_replaces_the_failover_at_call_idle() {
    let mut s = station();
    let (c0, c1) = registered(&mut s, Instant::ZERO);
    s.set_call_active(Instant::from_secs(1), true);
    s.handle_conn_event(Instant::from_secs(2), c0, ConnEvent::Closed);
    drain(&mut s);
    assert_eq!(s.state(), State::CallPreserved { cm: 0 });
    s.handle_input(Instant::from_secs(3), c1, &reset_msg(ResetType::Restart))
        .unwrap();
    assert_eq!(
        drain(&mut s).ev,
        [Event::ResetDeferred {
            cm: 1,
            kind: ResetType::Restart
        }]
    );
    assert_eq!(s.state(), State::CallPreserved { cm: 0 });
    s.check_invariants().unwrap();
    s.set_call_active(Instant::from_secs(60), false);
    let o = drain(&mut s);
    assert!(o.tx.iter().all(|t| t.1 != id::REGISTER), "{:?}", o.tx);
    assert!(o.ev.contains(&Event::Close { conn: c1 }));
    assert!(o.ev.contains(&Event::ResetRequested {
        cm: 1,
        kind: ResetType::Restart
    }));
    assert!(!o.ev.iter().any(|e| matches!(e, Event::FailedOver { .. })));
    assert_eq!(s.state(), State::Stopped);
    assert_eq!(s.open_connections(), 0);
}

/// A reset from the standby while registered (no call preserved) means
/// nothing: only the active member may reset the phone (row 62).
#[test]
fn reset_from_the_standby_outside_b13_is_unexpected() {
    let mut s = station();
    let (_, c1) = registered(&mut s, Instant::ZERO);
    assert!(matches!(
        s.handle_input(Instant::from_secs(1), c1, &reset_msg(ResetType::Reset)),
        Err(station::InputError::Unexpected { .. })
    ));
    assert_eq!(s.state(), State::Registered { cm: 0 });
}

/// Registered on member 1 (member 0 refused at first) with a probe to member
/// 0 up; returns (active, probe, time the probe connected).
fn on_secondary_with_probe(s: &mut Station) -> (ConnId, ConnId, Instant) {
    let o = drain(s);
    s.handle_conn_event(Instant::ZERO, conn_of(&o.ev, 0), ConnEvent::Refused);
    let o = drain(s);
    let c1 = conn_of(&o.ev, 1);
    s.handle_conn_event(Instant::ZERO, c1, ConnEvent::Connected);
    drain(s);
    s.handle_input(Instant::ZERO, c1, &ack(30)).unwrap();
    drain(s);
    assert_eq!(s.active_cm(), Some(1));
    // The first fallback timer opens the probe (T_FALLBACK/2..T_FALLBACK).
    loop {
        let t = s.poll_timeout().unwrap();
        s.handle_timeout(t);
        let o = drain(s);
        for x in &o.tx {
            if x.1 == id::KEEP_ALIVE {
                s.handle_input(t, x.0, &ka_ack()).unwrap();
            }
        }
        if let Some(p) = o.ev.iter().find_map(|e| match e {
            Event::Connect { conn, cm: 0, .. } => Some(*conn),
            _ => None,
        }) {
            s.handle_conn_event(t, p, ConnEvent::Connected);
            drain(s);
            return (c1, p, t);
        }
        assert!(t < Instant::from_secs(120), "no probe");
    }
}

fn ids(tx: &[(ConnId, u32, u32)]) -> Vec<(ConnId, u32)> {
    tx.iter().map(|x| (x.0, x.1)).collect()
}

/// Runs timers until `until`, acking every keepalive; returns what was sent.
fn run_acking(s: &mut Station, until: Instant) -> Vec<(ConnId, u32, u32)> {
    let mut sent = Vec::new();
    while let Some(t) = s.poll_timeout().filter(|&t| t <= until) {
        s.handle_timeout(t);
        let o = drain(s);
        for x in &o.tx {
            if x.1 == id::KEEP_ALIVE {
                s.handle_input(t, x.0, &ka_ack()).unwrap();
            }
        }
        sent.extend(o.tx);
    }
    sent
}

#[test]
fn fallback_waits_for_the_end_of_a_call_then_runs_the_token_exchange() {
    let mut s = station();
    let (c1, p0, up) = on_secondary_with_probe(&mut s);
    s.set_call_active(up, true);
    // Row 69: the Connection Monitor Duration ends during the call.
    let end = up + station::CONNECTION_MONITOR_DEFAULT + Duration::from_secs(200);
    let sent = run_acking(&mut s, end);
    assert!(
        sent.iter().all(|x| x.1 != id::REGISTER_TOKEN_REQ),
        "token asked during a call"
    );
    assert_eq!(s.active_cm(), Some(1));
    s.check_invariants().unwrap();
    // Row 70: CallIdle asks for the token at once.
    s.set_call_active(end, false);
    assert_eq!(ids(&drain(&mut s).tx), [(p0, id::REGISTER_TOKEN_REQ)]);
    // Row 71: ack → unregister from member 1, then register with member 0.
    s.handle_input(end, p0, &enc(&Message::RegisterTokenAck(Fixed::EMPTY)))
        .unwrap();
    assert_eq!(ids(&drain(&mut s).tx), [(c1, id::UNREGISTER)]);
    let w = Word::new(0);
    s.handle_input(end, c1, &enc(&Message::UnregisterAck(Fixed::new(&w))))
        .unwrap();
    let o = drain(&mut s);
    assert_eq!(o.tx, [(p0, id::REGISTER, 0)]);
    s.handle_input(end, p0, &ack(30)).unwrap();
    assert!(drain(&mut s)
        .ev
        .contains(&Event::FellBack { from: 1, to: 0 }));
    assert_eq!(s.active_cm(), Some(0));
}

#[test]
fn token_ack_arriving_during_a_call_is_asked_again_after_it() {
    let mut s = station();
    let (c1, p0, up) = on_secondary_with_probe(&mut s);
    let asked = up + station::CONNECTION_MONITOR_DEFAULT;
    let sent = run_acking(&mut s, asked);
    assert!(ids(&sent).contains(&(p0, id::REGISTER_TOKEN_REQ)));
    // The call starts before the ack arrives: no unregister from member 1.
    s.set_call_active(asked, true);
    s.handle_input(asked, p0, &enc(&Message::RegisterTokenAck(Fixed::EMPTY)))
        .unwrap();
    let o = drain(&mut s);
    assert!(o.tx.is_empty(), "{:?}", o.tx);
    assert_eq!(s.state(), State::Registered { cm: 1 });
    s.check_invariants().unwrap();
    let later = asked + Duration::from_secs(500);
    let sent = run_acking(&mut s, later);
    assert!(sent
        .iter()
        .all(|x| x.1 != id::REGISTER_TOKEN_REQ && x.1 != id::UNREGISTER));
    s.set_call_active(later, false);
    assert_eq!(ids(&drain(&mut s).tx), [(p0, id::REGISTER_TOKEN_REQ)]);
    let _ = c1;
}

// --- Network link (rows 84/85) ---

#[test]
fn link_down_while_registered_loses_every_connection_and_link_up_starts_over() {
    let mut s = station();
    let (c0, c1) = registered(&mut s, Instant::ZERO);
    s.handle_link_down(Instant::from_secs(5));
    let o = drain(&mut s);
    assert!(o.tx.is_empty());
    assert_eq!(
        o.ev,
        [
            Event::Close { conn: c0 },
            Event::Close { conn: c1 },
            Event::Lost {
                cm: 0,
                cause: LostCause::LinkDown
            }
        ]
    );
    assert_eq!(s.state(), State::LinkDown);
    assert_eq!(s.open_connections(), 0);
    assert_eq!(s.poll_timeout(), None, "every timer cancelled");
    assert_eq!(s.counters().link_losses, 1);
    s.check_invariants().unwrap();
    // Late bytes on the old connections belong to nobody.
    assert_eq!(
        s.handle_input(Instant::from_secs(6), c0, &ka_ack()),
        Err(station::InputError::UnknownConn)
    );
    s.handle_timeout(Instant::from_secs(3600));
    assert!(drain(&mut s).ev.is_empty());
    // Repeated link down is harmless.
    s.handle_link_down(Instant::from_secs(3600));
    assert!(drain(&mut s).ev.is_empty());
    // E05: a new pass from the first member.
    s.handle_link_up(Instant::from_secs(3601));
    let o = drain(&mut s);
    assert!(matches!(o.ev[..], [Event::Connect { cm: 0, .. }]));
    assert_eq!(s.state(), State::Connecting { cm: 0 });
    // Link up in any other state changes nothing.
    s.handle_link_up(Instant::from_secs(3602));
    assert!(drain(&mut s).ev.is_empty());
}

#[test]
fn link_down_while_connecting_closes_and_cancels_without_a_loss_event() {
    let mut s = station();
    let o = drain(&mut s);
    let c0 = conn_of(&o.ev, 0);
    s.handle_link_down(Instant::from_secs(1));
    assert_eq!(drain(&mut s).ev, [Event::Close { conn: c0 }]);
    assert_eq!(s.state(), State::LinkDown);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn link_down_forgets_bad_tags() {
    let mut s = station();
    let (_c0, c1) = registered(&mut s, Instant::ZERO);
    miss_three_acks(&mut s, c1); // member 0 tagged bad, registering on 1
    s.handle_link_down(Instant::from_secs(121));
    drain(&mut s);
    s.handle_link_up(Instant::from_secs(130));
    let o = drain(&mut s);
    assert!(
        matches!(o.ev[..], [Event::Connect { cm: 0, .. }]),
        "{:?}",
        o.ev
    );
}

/// Row 85 covers B13 too: the call's media path is gone with the link, so
/// the end of the call does not fail over; the link coming back does.
#[test]
fn link_down_during_a_preserved_call_leaves_b13() {
    let mut s = station();
    let (c0, c1) = registered(&mut s, Instant::ZERO);
    s.set_call_active(Instant::from_secs(1), true);
    s.handle_conn_event(Instant::from_secs(2), c0, ConnEvent::Closed);
    drain(&mut s);
    s.handle_link_down(Instant::from_secs(3));
    let o = drain(&mut s);
    assert_eq!(o.ev, [Event::Close { conn: c1 }]);
    assert_eq!(s.state(), State::LinkDown);
    s.set_call_active(Instant::from_secs(4), false);
    let o = drain(&mut s);
    assert!(o.ev.is_empty() && o.tx.is_empty());
    assert_eq!(s.state(), State::LinkDown);
    s.check_invariants().unwrap();
}

#[test]
fn link_down_during_a_call_with_a_pending_reset_keeps_the_reset() {
    let mut s = station();
    let (c0, _) = registered(&mut s, Instant::ZERO);
    s.set_call_active(Instant::from_secs(1), true);
    s.handle_input(Instant::from_secs(2), c0, &reset_msg(ResetType::Reset))
        .unwrap();
    s.handle_link_down(Instant::from_secs(3));
    drain(&mut s);
    assert_eq!(s.pending_reset(), Some(ResetType::Reset));
    s.set_call_active(Instant::from_secs(4), false);
    let o = drain(&mut s);
    assert_eq!(
        o.ev,
        [Event::ResetRequested {
            cm: 0,
            kind: ResetType::Reset
        }]
    );
    assert_eq!(s.state(), State::Stopped);
    // Stopped ignores the link.
    s.handle_link_up(Instant::from_secs(5));
    assert!(drain(&mut s).ev.is_empty());
    assert_eq!(s.state(), State::Stopped);
}

#[test]
fn link_down_while_unregistering_for_a_user_reset_finishes_it() {
    let mut s = station();
    let (c0, _) = registered(&mut s, Instant::ZERO);
    s.unregister(Instant::from_secs(1));
    drain(&mut s);
    s.handle_link_down(Instant::from_secs(2));
    let o = drain(&mut s);
    assert!(o.ev.contains(&Event::Close { conn: c0 }));
    assert!(o.ev.contains(&Event::Unregistered { cm: 0 }));
    assert_eq!(s.state(), State::Stopped);
}

#[test]
fn link_down_is_ignored_when_rejected_or_in_version_error() {
    let mut s = station();
    let o = drain(&mut s);
    let c0 = conn_of(&o.ev, 0);
    s.handle_conn_event(Instant::ZERO, c0, ConnEvent::Connected);
    let r = RegisterReject::new("Version Error").unwrap();
    s.handle_input(
        Instant::ZERO,
        c0,
        &enc(&Message::RegisterReject(Fixed::new(&r))),
    )
    .unwrap();
    drain(&mut s);
    s.handle_link_down(Instant::from_secs(1));
    s.handle_link_up(Instant::from_secs(2));
    assert!(drain(&mut s).ev.is_empty());
    assert_eq!(s.state(), State::VersionError);
}
