//! Fuzz bodies shared by the fuzz targets, the corpus replay and property tests.

use crate::{Frame, Framer, Message};

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

/// Feed `data` to a framer in chunks whose sizes come from the first bytes,
/// and check it yields the same PDUs as one contiguous push.
pub fn framer(data: &[u8]) {
    let (cuts, stream) = data.split_at(data.len().min(8));
    let mut whole = Framer::with_config(crate::Config::with_max_body(1024));
    let mut expect: std::vec::Vec<Result<std::vec::Vec<u8>, crate::FramerError>> =
        std::vec::Vec::new();
    for f in whole.push(stream) {
        expect.push(f.map(|f| f.as_bytes().to_vec()));
    }
    let mut split = Framer::with_config(crate::Config::with_max_body(1024));
    let mut got = std::vec::Vec::new();
    let mut rest = stream;
    let mut i = 0;
    while !rest.is_empty() {
        let c = cuts.get(i % cuts.len().max(1)).copied().unwrap_or(7) as usize + 1;
        i += 1;
        let (now, later) = rest.split_at(c.min(rest.len()));
        rest = later;
        for f in split.push(now) {
            let f = f.map(|f| f.as_bytes().to_vec());
            if let Ok(b) = &f {
                let fr = Frame::new_checked(&b[..]).expect("framer yields checked frames");
                let _ = Message::parse(&fr);
            }
            got.push(f);
        }
        if split.is_closed() {
            break;
        }
    }
    // Errors may be reported at different offsets; the frames must agree.
    let ok = |v: &std::vec::Vec<Result<std::vec::Vec<u8>, crate::FramerError>>| {
        v.iter()
            .filter_map(|r| r.as_ref().ok().cloned())
            .collect::<std::vec::Vec<_>>()
    };
    if !whole.is_closed() && !split.is_closed() {
        assert_eq!(ok(&got), ok(&expect));
        assert_eq!(split.held(), whole.held());
    }
}
