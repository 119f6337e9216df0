//! A throw-away kamailio registrar on 127.0.0.1 for interop tests: digest
//! authentication against an in-memory table of users, bindings kept in
//! memory, `ctl` loaded so `kamcmd ul.dump` shows them.

use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The module directory of the installed kamailio: the one `kamailio -I`
/// reports as its default, else the first `kamailio/modules` under a lib
/// directory (`/usr/lib/<triple>/…` on Debian, `/usr/lib64/…` elsewhere)
/// holding `registrar.so`.
pub fn module_dir(kamailio: &Path) -> Option<PathBuf> {
    let has_registrar = |d: &Path| d.join("registrar.so").is_file();
    if let Ok(out) = Command::new(kamailio).arg("-I").output() {
        let text = String::from_utf8_lossy(&out.stdout);
        for line in text.lines() {
            if let Some((_, paths)) = line.split_once("paths to modules:") {
                if let Some(d) = paths
                    .split(':')
                    .map(|p| PathBuf::from(p.trim()))
                    .find(|d| has_registrar(d))
                {
                    return Some(d);
                }
            }
        }
    }
    for root in [
        "/usr/lib",
        "/usr/lib64",
        "/usr/local/lib",
        "/usr/local/lib64",
    ] {
        let root = Path::new(root);
        let direct = root.join("kamailio/modules");
        if has_registrar(&direct) {
            return Some(direct);
        }
        let Ok(entries) = std::fs::read_dir(root) else {
            continue;
        };
        for e in entries.flatten() {
            let d = e.path().join("kamailio/modules");
            if has_registrar(&d) {
                return Some(d);
            }
        }
    }
    None
}

/// A random port free on 127.0.0.1 for both UDP and TCP.
pub fn free_port() -> u16 {
    for _ in 0..100 {
        let Ok(u) = UdpSocket::bind("127.0.0.1:0") else {
            continue;
        };
        let Ok(addr) = u.local_addr() else {
            continue;
        };
        if TcpListener::bind(addr).is_ok() {
            return addr.port();
        }
    }
    panic!("no free port on 127.0.0.1");
}

/// One kamailio process (restartable on the same port) and its directory.
pub struct Kamailio {
    /// The port it listens on, UDP and TCP.
    pub port: u16,
    /// Its configuration, control socket, log and pid file; removed on drop.
    pub dir: PathBuf,
    child: Option<Child>,
    starts: u32,
}

impl Kamailio {
    /// Writes the configuration for `users` (`(name, password)`) and
    /// starts kamailio on 127.0.0.1:`port`; waits until `kamcmd` answers.
    /// `min_expires` is the shortest expiry it grants.
    pub fn start(port: u16, users: &[(&str, &str)], min_expires: u32) -> Kamailio {
        let bin = Path::new("kamailio");
        let modules = module_dir(bin).expect("kamailio's module directory (registrar.so)");
        let dir = std::env::temp_dir().join(format!(
            "dialtone-lab-kamailio-{}-{port}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("kamailio directory");
        std::fs::write(
            dir.join("kamailio.cfg"),
            config(&dir, &modules, port, users, min_expires),
        )
        .expect("kamailio.cfg");
        let mut k = Kamailio {
            port,
            dir,
            child: None,
            starts: 0,
        };
        k.spawn();
        k
    }

    fn spawn(&mut self) {
        self.starts += 1;
        let log = std::fs::File::create(self.dir.join(format!("kamailio-{}.log", self.starts)))
            .expect("kamailio log");
        let child = Command::new("kamailio")
            .arg("-f")
            .arg(self.dir.join("kamailio.cfg"))
            // Foreground, log to stderr, runtime files in our directory.
            .args(["-DD", "-E", "-Y"])
            .arg(&self.dir)
            .arg("-P")
            .arg(self.dir.join("kamailio.pid"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("starting kamailio");
        self.child = Some(child);
        for _ in 0..200 {
            if self.kamcmd("core.version").is_some() {
                return;
            }
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(status)) = c.try_wait() {
                    panic!("kamailio exited ({status}): {}", self.log());
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("kamailio did not answer kamcmd: {}", self.log());
    }

    /// Stops kamailio (SIGTERM, then SIGKILL after 5 s).
    pub fn stop(&mut self) {
        let Some(mut c) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        for _ in 0..100 {
            if matches!(c.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = c.kill();
        let _ = c.wait();
        // Its children close their sockets on the way out.
        for _ in 0..50 {
            if UdpSocket::bind(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops it and starts it again on the same port, with no bindings.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Runs one `kamcmd` command over the control socket.
    pub fn kamcmd(&self, cmd: &str) -> Option<String> {
        let sock = format!("unix:{}", self.dir.join("ctl.sock").display());
        let out = Command::new("kamcmd")
            .args(["-s", &sock, cmd])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `kamcmd ul.dump`: every binding of the location table.
    pub fn ul_dump(&self) -> String {
        self.kamcmd("ul.dump").expect("kamcmd ul.dump")
    }

    /// The logs of every run so far.
    pub fn log(&self) -> String {
        (1..=self.starts)
            .map(|i| {
                std::fs::read_to_string(self.dir.join(format!("kamailio-{i}.log")))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n--- restart ---\n")
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        self.stop();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A registrar-only configuration: REGISTER is challenged (realm = the To
/// domain), checked against the `users` table, then saved to memory;
/// OPTIONS gets 200 and anything else 405.
fn config(dir: &Path, modules: &Path, port: u16, users: &[(&str, &str)], min_exp: u32) -> String {
    let table: String = users
        .iter()
        .map(|(u, p)| format!("    $sht(users=>{u}) = \"{p}\";\n"))
        .collect();
    let modules = modules.display();
    let ctl = dir.join("ctl.sock");
    let ctl = ctl.display();
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
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "htable.so"
loadmodule "auth.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "ctl.so"

modparam("ctl", "binrpc", "unix:{ctl}")
modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", {min_exp})
modparam("htable", "htable", "users=>size=4;")

event_route[htable:mod-init] {{
{table}}}

request_route {{
    if (is_method("OPTIONS")) {{
        sl_send_reply("200", "OK");
        exit;
    }}
    if (!is_method("REGISTER")) {{
        sl_send_reply("405", "Method Not Allowed");
        exit;
    }}
    if (!pv_www_authenticate("$td", "$sht(users=>$au)", "0")) {{
        www_challenge("$td", "1");
        exit;
    }}
    if ($au != $tU) {{
        sl_send_reply("403", "Forbidden");
        exit;
    }}
    consume_credentials();
    if (!save("location")) {{
        sl_reply_error();
    }}
    exit;
}}
"#
    )
}
