//! The DHCP wire format: a zero-copy [`Packet`] view, option iterators and
//! concatenated values, the one-pass [`PacketWalk`] with its
//! [`OptionVisitor`], and the [`MessageRepr`] encoder.
//!
//! Which reader:
//!
//! | to … | use |
//! |---|---|
//! | keep a message and ask it for options in any order, RFC 3396 split options joined | [`Packet`] and its accessors |
//! | read every option once, in order, at the least cost | [`PacketWalk::visit`] with an [`OptionVisitor`] |
//! | iterate the typed options (stop early, keep or pass on the items) | [`PacketWalk::typed`] |
//! | see raw code/value pairs | [`Packet::options`], [`Options`] |

mod builder;
pub mod code;
mod packet;
mod value;
mod visit;
mod walk;

pub use builder::{MessageRepr, OptionRef, DEFAULT_MAX_LEN, MIN_BOOTP_LEN};
pub use packet::{
    DhcpOption, Encapsulated, Ipv4Iter, Ipv4List, Merged, MessageType, Op, Options, Others,
    Overload, Packet, RawOption, Region, Typed, FILE_OFFSET, FLAG_BROADCAST, HEADER_LEN,
    MAGIC_COOKIE, SNAME_OFFSET,
};
pub use value::{Bytes, Fragments, OptionValue};
pub use visit::OptionVisitor;
pub use walk::{PacketWalk, TypedWalk};
