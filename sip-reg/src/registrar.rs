//! A SIP registrar (RFC 3261 §10.3) as a Sans-IO state machine, with digest
//! authentication (RFC 7616), nonce-count replay protection and the policies
//! of `phone-boot.md` §3.6, each a typed 403 cause.
//!
//! Bindings live in a `HashMap` keyed by address-of-record (`user@host`,
//! lowercase); expiry runs from a heap so `handle_timeout` costs
//! O(expired · log n). A refresh leaves the binding's earlier heap entry
//! behind (it is skipped when it falls due); when stale entries outnumber the
//! live bindings the heap is rebuilt from the bindings, so its size stays
//! within twice the number of bindings (plus a small constant) however fast
//! phones refresh. Nonces are stateless (issue time plus a keyed hash of
//! it); only nonces that authenticated a request are remembered, with their
//! highest nonce count, until they expire.

use core::cmp::Reverse;
use core::net::SocketAddr;
use core::time::Duration;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use dialtone_core::{ConnId, Instant, InsufficientSize, Rng, Transmit};

use crate::digest::{hash_hex, Algorithm, DigestInput};
use crate::error::InputError;
use crate::wire::build::{to_vec, Writer};
use crate::wire::{
    next_frame, Challenge, Contact, Frame, HeaderName, Message, Method, Qop, StartLine,
};
use crate::{ConnEvent, Peer};

/// One account of the registrar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Account {
    /// Digest password.
    pub password: String,
    /// Disabled accounts get 403 [`ForbiddenCause::AccountDisabled`].
    pub disabled: bool,
    /// MAC the device must have (from `+sip.instance` or a User-Agent token).
    pub mac: Option<[u8; 6]>,
    /// Substring the User-Agent must contain (case-insensitive).
    pub required_user_agent: Option<String>,
    /// Only REGISTERs over TCP are accepted.
    pub tcp_only: bool,
}

impl Account {
    /// An enabled account with this password and no policy.
    #[must_use]
    pub fn new(password: &str) -> Self {
        Account {
            password: password.to_string(),
            ..Account::default()
        }
    }
}

/// Where the registrar finds accounts.
pub trait AccountStore {
    /// The account of user `user` (the user part of the AOR).
    fn account(&self, user: &str) -> Option<&Account>;
}

/// The default in-memory account table.
#[derive(Debug, Clone, Default)]
pub struct MemoryAccounts {
    map: HashMap<String, Account>,
}

impl MemoryAccounts {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces an account.
    pub fn insert(&mut self, user: &str, account: Account) {
        self.map.insert(user.to_string(), account);
    }

    /// Mutable access, e.g. to disable an account.
    pub fn get_mut(&mut self, user: &str) -> Option<&mut Account> {
        self.map.get_mut(user)
    }

    /// Number of accounts.
    #[must_use]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Reads `user:password` lines (blank lines and `#` comments skipped).
    #[must_use]
    pub fn from_lines(text: &str) -> Self {
        let mut m = Self::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some((u, p)) = line.split_once(':') {
                m.insert(u.trim(), Account::new(p.trim()));
            }
        }
        m
    }
}

impl AccountStore for MemoryAccounts {
    fn account(&self, user: &str) -> Option<&Account> {
        self.map.get(user)
    }
}

/// Server-side liveness policy (`phone-boot.md` §3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Liveness {
    /// Bindings live until they expire.
    #[default]
    None,
    /// A binding not refreshed by REGISTER or OPTIONS within this time is
    /// expired early.
    OptionsRequired(Duration),
}

/// What a wrong digest response gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WrongPassword {
    /// 403 [`ForbiddenCause::WrongPassword`] (vendor servers).
    #[default]
    Forbidden,
    /// A new 401 challenge.
    Rechallenge,
}

/// Registrar settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Digest realm.
    pub realm: String,
    /// Domain the registrar serves; `None` accepts any To host.
    pub domain: Option<String>,
    /// Expiry when the request names none (3600 s).
    pub default_expires: u32,
    /// Shorter non-zero requests get 423 with `Min-Expires` (60 s).
    pub min_expires: u32,
    /// Longer requests are shortened to this (7200 s).
    pub max_expires: u32,
    /// Bindings per AOR; more gets 503 (10).
    pub max_contacts: usize,
    /// Nonce lifetime (300 s); an older nonce gets `stale=true`.
    pub nonce_lifetime: Duration,
    /// Challenge algorithm.
    pub algorithm: Algorithm,
    /// What a wrong password gets.
    pub wrong_password: WrongPassword,
    /// Abuse protection on/off.
    pub abuse_protection: bool,
    /// Abuse window (60 s).
    pub abuse_window: Duration,
    /// REGISTERs per account allowed in the window (20); one more blocks.
    pub abuse_threshold: u32,
    /// Block time (600 s).
    pub abuse_block: Duration,
    /// While blocked, drop REGISTERs silently instead of answering 403.
    pub abuse_silent: bool,
    /// Liveness policy.
    pub liveness: Liveness,
    /// `Server` header value.
    pub server: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            realm: "dialtone".to_string(),
            domain: None,
            default_expires: 3600,
            min_expires: 60,
            max_expires: 7200,
            max_contacts: 10,
            nonce_lifetime: Duration::from_secs(300),
            algorithm: Algorithm::Md5,
            wrong_password: WrongPassword::Forbidden,
            abuse_protection: true,
            abuse_window: Duration::from_secs(60),
            abuse_threshold: 20,
            abuse_block: Duration::from_secs(600),
            abuse_silent: false,
            liveness: Liveness::None,
            server: "dialtone-registrar/0.1".to_string(),
        }
    }
}

/// The typed causes of a 403 (`phone-boot.md` §3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ForbiddenCause {
    /// The account is disabled.
    AccountDisabled,
    /// The device's MAC is not the account's.
    MacMismatch,
    /// The User-Agent lacks the required name.
    UserAgentRejected,
    /// TCP-only account, request over UDP.
    TransportNotAllowed,
    /// Too many REGISTERs: blocked.
    Blacklisted,
    /// Wrong digest response.
    WrongPassword,
    /// The digest username is not the AOR's user.
    AuthUserMismatch,
}

impl ForbiddenCause {
    /// The reason phrase sent with the 403.
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            ForbiddenCause::AccountDisabled => "Forbidden (account disabled)",
            ForbiddenCause::MacMismatch => "Forbidden (device not bound to account)",
            ForbiddenCause::UserAgentRejected => "Forbidden (User-Agent not allowed)",
            ForbiddenCause::TransportNotAllowed => "Forbidden (TCP required)",
            ForbiddenCause::Blacklisted => "Forbidden (blocked: too many REGISTERs)",
            ForbiddenCause::WrongPassword => "Forbidden (wrong credentials)",
            ForbiddenCause::AuthUserMismatch => "Forbidden (auth user mismatch)",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Counters of the registrar's decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Counters {
    /// REGISTER requests received.
    pub registers: u64,
    /// OPTIONS requests received.
    pub options: u64,
    /// 401 challenges sent (stale ones included).
    pub challenges: u64,
    /// Challenges with `stale=true`.
    pub stale: u64,
    /// Requests whose nonce count was replayed.
    pub replays: u64,
    /// 200 answers to REGISTER.
    pub accepted: u64,
    /// 403 answers by [`ForbiddenCause`] (in declaration order).
    pub forbidden: [u64; 7],
    /// 404 answers.
    pub not_found: u64,
    /// 423 answers.
    pub too_brief: u64,
    /// 400 answers.
    pub bad_requests: u64,
    /// Accounts blocked by abuse protection.
    pub blocks: u64,
    /// Bindings expired by time.
    pub expired: u64,
    /// Bindings expired early by the liveness policy.
    pub liveness_expiries: u64,
}

impl Counters {
    /// The 403 count of one cause.
    #[must_use]
    pub fn forbidden(&self, cause: ForbiddenCause) -> u64 {
        self.forbidden.get(cause.index()).copied().unwrap_or(0)
    }
}

/// One binding (RFC 3261 §10.3 step 7).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Binding {
    /// Contact URI.
    pub contact: String,
    /// Absolute expiry.
    pub expires_at: Instant,
    /// q in thousandths.
    pub q: Option<u16>,
    /// Call-ID of the REGISTER that last changed it.
    pub call_id: String,
    /// CSeq of that REGISTER.
    pub cseq: u32,
    /// `+sip.instance`.
    pub instance: Option<String>,
    /// `reg-id`.
    pub reg_id: Option<u32>,
    /// Where the REGISTER came from.
    pub source: Peer,
    /// User-Agent of that REGISTER.
    pub user_agent: Option<String>,
    /// Liveness deadline, with [`Liveness::OptionsRequired`].
    pub alive_until: Option<Instant>,
}

impl Binding {
    fn deadline(&self) -> Instant {
        match self.alive_until {
            Some(a) => a.min(self.expires_at),
            None => self.expires_at,
        }
    }
}

/// What the registrar reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A binding was added or refreshed.
    Bound {
        /// AOR.
        aor: String,
        /// Contact URI.
        contact: String,
        /// Granted expiry.
        expires: Duration,
    },
    /// A binding was removed by request.
    Unbound {
        /// AOR.
        aor: String,
        /// Contact URI.
        contact: String,
    },
    /// A binding expired (by time, or early by the liveness policy).
    Expired {
        /// AOR.
        aor: String,
        /// Contact URI.
        contact: String,
        /// True when the liveness policy expired it.
        liveness: bool,
    },
    /// A REGISTER got 403.
    Forbidden {
        /// AOR.
        aor: String,
        /// Why.
        cause: ForbiddenCause,
    },
    /// An account was blocked by abuse protection.
    Blocked {
        /// User.
        user: String,
        /// For how long.
        duration: Duration,
    },
}

#[derive(Debug, Default)]
struct Abuse {
    times: VecDeque<Instant>,
    blocked_until: Option<Instant>,
}

/// The registrar; see the module docs.
#[derive(Debug)]
pub struct Registrar<S: AccountStore = MemoryAccounts> {
    config: Config,
    store: S,
    rng: Rng,
    secret: String,
    aors: HashMap<String, Vec<Binding>>,
    heap: BinaryHeap<Reverse<(Instant, String)>>,
    /// Heap size that triggers a rebuild from the live bindings.
    heap_compact_at: usize,
    nonces: HashMap<String, u32>,
    next_nonce_sweep: Instant,
    abuse: HashMap<String, Abuse>,
    streams: HashMap<ConnId, Vec<u8>>,
    out: VecDeque<(Peer, Vec<u8>)>,
    events: VecDeque<Event>,
    counters: Counters,
    emit_events: bool,
}

/// Stale heap entries tolerated beyond twice the live bindings.
const HEAP_SLACK: usize = 64;

enum Verdict {
    Ok,
    Reply(u16, &'static str),
}

impl<S: AccountStore> Registrar<S> {
    /// A registrar over `store`; `seed` keys the nonces (mix real entropy in).
    pub fn new(config: Config, store: S, now: Instant, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let mut secret = String::new();
        for _ in 0..4 {
            secret.push_str(&format!("{:016x}", rng.next_u64()));
        }
        Registrar {
            config,
            store,
            rng,
            secret,
            aors: HashMap::new(),
            heap: BinaryHeap::new(),
            heap_compact_at: HEAP_SLACK,
            nonces: HashMap::new(),
            next_nonce_sweep: now + Duration::from_secs(60),
            abuse: HashMap::new(),
            streams: HashMap::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
            counters: Counters::default(),
            emit_events: true,
        }
    }

    /// Turns [`Event`]s off (load tests that read only counters).
    pub fn set_events(&mut self, on: bool) {
        self.emit_events = on;
        if !on {
            self.events.clear();
        }
    }

    /// The account store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Mutable account store.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Decision counters.
    #[must_use]
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Current bindings of an AOR (`user@host`, any case), unexpired at `now`.
    pub fn bindings(&self, aor: &str, now: Instant) -> impl Iterator<Item = &Binding> {
        self.aors
            .get(&aor.to_ascii_lowercase())
            .into_iter()
            .flatten()
            .filter(move |b| b.deadline() > now)
    }

    /// Number of AORs with at least one binding.
    #[must_use]
    pub fn aor_count(&self) -> usize {
        self.aors.len()
    }

    /// Whether `user` is blocked at `now`.
    #[must_use]
    pub fn is_blocked(&self, user: &str, now: Instant) -> bool {
        self.abuse
            .get(user)
            .and_then(|a| a.blocked_until)
            .is_some_and(|t| t > now)
    }

    fn push_event(&mut self, ev: Event) {
        if self.emit_events {
            self.events.push_back(ev);
        }
    }

    /// Bytes from a UA: a datagram from `Peer::Udp`, or a chunk of the TCP
    /// stream `Peer::Tcp` (connections are known on first bytes).
    ///
    /// # Errors
    /// [`InputError::Decode`] for bytes that are not SIP (a malformed TCP
    /// stream is dropped), [`InputError::Unexpected`] for responses.
    pub fn handle_input(
        &mut self,
        now: Instant,
        from: Peer,
        bytes: &[u8],
    ) -> Result<(), InputError> {
        match from {
            Peer::Udp(_) => {
                if bytes.starts_with(b"\r\n") && bytes.iter().all(|b| *b == b'\r' || *b == b'\n') {
                    return Ok(()); // NAT keep-alive datagram
                }
                let msg = Message::parse(bytes)?;
                self.handle_message(now, from, &msg)
            }
            Peer::Tcp(conn) => {
                let mut buf = self.streams.remove(&conn).unwrap_or_default();
                buf.extend_from_slice(bytes);
                let mut used = 0;
                let mut result = Ok(());
                loop {
                    let rest = buf.get(used..).unwrap_or_default();
                    if rest.is_empty() {
                        break;
                    }
                    match next_frame(rest, crate::wire::MAX_MESSAGE) {
                        Ok(Frame::Ping) => {
                            self.out.push_back((from, b"\r\n".to_vec()));
                            used += 4;
                        }
                        Ok(Frame::Pong) => {
                            if rest.len() == 2 {
                                break; // maybe the first half of a ping
                            }
                            used += 2;
                        }
                        Ok(Frame::Message(n)) => {
                            let r = match rest.get(..n).map(Message::parse) {
                                Some(Ok(m)) => self.handle_message(now, from, &m),
                                Some(Err(e)) => Err(e.into()),
                                None => Err(InputError::Decode(crate::DecodeError::bad("frame"))),
                            };
                            if r.is_err() {
                                result = r;
                            }
                            used += n;
                        }
                        Ok(Frame::Incomplete { .. }) => break,
                        Err(e) => return Err(e.into()),
                    }
                }
                buf.drain(..used.min(buf.len()));
                self.streams.insert(conn, buf);
                result
            }
        }
    }

    /// A TCP connection event; `Closed` drops its buffered bytes.
    pub fn handle_conn_event(&mut self, _now: Instant, conn: ConnId, ev: ConnEvent) {
        match ev {
            ConnEvent::Connected => {
                self.streams.entry(conn).or_default();
            }
            ConnEvent::Closed | ConnEvent::Refused => {
                self.streams.remove(&conn);
            }
        }
    }

    fn handle_message(
        &mut self,
        now: Instant,
        from: Peer,
        msg: &Message<'_>,
    ) -> Result<(), InputError> {
        let StartLine::Request { method, .. } = *msg.start() else {
            return Err(InputError::Unexpected { state: "registrar" });
        };
        // Every request we answer needs these.
        if !msg.top_via_is_valid()
            || msg.call_id().is_err()
            || msg.cseq().is_err()
            || msg.from().is_err()
            || msg.to().is_err()
        {
            self.counters.bad_requests += 1;
            self.reply(from, msg, 400, "Bad Request", |_| {});
            return Ok(());
        }
        match method {
            Method::Register => self.on_register(now, from, msg),
            Method::Options => {
                self.counters.options += 1;
                self.on_options(now, from, msg);
                self.reply(from, msg, 200, "OK", |w| {
                    w.header("Allow", "REGISTER, OPTIONS")
                });
            }
            Method::Ack => {}
            _ => self.reply(from, msg, 405, "Method Not Allowed", |w| {
                w.header("Allow", "REGISTER, OPTIONS");
            }),
        }
        Ok(())
    }

    fn on_options(&mut self, now: Instant, from: Peer, msg: &Message<'_>) {
        let Liveness::OptionsRequired(timeout) = self.config.liveness else {
            return;
        };
        let Some(aor) = msg.from().ok().and_then(|f| aor_key(f.uri)) else {
            return;
        };
        if let Some(list) = self.aors.get_mut(&aor) {
            let any_source = !list.iter().any(|b| b.source == from);
            for b in list.iter_mut().filter(|b| any_source || b.source == from) {
                b.alive_until = Some(now + timeout);
                self.heap.push(Reverse((b.deadline(), aor.clone())));
            }
        }
        self.compact_heap();
    }

    /// Rebuilds the expiry heap from the live bindings once stale entries
    /// (left behind by refreshes) make it more than twice their number.
    fn compact_heap(&mut self) {
        if self.heap.len() <= self.heap_compact_at {
            return;
        }
        let mut entries = core::mem::take(&mut self.heap).into_vec();
        entries.clear();
        for (aor, list) in &self.aors {
            for b in list {
                entries.push(Reverse((b.deadline(), aor.clone())));
            }
        }
        self.heap = BinaryHeap::from(entries);
        self.heap_compact_at = self.heap.len().saturating_mul(2).saturating_add(HEAP_SLACK);
    }

    /// Entries in the expiry heap (live bindings plus stale entries that
    /// refreshes left behind; at most twice the bindings plus a constant).
    pub fn expiry_entries(&self) -> usize {
        self.heap.len()
    }

    fn forbid(
        &mut self,
        from: Peer,
        msg: &Message<'_>,
        aor: &str,
        cause: ForbiddenCause,
        retry_after: Option<u64>,
    ) {
        if let Some(c) = self.counters.forbidden.get_mut(cause.index()) {
            *c += 1;
        }
        self.push_event(Event::Forbidden {
            aor: aor.to_string(),
            cause,
        });
        self.reply(from, msg, 403, cause.reason(), |w| {
            if let Some(s) = retry_after {
                w.header_fmt("Retry-After", format_args!("{s}"));
            }
        });
    }

    fn on_register(&mut self, now: Instant, from: Peer, msg: &Message<'_>) {
        self.counters.registers += 1;
        let Ok(to) = msg.to() else { return };
        let Ok(uri) = to.parsed_uri() else {
            self.counters.bad_requests += 1;
            return self.reply(from, msg, 400, "Bad To", |_| {});
        };
        let Some(user) = uri.user.filter(|u| !u.is_empty()) else {
            self.counters.not_found += 1;
            return self.reply(from, msg, 404, "Not Found", |_| {});
        };
        if let Some(d) = &self.config.domain {
            if !uri.host.eq_ignore_ascii_case(d) {
                self.counters.not_found += 1;
                return self.reply(from, msg, 404, "Not Found", |_| {});
            }
        }
        let mut aor = String::with_capacity(user.len() + 1 + uri.host.len());
        aor.push_str(user);
        aor.push('@');
        aor.push_str(uri.host);
        aor.make_ascii_lowercase();
        if self.store.account(user).is_none() {
            self.counters.not_found += 1;
            return self.reply(from, msg, 404, "Not Found", |_| {});
        }
        // Abuse protection: every REGISTER counts, challenged ones included.
        if self.config.abuse_protection {
            let window = self.config.abuse_window;
            let threshold = self.config.abuse_threshold as usize;
            let block = self.config.abuse_block;
            let entry = self.abuse.entry(user.to_string()).or_default();
            if let Some(until) = entry.blocked_until {
                if until > now {
                    let remaining = until.saturating_since(now).as_secs().max(1);
                    if self.config.abuse_silent {
                        return;
                    }
                    return self.forbid(
                        from,
                        msg,
                        &aor,
                        ForbiddenCause::Blacklisted,
                        Some(remaining),
                    );
                }
                entry.blocked_until = None;
                entry.times.clear();
            }
            while entry
                .times
                .front()
                .is_some_and(|t| now.saturating_since(*t) >= window)
            {
                entry.times.pop_front();
            }
            entry.times.push_back(now);
            if entry.times.len() > threshold {
                entry.blocked_until = Some(now + block);
                entry.times.clear();
                self.counters.blocks += 1;
                self.push_event(Event::Blocked {
                    user: user.to_string(),
                    duration: block,
                });
                if self.config.abuse_silent {
                    return;
                }
                return self.forbid(
                    from,
                    msg,
                    &aor,
                    ForbiddenCause::Blacklisted,
                    Some(block.as_secs()),
                );
            }
        }
        // Authentication.
        match self.authenticate(now, msg, user) {
            Auth::Ok => {}
            Auth::Challenge { stale } => return self.challenge(from, msg, now, stale),
            Auth::Forbidden(cause) => return self.forbid(from, msg, &aor, cause, None),
        }
        // Policies.
        let Some(account) = self.store.account(user) else {
            return;
        };
        let cause = if account.disabled {
            Some(ForbiddenCause::AccountDisabled)
        } else if account.tcp_only && matches!(from, Peer::Udp(_)) {
            Some(ForbiddenCause::TransportNotAllowed)
        } else if account.mac.is_some_and(|m| device_mac(msg) != Some(m)) {
            Some(ForbiddenCause::MacMismatch)
        } else if account.required_user_agent.as_ref().is_some_and(|need| {
            !msg.user_agent()
                .is_some_and(|ua| contains_ignore_case(ua, need))
        }) {
            Some(ForbiddenCause::UserAgentRejected)
        } else {
            None
        };
        if let Some(cause) = cause {
            return self.forbid(from, msg, &aor, cause, None);
        }
        match self.apply_contacts(now, from, msg, &aor) {
            Verdict::Ok => {
                self.counters.accepted += 1;
                let tag = self.rng.next_u32();
                let list = self.aors.get(&aor).map_or(&[][..], Vec::as_slice);
                let bytes = reply_bytes(&self.config.server, tag, from, msg, 200, "OK", |w| {
                    for b in list {
                        let e = b.expires_at.saturating_since(now).as_secs();
                        w.str("Contact: <");
                        w.str(&b.contact);
                        w.str(">;expires=");
                        w.dec(e);
                        if let Some(q) = b.q {
                            w.fmt(format_args!(";q={}.{:03}", q / 1000, q % 1000));
                        }
                        if let Some(i) = &b.instance {
                            w.fmt(format_args!(";+sip.instance=\"{i}\""));
                        }
                        if let Some(r) = b.reg_id {
                            w.fmt(format_args!(";reg-id={r}"));
                        }
                        w.str("\r\n");
                    }
                });
                self.out.push_back((from, bytes));
            }
            Verdict::Reply(423, reason) => {
                self.counters.too_brief += 1;
                let min = self.config.min_expires;
                self.reply(from, msg, 423, reason, |w| {
                    w.header_fmt("Min-Expires", format_args!("{min}"));
                });
            }
            Verdict::Reply(code, reason) => {
                if code == 400 {
                    self.counters.bad_requests += 1;
                }
                self.reply(from, msg, code, reason, |_| {});
            }
        }
    }

    fn nonce_mac(&self, time_hex: &str) -> String {
        let alg = if Algorithm::Md5.is_supported() {
            Algorithm::Md5
        } else {
            Algorithm::Sha256
        };
        hash_hex(alg, &[self.secret.as_bytes(), b":", time_hex.as_bytes()])
            .map(|h| h.as_str().get(..16).unwrap_or("").to_string())
            .unwrap_or_default()
    }

    /// Whether `mac` is [`Self::nonce_mac`] of `time_hex`, without a copy.
    fn nonce_mac_is(&self, time_hex: &str, mac: &str) -> bool {
        let alg = if Algorithm::Md5.is_supported() {
            Algorithm::Md5
        } else {
            Algorithm::Sha256
        };
        hash_hex(alg, &[self.secret.as_bytes(), b":", time_hex.as_bytes()])
            .is_some_and(|h| h.as_str().get(..16) == Some(mac))
    }

    /// `hex(issue ms) || hex(random) || mac`: 48 hex digits.
    fn new_nonce(&mut self, now: Instant) -> String {
        let t = format!("{:016x}{:016x}", now.as_millis(), self.rng.next_u64());
        let mac = self.nonce_mac(&t);
        format!("{t}{mac}")
    }

    /// `Some(issue time)` when the nonce is ours.
    fn check_nonce(&self, nonce: &str) -> Option<Instant> {
        let (t, mac) = nonce.split_at_checked(32)?;
        if mac.len() != 16 || !self.nonce_mac_is(t, mac) {
            return None;
        }
        u64::from_str_radix(t.get(..16)?, 16)
            .ok()
            .map(Instant::from_millis)
    }

    fn authenticate(&mut self, now: Instant, msg: &Message<'_>, user: &str) -> Auth {
        let realm = self.config.realm.clone();
        let creds = msg
            .credentials(false)
            .filter_map(Result::ok)
            .find(|c| c.scheme.eq_ignore_ascii_case("Digest") && c.realm == Some(realm.as_str()));
        let Some(c) = creds else {
            return Auth::Challenge { stale: false };
        };
        let (Some(username), Some(nonce), Some(uri), Some(response)) =
            (c.username, c.nonce, c.uri, c.response)
        else {
            return Auth::Challenge { stale: false };
        };
        if username != user {
            return Auth::Forbidden(ForbiddenCause::AuthUserMismatch);
        }
        let Some(issued) = self.check_nonce(nonce) else {
            return Auth::Challenge { stale: false };
        };
        let Some(algorithm) = Algorithm::from_token(c.algorithm).filter(|a| a.is_supported())
        else {
            return Auth::Challenge { stale: false };
        };
        let qop = match c.qop {
            Some(q) if q.eq_ignore_ascii_case("auth") => Some(Qop::Auth),
            Some(_) => return Auth::Challenge { stale: false },
            None => None,
        };
        let Some(account) = self.store.account(user) else {
            return Auth::Challenge { stale: false };
        };
        let ok = DigestInput {
            algorithm,
            username,
            realm: &realm,
            password: &account.password,
            method: "REGISTER",
            uri,
            nonce,
            cnonce: c.cnonce,
            nc: c.nc,
            qop,
        }
        .verify(response);
        if !ok {
            return match self.config.wrong_password {
                WrongPassword::Forbidden => Auth::Forbidden(ForbiddenCause::WrongPassword),
                WrongPassword::Rechallenge => Auth::Challenge { stale: false },
            };
        }
        if now.saturating_since(issued) > self.config.nonce_lifetime
            || issued > now + Duration::from_secs(3)
        {
            self.counters.stale += 1;
            return Auth::Challenge { stale: true };
        }
        // Replay protection: nc must grow per nonce; without qop, one use.
        let nc = c.nc.unwrap_or(0);
        match self.nonces.get_mut(nonce) {
            Some(last) if nc <= *last => {
                self.counters.replays += 1;
                self.counters.stale += 1;
                return Auth::Challenge { stale: true };
            }
            Some(last) => *last = nc,
            None => {
                self.nonces.insert(nonce.to_string(), nc);
            }
        }
        Auth::Ok
    }

    fn challenge(&mut self, from: Peer, msg: &Message<'_>, now: Instant, stale: bool) {
        self.counters.challenges += 1;
        let nonce = self.new_nonce(now);
        let realm = self.config.realm.clone();
        let alg = self.config.algorithm;
        self.reply(from, msg, 401, "Unauthorized", |w| {
            w.str("WWW-Authenticate: ");
            Challenge {
                scheme: "Digest",
                realm: Some(&realm),
                nonce: Some(&nonce),
                algorithm: Some(alg.as_str()),
                qop: Some("auth"),
                stale,
                ..Challenge::default()
            }
            .write(w);
            w.str("\r\n");
        });
    }

    fn apply_contacts(
        &mut self,
        now: Instant,
        from: Peer,
        msg: &Message<'_>,
        aor: &str,
    ) -> Verdict {
        let Ok(call_id) = msg.call_id() else {
            return Verdict::Reply(400, "Bad Request");
        };
        let Ok(cseq) = msg.cseq() else {
            return Verdict::Reply(400, "Bad Request");
        };
        let header_expires = match msg.expires() {
            Some(Ok(e)) => Some(e),
            Some(Err(_)) => Some(3600), // RFC 3261 §20.19
            None => None,
        };
        let mut contacts = Vec::new();
        for c in msg.contacts() {
            match c {
                Ok(c) => contacts.push(c),
                Err(_) => return Verdict::Reply(400, "Bad Contact"),
            }
        }
        let mut list = self.aors.get(aor).cloned().unwrap_or_default();
        let mut changes: Vec<Event> = Vec::new();
        // Events are built only when they are kept.
        let emit = self.emit_events;
        if contacts.contains(&Contact::Star) {
            if contacts.len() != 1 || header_expires != Some(0) {
                return Verdict::Reply(400, "Invalid Contact *");
            }
            list.retain(|b| {
                let keep = b.call_id == call_id && b.cseq >= cseq.seq;
                if !keep && emit {
                    changes.push(Event::Unbound {
                        aor: aor.to_string(),
                        contact: b.contact.clone(),
                    });
                }
                keep
            });
        } else {
            let liveness = match self.config.liveness {
                Liveness::OptionsRequired(t) => Some(now + t),
                Liveness::None => None,
            };
            for c in &contacts {
                let Some(addr) = c.addr() else { continue };
                let requested = match c.expires() {
                    Some(Ok(e)) => e,
                    Some(Err(_)) => 3600,
                    None => header_expires.unwrap_or(self.config.default_expires),
                };
                if requested > 0 && requested < self.config.min_expires {
                    return Verdict::Reply(423, "Interval Too Brief");
                }
                let granted = requested.min(self.config.max_expires);
                let q = c.q().and_then(Result::ok);
                let instance = c.instance();
                let reg_id = c.reg_id().and_then(Result::ok);
                let pos =
                    list.iter()
                        .position(|b| match (instance, reg_id, &b.instance, b.reg_id) {
                            (Some(i), Some(r), Some(bi), Some(br)) => i == bi && r == br,
                            _ => b.contact.eq_ignore_ascii_case(addr.uri),
                        });
                if let Some(p) = pos {
                    let Some(b) = list.get(p) else { continue };
                    if b.call_id == call_id && cseq.seq < b.cseq {
                        return Verdict::Reply(400, "Invalid CSeq number");
                    }
                    if granted == 0 {
                        if emit {
                            changes.push(Event::Unbound {
                                aor: aor.to_string(),
                                contact: b.contact.clone(),
                            });
                        }
                        list.remove(p);
                        continue;
                    }
                }
                if granted == 0 {
                    continue;
                }
                let binding = Binding {
                    contact: addr.uri.to_string(),
                    expires_at: now + Duration::from_secs(u64::from(granted)),
                    q,
                    call_id: call_id.to_string(),
                    cseq: cseq.seq,
                    instance: instance.map(ToString::to_string),
                    reg_id,
                    source: from,
                    user_agent: msg.user_agent().map(ToString::to_string),
                    alive_until: liveness,
                };
                if emit {
                    changes.push(Event::Bound {
                        aor: aor.to_string(),
                        contact: binding.contact.clone(),
                        expires: Duration::from_secs(u64::from(granted)),
                    });
                }
                match pos {
                    Some(p) => {
                        if let Some(slot) = list.get_mut(p) {
                            *slot = binding;
                        }
                    }
                    None => list.push(binding),
                }
            }
            if list.len() > self.config.max_contacts {
                return Verdict::Reply(503, "Too Many Registered Contacts");
            }
        }
        for b in &list {
            self.heap.push(Reverse((b.deadline(), aor.to_string())));
        }
        if list.is_empty() {
            self.aors.remove(aor);
        } else if let Some(slot) = self.aors.get_mut(aor) {
            *slot = list;
        } else {
            self.aors.insert(aor.to_string(), list);
        }
        self.compact_heap();
        for e in changes {
            self.push_event(e);
        }
        Verdict::Ok
    }

    /// Queues a response copying Via (with `received`/`rport` filled for
    /// UDP, RFC 3581), From, To (adding a tag), Call-ID and CSeq.
    fn reply(
        &mut self,
        to: Peer,
        msg: &Message<'_>,
        code: u16,
        reason: &str,
        extra: impl Fn(&mut Writer<'_>),
    ) {
        let tag = self.rng.next_u32();
        let bytes = reply_bytes(&self.config.server, tag, to, msg, code, reason, extra);
        self.out.push_back((to, bytes));
    }

    /// Expires bindings and forgets old nonces and abuse windows.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(Reverse((at, _))) = self.heap.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((_, aor))) = self.heap.pop() else {
                break;
            };
            let Some(list) = self.aors.get_mut(&aor) else {
                continue;
            };
            let mut gone = Vec::new();
            list.retain(|b| {
                let keep = b.deadline() > now;
                if !keep {
                    gone.push((b.contact.clone(), b.expires_at > now));
                }
                keep
            });
            if list.is_empty() {
                self.aors.remove(&aor);
            }
            for (contact, liveness) in gone {
                if liveness {
                    self.counters.liveness_expiries += 1;
                } else {
                    self.counters.expired += 1;
                }
                self.push_event(Event::Expired {
                    aor: aor.clone(),
                    contact,
                    liveness,
                });
            }
        }
        if now >= self.next_nonce_sweep {
            self.next_nonce_sweep = now + Duration::from_secs(60);
            let lifetime = self.config.nonce_lifetime + Duration::from_secs(5);
            self.nonces.retain(|n, _| {
                n.get(..16)
                    .and_then(|t| u64::from_str_radix(t, 16).ok())
                    .is_some_and(|t| now.saturating_since(Instant::from_millis(t)) <= lifetime)
            });
            let window = self.config.abuse_window;
            self.abuse.retain(|_, a| {
                a.blocked_until.is_some_and(|t| t > now)
                    || a.times
                        .back()
                        .is_some_and(|t| now.saturating_since(*t) < window)
            });
        }
    }

    /// Writes the next response (or pong) into `buf`. Call after any
    /// `handle_*`, until `Ok(None)`.
    ///
    /// # Errors
    /// [`InsufficientSize`]: nothing consumed.
    pub fn poll_transmit(
        &mut self,
        buf: &mut [u8],
    ) -> Result<Option<Transmit<Peer>>, InsufficientSize> {
        let Some((peer, bytes)) = self.out.front() else {
            return Ok(None);
        };
        let len = dialtone_core::write_all(buf, bytes)?;
        let to = *peer;
        self.out.pop_front();
        Ok(Some(Transmit { to, len }))
    }

    /// The next event. Call after any `handle_*`, until `None`.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call `handle_timeout` next: the earliest binding deadline or
    /// the next nonce sweep.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let heap = self.heap.peek().map(|Reverse((t, _))| *t);
        dialtone_core::earliest([heap, Some(self.next_nonce_sweep)])
    }
}

enum Auth {
    Ok,
    Challenge { stale: bool },
    Forbidden(ForbiddenCause),
}

/// A response copying Via (with `received`/`rport` filled for UDP, RFC
/// 3581), From, To (adding `tag` when it has none), Call-ID and CSeq.
fn reply_bytes(
    server: &str,
    tag: u32,
    to: Peer,
    msg: &Message<'_>,
    code: u16,
    reason: &str,
    extra: impl Fn(&mut Writer<'_>),
) -> Vec<u8> {
    to_vec(|w| {
        w.status_line(code, reason);
        let mut first = true;
        for v in msg.list_values(HeaderName::Via) {
            if first {
                first = false;
                write_top_via(w, v, to);
            } else {
                w.header("Via", v);
            }
        }
        if let Some(v) = msg.header(HeaderName::From) {
            w.header("From", v);
        }
        if let Some(v) = msg.header(HeaderName::To) {
            if msg.to().ok().and_then(|t| t.tag()).is_some() {
                w.header("To", v);
            } else {
                w.str("To: ");
                w.str(v);
                w.str(";tag=");
                w.hex8(tag);
                w.str("\r\n");
            }
        }
        if let Some(v) = msg.header(HeaderName::CallId) {
            w.header("Call-ID", v);
        }
        if let Some(v) = msg.header(HeaderName::CSeq) {
            w.header("CSeq", v);
        }
        extra(w);
        w.header("Server", server);
        w.end(b"");
    })
}

fn write_top_via(w: &mut Writer<'_>, v: &str, to: Peer) {
    let Peer::Udp(addr) = to else {
        return w.header("Via", v);
    };
    let Ok(via) = crate::wire::Via::parse(v) else {
        return w.header("Via", v);
    };
    if via.rport() != Ok(Some(None)) {
        return w.header("Via", v);
    }
    // Rebuild with rport=PORT and received=IP.
    w.str("Via: SIP/2.0/");
    w.str(via.transport);
    w.str(" ");
    w.str(via.host);
    if let Some(p) = via.port {
        w.str(":");
        w.dec(u64::from(p));
    }
    for p in via.params.iter() {
        if p.name.eq_ignore_ascii_case("rport") || p.name.eq_ignore_ascii_case("received") {
            continue;
        }
        w.str(";");
        w.str(p.name);
        if let Some(val) = p.value {
            w.str("=");
            w.str(val);
        }
    }
    w.str(";received=");
    match addr {
        SocketAddr::V4(a) => {
            for (i, o) in a.ip().octets().into_iter().enumerate() {
                if i > 0 {
                    w.str(".");
                }
                w.dec(u64::from(o));
            }
        }
        SocketAddr::V6(a) => w.fmt(format_args!("[{}]", a.ip())),
    }
    w.str(";rport=");
    w.dec(u64::from(addr.port()));
    w.str("\r\n");
}

fn aor_key(uri: &str) -> Option<String> {
    let u = crate::wire::Uri::parse(uri).ok()?;
    Some(format!("{}@{}", u.user?, u.host).to_ascii_lowercase())
}

fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

fn parse_mac12(s: &str) -> Option<[u8; 6]> {
    if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut mac = [0u8; 6];
    for (i, m) in mac.iter_mut().enumerate() {
        *m = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(mac)
}

/// The device MAC: the last 12 hex digits of a `+sip.instance` UUID URN, else
/// a 12-hex-digit User-Agent token (optionally prefixed `SEP`/`MAC`).
#[must_use]
pub fn device_mac(msg: &Message<'_>) -> Option<[u8; 6]> {
    for c in msg.contacts().filter_map(Result::ok) {
        if let Some(inst) = c.instance() {
            let inst = inst.trim_matches(['<', '>']);
            if let Some(last) = inst.rsplit(['-', ':']).next() {
                if let Some(m) = parse_mac12(last) {
                    return Some(m);
                }
            }
        }
    }
    let ua = msg.user_agent()?;
    ua.split(|c: char| !c.is_ascii_alphanumeric())
        .find_map(|tok| {
            let tok = tok
                .strip_prefix("SEP")
                .or_else(|| tok.strip_prefix("MAC"))
                .unwrap_or(tok);
            parse_mac12(tok)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_from_instance_and_user_agent() {
        let m = Message::parse(include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/samples/register.sip"
        )))
        .unwrap();
        assert_eq!(device_mac(&m), Some([0x00, 0x1e, 0x7a, 0xc4, 0xd2, 0x31]));
        let m = Message::parse(
            b"REGISTER sip:x SIP/2.0\r\nUser-Agent: Phone SEP0011223344AA v1\r\n\r\n",
        )
        .unwrap();
        assert_eq!(device_mac(&m), Some([0x00, 0x11, 0x22, 0x33, 0x44, 0xaa]));
        assert!(contains_ignore_case("Huawei-ESpace", "huawei"));
        assert!(!contains_ignore_case("dialtone", "huawei"));
    }
}
