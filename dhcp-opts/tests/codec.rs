//! Codec tests on the shared samples and on hand-made RFC 3396 / option 52
//! messages.

use std::net::Ipv4Addr;
use std::vec::Vec;

use dialtone_dhcp_opts::lease::Lease;
use dialtone_dhcp_opts::tftp::{TftpSource, TFTP_LIST_CAP};
use dialtone_dhcp_opts::wire::{Region, FLAG_BROADCAST};
use dialtone_dhcp_opts::{
    code, tftp_servers, DecodeError, DhcpOption, EmitError, MessageRepr, MessageType, Op,
    OptionRef, Packet, TftpOverrides, TftpPolicy, TftpServer,
};

const ACK: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/dhcp-ack.bin"
));
const DISCOVER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/dhcp-discover.bin"
));
const MAC: [u8; 6] = [0x00, 0x1e, 0x7a, 0xc4, 0xd2, 0x31];

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

#[test]
fn sample_ack_decodes_every_field() {
    let p = Packet::new_checked(ACK).unwrap();
    assert_eq!(p.op(), Op::Reply);
    assert_eq!(p.xid(), 0x3903_f326);
    assert_eq!(p.yiaddr(), ip("10.20.30.57"));
    assert_eq!(p.siaddr(), ip("10.10.10.11"));
    assert_eq!(p.giaddr(), ip("10.20.30.1"));
    assert_eq!(p.chaddr(), &MAC);
    assert_eq!(p.message_type(), Some(MessageType::Ack));
    assert_eq!(p.server_id(), Some(ip("10.10.10.5")));
    assert_eq!(p.lease_time(), Some(86400));
    assert_eq!(p.renewal_time(), Some(43200));
    assert_eq!(p.rebinding_time(), Some(75600));
    assert_eq!(p.subnet_mask(), Some(ip("255.255.255.0")));
    assert_eq!(
        p.routers().unwrap().iter().collect::<Vec<_>>(),
        [ip("10.20.30.1")]
    );
    assert_eq!(
        p.dns_servers().unwrap().iter().collect::<Vec<_>>(),
        [ip("10.10.10.53"), ip("10.10.10.54")]
    );
    assert_eq!(p.domain_name().unwrap().as_str(), Some("voice.example.com"));
    assert_eq!(p.tftp_server_name().unwrap().as_str(), Some("10.10.10.11"));
    assert_eq!(
        p.tftp_servers().unwrap().iter().collect::<Vec<_>>(),
        [ip("10.10.10.11"), ip("10.10.10.12")]
    );
    let codes: Vec<u8> = p.options().map(|o| o.code).collect();
    assert_eq!(codes, [53, 54, 51, 58, 59, 1, 3, 6, 15, 66, 150]);
    // Every typed option is typed, nothing malformed.
    for o in p.typed() {
        assert!(
            !matches!(o, DhcpOption::Malformed { .. } | DhcpOption::Other { .. }),
            "{o:?}"
        );
    }
}

#[test]
fn sample_discover_decodes_cisco_options() {
    let p = Packet::new_checked(DISCOVER).unwrap();
    assert_eq!(p.op(), Op::Request);
    // The sample's flags are 0 (the CP-7911G trace in dhcp.md §7.2 sets BROADCAST).
    assert!(!p.broadcast());
    assert_eq!(p.flags() & FLAG_BROADCAST, 0);
    assert_eq!(p.message_type(), Some(MessageType::Discover));
    assert_eq!(p.max_message_size(), Some(576));
    let cid = p.client_id().unwrap();
    assert_eq!(
        cid.as_slice().unwrap(),
        &[1, 0x00, 0x1e, 0x7a, 0xc4, 0xd2, 0x31]
    );
    assert_eq!(p.host_name().unwrap().as_str(), Some("SEP001E7AC4D231"));
    assert!(p
        .parameter_request_list()
        .unwrap()
        .eq_bytes(&[1, 66, 6, 3, 15, 150, 35]));
    assert_eq!(
        p.vendor_class().unwrap().as_str(),
        Some("Cisco Systems, Inc. IP Phone CP-8845")
    );
}

/// Re-encodes a decoded packet with the builder, options in wire order.
fn reencode(p: &Packet<&[u8]>, min_len: usize) -> Vec<u8> {
    let opts: Vec<OptionRef<'_>> = p
        .options()
        .map(|o| OptionRef {
            code: o.code,
            value: o.data,
        })
        .collect();
    let mut r = MessageRepr::new(p.op(), p.xid(), p.chaddr());
    r.hops = p.hops();
    r.secs = p.secs();
    r.flags = p.flags();
    r.ciaddr = p.ciaddr();
    r.yiaddr = p.yiaddr();
    r.siaddr = p.siaddr();
    r.giaddr = p.giaddr();
    r.options = &opts;
    r.min_len = min_len;
    let mut out = vec![0u8; r.buffer_len().unwrap()];
    let n = r.emit(&mut out).unwrap();
    assert_eq!(n, out.len(), "buffer_len is exact");
    out
}

#[test]
fn builder_reproduces_both_samples_byte_for_byte() {
    for sample in [ACK, DISCOVER] {
        let p = Packet::new_checked(sample).unwrap();
        assert_eq!(reencode(&p, 0), sample);
    }
}

#[test]
fn builder_pads_to_bootp_minimum() {
    let r = MessageRepr::new(Op::Request, 1, &MAC);
    assert_eq!(r.buffer_len(), Ok(300));
    let mut small = [0u8; 299];
    assert!(matches!(
        r.emit(&mut small),
        Err(EmitError::Insufficient(_))
    ));
    assert!(small.iter().all(|&b| b == 0), "nothing written on error");
}

/// A hand-made message: option 150 split in two instances with another
/// option between them (RFC 3396 concatenation across non-adjacent
/// instances), and option 52 = 3 putting options in `file` and `sname`.
fn overloaded_split() -> Vec<u8> {
    let mut m = vec![0u8; 240];
    m[0] = 2;
    m[1] = 1;
    m[2] = 6;
    m[236..240].copy_from_slice(&[99, 130, 83, 99]);
    // file: 150 second part, 66 name, END
    let file = [150, 4, 10, 0, 0, 2, 66, 4, b't', b'f', b't', b'p', 255];
    m[108..108 + file.len()].copy_from_slice(&file);
    // sname: 150 third part, END
    let sname = [150, 4, 10, 0, 0, 3, 255];
    m[44..44 + sname.len()].copy_from_slice(&sname);
    m.extend_from_slice(&[
        53, 1, 5, 150, 4, 10, 0, 0, 1, 0, 0, 52, 1, 3, 3, 4, 10, 0, 0, 254, 255, 0, 0,
    ]);
    m
}

#[test]
fn overload_and_split_options_are_read_in_rfc_order() {
    let m = overloaded_split();
    let p = Packet::new_checked(&m[..]).unwrap();
    assert!(p.overload().file && p.overload().sname);
    assert_eq!(p.sname(), None);
    assert_eq!(p.file(), None);
    let regions: Vec<(u8, Region)> = p.options().map(|o| (o.code, o.region)).collect();
    assert_eq!(
        regions,
        [
            (53, Region::Options),
            (150, Region::Options),
            (52, Region::Options),
            (3, Region::Options),
            (150, Region::File),
            (66, Region::File),
            (150, Region::Sname),
        ]
    );
    assert!(p.is_split(150));
    let t: Vec<_> = p.tftp_servers().unwrap().iter().collect();
    assert_eq!(t, [ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.3")]);
    let v = p.option(150).unwrap();
    assert_eq!(v.len(), 12);
    assert_eq!(v.fragments().count(), 3);
    assert_eq!(v.as_slice(), None);
    let mut buf = [0u8; 12];
    assert_eq!(v.copy_to(&mut buf), Ok(12));
    assert_eq!(buf, [10, 0, 0, 1, 10, 0, 0, 2, 10, 0, 0, 3]);
    assert_eq!(v.to_vec(), buf);
    assert!(v.copy_to(&mut [0u8; 11]).is_err());
    // merged: one entry per code, first-appearance order
    let merged: Vec<u8> = p.merged().map(|(c, _)| c).collect();
    assert_eq!(merged, [53, 150, 52, 3, 66]);
    assert_eq!(p.tftp_server_name().unwrap().as_str(), Some("tftp"));
}

#[test]
fn truncated_and_bad_messages_are_typed_errors() {
    assert_eq!(
        Packet::new_checked(&ACK[..239]).unwrap_err(),
        DecodeError::Truncated {
            offset: 0,
            needed: 1
        }
    );
    let mut bad = ACK.to_vec();
    bad[236] = 0;
    assert_eq!(
        Packet::new_checked(&bad[..]).unwrap_err(),
        DecodeError::BadCookie
    );
    // cut inside option 150's value
    let cut = &ACK[..ACK.len() - 3];
    assert!(matches!(
        Packet::new_checked(cut),
        Err(DecodeError::Truncated { .. })
    ));
    // missing END is tolerated
    let no_end = &ACK[..ACK.len() - 1];
    assert_eq!(Packet::new_checked(no_end).unwrap().options().count(), 11);
}

#[test]
fn malformed_known_options_stay_raw_data() {
    let mut m = ACK[..240].to_vec();
    m.extend_from_slice(&[53, 1, 5, 1, 3, 255, 255, 0, 150, 5, 1, 2, 3, 4, 5, 255]);
    let p = Packet::new_checked(&m[..]).unwrap();
    assert_eq!(p.subnet_mask(), None);
    assert!(p.tftp_servers().is_none());
    let kinds: Vec<_> = p
        .typed()
        .map(|o| matches!(o, DhcpOption::Malformed { .. }))
        .collect();
    assert_eq!(kinds, [false, true, true]);
}

#[test]
fn relay_agent_sub_options() {
    let mut m = ACK[..240].to_vec();
    m.extend_from_slice(&[
        53, 1, 1, 82, 9, 1, 3, b'e', b'0', b'1', 2, 2, 0xab, 0xcd, 255,
    ]);
    let p = Packet::new_checked(&m[..]).unwrap();
    let r = p.relay_agent_info().unwrap();
    assert_eq!(r.circuit_id(), Some(&b"e01"[..]));
    assert_eq!(r.remote_id(), Some(&[0xab, 0xcd][..]));
}

#[test]
fn long_option_is_split_and_reassembled() {
    let long: Vec<u8> = (0..600u32).map(|i| (i % 251) as u8).collect();
    let opts = [
        OptionRef {
            code: 53,
            value: &[5],
        },
        OptionRef {
            code: 43,
            value: &long,
        },
    ];
    let mut r = MessageRepr::new(Op::Reply, 7, &MAC);
    r.options = &opts;
    r.max_len = 1500;
    let mut out = vec![0u8; r.buffer_len().unwrap()];
    r.emit(&mut out).unwrap();
    let p = Packet::new_checked(&out[..]).unwrap();
    let sizes: Vec<usize> = p
        .options()
        .filter(|o| o.code == 43)
        .map(|o| o.data.len())
        .collect();
    assert_eq!(sizes, [255, 255, 90]);
    assert!(p.vendor_specific().unwrap().eq_bytes(&long));
}

#[test]
fn builder_overloads_when_limit_is_reached_or_fails_typed() {
    let big = [7u8; 200];
    let names = [b'x'; 100];
    let opts = [
        OptionRef {
            code: 53,
            value: &[5],
        },
        OptionRef {
            code: 43,
            value: &big,
        },
        OptionRef {
            code: 12,
            value: &names,
        },
        OptionRef {
            code: 150,
            value: &[10, 0, 0, 1, 10, 0, 0, 2],
        },
    ];
    let mut r = MessageRepr::new(Op::Reply, 7, &MAC);
    r.options = &opts;
    // 548 bytes: 307 for options; 3 + 202 + 102 + 10 + 1 = 318 do not fit.
    let n = r.buffer_len().unwrap();
    assert!(n <= 548);
    let mut out = vec![0u8; n];
    r.emit(&mut out).unwrap();
    let p = Packet::new_checked(&out[..]).unwrap();
    assert!(p.overload().file);
    assert!(p.vendor_specific().unwrap().eq_bytes(&big));
    assert!(p.host_name().unwrap().eq_bytes(&names));
    assert_eq!(p.tftp_servers().unwrap().len(), 2);
    // Without overload: a typed error, nothing written.
    r.allow_overload = false;
    assert!(matches!(
        r.buffer_len(),
        Err(EmitError::TooLarge { max: 548, .. })
    ));
    // With a larger option 57 it fits plainly.
    let r = r.with_max_message_size(1500);
    let mut out = vec![0u8; r.buffer_len().unwrap()];
    r.emit(&mut out).unwrap();
    assert!(!Packet::new_checked(&out[..]).unwrap().overload().file);
}

#[test]
fn tftp_servers_follow_project_order() {
    let p = Packet::new_checked(ACK).unwrap();
    let lease = Lease::from_packet(&p, Ipv4Addr::UNSPECIFIED);
    let list = tftp_servers(&lease, &TftpOverrides::default(), &TftpPolicy::default());
    // 150 (two), then 66 and siaddr duplicate the first: removed.
    let got: Vec<_> = list.iter().copied().collect();
    assert_eq!(
        got,
        [
            TftpServer::Addr(ip("10.10.10.11")),
            TftpServer::Addr(ip("10.10.10.12"))
        ]
    );
    // Alternate TFTP overrides DHCP entirely.
    let alt = tftp_servers(
        &lease,
        &TftpOverrides::alternate(ip("192.0.2.9")),
        &TftpPolicy::default(),
    );
    assert_eq!(
        alt.iter().copied().collect::<Vec<_>>(),
        [TftpServer::Addr(ip("192.0.2.9"))]
    );
    // Configurable order and cap.
    let order = [TftpSource::Siaddr, TftpSource::Option150];
    let mut pol = TftpPolicy::default();
    pol.order = &order;
    pol.option150_cap = Some(1);
    let l = tftp_servers(&lease, &TftpOverrides::default(), &pol);
    assert_eq!(
        l.iter().copied().collect::<Vec<_>>(),
        [TftpServer::Addr(ip("10.10.10.11"))]
    );
    assert!(l.len() <= TFTP_LIST_CAP);
}

#[test]
fn option_66_name_is_unresolved_and_nul_stripped() {
    // dnsmasq sends option 66 NUL-terminated.
    let mut m = ACK[..240].to_vec();
    m.extend_from_slice(&[
        53, 1, 5, 66, 9, b't', b'f', b't', b'p', b'.', b'l', b'a', b'n', 0, 255,
    ]);
    let p = Packet::new_checked(&m[..]).unwrap();
    assert_eq!(p.tftp_server_name().unwrap().as_str(), Some("tftp.lan"));
    let lease = Lease::from_packet(&p, Ipv4Addr::UNSPECIFIED);
    let l = tftp_servers(&lease, &TftpOverrides::default(), &TftpPolicy::default());
    let first = *l.iter().next().unwrap();
    match first {
        TftpServer::Name(t) => assert_eq!(t.as_str(), Some("tftp.lan")),
        other => panic!("{other:?}"),
    }
    // siaddr follows the name
    assert_eq!(l.len(), 2);
    assert_eq!(code::TFTP_SERVER_NAME, 66);
}

#[test]
fn lease_uses_server_t1_t2_or_defaults() {
    let p = Packet::new_checked(ACK).unwrap();
    let l = Lease::from_packet(&p, Ipv4Addr::UNSPECIFIED);
    assert_eq!(l.lease_time.unwrap().as_secs(), 86400);
    assert_eq!(l.renewal_time.unwrap().as_secs(), 43200);
    assert_eq!(l.rebinding_time.unwrap().as_secs(), 75600);
    let mut m = ACK[..240].to_vec();
    m.extend_from_slice(&[53, 1, 5, 51, 4, 0, 0, 0, 120, 255]);
    let p = Packet::new_checked(&m[..]).unwrap();
    let l = Lease::from_packet(&p, ip("10.0.0.1"));
    assert_eq!(l.renewal_time.unwrap().as_secs(), 60);
    assert_eq!(l.rebinding_time.unwrap().as_secs(), 105);
    assert_eq!(l.server_id, ip("10.0.0.1"));
}

#[test]
fn codes_64_apart_are_not_repeats_and_repeats_in_file_are() {
    // 3 and 67 share a bit of the quick repeat check; neither is split.
    let mut m = overloaded_split();
    m.truncate(240);
    m.extend_from_slice(&[3, 4, 10, 0, 0, 1, 67, 2, b'x', b'y', 255]);
    let p = Packet::new_checked(&m[..]).unwrap();
    assert!(!p.is_split(3) && !p.is_split(67));
    assert_eq!(p.routers().unwrap().first(), Some(ip("10.0.0.1")));
    assert_eq!(p.option(67).unwrap().as_slice(), Some(&b"xy"[..]));
    assert_eq!(p.typed().count(), 2);
    // 150 once in the options field and once in `file` (52 = 1): split.
    let mut m = vec![0u8; 240];
    m[0] = 2;
    m[236..240].copy_from_slice(&[99, 130, 83, 99]);
    m[108..115].copy_from_slice(&[150, 4, 10, 0, 0, 2, 255]);
    m.extend_from_slice(&[150, 4, 10, 0, 0, 1, 52, 1, 1, 255]);
    let p = Packet::new_checked(&m[..]).unwrap();
    assert!(p.is_split(150) && !p.is_split(52));
    let t: Vec<_> = p.tftp_servers().unwrap().iter().collect();
    assert_eq!(t, [ip("10.0.0.1"), ip("10.0.0.2")]);
    let typed: Vec<u8> = p.typed().map(|o| o.code()).collect();
    assert_eq!(typed, [150, 52]);
    // An option overrunning `file` is an error at its offset.
    m[108..115].copy_from_slice(&[0, 0, 0, 0, 0, 0, 0]);
    m[108 + 126] = 150;
    m[108 + 127] = 4;
    assert_eq!(
        Packet::new_checked(&m[..]).unwrap_err(),
        DecodeError::Truncated {
            offset: 108 + 126,
            needed: 4
        }
    );
    // A code byte without its length at the end of the options field.
    let mut m = m[..240].to_vec();
    m.extend_from_slice(&[53, 1, 5, 0, 6]);
    assert_eq!(
        Packet::new_checked(&m[..]).unwrap_err(),
        DecodeError::Truncated {
            offset: 244,
            needed: 1
        }
    );
}

#[test]
fn split_lists_and_names_read_across_instances() {
    let mut m = vec![0u8; 240];
    m[0] = 2;
    m[236..240].copy_from_slice(&[99, 130, 83, 99]);
    // 150 split inside its first address; 66 split with NULs at the end;
    // 51 split in two halves.
    m.extend_from_slice(&[150, 2, 10, 0, 66, 2, b't', b'f', 51, 2, 0, 1]);
    m.extend_from_slice(&[150, 6, 0, 1, 10, 0, 0, 2, 66, 4, b't', b'p', 0, 0]);
    m.extend_from_slice(&[51, 2, 0x51, 0x80, 255]);
    let p = Packet::new_checked(&m[..]).unwrap();
    let t: Vec<_> = p.tftp_servers().unwrap().iter().collect();
    assert_eq!(t, [ip("10.0.0.1"), ip("10.0.0.2")]);
    let name = p.tftp_server_name().unwrap();
    assert_eq!(name.len(), 4);
    assert!(name.eq_bytes(b"tftp"));
    assert_eq!(p.lease_time(), Some(86400));
    let typed: Vec<DhcpOption<'_>> = p.typed().collect();
    assert_eq!(typed.len(), 3);
    assert!(matches!(&typed[0], DhcpOption::TftpServers(l) if l.len() == 2));
    assert!(matches!(&typed[1], DhcpOption::TftpServerName(v) if v.eq_bytes(b"tftp")));
    assert!(matches!(typed[2], DhcpOption::LeaseTime(86400)));
}

#[test]
fn many_options_and_options_in_file_read_alike() {
    // 40 distinct one-byte options in the options field: more than the
    // offsets `new_checked` records, so iteration walks the field.
    let mut m = vec![0u8; 240];
    m[0] = 2;
    m[236..240].copy_from_slice(&[99, 130, 83, 99]);
    for c in 100..140u8 {
        m.extend_from_slice(&[c, 1, c]);
    }
    m.push(255);
    let p = Packet::new_checked(&m[..]).unwrap();
    let codes: Vec<u8> = p.options().map(|o| o.code).collect();
    assert_eq!(codes, (100..140).collect::<Vec<u8>>());
    let merged: Vec<(u8, u8)> = p
        .merged()
        .map(|(c, v)| (c, v.as_slice().unwrap()[0]))
        .collect();
    assert_eq!(merged, (100..140).map(|c| (c, c)).collect::<Vec<_>>());
    assert_eq!(p.typed().count(), 40);
    assert_eq!(p.option(139).unwrap().as_slice(), Some(&[139u8][..]));
    // Pads around options, option 52 = 3: options field, then file, then
    // sname, with the field each instance sits in.
    let mut m = vec![0u8; 240];
    m[236..240].copy_from_slice(&[99, 130, 83, 99]);
    m[108..116].copy_from_slice(&[0, 3, 4, 10, 0, 0, 1, 255]);
    m[44..50].copy_from_slice(&[12, 3, b'a', b'b', b'c', 255]);
    m.extend_from_slice(&[0, 53, 1, 5, 0, 52, 1, 3, 255]);
    let p = Packet::new_checked(&m[..]).unwrap();
    let got: Vec<(u8, Region)> = p.options().map(|o| (o.code, o.region)).collect();
    assert_eq!(
        got,
        [
            (53, Region::Options),
            (52, Region::Options),
            (3, Region::File),
            (12, Region::Sname)
        ]
    );
    let typed: Vec<u8> = p.typed().map(|o| o.code()).collect();
    assert_eq!(typed, [53, 52, 3, 12]);
    assert_eq!(p.routers().unwrap().first(), Some(ip("10.0.0.1")));
    assert!(p.host_name().unwrap().eq_bytes(b"abc"));
}

#[test]
fn accessors_read_by_code_and_others_yield_the_rest() {
    // The ACK: every option has an accessor, so `others` is empty.
    let p = Packet::new_checked(ACK).unwrap();
    assert_eq!(p.others().count(), 0);
    assert_eq!(p.lease_time(), Some(86400));
    assert_eq!(p.option(200), None);
    assert_eq!(p.requested_ip(), None);
    // Codes without an accessor, in order, between typed ones; a repeated
    // typed code is still concatenated.
    let mut m = vec![0u8; 240];
    m[236..240].copy_from_slice(&[99, 130, 83, 99]);
    m.extend_from_slice(&[200, 1, 7, 53, 1, 5, 3, 4, 10, 0, 0, 1, 201, 0]);
    m.extend_from_slice(&[3, 4, 10, 0, 0, 2, 255]);
    let p = Packet::new_checked(&m[..]).unwrap();
    let others: Vec<u8> = p.others().map(|o| o.code).collect();
    assert_eq!(others, [200, 201]);
    assert!(Packet::<&[u8]>::has_accessor(150) && !Packet::<&[u8]>::has_accessor(200));
    assert_eq!(p.option(200).unwrap().as_slice(), Some(&[7u8][..]));
    assert_eq!(p.routers().unwrap().len(), 2);
    assert_eq!(p.message_type(), Some(MessageType::Ack));
    // Over 64 KiB: offsets are not recorded, and the accessors search.
    let mut m = vec![0u8; 240];
    m[236..240].copy_from_slice(&[99, 130, 83, 99]);
    m.resize(70_000, 0);
    m.extend_from_slice(&[53, 1, 2, 150, 4, 10, 0, 0, 9, 222, 0, 255]);
    let p = Packet::new_checked(&m[..]).unwrap();
    assert_eq!(p.message_type(), Some(MessageType::Offer));
    assert_eq!(p.tftp_servers().unwrap().first(), Some(ip("10.0.0.9")));
    assert_eq!(p.others().map(|o| o.code).collect::<Vec<_>>(), [222]);
}
