//! Property tests with fixed seeds: arbitrary models generate, parse back and regenerate
//! identically; arbitrary bytes never panic any reader.
use std::borrow::Cow;

use arbitrary::{Arbitrary, Result, Unstructured};
use dialtone_cnf_xml::fuzzing;
use dialtone_cnf_xml::model::{
    CallManagerGroup, DevicePool, Document, Generic, Line, LoadInformation, Ports, Protocol,
    RootKind, SipLines, SipProfile, Value,
};
use dialtone_cnf_xml::tree::{Element, Node, Style};
use dialtone_cnf_xml::xml::Config;
use dialtone_core::Rng;

fn text(u: &mut Unstructured<'_>) -> Result<String> {
    const ALPHABET: &[&str] = &[
        "a", "Z", "0", "9", " ", "&", "<", ">", "\"", "'", "é", "中", "-", ".", ":", "/", "\t",
        "]]>", "&amp;",
    ];
    let n = u.int_in_range(0..=12)?;
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(u.choose(ALPHABET)?);
    }
    Ok(s)
}

fn name(u: &mut Unstructured<'_>) -> Result<String> {
    const NAMES: &[&str] = &[
        "pcPort",
        "garp",
        "webAccess",
        "x",
        "a_b",
        "x-y.z",
        "sshPort",
        "daysDisplayNotActive",
    ];
    Ok((*u.choose(NAMES)?).to_owned())
}

fn value(u: &mut Unstructured<'_>) -> Result<Option<Value<'static>>> {
    Ok(if bool::arbitrary(u)? {
        Some(Value(Cow::Owned(text(u)?)))
    } else {
        None
    })
}

fn model(u: &mut Unstructured<'_>) -> Result<Document<'static>> {
    let root = if bool::arbitrary(u)? {
        RootKind::Device
    } else {
        RootKind::Default
    };
    let mut doc = Document::new(root);
    let c = &mut doc.config;
    if bool::arbitrary(u)? {
        c.set_protocol(if bool::arbitrary(u)? {
            Protocol::Sip
        } else {
            Protocol::Sccp
        });
    }
    let mut group = CallManagerGroup::default();
    group.name = value(u)?;
    for _ in 0..u.int_in_range(0..=5)? {
        let mut ports = Ports::default();
        ports.ethernet_phone_port = Some(Value(Cow::Owned(u16::arbitrary(u)?.to_string())));
        ports.sip_port = value(u)?;
        group.push_member(u.int_in_range(0..=4)?, text(u)?, ports);
    }
    if root == RootKind::Device {
        let mut pool = DevicePool::default();
        pool.name = value(u)?;
        pool.call_manager_group = Some(group);
        c.device_pool = Some(pool);
    } else {
        c.call_manager_group = Some(group);
    }
    for _ in 0..u.int_in_range(0..=3)? {
        let device_type = if bool::arbitrary(u)? {
            Some(u.int_in_range(1..=40000)?)
        } else {
            None
        };
        let model = if bool::arbitrary(u)? {
            Some(Cow::Owned(text(u)?))
        } else {
            None
        };
        c.load_information.push(LoadInformation {
            device_type,
            model,
            load: Cow::Owned(text(u)?),
        });
    }
    c.version_stamp = value(u)?;
    c.services_url = value(u)?;
    c.directory_url = value(u)?;
    c.idle_url = value(u)?;
    c.authentication_url = value(u)?;
    c.proxy_server_url = value(u)?;
    c.information_url = value(u)?;
    c.messages_url = value(u)?;
    c.network_locale = value(u)?;
    if bool::arbitrary(u)? {
        let mut lines = SipLines::default();
        for _ in 0..u.int_in_range(0..=3)? {
            let mut line = Line::default();
            line.name = value(u)?;
            line.display_name = value(u)?;
            line.auth_name = value(u)?;
            lines.line.push(line);
        }
        let mut profile = SipProfile::default();
        profile.phone_label = value(u)?;
        profile.sip_lines = Some(lines);
        c.sip_profile = Some(profile);
    }
    if bool::arbitrary(u)? {
        let mut v = Generic::new("vendorConfig");
        for _ in 0..u.int_in_range(0..=6)? {
            let n = name(u)?;
            let t = text(u)?;
            v.element_mut()
                .children
                .push(Node::Element(if t.is_empty() {
                    Element::new(n)
                } else {
                    Element::leaf(n, t)
                }));
        }
        c.vendor_config = Some(v);
    }
    for _ in 0..u.int_in_range(0..=2)? {
        let (n, t) = (name(u)?, text(u)?);
        c.extras.push(Node::Element(if t.is_empty() {
            Element::new(n)
        } else {
            Element::leaf(n, t)
        }));
    }
    if bool::arbitrary(u)? {
        c.extras.push(Node::Comment(Cow::Borrowed(" generated ")));
    }
    Ok(doc)
}

fn seeded(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut buf = vec![0u8; len];
    rng.fill_bytes(&mut buf);
    buf
}

#[test]
fn generated_models_parse_back_identically() {
    for seed in 0..2000u64 {
        let bytes = seeded(seed, 2048);
        let mut u = Unstructured::new(&bytes);
        let Ok(doc) = model(&mut u) else { continue };
        for style in [
            Style::default(),
            Style::default().with_indent("").with_newline(""),
        ] {
            let out = doc.to_xml(style);
            let back = Document::parse(&out, Config::strict())
                .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{out}"));
            assert_eq!(back.root, doc.root);
            assert_eq!(back.to_xml(style), out, "seed {seed}");
            assert_eq!(back.config.protocol(), doc.config.protocol(), "seed {seed}");
            assert_eq!(
                back.config.load_information, doc.config.load_information,
                "seed {seed}"
            );
            let hosts = |d: &Document<'_>| {
                d.config
                    .call_managers()
                    .iter()
                    .map(|c| (c.priority, c.host().to_owned()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(hosts(&back), hosts(&doc), "seed {seed}");
            assert_eq!(
                back.config.vendor_config, doc.config.vendor_config,
                "seed {seed}"
            );
            assert_eq!(
                back.config.services_url, doc.config.services_url,
                "seed {seed}"
            );
            fuzzing::model(&out);
        }
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let seeds: Vec<Vec<u8>> = [
        "<device><a>1</a></device>",
        "<?xml version=\"1.0\"?><Default x='1'><b/></Default>",
        "a: \"b\" ; c\n",
        "SCCP41.9-4-2SR3-1S\nSCCP41.9-4-2-1S",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    for seed in 0..3000u64 {
        let mut rng = Rng::new(seed);
        let len = rng.range_u64(0, 300) as usize;
        let mut data = seeded(seed, len);
        // half the cases: mutate a valid document instead of pure noise
        if seed % 2 == 0 {
            let base = &seeds[(seed / 2 % seeds.len() as u64) as usize];
            let mut m = base.clone();
            for _ in 0..rng.range_u64(1, 4) {
                if m.is_empty() {
                    break;
                }
                let i = rng.range_u64(0, m.len() as u64) as usize;
                m[i] = b"<>/&;\"'=?! a\n"[rng.range_u64(0, 13) as usize];
            }
            data = m;
        }
        fuzzing::xml_all(&data);
        fuzzing::text(&data);
        fuzzing::load(&data);
    }
}
