//! Whole-recording analysis behind `steady analyze`: clean the beats, then
//! time-domain HRV for the whole recording and for fixed windows.
//!
//! Window k holds the beats whose end time, measured from the recording's
//! origin ([`Recording::origin_ms`]), falls in `[k*W, (k+1)*W)`. Only
//! windows holding at least one beat or HR sample are listed (a dropout
//! leaves a hole in the indices rather than a row of nulls). The serialised
//! shape is the stable JSON of `docs/formats.md`.
use std::collections::BTreeMap;

use crate::Millis;
use crate::beats::{Beat, BeatCleaner, CleanerConfig, CleanerStats, HrSample, TimedRr};
use crate::formats::Recording;
use crate::hrv::{DEFAULT_WINDOW_MS, HrvAccumulator, HrvMetrics};

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
    pub duration_s: f64,
}

/// The whole-recording figures, once every beat was seen ([`Analyzer::finish`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    pub beats: u64,
    pub corrected_beats: u64,
    pub hrv: HrvSummary,
    pub stats: CleanerStats,
    pub duration_s: f64,
}

fn mean(sum: f64, n: u64) -> Option<f64> {
    (n > 0).then(|| sum / n as f64)
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

/// One window being filled.
#[derive(Debug, Clone, Copy, Default)]
struct OpenWindow {
    hrv: HrvAccumulator,
    beats: u32,
    corrected: u32,
    hr_sum: f64,
    hr_n: u64,
}

/// The analysis of [`analyze`], fed input by input, so that a recording
/// read as it streams is analysed without holding its beats: RR intervals
/// are cleaned as they come, the whole-recording HRV is kept as running
/// sums, and each window is handed out once complete.
///
/// A window is complete when no later beat or HR sample can fall in it. That
/// is known only when the inputs come in time order
/// ([`Analyzer::time_ordered`]): the cleaner releases beats in order, at
/// most a few beats late, and a heart-rate sample is never older than the
/// input before it. [`Analyzer::new`] assumes nothing and keeps every
/// window until [`Analyzer::finish`] (windows then come sorted by index).
#[derive(Debug, Clone)]
pub struct Analyzer {
    origin_ms: Millis,
    window_ms: Millis,
    time_ordered: bool,
    cleaner: BeatCleaner,
    whole: HrvAccumulator,
    beats: u64,
    corrected: u64,
    hr_sum: f64,
    hr_n: u64,
    open: BTreeMap<u64, OpenWindow>,
    rr_seen: bool,
    last_beat_t: Option<Millis>,
    last_rr_t: Option<Millis>,
    last_hr_t: Option<Millis>,
}

impl Analyzer {
    /// An analysis of a recording starting at `origin_ms`, in any order.
    pub fn new(origin_ms: Millis, opts: &AnalyzeOptions) -> Self {
        Self {
            origin_ms,
            window_ms: opts.window_ms.max(1),
            time_ordered: false,
            cleaner: BeatCleaner::new(opts.cleaner),
            whole: HrvAccumulator::default(),
            beats: 0,
            corrected: 0,
            hr_sum: 0.0,
            hr_n: 0,
            open: BTreeMap::new(),
            rr_seen: false,
            last_beat_t: None,
            last_rr_t: None,
            last_hr_t: None,
        }
    }

    /// An analysis whose inputs come in time order: windows are handed out
    /// as soon as complete.
    pub fn time_ordered(origin_ms: Millis, opts: &AnalyzeOptions) -> Self {
        Self {
            time_ordered: true,
            ..Self::new(origin_ms, opts)
        }
    }

    fn index_of(&self, t: Millis) -> Option<u64> {
        let rel = t.checked_sub(self.origin_ms)?;
        u64::try_from(rel.div_euclid(self.window_ms)).ok()
    }

    fn take_beats(&mut self, beats: impl Iterator<Item = Beat>) {
        for b in beats {
            self.beats += 1;
            self.corrected += u64::from(b.corrected);
            self.whole.push(&b);
            self.last_beat_t = Some(b.t_ms);
            if let Some(k) = self.index_of(b.t_ms) {
                let w = self.open.entry(k).or_default();
                w.hrv.push(&b);
                w.beats += 1;
                w.corrected += u32::from(b.corrected);
            }
        }
    }

    /// Hands out the windows that no later input can reach, `now` being the
    /// time of the latest input.
    fn release(&mut self, now: Millis, out: &mut impl FnMut(WindowReport)) {
        if !self.time_ordered {
            return;
        }
        let mut floor = now;
        if self.rr_seen {
            // Later beats end at or after the last released one.
            floor = floor.min(self.last_beat_t.unwrap_or(Millis::MIN));
        }
        let Some(limit) = self.index_of(floor) else {
            return;
        };
        while let Some(entry) = self.open.first_entry() {
            if *entry.key() >= limit {
                break;
            }
            let (k, w) = entry.remove_entry();
            out(self.report(k, &w));
        }
    }

    fn report(&self, k: u64, w: &OpenWindow) -> WindowReport {
        let m = w.hrv.metrics();
        let wl = self.window_ms as f64;
        WindowReport {
            index: k,
            start_s: (k as f64) * wl / 1000.0,
            end_s: (k as f64 + 1.0) * wl / 1000.0,
            beats: w.beats,
            mean_nn_ms: m.map(|m| m.mean_nn_ms),
            sdnn_ms: m.map(|m| m.sdnn_ms),
            rmssd_ms: m.map(|m| m.rmssd_ms),
            pnn50_pct: m.map(|m| m.pnn50_pct),
            mean_hr_bpm: m.map(|m| m.mean_hr_bpm).or(mean(w.hr_sum, w.hr_n)),
            corrected_share: (w.beats > 0).then(|| f64::from(w.corrected) / f64::from(w.beats)),
        }
    }

    /// Adds an RR interval; complete windows go to `out`.
    pub fn push_rr(&mut self, rr: TimedRr, out: &mut impl FnMut(WindowReport)) {
        self.rr_seen = true;
        self.last_rr_t = Some(rr.t_ms);
        let released = self.cleaner.push_rr(rr);
        self.take_beats(released);
        self.release(rr.t_ms, out);
    }

    /// Adds a device heart-rate sample; complete windows go to `out`.
    pub fn push_hr(&mut self, hr: HrSample, out: &mut impl FnMut(WindowReport)) {
        self.hr_sum += hr.bpm;
        self.hr_n += 1;
        self.last_hr_t = Some(hr.t_ms);
        if let Some(k) = self.index_of(hr.t_ms) {
            let w = self.open.entry(k).or_default();
            w.hr_sum += hr.bpm;
            w.hr_n += 1;
        }
        self.release(hr.t_ms, out);
    }

    /// Releases the last beat, hands out the remaining windows (by index)
    /// and returns the whole-recording figures.
    pub fn finish(mut self, out: &mut impl FnMut(WindowReport)) -> Totals {
        let released = self.cleaner.finish();
        self.take_beats(released);
        for (k, w) in std::mem::take(&mut self.open) {
            out(self.report(k, &w));
        }
        let last_t = [self.last_rr_t, self.last_hr_t]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(self.origin_ms);
        Totals {
            beats: self.beats,
            corrected_beats: self.corrected,
            hrv: summary(self.whole.metrics(), mean(self.hr_sum, self.hr_n)),
            stats: self.cleaner.stats(),
            duration_s: last_t.saturating_sub(self.origin_ms) as f64 / 1000.0,
        }
    }
}

/// Cleans and analyses a recording (RR in file order).
pub fn analyze(rec: &Recording, opts: &AnalyzeOptions) -> Detailed {
    let mut a = Analyzer::new(rec.origin_ms, opts);
    let mut windows = Vec::new();
    let mut out = |w| windows.push(w);
    for r in &rec.rr {
        a.push_rr(*r, &mut out);
    }
    for h in &rec.hr {
        a.push_hr(*h, &mut out);
    }
    let t = a.finish(&mut out);
    Detailed {
        analysis: Analysis {
            beats: t.beats,
            corrected_beats: t.corrected_beats,
            hrv: t.hrv,
            windows,
        },
        stats: t.stats,
        duration_s: t.duration_s,
    }
}
