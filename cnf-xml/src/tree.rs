//! Generic, lossless element tree (for elements the typed model does not know), the
//! event source shared by all parsers, and the writer.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::xml::{
    self, Config as XmlConfig, Event, Limits, Reader, Repair, RepairKind, StartTag, XmlError,
};

/// One attribute, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr<'a> {
    /// Qualified name as written.
    pub name: Cow<'a, str>,
    /// Decoded value.
    pub value: Cow<'a, str>,
}

impl<'a> Attr<'a> {
    /// A new attribute.
    pub fn new(name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        Attr {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A generic element.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Element<'a> {
    /// Qualified name.
    pub name: Cow<'a, str>,
    /// Attributes in document order.
    pub attrs: Vec<Attr<'a>>,
    /// Children in document order (whitespace-only text between child elements is not kept).
    pub children: Vec<Node<'a>>,
}

/// A node of the generic tree.
///
/// Equality is by content: an element kept as [`Node::Raw`] source text equals the
/// [`Node::Element`] it reads as.
#[derive(Clone, Debug)]
pub enum Node<'a> {
    /// An element.
    Element(Element<'a>),
    /// An element kept as its source text, from its `<` to the `>` of its end tag, written
    /// back verbatim. The typed model keeps the elements it does not model this way (one
    /// slice instead of a tree); [`Node::element`] reads it. [`Tree::parse`] never makes one.
    Raw(&'a str),
    /// Character data (CDATA included), decoded.
    Text(Cow<'a, str>),
    /// A comment.
    Comment(Cow<'a, str>),
    /// A processing instruction: target and content.
    Pi(Cow<'a, str>, Cow<'a, str>),
}

impl<'a> Node<'a> {
    /// The element of an [`Element`](Node::Element) or [`Raw`](Node::Raw) node (a raw one is
    /// read on each call); `None` for other nodes.
    #[must_use]
    pub fn element(&self) -> Option<Cow<'_, Element<'a>>> {
        match self {
            Node::Element(e) => Some(Cow::Borrowed(e)),
            Node::Raw(s) => parse_raw(s).map(Cow::Owned),
            _ => None,
        }
    }
}

impl PartialEq for Node<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Node::Text(a), Node::Text(b)) | (Node::Comment(a), Node::Comment(b)) => a == b,
            (Node::Pi(a, b), Node::Pi(c, d)) => a == c && b == d,
            (Node::Element(a), Node::Element(b)) => a == b,
            (Node::Raw(a), Node::Raw(b)) if a == b => true,
            (Node::Raw(_) | Node::Element(_), Node::Raw(_) | Node::Element(_)) => {
                match (self.element(), other.element()) {
                    (Some(a), Some(b)) => a == b,
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

impl Eq for Node<'_> {}

/// Reads the source text of one element (as kept in [`Node::Raw`]) into an [`Element`]:
/// lenient, without limits beyond the tokenizer's depth cap (the text was read once already).
#[must_use]
pub fn parse_raw(raw: &str) -> Option<Element<'_>> {
    let limits = Limits {
        max_input: usize::MAX,
        max_depth: xml::MAX_DEPTH_CAP,
        max_attributes: usize::MAX,
    };
    let config = XmlConfig::lenient().with_limits(limits);
    let mut p = Parser::new(raw, config);
    loop {
        match p.next() {
            Ok(Some(Event::Start(t))) => return p.element(&t, false).ok(),
            Ok(Some(Event::Empty(t))) => return p.element(&t, true).ok(),
            Ok(Some(_)) => {}
            Ok(None) | Err(Stop) => return None,
        }
    }
}

impl<'a> Element<'a> {
    /// An element without attributes or children.
    pub fn new(name: impl Into<Cow<'a, str>>) -> Self {
        Element {
            name: name.into(),
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// A leaf element holding `text`.
    pub fn leaf(name: impl Into<Cow<'a, str>>, text: impl Into<Cow<'a, str>>) -> Self {
        let mut e = Element::new(name);
        e.children.push(Node::Text(text.into()));
        e
    }

    /// First attribute named `name`.
    #[must_use]
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| &*a.value)
    }

    /// Child elements ([`Node::Raw`] children, which only the typed model makes, are not
    /// included: read them with [`Node::element`]).
    pub fn elements(&self) -> impl Iterator<Item = &Element<'a>> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// First child element named `name`.
    #[must_use]
    pub fn child(&self, name: &str) -> Option<&Element<'a>> {
        self.elements().find(|e| e.name == name)
    }

    /// Concatenated text children.
    #[must_use]
    pub fn text(&self) -> Cow<'_, str> {
        let mut texts = self.children.iter().filter_map(|n| match n {
            Node::Text(t) => Some(t),
            _ => None,
        });
        match (texts.next(), texts.next()) {
            (None, _) => Cow::Borrowed(""),
            (Some(t), None) => Cow::Borrowed(&**t),
            (Some(a), Some(b)) => {
                let mut s = String::from(&**a);
                s.push_str(b);
                for t in texts {
                    s.push_str(t);
                }
                Cow::Owned(s)
            }
        }
    }

    /// Text of the first child element named `name`, trimmed.
    #[must_use]
    pub fn child_text(&self, name: &str) -> Option<Cow<'_, str>> {
        self.child(name).map(|c| match c.text() {
            Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
            Cow::Owned(s) => Cow::Owned(String::from(s.trim())),
        })
    }
}

/// Output style of the writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Style {
    /// One indentation level (`"  "`, `"\t"`, or `""` for none).
    pub indent: &'static str,
    /// Line end (`"\n"`, `"\r\n"`, or `""` for everything on one line).
    pub newline: &'static str,
    /// Write `<?xml version="1.0" encoding="UTF-8"?>` first.
    pub declaration: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            indent: "  ",
            newline: "\n",
            declaration: true,
        }
    }
}

impl Style {
    /// Same style with another indentation unit.
    #[must_use]
    pub fn with_indent(mut self, indent: &'static str) -> Self {
        self.indent = indent;
        self
    }
    /// Same style with another line end.
    #[must_use]
    pub fn with_newline(mut self, newline: &'static str) -> Self {
        self.newline = newline;
        self
    }
    /// Same style with or without the XML declaration.
    #[must_use]
    pub fn with_declaration(mut self, on: bool) -> Self {
        self.declaration = on;
        self
    }
}

/// A writer wrapper that knows the style.
pub struct Out<'w, W: fmt::Write> {
    w: &'w mut W,
    style: Style,
    inline: bool,
}

impl<'w, W: fmt::Write> Out<'w, W> {
    /// Wraps `w`.
    pub fn new(w: &'w mut W, style: Style) -> Self {
        Out {
            w,
            style,
            inline: false,
        }
    }

    /// Switches line breaks off (inside mixed content, where whitespace is text); returns
    /// the previous setting.
    pub fn set_inline(&mut self, inline: bool) -> bool {
        core::mem::replace(&mut self.inline, inline)
    }

    /// True while line breaks are off.
    #[must_use]
    pub fn is_inline(&self) -> bool {
        self.inline
    }

    /// Newline plus indentation for `depth` (nothing in inline mode).
    pub fn line(&mut self, depth: usize) -> fmt::Result {
        if self.inline {
            return Ok(());
        }
        self.w.write_str(self.style.newline)?;
        if !self.style.indent.is_empty() {
            for _ in 0..depth {
                self.w.write_str(self.style.indent)?;
            }
        }
        Ok(())
    }

    /// Raw text.
    pub fn raw(&mut self, s: &str) -> fmt::Result {
        self.w.write_str(s)
    }

    /// Escaped character data.
    pub fn text(&mut self, s: &str) -> fmt::Result {
        xml::escape_text(s, self.w)
    }

    /// `<name attrs` (no `>`).
    pub fn open(&mut self, name: &str, attrs: &[Attr<'_>]) -> fmt::Result {
        self.w.write_char('<')?;
        self.w.write_str(name)?;
        for a in attrs {
            self.w.write_char(' ')?;
            self.w.write_str(&a.name)?;
            self.w.write_str("=\"")?;
            xml::escape_attr(&a.value, self.w)?;
            self.w.write_char('"')?;
        }
        Ok(())
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) -> fmt::Result {
        self.w.write_str("</")?;
        self.w.write_str(name)?;
        self.w.write_char('>')
    }

    /// `<name>text</name>` on the current line.
    pub fn leaf(&mut self, name: &str, attrs: &[Attr<'_>], text: &str) -> fmt::Result {
        self.open(name, attrs)?;
        self.w.write_char('>')?;
        self.text(text)?;
        self.close(name)
    }

    /// The XML declaration, if the style wants it.
    pub fn declaration(&mut self) -> fmt::Result {
        if self.style.declaration {
            self.w
                .write_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
            self.w.write_str(self.style.newline)?;
        }
        Ok(())
    }
}

/// Writes a node at `depth` (the caller has positioned the line).
///
/// # Errors
/// Only the writer's.
pub fn write_node<W: fmt::Write>(
    node: &Node<'_>,
    out: &mut Out<'_, W>,
    depth: usize,
) -> fmt::Result {
    match node {
        Node::Element(e) => write_element(e, out, depth),
        Node::Raw(s) => out.raw(s),
        Node::Text(t) => out.text(t),
        Node::Comment(c) => {
            out.raw("<!--")?;
            out.raw(c)?;
            out.raw("-->")
        }
        Node::Pi(t, c) => {
            out.raw("<?")?;
            out.raw(t)?;
            if !c.is_empty() {
                out.raw(" ")?;
                out.raw(c)?;
            }
            out.raw("?>")
        }
    }
}

/// Writes a generic element at `depth`.
///
/// # Errors
/// Only the writer's.
pub fn write_element<W: fmt::Write>(
    e: &Element<'_>,
    out: &mut Out<'_, W>,
    depth: usize,
) -> fmt::Result {
    write_element_named(e, &e.name, out, depth)
}

/// Writes a generic element under another name (its own when `name` is empty).
///
/// # Errors
/// Only the writer's.
pub fn write_element_named<W: fmt::Write>(
    e: &Element<'_>,
    name: &str,
    out: &mut Out<'_, W>,
    depth: usize,
) -> fmt::Result {
    let name = if name.is_empty() { &*e.name } else { name };
    out.open(name, &e.attrs)?;
    // Empty text reads back as no content at all: write both the same way.
    if e.children
        .iter()
        .all(|c| matches!(c, Node::Text(t) if t.is_empty()))
    {
        return out.raw("/>");
    }
    out.raw(">")?;
    // The reader drops whitespace as indentation only beside a child element: with text, or
    // with nothing but comments and PIs, added whitespace would read back as text.
    let inline = e.children.iter().any(|c| matches!(c, Node::Text(_)))
        || !e
            .children
            .iter()
            .any(|c| matches!(c, Node::Element(_) | Node::Raw(_)));
    if inline {
        // Text is significant: no added whitespace, also inside child elements.
        let was = out.set_inline(true);
        for c in &e.children {
            write_node(c, out, depth + 1)?;
        }
        out.set_inline(was);
    } else {
        for c in &e.children {
            out.line(depth + 1)?;
            write_node(c, out, depth + 1)?;
        }
        out.line(depth)?;
    }
    out.close(name)
}

/// Why a document could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError<'a> {
    /// The tokenizer's error (strict violations, limits).
    #[error("{0}")]
    Xml(XmlError<'a>),
    /// No root element (lenient mode reads an empty or text-only input to the end).
    #[error("no root element")]
    NoRoot,
}

impl<'a> From<XmlError<'a>> for ParseError<'a> {
    fn from(e: XmlError<'a>) -> Self {
        ParseError::Xml(e)
    }
}

/// Marker returned by the parser's internal functions: the error itself is kept in the
/// [`Parser`] ([`Parser::take_error`]), so the hot path moves small values only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stop;

/// The event source of the parsers: a [`Reader`] whose repairs are collected.
pub struct Parser<'a> {
    r: Reader<'a>,
    /// Repairs made so far (lenient mode).
    pub repairs: Vec<Repair<'a>>,
    error: Option<XmlError<'a>>,
}

/// A saved parser position.
#[derive(Clone, Copy, Debug)]
pub struct Mark {
    cp: xml::Checkpoint,
    repairs: usize,
}

impl<'a> Parser<'a> {
    /// A parser over `src`.
    #[must_use]
    pub fn new(src: &'a str, config: XmlConfig) -> Self {
        Parser {
            r: Reader::new(src, config),
            repairs: Vec::new(),
            error: None,
        }
    }

    /// Next non-repair event.
    ///
    /// # Errors
    /// [`Stop`] when the tokenizer failed; the error is in [`take_error`](Self::take_error).
    #[inline(always)]
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Event<'a>>, Stop> {
        loop {
            match self.r.next_outlined() {
                Ok(Some(Event::Repair(rep))) => self.repairs.push(rep),
                Ok(other) => return Ok(other),
                Err(f) => return Err(self.fail(f)),
            }
        }
    }

    /// [`next`](Self::next) for callers that ignore whitespace-only text between
    /// elements: such text right before a tag is not reported.
    ///
    /// # Errors
    /// As `next`.
    #[inline]
    pub fn next_skip_ws(&mut self) -> Result<Option<Event<'a>>, Stop> {
        self.r.skip_whitespace_before_tag();
        self.next()
    }

    #[cold]
    #[inline(never)]
    fn fail(&mut self, f: xml::Fail) -> Stop {
        self.error = Some(self.r.error(f));
        Stop
    }

    /// The error behind a [`Stop`].
    #[must_use]
    pub fn take_error(&mut self) -> ParseError<'a> {
        self.error
            .take()
            .map_or(ParseError::NoRoot, ParseError::Xml)
    }

    /// A position to come back to (right after a `Start`), if one can be taken.
    #[must_use]
    pub fn mark(&self) -> Option<Mark> {
        self.r.can_checkpoint().then(|| Mark {
            cp: self.r.checkpoint(),
            repairs: self.repairs.len(),
        })
    }

    /// Right after a `Start` (no attributes checked here): the element's text when it is
    /// character data only, closed by its own end tag; the element is then read. `None`
    /// (nothing read) otherwise.
    #[inline]
    pub(crate) fn leaf_text(&mut self) -> Option<xml::Text<'a>> {
        self.r.leaf_text()
    }

    /// Back to a mark.
    pub fn reset(&mut self, m: Mark) {
        self.r.restore(m.cp);
        self.repairs.truncate(m.repairs);
    }

    /// Reads the rest of an element whose start tag was `tag` as a [`Node::Raw`] slice of
    /// the source when it needed no repair (the usual case: no tree is built), else as a
    /// [`Node::Element`].
    ///
    /// # Errors
    /// [`Stop`] (see [`take_error`](Self::take_error)).
    pub fn element_node(&mut self, tag: &StartTag<'a>, empty: bool) -> Result<Node<'a>, Stop> {
        let src = self.r.source();
        let lt = (tag.name().as_ptr() as usize)
            .wrapping_sub(src.as_ptr() as usize)
            .wrapping_sub(1);
        // Repairs of the start tag were collected just before it; those of the content
        // after it. Only an undeclared prefix leaves the text as it reads.
        let harmless = |r: &Repair<'_>| matches!(r.kind, RepairKind::UndeclaredPrefix { .. });
        let tag_clean = self
            .repairs
            .iter()
            .rev()
            .take_while(|r| r.offset >= lt)
            .all(harmless)
            && src.as_bytes().get(lt) == Some(&b'<');
        if !empty && tag_clean {
            // A text-only element: read in one step.
            if self.r.leaf_text().is_some() {
                if let Some(raw) = src.get(lt..self.r.offset()) {
                    return Ok(Node::Raw(raw));
                }
            }
        }
        if let Some(m) = self.mark() {
            if !empty {
                // Read to the end of this element (the depth before its start tag).
                let target = self.r.depth().saturating_sub(1);
                loop {
                    match self.r.skip_to_depth(target) {
                        Ok(Some(rep)) => self.repairs.push(rep),
                        Ok(None) => break,
                        Err(f) => return Err(self.fail(f)),
                    }
                }
            }
            let clean = tag_clean
                && self
                    .repairs
                    .get(m.repairs..)
                    .unwrap_or(&[])
                    .iter()
                    .all(harmless);
            if clean && self.r.can_checkpoint() {
                if let Some(raw) = src.get(lt..self.r.offset()) {
                    return Ok(Node::Raw(raw));
                }
            }
            self.reset(m);
        }
        Ok(Node::Element(self.element(tag, empty)?))
    }

    /// Decoded attributes of a tag (empty vector without allocation when there are none).
    #[must_use]
    pub fn attrs(tag: &StartTag<'a>) -> Vec<Attr<'a>> {
        if !tag.has_attributes() {
            return Vec::new();
        }
        tag.attributes()
            .map(|a| Attr {
                name: Cow::Borrowed(a.name),
                value: a.value(),
            })
            .collect()
    }

    /// [`attrs`](Self::attrs) of a tag this parser just returned (its attributes are not
    /// scanned again).
    #[must_use]
    pub fn tag_attrs(&self, tag: &StartTag<'a>) -> Vec<Attr<'a>> {
        if !tag.has_attributes() {
            return Vec::new();
        }
        match self.r.kept_attributes(tag) {
            Some(attrs) => attrs
                .map(|a| Attr {
                    name: Cow::Borrowed(a.name),
                    value: a.value(),
                })
                .collect(),
            None => Self::attrs(tag),
        }
    }

    /// Reads the rest of a generic element whose start tag was `tag`.
    ///
    /// # Errors
    /// [`Stop`] (see [`take_error`](Self::take_error)).
    pub fn element(&mut self, tag: &StartTag<'a>, empty: bool) -> Result<Element<'a>, Stop> {
        let mut e = Element {
            name: Cow::Borrowed(tag.name()),
            attrs: self.tag_attrs(tag),
            children: Vec::new(),
        };
        if empty {
            return Ok(e);
        }
        let mut has_element = false;
        // Leading whitespace-only text, held back: it is dropped if a child element follows
        // (indentation), kept otherwise.
        let mut lead_ws: Option<&'a str> = None;
        while let Some(ev) = self.next()? {
            if let Some(ws) = lead_ws.take() {
                if !matches!(ev, Event::Start(_) | Event::Empty(_)) {
                    push_text(&mut e.children, Cow::Borrowed(ws));
                }
            }
            match ev {
                Event::Start(t) | Event::Empty(t) => {
                    if !has_element {
                        // From now on whitespace-only text is indentation: drop what was kept.
                        has_element = true;
                        if !e.children.is_empty() {
                            e.children
                                .retain(|n| !matches!(n, Node::Text(t) if is_ws(t)));
                        }
                    }
                    let c = self.element(&t, matches!(ev, Event::Empty(_)))?;
                    e.children.push(Node::Element(c));
                }
                Event::End(_) => break,
                Event::Text(t) => {
                    if t.is_whitespace() {
                        if has_element {
                            // indentation
                        } else if e.children.is_empty() {
                            lead_ws = Some(t.raw());
                        } else {
                            push_text(&mut e.children, Cow::Borrowed(t.raw()));
                        }
                    } else {
                        push_text(&mut e.children, t.unescape());
                    }
                }
                Event::CData(c) => push_text(&mut e.children, Cow::Borrowed(c)),
                Event::Comment(c) => e.children.push(Node::Comment(Cow::Borrowed(c))),
                Event::Pi(t, c) => e
                    .children
                    .push(Node::Pi(Cow::Borrowed(t), Cow::Borrowed(c))),
                Event::Declaration(_) | Event::Repair(_) => {}
            }
        }
        if let Some(ws) = lead_ws {
            push_text(&mut e.children, Cow::Borrowed(ws));
        }
        if has_element {
            e.children
                .retain(|n| !matches!(n, Node::Text(t) if is_ws(t)));
        }
        Ok(e)
    }

    /// The reader.
    #[must_use]
    pub fn reader(&self) -> &Reader<'a> {
        &self.r
    }
}

/// True for whitespace-only text.
#[must_use]
pub fn is_ws(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

fn push_text<'a>(children: &mut Vec<Node<'a>>, t: Cow<'a, str>) {
    if t.is_empty() {
        // Nothing to keep (an empty CDATA section): it would be written as nothing at all.
        return;
    }
    if let Some(Node::Text(prev)) = children.last_mut() {
        prev.to_mut().push_str(&t);
    } else {
        children.push(Node::Text(t));
    }
}

/// A whole document as a generic tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree<'a> {
    /// Comments and PIs before the root.
    pub prolog: Vec<Node<'a>>,
    /// The root element.
    pub root: Element<'a>,
    /// Comments, PIs and (lenient) further roots after the root.
    pub epilog: Vec<Node<'a>>,
    /// Repairs made (lenient mode).
    pub repairs: Vec<Repair<'a>>,
}

impl<'a> Tree<'a> {
    /// Parses any XML document into a generic tree.
    ///
    /// # Errors
    /// The tokenizer's, or [`ParseError::NoRoot`].
    pub fn parse(src: &'a str, config: XmlConfig) -> Result<Self, ParseError<'a>> {
        let mut p = Parser::new(src, config);
        match Self::parse_inner(&mut p) {
            Ok(t) => Ok(t),
            Err(Stop) => Err(p.take_error()),
        }
    }

    fn parse_inner(p: &mut Parser<'a>) -> Result<Self, Stop> {
        let mut prolog = Vec::new();
        let mut root = None;
        let mut epilog = Vec::new();
        while let Some(ev) = p.next()? {
            let node = match ev {
                Event::Start(t) => Node::Element(p.element(&t, false)?),
                Event::Empty(t) => Node::Element(p.element(&t, true)?),
                Event::Comment(c) => Node::Comment(Cow::Borrowed(c)),
                Event::Pi(t, c) => Node::Pi(Cow::Borrowed(t), Cow::Borrowed(c)),
                _ => continue,
            };
            match (node, root.is_some()) {
                (Node::Element(e), false) => root = Some(e),
                (n, false) => prolog.push(n),
                (n, true) => epilog.push(n),
            }
        }
        let root = root.ok_or(Stop)?;
        Ok(Tree {
            prolog,
            root,
            epilog,
            repairs: core::mem::take(&mut p.repairs),
        })
    }

    /// The XML infoset in a comparable normal form: element names, attributes (in order),
    /// text with CRLF normalised and whitespace-only text between elements removed, comments
    /// and PIs.
    #[must_use]
    pub fn infoset(&self) -> Vec<String> {
        let mut out = Vec::new();
        for n in &self.prolog {
            infoset_node(n, &mut out);
        }
        infoset_node(&Node::Element(self.root.clone()), &mut out);
        for n in &self.epilog {
            infoset_node(n, &mut out);
        }
        out
    }
}

fn infoset_node(n: &Node<'_>, out: &mut Vec<String>) {
    use alloc::format;
    match n {
        Node::Element(e) => {
            let mut s = format!("<{}", e.name);
            for a in &e.attrs {
                s.push_str(&format!(" {}={:?}", a.name, a.value));
            }
            out.push(s);
            // Whitespace-only text is ignorable (indentation), wherever it occurs; text
            // beside child elements is compared trimmed.
            let has_el = e
                .children
                .iter()
                .any(|c| matches!(c, Node::Element(_) | Node::Raw(_)));
            for c in &e.children {
                match c {
                    Node::Text(t) if is_ws(t) => continue,
                    Node::Text(t) if has_el => {
                        out.push(format!("T{:?}", t.trim().replace("\r\n", "\n")))
                    }
                    _ => infoset_node(c, out),
                }
            }
            out.push(format!("</{}", e.name));
        }
        Node::Raw(_) => {
            if let Some(e) = n.element() {
                infoset_node(&Node::Element(e.into_owned()), out);
            }
        }
        Node::Text(t) => out.push(format!("T{:?}", t.replace("\r\n", "\n"))),
        Node::Comment(c) => out.push(format!("!{c:?}")),
        Node::Pi(t, c) => out.push(format!("?{t} {:?}", c.trim())),
    }
}
