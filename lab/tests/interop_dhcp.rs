//! `dialtone dhcp client --iface IF --json` against dnsmasq, in a pair of
//! network namespaces joined by veth that the test creates and removes.
//! Needs root, `ip netns` and dnsmasq: skips without them, fails under `CI`.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

fn run(cmd: &[&str]) -> Result<(), String> {
    let out = Command::new(cmd[0])
        .args(&cmd[1..])
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?}: {}", String::from_utf8_lossy(&out.stderr)))
    }
}

/// Namespaces and dnsmasq of one run; removed on drop, even on failure.
struct Lab {
    ns: [String; 2],
    dir: PathBuf,
    server: Option<Child>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(mut c) = self.server.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        for ns in &self.ns {
            let _ = run(&["ip", "netns", "del", ns]);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn skip_or_fail(why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "dnsmasq interop unavailable under CI: {why}"
    );
    eprintln!("note: skipping: {why}");
}

#[test]
fn cli_client_gets_lease_with_both_tftp_servers_from_dnsmasq() {
    if Command::new("dnsmasq").arg("--version").output().is_err() {
        return skip_or_fail("dnsmasq not installed");
    }
    let pid = std::process::id();
    let net = format!("10.200.{}", pid % 200 + 20);
    let dir = std::env::temp_dir().join(format!("dialtone-lab-dhcp-{pid}"));
    let _ = std::fs::create_dir_all(&dir);
    let mut lab = Lab {
        ns: [format!("dtlS{pid}"), format!("dtlC{pid}")],
        dir,
        server: None,
    };
    if let Err(e) = run(&["ip", "netns", "add", &lab.ns[0]]) {
        return skip_or_fail(&e);
    }
    let (s, c) = (lab.ns[0].clone(), lab.ns[1].clone());
    let (vs, vc) = (format!("dls{pid}"), format!("dlc{pid}"));
    let srv = format!("{net}.1/24");
    for cmd in [
        vec!["ip", "netns", "add", &c],
        vec![
            "ip", "link", "add", &vs, "type", "veth", "peer", "name", &vc,
        ],
        vec!["ip", "link", "set", &vs, "netns", &s],
        vec!["ip", "link", "set", &vc, "netns", &c],
        vec![
            "ip", "netns", "exec", &s, "ip", "addr", "add", &srv, "dev", &vs,
        ],
        vec!["ip", "netns", "exec", &s, "ip", "link", "set", &vs, "up"],
        vec!["ip", "netns", "exec", &c, "ip", "link", "set", &vc, "up"],
    ] {
        run(&cmd).unwrap();
    }
    lab.server = Some(
        Command::new("ip")
            .args([
                "netns",
                "exec",
                &s,
                "dnsmasq",
                "--keep-in-foreground",
                "--conf-file=/dev/null",
            ])
            .arg(format!("--interface={vs}"))
            .args([
                "--bind-interfaces",
                "--port=0",
                "--user=root",
                "--group=root",
                "--pid-file",
            ])
            .arg(format!(
                "--dhcp-leasefile={}",
                lab.dir.join("leases").display()
            ))
            .arg(format!("--dhcp-range={net}.50,{net}.99,255.255.255.0,2m"))
            .arg(format!("--dhcp-option=150,{net}.11,{net}.12"))
            .arg(format!("--dhcp-option=66,{net}.1"))
            .arg(format!("--dhcp-option=3,{net}.1"))
            .arg(format!("--dhcp-option=6,{net}.53"))
            .arg("--dhcp-option=15,voice.example.com")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // SO_BINDTODEVICE sends the broadcasts out of the veth without any route.
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            &c,
            env!("CARGO_BIN_EXE_dialtone"),
            "dhcp",
            "client",
        ])
        .args(["--iface", &vc, "--json", "--no-delay", "--timeout", "20"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text
        .lines()
        .next()
        .unwrap_or_else(|| panic!("no output: {}", String::from_utf8_lossy(&out.stderr)));
    let v: serde_json::Value = serde_json::from_str(first).unwrap();
    assert!(out.status.success());
    assert_eq!(v["event"], "bound");
    let addr: Ipv4Addr = v["address"].as_str().unwrap().parse().unwrap();
    assert!(addr.to_string().starts_with(&net));
    assert_eq!(
        v["tftp_servers_150"],
        serde_json::json!([format!("{net}.11"), format!("{net}.12")])
    );
    assert_eq!(v["tftp_server_66"], format!("{net}.1"));
    assert_eq!(
        v["tftp_order"],
        serde_json::json!([format!("{net}.11"), format!("{net}.12"), format!("{net}.1")])
    );
    assert_eq!(v["lease_secs"], 120);
    assert_eq!(v["routers"], serde_json::json!([format!("{net}.1")]));
    assert_eq!(v["domain_name"], "voice.example.com");
}
