//! Encoding a DHCP message into a caller buffer (RFC 2131 §2, RFC 3396).

use core::net::Ipv4Addr;

use dialtone_core::InsufficientSize;
use zerocopy::FromBytes;

use super::code;
use super::packet::{Op, RawHeader, FILE_OFFSET, HEADER_LEN, MAGIC_COOKIE, SNAME_OFFSET};
use crate::EmitError;

/// The BOOTP minimum message length relays expect (RFC 1542 §3.1.1); shorter
/// messages are padded with zeros after END.
pub const MIN_BOOTP_LEN: usize = 300;
/// The BOOTP message size every DHCP peer must accept: a 576-byte IP datagram
/// less 20 bytes of IP and 8 of UDP header (RFC 2131 §2).
pub const DEFAULT_MAX_LEN: usize = 548;

/// One option to encode: its code and whole value. Values longer than 255
/// bytes are split into several instances (RFC 3396 §6); an empty value is
/// encoded as a zero-length option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OptionRef<'a> {
    /// Option code; 0 and 255 are written as single pad/end bytes' codes and
    /// must not be used here.
    pub code: u8,
    /// The value, any length.
    pub value: &'a [u8],
}

/// A DHCP message to encode: header fields and the options in the order they
/// are written (put option 53 first by convention).
///
/// # Size limit and overload
/// `max_len` bounds the whole BOOTP message (a server sets it from the
/// client's option 57 with [`MessageRepr::with_max_message_size`]). When the
/// options do not fit in the options field and `allow_overload` is set, the
/// remaining options go to `file` then `sname` (only those left empty by the
/// caller) and option 52 is added to the options field (RFC 2131 §4.1, RFC
/// 2132 §9.3); a long option is split at field boundaries as RFC 3396 allows.
/// When they still do not fit, [`MessageRepr::emit`] fails with
/// [`EmitError::TooLarge`] and writes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageRepr<'a> {
    /// `op`.
    pub op: Op,
    /// `htype` (1 = Ethernet).
    pub htype: u8,
    /// `hops`.
    pub hops: u8,
    /// `xid`.
    pub xid: u32,
    /// `secs`.
    pub secs: u16,
    /// `flags` (see [`FLAG_BROADCAST`](super::FLAG_BROADCAST)).
    pub flags: u16,
    /// `ciaddr`.
    pub ciaddr: Ipv4Addr,
    /// `yiaddr`.
    pub yiaddr: Ipv4Addr,
    /// `siaddr`.
    pub siaddr: Ipv4Addr,
    /// `giaddr`.
    pub giaddr: Ipv4Addr,
    /// Client hardware address, at most 16 bytes; `hlen` is its length.
    pub chaddr: &'a [u8],
    /// `sname` content (at most 64 bytes, zero-padded).
    pub sname: &'a [u8],
    /// `file` content (at most 128 bytes, zero-padded).
    pub file: &'a [u8],
    /// Options in order.
    pub options: &'a [OptionRef<'a>],
    /// Largest BOOTP message allowed (default [`DEFAULT_MAX_LEN`]).
    pub max_len: usize,
    /// Messages are padded to at least this length (default [`MIN_BOOTP_LEN`]).
    pub min_len: usize,
    /// Use `file`/`sname` for options when needed (default true).
    pub allow_overload: bool,
}

/// `dst.copy_from_slice(src)` for slices of equal length, with the short
/// lengths most options have done by fixed-size (possibly overlapping)
/// moves instead of a `memcpy` call.
#[inline(always)]
fn copy_value(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if dst.len() != n {
        return;
    }
    match n {
        0 => {}
        1..=3 => {
            dst[0] = src[0];
            dst[n / 2] = src[n / 2];
            dst[n - 1] = src[n - 1];
        }
        4..=8 => {
            dst[..4].copy_from_slice(&src[..4]);
            dst[n - 4..].copy_from_slice(&src[n - 4..]);
        }
        9..=16 => {
            dst[..8].copy_from_slice(&src[..8]);
            dst[n - 8..].copy_from_slice(&src[n - 8..]);
        }
        _ => dst.copy_from_slice(src),
    }
}

/// Where instances go: per-region capacity (bytes before END) and use.
#[derive(Clone, Copy)]
struct Plan {
    caps: [usize; 3],
    used: [usize; 3],
}

impl<'a> MessageRepr<'a> {
    /// A message with zero addresses, no options and default limits.
    #[must_use]
    pub fn new(op: Op, xid: u32, chaddr: &'a [u8]) -> Self {
        MessageRepr {
            op,
            htype: 1,
            hops: 0,
            xid,
            secs: 0,
            flags: 0,
            ciaddr: Ipv4Addr::UNSPECIFIED,
            yiaddr: Ipv4Addr::UNSPECIFIED,
            siaddr: Ipv4Addr::UNSPECIFIED,
            giaddr: Ipv4Addr::UNSPECIFIED,
            chaddr,
            sname: &[],
            file: &[],
            options: &[],
            max_len: DEFAULT_MAX_LEN,
            min_len: MIN_BOOTP_LEN,
            allow_overload: true,
        }
    }

    /// Sets `max_len` from a peer's option 57 (which counts the IP and UDP
    /// headers, 28 bytes; values below the legal minimum 576 count as 576).
    #[must_use]
    pub fn with_max_message_size(mut self, opt57: u16) -> Self {
        self.max_len = usize::from(opt57.max(576)) - 28;
        self
    }

    fn check_fields(&self) -> Result<(), EmitError> {
        if self.chaddr.len() > 16 {
            return Err(EmitError::FieldTooLong { field: "chaddr" });
        }
        if self.sname.len() > 64 {
            return Err(EmitError::FieldTooLong { field: "sname" });
        }
        if self.file.len() > 128 {
            return Err(EmitError::FieldTooLong { field: "file" });
        }
        Ok(())
    }

    /// Lays out every instance; `put(region, offset_in_region, code, chunk)`.
    fn place(
        &self,
        caps: [usize; 3],
        mut put: impl FnMut(usize, usize, u8, &[u8]),
    ) -> Option<Plan> {
        let mut plan = Plan { caps, used: [0; 3] };
        let mut r = 0usize;
        for o in self.options {
            let mut rest = o.value;
            if rest.len() <= 255 {
                let need = 2 + rest.len();
                while plan.caps.get(r)?.saturating_sub(*plan.used.get(r)?) < need {
                    r += 1;
                }
                put(r, plan.used[r], o.code, rest);
                plan.used[r] += need;
                continue;
            }
            while !rest.is_empty() {
                let room = plan.caps.get(r)?.saturating_sub(*plan.used.get(r)?);
                if room < 3 {
                    r += 1;
                    continue;
                }
                let n = rest.len().min(255).min(room - 2);
                let (chunk, tail) = rest.split_at(n);
                put(r, plan.used[r], o.code, chunk);
                plan.used[r] += 2 + n;
                rest = tail;
            }
        }
        Some(plan)
    }

    /// Caps for the plain layout, then for the overloaded one.
    fn plan(&self) -> Result<(Plan, bool), EmitError> {
        self.check_fields()?;
        let main = self.max_len.saturating_sub(HEADER_LEN + 1);
        if let Some(p) = self.place([main, 0, 0], |_, _, _, _| {}) {
            return Ok((p, false));
        }
        if self.allow_overload {
            let file = if self.file.is_empty() { 127 } else { 0 };
            let sname = if self.sname.is_empty() { 63 } else { 0 };
            if let Some(p) = self.place([main.saturating_sub(3), file, sname], |_, _, _, _| {}) {
                return Ok((p, true));
            }
        }
        let needed = self
            .place([usize::MAX, 0, 0], |_, _, _, _| {})
            .map_or(usize::MAX, |p| HEADER_LEN + p.used[0] + 1);
        Err(EmitError::TooLarge {
            needed,
            max: self.max_len,
        })
    }

    /// Bytes the options take in the options field when they all fit there
    /// without splitting (no value over 255 bytes), else `None`: the common
    /// case, encoded without the layout planner.
    #[inline]
    fn simple_len(&self) -> Option<usize> {
        // Every length is at most 255 exactly when their OR is; the sum is
        // then below 257 per `OptionRef` in memory, far from `u64::MAX`.
        let mut lens = 0usize;
        let mut used = 0u64;
        for o in self.options {
            lens |= o.value.len();
            used = used.wrapping_add(2 + o.value.len() as u64);
        }
        let used = usize::try_from(used).ok()?;
        let main = self.max_len.saturating_sub(HEADER_LEN + 1);
        (lens <= 255 && used <= main).then_some(used)
    }

    /// Writes the fixed head (fields already checked) into the zeroed `out`.
    #[inline]
    fn write_header(&self, out: &mut [u8]) {
        let Ok((h, _)) = RawHeader::mut_from_prefix(out) else {
            return;
        };
        h.op = self.op.into();
        h.htype = self.htype;
        h.hlen = self.chaddr.len() as u8;
        h.hops = self.hops;
        h.xid = self.xid.into();
        h.secs = self.secs.into();
        h.flags = self.flags.into();
        h.ciaddr = self.ciaddr.octets();
        h.yiaddr = self.yiaddr.octets();
        h.siaddr = self.siaddr.octets();
        h.giaddr = self.giaddr.octets();
        if let Some(d) = h.chaddr.get_mut(..self.chaddr.len()) {
            copy_value(d, self.chaddr);
        }
        if let Some(d) = h.sname.get_mut(..self.sname.len()) {
            copy_value(d, self.sname);
        }
        if let Some(d) = h.file.get_mut(..self.file.len()) {
            copy_value(d, self.file);
        }
        h.cookie = MAGIC_COOKIE;
    }

    fn len_of(&self, plan: &Plan, overloaded: bool) -> usize {
        let end = HEADER_LEN + plan.used[0] + if overloaded { 3 } else { 0 } + 1;
        end.max(self.min_len.min(self.max_len))
    }

    /// Exact number of bytes [`MessageRepr::emit`] writes.
    ///
    /// # Errors
    /// The same layout errors as [`MessageRepr::emit`] (never `Insufficient`).
    pub fn buffer_len(&self) -> Result<usize, EmitError> {
        self.check_fields()?;
        if let Some(used) = self.simple_len() {
            return Ok((HEADER_LEN + used + 1).max(self.min_len.min(self.max_len)));
        }
        let (plan, ov) = self.plan()?;
        Ok(self.len_of(&plan, ov))
    }

    /// Writes the message at the start of `out` and returns its length.
    ///
    /// # Errors
    /// [`EmitError::Insufficient`] when `out` is shorter than
    /// [`MessageRepr::buffer_len`]; [`EmitError::TooLarge`] /
    /// [`EmitError::FieldTooLong`] when the message cannot be encoded. Nothing
    /// is written on error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        self.check_fields()?;
        if let Some(used) = self.simple_len() {
            let len = (HEADER_LEN + used + 1).max(self.min_len.min(self.max_len));
            let Some(out) = out.get_mut(..len) else {
                return Err(InsufficientSize { required: len }.into());
            };
            out.fill(0);
            self.write_header(out);
            // `len` covers the head, every option and END: no write fails.
            let mut rest = out.get_mut(HEADER_LEN..).unwrap_or_default();
            for o in self.options {
                let Some((dst, tail)) =
                    core::mem::take(&mut rest).split_at_mut_checked(2 + o.value.len())
                else {
                    break;
                };
                if let [c, l, v @ ..] = dst {
                    *c = o.code;
                    *l = o.value.len() as u8;
                    copy_value(v, o.value);
                }
                rest = tail;
            }
            if let Some(e) = rest.first_mut() {
                *e = code::END;
            }
            return Ok(len);
        }
        let (plan, overloaded) = self.plan()?;
        let len = self.len_of(&plan, overloaded);
        let Some(out) = out.get_mut(..len) else {
            return Err(InsufficientSize { required: len }.into());
        };
        out.fill(0);
        self.write_header(out);
        let bases = [HEADER_LEN, FILE_OFFSET, SNAME_OFFSET];
        self.place(plan.caps, |r, at, c, chunk| {
            let p = bases[r] + at;
            out[p] = c;
            out[p + 1] = chunk.len() as u8;
            out[p + 2..p + 2 + chunk.len()].copy_from_slice(chunk);
        });
        let mut end = HEADER_LEN + plan.used[0];
        if overloaded {
            let v = u8::from(plan.used[1] > 0) | (u8::from(plan.used[2] > 0) << 1);
            out[end..end + 3].copy_from_slice(&[code::OVERLOAD, 1, v]);
            end += 3;
            if plan.used[1] > 0 {
                out[FILE_OFFSET + plan.used[1]] = code::END;
            }
            if plan.used[2] > 0 {
                out[SNAME_OFFSET + plan.used[2]] = code::END;
            }
        }
        out[end] = code::END;
        Ok(len)
    }
}
