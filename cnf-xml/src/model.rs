//! The typed model of `SEP<MAC>.cnf.xml` and `XMLDefault.cnf.xml` (`cnf-xml.md` §4, §5).
//!
//! Each container keeps its modelled children in typed fields, every other child (and
//! comments) in `extras`, and the document order of both in a private layout (written down only
//! where it differs from the canonical order), so a parsed
//! file is written back with the same infoset. A model built in code (layout empty) is written
//! in the canonical field order of each struct, followed by its extras: the output is
//! deterministic.
//!
//! Text values keep the document's text exactly (`Cow` borrowing the input when no entity had
//! to be decoded); typed accessors (`protocol()`, `ports().sccp()`, ...) trim and convert.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::tree::{Attr, Element, Node, Out, ParseError, Parser, Stop, Style};
use crate::xml::{Config as XmlConfig, Event, Repair, StartTag};

/// Position of one child in document order: field id (or [`EXTRA`]) and index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub struct Slot(u8, u16);

const EXTRA: u8 = u8::MAX;

/// A node of the typed model: parsed from a start tag, written under a name.
pub trait Item<'a>: Sized {
    /// Reads the element whose start tag was just returned; `Ok(None)` when its shape is not
    /// the modelled one (then nothing was read, and the caller keeps it as a generic element).
    ///
    /// # Errors
    /// The tokenizer's.
    fn parse(p: &mut Parser<'a>, tag: &StartTag<'a>, empty: bool) -> Result<Option<Self>, Stop>;

    /// True for leaf values, whose shape check may read ahead and rewind; containers never
    /// decline.
    const NEEDS_MARK: bool;

    /// [`parse`](Self::parse) into `slot` (containers are built in place); `false` when the
    /// shape is not the modelled one (nothing read, `slot` unchanged).
    ///
    /// # Errors
    /// The tokenizer's.
    #[inline]
    fn parse_into(
        p: &mut Parser<'a>,
        tag: &StartTag<'a>,
        empty: bool,
        slot: &mut Option<Self>,
    ) -> Result<bool, Stop> {
        Ok(match Self::parse(p, tag, empty)? {
            Some(v) => {
                *slot = Some(v);
                true
            }
            None => false,
        })
    }

    /// [`parse`](Self::parse) appended to `list` (containers are built in place); `false`
    /// when the shape is not the modelled one (nothing read, `list` unchanged).
    ///
    /// # Errors
    /// The tokenizer's.
    #[inline]
    fn parse_push(
        p: &mut Parser<'a>,
        tag: &StartTag<'a>,
        empty: bool,
        list: &mut Vec<Self>,
    ) -> Result<bool, Stop> {
        Ok(match Self::parse(p, tag, empty)? {
            Some(v) => {
                list.push(v);
                true
            }
            None => false,
        })
    }

    /// Writes the element named `name` at `depth` (the line is positioned).
    ///
    /// # Errors
    /// Only the writer's.
    fn write<W: fmt::Write>(&self, name: &str, out: &mut Out<'_, W>, depth: usize) -> fmt::Result;
}

/// A text-only leaf element value, kept exactly as in the document.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Value<'a>(pub Cow<'a, str>);

impl<'a> Value<'a> {
    /// The trimmed text.
    #[must_use]
    pub fn trimmed(&self) -> &str {
        self.0.trim()
    }
    /// The text as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The trimmed text parsed as a number.
    #[must_use]
    pub fn number<T: core::str::FromStr>(&self) -> Option<T> {
        self.trimmed().parse().ok()
    }
    /// `true`/`false`/`1`/`0` (case-insensitive), trimmed.
    #[must_use]
    pub fn boolean(&self) -> Option<bool> {
        let t = self.trimmed();
        if t.eq_ignore_ascii_case("true") || t == "1" {
            Some(true)
        } else if t.eq_ignore_ascii_case("false") || t == "0" {
            Some(false)
        } else {
            None
        }
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value(Cow::Borrowed(s))
    }
}

impl From<String> for Value<'_> {
    fn from(s: String) -> Self {
        Value(Cow::Owned(s))
    }
}

/// Reads text content up to the end tag; `None` if anything but text/CDATA occurs.
fn read_text<'a>(p: &mut Parser<'a>) -> Result<Option<Cow<'a, str>>, Stop> {
    let mut acc: Option<Cow<'a, str>> = None;
    loop {
        let piece: Cow<'a, str> = match p.next()? {
            Some(Event::Text(t)) => t.unescape(),
            Some(Event::CData(c)) => Cow::Borrowed(c),
            Some(Event::End(_)) => return Ok(Some(acc.unwrap_or(Cow::Borrowed("")))),
            _ => return Ok(None),
        };
        acc = Some(match acc {
            None => piece,
            Some(mut a) => {
                a.to_mut().push_str(&piece);
                a
            }
        });
    }
}

/// [`read_text`] from a mark: when the content is not text only, back to the start.
fn read_text_or_rewind<'a>(p: &mut Parser<'a>) -> Result<Option<Cow<'a, str>>, Stop> {
    let Some(m) = p.mark() else {
        return Ok(None);
    };
    let t = read_text(p)?;
    if t.is_none() {
        p.reset(m);
    }
    Ok(t)
}

impl<'a> Item<'a> for Value<'a> {
    const NEEDS_MARK: bool = true;
    fn parse(p: &mut Parser<'a>, tag: &StartTag<'a>, empty: bool) -> Result<Option<Self>, Stop> {
        if tag.has_attributes() {
            return Ok(None);
        }
        if empty {
            return Ok(Some(Value(Cow::Borrowed(""))));
        }
        if let Some(t) = p.leaf_text() {
            return Ok(Some(Value(t.unescape())));
        }
        Ok(read_text_or_rewind(p)?.map(Value))
    }
    fn write<W: fmt::Write>(&self, name: &str, out: &mut Out<'_, W>, _depth: usize) -> fmt::Result {
        out.leaf(name, &[], &self.0)
    }
}

/// A generic element kept whole (e.g. `vendorConfig`, whose children are model-specific).
///
/// A parsed one is kept as its source text ([`Node::Raw`]) and read into an [`Element`] on
/// demand; [`element_mut`](Self::element_mut) and [`set`](Self::set) turn it into a tree.
/// Equality is by content, whichever form each side is in.
#[derive(Clone, Debug, Default)]
pub struct Generic<'a> {
    /// The source text while kept as read (then `tree` is unused).
    raw: Option<&'a str>,
    tree: Element<'a>,
}

impl PartialEq for Generic<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self.raw, other.raw) {
            (Some(a), Some(b)) if a == b => true,
            (None, None) => self.tree == other.tree,
            _ => self.element() == other.element(),
        }
    }
}

impl Eq for Generic<'_> {}

impl<'a> From<Element<'a>> for Generic<'a> {
    fn from(tree: Element<'a>) -> Self {
        Generic { raw: None, tree }
    }
}

impl<'a> Generic<'a> {
    /// An empty element named `name`.
    pub fn new(name: impl Into<Cow<'a, str>>) -> Self {
        Element::new(name).into()
    }

    /// The element (read from the source text on each call while it is kept raw).
    #[must_use]
    pub fn element(&self) -> Cow<'_, Element<'a>> {
        match self.raw {
            Some(s) => Cow::Owned(crate::tree::parse_raw(s).unwrap_or_default()),
            None => Cow::Borrowed(&self.tree),
        }
    }

    /// The element as a tree, for changes (a raw element is read once and kept as a tree).
    pub fn element_mut(&mut self) -> &mut Element<'a> {
        if let Some(s) = self.raw.take() {
            self.tree = crate::tree::parse_raw(s).unwrap_or_default();
        }
        &mut self.tree
    }

    /// The source text while the element is kept as read.
    #[must_use]
    pub fn raw(&self) -> Option<&'a str> {
        self.raw
    }

    /// Trimmed text of the first child named `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        match self.raw {
            None => self.tree.child_text(name),
            Some(_) => {
                let e = self.element().into_owned();
                let c = e.children.into_iter().find_map(|n| match n {
                    Node::Element(c) if c.name == name => Some(c),
                    _ => None,
                })?;
                let mut texts = c.children.into_iter().filter_map(|n| match n {
                    Node::Text(t) => Some(t),
                    _ => None,
                });
                let first = texts.next().unwrap_or(Cow::Borrowed(""));
                let text = match texts.next() {
                    None => first,
                    Some(second) => {
                        let mut s = String::from(first);
                        s.push_str(&second);
                        texts.for_each(|t| s.push_str(&t));
                        Cow::Owned(s)
                    }
                };
                Some(match text {
                    Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
                    Cow::Owned(o) => Cow::Owned(String::from(o.trim())),
                })
            }
        }
    }

    /// Sets (replacing the first) or appends a leaf child `name` with `value`.
    pub fn set(&mut self, name: &'a str, value: impl Into<Cow<'a, str>>) {
        let value = value.into();
        let this = self.element_mut();
        for n in &mut this.children {
            if let Node::Element(e) = n {
                if e.name == name {
                    e.children.clear();
                    e.children.push(Node::Text(value));
                    return;
                }
            }
        }
        this.children
            .push(Node::Element(Element::leaf(name, value)));
    }
}

impl<'a> Item<'a> for Generic<'a> {
    const NEEDS_MARK: bool = false;
    fn parse(p: &mut Parser<'a>, tag: &StartTag<'a>, empty: bool) -> Result<Option<Self>, Stop> {
        Ok(Some(match p.element_node(tag, empty)? {
            Node::Raw(s) => Generic {
                raw: Some(s),
                tree: Element::default(),
            },
            Node::Element(e) => e.into(),
            _ => Generic::default(),
        }))
    }
    fn write<W: fmt::Write>(&self, name: &str, out: &mut Out<'_, W>, depth: usize) -> fmt::Result {
        match self.raw {
            Some(s) if raw_is_named(s, name) => out.raw(s),
            Some(_) => crate::tree::write_element_named(&self.element(), name, out, depth),
            None => crate::tree::write_element_named(&self.tree, name, out, depth),
        }
    }
}

/// True when the element source `raw` starts with the tag `<name`.
fn raw_is_named(raw: &str, name: &str) -> bool {
    raw.strip_prefix('<')
        .and_then(|r| r.strip_prefix(name))
        .and_then(|r| r.bytes().next())
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'))
        || name.is_empty()
}

/// `loadInformation` / `loadInformationN model="..."` (`cnf-xml.md` §5, §6).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct LoadInformation<'a> {
    /// The numeric device type `N` of `loadInformationN` (XMLDefault), `None` for plain.
    pub device_type: Option<u32>,
    /// The `model` attribute (a free label).
    pub model: Option<Cow<'a, str>>,
    /// The load name as written (may be empty: no load change).
    pub load: Cow<'a, str>,
}

impl<'a> LoadInformation<'a> {
    /// The load name without surrounding whitespace (and `.loads`), see [`crate::load::normalize`].
    #[must_use]
    pub fn name(&self) -> &str {
        crate::load::normalize(&self.load)
    }
}

/// Is `name` a load information element; `Some(None)` for the plain one.
fn load_info_type(name: &str) -> Option<Option<u32>> {
    let rest = name.strip_prefix("loadInformation")?;
    if rest.is_empty() {
        return Some(None);
    }
    if rest.len() <= 9 && rest.bytes().all(|b| b.is_ascii_digit()) && !rest.starts_with('0') {
        return rest.parse().ok().map(Some);
    }
    None
}

impl<'a> Item<'a> for LoadInformation<'a> {
    const NEEDS_MARK: bool = true;
    fn parse(p: &mut Parser<'a>, tag: &StartTag<'a>, empty: bool) -> Result<Option<Self>, Stop> {
        let Some(device_type) = load_info_type(tag.name()) else {
            return Ok(None);
        };
        let mut model = None;
        for a in tag.attributes() {
            if a.name == "model" && model.is_none() {
                model = Some(a.value());
            } else {
                return Ok(None);
            }
        }
        let load = if empty {
            Cow::Borrowed("")
        } else if let Some(t) = p.leaf_text() {
            t.unescape()
        } else {
            match read_text_or_rewind(p)? {
                Some(t) => t,
                None => return Ok(None),
            }
        };
        Ok(Some(LoadInformation {
            device_type,
            model,
            load,
        }))
    }
    fn write<W: fmt::Write>(
        &self,
        _name: &str,
        out: &mut Out<'_, W>,
        _depth: usize,
    ) -> fmt::Result {
        let mut name = String::from("loadInformation");
        if let Some(n) = self.device_type {
            use core::fmt::Write as _;
            let _ = write!(name, "{n}");
        }
        match &self.model {
            Some(m) => out.leaf(&name, &[Attr::new("model", m.clone())], &self.load),
            None => out.leaf(&name, &[], &self.load),
        }
    }
}

macro_rules! container {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $kind:ident $ty:ty = $xml:literal ),* $(,)?
        }
        $( classify_extra: $extra:expr )?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Default)]
        #[non_exhaustive]
        pub struct $name<'a> {
            /// Attributes in document order.
            pub attrs: Vec<Attr<'a>>,
            $( $(#[$fmeta])* pub $field: container!(@ty $kind $ty), )*
            /// Children the model does not know, comments and duplicates, in document order.
            pub extras: Vec<Node<'a>>,
            layout: Vec<Slot>,
        }

        impl<'a> $name<'a> {
            const NAMES: &'static [&'static str] = &[$($xml),*];

            #[allow(unused_assignments, unused_mut, unused_variables)]
            #[inline(always)]
            fn classify(name: &str) -> Option<u8> {
                let mut i = 0u8;
                $(
                    if name == $xml { return Some(i); }
                    i += 1;
                )*
                let extra: Option<fn(&str) -> Option<u8>> = None $( .or(Some($extra)) )?;
                extra.and_then(|f| f(name))
            }

            #[allow(unused_assignments, unused_mut, unused_variables)]
            #[inline(always)]
            fn parse_field(&mut self, id: u8, p: &mut Parser<'a>, tag: &StartTag<'a>, empty: bool)
                -> Result<Option<u16>, Stop>
            {
                let mut i = 0u8;
                $(
                    if id == i {
                        return container!(@parse $kind self, $field, $ty, i, p, tag, empty);
                    }
                    i += 1;
                )*
                Ok(None)
            }

            #[allow(unused_assignments, unused_mut, unused_variables)]
            fn field_len(&self, id: u8) -> usize {
                let mut i = 0u8;
                $(
                    if id == i {
                        return container!(@len $kind self.$field);
                    }
                    i += 1;
                )*
                0
            }

            #[allow(unused_assignments, unused_mut, unused_variables)]
            fn write_field<W: fmt::Write>(&self, id: u8, idx: usize, out: &mut Out<'_, W>, depth: usize) -> fmt::Result {
                let mut i = 0u8;
                $(
                    if id == i {
                        return container!(@write $kind self.$field, $xml, idx, out, depth);
                    }
                    i += 1;
                )*
                Ok(())
            }

            fn field_count() -> u8 {
                u8::try_from(Self::NAMES.len()).unwrap_or(0)
            }
        }

        impl<'a> Container<'a> for $name<'a> {
            fn attrs_mut(&mut self) -> &mut Vec<Attr<'a>> { &mut self.attrs }
            fn attrs(&self) -> &[Attr<'a>] { &self.attrs }
            fn extras_mut(&mut self) -> &mut Vec<Node<'a>> { &mut self.extras }
            fn extras(&self) -> &[Node<'a>] { &self.extras }
            fn layout_mut(&mut self) -> &mut Vec<Slot> { &mut self.layout }
            fn layout(&self) -> &[Slot] { &self.layout }
            #[inline(always)]
            fn classify_name(name: &str) -> Option<u8> { Self::classify(name) }
            #[inline(always)]
            fn parse_field_id(&mut self, id: u8, p: &mut Parser<'a>, tag: &StartTag<'a>, empty: bool) -> Result<Option<u16>, Stop> {
                self.parse_field(id, p, tag, empty)
            }
            fn field_len_id(&self, id: u8) -> usize { self.field_len(id) }
            fn nfields() -> u8 { Self::field_count() }
            fn write_field_id<W: fmt::Write>(&self, id: u8, idx: usize, out: &mut Out<'_, W>, depth: usize) -> fmt::Result {
                self.write_field(id, idx, out, depth)
            }
        }

        impl<'a> Item<'a> for $name<'a> {
            const NEEDS_MARK: bool = false;
            fn parse(p: &mut Parser<'a>, tag: &StartTag<'a>, empty: bool) -> Result<Option<Self>, Stop> {
                let mut c = Self::default();
                parse_container(&mut c, p, tag, empty)?;
                Ok(Some(c))
            }
            fn parse_into(p: &mut Parser<'a>, tag: &StartTag<'a>, empty: bool, slot: &mut Option<Self>) -> Result<bool, Stop> {
                let c = slot.insert(Self::default());
                parse_container(c, p, tag, empty)?;
                Ok(true)
            }
            fn parse_push(p: &mut Parser<'a>, tag: &StartTag<'a>, empty: bool, list: &mut Vec<Self>) -> Result<bool, Stop> {
                list.push(Self::default());
                if let Some(c) = list.last_mut() {
                    parse_container(c, p, tag, empty)?;
                }
                Ok(true)
            }
            fn write<W: fmt::Write>(&self, name: &str, out: &mut Out<'_, W>, depth: usize) -> fmt::Result {
                write_container(self, name, out, depth)
            }
        }
    };
    (@ty one $ty:ty) => { Option<$ty> };
    (@ty many $ty:ty) => { Vec<$ty> };
    (@parse one $s:ident, $field:ident, $ty:ty, $i:ident, $p:ident, $tag:ident, $empty:ident) => {{
        if $s.$field.is_some() {
            Ok(None)
        } else if <$ty as Item<'a>>::parse_into($p, $tag, $empty, &mut $s.$field)? {
            Ok(Some(0))
        } else {
            Ok(None)
        }
    }};
    (@parse many $s:ident, $field:ident, $ty:ty, $i:ident, $p:ident, $tag:ident, $empty:ident) => {{
        let idx = u16::try_from($s.$field.len()).unwrap_or(u16::MAX);
        if <$ty as Item<'a>>::parse_push($p, $tag, $empty, &mut $s.$field)? {
            Ok(Some(idx))
        } else {
            Ok(None)
        }
    }};
    (@len one $f:expr) => { usize::from($f.is_some()) };
    (@len many $f:expr) => { $f.len() };
    (@write one $f:expr, $xml:literal, $idx:ident, $out:ident, $depth:ident) => {
        match (&$f, $idx) {
            (Some(v), 0) => { $out.line($depth)?; v.write($xml, $out, $depth) }
            _ => Ok(()),
        }
    };
    (@write many $f:expr, $xml:literal, $idx:ident, $out:ident, $depth:ident) => {
        match $f.get($idx) {
            Some(v) => { $out.line($depth)?; v.write($xml, $out, $depth) }
            None => Ok(()),
        }
    };
}

/// What the generic container parser and writer need (implemented by the model structs).
#[doc(hidden)]
#[allow(private_interfaces, missing_docs)]
pub trait Container<'a>: Default {
    fn attrs_mut(&mut self) -> &mut Vec<Attr<'a>>;
    fn attrs(&self) -> &[Attr<'a>];
    fn extras_mut(&mut self) -> &mut Vec<Node<'a>>;
    fn extras(&self) -> &[Node<'a>];
    fn layout_mut(&mut self) -> &mut Vec<Slot>;
    fn layout(&self) -> &[Slot];
    fn classify_name(name: &str) -> Option<u8>;
    fn parse_field_id(
        &mut self,
        id: u8,
        p: &mut Parser<'a>,
        tag: &StartTag<'a>,
        empty: bool,
    ) -> Result<Option<u16>, Stop>;
    fn field_len_id(&self, id: u8) -> usize;
    fn nfields() -> u8;
    fn write_field_id<W: fmt::Write>(
        &self,
        id: u8,
        idx: usize,
        out: &mut Out<'_, W>,
        depth: usize,
    ) -> fmt::Result;
}

/// The document order of a container is written down only once it differs from the order
/// the writer uses without a layout (fields in canonical order, then extras): most elements
/// of real files need no layout at all.
#[derive(Default)]
struct Order {
    /// Field id of the last field read while the order is canonical.
    last: u8,
}

fn push_extra<'a, C: Container<'a>>(c: &mut C, node: Node<'a>) {
    let idx = u16::try_from(c.extras().len()).unwrap_or(u16::MAX);
    c.extras_mut().push(node);
    // Extras after the fields keep the canonical order; once a layout exists, record.
    if !c.layout().is_empty() {
        c.layout_mut().push(Slot(EXTRA, idx));
    }
}

/// Records field `id`, element `idx`, just read.
#[inline(always)]
fn note_field<'a, C: Container<'a>>(c: &mut C, id: u8, idx: u16, ord: &mut Order) {
    if c.layout().is_empty() {
        if c.extras().is_empty() && id >= ord.last {
            ord.last = id;
            return;
        }
        start_layout(c, id, idx);
    }
    c.layout_mut().push(Slot(id, idx));
}

/// Leaving the canonical order: writes down what was read so far (which was in it) except
/// field `id`, element `idx`, just read.
#[inline(never)]
fn start_layout<'a, C: Container<'a>>(c: &mut C, id: u8, idx: u16) {
    let mut layout = Vec::with_capacity(usize::from(C::nfields()).min(24) + c.extras().len() + 2);
    for fid in 0..C::nfields() {
        for k in 0..c.field_len_id(fid) {
            let k = u16::try_from(k).unwrap_or(u16::MAX);
            if (fid, k) != (id, idx) {
                layout.push(Slot(fid, k));
            }
        }
    }
    for e in 0..c.extras().len() {
        layout.push(Slot(EXTRA, u16::try_from(e).unwrap_or(u16::MAX)));
    }
    *c.layout_mut() = layout;
}

/// Text beside child elements; merged with a text just before it (the writer could not
/// keep them apart).
fn push_text_extra<'a, C: Container<'a>>(c: &mut C, v: Cow<'a, str>) {
    if v.is_empty() {
        return;
    }
    // The last thing read, if it was an extra (without a layout, extras come last).
    let last_extra = match c.layout().last() {
        Some(&Slot(EXTRA, i)) => Some(usize::from(i)),
        Some(_) => None,
        None => c.extras().len().checked_sub(1),
    };
    if let Some(i) = last_extra {
        if let Some(Node::Text(prev)) = c.extras_mut().get_mut(i) {
            prev.to_mut().push_str(&v);
            return;
        }
    }
    push_extra(c, Node::Text(v));
}

#[inline(always)]
fn child<'a, C: Container<'a>>(
    c: &mut C,
    p: &mut Parser<'a>,
    t: &StartTag<'a>,
    empty: bool,
    ord: &mut Order,
) -> Result<(), Stop> {
    if let Some(id) = C::classify_name(t.name()) {
        // A field parser that declines has read nothing.
        if let Some(idx) = c.parse_field_id(id, p, t, empty)? {
            note_field(c, id, idx, ord);
            return Ok(());
        }
    }
    let n = p.element_node(t, empty)?;
    push_extra(c, n);
    Ok(())
}

/// Reads the content of a container into `c` (a default one).
fn parse_container<'a, C: Container<'a>>(
    c: &mut C,
    p: &mut Parser<'a>,
    tag: &StartTag<'a>,
    empty: bool,
) -> Result<(), Stop> {
    *c.attrs_mut() = p.tag_attrs(tag);
    if empty {
        return Ok(());
    }
    let mut ord = Order::default();
    loop {
        let Some(ev) = p.next_skip_ws()? else {
            return Ok(());
        };
        match ev {
            Event::Start(t) => child(c, p, &t, false, &mut ord)?,
            Event::Empty(t) => child(c, p, &t, true, &mut ord)?,
            Event::End(_) => return Ok(()),
            Event::Text(t) => {
                if !t.is_whitespace() {
                    // Text beside child elements is kept trimmed: the writer indents it.
                    let v = match t.unescape() {
                        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
                        Cow::Owned(o) => Cow::Owned(String::from(o.trim())),
                    };
                    push_text_extra(c, v);
                }
            }
            Event::CData(s) => push_text_extra(c, Cow::Borrowed(s.trim())),
            Event::Comment(s) => push_extra(c, Node::Comment(Cow::Borrowed(s))),
            Event::Pi(a, b) => push_extra(c, Node::Pi(Cow::Borrowed(a), Cow::Borrowed(b))),
            Event::Declaration(_) | Event::Repair(_) => {}
        }
    }
}

fn write_container<'a, C: Container<'a>, W: fmt::Write>(
    c: &C,
    name: &str,
    out: &mut Out<'_, W>,
    depth: usize,
) -> fmt::Result {
    out.open(name, c.attrs())?;
    let n = usize::from(C::nfields());
    let mut seen = [0u16; 64];
    let mut extras_seen = 0usize;
    let mut wrote = false;
    // Document order first.
    for &Slot(id, idx) in c.layout() {
        if !wrote {
            out.raw(">")?;
            wrote = true;
        }
        if id == EXTRA {
            if let Some(node) = c.extras().get(usize::from(idx)) {
                out.line(depth + 1)?;
                crate::tree::write_node(node, out, depth + 1)?;
            }
            extras_seen = extras_seen.max(usize::from(idx) + 1);
        } else {
            c.write_field_id(id, usize::from(idx), out, depth + 1)?;
            if let Some(s) = seen.get_mut(usize::from(id)) {
                *s = (*s).max(idx.saturating_add(1));
            }
        }
    }
    // Then what was added in code, in canonical order.
    for id in 0..n {
        let id8 = u8::try_from(id).unwrap_or(0);
        let from = usize::from(seen.get(id).copied().unwrap_or(0));
        for idx in from..c.field_len_id(id8) {
            if !wrote {
                out.raw(">")?;
                wrote = true;
            }
            c.write_field_id(id8, idx, out, depth + 1)?;
        }
    }
    for node in c.extras().iter().skip(extras_seen) {
        if !wrote {
            out.raw(">")?;
            wrote = true;
        }
        out.line(depth + 1)?;
        crate::tree::write_node(node, out, depth + 1)?;
    }
    if !wrote {
        return out.raw("/>");
    }
    out.line(depth)?;
    out.close(name)
}

fn attr<'s>(attrs: &'s [Attr<'_>], name: &str) -> Option<&'s str> {
    attrs.iter().find(|a| a.name == name).map(|a| &*a.value)
}

fn set_attr<'a>(attrs: &mut Vec<Attr<'a>>, name: &'a str, value: impl Into<Cow<'a, str>>) {
    let value = value.into();
    if let Some(a) = attrs.iter_mut().find(|a| a.name == name) {
        a.value = value;
    } else {
        attrs.push(Attr::new(name, value));
    }
}

container! {
    /// `ports` of a CallManager member.
    Ports {
        /// `ethernetPhonePort`: SCCP TCP port (2000).
        ethernet_phone_port: one Value<'a> = "ethernetPhonePort",
        /// `sipPort` (5060).
        sip_port: one Value<'a> = "sipPort",
        /// `securedSipPort` (5061).
        secured_sip_port: one Value<'a> = "securedSipPort",
    }
}

impl Ports<'_> {
    /// SCCP port.
    #[must_use]
    pub fn sccp(&self) -> Option<u16> {
        self.ethernet_phone_port.as_ref().and_then(Value::number)
    }
    /// SIP port.
    #[must_use]
    pub fn sip(&self) -> Option<u16> {
        self.sip_port.as_ref().and_then(Value::number)
    }
    /// SIP-TLS port.
    #[must_use]
    pub fn secure_sip(&self) -> Option<u16> {
        self.secured_sip_port.as_ref().and_then(Value::number)
    }
}

container! {
    /// `callManager`: one call agent.
    CallManager {
        /// `name`.
        name: one Value<'a> = "name",
        /// `description`.
        description: one Value<'a> = "description",
        /// `ports`.
        ports: one Ports<'a> = "ports",
        /// `processNodeName`: host name or address the phone connects to.
        process_node_name: one Value<'a> = "processNodeName",
    }
}

container! {
    /// `member @priority`.
    Member {
        /// `callManager`.
        call_manager: one CallManager<'a> = "callManager",
    }
}

impl<'a> Member<'a> {
    /// `@priority` (lower is tried first), if present and numeric.
    #[must_use]
    pub fn priority(&self) -> Option<u32> {
        attr(&self.attrs, "priority").and_then(|p| p.trim().parse().ok())
    }
    /// Sets `@priority`.
    pub fn set_priority(&mut self, priority: u32) {
        set_attr(&mut self.attrs, "priority", alloc::format!("{priority}"));
    }
}

container! {
    /// `members`.
    Members {
        /// `member` elements in document order.
        member: many Member<'a> = "member",
    }
}

container! {
    /// `callManagerGroup`.
    CallManagerGroup {
        /// `name`.
        name: one Value<'a> = "name",
        /// `tftpDefault`.
        tftp_default: one Value<'a> = "tftpDefault",
        /// `members`.
        members: one Members<'a> = "members",
    }
}

/// One CallManager of a group, as the phone uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallManagerRef<'m, 'a> {
    /// `@priority`, if any.
    pub priority: Option<u32>,
    /// The member element.
    pub member: &'m Member<'a>,
}

impl<'m, 'a> CallManagerRef<'m, 'a> {
    /// `processNodeName`, trimmed (empty when absent).
    #[must_use]
    pub fn host(&self) -> &'m str {
        self.member
            .call_manager
            .as_ref()
            .and_then(|c| c.process_node_name.as_ref())
            .map_or("", Value::trimmed)
    }
    /// `name`, trimmed.
    #[must_use]
    pub fn name(&self) -> Option<&'m str> {
        self.member
            .call_manager
            .as_ref()
            .and_then(|c| c.name.as_ref())
            .map(Value::trimmed)
    }
    /// The ports element.
    #[must_use]
    pub fn ports(&self) -> Option<&'m Ports<'a>> {
        self.member
            .call_manager
            .as_ref()
            .and_then(|c| c.ports.as_ref())
    }
}

impl<'a> CallManagerGroup<'a> {
    /// Members ordered as the phone tries them: by `@priority`, lowest first, stable; members
    /// without a priority after all numbered ones (`phone-boot.md` §1.7.5).
    #[must_use]
    pub fn ordered(&self) -> Vec<CallManagerRef<'_, 'a>> {
        let mut v: Vec<CallManagerRef<'_, 'a>> = self
            .members
            .iter()
            .flat_map(|m| m.member.iter())
            .map(|m| CallManagerRef {
                priority: m.priority(),
                member: m,
            })
            .collect();
        v.sort_by_key(|r| r.priority.map_or((1, 0), |p| (0, p)));
        v
    }

    /// Appends a member (builder use).
    pub fn push_member(&mut self, priority: u32, host: impl Into<Cow<'a, str>>, ports: Ports<'a>) {
        let mut cm = CallManager {
            ports: Some(ports),
            process_node_name: Some(Value(host.into())),
            ..CallManager::default()
        };
        cm.name = cm.process_node_name.clone();
        let mut m = Member {
            call_manager: Some(cm),
            ..Member::default()
        };
        m.set_priority(priority);
        self.members
            .get_or_insert_with(Members::default)
            .member
            .push(m);
    }
}

container! {
    /// `dateTimeSetting`.
    DateTimeSetting {
        /// `name`.
        name: one Value<'a> = "name",
        /// `dateTemplate` (`M/D/Y`, `D/M/YA`, ...).
        date_template: one Value<'a> = "dateTemplate",
        /// `timeZone` (Windows-style name).
        time_zone: one Value<'a> = "timeZone",
        /// `olsonTimeZone` (IANA name).
        olson_time_zone: one Value<'a> = "olsonTimeZone",
        /// `ntps` (kept generic).
        ntps: one Generic<'a> = "ntps",
    }
}

container! {
    /// `devicePool`.
    DevicePool {
        /// `revertPriority`.
        revert_priority: one Value<'a> = "revertPriority",
        /// `name`.
        name: one Value<'a> = "name",
        /// `dateTimeSetting`.
        date_time_setting: one DateTimeSetting<'a> = "dateTimeSetting",
        /// `callManagerGroup`.
        call_manager_group: one CallManagerGroup<'a> = "callManagerGroup",
    }
}

container! {
    /// `sipLines/line @button [@lineIndex]`.
    Line {
        /// `featureID` (9 = line, 21 = BLF speed dial, ...).
        feature_id: one Value<'a> = "featureID",
        /// `featureLabel`.
        feature_label: one Value<'a> = "featureLabel",
        /// `proxy` (`USECALLMANAGER` or a host).
        proxy: one Value<'a> = "proxy",
        /// `port`.
        port: one Value<'a> = "port",
        /// `name` (the user part / extension).
        name: one Value<'a> = "name",
        /// `displayName`.
        display_name: one Value<'a> = "displayName",
        /// `contact`.
        contact: one Value<'a> = "contact",
        /// `authName`.
        auth_name: one Value<'a> = "authName",
        /// `authPassword`.
        auth_password: one Value<'a> = "authPassword",
    }
}

impl Line<'_> {
    /// `@button`.
    #[must_use]
    pub fn button(&self) -> Option<u32> {
        attr(&self.attrs, "button").and_then(|p| p.trim().parse().ok())
    }
}

container! {
    /// `sipLines`.
    SipLines {
        /// `line` elements.
        line: many Line<'a> = "line",
    }
}

container! {
    /// `sipProfile` (SIP only).
    SipProfile {
        /// `sipProxies` (kept generic).
        sip_proxies: one Generic<'a> = "sipProxies",
        /// `sipCallFeatures` (kept generic).
        sip_call_features: one Generic<'a> = "sipCallFeatures",
        /// `sipStack` (kept generic).
        sip_stack: one Generic<'a> = "sipStack",
        /// `phoneLabel`.
        phone_label: one Value<'a> = "phoneLabel",
        /// `sipLines`.
        sip_lines: one SipLines<'a> = "sipLines",
        /// `lines` (used instead of `sipLines` by one real 8861 file).
        lines: one SipLines<'a> = "lines",
        /// `dialTemplate`.
        dial_template: one Value<'a> = "dialTemplate",
        /// `softKeyFile`.
        soft_key_file: one Value<'a> = "softKeyFile",
    }
}

container! {
    /// `userLocale`.
    UserLocale {
        /// `name`: directory name, e.g. `English_United_States`.
        name: one Value<'a> = "name",
        /// `uid`.
        uid: one Value<'a> = "uid",
        /// `langCode`, e.g. `en_US`.
        lang_code: one Value<'a> = "langCode",
        /// `version`: a new locale is fetched only when it changes.
        version: one Value<'a> = "version",
        /// `winCharSet`.
        win_char_set: one Value<'a> = "winCharSet",
    }
}

container! {
    /// `networkLocaleInfo`.
    NetworkLocaleInfo {
        /// `name`.
        name: one Value<'a> = "name",
        /// `uid`.
        uid: one Value<'a> = "uid",
        /// `version`.
        version: one Value<'a> = "version",
    }
}

fn root_extra(name: &str) -> Option<u8> {
    load_info_type(name).map(|_| ROOT_LOAD_INFO)
}

const ROOT_LOAD_INFO: u8 = 10;

container! {
    /// The root element of `SEP<MAC>.cnf.xml` (`<device>`) or `XMLDefault.cnf.xml` (`<Default>`).
    DeviceConfig {
        /// `fullConfig`.
        full_config: one Value<'a> = "fullConfig",
        /// `deviceProtocol`: `SCCP` or `SIP`.
        device_protocol: one Value<'a> = "deviceProtocol",
        /// `sshUserId`.
        ssh_user_id: one Value<'a> = "sshUserId",
        /// `sshPassword`.
        ssh_password: one Value<'a> = "sshPassword",
        /// `ipAddressMode`.
        ip_address_mode: one Value<'a> = "ipAddressMode",
        /// `devicePool` (per-device files).
        device_pool: one DevicePool<'a> = "devicePool",
        /// `callManagerGroup` (directly under `<Default>`).
        call_manager_group: one CallManagerGroup<'a> = "callManagerGroup",
        /// `sipProfile`.
        sip_profile: one SipProfile<'a> = "sipProfile",
        /// `commonProfile` (kept generic).
        common_profile: one Generic<'a> = "commonProfile",
        /// `featurePolicyFile`.
        feature_policy_file: one Value<'a> = "featurePolicyFile",
        /// `loadInformation` and `loadInformationN` elements (id 10 must stay here).
        load_information: many LoadInformation<'a> = "loadInformation",
        /// `inactiveLoadInformation`.
        inactive_load_information: one Value<'a> = "inactiveLoadInformation",
        /// `vendorConfig` (model-specific, kept generic).
        vendor_config: one Generic<'a> = "vendorConfig",
        /// `versionStamp`.
        version_stamp: one Value<'a> = "versionStamp",
        /// `userLocale`.
        user_locale: one UserLocale<'a> = "userLocale",
        /// `networkLocale`.
        network_locale: one Value<'a> = "networkLocale",
        /// `networkLocaleInfo`.
        network_locale_info: one NetworkLocaleInfo<'a> = "networkLocaleInfo",
        /// `deviceSecurityMode` (1 non-secure, 2 authenticated, 3 encrypted).
        device_security_mode: one Value<'a> = "deviceSecurityMode",
        /// `authenticationURL`.
        authentication_url: one Value<'a> = "authenticationURL",
        /// `secureAuthenticationURL`.
        secure_authentication_url: one Value<'a> = "secureAuthenticationURL",
        /// `directoryURL`.
        directory_url: one Value<'a> = "directoryURL",
        /// `secureDirectoryURL`.
        secure_directory_url: one Value<'a> = "secureDirectoryURL",
        /// `idleURL`.
        idle_url: one Value<'a> = "idleURL",
        /// `secureIdleURL`.
        secure_idle_url: one Value<'a> = "secureIdleURL",
        /// `idleTimeout` (seconds).
        idle_timeout: one Value<'a> = "idleTimeout",
        /// `informationURL`.
        information_url: one Value<'a> = "informationURL",
        /// `secureInformationURL`.
        secure_information_url: one Value<'a> = "secureInformationURL",
        /// `messagesURL`.
        messages_url: one Value<'a> = "messagesURL",
        /// `secureMessagesURL`.
        secure_messages_url: one Value<'a> = "secureMessagesURL",
        /// `proxyServerURL`.
        proxy_server_url: one Value<'a> = "proxyServerURL",
        /// `servicesURL`.
        services_url: one Value<'a> = "servicesURL",
        /// `secureServicesURL`.
        secure_services_url: one Value<'a> = "secureServicesURL",
        /// `transportLayerProtocol` (raw integer, meaning of 4 disputed, `cnf-xml.md` §4.2).
        transport_layer_protocol: one Value<'a> = "transportLayerProtocol",
    }
    classify_extra: root_extra
}

/// `deviceProtocol`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Skinny.
    Sccp,
    /// SIP.
    Sip,
}

impl Protocol {
    /// As written in the file.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Protocol::Sccp => "SCCP",
            Protocol::Sip => "SIP",
        }
    }
}

/// Which root the file has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum RootKind {
    /// `<device>`: a per-device file.
    #[default]
    Device,
    /// `<Default>`: `XMLDefault.cnf.xml` (also seen as a per-device file).
    Default,
}

impl RootKind {
    /// The element name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            RootKind::Device => "device",
            RootKind::Default => "Default",
        }
    }
}

impl<'a> DeviceConfig<'a> {
    /// The protocol, if `deviceProtocol` says `SCCP` or `SIP` (any case).
    #[must_use]
    pub fn protocol(&self) -> Option<Protocol> {
        let p = self.device_protocol.as_ref()?.trimmed();
        if p.eq_ignore_ascii_case("SCCP") {
            Some(Protocol::Sccp)
        } else if p.eq_ignore_ascii_case("SIP") {
            Some(Protocol::Sip)
        } else {
            None
        }
    }

    /// Sets `deviceProtocol`.
    pub fn set_protocol(&mut self, p: Protocol) {
        self.device_protocol = Some(Value(Cow::Borrowed(p.as_str())));
    }

    /// The CallManager group: the device pool's, else the root's (XMLDefault).
    #[must_use]
    pub fn call_manager_group(&self) -> Option<&CallManagerGroup<'a>> {
        self.device_pool
            .as_ref()
            .and_then(|d| d.call_manager_group.as_ref())
            .or(self.call_manager_group.as_ref())
    }

    /// CallManagers in the order the phone tries them.
    #[must_use]
    pub fn call_managers(&self) -> Vec<CallManagerRef<'_, 'a>> {
        self.call_manager_group()
            .map(CallManagerGroup::ordered)
            .unwrap_or_default()
    }

    /// The load for a device type: `loadInformationN` with that N, else the plain
    /// `loadInformation`. `None` when no element applies; `Some("")` for an empty element.
    #[must_use]
    pub fn load_for(&self, device_type: Option<u32>) -> Option<&str> {
        let by_type = device_type.and_then(|t| {
            self.load_information
                .iter()
                .find(|l| l.device_type == Some(t))
        });
        by_type
            .or_else(|| {
                self.load_information
                    .iter()
                    .find(|l| l.device_type.is_none())
            })
            .map(LoadInformation::name)
    }

    /// The plain `loadInformation` load name (per-device files).
    #[must_use]
    pub fn load_name(&self) -> Option<&str> {
        self.load_for(None)
    }

    /// A service URL.
    #[must_use]
    pub fn url(&self, kind: UrlKind) -> Option<&str> {
        let v = match kind {
            UrlKind::Services => &self.services_url,
            UrlKind::SecureServices => &self.secure_services_url,
            UrlKind::Directory => &self.directory_url,
            UrlKind::SecureDirectory => &self.secure_directory_url,
            UrlKind::Idle => &self.idle_url,
            UrlKind::SecureIdle => &self.secure_idle_url,
            UrlKind::Authentication => &self.authentication_url,
            UrlKind::SecureAuthentication => &self.secure_authentication_url,
            UrlKind::ProxyServer => &self.proxy_server_url,
            UrlKind::Information => &self.information_url,
            UrlKind::SecureInformation => &self.secure_information_url,
            UrlKind::Messages => &self.messages_url,
            UrlKind::SecureMessages => &self.secure_messages_url,
        };
        v.as_ref().map(Value::trimmed)
    }

    /// SIP lines (from `sipProfile/sipLines`).
    pub fn sip_lines(&self) -> impl Iterator<Item = &Line<'a>> {
        self.sip_profile
            .iter()
            .flat_map(|s| s.sip_lines.iter().chain(s.lines.iter()))
            .flat_map(|l| l.line.iter())
    }
}

/// The service URL elements (`cnf-xml.md` §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UrlKind {
    /// `servicesURL`.
    Services,
    /// `secureServicesURL`.
    SecureServices,
    /// `directoryURL`.
    Directory,
    /// `secureDirectoryURL`.
    SecureDirectory,
    /// `idleURL`.
    Idle,
    /// `secureIdleURL`.
    SecureIdle,
    /// `authenticationURL`.
    Authentication,
    /// `secureAuthenticationURL`.
    SecureAuthentication,
    /// `proxyServerURL`.
    ProxyServer,
    /// `informationURL`.
    Information,
    /// `secureInformationURL`.
    SecureInformation,
    /// `messagesURL`.
    Messages,
    /// `secureMessagesURL`.
    SecureMessages,
}

/// A parsed configuration file.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Document<'a> {
    /// The XML declaration was present.
    pub declaration: bool,
    /// Comments and PIs before the root.
    pub prolog: Vec<Node<'a>>,
    /// Root kind.
    pub root: RootKind,
    /// The root's content.
    pub config: DeviceConfig<'a>,
    /// Comments and PIs after the root.
    pub epilog: Vec<Node<'a>>,
    /// Repairs made while reading (lenient mode); empty for a well-formed file.
    pub repairs: Vec<Repair<'a>>,
}

/// Why a configuration document could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError<'a> {
    /// XML-level error.
    #[error("{0}")]
    Parse(ParseError<'a>),
    /// The root is neither `device` nor `Default`.
    #[error("root element is not <device> or <Default>")]
    NotAConfig,
}

impl<'a> From<ParseError<'a>> for DocumentError<'a> {
    fn from(e: ParseError<'a>) -> Self {
        DocumentError::Parse(e)
    }
}

impl<'a> Document<'a> {
    /// A new per-device (`<device>`) or default (`<Default>`) document.
    #[must_use]
    pub fn new(root: RootKind) -> Self {
        Document {
            declaration: true,
            root,
            ..Document::default()
        }
    }

    /// Parses a configuration file.
    ///
    /// # Errors
    /// XML errors (all violations in strict mode; limits in both), or a root that is not
    /// `device`/`Default`.
    pub fn parse(src: &'a str, config: XmlConfig) -> Result<Self, DocumentError<'a>> {
        let mut p = Parser::new(src, config);
        let mut doc = Document::default();
        match doc.parse_inner(&mut p) {
            Ok(true) => {
                doc.repairs = core::mem::take(&mut p.repairs);
                Ok(doc)
            }
            Ok(false) => Err(DocumentError::NotAConfig),
            Err(Stop) => Err(p.take_error().into()),
        }
    }

    fn parse_inner(&mut self, p: &mut Parser<'a>) -> Result<bool, Stop> {
        let mut have_root = false;
        while let Some(ev) = p.next()? {
            match ev {
                Event::Declaration(_) => self.declaration = true,
                Event::Start(t) | Event::Empty(t) if !have_root => {
                    let empty = matches!(ev, Event::Empty(_));
                    self.root = match t.name() {
                        "device" => RootKind::Device,
                        "Default" => RootKind::Default,
                        _ => return Ok(false),
                    };
                    parse_container(&mut self.config, p, &t, empty)?;
                    have_root = true;
                }
                Event::Start(t) | Event::Empty(t) => {
                    let empty = matches!(ev, Event::Empty(_));
                    let e = p.element(&t, empty)?;
                    self.epilog.push(Node::Element(e));
                }
                Event::Comment(c) => {
                    let n = Node::Comment(Cow::Borrowed(c));
                    if have_root {
                        self.epilog.push(n);
                    } else {
                        self.prolog.push(n);
                    }
                }
                Event::Pi(t, c) => {
                    let n = Node::Pi(Cow::Borrowed(t), Cow::Borrowed(c));
                    if have_root {
                        self.epilog.push(n);
                    } else {
                        self.prolog.push(n);
                    }
                }
                _ => {}
            }
        }
        if have_root {
            Ok(true)
        } else {
            Err(Stop)
        }
    }

    /// Writes the document.
    ///
    /// # Errors
    /// Only the writer's.
    pub fn write<W: fmt::Write>(&self, w: &mut W, style: Style) -> fmt::Result {
        let mut out = Out::new(w, style);
        out.declaration()?;
        for n in &self.prolog {
            crate::tree::write_node(n, &mut out, 0)?;
            out.line(0)?;
        }
        write_container(&self.config, self.root.as_str(), &mut out, 0)?;
        for n in &self.epilog {
            out.line(0)?;
            crate::tree::write_node(n, &mut out, 0)?;
        }
        out.raw(style.newline)
    }

    /// The document as a string.
    #[must_use]
    pub fn to_xml(&self, style: Style) -> String {
        let mut s = String::with_capacity(4096);
        let _ = self.write(&mut s, style);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_load_information_id_is_the_one_classify_extra_returns() {
        assert_eq!(
            DeviceConfig::classify("loadInformation"),
            Some(ROOT_LOAD_INFO)
        );
        assert_eq!(
            DeviceConfig::classify("loadInformation404"),
            Some(ROOT_LOAD_INFO)
        );
        assert_eq!(DeviceConfig::classify("loadInformation0404"), None);
        assert_eq!(DeviceConfig::classify("loadInformationX"), None);
    }

    #[test]
    fn members_are_ordered_by_priority_then_document_order() {
        let xml = "<Default><callManagerGroup><members>\
            <member><callManager><processNodeName>none-1</processNodeName></callManager></member>\
            <member priority=\"2\"><callManager><processNodeName>two</processNodeName></callManager></member>\
            <member priority=\"0\"><callManager><processNodeName>zero-a</processNodeName></callManager></member>\
            <member><callManager><processNodeName>none-2</processNodeName></callManager></member>\
            <member priority=\"0\"><callManager><processNodeName>zero-b</processNodeName></callManager></member>\
            </members></callManagerGroup></Default>";
        let doc = Document::parse(xml, XmlConfig::strict()).unwrap();
        let hosts: Vec<_> = doc
            .config
            .call_managers()
            .iter()
            .map(|c| c.host())
            .collect();
        assert_eq!(hosts, ["zero-a", "zero-b", "two", "none-1", "none-2"]);
    }

    #[test]
    fn load_for_a_device_type_falls_back_to_the_plain_element() {
        let xml = "<Default><loadInformation7 model=\"IP Phone 7960\">P0S3-8-12-00</loadInformation7>\
            <loadInformation> SIP41.8-5-4S </loadInformation><loadInformation404></loadInformation404></Default>";
        let doc = Document::parse(xml, XmlConfig::strict()).unwrap();
        assert_eq!(doc.config.load_for(Some(7)), Some("P0S3-8-12-00"));
        assert_eq!(doc.config.load_for(Some(115)), Some("SIP41.8-5-4S"));
        assert_eq!(doc.config.load_for(Some(404)), Some(""));
        assert_eq!(
            doc.config.load_information[0].model.as_deref(),
            Some("IP Phone 7960")
        );
    }

    #[test]
    fn unmodelled_shapes_are_kept_generic_in_place() {
        // A leaf with an attribute and a leaf with a comment are not plain values.
        let xml = "<device><versionStamp kind=\"x\">1</versionStamp><a/><deviceProtocol>SIP<!-- c --></deviceProtocol>\
            <deviceProtocol>SCCP</deviceProtocol></device>";
        let doc = Document::parse(xml, XmlConfig::strict()).unwrap();
        assert!(doc.config.version_stamp.is_none());
        assert_eq!(doc.config.protocol(), Some(Protocol::Sccp));
        assert_eq!(doc.config.extras.len(), 3);
        let out = doc.to_xml(
            Style::default()
                .with_declaration(false)
                .with_indent("")
                .with_newline(""),
        );
        assert_eq!(
            out,
            "<device><versionStamp kind=\"x\">1</versionStamp><a/><deviceProtocol>SIP<!-- c --></deviceProtocol><deviceProtocol>SCCP</deviceProtocol></device>"
        );
    }

    /// Fuzz finding (`fuzz/corpus/cnf_xml/repaired-pi-only.xml`): a repaired (hence rebuilt)
    /// element holding only a PI or comment was written indented, and the indentation read
    /// back as text: such content is now written without added whitespace.
    #[test]
    fn a_repaired_element_with_only_a_pi_or_comment_round_trips() {
        for xml in [
            "<device><o><??>",
            "<device><o><!--c-->",
            "<device><o><?p x?><!--c--><q><!--d--></q>",
        ] {
            let doc = Document::parse(xml, XmlConfig::lenient()).unwrap();
            let out = doc.to_xml(Style::default());
            let again = Document::parse(&out, XmlConfig::lenient()).unwrap();
            assert_eq!(again.config, doc.config, "{out}");
        }
        let doc = Document::parse("<device><o><??>", XmlConfig::lenient()).unwrap();
        assert!(doc
            .to_xml(Style::default())
            .contains("<device>\n  <o><??></o>\n</device>"));
    }

    #[test]
    fn unmodelled_elements_are_kept_as_source_text_unless_repaired() {
        let xml = "<device><srstInfo uuid=\"{1}\">\n  <name>Disable</name>\n</srstInfo>\
            <vendorConfig><garp>1</garp><pcPort> 0 </pcPort></vendorConfig></device>";
        let doc = Document::parse(xml, XmlConfig::strict()).unwrap();
        assert_eq!(
            doc.config.extras,
            [Node::Raw(
                "<srstInfo uuid=\"{1}\">\n  <name>Disable</name>\n</srstInfo>"
            )]
        );
        // Equal by content to the tree it reads as.
        let tree = doc.config.extras[0].element().unwrap().into_owned();
        assert_eq!(tree.attr("uuid"), Some("{1}"));
        assert_eq!(doc.config.extras[0], Node::Element(tree));
        let vendor = doc.config.vendor_config.as_ref().unwrap();
        assert!(vendor.raw().is_some());
        assert_eq!(vendor.get("garp").as_deref(), Some("1"));
        assert_eq!(vendor.get("pcPort").as_deref(), Some("0"));
        assert_eq!(vendor.get("absent"), None);
        // Written back verbatim.
        let out = doc.to_xml(Style::default().with_declaration(false));
        assert!(out.contains("<srstInfo uuid=\"{1}\">\n  <name>Disable</name>\n</srstInfo>"));
        // A change turns it into a tree; content equality still holds with a raw copy.
        let mut changed = doc.clone();
        let v = changed.config.vendor_config.as_mut().unwrap();
        v.set("garp", "1");
        assert!(v.raw().is_none());
        assert_eq!(changed.config.vendor_config, doc.config.vendor_config);
        let v = changed.config.vendor_config.as_mut().unwrap();
        v.set("garp", "0");
        assert_ne!(changed.config.vendor_config, doc.config.vendor_config);

        // A repaired element is read into a tree, and written repaired.
        let bad = "<device><capfList><capf><x></capf></capfList></device>";
        let doc = Document::parse(bad, XmlConfig::lenient()).unwrap();
        assert!(matches!(doc.config.extras[0], Node::Element(_)));
        let out = doc.to_xml(Style::default().with_indent("").with_newline(""));
        assert!(
            out.contains("<capfList><capf><x/></capf></capfList>"),
            "{out}"
        );
    }

    #[test]
    fn built_models_are_written_in_canonical_order() {
        let mut doc = Document::new(RootKind::Device);
        doc.config.version_stamp = Some(Value::from("v1"));
        doc.config.set_protocol(Protocol::Sip);
        let mut g = CallManagerGroup::default();
        let ports = Ports {
            sip_port: Some(Value::from("5060")),
            ..Ports::default()
        };
        g.push_member(0, "10.0.0.1", ports);
        doc.config.device_pool = Some(DevicePool {
            call_manager_group: Some(g),
            ..DevicePool::default()
        });
        let mut vendor = Generic::default();
        vendor.set("garp", "1");
        vendor.set("garp", "0");
        doc.config.vendor_config = Some(vendor);
        let out = doc.to_xml(
            Style::default()
                .with_declaration(false)
                .with_indent("")
                .with_newline(""),
        );
        assert_eq!(
            out,
            "<device><deviceProtocol>SIP</deviceProtocol><devicePool><callManagerGroup><members><member priority=\"0\">\
             <callManager><name>10.0.0.1</name><ports><sipPort>5060</sipPort></ports><processNodeName>10.0.0.1</processNodeName>\
             </callManager></member></members></callManagerGroup></devicePool><vendorConfig><garp>0</garp></vendorConfig>\
             <versionStamp>v1</versionStamp></device>"
        );
    }
}
