//! tshark (Wireshark's dissector) reads the messages we build without
//! malformed or error flags: the client's DISCOVER and REQUEST, server
//! replies with option 150 (two addresses), 66, 3, 6, 15, an overloaded
//! reply and a long split option. The test writes its own pcap
//! (Ethernet/IPv4/UDP), so no capture is involved.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use dialtone_core::Instant;
use dialtone_dhcp_opts::client::{Client, Config};
use dialtone_dhcp_opts::{MessageRepr, Op, OptionRef, Packet};

const MAC: [u8; 6] = [0x00, 0x1e, 0x7a, 0xc4, 0xd2, 0x31];

fn tshark_available() -> bool {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "tshark is missing and CI is set"
        );
        eprintln!("note: tshark not installed; skipping");
    }
    ok
}

fn checksum(b: &[u8]) -> u16 {
    let mut s = 0u32;
    for c in b.chunks(2) {
        s += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

/// One Ethernet/IPv4/UDP frame carrying `payload`.
fn frame(src: (Ipv4Addr, u16), dst: (Ipv4Addr, u16), payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&MAC);
    f.extend_from_slice(&[0x08, 0x00]);
    let total = (20 + 8 + payload.len()) as u16;
    let mut ip = vec![0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0];
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&src.0.octets());
    ip.extend_from_slice(&dst.0.octets());
    let c = checksum(&ip);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(&src.1.to_be_bytes());
    f.extend_from_slice(&dst.1.to_be_bytes());
    f.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]); // no UDP checksum (allowed on IPv4)
    f.extend_from_slice(payload);
    f
}

fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes()); // Ethernet
    for (i, f) in frames.iter().enumerate() {
        out.extend_from_slice(&(i as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    out
}

fn server_reply(xid: u32, opts: &[OptionRef<'_>], max_len: usize) -> Vec<u8> {
    let mut r = MessageRepr::new(Op::Reply, xid, &MAC);
    r.yiaddr = Ipv4Addr::new(10, 200, 0, 57);
    r.siaddr = Ipv4Addr::new(10, 200, 0, 1);
    r.options = opts;
    r.max_len = max_len;
    let mut out = vec![0u8; r.buffer_len().unwrap()];
    r.emit(&mut out).unwrap();
    out
}

#[test]
fn tshark_reads_our_messages_without_malformed_flags() {
    if !tshark_available() {
        return;
    }
    let client_ep = (Ipv4Addr::UNSPECIFIED, 68);
    let bcast = (Ipv4Addr::BROADCAST, 67);
    let server_ep = (Ipv4Addr::new(10, 200, 0, 1), 67);
    let to_client = (Ipv4Addr::BROADCAST, 68);

    // Client DISCOVER and REQUEST from the state machine.
    let mut cfg = Config::new(MAC);
    cfg.initial_delay = (Duration::ZERO, Duration::ZERO);
    let mut c = Client::new(cfg, Instant::ZERO, 3);
    c.handle_timeout(Instant::ZERO);
    let mut buf = [0u8; 1500];
    let t = c.poll_transmit(&mut buf).unwrap().unwrap();
    let discover = buf[..t.len].to_vec();
    let xid = Packet::new_checked(&discover[..]).unwrap().xid();
    let sid = [10, 200, 0, 1];
    let lease = 120u32.to_be_bytes();
    let common = [
        OptionRef {
            code: 54,
            value: &sid,
        },
        OptionRef {
            code: 51,
            value: &lease,
        },
        OptionRef {
            code: 1,
            value: &[255, 255, 255, 0],
        },
        OptionRef {
            code: 3,
            value: &[10, 200, 0, 1],
        },
        OptionRef {
            code: 6,
            value: &[10, 200, 0, 53, 10, 200, 0, 54],
        },
        OptionRef {
            code: 15,
            value: b"voice.example.com",
        },
        OptionRef {
            code: 66,
            value: b"10.200.0.1\0",
        },
        OptionRef {
            code: 150,
            value: &[10, 200, 0, 11, 10, 200, 0, 12],
        },
    ];
    let mut offer_opts = vec![OptionRef {
        code: 53,
        value: &[2],
    }];
    offer_opts.extend_from_slice(&common);
    let offer = server_reply(xid, &offer_opts, 548);
    c.handle_input(
        Instant::ZERO,
        SocketAddr::from(([10, 200, 0, 1], 67)),
        &offer,
    )
    .unwrap();
    let t = c.poll_transmit(&mut buf).unwrap().unwrap();
    let request = buf[..t.len].to_vec();
    let mut ack_opts = vec![OptionRef {
        code: 53,
        value: &[5],
    }];
    ack_opts.extend_from_slice(&common);
    let ack = server_reply(xid, &ack_opts, 548);
    // An ACK squeezed into 400 bytes: options overflow into file/sname (52).
    let filler = [b'x'; 120];
    let mut big = ack_opts.clone();
    big.push(OptionRef {
        code: 12,
        value: &filler,
    });
    let overloaded = server_reply(xid, &big, 400);
    assert!(
        Packet::new_checked(&overloaded[..])
            .unwrap()
            .overload()
            .file
    );

    let frames = vec![
        frame(client_ep, bcast, &discover),
        frame(server_ep, to_client, &offer),
        frame(client_ep, bcast, &request),
        frame(server_ep, to_client, &ack),
        frame(server_ep, to_client, &overloaded),
    ];
    let path: PathBuf =
        std::env::temp_dir().join(format!("dialtone-dhcp-{}.pcap", std::process::id()));
    std::fs::write(&path, pcap(&frames)).unwrap();
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&path)
        .args([
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
        ])
        .args([
            "-e",
            "frame.number",
            "-e",
            "dhcp.option.dhcp",
            "-e",
            "dhcp.option.tftp_server_address",
        ])
        .args([
            "-e",
            "dhcp.option.tftp_server_name",
            "-e",
            "dhcp.option.option_overload",
        ])
        .args(["-e", "_ws.malformed", "-e", "_ws.expert.severity"])
        .output()
        .unwrap();
    let verbose = Command::new("tshark")
        .args(["-n", "-V", "-r"])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let vtext = String::from_utf8_lossy(&verbose.stdout);
    assert!(!vtext.contains("Malformed"), "{vtext}");
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    assert_eq!(lines.len(), 5, "{text}");
    let kinds: Vec<&str> = lines.iter().map(|l| l[1]).collect();
    assert_eq!(kinds, ["1", "2", "3", "5", "5"], "{text}");
    for l in &lines {
        assert_eq!(l[5], "", "malformed flag: {text}");
        // Severity: only notes/chats (values below the error level) allowed.
        for sev in l[6].split(',').filter(|s| !s.is_empty()) {
            let v: u64 = sev
                .parse()
                .or_else(|_| u64::from_str_radix(sev.trim_start_matches("0x"), 16))
                .unwrap();
            assert!(v < 0x0080_0000, "expert severity {sev} in {text}");
        }
    }
    for l in &lines[1..2].iter().chain(&lines[3..]).collect::<Vec<_>>() {
        assert_eq!(l[2], "10.200.0.11,10.200.0.12", "{text}");
        assert!(l[3].starts_with("10.200.0.1"), "{text}");
    }
    assert_eq!(lines[4][4], "1", "overload = file: {text}");
}
