//! The old text formats of the 7940/7960 images (`cnf-xml.md` §2.2, §8): `SIPDefault.cnf` /
//! `SIP<MAC>.cnf` (`name: value` lines), `OS79XX.TXT` (one image name) and `RINGLIST.DAT`.
//! The old CallManager `SEP<MAC>.cnf` / `SEPDefault.cnf` are served as opaque bytes
//! ([`Opaque`]).
//!
//! Parsing keeps every line (blank lines, comments, unparseable lines) so that writing an
//! unmodified file reproduces it byte for byte apart from line ends; a setting changed with
//! [`SipCnf::set`] is written as `name: "value"`.

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

/// Separator between name and value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Separator {
    /// `name: value` (the format the phones document).
    Colon,
    /// `name=value` (one template in the wild; whether phones accept it is open).
    Equals,
}

/// One `name: value` setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting<'a> {
    /// The line as read (`None` once modified).
    raw: Option<&'a str>,
    /// Name (`proxy1_address`).
    pub name: Cow<'a, str>,
    /// Value without quotes (`""` is an empty value).
    pub value: Cow<'a, str>,
    /// The value was double-quoted.
    pub quoted: bool,
    /// Text after `;` (the inline comment), if any.
    pub comment: Option<Cow<'a, str>>,
    /// `:` or `=`.
    pub separator: Separator,
}

/// One line of a SIP text config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SipLine<'a> {
    /// Empty or whitespace only (kept as written).
    Blank(&'a str),
    /// A `#` comment line (kept as written).
    Comment(&'a str),
    /// A setting.
    Setting(Setting<'a>),
    /// A line that is none of the above (kept as written).
    Other(&'a str),
}

/// A `SIPDefault.cnf` / `SIP<MAC>.cnf` file.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SipCnf<'a> {
    /// Lines in order.
    pub lines: Vec<SipLine<'a>>,
    /// The file used CRLF line ends (kept when writing).
    pub crlf: bool,
    /// The last line had a line end.
    pub final_newline: bool,
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-'
}

fn parse_setting(line: &str) -> Option<Setting<'_>> {
    let t = line.trim_start();
    let name_len = t.bytes().take_while(|&b| is_name_byte(b)).count();
    let (name, rest) = t.split_at_checked(name_len)?;
    if name.is_empty() {
        return None;
    }
    let rest = rest.trim_start();
    let (separator, rest) = if let Some(r) = rest.strip_prefix(':') {
        (Separator::Colon, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (Separator::Equals, r)
    } else {
        return None;
    };
    let rest = rest.trim_start();
    let (value, quoted, after) = if let Some(q) = rest.strip_prefix('"') {
        match q.find('"') {
            Some(end) => (q.get(..end)?, true, q.get(end + 1..)?),
            // No closing quote: the value runs to the comment or the end.
            None => {
                let end = q.find(';').unwrap_or(q.len());
                (q.get(..end)?.trim_end(), true, q.get(end..)?)
            }
        }
    } else {
        let end = rest.find(';').unwrap_or(rest.len());
        (rest.get(..end)?.trim_end(), false, rest.get(end..)?)
    };
    let after = after.trim_start();
    let comment = after.strip_prefix(';').map(Cow::Borrowed);
    if comment.is_none() && !after.is_empty() {
        return None;
    }
    Some(Setting {
        raw: Some(line),
        name: Cow::Borrowed(name),
        value: Cow::Borrowed(value),
        quoted,
        comment,
        separator,
    })
}

/// Splits text into lines without their ends; reports CRLF use and a final newline.
///
/// Only a `\r` before a `\n` belongs to a line end: a last line without `\n` keeps a
/// trailing `\r`, so that writing it back loses nothing.
fn split_lines(src: &str) -> (Vec<&str>, bool, bool) {
    let crlf = src.contains("\r\n");
    let final_newline = src.ends_with('\n');
    let body = src.strip_suffix('\n').unwrap_or(src);
    let mut lines = Vec::new();
    if !src.is_empty() {
        let mut rest = body.split('\n').peekable();
        while let Some(l) = rest.next() {
            let ended = rest.peek().is_some() || final_newline;
            lines.push(if ended {
                l.strip_suffix('\r').unwrap_or(l)
            } else {
                l
            });
        }
    }
    (lines, crlf, final_newline)
}

impl<'a> SipCnf<'a> {
    /// Parses a file. Never fails: unreadable lines are kept as [`SipLine::Other`].
    #[must_use]
    pub fn parse(src: &'a str) -> Self {
        let (raw_lines, crlf, final_newline) = split_lines(src);
        let lines = raw_lines
            .into_iter()
            .map(|l| {
                let t = l.trim();
                if t.is_empty() {
                    SipLine::Blank(l)
                } else if t.starts_with('#') {
                    SipLine::Comment(l)
                } else if let Some(s) = parse_setting(l) {
                    SipLine::Setting(s)
                } else {
                    SipLine::Other(l)
                }
            })
            .collect();
        SipCnf {
            lines,
            crlf,
            final_newline,
        }
    }

    /// The settings in order.
    pub fn settings(&self) -> impl Iterator<Item = &Setting<'a>> {
        self.lines.iter().filter_map(|l| match l {
            SipLine::Setting(s) => Some(s),
            _ => None,
        })
    }

    /// The value of `name` (the last occurrence wins; names compare case-insensitively).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.settings()
            .filter(|s| s.name.eq_ignore_ascii_case(name))
            .last()
            .map(|s| &*s.value)
    }

    /// `image_version`: the image the phone should run (`P0S3-8-12-00`).
    #[must_use]
    pub fn image_version(&self) -> Option<&str> {
        self.get("image_version").map(str::trim)
    }

    /// `proxy1_address` ... `proxy6_address` with their ports, in order.
    #[must_use]
    pub fn proxies(&self) -> Vec<(&str, Option<u16>)> {
        (1..=6)
            .filter_map(|i| {
                let mut key = alloc::string::String::from("proxy");
                key.push(char::from(b'0' + i));
                let addr = self.get(&(key.clone() + "_address"))?.trim();
                if addr.is_empty() || addr.eq_ignore_ascii_case("UNPROVISIONED") {
                    return None;
                }
                let port = self
                    .get(&(key + "_port"))
                    .and_then(|p| p.trim().parse().ok());
                Some((addr, port))
            })
            .collect()
    }

    /// Sets `name` (its last occurrence) or appends it; written as `name: "value"`.
    pub fn set(&mut self, name: &'a str, value: impl Into<Cow<'a, str>>) {
        let value = value.into();
        let found = self.lines.iter_mut().rev().find_map(|l| match l {
            SipLine::Setting(s) if s.name.eq_ignore_ascii_case(name) => Some(s),
            _ => None,
        });
        match found {
            Some(s) => {
                s.value = value;
                s.quoted = true;
                s.raw = None;
            }
            None => self.lines.push(SipLine::Setting(Setting {
                raw: None,
                name: Cow::Borrowed(name),
                value,
                quoted: true,
                comment: None,
                separator: Separator::Colon,
            })),
        }
    }

    /// Writes the file (line ends as read: CRLF or LF).
    ///
    /// # Errors
    /// Only the writer's.
    pub fn write<W: fmt::Write>(&self, w: &mut W) -> fmt::Result {
        let nl = if self.crlf { "\r\n" } else { "\n" };
        let n = self.lines.len();
        for (i, l) in self.lines.iter().enumerate() {
            match l {
                SipLine::Blank(s) | SipLine::Comment(s) | SipLine::Other(s) => w.write_str(s)?,
                SipLine::Setting(s) => match s.raw {
                    Some(raw) => w.write_str(raw)?,
                    None => {
                        w.write_str(&s.name)?;
                        w.write_str(match s.separator {
                            Separator::Colon => ": ",
                            Separator::Equals => "=",
                        })?;
                        if s.quoted {
                            write!(w, "\"{}\"", s.value)?;
                        } else {
                            w.write_str(&s.value)?;
                        }
                        if let Some(c) = &s.comment {
                            write!(w, "\t;{c}")?;
                        }
                    }
                },
            }
            if i + 1 < n || self.final_newline {
                w.write_str(nl)?;
            }
        }
        Ok(())
    }
}

/// Effective value of a setting on a SIP-image phone: the per-phone file overrides the
/// default file (which overrides flash) (`cnf-xml.md` §8).
#[must_use]
pub fn effective<'s>(
    default: Option<&'s SipCnf<'_>>,
    device: Option<&'s SipCnf<'_>>,
    name: &str,
) -> Option<&'s str> {
    device
        .and_then(|d| d.get(name))
        .or_else(|| default.and_then(|d| d.get(name)))
}

/// `OS79XX.TXT`: one image name (`cnf-xml.md` §2.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Os79xx<'a> {
    /// The first line as written (without its line end).
    pub line: Cow<'a, str>,
    /// The file used CRLF.
    pub crlf: bool,
}

impl<'a> Os79xx<'a> {
    /// Parses the file (only the first line matters).
    #[must_use]
    pub fn parse(src: &'a str) -> Self {
        let (lines, crlf, _) = split_lines(src);
        Os79xx {
            // A lone `\r` closing the file still reads as the line end here.
            line: Cow::Borrowed(
                lines
                    .first()
                    .map_or("", |l| l.strip_suffix('\r').unwrap_or(l)),
            ),
            crlf,
        }
    }

    /// A new file naming `image`, written with CRLF like the real ones.
    pub fn new(image: impl Into<Cow<'a, str>>) -> Self {
        Os79xx {
            line: image.into(),
            crlf: true,
        }
    }

    /// The image name, trimmed.
    #[must_use]
    pub fn image(&self) -> &str {
        self.line.trim()
    }

    /// The line carries whitespace around the name: old phones then ask for a file that
    /// does not exist (Cisco bug CSCdv19260, `cnf-xml.md` §2.2).
    #[must_use]
    pub fn has_padding(&self) -> bool {
        self.line.len() != self.image().len()
    }

    /// Writes the line and its line end.
    ///
    /// # Errors
    /// Only the writer's.
    pub fn write<W: fmt::Write>(&self, w: &mut W) -> fmt::Result {
        w.write_str(&self.line)?;
        w.write_str(if self.crlf { "\r\n" } else { "\n" })
    }
}

/// `RINGLIST.DAT`: display name, tab(s), file name per line.
pub fn ring_list_dat(src: &str) -> impl Iterator<Item = (&str, &str)> {
    src.lines().filter_map(|l| {
        let l = l.trim_end_matches('\r');
        let (name, file) = l.split_once('\t')?;
        let file = file.trim();
        (!name.trim().is_empty() && !file.is_empty()).then(|| (name.trim(), file))
    })
}

/// An old CallManager `SEP<MAC>.cnf` / `SEPDefault.cnf`: served as it is, never interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opaque<'a>(pub &'a [u8]);

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    #[test]
    fn parses_setting_shapes_of_the_real_files() {
        let cnf = SipCnf::parse(
            "\r\n# comment\r\nproxy1_address: \"10.0.0.1\"\t; the proxy\r\nproxy1_port:5060\r\nline1_name : 1001;\r\nphone_label: \"My Phone\"\r\nnat_enable=0\r\n  \r\n",
        );
        assert!(cnf.crlf);
        assert_eq!(cnf.get("proxy1_address"), Some("10.0.0.1"));
        assert_eq!(cnf.get("PROXY1_PORT"), Some("5060"));
        assert_eq!(cnf.get("line1_name"), Some("1001"));
        assert_eq!(cnf.get("phone_label"), Some("My Phone"));
        assert_eq!(cnf.get("nat_enable"), Some("0"));
        assert_eq!(cnf.proxies(), [("10.0.0.1", Some(5060))]);
        let s = cnf.settings().next().unwrap();
        assert_eq!(s.comment.as_deref(), Some(" the proxy"));
        assert!(s.quoted);
        let mut out = String::new();
        cnf.write(&mut out).unwrap();
        assert_eq!(out, "\r\n# comment\r\nproxy1_address: \"10.0.0.1\"\t; the proxy\r\nproxy1_port:5060\r\nline1_name : 1001;\r\nphone_label: \"My Phone\"\r\nnat_enable=0\r\n  \r\n");
    }

    /// Fuzz finding (`fuzz/corpus/cnf_text/trailing-cr`): a last line ending in `\r` without
    /// `\n` lost the `\r` on write, as if it were half of a CRLF line end.
    #[test]
    fn a_trailing_cr_without_lf_is_written_back() {
        for src in ["\r", "a: 1\nb\r", "a: 1\r\n\r"] {
            let cnf = SipCnf::parse(src);
            let mut out = String::new();
            cnf.write(&mut out).unwrap();
            assert_eq!(out, src);
        }
        assert!(!Os79xx::parse("P0S3-8-12-00\r").has_padding());
    }

    #[test]
    fn set_rewrites_only_the_changed_line() {
        let mut cnf = SipCnf::parse("a: 1\nb: \"2\" ; two\n");
        cnf.set("b", "3");
        cnf.set("c", "x y");
        let mut out = String::new();
        cnf.write(&mut out).unwrap();
        assert_eq!(out, "a: 1\nb: \"3\"\t; two\nc: \"x y\"\n");
        let again = SipCnf::parse(&out);
        assert_eq!(again.get("b"), Some("3"));
        assert_eq!(again.get("c"), Some("x y"));
    }

    #[test]
    fn device_file_overrides_default_file() {
        let d = SipCnf::parse("image_version: P0S3-8-12-00\nproxy1_port: 5060\n");
        let p = SipCnf::parse("proxy1_port: 5160\n");
        assert_eq!(effective(Some(&d), Some(&p), "proxy1_port"), Some("5160"));
        assert_eq!(
            effective(Some(&d), Some(&p), "image_version"),
            Some("P0S3-8-12-00")
        );
        assert_eq!(effective(None, Some(&p), "image_version"), None);
    }

    #[test]
    fn os79xx_keeps_the_trailing_space() {
        let f = Os79xx::parse("P0S3-8-12-00 \r\n");
        assert_eq!(f.image(), "P0S3-8-12-00");
        assert!(f.has_padding());
        let mut out = String::new();
        f.write(&mut out).unwrap();
        assert_eq!(out, "P0S3-8-12-00 \r\n");
        let mut out = String::new();
        Os79xx::new("P003-8-12-00").write(&mut out).unwrap();
        assert_eq!(out, "P003-8-12-00\r\n");
    }
}
