//! Fuzz target bodies, shared by `cargo fuzz`, the corpus replay test and
//! the property tests.

use core::net::{Ipv4Addr, SocketAddr};
use core::time::Duration;
use std::format;
use std::string::String;
use std::vec;
use std::vec::Vec;

use arbitrary::Unstructured;
use dialtone_core::Instant;

use crate::client::{Client, Config, Event, State};
use crate::wire::{Encapsulated, Ipv4List, OptionVisitor, Options, Overload, PacketWalk};
use crate::{
    DecodeError, DhcpOption, MessageRepr, MessageType, Op, OptionRef, OptionValue, Packet,
};

/// `dhcp_decode`: decode, read every accessor and typed option, re-encode
/// the option instances and check the decoded options are unchanged.
pub fn decode(data: &[u8]) {
    let Ok(p) = Packet::new_checked(data) else {
        return;
    };
    let _ = (
        p.op(),
        p.xid(),
        p.secs(),
        p.flags(),
        p.ciaddr(),
        p.yiaddr(),
        p.siaddr(),
        p.giaddr(),
    );
    let _ = (
        p.chaddr(),
        p.sname(),
        p.file(),
        p.message_type(),
        p.subnet_mask(),
        p.requested_ip(),
    );
    let _ = (
        p.lease_time(),
        p.server_id(),
        p.max_message_size(),
        p.renewal_time(),
        p.rebinding_time(),
    );
    for l in [
        p.routers(),
        p.dns_servers(),
        p.ntp_servers(),
        p.tftp_servers(),
    ]
    .into_iter()
    .flatten()
    {
        assert_eq!(l.iter().count(), l.len());
    }
    if let Some(r) = p.relay_agent_info() {
        let _ = r.count();
    }
    // The offsets recorded by `new_checked` give what a walk gives.
    assert!(
        p.options().eq(Options::of_message(data, p.overload())),
        "index agrees with the walk"
    );
    // Every code's value, whether found through its slot or by a search,
    // is what the merged walk gives; `others` yields the rest in order.
    for code in 1..=254u8 {
        let merged = p.merged().find(|(c, _)| *c == code).map(|(_, v)| v);
        assert_eq!(p.option(code), merged, "option({code}) agrees with merged");
    }
    assert!(
        p.others().eq(p
            .options()
            .filter(|o| !Packet::<&[u8]>::has_accessor(o.code))),
        "others agrees with the walk"
    );
    for o in p.options() {
        if !p.is_split(o.code) {
            let a = DhcpOption::from_single(o.code, o.data);
            let b = DhcpOption::from_value(o.code, crate::OptionValue::from_slice(o.code, o.data));
            assert_eq!(
                core::mem::discriminant(&a),
                core::mem::discriminant(&b),
                "fast path agrees"
            );
        }
    }
    let mut total = 0usize;
    for o in p.typed() {
        let _ = o.code();
        if let DhcpOption::Other { value, .. } | DhcpOption::Malformed { value, .. } = &o {
            let mut buf = vec![0u8; value.len()];
            assert_eq!(value.copy_to(&mut buf), Ok(value.len()));
            assert!(value.eq_bytes(&buf));
            total += value.len();
        }
    }
    let _ = total;
    let _ = crate::Lease::from_packet(&p, Ipv4Addr::UNSPECIFIED);

    // Re-encode every instance, in order, into the options field.
    let opts: Vec<OptionRef<'_>> = p
        .options()
        .map(|o| OptionRef {
            code: o.code,
            value: o.data,
        })
        .collect();
    let mut r = MessageRepr::new(p.op(), p.xid(), p.chaddr());
    r.options = &opts;
    r.max_len = usize::MAX;
    r.min_len = 0;
    r.allow_overload = false;
    r.sname = if p.overload().sname {
        &[]
    } else {
        p.sname_raw()
    };
    r.file = if p.overload().file { &[] } else { p.file_raw() };
    let mut out = vec![0u8; r.buffer_len().expect("no limit")];
    r.emit(&mut out).expect("buffer_len is exact");
    let q = Packet::new_checked(&out[..]).expect("own output decodes");
    let a: Vec<(u8, &[u8])> = p.options().map(|o| (o.code, o.data)).collect();
    let b: Vec<(u8, &[u8])> = q.options().map(|o| (o.code, o.data)).collect();
    assert_eq!(a, b, "options survive re-encoding");
    assert!(p.merged().zip(q.merged()).all(|(x, y)| x == y));
}

/// Records every call of [`PacketWalk::visit`] as the [`DhcpOption`] its
/// method stands for, each method written out (none left to its default).
#[derive(Debug, Default)]
pub struct EachMethod<'a>(pub Vec<DhcpOption<'a>>);

impl<'a> OptionVisitor<'a> for EachMethod<'a> {
    fn option(&mut self, o: DhcpOption<'a>) {
        panic!("every method is overridden, yet {o:?} reached option()");
    }
    fn subnet_mask(&mut self, a: Ipv4Addr) {
        self.0.push(DhcpOption::SubnetMask(a));
    }
    fn routers(&mut self, l: Ipv4List<'a>) {
        self.0.push(DhcpOption::Routers(l));
    }
    fn dns_servers(&mut self, l: Ipv4List<'a>) {
        self.0.push(DhcpOption::DnsServers(l));
    }
    fn host_name(&mut self, v: OptionValue<'a>) {
        self.0.push(DhcpOption::HostName(v));
    }
    fn domain_name(&mut self, v: OptionValue<'a>) {
        self.0.push(DhcpOption::DomainName(v));
    }
    fn ntp_servers(&mut self, l: Ipv4List<'a>) {
        self.0.push(DhcpOption::NtpServers(l));
    }
    fn vendor_specific(&mut self, v: OptionValue<'a>) {
        self.0.push(DhcpOption::VendorSpecific(v));
    }
    fn requested_ip(&mut self, a: Ipv4Addr) {
        self.0.push(DhcpOption::RequestedIp(a));
    }
    fn lease_time(&mut self, t: u32) {
        self.0.push(DhcpOption::LeaseTime(t));
    }
    fn overload(&mut self, o: Overload) {
        self.0.push(DhcpOption::Overload(o));
    }
    fn message_type(&mut self, t: MessageType) {
        self.0.push(DhcpOption::MessageType(t));
    }
    fn server_id(&mut self, a: Ipv4Addr) {
        self.0.push(DhcpOption::ServerId(a));
    }
    fn parameter_request_list(&mut self, v: OptionValue<'a>) {
        self.0.push(DhcpOption::ParameterRequestList(v));
    }
    fn max_message_size(&mut self, n: u16) {
        self.0.push(DhcpOption::MaxMessageSize(n));
    }
    fn renewal_time(&mut self, t: u32) {
        self.0.push(DhcpOption::RenewalTime(t));
    }
    fn rebinding_time(&mut self, t: u32) {
        self.0.push(DhcpOption::RebindingTime(t));
    }
    fn vendor_class(&mut self, v: OptionValue<'a>) {
        self.0.push(DhcpOption::VendorClass(v));
    }
    fn client_id(&mut self, v: OptionValue<'a>) {
        self.0.push(DhcpOption::ClientId(v));
    }
    fn tftp_server_name(&mut self, v: OptionValue<'a>) {
        self.0.push(DhcpOption::TftpServerName(v));
    }
    fn relay_agent_info(&mut self, v: OptionValue<'a>) {
        self.0.push(DhcpOption::RelayAgentInfo(v));
    }
    fn tftp_servers(&mut self, l: Ipv4List<'a>) {
        self.0.push(DhcpOption::TftpServers(l));
    }
    fn malformed(&mut self, code: u8, value: OptionValue<'a>) {
        self.0.push(DhcpOption::Malformed { code, value });
    }
    fn other(&mut self, code: u8, value: OptionValue<'a>) {
        self.0.push(DhcpOption::Other { code, value });
    }
}

/// Records every call of [`PacketWalk::visit`] through the default methods,
/// which all reach [`OptionVisitor::option`].
#[derive(Debug, Default)]
pub struct Defaults<'a>(pub Vec<DhcpOption<'a>>);

impl<'a> OptionVisitor<'a> for Defaults<'a> {
    fn option(&mut self, o: DhcpOption<'a>) {
        self.0.push(o);
    }
}

/// The items of [`PacketWalk::typed`] as [`PacketWalk::visit`] gives them:
/// the options, then the error that ended the walk, if any.
pub fn typed_items<'a>(w: &PacketWalk<'a>) -> (Vec<String>, Result<(), DecodeError>) {
    let mut options = Vec::new();
    for o in w.typed() {
        match o {
            Ok(o) => options.push(format!("{o:?}")),
            Err(e) => return (options, Err(e)),
        }
    }
    (options, Ok(()))
}

/// [`PacketWalk::visit`] calls, as [`typed_items`] gives `typed`'s items:
/// the same options in the same order and the same end, through each
/// method and through the defaults (and through `dyn OptionVisitor`).
pub fn visit_agrees_with_typed(w: &PacketWalk<'_>) {
    let (want, end) = typed_items(w);
    let mut each = EachMethod::default();
    assert_eq!(w.visit(&mut each), end, "visit ends as typed");
    let got: Vec<String> = each.0.iter().map(|o| format!("{o:?}")).collect();
    assert_eq!(got, want, "visit calls the method of each typed item");
    let mut defaults = Defaults::default();
    let dyn_visitor: &mut dyn OptionVisitor<'_> = &mut defaults;
    assert_eq!(w.visit(dyn_visitor), end, "visit ends as typed");
    let got: Vec<String> = defaults.0.iter().map(|o| format!("{o:?}")).collect();
    assert_eq!(got, want, "the default methods hand each item to option()");
}

/// `dhcp_walk`: the one-pass [`PacketWalk`] against [`Packet`]: the same
/// head checks, the same framing error at the same place, the same typed
/// options in the same order when no code repeats, and `repeated` exactly
/// when some code has several instances; [`PacketWalk::visit`] calls one
/// method per item of [`PacketWalk::typed`], with the same values and the
/// same error.
pub fn walk(data: &[u8]) {
    let w = PacketWalk::new_checked(data);
    let p = Packet::new_checked(data);
    let w = match w {
        Ok(w) => w,
        Err(e) => {
            assert_eq!(p.err(), Some(e), "same head error");
            return;
        }
    };
    visit_agrees_with_typed(&w);
    let mut items = Vec::new();
    let mut it = w.typed();
    for o in it.by_ref() {
        items.push(o);
    }
    assert!(it.next().is_none(), "the walk stays ended");
    let repeated = it.repeated();
    match items.last() {
        Some(Err(e)) => {
            assert_eq!(p.as_ref().err(), Some(e), "same framing error");
            assert!(items.iter().rev().skip(1).all(Result::is_ok), "one error");
            return;
        }
        _ => assert!(p.is_ok(), "walk ended without error, so the packet checks"),
    }
    let Ok(p) = p else { return };
    assert_eq!(
        (w.xid(), w.op(), w.flags(), w.yiaddr(), w.chaddr()),
        (p.xid(), p.op(), p.flags(), p.yiaddr(), p.chaddr()),
        "same head"
    );
    assert_eq!(items.len(), p.options().count(), "one item per instance");
    assert_eq!(repeated, p.merged().count() != items.len(), "repeats found");
    for (o, r) in items.iter().zip(p.options()) {
        let o = o.as_ref().expect("only the last item can be an error");
        assert_eq!(o.code(), r.code, "wire order");
    }
    if !repeated {
        let a: Vec<String> = items
            .iter()
            .map(|o| format!("{:?}", o.as_ref().ok()))
            .collect();
        let b: Vec<String> = p.typed().map(|o| format!("{:?}", Some(o))).collect();
        assert_eq!(a, b, "same typed options as Packet::typed");
    }
}

/// `dhcp_options`: the option iterators over arbitrary bytes.
pub fn options(data: &[u8]) {
    let n = Options::over(data).map(|o| o.data.len()).sum::<usize>();
    assert!(n <= data.len());
    let _ = Encapsulated::new(data).count();
    let _ = Encapsulated::new_relay(data).count();
    if let Ok(p) = Packet::new_checked(data) {
        for (code, v) in p.merged() {
            assert_eq!(v.code(), code);
            assert_eq!(v.bytes().count(), v.len());
            let _ = DhcpOption::from_value(code, v.clone().trim_trailing_nuls());
        }
    }
}

/// Builds a reply to the client's last message from fuzz input.
fn scripted_reply(u: &mut Unstructured<'_>, last: &[u8]) -> arbitrary::Result<Vec<u8>> {
    let kind = match u.int_in_range(0u8..=3)? {
        0 => MessageType::Offer,
        1 => MessageType::Ack,
        2 => MessageType::Nak,
        _ => MessageType::from(u.arbitrary::<u8>()?),
    };
    let (xid, chaddr) = match Packet::new_checked(last) {
        Ok(p) => (p.xid(), {
            let mut c = [0u8; 6];
            c.copy_from_slice(p.chaddr_raw().get(..6).unwrap_or(&[0; 6]));
            c
        }),
        Err(_) => (u.arbitrary()?, u.arbitrary()?),
    };
    let lease: u32 = u.int_in_range(0u32..=100_000)?;
    let t1: u32 = u.arbitrary()?;
    let t2: u32 = u.arbitrary()?;
    let with_t = u.arbitrary::<bool>()?;
    let server: [u8; 4] = if u.arbitrary()? {
        [10, 0, 0, 1]
    } else {
        u.arbitrary()?
    };
    let yiaddr: [u8; 4] = if u.arbitrary()? {
        [10, 0, 0, 57]
    } else {
        u.arbitrary()?
    };
    let mt = [u8::from(kind)];
    let lt = lease.to_be_bytes();
    let (t1b, t2b) = (t1.to_be_bytes(), t2.to_be_bytes());
    let mut opts = vec![
        OptionRef {
            code: 53,
            value: &mt,
        },
        OptionRef {
            code: 54,
            value: &server,
        },
        OptionRef {
            code: 51,
            value: &lt,
        },
        OptionRef {
            code: 150,
            value: &[10, 0, 0, 11, 10, 0, 0, 12],
        },
    ];
    if with_t {
        opts.push(OptionRef {
            code: 58,
            value: &t1b,
        });
        opts.push(OptionRef {
            code: 59,
            value: &t2b,
        });
    }
    let mut r = MessageRepr::new(Op::Reply, xid, &chaddr);
    r.yiaddr = Ipv4Addr::from(yiaddr);
    r.options = &opts;
    let mut out = vec![0u8; r.buffer_len().unwrap_or(0)];
    let _ = r.emit(&mut out);
    // Optional corruption.
    if u.arbitrary::<bool>()? && !out.is_empty() {
        let i = u.choose_index(out.len())?;
        if let Some(b) = out.get_mut(i) {
            *b = u.arbitrary()?;
        }
    }
    Ok(out)
}

/// `dhcp_client`: an op script (timeouts, replies, raw bytes, conflict
/// answers, release/restart) against the client; checks that every
/// departure from BOUND is reported and that deadlines move forward.
pub fn client(data: &[u8]) {
    let _ = client_states(data);
}

/// [`client`], returning the set of states visited (bit `State as u8`).
pub fn client_states(data: &[u8]) -> u16 {
    let mut visited = 0u16;
    let mut u = Unstructured::new(data);
    let mut cfg = Config::new([0x00, 0x1e, 0x7a, 0xc4, 0xd2, 0x31]);
    cfg.conflict_check = u.arbitrary().unwrap_or(false);
    if u.arbitrary().unwrap_or(false) {
        cfg.init_reboot_address = Some(Ipv4Addr::new(10, 0, 0, 57));
    }
    if u.arbitrary().unwrap_or(false) {
        cfg.initial_delay = (Duration::ZERO, Duration::ZERO);
    }
    let seed = u.arbitrary().unwrap_or(0);
    let mut c = Client::new(cfg, Instant::ZERO, seed);
    let mut now = Instant::ZERO;
    let mut last: Vec<u8> = Vec::new();
    let mut buf = [0u8; 1500];
    let from = SocketAddr::new(Ipv4Addr::new(10, 0, 0, 1).into(), 67);
    for _ in 0..256 {
        if u.is_empty() {
            break;
        }
        let before = c.state();
        let Ok(op) = u.int_in_range(0u8..=6) else {
            break;
        };
        match op {
            0 => {
                // jump to the deadline (or a bit past it)
                if let Some(t) = c.poll_timeout() {
                    let extra = u.int_in_range(0u64..=5000).unwrap_or(0);
                    now = now.max(t) + Duration::from_millis(extra);
                    c.handle_timeout(now);
                    if let Some(n) = c.poll_timeout() {
                        assert!(n > now, "deadline must move past {now:?}, got {n:?}");
                    }
                }
            }
            1 => {
                let ms = u.int_in_range(0u64..=200_000_000).unwrap_or(0);
                now += Duration::from_millis(ms);
                c.handle_timeout(now);
            }
            2 | 3 => {
                let Ok(reply) = scripted_reply(&mut u, &last) else {
                    break;
                };
                let _ = c.handle_input(now, from, &reply);
            }
            4 => {
                let len = u.int_in_range(0usize..=600).unwrap_or(0);
                let bytes = u.bytes(len).unwrap_or(&[]);
                let _ = c.handle_input(now, from, bytes);
            }
            5 => {
                let in_use = u.arbitrary().unwrap_or(false);
                let _ = c.handle_conflict_check(now, in_use);
            }
            _ => {
                if u.arbitrary().unwrap_or(false) {
                    c.release(now);
                } else {
                    c.restart(now);
                }
            }
        }
        while let Ok(Some(t)) = c.poll_transmit(&mut buf) {
            last = buf.get(..t.len).unwrap_or(&[]).to_vec();
            assert!(
                Packet::new_checked(&last[..]).is_ok(),
                "own messages decode"
            );
        }
        let mut left_bound = false;
        let mut state = before;
        while let Some(e) = c.poll_event() {
            if let Event::StateChanged { from, to, .. } = e {
                assert_eq!(from, state, "state changes chain");
                state = to;
                left_bound |= from == State::Bound;
            }
        }
        assert_eq!(state, c.state(), "every state change is reported");
        if before == State::Bound && c.state() != State::Bound {
            assert!(left_bound, "left BOUND without a reported reason");
        }
        if matches!(c.state(), State::Bound | State::Renewing | State::Rebinding) {
            assert!(c.lease().is_some());
        }
        visited |= 1 << (c.state() as u16);
    }
    visited
}
