//! `dialtone tftp`: a TFTP server over a directory and a TFTP client, both
//! driving the Sans-IO machines of `dialtone-tftp` over real UDP.
//!
//! The server answers every transfer from its listening socket (clients
//! learn the server's transfer id from the first reply, RFC 1350 §4), so one
//! socket and one thread serve thousands of phones.

use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Subcommand;
use dialtone_tftp::client::{self, Client, Event};
use dialtone_tftp::server::{self, Server};
use dialtone_tftp::source::{FileSource, NoWrites, OpenError, ReadError, ReadFile};

use crate::clock::Clock;

/// `dialtone tftp ...`
#[derive(Debug, Subcommand)]
pub enum TftpCommand {
    /// Serve the files of a directory (read-only; names matched
    /// case-insensitively, a leading `/` is relative to the root).
    Serve {
        /// The directory to serve.
        #[arg(long)]
        root: PathBuf,
        /// Address to listen on, e.g. 0.0.0.0:69 or 127.0.0.1:6969.
        #[arg(long)]
        listen: SocketAddr,
        /// Concurrent transfers; further requests are dropped until one ends.
        #[arg(long, default_value_t = 1024)]
        max_transfers: usize,
    },
    /// Download FILE from the server at ADDR.
    Get {
        /// Server address, e.g. 10.10.10.11:69.
        addr: SocketAddr,
        /// Name of the file on the server.
        file: String,
        /// Where to write it (default: the file name in the current folder).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Block size to propose (RFC 2348).
        #[arg(long)]
        blksize: Option<u16>,
        /// Window size to propose (RFC 7440).
        #[arg(long)]
        windowsize: Option<u16>,
    },
}

/// Runs a `dialtone tftp` subcommand.
///
/// # Errors
/// Socket, file and transfer errors.
pub fn run(cmd: TftpCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TftpCommand::Serve {
            root,
            listen,
            max_transfers,
        } => {
            let source = DirSource::new(&root)?;
            let mut config = server::Config::default();
            config.max_transfers = max_transfers;
            serve(listen, source, config, &AtomicBool::new(false), |line| {
                eprintln!("{line}")
            })?;
            Ok(ExitCode::SUCCESS)
        }
        TftpCommand::Get {
            addr,
            file,
            output,
            blksize,
            windowsize,
        } => {
            let out_path = output.unwrap_or_else(|| {
                PathBuf::from(
                    Path::new(file.trim_start_matches('/'))
                        .file_name()
                        .unwrap_or_default(),
                )
            });
            let mut out = std::io::BufWriter::new(
                File::create(&out_path)
                    .with_context(|| format!("create {}", out_path.display()))?,
            );
            let mut config = client::Config::default();
            config.blksize = blksize;
            config.windowsize = windowsize;
            config.tsize = true;
            let progress = std::io::stderr().is_terminal();
            let n = match get(addr, &file, config, &mut out, progress) {
                Ok(n) => n,
                Err(e) => {
                    drop(out);
                    let _ = std::fs::remove_file(&out_path);
                    return Err(e);
                }
            };
            out.flush()?;
            if progress {
                eprintln!("{n} bytes written to {}", out_path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A directory served read-only. Names are looked up component by
/// component, case-insensitively (an exact match wins); the result must stay
/// inside the root after resolving links.
#[derive(Debug, Clone)]
pub struct DirSource {
    root: PathBuf,
}

impl DirSource {
    /// Serves `root`.
    ///
    /// # Errors
    /// When `root` is not a readable directory.
    pub fn new(root: &Path) -> anyhow::Result<Self> {
        let root = root
            .canonicalize()
            .with_context(|| format!("root {}", root.display()))?;
        if !root.is_dir() {
            bail!("{} is not a directory", root.display());
        }
        Ok(DirSource { root })
    }

    fn resolve(&self, name: &str) -> Result<PathBuf, OpenError> {
        let mut path = self.root.clone();
        for part in Path::new(name).components() {
            let Component::Normal(part) = part else {
                return Err(OpenError::AccessDenied);
            };
            let exact = path.join(part);
            if exact.exists() {
                path = exact;
                continue;
            }
            let want = part.to_string_lossy();
            let found = std::fs::read_dir(&path)
                .map_err(|_| OpenError::NotFound)?
                .flatten()
                .find(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(&want))
                .ok_or(OpenError::NotFound)?;
            path = found.path();
        }
        let real = path.canonicalize().map_err(|_| OpenError::NotFound)?;
        if !real.starts_with(&self.root) {
            return Err(OpenError::AccessDenied);
        }
        Ok(real)
    }
}

/// An open file of a [`DirSource`].
#[derive(Debug)]
pub struct DirFile {
    file: File,
    size: u64,
}

impl ReadFile for DirFile {
    fn size(&self) -> Option<u64> {
        Some(self.size)
    }
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ReadError> {
        self.file.read(buf).map_err(|_| ReadError)
    }
}

impl FileSource for DirSource {
    type File = DirFile;
    type Sink = NoWrites;
    fn open(&mut self, name: &str) -> Result<DirFile, OpenError> {
        let path = self.resolve(name)?;
        let meta = std::fs::metadata(&path).map_err(|_| OpenError::NotFound)?;
        if !meta.is_file() {
            return Err(OpenError::NotFound);
        }
        let file = File::open(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => OpenError::AccessDenied,
            _ => OpenError::Other,
        })?;
        Ok(DirFile {
            file,
            size: meta.len(),
        })
    }
}

/// A UDP socket with a large receive buffer (a 16-block window of 8 KiB
/// blocks is 128 KiB in flight).
fn bind(addr: SocketAddr) -> anyhow::Result<UdpSocket> {
    let domain = if addr.is_ipv4() {
        socket2::Domain::IPV4
    } else {
        socket2::Domain::IPV6
    };
    let s = socket2::Socket::new(domain, socket2::Type::DGRAM, None)?;
    // Best effort: the kernel caps it at net.core.rmem_max.
    let _ = s.set_recv_buffer_size(4 << 20);
    s.bind(&addr.into())
        .with_context(|| format!("bind {addr}"))?;
    Ok(s.into())
}

/// Longest single wait; waking early only costs a harmless `handle_timeout`.
const MAX_WAIT: Duration = Duration::from_millis(50);

/// The socket's read timeout, changed only when it must (one system call
/// fewer per datagram on a busy transfer).
#[derive(Default)]
struct ReadTimeout(Option<Duration>);

impl ReadTimeout {
    fn set(&mut self, sock: &UdpSocket, wait: Duration) -> std::io::Result<()> {
        if self.0 != Some(wait) {
            sock.set_read_timeout(Some(wait))?;
            self.0 = Some(wait);
        }
        Ok(())
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// Runs a TFTP server on `listen` until `stop` is set; `log` receives one
/// line per transfer event.
///
/// # Errors
/// Socket errors.
pub fn serve<S: FileSource>(
    listen: SocketAddr,
    source: S,
    config: server::Config,
    stop: &AtomicBool,
    mut log: impl FnMut(String),
) -> anyhow::Result<()> {
    let sock = bind(listen)?;
    log(format!("tftp: serving on {}", sock.local_addr()?));
    let clock = Clock::new();
    let mut srv = Server::new(config, source, clock.now());
    let mut timeout = ReadTimeout::default();
    let mut out = vec![0u8; 65536 + 4];
    let mut inb = vec![0u8; 65536 + 4];
    while !stop.load(Ordering::Relaxed) {
        while let Some(t) = srv.poll_transmit(&mut out)? {
            if let Err(e) = sock.send_to(&out[..t.len], t.to) {
                log(format!("tftp: send to {}: {e}", t.to));
            }
        }
        while let Some(ev) = srv.poll_event() {
            log(format!("tftp: {ev:?}"));
        }
        let wait = srv
            .poll_timeout()
            .map_or(MAX_WAIT, |d| clock.until(d))
            .clamp(Duration::from_millis(1), MAX_WAIT);
        timeout.set(&sock, wait)?;
        match sock.recv_from(&mut inb) {
            Ok((n, from)) => {
                let _ = srv.handle_input(clock.now(), from, &inb[..n]);
            }
            Err(e) if is_timeout(&e) => srv.handle_timeout(clock.now()),
            // ICMP errors surface here on some systems; keep serving.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Downloads `file` from `server` into `out`; shows a progress line on
/// stderr when `progress`. Returns the number of bytes written.
///
/// # Errors
/// Socket errors, and the transfer's failure (ERROR from the server,
/// timeout).
pub fn get(
    server: SocketAddr,
    file: &str,
    config: client::Config,
    out: &mut impl Write,
    progress: bool,
) -> anyhow::Result<u64> {
    let local: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0".parse()?
    } else {
        "[::]:0".parse()?
    };
    let sock = bind(local)?;
    let clock = Clock::new();
    let mut c = Client::read(config, server, file, clock.now());
    let mut timeout = ReadTimeout::default();
    let mut obuf = vec![0u8; 65536 + 4];
    let mut inb = vec![0u8; 65536 + 4];
    let mut total = None;
    let mut written = 0u64;
    let mut last_shown = 0u64;
    loop {
        while let Some(t) = c.poll_transmit(&mut obuf)? {
            sock.send_to(&obuf[..t.len], t.to)?;
        }
        let mut done = None;
        while let Some(ev) = c.poll_event() {
            match ev {
                Event::TransferSize(t) => total = Some(t),
                Event::Data { data, .. } => {
                    out.write_all(data)?;
                    written += data.len() as u64;
                }
                Event::Complete { size } => done = Some(Ok(size)),
                Event::Failed(f) => done = Some(Err(f)),
                _ => {}
            }
        }
        if progress && (written - last_shown >= 1 << 20 || done.is_some()) {
            last_shown = written;
            match total {
                Some(t) if t > 0 => eprint!(
                    "\r{file}: {written} / {t} bytes ({}%)",
                    written.saturating_mul(100) / t
                ),
                _ => eprint!("\r{file}: {written} bytes"),
            }
            if done.is_some() {
                eprintln!();
            }
        }
        match done {
            Some(Ok(size)) => {
                // Flush the final ACK; the dally only matters when it is lost,
                // and the server then times out on its own.
                while let Some(t) = c.poll_transmit(&mut obuf)? {
                    sock.send_to(&obuf[..t.len], t.to)?;
                }
                return Ok(size);
            }
            Some(Err(f)) => {
                while let Some(t) = c.poll_transmit(&mut obuf)? {
                    sock.send_to(&obuf[..t.len], t.to)?;
                }
                bail!("{file}: {f:?}");
            }
            None => {}
        }
        let Some(deadline) = c.poll_timeout() else {
            bail!("{file}: client stopped without a result");
        };
        let wait = clock
            .until(deadline)
            .clamp(Duration::from_millis(1), MAX_WAIT);
        timeout.set(&sock, wait)?;
        match sock.recv_from(&mut inb) {
            Ok((n, from)) => {
                let _ = c.handle_input(clock.now(), from, &inb[..n]);
            }
            Err(e) if is_timeout(&e) => c.handle_timeout(clock.now()),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
            Err(e) => return Err(e.into()),
        }
    }
}
