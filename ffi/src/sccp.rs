//! SCCP (Skinny) codec for C: an opaque framer that cuts a TCP stream into
//! messages, a decoder into a flat view struct that points into the caller's
//! buffer, and encoders for the registration messages.

use std::collections::VecDeque;

use dialtone_sccp::types::{
    Fixed, RegisterAck, RegisterForm, RegisterFull, RegisterReject, RegisterTokenReqBase,
    TokenAddress, Word,
};
use dialtone_sccp::{
    Config, DecodeError, Frame, Framer, FramerError, Ipv4, Message, RejectReason, StationId,
};

use crate::{dialtone_result, guard, put, slice, slice_mut, Handle};

/// An SCCP stream framer (opaque). Create with [`dialtone_sccp_framer_new`],
/// free with [`dialtone_sccp_framer_free`].
pub struct dialtone_sccp_framer {
    framer: Framer,
    /// Frames (and errors) found by the last push, in stream order.
    pending: VecDeque<Pending>,
    /// Copy of the one frame of a push that was completed from bytes held
    /// since an earlier push (a frame split across pushes).
    joined: Vec<u8>,
    /// The caller's buffer of the last push (views point into it).
    input: *const u8,
}

enum Pending {
    /// A frame at `off..off + len` of the last pushed buffer.
    Input { off: usize, len: usize },
    /// The frame in `joined`.
    Joined,
    /// A framing error.
    Error(FramerError),
}

type Framer_ = Handle<dialtone_sccp_framer>;

/// One complete SCCP message found by the framer.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dialtone_sccp_frame {
    /// The whole message (12-byte header + body).
    pub bytes: *const u8,
    /// Length of `bytes`.
    pub len: usize,
    /// Header length field (message id + body).
    pub length: u32,
    /// Header version field.
    pub header_version: u32,
    /// Message id.
    pub message_id: u32,
}

/// Creates a framer. `max_body` is the largest body accepted (0 for the
/// default, 4096 bytes).
///
/// # Safety
/// `out` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_framer_new(
    max_body: usize,
    out: *mut *mut dialtone_sccp_framer,
) -> dialtone_result {
    guard(|| {
        if out.is_null() {
            return dialtone_result::NullParameter;
        }
        let config = if max_body == 0 {
            Config::default()
        } else {
            Config::with_max_body(max_body)
        };
        let h = Framer_::into_raw(dialtone_sccp_framer {
            framer: Framer::with_config(config),
            pending: VecDeque::new(),
            joined: Vec::new(),
            input: std::ptr::null(),
        });
        // SAFETY: checked non-NULL; the caller guarantees validity.
        unsafe { put(out, h.cast()) };
        dialtone_result::Ok
    })
}

/// Frees a framer (NULL is fine).
///
/// # Safety
/// `framer` is NULL or came from [`dialtone_sccp_framer_new`] and is not used
/// afterwards.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_framer_free(framer: *mut dialtone_sccp_framer) {
    // SAFETY: per the contract.
    unsafe { Framer_::free(framer.cast()) };
}

/// Feeds the next `len` bytes of the TCP stream. All bytes are consumed: a
/// trailing partial message is kept inside the framer. Then call
/// [`dialtone_sccp_framer_next`] until it answers `DIALTONE_RESULT_EMPTY`.
///
/// Frames that lie whole in `buf` are not copied: their views point into
/// `buf`, which must stay valid and unchanged until the next push. Frames
/// not yet taken by `_next` are discarded by the next push.
///
/// # Safety
/// `framer` is a live framer; `buf` is valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_framer_push(
    framer: *mut dialtone_sccp_framer,
    buf: *const u8,
    len: usize,
) -> dialtone_result {
    // SAFETY: per the contract.
    unsafe {
        Framer_::with(framer.cast(), |f| {
            let Some(input) = slice(buf, len) else {
                return dialtone_result::NullParameter;
            };
            f.pending.clear();
            f.input = buf;
            let base = input.as_ptr() as usize;
            let range = base..base + input.len();
            for item in f.framer.push(input) {
                let p = match item {
                    Ok(frame) => {
                        let bytes = frame.as_bytes();
                        let at = bytes.as_ptr() as usize;
                        if range.contains(&at) && at + bytes.len() <= range.end {
                            Pending::Input {
                                off: at - base,
                                len: bytes.len(),
                            }
                        } else {
                            f.joined.clear();
                            f.joined.extend_from_slice(bytes);
                            Pending::Joined
                        }
                    }
                    Err(e) => Pending::Error(e),
                };
                f.pending.push_back(p);
            }
            dialtone_result::Ok
        })
    }
}

/// Takes the next complete message of the last push.
///
/// Returns `DIALTONE_RESULT_OK` with `*out` filled, `DIALTONE_RESULT_EMPTY`
/// when no complete message is left (feed more bytes), `_OVERSIZED` for a
/// message above the limit (the framer skips it by itself and framing goes
/// on), or `_MUST_CLOSE` when the stream lost its framing (length below 4):
/// the connection must be closed.
///
/// # Safety
/// `framer` is a live framer; `out` is valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_framer_next(
    framer: *mut dialtone_sccp_framer,
    out: *mut dialtone_sccp_frame,
) -> dialtone_result {
    // SAFETY: per the contract.
    unsafe {
        Framer_::with(framer.cast(), |f| {
            if out.is_null() {
                return dialtone_result::NullParameter;
            }
            let Some(item) = f.pending.pop_front() else {
                return dialtone_result::Empty;
            };
            let (ptr, len) = match item {
                Pending::Input { off, len } => (f.input.wrapping_add(off), len),
                Pending::Joined => (f.joined.as_ptr(), f.joined.len()),
                Pending::Error(FramerError::Oversized { .. }) => return dialtone_result::Oversized,
                Pending::Error(_) => return dialtone_result::MustClose,
            };
            // SAFETY: `ptr..ptr+len` lies in the caller's pushed buffer
            // (still valid per the contract) or in `joined`.
            let bytes = std::slice::from_raw_parts(ptr, len);
            let Ok(frame) = Frame::new_checked(bytes) else {
                return dialtone_result::Malformed;
            };
            put(
                out,
                dialtone_sccp_frame {
                    bytes: ptr,
                    len,
                    length: frame.length(),
                    header_version: frame.header_version(),
                    message_id: frame.message_id(),
                },
            );
            dialtone_result::Ok
        })
    }
}

/// Bytes of a partial message held by the framer.
///
/// # Safety
/// `framer` is NULL or a live framer.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_framer_held(framer: *const dialtone_sccp_framer) -> usize {
    // SAFETY: per the contract.
    unsafe { Framer_::with_ref(framer.cast(), |f| f.framer.held()) }.unwrap_or(0)
}

/// A decoded message: the header, and the fields of the registration
/// messages. Fields of other kinds are zero / NULL. Every pointer points
/// into the buffer given to [`dialtone_sccp_decode`]; texts are not
/// NUL-terminated (use the `_len`).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dialtone_sccp_message {
    /// Message id.
    pub message_id: u32,
    /// Header version field.
    pub header_version: u32,
    /// Body (after the 12-byte header).
    pub body: *const u8,
    /// Length of `body`.
    pub body_len: usize,
    /// Register, RegisterTokenReq, ConfigStat: device name.
    pub device_name: *const u8,
    /// Length of `device_name`.
    pub device_name_len: usize,
    /// Register: station instance.
    pub instance: u32,
    /// Register, RegisterTokenReq: device type.
    pub device_type: u32,
    /// Register: station IPv4 address, network order.
    pub station_ip: [u8; 4],
    /// Register: max streams.
    pub max_streams: u32,
    /// Register: highest protocol version (0 when the form has none);
    /// RegisterAck: negotiated version.
    pub protocol_version: u8,
    /// Register: firmware load name (forms of 124 bytes and more).
    pub load_name: *const u8,
    /// Length of `load_name`.
    pub load_name_len: usize,
    /// RegisterAck: keepalive interval, seconds.
    pub keepalive_interval: u32,
    /// RegisterAck: standby keepalive interval, seconds.
    pub secondary_keepalive_interval: u32,
    /// RegisterReject, DisplayText: the text (may hold label escapes).
    pub text: *const u8,
    /// Length of `text`.
    pub text_len: usize,
    /// RegisterReject: the cause recognised from the text (see
    /// [`dialtone_sccp_reject_reason`]); 0 when not recognised.
    pub reject_reason: u32,
    /// Single-value messages (Reset type, UnregisterAck status,
    /// RegisterTokenReject wait time, LineStatReq line, IpPort port,
    /// RegisterAvailableLines, Unregister reason): the value.
    pub value: u32,
}

/// The reject cause a RegisterReject text stands for: the
/// CcmDevRegFailCauseCode of the registrar's reasons (1 unsupported model,
/// 2 device unknown, 3 database configuration error, 5 max devices exceeded,
/// 14 malformed Register, 15 protocol mismatch, 16 device not active,
/// 32 device type mismatch ("Version Error"), 1001 duplicate registration),
/// or 0 for a text of another server.
fn reject_code(text: &[u8]) -> u32 {
    RejectReason::from_text(text).map_or(0, u32::from)
}

fn decode_error(e: DecodeError) -> dialtone_result {
    match e {
        DecodeError::Truncated { .. } => dialtone_result::Incomplete,
        DecodeError::Oversized { .. } => dialtone_result::Oversized,
        _ => dialtone_result::Malformed,
    }
}

fn empty_message() -> dialtone_sccp_message {
    dialtone_sccp_message {
        message_id: 0,
        header_version: 0,
        body: std::ptr::null(),
        body_len: 0,
        device_name: std::ptr::null(),
        device_name_len: 0,
        instance: 0,
        device_type: 0,
        station_ip: [0; 4],
        max_streams: 0,
        protocol_version: 0,
        load_name: std::ptr::null(),
        load_name_len: 0,
        keepalive_interval: 0,
        secondary_keepalive_interval: 0,
        text: std::ptr::null(),
        text_len: 0,
        reject_reason: 0,
        value: 0,
    }
}

/// Decodes one whole message (as returned by the framer) into `*out`,
/// without copying: the pointers in `*out` point into `buf`.
///
/// Unknown message ids decode (only the header fields and the body are
/// set). Returns `_INCOMPLETE` when `buf` is shorter than its length field
/// says or shorter than the message's layout, `_MALFORMED` otherwise.
///
/// # Safety
/// `buf` is valid for `len` bytes; `out` is valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_decode(
    buf: *const u8,
    len: usize,
    out: *mut dialtone_sccp_message,
) -> dialtone_result {
    guard(|| {
        // SAFETY: per the contract.
        let Some(bytes) = (unsafe { slice(buf, len) }) else {
            return dialtone_result::NullParameter;
        };
        if out.is_null() {
            return dialtone_result::NullParameter;
        }
        let frame = match Frame::new_checked(bytes) {
            Ok(f) => f,
            Err(e) => return decode_error(e),
        };
        let msg = match Message::parse(&frame) {
            Ok(m) => m,
            Err(e) => return decode_error(e),
        };
        let mut m = empty_message();
        m.message_id = frame.message_id();
        m.header_version = frame.header_version();
        let body = frame.body_ref();
        m.body = body.as_ptr();
        m.body_len = body.len();
        let text = |t: &[u8]| (t.as_ptr(), t.len());
        match msg {
            Message::Register(r) => {
                (m.device_name, m.device_name_len) = text(r.base.station.device_name.bytes());
                m.instance = r.base.station.instance.get();
                m.device_type = r.base.device_type.get();
                m.station_ip = r.base.station_ip.0;
                m.max_streams = r.base.max_streams.get();
                m.protocol_version = r.protocol_version().unwrap_or(0);
                if let Some(load) = r.firmware_load_name() {
                    (m.load_name, m.load_name_len) = text(load.bytes());
                }
            }
            Message::RegisterAck(a) => {
                m.keepalive_interval = a.keepalive_interval.get();
                m.secondary_keepalive_interval = a.secondary_keepalive_interval.get();
                m.protocol_version = a.max_protocol_version;
                (m.text, m.text_len) = text(a.date_template.bytes());
            }
            Message::RegisterReject(r) => {
                (m.text, m.text_len) = text(r.text.bytes());
                m.reject_reason = reject_code(r.text.bytes());
            }
            Message::DisplayText(d) => (m.text, m.text_len) = text(d.text.bytes()),
            Message::RegisterTokenReq(t) => {
                (m.device_name, m.device_name_len) = text(t.base.station.device_name.bytes());
                m.device_type = t.base.device_type.get();
                if let TokenAddress::V4(a) = t.address {
                    m.station_ip = a.0;
                }
            }
            Message::ConfigStat(c) => {
                (m.device_name, m.device_name_len) = text(c.station.device_name.bytes());
            }
            Message::Reset(r) => m.value = r.reset_type.get(),
            Message::Unregister(u) => m.value = u.ext.map_or(0, Word::get),
            Message::UnregisterAck(w)
            | Message::RegisterTokenReject(w)
            | Message::LineStatReq(w)
            | Message::IpPort(w)
            | Message::RegisterAvailableLines(w) => m.value = w.get(),
            _ => {}
        }
        // SAFETY: checked non-NULL; the caller guarantees validity.
        unsafe { put(out, m) };
        dialtone_result::Ok
    })
}

/// What a station says about itself in a Register.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct dialtone_sccp_register {
    /// Device name, NUL-terminated, at most 15 characters (`SEP` + 12 hex digits).
    pub device_name: *const std::ffi::c_char,
    /// Station instance (1 for phones).
    pub instance: u32,
    /// Station IPv4 address, network order.
    pub station_ip: [u8; 4],
    /// Device type (e.g. 7 for a 7960, 436 for a 7965).
    pub device_type: u32,
    /// Max streams.
    pub max_streams: u32,
    /// Highest protocol version supported (e.g. 20).
    pub protocol_version: u8,
    /// MAC address.
    pub mac: [u8; 6],
    /// Max number of lines.
    pub max_lines: u32,
    /// Firmware load name, NUL-terminated (at most 31 characters), or NULL.
    pub load_name: *const std::ffi::c_char,
}

/// A C string argument where NULL means empty; `None` when not UTF-8.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string.
unsafe fn c_str<'a>(p: *const std::ffi::c_char) -> Option<&'a str> {
    // SAFETY: per the contract.
    unsafe { crate::opt_c_str(p) }.ok().map(|s| s.unwrap_or(""))
}

/// Writes an encoded message into the caller's buffer, or reports the size.
///
/// # Safety
/// `buf` valid for `len` bytes; `out_len` valid for a write.
unsafe fn emit(
    msg: &Message<'_>,
    header_version: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> dialtone_result {
    if out_len.is_null() {
        return dialtone_result::NullParameter;
    }
    // SAFETY: per the contract.
    let Some(out) = (unsafe { slice_mut(buf, len) }) else {
        return dialtone_result::NullParameter;
    };
    match msg.emit_with_version(header_version, out) {
        Ok(n) => {
            // SAFETY: per the contract.
            unsafe { put(out_len, n) };
            dialtone_result::Ok
        }
        Err(e) => {
            // SAFETY: per the contract.
            unsafe { put(out_len, e.required) };
            dialtone_result::InsufficientSize
        }
    }
}

/// Encodes a Register (the 124-byte form of protocol 17 and later, or the
/// 68-byte form below 17) with header version 0.
///
/// On `_INSUFFICIENT_SIZE`, `*out_len` holds the size required.
///
/// # Safety
/// `reg` valid for a read (its strings NUL-terminated); `buf` valid for
/// `len` bytes; `out_len` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_encode_register(
    reg: *const dialtone_sccp_register,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> dialtone_result {
    guard(|| {
        // SAFETY: per the contract.
        let Some(reg) = (unsafe { reg.as_ref() }) else {
            return dialtone_result::NullParameter;
        };
        // SAFETY: per the contract.
        let (Some(name), Some(load)) = (unsafe { c_str(reg.device_name) }, unsafe {
            c_str(reg.load_name)
        }) else {
            return dialtone_result::InvalidParameter;
        };
        let mut full = RegisterFull::default();
        let Ok(station) = StationId::new(name, reg.instance) else {
            return dialtone_result::InvalidParameter;
        };
        full.base.station = station;
        full.base.station_ip = Ipv4(reg.station_ip);
        full.base.device_type = reg.device_type.into();
        full.base.max_streams = reg.max_streams.into();
        full.v44.protocol_version = reg.protocol_version;
        let mut mac = [0u8; 12];
        mac[..6].copy_from_slice(&reg.mac);
        full.v68.mac_address = mac;
        full.v124.max_lines = reg.max_lines.into();
        let Ok(load) = dialtone_sccp::Str::new(load.as_bytes()) else {
            return dialtone_result::InvalidParameter;
        };
        full.v124.firmware_load_name = load;
        let form = if reg.protocol_version >= 17 {
            RegisterForm::B124
        } else {
            RegisterForm::B68
        };
        // SAFETY: per the contract.
        unsafe { emit(&Message::Register(full.view(form)), 0, buf, len, out_len) }
    })
}

/// Encodes a RegisterAck (header version 0).
///
/// # Safety
/// `date_template` NUL-terminated (at most 6 characters) or NULL; `buf`
/// valid for `len` bytes; `out_len` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_encode_register_ack(
    keepalive_secs: u32,
    date_template: *const std::ffi::c_char,
    secondary_keepalive_secs: u32,
    protocol_version: u8,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> dialtone_result {
    guard(|| {
        // SAFETY: per the contract.
        let Some(template) = (unsafe { c_str(date_template) }) else {
            return dialtone_result::InvalidParameter;
        };
        let Ok(ack) = RegisterAck::new(
            keepalive_secs,
            template,
            secondary_keepalive_secs,
            protocol_version,
            0,
        ) else {
            return dialtone_result::InvalidParameter;
        };
        // SAFETY: per the contract.
        unsafe {
            emit(
                &Message::RegisterAck(Fixed::new(&ack)),
                0,
                buf,
                len,
                out_len,
            )
        }
    })
}

/// Encodes a RegisterReject carrying `text` (at most 31 characters).
///
/// # Safety
/// `text` NUL-terminated; `buf` valid for `len` bytes; `out_len` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_encode_register_reject(
    text: *const std::ffi::c_char,
    header_version: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> dialtone_result {
    guard(|| {
        // SAFETY: per the contract.
        let Some(text) = (unsafe { c_str(text) }) else {
            return dialtone_result::InvalidParameter;
        };
        let Ok(rej) = RegisterReject::new(text) else {
            return dialtone_result::InvalidParameter;
        };
        // SAFETY: per the contract.
        unsafe {
            emit(
                &Message::RegisterReject(Fixed::new(&rej)),
                header_version,
                buf,
                len,
                out_len,
            )
        }
    })
}

/// Encodes a RegisterTokenReq (36-byte form) for fallback to a
/// higher-priority CallManager. `station_ip` points to 4 bytes (network order).
///
/// # Safety
/// `device_name` NUL-terminated; `station_ip` valid for 4 bytes; `buf`
/// valid for `len` bytes; `out_len` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_encode_register_token_req(
    device_name: *const std::ffi::c_char,
    instance: u32,
    station_ip: *const u8,
    device_type: u32,
    header_version: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> dialtone_result {
    guard(|| {
        // SAFETY: per the contract.
        let (Some(name), Some(ip)) = (unsafe { c_str(device_name) }, unsafe {
            slice(station_ip, 4)
        }) else {
            return dialtone_result::NullParameter;
        };
        let Ok(ip) = <[u8; 4]>::try_from(ip) else {
            return dialtone_result::NullParameter;
        };
        let Ok(station) = StationId::new(name, instance) else {
            return dialtone_result::InvalidParameter;
        };
        let base = RegisterTokenReqBase {
            station,
            station_ip: Ipv4(ip),
            device_type: device_type.into(),
        };
        let addr = Ipv4(ip);
        let msg = Message::RegisterTokenReq(dialtone_sccp::types::RegisterTokenReq {
            base: &base,
            address: TokenAddress::V4(&addr),
            trailing: &[],
        });
        // SAFETY: per the contract.
        unsafe { emit(&msg, header_version, buf, len, out_len) }
    })
}

/// Encodes a message without a body (KeepAlive 0x0000, KeepAliveAck 0x0100,
/// ButtonTemplateReq 0x000E, ConfigStatReq 0x000C, TimeDateReq 0x000D,
/// SoftKeyTemplateReq 0x0028, SoftKeySetReq 0x0025, CapabilitiesReq 0x009B,
/// RegisterTokenAck 0x011A, Unregister 0x0027, …) with the given header
/// version.
///
/// # Safety
/// `buf` valid for `len` bytes; `out_len` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_encode_empty(
    message_id: u32,
    header_version: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> dialtone_result {
    guard(|| {
        let msg = Message::Unknown {
            id: message_id,
            body: &[],
        };
        // SAFETY: per the contract.
        unsafe { emit(&msg, header_version, buf, len, out_len) }
    })
}

/// Encodes a message whose body is one 32-bit value (LineStatReq 0x000B,
/// RegisterAvailableLines 0x002D, IpPort 0x0002, Reset 0x009F,
/// UnregisterAck 0x0118, RegisterTokenReject 0x011B, …).
///
/// # Safety
/// `buf` valid for `len` bytes; `out_len` valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_encode_word(
    message_id: u32,
    header_version: u32,
    value: u32,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> dialtone_result {
    guard(|| {
        let body = value.to_le_bytes();
        let msg = Message::Unknown {
            id: message_id,
            body: &body,
        };
        // SAFETY: per the contract.
        unsafe { emit(&msg, header_version, buf, len, out_len) }
    })
}

/// The header version to put on message `message_id` given the negotiated
/// protocol version (0 before RegisterAck) and whether it goes to a standby
/// CallManager (sccp.md §1.3).
#[no_mangle]
pub extern "C" fn dialtone_sccp_header_version(
    message_id: u32,
    negotiated: u8,
    standby: bool,
) -> u32 {
    dialtone_sccp::header_version_for(message_id, negotiated, standby)
}

/// The reject cause a RegisterReject text carries: 1 unsupported model,
/// 2 device unknown, 3 database configuration error, 5 max devices
/// exceeded, 14 malformed Register, 15 protocol mismatch, 16 device not
/// active, 32 device type mismatch ("Version Error"), 1001 duplicate
/// registration; 0 when the text is not one of these.
///
/// # Safety
/// `text` valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn dialtone_sccp_reject_reason(text: *const u8, len: usize) -> u32 {
    // SAFETY: per the contract.
    match unsafe { slice(text, len) } {
        Some(t) => reject_code(t),
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_stream_without_copying_contiguous_frames() {
        let mut ka = [0u8; 12];
        let mut n = 0;
        unsafe {
            assert_eq!(
                dialtone_sccp_encode_empty(0, 0, ka.as_mut_ptr(), 12, &mut n),
                dialtone_result::Ok
            );
        }
        let mut stream = Vec::new();
        for _ in 0..3 {
            stream.extend_from_slice(&ka);
        }
        let mut f = std::ptr::null_mut();
        unsafe {
            assert_eq!(dialtone_sccp_framer_new(0, &mut f), dialtone_result::Ok);
            // First push: one whole frame and 5 bytes of the next.
            assert_eq!(
                dialtone_sccp_framer_push(f, stream.as_ptr(), 17),
                dialtone_result::Ok
            );
            let mut fr = std::mem::zeroed();
            assert_eq!(dialtone_sccp_framer_next(f, &mut fr), dialtone_result::Ok);
            assert_eq!(fr.bytes, stream.as_ptr());
            assert_eq!(
                dialtone_sccp_framer_next(f, &mut fr),
                dialtone_result::Empty
            );
            assert_eq!(dialtone_sccp_framer_held(f), 5);
            let rest = &stream[17..];
            assert_eq!(
                dialtone_sccp_framer_push(f, rest.as_ptr(), rest.len()),
                dialtone_result::Ok
            );
            assert_eq!(dialtone_sccp_framer_next(f, &mut fr), dialtone_result::Ok);
            assert_ne!(fr.bytes, rest.as_ptr()); // joined from two pushes
            assert_eq!(fr.len, 12);
            assert_eq!(dialtone_sccp_framer_next(f, &mut fr), dialtone_result::Ok);
            assert_eq!(fr.bytes, rest.as_ptr().add(7)); // contiguous: not copied
            assert_eq!(
                dialtone_sccp_framer_next(f, &mut fr),
                dialtone_result::Empty
            );
            // Length below 4: the stream must be closed.
            let bad = [1u8, 0, 0, 0, 0, 0, 0, 0];
            assert_eq!(
                dialtone_sccp_framer_push(f, bad.as_ptr(), 8),
                dialtone_result::Ok
            );
            assert_eq!(
                dialtone_sccp_framer_next(f, &mut fr),
                dialtone_result::MustClose
            );
            dialtone_sccp_framer_free(f);
        }
    }

    #[test]
    fn decodes_the_sample_register_ack() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/samples/sccp-registerack.bin"
        ))
        .unwrap();
        let mut m = empty_message();
        unsafe {
            assert_eq!(
                dialtone_sccp_decode(bytes.as_ptr(), bytes.len(), &mut m),
                dialtone_result::Ok
            );
        }
        assert_eq!(m.message_id, 0x81);
        assert_eq!(m.keepalive_interval, 30);
        assert_eq!(m.secondary_keepalive_interval, 60);
        assert_eq!(m.protocol_version, 20);
        unsafe {
            assert_eq!(
                dialtone_sccp_decode(bytes.as_ptr(), 20, &mut m),
                dialtone_result::Incomplete
            );
        }
    }
}
