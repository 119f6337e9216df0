//! The tokenizer, the load order and the request sequences allocate nothing. One test only:
//! the allocator statistics are process-wide.
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use std::alloc::System;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn count<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let region = Region::new(GLOBAL);
    let r = f();
    let stats = region.change();
    (stats.allocations + stats.reallocations, r)
}

#[test]
fn hot_paths_do_not_allocate() {
    use dialtone_cnf_xml::xml::{Config, Event, Reader};
    let files: Vec<String> = [
        "samples/sep.cnf.xml",
        "cnf/chan-sccp__chan-sccp/SEP0000000000.cnf.xml_annotated",
        "cnf/dbaldree__cisco_sip_voipfone/syncinfo.xml",
    ]
    .iter()
    .map(|f| {
        std::fs::read_to_string(format!("{}/../testdata/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    })
    .collect();
    for src in &files {
        for cfg in [Config::lenient(), Config::strict()] {
            let (n, events) = count(|| {
                let mut r = Reader::new(src, cfg);
                let mut events = 0usize;
                let mut text_len = 0usize;
                while let Ok(Some(ev)) = r.next_event() {
                    events += 1;
                    match ev {
                        Event::Start(t) | Event::Empty(t) => {
                            text_len += t.attributes().map(|a| a.raw_value.len()).sum::<usize>()
                        }
                        Event::Text(t) => text_len += t.raw().len(),
                        _ => {}
                    }
                }
                (events, text_len)
            });
            assert_eq!(n, 0, "tokenizer allocated");
            assert!(events.0 > 0);
        }
    }
    let (n, _) = count(|| {
        use dialtone_cnf_xml::load::{compare, decide, DefaultFileLoads, LoadSource};
        let a = compare("SCCP41.9-4-2SR3-1S", "SCCP41.9-4-2-1S");
        let b = decide(
            "sip88xx.11-2-3MSR1-1",
            Some("sip88xx.12-0-7MPP0201-66"),
            LoadSource::DefaultFile,
            DefaultFileLoads::RefuseOlder,
        );
        (a, b)
    });
    assert_eq!(n, 0, "load order allocated");
    let (n, names) = count(|| {
        use dialtone_cnf_xml::names::{request_sequence, BootProfile, Generation, Mac};
        let mac = Mac::parse("0030.94C2.D5CA").unwrap();
        request_sequence(mac, BootProfile::new(Generation::Xml))
            .map(|s| s.name.as_str().len())
            .sum::<usize>()
    });
    assert_eq!(n, 0, "request sequence allocated");
    assert!(names > 0);
    typed_parse_allocation_count();
}

/// Reported by `hot_paths_do_not_allocate` (the typed model allocates by design).
fn typed_parse_allocation_count() {
    use dialtone_cnf_xml::model::Document;
    use dialtone_cnf_xml::xml::Config;
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/samples/sep.cnf.xml"
    ))
    .unwrap();
    let (n, doc) = count(|| Document::parse(&src, Config::lenient()).unwrap());
    println!("typed parse of sep.cnf.xml: {n} allocations");
    // Unmodelled elements are source slices and most containers need no layout: the
    // allocations left are the attribute vectors (7), extras vectors (5), layouts of the
    // containers read out of canonical order (4), the member, line and load vectors (3), the
    // repair list (1) and one decoded value (1).
    assert!(n <= 21, "typed parse allocated {n} times");
    assert!(doc.config.device_pool.is_some());
}
