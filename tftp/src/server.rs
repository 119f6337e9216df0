//! The TFTP server: a dispatcher keyed by the peer's address, holding one
//! [`Transfer`] state machine per client transfer.
//!
//! Write requests get ERROR 2 unless [`Config::allow_writes`] is set. Requested names
//! are checked before the [`FileSource`] sees them: one leading `/` is
//! dropped (phones request `/mk-sip.jar`), and `..` components, backslashes,
//! control characters and empty names get ERROR 2.
//!
//! A driver may answer from one socket for everything or from a fresh socket
//! per peer (the RFC 1350 server TID); the machine only sees peer addresses.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use core::net::SocketAddr;
use core::time::Duration;

use dialtone_core::{Instant, InsufficientSize, Transmit};

use crate::error::InputError;
use crate::netascii;
use crate::source::{
    FileSource, ModeReader, OpenError, ReadFile, WriteError, WriteFile, NETASCII_BUF,
};
use crate::transfer::{
    AckOutcome, Backoff, DataOutcome, Receiver, Rollover, SendError, Sender,
    MAX_RETRANSMITS_DEFAULT, RETRANSMIT_DEFAULT,
};
use crate::wire::{
    ErrorCode, Message, Mode, Opcode, OptionValues, Options, Packet, Request, DEFAULT_BLKSIZE,
    MAX_BLKSIZE,
};

/// Server settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Concurrent transfers; further requests are dropped (the client
    /// retries later).
    pub max_transfers: usize,
    /// Largest `blksize` granted.
    pub max_blksize: u16,
    /// Largest `windowsize` granted.
    pub max_windowsize: u16,
    /// Buffer bytes one transfer may hold (`blksize × windowsize`); the
    /// window is reduced to fit.
    pub max_transfer_memory: usize,
    /// Buffer bytes all transfers together may hold; requests beyond are
    /// dropped like over `max_transfers`.
    pub max_memory: usize,
    /// First retransmission timeout (doubled per consecutive timeout).
    pub retransmit: Duration,
    /// Retransmissions of one packet before giving up.
    pub max_retransmits: u8,
    /// Block number after 65535.
    pub rollover: Rollover,
    /// Accept write requests (files go to [`FileSource::create`]). Off by
    /// default: WRQ gets ERROR 2.
    pub allow_writes: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_transfers: 1024,
            max_blksize: MAX_BLKSIZE,
            max_windowsize: 64,
            max_transfer_memory: 256 * 1024,
            max_memory: 64 * 1024 * 1024,
            retransmit: RETRANSMIT_DEFAULT,
            max_retransmits: MAX_RETRANSMITS_DEFAULT,
            rollover: Rollover::Zero,
            allow_writes: false,
        }
    }
}

/// Something the application (or its log) should know.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A transfer started.
    Started {
        /// Client address.
        peer: SocketAddr,
        /// Name as requested.
        name: String,
        /// File size, when known.
        size: Option<u64>,
    },
    /// A request was answered with an ERROR.
    Refused {
        /// Client address.
        peer: SocketAddr,
        /// The code sent.
        code: ErrorCode,
    },
    /// A request was dropped because of the transfer or memory limits.
    Busy {
        /// Client address.
        peer: SocketAddr,
    },
    /// A transfer ended; the driver may release resources for `peer`.
    Finished {
        /// Client address.
        peer: SocketAddr,
        /// Bytes acknowledged by the client.
        bytes: u64,
        /// `None` on success.
        error: Option<TransferError>,
    },
}

/// Why a transfer ended early.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransferError {
    /// The client stopped answering.
    TimedOut,
    /// The client sent ERROR.
    Remote(ErrorCode),
    /// The file could not be read (ERROR 0 sent).
    Read,
    /// The received file could not be stored (ERROR 3 sent).
    Write,
    /// The client broke the protocol (ERROR 4 sent).
    Protocol,
}

/// Checks and normalises a requested name (`tftp.md` §13).
///
/// # Errors
/// `()` when the name must be refused with ERROR 2.
#[allow(clippy::result_unit_err)]
pub fn sanitize_name(name: &str) -> Result<&str, ()> {
    let n = name.strip_prefix('/').unwrap_or(name);
    if n.is_empty()
        || n.starts_with('/')
        || n.bytes().any(|b| b == b'\\' || b < 0x20 || b == 0x7f)
        || n.split('/').any(|c| c == ".." || c.is_empty())
    {
        return Err(());
    }
    Ok(n)
}

fn open_error_reply(e: OpenError) -> (ErrorCode, &'static str) {
    match e {
        OpenError::NotFound => (ErrorCode::FileNotFound, "File not found"),
        OpenError::AccessDenied => (ErrorCode::AccessViolation, "Access violation"),
        OpenError::TooLarge => (ErrorCode::DiskFull, "Disk full or allocation exceeded"),
        OpenError::Exists => (ErrorCode::FileExists, "File already exists"),
        _ => (ErrorCode::NotDefined, "Cannot open file"),
    }
}

/// One read transfer, from request to final ACK.
pub struct Transfer<F> {
    peer: SocketAddr,
    tx: Sender<ModeReader<F>>,
    oack: Option<OptionValues>,
    oack_sent: bool,
    failed: Option<TransferError>,
    error_out: Option<(ErrorCode, &'static str)>,
    reserved: usize,
}

impl<F: ReadFile> Transfer<F> {
    /// The client's address.
    #[must_use]
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    fn is_over(&self) -> bool {
        (self.tx.is_complete() || self.failed.is_some()) && self.error_out.is_none()
    }

    fn deadline(&self) -> Option<Instant> {
        if self.is_over() {
            None
        } else {
            self.tx.timer.deadline
        }
    }

    fn wants_transmit(&self) -> bool {
        self.error_out.is_some()
            || (self.failed.is_none()
                && (self.oack.is_some() && !self.oack_sent
                    || self.oack.is_none() && self.tx.wants_transmit()))
    }

    fn handle(&mut self, now: Instant, msg: Message<'_>) -> Result<(), InputError> {
        if self.failed.is_some() || self.tx.is_complete() {
            return Err(InputError::Finished);
        }
        match msg {
            Message::Ack { block } if self.oack.is_some() => {
                if block == 0 {
                    self.oack = None;
                    self.tx.timer.progress(now);
                    Ok(())
                } else {
                    // tftpd-hpa re-sends the OACK here; we wait for our timer.
                    Err(InputError::Unexpected { state: "oack sent" })
                }
            }
            Message::Ack { block } => {
                let _: AckOutcome = self.tx.handle_ack(now, block);
                Ok(())
            }
            Message::Error { code, .. } => {
                self.failed = Some(TransferError::Remote(code));
                Ok(())
            }
            // The client repeated its request: our own retransmission answers.
            Message::Rrq(_) | Message::Wrq(_) => Ok(()),
            _ => Err(InputError::Unexpected { state: "sending" }),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.is_over() || !self.tx.timer.expired(now) {
            return;
        }
        if self.oack.is_some() {
            if self.tx.timer.on_timeout(now) {
                self.oack_sent = false;
            } else {
                self.failed = Some(TransferError::TimedOut);
            }
        } else if !self.tx.handle_timeout(now) {
            self.failed = Some(TransferError::TimedOut);
        }
    }

    fn poll_transmit(
        &mut self,
        now: Instant,
        buf: &mut [u8],
    ) -> Result<Option<usize>, InsufficientSize> {
        if let Some((code, message)) = self.error_out {
            let n = Message::Error { code, message }.emit(buf)?;
            self.error_out = None;
            return Ok(Some(n));
        }
        if self.failed.is_some() {
            return Ok(None);
        }
        if let Some(o) = self.oack {
            if self.oack_sent {
                return Ok(None);
            }
            let n = Message::Oack(Options::new(o)).emit(buf)?;
            self.oack_sent = true;
            self.tx.timer.arm(now);
            return Ok(Some(n));
        }
        match self.tx.poll_data(now, buf) {
            Ok(n) => Ok(n),
            Err(SendError::Insufficient(required)) => Err(InsufficientSize { required }),
            Err(SendError::Read(_)) => {
                self.failed = Some(TransferError::Read);
                self.error_out = Some((ErrorCode::NotDefined, "Read error"));
                self.poll_transmit(now, buf)
            }
        }
    }
}

/// One write transfer (only when [`Config::allow_writes`]), from request to
/// the end of the dally after the final ACK.
pub struct Receive<W> {
    peer: SocketAddr,
    rx: Receiver,
    sink: Option<W>,
    netascii: Option<netascii::Decoder>,
    oack: Option<OptionValues>,
    oack_due: bool,
    received: u64,
    failed: Option<TransferError>,
    error_out: Option<(ErrorCode, &'static str)>,
    reserved: usize,
}

/// What the server must do after a write transfer's input.
enum Written<W> {
    Nothing,
    /// The final block arrived: hand the file to the source.
    Complete(W),
}

impl<W: WriteFile> Receive<W> {
    /// The client's address.
    #[must_use]
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    fn is_over(&self) -> bool {
        self.error_out.is_none()
            && (self.failed.is_some()
                || (self.rx.final_seq.is_some() && self.rx.timer.deadline.is_none()))
    }

    fn deadline(&self) -> Option<Instant> {
        if self.is_over() {
            None
        } else {
            self.rx.timer.deadline
        }
    }

    fn wants_transmit(&self) -> bool {
        self.error_out.is_some()
            || (self.failed.is_none() && (self.oack_due || self.rx.ack_due.is_some()))
    }

    fn write(&mut self, data: &[u8]) -> Result<(), WriteError> {
        let Some(sink) = self.sink.as_mut() else {
            return Err(WriteError);
        };
        match self.netascii.as_mut() {
            None => sink.write(data),
            Some(dec) => {
                let mut rest = data;
                let mut buf = [0u8; 512];
                while !rest.is_empty() {
                    let (r, w) = dec.decode(rest, &mut buf);
                    sink.write(buf.get(..w).unwrap_or(&[]))?;
                    rest = rest.get(r..).unwrap_or(&[]);
                    if r == 0 && w == 0 {
                        return Err(WriteError);
                    }
                }
                Ok(())
            }
        }
    }

    fn handle(&mut self, now: Instant, msg: Message<'_>) -> Result<Written<W>, InputError> {
        if self.failed.is_some() {
            return Err(InputError::Finished);
        }
        match msg {
            Message::Data { block, data } => match self.rx.handle_data(now, block, data.len()) {
                DataOutcome::Deliver { last } => {
                    self.oack = None;
                    self.received += data.len() as u64;
                    if self.write(data).is_err() {
                        self.failed = Some(TransferError::Write);
                        self.error_out =
                            Some((ErrorCode::DiskFull, "Disk full or allocation exceeded"));
                        return Ok(Written::Nothing);
                    }
                    if !last {
                        return Ok(Written::Nothing);
                    }
                    if let (Some(dec), Some(sink)) = (self.netascii.as_mut(), self.sink.as_mut()) {
                        let mut cr = [0u8; 1];
                        let n = dec.finish(&mut cr);
                        if sink.write(cr.get(..n).unwrap_or(&[])).is_err() {
                            self.failed = Some(TransferError::Write);
                            return Ok(Written::Nothing);
                        }
                    }
                    // Dally for twice the current timeout (tftp.md §13).
                    self.rx.timer.deadline = Some(now + self.rx.timer.current().saturating_mul(2));
                    Ok(self.sink.take().map_or(Written::Nothing, Written::Complete))
                }
                DataOutcome::Ignored => Ok(Written::Nothing),
                DataOutcome::TooLarge => {
                    self.failed = Some(TransferError::Protocol);
                    self.error_out = Some((ErrorCode::IllegalOperation, "Block too large"));
                    Ok(Written::Nothing)
                }
            },
            Message::Error { code, .. } => {
                self.failed = Some(TransferError::Remote(code));
                Ok(Written::Nothing)
            }
            Message::Rrq(_) | Message::Wrq(_) => Ok(Written::Nothing),
            _ => Err(InputError::Unexpected { state: "receiving" }),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.is_over() || !self.rx.timer.expired(now) {
            return;
        }
        if self.rx.final_seq.is_some() {
            // End of the dally.
            self.rx.timer.deadline = None;
            return;
        }
        if !self.rx.handle_timeout(now) {
            self.failed = Some(TransferError::TimedOut);
        } else if self.oack.is_some() {
            // Nothing arrived yet: repeat the OACK rather than ACK 0.
            self.rx.ack_due = None;
            self.oack_due = true;
        }
    }

    fn poll_transmit(
        &mut self,
        now: Instant,
        buf: &mut [u8],
    ) -> Result<Option<usize>, InsufficientSize> {
        if let Some((code, message)) = self.error_out {
            let n = Message::Error { code, message }.emit(buf)?;
            self.error_out = None;
            return Ok(Some(n));
        }
        if self.failed.is_some() {
            return Ok(None);
        }
        if self.oack_due {
            if let Some(o) = self.oack {
                let n = Message::Oack(Options::new(o)).emit(buf)?;
                self.oack_due = false;
                self.rx.timer.arm(now);
                return Ok(Some(n));
            }
            self.oack_due = false;
        }
        if self.rx.ack_due.is_some() {
            if buf.len() < 4 {
                return Err(InsufficientSize { required: 4 });
            }
            if let Some(block) = self.rx.take_ack(now) {
                return Message::Ack { block }.emit(buf).map(Some);
            }
        }
        Ok(None)
    }
}

// Transfers live in the map by value; the read side's inline netascii buffer
// is part of its memory budget, boxing it would cost an allocation.
#[allow(clippy::large_enum_variant)]
enum Slot<F, W> {
    Read(Transfer<F>),
    Write(Receive<W>),
}

impl<F: ReadFile, W: WriteFile> Slot<F, W> {
    fn is_over(&self) -> bool {
        match self {
            Slot::Read(t) => t.is_over(),
            Slot::Write(t) => t.is_over(),
        }
    }
    fn deadline(&self) -> Option<Instant> {
        match self {
            Slot::Read(t) => t.deadline(),
            Slot::Write(t) => t.deadline(),
        }
    }
    fn wants_transmit(&self) -> bool {
        match self {
            Slot::Read(t) => t.wants_transmit(),
            Slot::Write(t) => t.wants_transmit(),
        }
    }
    fn handle_timeout(&mut self, now: Instant) {
        match self {
            Slot::Read(t) => t.handle_timeout(now),
            Slot::Write(t) => t.handle_timeout(now),
        }
    }
    fn poll_transmit(
        &mut self,
        now: Instant,
        buf: &mut [u8],
    ) -> Result<Option<usize>, InsufficientSize> {
        match self {
            Slot::Read(t) => t.poll_transmit(now, buf),
            Slot::Write(t) => t.poll_transmit(now, buf),
        }
    }
    fn reserved(&self) -> usize {
        match self {
            Slot::Read(t) => t.reserved,
            Slot::Write(t) => t.reserved,
        }
    }
    fn bytes(&self) -> u64 {
        match self {
            Slot::Read(t) => t.tx.acked_bytes(),
            Slot::Write(t) => t.received,
        }
    }
    fn failed(&self) -> Option<TransferError> {
        match self {
            Slot::Read(t) => t.failed,
            Slot::Write(t) => t.failed,
        }
    }
}

/// Most queued replies to requests and strangers kept at once.
const MAX_QUEUED_CONTROL: usize = 64;

/// The TFTP server.
pub struct Server<S: FileSource> {
    source: S,
    config: Config,
    transfers: BTreeMap<SocketAddr, Slot<S::File, S::Sink>>,
    control: VecDeque<(SocketAddr, ErrorCode, &'static str)>,
    events: VecDeque<Event>,
    memory: usize,
    cursor: Option<SocketAddr>,
    now: Instant,
}

impl<S: FileSource> Server<S> {
    /// A server reading from `source`.
    pub fn new(config: Config, source: S, now: Instant) -> Self {
        Server {
            source,
            config,
            transfers: BTreeMap::new(),
            control: VecDeque::new(),
            events: VecDeque::new(),
            memory: 0,
            cursor: None,
            now,
        }
    }

    /// Transfers in progress.
    #[must_use]
    pub fn transfer_count(&self) -> usize {
        self.transfers.len()
    }

    /// Buffer bytes reserved by the transfers in progress.
    #[must_use]
    pub fn memory(&self) -> usize {
        self.memory
    }

    /// The file source.
    pub fn source_mut(&mut self) -> &mut S {
        &mut self.source
    }

    fn refuse(&mut self, peer: SocketAddr, code: ErrorCode, message: &'static str) {
        if self.control.len() < MAX_QUEUED_CONTROL {
            self.control.push_back((peer, code, message));
        }
        if code != ErrorCode::UnknownTid {
            self.events.push_back(Event::Refused { peer, code });
        }
    }

    /// A datagram arrived from `from` (on the listening port or a transfer
    /// port: the machine keys transfers by peer address).
    ///
    /// # Errors
    /// [`InputError`] when the datagram was ignored; an ERROR reply may have
    /// been queued (ERROR 4 for a bad request, ERROR 5 for a packet that
    /// belongs to no transfer).
    pub fn handle_input(
        &mut self,
        now: Instant,
        from: SocketAddr,
        bytes: &[u8],
    ) -> Result<(), InputError> {
        self.now = self.now.max(now);
        let now = self.now;
        if let Some(t) = self.transfers.get_mut(&from) {
            let msg = Message::decode(bytes)?;
            let r = match t {
                Slot::Read(t) => t.handle(now, msg),
                Slot::Write(t) => match t.handle(now, msg) {
                    Ok(Written::Complete(sink)) => {
                        if self.source.finish(sink).is_err() {
                            t.failed = Some(TransferError::Write);
                        }
                        Ok(())
                    }
                    Ok(Written::Nothing) => Ok(()),
                    Err(e) => Err(e),
                },
            };
            self.reap(from);
            return r;
        }
        let packet = match Packet::new_checked(bytes) {
            Ok(p) => p,
            Err(e) => {
                self.refuse(from, ErrorCode::IllegalOperation, "Illegal TFTP operation");
                return Err(e.into());
            }
        };
        match packet.opcode() {
            Opcode::Rrq | Opcode::Wrq => {}
            Opcode::Error => return Err(InputError::UnknownTid),
            _ => {
                self.refuse(from, ErrorCode::UnknownTid, "Unknown transfer ID");
                return Err(InputError::UnknownTid);
            }
        }
        let msg = match Message::parse(&packet) {
            Ok(m) => m,
            Err(e) => {
                self.refuse(from, ErrorCode::IllegalOperation, "Illegal TFTP operation");
                return Err(e.into());
            }
        };
        let (req, write) = match msg {
            Message::Rrq(r) => (r, false),
            Message::Wrq(r) => (r, true),
            _ => return Err(InputError::Unexpected { state: "listening" }),
        };
        if write && !self.config.allow_writes {
            self.refuse(from, ErrorCode::AccessViolation, "Writes are disabled");
            return Ok(());
        }
        if req.mode == Mode::Mail {
            self.refuse(from, ErrorCode::IllegalOperation, "Unknown mode");
            return Ok(());
        }
        let Ok(name) = sanitize_name(req.filename) else {
            self.refuse(from, ErrorCode::AccessViolation, "Access violation");
            return Ok(());
        };
        if self.transfers.len() >= self.config.max_transfers {
            self.events.push_back(Event::Busy { peer: from });
            return Ok(());
        }
        if write {
            self.start_write(now, from, &req, name);
            return Ok(());
        }
        let file = match self.source.open(name) {
            Ok(f) => f,
            Err(e) => {
                let (code, msg) = open_error_reply(e);
                self.refuse(from, code, msg);
                return Ok(());
            }
        };
        // Negotiate (RFC 2347-2349, 7440).
        let asked = req.options.values;
        let mut grant = OptionValues::NONE;
        if let Some(b) = asked.blksize {
            grant.blksize = Some(b.min(self.config.max_blksize).max(8));
        }
        let blksize = grant.blksize.unwrap_or(DEFAULT_BLKSIZE);
        if let Some(w) = asked.windowsize {
            let fit = (self.config.max_transfer_memory / usize::from(blksize)).clamp(1, 65535);
            let fit = u16::try_from(fit).unwrap_or(u16::MAX);
            grant.windowsize = Some(w.min(self.config.max_windowsize.max(1)).min(fit));
        }
        grant.timeout = asked.timeout;
        let size = file.size();
        let file = match req.mode {
            Mode::Netascii => ModeReader::netascii(file),
            _ => ModeReader::Octet(file),
        };
        if asked.tsize.is_some() {
            grant.tsize = file.size();
        }
        let window = grant.windowsize.unwrap_or(1);
        let reserved = usize::from(blksize) * usize::from(window)
            + if req.mode == Mode::Netascii {
                NETASCII_BUF
            } else {
                0
            };
        if self.memory.saturating_add(reserved) > self.config.max_memory {
            self.events.push_back(Event::Busy { peer: from });
            return Ok(());
        }
        let mut timer = Backoff::new(self.config.retransmit, self.config.max_retransmits);
        if let Some(t) = grant.timeout {
            timer.set_fixed(Duration::from_secs(u64::from(t)));
        }
        timer.progress(now);
        let tx = Sender::new(file, blksize, window, self.config.rollover, timer);
        self.memory += reserved;
        self.events.push_back(Event::Started {
            peer: from,
            name: String::from(req.filename),
            size,
        });
        self.transfers.insert(
            from,
            Slot::Read(Transfer {
                peer: from,
                tx,
                oack: (!grant.is_empty()).then_some(grant),
                oack_sent: false,
                failed: None,
                error_out: None,
                reserved,
            }),
        );
        Ok(())
    }

    fn start_write(&mut self, now: Instant, from: SocketAddr, req: &Request<'_>, name: &str) {
        let asked = req.options.values;
        let mut grant = OptionValues::NONE;
        if let Some(b) = asked.blksize {
            grant.blksize = Some(b.min(self.config.max_blksize).max(8));
        }
        let blksize = grant.blksize.unwrap_or(DEFAULT_BLKSIZE);
        if let Some(w) = asked.windowsize {
            grant.windowsize = Some(w.min(self.config.max_windowsize.max(1)));
        }
        grant.timeout = asked.timeout;
        grant.tsize = asked.tsize;
        let sink = match self.source.create(name, asked.tsize) {
            Ok(s) => s,
            Err(e) => {
                let (code, msg) = open_error_reply(e);
                self.refuse(from, code, msg);
                return;
            }
        };
        // The receiver holds no block buffer: data goes straight to the sink.
        let reserved = if req.mode == Mode::Netascii {
            NETASCII_BUF
        } else {
            0
        };
        let mut timer = Backoff::new(self.config.retransmit, self.config.max_retransmits);
        if let Some(t) = grant.timeout {
            timer.set_fixed(Duration::from_secs(u64::from(t)));
        }
        timer.progress(now);
        let mut rx = Receiver::new(
            blksize,
            grant.windowsize.unwrap_or(1),
            self.config.rollover,
            timer,
        );
        let oack = (!grant.is_empty()).then_some(grant);
        if oack.is_none() {
            rx.ack_due = Some(0);
        }
        self.memory += reserved;
        self.events.push_back(Event::Started {
            peer: from,
            name: String::from(req.filename),
            size: asked.tsize,
        });
        self.transfers.insert(
            from,
            Slot::Write(Receive {
                peer: from,
                rx,
                sink: Some(sink),
                netascii: (req.mode == Mode::Netascii).then(netascii::Decoder::new),
                oack,
                oack_due: oack.is_some(),
                received: 0,
                failed: None,
                error_out: None,
                reserved,
            }),
        );
    }

    fn reap(&mut self, peer: SocketAddr) {
        let over = self.transfers.get(&peer).is_some_and(|t| t.is_over());
        if over {
            if let Some(t) = self.transfers.remove(&peer) {
                self.memory = self.memory.saturating_sub(t.reserved());
                self.events.push_back(Event::Finished {
                    peer,
                    bytes: t.bytes(),
                    error: t.failed(),
                });
            }
        }
    }

    /// Advances time: retransmissions and timeouts of every transfer.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = self.now.max(now);
        let now = self.now;
        let mut over = alloc::vec::Vec::new();
        for (p, t) in &mut self.transfers {
            t.handle_timeout(now);
            if t.is_over() {
                over.push(*p);
            }
        }
        for p in over {
            self.reap(p);
        }
    }

    /// Writes the next datagram into `buf`, taking transfers in turn.
    ///
    /// Call after: any `handle_*`; repeat until `Ok(None)`.
    ///
    /// # Errors
    /// [`InsufficientSize`] when `buf` is too small (`blksize + 4` bytes for
    /// the largest granted `blksize` always suffice); nothing is consumed.
    pub fn poll_transmit(
        &mut self,
        buf: &mut [u8],
    ) -> Result<Option<Transmit<SocketAddr>>, InsufficientSize> {
        if let Some(&(to, code, message)) = self.control.front() {
            let len = Message::Error { code, message }.emit(buf)?;
            self.control.pop_front();
            return Ok(Some(Transmit { to, len }));
        }
        let now = self.now;
        // Round robin: start after the last transfer served.
        let start = self.cursor;
        let pick = {
            let after = start.and_then(|c| {
                self.transfers
                    .range((core::ops::Bound::Excluded(c), core::ops::Bound::Unbounded))
                    .find(|(_, t)| t.wants_transmit())
                    .map(|(p, _)| *p)
            });
            after.or_else(|| {
                self.transfers
                    .iter()
                    .find(|(_, t)| t.wants_transmit())
                    .map(|(p, _)| *p)
            })
        };
        let Some(peer) = pick else { return Ok(None) };
        self.cursor = Some(peer);
        let Some(t) = self.transfers.get_mut(&peer) else {
            return Ok(None);
        };
        let r = t.poll_transmit(now, buf)?;
        self.reap(peer);
        Ok(r.map(|len| Transmit { to: peer, len }))
    }

    /// The next event.
    ///
    /// Call after: any `handle_*`; repeat until `None`.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When to call [`Server::handle_timeout`] next.
    ///
    /// Call after: any `handle_*` and the `poll_*` drain.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.transfers.values().filter_map(Slot::deadline).min()
    }
}
