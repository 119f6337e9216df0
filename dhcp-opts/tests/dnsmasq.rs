//! Against a real server: dnsmasq in one network namespace, our client FSM
//! over a UDP socket in another, joined by a veth pair the test creates.
//!
//! The client gets a lease with both option-150 addresses and option 66,
//! assigns the address (`ip addr add`) so unicast renewals arrive, renews
//! (2-minute lease, T1 forced short with `dhcp-option=option:T1`), then
//! renews again after dnsmasq was restarted with its lease file kept.
//!
//! The client side runs as this same test binary started inside the client
//! namespace with `ip netns exec` (test `dnsmasq_client_driver`, inert
//! unless its environment variable is set). Needs root, `ip netns` and
//! dnsmasq; without them the test skips, or fails when `CI` is set.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use dialtone_core::Instant;
use dialtone_dhcp_opts::client::{Client, Config, Event};
use dialtone_dhcp_opts::lease::Lease;
use dialtone_dhcp_opts::{tftp_servers, TftpOverrides, TftpPolicy, TftpServer};

const DRIVER_ENV: &str = "DIALTONE_DHCP_DRIVER_IFACE";
const MAC: [u8; 6] = [0x02, 0x1e, 0x7a, 0xc4, 0xd2, 0x31];

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

/// Namespaces, veth and processes of one test run; removed on drop, even
/// when the test fails.
struct Lab {
    ns_srv: String,
    ns_cli: String,
    dir: PathBuf,
    children: Vec<Child>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        // Deleting a namespace deletes the veth end inside it (and its peer).
        let _ = run(&["ip", "netns", "del", &self.ns_srv]);
        let _ = run(&["ip", "netns", "del", &self.ns_cli]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn skip_or_fail(why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "dnsmasq interop unavailable under CI: {why}"
    );
    eprintln!("note: skipping dnsmasq interop test: {why}");
}

fn start_dnsmasq(lab: &Lab, veth: &str, net: &str) -> Child {
    let leases = lab.dir.join("leases");
    let log = lab.dir.join("log");
    Command::new("ip")
        .args([
            "netns",
            "exec",
            &lab.ns_srv,
            "dnsmasq",
            "--keep-in-foreground",
            "--conf-file=/dev/null",
        ])
        .arg(format!("--interface={veth}"))
        .args([
            "--bind-interfaces",
            "--port=0",
            "--user=root",
            "--group=root",
            "--pid-file",
            "--log-dhcp",
        ])
        .arg(format!("--log-facility={}", log.display()))
        .arg(format!("--dhcp-leasefile={}", leases.display()))
        .arg(format!("--dhcp-range={net}.50,{net}.99,255.255.255.0,2m"))
        .arg(format!("--dhcp-option=150,{net}.11,{net}.12"))
        .arg(format!("--dhcp-option=66,{net}.1"))
        .arg(format!("--dhcp-option=3,{net}.1"))
        .arg(format!("--dhcp-option=6,{net}.53"))
        .arg("--dhcp-option=15,voice.example.com")
        .arg("--dhcp-option=option:T1,15")
        .arg("--dhcp-option=option:T2,100")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn dnsmasq")
}

#[test]
fn dnsmasq_leases_renews_and_survives_restart() {
    if std::env::var_os(DRIVER_ENV).is_some() {
        return; // inside the driver process
    }
    if Command::new("dnsmasq").arg("--version").output().is_err() {
        return skip_or_fail("dnsmasq not installed");
    }
    let pid = std::process::id();
    let sub = pid % 200 + 20;
    let net = format!("10.200.{sub}");
    let dir = std::env::temp_dir().join(format!("dialtone-dhcp-{pid}"));
    let _ = std::fs::create_dir_all(&dir);
    let mut lab = Lab {
        ns_srv: format!("dtdS{pid}"),
        ns_cli: format!("dtdC{pid}"),
        dir,
        children: vec![],
    };
    let (vs, vc) = (format!("dts{pid}"), format!("dtc{pid}"));
    if let Err(e) = run(&["ip", "netns", "add", &lab.ns_srv]) {
        return skip_or_fail(&e);
    }
    let setup = [
        vec!["ip", "netns", "add", &lab.ns_cli],
        vec![
            "ip", "link", "add", &vs, "type", "veth", "peer", "name", &vc,
        ],
        vec!["ip", "link", "set", &vs, "netns", &lab.ns_srv],
        vec!["ip", "link", "set", &vc, "netns", &lab.ns_cli],
    ];
    for cmd in &setup {
        run(cmd).unwrap();
    }
    let srv_addr = format!("{net}.1/24");
    let mac = MAC
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":");
    for cmd in [
        vec![
            "ip",
            "netns",
            "exec",
            &lab.ns_srv,
            "ip",
            "addr",
            "add",
            &srv_addr,
            "dev",
            &vs,
        ],
        vec![
            "ip",
            "netns",
            "exec",
            &lab.ns_srv,
            "ip",
            "link",
            "set",
            &vs,
            "up",
        ],
        vec![
            "ip",
            "netns",
            "exec",
            &lab.ns_cli,
            "ip",
            "link",
            "set",
            &vc,
            "address",
            &mac,
        ],
        vec![
            "ip",
            "netns",
            "exec",
            &lab.ns_cli,
            "ip",
            "link",
            "set",
            &vc,
            "up",
        ],
        // No address yet: a device route lets broadcasts from 0.0.0.0 out.
        vec![
            "ip",
            "netns",
            "exec",
            &lab.ns_cli,
            "ip",
            "route",
            "add",
            "default",
            "dev",
            &vc,
        ],
    ] {
        run(&cmd).unwrap();
    }
    lab.children.push(start_dnsmasq(&lab, &vs, &net));

    let exe = std::env::current_exe().unwrap();
    let mut driver = Command::new("ip")
        .args(["netns", "exec", &lab.ns_cli])
        .arg(exe)
        .args([
            "--exact",
            "dnsmasq_client_driver",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DRIVER_ENV, &vc)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = driver.stdout.take().unwrap();
    lab.children.push(driver);
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // libtest may print "test name ... " before the first line.
            if let Some(at) = line.find("EVENT ") {
                let _ = tx.send(line[at + 6..].to_string());
            }
        }
    });
    let next = |what: &str, secs: u64| -> String {
        rx.recv_timeout(Duration::from_secs(secs))
            .unwrap_or_else(|_| panic!("no {what} within {secs} s"))
    };

    let bound = next("lease", 30);
    assert!(bound.starts_with("bound "), "{bound}");
    let addr: Ipv4Addr = bound.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(addr.to_string().starts_with(&net), "{bound}");
    assert!(
        bound.contains(&format!("tftp={net}.11,{net}.12")),
        "both option-150 addresses: {bound}"
    );
    assert!(
        bound.contains(&format!("tftp66={net}.1 ")),
        "option 66 without its NUL: {bound}"
    );
    assert!(bound.contains(&format!("router={net}.1 ")), "{bound}");
    assert!(bound.contains(&format!("dns={net}.53 ")), "{bound}");
    assert!(bound.contains("domain=voice.example.com "), "{bound}");
    assert!(bound.contains("lease=120 "), "{bound}");
    assert!(bound.contains(&format!("server={net}.1")), "{bound}");

    let r1 = next("first renewal", 60);
    assert_eq!(r1, format!("renewed {addr}"));

    // Restart dnsmasq mid-lease with the same lease file.
    let mut old = lab.children.remove(0);
    let _ = old.kill();
    let _ = old.wait();
    let leases = std::fs::read_to_string(lab.dir.join("leases")).unwrap_or_default();
    assert!(
        leases.contains(&addr.to_string()),
        "lease file keeps the lease: {leases}"
    );
    lab.children.insert(0, start_dnsmasq(&lab, &vs, &net));

    let r2 = next("renewal after restart", 60);
    assert_eq!(r2, format!("renewed {addr}"));
    let done = next("release", 15);
    assert_eq!(done, "released");
}

fn join(l: impl Iterator<Item = Ipv4Addr>) -> String {
    l.map(|a| a.to_string()).collect::<Vec<_>>().join(",")
}

fn describe(l: &Lease) -> String {
    let list = tftp_servers(l, &TftpOverrides::default(), &TftpPolicy::default());
    assert!(list.iter().all(|s| matches!(s, TftpServer::Addr(_))));
    format!(
        "bound {} tftp={} tftp66={} router={} dns={} domain={} lease={} server={}",
        l.address,
        join(l.tftp_servers.iter()),
        l.tftp_server_name
            .and_then(|t| t.as_str().map(str::to_string))
            .unwrap_or_default(),
        join(l.routers.iter()),
        join(l.dns_servers.iter()),
        l.domain_name
            .and_then(|t| t.as_str().map(str::to_string))
            .unwrap_or_default(),
        l.lease_time.map_or(0, |d| d.as_secs()),
        l.server_id,
    )
}

/// The client side; runs only inside the client namespace (see above).
#[test]
fn dnsmasq_client_driver() {
    let Ok(iface) = std::env::var(DRIVER_ENV) else {
        return;
    };
    let sock = UdpSocket::bind("0.0.0.0:68").unwrap();
    sock.set_broadcast(true).unwrap();
    let mut cfg = Config::new(MAC);
    cfg.initial_delay = (Duration::ZERO, Duration::ZERO);
    let origin = std::time::Instant::now();
    let now = || Instant::from_millis(origin.elapsed().as_millis() as u64);
    let mut c = Client::new(cfg, now(), u64::from(std::process::id()));
    let (mut out, mut inb) = ([0u8; 1500], [0u8; 1500]);
    let mut renewals = 0;
    while origin.elapsed() < Duration::from_secs(150) {
        while let Some(t) = c.poll_transmit(&mut out).unwrap() {
            sock.send_to(&out[..t.len], t.to).unwrap();
        }
        while let Some(ev) = c.poll_event() {
            match ev {
                Event::Bound(l) => {
                    println!("EVENT {}", describe(&l));
                    let a = format!("{}/24", l.address);
                    run(&["ip", "addr", "add", &a, "dev", &iface]).unwrap();
                }
                Event::Renewed(l) => {
                    println!("EVENT renewed {}", l.address);
                    renewals += 1;
                }
                Event::LeaseLost { reason, .. } => println!("EVENT lost {reason:?}"),
                _ => {}
            }
        }
        if renewals == 2 {
            c.release(now());
            while let Some(t) = c.poll_transmit(&mut out).unwrap() {
                sock.send_to(&out[..t.len], t.to).unwrap();
            }
            println!("EVENT released");
            return;
        }
        let wait = c
            .poll_timeout()
            .map_or(Duration::from_secs(1), |at| at.saturating_since(now()));
        sock.set_read_timeout(Some(
            wait.clamp(Duration::from_millis(1), Duration::from_secs(1)),
        ))
        .unwrap();
        match sock.recv_from(&mut inb) {
            Ok((n, from)) => {
                let _ = c.handle_input(now(), from, &inb[..n]);
                c.handle_timeout(now());
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                c.handle_timeout(now());
            }
            Err(e) => panic!("{e}"),
        }
    }
    let _: SocketAddr = "0.0.0.0:0".parse().unwrap();
    panic!("driver timed out in {:?}", c.state());
}
