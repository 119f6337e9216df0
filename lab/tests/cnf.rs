//! `dialtone cnf check|show|render` on the real files and on a rendered inventory.

mod common;

use std::process::Command;

use common::testdata;

fn dialtone() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dialtone"))
}

#[test]
fn check_reports_repairs_and_fails_on_errors() {
    let out = dialtone()
        .args(["cnf", "check"])
        .arg(testdata(
            "cnf/dbaldree__cisco_sip_voipfone/SEP0014638ADF5E.cnf.xml",
        ))
        .arg(testdata("cnf/dbaldree__cisco_sip_voipfone/syncinfo.xml"))
        .arg(testdata("cnf/julianhead__CiscoPhones/dialplan.xml"))
        .arg(testdata("cnf/julianhead__CiscoPhones/SIPDefault.cnf"))
        .arg(testdata("cnf/staskobzar__cisco_prov/OS79XX.TXT"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("a phone reads it after 2 repair(s)"),
        "{text}"
    );
    assert!(
        text.contains("148:3: warning: repaired StrayEndTag { name: \"line\" }"),
        "{text}"
    );
    assert!(
        text.contains("repaired MissingQuote { attribute: \"VERSION\" }"),
        "{text}"
    );
    assert!(
        text.contains("dial template (root <DIALTEMPLATE>)"),
        "{text}"
    );
    assert!(
        text.contains("SIP text configuration, 29 settings"),
        "{text}"
    );
    assert!(text.contains("naming image P003-8-12-00"), "{text}");

    // No CallManager at all: an error, exit code 1.
    let out = dialtone()
        .args(["cnf", "check"])
        .arg(testdata(
            "cnf/GarnetAlliance__Cisco-8861-mpp/SEPA411BB844318.cnf.xml",
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("error: no CallManager in the group"));
}

#[test]
fn show_json_reads_the_call_managers() {
    let out = dialtone()
        .args(["cnf", "show", "--json"])
        .arg(testdata("samples/sep.cnf.xml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["protocol"], "SIP");
    assert_eq!(v["call_managers"][0]["host"], "10.10.10.11");
    assert_eq!(v["call_managers"][1]["sip_port"], 5060);
    assert_eq!(v["loads"][0]["load"], "sip8845_65.12-8-1-0001-455");
    assert_eq!(v["sip_lines"][1]["name"], "1099");
    let out = dialtone()
        .args(["cnf", "show"])
        .arg(testdata("cnf/julianhead__CiscoPhones/SIP0015F92EC692.cnf"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("image_version: P0S3-8-12-00"));
}

const INVENTORY: &str = r#"
[defaults]
protocol = "SIP"
device_pool = "DP_HQ"
call_manager_group = "CMG_HQ"
date_template = "D/M/YA"
time_zone = "GMT Standard/Daylight Time"
load = "SIP42.9-4-2SR3-1S"
network_locale = "United_Kingdom"
os79xx = "P0S3-8-12-00"
call_managers = [
  { host = "10.0.0.1" },
  { host = "10.0.0.2", sip_port = 5160 },
]
[defaults.default_loads]
"404" = "SIP42.9-4-2SR3-1S"
"434" = "SIP42.9-4-2SR3-1S"
[defaults.urls]
services = "http://10.0.0.1/services"
directory = "http://10.0.0.1/dir"

[[phone]]
mac = "0030.94c2.d5ca"
model = 7962
lines = [ { name = "1001", display_name = "Reception & Lobby", auth_password = "s3cret" } ]

[[phone]]
mac = "00:1e:7a:c4:d2:31"
protocol = "SCCP"
load = "SCCP42.9-4-2SR3-1S"
"#;

#[test]
fn render_writes_a_tftp_root_that_checks_clean() {
    let dir = std::env::temp_dir().join(format!("dialtone-cnf-render-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let inv = dir.join("inventory.toml");
    std::fs::write(&inv, INVENTORY).unwrap();
    let out_dir = dir.join("tftp");
    let out = dialtone()
        .args(["cnf", "render", "--inventory"])
        .arg(&inv)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "OS79XX.TXT",
            "SEP001E7AC4D231.cnf.xml",
            "SEP003094C2D5CA.cnf.xml",
            "XMLDefault.cnf.xml"
        ]
    );

    use dialtone_cnf_xml::model::{Document, Protocol};
    use dialtone_cnf_xml::xml::Config;
    let sep = std::fs::read_to_string(out_dir.join("SEP003094C2D5CA.cnf.xml")).unwrap();
    let doc = Document::parse(&sep, Config::strict()).unwrap();
    assert_eq!(doc.config.protocol(), Some(Protocol::Sip));
    let cms: Vec<_> = doc
        .config
        .call_managers()
        .iter()
        .map(|c| {
            (
                c.priority,
                c.host().to_owned(),
                c.ports().and_then(|p| p.sip()),
            )
        })
        .collect();
    assert_eq!(
        cms,
        [
            (Some(0), "10.0.0.1".to_owned(), Some(5060)),
            (Some(1), "10.0.0.2".to_owned(), Some(5160))
        ]
    );
    assert_eq!(doc.config.load_name(), Some("SIP42.9-4-2SR3-1S"));
    assert!(
        sep.contains("<displayName>Reception &amp; Lobby</displayName>"),
        "{sep}"
    );
    let sccp = std::fs::read_to_string(out_dir.join("SEP001E7AC4D231.cnf.xml")).unwrap();
    let doc = Document::parse(&sccp, Config::strict()).unwrap();
    assert_eq!(doc.config.protocol(), Some(Protocol::Sccp));
    assert!(doc.config.sip_profile.is_none());
    let def = std::fs::read_to_string(out_dir.join("XMLDefault.cnf.xml")).unwrap();
    let doc = Document::parse(&def, Config::strict()).unwrap();
    assert_eq!(doc.config.load_for(Some(404)), Some("SIP42.9-4-2SR3-1S"));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("OS79XX.TXT")).unwrap(),
        "P0S3-8-12-00\r\n"
    );

    // The rendered tree passes `cnf check`.
    let files: Vec<_> = names.iter().map(|n| out_dir.join(n)).collect();
    let out = dialtone()
        .args(["cnf", "check"])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
