//! Rolling short-window HRV (time domain), as NeuroKit2 and Kubios define it.
//!
//! Definitions (documented in `docs/formats.md`):
//! - mean NN: mean of the intervals in the window (ms).
//! - SDNN: sample standard deviation, ddof = 1 (NeuroKit2).
//! - RMSSD: root mean square of successive differences, taken only between
//!   consecutive beats that are both in the window and not separated by a
//!   gap; lnRMSSD its natural log.
//! - pNN50: successive differences with |diff| > 50 ms, divided by the
//!   number of NN intervals in the window, in percent. This is the Task
//!   Force (1996) wording and NeuroKit2's computation; dividing by the number
//!   of differences instead would give n/(n-1) times more.
//! - mean HR: 60 000 / mean NN (beats per minute of covered time).
//! - corrected share: share of the window's beats that the cleaner corrected.
//!
//! [`RollingHrv`] keeps running sums over a ring buffer sized at
//! construction: O(1) amortised work per beat and no heap allocation once
//! warm. The sums are recomputed from the buffer every
//! [`RECOMPUTE_EVERY`] beats so floating-point drift cannot build up over a
//! 12-hour shift.
use std::collections::VecDeque;

use crate::Millis;
use crate::beats::{Beat, CONTIGUITY_TOLERANCE_MS};

/// Time-domain HRV over one window of beats.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HrvMetrics {
    /// Number of beats (NN intervals) in the window.
    pub beats: u32,
    pub mean_nn_ms: f64,
    /// Sample standard deviation (ddof = 1), as NeuroKit2.
    pub sdnn_ms: f64,
    pub rmssd_ms: f64,
    /// Natural log of RMSSD (ms).
    pub ln_rmssd: f64,
    pub pnn50_pct: f64,
    pub mean_hr_bpm: f64,
    /// Share (0..1) of beats in the window that the cleaner corrected.
    pub corrected_share: f64,
}

/// Default window length: 60 s (Esco & Flatt 2014, docs/model.md §1).
pub const DEFAULT_WINDOW_MS: Millis = 60_000;

/// Running sums are rebuilt from the buffer this often (beats).
pub const RECOMPUTE_EVERY: u32 = 4096;

/// Running sums of one window.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    n: u32,
    sum: f64,
    sum_sq: f64,
    n_diff: u32,
    sum_diff_sq: f64,
    nn50: u32,
    corrected: u32,
}

impl Sums {
    fn add_beat(&mut self, rr: f64, corrected: bool) {
        self.n += 1;
        self.sum += rr;
        self.sum_sq += rr * rr;
        if corrected {
            self.corrected += 1;
        }
    }

    fn add_diff(&mut self, d: f64) {
        self.n_diff += 1;
        self.sum_diff_sq += d * d;
        if d.abs() > 50.0 {
            self.nn50 += 1;
        }
    }

    fn metrics(&self) -> Option<HrvMetrics> {
        if self.n < 2 || self.n_diff == 0 {
            return None;
        }
        let n = f64::from(self.n);
        let mean = self.sum / n;
        let var = ((self.sum_sq - n * mean * mean) / (n - 1.0)).max(0.0);
        let rmssd = (self.sum_diff_sq.max(0.0) / f64::from(self.n_diff)).sqrt();
        Some(HrvMetrics {
            beats: self.n,
            mean_nn_ms: mean,
            sdnn_ms: var.sqrt(),
            rmssd_ms: rmssd,
            ln_rmssd: rmssd.ln(),
            pnn50_pct: 100.0 * f64::from(self.nn50) / n,
            mean_hr_bpm: 60_000.0 / mean,
            corrected_share: f64::from(self.corrected) / n,
        })
    }
}

/// Time-domain HRV of a slice of beats (whole-file figures, fixed windows).
/// Successive differences are taken only between beats that follow each
/// other ([`Beat::follows`]). Returns None with fewer than two beats or no
/// successive difference.
pub fn hrv_of(beats: &[Beat]) -> Option<HrvMetrics> {
    let mut acc = HrvAccumulator::default();
    beats.iter().for_each(|b| acc.push(b));
    acc.metrics()
}

/// What [`hrv_of`] computes, beat by beat, without holding the beats (the
/// whole-file and window figures of a recording read as it streams).
#[derive(Debug, Clone, Copy, Default)]
pub struct HrvAccumulator {
    sums: Sums,
    prev: Option<Beat>,
}

impl HrvAccumulator {
    /// Adds the next beat.
    pub fn push(&mut self, b: &Beat) {
        self.sums.add_beat(b.rr_ms, b.corrected);
        if let Some(p) = &self.prev
            && b.follows(p, CONTIGUITY_TOLERANCE_MS)
        {
            self.sums.add_diff(b.rr_ms - p.rr_ms);
        }
        self.prev = Some(*b);
    }

    /// The figures so far (None with fewer than two beats or no successive
    /// difference).
    pub fn metrics(&self) -> Option<HrvMetrics> {
        self.sums.metrics()
    }
}

/// Time-domain HRV of a plain, gap-free series of RR intervals (ms).
pub fn hrv_of_rr(rr_ms: &[f64]) -> Option<HrvMetrics> {
    let mut s = Sums::default();
    for (i, &r) in rr_ms.iter().enumerate() {
        s.add_beat(r, false);
        if let Some(p) = i.checked_sub(1).and_then(|j| rr_ms.get(j)) {
            s.add_diff(r - p);
        }
    }
    s.metrics()
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    beat: Beat,
    /// Successive difference to the previous entry when both are in the
    /// window and consecutive.
    diff: Option<f64>,
}

/// A trailing time window over a beat stream: beats with end time in
/// `(now - window, now]`, `now` being the latest beat (or [`Self::advance_to`]).
#[derive(Debug, Clone)]
pub struct RollingHrv {
    window_ms: Millis,
    buf: VecDeque<Entry>,
    sums: Sums,
    last: Option<Beat>,
    now: Option<Millis>,
    since_recompute: u32,
}

impl Default for RollingHrv {
    fn default() -> Self {
        Self::new(DEFAULT_WINDOW_MS)
    }
}

impl RollingHrv {
    /// A window of `window_ms` (at least 1 ms). The buffer is sized for the
    /// shortest physiological beat (300 ms), so it does not grow in use.
    pub fn new(window_ms: Millis) -> Self {
        let window_ms = window_ms.max(1);
        // Capped so an absurd window cannot request an absurd buffer up
        // front (it would then grow on demand instead).
        let cap = usize::try_from(window_ms / 300 + 4)
            .unwrap_or(256)
            .min(1 << 16);
        Self {
            window_ms,
            buf: VecDeque::with_capacity(cap),
            sums: Sums::default(),
            last: None,
            now: None,
            since_recompute: 0,
        }
    }

    /// Window length in ms.
    pub fn window_ms(&self) -> Millis {
        self.window_ms
    }

    /// Beats currently in the window.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when the window holds no beat.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Sum of the RR intervals in the window divided by the window length:
    /// 1.0 when beats cover the whole window, less after a dropout.
    pub fn coverage(&self) -> f64 {
        (self.sums.sum / self.window_ms as f64).clamp(0.0, 1.0)
    }

    /// Adds a beat. A beat earlier than the previous one (time ran
    /// backwards) empties the window first: the documented recovery.
    pub fn push(&mut self, b: &Beat) {
        if let Some(last) = self.last
            && b.t_ms < last.t_ms
        {
            self.clear();
        }
        let diff = match (self.last, self.buf.back()) {
            (Some(p), Some(_)) if b.follows(&p, CONTIGUITY_TOLERANCE_MS) => Some(b.rr_ms - p.rr_ms),
            _ => None,
        };
        self.buf.push_back(Entry { beat: *b, diff });
        self.sums.add_beat(b.rr_ms, b.corrected);
        if let Some(d) = diff {
            self.sums.add_diff(d);
        }
        self.last = Some(*b);
        self.advance_to(b.t_ms);
        self.since_recompute += 1;
        if self.since_recompute >= RECOMPUTE_EVERY {
            self.recompute();
        }
    }

    /// Moves `now` forward without a beat (time passes during a dropout),
    /// evicting beats older than the window. Never moves `now` backwards.
    pub fn advance_to(&mut self, t_ms: Millis) {
        let now = self.now.map_or(t_ms, |n| n.max(t_ms));
        self.now = Some(now);
        let cutoff = now.saturating_sub(self.window_ms);
        while let Some(front) = self.buf.front() {
            if front.beat.t_ms > cutoff {
                break;
            }
            let b = front.beat;
            self.buf.pop_front();
            self.remove_beat(b.rr_ms, b.corrected);
            if let Some(next) = self.buf.front_mut()
                && let Some(d) = next.diff.take()
            {
                self.remove_diff(d);
            }
        }
        if self.buf.is_empty() {
            self.sums = Sums::default();
        }
    }

    fn remove_beat(&mut self, rr: f64, corrected: bool) {
        let s = &mut self.sums;
        s.n = s.n.saturating_sub(1);
        s.sum -= rr;
        s.sum_sq -= rr * rr;
        if corrected {
            s.corrected = s.corrected.saturating_sub(1);
        }
    }

    fn remove_diff(&mut self, d: f64) {
        let s = &mut self.sums;
        s.n_diff = s.n_diff.saturating_sub(1);
        s.sum_diff_sq -= d * d;
        if d.abs() > 50.0 {
            s.nn50 = s.nn50.saturating_sub(1);
        }
    }

    fn recompute(&mut self) {
        let mut s = Sums::default();
        for e in &self.buf {
            s.add_beat(e.beat.rr_ms, e.beat.corrected);
            if let Some(d) = e.diff {
                s.add_diff(d);
            }
        }
        self.sums = s;
        self.since_recompute = 0;
    }

    /// Empties the window (keeps its capacity).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.sums = Sums::default();
        self.last = None;
        self.now = None;
    }

    /// HRV of the current window; None with fewer than two beats or no
    /// successive difference.
    pub fn metrics(&self) -> Option<HrvMetrics> {
        self.sums.metrics()
    }
}

/// Rolling mean of heart-rate samples over a trailing window: the HR-only
/// mode for straps or devices that send no RR intervals.
#[derive(Debug, Clone)]
pub struct RollingHr {
    window_ms: Millis,
    buf: VecDeque<(Millis, f64)>,
    sum: f64,
}

impl RollingHr {
    /// A window of `window_ms`, sized for `max_rate_hz` samples per second.
    pub fn new(window_ms: Millis, max_rate_hz: u32) -> Self {
        let cap = usize::try_from(window_ms.max(1) / 1000 + 1)
            .unwrap_or(64)
            .saturating_mul(max_rate_hz.max(1) as usize)
            .min(1 << 16);
        Self {
            window_ms: window_ms.max(1),
            buf: VecDeque::with_capacity(cap),
            sum: 0.0,
        }
    }

    /// Adds one HR sample (non-finite or non-positive values are ignored).
    pub fn push(&mut self, t_ms: Millis, bpm: f64) {
        if !bpm.is_finite() || bpm <= 0.0 {
            return;
        }
        if self.buf.back().is_some_and(|&(t, _)| t_ms < t) {
            self.buf.clear();
            self.sum = 0.0;
        }
        self.buf.push_back((t_ms, bpm));
        self.sum += bpm;
        let cutoff = t_ms.saturating_sub(self.window_ms);
        while let Some(&(t, v)) = self.buf.front() {
            if t > cutoff {
                break;
            }
            self.buf.pop_front();
            self.sum -= v;
        }
    }

    /// Mean HR over the window, None when empty.
    pub fn mean_bpm(&self) -> Option<f64> {
        if self.buf.is_empty() {
            None
        } else {
            Some(self.sum / self.buf.len() as f64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::beats::times_from_cumsum;

    fn beats(rr: &[f64]) -> Vec<Beat> {
        times_from_cumsum(0, rr)
            .into_iter()
            .map(|r| Beat {
                t_ms: r.t_ms,
                rr_ms: r.rr_ms,
                corrected: false,
            })
            .collect()
    }

    #[test]
    fn small_example_by_hand() {
        let m = hrv_of_rr(&[1000.0, 1100.0, 1000.0, 900.0]).unwrap();
        assert_eq!(m.mean_nn_ms, 1000.0);
        // diffs 100, -100, -100 -> rmssd 100; nn50 = 3 of 4 intervals.
        assert!((m.rmssd_ms - 100.0).abs() < 1e-12);
        assert!((m.pnn50_pct - 75.0).abs() < 1e-12);
        assert!((m.sdnn_ms - (20_000.0f64 / 3.0).sqrt()).abs() < 1e-9);
        assert_eq!(m.mean_hr_bpm, 60.0);
    }

    #[test]
    fn gap_splits_successive_differences() {
        let mut b = beats(&[1000.0, 1000.0, 1000.0]);
        b.push(Beat {
            t_ms: 10_000,
            rr_ms: 1500.0,
            corrected: false,
        });
        let m = hrv_of(&b).unwrap();
        assert_eq!(m.rmssd_ms, 0.0);
    }

    #[test]
    fn rolling_matches_slice_on_every_window() {
        let rr: Vec<f64> = (0..2000)
            .map(|i| 800.0 + 120.0 * ((i as f64) * 0.37).sin())
            .collect();
        let b = beats(&rr);
        let mut r = RollingHrv::new(30_000);
        for (i, beat) in b.iter().enumerate() {
            r.push(beat);
            let lo = b[..=i].partition_point(|x| x.t_ms <= beat.t_ms - 30_000);
            let want = hrv_of(&b[lo..=i]);
            let got = r.metrics();
            match (want, got) {
                (Some(w), Some(g)) => {
                    assert_eq!(w.beats, g.beats);
                    assert!((w.sdnn_ms - g.sdnn_ms).abs() < 1e-6);
                    assert!((w.rmssd_ms - g.rmssd_ms).abs() < 1e-6);
                    assert_eq!(w.pnn50_pct, g.pnn50_pct);
                }
                (None, None) => {}
                other => panic!("mismatch at {i}: {other:?}"),
            }
        }
    }

    #[test]
    fn absurd_windows_do_not_panic() {
        let mut r = RollingHrv::new(Millis::MAX);
        r.push(&Beat {
            t_ms: Millis::MIN,
            rr_ms: 800.0,
            corrected: false,
        });
        r.push(&Beat {
            t_ms: Millis::MAX,
            rr_ms: 800.0,
            corrected: false,
        });
        let _ = r.metrics();
        let mut h = RollingHr::new(Millis::MAX, u32::MAX);
        h.push(Millis::MIN, 60.0);
        h.push(Millis::MAX, 60.0);
        assert_eq!(h.mean_bpm(), Some(60.0));
    }

    #[test]
    fn rolling_hr_mean() {
        let mut h = RollingHr::new(10_000, 1);
        for i in 0..20 {
            h.push(i * 1000, if i < 10 { 60.0 } else { 80.0 });
        }
        assert_eq!(h.mean_bpm(), Some(80.0));
    }
}
