//! Registrar behaviour (`phone-boot.md` §2.4–§2.9, AS-26/32/33/34), in the
//! simulated network and transcript-style against raw messages.

mod sim;

use std::time::Duration;

use dialtone_core::{ConnId, Instant};
use dialtone_sccp::registrar::{
    self, ConnEvent, DeviceName, DeviceRecord, DeviceStore, DuplicatePolicy, Event, MemoryStore,
    Registrar, UnknownDeviceResponse, UnregisterCause,
};
use dialtone_sccp::station::{self, State};
use dialtone_sccp::types::{Fixed, RegisterForm, RegisterFull};
use dialtone_sccp::{id, DeviceType, Message, RejectReason, ResetType, StationId};
use sim::{Net, SEED};

const MS: Duration = Duration::from_millis(1);

fn register_bytes(name: &str, t: DeviceType, ip: [u8; 4]) -> Vec<u8> {
    let mut reg = RegisterFull::default();
    reg.base.station = StationId::new(name, 1).unwrap();
    reg.base.device_type = u32::from(t).into();
    reg.base.station_ip = dialtone_sccp::Ipv4(ip);
    reg.v44.protocol_version = 11;
    let msg = Message::Register(reg.view(RegisterForm::B68));
    let mut out = vec![0; msg.buffer_len()];
    msg.emit(&mut out).unwrap();
    out
}

fn keepalive_bytes() -> Vec<u8> {
    let msg = Message::KeepAlive(Fixed::EMPTY);
    let mut out = vec![0; 12];
    msg.emit(&mut out).unwrap();
    out
}

/// Drains a registrar: (conn, message id) of every transmit, and events.
type Sent = Vec<(ConnId, u32, Vec<u8>)>;

fn drain(r: &mut Registrar) -> (Sent, Vec<Event>) {
    let mut buf = [0u8; 2048];
    let mut tx = Vec::new();
    while let Some(t) = r.poll_transmit(&mut buf).unwrap() {
        tx.push((t.to, sim::msg_id(&buf[..t.len]), buf[..t.len].to_vec()));
    }
    let mut ev = Vec::new();
    while let Some(e) = r.poll_event() {
        ev.push(e);
    }
    (tx, ev)
}

fn reject_text(bytes: &[u8]) -> String {
    let (_, m) = Message::decode(bytes).unwrap();
    match m {
        Message::RegisterReject(r) => r.text.as_str().unwrap().to_string(),
        other => panic!("{other:?}"),
    }
}

fn one_device() -> MemoryStore {
    let mut s = MemoryStore::new();
    s.insert(
        DeviceName::parse(b"SEP001E7AC4D231").unwrap(),
        DeviceRecord::new(DeviceType::Cisco7960, vec!["2001".into()]),
    );
    s
}

#[test]
fn accepts_a_known_device_and_answers_ack_then_capabilities() {
    let mut r = Registrar::new(registrar::Config::default(), one_device(), Instant::ZERO);
    r.handle_conn_event(Instant::ZERO, ConnId(7), ConnEvent::Connected);
    r.handle_input(
        Instant::ZERO,
        ConnId(7),
        &register_bytes("SEP001E7AC4D231", DeviceType::Cisco7960, [10, 0, 0, 5]),
    )
    .unwrap();
    let (tx, ev) = drain(&mut r);
    let ids: Vec<u32> = tx.iter().map(|t| t.1).collect();
    assert_eq!(ids, [id::REGISTER_ACK, id::CAPABILITIES_REQ]);
    let (hv, ack) = Message::decode(&tx[0].2).unwrap();
    assert_eq!(hv, 0, "RegisterAck always carries header version 0");
    let Message::RegisterAck(ack) = ack else {
        panic!()
    };
    assert_eq!(ack.keepalive_interval.get(), 30);
    assert_eq!(ack.secondary_keepalive_interval.get(), 60);
    assert_eq!(ack.max_protocol_version, 11);
    assert!(matches!(
        ev[0],
        Event::Registered {
            conn: ConnId(7),
            ..
        }
    ));
    assert_eq!(r.registered_count(), 1);
    r.check_invariants().unwrap();
}

#[test]
fn keepalive_parameter_travels_in_register_ack_and_range_is_enforced() {
    let mut r = Registrar::new(registrar::Config::default(), one_device(), Instant::ZERO);
    assert!(r.set_keepalive(Duration::from_secs(1001)).is_err());
    assert!(r.set_keepalive(Duration::from_secs(5)).is_err());
    r.set_keepalive(Duration::from_secs(90)).unwrap();
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes("SEP001E7AC4D231", DeviceType::Cisco7960, [1, 2, 3, 4]),
    )
    .unwrap();
    let (tx, _) = drain(&mut r);
    let Message::RegisterAck(ack) = Message::decode(&tx[0].2).unwrap().1 else {
        panic!()
    };
    assert_eq!(ack.keepalive_interval.get(), 90);
}

#[test]
fn unknown_device_is_rejected_with_device_unknown_or_closed() {
    let mut r = Registrar::new(
        registrar::Config::default(),
        MemoryStore::new(),
        Instant::ZERO,
    );
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes("SEP001E7AC4D231", DeviceType::Cisco7960, [1, 2, 3, 4]),
    )
    .unwrap();
    let (tx, ev) = drain(&mut r);
    assert_eq!(tx.len(), 1);
    assert_eq!(reject_text(&tx[0].2), "Device Unknown");
    assert!(matches!(
        ev[0],
        Event::Rejected {
            reason: RejectReason::NoEntryInDatabase,
            ..
        }
    ));
    assert!(matches!(ev[1], Event::Close { conn: ConnId(1) }));

    let mut cfg = registrar::Config::default();
    cfg.unknown_device_response = UnknownDeviceResponse::Close;
    let mut r = Registrar::new(cfg, MemoryStore::new(), Instant::ZERO);
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes("SEP001E7AC4D231", DeviceType::Cisco7960, [1, 2, 3, 4]),
    )
    .unwrap();
    let (tx, ev) = drain(&mut r);
    assert!(tx.is_empty(), "closed without a message");
    assert!(matches!(ev.last(), Some(Event::Close { conn: ConnId(1) })));
    assert_eq!(r.totals().rejected, 1);
}

#[test]
fn malformed_name_and_wrong_type_are_rejected_with_their_reasons() {
    let mut r = Registrar::new(registrar::Config::default(), one_device(), Instant::ZERO);
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes("SEP001E7AC4D2", DeviceType::Cisco7960, [1, 2, 3, 4]),
    )
    .unwrap();
    let (tx, ev) = drain(&mut r);
    assert_eq!(reject_text(&tx[0].2), "Malformed Register");
    assert!(matches!(
        ev[0],
        Event::Rejected {
            reason: RejectReason::MalformedRegisterMsg,
            device: None,
            ..
        }
    ));
    r.handle_input(
        Instant::ZERO,
        ConnId(2),
        &register_bytes("SEP001E7AC4D231", DeviceType::Cisco7965, [1, 2, 3, 4]),
    )
    .unwrap();
    let (tx, ev) = drain(&mut r);
    assert_eq!(reject_text(&tx[0].2), "Version Error");
    assert!(matches!(
        ev[0],
        Event::Rejected {
            reason: RejectReason::DeviceTypeMismatch,
            ..
        }
    ));
    let dev = DeviceName::parse(b"SEP001E7AC4D231").unwrap();
    assert_eq!(r.device_counters(dev).unwrap().rejections, 1);
}

#[test]
fn wrong_device_type_puts_the_station_in_version_error() {
    let mut net = Net::new(1, sim::store_for(3), registrar::Config::default());
    net.add_stations(3, |i, cms| {
        let mut c = sim::station_config(i, cms);
        if i == 1 {
            c.device_type = DeviceType::Cisco7965;
        }
        c
    });
    net.advance(Duration::from_secs(1));
    assert_eq!(net.stations[1].state(), State::VersionError);
    assert!(net
        .station_events
        .iter()
        .any(|(_, s, e)| *s == 1 && matches!(e, station::Event::VersionError { cm: 0 })));
    assert_eq!(net.count_on(0), 2);
    // Sticky: still there a long time later.
    net.advance(Duration::from_secs(600));
    assert_eq!(net.stations[1].state(), State::VersionError);
}

#[test]
fn auto_registration_assigns_the_next_free_numbers() {
    let mut store = MemoryStore::new();
    // 5000 is taken by an existing device.
    store.insert(
        sim::name_of(99),
        DeviceRecord::new(DeviceType::Cisco7960, vec!["5000".into()]),
    );
    let mut cfg = registrar::Config::default();
    cfg.auto_registration = Some((5000, 5003));
    let mut net = Net::new(1, store, cfg);
    net.add_stations(4, sim::station_config);
    net.advance(Duration::from_secs(1));
    let mut dns: Vec<u32> = net
        .registrar_events
        .iter()
        .filter_map(|(_, _, e)| match e {
            Event::AutoRegistered { dn, .. } => Some(*dn),
            _ => None,
        })
        .collect();
    dns.sort_unstable();
    assert_eq!(dns, [5001, 5002, 5003]);
    assert_eq!(net.count_on(0), 3, "three numbers were free");
    // The fourth is refused: no number left (autoRegisterDBError).
    assert!(net.registrar_events.iter().any(|(_, _, e)| matches!(
        e,
        Event::Rejected {
            reason: RejectReason::Unknown(29),
            ..
        }
    )));
    assert_eq!(net.registrar(0).totals().auto_registered, 3);
}

#[test]
fn auto_registration_is_off_by_default() {
    assert_eq!(registrar::Config::default().auto_registration, None);
    let mut net = Net::new(1, MemoryStore::new(), registrar::Config::default());
    net.add_stations(2, |i, cms| {
        let mut c = sim::station_config(i, cms);
        c.retry_after = None;
        c
    });
    net.advance(Duration::from_secs(1));
    assert_eq!(net.count_on(0), 0);
    let rejected = net
        .station_events
        .iter()
        .filter(|(_, _, e)| {
            matches!(
                e,
                station::Event::Rejected {
                    reason: Some(RejectReason::NoEntryInDatabase),
                    ..
                }
            )
        })
        .count();
    assert_eq!(rejected, 2);
    assert!(net.stations.iter().all(|s| s.state() == State::Rejected));
}

#[test]
fn duplicate_registration_newest_wins_and_old_connection_is_closed() {
    let mut r = Registrar::new(registrar::Config::default(), one_device(), Instant::ZERO);
    let name = "SEP001E7AC4D231";
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes(name, DeviceType::Cisco7960, [10, 0, 0, 1]),
    )
    .unwrap();
    drain(&mut r);
    r.handle_input(
        Instant::ZERO,
        ConnId(2),
        &register_bytes(name, DeviceType::Cisco7960, [10, 0, 0, 9]),
    )
    .unwrap();
    let (tx, ev) = drain(&mut r);
    assert_eq!(tx[0].0, ConnId(2));
    assert_eq!(tx[0].1, id::REGISTER_ACK);
    assert!(ev.contains(&Event::Unregistered {
        conn: ConnId(1),
        device: DeviceName::parse(name.as_bytes()).unwrap(),
        cause: UnregisterCause::SourceIpAddrChanged
    }));
    assert!(ev.contains(&Event::Close { conn: ConnId(1) }));
    assert_eq!(
        r.registration_of(DeviceName::parse(name.as_bytes()).unwrap()),
        Some(ConnId(2))
    );
    assert_eq!(r.totals().duplicates, 1);
    // Same address: duplicateRegistration.
    r.handle_input(
        Instant::ZERO,
        ConnId(3),
        &register_bytes(name, DeviceType::Cisco7960, [10, 0, 0, 9]),
    )
    .unwrap();
    let (_, ev) = drain(&mut r);
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::Unregistered {
            conn: ConnId(2),
            cause: UnregisterCause::DuplicateRegistration,
            ..
        }
    )));
    r.check_invariants().unwrap();
}

#[test]
fn duplicate_registration_reject_new_keeps_the_old_one() {
    let mut cfg = registrar::Config::default();
    cfg.duplicate_policy = DuplicatePolicy::RejectNew;
    let mut r = Registrar::new(cfg, one_device(), Instant::ZERO);
    let name = "SEP001E7AC4D231";
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes(name, DeviceType::Cisco7960, [10, 0, 0, 1]),
    )
    .unwrap();
    drain(&mut r);
    r.handle_input(
        Instant::ZERO,
        ConnId(2),
        &register_bytes(name, DeviceType::Cisco7960, [10, 0, 0, 9]),
    )
    .unwrap();
    let (tx, ev) = drain(&mut r);
    assert_eq!(reject_text(&tx[0].2), "Duplicate Registration");
    assert!(matches!(
        ev[0],
        Event::Rejected {
            reason: RejectReason::DuplicateRegistration,
            ..
        }
    ));
    assert_eq!(
        r.registration_of(DeviceName::parse(name.as_bytes()).unwrap()),
        Some(ConnId(1))
    );
}

#[test]
fn duplicate_device_in_the_network_closes_the_older_station() {
    let mut net = Net::new(1, sim::store_for(1), registrar::Config::default());
    let cfg = |i: usize, cms: &[std::net::SocketAddr]| {
        let mut c = sim::station_config(0, cms);
        c.retry_after = None;
        c.station_ip = std::net::Ipv4Addr::new(10, 9, 0, i as u8);
        c
    };
    net.add_stations(1, cfg);
    net.advance(Duration::from_secs(1));
    net.add_stations(1, cfg);
    net.advance(Duration::from_secs(1));
    assert_eq!(net.stations[1].active_cm(), Some(0));
    assert_eq!(net.stations[0].active_cm(), None);
    assert!(net.registrar_events.iter().any(|(_, _, e)| matches!(
        e,
        Event::Unregistered {
            cause: UnregisterCause::SourceIpAddrChanged,
            ..
        }
    )));
    assert_eq!(
        net.registrar(0)
            .device_counters(sim::name_of(0))
            .unwrap()
            .duplicates,
        1
    );
}

#[test]
fn silent_station_is_unregistered_after_three_intervals() {
    let mut r = Registrar::new(registrar::Config::default(), one_device(), Instant::ZERO);
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes("SEP001E7AC4D231", DeviceType::Cisco7960, [1, 2, 3, 4]),
    )
    .unwrap();
    drain(&mut r);
    let t = Instant::from_secs(20);
    r.handle_input(t, ConnId(1), &keepalive_bytes()).unwrap();
    let (tx, _) = drain(&mut r);
    assert_eq!(tx[0].1, id::KEEP_ALIVE_ACK);
    // 90 s after the last keepalive, not before.
    let mut now = t;
    while now < t + Duration::from_secs(89) {
        now = r.poll_timeout().unwrap().max(now);
        if now >= t + Duration::from_secs(89) {
            break;
        }
        r.handle_timeout(now);
        let (_, ev) = drain(&mut r);
        assert!(ev.is_empty(), "{ev:?} at {now:?}");
    }
    r.handle_timeout(t + Duration::from_secs(91));
    let (_, ev) = drain(&mut r);
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::Unregistered {
            cause: UnregisterCause::KeepAliveTimeout,
            ..
        }
    )));
    assert!(ev.contains(&Event::Close { conn: ConnId(1) }));
    assert_eq!(r.totals().missed_keepalives, 1);
    assert_eq!(r.registered_count(), 0);
    r.check_invariants().unwrap();
}

#[test]
fn standby_keepalives_are_answered_and_silence_closes_after_180_s() {
    let mut r = Registrar::new(registrar::Config::default(), one_device(), Instant::ZERO);
    r.handle_conn_event(Instant::ZERO, ConnId(4), ConnEvent::Connected);
    r.handle_input(Instant::from_secs(1), ConnId(4), &keepalive_bytes())
        .unwrap();
    let (tx, ev) = drain(&mut r);
    assert_eq!(tx[0].1, id::KEEP_ALIVE_ACK);
    assert!(ev.is_empty());
    assert_eq!(r.registered_count(), 0);
    r.handle_timeout(Instant::from_secs(180));
    assert!(drain(&mut r).1.is_empty());
    r.handle_timeout(Instant::from_secs(182));
    assert_eq!(drain(&mut r).1, [Event::Close { conn: ConnId(4) }]);
}

#[test]
fn unregister_is_acknowledged_and_reported() {
    let mut r = Registrar::new(registrar::Config::default(), one_device(), Instant::ZERO);
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes("SEP001E7AC4D231", DeviceType::Cisco7960, [1, 2, 3, 4]),
    )
    .unwrap();
    drain(&mut r);
    let msg = Message::Unregister(Fixed::EMPTY);
    let mut b = [0u8; 12];
    msg.emit(&mut b).unwrap();
    r.handle_input(Instant::from_secs(1), ConnId(1), &b)
        .unwrap();
    let (tx, ev) = drain(&mut r);
    assert_eq!(tx[0].1, id::UNREGISTER_ACK);
    assert!(matches!(
        ev[0],
        Event::Unregistered {
            cause: UnregisterCause::DeviceUnregistered,
            ..
        }
    ));
    r.handle_timeout(Instant::from_secs(12));
    assert_eq!(drain(&mut r).1, [Event::Close { conn: ConnId(1) }]);
}

#[test]
fn reset_device_reaches_the_station() {
    let mut net = Net::standard(1, 2);
    net.advance(Duration::from_secs(1));
    let now = net.now;
    assert!(net.registrars[0].as_mut().unwrap().reset_device(
        now,
        sim::name_of(1),
        ResetType::Restart
    ));
    net.after_registrar(0);
    net.advance(Duration::from_secs(1));
    assert!(net.station_events.iter().any(|(_, s, e)| *s == 1
        && matches!(
            e,
            station::Event::ResetRequested {
                kind: ResetType::Restart,
                ..
            }
        )));
    assert!(net.registrar_events.iter().any(|(_, _, e)| matches!(
        e,
        Event::Unregistered {
            cause: UnregisterCause::CallManagerReset,
            ..
        }
    )));
    assert_eq!(net.stations[0].active_cm(), Some(0));
}

#[test]
fn garbage_flood_on_one_connection_does_not_disturb_the_others() {
    let mut net = Net::standard(1, 100);
    net.advance(Duration::from_secs(1));
    assert_eq!(net.count_on(0), 100);
    let before = net.registrar(0).totals();
    let mut rng = dialtone_core::Rng::new(SEED);
    for i in 0..2000u32 {
        let mut junk = vec![0u8; 1 + (rng.next_u32() % 300) as usize];
        rng.fill_bytes(&mut junk);
        let conn = 1_000_000 + i;
        let _ = net.inject(0, conn, &junk);
        let _ = net.inject(0, conn, &junk);
    }
    // A garbage length field closes the connection at once.
    assert!(net
        .inject(0, 2_000_000, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        .is_err());
    net.advance(Duration::from_secs(120));
    assert_eq!(net.count_on(0), 100);
    let after = net.registrar(0).totals();
    assert_eq!(after.registered, 100);
    assert_eq!(after.registrations, before.registrations);
    assert!(after.peer_garbage > 0);
    net.registrar(0).check_invariants().unwrap();
}

#[test]
fn registrar_restart_brings_every_station_back() {
    let mut net = Net::standard(1, 300);
    net.advance(Duration::from_secs(1));
    assert_eq!(net.count_on(0), 300);
    net.kill(0);
    net.advance(Duration::from_secs(3));
    assert_eq!(net.count_on(0), 0);
    net.restart(0);
    // Stations retry after `retry_after` (10 s + up to 25 % jitter).
    let t = net.run_until_pred(Duration::from_secs(30), Duration::from_millis(100), |n| {
        n.all_on(0)
    });
    assert!(t.is_some(), "{} back", net.count_on(0));
    assert_eq!(net.registrar(0).registered_count(), 300);
}

#[test]
fn token_requests_are_answered_per_policy() {
    let mut cfg = registrar::Config::default();
    cfg.grant_tokens = false;
    let mut net = Net::new(2, sim::store_for(1), cfg);
    net.add_stations(1, sim::station_config);
    net.advance(Duration::from_secs(1));
    net.kill(0);
    net.advance(Duration::from_secs(1));
    net.restart(0);
    net.advance(Duration::from_secs(400));
    assert_eq!(net.stations[0].active_cm(), Some(1));
    let waits: Vec<Instant> = net
        .registrar_events
        .iter()
        .filter(|(_, m, e)| *m == 0 && matches!(e, Event::TokenAnswered { granted: false, .. }))
        .map(|(t, ..)| *t)
        .collect();
    assert!(waits.len() >= 2);
    // RegisterTokenReject(60): asked again 60 s later.
    let gap = waits[1].saturating_since(waits[0]);
    assert!(
        gap >= Duration::from_secs(60) && gap <= Duration::from_secs(60) + MS * 10,
        "{gap:?}"
    );
}

// --- R2 AutoRegPending with an asynchronous store (§2.4 rows 3, 10, 11) ---

fn async_registrar() -> Registrar {
    let mut cfg = registrar::Config::default();
    cfg.auto_registration = Some((3000, 3009));
    cfg.store_mode = registrar::StoreMode::Asynchronous;
    Registrar::new(cfg, one_device(), Instant::ZERO)
}

const NEW: &str = "SEP00000000BEEF";

fn new_device() -> DeviceName {
    DeviceName::parse(NEW.as_bytes()).unwrap()
}

#[test]
fn async_store_request_then_created_registers_the_new_device() {
    let mut r = async_registrar();
    r.handle_conn_event(Instant::ZERO, ConnId(1), ConnEvent::Connected);
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes(NEW, DeviceType::Cisco7965, [10, 0, 0, 9]),
    )
    .unwrap();
    // Row 3: the store request, nothing sent yet, RT_AUTOREG armed.
    let (tx, ev) = drain(&mut r);
    assert!(tx.is_empty());
    assert_eq!(
        ev,
        [Event::CreateDevice {
            conn: ConnId(1),
            device: new_device(),
            device_type: DeviceType::Cisco7965,
            first_dn: 3000,
            last_dn: 3009
        }]
    );
    assert!(r.poll_timeout().unwrap() <= Instant::from_secs(10));
    assert_eq!(r.registered_count(), 0);
    r.check_invariants().unwrap();
    // The slow store blocks nobody: a known device registers meanwhile.
    r.handle_input(
        Instant::from_secs(1),
        ConnId(2),
        &register_bytes("SEP001E7AC4D231", DeviceType::Cisco7960, [10, 0, 0, 5]),
    )
    .unwrap();
    assert_eq!(drain(&mut r).0[0].1, id::REGISTER_ACK);
    // Messages that mean nothing in R2 are ignored.
    assert!(matches!(
        r.handle_input(Instant::from_secs(2), ConnId(1), &keepalive_bytes()),
        Err(registrar::InputError::Unexpected {
            state: "AutoRegPending",
            ..
        })
    ));
    assert!(drain(&mut r).0.is_empty());
    // Row 10: created → as row 2.
    r.handle_store_result(
        Instant::from_secs(3),
        ConnId(1),
        new_device(),
        registrar::StoreResult::Created { dn: 3004 },
    )
    .unwrap();
    let (tx, ev) = drain(&mut r);
    let ids: Vec<u32> = tx.iter().map(|t| t.1).collect();
    assert_eq!(ids, [id::REGISTER_ACK, id::CAPABILITIES_REQ]);
    assert_eq!(
        ev[0],
        Event::AutoRegistered {
            device: new_device(),
            dn: 3004
        }
    );
    assert!(matches!(
        ev[1],
        Event::Registered {
            conn: ConnId(1),
            device_type: DeviceType::Cisco7965,
            ..
        }
    ));
    assert_eq!(r.registered_count(), 2);
    assert_eq!(r.totals().auto_registered, 1);
    let rec = r.store().lookup(new_device()).unwrap();
    assert_eq!(rec.directory_numbers, ["3004"]);
    assert_eq!(rec.device_type, DeviceType::Cisco7965);
    // Registered now: keepalives are answered, and a repeated answer is stale.
    r.handle_input(Instant::from_secs(4), ConnId(1), &keepalive_bytes())
        .unwrap();
    assert_eq!(drain(&mut r).0[0].1, id::KEEP_ALIVE_ACK);
    assert_eq!(
        r.handle_store_result(
            Instant::from_secs(4),
            ConnId(1),
            new_device(),
            registrar::StoreResult::Created { dn: 3004 }
        ),
        Err(registrar::InputError::StaleTransaction)
    );
    r.check_invariants().unwrap();
}

#[test]
fn async_store_silence_rejects_after_rt_autoreg_and_late_answers_are_stale() {
    let mut r = async_registrar();
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes(NEW, DeviceType::Cisco7960, [10, 0, 0, 9]),
    )
    .unwrap();
    drain(&mut r);
    r.handle_timeout(Instant::from_millis(9_900));
    assert_eq!(drain(&mut r), (vec![], vec![]));
    // Row 11: RT_AUTOREG (10 s) → reject autoRegisterDBConfigTimeout.
    let at = r.poll_timeout().unwrap();
    assert_eq!(at, Instant::from_secs(10));
    r.handle_timeout(at);
    let (tx, ev) = drain(&mut r);
    assert_eq!(tx.len(), 1);
    assert_eq!(reject_text(&tx[0].2), "Database Timeout");
    assert_eq!(
        ev,
        [
            Event::Rejected {
                conn: ConnId(1),
                device: Some(new_device()),
                reason: registrar::AUTO_REG_DB_TIMEOUT
            },
            Event::Close { conn: ConnId(1) }
        ]
    );
    assert_eq!(registrar::AUTO_REG_DB_TIMEOUT, RejectReason::Unknown(31));
    assert_eq!(r.connection_count(), 0);
    // The answer that comes too late changes nothing.
    assert_eq!(
        r.handle_store_result(
            Instant::from_secs(11),
            ConnId(1),
            new_device(),
            registrar::StoreResult::Created { dn: 3000 }
        ),
        Err(registrar::InputError::StaleTransaction)
    );
    assert_eq!(drain(&mut r), (vec![], vec![]));
    assert!(r.store().lookup(new_device()).is_none());
    assert_eq!(r.totals().auto_registered, 0);
    r.check_invariants().unwrap();
}

#[test]
fn async_store_failures_reject_with_their_texts() {
    for (result, text, reason) in [
        (
            registrar::StoreResult::NoFreeDn,
            "No Auto-Reg DN Available",
            registrar::AUTO_REG_NO_DN,
        ),
        (
            registrar::StoreResult::Failed,
            "Database Timeout",
            registrar::AUTO_REG_DB_TIMEOUT,
        ),
    ] {
        let mut r = async_registrar();
        r.handle_input(
            Instant::ZERO,
            ConnId(4),
            &register_bytes(NEW, DeviceType::Cisco7960, [10, 0, 0, 9]),
        )
        .unwrap();
        drain(&mut r);
        r.handle_store_result(Instant::from_secs(1), ConnId(4), new_device(), result)
            .unwrap();
        let (tx, ev) = drain(&mut r);
        assert_eq!(reject_text(&tx[0].2), text);
        assert!(ev.contains(&Event::Rejected {
            conn: ConnId(4),
            device: Some(new_device()),
            reason
        }));
        assert_eq!(r.connection_count(), 0);
        assert_eq!(r.device_counters(new_device()).unwrap().rejections, 1);
    }
}

#[test]
fn async_store_answer_for_a_closed_or_other_connection_is_stale() {
    let mut r = async_registrar();
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes(NEW, DeviceType::Cisco7960, [10, 0, 0, 9]),
    )
    .unwrap();
    drain(&mut r);
    // Wrong device, wrong connection: stale, the request still waits.
    let other = DeviceName::parse(b"SEP001E7AC4D231").unwrap();
    for (c, d) in [(ConnId(1), other), (ConnId(2), new_device())] {
        assert_eq!(
            r.handle_store_result(Instant::ZERO, c, d, registrar::StoreResult::Failed),
            Err(registrar::InputError::StaleTransaction)
        );
    }
    assert_eq!(r.connection_count(), 1);
    r.handle_conn_event(Instant::from_secs(1), ConnId(1), ConnEvent::Closed);
    assert_eq!(
        r.handle_store_result(
            Instant::from_secs(2),
            ConnId(1),
            new_device(),
            registrar::StoreResult::Created { dn: 3000 }
        ),
        Err(registrar::InputError::StaleTransaction)
    );
    assert_eq!(r.registered_count(), 0);
    r.check_invariants().unwrap();
}

#[test]
fn synchronous_store_mode_is_the_default_and_passes_r2_at_once() {
    assert_eq!(
        registrar::Config::default().store_mode,
        registrar::StoreMode::Synchronous
    );
    let mut cfg = registrar::Config::default();
    cfg.auto_registration = Some((3000, 3009));
    let mut r = Registrar::new(cfg, one_device(), Instant::ZERO);
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes(NEW, DeviceType::Cisco7960, [10, 0, 0, 9]),
    )
    .unwrap();
    let (tx, ev) = drain(&mut r);
    assert_eq!(tx[0].1, id::REGISTER_ACK);
    assert!(!ev.iter().any(|e| matches!(e, Event::CreateDevice { .. })));
    assert!(ev.contains(&Event::AutoRegistered {
        device: new_device(),
        dn: 3000
    }));
}

/// Stations against a registrar whose database answers after 2 s; one
/// answer is withheld: that station is rejected at RT_AUTOREG (5 s here, so
/// it comes before the station's own T_REGISTER of 10 s), loops, and
/// registers on its next attempt.
#[test]
fn slow_database_auto_registers_every_station_in_the_network() {
    let mut cfg = registrar::Config::default();
    cfg.auto_registration = Some((4000, 4099));
    cfg.store_mode = registrar::StoreMode::Asynchronous;
    cfg.auto_registration_timeout = Duration::from_secs(5);
    let mut net = Net::new(1, MemoryStore::new(), cfg);
    net.add_stations(5, sim::station_config);
    let mut answered = 0;
    let mut next_dn = 4000;
    let mut withheld = false;
    for _ in 0..40 {
        net.advance(Duration::from_secs(2));
        let reqs: Vec<(ConnId, DeviceName)> = net
            .registrar_events
            .iter()
            .skip(answered)
            .filter_map(|(_, _, e)| match e {
                Event::CreateDevice { conn, device, .. } => Some((*conn, *device)),
                _ => None,
            })
            .collect();
        answered = net.registrar_events.len();
        for (conn, device) in reqs {
            if !withheld && device == sim::name_of(3) {
                withheld = true;
                continue;
            }
            let now = net.now;
            let r = net.registrars[0].as_mut().unwrap();
            r.handle_store_result(
                now,
                conn,
                device,
                registrar::StoreResult::Created { dn: next_dn },
            )
            .unwrap();
            next_dn += 1;
            net.after_registrar(0);
        }
        if net.all_on(0) {
            break;
        }
    }
    assert!(net.all_on(0));
    assert_eq!(net.registrar(0).totals().auto_registered, 5);
    let timeouts = net
        .registrar_events
        .iter()
        .filter(|(_, _, e)| {
            matches!(
                e,
                Event::Rejected {
                    reason: registrar::AUTO_REG_DB_TIMEOUT,
                    ..
                }
            )
        })
        .count();
    assert_eq!(timeouts, 1);
    net.registrar(0).check_invariants().unwrap();
}

// --- Cluster notice and administrator commands (§2.4 rows 17, 20, 21) ---

const KNOWN: &str = "SEP001E7AC4D231";

fn known() -> DeviceName {
    DeviceName::parse(KNOWN.as_bytes()).unwrap()
}

/// A registrar with the known device registered on conn 1 from 10.0.0.5.
fn with_known_registered(cfg: registrar::Config) -> Registrar {
    let mut r = Registrar::new(cfg, one_device(), Instant::ZERO);
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes(KNOWN, DeviceType::Cisco7960, [10, 0, 0, 5]),
    )
    .unwrap();
    drain(&mut r);
    assert_eq!(r.registered_count(), 1);
    r
}

#[test]
fn registered_elsewhere_unregisters_and_closes_with_the_right_cause() {
    for (ip, cause) in [
        (
            Some(std::net::Ipv4Addr::new(10, 0, 0, 6)),
            UnregisterCause::SourceIpAddrChanged,
        ),
        (
            Some(std::net::Ipv4Addr::new(10, 0, 0, 5)),
            UnregisterCause::DuplicateRegistration,
        ),
        (None, UnregisterCause::DuplicateRegistration),
    ] {
        let mut r = with_known_registered(registrar::Config::default());
        assert!(r.handle_registered_elsewhere(Instant::from_secs(1), known(), ip));
        let (tx, ev) = drain(&mut r);
        assert!(tx.is_empty(), "row 20 sends nothing");
        assert_eq!(
            ev,
            [
                Event::Unregistered {
                    conn: ConnId(1),
                    device: known(),
                    cause
                },
                Event::Close { conn: ConnId(1) }
            ]
        );
        assert_eq!(r.registered_count(), 0);
        assert_eq!(r.connection_count(), 0);
        assert_eq!(r.totals().duplicates, 1);
        assert_eq!(r.device_counters(known()).unwrap().duplicates, 1);
        r.check_invariants().unwrap();
        // Not registered here (any more): nothing happens.
        assert!(!r.handle_registered_elsewhere(Instant::from_secs(2), known(), ip));
        assert_eq!(drain(&mut r), (vec![], vec![]));
    }
}

/// The notice in the network: the station sees its connection close and
/// fails over to its standby on the other node at once.
#[test]
fn registered_elsewhere_moves_the_station_to_its_standby() {
    let mut net = Net::standard(2, 1);
    net.advance(Duration::from_secs(2));
    assert!(net.all_on(0));
    assert!(net.stations[0].standby_cm().is_some());
    let now = net.now;
    let r = net.registrars[0].as_mut().unwrap();
    assert!(r.handle_registered_elsewhere(now, sim::name_of(0), None));
    net.after_registrar(0);
    net.advance(Duration::from_millis(10));
    assert!(net.all_on(1));
    assert_eq!(net.registrar(0).registered_count(), 0);
    assert_eq!(net.double_registrations, 0);
}

#[test]
fn delete_device_resets_the_station_and_forgets_the_record() {
    let mut r = with_known_registered(registrar::Config::default());
    assert_eq!(r.delete_device(Instant::from_secs(5), known()), Ok(true));
    let (tx, ev) = drain(&mut r);
    assert_eq!(tx.len(), 1);
    let (_, m) = Message::decode(&tx[0].2).unwrap();
    let Message::Reset(reset) = m else {
        panic!("{m:?}")
    };
    assert_eq!(reset.kind(), ResetType::Reset);
    assert_eq!(
        ev,
        [Event::Unregistered {
            conn: ConnId(1),
            device: known(),
            cause: UnregisterCause::DeviceDeleted
        }]
    );
    assert!(r.store().lookup(known()).is_none());
    assert!(!r.store().dn_in_use("2001"), "its number is free again");
    assert_eq!(r.registered_count(), 0);
    r.check_invariants().unwrap();
    // R4: keepalives are no longer answered; RT_CLOSE closes.
    assert!(r
        .handle_input(Instant::from_secs(6), ConnId(1), &keepalive_bytes())
        .is_err());
    r.handle_timeout(Instant::from_secs(16));
    assert_eq!(drain(&mut r).1, [Event::Close { conn: ConnId(1) }]);
    // Its next Register is an unknown device's.
    r.handle_input(
        Instant::from_secs(20),
        ConnId(2),
        &register_bytes(KNOWN, DeviceType::Cisco7960, [10, 0, 0, 5]),
    )
    .unwrap();
    let (tx, _) = drain(&mut r);
    assert_eq!(reject_text(&tx[0].2), "Device Unknown");
    // Deleting an unregistered device only edits the store.
    let mut r = Registrar::new(registrar::Config::default(), one_device(), Instant::ZERO);
    assert_eq!(r.delete_device(Instant::ZERO, known()), Ok(false));
    assert!(r.store().is_empty());
    assert_eq!(r.delete_device(Instant::ZERO, known()), Ok(false));
}

/// AS-23: range 1000–1001 exhausted by two auto-registered devices; a third
/// is rejected (autoRegisterDBError, counted by reason); after one is
/// deleted, freeing 1000, the third gets 1000 on its next loop.
#[test]
fn auto_registration_range_exhausted_then_freed_by_a_deletion() {
    let mut cfg = registrar::Config::default();
    cfg.auto_registration = Some((1000, 1001));
    let mut net = Net::new(1, MemoryStore::new(), cfg);
    net.add_stations(2, sim::station_config);
    net.advance(Duration::from_secs(1));
    assert_eq!(net.count_on(0), 2);
    let first = net
        .registrar_events
        .iter()
        .find_map(|(_, _, e)| match e {
            Event::AutoRegistered { device, dn: 1000 } => Some(*device),
            _ => None,
        })
        .unwrap();
    net.add_stations(1, sim::station_config);
    net.advance(Duration::from_secs(1));
    assert_eq!(net.stations[2].active_cm(), None);
    let third = sim::name_of(2);
    assert_eq!(
        net.registrar(0).device_counters(third).unwrap().rejections,
        1
    );
    assert!(net.registrar_events.iter().any(|(_, _, e)| matches!(
        e,
        Event::Rejected { device: Some(d), reason: registrar::AUTO_REG_NO_DN, .. } if *d == third
    )));
    let now = net.now;
    let r = net.registrars[0].as_mut().unwrap();
    assert_eq!(r.delete_device(now, first), Ok(true));
    net.after_registrar(0);
    // The station loops (retry 10–12.5 s) and registers with 1000.
    net.advance(Duration::from_secs(30));
    assert_eq!(net.stations[2].active_cm(), Some(0));
    assert!(net.registrar_events.iter().any(|(_, _, e)| matches!(
        e,
        Event::AutoRegistered { device, dn: 1000 } if *device == third
    )));
    net.registrar(0).check_invariants().unwrap();
}

#[test]
fn update_device_resets_a_registration_the_new_record_no_longer_admits() {
    // Numbers only: no reset, the record changes for the next registration.
    let mut r = with_known_registered(registrar::Config::default());
    let rec = DeviceRecord::new(DeviceType::Cisco7960, vec!["2002".into()]);
    assert_eq!(
        r.update_device(Instant::from_secs(1), known(), rec),
        Ok(false)
    );
    assert!(drain(&mut r).0.is_empty());
    assert_eq!(
        r.store().lookup(known()).unwrap().directory_numbers,
        ["2002"]
    );
    assert!(r.store().dn_in_use("2002") && !r.store().dn_in_use("2001"));
    // Another model: Reset(reset); the new Register gets Version Error.
    let rec = DeviceRecord::new(DeviceType::Cisco7965, vec!["2002".into()]);
    assert_eq!(
        r.update_device(Instant::from_secs(2), known(), rec),
        Ok(true)
    );
    let (tx, _) = drain(&mut r);
    assert_eq!(tx[0].1, id::RESET);
    r.handle_conn_event(Instant::from_secs(3), ConnId(1), ConnEvent::Closed);
    assert!(drain(&mut r).1.contains(&Event::Unregistered {
        conn: ConnId(1),
        device: known(),
        cause: UnregisterCause::CallManagerReset
    }));
    r.handle_input(
        Instant::from_secs(4),
        ConnId(2),
        &register_bytes(KNOWN, DeviceType::Cisco7960, [10, 0, 0, 5]),
    )
    .unwrap();
    assert_eq!(reject_text(&drain(&mut r).0[0].2), "Version Error");
    // Disabled: reset too (a phone not registered is only edited).
    let mut r = with_known_registered(registrar::Config::default());
    let mut rec = DeviceRecord::new(DeviceType::Cisco7960, vec!["2001".into()]);
    rec.enabled = false;
    assert_eq!(
        r.update_device(Instant::from_secs(1), known(), rec),
        Ok(true)
    );
    assert_eq!(drain(&mut r).0[0].1, id::RESET);
    r.check_invariants().unwrap();
}

#[test]
fn set_parameter_enforces_the_ranges_and_applies_to_later_registrations() {
    use registrar::Parameter as P;
    let mut r = Registrar::new(registrar::Config::default(), one_device(), Instant::ZERO);
    let before = r.config().clone();
    for bad in [
        P::Keepalive(Duration::from_secs(1001)),
        P::Keepalive(Duration::from_secs(5)),
        P::SecondaryKeepalive(Duration::from_secs(9)),
        P::KeepaliveMissLimit(0),
        P::KeepaliveMissLimit(11),
        P::AutoRegistration(Some((5, 4))),
        P::MaxDevices(Some(0)),
        P::ProtocolVersions(12, 11),
        P::TokenBackoff(Duration::from_secs(29)),
        P::TokenBusyWait(Duration::from_millis(999)),
    ] {
        assert_eq!(r.set_parameter(bad), Err(registrar::OutOfRange), "{bad:?}");
    }
    assert_eq!(r.config(), &before, "refused values leave the old ones");
    r.set_parameter(P::Keepalive(Duration::from_secs(90)))
        .unwrap();
    r.set_parameter(P::KeepaliveMissLimit(2)).unwrap();
    r.set_parameter(P::MaxDevices(Some(1))).unwrap();
    r.set_parameter(P::AutoRegistration(Some((7000, 7001))))
        .unwrap();
    r.set_parameter(P::TokenBackoff(Duration::from_secs(45)))
        .unwrap();
    assert_eq!(r.config().token_backoff, Duration::from_secs(45));
    r.handle_input(
        Instant::ZERO,
        ConnId(1),
        &register_bytes(KNOWN, DeviceType::Cisco7960, [10, 0, 0, 5]),
    )
    .unwrap();
    let (tx, _) = drain(&mut r);
    let Message::RegisterAck(ack) = Message::decode(&tx[0].2).unwrap().1 else {
        panic!()
    };
    assert_eq!(ack.keepalive_interval.get(), 90);
    // RT_DEAD = 2 × 90 s now.
    r.handle_timeout(Instant::from_secs(179));
    assert_eq!(r.registered_count(), 1);
    r.handle_timeout(Instant::from_secs(181));
    assert_eq!(r.registered_count(), 0);
    drain(&mut r);
    // max_devices 1: the second device is refused while the first is on.
    r.handle_input(
        Instant::from_secs(200),
        ConnId(2),
        &register_bytes(KNOWN, DeviceType::Cisco7960, [10, 0, 0, 5]),
    )
    .unwrap();
    drain(&mut r);
    r.handle_input(
        Instant::from_secs(200),
        ConnId(3),
        &register_bytes(NEW, DeviceType::Cisco7960, [10, 0, 0, 9]),
    )
    .unwrap();
    let (tx, ev) = drain(&mut r);
    assert_eq!(reject_text(&tx[0].2), "Max Devices Exceeded");
    // ... after auto-registration created it with the new range's first number.
    assert!(ev.contains(&Event::AutoRegistered {
        device: new_device(),
        dn: 7000
    }));
}
