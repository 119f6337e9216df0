//! TFTP packets: a checked view ([`Packet`]), a borrowed repr ([`Message`]) and
//! typed options ([`OptionValues`], [`Options`]).
//!
//! Layouts follow RFC 1350 §5 (RRQ, WRQ, DATA, ACK, ERROR) and RFC 2347 (OACK,
//! options appended to requests). All numbers are big-endian.

use core::fmt::Write as _;

use dialtone_core::InsufficientSize;

use crate::error::DecodeError;

/// Largest `blksize` a request may ask for (RFC 2348).
pub const MAX_BLKSIZE: u16 = 65464;
/// Smallest `blksize` a request may ask for (RFC 2348).
pub const MIN_BLKSIZE: u16 = 8;
/// Block size without negotiation (RFC 1350).
pub const DEFAULT_BLKSIZE: u16 = 512;
/// Bytes before the payload of a DATA packet (opcode + block number).
pub const DATA_HEADER_LEN: usize = 4;

/// The two-byte operation code that starts every packet (RFC 1350 §5, RFC 2347).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum Opcode {
    /// Read request.
    Rrq = 1,
    /// Write request.
    Wrq = 2,
    /// Data block.
    Data = 3,
    /// Acknowledgement.
    Ack = 4,
    /// Error.
    Error = 5,
    /// Option acknowledgement (RFC 2347).
    Oack = 6,
}

impl Opcode {
    /// The opcode for `v`, if it is one of the six known ones.
    #[must_use]
    #[inline]
    pub fn from_u16(v: u16) -> Option<Self> {
        Some(match v {
            1 => Opcode::Rrq,
            2 => Opcode::Wrq,
            3 => Opcode::Data,
            4 => Opcode::Ack,
            5 => Opcode::Error,
            6 => Opcode::Oack,
            _ => return None,
        })
    }
}

/// A datagram known to hold a TFTP packet with a known opcode and a complete
/// fixed header. After [`Packet::new_checked`] no accessor panics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buf: T,
    opcode: Opcode,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks the opcode and the fixed-size header (4 bytes for DATA, ACK and
    /// ERROR, 2 for the others).
    ///
    /// # Errors
    /// [`DecodeError::Truncated`] for a short datagram,
    /// [`DecodeError::UnknownOpcode`] for an opcode outside 1..=6.
    #[inline]
    pub fn new_checked(buf: T) -> Result<Self, DecodeError> {
        let b = buf.as_ref();
        let Some((op, _)) = b.split_first_chunk::<2>() else {
            return Err(DecodeError::Truncated {
                offset: b.len(),
                needed: 2 - b.len(),
            });
        };
        let raw = u16::from_be_bytes(*op);
        let opcode = Opcode::from_u16(raw).ok_or(DecodeError::UnknownOpcode { opcode: raw })?;
        let min = match opcode {
            Opcode::Data | Opcode::Ack | Opcode::Error => 4,
            _ => 2,
        };
        if b.len() < min {
            return Err(DecodeError::Truncated {
                offset: b.len(),
                needed: min - b.len(),
            });
        }
        Ok(Packet { buf, opcode })
    }

    /// The packet's opcode.
    #[must_use]
    pub fn opcode(&self) -> Opcode {
        self.opcode
    }

    /// Block number of a DATA or ACK, error code of an ERROR; `None` otherwise.
    #[must_use]
    #[inline]
    pub fn block(&self) -> Option<u16> {
        match self.opcode {
            Opcode::Data | Opcode::Ack | Opcode::Error => self
                .buf
                .as_ref()
                .get(2..4)
                .and_then(|b| b.first_chunk::<2>())
                .map(|b| u16::from_be_bytes(*b)),
            _ => None,
        }
    }

    /// Bytes after the fixed header (DATA payload, request strings, ...).
    #[must_use]
    #[inline]
    pub fn payload(&self) -> &[u8] {
        let start = match self.opcode {
            Opcode::Data | Opcode::Ack | Opcode::Error => 4,
            _ => 2,
        };
        self.buf.as_ref().get(start..).unwrap_or(&[])
    }

    /// The whole datagram.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// Gives the buffer back.
    #[must_use]
    pub fn into_inner(self) -> T {
        self.buf
    }
}

/// Transfer mode of a request (RFC 1350 §5), matched case-insensitively.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Raw 8-bit bytes.
    #[default]
    Octet,
    /// Telnet NVT line ends (CR LF, CR NUL); see [`crate::netascii`].
    Netascii,
    /// Obsolete (RFC 1123 §4.2.2.1: SHOULD NOT be supported); recognised so a
    /// server can refuse it.
    Mail,
}

impl Mode {
    /// The mode named `s` in any mix of case.
    #[must_use]
    pub fn from_name(s: &[u8]) -> Option<Self> {
        if s.eq_ignore_ascii_case(b"octet") {
            Some(Mode::Octet)
        } else if s.eq_ignore_ascii_case(b"netascii") {
            Some(Mode::Netascii)
        } else if s.eq_ignore_ascii_case(b"mail") {
            Some(Mode::Mail)
        } else {
            None
        }
    }

    /// The lower-case wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Octet => "octet",
            Mode::Netascii => "netascii",
            Mode::Mail => "mail",
        }
    }
}

/// Error codes (RFC 1350 §5, RFC 2347). Unknown codes are kept as data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 0: not defined, see message.
    NotDefined,
    /// 1: file not found.
    FileNotFound,
    /// 2: access violation.
    AccessViolation,
    /// 3: disk full or allocation exceeded.
    DiskFull,
    /// 4: illegal TFTP operation.
    IllegalOperation,
    /// 5: unknown transfer ID.
    UnknownTid,
    /// 6: file already exists.
    FileExists,
    /// 7: no such user.
    NoSuchUser,
    /// 8: terminate transfer due to option negotiation (RFC 2347).
    OptionNegotiation,
    /// Any other code (receivers treat it as 0).
    Other(u16),
}

impl ErrorCode {
    /// The code for a wire value.
    #[must_use]
    pub fn from_u16(v: u16) -> Self {
        match v {
            0 => ErrorCode::NotDefined,
            1 => ErrorCode::FileNotFound,
            2 => ErrorCode::AccessViolation,
            3 => ErrorCode::DiskFull,
            4 => ErrorCode::IllegalOperation,
            5 => ErrorCode::UnknownTid,
            6 => ErrorCode::FileExists,
            7 => ErrorCode::NoSuchUser,
            8 => ErrorCode::OptionNegotiation,
            v => ErrorCode::Other(v),
        }
    }

    /// The wire value.
    #[must_use]
    pub fn to_u16(self) -> u16 {
        match self {
            ErrorCode::NotDefined => 0,
            ErrorCode::FileNotFound => 1,
            ErrorCode::AccessViolation => 2,
            ErrorCode::DiskFull => 3,
            ErrorCode::IllegalOperation => 4,
            ErrorCode::UnknownTid => 5,
            ErrorCode::FileExists => 6,
            ErrorCode::NoSuchUser => 7,
            ErrorCode::OptionNegotiation => 8,
            ErrorCode::Other(v) => v,
        }
    }
}

/// The options this crate understands, as typed values (`None` = absent).
///
/// Values outside their RFC range are not typed: such an option stays among
/// the [`Options::others`], exactly as received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(any(test, feature = "fuzzing"), derive(arbitrary::Arbitrary))]
pub struct OptionValues {
    /// `blksize` (RFC 2348), 8..=65464.
    pub blksize: Option<u16>,
    /// `timeout` in seconds (RFC 2349), 1..=255.
    pub timeout: Option<u8>,
    /// `tsize` in bytes (RFC 2349); 0 in a read request.
    pub tsize: Option<u64>,
    /// `windowsize` in blocks (RFC 7440), 1..=65535.
    pub windowsize: Option<u16>,
}

impl OptionValues {
    /// No options.
    pub const NONE: OptionValues = OptionValues {
        blksize: None,
        timeout: None,
        tsize: None,
        windowsize: None,
    };

    /// True when no option is set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::NONE
    }

    /// Normalises out-of-range values to `None` (they cannot be emitted as
    /// typed values).
    #[must_use]
    pub fn sanitized(mut self) -> Self {
        if !matches!(self.blksize, Some(MIN_BLKSIZE..=MAX_BLKSIZE)) {
            self.blksize = None;
        }
        if self.timeout == Some(0) {
            self.timeout = None;
        }
        if self.windowsize == Some(0) {
            self.windowsize = None;
        }
        self
    }

    fn pairs(&self) -> impl Iterator<Item = (&'static str, u64)> {
        [
            ("blksize", self.blksize.map(u64::from)),
            ("timeout", self.timeout.map(u64::from)),
            ("tsize", self.tsize),
            ("windowsize", self.windowsize.map(u64::from)),
        ]
        .into_iter()
        .filter_map(|(n, v)| v.map(|v| (n, v)))
    }

    /// Exact number of bytes [`OptionValues::emit`] writes.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        self.pairs().map(|(n, v)| n.len() + 2 + digits(v)).sum()
    }

    /// Writes the options as NUL-terminated name/value strings.
    ///
    /// # Errors
    /// [`InsufficientSize`] when `out` is shorter than [`Self::buffer_len`];
    /// nothing is written then.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, InsufficientSize> {
        let need = self.buffer_len();
        if out.len() < need {
            return Err(InsufficientSize { required: need });
        }
        let mut w = Cursor { buf: out, pos: 0 };
        for (n, v) in self.pairs() {
            w.put(n.as_bytes());
            w.put(&[0]);
            w.put_u64(v);
            w.put(&[0]);
        }
        Ok(w.pos)
    }

    /// Stores a recognised option; returns false when the name is unknown or
    /// the value is not a valid number in range (the option then stays raw).
    fn set(&mut self, name: &[u8], value: &[u8]) -> Result<bool, DecodeError> {
        // A value outside its range leaves the option raw; only two valid
        // values for the same name are a duplicate.
        fn put<T>(slot: &mut Option<T>, v: Option<T>) -> Result<bool, DecodeError> {
            match (v, slot.is_some()) {
                (None, _) => Ok(false),
                (Some(_), true) => Err(DecodeError::DuplicateOption),
                (Some(v), false) => {
                    *slot = Some(v);
                    Ok(true)
                }
            }
        }
        // Known names are letters only: `| 0x20` folds case exactly.
        fn is(name: &[u8], lower: &[u8]) -> bool {
            name.len() == lower.len() && name.iter().zip(lower).all(|(a, b)| a | 0x20 == *b)
        }
        match name.len() {
            7 if is(name, b"blksize") => {
                let b = parse_decimal(value)
                    .and_then(|v| u16::try_from(v).ok())
                    .filter(|b| (MIN_BLKSIZE..=MAX_BLKSIZE).contains(b));
                put(&mut self.blksize, b)
            }
            7 if is(name, b"timeout") => {
                let t = parse_decimal(value)
                    .and_then(|v| u8::try_from(v).ok())
                    .filter(|t| *t >= 1);
                put(&mut self.timeout, t)
            }
            5 if is(name, b"tsize") => put(&mut self.tsize, parse_decimal(value)),
            10 if is(name, b"windowsize") => {
                let w = parse_decimal(value)
                    .and_then(|v| u16::try_from(v).ok())
                    .filter(|w| *w >= 1);
                put(&mut self.windowsize, w)
            }
            _ => Ok(false),
        }
    }
}

/// Options of a request or OACK: typed known values plus every other option,
/// borrowed and kept in order ([`Options::others`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct Options<'a> {
    /// The recognised options.
    pub values: OptionValues,
    /// Raw NUL-separated name/value area; entries that were typed into
    /// `values` are skipped by [`Options::others`].
    raw: &'a [u8],
}

impl PartialEq for Options<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values && self.others().eq(other.others())
    }
}
impl Eq for Options<'_> {}

impl<'a> Options<'a> {
    /// Typed options only.
    #[must_use]
    pub fn new(values: OptionValues) -> Self {
        Options {
            values: values.sanitized(),
            raw: &[],
        }
    }

    /// Typed options plus extra raw `name\0value\0` pairs, emitted after the
    /// typed ones.
    ///
    /// # Errors
    /// [`DecodeError`] when `raw` is not a sequence of NUL-terminated pairs.
    pub fn with_raw(values: OptionValues, raw: &'a [u8]) -> Result<Self, DecodeError> {
        let mut scratch = OptionValues::NONE;
        let parsed = parse_options(raw, 0, &mut scratch)?;
        Ok(Options {
            values: values.sanitized(),
            raw: parsed,
        })
    }

    /// Options that are not typed (unknown names, invalid values), in the
    /// order received, as `(name, value)`.
    pub fn others(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + '_ {
        let mut probe = OptionValues::NONE;
        RawPairs { rest: self.raw }.filter(move |(n, v)| {
            // Typed options are re-derived; the first valid occurrence of a
            // known name is the typed one.
            !matches!(probe.set(n, v), Ok(true))
        })
    }

    /// True when there is no option at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.others().next().is_none()
    }

    /// Exact number of bytes [`Options::emit`] writes.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        self.values.buffer_len()
            + self
                .others()
                .map(|(n, v)| n.len() + v.len() + 2)
                .sum::<usize>()
    }

    /// Writes typed options, then the others in order.
    ///
    /// # Errors
    /// [`InsufficientSize`] when `out` is shorter than [`Self::buffer_len`].
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, InsufficientSize> {
        let need = self.buffer_len();
        if out.len() < need {
            return Err(InsufficientSize { required: need });
        }
        let n = self.values.emit(out)?;
        let mut w = Cursor { buf: out, pos: n };
        for (name, value) in self.others() {
            w.put(name);
            w.put(&[0]);
            w.put(value);
            w.put(&[0]);
        }
        Ok(w.pos)
    }
}

struct RawPairs<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for RawPairs<'a> {
    type Item = (&'a [u8], &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        let (name, rest) = split_cstr(self.rest)?;
        let (value, rest) = split_cstr(rest)?;
        self.rest = rest;
        Some((name, value))
    }
}

/// An RRQ or WRQ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// Requested file name, as sent (leading `/` and case untouched).
    pub filename: &'a str,
    /// Transfer mode.
    pub mode: Mode,
    /// Options (RFC 2347).
    pub options: Options<'a>,
    /// One empty string follows the mode (older Cisco 7940/7960 images). It
    /// ends the option list, as in tftpd-hpa.
    pub extra_nul: bool,
}

impl<'a> Request<'a> {
    /// A request without options.
    #[must_use]
    pub fn new(filename: &'a str, mode: Mode) -> Self {
        Request {
            filename,
            mode,
            options: Options::default(),
            extra_nul: false,
        }
    }

    fn buffer_len(&self) -> usize {
        self.filename.len()
            + 1
            + self.mode.as_str().len()
            + 1
            + if self.extra_nul {
                1
            } else {
                self.options.buffer_len()
            }
    }
}

/// A decoded TFTP packet borrowing from the datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// Read request.
    Rrq(Request<'a>),
    /// Write request.
    Wrq(Request<'a>),
    /// Data block.
    Data {
        /// Block number (wraps after 65535).
        block: u16,
        /// Payload, 0..=blksize bytes.
        data: &'a [u8],
    },
    /// Acknowledgement.
    Ack {
        /// Block acknowledged (0 for a WRQ or an OACK).
        block: u16,
    },
    /// Error; ends the transfer unless the code is 5 from a stranger.
    Error {
        /// Error code.
        code: ErrorCode,
        /// Message (text up to the first NUL or invalid UTF-8 byte).
        message: &'a str,
    },
    /// Option acknowledgement.
    Oack(Options<'a>),
}

impl<'a> Message<'a> {
    /// Decodes a checked packet.
    ///
    /// # Errors
    /// [`DecodeError`] for missing terminators, invalid text, unknown modes,
    /// duplicate options or an option name without value.
    #[inline]
    pub fn parse(packet: &Packet<&'a [u8]>) -> Result<Self, DecodeError> {
        let bytes: &'a [u8] = packet.buf;
        let block = packet.block().unwrap_or(0);
        Ok(match packet.opcode {
            Opcode::Rrq => Message::Rrq(parse_request(bytes)?),
            Opcode::Wrq => Message::Wrq(parse_request(bytes)?),
            Opcode::Data => Message::Data {
                block,
                data: bytes.get(4..).unwrap_or(&[]),
            },
            Opcode::Ack => Message::Ack { block },
            Opcode::Error => {
                let rest = bytes.get(4..).unwrap_or(&[]);
                let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
                let text = rest.get(..end).unwrap_or(&[]);
                let message = match core::str::from_utf8(text) {
                    Ok(s) => s,
                    Err(e) => core::str::from_utf8(text.get(..e.valid_up_to()).unwrap_or(&[]))
                        .unwrap_or(""),
                };
                Message::Error {
                    code: ErrorCode::from_u16(block),
                    message,
                }
            }
            Opcode::Oack => {
                let raw = bytes.get(2..).unwrap_or(&[]);
                let mut values = OptionValues::NONE;
                let raw = parse_options(raw, 2, &mut values)?;
                Message::Oack(Options { values, raw })
            }
        })
    }

    /// Decodes a datagram in one step (`Packet::new_checked` + `parse`).
    ///
    /// # Errors
    /// As [`Packet::new_checked`] and [`Message::parse`].
    #[inline]
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        // Fast path for the packets of a running transfer.
        if let Some(([0, op @ (3 | 4), b0, b1], data)) =
            bytes.split_first_chunk::<4>().map(|(h, rest)| (*h, rest))
        {
            let block = u16::from_be_bytes([b0, b1]);
            return Ok(if op == 3 {
                Message::Data { block, data }
            } else {
                Message::Ack { block }
            });
        }
        Message::parse(&Packet::new_checked(bytes)?)
    }

    /// Exact encoded length.
    #[must_use]
    pub fn buffer_len(&self) -> usize {
        2 + match self {
            Message::Rrq(r) | Message::Wrq(r) => r.buffer_len(),
            Message::Data { data, .. } => 2 + data.len(),
            Message::Ack { .. } => 2,
            Message::Error { message, .. } => 2 + message.len() + 1,
            Message::Oack(o) => o.buffer_len(),
        }
    }

    /// Encodes into `out`; `emit` into [`Self::buffer_len`] bytes cannot fail.
    ///
    /// # Errors
    /// [`InsufficientSize`] when `out` is too short; nothing is written then.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, InsufficientSize> {
        let need = self.buffer_len();
        if out.len() < need {
            return Err(InsufficientSize { required: need });
        }
        let op = match self {
            Message::Rrq(_) => Opcode::Rrq,
            Message::Wrq(_) => Opcode::Wrq,
            Message::Data { .. } => Opcode::Data,
            Message::Ack { .. } => Opcode::Ack,
            Message::Error { .. } => Opcode::Error,
            Message::Oack(_) => Opcode::Oack,
        };
        let mut w = Cursor { buf: out, pos: 0 };
        w.put(&(op as u16).to_be_bytes());
        match self {
            Message::Rrq(r) | Message::Wrq(r) => {
                w.put(r.filename.as_bytes());
                w.put(&[0]);
                w.put(r.mode.as_str().as_bytes());
                w.put(&[0]);
                if r.extra_nul {
                    w.put(&[0]);
                } else {
                    let n = r.options.emit(w.rest())?;
                    w.pos += n;
                }
            }
            Message::Data { block, data } => {
                w.put(&block.to_be_bytes());
                w.put(data);
            }
            Message::Ack { block } => w.put(&block.to_be_bytes()),
            Message::Error { code, message } => {
                w.put(&code.to_u16().to_be_bytes());
                w.put(message.as_bytes());
                w.put(&[0]);
            }
            Message::Oack(o) => {
                let n = o.emit(w.rest())?;
                w.pos += n;
            }
        }
        Ok(w.pos)
    }
}

/// Writes a DATA header for `block` into `out[..4]`; the caller puts the
/// payload at `out[4..]`. Returns [`DATA_HEADER_LEN`].
///
/// # Errors
/// [`InsufficientSize`] when `out` is shorter than 4 bytes.
pub fn emit_data_header(block: u16, out: &mut [u8]) -> Result<usize, InsufficientSize> {
    let Some(h) = out.first_chunk_mut::<4>() else {
        return Err(InsufficientSize { required: 4 });
    };
    let [a, b] = (Opcode::Data as u16).to_be_bytes();
    let [c, d] = block.to_be_bytes();
    *h = [a, b, c, d];
    Ok(DATA_HEADER_LEN)
}

fn parse_request(bytes: &[u8]) -> Result<Request<'_>, DecodeError> {
    let body = bytes.get(2..).unwrap_or(&[]);
    let (name, rest) = split_cstr(body).ok_or(DecodeError::Unterminated { offset: 2 })?;
    let filename = core::str::from_utf8(name).map_err(|_| DecodeError::NotText { offset: 2 })?;
    let mode_off = 2 + name.len() + 1;
    let (mode, rest) = split_cstr(rest).ok_or(DecodeError::Unterminated { offset: mode_off })?;
    let mode = Mode::from_name(mode).ok_or(DecodeError::UnknownMode { offset: mode_off })?;
    let opt_off = mode_off + mode.as_str().len() + 1;
    // An empty string right after the mode (older 7940/7960 images) ends the
    // request, as in tftpd-hpa; anything after it is ignored.
    if rest.first() == Some(&0) {
        return Ok(Request {
            filename,
            mode,
            options: Options::default(),
            extra_nul: true,
        });
    }
    let mut values = OptionValues::NONE;
    let raw = parse_options(rest, opt_off, &mut values)?;
    Ok(Request {
        filename,
        mode,
        options: Options { values, raw },
        extra_nul: false,
    })
}

/// Validates an option area; returns it (with typed values filled in).
fn parse_options<'a>(
    raw: &'a [u8],
    base: usize,
    values: &mut OptionValues,
) -> Result<&'a [u8], DecodeError> {
    let mut rest = raw;
    let mut off = base;
    while !rest.is_empty() {
        let (name, r) = split_cstr(rest).ok_or(DecodeError::Unterminated { offset: off })?;
        if name.is_empty() {
            return Err(DecodeError::Inconsistent {
                offset: off,
                field: "option name",
            });
        }
        let voff = off + name.len() + 1;
        let (value, r) = split_cstr(r).ok_or(DecodeError::Unterminated { offset: voff })?;
        values.set(name, value)?;
        off = voff + value.len() + 1;
        rest = r;
    }
    Ok(raw)
}

#[inline]
fn split_cstr(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = b.iter().position(|&c| c == 0)?;
    let (s, rest) = b.split_at_checked(end)?;
    Some((s, rest.get(1..)?))
}

/// Parses a non-empty run of ASCII digits (no sign, at most 19 digits).
#[inline]
fn parse_decimal(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

fn digits(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

/// Writer over a buffer already checked to be long enough.
struct Cursor<'b> {
    buf: &'b mut [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn put(&mut self, src: &[u8]) {
        if let Some(dst) = self
            .buf
            .get_mut(self.pos..)
            .and_then(|b| b.get_mut(..src.len()))
        {
            dst.copy_from_slice(src);
            self.pos += src.len();
        }
    }

    fn put_u64(&mut self, v: u64) {
        struct Digits([u8; 20], usize);
        impl core::fmt::Write for Digits {
            fn write_str(&mut self, s: &str) -> core::fmt::Result {
                for &b in s.as_bytes() {
                    *self.0.get_mut(self.1).ok_or(core::fmt::Error)? = b;
                    self.1 += 1;
                }
                Ok(())
            }
        }
        let mut d = Digits([0; 20], 0);
        let _ = write!(d, "{v}");
        let Digits(buf, n) = d;
        self.put(buf.get(..n).unwrap_or(&[]));
    }

    fn rest(&mut self) -> &mut [u8] {
        self.buf.get_mut(self.pos..).unwrap_or(&mut [])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rrq_with_options() {
        let b = b"\x00\x01a.txt\0OcTeT\0BLKSIZE\x001428\0foo\0bar\0tsize\x000\0";
        let Message::Rrq(r) = Message::decode(b).unwrap() else {
            panic!()
        };
        assert_eq!(r.filename, "a.txt");
        assert_eq!(r.mode, Mode::Octet);
        assert_eq!(r.options.values.blksize, Some(1428));
        assert_eq!(r.options.values.tsize, Some(0));
        let others: std::vec::Vec<_> = r.options.others().collect();
        assert_eq!(others, [(&b"foo"[..], &b"bar"[..])]);
    }

    #[test]
    fn extra_nul_after_mode_is_accepted() {
        // OS79XX.TXT RRQ of an older 7940/7960: 2 + 11 + 6 + 1 = 20 bytes.
        let b = b"\x00\x01OS79XX.TXT\0octet\0\0";
        assert_eq!(b.len(), 20);
        let m = Message::decode(b).unwrap();
        let Message::Rrq(r) = m else { panic!() };
        assert!(r.extra_nul);
        let mut out = [0u8; 32];
        let n = m.emit(&mut out).unwrap();
        assert_eq!(&out[..n], b);
    }

    #[test]
    fn rejects_bad_requests() {
        assert_eq!(
            Message::decode(b"\x00\x01a\0octet"),
            Err(DecodeError::Unterminated { offset: 4 })
        );
        assert_eq!(
            Message::decode(b"\x00\x01a\0binary\0"),
            Err(DecodeError::UnknownMode { offset: 4 })
        );
        assert!(Message::decode(b"\x00\x01a\0octet\0blksize\0").is_err());
        assert_eq!(
            Message::decode(b"\x00\x01a\0octet\0blksize\x00512\0blksize\x00512\0"),
            Err(DecodeError::DuplicateOption)
        );
        assert_eq!(
            Message::decode(b"\x00\x09"),
            Err(DecodeError::UnknownOpcode { opcode: 9 })
        );
        assert!(Message::decode(b"\x00\x03\x00").is_err());
        assert!(Message::decode(b"").is_err());
        assert_eq!(
            Message::decode(b"\x00\x01a\0MAIL\0").map(|m| match m {
                Message::Rrq(r) => r.mode,
                _ => Mode::Octet,
            }),
            Ok(Mode::Mail)
        );
    }

    #[test]
    fn out_of_range_values_stay_raw() {
        let b = b"\x00\x06blksize\x004\0windowsize\x000\0timeout\x00300\0";
        let Message::Oack(o) = Message::decode(b).unwrap() else {
            panic!()
        };
        assert!(o.values.is_empty());
        assert_eq!(o.others().count(), 3);
    }

    #[test]
    fn error_and_ack_roundtrip() {
        let m = Message::Error {
            code: ErrorCode::FileNotFound,
            message: "File not found",
        };
        let mut out = [0u8; 64];
        let n = m.emit(&mut out).unwrap();
        assert_eq!(n, m.buffer_len());
        assert_eq!(&out[..n], b"\x00\x05\x00\x01File not found\0");
        assert_eq!(Message::decode(&out[..n]), Ok(m));
        let mut small = [0u8; 3];
        assert_eq!(
            Message::Ack { block: 7 }.emit(&mut small),
            Err(InsufficientSize { required: 4 })
        );
    }
}
