//! # dialtone-core
//!
//! The small vocabulary every dialtone state machine speaks: an injected
//! monotonic [`Instant`], the [`Transmit`] a machine hands its driver, the
//! [`InsufficientSize`] error of caller-provided buffers, a caller-chosen
//! connection identifier [`ConnId`], and a seeded, reproducible [`Rng`].
//!
//! This crate has no sockets, no clock, no threads and no allocation; it builds
//! with `#![no_std]`. Drivers (the `dialtone` tool, tests, C firmware through the
//! FFI) read their own clock and pass it in as an [`Instant`].
//!
//! ```
//! use core::time::Duration;
//! use dialtone_core::{Instant, Rng};
//!
//! let start = Instant::ZERO;
//! let deadline = start + Duration::from_secs(30);
//! assert_eq!(deadline.saturating_since(start), Duration::from_secs(30));
//! assert_eq!(start.saturating_since(deadline), Duration::ZERO);
//!
//! // Same seed, same sequence: tests are reproducible.
//! let (mut a, mut b) = (Rng::new(7), Rng::new(7));
//! assert_eq!(a.next_u64(), b.next_u64());
//! let jitter = a.range_u64(0, 1000); // 0 <= jitter < 1000
//! assert!(jitter < 1000);
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(feature = "std", test))]
extern crate std;

use core::ops::{Add, AddAssign, Sub};
use core::time::Duration;

/// A point on a monotonic clock, in milliseconds since an origin the driver
/// chooses (boot, process start, or `0` in tests).
///
/// State machines never read a clock; every `handle_*` verb takes `now: Instant`.
/// C callers pass the same value as `uint64_t now_ms`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// The origin; tests start here.
    pub const ZERO: Instant = Instant(0);
    /// The latest representable instant ("never").
    pub const MAX: Instant = Instant(u64::MAX);

    /// An instant `ms` milliseconds after the origin.
    #[must_use]
    pub const fn from_millis(ms: u64) -> Self {
        Instant(ms)
    }

    /// An instant `secs` seconds after the origin (saturating).
    #[must_use]
    pub const fn from_secs(secs: u64) -> Self {
        Instant(secs.saturating_mul(1000))
    }

    /// Milliseconds since the origin.
    #[must_use]
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Time elapsed from `earlier` to `self`, or zero when `earlier` is later.
    #[must_use]
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }

    /// `self + d`, saturating at [`Instant::MAX`]. Sub-millisecond parts of `d`
    /// are rounded up so a deadline is never earlier than asked.
    #[must_use]
    pub fn saturating_add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(duration_ms_ceil(d)))
    }

    /// `self - d`, saturating at [`Instant::ZERO`].
    #[must_use]
    pub fn saturating_sub(self, d: Duration) -> Instant {
        Instant(self.0.saturating_sub(duration_ms_ceil(d)))
    }
}

fn duration_ms_ceil(d: Duration) -> u64 {
    let ms = d.as_millis();
    let ms = if d.subsec_nanos() % 1_000_000 != 0 {
        ms + 1
    } else {
        ms
    };
    u64::try_from(ms).unwrap_or(u64::MAX)
}

impl Add<Duration> for Instant {
    type Output = Instant;
    /// Saturating; see [`Instant::saturating_add`].
    fn add(self, d: Duration) -> Instant {
        self.saturating_add(d)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = self.saturating_add(d);
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    /// Saturating; see [`Instant::saturating_sub`].
    fn sub(self, d: Duration) -> Instant {
        self.saturating_sub(d)
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    /// Saturating; see [`Instant::saturating_since`].
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_since(earlier)
    }
}

/// The earliest of several optional deadlines (`None` when all are `None`).
///
/// A composite machine's `poll_timeout` is the earliest of its children's.
#[must_use]
pub fn earliest<I: IntoIterator<Item = Option<Instant>>>(deadlines: I) -> Option<Instant> {
    deadlines.into_iter().flatten().min()
}

/// A caller-chosen identifier of a stream connection (TCP, TLS), opaque to the
/// state machines. Datagram protocols use `core::net::SocketAddr` instead.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub u32);

/// One unit of output written by a `poll_transmit(buf)` call: `len` bytes at
/// the start of the caller's buffer, to be sent to `to`.
///
/// `P` is the peer type: [`ConnId`] for stream protocols,
/// `core::net::SocketAddr` for datagrams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Transmit<P> {
    /// Where the bytes go.
    pub to: P,
    /// How many bytes at the start of the caller's buffer were written.
    pub len: usize,
}

/// The caller's buffer is too small; nothing was written or consumed.
///
/// Retry with a buffer of at least `required` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("buffer too small: {required} bytes required")]
pub struct InsufficientSize {
    /// The buffer size that would have succeeded.
    pub required: usize,
}

/// Writes `src` at the start of `out`, or reports how much room it needs.
///
/// # Errors
/// [`InsufficientSize`] when `out` is shorter than `src`; `out` is untouched.
pub fn write_all(out: &mut [u8], src: &[u8]) -> Result<usize, InsufficientSize> {
    match out.get_mut(..src.len()) {
        Some(dst) => {
            dst.copy_from_slice(src);
            Ok(src.len())
        }
        None => Err(InsufficientSize {
            required: src.len(),
        }),
    }
}

/// A small, fast, seeded pseudo-random generator (xoshiro256\*\*, seeded by
/// SplitMix64) for jitter, ports, nonces, tags and transaction ids.
///
/// Not cryptographic: digest nonces that must resist guessing should mix in
/// entropy the embedder supplies through the seed. The same seed always yields
/// the same sequence on every platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose whole sequence is fixed by `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let mut next = || {
            sm = sm.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = sm;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// The next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// A uniform value in `lo..hi` (returns `lo` when the range is empty).
    pub fn range_u64(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        let span = hi - lo;
        // Lemire's multiply-shift with rejection: unbiased.
        loop {
            let x = self.next_u64();
            let m = u128::from(x) * u128::from(span);
            let low = m as u64;
            if low >= span.wrapping_neg() % span {
                return lo + (m >> 64) as u64;
            }
        }
    }

    /// A uniform duration in `lo..=hi`, at millisecond resolution.
    pub fn duration_between(&mut self, lo: Duration, hi: Duration) -> Duration {
        let lo_ms = u64::try_from(lo.as_millis()).unwrap_or(u64::MAX);
        let hi_ms = u64::try_from(hi.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(self.range_u64(lo_ms, hi_ms.saturating_add(1)))
    }

    /// Fills `dest` with random bytes.
    pub fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            let n = chunk.len();
            chunk.copy_from_slice(&v[..n]);
        }
    }

    /// A fresh generator for a child machine, derived from this one, so that
    /// children get independent but reproducible streams.
    pub fn fork(&mut self) -> Rng {
        Rng::new(self.next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_arithmetic_saturates() {
        let t = Instant::from_millis(1500);
        assert_eq!(t + Duration::from_millis(500), Instant::from_secs(2));
        assert_eq!(Instant::MAX + Duration::from_secs(1), Instant::MAX);
        assert_eq!(Instant::ZERO - Duration::from_secs(1), Instant::ZERO);
        assert_eq!(Instant::ZERO - t, Duration::ZERO);
        assert_eq!(t - Instant::ZERO, Duration::from_millis(1500));
        // Sub-millisecond remainders round up so deadlines are never early.
        assert_eq!(
            Instant::ZERO + Duration::from_micros(1),
            Instant::from_millis(1)
        );
    }

    #[test]
    fn earliest_ignores_none() {
        assert_eq!(earliest([None, None]), None);
        assert_eq!(
            earliest([
                None,
                Some(Instant::from_millis(5)),
                Some(Instant::from_millis(3))
            ]),
            Some(Instant::from_millis(3))
        );
    }

    #[test]
    fn rng_is_reproducible_and_in_range() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
            let v = a.range_u64(10, 20);
            assert!((10..20).contains(&v));
            b.range_u64(10, 20);
        }
        assert_eq!(a.range_u64(5, 5), 5);
        let d = a.duration_between(Duration::from_secs(1), Duration::from_secs(10));
        assert!(d >= Duration::from_secs(1) && d <= Duration::from_secs(10));
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }

    #[test]
    fn write_all_reports_required_size() {
        let mut buf = [0u8; 3];
        assert_eq!(
            write_all(&mut buf, b"abcd"),
            Err(InsufficientSize { required: 4 })
        );
        assert_eq!(buf, [0; 3]);
        assert_eq!(write_all(&mut buf, b"ab"), Ok(2));
        assert_eq!(&buf[..2], b"ab");
    }
}
