//! Splitting a TCP byte stream into Skinny PDUs.

use super::{read_u32, Frame, HEADER_LEN};
use crate::error::FramerError;

/// Default body limit: 4 KiB (covers every real message, `sccp.md` §1.4).
pub const DEFAULT_MAX_BODY: usize = 4096;

/// Framer settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Largest accepted body (length field − 4), at most [`MAX_BODY_LIMIT`].
    pub max_body: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

impl Config {
    /// A config with the given body limit (clamped to [`MAX_BODY_LIMIT`]).
    #[must_use]
    pub fn with_max_body(max_body: usize) -> Self {
        Config {
            max_body: max_body.min(MAX_BODY_LIMIT),
        }
    }
}

/// Largest body limit a [`Framer`] supports (its fixed buffer size).
pub const MAX_BODY_LIMIT: usize = 8 * 1024;

const SLOT: usize = MAX_BODY_LIMIT + HEADER_LEN;

/// Turns a TCP byte stream, split anywhere, into complete PDUs.
///
/// * Complete PDUs that are contiguous in the input are returned as views of
///   the input, never copied.
/// * Only a partial PDU at the end of an input is copied, into a fixed
///   in-struct buffer (no allocation: the framer holds two slots of
///   `MAX_BODY_LIMIT + 12` bytes, one for the PDU being completed and handed
///   out, one for the new partial tail). At most one partial PDU is held.
/// * A length below 4 makes the stream unframeable
///   ([`FramerError::InvalidLength`]; close the connection); a body above
///   [`Config::max_body`] is skipped ([`FramerError::Oversized`] says how many
///   bytes).
/// * [`Framer::needed`] reports how many more bytes the held partial PDU needs.
///
/// ```
/// use dialtone_sccp::Framer;
/// let pdu = [4u8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]; // KeepAliveAck
/// let mut framer = Framer::new();
/// assert_eq!(framer.push(&pdu[..5]).count(), 0);
/// assert_eq!(framer.needed(), 7);
/// let frames: Vec<_> = framer.push(&pdu[5..]).collect();
/// assert_eq!(frames.len(), 1);
/// assert_eq!(frames[0].as_ref().unwrap().message_id(), 0x100);
/// ```
#[derive(Clone)]
pub struct Framer {
    config: Config,
    buf: [[u8; SLOT]; 2],
    /// Slot holding the partial PDU.
    slot: usize,
    /// Bytes of the partial PDU held.
    held: usize,
    /// Bytes still to discard from the stream (oversized PDU).
    skip: u64,
    /// The stream lost its framing.
    closed: bool,
}

impl core::fmt::Debug for Framer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Framer")
            .field("config", &self.config)
            .field("held", &self.held)
            .field("skip", &self.skip)
            .field("closed", &self.closed)
            .finish()
    }
}

impl Default for Framer {
    fn default() -> Self {
        Self::new()
    }
}

/// What the scan of one PDU start found.
enum Step {
    /// A complete PDU of this many bytes.
    Frame(usize),
    /// Not enough bytes to decide / complete.
    Partial,
    /// Oversized PDU of `total` bytes (header + body).
    Oversized { len: u32, total: u64 },
    /// Length below 4.
    Invalid(u32),
}

#[inline]
fn step(b: &[u8], max_body: usize) -> Step {
    if b.len() < 4 {
        return Step::Partial;
    }
    let len = read_u32(b, 0);
    if len < 4 {
        return Step::Invalid(len);
    }
    if (len as usize).saturating_sub(4) > max_body {
        return Step::Oversized {
            len,
            total: u64::from(len) + 8,
        };
    }
    let total = len as usize + 8;
    if b.len() < total {
        Step::Partial
    } else {
        Step::Frame(total)
    }
}

impl Framer {
    /// A framer with the default body limit (4 KiB).
    #[must_use]
    pub fn new() -> Self {
        Self::with_config(Config::default())
    }

    /// A framer with the given settings.
    #[must_use]
    pub fn with_config(config: Config) -> Self {
        Framer {
            config: Config::with_max_body(config.max_body),
            buf: [[0; SLOT]; 2],
            slot: 0,
            held: 0,
            skip: 0,
            closed: false,
        }
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> Config {
        self.config
    }

    /// Bytes of a partial PDU currently held.
    #[must_use]
    pub fn held(&self) -> usize {
        self.held
    }

    /// How many more bytes the held partial PDU needs: to complete the
    /// length field when fewer than 4 bytes are held, else to complete the
    /// PDU. 0 when nothing is held. Bytes still to be skipped after an
    /// [`FramerError::Oversized`] are not counted.
    #[must_use]
    pub fn needed(&self) -> usize {
        if self.held == 0 {
            return 0;
        }
        let held = self
            .buf
            .get(self.slot)
            .and_then(|s| s.get(..self.held))
            .unwrap_or(&[]);
        if held.len() < 4 {
            return 4 - held.len();
        }
        (read_u32(held, 0) as usize + 8).saturating_sub(held.len())
    }

    /// Whether the stream lost its framing (close the connection).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Forgets any partial PDU and error state (e.g. for a new connection).
    pub fn reset(&mut self) {
        self.held = 0;
        self.skip = 0;
        self.closed = false;
    }

    /// Feeds the next bytes of the stream; iterate the result for the
    /// complete PDUs (and errors) in stream order.
    ///
    /// Bytes are consumed whether or not the iterator is driven to the end:
    /// a trailing partial PDU is stored when the iterator reaches it or is
    /// dropped.
    pub fn push<'a>(&'a mut self, input: &'a [u8]) -> Frames<'a> {
        let max = self.config.max_body;
        let mut input = input;
        let mut first: Option<Result<usize, FramerError>> = None;
        let done_slot = self.slot;

        if self.closed {
            return Frames {
                held: &[],
                first: Some(Err(FramerError::Closed)),
                input: &[],
                max,
                end: 0,
                sink: None,
            };
        }
        // Discard the rest of an oversized PDU.
        if self.skip > 0 {
            let n = usize::try_from(self.skip)
                .unwrap_or(usize::MAX)
                .min(input.len());
            self.skip -= n as u64;
            input = input.get(n..).unwrap_or(&[]);
        }
        // Complete the held partial PDU.
        if self.held > 0 {
            let slot = self
                .buf
                .get_mut(done_slot)
                .map(|s| &mut s[..])
                .unwrap_or(&mut []);
            // First the length field, then the rest.
            loop {
                let have = self.held;
                let want = if have < 4 {
                    4
                } else {
                    match step(slot.get(..have).unwrap_or(&[]), max) {
                        Step::Invalid(len) => {
                            self.closed = true;
                            self.held = 0;
                            first = Some(Err(FramerError::InvalidLength { len, offset: 0 }));
                            input = &[];
                            break;
                        }
                        Step::Oversized { len, total } => {
                            self.held = 0;
                            self.skip = total.saturating_sub(have as u64);
                            let n = usize::try_from(self.skip)
                                .unwrap_or(usize::MAX)
                                .min(input.len());
                            self.skip -= n as u64;
                            input = input.get(n..).unwrap_or(&[]);
                            first = Some(Err(FramerError::Oversized {
                                len: u64::from(len).saturating_sub(4),
                                max,
                                skip: total,
                            }));
                            break;
                        }
                        Step::Frame(total) => {
                            self.held = 0;
                            first = Some(Ok(total));
                            break;
                        }
                        Step::Partial => read_u32(slot, 0) as usize + 8,
                    }
                };
                let n = want.saturating_sub(have).min(input.len());
                let (take, rest) = input.split_at(n);
                if let Some(dst) = slot.get_mut(have..have + n) {
                    dst.copy_from_slice(take);
                }
                input = rest;
                self.held += n;
                if input.is_empty() && self.held < want {
                    break;
                }
            }
            if self.held > 0 {
                // Still partial: nothing else to do.
                return Frames {
                    held: &[],
                    first: None,
                    input: &[],
                    max,
                    end: 0,
                    sink: None,
                };
            }
        }

        // The rest of the input is walked once, by the iterator (or by its
        // `Drop` when it is not driven to the end), which stores the tail.
        let (slot0, slot1) = self.buf.split_at_mut(1);
        let (done, tail) = if done_slot == 0 {
            (slot0, slot1)
        } else {
            (slot1, slot0)
        };
        let held: &'a [u8] = match first {
            Some(Ok(total)) => done.first().and_then(|s| s.get(..total)).unwrap_or(&[]),
            _ => &[],
        };
        let tail_buf: &'a mut [u8] = tail.first_mut().map(|s| &mut s[..]).unwrap_or(&mut []);
        Frames {
            held,
            first: first.map(|r| r.map(|_| 0)),
            input,
            max,
            end: 0,
            sink: Some(TailSink {
                buf: tail_buf,
                slot_index: 1 - done_slot,
                slot: &mut self.slot,
                held: &mut self.held,
                skip: &mut self.skip,
                closed: &mut self.closed,
            }),
        }
    }
}

/// Where a [`Frames`] iterator leaves the stream state when it ends.
struct TailSink<'a> {
    buf: &'a mut [u8],
    slot_index: usize,
    slot: &'a mut usize,
    held: &'a mut usize,
    skip: &'a mut u64,
    closed: &'a mut bool,
}

impl TailSink<'_> {
    fn store(&mut self, tail: &[u8]) {
        if let Some(dst) = self.buf.get_mut(..tail.len()) {
            dst.copy_from_slice(tail);
            *self.held = tail.len();
            *self.slot = self.slot_index;
        }
    }
}

/// Iterator over the PDUs completed by one [`Framer::push`].
///
/// Yields `Ok(frame)` for each complete PDU (borrowing the input, or the
/// framer's buffer for a PDU that was split across pushes) and `Err` for
/// each framing error, in stream order. The input is consumed whether or not
/// the iterator is driven to the end: dropping it early walks the remaining
/// input (without yielding) and keeps its trailing partial PDU.
pub struct Frames<'a> {
    held: &'a [u8],
    first: Option<Result<usize, FramerError>>,
    input: &'a [u8],
    max: usize,
    end: usize,
    sink: Option<TailSink<'a>>,
}

impl core::fmt::Debug for Frames<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Frames")
            .field("input_len", &self.input.len())
            .field("consumed", &self.end)
            .finish()
    }
}

impl<'a> Frames<'a> {
    /// The input is exhausted: record the tail, the bytes to skip, or the
    /// loss of framing.
    #[cold]
    fn finish(&mut self, outcome: Step, rest: &[u8]) {
        let Some(mut sink) = self.sink.take() else {
            return;
        };
        match outcome {
            Step::Partial => sink.store(rest),
            Step::Oversized { total, .. } => *sink.skip += total.saturating_sub(rest.len() as u64),
            Step::Invalid(_) => *sink.closed = true,
            Step::Frame(_) => {}
        }
    }
}

impl Drop for Frames<'_> {
    fn drop(&mut self) {
        if self.sink.is_none() {
            return;
        }
        // Walk what the caller did not iterate, to keep the stream state.
        let max = self.max;
        let input: &[u8] = self.input;
        while let Some(rest) = input.get(self.end..) {
            if rest.is_empty() {
                break;
            }
            match step(rest, max) {
                Step::Frame(total) => self.end += total,
                Step::Oversized { len, total } => {
                    if total <= rest.len() as u64 {
                        self.end += total as usize;
                    } else {
                        self.finish(Step::Oversized { len, total }, rest);
                        return;
                    }
                }
                other => {
                    self.finish(other, rest);
                    return;
                }
            }
        }
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<Frame<&'a [u8]>, FramerError>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(first) = self.first.take() {
            return Some(first.map(|_| Frame::new_unchecked(self.held)));
        }
        let input: &'a [u8] = self.input;
        let rest = input.get(self.end..)?;
        if rest.is_empty() {
            return None;
        }
        match step(rest, self.max) {
            Step::Frame(total) => {
                let pdu = rest.get(..total).unwrap_or(rest);
                self.end += total;
                Some(Ok(Frame::new_unchecked(pdu)))
            }
            Step::Partial => {
                self.end = input.len();
                self.finish(Step::Partial, rest);
                None
            }
            Step::Oversized { len, total } => {
                if total <= rest.len() as u64 {
                    self.end += total as usize;
                } else {
                    self.end = input.len();
                    self.finish(Step::Oversized { len, total }, rest);
                }
                Some(Err(FramerError::Oversized {
                    len: u64::from(len).saturating_sub(4),
                    max: self.max,
                    skip: total,
                }))
            }
            Step::Invalid(len) => {
                let offset = self.end;
                self.end = input.len();
                self.finish(Step::Invalid(len), rest);
                Some(Err(FramerError::InvalidLength { len, offset }))
            }
        }
    }
}
