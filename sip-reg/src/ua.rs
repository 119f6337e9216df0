//! The registering user agent (RFC 3261 §10.2, §17.1.2; RFC 5626 §4.4–4.5),
//! as a Sans-IO state machine.
//!
//! One [`UserAgent`] keeps one account registered with an ordered list of
//! registrars: it sends REGISTER (Call-ID, From tag and CSeq kept per
//! registrar for the whole session), answers digest challenges, refreshes at
//! `T_REFRESH`, keeps NAT bindings alive, backs off after failures so that the
//! account is never blacklisted, fails over to the next registrar and returns
//! to the primary, and unregisters. See the crate docs for the drive loop.
//!
//! Transports: over UDP every transmit goes to a [`Peer::Udp`] address; over
//! TCP the machine asks for connections with [`Event::Connect`] (it chooses
//! the [`ConnId`]), sends only after [`UserAgent::handle_conn_event`] reports
//! [`ConnEvent::Connected`], and treats `Closed`/`Refused` as transport errors.

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write as _;
use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use core::time::Duration;

use dialtone_core::{ConnId, Instant, InsufficientSize, Rng, Transmit};

use crate::digest::{Algorithm, DigestInput};
use crate::error::InputError;
use crate::wire::build::{to_vec, Writer};
use crate::wire::{next_frame, Credentials, Frame, Message, Method, Qop, StartLine, Uri};
pub use crate::{ConnEvent, Peer, Transport};

/// RFC 3261 T1 (RTT estimate).
pub const T1_DEFAULT: Duration = Duration::from_millis(500);
/// RFC 3261 T2 (cap of the non-INVITE retransmission interval).
pub const T2_DEFAULT: Duration = Duration::from_secs(4);
/// NAT keep-alive interval default (`phone-boot.md` §3.7 T_NAT_KA).
pub const KEEPALIVE_DEFAULT: Duration = Duration::from_secs(15);
/// Shortest keep-alive interval accepted.
pub const KEEPALIVE_MIN: Duration = Duration::from_secs(10);
/// Longest keep-alive interval accepted.
pub const KEEPALIVE_MAX: Duration = Duration::from_secs(60);
/// RFC 5626 §4.4.1 pong timeout.
pub const PONG_TIMEOUT_DEFAULT: Duration = Duration::from_secs(10);
/// Requested registration expiry default.
pub const EXPIRES_DEFAULT: Duration = Duration::from_secs(3600);
/// Wait after 403/404 (T_RETRY_FORBIDDEN).
pub const RETRY_FORBIDDEN_DEFAULT: Duration = Duration::from_secs(1200);
/// Interval of REGISTER probes to the primary while on a secondary.
pub const PRIMARY_PROBE_DEFAULT: Duration = Duration::from_secs(60);
/// Default User-Agent header value.
pub const USER_AGENT_DEFAULT: &str = "dialtone/0.1";

/// Most bytes buffered from one TCP connection before it is dropped.
const STREAM_MAX: usize = 65_535;

/// How the registered UA keeps its flow alive (`phone-boot.md` §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KeepaliveMode {
    /// No keep-alives.
    None,
    /// `CRLFCRLF`: over TCP an RFC 5626 ping expecting a `CRLF` pong; over
    /// UDP a datagram that only refreshes the NAT mapping.
    #[default]
    Crlf,
    /// An OPTIONS request to the registrar; a timeout is a failed flow.
    Options,
}

/// Settings of one account (`phone-boot.md` §3.3); build with
/// [`Config::new`] and adjust fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Registrars in order of preference (at least one).
    pub registrars: Vec<SocketAddr>,
    /// Domain of the AOR and the Request-URI; `None` = the first registrar's IP.
    pub domain: Option<String>,
    /// User part of the AOR.
    pub user: String,
    /// Digest username when it differs from `user`.
    pub auth_user: Option<String>,
    /// Digest password.
    pub password: String,
    /// Transport.
    pub transport: Transport,
    /// Local IP written in Via and Contact.
    pub local_ip: IpAddr,
    /// Local SIP port.
    pub local_port: u16,
    /// "Use random SIP port": after a timeout or transport error the next
    /// REGISTER comes from a new port drawn from `min..=max`.
    pub random_port: Option<(u16, u16)>,
    /// Requested expiry.
    pub expires: Duration,
    /// Keep-alive mode.
    pub keepalive: KeepaliveMode,
    /// Keep-alive interval, 10–60 s.
    pub keepalive_interval: Duration,
    /// RFC 5626 pong timeout (TCP CRLF keep-alives).
    pub pong_timeout: Duration,
    /// User-Agent header value.
    pub user_agent: String,
    /// `+sip.instance` value, e.g. `<urn:uuid:…>` (without quotes).
    pub instance: Option<String>,
    /// RFC 5626 `reg-id`.
    pub reg_id: Option<u32>,
    /// A Contact URI a previous boot registered; with
    /// `remove_previous` it is unregistered before the first REGISTER.
    pub previous_contact: Option<String>,
    /// "Remove previous registration".
    pub remove_previous: bool,
    /// "Remove all bindings": unregister with `Contact: *`.
    pub remove_all_bindings: bool,
    /// When the Contact changes (new port, new public address), the next
    /// REGISTER also removes the old Contact (`expires=0`).
    pub remove_stale_contact: bool,
    /// "SIP Received detection": rewrite the Contact from Via
    /// `received`/`rport` and re-register.
    pub received_detection: bool,
    /// "Prefer primary server".
    pub prefer_primary: bool,
    /// Probe interval of the primary while on a secondary.
    pub primary_probe: Duration,
    /// T1.
    pub t1: Duration,
    /// T2.
    pub t2: Duration,
    /// Back-off base when every server failed (RFC 5626 §4.5: 30 s).
    pub retry_base: Duration,
    /// Back-off cap (1800 s).
    pub retry_max: Duration,
    /// Wait after 403, 404 and failed authentication (1200 s).
    pub retry_forbidden: Duration,
    /// Most initial REGISTER attempts per `initial_window` (6).
    pub max_initial_attempts: u32,
    /// Window of `max_initial_attempts` (600 s).
    pub initial_window: Duration,
    /// Cap of a `Retry-After` wait (3600 s); values below 1 s become 1 s.
    pub retry_after_max: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            registrars: Vec::new(),
            domain: None,
            user: String::new(),
            auth_user: None,
            password: String::new(),
            transport: Transport::Udp,
            local_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            local_port: 5060,
            random_port: None,
            expires: EXPIRES_DEFAULT,
            keepalive: KeepaliveMode::Crlf,
            keepalive_interval: KEEPALIVE_DEFAULT,
            pong_timeout: PONG_TIMEOUT_DEFAULT,
            user_agent: USER_AGENT_DEFAULT.to_string(),
            instance: None,
            reg_id: None,
            previous_contact: None,
            remove_previous: true,
            remove_all_bindings: false,
            remove_stale_contact: true,
            received_detection: false,
            prefer_primary: false,
            primary_probe: PRIMARY_PROBE_DEFAULT,
            t1: T1_DEFAULT,
            t2: T2_DEFAULT,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(1800),
            retry_forbidden: RETRY_FORBIDDEN_DEFAULT,
            max_initial_attempts: 6,
            initial_window: Duration::from_secs(600),
            retry_after_max: Duration::from_secs(3600),
        }
    }
}

impl Config {
    /// Defaults for `user`/`password` at `registrars`.
    #[must_use]
    pub fn new(registrars: &[SocketAddr], user: &str, password: &str) -> Self {
        Config {
            registrars: registrars.to_vec(),
            user: user.to_string(),
            password: password.to_string(),
            ..Config::default()
        }
    }

    /// Checks the ranges of `phone-boot.md` §3.3.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first bad setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.registrars.is_empty() {
            return Err(ConfigError::NoRegistrar);
        }
        if self.user.is_empty() || self.user.contains(['@', ' ', '<', '>', ';', '"', ':']) {
            return Err(ConfigError::User);
        }
        if !(KEEPALIVE_MIN..=KEEPALIVE_MAX).contains(&self.keepalive_interval) {
            return Err(ConfigError::KeepaliveInterval);
        }
        if let Some((lo, hi)) = self.random_port {
            if lo == 0 || lo >= hi {
                return Err(ConfigError::RandomPortRange);
            }
        }
        if self.t1.is_zero() || self.t2 < self.t1 || self.expires.as_secs() > u64::from(u32::MAX) {
            return Err(ConfigError::Timers);
        }
        Ok(())
    }

    fn domain(&self) -> String {
        match &self.domain {
            Some(d) => d.clone(),
            None => self
                .registrars
                .first()
                .map(|a| host_str(a.ip()))
                .unwrap_or_default(),
        }
    }
}

fn host_str(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// A setting out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `registrars` is empty.
    #[error("no registrar configured")]
    NoRegistrar,
    /// `user` is empty or holds URI delimiters.
    #[error("user name is empty or not a plain user part")]
    User,
    /// `keepalive_interval` outside 10–60 s.
    #[error("keep-alive interval must be 10-60 s")]
    KeepaliveInterval,
    /// `random_port` with min ≥ max or min 0.
    #[error("random port range must have 0 < min < max")]
    RandomPortRange,
    /// T1/T2/expires inconsistent.
    #[error("timer settings are inconsistent")]
    Timers,
}

/// Why a registration failed (shown as "Registration failed").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureCause {
    /// No final response before timer F (or no keep-alive answer).
    Timeout,
    /// 403.
    Forbidden,
    /// 404.
    NotFound,
    /// The registrar rejected our digest credentials, or offered no
    /// algorithm we support.
    AuthFailed,
    /// 423 that a retry with `Min-Expires` did not fix.
    TooBrief,
    /// 408, 480, 5xx or 6xx.
    ServerError {
        /// Status code.
        code: u16,
    },
    /// The TCP connection failed or closed, or the stream was malformed.
    TransportError,
    /// Any other final failure (3xx, 4xx) or a 2xx that bound nothing.
    Rejected {
        /// Status code.
        code: u16,
    },
}

/// UA states (`phone-boot.md` §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// U0: not registering.
    Disabled,
    /// U1: removing the previous boot's binding.
    RemovingPrevious,
    /// U2: initial REGISTER in progress.
    Registering,
    /// U3: answering a digest challenge.
    Authenticating,
    /// U4: registered.
    Registered,
    /// U5: refreshing a registration.
    Refreshing,
    /// U6: waiting to retry after a failure.
    BackingOff(FailureCause),
    /// U7: unregistering.
    Unregistering,
}

/// What the UA reports; past-tense facts and imperative I/O requests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// An initial registration attempt started ("Registering…").
    Registering {
        /// The registrar asked.
        server: SocketAddr,
    },
    /// Registered ("Registered") for `expires`.
    Registered {
        /// The registrar holding the binding.
        server: SocketAddr,
        /// Granted expiry.
        expires: Duration,
    },
    /// The attempt failed ("Registration failed").
    Failed {
        /// Why.
        cause: FailureCause,
        /// When the next attempt starts, if one is planned.
        retry_in: Option<Duration>,
    },
    /// The binding was removed after [`UserAgent::unregister`].
    Unregistered,
    /// Moving on to another registrar.
    FailedOver {
        /// Registrar left.
        from: SocketAddr,
        /// Registrar now used.
        to: SocketAddr,
    },
    /// Via `received`/`rport` showed a new public address.
    PublicAddress {
        /// The address the registrar saw.
        addr: SocketAddr,
    },
    /// I/O request: bind the UDP socket to this new local port; later
    /// transmits come from it.
    Rebind {
        /// The new port.
        local_port: u16,
    },
    /// I/O request: open a TCP connection `conn` to `remote`.
    Connect {
        /// Identifier of the new connection.
        conn: ConnId,
        /// Registrar address.
        remote: SocketAddr,
    },
    /// I/O request: close connection `conn`.
    Close {
        /// The connection.
        conn: ConnId,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TxKind {
    RemovePrevious,
    Register,
    Refresh,
    Probe,
    Unregister,
    UnregisterOld,
    Options,
}

#[derive(Debug, Clone, Copy, Default)]
struct Attempt {
    auth_answered: bool,
    stale_rounds: u8,
    tried_423: bool,
    rewrites: u8,
}

#[derive(Debug)]
struct Tx {
    kind: TxKind,
    server: usize,
    branch: String,
    cseq: u32,
    bytes: Vec<u8>,
    sent: bool,
    next_retx: Option<Instant>,
    interval: Duration,
    deadline: Instant,
    attempt: Attempt,
    requested: u32,
}

#[derive(Debug, Clone)]
struct AuthState {
    proxy: bool,
    algorithm: Algorithm,
    realm: String,
    nonce: String,
    opaque: Option<String>,
    qop: Option<Qop>,
    nc: u32,
}

#[derive(Debug, Clone)]
struct Session {
    call_id: String,
    from_tag: String,
    cseq: u32,
    auth: Option<AuthState>,
}

#[derive(Debug)]
struct Conn {
    id: ConnId,
    server: usize,
    connected: bool,
    buf: Vec<u8>,
    pong_deadline: Option<Instant>,
}

/// The registering user agent; see the module docs.
#[derive(Debug)]
pub struct UserAgent {
    config: Config,
    domain: String,
    rng: Rng,
    state: State,
    sessions: Vec<Option<Session>>,
    /// Registrar currently (or last) used.
    active: usize,
    /// Registrar that holds our binding, if any.
    bound: Option<usize>,
    local_port: u16,
    public: Option<SocketAddr>,
    stale_contact: Option<String>,
    expires_req: u32,
    txs: Vec<Tx>,
    conns: Vec<Conn>,
    next_conn: u32,
    out: VecDeque<(Peer, Vec<u8>)>,
    events: VecDeque<Event>,
    failures: u32,
    refresh_at: Option<Instant>,
    retry_at: Option<Instant>,
    ka_at: Option<Instant>,
    probe_at: Option<Instant>,
    initial_times: VecDeque<Instant>,
    options_call_id: String,
    options_cseq: u32,
}

impl UserAgent {
    /// A UA that starts registering at `now` (first unregistering the
    /// previous contact when so configured).
    ///
    /// # Errors
    /// [`ConfigError`] when the configuration is out of range.
    pub fn new(config: Config, now: Instant, seed: u64) -> Result<Self, ConfigError> {
        config.validate()?;
        let mut rng = Rng::new(seed);
        let options_call_id = hex_id(&mut rng, 16);
        let n = config.registrars.len();
        let mut ua = UserAgent {
            domain: config.domain(),
            local_port: config.local_port,
            expires_req: u32::try_from(config.expires.as_secs()).unwrap_or(u32::MAX),
            config,
            rng,
            state: State::Disabled,
            sessions: (0..n).map(|_| None).collect(),
            active: 0,
            bound: None,
            public: None,
            stale_contact: None,
            txs: Vec::new(),
            conns: Vec::new(),
            next_conn: 1,
            out: VecDeque::new(),
            events: VecDeque::new(),
            failures: 0,
            refresh_at: None,
            retry_at: None,
            ka_at: None,
            probe_at: None,
            initial_times: VecDeque::new(),
            options_call_id,
            options_cseq: 0,
        };
        ua.enable(now);
        Ok(ua)
    }

    fn enable(&mut self, now: Instant) {
        let previous = self.config.previous_contact.clone();
        match previous {
            Some(prev) if self.config.remove_previous => {
                self.state = State::RemovingPrevious;
                self.events.push_back(Event::Registering {
                    server: self.server_addr(0),
                });
                let contacts = [ContactSpec::Uri(prev, 0)];
                self.start_tx(
                    now,
                    TxKind::RemovePrevious,
                    0,
                    Attempt::default(),
                    0,
                    &contacts,
                );
            }
            _ => self.start_initial(now, 0),
        }
    }

    /// The current state.
    #[must_use]
    pub fn state(&self) -> State {
        self.state
    }

    /// The configuration in force.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The local port REGISTERs currently come from.
    #[must_use]
    pub fn local_port(&self) -> u16 {
        self.local_port
    }

    /// The registrar holding our binding, if registered.
    #[must_use]
    pub fn registered_with(&self) -> Option<SocketAddr> {
        match self.state {
            State::Registered | State::Refreshing => self.bound.map(|i| self.server_addr(i)),
            _ => None,
        }
    }

    /// The Contact URI the UA registers now.
    #[must_use]
    pub fn contact_uri(&self) -> String {
        let (host, port) = self.contact_hostport();
        let transport = match self.config.transport {
            Transport::Udp => "",
            Transport::Tcp => ";transport=tcp",
        };
        format!("sip:{}@{}:{}{}", self.config.user, host, port, transport)
    }

    fn contact_hostport(&self) -> (String, u16) {
        match self.public {
            Some(p) => (host_str(p.ip()), p.port()),
            None => (host_str(self.config.local_ip), self.local_port),
        }
    }

    fn server_addr(&self, i: usize) -> SocketAddr {
        self.config
            .registrars
            .get(i)
            .or(self.config.registrars.first())
            .copied()
            .unwrap_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0))
    }

    /// Replaces the configuration ("the user fixed the cause"): back-off and
    /// credentials are reset and registration restarts at once.
    ///
    /// # Errors
    /// [`ConfigError`]; the old configuration stays in force.
    pub fn reconfigure(&mut self, now: Instant, config: Config) -> Result<(), ConfigError> {
        config.validate()?;
        self.close_all();
        self.txs.clear();
        self.sessions = (0..config.registrars.len()).map(|_| None).collect();
        self.domain = config.domain();
        self.local_port = config.local_port;
        self.expires_req = u32::try_from(config.expires.as_secs()).unwrap_or(u32::MAX);
        self.config = config;
        self.failures = 0;
        self.initial_times.clear();
        self.clear_timers();
        self.bound = None;
        self.public = None;
        self.start_initial(now, 0);
        Ok(())
    }

    /// Removes the binding (`Expires: 0`, or `Contact: *` with
    /// `remove_all_bindings`) and stops; [`Event::Unregistered`] follows.
    pub fn unregister(&mut self, now: Instant) {
        self.txs.retain(|t| t.kind == TxKind::UnregisterOld);
        self.clear_timers();
        let server = self.bound.unwrap_or(self.active);
        if self.bound.is_none() && !matches!(self.state, State::Registering | State::Authenticating)
        {
            self.state = State::Disabled;
            self.events.push_back(Event::Unregistered);
            return;
        }
        self.state = State::Unregistering;
        let contacts = if self.config.remove_all_bindings {
            [ContactSpec::Star]
        } else {
            [ContactSpec::Own(0)]
        };
        self.start_tx(
            now,
            TxKind::Unregister,
            server,
            Attempt::default(),
            0,
            &contacts,
        );
    }

    fn clear_timers(&mut self) {
        self.refresh_at = None;
        self.retry_at = None;
        self.ka_at = None;
        self.probe_at = None;
        for c in &mut self.conns {
            c.pong_deadline = None;
        }
    }

    fn close_all(&mut self) {
        for c in self.conns.drain(..) {
            self.events.push_back(Event::Close { conn: c.id });
        }
    }

    // ----- starting requests -------------------------------------------

    /// Starts an initial registration at `server`, unless the cap of initial
    /// attempts is reached (then waits in `BackingOff`).
    fn start_initial(&mut self, now: Instant, server: usize) {
        let window = self.config.initial_window;
        while self
            .initial_times
            .front()
            .is_some_and(|t| now.saturating_since(*t) >= window)
        {
            self.initial_times.pop_front();
        }
        if self.initial_times.len() >= self.config.max_initial_attempts.max(1) as usize {
            let oldest = self.initial_times.front().copied().unwrap_or(now);
            let at = oldest + window;
            self.active = server;
            self.retry_at = Some(at.max(now + Duration::from_millis(1)));
            if !matches!(self.state, State::BackingOff(_)) {
                self.state = State::BackingOff(FailureCause::Timeout);
            }
            return;
        }
        self.initial_times.push_back(now);
        self.active = server;
        self.state = State::Registering;
        self.events.push_back(Event::Registering {
            server: self.server_addr(server),
        });
        let expires = self.expires_req;
        let stale = self.stale_contact.clone();
        let mut contacts = Vec::with_capacity(2);
        contacts.push(ContactSpec::Own(expires));
        if let Some(s) = stale {
            contacts.push(ContactSpec::Uri(s, 0));
        }
        self.start_tx(
            now,
            TxKind::Register,
            server,
            Attempt::default(),
            expires,
            &contacts,
        );
    }

    fn session(&mut self, server: usize) -> &mut Session {
        if self.sessions.len() <= server {
            self.sessions.resize(server + 1, None);
        }
        let local = host_str(self.config.local_ip);
        let rng = &mut self.rng;
        let last = self.sessions.len() - 1;
        let slot = &mut self.sessions[server.min(last)];
        slot.get_or_insert_with(|| Session {
            call_id: format!("{}@{}", hex_id(rng, 16), local),
            from_tag: hex_id(rng, 8),
            cseq: rng.range_u64(1, 1 << 16) as u32,
            auth: None,
        })
    }

    fn start_tx(
        &mut self,
        now: Instant,
        kind: TxKind,
        server: usize,
        attempt: Attempt,
        requested: u32,
        contacts: &[ContactSpec],
    ) {
        let branch = format!("z9hG4bK{}", hex_id(&mut self.rng, 12));
        let cnonce = hex_id(&mut self.rng, 8);
        let contact_uri = self.contact_uri();
        let (via_host, via_port) = (host_str(self.config.local_ip), self.local_port);
        let domain = self.domain.clone();
        let ruri = format!("sip:{domain}");
        let cfg = &self.config;
        let transport = cfg.transport;
        let user = cfg.user.clone();
        let auth_user = cfg.auth_user.clone().unwrap_or_else(|| user.clone());
        let password = cfg.password.clone();
        let user_agent = cfg.user_agent.clone();
        let instance = cfg.instance.clone();
        let reg_id = cfg.reg_id;
        let method = if kind == TxKind::Options {
            "OPTIONS"
        } else {
            "REGISTER"
        };
        let (call_id, from_tag, cseq, auth) = if kind == TxKind::Options {
            self.options_cseq = self.options_cseq.wrapping_add(1) & 0x7fff_ffff;
            (
                self.options_call_id.clone(),
                self.options_call_id.clone(),
                self.options_cseq,
                None,
            )
        } else {
            let s = self.session(server);
            s.cseq = (s.cseq + 1) & 0x7fff_ffff;
            let auth = s.auth.as_mut().map(|a| {
                a.nc = a.nc.wrapping_add(1);
                a.clone()
            });
            (s.call_id.clone(), s.from_tag.clone(), s.cseq, auth)
        };
        let auth_value = auth.as_ref().and_then(|a| {
            let resp = DigestInput {
                algorithm: a.algorithm,
                username: &auth_user,
                realm: &a.realm,
                password: &password,
                method,
                uri: &ruri,
                nonce: &a.nonce,
                cnonce: Some(&cnonce),
                nc: Some(a.nc),
                qop: a.qop,
            }
            .response()?;
            let creds = Credentials {
                scheme: "Digest",
                username: Some(&auth_user),
                realm: Some(&a.realm),
                nonce: Some(&a.nonce),
                uri: Some(&ruri),
                response: Some(resp.as_str()),
                algorithm: Some(a.algorithm.as_str()),
                cnonce: a.qop.map(|_| cnonce.as_str()),
                opaque: a.opaque.as_deref(),
                qop: a.qop.map(Qop::as_str),
                nc: a.qop.map(|_| a.nc),
            };
            let mut s = String::new();
            let v = to_vec(|w| creds.write(w));
            s.push_str(core::str::from_utf8(&v).unwrap_or(""));
            Some((a.proxy, s))
        });
        let bytes = to_vec(|w: &mut Writer<'_>| {
            w.request_line(method, &ruri);
            w.header_fmt(
                "Via",
                format_args!(
                    "SIP/2.0/{} {}:{};branch={};rport",
                    transport.as_str(),
                    via_host,
                    via_port,
                    branch
                ),
            );
            w.header("Max-Forwards", "70");
            w.header_fmt("From", format_args!("<sip:{user}@{domain}>;tag={from_tag}"));
            w.header_fmt("To", format_args!("<sip:{user}@{domain}>"));
            w.header("Call-ID", &call_id);
            w.header_fmt("CSeq", format_args!("{cseq} {method}"));
            if method == "REGISTER" {
                for c in contacts {
                    match c {
                        ContactSpec::Star => w.header("Contact", "*"),
                        ContactSpec::Own(e) => {
                            w.fmt(format_args!("Contact: <{contact_uri}>"));
                            if let Some(i) = &instance {
                                w.fmt(format_args!(";+sip.instance=\"{i}\""));
                            }
                            if let Some(r) = reg_id {
                                w.fmt(format_args!(";reg-id={r}"));
                            }
                            if kind == TxKind::Unregister || kind == TxKind::UnregisterOld {
                                w.str(";expires=0");
                            } else {
                                w.fmt(format_args!(";expires={e}"));
                            }
                            w.str("\r\n");
                        }
                        ContactSpec::Uri(u, e) => {
                            w.header_fmt("Contact", format_args!("<{u}>;expires={e}"));
                        }
                    }
                }
                let expires = match kind {
                    TxKind::Unregister | TxKind::UnregisterOld | TxKind::RemovePrevious => 0,
                    _ => requested,
                };
                w.header_fmt("Expires", format_args!("{expires}"));
            }
            if let Some((proxy, v)) = &auth_value {
                let name = if *proxy {
                    "Proxy-Authorization"
                } else {
                    "Authorization"
                };
                w.header(name, v);
            }
            w.header("User-Agent", &user_agent);
            w.end(b"");
        });
        let timer_f = self.config.t1 * 64;
        let udp = self.config.transport == Transport::Udp;
        let tx = Tx {
            kind,
            server,
            branch,
            cseq,
            bytes,
            sent: false,
            next_retx: None,
            interval: self.config.t1,
            deadline: now + timer_f,
            attempt,
            requested,
        };
        // Only one transaction per kind family at a time.
        let family = |k: TxKind| k == TxKind::Options;
        self.txs
            .retain(|t| family(t.kind) != family(kind) || t.kind == TxKind::UnregisterOld);
        self.txs.push(tx);
        let idx = self.txs.len() - 1;
        if udp {
            self.send_tx(now, idx);
        } else {
            match self.conn_for(server) {
                Some(ci) if self.conns.get(ci).is_some_and(|c| c.connected) => {
                    self.send_tx(now, idx)
                }
                Some(_) => {}
                None => self.open_conn(server),
            }
        }
    }

    fn send_tx(&mut self, now: Instant, idx: usize) {
        let udp = self.config.transport == Transport::Udp;
        let Some(tx) = self.txs.get(idx) else { return };
        let server = tx.server;
        let peer = if udp {
            Some(Peer::Udp(self.server_addr(server)))
        } else {
            self.conn_for(server)
                .and_then(|ci| self.conns.get(ci))
                .map(|c| Peer::Tcp(c.id))
        };
        let Some(peer) = peer else { return };
        let Some(tx) = self.txs.get_mut(idx) else {
            return;
        };
        tx.sent = true;
        if udp {
            tx.next_retx = Some(now + tx.interval);
        }
        self.out.push_back((peer, tx.bytes.clone()));
    }

    fn conn_for(&self, server: usize) -> Option<usize> {
        self.conns.iter().position(|c| c.server == server)
    }

    fn open_conn(&mut self, server: usize) {
        let id = ConnId(self.next_conn);
        self.next_conn = self.next_conn.wrapping_add(1).max(1);
        self.conns.push(Conn {
            id,
            server,
            connected: false,
            buf: Vec::new(),
            pong_deadline: None,
        });
        self.events.push_back(Event::Connect {
            conn: id,
            remote: self.server_addr(server),
        });
    }

    fn close_conn_of(&mut self, server: usize) {
        if let Some(i) = self.conn_for(server) {
            let c = self.conns.remove(i);
            self.events.push_back(Event::Close { conn: c.id });
        }
    }

    // ----- inputs ---------------------------------------------------------

    /// Bytes from a registrar (a UDP datagram or a TCP chunk).
    ///
    /// # Errors
    /// [`InputError`] for undecodable bytes, unknown connections and
    /// responses that match no transaction; the state is unchanged except that
    /// a malformed TCP stream is closed (a transport error).
    pub fn handle_input(
        &mut self,
        now: Instant,
        from: Peer,
        bytes: &[u8],
    ) -> Result<(), InputError> {
        match from {
            Peer::Udp(_) => {
                if !bytes.is_empty() && bytes.iter().all(|b| *b == b'\r' || *b == b'\n') {
                    return Ok(()); // keep-alive datagram
                }
                let msg = Message::parse(bytes)?;
                self.handle_message(now, from, &msg)
            }
            Peer::Tcp(id) => {
                let ci = self
                    .conns
                    .iter()
                    .position(|c| c.id == id)
                    .ok_or(InputError::UnknownConn)?;
                let mut buf = core::mem::take(&mut self.conns[ci].buf);
                buf.extend_from_slice(bytes);
                let mut result = Ok(());
                let mut used = 0;
                loop {
                    let rest = buf.get(used..).unwrap_or_default();
                    if rest.is_empty() {
                        break;
                    }
                    match next_frame(rest, STREAM_MAX) {
                        Ok(Frame::Ping) => {
                            self.out.push_back((from, b"\r\n".to_vec()));
                            used += 4;
                        }
                        Ok(Frame::Pong) => {
                            if let Some(c) = self.conns.iter_mut().find(|c| c.id == id) {
                                c.pong_deadline = None;
                            }
                            used += 2;
                        }
                        Ok(Frame::Message(n)) => {
                            let r = rest
                                .get(..n)
                                .ok_or(InputError::Decode(crate::DecodeError::bad("frame")))
                                .and_then(|m| Message::parse(m).map_err(InputError::from))
                                .and_then(|m| self.handle_message(now, from, &m));
                            if let Err(e) = r {
                                result = Err(e);
                            }
                            used += n;
                        }
                        Ok(Frame::Incomplete { .. }) => break,
                        Err(e) => {
                            let server = self.conns.get(ci).map(|c| c.server).unwrap_or(0);
                            self.close_conn_of(server);
                            self.transport_failed(now, server, FailureCause::TransportError);
                            return Err(e.into());
                        }
                    }
                }
                buf.drain(..used.min(buf.len()));
                if let Some(c) = self.conns.iter_mut().find(|c| c.id == id) {
                    c.buf = buf;
                }
                result
            }
        }
    }

    /// A TCP connection event for a connection from [`Event::Connect`].
    pub fn handle_conn_event(&mut self, now: Instant, conn: ConnId, ev: ConnEvent) {
        let Some(ci) = self.conns.iter().position(|c| c.id == conn) else {
            return;
        };
        let server = self.conns[ci].server;
        match ev {
            ConnEvent::Connected => {
                self.conns[ci].connected = true;
                let pending: Vec<usize> = (0..self.txs.len())
                    .filter(|&i| self.txs[i].server == server && !self.txs[i].sent)
                    .collect();
                for i in pending {
                    self.send_tx(now, i);
                }
            }
            ConnEvent::Closed | ConnEvent::Refused => {
                self.conns.remove(ci);
                self.transport_failed(now, server, FailureCause::TransportError);
            }
        }
    }

    /// A flow to `server` failed (connection lost, keep-alive unanswered).
    fn transport_failed(&mut self, now: Instant, server: usize, cause: FailureCause) {
        let had_tx: Vec<usize> = (0..self.txs.len())
            .filter(|&i| self.txs[i].server == server)
            .collect();
        if let Some(&i) = had_tx
            .iter()
            .find(|&&i| self.txs[i].kind != TxKind::Options)
        {
            let tx = self.txs.remove(i);
            self.tx_failed(now, tx, cause, None);
            return;
        }
        self.txs.retain(|t| t.server != server);
        if self.bound == Some(server) && matches!(self.state, State::Registered | State::Refreshing)
        {
            // The registrar lost us (restart, NAT): register again at once.
            self.bound = None;
            self.ka_at = None;
            self.refresh_at = None;
            self.maybe_rebind();
            self.start_initial(now, server);
        }
    }

    fn maybe_rebind(&mut self) {
        if let Some((lo, hi)) = self.config.random_port {
            let old = self.contact_uri();
            let mut port = self.local_port;
            for _ in 0..8 {
                port = self.rng.range_u64(u64::from(lo), u64::from(hi) + 1) as u16;
                if port != self.local_port {
                    break;
                }
            }
            self.local_port = port;
            self.public = None;
            if self.config.remove_stale_contact {
                self.stale_contact = Some(old);
            }
            self.events.push_back(Event::Rebind { local_port: port });
        }
    }

    fn handle_message(
        &mut self,
        now: Instant,
        from: Peer,
        msg: &Message<'_>,
    ) -> Result<(), InputError> {
        match msg.start() {
            StartLine::Request { method, .. } => {
                self.answer_request(from, msg, *method);
                Ok(())
            }
            StartLine::Response { code, .. } => {
                let code = *code;
                let via = msg.top_via()?;
                let branch = via.branch().ok_or(InputError::StaleTransaction)?;
                let cseq = msg.cseq()?;
                let idx = self
                    .txs
                    .iter()
                    .position(|t| t.branch == branch && t.cseq == cseq.seq)
                    .ok_or(InputError::StaleTransaction)?;
                if code < 200 {
                    if let Some(t) = self.txs.get_mut(idx) {
                        t.interval = self.config.t2;
                        if t.next_retx.is_some() {
                            t.next_retx = Some(now + self.config.t2);
                        }
                    }
                    return Ok(());
                }
                let tx = self.txs.remove(idx);
                self.handle_final(now, tx, code, msg);
                Ok(())
            }
        }
    }

    fn answer_request(&mut self, from: Peer, msg: &Message<'_>, method: Method<'_>) {
        if method == Method::Ack {
            return;
        }
        let (code, reason) = if method == Method::Options {
            (200, "OK")
        } else {
            (501, "Not Implemented")
        };
        let ua = self.config.user_agent.clone();
        let tag = hex_id(&mut self.rng, 8);
        let bytes = to_vec(|w| {
            w.status_line(code, reason);
            for v in msg.header_values(crate::wire::HeaderName::Via) {
                w.header("Via", v);
            }
            for (name, h) in [
                ("From", crate::wire::HeaderName::From),
                ("To", crate::wire::HeaderName::To),
                ("Call-ID", crate::wire::HeaderName::CallId),
                ("CSeq", crate::wire::HeaderName::CSeq),
            ] {
                if let Some(v) = msg.header(h) {
                    if name == "To" && !v.contains("tag=") {
                        w.header_fmt("To", format_args!("{v};tag={tag}"));
                    } else {
                        w.header(name, v);
                    }
                }
            }
            w.header("Allow", "OPTIONS");
            w.header("Server", &ua);
            w.end(b"");
        });
        self.out.push_back((from, bytes));
    }

    fn handle_final(&mut self, now: Instant, tx: Tx, code: u16, msg: &Message<'_>) {
        if tx.kind == TxKind::Options {
            // Any final answer proves the flow alive.
            return;
        }
        match code {
            200..=299 => self.on_success(now, tx, msg),
            401 | 407 => self.on_challenge(now, tx, code, msg),
            423 => {
                let min = msg.min_expires().and_then(Result::ok);
                match min {
                    Some(m) if !tx.attempt.tried_423 && m > tx.requested => {
                        self.expires_req = m;
                        let attempt = Attempt {
                            tried_423: true,
                            ..tx.attempt
                        };
                        self.retry_same(now, &tx, attempt, m);
                    }
                    _ => self.tx_failed(now, tx, FailureCause::TooBrief, None),
                }
            }
            403 => self.tx_failed(now, tx, FailureCause::Forbidden, None),
            404 => self.tx_failed(now, tx, FailureCause::NotFound, None),
            408 | 480 | 500..=699 => {
                let ra = msg.retry_after().and_then(Result::ok);
                self.tx_failed(now, tx, FailureCause::ServerError { code }, ra)
            }
            _ => self.tx_failed(now, tx, FailureCause::Rejected { code }, None),
        }
    }

    fn retry_same(&mut self, now: Instant, tx: &Tx, attempt: Attempt, requested: u32) {
        let contacts: Vec<ContactSpec> = match tx.kind {
            TxKind::Unregister if self.config.remove_all_bindings => alloc::vec![ContactSpec::Star],
            TxKind::Unregister | TxKind::UnregisterOld => alloc::vec![ContactSpec::Own(0)],
            TxKind::RemovePrevious => self
                .config
                .previous_contact
                .clone()
                .map(|p| alloc::vec![ContactSpec::Uri(p, 0)])
                .unwrap_or_default(),
            _ => {
                let mut v = alloc::vec![ContactSpec::Own(requested)];
                if let Some(s) = &self.stale_contact {
                    v.push(ContactSpec::Uri(s.clone(), 0));
                }
                v
            }
        };
        self.start_tx(now, tx.kind, tx.server, attempt, requested, &contacts);
    }

    fn on_challenge(&mut self, now: Instant, tx: Tx, code: u16, msg: &Message<'_>) {
        let proxy = code == 407;
        let chosen = msg.challenges(proxy).filter_map(Result::ok).find_map(|c| {
            let alg = Algorithm::from_token(c.algorithm)?;
            (c.is_digest() && alg.is_supported() && c.nonce.is_some()).then_some((c, alg))
        });
        let Some((ch, alg)) = chosen else {
            return self.tx_failed(now, tx, FailureCause::AuthFailed, None);
        };
        let mut attempt = tx.attempt;
        if attempt.auth_answered {
            if !ch.stale || attempt.stale_rounds >= 3 {
                return self.tx_failed(now, tx, FailureCause::AuthFailed, None);
            }
            attempt.stale_rounds += 1;
        }
        attempt.auth_answered = true;
        let qop = ch.offers_auth().then_some(Qop::Auth);
        if ch.qop.is_some() && qop.is_none() {
            // Only auth-int offered: bodies are not hashed here.
            return self.tx_failed(now, tx, FailureCause::AuthFailed, None);
        }
        let auth = AuthState {
            proxy,
            algorithm: alg,
            realm: ch.realm.unwrap_or("").to_string(),
            nonce: ch.nonce.unwrap_or("").to_string(),
            opaque: ch.opaque.map(ToString::to_string),
            qop,
            nc: 0,
        };
        self.session(tx.server).auth = Some(auth);
        if matches!(tx.kind, TxKind::Register) {
            self.state = State::Authenticating;
        }
        self.retry_same(now, &tx, attempt, tx.requested);
    }

    fn own_contact_expiry(&self, msg: &Message<'_>) -> Option<u32> {
        let (host, port) = self.contact_hostport();
        let own_instance = self.config.instance.as_deref();
        msg.contacts().filter_map(Result::ok).find_map(|c| {
            let a = c.addr()?;
            let same_instance = own_instance.is_some() && c.instance() == own_instance;
            let uri = Uri::parse(a.uri).ok()?;
            let same_uri = uri.user == Some(self.config.user.as_str())
                && uri.host.eq_ignore_ascii_case(&host)
                && uri.port.unwrap_or(5060) == port;
            if same_instance || same_uri {
                c.expires().and_then(Result::ok)
            } else {
                None
            }
        })
    }

    fn on_success(&mut self, now: Instant, tx: Tx, msg: &Message<'_>) {
        match tx.kind {
            TxKind::Options => {}
            TxKind::UnregisterOld => {}
            TxKind::RemovePrevious => self.start_initial(now, tx.server),
            TxKind::Unregister => {
                self.bound = None;
                self.state = State::Disabled;
                self.clear_timers();
                self.close_all();
                self.events.push_back(Event::Unregistered);
            }
            TxKind::Register | TxKind::Refresh | TxKind::Probe => {
                // NAT detection from Via received/rport (RFC 3581).
                if self.config.received_detection && tx.attempt.rewrites < 2 {
                    if let Some(public) = observed_public(msg) {
                        if public != self.contact_socket() {
                            let old = self.contact_uri();
                            self.public = Some(public);
                            if self.config.remove_stale_contact {
                                self.stale_contact = Some(old);
                            }
                            self.events.push_back(Event::PublicAddress { addr: public });
                            let attempt = Attempt {
                                rewrites: tx.attempt.rewrites + 1,
                                ..tx.attempt
                            };
                            let kind = tx.kind;
                            let stale = self.stale_contact.clone();
                            let mut contacts = alloc::vec![ContactSpec::Own(tx.requested)];
                            if let Some(s) = stale {
                                contacts.push(ContactSpec::Uri(s, 0));
                            }
                            self.start_tx(now, kind, tx.server, attempt, tx.requested, &contacts);
                            return;
                        }
                    }
                }
                let granted = self
                    .own_contact_expiry(msg)
                    .or_else(|| msg.expires().and_then(Result::ok))
                    .unwrap_or(tx.requested);
                if granted == 0 {
                    return self.tx_failed(now, tx, FailureCause::Rejected { code: 200 }, None);
                }
                let previous = self.bound;
                self.stale_contact = None;
                self.bound = Some(tx.server);
                self.active = tx.server;
                self.failures = 0;
                self.retry_at = None;
                self.state = State::Registered;
                let g = Duration::from_secs(u64::from(granted));
                self.refresh_at = Some(now + refresh_delay(g));
                self.ka_at = match self.config.keepalive {
                    KeepaliveMode::None => None,
                    _ => Some(now + self.config.keepalive_interval),
                };
                self.probe_at = (self.config.prefer_primary && tx.server != 0)
                    .then(|| now + self.config.primary_probe);
                self.events.push_back(Event::Registered {
                    server: self.server_addr(tx.server),
                    expires: g,
                });
                if let Some(prev) = previous.filter(|p| *p != tx.server) {
                    // Returned to the primary: remove the secondary's binding.
                    self.start_tx(
                        now,
                        TxKind::UnregisterOld,
                        prev,
                        Attempt::default(),
                        0,
                        &[ContactSpec::Own(0)],
                    );
                }
            }
        }
    }

    fn contact_socket(&self) -> SocketAddr {
        self.public
            .unwrap_or(SocketAddr::new(self.config.local_ip, self.local_port))
    }

    /// A transaction ended without success.
    fn tx_failed(&mut self, now: Instant, tx: Tx, cause: FailureCause, retry_after: Option<u32>) {
        match tx.kind {
            TxKind::Options => {
                // A failed keep-alive: the flow is gone.
                if cause == FailureCause::Timeout {
                    self.flow_lost(now, tx.server);
                }
            }
            TxKind::UnregisterOld => {}
            TxKind::RemovePrevious => self.start_initial(now, tx.server),
            TxKind::Probe => {
                // Primary still down: stay where we are.
                self.state = if self.bound.is_some() {
                    State::Registered
                } else {
                    self.state
                };
                self.probe_at = Some(now + self.config.primary_probe);
            }
            TxKind::Unregister => {
                self.bound = None;
                self.state = State::Disabled;
                self.clear_timers();
                self.close_all();
                self.events.push_back(Event::Failed {
                    cause,
                    retry_in: None,
                });
            }
            TxKind::Register | TxKind::Refresh => {
                if self.config.transport == Transport::Tcp
                    && matches!(cause, FailureCause::Timeout | FailureCause::TransportError)
                {
                    self.close_conn_of(tx.server);
                }
                let lost_binding = self.bound == Some(tx.server);
                if lost_binding {
                    self.bound = None;
                }
                self.refresh_at = None;
                self.ka_at = None;
                self.probe_at = None;
                let transient = matches!(
                    cause,
                    FailureCause::Timeout
                        | FailureCause::TransportError
                        | FailureCause::ServerError { .. }
                );
                if matches!(cause, FailureCause::Timeout | FailureCause::TransportError) {
                    self.maybe_rebind();
                }
                if matches!(
                    cause,
                    FailureCause::Forbidden | FailureCause::NotFound | FailureCause::AuthFailed
                ) {
                    if let Some(Some(s)) = self.sessions.get_mut(tx.server) {
                        s.auth = None;
                    }
                }
                let next = tx.server + 1;
                if transient && next < self.config.registrars.len() {
                    self.events.push_back(Event::Failed {
                        cause,
                        retry_in: Some(Duration::ZERO),
                    });
                    self.events.push_back(Event::FailedOver {
                        from: self.server_addr(tx.server),
                        to: self.server_addr(next),
                    });
                    self.start_initial(now, next);
                    return;
                }
                self.failures = self.failures.saturating_add(1);
                let wait = match cause {
                    FailureCause::Forbidden | FailureCause::NotFound | FailureCause::AuthFailed => {
                        self.config.retry_forbidden
                    }
                    _ => match retry_after {
                        Some(s) => Duration::from_secs(u64::from(s))
                            .clamp(Duration::from_secs(1), self.config.retry_after_max),
                        None => self.backoff(),
                    },
                };
                self.state = State::BackingOff(cause);
                self.active = 0;
                self.retry_at = Some(now + wait);
                self.events.push_back(Event::Failed {
                    cause,
                    retry_in: Some(wait),
                });
            }
        }
    }

    /// RFC 5626 §4.5: min(max, base·2^n), drawn from 50–100 %.
    fn backoff(&mut self) -> Duration {
        let exp = self.failures.min(16);
        let upper = self
            .config
            .retry_base
            .saturating_mul(1u32 << exp)
            .min(self.config.retry_max);
        self.rng.duration_between(upper / 2, upper)
    }

    fn flow_lost(&mut self, now: Instant, server: usize) {
        if self.config.transport == Transport::Tcp {
            self.close_conn_of(server);
        }
        self.transport_failed(now, server, FailureCause::Timeout);
        if self.bound == Some(server) {
            self.bound = None;
            self.maybe_rebind();
            self.start_initial(now, server);
        }
    }

    /// Time reached `now`: retransmissions, timer F, refresh, retry,
    /// keep-alives and primary probes. Early or repeated calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        // Transactions: timer F, then timer E retransmissions.
        let mut i = 0;
        while i < self.txs.len() {
            if self.txs[i].deadline <= now {
                let tx = self.txs.remove(i);
                self.tx_failed(now, tx, FailureCause::Timeout, None);
                i = 0;
                continue;
            }
            let t2 = self.config.t2;
            let tx = &mut self.txs[i];
            if tx.next_retx.is_some_and(|at| at <= now) && tx.sent {
                tx.interval = (tx.interval * 2).min(t2);
                tx.next_retx = Some(now + tx.interval);
                let peer = Peer::Udp(self.server_addr(self.txs[i].server));
                self.out.push_back((peer, self.txs[i].bytes.clone()));
            }
            i += 1;
        }
        // Pong deadlines.
        let late: Vec<usize> = self
            .conns
            .iter()
            .filter(|c| c.pong_deadline.is_some_and(|d| d <= now))
            .map(|c| c.server)
            .collect();
        for server in late {
            self.flow_lost(now, server);
        }
        if self.retry_at.is_some_and(|t| t <= now) {
            self.retry_at = None;
            self.start_initial(now, 0);
        }
        let reg_busy = self.txs.iter().any(|t| {
            matches!(
                t.kind,
                TxKind::Register | TxKind::Refresh | TxKind::Probe | TxKind::Unregister
            )
        });
        if self.refresh_at.is_some_and(|t| t <= now) && !reg_busy {
            if let Some(server) = self.bound {
                self.refresh_at = None;
                self.state = State::Refreshing;
                let requested = self.expires_req;
                let mut contacts = alloc::vec![ContactSpec::Own(requested)];
                if let Some(s) = self.stale_contact.clone() {
                    contacts.push(ContactSpec::Uri(s, 0));
                }
                self.start_tx(
                    now,
                    TxKind::Refresh,
                    server,
                    Attempt::default(),
                    requested,
                    &contacts,
                );
            } else {
                self.refresh_at = None;
            }
        }
        if self.probe_at.is_some_and(|t| t <= now) {
            self.probe_at = None;
            if !reg_busy && self.bound.is_some_and(|b| b != 0) {
                let requested = self.expires_req;
                self.start_tx(
                    now,
                    TxKind::Probe,
                    0,
                    Attempt::default(),
                    requested,
                    &[ContactSpec::Own(requested)],
                );
            } else if self.bound.is_some_and(|b| b != 0) {
                self.probe_at = Some(now + self.config.primary_probe);
            }
        }
        if self.ka_at.is_some_and(|t| t <= now) {
            self.ka_at = Some(now + self.config.keepalive_interval);
            if let Some(server) = self.bound {
                self.send_keepalive(now, server);
            }
        }
    }

    fn send_keepalive(&mut self, now: Instant, server: usize) {
        match self.config.keepalive {
            KeepaliveMode::None => {}
            KeepaliveMode::Crlf => match self.config.transport {
                Transport::Udp => {
                    let peer = Peer::Udp(self.server_addr(server));
                    self.out.push_back((peer, b"\r\n\r\n".to_vec()));
                }
                Transport::Tcp => {
                    let timeout = self.config.pong_timeout;
                    if let Some(c) = self
                        .conns
                        .iter_mut()
                        .find(|c| c.server == server && c.connected)
                    {
                        if c.pong_deadline.is_none() {
                            c.pong_deadline = Some(now + timeout);
                        }
                        let id = c.id;
                        self.out.push_back((Peer::Tcp(id), b"\r\n\r\n".to_vec()));
                    }
                }
            },
            KeepaliveMode::Options => {
                if !self.txs.iter().any(|t| t.kind == TxKind::Options) {
                    self.start_tx(now, TxKind::Options, server, Attempt::default(), 0, &[]);
                }
            }
        }
    }

    /// Writes the next datagram or stream chunk into `buf`.
    ///
    /// Call after: any `handle_*`, [`UserAgent::new`], [`UserAgent::unregister`]
    /// and [`UserAgent::reconfigure`], until it returns `Ok(None)`.
    ///
    /// # Errors
    /// [`InsufficientSize`]: nothing was consumed; retry with a larger buffer.
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

    /// The next event. Call after: any `handle_*` and the constructor, until
    /// `None`.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`UserAgent::handle_timeout`] next. Call after draining
    /// `poll_transmit` and `poll_event`.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let tx = self
            .txs
            .iter()
            .flat_map(|t| [Some(t.deadline), t.next_retx.filter(|_| t.sent)]);
        let pongs = self.conns.iter().map(|c| c.pong_deadline);
        dialtone_core::earliest(tx.chain(pongs).chain([
            self.refresh_at,
            self.retry_at,
            self.ka_at,
            self.probe_at,
        ]))
    }
}

#[derive(Debug, Clone)]
enum ContactSpec {
    Star,
    Own(u32),
    Uri(String, u32),
}

fn observed_public(msg: &Message<'_>) -> Option<SocketAddr> {
    let via = msg.top_via().ok()?;
    let received = via.received();
    let rport = via.rport().ok().flatten().flatten();
    if received.is_none() && rport.is_none() {
        return None;
    }
    let ip: IpAddr = match received {
        Some(r) => r.trim_matches(['[', ']']).parse().ok()?,
        None => via.host.trim_matches(['[', ']']).parse().ok()?,
    };
    let port = rport.or(via.port).unwrap_or(5060);
    Some(SocketAddr::new(ip, port))
}

/// T_REFRESH (`phone-boot.md` §3.7): 85 % of the granted expiry, never later
/// than expiry − 32 s; half the expiry below 64 s.
#[must_use]
pub fn refresh_delay(granted: Duration) -> Duration {
    if granted < Duration::from_secs(64) {
        granted / 2
    } else {
        (granted * 85 / 100).min(granted - Duration::from_secs(32))
    }
}

fn hex_id(rng: &mut Rng, bytes: usize) -> String {
    let mut s = String::with_capacity(bytes * 2);
    for _ in 0..bytes {
        let _ = write!(s, "{:02x}", rng.next_u32() as u8);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_points() {
        assert_eq!(
            refresh_delay(Duration::from_secs(3600)),
            Duration::from_secs(3060)
        );
        assert_eq!(
            refresh_delay(Duration::from_secs(120)),
            Duration::from_secs(88)
        );
        assert_eq!(
            refresh_delay(Duration::from_secs(60)),
            Duration::from_secs(30)
        );
        assert_eq!(
            refresh_delay(Duration::from_secs(200)),
            Duration::from_secs(168)
        );
    }

    #[test]
    fn config_ranges() {
        let a: SocketAddr = "127.0.0.1:5060".parse().unwrap();
        let mut c = Config::new(&[a], "1001", "pw");
        assert_eq!(c.keepalive_interval, Duration::from_secs(15));
        assert!(c.validate().is_ok());
        c.keepalive_interval = Duration::from_secs(5);
        assert_eq!(c.validate(), Err(ConfigError::KeepaliveInterval));
        c.keepalive_interval = Duration::from_secs(61);
        assert_eq!(c.validate(), Err(ConfigError::KeepaliveInterval));
        c.keepalive_interval = Duration::from_secs(60);
        c.random_port = Some((60000, 50000));
        assert_eq!(c.validate(), Err(ConfigError::RandomPortRange));
        assert_eq!(
            Config::new(&[], "u", "p").validate(),
            Err(ConfigError::NoRegistrar)
        );
    }
}
