//! Small text helpers shared by the header views.

/// Trims SP, HT, CR and LF (folded values keep their inner line breaks, which
/// count as whitespace everywhere, RFC 3261 §7.3.1).
pub(crate) fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let start = b.iter().position(|c| !ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !ws(c)).map_or(start, |e| e + 1);
    // Both ends sit next to ASCII bytes, hence on char boundaries.
    s.get(start..end).unwrap_or_default()
}

/// `str::split_once` for one ASCII byte, by `memchr`.
pub(crate) trait SplitByte {
    /// Splits at the first `c`, which is not part of either half.
    fn split_byte(&self, c: u8) -> Option<(&str, &str)>;
}

impl SplitByte for str {
    fn split_byte(&self, c: u8) -> Option<(&str, &str)> {
        let i = memchr::memchr(c, self.as_bytes())?;
        Some((self.get(..i)?, self.get(i + 1..)?))
    }
}

/// Splits `s` at `sep` where it is outside double quotes and `<...>`.
pub(crate) fn split_top(s: &str, sep: u8) -> SplitTop<'_> {
    SplitTop { rest: Some(s), sep }
}

/// Iterator of [`split_top`].
pub(crate) struct SplitTop<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for SplitTop<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        let bytes = s.as_bytes();
        let mut quoted = false;
        let mut angle = false;
        let mut i = 0;
        loop {
            let rest = bytes.get(i..).unwrap_or_default();
            // Jump to the next byte that matters in the current context.
            let step = if quoted {
                memchr::memchr2(b'"', b'\\', rest)
            } else if angle {
                memchr::memchr2(b'>', b'"', rest)
            } else {
                memchr::memchr3(self.sep, b'"', b'<', rest)
            };
            let Some(step) = step else { break };
            i += step;
            let Some(&b) = bytes.get(i) else { break };
            match b {
                b'\\' if quoted => i += 1,
                b'"' => quoted = !quoted,
                b'<' if !quoted => angle = true,
                b'>' if !quoted => angle = false,
                _ if b == self.sep && !quoted && !angle => {
                    let (head, tail) = s.split_at_checked(i).unwrap_or((s, ""));
                    self.rest = tail.get(1..);
                    return Some(head);
                }
                _ => {}
            }
            i += 1;
        }
        self.rest = None;
        Some(s)
    }
}

/// Removes one pair of surrounding double quotes, if present.
pub(crate) fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_respects_quotes_and_angles() {
        let v: std::vec::Vec<_> =
            split_top(r#""a,b" <sip:x;p=1,2>;q=1, <sip:y>, "esc\",x""#, b',').collect();
        assert_eq!(
            v,
            [r#""a,b" <sip:x;p=1,2>;q=1"#, " <sip:y>", r#" "esc\",x""#]
        );
        assert_eq!(split_top("", b',').collect::<std::vec::Vec<_>>(), [""]);
    }
}
