//! Every real file of testdata/cnf: parse, round trip, facts.
use dialtone_cnf_xml::model::{Document, Protocol};
use dialtone_cnf_xml::tree::{Style, Tree};
use dialtone_cnf_xml::xml::Config;

fn read(rel: &str) -> String {
    std::fs::read_to_string(format!("{}/../testdata/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

const CONFIGS: &[&str] = &[
    "cnf/3nd0y__firmware-7911G/SEPEC44761F03F7.cnf.xml",
    "cnf/3nd0y__firmware-7911G/XMLDefault.cnf.xml",
    "cnf/GarnetAlliance__Cisco-8861-mpp/SEPA411BB844318.cnf.xml",
    "cnf/bhdicaire__Cisco88xxSetup/XMLDefault.cnf.xml",
    "cnf/chan-sccp__chan-sccp/SEP0000000000.cnf.xml_annotated",
    "cnf/chan-sccp__chan-sccp/XMLDefault.cnf.xml",
    "cnf/dannymcc__Cisco-7906G-SIP/SEP000000000000.cnf.xml",
    "cnf/dbaldree__cisco_sip_voipfone/SEP0014638ADF5E.cnf.xml",
    "cnf/julianhead__CiscoPhones/XMLDefault.cnf.xml",
    "cnf/lrcamargo__cisco-ip-phone-sip/SEPMAC.cnf.xml",
    "cnf/staskobzar__cisco_prov/XMLDefault.cnf.xml",
    "cnf/undone37__Cisco-7962G-3rd-Party-Config/SEPMAC.cnf.xml",
    "cnf/undone37__Cisco-7962G-3rd-Party-Config/XMLDefault.cnf.xml",
    "cnf/zheltovanton__cisco79xx-to-asterisk/SEP0025459538B5.cnf.xml",
    "cnf/zheltovanton__cisco79xx-to-asterisk/SEPF44E05A383F4.cnf.xml",
    "samples/sep.cnf.xml",
    "samples/sep-ns.cnf.xml",
];

#[test]
fn dump() {
    for f in CONFIGS {
        let src = read(f);
        let doc = Document::parse(&src, Config::lenient()).unwrap();
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
        println!(
            "{f}: root={:?} proto={:?} load={:?} loads={:?} cms={cms:?} repairs={:?}",
            doc.root,
            doc.config.protocol(),
            doc.config.load_name(),
            doc.config
                .load_information
                .iter()
                .map(|l| (l.device_type, l.name().to_owned()))
                .take(3)
                .collect::<Vec<_>>(),
            doc.repairs.iter().map(|r| r.kind).collect::<Vec<_>>()
        );
        let out = doc.to_xml(Style::default());
        let a = Tree::parse(&src, Config::lenient()).unwrap().infoset();
        let t = Tree::parse(&out, Config::lenient()).unwrap_or_else(|e| panic!("{f}: {e}\n{out}"));
        assert!(
            t.repairs.iter().all(|r| matches!(
                r.kind,
                dialtone_cnf_xml::xml::RepairKind::UndeclaredPrefix { .. }
            )),
            "{f}: {:?}",
            t.repairs
        );
        let b = t.infoset();
        if a != b {
            for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
                if x != y {
                    panic!("{f}: first difference at {i}: {x} vs {y}");
                }
            }
            panic!("{f}: lengths {} vs {}", a.len(), b.len());
        }
    }
}
