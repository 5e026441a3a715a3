//! End-to-end: the model's parts of `steady analyze`, `replay`, `demo` and
//! `steady evaluate`, on the shared real data.
#[path = "../../core/tests/common/mod.rs"]
mod common;
use common::shared_data;
use std::path::PathBuf;
use std::process::Command;

/// Runs `steady` with its own empty data directory (a replay stores its
/// shift; never in the user's database).
fn steady(args: &[&str]) -> String {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .env("XDG_DATA_HOME", data.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn analyze_json_has_timeline_prompts_and_summary() {
    let dir = shared_data().join("stress-predict/S02");
    let json: serde_json::Value =
        serde_json::from_str(&steady(&["analyze", dir.to_str().unwrap(), "--json"])).unwrap();
    let timeline = json["timeline"].as_array().unwrap();
    // one refresh per 5 s over the ~1 h session
    assert!(timeline.len() > 600, "{}", timeline.len());
    let p = &timeline[100];
    for key in [
        "t_s",
        "t_unix",
        "hr_bpm",
        "ln_rmssd",
        "activation",
        "gauge",
        "state",
        "load",
    ] {
        assert!(p.get(key).is_some(), "missing {key}");
    }
    // E4 has an absolute clock: t_unix = start + t_s
    let start = timeline[0]["t_unix"].as_f64().unwrap() - timeline[0]["t_s"].as_f64().unwrap();
    assert!((p["t_unix"].as_f64().unwrap() - start - p["t_s"].as_f64().unwrap()).abs() < 1e-6);
    assert!(start > 1.6e9);
    let prompts = json["prompts"].as_array().unwrap();
    for pr in prompts {
        assert!(pr["reason"].as_str().unwrap().contains("activated"));
        assert!(pr["t_unix"].as_f64().is_some());
    }
    let s = &json["summary"];
    assert_eq!(
        s["prompts_offered"].as_u64().unwrap() as usize,
        prompts.len()
    );
    assert!(s["time_in"]["baseline_s"].as_f64().unwrap() > 0.0);
    // RR files have no absolute clock
    let rr = shared_data().join("polar-h10/sample_rr_ms.txt");
    let json: serde_json::Value =
        serde_json::from_str(&steady(&["analyze", rr.to_str().unwrap(), "--json"])).unwrap();
    assert!(json["timeline"][0]["t_unix"].is_null());
}

#[test]
fn replay_shows_gauge_and_prints_the_summary() {
    let file = shared_data().join("polar-rest-exercise/exercise_rri_labeled.csv");
    // --no-store: a test never writes into the user's own database.
    let out = steady(&["replay", file.to_str().unwrap(), "--no-store"]);
    assert!(out.contains("gauge"), "{out}");
    assert!(out.contains(" active "), "exercise reads as active");
    assert!(out.contains("Shift summary"));
}

/// The evaluate arguments of docs/model.md §9: the Stress-Predict folders
/// and the Polar recordings with their labels kept in `data/labels/`.
fn evaluate_args(shared: &std::path::Path) -> Vec<String> {
    let sp = shared.join("stress-predict");
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut args: Vec<String> = vec!["evaluate".into()];
    args.extend((1..=12).map(|i| sp.join(format!("S{i:02}")).to_string_lossy().into_owned()));
    for (rec, labels) in [
        ("exercise_rri.hrm", "exercise_rri.labels.csv"),
        ("noisy_rri.hrm", "noisy_rri.labels.csv"),
        ("rest_rri.txt", "rest_rri.labels.csv"),
    ] {
        args.push("--labelled".into());
        args.push(
            shared
                .join("polar-rest-exercise")
                .join(rec)
                .to_string_lossy()
                .into_owned(),
        );
        args.push(
            repo.join("data/labels/polar-rest-exercise")
                .join(labels)
                .to_string_lossy()
                .into_owned(),
        );
    }
    args
}

#[test]
fn evaluate_prints_the_stage_table_for_every_labelled_session() {
    let owned = evaluate_args(&shared_data());
    let mut args: Vec<&str> = owned.iter().map(String::as_str).collect();
    let table = steady(&args);
    // S01 has no labels: 11 Stress-Predict sessions and 3 Polar recordings
    assert_eq!(table.lines().filter(|l| l.starts_with("| S")).count(), 11);
    assert!(table.contains("| rest_rri.txt |"));
    assert!(table.contains("**all (14 sessions, mean AUC)**"));
    // docs/model.md shows exactly what the command prints: regenerate the
    // tables there when the model changes
    let doc =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/model.md"))
            .unwrap();
    for line in table.lines().filter(|l| !l.is_empty()) {
        assert!(
            doc.contains(line),
            "docs/model.md is out of date, missing: {line}"
        );
    }
    args.push("--json");
    let json: serde_json::Value = serde_json::from_str(&steady(&args)).unwrap();
    let auc = json["mean_stages"]["gauge"].as_f64().unwrap();
    let naive = json["mean_auc_naive"].as_f64().unwrap();
    assert!((0.5..1.0).contains(&auc) && (0.5..1.0).contains(&naive));
    for s in json["sessions"].as_array().unwrap() {
        let st = &s["stages"];
        if s["session"].as_str().unwrap().starts_with('S') {
            // the 0-100 map is strictly increasing: it keeps the combined
            // score's ranking exactly
            assert_eq!(st["gauge"], st["combined"], "{s}");
            // the E4's optical IBI gives no lnRMSSD: combined = HR term
            assert!(st["ln_rmssd_vs_baseline"].is_null());
            assert_eq!(st["combined"], st["hr_vs_baseline"], "{s}");
            assert!(s["points"].as_u64().unwrap() > 500, "{s}");
        } else {
            // the Polar recordings have rest but no stress: no AUC, prompts
            // per hour of rest only, and a real lnRMSSD on most refreshes
            assert!(st["gauge"].is_null() && st["window_hr"].is_null());
            assert!(s["model"]["prompts_per_hour_rest"].as_f64().is_some());
            assert!(s["model"]["prompts_per_hour_stress"].is_null());
            assert!(s["ln_rmssd_share"].as_f64().unwrap() > 0.5, "{s}");
        }
    }
    // the model prompts far less than bare threshold crossings at rest
    let rest = json["prompts_per_hour_rest_model"].as_f64().unwrap();
    let naive_rest = json["prompts_per_hour_rest_naive"].as_f64().unwrap();
    assert!(
        rest <= 1.0 && naive_rest > 3.0 * rest,
        "{rest} vs {naive_rest}"
    );
    let loo = steady(&[&args[..args.len() - 1], &["--leave-one-out"]].concat());
    assert_eq!(loo.lines().filter(|l| l.starts_with("| S")).count(), 11);
}

/// Issue 14: the continuous activation score (the JSON timeline's
/// `activation`) never ranks stress above rest worse than the model's own
/// 60 s window HR, on every shared labelled session that has both classes,
/// whether the window HR comes from the optical IBI or the 1 Hz HR.
#[test]
fn evaluate_activation_score_auc_is_at_least_the_window_hr_auc_on_every_labelled_session() {
    let owned = evaluate_args(&shared_data());
    let args: Vec<&str> = owned.iter().map(String::as_str).collect();
    for extra in [&[][..], &["--hr-only"][..]] {
        let out = steady(&[&args[..], extra, &["--json"]].concat());
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        let mut compared = 0;
        for s in json["sessions"].as_array().unwrap() {
            let st = &s["stages"];
            let Some(window_hr) = st["window_hr"].as_f64() else {
                // the Polar recordings: rest only, no AUC for any stage
                assert!(st["activation"].is_null(), "{s}");
                continue;
            };
            let score = st["activation"].as_f64().unwrap();
            assert!(
                score >= window_hr - 1e-12,
                "{extra:?} {}: activation score AUC {score} < window HR AUC {window_hr}",
                s["session"]
            );
            compared += 1;
        }
        // S02-S12 (S01 has no labels)
        assert_eq!(compared, 11, "{extra:?}");
    }
}

#[test]
fn evaluate_reads_a_folder_with_one_rr_file_and_labels_as_the_pair_given_apart() {
    let shared = shared_data().join("polar-rest-exercise");
    let labels = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data/labels/polar-rest-exercise/exercise_rri.labels.csv");
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("cycling");
    std::fs::create_dir(&session).unwrap();
    std::fs::copy(
        shared.join("exercise_rri.hrm"),
        session.join("exercise_rri.hrm"),
    )
    .unwrap();
    std::fs::copy(&labels, session.join("labels.csv")).unwrap();
    let rec = shared.join("exercise_rri.hrm");
    let json = |args: &[&str]| -> serde_json::Value {
        serde_json::from_str(&steady(&[&["evaluate", "--json"], args].concat())).unwrap()
    };
    let folder = json(&[session.to_str().unwrap()]);
    let pair = json(&[
        "--labelled",
        rec.to_str().unwrap(),
        labels.to_str().unwrap(),
    ]);
    let (a, b) = (&folder["sessions"][0], &pair["sessions"][0]);
    assert_eq!(a["session"], "cycling");
    assert_eq!(a["model"], b["model"]);
    assert_eq!(a["points"], b["points"]);
    // 6 min of seated rest before the ride, no stress span
    assert!(
        (a["rest_h"].as_f64().unwrap() * 60.0 - 6.09).abs() < 0.01,
        "{a}"
    );
    assert_eq!(a["stress_h"].as_f64().unwrap(), 0.0);
    // a second recording beside labels.csv is ambiguous: refused
    std::fs::copy(shared.join("noisy_rri.hrm"), session.join("noisy_rri.hrm")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["evaluate", session.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("more than one file"));
}
