//! DHCP from C: read a message's TFTP servers, and drive the RFC 2131 client.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use dialtone_core::Instant;
use dialtone_dhcp_opts::client::{Client, Config, Event, Reason, State};
use dialtone_dhcp_opts::Packet;

use crate::{dialtone_result, guard, put, slice, slice_mut, Handle};

/// Addresses per list in [`dialtone_dhcp_lease`].
pub const DIALTONE_DHCP_LIST_CAP: usize = 8;

/// Reads a DHCP message (BOOTP header, no UDP/IP) and writes its option 150
/// TFTP server addresses (host byte order, e.g. 10.0.0.1 = 0x0A000001), in
/// order, into `out_addrs` (at most `cap`), their total number into
/// `*out_count` and the message type (option 53, 0 when absent) into
/// `*out_type`.
///
/// Returns `MALFORMED` for undecodable input, `INSUFFICIENT_SIZE` when `cap`
/// is smaller than the list (`*out_count` then holds the size needed).
///
/// # Safety
/// `buf` is valid for `len` bytes; `out_addrs` for `cap` writes; the other
/// pointers for one write each.
#[no_mangle]
pub unsafe extern "C" fn dialtone_dhcp_tftp_servers(
    buf: *const u8,
    len: usize,
    out_addrs: *mut u32,
    cap: usize,
    out_count: *mut usize,
    out_type: *mut u8,
) -> dialtone_result {
    guard(|| {
        // SAFETY: per the contract.
        let Some(bytes) = (unsafe { slice(buf, len) }) else {
            return dialtone_result::NullParameter;
        };
        if out_count.is_null() || out_type.is_null() || (cap > 0 && out_addrs.is_null()) {
            return dialtone_result::NullParameter;
        }
        let Ok(p) = Packet::new_checked(bytes) else {
            return dialtone_result::Malformed;
        };
        let list: Vec<u32> = p
            .tftp_servers()
            .map(|l| l.iter().map(u32::from).collect())
            .unwrap_or_default();
        // SAFETY: checked non-NULL above; valid per the contract.
        unsafe {
            put(out_count, list.len());
            if list.len() > cap {
                return dialtone_result::InsufficientSize;
            }
            for (i, a) in list.iter().enumerate() {
                *out_addrs.add(i) = *a;
            }
            put(out_type, p.message_type().map_or(0, u8::from));
        }
        dialtone_result::Ok
    })
}

/// Client settings.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dialtone_dhcp_config {
    /// The interface's Ethernet address.
    pub mac: [u8; 6],
    /// Skip the random 1-10 s initial delay (RFC 2131 §4.4.1).
    pub no_initial_delay: bool,
    /// Emit `DIALTONE_DHCP_EVENT_KIND_CHECK_ADDRESS` and wait for
    /// `dialtone_dhcp_client_conflict_check` before BOUND.
    pub conflict_check: bool,
}

/// The client's state (RFC 2131 §4.4 plus STOPPED after a release).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dialtone_dhcp_state {
    /// INIT
    Init,
    /// SELECTING
    Selecting,
    /// REQUESTING
    Requesting,
    /// BOUND
    Bound,
    /// RENEWING
    Renewing,
    /// REBINDING
    Rebinding,
    /// INIT-REBOOT
    InitReboot,
    /// REBOOTING
    Rebooting,
    /// Released
    Stopped,
}

impl From<State> for dialtone_dhcp_state {
    fn from(s: State) -> Self {
        match s {
            State::Init => Self::Init,
            State::Selecting => Self::Selecting,
            State::Requesting => Self::Requesting,
            State::Bound => Self::Bound,
            State::Renewing => Self::Renewing,
            State::Rebinding => Self::Rebinding,
            State::InitReboot => Self::InitReboot,
            State::Rebooting => Self::Rebooting,
            State::Stopped => Self::Stopped,
        }
    }
}

/// Kind of a [`dialtone_dhcp_event`].
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dialtone_dhcp_event_kind {
    /// `from` -> `to` for `reason` (a `Reason` code, see below).
    StateChanged,
    /// A new lease in `lease`: configure the interface.
    Bound,
    /// The lease was extended; `lease` holds it.
    Renewed,
    /// Stop using `address` (`reason`).
    LeaseLost,
    /// Probe `address`, then call `dialtone_dhcp_client_conflict_check`.
    CheckAddress,
}

/// A lease; addresses in host byte order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct dialtone_dhcp_lease {
    /// `yiaddr`.
    pub address: u32,
    /// Option 1 (0 when absent).
    pub subnet_mask: u32,
    /// Option 3, first `routers_count` entries.
    pub routers: [u32; DIALTONE_DHCP_LIST_CAP],
    /// Number of routers.
    pub routers_count: usize,
    /// Option 6.
    pub dns: [u32; DIALTONE_DHCP_LIST_CAP],
    /// Number of DNS servers.
    pub dns_count: usize,
    /// Option 150 TFTP servers, in order.
    pub tftp: [u32; DIALTONE_DHCP_LIST_CAP],
    /// Number of option-150 servers.
    pub tftp_count: usize,
    /// `siaddr`.
    pub next_server: u32,
    /// Option 54.
    pub server_id: u32,
    /// Option 51 in seconds (`UINT32_MAX` = infinite).
    pub lease_secs: u32,
    /// T1 in seconds (0 when infinite).
    pub t1_secs: u32,
    /// T2 in seconds (0 when infinite).
    pub t2_secs: u32,
}

/// One client event.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dialtone_dhcp_event {
    /// What happened.
    pub kind: dialtone_dhcp_event_kind,
    /// Previous state (STATE_CHANGED).
    pub from: dialtone_dhcp_state,
    /// New state (STATE_CHANGED).
    pub to: dialtone_dhcp_state,
    /// Reason (STATE_CHANGED, LEASE_LOST): 0 delay elapsed, 1 offer, 2 ack,
    /// 3 nak, 4 requests exhausted, 5 T1, 6 T2, 7 lease expired, 8 address
    /// in use, 9 released, 10 restarted.
    pub reason: u8,
    /// Address (LEASE_LOST, CHECK_ADDRESS), host byte order.
    pub address: u32,
    /// The lease (BOUND, RENEWED).
    pub lease: dialtone_dhcp_lease,
}

/// Opaque DHCP client handle.
pub struct dialtone_dhcp_client {
    _private: [u8; 0],
}

type ClientHandle = Handle<Client>;

fn reason_code(r: Reason) -> u8 {
    match r {
        Reason::DelayElapsed => 0,
        Reason::OfferReceived => 1,
        Reason::AckReceived => 2,
        Reason::NakReceived => 3,
        Reason::RequestsExhausted => 4,
        Reason::RenewalTime => 5,
        Reason::RebindingTime => 6,
        Reason::LeaseExpired => 7,
        Reason::AddressInUse => 8,
        Reason::Released => 9,
        _ => 10,
    }
}

fn list(l: &dialtone_dhcp_opts::lease::AddrList) -> ([u32; DIALTONE_DHCP_LIST_CAP], usize) {
    let mut a = [0u32; DIALTONE_DHCP_LIST_CAP];
    for (d, s) in a.iter_mut().zip(l.iter()) {
        *d = u32::from(s);
    }
    (a, l.len().min(DIALTONE_DHCP_LIST_CAP))
}

fn lease_c(l: &dialtone_dhcp_opts::Lease) -> dialtone_dhcp_lease {
    let (routers, routers_count) = list(&l.routers);
    let (dns, dns_count) = list(&l.dns_servers);
    let (tftp, tftp_count) = list(&l.tftp_servers);
    let secs =
        |d: Option<Duration>| d.map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
    dialtone_dhcp_lease {
        address: u32::from(l.address),
        subnet_mask: l.subnet_mask.map_or(0, u32::from),
        routers,
        routers_count,
        dns,
        dns_count,
        tftp,
        tftp_count,
        next_server: u32::from(l.next_server),
        server_id: u32::from(l.server_id),
        lease_secs: l
            .lease_time
            .map_or(u32::MAX, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX)),
        t1_secs: secs(l.renewal_time),
        t2_secs: secs(l.rebinding_time),
    }
}

/// Creates a client in INIT at `now_ms`; randomness from `seed`.
///
/// # Safety
/// `cfg` valid for a read; `out` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_dhcp_client_new(
    cfg: *const dialtone_dhcp_config,
    now_ms: u64,
    seed: u64,
    out: *mut *mut dialtone_dhcp_client,
) -> dialtone_result {
    guard(|| {
        // SAFETY: per the contract.
        let Some(cfg) = (unsafe { cfg.as_ref() }) else {
            return dialtone_result::NullParameter;
        };
        if out.is_null() {
            return dialtone_result::NullParameter;
        }
        let mut c = Config::new(cfg.mac);
        if cfg.no_initial_delay {
            c.initial_delay = (Duration::ZERO, Duration::ZERO);
        }
        c.conflict_check = cfg.conflict_check;
        let h = ClientHandle::into_raw(Client::new(c, Instant::from_millis(now_ms), seed));
        // SAFETY: `out` is non-NULL and valid per the contract.
        unsafe { put(out, h.cast()) };
        dialtone_result::Ok
    })
}

/// A datagram that arrived on UDP port 68 from `from_ip` (host order).
/// `MALFORMED` for undecodable input, `UNEXPECTED` for a reply the client
/// ignores (other transaction, wrong state); the state is unchanged then.
///
/// # Safety
/// `c` is a live handle; `buf` valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn dialtone_dhcp_client_handle_input(
    c: *mut dialtone_dhcp_client,
    now_ms: u64,
    from_ip: u32,
    buf: *const u8,
    len: usize,
) -> dialtone_result {
    // SAFETY: per the contract.
    let Some(bytes) = (unsafe { slice(buf, len) }) else {
        return dialtone_result::NullParameter;
    };
    let from = SocketAddr::from((Ipv4Addr::from(from_ip), 67));
    // SAFETY: per the contract.
    unsafe {
        ClientHandle::with(c.cast(), |cl| {
            match cl.handle_input(Instant::from_millis(now_ms), from, bytes) {
                Ok(()) => dialtone_result::Ok,
                Err(dialtone_dhcp_opts::InputError::Decode(_)) => dialtone_result::Malformed,
                Err(_) => dialtone_result::Unexpected,
            }
        })
    }
}

/// Time reached `now_ms`.
///
/// # Safety
/// `c` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn dialtone_dhcp_client_handle_timeout(
    c: *mut dialtone_dhcp_client,
    now_ms: u64,
) -> dialtone_result {
    // SAFETY: per the contract.
    unsafe {
        ClientHandle::with(c.cast(), |cl| {
            cl.handle_timeout(Instant::from_millis(now_ms));
            dialtone_result::Ok
        })
    }
}

/// Answer to CHECK_ADDRESS: `in_use` true sends a DECLINE.
///
/// # Safety
/// `c` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn dialtone_dhcp_client_conflict_check(
    c: *mut dialtone_dhcp_client,
    now_ms: u64,
    in_use: bool,
) -> dialtone_result {
    // SAFETY: per the contract.
    unsafe {
        ClientHandle::with(c.cast(), |cl| {
            if cl.handle_conflict_check(Instant::from_millis(now_ms), in_use) {
                dialtone_result::Ok
            } else {
                dialtone_result::Unexpected
            }
        })
    }
}

/// Releases the lease (unicast RELEASE) and stops.
///
/// # Safety
/// `c` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn dialtone_dhcp_client_release(
    c: *mut dialtone_dhcp_client,
    now_ms: u64,
) -> dialtone_result {
    // SAFETY: per the contract.
    unsafe {
        ClientHandle::with(c.cast(), |cl| {
            cl.release(Instant::from_millis(now_ms));
            dialtone_result::Ok
        })
    }
}

/// Writes the next datagram into `buf`: send `*out_len` bytes from port 68
/// to `*out_ip` (host order) port 67. `EMPTY` when nothing is queued,
/// `INSUFFICIENT_SIZE` (with `*out_len` = size needed) when `buf` is short.
///
/// # Safety
/// `c` is a live handle; `buf` valid for `len` writes; outs for one write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_dhcp_client_poll_transmit(
    c: *mut dialtone_dhcp_client,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
    out_ip: *mut u32,
) -> dialtone_result {
    if out_len.is_null() || out_ip.is_null() {
        return dialtone_result::NullParameter;
    }
    // SAFETY: per the contract.
    let Some(out) = (unsafe { slice_mut(buf, len) }) else {
        return dialtone_result::NullParameter;
    };
    // SAFETY: per the contract.
    unsafe {
        ClientHandle::with(c.cast(), |cl| match cl.poll_transmit(out) {
            Ok(Some(t)) => {
                let ip = match t.to {
                    SocketAddr::V4(a) => u32::from(*a.ip()),
                    SocketAddr::V6(_) => u32::MAX,
                };
                put(out_len, t.len);
                put(out_ip, ip);
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

/// The next event, or `EMPTY`.
///
/// # Safety
/// `c` is a live handle; `out` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_dhcp_client_poll_event(
    c: *mut dialtone_dhcp_client,
    out: *mut dialtone_dhcp_event,
) -> dialtone_result {
    if out.is_null() {
        return dialtone_result::NullParameter;
    }
    // SAFETY: per the contract.
    unsafe {
        ClientHandle::with(c.cast(), |cl| {
            let Some(ev) = cl.poll_event() else {
                return dialtone_result::Empty;
            };
            let state = dialtone_dhcp_state::from(cl.state());
            let mut e = dialtone_dhcp_event {
                kind: dialtone_dhcp_event_kind::StateChanged,
                from: state,
                to: state,
                reason: 0,
                address: 0,
                lease: dialtone_dhcp_lease::default(),
            };
            match ev {
                Event::StateChanged { from, to, reason } => {
                    e.from = from.into();
                    e.to = to.into();
                    e.reason = reason_code(reason);
                }
                Event::Bound(l) => {
                    e.kind = dialtone_dhcp_event_kind::Bound;
                    e.lease = lease_c(&l);
                    e.address = e.lease.address;
                }
                Event::Renewed(l) => {
                    e.kind = dialtone_dhcp_event_kind::Renewed;
                    e.lease = lease_c(&l);
                    e.address = e.lease.address;
                }
                Event::LeaseLost { address, reason } => {
                    e.kind = dialtone_dhcp_event_kind::LeaseLost;
                    e.address = u32::from(address);
                    e.reason = reason_code(reason);
                }
                Event::CheckAddress { address } => {
                    e.kind = dialtone_dhcp_event_kind::CheckAddress;
                    e.address = u32::from(address);
                }
            }
            put(out, e);
            dialtone_result::Ok
        })
    }
}

/// When to call `handle_timeout` next: true and `*out_ms` set, or false
/// (no deadline, NULL or poisoned handle).
///
/// # Safety
/// `c` is NULL or a live handle; `out_ms` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_dhcp_client_poll_timeout(
    c: *const dialtone_dhcp_client,
    out_ms: *mut u64,
) -> bool {
    // SAFETY: per the contract.
    let t = unsafe { ClientHandle::with_ref(c.cast(), |cl| cl.poll_timeout()) }.flatten();
    match t {
        // SAFETY: per the contract.
        Some(t) => unsafe { put(out_ms, t.as_millis()) },
        None => false,
    }
}

/// Frees a client (NULL is fine).
///
/// # Safety
/// `c` is NULL or a handle from `dialtone_dhcp_client_new`, freed once.
#[no_mangle]
pub unsafe extern "C" fn dialtone_dhcp_client_free(c: *mut dialtone_dhcp_client) {
    // SAFETY: per the contract.
    unsafe { ClientHandle::free(c.cast()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dialtone_dhcp_opts::MessageType;

    const ACK: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/samples/dhcp-ack.bin"
    ));

    #[test]
    fn tftp_servers_of_the_sample_ack() {
        let mut addrs = [0u32; 4];
        let (mut n, mut t) = (0usize, 0u8);
        let r = unsafe {
            dialtone_dhcp_tftp_servers(
                ACK.as_ptr(),
                ACK.len(),
                addrs.as_mut_ptr(),
                4,
                &mut n,
                &mut t,
            )
        };
        assert_eq!(r, dialtone_result::Ok);
        assert_eq!((n, t), (2, u8::from(MessageType::Ack)));
        assert_eq!(&addrs[..2], &[0x0A0A_0A0B, 0x0A0A_0A0C]);
        let r = unsafe {
            dialtone_dhcp_tftp_servers(ACK.as_ptr(), 10, addrs.as_mut_ptr(), 4, &mut n, &mut t)
        };
        assert_eq!(r, dialtone_result::Malformed);
    }

    #[test]
    fn client_sends_discover_and_frees() {
        let cfg = dialtone_dhcp_config {
            mac: [0, 0x1e, 0x7a, 0xc4, 0xd2, 0x31],
            no_initial_delay: true,
            conflict_check: false,
        };
        let mut c = std::ptr::null_mut();
        assert_eq!(
            unsafe { dialtone_dhcp_client_new(&cfg, 0, 1, &mut c) },
            dialtone_result::Ok
        );
        assert_eq!(
            unsafe { dialtone_dhcp_client_handle_timeout(c, 0) },
            dialtone_result::Ok
        );
        let mut buf = [0u8; 600];
        let (mut n, mut ip) = (0usize, 0u32);
        let r =
            unsafe { dialtone_dhcp_client_poll_transmit(c, buf.as_mut_ptr(), 10, &mut n, &mut ip) };
        assert_eq!((r, n), (dialtone_result::InsufficientSize, 321));
        let r = unsafe {
            dialtone_dhcp_client_poll_transmit(c, buf.as_mut_ptr(), buf.len(), &mut n, &mut ip)
        };
        assert_eq!((r, ip), (dialtone_result::Ok, u32::MAX));
        let mut ev = std::mem::MaybeUninit::<dialtone_dhcp_event>::uninit();
        assert_eq!(
            unsafe { dialtone_dhcp_client_poll_event(c, ev.as_mut_ptr()) },
            dialtone_result::Ok
        );
        let mut at = 0u64;
        assert!(unsafe { dialtone_dhcp_client_poll_timeout(c, &mut at) });
        assert!(at >= 3000);
        unsafe { dialtone_dhcp_client_free(c) };
    }
}
