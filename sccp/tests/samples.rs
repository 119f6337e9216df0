//! Decoding the shared benchmark samples (testdata/samples/README.md).

use dialtone_sccp::{DeviceType, Frame, Message};

const REGISTER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/sccp-register.bin"
));
const REGISTER_ACK: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/sccp-registerack.bin"
));

#[test]
fn register_sample_decodes_as_documented() {
    let f = Frame::new_checked(REGISTER).unwrap();
    assert_eq!(f.length(), 128);
    assert_eq!(f.header_version(), 0);
    let Message::Register(r) = Message::parse(&f).unwrap() else {
        panic!()
    };
    assert_eq!(r.device_name(), Ok("SEP001E7AC4D231"));
    assert_eq!(r.base.station.instance.get(), 1);
    assert_eq!(r.station_ip(), core::net::Ipv4Addr::new(10, 20, 30, 57));
    assert_eq!(r.device_type(), DeviceType::Cisco7965);
    assert_eq!(r.base.max_streams.get(), 5);
    assert_eq!(r.protocol_version(), Some(20));
    assert_eq!(r.v124.unwrap().max_lines.get(), 6);
    assert_eq!(
        r.firmware_load_name().unwrap().as_str(),
        Ok("SCCP45.9-4-2SR3-1S")
    );
    assert_eq!(r.form(), dialtone_sccp::types::RegisterForm::B124);
    assert!(r.trailing.is_empty());
    dialtone_sccp::fuzzing::decode_roundtrip(REGISTER);
}

#[test]
fn register_ack_sample_decodes_as_documented() {
    let (hv, m) = Message::decode(REGISTER_ACK).unwrap();
    assert_eq!(hv, 0);
    let Message::RegisterAck(a) = m else { panic!() };
    assert_eq!(a.keepalive_interval.get(), 30);
    assert_eq!(a.date_template.as_str(), Ok("M/D/YA"));
    assert_eq!(a.secondary_keepalive_interval.get(), 60);
    assert_eq!(a.max_protocol_version, 20);
    dialtone_sccp::fuzzing::decode_roundtrip(REGISTER_ACK);
}
