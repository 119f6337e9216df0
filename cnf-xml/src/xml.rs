//! A purpose-built, borrowing XML tokenizer for provisioning files.
//!
//! [`Reader`] walks a `&str` with `memchr`, hands out events that borrow the input, and never
//! allocates. It implements the XML 1.0 subset that configuration files use: elements,
//! attributes, character data with the five predefined entities and numeric character
//! references, CDATA, comments, processing instructions and the XML declaration. It never
//! expands any other entity, never reads a DTD (a `<!DOCTYPE` is an error in strict mode and is
//! skipped unread in lenient mode) and never resolves anything external, so billion-laughs and
//! XXE documents are inert. Input size and nesting depth are limited by [`Limits`].
//!
//! Two modes ([`Mode`]):
//! * **strict**: the first well-formedness or namespace-prefix violation is an [`XmlError`]
//!   with line, column and element path;
//! * **lenient**: reads what a phone reads and reports every repair as an [`Event::Repair`]
//!   ([`Repair`]): mismatched and stray end tags, undeclared prefixes, a missing quote, an
//!   unquoted attribute value, unknown entities, a UTF-8 byte-order mark, unclosed elements at
//!   the end of input.
//!
//! Not checked (in either mode): the `Char` production (control characters pass through) and
//! the full Unicode name classes (non-ASCII name characters are accepted). `quick-xml` is the
//! reference: on well-formed input both produce the same event sequence (tested
//! differentially, also by the `cnf_xml` fuzz target).

use core::fmt;

/// Hard cap on nesting depth (the stack lives inline in the reader).
pub const MAX_DEPTH_CAP: usize = 64;
const MAX_NS: usize = 16;
const MAX_REPAIRS: usize = 4;
const PATH_KEEP: usize = 4;

/// Strict or lenient reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Well-formed and namespace-well-formed XML only.
    Strict,
    /// Recover like a phone and report each repair.
    #[default]
    Lenient,
}

/// Resource limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest accepted input in bytes (default 1 MiB; the largest real config is 23 KB).
    pub max_input: usize,
    /// Deepest element nesting (default 32, at most [`MAX_DEPTH_CAP`]).
    pub max_depth: usize,
    /// Most attributes on one element (default 64).
    pub max_attributes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input: 1 << 20,
            max_depth: 32,
            max_attributes: 64,
        }
    }
}

/// Reader configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Config {
    /// Strict or lenient.
    pub mode: Mode,
    /// Resource limits.
    pub limits: Limits,
}

impl Config {
    /// Strict mode, default limits.
    #[must_use]
    pub fn strict() -> Self {
        Config {
            mode: Mode::Strict,
            limits: Limits::default(),
        }
    }
    /// Lenient mode, default limits.
    #[must_use]
    pub fn lenient() -> Self {
        Config {
            mode: Mode::Lenient,
            limits: Limits::default(),
        }
    }
    /// Same configuration with other limits.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Input larger than [`Limits::max_input`].
    #[error("input larger than the limit")]
    TooLarge,
    /// Nesting deeper than [`Limits::max_depth`].
    #[error("elements nested deeper than the limit")]
    TooDeep,
    /// More attributes than [`Limits::max_attributes`].
    #[error("too many attributes")]
    TooManyAttributes,
    /// Input is not UTF-8.
    #[error("input is not UTF-8")]
    NotUtf8,
    /// Input ended inside a construct or with open elements.
    #[error("unexpected end of input")]
    UnexpectedEof,
    /// A name is missing or has a forbidden character.
    #[error("invalid name")]
    InvalidName,
    /// Malformed tag syntax.
    #[error("malformed tag")]
    MalformedTag,
    /// An attribute value without quotes, or a quote that is not closed.
    #[error("attribute value not quoted properly")]
    BadAttributeValue,
    /// The same attribute twice on one element.
    #[error("duplicate attribute")]
    DuplicateAttribute,
    /// An end tag that does not match the open element.
    #[error("end tag does not match the open element")]
    MismatchedEndTag,
    /// An end tag with no open element.
    #[error("end tag without an open element")]
    StrayEndTag,
    /// `&` that does not start a reference, or an unterminated reference.
    #[error("bare '&' or unterminated reference")]
    BareAmpersand,
    /// A named entity other than the five predefined ones (never expanded).
    #[error("unknown entity (only amp, lt, gt, apos, quot are defined)")]
    UnknownEntity,
    /// A numeric character reference to an invalid code point.
    #[error("invalid character reference")]
    InvalidCharRef,
    /// `<` inside character data or an attribute value.
    #[error("'<' not allowed here")]
    BareLessThan,
    /// `]]>` in character data.
    #[error("']]>' in character data")]
    CdataEndInText,
    /// `--` inside a comment.
    #[error("'--' inside a comment")]
    DoubleHyphenInComment,
    /// A DOCTYPE (DTDs are never processed).
    #[error("DOCTYPE not allowed: DTDs and entity declarations are never processed")]
    Doctype,
    /// An XML declaration not at the very start, or a PI named `xml`.
    #[error("misplaced XML declaration")]
    MisplacedDeclaration,
    /// Character data or CDATA outside the root element.
    #[error("content outside the root element")]
    ContentOutsideRoot,
    /// A second root element.
    #[error("more than one root element")]
    MultipleRoots,
    /// No root element at all.
    #[error("no root element")]
    NoRoot,
    /// A namespace prefix that no `xmlns:` attribute declares.
    #[error("undeclared namespace prefix")]
    UndeclaredPrefix,
}

/// The innermost elements open at an error (up to four names, innermost last) and the depth.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct ElementPath<'a> {
    names: [&'a str; PATH_KEEP],
    kept: u8,
    depth: u16,
}

impl<'a> ElementPath<'a> {
    /// Depth of the open element stack.
    #[must_use]
    pub fn depth(&self) -> usize {
        usize::from(self.depth)
    }
    /// The kept names, outermost first.
    pub fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.names.iter().take(usize::from(self.kept)).copied()
    }
}

impl fmt::Display for ElementPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if usize::from(self.depth) > usize::from(self.kept) {
            f.write_str("/…")?;
        }
        for n in self.names() {
            write!(f, "/{n}")?;
        }
        if self.depth == 0 {
            f.write_str("/")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ElementPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// A 1-based line and column (in characters) plus the byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Position {
    /// Byte offset.
    pub offset: usize,
    /// Line, 1-based.
    pub line: u32,
    /// Column in characters, 1-based.
    pub column: u32,
}

impl Position {
    /// Computes line and column of `offset` in `src` (cold path: errors and findings only).
    #[must_use]
    pub fn locate(src: &str, offset: usize) -> Self {
        let offset = offset.min(src.len());
        let head = src.as_bytes().get(..offset).unwrap_or(&[]);
        let line = memchr::memchr_iter(b'\n', head).count() + 1;
        let line_start = memchr::memrchr(b'\n', head).map_or(0, |p| p + 1);
        let col = head
            .get(line_start..)
            .unwrap_or(&[])
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count()
            + 1;
        Position {
            offset,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(col).unwrap_or(u32::MAX),
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A tokenizer error: what, where, and inside which elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at line {}, column {} (in {path})", pos.line, pos.column)]
pub struct XmlError<'a> {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Where.
    pub pos: Position,
    /// The open elements.
    pub path: ElementPath<'a>,
}

/// A repair made in lenient mode; each one is also a finding of the document parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RepairKind<'a> {
    /// A UTF-8 byte-order mark was skipped.
    ByteOrderMark,
    /// An end tag named `found` closed the open element `expected`.
    MismatchedEndTag {
        /// The open element.
        expected: &'a str,
        /// The name in the end tag.
        found: &'a str,
    },
    /// An end tag matching no open element was dropped (e.g. a second `</line>`).
    StrayEndTag {
        /// The name in the end tag.
        name: &'a str,
    },
    /// An element left open was closed (by an outer end tag or the end of input).
    UnclosedElement {
        /// The element closed.
        name: &'a str,
    },
    /// A namespace prefix used without declaration was accepted as part of the name.
    UndeclaredPrefix {
        /// The prefix.
        prefix: &'a str,
    },
    /// An attribute value whose closing quote was missing was cut at the next attribute.
    MissingQuote {
        /// The attribute.
        attribute: &'a str,
    },
    /// An attribute value written without quotes was read up to the next whitespace, `>`
    /// or `/>`.
    UnquotedValue {
        /// The attribute.
        attribute: &'a str,
    },
    /// A duplicate attribute was kept (readers use the first).
    DuplicateAttribute {
        /// The attribute.
        attribute: &'a str,
    },
    /// An unknown entity or bare `&` was kept literally.
    LiteralAmpersand,
    /// A `<` that starts no markup was read as text.
    LiteralLessThan,
    /// A DOCTYPE was skipped without being read.
    DoctypeSkipped,
    /// Text outside the root element was dropped.
    ContentOutsideRoot,
    /// A second root element was accepted.
    MultipleRoots,
    /// The input ended inside a construct; the rest was dropped.
    Truncated,
    /// A malformed construct (comment with `--`, misplaced declaration, bad character
    /// reference, bad tag syntax) was accepted as it is.
    Malformed(ErrorKind),
}

/// A repair and where it was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Repair<'a> {
    /// What was repaired.
    pub kind: RepairKind<'a>,
    /// Byte offset in the input (line/column via [`Position::locate`]).
    pub offset: usize,
}

/// A start or empty-element tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StartTag<'a> {
    name: &'a str,
    attrs: &'a str,
}

impl<'a> StartTag<'a> {
    /// The element name (qualified, as written).
    #[must_use]
    pub fn name(&self) -> &'a str {
        self.name
    }
    /// The raw attribute text.
    #[must_use]
    pub fn raw_attributes(&self) -> &'a str {
        self.attrs
    }
    /// True when the tag has at least one attribute.
    #[must_use]
    pub fn has_attributes(&self) -> bool {
        !self.attrs.trim_ascii().is_empty()
    }
    /// The attributes in document order.
    #[must_use]
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes {
            b: self.attrs.as_bytes(),
            src: self.attrs,
            pos: 0,
        }
    }
    /// The first attribute named `name`.
    #[must_use]
    pub fn attribute(&self, name: &str) -> Option<Attribute<'a>> {
        self.attributes().find(|a| a.name == name)
    }
}

/// One attribute; the value is raw (escaped) text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// Qualified name.
    pub name: &'a str,
    /// Raw value between the quotes.
    pub raw_value: &'a str,
}

impl<'a> Attribute<'a> {
    /// Value with references decoded and whitespace characters normalised to spaces (XML 1.0 §3.3.3).
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn value(&self) -> alloc::borrow::Cow<'a, str> {
        unescape_attr(self.raw_value)
    }
}

/// Iterator over the attributes of a tag.
#[derive(Clone, Debug)]
pub struct Attributes<'a> {
    b: &'a [u8],
    src: &'a str,
    pos: usize,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Attribute<'a>;
    fn next(&mut self) -> Option<Attribute<'a>> {
        // The tag was checked when it was read; a missing-quote repair is reproduced here.
        match scan_attr(self.b, self.pos, true) {
            Ok(Some(a)) => {
                self.pos = a.next;
                Some(Attribute {
                    name: sub(self.src, a.name.0, a.name.1)?,
                    raw_value: sub(self.src, a.value.0, a.value.1)?,
                })
            }
            _ => None,
        }
    }
}

/// Character data, raw (escaped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text<'a> {
    raw: &'a str,
    /// Whitespace only (computed once by the tokenizer).
    ws: bool,
    /// No `&` in `raw` (computed once by the tokenizer).
    plain: bool,
}

impl<'a> Text<'a> {
    /// The raw text.
    #[must_use]
    pub fn raw(&self) -> &'a str {
        self.raw
    }
    /// True when the text holds no reference (then [`raw`](Self::raw) is the value).
    #[must_use]
    pub fn is_plain(&self) -> bool {
        self.plain
    }
    /// True for whitespace only.
    #[must_use]
    pub fn is_whitespace(&self) -> bool {
        self.ws
    }
    /// The value with references decoded; borrowed when there is none.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn unescape(&self) -> alloc::borrow::Cow<'a, str> {
        if !self.is_plain() {
            alloc::borrow::Cow::Owned(unescape_owned(self.raw, false))
        } else {
            alloc::borrow::Cow::Borrowed(self.raw)
        }
    }
    /// Writes the decoded value to `out` without allocating.
    ///
    /// # Errors
    /// Only the writer's.
    pub fn write_unescaped<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        if self.is_plain() {
            return out.write_str(self.raw);
        }
        unescape_into(self.raw, false, out)
    }
}

/// The XML declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Declaration<'a> {
    /// The raw pseudo-attributes (`version="1.0" encoding="UTF-8"`).
    pub raw: &'a str,
}

impl<'a> Declaration<'a> {
    /// A pseudo-attribute's value.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&'a str> {
        Attributes {
            b: self.raw.as_bytes(),
            src: self.raw,
            pos: 0,
        }
        .find(|a| a.name == name)
        .map(|a| a.raw_value)
    }
}

/// One event of the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// `<?xml ...?>`.
    Declaration(Declaration<'a>),
    /// `<name ...>`.
    Start(StartTag<'a>),
    /// `<name .../>` (no matching `End` follows).
    Empty(StartTag<'a>),
    /// `</name>` (the name of the element closed, after lenient repair).
    End(&'a str),
    /// Character data.
    Text(Text<'a>),
    /// `<![CDATA[...]]>` content.
    CData(&'a str),
    /// `<!--...-->` content.
    Comment(&'a str),
    /// `<?target content?>`: target and content.
    Pi(&'a str, &'a str),
    /// A lenient-mode repair (never in strict mode).
    Repair(Repair<'a>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Prolog,
    Root,
    Epilog,
    Done,
}

/// A saved reader position (see [`Reader::checkpoint`]).
#[derive(Clone, Copy, Debug)]
pub struct Checkpoint {
    pos: usize,
    depth: usize,
    ns_len: usize,
    phase: Phase,
    last_end: Option<(usize, usize)>,
}

/// The tokenizer. Create with [`Reader::new`], pull with [`Reader::next_event`].
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    src: &'a str,
    pos: usize,
    mode: Mode,
    limits: Limits,
    /// Names of the open elements.
    stack: [&'a str; MAX_DEPTH_CAP],
    depth: usize,
    ns: [(u32, u32, u16); MAX_NS],
    ns_len: usize,
    phase: Phase,
    /// Last end tag's name span, while only whitespace/comments followed it (lenient heuristics).
    last_end: Option<(usize, usize)>,
    repairs: [Option<Repair<'a>>; MAX_REPAIRS],
    nrep: usize,
    pending: Option<Event<'a>>,
    closing_to: Option<usize>,
    error: bool,
    /// Input over the size limit (reported by the first call).
    too_large: bool,
    /// Something is queued or pending (repairs, an event, auto-closes, an error): the next
    /// call takes the careful path. Clear means the next call reads a token right away.
    slow: bool,
    /// Name and value spans of the attributes of the start tag whose attribute text starts
    /// at `attr_at` (`usize::MAX`: none kept), so that they are not scanned again.
    attr_spans: [AttrSpan; ATTR_KEEP],
    attr_n: usize,
    attr_at: usize,
}

/// How many attributes of a start tag are kept as spans (more are scanned again on demand).
const ATTR_KEEP: usize = 8;

/// An attribute's name and raw value as byte ranges of the input.
#[derive(Clone, Copy, Debug, Default)]
struct AttrSpan {
    name: (u32, u32),
    value: (u32, u32),
}

/// A compact error (kind and offset) returned by [`Reader::next_raw`]; turn it into an
/// [`XmlError`] with [`Reader::error`] before reading on (the path is the reader's stack).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fail {
    kind: ErrorKind,
    at: usize,
}

struct AttrScan {
    name: (usize, usize),
    value: (usize, usize),
    next: usize,
    repair: Option<(RepairKind<'static>, usize)>,
    /// The name holds a colon.
    colon: bool,
}

/// Byte classes of the scanners (one table lookup per byte instead of a chain of compares).
const C_NAME_END: u8 = 1;
const C_WS: u8 = 2;
/// `<`, `&`, `>`: where a run of character data needs a closer look.
const C_TEXT_STOP: u8 = 4;
const C_COLON: u8 = 8;
/// Every byte but the four whitespace characters.
const C_NOT_WS: u8 = 16;

static CLASS: [u8; 256] = {
    let mut t = [C_NOT_WS; 256];
    t[b' ' as usize] = C_WS | C_NAME_END;
    t[b'\t' as usize] = C_WS | C_NAME_END;
    t[b'\r' as usize] = C_WS | C_NAME_END;
    t[b'\n' as usize] = C_WS | C_NAME_END;
    let ends = b"/>=<\"'?!&;";
    let mut k = 0;
    while k < ends.len() {
        t[ends[k] as usize] |= C_NAME_END;
        k += 1;
    }
    t[b'<' as usize] |= C_TEXT_STOP;
    t[b'&' as usize] |= C_TEXT_STOP;
    t[b'>' as usize] |= C_TEXT_STOP;
    t[b':' as usize] |= C_COLON;
    t
};

#[inline(always)]
fn class(b: u8) -> u8 {
    CLASS[usize::from(b)]
}

#[inline]
fn is_ws(b: u8) -> bool {
    class(b) & C_WS != 0
}

#[inline]
fn name_start_ok(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80
}

const HI: u64 = 0x8080_8080_8080_8080;

/// The eight bytes at `i` as one word (little-endian), if there are eight.
#[inline(always)]
fn word_at(b: &[u8], i: usize) -> Option<u64> {
    b.get(i..i.wrapping_add(8))
        .and_then(|c| <[u8; 8]>::try_from(c).ok())
        .map(u64::from_le_bytes)
}

/// True when every byte of `v` is at least 0x40. Every name delimiter (whitespace and
/// `/>=<"'?!&;`) and `:` are below 0x40: such a word holds name characters only.
#[inline(always)]
fn all_at_least_0x40(v: u64) -> bool {
    (v | (v << 1)) & HI == HI
}

/// The end of the name starting at `start` (the first delimiter, or the end of input) and
/// whether the name holds a colon. Eight letters per step, byte by byte from the first
/// byte below 0x40 (a digit, `-`, `.`, `:` or the delimiter).
#[inline(always)]
fn scan_name_colon(b: &[u8], start: usize) -> (usize, bool) {
    let mut at = start;
    let mut acc = 0u8;
    loop {
        if let Some(w) = word_at(b, at) {
            if all_at_least_0x40(w) {
                at += 8;
                continue;
            }
        }
        let stop = at.saturating_add(8);
        while at < stop {
            let Some(&c) = b.get(at) else {
                return (at, acc & C_COLON != 0);
            };
            let k = class(c);
            if k & C_NAME_END != 0 {
                return (at, acc & C_COLON != 0);
            }
            acc |= k;
            at += 1;
        }
    }
}

#[inline(always)]
fn scan_name(b: &[u8], start: usize) -> usize {
    scan_name_colon(b, start).0
}

/// The first `<`, `&` or `>` at or after `from` (`b.len()` if none). Byte by byte: the
/// values of configuration files are short.
#[inline(always)]
fn find_text_stop(b: &[u8], from: usize) -> usize {
    let rest = b.get(from..).unwrap_or(&[]);
    from + rest
        .iter()
        .position(|&c| class(c) & C_TEXT_STOP != 0)
        .unwrap_or(rest.len())
}

#[inline(always)]
fn skip_ws(b: &[u8], i: usize) -> usize {
    let rest = b.get(i..).unwrap_or(&[]);
    i + rest
        .iter()
        .position(|&c| class(c) & C_WS == 0)
        .unwrap_or(rest.len())
}

/// `a == b` for element names, inlined: names are short, and a `memcmp` call costs more
/// than comparing them in two overlapping 8- or 4-byte words.
#[inline(always)]
fn same_name(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    fn word8(s: &[u8], i: usize) -> Option<u64> {
        s.get(i..i + 8)
            .and_then(|c| <[u8; 8]>::try_from(c).ok())
            .map(u64::from_ne_bytes)
    }
    fn word4(s: &[u8], i: usize) -> Option<u32> {
        s.get(i..i + 4)
            .and_then(|c| <[u8; 4]>::try_from(c).ok())
            .map(u32::from_ne_bytes)
    }
    match n {
        0..4 => a == b,
        4..8 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

/// The first occurrence of the two bytes `x y` in `hay` (`memmem::find` builds a searcher
/// on each call, which costs more than the one `?>` of a declaration).
fn find_pair(hay: &[u8], x: u8, y: u8) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = memchr::memchr(x, hay.get(from..)?) {
        let at = from + k;
        if hay.get(at + 1) == Some(&y) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// `src[a..b]`, or `None` when the range is out of bounds or not on character boundaries
/// (a small inlined form of `str::get`, which the compiler keeps out of line in the
/// tokenizer's large functions).
#[inline(always)]
fn sub(src: &str, a: usize, b: usize) -> Option<&str> {
    let (head, _) = src.split_at_checked(b)?;
    let (_, s) = head.split_at_checked(a)?;
    Some(s)
}

/// Scans one attribute starting at `i` (leading whitespace allowed). `Ok(None)` at the end of
/// the attribute list.
fn scan_attr(b: &[u8], i: usize, lenient: bool) -> Result<Option<AttrScan>, (ErrorKind, usize)> {
    let i = skip_ws(b, i);
    let Some(&c) = b.get(i) else {
        return Ok(None);
    };
    if !name_start_ok(c) {
        return Err((ErrorKind::InvalidName, i));
    }
    let (name_end, colon) = scan_name_colon(b, i);
    let mut j = skip_ws(b, name_end);
    if b.get(j) != Some(&b'=') {
        return Err((ErrorKind::MalformedTag, j));
    }
    j = skip_ws(b, j + 1);
    let q = match b.get(j) {
        Some(&q @ (b'"' | b'\'')) => q,
        Some(_) if lenient => return scan_unquoted(b, (i, name_end), j, colon),
        _ => return Err((ErrorKind::BadAttributeValue, j)),
    };
    let vstart = j + 1;
    let rest = b.get(vstart..).unwrap_or(&[]);
    let Some(rel) = memchr::memchr2(q, b'<', rest) else {
        return Err((ErrorKind::BadAttributeValue, j));
    };
    if rest.get(rel) == Some(&b'<') {
        // A '<' in the value, or no closing quote at all.
        return Err(if memchr::memchr(q, rest).is_some() {
            (ErrorKind::BareLessThan, vstart)
        } else {
            (ErrorKind::BadAttributeValue, j)
        });
    }
    let vend = vstart + rel;
    let after = vend + 1;
    let value = b.get(vstart..vend).unwrap_or(&[]);
    match b.get(after) {
        None => {}
        Some(&c) if is_ws(c) || matches!(c, b'/' | b'>' | b'?') => {}
        Some(_) => {
            // `a="x b="y"`: the closing quote of `a` is missing. Cut the value at its
            // last whitespace when the remainder reads `name=`.
            if lenient && value.last() == Some(&b'=') {
                if let Some(ws) = value.iter().rposition(|&c| is_ws(c)) {
                    let cut = vstart + ws;
                    // The value ends at the whitespace; the next attribute starts after it.
                    let trimmed_end = (vstart..cut)
                        .rev()
                        .find(|&k| b.get(k).is_some_and(|&c| !is_ws(c)))
                        .map_or(vstart, |k| k + 1);
                    return Ok(Some(AttrScan {
                        name: (i, name_end),
                        value: (vstart, trimmed_end),
                        next: cut,
                        repair: Some((RepairKind::MissingQuote { attribute: "" }, vstart)),
                        colon,
                    }));
                }
            }
            return Err((ErrorKind::MalformedTag, after));
        }
    }
    Ok(Some(AttrScan {
        name: (i, name_end),
        value: (vstart, vend),
        next: after,
        repair: None,
        colon,
    }))
}

/// Lenient mode: `name=value` without quotes (`<line button=1>`). The value runs to the next
/// whitespace, `>` or `/>`; it must not be empty nor hold `<`, `"` or `'`.
fn scan_unquoted(
    b: &[u8],
    name: (usize, usize),
    vstart: usize,
    colon: bool,
) -> Result<Option<AttrScan>, (ErrorKind, usize)> {
    let rest = b.get(vstart..).unwrap_or(&[]);
    let mut len = rest.len();
    for (k, &c) in rest.iter().enumerate() {
        if is_ws(c) || c == b'>' || (c == b'/' && rest.get(k + 1) == Some(&b'>')) {
            len = k;
            break;
        }
        if matches!(c, b'<' | b'"' | b'\'' | b'=') {
            return Err((ErrorKind::BadAttributeValue, vstart));
        }
    }
    if len == 0 {
        return Err((ErrorKind::BadAttributeValue, vstart));
    }
    Ok(Some(AttrScan {
        name,
        value: (vstart, vstart + len),
        next: vstart + len,
        repair: Some((RepairKind::UnquotedValue { attribute: "" }, vstart)),
        colon,
    }))
}

fn decode_ref(r: &[u8]) -> Result<char, ErrorKind> {
    match r {
        b"amp" => Ok('&'),
        b"lt" => Ok('<'),
        b"gt" => Ok('>'),
        b"apos" => Ok('\''),
        b"quot" => Ok('"'),
        [b'#', b'x', hex @ ..] => {
            if hex.is_empty() || hex.len() > 6 {
                return Err(ErrorKind::InvalidCharRef);
            }
            let mut v = 0u32;
            for &h in hex {
                let d = char::from(h)
                    .to_digit(16)
                    .ok_or(ErrorKind::InvalidCharRef)?;
                v = v * 16 + d;
            }
            char::from_u32(v)
                .filter(|&c| c != '\0')
                .ok_or(ErrorKind::InvalidCharRef)
        }
        [b'#', dec @ ..] => {
            if dec.is_empty() || dec.len() > 7 {
                return Err(ErrorKind::InvalidCharRef);
            }
            let mut v = 0u32;
            for &d in dec {
                let d = char::from(d)
                    .to_digit(10)
                    .ok_or(ErrorKind::InvalidCharRef)?;
                v = v * 10 + d;
            }
            char::from_u32(v)
                .filter(|&c| c != '\0')
                .ok_or(ErrorKind::InvalidCharRef)
        }
        _ => Err(ErrorKind::UnknownEntity),
    }
}

/// Checks the reference starting at `amp` (the `&`); returns the offset after `;`.
fn check_ref(b: &[u8], amp: usize) -> Result<usize, ErrorKind> {
    let rest = b.get(amp + 1..).unwrap_or(&[]);
    let lim = rest.len().min(12);
    let semi =
        memchr::memchr(b';', rest.get(..lim).unwrap_or(&[])).ok_or(ErrorKind::BareAmpersand)?;
    let body = rest.get(..semi).unwrap_or(&[]);
    if body.is_empty() {
        return Err(ErrorKind::BareAmpersand);
    }
    decode_ref(body)?;
    Ok(amp + 1 + semi + 1)
}

fn unescape_into<W: fmt::Write>(raw: &str, attr: bool, out: &mut W) -> fmt::Result {
    let b = raw.as_bytes();
    let mut i = 0;
    let mut last = 0;
    let special = |c: u8| c == b'&' || (attr && matches!(c, b'\t' | b'\n' | b'\r'));
    while i < b.len() {
        let c = b[i];
        if !special(c) {
            i += 1;
            continue;
        }
        out.write_str(raw.get(last..i).unwrap_or(""))?;
        if c != b'&' {
            // attribute whitespace normalisation; CRLF counts once
            if !(c == b'\n' && i > 0 && b.get(i - 1) == Some(&b'\r')) {
                out.write_char(' ')?;
            }
            i += 1;
            last = i;
            continue;
        }
        match check_ref(b, i) {
            Ok(end) => {
                let body = b.get(i + 1..end - 1).unwrap_or(&[]);
                if let Ok(ch) = decode_ref(body) {
                    out.write_char(ch)?;
                }
                i = end;
            }
            Err(_) => {
                // lenient input: a literal '&' (strict input never gets here)
                out.write_char('&')?;
                i += 1;
            }
        }
        last = i;
    }
    out.write_str(raw.get(last..).unwrap_or(""))
}

#[cfg(feature = "alloc")]
fn unescape_owned(raw: &str, attr: bool) -> alloc::string::String {
    let mut s = alloc::string::String::with_capacity(raw.len());
    let _ = unescape_into(raw, attr, &mut s);
    s
}

/// True when an attribute value holds a reference or a whitespace character other than
/// the space (the value then differs from its raw text). Eight bytes per step: a word
/// without a byte below 0x27 (`&` is 0x26, the others lower) holds none.
#[cfg(feature = "alloc")]
fn attr_needs_decoding(raw: &[u8]) -> bool {
    let special = |c: &u8| matches!(c, b'&' | b'\t' | b'\n' | b'\r');
    let mut chunks = raw.chunks_exact(8);
    for c in &mut chunks {
        if let Ok(w) = <[u8; 8]>::try_from(c) {
            let w = u64::from_le_bytes(w);
            // Some byte below 0x27 (exact for bytes below 0x80; others only add checks).
            if w.wrapping_sub(0x2727_2727_2727_2727) & !w & HI != 0 && c.iter().any(special) {
                return true;
            }
        }
    }
    chunks.remainder().iter().any(special)
}

#[cfg(feature = "alloc")]
fn unescape_attr(raw: &str) -> alloc::borrow::Cow<'_, str> {
    if attr_needs_decoding(raw.as_bytes()) {
        alloc::borrow::Cow::Owned(unescape_owned(raw, true))
    } else {
        alloc::borrow::Cow::Borrowed(raw)
    }
}

impl<'a> Reader<'a> {
    /// A reader over `src`. Input larger than the limit fails on the first event.
    #[must_use]
    pub fn new(src: &'a str, config: Config) -> Self {
        let mut limits = config.limits;
        limits.max_depth = limits.max_depth.min(MAX_DEPTH_CAP);
        let mut r = Reader {
            src,
            pos: 0,
            mode: config.mode,
            limits,
            stack: [""; MAX_DEPTH_CAP],
            depth: 0,
            ns: [(0, 0, 0); MAX_NS],
            ns_len: 0,
            phase: Phase::Prolog,
            last_end: None,
            repairs: [None; MAX_REPAIRS],
            nrep: 0,
            pending: None,
            closing_to: None,
            error: false,
            too_large: src.len() > limits.max_input,
            slow: src.len() > limits.max_input,
            attr_spans: [AttrSpan::default(); ATTR_KEEP],
            attr_n: 0,
            attr_at: usize::MAX,
        };
        if src.starts_with('\u{feff}') {
            r.pos = 3;
            r.repair(RepairKind::ByteOrderMark, 0);
        }
        r
    }

    /// A reader over bytes, which must be UTF-8.
    ///
    /// # Errors
    /// [`ErrorKind::NotUtf8`] (at the first invalid byte) or [`ErrorKind::TooLarge`].
    pub fn from_bytes(src: &'a [u8], config: Config) -> Result<Self, XmlError<'a>> {
        if src.len() > config.limits.max_input {
            return Err(XmlError {
                kind: ErrorKind::TooLarge,
                pos: Position::default(),
                path: ElementPath::default(),
            });
        }
        match core::str::from_utf8(src) {
            Ok(s) => Ok(Reader::new(s, config)),
            Err(e) => {
                let ok = src
                    .get(..e.valid_up_to())
                    .and_then(|v| core::str::from_utf8(v).ok())
                    .unwrap_or("");
                Err(XmlError {
                    kind: ErrorKind::NotUtf8,
                    pos: Position::locate(ok, ok.len()),
                    path: ElementPath::default(),
                })
            }
        }
    }

    /// The input.
    #[must_use]
    pub fn source(&self) -> &'a str {
        self.src
    }

    /// Byte offset of the next unread input.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Current element depth.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The mode.
    #[must_use]
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The path of open elements.
    #[must_use]
    pub fn path(&self) -> ElementPath<'a> {
        let mut p = ElementPath {
            depth: u16::try_from(self.depth).unwrap_or(u16::MAX),
            ..ElementPath::default()
        };
        let first = self.depth.saturating_sub(PATH_KEEP);
        for (k, i) in (first..self.depth).enumerate() {
            if let (Some(slot), Some(&name)) = (p.names.get_mut(k), self.stack.get(i)) {
                *slot = name;
                p.kept += 1;
            }
        }
        p
    }

    /// The attributes of `tag`, a start tag this reader returned, without scanning them
    /// again when their spans were kept (the last tag with attributes, up to eight); the
    /// same sequence as [`StartTag::attributes`].
    pub(crate) fn kept_attributes(
        &self,
        tag: &StartTag<'a>,
    ) -> Option<impl Iterator<Item = Attribute<'a>> + 'a> {
        let at = (tag.attrs.as_ptr() as usize).wrapping_sub(self.src.as_ptr() as usize);
        let kept = sub(self.src, self.attr_at, at.wrapping_add(tag.attrs.len()))?;
        if at != self.attr_at || !core::ptr::eq(kept, tag.attrs) {
            return None;
        }
        let src = self.src;
        let spans = self.attr_spans;
        let n = self.attr_n;
        Some(spans.into_iter().take(n).map(move |sp| Attribute {
            name: sub(src, sp.name.0 as usize, sp.name.1 as usize).unwrap_or(""),
            raw_value: sub(src, sp.value.0 as usize, sp.value.1 as usize).unwrap_or(""),
        }))
    }

    /// Saves the position (valid only while no event queued: call right after a `Start`).
    #[must_use]
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            pos: self.pos,
            depth: self.depth,
            ns_len: self.ns_len,
            phase: self.phase,
            last_end: self.last_end,
        }
    }

    /// Rewinds to a checkpoint taken at the same or a lower depth in this element.
    pub fn restore(&mut self, cp: Checkpoint) {
        self.pos = cp.pos;
        self.depth = cp.depth;
        self.ns_len = cp.ns_len;
        self.phase = cp.phase;
        self.last_end = cp.last_end;
        self.nrep = 0;
        self.repairs = [None; MAX_REPAIRS];
        self.pending = None;
        self.closing_to = None;
        self.error = false;
        self.slow = self.too_large;
    }

    /// True when a restore is safe (nothing queued).
    #[must_use]
    pub fn can_checkpoint(&self) -> bool {
        self.nrep == 0 && self.pending.is_none() && self.closing_to.is_none()
    }

    fn err(&mut self, kind: ErrorKind, at: usize) -> Fail {
        self.error = true;
        self.slow = true;
        Fail { kind, at }
    }

    /// The full error (line, column, element path) for a [`Fail`] just returned.
    #[cold]
    #[inline(never)]
    #[must_use]
    pub fn error(&self, f: Fail) -> XmlError<'a> {
        self.to_error(f)
    }

    #[cold]
    #[inline(never)]
    fn to_error(&self, f: Fail) -> XmlError<'a> {
        XmlError {
            kind: f.kind,
            pos: Position::locate(self.src, f.at),
            path: self.path(),
        }
    }

    fn repair(&mut self, kind: RepairKind<'a>, offset: usize) {
        // The queue is drained before every new token, so it never holds more than one
        // token's repairs; extra repairs of one token are dropped.
        if let Some(slot) = self.repairs.get_mut(self.nrep) {
            *slot = Some(Repair { kind, offset });
            self.nrep += 1;
            self.slow = true;
        }
    }

    /// In strict mode: the error. In lenient mode: queue a repair and continue.
    fn violation(&mut self, kind: ErrorKind, rep: RepairKind<'a>, at: usize) -> Result<(), Fail> {
        if self.mode == Mode::Strict {
            Err(self.err(kind, at))
        } else {
            self.repair(rep, at);
            Ok(())
        }
    }

    fn top_name(&self) -> &'a str {
        self.depth
            .checked_sub(1)
            .and_then(|d| self.stack.get(d))
            .copied()
            .unwrap_or("")
    }

    #[inline(always)]
    fn emit(&mut self, ev: Event<'a>) -> Event<'a> {
        if self.nrep > 0 {
            self.pending = Some(ev);
            self.take_repair().unwrap_or(ev)
        } else {
            ev
        }
    }

    fn take_repair(&mut self) -> Option<Event<'a>> {
        if self.nrep == 0 {
            return None;
        }
        let r = self.repairs[0].take();
        self.repairs.rotate_left(1);
        self.nrep -= 1;
        r.map(Event::Repair)
    }

    /// The next event, `Ok(None)` at the end of a complete document.
    ///
    /// # Errors
    /// In strict mode any violation; in both modes the limits, an unterminated construct
    /// (strict) and after an error every further call repeats [`ErrorKind::UnexpectedEof`].
    #[inline(always)]
    pub fn next_event(&mut self) -> Result<Option<Event<'a>>, XmlError<'a>> {
        match self.next_raw() {
            Ok(ev) => Ok(ev),
            Err(f) => Err(self.to_error(f)),
        }
    }

    /// [`next_event`](Self::next_event) with a compact error (the hot path of the parsers).
    ///
    /// # Errors
    /// As `next_event`; convert with [`error`](Self::error).
    #[inline(always)]
    pub fn next_raw(&mut self) -> Result<Option<Event<'a>>, Fail> {
        if self.slow {
            if let Some(r) = self.next_queued() {
                return r;
            }
        }
        // Every failure goes through `err`, which marks the reader failed.
        self.read_token()
    }

    /// Skips whitespace when a tag follows it (inside the root element, where such text
    /// changes nothing): for callers that ignore whitespace-only text between elements.
    #[inline(always)]
    pub fn skip_whitespace_before_tag(&mut self) {
        if self.slow || self.phase != Phase::Root {
            return;
        }
        let b = self.src.as_bytes();
        if b.get(self.pos).is_some_and(|&c| is_ws(c)) {
            let k = skip_ws(b, self.pos + 1);
            if b.get(k) == Some(&b'<') {
                self.pos = k;
            }
        }
    }

    /// Right after a `Start`: when the element's content is character data and its end tag
    /// follows written tightly (`text</name>`), reads both and returns the text (empty for
    /// `<name></name>`). The events, repairs and errors of the usual path would be exactly a
    /// `Text` (if any) and the `End`; in every other case (markup or a reference needing a
    /// repair inside, another end tag, something queued) nothing is read and `None` is
    /// returned.
    #[inline(always)]
    pub(crate) fn leaf_text(&mut self) -> Option<Text<'a>> {
        if self.slow || self.phase != Phase::Root {
            return None;
        }
        let top = *self.depth.checked_sub(1).and_then(|d| self.stack.get(d))?;
        let b = self.src.as_bytes();
        let start = self.pos;
        let mut i = start;
        let mut plain = true;
        let lt = loop {
            i = find_text_stop(b, i);
            match *b.get(i)? {
                b'<' => break i,
                b'&' => {
                    plain = false;
                    i = check_ref(b, i).ok()?;
                }
                _ => {
                    // '>': only `]]>` changes anything (a violation).
                    if i >= 2 && b.get(i - 2..i) == Some(b"]]") {
                        return None;
                    }
                    i += 1;
                }
            }
        };
        let ns = lt + 2;
        let ne = ns + top.len();
        if top.is_empty()
            || b.get(lt + 1) != Some(&b'/')
            || b.get(ne) != Some(&b'>')
            || !b.get(ns..ne).is_some_and(|n| same_name(n, top.as_bytes()))
        {
            return None;
        }
        let raw = sub(self.src, start, lt)?;
        // Whitespace only: rare in a leaf, decided by the first byte in all other cases.
        let ws = raw.as_bytes().first().is_none_or(|&c| is_ws(c)) && raw.bytes().all(is_ws);
        self.pos = ne + 1;
        self.pop();
        self.last_end = Some((ns, ne));
        Some(Text { raw, ws, plain })
    }

    /// Reads on (the events are not returned) until an `End` leaves the depth at `target` or
    /// below, or to the end of the input (`Ok(None)`); stops at each repair (`Ok(Some)`: call
    /// again to go on). Whitespace before tags is skipped as by
    /// [`skip_whitespace_before_tag`](Self::skip_whitespace_before_tag).
    ///
    /// # Errors
    /// As [`next_raw`](Self::next_raw).
    #[inline(never)]
    pub(crate) fn skip_to_depth(&mut self, target: usize) -> Result<Option<Repair<'a>>, Fail> {
        loop {
            self.skip_whitespace_before_tag();
            match self.next_raw()? {
                None => return Ok(None),
                Some(Event::Repair(r)) => return Ok(Some(r)),
                Some(Event::Start(_)) => {
                    // A text-only child: its text and end tag in one step.
                    let _ = self.leaf_text();
                }
                Some(Event::End(_)) => {
                    if self.depth <= target {
                        return Ok(None);
                    }
                }
                Some(_) => {}
            }
        }
    }

    /// [`next_raw`](Self::next_raw) as one out-of-line call (for the parsers, which inline
    /// their own loop around it).
    #[inline(never)]
    pub(crate) fn next_outlined(&mut self) -> Result<Option<Event<'a>>, Fail> {
        self.next_raw()
    }

    /// The careful path: queued repairs, a pending event, a failed reader, auto-closes.
    /// `None` when nothing is queued any more (the flag is cleared).
    #[inline(never)]
    fn next_queued(&mut self) -> Option<Result<Option<Event<'a>>, Fail>> {
        if self.nrep > 0 {
            return Some(Ok(self.take_repair()));
        }
        if let Some(ev) = self.pending.take() {
            return Some(Ok(Some(ev)));
        }
        if self.error {
            return Some(Err(self.err(ErrorKind::UnexpectedEof, self.src.len())));
        }
        if let Some(target) = self.closing_to {
            if self.depth > target {
                let at = self.pos;
                return Some(Ok(Some(self.auto_close(at))));
            }
            self.closing_to = None;
        }
        if self.too_large {
            return Some(Err(self.err(ErrorKind::TooLarge, 0)));
        }
        self.slow = false;
        None
    }

    fn auto_close(&mut self, at: usize) -> Event<'a> {
        let name = self.top_name();
        self.pop();
        self.repair(RepairKind::UnclosedElement { name }, at);
        self.emit(Event::End(name))
    }

    #[inline(always)]
    fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        while self.ns_len > 0 && usize::from(self.ns[self.ns_len - 1].2) > self.depth {
            self.ns_len -= 1;
        }
        if self.depth == 0 && self.phase == Phase::Root {
            self.phase = Phase::Epilog;
        }
    }

    #[inline(always)]
    fn read_token(&mut self) -> Result<Option<Event<'a>>, Fail> {
        let b = self.src.as_bytes();
        let Some(&c) = b.get(self.pos) else {
            return self.at_eof();
        };
        if c != b'<' {
            // Fast path: whitespace up to the next tag (line ends, indentation).
            if is_ws(c) {
                let k = skip_ws(b, self.pos + 1);
                if b.get(k) == Some(&b'<') {
                    let raw = sub(self.src, self.pos, k).unwrap_or("");
                    self.pos = k;
                    // Whitespace never changes the phase nor the stray-end heuristics, and
                    // nothing is queued here (repairs are drained before every token).
                    return Ok(Some(self.emit(Event::Text(Text {
                        raw,
                        ws: true,
                        plain: true,
                    }))));
                }
            }
            return self.read_text();
        }
        match b.get(self.pos + 1) {
            Some(b'/') => self.read_end(),
            Some(b'!') => self.read_bang(),
            Some(b'?') => self.read_pi(),
            Some(&n) if name_start_ok(n) => self.read_start(),
            _ => {
                if self.mode == Mode::Lenient && self.phase == Phase::Root {
                    self.repair(RepairKind::LiteralLessThan, self.pos);
                    self.read_text_from(self.pos, self.pos + 1)
                } else if self.pos + 1 >= b.len() {
                    let at = self.pos;
                    self.eof_inside(at)
                } else {
                    Err(self.err(ErrorKind::InvalidName, self.pos + 1))
                }
            }
        }
    }

    fn at_eof(&mut self) -> Result<Option<Event<'a>>, Fail> {
        if self.depth > 0 {
            if self.mode == Mode::Strict {
                return Err(self.err(ErrorKind::UnexpectedEof, self.src.len()));
            }
            let at = self.src.len();
            return Ok(Some(self.auto_close(at)));
        }
        if self.phase == Phase::Prolog && self.mode == Mode::Strict {
            return Err(self.err(ErrorKind::NoRoot, self.src.len()));
        }
        self.phase = Phase::Done;
        Ok(None)
    }

    /// Input ended inside a construct.
    fn eof_inside(&mut self, at: usize) -> Result<Option<Event<'a>>, Fail> {
        if self.mode == Mode::Strict {
            return Err(self.err(ErrorKind::UnexpectedEof, at));
        }
        self.repair(RepairKind::Truncated, at);
        self.pos = self.src.len();
        Ok(self.take_repair())
    }

    fn read_text(&mut self) -> Result<Option<Event<'a>>, Fail> {
        let start = self.pos;
        self.read_text_from(start, start)
    }

    #[inline(always)]
    fn read_text_from(
        &mut self,
        start: usize,
        scan_from: usize,
    ) -> Result<Option<Event<'a>>, Fail> {
        let b = self.src.as_bytes();
        let mut i = scan_from;
        // Fast path: short runs (indentation, values) end at '<' within a few bytes.
        let mut acc = if start == scan_from { 0 } else { C_NOT_WS };
        let short = b.get(i..).unwrap_or(&[]);
        let short = short.get(..64).unwrap_or(short);
        let short_end = short
            .iter()
            .position(|&c| {
                let k = class(c);
                if k & C_TEXT_STOP != 0 {
                    return true;
                }
                acc |= k;
                false
            })
            .filter(|&k| short.get(k) == Some(&b'<'))
            .map(|k| i + k);
        let mut plain = true;
        let (end, ws) = if let Some(e) = short_end {
            (e, acc & C_NOT_WS == 0)
        } else {
            let end = loop {
                let rest = b.get(i..).unwrap_or(&[]);
                match memchr::memchr3(b'<', b'&', b'>', rest) {
                    None => break b.len(),
                    Some(k) => {
                        let at = i + k;
                        match b.get(at) {
                            Some(b'<') => break at,
                            Some(b'&') => {
                                plain = false;
                                match check_ref(b, at) {
                                    Ok(next) => i = next,
                                    Err(kind) => {
                                        let rep = RepairKind::LiteralAmpersand;
                                        self.violation(kind, rep, at)?;
                                        i = at + 1;
                                    }
                                }
                            }
                            _ => {
                                if at >= 2 && b.get(at - 2..at) == Some(b"]]") {
                                    self.violation(
                                        ErrorKind::CdataEndInText,
                                        RepairKind::Malformed(ErrorKind::CdataEndInText),
                                        at,
                                    )?;
                                }
                                i = at + 1;
                            }
                        }
                    }
                }
            };
            let raw = b.get(start..end).unwrap_or(&[]);
            (end, raw.iter().all(|&c| is_ws(c)))
        };
        self.pos = end;
        let raw = sub(self.src, start, end).unwrap_or("");
        let text = Text { raw, ws, plain };
        if self.phase != Phase::Root {
            if text.is_whitespace() {
                return Ok(Some(self.emit(Event::Text(text))));
            }
            self.violation(
                ErrorKind::ContentOutsideRoot,
                RepairKind::ContentOutsideRoot,
                start,
            )?;
            // dropped: report the repair only
            return Ok(self.take_repair());
        }
        if !text.is_whitespace() {
            self.last_end = None;
        }
        Ok(Some(self.emit(Event::Text(text))))
    }

    fn check_prefix(&mut self, name: (usize, usize), is_attr: bool) -> Result<(), Fail> {
        let b = self.src.as_bytes();
        let Some(n) = b.get(name.0..name.1) else {
            return Ok(());
        };
        let Some(colon) = memchr::memchr(b':', n) else {
            return Ok(());
        };
        let prefix = n.get(..colon).unwrap_or(&[]);
        if prefix == b"xml" || (is_attr && prefix == b"xmlns") {
            return Ok(());
        }
        let declared = self.ns[..self.ns_len]
            .iter()
            .any(|&(s, e, _)| b.get(s as usize..e as usize) == Some(prefix));
        if declared {
            return Ok(());
        }
        let p = sub(self.src, name.0, name.0 + colon).unwrap_or("");
        self.violation(
            ErrorKind::UndeclaredPrefix,
            RepairKind::UndeclaredPrefix { prefix: p },
            name.0,
        )
    }

    /// The attributes of a start tag whose name ends at `name_end`: where
    /// the attribute text ends, whether the tag is empty (`/>`), whether it declares
    /// namespaces and whether an attribute name has a prefix. `Ok(None)` when the input
    /// ends inside the tag.
    #[inline(never)]
    #[allow(clippy::type_complexity)]
    fn read_attributes(
        &mut self,
        name_end: usize,
    ) -> Result<Option<(usize, bool, bool, bool)>, Fail> {
        let b = self.src.as_bytes();
        let attrs_start = name_end;
        self.attr_at = usize::MAX;
        // Spans are kept only for attributes read without a repair (a repaired value is cut
        // where the scanner finds it again, in the attribute text alone).
        let mut keep = true;
        let mut i = name_end;
        let mut count = 0usize;
        let mut any_prefixed_attr = false;
        let mut ns_decls = false;
        let lenient = self.mode == Mode::Lenient;
        // Names of the attributes read so far (the first few), for the duplicate check.
        let mut seen: [&[u8]; 8] = [&[]; 8];
        let (attrs_end, empty) = loop {
            let j = skip_ws(b, i);
            match b.get(j) {
                None => {
                    return Ok(None);
                }
                Some(b'>') => break (j, false),
                Some(b'/') => {
                    if b.get(j + 1) == Some(&b'>') {
                        break (j, true);
                    }
                    if b.get(j + 1).is_none() {
                        return Ok(None);
                    }
                    return Err(self.err(ErrorKind::MalformedTag, j));
                }
                Some(_) => {
                    if j == i && (count == 0 || self.mode == Mode::Strict) {
                        let kind = if count == 0 {
                            ErrorKind::InvalidName
                        } else {
                            ErrorKind::MalformedTag
                        };
                        return Err(self.err(kind, j));
                    }
                    match scan_attr(b, j, lenient) {
                        Ok(Some(a)) => {
                            if let Some(slot) = self.attr_spans.get_mut(count) {
                                *slot = AttrSpan {
                                    name: (
                                        u32::try_from(a.name.0).unwrap_or(u32::MAX),
                                        u32::try_from(a.name.1).unwrap_or(u32::MAX),
                                    ),
                                    value: (
                                        u32::try_from(a.value.0).unwrap_or(u32::MAX),
                                        u32::try_from(a.value.1).unwrap_or(u32::MAX),
                                    ),
                                };
                            }
                            count += 1;
                            if count > self.limits.max_attributes {
                                return Err(self.err(ErrorKind::TooManyAttributes, j));
                            }
                            if let Some((kind, at)) = a.repair {
                                keep = false;
                                let attribute = sub(self.src, a.name.0, a.name.1).unwrap_or("");
                                let kind = match kind {
                                    RepairKind::UnquotedValue { .. } => {
                                        RepairKind::UnquotedValue { attribute }
                                    }
                                    _ => RepairKind::MissingQuote { attribute },
                                };
                                self.repair(kind, at);
                            }
                            let an = b.get(a.name.0..a.name.1).unwrap_or(&[]);
                            if an.starts_with(b"xmlns") {
                                ns_decls = true;
                            }
                            if a.colon {
                                any_prefixed_attr = true;
                            }
                            // duplicates
                            let dup = if count <= seen.len() {
                                let earlier = seen.get(..count - 1).unwrap_or(&[]);
                                let d = earlier.contains(&an);
                                if let Some(slot) = seen.get_mut(count - 1) {
                                    *slot = an;
                                }
                                d
                            } else {
                                let mut k = attrs_start;
                                let mut d = false;
                                while let Ok(Some(prev)) = scan_attr(b, k, lenient) {
                                    if prev.name.0 >= a.name.0 {
                                        break;
                                    }
                                    if b.get(prev.name.0..prev.name.1) == Some(an) {
                                        d = true;
                                        break;
                                    }
                                    k = prev.next;
                                }
                                d
                            };
                            if dup {
                                let attribute = sub(self.src, a.name.0, a.name.1).unwrap_or("");
                                self.violation(
                                    ErrorKind::DuplicateAttribute,
                                    RepairKind::DuplicateAttribute { attribute },
                                    a.name.0,
                                )?;
                            }
                            // References in the value: only well-formed ones in strict mode.
                            let value = b.get(a.value.0..a.value.1).unwrap_or(&[]);
                            let mut k = 0;
                            while let Some(rel) =
                                memchr::memchr(b'&', value.get(k..).unwrap_or(&[]))
                            {
                                let amp = k + rel;
                                k = match check_ref(value, amp) {
                                    Ok(next) => next,
                                    Err(kind) => {
                                        let rep = RepairKind::LiteralAmpersand;
                                        self.violation(kind, rep, a.value.0 + amp)?;
                                        amp + 1
                                    }
                                };
                            }
                            i = a.next;
                        }
                        Ok(None) => return Ok(None),
                        Err((kind, at)) => {
                            if at >= b.len() {
                                return Ok(None);
                            }
                            return Err(self.err(kind, at));
                        }
                    }
                }
            }
        };
        // Kept for the parsers when all spans fit (offsets fit in u32: the input limit is
        // far below).
        if keep && count <= ATTR_KEEP && u32::try_from(attrs_end).is_ok() {
            self.attr_n = count;
            self.attr_at = attrs_start;
        }
        Ok(Some((attrs_end, empty, ns_decls, any_prefixed_attr)))
    }

    #[inline(always)]
    fn read_start(&mut self) -> Result<Option<Event<'a>>, Fail> {
        let b = self.src.as_bytes();
        let lt = self.pos;
        let name_start = lt + 1;
        let (name_end, name_colon) = scan_name_colon(b, name_start);
        if self.phase == Phase::Epilog {
            self.violation(ErrorKind::MultipleRoots, RepairKind::MultipleRoots, lt)?;
            self.phase = Phase::Root;
        }
        if self.depth >= self.limits.max_depth {
            return Err(self.err(ErrorKind::TooDeep, lt));
        }
        let attrs_start = name_end;
        // Most tags have no attributes: `<name>` and `<name/>` skip the attribute scanner.
        let (attrs_end, empty, ns_decls, any_prefixed_attr) = match b.get(name_end) {
            Some(b'>') => (name_end, false, false, false),
            Some(b'/') if b.get(name_end + 1) == Some(&b'>') => (name_end, true, false, false),
            _ => match self.read_attributes(name_end)? {
                Some(t) => t,
                None => return self.eof_inside(lt),
            },
        };
        let name = sub(self.src, name_start, name_end).unwrap_or("");
        let attrs = sub(self.src, attrs_start, attrs_end).unwrap_or("");
        self.pos = attrs_end + if empty { 2 } else { 1 };
        // push first so declarations on this element are in scope for its own names
        let d = self.depth;
        if let Some(slot) = self.stack.get_mut(d) {
            *slot = name;
        }
        self.depth += 1;
        if self.phase == Phase::Prolog {
            self.phase = Phase::Root;
        }
        let lenient = self.mode == Mode::Lenient;
        if ns_decls {
            let mut k = attrs_start;
            while let Ok(Some(a)) = scan_attr(b, k, lenient) {
                let an = b.get(a.name.0..a.name.1).unwrap_or(&[]);
                if an.len() > 6 && an.starts_with(b"xmlns:") && self.ns_len < MAX_NS {
                    self.ns[self.ns_len] = (
                        u32::try_from(a.name.0 + 6).unwrap_or(0),
                        u32::try_from(a.name.1).unwrap_or(0),
                        u16::try_from(self.depth).unwrap_or(u16::MAX),
                    );
                    self.ns_len += 1;
                }
                k = a.next;
            }
        }
        if name_colon {
            self.check_prefix((name_start, name_end), false)?;
        }
        if any_prefixed_attr {
            if self.attr_at == attrs_start {
                for k in 0..self.attr_n {
                    if let Some(&sp) = self.attr_spans.get(k) {
                        let name = (sp.name.0 as usize, sp.name.1 as usize);
                        self.check_prefix(name, true)?;
                    }
                }
            } else {
                let mut k = attrs_start;
                while let Ok(Some(a)) = scan_attr(b, k, lenient) {
                    self.check_prefix(a.name, true)?;
                    k = a.next;
                }
            }
        }
        self.last_end = None;
        let tag = StartTag { name, attrs };
        if empty {
            self.pop();
            if self.phase == Phase::Epilog && self.depth == 0 {
                // root was an empty element
            }
            // an empty element counts as a just-closed element for stray-end detection
            self.last_end = Some((name_start, name_end));
            Ok(Some(self.emit(Event::Empty(tag))))
        } else {
            Ok(Some(self.emit(Event::Start(tag))))
        }
    }

    #[inline(always)]
    fn read_end(&mut self) -> Result<Option<Event<'a>>, Fail> {
        let b = self.src.as_bytes();
        let lt = self.pos;
        let ns = lt + 2;
        // Fast path: `</top>`, the end tag of the open element, written tightly.
        if let Some(&top) = self.depth.checked_sub(1).and_then(|d| self.stack.get(d)) {
            let ne = ns + top.len();
            if !top.is_empty()
                && b.get(ne) == Some(&b'>')
                && b.get(ns..ne).is_some_and(|n| same_name(n, top.as_bytes()))
            {
                self.pos = ne + 1;
                self.pop();
                self.last_end = Some((ns, ne));
                return Ok(Some(self.emit(Event::End(top))));
            }
        }
        let ne = scan_name(b, ns);
        let j = skip_ws(b, ne);
        match b.get(j) {
            Some(b'>') => {}
            None => return self.eof_inside(lt),
            Some(_) => {
                if self.mode == Mode::Strict {
                    return Err(self.err(ErrorKind::MalformedTag, j));
                }
                // lenient: skip to '>'
                let Some(k) = memchr::memchr(b'>', b.get(j..).unwrap_or(&[])) else {
                    return self.eof_inside(lt);
                };
                self.repair(RepairKind::Malformed(ErrorKind::MalformedTag), j);
                self.pos = j + k;
            }
        }
        if ne == ns && self.mode == Mode::Strict {
            return Err(self.err(ErrorKind::InvalidName, ns));
        }
        self.pos = self.pos.max(j) + 1;
        let name = sub(self.src, ns, ne).unwrap_or("");
        let top_b = self.depth.checked_sub(1).and_then(|d| self.stack.get(d));
        if top_b == Some(&name) {
            self.pop();
            self.last_end = Some((ns, ne));
            return Ok(Some(self.emit(Event::End(name))));
        }
        if self.mode == Mode::Strict {
            let kind = if self.depth == 0 {
                ErrorKind::StrayEndTag
            } else {
                ErrorKind::MismatchedEndTag
            };
            return Err(self.err(kind, lt));
        }
        // Lenient recovery.
        // 1. Matches an element further out: close the ones in between.
        let deeper = (0..self.depth)
            .rev()
            .find(|&d| self.stack.get(d).is_some_and(|&n| n == name));
        if let Some(d) = deeper {
            // close everything above d (with repairs), then d itself normally
            self.closing_to = Some(d + 1);
            self.slow = true;
            // rewind so the end tag is read again once the inner elements are closed
            self.pos = lt;
            return Ok(Some(self.auto_close(lt)));
        }
        // 2. A duplicate of the end tag just read: drop it.
        let dup = self
            .last_end
            .and_then(|(s, e)| sub(self.src, s, e))
            .is_some_and(|n| n == name);
        if dup || self.depth == 0 {
            self.repair(RepairKind::StrayEndTag { name }, lt);
            return Ok(self.take_repair());
        }
        // 3. Otherwise it closes the open element.
        let top = self.top_name();
        self.repair(
            RepairKind::MismatchedEndTag {
                expected: top,
                found: name,
            },
            lt,
        );
        self.pop();
        self.last_end = Some((ns, ne));
        Ok(Some(self.emit(Event::End(top))))
    }

    fn read_bang(&mut self) -> Result<Option<Event<'a>>, Fail> {
        let b = self.src.as_bytes();
        let lt = self.pos;
        let rest = b.get(lt..).unwrap_or(&[]);
        if rest.starts_with(b"<!--") {
            let body = lt + 4;
            let Some(k) = memchr::memmem::find(b.get(body..).unwrap_or(&[]), b"-->") else {
                return self.eof_inside(lt);
            };
            let content = sub(self.src, body, body + k).unwrap_or("");
            if memchr::memmem::find(content.as_bytes(), b"--").is_some() || content.ends_with('-') {
                self.violation(
                    ErrorKind::DoubleHyphenInComment,
                    RepairKind::Malformed(ErrorKind::DoubleHyphenInComment),
                    body,
                )?;
            }
            self.pos = body + k + 3;
            return Ok(Some(self.emit(Event::Comment(content))));
        }
        if rest.starts_with(b"<![CDATA[") {
            let body = lt + 9;
            let Some(k) = memchr::memmem::find(b.get(body..).unwrap_or(&[]), b"]]>") else {
                return self.eof_inside(lt);
            };
            if self.phase != Phase::Root {
                self.violation(
                    ErrorKind::ContentOutsideRoot,
                    RepairKind::ContentOutsideRoot,
                    lt,
                )?;
                self.pos = body + k + 3;
                return Ok(self.take_repair());
            }
            self.pos = body + k + 3;
            self.last_end = None;
            let content = sub(self.src, body, body + k).unwrap_or("");
            return Ok(Some(self.emit(Event::CData(content))));
        }
        if rest.len() >= 9 && rest[2..9].eq_ignore_ascii_case(b"DOCTYPE") {
            if self.mode == Mode::Strict {
                return Err(self.err(ErrorKind::Doctype, lt));
            }
            // Skip it unread: quoted strings and one internal subset in brackets.
            let mut i = lt + 9;
            let mut in_subset = false;
            loop {
                let Some(&c) = b.get(i) else {
                    return self.eof_inside(lt);
                };
                match c {
                    b'"' | b'\'' => {
                        let Some(k) = memchr::memchr(c, b.get(i + 1..).unwrap_or(&[])) else {
                            return self.eof_inside(lt);
                        };
                        i += k + 2;
                        continue;
                    }
                    b'[' => in_subset = true,
                    b']' => in_subset = false,
                    b'>' if !in_subset => break,
                    _ => {}
                }
                i += 1;
            }
            self.pos = i + 1;
            self.repair(RepairKind::DoctypeSkipped, lt);
            return Ok(self.take_repair());
        }
        if rest.len() < 9
            && (b"<!--".starts_with(rest)
                || b"<![CDATA[".starts_with(rest)
                || b"<!DOCTYPE".starts_with(rest))
        {
            return self.eof_inside(lt);
        }
        if self.mode == Mode::Lenient && self.phase == Phase::Root {
            self.repair(RepairKind::LiteralLessThan, lt);
            return self.read_text_from(lt, lt + 1);
        }
        Err(self.err(ErrorKind::MalformedTag, lt))
    }

    fn read_pi(&mut self) -> Result<Option<Event<'a>>, Fail> {
        let b = self.src.as_bytes();
        let lt = self.pos;
        let ts = lt + 2;
        let te = scan_name(b, ts);
        let Some(k) = find_pair(b.get(te..).unwrap_or(&[]), b'?', b'>') else {
            return self.eof_inside(lt);
        };
        let end = te + k;
        self.pos = end + 2;
        let target = sub(self.src, ts, te).unwrap_or("");
        if target.is_empty() || !name_start_ok(b.get(ts).copied().unwrap_or(0)) {
            self.violation(
                ErrorKind::InvalidName,
                RepairKind::Malformed(ErrorKind::InvalidName),
                ts,
            )?;
        }
        let content_start = skip_ws(b, te).min(end);
        if te < end && content_start == te {
            // target must be followed by whitespace or `?>`
            self.violation(
                ErrorKind::InvalidName,
                RepairKind::Malformed(ErrorKind::InvalidName),
                te,
            )?;
        }
        let content = sub(self.src, content_start, end).unwrap_or("");
        if target.eq_ignore_ascii_case("xml") {
            let bom = if self.src.starts_with('\u{feff}') {
                3
            } else {
                0
            };
            if lt != bom || target != "xml" {
                self.violation(
                    ErrorKind::MisplacedDeclaration,
                    RepairKind::Malformed(ErrorKind::MisplacedDeclaration),
                    lt,
                )?;
                return Ok(Some(self.emit(Event::Pi(target, content))));
            }
            let raw = content;
            return Ok(Some(self.emit(Event::Declaration(Declaration { raw }))));
        }
        Ok(Some(self.emit(Event::Pi(target, content))))
    }
}

/// Writes `s` escaped for character data (`&`, `<`, `>`).
///
/// # Errors
/// Only the writer's.
pub fn escape_text<W: fmt::Write>(s: &str, out: &mut W) -> fmt::Result {
    escape(s, out, false)
}

/// Writes `s` escaped for a double-quoted attribute value (also `"`, tab, CR, LF).
///
/// # Errors
/// Only the writer's.
pub fn escape_attr<W: fmt::Write>(s: &str, out: &mut W) -> fmt::Result {
    escape(s, out, true)
}

fn escape<W: fmt::Write>(s: &str, out: &mut W, attr: bool) -> fmt::Result {
    let b = s.as_bytes();
    let mut last = 0;
    for (i, &c) in b.iter().enumerate() {
        let rep = match c {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' if attr => "&quot;",
            b'\t' if attr => "&#9;",
            b'\n' if attr => "&#10;",
            b'\r' => "&#13;",
            _ => continue,
        };
        out.write_str(s.get(last..i).unwrap_or(""))?;
        out.write_str(rep)?;
        last = i + 1;
    }
    out.write_str(s.get(last..).unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::String;
    use std::vec::Vec;

    fn events(src: &str, config: Config) -> Result<Vec<String>, String> {
        let mut r = Reader::new(src, config);
        let mut out = Vec::new();
        loop {
            match r.next_event() {
                Ok(None) => return Ok(out),
                Ok(Some(ev)) => out.push(match ev {
                    Event::Start(t) => format!("<{}{}>", t.name(), attrs(&t)),
                    Event::Empty(t) => format!("<{}{}/>", t.name(), attrs(&t)),
                    Event::End(n) => format!("</{n}>"),
                    Event::Text(t) => format!("T{:?}", t.unescape()),
                    Event::CData(c) => format!("C{c:?}"),
                    Event::Comment(c) => format!("!{c:?}"),
                    Event::Pi(t, c) => format!("?{t} {c}"),
                    Event::Declaration(d) => format!("?xml {}", d.raw),
                    Event::Repair(rep) => format!("R{:?}", rep.kind),
                }),
                Err(e) => {
                    return Err(format!(
                        "{:?} {} {} {}",
                        e.kind, e.pos.line, e.pos.column, e.path
                    ))
                }
            }
        }
    }

    fn attrs(t: &StartTag<'_>) -> String {
        t.attributes()
            .map(|a| format!(" {}={:?}", a.name, a.value()))
            .collect()
    }

    #[test]
    fn reads_a_small_document() {
        let ev = events(
            "<?xml version=\"1.0\"?>\n<!-- c --><a x='1' y=\"&lt;2&#65;\"><b/>t&amp;u<![CDATA[<x>]]></a>\n",
            Config::strict(),
        )
        .unwrap();
        assert_eq!(
            ev,
            [
                "?xml version=\"1.0\"",
                "T\"\\n\"",
                "!\" c \"",
                "<a x=\"1\" y=\"<2A\">",
                "<b/>",
                "T\"t&u\"",
                "C\"<x>\"",
                "</a>",
                "T\"\\n\""
            ]
        );
    }

    #[test]
    fn strict_errors_carry_line_column_and_path() {
        let e = events("<a>\n <b>\n  <c></b></c></a>", Config::strict()).unwrap_err();
        assert_eq!(e, "MismatchedEndTag 3 6 /a/b/c");
        assert_eq!(
            events("<a>&foo;</a>", Config::strict()).unwrap_err(),
            "UnknownEntity 1 4 /a"
        );
        assert_eq!(
            events("<a>AT&T</a>", Config::strict()).unwrap_err(),
            "BareAmpersand 1 6 /a"
        );
        // Fuzz finding (`fuzz/corpus/cnf_xml/attr-bare-amp.xml`): references in attribute
        // values were never checked, so strict mode accepted a bare `&` there.
        assert_eq!(
            events("<S S=\"&\"/>", Config::strict()).unwrap_err(),
            "BareAmpersand 1 7 /"
        );
        assert_eq!(
            events("<a x='&foo;'/>", Config::strict()).unwrap_err(),
            "UnknownEntity 1 7 /"
        );
        assert_eq!(
            events("<a x='&#0;'/>", Config::strict()).unwrap_err(),
            "InvalidCharRef 1 7 /"
        );
        assert!(events("<a x='&amp;&#65;&lt;'/>", Config::strict()).is_ok());
        assert_eq!(
            events("<a x='&x'/>", Config::lenient()).unwrap(),
            ["RLiteralAmpersand", "<a x=\"&x\"/>"]
        );
        assert_eq!(
            events("<a x='1' x='2'/>", Config::strict()).unwrap_err(),
            "DuplicateAttribute 1 10 /"
        );
        assert_eq!(
            events("<a x=1/>", Config::strict()).unwrap_err(),
            "BadAttributeValue 1 6 /"
        );
        assert_eq!(
            events("<a><b></a>", Config::strict()).unwrap_err(),
            "MismatchedEndTag 1 7 /a/b"
        );
        assert_eq!(
            events("<a></a><b/>", Config::strict()).unwrap_err(),
            "MultipleRoots 1 8 /"
        );
        assert_eq!(
            events("<a>", Config::strict()).unwrap_err(),
            "UnexpectedEof 1 4 /a"
        );
        assert_eq!(events("", Config::strict()).unwrap_err(), "NoRoot 1 1 /");
        assert_eq!(
            events("x<a/>", Config::strict()).unwrap_err(),
            "ContentOutsideRoot 1 1 /"
        );
        assert_eq!(
            events("<x:a/>", Config::strict()).unwrap_err(),
            "UndeclaredPrefix 1 2 /x:a"
        );
        assert!(events("<x:a xmlns:x='u'><x:b x:c='1'/></x:a>", Config::strict()).is_ok());
        assert_eq!(
            events("<a><!-- a -- b --></a>", Config::strict()).unwrap_err(),
            "DoubleHyphenInComment 1 8 /a"
        );
        assert_eq!(
            events("<a>]]></a>", Config::strict()).unwrap_err(),
            "CdataEndInText 1 6 /a"
        );
        assert_eq!(
            events("<a/><?xml version='1.0'?>", Config::strict()).unwrap_err(),
            "MisplacedDeclaration 1 5 /"
        );
        assert_eq!(
            events("<a>&#0;</a>", Config::strict()).unwrap_err(),
            "InvalidCharRef 1 4 /a"
        );
        assert_eq!(
            events("<a x='<'/>", Config::strict()).unwrap_err(),
            "BareLessThan 1 7 /"
        );
    }

    #[test]
    fn lenient_repairs_the_real_world_breakages() {
        // stray duplicate end tag (dbaldree SEP0014638ADF5E.cnf.xml)
        let ev = events("<s><line>1</line></line></s>", Config::lenient()).unwrap();
        assert_eq!(
            ev,
            [
                "<s>",
                "<line>",
                "T\"1\"",
                "</line>",
                "RStrayEndTag { name: \"line\" }",
                "</s>"
            ]
        );
        // end tag naming the previous sibling (chan-sccp annotated template)
        let ev = events("<v><W1>0</W1><W2>0</W1></v>", Config::lenient()).unwrap();
        assert_eq!(
            ev,
            [
                "<v>",
                "<W1>",
                "T\"0\"",
                "</W1>",
                "<W2>",
                "T\"0\"",
                "RMismatchedEndTag { expected: \"W2\", found: \"W1\" }",
                "</W2>",
                "</v>"
            ]
        );
        // end tag of an outer element closes the inner ones
        let ev = events("<a><b><c></a>", Config::lenient()).unwrap();
        assert_eq!(
            ev,
            [
                "<a>",
                "<b>",
                "<c>",
                "RUnclosedElement { name: \"c\" }",
                "</c>",
                "RUnclosedElement { name: \"b\" }",
                "</b>",
                "</a>"
            ]
        );
        // missing quote (dbaldree syncinfo.xml)
        let ev = events("<S><I V=\"P0S3-8-12-00 SYNC=\"1\"/></S>", Config::lenient()).unwrap();
        assert_eq!(
            ev,
            [
                "<S>",
                "RMissingQuote { attribute: \"V\" }",
                "<I V=\"P0S3-8-12-00\" SYNC=\"1\"/>",
                "</S>"
            ]
        );
        // undeclared prefix and BOM
        let ev = events("\u{feff}<d xsi:type=\"axl:X\"/>", Config::lenient()).unwrap();
        assert_eq!(
            ev,
            [
                "RByteOrderMark",
                "RUndeclaredPrefix { prefix: \"xsi\" }",
                "<d xsi:type=\"axl:X\"/>"
            ]
        );
        // unknown entity and bare ampersand are kept literally
        let ev = events("<a>AT&T &foo;</a>", Config::lenient()).unwrap();
        assert_eq!(
            ev,
            [
                "<a>",
                "RLiteralAmpersand",
                "RLiteralAmpersand",
                "T\"AT&T &foo;\"",
                "</a>"
            ]
        );
        // unclosed at end of input
        let ev = events("<a><b>x", Config::lenient()).unwrap();
        assert_eq!(
            ev,
            [
                "<a>",
                "<b>",
                "T\"x\"",
                "RUnclosedElement { name: \"b\" }",
                "</b>",
                "RUnclosedElement { name: \"a\" }",
                "</a>"
            ]
        );
    }

    #[test]
    fn lenient_reads_unquoted_attribute_values() {
        let ev = events(
            "<s><line button=1 lineIndex=2><n/></line><a u=http://h/x?a=b/><b x=1/></s>",
            Config::lenient(),
        );
        // `=` inside an unquoted value is refused (ambiguous with a next attribute).
        assert_eq!(ev.unwrap_err(), "BadAttributeValue 1 47 /s");
        let ev = events(
            "<s><line button=1 lineIndex='2' x=a/b>t</line><b x=1/><c y=\t7 ></c></s>",
            Config::lenient(),
        )
        .unwrap();
        assert_eq!(
            ev,
            [
                "<s>",
                "RUnquotedValue { attribute: \"button\" }",
                "RUnquotedValue { attribute: \"x\" }",
                "<line button=\"1\" lineIndex=\"2\" x=\"a/b\">",
                "T\"t\"",
                "</line>",
                "RUnquotedValue { attribute: \"x\" }",
                "<b x=\"1\"/>",
                "RUnquotedValue { attribute: \"y\" }",
                "<c y=\"7\">",
                "</c>",
                "</s>"
            ]
        );
        // Strict mode refuses them, and so does lenient for an empty value or a '<'.
        assert_eq!(
            events("<a x=1/>", Config::strict()).unwrap_err(),
            "BadAttributeValue 1 6 /"
        );
        assert_eq!(
            events("<a x= >", Config::lenient()).unwrap_err(),
            "BadAttributeValue 1 7 /"
        );
        assert_eq!(
            events("<a x=b<c>", Config::lenient()).unwrap_err(),
            "BadAttributeValue 1 6 /"
        );
        // The typed model reads the value and writes it quoted.
        let doc = crate::model::Document::parse(
            "<device><devicePool><callManagerGroup><members><member priority=1><callManager>\
             <processNodeName>h</processNodeName></callManager></member></members>\
             </callManagerGroup></devicePool><extra a=b/></device>",
            Config::lenient(),
        )
        .unwrap();
        assert_eq!(doc.repairs.len(), 2);
        assert_eq!(doc.config.call_managers()[0].priority, Some(1));
        let out = doc.to_xml(crate::tree::Style::default());
        assert!(out.contains("<member priority=\"1\">"), "{out}");
        assert!(out.contains("<extra a=\"b\"/>"), "{out}");
        assert!(crate::model::Document::parse(&out, Config::strict()).is_ok());
    }

    #[test]
    fn billion_laughs_and_xxe_never_expand() {
        let laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n<lolz>&lol3;</lolz>\n";
        assert!(events(laughs, Config::strict())
            .unwrap_err()
            .starts_with("Doctype 2 1"));
        let ev = events(laughs, Config::lenient()).unwrap();
        assert!(ev.contains(&"RDoctypeSkipped".into()));
        assert!(ev.contains(&"T\"&lol3;\"".into()), "{ev:?}");
        let xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE foo [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n<device><name>&xxe;</name></device>";
        assert!(events(xxe, Config::strict())
            .unwrap_err()
            .starts_with("Doctype"));
        let ev = events(xxe, Config::lenient()).unwrap();
        assert!(ev.contains(&"T\"&xxe;\"".into()), "{ev:?}");
    }

    #[test]
    fn limits_hold() {
        let deep = "<a>".repeat(40);
        assert!(events(&deep, Config::lenient())
            .unwrap_err()
            .starts_with("TooDeep"));
        let cfg = Config::strict().with_limits(Limits {
            max_input: 10,
            ..Limits::default()
        });
        assert!(events("<a>0123456789</a>", cfg)
            .unwrap_err()
            .starts_with("TooLarge"));
        let many: String = (0..70).map(|i| format!(" a{i}='1'")).collect();
        assert!(events(&format!("<a{many}/>"), Config::strict())
            .unwrap_err()
            .starts_with("TooManyAttributes"));
    }

    #[test]
    fn escaping_round_trips() {
        let mut s = String::new();
        escape_attr("a&b<c>\"d\te", &mut s).unwrap();
        assert_eq!(s, "a&amp;b&lt;c&gt;&quot;d&#9;e");
        let doc = format!("<a x=\"{s}\"/>");
        let mut r = Reader::new(&doc, Config::strict());
        let Ok(Some(Event::Empty(t))) = r.next_event() else {
            panic!()
        };
        assert_eq!(t.attribute("x").unwrap().value(), "a&b<c>\"d\te");
    }
}
