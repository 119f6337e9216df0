//! Helpers shared by the lab's integration tests.
#![allow(dead_code)]

pub mod kamailio;

use std::path::PathBuf;
use std::process::Command;

/// A file in the repository's `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}

/// Whether `bin` can be run. A missing peer fails the test under `CI`,
/// and is skipped with a note elsewhere.
pub fn peer_available(bin: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {bin}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{bin} is required under CI (install it with .ci/run)"
        );
        eprintln!("note: {bin} not installed; skipping this interop test");
    }
    found
}

/// Runs a command and returns its stdout, panicking with its stderr on failure.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}
