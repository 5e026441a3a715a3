//! Every reader on the real recordings in ../shared/data, and the cleaner on
//! the Polar `.hrm` exercise files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests and benches may fail loudly
mod common;

use steady_core::analysis::{AnalyzeOptions, analyze};
use steady_core::beats::{CleanerConfig, clean_all};
use steady_core::formats::{Format, ParseErrorKind, read_path};

#[test]
fn rr_one_column_and_analysis_match_reference() {
    let dir = common::shared_data();
    let rec = read_path(&dir.join("polar-h10/sample_rr_ms.txt"), None).unwrap();
    assert_eq!(rec.rr.len(), 620);
    assert_eq!(rec.origin_ms, 0);
    let opts = AnalyzeOptions {
        cleaner: CleanerConfig {
            correct: false,
            ..CleanerConfig::default()
        },
        ..AnalyzeOptions::default()
    };
    let a = analyze(&rec, &opts).analysis;
    let reference: serde_json::Value =
        serde_json::from_str(&common::read_shared("polar-h10/reference_hrv.json")).unwrap();
    assert_eq!(a.beats, 620);
    let rel =
        |g: f64, w: &serde_json::Value| ((g - w.as_f64().unwrap()) / w.as_f64().unwrap()).abs();
    assert!(rel(a.hrv.rmssd_ms.unwrap(), &reference["whole"]["RMSSD"]) < 1e-3);
    for w in reference["windows_60s"].as_array().unwrap() {
        let k = w["index"].as_u64().unwrap();
        let ours = a.windows.iter().find(|x| x.index == k).unwrap();
        assert_eq!(ours.beats as u64, w["beats"].as_u64().unwrap());
        assert!(rel(ours.mean_nn_ms.unwrap(), &w["MeanNN"]) < 1e-3);
        assert!(rel(ours.sdnn_ms.unwrap(), &w["SDNN"]) < 1e-3);
        assert!(rel(ours.rmssd_ms.unwrap(), &w["RMSSD"]) < 1e-3);
        assert!((ours.pnn50_pct.unwrap() - w["pNN50"].as_f64().unwrap()).abs() <= 0.2);
    }
}

#[test]
fn rr_two_column_files() {
    let dir = common::shared_data();
    let rec = read_path(&dir.join("polar-h10/sample_data_ibi.csv"), Some(Format::Rr)).unwrap();
    assert_eq!(rec.rr.len(), 620);
    assert!(rec.gaps.is_empty(), "{:?}", rec.gaps);
    let pvc = read_path(&dir.join("polar-h10-pvc/polar_h10_rr.csv"), None).unwrap();
    assert_eq!(pvc.rr.len(), 798);
    assert_eq!(pvc.rr[0].rr_ms, 421.0);
    let labeled = read_path(
        &dir.join("polar-rest-exercise/exercise_rri_labeled.csv"),
        None,
    )
    .unwrap();
    assert_eq!(labeled.rr[1].t_ms, 2372);
}

#[test]
fn polar_hrm_exercise_files_and_cleaning() {
    let dir = common::shared_data();
    let ex = read_path(&dir.join("polar-rest-exercise/exercise_rri.hrm"), None).unwrap();
    let noisy = read_path(&dir.join("polar-rest-exercise/noisy_rri.hrm"), None).unwrap();
    assert!(ex.rr.len() > 2000 && noisy.rr.len() > 2000);
    let (eb, es) = clean_all(CleanerConfig::default(), &ex.rr);
    let (nb, ns) = clean_all(CleanerConfig::default(), &noisy.rr);
    let share = |c: u64, n: usize| c as f64 / n as f64;
    eprintln!("exercise {es:?}\nnoisy {ns:?}");
    // The noisy file has many real ectopic beats; the clean one few.
    assert!(
        ns.ectopic + ns.long_short + ns.missed + ns.extra >= 10,
        "{ns:?}"
    );
    assert!(share(ns.corrected, nb.len()) > 2.0 * share(es.corrected, eb.len()));
    // The exercise file's only artifacts are five doubled intervals (a beat
    // the receiver missed): all five are split, nothing else is touched.
    assert_eq!(es.missed, 5, "{es:?}");
    assert!(share(es.corrected, eb.len()) < 0.005);
}

#[test]
fn e4_folder_is_complete() {
    let dir = common::shared_data().join("stress-predict/S02");
    let rec = read_path(&dir, None).unwrap();
    assert_eq!(rec.start_unix_ms, Some(1_644_227_574_000));
    assert_eq!(rec.hr.len(), 3555);
    assert_eq!(rec.hr[0].t_ms, 1_644_227_584_000);
    assert_eq!(rec.rr.len(), 360);
    assert_eq!(rec.rr[0].t_ms, 1_644_227_574_000 + 604_000);
    assert_eq!(rec.motion.len(), 114_054);
    let g = rec.motion.iter().map(|m| m.magnitude_g).sum::<f64>() / rec.motion.len() as f64;
    assert!((0.9..1.1).contains(&g), "mean |a| {g} g");
    // Optical IBI with holes: analysis still works and sees gaps.
    let a = analyze(&rec, &AnalyzeOptions::default());
    assert!(a.analysis.beats > 200);
    assert!(a.stats.gaps > 10, "{:?}", a.stats);
}

#[test]
fn errors_name_file_and_line() {
    let tmp = std::env::temp_dir().join(format!("steady-bad-{}.txt", std::process::id()));
    std::fs::write(&tmp, "800\n900\nnot-a-number\n").unwrap();
    let e = read_path(&tmp, None).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains(&format!("{}:3:", tmp.display())), "{msg}");
    std::fs::remove_file(&tmp).unwrap();
    let e = read_path(&common::shared_data().join("no-such-file"), None).unwrap_err();
    assert!(e.to_string().contains("no-such-file"));
    let bad = steady_core::formats::rr::parse("800\n\u{0}\n").unwrap_err();
    assert!(matches!(bad.kind, ParseErrorKind::NotANumber(_)));
}
