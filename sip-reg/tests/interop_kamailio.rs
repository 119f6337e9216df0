//! Our UserAgent against kamailio (registrar + digest auth from an in-memory
//! htable, bindings in memory, `ctl` for `kamcmd ul.dump`), over UDP and TCP
//! on 127.0.0.1: register, refresh, survive a restart, unregister; tshark
//! decodes the UDP traffic without malformed packets.

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;
use dialtone_sip_reg::ua::{self, Event, KeepaliveMode, UserAgent};
use dialtone_sip_reg::Transport;

/// kamailio's module directory: the default `kamailio -I` reports, else the
/// first `kamailio/modules` holding `registrar.so` under a lib directory
/// (`/usr/lib/<multiarch triple>/…` on Debian).
fn module_dir(kamailio: &Path) -> Option<PathBuf> {
    let has_registrar = |d: &Path| d.join("registrar.so").is_file();
    if let Ok(out) = Command::new(kamailio).arg("-I").output() {
        let text = String::from_utf8_lossy(&out.stdout);
        let reported = text
            .lines()
            .filter_map(|l| l.split_once("paths to modules:").map(|(_, p)| p))
            .flat_map(|p| p.split(':'))
            .map(|p| PathBuf::from(p.trim()))
            .find(|d| has_registrar(d));
        if reported.is_some() {
            return reported;
        }
    }
    for root in [
        "/usr/lib",
        "/usr/lib64",
        "/usr/local/lib",
        "/usr/local/lib64",
    ] {
        let root = Path::new(root);
        if has_registrar(&root.join("kamailio/modules")) {
            return Some(root.join("kamailio/modules"));
        }
        let found = std::fs::read_dir(root)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("kamailio/modules"))
            .find(|d| has_registrar(d));
        if found.is_some() {
            return found;
        }
    }
    None
}

struct Kamailio {
    bin: PathBuf,
    dir: PathBuf,
    child: Option<Child>,
}

impl Kamailio {
    fn config(dir: &Path, modules: &Path, port: u16) -> String {
        format!(
            r#"#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
listen=udp:127.0.0.1:{port}
listen=tcp:127.0.0.1:{port}
mpath="{modules}"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "htable.so"
loadmodule "ctl.so"
modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", 10)
modparam("htable", "htable", "users=>size=4;")
modparam("ctl", "binrpc", "unix:{dir}/ctl.sock")
event_route[htable:mod-init] {{
    $sht(users=>1001) = "secret";
}}
request_route {{
    if (is_method("OPTIONS")) {{ sl_send_reply("200", "OK"); exit; }}
    if (!is_method("REGISTER")) {{ sl_send_reply("405", "Method Not Allowed"); exit; }}
    if (!pv_www_authenticate("$td", "$sht(users=>$au)", "0")) {{
        www_challenge("$td", "1");
        exit;
    }}
    if ($au != $tU) {{ sl_send_reply("403", "Forbidden"); exit; }}
    consume_credentials();
    save("location");
    exit;
}}
"#,
            dir = dir.display(),
            modules = modules.display()
        )
    }

    fn start(bin: PathBuf, port: u16) -> Kamailio {
        let dir =
            std::env::temp_dir().join(format!("dialtone-kamailio-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let modules = module_dir(&bin).expect("kamailio's module directory (registrar.so)");
        std::fs::write(dir.join("kamailio.cfg"), Self::config(&dir, &modules, port)).unwrap();
        let mut k = Kamailio {
            bin,
            dir,
            child: None,
        };
        k.spawn();
        k
    }

    fn spawn(&mut self) {
        let child = Command::new(&self.bin)
            .arg("-f")
            .arg(self.dir.join("kamailio.cfg"))
            .args(["-DD", "-E", "-Y"])
            .arg(&self.dir)
            .arg("-P")
            .arg(self.dir.join("kamailio.pid"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.dir.join("kamailio.log")).unwrap())
            .spawn()
            .expect("start kamailio");
        self.child = Some(child);
        for _ in 0..100 {
            if self.kamcmd("core.version").is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "kamailio did not come up: {}",
            std::fs::read_to_string(self.dir.join("kamailio.log")).unwrap_or_default()
        );
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            for _ in 0..100 {
                if c.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
            // Let the children release the sockets.
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    fn kamcmd(&self, cmd: &str) -> Option<String> {
        let sock = format!("unix:{}/ctl.sock", self.dir.display());
        let out = Command::new("kamcmd")
            .args(["-s", &sock, cmd])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn ul_dump(&self) -> String {
        self.kamcmd("ul.dump").unwrap_or_default()
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(transport: Transport) {
    let Some(bin) = require("kamailio") else {
        return;
    };
    if require("kamcmd").is_none() {
        return;
    }
    let port = free_port();
    let mut kam = Kamailio::start(bin, port);
    let server: SocketAddr = ([127, 0, 0, 1], port).into();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let local = udp.local_addr().unwrap();
    let mut cfg = ua::Config::new(&[server], "1001", "secret");
    cfg.local_ip = local.ip();
    cfg.local_port = local.port();
    cfg.transport = transport;
    cfg.expires = Duration::from_secs(20);
    cfg.keepalive = KeepaliveMode::Crlf;
    cfg.instance = Some("<urn:uuid:00000000-0000-0000-0000-001e7ac4d231>".into());
    let clock = Clock::new();
    let ua = UserAgent::new(cfg, clock.now(), 0x5eed).unwrap();
    let mut d = Driver::new(ua, udp, clock);
    let contact = format!("sip:1001@127.0.0.1:{}", local.port());
    let registered = |e: &Event| matches!(e, Event::Registered { .. });

    d.run_until(Duration::from_secs(10), "registration", registered);
    let dump = kam.ul_dump();
    assert!(dump.contains(&contact), "binding in ul.dump: {dump}");

    // Refresh at half of the 20 s grant.
    let t0 = d.events.last().unwrap().0;
    let t1 = d.run_until(Duration::from_secs(20), "refresh", registered);
    let gap = t1.saturating_since(t0);
    assert!(
        gap >= Duration::from_secs(9) && gap <= Duration::from_secs(12),
        "refresh after {gap:?}"
    );
    assert!(kam.ul_dump().contains(&contact));

    // Restart: the bindings are gone until the UA registers again.
    kam.stop();
    kam.spawn();
    assert!(
        !kam.ul_dump().contains(&contact),
        "restart dropped the binding"
    );
    let restarted = d.clock.now();
    let t2 = d.run_until(
        Duration::from_secs(25),
        "re-registration after restart",
        registered,
    );
    let after = t2.saturating_since(restarted);
    match transport {
        // The connection drop is noticed at once.
        Transport::Tcp => assert!(
            after < Duration::from_secs(3),
            "TCP re-registered after {after:?}"
        ),
        // By the next refresh.
        Transport::Udp => assert!(
            after <= Duration::from_secs(12),
            "UDP re-registered after {after:?}"
        ),
    }
    assert!(kam.ul_dump().contains(&contact));

    // Unregister.
    let now = d.clock.now();
    d.ua.unregister(now);
    d.run_until(Duration::from_secs(10), "unregistration", |e| {
        *e == Event::Unregistered
    });
    assert!(!kam.ul_dump().contains(&contact), "binding removed");
    assert!(
        !d.events
            .iter()
            .any(|(_, e)| matches!(e, Event::Failed { .. })),
        "{:?}",
        d.events
    );

    if transport == Transport::Udp && require("tshark").is_some() {
        let pcap = kam.dir.join("ua-kamailio.pcap");
        write_pcap(&pcap, &d.packets);
        let (sip, bad) = tshark_check(&pcap, port);
        assert!(sip >= 8, "tshark decoded {sip} SIP messages");
        assert_eq!(bad, 0, "tshark found malformed packets");
    }
}

#[test]
fn ua_registers_with_kamailio_over_udp() {
    run(Transport::Udp);
}

#[test]
fn ua_registers_with_kamailio_over_tcp() {
    run(Transport::Tcp);
}
