//! Decoding and reading every option allocates nothing (counting global
//! allocator); neither does a client exchange.

use std::alloc::System;
use std::net::SocketAddr;

use dialtone_core::Instant;
use dialtone_dhcp_opts::client::{Client, Config};
use dialtone_dhcp_opts::wire::{Ipv4List, OptionVisitor, PacketWalk};
use dialtone_dhcp_opts::{DhcpOption, OptionValue, Packet};
use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};

// stats_alloc wraps the system allocator (the workspace forbids `unsafe`).
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn allocations() -> usize {
    GLOBAL.stats().allocations + GLOBAL.stats().reallocations
}

const ACK: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/dhcp-ack.bin"
));
const DISCOVER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/dhcp-discover.bin"
));

fn read_all(bytes: &[u8]) -> usize {
    let p = Packet::new_checked(bytes).unwrap();
    let mut n = 0usize;
    for o in p.typed() {
        n += match o {
            DhcpOption::Routers(l) | DhcpOption::DnsServers(l) | DhcpOption::TftpServers(l) => {
                l.iter().count()
            }
            DhcpOption::DomainName(v) | DhcpOption::TftpServerName(v) | DhcpOption::HostName(v) => {
                v.len()
            }
            DhcpOption::VendorClass(v)
            | DhcpOption::ParameterRequestList(v)
            | DhcpOption::ClientId(v) => v.len(),
            _ => 1,
        };
    }
    n += p.tftp_servers().map_or(0, |l| l.len());
    n += usize::from(p.server_id().is_some());
    n
}

#[test]
fn decode_and_walk_all_options_allocates_nothing() {
    // The test harness itself may allocate on other threads: measure a
    // window on this thread only, several times, and keep the minimum.
    let mut min = usize::MAX;
    for _ in 0..5 {
        let before = allocations();
        let n = read_all(std::hint::black_box(ACK)) + read_all(std::hint::black_box(DISCOVER));
        let after = allocations();
        assert!(n > 0);
        min = min.min(after - before);
    }
    assert_eq!(min, 0);
}

fn walk_all(bytes: &[u8]) -> usize {
    let w = PacketWalk::new_checked(bytes).unwrap();
    let mut n = w.xid() as usize;
    let mut it = w.typed();
    for o in it.by_ref() {
        n += match o.unwrap() {
            DhcpOption::Routers(l) | DhcpOption::DnsServers(l) | DhcpOption::TftpServers(l) => {
                l.iter().count()
            }
            DhcpOption::DomainName(v) | DhcpOption::TftpServerName(v) | DhcpOption::HostName(v) => {
                v.len()
            }
            _ => 1,
        };
    }
    n + usize::from(it.repeated())
}

#[test]
fn one_pass_walk_allocates_nothing() {
    let mut min = usize::MAX;
    for _ in 0..5 {
        let before = allocations();
        let n = walk_all(std::hint::black_box(ACK)) + walk_all(std::hint::black_box(DISCOVER));
        let after = allocations();
        assert!(n > 0);
        min = min.min(after - before);
    }
    assert_eq!(min, 0);
}

/// Reads what `walk_all` reads, through a visitor.
#[derive(Default)]
struct Count(usize);

impl<'a> OptionVisitor<'a> for Count {
    fn option(&mut self, _: DhcpOption<'a>) {
        self.0 += 1;
    }
    fn routers(&mut self, l: Ipv4List<'a>) {
        self.0 += l.iter().count();
    }
    fn dns_servers(&mut self, l: Ipv4List<'a>) {
        self.0 += l.iter().count();
    }
    fn tftp_servers(&mut self, l: Ipv4List<'a>) {
        self.0 += l.iter().count();
    }
    fn domain_name(&mut self, v: OptionValue<'a>) {
        self.0 += v.len();
    }
    fn tftp_server_name(&mut self, v: OptionValue<'a>) {
        self.0 += v.len();
    }
    fn host_name(&mut self, v: OptionValue<'a>) {
        self.0 += v.len();
    }
}

fn visit_all(bytes: &[u8]) -> usize {
    let w = PacketWalk::new_checked(bytes).unwrap();
    let mut c = Count::default();
    w.visit(&mut c).unwrap();
    c.0 + w.xid() as usize
}

#[test]
fn visit_allocates_nothing() {
    let mut min = usize::MAX;
    for _ in 0..5 {
        let before = allocations();
        let n = visit_all(std::hint::black_box(ACK)) + visit_all(std::hint::black_box(DISCOVER));
        let after = allocations();
        assert!(n > 0);
        min = min.min(after - before);
    }
    assert_eq!(min, 0);
}

#[test]
fn client_discover_and_input_allocate_nothing() {
    let mut cfg = Config::new([0, 0x1e, 0x7a, 0xc4, 0xd2, 0x31]);
    cfg.initial_delay = (core::time::Duration::ZERO, core::time::Duration::ZERO);
    let from: SocketAddr = "10.0.0.1:67".parse().unwrap();
    let mut min = usize::MAX;
    for _ in 0..5 {
        let mut buf = [0u8; 1500];
        let before = allocations();
        let mut c = Client::new(cfg, Instant::ZERO, 1);
        c.handle_timeout(Instant::ZERO);
        let t = c.poll_transmit(&mut buf).unwrap().unwrap();
        let _ = c.handle_input(Instant::ZERO, from, ACK);
        while c.poll_event().is_some() {}
        let after = allocations();
        assert!(t.len >= 300);
        min = min.min(after - before);
    }
    assert_eq!(min, 0);
}

#[test]
fn the_counter_sees_allocations() {
    let before = allocations();
    let v = std::hint::black_box(vec![1u8; 64]);
    assert!(allocations() > before);
    drop(v);
}
