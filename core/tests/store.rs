//! Store tests: lifecycle, crash loss bound, resume, migrations from every
//! earlier schema version, bad files, full disk, two processes, exports,
//! and the storage size on a 24-hour Holter recording.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests and benches may fail loudly
mod common;
use common::shared_data;
use rusqlite::Connection;
use serde_json::json;
use std::path::{Path, PathBuf};
use steady_core::Millis;
use steady_core::beats::Beat;
use steady_core::store::codec::{Sample, encode_beats, encode_samples};
use steady_core::store::schema::{APPLICATION_ID, MIGRATIONS, current_version};
use steady_core::store::{
    FOLD_AFTER_MS, KeyFigures, SampleKind, ShiftId, ShiftSource, ShiftWriter, Store, StoreError,
    WriterConfig,
};

/// The 24-hour nsr2db Holter series as beats: the first value is the offset
/// to the first beat, the rest are RR in seconds (1/128 s grid). Beat times
/// are the cumulative sum, rounded to ms, from an arbitrary unix start.
fn nsr2db_beats() -> Vec<Beat> {
    let path = shared_data().join("physionet-nsr2db/nsr2db_nsr001_rr_secs.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut vals = text.lines().filter_map(|l| l.trim().parse::<f64>().ok());
    let start_ms: f64 = 1_764_000_000_000.0;
    let mut t = start_ms + vals.next().unwrap() * 1000.0;
    vals.map(|rr_s| {
        let rr_ms = rr_s * 1000.0;
        t += rr_ms;
        Beat {
            t_ms: t.round() as Millis,
            rr_ms,
            corrected: false,
        }
    })
    .collect()
}

/// A live shift's writer on `db` with the default config, from `t0`.
fn live_writer(db: &Path, t0: Millis) -> ShiftWriter {
    ShiftWriter::start(
        Store::open(db).unwrap(),
        t0,
        ShiftSource::Live,
        None,
        WriterConfig::default(),
    )
    .unwrap()
}

/// Resumes shift `id` with the default config, writes `rest` and ends the
/// shift at its last beat.
fn resume_and_finish(s: Store, id: ShiftId, rest: &[Beat]) {
    let mut w = ShiftWriter::resume(s, id, WriterConfig::default()).unwrap();
    for b in rest {
        w.push_beat(*b).unwrap();
    }
    w.finish(
        rest.last().unwrap().t_ms,
        &json!({}),
        &KeyFigures::default(),
    )
    .unwrap();
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn saved_beats(db: &Path, shift: i64) -> Vec<Beat> {
    Store::open(db).unwrap().beats(shift).unwrap()
}

#[test]
fn lifecycle_batches_by_data_time_and_never_leaves_more_than_5s_unsaved() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    let beats: Vec<Beat> = nsr2db_beats().into_iter().take(3000).collect();
    let mut w = ShiftWriter::start(
        Store::open(&db).unwrap(),
        beats[0].t_ms - 1000,
        ShiftSource::Replay,
        Some("night"),
        WriterConfig::default(),
    )
    .unwrap();
    let id = w.shift_id();
    let reader = Store::open(&db).unwrap();
    let mut batches = 0;
    let mut last_saved = 0;
    for (i, b) in beats.iter().enumerate() {
        w.push_beat(*b).unwrap();
        // What a kill right now would leave: committed or journaled.
        let saved = reader.durable_counts(id).unwrap().0;
        if saved != last_saved {
            batches += 1;
            last_saved = saved;
        }
        if saved <= i {
            let span = beats[i].t_ms - beats[saved].t_ms;
            assert!(span < 5_000, "beat {i}: {span} ms unsaved");
        }
    }
    // Batched: far fewer durable steps (journal records) than beats, about
    // one per 5 s of data (no ticks here: a push journals once the unsaved
    // beats span 5 s).
    let data_s = (beats.last().unwrap().t_ms - beats[0].t_ms) / 1000;
    assert!(
        batches <= (data_s / 5 + 1) as usize && batches >= (data_s / 7) as usize,
        "{batches} saves for {data_s} s"
    );
    w.push_event(beats[10].t_ms, "prompt", &json!({"reason": "sustained"}))
        .unwrap();
    w.push_sample(SampleKind::Motion, beats[20].t_ms, 12.5)
        .unwrap();
    w.push_sample(SampleKind::Hr, beats[20].t_ms, 71.0).unwrap();
    let end = beats.last().unwrap().t_ms + 500;
    w.finish(
        end,
        &json!({"returns": 3}),
        &KeyFigures {
            returns_to_baseline: Some(3),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(matches!(
        w.push_beat(beats[0]),
        Err(StoreError::ShiftEnded(_))
    ));
    drop(w);

    let s = Store::open(&db).unwrap();
    assert_eq!(s.beats(id).unwrap(), beats);
    let rec = s.shift(id).unwrap();
    assert_eq!(rec.ended_ms, Some(end));
    assert_eq!(rec.label.as_deref(), Some("night"));
    assert_eq!(rec.key.beats, Some(3000));
    assert_eq!(rec.key.returns_to_baseline, Some(3));
    let mean_rr = beats.iter().map(|b| b.rr_ms).sum::<f64>() / 3000.0;
    assert!((rec.key.mean_hr_bpm.unwrap() - 60_000.0 / mean_rr).abs() < 1e-9);
    assert_eq!(s.summary(id).unwrap(), Some(json!({"returns": 3})));
    let ev = s.events(id).unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].kind, "prompt");
    assert_eq!(ev[0].payload["reason"], "sustained");
    assert_eq!(
        s.samples(id, SampleKind::Motion).unwrap(),
        vec![Sample {
            t_ms: beats[20].t_ms,
            value: 12.5
        }]
    );
    assert_eq!(s.samples(id, SampleKind::Hr).unwrap().len(), 1);
    assert!(s.unfinished_shifts().unwrap().is_empty());
    s.check_integrity().unwrap();
}

#[test]
fn killed_writer_loses_at_most_5s_and_the_shift_resumes() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    let beats: Vec<Beat> = nsr2db_beats().into_iter().skip(500).take(4000).collect();
    let cut = 2345;
    let mut w = live_writer(&db, beats[0].t_ms);
    let id = w.shift_id();
    for b in &beats[..cut] {
        w.push_beat(*b).unwrap();
    }
    w.push_event(beats[cut - 1].t_ms, "quiet", &json!({"on": true}))
        .unwrap();
    // A kill (the writer thread idle): no destructor, no final save.
    w.simulate_kill();

    let s = Store::open(&db).unwrap();
    let open = s.unfinished_shifts().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, id);
    let saved = s.beats(id).unwrap();
    assert_eq!(saved[..], beats[..saved.len()]);
    let lost = beats[cut - 1].t_ms - saved.last().unwrap().t_ms;
    assert!(lost < 5_000, "lost {lost} ms");
    assert!(
        saved.len() < cut,
        "the kill should have lost the unsaved tail"
    );

    // Resume: the same shift continues after what was saved.
    resume_and_finish(s, id, &beats[saved.len()..]);
    let s = Store::open(&db).unwrap();
    assert_eq!(s.beats(id).unwrap(), beats);
    assert_eq!(s.shifts().unwrap().len(), 1);
}

/// The journal (store/journal.rs): a kill leaves data that only the
/// journal held (not yet folded into SQLite); the next `Store::open` folds
/// it in, ignoring a torn last record, and removes the file.
#[test]
fn a_kill_keeps_what_only_the_journal_held_and_the_next_open_folds_it_in() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    // About 13 minutes: two folds, then data only journaled.
    let beats: Vec<Beat> = nsr2db_beats().into_iter().take(1000).collect();
    let mut w = live_writer(&db, beats[0].t_ms);
    let id = w.shift_id();
    for b in &beats {
        w.push_beat(*b).unwrap();
        w.tick(b.t_ms).unwrap();
    }
    let durable = beats.len() - w.undurable_len();
    w.simulate_kill();
    // What the folds put in the file, read without `Store::open` (which
    // would fold the journal in).
    let in_db: usize = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT COALESCE(SUM(n), 0) FROM beat_blocks WHERE shift_id = ?1",
            [id],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as usize;
    let journals = || common::journal_files(dir.path());
    let files = journals();
    assert_eq!(files.len(), 1, "{files:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the journal is private");
    }
    // A torn record after the whole ones (a write cut short): ignored.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&files[0])
        .unwrap();
    std::io::Write::write_all(&mut f, &[200, 0, 0, 0, 1, 2, 3, 4, 5]).unwrap();
    drop(f);

    let s = Store::open(&db).unwrap();
    let saved = s.beats(id).unwrap();
    assert!(
        in_db > 0 && in_db < durable,
        "{in_db} beats folded, {durable} folded or journaled"
    );
    assert_eq!(saved.len(), durable, "folded + journaled");
    assert_eq!(saved[..], beats[..saved.len()]);
    let lost = beats.last().unwrap().t_ms - saved.last().unwrap().t_ms;
    assert!(lost < 5_000, "lost {lost} ms");
    assert!(journals().is_empty(), "the folded journal is removed");
    // Opening again changes nothing (nothing stored twice).
    assert_eq!(Store::open(&db).unwrap().beats(id).unwrap(), saved);
    // And the shift resumes after it.
    resume_and_finish(s, id, &beats[saved.len()..]);
    assert_eq!(saved_beats(&db, id), beats);
    assert!(journals().is_empty(), "a finished shift leaves no journal");
}

#[test]
fn interrupted_shift_can_be_closed_instead() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    let beats: Vec<Beat> = nsr2db_beats().into_iter().take(500).collect();
    let mut w = live_writer(&db, beats[0].t_ms);
    for b in &beats {
        w.push_beat(*b).unwrap();
    }
    let id = w.shift_id();
    w.simulate_kill();
    let mut s = Store::open(&db).unwrap();
    let last = s.last_data_t(id).unwrap().unwrap();
    assert!(beats.last().unwrap().t_ms - last < 5_000);
    s.end_shift(
        id,
        last,
        &json!({"closed_after_interruption": true}),
        &KeyFigures::default(),
    )
    .unwrap();
    assert!(s.unfinished_shifts().unwrap().is_empty());
    assert!(matches!(
        ShiftWriter::resume(s, id, WriterConfig::default()),
        Err(StoreError::ShiftEnded(_))
    ));
}

#[test]
fn a_resumed_shift_has_one_writer() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    let beats: Vec<Beat> = nsr2db_beats().into_iter().take(40).collect();
    let mut first = live_writer(&db, 0);
    first.push_beat(beats[0]).unwrap();
    first.flush().unwrap();
    let id = first.shift_id();
    // Another process resumes the same shift: the first writer must stop
    // writing (it would extend the same block) but keeps its data.
    let mut second =
        ShiftWriter::resume(Store::open(&db).unwrap(), id, WriterConfig::default()).unwrap();
    first.push_beat(beats[1]).unwrap();
    assert!(matches!(first.flush(), Err(StoreError::TakenOver(i)) if i == id));
    assert_eq!(first.unsaved_len(), 1);
    for b in &beats[1..] {
        second.push_beat(*b).unwrap();
    }
    second
        .finish(beats[39].t_ms, &json!({}), &KeyFigures::default())
        .unwrap();
    drop(second);
    first.simulate_kill();
    assert_eq!(saved_beats(&db, id), beats);
}

#[test]
fn drop_saves_pending_data() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    let beats: Vec<Beat> = nsr2db_beats().into_iter().take(7).collect();
    let mut w = live_writer(&db, 0);
    for b in &beats {
        w.push_beat(*b).unwrap();
    }
    let id = w.shift_id();
    drop(w);
    assert_eq!(saved_beats(&db, id), beats);
}

#[test]
fn history_trend_and_baseline_carry_over() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    let beats = nsr2db_beats();
    let mut ids = Vec::new();
    for day in 0..5i64 {
        let mut store = Store::open(&db).unwrap();
        // The baseline the new shift starts from is the last one saved.
        let carried = store.latest_baseline().unwrap();
        if day > 0 {
            assert_eq!(carried.unwrap().payload["hr_centre"], json!(60 + day - 1));
        } else {
            assert!(carried.is_none());
        }
        let t0 = beats[0].t_ms + day * 86_400_000;
        let id = store.create_shift(t0, ShiftSource::Live, None).unwrap();
        store
            .save_baseline(t0 + 1000, Some(id), &json!({"hr_centre": 60 + day}))
            .unwrap();
        store
            .end_shift(
                id,
                t0 + 43_200_000,
                &json!({"day": day}),
                &KeyFigures {
                    load_peak: Some(day as f64 * 10.0),
                    beats: Some(0),
                    ..Default::default()
                },
            )
            .unwrap();
        ids.push(id);
    }
    let s = Store::open(&db).unwrap();
    let trend = s.trend(3).unwrap();
    assert_eq!(trend.iter().map(|r| r.id).collect::<Vec<_>>(), ids[2..]);
    assert_eq!(trend[2].key.load_peak, Some(40.0));
    assert_eq!(s.shifts().unwrap().len(), 5);
    assert_eq!(s.last_shift().unwrap().unwrap().id, ids[4]);
    assert_eq!(s.baseline_history().unwrap().len(), 5);
}

#[test]
fn settings_round_trip() {
    let dir = tmp();
    let s = Store::open(dir.path().join("s.db")).unwrap();
    assert_eq!(s.setting("prompts").unwrap(), None);
    s.set_setting("prompts", &json!({"max_per_shift": 4}))
        .unwrap();
    s.set_setting("prompts", &json!({"max_per_shift": 3}))
        .unwrap();
    assert_eq!(
        s.setting("prompts").unwrap(),
        Some(json!({"max_per_shift": 3}))
    );
}

fn one_shift(db: &Path, beats: &[Beat]) -> i64 {
    let mut w = ShiftWriter::start(
        Store::open(db).unwrap(),
        beats[0].t_ms,
        ShiftSource::Import,
        None,
        WriterConfig::bulk(),
    )
    .unwrap();
    for b in beats {
        w.push_beat(*b).unwrap();
    }
    w.push_event(
        beats[1].t_ms,
        "reset",
        &json!({"protocol": "sigh", "delta_ln_rmssd": 0.3}),
    )
    .unwrap();
    w.store()
        .save_baseline(
            beats[2].t_ms,
            Some(w.shift_id()),
            &json!({"learning": true}),
        )
        .unwrap();
    w.finish(
        beats.last().unwrap().t_ms,
        &json!({"prompts_offered": 1}),
        &KeyFigures::default(),
    )
    .unwrap();
    w.shift_id()
}

#[test]
fn exports_csv_json_kubios() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    let mut beats: Vec<Beat> = nsr2db_beats().into_iter().take(50).collect();
    beats[3].corrected = true;
    let id = one_shift(&db, &beats);
    let s = Store::open(&db).unwrap();

    let mut csv = Vec::new();
    s.export_beats_csv(id, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "t_ms,rr_ms,corrected");
    assert_eq!(lines.len(), 51);
    assert_eq!(lines[4], format!("{},{},1", beats[3].t_ms, beats[3].rr_ms));
    let parsed: Vec<f64> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(parsed, beats.iter().map(|b| b.rr_ms).collect::<Vec<_>>());

    let mut js = Vec::new();
    s.export_json(id, &mut js).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&js).unwrap();
    assert_eq!(v["format"], "steady-shift");
    assert_eq!(v["shift"]["id"], id);
    assert_eq!(v["summary"]["prompts_offered"], 1);
    assert_eq!(v["events"][0]["kind"], "reset");
    assert_eq!(v["events"][0]["payload"]["protocol"], "sigh");
    assert_eq!(v["baselines"][0]["payload"]["learning"], true);

    let mut k = Vec::new();
    s.export_kubios(id, &mut k).unwrap();
    let k = String::from_utf8(k).unwrap();
    let rows: Vec<(f64, f64)> = k
        .lines()
        .map(|l| {
            let (t, rr) = l.split_once('\t').unwrap();
            (t.parse().unwrap(), rr.parse().unwrap())
        })
        .collect();
    assert_eq!(rows.len(), 50);
    let start = s.shift(id).unwrap().started_ms;
    for ((t, rr), b) in rows.iter().zip(&beats) {
        assert!((rr * 1000.0 - b.rr_ms).abs() < 0.001);
        assert!((t * 1000.0 - (b.t_ms - start) as f64).abs() < 0.5);
    }
}

#[test]
fn delete_one_and_all() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    let beats: Vec<Beat> = nsr2db_beats().into_iter().take(2000).collect();
    let a = one_shift(&db, &beats);
    let b = one_shift(&db, &beats);
    let mut s = Store::open(&db).unwrap();
    s.set_setting("x", &json!(1)).unwrap();
    s.delete_shift(a).unwrap();
    assert!(matches!(s.shift(a), Err(StoreError::NoSuchShift(_))));
    assert!(matches!(s.delete_shift(a), Err(StoreError::NoSuchShift(_))));
    assert_eq!(s.beats(b).unwrap().len(), 2000);
    let raw = Connection::open(&db).unwrap();
    let orphans: i64 = raw
        .query_row("SELECT (SELECT count(*) FROM beat_blocks WHERE shift_id = ?1) + (SELECT count(*) FROM events WHERE shift_id = ?1)", [a], |r| r.get(0))
        .unwrap();
    assert_eq!(orphans, 0);
    drop(raw);
    assert_eq!(s.delete_all().unwrap(), 1);
    assert!(s.shifts().unwrap().is_empty());
    assert!(s.baseline_history().unwrap().is_empty());
    assert_eq!(s.setting("x").unwrap(), Some(json!(1)));
    s.check_integrity().unwrap();
}

#[cfg(unix)]
#[test]
fn new_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp();
    let db = dir.path().join("sub/dir/s.db");
    let mut w = live_writer(&db, 0);
    w.push_beat(Beat {
        t_ms: 1000,
        rr_ms: 800.0,
        corrected: false,
    })
    .unwrap();
    w.flush().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&dir.path().join("sub/dir/s.db-wal")), 0o600);
    assert_eq!(mode(&dir.path().join("sub/dir/s.db-shm")), 0o600);
    assert_eq!(mode(&dir.path().join("sub/dir")), 0o700);
}

/// Opening must fail with `want` and leave the file byte-for-byte as it was,
/// with no journal files next to it.
fn assert_refused(path: &Path, want: fn(&StoreError) -> bool) {
    let before = std::fs::read(path).unwrap();
    let err = Store::open(path).unwrap_err();
    assert!(want(&err), "unexpected error: {err:?}");
    assert!(!err.to_string().is_empty());
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "{} was modified",
        path.display()
    );
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);
}

#[test]
fn foreign_and_corrupt_files_are_refused_and_left_untouched() {
    let dir = tmp();
    // Not SQLite at all.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "shopping list\n".repeat(400)).unwrap();
    assert_refused(&text, |e| matches!(e, StoreError::NotSqlite { .. }));
    let tiny = dir.path().join("tiny");
    std::fs::write(&tiny, b"SQLite").unwrap();
    assert_refused(&tiny, |e| matches!(e, StoreError::NotSqlite { .. }));

    // SQLite, but another application's (no id, and a different id).
    let other = dir.path().join("other.db");
    {
        let c = Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ann');")
            .unwrap();
    }
    assert_refused(&other, |e| {
        matches!(e, StoreError::Foreign { found: 0, .. })
    });
    let other2 = dir.path().join("other2.db");
    {
        let c = Connection::open(&other2).unwrap();
        c.execute_batch("PRAGMA application_id = 1234; CREATE TABLE t (x);")
            .unwrap();
    }
    assert_refused(&other2, |e| {
        matches!(e, StoreError::Foreign { found: 1234, .. })
    });

    // Ours, but damaged after the header.
    let damaged = dir.path().join("damaged.db");
    {
        let beats: Vec<Beat> = nsr2db_beats().into_iter().take(100).collect();
        one_shift(&damaged, &beats);
        Store::open(&damaged).unwrap().check_integrity().unwrap();
    }
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", damaged.display()));
    }
    let mut bytes = std::fs::read(&damaged).unwrap();
    for (i, b) in bytes.iter_mut().enumerate().skip(100).take(3996) {
        *b = (i * 7919 % 251) as u8;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    assert_refused(&damaged, |e| matches!(e, StoreError::Corrupt { .. }));

    // Ours, from a newer Steady.
    let newer = dir.path().join("newer.db");
    drop(Store::open(&newer).unwrap());
    {
        let c = Connection::open(&newer).unwrap();
        c.pragma_update(None, "user_version", current_version() + 1)
            .unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")
            .unwrap();
    }
    assert_refused(&newer, |e| matches!(e, StoreError::TooNew { .. }));
}

/// Builds a database at schema `version` with the DDL of that version (the
/// migration list up to it) and data that version could hold.
fn build_old(path: &Path, version: usize, beats: &[Beat]) {
    let c = Connection::open(path).unwrap();
    if version == 0 {
        // A blank SQLite file, as left by a kill before the first migration.
        c.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        return;
    }
    for m in &MIGRATIONS[..version] {
        c.execute_batch(m.sql).unwrap();
    }
    c.pragma_update(None, "user_version", version as i64)
        .unwrap();
    c.pragma_update(None, "application_id", APPLICATION_ID)
        .unwrap();
    c.execute(
        "INSERT INTO shifts (id, started_ms, source) VALUES (7, ?1, 'live')",
        [beats[0].t_ms],
    )
    .unwrap();
    c.execute(
        "INSERT INTO beat_blocks (shift_id, seq, t_first, t_last, n, data) VALUES (7, 0, ?1, ?2, ?3, ?4)",
        rusqlite::params![beats[0].t_ms, beats.last().unwrap().t_ms, beats.len() as i64, encode_beats(beats).unwrap()],
    )
    .unwrap();
    c.execute("INSERT INTO events (shift_id, t_ms, kind, payload) VALUES (7, 5, 'snooze', '{\"min\":20}')", [])
        .unwrap();
    c.execute(
        "INSERT INTO settings (key, value) VALUES ('quiet', 'true')",
        [],
    )
    .unwrap();
    if version >= 2 {
        let s = [Sample {
            t_ms: 9,
            value: 3.0,
        }];
        c.execute(
            "INSERT INTO sample_blocks (shift_id, kind, seq, t_first, t_last, n, data) VALUES (7, 'motion', 0, 9, 9, 1, ?1)",
            [encode_samples(&s)],
        )
        .unwrap();
        c.execute(
            "INSERT INTO baselines (t_ms, shift_id, payload) VALUES (1, 7, '{\"hr\":61}')",
            [],
        )
        .unwrap();
    }
}

#[test]
fn opens_every_earlier_schema_version() {
    let dir = tmp();
    let beats: Vec<Beat> = nsr2db_beats().into_iter().take(300).collect();
    assert!(current_version() >= 3);
    // The empty file (created and killed before any SQLite write).
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(
        Store::open(&empty).unwrap().schema_version().unwrap(),
        current_version()
    );
    for version in 0..current_version() as usize {
        let path = dir.path().join(format!("v{version}.db"));
        build_old(&path, version, &beats);
        let mut s = Store::open(&path).unwrap_or_else(|e| panic!("v{version}: {e}"));
        assert_eq!(s.schema_version().unwrap(), current_version(), "v{version}");
        if version >= 1 {
            assert_eq!(s.beats(7).unwrap(), beats, "v{version}");
            assert_eq!(s.events(7).unwrap()[0].payload, json!({"min": 20}));
            assert_eq!(s.setting("quiet").unwrap(), Some(json!(true)));
            assert_eq!(s.unfinished_shifts().unwrap().len(), 1);
            // The old, unfinished shift resumes and ends with today's schema.
            let mut w = ShiftWriter::resume(s, 7, WriterConfig::default()).unwrap();
            let next = Beat {
                t_ms: beats.last().unwrap().t_ms + 800,
                rr_ms: 800.0,
                corrected: false,
            };
            w.push_beat(next).unwrap();
            w.finish(
                next.t_ms,
                &json!({}),
                &KeyFigures {
                    load_end: Some(2.5),
                    ..Default::default()
                },
            )
            .unwrap();
            drop(w);
            s = Store::open(&path).unwrap();
            assert_eq!(s.beats(7).unwrap().len(), beats.len() + 1);
            assert_eq!(s.trend(10).unwrap()[0].key.load_end, Some(2.5));
            assert_eq!(
                s.trend(10).unwrap()[0].key.beats,
                Some(beats.len() as i64 + 1)
            );
        }
        if version >= 2 {
            assert_eq!(s.samples(7, SampleKind::Motion).unwrap().len(), 1);
            assert_eq!(
                s.latest_baseline().unwrap().unwrap().payload,
                json!({"hr": 61})
            );
        }
        s.check_integrity().unwrap();
    }
}

/// A live writer on a disk that is "full" from the start: its writer
/// thread's connection may add no page (its journal still takes writes).
fn full_disk_writer(db: &Path, t0: i64) -> ShiftWriter {
    let mut w = ShiftWriter::start(
        Store::open(db).unwrap(),
        t0,
        ShiftSource::Live,
        None,
        WriterConfig {
            // Folds every 5 s of data, so the full "disk" shows within the
            // tests' few thousand beats (and well before the stop).
            fold_after_ms: Some(5_000),
            ..WriterConfig::default()
        },
    )
    .unwrap();
    let pages = w.store().page_count().unwrap();
    w.set_max_page_count(pages).unwrap();
    w
}

#[test]
fn full_disk_keeps_data_in_memory_and_retries() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    let beats: Vec<Beat> = nsr2db_beats().into_iter().take(12_000).collect();
    let mut w = full_disk_writer(&db, beats[0].t_ms);
    let id = w.shift_id();
    let mut full_errors = 0;
    let mut i = 0;
    while full_errors < 3 {
        match w.push_beat(beats[i]) {
            Ok(()) => {}
            Err(StoreError::Full) => full_errors += 1,
            Err(e) => panic!("unexpected {e}"),
        }
        i += 1;
        assert!(i < 11_000, "the page cap never filled up");
    }
    assert!(w.unsaved_len() > 0);
    assert!(w.last_error().unwrap().contains("full"));
    // Space comes back: the next due save writes everything kept in memory.
    w.set_max_page_count(1 << 30).unwrap();
    for b in &beats[i..] {
        w.push_beat(*b).unwrap();
    }
    w.finish(
        beats.last().unwrap().t_ms,
        &json!({}),
        &KeyFigures::default(),
    )
    .unwrap();
    drop(w);
    assert_eq!(saved_beats(&db, id), beats);
}

/// The live way (what `RunningShift` does once a second): an HR sample and
/// the packet's beats, then a tick. The ticks journal the data at 4 s of
/// unsaved data (one record), so when a call returns nothing older than
/// 5 s is neither journaled nor committed: a kill at any return loses at
/// most 5 s. The writer thread folds the journal into the database every
/// `FOLD_AFTER_MS` of data: nothing older than twice that (a slower fold
/// makes the caller wait) is missing from the database.
#[test]
fn ticks_journal_every_4s_so_a_kill_loses_at_most_5s_and_folds_reach_the_database() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    let beats: Vec<Beat> = nsr2db_beats().into_iter().take(3000).collect();
    let t0 = beats[0].t_ms - 1000;
    let mut w = live_writer(&db, t0);
    assert_eq!(w.handover_after_ms(), 4_000);
    let id = w.shift_id();
    let reader = Store::open(&db).unwrap();
    let mut next = 0;
    let mut now = t0;
    let mut hr = Vec::new();
    while next < beats.len() {
        now += 1000;
        // The packet at `now`: its heart rate, then its beats (older).
        w.push_sample(SampleKind::Hr, now, 60.0).unwrap();
        hr.push(now);
        while next < beats.len() && beats[next].t_ms <= now {
            w.push_beat(beats[next]).unwrap();
            next += 1;
        }
        w.tick(now).unwrap();
        let in_db = reader.beat_count(id).unwrap() as usize;
        let (saved_beats, saved_hr) = reader.durable_counts(id).unwrap();
        let must_db = beats[..next]
            .iter()
            .filter(|b| b.t_ms <= now - 2 * FOLD_AFTER_MS)
            .count();
        assert!(
            in_db >= must_db,
            "at {now}: {in_db} beats in the database, {must_db} are older than two folds"
        );
        let must_beats = beats[..next]
            .iter()
            .filter(|b| b.t_ms <= now - 5_000)
            .count();
        let must_hr = hr.iter().filter(|&&t| t <= now - 5_000).count();
        assert!(
            saved_beats >= must_beats && saved_hr >= must_hr,
            "at {now}: {saved_beats} beats and {saved_hr} HR samples journaled or committed, {must_beats} and {must_hr} are older than 5 s"
        );
    }
    w.finish(now, &json!({}), &KeyFigures::default()).unwrap();
    drop(w);
    assert_eq!(saved_beats(&db, id), beats);
    assert_eq!(reader.samples(id, SampleKind::Hr).unwrap().len(), hr.len());
}

/// A save that fails on the writer thread reaches the caller at the end
/// too: `finish` returns the typed error, keeps everything, and a second
/// `finish` saves it all.
#[test]
fn a_failed_save_reaches_finish_and_nothing_is_lost() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    let beats: Vec<Beat> = nsr2db_beats().into_iter().take(2000).collect();
    let mut w = full_disk_writer(&db, beats[0].t_ms);
    let id = w.shift_id();
    let mut full = 0;
    for b in &beats {
        // Saves fail meanwhile once the file is full (returned by a later
        // call): kept.
        match w.push_beat(*b) {
            Ok(()) => {}
            Err(StoreError::Full) => full += 1,
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert!(full > 0);
    let end = beats.last().unwrap().t_ms;
    assert!(matches!(
        w.finish(end, &json!({}), &KeyFigures::default()),
        Err(StoreError::Full)
    ));
    // What did not fit is kept, after what did.
    let unsaved = w.unsaved_len();
    assert!(unsaved > 0);
    assert_eq!(saved_beats(&db, id).len() + unsaved, beats.len());
    w.set_max_page_count(1 << 30).unwrap();
    w.finish(end, &json!({}), &KeyFigures::default()).unwrap();
    drop(w);
    assert_eq!(saved_beats(&db, id), beats);
}

#[test]
fn invalid_beats_are_rejected_not_stored() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    let mut w = live_writer(&db, 0);
    let bad = Beat {
        t_ms: 5,
        rr_ms: f64::NAN,
        corrected: false,
    };
    assert!(matches!(w.push_beat(bad), Err(StoreError::InvalidBeat(_))));
    let good = Beat {
        t_ms: 805,
        rr_ms: 800.0,
        corrected: false,
    };
    w.push_beat(good).unwrap();
    let id = w.shift_id();
    drop(w);
    assert_eq!(saved_beats(&db, id), vec![good]);
}

#[test]
fn two_connections_write_concurrently() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    drop(Store::open(&db).unwrap());
    let beats: Vec<Beat> = nsr2db_beats().into_iter().take(3000).collect();
    let handles: Vec<_> = (0..2)
        .map(|k| {
            let db = db.clone();
            let beats = beats.clone();
            std::thread::spawn(move || {
                let cfg = WriterConfig {
                    flush_after_ms: 1000,
                    retry_after_ms: 0,
                    // Journaled and folded every second of data: many
                    // commits racing.
                    fold_after_ms: Some(1000),
                    ..WriterConfig::default()
                };
                let mut w =
                    ShiftWriter::start(Store::open(&db).unwrap(), k, ShiftSource::Live, None, cfg)
                        .unwrap();
                for b in &beats {
                    w.push_beat(*b).unwrap();
                }
                w.finish(
                    beats.last().unwrap().t_ms,
                    &json!({"k": k}),
                    &KeyFigures::default(),
                )
                .unwrap();
                w.shift_id()
            })
        })
        .collect();
    let ids: Vec<i64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let s = Store::open(&db).unwrap();
    for id in ids {
        assert_eq!(s.beats(id).unwrap(), beats);
    }
    s.check_integrity().unwrap();
}

#[test]
fn two_processes_write_one_database() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    drop(Store::open(&db).unwrap());
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|k| {
            std::process::Command::new(&exe)
                .args([
                    "--exact",
                    "child_process_writer",
                    "--ignored",
                    "--test-threads=1",
                ])
                .env("STEADY_CHILD_DB", &db)
                .env("STEADY_CHILD_K", k.to_string())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    // Read while they write.
    let s = Store::open(&db).unwrap();
    for _ in 0..20 {
        for r in s.shifts().unwrap() {
            s.beats(r.id).unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let shifts = s.shifts().unwrap();
    assert_eq!(shifts.len(), 2);
    let want: Vec<Beat> = nsr2db_beats().into_iter().take(4000).collect();
    for r in shifts {
        assert!(r.ended_ms.is_some());
        assert_eq!(s.beats(r.id).unwrap(), want);
        assert_eq!(s.events(r.id).unwrap().len(), 40);
    }
    s.check_integrity().unwrap();
}

/// Runs inside the child processes of `two_processes_write_one_database`.
#[test]
#[ignore = "child process of two_processes_write_one_database"]
fn child_process_writer() {
    let db = std::env::var("STEADY_CHILD_DB").expect("run by two_processes_write_one_database");
    let k: i64 = std::env::var("STEADY_CHILD_K").unwrap().parse().unwrap();
    let beats: Vec<Beat> = nsr2db_beats().into_iter().take(4000).collect();
    let cfg = WriterConfig {
        flush_after_ms: 1000,
        retry_after_ms: 0,
        // Journaled and folded every second of data: many commits racing.
        fold_after_ms: Some(1000),
        ..WriterConfig::default()
    };
    let mut w =
        ShiftWriter::start(Store::open(&db).unwrap(), k, ShiftSource::Live, None, cfg).unwrap();
    for (i, b) in beats.iter().enumerate() {
        w.push_beat(*b).unwrap();
        if i % 100 == 0 {
            w.push_event(b.t_ms, "gauge", &json!({"i": i})).unwrap();
        }
    }
    w.finish(
        beats.last().unwrap().t_ms,
        &json!({}),
        &KeyFigures::default(),
    )
    .unwrap();
}

/// Storage per beat on a real 24-hour Holter recording, written the live
/// way (a save every 5 s of data), including indexes and every other page
/// of the file. Target: at most 4 bytes per beat.
#[test]
fn storage_is_at_most_4_bytes_per_beat_on_24h_holter() {
    let dir = tmp();
    let db = dir.path().join("s.db");
    let beats = nsr2db_beats();
    assert!(beats.len() > 100_000);
    let empty = Store::open(&db).unwrap().used_bytes().unwrap();
    let mut w = ShiftWriter::start(
        Store::open(&db).unwrap(),
        beats[0].t_ms,
        ShiftSource::Replay,
        None,
        WriterConfig::default(),
    )
    .unwrap();
    for b in &beats {
        w.push_beat(*b).unwrap();
    }
    w.finish(
        beats.last().unwrap().t_ms,
        &json!({}),
        &KeyFigures::default(),
    )
    .unwrap();
    let id = w.shift_id();
    drop(w);
    let s = Store::open(&db).unwrap();
    let used = s.used_bytes().unwrap();
    let per_beat_total = used as f64 / beats.len() as f64;
    let per_beat_data = (used - empty) as f64 / beats.len() as f64;
    println!(
        "nsr2db nsr001: {} beats, file {} bytes in use ({} empty schema): {per_beat_total:.3} B/beat whole file, {per_beat_data:.3} B/beat for the shift",
        beats.len(),
        used,
        empty
    );
    assert!(per_beat_total <= 4.0, "{per_beat_total} bytes per beat");
    // Blocks are sealed before they outgrow one 4 KiB page (no overflow).
    let c = Connection::open(&db).unwrap();
    let (blocks, largest): (i64, i64) = c
        .query_row(
            "SELECT count(*), max(length(data)) FROM beat_blocks",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    println!("{blocks} blocks, largest {largest} bytes");
    assert!(largest <= 4000, "block of {largest} bytes");
    assert_eq!(s.beats(id).unwrap(), beats);
}

/// A shift ended under schema v3 (key figures, no recovery columns) reads
/// back after the v4 migration with the recovery figures unknown, keeps its
/// digest for the trend, and appears in the arc.
#[test]
fn a_v3_shift_keeps_its_figures_and_has_no_recovery_after_v4() {
    let dir = tmp();
    let path = dir.path().join("v3.db");
    let beats: Vec<Beat> = nsr2db_beats().into_iter().take(300).collect();
    build_old(&path, 3, &beats);
    {
        let c = Connection::open(&path).unwrap();
        c.execute(
            "UPDATE shifts SET ended_ms = ?1, duration_s = 600, activated_share = 0.1, baseline_share = 0.8, returns_to_baseline = 2, returns_per_hour = 12, longest_without_return_s = 60, load_start = 0, load_peak = 1.5, load_end = 1.0 WHERE id = 7",
            [beats.last().unwrap().t_ms],
        )
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), 4);
    let rec = s.shift(7).unwrap();
    assert_eq!(rec.key.load_end, Some(1.0));
    assert_eq!(
        (
            rec.key.activation_episodes,
            rec.key.median_recovery_s,
            rec.key.not_recovered_share
        ),
        (None, None, None)
    );
    let d = rec.digest().expect("a v3 shift still has a digest");
    assert_eq!((d.median_recovery_s, d.not_recovered_share), (None, None));
    let arc = s
        .shift_arc(28, &steady_core::shift::ShiftConfig::default())
        .unwrap();
    assert_eq!(arc.points.len(), 1);
    assert_eq!(arc.points[0].shift.load_end, Some(1.0));
    assert_eq!(arc.points[0].shift.median_recovery_s, None);
}

/// A failed write on a 0400 database left a 0400 `-shm`; once the user
/// gave the database its 0600 back, every command still failed (for a
/// non-root user) until that file was deleted by hand. Opening now gives
/// `-wal`/`-shm` the database's mode back.
#[cfg(unix)]
#[test]
fn a_shm_left_with_another_mode_gets_the_databases_mode_back() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp();
    let db = dir.path().join("s.db");
    drop(Store::open(&db).unwrap());
    let shm = PathBuf::from(format!("{}-shm", db.display()));
    std::fs::write(&shm, vec![0u8; 32768]).unwrap();
    std::fs::set_permissions(&shm, std::fs::Permissions::from_mode(0o400)).unwrap();
    let store = Store::open(&db).unwrap();
    let mode = std::fs::metadata(&shm).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    assert!(store.shifts().unwrap().is_empty());
}

#[test]
fn processes_creating_the_same_new_database_at_once_all_open_it() {
    // Two `steady` commands started together on a new database (or a test
    // polling one an import is creating) used to fail one of them with
    // "the database is busy": a lock deadlock SQLite does not wait out.
    for round in 0..30 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("new-{round}.db"));
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(6));
        let opens: Vec<_> = (0..6)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&path).map(|_| ())
                })
            })
            .collect();
        for o in opens {
            let r = o.join().unwrap();
            assert!(r.is_ok(), "round {round}: {r:?}");
        }
    }
}
