//! The model and the store together: a shift's events and summary are
//! stored, and the next shift starts from the baseline history and the
//! digests the store kept.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests and benches may fail loudly
mod common;
use common::shared_data;
use serde_json::json;
use std::path::Path;
use steady_core::Millis;
use steady_core::beats::{CleanerConfig, clean_all, times_from_cumsum};
use steady_core::running::RunningShift;
use steady_core::seam::INPUT_EVENT;
use steady_core::shift::{ShiftConfig, ShiftInput};
use steady_core::store::{ShiftSource, Store, WriterConfig};

/// RR (ms) of the 24-hour Holter recording.
fn holter_rr() -> Vec<f64> {
    let path = shared_data().join("physionet-nsr2db/nsr2db_nsr001_rr_secs.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter_map(|l| l.trim().parse::<f64>().ok())
        .skip(1)
        .map(|s| s * 1000.0)
        .collect()
}

/// Runs one 4-hour shift of real beats starting at `start` through the
/// model, stored the live way (a `RunningShift` with its recorder). Returns the shift id.
fn one_shift(db: &Path, start: Millis, rr: &[f64]) -> i64 {
    let (beats, _) = clean_all(CleanerConfig::default(), &times_from_cumsum(start, rr));
    let store = Store::open(db).unwrap();
    let setup = store.shift_setup(start, ShiftConfig::default()).unwrap();
    let (mut shift, _) = RunningShift::start_recorded(
        store,
        setup,
        start,
        ShiftSource::Live,
        None,
        WriterConfig::default(),
    )
    .unwrap();
    for (i, b) in beats.iter().enumerate() {
        shift.handle(&ShiftInput::beat(b));
        if i == 2000 {
            shift.handle(&ShiftInput::Quiet {
                t_ms: b.t_ms,
                on: true,
            });
        }
    }
    shift.end(beats.last().unwrap().t_ms).unwrap();
    let recorder = shift.recorder().unwrap();
    assert_eq!(recorder.store_error(), None);
    recorder.shift_id()
}

#[test]
fn summary_events_and_baseline_carry_to_the_next_shift() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let rr = holter_rr();
    // Two 4-hour stretches of the recording, a day apart.
    let four_h: Vec<f64> = {
        let mut t = 0.0;
        rr.iter()
            .copied()
            .take_while(|r| {
                t += r;
                t < 4.0 * 3_600_000.0
            })
            .collect()
    };
    let day0: Millis = 1_764_000_000_000;
    let a = one_shift(&db, day0, &four_h);
    let s = Store::open(&db).unwrap();
    let first = s.model_summary(a).unwrap().expect("model summary stored");
    let rec = s.shift(a).unwrap();
    assert_eq!(rec.key.load_peak, Some(first.load_peak));
    assert_eq!(rec.key.beats, Some(first.signal.beats as i64));
    assert_eq!(rec.digest(), Some(first.digest));
    let events = s.events(a).unwrap();
    assert_eq!(events.first().unwrap().kind, INPUT_EVENT);
    assert!(events.iter().any(|e| e.kind == "started"));
    assert!(
        events
            .iter()
            .any(|e| e.kind == INPUT_EVENT && e.payload["type"] == "quiet"),
        "user actions are kept"
    );
    assert!(!events.iter().any(|e| e.kind == "gauge"));
    let stored_prompts = events.iter().filter(|e| e.kind == "prompt_offered").count();
    assert_eq!(stored_prompts as u32, first.prompts_offered);
    assert!(
        first.baseline_samples.len() > 10,
        "a calm Holter morning has still minutes"
    );
    assert_eq!(s.baseline_records().unwrap().len(), 1);

    // The next shift starts from what the first one left.
    let setup = s
        .shift_setup(day0 + 86_400_000, ShiftConfig::default())
        .unwrap();
    assert_eq!(setup.previous, vec![first.digest]);
    // A day later one night's sleep is assumed: 10 % of the load is left.
    let carry = setup.carry.expect("carried from the first shift");
    assert_eq!(carry.previous_load_end, first.load_end);
    assert_eq!(setup.load_start, carry.carried);
    assert!((setup.load_start - 0.1 * first.load_end).abs() < 1e-9);
    assert_eq!(setup.history.samples.len(), first.baseline_samples.len());
    drop(s);
    let b = one_shift(&db, day0 + 86_400_000, &four_h);
    let s = Store::open(&db).unwrap();
    let second = s.model_summary(b).unwrap().unwrap();
    assert_eq!(second.trend.previous_shifts, 1);
    assert_eq!(s.trend(10).unwrap().len(), 2);
    assert_eq!(
        s.summary(b).unwrap().unwrap()["trend"]["previous_shifts"],
        json!(1)
    );
}
