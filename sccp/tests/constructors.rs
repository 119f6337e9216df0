//! Builders produce the documented wire values.

use core::net::Ipv4Addr;

use dialtone_sccp::types::*;
use dialtone_sccp::{DeviceType, Message, StationId};

#[test]
fn define_time_date_matches_the_capture() {
    // CAP-CALL (sccp.md §2.12): 2011-10-05, a Wednesday, 10:52:21 local,
    // systemTime 1317801141 = 07:52:21 UTC.
    let t = DefineTimeDate::from_unix(1_317_801_141, 0, 3 * 3600);
    let got = [
        t.year,
        t.month,
        t.day_of_week,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.milliseconds,
        t.system_time,
    ]
    .map(|v| v.get());
    assert_eq!(got, [2011, 10, 3, 5, 10, 52, 21, 0, 1_317_801_141]);
    let t = DefineTimeDate::from_unix(951_782_400, 5, 0); // 2000-02-29 00:00 UTC, Tuesday
    assert_eq!(
        [
            t.year.get(),
            t.month.get(),
            t.day.get(),
            t.day_of_week.get(),
            t.milliseconds.get()
        ],
        [2000, 2, 29, 2, 5]
    );
    let t = DefineTimeDate::from_unix(0, 0, -3600);
    assert_eq!(
        [
            t.year.get(),
            t.month.get(),
            t.day.get(),
            t.hour.get(),
            t.day_of_week.get()
        ],
        [1969, 12, 31, 23, 3]
    );
}

#[test]
fn register_builder_matches_the_sample() {
    let sample = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/samples/sccp-register.bin"
    ));
    let (_, Message::Register(s)) = Message::decode(sample).unwrap() else {
        panic!()
    };
    let mut r = RegisterFull::new(
        StationId::new("SEP001E7AC4D231", 1).unwrap(),
        Ipv4Addr::new(10, 20, 30, 57),
        DeviceType::Cisco7965,
        5,
        20,
    );
    r.v44 = *s.v44.unwrap();
    r.v48 = *s.v48.unwrap();
    r.v52 = *s.v52.unwrap();
    r.v68 = *s.v68.unwrap();
    r.v124 = *s.v124.unwrap();
    let m = Message::Register(r.view(RegisterForm::B124));
    let mut out = [0u8; 136];
    assert_eq!(m.emit(&mut out), Ok(136));
    assert_eq!(&out[..], &sample[..]);
}

#[test]
fn templates_and_capabilities() {
    let b = ButtonTemplateFull::new(&[
        ButtonDefinition {
            instance: 1,
            definition: 9,
        },
        ButtonDefinition {
            instance: 1,
            definition: 2,
        },
    ]);
    let v = b.view();
    assert_eq!(v.buttons().len(), 2);
    assert_eq!(Message::ButtonTemplate(v).body_len(), 96);
    let c = CapabilitiesFull::new(&[Capability::new(4, 40); 20]);
    assert_eq!(c.view().caps.len(), 18);
    assert_eq!(Message::CapabilitiesRes(c.view()).body_len(), 4 + 18 * 16);
    let k = SoftKeyTemplateRes::new(&[(b"Redial", 1), (b"NewCall", 2)]).unwrap();
    assert_eq!(k.count.get(), 2);
    assert_eq!(k.keys[1].label.as_str(), Ok("NewCall"));
    assert!(SoftKeyTemplateRes::new(&[(b"0123456789abcdef", 1)]).is_err());
    assert_eq!(Message::SoftKeyTemplateRes(Fixed::new(&k)).body_len(), 652);
    assert_eq!(
        Message::SoftKeySetRes(Fixed::new(&SoftKeySetRes::default())).body_len(),
        780
    );
    let l = LineStat::new(1, "2001", "Alice Example", "Alice", 15).unwrap();
    assert_eq!(Message::LineStat(Fixed::new(&l)).body_len(), 112);
    let c = ConfigStat::new(
        StationId::new("SEP001E7AC4D231", 1).unwrap(),
        "alice",
        "cucm1",
        2,
        1,
    )
    .unwrap();
    assert_eq!(Message::ConfigStat(Fixed::new(&c)).body_len(), 112);
    assert!(DisplayText::new(&[b'x'; 32]).is_err());
    assert_eq!(
        Message::DisplayNotify(Fixed::new(&DisplayNotify::new(5, b"\x80\x1f").unwrap())).body_len(),
        36
    );
    assert!(
        StationId::new("SEP001E7AC4D2310", 1).is_err(),
        "16 characters leave no NUL"
    );
}
