//! Property tests with fixed seeds: the fuzz bodies on thousands of
//! generated inputs (random bytes, mutated samples, op scripts).

use dialtone_core::Rng;
use dialtone_dhcp_opts::fuzzing;

const ACK: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/dhcp-ack.bin"
));
const DISCOVER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/dhcp-discover.bin"
));

fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..rng.range_u64(1, 8) {
        match rng.range_u64(0, 4) {
            0 if !v.is_empty() => {
                let i = rng.range_u64(0, v.len() as u64) as usize;
                v[i] = rng.next_u32() as u8;
            }
            1 => {
                let n = rng.range_u64(0, v.len() as u64 + 1) as usize;
                v.truncate(n);
            }
            2 => {
                // Inside the options (offset >= 240) to hit option framing.
                if v.len() > 240 {
                    let i = rng.range_u64(240, v.len() as u64) as usize;
                    v[i] = [0, 52, 150, 255, 1, 2, 3][rng.range_u64(0, 7) as usize];
                }
            }
            _ => v.push(rng.next_u32() as u8),
        }
    }
    v
}

#[test]
fn decode_never_panics_and_reencodes_mutated_samples() {
    let mut rng = Rng::new(0xD4C9);
    for i in 0..20_000 {
        let base = if i % 2 == 0 { ACK } else { DISCOVER };
        let m = mutate(&mut rng, base);
        fuzzing::decode(&m);
        fuzzing::options(&m);
    }
}

#[test]
fn option_iterators_never_panic_on_random_bytes() {
    let mut rng = Rng::new(7);
    let mut buf = vec![0u8; 400];
    for _ in 0..20_000 {
        let n = rng.range_u64(0, 400) as usize;
        rng.fill_bytes(&mut buf[..n]);
        if n >= 240 && rng.range_u64(0, 2) == 0 {
            buf[236..240].copy_from_slice(&[99, 130, 83, 99]);
        }
        fuzzing::options(&buf[..n]);
        fuzzing::decode(&buf[..n]);
    }
}

/// Any op script: never panics, never leaves BOUND without a reported
/// reason, every state change is reported, deadlines move forward.
#[test]
fn client_op_scripts_keep_invariants() {
    let mut rng = Rng::new(0xC11E);
    let mut buf = vec![0u8; 2048];
    let mut visited = 0u16;
    for _ in 0..5_000 {
        let n = rng.range_u64(0, 2048) as usize;
        rng.fill_bytes(&mut buf[..n]);
        visited |= fuzzing::client_states(&buf[..n]);
    }
    // Every state is reached by some script (bit = State as u8).
    assert_eq!(visited, 0x1ff, "visited {visited:#b}");
}

#[test]
fn single_instance_decoding_matches_the_general_one() {
    use dialtone_dhcp_opts::{DhcpOption, OptionValue};
    let mut rng = Rng::new(11);
    let mut buf = [0u8; 24];
    for code in 0..=255u8 {
        for len in 0..buf.len() {
            for _ in 0..4 {
                rng.fill_bytes(&mut buf);
                if rng.next_u32() % 2 == 0 {
                    buf[..len].fill(0);
                    if len > 0 {
                        buf[0] = (rng.next_u32() % 4) as u8;
                    }
                }
                let d = &buf[..len];
                let fast = DhcpOption::from_single(code, d);
                let general = DhcpOption::from_value(code, OptionValue::from_slice(code, d));
                assert_eq!(format!("{fast:?}"), format!("{general:?}"), "{code} {d:?}");
            }
        }
    }
}

/// One option per message, every code with values of every length up to
/// 23 (random bytes, or zeros with a small first byte): `visit` calls the
/// method of what `from_single` gives (the typing both share).
#[test]
fn visit_types_every_code_and_length_like_from_single() {
    use dialtone_dhcp_opts::fuzzing::EachMethod;
    use dialtone_dhcp_opts::wire::PacketWalk;
    use dialtone_dhcp_opts::DhcpOption;
    let mut rng = Rng::new(12);
    let mut m = vec![0u8; 240];
    m[236..240].copy_from_slice(&[99, 130, 83, 99]);
    let mut buf = [0u8; 23];
    for code in 1..=254u8 {
        for len in 0..=buf.len() {
            rng.fill_bytes(&mut buf);
            if rng.next_u32() % 2 == 0 {
                buf[..len].fill(0);
                if len > 0 {
                    buf[0] = (rng.next_u32() % 4) as u8;
                }
            }
            m.truncate(240);
            m.extend_from_slice(&[code, len as u8]);
            m.extend_from_slice(&buf[..len]);
            let w = PacketWalk::new_checked(&m[..]).unwrap();
            let mut each = EachMethod::default();
            w.visit(&mut each).unwrap();
            let got: Vec<String> = each.0.iter().map(|o| format!("{o:?}")).collect();
            let want = format!("{:?}", DhcpOption::from_single(code, &buf[..len]));
            assert_eq!(got, [want], "{code} {len}");
            fuzzing::visit_agrees_with_typed(&w);
        }
    }
}

#[test]
fn walk_agrees_with_packet_on_mutated_and_random_messages() {
    let mut rng = Rng::new(0x3A1C);
    for i in 0..20_000 {
        let base = if i % 2 == 0 { ACK } else { DISCOVER };
        fuzzing::walk(&mutate(&mut rng, base));
    }
    let mut buf = vec![0u8; 400];
    for _ in 0..20_000 {
        let n = rng.range_u64(0, 400) as usize;
        rng.fill_bytes(&mut buf[..n]);
        if n >= 240 {
            buf[236..240].copy_from_slice(&[99, 130, 83, 99]);
        }
        fuzzing::walk(&buf[..n]);
    }
}

/// Generated messages: distinct codes (typed ones with right and wrong
/// lengths, unknown ones), built by `MessageRepr` with a size limit that
/// moves some into `file` and `sname` (option 52); the walk gives the same
/// typed options as `Packet::typed`, in wire order.
#[test]
fn walk_agrees_with_packet_on_generated_messages() {
    use dialtone_dhcp_opts::wire::PacketWalk;
    use dialtone_dhcp_opts::{MessageRepr, Op, OptionRef, Packet};
    const CODES: [u8; 24] = [
        1, 3, 6, 12, 15, 42, 43, 50, 51, 53, 54, 55, 57, 58, 59, 60, 61, 66, 82, 150, 2, 77, 120,
        200,
    ];
    let mut rng = Rng::new(0x6E4);
    let mut values = vec![0u8; 4096];
    let (mut overloaded, mut cases) = (0, 0);
    for _ in 0..5_000 {
        rng.fill_bytes(&mut values);
        let mut codes = CODES.to_vec();
        let n = rng.range_u64(0, CODES.len() as u64 + 1) as usize;
        let mut opts = Vec::new();
        let mut at = 0usize;
        for _ in 0..n {
            let code = codes.swap_remove(rng.range_u64(0, codes.len() as u64) as usize);
            let len = match rng.range_u64(0, 4) {
                0 => [1, 2, 4, 8][rng.range_u64(0, 4) as usize],
                1 => 0,
                _ => rng.range_u64(0, 60) as usize,
            };
            opts.push(OptionRef {
                code,
                value: &values[at..at + len],
            });
            at += len;
        }
        let mut r = MessageRepr::new(Op::Reply, rng.next_u32(), &[1, 2, 3, 4, 5, 6]);
        r.options = &opts;
        r.max_len = [usize::MAX, 576, 400, 300][rng.range_u64(0, 4) as usize];
        r.allow_overload = true;
        let Ok(len) = r.buffer_len() else { continue };
        let mut out = vec![0u8; len];
        r.emit(&mut out).unwrap();
        let p = Packet::new_checked(&out[..]).unwrap();
        let mut it = PacketWalk::new_checked(&out[..]).unwrap().typed();
        let walked: Vec<String> = it.by_ref().map(|o| format!("{:?}", o.unwrap())).collect();
        if !it.repeated() {
            let typed: Vec<String> = p.typed().map(|o| format!("{o:?}")).collect();
            assert_eq!(walked, typed);
        }
        overloaded += usize::from(p.overload().file || p.overload().sname);
        cases += 1;
        fuzzing::walk(&out);
    }
    assert!(cases > 4_000 && overloaded > 100, "{cases} {overloaded}");
}
