//! # dialtone-ffi
//!
//! The C ABI of the dialtone crates, for phone firmware and PBXs written in C.
//! The header `ffi/include/dialtone.h` is generated from this crate by
//! cbindgen and committed; a test fails when it is stale.
//!
//! Conventions (those of rustls-ffi):
//! - one prefix, `dialtone_`; one result enum, [`dialtone_result`];
//! - opaque handles come from `*_new` and are released once by `*_free`
//!   (passing NULL to `*_free` is fine); handles are not thread-safe;
//! - caller buffers only: every `uint8_t *` is followed by its `size_t`,
//!   out-parameters come last and are written only on
//!   `DIALTONE_RESULT_OK`; decoded views point into the caller's buffer;
//! - no panic crosses the boundary: every body runs under `catch_unwind`;
//!   after a panic a handle is poisoned and answers
//!   `DIALTONE_RESULT_PANIC` until freed;
//! - time is the caller's: `uint64_t now_ms` on a monotonic clock.
//!
//! Link with `-ldialtone` (static: `libdialtone.a`, plus `-lpthread -ldl -lm`
//! on Linux) and include `dialtone.h`.
#![allow(non_camel_case_types)]

use std::panic::{catch_unwind, AssertUnwindSafe};

pub mod cnf;
pub mod dhcp;
pub mod sccp;
pub mod sccp_station;
pub mod sip;
pub mod tftp;

/// Result of every fallible C function.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum dialtone_result {
    /// Success; out-parameters were written.
    Ok = 0,
    /// Nothing to poll right now (no transmit, no event, no frame).
    Empty = 1,
    /// The caller's buffer is too small; `*out_len` holds the size required
    /// and nothing was consumed.
    InsufficientSize = 2,
    /// A required pointer argument was NULL.
    NullParameter = 3,
    /// The input could not be decoded; nothing was consumed.
    Malformed = 4,
    /// The input is longer than the configured limit.
    Oversized = 5,
    /// The input ends before the message does: feed more bytes.
    Incomplete = 6,
    /// An argument is out of range or not valid UTF-8.
    InvalidParameter = 7,
    /// The state machine does not accept this input in its current state.
    Unexpected = 8,
    /// The connection must be closed (unrecoverable stream error).
    MustClose = 9,
    /// A panic was caught; the handle is poisoned until freed.
    Panic = 10,
}

impl dialtone_result {
    /// Human-readable description.
    #[must_use]
    pub fn text(self) -> &'static str {
        match self {
            dialtone_result::Ok => "ok",
            dialtone_result::Empty => "nothing to poll",
            dialtone_result::InsufficientSize => "buffer too small",
            dialtone_result::NullParameter => "a required pointer was NULL",
            dialtone_result::Malformed => "malformed input",
            dialtone_result::Oversized => "input exceeds the configured limit",
            dialtone_result::Incomplete => "input incomplete: feed more bytes",
            dialtone_result::InvalidParameter => "invalid parameter",
            dialtone_result::Unexpected => "input not expected in this state",
            dialtone_result::MustClose => "the connection must be closed",
            dialtone_result::Panic => "internal error (panic caught); handle poisoned",
        }
    }
}

/// Writes the description of `result` into `buf` (not NUL-terminated) and
/// its length into `*out_len`. Truncates to `len` bytes.
///
/// # Safety
/// `buf` must be valid for `len` writable bytes (or NULL with `len` 0);
/// `out_len` must be valid for a write.
#[no_mangle]
pub unsafe extern "C" fn dialtone_result_text(
    result: dialtone_result,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> dialtone_result {
    if out_len.is_null() || (buf.is_null() && len > 0) {
        return dialtone_result::NullParameter;
    }
    let text = result.text().as_bytes();
    let n = text.len().min(len);
    if n > 0 {
        // SAFETY: the caller guarantees `buf` is valid for `len >= n` bytes.
        let out = unsafe { std::slice::from_raw_parts_mut(buf, n) };
        out.copy_from_slice(&text[..n]);
    }
    // SAFETY: checked non-NULL above; the caller guarantees validity.
    unsafe { *out_len = n };
    dialtone_result::Ok
}

/// The library version as a static NUL-terminated string.
#[no_mangle]
pub extern "C" fn dialtone_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Runs `f`, turning a panic into [`dialtone_result::Panic`].
pub(crate) fn guard(f: impl FnOnce() -> dialtone_result) -> dialtone_result {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(dialtone_result::Panic)
}

/// A heap object behind an opaque C handle, poisoned by a caught panic.
pub(crate) struct Handle<T> {
    pub(crate) inner: T,
    poisoned: bool,
}

impl<T> Handle<T> {
    /// Boxes `inner` and returns the raw pointer the caller owns.
    pub(crate) fn into_raw(inner: T) -> *mut Handle<T> {
        Box::into_raw(Box::new(Handle {
            inner,
            poisoned: false,
        }))
    }

    /// Frees a pointer from [`Handle::into_raw`]; NULL is ignored.
    ///
    /// # Safety
    /// `ptr` is NULL or came from `into_raw` and was not freed before.
    pub(crate) unsafe fn free(ptr: *mut Handle<T>) {
        if !ptr.is_null() {
            // SAFETY: per the contract, `ptr` came from Box::into_raw.
            drop(unsafe { Box::from_raw(ptr) });
        }
    }

    /// Runs `f` on the handle's contents: NULL check, poison check,
    /// `catch_unwind`, and poisoning on panic.
    ///
    /// # Safety
    /// `ptr` is NULL or a live handle from `into_raw`, not used concurrently.
    pub(crate) unsafe fn with(
        ptr: *mut Handle<T>,
        f: impl FnOnce(&mut T) -> dialtone_result,
    ) -> dialtone_result {
        // SAFETY: per the contract, a non-NULL `ptr` is a live, exclusive handle.
        let Some(handle) = (unsafe { ptr.as_mut() }) else {
            return dialtone_result::NullParameter;
        };
        if handle.poisoned {
            return dialtone_result::Panic;
        }
        let r = catch_unwind(AssertUnwindSafe(|| f(&mut handle.inner)));
        match r {
            Ok(r) => r,
            Err(_) => {
                handle.poisoned = true;
                dialtone_result::Panic
            }
        }
    }

    /// Like [`Handle::with`] for non-mutating calls on a `const` handle.
    ///
    /// # Safety
    /// As for [`Handle::with`].
    pub(crate) unsafe fn with_ref<R>(ptr: *const Handle<T>, f: impl FnOnce(&T) -> R) -> Option<R> {
        // SAFETY: per the contract, a non-NULL `ptr` is a live handle.
        let handle = unsafe { ptr.as_ref() }?;
        if handle.poisoned {
            return None;
        }
        catch_unwind(AssertUnwindSafe(|| f(&handle.inner))).ok()
    }
}

/// Borrows a caller buffer as a slice (an empty slice for `len == 0`, even
/// when `ptr` is NULL).
///
/// # Safety
/// When `len > 0`, `ptr` must be valid for `len` bytes for `'a`.
pub(crate) unsafe fn slice<'a>(ptr: *const u8, len: usize) -> Option<&'a [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-NULL and valid for `len` bytes per the contract.
    Some(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrows a caller buffer mutably (see [`slice`]).
///
/// # Safety
/// When `len > 0`, `ptr` must be valid for `len` writable bytes for `'a`.
pub(crate) unsafe fn slice_mut<'a>(ptr: *mut u8, len: usize) -> Option<&'a mut [u8]> {
    if len == 0 {
        return Some(&mut []);
    }
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-NULL and valid for `len` writable bytes per the contract.
    Some(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// Borrows an optional NUL-terminated C string: `Ok(None)` for NULL,
/// `Err(InvalidParameter)` when it is not UTF-8.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn opt_c_str<'a>(
    p: *const std::ffi::c_char,
) -> Result<Option<&'a str>, dialtone_result> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated per the contract.
    let s = unsafe { std::ffi::CStr::from_ptr(p) };
    s.to_str()
        .map(Some)
        .map_err(|_| dialtone_result::InvalidParameter)
}

/// Writes an out-parameter when it is non-NULL.
///
/// # Safety
/// `ptr` is NULL or valid for a write of `T`.
pub(crate) unsafe fn put<T>(ptr: *mut T, value: T) -> bool {
    // SAFETY: per the contract.
    match unsafe { ptr.as_mut() } {
        Some(slot) => {
            *slot = value;
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_text_truncates_and_checks_nulls() {
        let mut buf = [0u8; 4];
        let mut n = 99;
        let r = unsafe {
            dialtone_result_text(dialtone_result::Malformed, buf.as_mut_ptr(), 4, &mut n)
        };
        assert_eq!(r, dialtone_result::Ok);
        assert_eq!((n, &buf), (4, b"malf"));
        let r =
            unsafe { dialtone_result_text(dialtone_result::Ok, std::ptr::null_mut(), 4, &mut n) };
        assert_eq!(r, dialtone_result::NullParameter);
    }

    #[test]
    fn panics_poison_the_handle() {
        let h = Handle::into_raw(5u32);
        let r = unsafe { Handle::with(h, |_| panic!("boom")) };
        assert_eq!(r, dialtone_result::Panic);
        let r = unsafe { Handle::with(h, |_| dialtone_result::Ok) };
        assert_eq!(r, dialtone_result::Panic);
        unsafe { Handle::free(h) };
        unsafe { Handle::<u32>::free(std::ptr::null_mut()) };
        assert_eq!(guard(|| panic!("x")), dialtone_result::Panic);
    }
}
