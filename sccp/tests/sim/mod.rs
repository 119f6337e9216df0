//! Deterministic simulation: N stations, M registrars, a virtual network
//! with latency, loss, partitions and kills, all in virtual time.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use dialtone_core::{ConnId, Instant, Rng};
use dialtone_sccp::registrar::{self, DeviceName, DeviceRecord, MemoryStore, Registrar};
use dialtone_sccp::station::{self, Station};
use dialtone_sccp::DeviceType;

pub const SEED: u64 = 0x5ccb_0001;

/// What a registrar node is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Up,
    /// Process alive, answers nothing (TCP still accepts).
    Hung,
    /// Unreachable: every packet to or from it is lost.
    Partitioned,
    /// Process gone: connections reset, connects refused.
    Down,
}

#[derive(Debug)]
enum Delivery {
    ToRegistrar {
        m: usize,
        rconn: u32,
        bytes: Vec<u8>,
    },
    ToStation {
        s: usize,
        sconn: u32,
        bytes: Vec<u8>,
    },
    StationConn {
        s: usize,
        sconn: u32,
        ev: station::ConnEvent,
    },
    RegistrarConn {
        m: usize,
        rconn: u32,
        ev: registrar::ConnEvent,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Station(usize),
    Registrar(usize),
}

#[derive(Debug, Clone, Copy)]
struct Link {
    m: usize,
    rconn: u32,
}

/// Which messages the network drops (on top of partitions).
/// Arguments: rng, direction, station index, whether the link is the
/// station's active one, message id.
pub type DropFn = Box<dyn FnMut(&mut Rng, Dir, usize, bool, u32) -> bool>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    ToRegistrar,
    ToStation,
}

pub struct Net {
    pub now: Instant,
    pub stations: Vec<Station>,
    pub registrars: Vec<Option<Registrar>>,
    pub nodes: Vec<Node>,
    reg_configs: Vec<registrar::Config>,
    stores: Vec<MemoryStore>,
    pub addrs: Vec<SocketAddr>,
    links: HashMap<(usize, u32), Link>,
    rev: HashMap<(usize, u32), (usize, u32)>,
    queue: BinaryHeap<Reverse<(Instant, u64)>>,
    pending: HashMap<u64, Delivery>,
    seq: u64,
    timers: BinaryHeap<Reverse<(Instant, Who)>>,
    station_due: Vec<Option<Instant>>,
    registrar_due: Vec<Option<Instant>>,
    pub latency: Duration,
    next_rconn: u32,
    rng: Rng,
    pub drop: Option<DropFn>,
    pub station_events: Vec<(Instant, usize, station::Event)>,
    pub registrar_events: Vec<(Instant, usize, registrar::Event)>,
    /// device -> number of Up registrars holding a registration for it.
    holders: HashMap<DeviceName, Vec<usize>>,
    pub double_registrations: u64,
    pub input_errors: u64,
    /// Stations whose network link is down: nothing they send leaves, no
    /// connection opens, and their closes reach nobody.
    pub offline: Vec<bool>,
    out: Vec<u8>,
}

pub fn mac_of(i: usize) -> [u8; 6] {
    let b = (i as u32).to_be_bytes();
    [0x00, 0x1e, b[0], b[1], b[2], b[3]]
}

pub fn name_of(i: usize) -> DeviceName {
    DeviceName::from_mac(mac_of(i))
}

pub fn station_config(i: usize, cms: &[SocketAddr]) -> station::Config {
    let mut c = station::Config::new(mac_of(i), cms.to_vec());
    c.device_type = DeviceType::Cisco7960;
    c.station_ip = Ipv4Addr::new(10, 1, (i >> 8) as u8, i as u8);
    c.retry_after = Some(Duration::from_secs(10));
    c
}

pub fn store_for(n: usize) -> MemoryStore {
    let mut s = MemoryStore::new();
    for i in 0..n {
        s.insert(
            name_of(i),
            DeviceRecord::new(DeviceType::Cisco7960, vec![format!("{}", 1000 + i)]),
        );
    }
    s
}

impl Net {
    /// `m` registrars sharing a store of devices 0..n, no stations yet.
    pub fn new(m: usize, store: MemoryStore, config: registrar::Config) -> Net {
        let addrs: Vec<SocketAddr> = (0..m)
            .map(|i| SocketAddr::from(([10, 0, 0, i as u8 + 1], 2000)))
            .collect();
        let mut net = Net {
            now: Instant::ZERO,
            stations: Vec::new(),
            registrars: Vec::new(),
            nodes: vec![Node::Up; m],
            reg_configs: vec![config; m],
            stores: vec![store; m],
            addrs,
            links: HashMap::new(),
            rev: HashMap::new(),
            queue: BinaryHeap::new(),
            pending: HashMap::new(),
            seq: 0,
            timers: BinaryHeap::new(),
            station_due: Vec::new(),
            registrar_due: vec![None; m],
            latency: Duration::from_millis(1),
            next_rconn: 1,
            rng: Rng::new(SEED),
            drop: None,
            station_events: Vec::new(),
            registrar_events: Vec::new(),
            holders: HashMap::new(),
            double_registrations: 0,
            input_errors: 0,
            offline: Vec::new(),
            out: vec![0; 2048],
        };
        for i in 0..m {
            let r = Registrar::new(net.reg_configs[i].clone(), net.stores[i].clone(), net.now);
            net.registrars.push(Some(r));
        }
        net
    }

    /// Standard: `m` registrars knowing devices 0..n, n stations.
    pub fn standard(m: usize, n: usize) -> Net {
        let mut net = Net::new(m, store_for(n), registrar::Config::default());
        net.add_stations(n, station_config);
        net
    }

    pub fn add_stations(
        &mut self,
        n: usize,
        mut cfg: impl FnMut(usize, &[SocketAddr]) -> station::Config,
    ) {
        for _ in 0..n {
            let i = self.stations.len();
            let c = cfg(i, &self.addrs);
            let st = Station::new(c, self.now, SEED ^ (i as u64).wrapping_mul(0x9E37));
            self.stations.push(st);
            self.station_due.push(None);
            self.offline.push(false);
            self.after_station(i);
        }
    }

    fn schedule(&mut self, at: Instant, d: Delivery) {
        self.seq += 1;
        self.pending.insert(self.seq, d);
        self.queue.push(Reverse((at, self.seq)));
    }

    fn reachable(&self, m: usize) -> bool {
        matches!(self.nodes[m], Node::Up | Node::Hung)
    }

    fn after_station(&mut self, s: usize) {
        while let Ok(Some(t)) = self.stations[s].poll_transmit(&mut self.out) {
            let bytes = self.out[..t.len].to_vec();
            let Some(link) = self.links.get(&(s, t.to.0)).copied() else {
                continue;
            };
            if !self.reachable(link.m) || self.offline[s] {
                continue;
            }
            let id = msg_id(&bytes);
            let active = self.stations[s].active_cm() == Some(link.m);
            if let Some(f) = self.drop.as_mut() {
                if f(&mut self.rng, Dir::ToRegistrar, s, active, id) {
                    continue;
                }
            }
            let at = self.now + self.latency;
            self.schedule(
                at,
                Delivery::ToRegistrar {
                    m: link.m,
                    rconn: link.rconn,
                    bytes,
                },
            );
        }
        while let Some(ev) = self.stations[s].poll_event() {
            match ev {
                station::Event::Connect { .. } if self.offline[s] => {}
                station::Event::Connect { conn, cm, .. } => {
                    let m = cm;
                    match self.nodes.get(m).copied() {
                        Some(Node::Up | Node::Hung) => {
                            let rconn = self.next_rconn;
                            self.next_rconn += 1;
                            self.links.insert((s, conn.0), Link { m, rconn });
                            self.rev.insert((m, rconn), (s, conn.0));
                            let t1 = self.now + self.latency;
                            let t2 = self.now + self.latency * 2;
                            self.schedule(
                                t1,
                                Delivery::RegistrarConn {
                                    m,
                                    rconn,
                                    ev: registrar::ConnEvent::Connected,
                                },
                            );
                            self.schedule(
                                t2,
                                Delivery::StationConn {
                                    s,
                                    sconn: conn.0,
                                    ev: station::ConnEvent::Connected,
                                },
                            );
                        }
                        Some(Node::Down) | None => {
                            let t2 = self.now + self.latency * 2;
                            self.schedule(
                                t2,
                                Delivery::StationConn {
                                    s,
                                    sconn: conn.0,
                                    ev: station::ConnEvent::Refused,
                                },
                            );
                        }
                        Some(Node::Partitioned) => {}
                    }
                }
                station::Event::Close { conn } => {
                    if let Some(link) = self.links.remove(&(s, conn.0)) {
                        self.rev.remove(&(link.m, link.rconn));
                        if self.reachable(link.m) && !self.offline[s] {
                            let at = self.now + self.latency;
                            self.schedule(
                                at,
                                Delivery::RegistrarConn {
                                    m: link.m,
                                    rconn: link.rconn,
                                    ev: registrar::ConnEvent::Closed,
                                },
                            );
                        }
                    }
                }
                other => self.station_events.push((self.now, s, other)),
            }
        }
        let due = self.stations[s].poll_timeout();
        if due != self.station_due[s] {
            self.station_due[s] = due;
            if let Some(d) = due {
                self.timers.push(Reverse((d, Who::Station(s))));
            }
        }
    }

    pub fn after_registrar(&mut self, m: usize) {
        let Some(r) = self.registrars[m].as_mut() else {
            return;
        };
        while let Ok(Some(t)) = r.poll_transmit(&mut self.out) {
            let bytes = self.out[..t.len].to_vec();
            let Some(&(s, sconn)) = self.rev.get(&(m, t.to.0)) else {
                continue;
            };
            if self.nodes[m] != Node::Up {
                continue;
            }
            let id = msg_id(&bytes);
            let active = self.stations.get(s).and_then(Station::active_cm) == Some(m);
            if let Some(f) = self.drop.as_mut() {
                if f(&mut self.rng, Dir::ToStation, s, active, id) {
                    continue;
                }
            }
            let at = self.now + self.latency;
            self.seq += 1;
            self.pending
                .insert(self.seq, Delivery::ToStation { s, sconn, bytes });
            self.queue.push(Reverse((at, self.seq)));
        }
        let mut evs = Vec::new();
        while let Some(ev) = r.poll_event() {
            evs.push(ev);
        }
        let due = r.poll_timeout();
        for ev in evs {
            match &ev {
                registrar::Event::Close { conn } => {
                    if let Some((s, sconn)) = self.rev.remove(&(m, conn.0)) {
                        // The link goes when the FIN arrives (bytes sent
                        // before it still reach the station).
                        if self.nodes[m] != Node::Up {
                            continue;
                        }
                        let at = self.now + self.latency;
                        self.schedule(
                            at,
                            Delivery::StationConn {
                                s,
                                sconn,
                                ev: station::ConnEvent::Closed,
                            },
                        );
                    }
                }
                registrar::Event::Registered { device, .. } => {
                    let h = self.holders.entry(*device).or_default();
                    h.push(m);
                    let live = h.iter().filter(|&&x| self.nodes[x] == Node::Up).count();
                    if live > 1 {
                        self.double_registrations += 1;
                    }
                }
                registrar::Event::Unregistered { device, .. } => {
                    if let Some(h) = self.holders.get_mut(device) {
                        if let Some(p) = h.iter().position(|&x| x == m) {
                            h.swap_remove(p);
                        }
                    }
                }
                _ => {}
            }
            self.registrar_events.push((self.now, m, ev));
        }
        if due != self.registrar_due[m] {
            self.registrar_due[m] = due;
            if let Some(d) = due {
                self.timers.push(Reverse((d, Who::Registrar(m))));
            }
        }
    }

    /// Processes everything due at or before `until`; time ends at `until`.
    pub fn run_until(&mut self, until: Instant) {
        loop {
            let next_q = self.queue.peek().map(|Reverse((t, _))| *t);
            let next_t = self.timers.peek().map(|Reverse((t, _))| *t);
            let next = match (next_q, next_t) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => break,
            };
            if next > until {
                break;
            }
            self.now = self.now.max(next);
            if next_q == Some(next) {
                let Some(Reverse((_, seq))) = self.queue.pop() else {
                    break;
                };
                if let Some(d) = self.pending.remove(&seq) {
                    self.deliver(d);
                }
            } else {
                let Some(Reverse((t, who))) = self.timers.pop() else {
                    break;
                };
                match who {
                    Who::Station(s) => {
                        if self.station_due[s] == Some(t) {
                            self.station_due[s] = None;
                            self.stations[s].handle_timeout(self.now);
                            self.after_station(s);
                        }
                    }
                    Who::Registrar(m) => {
                        if self.registrar_due[m] == Some(t) && self.nodes[m] != Node::Hung {
                            self.registrar_due[m] = None;
                            if let Some(r) = self.registrars[m].as_mut() {
                                r.handle_timeout(self.now);
                            }
                            self.after_registrar(m);
                        }
                    }
                }
            }
        }
        self.now = self.now.max(until);
    }

    pub fn advance(&mut self, d: Duration) {
        let t = self.now + d;
        self.run_until(t);
    }

    /// Runs in `step`s until `pred` holds or `limit` passes; returns the time
    /// `pred` first held.
    pub fn run_until_pred(
        &mut self,
        limit: Duration,
        step: Duration,
        mut pred: impl FnMut(&Net) -> bool,
    ) -> Option<Instant> {
        let end = self.now + limit;
        loop {
            if pred(self) {
                return Some(self.now);
            }
            if self.now >= end {
                return None;
            }
            let t = (self.now + step).min(end);
            self.run_until(t);
        }
    }

    fn deliver(&mut self, d: Delivery) {
        match d {
            Delivery::ToRegistrar { m, rconn, bytes } => {
                if self.nodes[m] != Node::Up || !self.rev.contains_key(&(m, rconn)) {
                    return;
                }
                if let Some(r) = self.registrars[m].as_mut() {
                    let _ = r.handle_input(self.now, ConnId(rconn), &bytes);
                }
                self.after_registrar(m);
            }
            Delivery::ToStation { s, sconn, bytes } => {
                if !self.links.contains_key(&(s, sconn)) {
                    return;
                }
                if let Err(e) = self.stations[s].handle_input(self.now, ConnId(sconn), &bytes) {
                    if !matches!(e, station::InputError::Unexpected { .. }) {
                        self.input_errors += 1;
                    }
                }
                self.after_station(s);
            }
            Delivery::StationConn { s, sconn, ev } => {
                if ev == station::ConnEvent::Connected && !self.links.contains_key(&(s, sconn)) {
                    return;
                }
                if ev != station::ConnEvent::Connected {
                    self.links.remove(&(s, sconn));
                }
                self.stations[s].handle_conn_event(self.now, ConnId(sconn), ev);
                self.after_station(s);
            }
            Delivery::RegistrarConn { m, rconn, ev } => {
                if self.nodes[m] == Node::Down {
                    return;
                }
                if self.nodes[m] == Node::Hung && ev == registrar::ConnEvent::Closed {
                    return;
                }
                if let Some(r) = self.registrars[m].as_mut() {
                    r.handle_conn_event(self.now, ConnId(rconn), ev);
                }
                self.after_registrar(m);
            }
        }
    }

    /// The registrar process dies: its connections reset, connects refused.
    /// Station `s`'s owner reports a call starting or ending now.
    pub fn set_call_active(&mut self, s: usize, active: bool) {
        let now = self.now;
        if let Some(st) = self.stations.get_mut(s) {
            st.set_call_active(now, active);
            self.after_station(s);
        }
    }

    /// Station `s`'s network link goes down (`up == false`) or comes back.
    /// While down the registrars keep their side of its connections (they
    /// learn nothing) and answers to it are lost.
    pub fn set_link(&mut self, s: usize, up: bool) {
        let now = self.now;
        if up {
            self.offline[s] = false;
            self.stations[s].handle_link_up(now);
        } else {
            self.offline[s] = true;
            self.stations[s].handle_link_down(now);
        }
        self.after_station(s);
        if !up {
            // The registrar side of the old links stays open; forget the
            // routing so its answers go nowhere.
            self.rev.retain(|_, v| v.0 != s);
        }
    }

    pub fn kill(&mut self, m: usize) {
        self.nodes[m] = Node::Down;
        self.registrars[m] = None;
        self.registrar_due[m] = None;
        for h in self.holders.values_mut() {
            h.retain(|&x| x != m);
        }
        let conns: Vec<(u32, (usize, u32))> = self
            .rev
            .iter()
            .filter(|((mm, _), _)| *mm == m)
            .map(|((_, r), v)| (*r, *v))
            .collect();
        for (rconn, (s, sconn)) in conns {
            self.rev.remove(&(m, rconn));
            self.links.remove(&(s, sconn));
            let at = self.now + self.latency;
            self.schedule(
                at,
                Delivery::StationConn {
                    s,
                    sconn,
                    ev: station::ConnEvent::Closed,
                },
            );
        }
    }

    /// A fresh registrar process on node `m` (empty connection state, same store).
    pub fn restart(&mut self, m: usize) {
        if self.nodes[m] != Node::Down {
            self.kill(m);
        }
        self.nodes[m] = Node::Up;
        let r = Registrar::new(
            self.reg_configs[m].clone(),
            self.stores[m].clone(),
            self.now,
        );
        self.registrars[m] = Some(r);
        self.after_registrar(m);
    }

    pub fn hang(&mut self, m: usize) {
        self.nodes[m] = Node::Hung;
    }

    pub fn partition(&mut self, m: usize) {
        self.nodes[m] = Node::Partitioned;
        for h in self.holders.values_mut() {
            h.retain(|&x| x != m);
        }
    }

    pub fn heal(&mut self, m: usize) {
        self.nodes[m] = Node::Up;
    }

    /// Feeds raw bytes to registrar `m` on a connection of its own.
    pub fn inject(
        &mut self,
        m: usize,
        rconn: u32,
        bytes: &[u8],
    ) -> Result<(), registrar::InputError> {
        let now = self.now;
        let r = self.registrars[m].as_mut().expect("registrar up");
        let res = r.handle_input(now, ConnId(rconn), bytes);
        self.after_registrar(m);
        res
    }

    pub fn registrar(&self, m: usize) -> &Registrar {
        self.registrars[m].as_ref().expect("registrar up")
    }

    pub fn count_on(&self, cm: usize) -> usize {
        self.stations
            .iter()
            .filter(|s| s.active_cm() == Some(cm))
            .count()
    }

    pub fn all_on(&self, cm: usize) -> bool {
        self.stations.iter().all(|s| s.active_cm() == Some(cm))
    }
}

pub fn msg_id(bytes: &[u8]) -> u32 {
    match bytes.get(8..12) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => u32::MAX,
    }
}
