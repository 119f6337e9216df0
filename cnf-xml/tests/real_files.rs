//! Every real configuration file of testdata/cnf: strict where well-formed, lenient with the
//! expected repairs otherwise; facts read from each; validation findings; infoset round trip.
use dialtone_cnf_xml::model::{Document, Protocol};
use dialtone_cnf_xml::tree::{Style, Tree};
use dialtone_cnf_xml::validate::{validate, Finding};
use dialtone_cnf_xml::xml::{Config, RepairKind};

fn read(rel: &str) -> String {
    std::fs::read_to_string(format!("{}/../testdata/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn file_name(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap()
}

/// (priority, host, SCCP port, SIP port).
type Cm = (Option<u32>, &'static str, Option<u16>, Option<u16>);

struct Expect {
    file: &'static str,
    /// Expected lenient repairs (empty: the file is read in strict mode).
    repairs: &'static [&'static str],
    protocol: Option<Protocol>,
    load: Option<&'static str>,
    /// (priority, host, SCCP port, SIP port) in the order the phone tries them.
    cms: &'static [Cm],
    /// Validation findings besides the repairs.
    findings: &'static [&'static str],
}

const FILES: &[Expect] = &[
    Expect { file: "cnf/3nd0y__firmware-7911G/SEPEC44761F03F7.cnf.xml", repairs: &[], protocol: Some(Protocol::Sip), load: Some("SIP11.9-4-2SR1-1S"), cms: &[(Some(0), "168.110.221.3", Some(2000), Some(5060))], findings: &[] },
    Expect { file: "cnf/3nd0y__firmware-7911G/XMLDefault.cnf.xml", repairs: &[], protocol: None, load: Some("SIP11.9-2-1S"), cms: &[(Some(0), "192.168.1.1", Some(2000), Some(5060))], findings: &[] },
    Expect { file: "cnf/GarnetAlliance__Cisco-8861-mpp/SEPA411BB844318.cnf.xml", repairs: &[], protocol: None, load: Some("sip88xx.12-0-7MPP0201-66"), cms: &[], findings: &["no CallManager in the group"] },
    Expect { file: "cnf/bhdicaire__Cisco88xxSetup/XMLDefault.cnf.xml", repairs: &[], protocol: None, load: None, cms: &[(Some(0), "cucmpub1", Some(2000), Some(5060))], findings: &[] },
    Expect { file: "cnf/chan-sccp__chan-sccp/SEP0000000000.cnf.xml_annotated", repairs: &["MismatchedEndTag { expected: \"WlanProfile2\", found: \"WlanProfile1\" }", "MismatchedEndTag { expected: \"WlanProfile3\", found: \"WlanProfile1\" }", "MismatchedEndTag { expected: \"WlanProfile4\", found: \"WlanProfile1\" }", "MismatchedEndTag { expected: \"headsetHandsetMonitor\", found: \"handsetHeadsetMonitor\" }"], protocol: Some(Protocol::Sccp), load: Some("P00308010100"), cms: &[(Some(0), "x.x.x.x", Some(2000), None), (Some(1), "x.x.x.x", Some(2000), None)], findings: &[] },
    Expect { file: "cnf/chan-sccp__chan-sccp/XMLDefault.cnf.xml", repairs: &[], protocol: None, load: None, cms: &[(Some(0), "10.0.0.1", Some(2000), None), (Some(1), "10.0.0.2", Some(2000), None)], findings: &[] },
    Expect { file: "cnf/dannymcc__Cisco-7906G-SIP/SEP000000000000.cnf.xml", repairs: &[], protocol: Some(Protocol::Sip), load: None, cms: &[(None, "sip.provider.com", None, Some(5060))], findings: &["member without priority"] },
    Expect { file: "cnf/dbaldree__cisco_sip_voipfone/SEP0014638ADF5E.cnf.xml", repairs: &["UndeclaredPrefix { prefix: \"xsi\" }", "StrayEndTag { name: \"line\" }"], protocol: Some(Protocol::Sip), load: Some("P0S3-8-12-00"), cms: &[(Some(0), "sip.voipfone.net", Some(2000), Some(5060))], findings: &[] },
    Expect { file: "cnf/julianhead__CiscoPhones/XMLDefault.cnf.xml", repairs: &[], protocol: None, load: None, cms: &[(Some(0), "", Some(2000), None)], findings: &[] },
    Expect { file: "cnf/lrcamargo__cisco-ip-phone-sip/SEPMAC.cnf.xml", repairs: &[], protocol: Some(Protocol::Sip), load: None, cms: &[(Some(0), "IP PABX", Some(2000), Some(5060))], findings: &[] },
    Expect { file: "cnf/staskobzar__cisco_prov/XMLDefault.cnf.xml", repairs: &[], protocol: None, load: None, cms: &[(Some(0), "10.130.8.20", Some(2000), None), (Some(1), "FAILOVER_NODE_IP", Some(2000), None)], findings: &[] },
    Expect { file: "cnf/undone37__Cisco-7962G-3rd-Party-Config/SEPMAC.cnf.xml", repairs: &[], protocol: Some(Protocol::Sip), load: Some("SIP42.9-4-2SR3-1S"), cms: &[(Some(0), "192.168.178.1", Some(2000), Some(5060))], findings: &[] },
    Expect { file: "cnf/undone37__Cisco-7962G-3rd-Party-Config/XMLDefault.cnf.xml", repairs: &[], protocol: None, load: None, cms: &[(Some(0), "", Some(2000), None)], findings: &["load SIP42.9-4-2SR3-1S does not fit model 7961", "load SIP42.9-4-2SR3-1S does not fit model 7961"] },
    Expect { file: "cnf/zheltovanton__cisco79xx-to-asterisk/SEP0025459538B5.cnf.xml", repairs: &["UndeclaredPrefix { prefix: \"xsi\" }"], protocol: Some(Protocol::Sip), load: Some("SIP11.8-5-3S"), cms: &[(Some(0), "SERVERIP", Some(2000), Some(5060))], findings: &[] },
    Expect { file: "cnf/zheltovanton__cisco79xx-to-asterisk/SEPF44E05A383F4.cnf.xml", repairs: &[], protocol: Some(Protocol::Sip), load: Some("SIP69xx.9-3-3-2"), cms: &[(Some(0), "SERVERIP", Some(2000), Some(5060))], findings: &[] },
    Expect { file: "samples/sep.cnf.xml", repairs: &["UndeclaredPrefix { prefix: \"xsi\" }"], protocol: Some(Protocol::Sip), load: Some("sip8845_65.12-8-1-0001-455"), cms: &[(Some(0), "10.10.10.11", Some(2000), Some(5060)), (Some(1), "10.10.10.12", Some(2000), Some(5060))], findings: &[] },
    Expect { file: "samples/sep-ns.cnf.xml", repairs: &[], protocol: Some(Protocol::Sip), load: Some("sip8845_65.12-8-1-0001-455"), cms: &[(Some(0), "10.10.10.11", Some(2000), Some(5060)), (Some(1), "10.10.10.12", Some(2000), Some(5060))], findings: &[] },
];

fn repairs_of(doc: &Document<'_>) -> Vec<String> {
    doc.repairs
        .iter()
        .map(|r| format!("{:?}", r.kind))
        .collect()
}

#[test]
fn every_real_config_parses_validates_and_round_trips() {
    let print = std::env::var("PRINT_EXPECT").is_ok();
    for e in FILES {
        let src = read(e.file);
        let strict = Document::parse(&src, Config::strict());
        let doc = Document::parse(&src, Config::lenient())
            .unwrap_or_else(|err| panic!("{}: {err}", e.file));
        let cms: Vec<_> = doc
            .config
            .call_managers()
            .iter()
            .map(|c| {
                (
                    c.priority,
                    c.host().to_owned(),
                    c.ports().and_then(|p| p.sccp()),
                    c.ports().and_then(|p| p.sip()),
                )
            })
            .collect();
        let findings: Vec<String> = validate(&doc, Some(file_name(e.file)), None)
            .iter()
            .filter(|f| !matches!(f, Finding::Repaired { .. }))
            .map(|f| f.to_string())
            .collect();
        if print {
            println!(
                "    Expect {{ file: {:?}, repairs: &{:?}, protocol: {:?}, load: {:?}, cms: &{:?}, findings: &{:?} }},",
                e.file, repairs_of(&doc), doc.config.protocol(), doc.config.load_name(), cms, findings
            );
            continue;
        }
        if e.repairs.is_empty() {
            let s = strict.unwrap_or_else(|err| panic!("{}: strict: {err}", e.file));
            assert_eq!(s, doc, "{}: strict and lenient readings differ", e.file);
        } else {
            assert!(strict.is_err(), "{}: expected strict mode to fail", e.file);
        }
        assert_eq!(repairs_of(&doc), e.repairs, "{}", e.file);
        assert_eq!(doc.config.protocol(), e.protocol, "{}", e.file);
        assert_eq!(doc.config.load_name(), e.load, "{}", e.file);
        let want: Vec<_> = e
            .cms
            .iter()
            .map(|&(p, h, s, t)| (p, h.to_owned(), s, t))
            .collect();
        assert_eq!(cms, want, "{}", e.file);
        assert_eq!(findings, e.findings, "{}", e.file);

        // parse -> generate -> parse: the same infoset (the lenient repair for malformed files).
        for style in [
            Style::default(),
            Style::default().with_indent("\t").with_newline("\r\n"),
            Style::default().with_indent("").with_newline(""),
        ] {
            let out = doc.to_xml(style);
            let again = Tree::parse(&out, Config::lenient())
                .unwrap_or_else(|err| panic!("{}: {err}\n{out}", e.file));
            assert!(
                again
                    .repairs
                    .iter()
                    .all(|r| matches!(r.kind, RepairKind::UndeclaredPrefix { .. })),
                "{}: generated output needs repairs {:?}",
                e.file,
                again.repairs
            );
            let orig = Tree::parse(&src, Config::lenient()).unwrap();
            assert_eq!(orig.infoset(), again.infoset(), "{}", e.file);
            // and the typed model reads the output the same way
            let doc2 = Document::parse(&out, Config::lenient()).unwrap();
            assert_eq!(doc2.config, doc.config, "{}", e.file);
            // deterministic
            assert_eq!(doc2.to_xml(style), out, "{}", e.file);
        }
    }
}

#[test]
fn other_files_are_recognised_and_never_crash() {
    for (f, root) in [
        ("cnf/julianhead__CiscoPhones/dialplan.xml", "DIALTEMPLATE"),
        ("cnf/dannymcc__Cisco-7906G-SIP/dialplan.xml", "DIALTEMPLATE"),
        (
            "cnf/staskobzar__cisco_prov/RINGLIST.XML",
            "CiscoIPPhoneRingList",
        ),
        (
            "cnf/nikscave__freepbx_configs/ringlist.xml",
            "CiscoIPPhoneRingList",
        ),
        ("cnf/dbaldree__cisco_sip_voipfone/syncinfo.xml", "SYNCINFO"),
    ] {
        let src = read(f);
        let t = Tree::parse(&src, Config::lenient()).unwrap();
        assert_eq!(t.root.name, root, "{f}");
        assert!(
            Document::parse(&src, Config::lenient()).is_err(),
            "{f} is not a device config"
        );
    }
    // syncinfo.xml: the missing quote is repaired the way the phone reads it.
    let src = read("cnf/dbaldree__cisco_sip_voipfone/syncinfo.xml");
    let t = Tree::parse(&src, Config::lenient()).unwrap();
    let images: Vec<_> = t
        .root
        .elements()
        .map(|e| {
            (
                e.attr("VERSION").unwrap().to_owned(),
                e.attr("SYNC").unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        images,
        [
            ("*".to_owned(), "1".to_owned()),
            ("P0S3-8-12-00".to_owned(), "1".to_owned())
        ]
    );
    assert_eq!(t.repairs.len(), 1);
    assert!(matches!(
        t.repairs[0].kind,
        RepairKind::MissingQuote {
            attribute: "VERSION"
        }
    ));
}
