//! A one-pass view of a DHCP message: options typed as they are walked,
//! with the checks smoltcp's `DhcpPacket` makes up front (RFC 2131 §2,
//! RFC 2132 §2 and §9.3).

use super::code;
use super::packet::{check_head, head_accessors, head_of, RawHeader, FILE_OFFSET, SNAME_OFFSET};
use super::packet::{CodeSet, DhcpOption, Options, Overload, HEADER_LEN};
use super::visit::{type_single, OptionVisitor, Visit};
use crate::DecodeError;

/// A DHCP message whose options are read in one pass, as they are walked.
///
/// [`PacketWalk::new_checked`] checks only the 240-byte head and the magic
/// cookie; [`PacketWalk::typed`] then walks the options once, typing each
/// instance as it goes and reporting a framing error where it finds it.
/// [`PacketWalk::visit`] walks them the same way and hands each typed value
/// to a method of an [`OptionVisitor`] instead of yielding a
/// [`DhcpOption`]: the same options, values and error, with one dispatch on
/// the code instead of two (ours, then the caller's `match`). Prefer
/// `visit` to read a whole message, `typed` to stop early or keep items.
///
/// Which view to use:
/// - [`Packet`](super::Packet) checks every option's framing up front,
///   joins RFC 3396 split options into one value, and reads each option with
///   an accessor in constant time. Use it to keep a message and ask it
///   questions (a client reading an offer, a server reading a request).
/// - `PacketWalk` costs one walk over the options, like smoltcp's option
///   iterator, and keeps nothing. Use it to read every option once in order
///   (a logger, a relay, a dissector). An option split into several
///   instances (RFC 3396) comes out as several items, one per instance, with
///   [`DhcpOption::Malformed`] for pieces that are not well-formed on their
///   own; [`TypedWalk::repeated`] says whether that happened.
///
/// On a message where no code repeats, the items are exactly those of
/// [`Packet::typed`](super::Packet::typed), in the same order.
///
/// ```
/// use dialtone_dhcp_opts::wire::PacketWalk;
/// use dialtone_dhcp_opts::{DhcpOption, MessageType};
/// # let bytes: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/samples/dhcp-ack.bin"));
/// let ack = PacketWalk::new_checked(bytes)?;
/// let mut tftp = Vec::new();
/// for o in ack.typed() {
///     match o? {
///         DhcpOption::MessageType(t) => assert_eq!(t, MessageType::Ack),
///         DhcpOption::TftpServers(l) => tftp.extend(l.iter()),
///         _ => {}
///     }
/// }
/// assert_eq!(tftp.len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PacketWalk<'a> {
    /// At least [`HEADER_LEN`] bytes, the magic cookie at 236.
    buf: &'a [u8],
}

impl<'a> PacketWalk<'a> {
    /// Checks the length of the fixed head and the magic cookie; the options
    /// are checked as [`PacketWalk::typed`] walks them.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`] for a message shorter than 240 bytes,
    /// [`DecodeError::BadCookie`] without the DHCP magic cookie.
    #[inline(always)]
    pub fn new_checked(buf: &'a [u8]) -> Result<Self, DecodeError> {
        check_head(buf)?;
        Ok(PacketWalk { buf })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> &'a [u8] {
        self.buf
    }

    #[inline]
    fn header(&self) -> &'a RawHeader {
        head_of(self.buf)
    }

    head_accessors!();

    /// Bytes after the magic cookie.
    pub fn options_field(&self) -> &'a [u8] {
        self.buf.get(HEADER_LEN..).unwrap_or(&[])
    }

    /// Every option instance in wire order, typed by
    /// [`DhcpOption::from_single`] (the conversion [`Packet::typed`]
    /// uses): the options field, then `file`, then `sname` when the first
    /// one-byte option 52 of the options field says they carry options
    /// (RFC 2131 §4.1). Pad and end are skipped.
    ///
    /// The first framing error (an option running past its field, or a
    /// code byte alone at the end of a field) is yielded as `Err`, where
    /// [`Packet::new_checked`] would report it, and ends the walk.
    ///
    /// [`Packet::typed`]: super::Packet::typed
    /// [`Packet::new_checked`]: super::Packet::new_checked
    #[inline]
    pub fn typed(&self) -> TypedWalk<'a> {
        let msg = self.buf;
        TypedWalk {
            cur: self.options_field(),
            field_end: msg.len(),
            msg,
            field: Field::Options,
            overload: None,
            bits: 0,
            count: 0,
        }
    }

    /// Walks every option instance once, as [`PacketWalk::typed`] does, and
    /// calls the method of `visitor` for each one's type with its typed
    /// value: one call per item `typed` yields, in the same order, with the
    /// same value (see [`OptionVisitor`]).
    ///
    /// `typed` hands out each option as a [`DhcpOption`] for the caller to
    /// `match`; `visit` checks the code once and calls the method for it
    /// directly, so reading every option costs one dispatch instead of two.
    /// Use `visit` to read every option of a message at the least cost, and
    /// `typed` for an iterator (to stop early, or to keep the items).
    ///
    /// # Errors
    /// The first framing error, the `Err` item that ends `typed` (an option
    /// running past its field, or a code byte alone at the end of a field):
    /// the options before it have been visited, none after it.
    ///
    /// ```
    /// use dialtone_dhcp_opts::wire::{OptionVisitor, PacketWalk};
    /// use dialtone_dhcp_opts::MessageType;
    /// # let bytes: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/samples/dhcp-discover.bin"));
    /// struct Kind(Option<MessageType>);
    /// impl OptionVisitor<'_> for Kind {
    ///     fn message_type(&mut self, t: MessageType) {
    ///         self.0 = Some(t);
    ///     }
    /// }
    /// let mut kind = Kind(None);
    /// PacketWalk::new_checked(bytes)?.visit(&mut kind)?;
    /// assert_eq!(kind.0, Some(MessageType::Discover));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn visit<V: OptionVisitor<'a> + ?Sized>(&self, visitor: &mut V) -> Result<(), DecodeError> {
        let mut overload = None;
        visit_field(
            self.options_field(),
            self.buf.len(),
            &mut Visit {
                visitor: &mut *visitor,
                overload: &mut overload,
            },
        )?;
        match overload {
            None => Ok(()),
            Some(ov) => visit_overloaded(self.buf, ov, visitor),
        }
    }
}

/// Visits the options of `file` then `sname` as `ov` says (RFC 2131 §4.1).
#[cold]
#[inline(never)]
fn visit_overloaded<'a, V: OptionVisitor<'a> + ?Sized>(
    msg: &'a [u8],
    ov: Overload,
    visitor: &mut V,
) -> Result<(), DecodeError> {
    let mut overload = Some(ov);
    for (at, len, on) in [(FILE_OFFSET, 128, ov.file), (SNAME_OFFSET, 64, ov.sname)] {
        if on {
            let to = &mut Visit {
                visitor: &mut *visitor,
                overload: &mut overload,
            };
            visit_field(msg.get(at..at + len).unwrap_or(&[]), at + len, to)?;
        }
    }
    Ok(())
}

/// Visits the options of one field, `cur`, which ends at message offset
/// `field_end`, up to its END or its end, with the framing and errors of
/// [`TypedWalk`]. The common case (a code, a length, a value within the
/// field) goes straight to the dispatch on the code, where pad and END are
/// two more cases; pad, END and errors are then sorted out below it.
#[inline(always)]
fn visit_field<'a, V: OptionVisitor<'a> + ?Sized>(
    mut cur: &'a [u8],
    field_end: usize,
    to: &mut Visit<'_, V>,
) -> Result<(), DecodeError> {
    loop {
        if let [c, len, ref rest @ ..] = *cur {
            if let Some((data, after)) = rest.split_at_checked(usize::from(len)) {
                // Pad and END are in the dispatch on the code, and left to
                // the framing below.
                if type_single(c, data, to) {
                    cur = after;
                    continue;
                }
            }
        }
        // Fewer than two bytes left, or a length past the end of the field.
        match *cur {
            [code::PAD, ref rest @ ..] => cur = rest,
            [1..=254, len, ref rest @ ..] => {
                return Err(truncated(
                    field_end,
                    cur.len(),
                    usize::from(len) - rest.len(),
                ))
            }
            [1..=254] => return Err(truncated(field_end, 1, 1)),
            _ => return Ok(()),
        }
    }
}

/// The field [`TypedWalk`] is walking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// The options field.
    Options,
    /// `file` (option 52 = 1 or 3).
    File,
    /// `sname` (option 52 = 2 or 3).
    Sname,
    /// None: the walk has ended.
    Done,
}

impl Field {
    /// The field after `self` when option 52 says `ov` (RFC 2131 §4.1:
    /// options, then `file`, then `sname`).
    #[cold]
    #[inline(never)]
    fn after(self, ov: Option<Overload>) -> Self {
        let ov = ov.unwrap_or_default();
        match self {
            Field::Options if ov.file => Field::File,
            Field::Options | Field::File if ov.sname => Field::Sname,
            _ => Field::Done,
        }
    }
}

/// The option 52 in force after one with value `data` in the options
/// field: the first one-byte instance decides.
#[cold]
#[inline(never)]
pub(super) fn overload_after(ov: Option<Overload>, data: &[u8]) -> Option<Overload> {
    match (ov, data) {
        (None, &[v]) => Some(Overload::from_value(v).unwrap_or_default()),
        _ => ov,
    }
}

/// Iterator of typed option instances; see [`PacketWalk::typed`].
#[derive(Debug, Clone)]
pub struct TypedWalk<'a> {
    /// The rest of the field being walked.
    cur: &'a [u8],
    /// Message offset where that field ends (for error offsets).
    field_end: usize,
    msg: &'a [u8],
    field: Field,
    /// The first one-byte option 52 of the options field, once met.
    overload: Option<Overload>,
    /// Bit `code % 64` of each code yielded so far.
    bits: u64,
    /// Number of items yielded so far.
    count: usize,
}

impl TypedWalk<'_> {
    /// True when some option code has come more than once so far: the
    /// message splits an option into several instances (RFC 3396), which
    /// [`Packet`](super::Packet) joins and this walk yields one by one.
    #[must_use]
    pub fn repeated(&self) -> bool {
        // Fewer bits than items: a code repeats, or two are 64 apart.
        self.bits.count_ones() as usize != self.count && self.repeated_exact()
    }

    #[inline(never)]
    fn repeated_exact(&self) -> bool {
        let mut seen = CodeSet::default();
        Options::of_message(self.msg, self.overload.unwrap_or_default())
            .take(self.count)
            .any(|o| !seen.insert(o.code))
    }
}

/// The error for an option starting `left` bytes before the end of its
/// field, which ends at message offset `field_end` and lacks `needed` bytes.
#[cold]
#[inline(never)]
fn truncated(field_end: usize, left: usize, needed: usize) -> DecodeError {
    DecodeError::Truncated {
        offset: field_end - left,
        needed,
    }
}

impl<'a> Iterator for TypedWalk<'a> {
    type Item = Result<DhcpOption<'a>, DecodeError>;

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let (opt, needed) = loop {
            let opt = self.cur;
            match opt {
                // Neither pad (0) nor END (255).
                &[c @ 1..=254, len, ref rest @ ..] => {
                    let Some((data, rest)) = rest.split_at_checked(usize::from(len)) else {
                        break (opt, usize::from(len) - rest.len());
                    };
                    self.cur = rest;
                    self.bits |= 1 << (c & 63);
                    self.count += 1;
                    let o = DhcpOption::from_single(c, data);
                    // Tested on the typed value, so that the test joins the
                    // dispatch on the code.
                    if let DhcpOption::Overload(_)
                    | DhcpOption::Malformed {
                        code: code::OVERLOAD,
                        ..
                    } = o
                    {
                        self.overload = overload_after(self.overload, data);
                    }
                    return Some(Ok(o));
                }
                [code::PAD, rest @ ..] => {
                    self.cur = rest;
                    continue;
                }
                // A code byte alone at the end of its field.
                [1..=254] => break (opt, 1),
                // END or the end of the field.
                _ => {
                    self.field = self.field.after(self.overload);
                    let (at, len) = match self.field {
                        Field::File => (FILE_OFFSET, 128),
                        Field::Sname => (SNAME_OFFSET, 64),
                        _ => {
                            self.cur = &[];
                            return None;
                        }
                    };
                    self.cur = self.msg.get(at..at + len).unwrap_or(&[]);
                    self.field_end = at + len;
                }
            }
        };
        self.cur = &[];
        self.field = Field::Done;
        Some(Err(truncated(self.field_end, opt.len(), needed)))
    }
}
