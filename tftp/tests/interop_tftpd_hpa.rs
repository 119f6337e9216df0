//! Our client against tftpd-hpa (`in.tftpd -L -s DIR -a 127.0.0.1:PORT`).

mod common;
use common::*;

use std::net::SocketAddr;
use std::time::Duration;

use dialtone_tftp::client::Failure;
use dialtone_tftp::ErrorCode;

fn tftpd(dir: &TempDir) -> Option<(Proc, SocketAddr)> {
    let bin = peer("in.tftpd", &["/usr/sbin/in.tftpd".into()])?;
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let p = spawn(
        &bin,
        &[
            "-L",
            "-s",
            dir.0.to_str().unwrap(),
            "-a",
            &addr,
            "-B",
            "65464",
        ],
    );
    Some((p, addr.parse().unwrap()))
}

#[test]
fn client_downloads_xml_and_40mib_from_tftpd_hpa_with_and_without_options() {
    let dir = TempDir::new("hpa");
    let big = blob(40 << 20, 40);
    dir.write("SEP001E7AC4D231.cnf.xml", XML);
    dir.write("load.bin", &big);
    let Some((_p, addr)) = tftpd(&dir) else {
        return;
    };
    for (name, want) in [("SEP001E7AC4D231.cnf.xml", XML), ("load.bin", &big[..])] {
        for cfg in [
            opts(None, None, false),
            opts(Some(1428), Some(16), true),
            opts(Some(8192), None, true),
        ] {
            let got = get(addr, name, cfg, Duration::from_secs(120)).unwrap();
            assert_eq!(sha256(&got.data), sha256(want), "{name} {cfg:?}");
            assert!(got.data == want);
            if cfg.tsize {
                assert_eq!(got.tsize, Some(want.len() as u64));
                let n = got.negotiated.unwrap();
                assert!(n.oack);
                // tftpd-hpa 5.2 has no windowsize: left out of the OACK.
                assert_eq!(n.windowsize, 1);
                assert_eq!(Some(n.blksize), cfg.blksize);
            }
        }
    }
}

#[test]
fn client_downloads_more_than_32mib_at_blksize_512_across_rollover() {
    let dir = TempDir::new("hpa-roll");
    // 65535 × 512 = 33,553,920 bytes: beyond needs block numbers to wrap.
    let big = blob(65536 * 512 + 1000, 41);
    dir.write("big.bin", &big);
    let Some((_p, addr)) = tftpd(&dir) else {
        return;
    };
    let got = get(
        addr,
        "big.bin",
        opts(None, None, false),
        Duration::from_secs(180),
    )
    .unwrap();
    assert!(
        got.data == big,
        "sha256 {} vs {}",
        sha256(&got.data),
        sha256(&big)
    );
}

#[test]
fn client_reports_file_not_found_from_tftpd_hpa() {
    let dir = TempDir::new("hpa-404");
    let Some((_p, addr)) = tftpd(&dir) else {
        return;
    };
    match get(
        addr,
        "XMLDefault.cnf.xml",
        opts(None, None, false),
        Duration::from_secs(20),
    ) {
        Err(Failure::Remote { code, .. }) => assert_eq!(code, ErrorCode::FileNotFound),
        Err(f) => panic!("{f:?}"),
        Ok(_) => panic!("got a file"),
    }
}

#[test]
fn client_uploads_to_tftpd_hpa_with_and_without_options() {
    let dir = TempDir::new("hpa-put");
    let Some(bin) = peer("in.tftpd", &["/usr/sbin/in.tftpd".into()]) else {
        return;
    };
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    // -c: allow new files; -p: no extra permission checks; -u root: keep our uid.
    let _p = spawn(
        &bin,
        &[
            "-L",
            "-c",
            "-p",
            "-u",
            "root",
            "-s",
            dir.0.to_str().unwrap(),
            "-a",
            &addr,
        ],
    );
    let data = blob(2 << 20, 45);
    put(
        addr.parse().unwrap(),
        "plain.bin",
        &data,
        opts(None, None, false),
        Duration::from_secs(60),
    )
    .unwrap();
    put(
        addr.parse().unwrap(),
        "opts.bin",
        &data,
        opts(Some(1428), None, true),
        Duration::from_secs(60),
    )
    .unwrap();
    for name in ["plain.bin", "opts.bin"] {
        let got = std::fs::read(dir.0.join(name)).unwrap();
        assert_eq!(sha256(&got), sha256(&data), "{name}");
    }
}
