//! The CallManager side of SCCP registration (`phone-boot.md` §2).
//!
//! One [`Registrar`] serves many TCP connections at once, each named by a
//! [`ConnId`] its driver chooses. It decides every `Register` against a
//! [`DeviceStore`] (§2.5), auto-registers unknown devices when enabled (§2.6),
//! handles duplicate registrations (§2.7), answers keepalives on registered
//! and standby connections and unregisters stations that go silent (§2.8),
//! answers token requests for fallback (§2.9), answers the registration
//! dialogue (`sccp.md` §4.1), and keeps per-device and total counters (§2.11).
//!
//! Keepalive deadlines live in a hashed timer wheel (slots of
//! [`Config::tick`]): a keepalive only moves the connection's deadline (O(1));
//! the wheel re-files an entry lazily when its slot comes round, so the cost
//! per keepalive does not depend on the number of stations.
//!
//! Sans-IO like every machine of the crate: no sockets, no clock.
//!
//! ## Device store and auto-registration (§2.2, §2.3 R2, §2.6)
//!
//! Look-ups go to a [`DeviceStore`] (an in-memory [`MemoryStore`] by
//! default). How a device created by auto-registration is written depends on
//! [`Config::store_mode`]:
//!
//! * [`StoreMode::Synchronous`] (default): the registrar picks the next free
//!   number with [`DeviceStore::dn_in_use`], writes the record with
//!   [`DeviceStore::create`] and answers at once; state R2 is passed through.
//! * [`StoreMode::Asynchronous`]: the connection waits in R2 (AutoRegPending)
//!   and the registrar emits the store request [`Event::CreateDevice`]
//!   ("create device, next free DN", row 3); the owner writes the device to
//!   its database and answers later with [`Registrar::handle_store_result`]
//!   (row 10: accepted as a known device, the record cached with
//!   [`DeviceStore::create`]; row 11: rejected). Without an answer within
//!   [`Config::auto_registration_timeout`] (RT_AUTOREG, 10 s) the station is
//!   rejected with [`AUTO_REG_DB_TIMEOUT`] ("Database Timeout"). A slow
//!   database never blocks the other stations.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::string::String;
use std::vec::Vec;

use core::fmt;
use core::time::Duration;

use dialtone_core::{ConnId, Instant, InsufficientSize, Transmit};
use zerocopy::little_endian::{U16, U32};

use crate::enums::{DeviceType, RejectReason, ResetType};
use crate::error::DecodeError;
use crate::stream::{StreamBuf, StreamError};
use crate::version::{header_version_for, negotiate_version};
use crate::wire::message::{id, Message};
use crate::wire::types::{
    ButtonDefinition, ButtonTemplate, ButtonTemplateHeader, ConfigStat, DefineTimeDate, Fixed,
    LineStat, RegisterAck, RegisterReject, Reset, SoftKeyDefinition, SoftKeySet, SoftKeySetRes,
    SoftKeyTemplateRes, Word,
};
use crate::wire::{StationId, Str};

/// `station_keepalive_interval` default (§2.1).
pub const KEEPALIVE_DEFAULT: Duration = Duration::from_secs(30);
/// Smallest keepalive interval accepted (§2.1).
pub const KEEPALIVE_MIN: Duration = Duration::from_secs(10);
/// Largest keepalive interval accepted (§2.1, the seeds' maximum).
pub const KEEPALIVE_MAX: Duration = Duration::from_secs(1000);
/// `station_2nd_keepalive_interval` default (§2.1).
pub const SECONDARY_KEEPALIVE_DEFAULT: Duration = Duration::from_secs(60);

/// A device name `SEP` + 12 hex digits, stored as the 48-bit MAC.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceName(u64);

impl DeviceName {
    /// Parses `SEP` + exactly 12 hex digits (either case; §2.2 normalises to
    /// upper case). `None` for anything else.
    #[must_use]
    pub fn parse(name: &[u8]) -> Option<DeviceName> {
        let hex = name.strip_prefix(b"SEP")?;
        if hex.len() != 12 {
            return None;
        }
        let mut v = 0u64;
        for &c in hex {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return None,
            };
            v = (v << 4) | u64::from(d);
        }
        Some(DeviceName(v))
    }

    /// The name of a MAC address.
    #[must_use]
    pub fn from_mac(mac: [u8; 6]) -> DeviceName {
        let mut b = [0u8; 8];
        b[2..].copy_from_slice(&mac);
        DeviceName(u64::from_be_bytes(b))
    }

    /// The MAC address.
    #[must_use]
    pub fn mac(&self) -> [u8; 6] {
        let b = self.0.to_be_bytes();
        [b[2], b[3], b[4], b[5], b[6], b[7]]
    }

    /// The name as 15 ASCII bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 15] {
        crate::station::device_name(self.mac())
    }
}

impl fmt::Display for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SEP{:012X}", self.0)
    }
}

impl fmt::Debug for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// One device of the store (§2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceRecord {
    /// Expected device type (model).
    pub device_type: DeviceType,
    /// Directory numbers, line 1 first.
    pub directory_numbers: Vec<String>,
    /// Keepalive interval to grant this device (`None`: the registrar's).
    pub keepalive: Option<Duration>,
    /// Disabled devices are rejected (deviceNotActive).
    pub enabled: bool,
    /// Free text.
    pub description: String,
}

impl DeviceRecord {
    /// An enabled record with the given model and numbers.
    #[must_use]
    pub fn new(device_type: DeviceType, directory_numbers: Vec<String>) -> Self {
        DeviceRecord {
            device_type,
            directory_numbers,
            keepalive: None,
            enabled: true,
            description: String::new(),
        }
    }
}

/// The store could not create a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the device store refused the new device")]
pub struct StoreError;

/// Where devices live (§2.2). Looked up by name; written by
/// auto-registration and by the administrator commands of [`Registrar`]
/// ([`Registrar::delete_device`], [`Registrar::update_device`]).
pub trait DeviceStore {
    /// The record of `name`.
    fn lookup(&self, name: DeviceName) -> Option<&DeviceRecord>;
    /// Adds a device (auto-registration).
    ///
    /// # Errors
    /// [`StoreError`] when the store refuses.
    fn create(&mut self, name: DeviceName, record: DeviceRecord) -> Result<(), StoreError>;
    /// Whether a directory number is assigned to any device.
    fn dn_in_use(&self, dn: &str) -> bool;
    /// Removes a device (administrator); `Ok(false)` when it was not there.
    /// The default refuses (a read-only store).
    ///
    /// # Errors
    /// [`StoreError`] when the store refuses.
    fn remove(&mut self, name: DeviceName) -> Result<bool, StoreError> {
        let _ = name;
        Err(StoreError)
    }
    /// Replaces (or adds) a device's record (administrator). The default
    /// is [`DeviceStore::create`].
    ///
    /// # Errors
    /// [`StoreError`] when the store refuses.
    fn update(&mut self, name: DeviceName, record: DeviceRecord) -> Result<(), StoreError> {
        self.create(name, record)
    }
}

/// The default in-memory [`DeviceStore`].
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    devices: HashMap<DeviceName, DeviceRecord>,
    /// Directory number → how many records use it (shared lines count once
    /// per device).
    dns: HashMap<String, u32>,
}

impl MemoryStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a device.
    pub fn insert(&mut self, name: DeviceName, record: DeviceRecord) {
        for dn in &record.directory_numbers {
            *self.dns.entry(dn.clone()).or_default() += 1;
        }
        if let Some(old) = self.devices.insert(name, record) {
            self.release_dns(&old);
        }
    }

    /// Removes a device; its numbers become free unless another device
    /// uses them.
    pub fn remove(&mut self, name: DeviceName) -> Option<DeviceRecord> {
        let old = self.devices.remove(&name)?;
        self.release_dns(&old);
        Some(old)
    }

    fn release_dns(&mut self, record: &DeviceRecord) {
        for dn in &record.directory_numbers {
            if let Some(n) = self.dns.get_mut(dn) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.dns.remove(dn);
                }
            }
        }
    }

    /// Number of devices.
    #[must_use]
    pub fn len(&self) -> usize {
        self.devices.len()
    }

    /// Whether the store is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }

    /// Parses the `--devices` file format: one device per line (see
    /// [`parse_device_line`]); blank lines and `#` comments are skipped.
    ///
    /// # Errors
    /// The 1-based number of the first line that does not parse.
    pub fn parse_list(text: &str) -> Result<Self, usize> {
        let mut s = MemoryStore::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (name, rec) = parse_device_line(line).ok_or(n + 1)?;
            s.insert(name, rec);
        }
        Ok(s)
    }
}

/// Parses one device line,
/// `SEP<12 hex> <model> [DN[,DN...]] [keepalive=SECS] [disabled]`
/// (e.g. `SEP001E7AC4D231 7960 2001,2002`). `None` when it does not parse.
#[must_use]
pub fn parse_device_line(line: &str) -> Option<(DeviceName, DeviceRecord)> {
    let mut words = line.split_whitespace();
    let name = words.next().and_then(|w| DeviceName::parse(w.as_bytes()))?;
    let model = words.next().and_then(DeviceType::from_model)?;
    let mut rec = DeviceRecord::new(model, Vec::new());
    for w in words {
        if let Some(v) = w.strip_prefix("keepalive=") {
            let secs: u64 = v.parse().ok()?;
            rec.keepalive = Some(Duration::from_secs(secs));
        } else if w == "disabled" {
            rec.enabled = false;
        } else {
            rec.directory_numbers
                .extend(w.split(',').filter(|d| !d.is_empty()).map(String::from));
        }
    }
    Some((name, rec))
}

impl DeviceStore for MemoryStore {
    fn lookup(&self, name: DeviceName) -> Option<&DeviceRecord> {
        self.devices.get(&name)
    }
    fn create(&mut self, name: DeviceName, record: DeviceRecord) -> Result<(), StoreError> {
        self.insert(name, record);
        Ok(())
    }
    fn dn_in_use(&self, dn: &str) -> bool {
        self.dns.contains_key(dn)
    }
    fn remove(&mut self, name: DeviceName) -> Result<bool, StoreError> {
        Ok(MemoryStore::remove(self, name).is_some())
    }
}

/// Reject reason autoRegisterDBError (29): every number of the
/// auto-registration range is in use (§2.6); text "No Auto-Reg DN Available".
pub const AUTO_REG_NO_DN: RejectReason = RejectReason::Unknown(29);
/// Reject reason autoRegisterDBConfigTimeout (31): the store did not create
/// the device (failure, or no answer within RT_AUTOREG, §2.6); text
/// "Database Timeout".
pub const AUTO_REG_DB_TIMEOUT: RejectReason = RejectReason::Unknown(31);
/// RT_AUTOREG default (§2.12).
pub const AUTO_REG_TIMEOUT_DEFAULT: Duration = Duration::from_secs(10);

/// How auto-registration writes new devices (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreMode {
    /// [`DeviceStore::create`] at once; no R2 wait.
    #[default]
    Synchronous,
    /// [`Event::CreateDevice`], then R2 until
    /// [`Registrar::handle_store_result`] or RT_AUTOREG.
    Asynchronous,
}

/// The owner's answer to [`Event::CreateDevice`] (§2.4 rows 10/11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreResult {
    /// The device exists now with directory number `dn` on line 1.
    Created {
        /// Directory number given.
        dn: u32,
    },
    /// Every number of the range is in use ([`AUTO_REG_NO_DN`]).
    NoFreeDn,
    /// The store failed ([`AUTO_REG_DB_TIMEOUT`]).
    Failed,
}

/// What to do with a second registration of a registered device (§2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DuplicatePolicy {
    /// Accept the new connection, unregister and close the old one.
    #[default]
    NewestWins,
    /// Keep the old registration, reject the new one.
    RejectNew,
}

/// What unknown devices get when auto-registration does not apply (§2.5 row 3b).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownDeviceResponse {
    /// `RegisterReject("Device Unknown")`.
    #[default]
    Reject,
    /// Close the connection without a message.
    Close,
}

/// A parameter outside its range (§2.1); the old value stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("value out of range")]
pub struct OutOfRange;

/// Registrar parameters (`phone-boot.md` §2.1, §2.12).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// `station_keepalive_interval` (10–1000 s).
    pub keepalive: Duration,
    /// `station_2nd_keepalive_interval` (10–1000 s).
    pub secondary_keepalive: Duration,
    /// `keepalive_miss_limit` (1–10).
    pub keepalive_miss_limit: u8,
    /// Auto-registration DN range `first..=last`; `None` (default) = off.
    pub auto_registration: Option<(u32, u32)>,
    /// §2.7.
    pub duplicate_policy: DuplicatePolicy,
    /// §2.5 row 3b.
    pub unknown_device_response: UnknownDeviceResponse,
    /// Accepted protocol versions (a `Register` without one counts as 0).
    pub protocol_versions: (u8, u8),
    /// Highest protocol version this registrar speaks (negotiation, §2.4).
    pub max_protocol_version: u8,
    /// `max_devices`; `None` = unlimited.
    pub max_devices: Option<usize>,
    /// Answer `RegisterTokenReq` with an ack (this node is the device's
    /// preferred member); otherwise reject with `token_backoff`.
    pub grant_tokens: bool,
    /// `token_backoff`.
    pub token_backoff: Duration,
    /// `token_busy_wait`.
    pub token_busy_wait: Duration,
    /// How auto-registered devices are written (§2.2; module docs).
    pub store_mode: StoreMode,
    /// RT_AUTOREG: wait for [`Registrar::handle_store_result`].
    pub auto_registration_timeout: Duration,
    /// RT_FIRST.
    pub first_message_timeout: Duration,
    /// RT_RESET.
    pub reset_timeout: Duration,
    /// RT_CLOSE.
    pub close_timeout: Duration,
    /// Timer-wheel slot width (granularity of every registrar timer).
    pub tick: Duration,
    /// Largest message body accepted.
    pub max_body: usize,
    /// Date template sent in `RegisterAck`.
    pub date_template: &'static str,
    /// Unix time (seconds) at `Instant::ZERO`, for `DefineTimeDate`.
    pub unix_time_at_zero: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            keepalive: KEEPALIVE_DEFAULT,
            secondary_keepalive: SECONDARY_KEEPALIVE_DEFAULT,
            keepalive_miss_limit: 3,
            auto_registration: None,
            duplicate_policy: DuplicatePolicy::NewestWins,
            unknown_device_response: UnknownDeviceResponse::Reject,
            protocol_versions: (0, 22),
            max_protocol_version: 20,
            max_devices: None,
            grant_tokens: true,
            token_backoff: Duration::from_secs(60),
            token_busy_wait: Duration::from_secs(10),
            store_mode: StoreMode::Synchronous,
            auto_registration_timeout: AUTO_REG_TIMEOUT_DEFAULT,
            first_message_timeout: Duration::from_secs(30),
            reset_timeout: Duration::from_secs(30),
            close_timeout: Duration::from_secs(10),
            tick: Duration::from_secs(1),
            max_body: 4096,
            date_template: "M/D/YA",
            unix_time_at_zero: 0,
        }
    }
}

/// One registrar parameter of §2.1, for [`Registrar::set_parameter`]
/// (the administrator's `SetParameter`). Values outside the ranges of §2.1
/// are refused and the old value stays; a change applies to registrations
/// made after it (§2.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Parameter {
    /// `station_keepalive_interval`, 10–1000 s.
    Keepalive(Duration),
    /// `station_2nd_keepalive_interval`, 10–1000 s.
    SecondaryKeepalive(Duration),
    /// `keepalive_miss_limit`, 1–10.
    KeepaliveMissLimit(u8),
    /// Auto-registration range `first..=last` (first ≤ last), `None` = off.
    AutoRegistration(Option<(u32, u32)>),
    /// `max_devices`, ≥ 1; `None` = unlimited.
    MaxDevices(Option<usize>),
    /// `duplicate_policy`.
    DuplicatePolicy(DuplicatePolicy),
    /// `unknown_device_response`.
    UnknownDeviceResponse(UnknownDeviceResponse),
    /// `protocol_versions` (min, max), min ≤ max.
    ProtocolVersions(u8, u8),
    /// `token_backoff`, ≥ 30 s.
    TokenBackoff(Duration),
    /// `token_busy_wait`, ≥ 1 s.
    TokenBusyWait(Duration),
    /// Whether token requests are granted (this node is preferred).
    GrantTokens(bool),
}

impl Config {
    /// Sets one parameter (§2.1 ranges).
    ///
    /// # Errors
    /// [`OutOfRange`] outside its range; nothing changes then.
    pub fn set(&mut self, p: Parameter) -> Result<(), OutOfRange> {
        let ok = |c: bool| if c { Ok(()) } else { Err(OutOfRange) };
        match p {
            Parameter::Keepalive(d) => return self.set_keepalive(d),
            Parameter::SecondaryKeepalive(d) => return self.set_secondary_keepalive(d),
            Parameter::KeepaliveMissLimit(n) => {
                ok((1..=10).contains(&n))?;
                self.keepalive_miss_limit = n;
            }
            Parameter::AutoRegistration(r) => {
                ok(r.is_none_or(|(f, l)| f <= l))?;
                self.auto_registration = r;
            }
            Parameter::MaxDevices(m) => {
                ok(m != Some(0))?;
                self.max_devices = m;
            }
            Parameter::DuplicatePolicy(d) => self.duplicate_policy = d,
            Parameter::UnknownDeviceResponse(u) => self.unknown_device_response = u,
            Parameter::ProtocolVersions(lo, hi) => {
                ok(lo <= hi)?;
                self.protocol_versions = (lo, hi);
            }
            Parameter::TokenBackoff(d) => {
                ok(d >= Duration::from_secs(30))?;
                self.token_backoff = d;
            }
            Parameter::TokenBusyWait(d) => {
                ok(d >= Duration::from_secs(1))?;
                self.token_busy_wait = d;
            }
            Parameter::GrantTokens(g) => self.grant_tokens = g,
        }
        Ok(())
    }

    /// Sets `station_keepalive_interval`.
    ///
    /// # Errors
    /// [`OutOfRange`] outside 10–1000 s (AS-26); nothing changes then.
    pub fn set_keepalive(&mut self, d: Duration) -> Result<(), OutOfRange> {
        if !(KEEPALIVE_MIN..=KEEPALIVE_MAX).contains(&d) {
            return Err(OutOfRange);
        }
        self.keepalive = d;
        Ok(())
    }

    /// Sets `station_2nd_keepalive_interval`.
    ///
    /// # Errors
    /// [`OutOfRange`] outside 10–1000 s.
    pub fn set_secondary_keepalive(&mut self, d: Duration) -> Result<(), OutOfRange> {
        if !(KEEPALIVE_MIN..=KEEPALIVE_MAX).contains(&d) {
            return Err(OutOfRange);
        }
        self.secondary_keepalive = d;
        Ok(())
    }
}

/// Why a registration ended (`CcmDevUnregCauseCode` numbering where one exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnregisterCause {
    /// The station sent `Unregister`.
    DeviceUnregistered,
    /// Keepalives stopped (13).
    KeepAliveTimeout,
    /// The connection closed or carried garbage.
    ConnectivityError,
    /// A newer registration of the device from the same address (16).
    DuplicateRegistration,
    /// A newer registration from another address (23).
    SourceIpAddrChanged,
    /// The device did not leave after `Reset` (deviceNoResponse).
    DeviceNoResponse,
    /// The administrator deleted the device (§2.4 row 21).
    DeviceDeleted,
    /// The connection closed after a `Reset` (callManagerReset/Restart).
    CallManagerReset,
}

/// What the registrar reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A device registered on `conn`.
    Registered {
        /// Connection.
        conn: ConnId,
        /// Device.
        device: DeviceName,
        /// Reported type.
        device_type: DeviceType,
        /// The connection was the device's standby here (a failover in).
        failover_in: bool,
    },
    /// A `Register` (or token request) was refused.
    Rejected {
        /// Connection.
        conn: ConnId,
        /// Device, when the name parsed.
        device: Option<DeviceName>,
        /// Reason (§2.5).
        reason: RejectReason,
    },
    /// Store request (§2.4 row 3, [`StoreMode::Asynchronous`]): create
    /// `device` with the reported model and the next free number of
    /// `first_dn..=last_dn` on line 1, then answer with
    /// [`Registrar::handle_store_result`]`(conn, device, …)` within
    /// RT_AUTOREG.
    CreateDevice {
        /// Connection waiting in R2.
        conn: ConnId,
        /// Device to create.
        device: DeviceName,
        /// Model it reported.
        device_type: DeviceType,
        /// First number of the auto-registration range.
        first_dn: u32,
        /// Last number of the range.
        last_dn: u32,
    },
    /// Auto-registration created a device (§2.6).
    AutoRegistered {
        /// Device.
        device: DeviceName,
        /// Directory number given.
        dn: u32,
    },
    /// A registration ended.
    Unregistered {
        /// Connection.
        conn: ConnId,
        /// Device.
        device: DeviceName,
        /// Why.
        cause: UnregisterCause,
    },
    /// A token request was answered.
    TokenAnswered {
        /// Connection.
        conn: ConnId,
        /// Device.
        device: DeviceName,
        /// Ack (`true`) or reject.
        granted: bool,
    },
    /// Close the connection (after sending what is queued for it).
    Close {
        /// Connection.
        conn: ConnId,
    },
}

/// Why `handle_input` rejected bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A message did not decode; the connection was closed.
    #[error("undecodable message: {0}")]
    Decode(#[from] DecodeError),
    /// The stream cannot be framed; the connection was closed.
    #[error("unframeable stream: {0}")]
    Stream(#[from] StreamError),
    /// A message with no meaning in the connection's state (ignored).
    #[error("unexpected message {message_id:#06x} in state {state}")]
    Unexpected {
        /// Connection state.
        state: &'static str,
        /// Message id.
        message_id: u32,
    },
    /// A store answer for a connection that no longer waits for it (closed,
    /// timed out, or never asked); nothing changed.
    #[error("store answer for no pending request")]
    StaleTransaction,
}

/// A connection event reported by the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnEvent {
    /// A station connected.
    Connected,
    /// The connection closed.
    Closed,
}

/// Per-device counters (§2.11).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceCounters {
    /// `Register`s received.
    pub attempts: u32,
    /// Registrations accepted.
    pub registrations: u32,
    /// Rejections.
    pub rejections: u32,
    /// Keepalives received while registered.
    pub keepalives: u32,
    /// Keepalive timeouts.
    pub keepalive_timeouts: u32,
    /// Unregistrations (any cause).
    pub unregistrations: u32,
    /// Registrations on a connection that was the device's standby.
    pub failovers_in: u32,
    /// Duplicate registrations.
    pub duplicates: u32,
}

/// Totals (§2.11).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Totals {
    /// Devices registered now.
    pub registered: u64,
    /// Registrations accepted since start.
    pub registrations: u64,
    /// Unregistrations since start.
    pub unregistered: u64,
    /// Rejections since start.
    pub rejected: u64,
    /// Devices created by auto-registration.
    pub auto_registered: u64,
    /// Keepalive timeouts.
    pub missed_keepalives: u64,
    /// Failovers in.
    pub failovers_in: u64,
    /// Keepalives answered.
    pub keepalives: u64,
    /// Duplicate registrations.
    pub duplicates: u64,
    /// Connections closed for garbage.
    pub peer_garbage: u64,
    /// Inputs ignored as unexpected.
    pub unexpected_input: u64,
}

/// Multiplicative hasher for the small integer keys of the registrar.
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type Fast = BuildHasherDefault<IdHasher>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConnState {
    AwaitingFirst,
    Standby,
    /// R2: waiting for the store to create the device; whether the
    /// connection was the device's standby before its `Register`.
    AutoRegPending {
        was_standby: bool,
    },
    Registered,
    Closing,
}

#[derive(Debug)]
struct Conn {
    deadline: u64,
    device: u64,
    dead_after: u32,
    gen: u32,
    station_ip: [u8; 4],
    /// Keepalives received on this registration (folded into the device's
    /// counters when it ends).
    keepalives: u32,
    /// Model reported in `Register` (R2, R3), as its number.
    reported: u32,
    state: ConnState,
    resetting: bool,
    in_service: bool,
    /// Negotiated protocol version (R3); in R2 the version the `Register`
    /// asked for.
    negotiated: u8,
    buf: StreamBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    KeepAliveAck,
    RegisterAck { ka: u32, ka2: u32, version: u8 },
    RegisterReject(RejectReason),
    SequenceError,
    CapabilitiesReq,
    ButtonTemplate { device: u64 },
    SoftKeyTemplate,
    SoftKeySet,
    ConfigStat { device: u64 },
    LineStat { device: u64, line: u32 },
    TimeDate { now_ms: u64 },
    UnregisterAck,
    Reset(ResetType),
    TokenAck,
    TokenReject(u32),
}

/// What a `Register` is decided on (§2.5 rows 4–9).
#[derive(Debug, Clone, Copy)]
struct Admission {
    name: DeviceName,
    reported: DeviceType,
    expected: DeviceType,
    enabled: bool,
    granted: Option<Duration>,
    ip: [u8; 4],
    proto: u8,
    was_standby: bool,
}

/// Hashed timer wheel of (connection, generation) entries.
#[derive(Debug)]
struct Wheel {
    slots: Vec<Vec<(u32, u32)>>,
    tick_ms: u64,
    /// Last tick processed.
    cursor: u64,
    /// Earliest tick that may hold an entry.
    earliest: u64,
    len: usize,
    spare: Vec<(u32, u32)>,
}

const WHEEL_SLOTS: usize = 1024;

impl Wheel {
    fn new(tick: Duration, now: Instant) -> Self {
        let tick_ms = u64::try_from(tick.as_millis()).unwrap_or(1000).max(1);
        Wheel {
            slots: (0..WHEEL_SLOTS).map(|_| Vec::new()).collect(),
            tick_ms,
            cursor: now.as_millis() / tick_ms,
            earliest: u64::MAX,
            len: 0,
            spare: Vec::new(),
        }
    }

    fn tick_of(&self, deadline_ms: u64) -> u64 {
        deadline_ms.div_ceil(self.tick_ms).max(self.cursor + 1)
    }

    fn insert(&mut self, conn: u32, gen: u32, deadline_ms: u64) {
        let t = self.tick_of(deadline_ms);
        let slot = (t as usize) & (WHEEL_SLOTS - 1);
        if let Some(s) = self.slots.get_mut(slot) {
            s.push((conn, gen));
            self.len += 1;
            self.earliest = self.earliest.min(t);
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        (self.len > 0).then(|| Instant::from_millis(self.earliest.saturating_mul(self.tick_ms)))
    }

    fn recompute_earliest(&mut self) {
        self.earliest = u64::MAX;
        if self.len == 0 {
            return;
        }
        for i in 1..=WHEEL_SLOTS as u64 {
            let t = self.cursor + i;
            if self
                .slots
                .get((t as usize) & (WHEEL_SLOTS - 1))
                .is_some_and(|s| !s.is_empty())
            {
                self.earliest = t;
                return;
            }
        }
    }
}

/// The registrar state machine. See the [module docs](self).
#[derive(Debug)]
pub struct Registrar<S: DeviceStore = MemoryStore> {
    config: Config,
    store: S,
    conns: HashMap<u32, Conn, Fast>,
    by_device: HashMap<u64, u32, Fast>,
    counters: HashMap<u64, DeviceCounters, Fast>,
    totals: Totals,
    wheel: Wheel,
    next_gen: u32,
    next_dn: u32,
    busy: bool,
    out: VecDeque<(ConnId, Out)>,
    events: VecDeque<Event>,
}

impl<S: DeviceStore> Registrar<S> {
    /// A registrar over `store`, timers starting at `now`.
    #[must_use]
    pub fn new(config: Config, store: S, now: Instant) -> Self {
        let wheel = Wheel::new(config.tick, now);
        let next_dn = config.auto_registration.map_or(0, |(f, _)| f);
        Registrar {
            config,
            store,
            conns: HashMap::default(),
            by_device: HashMap::default(),
            counters: HashMap::default(),
            totals: Totals::default(),
            wheel,
            next_gen: 1,
            next_dn,
            busy: false,
            out: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The parameters.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Changes the keepalive interval; applies to later registrations (§2.8).
    ///
    /// # Errors
    /// [`OutOfRange`] outside 10–1000 s.
    pub fn set_keepalive(&mut self, d: Duration) -> Result<(), OutOfRange> {
        self.config.set_keepalive(d)
    }

    /// Reloading/overloaded: token requests get the short wait (§2.9).
    pub fn set_busy(&mut self, busy: bool) {
        self.busy = busy;
    }

    /// The device store.
    #[must_use]
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The device store, for administration.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Totals.
    #[must_use]
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// Counters of one device.
    #[must_use]
    pub fn device_counters(&self, device: DeviceName) -> Option<DeviceCounters> {
        let mut dc = self.counters.get(&device.0).copied()?;
        if let Some(conn) = self
            .by_device
            .get(&device.0)
            .and_then(|c| self.conns.get(c))
        {
            dc.keepalives = dc.keepalives.wrapping_add(conn.keepalives);
        }
        Some(dc)
    }

    /// Devices registered now.
    #[must_use]
    pub fn registered_count(&self) -> usize {
        self.by_device.len()
    }

    /// The connection `device` is registered on.
    #[must_use]
    pub fn registration_of(&self, device: DeviceName) -> Option<ConnId> {
        self.by_device.get(&device.0).map(|&c| ConnId(c))
    }

    /// Open connections.
    #[must_use]
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// Sends `Reset(kind)` to a registered device (§2.4 row 17); it is
    /// unregistered with deviceNoResponse if it has not left after RT_RESET.
    /// Returns whether the device was registered.
    pub fn reset_device(&mut self, now: Instant, device: DeviceName, kind: ResetType) -> bool {
        let Some(&c) = self.by_device.get(&device.0) else {
            return false;
        };
        let reset = self.config.reset_timeout;
        if let Some(conn) = self.conns.get_mut(&c) {
            conn.resetting = true;
            self.out.push_back((ConnId(c), Out::Reset(kind)));
            self.set_deadline(c, now.saturating_add(reset).as_millis());
            return true;
        }
        false
    }

    /// The administrator's `SetParameter` (§2.1, §2.4): see [`Parameter`].
    /// A new auto-registration range restarts the search for free numbers
    /// at its first number.
    ///
    /// # Errors
    /// [`OutOfRange`] outside the parameter's range; nothing changes.
    pub fn set_parameter(&mut self, p: Parameter) -> Result<(), OutOfRange> {
        self.config.set(p)?;
        if let Parameter::AutoRegistration(r) = p {
            self.next_dn = r.map_or(0, |(f, _)| f);
        }
        Ok(())
    }

    /// The administrator's `DeleteDevice` (§2.4 row 21): removes `device`
    /// from the store; when it is registered, sends `Reset(reset)`, reports
    /// [`Event::Unregistered`] with [`UnregisterCause::DeviceDeleted`] and
    /// closes the connection after RT_CLOSE unless the phone does first
    /// (R4). Its next `Register` is decided as for an unknown device. Returns
    /// whether a registration ended.
    ///
    /// # Errors
    /// [`StoreError`] when the store refuses; nothing changes then.
    pub fn delete_device(&mut self, now: Instant, device: DeviceName) -> Result<bool, StoreError> {
        self.store.remove(device)?;
        let Some(&c) = self.by_device.get(&device.0) else {
            return Ok(false);
        };
        self.out
            .push_back((ConnId(c), Out::Reset(ResetType::Reset)));
        self.drop_registration(c, UnregisterCause::DeviceDeleted);
        let close = now.saturating_add(self.config.close_timeout).as_millis();
        self.set_deadline(c, close);
        Ok(true)
    }

    /// The administrator's `UpdateDevice` (§2.4): replaces the record of
    /// `device` in the store. When the device is registered and the new
    /// record no longer admits its registration (disabled, or another model
    /// than the one it reported, §2.5 rows 4/6), it gets `Reset(reset)` as
    /// with [`Registrar::reset_device`], so it registers again and is
    /// decided on the new record; other changes (numbers, keepalive) apply
    /// to its next registration — [`Registrar::reset_device`] with
    /// [`ResetType::ApplyConfig`] or [`ResetType::Restart`] pushes them now.
    /// Returns whether a reset was sent.
    ///
    /// # Errors
    /// [`StoreError`] when the store refuses; nothing changes then.
    pub fn update_device(
        &mut self,
        now: Instant,
        device: DeviceName,
        record: DeviceRecord,
    ) -> Result<bool, StoreError> {
        let enabled = record.enabled;
        let model = record.device_type;
        self.store.update(device, record)?;
        let invalid = self
            .by_device
            .get(&device.0)
            .and_then(|c| self.conns.get(c))
            .is_some_and(|conn| !enabled || DeviceType::from(conn.reported) != model);
        Ok(invalid && self.reset_device(now, device, ResetType::Reset))
    }

    /// Cluster notice `RegisteredElsewhere` (§2.4 row 20, §2.7): `device`
    /// now holds a registration on another node, from `station_ip` when
    /// known. A registration here ends with [`Event::Unregistered`] —
    /// [`UnregisterCause::SourceIpAddrChanged`] when the other registration
    /// comes from another address, else
    /// [`UnregisterCause::DuplicateRegistration`] — and the connection is
    /// closed at once ([`Event::Close`]); the duplicate counters count it.
    /// Returns whether a registration ended (nothing happens otherwise).
    pub fn handle_registered_elsewhere(
        &mut self,
        _now: Instant,
        device: DeviceName,
        station_ip: Option<core::net::Ipv4Addr>,
    ) -> bool {
        let Some(&c) = self.by_device.get(&device.0) else {
            return false;
        };
        let here = self.conns.get(&c).map(|x| x.station_ip);
        let cause = match (station_ip, here) {
            (Some(ip), Some(h)) if ip.octets() != h => UnregisterCause::SourceIpAddrChanged,
            _ => UnregisterCause::DuplicateRegistration,
        };
        self.totals.duplicates += 1;
        self.counters.entry(device.0).or_default().duplicates += 1;
        self.close(c, cause);
        true
    }

    /// Checks internal invariants (property tests, fuzzing).
    ///
    /// # Errors
    /// A description of the first broken invariant.
    pub fn check_invariants(&self) -> Result<(), &'static str> {
        let registered = self
            .conns
            .values()
            .filter(|c| c.state == ConnState::Registered)
            .count();
        if registered != self.by_device.len() {
            return Err("registered connections and device index disagree");
        }
        for (dev, c) in &self.by_device {
            match self.conns.get(c) {
                Some(conn) if conn.state == ConnState::Registered && conn.device == *dev => {}
                _ => return Err("device index points at a connection not registered for it"),
            }
        }
        let async_store = self.config.store_mode == StoreMode::Asynchronous;
        if !async_store
            && self
                .conns
                .values()
                .any(|c| matches!(c.state, ConnState::AutoRegPending { .. }))
        {
            return Err("waiting for a store answer with a synchronous store");
        }
        if self.totals.registered != self.by_device.len() as u64 {
            return Err("registered total is off");
        }
        if !self.conns.is_empty() && self.wheel.len == 0 {
            return Err("connections without a timer");
        }
        Ok(())
    }

    // ------------------------------------------------------------------
    // Sans-IO verbs

    /// A connection event.
    pub fn handle_conn_event(&mut self, now: Instant, conn: ConnId, ev: ConnEvent) {
        match ev {
            ConnEvent::Connected => {
                self.drop_conn(conn.0, None);
                self.open(now, conn.0);
            }
            ConnEvent::Closed => {
                let cause = match self.conns.get(&conn.0) {
                    Some(c) if c.resetting => UnregisterCause::CallManagerReset,
                    _ => UnregisterCause::ConnectivityError,
                };
                self.drop_conn(conn.0, Some(cause));
            }
        }
    }

    /// Bytes from `conn` (a connection not announced with `Connected` is
    /// opened implicitly). Garbage closes the connection.
    ///
    /// # Errors
    /// [`InputError::Decode`]/[`InputError::Stream`] for garbage (the
    /// connection was closed); [`InputError::Unexpected`] for a message that
    /// means nothing in the connection's state (ignored).
    pub fn handle_input(
        &mut self,
        now: Instant,
        conn: ConnId,
        bytes: &[u8],
    ) -> Result<(), InputError> {
        let c = conn.0;
        // Fast path: one whole KeepAlive on a registered connection at a
        // message boundary (the steady state of every station).
        if bytes.len() == 12
            && bytes.get(..4) == Some(&[4, 0, 0, 0])
            && bytes.get(8..) == Some(&[0, 0, 0, 0])
        {
            if let Some(x) = self.conns.get_mut(&c) {
                if x.state == ConnState::Registered && x.buf.is_empty() && !x.resetting {
                    x.deadline = now.as_millis().saturating_add(u64::from(x.dead_after));
                    x.keepalives = x.keepalives.wrapping_add(1);
                    self.totals.keepalives += 1;
                    self.out.push_back((conn, Out::KeepAliveAck));
                    return Ok(());
                }
            }
        }
        if !self.conns.contains_key(&c) {
            self.open(now, c);
        }
        let Some(entry) = self.conns.get_mut(&c) else {
            return Ok(());
        };
        let mut buf = core::mem::take(&mut entry.buf);
        let max = self.config.max_body;
        let mut result = Ok(());
        let fed = buf.feed(bytes, max, |frame| {
            match Message::parse(&frame) {
                Ok(msg) => {
                    if let Err(e) = self.on_message(now, c, &msg) {
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
            self.conns.contains_key(&c)
        });
        if let Err(e) = fed {
            result = Err(InputError::Stream(e));
        }
        let alive = self.conns.contains_key(&c);
        if alive {
            if matches!(result, Err(InputError::Decode(_) | InputError::Stream(_))) {
                self.totals.peer_garbage += 1;
                self.drop_conn(c, Some(UnregisterCause::ConnectivityError));
            } else if let Some(x) = self.conns.get_mut(&c) {
                x.buf = buf;
            }
        }
        result
    }

    /// Time reached `now`: fires every connection timer due.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now_ms = now.as_millis();
        let now_tick = now_ms / self.wheel.tick_ms;
        if self.wheel.len == 0 {
            self.wheel.cursor = self.wheel.cursor.max(now_tick);
            self.wheel.earliest = u64::MAX;
            return;
        }
        let steps = now_tick
            .saturating_sub(self.wheel.cursor)
            .min(WHEEL_SLOTS as u64);
        let start = self.wheel.cursor;
        for i in 1..=steps {
            let t = start + i;
            let slot = (t as usize) & (WHEEL_SLOTS - 1);
            let mut entries = core::mem::take(&mut self.wheel.spare);
            if let Some(s) = self.wheel.slots.get_mut(slot) {
                core::mem::swap(s, &mut entries);
            }
            self.wheel.len -= entries.len();
            self.wheel.cursor = t;
            for &(c, gen) in &entries {
                let Some(conn) = self.conns.get_mut(&c) else {
                    continue;
                };
                if conn.gen != gen {
                    continue; // superseded by an earlier deadline
                }
                if conn.deadline <= now_ms {
                    self.fire(now, c);
                } else {
                    let d = conn.deadline;
                    let seq = self.next_gen;
                    self.next_gen = self.next_gen.wrapping_add(1);
                    conn.gen = seq;
                    self.wheel.insert(c, seq, d);
                }
            }
            entries.clear();
            self.wheel.spare = entries;
        }
        self.wheel.cursor = self.wheel.cursor.max(now_tick);
        self.wheel.recompute_earliest();
    }

    /// Writes the next message into `buf`. Call after: any `handle_*`, until `None`.
    ///
    /// # Errors
    /// [`InsufficientSize`] when `buf` is too small (nothing consumed); 1 KiB
    /// always suffices.
    pub fn poll_transmit(
        &mut self,
        buf: &mut [u8],
    ) -> Result<Option<Transmit<ConnId>>, InsufficientSize> {
        let Some(&(conn, out)) = self.out.front() else {
            return Ok(None);
        };
        let negotiated = match out {
            Out::KeepAliveAck => 0, // header version 0 whatever was negotiated
            _ => self.conns.get(&conn.0).map_or(0, |c| c.negotiated),
        };
        let len = self.encode(out, negotiated, buf)?;
        self.out.pop_front();
        Ok(Some(Transmit { to: conn, len }))
    }

    /// Next event. Call after: any `handle_*`, until `None`.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`Registrar::handle_timeout`] next (a wheel tick
    /// boundary). Call after: draining `poll_transmit` and `poll_event`.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.wheel.next_deadline()
    }

    // ------------------------------------------------------------------
    // Internals

    /// Moves the deadline of `c`. A later deadline is only recorded (the
    /// wheel entry re-files itself when its slot comes round); an earlier one
    /// gets a new entry and the old one is ignored when visited.
    fn set_deadline(&mut self, c: u32, deadline_ms: u64) {
        let Some(conn) = self.conns.get_mut(&c) else {
            return;
        };
        if deadline_ms < conn.deadline {
            let seq = self.next_gen;
            self.next_gen = self.next_gen.wrapping_add(1);
            conn.gen = seq;
            self.wheel.insert(c, seq, deadline_ms);
        }
        conn.deadline = deadline_ms;
    }

    fn open(&mut self, now: Instant, c: u32) {
        let gen = self.next_gen;
        self.next_gen = self.next_gen.wrapping_add(1);
        let deadline = now
            .saturating_add(self.config.first_message_timeout)
            .as_millis();
        self.conns.insert(
            c,
            Conn {
                deadline,
                device: 0,
                dead_after: 0,
                gen,
                station_ip: [0; 4],
                reported: 0,
                state: ConnState::AwaitingFirst,
                keepalives: 0,
                resetting: false,
                in_service: false,
                negotiated: 0,
                buf: StreamBuf::default(),
            },
        );
        self.wheel.insert(c, gen, deadline);
    }

    /// Removes a connection; reports the end of its registration with
    /// `cause` (no `Close` event when `cause` is `None`: the driver already
    /// knows it is gone, or it is being replaced).
    fn drop_conn(&mut self, c: u32, cause: Option<UnregisterCause>) {
        let Some(conn) = self.conns.remove(&c) else {
            return;
        };
        if conn.state == ConnState::Registered {
            self.by_device.remove(&conn.device);
            self.totals.registered = self.totals.registered.saturating_sub(1);
            self.totals.unregistered += 1;
            let cause = cause.unwrap_or(UnregisterCause::ConnectivityError);
            let dc = self.counters.entry(conn.device).or_default();
            dc.unregistrations += 1;
            dc.keepalives = dc.keepalives.wrapping_add(conn.keepalives);
            self.events.push_back(Event::Unregistered {
                conn: ConnId(c),
                device: DeviceName(conn.device),
                cause,
            });
        }
    }

    /// Removes a connection and asks the driver to close it.
    fn close(&mut self, c: u32, cause: UnregisterCause) {
        if self.conns.contains_key(&c) {
            self.drop_conn(c, Some(cause));
            self.events.push_back(Event::Close { conn: ConnId(c) });
        }
    }

    fn fire(&mut self, _now: Instant, c: u32) {
        let Some(conn) = self.conns.get(&c) else {
            return;
        };
        if matches!(conn.state, ConnState::AutoRegPending { .. }) {
            // Row 11: RT_AUTOREG.
            let device = DeviceName(conn.device);
            self.reject(c, Some(device), AUTO_REG_DB_TIMEOUT);
            return;
        }
        let cause = match (conn.state, conn.resetting) {
            (ConnState::Registered, true) => UnregisterCause::DeviceNoResponse,
            (ConnState::Registered, false) => {
                self.totals.missed_keepalives += 1;
                self.counters
                    .entry(conn.device)
                    .or_default()
                    .keepalive_timeouts += 1;
                UnregisterCause::KeepAliveTimeout
            }
            _ => UnregisterCause::ConnectivityError,
        };
        self.close(c, cause);
    }

    fn unexpected(&mut self, c: u32, message_id: u32) -> Result<(), InputError> {
        self.totals.unexpected_input += 1;
        let state = match self.conns.get(&c).map(|x| x.state) {
            Some(ConnState::AwaitingFirst) => "AwaitingFirst",
            Some(ConnState::Standby) => "Standby",
            Some(ConnState::AutoRegPending { .. }) => "AutoRegPending",
            Some(ConnState::Registered) => "Registered",
            Some(ConnState::Closing) | None => "Closing",
        };
        Err(InputError::Unexpected { state, message_id })
    }

    fn on_message(&mut self, now: Instant, c: u32, msg: &Message<'_>) -> Result<(), InputError> {
        let Some(conn) = self.conns.get_mut(&c) else {
            return Ok(());
        };
        let state = conn.state;
        match msg {
            Message::KeepAlive(_) => {
                match state {
                    ConnState::Registered => {
                        // A reset is pending: RT_RESET runs regardless (row 18).
                        if !conn.resetting {
                            conn.deadline =
                                now.as_millis().saturating_add(u64::from(conn.dead_after));
                        }
                        conn.keepalives = conn.keepalives.wrapping_add(1);
                    }
                    ConnState::AwaitingFirst | ConnState::Standby => {
                        conn.state = ConnState::Standby;
                        let d = self
                            .config
                            .secondary_keepalive
                            .saturating_mul(u32::from(self.config.keepalive_miss_limit.max(1)));
                        self.set_deadline(c, now.saturating_add(d).as_millis());
                    }
                    ConnState::Closing | ConnState::AutoRegPending { .. } => {
                        return self.unexpected(c, msg.id())
                    }
                }
                self.totals.keepalives += 1;
                self.out.push_back((ConnId(c), Out::KeepAliveAck));
                Ok(())
            }
            Message::Register(reg) => {
                if matches!(state, ConnState::Closing | ConnState::AutoRegPending { .. }) {
                    return self.unexpected(c, msg.id());
                }
                if state == ConnState::Registered {
                    // Row 19: registration sequence error.
                    self.out.push_back((ConnId(c), Out::SequenceError));
                    self.totals.rejected += 1;
                    self.close(c, UnregisterCause::ConnectivityError);
                    return Ok(());
                }
                self.decide_register(now, c, reg, state == ConnState::Standby);
                Ok(())
            }
            Message::RegisterTokenReq(t) => {
                if !matches!(state, ConnState::AwaitingFirst | ConnState::Standby) {
                    return self.unexpected(c, msg.id());
                }
                let name = DeviceName::parse(t.base.station.device_name.bytes());
                self.answer_token(now, c, name);
                Ok(())
            }
            Message::Unregister(_) => {
                match state {
                    ConnState::Registered => {
                        self.out.push_back((ConnId(c), Out::UnregisterAck));
                        self.drop_registration(c, UnregisterCause::DeviceUnregistered);
                        if let Some(conn) = self.conns.get_mut(&c) {
                            conn.state = ConnState::Closing;
                        }
                        self.set_deadline(
                            c,
                            now.saturating_add(self.config.close_timeout).as_millis(),
                        );
                    }
                    ConnState::Closing => return self.unexpected(c, msg.id()),
                    _ => {
                        self.out.push_back((ConnId(c), Out::UnregisterAck));
                        conn.state = ConnState::Closing;
                        self.set_deadline(
                            c,
                            now.saturating_add(self.config.close_timeout).as_millis(),
                        );
                    }
                }
                Ok(())
            }
            Message::Alarm(_) => Ok(()),
            _ if state == ConnState::Registered => self.dialogue(now, c, msg),
            _ => self.unexpected(c, msg.id()),
        }
    }

    /// Ends the registration of `c` (index, counters, event) without closing.
    fn drop_registration(&mut self, c: u32, cause: UnregisterCause) {
        let Some(conn) = self.conns.get_mut(&c) else {
            return;
        };
        if conn.state != ConnState::Registered {
            return;
        }
        conn.state = ConnState::Closing;
        let device = conn.device;
        let kas = core::mem::take(&mut conn.keepalives);
        self.by_device.remove(&device);
        self.totals.registered = self.totals.registered.saturating_sub(1);
        self.totals.unregistered += 1;
        let dc = self.counters.entry(device).or_default();
        dc.unregistrations += 1;
        dc.keepalives = dc.keepalives.wrapping_add(kas);
        self.events.push_back(Event::Unregistered {
            conn: ConnId(c),
            device: DeviceName(device),
            cause,
        });
    }

    fn dialogue(&mut self, now: Instant, c: u32, msg: &Message<'_>) -> Result<(), InputError> {
        let Some(conn) = self.conns.get_mut(&c) else {
            return Ok(());
        };
        let device = conn.device;
        let reply = match msg {
            Message::ButtonTemplateReq(_) => Out::ButtonTemplate { device },
            Message::SoftKeyTemplateReq(_) => Out::SoftKeyTemplate,
            Message::SoftKeySetReq(_) => Out::SoftKeySet,
            Message::ConfigStatReq(_) => Out::ConfigStat { device },
            Message::LineStatReq(w) => Out::LineStat {
                device,
                line: w.get(),
            },
            Message::TimeDateReq(_) => {
                conn.in_service = true;
                Out::TimeDate {
                    now_ms: now.as_millis(),
                }
            }
            Message::CapabilitiesRes(_)
            | Message::RegisterAvailableLines(_)
            | Message::IpPort(_)
            | Message::HeadsetStatus(_)
            | Message::MediaResourceNotification(_)
            | Message::ForwardStatReq(_)
            | Message::SpeedDialStatReq(_)
            | Message::ServerReq(_)
            | Message::VersionReq(_)
            | Message::Unknown { .. } => return Ok(()),
            _ => return Ok(()),
        };
        self.out.push_back((ConnId(c), reply));
        Ok(())
    }

    fn reject(&mut self, c: u32, device: Option<DeviceName>, reason: RejectReason) {
        self.totals.rejected += 1;
        if let Some(d) = device {
            self.counters.entry(d.0).or_default().rejections += 1;
        }
        let silent = reason == RejectReason::NoEntryInDatabase
            && self.config.unknown_device_response == UnknownDeviceResponse::Close;
        if !silent {
            self.out.push_back((ConnId(c), Out::RegisterReject(reason)));
        }
        self.events.push_back(Event::Rejected {
            conn: ConnId(c),
            device,
            reason,
        });
        self.close(c, UnregisterCause::ConnectivityError);
    }

    fn next_free_dn(&mut self) -> Option<u32> {
        let (first, last) = self.config.auto_registration?;
        if first > last {
            return None;
        }
        let span = u64::from(last - first) + 1;
        let mut dn = self.next_dn.clamp(first, last);
        for _ in 0..span {
            let mut tmp = [0u8; 10];
            if !self.store.dn_in_use(fmt_u32(dn, &mut tmp)) {
                self.next_dn = if dn == last { first } else { dn + 1 };
                return Some(dn);
            }
            dn = if dn == last { first } else { dn + 1 };
        }
        None
    }

    fn decide_register(
        &mut self,
        now: Instant,
        c: u32,
        reg: &crate::wire::types::Register<'_>,
        was_standby: bool,
    ) {
        // §2.5 row 1.
        let Some(name) = DeviceName::parse(reg.base.station.device_name.bytes()) else {
            self.reject(c, None, RejectReason::MalformedRegisterMsg);
            return;
        };
        self.counters.entry(name.0).or_default().attempts += 1;
        // Row 2.
        let proto = reg.protocol_version().unwrap_or(0);
        let (lo, hi) = self.config.protocol_versions;
        if proto < lo {
            self.reject(c, Some(name), RejectReason::ObsoleteProtocolVersion);
            return;
        }
        if proto > hi {
            self.reject(c, Some(name), RejectReason::ProtocolMismatch);
            return;
        }
        let reported = reg.device_type();
        let ip = reg.base.station_ip.0;
        // Row 3.
        let (expected, enabled, granted) = match self.store.lookup(name) {
            Some(r) => (r.device_type, r.enabled, r.keepalive),
            None => {
                // 3a / 3b.
                let Some((first_dn, last_dn)) = self.config.auto_registration else {
                    self.reject(c, Some(name), RejectReason::NoEntryInDatabase);
                    return;
                };
                if self.config.store_mode == StoreMode::Asynchronous {
                    // §2.4 row 3: R2 until the store answers or RT_AUTOREG.
                    let Some(conn) = self.conns.get_mut(&c) else {
                        return;
                    };
                    conn.state = ConnState::AutoRegPending { was_standby };
                    conn.device = name.0;
                    conn.station_ip = ip;
                    conn.reported = reported.into();
                    conn.negotiated = proto;
                    let d = now.saturating_add(self.config.auto_registration_timeout);
                    self.set_deadline(c, d.as_millis());
                    self.events.push_back(Event::CreateDevice {
                        conn: ConnId(c),
                        device: name,
                        device_type: reported,
                        first_dn,
                        last_dn,
                    });
                    return;
                }
                let Some(dn) = self.next_free_dn() else {
                    self.reject(c, Some(name), AUTO_REG_NO_DN);
                    return;
                };
                if !self.create_auto_registered(name, reported, dn) {
                    self.reject(c, Some(name), AUTO_REG_DB_TIMEOUT);
                    return;
                }
                (reported, true, None)
            }
        };
        let admission = Admission {
            name,
            reported,
            expected,
            enabled,
            granted,
            ip,
            proto,
            was_standby,
        };
        self.admit(now, c, &admission);
    }

    /// Writes an auto-registered device to the store; `false` when refused.
    fn create_auto_registered(&mut self, name: DeviceName, model: DeviceType, dn: u32) -> bool {
        let mut tmp = [0u8; 10];
        let rec = DeviceRecord::new(model, std::vec![String::from(fmt_u32(dn, &mut tmp))]);
        if self.store.create(name, rec).is_err() {
            return false;
        }
        self.totals.auto_registered += 1;
        self.events
            .push_back(Event::AutoRegistered { device: name, dn });
        true
    }

    /// The store's answer to [`Event::CreateDevice`] for `conn` and
    /// `device` (§2.4 rows 10/11). `Created`: the record (reported model,
    /// `dn` on line 1) is cached with [`DeviceStore::create`],
    /// [`Event::AutoRegistered`] is emitted and the `Register` is decided as
    /// for a known device (rows 4–9 of §2.5, then `RegisterAck`); `NoFreeDn`
    /// rejects with [`AUTO_REG_NO_DN`], `Failed` with [`AUTO_REG_DB_TIMEOUT`].
    ///
    /// # Errors
    /// [`InputError::StaleTransaction`] when `conn` is not waiting for this
    /// device (closed, timed out, answered already); nothing changes. The
    /// database is the authority: a station rejected after RT_AUTOREG
    /// registers on its next attempt, when the store answers again.
    pub fn handle_store_result(
        &mut self,
        now: Instant,
        conn: ConnId,
        device: DeviceName,
        result: StoreResult,
    ) -> Result<(), InputError> {
        let c = conn.0;
        let Some((x, was_standby)) = self.conns.get_mut(&c).and_then(|x| match x.state {
            ConnState::AutoRegPending { was_standby } if x.device == device.0 => {
                Some((x, was_standby))
            }
            _ => None,
        }) else {
            self.totals.unexpected_input += 1;
            return Err(InputError::StaleTransaction);
        };
        // Leave R2 before deciding (the decision may reject and close).
        x.state = ConnState::AwaitingFirst;
        let admission = Admission {
            name: device,
            reported: DeviceType::from(x.reported),
            expected: DeviceType::from(x.reported),
            enabled: true,
            granted: None,
            ip: x.station_ip,
            proto: x.negotiated,
            was_standby,
        };
        match result {
            StoreResult::Created { dn } => {
                if self.create_auto_registered(device, admission.reported, dn) {
                    self.admit(now, c, &admission);
                } else {
                    self.reject(c, Some(device), AUTO_REG_DB_TIMEOUT);
                }
            }
            StoreResult::NoFreeDn => self.reject(c, Some(device), AUTO_REG_NO_DN),
            StoreResult::Failed => self.reject(c, Some(device), AUTO_REG_DB_TIMEOUT),
        }
        Ok(())
    }

    /// §2.5 rows 4–9, then accept (§2.4 row 2).
    fn admit(&mut self, now: Instant, c: u32, a: &Admission) {
        let Admission {
            name,
            reported,
            expected,
            enabled,
            granted,
            ip,
            proto,
            was_standby,
        } = *a;
        // Row 4.
        if !enabled {
            self.reject(c, Some(name), RejectReason::DeviceNotActive);
            return;
        }
        // Row 6 (the enum already maps equivalent names to one value).
        if expected != reported {
            self.reject(c, Some(name), RejectReason::DeviceTypeMismatch);
            return;
        }
        // Row 9 (§2.7) before row 8: a replacement does not add a device.
        let old = self.by_device.get(&name.0).copied().filter(|&o| o != c);
        if old.is_none() {
            if let Some(max) = self.config.max_devices {
                if self.by_device.len() >= max {
                    self.reject(c, Some(name), RejectReason::MaxDevRegExceeded);
                    return;
                }
            }
        }
        if let Some(o) = old {
            self.totals.duplicates += 1;
            self.counters.entry(name.0).or_default().duplicates += 1;
            match self.config.duplicate_policy {
                DuplicatePolicy::RejectNew => {
                    self.reject(c, Some(name), RejectReason::DuplicateRegistration);
                    return;
                }
                DuplicatePolicy::NewestWins => {
                    let same_ip = self.conns.get(&o).is_some_and(|x| x.station_ip == ip);
                    let cause = if same_ip {
                        UnregisterCause::DuplicateRegistration
                    } else {
                        UnregisterCause::SourceIpAddrChanged
                    };
                    self.close(o, cause);
                }
            }
        }
        // Accept (row 2).
        let ka = granted
            .filter(|d| (KEEPALIVE_MIN..=KEEPALIVE_MAX).contains(d))
            .unwrap_or(self.config.keepalive);
        let ka2 = self.config.secondary_keepalive;
        let dead = ka.saturating_mul(u32::from(self.config.keepalive_miss_limit.max(1)));
        let dead_ms = u32::try_from(dead.as_millis()).unwrap_or(u32::MAX);
        let version = negotiate_version(proto, self.config.max_protocol_version);
        let Some(conn) = self.conns.get_mut(&c) else {
            return;
        };
        conn.state = ConnState::Registered;
        conn.device = name.0;
        conn.reported = reported.into();
        conn.dead_after = dead_ms;
        conn.station_ip = ip;
        conn.negotiated = version;
        conn.resetting = false;
        self.set_deadline(c, now.as_millis().saturating_add(u64::from(dead_ms)));
        self.by_device.insert(name.0, c);
        self.totals.registered += 1;
        self.totals.registrations += 1;
        let dc = self.counters.entry(name.0).or_default();
        dc.registrations += 1;
        if was_standby {
            dc.failovers_in += 1;
            self.totals.failovers_in += 1;
        }
        let secs = |d: Duration| u32::try_from(d.as_secs()).unwrap_or(u32::MAX);
        self.out.push_back((
            ConnId(c),
            Out::RegisterAck {
                ka: secs(ka),
                ka2: secs(ka2),
                version,
            },
        ));
        self.out.push_back((ConnId(c), Out::CapabilitiesReq));
        self.events.push_back(Event::Registered {
            conn: ConnId(c),
            device: name,
            device_type: reported,
            failover_in: was_standby,
        });
    }

    fn answer_token(&mut self, now: Instant, c: u32, name: Option<DeviceName>) {
        let Some(name) = name else {
            self.reject(c, None, RejectReason::MalformedRegisterMsg);
            return;
        };
        if self.store.lookup(name).is_none() && self.config.auto_registration.is_none() {
            self.reject(c, Some(name), RejectReason::NoEntryInDatabase);
            return;
        }
        let elsewhere = self.by_device.get(&name.0).is_some_and(|&o| o != c);
        let secs = |d: Duration| u32::try_from(d.as_secs()).unwrap_or(u32::MAX);
        let out = if self.busy || elsewhere {
            Out::TokenReject(secs(self.config.token_busy_wait))
        } else if self.config.grant_tokens {
            Out::TokenAck
        } else {
            Out::TokenReject(secs(self.config.token_backoff))
        };
        // The station keeps this connection as its probe: treat it as standby.
        if let Some(conn) = self.conns.get_mut(&c) {
            if conn.state == ConnState::AwaitingFirst {
                conn.state = ConnState::Standby;
                let d = self
                    .config
                    .secondary_keepalive
                    .saturating_mul(u32::from(self.config.keepalive_miss_limit.max(1)));
                self.set_deadline(c, now.saturating_add(d).as_millis());
            }
        }
        self.out.push_back((ConnId(c), out));
        self.events.push_back(Event::TokenAnswered {
            conn: ConnId(c),
            device: name,
            granted: out == Out::TokenAck,
        });
    }

    fn encode(&self, out: Out, negotiated: u8, buf: &mut [u8]) -> Result<usize, InsufficientSize> {
        let hv = |mid: u32| header_version_for(mid, negotiated, false);
        match out {
            Out::KeepAliveAck => {
                Message::KeepAliveAck(Fixed::EMPTY).emit_with_version(hv(id::KEEP_ALIVE_ACK), buf)
            }
            Out::RegisterAck { ka, ka2, version } => {
                let mut ack = RegisterAck::new(ka, "", ka2, version, 0).unwrap_or_default();
                ack.date_template =
                    Str::new(self.config.date_template.as_bytes()).unwrap_or_default();
                Message::RegisterAck(Fixed::new(&ack))
                    .emit_with_version(header_version_for(id::REGISTER_ACK, version, false), buf)
            }
            Out::RegisterReject(reason) => {
                let text = reason.text().unwrap_or(match reason {
                    AUTO_REG_NO_DN => "No Auto-Reg DN Available",
                    AUTO_REG_DB_TIMEOUT => "Database Timeout",
                    _ => "Registration Rejected",
                });
                let r = RegisterReject::new(text).unwrap_or_default();
                Message::RegisterReject(Fixed::new(&r))
                    .emit_with_version(hv(id::REGISTER_REJECT), buf)
            }
            Out::SequenceError => {
                let r = RegisterReject::new("Registration Sequence Error").unwrap_or_default();
                Message::RegisterReject(Fixed::new(&r))
                    .emit_with_version(hv(id::REGISTER_REJECT), buf)
            }
            Out::CapabilitiesReq => Message::CapabilitiesReq(Fixed::EMPTY)
                .emit_with_version(hv(id::CAPABILITIES_REQ), buf),
            Out::ButtonTemplate { device } => {
                let lines = self
                    .store
                    .lookup(DeviceName(device))
                    .map_or(1, |r| r.directory_numbers.len().clamp(1, 6));
                let mut slots = [ButtonDefinition::default(); 42];
                for (i, s) in slots.iter_mut().take(lines).enumerate() {
                    s.instance = u8::try_from(i + 1).unwrap_or(1);
                    s.definition = 9; // Line
                }
                let header = ButtonTemplateHeader {
                    button_offset: U32::new(0),
                    button_count: U32::new(u32::try_from(lines).unwrap_or(1)),
                    total_button_count: U32::new(u32::try_from(lines).unwrap_or(1)),
                };
                Message::ButtonTemplate(ButtonTemplate {
                    header: &header,
                    slots: &slots,
                    trailing: &[],
                })
                .emit_with_version(hv(id::BUTTON_TEMPLATE), buf)
            }
            Out::SoftKeyTemplate => {
                let mut t = SoftKeyTemplateRes::default();
                const KEYS: [(&[u8], u32); 4] = [
                    (b"Redial", 1),
                    (b"NewCall", 2),
                    (b"EndCall", 9),
                    (b"Answer", 11),
                ];
                for (slot, (label, ev)) in t.keys.iter_mut().zip(KEYS) {
                    *slot = SoftKeyDefinition {
                        label: Str::new_terminated(label).unwrap_or_default(),
                        event: U32::new(ev),
                    };
                }
                t.count = U32::new(4);
                t.total = U32::new(4);
                Message::SoftKeyTemplateRes(Fixed::new(&t))
                    .emit_with_version(hv(id::SOFT_KEY_TEMPLATE_RES), buf)
            }
            Out::SoftKeySet => {
                let mut s = SoftKeySetRes::default();
                if let Some(set) = s.sets.first_mut() {
                    *set = SoftKeySet {
                        template_index: [1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                        info_index: [U16::new(0); 16],
                    };
                }
                s.count = U32::new(1);
                s.total = U32::new(1);
                Message::SoftKeySetRes(Fixed::new(&s))
                    .emit_with_version(hv(id::SOFT_KEY_SET_RES), buf)
            }
            Out::ConfigStat { device } => {
                let name = DeviceName(device).to_bytes();
                let lines = self
                    .store
                    .lookup(DeviceName(device))
                    .map_or(0, |r| r.directory_numbers.len());
                let cs = ConfigStat {
                    station: StationId {
                        device_name: Str::new_terminated(&name).unwrap_or_default(),
                        user_id: U32::new(0),
                        instance: U32::new(1),
                    },
                    user_name: Str::EMPTY,
                    server_name: Str::new_terminated(b"dialtone").unwrap_or_default(),
                    number_of_lines: U32::new(u32::try_from(lines).unwrap_or(0)),
                    number_of_speed_dials: U32::new(0),
                };
                Message::ConfigStat(Fixed::new(&cs)).emit_with_version(hv(id::CONFIG_STAT), buf)
            }
            Out::LineStat { device, line } => {
                let dn = self
                    .store
                    .lookup(DeviceName(device))
                    .and_then(|r| {
                        r.directory_numbers
                            .get(usize::try_from(line).ok()?.checked_sub(1)?)
                    })
                    .map_or(&b""[..], |s| s.as_bytes());
                let ls = LineStat {
                    line_number: U32::new(line),
                    dir_number: Str::new_terminated(dn).unwrap_or_default(),
                    fully_qualified_display_name: Str::new_terminated(dn).unwrap_or_default(),
                    text_label: Str::new_terminated(dn).unwrap_or_default(),
                    display_options: U32::new(15),
                };
                Message::LineStat(Fixed::new(&ls)).emit_with_version(hv(id::LINE_STAT), buf)
            }
            Out::TimeDate { now_ms } => {
                let t = self.config.unix_time_at_zero.saturating_add(now_ms / 1000);
                let dt = civil(t, now_ms % 1000);
                Message::DefineTimeDate(Fixed::new(&dt))
                    .emit_with_version(hv(id::DEFINE_TIME_DATE), buf)
            }
            Out::UnregisterAck => {
                let w = Word::new(0);
                Message::UnregisterAck(Fixed::new(&w))
                    .emit_with_version(hv(id::UNREGISTER_ACK), buf)
            }
            Out::Reset(kind) => {
                let r = Reset::new(kind);
                Message::Reset(Fixed::new(&r)).emit_with_version(hv(id::RESET), buf)
            }
            Out::TokenAck => Message::RegisterTokenAck(Fixed::EMPTY)
                .emit_with_version(hv(id::REGISTER_TOKEN_ACK), buf),
            Out::TokenReject(w) => {
                let w = Word::new(w);
                Message::RegisterTokenReject(Fixed::new(&w))
                    .emit_with_version(hv(id::REGISTER_TOKEN_REJECT), buf)
            }
        }
    }
}

/// Decimal text of `v` in `buf`.
fn fmt_u32(v: u32, buf: &mut [u8; 10]) -> &str {
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        if let Some(b) = buf.get_mut(i) {
            *b = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 || i == 0 {
            break;
        }
    }
    core::str::from_utf8(buf.get(i..).unwrap_or(&[])).unwrap_or("")
}

/// UTC calendar fields of a Unix time (days-from-civil inverse).
fn civil(unix: u64, ms: u64) -> DefineTimeDate {
    let days = unix / 86_400;
    let secs = unix % 86_400;
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let w = |v: i64| U32::new(u32::try_from(v).unwrap_or(0));
    DefineTimeDate {
        year: w(y),
        month: w(m),
        day_of_week: w(((days + 4) % 7) as i64),
        day: w(d),
        hour: w((secs / 3600) as i64),
        minute: w((secs % 3600 / 60) as i64),
        second: w((secs % 60) as i64),
        milliseconds: w(ms as i64),
        system_time: U32::new(u32::try_from(unix).unwrap_or(u32::MAX)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_parse_and_print() {
        let n = DeviceName::parse(b"SEP001e7ac4d231").unwrap();
        assert_eq!(std::format!("{n}"), "SEP001E7AC4D231");
        assert_eq!(&n.to_bytes(), b"SEP001E7AC4D231");
        assert_eq!(DeviceName::from_mac(n.mac()), n);
        assert!(DeviceName::parse(b"SEP001E7AC4D23").is_none());
        assert!(DeviceName::parse(b"SEP001E7AC4D23G").is_none());
        assert!(DeviceName::parse(b"ATA001E7AC4D231").is_none());
    }

    #[test]
    fn civil_dates() {
        let d = civil(0, 0);
        assert_eq!(
            (
                d.year.get(),
                d.month.get(),
                d.day.get(),
                d.day_of_week.get()
            ),
            (1970, 1, 1, 4)
        );
        let d = civil(1_700_000_000, 5);
        assert_eq!((d.year.get(), d.month.get(), d.day.get()), (2023, 11, 14));
        assert_eq!((d.hour.get(), d.minute.get(), d.second.get()), (22, 13, 20));
    }

    #[test]
    fn decimal() {
        let mut b = [0u8; 10];
        assert_eq!(fmt_u32(0, &mut b), "0");
        assert_eq!(fmt_u32(4294967295, &mut b), "4294967295");
        assert_eq!(fmt_u32(1000, &mut b), "1000");
    }

    #[test]
    fn keepalive_parameter_range() {
        let mut c = Config::default();
        assert_eq!(c.set_keepalive(Duration::from_secs(1001)), Err(OutOfRange));
        assert_eq!(c.set_keepalive(Duration::from_secs(5)), Err(OutOfRange));
        assert_eq!(c.keepalive, KEEPALIVE_DEFAULT);
        c.set_keepalive(Duration::from_secs(90)).unwrap();
        assert_eq!(c.keepalive, Duration::from_secs(90));
    }
}
