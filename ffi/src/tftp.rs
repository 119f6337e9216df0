//! The TFTP client state machine for C (`dialtone_tftp_client_*`): firmware
//! fetches its configuration and loads with it over its own UDP socket.
//!
//! Drive loop: after `_new_read` and after every `_handle_*`, call
//! `_poll_transmit` until `DIALTONE_RESULT_EMPTY` (send each datagram to
//! `*out_to`), then `_poll_event` until `DIALTONE_RESULT_EMPTY`, then wait for
//! a datagram at most until `_poll_timeout`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use dialtone_core::Instant;
use dialtone_tftp::client::{Client, Config, Event, Failure};
use dialtone_tftp::InputError;

use crate::{dialtone_result, put, slice, slice_mut, Handle};

/// A UDP endpoint: `family` 4 (address in `ip[0..4]`) or 6 (`ip[0..16]`),
/// `port` in host order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct dialtone_udp_addr {
    /// 4 or 6.
    pub family: u8,
    /// Address bytes in network order.
    pub ip: [u8; 16],
    /// Port, host order.
    pub port: u16,
}

impl dialtone_udp_addr {
    fn to_std(self) -> Option<SocketAddr> {
        let ip = match self.family {
            4 => IpAddr::V4(Ipv4Addr::new(
                self.ip[0], self.ip[1], self.ip[2], self.ip[3],
            )),
            6 => IpAddr::V6(Ipv6Addr::from(self.ip)),
            _ => return None,
        };
        Some(SocketAddr::new(ip, self.port))
    }

    fn from_std(a: SocketAddr) -> Self {
        let mut ip = [0u8; 16];
        let family = match a.ip() {
            IpAddr::V4(v4) => {
                ip[..4].copy_from_slice(&v4.octets());
                4
            }
            IpAddr::V6(v6) => {
                ip = v6.octets();
                6
            }
        };
        dialtone_udp_addr {
            family,
            ip,
            port: a.port(),
        }
    }
}

/// Client settings; 0 / false = option not proposed.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct dialtone_tftp_client_config {
    /// `blksize` to propose (8..65464), 0 for none.
    pub blksize: u16,
    /// `windowsize` to propose (1..65535), 0 for none.
    pub windowsize: u16,
    /// `timeout` in seconds to propose (1..255), 0 for none.
    pub timeout_s: u8,
    /// Ask for the transfer size (`tsize`).
    pub tsize: bool,
    /// First retransmission timeout in milliseconds; 0 for the default
    /// (1000, doubled per consecutive timeout).
    pub retransmit_ms: u32,
    /// Retransmissions of one packet before giving up; 0 for the default (5).
    pub max_retransmits: u8,
}

/// Kind of a [`dialtone_tftp_event`].
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dialtone_tftp_event_kind {
    /// Parameters fixed: `blksize`, `windowsize`.
    Negotiated = 0,
    /// The server refused the options (ERROR 8); the request is resent
    /// without them.
    OptionsRejected = 1,
    /// The server announced the file size: `value`.
    TransferSize = 2,
    /// File bytes `data[0..data_len]` at `offset`.
    Data = 3,
    /// Bytes acknowledged so far (write transfers): `value`.
    Progress = 4,
    /// Success; the file has `value` bytes.
    Complete = 5,
    /// The server sent ERROR `error_code` (1 = File Not Found).
    RemoteError = 6,
    /// No answer after the retry limit.
    TimedOut = 7,
    /// The server broke the protocol or sent an unacceptable OACK.
    ProtocolError = 8,
}

/// One event of the client. `data` points into the client and stays valid
/// until the next call on the same handle.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dialtone_tftp_event {
    /// What happened.
    pub kind: dialtone_tftp_event_kind,
    /// Offset of `data` in the file (`Data`).
    pub offset: u64,
    /// File bytes (`Data`), else NULL.
    pub data: *const u8,
    /// Length of `data`.
    pub data_len: usize,
    /// Size or byte count (`TransferSize`, `Progress`, `Complete`).
    pub value: u64,
    /// TFTP error code (`RemoteError`).
    pub error_code: u16,
    /// Block size in effect (`Negotiated`).
    pub blksize: u16,
    /// Window size in effect (`Negotiated`).
    pub windowsize: u16,
}

impl dialtone_tftp_event {
    fn new(kind: dialtone_tftp_event_kind) -> Self {
        dialtone_tftp_event {
            kind,
            offset: 0,
            data: std::ptr::null(),
            data_len: 0,
            value: 0,
            error_code: 0,
            blksize: 0,
            windowsize: 0,
        }
    }
}

/// An opaque TFTP client (one transfer).
pub struct dialtone_tftp_client {
    _private: [u8; 0],
}

type ClientHandle = Handle<Client>;

fn handle(p: *mut dialtone_tftp_client) -> *mut ClientHandle {
    p.cast()
}

/// Starts downloading `name[0..name_len]` (UTF-8) from `server`; the request
/// is ready in `_poll_transmit`.
///
/// # Safety
/// `cfg` NULL (defaults) or valid; `server` and `out` valid; `name` valid
/// for `name_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn dialtone_tftp_client_new_read(
    cfg: *const dialtone_tftp_client_config,
    server: *const dialtone_udp_addr,
    name: *const u8,
    name_len: usize,
    now_ms: u64,
    out: *mut *mut dialtone_tftp_client,
) -> dialtone_result {
    crate::guard(|| {
        if out.is_null() {
            return dialtone_result::NullParameter;
        }
        // SAFETY: per the contract.
        let Some(server) = (unsafe { server.as_ref() }) else {
            return dialtone_result::NullParameter;
        };
        let Some(server) = server.to_std() else {
            return dialtone_result::InvalidParameter;
        };
        // SAFETY: per the contract.
        let Some(name) = (unsafe { slice(name, name_len) }) else {
            return dialtone_result::NullParameter;
        };
        let Ok(name) = std::str::from_utf8(name) else {
            return dialtone_result::InvalidParameter;
        };
        // SAFETY: per the contract (NULL = defaults).
        let c = unsafe { cfg.as_ref() }.copied().unwrap_or_default();
        let mut config = Config::default();
        config.blksize = (c.blksize != 0).then_some(c.blksize);
        config.windowsize = (c.windowsize != 0).then_some(c.windowsize);
        config.timeout = (c.timeout_s != 0).then_some(c.timeout_s);
        config.tsize = c.tsize;
        if c.retransmit_ms != 0 {
            config.retransmit = std::time::Duration::from_millis(u64::from(c.retransmit_ms));
        }
        if c.max_retransmits != 0 {
            config.max_retransmits = c.max_retransmits;
        }
        let client = Client::read(config, server, name, Instant::from_millis(now_ms));
        let h = Handle::into_raw(client);
        // SAFETY: `out` checked non-NULL.
        unsafe { put(out, h.cast::<dialtone_tftp_client>()) };
        dialtone_result::Ok
    })
}

/// A datagram `buf[0..len]` arrived from `from`. `DIALTONE_RESULT_MALFORMED`
/// or `_UNEXPECTED` mean it was ignored (the transfer goes on).
///
/// # Safety
/// `c` a live handle; `from` valid; `buf` valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn dialtone_tftp_client_handle_input(
    c: *mut dialtone_tftp_client,
    now_ms: u64,
    from: *const dialtone_udp_addr,
    buf: *const u8,
    len: usize,
) -> dialtone_result {
    // SAFETY: per the contract.
    let from = unsafe { from.as_ref() }.copied();
    // SAFETY: per the contract.
    let bytes = unsafe { slice(buf, len) };
    // SAFETY: per the contract.
    unsafe {
        Handle::with(handle(c), |client| {
            let (Some(from), Some(bytes)) = (from, bytes) else {
                return dialtone_result::NullParameter;
            };
            let Some(from) = from.to_std() else {
                return dialtone_result::InvalidParameter;
            };
            match client.handle_input(Instant::from_millis(now_ms), from, bytes) {
                Ok(()) => dialtone_result::Ok,
                Err(InputError::Decode(_)) => dialtone_result::Malformed,
                Err(_) => dialtone_result::Unexpected,
            }
        })
    }
}

/// Time reached `now_ms`.
///
/// # Safety
/// `c` a live handle (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn dialtone_tftp_client_handle_timeout(
    c: *mut dialtone_tftp_client,
    now_ms: u64,
) {
    // SAFETY: per the contract.
    let _ = unsafe {
        Handle::with(handle(c), |client| {
            client.handle_timeout(Instant::from_millis(now_ms));
            dialtone_result::Ok
        })
    };
}

/// Writes the next datagram into `buf[0..len]`: `*out_len` bytes to send to
/// `*out_to`. `DIALTONE_RESULT_EMPTY` when there is none;
/// `DIALTONE_RESULT_INSUFFICIENT_SIZE` sets `*out_len` to the size needed
/// (blksize + 4 always suffices).
///
/// # Safety
/// `c` a live handle; `buf` valid for `len` writable bytes; `out_len` and
/// `out_to` valid.
#[no_mangle]
pub unsafe extern "C" fn dialtone_tftp_client_poll_transmit(
    c: *mut dialtone_tftp_client,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
    out_to: *mut dialtone_udp_addr,
) -> dialtone_result {
    if out_len.is_null() || out_to.is_null() {
        return dialtone_result::NullParameter;
    }
    // SAFETY: per the contract.
    let Some(buf) = (unsafe { slice_mut(buf, len) }) else {
        return dialtone_result::NullParameter;
    };
    // SAFETY: per the contract.
    unsafe {
        Handle::with(handle(c), |client| match client.poll_transmit(buf) {
            Ok(Some(t)) => {
                put(out_len, t.len);
                put(out_to, dialtone_udp_addr::from_std(t.to));
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

/// The next event into `*out`; `DIALTONE_RESULT_EMPTY` when there is none.
///
/// # Safety
/// `c` a live handle; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn dialtone_tftp_client_poll_event(
    c: *mut dialtone_tftp_client,
    out: *mut dialtone_tftp_event,
) -> dialtone_result {
    if out.is_null() {
        return dialtone_result::NullParameter;
    }
    // SAFETY: per the contract.
    unsafe {
        Handle::with(handle(c), |client| {
            use dialtone_tftp_event_kind as K;
            let Some(ev) = client.poll_event() else {
                return dialtone_result::Empty;
            };
            let e = match ev {
                Event::Negotiated(n) => dialtone_tftp_event {
                    blksize: n.blksize,
                    windowsize: n.windowsize,
                    ..dialtone_tftp_event::new(K::Negotiated)
                },
                Event::OptionsRejected => dialtone_tftp_event::new(K::OptionsRejected),
                Event::TransferSize(t) => dialtone_tftp_event {
                    value: t,
                    ..dialtone_tftp_event::new(K::TransferSize)
                },
                Event::Data { offset, data } => dialtone_tftp_event {
                    offset,
                    data: data.as_ptr(),
                    data_len: data.len(),
                    ..dialtone_tftp_event::new(K::Data)
                },
                Event::Progress { bytes } => dialtone_tftp_event {
                    value: bytes,
                    ..dialtone_tftp_event::new(K::Progress)
                },
                Event::Complete { size } => dialtone_tftp_event {
                    value: size,
                    ..dialtone_tftp_event::new(K::Complete)
                },
                Event::Failed(Failure::Remote { code, .. }) => dialtone_tftp_event {
                    error_code: code.to_u16(),
                    ..dialtone_tftp_event::new(K::RemoteError)
                },
                Event::Failed(Failure::TimedOut) => dialtone_tftp_event::new(K::TimedOut),
                Event::Failed(_) => dialtone_tftp_event::new(K::ProtocolError),
                _ => dialtone_tftp_event::new(K::ProtocolError),
            };
            put(out, e);
            dialtone_result::Ok
        })
    }
}

/// When to call `_handle_timeout` next, into `*out_ms`; false when no timer
/// runs (the transfer is over).
///
/// # Safety
/// `c` a live handle; `out_ms` valid.
#[no_mangle]
pub unsafe extern "C" fn dialtone_tftp_client_poll_timeout(
    c: *const dialtone_tftp_client,
    out_ms: *mut u64,
) -> bool {
    // SAFETY: per the contract.
    let at = unsafe { Handle::with_ref(c.cast::<ClientHandle>(), |client| client.poll_timeout()) };
    match at.flatten() {
        // SAFETY: per the contract.
        Some(t) => unsafe { put(out_ms, t.as_millis()) },
        None => false,
    }
}

/// True once the transfer succeeded or failed.
///
/// # Safety
/// `c` a live handle (NULL answers true).
#[no_mangle]
pub unsafe extern "C" fn dialtone_tftp_client_is_finished(c: *const dialtone_tftp_client) -> bool {
    // SAFETY: per the contract.
    unsafe { Handle::with_ref(c.cast::<ClientHandle>(), Client::is_finished) }.unwrap_or(true)
}

/// Frees a client; NULL is fine.
///
/// # Safety
/// `c` NULL or a live handle, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn dialtone_tftp_client_free(c: *mut dialtone_tftp_client) {
    // SAFETY: per the contract.
    unsafe { Handle::free(handle(c)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_requests_and_reports_file_not_found() {
        let server = dialtone_udp_addr {
            family: 4,
            ip: [127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            port: 69,
        };
        // The shared sample RRQ: blksize 512, tsize 0.
        let cfg = dialtone_tftp_client_config {
            blksize: 512,
            tsize: true,
            ..Default::default()
        };
        let name = b"SEP001E7AC4D231.cnf.xml";
        let mut c = std::ptr::null_mut();
        let r = unsafe {
            dialtone_tftp_client_new_read(&cfg, &server, name.as_ptr(), name.len(), 0, &mut c)
        };
        assert_eq!(r, dialtone_result::Ok);
        let mut buf = [0u8; 600];
        let (mut n, mut to) = (0usize, dialtone_udp_addr::default());
        let r =
            unsafe { dialtone_tftp_client_poll_transmit(c, buf.as_mut_ptr(), 3, &mut n, &mut to) };
        assert_eq!((r, n), (dialtone_result::InsufficientSize, 52));
        let r = unsafe {
            dialtone_tftp_client_poll_transmit(c, buf.as_mut_ptr(), buf.len(), &mut n, &mut to)
        };
        assert_eq!(r, dialtone_result::Ok);
        assert_eq!(
            &buf[..n],
            include_bytes!("../../testdata/samples/tftp-rrq.bin").as_slice()
        );
        assert_eq!(to.port, 69);
        let from = dialtone_udp_addr {
            port: 4000,
            ..server
        };
        let err = b"\x00\x05\x00\x01File not found\0";
        let r = unsafe { dialtone_tftp_client_handle_input(c, 5, &from, err.as_ptr(), err.len()) };
        assert_eq!(r, dialtone_result::Ok);
        let mut ev = dialtone_tftp_event::new(dialtone_tftp_event_kind::Data);
        assert_eq!(
            unsafe { dialtone_tftp_client_poll_event(c, &mut ev) },
            dialtone_result::Ok
        );
        assert_eq!(
            (ev.kind, ev.error_code),
            (dialtone_tftp_event_kind::RemoteError, 1)
        );
        assert!(unsafe { dialtone_tftp_client_is_finished(c) });
        let bad = b"\x00";
        let r = unsafe { dialtone_tftp_client_handle_input(c, 5, &from, bad.as_ptr(), bad.len()) };
        assert_ne!(r, dialtone_result::Ok);
        unsafe { dialtone_tftp_client_free(c) };
        unsafe { dialtone_tftp_client_free(std::ptr::null_mut()) };
    }
}
