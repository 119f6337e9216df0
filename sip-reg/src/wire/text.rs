//! Small text helpers shared by the header views.

/// Trims SP, HT, CR and LF (folded values keep their inner line breaks, which
/// count as whitespace everywhere, RFC 3261 §7.3.1).
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    // Usually there is nothing to trim.
    if let (Some(first), Some(last)) = (b.first(), b.last()) {
        if !ws(first) && !ws(last) {
            return s;
        }
    }
    let start = b.iter().position(|c| !ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !ws(c)).map_or(start, |e| e + 1);
    // Both ends sit next to ASCII bytes, hence on char boundaries.
    s.get(start..end).unwrap_or_default()
}

/// `str::split_once` for one ASCII byte. A plain byte scan: the strings are
/// short and the byte is usually near their start.
pub(crate) trait SplitByte {
    /// Splits at the first `c`, which is not part of either half.
    fn split_byte(&self, c: u8) -> Option<(&str, &str)>;
}

impl SplitByte for str {
    fn split_byte(&self, c: u8) -> Option<(&str, &str)> {
        let i = find_byte(self.as_bytes(), c)?;
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
        if find_byte(bytes, self.sep).is_none() {
            self.rest = None;
            return Some(s);
        }
        let mut quoted = false;
        let mut angle = false;
        let mut i = 0;
        loop {
            let rest = bytes.get(i..).unwrap_or_default();
            // Jump to the next byte that matters in the current context.
            let step = if quoted {
                find2(b'"', b'\\', rest)
            } else if angle {
                find2(b'>', b'"', rest)
            } else {
                find3(self.sep, b'"', b'<', rest)
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

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte of `x` equal to `c`: exact for the lowest such
/// byte (a borrow can only mark bytes above a real match).
pub(super) fn eq_bytes(x: u64, c: u8) -> u64 {
    let y = x ^ (LO * u64::from(c));
    y.wrapping_sub(LO) & !y & HI
}

/// Eight bytes at `at` as a little-endian word.
fn word(b: &[u8], at: usize) -> Option<u64> {
    let w: [u8; 8] = b.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(w))
}

/// A set of bytes a scan stops at, tested eight bytes at a time in a word,
/// and sixteen at a time in an SSE2 vector where the target has SSE2.
pub(crate) trait ByteSet: Copy {
    /// High bit set in each byte of `x` in the set: exact for the lowest
    /// such byte (see [`eq_bytes`]).
    fn word_hits(self, x: u64) -> u64;

    /// All ones in each byte of `v` in the set.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    fn vec_hits(self, v: wide::u8x16) -> wide::u8x16;
}

/// Sixteen bytes at `at` as a vector.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn vec_at(b: &[u8], at: usize) -> Option<wide::u8x16> {
    let v: [u8; 16] = b.get(at..at + 16)?.try_into().ok()?;
    Some(wide::u8x16::from(v))
}

/// Bytes at most SP (controls and blanks) as [`ByteSet::vec_hits`] marks
/// them.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn vec_low(v: wide::u8x16) -> wide::u8x16 {
    v.min(wide::u8x16::splat(0x20)).cmp_eq(v)
}

/// Index of the first byte of `b` in `set`; `b.len()` when there is none.
/// Sixteen bytes at a time where the target has SSE2 and `b` has sixteen,
/// else eight.
#[inline]
pub(crate) fn find_word(b: &[u8], set: impl ByteSet) -> usize {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Some(last) = b.len().checked_sub(16) {
        let mut i = 0;
        while let Some(v) = vec_at(b, i) {
            let m = set.vec_hits(v).move_mask();
            if m != 0 {
                return i + m.trailing_zeros() as usize;
            }
            i += 16;
        }
        if i == b.len() {
            return i;
        }
        // The last sixteen bytes again, those already seen masked off.
        let m = vec_at(b, last).map_or(0, |v| set.vec_hits(v).move_mask()) >> (i - last);
        return if m == 0 {
            b.len()
        } else {
            i + m.trailing_zeros() as usize
        };
    }
    let hits = |x| set.word_hits(x);
    let mut i = 0;
    while let Some(x) = word(b, i) {
        let m = hits(x);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    if i == b.len() {
        return i;
    }
    // The last word again, overlapping the bytes already seen.
    let Some(last) = b.len().checked_sub(8) else {
        // Shorter than one word: zero above the bytes, whose hits are
        // masked off (they cannot mark a byte below them).
        let n = b.len();
        let w = match (b.first_chunk::<4>(), b.last_chunk::<4>()) {
            // Two overlapping loads; the shared bytes are the same.
            (Some(lo), Some(hi)) => {
                u64::from(u32::from_le_bytes(*lo))
                    | u64::from(u32::from_le_bytes(*hi)) << (8 * (n - 4))
            }
            _ => b.iter().rev().fold(0u64, |w, &c| w << 8 | u64::from(c)),
        };
        let m = hits(w) & ((1u64 << (8 * n)) - 1);
        return if m == 0 {
            b.len()
        } else {
            (m.trailing_zeros() / 8) as usize
        };
    };
    let seen = i - last;
    let m = word(b, last).map_or(0, hits) & (!0u64 << (8 * seen));
    if m == 0 {
        b.len()
    } else {
        last + (m.trailing_zeros() / 8) as usize
    }
}

/// The length of the run of token bytes (see [`is_token`]) `b` starts
/// with: eight letters at a time, then byte by byte.
#[inline]
fn token_len(b: &[u8]) -> usize {
    let mut i = 0;
    loop {
        if let Some(x) = word(b, i) {
            if x & HI == 0 {
                // ASCII: OR 0x20 maps exactly the letters into 0x61..=0x7a
                // and keeps every byte below 0x80, so the adds cannot carry.
                let y = x | (LO * 0x20);
                let letter = y.wrapping_add(LO * 0x1f) & !y.wrapping_add(LO * 0x05) & HI;
                if letter == HI {
                    i += 8;
                    continue;
                }
                i += ((!letter & HI).trailing_zeros() / 8) as usize;
            }
        }
        match b.get(i) {
            Some(&c) if super::is_token_byte(c) => i += 1,
            _ => return i,
        }
    }
}

/// Index of the first byte that ends an unquoted parameter value: `sep`, a
/// control byte or SP (whitespace included), `"` or `<`.
#[inline]
pub(crate) fn find_value_end(b: &[u8], sep: u8) -> usize {
    find_word(b, ValueEnd(sep))
}

/// High bit set in each byte of `x` that ends an unquoted parameter value
/// (see [`find_value_end`]): exact for the lowest such byte.
#[inline(always)]
pub(crate) fn value_end_bytes(x: u64, sep: u8) -> u64 {
    ValueEnd(sep).word_hits(x)
}

/// The bytes [`find_value_end`] stops at.
#[derive(Clone, Copy)]
struct ValueEnd(u8);

impl ByteSet for ValueEnd {
    #[inline(always)]
    fn word_hits(self, x: u64) -> u64 {
        // Bytes below 0x21: x - 0x21 borrows into the high bit.
        let low = x.wrapping_sub(LO * 0x21) & !x & HI;
        low | eq_bytes(x, self.0) | eq_bytes(x, b'"') | eq_bytes(x, b'<')
    }

    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline(always)]
    fn vec_hits(self, v: wide::u8x16) -> wide::u8x16 {
        use wide::u8x16;
        vec_low(v)
            | v.cmp_eq(u8x16::splat(self.0))
            | v.cmp_eq(u8x16::splat(b'"'))
            | v.cmp_eq(u8x16::splat(b'<'))
    }
}

/// Index of the first `c` in `b` (memchr's SSE2 searcher called directly
/// where the target has SSE2).
#[inline]
pub(crate) fn find_byte(b: &[u8], c: u8) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Some(s) = memchr::arch::x86_64::sse2::memchr::One::new(c) {
        return s.find(b);
    }
    memchr::memchr(c, b)
}

/// One byte, for [`find_lf`](super::find_lf).
#[derive(Clone, Copy)]
pub(crate) struct OneByte(pub(crate) u8);

impl ByteSet for OneByte {
    #[inline(always)]
    fn word_hits(self, x: u64) -> u64 {
        eq_bytes(x, self.0)
    }

    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline(always)]
    fn vec_hits(self, v: wide::u8x16) -> wide::u8x16 {
        v.cmp_eq(wide::u8x16::splat(self.0))
    }
}

/// Index of the first `"` or `\\`, eight bytes at a time (quoted values
/// are short: a word loop beats a vector search there).
#[inline]
fn find_quote_end(b: &[u8]) -> usize {
    find_word(b, QuoteEnd)
}

/// The bytes [`find_quote_end`] stops at.
#[derive(Clone, Copy)]
struct QuoteEnd;

impl ByteSet for QuoteEnd {
    #[inline(always)]
    fn word_hits(self, x: u64) -> u64 {
        eq_bytes(x, b'"') | eq_bytes(x, b'\\')
    }

    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline(always)]
    fn vec_hits(self, v: wide::u8x16) -> wide::u8x16 {
        use wide::u8x16;
        v.cmp_eq(u8x16::splat(b'"')) | v.cmp_eq(u8x16::splat(b'\\'))
    }
}

/// Index of the first SP, HT, CR or LF.
pub(crate) fn find_ws(s: &str) -> Option<usize> {
    s.bytes().position(is_ws)
}

/// Whitespace [`trim`] removes.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The pieces of a `sep`-separated parameter list, as [`split_top`] splits
/// it, each trimmed, empty ones skipped, split at its first `=` into a
/// trimmed name and a trimmed, [`unquote`]d value (`None` without `=`).
///
/// Pieces of the usual shape (`token [= token-ish | "quoted"]`) are read in
/// one pass over their bytes; anything else is split as `split_top` does.
pub(crate) fn params(s: &str, sep: u8) -> ParamScan<'_> {
    ParamScan { s, pos: 0, sep }
}

/// Index of the first non-whitespace byte of `b` at or after `i`.
#[inline(always)]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).copied().is_some_and(is_ws) {
        i += 1;
    }
    i
}

/// Index of the first byte of `b` at or after `i` that is neither `sep` nor
/// whitespace.
#[inline(always)]
fn skip_seps(b: &[u8], mut i: usize, sep: u8) -> usize {
    while let Some(&c) = b.get(i) {
        if c != sep && !is_ws(c) {
            break;
        }
        i += 1;
    }
    i
}

/// Iterator of [`params`].
pub(crate) struct ParamScan<'a> {
    s: &'a str,
    pos: usize,
    sep: u8,
}

impl<'a> ParamScan<'a> {
    /// Index of the first non-whitespace byte at or after `i`.
    fn skip_ws(&self, i: usize) -> usize {
        skip_ws(self.s.as_bytes(), i)
    }

    /// Where a piece that ends at `i` (after trailing whitespace) lets the
    /// next one start, or `None` when something else follows.
    fn piece_end(&self, i: usize) -> Option<usize> {
        let i = self.skip_ws(i);
        match self.s.as_bytes().get(i) {
            None => Some(i),
            Some(&b) if b == self.sep => Some(i + 1),
            Some(_) => None,
        }
    }

    /// The usual shape, starting at the non-blank byte `i`: `sep` is `;`
    /// or `,` (any other separator takes the general path).
    fn fast(&self, i: usize) -> Option<((&'a str, Option<&'a str>), usize)> {
        if self.sep != b';' && self.sep != b',' {
            return None;
        }
        let b = self.s.as_bytes();
        let tail = b.get(i..)?;
        let j = i + token_len(tail);
        if j == i {
            return None;
        }
        let name = self.s.get(i..j)?;
        let k = self.skip_ws(j);
        if b.get(k) != Some(&b'=') {
            return Some(((name, None), self.piece_end(k)?));
        }
        let k = self.skip_ws(k + 1);
        if b.get(k) == Some(&b'"') {
            let q = closing_quote(b, k + 1)?;
            let value = self.s.get(k + 1..q)?;
            Some(((name, Some(value)), self.piece_end(q + 1)?))
        } else {
            let e = k + find_value_end(b.get(k..)?, self.sep);
            let value = self.s.get(k..e)?;
            Some(((name, Some(value)), self.piece_end(e)?))
        }
    }
}

impl<'a> Iterator for ParamScan<'a> {
    type Item = (&'a str, Option<&'a str>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let i = self.skip_ws(self.pos);
            let &b = self.s.as_bytes().get(i)?;
            if b == self.sep {
                self.pos = i + 1;
                continue;
            }
            if let Some((item, next)) = self.fast(i) {
                self.pos = next;
                return Some(item);
            }
            let rest = self.s.get(i..)?;
            let mut split = split_top(rest, self.sep);
            let piece = split.next()?;
            self.pos = match split.rest {
                Some(_) => i + piece.len() + 1,
                None => self.s.len(),
            };
            let piece = trim(piece);
            return Some(match piece.split_byte(b'=') {
                Some((n, v)) => (trim(n), Some(unquote(trim(v)))),
                None => (piece, None),
            });
        }
    }
}

/// Whether `s` is a non-empty run of token bytes.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(super::is_token_byte)
}

/// Whether a piece of a `sep` list could start with `first` (ASCII
/// case-insensitive): the first byte after the leading blanks, or after a
/// `sep` and blanks, is `first`. Every piece starts at one of those places
/// (quotes and `<...>` only remove some), so `false` means no piece's
/// trimmed text starts with `first`.
fn may_start_piece(b: &[u8], sep: u8, first: u8) -> bool {
    let starts = |i: usize| {
        b.get(skip_ws(b, i))
            .is_some_and(|c| c.eq_ignore_ascii_case(&first))
    };
    if starts(0) {
        return true;
    }
    let mut i = 0;
    while let Some(k) = b.get(i..).and_then(|rest| find_byte(rest, sep)) {
        i += k + 1;
        if starts(i) {
            return true;
        }
    }
    false
}

/// A piece [`lookup`] does not read itself.
pub(crate) struct Unusual;

/// The first piece of a `;` or `,` list named `name` (ASCII
/// case-insensitive), read as [`params`] reads it: `Ok(None)` absent,
/// `Ok(Some(None))` a flag, `Ok(Some(Some(v)))` a value. Compares names while
/// scanning and skips the other pieces without splitting them.
///
/// `name` must be made of token bytes (see [`is_token`]).
///
/// # Errors
/// [`Unusual`] when `name` is empty or a piece before the match is not of
/// the usual shape: then read with [`params`].
pub(crate) fn lookup<'a>(
    s: &'a str,
    sep: u8,
    name: &str,
) -> Result<Option<Option<&'a str>>, Unusual> {
    let want = name.as_bytes();
    if want.is_empty() {
        return Err(Unusual);
    }
    if sep != b';' && sep != b',' {
        return Err(Unusual);
    }
    let b = s.as_bytes();
    if !want.first().is_some_and(|&w| may_start_piece(b, sep, w)) {
        return Ok(None);
    }
    let mut i = 0;
    loop {
        i = skip_seps(b, i, sep);
        let rest = b.get(i..).unwrap_or_default();
        let Some(first) = rest.first() else {
            return Ok(None);
        };
        // A piece whose trimmed name starts with another byte is not the one,
        // whatever its shape: skip to its end as `split_top` would.
        if want.first().is_some_and(|w| !w.eq_ignore_ascii_case(first)) {
            match skip_piece(b, i, sep) {
                Some(next) => {
                    i = next;
                    continue;
                }
                None => return Ok(None),
            }
        }
        let tok = token_len(rest);
        if tok == 0 {
            return Err(Unusual);
        }
        // Both are token bytes, where OR-ing 0x20 folds exactly the letters.
        let hit = tok == want.len()
            && rest
                .iter()
                .zip(want)
                .fold(0, |acc, (a, b)| acc | ((a ^ b) & !0x20))
                == 0;
        let k = skip_ws(b, i + tok);
        match b.get(k) {
            None => return Ok(hit.then_some(None)),
            Some(&c) if c == sep => {
                if hit {
                    return Ok(Some(None));
                }
                i = k + 1;
                continue;
            }
            Some(b'=') => {}
            Some(_) => return Err(Unusual),
        }
        let k = skip_ws(b, k + 1);
        let (value, after) = if b.get(k) == Some(&b'"') {
            let q = closing_quote(b, k + 1).ok_or(Unusual)?;
            (s.get(k + 1..q), q + 1)
        } else {
            let e = k + find_value_end(b.get(k..).unwrap_or_default(), sep);
            (s.get(k..e), e)
        };
        let a = skip_ws(b, after);
        match b.get(a) {
            None => {}
            Some(&c) if c == sep => {}
            Some(_) => return Err(Unusual),
        }
        if hit {
            return Ok(Some(Some(value.ok_or(Unusual)?)));
        }
        i = a + 1;
    }
}

/// Index of the first `a` or `b` (memchr, its SSE2 searcher called directly
/// where the target has SSE2).
#[inline]
fn find2(a: u8, b: u8, h: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Some(s) = memchr::arch::x86_64::sse2::memchr::Two::new(a, b) {
        return s.find(h);
    }
    memchr::memchr2(a, b, h)
}

/// Index of the first `a`, `b` or `c`, as [`find2`].
#[inline]
fn find3(a: u8, b: u8, c: u8, h: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Some(s) = memchr::arch::x86_64::sse2::memchr::Three::new(a, b, c) {
        return s.find(h);
    }
    memchr::memchr3(a, b, c, h)
}

/// Where the piece of a `sep` list starting at byte `i` ends, as
/// [`split_top`] splits (at `sep` outside double quotes, with `\\` escapes,
/// and outside `<...>`): the index after its `sep`, `None` when it runs to
/// the end.
fn skip_piece(b: &[u8], mut i: usize, sep: u8) -> Option<usize> {
    let mut angle = false;
    loop {
        let rest = b.get(i..)?;
        i += if angle {
            find2(b'>', b'"', rest)?
        } else {
            find3(sep, b'"', b'<', rest)?
        };
        match *b.get(i)? {
            b'"' => {
                i = closing_quote(b, i + 1)?;
                // The usual `"value";`: the piece ends right after the quote.
                if !angle && b.get(i + 1) == Some(&sep) {
                    return Some(i + 2);
                }
            }
            b'<' if !angle => angle = true,
            b'>' if angle => angle = false,
            c if c == sep && !angle => return Some(i + 1),
            _ => {}
        }
        i += 1;
    }
}

/// Index of the first byte that ends a parameter name in [`scan_usual`]:
/// `=`, `sep`, a control byte or SP, `"` or `<`.
#[inline]
pub(crate) fn find_name_end(b: &[u8], sep: u8) -> usize {
    find_word(b, NameEnd(sep))
}

/// The bytes [`find_name_end`] stops at.
#[derive(Clone, Copy)]
struct NameEnd(u8);

impl ByteSet for NameEnd {
    #[inline(always)]
    fn word_hits(self, x: u64) -> u64 {
        ValueEnd(self.0).word_hits(x) | eq_bytes(x, b'=')
    }

    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline(always)]
    fn vec_hits(self, v: wide::u8x16) -> wide::u8x16 {
        ValueEnd(self.0).vec_hits(v) | v.cmp_eq(wide::u8x16::splat(b'='))
    }
}

/// Index of the closing `"` of a quoted string whose content starts at
/// `q` (a `\\` escapes the byte after it), eight bytes at a time.
#[inline]
pub(crate) fn closing_quote(b: &[u8], mut q: usize) -> Option<usize> {
    loop {
        q += find_quote_end(b.get(q..)?);
        match b.get(q)? {
            b'"' => return Some(q),
            _ => q += 2,
        }
    }
}

/// Reads a `;` or `,` list in one pass when every piece has the usual shape
/// (a name without blanks, quotes or `<`, then `= value` or nothing, where
/// the value is a quoted string or a run without blanks, quotes or `<`),
/// calling `visit` with each piece's name and value in order, as [`params`]
/// yields them.
///
/// # Errors
/// [`Unusual`] at the first piece of another shape (the pieces before it
/// were visited): then read the whole list with [`params`].
#[inline]
pub(crate) fn scan_usual<'a>(
    s: &'a str,
    sep: u8,
    mut visit: impl FnMut(&'a str, Option<&'a str>),
) -> Result<(), Unusual> {
    if sep != b';' && sep != b',' {
        return Err(Unusual);
    }
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        i = skip_seps(b, i, sep);
        let Some(rest) = b.get(i..).filter(|r| !r.is_empty()) else {
            return Ok(());
        };
        let end = i + find_name_end(rest, sep);
        if end == i {
            return Err(Unusual);
        }
        let name = s.get(i..end).ok_or(Unusual)?;
        let mut k = end;
        if b.get(k).copied().is_some_and(is_ws) {
            k = skip_ws(b, k);
        }
        let (value, after) = if b.get(k) == Some(&b'=') {
            let mut k = k + 1;
            if b.get(k).copied().is_some_and(is_ws) {
                k = skip_ws(b, k);
            }
            if b.get(k) == Some(&b'"') {
                let q = closing_quote(b, k + 1).ok_or(Unusual)?;
                (Some(s.get(k + 1..q).ok_or(Unusual)?), q + 1)
            } else {
                let e = k + find_value_end(b.get(k..).unwrap_or_default(), sep);
                (Some(s.get(k..e).ok_or(Unusual)?), e)
            }
        } else {
            (None, k)
        };
        let mut a = after;
        match b.get(a) {
            None => {}
            Some(&c) if c == sep => {}
            Some(&c) if is_ws(c) => {
                a = skip_ws(b, a);
                match b.get(a) {
                    None => {}
                    Some(&c) if c == sep => {}
                    Some(_) => return Err(Unusual),
                }
            }
            Some(_) => return Err(Unusual),
        }
        visit(name, value);
        i = a + 1;
    }
}

/// Removes one pair of surrounding double quotes, if present.
pub(crate) fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(s)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Up to `max_len - 1` bytes drawn from `alphabet`.
    pub(crate) fn random_bytes(
        rng: &mut dialtone_core::Rng,
        alphabet: &[u8],
        max_len: u64,
    ) -> std::vec::Vec<u8> {
        let len = rng.range_u64(0, max_len);
        (0..len)
            .map(|_| alphabet[rng.range_u64(0, alphabet.len() as u64) as usize])
            .collect()
    }

    #[test]
    fn token_len_is_the_byte_loop() {
        let byte_loop = |b: &[u8]| {
            b.iter()
                .position(|&c| !crate::wire::is_token_byte(c))
                .unwrap_or(b.len())
        };
        let mut rng = dialtone_core::Rng::new(5);
        let alphabet = b"azAZ09-.!%*_+`'~@[{/:;=\" \t\x00\x7f\x80\xc1\xe1\xfagq";
        for _ in 0..100_000 {
            let len = rng.range_u64(0, 30) as usize;
            let letters = rng.range_u64(0, 2) == 0;
            let b: std::vec::Vec<u8> = (0..len)
                .map(|_| {
                    if letters && rng.range_u64(0, 4) != 0 {
                        b'a' + rng.range_u64(0, 26) as u8
                    } else {
                        alphabet[rng.range_u64(0, alphabet.len() as u64) as usize]
                    }
                })
                .collect();
            assert_eq!(token_len(&b), byte_loop(&b), "{b:?}");
        }
        for c in 0..=255u8 {
            for n in [1, 7, 8, 9, 17] {
                let mut b = std::vec![b'a'; n];
                b[n - 1] = c;
                assert_eq!(token_len(&b), byte_loop(&b), "{c} {n}");
            }
        }
    }

    #[test]
    fn word_scans_match_byte_scans() {
        let mut rng = dialtone_core::Rng::new(3);
        let alphabet = b"ab;,\"<\\ \t\r\n\x01\x7f\x80\xffZ=";
        for _ in 0..20_000 {
            let b = random_bytes(&mut rng, alphabet, 40);
            for sep in [b';', b','] {
                let want = b
                    .iter()
                    .position(|&c| c <= b' ' || c == sep || c == b'"' || c == b'<')
                    .unwrap_or(b.len());
                assert_eq!(find_value_end(&b, sep), want, "{b:?}");
            }
            let want = b
                .iter()
                .position(|&c| c == b'"' || c == b'\\')
                .unwrap_or(b.len());
            assert_eq!(find_quote_end(&b), want, "{b:?}");
        }
    }

    #[test]
    fn params_match_the_split_reading() {
        let slow = |s: &str,
                    sep: u8|
         -> std::vec::Vec<(std::string::String, Option<std::string::String>)> {
            split_top(s, sep)
                .filter_map(|p| {
                    let p = trim(p);
                    if p.is_empty() {
                        return None;
                    }
                    Some(match p.split_byte(b'=') {
                        Some((n, v)) => (trim(n).into(), Some(unquote(trim(v)).into())),
                        None => (p.into(), None),
                    })
                })
                .collect()
        };
        for s in [
            r#";branch=z9hG4bK.1;rport;received=10.0.0.1"#,
            r#" a = "x;y\"z" ; b ;; c=<sip:a;b>;d="unterminated"#,
            r#"+sip.instance="<urn:uuid:1>";+u.sip!x.y="S";video;e=1 2;f="a" b"#,
            r#"username="u", realm=r ,nonce="n\"", uri=<sip:a,b>, x, ="v", nc=00000001,"#,
            r#"a\b=1;c=""#,
            r#"tag=1;TAG=2;expires;expires=5;q="0;5,x";+sip.instance="<urn:a;b,c>";reg-id"#,
            r#"a@b=1;c/d;e=f=g;h>=i;j=k>"#,
            "",
            ";",
            " 	",
        ] {
            for sep in [b';', b','] {
                for name in [
                    "a",
                    "b",
                    "C",
                    "d",
                    "e",
                    "f",
                    "nc",
                    "username",
                    "x",
                    "+sip.instance",
                    "video",
                ] {
                    let want = slow(s, sep)
                        .into_iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v);
                    if !is_token(name) {
                        continue;
                    }
                    if let Ok(got) = lookup(s, sep, name) {
                        assert_eq!(
                            got.map(|v| v.map(std::string::String::from)),
                            want,
                            "{s:?} {name}"
                        );
                    }
                }
                let fast: std::vec::Vec<_> = params(s, sep)
                    .map(|(n, v)| (n.into(), v.map(std::string::String::from)))
                    .collect();
                assert_eq!(fast, slow(s, sep), "{s:?} {sep}");
                let mut usual = std::vec::Vec::new();
                if scan_usual(s, sep, |n, v| usual.push((n.into(), v.map(Into::into)))).is_ok() {
                    assert_eq!(usual, fast, "{s:?} {sep}");
                }
            }
        }
    }

    #[test]
    fn lookup_matches_the_split_reading_on_random_lists() {
        let mut rng = dialtone_core::Rng::new(11);
        let alphabet = b"ab;,=\"<>\\ \t\r\nZ=;";
        let mut fast = 0;
        let mut scanned = 0;
        for _ in 0..50_000 {
            let b = random_bytes(&mut rng, alphabet, 24);
            let Ok(s) = core::str::from_utf8(&b) else {
                continue;
            };
            for sep in [b';', b','] {
                let slow: std::vec::Vec<_> = split_top(s, sep)
                    .map(trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| match p.split_byte(b'=') {
                        Some((n, v)) => (trim(n), Some(unquote(trim(v)))),
                        None => (p, None),
                    })
                    .collect();
                assert_eq!(params(s, sep).collect::<std::vec::Vec<_>>(), slow, "{s:?}");
                let mut usual = std::vec::Vec::new();
                match scan_usual(s, sep, |n, v| usual.push((n, v))) {
                    Ok(()) => {
                        assert_eq!(usual, slow, "{s:?}");
                        scanned += 1;
                    }
                    // The pieces before the unusual one are read as `params` reads them.
                    Err(Unusual) => assert_eq!(usual[..], slow[..usual.len()], "{s:?}"),
                }
                for name in ["a", "b", "aZ", "Ab"] {
                    let want = slow
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(name))
                        .map(|(_, v)| *v);
                    if let Ok(got) = lookup(s, sep, name) {
                        assert_eq!(got, want, "{s:?} {name:?}");
                        fast += 1;
                    }
                }
            }
        }
        assert!(fast > 100_000, "{fast}");
        assert!(scanned > 10_000, "{scanned}");
    }

    #[test]
    fn byte_set_scans_find_the_first_byte_of_the_set() {
        let mut rng = dialtone_core::Rng::new(29);
        let alphabet = b"ab=;,\"<\\ \t\r\n\x01\x7f\x80\xff";
        let first = |b: &[u8], stop: &dyn Fn(u8) -> bool| {
            b.iter().position(|&c| stop(c)).unwrap_or(b.len())
        };
        let value_end = |sep: u8| move |c: u8| c <= 0x20 || c == sep || c == b'"' || c == b'<';
        for _ in 0..20_000 {
            // Mostly letters, so that the first stop falls anywhere in
            // runs longer than one or two vectors.
            let len = rng.range_u64(0, 70) as usize;
            let b: std::vec::Vec<u8> = (0..len)
                .map(|_| {
                    if rng.range_u64(0, 12) == 0 {
                        alphabet[rng.range_u64(0, alphabet.len() as u64) as usize]
                    } else {
                        b'x'
                    }
                })
                .collect();
            for sep in [b';', b','] {
                let v = value_end(sep);
                assert_eq!(find_value_end(&b, sep), first(&b, &v), "{b:?}");
                assert_eq!(
                    find_name_end(&b, sep),
                    first(&b, &|c| v(c) || c == b'='),
                    "{b:?}"
                );
                assert_eq!(
                    find_word(&b, OneByte(sep)),
                    first(&b, &|c| c == sep),
                    "{b:?}"
                );
            }
            assert_eq!(
                find_quote_end(&b),
                first(&b, &|c| c == b'"' || c == b'\\'),
                "{b:?}"
            );
        }
    }

    #[test]
    fn may_start_piece_is_false_only_without_such_a_piece() {
        let mut rng = dialtone_core::Rng::new(17);
        let alphabet = b"aAeE;,=\"<>\\ \t\r\nxZ";
        let mut absent = 0;
        for _ in 0..50_000 {
            let b = random_bytes(&mut rng, alphabet, 20);
            let Ok(s) = core::str::from_utf8(&b) else {
                continue;
            };
            for sep in [b';', b','] {
                for first in [b'a', b'e', b'x', b'+'] {
                    if !may_start_piece(&b, sep, first) {
                        absent += 1;
                        assert!(
                            params(s, sep).all(|(n, _)| !n
                                .as_bytes()
                                .first()
                                .is_some_and(|c| c.eq_ignore_ascii_case(&first))),
                            "{s:?} {first}"
                        );
                    }
                }
            }
        }
        assert!(absent > 50_000, "{absent}");
        assert!(may_start_piece(b"x=1; Expires=5", b';', b'e'));
        assert!(may_start_piece(b"  e", b';', b'e'));
        assert!(!may_start_piece(b"x=\"e\";y", b';', b'e'));
        assert_eq!(
            lookup("x=\"a;expires=1\";expires=2", b';', "expires").ok(),
            Some(Some(Some("2")))
        );
    }

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
