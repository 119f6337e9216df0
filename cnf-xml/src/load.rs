//! Firmware load identifiers: parsing, the project's order (`cnf-xml.md` §6.2) and the load
//! decision of `phone-boot.md` §1.7.4. Also a reader for `.loads` manifests (§6).
//!
//! No source defines a newer/older order between load names; the phone itself loads any
//! name that differs from its own. The order here exists only for the default-file guard
//! ([`DefaultFileLoads::RefuseOlder`]) and for configuration generators, and it never
//! compares names of different families.
//!
//! ```
//! use dialtone_cnf_xml::load::{compare, decide, DefaultFileLoads, LoadDecision, LoadOrder, LoadSource};
//! assert_eq!(compare("SCCP41.9-4-2SR3-1S", "SCCP41.9-4-2-1S"), LoadOrder::Greater);
//! assert_eq!(
//!     decide("SIP69xx.9-4-1-3SR1", Some("SIP69xx.9-4-1-3"), LoadSource::DefaultFile, DefaultFileLoads::RefuseOlder),
//!     LoadDecision::DowngradeRefused,
//! );
//! ```

use core::cmp::Ordering;

/// The result of comparing two load names (`cnf-xml.md` §6.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoadOrder {
    /// The first is older.
    Less,
    /// Same version (possibly spelled differently).
    Equal,
    /// The first is newer.
    Greater,
    /// Different families, indirect or unparseable names.
    NotComparable,
}

impl From<Ordering> for LoadOrder {
    fn from(o: Ordering) -> Self {
        match o {
            Ordering::Less => LoadOrder::Less,
            Ordering::Equal => LoadOrder::Equal,
            Ordering::Greater => LoadOrder::Greater,
        }
    }
}

/// The form of a load name (`cnf-xml.md` §6.2 step 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoadForm {
    /// Empty after normalisation: no load.
    Empty,
    /// `termNN.default`: a pointer to a default manifest; never comparable.
    Indirect,
    /// `CP7912080004SCCP080108A`, `ATA030204SCCP090202A`.
    Dated,
    /// `P00308010200`, `P0030801SR02`.
    Compact,
    /// `SCCP41.9-4-2SR3-1S`, `P0S3-8-12-00`, `sip88xx.12-0-7MPP0201-66`.
    Split,
    /// Anything else; never comparable.
    Opaque,
}

/// A parsed load name, borrowing the normalised text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadId<'a> {
    name: &'a str,
    form: LoadForm,
    /// Split form: byte length of the prefix (the separator follows it).
    prefix_len: usize,
}

/// §6.2 step 1: trim ASCII whitespace and one trailing `.loads` (any case).
#[must_use]
pub fn normalize(name: &str) -> &str {
    let t = name.trim_matches(|c: char| c.is_ascii_whitespace());
    let cut = t.len().saturating_sub(6);
    match t.split_at_checked(cut) {
        Some((head, tail)) if tail.eq_ignore_ascii_case(".loads") => head,
        _ => t,
    }
}

fn all_digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

fn is_dated(b: &[u8]) -> Option<usize> {
    // returns the offset of the 6 version digits
    let start = if b.len() >= 6 && b[..2].eq_ignore_ascii_case(b"CP") && all_digits(&b[2..6]) {
        6
    } else if b.len() >= 3 && b[..3].eq_ignore_ascii_case(b"ATA") {
        3
    } else {
        return None;
    };
    let rest = b.get(start..)?;
    let ver = rest.get(..6)?;
    if !all_digits(ver) {
        return None;
    }
    let after = rest.get(6..)?;
    let plen = [&b"SCCP"[..], b"MGCP", b"SIP"]
        .iter()
        .find(|p| after.len() >= p.len() && after[..p.len()].eq_ignore_ascii_case(p))
        .map(|p| p.len())?;
    let tail = after.get(plen..)?;
    if tail.len() == 7 && all_digits(&tail[..6]) && tail[6].is_ascii_alphabetic() {
        Some(start)
    } else {
        None
    }
}

fn is_compact(b: &[u8]) -> bool {
    if b.len() < 6 || (b.len() - 4) % 2 != 0 {
        return false;
    }
    let head_ok = b[0].is_ascii_alphabetic()
        && b[1] == b'0'
        && b[2].is_ascii_alphanumeric()
        && b[3].is_ascii_digit();
    head_ok
        && b[4..]
            .chunks(2)
            .all(|f| all_digits(f) || f.eq_ignore_ascii_case(b"SR"))
}

fn split_prefix(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let dot = memchr::memchr(b'.', b).unwrap_or(b.len());
    let before = &b[..dot];
    let plen = if memchr::memchr(b'-', before).is_none() {
        dot
    } else {
        let mut found = None;
        for (i, w) in b.windows(2).enumerate() {
            if w[0] == b'-' && w[1].is_ascii_digit() {
                found = Some(i);
                break;
            }
        }
        found?
    };
    let prefix = b.get(..plen)?;
    let version = b.get(plen + 1..)?;
    let p_ok = prefix.first().is_some_and(u8::is_ascii_alphabetic)
        && prefix
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_');
    let v_ok = version.first().is_some_and(u8::is_ascii_digit)
        && version
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'));
    // A digit run longer than 9 digits makes the name opaque.
    let long_run = version
        .split(|c| !c.is_ascii_digit())
        .any(|run| run.len() > 9);
    (p_ok && v_ok && !long_run).then_some(plen)
}

impl<'a> LoadId<'a> {
    /// Parses a load name (after [`normalize`]). Never fails: unknown shapes are [`LoadForm::Opaque`].
    #[must_use]
    pub fn parse(name: &'a str) -> Self {
        let name = normalize(name);
        let b = name.as_bytes();
        let mut id = LoadId {
            name,
            form: LoadForm::Opaque,
            prefix_len: 0,
        };
        if name.is_empty() {
            id.form = LoadForm::Empty;
        } else if b.len() == 14
            && b[..4].eq_ignore_ascii_case(b"term")
            && all_digits(&b[4..6])
            && b[6..].eq_ignore_ascii_case(b".default")
        {
            id.form = LoadForm::Indirect;
        } else if let Some(v) = is_dated(b) {
            id.form = LoadForm::Dated;
            id.prefix_len = v;
        } else if memchr::memchr2(b'.', b'-', b).is_none() {
            if is_compact(b) {
                id.form = LoadForm::Compact;
                id.prefix_len = 4;
            }
        } else if let Some(p) = split_prefix(name) {
            id.form = LoadForm::Split;
            id.prefix_len = p;
        }
        id
    }

    /// The normalised name.
    #[must_use]
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The form.
    #[must_use]
    pub fn form(&self) -> LoadForm {
        self.form
    }

    /// Family prefix: `SCCP41`, `P0S3`, `P003`, `CP7912`; empty for forms without one.
    #[must_use]
    pub fn prefix(&self) -> &'a str {
        match self.form {
            LoadForm::Split | LoadForm::Compact | LoadForm::Dated => {
                self.name.get(..self.prefix_len).unwrap_or("")
            }
            _ => "",
        }
    }

    fn dated_protocol(&self) -> &'a str {
        let after = self.name.get(self.prefix_len + 6..).unwrap_or("");
        after.get(..after.len().saturating_sub(7)).unwrap_or("")
    }

    fn tokens(&self) -> Tokens<'a> {
        let rest = match self.form {
            LoadForm::Split => self.name.get(self.prefix_len + 1..),
            LoadForm::Compact | LoadForm::Dated => self.name.get(self.prefix_len..),
            _ => None,
        }
        .unwrap_or("");
        Tokens {
            b: rest.as_bytes(),
            pos: 0,
            form: self.form,
            field: 0,
            pending_sr: None,
        }
    }

    fn flavours(&self) -> Flavours<'a> {
        let mut f = Flavours::default();
        let mut t = self.tokens();
        while let Some(item) = t.next_item() {
            if let Item::Flavour(fl) = item {
                f.add(fl);
            }
        }
        f
    }

    fn same_family(&self, other: &LoadId<'_>) -> bool {
        if self.form != other.form {
            return false;
        }
        match self.form {
            LoadForm::Split | LoadForm::Compact => {
                self.prefix().eq_ignore_ascii_case(other.prefix())
                    && self.flavours().same(&other.flavours())
            }
            LoadForm::Dated => {
                self.prefix().eq_ignore_ascii_case(other.prefix())
                    && self
                        .dated_protocol()
                        .eq_ignore_ascii_case(other.dated_protocol())
            }
            _ => false,
        }
    }

    /// Compares two loads by `cnf-xml.md` §6.2. Identical normalised names are always `Equal`.
    #[must_use]
    pub fn compare(&self, other: &LoadId<'_>) -> LoadOrder {
        if self.name == other.name {
            return LoadOrder::Equal;
        }
        if !self.same_family(other) {
            return LoadOrder::NotComparable;
        }
        let (mut a, mut b) = (self.tokens(), other.tokens());
        loop {
            let (x, y) = (a.next_token(), b.next_token());
            let o = x.cmp(&y);
            if o != Ordering::Equal {
                return o.into();
            }
            if x == Token::End {
                return LoadOrder::Equal;
            }
        }
    }
}

/// Compares two load names (see [`LoadId::compare`]).
#[must_use]
pub fn compare(a: &str, b: &str) -> LoadOrder {
    LoadId::parse(a).compare(&LoadId::parse(b))
}

/// One version token; the derived order is the §6.2 step 4 order (kind first, then value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    End,
    Revision(u8),
    Number(u64),
    ServiceRelease(u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavour<'a> {
    Multiplatform,
    Engineering,
    Tag(&'a [u8]),
}

enum Item<'a> {
    Token(Token),
    Flavour(Flavour<'a>),
}

const MAX_TAGS: usize = 4;

#[derive(Default, Clone, Copy)]
struct Flavours<'a> {
    mp: bool,
    es: bool,
    tags: [&'a [u8]; MAX_TAGS],
    ntags: usize,
    overflow: bool,
}

impl<'a> Flavours<'a> {
    fn add(&mut self, f: Flavour<'a>) {
        match f {
            Flavour::Multiplatform => self.mp = true,
            Flavour::Engineering => self.es = true,
            Flavour::Tag(t) => {
                if self.tags[..self.ntags]
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(t))
                {
                    return;
                }
                if let Some(slot) = self.tags.get_mut(self.ntags) {
                    *slot = t;
                    self.ntags += 1;
                } else {
                    self.overflow = true;
                }
            }
        }
    }
    fn same(&self, o: &Flavours<'_>) -> bool {
        !self.overflow
            && !o.overflow
            && self.mp == o.mp
            && self.es == o.es
            && self.ntags == o.ntags
            && self.tags[..self.ntags]
                .iter()
                .all(|t| o.tags[..o.ntags].iter().any(|x| x.eq_ignore_ascii_case(t)))
    }
}

struct Tokens<'a> {
    b: &'a [u8],
    pos: usize,
    form: LoadForm,
    field: usize,
    pending_sr: Option<u64>,
}

fn parse_num(run: &[u8]) -> u64 {
    run.iter().fold(0u64, |acc, d| {
        acc.saturating_mul(10)
            .saturating_add(u64::from(d.wrapping_sub(b'0')))
    })
}

impl<'a> Tokens<'a> {
    fn next_token(&mut self) -> Token {
        loop {
            match self.next_item() {
                None => return Token::End,
                Some(Item::Token(t)) => return t,
                Some(Item::Flavour(_)) => {}
            }
        }
    }

    fn run(&mut self, pred: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.b.get(self.pos).is_some_and(|&c| pred(c)) {
            self.pos += 1;
        }
        self.b.get(start..self.pos).unwrap_or(&[])
    }

    fn next_item(&mut self) -> Option<Item<'a>> {
        if let Some(n) = self.pending_sr.take() {
            return Some(Item::Token(Token::ServiceRelease(n)));
        }
        match self.form {
            LoadForm::Compact => {
                let f = self.b.get(self.pos..self.pos + 2)?;
                self.pos += 2;
                if f.eq_ignore_ascii_case(b"SR") {
                    match self.b.get(self.pos..self.pos + 2) {
                        Some(n) if all_digits(n) => {
                            self.pos += 2;
                            Some(Item::Token(Token::ServiceRelease(parse_num(n))))
                        }
                        _ => Some(Item::Token(Token::ServiceRelease(0))),
                    }
                } else {
                    Some(Item::Token(Token::Number(parse_num(f))))
                }
            }
            LoadForm::Dated => {
                // 3 x 2 version digits, protocol (skipped), 6-digit date, letter.
                let item = match self.field {
                    0..=2 => {
                        let f = self.b.get(self.pos..self.pos + 2)?;
                        self.pos += 2;
                        Token::Number(parse_num(f))
                    }
                    3 => {
                        self.run(|c| c.is_ascii_alphabetic());
                        let d = self.run(|c| c.is_ascii_digit());
                        Token::Number(parse_num(d))
                    }
                    4 => {
                        let l = *self.b.get(self.pos)?;
                        self.pos += 1;
                        Token::Revision(l.to_ascii_lowercase())
                    }
                    _ => return None,
                };
                self.field += 1;
                Some(Item::Token(item))
            }
            LoadForm::Split => loop {
                let c = *self.b.get(self.pos)?;
                if matches!(c, b'.' | b'-' | b'_') {
                    self.pos += 1;
                    continue;
                }
                if c.is_ascii_digit() {
                    let run = self.run(|c| c.is_ascii_digit());
                    return Some(Item::Token(Token::Number(parse_num(run))));
                }
                let after_digit = self
                    .pos
                    .checked_sub(1)
                    .and_then(|p| self.b.get(p))
                    .is_some_and(u8::is_ascii_digit);
                let run = self.run(|c| c.is_ascii_alphabetic());
                let last = self.pos >= self.b.len();
                if run.eq_ignore_ascii_case(b"SR") || run.eq_ignore_ascii_case(b"MSR") {
                    let n = self.run(|c| c.is_ascii_digit());
                    if run.len() == 3 {
                        // MSR: the multiplatform flavour now, the service release next.
                        self.pending_sr = Some(parse_num(n));
                        return Some(Item::Flavour(Flavour::Multiplatform));
                    }
                    return Some(Item::Token(Token::ServiceRelease(parse_num(n))));
                }
                if run.eq_ignore_ascii_case(b"MPP") {
                    return Some(Item::Flavour(Flavour::Multiplatform));
                }
                if run.eq_ignore_ascii_case(b"ES") {
                    return Some(Item::Flavour(Flavour::Engineering));
                }
                if last && after_digit && run.len() == 1 {
                    if run.eq_ignore_ascii_case(b"S") {
                        return None;
                    }
                    let l = run.first().copied().unwrap_or(b'a');
                    return Some(Item::Token(Token::Revision(l.to_ascii_lowercase())));
                }
                return Some(Item::Flavour(Flavour::Tag(run)));
            },
            _ => None,
        }
    }
}

/// Where the configured load came from (`phone-boot.md` §1.7.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoadSource {
    /// The device's own file (`SEP<MAC>.cnf.xml`, `SIP<MAC>.cnf`): any different load is applied.
    DeviceFile,
    /// A default file (`XMLDefault.cnf.xml`, `SIPDefault.cnf`, ...).
    DefaultFile,
}

/// Policy for loads named by a default file (`phone-boot.md` §1.7.4, proj).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum DefaultFileLoads {
    /// Upgrade only to a `Greater` load of the same family (the default).
    #[default]
    RefuseOlder,
    /// Follow any different load, as real phones do.
    FollowAny,
}

/// The outcome of the load check (`phone-boot.md` §1.7.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoadDecision<'a> {
    /// Keep the running load.
    Keep,
    /// Fetch `<name>.loads` and install it (the normalised configured name).
    Upgrade(&'a str),
    /// An older load inherited from a default file: keep the running one and report it.
    DowngradeRefused,
}

/// The load decision: running load `running`, configured load `configured` and its source.
///
/// * absent or empty configured load → `Keep`; equal after [`normalize`] → `Keep`;
/// * from the device's own file, any different load → `Upgrade` (even an older one: how an
///   administrator moves a phone back, TN5278);
/// * from a default file: [`DefaultFileLoads::FollowAny`] → `Upgrade`; [`DefaultFileLoads::RefuseOlder`]
///   → `Upgrade` when `Greater`, `DowngradeRefused` when `Less`, `Keep` when `Equal` or `NotComparable`.
#[must_use]
pub fn decide<'a>(
    running: &str,
    configured: Option<&'a str>,
    source: LoadSource,
    policy: DefaultFileLoads,
) -> LoadDecision<'a> {
    let Some(c) = configured.map(normalize).filter(|c| !c.is_empty()) else {
        return LoadDecision::Keep;
    };
    let r = normalize(running);
    if c == r {
        return LoadDecision::Keep;
    }
    match (source, policy) {
        (LoadSource::DeviceFile, _) | (LoadSource::DefaultFile, DefaultFileLoads::FollowAny) => {
            LoadDecision::Upgrade(c)
        }
        (LoadSource::DefaultFile, DefaultFileLoads::RefuseOlder) => match compare(c, r) {
            LoadOrder::Greater => LoadDecision::Upgrade(c),
            LoadOrder::Less => LoadDecision::DowngradeRefused,
            LoadOrder::Equal | LoadOrder::NotComparable => LoadDecision::Keep,
        },
    }
}

/// A `.loads` manifest: the signed binary header is skipped, the text listing is read
/// (`cnf-xml.md` §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadsManifest<'a> {
    /// The load name the signature block carries (`SIP11.9-4-2SR1-1S`), if found.
    pub name: Option<&'a str>,
    text: &'a [u8],
}

impl<'a> LoadsManifest<'a> {
    /// Reads a manifest. The listing starts after the NUL-terminated `<name>.loads` of the
    /// header; without one the whole input is read as text. Never fails.
    #[must_use]
    pub fn parse(data: &'a [u8]) -> Self {
        let mut name = None;
        let mut text = data;
        let mut from = 0;
        while let Some(i) = memchr::memmem::find(data.get(from..).unwrap_or(&[]), b".loads\0") {
            let end = from + i;
            let start = data[..end]
                .iter()
                .rposition(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_')))
                .map_or(0, |p| p + 1);
            if let Ok(n) = core::str::from_utf8(&data[start..end]) {
                if !n.is_empty() {
                    name = Some(n);
                    text = data.get(end + 7..).unwrap_or(&[]);
                }
            }
            from = end + 7;
        }
        LoadsManifest { name, text }
    }

    /// The archive files listed (`*.sbn`, `*.sb2`, `*.zz`, ...), in order, borrowed.
    pub fn files(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.text
            .split(|&c| c == b'\n' || c == b'\r' || c == 0)
            .filter_map(|line| core::str::from_utf8(line).ok())
            .map(|l| l.trim())
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('['))
            .filter_map(|l| {
                let v = match l.split_once('=') {
                    Some((_, v)) => v.trim(),
                    None => l,
                };
                let file = v.split_ascii_whitespace().next()?;
                let (_, ext) = file.rsplit_once('.')?;
                let archive = ["sbn", "sb2", "zz", "bin", "loads", "img", "tar", "sgn"]
                    .iter()
                    .any(|e| ext.eq_ignore_ascii_case(e));
                archive.then_some(file)
            })
    }

    /// Value of a `KEY=value` line (`LA_VERSION`, `version`), first match.
    #[must_use]
    pub fn value(&self, key: &str) -> Option<&'a str> {
        self.text
            .split(|&c| c == b'\n' || c == b'\r')
            .filter_map(|line| core::str::from_utf8(line).ok())
            .find_map(|l| {
                let (k, v) = l.split_once('=')?;
                k.trim().eq_ignore_ascii_case(key).then(|| v.trim())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LoadOrder::*;

    /// The 14 worked examples of cnf-xml.md §6.2: (C, R, order of C, default-file decision).
    const EXAMPLES: [(&str, &str, LoadOrder, &str); 14] = [
        ("SCCP41.9-4-2SR3-1S", "SCCP41.9-4-2-1S", Greater, "Upgrade"),
        (
            "SCCP41.9-3-1SR4-1S",
            "SCCP41.9-4-2SR3-1S",
            Less,
            "DowngradeRefused",
        ),
        ("SCCP11.9-0-2SR1S", "SCCP11.9-0-2SR1", Equal, "Keep"),
        ("P0S3-08-12-00", "P0S3-8-12-00", Equal, "Keep"),
        ("P0S3-8-12-00", "P0S3-07-2-00", Greater, "Upgrade"),
        ("P0030801SR02", "P00308010200", Greater, "Upgrade"),
        ("P0S3-8-12-00", "P0030801SR02", NotComparable, "Keep"),
        ("sip69xx.9-4-1-3SR2", "SIP69xx.9-3-3-2", Greater, "Upgrade"),
        (
            "SIP69xx.9-4-1-3",
            "SIP69xx.9-4-1-3SR1",
            Less,
            "DowngradeRefused",
        ),
        (
            "sip88xx.12-0-7MPP0201-66",
            "sip88xx.11-2-3MSR1-1",
            Greater,
            "Upgrade",
        ),
        (
            "sip88xx.12-1-1SR1-4",
            "sip88xx.11-2-3MSR1-1",
            NotComparable,
            "Keep",
        ),
        ("SIP3951.8-1-4a", "SIP3951.8-1-4", Greater, "Upgrade"),
        ("term41.default", "SIP41.8-5-4S", NotComparable, "Keep"),
        (
            "CP7912080004SCCP080108A",
            "CP7912080000SIP060111A",
            NotComparable,
            "Keep",
        ),
    ];

    fn name(d: LoadDecision<'_>) -> &'static str {
        match d {
            LoadDecision::Keep => "Keep",
            LoadDecision::Upgrade(_) => "Upgrade",
            LoadDecision::DowngradeRefused => "DowngradeRefused",
        }
    }

    #[test]
    fn worked_examples_of_the_spec() {
        for (i, (c, r, order, dec)) in EXAMPLES.iter().enumerate() {
            assert_eq!(compare(c, r), *order, "example {}: {c} vs {r}", i + 1);
            let rev = match order {
                Less => Greater,
                Greater => Less,
                o => *o,
            };
            assert_eq!(compare(r, c), rev, "example {} reversed", i + 1);
            let d = decide(
                r,
                Some(c),
                LoadSource::DefaultFile,
                DefaultFileLoads::RefuseOlder,
            );
            assert_eq!(name(d), *dec, "example {} decision", i + 1);
            // From the device's own file every differing load is applied.
            let d = decide(
                r,
                Some(c),
                LoadSource::DeviceFile,
                DefaultFileLoads::RefuseOlder,
            );
            assert_eq!(d, LoadDecision::Upgrade(c), "example {} device file", i + 1);
        }
    }

    #[test]
    fn follow_any_upgrades_across_families() {
        // Example 7 under FollowAny: the SCCP-to-SIP move of LOG-JH.
        assert_eq!(
            decide(
                "P0030801SR02",
                Some("P0S3-8-12-00"),
                LoadSource::DefaultFile,
                DefaultFileLoads::FollowAny
            ),
            LoadDecision::Upgrade("P0S3-8-12-00")
        );
    }

    #[test]
    fn absent_empty_and_padded_loads() {
        let p = DefaultFileLoads::RefuseOlder;
        assert_eq!(
            decide("P0S3-8-12-00", None, LoadSource::DeviceFile, p),
            LoadDecision::Keep
        );
        assert_eq!(
            decide("P0S3-8-12-00", Some("  "), LoadSource::DeviceFile, p),
            LoadDecision::Keep
        );
        // OS79XX.TXT with a trailing space (cnf-xml.md §2.2).
        assert_eq!(
            decide(
                "P0S3-8-12-00",
                Some("P0S3-8-12-00 \r\n"),
                LoadSource::DeviceFile,
                p
            ),
            LoadDecision::Keep
        );
        assert_eq!(
            decide(
                "P0S3-8-12-00",
                Some("P0S3-8-12-00.loads"),
                LoadSource::DeviceFile,
                p
            ),
            LoadDecision::Keep
        );
        // Deliberate downgrade from the device file (TN5278).
        assert_eq!(
            decide(
                "P0S3-8-12-00",
                Some(" P0S3-07-2-00 "),
                LoadSource::DeviceFile,
                p
            ),
            LoadDecision::Upgrade("P0S3-07-2-00")
        );
    }

    #[test]
    fn forms_are_recognised() {
        let f = |s| LoadId::parse(s).form();
        assert_eq!(f("term41.default"), LoadForm::Indirect);
        assert_eq!(f("TERM70.DEFAULT"), LoadForm::Indirect);
        assert_eq!(f("CP7912080004SCCP080108A"), LoadForm::Dated);
        assert_eq!(f("ATA030204SCCP090202A"), LoadForm::Dated);
        assert_eq!(f("P00308010200"), LoadForm::Compact);
        assert_eq!(f("S00105000400"), LoadForm::Compact);
        assert_eq!(f("A001C030"), LoadForm::Opaque);
        assert_eq!(f("D001M022"), LoadForm::Opaque);
        assert_eq!(f("SCCP41.9-4-2SR3-1S"), LoadForm::Split);
        assert_eq!(f("cmterm_7920.4.0-03-02"), LoadForm::Split);
        assert_eq!(f("CP7921G-1.4.5.3"), LoadForm::Split);
        assert_eq!(f(""), LoadForm::Empty);
        assert_eq!(f("x.12345678901"), LoadForm::Opaque);
        assert_eq!(LoadId::parse("CP7921G-1.4.5.3").prefix(), "CP7921G");
        assert_eq!(LoadId::parse("P0S3-8-12-00").prefix(), "P0S3");
        assert_eq!(
            LoadId::parse("sip88xx.12-0-7MPP0201-66").prefix(),
            "sip88xx"
        );
    }

    #[test]
    fn more_orderings() {
        assert_eq!(compare("SCCP41.9-4-2", "SCCP41.9-4-2-1"), Less);
        assert_eq!(compare("SCCP41.9-4-2-1", "SCCP41.9-4-2SR3-1"), Less);
        assert_eq!(compare("SCCP41.9-3-1SR4-1S", "SCCP41.9-4-2-1S"), Less);
        assert_eq!(
            compare("SIP11.9-4-2ES9", "SIP11.9-4-2SR1-1S"),
            NotComparable
        );
        assert_eq!(compare("SIP41.8-5-4TH1-6", "SIP41.8-5-4TH1-7"), Less);
        assert_eq!(
            compare("SIP41.8-5-4TH1-6", "SIP41.8-5-4XY1-7"),
            NotComparable
        );
        assert_eq!(compare("SCCP41.9-4-2", "SIP41.9-4-2"), NotComparable);
        assert_eq!(compare("P003-8-12-00", "P0S3-8-12-00"), NotComparable);
        assert_eq!(compare("P0030801SR", "P00308010200"), Greater);
        assert_eq!(
            compare("CP7912080004SCCP080108A", "CP7912080003SCCP070409A"),
            Greater
        );
        assert_eq!(compare("A001C030", "A001C031"), NotComparable);
        assert_eq!(compare("term41.default", "term41.default"), Equal);
    }

    fn manifest(path: &str) -> std::vec::Vec<u8> {
        std::fs::read(std::format!(
            "{}/../testdata/loads/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn reads_real_manifests() {
        use std::vec::Vec;
        let d = manifest("julianhead__CiscoPhones/P0S3-8-12-00.loads");
        let m = LoadsManifest::parse(&d);
        assert_eq!(m.name, Some("P0S3-8-12-00"));
        assert_eq!(
            m.files().collect::<Vec<_>>(),
            ["P003-8-12-00.sbn", "P0S3-8-12-00.sb2"]
        );
        assert_eq!(m.value("LA_VERSION"), Some("PAS30830"));

        let d = manifest("3nd0y__firmware-7911G/SIP11.9-4-2SR1-1S.loads");
        let m = LoadsManifest::parse(&d);
        assert_eq!(m.name, Some("SIP11.9-4-2SR1-1S"));
        assert_eq!(
            m.files().collect::<Vec<_>>(),
            [
                "jar11sip.9-4-2ES9.sbn",
                "cnu11.9-4-2ES9.sbn",
                "apps11.9-4-2ES9.sbn",
                "dsp11.9-4-2ES9.sbn",
                "cvm11sip.9-4-2ES9.sbn"
            ]
        );

        let d = manifest("julianhead__CiscoPhones/term41.default.loads");
        let m = LoadsManifest::parse(&d);
        assert_eq!(m.name, Some("term41.default"));
        assert_eq!(m.files().count(), 5);

        let d = manifest("GarnetAlliance__Cisco-8861-mpp/sip88xx.12-0-7MPP0201-66.loads");
        let m = LoadsManifest::parse(&d);
        assert_eq!(m.name, Some("sip88xx.12-0-7MPP0201-66"));
        let files: Vec<_> = m.files().collect();
        assert!(
            files.contains(&"rootfs88xx.12-0-7MPP0201-66.sbn"),
            "{files:?}"
        );
        assert_eq!(files.first(), Some(&"fbi88xx.BE-01-011P.sbn"));
        assert_eq!(m.value("version"), Some("12-0-7MPP0201-66"));
    }
}
