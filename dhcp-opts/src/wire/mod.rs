//! The DHCP wire format: a zero-copy [`Packet`] view, option iterators and
//! concatenated values, the one-pass [`PacketWalk`], and the [`MessageRepr`]
//! encoder.

mod builder;
pub mod code;
mod packet;
mod value;
mod walk;

pub use builder::{MessageRepr, OptionRef, DEFAULT_MAX_LEN, MIN_BOOTP_LEN};
pub use packet::{
    DhcpOption, Encapsulated, Ipv4Iter, Ipv4List, Merged, MessageType, Op, Options, Others,
    Overload, Packet, RawOption, Region, Typed, FILE_OFFSET, FLAG_BROADCAST, HEADER_LEN,
    MAGIC_COOKIE, SNAME_OFFSET,
};
pub use value::{Bytes, Fragments, OptionValue};
pub use walk::{PacketWalk, TypedWalk};
