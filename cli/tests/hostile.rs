//! Regressions from a hostile run of `steady` (issue #10): nothing lost,
//! no panic, no state the tool cannot close, no false message.
#[path = "../../core/tests/common/mod.rs"]
mod common;
use common::shared_data;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// 10 minutes of real Polar H10 RR (620 beats).
fn sample() -> PathBuf {
    shared_data().join("polar-h10/sample_rr_ms.txt")
}

fn steady(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    text(&out.stdout)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The stored shifts as `steady shifts --json` lists them.
fn shifts(db: &Path) -> Vec<Value> {
    let out = ok(steady(&["shifts", "--json", "--db", s(db)]));
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn imported(dir: &Path) -> PathBuf {
    let db = dir.join("t.db");
    ok(steady(&["import", s(&sample()), "--db", s(&db)]));
    assert_eq!(shifts(&db).len(), 1);
    db
}

#[test]
fn export_never_writes_over_the_open_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&db, dir.path().join("link.db")).unwrap();
    let size = std::fs::metadata(&db).unwrap().len();
    let mut targets = vec![
        db.clone(),
        dir.path().join("sub/../t.db"),
        PathBuf::from(format!("{}-wal", db.display())),
        PathBuf::from(format!("{}-shm", db.display())),
    ];
    #[cfg(unix)]
    targets.push(dir.path().join("link.db"));
    for out in &targets {
        for force in [true, false] {
            let mut args = vec![
                "export",
                "1",
                "--format",
                "kubios",
                "--out",
                s(out),
                "--db",
                s(&db),
            ];
            if force {
                args.push("--force");
            }
            let r = steady(&args);
            let err = text(&r.stderr);
            assert!(
                !r.status.success(),
                "{}: export over the database ran",
                out.display()
            );
            assert!(err.contains("database"), "{err}");
            assert!(!err.contains("--force"), "{err}");
            assert_eq!(shifts(&db).len(), 1, "{}: a shift was lost", out.display());
            assert!(std::fs::metadata(&db).unwrap().len() >= size);
        }
    }
    // A missing folder is said, without suggesting --force.
    let r = steady(&[
        "export",
        "1",
        "--format",
        "csv",
        "--out",
        s(&dir.path().join("nowhere/x.csv")),
        "--db",
        s(&db),
    ]);
    let err = text(&r.stderr);
    assert!(!r.status.success());
    assert!(
        err.contains("does not exist") && !err.contains("--force"),
        "{err}"
    );
}

/// Runs `steady` with its stdout closed before it writes anything (as
/// `| head -0` would): a closed pipe is not an error and never a panic.
fn with_closed_stdout(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

#[test]
fn a_closed_pipe_is_quiet_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    let f = sample();
    let cases: Vec<Vec<&str>> = vec![
        vec!["analyze", s(&f)],
        vec!["analyze", s(&f), "--json"],
        vec!["shifts", "--db", s(&db)],
        vec!["summary", "last", "--db", s(&db)],
        vec![
            "export",
            "1",
            "--format",
            "csv",
            "--out",
            "-",
            "--db",
            s(&db),
        ],
        vec!["import", s(&f), "--db", s(&db), "--allow-duplicate"],
        vec!["replay", s(&f), "--db", s(&db)],
        vec!["demo", "--no-store", "--speed", "1000000"],
    ];
    for args in &cases {
        let r = with_closed_stdout(args);
        let err = text(&r.stderr);
        assert!(r.status.success(), "{args:?}: {:?} {err}", r.status);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
    }
    // The replay still stored and ended its shift.
    let all = shifts(&db);
    assert!(all.iter().all(|r| !r["ended_ms"].is_null()), "{all:?}");
    assert!(all.iter().any(|r| r["source"] == "replay"), "{all:?}");
}

#[test]
fn numeric_flags_out_of_range_are_usage_errors() {
    let f = sample();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["replay", s(&f), "--no-store", "--speed", "1e-20"],
            "--speed",
        ),
        (
            vec!["replay", s(&f), "--no-store", "--speed", "0"],
            "--speed",
        ),
        (
            vec!["replay", s(&f), "--no-store", "--speed", "nan"],
            "--speed",
        ),
        (vec!["demo", "--no-store", "--speed", "1e300"], "--speed"),
        (vec!["analyze", s(&f), "--window=-5"], "--window"),
        (vec!["scan", "--timeout", "1e300"], "--timeout"),
        (
            vec!["live", "--duration", "1e300", "--no-store"],
            "--duration",
        ),
    ];
    for (args, flag) in &cases {
        let r = steady(args);
        let err = text(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(flag) && err.contains("between"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn db_is_accepted_before_the_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("g.db");
    ok(steady(&["--db", s(&db), "import", s(&sample())]));
    let out = ok(steady(&["--db", s(&db), "shifts", "--json"]));
    assert_eq!(
        serde_json::from_str::<Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(shifts(&db).len(), 1);
}

#[test]
fn importing_the_same_content_twice_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    // The same bytes under another name are the same recording.
    let copy = dir.path().join("copy.txt");
    std::fs::copy(sample(), &copy).unwrap();
    let r = steady(&["import", s(&copy), "--db", s(&db)]);
    let err = text(&r.stderr);
    assert!(!r.status.success(), "a duplicate was imported");
    assert!(
        err.contains("already imported as shift 1") && err.contains("--allow-duplicate"),
        "{err}"
    );
    assert_eq!(shifts(&db).len(), 1);
    ok(steady(&[
        "import",
        s(&copy),
        "--db",
        s(&db),
        "--allow-duplicate",
    ]));
    assert_eq!(shifts(&db).len(), 2);
    // Other content is not a duplicate.
    let other = dir.path().join("other.txt");
    let body = std::fs::read_to_string(sample()).unwrap();
    std::fs::write(&other, body.lines().skip(1).collect::<Vec<_>>().join("\n")).unwrap();
    ok(steady(&["import", s(&other), "--db", s(&db)]));
    assert_eq!(shifts(&db).len(), 3);
}

/// Sends signal `sig` (`TERM`, `INT`, `HUP`) to process `pid` with the
/// shell's built-in `kill` (every POSIX `sh` has one).
fn send(sig: &str, pid: u32) -> std::process::ExitStatus {
    Command::new("sh")
        .args(["-c", &format!("kill -{sig} {pid}")])
        .status()
        .unwrap()
}

/// Sends `sig` to a running `steady` once it has printed `after` lines.
fn signal_after(args: &[&str], sig: &str, after: usize) -> Output {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..after {
        lines.next().unwrap().unwrap();
    }
    let k = send(sig, child.id());
    assert!(k.success());
    for _ in lines {}
    child.wait_with_output().unwrap()
}

#[test]
fn term_int_and_hup_end_a_storing_replay_cleanly() {
    for sig in ["TERM", "INT", "HUP"] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("r.db");
        // 10 min of data at 20x: 30 s unless stopped.
        let r = signal_after(
            &["replay", s(&sample()), "--speed", "20", "--db", s(&db)],
            sig,
            3,
        );
        let err = text(&r.stderr);
        assert!(r.status.success(), "SIG{sig}: {:?} {err}", r.status);
        assert!(err.contains(&format!("stopped by SIG{sig}")), "{err}");
        let all = shifts(&db);
        assert_eq!(all.len(), 1, "{all:?}");
        assert!(!all[0]["ended_ms"].is_null(), "SIG{sig} left {all:?}");
        // Ended early: a few refreshes, not the whole 10 minutes.
        let length = all[0]["ended_ms"].as_i64().unwrap() - all[0]["started_ms"].as_i64().unwrap();
        assert!(length < 300_000, "{length} ms");
    }
}

#[test]
fn an_interrupted_import_leaves_a_shift_its_own_hint_closes() {
    use steady_core::running::RunningShift;
    use steady_core::shift::ShiftConfig;
    use steady_core::store::{ShiftSource, Store, WriterConfig};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    // What a SIGKILL in an import's first moments leaves: the shift row,
    // nothing else (an import saves once, at its end).
    {
        let store = Store::open(&db).unwrap();
        let setup = store.shift_setup(0, ShiftConfig::default()).unwrap();
        let (session, _) = RunningShift::start_recorded(
            store,
            setup,
            0,
            ShiftSource::Import,
            Some("sample_rr_ms.txt"),
            WriterConfig::bulk(),
        )
        .unwrap();
        drop(session);
    }
    let summary = ok(steady(&["summary", "last", "--db", s(&db)]));
    assert!(summary.contains("steady delete 1"), "{summary}");
    assert!(!summary.contains("--close-unfinished"), "{summary}");
    // The hint works, and the file imports afresh.
    ok(steady(&["delete", "1", "--db", s(&db)]));
    ok(steady(&["import", s(&sample()), "--db", s(&db)]));
    let all = shifts(&db);
    assert_eq!(all.len(), 1);
    assert!(!all[0]["ended_ms"].is_null());
}

#[test]
fn a_stopped_import_stores_nothing() {
    // The 24-h Holter (about 100,000 beats) takes long enough to be stopped.
    let holter = shared_data().join("physionet-nsr2db/nsr2db_nsr001_rr_secs.txt");
    let mut stopped = 0;
    for sig in ["TERM", "INT", "HUP"] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("i.db");
        let out = signal_import_once_stored(&holter, &db, sig);
        let err = text(&out.stderr);
        if out.status.success() {
            // Finished before the signal arrived: one whole shift.
            let all = shifts(&db);
            assert!(all.len() == 1 && !all[0]["ended_ms"].is_null(), "{all:?}");
        } else {
            assert!(
                err.contains(&format!("stopped by SIG{sig}"))
                    && err.contains("nothing was imported"),
                "{err}"
            );
            assert!(shifts(&db).is_empty(), "SIG{sig}: {:?}", shifts(&db));
            stopped += 1;
        }
    }
    // Else the signal path was never exercised.
    assert!(stopped > 0, "every import finished before its signal");
}

#[cfg(unix)]
#[test]
fn a_killed_import_leaves_nothing_or_a_shift_its_own_hint_closes() {
    let holter = shared_data().join("physionet-nsr2db/nsr2db_nsr001_rr_secs.txt");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    // No handler runs on SIGKILL.
    let out = signal_import_once_stored(&holter, &db, "KILL");
    assert!(!out.status.success(), "the import finished before SIGKILL");
    let all = shifts(&db);
    assert!(all.len() <= 1, "{all:?}");
    if let Some(row) = all.first().filter(|r| r["ended_ms"].is_null()) {
        // Unfinished: `summary last` names the command that closes it.
        let id = row["id"].to_string();
        let summary = ok(steady(&["summary", "last", "--db", s(&db)]));
        let hint = format!("steady delete {id}");
        assert!(summary.contains(&hint), "{summary}");
        ok(steady(&["delete", &id, "--db", s(&db)]));
        assert!(shifts(&db).is_empty());
    }
    // Either way the file imports afresh, and is not called a duplicate.
    ok(steady(&["import", s(&holter), "--db", s(&db)]));
    let all = shifts(&db);
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(!all[0]["ended_ms"].is_null());
}

/// Runs `steady import file --db db`, sends it `sig` as soon as its shift
/// row exists, and returns its output.
fn signal_import_once_stored(file: &Path, db: &Path, sig: &str) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["import", s(file), "--db", s(db)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while shift_rows(db) == 0 && t0.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(send(sig, child.id()).success());
    child.wait_with_output().unwrap()
}

/// Shift rows in the database (0 while it does not exist yet).
fn shift_rows(db: &Path) -> usize {
    if !db.exists() {
        return 0;
    }
    steady_core::store::Store::open(db)
        .and_then(|s| s.shifts())
        .map_or(0, |v| v.len())
}

#[test]
fn wrong_inputs_say_what_was_expected_and_what_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let w = |name: &str, bytes: &[u8]| {
        let p = d.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    std::fs::create_dir(d.join("notes")).unwrap();
    w("notes/a.txt", b"hello");
    std::fs::create_dir(d.join("empty")).unwrap();
    let rr = w("rr.txt", b"800\n900\n");
    let utf16: Vec<u8> = "800\n900\n1000\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let u16f = w("u16.txt", &utf16);
    let hrm = w("x.hrm", b"[Params]\nInterval=238\n");
    let words = w("words.txt", b"abc\ndef\n");
    let neg = w("neg.txt", b"0.8\n0.9\n-900\n0.8\n");
    let big = w("big.txt", b"800\n900\n1e20\n800\n");
    let db = d.join("s.db");
    let (notes, empty) = (d.join("notes"), d.join("empty"));
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["analyze", s(&notes)],
            vec![
                "not an Empatica E4 export folder",
                "expected HR.csv and IBI.csv",
                "a.txt",
            ],
        ),
        (
            vec!["analyze", s(&empty)],
            vec!["not an Empatica E4 export folder", "an empty folder"],
        ),
        (
            vec!["analyze", "--format", "e4", s(&rr)],
            vec!["not an Empatica E4 export folder", "found a file"],
        ),
        (
            vec!["analyze", "--format", "rr", s(&empty)],
            vec!["is a folder", "--format rr reads a file"],
        ),
        (
            vec!["analyze", s(&u16f)],
            vec!["UTF-16", "save it as UTF-8"],
        ),
        (vec!["analyze", s(&hrm)], vec!["[HRData]"]),
        (
            vec!["analyze", s(&words)],
            vec!["no data", "expected one RR interval per line"],
        ),
        (vec!["analyze", s(&neg)], vec!["neg.txt:3:", "got -900"]),
        (
            vec!["import", s(&big), "--db", s(&db)],
            vec!["big.txt:3:", "longer than a day"],
        ),
        (
            vec!["shifts", "--db", s(&empty)],
            vec!["is a folder; --db needs a database file"],
        ),
        (
            vec!["import", s(&rr), "--db", s(&empty)],
            vec!["is a folder; --db needs a database file"],
        ),
    ];
    for (args, want) in &cases {
        let r = steady(args);
        let err = text(&r.stderr);
        assert_eq!(r.status.code(), Some(1), "{args:?}: {err}");
        for w in want {
            assert!(err.contains(w), "{args:?}: {err:?} lacks {w:?}");
        }
        assert!(
            !err.contains(":0:") && !err.contains("-900000"),
            "{args:?}: {err}"
        );
        // No OS text said twice.
        for part in err.split(": ") {
            if part.contains("os error") {
                assert_eq!(err.matches(part).count(), 1, "{args:?}: {err}");
            }
        }
    }
    // Nothing was stored by the refused import.
    assert!(!db.exists() || shifts(&db).is_empty());
}

#[test]
fn no_correction_changes_the_result_on_data_with_artifacts() {
    // The Polar H10 recording with premature ventricular contractions.
    let f = shared_data().join("polar-h10-pvc/polar_h10_rr.csv");
    let json = |extra: &[&str]| -> Value {
        let mut args = vec!["analyze", s(&f), "--json"];
        args.extend_from_slice(extra);
        serde_json::from_str(&ok(steady(&args))).unwrap()
    };
    let (fixed, raw) = (json(&[]), json(&["--no-correction"]));
    assert!(
        fixed["corrected_beats"].as_u64().unwrap() > 0,
        "no artifacts in the file"
    );
    assert_eq!(raw["corrected_beats"], 0);
    assert_ne!(fixed["hrv"]["rmssd_ms"], raw["hrv"]["rmssd_ms"]);
    // As given: every interval of the file is a beat.
    let rec = steady_core::formats::read_path(&f, None).unwrap();
    assert_eq!(raw["beats"].as_u64().unwrap() as usize, rec.rr.len());
}

#[test]
fn a_database_whose_wal_cannot_be_created_is_not_called_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported(dir.path());
    // SQLite cannot create its -wal file there (as in a read-only folder).
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    let _ = std::fs::remove_file(&wal);
    std::fs::create_dir(&wal).unwrap();
    let r = steady(&["shifts", "--db", s(&db)]);
    let err = text(&r.stderr);
    assert!(!r.status.success());
    assert!(
        err.contains("cannot be written") && !err.contains("damaged ("),
        "{err}"
    );
    std::fs::remove_dir(&wal).unwrap();
    assert_eq!(shifts(&db).len(), 1, "the database was touched");
}

#[cfg(unix)]
#[test]
fn an_existing_empty_db_file_becomes_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    std::fs::write(&db, b"").unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    ok(steady(&["import", s(&sample()), "--db", s(&db)]));
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
}

#[test]
fn kubios_export_keeps_the_timeline_across_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The real 10-minute sample with a 5-minute dropout in the middle.
    let rr: Vec<f64> = std::fs::read_to_string(sample())
        .unwrap()
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let mut t = 0.0;
    let mut lines = String::from("t_s,rr_ms\n");
    for (i, r) in rr.iter().enumerate() {
        if i == 300 {
            t += 300.0;
        }
        t += r / 1000.0;
        lines += &format!("{t:.3},{r}\n");
    }
    let gappy = d.join("gappy.csv");
    std::fs::write(&gappy, lines).unwrap();
    let db = d.join("k.db");
    ok(steady(&["import", s(&gappy), "--db", s(&db)]));
    let out = d.join("k.txt");
    ok(steady(&[
        "export",
        "1",
        "--format",
        "kubios",
        "--out",
        s(&out),
        "--db",
        s(&db),
    ]));
    ok(steady(&["import", s(&out), "--db", s(&db)]));
    let all = shifts(&db);
    assert_eq!(all.len(), 2);
    let span = |r: &Value| r["ended_ms"].as_i64().unwrap() - r["started_ms"].as_i64().unwrap();
    // The re-import spans the same time (the 5-minute gap is kept), within a beat.
    assert!(span(&all[0]) > 900_000, "{}", span(&all[0]));
    assert!(
        (span(&all[0]) - span(&all[1])).abs() < 1_500,
        "{} vs {}",
        span(&all[0]),
        span(&all[1])
    );
    assert_eq!(all[0]["beats"], all[1]["beats"]);
}

#[test]
fn delete_all_during_a_storing_replay_is_one_clear_line() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["replay", s(&sample()), "--speed", "40", "--db", s(&db)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..3 {
        lines.next().unwrap().unwrap();
    }
    ok(steady(&["delete", "--all", "--db", s(&db)]));
    for _ in lines {}
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    let said: Vec<&str> = err
        .lines()
        .filter(|l| !l.starts_with("storing shift"))
        .collect();
    assert_eq!(said.len(), 1, "{err}");
    assert!(said[0].contains("shift 1 was deleted"), "{err}");
    assert!(shifts(&db).is_empty());
}

/// Runs `steady args` and returns its output (stdout and stderr to files)
/// and its peak resident set in kB, from `wait4` on that very child.
fn steady_peak_rss(args: &[&str], dir: &Path) -> (i32, String, i64) {
    let (out, err) = (dir.join("out.txt"), dir.join("err.txt"));
    #[allow(clippy::zombie_processes)] // reaped by wait4 below
    let child = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value; wait4 fills it for `pid`.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our unwaited child; both pointers are valid.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let stderr = std::fs::read_to_string(&err).unwrap();
    (code, stderr, usage.ru_maxrss)
}

#[test]
fn import_and_analyze_read_a_long_file_in_bounded_memory() {
    // 10 MB of plausible RR (2.3 M beats) whose last line is bad: both
    // commands read every line before failing at it. Read whole (before
    // streaming), the rows alone took 32 B each (75 MB here).
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("long.txt");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&f).unwrap());
    let mut lines = 0usize;
    let mut size = 0usize;
    while size < 10_000_000 {
        let line = format!("{}\n", 700 + (lines * 37) % 300);
        size += line.len();
        std::io::Write::write_all(&mut w, line.as_bytes()).unwrap();
        lines += 1;
    }
    std::io::Write::write_all(&mut w, b"eight hundred\n").unwrap();
    drop(w);
    let db = dir.path().join("m.db");
    for args in [
        vec!["analyze", s(&f)],
        vec!["import", s(&f), "--db", s(&db)],
    ] {
        let (code, err, peak_kb) = steady_peak_rss(&args, dir.path());
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(
            err.contains(&format!(":{}: not a number", lines + 1)),
            "{args:?}: {err}"
        );
        assert!(
            peak_kb < 30_000,
            "{args:?}: peak resident set {peak_kb} kB reading a {size}-byte file"
        );
    }
    assert!(!db.exists() || shifts(&db).is_empty());
}

#[test]
fn an_import_that_completes_ends_its_shift_in_bounded_memory() {
    // 600 000 calm beats (about a week at 60 bpm): every minute is still
    // and calm, so the summary carries ~10 000 still minutes for the next
    // shift's baseline. Ending the shift once read every stored beat back
    // and built `serde_json::Value`s of those minutes (several copies of
    // ~800 B each): 42 MB peak here (debug build, 2026-11-29), 24 MB now.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("week.txt");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&f).unwrap());
    let mut x: u32 = 12345;
    for _ in 0..600_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let rr = 980 + (x >> 16) % 40;
        std::io::Write::write_all(&mut w, format!("{rr}\n").as_bytes()).unwrap();
    }
    drop(w);
    let db = dir.path().join("w.db");
    let (code, err, peak_kb) = steady_peak_rss(&["import", s(&f), "--db", s(&db)], dir.path());
    assert_eq!(code, 0, "{err}");
    let stored = shifts(&db);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(
        peak_kb < 32_000,
        "peak resident set {peak_kb} kB importing 600 000 beats"
    );
}
