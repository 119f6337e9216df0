//! Replays the checked-in fuzz corpora through the fuzz bodies, and feeds
//! them thousands of seeded random inputs.

use dialtone_core::Rng;
use dialtone_tftp::fuzzing;

fn replay(target: &str, f: fn(&[u8])) {
    let dir = format!("{}/../fuzz/corpus/{target}", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
        let p = e.unwrap().path();
        f(&std::fs::read(&p).unwrap());
        n += 1;
    }
    assert!(n > 0, "empty corpus {dir}");
}

#[test]
fn replay_corpus_tftp_decode() {
    replay("tftp_decode", fuzzing::decode);
}

#[test]
fn replay_corpus_tftp_client() {
    replay("tftp_client", fuzzing::client);
}

#[test]
fn replay_corpus_tftp_server() {
    replay("tftp_server", fuzzing::server);
}

fn random_inputs(seed: u64, count: usize, max_len: u64, f: fn(&[u8])) {
    let mut rng = Rng::new(seed);
    let mut buf = vec![0u8; max_len as usize];
    for _ in 0..count {
        let n = rng.range_u64(0, max_len) as usize;
        rng.fill_bytes(&mut buf[..n]);
        f(&buf[..n]);
    }
}

#[test]
fn decode_survives_random_and_mutated_packets() {
    random_inputs(1, 20_000, 64, fuzzing::decode);
    // Mutations of real packets reach deeper than pure noise.
    let samples: [&[u8]; 3] = [
        include_bytes!("../../testdata/samples/tftp-rrq.bin"),
        include_bytes!("../../testdata/samples/tftp-oack.bin"),
        include_bytes!("../../testdata/samples/tftp-data-512.bin"),
    ];
    let mut rng = Rng::new(2);
    for _ in 0..20_000 {
        let s = samples[rng.range_u64(0, 3) as usize];
        let mut v = s.to_vec();
        for _ in 0..rng.range_u64(1, 4) {
            if v.is_empty() {
                break;
            }
            let i = rng.range_u64(0, v.len() as u64) as usize;
            match rng.range_u64(0, 3) {
                0 => v[i] = rng.next_u32() as u8,
                1 => v[i] = 0,
                _ => v.truncate(i),
            }
        }
        fuzzing::decode(&v);
    }
}

#[test]
fn client_machine_survives_random_scripts() {
    random_inputs(3, 3_000, 2_000, fuzzing::client);
}

#[test]
fn server_machine_survives_random_scripts() {
    random_inputs(4, 3_000, 2_000, fuzzing::server);
}
