//! `dialtone sip registrar` and `dialtone sip register --once` against each
//! other on 127.0.0.1, over UDP and TCP.

use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::Duration;

fn free_port() -> u16 {
    for _ in 0..50 {
        let u = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = u.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port");
}

#[test]
fn register_once_against_our_registrar() {
    let dir = std::env::temp_dir().join(format!("dialtone-sip-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let users = dir.join("users.txt");
    std::fs::write(&users, "1001:secret\n# comment\n1002:other\n").unwrap();
    let port = free_port();
    let bin = env!("CARGO_BIN_EXE_dialtone");
    let mut server = Command::new(bin)
        .args([
            "sip",
            "registrar",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--users",
        ])
        .arg(&users)
        .args(["--duration", "30"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let registrar = format!("127.0.0.1:{port}");
    let run = |extra: &[&str], password: &str| {
        Command::new(bin)
            .args([
                "sip",
                "register",
                "--registrar",
                &registrar,
                "--user",
                "1001",
                "--password",
                password,
            ])
            .args(["--once", "--timeout", "10"])
            .args(extra)
            .output()
            .unwrap()
    };
    let udp = run(&[], "secret");
    assert!(
        udp.status.success(),
        "{}",
        String::from_utf8_lossy(&udp.stdout)
    );
    let out = String::from_utf8_lossy(&udp.stdout);
    assert!(
        out.contains("Registered") && out.contains("Unregistered"),
        "{out}"
    );
    let tcp = run(&["--transport", "tcp", "--keepalive", "options"], "secret");
    assert!(
        tcp.status.success(),
        "{}",
        String::from_utf8_lossy(&tcp.stdout)
    );
    let bad = run(&[], "wrong");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stdout).contains("Forbidden"));
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
