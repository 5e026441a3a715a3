//! A live writer on a disk that fills up during a long shift: its retries
//! back off in data time, the data it holds stays bounded, and it stops
//! with a typed error that says from when nothing was saved; the shift then
//! resumes from what was saved (issue #10, "Full disk"). The disk is
//! "full" through the writer's page cap (`set_max_page_count`), so the test
//! runs anywhere; `cli/tests/full_disk.rs` fills a real tmpfs.
#![allow(clippy::unwrap_used, clippy::panic)]
use serde_json::json;
use steady_core::Millis;
use steady_core::beats::Beat;
use steady_core::store::{
    KeyFigures, SampleKind, ShiftSource, ShiftWriter, Store, StoreError, StoreErrorKind,
    WriterConfig,
};

const T0: Millis = 1_764_000_000_000;
const HOUR: Millis = 3_600_000;

fn beat(t_ms: Millis) -> Beat {
    Beat {
        t_ms,
        rr_ms: 1000.0,
        corrected: false,
    }
}

/// One second of a live shift as `RunningShift` stores it: the packet's
/// heart rate, its beat, a tick.
fn second(w: &mut ShiftWriter, t: Millis) -> Result<(), StoreError> {
    w.push_sample(SampleKind::Hr, t, 60.0)
        .and(w.push_beat(beat(t)))
        .and(w.tick(t))
}

#[test]
fn a_full_disk_backs_off_keeps_a_bounded_backlog_and_stops_saying_what_was_not_saved() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let cfg = WriterConfig::default();
    let mut w =
        ShiftWriter::start(Store::open(&db).unwrap(), T0, ShiftSource::Live, None, cfg).unwrap();
    let id = w.shift_id();
    // Ten minutes are saved, then the disk is full.
    let mut t = T0;
    while t < T0 + 600_000 {
        t += 1000;
        second(&mut w, t).unwrap();
    }
    let pages = w.store().page_count().unwrap();
    w.set_max_page_count(pages).unwrap();
    // Save attempts when the first failure came back.
    let mut attempts_at_first_failure = None;

    // Two hours of data arrive; the disk stays full.
    let mut stopped: Option<(StoreError, Millis)> = None;
    let mut max_unsaved = 0;
    while t < T0 + 2 * HOUR {
        t += 1000;
        match second(&mut w, t) {
            Ok(()) => {}
            Err(StoreError::Full) => {
                attempts_at_first_failure.get_or_insert(w.save_attempts());
            }
            Err(e @ StoreError::SavingStopped { .. }) => {
                if stopped.is_none() {
                    stopped = Some((e, t));
                }
            }
            Err(e) => panic!("unexpected {e}"),
        }
        max_unsaved = max_unsaved.max(w.unsaved_len());
    }
    let Some((err, _stopped_at)) = stopped else {
        panic!(
            "the writer never stopped saving; it holds {} items",
            w.unsaved_len()
        )
    };
    let StoreError::SavingStopped {
        kind,
        unsaved_from_ms,
        unsaved_ms,
        dropped,
        ..
    } = &err
    else {
        unreachable!()
    };
    assert_eq!(*kind, StoreErrorKind::Full, "{err}");
    assert!(err.to_string().contains("the disk is full"), "{err}");
    // It stopped once 30 min were unsaved (within the last minute-long
    // retry gap and the 4-s handover), not later.
    let limit = cfg.max_unsaved_ms;
    assert!(
        (limit..=limit + 65_000).contains(unsaved_ms),
        "stopped with {unsaved_ms} ms unsaved"
    );
    // Memory (and the work of one retry) stayed bounded: two items a
    // second over at most the limit plus a retry gap and a handover.
    let bound = (2 * (limit + 65_000) / 1000) as usize;
    assert!(
        max_unsaved <= bound,
        "held {max_unsaved} items (bound {bound})"
    );
    assert!(*dropped > 0 && *dropped <= bound);
    // Few tries: doublings from 1 s to the 1-min cap, then one a minute
    // (the old policy tried every second: ~1 800 tries in 30 min, each
    // saving the whole backlog again).
    let tries = w.save_attempts() - attempts_at_first_failure.unwrap();
    assert!(tries <= 45, "{tries} save attempts while the disk was full");
    // Nothing is taken after it stopped, and nothing is held.
    assert_eq!(w.unsaved_len(), 0);
    assert!(matches!(
        w.push_beat(beat(t + 1000)),
        Err(StoreError::SavingStopped { .. })
    ));
    assert!(matches!(
        w.finish(t, &json!({}), &KeyFigures::default()),
        Err(StoreError::SavingStopped { .. })
    ));
    drop(w);

    // What it says is true: every beat before `unsaved_from_ms` was saved,
    // none from it on.
    let store = Store::open(&db).unwrap();
    let saved = store.beats(id).unwrap();
    let expected: Vec<Beat> = (1..)
        .map(|i| beat(T0 + i * 1000))
        .take_while(|b| b.t_ms < *unsaved_from_ms)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(saved, expected);
    assert!(
        store.shift(id).unwrap().ended_ms.is_none(),
        "left unfinished"
    );

    // Space is back: the shift resumes after what was saved and ends with
    // every beat.
    let resume_from = store.last_data_t(id).unwrap().unwrap();
    let mut w = ShiftWriter::resume(store, id, cfg).unwrap();
    let mut r = resume_from;
    while r < t {
        r += 1000;
        second(&mut w, r).unwrap();
    }
    w.finish(t, &json!({}), &KeyFigures::default()).unwrap();
    drop(w);
    let all = Store::open(&db).unwrap().beats(id).unwrap();
    assert_eq!(all.len() as Millis, (t - T0) / 1000);
    assert_eq!(all.last().map(|b| b.t_ms), Some(t));
}
