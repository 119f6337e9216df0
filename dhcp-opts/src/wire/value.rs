//! A borrowed view of one option's value, concatenated across RFC 3396
//! instances without copying.

use core::net::Ipv4Addr;

use dialtone_core::InsufficientSize;

use super::packet::{Ipv4List, Options, Overload};

/// The value of one option: either a single instance (the usual case: a
/// plain `&[u8]`, see [`OptionValue::as_slice`]) or the RFC 3396 concatenation
/// of several instances of the same code, read in place through
/// [`OptionValue::fragments`] / [`OptionValue::bytes`], copied with
/// [`OptionValue::copy_to`], or (feature `alloc`) [`OptionValue::to_vec`].
#[derive(Debug, Clone)]
pub struct OptionValue<'a> {
    /// A single instance: its value bytes (already trimmed). Split: the whole
    /// message, whose instances of `code` are found again on demand.
    data: &'a [u8],
    /// Split only: bytes kept (after trimming), `usize::MAX` = all.
    limit: usize,
    code: u8,
    /// Split only: the message's option 52 (which fields carry options).
    split: Option<Overload>,
}

impl<'a> OptionValue<'a> {
    /// The concatenation of every instance of `code` in the checked message
    /// `msg` whose option 52 is `overload` (RFC 3396).
    #[inline]
    pub(crate) fn split(code: u8, msg: &'a [u8], overload: Overload) -> Self {
        OptionValue {
            data: msg,
            limit: usize::MAX,
            code,
            split: Some(overload),
        }
    }

    #[inline(always)]
    pub(crate) fn single(code: u8, data: &'a [u8]) -> Self {
        OptionValue {
            data,
            limit: usize::MAX,
            code,
            split: None,
        }
    }

    /// A value made of one slice (for building or testing).
    pub fn from_slice(code: u8, data: &'a [u8]) -> Self {
        Self::single(code, data)
    }

    /// The option code.
    pub fn code(&self) -> u8 {
        self.code
    }

    /// True when the value spans several instances.
    pub fn is_split(&self) -> bool {
        self.split.is_some()
    }

    /// The value's instances, in order (empty instances included).
    #[inline]
    pub fn fragments(&self) -> Fragments<'a> {
        match self.split {
            None => Fragments {
                code: self.code,
                first: Some(self.data),
                rest: None,
                left: usize::MAX,
            },
            Some(ov) => Fragments {
                code: self.code,
                first: None,
                rest: Some(Options::of_message(self.data, ov)),
                left: self.limit,
            },
        }
    }

    /// The value's bytes, in order.
    #[inline]
    pub fn bytes(&self) -> Bytes<'a> {
        Bytes {
            cur: [].iter(),
            frags: self.fragments(),
        }
    }

    /// Total length in bytes.
    #[inline(always)]
    pub fn len(&self) -> usize {
        if self.split.is_none() {
            self.data.len()
        } else {
            self.split_len()
        }
    }

    /// [`OptionValue::len`] of a value spanning several instances.
    #[inline(never)]
    fn split_len(&self) -> usize {
        self.fragments().map(<[u8]>::len).sum()
    }

    /// True for a zero-length value.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value as one borrowed slice when it is a single instance.
    #[inline]
    pub fn as_slice(&self) -> Option<&'a [u8]> {
        match self.split {
            None => Some(self.data),
            Some(_) => None,
        }
    }

    /// The value as `&str` when it is a single instance of valid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.as_slice()?).ok()
    }

    /// Copies the whole value to the start of `out`.
    ///
    /// # Errors
    /// [`InsufficientSize`] when `out` is shorter than [`OptionValue::len`];
    /// nothing is written then.
    pub fn copy_to(&self, out: &mut [u8]) -> Result<usize, InsufficientSize> {
        let n = self.len();
        let Some(dst) = out.get_mut(..n) else {
            return Err(InsufficientSize { required: n });
        };
        let mut at = 0;
        for f in self.fragments() {
            if let Some(d) = dst.get_mut(at..at + f.len()) {
                d.copy_from_slice(f);
            }
            at += f.len();
        }
        Ok(n)
    }

    /// The whole value in a new vector.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> alloc::vec::Vec<u8> {
        let mut v = alloc::vec::Vec::with_capacity(self.len());
        for f in self.fragments() {
            v.extend_from_slice(f);
        }
        v
    }

    /// True when the value equals `other` byte for byte.
    pub fn eq_bytes(&self, other: &[u8]) -> bool {
        match self.as_slice() {
            Some(s) => s == other,
            None => self.len() == other.len() && self.bytes().eq(other.iter().copied()),
        }
    }

    /// The same value without trailing NUL bytes.
    #[must_use]
    #[inline(always)]
    pub fn trim_trailing_nuls(mut self) -> Self {
        if self.split.is_none() {
            let mut d = self.data;
            while let [rest @ .., 0] = d {
                d = rest;
            }
            self.data = d;
            return self;
        }
        self.trim_split()
    }

    /// [`OptionValue::trim_trailing_nuls`] of a value spanning several instances.
    #[inline(never)]
    fn trim_split(mut self) -> Self {
        let mut kept = 0usize;
        let mut at = 0usize;
        for b in self.bytes() {
            at += 1;
            if b != 0 {
                kept = at;
            }
        }
        self.limit = kept;
        self
    }

    /// The value as exactly `N` bytes, or `None` for another length.
    #[inline(always)]
    pub fn array<const N: usize>(&self) -> Option<[u8; N]> {
        if self.split.is_none() {
            return self.data.try_into().ok();
        }
        self.array_split()
    }

    /// [`OptionValue::array`] of a value spanning several instances.
    #[inline(never)]
    fn array_split<const N: usize>(&self) -> Option<[u8; N]> {
        if self.len() != N {
            return None;
        }
        let mut a = [0u8; N];
        for (d, s) in a.iter_mut().zip(self.bytes()) {
            *d = s;
        }
        Some(a)
    }

    /// The next 4 bytes of an address list: a single instance is consumed
    /// from its front, a split value is read at `*at`, which moves on.
    #[inline(always)]
    pub(crate) fn take4(&mut self, at: &mut usize) -> Option<[u8; 4]> {
        if self.split.is_none() {
            let [a, b, c, d, rest @ ..] = self.data else {
                return None;
            };
            self.data = rest;
            return Some([*a, *b, *c, *d]);
        }
        self.take4_split(at)
    }

    #[inline(never)]
    fn take4_split(&self, at: &mut usize) -> Option<[u8; 4]> {
        let mut it = self.bytes().skip(*at);
        let r = [it.next()?, it.next()?, it.next()?, it.next()?];
        *at += 4;
        Some(r)
    }

    /// A 4-byte value as an address.
    #[inline(always)]
    pub fn ipv4(&self) -> Option<Ipv4Addr> {
        self.array::<4>().map(Ipv4Addr::from)
    }

    /// A 4-byte big-endian integer.
    #[inline(always)]
    pub fn u32(&self) -> Option<u32> {
        self.array::<4>().map(u32::from_be_bytes)
    }

    /// A 2-byte big-endian integer.
    #[inline(always)]
    pub fn u16(&self) -> Option<u16> {
        self.array::<2>().map(u16::from_be_bytes)
    }

    /// A non-empty list of addresses (length a multiple of 4).
    #[inline]
    pub fn ipv4_list(self) -> Option<Ipv4List<'a>> {
        let n = self.len();
        (n >= 4 && n % 4 == 0).then(|| Ipv4List::new(self))
    }
}

impl PartialEq for OptionValue<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code && self.len() == other.len() && self.bytes().eq(other.bytes())
    }
}

impl Eq for OptionValue<'_> {}

/// The instances making up an [`OptionValue`].
#[derive(Debug, Clone)]
pub struct Fragments<'a> {
    code: u8,
    first: Option<&'a [u8]>,
    rest: Option<Options<'a>>,
    left: usize,
}

impl<'a> Iterator for Fragments<'a> {
    type Item = &'a [u8];
    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        let f = match self.first.take() {
            Some(f) => f,
            None => {
                let code = self.code;
                self.rest.as_mut()?.find(|o| o.code == code)?.data
            }
        };
        let f = f.get(..self.left).unwrap_or(f);
        self.left -= f.len();
        Some(f)
    }
}

/// The bytes of an [`OptionValue`].
#[derive(Debug, Clone)]
pub struct Bytes<'a> {
    cur: core::slice::Iter<'a, u8>,
    frags: Fragments<'a>,
}

impl Iterator for Bytes<'_> {
    type Item = u8;
    #[inline]
    fn next(&mut self) -> Option<u8> {
        loop {
            if let Some(b) = self.cur.next() {
                return Some(*b);
            }
            self.cur = self.frags.next()?.iter();
        }
    }
}
