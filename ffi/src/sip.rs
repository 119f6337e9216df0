//! SIP registration from C: the registering user agent
//! (`dialtone_sip_reg::ua::UserAgent`) behind an opaque handle. IPv4 only.

use std::ffi::c_char;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use dialtone_core::{ConnId, Instant};
use dialtone_sip_reg::ua::{self, Event, FailureCause, KeepaliveMode, UserAgent};
use dialtone_sip_reg::{ConnEvent, Peer, Transport};

use crate::{dialtone_result, put, slice, slice_mut, Handle};

/// An IPv4 address and port.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct dialtone_sip_addr {
    /// Address octets, most significant first.
    pub ip: [u8; 4],
    /// Port.
    pub port: u16,
}

impl dialtone_sip_addr {
    fn to_std(self) -> SocketAddr {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::from(self.ip)), self.port)
    }

    fn from_std(a: SocketAddr) -> Self {
        match a {
            SocketAddr::V4(v4) => dialtone_sip_addr {
                ip: v4.ip().octets(),
                port: v4.port(),
            },
            SocketAddr::V6(_) => dialtone_sip_addr::default(),
        }
    }
}

/// Transport of the REGISTERs.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dialtone_sip_transport {
    /// UDP.
    Udp = 0,
    /// TCP.
    Tcp = 1,
}

/// Keep-alive mode.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dialtone_sip_keepalive {
    /// None.
    None = 0,
    /// CRLF ping (RFC 5626 over TCP, NAT refresh over UDP).
    Crlf = 1,
    /// OPTIONS requests.
    Options = 2,
}

/// Settings of one account; strings are NUL-terminated UTF-8, optional ones
/// may be NULL.
#[repr(C)]
#[derive(Debug)]
pub struct dialtone_sip_ua_config {
    /// Registrars, most preferred first.
    pub registrars: *const dialtone_sip_addr,
    /// Number of registrars (at least 1).
    pub registrars_len: usize,
    /// User part of the AOR.
    pub user: *const c_char,
    /// Digest password.
    pub password: *const c_char,
    /// Domain (NULL: the first registrar's IP).
    pub domain: *const c_char,
    /// User-Agent (NULL: the library default).
    pub user_agent: *const c_char,
    /// `+sip.instance` value such as `<urn:uuid:…>` (NULL: none).
    pub instance: *const c_char,
    /// Local address written in Via and Contact.
    pub local: dialtone_sip_addr,
    /// Transport.
    pub transport: dialtone_sip_transport,
    /// Keep-alive mode.
    pub keepalive: dialtone_sip_keepalive,
    /// Keep-alive interval in seconds (10-60).
    pub keepalive_interval_s: u32,
    /// Requested expiry in seconds.
    pub expires_s: u32,
    /// Random local port range after timeouts; 0/0 = off.
    pub random_port_min: u16,
    /// Upper end of the random port range.
    pub random_port_max: u16,
    /// Return to the first registrar when it answers again.
    pub prefer_primary: bool,
    /// Rewrite the Contact from Via received/rport.
    pub received_detection: bool,
}

/// Where bytes come from or go to.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct dialtone_sip_peer {
    /// True: the TCP connection `conn`; false: the UDP address `addr`.
    pub is_tcp: bool,
    /// UDP address.
    pub addr: dialtone_sip_addr,
    /// TCP connection id.
    pub conn: u32,
}

/// Kinds of [`dialtone_sip_event`].
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dialtone_sip_event_kind {
    /// Registering with `server`.
    Registering = 0,
    /// Registered with `server` for `expires_s`.
    Registered = 1,
    /// Failed with `cause` (`status` for server errors); retry in `retry_in_ms`.
    Failed = 2,
    /// Unregistered.
    Unregistered = 3,
    /// Failed over to `server`.
    FailedOver = 4,
    /// The registrar saw us at `server` (public address).
    PublicAddress = 5,
    /// Bind the UDP socket to `local_port`.
    Rebind = 6,
    /// Open TCP connection `conn` to `server`.
    Connect = 7,
    /// Close TCP connection `conn`.
    Close = 8,
}

/// Failure causes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dialtone_sip_failure {
    /// Not a failure.
    None = 0,
    /// No answer (timer F) or keep-alive lost.
    Timeout = 1,
    /// 403.
    Forbidden = 2,
    /// 404.
    NotFound = 3,
    /// Credentials rejected.
    AuthFailed = 4,
    /// 423 not fixed by Min-Expires.
    TooBrief = 5,
    /// 408/480/5xx/6xx (`status`).
    ServerError = 6,
    /// Connection failed or closed.
    TransportError = 7,
    /// Other final failure (`status`).
    Rejected = 8,
}

/// One event; fields not used by `kind` are zero.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct dialtone_sip_event {
    /// What happened.
    pub kind: dialtone_sip_event_kind,
    /// Registrar or address concerned.
    pub server: dialtone_sip_addr,
    /// Granted expiry (Registered).
    pub expires_s: u32,
    /// Failure cause (Failed).
    pub cause: dialtone_sip_failure,
    /// Status code for ServerError/Rejected.
    pub status: u16,
    /// Next attempt in ms (Failed); `UINT64_MAX` when none is planned.
    pub retry_in_ms: u64,
    /// New local port (Rebind).
    pub local_port: u16,
    /// Connection (Connect, Close).
    pub conn: u32,
}

/// Opaque registering user agent.
pub struct dialtone_sip_ua {
    _private: [u8; 0],
}

type UaHandle = Handle<UserAgent>;

/// # Safety
/// `p` is NULL or a valid NUL-terminated string.
unsafe fn opt_str(p: *const c_char) -> Result<Option<String>, dialtone_result> {
    // SAFETY: per the contract.
    unsafe { crate::opt_c_str(p) }.map(|s| s.map(str::to_owned))
}

/// Creates a user agent that starts registering at `now_ms`.
///
/// # Safety
/// `cfg` points to a valid config whose pointers are valid as documented;
/// `out` is valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sip_ua_new(
    cfg: *const dialtone_sip_ua_config,
    now_ms: u64,
    seed: u64,
    out: *mut *mut dialtone_sip_ua,
) -> dialtone_result {
    crate::guard(|| {
        // SAFETY: NULL or valid per the contract.
        let Some(c) = (unsafe { cfg.as_ref() }) else {
            return dialtone_result::NullParameter;
        };
        if out.is_null() || c.registrars.is_null() || c.user.is_null() || c.password.is_null() {
            return dialtone_result::NullParameter;
        }
        // SAFETY: `registrars` is valid for `registrars_len` entries.
        let regs = unsafe { std::slice::from_raw_parts(c.registrars, c.registrars_len) };
        let servers: Vec<SocketAddr> = regs.iter().map(|a| a.to_std()).collect();
        // SAFETY: valid strings per the contract.
        let strings = unsafe {
            (
                opt_str(c.user),
                opt_str(c.password),
                opt_str(c.domain),
                opt_str(c.user_agent),
                opt_str(c.instance),
            )
        };
        let (Ok(Some(user)), Ok(Some(password)), Ok(domain), Ok(ua_name), Ok(instance)) = strings
        else {
            return dialtone_result::InvalidParameter;
        };
        let mut config = ua::Config::new(&servers, &user, &password);
        config.domain = domain;
        if let Some(n) = ua_name {
            config.user_agent = n;
        }
        config.instance = instance;
        config.local_ip = c.local.to_std().ip();
        config.local_port = c.local.port;
        config.transport = match c.transport {
            dialtone_sip_transport::Udp => Transport::Udp,
            dialtone_sip_transport::Tcp => Transport::Tcp,
        };
        config.keepalive = match c.keepalive {
            dialtone_sip_keepalive::None => KeepaliveMode::None,
            dialtone_sip_keepalive::Crlf => KeepaliveMode::Crlf,
            dialtone_sip_keepalive::Options => KeepaliveMode::Options,
        };
        config.keepalive_interval = Duration::from_secs(u64::from(c.keepalive_interval_s));
        config.expires = Duration::from_secs(u64::from(c.expires_s));
        config.random_port = (c.random_port_min != 0 || c.random_port_max != 0)
            .then_some((c.random_port_min, c.random_port_max));
        config.prefer_primary = c.prefer_primary;
        config.received_detection = c.received_detection;
        match UserAgent::new(config, Instant::from_millis(now_ms), seed) {
            Ok(agent) => {
                let h = UaHandle::into_raw(agent).cast::<dialtone_sip_ua>();
                // SAFETY: checked non-NULL above.
                unsafe { put(out, h) };
                dialtone_result::Ok
            }
            Err(_) => dialtone_result::InvalidParameter,
        }
    })
}

/// Bytes from a registrar.
///
/// # Safety
/// `ua` is a live handle; `peer` is valid; `buf` is valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sip_ua_handle_input(
    ua: *mut dialtone_sip_ua,
    now_ms: u64,
    peer: *const dialtone_sip_peer,
    buf: *const u8,
    len: usize,
) -> dialtone_result {
    // SAFETY: per the contract.
    let (peer, bytes) = unsafe { (peer.as_ref().copied(), slice(buf, len)) };
    let (Some(peer), Some(bytes)) = (peer, bytes) else {
        return dialtone_result::NullParameter;
    };
    let from = if peer.is_tcp {
        Peer::Tcp(ConnId(peer.conn))
    } else {
        Peer::Udp(peer.addr.to_std())
    };
    // SAFETY: `ua` is NULL or a live handle.
    unsafe {
        UaHandle::with(ua.cast(), |u| {
            match u.handle_input(Instant::from_millis(now_ms), from, bytes) {
                Ok(()) => dialtone_result::Ok,
                Err(dialtone_sip_reg::InputError::Decode(_)) => dialtone_result::Malformed,
                Err(_) => dialtone_result::Unexpected,
            }
        })
    }
}

/// A TCP connection event: 0 connected, 1 closed, 2 refused.
///
/// # Safety
/// `ua` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sip_ua_handle_conn_event(
    ua: *mut dialtone_sip_ua,
    now_ms: u64,
    conn: u32,
    event: u8,
) -> dialtone_result {
    let ev = match event {
        0 => ConnEvent::Connected,
        1 => ConnEvent::Closed,
        2 => ConnEvent::Refused,
        _ => return dialtone_result::InvalidParameter,
    };
    // SAFETY: `ua` is NULL or a live handle.
    unsafe {
        UaHandle::with(ua.cast(), |u| {
            u.handle_conn_event(Instant::from_millis(now_ms), ConnId(conn), ev);
            dialtone_result::Ok
        })
    }
}

/// Time reached `now_ms`.
///
/// # Safety
/// `ua` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sip_ua_handle_timeout(
    ua: *mut dialtone_sip_ua,
    now_ms: u64,
) -> dialtone_result {
    // SAFETY: `ua` is NULL or a live handle.
    unsafe {
        UaHandle::with(ua.cast(), |u| {
            u.handle_timeout(Instant::from_millis(now_ms));
            dialtone_result::Ok
        })
    }
}

/// Removes the binding and stops (an `UNREGISTERED` event follows).
///
/// # Safety
/// `ua` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sip_ua_unregister(
    ua: *mut dialtone_sip_ua,
    now_ms: u64,
) -> dialtone_result {
    // SAFETY: `ua` is NULL or a live handle.
    unsafe {
        UaHandle::with(ua.cast(), |u| {
            u.unregister(Instant::from_millis(now_ms));
            dialtone_result::Ok
        })
    }
}

/// Writes the next datagram/stream chunk into `buf`; `EMPTY` when none.
///
/// # Safety
/// `ua` is a live handle; `buf` valid for `len` bytes; outputs valid.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sip_ua_poll_transmit(
    ua: *mut dialtone_sip_ua,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
    out_peer: *mut dialtone_sip_peer,
) -> dialtone_result {
    if out_len.is_null() || out_peer.is_null() {
        return dialtone_result::NullParameter;
    }
    // SAFETY: per the contract.
    let Some(out) = (unsafe { slice_mut(buf, len) }) else {
        return dialtone_result::NullParameter;
    };
    // SAFETY: `ua` is NULL or a live handle; outputs checked non-NULL.
    unsafe {
        UaHandle::with(ua.cast(), |u| match u.poll_transmit(out) {
            Ok(Some(t)) => {
                let peer = match t.to {
                    Peer::Udp(a) => dialtone_sip_peer {
                        is_tcp: false,
                        addr: dialtone_sip_addr::from_std(a),
                        conn: 0,
                    },
                    Peer::Tcp(c) => dialtone_sip_peer {
                        is_tcp: true,
                        addr: dialtone_sip_addr::default(),
                        conn: c.0,
                    },
                };
                put(out_len, t.len);
                put(out_peer, peer);
                dialtone_result::Ok
            }
            Ok(None) => dialtone_result::Empty,
            Err(e) => {
                put(out_len, e.required);
                dialtone_result::InsufficientSize
            }
        })
    }
}

fn failure(c: FailureCause) -> (dialtone_sip_failure, u16) {
    match c {
        FailureCause::Timeout => (dialtone_sip_failure::Timeout, 0),
        FailureCause::Forbidden => (dialtone_sip_failure::Forbidden, 403),
        FailureCause::NotFound => (dialtone_sip_failure::NotFound, 404),
        FailureCause::AuthFailed => (dialtone_sip_failure::AuthFailed, 0),
        FailureCause::TooBrief => (dialtone_sip_failure::TooBrief, 423),
        FailureCause::ServerError { code } => (dialtone_sip_failure::ServerError, code),
        FailureCause::TransportError => (dialtone_sip_failure::TransportError, 0),
        FailureCause::Rejected { code } => (dialtone_sip_failure::Rejected, code),
        _ => (dialtone_sip_failure::Rejected, 0),
    }
}

fn flatten(ev: Event) -> dialtone_sip_event {
    let mut e = dialtone_sip_event {
        kind: dialtone_sip_event_kind::Unregistered,
        server: dialtone_sip_addr::default(),
        expires_s: 0,
        cause: dialtone_sip_failure::None,
        status: 0,
        retry_in_ms: 0,
        local_port: 0,
        conn: 0,
    };
    match ev {
        Event::Registering { server } => {
            e.kind = dialtone_sip_event_kind::Registering;
            e.server = dialtone_sip_addr::from_std(server);
        }
        Event::Registered { server, expires } => {
            e.kind = dialtone_sip_event_kind::Registered;
            e.server = dialtone_sip_addr::from_std(server);
            e.expires_s = u32::try_from(expires.as_secs()).unwrap_or(u32::MAX);
        }
        Event::Failed { cause, retry_in } => {
            e.kind = dialtone_sip_event_kind::Failed;
            (e.cause, e.status) = failure(cause);
            e.retry_in_ms = retry_in.map_or(u64::MAX, |d| {
                u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
            });
        }
        Event::Unregistered => {}
        Event::FailedOver { to, .. } => {
            e.kind = dialtone_sip_event_kind::FailedOver;
            e.server = dialtone_sip_addr::from_std(to);
        }
        Event::PublicAddress { addr } => {
            e.kind = dialtone_sip_event_kind::PublicAddress;
            e.server = dialtone_sip_addr::from_std(addr);
        }
        Event::Rebind { local_port } => {
            e.kind = dialtone_sip_event_kind::Rebind;
            e.local_port = local_port;
        }
        Event::Connect { conn, remote } => {
            e.kind = dialtone_sip_event_kind::Connect;
            e.conn = conn.0;
            e.server = dialtone_sip_addr::from_std(remote);
        }
        Event::Close { conn } => {
            e.kind = dialtone_sip_event_kind::Close;
            e.conn = conn.0;
        }
        _ => {}
    }
    e
}

/// The next event; `EMPTY` when none.
///
/// # Safety
/// `ua` is a live handle; `out` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sip_ua_poll_event(
    ua: *mut dialtone_sip_ua,
    out: *mut dialtone_sip_event,
) -> dialtone_result {
    if out.is_null() {
        return dialtone_result::NullParameter;
    }
    // SAFETY: `ua` is NULL or a live handle; `out` checked non-NULL.
    unsafe {
        UaHandle::with(ua.cast(), |u| match u.poll_event() {
            Some(ev) => {
                put(out, flatten(ev));
                dialtone_result::Ok
            }
            None => dialtone_result::Empty,
        })
    }
}

/// When to call `handle_timeout` next; false when nothing is scheduled (or
/// the handle is NULL/poisoned).
///
/// # Safety
/// `ua` is NULL or a live handle; `out_ms` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sip_ua_poll_timeout(
    ua: *const dialtone_sip_ua,
    out_ms: *mut u64,
) -> bool {
    // SAFETY: `ua` is NULL or a live handle.
    let t = unsafe { UaHandle::with_ref(ua.cast(), UserAgent::poll_timeout) }.flatten();
    match t {
        // SAFETY: `out_ms` is NULL or valid.
        Some(t) => unsafe { put(out_ms, t.as_millis()) },
        None => false,
    }
}

/// Frees a user agent (NULL is fine).
///
/// # Safety
/// `ua` is NULL or a handle from `dialtone_sip_ua_new` not freed before.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sip_ua_free(ua: *mut dialtone_sip_ua) {
    // SAFETY: per the contract.
    unsafe { UaHandle::free(ua.cast()) };
}
