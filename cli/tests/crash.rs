//! The crash test: a real `steady replay` process, playing in sped-up real
//! time, is killed with SIGKILL mid-shift. The next start refuses to guess,
//! then either resumes the same shift (`--resume`) or closes it with a
//! summary (`--close-unfinished`), and at most the last 5 s of data were
//! lost at the kill.
#[path = "../../core/tests/common/mod.rs"]
mod common;
use common::shared_data;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use steady_core::Millis;
use steady_core::beats::Beat;
use steady_core::store::Store;

fn recording() -> PathBuf {
    // 620 real Polar H10 intervals, about 10 minutes.
    shared_data().join("polar-h10/sample_data_ibi.csv")
}

fn steady(args: &[&str], db: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap()
}

/// `+m:ss` / `+h:mm:ss` at the start of a replay line, in ms.
fn line_time_ms(line: &str) -> Option<Millis> {
    let clock = line.strip_prefix('+')?.split_whitespace().next()?;
    let mut s = 0i64;
    for part in clock.split(':') {
        s = s * 60 + part.parse::<i64>().ok()?;
    }
    Some(s * 1000)
}

/// Starts a sped-up real-time replay, kills it with SIGKILL once it has
/// printed a refresh at or after `kill_after_ms` of data, and returns the
/// data time of the last line it printed before dying.
fn replay_and_kill(db: &Path, kill_after_ms: Millis) -> Millis {
    let file = recording();
    let mut child = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args([
            "replay",
            file.to_str().unwrap(),
            "--speed",
            "40",
            "--db",
            db.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut last = 0;
    for line in lines.by_ref() {
        if let Some(t) = line_time_ms(&line.unwrap()) {
            last = t;
            if t >= kill_after_ms {
                break;
            }
        }
    }
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no final save
    child.wait().unwrap();
    // Lines printed between our read and the kill.
    for line in lines {
        if let Some(t) = line.ok().as_deref().and_then(line_time_ms) {
            last = last.max(t);
        }
    }
    assert!(
        last >= kill_after_ms,
        "the replay ended before it could be killed"
    );
    last
}

/// The beats an uninterrupted run stores, and that run's shift.
fn reference(dir: &Path) -> (Vec<Beat>, Millis, Store, i64) {
    let db = dir.join("reference.db");
    let out = steady(&["replay", recording().to_str().unwrap()], &db);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = Store::open(&db).unwrap();
    let rec = s.last_shift().unwrap().unwrap();
    (s.beats(rec.id).unwrap(), rec.started_ms, s, rec.id)
}

/// After a kill: the stored beats are an exact prefix of the reference, and
/// every beat older than 5 s before the last progress line is among them.
fn check_loss(db: &Path, reference: &[Beat], origin: Millis, last_line_ms: Millis) -> (i64, usize) {
    let s = Store::open(db).unwrap();
    let open = s.unfinished_shifts().unwrap();
    assert_eq!(open.len(), 1, "the killed shift must be found unfinished");
    let stored = s.beats(open[0].id).unwrap();
    assert!(!stored.is_empty());
    assert_eq!(
        stored[..],
        reference[..stored.len()],
        "stored beats differ from an uninterrupted run"
    );
    let must_have = reference
        .iter()
        .filter(|b| b.t_ms - origin < last_line_ms - 5_000)
        .count();
    assert!(
        stored.len() >= must_have,
        "lost more than 5 s: {} beats stored, {} are older than 5 s before the last progress line at {} ms",
        stored.len(),
        must_have,
        last_line_ms
    );
    let lag = last_line_ms - (stored.last().unwrap().t_ms - origin);
    eprintln!("killed at >= {last_line_ms} ms of data; last stored beat {lag} ms before it");
    (open[0].id, stored.len())
}

#[cfg(unix)]
#[test]
fn killed_replay_resumes_the_same_shift() {
    let dir = tempfile::tempdir().unwrap();
    let (reference, origin, ref_store, ref_id) = reference(dir.path());
    let db = dir.path().join("s.db");
    let last = replay_and_kill(&db, 120_000);
    let (id, saved) = check_loss(&db, &reference, origin, last);
    assert!(saved < reference.len());

    // The next start does not guess what to do with it.
    let file = recording();
    let file = file.to_str().unwrap();
    let refused = steady(&["replay", file], &db);
    assert!(!refused.status.success());
    let msg = String::from_utf8_lossy(&refused.stderr);
    assert!(
        msg.contains("--resume") && msg.contains("--close-unfinished"),
        "{msg}"
    );

    // --resume continues the same shift; it ends exactly as an
    // uninterrupted run would have.
    let out = steady(&["replay", file, "--speed", "2000", "--resume"], &db);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("resuming shift {id}")));
    let s = Store::open(&db).unwrap();
    let shifts = s.shifts().unwrap();
    assert_eq!(shifts.len(), 1);
    assert_eq!(shifts[0].id, id);
    assert!(shifts[0].ended_ms.is_some());
    assert_eq!(s.beats(id).unwrap(), reference);
    // The model is deterministic: same events, same summary as the
    // uninterrupted run.
    assert_eq!(s.events(id).unwrap(), ref_store.events(ref_id).unwrap());
    let summary = s
        .model_summary(id)
        .unwrap()
        .expect("the model's summary is stored");
    assert_eq!(Some(summary), ref_store.model_summary(ref_id).unwrap());
    assert_eq!(
        s.shift(id).unwrap().key,
        ref_store.shift(ref_id).unwrap().key
    );
}

#[cfg(unix)]
#[test]
fn killed_replay_can_be_closed_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let (reference, origin, _, _) = reference(dir.path());
    let db = dir.path().join("s.db");
    let last = replay_and_kill(&db, 60_000);
    let (id, saved) = check_loss(&db, &reference, origin, last);

    let file = recording();
    let out = steady(
        &["replay", file.to_str().unwrap(), "--close-unfinished"],
        &db,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = Store::open(&db).unwrap();
    let closed = s.shift(id).unwrap();
    assert!(closed.ended_ms.is_some());
    assert_eq!(closed.key.beats, Some(saved as i64));
    let summary = s.summary(id).unwrap().unwrap();
    assert_eq!(summary["interrupted"], true);
    // The model's summary of what was saved, ending at the last saved data.
    let model = s.model_summary(id).unwrap().expect("a model summary");
    assert_eq!(model.signal.beats, saved as u64);
    assert_eq!(Some(model.end_ms), closed.ended_ms);
    // And a new, complete shift was recorded after it.
    let shifts = s.shifts().unwrap();
    assert_eq!(shifts.len(), 2);
    assert!(s.unfinished_shifts().unwrap().is_empty());
    assert_eq!(s.beats(shifts[1].id).unwrap(), reference);
}
