//! The one-pass `PacketWalk` on the samples and on hand-made messages:
//! the same typed options as `Packet::typed`, framing errors as items where
//! `Packet::new_checked` reports them, option 52 followed into `file` then
//! `sname`, repeated codes said so.

use std::net::Ipv4Addr;

use dialtone_dhcp_opts::wire::PacketWalk;
use dialtone_dhcp_opts::{fuzzing, DecodeError, DhcpOption, MessageType, Packet};

const ACK: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/dhcp-ack.bin"
));
const DISCOVER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/dhcp-discover.bin"
));

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn debug_items(w: &PacketWalk<'_>) -> Vec<String> {
    w.typed()
        .map(|o| format!("{:?}", o.expect("well-formed")))
        .collect()
}

fn head(extra: &[u8]) -> Vec<u8> {
    let mut m = vec![0u8; 240];
    m[0] = 2;
    m[236..240].copy_from_slice(&[99, 130, 83, 99]);
    m.extend_from_slice(extra);
    m
}

/// What [`PacketWalk::visit`] handed a recording visitor on `m`, and how
/// the visit ended.
fn visited(m: &[u8]) -> (Vec<DhcpOption<'_>>, Result<(), DecodeError>) {
    let mut each = fuzzing::EachMethod::default();
    let end = PacketWalk::new_checked(m).unwrap().visit(&mut each);
    (each.0, end)
}

#[test]
fn walk_types_the_samples_like_packet() {
    for bytes in [ACK, DISCOVER] {
        let w = PacketWalk::new_checked(bytes).unwrap();
        let p = Packet::new_checked(bytes).unwrap();
        let b: Vec<String> = p.typed().map(|o| format!("{o:?}")).collect();
        assert_eq!(debug_items(&w), b);
        assert_eq!(
            (w.op(), w.xid(), w.secs(), w.flags(), w.broadcast()),
            (p.op(), p.xid(), p.secs(), p.flags(), p.broadcast())
        );
        assert_eq!(
            (w.ciaddr(), w.yiaddr(), w.siaddr(), w.giaddr()),
            (p.ciaddr(), p.yiaddr(), p.siaddr(), p.giaddr())
        );
        assert_eq!(w.chaddr(), p.chaddr());
        assert_eq!(w.options_field(), p.options_field());
        assert_eq!(w.into_inner(), bytes);
        let mut it = w.typed();
        assert!(it.by_ref().all(|o| o.is_ok()));
        assert!(!it.repeated());
        fuzzing::walk(bytes);
    }
    let w = PacketWalk::new_checked(ACK).unwrap();
    let mut tftp = Vec::new();
    let mut ty = None;
    for o in w.typed() {
        match o.unwrap() {
            DhcpOption::TftpServers(l) => tftp.extend(l.iter()),
            DhcpOption::MessageType(t) => ty = Some(t),
            DhcpOption::TftpServerName(v) => assert_eq!(v.as_str(), Some("10.10.10.11")),
            _ => {}
        }
    }
    assert_eq!(ty, Some(MessageType::Ack));
    assert_eq!(tftp, [ip("10.10.10.11"), ip("10.10.10.12")]);
}

#[test]
fn head_errors_are_those_of_packet() {
    assert_eq!(
        PacketWalk::new_checked(&ACK[..239]).unwrap_err(),
        DecodeError::Truncated {
            offset: 0,
            needed: 1
        }
    );
    let mut bad = ACK.to_vec();
    bad[237] = 0;
    assert_eq!(
        PacketWalk::new_checked(&bad[..]).unwrap_err(),
        DecodeError::BadCookie
    );
    // Nothing after the cookie: no option, no error.
    let w = PacketWalk::new_checked(&ACK[..240]).unwrap();
    assert_eq!(w.typed().count(), 0);
}

#[test]
fn framing_errors_come_once_where_packet_reports_them() {
    // Cut inside option 150's value (the last option of the ACK).
    let cut = &ACK[..ACK.len() - 3];
    let want = Packet::new_checked(cut).unwrap_err();
    let items: Vec<_> = PacketWalk::new_checked(cut).unwrap().typed().collect();
    assert_eq!(items.len(), 11);
    assert!(items[..10].iter().all(Result::is_ok));
    assert_eq!(items[10].as_ref().unwrap_err(), &want);
    let DecodeError::Truncated { offset, needed } = want else {
        panic!("{want:?}")
    };
    assert_eq!(cut[offset], 150);
    assert_eq!(needed, 2);

    // A code byte alone at the end of the options field.
    let m = head(&[53, 1, 1, 12]);
    let items: Vec<_> = PacketWalk::new_checked(&m[..]).unwrap().typed().collect();
    let err = DecodeError::Truncated {
        offset: 243,
        needed: 1,
    };
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].as_ref().unwrap_err(), &err);
    assert_eq!(Packet::new_checked(&m[..]).unwrap_err(), err);

    // An option running past the end of `file` (option 52 = 1): the
    // options field is yielded first, then the error, then nothing.
    let mut m = head(&[52, 1, 1, 255]);
    m[108] = 53;
    m[109] = 1;
    m[110] = 3;
    m[233] = 12;
    m[234] = 9;
    let mut it = PacketWalk::new_checked(&m[..]).unwrap().typed();
    assert!(matches!(it.next(), Some(Ok(DhcpOption::Overload(_)))));
    assert!(matches!(
        it.next(),
        Some(Ok(DhcpOption::MessageType(MessageType::Request)))
    ));
    let err = DecodeError::Truncated {
        offset: 233,
        needed: 8,
    };
    assert_eq!(it.next().map(|o| o.map(|o| o.code())), Some(Err(err)));
    assert!(it.next().is_none());
    assert!(it.next().is_none());
    assert_eq!(Packet::new_checked(&m[..]).unwrap_err(), err);
}

#[test]
fn overload_is_followed_into_file_then_sname() {
    // Pads around options, option 52 = 3: options field, then file, then
    // sname; the END of each field ends only that field.
    let mut m = head(&[0, 53, 1, 5, 0, 52, 1, 3, 255, 6, 4, 1, 2, 3, 4]);
    m[108..116].copy_from_slice(&[0, 3, 4, 10, 0, 0, 1, 255]);
    m[44..50].copy_from_slice(&[12, 3, b'a', b'b', b'c', 255]);
    let w = PacketWalk::new_checked(&m[..]).unwrap();
    let codes: Vec<u8> = w.typed().map(|o| o.unwrap().code()).collect();
    assert_eq!(codes, [53, 52, 3, 12]);
    let p = Packet::new_checked(&m[..]).unwrap();
    let b: Vec<String> = p.typed().map(|o| format!("{o:?}")).collect();
    assert_eq!(debug_items(&w), b);
    // Only sname (2): file is not read.
    m[247] = 2;
    let w = PacketWalk::new_checked(&m[..]).unwrap();
    let codes: Vec<u8> = w.typed().map(|o| o.unwrap().code()).collect();
    assert_eq!(codes, [53, 52, 12]);
    // An invalid value, or option 52 only in `file`: nothing is overloaded.
    m[247] = 7;
    let codes: Vec<u8> = PacketWalk::new_checked(&m[..])
        .unwrap()
        .typed()
        .map(|o| o.unwrap().code())
        .collect();
    assert_eq!(codes, [53, 52]);
    // The first one-byte option 52 decides: a later one is ignored.
    let mut m = head(&[52, 1, 2, 52, 1, 1, 255]);
    m[44..47].copy_from_slice(&[61, 1, 1]);
    m[108] = 255;
    let mut it = PacketWalk::new_checked(&m[..]).unwrap().typed();
    let codes: Vec<u8> = it.by_ref().map(|o| o.unwrap().code()).collect();
    assert_eq!(codes, [52, 52, 61]);
    assert!(it.repeated());
    fuzzing::walk(&m);
}

#[test]
fn split_options_come_as_instances_and_are_said_repeated() {
    // Option 3 in two instances (RFC 3396): two items, each typed alone.
    let m = head(&[3, 4, 10, 0, 0, 1, 53, 1, 5, 3, 2, 10, 0, 255]);
    let mut it = PacketWalk::new_checked(&m[..]).unwrap().typed();
    assert!(matches!(it.next(), Some(Ok(DhcpOption::Routers(_)))));
    assert!(!it.repeated());
    assert!(matches!(it.next(), Some(Ok(DhcpOption::MessageType(_)))));
    assert!(matches!(
        it.next(),
        Some(Ok(DhcpOption::Malformed { code: 3, .. }))
    ));
    assert!(it.repeated());
    assert!(it.next().is_none());
    // A repeat between the options field and `sname` (option 52 = 2) is
    // found once the walk reaches it.
    let mut m = head(&[52, 1, 2, 6, 4, 10, 0, 0, 1, 255]);
    m[44..50].copy_from_slice(&[6, 4, 10, 0, 0, 2]);
    let mut it = PacketWalk::new_checked(&m[..]).unwrap().typed();
    assert_eq!(it.by_ref().take(2).count(), 2);
    assert!(!it.repeated());
    assert!(matches!(it.next(), Some(Ok(DhcpOption::DnsServers(_)))));
    assert!(it.next().is_none());
    assert!(it.repeated());
    fuzzing::walk(&m);
    // Codes 64 apart are not repeats.
    let m = head(&[3, 4, 10, 0, 0, 1, 67, 1, 0, 131, 1, 0, 255]);
    let mut it = PacketWalk::new_checked(&m[..]).unwrap().typed();
    assert_eq!(it.by_ref().count(), 3);
    assert!(!it.repeated());
    fuzzing::walk(&m);
}

#[test]
fn visit_calls_the_method_of_each_typed_item_on_the_samples() {
    use dialtone_dhcp_opts::fuzzing::{Defaults, EachMethod};
    use dialtone_dhcp_opts::wire::{Ipv4List, OptionVisitor};

    for bytes in [ACK, DISCOVER] {
        let w = PacketWalk::new_checked(bytes).unwrap();
        fuzzing::visit_agrees_with_typed(&w);
        let mut each = EachMethod::default();
        w.visit(&mut each).unwrap();
        assert_eq!(each.0.len(), w.typed().count());
    }

    // A visitor reading three options and counting the rest.
    #[derive(Default)]
    struct Boot {
        kind: Option<MessageType>,
        tftp: Vec<Ipv4Addr>,
        name: Option<String>,
        rest: Vec<u8>,
    }
    impl<'a> OptionVisitor<'a> for Boot {
        fn message_type(&mut self, t: MessageType) {
            self.kind = Some(t);
        }
        fn tftp_servers(&mut self, l: Ipv4List<'a>) {
            self.tftp.extend(l.iter());
        }
        fn tftp_server_name(&mut self, v: dialtone_dhcp_opts::OptionValue<'a>) {
            self.name = v.as_str().map(String::from);
        }
        fn option(&mut self, o: DhcpOption<'a>) {
            self.rest.push(o.code());
        }
    }
    let mut b = Boot::default();
    PacketWalk::new_checked(ACK).unwrap().visit(&mut b).unwrap();
    assert_eq!(b.kind, Some(MessageType::Ack));
    assert_eq!(b.tftp, [ip("10.10.10.11"), ip("10.10.10.12")]);
    assert_eq!(b.name.as_deref(), Some("10.10.10.11"));
    assert_eq!(b.rest, [54, 51, 58, 59, 1, 3, 6, 15]);

    // Nothing after the cookie: no call, no error.
    let mut d = Defaults::default();
    PacketWalk::new_checked(&ACK[..240])
        .unwrap()
        .visit(&mut d)
        .unwrap();
    assert!(d.0.is_empty());
}

#[test]
fn visit_stops_at_the_framing_error_typed_yields() {
    // Cut inside option 150's value: ten options, then the error.
    let cut = &ACK[..ACK.len() - 3];
    let (each, err) = visited(cut);
    assert_eq!(err.unwrap_err(), Packet::new_checked(cut).unwrap_err());
    assert_eq!(each.len(), 10);

    // A code byte alone at the end of the options field; pads before it.
    let m = head(&[0, 0, 53, 1, 1, 0, 12]);
    let (each, err) = visited(&m[..]);
    assert_eq!(
        err.unwrap_err(),
        DecodeError::Truncated {
            offset: 246,
            needed: 1
        }
    );
    assert_eq!(each.len(), 1);
    fuzzing::walk(&m);

    // A pad followed by an option whose code, read as the pad's length,
    // runs past the field: the pad is skipped, the option visited.
    let m = head(&[0, 53, 1, 1]);
    let (each, done) = visited(&m[..]);
    done.unwrap();
    assert!(matches!(
        each[..],
        [DhcpOption::MessageType(MessageType::Discover)]
    ));
    fuzzing::visit_agrees_with_typed(&PacketWalk::new_checked(&m[..]).unwrap());
    // END followed by garbage ends the field.
    let m = head(&[53, 1, 1, 255, 12, 200]);
    let (each, done) = visited(&m[..]);
    done.unwrap();
    assert_eq!(each.len(), 1);
    fuzzing::walk(&m);

    // An option running past the end of `file` (option 52 = 1): the
    // options field and `file` are visited up to it.
    let mut m = head(&[52, 1, 1, 255]);
    m[108..111].copy_from_slice(&[53, 1, 3]);
    m[233] = 12;
    m[234] = 9;
    let (each, err) = visited(&m[..]);
    assert_eq!(
        err.unwrap_err(),
        DecodeError::Truncated {
            offset: 233,
            needed: 8
        }
    );
    assert_eq!(each.len(), 2);
    fuzzing::walk(&m);
}

#[test]
fn visit_follows_overload_into_file_then_sname() {
    let mut m = head(&[0, 53, 1, 5, 0, 52, 1, 3, 255, 6, 4, 1, 2, 3, 4]);
    m[108..116].copy_from_slice(&[0, 3, 4, 10, 0, 0, 1, 255]);
    m[44..50].copy_from_slice(&[12, 3, b'a', b'b', b'c', 255]);
    for (ov, want) in [
        (3u8, &[53u8, 52, 3, 12][..]),
        (2, &[53, 52, 12]),
        (1, &[53, 52, 3]),
        (7, &[53, 52]),
    ] {
        m[247] = ov;
        let (each, done) = visited(&m[..]);
        done.unwrap();
        let codes: Vec<u8> = each.iter().map(DhcpOption::code).collect();
        assert_eq!(codes, want, "option 52 = {ov}");
        fuzzing::visit_agrees_with_typed(&PacketWalk::new_checked(&m[..]).unwrap());
    }
    // The first one-byte option 52 decides; a malformed one before it
    // does not.
    let mut m = head(&[52, 2, 1, 1, 52, 1, 2, 52, 1, 1, 255]);
    m[44..47].copy_from_slice(&[61, 1, 1]);
    m[108] = 53;
    let (each, done) = visited(&m[..]);
    done.unwrap();
    let codes: Vec<u8> = each.iter().map(DhcpOption::code).collect();
    assert_eq!(codes, [52, 52, 52, 61]);
    assert!(matches!(each[0], DhcpOption::Malformed { code: 52, .. }));
    fuzzing::walk(&m);
}
