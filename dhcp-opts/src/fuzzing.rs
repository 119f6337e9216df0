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
use crate::wire::{Encapsulated, Options, PacketWalk};
use crate::{DhcpOption, MessageRepr, MessageType, Op, OptionRef, Packet};

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

/// `dhcp_walk`: the one-pass [`PacketWalk`] against [`Packet`]: the same
/// head checks, the same framing error at the same place, the same typed
/// options in the same order when no code repeats, and `repeated` exactly
/// when some code has several instances.
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
