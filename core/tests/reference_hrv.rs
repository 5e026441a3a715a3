//! `--no-correction` figures on the Polar H10 sample against NeuroKit2 0.2.13
//! (../shared/data/polar-h10/reference_hrv.json): whole file and every 60 s
//! window, within 0.1 % (pNN50 within 0.2 points), by the slice function and
//! by the rolling window.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests and benches may fail loudly
mod common;

use steady_core::beats::{Beat, CleanerConfig, clean_all, times_from_cumsum};
use steady_core::hrv::{HrvMetrics, RollingHrv, hrv_of};

fn close(name: &str, got: f64, want: f64) {
    let rel = ((got - want) / want).abs();
    assert!(
        rel <= 0.001,
        "{name}: got {got}, want {want} ({:.4} %)",
        rel * 100.0
    );
}

fn check(label: &str, m: &HrvMetrics, r: &serde_json::Value) {
    close(
        &format!("{label} MeanNN"),
        m.mean_nn_ms,
        r["MeanNN"].as_f64().unwrap(),
    );
    close(
        &format!("{label} SDNN"),
        m.sdnn_ms,
        r["SDNN"].as_f64().unwrap(),
    );
    close(
        &format!("{label} RMSSD"),
        m.rmssd_ms,
        r["RMSSD"].as_f64().unwrap(),
    );
    let p = r["pNN50"].as_f64().unwrap();
    assert!(
        (m.pnn50_pct - p).abs() <= 0.2,
        "{label} pNN50 {} vs {p}",
        m.pnn50_pct
    );
}

fn sample_beats() -> Vec<Beat> {
    let rr: Vec<f64> = common::read_shared("polar-h10/sample_rr_ms.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().parse().unwrap())
        .collect();
    let cfg = CleanerConfig {
        correct: false,
        ..CleanerConfig::default()
    };
    let (beats, stats) = clean_all(cfg, &times_from_cumsum(0, &rr));
    assert_eq!(stats.corrected, 0);
    beats
}

#[test]
fn whole_file_and_windows_match_neurokit2() {
    let reference: serde_json::Value =
        serde_json::from_str(&common::read_shared("polar-h10/reference_hrv.json")).unwrap();
    let beats = sample_beats();
    assert_eq!(beats.len() as u64, reference["beats"].as_u64().unwrap());
    check("whole", &hrv_of(&beats).unwrap(), &reference["whole"]);

    let windows = reference["windows_60s"].as_array().unwrap();
    assert_eq!(windows.len(), 10);
    let mut rolling = RollingHrv::new(60_000);
    let mut it = beats.iter().peekable();
    for w in windows {
        let k = w["index"].as_i64().unwrap();
        let (lo, hi) = (k * 60_000, (k + 1) * 60_000);
        let slice: Vec<Beat> = beats
            .iter()
            .filter(|b| b.t_ms >= lo && b.t_ms < hi)
            .copied()
            .collect();
        assert_eq!(slice.len() as u64, w["beats"].as_u64().unwrap());
        check(&format!("window {k} (slice)"), &hrv_of(&slice).unwrap(), w);
        while let Some(b) = it.next_if(|b| b.t_ms < hi) {
            rolling.push(b);
        }
        // (hi - 60 s - 1 ms, hi - 1 ms] == [lo, hi) on a whole-ms clock.
        rolling.advance_to(hi - 1);
        let m = rolling.metrics().unwrap();
        assert_eq!(m.beats as u64, w["beats"].as_u64().unwrap());
        check(&format!("window {k} (rolling)"), &m, w);
    }
}
