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

/// Stores a real recording (path under the shared data) as a past shift
/// starting at `start_ms` (unix ms), run through the model the way
/// `steady import` runs it: the store's setup (baseline history, earlier
/// digests, carried load), then the recording's inputs, one save at the end.
/// Returns the model's summary.
pub fn import_at(
    db: &std::path::Path,
    rel: &str,
    start_ms: steady_core::Millis,
) -> steady_core::summary::ShiftSummary {
    use steady_core::session::LiveSession;
    use steady_core::shift::{ShiftConfig, ShiftInput};
    use steady_core::store::{ShiftSource, Store, WriterConfig};
    let path = shared_data().join(rel);
    let mut rec = steady_core::formats::read_path(&path, None)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    steady_core::feed::place_at(&mut rec, start_ms);
    let inputs = steady_core::feed::inputs(&rec, &Default::default());
    let store = Store::open(db).unwrap();
    let setup = store.shift_setup(start_ms, ShiftConfig::default()).unwrap();
    let (mut session, _) = LiveSession::start_with(
        store,
        setup,
        start_ms,
        ShiftSource::Import,
        Some(rel),
        WriterConfig::bulk(),
    )
    .unwrap();
    let mut end = start_ms;
    for input in &inputs {
        match input {
            ShiftInput::Start { .. } => {}
            ShiftInput::End { t_ms } => end = *t_ms,
            other => {
                session.handle(other);
            }
        }
    }
    let (summary, _) = session.end(end).unwrap();
    assert_eq!(session.store_error(), None);
    summary
}
