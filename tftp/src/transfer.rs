//! The two halves of every transfer, shared by client and server: the DATA
//! sender (windowed, ring buffer of `blksize × windowsize` bytes) and the DATA
//! receiver (in-order delivery, window ACKs, dally). Both keep a 64-bit block
//! sequence number and map it onto the 16-bit wire number with [`Rollover`].

use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use dialtone_core::Instant;

use crate::source::{ReadError, ReadFile};
use crate::wire::{emit_data_header, DATA_HEADER_LEN};

/// What follows block 65535 (`tftp.md` §8, §13).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(any(test, feature = "fuzzing"), derive(arbitrary::Arbitrary))]
pub enum Rollover {
    /// 65535 → 0 (tftpd-hpa, atftp, async-tftp, U-Boot, Erlang/OTP).
    #[default]
    Zero,
    /// 65535 → 1.
    One,
}

/// First retransmission timeout (`tftp.md` §13).
pub const RETRANSMIT_DEFAULT: Duration = Duration::from_secs(1);
/// Retransmissions of one packet before giving up (`tftp.md` §13).
pub const MAX_RETRANSMITS_DEFAULT: u8 = 5;

/// The 16-bit block number of sequence number `seq` (`seq` 0 is the OACK/WRQ
/// acknowledgement).
#[must_use]
pub fn wire_block(seq: u64, rollover: Rollover) -> u16 {
    match rollover {
        Rollover::Zero => (seq & 0xffff) as u16,
        Rollover::One => {
            if seq == 0 {
                0
            } else {
                (((seq - 1) % 65535) + 1) as u16
            }
        }
    }
}

/// The sequence number nearest to `anchor` (within ±32767) whose wire number
/// is `block`.
#[must_use]
pub fn nearest_seq(block: u16, anchor: u64, rollover: Rollover) -> Option<u64> {
    let wa = wire_block(anchor, rollover);
    let d: i64 = match rollover {
        Rollover::Zero => i64::from(block.wrapping_sub(wa) as i16),
        Rollover::One => {
            if block == 0 {
                return (anchor <= 32767).then_some(0);
            }
            let m = (i64::from(block) - i64::from(wa)).rem_euclid(65535);
            if m > 32767 {
                m - 65535
            } else {
                m
            }
        }
    };
    let s = i64::try_from(anchor).ok()?.checked_add(d)?;
    u64::try_from(s).ok()
}

/// Retransmission schedule: fixed (negotiated `timeout`) or doubling.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Backoff {
    initial: Duration,
    current: Duration,
    fixed: bool,
    max_retransmits: u8,
    retransmits: u8,
    pub(crate) deadline: Option<Instant>,
}

impl Backoff {
    pub(crate) fn new(initial: Duration, max_retransmits: u8) -> Self {
        let initial = initial.max(Duration::from_millis(1));
        Backoff {
            initial,
            current: initial,
            fixed: false,
            max_retransmits,
            retransmits: 0,
            deadline: None,
        }
    }

    /// Use the negotiated `timeout` for every retransmission (RFC 2349).
    pub(crate) fn set_fixed(&mut self, d: Duration) {
        self.initial = d.max(Duration::from_millis(1));
        self.current = self.initial;
        self.fixed = true;
    }

    pub(crate) fn current(&self) -> Duration {
        self.current
    }

    /// Forward progress: reset the back-off and arm from `now`.
    pub(crate) fn progress(&mut self, now: Instant) {
        self.retransmits = 0;
        self.current = self.initial;
        self.deadline = Some(now + self.current);
    }

    pub(crate) fn arm(&mut self, now: Instant) {
        self.deadline = Some(now + self.current);
    }

    pub(crate) fn expired(&self, now: Instant) -> bool {
        self.deadline.is_some_and(|d| now >= d)
    }

    /// A timeout fired: `true` = retransmit (timer re-armed), `false` = give up.
    pub(crate) fn on_timeout(&mut self, now: Instant) -> bool {
        if self.retransmits >= self.max_retransmits {
            self.deadline = None;
            return false;
        }
        self.retransmits += 1;
        if !self.fixed {
            self.current = self.current.saturating_mul(2);
        }
        self.deadline = Some(now + self.current);
        true
    }
}

/// Outcome of an ACK given to the sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AckOutcome {
    /// The window moved.
    Progress,
    /// Every block is acknowledged.
    Complete,
    /// Duplicate, old or unexplained: ignored (no retransmission, RFC 1123
    /// §4.2.3.1).
    Ignored,
}

/// The DATA sending half.
pub(crate) struct Sender<R> {
    src: R,
    blksize: usize,
    window: u64,
    rollover: Rollover,
    ring: Vec<u8>,
    lens: Vec<usize>,
    /// Highest acknowledged sequence number.
    base: u64,
    next: u64,
    sent_max: u64,
    read: u64,
    last: Option<u64>,
    /// Bytes read from the source so far.
    pub(crate) bytes_read: u64,
    pub(crate) timer: Backoff,
}

impl<R: ReadFile> Sender<R> {
    pub(crate) fn new(
        src: R,
        blksize: u16,
        window: u16,
        rollover: Rollover,
        timer: Backoff,
    ) -> Self {
        let blksize = usize::from(blksize.max(1));
        let window = window.max(1);
        Sender {
            src,
            blksize,
            window: u64::from(window),
            rollover,
            ring: Vec::new(),
            lens: vec![0; usize::from(window)],
            base: 0,
            next: 1,
            sent_max: 0,
            read: 0,
            last: None,
            bytes_read: 0,
            timer,
        }
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.last.is_some_and(|l| self.base >= l)
    }

    /// Bytes acknowledged by the receiver.
    pub(crate) fn acked_bytes(&self) -> u64 {
        if self.is_complete() {
            self.bytes_read
        } else {
            self.base.saturating_mul(self.blksize as u64)
        }
    }

    fn can_send(&self) -> bool {
        !self.is_complete()
            && self.next <= self.base + self.window
            && self.last.is_none_or(|l| self.next <= l)
    }

    /// Writes the next DATA packet into `out`. `Ok(None)`: window closed.
    pub(crate) fn poll_data(
        &mut self,
        now: Instant,
        out: &mut [u8],
    ) -> Result<Option<usize>, SendError> {
        if !self.can_send() {
            return Ok(None);
        }
        let seq = self.next;
        let w = self.lens.len();
        let slot = (seq % self.window) as usize;
        if seq > self.read {
            if self.ring.is_empty() {
                self.ring = vec![0; self.blksize * w];
            }
            let start = slot * self.blksize;
            let buf = self
                .ring
                .get_mut(start..start + self.blksize)
                .ok_or(SendError::Read(ReadError))?;
            let mut n = 0;
            while n < buf.len() {
                let got = self
                    .src
                    .read(buf.get_mut(n..).unwrap_or(&mut []))
                    .map_err(SendError::Read)?;
                if got == 0 {
                    break;
                }
                n += got.min(buf.len() - n);
            }
            if let Some(l) = self.lens.get_mut(slot) {
                *l = n;
            }
            self.bytes_read += n as u64;
            self.read = seq;
            if n < self.blksize {
                self.last = Some(seq);
            }
        }
        let len = self.lens.get(slot).copied().unwrap_or(0);
        let total = DATA_HEADER_LEN + len;
        if out.len() < total {
            return Err(SendError::Insufficient(total));
        }
        emit_data_header(wire_block(seq, self.rollover), out)
            .map_err(|_| SendError::Insufficient(total))?;
        let start = slot * self.blksize;
        if let (Some(dst), Some(src)) = (
            out.get_mut(DATA_HEADER_LEN..total),
            self.ring.get(start..start + len),
        ) {
            dst.copy_from_slice(src);
        }
        self.next = seq + 1;
        self.sent_max = self.sent_max.max(seq);
        self.timer.arm(now);
        Ok(Some(total))
    }

    pub(crate) fn handle_ack(&mut self, now: Instant, block: u16) -> AckOutcome {
        let Some(seq) = nearest_seq(block, self.base, self.rollover) else {
            return AckOutcome::Ignored;
        };
        if seq <= self.base || seq > self.sent_max {
            return AckOutcome::Ignored;
        }
        self.base = seq;
        // RFC 7440: resume after the acknowledged block (restarts a window
        // after a loss the receiver reported).
        self.next = seq + 1;
        self.timer.progress(now);
        if self.is_complete() {
            self.timer.deadline = None;
            AckOutcome::Complete
        } else {
            AckOutcome::Progress
        }
    }

    /// Timer expiry: `false` = retry limit reached.
    pub(crate) fn handle_timeout(&mut self, now: Instant) -> bool {
        if !self.timer.expired(now) {
            return true;
        }
        if !self.timer.on_timeout(now) {
            return false;
        }
        self.next = self.base + 1;
        true
    }

    pub(crate) fn wants_transmit(&self) -> bool {
        self.can_send()
    }
}

/// Why the sender could not produce a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SendError {
    Insufficient(usize),
    Read(ReadError),
}

/// Outcome of a DATA given to the receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DataOutcome {
    /// In order: deliver the payload; `last` = it was the final block.
    Deliver { last: bool },
    /// Already received, or a gap: nothing to deliver.
    Ignored,
    /// Larger than the block size: protocol violation.
    TooLarge,
}

/// The DATA receiving half.
pub(crate) struct Receiver {
    blksize: usize,
    window: u64,
    rollover: Rollover,
    /// Next expected sequence number.
    expected: u64,
    /// Last sequence number acknowledged: the sender's window starts after
    /// it, so the window ends at `acked + window`.
    acked: u64,
    gap_acked: bool,
    pub(crate) final_seq: Option<u64>,
    /// Sequence number to acknowledge at the next poll.
    pub(crate) ack_due: Option<u64>,
    pub(crate) timer: Backoff,
}

impl Receiver {
    pub(crate) fn new(blksize: u16, window: u16, rollover: Rollover, timer: Backoff) -> Self {
        Receiver {
            blksize: usize::from(blksize.max(1)),
            window: u64::from(window.max(1)),
            rollover,
            expected: 1,
            acked: 0,
            gap_acked: false,
            final_seq: None,
            ack_due: None,
            timer,
        }
    }

    /// Sequence number of the last in-order block (0 before DATA 1).
    pub(crate) fn last_in_order(&self) -> u64 {
        self.expected - 1
    }

    pub(crate) fn handle_data(&mut self, now: Instant, block: u16, len: usize) -> DataOutcome {
        let Some(seq) = nearest_seq(block, self.expected, self.rollover) else {
            return DataOutcome::Ignored;
        };
        if self.final_seq.is_some() {
            // Dallying: the final DATA again means our ACK was lost.
            if Some(seq) == self.final_seq {
                self.ack_due = self.final_seq;
            }
            return DataOutcome::Ignored;
        }
        if seq == self.expected {
            if len > self.blksize {
                return DataOutcome::TooLarge;
            }
            self.expected += 1;
            self.gap_acked = false;
            self.timer.progress(now);
            let last = len < self.blksize;
            if last {
                self.final_seq = Some(seq);
                self.ack_due = Some(seq);
            } else if seq >= self.acked + self.window {
                self.ack_due = Some(seq);
            }
            DataOutcome::Deliver { last }
        } else if seq < self.expected {
            // Duplicate: re-ACK once per window (its last block).
            if seq + 1 == self.expected {
                self.ack_due = Some(seq);
            }
            DataOutcome::Ignored
        } else {
            // Gap (RFC 7440): ACK the last in-order block once.
            if !self.gap_acked {
                self.gap_acked = true;
                self.ack_due = Some(self.expected - 1);
            }
            DataOutcome::Ignored
        }
    }

    /// The wire number of the ACK due, if any (clears it).
    pub(crate) fn take_ack(&mut self, now: Instant) -> Option<u16> {
        let seq = self.ack_due.take()?;
        self.acked = self.acked.max(seq);
        if self.final_seq.is_none() {
            self.timer.arm(now);
        }
        Some(wire_block(seq, self.rollover))
    }

    /// Timer expiry while waiting for DATA: re-ACK the last in-order block.
    /// `false` = retry limit reached.
    pub(crate) fn handle_timeout(&mut self, now: Instant) -> bool {
        if !self.timer.expired(now) {
            return true;
        }
        if !self.timer.on_timeout(now) {
            return false;
        }
        self.ack_due = Some(self.expected - 1);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_numbers_wrap_per_policy() {
        assert_eq!(wire_block(65535, Rollover::Zero), 65535);
        assert_eq!(wire_block(65536, Rollover::Zero), 0);
        assert_eq!(wire_block(65537, Rollover::Zero), 1);
        assert_eq!(wire_block(65536, Rollover::One), 1);
        assert_eq!(wire_block(131070, Rollover::One), 65535);
        assert_eq!(wire_block(131071, Rollover::One), 1);
        for r in [Rollover::Zero, Rollover::One] {
            for anchor in [1u64, 100, 65530, 65535, 65536, 65540, 200_000] {
                for d in [-5i64, 0, 3, 20] {
                    let Ok(seq) = u64::try_from(anchor as i64 + d) else {
                        continue;
                    };
                    if seq == 0 {
                        continue;
                    }
                    assert_eq!(
                        nearest_seq(wire_block(seq, r), anchor, r),
                        Some(seq),
                        "{r:?} {anchor} {d}"
                    );
                }
            }
        }
    }
}
