//! Per-connection stream reassembly for the state machines.
//!
//! The codec's [`Framer`](crate::Framer) holds two fixed 8 KiB slots, which is
//! right for one phone but too much for a registrar serving 100,000 stations.
//! [`StreamBuf`] borrows complete PDUs straight from the input and keeps only
//! a partial tail, in a heap buffer that exists only while a PDU is split.

use alloc::vec::Vec;

use crate::wire::{Frame, HEADER_LEN};

/// Why a connection's byte stream cannot be framed (the connection is closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// A length field below 4: message boundaries are lost.
    #[error("invalid length field {len}")]
    InvalidLength {
        /// The length field.
        len: u32,
    },
    /// A body larger than the machine accepts.
    #[error("body of {len} bytes exceeds {max}")]
    Oversized {
        /// Announced body length.
        len: u64,
        /// Limit.
        max: usize,
    },
}

/// Partial-PDU holder; empty (no allocation) whenever the stream is at a
/// PDU boundary.
#[derive(Debug, Clone, Default)]
pub(crate) struct StreamBuf {
    held: Vec<u8>,
}

impl StreamBuf {
    /// Feeds `input`; calls `f` for every complete PDU, in order. Stops at the
    /// first framing error (frames before it were delivered) or when `f`
    /// returns `false`.
    pub(crate) fn feed<F>(
        &mut self,
        input: &[u8],
        max_body: usize,
        mut f: F,
    ) -> Result<(), StreamError>
    where
        F: FnMut(Frame<&[u8]>) -> bool,
    {
        if self.held.is_empty() {
            let rest = frames(input, max_body, &mut f)?;
            if !rest.is_empty() {
                self.held.extend_from_slice(rest);
            }
            return Ok(());
        }
        self.held.extend_from_slice(input);
        let held = core::mem::take(&mut self.held);
        let rest_len = frames(&held, max_body, &mut f)?.len();
        let mut held = held;
        let consumed = held.len() - rest_len;
        held.drain(..consumed);
        if !held.is_empty() {
            self.held = held;
        }
        Ok(())
    }

    /// Bytes held (a partial PDU).
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.held.len()
    }
}

fn frames<'a, F>(mut input: &'a [u8], max_body: usize, f: &mut F) -> Result<&'a [u8], StreamError>
where
    F: FnMut(Frame<&[u8]>) -> bool,
{
    loop {
        let Some(&[a, b, c, d]) = input.get(..4) else {
            return Ok(input);
        };
        let len = u32::from_le_bytes([a, b, c, d]);
        if len < 4 {
            return Err(StreamError::InvalidLength { len });
        }
        let body = u64::from(len) - 4;
        if body > max_body as u64 {
            return Err(StreamError::Oversized {
                len: body,
                max: max_body,
            });
        }
        let total = len as usize + 8;
        if total < HEADER_LEN || input.len() < total {
            return Ok(input);
        }
        let (pdu, rest) = input.split_at(total);
        let Ok(frame) = Frame::new_checked(pdu) else {
            return Err(StreamError::InvalidLength { len });
        };
        input = rest;
        if !f(frame) {
            return Ok(&[]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_anywhere_gives_the_same_frames() {
        let ka = [4u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let ack = [4u8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0];
        let mut all = ka.to_vec();
        all.extend_from_slice(&ack);
        for cut in 0..=all.len() {
            let mut s = StreamBuf::default();
            let mut ids = Vec::new();
            s.feed(&all[..cut], 64, |f| {
                ids.push(f.message_id());
                true
            })
            .unwrap();
            s.feed(&all[cut..], 64, |f| {
                ids.push(f.message_id());
                true
            })
            .unwrap();
            assert_eq!(ids, [0, 0x100], "cut {cut}");
            assert_eq!(s.held(), 0);
        }
    }

    #[test]
    fn bad_lengths_are_errors() {
        let mut s = StreamBuf::default();
        assert_eq!(
            s.feed(&[3, 0, 0, 0, 0, 0, 0, 0], 64, |_| true),
            Err(StreamError::InvalidLength { len: 3 })
        );
        let mut s = StreamBuf::default();
        assert!(matches!(
            s.feed(&[0xff, 0xff, 0, 0], 64, |_| true),
            Err(StreamError::Oversized { .. })
        ));
    }
}
