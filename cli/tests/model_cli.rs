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
    let out = steady(&["replay", file.to_str().unwrap()]);
    assert!(out.contains("gauge"), "{out}");
    assert!(out.contains(" active "), "exercise reads as active");
    assert!(out.contains("Shift summary"));
    let demo = steady(&["demo", "--speed", "100000"]);
    assert!(demo.contains("Shift summary"));
    assert!(demo.contains("baseline"));
}

#[test]
fn evaluate_prints_the_table_for_every_labelled_session() {
    let sp = shared_data().join("stress-predict");
    let dirs: Vec<String> = (1..=12)
        .map(|i| sp.join(format!("S{i:02}")).to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["evaluate"];
    args.extend(dirs.iter().map(String::as_str));
    let table = steady(&args);
    // S01 has no labels: 11 sessions
    assert_eq!(table.lines().filter(|l| l.starts_with("| S")).count(), 11);
    assert!(table.contains("**all (11 sessions)**"));
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
    let auc = json["mean_auc_model"].as_f64().unwrap();
    let naive = json["mean_auc_naive"].as_f64().unwrap();
    assert!((0.5..1.0).contains(&auc) && (0.5..1.0).contains(&naive));
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
