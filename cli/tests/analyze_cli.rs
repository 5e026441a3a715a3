//! End-to-end: run the `steady` binary and check what a user sees.
#[path = "../../core/tests/common/mod.rs"]
mod common;
use common::shared_data;
use std::path::Path;
use std::process::Command;

/// Runs `steady` with its own empty data directory, so a command that
/// stores (replay) never touches the user's database.
fn steady(args: &[&str]) -> std::process::Output {
    let data = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .env("XDG_DATA_HOME", data.path())
        .output()
        .unwrap()
}

fn analyze_json(file: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["analyze", file.to_str().unwrap(), "--json"];
    args.extend_from_slice(extra);
    let out = steady(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn no_correction_matches_neurokit2_reference() {
    let data = shared_data();
    let json = analyze_json(
        &data.join("polar-h10/sample_rr_ms.txt"),
        &["--no-correction"],
    );
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("polar-h10/reference_hrv.json")).unwrap(),
    )
    .unwrap();
    let close = |got: &serde_json::Value, want: &serde_json::Value, what: &str| {
        let (g, w) = (got.as_f64().unwrap(), want.as_f64().unwrap());
        assert!(((g - w) / w).abs() <= 0.001, "{what}: {g} vs {w}");
    };
    assert_eq!(json["beats"], 620);
    assert_eq!(json["corrected_beats"], 0);
    let h = &json["hrv"];
    close(&h["mean_nn_ms"], &reference["whole"]["MeanNN"], "MeanNN");
    close(&h["sdnn_ms"], &reference["whole"]["SDNN"], "SDNN");
    close(&h["rmssd_ms"], &reference["whole"]["RMSSD"], "RMSSD");
    let p = h["pnn50_pct"].as_f64().unwrap() - reference["whole"]["pNN50"].as_f64().unwrap();
    assert!(p.abs() <= 0.2);
    let windows = json["windows"].as_array().unwrap();
    for r in reference["windows_60s"].as_array().unwrap() {
        let w = windows.iter().find(|w| w["index"] == r["index"]).unwrap();
        assert_eq!(w["beats"], r["beats"]);
        assert_eq!(
            w["start_s"].as_f64().unwrap(),
            60.0 * r["index"].as_f64().unwrap()
        );
        close(&w["mean_nn_ms"], &r["MeanNN"], "window MeanNN");
        close(&w["sdnn_ms"], &r["SDNN"], "window SDNN");
        close(&w["rmssd_ms"], &r["RMSSD"], "window RMSSD");
        let p = w["pnn50_pct"].as_f64().unwrap() - r["pNN50"].as_f64().unwrap();
        assert!(p.abs() <= 0.2, "window pNN50 off by {p}");
    }
}

/// Rounds every float to 9 significant digits, so the snapshot pins the
/// shape and the figures but not the last bit of a float's text form (which
/// depends on serde_json's float features, unified across the workspace).
fn round_floats(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap();
            let rounded: f64 = format!("{x:.8e}").parse().unwrap();
            *v = serde_json::json!(rounded);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(round_floats),
        serde_json::Value::Object(o) => o.values_mut().for_each(round_floats),
        _ => {}
    }
}

#[test]
fn json_shape_is_stable() {
    let mut json = analyze_json(&shared_data().join("polar-h10/sample_rr_ms.txt"), &[]);
    round_floats(&mut json);
    insta::assert_json_snapshot!("analyze_sample_rr_ms", json);
}

/// The timeline and summary of `analyze --json`, checked against figures
/// computed here from the RR file itself (the snapshot above pins whatever
/// was printed; this says what it must be). The model's window: the 60 s of
/// beats ending 4 s (SETTLE_MS) before each 5-s refresh.
#[test]
fn json_timeline_and_summary_follow_from_the_beats() {
    let path = shared_data().join("polar-h10/sample_rr_ms.txt");
    let rr: Vec<f64> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let mut t = 0.0;
    let beats: Vec<(f64, f64)> = rr
        .iter()
        .map(|&r| {
            t += r;
            (t, r)
        })
        .collect();
    let total_ms = t;
    let json = analyze_json(&path, &[]);
    let close = |got: &serde_json::Value, want: f64, what: &str| {
        let g = got.as_f64().unwrap_or_else(|| panic!("{what}: {got}"));
        assert!(
            (g - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{what}: {g} vs {want}"
        );
    };

    // summary: span and beats of the file; no beat of this clean sample is corrected
    let sum = &json["summary"];
    assert_eq!(json["beats"], rr.len());
    assert_eq!(sum["signal"]["beats"], rr.len());
    assert_eq!(json["corrected_beats"], 0);
    assert_eq!(sum["signal"]["corrected_beats"], 0);
    assert_eq!(sum["start_ms"], 0);
    assert_eq!(sum["end_ms"].as_f64().unwrap(), total_ms);
    close(&sum["duration_s"], total_ms / 1000.0, "duration_s");
    assert_eq!(sum["prompts_offered"], 0);

    // timeline: one refresh every 5 s of the recording
    let timeline = json["timeline"].as_array().unwrap();
    let refreshes = (total_ms / 5000.0).floor() as usize;
    assert_eq!(timeline.len(), refreshes);
    let mut with_ln = 0;
    for (k, e) in timeline.iter().enumerate() {
        let at = 5000.0 * (k + 1) as f64;
        assert_eq!(e["t_s"].as_f64().unwrap(), at / 1000.0);
        let to = at - 4000.0;
        let in_w: Vec<f64> = beats
            .iter()
            .filter(|b| b.0 > to - 60_000.0 && b.0 <= to)
            .map(|b| b.1)
            .collect();
        let covered: f64 = in_w.iter().sum();
        let coverage = covered / 60_000.0;
        // HR from the window's beats once there are 5
        if in_w.len() >= 5 {
            close(
                &e["hr_bpm"],
                60_000.0 * in_w.len() as f64 / covered,
                "hr_bpm",
            );
        } else {
            assert!(e["hr_bpm"].is_null(), "{e}");
        }
        // lnRMSSD from 20 beats covering 80 % of the window
        if in_w.len() >= 20 && coverage >= 0.8 {
            let d2: Vec<f64> = in_w.windows(2).map(|w| (w[1] - w[0]).powi(2)).collect();
            let rmssd = (d2.iter().sum::<f64>() / d2.len() as f64).sqrt();
            close(&e["ln_rmssd"], rmssd.ln(), "ln_rmssd");
            with_ln += 1;
        } else {
            assert!(e["ln_rmssd"].is_null(), "{e}");
        }
    }
    assert!(with_ln > 100, "{with_ln}");

    // time in each state: 5 s for each refresh in it, after the first
    // (which comes before the first settled beat)
    let secs_in =
        |state: &str| 5.0 * timeline[1..].iter().filter(|e| e["state"] == state).count() as f64;
    let time_in = &sum["time_in"];
    for state in [
        "baseline",
        "elevated",
        "activated",
        "active",
        "recovering",
        "no_signal",
    ] {
        assert_eq!(
            time_in[format!("{state}_s")].as_f64().unwrap(),
            secs_in(state),
            "{state}"
        );
    }
    assert_eq!(timeline[0]["state"], "no_signal");

    // one baseline sample a minute, the refresh's own HR and lnRMSSD
    let samples = sum["baseline_samples"].as_array().unwrap();
    assert_eq!(samples.len(), (total_ms / 60_000.0).floor() as usize);
    for (m, s) in samples.iter().enumerate() {
        let t_ms = 60_000 * (m as u64 + 1);
        assert_eq!(s["t_ms"], t_ms);
        let e = &timeline[(t_ms / 5000 - 1) as usize];
        assert_eq!(s["hr_bpm"], e["hr_bpm"]);
        assert_eq!(s["ln_rmssd"], e["ln_rmssd"]);
    }
}

#[test]
fn every_format_analyzes() {
    let data = shared_data();
    for (path, format) in [
        ("stress-predict/S02", "e4"),
        ("polar-rest-exercise/noisy_rri.hrm", "auto"),
        ("polar-h10-pvc/polar_h10_rr.csv", "rr"),
    ] {
        let json = analyze_json(&data.join(path), &["--format", format, "--window", "120"]);
        assert!(json["beats"].as_u64().unwrap() > 100, "{path}");
        assert_eq!(
            json["windows"][0]["end_s"].as_f64().unwrap()
                - json["windows"][0]["start_s"].as_f64().unwrap(),
            120.0
        );
    }
    // An hrm-log written the way `steady live` writes it.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("shift.hrm-log");
    let mut text = String::from("# steady hrm-log v1\n# device=test\n");
    for i in 0..200i64 {
        // flags 0x16 (contact detected, RR), HR 60, RR 1024/1024 s
        text += &format!("{} 163c0004\n", 1_700_000_000_000 + i * 1000);
    }
    std::fs::write(&log, text).unwrap();
    let json = analyze_json(&log, &[]);
    assert_eq!(json["beats"], 200);
    assert_eq!(json["hrv"]["mean_hr_bpm"].as_f64().unwrap().round(), 60.0);
}

#[test]
fn hr_only_strap_gives_hr_and_null_hrv() {
    // A strap that sends no RR (flags 0x06: contact detected, uint8 HR).
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("optical.hrm-log");
    let mut text = String::from("# steady hrm-log v1\n");
    for i in 0..120i64 {
        text += &format!("{} 0646\n", 1_700_000_000_000 + i * 1000);
    }
    std::fs::write(&log, text).unwrap();
    let json = analyze_json(&log, &[]);
    assert_eq!(json["beats"], 0);
    assert_eq!(json["hrv"]["mean_hr_bpm"].as_f64().unwrap(), 70.0);
    assert!(json["hrv"]["rmssd_ms"].is_null());
    assert_eq!(json["windows"].as_array().unwrap().len(), 2);
    assert_eq!(json["windows"][0]["mean_hr_bpm"].as_f64().unwrap(), 70.0);
    assert!(json["windows"][0]["corrected_share"].is_null());
    // --no-store: a test never writes into the user's own database.
    let out = steady(&["replay", log.to_str().unwrap(), "--no-store"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("quality HR only"));
}

#[test]
fn bad_file_names_file_and_line_without_backtrace() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "800\n900\nnonsense\n").unwrap();
    let out = steady(&["analyze", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:3:", bad.display())), "{err}");
    assert!(
        !err.contains("backtrace") && !err.contains("panicked"),
        "{err}"
    );
    let missing = steady(&["analyze", "/nonexistent/steady-file"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/steady-file"));
}

#[test]
fn replay_prints_one_line_per_refresh() {
    let out = steady(&[
        "replay",
        shared_data()
            .join("polar-h10/sample_rr_ms.txt")
            .to_str()
            .unwrap(),
        "--no-store",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    // 10 min of data, a refresh every 5 s.
    let lines = text.lines().filter(|l| l.starts_with('+')).count();
    assert!((115..=121).contains(&lines), "{lines} refresh lines");
}
