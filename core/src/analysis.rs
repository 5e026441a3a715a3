//! Whole-recording analysis behind `steady analyze`: clean the beats, then
//! time-domain HRV for the whole recording and for fixed windows.
//!
//! Window k holds the beats whose end time, measured from the recording's
//! origin ([`Recording::origin_ms`]), falls in `[k*W, (k+1)*W)`. Only
//! windows holding at least one beat or HR sample are listed (a dropout
//! leaves a hole in the indices rather than a row of nulls). The serialised
//! shape is the stable JSON of `docs/formats.md`.
use crate::Millis;
use crate::beats::{Beat, BeatCleaner, CleanerConfig, CleanerStats};
use crate::formats::Recording;
use crate::hrv::{DEFAULT_WINDOW_MS, HrvMetrics, hrv_of};

/// Options of an analysis.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnalyzeOptions {
    /// Window length (ms), default 60 s.
    pub window_ms: Millis,
    /// Cleaner parameters (`correct: false` for `--no-correction`).
    pub cleaner: CleanerConfig,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        Self {
            window_ms: DEFAULT_WINDOW_MS,
            cleaner: CleanerConfig::default(),
        }
    }
}

/// Whole-recording HRV. Every field is null when it cannot be computed
/// (fewer than two beats); `mean_hr_bpm` falls back to the device's HR
/// samples when there are no beats (HR-only mode).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HrvSummary {
    pub mean_nn_ms: Option<f64>,
    pub sdnn_ms: Option<f64>,
    pub rmssd_ms: Option<f64>,
    pub ln_rmssd: Option<f64>,
    pub pnn50_pct: Option<f64>,
    pub mean_hr_bpm: Option<f64>,
}

/// One fixed window.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WindowReport {
    pub index: u64,
    pub start_s: f64,
    pub end_s: f64,
    pub beats: u32,
    pub mean_nn_ms: Option<f64>,
    pub sdnn_ms: Option<f64>,
    pub rmssd_ms: Option<f64>,
    pub pnn50_pct: Option<f64>,
    pub mean_hr_bpm: Option<f64>,
    pub corrected_share: Option<f64>,
}

/// The `analyze` result (serialises to the documented JSON).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Analysis {
    pub beats: u64,
    pub corrected_beats: u64,
    pub hrv: HrvSummary,
    pub windows: Vec<WindowReport>,
}

/// Analysis plus what is not part of the stable JSON (for text output).
#[derive(Debug, Clone, PartialEq)]
pub struct Detailed {
    pub analysis: Analysis,
    pub stats: CleanerStats,
    pub clean_beats: Vec<Beat>,
    pub duration_s: f64,
}

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = xs.fold((0.0, 0u64), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

fn summary(m: Option<HrvMetrics>, hr_fallback: Option<f64>) -> HrvSummary {
    HrvSummary {
        mean_nn_ms: m.map(|m| m.mean_nn_ms),
        sdnn_ms: m.map(|m| m.sdnn_ms),
        rmssd_ms: m.map(|m| m.rmssd_ms),
        ln_rmssd: m.map(|m| m.ln_rmssd).filter(|x| x.is_finite()),
        pnn50_pct: m.map(|m| m.pnn50_pct),
        mean_hr_bpm: m.map(|m| m.mean_hr_bpm).or(hr_fallback),
    }
}

/// Cleans and analyses a recording.
pub fn analyze(rec: &Recording, opts: &AnalyzeOptions) -> Detailed {
    let mut cleaner = BeatCleaner::new(opts.cleaner);
    let mut beats = Vec::with_capacity(rec.rr.len() + 4);
    for r in &rec.rr {
        beats.extend(cleaner.push_rr(*r));
    }
    beats.extend(cleaner.finish());
    let stats = cleaner.stats();
    let w = opts.window_ms.max(1);
    let index_of = |t: Millis| -> Option<u64> {
        let rel = t.checked_sub(rec.origin_ms)?;
        u64::try_from(rel.div_euclid(w)).ok()
    };
    let whole = hrv_of(&beats);
    let hr_mean = mean(rec.hr.iter().map(|h| h.bpm));
    let mut windows = Vec::new();
    let (mut bi, mut hi) = (0usize, 0usize);
    let mut hr_sorted: Vec<(u64, f64)> = rec
        .hr
        .iter()
        .filter_map(|h| Some((index_of(h.t_ms)?, h.bpm)))
        .collect();
    hr_sorted.sort_by_key(|x| x.0);
    let mut beat_idx: Vec<(u64, Beat)> = beats
        .iter()
        .filter_map(|b| Some((index_of(b.t_ms)?, *b)))
        .collect();
    beat_idx.sort_by_key(|x| x.0);
    while bi < beat_idx.len() || hi < hr_sorted.len() {
        let k = match (beat_idx.get(bi), hr_sorted.get(hi)) {
            (Some(b), Some(h)) => b.0.min(h.0),
            (Some(b), None) => b.0,
            (None, Some(h)) => h.0,
            (None, None) => break,
        };
        let b_end = bi
            + beat_idx
                .get(bi..)
                .map_or(0, |s| s.partition_point(|x| x.0 == k));
        let h_end = hi
            + hr_sorted
                .get(hi..)
                .map_or(0, |s| s.partition_point(|x| x.0 == k));
        let slice: Vec<Beat> = beat_idx
            .get(bi..b_end)
            .unwrap_or(&[])
            .iter()
            .map(|x| x.1)
            .collect();
        let m = hrv_of(&slice);
        let hr_k = mean(hr_sorted.get(hi..h_end).unwrap_or(&[]).iter().map(|x| x.1));
        let corrected = slice.iter().filter(|b| b.corrected).count();
        windows.push(WindowReport {
            index: k,
            start_s: (k as f64) * w as f64 / 1000.0,
            end_s: (k as f64 + 1.0) * w as f64 / 1000.0,
            beats: u32::try_from(slice.len()).unwrap_or(u32::MAX),
            mean_nn_ms: m.map(|m| m.mean_nn_ms),
            sdnn_ms: m.map(|m| m.sdnn_ms),
            rmssd_ms: m.map(|m| m.rmssd_ms),
            pnn50_pct: m.map(|m| m.pnn50_pct),
            mean_hr_bpm: m.map(|m| m.mean_hr_bpm).or(hr_k),
            corrected_share: (!slice.is_empty()).then(|| corrected as f64 / slice.len() as f64),
        });
        bi = b_end;
        hi = h_end;
    }
    let last_t = [rec.rr.last().map(|r| r.t_ms), rec.hr.last().map(|h| h.t_ms)]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(rec.origin_ms);
    Detailed {
        analysis: Analysis {
            beats: beats.len() as u64,
            corrected_beats: beats.iter().filter(|b| b.corrected).count() as u64,
            hrv: summary(whole, hr_mean),
            windows,
        },
        stats,
        clean_beats: beats,
        duration_s: last_t.saturating_sub(rec.origin_ms) as f64 / 1000.0,
    }
}
