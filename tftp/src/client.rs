//! The TFTP client: one read (RRQ) or write (WRQ) transfer.
//!
//! Drive it with the loop of the crate docs. Received data comes out as
//! [`Event::Data`] borrowing the client's single block buffer: while a block
//! has not been taken by [`Client::poll_event`], the next in-order DATA is
//! treated as not received (the peer retransmits), so nothing is buffered
//! beyond one block.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::net::SocketAddr;
use core::time::Duration;

use bytes::Bytes;
use dialtone_core::{Instant, InsufficientSize, Transmit};

use crate::error::InputError;
use crate::netascii;
use crate::source::BytesReader;
use crate::transfer::{
    AckOutcome, Backoff, DataOutcome, Receiver, Rollover, SendError, Sender,
    MAX_RETRANSMITS_DEFAULT, RETRANSMIT_DEFAULT,
};
use crate::wire::{
    ErrorCode, Message, Mode, OptionValues, Options, Request, DEFAULT_BLKSIZE, MAX_BLKSIZE,
};

/// Client settings. Options are only sent when at least one is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// `blksize` to propose (RFC 2348).
    pub blksize: Option<u16>,
    /// `windowsize` to propose (RFC 7440).
    pub windowsize: Option<u16>,
    /// `timeout` (seconds) to propose (RFC 2349).
    pub timeout: Option<u8>,
    /// Ask for `tsize` (RFC 2349): reported as [`Event::TransferSize`].
    pub tsize: bool,
    /// Transfer mode.
    pub mode: Mode,
    /// First retransmission timeout; doubled per consecutive timeout.
    pub retransmit: Duration,
    /// Retransmissions of one packet before giving up.
    pub max_retransmits: u8,
    /// Block number after 65535.
    pub rollover: Rollover,
    /// After ERROR 8 to a request with options, retry once without them.
    pub retry_without_options: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            blksize: None,
            windowsize: None,
            timeout: None,
            tsize: false,
            mode: Mode::Octet,
            retransmit: RETRANSMIT_DEFAULT,
            max_retransmits: MAX_RETRANSMITS_DEFAULT,
            rollover: Rollover::Zero,
            retry_without_options: true,
        }
    }
}

impl Config {
    fn options(&self) -> OptionValues {
        OptionValues {
            blksize: self.blksize,
            timeout: self.timeout,
            tsize: self.tsize.then_some(0),
            windowsize: self.windowsize,
        }
        .sanitized()
    }
}

/// Values in effect for the transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// Block size.
    pub blksize: u16,
    /// Window size.
    pub windowsize: u16,
    /// Negotiated retransmission timeout, if any.
    pub timeout: Option<u8>,
    /// Transfer size the server announced, if any.
    pub tsize: Option<u64>,
    /// The server acknowledged options with an OACK (false: it ignored them,
    /// or none were sent).
    pub oack: bool,
}

/// Why a transfer failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The server sent ERROR (File Not Found is `FileNotFound`).
    Remote {
        /// Its code.
        code: ErrorCode,
        /// Its message.
        message: String,
    },
    /// No answer after the retry limit.
    TimedOut,
    /// The server's OACK was not acceptable; ERROR 8 was sent.
    BadOack,
    /// The server broke the protocol (e.g. DATA larger than the block size);
    /// ERROR 4 was sent.
    Protocol,
}

/// Something the application should know.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// Transfer parameters are fixed (after OACK, or the server's first
    /// DATA/ACK when it ignored the options).
    Negotiated(Negotiated),
    /// The server refused the options with ERROR 8; the request is sent
    /// again without options.
    OptionsRejected,
    /// Size of the file the server announced (`tsize`), for progress.
    TransferSize(u64),
    /// In-order file data (read transfers), already translated from
    /// netascii when that mode is used.
    Data {
        /// Offset of `data` in the file.
        offset: u64,
        /// The bytes.
        data: &'a [u8],
    },
    /// Bytes acknowledged by the server so far (write transfers).
    Progress {
        /// Bytes acknowledged.
        bytes: u64,
    },
    /// The transfer succeeded; `size` bytes were transferred.
    Complete {
        /// File size.
        size: u64,
    },
    /// The transfer failed.
    Failed(Failure),
}

#[derive(Clone, Debug)]
enum Queued {
    Negotiated(Negotiated),
    OptionsRejected,
    TransferSize(u64),
    Data { offset: u64 },
    Progress(u64),
    Complete(u64),
    Failed(Failure),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Control {
    Request,
    Ack(u16),
    Error(ErrorCode, &'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Requesting,
    Transferring,
    Dallying,
    Done,
}

enum Role {
    Read {
        rx: Option<Receiver>,
        decoder: netascii::Decoder,
        block: Vec<u8>,
        block_len: usize,
        pending: bool,
        delivered: u64,
    },
    Write {
        data: Bytes,
        tx: Option<Sender<BytesReader>>,
    },
}

/// Most queued ERROR 5 replies to strangers kept at once (more are dropped).
const MAX_QUEUED_CONTROL: usize = 8;

/// A TFTP client for one transfer.
pub struct Client {
    config: Config,
    server: SocketAddr,
    peer: Option<SocketAddr>,
    filename: String,
    options: OptionValues,
    role: Role,
    phase: Phase,
    timer: Backoff,
    now: Instant,
    control: VecDeque<(SocketAddr, Control)>,
    events: VecDeque<Queued>,
    neg: Option<Negotiated>,
}

impl Client {
    fn new(config: Config, server: SocketAddr, filename: &str, role: Role, now: Instant) -> Self {
        let mut c = Client {
            config,
            server,
            peer: None,
            filename: String::from(filename),
            options: config.options(),
            role,
            phase: Phase::Requesting,
            timer: Backoff::new(config.retransmit, config.max_retransmits),
            now,
            control: VecDeque::new(),
            events: VecDeque::new(),
            neg: None,
        };
        if let Some(t) = c.options.timeout {
            c.timer.set_fixed(Duration::from_secs(u64::from(t)));
        }
        c.control.push_back((server, Control::Request));
        c
    }

    /// Starts downloading `filename` from `server` (usually port 69).
    #[must_use]
    pub fn read(config: Config, server: SocketAddr, filename: &str, now: Instant) -> Self {
        let role = Role::Read {
            rx: None,
            decoder: netascii::Decoder::new(),
            block: Vec::new(),
            block_len: 0,
            pending: false,
            delivered: 0,
        };
        Self::new(config, server, filename, role, now)
    }

    /// Starts uploading `data` as `filename`. With [`Config::tsize`] its size
    /// is announced. Netascii translation is the caller's job for writes.
    #[must_use]
    pub fn write(
        config: Config,
        server: SocketAddr,
        filename: &str,
        data: Bytes,
        now: Instant,
    ) -> Self {
        let size = data.len() as u64;
        let mut c = Self::new(
            config,
            server,
            filename,
            Role::Write { data, tx: None },
            now,
        );
        if c.options.tsize.is_some() {
            c.options.tsize = Some(size);
        }
        c
    }

    /// The server's transfer address once it answered.
    #[must_use]
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// Transfer parameters once fixed.
    #[must_use]
    pub fn negotiated(&self) -> Option<Negotiated> {
        self.neg
    }

    /// True once the transfer has succeeded or failed (dally included: a
    /// dallying client is finished for the application but still answers a
    /// repeated final DATA until [`Client::poll_timeout`] returns `None`).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Dallying | Phase::Done)
    }

    /// True when nothing remains to do (no timer, nothing to send).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Done && self.control.is_empty()
    }

    fn fail(&mut self, f: Failure) {
        self.phase = Phase::Done;
        self.timer.deadline = None;
        self.events.push_back(Queued::Failed(f));
    }

    fn queue_control(&mut self, to: SocketAddr, c: Control) {
        if self.control.len() < MAX_QUEUED_CONTROL {
            self.control.push_back((to, c));
        }
    }

    /// A datagram arrived from `from`.
    ///
    /// # Errors
    /// [`InputError`] when the datagram was ignored: malformed, from a
    /// stranger (an ERROR 5 is then queued for it, the transfer goes on), or
    /// not expected now.
    pub fn handle_input(
        &mut self,
        now: Instant,
        from: SocketAddr,
        bytes: &[u8],
    ) -> Result<(), InputError> {
        self.now = self.now.max(now);
        let now = self.now;
        if self.phase == Phase::Done {
            return Err(InputError::Finished);
        }
        match self.peer {
            Some(p) if p != from => {
                self.queue_control(
                    from,
                    Control::Error(ErrorCode::UnknownTid, "Unknown transfer ID"),
                );
                return Err(InputError::UnknownTid);
            }
            None if from.ip() != self.server.ip() => {
                self.queue_control(
                    from,
                    Control::Error(ErrorCode::UnknownTid, "Unknown transfer ID"),
                );
                return Err(InputError::UnknownTid);
            }
            _ => {}
        }
        let msg = Message::decode(bytes)?;
        if let Message::Error { code, message } = msg {
            if self.phase == Phase::Requesting
                && code == ErrorCode::OptionNegotiation
                && !self.options.is_empty()
                && self.config.retry_without_options
            {
                self.options = OptionValues::NONE;
                self.timer = Backoff::new(self.config.retransmit, self.config.max_retransmits);
                self.events.push_back(Queued::OptionsRejected);
                self.control.push_back((self.server, Control::Request));
                return Ok(());
            }
            if self.phase == Phase::Dallying {
                return Err(InputError::Finished);
            }
            self.peer.get_or_insert(from);
            self.fail(Failure::Remote {
                code,
                message: String::from(message),
            });
            return Ok(());
        }
        if self.phase == Phase::Requesting {
            return self.handle_first_reply(now, from, msg);
        }
        self.handle_transfer(now, msg)
    }

    fn start(&mut self, now: Instant, from: SocketAddr, neg: Negotiated) {
        self.peer = Some(from);
        self.phase = Phase::Transferring;
        self.neg = Some(neg);
        self.events.push_back(Queued::Negotiated(neg));
        if let Some(t) = neg.tsize {
            self.events.push_back(Queued::TransferSize(t));
        }
        let mut timer = Backoff::new(self.config.retransmit, self.config.max_retransmits);
        if let Some(t) = neg.timeout {
            timer.set_fixed(Duration::from_secs(u64::from(t)));
        }
        timer.progress(now);
        self.timer.deadline = None;
        match &mut self.role {
            Role::Read { rx, block, .. } => {
                *block = vec![0; usize::from(neg.blksize) + 1];
                *rx = Some(Receiver::new(
                    neg.blksize,
                    neg.windowsize,
                    self.config.rollover,
                    timer,
                ));
            }
            Role::Write { data, tx } => {
                *tx = Some(Sender::new(
                    BytesReader::new(data.clone()),
                    neg.blksize,
                    neg.windowsize,
                    self.config.rollover,
                    timer,
                ));
            }
        }
    }

    fn handle_first_reply(
        &mut self,
        now: Instant,
        from: SocketAddr,
        msg: Message<'_>,
    ) -> Result<(), InputError> {
        let plain = Negotiated {
            blksize: DEFAULT_BLKSIZE,
            windowsize: 1,
            timeout: None,
            tsize: None,
            oack: false,
        };
        let is_read = matches!(self.role, Role::Read { .. });
        match msg {
            Message::Oack(o) => {
                let Some(neg) = self.accept_oack(&o) else {
                    self.peer = Some(from);
                    self.control.push_back((
                        from,
                        Control::Error(ErrorCode::OptionNegotiation, "Bad option acknowledgement"),
                    ));
                    self.fail(Failure::BadOack);
                    return Ok(());
                };
                self.start(now, from, neg);
                if is_read {
                    self.control.push_back((from, Control::Ack(0)));
                }
                Ok(())
            }
            Message::Data { .. } if is_read => {
                self.start(now, from, plain);
                self.handle_transfer(now, msg)
            }
            Message::Ack { block: 0 } if !is_read => {
                self.start(now, from, plain);
                Ok(())
            }
            _ => Err(InputError::Unexpected {
                state: "requesting",
            }),
        }
    }

    /// Checks an OACK against what was asked (RFC 2347 §6.1 of `tftp.md`).
    fn accept_oack(&self, o: &Options<'_>) -> Option<Negotiated> {
        if o.others().next().is_some() {
            return None;
        }
        let asked = self.options;
        let v = o.values;
        let blksize = match (asked.blksize, v.blksize) {
            (_, None) => DEFAULT_BLKSIZE,
            (Some(a), Some(b)) if b <= a && b <= MAX_BLKSIZE => b,
            _ => return None,
        };
        let windowsize = match (asked.windowsize, v.windowsize) {
            (_, None) => 1,
            (Some(a), Some(w)) if w <= a => w,
            _ => return None,
        };
        let timeout = match (asked.timeout, v.timeout) {
            (_, None) => None,
            (Some(a), Some(t)) if a == t => Some(t),
            _ => return None,
        };
        let tsize = match (asked.tsize, v.tsize) {
            (_, None) => None,
            (Some(_), Some(t)) => Some(t),
            (None, Some(_)) => return None,
        };
        Some(Negotiated {
            blksize,
            windowsize,
            timeout,
            tsize,
            oack: true,
        })
    }

    fn handle_transfer(&mut self, now: Instant, msg: Message<'_>) -> Result<(), InputError> {
        let rollover = self.config.rollover;
        let _ = rollover;
        match (&mut self.role, msg) {
            (
                Role::Read {
                    rx: Some(rx),
                    decoder,
                    block,
                    block_len,
                    pending,
                    delivered,
                },
                Message::Data { block: num, data },
            ) => {
                if *pending {
                    // The application has not taken the previous block yet.
                    return Err(InputError::Unexpected {
                        state: "previous block not taken",
                    });
                }
                match rx.handle_data(now, num, data.len()) {
                    DataOutcome::Deliver { last } => {
                        let (_, mut w) = if self.config.mode == Mode::Netascii {
                            decoder.decode(data, block)
                        } else {
                            let n = data.len().min(block.len());
                            if let (Some(d), Some(s)) = (block.get_mut(..n), data.get(..n)) {
                                d.copy_from_slice(s);
                            }
                            (n, n)
                        };
                        if last && self.config.mode == Mode::Netascii {
                            w += decoder.finish(block.get_mut(w..).unwrap_or(&mut []));
                        }
                        *block_len = w;
                        *pending = true;
                        let offset = *delivered;
                        *delivered += w as u64;
                        self.events.push_back(Queued::Data { offset });
                        if last {
                            let size = *delivered;
                            self.phase = Phase::Dallying;
                            // Dally for twice the current timeout (tftp.md §13).
                            let dally = rx.timer.current().saturating_mul(2);
                            rx.timer.deadline = Some(now + dally);
                            self.events.push_back(Queued::Complete(size));
                        }
                        Ok(())
                    }
                    DataOutcome::Ignored => Ok(()),
                    DataOutcome::TooLarge => {
                        if let Some(p) = self.peer {
                            self.control.push_back((
                                p,
                                Control::Error(ErrorCode::IllegalOperation, "Block too large"),
                            ));
                        }
                        self.fail(Failure::Protocol);
                        Ok(())
                    }
                }
            }
            (Role::Write { tx: Some(tx), .. }, Message::Ack { block }) => {
                match tx.handle_ack(now, block) {
                    AckOutcome::Progress => {
                        self.events.push_back(Queued::Progress(tx.acked_bytes()));
                        Ok(())
                    }
                    AckOutcome::Complete => {
                        let size = tx.acked_bytes();
                        self.phase = Phase::Done;
                        self.events.push_back(Queued::Complete(size));
                        Ok(())
                    }
                    AckOutcome::Ignored => Ok(()),
                }
            }
            // A repeated OACK (our ACK 0 was lost): ACK it again.
            (Role::Read { rx: Some(rx), .. }, Message::Oack(_)) if rx.last_in_order() == 0 => {
                if let Some(p) = self.peer {
                    self.queue_control(p, Control::Ack(0));
                }
                Ok(())
            }
            _ => Err(InputError::Unexpected {
                state: "transferring",
            }),
        }
    }

    /// Advances time.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = self.now.max(now);
        let now = self.now;
        match self.phase {
            Phase::Done => {}
            Phase::Requesting => {
                if self.timer.expired(now) {
                    if self.timer.on_timeout(now) {
                        self.control.push_back((self.server, Control::Request));
                    } else {
                        self.fail(Failure::TimedOut);
                    }
                }
            }
            Phase::Dallying => {
                if let Role::Read { rx: Some(rx), .. } = &mut self.role {
                    if rx.timer.expired(now) {
                        rx.timer.deadline = None;
                        self.phase = Phase::Done;
                    }
                } else {
                    self.phase = Phase::Done;
                }
            }
            Phase::Transferring => {
                let ok = match &mut self.role {
                    Role::Read { rx: Some(rx), .. } => rx.handle_timeout(now),
                    Role::Write { tx: Some(tx), .. } => tx.handle_timeout(now),
                    _ => true,
                };
                if !ok {
                    self.fail(Failure::TimedOut);
                }
            }
        }
    }

    /// Writes the next datagram into `buf`.
    ///
    /// Call after: construction, any `handle_*`; repeat until `Ok(None)`.
    ///
    /// # Errors
    /// [`InsufficientSize`] when `buf` cannot hold the datagram (nothing is
    /// consumed; `blksize + 4` bytes always suffice).
    pub fn poll_transmit(
        &mut self,
        buf: &mut [u8],
    ) -> Result<Option<Transmit<SocketAddr>>, InsufficientSize> {
        let now = self.now;
        if let Some(&(to, c)) = self.control.front() {
            let len = match c {
                Control::Request => {
                    let req = Request {
                        filename: &self.filename,
                        mode: self.config.mode,
                        options: Options::new(self.options),
                        extra_nul: false,
                    };
                    let m = if matches!(self.role, Role::Read { .. }) {
                        Message::Rrq(req)
                    } else {
                        Message::Wrq(req)
                    };
                    let n = m.emit(buf)?;
                    self.timer.arm(now);
                    n
                }
                Control::Ack(block) => Message::Ack { block }.emit(buf)?,
                Control::Error(code, message) => Message::Error { code, message }.emit(buf)?,
            };
            self.control.pop_front();
            return Ok(Some(Transmit { to, len }));
        }
        let Some(peer) = self.peer else {
            return Ok(None);
        };
        match &mut self.role {
            Role::Read { rx: Some(rx), .. } => {
                if rx.ack_due.is_some() {
                    let len = Message::Ack { block: 0 }.buffer_len();
                    if buf.len() < len {
                        return Err(InsufficientSize { required: len });
                    }
                    if let Some(block) = rx.take_ack(now) {
                        let len = Message::Ack { block }.emit(buf)?;
                        return Ok(Some(Transmit { to: peer, len }));
                    }
                }
                Ok(None)
            }
            Role::Write { tx: Some(tx), .. } if self.phase == Phase::Transferring => {
                match tx.poll_data(now, buf) {
                    Ok(Some(len)) => Ok(Some(Transmit { to: peer, len })),
                    Ok(None) => Ok(None),
                    Err(SendError::Insufficient(required)) => Err(InsufficientSize { required }),
                    Err(SendError::Read(_)) => {
                        self.fail(Failure::Protocol);
                        Ok(None)
                    }
                }
            }
            _ => Ok(None),
        }
    }

    /// The next event.
    ///
    /// Call after: any `handle_*` (and `poll_transmit`); repeat until `None`.
    /// A [`Event::Data`] borrows the block buffer: take it before the next
    /// `handle_input`.
    pub fn poll_event(&mut self) -> Option<Event<'_>> {
        let q = self.events.pop_front()?;
        Some(match q {
            Queued::Negotiated(n) => Event::Negotiated(n),
            Queued::OptionsRejected => Event::OptionsRejected,
            Queued::TransferSize(t) => Event::TransferSize(t),
            Queued::Progress(b) => Event::Progress { bytes: b },
            Queued::Complete(size) => Event::Complete { size },
            Queued::Failed(f) => Event::Failed(f),
            Queued::Data { offset } => match &mut self.role {
                Role::Read {
                    block,
                    block_len,
                    pending,
                    ..
                } => {
                    *pending = false;
                    Event::Data {
                        offset,
                        data: block.get(..*block_len).unwrap_or(&[]),
                    }
                }
                Role::Write { .. } => Event::Data { offset, data: &[] },
            },
        })
    }

    /// When to call [`Client::handle_timeout`] next; `None` once closed.
    ///
    /// Call after: any `handle_*` and the `poll_*` drain.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Done => None,
            Phase::Requesting => self.timer.deadline,
            Phase::Transferring | Phase::Dallying => match &self.role {
                Role::Read { rx: Some(rx), .. } => rx.timer.deadline,
                Role::Write { tx: Some(tx), .. } => tx.timer.deadline,
                _ => None,
            },
        }
    }
}
