//! Error types: one enum per concern.

/// Why a datagram is not a valid TFTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The datagram ends inside the fixed header.
    #[error("truncated at offset {offset}: need {needed} more bytes")]
    Truncated {
        /// Where the data ended.
        offset: usize,
        /// Bytes missing.
        needed: usize,
    },
    /// The opcode is not 1..=6.
    #[error("unknown opcode {opcode}")]
    UnknownOpcode {
        /// The opcode received.
        opcode: u16,
    },
    /// A string starting at `offset` has no terminating NUL.
    #[error("string at offset {offset} is not NUL-terminated")]
    Unterminated {
        /// Start of the string.
        offset: usize,
    },
    /// The file name at `offset` is not UTF-8 text.
    #[error("string at offset {offset} is not text")]
    NotText {
        /// Start of the string.
        offset: usize,
    },
    /// The mode at `offset` is not `octet`, `netascii` or `mail`.
    #[error("unknown mode at offset {offset}")]
    UnknownMode {
        /// Start of the mode string.
        offset: usize,
    },
    /// A known option appears twice with valid values (RFC 2347: once each).
    #[error("option given twice")]
    DuplicateOption,
    /// A field is inconsistent (e.g. an empty option name).
    #[error("field {field} at offset {offset} is inconsistent")]
    Inconsistent {
        /// Where.
        offset: usize,
        /// Which field.
        field: &'static str,
    },
}

/// Why a state machine rejected an input datagram. The machine's state is
/// unchanged, except that an ERROR 5 may have been queued for a stranger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The datagram is not a TFTP packet.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The datagram came from a peer that is not part of this transfer
    /// (RFC 1350 §4); an ERROR 5 was queued for it.
    #[error("packet from an unknown transfer id")]
    UnknownTid,
    /// The packet is not expected in this state and was ignored.
    #[error("unexpected packet in state {state}")]
    Unexpected {
        /// The state the machine was in.
        state: &'static str,
    },
    /// The transfer has already finished.
    #[error("transfer finished")]
    Finished,
}
