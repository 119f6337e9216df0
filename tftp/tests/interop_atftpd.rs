//! Our client against atftpd 0.8 (unpacked by `tests/setup-atftpd.sh`, since
//! it conflicts with tftpd-hpa in dpkg).

mod common;
use common::*;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

fn atftpd(dir: &TempDir) -> Option<(Proc, SocketAddr)> {
    let mut cands: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("ATFTPD") {
        cands.push(p.into());
    }
    cands.push(std::env::temp_dir().join("dialtone-atftpd/usr/sbin/atftpd"));
    let bin = peer("atftpd", &cands)?;
    let port = free_port();
    let p = spawn(
        &bin,
        &[
            "--daemon",
            "--no-fork",
            "--logfile",
            "/dev/null",
            "--port",
            &port.to_string(),
            "--bind-address",
            "127.0.0.1",
            "--user",
            "root.root",
            dir.0.to_str().unwrap(),
        ],
    );
    Some((p, format!("127.0.0.1:{port}").parse().unwrap()))
}

#[test]
fn client_downloads_xml_and_40mib_from_atftpd_with_and_without_options() {
    let dir = TempDir::new("atftpd");
    let big = blob(40 << 20, 42);
    dir.write("SEP001E7AC4D231.cnf.xml", XML);
    dir.write("load.bin", &big);
    let Some((_p, addr)) = atftpd(&dir) else {
        return;
    };
    for (name, want) in [("SEP001E7AC4D231.cnf.xml", XML), ("load.bin", &big[..])] {
        for cfg in [
            opts(None, None, false),
            opts(Some(1428), Some(16), true),
            opts(Some(1428), None, true),
        ] {
            let got = get(addr, name, cfg, Duration::from_secs(120)).unwrap();
            assert_eq!(sha256(&got.data), sha256(want), "{name} {cfg:?}");
            assert!(got.data == want);
            if cfg.tsize {
                assert_eq!(got.tsize, Some(want.len() as u64));
                let n = got.negotiated.unwrap();
                assert_eq!(Some(n.windowsize), cfg.windowsize.or(Some(1)));
            }
        }
    }
}

#[test]
fn client_does_not_collapse_against_atftpd_at_8192_by_16() {
    // atftp's own client collapses here (15-30 s for 10 MiB: receive buffer
    // overflow, 5 s per loss). Ours sizes its buffer and recovers at once.
    let dir = TempDir::new("atftpd-win");
    let big = blob(40 << 20, 43);
    dir.write("load.bin", &big);
    let Some((_p, addr)) = atftpd(&dir) else {
        return;
    };
    for _ in 0..2 {
        let got = get(
            addr,
            "load.bin",
            opts(Some(8192), Some(16), true),
            Duration::from_secs(60),
        )
        .unwrap();
        assert!(got.data == big);
        let n = got.negotiated.unwrap();
        assert_eq!((n.blksize, n.windowsize), (8192, 16));
        eprintln!(
            "40 MiB at 8192 x 16 from atftpd: {:?}, {} timeouts",
            got.elapsed, got.timeouts
        );
        // Generous for a loaded 2-core machine; a collapse costs minutes.
        assert!(got.elapsed < Duration::from_secs(15), "{:?}", got.elapsed);
    }
}

#[test]
fn client_recovers_quickly_from_lost_windows_with_a_small_receive_buffer() {
    // A 32 KiB buffer cannot hold a 128 KiB window: datagrams are dropped and
    // the transfer lives on window restarts and short timeouts.
    let dir = TempDir::new("atftpd-loss");
    let big = blob(10 << 20, 44);
    dir.write("load.bin", &big);
    let Some((_p, addr)) = atftpd(&dir) else {
        return;
    };
    let mut cfg = opts(Some(8192), Some(16), true);
    cfg.retransmit = Duration::from_millis(100);
    cfg.max_retransmits = 10;
    let got = get_with(addr, "load.bin", cfg, Duration::from_secs(60), 32 << 10).unwrap();
    assert!(got.data == big);
    eprintln!(
        "10 MiB at 8192 x 16, 32 KiB buffer: {:?}, {} timeouts",
        got.elapsed, got.timeouts
    );
    assert!(got.elapsed < Duration::from_secs(20), "{:?}", got.elapsed);
}
