//! `dialtone cnf …`: phone configuration files (check, show, render from an inventory).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use dialtone_cnf_xml::load::LoadsManifest;
use dialtone_cnf_xml::model::{
    CallManagerGroup, DateTimeSetting, DevicePool, Document, Line, LoadInformation, Ports,
    Protocol, RootKind, SipLines, SipProfile, UrlKind, Value,
};
use dialtone_cnf_xml::names::{DeviceName, Mac};
use dialtone_cnf_xml::text::{Os79xx, SipCnf, SipLine};
use dialtone_cnf_xml::tree::{Style, Tree};
use dialtone_cnf_xml::validate::{validate, Finding, Model, Severity};
use dialtone_cnf_xml::xml::{Config, Position, Repair};
use serde::Deserialize;
use serde_json::json;

/// Configuration-file subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Parse and validate files; print findings and the repairs a file needed; exit code 1
    /// when any file has an error.
    Check {
        /// `SEP<MAC>.cnf.xml`, `XMLDefault.cnf.xml`, `SIP<MAC>.cnf`, `OS79XX.TXT`, dial plans, ...
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The phone's model number (`7962`) for load checks of per-device files.
        #[arg(long)]
        model: Option<u32>,
    },
    /// Print what a phone reads from a file: protocol, CallManagers, loads, URLs, lines.
    Show {
        /// The file.
        file: PathBuf,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Render the TFTP root of an inventory (TOML, schema in the README): one
    /// `SEP<MAC>.cnf.xml` per phone, `XMLDefault.cnf.xml`, optional `OS79XX.TXT`.
    Render {
        /// The inventory file.
        #[arg(long)]
        inventory: PathBuf,
        /// Output directory (created).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs a configuration subcommand.
///
/// # Errors
/// Unreadable files, a bad inventory, write errors.
pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Check { files, model } => check(&files, model.map(Model)),
        Command::Show { file, json } => show(&file, json),
        Command::Render { inventory, out } => render(&inventory, &out),
    }
}

/// What kind of file a name and its bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `SEP<MAC>.cnf.xml` / `XMLDefault.cnf.xml` (root `device` or `Default`).
    DeviceXml,
    /// Another XML file (dial plan, ring list, `syncinfo.xml`, ...), with its root.
    OtherXml,
    /// `SIPDefault.cnf` / `SIP<MAC>.cnf`.
    SipText,
    /// `OS79XX.TXT`.
    Os79xx,
    /// `*.loads`.
    Loads,
    /// `RINGLIST.DAT`.
    RingListDat,
    /// Old `SEP<MAC>.cnf` or anything else: served as bytes.
    Opaque,
}

/// Classifies a file by name and content.
#[must_use]
pub fn classify(name: &str, bytes: &[u8]) -> Kind {
    let lower = name.to_ascii_lowercase();
    let text = std::str::from_utf8(bytes).ok();
    let looks_xml = text.is_some_and(|t| {
        t.trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('<')
    });
    if lower.ends_with(".loads") {
        Kind::Loads
    } else if lower == "os79xx.txt" {
        Kind::Os79xx
    } else if lower == "ringlist.dat" {
        Kind::RingListDat
    } else if looks_xml {
        let is_cfg = text
            .and_then(|t| Tree::parse(t, Config::lenient()).ok())
            .is_some_and(|t| t.root.name == "device" || t.root.name == "Default");
        if is_cfg {
            Kind::DeviceXml
        } else {
            Kind::OtherXml
        }
    } else if lower.starts_with("sip") && lower.ends_with(".cnf") && text.is_some() {
        Kind::SipText
    } else {
        Kind::Opaque
    }
}

fn loc(src: &str, offset: usize) -> String {
    let p = Position::locate(src, offset);
    format!("{}:{}", p.line, p.column)
}

fn repair_text(src: &str, r: &Repair<'_>) -> String {
    format!("{}: repaired {:?}", loc(src, r.offset), r.kind)
}

fn check(files: &[PathBuf], model: Option<Model>) -> anyhow::Result<ExitCode> {
    let mut errors = 0usize;
    for path in files {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let kind = classify(name, &bytes);
        let shown = path.display();
        match kind {
            Kind::DeviceXml | Kind::OtherXml => {
                let Ok(src) = std::str::from_utf8(&bytes) else {
                    println!("{shown}: error: not UTF-8");
                    errors += 1;
                    continue;
                };
                if kind == Kind::OtherXml {
                    match Tree::parse(src, Config::lenient()) {
                        Ok(t) => {
                            println!(
                                "{shown}: {} (root <{}>)",
                                other_kind(&t.root.name),
                                t.root.name
                            );
                            for r in &t.repairs {
                                println!("{shown}:{}", repair_text(src, r));
                            }
                        }
                        Err(e) => {
                            println!("{shown}: error: {e}");
                            errors += 1;
                        }
                    }
                    continue;
                }
                let strict = Document::parse(src, Config::strict());
                let doc = match Document::parse(src, Config::lenient()) {
                    Ok(d) => d,
                    Err(e) => {
                        println!("{shown}: error: {e}");
                        errors += 1;
                        continue;
                    }
                };
                let what = if doc.root == RootKind::Device {
                    "device configuration"
                } else {
                    "default configuration"
                };
                match &strict {
                    Ok(_) => println!("{shown}: {what}, well-formed"),
                    Err(e) => println!(
                        "{shown}: {what}, not well-formed ({e}); a phone reads it after {} repair(s)",
                        doc.repairs.len()
                    ),
                }
                for f in validate(&doc, Some(name), model) {
                    let sev = match f.severity() {
                        Severity::Error => {
                            errors += 1;
                            "error"
                        }
                        Severity::Warning => "warning",
                    };
                    match f {
                        Finding::Repaired { kind, offset } => {
                            println!("{shown}:{}: {sev}: repaired {kind:?}", loc(src, offset));
                        }
                        other => println!("{shown}: {sev}: {other}"),
                    }
                }
            }
            Kind::SipText => {
                let src = String::from_utf8_lossy(&bytes);
                let cnf = SipCnf::parse(&src);
                println!(
                    "{shown}: SIP text configuration, {} settings",
                    cnf.settings().count()
                );
                for (i, l) in cnf.lines.iter().enumerate() {
                    if let SipLine::Other(s) = l {
                        println!("{shown}:{}: warning: not a setting: {s:?}", i + 1);
                    }
                }
                if dialtone_cnf_xml::names::has_lower_case_mac(name) {
                    println!("{shown}: error: {}", Finding::LowerCaseMac);
                    errors += 1;
                }
            }
            Kind::Os79xx => {
                let src = String::from_utf8_lossy(&bytes);
                let o = Os79xx::parse(&src);
                println!("{shown}: OS79XX.TXT naming image {}", o.image());
                if o.has_padding() {
                    println!("{shown}: warning: whitespace around the image name (old phones then request a file that does not exist)");
                }
            }
            Kind::Loads => {
                let m = LoadsManifest::parse(&bytes);
                let files: Vec<_> = m.files().collect();
                println!(
                    "{shown}: load manifest {} listing {}",
                    m.name.unwrap_or("?"),
                    files.join(", ")
                );
            }
            Kind::RingListDat => {
                let src = String::from_utf8_lossy(&bytes);
                println!(
                    "{shown}: ring list, {} entries",
                    dialtone_cnf_xml::text::ring_list_dat(&src).count()
                );
            }
            Kind::Opaque => println!("{shown}: not interpreted (served as bytes)"),
        }
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn other_kind(root: &str) -> &'static str {
    match root {
        "DIALTEMPLATE" | "dialTemplate" => "dial template",
        "CiscoIPPhoneRingList" => "ring list",
        "CiscoIPPhoneImageList" => "background image list",
        "SYNCINFO" => "SIP image sync information",
        _ => "XML file",
    }
}

fn show(path: &Path, as_json: bool) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let value = match classify(name, &bytes) {
        Kind::DeviceXml => {
            let src = std::str::from_utf8(&bytes)?;
            let doc =
                Document::parse(src, Config::lenient()).map_err(|e| anyhow::anyhow!("{e}"))?;
            show_doc(&doc)
        }
        Kind::SipText => {
            let src = String::from_utf8_lossy(&bytes);
            let cnf = SipCnf::parse(&src);
            let settings: BTreeMap<String, String> = cnf
                .settings()
                .map(|s| (s.name.to_string(), s.value.to_string()))
                .collect();
            json!({
                "kind": "sip-text",
                "image_version": cnf.image_version(),
                "proxies": cnf.proxies().iter().map(|(h, p)| json!({"host": h, "port": p})).collect::<Vec<_>>(),
                "settings": settings,
            })
        }
        Kind::Os79xx => {
            let src = String::from_utf8_lossy(&bytes);
            let o = Os79xx::parse(&src);
            json!({"kind": "os79xx", "image": o.image(), "padded": o.has_padding()})
        }
        Kind::Loads => {
            let m = LoadsManifest::parse(&bytes);
            json!({"kind": "loads", "name": m.name, "files": m.files().collect::<Vec<_>>()})
        }
        other => bail!(
            "{}: nothing to show for a file of kind {other:?}",
            path.display()
        ),
    };
    if as_json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print_plain(&value, 0);
    }
    Ok(ExitCode::SUCCESS)
}

fn show_doc(doc: &Document<'_>) -> serde_json::Value {
    let c = &doc.config;
    let cms: Vec<_> = c
        .call_managers()
        .iter()
        .map(|m| {
            json!({
                "priority": m.priority,
                "host": m.host(),
                "name": m.name(),
                "sccp_port": m.ports().and_then(Ports::sccp),
                "sip_port": m.ports().and_then(Ports::sip),
                "secure_sip_port": m.ports().and_then(Ports::secure_sip),
            })
        })
        .collect();
    let loads: Vec<_> = c
        .load_information
        .iter()
        .map(|l| json!({"device_type": l.device_type, "model": l.model.as_deref(), "load": l.name()}))
        .collect();
    let urls: BTreeMap<&str, &str> = [
        ("services", UrlKind::Services),
        ("directory", UrlKind::Directory),
        ("idle", UrlKind::Idle),
        ("authentication", UrlKind::Authentication),
        ("proxy", UrlKind::ProxyServer),
        ("information", UrlKind::Information),
        ("messages", UrlKind::Messages),
    ]
    .into_iter()
    .filter_map(|(k, u)| c.url(u).map(|v| (k, v)))
    .collect();
    let lines: Vec<_> = c
        .sip_lines()
        .map(|l| {
            json!({
                "button": l.button(),
                "name": l.name.as_ref().map(Value::trimmed),
                "display_name": l.display_name.as_ref().map(Value::trimmed),
                "proxy": l.proxy.as_ref().map(Value::trimmed),
            })
        })
        .collect();
    json!({
        "kind": if doc.root == RootKind::Device { "device" } else { "default" },
        "protocol": c.protocol().map(Protocol::as_str),
        "device_pool": c.device_pool.as_ref().and_then(|p| p.name.as_ref()).map(Value::trimmed),
        "call_managers": cms,
        "loads": loads,
        "urls": urls,
        "user_locale": c.user_locale.as_ref().and_then(|l| l.name.as_ref()).map(Value::trimmed),
        "network_locale": c.network_locale.as_ref().map(Value::trimmed),
        "version_stamp": c.version_stamp.as_ref().map(Value::trimmed),
        "sip_lines": lines,
        "repairs": doc.repairs.iter().map(|r| format!("{:?}", r.kind)).collect::<Vec<_>>(),
    })
}

fn print_plain(v: &serde_json::Value, indent: usize) {
    let pad = "  ".repeat(indent);
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                match v {
                    serde_json::Value::Null => {}
                    serde_json::Value::Array(a) if a.is_empty() => {}
                    serde_json::Value::Object(_) | serde_json::Value::Array(_) => {
                        println!("{pad}{k}:");
                        print_plain(v, indent + 1);
                    }
                    serde_json::Value::String(s) => println!("{pad}{k}: {s}"),
                    other => println!("{pad}{k}: {other}"),
                }
            }
        }
        serde_json::Value::Array(a) => {
            for item in a {
                match item {
                    serde_json::Value::Object(m) => {
                        let mut line = String::new();
                        for (k, v) in m {
                            if !v.is_null() {
                                let _ = write!(
                                    line,
                                    "{k}={} ",
                                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                                );
                            }
                        }
                        println!("{pad}- {}", line.trim_end());
                    }
                    serde_json::Value::String(s) => println!("{pad}- {s}"),
                    other => println!("{pad}- {other}"),
                }
            }
        }
        other => println!("{pad}{other}"),
    }
}

/// The inventory file (TOML). See the README for an example.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// Settings shared by every phone and written to `XMLDefault.cnf.xml`.
    #[serde(default)]
    pub defaults: Defaults,
    /// The phones.
    #[serde(default, rename = "phone")]
    pub phones: Vec<Phone>,
}

/// Shared settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// `SCCP` or `SIP` (default `SIP`).
    pub protocol: Option<String>,
    /// Device pool name.
    pub device_pool: Option<String>,
    /// CallManager group name.
    pub call_manager_group: Option<String>,
    /// Members, in priority order unless `priority` is given.
    #[serde(default)]
    pub call_managers: Vec<CallManagerSpec>,
    /// `dateTemplate`, e.g. `D/M/YA`.
    pub date_template: Option<String>,
    /// `timeZone`, e.g. `GMT Standard/Daylight Time`.
    pub time_zone: Option<String>,
    /// Default load for per-device files (when the phone has none).
    pub load: Option<String>,
    /// `XMLDefault.cnf.xml` loads per device type number (`"404" = "SIP42.9-4-2SR3-1S"`).
    #[serde(default)]
    pub default_loads: BTreeMap<String, String>,
    /// Service URLs: keys `services`, `directory`, `idle`, `authentication`, `proxy`,
    /// `information`, `messages`.
    #[serde(default)]
    pub urls: BTreeMap<String, String>,
    /// `networkLocale`.
    pub network_locale: Option<String>,
    /// Write `OS79XX.TXT` naming this image.
    pub os79xx: Option<String>,
}

/// One CallManager.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallManagerSpec {
    /// Host name or address (`processNodeName`).
    pub host: String,
    /// Priority (lower first); default: the list position.
    pub priority: Option<u32>,
    /// SCCP port (default 2000).
    pub sccp_port: Option<u16>,
    /// SIP port (default 5060).
    pub sip_port: Option<u16>,
    /// SIP-TLS port (default 5061).
    pub secure_sip_port: Option<u16>,
}

/// One phone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phone {
    /// MAC address in any usual form.
    pub mac: String,
    /// Model number, used to check the load.
    pub model: Option<u32>,
    /// Overrides the default protocol.
    pub protocol: Option<String>,
    /// Overrides the default load.
    pub load: Option<String>,
    /// SIP lines.
    #[serde(default)]
    pub lines: Vec<LineSpec>,
}

/// One SIP line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineSpec {
    /// Extension / user part.
    pub name: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Authentication name (default: `name`).
    pub auth_name: Option<String>,
    /// Password.
    pub auth_password: Option<String>,
}

fn protocol_of(s: Option<&str>) -> anyhow::Result<Protocol> {
    match s.unwrap_or("SIP") {
        p if p.eq_ignore_ascii_case("SIP") => Ok(Protocol::Sip),
        p if p.eq_ignore_ascii_case("SCCP") => Ok(Protocol::Sccp),
        p => bail!("protocol {p:?}: expected SIP or SCCP"),
    }
}

fn group(d: &Defaults) -> CallManagerGroup<'static> {
    let mut g = CallManagerGroup::default();
    g.name = d.call_manager_group.clone().map(Value::from);
    for (i, cm) in d.call_managers.iter().enumerate() {
        let mut ports = Ports::default();
        ports.ethernet_phone_port = Some(Value::from(cm.sccp_port.unwrap_or(2000).to_string()));
        ports.sip_port = Some(Value::from(cm.sip_port.unwrap_or(5060).to_string()));
        ports.secured_sip_port = Some(Value::from(cm.secure_sip_port.unwrap_or(5061).to_string()));
        let prio = cm.priority.unwrap_or(u32::try_from(i).unwrap_or(u32::MAX));
        g.push_member(prio, cm.host.clone(), ports);
    }
    g
}

fn set_urls(doc: &mut Document<'static>, urls: &BTreeMap<String, String>) -> anyhow::Result<()> {
    let c = &mut doc.config;
    for (k, v) in urls {
        let v = Some(Value::from(v.clone()));
        match k.as_str() {
            "services" => c.services_url = v,
            "directory" => c.directory_url = v,
            "idle" => c.idle_url = v,
            "authentication" => c.authentication_url = v,
            "proxy" => c.proxy_server_url = v,
            "information" => c.information_url = v,
            "messages" => c.messages_url = v,
            other => bail!("unknown URL key {other:?}"),
        }
    }
    Ok(())
}

/// Builds the per-device document of one phone.
///
/// # Errors
/// A bad MAC or protocol.
pub fn phone_document(d: &Defaults, p: &Phone) -> anyhow::Result<(DeviceName, Document<'static>)> {
    let mac = Mac::parse(p.mac.trim()).map_err(|e| anyhow::anyhow!("phone {:?}: {e}", p.mac))?;
    let name = DeviceName::sep(mac);
    let protocol = protocol_of(p.protocol.as_deref().or(d.protocol.as_deref()))?;
    let mut doc = Document::new(RootKind::Device);
    doc.config.full_config = Some(Value::from("true"));
    doc.config.set_protocol(protocol);
    let mut pool = DevicePool::default();
    pool.name = d.device_pool.clone().map(Value::from);
    if d.date_template.is_some() || d.time_zone.is_some() {
        let mut dt = DateTimeSetting::default();
        dt.date_template = d.date_template.clone().map(Value::from);
        dt.time_zone = d.time_zone.clone().map(Value::from);
        pool.date_time_setting = Some(dt);
    }
    pool.call_manager_group = Some(group(d));
    doc.config.device_pool = Some(pool);
    if protocol == Protocol::Sip {
        let mut lines = SipLines::default();
        for (i, l) in p.lines.iter().enumerate() {
            let mut line = Line::default();
            line.attrs.push(dialtone_cnf_xml::tree::Attr::new(
                "button",
                (i + 1).to_string(),
            ));
            line.feature_id = Some(Value::from("9"));
            line.feature_label = Some(Value::from(
                l.display_name.clone().unwrap_or_else(|| l.name.clone()),
            ));
            line.proxy = Some(Value::from("USECALLMANAGER"));
            line.name = Some(Value::from(l.name.clone()));
            line.display_name = l.display_name.clone().map(Value::from);
            line.auth_name = Some(Value::from(
                l.auth_name.clone().unwrap_or_else(|| l.name.clone()),
            ));
            line.auth_password = l.auth_password.clone().map(Value::from);
            lines.line.push(line);
        }
        let mut profile = SipProfile::default();
        profile.sip_lines = Some(lines);
        doc.config.sip_profile = Some(profile);
    }
    if let Some(load) = p.load.as_ref().or(d.load.as_ref()) {
        doc.config.load_information.push(LoadInformation {
            load: load.clone().into(),
            ..LoadInformation::default()
        });
    }
    doc.config.network_locale = d.network_locale.clone().map(Value::from);
    set_urls(&mut doc, &d.urls)?;
    doc.config.version_stamp = Some(Value::from(format!("{name}-1")));
    Ok((name, doc))
}

/// Builds `XMLDefault.cnf.xml`.
///
/// # Errors
/// A device type that is not a number, or a bad URL key.
pub fn default_document(d: &Defaults) -> anyhow::Result<Document<'static>> {
    let mut doc = Document::new(RootKind::Default);
    doc.config.call_manager_group = Some(group(d));
    for (t, load) in &d.default_loads {
        let device_type: u32 = t
            .parse()
            .with_context(|| format!("device type {t:?} is not a number"))?;
        let model =
            Model::from_device_type(device_type).map(|m| format!("IP Phone {}", m.0).into());
        doc.config.load_information.push(LoadInformation {
            device_type: Some(device_type),
            model,
            load: load.clone().into(),
        });
    }
    set_urls(&mut doc, &d.urls)?;
    Ok(doc)
}

fn render(inventory: &Path, out: &Path) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(inventory)
        .with_context(|| format!("reading {}", inventory.display()))?;
    let inv: Inventory =
        toml::from_str(&text).with_context(|| format!("parsing {}", inventory.display()))?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut written = 0usize;
    let mut buf = String::with_capacity(8192);
    let mut warnings = 0usize;
    for p in &inv.phones {
        let (name, doc) = phone_document(&inv.defaults, p)?;
        for f in validate(&doc, None, p.model.map(Model)) {
            eprintln!("{name}: warning: {f}");
            warnings += 1;
        }
        buf.clear();
        doc.write(&mut buf, Style::default())?;
        std::fs::write(out.join(format!("{name}.cnf.xml")), &buf)?;
        written += 1;
    }
    let def = default_document(&inv.defaults)?;
    buf.clear();
    def.write(&mut buf, Style::default())?;
    std::fs::write(out.join("XMLDefault.cnf.xml"), &buf)?;
    written += 1;
    if let Some(image) = &inv.defaults.os79xx {
        buf.clear();
        Os79xx::new(image.as_str()).write(&mut buf)?;
        std::fs::write(out.join("OS79XX.TXT"), &buf)?;
        written += 1;
    }
    println!(
        "{written} files written to {} ({warnings} warnings)",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
