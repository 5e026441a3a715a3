//! Streaming beat cleaning: RR intervals in, clean beats out, at most one
//! beat late.
//!
//! Why streaming: the live gauge must not wait for a whole recording, and a
//! 12-hour shift must run in constant memory. The cleaner therefore keeps
//! only fixed-size trailing windows and releases every beat as soon as the
//! next one has arrived (one beat of delay, the minimum the ectopic test
//! needs).
//!
//! Steps, for each RR interval (see `docs/formats.md`, "Beat cleaning"):
//! 1. Continuity: an interval whose start (`t_ms - rr_ms`) does not meet the
//!    previous interval's end, or a time that runs backwards, or an explicit
//!    [`BeatCleaner::gap`], is a gap: the pending beat is released, and no
//!    successive difference is ever taken across the gap. A dropout is never
//!    turned into a very long beat.
//! 2. Physiological range (default 300-2000 ms): a too-short interval is an
//!    extra detection and is merged into the next interval (marked
//!    corrected); a too-long one cannot be one beat, so it is dropped and
//!    treated as a gap (we invent no beats for it).
//! 3. Lipponen & Tarvainen 2019 (the Kubios method) on a trailing 91-beat
//!    window: dRR normalised by 5.2 x quartile deviation, ectopic test with
//!    c1 = 0.13, c2 = 0.17, long/short, missed and extra beats. The original
//!    uses two beats of look-ahead for the long/short subspace (S22); with
//!    one beat we take S22 = dRR(n+1) and test extra beats by the sum rule
//!    alone. Corrections follow NeuroKit2's `signal_fixpeaks(method="kubios")`:
//!    ectopic and long/short beats move the R peak to the midpoint of its
//!    neighbours (both intervals become their mean), a missed beat splits
//!    the interval in two, an extra beat merges two intervals.
//!
//! HR-only straps (no RR at all) produce no beats here; nothing is
//! synthesised from the heart-rate value. Later stages use [`HrSample`]s
//! directly in that case.
use std::collections::VecDeque;

use crate::Millis;

/// One heartbeat interval after cleaning.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Beat {
    /// End time of the beat (the R peak that closes the interval) on the input clock.
    pub t_ms: Millis,
    /// Interval length in ms (after correction when `corrected`).
    pub rr_ms: f64,
    /// True when the cleaner replaced or interpolated this interval.
    pub corrected: bool,
}

impl Beat {
    /// True when `self` starts where `prev` ends (within `tolerance_ms`):
    /// the two beats are consecutive and a successive difference between
    /// them is meaningful.
    pub fn follows(&self, prev: &Beat, tolerance_ms: f64) -> bool {
        let start = self.t_ms as f64 - self.rr_ms;
        self.t_ms >= prev.t_ms && (start - prev.t_ms as f64).abs() <= tolerance_ms
    }
}

/// A heart-rate value as the strap (or the device) reports it, for HR-only
/// mode: straps that send no RR, optical sensors, E4 `HR.csv`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HrSample {
    /// Time of the sample on the input clock.
    pub t_ms: Millis,
    /// Heart rate in beats per minute.
    pub bpm: f64,
}

/// An RR interval with the time its closing beat happened.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimedRr {
    /// End time of the interval on the input clock.
    pub t_ms: Millis,
    /// Interval length in ms, as measured.
    pub rr_ms: f64,
}

/// Default tolerance (ms) when deciding whether two intervals are
/// consecutive. Timestamps are whole milliseconds while RR values from a
/// strap are in 1/1024 s, so exact equality is not expected; a missing beat
/// is at least 300 ms, far above this.
pub const CONTIGUITY_TOLERANCE_MS: f64 = 50.0;

/// Parameters of the cleaner. Defaults are the published ones (docs/formats.md, Beat cleaning).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CleanerConfig {
    /// Shortest physiological RR (ms); 300 ms = 200 bpm.
    pub min_rr_ms: f64,
    /// Longest physiological RR (ms); 2000 ms = 30 bpm.
    pub max_rr_ms: f64,
    /// When false, intervals pass through as given (only gaps are still
    /// recognised): for comparison with tools run on raw intervals.
    pub correct: bool,
    /// Trailing window (beats) for the time-varying thresholds: 91.
    pub window_beats: usize,
    /// Median filter length (beats) for mRR: 11.
    pub median_beats: usize,
    /// Threshold multiplier on the quartile deviation: 5.2.
    pub alpha: f64,
    /// Ectopic constant c1: 0.13.
    pub c1: f64,
    /// Ectopic constant c2: 0.17.
    pub c2: f64,
    /// Floor (ms) for both thresholds, so a perfectly regular series (zero
    /// quartile deviation) does not turn 1 ms of jitter into an artifact.
    /// 15 ms is below the 1/64 s resolution of optical sensors.
    pub min_threshold_ms: f64,
    /// Floor on both thresholds as a share of the trailing median RR. Not in
    /// the paper: during hard exercise the quartile deviation of dRR falls to
    /// a few ms, and a 4 % wobble of a 600 ms interval became "ectopic" on
    /// the exercise recording of ../shared/data. True ectopic beats are
    /// premature by well over 10 %, so a 10 % floor keeps them.
    pub min_threshold_share: f64,
    /// Cap on both thresholds (dRR and mRR) as a share of the trailing median RR (0.2 =
    /// the Malik 20 % rule). Not in the paper: without it a persistent
    /// arrhythmia (bigeminy, trigeminy) inflates the quartile deviation of
    /// its own 91-beat window until its premature beats look normal.
    pub max_threshold_share: f64,
    /// Successive differences needed before classification starts; until
    /// then only the range check applies.
    pub warmup_beats: usize,
    /// See [`CONTIGUITY_TOLERANCE_MS`].
    pub contiguity_tolerance_ms: f64,
}

impl Default for CleanerConfig {
    fn default() -> Self {
        Self {
            min_rr_ms: 300.0,
            max_rr_ms: 2000.0,
            correct: true,
            window_beats: 91,
            median_beats: 11,
            alpha: 5.2,
            c1: 0.13,
            c2: 0.17,
            min_threshold_ms: 15.0,
            min_threshold_share: 0.1,
            max_threshold_share: 0.2,
            warmup_beats: 15,
            contiguity_tolerance_ms: CONTIGUITY_TOLERANCE_MS,
        }
    }
}

/// What the cleaner has seen and done, for signal-quality reporting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CleanerStats {
    /// Intervals pushed in.
    pub intervals_in: u64,
    /// Beats released.
    pub beats_out: u64,
    /// Released beats marked corrected.
    pub corrected: u64,
    /// Detections by class (Lipponen & Tarvainen).
    pub ectopic: u64,
    pub missed: u64,
    pub extra: u64,
    pub long_short: u64,
    /// Intervals below the physiological range (merged forward).
    pub too_short: u64,
    /// Intervals above the physiological range (dropped as gaps).
    pub too_long: u64,
    /// Gaps (explicit, time jumps, too-long intervals).
    pub gaps: u64,
}

/// Beats released by one call: at most four, held inline so that pushing a
/// beat never allocates.
#[derive(Debug, Clone, Copy)]
pub struct Released {
    beats: [Beat; 4],
    len: usize,
    next: usize,
}

const NO_BEAT: Beat = Beat {
    t_ms: 0,
    rr_ms: 0.0,
    corrected: false,
};

impl Released {
    fn new() -> Self {
        Self {
            beats: [NO_BEAT; 4],
            len: 0,
            next: 0,
        }
    }

    fn push(&mut self, b: Beat) {
        if let Some(slot) = self.beats.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    /// The released beats as a slice, oldest first.
    pub fn as_slice(&self) -> &[Beat] {
        self.beats.get(..self.len).unwrap_or(&[])
    }
}

impl Iterator for Released {
    type Item = Beat;
    fn next(&mut self) -> Option<Beat> {
        if self.next < self.len {
            let b = self.beats.get(self.next).copied();
            self.next += 1;
            b
        } else {
            None
        }
    }
}

/// A fixed-capacity window of the most recent values with order statistics.
/// Insert and evict are a binary search plus a short memmove (at most
/// `cap` values): constant work for a fixed window, and no allocation once
/// built.
#[derive(Debug, Clone)]
struct SortedWindow {
    cap: usize,
    order: VecDeque<f64>,
    sorted: Vec<f64>,
}

impl SortedWindow {
    fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        Self {
            cap,
            order: VecDeque::with_capacity(cap),
            sorted: Vec::with_capacity(cap),
        }
    }

    fn len(&self) -> usize {
        self.sorted.len()
    }

    fn push(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        if self.order.len() >= self.cap
            && let Some(old) = self.order.pop_front()
        {
            // Replace the evicted value in place and slide the new one to
            // its rank: one pass over the values between the two ranks
            // instead of a remove plus an insert (two memmoves).
            let i = self.sorted.partition_point(|v| *v < old);
            if i < self.sorted.len() {
                self.slide(i, x);
                self.order.push_back(x);
                return;
            }
        }
        let i = self.sorted.partition_point(|v| *v < x);
        self.sorted.insert(i, x);
        self.order.push_back(x);
    }

    /// Puts `x` at position `i` (whose old value is being replaced) and
    /// moves it to its rank, shifting the values in between by one slot
    /// (a single short memmove; no data-dependent branches per element).
    fn slide(&mut self, i: usize, x: f64) {
        let s = self.sorted.as_mut_slice();
        let j = s.partition_point(|v| *v < x);
        if j > i + 1 {
            // x moves up: values (i, j) shift down one slot; x lands at j-1.
            s.copy_within(i + 1..j, i);
            if let Some(slot) = s.get_mut(j - 1) {
                *slot = x;
            }
        } else if j <= i {
            // x moves down (or stays): values [j, i) shift up one slot.
            s.copy_within(j..i, j + 1);
            if let Some(slot) = s.get_mut(j) {
                *slot = x;
            }
        } else if let Some(slot) = s.get_mut(i) {
            // j == i + 1: x belongs exactly where the old value was.
            *slot = x;
        }
    }

    /// Quantile with linear interpolation (numpy/pandas default).
    fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.sorted.len();
        if n == 0 {
            return None;
        }
        let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
        let lo = pos.floor() as usize;
        let frac = pos - lo as f64;
        let a = *self.sorted.get(lo)?;
        let b = self.sorted.get(lo + 1).copied().unwrap_or(a);
        Some(a + (b - a) * frac)
    }

    fn quartile_deviation(&self) -> Option<f64> {
        Some((self.quantile(0.75)? - self.quantile(0.25)?) / 2.0)
    }
}

#[derive(Debug, Clone, Copy)]
struct Pending {
    t: f64,
    rr: f64,
    /// dRR against the previous beat, None at the start of a run.
    d: Option<f64>,
    /// mRRs (deviation from the trailing median, negative side doubled).
    m: f64,
    corrected: bool,
}

/// Lipponen-Tarvainen class of a beat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Normal,
    Ectopic,
    LongShort,
    Missed,
    Extra,
}

/// The streaming cleaner. Push RR intervals with their end times; get clean
/// beats back one beat later. Deterministic and allocation-free once built.
#[derive(Debug, Clone)]
pub struct BeatCleaner {
    cfg: CleanerConfig,
    drr: SortedWindow,
    mrr: SortedWindow,
    med: SortedWindow,
    pending: Option<Pending>,
    /// RR and dRR of the last released beat of the current run.
    prev_rr: Option<f64>,
    prev_d: Option<f64>,
    /// End time of the last interval pushed (raw input chain).
    last_in_t: Option<f64>,
    /// Too-short intervals waiting to be merged into the next one.
    carry_ms: f64,
    stats: CleanerStats,
}

impl Default for BeatCleaner {
    fn default() -> Self {
        Self::new(CleanerConfig::default())
    }
}

impl BeatCleaner {
    /// A cleaner with the given parameters.
    pub fn new(cfg: CleanerConfig) -> Self {
        Self {
            drr: SortedWindow::new(cfg.window_beats),
            mrr: SortedWindow::new(cfg.window_beats),
            med: SortedWindow::new(cfg.median_beats),
            cfg,
            pending: None,
            prev_rr: None,
            prev_d: None,
            last_in_t: None,
            carry_ms: 0.0,
            stats: CleanerStats::default(),
        }
    }

    /// The parameters in use.
    pub fn config(&self) -> &CleanerConfig {
        &self.cfg
    }

    /// Counts so far.
    pub fn stats(&self) -> CleanerStats {
        self.stats
    }

    /// Pushes one RR interval of `rr_ms` ending at `t_ms`. Returns the beats
    /// that became final (0 to 4, oldest first).
    pub fn push(&mut self, t_ms: Millis, rr_ms: f64) -> Released {
        let mut out = Released::new();
        self.stats.intervals_in += 1;
        let t = t_ms as f64;
        if !rr_ms.is_finite() || rr_ms <= 0.0 {
            // Not an interval at all: a break in the chain.
            self.flush_into(&mut out, true);
            self.last_in_t = Some(t);
            return out;
        }
        if let Some(last) = self.last_in_t {
            let start = t - rr_ms;
            if t < last || (start - last).abs() > self.cfg.contiguity_tolerance_ms {
                self.flush_into(&mut out, true);
            }
        }
        self.last_in_t = Some(t);

        if !self.cfg.correct {
            // As given: no classification at all (`accept` would still
            // split missed beats and merge extra ones).
            self.release(&mut out, t, rr_ms, false);
            self.prev_rr = Some(rr_ms);
            return out;
        }
        if rr_ms > self.cfg.max_rr_ms {
            self.stats.too_long += 1;
            self.flush_into(&mut out, true);
            return out;
        }
        let rr = rr_ms + self.carry_ms;
        let merged = self.carry_ms > 0.0;
        if rr < self.cfg.min_rr_ms {
            self.stats.too_short += 1;
            self.carry_ms = rr;
            return out;
        }
        self.carry_ms = 0.0;
        if rr > self.cfg.max_rr_ms {
            // A short spike merged into the next interval overshoots: a gap.
            self.stats.too_long += 1;
            self.flush_into(&mut out, true);
            return out;
        }
        self.accept(&mut out, t, rr, merged);
        out
    }

    /// Pushes a [`TimedRr`].
    pub fn push_rr(&mut self, rr: TimedRr) -> Released {
        self.push(rr.t_ms, rr.rr_ms)
    }

    /// Declares a gap (strap disconnected, packets lost): the pending beat
    /// is released and the next interval starts a new run.
    pub fn gap(&mut self) -> Released {
        let mut out = Released::new();
        self.flush_into(&mut out, true);
        self.last_in_t = None;
        out
    }

    /// Releases the pending beat at the end of a recording.
    pub fn finish(&mut self) -> Released {
        let mut out = Released::new();
        self.flush_into(&mut out, false);
        out
    }

    fn release(&mut self, out: &mut Released, t: f64, rr: f64, corrected: bool) {
        self.stats.beats_out += 1;
        if corrected {
            self.stats.corrected += 1;
        }
        out.push(Beat {
            t_ms: t.round() as Millis,
            rr_ms: rr,
            corrected,
        });
    }

    fn flush_into(&mut self, out: &mut Released, is_gap: bool) {
        if let Some(p) = self.pending.take() {
            self.release(out, p.t, p.rr, p.corrected);
        }
        if is_gap && (self.prev_rr.is_some() || self.carry_ms > 0.0) {
            self.stats.gaps += 1;
        }
        self.prev_rr = None;
        self.prev_d = None;
        self.carry_ms = 0.0;
    }

    fn accept(&mut self, out: &mut Released, t: f64, x: f64, corrected: bool) {
        let before = self.pending.map(|p| p.rr).or(self.prev_rr);
        let d_new = before.map(|b| x - b);
        if let Some(d) = d_new {
            self.drr.push(d.abs());
        }
        self.med.push(x);
        let med = self.med.quantile(0.5).unwrap_or(x);
        let mut m = x - med;
        if m < 0.0 {
            m *= 2.0;
        }
        self.mrr.push(m.abs());
        let new = Pending {
            t,
            rr: x,
            d: d_new,
            m,
            corrected,
        };
        let Some(p) = self.pending else {
            self.pending = Some(new);
            return;
        };
        match self.classify(&p, &new, med) {
            Class::Normal => {
                self.release(out, p.t, p.rr, p.corrected);
                self.prev_rr = Some(p.rr);
                self.prev_d = p.d;
                self.pending = Some(new);
            }
            Class::Missed => {
                self.stats.missed += 1;
                let half = p.rr / 2.0;
                self.release(out, p.t - half, half, true);
                self.release(out, p.t, half, true);
                self.prev_rr = Some(half);
                self.prev_d = Some(0.0);
                self.pending = Some(Pending {
                    d: Some(x - half),
                    ..new
                });
            }
            Class::Extra => {
                self.stats.extra += 1;
                let merged = p.rr + x;
                self.release(out, t, merged, true);
                self.prev_d = self.prev_rr.map(|r| merged - r);
                self.prev_rr = Some(merged);
                self.pending = None;
            }
            class @ (Class::Ectopic | Class::LongShort) => {
                if class == Class::Ectopic {
                    self.stats.ectopic += 1;
                } else {
                    self.stats.long_short += 1;
                }
                let avg = (p.rr + x) / 2.0;
                self.release(out, t - avg, avg, true);
                self.release(out, t, avg, true);
                self.prev_rr = Some(avg);
                self.prev_d = Some(0.0);
                self.pending = None;
            }
        }
    }

    /// Classifies the pending beat `p` knowing the next one (`n1`).
    fn classify(&self, p: &Pending, n1: &Pending, med: f64) -> Class {
        let cfg = &self.cfg;
        let (Some(d_n), Some(d_n1)) = (p.d, n1.d) else {
            return Class::Normal;
        };
        if self.drr.len() < cfg.warmup_beats {
            return Class::Normal;
        }
        // Both thresholds are at least this floor, so a smaller |dRR| is
        // normal whatever the quartiles say (the common case: skip them).
        let floor = cfg.min_threshold_ms.max(cfg.min_threshold_share * med);
        if d_n.abs() <= floor {
            return Class::Normal;
        }
        let (Some(qd1), Some(qd2)) = (self.drr.quartile_deviation(), self.mrr.quartile_deviation())
        else {
            return Class::Normal;
        };
        let th1 = (cfg.alpha * qd1)
            .min(cfg.max_threshold_share * med)
            .max(cfg.min_threshold_ms)
            .max(cfg.min_threshold_share * med);
        let th2 = (cfg.alpha * qd2)
            .min(cfg.max_threshold_share * med)
            .max(cfg.min_threshold_ms)
            .max(cfg.min_threshold_share * med);
        let dn = d_n / th1;
        let dn1 = d_n1 / th1;
        let dnm1 = self.prev_d.map_or(0.0, |d| d / th1);
        if dn.abs() <= 1.0 {
            return Class::Normal;
        }
        let s12 = if dn > 0.0 {
            dnm1.max(dn1)
        } else {
            dnm1.min(dn1)
        };
        let ectopic =
            (dn > 1.0 && s12 < -cfg.c1 * dn - cfg.c2) || (dn < -1.0 && s12 > -cfg.c1 * dn + cfg.c2);
        if ectopic {
            return Class::Ectopic;
        }
        // One beat of look-ahead: S22 reduces to dRR(n+1).
        let s22 = dn1;
        let long = dn > 1.0 && s22 < -1.0;
        let short = dn < -1.0 && s22 > 1.0;
        let far_from_median = (p.m / th2).abs() > 3.0;
        if !(long || short || far_from_median) {
            return Class::Normal;
        }
        let missed = (p.rr / 2.0 - med).abs() < th2 && p.rr / 2.0 >= cfg.min_rr_ms;
        let extra = (p.rr + n1.rr - med).abs() < th2 && p.rr + n1.rr <= cfg.max_rr_ms;
        if dn < -1.0 && extra {
            Class::Extra
        } else if long && missed {
            Class::Missed
        } else {
            Class::LongShort
        }
    }
}

/// Cleans a whole series at once (convenience over [`BeatCleaner`]).
pub fn clean_all(cfg: CleanerConfig, rr: &[TimedRr]) -> (Vec<Beat>, CleanerStats) {
    let mut c = BeatCleaner::new(cfg);
    let mut beats = Vec::with_capacity(rr.len());
    for r in rr {
        beats.extend(c.push_rr(*r));
    }
    beats.extend(c.finish());
    (beats, c.stats())
}

/// Turns RR intervals without timestamps into [`TimedRr`]s by cumulative
/// sum from `start_ms` (the Kubios / NeuroKit2 convention).
pub fn times_from_cumsum(start_ms: Millis, rr_ms: &[f64]) -> Vec<TimedRr> {
    let mut acc = start_ms as f64;
    rr_ms
        .iter()
        .map(|&r| {
            acc += r;
            TimedRr {
                t_ms: acc.round() as Millis,
                rr_ms: r,
            }
        })
        .collect()
}

/// Default lag (ms) between a packet's arrival time and the RR chain beyond
/// which [`RrTimeline`] declares a gap. A strap reports a beat up to about a
/// second after it happened, and BLE adds jitter; a lost notification or a
/// disconnection shows up as the arrival clock running ahead of the RR sum.
pub const GAP_LAG_MS: f64 = 3000.0;

/// Gives beat times to RR intervals that arrive in packets stamped with an
/// arrival clock (BLE notifications, a logger's timestamps).
///
/// Within a run, beat times are the cumulative RR sum (exact intervals, as
/// the reference tools use). The chain is anchored so that the last RR of a
/// packet ends at the packet's arrival time, and re-anchored after a gap:
/// when the arrival clock runs ahead of the chain by more than `gap_lag_ms`
/// (lost packets, a dropout) or behind it by as much (a clock jump), or on
/// an explicit [`RrTimeline::gap`].
#[derive(Debug, Clone)]
pub struct RrTimeline {
    gap_lag_ms: f64,
    chain_end: Option<f64>,
    gaps: u64,
}

impl Default for RrTimeline {
    fn default() -> Self {
        Self::new(GAP_LAG_MS)
    }
}

impl RrTimeline {
    /// A timeline with the given gap threshold (ms).
    pub fn new(gap_lag_ms: f64) -> Self {
        Self {
            gap_lag_ms,
            chain_end: None,
            gaps: 0,
        }
    }

    /// Gaps found so far (time jumps and explicit gaps within a run).
    pub fn gaps(&self) -> u64 {
        self.gaps
    }

    /// Breaks the chain: the next packet re-anchors.
    pub fn gap(&mut self) {
        if self.chain_end.take().is_some() {
            self.gaps += 1;
        }
    }

    /// Times the RR intervals (ms) of one packet that arrived at `t_ms`,
    /// calling `emit` for each, oldest first. Returns true when this packet
    /// re-anchored the chain after a gap.
    pub fn push_packet(
        &mut self,
        t_ms: Millis,
        rr_ms: impl IntoIterator<Item = f64> + Clone,
        mut emit: impl FnMut(TimedRr),
    ) -> bool {
        let total: f64 = rr_ms.clone().into_iter().filter(|r| r.is_finite()).sum();
        let arrival = t_ms as f64;
        let mut regap = false;
        let start = match self.chain_end {
            Some(end) if (arrival - (end + total)).abs() <= self.gap_lag_ms => end,
            Some(_) => {
                self.gaps += 1;
                regap = true;
                arrival - total
            }
            None => arrival - total,
        };
        let mut acc = start;
        let mut any = false;
        for r in rr_ms {
            if !r.is_finite() {
                continue;
            }
            acc += r;
            any = true;
            emit(TimedRr {
                t_ms: acc.round() as Millis,
                rr_ms: r,
            });
        }
        if any {
            self.chain_end = Some(acc);
        }
        regap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(rr: &[f64]) -> Vec<TimedRr> {
        times_from_cumsum(0, rr)
    }

    fn regular(n: usize) -> Vec<f64> {
        // A realistic, slightly variable rhythm around 1000 ms.
        (0..n)
            .map(|i| 1000.0 + 30.0 * ((i as f64) * 0.7).sin() + 10.0 * ((i as f64) * 2.3).cos())
            .collect()
    }

    #[test]
    fn clean_series_passes_unchanged() {
        let rr = regular(300);
        let (beats, stats) = clean_all(CleanerConfig::default(), &series(&rr));
        assert_eq!(beats.len(), 300);
        assert_eq!(stats.corrected, 0);
        for (b, r) in beats.iter().zip(&rr) {
            assert_eq!(b.rr_ms, *r);
        }
    }

    #[test]
    fn premature_beat_is_corrected_and_time_preserved() {
        let mut rr = regular(200);
        rr[100] = 600.0;
        rr[101] = 1400.0;
        let (beats, stats) = clean_all(CleanerConfig::default(), &series(&rr));
        assert_eq!(beats.len(), 200);
        assert!(stats.ectopic + stats.long_short >= 1, "{stats:?}");
        assert!(beats[100].corrected && beats[101].corrected);
        assert!((beats[100].rr_ms - 1000.0).abs() < 5.0);
        // Total time is unchanged: the peak moved, it did not vanish.
        let sum: f64 = beats.iter().map(|b| b.rr_ms).sum();
        assert!((sum - rr.iter().sum::<f64>()).abs() < 1e-6);
    }

    #[test]
    fn missed_beat_is_split() {
        let mut rr = regular(200);
        rr[120] = 2000.0;
        let (beats, stats) = clean_all(CleanerConfig::default(), &series(&rr));
        assert_eq!(stats.missed, 1, "{stats:?}");
        assert_eq!(beats.len(), 201);
        assert_eq!(beats[120].rr_ms, 1000.0);
        assert_eq!(beats[121].rr_ms, 1000.0);
    }

    #[test]
    fn extra_beat_is_merged() {
        let mut rr = regular(200);
        rr.splice(80..81, [400.0, rr[80] - 400.0]);
        let (beats, stats) = clean_all(CleanerConfig::default(), &series(&rr));
        assert_eq!(stats.extra, 1, "{stats:?}");
        assert_eq!(beats.len(), 200);
    }

    #[test]
    fn out_of_range_is_gap_or_merge() {
        let mut rr = regular(50);
        rr[20] = 5000.0; // dropout: not a beat
        rr[30] = 150.0; // spike: merged into the next interval
        let (beats, stats) = clean_all(CleanerConfig::default(), &series(&rr));
        assert_eq!(stats.too_long, 1);
        assert_eq!(stats.too_short, 1);
        assert_eq!(beats.len(), 48);
        assert!(beats.iter().all(|b| b.rr_ms <= 2000.0 && b.rr_ms >= 300.0));
        // The beat after the dropout does not follow the one before it.
        let after = beats.iter().position(|b| b.t_ms > 20_000 + 5000).unwrap();
        assert!(!beats[after].follows(&beats[after - 1], CONTIGUITY_TOLERANCE_MS));
    }

    #[test]
    fn time_jump_is_a_gap_not_a_long_beat() {
        let mut c = BeatCleaner::default();
        let mut out = Vec::new();
        for (i, t) in (1..=20).map(|i| (i, i * 1000)) {
            let _ = i;
            out.extend(c.push(t, 1000.0));
        }
        out.extend(c.push(60_000, 1000.0)); // 39 s later
        out.extend(c.finish());
        assert_eq!(out.len(), 21);
        assert_eq!(c.stats().gaps, 1);
        assert!(out.iter().all(|b| b.rr_ms == 1000.0));
    }

    #[test]
    fn time_backwards_restarts() {
        let mut c = BeatCleaner::default();
        let mut out = Vec::new();
        out.extend(c.push(10_000, 1000.0));
        out.extend(c.push(11_000, 1000.0));
        out.extend(c.push(5_000, 1000.0));
        out.extend(c.finish());
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn no_correction_passes_everything() {
        let cfg = CleanerConfig {
            correct: false,
            ..CleanerConfig::default()
        };
        let rr = [900.0, 150.0, 2500.0, 900.0];
        let (beats, stats) = clean_all(cfg, &series(&rr));
        assert_eq!(beats.len(), 4);
        assert_eq!(stats.corrected, 0);
    }

    #[test]
    fn no_correction_leaves_artifacts_as_given() {
        // The artifacts the cleaner corrects by default: a premature beat,
        // a missed beat (one long interval) and an extra beat (two short).
        let mut rr = regular(300);
        rr[100] = 600.0;
        rr[101] = 1400.0;
        rr[150] = 1990.0;
        rr[200] = 480.0;
        rr[201] = 520.0;
        let timed = series(&rr);
        let (fixed, _) = clean_all(CleanerConfig::default(), &timed);
        assert!(fixed.iter().any(|b| b.corrected), "the data has artifacts");
        let cfg = CleanerConfig {
            correct: false,
            ..CleanerConfig::default()
        };
        let (beats, stats) = clean_all(cfg, &timed);
        assert_eq!(stats.corrected, 0);
        let got: Vec<(Millis, f64, bool)> = beats
            .iter()
            .map(|b| (b.t_ms, b.rr_ms, b.corrected))
            .collect();
        let want: Vec<(Millis, f64, bool)> =
            timed.iter().map(|r| (r.t_ms, r.rr_ms, false)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn timeline_anchors_and_detects_gaps() {
        let mut tl = RrTimeline::default();
        let mut out = Vec::new();
        tl.push_packet(10_000, [1000.0, 1000.0], |r| out.push(r));
        assert_eq!(out[0].t_ms, 9_000);
        assert_eq!(out[1].t_ms, 10_000);
        // Arrives 300 ms late: same run, chain time kept.
        tl.push_packet(11_300, [1000.0], |r| out.push(r));
        assert_eq!(out[2].t_ms, 11_000);
        // 20 s without packets: gap, re-anchored.
        assert!(tl.push_packet(31_000, [1000.0], |r| out.push(r)));
        assert_eq!(out[3].t_ms, 31_000);
        assert_eq!(tl.gaps(), 1);
    }

    #[test]
    fn sorted_window_stays_sorted() {
        let mut w = SortedWindow::new(7);
        let mut x = 0.5f64;
        for i in 0..500 {
            x = (x * 3.9 * (1.0 - x)).clamp(0.01, 0.99);
            w.push(if i % 13 == 0 { 0.5 } else { x });
            assert!(w.sorted.windows(2).all(|p| p[0] <= p[1]));
            let mut o: Vec<f64> = w.order.iter().copied().collect();
            o.sort_by(f64::total_cmp);
            assert_eq!(o, w.sorted);
        }
    }

    #[test]
    fn sorted_window_quantiles_match_numpy() {
        let mut w = SortedWindow::new(4);
        for x in [5.0, 1.0, 3.0, 2.0, 4.0] {
            w.push(x);
        }
        // Window now holds 1, 3, 2, 4 (5 evicted).
        assert_eq!(w.quantile(0.5), Some(2.5));
        assert_eq!(w.quantile(0.25), Some(1.75));
        assert_eq!(w.quantile(0.75), Some(3.25));
    }
}
