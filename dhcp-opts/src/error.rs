//! Error types of the codec and the client.

use dialtone_core::InsufficientSize;

/// Why a byte slice is not a DHCP message this crate can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ends before a field or option does.
    #[error("truncated at offset {offset}: need {needed} more bytes")]
    Truncated {
        /// Offset of the field or option that does not fit.
        offset: usize,
        /// Bytes missing.
        needed: usize,
    },
    /// The magic cookie at offset 236 is not 99.130.83.99 (RFC 2131 §3).
    #[error("bad magic cookie")]
    BadCookie,
    /// A field holds a value the specification forbids.
    #[error("field {field} at offset {offset} is inconsistent")]
    Inconsistent {
        /// Offset of the field in the message.
        offset: usize,
        /// Name of the field.
        field: &'static str,
    },
}

/// Why [`MessageRepr::emit`](crate::MessageRepr::emit) wrote nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The caller's buffer is shorter than [`MessageRepr::buffer_len`](crate::MessageRepr::buffer_len).
    #[error(transparent)]
    Insufficient(#[from] InsufficientSize),
    /// The options do not fit in the peer's maximum message size, even using
    /// the `file` and `sname` fields (option 52) when allowed.
    #[error("message needs {needed} bytes but the limit is {max}")]
    TooLarge {
        /// Bytes the message would need with every option in the options field.
        needed: usize,
        /// The BOOTP message size limit in force.
        max: usize,
    },
    /// A header value cannot be encoded (e.g. `chaddr` longer than 16 bytes,
    /// `sname` longer than 64 bytes, `file` longer than 128 bytes).
    #[error("field {field} does not fit")]
    FieldTooLong {
        /// Name of the field.
        field: &'static str,
    },
}

/// Why [`Client::handle_input`](crate::client::Client::handle_input) rejected a
/// datagram; the client state is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// Not a readable DHCP message.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A BOOTREQUEST, or a reply without option 53.
    #[error("not a DHCP reply")]
    NotAReply,
    /// The `xid` or `chaddr` belongs to another transaction or client.
    #[error("reply to another transaction")]
    StaleTransaction,
    /// A reply the current state ignores (RFC 2131 §4.4, e.g. an OFFER while BOUND).
    #[error("unexpected {kind:?} in state {state:?}")]
    Unexpected {
        /// The client state.
        state: crate::client::State,
        /// The message type received.
        kind: crate::MessageType,
    },
    /// A reply lacking a field the client needs (`yiaddr`, option 54 or 51).
    #[error("reply lacks {field}")]
    Incomplete {
        /// What is missing.
        field: &'static str,
    },
}
