//! Differential tests against `dhcproto`: random valid messages encoded by
//! one crate decode to the same header fields and the same multiset of
//! (code, value) in the other, both ways.
//!
//! Known differences, handled here rather than hidden:
//! - dhcproto types option 150 as a single IPv4 address. On a two-address
//!   option 150 its owned `Message` decoder stops reading options at that
//!   point and still returns `Ok` (see
//!   `dhcproto_owned_drops_two_address_option_150_silently`), so messages
//!   going *to* dhcproto's owned decoder carry one address; its borrowed view
//!   reads raw bytes and is compared with two.
//! - dhcproto re-encodes options in code order, one instance per code, so
//!   options are compared as multisets, not sequences.

use std::net::Ipv4Addr;

use dhcproto::v4::{self, borrowed, DhcpOption as ProtoOption};
use dhcproto::{Decodable, Decoder, Encodable};
use dialtone_core::Rng;
use dialtone_dhcp_opts::{MessageRepr, Op, OptionRef, Packet};

const ACK: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/dhcp-ack.bin"
));

fn bytes(rng: &mut Rng, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    rng.fill_bytes(&mut v);
    v
}

fn letters(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| b'a' + rng.range_u64(0, 26) as u8).collect()
}

/// A random set of options (distinct codes) with values both crates type
/// the same way. `tftp_addrs` = addresses in option 150; `long` allows an
/// unknown option longer than 255 bytes.
fn random_options(rng: &mut Rng, tftp_addrs: usize, long: bool) -> Vec<(u8, Vec<u8>)> {
    let mut out: Vec<(u8, Vec<u8>)> = vec![(53, vec![rng.range_u64(1, 9) as u8])];
    let pool: [u8; 19] = [
        1, 3, 6, 12, 15, 42, 50, 51, 54, 55, 57, 58, 59, 60, 61, 66, 150, 224, 230,
    ];
    for &code in &pool {
        if rng.range_u64(0, 3) == 0 {
            continue;
        }
        let v = match code {
            1 | 50 | 54 | 51 | 58 | 59 => bytes(rng, 4),
            3 | 6 | 42 => {
                let k = rng.range_u64(1, 5) as usize;
                bytes(rng, 4 * k)
            }
            12 | 15 => {
                let k = rng.range_u64(1, 30) as usize;
                letters(rng, k)
            }
            55 => {
                let k = rng.range_u64(1, 12) as usize;
                (0..k).map(|_| rng.range_u64(1, 255) as u8).collect()
            }
            57 => (rng.range_u64(576, 1500) as u16).to_be_bytes().to_vec(),
            60 | 61 | 66 => {
                let k = rng.range_u64(2, 40) as usize;
                bytes(rng, k)
            }
            150 => bytes(rng, 4 * tftp_addrs),
            224 if long => {
                let k = rng.range_u64(256, 700) as usize;
                bytes(rng, k)
            }
            _ => {
                // Non-empty: dhcproto's encoder writes nothing for an
                // empty unknown option (another difference).
                let k = rng.range_u64(1, 60) as usize;
                bytes(rng, k)
            }
        };
        out.push((code, v));
    }
    // Random order (ours keeps it; dhcproto sorts).
    for i in (1..out.len()).rev() {
        let j = rng.range_u64(0, i as u64 + 1) as usize;
        out.swap(i, j);
    }
    out
}

struct Header {
    op: u8,
    xid: u32,
    secs: u16,
    flags: u16,
    hops: u8,
    addrs: [Ipv4Addr; 4],
    chaddr: [u8; 6],
}

fn random_header(rng: &mut Rng) -> Header {
    let mut a = || Ipv4Addr::from(rng.next_u32());
    let addrs = [a(), a(), a(), a()];
    let mut chaddr = [0u8; 6];
    rng.fill_bytes(&mut chaddr);
    Header {
        op: rng.range_u64(1, 3) as u8,
        xid: rng.next_u32(),
        secs: rng.next_u32() as u16,
        flags: if rng.range_u64(0, 2) == 0 { 0x8000 } else { 0 },
        hops: rng.range_u64(0, 4) as u8,
        addrs,
        chaddr,
    }
}

fn ours_encode(h: &Header, opts: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let refs: Vec<OptionRef<'_>> = opts
        .iter()
        .map(|(c, v)| OptionRef { code: *c, value: v })
        .collect();
    let mut r = MessageRepr::new(Op::from(h.op), h.xid, &h.chaddr);
    r.secs = h.secs;
    r.flags = h.flags;
    r.hops = h.hops;
    [r.ciaddr, r.yiaddr, r.siaddr, r.giaddr] = h.addrs;
    r.options = &refs;
    r.max_len = 4096;
    let mut out = vec![0u8; r.buffer_len().unwrap()];
    r.emit(&mut out).unwrap();
    out
}

fn sorted(mut v: Vec<(u8, Vec<u8>)>) -> Vec<(u8, Vec<u8>)> {
    v.sort();
    v
}

/// (code, value) of a dhcproto option, through its own encoder.
fn proto_pair(o: &ProtoOption) -> (u8, Vec<u8>) {
    let enc = o.to_vec().unwrap();
    // Values here are <= 255 bytes: one instance, [code, len, value..].
    (enc[0], enc[2..].to_vec())
}

#[test]
fn ours_to_dhcproto_owned_same_fields_and_options() {
    let mut rng = Rng::new(0xD1FF);
    for _ in 0..2_000 {
        let h = random_header(&mut rng);
        let opts = random_options(&mut rng, 1, false);
        let wire = ours_encode(&h, &opts);
        let m = v4::Message::from_bytes(&wire).unwrap();
        assert_eq!(u8::from(m.opcode()), h.op);
        assert_eq!(m.xid(), h.xid);
        assert_eq!(m.secs(), h.secs);
        assert_eq!(u16::from(m.flags()), h.flags);
        assert_eq!(m.hops(), h.hops);
        assert_eq!([m.ciaddr(), m.yiaddr(), m.siaddr(), m.giaddr()], h.addrs);
        assert_eq!(m.chaddr(), &h.chaddr);
        let theirs: Vec<_> = m.opts().iter().map(|(_, o)| proto_pair(o)).collect();
        assert_eq!(sorted(theirs), sorted(opts.clone()));
    }
}

#[test]
fn ours_to_dhcproto_borrowed_same_options_with_two_tftp_addresses_and_long_options() {
    let mut rng = Rng::new(0xB0);
    for _ in 0..2_000 {
        let h = random_header(&mut rng);
        let opts = random_options(&mut rng, 2, true);
        let wire = ours_encode(&h, &opts);
        let m = borrowed::Message::new(&wire).unwrap();
        assert_eq!(m.xid(), h.xid);
        assert_eq!(m.yiaddr(), h.addrs[1]);
        let theirs: Vec<(u8, Vec<u8>)> = m
            .opts()
            .map(|o| (u8::from(o.code()), o.data().to_vec()))
            .collect();
        assert_eq!(sorted(theirs), sorted(opts.clone()));
    }
}

#[test]
fn dhcproto_to_ours_same_fields_and_options() {
    let mut rng = Rng::new(0x0DD);
    for _ in 0..2_000 {
        let h = random_header(&mut rng);
        let opts = random_options(&mut rng, 1, false);
        let [ci, yi, si, gi] = h.addrs;
        let mut m = v4::Message::new_with_id(h.xid, ci, yi, si, gi, &h.chaddr);
        m.set_opcode(v4::Opcode::from(h.op))
            .set_secs(h.secs)
            .set_hops(h.hops)
            .set_flags(v4::Flags::new(h.flags));
        for (c, v) in &opts {
            let mut enc = vec![*c, v.len() as u8];
            enc.extend_from_slice(v);
            let o = ProtoOption::decode(&mut Decoder::new(&enc)).unwrap();
            m.opts_mut().insert(o);
        }
        let wire = m.to_vec().unwrap();
        let p = Packet::new_checked(&wire[..]).unwrap();
        assert_eq!(u8::from(p.op()), h.op);
        assert_eq!(p.xid(), h.xid);
        assert_eq!(p.secs(), h.secs);
        assert_eq!(p.flags(), h.flags);
        assert_eq!(p.hops(), h.hops);
        assert_eq!([p.ciaddr(), p.yiaddr(), p.siaddr(), p.giaddr()], h.addrs);
        assert_eq!(p.chaddr(), &h.chaddr);
        let ours: Vec<(u8, Vec<u8>)> = p.merged().map(|(c, v)| (c, v.to_vec())).collect();
        assert_eq!(sorted(ours), sorted(opts.clone()));
        // And against dhcproto's own reading of its bytes.
        let back = v4::Message::from_bytes(&wire).unwrap();
        let theirs: Vec<_> = back.opts().iter().map(|(_, o)| proto_pair(o)).collect();
        assert_eq!(sorted(theirs), sorted(opts));
    }
}

/// The documented difference: the shared ACK sample's option 150 holds two
/// addresses; dhcproto's owned decoder returns `Ok` without it.
#[test]
fn dhcproto_owned_drops_two_address_option_150_silently() {
    let m = v4::Message::from_bytes(ACK).expect("dhcproto returns Ok");
    assert!(m.opts().get(v4::OptionCode::TFTPServerAddress).is_none());
    // Its borrowed view and our decoder both see the two addresses.
    let b = borrowed::Message::new(ACK).unwrap();
    let raw150 = b.opts().find(|o| u8::from(o.code()) == 150).unwrap();
    assert_eq!(raw150.data(), [10, 10, 10, 11, 10, 10, 10, 12]);
    let p = Packet::new_checked(ACK).unwrap();
    assert_eq!(p.tftp_servers().unwrap().len(), 2);
}
