//! Helpers shared by the integration tests and the benches (which include
//! this file by path): the one place that finds the shared recordings.
#![allow(dead_code)] // each includer uses its own part
// Test helpers fail loudly (missing data panics with its path).
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]
use std::path::PathBuf;

use steady_core::hrm::{HeartRateMeasurement, SensorContact};

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
    use steady_core::running::RunningShift;
    use steady_core::shift::{ShiftConfig, ShiftInput};
    use steady_core::store::{ShiftSource, Store, WriterConfig};
    let path = shared_data().join(rel);
    let mut rec = steady_core::formats::read_path(&path, None)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    steady_core::feed::place_at(&mut rec, start_ms);
    let inputs = steady_core::feed::inputs(&rec, &Default::default());
    let store = Store::open(db).unwrap();
    let setup = store.shift_setup(start_ms, ShiftConfig::default()).unwrap();
    let (mut shift, _) = RunningShift::start_recorded(
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
                shift.handle(other);
            }
        }
    }
    let (summary, _) = shift.end(end).unwrap();
    assert_eq!(shift.recorder().and_then(|r| r.store_error()), None);
    summary
}

/// The live writers' journal files in `dir` (`<db>-steady-journal-...`,
/// core/src/io/store/journal.rs), as a test or bench sees them on disk.
pub fn journal_files(dir: &std::path::Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .expect("store dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains("-steady-journal-"))
        .collect()
}

/// A live shift stored the app's way, started at `t0` with the default
/// setup in a new store at `path`, and the events its start gave.
pub fn start_live(
    path: &std::path::Path,
    t0: steady_core::Millis,
) -> (
    steady_core::running::RunningShift,
    Vec<steady_core::shift::ShiftEvent>,
) {
    use steady_core::store::{ShiftSource, Store, WriterConfig};
    steady_core::running::RunningShift::start_recorded(
        Store::open(path).expect("store"),
        steady_core::shift::ShiftSetup::default(),
        t0,
        ShiftSource::Live,
        None,
        WriterConfig::default(),
    )
    .expect("start")
}

/// A shift of `hours` built by repeating the real Polar H10 sample
/// (../shared/data/polar-h10) and encoding it into packets the way a strap
/// sends them (one notification per second carrying the RR intervals that
/// ended since the last one, HR 62), times in ms from 0; and its beat count.
pub fn shift_packets(hours: f64) -> (Vec<(i64, Vec<u8>)>, u64) {
    shift_packets_with(hours, |_, rr| rr)
}

/// [`shift_packets`] with each RR (ms) changed by `shape(t_ms, rr_ms)`,
/// e.g. to put a stressed stretch in.
pub fn shift_packets_with(
    hours: f64,
    shape: impl Fn(f64, f64) -> f64,
) -> (Vec<(i64, Vec<u8>)>, u64) {
    let text = read_shared("polar-h10/sample_rr_ms.txt");
    let rr: Vec<f64> = text
        .lines()
        .filter_map(|l| l.trim().parse::<f64>().ok())
        .collect();
    let end_ms = hours * 3600.0 * 1000.0;
    let mut packets = Vec::new();
    let mut t_beat = 0.0f64; // end of the last beat, ms
    let mut next_packet = 1000.0f64;
    let mut pending: Vec<u16> = Vec::new();
    let mut beats = 0u64;
    'outer: loop {
        for &ms in &rr {
            let r = (shape(t_beat, ms) * 1.024).round() as u16;
            let end = t_beat + f64::from(r) * 1000.0 / 1024.0;
            while end > next_packet {
                let m = HeartRateMeasurement {
                    heart_rate_bpm: 62,
                    sensor_contact: SensorContact::Detected,
                    energy_expended_kj: None,
                    rr_1024: std::mem::take(&mut pending),
                };
                packets.push((next_packet as i64, m.encode()));
                next_packet += 1000.0;
            }
            pending.push(r);
            beats += 1;
            t_beat = end;
            if t_beat >= end_ms {
                break 'outer;
            }
        }
    }
    (packets, beats)
}
