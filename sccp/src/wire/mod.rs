//! Wire format: the 12-byte header, [`Frame`] views, field types and message layouts.
//!
//! Every integer is little-endian; IPv4/IPv6 address bytes are in network order
//! (`sccp.md` §1.2).

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use zerocopy::little_endian::U32;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::error::DecodeError;

pub mod framer;
pub mod labels;
pub mod message;
pub mod types;

/// Size of the Skinny header: length, header version, message id.
pub const HEADER_LEN: usize = 12;

/// The 12-byte header (`sccp.md` §1.2).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(C)]
pub struct Header {
    /// Bytes after the first 8 header bytes: message id (4) + body.
    pub length: U32,
    /// 0 ("Basic") or the negotiated protocol version (§1.3).
    pub version: U32,
    /// Message id (§2.1).
    pub message_id: U32,
}

/// A checked view of one complete Skinny PDU.
///
/// Invariant (established by [`Frame::new_checked`]): the buffer holds at
/// least 12 bytes, the length field is ≥ 4, and the buffer holds at least
/// `length + 8` bytes. No accessor panics afterwards. Bytes beyond
/// `length + 8` are ignored.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Frame<T: AsRef<[u8]>> {
    buf: T,
}

impl<T: AsRef<[u8]>> Frame<T> {
    /// Checks the header of `buf` and wraps it.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`] when `buf` is shorter than the header or than
    /// the length field announces; [`DecodeError::Inconsistent`] when the
    /// length field is below 4.
    pub fn new_checked(buf: T) -> Result<Self, DecodeError> {
        let b = buf.as_ref();
        let Some(head) = b.get(..HEADER_LEN) else {
            return Err(DecodeError::Truncated {
                offset: b.len(),
                needed: HEADER_LEN - b.len(),
            });
        };
        let len = read_u32(head, 0);
        if len < 4 {
            return Err(DecodeError::Inconsistent {
                offset: 0,
                field: "length",
            });
        }
        let total = (len as u64).saturating_add(8);
        if (b.len() as u64) < total {
            return Err(DecodeError::Truncated {
                offset: b.len(),
                needed: usize::try_from(total - b.len() as u64).unwrap_or(usize::MAX),
            });
        }
        Ok(Frame { buf })
    }

    /// Wraps a buffer already known to satisfy the invariant.
    pub(crate) fn new_unchecked(buf: T) -> Self {
        Frame { buf }
    }

    #[inline]
    fn header_bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// The header length field (message id + body).
    #[inline]
    #[must_use]
    pub fn length(&self) -> u32 {
        read_u32(self.header_bytes(), 0)
    }

    /// The header version field (§1.3).
    #[inline]
    #[must_use]
    pub fn header_version(&self) -> u32 {
        read_u32(self.header_bytes(), 4)
    }

    /// The message id.
    #[inline]
    #[must_use]
    pub fn message_id(&self) -> u32 {
        read_u32(self.header_bytes(), 8)
    }

    /// Bytes of the whole PDU (`length + 8`).
    #[inline]
    #[must_use]
    pub fn total_len(&self) -> usize {
        self.length() as usize + 8
    }

    /// The whole PDU, header included.
    #[inline]
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        let b = self.buf.as_ref();
        b.get(..self.total_len()).unwrap_or(b)
    }

    /// The body (after the 12-byte header).
    #[inline]
    #[must_use]
    pub fn body(&self) -> &[u8] {
        self.as_bytes().get(HEADER_LEN..).unwrap_or(&[])
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buf
    }
}

impl<'a> Frame<&'a [u8]> {
    /// The body, with the lifetime of the underlying buffer.
    #[inline]
    #[must_use]
    pub fn body_ref(&self) -> &'a [u8] {
        let b: &'a [u8] = self.buf;
        let total = self.total_len();
        b.get(HEADER_LEN..total).unwrap_or(&[])
    }

    /// The whole PDU, with the lifetime of the underlying buffer.
    #[inline]
    #[must_use]
    pub fn bytes_ref(&self) -> &'a [u8] {
        let b: &'a [u8] = self.buf;
        b.get(..self.total_len()).unwrap_or(b)
    }
}

impl<T: AsRef<[u8]>> fmt::Debug for Frame<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame")
            .field("length", &self.length())
            .field("header_version", &self.header_version())
            .field("message_id", &format_args!("{:#06x}", self.message_id()))
            .field("body_len", &self.body().len())
            .finish()
    }
}

/// Reads a LE u32 at `off`, 0 when out of range (callers check lengths first).
#[inline]
pub(crate) fn read_u32(b: &[u8], off: usize) -> u32 {
    match b.get(off..off + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

/// Writes a Skinny header into `out[..12]` (caller checked the size).
pub(crate) fn write_header(out: &mut [u8], body_len: usize, version: u32, id: u32) {
    let h = Header {
        length: U32::new((body_len + 4) as u32),
        version: U32::new(version),
        message_id: U32::new(id),
    };
    if let Some(dst) = out.get_mut(..HEADER_LEN) {
        dst.copy_from_slice(h.as_bytes());
    }
}

// ---------------------------------------------------------------------------
// Field types

/// A fixed-size, NUL-padded character array (`sccp.md` §1.5).
///
/// A string that fills the array has no NUL. Use [`Str::as_str`] for plain
/// ASCII fields (device names, load names), [`Str::bytes`] for the raw bytes up
/// to the first NUL, and [`Str::segments`] for display texts with label
/// escapes.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned,
)]
#[repr(transparent)]
pub struct Str<const N: usize>(pub [u8; N]);

/// The field holds a byte outside printable ASCII; the raw bytes are still
/// available through [`Str::bytes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("byte {byte:#04x} at index {index} is not printable ASCII")]
pub struct NotAscii {
    /// Index of the first offending byte.
    pub index: usize,
    /// The byte.
    pub byte: u8,
}

/// The text does not fit the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("text of {len} bytes does not fit a {max}-byte field")]
pub struct TooLong {
    /// Length of the text.
    pub len: usize,
    /// Capacity of the field.
    pub max: usize,
}

impl<const N: usize> Str<N> {
    /// An all-NUL field.
    pub const EMPTY: Self = Str([0; N]);

    /// Builds a field from `text`; it may fill the whole field (no NUL then).
    ///
    /// # Errors
    /// [`TooLong`] when `text` is longer than `N` bytes.
    pub fn new(text: &[u8]) -> Result<Self, TooLong> {
        let mut a = [0u8; N];
        match a.get_mut(..text.len()) {
            Some(dst) => {
                dst.copy_from_slice(text);
                Ok(Str(a))
            }
            None => Err(TooLong {
                len: text.len(),
                max: N,
            }),
        }
    }

    /// Builds a field from `text`, keeping room for a terminating NUL (what
    /// most peers expect in display and device-name fields).
    ///
    /// # Errors
    /// [`TooLong`] when `text` is longer than `N - 1` bytes.
    pub fn new_terminated(text: &[u8]) -> Result<Self, TooLong> {
        if text.len() >= N {
            return Err(TooLong {
                len: text.len(),
                max: N.saturating_sub(1),
            });
        }
        Self::new(text)
    }

    /// The bytes up to the first NUL (all `N` when there is none).
    #[inline]
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(N);
        self.0.get(..end).unwrap_or(&self.0)
    }

    /// All `N` raw bytes, padding included.
    #[must_use]
    pub fn raw(&self) -> &[u8; N] {
        &self.0
    }

    /// The text up to the first NUL as `&str`, when it is printable ASCII.
    ///
    /// # Errors
    /// [`NotAscii`] names the first byte outside 0x20..=0x7E.
    #[inline]
    pub fn as_str(&self) -> Result<&str, NotAscii> {
        let b = self.bytes();
        // Printable ASCII: 0x20..=0x7E, i.e. (c + 1) as i8 > 0x20.
        if !b.iter().all(|&c| (c.wrapping_add(1) as i8) > 0x20) {
            let index = b
                .iter()
                .position(|&c| !(0x20..=0x7e).contains(&c))
                .unwrap_or(0);
            return Err(NotAscii {
                index,
                byte: b.get(index).copied().unwrap_or(0),
            });
        }
        core::str::from_utf8(b).map_err(|e| NotAscii {
            index: e.valid_up_to(),
            byte: 0,
        })
    }

    /// The text up to the first NUL split into literal runs and label escapes
    /// (0x80 / 0x1E + index, §1.5).
    #[must_use]
    pub fn segments(&self) -> labels::Segments<'_> {
        labels::Segments::new(self.bytes())
    }
}

impl<const N: usize> Default for Str<N> {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl<const N: usize> fmt::Debug for Str<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.bytes().escape_ascii())
    }
}

/// An IPv4 address in network byte order.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(transparent)]
pub struct Ipv4(pub [u8; 4]);

impl Ipv4 {
    /// The address.
    #[inline]
    #[must_use]
    pub fn get(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.0)
    }
    /// Wraps an address.
    #[must_use]
    pub fn new(a: Ipv4Addr) -> Self {
        Ipv4(a.octets())
    }
}

impl fmt::Debug for Ipv4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.get())
    }
}

/// An IPv6 address in network byte order.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(transparent)]
pub struct Ipv6(pub [u8; 16]);

impl Ipv6 {
    /// The address.
    #[must_use]
    pub fn get(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.0)
    }
    /// Wraps an address.
    #[must_use]
    pub fn new(a: Ipv6Addr) -> Self {
        Ipv6(a.octets())
    }
}

impl fmt::Debug for Ipv6 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.get())
    }
}

/// The 20-byte "ipv4or6" address of protocol ≥ 17 (§1.3): u32 type
/// (0 IPv4, 1 IPv6, 2 both, 3 invalid) + 16 address bytes (IPv4 in the first 4).
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(C)]
pub struct Ipv4or6 {
    /// Address type: 0 IPv4, 1 IPv6, 2 both, 3 invalid.
    pub kind: U32,
    /// Address bytes, network order.
    pub addr: [u8; 16],
}

impl Ipv4or6 {
    /// Type value for IPv4.
    pub const IPV4: u32 = 0;
    /// Type value for IPv6.
    pub const IPV6: u32 = 1;

    /// The address: IPv4 for type 0, IPv6 for types 1 and 2, `None` otherwise.
    #[must_use]
    pub fn get(&self) -> Option<IpAddr> {
        match self.kind.get() {
            0 => {
                let [a, b, c, d, ..] = self.addr;
                Some(IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
            }
            1 | 2 => Some(IpAddr::V6(Ipv6Addr::from(self.addr))),
            _ => None,
        }
    }

    /// Encodes an address (type 0 or 1).
    #[must_use]
    pub fn new(a: IpAddr) -> Self {
        match a {
            IpAddr::V4(v4) => {
                let mut addr = [0; 16];
                addr[..4].copy_from_slice(&v4.octets());
                Ipv4or6 {
                    kind: U32::new(0),
                    addr,
                }
            }
            IpAddr::V6(v6) => Ipv4or6 {
                kind: U32::new(1),
                addr: v6.octets(),
            },
        }
    }
}

impl fmt::Debug for Ipv4or6 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.get() {
            Some(a) => write!(f, "{a}"),
            None => write!(f, "Ipv4or6(type {}, {:02x?})", self.kind.get(), self.addr),
        }
    }
}

/// An empty layout: the body part of messages that carry nothing.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(C)]
pub struct Empty {}

/// The station identifier sub-structure (24 bytes, `sccp.md` §2.2).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    FromBytes,
    IntoBytes,
    KnownLayout,
    Immutable,
    Unaligned,
)]
#[repr(C)]
pub struct StationId {
    /// Device name, e.g. `SEP001F9E266369` (≤ 15 characters + NUL).
    pub device_name: Str<16>,
    /// User id (always 0 in practice).
    pub user_id: U32,
    /// Instance (1 in every example).
    pub instance: U32,
}

impl StationId {
    /// A station id with user id 0.
    ///
    /// # Errors
    /// [`TooLong`] when the name has more than 15 bytes.
    pub fn new(device_name: &str, instance: u32) -> Result<Self, TooLong> {
        Ok(StationId {
            device_name: Str::new_terminated(device_name.as_bytes())?,
            user_id: U32::new(0),
            instance: U32::new(instance),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_nul_padded_and_checked() {
        let s = Str::<8>::new(b"SEP1").unwrap();
        assert_eq!(s.raw(), b"SEP1\0\0\0\0");
        assert_eq!(s.as_str(), Ok("SEP1"));
        let full = Str::<4>::new(b"ABCD").unwrap();
        assert_eq!(full.as_str(), Ok("ABCD"), "a full field has no NUL");
        assert!(Str::<4>::new_terminated(b"ABCD").is_err());
        assert_eq!(Str::<4>::new(b"ABCDE"), Err(TooLong { len: 5, max: 4 }));
        let odd = Str([b'a', 0xe9, b'b', 0]);
        assert_eq!(
            odd.as_str(),
            Err(NotAscii {
                index: 1,
                byte: 0xe9
            })
        );
        assert_eq!(odd.bytes(), b"a\xe9b");
        assert_eq!(
            Str([b'a', 0x1f, 0, 0]).as_str(),
            Err(NotAscii {
                index: 1,
                byte: 0x1f
            })
        );
        assert_eq!(
            Str([0x7f]).as_str(),
            Err(NotAscii {
                index: 0,
                byte: 0x7f
            })
        );
        assert_eq!(Str::<3>::EMPTY.as_str(), Ok(""));
    }

    #[test]
    fn addresses() {
        let a = Ipv4or6::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(a.get(), Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
        let b = Ipv4or6::new(IpAddr::V6(Ipv6Addr::LOCALHOST));
        assert_eq!(b.get(), Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        let c = Ipv4or6 {
            kind: U32::new(3),
            addr: [0; 16],
        };
        assert_eq!(c.get(), None);
    }

    #[test]
    fn frames_check_lengths() {
        assert_eq!(
            Frame::new_checked(&[4u8, 0, 0][..]).unwrap_err(),
            DecodeError::Truncated {
                offset: 3,
                needed: 9
            }
        );
        assert_eq!(
            Frame::new_checked(&[3u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][..]).unwrap_err(),
            DecodeError::Inconsistent {
                offset: 0,
                field: "length"
            }
        );
        assert_eq!(
            Frame::new_checked(&[8u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1][..]).unwrap_err(),
            DecodeError::Truncated {
                offset: 13,
                needed: 3
            }
        );
        let f = Frame::new_checked(&[4u8, 0, 0, 0, 0x14, 0, 0, 0, 0, 1, 0, 0, 0xff][..]).unwrap();
        assert_eq!(
            (
                f.length(),
                f.header_version(),
                f.message_id(),
                f.body().len(),
                f.total_len()
            ),
            (4, 0x14, 0x100, 0, 12)
        );
    }
}
