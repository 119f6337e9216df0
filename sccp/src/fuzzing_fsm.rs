//! Fuzz bodies for the state machines: the input is a script of operations
//! (deliver a canned or arbitrary message, split bytes, connection events,
//! time jumps, owner commands). After every step the machine's invariants are
//! checked, and after `handle_timeout(deadline)` the next deadline must lie
//! after it.

use std::vec::Vec;

use arbitrary::Unstructured;
use core::net::SocketAddr;
use core::time::Duration;
use dialtone_core::{ConnId, Instant};

use crate::enums::{DeviceType, RejectReason, ResetType};
use crate::registrar::{self, DeviceName, DeviceRecord, MemoryStore, Registrar};
use crate::station::{self, Station};
use crate::wire::message::Message;
use crate::wire::types::{
    Alarm, Fixed, RegisterAck, RegisterForm, RegisterFull, RegisterReject, RegisterTokenReq,
    RegisterTokenReqBase, Reset, TokenAddress, Word,
};
use crate::wire::{Ipv4, StationId};

fn enc(msg: &Message<'_>, hv: u32) -> Vec<u8> {
    let mut out = std::vec![0u8; msg.buffer_len()];
    let _ = msg.emit_with_version(hv, &mut out);
    out
}

/// A message a CallManager could send, chosen by `u`.
fn cm_message(u: &mut Unstructured<'_>) -> Vec<u8> {
    let k: u8 = u.int_in_range(0..=11).unwrap_or(0);
    let w: u32 = u.int_in_range(0..=130).unwrap_or(0);
    let hv = if u.arbitrary::<bool>().unwrap_or(false) {
        0
    } else {
        0x14
    };
    match k {
        0 => {
            let ack = RegisterAck::new(w, "M/D/YA", w.wrapping_mul(2), 20, 0).unwrap_or_default();
            enc(&Message::RegisterAck(Fixed::new(&ack)), 0)
        }
        1 | 2 => enc(&Message::KeepAliveAck(Fixed::EMPTY), hv),
        3 => enc(&Message::CapabilitiesReq(Fixed::EMPTY), hv),
        4 => {
            let texts = ["Version Error", "Device Unknown", "IP Not Authorized", ""];
            let t = texts.get(w as usize % texts.len()).copied().unwrap_or("");
            let r = RegisterReject::new(t).unwrap_or_default();
            enc(&Message::RegisterReject(Fixed::new(&r)), hv)
        }
        5 => {
            let r = Reset::new(ResetType::from(w % 4));
            enc(&Message::Reset(Fixed::new(&r)), hv)
        }
        6 => enc(&Message::RegisterTokenAck(Fixed::EMPTY), hv),
        7 => {
            let x = Word::new(w);
            enc(&Message::RegisterTokenReject(Fixed::new(&x)), hv)
        }
        8 => {
            let x = Word::new(0);
            enc(&Message::UnregisterAck(Fixed::new(&x)), 0)
        }
        9 => enc(&Message::ClearDisplay(Fixed::EMPTY), hv),
        10 => enc(
            &Message::DefineTimeDate(Fixed::new(&Default::default())),
            hv,
        ),
        _ => {
            let len = u.int_in_range(0..=40).unwrap_or(0);
            u.bytes(len).map(<[u8]>::to_vec).unwrap_or_default()
        }
    }
}

/// Drives a [`Station`] with a script decoded from `data`.
///
/// # Panics
/// When an invariant breaks (that is the point).
pub fn station_script(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let cms: Vec<SocketAddr> = (1..=3u8)
        .map(|i| SocketAddr::from(([10, 0, 0, i], 2000)))
        .collect();
    let mut cfg = station::Config::new([0, 0x1e, 0x7a, 0xc4, 0xd2, 0x31], cms);
    cfg.standby_requires_ack = u.arbitrary().unwrap_or(true);
    if u.arbitrary().unwrap_or(false) {
        cfg.retry_after = Some(Duration::from_secs(10));
    }
    let mut now = Instant::ZERO;
    let mut st = Station::new(cfg, now, u.arbitrary().unwrap_or(0));
    let mut conns: Vec<ConnId> = Vec::new();
    let mut buf = [0u8; 1024];
    let mut drain = |st: &mut Station, conns: &mut Vec<ConnId>| {
        let call = st.call_active();
        while let Ok(Some(t)) = st.poll_transmit(&mut buf) {
            assert!(t.len >= 12 && t.len <= buf.len());
            let decoded = Message::decode(buf.get(..t.len).unwrap_or(&[]));
            assert!(decoded.is_ok(), "station sends decodable messages");
            if let Ok((_, m)) = decoded {
                // Rows 69–71: no fallback step during a call.
                assert!(
                    !(call && m.id() == crate::wire::message::id::REGISTER_TOKEN_REQ),
                    "token request during a call"
                );
            }
        }
        while let Some(ev) = st.poll_event() {
            match ev {
                station::Event::Connect { conn, .. } => conns.push(conn),
                // Rows 63/76: a reset waits for the end of the call.
                station::Event::ResetRequested { .. } => {
                    assert!(!call, "reset applied during a call");
                }
                _ => {}
            }
        }
    };
    drain(&mut st, &mut conns);
    for _ in 0..256 {
        if u.is_empty() {
            break;
        }
        let op: u8 = u.int_in_range(0..=12).unwrap_or(0);
        let pick = |u: &mut Unstructured<'_>, conns: &[ConnId]| -> ConnId {
            let n = conns.len().max(1);
            let i = u.int_in_range(0..=n - 1).unwrap_or(0);
            conns.get(n - 1 - i).copied().unwrap_or(ConnId(0))
        };
        match op {
            0 => {
                let ms: u64 = u.int_in_range(0..=200_000).unwrap_or(0);
                now += Duration::from_millis(ms);
                st.handle_timeout(now);
            }
            1 | 2 => {
                if let Some(d) = st.poll_timeout() {
                    now = now.max(d);
                    st.handle_timeout(now);
                    drain(&mut st, &mut conns);
                    if let Some(next) = st.poll_timeout() {
                        assert!(next > now, "poll_timeout must move forward");
                    }
                }
            }
            3 => {
                let c = pick(&mut u, &conns);
                let ev = match u.int_in_range(0..=3).unwrap_or(0) {
                    0 | 1 => station::ConnEvent::Connected,
                    2 => station::ConnEvent::Closed,
                    _ => station::ConnEvent::Refused,
                };
                st.handle_conn_event(now, c, ev);
            }
            4..=6 => {
                let c = pick(&mut u, &conns);
                let m = cm_message(&mut u);
                let _ = st.handle_input(now, c, &m);
            }
            7 => {
                let c = pick(&mut u, &conns);
                let m = cm_message(&mut u);
                let cut = u.int_in_range(0..=m.len()).unwrap_or(0);
                let (a, b) = m.split_at(cut.min(m.len()));
                let _ = st.handle_input(now, c, a);
                let _ = st.handle_input(now, c, b);
            }
            8 => st.unregister(now),
            10 => st.set_call_active(now, u.arbitrary().unwrap_or(false)),
            11 => st.handle_link_down(now),
            12 => st.handle_link_up(now),
            _ => {
                if u.arbitrary().unwrap_or(false) {
                    st.start(now);
                }
            }
        }
        drain(&mut st, &mut conns);
        if let Err(e) = st.check_invariants() {
            panic!("station invariant: {e} ({:?})", st.state());
        }
    }
}

/// A message a station could send, chosen by `u`.
fn station_message(u: &mut Unstructured<'_>) -> Vec<u8> {
    let k: u8 = u.int_in_range(0..=12).unwrap_or(0);
    let names: [&str; 4] = [
        "SEP001E7AC4D231",
        "SEP00000000BEEF",
        "SEP001E7AC4D2",
        "SEPAAAAAAAAAAAA",
    ];
    let name = names
        .get(usize::from(u.int_in_range(0..=3u8).unwrap_or(0)))
        .copied()
        .unwrap_or("");
    let hv = if u.arbitrary::<bool>().unwrap_or(false) {
        0
    } else {
        0x11
    };
    match k {
        0 | 1 => {
            let mut reg = RegisterFull::default();
            reg.base.station = StationId::new(name, 1).unwrap_or_default();
            let t = if u.arbitrary::<bool>().unwrap_or(true) {
                DeviceType::Cisco7960
            } else {
                DeviceType::Cisco7965
            };
            reg.base.device_type = u32::from(t).into();
            reg.base.station_ip = Ipv4([10, 0, 0, u.arbitrary().unwrap_or(1)]);
            reg.v44.protocol_version = u.int_in_range(0..=25).unwrap_or(11);
            let form = RegisterForm::ALL
                .get(usize::from(u.int_in_range(0..=6u8).unwrap_or(0)))
                .copied()
                .unwrap_or(RegisterForm::B36);
            enc(&Message::Register(reg.view(form)), 0)
        }
        2..=4 => enc(&Message::KeepAlive(Fixed::EMPTY), hv),
        5 => enc(&Message::Unregister(Fixed::EMPTY), hv),
        6 => {
            let base = RegisterTokenReqBase {
                station: StationId::new(name, 1).unwrap_or_default(),
                station_ip: Ipv4([10, 0, 0, 1]),
                device_type: u32::from(DeviceType::Cisco7960).into(),
            };
            let ip = Ipv4([10, 0, 0, 1]);
            enc(
                &Message::RegisterTokenReq(RegisterTokenReq {
                    base: &base,
                    address: TokenAddress::V4(&ip),
                    trailing: &[],
                }),
                hv,
            )
        }
        7 => enc(&Message::ButtonTemplateReq(Fixed::EMPTY), hv),
        8 => {
            let w = Word::new(u.int_in_range(0..=3).unwrap_or(1));
            enc(&Message::LineStatReq(Fixed::new(&w)), hv)
        }
        9 => enc(&Message::TimeDateReq(Fixed::EMPTY), hv),
        10 => {
            let a = Alarm::default();
            enc(&Message::Alarm(Fixed::new(&a)), hv)
        }
        11 => {
            let pick = u.int_in_range(0..=3u8).unwrap_or(0);
            let m = match pick {
                0 => Message::SoftKeyTemplateReq(Fixed::EMPTY),
                1 => Message::SoftKeySetReq(Fixed::EMPTY),
                2 => Message::ConfigStatReq(Fixed::EMPTY),
                _ => Message::CapabilitiesReq(Fixed::EMPTY),
            };
            enc(&m, hv)
        }
        _ => {
            let len = u.int_in_range(0..=40).unwrap_or(0);
            u.bytes(len).map(<[u8]>::to_vec).unwrap_or_default()
        }
    }
}

/// Drives a [`Registrar`] with a script decoded from `data`.
///
/// # Panics
/// When an invariant breaks.
pub fn registrar_script(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let mut store = MemoryStore::new();
    let known = DeviceName::parse(b"SEP001E7AC4D231");
    if let Some(n) = known {
        store.insert(
            n,
            DeviceRecord::new(DeviceType::Cisco7960, std::vec!["2001".into()]),
        );
    }
    let mut cfg = registrar::Config::default();
    if u.arbitrary().unwrap_or(false) {
        cfg.auto_registration = Some((3000, 3001));
    }
    if u.arbitrary().unwrap_or(false) {
        cfg.duplicate_policy = registrar::DuplicatePolicy::RejectNew;
    }
    if u.arbitrary().unwrap_or(false) {
        cfg.unknown_device_response = registrar::UnknownDeviceResponse::Close;
    }
    if u.arbitrary().unwrap_or(false) {
        cfg.store_mode = registrar::StoreMode::Asynchronous;
    }
    let mut now = Instant::ZERO;
    let mut r = Registrar::new(cfg, store, now);
    let names: Vec<DeviceName> = [
        &b"SEP001E7AC4D231"[..],
        b"SEP00000000BEEF",
        b"SEPAAAAAAAAAAAA",
    ]
    .iter()
    .filter_map(|n| DeviceName::parse(n))
    .collect();
    let mut buf = [0u8; 1024];
    let mut drain = |r: &mut Registrar| {
        while let Ok(Some(t)) = r.poll_transmit(&mut buf) {
            assert!(
                Message::decode(buf.get(..t.len).unwrap_or(&[])).is_ok(),
                "registrar sends decodable messages"
            );
        }
        while r.poll_event().is_some() {}
    };
    for _ in 0..256 {
        if u.is_empty() {
            break;
        }
        let op: u8 = u.int_in_range(0..=14).unwrap_or(0);
        let conn = ConnId(u32::from(u.int_in_range(0..=5u8).unwrap_or(0)));
        match op {
            0 => {
                let ms: u64 = u.int_in_range(0..=200_000).unwrap_or(0);
                now += Duration::from_millis(ms);
                r.handle_timeout(now);
            }
            1 => {
                if let Some(d) = r.poll_timeout() {
                    now = now.max(d);
                    r.handle_timeout(now);
                    drain(&mut r);
                    if let Some(next) = r.poll_timeout() {
                        assert!(next > now, "poll_timeout must move forward");
                    }
                }
            }
            2 => {
                let ev = if u.arbitrary().unwrap_or(true) {
                    registrar::ConnEvent::Connected
                } else {
                    registrar::ConnEvent::Closed
                };
                r.handle_conn_event(now, conn, ev);
            }
            3..=6 => {
                let m = station_message(&mut u);
                let _ = r.handle_input(now, conn, &m);
            }
            7 => {
                let m = station_message(&mut u);
                let cut = u.int_in_range(0..=m.len()).unwrap_or(0);
                let (a, b) = m.split_at(cut.min(m.len()));
                let _ = r.handle_input(now, conn, a);
                let _ = r.handle_input(now, conn, b);
            }
            8 => {
                if let Some(n) = known {
                    r.reset_device(now, n, ResetType::Restart);
                }
            }
            10 => {
                let i = usize::from(u.int_in_range(0..=2u8).unwrap_or(0));
                let dev = names.get(i).copied();
                let res = match u.int_in_range(0..=3u8).unwrap_or(0) {
                    0 | 1 => registrar::StoreResult::Created {
                        dn: u.int_in_range(3000..=3002).unwrap_or(3000),
                    },
                    2 => registrar::StoreResult::NoFreeDn,
                    _ => registrar::StoreResult::Failed,
                };
                if let Some(dev) = dev {
                    let _ = r.handle_store_result(now, conn, dev, res);
                }
            }
            11..=13 => {
                let i = usize::from(u.int_in_range(0..=2u8).unwrap_or(0));
                let Some(dev) = names.get(i).copied() else {
                    continue;
                };
                match op {
                    11 => {
                        let ip = u
                            .arbitrary::<Option<u8>>()
                            .unwrap_or(None)
                            .map(|b| core::net::Ipv4Addr::new(10, 0, 0, b));
                        r.handle_registered_elsewhere(now, dev, ip);
                    }
                    12 => {
                        let _ = r.delete_device(now, dev);
                    }
                    _ => {
                        let t = if u.arbitrary().unwrap_or(true) {
                            DeviceType::Cisco7960
                        } else {
                            DeviceType::Cisco7965
                        };
                        let mut rec = DeviceRecord::new(t, std::vec!["3000".into()]);
                        rec.enabled = u.arbitrary().unwrap_or(true);
                        let _ = r.update_device(now, dev, rec);
                    }
                }
            }
            14 => {
                let secs = Duration::from_secs(u.int_in_range(0..=1200).unwrap_or(30));
                let n: u8 = u.int_in_range(0..=12).unwrap_or(3);
                let p = match u.int_in_range(0..=7u8).unwrap_or(0) {
                    0 => registrar::Parameter::Keepalive(secs),
                    1 => registrar::Parameter::SecondaryKeepalive(secs),
                    2 => registrar::Parameter::KeepaliveMissLimit(n),
                    3 => registrar::Parameter::AutoRegistration(
                        u.arbitrary::<bool>()
                            .unwrap_or(false)
                            .then_some((3000, 3000 + u32::from(n))),
                    ),
                    4 => registrar::Parameter::MaxDevices(Some(usize::from(n))),
                    5 => registrar::Parameter::ProtocolVersions(n, n.saturating_mul(2)),
                    6 => registrar::Parameter::TokenBackoff(secs),
                    _ => registrar::Parameter::DuplicatePolicy(if n % 2 == 0 {
                        registrar::DuplicatePolicy::NewestWins
                    } else {
                        registrar::DuplicatePolicy::RejectNew
                    }),
                };
                let _ = r.set_parameter(p);
            }
            _ => r.set_busy(u.arbitrary().unwrap_or(false)),
        }
        drain(&mut r);
        if let Err(e) = r.check_invariants() {
            panic!("registrar invariant: {e}");
        }
    }
    // Reject reasons stay typed.
    let _ = RejectReason::from_text(b"Device Unknown");
}
