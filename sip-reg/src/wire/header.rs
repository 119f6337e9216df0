//! Typed, borrowed views of the header values registration needs.

use super::text::{
    closing_quote, eq_bytes, find_byte, find_name_end, find_value_end, find_ws, is_token, lookup,
    params, scan_usual, trim, unquote, value_end_bytes, SplitByte, Unusual,
};
use super::{parse_u32, Method};
use crate::error::DecodeError;

/// One `name[=value]` parameter; quoted values are returned without their
/// quotes (escapes kept as written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// Parameter name as written.
    pub name: &'a str,
    /// Value, `None` for a flag such as `rport` or `lr`.
    pub value: Option<&'a str>,
}

/// A `;`-separated parameter list (RFC 3261 §25.1 `generic-param`), kept raw
/// and read on demand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Params<'a> {
    raw: &'a str,
}

impl<'a> Params<'a> {
    /// Wraps a raw list; a leading `;` is optional.
    #[must_use]
    pub fn new(raw: &'a str) -> Self {
        Params { raw }
    }

    /// The list as written.
    #[must_use]
    pub fn as_str(&self) -> &'a str {
        self.raw
    }

    /// Every parameter in order.
    pub fn iter(&self) -> impl Iterator<Item = Param<'a>> + 'a {
        params(self.raw, b';').map(|(name, value)| Param { name, value })
    }

    /// The first parameter named `name` (case-insensitive): `Some(None)` for
    /// a flag, `Some(Some(v))` for a value.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Option<&'a str>> {
        if is_token(name) {
            return self.get_token(name);
        }
        self.get_split(name)
    }

    /// [`Params::get`] for a name made of token bytes.
    pub(crate) fn get_token(&self, name: &str) -> Option<Option<&'a str>> {
        match lookup(self.raw, b';', name) {
            Ok(found) => found,
            Err(_) => self.get_split(name),
        }
    }

    fn get_split(&self, name: &str) -> Option<Option<&'a str>> {
        self.iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.value)
    }

    /// Whether a parameter named `name` is present.
    #[must_use]
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// A SIP or SIPS URI (RFC 3261 §19.1), split but not unescaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uri<'a> {
    /// `sip` or `sips` (or another scheme, as written).
    pub scheme: &'a str,
    /// User part without password.
    pub user: Option<&'a str>,
    /// Host: name, IPv4 or bracketed IPv6.
    pub host: &'a str,
    /// Port, when written.
    pub port: Option<u16>,
    /// URI parameters (`;transport=tcp;ob`).
    pub params: Params<'a>,
}

impl<'a> Uri<'a> {
    /// Parses `scheme:[user[:password]@]host[:port][;params][?headers]`.
    ///
    /// # Errors
    /// [`DecodeError::Inconsistent`] with field `uri`.
    pub fn parse(s: &'a str) -> Result<Self, DecodeError> {
        let bad = DecodeError::bad("uri");
        let s = trim(s);
        let (scheme, rest) = s.split_byte(b':').ok_or(bad)?;
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            return Err(bad);
        }
        let rest = rest.split_byte(b'?').map_or(rest, |(a, _)| a);
        let (hostpart_full, params) = match rest.split_byte(b';') {
            Some((a, p)) => (a, p),
            None => (rest, ""),
        };
        let (user, hostport) = match hostpart_full.rsplit_once('@') {
            Some((u, h)) => (Some(u.split_byte(b':').map_or(u, |(a, _)| a)), h),
            None => (None, hostpart_full),
        };
        let (host, port) = if hostport.starts_with('[') {
            let end = hostport.find(']').ok_or(bad)?;
            let (h, tail) = hostport.split_at_checked(end + 1).ok_or(bad)?;
            (h, tail.strip_prefix(':'))
        } else {
            match hostport.split_byte(b':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() || host.bytes().any(|b| b <= b' ' || b == b'<' || b == b'>') {
            return Err(bad);
        }
        let port = match port {
            Some(p) => Some(parse_u16(p).ok_or(bad)?),
            None => None,
        };
        Ok(Uri {
            scheme,
            user,
            host,
            port,
            params: Params::new(params),
        })
    }
}

/// `str::parse::<u16>` (an optional leading `+`, then decimal digits) by
/// bytes.
fn parse_u16(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    let digits = match b {
        [b'+', rest @ ..] => rest,
        _ => b,
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: u32 = 0;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u32::from(d);
        if n > u32::from(u16::MAX) {
            return None;
        }
    }
    u16::try_from(n).ok()
}

/// One Via value (RFC 3261 §20.42, RFC 3581 `rport`).
#[derive(Clone, Copy)]
pub struct Via<'a> {
    /// Transport, e.g. `UDP`, `TCP`.
    pub transport: &'a str,
    /// Sent-by host.
    pub host: &'a str,
    /// Sent-by port.
    pub port: Option<u16>,
    /// All parameters.
    pub params: Params<'a>,
    /// `branch`, `received` and `rport` as [`Params::get`] reads them, found
    /// in one pass by [`Via::parse`]; used while `params` is still the list
    /// they were read from.
    seen: Seen<'a>,
}

#[derive(Clone, Copy, Default)]
struct Seen<'a> {
    raw: &'a str,
    branch: Option<Option<&'a str>>,
    received: Option<Option<&'a str>>,
    rport: Option<Option<&'a str>>,
}

impl<'a> Seen<'a> {
    /// `branch`, `received` and `rport` of a raw list, first occurrence each.
    fn scan(params: &'a str) -> Self {
        let mut seen = Seen {
            raw: params,
            ..Seen::default()
        };
        if scan_usual(params, b';', |name, value| seen.note(name, value)).is_ok() {
            return seen;
        }
        let mut seen = Seen {
            raw: params,
            ..Seen::default()
        };
        for (name, value) in super::text::params(params, b';') {
            seen.note(name, value);
            if seen.branch.is_some() && seen.received.is_some() && seen.rport.is_some() {
                break;
            }
        }
        seen
    }

    /// Keeps the first `branch`, `received` and `rport`.
    fn note(&mut self, name: &str, value: Option<&'a str>) {
        const BRANCH: u64 = key(b"branch");
        const RECEIVED: u64 = key(b"received");
        const RPORT: u64 = key(b"rport");
        let slot = match name_key(name) {
            BRANCH => &mut self.branch,
            RECEIVED => &mut self.received,
            RPORT => &mut self.rport,
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
}

impl PartialEq for Via<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.transport == other.transport
            && self.host == other.host
            && self.port == other.port
            && self.params == other.params
    }
}

impl Eq for Via<'_> {}

impl core::fmt::Debug for Via<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Via")
            .field("transport", &self.transport)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("params", &self.params)
            .finish()
    }
}

impl<'a> Via<'a> {
    /// Parses `SIP/2.0/TRANSPORT host[:port][;params]`.
    ///
    /// # Errors
    /// [`DecodeError::Inconsistent`] with field `Via`.
    pub fn parse(s: &'a str) -> Result<Self, DecodeError> {
        let (transport, host, port, params) = Self::split(s)?;
        Ok(Via {
            transport,
            host,
            port,
            params: Params::new(params),
            seen: Seen::scan(params),
        })
    }

    /// Whether [`Via::parse`] accepts `s`, without reading the parameters.
    pub(crate) fn is_valid(s: &str) -> bool {
        Via::split(s).is_ok()
    }

    /// [`Via::split`] of the usual spelling, `SIP/2.0/TRANSPORT host[:port]`
    /// then `;params` or nothing, with one SP and no other blank before the
    /// parameters; `None` for anything else.
    #[inline]
    fn split_usual(s: &'a str) -> Option<(&'a str, &'a str, Option<u16>, &'a str)> {
        const SIP: u64 = u64::from_le_bytes(*b"sip/2.0/");
        const FOLD: u64 = u64::from_le_bytes(*b"   \0\0\0\0\0");
        let b = s.as_bytes();
        let blank = |c: u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
        if u64::from_le_bytes(*b.first_chunk::<8>()?) | FOLD != SIP
            || b.last().is_some_and(|&c| blank(c))
        {
            return None;
        }
        let mut i = 8;
        while b.get(i).is_some_and(|&c| !blank(c)) {
            i += 1;
        }
        if i == 8 || b.get(i) != Some(&b' ') {
            return None;
        }
        let transport = s.get(8..i)?;
        let host_start = i + 1;
        let mut i = host_start;
        while b
            .get(i)
            .is_some_and(|&c| !blank(c) && !matches!(c, b':' | b';' | b'['))
        {
            i += 1;
        }
        let host = s.get(host_start..i)?;
        if host.is_empty() {
            return None;
        }
        let port = if b.get(i) == Some(&b':') {
            let digits = i + 1;
            let mut port: u32 = 0;
            i = digits;
            while let Some(d) = b.get(i).map(|c| c.wrapping_sub(b'0')).filter(|&d| d <= 9) {
                port = port * 10 + u32::from(d);
                if port > u32::from(u16::MAX) {
                    return None;
                }
                i += 1;
            }
            if i == digits {
                return None;
            }
            Some(u16::try_from(port).ok()?)
        } else {
            None
        };
        let params = match b.get(i) {
            None => "",
            Some(b';') => s.get(i + 1..)?,
            Some(_) => return None,
        };
        Some((transport, host, port, params))
    }

    /// Transport, host, port and the raw parameter list.
    fn split(s: &'a str) -> Result<(&'a str, &'a str, Option<u16>, &'a str), DecodeError> {
        match Self::split_usual(s) {
            Some(usual) => Ok(usual),
            None => Self::split_general(s),
        }
    }

    /// [`Via::split`] of any spelling.
    fn split_general(s: &'a str) -> Result<(&'a str, &'a str, Option<u16>, &'a str), DecodeError> {
        let bad = DecodeError::bad("Via");
        let s = trim(s);
        // `SIP` in any case (OR 0x20 folds exactly the letters' cases).
        const SIP: u64 = u64::from_le_bytes(*b"sip/2.0/");
        const FOLD: u64 = u64::from_le_bytes(*b"   \0\0\0\0\0");
        let rest = match s.as_bytes().first_chunk::<8>() {
            // The usual spelling, without blanks around the slashes.
            Some(p) if u64::from_le_bytes(*p) | FOLD == SIP => s.get(8..).unwrap_or_default(),
            _ => {
                let (proto, rest) = s.split_byte(b'/').ok_or(bad)?;
                let (version, rest) = rest.split_byte(b'/').ok_or(bad)?;
                if !trim(proto).eq_ignore_ascii_case("SIP") || trim(version) != "2.0" {
                    return Err(bad);
                }
                rest
            }
        };
        let rest = trim(rest);
        let split = find_ws(rest).ok_or(bad)?;
        let (transport, rest) = rest.split_at_checked(split).ok_or(bad)?;
        let rest = trim(rest);
        let (sent_by, params) = match rest.split_byte(b';') {
            Some((a, p)) => (trim(a), p),
            None => (rest, ""),
        };
        let (host, port) = if sent_by.starts_with('[') {
            let end = sent_by.find(']').ok_or(bad)?;
            let (h, tail) = sent_by.split_at_checked(end + 1).ok_or(bad)?;
            (h, tail.strip_prefix(':'))
        } else {
            match sent_by.split_byte(b':') {
                Some((h, p)) => (h, Some(p)),
                None => (sent_by, None),
            }
        };
        if host.is_empty() || transport.is_empty() {
            return Err(bad);
        }
        let port = match port {
            Some(p) => Some(parse_u16(trim(p)).ok_or(bad)?),
            None => None,
        };
        Ok((transport, host, port, params))
    }

    /// A parameter [`Via::parse`] looked up, or `name` read again when
    /// `params` was replaced since.
    fn known(
        &self,
        pick: fn(&Seen<'a>) -> Option<Option<&'a str>>,
        name: &str,
    ) -> Option<Option<&'a str>> {
        if core::ptr::eq(self.seen.raw, self.params.as_str()) {
            pick(&self.seen)
        } else {
            self.params.get_token(name)
        }
    }

    /// The `branch` parameter.
    #[must_use]
    pub fn branch(&self) -> Option<&'a str> {
        self.known(|s| s.branch, "branch").flatten()
    }

    /// The `received` parameter (the source IP the server saw).
    #[must_use]
    pub fn received(&self) -> Option<&'a str> {
        self.known(|s| s.received, "received").flatten()
    }

    /// The `rport` parameter: `None` absent, `Some(None)` requested (empty),
    /// `Some(Some(port))` filled in by the server.
    ///
    /// # Errors
    /// A non-numeric port.
    pub fn rport(&self) -> Result<Option<Option<u16>>, DecodeError> {
        match self.known(|s| s.rport, "rport") {
            None => Ok(None),
            Some(None) => Ok(Some(None)),
            Some(Some(p)) => parse_u16(p)
                .map(|p| Some(Some(p)))
                .ok_or(DecodeError::bad("rport")),
        }
    }
}

/// A `name-addr` or `addr-spec` with header parameters (From, To, Contact,
/// Route; RFC 3261 §20.10, §20.20, §20.39).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameAddr<'a> {
    /// Display name without quotes, if any.
    pub display: Option<&'a str>,
    /// The URI as written (inside `<>` when bracketed).
    pub uri: &'a str,
    /// Header parameters after the URI (`tag`, `expires`, `q`, ...).
    pub params: Params<'a>,
}

impl<'a> NameAddr<'a> {
    /// Parses a name-addr (`"Name" <uri>;params`) or an addr-spec
    /// (`uri;params`, where every `;` belongs to the header).
    ///
    /// # Errors
    /// [`DecodeError::Inconsistent`] with field `name-addr`.
    pub fn parse(s: &'a str) -> Result<Self, DecodeError> {
        let bad = DecodeError::bad("name-addr");
        let s = trim(s);
        if let Some(rest) = s.strip_prefix('<') {
            // No display name: the usual From, To and Contact.
            let gt = find_byte(rest.as_bytes(), b'>').ok_or(bad)?;
            let (uri, params) = rest.split_at_checked(gt).ok_or(bad)?;
            let params = trim(params.get(1..).ok_or(bad)?);
            let uri = trim(uri);
            if !(params.is_empty() || params.starts_with(';')) || uri.is_empty() {
                return Err(bad);
            }
            return Ok(NameAddr {
                display: None,
                uri,
                params: Params::new(params),
            });
        }
        // Find a '<' outside quotes.
        let bytes = s.as_bytes();
        let mut quoted = false;
        let mut lt = None;
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\\' if quoted => i += 1,
                b'"' => quoted = !quoted,
                b'<' if !quoted => {
                    lt = Some(i);
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        if let Some(lt) = lt {
            let (display, rest) = s.split_at_checked(lt).ok_or(bad)?;
            let rest = rest.get(1..).ok_or(bad)?;
            let gt = find_byte(rest.as_bytes(), b'>').ok_or(bad)?;
            let (uri, params) = rest.split_at_checked(gt).ok_or(bad)?;
            let params = params.get(1..).ok_or(bad)?;
            let display = unquote(trim(display));
            let params = trim(params);
            if !(params.is_empty() || params.starts_with(';')) || trim(uri).is_empty() {
                return Err(bad);
            }
            Ok(NameAddr {
                display: (!display.is_empty()).then_some(display),
                uri: trim(uri),
                params: Params::new(params),
            })
        } else {
            if quoted {
                return Err(bad);
            }
            let (uri, params) = match s.split_byte(b';') {
                Some((u, p)) => (trim(u), p),
                None => (s, ""),
            };
            if uri.is_empty() || uri.bytes().any(|b| matches!(b, b' ' | b'\t' | b'"')) {
                return Err(bad);
            }
            Ok(NameAddr {
                display: None,
                uri,
                params: Params::new(params),
            })
        }
    }

    /// The URI, parsed.
    ///
    /// # Errors
    /// See [`Uri::parse`].
    pub fn parsed_uri(&self) -> Result<Uri<'a>, DecodeError> {
        Uri::parse(self.uri)
    }

    /// The `tag` parameter.
    #[must_use]
    pub fn tag(&self) -> Option<&'a str> {
        // The usual spelling, `;tag=value` first, without the general scan.
        let raw = self.params.as_str();
        if let [b';', t, a, g, b'=', value @ ..] = raw.as_bytes() {
            if [t | 0x20, a | 0x20, g | 0x20] == *b"tag" {
                let end = find_value_end(value, b';');
                if matches!(value.get(end), None | Some(b';')) {
                    return raw.get(5..5 + end);
                }
            }
        }
        self.params.get_token("tag").flatten()
    }
}

/// One Contact value (RFC 3261 §20.10; RFC 5626 `+sip.instance`, `reg-id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact<'a> {
    /// `Contact: *` (remove every binding; only with `Expires: 0`).
    Star,
    /// A binding.
    Addr(NameAddr<'a>),
}

impl<'a> Contact<'a> {
    /// Parses one Contact list element.
    ///
    /// # Errors
    /// See [`NameAddr::parse`].
    pub fn parse(s: &'a str) -> Result<Self, DecodeError> {
        if trim(s) == "*" {
            Ok(Contact::Star)
        } else {
            NameAddr::parse(s).map(Contact::Addr)
        }
    }

    /// The name-addr of a binding, `None` for `*`.
    #[must_use]
    pub fn addr(&self) -> Option<&NameAddr<'a>> {
        match self {
            Contact::Star => None,
            Contact::Addr(a) => Some(a),
        }
    }

    fn param(&self, name: &str) -> Option<&'a str> {
        self.addr().and_then(|a| a.params.get_token(name).flatten())
    }

    /// The `expires` parameter in seconds.
    #[must_use]
    pub fn expires(&self) -> Option<Result<u32, DecodeError>> {
        self.param("expires").map(|v| parse_u32(v, "expires"))
    }

    /// The `q` parameter in thousandths (0–1000; RFC 3261 §20.10 `qvalue`).
    #[must_use]
    pub fn q(&self) -> Option<Result<u16, DecodeError>> {
        self.param("q").map(parse_q)
    }

    /// The `+sip.instance` value without its quotes, e.g.
    /// `<urn:uuid:00000000-0000-0000-0000-001e7ac4d231>`.
    #[must_use]
    pub fn instance(&self) -> Option<&'a str> {
        self.param("+sip.instance")
    }

    /// The `reg-id` parameter.
    #[must_use]
    pub fn reg_id(&self) -> Option<Result<u32, DecodeError>> {
        self.param("reg-id").map(|v| parse_u32(v, "reg-id"))
    }
}

/// Reads a qvalue (`0`, `0.5`, `1.000`) as thousandths.
pub(crate) fn parse_q(v: &str) -> Result<u16, DecodeError> {
    let bad = DecodeError::bad("q");
    let v = trim(v);
    let (int, frac) = v.split_byte(b'.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    let mut thousandths: u16 = 0;
    for (i, b) in frac.bytes().enumerate() {
        let scale = [100u16, 10, 1].get(i).copied().unwrap_or(0);
        thousandths += u16::from(b - b'0') * scale;
    }
    match int {
        "0" => Ok(thousandths),
        "1" if thousandths == 0 => Ok(1000),
        _ => Err(bad),
    }
}

/// The CSeq header (RFC 3261 §20.16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CSeq<'a> {
    /// Sequence number (< 2³¹).
    pub seq: u32,
    /// Method.
    pub method: Method<'a>,
}

impl<'a> CSeq<'a> {
    /// Parses `number METHOD`.
    ///
    /// # Errors
    /// [`DecodeError::Inconsistent`] with field `CSeq`.
    pub fn parse(s: &'a str) -> Result<Self, DecodeError> {
        if let Some(usual) = Self::parse_usual(s) {
            return Ok(usual);
        }
        let bad = DecodeError::bad("CSeq");
        let s = trim(s);
        let split = find_ws(s).ok_or(bad)?;
        let (num, method) = s.split_at_checked(split).ok_or(bad)?;
        // `num` has no blanks at either end: `s` is trimmed and `num` ends
        // at its first blank.
        let seq = super::parse_digits(num.as_bytes()).ok_or(bad)?;
        if seq >= 1 << 31 {
            return Err(bad);
        }
        let method = trim(method);
        if method.is_empty() || method.bytes().any(|b| b == b' ' || b == b'\t') {
            return Err(bad);
        }
        Ok(CSeq {
            seq,
            method: Method::from_token(method),
        })
    }
}

impl<'a> CSeq<'a> {
    /// [`CSeq::parse`] of the usual spelling, digits, one SP and a method
    /// with no byte below `!` (so nothing to trim); `None` for anything else.
    #[inline]
    fn parse_usual(s: &'a str) -> Option<Self> {
        let b = s.as_bytes();
        // Digits up to the SP, at most 10 of them (as `parse_digits`).
        let mut seq: u64 = 0;
        let mut digits = 0;
        loop {
            let d = b.get(digits)?.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            seq = seq * 10 + u64::from(d);
            digits += 1;
            if digits > 10 {
                return None;
            }
        }
        if digits == 0 || b.get(digits) != Some(&b' ') || seq >= 1 << 31 {
            return None;
        }
        let seq = seq as u32;
        let method = s.get(digits + 1..)?;
        if method.is_empty() || method.bytes().any(|c| c <= b' ') {
            return None;
        }
        Some(CSeq {
            seq,
            method: Method::from_token(method),
        })
    }
}

/// Quality of protection (RFC 7616 §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qop {
    /// `auth`.
    Auth,
    /// `auth-int`.
    AuthInt,
}

impl Qop {
    /// The token.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
        }
    }
}

/// A name of at most 8 letters, lowercase, as a little-endian word (unused
/// bytes zero), to compare with [`name_key`].
const fn key(name: &[u8]) -> u64 {
    let mut w = 0u64;
    let mut i = 0;
    while i < name.len() {
        w |= (name[i] as u64) << (8 * i);
        i += 1;
    }
    w
}

/// What [`name_key`] returns for `algorithm` (9 bytes), which no name of at
/// most 8 bytes maps to (their low byte is 0 or at least 0x20).
const ALGORITHM: u64 = 1;

/// A parameter name as a word that equals [`key`] of an all-letter
/// lowercase name exactly when the two are equal ignoring ASCII case: each
/// byte OR 0x20 (which maps only that letter's two cases onto a lowercase
/// letter, and no byte onto 0), or [`ALGORITHM`]; 0 for other longer names.
#[inline(always)]
fn name_key(n: &str) -> u64 {
    let b = n.as_bytes();
    let head = match b {
        [head @ .., m] if b.len() == 9 && m | 0x20 == b'm' => head,
        _ if b.len() <= 8 => b,
        _ => return 0,
    };
    let n = head.len();
    let w = if n >= 4 {
        // Two overlapping 4-byte loads; the shared bytes are the same.
        let lo = head
            .first_chunk::<4>()
            .map_or(0, |c| u32::from_le_bytes(*c));
        let hi = head.last_chunk::<4>().map_or(0, |c| u32::from_le_bytes(*c));
        u64::from(lo) | u64::from(hi) << (8 * (n - 4))
    } else {
        head.iter().rev().fold(0u64, |w, &c| w << 8 | u64::from(c))
    };
    let fold = 0x2020_2020_2020_2020u64
        .checked_shr(8 * (8 - n) as u32)
        .unwrap_or(0);
    let w = w | fold;
    if b.len() == 9 {
        return if w == key(b"algorith") { ALGORITHM } else { 0 };
    }
    w
}

/// Whitespace [`trim`] removes.
fn is_ws_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn scheme_and_params(s: &str) -> Result<(&str, &str), DecodeError> {
    let s = trim(s);
    // The scheme ends at the first blank; `=` or `,` before it is an error.
    let split = s
        .bytes()
        .position(|b| is_ws_byte(b) || b == b'=' || b == b',')
        .unwrap_or(s.len());
    let (scheme, rest) = s
        .split_at_checked(split)
        .ok_or(DecodeError::bad("auth-scheme"))?;
    if scheme.is_empty() || matches!(rest.as_bytes().first(), Some(b'=' | b',')) {
        return Err(DecodeError::bad("auth-scheme"));
    }
    Ok((scheme, rest))
}

/// The scheme of the usual spelling, `Digest` then one SP, with nothing to
/// trim at the end, and where its parameters start: what
/// [`scheme_and_params`] returns then (its parameters are the SP and the
/// rest); `None` for anything else.
#[inline(always)]
fn usual_scheme(s: &str) -> Option<(&str, usize)> {
    const DIGEST: u64 = u64::from_le_bytes(*b"Digest \0");
    let b = s.as_bytes();
    let head = u64::from_le_bytes(*b.first_chunk::<8>()?);
    if head & 0x00ff_ffff_ffff_ffff != DIGEST || b.last().is_some_and(|&c| is_ws_byte(c)) {
        return None;
    }
    Some((s.get(..6)?, 7))
}

/// The name of the auth-param starting at `i`, when it may run up to an
/// `=` right after it: a word that is its [`name_key`] when the name is one
/// of the keys [`Credentials`] and [`Challenge`] keep (all letters, so it
/// does run up to the `=`), the index of the `=`, and whether the name was
/// checked to run up to it whatever the word. Names of at most 8 bytes and
/// `algorithm` are read from one word; others as [`scan_usual`] reads a
/// name.
#[inline(always)]
fn digest_name(s: &str, i: usize) -> Option<(u64, usize, bool)> {
    const FOLD: u64 = 0x2020_2020_2020_2020;
    let b = s.as_bytes();
    if let Some(w) = b.get(i..).and_then(|r| r.first_chunk::<8>()) {
        let w = u64::from_le_bytes(*w);
        let eq = eq_bytes(w, b'=');
        if eq != 0 {
            // The lowest `=` is exact.
            let n = eq.trailing_zeros() / 8;
            let below = (1u64 << (8 * n)) - 1;
            return Some(((w | FOLD) & below, i + n as usize, false));
        }
        match b.get(i + 8) {
            Some(b'=') => return Some((w | FOLD, i + 8, false)),
            Some(&m)
                if m | 0x20 == b'm'
                    && w | FOLD == key(b"algorith")
                    && b.get(i + 9) == Some(&b'=') =>
            {
                return Some((ALGORITHM, i + 9, true));
            }
            _ => {}
        }
    }
    let e = i + find_name_end(b.get(i..)?, b',');
    if e == i || b.get(e) != Some(&b'=') {
        return None;
    }
    Some((name_key(s.get(i..e)?), e, true))
}

/// [`closing_quote`] with its first words searched here: the index of the
/// `"` that closes a quoted string whose content starts at `q`.
#[inline(always)]
fn quote_end(b: &[u8], mut q: usize) -> Option<usize> {
    while let Some(w) = b.get(q..).and_then(|r| r.first_chunk::<8>()) {
        let w = u64::from_le_bytes(*w);
        let hits = eq_bytes(w, b'"') | eq_bytes(w, b'\\');
        if hits != 0 {
            let at = q + (hits.trailing_zeros() / 8) as usize;
            if b.get(at) == Some(&b'"') {
                return Some(at);
            }
            // An escape: the rest as `closing_quote` reads it.
            return closing_quote(b, at);
        }
        q += 8;
    }
    closing_quote(b, q)
}

/// `k` plus [`find_value_end`] of `b` from `k` (with `,`), its first word
/// searched here.
#[inline(always)]
fn token_end(b: &[u8], k: usize) -> usize {
    if let Some(w) = b.get(k..).and_then(|r| r.first_chunk::<8>()) {
        let hits = value_end_bytes(u64::from_le_bytes(*w), b',');
        if hits != 0 {
            return k + (hits.trailing_zeros() / 8) as usize;
        }
        if b.len() == k + 8 {
            return b.len();
        }
    }
    k + find_value_end(b.get(k..).unwrap_or_default(), b',')
}

/// Reads the auth-params of `s` from `i` on when each is `name=value` of the
/// usual spelling (no blank around the `=`; the value a quoted string or a
/// run without blanks, quotes, `<` or `,`; then the end or `,` and at most
/// one SP), calling `take` with each name's [`name_key`] (or, for a name
/// `take` does not keep, another word) and value in order, as
/// [`scan_usual`] visits them; stops at the first error `take` returns.
///
/// # Errors
/// [`Unusual`] at a piece of another spelling (the ones before it were
/// taken): then read the whole list again in the general way.
#[inline(always)]
fn scan_digest<'a>(
    s: &'a str,
    mut i: usize,
    mut take: impl FnMut(u64, &'a str) -> Result<bool, DecodeError>,
) -> Result<Result<(), DecodeError>, Unusual> {
    let b = s.as_bytes();
    while i < b.len() {
        let (key, eq, checked) = digest_name(s, i).ok_or(Unusual)?;
        let k = eq + 1;
        let (value, after) = if b.get(k) == Some(&b'"') {
            let q = quote_end(b, k + 1).ok_or(Unusual)?;
            (s.get(k + 1..q).ok_or(Unusual)?, q + 1)
        } else {
            let e = token_end(b, k);
            (s.get(k..e).ok_or(Unusual)?, e)
        };
        let start = i;
        match b.get(after) {
            None => i = after,
            Some(b',') => {
                i = after + 1;
                if b.get(i) == Some(&b' ') {
                    i += 1;
                }
            }
            Some(_) => return Err(Unusual),
        }
        match take(key, value) {
            Err(e) => return Ok(Err(e)),
            // Another name: it must run up to the `=` as well.
            Ok(false) if !checked => {
                let rest = b.get(start..).ok_or(Unusual)?;
                if eq == start || start + find_name_end(rest, b',') != eq {
                    return Err(Unusual);
                }
            }
            Ok(_) => {}
        }
    }
    Ok(Ok(()))
}

fn auth_params(rest: &str) -> impl Iterator<Item = (&str, &str)> {
    params(rest, b',').filter_map(|(n, v)| Some((n, v?)))
}

/// A `WWW-Authenticate` / `Proxy-Authenticate` challenge (RFC 7616 §3.3,
/// RFC 3261 §22.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Challenge<'a> {
    /// Scheme, `Digest` for digest.
    pub scheme: &'a str,
    /// `realm`.
    pub realm: Option<&'a str>,
    /// `nonce`.
    pub nonce: Option<&'a str>,
    /// `opaque`, echoed unchanged.
    pub opaque: Option<&'a str>,
    /// `algorithm` as written (`MD5` when absent).
    pub algorithm: Option<&'a str>,
    /// `qop` options as written (e.g. `auth,auth-int`).
    pub qop: Option<&'a str>,
    /// `stale=true`.
    pub stale: bool,
    /// `domain`.
    pub domain: Option<&'a str>,
}

impl<'a> Challenge<'a> {
    /// Parses a challenge.
    ///
    /// # Errors
    /// [`DecodeError::Inconsistent`] when there is no scheme.
    pub fn parse(s: &'a str) -> Result<Self, DecodeError> {
        if let Some((scheme, start)) = usual_scheme(s) {
            let mut c = Challenge {
                scheme,
                ..Challenge::default()
            };
            let read = scan_digest(s, start, |k, v| Ok(c.set_key(k, v)));
            if read.is_ok() {
                return Ok(c);
            }
        }
        Self::parse_general(s)
    }

    /// [`Challenge::parse`] of any spelling.
    fn parse_general(s: &'a str) -> Result<Self, DecodeError> {
        let (scheme, rest) = scheme_and_params(s)?;
        let mut c = Challenge {
            scheme,
            ..Challenge::default()
        };
        let fast = scan_usual(rest, b',', |n, v| {
            if let Some(v) = v {
                c.set(n, v);
            }
        });
        if fast.is_err() {
            c = Challenge {
                scheme,
                ..Challenge::default()
            };
            for (n, v) in auth_params(rest) {
                c.set(n, v);
            }
        }
        Ok(c)
    }

    /// Takes one auth-param (the last of a name wins).
    #[inline]
    fn set(&mut self, n: &str, v: &'a str) {
        self.set_key(name_key(n), v);
    }

    /// [`Challenge::set`] of a name read as [`name_key`]; whether it is one
    /// of the names kept.
    #[inline(always)]
    fn set_key(&mut self, name: u64, v: &'a str) -> bool {
        const REALM: u64 = key(b"realm");
        const NONCE: u64 = key(b"nonce");
        const STALE: u64 = key(b"stale");
        const OPAQUE: u64 = key(b"opaque");
        const DOMAIN: u64 = key(b"domain");
        const QOP: u64 = key(b"qop");
        match name {
            REALM => self.realm = Some(v),
            NONCE => self.nonce = Some(v),
            STALE => self.stale = v.eq_ignore_ascii_case("true"),
            OPAQUE => self.opaque = Some(v),
            DOMAIN => self.domain = Some(v),
            ALGORITHM => self.algorithm = Some(v),
            QOP => self.qop = Some(v),
            _ => return false,
        }
        true
    }

    /// Whether the scheme is `Digest`.
    #[must_use]
    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("Digest")
    }

    /// Whether `qop` offers `auth`.
    #[must_use]
    pub fn offers_auth(&self) -> bool {
        self.qop
            .is_some_and(|q| q.split(',').any(|t| trim(t).eq_ignore_ascii_case("auth")))
    }
}

/// `Authorization` / `Proxy-Authorization` credentials (RFC 7616 §3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Credentials<'a> {
    /// Scheme, `Digest` for digest.
    pub scheme: &'a str,
    /// `username`.
    pub username: Option<&'a str>,
    /// `realm`.
    pub realm: Option<&'a str>,
    /// `nonce`.
    pub nonce: Option<&'a str>,
    /// `uri` (digest-uri).
    pub uri: Option<&'a str>,
    /// `response` (hex).
    pub response: Option<&'a str>,
    /// `algorithm` as written.
    pub algorithm: Option<&'a str>,
    /// `cnonce`.
    pub cnonce: Option<&'a str>,
    /// `opaque`.
    pub opaque: Option<&'a str>,
    /// `qop` chosen.
    pub qop: Option<&'a str>,
    /// `nc`: nonce count, exactly 8 hex digits on the wire (RFC 7616 §3.4),
    /// read as hexadecimal.
    pub nc: Option<u32>,
}

impl<'a> Credentials<'a> {
    /// Parses credentials.
    ///
    /// # Errors
    /// [`DecodeError::Inconsistent`] for a missing scheme or an `nc` that is
    /// not 8 hex digits.
    pub fn parse(s: &'a str) -> Result<Self, DecodeError> {
        if let Some((scheme, start)) = usual_scheme(s) {
            let mut c = Credentials {
                scheme,
                ..Credentials::default()
            };
            if let Ok(read) = scan_digest(s, start, |k, v| c.set_key(k, v)) {
                return read.map(|()| c);
            }
        }
        Self::parse_general(s)
    }

    /// [`Credentials::parse`] of any spelling.
    fn parse_general(s: &'a str) -> Result<Self, DecodeError> {
        let (scheme, rest) = scheme_and_params(s)?;
        let mut c = Credentials {
            scheme,
            ..Credentials::default()
        };
        let mut error = None;
        let fast = scan_usual(rest, b',', |n, v| {
            if let (Some(v), None) = (v, error) {
                error = c.set(n, v).err();
            }
        });
        if let Some(e) = error {
            // Every piece before it was of the usual shape: the reading
            // below stops at the same one.
            return Err(e);
        }
        if fast.is_err() {
            c = Credentials {
                scheme,
                ..Credentials::default()
            };
            for (n, v) in auth_params(rest) {
                c.set(n, v)?;
            }
        }
        Ok(c)
    }

    /// Takes one auth-param (the last of a name wins).
    #[inline(always)]
    fn set(&mut self, n: &str, v: &'a str) -> Result<(), DecodeError> {
        self.set_key(name_key(n), v).map(|_| ())
    }

    /// [`Credentials::set`] of a name read as [`name_key`]; whether it is
    /// one of the names kept.
    #[inline(always)]
    fn set_key(&mut self, name: u64, v: &'a str) -> Result<bool, DecodeError> {
        const USERNAME: u64 = key(b"username");
        const RESPONSE: u64 = key(b"response");
        const REALM: u64 = key(b"realm");
        const NONCE: u64 = key(b"nonce");
        const URI: u64 = key(b"uri");
        const CNONCE: u64 = key(b"cnonce");
        const OPAQUE: u64 = key(b"opaque");
        const QOP: u64 = key(b"qop");
        const NC: u64 = key(b"nc");
        match name {
            USERNAME => self.username = Some(v),
            RESPONSE => self.response = Some(v),
            REALM => self.realm = Some(v),
            NONCE => self.nonce = Some(v),
            URI => self.uri = Some(v),
            ALGORITHM => self.algorithm = Some(v),
            CNONCE => self.cnonce = Some(v),
            OPAQUE => self.opaque = Some(v),
            QOP => self.qop = Some(v),
            NC => self.nc = Some(parse_nc(v).ok_or(DecodeError::bad("nc"))?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Exactly 8 hex digits, read as hexadecimal, in one pass.
#[inline]
fn parse_nc(v: &str) -> Option<u32> {
    let b: &[u8; 8] = v.as_bytes().try_into().ok()?;
    b.iter().try_fold(0u32, |n, &c| {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        Some(n << 4 | u32::from(d))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn via_parameters_follow_a_replaced_list() {
        let mut v =
            super::Via::parse("SIP/2.0/UDP h;rport=5;BRANCH=a;branch=b;received=1.2.3.4").unwrap();
        assert_eq!(v.branch(), Some("a"));
        assert_eq!(v.rport(), Ok(Some(Some(5))));
        assert_eq!(v.received(), Some("1.2.3.4"));
        v.params = super::Params::new("branch=z;rport");
        assert_eq!(v.branch(), Some("z"));
        assert_eq!(v.rport(), Ok(Some(None)));
        assert_eq!(v.received(), None);
        let w = super::Via::parse("SIP/2.0/UDP h;branch=z;rport").unwrap();
        assert_eq!(w, v);
        assert!(!std::format!("{w:?}").contains("seen"));
    }

    #[test]
    fn via_usual_split_is_the_general_split() {
        let mut hits = 0;
        for s in [
            "SIP/2.0/UDP h",
            "sip/2.0/tcp 10.0.0.1:5060;branch=z;rport",
            "SIP/2.0/TLS host.example:0;received=1.2.3.4",
            "SIP/2.0/UDP h:65535",
            "SIP/2.0/UDP h:65536",
            "SIP/2.0/UDP h:+5",
            "SIP/2.0/UDP h:",
            "SIP/2.0/UDP h:5:6",
            "SIP/2.0/UDP h;",
            "SIP/2.0/UDP h;branch=x ",
            "SIP/2.0/UDP h ;branch=x",
            "SIP/2.0/UDP  h",
            "SIP/2.0/UDP\th",
            "SIP/2.0/UDP [::1]:5060;branch=x",
            "SIP/2.0/UDP a[b;c",
            "SIP/2.0/ h",
            "SIP/2.0/UDP",
            "SIP/2.0/UDP ",
            " SIP/2.0/UDP h",
            "SIP/2.0/UDP h:5060 ;x",
            "SIP / 2.0 / UDP h",
        ] {
            if let Some(usual) = super::Via::split_usual(s) {
                assert_eq!(Ok(usual), super::Via::split_general(s), "{s:?}");
                hits += 1;
            }
        }
        assert_eq!(hits, 5);
        let mut rng = dialtone_core::Rng::new(21);
        let alphabet = b"SIP/2.0/UDPh:;1 9[]\t\r\n+=ab";
        for _ in 0..50_000 {
            let len = rng.range_u64(0, 12) as usize;
            let mut b = b"SIP/2.0/UDP h".to_vec();
            b.truncate(rng.range_u64(8, 14) as usize);
            b.extend((0..len).map(|_| alphabet[rng.range_u64(0, alphabet.len() as u64) as usize]));
            let s = core::str::from_utf8(&b).unwrap();
            if let Some(usual) = super::Via::split_usual(s) {
                assert_eq!(Ok(usual), super::Via::split_general(s), "{s:?}");
                hits += 1;
            }
        }
        assert!(hits > 5_000, "{hits}");
    }

    /// A random auth header: mostly the usual spelling, with odd names,
    /// blanks, quotes, escapes, separators and bytes mixed in.
    fn random_auth(rng: &mut dialtone_core::Rng) -> std::string::String {
        // Half of the headers draw only from the first, usual entries.
        let clean = rng.range_u64(0, 2) == 0;
        let mut pick = |from: &[&'static str], usual: usize| {
            let n = if clean { usual } else { from.len() };
            from[rng.range_u64(0, n as u64) as usize]
        };
        let mut s = std::string::String::from(pick(
            &[
                "Digest ", "digest ", "Digest", "Digest  ", " Digest ", "Basic ",
            ],
            1,
        ));
        let mut parts = std::vec::Vec::new();
        for _ in 0..8 {
            let name = pick(
                &[
                    "username",
                    "realm",
                    "nonce",
                    "uri",
                    "response",
                    "algorithm",
                    "cnonce",
                    "qop",
                    "nc",
                    "opaque",
                    "stale",
                    "domain",
                    "ALGORITHM",
                    "Realm",
                    "NC",
                    "algorithmx",
                    "algorithn",
                    "usernames",
                    "x",
                    "",
                    "a b",
                    "r\u{e9}alm",
                    "q<p",
                    "\"n\"",
                    "nc\t",
                    "realm,",
                ],
                19,
            );
            let eq = pick(&["=", " =", "= ", ""], 1);
            let kind = pick(&["q", "t", "n", "r"], 3);
            let close = pick(&["\"", ""], 1);
            let sep = pick(&[", ", ",", ",  ", " ,", ";", "", ",\t", ", ,"], 2);
            parts.push((name, eq, kind, close, sep));
        }
        let count = rng.range_u64(0, 9) as usize;
        for &(name, eq, kind, close, sep) in &parts[..count] {
            s += name;
            s += eq;
            match kind {
                "q" => {
                    s.push('"');
                    let alphabet: &[u8] = if clean { b"ab,= " } else { b"ab,= \\\"<" };
                    let body = super::super::text::tests::random_bytes(rng, alphabet, 8);
                    s += &std::string::String::from_utf8_lossy(&body);
                    s += close;
                }
                "t" => {
                    let i = rng.range_u64(0, if clean { 6 } else { 7 }) as usize;
                    s += ["MD5", "auth", "auth-int", "true", "FALSE", "", "<a>"][i];
                }
                "n" => {
                    let i = rng.range_u64(0, 5) as usize;
                    s += ["00000001", "0000000a", "0000000G", "1", "000000001"][i];
                }
                _ => {
                    let body = super::super::text::tests::random_bytes(rng, b"ab,= \t\"<;", 6);
                    s += &std::string::String::from_utf8_lossy(&body);
                }
            }
            s += sep;
        }
        if rng.range_u64(0, 8) == 0 {
            let i = rng.range_u64(0, 3) as usize;
            s += [" ", "\r\n", ","][i];
        }
        s
    }

    #[test]
    fn digest_reading_matches_the_general_reading() {
        use super::{scan_digest, usual_scheme, Challenge, Credentials};
        let mut rng = dialtone_core::Rng::new(23);
        let mut usual = 0;
        let mut errors = 0;
        for _ in 0..100_000 {
            let s = random_auth(&mut rng);
            let got = Credentials::parse(&s);
            assert_eq!(got, Credentials::parse_general(&s), "{s:?}");
            assert_eq!(Challenge::parse(&s), Challenge::parse_general(&s), "{s:?}");
            errors += usize::from(got.is_err());
            if let Some((_, start)) = usual_scheme(&s) {
                usual += usize::from(scan_digest(&s, start, |_, _| Ok(false)).is_ok());
            }
        }
        assert!(usual > 10_000, "{usual}");
        assert!(errors > 1_000, "{errors}");
        let sample = r#"Digest username="1001", realm="ccmsipline", nonce="K3OaPGE6jQBcTn4pLy7RfN2vU8wAhXsd", uri="sip:10.10.10.11", response="5f1e0c0e3b6c0b9f2fdc4f3f1a8d2e77", algorithm=MD5, cnonce="4e7f1b2c", qop=auth, nc=00000001"#;
        assert!(scan_digest(sample, 7, |_, _| Ok(false)).is_ok());
        let c = Credentials::parse(sample).unwrap();
        assert_eq!(c, Credentials::parse_general(sample).unwrap());
        assert_eq!(
            (c.algorithm, c.nc, c.qop),
            (Some("MD5"), Some(1), Some("auth"))
        );
    }

    #[test]
    fn parse_nc_is_eight_hex_digits_from_str_radix() {
        let old = |v: &str| {
            (v.len() == 8 && v.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| u32::from_str_radix(v, 16).ok())
                .flatten()
        };
        let mut rng = dialtone_core::Rng::new(8);
        let alphabet = b"0123456789abcdefABCDEFgG+- \x00\xff";
        for _ in 0..50_000 {
            let len = rng.range_u64(0, 11) as usize;
            let b: std::vec::Vec<u8> = (0..len)
                .map(|_| alphabet[rng.range_u64(0, alphabet.len() as u64) as usize])
                .collect();
            let v = std::string::String::from_utf8_lossy(&b);
            assert_eq!(super::parse_nc(&v), old(&v), "{v:?}");
        }
        assert_eq!(super::parse_nc("FFFFFFFF"), Some(u32::MAX));
    }

    #[test]
    fn parse_u16_is_str_parse() {
        for s in [
            "",
            "+",
            "0",
            "+0",
            "5060",
            "+5060",
            "65535",
            "65536",
            "99999999999",
            "-1",
            "1a",
            " 1",
            "00080",
            "++1",
        ] {
            assert_eq!(super::parse_u16(s), s.parse::<u16>().ok(), "{s:?}");
        }
    }
}
