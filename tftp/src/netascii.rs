//! Streaming netascii translation (RFC 1350 §5, RFC 764/854 NVT).
//!
//! On the wire a line end is CR LF and a lone CR is CR NUL. Locally a line end
//! is LF. Both adapters keep their state across chunk boundaries, so blocks
//! can be fed one at a time, and never allocate.

/// Local bytes to netascii: LF → CR LF, CR → CR NUL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Encoder {
    /// Second byte of a pair that did not fit in the last output.
    pending: Option<u8>,
}

impl Encoder {
    /// A fresh encoder.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Translates as much of `input` as fits in `out`; returns
    /// `(consumed, written)`. Each input byte produces at most two output
    /// bytes; a pair split by the end of `out` is finished by the next call.
    pub fn encode(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize) {
        let mut w = 0;
        if let Some(p) = self.pending {
            match out.get_mut(w) {
                Some(slot) => {
                    *slot = p;
                    w += 1;
                    self.pending = None;
                }
                None => return (0, 0),
            }
        }
        let mut r = 0;
        for &b in input {
            let (first, second) = match b {
                b'\n' => (b'\r', Some(b'\n')),
                b'\r' => (b'\r', Some(0)),
                b => (b, None),
            };
            let Some(slot) = out.get_mut(w) else { break };
            *slot = first;
            w += 1;
            r += 1;
            if let Some(s) = second {
                match out.get_mut(w) {
                    Some(slot) => {
                        *slot = s;
                        w += 1;
                    }
                    None => {
                        self.pending = Some(s);
                        break;
                    }
                }
            }
        }
        (r, w)
    }

    /// True when a byte is still owed to the output.
    #[must_use]
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }
}

/// Netascii to local bytes: CR LF → LF, CR NUL → CR; a CR followed by any
/// other byte is kept as CR plus that byte (lenient).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Decoder {
    cr: bool,
}

impl Decoder {
    /// A fresh decoder.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Translates `input` into `out`, which must hold `input.len() + 1` bytes
    /// to be sure to take everything; returns `(consumed, written)`.
    pub fn decode(&mut self, input: &[u8], out: &mut [u8]) -> (usize, usize) {
        let mut w = 0;
        let mut r = 0;
        for &b in input {
            if self.cr {
                let (first, second) = match b {
                    b'\n' => (b'\n', None),
                    0 => (b'\r', None),
                    b'\r' => (b'\r', None),
                    other => (b'\r', Some(other)),
                };
                let need = 1 + usize::from(second.is_some());
                if out.len().saturating_sub(w) < need {
                    break;
                }
                if let Some(s) = out.get_mut(w) {
                    *s = first;
                }
                w += 1;
                if let Some(x) = second {
                    if let Some(s) = out.get_mut(w) {
                        *s = x;
                    }
                    w += 1;
                }
                // A CR after a CR starts a new pair.
                self.cr = b == b'\r';
                r += 1;
            } else if b == b'\r' {
                self.cr = true;
                r += 1;
            } else {
                let Some(s) = out.get_mut(w) else { break };
                *s = b;
                w += 1;
                r += 1;
            }
        }
        (r, w)
    }

    /// Ends the stream: a trailing lone CR is written to `out` (returns 1),
    /// or nothing (0). With an empty `out` and a pending CR it returns 0 and
    /// keeps the CR.
    pub fn finish(&mut self, out: &mut [u8]) -> usize {
        if self.cr {
            if let Some(s) = out.first_mut() {
                *s = b'\r';
                self.cr = false;
                return 1;
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn enc_all(input: &[u8], chunk: usize) -> Vec<u8> {
        let mut e = Encoder::new();
        let mut out = Vec::new();
        let mut buf = [0u8; 7];
        let mut rest = input;
        loop {
            let take = rest.len().min(chunk);
            let (r, w) = e.encode(&rest[..take], &mut buf);
            out.extend_from_slice(&buf[..w]);
            rest = &rest[r..];
            if rest.is_empty() && !e.has_pending() {
                break;
            }
        }
        out
    }

    fn dec_all(input: &[u8], chunk: usize) -> Vec<u8> {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        let mut buf = [0u8; 9];
        for c in input.chunks(chunk) {
            let mut rest = c;
            while !rest.is_empty() {
                let (r, w) = d.decode(rest, &mut buf);
                out.extend_from_slice(&buf[..w]);
                rest = &rest[r..];
            }
        }
        let n = d.finish(&mut buf);
        out.extend_from_slice(&buf[..n]);
        out
    }

    #[test]
    fn translates_line_ends_across_chunks() {
        let local = b"line1\nline2\rx\r\n\n\r";
        for chunk in 1..6 {
            let wire = enc_all(local, chunk);
            assert_eq!(wire, b"line1\r\nline2\r\0x\r\0\r\n\r\n\r\0");
            for dchunk in 1..6 {
                assert_eq!(dec_all(&wire, dchunk), local);
            }
        }
        assert_eq!(dec_all(b"a\rb", 1), b"a\rb");
        assert_eq!(dec_all(b"a\r", 1), b"a\r");
    }
}
