//! Messages we encode, written into a pcap this test builds, are decoded by
//! tshark without malformed/expert-error flags and with the same field values.

mod common;
mod kinds;

use std::collections::BTreeMap;

use common::{num, tshark, tshark_available};
use dialtone_sccp::{Frame, Message, KNOWN_IDS};

/// Station-to-CM ids (source port 50000 → 2000); the rest go CM → station.
fn from_station(id: u32) -> bool {
    id < 0x80 || id == 0x8000
}

fn checksum(b: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in b.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A classic pcap (LINKTYPE_RAW) with one IPv4/TCP segment per PDU.
struct Pcap {
    out: Vec<u8>,
    seq: [u32; 2],
    n: u32,
}

impl Pcap {
    fn new() -> Self {
        let mut out = Vec::new();
        out.extend(0xa1b2_c3d4u32.to_le_bytes());
        out.extend(2u16.to_le_bytes());
        out.extend(4u16.to_le_bytes());
        out.extend(0i32.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend(65535u32.to_le_bytes());
        out.extend(101u32.to_le_bytes()); // LINKTYPE_RAW
        Pcap {
            out,
            seq: [1000, 500_000],
            n: 0,
        }
    }

    fn segment(&mut self, station_to_cm: bool, payload: &[u8]) {
        let (src, dst, sport, dport, dir) = if station_to_cm {
            ([10, 20, 30, 57], [10, 10, 10, 11], 50000u16, 2000u16, 0)
        } else {
            ([10, 10, 10, 11], [10, 20, 30, 57], 2000, 50000, 1)
        };
        let mut tcp = Vec::new();
        tcp.extend(sport.to_be_bytes());
        tcp.extend(dport.to_be_bytes());
        tcp.extend(self.seq[dir].to_be_bytes());
        tcp.extend(self.seq[1 - dir].to_be_bytes());
        tcp.extend([0x50, 0x18]); // 20-byte header, PSH|ACK
        tcp.extend(65535u16.to_be_bytes());
        tcp.extend([0, 0, 0, 0]);
        tcp.extend(payload);
        let mut pseudo = Vec::new();
        pseudo.extend(src);
        pseudo.extend(dst);
        pseudo.extend([0, 6]);
        pseudo.extend((tcp.len() as u16).to_be_bytes());
        pseudo.extend(&tcp);
        let c = checksum(&pseudo);
        tcp[16..18].copy_from_slice(&c.to_be_bytes());
        self.seq[dir] = self.seq[dir].wrapping_add(payload.len() as u32);
        let mut ip = vec![0x45, 0];
        ip.extend(((20 + tcp.len()) as u16).to_be_bytes());
        ip.extend((self.n as u16).to_be_bytes());
        ip.extend([0x40, 0, 64, 6, 0, 0]);
        ip.extend(src);
        ip.extend(dst);
        let c = checksum(&ip);
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        ip.extend(tcp);
        self.n += 1;
        self.out.extend((1_700_000_000 + self.n).to_le_bytes());
        self.out.extend(0u32.to_le_bytes());
        self.out.extend((ip.len() as u32).to_le_bytes());
        self.out.extend((ip.len() as u32).to_le_bytes());
        self.out.extend(ip);
    }
}

#[test]
fn every_kind_is_sampled() {
    let samples = kinds::all();
    for id in KNOWN_IDS {
        assert!(
            samples.iter().any(|s| s.msg.id() == *id),
            "no sample for id {id:#x}"
        );
    }
}

#[test]
fn encoded_messages_decode_in_tshark() {
    let samples: Vec<_> = kinds::all().into_iter().filter(|s| s.tshark).collect();
    let mut pcap = Pcap::new();
    for s in &samples {
        let mut buf = vec![0u8; s.msg.buffer_len()];
        let n = s.msg.emit_with_version(s.hv, &mut buf).unwrap();
        assert_eq!(n, buf.len());
        // Our own decoder agrees first.
        let f = Frame::new_checked(&buf[..]).unwrap();
        assert_eq!(Message::parse(&f).unwrap(), s.msg);
        pcap.segment(from_station(s.msg.id()), &buf);
    }
    if !tshark_available() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("dialtone-sccp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("encoded.pcap");
    std::fs::write(&file, &pcap.out).unwrap();
    let file = file.to_str().unwrap();

    // No malformed packets, no expert warnings or errors.
    let bad = tshark(&[
        "-r",
        file,
        "-Y",
        "_ws.malformed || _ws.expert.severity >= 0x00600000",
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "_ws.expert.message",
    ]);
    if std::env::var_os("KEEP_PCAP").is_none() {
        assert_eq!(bad.trim(), "", "tshark flags problems");
    }

    let mut fields: Vec<&str> = vec![
        "skinny.messageId",
        "skinny.hdr_version",
        "skinny.data_length",
    ];
    for s in &samples {
        for (k, _) in &s.fields {
            if !fields.contains(k) {
                fields.push(k);
            }
        }
    }
    let mut args = vec![
        "-r",
        file,
        "-T",
        "fields",
        "-E",
        "separator=/t",
        "-E",
        "aggregator=|",
        "-e",
        "frame.number",
    ];
    for f in &fields {
        args.extend(["-e", f]);
    }
    let out = tshark(&args);
    let rows: BTreeMap<usize, Vec<String>> = out
        .lines()
        .map(|l| {
            let c: Vec<String> = l.split('\t').map(str::to_string).collect();
            (c[0].parse::<usize>().unwrap(), c[1..].to_vec())
        })
        .collect();
    assert_eq!(rows.len(), samples.len());
    for (i, s) in samples.iter().enumerate() {
        let row = &rows[&(i + 1)];
        let get = |k: &str| -> Vec<String> {
            let idx = fields.iter().position(|f| *f == k).unwrap();
            row.get(idx)
                .map(|v| {
                    if v.is_empty() {
                        vec![]
                    } else {
                        v.split('|').map(str::to_string).collect()
                    }
                })
                .unwrap_or_default()
        };
        let ctx = format!("frame {} ({:?} id {:#x})", i + 1, s.msg.name(), s.msg.id());
        assert_eq!(
            get("skinny.messageId"),
            vec![s.msg.id().to_string()],
            "{ctx}"
        );
        assert_eq!(
            get("skinny.hdr_version")
                .iter()
                .map(|v| num(v))
                .collect::<Vec<_>>(),
            vec![u64::from(s.hv)],
            "{ctx}"
        );
        assert_eq!(
            get("skinny.data_length")
                .iter()
                .map(|v| num(v))
                .collect::<Vec<_>>(),
            vec![s.msg.body_len() as u64 + 4],
            "{ctx}"
        );
        for (k, want) in &s.fields {
            let got = get(k);
            let ok = got.iter().any(|g| {
                g == want
                    || (g.starts_with("0x") || g.chars().all(|c| c.is_ascii_digit()))
                        && want.parse::<u64>().ok() == Some(num(g))
            });
            assert!(ok, "{ctx}: {k} = {got:?}, want {want}");
        }
    }
    if std::env::var_os("KEEP_PCAP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Every label this crate names renders the same in tshark (its display of
/// `0x80`/`0x1E` escapes, sccp.md §1.5, §6).
#[test]
fn display_labels_agree_with_tshark() {
    use dialtone_sccp::types::{DisplayNotify, Fixed};
    use dialtone_sccp::{label_text, LabelTable};
    let mut pcap = Pcap::new();
    let mut want = Vec::new();
    for table in [LabelTable::T200, LabelTable::T36] {
        for index in 1..=255u8 {
            let Some(text) = label_text(table, index) else {
                continue;
            };
            let d = DisplayNotify::new(0, &[b'<', table.escape(), index, b'>']).unwrap();
            let m = Message::DisplayNotify(Fixed::new(&d));
            let mut buf = vec![0u8; m.buffer_len()];
            m.emit_with_version(0x14, &mut buf).unwrap();
            pcap.segment(false, &buf);
            want.push(format!("<{text}>"));
        }
    }
    if !tshark_available() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("dialtone-sccp-labels-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("labels.pcap");
    std::fs::write(&file, &pcap.out).unwrap();
    let out = tshark(&["-r", file.to_str().unwrap(), "-V", "-O", "skinny"]);
    let got: Vec<String> = out
        .lines()
        .filter_map(|l| {
            l.split_once("=> \"")
                .map(|(_, r)| r.trim_end_matches('"').to_string())
        })
        .collect();
    if std::env::var_os("KEEP_PCAP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert_eq!(got.len(), want.len(), "one rendered label per frame");
    let diff: Vec<_> = got.iter().zip(&want).filter(|(g, w)| g != w).collect();
    assert!(diff.is_empty(), "tshark vs ours: {diff:?}");
}
