//! Zero-copy SIP message codec (RFC 3261 §7, §20, §25).
//!
//! [`Message::parse`] splits one complete message into its start line, up to
//! [`MAX_HEADERS`] header fields and the body, borrowing everything from the
//! input and allocating nothing. Typed header views ([`Via`], [`NameAddr`],
//! [`Contact`], [`CSeq`], [`Challenge`], [`Credentials`]) are parsed on demand
//! from the borrowed values. [`next_frame`] splits a TCP byte stream by
//! `Content-Length` and recognises RFC 5626 CRLF keep-alives. The [`build`]
//! module writes messages into caller buffers.
//!
//! Contract: after a successful `parse` no accessor panics; every accessor
//! that reads a header value returns a `Result`.

pub mod build;
mod header;
mod text;

pub use header::{CSeq, Challenge, Contact, Credentials, NameAddr, Param, Params, Qop, Uri, Via};
use text::SplitByte;

pub(crate) use text::{split_top, trim};

use crate::error::DecodeError;
use memchr::memchr;

/// Most header fields [`Message::parse`] holds; one more is
/// [`DecodeError::TooManyHeaders`].
pub const MAX_HEADERS: usize = 64;

/// Largest message [`Message::parse`] and [`next_frame`] accept, in bytes
/// (the largest UDP payload).
pub const MAX_MESSAGE: usize = 65_535;

/// The header fields this crate reads, with compact forms resolved
/// (RFC 3261 §7.3.3, §20). Anything else is [`HeaderName::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeaderName<'a> {
    /// `Via` / `v`.
    Via,
    /// `From` / `f`.
    From,
    /// `To` / `t`.
    To,
    /// `Call-ID` / `i`.
    CallId,
    /// `CSeq`.
    CSeq,
    /// `Contact` / `m`.
    Contact,
    /// `Expires`.
    Expires,
    /// `Min-Expires`.
    MinExpires,
    /// `Retry-After`.
    RetryAfter,
    /// `WWW-Authenticate`.
    WwwAuthenticate,
    /// `Proxy-Authenticate`.
    ProxyAuthenticate,
    /// `Authorization`.
    Authorization,
    /// `Proxy-Authorization`.
    ProxyAuthorization,
    /// `User-Agent`.
    UserAgent,
    /// `Server`.
    Server,
    /// `Content-Length` / `l`.
    ContentLength,
    /// `Content-Type` / `c`.
    ContentType,
    /// `Max-Forwards`.
    MaxForwards,
    /// `Supported` / `k`.
    Supported,
    /// `Require`.
    Require,
    /// `Allow`.
    Allow,
    /// `Date`.
    Date,
    /// `Route`.
    Route,
    /// `Record-Route`.
    RecordRoute,
    /// `Path`.
    Path,
    /// `Service-Route`.
    ServiceRoute,
    /// `Flow-Timer`.
    FlowTimer,
    /// Any other name, as written.
    Other(&'a str),
}

impl<'a> HeaderName<'a> {
    /// Resolves a header name, case-insensitively, compact forms included.
    #[must_use]
    pub fn from_name(name: &'a str) -> Self {
        let b = name.as_bytes();
        match known_id(b) {
            // `known_id` expects token bytes; CR is the one non-token byte it
            // could take for `-`.
            Some(i) if !b.contains(&b'\r') => {
                KNOWN_NAMES.get(i).copied().unwrap_or(Self::Other(name))
            }
            _ => Self::Other(name),
        }
    }

    /// Position in [`KNOWN_NAMES`], `None` for [`HeaderName::Other`].
    fn index(&self) -> Option<usize> {
        Some(match self {
            Self::Via => 0,
            Self::From => 1,
            Self::To => 2,
            Self::CallId => 3,
            Self::CSeq => 4,
            Self::Contact => 5,
            Self::Expires => 6,
            Self::MinExpires => 7,
            Self::RetryAfter => 8,
            Self::WwwAuthenticate => 9,
            Self::ProxyAuthenticate => 10,
            Self::Authorization => 11,
            Self::ProxyAuthorization => 12,
            Self::UserAgent => 13,
            Self::Server => 14,
            Self::ContentLength => 15,
            Self::ContentType => 16,
            Self::MaxForwards => 17,
            Self::Supported => 18,
            Self::Require => 19,
            Self::Allow => 20,
            Self::Date => 21,
            Self::Route => 22,
            Self::RecordRoute => 23,
            Self::Path => 24,
            Self::ServiceRoute => 25,
            Self::FlowTimer => 26,
            Self::Other(_) => return None,
        })
    }

    /// The canonical long name.
    #[must_use]
    pub fn as_str(&self) -> &'a str {
        match self {
            Self::Via => "Via",
            Self::From => "From",
            Self::To => "To",
            Self::CallId => "Call-ID",
            Self::CSeq => "CSeq",
            Self::Contact => "Contact",
            Self::Expires => "Expires",
            Self::MinExpires => "Min-Expires",
            Self::RetryAfter => "Retry-After",
            Self::WwwAuthenticate => "WWW-Authenticate",
            Self::ProxyAuthenticate => "Proxy-Authenticate",
            Self::Authorization => "Authorization",
            Self::ProxyAuthorization => "Proxy-Authorization",
            Self::UserAgent => "User-Agent",
            Self::Server => "Server",
            Self::ContentLength => "Content-Length",
            Self::ContentType => "Content-Type",
            Self::MaxForwards => "Max-Forwards",
            Self::Supported => "Supported",
            Self::Require => "Require",
            Self::Allow => "Allow",
            Self::Date => "Date",
            Self::Route => "Route",
            Self::RecordRoute => "Record-Route",
            Self::Path => "Path",
            Self::ServiceRoute => "Service-Route",
            Self::FlowTimer => "Flow-Timer",
            Self::Other(s) => s,
        }
    }

    /// Whether values of this header are comma-separated lists (RFC 3261 §7.3.1).
    #[must_use]
    pub fn is_list(&self) -> bool {
        matches!(
            self,
            Self::Via
                | Self::Contact
                | Self::Supported
                | Self::Require
                | Self::Allow
                | Self::Route
                | Self::RecordRoute
                | Self::Path
                | Self::ServiceRoute
        )
    }
}

/// The known names, in [`HeaderName::index`] order.
const KNOWN_NAMES: [HeaderName<'static>; KNOWN] = [
    HeaderName::Via,
    HeaderName::From,
    HeaderName::To,
    HeaderName::CallId,
    HeaderName::CSeq,
    HeaderName::Contact,
    HeaderName::Expires,
    HeaderName::MinExpires,
    HeaderName::RetryAfter,
    HeaderName::WwwAuthenticate,
    HeaderName::ProxyAuthenticate,
    HeaderName::Authorization,
    HeaderName::ProxyAuthorization,
    HeaderName::UserAgent,
    HeaderName::Server,
    HeaderName::ContentLength,
    HeaderName::ContentType,
    HeaderName::MaxForwards,
    HeaderName::Supported,
    HeaderName::Require,
    HeaderName::Allow,
    HeaderName::Date,
    HeaderName::Route,
    HeaderName::RecordRoute,
    HeaderName::Path,
    HeaderName::ServiceRoute,
    HeaderName::FlowTimer,
];

/// How many names [`HeaderName`] knows besides `Other`.
const KNOWN: usize = 27;

/// Case-insensitive equality of a token (already checked to hold only
/// token bytes) with a lowercase name: OR-ing 0x20 folds letters and maps no
/// other token byte onto a letter, `-` or digit.
fn token_eq(name: &[u8], lower: &[u8]) -> bool {
    name.len() == lower.len() && name.iter().zip(lower).all(|(a, b)| a | 0x20 == *b)
}

/// The [`KNOWN_NAMES`] index of a header name, compact forms included.
fn known_id(b: &[u8]) -> Option<usize> {
    let first = b.first()? | 0x20;
    let is = |lower: &[u8]| token_eq(b, lower);
    let id = match (b.len(), first) {
        (1, b'v') => 0,
        (1, b'f') => 1,
        (1, b't') => 2,
        (1, b'i') => 3,
        (1, b'm') => 5,
        (1, b'l') => 15,
        (1, b'c') => 16,
        (1, b'k') => 18,
        (2, b't') if is(b"to") => 2,
        (3, b'v') if is(b"via") => 0,
        (4, b'f') if is(b"from") => 1,
        (4, b'c') if is(b"cseq") => 4,
        (4, b'd') if is(b"date") => 21,
        (4, b'p') if is(b"path") => 24,
        (5, b'a') if is(b"allow") => 20,
        (5, b'r') if is(b"route") => 22,
        (6, b's') if is(b"server") => 14,
        (7, b'c') if is(b"call-id") => 3,
        (7, b'c') if is(b"contact") => 5,
        (7, b'e') if is(b"expires") => 6,
        (7, b'r') if is(b"require") => 19,
        (9, b's') if is(b"supported") => 18,
        (10, b'u') if is(b"user-agent") => 13,
        (10, b'f') if is(b"flow-timer") => 26,
        (11, b'm') if is(b"min-expires") => 7,
        (11, b'r') if is(b"retry-after") => 8,
        (12, b'm') if is(b"max-forwards") => 17,
        (12, b'c') if is(b"content-type") => 16,
        (12, b'r') if is(b"record-route") => 23,
        (13, b'a') if is(b"authorization") => 11,
        (13, b's') if is(b"service-route") => 25,
        (14, b'c') if is(b"content-length") => 15,
        (16, b'w') if is(b"www-authenticate") => 9,
        (18, b'p') if is(b"proxy-authenticate") => 10,
        (19, b'p') if is(b"proxy-authorization") => 12,
        _ => return None,
    };
    Some(id)
}

/// One header field: its resolved name and its raw value (leading and
/// trailing whitespace removed; folded lines keep their inner CRLF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// Resolved name.
    pub name: HeaderName<'a>,
    /// Raw value.
    pub value: &'a str,
}

/// A request method (RFC 3261 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method<'a> {
    /// `REGISTER`.
    Register,
    /// `OPTIONS`.
    Options,
    /// `INVITE`.
    Invite,
    /// `ACK`.
    Ack,
    /// `BYE`.
    Bye,
    /// `CANCEL`.
    Cancel,
    /// Any other method token, as written (methods are case-sensitive).
    Other(&'a str),
}

impl<'a> Method<'a> {
    /// Reads a method token.
    #[must_use]
    pub fn from_token(s: &'a str) -> Self {
        match s {
            "REGISTER" => Self::Register,
            "OPTIONS" => Self::Options,
            "INVITE" => Self::Invite,
            "ACK" => Self::Ack,
            "BYE" => Self::Bye,
            "CANCEL" => Self::Cancel,
            other => Self::Other(other),
        }
    }

    /// The method token.
    #[must_use]
    pub fn as_str(&self) -> &'a str {
        match self {
            Self::Register => "REGISTER",
            Self::Options => "OPTIONS",
            Self::Invite => "INVITE",
            Self::Ack => "ACK",
            Self::Bye => "BYE",
            Self::Cancel => "CANCEL",
            Self::Other(s) => s,
        }
    }
}

/// The first line of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartLine<'a> {
    /// `METHOD Request-URI SIP/2.0`.
    Request {
        /// The method.
        method: Method<'a>,
        /// The Request-URI as written.
        uri: &'a str,
    },
    /// `SIP/2.0 code reason`.
    Response {
        /// Status code, 100–699.
        code: u16,
        /// Reason phrase (may be empty).
        reason: &'a str,
    },
}

/// One parsed SIP message borrowing from its input.
///
/// Holds the header section as text plus, for each name [`HeaderName`]
/// knows, where its first value is and where a second field of that name
/// starts; anything else is found by reading the header section again.
#[derive(Clone, Copy)]
pub struct Message<'a> {
    start: StartLine<'a>,
    /// The header fields, from the first field to the end of the last one.
    head: &'a str,
    body: &'a [u8],
    len: usize,
    count: usize,
    /// Bit `i`: a field with the name `KNOWN_NAMES[i]` is present.
    present: u32,
    slots: [Slot; KNOWN],
}

/// Where the fields of one known name are, as offsets into the header
/// section (which is at most [`MAX_MESSAGE`] bytes).
#[derive(Clone, Copy, Default)]
struct Slot {
    /// Value of the first field.
    start: u16,
    end: u16,
    /// Start of the second field with this name, 0 when there is none.
    more: u16,
}

impl PartialEq for Message<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.start == other.start
            && self.count == other.count
            && self.headers().eq(other.headers())
            && self.body == other.body
            && self.len == other.len
    }
}

impl Eq for Message<'_> {}

impl core::fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Message")
            .field("start", &self.start)
            .field("headers", &DebugHeaders(self.headers()))
            .field("body_len", &self.body.len())
            .finish()
    }
}

struct DebugHeaders<'a>(Headers<'a>);

impl core::fmt::Debug for DebugHeaders<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.0.clone()).finish()
    }
}

/// The header fields of a [`Message`] in message order (see
/// [`Message::headers`]).
#[derive(Debug, Clone)]
pub struct Headers<'a> {
    head: &'a str,
    pos: usize,
    left: usize,
}

impl<'a> Iterator for Headers<'a> {
    type Item = Header<'a>;

    fn next(&mut self) -> Option<Header<'a>> {
        if self.left == 0 {
            return None;
        }
        let (name, value, next) = field_at(self.head, self.pos)?;
        self.pos = next;
        self.left -= 1;
        Some(Header {
            name: HeaderName::from_name(name),
            value,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Headers<'_> {}

/// Reads the field starting at `pos` of a header section that
/// [`Message::parse`] accepted: (name, trimmed value, start of the next field).
fn field_at(head: &str, pos: usize) -> Option<(&str, &str, usize)> {
    let b = head.as_bytes();
    let rest = b.get(pos..)?;
    let colon = memchr(b':', rest)?;
    let end = pos + field_len(rest).unwrap_or(rest.len());
    let name = head.get(pos..pos + colon)?;
    let name_len = name
        .bytes()
        .rposition(|c| !matches!(c, b' ' | b'\t'))
        .map_or(0, |i| i + 1);
    let value = head.get(pos + colon + 1..end).unwrap_or_default();
    Some((name.get(..name_len)?, trim(value), end))
}

/// Index of the first LF: `memchr`, calling its SSE2 search directly where
/// the target has SSE2 (the header section is searched once per line).
#[inline]
fn find_lf(b: &[u8]) -> Option<usize> {
    let i = text::find_word(b, text::OneByte(b'\n'));
    (i < b.len()).then_some(i)
}

/// Length of the logical field at the start of `b` (its lines up to and
/// including the last LF; continuation lines start with SP or HT), or `None`
/// when a line has no LF: `Err` carries the start of that line.
fn field_len(b: &[u8]) -> Result<usize, usize> {
    let mut end = 0;
    loop {
        let Some(nl) = find_lf(b.get(end..).unwrap_or_default()) else {
            return Err(end);
        };
        end += nl + 1;
        match b.get(end) {
            Some(b' ' | b'\t') => continue,
            _ => return Ok(end),
        }
    }
}

/// The values of the fields with one name, in order (see
/// [`Message::header_values`]).
struct Values<'a> {
    first: Option<&'a str>,
    head: &'a str,
    /// Where to read on; `head.len()` when done.
    pos: usize,
    name: HeaderName<'a>,
}

impl<'a> Iterator for Values<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if let Some(v) = self.first.take() {
            return Some(v);
        }
        while self.pos < self.head.len() {
            let (name, value, next) = field_at(self.head, self.pos)?;
            self.pos = next;
            let hit = match self.name {
                HeaderName::Other(want) => {
                    known_id(name.as_bytes()).is_none() && name.eq_ignore_ascii_case(want)
                }
                known => known_id(name.as_bytes()) == known.index(),
            };
            if hit {
                return Some(value);
            }
        }
        None
    }
}

/// RFC 3261 §25.1 `token` characters.
const TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
            );
        i += 1;
    }
    t
};

fn is_token_byte(b: u8) -> bool {
    TOKEN[usize::from(b)]
}

/// Reads one line starting at `pos`: returns (line without CR/LF, next pos).
fn line_at(buf: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = buf.get(pos..)?;
    let nl = find_lf(rest)?;
    let line = rest.get(..nl)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, pos + nl + 1))
}

/// The error reading the start line `first` alone gives, if any.
#[cold]
#[inline(never)]
fn start_error(first: &[u8]) -> Option<DecodeError> {
    match core::str::from_utf8(first) {
        Ok(first) => parse_start(first).err(),
        Err(e) => Some(DecodeError::NotUtf8 {
            offset: e.valid_up_to(),
        }),
    }
}

#[inline]
fn parse_start(line: &str) -> Result<StartLine<'_>, DecodeError> {
    let bad = DecodeError::Inconsistent {
        offset: 0,
        field: "start-line",
    };
    if let Some(rest) = line.strip_prefix("SIP/2.0 ") {
        let (code, reason) = rest.split_byte(b' ').unwrap_or((rest, ""));
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad);
        }
        let code: u16 = code.parse().map_err(|_| bad)?;
        if !(100..=699).contains(&code) {
            return Err(bad);
        }
        return Ok(StartLine::Response { code, reason });
    }
    // `splitn(3, ' ')`: method, URI, and the rest as the version.
    let Some((method, rest)) = line.split_byte(b' ') else {
        return Err(bad);
    };
    let Some((uri, version)) = rest.split_byte(b' ') else {
        return Err(bad);
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) || uri.is_empty() {
        return Err(bad);
    }
    if version != "SIP/2.0" {
        return Err(DecodeError::Inconsistent {
            offset: 0,
            field: "SIP-version",
        });
    }
    Ok(StartLine::Request {
        method: Method::from_token(method),
        uri,
    })
}

/// [`KNOWN_NAMES`] index of `Content-Length`.
const CONTENT_LENGTH: usize = 15;

/// Checks one logical field (`name: value` with its line ends) and returns
/// the known name's index and the trimmed value's range, or the name of the
/// element in error.
fn read_field(field: &[u8]) -> Result<(Option<usize>, usize, usize), &'static str> {
    let (id, colon) = match known_colon(field) {
        Some(found) => found,
        None => read_name(field)?,
    };
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let value = field.get(colon + 1..).unwrap_or_default();
    // The usual `: value CRLF` without the scans.
    let lead = match value {
        [b' ', c, ..] if !ws(c) => 1,
        _ => value.iter().position(|b| !ws(b)).unwrap_or(value.len()),
    };
    let trail = match value {
        [.., c, b'\r', b'\n'] if !ws(c) => value.len() - 2,
        _ => value.iter().rposition(|b| !ws(b)).map_or(lead, |i| i + 1),
    };
    Ok((id, colon + 1 + lead, colon + 1 + trail))
}

/// The general reading of a field's name: the known name's index and the
/// index of the colon, or the name of the element in error.
fn read_name(field: &[u8]) -> Result<(Option<usize>, usize), &'static str> {
    let (id, name_end) = match known_prefix(field) {
        Some((id, len)) => (Some(id), len),
        None => {
            let end = field
                .iter()
                .position(|&b| !is_token_byte(b))
                .unwrap_or(field.len());
            (known_id(field.get(..end).unwrap_or_default()), end)
        }
    };
    let mut colon = name_end;
    while let Some(b' ' | b'\t') = field.get(colon) {
        colon += 1;
    }
    if name_end == 0 || field.get(colon) != Some(&b':') {
        return Err(if memchr(b':', field).is_some() {
            "header-name"
        } else {
            "header"
        });
    }
    Ok((id, colon))
}

/// The usual field, a known name directly followed by `:`: its
/// [`KNOWN_NAMES`] index and the index of the colon, found from the colon's
/// position (the name's length) and first letter with one or two word
/// compares. `None` means "read the name with [`read_name`]" (unknown,
/// blanks before the colon, or a field shorter than 8 bytes).
#[inline]
fn known_colon(field: &[u8]) -> Option<(Option<usize>, usize)> {
    let w0 = word_at(field, 0)?;
    let colon = match text::eq_bytes(w0, b':') {
        0 => match word_at(field, 8).map(|w| text::eq_bytes(w, b':')) {
            Some(0) | None => {
                let m = text::eq_bytes(word_at(field, 16)?, b':');
                16 + (m.trailing_zeros() / 8) as usize
            }
            Some(m) => 8 + (m.trailing_zeros() / 8) as usize,
        },
        m => (m.trailing_zeros() / 8) as usize,
    };
    let letter = usize::from((w0 as u8 | 0x20).wrapping_sub(b'a'));
    if colon == 1 {
        let id = COMPACT.get(letter)?.checked_sub(1)?;
        return Some((Some(usize::from(id)), 1));
    }
    let ids = *BY_LEN.get(colon)?.get(letter)?;
    for id in [ids & 0xff, ids >> 8] {
        let Some(p) = usize::from(id).checked_sub(1).and_then(|i| LONG.get(i)) else {
            break;
        };
        if (w0 | p.fold[0]) & p.care[0] != p.word[0] {
            continue;
        }
        if colon > 8 && word_at(field, colon - 8)? | p.fold[1] != p.word[1] {
            continue;
        }
        return Some((Some(usize::from(p.id)), colon));
    }
    None
}

/// [`KNOWN_NAMES`] index + 1 of each compact form, by letter (0: none).
const COMPACT: [u8; 26] = {
    let mut t = [0; 26];
    t[(b'v' - b'a') as usize] = 1;
    t[(b'f' - b'a') as usize] = 2;
    t[(b't' - b'a') as usize] = 3;
    t[(b'i' - b'a') as usize] = 4;
    t[(b'm' - b'a') as usize] = 6;
    t[(b'l' - b'a') as usize] = 16;
    t[(b'c' - b'a') as usize] = 17;
    t[(b'k' - b'a') as usize] = 19;
    t
};

/// Every known long name, in [`KNOWN_NAMES`] order.
const LONG: [Pattern; KNOWN] = [
    pattern(b"via", 0),
    pattern(b"from", 1),
    pattern(b"to", 2),
    pattern(b"call-id", 3),
    pattern(b"cseq", 4),
    pattern(b"contact", 5),
    pattern(b"expires", 6),
    pattern(b"min-expires", 7),
    pattern(b"retry-after", 8),
    pattern(b"www-authenticate", 9),
    pattern(b"proxy-authenticate", 10),
    pattern(b"authorization", 11),
    pattern(b"proxy-authorization", 12),
    pattern(b"user-agent", 13),
    pattern(b"server", 14),
    pattern(b"content-length", 15),
    pattern(b"content-type", 16),
    pattern(b"max-forwards", 17),
    pattern(b"supported", 18),
    pattern(b"require", 19),
    pattern(b"allow", 20),
    pattern(b"date", 21),
    pattern(b"route", 22),
    pattern(b"record-route", 23),
    pattern(b"path", 24),
    pattern(b"service-route", 25),
    pattern(b"flow-timer", 26),
];

/// The [`LONG`] candidates for a name of each length (up to 23) and first
/// letter: up to two indexes + 1, one per byte (0: none).
const BY_LEN: [[u16; 26]; 24] = {
    let mut t = [[0u16; 26]; 24];
    let mut i = 0;
    while i < KNOWN {
        let p = &LONG[i];
        let first = (p.word[0] as u8).wrapping_sub(b'a') as usize;
        let cell = &mut t[p.len as usize][first];
        if *cell == 0 {
            *cell = (i + 1) as u16;
        } else {
            assert!(
                *cell >> 8 == 0,
                "more than two names share a length and letter"
            );
            *cell |= ((i + 1) as u16) << 8;
        }
        i += 1;
    }
    t
};

/// A known long name as little-endian words for [`known_prefix`]: its first
/// 8 bytes and its last 8 (overlapping; unused when shorter), with the bits
/// that fold ASCII letters to lower case and the bytes that count.
struct Pattern {
    id: u8,
    len: u8,
    word: [u64; 2],
    fold: [u64; 2],
    care: [u64; 2],
}

const fn pattern(name: &[u8], id: u8) -> Pattern {
    let n = name.len();
    let mut p = Pattern {
        id,
        len: n as u8,
        word: [0; 2],
        fold: [0; 2],
        care: [0; 2],
    };
    let mut half = 0;
    while half < 2 {
        let base = if half == 0 { 0 } else { n.saturating_sub(8) };
        let mut i = 0;
        while i < 8 && base + i < n && (half == 0 || n > 8) {
            let b = name[base + i];
            p.word[half] |= (b as u64) << (8 * i);
            p.care[half] |= 0xff << (8 * i);
            if b.is_ascii_lowercase() {
                p.fold[half] |= 0x20 << (8 * i);
            }
            i += 1;
        }
        half += 1;
    }
    p
}

/// The [`LONG`] names by first letter: up to five indexes + 1 each, in
/// [`LONG`] order (0: none).
const BY_FIRST: [[u8; 5]; 26] = {
    let mut t = [[0u8; 5]; 26];
    let mut i = 0;
    while i < KNOWN {
        let first = (LONG[i].word[0] as u8).wrapping_sub(b'a') as usize;
        let mut k = 0;
        while t[first][k] != 0 {
            k += 1;
        }
        t[first][k] = (i + 1) as u8;
        i += 1;
    }
    t
};

fn word_at(b: &[u8], at: usize) -> Option<u64> {
    let w: [u8; 8] = b.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(w))
}

/// Recognises a known name (compact forms included) at the start of a field
/// when a `:`, SP or HT follows it: its [`KNOWN_NAMES`] index and length.
/// `None` means "read the name byte by byte" (unknown, malformed, or a field
/// shorter than 8 bytes).
fn known_prefix(field: &[u8]) -> Option<(usize, usize)> {
    let first = field.first()? | 0x20;
    let letter = first.checked_sub(b'a').filter(|&i| i < 26)?;
    let delimits = |i: usize| matches!(field.get(i), Some(b':' | b' ' | b'\t'));
    if delimits(1) {
        let id = COMPACT.get(usize::from(letter))?.checked_sub(1)?;
        return Some((usize::from(id), 1));
    }
    let head = word_at(field, 0)?;
    for &i in BY_FIRST.get(usize::from(letter))? {
        let Some(p) = usize::from(i).checked_sub(1).and_then(|i| LONG.get(i)) else {
            break;
        };
        let len = usize::from(p.len);
        if (head | p.fold[0]) & p.care[0] != p.word[0] {
            continue;
        }
        if len > 8 {
            let Some(tail) = word_at(field, len - 8) else {
                continue;
            };
            if tail | p.fold[1] != p.word[1] {
                continue;
            }
        }
        if delimits(len) {
            return Some((usize::from(p.id), len));
        }
    }
    None
}

/// A decimal number of 1 to 10 digits that fits a `u32`.
fn parse_digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 10 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    u32::try_from(n).ok()
}

/// Parses a decimal number of at most 10 digits into a `u32`.
pub(crate) fn parse_u32(s: &str, field: &'static str) -> Result<u32, DecodeError> {
    parse_digits(trim(s).as_bytes()).ok_or(DecodeError::bad(field))
}

impl<'a> Message<'a> {
    /// Parses one complete message (a UDP datagram or a frame from
    /// [`next_frame`]).
    ///
    /// Lines may end in CRLF or a bare LF; folded header lines are joined
    /// into the value. With `Content-Length`, the body is exactly that many
    /// bytes and anything after it is ignored (RFC 3261 §18.3); without it
    /// the body is the rest of the input.
    ///
    /// # Errors
    /// [`DecodeError`] when the input is not a SIP message, has more than
    /// [`MAX_HEADERS`] header fields, exceeds [`MAX_MESSAGE`] bytes, or
    /// announces a longer body than it holds.
    pub fn parse(buf: &'a [u8]) -> Result<Self, DecodeError> {
        if buf.len() > MAX_MESSAGE {
            return Err(DecodeError::Oversized {
                offset: 0,
                len: buf.len(),
                max: MAX_MESSAGE,
            });
        }
        let (first, head_start) = line_at(buf, 0).ok_or(DecodeError::Truncated {
            offset: 0,
            needed: 1,
        })?;
        // The start line is read once the whole head is known to be UTF-8
        // (one check for both); its errors still come first.
        // One pass over the fields. The first syntax error is kept until the
        // end of the header section is known and the section is valid UTF-8,
        // which are reported first.
        let mut error = None;
        let mut count = 0usize;
        let mut present = 0u32;
        let mut slots = [Slot::default(); KNOWN];
        let mut content_length: Option<usize> = None;
        let mut pos = head_start;
        let head_end = loop {
            let rest = buf.get(pos..).unwrap_or_default();
            match rest {
                [b'\n', ..] => break pos + 1,
                [b'\r', b'\n', ..] => break pos + 2,
                _ => {}
            }
            let len = match field_len(rest) {
                Ok(len) => len,
                Err(line) => {
                    return Err(start_error(first).unwrap_or(DecodeError::Truncated {
                        offset: pos + line,
                        needed: 1,
                    }))
                }
            };
            let field = rest.get(..len).unwrap_or_default();
            if error.is_none() {
                let rel = pos - head_start;
                match read_field(field) {
                    Ok((id, v_start, v_end)) => {
                        if id == Some(CONTENT_LENGTH) {
                            let v = field.get(v_start..v_end).unwrap_or_default();
                            match parse_digits(v) {
                                Some(n) => content_length = Some(n as usize),
                                None => {
                                    error = Some(DecodeError::Inconsistent {
                                        offset: pos,
                                        field: "Content-Length",
                                    })
                                }
                            }
                        }
                        if count == MAX_HEADERS {
                            error =
                                error.or(Some(DecodeError::TooManyHeaders { max: MAX_HEADERS }));
                        }
                        count += 1;
                        if let Some(slot) = id.and_then(|id| slots.get_mut(id).map(|s| (id, s))) {
                            let (id, slot) = slot;
                            // Offsets within the header section fit in u16: the
                            // message is at most MAX_MESSAGE bytes.
                            if present & (1 << id) == 0 {
                                present |= 1 << id;
                                slot.start = (rel + v_start) as u16;
                                slot.end = (rel + v_end) as u16;
                            } else if slot.more == 0 {
                                slot.more = rel as u16;
                            }
                        }
                    }
                    Err(field) => error = Some(DecodeError::Inconsistent { offset: pos, field }),
                }
            }
            pos += len;
        };
        // The start line, its line end and the fields: an invalid byte in the
        // start line is reported as reading it alone would (the byte after
        // it, CR or LF, continues no sequence).
        let (start, head) = match core::str::from_utf8(buf.get(..pos).unwrap_or_default()) {
            Ok(text) => (
                parse_start(text.get(..first.len()).unwrap_or_default())?,
                text.get(head_start..).unwrap_or_default(),
            ),
            Err(e) => {
                return Err(start_error(first).unwrap_or(DecodeError::NotUtf8 {
                    offset: e.valid_up_to(),
                }))
            }
        };
        if let Some(e) = error {
            return Err(e);
        }
        let avail = buf.get(head_end..).unwrap_or_default();
        let body_len = match content_length {
            Some(n) if n > avail.len() => {
                return Err(DecodeError::Truncated {
                    offset: head_end,
                    needed: n - avail.len(),
                })
            }
            Some(n) => n,
            None => avail.len(),
        };
        Ok(Message {
            start,
            head,
            body: avail.get(..body_len).unwrap_or_default(),
            len: head_end + body_len,
            count,
            present,
            slots,
        })
    }

    /// The start line.
    #[must_use]
    pub fn start(&self) -> &StartLine<'a> {
        &self.start
    }

    /// The method of a request, `None` for a response.
    #[must_use]
    pub fn method(&self) -> Option<Method<'a>> {
        match self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    /// The Request-URI of a request.
    #[must_use]
    pub fn request_uri(&self) -> Option<&'a str> {
        match self.start {
            StartLine::Request { uri, .. } => Some(uri),
            StartLine::Response { .. } => None,
        }
    }

    /// The status code of a response, `None` for a request.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self.start {
            StartLine::Response { code, .. } => Some(code),
            StartLine::Request { .. } => None,
        }
    }

    /// Every header field in message order.
    #[must_use]
    pub fn headers(&self) -> Headers<'a> {
        Headers {
            head: self.head,
            pos: 0,
            left: self.count,
        }
    }

    /// The body (exactly `Content-Length` bytes when present).
    #[must_use]
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// Bytes of the input this message used (head + body).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a message has at least a start line.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Raw values of every field with this name, in order.
    pub fn header_values(&self, name: HeaderName<'a>) -> impl Iterator<Item = &'a str> + '_ {
        let done = self.head.len();
        let (first, pos) = match name.index() {
            Some(id) => match self.slots.get(id) {
                Some(s) if self.present & (1 << id) != 0 => (
                    self.head.get(usize::from(s.start)..usize::from(s.end)),
                    if s.more == 0 {
                        done
                    } else {
                        usize::from(s.more)
                    },
                ),
                _ => (None, done),
            },
            None => (None, 0),
        };
        Values {
            first,
            head: self.head,
            pos,
            name,
        }
    }

    /// The raw value of the first field with this name.
    #[must_use]
    pub fn header(&self, name: HeaderName<'a>) -> Option<&'a str> {
        match name.index() {
            Some(id) => {
                let s = self.slots.get(id)?;
                if self.present & (1 << id) == 0 {
                    return None;
                }
                self.head.get(usize::from(s.start)..usize::from(s.end))
            }
            None => self.header_values(name).next(),
        }
    }

    /// Every comma-separated element of every field with this name
    /// (RFC 3261 §7.3.1: repeated fields and comma lists are equivalent).
    pub fn list_values(&self, name: HeaderName<'a>) -> impl Iterator<Item = &'a str> + '_ {
        self.header_values(name)
            .flat_map(|v| split_top(v, b','))
            .map(trim)
            .filter(|s| !s.is_empty())
    }

    fn required(&self, name: HeaderName<'a>, field: &'static str) -> Result<&'a str, DecodeError> {
        self.header(name).ok_or(DecodeError::Missing { field })
    }

    /// Every Via value, topmost first.
    pub fn vias(&self) -> impl Iterator<Item = Result<Via<'a>, DecodeError>> + '_ {
        self.list_values(HeaderName::Via).map(Via::parse)
    }

    /// The topmost Via.
    ///
    /// # Errors
    /// [`DecodeError::Missing`] or a syntax error.
    pub fn top_via(&self) -> Result<Via<'a>, DecodeError> {
        self.vias()
            .next()
            .unwrap_or(Err(DecodeError::Missing { field: "Via" }))
    }

    /// Whether [`Message::top_via`] would succeed, without reading the
    /// Via parameters.
    pub(crate) fn top_via_is_valid(&self) -> bool {
        self.list_values(HeaderName::Via)
            .next()
            .is_some_and(Via::is_valid)
    }

    /// The From header.
    ///
    /// # Errors
    /// [`DecodeError::Missing`] or a syntax error.
    pub fn from(&self) -> Result<NameAddr<'a>, DecodeError> {
        NameAddr::parse(self.required(HeaderName::From, "From")?)
    }

    /// The To header.
    ///
    /// # Errors
    /// [`DecodeError::Missing`] or a syntax error.
    pub fn to(&self) -> Result<NameAddr<'a>, DecodeError> {
        NameAddr::parse(self.required(HeaderName::To, "To")?)
    }

    /// The Call-ID.
    ///
    /// # Errors
    /// [`DecodeError::Missing`] when absent or empty.
    pub fn call_id(&self) -> Result<&'a str, DecodeError> {
        match self.header(HeaderName::CallId) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(DecodeError::Missing { field: "Call-ID" }),
        }
    }

    /// The CSeq.
    ///
    /// # Errors
    /// [`DecodeError::Missing`] or a syntax error.
    pub fn cseq(&self) -> Result<CSeq<'a>, DecodeError> {
        CSeq::parse(self.required(HeaderName::CSeq, "CSeq")?)
    }

    /// Every Contact value in order (`*` is [`Contact::Star`]).
    pub fn contacts(&self) -> impl Iterator<Item = Result<Contact<'a>, DecodeError>> + '_ {
        self.list_values(HeaderName::Contact).map(Contact::parse)
    }

    #[inline]
    fn number(
        &self,
        name: HeaderName<'a>,
        field: &'static str,
    ) -> Option<Result<u32, DecodeError>> {
        self.header(name).map(|v| {
            // The usual value, digits only (stored values have no blanks at
            // either end), without the scans below.
            if let Some(n) = parse_digits(v.as_bytes()) {
                return Ok(n);
            }
            // Retry-After may carry a comment and parameters after the number.
            let v = v
                .bytes()
                .position(|b| b == b';' || b == b'(')
                .and_then(|i| v.get(..i))
                .unwrap_or(v);
            parse_u32(v, field)
        })
    }

    /// The Expires header in seconds.
    #[must_use]
    pub fn expires(&self) -> Option<Result<u32, DecodeError>> {
        self.number(HeaderName::Expires, "Expires")
    }

    /// The Min-Expires header in seconds.
    #[must_use]
    pub fn min_expires(&self) -> Option<Result<u32, DecodeError>> {
        self.number(HeaderName::MinExpires, "Min-Expires")
    }

    /// The Retry-After header in seconds (comment and parameters ignored).
    #[must_use]
    pub fn retry_after(&self) -> Option<Result<u32, DecodeError>> {
        self.number(HeaderName::RetryAfter, "Retry-After")
    }

    /// The Content-Length header.
    #[must_use]
    pub fn content_length(&self) -> Option<Result<u32, DecodeError>> {
        self.number(HeaderName::ContentLength, "Content-Length")
    }

    /// The Max-Forwards header.
    #[must_use]
    pub fn max_forwards(&self) -> Option<Result<u32, DecodeError>> {
        self.number(HeaderName::MaxForwards, "Max-Forwards")
    }

    /// The Flow-Timer header (RFC 5626).
    #[must_use]
    pub fn flow_timer(&self) -> Option<Result<u32, DecodeError>> {
        self.number(HeaderName::FlowTimer, "Flow-Timer")
    }

    /// The User-Agent header.
    #[must_use]
    pub fn user_agent(&self) -> Option<&'a str> {
        self.header(HeaderName::UserAgent)
    }

    /// The Server header.
    #[must_use]
    pub fn server(&self) -> Option<&'a str> {
        self.header(HeaderName::Server)
    }

    /// Every challenge of `WWW-Authenticate` (`proxy` false) or
    /// `Proxy-Authenticate` (`proxy` true), in order (most preferred first).
    pub fn challenges(
        &self,
        proxy: bool,
    ) -> impl Iterator<Item = Result<Challenge<'a>, DecodeError>> + '_ {
        let name = if proxy {
            HeaderName::ProxyAuthenticate
        } else {
            HeaderName::WwwAuthenticate
        };
        self.header_values(name).map(Challenge::parse)
    }

    /// The credentials of `Authorization` (`proxy` false) or
    /// `Proxy-Authorization` (`proxy` true), in order.
    pub fn credentials(
        &self,
        proxy: bool,
    ) -> impl Iterator<Item = Result<Credentials<'a>, DecodeError>> + '_ {
        let name = if proxy {
            HeaderName::ProxyAuthorization
        } else {
            HeaderName::Authorization
        };
        self.header_values(name).map(Credentials::parse)
    }
}

/// What [`next_frame`] found at the start of a stream buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// A complete message of this many bytes: pass them to [`Message::parse`].
    Message(usize),
    /// An RFC 5626 keep-alive ping, `CRLFCRLF` (4 bytes): answer with a pong.
    Ping,
    /// An RFC 5626 keep-alive pong, a single `CRLF` (2 bytes).
    Pong,
    /// Not enough bytes yet; at least `needed` more are required.
    Incomplete {
        /// Lower bound of the missing bytes.
        needed: usize,
    },
}

impl Frame {
    /// Bytes of the stream the frame uses (0 for `Incomplete`).
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Frame::Message(n) => *n,
            Frame::Ping => 4,
            Frame::Pong => 2,
            Frame::Incomplete { .. } => 0,
        }
    }

    /// True for `Incomplete`.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Splits the next frame off the start of a stream buffer (RFC 3261 §18.3:
/// the body length comes from `Content-Length`, 0 when absent; RFC 5626 §3.5.1
/// keep-alives).
///
/// A lone `CRLF` at the end of the buffer is reported as [`Frame::Pong`]; a
/// server that must tell it from half a ping waits for two more bytes.
///
/// # Errors
/// [`DecodeError::Oversized`] when the head or the whole message would exceed
/// `max` bytes, or a bad `Content-Length`.
pub fn next_frame(buf: &[u8], max: usize) -> Result<Frame, DecodeError> {
    if buf.starts_with(b"\r\n\r\n") {
        return Ok(Frame::Ping);
    }
    if buf.starts_with(b"\r\n") {
        return Ok(Frame::Pong);
    }
    if buf == b"\r" {
        return Ok(Frame::Incomplete { needed: 1 });
    }
    let Some(head_end) = memchr::memmem::find(buf, b"\r\n\r\n") else {
        if buf.len() > max {
            return Err(DecodeError::Oversized {
                offset: 0,
                len: buf.len(),
                max,
            });
        }
        return Ok(Frame::Incomplete { needed: 1 });
    };
    let head_len = head_end + 4;
    let mut content_length = 0usize;
    let mut pos = 0;
    let head = buf.get(..head_end).unwrap_or_default();
    while let Some(line) = head.get(pos..) {
        let nl = memchr(b'\n', line).unwrap_or(line.len());
        let l = line.get(..nl).unwrap_or_default();
        if let Some(colon) = memchr(b':', l) {
            let name = l.get(..colon).unwrap_or_default();
            let name = name.trim_ascii_end();
            if name.eq_ignore_ascii_case(b"content-length") || name.eq_ignore_ascii_case(b"l") {
                let v = core::str::from_utf8(l.get(colon + 1..).unwrap_or_default())
                    .map_err(|_| DecodeError::bad("Content-Length"))?;
                content_length = parse_u32(v, "Content-Length")? as usize;
            }
        }
        pos += nl + 1;
        if pos > head.len() {
            break;
        }
    }
    let total = head_len.saturating_add(content_length);
    if total > max {
        return Err(DecodeError::Oversized {
            offset: 0,
            len: total,
            max,
        });
    }
    if buf.len() < total {
        return Ok(Frame::Incomplete {
            needed: total - buf.len(),
        });
    }
    Ok(Frame::Message(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_colon_agrees_with_read_name() {
        let mut names: std::vec::Vec<std::string::String> = KNOWN_NAMES
            .iter()
            .map(|n| std::string::String::from(n.as_str()))
            .collect();
        names.extend(
            [
                "v",
                "f",
                "t",
                "i",
                "m",
                "l",
                "c",
                "k",
                "x",
                "e",
                "Vias",
                "Contacts",
                "CallXID",
                "Call_ID",
                "Fro",
                "Contact-",
                "X-Cisco-Some-Long-Name",
                "Proxy-Authorizatio",
                "WWW-Authenticatf",
                "Authorisation",
                "R",
                "",
                "+",
                "\u{e9}",
            ]
            .map(Into::into),
        );
        let mut hits = 0;
        for name in names {
            let mut cases = std::vec![
                name.to_ascii_lowercase(),
                name.to_ascii_uppercase(),
                name.clone(),
                name.replace('-', "\r"),
                name.replace('-', "_"),
            ];
            if let Some(c) = name.chars().next() {
                // A byte that folds onto the first letter only by OR 0x20.
                cases.push(std::format!(
                    "{}{}",
                    (c as u8 & !0x20) as char,
                    &name[c.len_utf8()..]
                ));
            }
            for case in cases {
                for tail in [
                    ": value\r\n",
                    ":v\r\n",
                    " : v\r\n",
                    "\t:v\r\n",
                    ":\r\n",
                    ":",
                    ": a:b\r\n",
                ] {
                    let field = std::format!("{case}{tail}");
                    let b = field.as_bytes();
                    if let Some(fast) = known_colon(b) {
                        assert_eq!(Ok(fast), read_name(b), "{field:?}");
                        assert!(fast.0.is_some(), "{field:?}");
                        hits += 1;
                    }
                }
            }
        }
        assert!(hits > 150, "{hits}");
    }

    #[test]
    fn start_line_errors_come_before_head_errors() {
        let start = DecodeError::Inconsistent {
            offset: 0,
            field: "start-line",
        };
        // A bad start line wins over a truncated field and a non-UTF-8 head.
        assert_eq!(Message::parse(b"BAD\r\nVia: x"), Err(start));
        assert_eq!(Message::parse(b"BAD\r\nX: \xff\r\n\r\n"), Err(start));
        // A non-UTF-8 start line wins too, at its own offset.
        assert_eq!(
            Message::parse(b"OPTIONS sip:\xe9 SIP/2.0\r\nVia: x"),
            Err(DecodeError::NotUtf8 { offset: 12 })
        );
        // A cut sequence at the end of the start line.
        assert_eq!(
            Message::parse(b"OPTIONS sip:a SIP/2.0\xc3\r\n\r\n"),
            Err(DecodeError::NotUtf8 { offset: 21 })
        );
        // A valid start line: the head's errors, at offsets in the message.
        assert_eq!(
            Message::parse(b"OPTIONS sip:a SIP/2.0\r\nX: \xff\r\n\r\n"),
            Err(DecodeError::NotUtf8 { offset: 26 })
        );
        assert_eq!(
            Message::parse(b"OPTIONS sip:a SIP/2.0\r\nVia: x"),
            Err(DecodeError::Truncated {
                offset: 23,
                needed: 1
            })
        );
        let m = Message::parse(b"OPTIONS sip:\xc3\xa9 SIP/2.0\r\nX: \xc3\xa9\r\n\r\n").unwrap();
        assert_eq!(m.request_uri(), Some("sip:\u{e9}"));
        assert_eq!(m.header(HeaderName::Other("x")), Some("\u{e9}"));
    }

    #[test]
    fn known_prefix_agrees_with_known_id() {
        let mut names: std::vec::Vec<std::string::String> = KNOWN_NAMES
            .iter()
            .map(|n| std::string::String::from(n.as_str()))
            .collect();
        names.extend(
            [
                "v", "f", "t", "i", "m", "l", "c", "k", "x", "Vias", "Contacts", "CallXID",
            ]
            .map(Into::into),
        );
        for name in names {
            for case in [
                name.to_ascii_lowercase(),
                name.to_ascii_uppercase(),
                name.clone(),
            ] {
                for tail in [
                    ": value\r\n",
                    " : v\r\n",
                    "\t:v\r\n",
                    "x: v\r\n",
                    "-: v\r\n",
                    "\r: v\r\n",
                    ":\r\n",
                ] {
                    let field = std::format!("{case}{tail}");
                    let b = field.as_bytes();
                    let slow = known_id(case.as_bytes());
                    if let Some((id, len)) = known_prefix(b) {
                        assert_eq!((Some(id), len), (slow, case.len()), "{field:?}");
                    } else if b.len() >= 8 && matches!(b.get(case.len()), Some(b':' | b' ' | b'\t'))
                    {
                        assert_eq!(slow, None, "{field:?}");
                    }
                }
                // CR where the name has '-' is not the name.
                let cr = case.replace('-', "\r");
                if cr != case {
                    assert_eq!(known_prefix(std::format!("{cr}: v\r\n").as_bytes()), None);
                }
            }
        }
    }
}
