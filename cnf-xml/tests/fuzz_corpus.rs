//! Replays the checked-in fuzz corpora through the fuzz bodies.
use dialtone_cnf_xml::fuzzing;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = format!("{}/../fuzz/corpus/{target}", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
        let p = e.unwrap().path();
        body(&std::fs::read(&p).unwrap());
        n += 1;
    }
    assert!(n > 0, "empty corpus {dir}");
}

#[test]
fn replay_corpus_cnf_xml() {
    replay("cnf_xml", fuzzing::xml_all);
}

#[test]
fn replay_corpus_cnf_text() {
    replay("cnf_text", fuzzing::text);
}

#[test]
fn replay_corpus_cnf_load() {
    replay("cnf_load", fuzzing::load);
}
