//! Writing SIP messages into caller buffers.
//!
//! [`Writer`] is a `core::fmt::Write` over a `&mut [u8]` that keeps counting
//! when the buffer is full, so [`emit_with`] can report the exact size
//! required. [`emit_with`] runs the same writing closure once to measure and
//! once to write: on [`InsufficientSize`] nothing was written.
//!
//! ```
//! use dialtone_sip_reg::wire::{build::emit_with, Message};
//! let mut buf = [0u8; 256];
//! let n = emit_with(&mut buf, |w| {
//!     w.request_line("OPTIONS", "sip:example.com");
//!     w.header("Call-ID", "abc");
//!     w.header("CSeq", "1 OPTIONS");
//!     w.end(b"");
//! })
//! .unwrap();
//! let msg = Message::parse(&buf[..n]).unwrap();
//! assert_eq!(msg.call_id(), Ok("abc"));
//! ```

use super::{Challenge, Credentials};
use core::fmt::{self, Write as _};
use dialtone_core::InsufficientSize;

/// A counting writer over a caller buffer.
#[derive(Debug)]
pub struct Writer<'b> {
    buf: &'b mut [u8],
    pos: usize,
    needed: usize,
}

impl<'b> Writer<'b> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'b mut [u8]) -> Self {
        Writer {
            buf,
            pos: 0,
            needed: 0,
        }
    }

    /// Bytes written or that would have been written.
    #[must_use]
    pub fn needed(&self) -> usize {
        self.needed
    }

    /// Whether everything so far fitted.
    #[must_use]
    pub fn fits(&self) -> bool {
        self.needed == self.pos
    }

    /// Appends raw bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.needed = self.needed.saturating_add(b.len());
        if self.needed == self.pos + b.len() {
            if let Some(dst) = self.buf.get_mut(self.pos..self.pos + b.len()) {
                dst.copy_from_slice(b);
                self.pos += b.len();
            }
        }
        // After the first overflow nothing more is written, so the written
        // prefix stays contiguous.
    }

    /// Appends a string.
    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// Appends `n` in decimal, without the formatting machinery.
    pub(crate) fn dec(&mut self, n: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut n = n;
        loop {
            i -= 1;
            if let Some(d) = digits.get_mut(i) {
                *d = b'0' + (n % 10) as u8;
            }
            n /= 10;
            if n == 0 || i == 0 {
                break;
            }
        }
        self.bytes(digits.get(i..).unwrap_or_default());
    }

    /// Appends `n` as 8 lowercase hex digits (`{n:08x}`).
    pub(crate) fn hex8(&mut self, n: u32) {
        let mut digits = [0u8; 8];
        for (k, d) in digits.iter_mut().enumerate() {
            let nibble = (n >> (28 - 4 * k)) & 0xf;
            *d = b"0123456789abcdef"[nibble as usize];
        }
        self.bytes(&digits);
    }

    /// Appends formatted text.
    pub fn fmt(&mut self, args: fmt::Arguments<'_>) {
        let _ = self.write_fmt(args);
    }

    /// `METHOD uri SIP/2.0\r\n`.
    pub fn request_line(&mut self, method: &str, uri: &str) {
        self.str(method);
        self.str(" ");
        self.str(uri);
        self.str(" SIP/2.0\r\n");
    }

    /// `SIP/2.0 code reason\r\n`.
    pub fn status_line(&mut self, code: u16, reason: &str) {
        self.str("SIP/2.0 ");
        self.dec(u64::from(code));
        self.str(" ");
        self.str(reason);
        self.str("\r\n");
    }

    /// `Name: value\r\n`.
    pub fn header(&mut self, name: &str, value: &str) {
        self.str(name);
        self.str(": ");
        self.str(value);
        self.str("\r\n");
    }

    /// `Name: <formatted>\r\n`.
    pub fn header_fmt(&mut self, name: &str, args: fmt::Arguments<'_>) {
        self.str(name);
        self.str(": ");
        self.fmt(args);
        self.str("\r\n");
    }

    /// `Content-Length`, the blank line and the body.
    pub fn end(&mut self, body: &[u8]) {
        self.str("Content-Length: ");
        self.dec(body.len() as u64);
        self.str("\r\n\r\n");
        self.bytes(body);
    }

    /// Bytes written.
    ///
    /// # Errors
    /// [`InsufficientSize`] with the total the message needs.
    pub fn finish(self) -> Result<usize, InsufficientSize> {
        if self.fits() {
            Ok(self.pos)
        } else {
            Err(InsufficientSize {
                required: self.needed,
            })
        }
    }
}

impl fmt::Write for Writer<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.str(s);
        Ok(())
    }
}

/// The exact length `f` writes.
pub fn measure(f: impl Fn(&mut Writer<'_>)) -> usize {
    let mut w = Writer::new(&mut []);
    f(&mut w);
    w.needed()
}

/// Runs `f` into `out` if it fits.
///
/// # Errors
/// [`InsufficientSize`] with the size required; `out` is untouched.
pub fn emit_with(out: &mut [u8], f: impl Fn(&mut Writer<'_>)) -> Result<usize, InsufficientSize> {
    let required = measure(&f);
    if required > out.len() {
        return Err(InsufficientSize { required });
    }
    let mut w = Writer::new(out);
    f(&mut w);
    w.finish()
}

/// Writes `f` into a new vector of exactly the length written.
///
/// Messages up to 2 KiB are written once, into a stack buffer; longer ones
/// are measured first.
#[cfg(feature = "alloc")]
pub fn to_vec(f: impl Fn(&mut Writer<'_>)) -> alloc::vec::Vec<u8> {
    let mut stack = [0u8; 2048];
    let mut w = Writer::new(&mut stack);
    f(&mut w);
    if w.fits() {
        let n = w.pos;
        return stack.get(..n).unwrap_or_default().to_vec();
    }
    let mut v = alloc::vec![0; w.needed()];
    let mut w = Writer::new(&mut v);
    f(&mut w);
    let n = w.pos;
    v.truncate(n);
    v
}

impl Credentials<'_> {
    /// Writes the header value: `Digest username="…", realm="…", …,
    /// nc=00000001` (`nc` as 8 hex digits, RFC 7616 §3.4).
    pub fn write(&self, w: &mut Writer<'_>) {
        w.str(self.scheme);
        let mut sep = " ";
        let mut field = |w: &mut Writer<'_>, name: &str, v: Option<&str>, quote: bool| {
            if let Some(v) = v {
                let q = if quote { "\"" } else { "" };
                w.fmt(format_args!("{sep}{name}={q}{v}{q}"));
                sep = ", ";
            }
        };
        field(w, "username", self.username, true);
        field(w, "realm", self.realm, true);
        field(w, "nonce", self.nonce, true);
        field(w, "uri", self.uri, true);
        field(w, "response", self.response, true);
        field(w, "algorithm", self.algorithm, false);
        field(w, "cnonce", self.cnonce, true);
        field(w, "opaque", self.opaque, true);
        field(w, "qop", self.qop, false);
        if let Some(nc) = self.nc {
            w.fmt(format_args!("{sep}nc={nc:08x}"));
        }
    }
}

fn quoted_tail(w: &mut Writer<'_>, name: &str, v: Option<&str>) {
    if let Some(v) = v {
        w.fmt(format_args!(", {name}=\"{v}\""));
    }
}

impl Challenge<'_> {
    /// Writes the header value: `Digest realm="…", nonce="…", …`.
    pub fn write(&self, w: &mut Writer<'_>) {
        w.str(self.scheme);
        w.fmt(format_args!(
            " realm=\"{}\", nonce=\"{}\"",
            self.realm.unwrap_or(""),
            self.nonce.unwrap_or("")
        ));
        quoted_tail(w, "opaque", self.opaque);
        if let Some(a) = self.algorithm {
            w.fmt(format_args!(", algorithm={a}"));
        }
        quoted_tail(w, "qop", self.qop);
        if self.stale {
            w.str(", stale=true");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dec_and_hex8_match_format() {
        for n in [0u64, 7, 10, 99, 5060, 65535, 4_294_967_295, u64::MAX] {
            let mut buf = [0u8; 32];
            let mut w = Writer::new(&mut buf);
            w.dec(n);
            let len = w.pos;
            assert_eq!(&buf[..len], std::format!("{n}").as_bytes());
        }
        for n in [0u32, 0xab, 0xdead_beef, u32::MAX] {
            let mut buf = [0u8; 8];
            let mut w = Writer::new(&mut buf);
            w.hex8(n);
            assert_eq!(&buf, std::format!("{n:08x}").as_bytes());
        }
    }
}
