//! Parsing and reading every header field allocates nothing.

use dialtone_sip_reg::wire::{HeaderName, Message};
use std::alloc::System;

use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const REGISTER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/register.sip"
));
const CHALLENGE: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/401.sip"
));

fn read_everything(buf: &[u8]) -> usize {
    let m = Message::parse(buf).expect("sample parses");
    let mut n = 0;
    for v in m.vias() {
        let v = v.expect("via");
        n += v.branch().map_or(0, str::len) + usize::from(v.rport().is_ok());
    }
    n += m.from().expect("from").tag().map_or(0, str::len);
    n += m.to().expect("to").tag().map_or(0, str::len);
    n += m.call_id().expect("call-id").len();
    n += m.cseq().expect("cseq").seq as usize;
    for c in m.contacts() {
        let c = c.expect("contact");
        n += c.instance().map_or(0, str::len);
        n += usize::from(c.expires().is_some()) + usize::from(c.q().is_some());
    }
    n += m.expires().map_or(0, |e| e.unwrap_or(0) as usize);
    for c in m.credentials(false) {
        let c = c.expect("credentials");
        n += c.nonce.map_or(0, str::len) + c.nc.unwrap_or(0) as usize;
    }
    for c in m.challenges(false) {
        n += c.expect("challenge").nonce.map_or(0, str::len);
    }
    n += m.user_agent().map_or(0, str::len) + m.server().map_or(0, str::len);
    n += m.list_values(HeaderName::Supported).count();
    n
}

#[test]
fn parse_and_read_every_field_allocates_nothing() {
    let _ = read_everything(REGISTER);
    let mut total = 0;
    let region = Region::new(GLOBAL);
    for _ in 0..100 {
        total += read_everything(REGISTER);
        total += read_everything(CHALLENGE);
    }
    let stats = region.change();
    assert!(total > 0);
    assert_eq!(stats.allocations, 0, "parsing allocated: {stats:?}");
    assert_eq!(stats.reallocations, 0);
}
