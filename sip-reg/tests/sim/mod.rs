//! A deterministic virtual-time network joining one `UserAgent` to
//! registrars, with a NAT, silent servers, UDP-less servers and TCP.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use dialtone_core::{ConnId, Instant};
use dialtone_sip_reg::registrar::{self, Account, MemoryAccounts, Registrar};
use dialtone_sip_reg::ua::{self, UserAgent};
use dialtone_sip_reg::wire::Message;
use dialtone_sip_reg::{ConnEvent, Peer};

pub const UA_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 168, 15, 217));
pub const PUBLIC_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));
pub const NEW_PUBLIC_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 99));

pub fn server(i: u8) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 10 + i)), 5060)
}

/// One message seen on the wire.
#[derive(Debug, Clone)]
pub struct Sent {
    pub at: Instant,
    pub to: SocketAddr,
    pub first_line: String,
    pub text: String,
    pub local_port: u16,
}

impl Sent {
    pub fn is_register(&self) -> bool {
        self.first_line.starts_with("REGISTER")
    }
    pub fn has_auth(&self) -> bool {
        self.text.contains("\r\nAuthorization:")
    }
    pub fn expires(&self) -> Option<u32> {
        Message::parse(self.text.as_bytes()).ok()?.expires()?.ok()
    }
}

pub struct Srv {
    pub addr: SocketAddr,
    pub reg: Registrar,
    pub down: bool,
    pub udp: bool,
    pub tcp: bool,
}

pub struct Net {
    pub now: Instant,
    pub ua: UserAgent,
    pub ua_events: Vec<(Instant, ua::Event)>,
    pub srvs: Vec<Srv>,
    pub reg_events: Vec<(Instant, registrar::Event)>,
    pub sent: Vec<Sent>,
    pub ua_port: u16,
    /// With NAT on, the registrar sees (public ip, mapped port).
    pub nat: bool,
    pub public_ip: IpAddr,
    /// Router bug: packets leave with `stale_ip` for ports mapped before the
    /// change, so answers never come back to them.
    pub stale_ports: HashSet<u16>,
    /// UA-side connection id → server index and connected flag.
    pub conns: HashMap<ConnId, usize>,
    pub ua_rejects: usize,
}

pub fn accounts(users: &[(&str, &str)]) -> MemoryAccounts {
    let mut m = MemoryAccounts::new();
    for (u, p) in users {
        m.insert(u, Account::new(p));
    }
    m
}

pub fn ua_config(servers: &[SocketAddr]) -> ua::Config {
    let mut c = ua::Config::new(servers, "1001", "secret");
    c.local_ip = UA_IP;
    c.local_port = 5062;
    c.domain = Some("example.com".to_string());
    c.instance = Some("<urn:uuid:00000000-0000-0000-0000-001e7ac4d231>".to_string());
    c
}

pub fn registrar_config() -> registrar::Config {
    let mut c = registrar::Config::default();
    c.domain = Some("example.com".to_string());
    c
}

impl Net {
    pub fn new(ua_cfg: ua::Config, reg_cfg: registrar::Config, n_servers: u8) -> Net {
        let now = Instant::ZERO;
        let srvs = (0..n_servers)
            .map(|i| Srv {
                addr: server(i),
                reg: Registrar::new(
                    reg_cfg.clone(),
                    accounts(&[("1001", "secret"), ("1002", "other")]),
                    now,
                    100 + u64::from(i),
                ),
                down: false,
                udp: true,
                tcp: true,
            })
            .collect();
        let port = ua_cfg.local_port;
        let ua = UserAgent::new(ua_cfg, now, 7).expect("valid config");
        let mut net = Net {
            now,
            ua,
            ua_events: Vec::new(),
            srvs,
            reg_events: Vec::new(),
            sent: Vec::new(),
            ua_port: port,
            nat: false,
            public_ip: PUBLIC_IP,
            stale_ports: HashSet::new(),
            conns: HashMap::new(),
            ua_rejects: 0,
        };
        net.pump();
        net
    }

    fn ua_source(&self) -> SocketAddr {
        if self.nat {
            let ip = if self.stale_ports.contains(&self.ua_port) {
                // Packets still leave with the old address: answers are lost.
                IpAddr::V4(Ipv4Addr::new(203, 0, 113, 1))
            } else {
                self.public_ip
            };
            SocketAddr::new(ip, 40000 + (self.ua_port % 10000))
        } else {
            SocketAddr::new(UA_IP, self.ua_port)
        }
    }

    fn deliverable_to_ua(&self, to: SocketAddr) -> bool {
        to == self.ua_source() && !(self.nat && self.stale_ports.contains(&self.ua_port))
    }

    /// Moves every pending transmit and event until nothing moves.
    pub fn pump(&mut self) {
        let mut buf = vec![0u8; 65536];
        for _ in 0..10_000 {
            let mut moved = false;
            while let Some(ev) = self.ua.poll_event() {
                moved = true;
                match &ev {
                    ua::Event::Rebind { local_port } => self.ua_port = *local_port,
                    ua::Event::Connect { conn, remote } => {
                        let idx = self.srvs.iter().position(|s| s.addr == *remote);
                        let ok = idx.is_some_and(|i| !self.srvs[i].down && self.srvs[i].tcp);
                        if let (true, Some(i)) = (ok, idx) {
                            self.conns.insert(*conn, i);
                            self.ua
                                .handle_conn_event(self.now, *conn, ConnEvent::Connected);
                        } else {
                            self.ua
                                .handle_conn_event(self.now, *conn, ConnEvent::Refused);
                        }
                    }
                    ua::Event::Close { conn } => {
                        if let Some(i) = self.conns.remove(conn) {
                            self.srvs[i]
                                .reg
                                .handle_conn_event(self.now, *conn, ConnEvent::Closed);
                        }
                    }
                    _ => {}
                }
                self.ua_events.push((self.now, ev));
            }
            while let Some(t) = self.ua.poll_transmit(&mut buf).expect("64 KiB is enough") {
                moved = true;
                let bytes = buf[..t.len].to_vec();
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let first_line = text.lines().next().unwrap_or("").to_string();
                match t.to {
                    Peer::Udp(addr) => {
                        self.sent.push(Sent {
                            at: self.now,
                            to: addr,
                            first_line,
                            text,
                            local_port: self.ua_port,
                        });
                        let src = self.ua_source();
                        if let Some(s) = self.srvs.iter_mut().find(|s| s.addr == addr) {
                            if !s.down && s.udp {
                                let _ = s.reg.handle_input(self.now, Peer::Udp(src), &bytes);
                            }
                        }
                    }
                    Peer::Tcp(conn) => {
                        let Some(&i) = self.conns.get(&conn) else {
                            continue;
                        };
                        self.sent.push(Sent {
                            at: self.now,
                            to: self.srvs[i].addr,
                            first_line,
                            text,
                            local_port: self.ua_port,
                        });
                        if !self.srvs[i].down {
                            let _ =
                                self.srvs[i]
                                    .reg
                                    .handle_input(self.now, Peer::Tcp(conn), &bytes);
                        }
                    }
                }
            }
            for i in 0..self.srvs.len() {
                while let Some(ev) = self.srvs[i].reg.poll_event() {
                    self.reg_events.push((self.now, ev));
                }
                while let Some(t) = self.srvs[i].reg.poll_transmit(&mut buf).expect("64 KiB") {
                    moved = true;
                    if self.srvs[i].down {
                        continue;
                    }
                    let bytes = buf[..t.len].to_vec();
                    match t.to {
                        Peer::Udp(addr) => {
                            if self.deliverable_to_ua(addr) {
                                let from = Peer::Udp(self.srvs[i].addr);
                                if self.ua.handle_input(self.now, from, &bytes).is_err() {
                                    self.ua_rejects += 1;
                                }
                            }
                        }
                        Peer::Tcp(conn) => {
                            if self.conns.get(&conn) == Some(&i)
                                && self
                                    .ua
                                    .handle_input(self.now, Peer::Tcp(conn), &bytes)
                                    .is_err()
                            {
                                self.ua_rejects += 1;
                            }
                        }
                    }
                }
            }
            if !moved {
                return;
            }
        }
        panic!("network did not settle");
    }

    /// Runs timers until `until`, pumping after each step.
    pub fn run_until(&mut self, until: Instant) {
        for _ in 0..1_000_000 {
            self.pump();
            let next = dialtone_core::earliest(
                std::iter::once(self.ua.poll_timeout())
                    .chain(self.srvs.iter().map(|s| s.reg.poll_timeout())),
            );
            let Some(next) = next.filter(|n| *n <= until) else {
                self.now = until;
                self.pump();
                return;
            };
            assert!(next >= self.now || next == self.now, "deadline in the past");
            self.now = next.max(self.now);
            self.ua.handle_timeout(self.now);
            for s in &mut self.srvs {
                s.reg.handle_timeout(self.now);
            }
            self.pump();
            if let Some(a) = self.ua.poll_timeout() {
                assert!(
                    a > self.now,
                    "UA deadline did not move forward: {a:?} at {:?}",
                    self.now
                );
            }
        }
        panic!("too many steps");
    }

    pub fn advance(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until);
    }

    pub fn registers(&self) -> Vec<Sent> {
        self.sent
            .iter()
            .filter(|s| s.is_register())
            .cloned()
            .collect()
    }

    pub fn is_registered(&self) -> bool {
        matches!(
            self.ua.state(),
            ua::State::Registered | ua::State::Refreshing
        )
    }

    pub fn failures(&self) -> Vec<(Instant, ua::FailureCause)> {
        self.ua_events
            .iter()
            .filter_map(|(t, e)| match e {
                ua::Event::Failed { cause, .. } => Some((*t, *cause)),
                _ => None,
            })
            .collect()
    }

    pub fn bindings(&self, srv: usize) -> Vec<String> {
        self.srvs[srv]
            .reg
            .bindings("1001@example.com", self.now)
            .map(|b| b.contact.clone())
            .collect()
    }
}
