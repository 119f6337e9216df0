//! Memory per registered station in the registrar (connection state, timer
//! entry, device index, per-device counters; the device store excluded),
//! measured with a counting global allocator for 100,000 stations; and the
//! keepalive path allocates nothing.

use std::alloc::System;

use dialtone_core::{ConnId, Instant};
use dialtone_sccp::registrar::{self, DeviceName, DeviceRecord, MemoryStore, Registrar};
use dialtone_sccp::types::{Fixed, RegisterForm, RegisterFull};
use dialtone_sccp::{DeviceType, Message, StationId};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const N: u32 = 100_000;

fn mac(i: u32) -> [u8; 6] {
    let b = i.to_be_bytes();
    [0, 0x1e, b[0], b[1], b[2], b[3]]
}

fn register(i: u32) -> Vec<u8> {
    let mut reg = RegisterFull::default();
    let name = String::from_utf8(DeviceName::from_mac(mac(i)).to_bytes().to_vec()).unwrap();
    reg.base.station = StationId::new(&name, 1).unwrap();
    reg.base.device_type = u32::from(DeviceType::Cisco7960).into();
    reg.v44.protocol_version = 11;
    let m = Message::Register(reg.view(RegisterForm::B68));
    let mut v = vec![0; m.buffer_len()];
    m.emit(&mut v).unwrap();
    v
}

#[test]
fn memory_per_registered_station_is_at_most_256_bytes_and_keepalives_do_not_allocate() {
    let mut store = MemoryStore::new();
    for i in 0..N {
        store.insert(DeviceName::from_mac(mac(i)), DeviceRecord::new(DeviceType::Cisco7960, vec![]));
    }
    let regs: Vec<Vec<u8>> = (0..N).map(register).collect();
    let mut buf = [0u8; 1024];
    let region = Region::new(GLOBAL);
    let mut r = Registrar::new(registrar::Config::default(), store, Instant::ZERO);
    let base = region.change();
    let base_bytes = base.bytes_allocated as i64 - base.bytes_deallocated as i64;
    for (i, reg) in regs.iter().enumerate() {
        r.handle_input(Instant::ZERO, ConnId(i as u32), reg).unwrap();
        while r.poll_transmit(&mut buf).unwrap().is_some() {}
        while r.poll_event().is_some() {}
    }
    assert_eq!(r.registered_count(), N as usize);
    let s = region.change();
    let live = s.bytes_allocated as i64 - s.bytes_deallocated as i64 - base_bytes;
    let per = live as f64 / f64::from(N);
    eprintln!("registrar memory: {live} bytes for {N} registered stations = {per:.1} B/station");
    assert!(per <= 256.0, "{per} bytes per station");

    // Keepalive → KeepAliveAck: no allocation.
    let ka = {
        let m = Message::KeepAlive(Fixed::EMPTY);
        let mut v = vec![0; 12];
        m.emit(&mut v).unwrap();
        v
    };
    let now = Instant::from_secs(10);
    for i in 0..1000 {
        r.handle_input(now, ConnId(i), &ka).unwrap();
        while r.poll_transmit(&mut buf).unwrap().is_some() {}
    }
    let region = Region::new(GLOBAL);
    for i in 0..N {
        r.handle_input(now, ConnId(i), &ka).unwrap();
        while r.poll_transmit(&mut buf).unwrap().is_some() {}
    }
    let s = region.change();
    assert_eq!(s.allocations, 0, "keepalive path allocated");
}
