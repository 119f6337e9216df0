//! Framer behaviour: splits at every position, partial holds, bad lengths.

use dialtone_sccp::{Config, Framer, FramerError, Message, Recovery};

// KeepAlive from a v20 phone and KeepAliveAck from the CUCM (sccp.md §1.2, CAP-CALL).
const KEEPALIVE: [u8; 12] = [4, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 0, 0];
const KEEPALIVE_ACK: [u8; 12] = [4, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0];
const REGISTER: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/sccp-register.bin"
));
const REGISTER_ACK: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../testdata/samples/sccp-registerack.bin"
));

fn stream() -> (Vec<u8>, Vec<Vec<u8>>) {
    let pdus: Vec<Vec<u8>> = vec![
        REGISTER.to_vec(),
        REGISTER_ACK.to_vec(),
        KEEPALIVE.to_vec(),
        KEEPALIVE_ACK.to_vec(),
        REGISTER.to_vec(),
    ];
    (pdus.concat(), pdus)
}

fn collect(framer: &mut Framer, input: &[u8]) -> Vec<Result<Vec<u8>, FramerError>> {
    framer
        .push(input)
        .map(|r| r.map(|f| f.as_bytes().to_vec()))
        .collect()
}

#[test]
fn splits_at_every_position_yield_the_same_pdus() {
    let (s, pdus) = stream();
    for cut in 0..=s.len() {
        let mut f = Framer::new();
        let mut got = collect(&mut f, &s[..cut]);
        got.extend(collect(&mut f, &s[cut..]));
        let got: Vec<_> = got.into_iter().map(Result::unwrap).collect();
        assert_eq!(got, pdus, "cut at {cut}");
        assert_eq!(f.held(), 0);
        assert_eq!(f.needed(), 0);
    }
}

#[test]
fn byte_by_byte_and_three_way_splits() {
    let (s, pdus) = stream();
    let mut f = Framer::new();
    let mut got = Vec::new();
    for b in &s {
        got.extend(collect(&mut f, core::slice::from_ref(b)));
    }
    assert_eq!(
        got.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
        pdus
    );
    for a in (0..s.len()).step_by(7) {
        for b in (a..s.len()).step_by(5) {
            let mut f = Framer::new();
            let mut got = collect(&mut f, &s[..a]);
            got.extend(collect(&mut f, &s[a..b]));
            got.extend(collect(&mut f, &s[b..]));
            assert_eq!(
                got.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
                pdus,
                "{a} {b}"
            );
        }
    }
}

#[test]
fn contiguous_pdus_borrow_the_input() {
    let (s, _) = stream();
    let mut f = Framer::new();
    for frame in f.push(&s) {
        let frame = frame.unwrap();
        let p = frame.as_bytes().as_ptr() as usize;
        assert!(
            p >= s.as_ptr() as usize && p < s.as_ptr() as usize + s.len(),
            "not copied"
        );
    }
}

#[test]
fn holds_one_partial_and_reports_need() {
    let mut f = Framer::new();
    assert_eq!(collect(&mut f, &REGISTER[..2]).len(), 0);
    assert_eq!(f.held(), 2);
    assert_eq!(f.needed(), 2, "completes the length field first");
    assert_eq!(collect(&mut f, &REGISTER[2..10]).len(), 0);
    assert_eq!(f.needed(), REGISTER.len() - 10);
    let got = collect(&mut f, &REGISTER[10..]);
    assert_eq!(got, vec![Ok(REGISTER.to_vec())]);
    assert_eq!(f.needed(), 0);
    // The completed PDU decodes.
    let mut f = Framer::new();
    let _ = f.push(&REGISTER_ACK[..20]).count();
    let mut n = 0;
    for fr in f.push(&REGISTER_ACK[20..]) {
        assert!(matches!(
            Message::parse(&fr.unwrap()),
            Ok(Message::RegisterAck(_))
        ));
        n += 1;
    }
    assert_eq!(n, 1);
}

#[test]
fn length_below_four_closes_the_connection() {
    for len in 0..4u8 {
        let mut s = KEEPALIVE.to_vec();
        s.extend([len, 0, 0, 0, 0, 0, 0, 0]);
        s.extend(KEEPALIVE_ACK);
        let mut f = Framer::new();
        let got = collect(&mut f, &s);
        assert_eq!(got[0], Ok(KEEPALIVE.to_vec()));
        assert_eq!(
            got[1],
            Err(FramerError::InvalidLength {
                len: u32::from(len),
                offset: 12
            })
        );
        assert_eq!(got[1].clone().unwrap_err().recovery(), Recovery::Close);
        assert_eq!(got.len(), 2);
        assert!(f.is_closed());
        assert_eq!(collect(&mut f, &KEEPALIVE), vec![Err(FramerError::Closed)]);
        // Same when the bad length arrives split.
        let mut f = Framer::new();
        let mut got = collect(&mut f, &s[..14]);
        got.extend(collect(&mut f, &s[14..]));
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(matches!(got[1], Err(FramerError::InvalidLength { .. })));
        assert!(f.is_closed());
    }
}

#[test]
fn oversized_body_is_skipped_and_framing_goes_on() {
    let mut big = Vec::new();
    let body = 5000u32;
    big.extend((body + 4).to_le_bytes());
    big.extend([0u8; 4]);
    big.extend(0x30u32.to_le_bytes());
    big.extend(vec![0xEE; body as usize]);
    let s = [KEEPALIVE.to_vec(), big.clone(), KEEPALIVE_ACK.to_vec()].concat();
    let expect_err = FramerError::Oversized {
        len: 5000,
        max: 4096,
        skip: 5012,
    };
    assert_eq!(expect_err.recovery(), Recovery::Skip(5012));
    // In one push.
    let mut f = Framer::new();
    let got = collect(&mut f, &s);
    assert_eq!(
        got,
        vec![
            Ok(KEEPALIVE.to_vec()),
            Err(expect_err),
            Ok(KEEPALIVE_ACK.to_vec())
        ]
    );
    // At every split.
    for cut in (0..s.len())
        .step_by(97)
        .chain([1, 12, 13, 16, 20, 24, 5020, 5023, 5024, 5025])
    {
        let mut f = Framer::new();
        let mut got = collect(&mut f, &s[..cut]);
        got.extend(collect(&mut f, &s[cut..]));
        assert_eq!(
            got,
            vec![
                Ok(KEEPALIVE.to_vec()),
                Err(expect_err),
                Ok(KEEPALIVE_ACK.to_vec())
            ],
            "cut {cut}"
        );
        assert!(!f.is_closed());
    }
    // A lower configured limit.
    let mut f = Framer::with_config(Config::with_max_body(100));
    let got = collect(&mut f, &[REGISTER, REGISTER_ACK].concat());
    assert_eq!(
        got,
        vec![
            Err(FramerError::Oversized {
                len: 124,
                max: 100,
                skip: 136
            }),
            Ok(REGISTER_ACK.to_vec())
        ]
    );
}

#[test]
fn body_at_the_limit_is_accepted() {
    let mut f = Framer::with_config(Config::with_max_body(20));
    assert_eq!(
        collect(&mut f, REGISTER_ACK),
        vec![Ok(REGISTER_ACK.to_vec())]
    );
    let mut f = Framer::with_config(Config::with_max_body(19));
    assert!(matches!(
        collect(&mut f, REGISTER_ACK)[0],
        Err(FramerError::Oversized { .. })
    ));
}

#[test]
fn reset_forgets_partial_state() {
    let mut f = Framer::new();
    let _ = f.push(&REGISTER[..50]).count();
    f.reset();
    assert_eq!(f.held(), 0);
    assert_eq!(collect(&mut f, &KEEPALIVE), vec![Ok(KEEPALIVE.to_vec())]);
}

#[test]
fn dropping_the_iterator_early_still_keeps_the_tail() {
    let (s, pdus) = stream();
    let mut f = Framer::new();
    drop(f.push(&s[..150]));
    // The first Register was complete in that push but not iterated: it is lost
    // to the caller by design (push consumes), the tail is kept.
    let got: Vec<_> = collect(&mut f, &s[150..])
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(got, pdus[1..].to_vec());
}

#[test]
fn partly_iterated_pushes_keep_the_stream_in_sync() {
    let (s, pdus) = stream();
    let big = [KEEPALIVE.to_vec(), {
        let mut b = Vec::new();
        b.extend(5004u32.to_le_bytes());
        b.extend([0u8; 8]);
        b.extend(vec![1u8; 5000]);
        b
    }]
    .concat();
    for cut in 1..s.len() {
        // Take only the first frame of the first push; the rest of that
        // push's complete frames are dropped, the tail is kept.
        let mut f = Framer::new();
        let first: Vec<_> = f
            .push(&s[..cut])
            .take(1)
            .map(|r| r.unwrap().as_bytes().to_vec())
            .collect();
        let rest: Vec<_> = collect(&mut f, &s[cut..])
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let mut ends = 0;
        let complete_in_first = pdus
            .iter()
            .take_while(|p| {
                ends += p.len();
                ends <= cut
            })
            .count();
        assert_eq!(first.len(), complete_in_first.min(1));
        assert_eq!(rest, pdus[complete_in_first..].to_vec(), "cut {cut}");
    }
    // An oversized PDU in the part that was not iterated is still skipped.
    let mut f = Framer::new();
    let input = [big.clone(), KEEPALIVE_ACK.to_vec()].concat();
    assert_eq!(f.push(&input[..100]).take(1).count(), 1);
    let got = collect(&mut f, &input[100..]);
    assert_eq!(got, vec![Ok(KEEPALIVE_ACK.to_vec())]);
    // A bad length in the part that was not iterated still closes.
    let mut f = Framer::new();
    let bad = [KEEPALIVE.to_vec(), vec![1, 0, 0, 0, 0, 0, 0, 0]].concat();
    assert_eq!(f.push(&bad).take(1).count(), 1);
    assert!(f.is_closed());
}
