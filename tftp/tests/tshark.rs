//! tshark reads a transfer between our client and server (written to a pcap
//! by this test) without malformed packets, options included, and rebuilds
//! the file from it.

mod common;
use common::*;

use std::net::SocketAddr;
use std::process::Command;

use dialtone_core::Instant;
use dialtone_tftp::client::{Client, Event};
use dialtone_tftp::server::{self, Server};
use dialtone_tftp::source::MemorySource;

const CLIENT: &str = "10.20.30.57:50000";
const SERVER: &str = "10.10.10.11:69";
/// The port our server answers from (its transfer id).
const SERVER_TID: u16 = 40001;

fn ipv4_udp(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> Vec<u8> {
    let (SocketAddr::V4(s), SocketAddr::V4(d)) = (src, dst) else {
        unreachable!()
    };
    let total = 20 + 8 + payload.len();
    let mut p = Vec::with_capacity(total);
    p.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0x40,
        0,
        64,
        17,
        0,
        0,
    ]);
    p.extend_from_slice(&s.ip().octets());
    p.extend_from_slice(&d.ip().octets());
    let mut sum: u32 = p
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let ck = !(sum as u16);
    p[10] = (ck >> 8) as u8;
    p[11] = ck as u8;
    let ulen = 8 + payload.len();
    p.extend_from_slice(&s.port().to_be_bytes());
    p.extend_from_slice(&d.port().to_be_bytes());
    p.extend_from_slice(&[(ulen >> 8) as u8, ulen as u8, 0, 0]);
    p.extend_from_slice(payload);
    p
}

fn pcap(packets: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes());
    f.extend_from_slice(&65535u32.to_le_bytes());
    f.extend_from_slice(&101u32.to_le_bytes()); // LINKTYPE_RAW (IPv4)
    for (ms, p) in packets {
        f.extend_from_slice(&((ms / 1000) as u32).to_le_bytes());
        f.extend_from_slice(&(((ms % 1000) * 1000) as u32).to_le_bytes());
        f.extend_from_slice(&(p.len() as u32).to_le_bytes());
        f.extend_from_slice(&(p.len() as u32).to_le_bytes());
        f.extend_from_slice(p);
    }
    f
}

#[test]
fn tshark_decodes_our_transfer_with_options_and_rebuilds_the_file() {
    let Some(tshark) = peer("tshark", &["/usr/bin/tshark".into()]) else {
        return;
    };
    let cli_addr: SocketAddr = CLIENT.parse().unwrap();
    let srv_addr: SocketAddr = SERVER.parse().unwrap();
    let srv_tid = SocketAddr::new(srv_addr.ip(), SERVER_TID);
    let data = blob(20_000, 60);
    let mut m = MemorySource::new();
    m.insert("SEP001E7AC4D231.cnf.xml", data.clone());
    let now = Instant::ZERO;
    let mut srv = Server::new(server::Config::default(), m, now);
    let mut cli = Client::read(
        opts(Some(1428), Some(4), true),
        srv_addr,
        "SEP001E7AC4D231.cnf.xml",
        now,
    );
    let mut frames = Vec::new();
    let mut buf = vec![0u8; 70000];
    let mut got = Vec::new();
    let mut t = 0u64;
    while !cli.is_finished() {
        assert!(t < 10_000);
        while let Some(x) = cli.poll_transmit(&mut buf).unwrap() {
            // The request goes to port 69, the rest to the server's TID.
            let to = if cli.peer().is_some() { srv_tid } else { x.to };
            frames.push((t, ipv4_udp(cli_addr, to, &buf[..x.len])));
            let _ = srv.handle_input(now, cli_addr, &buf[..x.len]);
            t += 1;
        }
        while let Some(x) = srv.poll_transmit(&mut buf).unwrap() {
            frames.push((t, ipv4_udp(srv_tid, cli_addr, &buf[..x.len])));
            let _ = cli.handle_input(now, srv_tid, &buf[..x.len]);
            while let Some(ev) = cli.poll_event() {
                if let Event::Data { data, .. } = ev {
                    got.extend_from_slice(data);
                }
            }
            t += 1;
        }
    }
    while let Some(x) = cli.poll_transmit(&mut buf).unwrap() {
        frames.push((t, ipv4_udp(cli_addr, srv_tid, &buf[..x.len])));
    }
    assert!(got == data);
    let dir = TempDir::new("tshark");
    let file = dir.write("t.pcap", &pcap(&frames));
    let out = Command::new(&tshark)
        .args([
            "-n",
            "-r",
            file.to_str().unwrap(),
            "-T",
            "fields",
            "-E",
            "separator=|",
        ])
        .args([
            "-e",
            "tftp.opcode",
            "-e",
            "tftp.option.name",
            "-e",
            "tftp.option.value",
            "-e",
            "tftp.block",
        ])
        .args(["-e", "_ws.malformed", "-e", "_ws.expert.severity"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), frames.len(), "{text}");
    for l in &lines {
        let f: Vec<&str> = l.split('|').collect();
        assert!(f[4].is_empty(), "malformed: {l}");
        assert!(
            !f[5].contains("8388608") && !f[5].contains("6291456"),
            "expert warning/error: {l}"
        );
    }
    assert!(
        lines[0].starts_with("1|blksize,tsize,windowsize|1428,0,4"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("6|blksize,tsize,windowsize|1428,20000,4"),
        "{}",
        lines[1]
    );
    let data_blocks = lines.iter().filter(|l| l.starts_with("3|")).count();
    assert_eq!(data_blocks, 20_000 / 1428 + 1);
    // tshark rebuilds the same file.
    let export = TempDir::new("tshark-export");
    let st = Command::new(&tshark)
        .args(["-n", "-r", file.to_str().unwrap(), "-Q", "--export-objects"])
        .arg(format!("tftp,{}", export.0.display()))
        .status()
        .unwrap();
    assert!(st.success());
    let rebuilt: Vec<_> = std::fs::read_dir(&export.0).unwrap().flatten().collect();
    assert_eq!(rebuilt.len(), 1);
    assert!(std::fs::read(rebuilt[0].path()).unwrap() == data);
}
