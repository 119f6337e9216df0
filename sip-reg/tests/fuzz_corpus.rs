//! Replays the checked-in fuzz corpora through the fuzz bodies.

use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("dir entry").path();
        let data = std::fs::read(&path).expect("corpus file");
        body(&data);
        n += 1;
    }
    assert!(n > 0, "empty corpus {target}");
}

#[test]
fn replay_corpus_sip_parse() {
    replay("sip_parse", dialtone_sip_reg::fuzzing::parse);
}

#[test]
fn replay_corpus_sip_digest() {
    replay("sip_digest", dialtone_sip_reg::fuzzing::digest);
}

#[test]
fn replay_corpus_sip_ua() {
    replay("sip_ua", dialtone_sip_reg::fuzzing::ua);
}

#[test]
fn replay_corpus_sip_registrar() {
    replay("sip_registrar", dialtone_sip_reg::fuzzing::registrar);
}
