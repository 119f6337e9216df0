//! `dialtone sccp registrar` and `dialtone sccp station` on loopback, captured
//! live by tshark: the skinny dissector finds every registration message and
//! no malformed packet.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{peer_available, run};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn tshark_decodes_a_loopback_registration_run_without_malformed_packets() {
    if !peer_available("tshark") {
        return;
    }
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("dialtone-sccp-fsm-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let devices = dir.join("devices.txt");
    std::fs::write(
        &devices,
        "# test devices\nSEP001E7AC4D231 7960 2001\nSEP001E7AC4D232 7960 2002\nSEP001E7AC4D233 7960 2003,2004\n",
    )
    .unwrap();
    let pcap = dir.join("run.pcapng");

    let mut tshark = Command::new("tshark")
        .args(["-i", "lo", "-f", &format!("tcp port {port}"), "-w"])
        .arg(&pcap)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = tshark.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    loop {
        let line = lines
            .next()
            .expect("tshark ended before capturing")
            .unwrap();
        if line.contains("Capture started") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});

    let exe = env!("CARGO_BIN_EXE_dialtone");
    let mut registrar = Command::new(exe)
        .args([
            "sccp",
            "registrar",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--keepalive",
            "10",
            "--duration",
            "30",
        ])
        .arg("--devices")
        .arg(&devices)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let status = Command::new(exe)
        .args([
            "sccp",
            "station",
            "--cm",
            &format!("127.0.0.1:{port}"),
            "--mac",
            "00:1E:7A:C4:D2:31",
            "--count",
            "3",
            "--duration",
            "12",
        ])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "every station registered");
    std::thread::sleep(Duration::from_millis(500));
    let _ = registrar.kill();
    let out = registrar.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("registered SEP001E7AC4D231"), "{text}");
    assert!(text.contains("unregistered SEP001E7AC4D233"), "{text}");

    let _ = Command::new("kill")
        .arg("-INT")
        .arg(tshark.id().to_string())
        .status();
    let _ = tshark.wait();

    let decode = format!("tcp.port=={port},skinny");
    let ids = run(Command::new("tshark").arg("-r").arg(&pcap).args([
        "-d",
        &decode,
        "-Y",
        "skinny",
        "-T",
        "fields",
        "-e",
        "skinny.messageId",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]));
    let ids: Vec<u32> = ids
        .split([',', '\n'])
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_prefix("0x") {
            Some(h) => u32::from_str_radix(h, 16).unwrap(),
            None => s.parse().unwrap(),
        })
        .collect();
    for (want, name) in [
        (0x0001, "Register"),
        (0x0081, "RegisterAck"),
        (0x009b, "CapabilitiesReq"),
        (0x0010, "CapabilitiesRes"),
        (0x000e, "ButtonTemplateReq"),
        (0x0097, "ButtonTemplate"),
        (0x0108, "SoftKeyTemplateRes"),
        (0x0109, "SoftKeySetRes"),
        (0x0093, "ConfigStat"),
        (0x0092, "LineStat"),
        (0x0094, "DefineTimeDate"),
        (0x0000, "KeepAlive"),
        (0x0100, "KeepAliveAck"),
        (0x0027, "Unregister"),
        (0x0118, "UnregisterAck"),
    ] {
        assert!(ids.contains(&want), "{name} missing from {ids:x?}");
    }
    let malformed = run(Command::new("tshark").arg("-r").arg(&pcap).args([
        "-d",
        &decode,
        "-Y",
        "_ws.malformed || _ws.expert.severity >= \"error\"",
    ]));
    assert!(
        malformed.trim().is_empty(),
        "malformed packets:\n{malformed}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
