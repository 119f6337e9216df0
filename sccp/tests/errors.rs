//! Distinct, located errors for truncated, oversized and inconsistent input;
//! unknown ids and odd sizes are data, not errors.

use dialtone_sccp::{id, DecodeError, Message};

fn pdu(id: u32, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend(((body.len() + 4) as u32).to_le_bytes());
    v.extend(0u32.to_le_bytes());
    v.extend(id.to_le_bytes());
    v.extend(body);
    v
}

#[test]
fn body_shorter_than_the_smallest_form_is_truncated_at_its_end() {
    let e = Message::decode(&pdu(id::REGISTER, &[0; 30])).unwrap_err();
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 42,
            needed: 6
        }
    );
    let e = Message::decode(&pdu(id::REGISTER_ACK, &[0; 19])).unwrap_err();
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 31,
            needed: 1
        }
    );
    let e = Message::decode(&pdu(id::SERVER_RES, &[0; 279])).unwrap_err();
    assert!(matches!(e, DecodeError::Truncated { offset: 291, .. }));
}

#[test]
fn capability_count_above_eighteen_is_oversized() {
    let mut body = vec![0u8; 4 + 18 * 16];
    body[0] = 19;
    assert_eq!(
        Message::decode(&pdu(id::CAPABILITIES_RES, &body)).unwrap_err(),
        DecodeError::Oversized {
            offset: 12,
            len: 19,
            max: 18
        }
    );
    body[0] = 3;
    let e = Message::decode(&pdu(id::CAPABILITIES_RES, &body[..4 + 2 * 16])).unwrap_err();
    assert_eq!(
        e,
        DecodeError::Truncated {
            offset: 48,
            needed: 16
        }
    );
}

#[test]
fn header_length_below_four_is_inconsistent() {
    let mut p = pdu(id::KEEP_ALIVE, &[]);
    p[0] = 2;
    assert_eq!(
        Message::decode(&p).unwrap_err(),
        DecodeError::Inconsistent {
            offset: 0,
            field: "length"
        }
    );
}

#[test]
fn unknown_ids_and_in_between_sizes_decode() {
    let p = pdu(0x0154, &[1, 2, 3]);
    let (_, m) = Message::decode(&p).unwrap();
    assert_eq!(
        m,
        Message::Unknown {
            id: 0x0154,
            body: &[1, 2, 3]
        }
    );
    // A 60-byte Register is the 52-byte form + 8 kept bytes.
    let body = [7u8; 60];
    let p = pdu(id::REGISTER, &body);
    let (_, Message::Register(r)) = Message::decode(&p).unwrap() else {
        panic!()
    };
    assert_eq!(r.form(), dialtone_sccp::types::RegisterForm::B52);
    assert_eq!(r.trailing, &[7u8; 8]);
    // RegisterReject of 33 bytes (Asterisk, FreeSWITCH) keeps its last byte.
    let p = pdu(id::REGISTER_REJECT, &[b'x'; 33]);
    let (_, Message::RegisterReject(j)) = Message::decode(&p).unwrap() else {
        panic!()
    };
    assert_eq!(j.trailing, b"x");
    // ClearDisplay with 4 zero bytes (Asterisk, chan-sccp).
    let p = pdu(id::CLEAR_DISPLAY, &[0; 4]);
    let (_, Message::ClearDisplay(c)) = Message::decode(&p).unwrap() else {
        panic!()
    };
    assert_eq!(c.trailing, &[0; 4]);
    // StopTone without the tone field.
    let p = pdu(id::STOP_TONE, &[0; 8]);
    let (_, Message::StopTone(t)) = Message::decode(&p).unwrap() else {
        panic!()
    };
    assert!(t.ext.is_none());
}
