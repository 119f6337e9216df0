//! The codec against the shared sample bytes (testdata/samples, see its
//! README: an RRQ for SEP001E7AC4D231.cnf.xml with blksize 512 and tsize 0,
//! the OACK answering it, and DATA block 1 of sep.cnf.xml).

use dialtone_tftp::wire::{
    ErrorCode, Message, Mode, Opcode, OptionValues, Options, Packet, Request,
};

const RRQ: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/tftp-rrq.bin"
));
const OACK: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/tftp-oack.bin"
));
const DATA: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/tftp-data-512.bin"
));
const XML: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/sep.cnf.xml"
));

fn reencode(m: &Message<'_>) -> Vec<u8> {
    let mut out = vec![0; m.buffer_len()];
    let n = m.emit(&mut out).unwrap();
    assert_eq!(n, out.len());
    out
}

#[test]
fn rrq_sample_decodes_and_reencodes_identically() {
    let p = Packet::new_checked(RRQ).unwrap();
    assert_eq!(p.opcode(), Opcode::Rrq);
    let m = Message::parse(&p).unwrap();
    let Message::Rrq(r) = m else { panic!("{m:?}") };
    assert_eq!(r.filename, "SEP001E7AC4D231.cnf.xml");
    assert_eq!(r.mode, Mode::Octet);
    assert!(!r.extra_nul);
    assert_eq!(
        r.options.values,
        OptionValues {
            blksize: Some(512),
            tsize: Some(0),
            ..OptionValues::NONE
        }
    );
    assert_eq!(r.options.others().count(), 0);
    assert_eq!(reencode(&m), RRQ);
    // Built from typed values, the same bytes come out.
    let built = Message::Rrq(Request {
        options: Options::new(OptionValues {
            blksize: Some(512),
            tsize: Some(0),
            ..OptionValues::NONE
        }),
        ..Request::new("SEP001E7AC4D231.cnf.xml", Mode::Octet)
    });
    assert_eq!(reencode(&built), RRQ);
}

#[test]
fn oack_sample_announces_the_xml_size() {
    let m = Message::decode(OACK).unwrap();
    let Message::Oack(o) = m else { panic!("{m:?}") };
    assert_eq!(o.values.blksize, Some(512));
    assert_eq!(o.values.tsize, Some(XML.len() as u64));
    assert_eq!(reencode(&m), OACK);
}

#[test]
fn data_sample_carries_the_first_512_bytes() {
    let p = Packet::new_checked(DATA).unwrap();
    assert_eq!(p.block(), Some(1));
    assert_eq!(p.payload(), &XML[..512]);
    let m = Message::parse(&p).unwrap();
    assert_eq!(
        m,
        Message::Data {
            block: 1,
            data: &XML[..512]
        }
    );
    assert_eq!(reencode(&m), DATA);
}

#[test]
fn every_truncation_of_the_samples_is_an_error_or_a_valid_packet() {
    for s in [RRQ, OACK, DATA] {
        for n in 0..s.len() {
            if let Ok(m) = Message::decode(&s[..n]) {
                assert_eq!(Message::decode(&reencode(&m)), Ok(m));
            }
        }
    }
    let e = Message::decode(b"\x00\x05\x00\x01File not found\0").unwrap();
    assert_eq!(
        e,
        Message::Error {
            code: ErrorCode::FileNotFound,
            message: "File not found"
        }
    );
}
