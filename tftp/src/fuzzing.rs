//! Fuzz bodies, shared by `cargo fuzz` targets, corpus replay and property
//! tests.

use std::vec;

use crate::wire::Message;

/// Decode, re-encode, decode again: `parse(emit(m)) == m`.
pub fn decode(data: &[u8]) {
    let Ok(msg) = Message::decode(data) else {
        return;
    };
    let mut out = vec![0; msg.buffer_len()];
    let n = msg.emit(&mut out).expect("buffer_len is exact");
    assert_eq!(n, out.len(), "emit writes buffer_len bytes");
    let again = Message::decode(&out);
    assert_eq!(again, Ok(msg), "parse(emit(m)) == m");
}
