//! `steady shifts / summary / export / delete` against a real database.
#[path = "../../core/tests/common/mod.rs"]
mod common;
use common::shared_data;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};
use steady_core::Millis;
use steady_core::beats::Beat;
use steady_core::store::{KeyFigures, ShiftSource, ShiftWriter, Store, WriterConfig};

fn holter(n: usize) -> Vec<Beat> {
    let path = shared_data().join("physionet-nsr2db/nsr2db_nsr001_rr_secs.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut vals = text.lines().filter_map(|l| l.trim().parse::<f64>().ok());
    let mut t = 1_764_000_000_000.0 + vals.next().unwrap() * 1000.0;
    vals.take(n)
        .map(|s| {
            t += s * 1000.0;
            Beat {
                t_ms: t.round() as Millis,
                rr_ms: s * 1000.0,
                corrected: false,
            }
        })
        .collect()
}

fn steady(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Two ended shifts a day apart and one unfinished.
fn fill(db: &Path) -> Vec<i64> {
    let beats = holter(600);
    let mut ids = Vec::new();
    for day in 0..3i64 {
        let shifted: Vec<Beat> = beats
            .iter()
            .map(|b| Beat {
                t_ms: b.t_ms + day * 86_400_000,
                ..*b
            })
            .collect();
        let mut w = ShiftWriter::start(
            Store::open(db).unwrap(),
            shifted[0].t_ms,
            ShiftSource::Live,
            None,
            WriterConfig::default(),
        )
        .unwrap();
        for b in &shifted {
            w.push_beat(*b).unwrap();
        }
        w.push_event(shifted[5].t_ms, "prompt", &json!({"reason": "sustained"}))
            .unwrap();
        if day < 2 {
            let key = KeyFigures {
                load_peak: Some(10.0 + day as f64),
                activated_share: Some(0.25),
                ..Default::default()
            };
            w.finish(shifted.last().unwrap().t_ms, &json!({"day": day}), &key)
                .unwrap();
        }
        ids.push(w.shift_id());
    }
    ids
}

#[test]
fn shifts_lists_table_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let ids = fill(&db);
    let table = ok(steady(&db, &["shifts"]));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    assert!(
        lines[1].contains("2025-11-24") && lines[1].contains("ended"),
        "{table}"
    );
    assert!(lines[3].contains("unfinished"), "{table}");
    assert!(
        lines[1].contains("600") && lines[1].contains("25 %"),
        "{table}"
    );
    let v: Value = serde_json::from_str(&ok(steady(&db, &["shifts", "--json"]))).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[1]["id"], ids[1]);
    assert_eq!(v[1]["key"]["load_peak"], 11.0);
    assert_eq!(v[2]["ended_ms"], Value::Null);
}

#[test]
fn summary_of_last_and_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let ids = fill(&db);
    let v: Value = serde_json::from_str(&ok(steady(
        &db,
        &["summary", &ids[1].to_string(), "--json"],
    )))
    .unwrap();
    assert_eq!(v["shift"]["id"], ids[1]);
    assert_eq!(v["summary"]["day"], 1);
    assert_eq!(v["previous"].as_array().unwrap().len(), 1);
    let text = ok(steady(&db, &["summary", &ids[1].to_string()]));
    assert!(
        text.contains("load peak") && text.contains("+1.0 vs last 1"),
        "{text}"
    );
    let last = ok(steady(&db, &["summary", "last"]));
    assert!(
        last.contains(&format!("shift {}", ids[2])) && last.contains("not ended"),
        "{last}"
    );
    let bad = steady(&db, &["summary", "999"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no shift with id 999"));
}

#[test]
fn export_formats_and_no_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let ids = fill(&db);
    let id = ids[0].to_string();
    let csv = dir.path().join("beats.csv");
    ok(steady(
        &db,
        &[
            "export",
            &id,
            "--format",
            "csv",
            "--out",
            csv.to_str().unwrap(),
        ],
    ));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), 601);
    assert!(text.starts_with("t_ms,rr_ms,corrected\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&csv).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Not overwritten without --force.
    let again = steady(
        &db,
        &[
            "export",
            &id,
            "--format",
            "kubios",
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    assert!(!again.status.success());
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), text);
    ok(steady(
        &db,
        &[
            "export",
            &id,
            "--format",
            "kubios",
            "--out",
            csv.to_str().unwrap(),
            "--force",
        ],
    ));
    let kubios = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(kubios.lines().count(), 600);
    assert!(
        kubios
            .lines()
            .next()
            .unwrap()
            .ends_with(&format!("\t{:.6}", holter(1)[0].rr_ms / 1000.0)),
        "{kubios}"
    );
    let js: Value = serde_json::from_str(&ok(steady(
        &db,
        &["export", &id, "--format", "json", "--out", "-"],
    )))
    .unwrap();
    assert_eq!(js["events"][0]["kind"], "prompt");
    assert_eq!(js["summary"]["day"], 0);
}

#[test]
fn delete_one_then_all() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let ids = fill(&db);
    ok(steady(&db, &["delete", &ids[0].to_string()]));
    assert_eq!(Store::open(&db).unwrap().shifts().unwrap().len(), 2);
    assert!(
        !steady(&db, &["delete", &ids[0].to_string()])
            .status
            .success()
    );
    assert!(
        !steady(&db, &["delete"]).status.success(),
        "needs an id or --all"
    );
    let msg = ok(steady(&db, &["delete", "--all"]));
    assert!(msg.contains("deleted 2 shifts"), "{msg}");
    assert!(Store::open(&db).unwrap().shifts().unwrap().is_empty());
}

#[test]
fn reading_commands_do_not_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    assert!(ok(steady(&db, &["shifts"])).contains("no shifts stored"));
    assert_eq!(ok(steady(&db, &["shifts", "--json"])).trim(), "[]");
    for args in [
        &["summary"][..],
        &["delete", "--all"],
        &["export", "1", "--format", "csv", "--out", "-"],
    ] {
        let out = steady(&db, args);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("no Steady database"));
    }
    assert!(!db.exists());
}

#[test]
fn foreign_database_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.txt");
    std::fs::write(&db, "not a database, but precious\n".repeat(10)).unwrap();
    let out = steady(&db, &["shifts"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a SQLite database") && err.contains("left untouched"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&db).unwrap(),
        "not a database, but precious\n".repeat(10)
    );
}

#[test]
fn import_stores_past_shifts_from_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let data = shared_data();
    let e4 = data.join("stress-predict/S02");
    let rr = data.join("polar-rest-exercise/rest_rri.txt");
    let hrm = data.join("polar-rest-exercise/noisy_rri.hrm");
    for f in [&e4, &rr, &hrm] {
        let msg = ok(steady(&db, &["import", f.to_str().unwrap()]));
        assert!(msg.starts_with("imported "), "{msg}");
    }
    let s = Store::open(&db).unwrap();
    let shifts = s.shifts().unwrap();
    assert_eq!(shifts.len(), 3);
    assert!(
        shifts
            .iter()
            .all(|r| r.source == ShiftSource::Import && r.ended_ms.is_some())
    );
    let e4_shift = shifts
        .iter()
        .find(|r| r.label.as_deref() == Some("S02"))
        .unwrap();
    // E4: absolute clock, HR-only samples and motion kept.
    assert!(e4_shift.started_ms > 1_600_000_000_000);
    assert!(
        s.samples(e4_shift.id, steady_core::store::SampleKind::Hr)
            .unwrap()
            .len()
            > 3000
    );
    assert!(
        !s.samples(e4_shift.id, steady_core::store::SampleKind::Motion)
            .unwrap()
            .is_empty()
    );
    let rest = shifts
        .iter()
        .find(|r| r.label.as_deref() == Some("rest_rri.txt"))
        .unwrap();
    assert_eq!(s.beats(rest.id).unwrap().len(), 910);
    // Run through the model: its summary and key figures are stored.
    let summary = s.model_summary(rest.id).unwrap().expect("model summary");
    assert_eq!(summary.signal.beats, 910);
    assert_eq!(rest.key.load_peak, Some(summary.load_peak));
    assert!(rest.digest().is_some());
    // A file without a clock can be placed in the history.
    let placed = ok(steady(
        &db,
        &[
            "import",
            rr.to_str().unwrap(),
            "--start",
            "2025-11-20T07:00:00Z",
            // the same recording again, on purpose
            "--allow-duplicate",
        ],
    ));
    assert!(placed.contains("start 2025-11-20 07:00"), "{placed}");
    let last = s.last_shift().unwrap().unwrap();
    assert_eq!(last.started_ms, 1_763_622_000_000);
    assert_eq!(
        s.beats(last.id).unwrap()[0].t_ms,
        s.beats(rest.id).unwrap()[0].t_ms + 1_763_622_000_000
    );
    assert!(
        !steady(
            &db,
            &[
                "import",
                e4.to_str().unwrap(),
                "--start",
                "2025-11-20T07:00:00Z"
            ]
        )
        .status
        .success()
    );
    let shifts = s.shifts().unwrap();
    assert_eq!(shifts.len(), 4);
    // A file that is not a recording is refused and nothing is stored.
    let junk = dir.path().join("junk.txt");
    std::fs::write(&junk, "hello\nworld\n").unwrap();
    assert!(
        !steady(&db, &["import", junk.to_str().unwrap()])
            .status
            .success()
    );
    assert_eq!(s.shifts().unwrap().len(), 4);
}

#[test]
fn summary_of_a_replayed_shift_is_the_models() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let file = shared_data().join("polar-rest-exercise/exercise_rri.hrm");
    let replay = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args([
            "replay",
            file.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    let text = ok(steady(&db, &["summary"]));
    assert!(
        text.contains("shift 1 (replay, ended)") && text.contains("Shift summary"),
        "{text}"
    );
    let v: Value = serde_json::from_str(&ok(steady(&db, &["summary", "--json"]))).unwrap();
    assert!(v["summary"]["time_in"].is_object(), "{v}");
    assert_eq!(v["shift"]["key"]["load_peak"], v["summary"]["load_peak"]);
    // Gauge refreshes are not stored; the chart rebuilds them from the
    // saved beats: state bands (rects) and gauge + load lines appear.
    let svg = dir.path().join("chart.svg");
    ok(steady(
        &db,
        &["summary", "1", "--svg", svg.to_str().unwrap()],
    ));
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(
        svg.matches("<rect").count() > 5,
        "no state bands in the chart"
    );
}

#[test]
fn demo_stores_its_shift_only_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let svg = dir.path().join("demo.svg");
    let svg = svg.to_str().unwrap();
    let out = steady(&db, &["demo", "--speed", "100000", "--svg", svg]);
    assert!(out.status.success());
    let s = Store::open(&db).unwrap();
    let shifts = s.shifts().unwrap();
    assert_eq!(shifts.len(), 1);
    assert_eq!(shifts[0].source, ShiftSource::Demo);
    // Every beat the model took is stored: as many as its summary counts.
    let text = String::from_utf8_lossy(&out.stdout);
    let counted: usize = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("signal"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no signal line in {text}"));
    assert!(counted > 0);
    assert_eq!(s.beats(shifts[0].id).unwrap().len(), counted);
    // Without --db: a temporary database, nothing left behind.
    let out = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["demo", "--speed", "100000", "--svg", svg])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("temporary database"));
}

#[test]
fn trend_shows_the_arc_of_imported_shifts_as_table_json_and_chart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let pvc = shared_data().join("polar-h10-pvc/polar_h10_rr.csv");
    let exercise = shared_data().join("polar-rest-exercise/exercise_rri.hrm");
    // A morning and an evening shift on five days: each morning follows the
    // evening before by about 11 h. The same two recordings stand for every
    // day, so each import after the first is a deliberate duplicate.
    for d in 3..8 {
        for (file, hour) in [(&pvc, "07"), (&exercise, "19")] {
            let start = format!("2025-11-{d:02}T{hour}:00:00Z");
            ok(steady(
                &db,
                &[
                    "import",
                    file.to_str().unwrap(),
                    "--start",
                    &start,
                    "--allow-duplicate",
                ],
            ));
        }
    }
    let table = ok(steady(&db, &["trend", "--days", "3"]));
    assert!(
        table.contains("this week against your normal range"),
        "{table}"
    );
    assert!(table.contains("median recovery (s)"), "{table}");
    // --days 3 from the last shift's end (day 7, 19:43): the shifts that
    // ended since day 4, 19:43 (the evening of day 4 ended exactly then).
    let rows = table.lines().filter(|l| l.contains("2025-11-")).count();
    assert_eq!(rows, 7, "{table}");

    let svg = dir.path().join("arc.svg");
    let v: Value = serde_json::from_str(&ok(steady(
        &db,
        &["trend", "--json", "--svg", svg.to_str().unwrap()],
    )))
    .unwrap();
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 10);
    assert_eq!(points[0]["shift"]["off_shift_h"], Value::Null);
    // The PVC recording recovers from its one activation episode.
    assert!(points[0]["shift"]["median_recovery_s"].as_f64().unwrap() > 0.0);
    // The second shift starts with a tenth of the first one's end load.
    let (end0, in1) = (
        points[0]["shift"]["load_end"].as_f64().unwrap(),
        points[1]["shift"]["load_start"].as_f64().unwrap(),
    );
    assert!((in1 - 0.1 * end0).abs() < 1e-6, "{end0} -> {in1}");
    assert_eq!(v["drift"]["figures"].as_array().unwrap().len(), 6);
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.contains("<svg") && svg.contains("calm HR (bpm)"));

    // Bad flags are refused before anything is read.
    let bad = steady(&db, &["trend", "--days", "0"]);
    assert!(!bad.status.success());
}
