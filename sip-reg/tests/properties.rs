//! Property tests: thousands of seeded arbitrary inputs through the fuzz
//! bodies (which assert their own invariants: parse(emit(m)) == m, digest
//! verify, no panic, poll_timeout moves forward).

use dialtone_core::Rng;

fn run(cases: usize, max_len: usize, seed: u64, body: fn(&[u8])) {
    let mut rng = Rng::new(seed);
    let mut buf = vec![0u8; max_len];
    for _ in 0..cases {
        let len = rng.range_u64(0, max_len as u64) as usize;
        rng.fill_bytes(&mut buf[..len]);
        body(&buf[..len]);
    }
}

/// Random mutations of real samples reach deeper than random bytes.
fn mutate_samples(cases: usize, seed: u64) {
    let samples: [&[u8]; 2] = [
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/samples/register.sip"
        )),
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/samples/401.sip"
        )),
    ];
    let mut rng = Rng::new(seed);
    for i in 0..cases {
        let mut m = samples[i % 2].to_vec();
        for _ in 0..rng.range_u64(1, 6) {
            if m.is_empty() {
                break;
            }
            let at = rng.range_u64(0, m.len() as u64) as usize;
            match rng.range_u64(0, 4) {
                0 => m[at] = rng.next_u32() as u8,
                1 => {
                    m.remove(at);
                }
                2 => m.insert(at, b"\r\n ;,\"<>=:"[rng.range_u64(0, 10) as usize]),
                _ => m.truncate(at),
            }
        }
        dialtone_sip_reg::fuzzing::parse(&m);
    }
}

#[test]
fn parse_never_panics_and_roundtrips() {
    run(5000, 600, 1, dialtone_sip_reg::fuzzing::parse);
    mutate_samples(20_000, 2);
}

#[test]
fn digest_properties_hold() {
    run(3000, 300, 3, dialtone_sip_reg::fuzzing::digest);
}

#[test]
fn ua_survives_arbitrary_scripts() {
    run(3000, 800, 4, dialtone_sip_reg::fuzzing::ua);
}

#[test]
fn registrar_survives_arbitrary_scripts() {
    run(3000, 800, 5, dialtone_sip_reg::fuzzing::registrar);
}
