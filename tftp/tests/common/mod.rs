//! A small std-socket driver for the interop tests: runs our client or server
//! machine over real UDP on 127.0.0.1, plus functions that find and start peers.
#![allow(dead_code)]

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dialtone_core::{Instant, Rng};
use dialtone_tftp::client::{self, Client, Event, Failure};
use dialtone_tftp::server::{self, Server};
use dialtone_tftp::source::FileSource;

/// Maps the process clock onto `dialtone_core::Instant`.
pub struct Clock(std::time::Instant);
impl Clock {
    pub fn new() -> Self {
        Clock(std::time::Instant::now())
    }
    pub fn now(&self) -> Instant {
        Instant::from_millis(self.0.elapsed().as_millis() as u64)
    }
}

/// A bound UDP socket with a large receive buffer (windowed transfers at
/// 8192 × 16 are 128 KiB in flight; the default buffer drops some).
pub fn socket(rcvbuf: usize) -> UdpSocket {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
    s.set_recv_buffer_size(rcvbuf).unwrap();
    s.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    s.into()
}

pub struct Got {
    pub data: Vec<u8>,
    pub tsize: Option<u64>,
    pub negotiated: Option<client::Negotiated>,
    pub elapsed: Duration,
    pub timeouts: u32,
}

/// Downloads `name` from `server` with our client; fails after `limit`.
pub fn get(
    server: SocketAddr,
    name: &str,
    cfg: client::Config,
    limit: Duration,
) -> Result<Got, Failure> {
    get_with(server, name, cfg, limit, 4 << 20)
}

/// [`get`] with a chosen socket receive buffer.
pub fn get_with(
    server: SocketAddr,
    name: &str,
    cfg: client::Config,
    limit: Duration,
    rcvbuf: usize,
) -> Result<Got, Failure> {
    let sock = socket(rcvbuf);
    let clock = Clock::new();
    let start = std::time::Instant::now();
    let mut c = Client::read(cfg, server, name, clock.now());
    let mut out = vec![0u8; 65536 + 4];
    let mut inb = vec![0u8; 65536 + 4];
    let mut data = Vec::new();
    let mut tsize = None;
    let mut timeouts = 0;
    let mut result = None;
    loop {
        assert!(
            start.elapsed() < limit,
            "transfer of {name} took longer than {limit:?}"
        );
        while let Some(t) = c.poll_transmit(&mut out).unwrap() {
            sock.send_to(&out[..t.len], t.to).unwrap();
        }
        while let Some(ev) = c.poll_event() {
            match ev {
                Event::Data { offset, data: d } => {
                    assert_eq!(offset, data.len() as u64);
                    data.extend_from_slice(d);
                }
                Event::TransferSize(t) => tsize = Some(t),
                Event::Complete { .. } => result = Some(Ok(())),
                Event::Failed(f) => result = Some(Err(f)),
                _ => {}
            }
        }
        if let Some(r) = result.take() {
            // Keep dallying would only matter for a lost final ACK; flush
            // what is queued and stop.
            while let Some(t) = c.poll_transmit(&mut out).unwrap() {
                sock.send_to(&out[..t.len], t.to).unwrap();
            }
            let negotiated = c.negotiated();
            return r.map(|()| Got {
                data,
                tsize,
                negotiated,
                elapsed: start.elapsed(),
                timeouts,
            });
        }
        let Some(deadline) = c.poll_timeout() else {
            panic!("client idle without result")
        };
        let wait = deadline
            .saturating_since(clock.now())
            .max(Duration::from_millis(1));
        sock.set_read_timeout(Some(wait)).unwrap();
        match sock.recv_from(&mut inb) {
            Ok((n, from)) => {
                let _ = c.handle_input(clock.now(), from, &inb[..n]);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                timeouts += 1;
                c.handle_timeout(clock.now());
            }
            Err(e) => panic!("recv: {e}"),
        }
    }
}

/// Our server on one socket in a background thread.
pub struct Serving {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub fn serve<S: FileSource + Send + 'static>(cfg: server::Config, source: S) -> Serving
where
    S::File: Send,
{
    let sock = socket(4 << 20);
    let addr = sock.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let thread = std::thread::spawn(move || {
        let clock = Clock::new();
        let mut srv = Server::new(cfg, source, clock.now());
        let mut out = vec![0u8; 65536 + 4];
        let mut inb = vec![0u8; 65536 + 4];
        while !stop2.load(Ordering::SeqCst) {
            while let Some(t) = srv.poll_transmit(&mut out).unwrap() {
                let _ = sock.send_to(&out[..t.len], t.to);
            }
            while srv.poll_event().is_some() {}
            let wait = srv
                .poll_timeout()
                .map(|d| d.saturating_since(clock.now()))
                .unwrap_or(Duration::from_millis(50))
                .clamp(Duration::from_millis(1), Duration::from_millis(50));
            sock.set_read_timeout(Some(wait)).unwrap();
            match sock.recv_from(&mut inb) {
                Ok((n, from)) => {
                    let _ = srv.handle_input(clock.now(), from, &inb[..n]);
                }
                Err(_) => srv.handle_timeout(clock.now()),
            }
        }
    });
    Serving {
        addr,
        stop,
        thread: Some(thread),
    }
}

/// A binary of a peer, or `None` (with a note) when it is missing and `CI`
/// is not set. Under `CI` a missing peer fails the test.
pub fn peer(name: &str, candidates: &[PathBuf]) -> Option<PathBuf> {
    for c in candidates {
        if c.is_file() {
            return Some(c.clone());
        }
    }
    if let Ok(p) = which(name) {
        return Some(p);
    }
    if std::env::var_os("CI").is_some() {
        panic!("peer {name} is missing (CI is set)");
    }
    eprintln!("note: peer {name} not installed; skipping");
    None
}

fn which(name: &str) -> Result<PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    for dir in
        std::env::split_paths(&path).chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
    {
        let p = dir.join(name);
        if p.is_file() {
            return Ok(p);
        }
    }
    Err(())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh world-readable temporary folder (removed on drop).
pub struct TempDir(pub PathBuf);
impl TempDir {
    pub fn new(tag: &str) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let p =
            std::env::temp_dir().join(format!("dialtone-tftp-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o777)).unwrap();
        TempDir(p)
    }
    pub fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, data).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        p
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A free UDP port on 127.0.0.1 (bound and released).
pub fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed on drop.
pub struct Proc(pub Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn spawn(bin: &Path, args: &[&str]) -> Proc {
    let child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
    std::thread::sleep(Duration::from_millis(300));
    Proc(child)
}

/// Deterministic pseudo-random content.
pub fn blob(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0u8; len];
    Rng::new(seed).fill_bytes(&mut v);
    v
}

pub fn sha256(data: &[u8]) -> String {
    use std::io::Write;
    let mut c = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(data).unwrap();
    let out = c.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string()
}

pub const XML: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/sep.cnf.xml"
));

pub fn opts(blksize: Option<u16>, windowsize: Option<u16>, tsize: bool) -> client::Config {
    let mut c = client::Config::default();
    c.blksize = blksize;
    c.windowsize = windowsize;
    c.tsize = tsize;
    c
}

/// Uploads `data` as `name` to `server` with our client.
pub fn put(
    server: SocketAddr,
    name: &str,
    data: &[u8],
    cfg: client::Config,
    limit: Duration,
) -> Result<(), Failure> {
    let sock = socket(4 << 20);
    let clock = Clock::new();
    let start = std::time::Instant::now();
    let mut c = Client::write(
        cfg,
        server,
        name,
        bytes::Bytes::copy_from_slice(data),
        clock.now(),
    );
    let mut out = vec![0u8; 65536 + 4];
    let mut inb = vec![0u8; 65536 + 4];
    loop {
        assert!(
            start.elapsed() < limit,
            "upload of {name} took longer than {limit:?}"
        );
        while let Some(t) = c.poll_transmit(&mut out).unwrap() {
            sock.send_to(&out[..t.len], t.to).unwrap();
        }
        while let Some(ev) = c.poll_event() {
            match ev {
                Event::Complete { .. } => return Ok(()),
                Event::Failed(f) => return Err(f),
                _ => {}
            }
        }
        let Some(deadline) = c.poll_timeout() else {
            panic!("client idle without result")
        };
        let wait = deadline
            .saturating_since(clock.now())
            .max(Duration::from_millis(1));
        sock.set_read_timeout(Some(wait)).unwrap();
        match sock.recv_from(&mut inb) {
            Ok((n, from)) => {
                let _ = c.handle_input(clock.now(), from, &inb[..n]);
            }
            Err(_) => c.handle_timeout(clock.now()),
        }
    }
}
