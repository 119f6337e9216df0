//! The RFC 2131 client state machine (§4.4, Figure 5), Sans-IO.
//!
//! ```
//! use core::net::SocketAddr;
//! use dialtone_core::Instant;
//! use dialtone_dhcp_opts::client::{Client, Config, Event, State};
//!
//! let mut cfg = Config::new([0x00, 0x1e, 0x7a, 0xc4, 0xd2, 0x31]);
//! cfg.initial_delay = (core::time::Duration::ZERO, core::time::Duration::ZERO);
//! let mut client = Client::new(cfg, Instant::ZERO, 7);
//! let mut buf = [0u8; 1500];
//! client.handle_timeout(Instant::ZERO); // the initial delay (0 here) elapsed
//! let t = client.poll_transmit(&mut buf)?.expect("a DISCOVER");
//! assert_eq!(t.to, "255.255.255.255:67".parse::<SocketAddr>()?);
//! assert_eq!(client.state(), State::Selecting);
//! // A driver sends buf[..t.len] from port 68, feeds replies to
//! // handle_input, drains poll_event, and sleeps until poll_timeout.
//! while let Some(ev) = client.poll_event() {
//!     if let Event::Bound(lease) = ev { let _ = lease.address; }
//! }
//! assert!(client.poll_timeout().is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use core::time::Duration;

use dialtone_core::{Instant, InsufficientSize, Rng, Transmit};

use crate::lease::{Lease, Text};
use crate::wire::{code, MessageRepr, MessageType, Op, OptionRef, Packet, FLAG_BROADCAST};
use crate::{EmitError, InputError};

/// UDP port of DHCP clients.
pub const CLIENT_PORT: u16 = 68;
/// UDP port of DHCP servers and relays.
pub const SERVER_PORT: u16 = 67;
/// Option 55 as Cisco phones send it (`dhcp.md` §7.2): 1, 66, 6, 3, 15, 150, 35.
pub const CISCO_PARAMETER_REQUEST_LIST: [u8; 7] = [1, 66, 6, 3, 15, 150, 35];
/// Option 60 of the sample CP-8845 DISCOVER (`testdata/samples/dhcp-discover.bin`).
pub const CISCO_VENDOR_CLASS: &[u8] = b"Cisco Systems, Inc. IP Phone CP-8845";
/// First retransmission delay (RFC 2131 §4.1).
pub const RETRANSMIT_FIRST: Duration = Duration::from_secs(4);
/// Longest delay between retransmissions (RFC 2131 §4.1).
pub const RETRANSMIT_MAX: Duration = Duration::from_secs(64);
/// Shortest renew/rebind retransmission delay (RFC 2131 §4.4.5).
pub const RENEW_RETRANSMIT_MIN: Duration = Duration::from_secs(60);
/// Wait after a DECLINE before discovering again (RFC 2131 §3.1 step 5).
pub const DECLINE_WAIT: Duration = Duration::from_secs(10);

/// Client settings. Defaults mirror a Cisco phone (`dhcp.md` §7.2,
/// `phone-boot.md` §1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Ethernet address (`chaddr`).
    pub mac: [u8; 6],
    /// Random delay before the first DISCOVER, uniform in `lo..=hi`
    /// (default 1–10 s, RFC 2131 §4.4.1; `(0, 0)` disables it).
    pub initial_delay: (Duration, Duration),
    /// First retransmission delay (default 4 s), doubled each time.
    pub retransmit_first: Duration,
    /// Cap of the retransmission delay (default 64 s).
    pub retransmit_max: Duration,
    /// Uniform jitter added to each delay, `-j..=+j` (default 1 s).
    pub retransmit_jitter: Duration,
    /// REQUESTs sent in REQUESTING or REBOOTING before going back to INIT
    /// (default 4, `phone-boot.md` §1.6 N_REBOOT).
    pub max_requests: u32,
    /// Shortest renew/rebind retransmission delay (default 60 s).
    pub renew_retransmit_min: Duration,
    /// Wait after a DECLINE (default 10 s).
    pub decline_wait: Duration,
    /// Emit [`Event::CheckAddress`] after an ACK in REQUESTING and wait for
    /// [`Client::handle_conflict_check`] (default false).
    pub conflict_check: bool,
    /// Set BROADCAST in `flags` before BOUND (default true).
    pub broadcast: bool,
    /// Start in INIT-REBOOT asking for this address (default none: INIT).
    pub init_reboot_address: Option<Ipv4Addr>,
    /// Option 55 (default [`CISCO_PARAMETER_REQUEST_LIST`]); empty = not sent.
    pub parameter_request_list: Text,
    /// Option 60 (default [`CISCO_VENDOR_CLASS`]).
    pub vendor_class: Option<Text>,
    /// Option 61 (default type 1 + MAC).
    pub client_id: Option<Text>,
    /// Option 12 (default `SEP` + upper-case MAC).
    pub host_name: Option<Text>,
    /// Option 57 (default 576).
    pub max_message_size: Option<u16>,
    /// Random spread of the renewal (T1) and rebinding (T2) timers, in percent
    /// of each (RFC 2131 §4.4.5: T1 and T2 "SHOULD be chosen with some random
    /// fuzz" so that clients leased together do not renew together). Each
    /// timer is drawn uniformly in `value ± value·p/100` from the client's
    /// [`Rng`], then kept inside `0 ≤ T1 < T2 < lease` whenever the lease's own
    /// T1 and T2 satisfy it. Default 5 (a 1 h lease renews within 1800 ± 90 s,
    /// rebinds within 3150 ± 157.5 s): enough to spread a building of phones
    /// that lost power together over minutes, small against the lease, and
    /// never reordering the timers. 0 disables it (no draw is taken); values
    /// above 50 count as 50. [`Event::Bound`]'s [`Lease`] keeps the unfuzzed
    /// times.
    pub timer_fuzz_percent: u8,
}

impl Default for Config {
    fn default() -> Self {
        Config::new([0; 6])
    }
}

impl Config {
    /// Cisco-phone defaults for the interface with Ethernet address `mac`.
    #[must_use]
    pub fn new(mac: [u8; 6]) -> Self {
        let mut cid = [1u8; 7];
        cid[1..].copy_from_slice(&mac);
        let mut name = *b"SEP000000000000";
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        for (i, b) in mac.iter().enumerate() {
            name[3 + 2 * i] = HEX[usize::from(b >> 4)];
            name[4 + 2 * i] = HEX[usize::from(b & 15)];
        }
        Config {
            mac,
            initial_delay: (Duration::from_secs(1), Duration::from_secs(10)),
            retransmit_first: RETRANSMIT_FIRST,
            retransmit_max: RETRANSMIT_MAX,
            retransmit_jitter: Duration::from_secs(1),
            max_requests: 4,
            renew_retransmit_min: RENEW_RETRANSMIT_MIN,
            decline_wait: DECLINE_WAIT,
            conflict_check: false,
            broadcast: true,
            init_reboot_address: None,
            parameter_request_list: Text::new(&CISCO_PARAMETER_REQUEST_LIST),
            vendor_class: Some(Text::new(CISCO_VENDOR_CLASS)),
            client_id: Some(Text::new(&cid)),
            host_name: Some(Text::new(&name)),
            max_message_size: Some(576),
            timer_fuzz_percent: 5,
        }
    }
}

/// RFC 2131 client states, plus `Stopped` after a RELEASE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Waiting (initial delay, after DECLINE) before the first DISCOVER.
    Init,
    /// DISCOVER sent, waiting for an OFFER.
    Selecting,
    /// REQUEST sent for an offer (also while the address is being checked).
    Requesting,
    /// Holding a lease.
    Bound,
    /// After T1: unicast REQUESTs to the leasing server.
    Renewing,
    /// After T2: broadcast REQUESTs.
    Rebinding,
    /// About to ask for a remembered address.
    InitReboot,
    /// REQUEST for a remembered address sent.
    Rebooting,
    /// Released; idle until [`Client::restart`].
    Stopped,
}

/// Why the client changed state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The INIT wait elapsed.
    DelayElapsed,
    /// An OFFER was accepted.
    OfferReceived,
    /// A DHCPACK arrived (and the address check, if any, passed).
    AckReceived,
    /// A DHCPNAK arrived.
    NakReceived,
    /// No answer to `max_requests` REQUESTs.
    RequestsExhausted,
    /// T1 elapsed.
    RenewalTime,
    /// T2 elapsed.
    RebindingTime,
    /// The lease expired without renewal.
    LeaseExpired,
    /// The address check found the address in use; a DECLINE was sent.
    AddressInUse,
    /// The application released the lease.
    Released,
    /// The application restarted the client.
    Restarted,
}

/// What the client tells its driver. Drain after every `handle_*` call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // fixed-size by design: no allocation
pub enum Event {
    /// Every state change, with its reason.
    StateChanged {
        /// Previous state.
        from: State,
        /// New state.
        to: State,
        /// Why.
        reason: Reason,
    },
    /// A new lease (from REQUESTING or REBOOTING): configure the interface.
    Bound(Lease),
    /// The lease was extended (from RENEWING or REBINDING).
    Renewed(Lease),
    /// Stop using `address` now.
    LeaseLost {
        /// The address given up.
        address: Ipv4Addr,
        /// Why.
        reason: Reason,
    },
    /// Probe `address` (e.g. ARP) and answer with
    /// [`Client::handle_conflict_check`] (only with `Config::conflict_check`).
    CheckAddress {
        /// The offered address.
        address: Ipv4Addr,
    },
}

/// A message waiting for `poll_transmit`, with every field fixed when queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pending {
    kind: MessageType,
    xid: u32,
    secs: u16,
    broadcast_flag: bool,
    ciaddr: Ipv4Addr,
    requested: Option<Ipv4Addr>,
    server_id: Option<Ipv4Addr>,
    to: Ipv4Addr,
}

const TX_CAP: usize = 4;
const EV_CAP: usize = 16;

/// A fixed-capacity FIFO; on overflow the oldest entry is dropped.
#[derive(Debug, Clone)]
struct Ring<T: Copy + Default, const N: usize> {
    items: [T; N],
    head: usize,
    len: usize,
}

impl<T: Copy + Default, const N: usize> Ring<T, N> {
    fn new() -> Self {
        Ring {
            items: [T::default(); N],
            head: 0,
            len: 0,
        }
    }
    fn push(&mut self, v: T) {
        if self.len == N {
            self.head = (self.head + 1) % N;
            self.len -= 1;
        }
        let i = (self.head + self.len) % N;
        if let Some(s) = self.items.get_mut(i) {
            *s = v;
        }
        self.len += 1;
    }
    fn front(&self) -> Option<&T> {
        (self.len > 0).then(|| self.items.get(self.head)).flatten()
    }
    fn pop(&mut self) -> Option<T> {
        let v = *self.front()?;
        self.head = (self.head + 1) % N;
        self.len -= 1;
        Some(v)
    }
}

impl Default for Pending {
    fn default() -> Self {
        Pending {
            kind: MessageType::Discover,
            xid: 0,
            secs: 0,
            broadcast_flag: false,
            ciaddr: Ipv4Addr::UNSPECIFIED,
            requested: None,
            server_id: None,
            to: Ipv4Addr::BROADCAST,
        }
    }
}

/// Slot type of the event ring (events are not `Copy`-free of size but are `Copy`).
#[derive(Debug, Clone, Copy, Default)]
struct EvSlot(Option<EventRepr>);

/// `Event` minus nothing: `Lease` is `Copy`, so events are stored inline.
type EventRepr = EventCopy;

#[derive(Debug, Clone, Copy)]
enum EventCopy {
    StateChanged(State, State, Reason),
    Bound(Lease),
    Renewed(Lease),
    LeaseLost(Ipv4Addr, Reason),
    CheckAddress(Ipv4Addr),
}

impl From<EventCopy> for Event {
    fn from(e: EventCopy) -> Event {
        match e {
            EventCopy::StateChanged(from, to, reason) => Event::StateChanged { from, to, reason },
            EventCopy::Bound(l) => Event::Bound(l),
            EventCopy::Renewed(l) => Event::Renewed(l),
            EventCopy::LeaseLost(address, reason) => Event::LeaseLost { address, reason },
            EventCopy::CheckAddress(address) => Event::CheckAddress { address },
        }
    }
}

/// Timers of the current lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LeaseTimes {
    t1: Option<Instant>,
    t2: Option<Instant>,
    expiry: Option<Instant>,
}

/// The DHCP client of one interface.
///
/// Drive it with the five verbs: `handle_input` (a datagram that arrived on
/// port 68), `handle_timeout`, `poll_transmit` (send from port 68 to
/// `Transmit::to`), `poll_event`, `poll_timeout`. Before BOUND the client's
/// interface has no address, so the driver sends broadcasts from 0.0.0.0.
#[derive(Debug, Clone)]
pub struct Client {
    cfg: Config,
    rng: Rng,
    state: State,
    xid: u32,
    next: Option<Instant>,
    attempts: u32,
    series_start: Instant,
    last_request_at: Instant,
    offer: Option<(Ipv4Addr, Ipv4Addr)>,
    checking: Option<Lease>,
    lease: Option<Lease>,
    times: LeaseTimes,
    tx: Ring<Pending, TX_CAP>,
    events: Ring<EvSlot, EV_CAP>,
}

impl Client {
    /// A client starting at `now` in INIT (waiting the initial delay) or, with
    /// `Config::init_reboot_address`, in INIT-REBOOT (requesting at once).
    #[must_use]
    pub fn new(cfg: Config, now: Instant, seed: u64) -> Self {
        let mut c = Client {
            cfg,
            rng: Rng::new(seed),
            state: State::Init,
            xid: 0,
            next: None,
            attempts: 0,
            series_start: now,
            last_request_at: now,
            offer: None,
            checking: None,
            lease: None,
            times: LeaseTimes {
                t1: None,
                t2: None,
                expiry: None,
            },
            tx: Ring::new(),
            events: Ring::new(),
        };
        if cfg.init_reboot_address.is_some() {
            c.state = State::InitReboot;
            c.next = Some(now);
        } else {
            c.next = Some(now + c.initial_delay());
        }
        c
    }

    fn initial_delay(&mut self) -> Duration {
        let (lo, hi) = self.cfg.initial_delay;
        self.rng.duration_between(lo, hi.max(lo))
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The lease in force (BOUND, RENEWING, REBINDING).
    pub fn lease(&self) -> Option<&Lease> {
        self.lease.as_ref()
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// When the current lease expires (`None`: no lease or infinite).
    pub fn lease_expiry(&self) -> Option<Instant> {
        self.lease.and(self.times.expiry)
    }

    fn set_state(&mut self, to: State, reason: Reason) {
        let from = self.state;
        self.state = to;
        self.events
            .push(EvSlot(Some(EventCopy::StateChanged(from, to, reason))));
    }

    fn emit_event(&mut self, e: EventCopy) {
        self.events.push(EvSlot(Some(e)));
    }

    /// Retransmission delay after the `n`-th transmission (1-based):
    /// first·2^(n−1) capped, plus jitter, capped again, never below 1 s.
    fn backoff(&mut self, n: u32) -> Duration {
        let shift = n.saturating_sub(1).min(16);
        let base = self
            .cfg
            .retransmit_first
            .saturating_mul(1u32 << shift)
            .min(self.cfg.retransmit_max);
        let j = self.cfg.retransmit_jitter;
        let r = self
            .rng
            .duration_between(Duration::ZERO, j.saturating_mul(2));
        let d = (base + r).saturating_sub(j).min(self.cfg.retransmit_max);
        d.max(Duration::from_secs(1))
    }

    fn secs(&self, now: Instant) -> u16 {
        u16::try_from(now.saturating_since(self.series_start).as_secs()).unwrap_or(u16::MAX)
    }

    fn queue(&mut self, now: Instant, kind: MessageType) {
        let lease_addr = self
            .lease
            .map(|l| l.address)
            .unwrap_or(Ipv4Addr::UNSPECIFIED);
        let lease_server = self.lease.map(|l| l.server_id);
        let b = self.cfg.broadcast;
        let mut p = Pending {
            kind,
            xid: self.xid,
            secs: self.secs(now),
            ..Pending::default()
        };
        match (kind, self.state) {
            (MessageType::Discover, _) => p.broadcast_flag = b,
            (MessageType::Request, State::Requesting) => {
                p.broadcast_flag = b;
                if let Some((addr, server)) = self.offer {
                    p.requested = Some(addr);
                    p.server_id = Some(server);
                }
                self.last_request_at = now;
            }
            (MessageType::Request, State::Rebooting) => {
                p.broadcast_flag = b;
                p.requested = self.cfg.init_reboot_address;
                self.last_request_at = now;
            }
            (MessageType::Request, State::Renewing) => {
                p.ciaddr = lease_addr;
                p.to = lease_server.unwrap_or(Ipv4Addr::BROADCAST);
                self.last_request_at = now;
            }
            (MessageType::Request, _) => {
                // REBINDING: broadcast, ciaddr set.
                p.ciaddr = lease_addr;
                self.last_request_at = now;
            }
            _ => {}
        }
        self.tx.push(p);
    }

    /// INIT elapsed: broadcast DISCOVER, enter SELECTING.
    fn start_discovery(&mut self, now: Instant, reason: Reason) {
        self.xid = self.rng.next_u32();
        self.series_start = now;
        self.attempts = 1;
        self.offer = None;
        self.checking = None;
        self.set_state(State::Selecting, reason);
        self.queue(now, MessageType::Discover);
        self.next = Some(now + self.backoff(1));
    }

    /// Leaves the lease (if any) and goes to INIT, discovering at once.
    fn restart_init(&mut self, now: Instant, reason: Reason) {
        if let Some(l) = self.lease.take() {
            self.emit_event(EventCopy::LeaseLost(l.address, reason));
        }
        self.set_state(State::Init, reason);
        self.start_discovery(now, reason);
    }

    fn bind(&mut self, lease: Lease, reason: Reason) {
        let renew = matches!(self.state, State::Renewing | State::Rebinding)
            && self.lease.is_some_and(|old| old.address == lease.address);
        if let Some(old) = self.lease.filter(|o| o.address != lease.address) {
            self.emit_event(EventCopy::LeaseLost(old.address, reason));
        }
        let start = self.last_request_at;
        let (t1, t2) = self.fuzz_timers(lease.renewal_time, lease.rebinding_time, lease.lease_time);
        self.times = LeaseTimes {
            t1: t1.map(|d| start + d),
            t2: t2.map(|d| start + d),
            expiry: lease.lease_time.map(|d| start + d),
        };
        self.lease = Some(lease);
        self.offer = None;
        self.checking = None;
        self.attempts = 0;
        self.set_state(State::Bound, reason);
        self.emit_event(if renew {
            EventCopy::Renewed(lease)
        } else {
            EventCopy::Bound(lease)
        });
        self.next = self.times.t1;
    }

    /// T1 and T2 with `Config::timer_fuzz_percent` applied (RFC 2131 §4.4.5):
    /// each drawn in `value ± spread`, T2 kept in `(T1, lease)` and T1 below
    /// the drawn T2 whenever the unfuzzed values were so ordered.
    fn fuzz_timers(
        &mut self,
        t1: Option<Duration>,
        t2: Option<Duration>,
        lease: Option<Duration>,
    ) -> (Option<Duration>, Option<Duration>) {
        const MS: Duration = Duration::from_millis(1);
        let pct = u32::from(self.cfg.timer_fuzz_percent.min(50));
        if pct == 0 {
            return (t1, t2);
        }
        let spread = |d: Duration| (d / 100).saturating_mul(pct);
        let ordered = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
            (Some(a), Some(b)) => a < b,
            _ => true,
        };
        let f2 = t2.map(|v| {
            let s = spread(v);
            let hi = match lease {
                Some(l) if v < l => (v.saturating_add(s)).min(l.saturating_sub(MS)),
                Some(_) => v,
                None => v.saturating_add(s),
            };
            let lo = match t1 {
                Some(a) if a < v => v.saturating_sub(s).max(a.saturating_add(MS)),
                Some(_) => v,
                None => v.saturating_sub(s),
            };
            self.rng.duration_between(lo.min(v), hi.max(v))
        });
        let f1 = t1.map(|v| {
            let s = spread(v);
            let hi = match f2 {
                Some(b) if ordered(t1, t2) => v.saturating_add(s).min(b.saturating_sub(MS)),
                Some(_) => v,
                None => v.saturating_add(s),
            };
            self.rng.duration_between(v.saturating_sub(s), hi.max(v))
        });
        // Whole-millisecond draws keep the order; re-check rather than trust.
        let kept = (!ordered(t1, t2) || ordered(f1, f2))
            && (!ordered(t2, lease) || ordered(f2, lease))
            && (!ordered(t1, lease) || ordered(f1, lease));
        if kept {
            (f1, f2)
        } else {
            (t1, t2)
        }
    }

    /// Time reached `now`: initial delay, retransmissions, T1, T2, expiry.
    /// Early or repeated calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        for _ in 0..16 {
            match self.next {
                Some(t) if t <= now => self.fire(now),
                _ => return,
            }
        }
    }

    fn fire(&mut self, now: Instant) {
        match self.state {
            State::Init => self.start_discovery(now, Reason::DelayElapsed),
            State::InitReboot => {
                self.xid = self.rng.next_u32();
                self.series_start = now;
                self.attempts = 1;
                self.set_state(State::Rebooting, Reason::DelayElapsed);
                self.queue(now, MessageType::Request);
                self.next = Some(now + self.backoff(1));
            }
            State::Selecting => {
                self.attempts = self.attempts.saturating_add(1);
                self.queue(now, MessageType::Discover);
                self.next = Some(now + self.backoff(self.attempts));
            }
            State::Requesting | State::Rebooting => {
                if self.attempts >= self.cfg.max_requests {
                    self.restart_init(now, Reason::RequestsExhausted);
                } else {
                    self.attempts += 1;
                    self.queue(now, MessageType::Request);
                    self.next = Some(now + self.backoff(self.attempts));
                }
            }
            State::Bound => {
                self.xid = self.rng.next_u32();
                self.series_start = now;
                self.set_state(State::Renewing, Reason::RenewalTime);
                self.renew_step(now);
            }
            State::Renewing => self.renew_step(now),
            State::Rebinding => self.rebind_step(now),
            State::Stopped => self.next = None,
        }
    }

    /// In RENEWING at `now`: go on to REBINDING at T2, else (re)send the
    /// unicast REQUEST and wait half the time left to T2, at least 60 s.
    fn renew_step(&mut self, now: Instant) {
        let t2 = self.times.t2.unwrap_or(Instant::MAX);
        if now >= t2 {
            self.set_state(State::Rebinding, Reason::RebindingTime);
            return self.rebind_step(now);
        }
        self.queue(now, MessageType::Request);
        let wait = (t2.saturating_since(now) / 2).max(self.cfg.renew_retransmit_min);
        self.next = Some((now + wait).min(t2));
    }

    /// In REBINDING at `now`: give the lease up at expiry, else (re)broadcast
    /// the REQUEST and wait half the time left, at least 60 s.
    fn rebind_step(&mut self, now: Instant) {
        let exp = self.times.expiry.unwrap_or(Instant::MAX);
        if now >= exp {
            return self.restart_init(now, Reason::LeaseExpired);
        }
        self.queue(now, MessageType::Request);
        let wait = (exp.saturating_since(now) / 2).max(self.cfg.renew_retransmit_min);
        self.next = Some((now + wait).min(exp));
    }

    /// A datagram arrived on port 68 from `from`.
    ///
    /// # Errors
    /// The message is not for this client or not expected now (see
    /// [`InputError`]); the state is unchanged.
    pub fn handle_input(
        &mut self,
        now: Instant,
        from: SocketAddr,
        bytes: &[u8],
    ) -> Result<(), InputError> {
        let p = Packet::new_checked(bytes)?;
        if p.op() != Op::Reply {
            return Err(InputError::NotAReply);
        }
        let kind = p.message_type().ok_or(InputError::NotAReply)?;
        if p.xid() != self.xid || p.chaddr_raw().get(..6) != Some(&self.cfg.mac[..]) {
            return Err(InputError::StaleTransaction);
        }
        let unexpected = InputError::Unexpected {
            state: self.state,
            kind,
        };
        let from_ip = match from {
            SocketAddr::V4(a) => *a.ip(),
            SocketAddr::V6(_) => Ipv4Addr::UNSPECIFIED,
        };
        match (self.state, kind) {
            (State::Selecting, MessageType::Offer) => {
                let server = p
                    .server_id()
                    .ok_or(InputError::Incomplete { field: "option 54" })?;
                let addr = p.yiaddr();
                if addr.is_unspecified() || addr.is_broadcast() {
                    return Err(InputError::Incomplete { field: "yiaddr" });
                }
                self.offer = Some((addr, server));
                self.attempts = 1;
                self.set_state(State::Requesting, Reason::OfferReceived);
                self.queue(now, MessageType::Request);
                self.next = Some(now + self.backoff(1));
                Ok(())
            }
            (State::Requesting, MessageType::Ack | MessageType::Nak) if self.checking.is_some() => {
                Err(unexpected)
            }
            (State::Requesting | State::Rebooting, MessageType::Ack)
            | (State::Renewing | State::Rebinding, MessageType::Ack) => {
                self.check_server(&p)?;
                let addr = p.yiaddr();
                if addr.is_unspecified() {
                    return Err(InputError::Incomplete { field: "yiaddr" });
                }
                if p.lease_time().is_none() {
                    return Err(InputError::Incomplete { field: "option 51" });
                }
                let fallback = self.lease.map(|l| l.server_id).unwrap_or(from_ip);
                let lease = Lease::from_packet(&p, fallback);
                if self.state == State::Requesting && self.cfg.conflict_check {
                    self.checking = Some(lease);
                    self.next = None;
                    self.emit_event(EventCopy::CheckAddress(addr));
                    return Ok(());
                }
                self.bind(lease, Reason::AckReceived);
                Ok(())
            }
            (
                State::Requesting | State::Rebooting | State::Renewing | State::Rebinding,
                MessageType::Nak,
            ) => {
                self.check_server(&p)?;
                self.restart_init(now, Reason::NakReceived);
                Ok(())
            }
            _ => Err(unexpected),
        }
    }

    /// In REQUESTING only the offering server's reply counts; a reply
    /// without option 54 is accepted.
    fn check_server<T: AsRef<[u8]>>(&self, p: &Packet<T>) -> Result<(), InputError> {
        let expected = match self.state {
            State::Requesting => self.offer.map(|o| o.1),
            _ => None,
        };
        match (expected, p.server_id()) {
            (Some(e), Some(got)) if e != got => Err(InputError::StaleTransaction),
            _ => Ok(()),
        }
    }

    /// The answer to [`Event::CheckAddress`]: `in_use` = another host holds
    /// the address. Free: BOUND. In use: DECLINE, then INIT for
    /// `Config::decline_wait`. Returns false (and does nothing) when no check
    /// is pending.
    pub fn handle_conflict_check(&mut self, now: Instant, in_use: bool) -> bool {
        let Some(lease) = self.checking.take() else {
            return false;
        };
        if !in_use {
            self.bind(lease, Reason::AckReceived);
            return true;
        }
        self.tx.push(Pending {
            kind: MessageType::Decline,
            xid: self.xid,
            requested: Some(lease.address),
            server_id: Some(lease.server_id),
            ..Pending::default()
        });
        self.offer = None;
        self.set_state(State::Init, Reason::AddressInUse);
        self.next = Some(now + self.cfg.decline_wait);
        true
    }

    /// Gives the lease back: unicast RELEASE to the server (when holding
    /// one), then STOPPED. Any state may be stopped.
    pub fn release(&mut self, now: Instant) {
        let _ = now;
        if let Some(l) = self.lease.take() {
            self.tx.push(Pending {
                kind: MessageType::Release,
                xid: self.rng.next_u32(),
                ciaddr: l.address,
                server_id: Some(l.server_id),
                to: l.server_id,
                ..Pending::default()
            });
            self.emit_event(EventCopy::LeaseLost(l.address, Reason::Released));
        }
        self.checking = None;
        self.offer = None;
        if self.state != State::Stopped {
            self.set_state(State::Stopped, Reason::Released);
        }
        self.next = None;
    }

    /// From STOPPED: back to INIT with a new initial delay.
    pub fn restart(&mut self, now: Instant) {
        if self.state == State::Stopped {
            self.set_state(State::Init, Reason::Restarted);
            self.next = Some(now + self.initial_delay());
        }
    }

    /// Writes the next datagram into `buf`; send it from port 68 to `to`.
    /// Call after any `handle_*`, until `None`.
    ///
    /// # Errors
    /// [`InsufficientSize`] when `buf` is too small (the message stays queued).
    pub fn poll_transmit(
        &mut self,
        buf: &mut [u8],
    ) -> Result<Option<Transmit<SocketAddr>>, InsufficientSize> {
        loop {
            let Some(p) = self.tx.front().copied() else {
                return Ok(None);
            };
            match self.encode(&p, buf) {
                Ok(len) => {
                    self.tx.pop();
                    let to = SocketAddr::V4(SocketAddrV4::new(p.to, SERVER_PORT));
                    return Ok(Some(Transmit { to, len }));
                }
                Err(EmitError::Insufficient(e)) => return Err(e),
                // Only an absurd configuration (options over the size limit
                // even with overload) gets here: drop that message.
                Err(_) => {
                    self.tx.pop();
                }
            }
        }
    }

    fn encode(&self, p: &Pending, buf: &mut [u8]) -> Result<usize, EmitError> {
        let cfg = &self.cfg;
        let mt = [u8::from(p.kind)];
        let mms = cfg.max_message_size.map(u16::to_be_bytes);
        let req = p.requested.map(|a| a.octets());
        let sid = p.server_id.map(|a| a.octets());
        let full = matches!(p.kind, MessageType::Discover | MessageType::Request);
        let mut opts = [OptionRef {
            code: 0,
            value: &[],
        }; 9];
        let mut n = 0;
        fn push<'a>(opts: &mut [OptionRef<'a>], n: &mut usize, code: u8, value: Option<&'a [u8]>) {
            if let (Some(value), Some(slot)) = (value, opts.get_mut(*n)) {
                *slot = OptionRef { code, value };
                *n += 1;
            }
        }
        macro_rules! add {
            ($c:expr, $v:expr) => {
                push(&mut opts, &mut n, $c, $v)
            };
        }
        add!(code::MESSAGE_TYPE, Some(&mt));
        if full {
            add!(code::MAX_MESSAGE_SIZE, mms.as_ref().map(|v| &v[..]));
        }
        add!(code::CLIENT_ID, cfg.client_id.as_ref().map(Text::as_bytes));
        add!(code::REQUESTED_IP, req.as_ref().map(|v| &v[..]));
        add!(code::SERVER_ID, sid.as_ref().map(|v| &v[..]));
        if full {
            add!(
                code::HOST_NAME,
                cfg.host_name
                    .as_ref()
                    .map(Text::as_bytes)
                    .filter(|v| !v.is_empty())
            );
            let prl = cfg.parameter_request_list.as_bytes();
            add!(
                code::PARAMETER_REQUEST_LIST,
                Some(prl).filter(|v| !v.is_empty())
            );
            add!(
                code::VENDOR_CLASS,
                cfg.vendor_class
                    .as_ref()
                    .map(Text::as_bytes)
                    .filter(|v| !v.is_empty())
            );
        }
        let opts = opts.get(..n).unwrap_or(&[]);
        let mut m = MessageRepr::new(Op::Request, p.xid, &cfg.mac);
        m.secs = p.secs;
        m.flags = if p.broadcast_flag { FLAG_BROADCAST } else { 0 };
        m.ciaddr = p.ciaddr;
        m.options = opts;
        m.emit(buf)
    }

    /// The next event. Call after any `handle_*`, until `None`.
    pub fn poll_event(&mut self) -> Option<Event> {
        loop {
            let EvSlot(e) = self.events.pop()?;
            if let Some(e) = e {
                return Some(e.into());
            }
        }
    }

    /// When to call [`Client::handle_timeout`] next (`None`: only input or the
    /// application can move the client). Call after draining the other polls.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next
    }
}
