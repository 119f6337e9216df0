//! The SIP user agent through the C ABI registers with a Registrar.

use std::ptr;

use dialtone::dialtone_result;
use dialtone::sip::*;
use dialtone_core::Instant;
use dialtone_sip_reg::registrar::{Account, Config, MemoryAccounts, Registrar};
use dialtone_sip_reg::Peer;

#[test]
fn ua_registers_and_unregisters_through_the_c_abi() {
    let server = dialtone_sip_addr {
        ip: [192, 0, 2, 10],
        port: 5060,
    };
    let cfg = dialtone_sip_ua_config {
        registrars: &server,
        registrars_len: 1,
        user: c"1001".as_ptr(),
        password: c"secret".as_ptr(),
        domain: ptr::null(),
        user_agent: ptr::null(),
        instance: c"<urn:uuid:00000000-0000-0000-0000-001e7ac4d231>".as_ptr(),
        local: dialtone_sip_addr {
            ip: [192, 0, 2, 20],
            port: 5062,
        },
        transport: dialtone_sip_transport::Udp,
        keepalive: dialtone_sip_keepalive::Crlf,
        keepalive_interval_s: 15,
        expires_s: 3600,
        random_port_min: 0,
        random_port_max: 0,
        prefer_primary: false,
        received_detection: false,
    };
    let mut ua = ptr::null_mut();
    assert_eq!(
        unsafe { dialtone_sip_ua_new(&cfg, 0, 1, &mut ua) },
        dialtone_result::Ok
    );
    let mut accounts = MemoryAccounts::new();
    accounts.insert("1001", Account::new("secret"));
    let mut reg = Registrar::new(Config::default(), accounts, Instant::ZERO, 2);
    let phone = Peer::Udp("192.0.2.20:5062".parse().unwrap());
    let mut buf = vec![0u8; 4096];
    let mut events = Vec::new();
    let run = |ua: *mut dialtone_sip_ua,
               reg: &mut Registrar,
               buf: &mut Vec<u8>,
               events: &mut Vec<dialtone_sip_event>| {
        for _ in 0..10 {
            let mut len = 0;
            let mut peer = dialtone_sip_peer::default();
            while unsafe {
                dialtone_sip_ua_poll_transmit(ua, buf.as_mut_ptr(), buf.len(), &mut len, &mut peer)
            } == dialtone_result::Ok
            {
                assert!(!peer.is_tcp);
                assert_eq!(peer.addr, server);
                reg.handle_input(Instant::ZERO, phone, &buf[..len]).unwrap();
            }
            while let Some(t) = reg.poll_transmit(buf).unwrap() {
                let from = dialtone_sip_peer {
                    is_tcp: false,
                    addr: server,
                    conn: 0,
                };
                let r = unsafe { dialtone_sip_ua_handle_input(ua, 0, &from, buf.as_ptr(), t.len) };
                assert_eq!(r, dialtone_result::Ok);
            }
            let mut ev = std::mem::MaybeUninit::<dialtone_sip_event>::uninit();
            while unsafe { dialtone_sip_ua_poll_event(ua, ev.as_mut_ptr()) } == dialtone_result::Ok
            {
                events.push(unsafe { ev.assume_init() });
            }
        }
    };
    run(ua, &mut reg, &mut buf, &mut events);
    assert!(events
        .iter()
        .any(|e| e.kind == dialtone_sip_event_kind::Registered && e.expires_s == 3600));
    let mut at = 0;
    assert!(unsafe { dialtone_sip_ua_poll_timeout(ua, &mut at) });
    assert!(at > 0);
    // A too-small buffer reports the size needed and consumes nothing.
    assert_eq!(
        unsafe { dialtone_sip_ua_unregister(ua, 1) },
        dialtone_result::Ok
    );
    let mut len = 0;
    let mut peer = dialtone_sip_peer::default();
    let mut tiny = [0u8; 8];
    let r = unsafe {
        dialtone_sip_ua_poll_transmit(ua, tiny.as_mut_ptr(), tiny.len(), &mut len, &mut peer)
    };
    assert_eq!(r, dialtone_result::InsufficientSize);
    assert!(len > 8);
    run(ua, &mut reg, &mut buf, &mut events);
    assert!(events
        .iter()
        .any(|e| e.kind == dialtone_sip_event_kind::Unregistered));
    assert_eq!(reg.bindings("1001@192.0.2.10", Instant::ZERO).count(), 0);
    // NULL handling.
    assert_eq!(
        unsafe { dialtone_sip_ua_handle_timeout(ptr::null_mut(), 0) },
        dialtone_result::NullParameter
    );
    unsafe { dialtone_sip_ua_free(ua) };
    unsafe { dialtone_sip_ua_free(ptr::null_mut()) };
}
