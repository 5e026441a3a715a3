//! Helpers shared by the integration tests.
#![allow(dead_code)]
use std::path::PathBuf;

/// `<repo root>/../shared/data`, or `$STEADY_SHARED_DATA` when set. Panics
/// (loudly, with the path) when the directory is missing: a test whose data
/// is absent fails, it never skips.
pub fn shared_data() -> PathBuf {
    let dir = match std::env::var_os("STEADY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
    };
    assert!(
        dir.is_dir(),
        "shared test data missing: {} (set STEADY_SHARED_DATA)",
        dir.display()
    );
    dir
}

/// Reads a file under the shared data directory, panicking with its path.
pub fn read_shared(rel: &str) -> String {
    let p = shared_data().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}
