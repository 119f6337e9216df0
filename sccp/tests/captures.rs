//! Every Skinny PDU in the public captures decodes, and its id and key fields
//! agree with tshark's reading of the same packets (sccp.md §5, §6).

mod common;

use std::collections::{BTreeMap, HashMap};

use common::{num, tshark, tshark_available, unhex};
use dialtone_sccp::types::{BodyView, TokenAddress};
use dialtone_sccp::{Framer, Message};

const CAPTURES: [&str; 3] = [
    "ndpi_sccp_hw_conf_register.pcapng",
    "ndpi_skinny_call_v20.pcap",
    "ndpi_skinny_call_v20_full_2022.pcap",
];

fn path(name: &str) -> String {
    format!("{}/../testdata/captures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The compared tshark fields, in column order after frame.number.
const FIELDS: [&str; 18] = [
    "skinny.messageId",
    "skinny.hdr_version",
    "skinny.data_length",
    "skinny.DeviceName",
    "skinny.deviceType",
    "skinny.keepAliveInterval",
    "skinny.secondaryKeepAliveInterval",
    "skinny.protocolVer",
    "skinny.maxProtocolVer",
    "skinny.maxStreams",
    "skinny.dateTemplate",
    "skinny.capCount",
    "skinny.callState",
    "skinny.tone",
    "skinny.ringMode",
    "skinny.lampMode",
    "skinny.softKeySetIndex",
    "skinny.systemTime",
];

type Row = BTreeMap<&'static str, Vec<String>>;

/// What tshark should show for one PDU we decoded, in field order.
fn expected(hv: u32, len: u32, m: &Message<'_>, row: &mut Row) {
    let mut add = |k: &'static str, v: String| row.entry(k).or_default().push(v);
    add("skinny.messageId", m.id().to_string());
    add("skinny.hdr_version", hv.to_string());
    add("skinny.data_length", len.to_string());
    match m {
        Message::Register(r) => {
            add("skinny.DeviceName", r.device_name().unwrap().to_string());
            add("skinny.deviceType", u32::from(r.device_type()).to_string());
            add("skinny.maxStreams", r.base.max_streams.get().to_string());
            // activeStreams … maxConferences are shown only when len > 52 (§2.3).
            if len > 52 {
                if let Some(p) = r.protocol_version() {
                    add("skinny.protocolVer", p.to_string());
                }
            }
        }
        Message::RegisterTokenReq(t) => {
            add(
                "skinny.DeviceName",
                t.base.station.device_name.as_str().unwrap().to_string(),
            );
            add("skinny.deviceType", t.base.device_type.get().to_string());
            let _ = matches!(t.address, TokenAddress::V4(_));
        }
        Message::MediaResourceNotification(n) => {
            add("skinny.deviceType", n.device_type.get().to_string())
        }
        Message::RegisterAck(a) => {
            add(
                "skinny.keepAliveInterval",
                a.keepalive_interval.get().to_string(),
            );
            add(
                "skinny.dateTemplate",
                a.date_template.as_str().unwrap().to_string(),
            );
            add(
                "skinny.secondaryKeepAliveInterval",
                a.secondary_keepalive_interval.get().to_string(),
            );
            add("skinny.maxProtocolVer", a.max_protocol_version.to_string());
        }
        Message::CapabilitiesRes(c) => add("skinny.capCount", c.count.get().to_string()),
        Message::CallState(c) => add("skinny.callState", c.call_state.get().to_string()),
        Message::StartTone(t) => add("skinny.tone", t.tone.get().to_string()),
        Message::StopTone(t) if hv >= 0x0b => {
            add("skinny.tone", t.ext.map_or(0, |e| e.get()).to_string())
        }
        Message::SetRinger(r) => add("skinny.ringMode", r.ring_mode.get().to_string()),
        Message::SetLamp(l) => add("skinny.lampMode", l.lamp_mode.get().to_string()),
        Message::SelectSoftKeys(s) => add(
            "skinny.softKeySetIndex",
            s.soft_key_set_index.get().to_string(),
        ),
        Message::DefineTimeDate(d) => add("skinny.systemTime", d.system_time.get().to_string()),
        Message::ConfigStat(c) => add(
            "skinny.DeviceName",
            c.station.device_name.as_str().unwrap().to_string(),
        ),
        _ => {}
    }
}

fn normalise(field: &str, v: &str) -> String {
    match field {
        "skinny.DeviceName" | "skinny.dateTemplate" => v.to_string(),
        _ => num(v).to_string(),
    }
}

fn check_capture(name: &str) -> (usize, BTreeMap<u32, usize>) {
    let file = path(name);
    // 1. Ordered TCP payloads per direction.
    let payloads = tshark(&[
        "-r",
        &file,
        "-Y",
        "tcp.len>0 && tcp.port==2000",
        "-T",
        "fields",
        "-E",
        "separator=/t",
        "-e",
        "frame.number",
        "-e",
        "tcp.stream",
        "-e",
        "ip.src",
        "-e",
        "tcp.srcport",
        "-e",
        "tcp.seq",
        "-e",
        "tcp.payload",
    ]);
    let mut framers: HashMap<(String, String, String), (Framer, u64)> = HashMap::new();
    let mut ours: BTreeMap<u64, Row> = BTreeMap::new();
    let mut pdus = 0;
    let mut ids = BTreeMap::new();
    for line in payloads.lines() {
        let c: Vec<&str> = line.split('\t').collect();
        let (frame, key, seq, bytes) = (
            num(c[0]),
            (c[1].to_string(), c[2].to_string(), c[3].to_string()),
            num(c[4]),
            unhex(c[5]),
        );
        let (framer, next) = framers.entry(key).or_insert_with(|| (Framer::new(), seq));
        // Drop retransmitted bytes.
        let end = seq + bytes.len() as u64;
        if end <= *next {
            continue;
        }
        assert!(seq <= *next, "{name}: gap before frame {frame}");
        let fresh = &bytes[(*next - seq) as usize..];
        *next = end;
        for f in framer.push(fresh) {
            let f = f.unwrap_or_else(|e| panic!("{name} frame {frame}: framing error {e}"));
            let m =
                Message::parse(&f).unwrap_or_else(|e| panic!("{name} frame {frame}: {e} in {f:?}"));
            // Re-encoding gives the received bytes.
            let mut out = vec![0; m.buffer_len()];
            m.emit_with_version(f.header_version(), &mut out).unwrap();
            assert_eq!(out, f.as_bytes(), "{name} frame {frame}: re-encode");
            assert_eq!(m.body_len(), f.body().len());
            let _ = m.body_len();
            expected(
                f.header_version(),
                f.length(),
                &m,
                ours.entry(frame).or_default(),
            );
            *ids.entry(m.id()).or_default() += 1;
            pdus += 1;
        }
    }
    // 2. tshark's reading.
    let mut args = vec![
        "-r",
        file.as_str(),
        "-Y",
        "skinny",
        "-T",
        "fields",
        "-E",
        "separator=/t",
        "-E",
        "aggregator=|",
        "-e",
        "frame.number",
    ];
    for f in FIELDS {
        args.extend(["-e", f]);
    }
    let out = tshark(&args);
    let mut theirs: BTreeMap<u64, Row> = BTreeMap::new();
    for line in out.lines() {
        let c: Vec<&str> = line.split('\t').collect();
        let row = theirs.entry(num(c[0])).or_default();
        for (i, f) in FIELDS.iter().enumerate() {
            let v = c.get(i + 1).copied().unwrap_or("");
            if !v.is_empty() {
                row.entry(f)
                    .or_default()
                    .extend(v.split('|').map(|x| normalise(f, x)));
            }
        }
    }
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>(),
        "{name}: frames with Skinny PDUs"
    );
    for (frame, row) in &ours {
        assert_eq!(Some(row), theirs.get(frame), "{name}: frame {frame}");
    }
    (pdus, ids)
}

#[test]
fn capture_pdus_decode_and_agree_with_tshark() {
    if !tshark_available() {
        return;
    }
    for name in CAPTURES {
        let (pdus, ids) = check_capture(name);
        eprintln!("{name}: {pdus} PDUs, ids {:x?}", ids);
        assert!(pdus > 0);
    }
}

#[test]
fn register_capture_fields() {
    // CAP-REG frame 8 (sccp.md §2.4), whole PDU.
    let b = unhex(
        "180000000000000081000000 1e000000556e7573 656400003c000000 12008028"
            .replace(' ', "")
            .as_str(),
    );
    let (hv, m) = Message::decode(&b).unwrap();
    assert_eq!(hv, 0);
    let Message::RegisterAck(a) = m else { panic!() };
    assert_eq!(a.keepalive_interval.get(), 30);
    assert_eq!(a.date_template.as_str(), Ok("Unused"));
    assert_eq!(a.secondary_keepalive_interval.get(), 60);
    assert_eq!(a.max_protocol_version, 18);
    assert_eq!(a.features.get(), 0x2880);
    assert_eq!(a.body_len(), 20);
}
