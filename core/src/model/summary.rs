//! The end-of-shift summary (docs/model.md §7) and its running tally.
//!
//! What a person (and the store) gets when a shift ends: time at baseline /
//! elevated / activated / physically active / recovering / without signal,
//! the number of returns to baseline, the longest stretch without a return,
//! load at start, end and peak, prompts offered / taken / snoozed / dismissed
//! with their reasons, the measured effect of each reset, signal quality
//! (share of corrected beats, connection gaps) and the trend against earlier
//! shifts.
//!
//! Definitions:
//! - a *return to baseline* is a refresh in state `baseline` whose previous
//!   scored state (ignoring `no_signal`) was `elevated`, `activated` or
//!   `recovering`;
//! - the *longest stretch without a return* is the longest span of signal
//!   time (time in `no_signal` pauses it) between two refreshes at baseline
//!   (or the shift's edges);
//! - the *trend* compares this shift's [`ShiftDigest`] with the mean of the
//!   digests of up to [`TREND_SHIFTS`] earlier shifts: each field is
//!   `this - mean(previous)`.
use crate::Millis;
use crate::activation::{Activation, ActivationState};
use crate::baseline::{Baseline, BaselineSample};
use crate::offshift::LoadCarry;
use crate::prompt::Prompt;
use crate::recovery::{RecoveryTimes, RecoveryTracker};
use crate::reset::ResetEffect;

/// How many earlier shifts the trend looks back over.
pub const TREND_SHIFTS: usize = 7;

/// Seconds spent in each state.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StateDurations {
    pub baseline_s: f64,
    pub elevated_s: f64,
    pub activated_s: f64,
    pub active_s: f64,
    pub recovering_s: f64,
    pub no_signal_s: f64,
}

impl StateDurations {
    fn add(&mut self, state: ActivationState, secs: f64) {
        let slot = match state {
            ActivationState::Baseline => &mut self.baseline_s,
            ActivationState::Elevated => &mut self.elevated_s,
            ActivationState::Activated => &mut self.activated_s,
            ActivationState::Active => &mut self.active_s,
            ActivationState::Recovering => &mut self.recovering_s,
            ActivationState::NoSignal => &mut self.no_signal_s,
        };
        *slot += secs;
    }

    /// Time with a signal (everything but `no_signal`).
    pub fn with_signal_s(&self) -> f64 {
        self.baseline_s + self.elevated_s + self.activated_s + self.active_s + self.recovering_s
    }
}

/// What the person did with a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum PromptOutcome {
    /// A reset was started while the prompt was open.
    Taken,
    Snoozed,
    Dismissed,
    /// No answer before the next prompt or the end of the shift.
    Unanswered,
}

/// One prompt and what became of it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PromptRecord {
    pub prompt: Prompt,
    pub outcome: PromptOutcome,
}

/// Signal quality over the shift.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SignalQuality {
    /// Beats received (0 on an HR-only strap).
    pub beats: u64,
    pub corrected_beats: u64,
    /// `corrected_beats / beats`; `None` without beats.
    pub corrected_share: Option<f64>,
    /// Heart-rate samples without RR (HR-only input).
    pub hr_samples: u64,
    /// Connection gaps (signal lost then restored or shift ended).
    pub gaps: u32,
    pub gap_total_s: f64,
    pub longest_gap_s: f64,
    /// Inputs ignored because their time ran backwards or was stale.
    pub ignored_inputs: u64,
}

/// The few numbers of a shift that later shifts compare against.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ShiftDigest {
    pub start_ms: Millis,
    pub duration_s: f64,
    /// Share of signal time spent `activated` (0..1).
    pub activated_share: f64,
    /// Share of signal time at `baseline` (0..1).
    pub baseline_share: f64,
    pub returns_per_hour: f64,
    pub longest_without_return_s: f64,
    pub load_peak: f64,
    pub load_end: f64,
    /// Median time from an activation's peak back to baseline, seconds
    /// ([`crate::recovery`]); `None` without a recovered episode.
    #[serde(default)]
    pub median_recovery_s: Option<f64>,
    /// Share of activation episodes not back at baseline before the next
    /// one or the shift's end; `None` without episodes.
    #[serde(default)]
    pub not_recovered_share: Option<f64>,
}

/// This shift minus the mean of up to [`TREND_SHIFTS`] earlier ones.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Trend {
    /// Number of earlier shifts compared against (0 = no trend yet).
    pub previous_shifts: u32,
    pub activated_share_change: Option<f64>,
    pub baseline_share_change: Option<f64>,
    pub returns_per_hour_change: Option<f64>,
    pub load_peak_change: Option<f64>,
    pub load_end_change: Option<f64>,
    /// Against the earlier shifts that have a median recovery time.
    #[serde(default)]
    pub median_recovery_change_s: Option<f64>,
    /// Against the earlier shifts that had activation episodes.
    #[serde(default)]
    pub not_recovered_share_change: Option<f64>,
}

/// `this - mean(others)` over the values that exist.
fn change(this: Option<f64>, others: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = others.flatten().collect();
    let this = this?;
    (!v.is_empty()).then(|| this - v.iter().sum::<f64>() / v.len() as f64)
}

/// Compare a digest with earlier ones (most recent last; only the last
/// [`TREND_SHIFTS`] are used).
pub fn trend(this: &ShiftDigest, previous: &[ShiftDigest]) -> Trend {
    let recent = previous
        .get(previous.len().saturating_sub(TREND_SHIFTS)..)
        .unwrap_or(&[]);
    if recent.is_empty() {
        return Trend::default();
    }
    let n = recent.len() as f64;
    let mean = |f: fn(&ShiftDigest) -> f64| recent.iter().map(f).sum::<f64>() / n;
    Trend {
        previous_shifts: u32::try_from(recent.len()).unwrap_or(u32::MAX),
        activated_share_change: Some(this.activated_share - mean(|d| d.activated_share)),
        baseline_share_change: Some(this.baseline_share - mean(|d| d.baseline_share)),
        returns_per_hour_change: Some(this.returns_per_hour - mean(|d| d.returns_per_hour)),
        load_peak_change: Some(this.load_peak - mean(|d| d.load_peak)),
        load_end_change: Some(this.load_end - mean(|d| d.load_end)),
        median_recovery_change_s: change(
            this.median_recovery_s,
            recent.iter().map(|d| d.median_recovery_s),
        ),
        not_recovered_share_change: change(
            this.not_recovered_share,
            recent.iter().map(|d| d.not_recovered_share),
        ),
    }
}

/// Everything docs/model.md §7 lists.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ShiftSummary {
    pub start_ms: Millis,
    pub end_ms: Millis,
    pub duration_s: f64,
    pub time_in: StateDurations,
    pub returns_to_baseline: u32,
    pub longest_without_return_s: f64,
    pub load_start: f64,
    /// How `load_start` came from the previous shift (off-shift recovery,
    /// [`crate::offshift`]); `None` for a first or fresh shift.
    #[serde(default)]
    pub load_carry: Option<LoadCarry>,
    pub load_end: f64,
    pub load_peak: f64,
    pub prompts_offered: u32,
    pub prompts_taken: u32,
    pub prompts_snoozed: u32,
    pub prompts_dismissed: u32,
    pub prompts: Vec<PromptRecord>,
    pub resets: Vec<ResetEffect>,
    pub signal: SignalQuality,
    /// The baseline in use at the end of the shift.
    pub baseline: Baseline,
    /// This shift's still minutes, for the store to add to the history.
    pub baseline_samples: Vec<BaselineSample>,
    /// Each activation episode's recovery time ([`crate::recovery`]).
    #[serde(default)]
    pub recovery: RecoveryTimes,
    pub digest: ShiftDigest,
    pub trend: Trend,
}

/// The running tally a shift keeps (plain data).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    pub time_in: StateDurations,
    pub returns_to_baseline: u32,
    pub longest_without_return_ms: Millis,
    run_without_return_ms: Millis,
    last_scored: Option<ActivationState>,
    last_refresh_ms: Option<Millis>,
    pub prompts: Vec<PromptRecord>,
    pub resets: Vec<ResetEffect>,
    pub signal: SignalQuality,
    /// Activation episodes and their recovery.
    #[serde(default)]
    pub recovery: RecoveryTracker,
}

impl Tally {
    /// Account one gauge refresh: the interval since the previous refresh
    /// is attributed to this refresh's state.
    pub fn refresh(&mut self, a: &Activation) {
        let dt = self.last_refresh_ms.map_or(0, |p| (a.t_ms - p).max(0));
        self.last_refresh_ms = Some(a.t_ms);
        self.time_in.add(a.state, dt as f64 / 1000.0);
        self.recovery.refresh(a);
        match a.state {
            ActivationState::NoSignal => {}
            ActivationState::Baseline => {
                if matches!(
                    self.last_scored,
                    Some(
                        ActivationState::Elevated
                            | ActivationState::Activated
                            | ActivationState::Recovering
                    )
                ) {
                    self.returns_to_baseline += 1;
                }
                self.run_without_return_ms = 0;
                self.last_scored = Some(a.state);
            }
            other => {
                self.run_without_return_ms += dt;
                self.longest_without_return_ms = self
                    .longest_without_return_ms
                    .max(self.run_without_return_ms);
                self.last_scored = Some(other);
            }
        }
    }

    /// A new prompt (its outcome starts `Unanswered`).
    pub fn prompt(&mut self, p: Prompt) {
        self.prompts.push(PromptRecord {
            prompt: p,
            outcome: PromptOutcome::Unanswered,
        });
    }

    /// Answer the most recent prompt if it is still unanswered; true if so.
    pub fn answer(&mut self, outcome: PromptOutcome) -> bool {
        match self.prompts.last_mut() {
            Some(r) if r.outcome == PromptOutcome::Unanswered => {
                r.outcome = outcome;
                true
            }
            _ => false,
        }
    }

    /// `ms` of refreshes without signal skipped in one step (a long
    /// dropout): counted as `no_signal` time.
    pub fn no_signal_span(&mut self, ms: Millis) {
        let ms = ms.max(0);
        self.time_in.no_signal_s += ms as f64 / 1000.0;
        if let Some(t) = self.last_refresh_ms.as_mut() {
            self.recovery.interrupt(*t);
            *t += ms;
        }
    }

    /// A connection gap of `ms` ended.
    pub fn gap(&mut self, ms: Millis) {
        let s = ms.max(0) as f64 / 1000.0;
        self.signal.gaps += 1;
        self.signal.gap_total_s += s;
        self.signal.longest_gap_s = self.signal.longest_gap_s.max(s);
    }

    /// Close the tally into a summary.
    #[allow(clippy::too_many_arguments)]
    pub fn finish(
        &self,
        start_ms: Millis,
        end_ms: Millis,
        load_start: f64,
        load_end: f64,
        load_peak: f64,
        baseline: Baseline,
        baseline_samples: Vec<BaselineSample>,
        previous: &[ShiftDigest],
    ) -> ShiftSummary {
        let count = |o: PromptOutcome| {
            u32::try_from(self.prompts.iter().filter(|r| r.outcome == o).count())
                .unwrap_or(u32::MAX)
        };
        let duration_s = (end_ms - start_ms).max(0) as f64 / 1000.0;
        let with_signal = self.time_in.with_signal_s();
        let share = |x: f64| {
            if with_signal > 0.0 {
                x / with_signal
            } else {
                0.0
            }
        };
        let mut signal = self.signal;
        signal.corrected_share = if signal.beats > 0 {
            Some(signal.corrected_beats as f64 / signal.beats as f64)
        } else {
            None
        };
        let recovery = self.recovery.finish(end_ms);
        let digest = ShiftDigest {
            start_ms,
            duration_s,
            activated_share: share(self.time_in.activated_s),
            baseline_share: share(self.time_in.baseline_s),
            returns_per_hour: if with_signal > 0.0 {
                f64::from(self.returns_to_baseline) * 3600.0 / with_signal
            } else {
                0.0
            },
            longest_without_return_s: self.longest_without_return_ms as f64 / 1000.0,
            load_peak,
            load_end,
            median_recovery_s: recovery.median_recovery_s,
            not_recovered_share: recovery.not_recovered_share,
        };
        ShiftSummary {
            start_ms,
            end_ms,
            duration_s,
            time_in: self.time_in,
            returns_to_baseline: self.returns_to_baseline,
            longest_without_return_s: digest.longest_without_return_s,
            load_start,
            load_carry: None,
            load_end,
            load_peak,
            prompts_offered: u32::try_from(self.prompts.len()).unwrap_or(u32::MAX),
            prompts_taken: count(PromptOutcome::Taken),
            prompts_snoozed: count(PromptOutcome::Snoozed),
            prompts_dismissed: count(PromptOutcome::Dismissed),
            prompts: self.prompts.clone(),
            resets: self.resets.clone(),
            signal,
            baseline,
            baseline_samples,
            recovery,
            trend: trend(&digest, previous),
            digest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::BaselineConfig;
    use crate::prompt::PromptReason;

    fn a(t: Millis, state: ActivationState) -> Activation {
        Activation {
            t_ms: t,
            gauge: Some(10.0),
            distance: Some(0.0),
            z_hr: Some(0.0),
            z_ln_rmssd: None,
            hr_bpm: Some(60.0),
            ln_rmssd: None,
            state,
            physical: state == ActivationState::Active,
        }
    }

    #[test]
    fn tally_counts_time_returns_and_longest_stretch() {
        use ActivationState::*;
        let mut t = Tally::default();
        let seq = [
            Baseline, Baseline, Elevated, Activated, Activated, NoSignal, NoSignal, Recovering,
            Baseline, Active, Baseline,
        ];
        for (i, s) in seq.iter().enumerate() {
            t.refresh(&a(i as i64 * 5000, *s));
        }
        assert_eq!(
            t.returns_to_baseline, 1,
            "active -> baseline is not a return from activation"
        );
        assert_eq!(t.time_in.baseline_s, 15.0);
        assert_eq!(t.time_in.activated_s, 10.0);
        assert_eq!(t.time_in.no_signal_s, 10.0);
        // elevated, activated x2, recovering = 20 s (no_signal pauses it)
        assert_eq!(t.longest_without_return_ms, 20_000);
        let s = t.finish(
            0,
            50_000,
            0.0,
            1.0,
            2.0,
            crate::baseline::Baseline::population(&BaselineConfig::default()),
            vec![],
            &[],
        );
        assert_eq!(s.duration_s, 50.0);
        assert_eq!(s.trend.previous_shifts, 0);
        assert!((s.digest.activated_share - 10.0 / 40.0).abs() < 1e-12);
    }

    #[test]
    fn prompt_outcomes_and_trend() {
        let mut t = Tally::default();
        let p = Prompt {
            t_ms: 0,
            number: 1,
            reason: PromptReason {
                activated_minutes: 3,
                window_minutes: 4,
                sustained_s: 60.0,
                gauge: 40.0,
                hr_rise_bpm: None,
                ln_rmssd_drop: None,
            },
        };
        t.prompt(p);
        assert!(t.answer(PromptOutcome::Snoozed));
        assert!(!t.answer(PromptOutcome::Taken), "already answered");
        t.prompt(Prompt { number: 2, ..p });
        t.gap(30_000);
        t.gap(10_000);
        let s = t.finish(
            0,
            1,
            0.0,
            0.0,
            0.0,
            crate::baseline::Baseline::population(&BaselineConfig::default()),
            vec![],
            &[],
        );
        assert_eq!(
            (s.prompts_offered, s.prompts_snoozed, s.prompts_taken),
            (2, 1, 0)
        );
        assert_eq!(s.prompts[1].outcome, PromptOutcome::Unanswered);
        assert_eq!(
            (s.signal.gaps, s.signal.gap_total_s, s.signal.longest_gap_s),
            (2, 40.0, 30.0)
        );

        let prev = ShiftDigest {
            activated_share: 0.2,
            load_peak: 10.0,
            ..ShiftDigest::default()
        };
        let this = ShiftDigest {
            activated_share: 0.3,
            load_peak: 4.0,
            ..ShiftDigest::default()
        };
        let tr = trend(&this, &[prev, prev]);
        assert_eq!(tr.previous_shifts, 2);
        assert!((tr.activated_share_change.unwrap() - 0.1).abs() < 1e-12);
        assert_eq!(tr.load_peak_change, Some(-6.0));
        // Recovery: compared only with the shifts that have a value.
        let slow = ShiftDigest {
            median_recovery_s: Some(300.0),
            not_recovered_share: Some(0.5),
            ..this
        };
        let quick = ShiftDigest {
            median_recovery_s: Some(120.0),
            not_recovered_share: Some(0.1),
            ..prev
        };
        let tr = trend(&slow, &[prev, quick]);
        assert_eq!(tr.median_recovery_change_s, Some(180.0));
        assert!((tr.not_recovered_share_change.unwrap() - 0.4).abs() < 1e-12);
        assert_eq!(trend(&slow, &[prev]).median_recovery_change_s, None);
        assert_eq!(trend(&this, &[quick]).median_recovery_change_s, None);
        let many = vec![prev; 20];
        assert_eq!(trend(&this, &many).previous_shifts, TREND_SHIFTS as u32);
    }
}
