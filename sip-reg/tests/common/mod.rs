//! Helpers of the interop tests: peer lookup, a clock, free ports, a small
//! std-socket driver for the UserAgent, and a pcap writer for tshark.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::Duration;

use dialtone_core::{ConnId, Instant};
use dialtone_sip_reg::ua::{Event, UserAgent};
use dialtone_sip_reg::{ConnEvent, Peer};

/// Finds a peer binary; `None` prints a skip note, or panics under `CI`.
pub fn require(bin: &str) -> Option<PathBuf> {
    for dir in [
        "/usr/sbin",
        "/usr/bin",
        "/usr/local/bin",
        "/usr/local/sbin",
        "/sbin",
        "/bin",
    ] {
        let p = Path::new(dir).join(bin);
        if p.exists() {
            return Some(p);
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("{bin} is required under CI but missing");
    }
    eprintln!("note: {bin} not installed; skipping this interop test");
    None
}

/// A random free port on 127.0.0.1 for both UDP and TCP.
pub fn free_port() -> u16 {
    let mut seed = std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(7);
    for _ in 0..200 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let port = 20000 + (seed >> 33) as u16 % 40000;
        let udp = UdpSocket::bind(("127.0.0.1", port));
        let tcp = std::net::TcpListener::bind(("127.0.0.1", port));
        if udp.is_ok() && tcp.is_ok() {
            return port;
        }
    }
    panic!("no free port");
}

/// Maps the wall clock onto `dialtone_core::Instant`.
pub struct Clock(pub std::time::Instant);

impl Clock {
    pub fn new() -> Self {
        Clock(std::time::Instant::now())
    }
    pub fn now(&self) -> Instant {
        Instant::from_millis(self.0.elapsed().as_millis() as u64)
    }
}

/// One captured datagram for the pcap.
pub struct Packet {
    pub at: Duration,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub payload: Vec<u8>,
}

/// Writes IPv4/UDP packets as a LINKTYPE_RAW pcap.
pub fn write_pcap(path: &Path, packets: &[Packet]) {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&101u32.to_le_bytes()); // LINKTYPE_RAW
    for (i, p) in packets.iter().enumerate() {
        let (SocketAddr::V4(src), SocketAddr::V4(dst)) = (p.src, p.dst) else {
            continue;
        };
        let udp_len = 8 + p.payload.len();
        let total = 20 + udp_len;
        let mut ip = vec![
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            (i >> 8) as u8,
            i as u8,
            0x40,
            0,
            64,
            17,
            0,
            0,
        ];
        ip.extend_from_slice(&src.ip().octets());
        ip.extend_from_slice(&dst.ip().octets());
        let mut sum: u32 = ip
            .chunks(2)
            .map(|c| u32::from(c[0]) << 8 | u32::from(c[1]))
            .sum();
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        let ck = !(sum as u16);
        ip[10] = (ck >> 8) as u8;
        ip[11] = ck as u8;
        let mut pkt = ip;
        pkt.extend_from_slice(&src.port().to_be_bytes());
        pkt.extend_from_slice(&dst.port().to_be_bytes());
        pkt.extend_from_slice(&(udp_len as u16).to_be_bytes());
        pkt.extend_from_slice(&[0, 0]); // checksum optional over IPv4
        pkt.extend_from_slice(&p.payload);
        out.extend_from_slice(&(p.at.as_secs() as u32).to_le_bytes());
        out.extend_from_slice(&p.at.subsec_micros().to_le_bytes());
        out.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        out.extend_from_slice(&(pkt.len() as u32).to_le_bytes());
        out.extend_from_slice(&pkt);
    }
    std::fs::write(path, out).expect("write pcap");
}

/// tshark's verdict on a pcap: (SIP messages decoded, malformed/error count).
pub fn tshark_check(pcap: &Path, port: u16) -> (usize, usize) {
    let decode = format!("udp.port=={port},sip");
    let out = std::process::Command::new("tshark")
        .args(["-r"])
        .arg(pcap)
        .args([
            "-d",
            &decode,
            "-T",
            "fields",
            "-e",
            "sip.CSeq.method",
            "-e",
            "_ws.malformed",
            "-e",
            "_ws.expert.severity",
        ])
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut sip = 0;
    let mut bad = 0;
    for line in text.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.first().is_some_and(|c| !c.is_empty()) {
            sip += 1;
        }
        let malformed = cols.get(1).is_some_and(|c| !c.is_empty());
        // Expert severity 8388608 = error (PI_ERROR); 6291456 = warning.
        let error = cols.get(2).is_some_and(|c| {
            c.split(',')
                .any(|s| s.trim().parse::<u64>().is_ok_and(|v| v >= 8_388_608))
        });
        if malformed || error {
            eprintln!("tshark flagged: {line}");
            bad += 1;
        }
    }
    (sip, bad)
}

/// Drives one UserAgent over real sockets (§2 loop of the house style).
pub struct Driver {
    pub ua: UserAgent,
    pub udp: UdpSocket,
    pub tcp: HashMap<ConnId, (TcpStream, SocketAddr)>,
    pub clock: Clock,
    pub events: Vec<(Instant, Event)>,
    pub packets: Vec<Packet>,
}

impl Driver {
    pub fn new(ua: UserAgent, udp: UdpSocket, clock: Clock) -> Self {
        udp.set_read_timeout(Some(Duration::from_millis(5)))
            .unwrap();
        Driver {
            ua,
            udp,
            tcp: HashMap::new(),
            clock,
            events: Vec::new(),
            packets: Vec::new(),
        }
    }

    fn local(&self) -> SocketAddr {
        self.udp.local_addr().unwrap()
    }

    /// One turn of the loop: send, handle events, receive or time out.
    pub fn step(&mut self) {
        let mut out = vec![0u8; 65536];
        while let Some(t) = self.ua.poll_transmit(&mut out).unwrap() {
            let bytes = &out[..t.len];
            match t.to {
                Peer::Udp(addr) => {
                    let _ = self.udp.send_to(bytes, addr);
                    self.packets.push(Packet {
                        at: self.clock.0.elapsed(),
                        src: self.local(),
                        dst: addr,
                        payload: bytes.to_vec(),
                    });
                }
                Peer::Tcp(conn) => {
                    if let Some((s, _)) = self.tcp.get_mut(&conn) {
                        let _ = s.write_all(bytes);
                    }
                }
            }
        }
        let now = self.clock.now();
        while let Some(ev) = self.ua.poll_event() {
            match &ev {
                Event::Connect { conn, remote } => {
                    match TcpStream::connect_timeout(remote, Duration::from_secs(2)) {
                        Ok(s) => {
                            s.set_nonblocking(true).unwrap();
                            self.tcp.insert(*conn, (s, *remote));
                            self.ua.handle_conn_event(now, *conn, ConnEvent::Connected);
                        }
                        Err(_) => self.ua.handle_conn_event(now, *conn, ConnEvent::Refused),
                    }
                }
                Event::Close { conn } => {
                    self.tcp.remove(conn);
                }
                Event::Rebind { local_port } => {
                    if let Ok(s) = UdpSocket::bind(("127.0.0.1", *local_port)) {
                        s.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
                        self.udp = s;
                    }
                }
                _ => {}
            }
            eprintln!("{:>8} ms  {ev:?}", now.as_millis());
            self.events.push((now, ev));
        }
        // Receive.
        let mut inb = vec![0u8; 65536];
        match self.udp.recv_from(&mut inb) {
            Ok((n, from)) => {
                self.packets.push(Packet {
                    at: self.clock.0.elapsed(),
                    src: from,
                    dst: self.local(),
                    payload: inb[..n].to_vec(),
                });
                let _ = self
                    .ua
                    .handle_input(self.clock.now(), Peer::Udp(from), &inb[..n]);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => {}
        }
        let ids: Vec<ConnId> = self.tcp.keys().copied().collect();
        for id in ids {
            let mut closed = false;
            let mut got = Vec::new();
            if let Some((s, _)) = self.tcp.get_mut(&id) {
                loop {
                    match s.read(&mut inb) {
                        Ok(0) => {
                            closed = true;
                            break;
                        }
                        Ok(n) => got.extend_from_slice(&inb[..n]),
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(_) => {
                            closed = true;
                            break;
                        }
                    }
                }
            }
            if !got.is_empty() {
                let _ = self.ua.handle_input(self.clock.now(), Peer::Tcp(id), &got);
            }
            if closed {
                self.tcp.remove(&id);
                self.ua
                    .handle_conn_event(self.clock.now(), id, ConnEvent::Closed);
            }
        }
        let now = self.clock.now();
        if self.ua.poll_timeout().is_some_and(|t| t <= now) {
            self.ua.handle_timeout(now);
        }
    }

    /// Steps until `pred` holds for a new event, or panics after `limit`.
    pub fn run_until(
        &mut self,
        limit: Duration,
        what: &str,
        pred: impl Fn(&Event) -> bool,
    ) -> Instant {
        let seen = self.events.len();
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            self.step();
            if let Some((t, _)) = self.events[seen..].iter().find(|(_, e)| pred(e)) {
                return *t;
            }
        }
        for p in &self.packets {
            eprintln!(
                "--- {} -> {}\n{}",
                p.src,
                p.dst,
                String::from_utf8_lossy(&p.payload)
            );
        }
        panic!(
            "timed out waiting for {what}; events: {:?}",
            &self.events[seen..]
        );
    }
}
