//! Transcript tests of the client FSM against a scripted server, in virtual
//! time (RFC 2131 §4.1, §4.4; phone-boot.md §1.6).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use std::vec::Vec;

use dialtone_core::Instant;
use dialtone_dhcp_opts::client::{Client, Config, Event, Reason, State};
use dialtone_dhcp_opts::wire::FLAG_BROADCAST;
use dialtone_dhcp_opts::{MessageRepr, MessageType, Op, OptionRef, Packet};

const MAC: [u8; 6] = [0x00, 0x1e, 0x7a, 0xc4, 0xd2, 0x31];
const SERVER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const ADDR: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 57);
const DISCOVER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/dhcp-discover.bin"
));

fn server_addr() -> SocketAddr {
    SocketAddr::new(SERVER.into(), 67)
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn cfg() -> Config {
    let mut c = Config::new(MAC);
    c.initial_delay = (Duration::ZERO, Duration::ZERO);
    // Exact timer assertions below; the fuzz has its own tests.
    c.timer_fuzz_percent = 0;
    c
}

/// Builds a server reply to `req` (a client message).
fn reply(req: &[u8], kind: MessageType, lease_secs: u32, extra: &[OptionRef<'_>]) -> Vec<u8> {
    let p = Packet::new_checked(req).unwrap();
    let mt = [u8::from(kind)];
    let sid = SERVER.octets();
    let lt = lease_secs.to_be_bytes();
    let mut opts = vec![
        OptionRef {
            code: 53,
            value: &mt,
        },
        OptionRef {
            code: 54,
            value: &sid,
        },
    ];
    if kind != MessageType::Nak {
        opts.push(OptionRef {
            code: 51,
            value: &lt,
        });
        opts.push(OptionRef {
            code: 1,
            value: &[255, 255, 255, 0],
        });
        opts.push(OptionRef {
            code: 3,
            value: &[10, 0, 0, 1],
        });
        opts.push(OptionRef {
            code: 6,
            value: &[10, 0, 0, 53, 10, 0, 0, 54],
        });
        opts.push(OptionRef {
            code: 15,
            value: b"voice.example.com",
        });
        opts.push(OptionRef {
            code: 66,
            value: b"tftp.voice\0",
        });
        opts.push(OptionRef {
            code: 150,
            value: &[10, 0, 0, 11, 10, 0, 0, 12],
        });
    }
    opts.extend_from_slice(extra);
    let mut r = MessageRepr::new(Op::Reply, p.xid(), p.chaddr());
    if kind != MessageType::Nak {
        r.yiaddr = ADDR;
    }
    r.siaddr = SERVER;
    r.flags = p.flags();
    r.options = &opts;
    let mut out = vec![0u8; r.buffer_len().unwrap()];
    r.emit(&mut out).unwrap();
    out
}

struct Harness {
    c: Client,
    now: Instant,
    events: Vec<Event>,
}

impl Harness {
    fn new(cfg: Config) -> Self {
        Harness {
            c: Client::new(cfg, Instant::ZERO, 42),
            now: Instant::ZERO,
            events: Vec::new(),
        }
    }
    /// Advances to the next deadline and returns the transmitted datagrams.
    fn step(&mut self) -> Vec<(SocketAddr, Vec<u8>)> {
        let t = self.c.poll_timeout().expect("a deadline");
        assert!(t >= self.now);
        self.now = t;
        self.c.handle_timeout(t);
        self.drain()
    }
    fn input(&mut self, bytes: &[u8]) -> Vec<(SocketAddr, Vec<u8>)> {
        self.c.handle_input(self.now, server_addr(), bytes).unwrap();
        self.drain()
    }
    fn drain(&mut self) -> Vec<(SocketAddr, Vec<u8>)> {
        let mut out = Vec::new();
        let mut buf = [0u8; 1500];
        while let Some(t) = self.c.poll_transmit(&mut buf).unwrap() {
            out.push((t.to, buf[..t.len].to_vec()));
        }
        while let Some(e) = self.c.poll_event() {
            self.events.push(e);
        }
        out
    }
    fn changed(&self) -> Vec<(State, State, Reason)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::StateChanged { from, to, reason } => Some((*from, *to, *reason)),
                _ => None,
            })
            .collect()
    }
    /// Runs DISCOVER/OFFER/REQUEST/ACK; returns the REQUEST.
    fn bind(&mut self, lease_secs: u32) -> Vec<u8> {
        let d = self.step();
        let offer = reply(&d[0].1, MessageType::Offer, lease_secs, &[]);
        let r = self.input(&offer);
        let ack = reply(&r[0].1, MessageType::Ack, lease_secs, &[]);
        assert!(self.input(&ack).is_empty());
        assert_eq!(self.c.state(), State::Bound);
        r[0].1.clone()
    }
}

fn bcast() -> SocketAddr {
    "255.255.255.255:67".parse().unwrap()
}

#[test]
fn initial_delay_is_random_between_1_and_10_s() {
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..200 {
        let c = Client::new(Config::new(MAC), Instant::ZERO, seed);
        let t = c.poll_timeout().unwrap().as_millis();
        assert!((1000..=10_000).contains(&t), "{t}");
        seen.insert(t / 1000);
    }
    assert!(seen.len() >= 8, "spread over the range: {seen:?}");
}

#[test]
fn discover_carries_cisco_options_like_the_sample() {
    let mut h = Harness::new(cfg());
    let d = h.step();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].0, bcast());
    let ours = Packet::new_checked(&d[0].1[..]).unwrap();
    let sample = Packet::new_checked(DISCOVER).unwrap();
    let codes = |p: &Packet<&[u8]>| {
        p.options()
            .map(|o| (o.code, o.data.to_vec()))
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(&ours), codes(&sample));
    assert_eq!(ours.flags(), FLAG_BROADCAST);
    assert_eq!(ours.chaddr(), &MAC);
    assert_eq!(ours.ciaddr(), Ipv4Addr::UNSPECIFIED);
}

#[test]
fn binds_with_every_boot_option_after_offer_and_ack() {
    let mut h = Harness::new(cfg());
    let d = h.step();
    let offer = reply(&d[0].1, MessageType::Offer, 3600, &[]);
    let r = h.input(&offer);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].0, bcast());
    let req = Packet::new_checked(&r[0].1[..]).unwrap();
    let disc = Packet::new_checked(&d[0].1[..]).unwrap();
    assert_eq!(req.message_type(), Some(MessageType::Request));
    assert_eq!(req.xid(), disc.xid(), "REQUEST reuses the OFFER's xid");
    assert_eq!(req.requested_ip(), Some(ADDR));
    assert_eq!(req.server_id(), Some(SERVER));
    assert_eq!(req.ciaddr(), Ipv4Addr::UNSPECIFIED);
    assert!(req.broadcast());
    let ack = reply(&r[0].1, MessageType::Ack, 3600, &[]);
    h.input(&ack);
    let lease = h
        .events
        .iter()
        .find_map(|e| {
            if let Event::Bound(l) = e {
                Some(*l)
            } else {
                None
            }
        })
        .expect("Bound event");
    assert_eq!(lease.address, ADDR);
    assert_eq!(lease.subnet_mask, Some(Ipv4Addr::new(255, 255, 255, 0)));
    assert_eq!(lease.routers.first(), Some(SERVER));
    assert_eq!(lease.dns_servers.len(), 2);
    assert_eq!(
        lease.domain_name.unwrap().as_str(),
        Some("voice.example.com")
    );
    assert_eq!(
        lease.tftp_servers.iter().collect::<Vec<_>>(),
        [Ipv4Addr::new(10, 0, 0, 11), Ipv4Addr::new(10, 0, 0, 12)]
    );
    assert_eq!(lease.tftp_server_name.unwrap().as_str(), Some("tftp.voice"));
    assert_eq!(lease.server_id, SERVER);
    assert_eq!(lease.lease_time, Some(secs(3600)));
    assert_eq!(lease.renewal_time, Some(secs(1800)));
    assert_eq!(lease.rebinding_time, Some(secs(3150)));
    assert_eq!(
        h.changed(),
        [
            (State::Init, State::Selecting, Reason::DelayElapsed),
            (State::Selecting, State::Requesting, Reason::OfferReceived),
            (State::Requesting, State::Bound, Reason::AckReceived),
        ]
    );
    assert_eq!(h.c.poll_timeout(), Some(Instant::ZERO + secs(1800)), "T1");
}

#[test]
fn discover_retransmits_with_doubling_jittered_backoff_capped_at_64_s() {
    let mut h = Harness::new(cfg());
    let mut times = vec![];
    for _ in 0..9 {
        let tx = h.step();
        assert_eq!(tx.len(), 1);
        times.push(h.now.as_millis());
    }
    let gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    for (i, g) in gaps.iter().enumerate() {
        let base = (4000u64 << i.min(4)).min(64_000);
        assert!(
            *g >= base - 1000 && *g <= (base + 1000).min(64_000),
            "gap {i} = {g}"
        );
    }
    // secs grows across the series.
    let last = h.drain();
    assert!(last.is_empty());
}

#[test]
fn requesting_falls_back_to_init_after_four_requests() {
    let mut h = Harness::new(cfg());
    let d = h.step();
    let offer = reply(&d[0].1, MessageType::Offer, 3600, &[]);
    let mut requests = h.input(&offer).len();
    loop {
        let tx = h.step();
        let kind = Packet::new_checked(&tx[0].1[..]).unwrap().message_type();
        if kind == Some(MessageType::Discover) {
            break;
        }
        requests += tx.len();
    }
    assert_eq!(requests, 4);
    assert!(h
        .changed()
        .contains(&(State::Requesting, State::Init, Reason::RequestsExhausted)));
    assert_eq!(h.c.state(), State::Selecting);
}

#[test]
fn renews_at_t1_by_unicast_then_rebinds_at_t2_then_expires() {
    let mut h = Harness::new(cfg());
    h.bind(1000);
    // T1 = 500 s: unicast REQUEST, ciaddr set, no 50/54.
    let r = h.step();
    assert_eq!(h.now, Instant::from_secs(500));
    assert_eq!(r[0].0, server_addr());
    let p = Packet::new_checked(&r[0].1[..]).unwrap();
    assert_eq!(p.ciaddr(), ADDR);
    assert_eq!(p.requested_ip(), None);
    assert_eq!(p.server_id(), None);
    assert!(!p.broadcast());
    // Retransmit after half the time to T2 (875 s): 187.5 s.
    let r2 = h.step();
    assert_eq!(h.now.as_millis(), 687_500);
    assert_eq!(r2.len(), 1);
    // Next: max(60, 93.75) = 93.75 s -> 781.25 s; then max(60, 46.9)=60 -> 841.25; then T2.
    h.step();
    assert_eq!(h.now.as_millis(), 781_250);
    h.step();
    assert_eq!(h.now.as_millis(), 841_250);
    let rb = h.step();
    assert_eq!(h.now, Instant::from_secs(875));
    assert_eq!(h.c.state(), State::Rebinding);
    assert_eq!(rb[0].0, bcast());
    assert_eq!(Packet::new_checked(&rb[0].1[..]).unwrap().ciaddr(), ADDR);
    // Rebinding retransmissions never pass expiry; at expiry the lease is lost.
    while h.c.state() == State::Rebinding {
        h.step();
        assert!(h.now <= Instant::from_secs(1000));
    }
    assert_eq!(h.now, Instant::from_secs(1000));
    assert!(h.events.contains(&Event::LeaseLost {
        address: ADDR,
        reason: Reason::LeaseExpired
    }));
    assert_eq!(h.c.state(), State::Selecting);
    let ch = h.changed();
    assert!(ch.contains(&(State::Bound, State::Renewing, Reason::RenewalTime)));
    assert!(ch.contains(&(State::Renewing, State::Rebinding, Reason::RebindingTime)));
    assert!(ch.contains(&(State::Rebinding, State::Init, Reason::LeaseExpired)));
}

#[test]
fn renewal_ack_extends_the_lease_from_the_request_time() {
    let mut h = Harness::new(cfg());
    h.bind(1000);
    let r = h.step();
    h.now += secs(2);
    let ack = reply(&r[0].1, MessageType::Ack, 1000, &[]);
    h.input(&ack);
    assert!(matches!(h.events.last(), Some(Event::Renewed(l)) if l.address == ADDR));
    assert_eq!(h.c.state(), State::Bound);
    // New T1 counts from the REQUEST at 500 s.
    assert_eq!(h.c.poll_timeout(), Some(Instant::from_secs(1000)));
}

#[test]
fn nak_while_renewing_drops_the_address_and_rediscovers() {
    let mut h = Harness::new(cfg());
    h.bind(1000);
    let r = h.step();
    let nak = reply(&r[0].1, MessageType::Nak, 0, &[]);
    let tx = h.input(&nak);
    assert!(h.events.contains(&Event::LeaseLost {
        address: ADDR,
        reason: Reason::NakReceived
    }));
    assert!(h
        .changed()
        .contains(&(State::Renewing, State::Init, Reason::NakReceived)));
    assert_eq!(
        Packet::new_checked(&tx[0].1[..]).unwrap().message_type(),
        Some(MessageType::Discover)
    );
}

#[test]
fn nak_while_requesting_restarts_discovery() {
    let mut h = Harness::new(cfg());
    let d = h.step();
    let r = h.input(&reply(&d[0].1, MessageType::Offer, 60, &[]));
    h.input(&reply(&r[0].1, MessageType::Nak, 0, &[]));
    assert_eq!(h.c.state(), State::Selecting);
    assert!(h
        .changed()
        .contains(&(State::Requesting, State::Init, Reason::NakReceived)));
}

#[test]
fn address_conflict_sends_decline_and_waits_10_s() {
    let mut c = cfg();
    c.conflict_check = true;
    let mut h = Harness::new(c);
    let d = h.step();
    let r = h.input(&reply(&d[0].1, MessageType::Offer, 600, &[]));
    h.input(&reply(&r[0].1, MessageType::Ack, 600, &[]));
    assert_eq!(
        h.events.last(),
        Some(&Event::CheckAddress { address: ADDR })
    );
    assert_eq!(h.c.poll_timeout(), None, "waits for the check");
    assert!(h.c.handle_conflict_check(h.now, true));
    let tx = h.drain();
    let decline = Packet::new_checked(&tx[0].1[..]).unwrap();
    assert_eq!(tx[0].0, bcast());
    assert_eq!(decline.message_type(), Some(MessageType::Decline));
    assert_eq!(decline.requested_ip(), Some(ADDR));
    assert_eq!(decline.server_id(), Some(SERVER));
    assert_eq!(decline.ciaddr(), Ipv4Addr::UNSPECIFIED);
    assert_eq!(h.c.state(), State::Init);
    let t = h.now;
    let again = h.step();
    assert_eq!(h.now.saturating_since(t), secs(10));
    assert_eq!(
        Packet::new_checked(&again[0].1[..]).unwrap().message_type(),
        Some(MessageType::Discover)
    );
    assert!(!h.c.handle_conflict_check(h.now, false), "no check pending");
}

#[test]
fn conflict_check_passing_binds() {
    let mut c = cfg();
    c.conflict_check = true;
    let mut h = Harness::new(c);
    let d = h.step();
    let r = h.input(&reply(&d[0].1, MessageType::Offer, 600, &[]));
    h.input(&reply(&r[0].1, MessageType::Ack, 600, &[]));
    assert!(h.c.handle_conflict_check(h.now, false));
    h.drain();
    assert_eq!(h.c.state(), State::Bound);
}

#[test]
fn release_is_unicast_to_the_server() {
    let mut h = Harness::new(cfg());
    h.bind(600);
    h.c.release(h.now);
    let tx = h.drain();
    assert_eq!(tx[0].0, server_addr());
    let p = Packet::new_checked(&tx[0].1[..]).unwrap();
    assert_eq!(p.message_type(), Some(MessageType::Release));
    assert_eq!(p.ciaddr(), ADDR);
    assert_eq!(p.server_id(), Some(SERVER));
    assert!(h
        .changed()
        .contains(&(State::Bound, State::Stopped, Reason::Released)));
    assert_eq!(h.c.poll_timeout(), None);
    h.c.restart(h.now);
    assert_eq!(h.c.state(), State::Init);
}

#[test]
fn init_reboot_asks_for_the_remembered_address() {
    let mut c = cfg();
    c.init_reboot_address = Some(ADDR);
    let mut h = Harness::new(c);
    assert_eq!(h.c.state(), State::InitReboot);
    let r = h.step();
    let p = Packet::new_checked(&r[0].1[..]).unwrap();
    assert_eq!(p.message_type(), Some(MessageType::Request));
    assert_eq!(p.requested_ip(), Some(ADDR));
    assert_eq!(p.server_id(), None);
    assert_eq!(p.ciaddr(), Ipv4Addr::UNSPECIFIED);
    h.input(&reply(&r[0].1, MessageType::Ack, 600, &[]));
    assert_eq!(h.c.state(), State::Bound);
    assert!(h
        .changed()
        .contains(&(State::Rebooting, State::Bound, Reason::AckReceived)));
}

#[test]
fn init_reboot_without_answer_falls_back_to_discover() {
    let mut c = cfg();
    c.init_reboot_address = Some(ADDR);
    let mut h = Harness::new(c);
    let mut n = 0;
    while h.c.state() != State::Selecting {
        n += h
            .step()
            .iter()
            .filter(|(_, b)| {
                Packet::new_checked(&b[..]).unwrap().message_type() == Some(MessageType::Request)
            })
            .count();
    }
    assert_eq!(n, 4);
    assert!(h
        .changed()
        .contains(&(State::Rebooting, State::Init, Reason::RequestsExhausted)));
}

#[test]
fn stray_replies_are_rejected_without_state_change() {
    let mut h = Harness::new(cfg());
    let req = h.bind(600);
    let before = h.c.clone();
    // OFFER and ACK while BOUND are discarded (RFC 2131 §4.4 table).
    let offer = reply(&req, MessageType::Offer, 600, &[]);
    assert!(h.c.handle_input(h.now, server_addr(), &offer).is_err());
    // Wrong xid.
    let mut other = reply(&req, MessageType::Ack, 600, &[]);
    other[4] ^= 0xff;
    assert!(h.c.handle_input(h.now, server_addr(), &other).is_err());
    // Garbage.
    assert!(h.c.handle_input(h.now, server_addr(), &[1, 2, 3]).is_err());
    assert_eq!(h.c.state(), before.state());
    assert_eq!(h.c.poll_timeout(), before.poll_timeout());
    assert_eq!(h.c.lease(), before.lease());
}

#[test]
fn server_t1_t2_are_used_when_given() {
    let mut h = Harness::new(cfg());
    let d = h.step();
    let t1 = 100u32.to_be_bytes();
    let t2 = 200u32.to_be_bytes();
    let extra = [
        OptionRef {
            code: 58,
            value: &t1,
        },
        OptionRef {
            code: 59,
            value: &t2,
        },
    ];
    let r = h.input(&reply(&d[0].1, MessageType::Offer, 600, &extra));
    h.input(&reply(&r[0].1, MessageType::Ack, 600, &extra));
    assert_eq!(h.c.poll_timeout(), Some(h.now + secs(100)));
    h.step();
    assert_eq!(h.c.state(), State::Renewing);
    // Retransmit after max(60, 50) = 60 s.
    h.step();
    assert_eq!(h.now, Instant::from_secs(160));
}

/// Binds a client with `seed` and `pct` fuzz to a lease of `lease` s with the
/// given server T1/T2, then lets it run unanswered: returns (T1, T2) as the
/// instants it entered RENEWING and REBINDING, and the expiry instant.
fn fuzzed_timers(seed: u64, pct: u8, lease: u32, t1t2: Option<(u32, u32)>) -> (u64, u64, u64) {
    let mut c = cfg();
    c.timer_fuzz_percent = pct;
    let mut h = Harness::new(c);
    h.c = Client::new(c, Instant::ZERO, seed);
    let d = h.step();
    let (b1, b2) = t1t2.map_or(([0; 4], [0; 4]), |(a, b)| {
        (a.to_be_bytes(), b.to_be_bytes())
    });
    let extra = [
        OptionRef {
            code: 58,
            value: &b1,
        },
        OptionRef {
            code: 59,
            value: &b2,
        },
    ];
    let extra = if t1t2.is_some() { &extra[..] } else { &[] };
    let r = h.input(&reply(&d[0].1, MessageType::Offer, lease, extra));
    h.input(&reply(&r[0].1, MessageType::Ack, lease, extra));
    assert_eq!(h.c.state(), State::Bound);
    let start = h.now.as_millis();
    let (mut t1, mut t2) = (None, None);
    while h.c.state() != State::Selecting {
        h.step();
        match h.c.state() {
            State::Renewing if t1.is_none() => t1 = Some(h.now.as_millis() - start),
            State::Rebinding if t2.is_none() => t2 = Some(h.now.as_millis() - start),
            _ => {}
        }
    }
    (t1.unwrap(), t2.unwrap(), h.now.as_millis() - start)
}

#[test]
fn t1_t2_fuzz_stays_within_the_spread_and_keeps_the_order() {
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..40 {
        let (t1, t2, exp) = fuzzed_timers(seed, 5, 3600, None);
        // Defaults 1800 s and 3150 s, each within ±5 %.
        assert!((1_710_000..=1_890_000).contains(&t1), "T1 {t1}");
        assert!((2_992_500..=3_307_500).contains(&t2), "T2 {t2}");
        assert!(t1 < t2 && t2 < exp, "{t1} {t2} {exp}");
        assert_eq!(exp, 3_600_000, "expiry is not fuzzed");
        seen.insert((t1, t2));
    }
    assert!(seen.len() > 30, "the fuzz varies with the seed: {seen:?}");
}

#[test]
fn t1_t2_fuzz_never_reorders_close_timers() {
    // T1 = 100, T2 = 101, lease 102 s with the largest spread (50 %).
    for seed in 0..40 {
        let (t1, t2, exp) = fuzzed_timers(seed, 50, 102, Some((100, 101)));
        assert!(t1 < t2 && t2 < exp, "{t1} {t2} {exp}");
        assert!((50_000..t2).contains(&t1), "T1 {t1}");
        assert!((100_001..=101_999).contains(&t2), "T2 {t2}");
    }
    // Out-of-range percentages count as 50.
    for seed in 0..10 {
        let (t1, t2, exp) = fuzzed_timers(seed, 255, 1000, None);
        assert!(t1 < t2 && t2 < exp, "{t1} {t2} {exp}");
        assert!((250_000..=750_000).contains(&t1), "T1 {t1}");
    }
}

#[test]
fn t1_t2_fuzz_is_reproducible_and_off_at_zero() {
    assert_eq!(
        fuzzed_timers(7, 5, 3600, None),
        fuzzed_timers(7, 5, 3600, None)
    );
    for seed in 0..5 {
        assert_eq!(
            fuzzed_timers(seed, 0, 3600, None),
            (1_800_000, 3_150_000, 3_600_000)
        );
    }
    // The default config fuzzes.
    assert_eq!(Config::new(MAC).timer_fuzz_percent, 5);
}
