//! `dialtone sip register` (the real binary) against kamailio on 127.0.0.1,
//! over UDP and TCP: it registers with digest authentication, refreshes,
//! registers again after kamailio restarts (at once over TCP, whose
//! connection drops; by its next refresh over UDP), and removes its binding
//! when stopped by a signal, `--duration` or `--once`. Its JSON event lines
//! and `kamcmd ul.dump` are checked; the traffic is captured on the loopback
//! and tshark must find no malformed packet in it.
//!
//! Needs kamailio and kamcmd (and dumpcap + tshark for the capture): skips
//! without them, fails under `CI`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use common::kamailio::{free_port, Kamailio};
use common::peer_available;
use serde_json::Value;

const USER: &str = "1001";
const PASSWORD: &str = "secret";
/// The expiry asked for; kamailio's `min_expires` is set below it, so it is
/// granted as is and refreshed after half of it.
const EXPIRES: u64 = 20;

/// A running `dialtone sip register --json`: its event lines as they arrive.
struct Ua {
    child: Child,
    lines: Receiver<(Instant, Value)>,
    /// Every event so far, with the time the test read it.
    events: Vec<(Instant, Value)>,
    stderr: PathBuf,
}

impl Ua {
    fn spawn(port: u16, transport: &str, extra: &[&str], dir: &Path) -> Ua {
        let stderr = dir.join(format!("dialtone-{transport}.stderr"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_dialtone"))
            .args(["sip", "register", "--registrar"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["--user", USER, "--password", PASSWORD])
            .args(["--transport", transport, "--json"])
            .arg("--expires")
            .arg(EXPIRES.to_string())
            // A refused connection is retried after 1-2 s, not 15-30 s.
            .args(["--retry-base", "2"])
            // Nothing here may outlive the test.
            .args(["--timeout", "55"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("starting dialtone");
        let out = child.stdout.take().expect("piped stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a JSON event line ({e}): {line}"));
                if tx.send((Instant::now(), v)).is_err() {
                    break;
                }
            }
        });
        Ua {
            child,
            lines,
            events: Vec::new(),
            stderr,
        }
    }

    /// Waits up to `limit` for the next event named `name`; `None` on timeout
    /// or when the process closed its output.
    fn next(&mut self, name: &str, limit: Duration) -> Option<(Instant, Value)> {
        let end = Instant::now() + limit;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(ev) => {
                    self.events.push(ev.clone());
                    if ev.1["event"] == name {
                        return Some(ev);
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Like [`Ua::next`], panicking with the whole story on timeout.
    fn expect(&mut self, name: &str, limit: Duration, kam: &Kamailio) -> (Instant, Value) {
        match self.next(name, limit) {
            Some(ev) => ev,
            None => panic!(
                "no `{name}` event within {limit:?}\n{}\nkamailio:\n{}",
                self.story(),
                kam.log()
            ),
        }
    }

    fn story(&self) -> String {
        let events: Vec<String> = self.events.iter().map(|(_, v)| v.to_string()).collect();
        format!(
            "events:\n{}\nstderr:\n{}",
            events.join("\n"),
            std::fs::read_to_string(&self.stderr).unwrap_or_default()
        )
    }

    fn names(&self) -> Vec<String> {
        self.events
            .iter()
            .map(|(_, v)| v["event"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{sig} failed");
    }

    /// Waits for the process to exit, reading the rest of its events.
    fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            while let Ok(ev) = self.lines.try_recv() {
                self.events.push(ev);
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // The reader thread may still hold the last lines.
                while let Ok(ev) = self.lines.recv_timeout(Duration::from_millis(200)) {
                    self.events.push(ev);
                }
                return status;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("dialtone did not exit within {limit:?}\n{}", self.story());
    }
}

impl Drop for Ua {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// dumpcap on the loopback, filtered to kamailio's port.
struct Capture {
    child: Child,
    file: PathBuf,
    port: u16,
}

impl Capture {
    /// Starts a capture when dumpcap and tshark are installed (required
    /// under `CI`).
    fn start(port: u16, dir: &Path, name: &str) -> Option<Capture> {
        if !peer_available("dumpcap") || !peer_available("tshark") {
            return None;
        }
        let file = dir.join(format!("{name}.pcapng"));
        let child = Command::new("dumpcap")
            .args(["-q", "-i", "lo", "-f"])
            .arg(format!("port {port}"))
            .arg("-w")
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting dumpcap");
        // The file gets its header once the capture runs.
        for _ in 0..100 {
            if std::fs::metadata(&file).is_ok_and(|m| m.len() > 0) {
                // Let the filter settle before the first packet.
                std::thread::sleep(Duration::from_millis(200));
                return Some(Capture { child, file, port });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut child = child;
        let _ = child.kill();
        let out = child.wait_with_output().expect("dumpcap output");
        panic!(
            "dumpcap could not capture on lo: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Stops the capture and returns tshark's verdict: (SIP messages,
    /// packets flagged malformed or with an error-level expert note).
    fn finish(mut self) -> (usize, usize) {
        // libpcap hands packets over in blocks, retired after a timeout:
        // give the last ones time to reach the file.
        std::thread::sleep(Duration::from_millis(1500));
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let udp = format!("udp.port=={},sip", self.port);
        let tcp = format!("tcp.port=={},sip", self.port);
        let out = Command::new("tshark")
            .arg("-r")
            .arg(&self.file)
            .args(["-d", &udp, "-d", &tcp])
            .args(["-T", "fields", "-E", "separator=|"])
            .args(["-e", "frame.number", "-e", "sip.CSeq.method"])
            .args(["-e", "_ws.malformed", "-e", "_ws.expert.severity"])
            .output()
            .expect("running tshark");
        assert!(
            out.status.success(),
            "tshark: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let mut sip = 0;
        let mut bad = 0;
        for line in text.lines() {
            let cols: Vec<&str> = line.split('|').collect();
            // A frame with several messages lists one method per message.
            sip += cols
                .get(1)
                .map_or(0, |c| c.split(',').filter(|m| !m.is_empty()).count());
            let malformed = cols.get(2).is_some_and(|c| !c.is_empty());
            // Expert severity error = 0x00800000 and above.
            let error = cols.get(3).is_some_and(|c| {
                c.split(',')
                    .any(|s| s.trim().parse::<u64>().is_ok_and(|v| v >= 0x0080_0000))
            });
            if malformed || error {
                eprintln!("tshark flagged frame: {line}");
                bad += 1;
            }
        }
        (sip, bad)
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn peers() -> bool {
    peer_available("kamailio") && peer_available("kamcmd")
}

/// Whether `ul.dump` holds a binding whose Contact address is `contact`.
fn bound(dump: &str, contact: &str) -> bool {
    dump.lines()
        .any(|l| l.trim().strip_prefix("Address: ") == Some(contact))
}

fn contact_of(ev: &Value) -> String {
    ev["contact"]
        .as_str()
        .expect("`registered` names the contact")
        .to_string()
}

/// Register, refresh, kamailio restart, register again, stop with `sig`.
fn register_refresh_restart(transport: &str, sig: &str) {
    if !peers() {
        return;
    }
    let started = Instant::now();
    let port = free_port();
    let mut kam = Kamailio::start(port, &[(USER, PASSWORD), ("1002", "other")], 10);
    let capture = Capture::start(port, &kam.dir, transport);
    let mut ua = Ua::spawn(port, transport, &[], &kam.dir);

    // Registered, as asked, and kamailio holds our Contact.
    let (t1, reg) = ua.expect("registered", Duration::from_secs(10), &kam);
    assert_eq!(reg["expires"], EXPIRES, "{reg}");
    assert_eq!(reg["server"], format!("127.0.0.1:{port}"), "{reg}");
    let contact = contact_of(&reg);
    let want_transport = if transport == "tcp" {
        contact.ends_with(";transport=tcp")
    } else {
        !contact.contains("transport=")
    };
    assert!(want_transport, "{contact} over {transport}");
    let dump = kam.ul_dump();
    assert!(bound(&dump, &contact), "{contact} not in ul.dump:\n{dump}");
    // The rest of what the REGISTER said, as kamailio stored it.
    for want in [
        format!("AoR: {USER}"),
        "Instance: <urn:uuid:00000000-0000-0000-0000-001e7ac4d231>".to_string(),
        "User-Agent: dialtone-sip/0.1".to_string(),
        format!("Socket: {transport}:127.0.0.1:{port}"),
    ] {
        assert!(
            dump.lines().any(|l| l.trim() == want),
            "no `{want}` in ul.dump:\n{dump}"
        );
    }

    // Refreshed after half the expiry; still bound.
    let (t2, refresh) = ua.expect("registered", Duration::from_secs(EXPIRES), &kam);
    let gap = t2 - t1;
    assert!(
        gap >= Duration::from_secs(EXPIRES / 2 - 1) && gap <= Duration::from_secs(EXPIRES / 2 + 2),
        "refresh after {gap:?}\n{}",
        ua.story()
    );
    assert_eq!(contact_of(&refresh), contact);
    assert!(bound(&kam.ul_dump(), &contact));
    assert!(!ua.names().iter().any(|n| n == "failed"), "{}", ua.story());

    // Restart: kamailio forgets every binding.
    let seen = ua.events.len();
    kam.restart();
    let back = Instant::now();
    let dump = kam.ul_dump();
    assert!(
        !bound(&dump, &contact),
        "binding survived the restart:\n{dump}"
    );
    let (t3, again) = ua.expect("registered", Duration::from_secs(EXPIRES), &kam);
    if transport == "tcp" {
        // The connection drop is noticed at once; the attempt made while
        // kamailio was down is retried after the 1-2 s back-off.
        let after = t3.saturating_duration_since(back);
        assert!(
            after <= Duration::from_secs(5),
            "TCP registered again {after:?} after the restart\n{}",
            ua.story()
        );
        assert!(
            t3 - t2 < Duration::from_secs(EXPIRES / 2 - 2),
            "TCP waited for the refresh\n{}",
            ua.story()
        );
        // Over a new connection.
        assert!(
            ua.names()
                .get(seen..)
                .is_some_and(|n| n.iter().any(|n| n == "connect")),
            "{}",
            ua.story()
        );
    } else {
        // Nothing tells UDP; its next refresh finds the new kamailio.
        let gap = t3 - t2;
        assert!(
            gap >= Duration::from_secs(EXPIRES / 2 - 1)
                && gap <= Duration::from_secs(EXPIRES / 2 + 3),
            "UDP registered again {gap:?} after the last refresh\n{}",
            ua.story()
        );
    }
    let contact = contact_of(&again);
    let dump = kam.ul_dump();
    assert!(
        bound(&dump, &contact),
        "{contact} not in ul.dump after the restart:\n{dump}"
    );

    // Stopped by a signal: the binding goes, and the process exits 0.
    ua.signal(sig);
    let status = ua.wait_exit(Duration::from_secs(8));
    assert!(status.success(), "exit {status}\n{}", ua.story());
    let names = ua.names();
    let tail: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| *n == "stopping" || *n == "unregistered")
        .collect();
    assert_eq!(tail, ["stopping", "unregistered"], "{}", ua.story());
    let dump = kam.ul_dump();
    assert!(
        !bound(&dump, &contact),
        "binding left after unregistering:\n{dump}"
    );

    if let Some(c) = capture {
        let (sip, bad) = c.finish();
        // 3 × (REGISTER, 401, REGISTER, 200) at least, then the removal.
        assert!(sip >= 12, "tshark decoded only {sip} SIP messages");
        assert_eq!(bad, 0, "tshark flagged packets");
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

/// `--once`: register, unregister, exit 0; a wrong password exits 1.
fn once(transport: &str) {
    if !peers() {
        return;
    }
    let port = free_port();
    let kam = Kamailio::start(port, &[(USER, PASSWORD)], 10);
    let mut ua = Ua::spawn(port, transport, &["--once"], &kam.dir);
    let status = ua.wait_exit(Duration::from_secs(15));
    assert!(status.success(), "exit {status}\n{}", ua.story());
    let names = ua.names();
    let reg = names.iter().position(|n| n == "registered");
    let unreg = names.iter().position(|n| n == "unregistered");
    assert!(
        matches!((reg, unreg), (Some(r), Some(u)) if r < u),
        "{}",
        ua.story()
    );
    let contact = ua
        .events
        .iter()
        .find(|(_, v)| v["event"] == "registered")
        .map(|(_, v)| contact_of(v))
        .unwrap_or_default();
    let dump = kam.ul_dump();
    assert!(
        !contact.is_empty() && !bound(&dump, &contact),
        "binding left by --once:\n{dump}"
    );

    // A wrong password: the digest answer is challenged again.
    let bad = Command::new(env!("CARGO_BIN_EXE_dialtone"))
        .args(["sip", "register", "--registrar"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["--user", USER, "--password", "wrong"])
        .args(["--transport", transport, "--json", "--once"])
        .args(["--timeout", "15"])
        .output()
        .expect("running dialtone");
    let out = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{out}");
    let failed: Vec<Value> = out
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "failed")
        .collect();
    assert!(
        failed.first().is_some_and(|v| v["cause"] == "auth_failed"),
        "{out}"
    );
    let dump = kam.ul_dump();
    assert!(
        !dump.contains(&format!("Address: sip:{USER}@")),
        "a wrong password left a binding:\n{dump}"
    );
}

#[test]
fn udp_register_refresh_restart_sigint() {
    register_refresh_restart("udp", "INT");
}

#[test]
fn tcp_register_refresh_restart_sigterm() {
    register_refresh_restart("tcp", "TERM");
}

#[test]
fn udp_once() {
    once("udp");
}

#[test]
fn tcp_once() {
    once("tcp");
}

/// `--duration` ends the run the same way: unregistered, exit 0.
#[test]
fn udp_duration() {
    if !peers() {
        return;
    }
    let port = free_port();
    let kam = Kamailio::start(port, &[(USER, PASSWORD)], 10);
    let mut ua = Ua::spawn(port, "udp", &["--duration", "2"], &kam.dir);
    let (_, reg) = ua.expect("registered", Duration::from_secs(10), &kam);
    let contact = contact_of(&reg);
    assert!(bound(&kam.ul_dump(), &contact));
    let status = ua.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "exit {status}\n{}", ua.story());
    let stop = ua
        .events
        .iter()
        .find(|(_, v)| v["event"] == "stopping")
        .map(|(_, v)| v.clone());
    assert!(
        stop.is_some_and(|v| v["reason"] == "duration"),
        "{}",
        ua.story()
    );
    assert!(ua.names().iter().any(|n| n == "unregistered"));
    assert!(!bound(&kam.ul_dump(), &contact));
}
