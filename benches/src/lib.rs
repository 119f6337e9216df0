//! Shared helpers of the dialtone benches: the sample inputs every bench runs
//! on live in `testdata/samples/` (see its README for how each was made).

use std::path::PathBuf;

/// Path of a file in `testdata/samples/`.
#[must_use]
pub fn sample_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/samples")
        .join(name)
}

/// The bytes of a file in `testdata/samples/`.
///
/// # Panics
/// When the sample is missing: benches cannot run without their inputs.
#[must_use]
pub fn sample(name: &str) -> Vec<u8> {
    let path = sample_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("bench sample {}: {e}", path.display()))
}

/// Path of a file in `testdata/` (captures, configuration files).
#[must_use]
pub fn testdata_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata")
        .join(rel)
}
