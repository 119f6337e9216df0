//! The real text-format files of testdata/cnf.
use dialtone_cnf_xml::text::{ring_list_dat, Os79xx, SipCnf, SipLine};

fn read(rel: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../testdata/cnf/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// (file, number of settings, image_version, first proxy)
type Proxy = (&'static str, Option<u16>);

const SIP_FILES: &[(&str, usize, Option<&str>, Option<Proxy>)] = &[
    (
        "julianhead__CiscoPhones/SIPDefault.cnf",
        29,
        Some("P0S3-8-12-00"),
        Some(("172.16.230.245", Some(5060))),
    ),
    (
        "julianhead__CiscoPhones/SIP0015F92EC692.cnf",
        17,
        Some("P0S3-8-12-00"),
        Some(("172.16.230.245", Some(5060))),
    ),
    (
        "dbaldree__cisco_sip_voipfone/SIPDefault.cnf",
        69,
        Some("P0S3-8-12-00"),
        Some(("sip.voipfone.net", Some(5060))),
    ),
    (
        "nikscave__freepbx_configs/SIP00124330BFB3.cnf",
        14,
        None,
        None,
    ),
    (
        "nikscave__freepbx_configs/SIPDefault.cnf",
        53,
        Some("P0S3-8-12-00"),
        Some(("192.168.1.25", Some(5160))),
    ),
];

#[test]
fn sip_text_files_parse_and_round_trip_byte_for_byte() {
    for (f, n, img, proxy) in SIP_FILES {
        let src = read(f);
        let cnf = SipCnf::parse(&src);
        let others: Vec<_> = cnf
            .lines
            .iter()
            .filter_map(|l| match l {
                SipLine::Other(s) => Some(*s),
                _ => None,
            })
            .collect();
        assert!(others.is_empty(), "{f}: unread lines {others:?}");
        assert_eq!(cnf.settings().count(), *n, "{f}");
        assert_eq!(cnf.image_version(), *img, "{f}");
        assert_eq!(cnf.proxies().first().copied(), *proxy, "{f}");
        let mut out = String::new();
        cnf.write(&mut out).unwrap();
        assert_eq!(out, src, "{f}");
    }
}

#[test]
fn os79xx_files() {
    for (f, image, padded) in [
        ("julianhead__CiscoPhones/OS79XX.TXT", "P0S3-8-12-00", false),
        (
            "dbaldree__cisco_sip_voipfone/OS79XX.TXT",
            "P0S3-8-12-00",
            true,
        ),
        ("staskobzar__cisco_prov/OS79XX.TXT", "P003-8-12-00", true),
    ] {
        let src = read(f);
        let o = Os79xx::parse(&src);
        assert_eq!(o.image(), image, "{f}");
        assert_eq!(o.has_padding(), padded, "{f}");
        let mut out = String::new();
        o.write(&mut out).unwrap();
        assert_eq!(out, src, "{f}");
    }
}

#[test]
fn ring_list_dat_file() {
    let src = read("dbaldree__cisco_sip_voipfone/RINGLIST.DAT");
    let rings: Vec<_> = ring_list_dat(&src).collect();
    assert_eq!(
        rings,
        [
            ("Old Style", "ringer1.pcm"),
            ("Synth Low", "ringer2.pcm"),
            ("ctu", "CTU.pcm"),
            ("ctu24", "CTU24.pcm")
        ]
    );
}
