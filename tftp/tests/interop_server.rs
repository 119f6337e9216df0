//! tftp-hpa's `tftp` and `atftp` download from our server machine driven by
//! a small socket driver on 127.0.0.1.

mod common;
use common::*;

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use dialtone_tftp::server;
use dialtone_tftp::source::MemorySource;

fn files(big: &[u8]) -> MemorySource {
    let mut m = MemorySource::new();
    m.insert("SEP001E7AC4D231.cnf.xml", XML.to_vec());
    m.insert("load.bin", big.to_vec());
    m
}

fn run(bin: &std::path::Path, args: &[&str], limit: Duration) {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} {args:?} took longer than {limit:?}", bin.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn check(out: &std::path::Path, want: &[u8], what: &str) {
    // tftp-hpa exits 0 even on File Not Found: compare contents, never exit codes.
    let got = std::fs::read(out).unwrap_or_default();
    assert_eq!(sha256(&got), sha256(want), "{what}");
}

#[test]
fn tftp_hpa_client_downloads_from_our_server() {
    let Some(tftp) = peer("tftp", &["/usr/bin/tftp".into()]) else {
        return;
    };
    let big = blob(10 << 20, 50);
    let srv = serve(server::Config::default(), files(&big));
    let dir = TempDir::new("srv-hpa");
    let port = srv.addr.port().to_string();
    for (name, want) in [("SEP001E7AC4D231.cnf.xml", XML), ("/load.bin", &big[..])] {
        let out = dir.0.join("out");
        let _ = std::fs::remove_file(&out);
        let out_s = out.to_str().unwrap();
        run(
            &tftp,
            &["-m", "binary", "127.0.0.1", &port, "-c", "get", name, out_s],
            Duration::from_secs(60),
        );
        check(&out, want, name);
    }
}

#[test]
fn atftp_client_downloads_from_our_server_with_and_without_options() {
    let Some(atftp) = peer("atftp", &["/usr/bin/atftp".into()]) else {
        return;
    };
    let big = blob(10 << 20, 51);
    let srv = serve(server::Config::default(), files(&big));
    let dir = TempDir::new("srv-atftp");
    let port = srv.addr.port().to_string();
    let option_sets: [&[&str]; 5] = [
        &[],
        &["--option", "blksize 1428"],
        &["--option", "tsize 0"],
        &[
            "--option",
            "blksize 1428",
            "--option",
            "windowsize 16",
            "--option",
            "tsize 0",
        ],
        &["--option", "blksize 8192", "--option", "windowsize 8"],
    ];
    for (name, want) in [("SEP001E7AC4D231.cnf.xml", XML), ("load.bin", &big[..])] {
        for opts in option_sets {
            let out = dir.0.join("out");
            let _ = std::fs::remove_file(&out);
            let mut args: Vec<&str> = opts.to_vec();
            let out_s = out.to_str().unwrap().to_string();
            args.extend(["-g", "-r", name, "-l", &out_s, "127.0.0.1", &port]);
            let t = Instant::now();
            run(&atftp, &args, Duration::from_secs(60));
            eprintln!("atftp {opts:?} {name}: {:?}", t.elapsed());
            check(&out, want, &format!("{name} {opts:?}"));
        }
    }
}

#[test]
fn file_not_found_leaves_tftp_hpa_with_nothing() {
    let Some(tftp) = peer("tftp", &["/usr/bin/tftp".into()]) else {
        return;
    };
    let srv = serve(server::Config::default(), files(b""));
    let dir = TempDir::new("srv-404");
    let out = dir.0.join("out");
    let out_s = out.to_str().unwrap();
    let addr: SocketAddr = srv.addr;
    run(
        &tftp,
        &[
            "-m",
            "binary",
            "127.0.0.1",
            &addr.port().to_string(),
            "-c",
            "get",
            "XMLDefault.cnf.xml",
            out_s,
        ],
        Duration::from_secs(30),
    );
    assert!(std::fs::read(&out).unwrap_or_default().is_empty());
}

/// A memory store the test can look into while the server runs.
#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<MemorySource>>);

impl dialtone_tftp::source::FileSource for Shared {
    type File = dialtone_tftp::source::BytesReader;
    type Sink = dialtone_tftp::source::MemorySink;
    fn open(&mut self, name: &str) -> Result<Self::File, dialtone_tftp::source::OpenError> {
        self.0.lock().unwrap().open(name)
    }
    fn create(
        &mut self,
        name: &str,
        size: Option<u64>,
    ) -> Result<Self::Sink, dialtone_tftp::source::OpenError> {
        self.0.lock().unwrap().create(name, size)
    }
    fn finish(&mut self, sink: Self::Sink) -> Result<(), dialtone_tftp::source::WriteError> {
        self.0.lock().unwrap().finish(sink)
    }
}

fn stored(s: &Shared, name: &str) -> Vec<u8> {
    use dialtone_tftp::source::{FileSource, ReadFile};
    let mut f = s
        .clone()
        .open(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut v = vec![0u8; f.size().unwrap() as usize];
    let mut n = 0;
    while n < v.len() {
        let k = f.read(&mut v[n..]).unwrap();
        assert!(k > 0);
        n += k;
    }
    v
}

#[test]
fn tftp_hpa_and_atftp_upload_to_our_server_when_writes_are_allowed() {
    let Some(tftp) = peer("tftp", &["/usr/bin/tftp".into()]) else {
        return;
    };
    let Some(atftp) = peer("atftp", &["/usr/bin/atftp".into()]) else {
        return;
    };
    let store = Shared::default();
    let mut cfg = server::Config::default();
    cfg.allow_writes = true;
    let srv = serve(cfg, store.clone());
    let port = srv.addr.port().to_string();
    let dir = TempDir::new("srv-put");
    let up = blob(3 << 20, 52);
    let local = dir.write("up.bin", &up);
    let local_s = local.to_str().unwrap();
    run(
        &tftp,
        &[
            "-m",
            "binary",
            "127.0.0.1",
            &port,
            "-c",
            "put",
            local_s,
            "hpa.bin",
        ],
        Duration::from_secs(60),
    );
    assert!(stored(&store, "hpa.bin") == up, "tftp-hpa put");
    run(
        &atftp,
        &[
            "--option",
            "blksize 1428",
            "--option",
            "tsize",
            "-p",
            "-l",
            local_s,
            "-r",
            "atftp.bin",
            "127.0.0.1",
            &port,
        ],
        Duration::from_secs(60),
    );
    assert!(stored(&store, "atftp.bin") == up, "atftp put");
}

#[test]
fn writes_are_refused_by_default() {
    let Some(tftp) = peer("tftp", &["/usr/bin/tftp".into()]) else {
        return;
    };
    let store = Shared::default();
    let srv = serve(server::Config::default(), store.clone());
    let dir = TempDir::new("srv-noput");
    let local = dir.write("up.bin", b"data");
    run(
        &tftp,
        &[
            "-m",
            "binary",
            "127.0.0.1",
            &srv.addr.port().to_string(),
            "-c",
            "put",
            local.to_str().unwrap(),
            "x.bin",
        ],
        Duration::from_secs(30),
    );
    use dialtone_tftp::source::FileSource;
    assert!(store.clone().open("x.bin").is_err());
}
