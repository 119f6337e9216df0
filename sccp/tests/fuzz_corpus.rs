//! Replays the checked-in fuzz corpora through the fuzz bodies.

use std::path::Path;

fn replay(target: &str, f: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.is_file() {
            f(&std::fs::read(&p).unwrap());
            n += 1;
        }
    }
    assert!(n > 0, "empty corpus {}", dir.display());
}

#[test]
fn replay_corpus_sccp_decode() {
    replay("sccp_decode", dialtone_sccp::fuzzing::decode_roundtrip);
}

#[test]
fn replay_corpus_sccp_framer() {
    replay("sccp_framer", dialtone_sccp::fuzzing::framer);
}
