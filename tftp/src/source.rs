//! Where a server's files come from, and what a sender reads.

use alloc::string::String;
use alloc::vec::Vec;

use bytes::Bytes;

use crate::netascii;

/// Reading a file failed (the server answers ERROR 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("read error")]
pub struct ReadError;

/// Why a file could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// No such file (ERROR 1: drives the phone's fallback to its default file).
    #[error("file not found")]
    NotFound,
    /// Not allowed (ERROR 2).
    #[error("access violation")]
    AccessDenied,
    /// The announced size cannot be stored (ERROR 3, RFC 2349).
    #[error("file too large")]
    TooLarge,
    /// The file exists and may not be replaced (ERROR 6).
    #[error("file already exists")]
    Exists,
    /// Anything else (ERROR 0).
    #[error("cannot open file")]
    Other,
}

/// A file opened for reading, read sequentially.
pub trait ReadFile {
    /// Size in bytes, when known (answered as `tsize`).
    fn size(&self) -> Option<u64>;
    /// Reads up to `buf.len()` bytes; `Ok(0)` means end of file.
    ///
    /// # Errors
    /// [`ReadError`] ends the transfer with ERROR 0.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ReadError>;
}

/// Writing a received file failed (the server answers ERROR 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("write error")]
pub struct WriteError;

/// A file being received (write requests), written sequentially.
pub trait WriteFile {
    /// Appends `data`.
    ///
    /// # Errors
    /// [`WriteError`] ends the transfer with ERROR 3.
    fn write(&mut self, data: &[u8]) -> Result<(), WriteError>;
}

/// The sink of a source that takes no writes.
#[derive(Debug)]
pub enum NoWrites {}

impl WriteFile for NoWrites {
    fn write(&mut self, _: &[u8]) -> Result<(), WriteError> {
        match *self {}
    }
}

/// A store of files a [`crate::server::Server`] serves.
///
/// The server has already checked `name`: no leading `/`, no `..`
/// component, no backslash, no control character. Implementations match
/// names case-insensitively (`phone-boot.md` §1.7.3).
pub trait FileSource {
    /// The open file type.
    type File: ReadFile;
    /// The type of a file being received ([`NoWrites`] for read-only stores).
    type Sink: WriteFile;
    /// Opens `name` for reading.
    ///
    /// # Errors
    /// [`OpenError`], mapped to the TFTP error code sent to the client.
    fn open(&mut self, name: &str) -> Result<Self::File, OpenError>;

    /// Creates `name` for a write request announcing `size` bytes (`tsize`)
    /// when known. Only called when the server allows writes.
    ///
    /// # Errors
    /// [`OpenError`]; the default refuses with `AccessDenied` (ERROR 2).
    fn create(&mut self, name: &str, size: Option<u64>) -> Result<Self::Sink, OpenError> {
        let _ = (name, size);
        Err(OpenError::AccessDenied)
    }

    /// The whole file arrived: make it visible under its name.
    ///
    /// # Errors
    /// [`WriteError`] (the client has already been acknowledged).
    fn finish(&mut self, sink: Self::Sink) -> Result<(), WriteError> {
        drop(sink);
        Ok(())
    }
}

/// Reads a [`Bytes`] from start to end (cheap clones, no copy).
#[derive(Clone, Debug)]
pub struct BytesReader {
    data: Bytes,
    pos: usize,
}

impl BytesReader {
    /// A reader at the start of `data`.
    #[must_use]
    pub fn new(data: Bytes) -> Self {
        BytesReader { data, pos: 0 }
    }
}

impl ReadFile for BytesReader {
    fn size(&self) -> Option<u64> {
        Some(self.data.len() as u64)
    }
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ReadError> {
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        if let (Some(d), Some(s)) = (buf.get_mut(..n), rest.get(..n)) {
            d.copy_from_slice(s);
        }
        self.pos += n;
        Ok(n)
    }
}

/// In-memory files, matched case-insensitively.
#[derive(Clone, Debug, Default)]
pub struct MemorySource {
    files: Vec<(String, Bytes)>,
}

impl MemorySource {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a file.
    pub fn insert(&mut self, name: &str, data: impl Into<Bytes>) {
        let data = data.into();
        match self
            .files
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(slot) => slot.1 = data,
            None => self.files.push((String::from(name), data)),
        }
    }
}

/// A file being received into memory.
#[derive(Clone, Debug, Default)]
pub struct MemorySink {
    name: String,
    data: Vec<u8>,
    limit: usize,
}

impl WriteFile for MemorySink {
    fn write(&mut self, data: &[u8]) -> Result<(), WriteError> {
        if self.data.len().saturating_add(data.len()) > self.limit {
            return Err(WriteError);
        }
        self.data.extend_from_slice(data);
        Ok(())
    }
}

/// Largest file a [`MemorySource`] accepts by write request.
pub const MEMORY_WRITE_LIMIT: usize = 64 * 1024 * 1024;

impl FileSource for MemorySource {
    type File = BytesReader;
    type Sink = MemorySink;

    fn create(&mut self, name: &str, size: Option<u64>) -> Result<MemorySink, OpenError> {
        if size.is_some_and(|s| s > MEMORY_WRITE_LIMIT as u64) {
            return Err(OpenError::TooLarge);
        }
        Ok(MemorySink {
            name: String::from(name),
            data: Vec::new(),
            limit: MEMORY_WRITE_LIMIT,
        })
    }

    fn finish(&mut self, sink: MemorySink) -> Result<(), WriteError> {
        self.insert(&sink.name, sink.data);
        Ok(())
    }

    fn open(&mut self, name: &str) -> Result<BytesReader, OpenError> {
        self.files
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, d)| BytesReader::new(d.clone()))
            .ok_or(OpenError::NotFound)
    }
}

/// Size of the netascii staging buffer (counted in a transfer's memory).
pub const NETASCII_BUF: usize = 512;

/// A file read in octet or netascii mode.
// The staging buffer is inline on purpose: it is part of the transfer's
// memory budget and costs no extra allocation.
#[allow(clippy::large_enum_variant)]
pub enum ModeReader<R> {
    /// Bytes as they are.
    Octet(R),
    /// Translated to netascii while reading.
    Netascii {
        /// The file.
        inner: R,
        /// Encoder state.
        enc: netascii::Encoder,
        /// Raw bytes read but not yet translated.
        buf: [u8; NETASCII_BUF],
        /// Start of untranslated bytes in `buf`.
        start: usize,
        /// End of valid bytes in `buf`.
        end: usize,
    },
}

impl<R: ReadFile> ModeReader<R> {
    /// Wraps `inner` for netascii translation.
    pub fn netascii(inner: R) -> Self {
        ModeReader::Netascii {
            inner,
            enc: netascii::Encoder::new(),
            buf: [0; NETASCII_BUF],
            start: 0,
            end: 0,
        }
    }
}

impl<R: ReadFile> ReadFile for ModeReader<R> {
    fn size(&self) -> Option<u64> {
        match self {
            ModeReader::Octet(r) => r.size(),
            // The wire length differs from the file length (tftp.md §5).
            ModeReader::Netascii { .. } => None,
        }
    }

    fn read(&mut self, out: &mut [u8]) -> Result<usize, ReadError> {
        match self {
            ModeReader::Octet(r) => r.read(out),
            ModeReader::Netascii {
                inner,
                enc,
                buf,
                start,
                end,
            } => {
                let mut written = 0;
                while written < out.len() {
                    if *start >= *end && !enc.has_pending() {
                        let n = inner.read(buf)?;
                        if n == 0 {
                            break;
                        }
                        *start = 0;
                        *end = n.min(buf.len());
                    }
                    let input = buf.get(*start..*end).unwrap_or(&[]);
                    let (r, w) = enc.encode(input, out.get_mut(written..).unwrap_or(&mut []));
                    *start += r;
                    written += w;
                    if r == 0 && w == 0 {
                        break;
                    }
                }
                Ok(written)
            }
        }
    }
}
