//! sipp runs a REGISTER scenario with digest auth against our Registrar
//! (driven by a small std-socket loop on 127.0.0.1): 1,000 accounts from an
//! `-inf` file at 500 registrations/s for 10 s without a failed call, and one
//! account blocked after its 20th REGISTER within a minute. tshark decodes
//! the traffic without malformed packets.

mod common;

use std::net::UdpSocket;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::*;
use dialtone_sip_reg::registrar::{
    Account, Config, Counters, ForbiddenCause, MemoryAccounts, Registrar,
};
use dialtone_sip_reg::Peer;

const SCENARIO: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="register with digest">
  <send retrans="500">
    <![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:[field0]@[remote_ip]>;tag=[pid]SIPpTag[call_number]
      To: <sip:[field0]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Max-Forwards: 70
      Expires: 3600
      User-Agent: sipp
      Content-Length: 0

    ]]>
  </send>
  <recv response="401" auth="true"/>
  <send retrans="500">
    <![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:[field0]@[remote_ip]>;tag=[pid]SIPpTag[call_number]
      To: <sip:[field0]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 2 REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      [field1]
      Max-Forwards: 70
      Expires: 3600
      User-Agent: sipp
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
"#;

struct Served {
    counters: Counters,
    aors: usize,
    packets: Vec<Packet>,
    blocked: bool,
}

/// Serves `accounts` on a fresh UDP port until `stop`; returns what happened.
fn serve(
    accounts: MemoryAccounts,
    capture: bool,
) -> (u16, Arc<AtomicBool>, thread::JoinHandle<Served>) {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sock.local_addr().unwrap().port();
    sock.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let handle = thread::spawn(move || {
        let clock = Clock::new();
        let mut reg = Registrar::new(Config::default(), accounts, clock.now(), 0xdead_beef);
        reg.set_events(false);
        let mut inb = vec![0u8; 65536];
        let mut out = vec![0u8; 65536];
        let mut packets = Vec::new();
        let local = sock.local_addr().unwrap();
        while !stop2.load(Ordering::Relaxed) {
            match sock.recv_from(&mut inb) {
                Ok((n, from)) => {
                    if capture {
                        packets.push(Packet {
                            at: clock.0.elapsed(),
                            src: from,
                            dst: local,
                            payload: inb[..n].to_vec(),
                        });
                    }
                    let _ = reg.handle_input(clock.now(), Peer::Udp(from), &inb[..n]);
                }
                Err(_) => reg.handle_timeout(clock.now()),
            }
            while let Some(t) = reg.poll_transmit(&mut out).unwrap() {
                if let Peer::Udp(to) = t.to {
                    let _ = sock.send_to(&out[..t.len], to);
                    if capture {
                        packets.push(Packet {
                            at: clock.0.elapsed(),
                            src: local,
                            dst: to,
                            payload: out[..t.len].to_vec(),
                        });
                    }
                }
            }
        }
        Served {
            counters: *reg.counters(),
            aors: reg.aor_count(),
            packets,
            blocked: reg.is_blocked("blockme", clock.now()),
        }
    });
    (port, stop, handle)
}

fn sipp(dir: &Path, port: u16, inf: &Path, calls: u32, rate: u32) -> (bool, String) {
    let scenario = dir.join("register.xml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let local_port = free_port();
    let out = Command::new("sipp")
        .current_dir(dir)
        .arg(format!("127.0.0.1:{port}"))
        .arg("-sf")
        .arg(&scenario)
        .arg("-inf")
        .arg(inf)
        .args(["-i", "127.0.0.1", "-p", &local_port.to_string()])
        .args([
            "-m",
            &calls.to_string(),
            "-r",
            &rate.to_string(),
            "-rp",
            "1000",
        ])
        .args([
            "-timeout",
            "60s",
            "-max_recv_loops",
            "1000",
            "-nostdin",
            "-trace_stat",
            "-fd",
            "1",
        ])
        .args(["-recv_timeout", "5000"])
        .output()
        .expect("run sipp");
    let mut log = String::from_utf8_lossy(&out.stdout).into_owned();
    log.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.success(), log)
}

fn workdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dialtone-sipp-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Column `name` of the last row of sipp's `-trace_stat` CSV.
fn stat(dir: &Path, name: &str) -> Option<u64> {
    let file = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("_.csv"))?;
    let text = std::fs::read_to_string(file).ok()?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split(';').collect();
    let last: Vec<&str> = lines.last()?.split(';').collect();
    let i = header.iter().position(|h| *h == name)?;
    last.get(i)?.trim().parse().ok()
}

#[test]
fn sipp_registers_1000_accounts_at_500_per_second() {
    if require("sipp").is_none() {
        return;
    }
    let dir = workdir("load");
    let mut accounts = MemoryAccounts::new();
    let mut inf = String::from("SEQUENTIAL\n");
    for i in 0..1000 {
        let user = format!("u{i:04}");
        let pw = format!("pw{i}");
        accounts.insert(&user, Account::new(&pw));
        inf.push_str(&format!(
            "{user};[authentication username={user} password={pw}]\n"
        ));
    }
    let inf_path = dir.join("users.csv");
    std::fs::write(&inf_path, inf).unwrap();
    let (port, stop, handle) = serve(accounts, true);
    let started = std::time::Instant::now();
    let (ok, log) = sipp(&dir, port, &inf_path, 5000, 500);
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let served = handle.join().unwrap();
    if !ok {
        for p in served
            .packets
            .iter()
            .filter(|p| p.payload.windows(7).any(|w| w == b"CSeq: 2"))
            .take(2)
        {
            eprintln!(
                "--- {} -> {}\n{}",
                p.src,
                p.dst,
                String::from_utf8_lossy(&p.payload)
            );
        }
    }
    assert!(ok, "sipp reported failures:\n{log}");
    assert_eq!(stat(&dir, "SuccessfulCall(C)"), Some(5000), "{log}");
    assert_eq!(stat(&dir, "FailedCall(C)"), Some(0));
    assert!(elapsed < Duration::from_secs(20), "took {elapsed:?}");
    let c = served.counters;
    assert_eq!(c.accepted, 5000);
    assert_eq!(c.challenges, 5000);
    assert_eq!(c.blocks, 0);
    assert_eq!(served.aors, 1000);
    eprintln!("5000 digest registrations of 1000 accounts in {elapsed:?}");
    if require("tshark").is_some() {
        let pcap = dir.join("sipp-registrar.pcap");
        // The first 2,000 datagrams are plenty for the dissector check.
        let n = served.packets.len().min(2000);
        write_pcap(&pcap, &served.packets[..n]);
        let (sip, bad) = tshark_check(&pcap, port);
        assert_eq!(sip, n);
        assert_eq!(bad, 0, "tshark found malformed packets");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sipp_account_is_blocked_after_its_20th_register_in_a_minute() {
    if require("sipp").is_none() {
        return;
    }
    let dir = workdir("block");
    let mut accounts = MemoryAccounts::new();
    accounts.insert("blockme", Account::new("pw"));
    let inf_path = dir.join("one.csv");
    std::fs::write(
        &inf_path,
        "SEQUENTIAL\nblockme;[authentication username=blockme password=pw]\n",
    )
    .unwrap();
    let (port, stop, handle) = serve(accounts, false);
    // 11 registrations = 22 REGISTERs; the 21st (first of the 11th) is refused.
    let (ok, log) = sipp(&dir, port, &inf_path, 11, 10);
    stop.store(true, Ordering::Relaxed);
    let served = handle.join().unwrap();
    assert!(!ok, "the blocked call must fail:\n{log}");
    assert_eq!(stat(&dir, "SuccessfulCall(C)"), Some(10), "{log}");
    assert_eq!(stat(&dir, "FailedCall(C)"), Some(1));
    assert_eq!(served.counters.blocks, 1);
    assert_eq!(served.counters.forbidden(ForbiddenCause::Blacklisted), 1);
    assert_eq!(served.counters.accepted, 10);
    assert!(served.blocked);
    let _ = std::fs::remove_dir_all(&dir);
}
