//! Fuzz bodies shared by the fuzz targets, the corpus replay and property tests.

use crate::{Frame, Framer, Message};

#[cfg(feature = "std")]
pub use crate::fuzzing_fsm::{registrar_script, station_script};

/// Decode one PDU; when it decodes, encode it again and check the bytes and
/// the re-decoded message are the same.
pub fn decode_roundtrip(data: &[u8]) {
    let Ok(frame) = Frame::new_checked(data) else {
        return;
    };
    let Ok(msg) = Message::parse(&frame) else {
        return;
    };
    let mut out = std::vec![0; msg.buffer_len()];
    let n = msg
        .emit_with_version(frame.header_version(), &mut out)
        .expect("buffer_len is exact");
    assert_eq!(n, out.len());
    assert_eq!(&out[..], frame.as_bytes(), "emit(parse(b)) == b");
    let again = Frame::new_checked(&out[..n]).and_then(|f| Message::parse(&f));
    assert_eq!(again, Ok(msg), "parse(emit(m)) == m");
    let mut small = std::vec![0xAA; n - 1];
    assert!(msg.emit(&mut small).is_err());
    assert!(
        small.iter().all(|&b| b == 0xAA),
        "InsufficientSize writes nothing"
    );
}

/// Feed `data` to a framer in one push and again in chunks whose sizes come
/// from a seed derived from the data, and check both yield the same PDUs, and
/// that every yielded frame is checked and decodes without panicking.
pub fn framer(data: &[u8]) {
    type Out = std::vec::Vec<std::vec::Vec<u8>>;
    let cfg = crate::Config::with_max_body(1024);
    let seed = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let mut rng = dialtone_core::Rng::new(seed);

    let mut whole = Framer::with_config(cfg);
    let mut expect: Out = std::vec::Vec::new();
    for f in whole.push(data).flatten() {
        expect.push(f.as_bytes().to_vec());
    }
    let mut split = Framer::with_config(cfg);
    let mut got: Out = std::vec::Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let c = 1 + rng.range_u64(0, 64) as usize;
        let (now, later) = rest.split_at(c.min(rest.len()));
        rest = later;
        for f in split.push(now).flatten() {
            let b = f.as_bytes().to_vec();
            let fr = Frame::new_checked(&b[..]).expect("framer yields checked frames");
            assert_eq!(fr.total_len(), b.len());
            let _ = Message::parse(&fr);
            got.push(b);
        }
        assert!(split.needed() <= cfg.max_body + 12);
    }
    assert_eq!(got, expect, "split pushes yield the same PDUs");
    assert_eq!(split.held(), whole.held());
    assert_eq!(split.is_closed(), whole.is_closed());
}
