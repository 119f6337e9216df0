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
        let eq = |s: &str| b.eq_ignore_ascii_case(s.as_bytes());
        match b.len() {
            1 => match b.first().map(u8::to_ascii_lowercase) {
                Some(b'v') => Self::Via,
                Some(b'f') => Self::From,
                Some(b't') => Self::To,
                Some(b'i') => Self::CallId,
                Some(b'm') => Self::Contact,
                Some(b'l') => Self::ContentLength,
                Some(b'c') => Self::ContentType,
                Some(b'k') => Self::Supported,
                _ => Self::Other(name),
            },
            2 if eq("To") => Self::To,
            3 if eq("Via") => Self::Via,
            4 if eq("From") => Self::From,
            4 if eq("CSeq") => Self::CSeq,
            4 if eq("Date") => Self::Date,
            4 if eq("Path") => Self::Path,
            5 if eq("Allow") => Self::Allow,
            5 if eq("Route") => Self::Route,
            6 if eq("Server") => Self::Server,
            7 if eq("Call-ID") => Self::CallId,
            7 if eq("Contact") => Self::Contact,
            7 if eq("Expires") => Self::Expires,
            7 if eq("Require") => Self::Require,
            9 if eq("Supported") => Self::Supported,
            10 if eq("User-Agent") => Self::UserAgent,
            10 if eq("Flow-Timer") => Self::FlowTimer,
            11 if eq("Min-Expires") => Self::MinExpires,
            11 if eq("Retry-After") => Self::RetryAfter,
            12 if eq("Max-Forwards") => Self::MaxForwards,
            12 if eq("Content-Type") => Self::ContentType,
            12 if eq("Record-Route") => Self::RecordRoute,
            13 if eq("Authorization") => Self::Authorization,
            13 if eq("Service-Route") => Self::ServiceRoute,
            14 if eq("Content-Length") => Self::ContentLength,
            16 if eq("WWW-Authenticate") => Self::WwwAuthenticate,
            18 if eq("Proxy-Authenticate") => Self::ProxyAuthenticate,
            19 if eq("Proxy-Authorization") => Self::ProxyAuthorization,
            _ => Self::Other(name),
        }
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

/// One header field: its resolved name and its raw value (leading and
/// trailing whitespace removed; folded lines keep their inner CRLF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// Resolved name.
    pub name: HeaderName<'a>,
    /// Raw value.
    pub value: &'a str,
}

const EMPTY_HEADER: Header<'static> = Header {
    name: HeaderName::Other(""),
    value: "",
};

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
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    start: StartLine<'a>,
    headers: [Header<'a>; MAX_HEADERS],
    count: usize,
    body: &'a [u8],
    len: usize,
}

impl core::fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Message")
            .field("start", &self.start)
            .field("headers", &self.headers())
            .field("body_len", &self.body.len())
            .finish()
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
    let nl = memchr(b'\n', rest)?;
    let line = rest.get(..nl)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, pos + nl + 1))
}

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
    let mut it = line.splitn(3, ' ');
    let (Some(method), Some(uri), Some(version)) = (it.next(), it.next(), it.next()) else {
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

/// Parses a decimal number of at most 10 digits into a `u32`.
pub(crate) fn parse_u32(s: &str, field: &'static str) -> Result<u32, DecodeError> {
    let s = trim(s);
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecodeError::bad(field));
    }
    s.parse().map_err(|_| DecodeError::bad(field))
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
        let (first, mut pos) = line_at(buf, 0).ok_or(DecodeError::Truncated {
            offset: 0,
            needed: 1,
        })?;
        let first = core::str::from_utf8(first).map_err(|e| DecodeError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        let start = parse_start(first)?;
        let mut msg = Message {
            start,
            headers: [EMPTY_HEADER; MAX_HEADERS],
            count: 0,
            body: &[],
            len: 0,
        };
        // Find the end of the header section, then validate it as UTF-8 once.
        let head_start = pos;
        let head_end;
        loop {
            let Some((line, next)) = line_at(buf, pos) else {
                return Err(DecodeError::Truncated {
                    offset: pos,
                    needed: 1,
                });
            };
            if line.is_empty() {
                head_end = next;
                break;
            }
            pos = next;
        }
        let head_bytes = buf.get(head_start..pos).unwrap_or_default();
        let head = core::str::from_utf8(head_bytes).map_err(|e| DecodeError::NotUtf8 {
            offset: head_start + e.valid_up_to(),
        })?;
        let mut content_length: Option<usize> = None;
        let mut rest = head;
        let mut offset = head_start;
        while !rest.is_empty() {
            // One logical header: a line plus its continuation lines.
            let bytes = rest.as_bytes();
            let mut end = 0;
            loop {
                let Some(nl) = memchr(b'\n', bytes.get(end..).unwrap_or_default()) else {
                    end = bytes.len();
                    break;
                };
                end += nl + 1;
                match bytes.get(end) {
                    Some(b' ' | b'\t') => continue,
                    _ => break,
                }
            }
            let (field, tail) = rest.split_at_checked(end).unwrap_or((rest, ""));
            let Some((name, value)) = field.split_byte(b':') else {
                return Err(DecodeError::Inconsistent {
                    offset,
                    field: "header",
                });
            };
            let name_len = name
                .bytes()
                .rposition(|b| !matches!(b, b' ' | b'\t'))
                .map_or(0, |i| i + 1);
            let name = name.get(..name_len).unwrap_or_default();
            if name.is_empty() || !name.bytes().all(is_token_byte) {
                return Err(DecodeError::Inconsistent {
                    offset,
                    field: "header-name",
                });
            }
            let header = Header {
                name: HeaderName::from_name(name),
                value: trim(value),
            };
            if header.name == HeaderName::ContentLength {
                let n = parse_u32(header.value, "Content-Length").map_err(|_| {
                    DecodeError::Inconsistent {
                        offset,
                        field: "Content-Length",
                    }
                })?;
                content_length = Some(n as usize);
            }
            let slot = msg
                .headers
                .get_mut(msg.count)
                .ok_or(DecodeError::TooManyHeaders { max: MAX_HEADERS })?;
            *slot = header;
            msg.count += 1;
            offset += end;
            rest = tail;
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
        msg.body = avail.get(..body_len).unwrap_or_default();
        msg.len = head_end + body_len;
        Ok(msg)
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
    pub fn headers(&self) -> &[Header<'a>] {
        self.headers.get(..self.count).unwrap_or_default()
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
        let other = match name {
            HeaderName::Other(s) => Some(s),
            _ => None,
        };
        self.headers()
            .iter()
            .filter(move |h| match (other, h.name) {
                (Some(want), HeaderName::Other(got)) => want.eq_ignore_ascii_case(got),
                (Some(_), _) => false,
                (None, n) => n == name,
            })
            .map(|h| h.value)
    }

    /// The raw value of the first field with this name.
    #[must_use]
    pub fn header(&self, name: HeaderName<'a>) -> Option<&'a str> {
        self.header_values(name).next()
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

    fn number(
        &self,
        name: HeaderName<'a>,
        field: &'static str,
    ) -> Option<Result<u32, DecodeError>> {
        self.header(name).map(|v| {
            // Retry-After may carry a comment and parameters after the number.
            let v = memchr::memchr2(b';', b'(', v.as_bytes())
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
