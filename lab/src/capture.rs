//! Reading packet captures (pcap and pcapng, through `pcap-file`), slicing
//! their packets (through `etherparse`) and putting TCP byte streams back in
//! order so stream codecs can frame them.
//!
//! Bad packets never stop a file: they are reported as [`Captured::Undecodable`]
//! and reading goes on.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::{Block, PcapNgReader};
use pcap_file::DataLink;

/// A direction of a TCP or UDP conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flow {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
}

impl Flow {
    /// The opposite direction.
    #[must_use]
    pub fn reversed(self) -> Flow {
        Flow {
            src: self.dst,
            dst: self.src,
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}", self.src, self.dst)
    }
}

/// One packet of a capture, as far as the tool cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Captured {
    /// A TCP segment.
    Tcp {
        /// Capture time since the Unix epoch.
        time: Duration,
        /// Direction.
        flow: Flow,
        /// Sequence number of the first payload byte (of the SYN when `syn`).
        seq: u32,
        /// SYN flag.
        syn: bool,
        /// FIN or RST flag.
        fin: bool,
        /// Payload.
        payload: Vec<u8>,
    },
    /// A UDP datagram.
    Udp {
        /// Capture time since the Unix epoch.
        time: Duration,
        /// Direction.
        flow: Flow,
        /// Payload.
        payload: Vec<u8>,
    },
    /// A packet that is neither IPv4/IPv6 TCP nor UDP, or could not be sliced.
    Undecodable {
        /// Capture time since the Unix epoch.
        time: Duration,
        /// Index of the packet in the file, from 1 (as Wireshark counts).
        number: usize,
        /// Why.
        reason: String,
    },
}

/// Reads every packet of a pcap or pcapng file.
///
/// # Errors
/// When the file cannot be read or is neither pcap nor pcapng. Individual bad
/// packets are returned as [`Captured::Undecodable`], not as errors.
pub fn read_file(path: &Path) -> anyhow::Result<Vec<Captured>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .with_context(|| format!("reading {}", path.display()))?;
    read_bytes(&bytes).with_context(|| format!("parsing {}", path.display()))
}

/// Reads every packet of a pcap or pcapng image in memory.
///
/// # Errors
/// When the bytes are neither pcap nor pcapng.
pub fn read_bytes(bytes: &[u8]) -> anyhow::Result<Vec<Captured>> {
    let magic = bytes
        .get(..4)
        .context("file shorter than a capture header")?;
    let mut out = Vec::new();
    if magic == [0x0A, 0x0D, 0x0D, 0x0A] {
        let mut reader = PcapNgReader::new(bytes)?;
        // (link type, timestamp units per second) per interface.
        let mut links: Vec<(DataLink, u64)> = Vec::new();
        let mut number = 0;
        while let Some(block) = reader.next_block() {
            let block = match block {
                Ok(b) => b,
                Err(e) => {
                    out.push(Captured::Undecodable {
                        time: Duration::ZERO,
                        number: number + 1,
                        reason: format!("bad pcapng block: {e}"),
                    });
                    break;
                }
            };
            match block {
                Block::InterfaceDescription(idb) => {
                    let units = idb
                        .options
                        .iter()
                        .find_map(|o| match o {
                            InterfaceDescriptionOption::IfTsResol(r) => Some(ts_units(*r)),
                            _ => None,
                        })
                        .unwrap_or(1_000_000);
                    links.push((idb.linktype, units));
                }
                Block::EnhancedPacket(epb) => {
                    number += 1;
                    let (link, units) = links
                        .get(epb.interface_id as usize)
                        .copied()
                        .unwrap_or((DataLink::ETHERNET, 1_000_000));
                    // pcap-file hands the raw 64-bit timestamp over as nanoseconds;
                    // scale it by the interface's resolution (default microseconds).
                    let raw = u64::try_from(epb.timestamp.as_nanos()).unwrap_or(u64::MAX);
                    let time = Duration::new(
                        raw / units,
                        u32::try_from(
                            (u128::from(raw % units) * 1_000_000_000) / u128::from(units),
                        )
                        .unwrap_or(0),
                    );
                    out.push(slice(link, time, number, &epb.data));
                }
                Block::SimplePacket(spb) => {
                    number += 1;
                    let link = links.first().map_or(DataLink::ETHERNET, |l| l.0);
                    out.push(slice(link, Duration::ZERO, number, &spb.data));
                }
                _ => {}
            }
        }
    } else {
        let mut reader = PcapReader::new(bytes)?;
        let link = reader.header().datalink;
        let mut number = 0;
        while let Some(packet) = reader.next_packet() {
            number += 1;
            match packet {
                Ok(p) => out.push(slice(link, p.timestamp, number, &p.data)),
                Err(e) => {
                    out.push(Captured::Undecodable {
                        time: Duration::ZERO,
                        number,
                        reason: format!("bad pcap record: {e}"),
                    });
                    break;
                }
            }
        }
    }
    Ok(out)
}

/// Timestamp units per second for a pcapng `if_tsresol` value.
fn ts_units(resol: u8) -> u64 {
    let exp = u32::from(resol & 0x7F).min(19);
    if resol & 0x80 == 0 {
        10u64.pow(exp)
    } else {
        1u64.checked_shl(exp.min(63)).unwrap_or(1)
    }
}

fn slice(link: DataLink, time: Duration, number: usize, data: &[u8]) -> Captured {
    let sliced = match link {
        DataLink::ETHERNET => SlicedPacket::from_ethernet(data).map_err(|e| e.to_string()),
        DataLink::RAW | DataLink::IPV4 | DataLink::IPV6 => {
            SlicedPacket::from_ip(data).map_err(|e| e.to_string())
        }
        DataLink::LINUX_SLL => SlicedPacket::from_linux_sll(data).map_err(|e| e.to_string()),
        DataLink::NULL | DataLink::LOOP => match data.get(4..) {
            Some(ip) => SlicedPacket::from_ip(ip).map_err(|e| e.to_string()),
            None => Err("truncated loopback header".to_owned()),
        },
        other => Err(format!("unsupported link type {other:?}")),
    };
    let undecodable = |reason: String| Captured::Undecodable {
        time,
        number,
        reason,
    };
    let sliced = match sliced {
        Ok(s) => s,
        Err(e) => return undecodable(e),
    };
    let (src_ip, dst_ip): (IpAddr, IpAddr) = match &sliced.net {
        Some(NetSlice::Ipv4(ip)) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        Some(NetSlice::Ipv6(ip)) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        None => return undecodable("no IP layer".to_owned()),
    };
    match &sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => Captured::Tcp {
            time,
            flow: Flow {
                src: SocketAddr::new(src_ip, tcp.source_port()),
                dst: SocketAddr::new(dst_ip, tcp.destination_port()),
            },
            seq: tcp.sequence_number(),
            syn: tcp.syn(),
            fin: tcp.fin() || tcp.rst(),
            payload: tcp.payload().to_vec(),
        },
        Some(TransportSlice::Udp(udp)) => Captured::Udp {
            time,
            flow: Flow {
                src: SocketAddr::new(src_ip, udp.source_port()),
                dst: SocketAddr::new(dst_ip, udp.destination_port()),
            },
            payload: udp.payload().to_vec(),
        },
        _ => undecodable("neither TCP nor UDP".to_owned()),
    }
}

/// What a [`TcpReassembler`] hands on for one direction of a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamChunk {
    /// The next in-order bytes, with the capture time of the segment that
    /// completed them.
    Data {
        /// Capture time.
        time: Duration,
        /// The bytes.
        data: Vec<u8>,
    },
    /// Bytes are missing (never captured): the stream resumes after a gap of
    /// `missing` bytes. Stream decoders must resynchronise.
    Gap {
        /// Capture time of the segment after the gap.
        time: Duration,
        /// Number of bytes lost.
        missing: u32,
    },
}

/// Puts TCP segments back in sequence order per direction: drops
/// retransmitted bytes, holds early segments until the gap before them is
/// filled, and gives up on a gap (reporting it) when too much is held.
#[derive(Debug, Default)]
pub struct TcpReassembler {
    flows: HashMap<Flow, FlowState>,
}

#[derive(Debug, Default)]
struct FlowState {
    next: Option<u32>,
    held: BTreeMap<u32, (Duration, Vec<u8>)>,
    held_bytes: usize,
}

/// Most bytes held out of order per direction before a gap is declared.
const MAX_HELD_BYTES: usize = 1 << 20;

impl TcpReassembler {
    /// An empty reassembler.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one segment; returns the chunks now in order for `flow`.
    pub fn push(
        &mut self,
        time: Duration,
        flow: Flow,
        seq: u32,
        syn: bool,
        payload: &[u8],
    ) -> Vec<StreamChunk> {
        let st = self.flows.entry(flow).or_default();
        let mut out = Vec::new();
        let seq = if syn {
            // The SYN consumes one sequence number.
            let first = seq.wrapping_add(1);
            st.next = Some(first);
            first
        } else {
            seq
        };
        if payload.is_empty() {
            return out;
        }
        let next = *st.next.get_or_insert(seq);
        let ahead = seq.wrapping_sub(next) as i32;
        if ahead < 0 {
            // Retransmission, possibly with new bytes at the end.
            let already = ahead.unsigned_abs() as usize;
            if let Some(rest) = payload.get(already..) {
                if !rest.is_empty() {
                    st.next = Some(next.wrapping_add(rest.len() as u32));
                    out.push(StreamChunk::Data {
                        time,
                        data: rest.to_vec(),
                    });
                }
            }
        } else if ahead == 0 {
            st.next = Some(next.wrapping_add(payload.len() as u32));
            out.push(StreamChunk::Data {
                time,
                data: payload.to_vec(),
            });
        } else {
            st.held_bytes += payload.len();
            st.held.entry(seq).or_insert((time, payload.to_vec()));
        }
        Self::drain(st, &mut out);
        if st.held_bytes > MAX_HELD_BYTES {
            if let Some((&first, _)) = st.held.iter().next() {
                let next = st.next.unwrap_or(first);
                out.push(StreamChunk::Gap {
                    time,
                    missing: first.wrapping_sub(next),
                });
                st.next = Some(first);
                Self::drain(st, &mut out);
            }
        }
        out
    }

    fn drain(st: &mut FlowState, out: &mut Vec<StreamChunk>) {
        loop {
            let Some(next) = st.next else { return };
            // Held segments are keyed by absolute sequence number; find any
            // that starts at or before `next` (wrapping-aware scan of the few held).
            let found = st
                .held
                .iter()
                .find(|(&s, _)| (s.wrapping_sub(next) as i32) <= 0)
                .map(|(&s, _)| s);
            let Some(s) = found else { return };
            let Some((time, data)) = st.held.remove(&s) else {
                return;
            };
            st.held_bytes = st.held_bytes.saturating_sub(data.len());
            let skip = next.wrapping_sub(s) as usize;
            if let Some(rest) = data.get(skip..) {
                if !rest.is_empty() {
                    st.next = Some(next.wrapping_add(rest.len() as u32));
                    out.push(StreamChunk::Data {
                        time,
                        data: rest.to_vec(),
                    });
                }
            }
        }
    }

    /// Forgets a direction (after FIN/RST), returning whether anything was
    /// still held out of order.
    pub fn close(&mut self, flow: Flow) -> bool {
        self.flows
            .remove(&flow)
            .is_some_and(|st| !st.held.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> Flow {
        Flow {
            src: "10.0.0.1:1000".parse().unwrap(),
            dst: "10.0.0.2:2000".parse().unwrap(),
        }
    }

    fn data(chunks: &[StreamChunk]) -> Vec<u8> {
        chunks
            .iter()
            .flat_map(|c| match c {
                StreamChunk::Data { data, .. } => data.clone(),
                StreamChunk::Gap { .. } => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn reorders_and_drops_retransmissions() {
        let mut r = TcpReassembler::new();
        let t = Duration::ZERO;
        let mut got = Vec::new();
        got.extend(r.push(t, flow(), u32::MAX - 1, true, b""));
        // next = u32::MAX; wraps after one byte.
        got.extend(r.push(t, flow(), 2, false, b"def"));
        got.extend(r.push(t, flow(), u32::MAX, false, b"abc"));
        got.extend(r.push(t, flow(), u32::MAX, false, b"abc"));
        got.extend(r.push(t, flow(), 4, false, b"fgh"));
        assert_eq!(data(&got), b"abcdefgh");
        assert!(!r.close(flow()));
    }
}
