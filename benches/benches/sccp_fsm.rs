//! SCCP state machines: the registrar's keepalive path with 100,000
//! registered stations (framing, decode, timer re-arm, encode of the ack),
//! and one keepalive round trip through a registered station.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dialtone_core::{ConnId, Instant};
use dialtone_sccp::registrar::{self, DeviceName, DeviceRecord, MemoryStore, Registrar};
use dialtone_sccp::station::{self, ConnEvent, Event, Station};
use dialtone_sccp::types::{Fixed, RegisterAck, RegisterForm, RegisterFull};
use dialtone_sccp::{DeviceType, Message, StationId};

const N: u32 = 100_000;

fn mac(i: u32) -> [u8; 6] {
    let b = i.to_be_bytes();
    [0, 0x1e, b[0], b[1], b[2], b[3]]
}

fn enc(m: &Message<'_>) -> Vec<u8> {
    let mut v = vec![0; m.buffer_len()];
    m.emit(&mut v).unwrap();
    v
}

fn registrar_with_stations() -> Registrar {
    let mut store = MemoryStore::new();
    for i in 0..N {
        store.insert(DeviceName::from_mac(mac(i)), DeviceRecord::new(DeviceType::Cisco7960, vec![]));
    }
    let mut r = Registrar::new(registrar::Config::default(), store, Instant::ZERO);
    let mut buf = [0u8; 1024];
    for i in 0..N {
        let mut reg = RegisterFull::default();
        let name = DeviceName::from_mac(mac(i)).to_string();
        reg.base.station = StationId::new(&name, 1).unwrap();
        reg.base.device_type = u32::from(DeviceType::Cisco7960).into();
        reg.v44.protocol_version = 11;
        r.handle_input(Instant::ZERO, ConnId(i), &enc(&Message::Register(reg.view(RegisterForm::B68))))
            .unwrap();
        while r.poll_transmit(&mut buf).unwrap().is_some() {}
        while r.poll_event().is_some() {}
    }
    assert_eq!(r.registered_count(), N as usize);
    r
}

fn registrar_keepalive(c: &mut Criterion) {
    let mut r = registrar_with_stations();
    let ka = enc(&Message::KeepAlive(Fixed::EMPTY));
    let mut buf = [0u8; 64];
    let mut g = c.benchmark_group("sccp_fsm");
    const BATCH: u32 = 1000;
    g.throughput(Throughput::Elements(u64::from(BATCH)));
    let mut next = 0u32;
    let mut now_ms = 1000u64;
    g.bench_function("registrar_keepalive_100k_registered", |b| {
        b.iter(|| {
            now_ms += 1;
            let now = Instant::from_millis(now_ms);
            for _ in 0..BATCH {
                let conn = ConnId(next);
                next = if next + 1 == N { 0 } else { next + 1 };
                r.handle_input(now, conn, black_box(&ka)).unwrap();
                let t = r.poll_transmit(&mut buf).unwrap().unwrap();
                black_box(&buf[..t.len]);
            }
        });
    });
    g.finish();
}

fn station_keepalive(c: &mut Criterion) {
    let cm: SocketAddr = "127.0.0.1:2000".parse().unwrap();
    let mut st = Station::new(station::Config::new([0, 0x1e, 0x7a, 0xc4, 0xd2, 0x31], vec![cm]), Instant::ZERO, 1);
    let conn = loop {
        if let Some(Event::Connect { conn, .. }) = st.poll_event() {
            break conn;
        }
    };
    st.handle_conn_event(Instant::ZERO, conn, ConnEvent::Connected);
    let ack = RegisterAck::new(30, "M/D/YA", 60, 11, 0).unwrap();
    st.handle_input(Instant::ZERO, conn, &enc(&Message::RegisterAck(Fixed::new(&ack)))).unwrap();
    let mut buf = [0u8; 1024];
    while st.poll_transmit(&mut buf).unwrap().is_some() {}
    while st.poll_event().is_some() {}
    let ka_ack = enc(&Message::KeepAliveAck(Fixed::EMPTY));
    let mut g = c.benchmark_group("sccp_fsm");
    g.throughput(Throughput::Elements(1));
    g.bench_function("station_keepalive_round_trip", |b| {
        b.iter(|| {
            let due = st.poll_timeout().unwrap();
            st.handle_timeout(due);
            let t = st.poll_transmit(&mut buf).unwrap().unwrap();
            black_box(&buf[..t.len]);
            st.handle_input(due, conn, black_box(&ka_ack)).unwrap();
            black_box(st.poll_event());
        });
    });
    assert_eq!(st.active_cm(), Some(0));
    g.finish();
    let _ = Duration::ZERO;
}

criterion_group!(benches, registrar_keepalive, station_keepalive);
criterion_main!(benches);
