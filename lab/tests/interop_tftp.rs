//! `dialtone tftp serve` and `dialtone tftp get` against real peers on
//! 127.0.0.1: tftp-hpa's `tftp` and `atftp` download from our server, and our
//! client downloads from tftpd-hpa. Contents are compared by sha256, never by
//! exit code (tftp-hpa exits 0 on File Not Found).

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const DIALTONE: &str = env!("CARGO_BIN_EXE_dialtone");
const XML: &[u8] = include_bytes!("../../testdata/samples/sep.cnf.xml");

fn peer(name: &str) -> Option<PathBuf> {
    for dir in ["/usr/bin", "/usr/sbin", "/bin", "/sbin"] {
        let p = Path::new(dir).join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("peer {name} is missing (CI is set)");
    }
    eprintln!("note: peer {name} not installed; skipping");
    None
}

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Tmp(PathBuf);
impl Tmp {
    fn new(tag: &str) -> Self {
        let p =
            std::env::temp_dir().join(format!("dialtone-lab-tftp-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Tmp(p)
    }
}
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn blob(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0u8; len];
    dialtone_core::Rng::new(seed).fill_bytes(&mut v);
    v
}

fn sha256(p: &Path) -> String {
    let out = Command::new("sha256sum").arg(p).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string()
}

fn run(bin: &Path, args: &[&str], limit: Duration) -> Duration {
    let start = Instant::now();
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            return start.elapsed();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} {args:?} took longer than {limit:?}", bin.display());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn serve(root: &Path) -> (Proc, String) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(DIALTONE)
        .args([
            "tftp",
            "serve",
            "--root",
            root.to_str().unwrap(),
            "--listen",
            &listen,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    (Proc(child), port.to_string())
}

fn fixture(tag: &str) -> (Tmp, Vec<u8>) {
    let dir = Tmp::new(tag);
    std::fs::create_dir_all(dir.0.join("root")).unwrap();
    std::fs::write(dir.0.join("root/SEP001E7AC4D231.cnf.xml"), XML).unwrap();
    let big = blob(10 << 20, 7);
    std::fs::write(dir.0.join("root/load.bin"), &big).unwrap();
    (dir, big)
}

#[test]
fn tftp_hpa_downloads_from_dialtone_tftp_serve() {
    let Some(tftp) = peer("tftp") else { return };
    let (dir, _) = fixture("hpa");
    let (_srv, port) = serve(&dir.0.join("root"));
    // Phones ask with a leading '/' and in any case.
    for (name, want) in [
        ("/sep001e7ac4d231.CNF.XML", "SEP001E7AC4D231.cnf.xml"),
        ("load.bin", "load.bin"),
    ] {
        let out = dir.0.join("out");
        let _ = std::fs::remove_file(&out);
        run(
            &tftp,
            &[
                "-m",
                "binary",
                "127.0.0.1",
                &port,
                "-c",
                "get",
                name,
                out.to_str().unwrap(),
            ],
            Duration::from_secs(60),
        );
        assert_eq!(
            sha256(&out),
            sha256(&dir.0.join("root").join(want)),
            "{name}"
        );
    }
}

#[test]
fn atftp_downloads_from_dialtone_tftp_serve_with_and_without_options() {
    let Some(atftp) = peer("atftp") else { return };
    let (dir, _) = fixture("atftp");
    let (_srv, port) = serve(&dir.0.join("root"));
    let sets: [&[&str]; 5] = [
        &[],
        &["--option", "blksize 1428"],
        &["--option", "windowsize 16"],
        &["--option", "tsize 0"],
        &[
            "--option",
            "blksize 1428",
            "--option",
            "windowsize 16",
            "--option",
            "tsize 0",
        ],
    ];
    for name in ["SEP001E7AC4D231.cnf.xml", "load.bin"] {
        for opts in sets {
            let out = dir.0.join("out");
            let _ = std::fs::remove_file(&out);
            let out_s = out.to_str().unwrap().to_string();
            let mut args = opts.to_vec();
            args.extend(["-g", "-r", name, "-l", &out_s, "127.0.0.1", &port]);
            let t = run(&atftp, &args, Duration::from_secs(60));
            eprintln!("atftp {opts:?} {name}: {t:?}");
            assert_eq!(
                sha256(&out),
                sha256(&dir.0.join("root").join(name)),
                "{name} {opts:?}"
            );
        }
    }
}

#[test]
fn dialtone_tftp_get_downloads_from_tftpd_hpa() {
    let Some(tftpd) = peer("in.tftpd") else {
        return;
    };
    let (dir, _) = fixture("get");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(tftpd)
        .args([
            "-L",
            "-s",
            dir.0.join("root").to_str().unwrap(),
            "-a",
            &addr,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _p = Proc(child);
    std::thread::sleep(Duration::from_millis(300));
    let me = Path::new(DIALTONE);
    for extra in [
        &[][..],
        &["--blksize", "1428"][..],
        &["--blksize", "8192", "--windowsize", "16"][..],
    ] {
        for name in ["SEP001E7AC4D231.cnf.xml", "load.bin"] {
            let out = dir.0.join("got");
            let _ = std::fs::remove_file(&out);
            let mut args = vec!["tftp", "get", &addr, name, "-o", out.to_str().unwrap()];
            args.extend_from_slice(extra);
            run(me, &args, Duration::from_secs(60));
            assert_eq!(
                sha256(&out),
                sha256(&dir.0.join("root").join(name)),
                "{name} {extra:?}"
            );
        }
    }
    // File Not Found: exit code 1 and no file left behind.
    let out = dir.0.join("missing");
    let st = Command::new(me)
        .args([
            "tftp",
            "get",
            &addr,
            "XMLDefault.cnf.xml",
            "-o",
            out.to_str().unwrap(),
        ])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!st.success());
    assert!(!out.exists());
}
