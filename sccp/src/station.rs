//! The station (phone) side of SCCP registration: connect, register, keep
//! alive, hold a standby connection, fail over, fall back, unregister.
//!
//! Scope: `phone-boot.md` §1.5 states B10–B16 and §1.7.5–§1.7.9, given an
//! already resolved, ordered CallManager list. Where the phone's table leaves
//! these states (B1 reboot, B5 restart, B14 rejected, B15 version error, B17
//! all CallManagers failed), the station stops and emits an [`Event`] for its
//! owner.
//!
//! ## Calls (B13 CallPreserved)
//!
//! The station does not handle calls; its owner says when one starts and ends
//! with [`Station::set_call_active`]. When the active CallManager is lost
//! during a call (missed keepalives, row 55, or its connection closing, row
//! 60), the station enters [`State::CallPreserved`] and emits
//! [`Event::CallPreserved`] (the phone shows [`CALL_PRESERVED_TEXT`]): the
//! media stream goes on, nothing registers elsewhere, and the failover of
//! §1.7.7 (standby first) runs when the call ends (row 75).
//!
//! Nothing else that would interrupt a call happens during one (§1.7.9,
//! §1.7.8, and §1.6: "a reset or restart requested during a call is not a
//! timer: it waits for CallIdle"):
//!
//! * a `Reset` (any type) received while a call is active is remembered
//!   ([`Event::ResetDeferred`], [`Station::pending_reset`]) and applied when
//!   the call ends (rows 63/64); in B13 it is accepted on any surviving
//!   connection (row 76) and, at the end of the call, replaces the failover.
//!   A pending `Reset(reset)` is not weakened by a later restart.
//! * fallback never starts during a call: a probe whose Connection Monitor
//!   Duration ends (or whose token wait ends, or whose `RegisterTokenAck`
//!   arrives) during a call is remembered, and the normal token exchange
//!   (`RegisterTokenReq`, then `RegisterTokenAck` → unregister → register)
//!   runs when the call ends (rows 69/70).
//!
//! ## Network link (rows 84/85)
//!
//! [`Station::handle_link_down`] (E06) is the loss of every connection at
//! once: all are closed, every timer is cancelled, bad tags are forgotten,
//! and the station waits in [`State::LinkDown`] (B2) — also during a call,
//! since the media path is gone too. A registered station first reports
//! [`Event::Lost`] with [`LostCause::LinkDown`]. [`Station::handle_link_up`]
//! (E05) starts a new pass over the list; an owner that runs the network
//! steps (DHCP, TFTP, B2–B9) itself calls [`Station::start`] after them
//! instead. A pending reset survives the link loss and is still applied when
//! the call ends.
//!
//! Sans-IO (`STYLE.md` §2): the station asks for connections with
//! [`Event::Connect`] / [`Event::Close`], the driver reports them with
//! [`Station::handle_conn_event`], feeds received bytes to
//! [`Station::handle_input`], sends what [`Station::poll_transmit`] writes and
//! calls [`Station::handle_timeout`] at [`Station::poll_timeout`].
//!
//! ## Registration dialogue
//!
//! After `RegisterAck` the station sends, in this fixed order (`sccp.md` §4.1
//! says no order is normative): `ButtonTemplateReq`, `SoftKeyTemplateReq`,
//! `SoftKeySetReq`, `ConfigStatReq`, `LineStatReq` for each line,
//! `RegisterAvailableLines`, `TimeDateReq`. A `CapabilitiesReq` from the
//! CallManager is answered with `CapabilitiesRes` whenever it arrives.
//!
//! ## Keepalive, standby, failover, fallback
//!
//! * `KeepAlive` on the active connection every interval of the `RegisterAck`
//!   (below 10 s → 10 s, 0 → 30 s); the CallManager is lost when
//!   [`Config::keepalive_miss_limit`] keepalives in a row stay unanswered
//!   (the member is then tagged bad for [`Config::cm_bad_duration`]), or at once
//!   when its connection closes or sends garbage.
//! * A standby connection to the next member after the active one, kept alive
//!   at the secondary interval with header version 0 and never registered;
//!   failover registers on it at once.
//! * Registered on a lower-priority member, the station probes higher ones every
//!   [`Config::fallback_interval`] (default: the secondary interval); a probe
//!   that stays up for [`Config::connection_monitor`] is asked for a token
//!   (`RegisterTokenReq`); on `RegisterTokenAck` the station unregisters from
//!   the current member, closes it, and registers with the higher one — never
//!   registered on two at once. `RegisterTokenReject` carries the wait before
//!   asking again.
//!
//! ## Example: a station against a registrar, in memory
//!
//! ```
//! use std::time::Duration;
//! use dialtone_core::{ConnId, Instant};
//! use dialtone_sccp::registrar::{self, DeviceName, DeviceRecord, MemoryStore, Registrar};
//! use dialtone_sccp::station::{self, ConnEvent, Event, Station};
//! use dialtone_sccp::DeviceType;
//!
//! let mac = [0x00, 0x1e, 0x7a, 0xc4, 0xd2, 0x31];
//! let mut store = MemoryStore::new();
//! store.insert(DeviceName::from_mac(mac), DeviceRecord::new(DeviceType::Cisco7960, vec!["2001".into()]));
//! let mut cm = Registrar::new(registrar::Config::default(), store, Instant::ZERO);
//! let cfg = station::Config::new(mac, vec!["10.0.0.1:2000".parse().unwrap()]);
//! let mut phone = Station::new(cfg, Instant::ZERO, 7);
//!
//! let now = Instant::ZERO;
//! let mut buf = [0u8; 1024];
//! let mut link = None; // the one TCP connection: (station's id, registrar's id)
//! for _ in 0..10 {
//!     while let Some(ev) = phone.poll_event() {
//!         if let Event::Connect { conn, .. } = ev {
//!             cm.handle_conn_event(now, ConnId(1), registrar::ConnEvent::Connected);
//!             phone.handle_conn_event(now, conn, ConnEvent::Connected);
//!             link = Some((conn, ConnId(1)));
//!         }
//!     }
//!     let Some((s, r)) = link else { continue };
//!     while let Some(t) = phone.poll_transmit(&mut buf).unwrap() {
//!         cm.handle_input(now, r, &buf[..t.len]).unwrap();
//!     }
//!     while let Some(t) = cm.poll_transmit(&mut buf).unwrap() {
//!         phone.handle_input(now, s, &buf[..t.len]).unwrap();
//!     }
//! }
//! assert_eq!(phone.active_cm(), Some(0));
//! assert_eq!(cm.registered_count(), 1);
//! assert_eq!(phone.keepalive_interval(), Duration::from_secs(30));
//! ```

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, SocketAddr};
use core::time::Duration;

use dialtone_core::{ConnId, Instant, InsufficientSize, Rng, Transmit};
use zerocopy::little_endian::U32;

use crate::enums::{DeviceType, RejectReason, ResetType};
use crate::error::DecodeError;
use crate::stream::{StreamBuf, StreamError};
use crate::version::header_version_for;
use crate::wire::message::{id, Message};
use crate::wire::types::{
    CapabilitiesRes, Capability, Fixed, RegisterForm, RegisterFull, RegisterTokenReq,
    RegisterTokenReqBase, TokenAddress, Word,
};
use crate::wire::{Ipv4, StationId, Str};

/// Keepalive interval when the `RegisterAck` says 0 (`phone-boot.md` §1.6 T_KA).
pub const KEEPALIVE_DEFAULT: Duration = Duration::from_secs(30);
/// Smallest keepalive interval the station uses (§1.6 T_KA).
pub const KEEPALIVE_MIN: Duration = Duration::from_secs(10);
/// Secondary keepalive when the `RegisterAck` says 0 (§1.6 T_KA2).
pub const SECONDARY_KEEPALIVE_DEFAULT: Duration = Duration::from_secs(60);
/// Unanswered keepalives before the active CallManager is lost (§1.6 N_KA_MISS).
pub const KEEPALIVE_MISS_LIMIT: u8 = 3;
/// What the phone shows in B13 CallPreserved (`phone-boot.md` §1.5).
pub const CALL_PRESERVED_TEXT: &str = "CM Down, Features Disabled";

/// How long a CallManager lost by missed keepalives is not used (§1.6 T_CM_BAD).
pub const CM_BAD_DEFAULT: Duration = Duration::from_secs(600);
/// Connection Monitor Duration (§1.6 T_CONN_MON).
pub const CONNECTION_MONITOR_DEFAULT: Duration = Duration::from_secs(120);
/// TCP connect timeout (§1.6 T_CONNECT).
pub const CONNECT_TIMEOUT_DEFAULT: Duration = Duration::from_secs(10);
/// Wait for `RegisterAck`/`RegisterReject` (§1.6 T_REGISTER).
pub const REGISTER_TIMEOUT_DEFAULT: Duration = Duration::from_secs(10);
/// Wait for `UnregisterAck` (§1.6 T_UNREG).
pub const UNREGISTER_TIMEOUT_DEFAULT: Duration = Duration::from_secs(5);
/// CallManagers of a group that are used (§1.7.5).
pub const MAX_CALL_MANAGERS_DEFAULT: usize = 3;

/// Station settings (`phone-boot.md` §1.6, §1.7.5–§1.7.8).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// MAC address; the device name is `SEP` + its 12 upper-case hex digits.
    pub mac: [u8; 6],
    /// Device type sent in `Register` and `RegisterTokenReq`.
    pub device_type: DeviceType,
    /// Highest protocol version offered in `Register` (form chosen from it).
    pub protocol_version: u8,
    /// The station's IPv4 address, as carried in `Register`.
    pub station_ip: Ipv4Addr,
    /// CallManager group in priority order (highest first).
    pub call_managers: Vec<SocketAddr>,
    /// Members of the list used (§1.7.5, default 3).
    pub max_call_managers: usize,
    /// Lines to ask `LineStatReq` for.
    pub lines: u32,
    /// Media streams announced in `Register`.
    pub max_streams: u32,
    /// T_CONNECT.
    pub connect_timeout: Duration,
    /// T_REGISTER.
    pub register_timeout: Duration,
    /// T_UNREG.
    pub unregister_timeout: Duration,
    /// N_KA_MISS.
    pub keepalive_miss_limit: u8,
    /// T_CM_BAD.
    pub cm_bad_duration: Duration,
    /// T_CONN_MON (Connection Monitor Duration).
    pub connection_monitor: Duration,
    /// T_FALLBACK; `None` = the secondary keepalive interval.
    pub fallback_interval: Option<Duration>,
    /// Close a standby or probe after `keepalive_miss_limit` unanswered
    /// keepalives (§1.7.6, default on); off: only when TCP reports it closed.
    pub standby_requires_ack: bool,
    /// When set, the station starts over by itself this long (plus up to 25 %
    /// random jitter) after a rejection or an exhausted pass (B14/B17); when
    /// `None` it stops and the owner decides.
    pub retry_after: Option<Duration>,
    /// Largest message body accepted from a CallManager.
    pub max_body: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mac: [0; 6],
            device_type: DeviceType::Cisco7960,
            protocol_version: 11,
            station_ip: Ipv4Addr::UNSPECIFIED,
            call_managers: Vec::new(),
            max_call_managers: MAX_CALL_MANAGERS_DEFAULT,
            lines: 1,
            max_streams: 5,
            connect_timeout: CONNECT_TIMEOUT_DEFAULT,
            register_timeout: REGISTER_TIMEOUT_DEFAULT,
            unregister_timeout: UNREGISTER_TIMEOUT_DEFAULT,
            keepalive_miss_limit: KEEPALIVE_MISS_LIMIT,
            cm_bad_duration: CM_BAD_DEFAULT,
            connection_monitor: CONNECTION_MONITOR_DEFAULT,
            fallback_interval: None,
            standby_requires_ack: true,
            retry_after: None,
            max_body: 4096,
        }
    }
}

impl Config {
    /// Defaults with a MAC and a CallManager list.
    #[must_use]
    pub fn new(mac: [u8; 6], call_managers: Vec<SocketAddr>) -> Self {
        Config {
            mac,
            call_managers,
            ..Config::default()
        }
    }

    /// `SEP` + the MAC in upper-case hex (15 bytes).
    #[must_use]
    pub fn device_name(&self) -> [u8; 15] {
        device_name(self.mac)
    }
}

/// `SEP` + 12 upper-case hex digits of `mac`.
#[must_use]
pub fn device_name(mac: [u8; 6]) -> [u8; 15] {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut n = *b"SEP000000000000";
    for (i, b) in mac.iter().enumerate() {
        n[3 + 2 * i] = HEX[usize::from(b >> 4)];
        n[4 + 2 * i] = HEX[usize::from(b & 15)];
    }
    n
}

/// A connection event reported by the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnEvent {
    /// The TCP connection asked for by [`Event::Connect`] is up.
    Connected,
    /// The peer closed or reset the connection, or TCP gave up.
    Closed,
    /// The connection could not be opened (RST, ICMP unreachable).
    Refused,
}

/// Why the active CallManager was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostCause {
    /// Keepalives went unanswered (`keepalive_miss_limit` in a row).
    KeepAliveTimeout,
    /// The connection closed (FIN/RST/TCP timeout).
    ConnectionClosed,
    /// The CallManager sent bytes that do not decode.
    PeerGarbage,
    /// The network link went down ([`Station::handle_link_down`], row 85).
    LinkDown,
}

/// The station's state (`phone-boot.md` §1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// B10: opening the connection to member `cm`.
    Connecting {
        /// Member index.
        cm: usize,
    },
    /// B11: `Register` sent to member `cm`.
    Registering {
        /// Member index.
        cm: usize,
    },
    /// B12: registered with member `cm`.
    Registered {
        /// Member index.
        cm: usize,
    },
    /// B16: `Unregister` sent to member `cm`.
    Unregistering {
        /// Member index.
        cm: usize,
    },
    /// B13: member `cm` was lost during a call; the call goes on and the
    /// failover waits for [`Station::set_call_active`]`(now, false)`.
    CallPreserved {
        /// The lost member.
        cm: usize,
    },
    /// Waiting [`Config::retry_after`] before starting over.
    Waiting,
    /// B14: rejected; the owner resets the phone.
    Rejected,
    /// B15: device-type mismatch; sticky until a user reset.
    VersionError,
    /// Stopped (after a reset request, an unregister, or an exhausted pass
    /// without [`Config::retry_after`]); [`Station::start`] starts over.
    Stopped,
    /// B2: the network link is down (rows 84/85); no connection, no timer.
    /// [`Station::handle_link_up`] or [`Station::start`] starts a new pass.
    LinkDown,
}

/// What the station tells its driver or owner.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Open a TCP connection to member `cm` at `addr`; report it with `conn`.
    Connect {
        /// Identifier the station chose for this connection.
        conn: ConnId,
        /// Member index.
        cm: usize,
        /// Address of the member.
        addr: SocketAddr,
    },
    /// Close the connection.
    Close {
        /// The connection.
        conn: ConnId,
    },
    /// `RegisterAck` received (B12).
    Registered {
        /// Member index.
        cm: usize,
        /// Keepalive interval in use.
        keepalive: Duration,
        /// Secondary keepalive interval in use.
        secondary_keepalive: Duration,
        /// Negotiated protocol version.
        protocol_version: u8,
    },
    /// `RegisterReject` (B14): the text and the reason it stands for.
    Rejected {
        /// Member index.
        cm: usize,
        /// The reason, when the text is one of `phone-boot.md` §2.5.
        reason: Option<RejectReason>,
        /// The text as received.
        text: Str<32>,
    },
    /// `RegisterReject` "Version Error" (B15, sticky).
    VersionError {
        /// Member index.
        cm: usize,
    },
    /// The CallManager asked for a reset (B1) or restart (B5); every
    /// connection is closed. During a call this comes when the call ends.
    ResetRequested {
        /// Member index.
        cm: usize,
        /// Reset type.
        kind: ResetType,
    },
    /// A `Reset` arrived during a call (rows 63/76): remembered, applied as
    /// [`Event::ResetRequested`] when the call ends.
    ResetDeferred {
        /// Member index the `Reset` came from.
        cm: usize,
        /// Reset type received.
        kind: ResetType,
    },
    /// The active CallManager was lost.
    Lost {
        /// Member index.
        cm: usize,
        /// Why.
        cause: LostCause,
    },
    /// The active member `cm` was lost during a call (B13): the call goes on,
    /// failover waits for its end. The phone shows [`CALL_PRESERVED_TEXT`].
    /// Follows the [`Event::Lost`] for the same member.
    CallPreserved {
        /// The lost member.
        cm: usize,
    },
    /// Registered with `to` after losing `from` (§1.7.7).
    FailedOver {
        /// Lost member.
        from: usize,
        /// New member.
        to: usize,
    },
    /// Registered with the higher-priority `to` after leaving `from` (§1.7.8).
    FellBack {
        /// Member left.
        from: usize,
        /// Member returned to.
        to: usize,
    },
    /// Text the CallManager asked to display (DisplayText, DisplayNotify,
    /// DisplayPromptStatus, DisplayPriNotify).
    Display(Str<32>),
    /// Clean unregistration finished; the station is stopped.
    Unregistered {
        /// Member index.
        cm: usize,
    },
    /// No member answered in this pass (B17).
    PassExhausted,
}

/// Why `handle_input` rejected bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A message did not decode; the connection was closed.
    #[error("undecodable message: {0}")]
    Decode(#[from] DecodeError),
    /// The byte stream cannot be framed; the connection was closed.
    #[error("unframeable stream: {0}")]
    Stream(#[from] StreamError),
    /// The connection is not one of the station's.
    #[error("unknown connection")]
    UnknownConn,
    /// A message that has no meaning in the current state (ignored, counted).
    #[error("unexpected message {message_id:#06x} in state {state}")]
    Unexpected {
        /// The state.
        state: &'static str,
        /// The message id.
        message_id: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Connection being opened for (or carrying) a registration attempt.
    Candidate,
    Active,
    Standby,
    Probe,
    /// Lost by missed keepalives: kept alive, never used while tagged.
    Bad,
    /// Old active during a fallback, waiting for `UnregisterAck`.
    Leaving,
}

#[derive(Debug, Clone)]
struct Link {
    conn: ConnId,
    up: bool,
    role: Role,
    buf: StreamBuf,
    misses: u8,
    ack_pending: bool,
    connect_due: Option<Instant>,
    monitor_due: Option<Instant>,
    token_due: Option<Instant>,
    token_requested: bool,
    /// The token request (fallback) is due but waits for the call to end.
    token_deferred: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    Register,
    KeepAlive { standby: bool },
    CapabilitiesRes,
    ButtonTemplateReq,
    SoftKeyTemplateReq,
    SoftKeySetReq,
    ConfigStatReq,
    LineStatReq(u32),
    RegisterAvailableLines(u32),
    TimeDateReq,
    TokenReq,
    Unregister,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting(usize),
    Registering(usize),
    Registered(usize),
    /// Unregistering from `from`; then register on `to`, or stop when `None`.
    Unregistering {
        from: usize,
        to: Option<usize>,
    },
    /// B13: `k` lost during a call.
    CallPreserved(usize),
    Waiting,
    Rejected,
    VersionError,
    Stopped,
    LinkDown,
}

/// Counters for monitoring and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// Inputs ignored because they mean nothing in the current state.
    pub unexpected_input: u64,
    /// `KeepAlive`s sent (all connections).
    pub keepalives_sent: u64,
    /// `KeepAliveAck`s received.
    pub keepalive_acks: u64,
    /// Registrations acknowledged.
    pub registrations: u64,
    /// Failovers.
    pub failovers: u64,
    /// Fallbacks.
    pub fallbacks: u64,
    /// Connections closed because the peer sent garbage.
    pub peer_garbage: u64,
    /// Network link losses handled ([`Station::handle_link_down`] outside
    /// the states that ignore it).
    pub link_losses: u64,
}

/// The station state machine. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Station {
    config: Config,
    rng: Rng,
    phase: Phase,
    phase_due: Option<Instant>,
    links: Vec<Option<Link>>,
    bad_until: Vec<Option<Instant>>,
    tried: u32,
    next_conn: u32,
    keepalive: Duration,
    secondary: Duration,
    negotiated: u8,
    ka_due: Option<Instant>,
    ka2_due: Option<Instant>,
    fallback_due: Option<Instant>,
    failover_from: Option<usize>,
    fallback_from: Option<usize>,
    out: VecDeque<(ConnId, Out)>,
    events: VecDeque<Event>,
    counters: Counters,
    call_active: bool,
    /// Reset received during a call: (member, type), applied at CallIdle.
    pending_reset: Option<(usize, ResetType)>,
}

impl Station {
    /// A station that starts at once: the first [`Event::Connect`] is ready.
    #[must_use]
    pub fn new(config: Config, now: Instant, seed: u64) -> Self {
        let n = config
            .call_managers
            .len()
            .min(config.max_call_managers)
            .min(32);
        let mut s = Station {
            config,
            rng: Rng::new(seed),
            phase: Phase::Stopped,
            phase_due: None,
            links: (0..n).map(|_| None).collect(),
            bad_until: alloc::vec![None; n],
            tried: 0,
            next_conn: 1,
            keepalive: KEEPALIVE_DEFAULT,
            secondary: SECONDARY_KEEPALIVE_DEFAULT,
            negotiated: 0,
            ka_due: None,
            ka2_due: None,
            fallback_due: None,
            failover_from: None,
            fallback_from: None,
            out: VecDeque::new(),
            events: VecDeque::new(),
            counters: Counters::default(),
            call_active: false,
            pending_reset: None,
        };
        s.start(now);
        s
    }

    /// Starts a new pass over the CallManager list from the first member,
    /// closing every connection first. Clears the version-error state (a user
    /// reset).
    pub fn start(&mut self, now: Instant) {
        self.pending_reset = None;
        self.close_all();
        self.reset_registration_state();
        self.tried = 0;
        self.failover_from = None;
        self.fallback_from = None;
        self.next_attempt(now);
    }

    /// Unregisters cleanly (the user's `**#**`, §1.7.9): `Unregister` on the
    /// active connection, the others closed, then [`Event::Unregistered`]
    /// after `UnregisterAck`, a close, or T_UNREG. Stops at once when not
    /// registered. Drops a pending reset (the user's reset supersedes it).
    pub fn unregister(&mut self, now: Instant) {
        self.pending_reset = None;
        match self.phase {
            Phase::Registered(k) => {
                for i in 0..self.links.len() {
                    if i != k {
                        self.close_link(i);
                    }
                }
                self.reset_registration_state();
                self.send(k, Out::Unregister);
                if let Some(l) = self.link_mut(k) {
                    l.role = Role::Leaving;
                }
                self.phase = Phase::Unregistering { from: k, to: None };
                self.phase_due = Some(now + self.config.unregister_timeout);
            }
            Phase::Unregistering { .. } => {}
            _ => {
                self.close_all();
                self.reset_registration_state();
                self.phase = Phase::Stopped;
                self.phase_due = None;
            }
        }
    }

    /// A call started (`true`) or ended (`false`, E30 CallIdle). Losing the
    /// active member during a call leads to [`State::CallPreserved`]; the end
    /// of the call then applies a pending reset (rows 64/76) or else fails
    /// over (row 75); registered, it asks the probes whose fallback waited
    /// for a token (row 70). Repeated calls are harmless.
    pub fn set_call_active(&mut self, now: Instant, active: bool) {
        self.call_active = active;
        if active {
            return;
        }
        if let Some((cm, kind)) = self.pending_reset.take() {
            self.apply_reset(cm, kind);
            return;
        }
        match self.phase {
            Phase::CallPreserved(k) => self.fail_over(now, k),
            Phase::Registered(_) => {
                for j in 0..self.links.len() {
                    let deferred = self.link_mut(j).is_some_and(|l| {
                        let d = l.token_deferred;
                        l.token_deferred = false;
                        d
                    });
                    if deferred {
                        self.request_token(j);
                    }
                }
            }
            _ => {}
        }
    }

    /// The reset received during the current call, waiting for its end.
    #[must_use]
    pub fn pending_reset(&self) -> Option<ResetType> {
        self.pending_reset.map(|(_, k)| k)
    }

    /// The network link went down (E06). Rows 84/85: every connection is
    /// lost at once — all are closed ([`Event::Close`]), every timer is
    /// cancelled, bad tags are forgotten, and the station waits in
    /// [`State::LinkDown`]. Registered (B12), it reports [`Event::Lost`] with
    /// [`LostCause::LinkDown`] first; with a call preserved (B13) it leaves
    /// B13 too (the media path is gone). Unregistering for a user reset, it
    /// finishes the unregistration ([`Event::Unregistered`], row 79).
    /// Ignored when stopped, rejected (B14) or in version error (B15), and
    /// when the link is already down. A pending reset is kept for the end of
    /// the call.
    pub fn handle_link_down(&mut self, now: Instant) {
        let lost = match self.phase {
            Phase::Stopped | Phase::Rejected | Phase::VersionError | Phase::LinkDown => return,
            Phase::Unregistering { from, to: None } => {
                self.finish_unregister(now, from, None);
                return;
            }
            Phase::Registered(k) => Some(k),
            _ => None,
        };
        self.counters.link_losses += 1;
        self.close_all();
        self.reset_registration_state();
        for b in &mut self.bad_until {
            *b = None;
        }
        self.tried = 0;
        self.failover_from = None;
        self.fallback_from = None;
        if let Some(k) = lost {
            self.events.push_back(Event::Lost {
                cm: k,
                cause: LostCause::LinkDown,
            });
        }
        self.phase = Phase::LinkDown;
        self.phase_due = None;
    }

    /// The network link is up again (E05): in [`State::LinkDown`], starts a
    /// new pass over the CallManager list from the first member (a pending
    /// reset stays pending). Ignored in every other state.
    pub fn handle_link_up(&mut self, now: Instant) {
        if self.phase == Phase::LinkDown {
            self.tried = 0;
            self.next_attempt(now);
        }
    }

    /// Whether the owner reported a call in progress.
    #[must_use]
    pub fn call_active(&self) -> bool {
        self.call_active
    }

    /// The current state.
    #[must_use]
    pub fn state(&self) -> State {
        match self.phase {
            Phase::Connecting(cm) => State::Connecting { cm },
            Phase::Registering(cm) => State::Registering { cm },
            Phase::Registered(cm) => State::Registered { cm },
            Phase::Unregistering { from, .. } => State::Unregistering { cm: from },
            Phase::CallPreserved(cm) => State::CallPreserved { cm },
            Phase::Waiting => State::Waiting,
            Phase::Rejected => State::Rejected,
            Phase::VersionError => State::VersionError,
            Phase::Stopped => State::Stopped,
            Phase::LinkDown => State::LinkDown,
        }
    }

    /// The member the station is registered with.
    #[must_use]
    pub fn active_cm(&self) -> Option<usize> {
        match self.phase {
            Phase::Registered(k) => Some(k),
            _ => None,
        }
    }

    /// The member holding the standby connection (up), if any.
    #[must_use]
    pub fn standby_cm(&self) -> Option<usize> {
        self.links
            .iter()
            .position(|l| l.as_ref().is_some_and(|l| l.up && l.role == Role::Standby))
    }

    /// Keepalive interval in use.
    #[must_use]
    pub fn keepalive_interval(&self) -> Duration {
        self.keepalive
    }

    /// Counters.
    #[must_use]
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Open connections (asked for and not closed), for invariant checks.
    #[must_use]
    pub fn open_connections(&self) -> usize {
        self.links.iter().flatten().count()
    }

    /// Checks internal invariants; `Err` names the first broken one. Used by
    /// property tests and fuzzing.
    ///
    /// # Errors
    /// A description of the broken invariant.
    pub fn check_invariants(&self) -> Result<(), &'static str> {
        let actives = self
            .links
            .iter()
            .flatten()
            .filter(|l| l.role == Role::Active)
            .count();
        match self.phase {
            Phase::Registered(k) => {
                if actives != 1 {
                    return Err("registered without exactly one active connection");
                }
                if !self.link(k).is_some_and(|l| l.role == Role::Active && l.up) {
                    return Err("active connection is not the registered member's");
                }
                if self.ka_due.is_none() {
                    return Err("registered without a keepalive timer");
                }
            }
            _ => {
                if actives != 0 {
                    return Err("active connection while not registered");
                }
            }
        }
        if let Phase::CallPreserved(k) = self.phase {
            if !self.call_active {
                return Err("call preserved without a call");
            }
            if self.ka_due.is_some() {
                return Err("call preserved with a keepalive timer");
            }
            if self.link(k).is_some_and(|l| l.role == Role::Candidate) {
                return Err("call preserved while registering on the lost member");
            }
        }
        if !self.call_active {
            if self.pending_reset.is_some() {
                return Err("reset pending without a call");
            }
            if self.links.iter().flatten().any(|l| l.token_deferred) {
                return Err("fallback deferred without a call");
            }
        }
        if self.phase == Phase::LinkDown
            && (self.links.iter().flatten().next().is_some() || self.poll_timeout().is_some())
        {
            return Err("link down with a connection or a timer");
        }
        if matches!(
            self.phase,
            Phase::Connecting(_)
                | Phase::Registering(_)
                | Phase::Unregistering { .. }
                | Phase::Waiting
        ) && self.phase_due.is_none()
        {
            return Err("transient state without a timer");
        }
        Ok(())
    }

    // ------------------------------------------------------------------
    // Sans-IO verbs

    /// Bytes arrived on `conn`. Garbage closes the connection (and fails
    /// over when it was the active one) and returns the error.
    ///
    /// # Errors
    /// [`InputError::UnknownConn`] for a connection the station does not hold
    /// (nothing changes); [`InputError::Decode`]/[`InputError::Stream`] for
    /// garbage (connection closed); [`InputError::Unexpected`] for a message
    /// with no meaning now (ignored).
    pub fn handle_input(
        &mut self,
        now: Instant,
        conn: ConnId,
        bytes: &[u8],
    ) -> Result<(), InputError> {
        let Some(idx) = self.index_of(conn) else {
            return Err(InputError::UnknownConn);
        };
        let Some(link) = self.link_mut(idx) else {
            return Err(InputError::UnknownConn);
        };
        // Fast path: one whole KeepAliveAck at a message boundary.
        if bytes.len() == 12
            && link.up
            && link.buf.is_empty()
            && bytes.get(..4) == Some(&[4, 0, 0, 0])
            && bytes.get(8..) == Some(&[0, 1, 0, 0])
        {
            link.ack_pending = false;
            link.misses = 0;
            self.counters.keepalive_acks += 1;
            return Ok(());
        }
        if !link.up {
            // Bytes before Connected: treat the connection as up.
            link.up = true;
        }
        let mut buf = core::mem::take(&mut link.buf);
        let max = self.config.max_body;
        let mut result: Result<(), InputError> = Ok(());
        let fed = buf.feed(bytes, max, |frame| {
            match Message::parse(&frame) {
                Ok(msg) => {
                    if let Err(e) = self.on_message(now, idx, &msg) {
                        if result.is_ok() {
                            result = Err(e);
                        }
                    }
                }
                Err(e) => {
                    result = Err(InputError::Decode(e));
                    return false;
                }
            }
            // Stop when the connection went away while handling.
            self.link(idx).is_some_and(|l| l.conn == conn)
        });
        if let Err(e) = fed {
            result = Err(InputError::Stream(e));
        }
        let garbage = matches!(result, Err(InputError::Decode(_) | InputError::Stream(_)));
        if let Some(l) = self.links.get_mut(idx).and_then(Option::as_mut) {
            if l.conn == conn {
                l.buf = buf;
            }
        }
        if garbage && self.link(idx).is_some_and(|l| l.conn == conn) {
            self.counters.peer_garbage += 1;
            self.on_link_down(now, idx, LostCause::PeerGarbage);
        }
        result
    }

    /// A connection event for `conn`. Events for unknown connections are ignored.
    pub fn handle_conn_event(&mut self, now: Instant, conn: ConnId, ev: ConnEvent) {
        let Some(idx) = self.index_of(conn) else {
            return;
        };
        match ev {
            ConnEvent::Connected => self.on_connected(now, idx),
            ConnEvent::Closed | ConnEvent::Refused => {
                self.on_link_down(now, idx, LostCause::ConnectionClosed);
            }
        }
    }

    /// Time reached `now`: fires every timer due. Early or repeated calls are
    /// harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.phase_due.is_some_and(|d| d <= now) {
            self.phase_due = None;
            self.on_phase_timeout(now);
        }
        for i in 0..self.links.len() {
            if self
                .link(i)
                .is_some_and(|l| !l.up && l.connect_due.is_some_and(|d| d <= now))
            {
                // A probe or standby that did not connect in time.
                if !matches!(self.phase, Phase::Connecting(k) if k == i) {
                    self.close_link(i);
                }
            }
        }
        for i in 0..self.bad_until.len() {
            if self
                .bad_until
                .get(i)
                .copied()
                .flatten()
                .is_some_and(|d| d <= now)
            {
                self.clear_bad(now, i);
            }
        }
        if self.ka_due.is_some_and(|d| d <= now) {
            self.on_keepalive_timer(now);
        }
        if self.ka2_due.is_some_and(|d| d <= now) {
            self.on_secondary_timer(now);
        }
        if self.fallback_due.is_some_and(|d| d <= now) {
            self.on_fallback_timer(now);
        }
        for i in 0..self.links.len() {
            let (mon, tok) = match self.link(i) {
                Some(l) => (
                    l.monitor_due.is_some_and(|d| d <= now),
                    l.token_due.is_some_and(|d| d <= now),
                ),
                None => continue,
            };
            if mon || tok {
                if let Some(l) = self.link_mut(i) {
                    if mon {
                        l.monitor_due = None;
                    }
                    if tok {
                        l.token_due = None;
                    }
                }
                self.request_token(i);
            }
        }
    }

    /// Writes the next message into `buf`. Call after: any `handle_*`, until `None`.
    ///
    /// # Errors
    /// [`InsufficientSize`] when `buf` is too small (nothing is consumed);
    /// 1 KiB always suffices.
    pub fn poll_transmit(
        &mut self,
        buf: &mut [u8],
    ) -> Result<Option<Transmit<ConnId>>, InsufficientSize> {
        let Some(&(conn, out)) = self.out.front() else {
            return Ok(None);
        };
        let len = self.encode(out, buf)?;
        self.out.pop_front();
        Ok(Some(Transmit { to: conn, len }))
    }

    /// Next event. Call after: any `handle_*`, until `None`.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`Station::handle_timeout`] next. Call after: draining
    /// `poll_transmit` and `poll_event`.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut t = [self.phase_due, self.ka_due, self.ka2_due, self.fallback_due]
            .into_iter()
            .flatten()
            .min();
        let mut consider = |d: Option<Instant>| {
            if let Some(d) = d {
                t = Some(t.map_or(d, |x| x.min(d)));
            }
        };
        for l in self.links.iter().flatten() {
            if !l.up {
                consider(l.connect_due);
            }
            consider(l.monitor_due);
            consider(l.token_due);
        }
        for b in &self.bad_until {
            consider(*b);
        }
        t
    }

    // ------------------------------------------------------------------
    // Internals

    fn link(&self, i: usize) -> Option<&Link> {
        self.links.get(i).and_then(Option::as_ref)
    }

    fn link_mut(&mut self, i: usize) -> Option<&mut Link> {
        self.links.get_mut(i).and_then(Option::as_mut)
    }

    fn index_of(&self, conn: ConnId) -> Option<usize> {
        self.links
            .iter()
            .position(|l| l.as_ref().is_some_and(|l| l.conn == conn))
    }

    fn is_bad(&self, i: usize) -> bool {
        self.bad_until.get(i).copied().flatten().is_some()
    }

    /// Usable: not tagged bad, unless every member is (then tags are ignored).
    fn usable(&self, i: usize) -> bool {
        i < self.links.len() && (!self.is_bad(i) || (0..self.links.len()).all(|j| self.is_bad(j)))
    }

    fn send(&mut self, i: usize, out: Out) {
        if let Some(l) = self.link(i) {
            let c = l.conn;
            self.out.push_back((c, out));
        }
    }

    fn open_link(&mut self, now: Instant, i: usize, role: Role) {
        self.close_link(i);
        let Some(&addr) = self.config.call_managers.get(i) else {
            return;
        };
        let conn = ConnId(self.next_conn);
        self.next_conn = self.next_conn.wrapping_add(1).max(1);
        if let Some(slot) = self.links.get_mut(i) {
            *slot = Some(Link {
                conn,
                up: false,
                role,
                buf: StreamBuf::default(),
                misses: 0,
                ack_pending: false,
                connect_due: Some(now + self.config.connect_timeout),
                monitor_due: None,
                token_due: None,
                token_requested: false,
                token_deferred: false,
            });
            self.events.push_back(Event::Connect { conn, cm: i, addr });
        }
    }

    fn close_link(&mut self, i: usize) {
        if let Some(l) = self.links.get_mut(i).and_then(Option::take) {
            self.out.retain(|(c, _)| *c != l.conn);
            self.events.push_back(Event::Close { conn: l.conn });
        }
    }

    fn close_all(&mut self) {
        for i in 0..self.links.len() {
            self.close_link(i);
        }
    }

    fn reset_registration_state(&mut self) {
        self.ka_due = None;
        self.ka2_due = None;
        self.fallback_due = None;
        self.negotiated = 0;
    }

    fn jitter(&mut self, d: Duration) -> Duration {
        let q = d / 4;
        d + self.rng.duration_between(Duration::ZERO, q)
    }

    /// Next registration attempt in this pass: the highest-priority usable
    /// member not tried yet; registers at once on a connection already up.
    fn next_attempt(&mut self, now: Instant) {
        let n = self.links.len();
        let next = (0..n).find(|&i| self.usable(i) && self.tried & (1 << i) == 0);
        let Some(k) = next else {
            self.pass_exhausted(now);
            return;
        };
        self.tried |= 1 << k;
        let up = self.link(k).is_some_and(|l| {
            l.up && matches!(l.role, Role::Standby | Role::Probe | Role::Candidate)
        });
        if up {
            self.register_on(now, k);
        } else {
            self.open_link(now, k, Role::Candidate);
            self.phase = Phase::Connecting(k);
            self.phase_due = Some(now + self.config.connect_timeout);
        }
    }

    fn register_on(&mut self, now: Instant, k: usize) {
        if let Some(l) = self.link_mut(k) {
            l.role = Role::Candidate;
            l.monitor_due = None;
            l.token_due = None;
            l.token_requested = false;
            l.token_deferred = false;
            l.misses = 0;
            l.ack_pending = false;
        }
        self.send(k, Out::Register);
        self.phase = Phase::Registering(k);
        self.phase_due = Some(now + self.config.register_timeout);
    }

    fn pass_exhausted(&mut self, now: Instant) {
        self.close_all();
        self.reset_registration_state();
        self.events.push_back(Event::PassExhausted);
        self.stop_or_wait(now);
    }

    fn stop_or_wait(&mut self, now: Instant) {
        match self.config.retry_after {
            Some(d) => {
                let d = self.jitter(d);
                self.phase = Phase::Waiting;
                self.phase_due = Some(now + d);
            }
            None => {
                self.phase = Phase::Stopped;
                self.phase_due = None;
            }
        }
    }

    fn on_phase_timeout(&mut self, now: Instant) {
        match self.phase {
            Phase::Connecting(k) | Phase::Registering(k) => {
                self.close_link(k);
                self.next_attempt(now);
            }
            Phase::Unregistering { from, to } => self.finish_unregister(now, from, to),
            Phase::Waiting | Phase::Rejected => {
                if self.phase == Phase::Rejected && self.config.retry_after.is_none() {
                    return;
                }
                self.start(now);
            }
            _ => {}
        }
    }

    fn on_connected(&mut self, now: Instant, i: usize) {
        let Some(l) = self.link_mut(i) else { return };
        if l.up {
            return;
        }
        l.up = true;
        l.connect_due = None;
        let role = l.role;
        match (self.phase, role) {
            (Phase::Connecting(k), Role::Candidate) if k == i => self.register_on(now, k),
            (_, Role::Probe | Role::Standby) => {
                // First keepalive right away (the registrar closes silent
                // connections), then every T_KA2.
                if role == Role::Probe {
                    let due = now + self.config.connection_monitor;
                    if let Some(l) = self.link_mut(i) {
                        l.monitor_due = Some(due);
                    }
                }
                self.send(i, Out::KeepAlive { standby: true });
                self.counters.keepalives_sent += 1;
                if let Some(l) = self.link_mut(i) {
                    l.ack_pending = true;
                }
                self.ensure_secondary_timer(now);
            }
            _ => {}
        }
    }

    fn ensure_secondary_timer(&mut self, now: Instant) {
        if self.ka2_due.is_none() {
            self.ka2_due = Some(now + self.secondary);
        }
    }

    fn on_link_down(&mut self, now: Instant, i: usize, cause: LostCause) {
        let Some(l) = self.link(i) else { return };
        let role = l.role;
        self.close_link(i);
        match (self.phase, role) {
            (Phase::Registered(k), Role::Active) if k == i => self.lose_active(now, k, cause),
            (Phase::Connecting(k) | Phase::Registering(k), Role::Candidate) if k == i => {
                self.next_attempt(now);
            }
            (Phase::Unregistering { from, to }, _) if from == i => {
                self.finish_unregister(now, from, to);
            }
            (Phase::Unregistering { from, to: Some(t) }, _) if t == i => {
                // The member we were returning to went away: stay away from
                // it and finish leaving the old one, then start a pass.
                self.phase = Phase::Unregistering { from, to: None };
                self.fallback_from = None;
            }
            _ => {}
        }
    }

    fn lose_active(&mut self, now: Instant, k: usize, cause: LostCause) {
        self.events.push_back(Event::Lost { cm: k, cause });
        if self.call_active {
            // Rows 55/60: keep the call, fail over when it ends.
            self.reset_registration_state();
            self.fallback_from = None;
            for j in 0..self.links.len() {
                if let Some(l) = self.link_mut(j) {
                    l.monitor_due = None;
                    l.token_due = None;
                    l.token_requested = false;
                    l.token_deferred = false;
                }
            }
            self.phase = Phase::CallPreserved(k);
            self.phase_due = None;
            // Standby and the bad member stay alive at T_KA2 meanwhile.
            if self.links.iter().flatten().next().is_some() {
                self.ensure_secondary_timer(now);
            }
            self.events.push_back(Event::CallPreserved { cm: k });
            return;
        }
        self.fail_over(now, k);
    }

    /// Failover after losing `k` (§1.7.7): standby/probe first, else a pass.
    fn fail_over(&mut self, now: Instant, k: usize) {
        self.reset_registration_state();
        self.failover_from = Some(k);
        self.fallback_from = None;
        // Target: an up standby/probe, highest priority first; else a pass
        // over the usable members other than the lost one.
        self.tried = 1 << k;
        let n = self.links.len();
        let target = (0..n).find(|&j| {
            j != k
                && self.usable(j)
                && self
                    .link(j)
                    .is_some_and(|l| l.up && matches!(l.role, Role::Standby | Role::Probe))
        });
        match target {
            Some(j) => {
                self.tried |= 1 << j;
                self.register_on(now, j);
            }
            None => self.next_attempt(now),
        }
    }

    fn finish_unregister(&mut self, now: Instant, from: usize, to: Option<usize>) {
        self.close_link(from);
        match to {
            Some(j) if self.link(j).is_some_and(|l| l.up) => {
                self.fallback_from = Some(from);
                self.failover_from = None;
                self.tried = 1 << j;
                self.register_on(now, j);
            }
            Some(_) => {
                self.fallback_from = None;
                self.tried = 0;
                self.next_attempt(now);
            }
            None => {
                self.close_all();
                self.events.push_back(Event::Unregistered { cm: from });
                self.phase = Phase::Stopped;
                self.phase_due = None;
            }
        }
    }

    fn on_keepalive_timer(&mut self, now: Instant) {
        let Phase::Registered(k) = self.phase else {
            self.ka_due = None;
            return;
        };
        let limit = self.config.keepalive_miss_limit.max(1);
        let lost = match self.link_mut(k) {
            Some(l) => {
                if l.ack_pending {
                    l.misses = l.misses.saturating_add(1);
                }
                l.misses >= limit
            }
            None => true,
        };
        if lost {
            // Row 54: tag bad, keep the connection alive at T_KA2, fail over.
            let until = now + self.config.cm_bad_duration;
            if let Some(b) = self.bad_until.get_mut(k) {
                *b = Some(until);
            }
            if let Some(l) = self.link_mut(k) {
                l.role = Role::Bad;
                l.misses = 0;
                l.ack_pending = false;
            }
            self.lose_active(now, k, LostCause::KeepAliveTimeout);
            if self.link(k).is_some() {
                self.ensure_secondary_timer(now);
            }
            return;
        }
        self.send(k, Out::KeepAlive { standby: false });
        self.counters.keepalives_sent += 1;
        if let Some(l) = self.link_mut(k) {
            l.ack_pending = true;
        }
        self.ka_due = Some(now + self.keepalive);
    }

    fn on_secondary_timer(&mut self, now: Instant) {
        let limit = self.config.keepalive_miss_limit.max(1);
        let requires_ack = self.config.standby_requires_ack;
        let mut any = false;
        for i in 0..self.links.len() {
            let Some(l) = self.link_mut(i) else { continue };
            if !l.up || matches!(l.role, Role::Active | Role::Candidate | Role::Leaving) {
                continue;
            }
            if l.ack_pending {
                l.misses = l.misses.saturating_add(1);
            }
            if requires_ack && l.role != Role::Bad && l.misses >= limit {
                self.close_link(i);
                continue;
            }
            l.ack_pending = true;
            self.send(i, Out::KeepAlive { standby: true });
            self.counters.keepalives_sent += 1;
            any = true;
        }
        if let Phase::Registered(k) = self.phase {
            self.ensure_standby(now, k);
            any = true;
        }
        self.ka2_due = if any || self.links.iter().flatten().any(|l| l.role != Role::Active) {
            Some(now + self.secondary)
        } else {
            None
        };
    }

    /// Opens the standby connection to the next usable member after `k`.
    fn ensure_standby(&mut self, now: Instant, k: usize) {
        let n = self.links.len();
        let Some(s) = (k + 1..n).find(|&j| self.usable(j)) else {
            return;
        };
        match self.link(s).map(|l| l.role) {
            None => self.open_link(now, s, Role::Standby),
            Some(Role::Probe) => {
                if let Some(l) = self.link_mut(s) {
                    l.role = Role::Standby;
                }
            }
            Some(_) => {}
        }
    }

    fn fallback_period(&self) -> Duration {
        self.config.fallback_interval.unwrap_or(self.secondary)
    }

    fn on_fallback_timer(&mut self, now: Instant) {
        let Phase::Registered(k) = self.phase else {
            self.fallback_due = None;
            return;
        };
        let mut want = false;
        for j in 0..k {
            if !self.usable(j) || self.is_bad(j) {
                continue;
            }
            want = true;
            if self.link(j).is_none() {
                self.open_link(now, j, Role::Probe);
            }
        }
        self.fallback_due = want.then(|| now + self.fallback_period());
    }

    fn clear_bad(&mut self, now: Instant, i: usize) {
        if let Some(b) = self.bad_until.get_mut(i) {
            *b = None;
        }
        let monitor = self.config.connection_monitor;
        if let Some(l) = self.link_mut(i) {
            if l.role == Role::Bad {
                l.role = Role::Probe;
                l.misses = 0;
                l.monitor_due = Some(now + monitor);
            }
        }
        if let Phase::Registered(k) = self.phase {
            if i < k && self.fallback_due.is_none() {
                self.fallback_due = Some(now + self.fallback_period());
            }
        }
    }

    fn request_token(&mut self, i: usize) {
        let Phase::Registered(k) = self.phase else {
            return;
        };
        if i >= k || self.is_bad(i) {
            return;
        }
        let ok = self
            .link(i)
            .is_some_and(|l| l.up && l.role == Role::Probe && !l.token_requested);
        if !ok {
            return;
        }
        let call = self.call_active;
        if let Some(l) = self.link_mut(i) {
            if call {
                // Row 69: never during a call; asked at CallIdle (row 70).
                l.token_deferred = true;
                return;
            }
            l.token_requested = true;
        }
        self.send(i, Out::TokenReq);
    }

    /// Row 62 (and 64/76 at the end of a call): close everything, report.
    fn apply_reset(&mut self, cm: usize, kind: ResetType) {
        self.pending_reset = None;
        self.close_all();
        self.reset_registration_state();
        self.failover_from = None;
        self.fallback_from = None;
        self.events.push_back(Event::ResetRequested { cm, kind });
        self.phase = Phase::Stopped;
        self.phase_due = None;
    }

    fn unexpected(&mut self, message_id: u32) -> Result<(), InputError> {
        self.counters.unexpected_input += 1;
        Err(InputError::Unexpected {
            state: self.state_name(),
            message_id,
        })
    }

    fn state_name(&self) -> &'static str {
        match self.phase {
            Phase::Connecting(_) => "Connecting",
            Phase::Registering(_) => "Registering",
            Phase::Registered(_) => "Registered",
            Phase::Unregistering { .. } => "Unregistering",
            Phase::CallPreserved(_) => "CallPreserved",
            Phase::Waiting => "Waiting",
            Phase::Rejected => "Rejected",
            Phase::VersionError => "VersionError",
            Phase::Stopped => "Stopped",
            Phase::LinkDown => "LinkDown",
        }
    }

    fn on_message(&mut self, now: Instant, i: usize, msg: &Message<'_>) -> Result<(), InputError> {
        let role = match self.link(i) {
            Some(l) => l.role,
            None => return Err(InputError::UnknownConn),
        };
        match msg {
            Message::KeepAliveAck(_) => {
                self.counters.keepalive_acks += 1;
                if let Some(l) = self.link_mut(i) {
                    l.ack_pending = false;
                    l.misses = 0;
                }
                Ok(())
            }
            Message::RegisterAck(ack) => {
                if self.phase != Phase::Registering(i) || role != Role::Candidate {
                    return self.unexpected(msg.id());
                }
                let ka = match ack.keepalive_interval.get() {
                    0 => KEEPALIVE_DEFAULT,
                    s => Duration::from_secs(u64::from(s)).max(KEEPALIVE_MIN),
                };
                let ka2 = match ack.secondary_keepalive_interval.get() {
                    0 => SECONDARY_KEEPALIVE_DEFAULT,
                    s => Duration::from_secs(u64::from(s)).max(KEEPALIVE_MIN),
                };
                self.keepalive = ka;
                self.secondary = ka2;
                self.negotiated = ack.max_protocol_version.min(self.config.protocol_version);
                self.phase = Phase::Registered(i);
                self.phase_due = None;
                self.tried = 0;
                if let Some(l) = self.link_mut(i) {
                    l.role = Role::Active;
                    l.misses = 0;
                    l.ack_pending = false;
                }
                self.ka_due = Some(now + ka);
                self.counters.registrations += 1;
                self.events.push_back(Event::Registered {
                    cm: i,
                    keepalive: ka,
                    secondary_keepalive: ka2,
                    protocol_version: self.negotiated,
                });
                if let Some(from) = self.failover_from.take() {
                    if from != i {
                        self.counters.failovers += 1;
                        self.events.push_back(Event::FailedOver { from, to: i });
                    }
                }
                if let Some(from) = self.fallback_from.take() {
                    self.counters.fallbacks += 1;
                    self.events.push_back(Event::FellBack { from, to: i });
                }
                for out in [
                    Out::ButtonTemplateReq,
                    Out::SoftKeyTemplateReq,
                    Out::SoftKeySetReq,
                    Out::ConfigStatReq,
                ] {
                    self.send(i, out);
                }
                for line in 1..=self.config.lines.min(64) {
                    self.send(i, Out::LineStatReq(line));
                }
                self.send(i, Out::RegisterAvailableLines(self.config.lines));
                self.send(i, Out::TimeDateReq);
                // Links to other members: lower ones become probes, the next
                // one the standby.
                for j in 0..self.links.len() {
                    if j == i {
                        continue;
                    }
                    if let Some(l) = self.link_mut(j) {
                        if matches!(l.role, Role::Candidate | Role::Standby) {
                            l.role = if j < i { Role::Probe } else { Role::Standby };
                        }
                    }
                }
                self.ensure_standby(now, i);
                self.ka2_due = Some(now + self.secondary);
                if (0..i).any(|j| self.usable(j) && !self.is_bad(j)) {
                    let p = self.fallback_period();
                    let first = self.rng.duration_between(p / 2, p);
                    self.fallback_due = Some(now + first);
                    let monitor = self.config.connection_monitor;
                    for j in 0..i {
                        if let Some(l) = self.link_mut(j) {
                            if l.up && l.role == Role::Probe && l.monitor_due.is_none() {
                                l.monitor_due = Some(now + monitor);
                            }
                        }
                    }
                }
                Ok(())
            }
            Message::RegisterReject(rej) => {
                if self.phase != Phase::Registering(i) {
                    return self.unexpected(msg.id());
                }
                let text = rej.text;
                let reason = RejectReason::from_text(text.bytes());
                self.close_all();
                self.reset_registration_state();
                if reason == Some(RejectReason::DeviceTypeMismatch) {
                    // Sticky until a user reset: nothing else is pending.
                    self.pending_reset = None;
                    self.events.push_back(Event::VersionError { cm: i });
                    self.phase = Phase::VersionError;
                    self.phase_due = None;
                } else {
                    self.events.push_back(Event::Rejected {
                        cm: i,
                        reason,
                        text,
                    });
                    self.phase = Phase::Rejected;
                    self.phase_due = self.config.retry_after.map(|d| now + d);
                }
                Ok(())
            }
            Message::CapabilitiesReq(_) => {
                if role != Role::Active {
                    return self.unexpected(msg.id());
                }
                self.send(i, Out::CapabilitiesRes);
                Ok(())
            }
            Message::Reset(r) => {
                // Row 76: in B13 any surviving connection may carry it.
                let preserved = matches!(self.phase, Phase::CallPreserved(_));
                if !preserved && !matches!(role, Role::Active | Role::Candidate | Role::Leaving) {
                    return self.unexpected(msg.id());
                }
                let kind = r.kind();
                if self.call_active {
                    // Rows 63/76: remember; a full reset is never weakened.
                    let keep = matches!(self.pending_reset, Some((_, ResetType::Reset)))
                        && kind != ResetType::Reset;
                    if !keep {
                        self.pending_reset = Some((i, kind));
                    }
                    self.events.push_back(Event::ResetDeferred { cm: i, kind });
                    return Ok(());
                }
                self.apply_reset(i, kind);
                Ok(())
            }
            Message::RegisterTokenAck(_) => {
                let Phase::Registered(k) = self.phase else {
                    return self.unexpected(msg.id());
                };
                if i >= k || role != Role::Probe {
                    return self.unexpected(msg.id());
                }
                if self.call_active {
                    // Row 71 needs "no call": ask again when the call ends.
                    if let Some(l) = self.link_mut(i) {
                        l.token_requested = false;
                        l.token_deferred = true;
                    }
                    return Ok(());
                }
                // Row 71: unregister from the current member first.
                for j in 0..self.links.len() {
                    if j != k && j != i {
                        if let Some(l) = self.link(j) {
                            if l.role == Role::Probe {
                                self.close_link(j);
                            }
                        }
                    }
                }
                self.reset_registration_state();
                self.send(k, Out::Unregister);
                if let Some(l) = self.link_mut(k) {
                    l.role = Role::Leaving;
                }
                if let Some(l) = self.link_mut(i) {
                    l.role = Role::Candidate;
                    l.token_requested = false;
                }
                self.phase = Phase::Unregistering {
                    from: k,
                    to: Some(i),
                };
                self.phase_due = Some(now + self.config.unregister_timeout);
                Ok(())
            }
            Message::RegisterTokenReject(w) => {
                if role != Role::Probe {
                    return self.unexpected(msg.id());
                }
                let wait = Duration::from_secs(u64::from(w.get()).max(1));
                if let Some(l) = self.link_mut(i) {
                    l.token_requested = false;
                    l.token_due = Some(now + wait);
                }
                Ok(())
            }
            Message::UnregisterAck(_) => match self.phase {
                Phase::Unregistering { from, to } if from == i => {
                    self.finish_unregister(now, from, to);
                    Ok(())
                }
                _ => self.unexpected(msg.id()),
            },
            Message::DisplayText(t) => {
                self.events.push_back(Event::Display(t.text));
                Ok(())
            }
            Message::DisplayNotify(t) => {
                self.events.push_back(Event::Display(t.text));
                Ok(())
            }
            Message::DisplayPromptStatus(t) => {
                self.events.push_back(Event::Display(t.text));
                Ok(())
            }
            Message::DisplayPriNotify(t) => {
                self.events.push_back(Event::Display(t.text));
                Ok(())
            }
            // Dialogue answers and call-plane messages: accepted on the
            // active connection, nothing to do at this layer.
            _ if role == Role::Active => Ok(()),
            _ => self.unexpected(msg.id()),
        }
    }

    fn encode(&self, out: Out, buf: &mut [u8]) -> Result<usize, InsufficientSize> {
        let v = self.negotiated;
        let hv = |mid: u32, standby: bool| header_version_for(mid, v, standby);
        match out {
            Out::Register => {
                let mut reg = RegisterFull::default();
                let name = self.config.device_name();
                reg.base.station = StationId {
                    device_name: Str::new_terminated(&name).unwrap_or_default(),
                    user_id: U32::new(0),
                    instance: U32::new(1),
                };
                reg.base.station_ip = Ipv4::new(self.config.station_ip);
                reg.base.device_type = U32::new(self.config.device_type.into());
                reg.base.max_streams = U32::new(self.config.max_streams);
                reg.v44.protocol_version = self.config.protocol_version;
                let mut mac = [0u8; 12];
                if let Some(hex) = name.get(3..) {
                    mac.copy_from_slice(hex);
                }
                reg.v68.mac_address = mac;
                reg.v124.max_lines = U32::new(self.config.lines);
                let form = match self.config.protocol_version {
                    0..=10 => RegisterForm::B44,
                    11..=16 => RegisterForm::B68,
                    _ => RegisterForm::B124,
                };
                Message::Register(reg.view(form)).emit_with_version(0, buf)
            }
            Out::KeepAlive { standby } => {
                Message::KeepAlive(Fixed::EMPTY).emit_with_version(hv(id::KEEP_ALIVE, standby), buf)
            }
            Out::CapabilitiesRes => {
                let caps = [
                    Capability::new(4, 40),
                    Capability::new(2, 40),
                    Capability::new(11, 60),
                ];
                let count = Word::new(3);
                Message::CapabilitiesRes(CapabilitiesRes::new(&count, &caps))
                    .emit_with_version(hv(id::CAPABILITIES_RES, false), buf)
            }
            Out::ButtonTemplateReq => Message::ButtonTemplateReq(Fixed::EMPTY)
                .emit_with_version(hv(id::BUTTON_TEMPLATE_REQ, false), buf),
            Out::SoftKeyTemplateReq => Message::SoftKeyTemplateReq(Fixed::EMPTY)
                .emit_with_version(hv(id::SOFT_KEY_TEMPLATE_REQ, false), buf),
            Out::SoftKeySetReq => Message::SoftKeySetReq(Fixed::EMPTY)
                .emit_with_version(hv(id::SOFT_KEY_SET_REQ, false), buf),
            Out::ConfigStatReq => Message::ConfigStatReq(Fixed::EMPTY)
                .emit_with_version(hv(id::CONFIG_STAT_REQ, false), buf),
            Out::LineStatReq(n) => {
                let w = Word::new(n);
                Message::LineStatReq(Fixed::new(&w))
                    .emit_with_version(hv(id::LINE_STAT_REQ, false), buf)
            }
            Out::RegisterAvailableLines(n) => {
                let w = Word::new(n);
                Message::RegisterAvailableLines(Fixed::new(&w))
                    .emit_with_version(hv(id::REGISTER_AVAILABLE_LINES, false), buf)
            }
            Out::TimeDateReq => Message::TimeDateReq(Fixed::EMPTY)
                .emit_with_version(hv(id::TIME_DATE_REQ, false), buf),
            Out::TokenReq => {
                let name = self.config.device_name();
                let base = RegisterTokenReqBase {
                    station: StationId {
                        device_name: Str::new_terminated(&name).unwrap_or_default(),
                        user_id: U32::new(0),
                        instance: U32::new(1),
                    },
                    station_ip: Ipv4::new(self.config.station_ip),
                    device_type: U32::new(self.config.device_type.into()),
                };
                let ip = Ipv4::new(self.config.station_ip);
                Message::RegisterTokenReq(RegisterTokenReq {
                    base: &base,
                    address: TokenAddress::V4(&ip),
                    trailing: &[],
                })
                .emit_with_version(hv(id::REGISTER_TOKEN_REQ, true), buf)
            }
            Out::Unregister => {
                Message::Unregister(Fixed::EMPTY).emit_with_version(hv(id::UNREGISTER, false), buf)
            }
        }
    }
}
