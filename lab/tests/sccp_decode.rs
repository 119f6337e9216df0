//! `dialtone sccp decode` agrees with tshark's skinny dissector on every
//! message of the real captures: same messages, same order per direction,
//! same time, id, header version and length, and the same key fields.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{peer_available, run, testdata};
use serde_json::Value;

type Key = (String, String); // (src, dst)
/// Per direction: (time µs, id, header version, length) of each message.
type Messages = BTreeMap<Key, Vec<(u64, u64, u64, u64)>>;

/// tshark's view: per direction, (time µs, id, header version, length).
fn tshark_messages(file: &str) -> Messages {
    let out = run(Command::new("tshark")
        .arg("-r")
        .arg(testdata(file))
        .args([
            "-Y",
            "skinny",
            "-T",
            "fields",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
        ])
        .args([
            "-e",
            "frame.time_epoch",
            "-e",
            "ip.src",
            "-e",
            "tcp.srcport",
        ])
        .args([
            "-e",
            "ip.dst",
            "-e",
            "tcp.dstport",
            "-e",
            "skinny.messageId",
        ])
        .args(["-e", "skinny.hdr_version", "-e", "skinny.data_length"]));
    let mut map: BTreeMap<Key, Vec<_>> = BTreeMap::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let [time, sip, sport, dip, dport, ids, hvs, lens] = f[..] else {
            panic!("unexpected tshark line {line:?}");
        };
        let (secs, frac) = time.split_once('.').unwrap();
        let us = secs.parse::<u64>().unwrap() * 1_000_000 + frac[..6].parse::<u64>().unwrap();
        let key = (format!("{sip}:{sport}"), format!("{dip}:{dport}"));
        let ids: Vec<&str> = ids.split(',').collect();
        let hvs: Vec<&str> = hvs.split(',').collect();
        let lens: Vec<&str> = lens.split(',').collect();
        for i in 0..ids.len() {
            let hv = u64::from_str_radix(hvs[i].trim_start_matches("0x"), 16).unwrap();
            map.entry(key.clone()).or_default().push((
                us,
                ids[i].parse().unwrap(),
                hv,
                lens[i].parse().unwrap(),
            ));
        }
    }
    map
}

fn ours(file: &str) -> (Messages, Vec<Value>) {
    let out = run(Command::new(env!("CARGO_BIN_EXE_dialtone"))
        .args(["sccp", "decode", "--json"])
        .arg(testdata(file)));
    let mut map: BTreeMap<Key, Vec<_>> = BTreeMap::new();
    let mut all = Vec::new();
    for line in out.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(v.get("error").is_none(), "decode error: {line}");
        // The time is written with exactly six decimals.
        let raw_time = line
            .strip_prefix("{\"time\":")
            .and_then(|r| r.split(',').next())
            .unwrap();
        let (secs, frac) = raw_time.split_once('.').unwrap();
        assert_eq!(frac.len(), 6, "{line}");
        let us = secs.parse::<u64>().unwrap() * 1_000_000 + frac.parse::<u64>().unwrap();
        let key = (
            v["src"].as_str().unwrap().to_owned(),
            v["dst"].as_str().unwrap().to_owned(),
        );
        map.entry(key).or_default().push((
            us,
            v["id"].as_u64().unwrap(),
            v["header_version"].as_u64().unwrap(),
            v["length"].as_u64().unwrap(),
        ));
        all.push(v);
    }
    (map, all)
}

fn compare(file: &str) -> Vec<Value> {
    let (ours, all) = ours(file);
    let theirs = tshark_messages(file);
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>(),
        "{file}: directions"
    );
    for (k, t) in &theirs {
        let o = &ours[k];
        assert_eq!(o, t, "{file}: messages {k:?}");
    }
    all
}

#[test]
fn decodes_the_registration_capture_like_tshark() {
    if !peer_available("tshark") {
        return;
    }
    let all = compare("captures/ndpi_sccp_hw_conf_register.pcapng");
    let reg = all.iter().find(|v| v["id"] == 1).expect("a Register");
    assert_eq!(reg["name"], "RegisterReq");
    assert_eq!(reg["device_name"], "NONSECURE_CONF");
    assert_eq!(reg["device_type"], 52);
    assert_eq!(reg["protocol_version"], 18);
    assert_eq!(reg["station_ip"], "172.18.110.58");
    let ack = all.iter().find(|v| v["id"] == 0x81).expect("a RegisterAck");
    assert_eq!(ack["keepalive_interval"], 30);
    assert_eq!(ack["secondary_keepalive_interval"], 60);
    assert_eq!(ack["max_protocol_version"], 18);
    assert_eq!(ack["date_template"], "Unused");
}

#[test]
fn decodes_the_call_captures_like_tshark() {
    if !peer_available("tshark") {
        return;
    }
    compare("captures/ndpi_skinny_call_v20.pcap");
    let all = compare("captures/ndpi_skinny_call_v20_full_2022.pcap");
    // The standby keepalive to the backup CM carries header version 0.
    assert!(all
        .iter()
        .any(|v| v["id"] == 0 && v["header_version"] == 0 && v["dst"] == "10.16.2.25:2000"));
    let time = all
        .iter()
        .find(|v| v["id"] == 0x94)
        .expect("DefineTimeDate");
    assert_eq!(time["system_time"], 1_317_801_141);
}

#[test]
fn text_output_names_every_message() {
    let out = run(Command::new(env!("CARGO_BIN_EXE_dialtone"))
        .args(["sccp", "decode"])
        .arg(testdata("captures/ndpi_sccp_hw_conf_register.pcapng")));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 8, "{out}");
    assert!(lines[0].contains("0x0001 RegisterReq"), "{}", lines[0]);
    assert!(lines[0].contains("device_name=\"NONSECURE_CONF\""));
    assert!(lines.iter().all(|l| !l.contains("ERROR")));
}

#[test]
fn a_damaged_capture_reports_bad_frames_and_goes_on() {
    // A capture of our own: one connection whose first segment carries a
    // PDU with an invalid length, then a good KeepAlive on a new connection.
    let dir = std::env::temp_dir().join(format!("dialtone-decode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.pcap");
    let mut pcap = Vec::new();
    pcap.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    pcap.extend_from_slice(&2u16.to_le_bytes());
    pcap.extend_from_slice(&4u16.to_le_bytes());
    pcap.extend_from_slice(&[0; 8]);
    pcap.extend_from_slice(&65535u32.to_le_bytes());
    pcap.extend_from_slice(&101u32.to_le_bytes()); // LINKTYPE_RAW
    let mut packet = |sport: u16, payload: &[u8]| {
        let total = 20 + 20 + payload.len();
        let mut ip = vec![
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0x40,
            0,
            64,
            6,
            0,
            0,
        ];
        ip.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        ip.extend_from_slice(&sport.to_be_bytes());
        ip.extend_from_slice(&2000u16.to_be_bytes());
        ip.extend_from_slice(&1u32.to_be_bytes());
        ip.extend_from_slice(&0u32.to_be_bytes());
        ip.extend_from_slice(&[0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
        ip.extend_from_slice(payload);
        pcap.extend_from_slice(&1u32.to_le_bytes());
        pcap.extend_from_slice(&0u32.to_le_bytes());
        pcap.extend_from_slice(&(ip.len() as u32).to_le_bytes());
        pcap.extend_from_slice(&(ip.len() as u32).to_le_bytes());
        pcap.extend_from_slice(&ip);
    };
    packet(40000, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    packet(40001, &[4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    std::fs::write(&path, pcap).unwrap();
    let out = run(Command::new(env!("CARGO_BIN_EXE_dialtone"))
        .args(["sccp", "decode"])
        .arg(&path));
    std::fs::remove_dir_all(&dir).ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains("ERROR") && lines[0].contains("invalid length 1"),
        "{out}"
    );
    assert!(lines[1].contains("0x0000 KeepAliveReq"), "{out}");
}
