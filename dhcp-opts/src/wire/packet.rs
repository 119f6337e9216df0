//! Zero-copy view of a BOOTP/DHCP message (RFC 2131 §2) and its option
//! iterators (RFC 2132 §2, RFC 2131 §4.1, RFC 3396).

use core::net::Ipv4Addr;

use zerocopy::network_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use super::code;
use super::value::OptionValue;
use crate::DecodeError;

/// The magic cookie 99.130.83.99 that starts the options field (RFC 2131 §3).
pub const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];
/// Length of the fixed BOOTP part plus the magic cookie.
pub const HEADER_LEN: usize = 240;
/// Offset of `sname` in the message.
pub const SNAME_OFFSET: usize = 44;
/// Offset of `file` in the message.
pub const FILE_OFFSET: usize = 108;
/// The `flags` bit a client sets to ask for broadcast replies (RFC 2131 §2).
pub const FLAG_BROADCAST: u16 = 0x8000;

/// The fixed 240-byte head of every DHCP message, big-endian (RFC 2131 §2).
#[derive(FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned, Clone, Copy, Debug)]
#[repr(C)]
pub(crate) struct RawHeader {
    pub op: u8,
    pub htype: u8,
    pub hlen: u8,
    pub hops: u8,
    pub xid: U32,
    pub secs: U16,
    pub flags: U16,
    pub ciaddr: [u8; 4],
    pub yiaddr: [u8; 4],
    pub siaddr: [u8; 4],
    pub giaddr: [u8; 4],
    pub chaddr: [u8; 16],
    pub sname: [u8; 64],
    pub file: [u8; 128],
    pub cookie: [u8; 4],
}

/// BOOTP `op` (RFC 951).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// 1: client to server.
    Request,
    /// 2: server to client.
    Reply,
    /// Any other value, kept as data.
    Unknown(u8),
}

impl From<u8> for Op {
    fn from(v: u8) -> Self {
        match v {
            1 => Op::Request,
            2 => Op::Reply,
            o => Op::Unknown(o),
        }
    }
}

impl From<Op> for u8 {
    fn from(v: Op) -> u8 {
        match v {
            Op::Request => 1,
            Op::Reply => 2,
            Op::Unknown(o) => o,
        }
    }
}

/// Which of `file`/`sname` carry options (option 52, RFC 2132 §9.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Overload {
    /// `file` carries options (value 1 or 3).
    pub file: bool,
    /// `sname` carries options (value 2 or 3).
    pub sname: bool,
}

impl Overload {
    /// Decodes the option value; `None` for anything but 1, 2, 3.
    #[must_use]
    pub fn from_value(v: u8) -> Option<Self> {
        match v {
            1 => Some(Overload {
                file: true,
                sname: false,
            }),
            2 => Some(Overload {
                file: false,
                sname: true,
            }),
            3 => Some(Overload {
                file: true,
                sname: true,
            }),
            _ => None,
        }
    }

    /// The option value, or `None` when neither field is overloaded.
    #[must_use]
    pub fn value(self) -> Option<u8> {
        match (self.file, self.sname) {
            (true, false) => Some(1),
            (false, true) => Some(2),
            (true, true) => Some(3),
            (false, false) => None,
        }
    }
}

/// Where an option instance was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Region {
    /// The options field after the magic cookie.
    Options,
    /// The `file` field (option 52 = 1 or 3).
    File,
    /// The `sname` field (option 52 = 2 or 3).
    Sname,
}

/// One option instance exactly as it appears on the wire (pad and end are
/// never yielded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawOption<'a> {
    /// Option code (1..=254).
    pub code: u8,
    /// Value bytes of this instance only.
    pub data: &'a [u8],
    /// The field the instance sits in.
    pub region: Region,
}

/// A 256-bit set of option codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct CodeSet([u64; 4]);

impl CodeSet {
    #[inline]
    pub(crate) fn insert(&mut self, code: u8) -> bool {
        let (w, b) = (usize::from(code >> 6), code & 63);
        let mask = 1u64 << b;
        let slot = &mut self.0[w & 3];
        let fresh = *slot & mask == 0;
        *slot |= mask;
        fresh
    }
    #[inline]
    pub(crate) fn contains(&self, code: u8) -> bool {
        let (w, b) = (usize::from(code >> 6), code & 63);
        self.0[w & 3] & (1u64 << b) != 0
    }
}

/// The codes [`Packet`]'s accessors read in constant time: each has a slot in
/// [`Packet`]`::by_code`. Slot 0 takes every other code and is never read.
const TYPED_CODES: [u8; 21] = [
    code::SUBNET_MASK,
    code::ROUTER,
    code::DNS,
    code::HOST_NAME,
    code::DOMAIN_NAME,
    code::NTP_SERVERS,
    code::VENDOR_SPECIFIC,
    code::REQUESTED_IP,
    code::LEASE_TIME,
    code::OVERLOAD,
    code::MESSAGE_TYPE,
    code::SERVER_ID,
    code::PARAMETER_REQUEST_LIST,
    code::MAX_MESSAGE_SIZE,
    code::RENEWAL_TIME,
    code::REBINDING_TIME,
    code::VENDOR_CLASS,
    code::CLIENT_ID,
    code::TFTP_SERVER_NAME,
    code::RELAY_AGENT_INFO,
    code::TFTP_SERVERS,
];

/// Number of entries of [`Packet`]`::by_code` (slot 0 is the sink).
const SLOTS: usize = TYPED_CODES.len() + 1;

/// Slot of each code in [`Packet`]`::by_code`; 0 for the codes without one.
const SLOT_OF: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < TYPED_CODES.len() {
        t[TYPED_CODES[i] as usize] = (i + 1) as u8;
        i += 1;
    }
    t
};

/// The slot of `code` in [`Packet`]`::by_code` (0: none).
#[inline(always)]
fn slot_of(code: u8) -> usize {
    usize::from(SLOT_OF[usize::from(code)])
}

/// How many option instances [`Packet::new_checked`] records the offsets of;
/// a message with more is walked again by each iteration.
const INDEX_CAP: usize = 32;

/// Walks one field's options, checking every length. `base` is the field's
/// offset in the message (for errors and the index). Each code sets bit
/// `code % 64` of `seen` and counts in `count`: when the set has fewer bits
/// than the count, a code may repeat (or two codes are 64 apart) and
/// [`Packet::new_checked`] then looks exactly. Instance number `count` starts
/// at message offset `index[count]` while it fits; the last instance of a
/// code with a slot starts at `by_code[slot_of(code)]` (offsets are only used
/// for messages of at most 64 KiB).
#[inline(always)]
fn validate_region(
    field: &[u8],
    base: usize,
    seen: &mut u64,
    count: &mut u32,
    index: &mut [u16; INDEX_CAP],
    by_code: &mut [u16; SLOTS],
) -> Result<(), DecodeError> {
    let mut bits = *seen;
    let mut n = *count;
    // Start of the option being read; `i` passes the end only after an
    // overrunning option, which is then the last one read.
    let mut i = 0usize;
    while let Some(&c) = field.get(i) {
        if c.wrapping_sub(1) >= 254 {
            if c == code::END {
                break;
            }
            i += 1;
            continue;
        }
        let Some(&len) = field.get(i + 1) else {
            return Err(DecodeError::Truncated {
                offset: base + i,
                needed: 1,
            });
        };
        // Only read when there are at most INDEX_CAP options (so the slot
        // never wraps) and the message is at most 64 KiB long.
        if let Some(slot) = index.get_mut(n as usize % INDEX_CAP) {
            *slot = (base + i) as u16;
        }
        if let Some(slot) = by_code.get_mut(slot_of(c)) {
            *slot = (base + i) as u16;
        }
        i += 2 + usize::from(len);
        bits |= 1u64 << (c & 63);
        n += 1;
    }
    if i > field.len() {
        return Err(overrun(field, base, i));
    }
    *seen = bits;
    *count = n;
    Ok(())
}

/// The error for a walk of `field` that ended at `i`, past its end: the
/// last option read overruns the field.
#[cold]
#[inline(never)]
fn overrun(field: &[u8], base: usize, i: usize) -> DecodeError {
    // Walk again to find where that option starts.
    let mut at = 0usize;
    let mut last = 0usize;
    while at < i {
        match field.get(at) {
            Some(&code::PAD) => at += 1,
            Some(_) => {
                last = at;
                at += 2 + usize::from(field.get(at + 1).copied().unwrap_or(0));
            }
            None => break,
        }
    }
    DecodeError::Truncated {
        offset: base + last,
        needed: i - field.len(),
    }
}

/// The value of the first one-byte option 52 in the options field.
#[inline(never)]
fn find_overload(opts: &[u8]) -> Option<u8> {
    match Options::over(opts)
        .find(|o| o.code == code::OVERLOAD && o.data.len() == 1)?
        .data
    {
        [v] => Some(*v),
        _ => None,
    }
}

/// The codes appearing more than once in `it` (exact, 256-bit).
#[inline(never)]
fn repeated_codes(it: Options<'_>) -> CodeSet {
    let mut seen = CodeSet::default();
    let mut multi = CodeSet::default();
    for o in it {
        if !seen.insert(o.code) {
            multi.insert(o.code);
        }
    }
    multi
}

/// The accessors of the fixed head, shared by [`Packet`] and [`PacketWalk`]:
/// expanded in an `impl` whose type has `fn header(&self) -> &RawHeader`.
macro_rules! head_accessors {
    () => {
        /// `op`: request or reply.
        #[inline]
        pub fn op(&self) -> $crate::wire::Op {
            $crate::wire::Op::from(self.header().op)
        }
        /// `htype` (1 = Ethernet).
        #[inline]
        pub fn htype(&self) -> u8 {
            self.header().htype
        }
        /// `hlen` as sent.
        #[inline]
        pub fn hlen(&self) -> u8 {
            self.header().hlen
        }
        /// `hops`.
        #[inline]
        pub fn hops(&self) -> u8 {
            self.header().hops
        }
        /// Transaction id.
        #[inline]
        pub fn xid(&self) -> u32 {
            self.header().xid.get()
        }
        /// Seconds since the client began acquisition or renewal.
        #[inline]
        pub fn secs(&self) -> u16 {
            self.header().secs.get()
        }
        /// The raw `flags` field.
        #[inline]
        pub fn flags(&self) -> u16 {
            self.header().flags.get()
        }
        /// The BROADCAST bit of `flags`.
        #[inline]
        pub fn broadcast(&self) -> bool {
            self.flags() & $crate::wire::FLAG_BROADCAST != 0
        }
        /// `ciaddr`.
        #[inline]
        pub fn ciaddr(&self) -> ::core::net::Ipv4Addr {
            ::core::net::Ipv4Addr::from(self.header().ciaddr)
        }
        /// `yiaddr`.
        #[inline]
        pub fn yiaddr(&self) -> ::core::net::Ipv4Addr {
            ::core::net::Ipv4Addr::from(self.header().yiaddr)
        }
        /// `siaddr` ("next server").
        #[inline]
        pub fn siaddr(&self) -> ::core::net::Ipv4Addr {
            ::core::net::Ipv4Addr::from(self.header().siaddr)
        }
        /// `giaddr` (relay agent).
        #[inline]
        pub fn giaddr(&self) -> ::core::net::Ipv4Addr {
            ::core::net::Ipv4Addr::from(self.header().giaddr)
        }
        /// All 16 bytes of `chaddr`.
        #[inline]
        pub fn chaddr_raw(&self) -> &[u8; 16] {
            &self.header().chaddr
        }
        /// The first `hlen` bytes of `chaddr` (all 16 when `hlen` > 16).
        #[inline]
        pub fn chaddr(&self) -> &[u8] {
            let c = &self.header().chaddr;
            c.get(..usize::from(self.hlen())).unwrap_or(c)
        }
        /// The whole 64-byte `sname` field.
        #[inline]
        pub fn sname_raw(&self) -> &[u8; 64] {
            &self.header().sname
        }
        /// The whole 128-byte `file` field.
        #[inline]
        pub fn file_raw(&self) -> &[u8; 128] {
            &self.header().file
        }
    };
}
pub(crate) use head_accessors;

/// Checks the 240-byte head and the magic cookie: the head and the options
/// field after it.
#[inline(always)]
pub(crate) fn check_head(bytes: &[u8]) -> Result<(&RawHeader, &[u8]), DecodeError> {
    let Some((head, opts)) = bytes.split_at_checked(HEADER_LEN) else {
        return Err(DecodeError::Truncated {
            offset: 0,
            needed: HEADER_LEN - bytes.len(),
        });
    };
    let Ok(h) = RawHeader::ref_from_bytes(head) else {
        return Err(DecodeError::Truncated {
            offset: 0,
            needed: HEADER_LEN,
        });
    };
    if h.cookie != MAGIC_COOKIE {
        return Err(DecodeError::BadCookie);
    }
    Ok((h, opts))
}

/// The fixed head of a buffer [`check_head`] accepted (at least
/// [`HEADER_LEN`] bytes, the invariant of both views' `new_checked`).
#[inline]
pub(crate) fn head_of(bytes: &[u8]) -> &RawHeader {
    let (h, _) = RawHeader::ref_from_prefix(bytes)
        .unwrap_or_else(|_| unreachable!("new_checked guarantees 240 bytes"));
    h
}

/// A zero-copy view of a DHCP message: the 236-byte BOOTP head, the magic
/// cookie and the options (RFC 2131 §2).
///
/// Invariant: after [`Packet::new_checked`] the buffer is at least 240 bytes,
/// starts options with the magic cookie, and every option instance in the
/// options field (and in `file`/`sname` when option 52 overloads them) fits in
/// its field; no accessor panics.
///
/// The view also keeps the message offsets of up to 32 option instances,
/// found by that check, so that iterating reads the options without walking
/// the fields again, and the offset of each code that has an accessor, so
/// that the accessor reads its option without a search (128 bytes for a
/// `Packet<&[u8]>`).
///
/// To read every option once, in order, without the check up front, see
/// [`PacketWalk`](super::PacketWalk): one pass, framing errors as items,
/// split options as separate instances.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buf: T,
    overload: Overload,
    /// Some code has several instances (RFC 3396); false in the usual case.
    /// Which codes is worked out again when needed.
    any_multi: bool,
    /// Number of option instances whose offsets `index` holds, or
    /// `NOT_INDEXED` (more than [`INDEX_CAP`] instances, or a message over
    /// 64 KiB): iterations then walk the fields.
    indexed: u8,
    /// `by_code` holds each code's only instance (the message is at most
    /// 64 KiB long and no code repeats).
    by_code_valid: bool,
    /// Message offset of each option instance, in RFC 3396 order.
    index: [u16; INDEX_CAP],
    /// Message offset of the last instance of each code in [`TYPED_CODES`]
    /// (by its slot), or 0 when absent; slot 0 is a sink for other codes.
    by_code: [u16; SLOTS],
}

/// [`Packet`]`::indexed` when the offsets are not recorded.
const NOT_INDEXED: u8 = u8::MAX;

impl<T: AsRef<[u8]>> Packet<T> {
    /// Checks lengths, the magic cookie and the option framing.
    ///
    /// A missing END option is tolerated (the field's end ends the list);
    /// an option whose length runs past its field is not.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`] for a short message or option,
    /// [`DecodeError::BadCookie`] without the DHCP magic cookie.
    #[inline(always)]
    pub fn new_checked(buf: T) -> Result<Self, DecodeError> {
        let bytes = buf.as_ref();
        let (h, opts) = check_head(bytes)?;
        let mut seen = 0u64;
        let mut count = 0u32;
        let mut index = [0u16; INDEX_CAP];
        let mut by_code = [0u16; SLOTS];
        validate_region(
            opts,
            HEADER_LEN,
            &mut seen,
            &mut count,
            &mut index,
            &mut by_code,
        )?;
        let mut overload = Overload::default();
        if seen & (1 << code::OVERLOAD) != 0 {
            overload = find_overload(opts)
                .and_then(Overload::from_value)
                .unwrap_or_default();
            if overload.file {
                validate_region(
                    &h.file,
                    FILE_OFFSET,
                    &mut seen,
                    &mut count,
                    &mut index,
                    &mut by_code,
                )?;
            }
            if overload.sname {
                validate_region(
                    &h.sname,
                    SNAME_OFFSET,
                    &mut seen,
                    &mut count,
                    &mut index,
                    &mut by_code,
                )?;
            }
        }
        // Fewer bits than options: a code repeats, or two are 64 apart.
        let any_multi = seen.count_ones() != count
            && repeated_codes(Options::of_message(bytes, overload)) != CodeSet::default();
        let indexed = match u8::try_from(count) {
            Ok(n) if usize::from(n) <= INDEX_CAP && bytes.len() <= usize::from(u16::MAX) => n,
            _ => NOT_INDEXED,
        };
        // Offsets fit, and each code's recorded instance is its only one.
        let by_code_valid = bytes.len() <= usize::from(u16::MAX) && !any_multi;
        Ok(Packet {
            buf,
            overload,
            any_multi,
            indexed,
            by_code_valid,
            index,
            by_code,
        })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buf
    }

    #[inline]
    fn header(&self) -> &RawHeader {
        head_of(self.buf.as_ref())
    }

    head_accessors!();

    /// `sname` up to its first NUL, or `None` when it carries options.
    pub fn sname(&self) -> Option<&[u8]> {
        (!self.overload.sname).then(|| until_nul(&self.header().sname))
    }
    /// `file` up to its first NUL, or `None` when it carries options.
    pub fn file(&self) -> Option<&[u8]> {
        (!self.overload.file).then(|| until_nul(&self.header().file))
    }
    /// The option 52 overload in force.
    pub fn overload(&self) -> Overload {
        self.overload
    }
    /// Bytes after the magic cookie.
    pub fn options_field(&self) -> &[u8] {
        self.buf.as_ref().get(HEADER_LEN..).unwrap_or(&[])
    }

    /// Every option instance in RFC order: the options field, then `file`, then
    /// `sname` when option 52 says they carry options (RFC 3396 §5); pad and end
    /// are skipped, repeated codes are yielded once per instance.
    #[inline]
    pub fn options(&self) -> Options<'_> {
        let msg = self.buf.as_ref();
        if let Some(idx) = self.index.get(..usize::from(self.indexed)) {
            return Options {
                cur: &[],
                hdr: None,
                region: Region::Options,
                file: false,
                sname: false,
                idx: idx.iter(),
                msg,
            };
        }
        Options {
            cur: self.options_field(),
            hdr: Some(self.header()),
            region: Region::Options,
            file: self.overload.file,
            sname: self.overload.sname,
            idx: [].iter(),
            msg,
        }
    }

    /// One entry per distinct code, in order of first appearance, each value
    /// being the RFC 3396 concatenation of all its instances.
    #[inline]
    pub fn merged(&self) -> Merged<'_> {
        let msg = self.buf.as_ref();
        if !self.any_multi {
            if let Some(idx) = self.index.get(..usize::from(self.indexed)) {
                // Every instance a distinct code, at a recorded offset.
                return Merged {
                    idx: idx.iter(),
                    msg,
                    overload: self.overload,
                    walk: None,
                };
            }
        }
        Merged {
            idx: [].iter(),
            msg,
            overload: self.overload,
            walk: Some(Walk {
                it: self.options(),
                split: if self.any_multi {
                    Some((CodeSet::default(), self.multi()))
                } else {
                    None
                },
            }),
        }
    }

    /// The same as [`Packet::merged`], with each value decoded by its code.
    #[inline]
    pub fn typed(&self) -> Typed<'_> {
        Typed {
            inner: self.merged(),
        }
    }

    /// The (concatenated) value of option `code`, if present.
    #[inline]
    pub fn option(&self, code: u8) -> Option<OptionValue<'_>> {
        let slot = slot_of(code);
        if slot != 0 && self.by_code_valid {
            // The code's only instance, or none.
            let at = self.by_code.get(slot).copied().unwrap_or(0);
            if at == 0 {
                return None;
            }
            let (_, data) = option_at(self.buf.as_ref(), at)?;
            return Some(OptionValue::single(code, data));
        }
        self.option_searched(code)
    }

    /// [`Packet::option`] for a code without a recorded offset, or of a
    /// message where some code repeats.
    #[inline(never)]
    fn option_searched(&self, code: u8) -> Option<OptionValue<'_>> {
        if self.is_split(code) {
            // Present: a repeated code was seen by `new_checked`.
            return Some(OptionValue::split(code, self.buf.as_ref(), self.overload));
        }
        let o = self.options().find(|o| o.code == code)?;
        Some(OptionValue::single(code, o.data))
    }

    /// True when option `code` has an accessor of its own on [`Packet`]
    /// (codes 1, 3, 6, 12, 15, 42, 43, 50–55, 57–61, 66, 82, 150), which
    /// [`Packet::option`] finds without a search.
    #[inline]
    pub fn has_accessor(code: u8) -> bool {
        slot_of(code) != 0
    }

    /// The option instances whose codes have no accessor of their own (see
    /// [`Packet::has_accessor`]), in RFC 3396 order. Together with the
    /// accessors this reads every option; empty at once when the check found
    /// no such code.
    #[inline]
    pub fn others(&self) -> Others<'_> {
        let none = self.by_code_valid && self.by_code.first().copied().unwrap_or(1) == 0;
        Others {
            inner: if none { None } else { Some(self.options()) },
        }
    }

    /// True when option `code` appears more than once (it is then concatenated).
    pub fn is_split(&self, code: u8) -> bool {
        self.any_multi && self.multi().contains(code)
    }

    /// The codes with several instances.
    #[inline(never)]
    fn multi(&self) -> CodeSet {
        repeated_codes(Options::of_message(self.buf.as_ref(), self.overload))
    }

    /// Option 53, the DHCP message type.
    #[inline]
    pub fn message_type(&self) -> Option<MessageType> {
        self.option(code::MESSAGE_TYPE)?
            .array::<1>()
            .map(|[v]| MessageType::from(v))
    }
    /// Option 1, subnet mask.
    #[inline]
    pub fn subnet_mask(&self) -> Option<Ipv4Addr> {
        self.option(code::SUBNET_MASK)?.ipv4()
    }
    /// Option 3, routers in order of preference.
    #[inline]
    pub fn routers(&self) -> Option<Ipv4List<'_>> {
        self.option(code::ROUTER)?.ipv4_list()
    }
    /// Option 6, DNS servers in order of preference.
    #[inline]
    pub fn dns_servers(&self) -> Option<Ipv4List<'_>> {
        self.option(code::DNS)?.ipv4_list()
    }
    /// Option 12, host name.
    #[inline]
    pub fn host_name(&self) -> Option<OptionValue<'_>> {
        self.option(code::HOST_NAME)
    }
    /// Option 15, domain name.
    #[inline]
    pub fn domain_name(&self) -> Option<OptionValue<'_>> {
        self.option(code::DOMAIN_NAME)
    }
    /// Option 42, NTP servers.
    #[inline]
    pub fn ntp_servers(&self) -> Option<Ipv4List<'_>> {
        self.option(code::NTP_SERVERS)?.ipv4_list()
    }
    /// Option 43, vendor-specific information (raw; see [`Encapsulated`]).
    #[inline]
    pub fn vendor_specific(&self) -> Option<OptionValue<'_>> {
        self.option(code::VENDOR_SPECIFIC)
    }
    /// Option 50, requested IP address.
    #[inline]
    pub fn requested_ip(&self) -> Option<Ipv4Addr> {
        self.option(code::REQUESTED_IP)?.ipv4()
    }
    /// Option 51, lease time in seconds (`u32::MAX` = infinite).
    #[inline]
    pub fn lease_time(&self) -> Option<u32> {
        self.option(code::LEASE_TIME)?.u32()
    }
    /// Option 54, server identifier.
    #[inline]
    pub fn server_id(&self) -> Option<Ipv4Addr> {
        self.option(code::SERVER_ID)?.ipv4()
    }
    /// Option 55, parameter request list (one code per byte).
    #[inline]
    pub fn parameter_request_list(&self) -> Option<OptionValue<'_>> {
        self.option(code::PARAMETER_REQUEST_LIST)
    }
    /// Option 57, maximum DHCP message size.
    #[inline]
    pub fn max_message_size(&self) -> Option<u16> {
        self.option(code::MAX_MESSAGE_SIZE)?.u16()
    }
    /// Option 58, renewal (T1) time in seconds.
    #[inline]
    pub fn renewal_time(&self) -> Option<u32> {
        self.option(code::RENEWAL_TIME)?.u32()
    }
    /// Option 59, rebinding (T2) time in seconds.
    #[inline]
    pub fn rebinding_time(&self) -> Option<u32> {
        self.option(code::REBINDING_TIME)?.u32()
    }
    /// Option 60, vendor class identifier.
    #[inline]
    pub fn vendor_class(&self) -> Option<OptionValue<'_>> {
        self.option(code::VENDOR_CLASS)
    }
    /// Option 61, client identifier (type byte + identifier).
    #[inline]
    pub fn client_id(&self) -> Option<OptionValue<'_>> {
        self.option(code::CLIENT_ID)
    }
    /// Option 66, TFTP server name, with trailing NUL bytes removed (dnsmasq
    /// sends one).
    #[inline]
    pub fn tftp_server_name(&self) -> Option<OptionValue<'_>> {
        Some(self.option(code::TFTP_SERVER_NAME)?.trim_trailing_nuls())
    }
    /// Option 82, relay agent information; `None` when absent or split into
    /// several instances (read those through [`Packet::option`] and
    /// [`Encapsulated::new`] on a copy).
    #[inline]
    pub fn relay_agent_info(&self) -> Option<Encapsulated<'_>> {
        Some(Encapsulated::new_relay(
            self.option(code::RELAY_AGENT_INFO)?.as_slice()?,
        ))
    }
    /// Option 150, TFTP server addresses in order of preference (RFC 5859).
    #[inline]
    pub fn tftp_servers(&self) -> Option<Ipv4List<'_>> {
        self.option(code::TFTP_SERVERS)?.ipv4_list()
    }
}

fn until_nul(b: &[u8]) -> &[u8] {
    let n = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    b.get(..n).unwrap_or(b)
}

/// Iterator over the option instances without an accessor of their own; see
/// [`Packet::others`].
#[derive(Debug, Clone)]
pub struct Others<'a> {
    inner: Option<Options<'a>>,
}

impl<'a> Iterator for Others<'a> {
    type Item = RawOption<'a>;

    #[inline]
    fn next(&mut self) -> Option<RawOption<'a>> {
        self.inner.as_mut()?.find(|o| slot_of(o.code) == 0)
    }
}

/// Iterator over option instances in RFC 3396 order; see [`Packet::options`].
#[derive(Debug, Clone)]
pub struct Options<'a> {
    cur: &'a [u8],
    /// The message head, whose `file`/`sname` follow when flagged below.
    hdr: Option<&'a RawHeader>,
    region: Region,
    /// `file` still to be walked.
    file: bool,
    /// `sname` still to be walked.
    sname: bool,
    /// Offsets in `msg` of the instances still to yield, from a checked
    /// message's index (then nothing is walked).
    idx: core::slice::Iter<'a, u16>,
    msg: &'a [u8],
}

impl<'a> Options<'a> {
    /// Iterates options in a bare buffer (no overload): e.g. the options
    /// field of a message, or a hand-made list.
    pub fn over(bytes: &'a [u8]) -> Self {
        Options {
            cur: bytes,
            hdr: None,
            region: Region::Options,
            file: false,
            sname: false,
            idx: [].iter(),
            msg: &[],
        }
    }

    /// Every instance of the checked message `msg` whose option 52 is `ov`.
    pub(crate) fn of_message(msg: &'a [u8], ov: Overload) -> Self {
        Options {
            cur: msg.get(HEADER_LEN..).unwrap_or(&[]),
            hdr: RawHeader::ref_from_prefix(msg).ok().map(|(h, _)| h),
            region: Region::Options,
            file: ov.file,
            sname: ov.sname,
            idx: [].iter(),
            msg: &[],
        }
    }

    /// The field after the current one: (bytes, region, file left, sname
    /// left), empty bytes when none is left. Takes and returns values so that
    /// the iterator's state can stay in registers.
    #[cold]
    #[inline(never)]
    fn after(
        hdr: Option<&'a RawHeader>,
        file: bool,
        sname: bool,
    ) -> (&'a [u8], Region, bool, bool) {
        match hdr {
            Some(h) if file => (&h.file, Region::File, false, sname),
            Some(h) if sname => (&h.sname, Region::Sname, false, false),
            _ => (&[], Region::Options, false, false),
        }
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = RawOption<'a>;

    #[inline]
    fn next(&mut self) -> Option<RawOption<'a>> {
        if let Some(&at) = self.idx.next() {
            if let Some((code, data)) = option_at(self.msg, at) {
                let region = match usize::from(at) {
                    HEADER_LEN.. => Region::Options,
                    FILE_OFFSET.. => Region::File,
                    _ => Region::Sname,
                };
                return Some(RawOption { code, data, region });
            }
        }
        loop {
            match self.cur {
                // Neither pad (0) nor END (255).
                [c @ 1..=254, len, rest @ ..] => {
                    if let Some((data, rest)) = rest.split_at_checked(usize::from(*len)) {
                        self.cur = rest;
                        return Some(RawOption {
                            code: *c,
                            data,
                            region: self.region,
                        });
                    }
                    // Truncated (only through `Options::over` on unchecked
                    // bytes): it ends the field.
                    self.cur = &[];
                }
                [code::PAD, rest @ ..] => self.cur = rest,
                // END, the end of the field, or a lone code byte.
                _ => {
                    if !(self.file || self.sname) {
                        self.cur = &[];
                        return None;
                    }
                    (self.cur, self.region, self.file, self.sname) =
                        Self::after(self.hdr, self.file, self.sname);
                }
            }
        }
    }
}

/// The whole option at `at` in a checked message: (code, value).
#[inline(always)]
fn option_at(msg: &[u8], at: u16) -> Option<(u8, &[u8])> {
    // A checked message's index only points at whole options. Offsets
    // below 2^16 keep every sum here far from overflow, so each `get` is one
    // comparison.
    let at = usize::from(at);
    let &[c, len] = msg.get(at..at + 2)? else {
        return None;
    };
    Some((c, msg.get(at + 2..at + 2 + usize::from(len))?))
}

/// Iterator of distinct options with concatenated values; see [`Packet::merged`].
#[derive(Debug, Clone)]
pub struct Merged<'a> {
    /// Offsets of the options still to yield when the message is indexed and
    /// has no repeated code (the usual case; `walk` is then empty).
    idx: core::slice::Iter<'a, u16>,
    msg: &'a [u8],
    overload: Overload,
    /// Any other message: walked, merging repeated codes (`None` on the
    /// fast path).
    walk: Option<Walk<'a>>,
}

/// A distinct code and its single instance, or `None` for the first
/// instance of a repeated code.
type Distinct<'a> = (u8, Option<&'a [u8]>);

/// The general case of [`Merged`].
#[derive(Debug, Clone)]
struct Walk<'a> {
    it: Options<'a>,
    /// With repeated codes only: (codes yielded, codes repeated).
    split: Option<(CodeSet, CodeSet)>,
}

impl<'a> Walk<'a> {
    /// See [`Merged::next_raw`]. Takes and returns the state by value, so
    /// that the caller's fast-path state is not exposed to this call and
    /// can stay in registers.
    #[inline(never)]
    fn step(mut self) -> (Self, Option<Distinct<'a>>) {
        let r = self.next();
        (self, r)
    }

    #[inline(always)]
    fn next(&mut self) -> Option<(u8, Option<&'a [u8]>)> {
        loop {
            let o = self.it.next()?;
            let Some((seen, multi)) = &mut self.split else {
                return Some((o.code, Some(o.data)));
            };
            if !multi.contains(o.code) {
                return Some((o.code, Some(o.data)));
            }
            if seen.insert(o.code) {
                return Some((o.code, None));
            }
        }
    }
}

impl<'a> Merged<'a> {
    /// The next distinct code: its single instance, or `None` in the value
    /// slot for the first instance of a repeated code (then [`Merged::split`]).
    #[inline(always)]
    fn next_raw(&mut self) -> Option<(u8, Option<&'a [u8]>)> {
        if let Some(&at) = self.idx.next() {
            if let Some((c, d)) = option_at(self.msg, at) {
                return Some((c, Some(d)));
            }
        }
        let (walk, r) = self.walk.clone()?.step();
        self.walk = Some(walk);
        r
    }

    #[inline]
    fn split(&self, code: u8) -> OptionValue<'a> {
        OptionValue::split(code, self.msg, self.overload)
    }
}

impl<'a> Iterator for Merged<'a> {
    type Item = (u8, OptionValue<'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let (code, data) = self.next_raw()?;
        Some(match data {
            Some(d) => (code, OptionValue::single(code, d)),
            None => (code, self.split(code)),
        })
    }
}

/// DHCP message type, option 53 (RFC 2132 §9.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// 1
    Discover,
    /// 2
    Offer,
    /// 3
    Request,
    /// 4
    Decline,
    /// 5
    Ack,
    /// 6
    Nak,
    /// 7
    Release,
    /// 8
    Inform,
    /// Any other value, kept as data.
    Unknown(u8),
}

impl From<u8> for MessageType {
    fn from(v: u8) -> Self {
        match v {
            1 => Self::Discover,
            2 => Self::Offer,
            3 => Self::Request,
            4 => Self::Decline,
            5 => Self::Ack,
            6 => Self::Nak,
            7 => Self::Release,
            8 => Self::Inform,
            o => Self::Unknown(o),
        }
    }
}

impl From<MessageType> for u8 {
    fn from(v: MessageType) -> u8 {
        match v {
            MessageType::Discover => 1,
            MessageType::Offer => 2,
            MessageType::Request => 3,
            MessageType::Decline => 4,
            MessageType::Ack => 5,
            MessageType::Nak => 6,
            MessageType::Release => 7,
            MessageType::Inform => 8,
            MessageType::Unknown(o) => o,
        }
    }
}

/// A list of IPv4 addresses (options 3, 6, 42, 150), possibly spanning several
/// RFC 3396 instances. Its value length is a non-zero multiple of 4.
#[derive(Debug, Clone)]
pub struct Ipv4List<'a> {
    value: OptionValue<'a>,
}

impl<'a> Ipv4List<'a> {
    pub(crate) fn new(value: OptionValue<'a>) -> Self {
        Ipv4List { value }
    }
    /// Number of addresses.
    #[inline]
    pub fn len(&self) -> usize {
        self.value.len() / 4
    }
    /// Always false for a decoded list (RFC 2132 requires at least one).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The addresses in order.
    #[inline(always)]
    pub fn iter(&self) -> Ipv4Iter<'a> {
        Ipv4Iter {
            value: self.value.clone(),
            at: 0,
        }
    }
    /// The first address.
    pub fn first(&self) -> Option<Ipv4Addr> {
        self.iter().next()
    }
    /// The raw value.
    pub fn value(&self) -> &OptionValue<'a> {
        &self.value
    }
}

impl<'a> IntoIterator for &Ipv4List<'a> {
    type Item = Ipv4Addr;
    type IntoIter = Ipv4Iter<'a>;
    fn into_iter(self) -> Ipv4Iter<'a> {
        self.iter()
    }
}

/// Iterator over an [`Ipv4List`].
#[derive(Debug, Clone)]
pub struct Ipv4Iter<'a> {
    /// The rest of a single instance, or a split value read from `at`.
    value: OptionValue<'a>,
    /// Split values: offset of the next address.
    at: usize,
}

impl Iterator for Ipv4Iter<'_> {
    type Item = Ipv4Addr;
    #[inline(always)]
    fn next(&mut self) -> Option<Ipv4Addr> {
        self.value.take4(&mut self.at).map(Ipv4Addr::from)
    }
}

/// Encapsulated sub-options: option 43 (RFC 2132 §8.4: pad and end keep
/// their meaning) or option 82 (RFC 3046: every code is a sub-option).
#[derive(Debug, Clone)]
pub struct Encapsulated<'a> {
    rest: &'a [u8],
    pad_end: bool,
}

impl<'a> Encapsulated<'a> {
    /// Option 43 syntax: 0 is pad, 255 ends the list.
    pub fn new(bytes: &'a [u8]) -> Self {
        Encapsulated {
            rest: bytes,
            pad_end: true,
        }
    }
    /// Option 82 syntax (RFC 3046 §2): sub-option 1 circuit id, 2 remote id, ...
    pub fn new_relay(bytes: &'a [u8]) -> Self {
        Encapsulated {
            rest: bytes,
            pad_end: false,
        }
    }
    /// Sub-option `code`'s value, if present.
    pub fn get(&self, code: u8) -> Option<&'a [u8]> {
        self.clone().find(|(c, _)| *c == code).map(|(_, v)| v)
    }
    /// Option 82 sub-option 1, the agent circuit id.
    pub fn circuit_id(&self) -> Option<&'a [u8]> {
        self.get(1)
    }
    /// Option 82 sub-option 2, the agent remote id.
    pub fn remote_id(&self) -> Option<&'a [u8]> {
        self.get(2)
    }
}

impl<'a> Iterator for Encapsulated<'a> {
    /// (sub-option code, value). A truncated trailing sub-option ends the list.
    type Item = (u8, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.rest {
                [0, rest @ ..] if self.pad_end => self.rest = rest,
                [255, ..] if self.pad_end => {
                    self.rest = &[];
                    return None;
                }
                [c, len, rest @ ..] => {
                    let Some((v, rest)) = rest.split_at_checked(usize::from(*len)) else {
                        self.rest = &[];
                        return None;
                    };
                    self.rest = rest;
                    return Some((*c, v));
                }
                _ => {
                    self.rest = &[];
                    return None;
                }
            }
        }
    }
}

/// A decoded option: the typed options this crate knows and every other one
/// raw. A known code whose value has the wrong length is yielded as
/// [`DhcpOption::Malformed`] (data, not an error).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum DhcpOption<'a> {
    /// 1
    SubnetMask(Ipv4Addr),
    /// 3
    Routers(Ipv4List<'a>),
    /// 6
    DnsServers(Ipv4List<'a>),
    /// 12
    HostName(OptionValue<'a>),
    /// 15
    DomainName(OptionValue<'a>),
    /// 42
    NtpServers(Ipv4List<'a>),
    /// 43 (see [`Encapsulated`])
    VendorSpecific(OptionValue<'a>),
    /// 50
    RequestedIp(Ipv4Addr),
    /// 51, seconds (`u32::MAX` = infinite)
    LeaseTime(u32),
    /// 52
    Overload(Overload),
    /// 53
    MessageType(MessageType),
    /// 54
    ServerId(Ipv4Addr),
    /// 55, one code per byte
    ParameterRequestList(OptionValue<'a>),
    /// 57
    MaxMessageSize(u16),
    /// 58, seconds
    RenewalTime(u32),
    /// 59, seconds
    RebindingTime(u32),
    /// 60
    VendorClass(OptionValue<'a>),
    /// 61
    ClientId(OptionValue<'a>),
    /// 66, trailing NULs removed
    TftpServerName(OptionValue<'a>),
    /// 82; sub-options through [`OptionValue::as_slice`] and [`Encapsulated::new_relay`]
    RelayAgentInfo(OptionValue<'a>),
    /// 150
    TftpServers(Ipv4List<'a>),
    /// A known code with a value of the wrong length.
    Malformed {
        /// The option code.
        code: u8,
        /// Its raw value.
        value: OptionValue<'a>,
    },
    /// Any other code, raw.
    Other {
        /// The option code.
        code: u8,
        /// Its raw value.
        value: OptionValue<'a>,
    },
}

impl<'a> DhcpOption<'a> {
    /// Decodes `value` according to `code`.
    #[inline(always)]
    pub fn from_value(code: u8, value: OptionValue<'a>) -> Self {
        use super::code as c;
        let bad = |value| DhcpOption::Malformed { code, value };
        macro_rules! typed {
            ($e:expr, $v:ident) => {
                match $e {
                    Some(x) => DhcpOption::$v(x),
                    None => bad(value),
                }
            };
        }
        match code {
            c::SUBNET_MASK => typed!(value.ipv4(), SubnetMask),
            c::ROUTER => typed!(value.clone().ipv4_list(), Routers),
            c::DNS => typed!(value.clone().ipv4_list(), DnsServers),
            c::NTP_SERVERS => typed!(value.clone().ipv4_list(), NtpServers),
            c::TFTP_SERVERS => typed!(value.clone().ipv4_list(), TftpServers),
            c::HOST_NAME if !value.is_empty() => DhcpOption::HostName(value),
            c::DOMAIN_NAME if !value.is_empty() => DhcpOption::DomainName(value),
            c::VENDOR_SPECIFIC if !value.is_empty() => DhcpOption::VendorSpecific(value),
            c::REQUESTED_IP => typed!(value.ipv4(), RequestedIp),
            c::LEASE_TIME => typed!(value.u32(), LeaseTime),
            c::OVERLOAD => typed!(
                value.array::<1>().and_then(|[v]| Overload::from_value(v)),
                Overload
            ),
            c::MESSAGE_TYPE => typed!(
                value.array::<1>().map(|[v]| MessageType::from(v)),
                MessageType
            ),
            c::SERVER_ID => typed!(value.ipv4(), ServerId),
            c::PARAMETER_REQUEST_LIST if !value.is_empty() => {
                DhcpOption::ParameterRequestList(value)
            }
            c::MAX_MESSAGE_SIZE => typed!(value.u16(), MaxMessageSize),
            c::RENEWAL_TIME => typed!(value.u32(), RenewalTime),
            c::REBINDING_TIME => typed!(value.u32(), RebindingTime),
            c::VENDOR_CLASS if !value.is_empty() => DhcpOption::VendorClass(value),
            c::CLIENT_ID if value.len() >= 2 => DhcpOption::ClientId(value),
            c::TFTP_SERVER_NAME if !value.is_empty() => {
                DhcpOption::TftpServerName(value.trim_trailing_nuls())
            }
            c::RELAY_AGENT_INFO if value.len() >= 2 => DhcpOption::RelayAgentInfo(value),
            c::HOST_NAME
            | c::DOMAIN_NAME
            | c::VENDOR_SPECIFIC
            | c::PARAMETER_REQUEST_LIST
            | c::VENDOR_CLASS
            | c::CLIENT_ID
            | c::TFTP_SERVER_NAME
            | c::RELAY_AGENT_INFO => bad(value),
            _ => DhcpOption::Other { code, value },
        }
    }

    /// Decodes a value made of one instance (the common case, without the
    /// concatenation machinery); same result as [`DhcpOption::from_value`].
    #[inline(always)]
    pub fn from_single(code: u8, d: &'a [u8]) -> Self {
        super::visit::type_single(code, d, &mut super::visit::MakeOption)
    }

    /// The option code.
    pub fn code(&self) -> u8 {
        use super::code as c;
        match self {
            DhcpOption::SubnetMask(_) => c::SUBNET_MASK,
            DhcpOption::Routers(_) => c::ROUTER,
            DhcpOption::DnsServers(_) => c::DNS,
            DhcpOption::HostName(_) => c::HOST_NAME,
            DhcpOption::DomainName(_) => c::DOMAIN_NAME,
            DhcpOption::NtpServers(_) => c::NTP_SERVERS,
            DhcpOption::VendorSpecific(_) => c::VENDOR_SPECIFIC,
            DhcpOption::RequestedIp(_) => c::REQUESTED_IP,
            DhcpOption::LeaseTime(_) => c::LEASE_TIME,
            DhcpOption::Overload(_) => c::OVERLOAD,
            DhcpOption::MessageType(_) => c::MESSAGE_TYPE,
            DhcpOption::ServerId(_) => c::SERVER_ID,
            DhcpOption::ParameterRequestList(_) => c::PARAMETER_REQUEST_LIST,
            DhcpOption::MaxMessageSize(_) => c::MAX_MESSAGE_SIZE,
            DhcpOption::RenewalTime(_) => c::RENEWAL_TIME,
            DhcpOption::RebindingTime(_) => c::REBINDING_TIME,
            DhcpOption::VendorClass(_) => c::VENDOR_CLASS,
            DhcpOption::ClientId(_) => c::CLIENT_ID,
            DhcpOption::TftpServerName(_) => c::TFTP_SERVER_NAME,
            DhcpOption::RelayAgentInfo(_) => c::RELAY_AGENT_INFO,
            DhcpOption::TftpServers(_) => c::TFTP_SERVERS,
            DhcpOption::Malformed { code, .. } | DhcpOption::Other { code, .. } => *code,
        }
    }
}

/// Iterator of typed options; see [`Packet::typed`].
#[derive(Debug, Clone)]
pub struct Typed<'a> {
    inner: Merged<'a>,
}

impl<'a> Iterator for Typed<'a> {
    type Item = DhcpOption<'a>;
    #[inline]
    fn next(&mut self) -> Option<DhcpOption<'a>> {
        let (code, data) = self.inner.next_raw()?;
        Some(match data {
            Some(d) => DhcpOption::from_single(code, d),
            None => DhcpOption::from_value(code, self.inner.split(code)),
        })
    }
}
