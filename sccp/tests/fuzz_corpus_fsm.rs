//! The state-machine fuzz bodies: checked-in corpus replay, and property
//! tests over thousands of scripts from fixed seeds (any input sequence never
//! panics, invariants hold, `poll_timeout` moves forward).

use std::path::Path;

use dialtone_core::Rng;

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

fn scripts(seed: u64, count: usize, f: fn(&[u8])) {
    let mut rng = Rng::new(seed);
    for _ in 0..count {
        let len = rng.range_u64(16, 2048) as usize;
        let mut data = vec![0u8; len];
        rng.fill_bytes(&mut data);
        f(&data);
    }
}

#[test]
fn replay_corpus_sccp_station() {
    replay("sccp_station", dialtone_sccp::fuzzing::station_script);
}

#[test]
fn replay_corpus_sccp_registrar() {
    replay("sccp_registrar", dialtone_sccp::fuzzing::registrar_script);
}

#[test]
fn any_input_sequence_keeps_station_invariants() {
    scripts(0x57a7_1011, 3000, dialtone_sccp::fuzzing::station_script);
}

#[test]
fn any_input_sequence_keeps_registrar_invariants() {
    scripts(0x4e91_57a5, 3000, dialtone_sccp::fuzzing::registrar_script);
}
