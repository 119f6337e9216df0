//! `dialtone sccp decode`: Skinny messages of a capture, one per line.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use dialtone_sccp::types::TokenAddress;
use dialtone_sccp::{Framer, Message, Segment, Str};
use serde_json::{json, Value};

use crate::capture::{self, Captured, Flow, StreamChunk, TcpReassembler};

/// Arguments of `dialtone sccp decode`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The capture (pcap or pcapng; Ethernet, raw IP, Linux SLL or loopback).
    pub file: PathBuf,
    /// TCP port of the CallManager side.
    #[arg(long, default_value_t = 2000)]
    pub port: u16,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

/// One decoded Skinny message (or a framing/decoding problem) of a capture.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Capture time of the segment that completed the message, since the epoch.
    pub time: Duration,
    /// Direction.
    pub flow: Flow,
    /// What was found.
    pub kind: RecordKind,
}

/// The content of a [`Record`].
#[derive(Debug, Clone, PartialEq)]
pub enum RecordKind {
    /// A message.
    Message {
        /// Header length field.
        length: u32,
        /// Header version field.
        header_version: u32,
        /// Message id.
        id: u32,
        /// Name (tshark's naming), when the id is known.
        name: Option<&'static str>,
        /// Key fields, in order.
        fields: Vec<(&'static str, Value)>,
        /// Why the body did not decode, when it did not.
        error: Option<String>,
    },
    /// The stream could not be framed at this point.
    Error(String),
}

/// Decodes every Skinny message in `packets` on TCP connections with `port`
/// at one end.
#[must_use]
pub fn decode_packets(packets: &[Captured], port: u16) -> Vec<Record> {
    let mut reasm = TcpReassembler::new();
    let mut framers: HashMap<Flow, Framer> = HashMap::new();
    let mut out = Vec::new();
    for p in packets {
        let Captured::Tcp {
            time,
            flow,
            seq,
            syn,
            fin,
            payload,
        } = p
        else {
            continue;
        };
        if flow.src.port() != port && flow.dst.port() != port {
            continue;
        }
        for chunk in reasm.push(*time, *flow, *seq, *syn, payload) {
            match chunk {
                StreamChunk::Data { time, data } => {
                    let framer = framers.entry(*flow).or_default();
                    decode_chunk(framer, time, *flow, &data, &mut out);
                }
                StreamChunk::Gap { time, missing } => {
                    framers.entry(*flow).or_default().reset();
                    out.push(Record {
                        time,
                        flow: *flow,
                        kind: RecordKind::Error(format!(
                            "{missing} bytes missing from the capture; resynchronising"
                        )),
                    });
                }
            }
        }
        if *fin {
            reasm.close(*flow);
            if let Some(f) = framers.remove(flow) {
                if f.held() > 0 {
                    out.push(Record {
                        time: *time,
                        flow: *flow,
                        kind: RecordKind::Error(format!(
                            "connection closed with {} bytes of an incomplete message",
                            f.held()
                        )),
                    });
                }
            }
        }
    }
    out
}

fn decode_chunk(
    framer: &mut Framer,
    time: Duration,
    flow: Flow,
    data: &[u8],
    out: &mut Vec<Record>,
) {
    let mut must_reset = false;
    for frame in framer.push(data) {
        let kind = match frame {
            Ok(frame) => {
                let (fields, error) = match Message::parse(&frame) {
                    Ok(msg) => (key_fields(&msg), None),
                    Err(e) => (Vec::new(), Some(e.to_string())),
                };
                RecordKind::Message {
                    length: frame.length(),
                    header_version: frame.header_version(),
                    id: frame.message_id(),
                    name: dialtone_sccp::tshark_name(frame.message_id()),
                    fields,
                    error,
                }
            }
            Err(e) => {
                if e.recovery() == dialtone_sccp::Recovery::Close {
                    must_reset = true;
                }
                RecordKind::Error(e.to_string())
            }
        };
        out.push(Record { time, flow, kind });
    }
    if must_reset {
        // A capture decoder cannot close the connection; start over on the
        // next segment, which usually begins a message.
        framer.reset();
    }
}

fn text<const N: usize>(s: &Str<N>) -> Value {
    let mut out = String::new();
    for seg in s.segments() {
        match seg {
            Segment::Text(t) => out.push_str(&String::from_utf8_lossy(t)),
            Segment::Label { table, index } => match seg.label_text() {
                Some(l) => out.push_str(l),
                None => {
                    let _ = write!(out, "\\x{:02X}\\x{index:02X}", table.escape());
                }
            },
            Segment::Dangling(table) => {
                let _ = write!(out, "\\x{:02X}", table.escape());
            }
        }
    }
    Value::String(out)
}

/// The fields of `msg` worth a line (device name, type, intervals, versions,
/// texts …); empty for messages without interesting fields.
#[must_use]
pub fn key_fields(msg: &Message<'_>) -> Vec<(&'static str, Value)> {
    let mut f: Vec<(&'static str, Value)> = Vec::new();
    match msg {
        Message::Register(r) => {
            f.push(("device_name", text(&r.base.station.device_name)));
            f.push(("instance", json!(r.base.station.instance.get())));
            f.push(("station_ip", json!(r.station_ip().to_string())));
            f.push(("device_type", json!(u32::from(r.device_type()))));
            if let Some(n) = r.device_type().name() {
                f.push(("device_type_name", json!(n)));
            }
            f.push(("max_streams", json!(r.base.max_streams.get())));
            if let Some(v) = r.protocol_version() {
                f.push(("protocol_version", json!(v)));
            }
            if let Some(load) = r.firmware_load_name() {
                f.push(("firmware_load_name", text(load)));
            }
        }
        Message::RegisterAck(a) => {
            f.push(("keepalive_interval", json!(a.keepalive_interval.get())));
            f.push(("date_template", text(&a.date_template)));
            f.push((
                "secondary_keepalive_interval",
                json!(a.secondary_keepalive_interval.get()),
            ));
            f.push(("max_protocol_version", json!(a.max_protocol_version)));
        }
        Message::RegisterReject(r) => {
            f.push(("text", text(&r.text)));
            if let Some(reason) = dialtone_sccp::RejectReason::from_text(r.text.bytes()) {
                f.push(("reason", json!(format!("{reason:?}"))));
            }
        }
        Message::RegisterTokenReq(t) => {
            f.push(("device_name", text(&t.base.station.device_name)));
            f.push(("device_type", json!(t.base.device_type.get())));
            if let TokenAddress::V4or6(a) = t.address {
                if let Some(ip) = a.get() {
                    f.push(("address", json!(ip.to_string())));
                }
            }
        }
        Message::RegisterTokenReject(w) | Message::SpcpRegisterTokenReject(w) => {
            f.push(("wait_time", json!(w.get())));
        }
        Message::Reset(r) => {
            f.push(("reset_type", json!(r.reset_type.get())));
            f.push(("reset_type_name", json!(r.kind().to_string())));
        }
        Message::Unregister(u) => {
            if let Some(w) = u.ext {
                f.push(("reason", json!(w.get())));
            }
        }
        Message::UnregisterAck(w) => f.push(("status", json!(w.get()))),
        Message::IpPort(w) => f.push(("rtp_port", json!(w.get()))),
        Message::LineStatReq(w) | Message::ForwardStatReq(w) | Message::SpeedDialStatReq(w) => {
            f.push(("number", json!(w.get())));
        }
        Message::RegisterAvailableLines(w) => f.push(("max_lines", json!(w.get()))),
        Message::CapabilitiesRes(c) => f.push(("cap_count", json!(c.count.get()))),
        Message::LineStat(l) => {
            f.push(("line_number", json!(l.line_number.get())));
            f.push(("dir_number", text(&l.dir_number)));
            f.push(("display_name", text(&l.fully_qualified_display_name)));
        }
        Message::ConfigStat(c) => {
            f.push(("device_name", text(&c.station.device_name)));
            f.push(("number_of_lines", json!(c.number_of_lines.get())));
            f.push((
                "number_of_speed_dials",
                json!(c.number_of_speed_dials.get()),
            ));
        }
        Message::DefineTimeDate(t) => {
            f.push((
                "local",
                json!(format!(
                    "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                    t.year.get(),
                    t.month.get(),
                    t.day.get(),
                    t.hour.get(),
                    t.minute.get(),
                    t.second.get()
                )),
            ));
            f.push(("system_time", json!(t.system_time.get())));
        }
        Message::DisplayText(d) => f.push(("text", text(&d.text))),
        Message::DisplayNotify(d) => f.push(("text", text(&d.text))),
        Message::DisplayPriNotify(d) => f.push(("text", text(&d.text))),
        Message::DisplayPromptStatus(d) => f.push(("text", text(&d.text))),
        Message::Alarm(a) => {
            f.push(("severity", json!(a.severity.get())));
            f.push(("text", text(&a.text)));
        }
        Message::MediaResourceNotification(m) => {
            f.push(("device_type", json!(m.device_type.get())));
        }
        Message::Version(v) => f.push(("version", text(&v.version))),
        Message::Unknown { body, .. } => f.push(("body_len", json!(body.len()))),
        _ => {}
    }
    f
}

fn epoch(t: Duration) -> String {
    format!("{}.{:06}", t.as_secs(), t.subsec_micros())
}

/// One JSON line for a record: `id` (number), `name`, `time` (epoch
/// seconds with microseconds), `src`, `dst`, then the header and key fields.
#[must_use]
pub fn record_json(r: &Record) -> String {
    let mut obj = serde_json::Map::new();
    obj.insert("src".into(), json!(r.flow.src.to_string()));
    obj.insert("dst".into(), json!(r.flow.dst.to_string()));
    match &r.kind {
        RecordKind::Message {
            length,
            header_version,
            id,
            name,
            fields,
            error,
        } => {
            obj.insert("id".into(), json!(id));
            obj.insert("name".into(), json!(name.unwrap_or("Unknown")));
            obj.insert("length".into(), json!(length));
            obj.insert("header_version".into(), json!(header_version));
            for (k, v) in fields {
                obj.insert((*k).into(), v.clone());
            }
            if let Some(e) = error {
                obj.insert("error".into(), json!(e));
            }
        }
        RecordKind::Error(e) => {
            obj.insert("error".into(), json!(e));
        }
    }
    // `time` is written as a literal decimal so microseconds survive exactly.
    let rest = Value::Object(obj).to_string();
    let rest = rest.strip_prefix('{').unwrap_or(&rest);
    format!("{{\"time\":{},{rest}", epoch(r.time))
}

/// One text line for a record.
#[must_use]
pub fn record_text(r: &Record) -> String {
    let mut line = format!("{} {} -> {}", epoch(r.time), r.flow.src, r.flow.dst);
    match &r.kind {
        RecordKind::Message {
            header_version,
            id,
            name,
            fields,
            error,
            ..
        } => {
            let _ = write!(
                line,
                " 0x{id:04X} {} v{header_version}",
                name.unwrap_or("Unknown")
            );
            for (k, v) in fields {
                let _ = write!(line, " {k}={v}");
            }
            if let Some(e) = error {
                let _ = write!(line, " ERROR: {e}");
            }
        }
        RecordKind::Error(e) => {
            let _ = write!(line, " ERROR: {e}");
        }
    }
    line
}

/// Runs `dialtone sccp decode`.
///
/// # Errors
/// When the file cannot be read as a capture.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let packets = capture::read_file(&args.file)?;
    let records = decode_packets(&packets, args.port);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for r in &records {
        let line = if args.json {
            record_json(r)
        } else {
            record_text(r)
        };
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
