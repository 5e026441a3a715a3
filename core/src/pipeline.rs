//! The live beat pipeline in one object: strap packets (or RR intervals)
//! in, a gauge-ready snapshot out every refresh period. `steady replay`,
//! `steady demo` and the benchmark run it; the shift model builds on the
//! same parts ([`BeatCleaner`], [`RollingHrv`], [`RollingHr`]).
use crate::Millis;
use crate::beats::{Beat, BeatCleaner, CleanerConfig, CleanerStats, RrTimeline, TimedRr};
use crate::hrm::{HrmError, decode_view};
use crate::hrv::{DEFAULT_WINDOW_MS, HrvMetrics, RollingHr, RollingHrv};

/// How often the live gauge refreshes (model.md §3: about every 5 s).
pub const REFRESH_MS: Millis = 5_000;

/// A window whose corrected share exceeds this is low quality and does not
/// drive decisions (model.md §2).
pub const MAX_CORRECTED_SHARE: f64 = 0.2;

/// A window with beats covering less than this share of its length is
/// low quality (dropouts).
pub const MIN_COVERAGE: f64 = 0.5;

/// Signal quality of the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalQuality {
    /// Enough clean beats: HRV is usable.
    Good,
    /// More than 20 % of the window's beats were corrected.
    Artifacts,
    /// Beats cover less than half the window (dropouts).
    Gaps,
    /// The stream is younger than one window: figures are provisional.
    WarmingUp,
    /// No RR intervals, only heart rate: HR-only mode.
    HrOnly,
    /// Nothing in the window.
    NoSignal,
}

/// What the gauge shows at a refresh.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// Time of the refresh on the input clock.
    pub t_ms: Millis,
    /// HRV over the trailing window (None without at least two beats).
    pub hrv: Option<HrvMetrics>,
    /// Heart rate: from beats when there are any, else the strap's HR.
    pub hr_bpm: Option<f64>,
    /// Share of the window covered by beats (0..1).
    pub coverage: f64,
    /// Quality verdict.
    pub quality: SignalQuality,
}

/// Cleaner + rolling HRV + rolling HR, with a refresh clock.
#[derive(Debug, Clone)]
pub struct BeatPipeline {
    timeline: RrTimeline,
    cleaner: BeatCleaner,
    hrv: RollingHrv,
    hr: RollingHr,
    next_refresh: Option<Millis>,
    refresh_ms: Millis,
    beats: u64,
    first_beat_t: Option<Millis>,
}

impl BeatPipeline {
    /// A pipeline with the given window and cleaner.
    pub fn new(window_ms: Millis, cleaner: CleanerConfig) -> Self {
        Self {
            timeline: RrTimeline::default(),
            cleaner: BeatCleaner::new(cleaner),
            hrv: RollingHrv::new(window_ms),
            hr: RollingHr::new(window_ms, 4),
            next_refresh: None,
            refresh_ms: REFRESH_MS,
            beats: 0,
            first_beat_t: None,
        }
    }

    /// Beats released so far.
    pub fn beats(&self) -> u64 {
        self.beats
    }

    /// Cleaner counts so far.
    pub fn cleaner_stats(&self) -> CleanerStats {
        self.cleaner.stats()
    }

    /// Current rolling HRV.
    pub fn hrv(&self) -> &RollingHrv {
        &self.hrv
    }

    fn take_beats(
        &mut self,
        released: impl Iterator<Item = Beat>,
        on_beat: &mut impl FnMut(&Beat),
    ) {
        for b in released {
            self.first_beat_t
                .get_or_insert(b.t_ms.saturating_sub(b.rr_ms.round() as Millis));
            self.hrv.push(&b);
            self.beats += 1;
            on_beat(&b);
        }
    }

    /// One 0x2A37 notification that arrived at `t_ms`. A packet that does
    /// not decode is a gap (and the error is returned for logging).
    pub fn push_packet(
        &mut self,
        t_ms: Millis,
        bytes: &[u8],
        mut on_beat: impl FnMut(&Beat),
    ) -> Result<(), HrmError> {
        let v = match decode_view(bytes) {
            Ok(v) => v,
            Err(e) => {
                self.gap(&mut on_beat);
                return Err(e);
            }
        };
        if v.heart_rate_bpm > 0 {
            self.hr.push(t_ms, f64::from(v.heart_rate_bpm));
        }
        let Self {
            timeline,
            cleaner,
            hrv,
            beats,
            first_beat_t,
            ..
        } = self;
        timeline.push_packet(t_ms, v.rr_ms(), |r| {
            for b in cleaner.push_rr(r) {
                first_beat_t.get_or_insert(b.t_ms.saturating_sub(b.rr_ms.round() as Millis));
                hrv.push(&b);
                *beats += 1;
                on_beat(&b);
            }
        });
        Ok(())
    }

    /// One RR interval with its end time (file replay).
    pub fn push_rr(&mut self, rr: TimedRr, mut on_beat: impl FnMut(&Beat)) {
        let released = self.cleaner.push_rr(rr);
        self.take_beats(released, &mut on_beat);
    }

    /// A heart-rate sample (HR-only mode, or the strap's own HR).
    pub fn push_hr(&mut self, t_ms: Millis, bpm: f64) {
        self.hr.push(t_ms, bpm);
    }

    /// A known gap (disconnection).
    pub fn gap(&mut self, mut on_beat: impl FnMut(&Beat)) {
        self.timeline.gap();
        let released = self.cleaner.gap();
        self.take_beats(released, &mut on_beat);
    }

    /// Releases the last pending beat (end of input).
    pub fn finish(&mut self, mut on_beat: impl FnMut(&Beat)) {
        let released = self.cleaner.finish();
        self.take_beats(released, &mut on_beat);
    }

    /// The snapshot at `t_ms` (moves the window's clock forward).
    pub fn snapshot(&mut self, t_ms: Millis) -> Snapshot {
        self.hrv.advance_to(t_ms);
        let hrv = self.hrv.metrics();
        let coverage = self.hrv.coverage();
        let young = self
            .first_beat_t
            .is_some_and(|f| t_ms.saturating_sub(f) < self.hrv.window_ms());
        let quality = match hrv {
            Some(m) if m.corrected_share > MAX_CORRECTED_SHARE => SignalQuality::Artifacts,
            Some(_) if young => SignalQuality::WarmingUp,
            Some(_) if coverage < MIN_COVERAGE => SignalQuality::Gaps,
            Some(_) => SignalQuality::Good,
            None if self.hr.mean_bpm().is_some() => SignalQuality::HrOnly,
            None => SignalQuality::NoSignal,
        };
        Snapshot {
            t_ms,
            hrv,
            hr_bpm: hrv.map(|m| m.mean_hr_bpm).or(self.hr.mean_bpm()),
            coverage,
            quality,
        }
    }

    /// Returns a snapshot when the refresh clock has reached `t_ms` (every
    /// [`REFRESH_MS`] of input time), else None.
    pub fn poll(&mut self, t_ms: Millis) -> Option<Snapshot> {
        let due = *self
            .next_refresh
            .get_or_insert(t_ms.saturating_add(self.refresh_ms));
        if t_ms < due {
            return None;
        }
        // Skip refreshes missed during a gap instead of replaying them.
        let mut next = due.saturating_add(self.refresh_ms);
        if next <= t_ms {
            next = t_ms.saturating_add(self.refresh_ms);
        }
        self.next_refresh = Some(next);
        Some(self.snapshot(t_ms))
    }
}

impl Default for BeatPipeline {
    fn default() -> Self {
        Self::new(DEFAULT_WINDOW_MS, CleanerConfig::default())
    }
}
