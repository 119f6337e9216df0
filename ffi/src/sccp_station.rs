//! The SCCP station state machine for C (phone firmware), and a minimal
//! registrar handle so firmware tests can run a station against it in memory.
//!
//! Drive loop: after every `handle_*` call, call `_poll_transmit` and
//! `_poll_event` until they answer `DIALTONE_RESULT_EMPTY`, then sleep until
//! `_poll_timeout` and call `_handle_timeout`.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use dialtone_core::{ConnId, Instant};
use dialtone_sccp::registrar::{self, DeviceName, DeviceRecord, MemoryStore, Registrar};
use dialtone_sccp::station::{self, ConnEvent, Event, Station};
use dialtone_sccp::DeviceType;

use crate::{dialtone_result, put, slice, slice_mut, Handle};

/// A station (opaque). Create with [`dialtone_sccp_station_new`], free with
/// [`dialtone_sccp_station_free`].
pub struct dialtone_sccp_station {
    station: Station,
}

type Station_ = Handle<dialtone_sccp_station>;

/// Station settings.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dialtone_sccp_station_config {
    /// MAC address (the device name is `SEP` + its 12 hex digits).
    pub mac: [u8; 6],
    /// Device type number (7960 → 7).
    pub device_type: u32,
    /// Highest protocol version offered.
    pub protocol_version: u8,
    /// Station IPv4 address, network order.
    pub station_ip: [u8; 4],
    /// CallManager IPv4 addresses in priority order, network order.
    pub cm_ip: [[u8; 4]; 3],
    /// CallManager TCP ports (0 = 2000).
    pub cm_port: [u16; 3],
    /// Number of CallManagers used (1–3).
    pub cm_count: u32,
    /// Retry delay in ms after a rejection or when every CallManager failed
    /// (0 = stop and report instead).
    pub retry_after_ms: u64,
}

/// Kind of a [`dialtone_sccp_station_event`].
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dialtone_sccp_station_event_kind {
    /// Open a TCP connection to `addr`:`port` and report it as `conn`.
    Connect = 1,
    /// Close connection `conn`.
    Close = 2,
    /// Registered with member `cm`; `keepalive_ms` in use.
    Registered = 3,
    /// Rejected by member `cm`: `reason` (MIB code, 0 unknown) and `text`.
    Rejected = 4,
    /// Device-type mismatch ("Version Error"), sticky.
    VersionError = 5,
    /// The CallManager asked for a reset (`reason` = reset type).
    ResetRequested = 6,
    /// Member `cm` lost.
    Lost = 7,
    /// Failed over from `from` to `cm`.
    FailedOver = 8,
    /// Fell back from `from` to `cm`.
    FellBack = 9,
    /// Text to display in `text`.
    Display = 10,
    /// Clean unregistration finished.
    Unregistered = 11,
    /// Every member failed in this pass.
    PassExhausted = 12,
    /// The active member `cm` was lost during a call (B13): show
    /// "CM Down, Features Disabled"; failover waits for the call's end.
    CallPreserved = 13,
    /// A reset (`reason` = reset type) from member `cm` arrived during a
    /// call; it is applied (event `RESET_REQUESTED`) when the call ends.
    ResetDeferred = 14,
    /// An event of a newer library version.
    Other = 99,
}

/// One station event; fields not used by a kind are zero.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dialtone_sccp_station_event {
    /// What happened.
    pub kind: dialtone_sccp_station_event_kind,
    /// Connection (Connect, Close).
    pub conn: u32,
    /// Member index.
    pub cm: u32,
    /// Previous member (FailedOver, FellBack).
    pub from: u32,
    /// Address to connect to, network order (Connect).
    pub addr: [u8; 4],
    /// Port to connect to (Connect).
    pub port: u16,
    /// Keepalive interval in ms (Registered).
    pub keepalive_ms: u64,
    /// Reject reason code or reset type.
    pub reason: u32,
    /// NUL-terminated text (Rejected, Display).
    pub text: [u8; 33],
}

/// Connection events for [`dialtone_sccp_station_handle_conn_event`].
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dialtone_sccp_conn_event {
    /// Connected.
    Connected = 0,
    /// Closed by the peer or TCP.
    Closed = 1,
    /// Could not connect.
    Refused = 2,
}

/// Creates a station; its first `Connect` event is ready at once.
///
/// # Safety
/// `cfg` and `out` must be valid.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_station_new(
    cfg: *const dialtone_sccp_station_config,
    now_ms: u64,
    seed: u64,
    out: *mut *mut dialtone_sccp_station,
) -> dialtone_result {
    crate::guard(|| {
        // SAFETY: per the contract.
        let Some(cfg) = (unsafe { cfg.as_ref() }) else {
            return dialtone_result::NullParameter;
        };
        if out.is_null() {
            return dialtone_result::NullParameter;
        }
        if cfg.cm_count == 0 || cfg.cm_count > 3 {
            return dialtone_result::InvalidParameter;
        }
        let cms: Vec<SocketAddr> = (0..cfg.cm_count as usize)
            .map(|i| {
                let port = match cfg.cm_port[i] {
                    0 => 2000,
                    p => p,
                };
                SocketAddr::from((Ipv4Addr::from(cfg.cm_ip[i]), port))
            })
            .collect();
        let mut c = station::Config::new(cfg.mac, cms);
        c.device_type = DeviceType::from(cfg.device_type);
        c.protocol_version = cfg.protocol_version;
        c.station_ip = Ipv4Addr::from(cfg.station_ip);
        c.retry_after = (cfg.retry_after_ms > 0).then(|| Duration::from_millis(cfg.retry_after_ms));
        let h = Station_::into_raw(dialtone_sccp_station {
            station: Station::new(c, Instant::from_millis(now_ms), seed),
        });
        // SAFETY: checked non-NULL.
        unsafe { put(out, h.cast()) };
        dialtone_result::Ok
    })
}

/// Frees a station (NULL is fine).
///
/// # Safety
/// `s` is NULL or came from [`dialtone_sccp_station_new`], not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_station_free(s: *mut dialtone_sccp_station) {
    // SAFETY: per the contract.
    unsafe { Station_::free(s.cast()) };
}

/// Bytes received on `conn`. `DIALTONE_RESULT_MALFORMED`: garbage, the
/// connection was closed (a `Close` event follows); `_UNEXPECTED`: ignored;
/// `_INVALID_PARAMETER`: unknown connection.
///
/// # Safety
/// `s` is a live station; `buf` valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_station_handle_input(
    s: *mut dialtone_sccp_station,
    now_ms: u64,
    conn: u32,
    buf: *const u8,
    len: usize,
) -> dialtone_result {
    // SAFETY: per the contract.
    let Some(bytes) = (unsafe { slice(buf, len) }) else {
        return dialtone_result::NullParameter;
    };
    // SAFETY: per the contract.
    unsafe {
        Station_::with(s.cast(), |h| {
            match h
                .station
                .handle_input(Instant::from_millis(now_ms), ConnId(conn), bytes)
            {
                Ok(()) => dialtone_result::Ok,
                Err(station::InputError::UnknownConn) => dialtone_result::InvalidParameter,
                Err(station::InputError::Unexpected { .. }) => dialtone_result::Unexpected,
                Err(_) => dialtone_result::Malformed,
            }
        })
    }
}

/// A connection event for `conn`.
///
/// # Safety
/// `s` is a live station.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_station_handle_conn_event(
    s: *mut dialtone_sccp_station,
    now_ms: u64,
    conn: u32,
    ev: dialtone_sccp_conn_event,
) -> dialtone_result {
    let ev = match ev {
        dialtone_sccp_conn_event::Connected => ConnEvent::Connected,
        dialtone_sccp_conn_event::Closed => ConnEvent::Closed,
        dialtone_sccp_conn_event::Refused => ConnEvent::Refused,
    };
    // SAFETY: per the contract.
    unsafe {
        Station_::with(s.cast(), |h| {
            h.station
                .handle_conn_event(Instant::from_millis(now_ms), ConnId(conn), ev);
            dialtone_result::Ok
        })
    }
}

/// Time reached `now_ms`.
///
/// # Safety
/// `s` is a live station.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_station_handle_timeout(
    s: *mut dialtone_sccp_station,
    now_ms: u64,
) -> dialtone_result {
    // SAFETY: per the contract.
    unsafe {
        Station_::with(s.cast(), |h| {
            h.station.handle_timeout(Instant::from_millis(now_ms));
            dialtone_result::Ok
        })
    }
}

/// Unregisters cleanly (the user's `**#**`).
///
/// # Safety
/// `s` is a live station.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_station_unregister(
    s: *mut dialtone_sccp_station,
    now_ms: u64,
) -> dialtone_result {
    // SAFETY: per the contract.
    unsafe {
        Station_::with(s.cast(), |h| {
            h.station.unregister(Instant::from_millis(now_ms));
            dialtone_result::Ok
        })
    }
}

/// The network link went down (`up` false) or came back (true). Down:
/// every connection is closed (`CLOSE` events) and every timer cancelled; a
/// registered station reports `LOST`. Up: a new pass over the CallManagers
/// starts (`CONNECT`).
///
/// # Safety
/// `s` is a live station.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_station_handle_link(
    s: *mut dialtone_sccp_station,
    now_ms: u64,
    up: bool,
) -> dialtone_result {
    // SAFETY: per the contract.
    unsafe {
        Station_::with(s.cast(), |h| {
            let now = Instant::from_millis(now_ms);
            if up {
                h.station.handle_link_up(now);
            } else {
                h.station.handle_link_down(now);
            }
            dialtone_result::Ok
        })
    }
}

/// A call started (`active` true) or ended (false). Losing the active
/// CallManager during a call keeps the call (event `CALL_PRESERVED`); its end
/// fails over. A reset received during a call (`RESET_DEFERRED`) and any
/// fallback wait for its end.
///
/// # Safety
/// `s` is a live station.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_station_set_call_active(
    s: *mut dialtone_sccp_station,
    now_ms: u64,
    active: bool,
) -> dialtone_result {
    // SAFETY: per the contract.
    unsafe {
        Station_::with(s.cast(), |h| {
            h.station
                .set_call_active(Instant::from_millis(now_ms), active);
            dialtone_result::Ok
        })
    }
}

/// Writes the next message to send into `buf`: its length in `*out_len`, its
/// connection in `*out_conn`. `_EMPTY` when nothing is queued;
/// `_INSUFFICIENT_SIZE` with the size needed in `*out_len` (1024 always suffices).
///
/// # Safety
/// `s` is a live station; `buf` valid for `len` bytes; out-params valid.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_station_poll_transmit(
    s: *mut dialtone_sccp_station,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
    out_conn: *mut u32,
) -> dialtone_result {
    if out_len.is_null() || out_conn.is_null() {
        return dialtone_result::NullParameter;
    }
    // SAFETY: per the contract.
    let Some(out) = (unsafe { slice_mut(buf, len) }) else {
        return dialtone_result::NullParameter;
    };
    // SAFETY: per the contract.
    unsafe {
        Station_::with(s.cast(), |h| match h.station.poll_transmit(out) {
            Ok(Some(t)) => {
                // SAFETY: checked non-NULL.
                put(out_len, t.len);
                put(out_conn, t.to.0);
                dialtone_result::Ok
            }
            Ok(None) => dialtone_result::Empty,
            Err(e) => {
                // SAFETY: checked non-NULL.
                put(out_len, e.required);
                dialtone_result::InsufficientSize
            }
        })
    }
}

fn text33(b: &[u8]) -> [u8; 33] {
    let mut t = [0u8; 33];
    let n = b.len().min(32);
    t[..n].copy_from_slice(&b[..n]);
    t
}

fn to_c(ev: &Event) -> dialtone_sccp_station_event {
    use dialtone_sccp_station_event_kind as K;
    let mut e = dialtone_sccp_station_event {
        kind: K::Other,
        conn: 0,
        cm: 0,
        from: 0,
        addr: [0; 4],
        port: 0,
        keepalive_ms: 0,
        reason: 0,
        text: [0; 33],
    };
    let u = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
    match ev {
        Event::Connect { conn, cm, addr } => {
            e.kind = K::Connect;
            e.conn = conn.0;
            e.cm = u(*cm);
            if let std::net::IpAddr::V4(a) = addr.ip() {
                e.addr = a.octets();
            }
            e.port = addr.port();
        }
        Event::Close { conn } => {
            e.kind = K::Close;
            e.conn = conn.0;
        }
        Event::Registered { cm, keepalive, .. } => {
            e.kind = K::Registered;
            e.cm = u(*cm);
            e.keepalive_ms = u64::try_from(keepalive.as_millis()).unwrap_or(u64::MAX);
        }
        Event::Rejected { cm, reason, text } => {
            e.kind = K::Rejected;
            e.cm = u(*cm);
            e.reason = reason.map_or(0, u32::from);
            e.text = text33(text.bytes());
        }
        Event::VersionError { cm } => {
            e.kind = K::VersionError;
            e.cm = u(*cm);
        }
        Event::ResetRequested { cm, kind } => {
            e.kind = K::ResetRequested;
            e.cm = u(*cm);
            e.reason = u32::from(*kind);
        }
        Event::Lost { cm, .. } => {
            e.kind = K::Lost;
            e.cm = u(*cm);
        }
        Event::FailedOver { from, to } => {
            e.kind = K::FailedOver;
            e.from = u(*from);
            e.cm = u(*to);
        }
        Event::FellBack { from, to } => {
            e.kind = K::FellBack;
            e.from = u(*from);
            e.cm = u(*to);
        }
        Event::Display(t) => {
            e.kind = K::Display;
            e.text = text33(t.bytes());
        }
        Event::Unregistered { cm } => {
            e.kind = K::Unregistered;
            e.cm = u(*cm);
        }
        Event::PassExhausted => e.kind = K::PassExhausted,
        Event::CallPreserved { cm } => {
            e.kind = K::CallPreserved;
            e.cm = u(*cm);
        }
        Event::ResetDeferred { cm, kind } => {
            e.kind = K::ResetDeferred;
            e.cm = u(*cm);
            e.reason = u32::from(*kind);
        }
        _ => {}
    }
    e
}

/// The next event, or `_EMPTY`.
///
/// # Safety
/// `s` is a live station; `out` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_station_poll_event(
    s: *mut dialtone_sccp_station,
    out: *mut dialtone_sccp_station_event,
) -> dialtone_result {
    if out.is_null() {
        return dialtone_result::NullParameter;
    }
    // SAFETY: per the contract.
    unsafe {
        Station_::with(s.cast(), |h| match h.station.poll_event() {
            Some(ev) => {
                // SAFETY: checked non-NULL.
                put(out, to_c(&ev));
                dialtone_result::Ok
            }
            None => dialtone_result::Empty,
        })
    }
}

/// When to call `_handle_timeout` next: `true` and `*out_ms` set, or `false`
/// when no timer is armed.
///
/// # Safety
/// `s` is NULL or a live station; `out_ms` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_station_poll_timeout(
    s: *const dialtone_sccp_station,
    out_ms: *mut u64,
) -> bool {
    // SAFETY: per the contract.
    let t = unsafe { Station_::with_ref(s.cast(), |h| h.station.poll_timeout()) }.flatten();
    match t {
        // SAFETY: per the contract.
        Some(t) => unsafe { put(out_ms, t.as_millis()) },
        None => false,
    }
}

/// The member the station is registered with, or -1.
///
/// # Safety
/// `s` is NULL or a live station.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_station_active_cm(s: *const dialtone_sccp_station) -> i32 {
    // SAFETY: per the contract.
    unsafe { Station_::with_ref(s.cast(), |h| h.station.active_cm()) }
        .flatten()
        .and_then(|k| i32::try_from(k).ok())
        .unwrap_or(-1)
}

// ----------------------------------------------------------------------
// Minimal registrar

/// A registrar with an in-memory device list (opaque).
pub struct dialtone_sccp_registrar {
    registrar: Registrar,
}

type Registrar_ = Handle<dialtone_sccp_registrar>;

/// Creates a registrar granting `keepalive_secs` (0 = 30; 10–1000).
///
/// # Safety
/// `out` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_registrar_new(
    keepalive_secs: u32,
    now_ms: u64,
    out: *mut *mut dialtone_sccp_registrar,
) -> dialtone_result {
    crate::guard(|| {
        if out.is_null() {
            return dialtone_result::NullParameter;
        }
        let mut cfg = registrar::Config::default();
        if keepalive_secs != 0
            && cfg
                .set_keepalive(Duration::from_secs(u64::from(keepalive_secs)))
                .is_err()
        {
            return dialtone_result::InvalidParameter;
        }
        let r = Registrar::new(cfg, MemoryStore::new(), Instant::from_millis(now_ms));
        let h = Registrar_::into_raw(dialtone_sccp_registrar { registrar: r });
        // SAFETY: checked non-NULL.
        unsafe { put(out, h.cast()) };
        dialtone_result::Ok
    })
}

/// Frees a registrar (NULL is fine).
///
/// # Safety
/// `r` is NULL or came from [`dialtone_sccp_registrar_new`].
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_registrar_free(r: *mut dialtone_sccp_registrar) {
    // SAFETY: per the contract.
    unsafe { Registrar_::free(r.cast()) };
}

/// Adds a device: `name` (`SEP` + 12 hex), device type, one directory number.
///
/// # Safety
/// `r` live; `name`/`dn` valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_registrar_add_device(
    r: *mut dialtone_sccp_registrar,
    name: *const u8,
    name_len: usize,
    device_type: u32,
    dn: *const u8,
    dn_len: usize,
) -> dialtone_result {
    // SAFETY: per the contract.
    let (Some(name), Some(dn)) = (unsafe { slice(name, name_len) }, unsafe {
        slice(dn, dn_len)
    }) else {
        return dialtone_result::NullParameter;
    };
    let Some(name) = DeviceName::parse(name) else {
        return dialtone_result::InvalidParameter;
    };
    let Ok(dn) = std::str::from_utf8(dn) else {
        return dialtone_result::InvalidParameter;
    };
    let rec = DeviceRecord::new(DeviceType::from(device_type), vec![dn.to_string()]);
    // SAFETY: per the contract.
    unsafe {
        Registrar_::with(r.cast(), |h| {
            h.registrar.store_mut().insert(name, rec);
            dialtone_result::Ok
        })
    }
}

/// Bytes from connection `conn` (opened implicitly). `_MALFORMED`: garbage,
/// the connection was closed.
///
/// # Safety
/// `r` live; `buf` valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_registrar_handle_input(
    r: *mut dialtone_sccp_registrar,
    now_ms: u64,
    conn: u32,
    buf: *const u8,
    len: usize,
) -> dialtone_result {
    // SAFETY: per the contract.
    let Some(bytes) = (unsafe { slice(buf, len) }) else {
        return dialtone_result::NullParameter;
    };
    // SAFETY: per the contract.
    unsafe {
        Registrar_::with(r.cast(), |h| {
            match h
                .registrar
                .handle_input(Instant::from_millis(now_ms), ConnId(conn), bytes)
            {
                Ok(()) => dialtone_result::Ok,
                Err(registrar::InputError::Unexpected { .. }) => dialtone_result::Unexpected,
                Err(_) => dialtone_result::Malformed,
            }
        })
    }
}

/// Connection opened (`DIALTONE_SCCP_CONN_EVENT_CONNECTED`) or closed (any other).
///
/// # Safety
/// `r` live.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_registrar_handle_conn_event(
    r: *mut dialtone_sccp_registrar,
    now_ms: u64,
    conn: u32,
    ev: dialtone_sccp_conn_event,
) -> dialtone_result {
    let ev = match ev {
        dialtone_sccp_conn_event::Connected => registrar::ConnEvent::Connected,
        _ => registrar::ConnEvent::Closed,
    };
    // SAFETY: per the contract.
    unsafe {
        Registrar_::with(r.cast(), |h| {
            h.registrar
                .handle_conn_event(Instant::from_millis(now_ms), ConnId(conn), ev);
            dialtone_result::Ok
        })
    }
}

/// Time reached `now_ms`.
///
/// # Safety
/// `r` live.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_registrar_handle_timeout(
    r: *mut dialtone_sccp_registrar,
    now_ms: u64,
) -> dialtone_result {
    // SAFETY: per the contract.
    unsafe {
        Registrar_::with(r.cast(), |h| {
            h.registrar.handle_timeout(Instant::from_millis(now_ms));
            dialtone_result::Ok
        })
    }
}

/// Next message to send (as for the station). Close requests are reported
/// by [`dialtone_sccp_registrar_poll_close`].
///
/// # Safety
/// `r` live; `buf` valid for `len` bytes; out-params valid.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_registrar_poll_transmit(
    r: *mut dialtone_sccp_registrar,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
    out_conn: *mut u32,
) -> dialtone_result {
    if out_len.is_null() || out_conn.is_null() {
        return dialtone_result::NullParameter;
    }
    // SAFETY: per the contract.
    let Some(out) = (unsafe { slice_mut(buf, len) }) else {
        return dialtone_result::NullParameter;
    };
    // SAFETY: per the contract.
    unsafe {
        Registrar_::with(r.cast(), |h| match h.registrar.poll_transmit(out) {
            Ok(Some(t)) => {
                // SAFETY: checked non-NULL.
                put(out_len, t.len);
                put(out_conn, t.to.0);
                dialtone_result::Ok
            }
            Ok(None) => dialtone_result::Empty,
            Err(e) => {
                // SAFETY: checked non-NULL.
                put(out_len, e.required);
                dialtone_result::InsufficientSize
            }
        })
    }
}

/// Drains registrar events; writes the next connection to close into
/// `*out_conn` (`_OK`), or answers `_EMPTY` when no close is pending. Other
/// events are counted in [`dialtone_sccp_registrar_registered_count`].
///
/// # Safety
/// `r` live; `out_conn` valid.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_registrar_poll_close(
    r: *mut dialtone_sccp_registrar,
    out_conn: *mut u32,
) -> dialtone_result {
    if out_conn.is_null() {
        return dialtone_result::NullParameter;
    }
    // SAFETY: per the contract.
    unsafe {
        Registrar_::with(r.cast(), |h| {
            while let Some(ev) = h.registrar.poll_event() {
                if let registrar::Event::Close { conn } = ev {
                    // SAFETY: checked non-NULL.
                    put(out_conn, conn.0);
                    return dialtone_result::Ok;
                }
            }
            dialtone_result::Empty
        })
    }
}

/// When to call `_handle_timeout` next.
///
/// # Safety
/// `r` NULL or live; `out_ms` valid.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_registrar_poll_timeout(
    r: *const dialtone_sccp_registrar,
    out_ms: *mut u64,
) -> bool {
    // SAFETY: per the contract.
    let t = unsafe { Registrar_::with_ref(r.cast(), |h| h.registrar.poll_timeout()) }.flatten();
    match t {
        // SAFETY: per the contract.
        Some(t) => unsafe { put(out_ms, t.as_millis()) },
        None => false,
    }
}

/// Devices registered now (0 for NULL).
///
/// # Safety
/// `r` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_registrar_registered_count(
    r: *const dialtone_sccp_registrar,
) -> usize {
    // SAFETY: per the contract.
    unsafe { Registrar_::with_ref(r.cast(), |h| h.registrar.registered_count()) }.unwrap_or(0)
}
