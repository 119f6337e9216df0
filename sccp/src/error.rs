//! Error types of the codec.

/// Why a frame or message body could not be decoded.
///
/// Offsets are absolute within the PDU (the 12-byte header starts at 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ends before the structure does.
    #[error("truncated at offset {offset}: need {needed} more bytes")]
    Truncated {
        /// Where the missing bytes would start.
        offset: usize,
        /// How many bytes are missing.
        needed: usize,
    },
    /// A length or count is larger than the codec accepts.
    #[error("length {len} at offset {offset} exceeds {max}")]
    Oversized {
        /// Offset of the length or count field.
        offset: usize,
        /// The value found.
        len: usize,
        /// The largest accepted value.
        max: usize,
    },
    /// A length field contradicts the rest of the input (e.g. a header length below 4).
    #[error("field {field} at offset {offset} is inconsistent")]
    Inconsistent {
        /// Offset of the field.
        offset: usize,
        /// Name of the field.
        field: &'static str,
    },
}

/// What the [`Framer`](crate::Framer) found wrong in a byte stream.
///
/// Each variant says how to go on: [`FramerError::recovery`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FramerError {
    /// The length field is below 4 (no room for the message id). Message
    /// boundaries are lost: the connection must be closed. The framer stays
    /// in this state and reports [`FramerError::Closed`] afterwards.
    #[error("invalid length {len} at stream offset {offset}: close the connection")]
    InvalidLength {
        /// The length field.
        len: u32,
        /// Offset of the length field within the input of this `push`.
        offset: usize,
    },
    /// The body is larger than the configured limit. The framer discards the
    /// next `skip` bytes of the stream (this whole PDU, counted from its first
    /// header byte) by itself and stays in sync; a caller that prefers to close
    /// the connection (as chan-sccp does) may do so.
    #[error("body of {len} bytes exceeds the limit {max}: skipping {skip} bytes")]
    Oversized {
        /// Body length announced by the header (length field − 4).
        len: u64,
        /// The configured body limit.
        max: usize,
        /// Bytes the framer drops (header + body).
        skip: u64,
    },
    /// An earlier [`FramerError::InvalidLength`] desynchronised the stream.
    #[error("stream is desynchronised: close the connection")]
    Closed,
}

/// What a caller should do after a [`FramerError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// The framer drops this many bytes of the stream by itself; framing goes on.
    Skip(u64),
    /// Framing cannot go on: close the connection.
    Close,
}

impl FramerError {
    /// How to recover from this error.
    #[must_use]
    pub fn recovery(&self) -> Recovery {
        match self {
            FramerError::Oversized { skip, .. } => Recovery::Skip(*skip),
            FramerError::InvalidLength { .. } | FramerError::Closed => Recovery::Close,
        }
    }
}
