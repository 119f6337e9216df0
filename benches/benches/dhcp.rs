//! DHCP: decode a message and read every option, then encode, on the shared
//! samples (`testdata/samples/dhcp-ack.bin`, `dhcp-discover.bin`), next to
//! dhcproto (owned `Message::decode` and its borrowed view) and smoltcp
//! (`DhcpPacket` option walk, `DhcpRepr::emit`).
//!
//! What each side does per message:
//! - dialtone (typed): `Packet::new_checked` (header, cookie, every option's
//!   framing, repeated codes; it records each option's offset), then
//!   `Packet::typed()` (reads the options at those offsets): each option as a
//!   `DhcpOption` (addresses as `Ipv4Addr`, lists walked address by address,
//!   times as `u32`, names as values with their length, option 66 without its
//!   trailing NULs), every value read.
//! - dialtone (walk, typed): `PacketWalk::new_checked` (header and cookie,
//!   as smoltcp checks), then `PacketWalk::typed()`: one pass over the
//!   options typing each instance as it meets it (framing checked on the
//!   way, a framing error would be an item), read as in dialtone (typed).
//! - dialtone (walk, visitor): `PacketWalk::new_checked`, then
//!   `PacketWalk::visit`: the same walk, each option handed to the method of
//!   a visitor (`ReadAll`) for its type, which reads it as `read_typed!`
//!   does (`option`, the catch-all, counts the rest as 1): one dispatch on
//!   the code, no `DhcpOption` built, no second `match`.
//! - dialtone (accessors): the same check as dialtone (typed), then
//!   `Packet::merged()` (code + value) and the typed accessor the code calls
//!   for (`ipv4_list`, `ipv4`, `u32`, `u16`, `trim_trailing_nuls`, `len`),
//!   every value read.
//! - dialtone (by code): the same check, which also records where each code
//!   with an accessor sits, then all 20 typed accessors (`message_type`,
//!   `subnet_mask`, `routers`, ... `tftp_servers`, `relay_agent_info`), each
//!   reading its option without a search, and `others()` for the options
//!   without an accessor (none in these samples); every value read.
//! - smoltcp: `DhcpPacket::new_checked` (length only), then its option walk
//!   yielding raw (kind, data) pairs, summing kind and data length: no typed
//!   value (its `DhcpRepr` types some options but drops 15, 66 and 150).
//! - smoltcp + typed by hand: the same walk, then each value typed and read
//!   as `dialtone (typed)` reads it (lengths checked for the type, lists
//!   walked address by address, times as `u32`, option 66 without its
//!   trailing NULs): what a smoltcp user writes to get what our walk gives.
//! - smoltcp `DhcpRepr::parse`: smoltcp's own typed decode (the checks
//!   above plus hardware type and cookie, then the options it knows typed
//!   into fields, each field read); it keeps no option 15, 66 or 150 and
//!   at most 3 DNS servers, so it does less than the typed rows above.
//! - dhcproto borrowed: its checked view and raw option walk (data length).
//! - dhcproto `Message::decode`: the owned, allocating decode of every option.

#![allow(missing_docs)] // criterion_group!/criterion_main! generate undocumented items
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use dhcproto::Decodable;
use dialtone_dhcp_opts::wire::Ipv4List;
use dialtone_dhcp_opts::{
    DhcpOption, MessageRepr, MessageType, OptionRef, OptionValue, OptionVisitor, Packet, PacketWalk,
};
use std::net::Ipv4Addr;

const ACK: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/dhcp-ack.bin"
));
const DISCOVER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/dhcp-discover.bin"
));

/// Reads one typed option's value: addresses, every address of a list,
/// times, names by length (option 66 already without its trailing NULs).
/// A macro, not a function: written out in place, the `match` joins the
/// walk's own dispatch on the code (as a function, even `inline(always)`,
/// it costs 66 (walk) to 111 (typed) more instructions per ACK).
macro_rules! read_typed {
    ($o:expr) => {
        match $o {
            DhcpOption::Routers(l) | DhcpOption::DnsServers(l) | DhcpOption::TftpServers(l) => {
                l.iter().map(|a| a.octets()[3] as usize).sum()
            }
            DhcpOption::MessageType(_) => 1,
            DhcpOption::ServerId(a) | DhcpOption::SubnetMask(a) => a.octets()[0] as usize,
            DhcpOption::LeaseTime(v)
            | DhcpOption::RenewalTime(v)
            | DhcpOption::RebindingTime(v) => v as usize,
            DhcpOption::MaxMessageSize(v) => v as usize,
            DhcpOption::DomainName(v)
            | DhcpOption::TftpServerName(v)
            | DhcpOption::HostName(v)
            | DhcpOption::VendorClass(v)
            | DhcpOption::ClientId(v)
            | DhcpOption::ParameterRequestList(v) => v.len(),
            _ => 1,
        }
    };
}

/// Ours: view, then every option typed (lists and text walked).
#[inline(never)]
fn ours(bytes: &[u8]) -> usize {
    let p = Packet::new_checked(bytes).unwrap();
    let mut n = 0usize;
    for o in p.typed() {
        n += read_typed!(o);
    }
    n + p.xid() as usize
}

/// Ours, one pass: the head and cookie checked, then each option instance
/// typed as the walk meets it (what `ours` reads, the same way).
#[inline(never)]
fn ours_walk(bytes: &[u8]) -> usize {
    let w = PacketWalk::new_checked(bytes).unwrap();
    let mut n = 0usize;
    for o in w.typed() {
        let Ok(o) = o else {
            panic!("the samples are well-formed")
        };
        n += read_typed!(o);
    }
    n + w.xid() as usize
}

/// What `read_typed!` reads, through a visitor: one method per typed
/// option, `option` for the rest. `inline(always)`, as `read_typed!` is a
/// macro: the methods then become the arms of the walk's own dispatch.
struct ReadAll {
    n: usize,
}

impl<'a> OptionVisitor<'a> for ReadAll {
    #[inline(always)]
    fn option(&mut self, _: DhcpOption<'a>) {
        self.n += 1;
    }
    #[inline(always)]
    fn routers(&mut self, l: Ipv4List<'a>) {
        self.n += l.iter().map(|a| a.octets()[3] as usize).sum::<usize>();
    }
    #[inline(always)]
    fn dns_servers(&mut self, l: Ipv4List<'a>) {
        self.n += l.iter().map(|a| a.octets()[3] as usize).sum::<usize>();
    }
    #[inline(always)]
    fn tftp_servers(&mut self, l: Ipv4List<'a>) {
        self.n += l.iter().map(|a| a.octets()[3] as usize).sum::<usize>();
    }
    #[inline(always)]
    fn message_type(&mut self, _: MessageType) {
        self.n += 1;
    }
    #[inline(always)]
    fn server_id(&mut self, a: Ipv4Addr) {
        self.n += a.octets()[0] as usize;
    }
    #[inline(always)]
    fn subnet_mask(&mut self, a: Ipv4Addr) {
        self.n += a.octets()[0] as usize;
    }
    #[inline(always)]
    fn lease_time(&mut self, v: u32) {
        self.n += v as usize;
    }
    #[inline(always)]
    fn renewal_time(&mut self, v: u32) {
        self.n += v as usize;
    }
    #[inline(always)]
    fn rebinding_time(&mut self, v: u32) {
        self.n += v as usize;
    }
    #[inline(always)]
    fn max_message_size(&mut self, v: u16) {
        self.n += v as usize;
    }
    #[inline(always)]
    fn domain_name(&mut self, v: OptionValue<'a>) {
        self.n += v.len();
    }
    #[inline(always)]
    fn tftp_server_name(&mut self, v: OptionValue<'a>) {
        self.n += v.len();
    }
    #[inline(always)]
    fn host_name(&mut self, v: OptionValue<'a>) {
        self.n += v.len();
    }
    #[inline(always)]
    fn vendor_class(&mut self, v: OptionValue<'a>) {
        self.n += v.len();
    }
    #[inline(always)]
    fn client_id(&mut self, v: OptionValue<'a>) {
        self.n += v.len();
    }
    #[inline(always)]
    fn parameter_request_list(&mut self, v: OptionValue<'a>) {
        self.n += v.len();
    }
}

/// Ours, one pass through a visitor: the walk of `ours_walk`, each option's
/// method called with its typed value (no `DhcpOption`, no second `match`).
#[inline(never)]
fn ours_visit(bytes: &[u8]) -> usize {
    let w = PacketWalk::new_checked(bytes).unwrap();
    let mut r = ReadAll { n: 0 };
    if w.visit(&mut r).is_err() {
        panic!("the samples are well-formed")
    }
    r.n + w.xid() as usize
}

/// Ours: view, then every option's typed value through the accessor its code
/// calls for.
#[inline(never)]
fn ours_accessors(bytes: &[u8]) -> usize {
    use dialtone_dhcp_opts::code as c;
    let p = Packet::new_checked(bytes).unwrap();
    let mut n = 0usize;
    for (code, v) in p.merged() {
        n += match code {
            c::ROUTER | c::DNS | c::NTP_SERVERS | c::TFTP_SERVERS => v
                .ipv4_list()
                .map_or(1, |l| l.iter().map(|a| a.octets()[3] as usize).sum()),
            c::MESSAGE_TYPE => v.array::<1>().map_or(1, |[t]| t as usize),
            c::SERVER_ID | c::SUBNET_MASK | c::REQUESTED_IP => {
                v.ipv4().map_or(1, |a| a.octets()[0] as usize)
            }
            c::LEASE_TIME | c::RENEWAL_TIME | c::REBINDING_TIME => {
                v.u32().map_or(1, |t| t as usize)
            }
            c::MAX_MESSAGE_SIZE => v.u16().map_or(1, |t| t as usize),
            c::TFTP_SERVER_NAME => v.trim_trailing_nuls().len(),
            c::DOMAIN_NAME
            | c::HOST_NAME
            | c::VENDOR_CLASS
            | c::CLIENT_ID
            | c::PARAMETER_REQUEST_LIST => v.len(),
            _ => 1,
        };
    }
    n + p.xid() as usize
}

/// Ours: view, then every option through its own accessor (each found by
/// its code in the offsets the check recorded, no search), and the options
/// without one through `others()`; every value read.
#[inline(never)]
fn ours_by_code(bytes: &[u8]) -> usize {
    let p = Packet::new_checked(bytes).unwrap();
    let list = |l: Option<dialtone_dhcp_opts::wire::Ipv4List<'_>>| {
        l.map_or(0, |l| {
            l.iter().map(|a| a.octets()[3] as usize).sum::<usize>()
        })
    };
    let addr = |a: Option<std::net::Ipv4Addr>| a.map_or(0, |a| a.octets()[0] as usize);
    let len = |v: Option<dialtone_dhcp_opts::OptionValue<'_>>| v.map_or(0, |v| v.len());
    let mut n = p.message_type().map_or(0, |_| 1)
        + addr(p.subnet_mask())
        + addr(p.server_id())
        + addr(p.requested_ip())
        + list(p.routers())
        + list(p.dns_servers())
        + list(p.ntp_servers())
        + list(p.tftp_servers())
        + p.lease_time().map_or(0, |v| v as usize)
        + p.renewal_time().map_or(0, |v| v as usize)
        + p.rebinding_time().map_or(0, |v| v as usize)
        + p.max_message_size().map_or(0, |v| v as usize)
        + len(p.host_name())
        + len(p.domain_name())
        + len(p.vendor_specific())
        + len(p.parameter_request_list())
        + len(p.vendor_class())
        + len(p.client_id())
        + len(p.tftp_server_name())
        + p.relay_agent_info().map_or(0, |r| r.count());
    for o in p.others() {
        n += o.data.len() + o.code as usize;
    }
    n + p.xid() as usize
}

#[inline(never)]
fn dhcproto_owned(bytes: &[u8]) -> usize {
    let m = dhcproto::v4::Message::decode(&mut dhcproto::Decoder::new(bytes)).unwrap();
    m.opts().iter().count() + m.xid() as usize
}

#[inline(never)]
fn dhcproto_borrowed(bytes: &[u8]) -> usize {
    let m = dhcproto::v4::borrowed::Message::new(bytes).unwrap();
    m.opts().map(|o| o.data().len()).sum::<usize>() + m.xid() as usize
}

#[inline(never)]
fn smoltcp_walk(bytes: &[u8]) -> usize {
    let p = smoltcp::wire::DhcpPacket::new_checked(bytes).unwrap();
    p.options()
        .map(|o| o.data.len() + o.kind as usize)
        .sum::<usize>()
        + p.transaction_id() as usize
}

/// smoltcp's walk, then each value typed by hand as `ours_walk` reads it.
#[inline(never)]
fn smoltcp_typed(bytes: &[u8]) -> usize {
    let p = smoltcp::wire::DhcpPacket::new_checked(bytes).unwrap();
    let word = |d: &[u8]| <[u8; 4]>::try_from(d).ok();
    let mut n = 0usize;
    for o in p.options() {
        let d = o.data;
        n += match o.kind {
            3 | 6 | 150 if !d.is_empty() && d.len() % 4 == 0 => d
                .chunks_exact(4)
                .filter_map(word)
                .map(|a| Ipv4Addr::from(a).octets()[3] as usize)
                .sum(),
            53 if d.len() == 1 => 1,
            1 | 54 => word(d).map_or(1, |a| Ipv4Addr::from(a).octets()[0] as usize),
            51 | 58 | 59 => word(d).map_or(1, |a| u32::from_be_bytes(a) as usize),
            57 => <[u8; 2]>::try_from(d).map_or(1, |a| u16::from_be_bytes(a) as usize),
            66 => d.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1),
            12 | 15 | 55 | 60 | 61 => d.len(),
            _ => 1,
        };
    }
    n + p.transaction_id() as usize
}

/// smoltcp's own typed decode: `DhcpRepr::parse` (its checks, then the
/// options it knows typed into fields; it drops 15, 66, 150 and any other
/// option), every field it fills read.
#[inline(never)]
fn smoltcp_repr(bytes: &[u8]) -> usize {
    let p = smoltcp::wire::DhcpPacket::new_checked(bytes).unwrap();
    let r = smoltcp::wire::DhcpRepr::parse(&p).unwrap();
    let addr = |a: Option<smoltcp::wire::Ipv4Address>| a.map_or(0, |a| a.octets()[0] as usize);
    u8::from(r.message_type) as usize
        + r.transaction_id as usize
        + r.your_ip.octets()[3] as usize
        + addr(r.requested_ip)
        + addr(r.server_identifier)
        + addr(r.router)
        + addr(r.subnet_mask)
        + r.client_identifier.map_or(0, |m| m.0[5] as usize)
        + r.parameter_request_list.map_or(0, <[u8]>::len)
        + r.dns_servers.as_ref().map_or(0, |l| {
            l.iter().map(|a| a.octets()[3] as usize).sum::<usize>()
        })
        + r.max_size.map_or(0, usize::from)
        + r.lease_duration.map_or(0, |v| v as usize)
        + r.renew_duration.map_or(0, |v| v as usize)
        + r.rebind_duration.map_or(0, |v| v as usize)
}

fn decode(c: &mut Criterion) {
    for (name, bytes) in [("ack", ACK), ("discover", DISCOVER)] {
        let mut g = c.benchmark_group(format!("dhcp/decode_all_options/{name}"));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("dialtone (typed)", |b| b.iter(|| ours(black_box(bytes))));
        g.bench_function("dialtone (walk, typed)", |b| {
            b.iter(|| ours_walk(black_box(bytes)))
        });
        g.bench_function("dialtone (walk, visitor)", |b| {
            b.iter(|| ours_visit(black_box(bytes)))
        });
        g.bench_function("dialtone (accessors)", |b| {
            b.iter(|| ours_accessors(black_box(bytes)))
        });
        g.bench_function("dialtone (by code)", |b| {
            b.iter(|| ours_by_code(black_box(bytes)))
        });
        g.bench_function("smoltcp DhcpPacket walk", |b| {
            b.iter(|| smoltcp_walk(black_box(bytes)))
        });
        g.bench_function("smoltcp walk + typed by hand", |b| {
            b.iter(|| smoltcp_typed(black_box(bytes)))
        });
        g.bench_function("smoltcp DhcpRepr::parse", |b| {
            b.iter(|| smoltcp_repr(black_box(bytes)))
        });
        g.bench_function("dhcproto borrowed", |b| {
            b.iter(|| dhcproto_borrowed(black_box(bytes)))
        });
        g.bench_function("dhcproto Message::decode", |b| {
            b.iter(|| dhcproto_owned(black_box(bytes)))
        });
        g.finish();
    }
}

fn encode(c: &mut Criterion) {
    // Same ACK for both: smoltcp's repr keeps only the options it knows
    // (it drops 15, 66 and 150), ours writes every option of the sample.
    let p = Packet::new_checked(ACK).unwrap();
    let opts: Vec<OptionRef<'_>> = p
        .options()
        .map(|o| OptionRef {
            code: o.code,
            value: o.data,
        })
        .collect();
    let mut r = MessageRepr::new(p.op(), p.xid(), p.chaddr());
    r.yiaddr = p.yiaddr();
    r.siaddr = p.siaddr();
    r.giaddr = p.giaddr();
    r.options = &opts;
    let sp = smoltcp::wire::DhcpPacket::new_checked(ACK).unwrap();
    let srepr = smoltcp::wire::DhcpRepr::parse(&sp).unwrap();
    let mut g = c.benchmark_group("dhcp/encode/ack");
    g.throughput(Throughput::Bytes(ACK.len() as u64));
    let mut buf = [0u8; 1500];
    g.bench_function("dialtone MessageRepr::emit", |b| {
        b.iter(|| black_box(&r).emit(&mut buf).unwrap())
    });
    let mut sbuf = vec![0u8; srepr.buffer_len()];
    g.bench_function("smoltcp DhcpRepr::emit", |b| {
        b.iter(|| {
            let mut pkt = smoltcp::wire::DhcpPacket::new_unchecked(&mut sbuf[..]);
            black_box(&srepr).emit(&mut pkt).unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
