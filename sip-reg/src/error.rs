//! Error types: [`DecodeError`] for the codec, [`InputError`] for the state machines.

/// Why bytes could not be read as a SIP message or a header value.
///
/// Codec errors never carry owned data; `field` names the header or element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The message ends before the element at `offset` is complete.
    #[error("truncated at offset {offset}: need {needed} more bytes")]
    Truncated {
        /// Where the incomplete element starts.
        offset: usize,
        /// How many more bytes are needed at least (1 when unknown).
        needed: usize,
    },
    /// A length exceeds a limit.
    #[error("length {len} at offset {offset} exceeds {max}")]
    Oversized {
        /// Where the element starts.
        offset: usize,
        /// Its length (or count).
        len: usize,
        /// The limit.
        max: usize,
    },
    /// More header fields than the parser holds.
    #[error("more than {max} header fields")]
    TooManyHeaders {
        /// The limit ([`crate::wire::MAX_HEADERS`]).
        max: usize,
    },
    /// The start line or the header section is not valid UTF-8.
    #[error("invalid UTF-8 at offset {offset}")]
    NotUtf8 {
        /// First invalid byte.
        offset: usize,
    },
    /// An element is syntactically invalid.
    #[error("field {field} at offset {offset} is inconsistent")]
    Inconsistent {
        /// Byte offset in the message (0 for header values parsed on demand).
        offset: usize,
        /// Which element.
        field: &'static str,
    },
    /// A header the caller asked for is absent.
    #[error("header {field} is missing")]
    Missing {
        /// Which header.
        field: &'static str,
    },
}

impl DecodeError {
    pub(crate) const fn bad(field: &'static str) -> Self {
        DecodeError::Inconsistent { offset: 0, field }
    }
}

/// Why a state machine rejected one `handle_input` call; its state is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The bytes are not a SIP message.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A response that matches no transaction in progress (late retransmission).
    #[error("response matches no transaction in progress")]
    StaleTransaction,
    /// Bytes from a connection or address the machine does not know.
    #[error("input from an unknown connection or address")]
    UnknownConn,
    /// A message that the machine does not take in its current state.
    #[error("unexpected message in state {state}")]
    Unexpected {
        /// The state's name.
        state: &'static str,
    },
}
