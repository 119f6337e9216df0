//! Replays the checked-in fuzz corpora through the fuzz bodies.

use std::fs;
use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        body(&fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n > 0, "empty corpus {target}");
}

#[test]
fn replay_corpus_dhcp_decode() {
    replay("dhcp_decode", dialtone_dhcp_opts::fuzzing::decode);
}

#[test]
fn replay_corpus_dhcp_options() {
    replay("dhcp_options", dialtone_dhcp_opts::fuzzing::options);
}

#[test]
fn replay_corpus_dhcp_client() {
    replay("dhcp_client", dialtone_dhcp_opts::fuzzing::client);
}

#[test]
fn replay_corpus_dhcp_walk() {
    replay("dhcp_walk", dialtone_dhcp_opts::fuzzing::walk);
}
