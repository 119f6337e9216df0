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
