//! `SEP<MAC>.cnf.xml`: our full typed parse against quick-xml's bare event loop, quick-xml's
//! serde into an equivalent struct and roxmltree (on `sep-ns.cnf.xml`, the same document with
//! its prefixes declared, since roxmltree rejects the undeclared ones CUCM writes); and
//! rendering 10,000 configurations from an inventory.

#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use dialtone_benches::sample;
use dialtone_cnf_xml::model::{
    CallManagerGroup, DevicePool, Document, LoadInformation, Ports, Protocol, RootKind, Value,
};
use dialtone_cnf_xml::names::{DeviceName, Mac};
use dialtone_cnf_xml::tree::Style;
use dialtone_cnf_xml::xml::{Config, Reader};
use serde::Deserialize;

mod de {
    //! The serde struct: the same fields our typed model reads.
    use super::Deserialize;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct Device {
        #[serde(rename = "deviceProtocol")]
        pub device_protocol: Option<String>,
        #[serde(rename = "devicePool")]
        pub device_pool: Option<DevicePool>,
        #[serde(rename = "sipProfile")]
        pub sip_profile: Option<SipProfile>,
        #[serde(rename = "loadInformation")]
        pub load_information: Option<String>,
        #[serde(rename = "versionStamp")]
        pub version_stamp: Option<String>,
        #[serde(rename = "networkLocale")]
        pub network_locale: Option<String>,
        #[serde(rename = "authenticationURL")]
        pub authentication_url: Option<String>,
        #[serde(rename = "vendorConfig")]
        pub vendor_config: Option<std::collections::BTreeMap<String, String>>,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct DevicePool {
        pub name: Option<String>,
        #[serde(rename = "dateTimeSetting")]
        pub date_time_setting: Option<DateTime>,
        #[serde(rename = "callManagerGroup")]
        pub call_manager_group: Option<Group>,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct DateTime {
        pub name: Option<String>,
        #[serde(rename = "dateTemplate")]
        pub date_template: Option<String>,
        #[serde(rename = "timeZone")]
        pub time_zone: Option<String>,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct Group {
        pub name: Option<String>,
        pub members: Members,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct Members {
        pub member: Vec<Member>,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct Member {
        #[serde(rename = "@priority")]
        pub priority: Option<u32>,
        #[serde(rename = "callManager")]
        pub call_manager: CallManager,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct CallManager {
        pub name: Option<String>,
        pub ports: Option<Ports>,
        #[serde(rename = "processNodeName")]
        pub process_node_name: Option<String>,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct Ports {
        #[serde(rename = "ethernetPhonePort")]
        pub ethernet_phone_port: Option<u16>,
        #[serde(rename = "sipPort")]
        pub sip_port: Option<u16>,
        #[serde(rename = "securedSipPort")]
        pub secured_sip_port: Option<u16>,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct SipProfile {
        #[serde(rename = "phoneLabel")]
        pub phone_label: Option<String>,
        #[serde(rename = "sipLines")]
        pub sip_lines: Option<SipLines>,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct SipLines {
        pub line: Vec<Line>,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    pub struct Line {
        #[serde(rename = "@button")]
        pub button: Option<u32>,
        #[serde(rename = "featureID")]
        pub feature_id: Option<u32>,
        pub name: Option<String>,
        #[serde(rename = "displayName")]
        pub display_name: Option<String>,
        #[serde(rename = "authName")]
        pub auth_name: Option<String>,
    }
}

fn parse(c: &mut Criterion) {
    let bytes = sample("sep.cnf.xml");
    let src = std::str::from_utf8(&bytes).expect("sample is UTF-8");
    let ns_bytes = sample("sep-ns.cnf.xml");
    let ns = std::str::from_utf8(&ns_bytes).expect("sample is UTF-8");

    // Sanity: everyone reads the same document.
    let doc = Document::parse(src, Config::lenient()).expect("typed parse");
    assert_eq!(doc.config.call_managers().len(), 2);
    let d: de::Device = quick_xml::de::from_str(src).expect("serde parse");
    assert_eq!(
        d.device_pool
            .and_then(|p| p.call_manager_group)
            .map(|g| g.members.member.len()),
        Some(2)
    );
    assert!(roxmltree::Document::parse(ns).is_ok());

    let mut g = c.benchmark_group("cnf_parse");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("dialtone_typed_model", |b| {
        b.iter(|| {
            let doc = Document::parse(black_box(src), Config::lenient()).expect("parse");
            black_box(doc.config.call_managers().len())
        })
    });
    g.bench_function("dialtone_tokenizer_events", |b| {
        b.iter(|| {
            let mut r = Reader::new(black_box(src), Config::lenient());
            let mut n = 0usize;
            while let Ok(Some(ev)) = r.next_event() {
                black_box(&ev);
                n += 1;
            }
            n
        })
    });
    g.bench_function("quick_xml_events", |b| {
        b.iter(|| {
            let mut r = quick_xml::Reader::from_str(black_box(src));
            let mut n = 0usize;
            loop {
                match r.read_event() {
                    Ok(quick_xml::events::Event::Eof) | Err(_) => break,
                    Ok(ev) => {
                        black_box(&ev);
                        n += 1;
                    }
                }
            }
            n
        })
    });
    g.bench_function("quick_xml_serde", |b| {
        b.iter(|| {
            let d: de::Device = quick_xml::de::from_str(black_box(src)).expect("parse");
            black_box(d)
        })
    });
    g.throughput(Throughput::Bytes(ns_bytes.len() as u64));
    g.bench_function("roxmltree_ns", |b| {
        b.iter(|| {
            let d = roxmltree::Document::parse(black_box(ns)).expect("parse");
            black_box(d.root_element().children().count())
        })
    });
    g.finish();
}

/// One phone of a synthetic inventory.
fn phone_doc(i: u32) -> Document<'static> {
    let mut doc = Document::new(RootKind::Device);
    let c = &mut doc.config;
    c.set_protocol(Protocol::Sip);
    let mut group = CallManagerGroup::default();
    group.name = Some(Value::from("CMG_HQ"));
    for (prio, host) in [(0, "10.10.10.11"), (1, "10.10.10.12")] {
        let mut ports = Ports::default();
        ports.ethernet_phone_port = Some(Value::from("2000"));
        ports.sip_port = Some(Value::from("5060"));
        group.push_member(prio, host, ports);
    }
    let mut pool = DevicePool::default();
    pool.name = Some(Value::from("DP_Voice_HQ"));
    pool.call_manager_group = Some(group);
    c.device_pool = Some(pool);
    c.load_information.push(LoadInformation {
        load: "sip8845_65.12-8-1-0001-455".into(),
        ..LoadInformation::default()
    });
    let mac = Mac([0x00, 0x1e, 0x7a, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
    c.version_stamp = Some(Value::from(format!("{}-0", DeviceName::sep(mac))));
    c.authentication_url = Some(Value::from(
        "http://10.10.10.11:8080/ccmcip/authenticate.jsp",
    ));
    doc
}

fn render(c: &mut Criterion) {
    let mut g = c.benchmark_group("cnf_render");
    g.sample_size(10);
    g.bench_function("render_10000_configs", |b| {
        b.iter_batched(
            || String::with_capacity(4096),
            |mut out| {
                let mut total = 0usize;
                for i in 0..10_000 {
                    out.clear();
                    phone_doc(i)
                        .write(&mut out, Style::default())
                        .expect("String never fails");
                    total += out.len();
                }
                black_box(total)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, parse, render);
criterion_main!(benches);
