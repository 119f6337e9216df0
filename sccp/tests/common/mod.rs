//! Shared code of the tshark-based tests.
#![allow(dead_code)]

use std::process::Command;

/// Whether tshark can run. Missing tshark fails under `CI`, else the caller skips.
pub fn tshark_available() -> bool {
    let ok = Command::new("tshark")
        .arg("-v")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "tshark is required under CI (apt-get install tshark)"
        );
        eprintln!("note: tshark not found, skipping");
    }
    ok
}

/// Runs tshark with `args` and returns stdout.
pub fn tshark(args: &[&str]) -> String {
    let out = Command::new("tshark")
        .args(args)
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("tshark prints UTF-8")
}

/// Parses a number as tshark prints it (decimal or 0x-hex).
pub fn num(s: &str) -> u64 {
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).unwrap_or_else(|_| panic!("hex {s}")),
        None => s.parse().unwrap_or_else(|_| panic!("number {s:?}")),
    }
}

/// Decodes a hex string.
pub fn unhex(s: &str) -> Vec<u8> {
    let s = s.trim();
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}
