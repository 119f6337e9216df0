//! Round-trip property tests over every message kind, driven by `arbitrary`
//! from fixed seeds.

mod kinds;

use arbitrary::{Arbitrary, Unstructured};
use dialtone_core::Rng;
use dialtone_sccp::types::{RegisterForm, RegisterFull};
use dialtone_sccp::{fuzzing, Frame, Message, KNOWN_IDS};

/// Known body sizes per id (from the samples) plus the neighbours around them.
fn sizes(id: u32, samples: &[kinds::Sample]) -> Vec<usize> {
    let mut v: Vec<usize> = samples
        .iter()
        .filter(|s| s.msg.id() == id)
        .map(|s| s.msg.body_len())
        .collect();
    let extra: Vec<usize> = v
        .iter()
        .flat_map(|&n| [n.saturating_sub(1), n + 1, n + 3, n + 17])
        .collect();
    v.extend(extra);
    v.push(0);
    v
}

#[derive(Debug, Arbitrary)]
struct Case {
    pick_id: u16,
    pick_size: u8,
    random_size: u16,
    unknown_id: u32,
    version: u8,
}

#[test]
fn parse_emit_round_trips_for_every_kind() {
    let samples = kinds::all();
    let mut rng = Rng::new(0x5ccb_0001);
    let mut decoded = vec![0usize; KNOWN_IDS.len()];
    for _ in 0..20_000 {
        let mut raw = vec![0u8; 2048];
        rng.fill_bytes(&mut raw);
        let mut u = Unstructured::new(&raw);
        let c = Case::arbitrary(&mut u).unwrap();
        let known = c.pick_id as usize % (KNOWN_IDS.len() + 1);
        let id = KNOWN_IDS.get(known).copied().unwrap_or(c.unknown_id);
        let sz = sizes(id, &samples);
        let body_len = if c.pick_size % 8 == 0 {
            c.random_size as usize % 900
        } else {
            sz[c.pick_size as usize % sz.len()]
        };
        let mut body = u.bytes(body_len).unwrap_or(&[]).to_vec();
        // Keep counts mostly in range so the typed path is exercised.
        if id == dialtone_sccp::id::CAPABILITIES_RES && body.len() >= 4 && c.version % 4 != 0 {
            let n = (body[0] % 19).min(((body.len() - 4) / 16) as u8);
            body[..4].copy_from_slice(&u32::from(n).to_le_bytes());
        }
        let mut pdu = Vec::with_capacity(12 + body.len());
        pdu.extend(((body.len() + 4) as u32).to_le_bytes());
        pdu.extend(u32::from(c.version % 24).to_le_bytes());
        pdu.extend(id.to_le_bytes());
        pdu.extend(&body);
        fuzzing::decode_roundtrip(&pdu);
        let f = Frame::new_checked(&pdu[..]).unwrap();
        if Message::parse(&f).is_ok() {
            if let Some(i) = KNOWN_IDS.iter().position(|k| *k == id) {
                decoded[i] += 1;
            }
        }
    }
    for (i, n) in decoded.iter().enumerate() {
        assert!(*n > 10, "id {:#x} decoded only {n} times", KNOWN_IDS[i]);
    }
}

#[test]
fn samples_round_trip() {
    for s in kinds::all() {
        let mut out = vec![0u8; s.msg.buffer_len()];
        let n = s.msg.emit_with_version(s.hv, &mut out).unwrap();
        fuzzing::decode_roundtrip(&out[..n]);
        let (hv, m) = Message::decode(&out).unwrap();
        assert_eq!((hv, m), (s.hv, s.msg));
        // Through bytes::BufMut.
        let mut v = Vec::new();
        assert_eq!(s.msg.emit_buf(s.hv, &mut v), Ok(n));
        assert_eq!(v, out);
        let mut tiny = [0u8; 11];
        let mut slice = &mut tiny[..];
        assert!(s.msg.emit_buf(s.hv, &mut slice).is_err());
        assert_eq!(tiny, [0u8; 11]);
        // Too small a buffer: error, nothing written.
        let mut small = vec![0x55u8; n - 1];
        assert_eq!(
            s.msg.emit(&mut small),
            Err(dialtone_core::InsufficientSize { required: n })
        );
        assert!(small.iter().all(|&b| b == 0x55));
    }
}

#[test]
fn arbitrary_registers_round_trip_in_every_form() {
    let mut rng = Rng::new(0x5ccb_0002);
    for i in 0..5_000 {
        let mut raw = vec![0u8; 256];
        rng.fill_bytes(&mut raw);
        let full = RegisterFull::arbitrary(&mut Unstructured::new(&raw)).unwrap();
        let form = RegisterForm::ALL[i % 7];
        let m = Message::Register(full.view(form));
        let mut out = vec![0u8; m.buffer_len()];
        m.emit(&mut out).unwrap();
        assert_eq!(out.len(), 12 + form.body_len());
        let (_, back) = Message::decode(&out).unwrap();
        assert_eq!(back, m);
        let Message::Register(r) = back else { panic!() };
        assert_eq!(r.form(), form);
    }
}

#[test]
fn random_streams_frame_consistently() {
    let mut rng = Rng::new(0x5ccb_0003);
    let samples = kinds::all();
    for _ in 0..2_000 {
        // A stream of real PDUs with an occasional garbage run.
        let mut stream = Vec::new();
        for _ in 0..rng.range_u64(1, 12) {
            if rng.range_u64(0, 20) == 0 {
                let mut junk = vec![0u8; rng.range_u64(1, 40) as usize];
                rng.fill_bytes(&mut junk);
                stream.extend(junk);
            } else {
                let s = &samples[rng.range_u64(0, samples.len() as u64) as usize];
                let mut out = vec![0u8; s.msg.buffer_len()];
                s.msg.emit_with_version(s.hv, &mut out).unwrap();
                stream.extend(out);
            }
        }
        fuzzing::framer(&stream);
    }
}

/// Regenerates the encoded-message seeds of the `sccp_decode` fuzz corpus
/// (`enc-<id>.bin`, one per kind not seen in the captures):
/// `WRITE_CORPUS=1 cargo test -p dialtone-sccp --test roundtrip -- --ignored`.
#[test]
#[ignore = "writes files; run on purpose"]
fn write_encoded_seed_corpus() {
    if std::env::var_os("WRITE_CORPUS").is_none() {
        return;
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/corpus/sccp_decode");
    let mut seen = std::collections::BTreeSet::new();
    for s in kinds::all() {
        let id = s.msg.id();
        let captured = std::path::Path::new(dir).join(format!("id-{id:04x}.bin"));
        if captured.exists() || !seen.insert(id) {
            continue;
        }
        let mut out = vec![0u8; s.msg.buffer_len()];
        s.msg.emit_with_version(s.hv, &mut out).unwrap();
        std::fs::write(
            std::path::Path::new(dir).join(format!("enc-{id:04x}.bin")),
            out,
        )
        .unwrap();
    }
}
