//! The seam between the shift model and the store: which of the model's
//! events and inputs are kept, the key figures of its summary, and the
//! setup a new shift starts from.
//!
//! WHY here and not in the model: the model stays free of storage, and the
//! store's tables stay free of the model's types (events and summaries are
//! JSON); only this module knows both.
pub mod carry;

use crate::Millis;
use crate::baseline::{BaselineSample, BaselineSource, estimate};
use crate::drift::{self, ShiftArc, ShiftPoint};
use crate::offshift;
use crate::shift::{ShiftConfig, ShiftEvent, ShiftInput, ShiftSetup};
use crate::store::{KeyFigures, ShiftId, ShiftRecord, ShiftWriter, Store, StoreError};
use crate::summary::{ShiftDigest, ShiftSummary, TREND_SHIFTS};
use carry::BaselineRecord;
use std::collections::HashMap;

const DAY_MS: Millis = 86_400_000;

/// Event kind under which user actions (the model's inputs other than
/// data) are stored, so a shift can be rebuilt by replaying them.
pub const INPUT_EVENT: &str = "input";

pub use crate::store::config_key;

impl KeyFigures {
    /// The figures the trend needs, from the model's summary. Beats, mean
    /// HR and corrected share are left to the store, which counts the beats
    /// it holds, so the figures agree with an export.
    pub fn from_summary(s: &ShiftSummary) -> KeyFigures {
        let d = &s.digest;
        KeyFigures {
            beats: None,
            mean_hr_bpm: None,
            corrected_share: None,
            duration_s: Some(s.duration_s),
            activated_share: Some(d.activated_share),
            baseline_share: Some(d.baseline_share),
            returns_to_baseline: Some(i64::from(s.returns_to_baseline)),
            returns_per_hour: (s.duration_s > 0.0).then_some(d.returns_per_hour),
            longest_without_return_s: Some(s.longest_without_return_s),
            load_start: Some(s.load_start),
            load_peak: Some(s.load_peak),
            load_end: Some(s.load_end),
            prompts_offered: Some(i64::from(s.prompts_offered)),
            prompts_taken: Some(i64::from(s.prompts_taken)),
            resets: i64::try_from(s.resets.len()).ok(),
            activation_episodes: i64::try_from(s.recovery.episodes.len()).ok(),
            median_recovery_s: s.recovery.median_recovery_s,
            not_recovered_share: s.recovery.not_recovered_share,
        }
    }
}

impl ShiftRecord {
    /// The model's digest of an ended shift, when the key figures hold one
    /// (shifts imported without the model do not).
    pub fn digest(&self) -> Option<ShiftDigest> {
        let k = &self.key;
        Some(ShiftDigest {
            start_ms: self.started_ms,
            duration_s: k.duration_s?,
            activated_share: k.activated_share?,
            baseline_share: k.baseline_share?,
            returns_per_hour: k.returns_per_hour?,
            longest_without_return_s: k.longest_without_return_s?,
            load_peak: k.load_peak?,
            load_end: k.load_end?,
            median_recovery_s: k.median_recovery_s,
            not_recovered_share: k.not_recovered_share,
        })
    }
}

/// How a model event is stored: `(time, kind, payload)`, or `None` for the
/// events that are not kept. Gauge refreshes (every 5 s) are recomputable
/// from the stored beats and are not kept; the summary (`Ended`) goes to the
/// shift row; ignored inputs are only counted (in the summary). `now` is the
/// time of the input that caused the event, used for events without their
/// own time (a reset's effect is scored when its after-window completes).
pub fn event_record(
    ev: &ShiftEvent,
    now: Millis,
) -> Option<(Millis, &'static str, serde_json::Value)> {
    let (t, kind) = match ev {
        ShiftEvent::Gauge { .. } | ShiftEvent::Ended { .. } | ShiftEvent::InputIgnored { .. } => {
            return None;
        }
        ShiftEvent::Started { t_ms, .. } => (*t_ms, "started"),
        ShiftEvent::StateChanged { t_ms, .. } => (*t_ms, "state_changed"),
        ShiftEvent::BaselineChanged { t_ms, .. } => (*t_ms, "baseline_changed"),
        ShiftEvent::PromptOffered { prompt } => (prompt.t_ms, "prompt_offered"),
        ShiftEvent::ResetScored { .. } => (now, "reset_scored"),
        ShiftEvent::SignalLost { t_ms } => (*t_ms, "signal_lost"),
        ShiftEvent::SignalRestored { t_ms, .. } => (*t_ms, "signal_restored"),
    };
    serde_json::to_value(ev).ok().map(|v| (t, kind, v))
}

/// How a user action is stored (kind [`INPUT_EVENT`], payload = the input
/// as JSON); data inputs (beats, packets, HR, motion, ticks) are not: they
/// have their own tables.
pub fn input_record(input: &ShiftInput) -> Option<(Millis, serde_json::Value)> {
    match input {
        ShiftInput::Packet { .. }
        | ShiftInput::Rr { .. }
        | ShiftInput::Beat { .. }
        | ShiftInput::HeartRate { .. }
        | ShiftInput::Motion { .. }
        | ShiftInput::Tick { .. } => None,
        _ => serde_json::to_value(input).ok().map(|v| (input.t_ms(), v)),
    }
}

impl ShiftWriter {
    /// Ends the shift with the model's summary: the summary JSON, its key
    /// figures, and the shift's still minutes for the next shift's baseline.
    pub fn finish_with_summary(&mut self, summary: &ShiftSummary) -> Result<(), StoreError> {
        self.finish_summary(summary, false)
    }

    /// [`ShiftWriter::finish_with_summary`] for a shift closed after an
    /// interruption: the stored summary says `"interrupted": true`.
    pub fn finish_interrupted(&mut self, summary: &ShiftSummary) -> Result<(), StoreError> {
        self.finish_summary(summary, true)
    }

    fn finish_summary(
        &mut self,
        summary: &ShiftSummary,
        interrupted: bool,
    ) -> Result<(), StoreError> {
        /// The stored summary: the model's, plus `"interrupted": true` for
        /// a shift closed after an interruption.
        #[derive(serde::Serialize)]
        struct Stored<'a> {
            #[serde(flatten)]
            summary: &'a ShiftSummary,
            #[serde(skip_serializing_if = "is_false")]
            interrupted: bool,
        }
        fn is_false(b: &bool) -> bool {
            !*b
        }
        let stored = Stored {
            summary,
            interrupted,
        };
        self.finish(summary.end_ms, &stored, &KeyFigures::from_summary(summary))?;
        self.store().save_shift_baseline(
            summary.end_ms,
            Some(self.shift_id()),
            Some(&summary.baseline),
            &summary.baseline_samples,
        )
    }
}

impl Store {
    /// What a shift starting at `start_ms` begins from: the personal
    /// baseline's rolling history, the digests of up to [`TREND_SHIFTS`]
    /// earlier ended shifts (for the trend), and the load carried from the
    /// last of them. The store only supplies that shift's end time and end
    /// load; how much of it is left after the time off is the model's rule
    /// ([`crate::offshift::carry`], with `config.load.off_shift`).
    pub fn shift_setup(
        &self,
        start_ms: Millis,
        config: ShiftConfig,
    ) -> Result<ShiftSetup, StoreError> {
        let history = self.baseline_history_at(start_ms, &config.baseline)?;
        let earlier: Vec<ShiftRecord> = self
            .trend(u32::MAX)?
            .into_iter()
            .filter(|r| r.started_ms < start_ms)
            .collect();
        let carry = earlier.last().and_then(|r| {
            let end = r.ended_ms?;
            let load = r.key.load_end?;
            Some(offshift::carry(load, end, start_ms, &config.load.off_shift))
        });
        let previous: Vec<ShiftDigest> = earlier.iter().filter_map(ShiftRecord::digest).collect();
        let previous = previous
            .get(previous.len().saturating_sub(TREND_SHIFTS)..)
            .unwrap_or(&[])
            .to_vec();
        Ok(ShiftSetup {
            config,
            history,
            previous,
            load_start: carry.map_or(0.0, |c| c.carried),
            carry,
        })
    }

    /// The arc across shifts for the history screens: the ended shifts of
    /// the last `days` days before the end of the latest one (time comes
    /// from the data, never from a clock), each with its drift figures, and
    /// the drift as of the latest shift ([`crate::drift`]). Calm HR and
    /// lnRMSSD come from each shift's own still minutes (the baseline rows
    /// it saved), through the baseline estimator of `config.baseline`.
    pub fn shift_arc(&self, days: u32, config: &ShiftConfig) -> Result<ShiftArc, StoreError> {
        let ended = self.trend(u32::MAX)?;
        let Some(last_end) = ended.iter().filter_map(|r| r.ended_ms).max() else {
            return Ok(drift::arc(&[], 0));
        };
        let show_from = last_end.saturating_sub(DAY_MS.saturating_mul(i64::from(days)));
        let from = show_from.saturating_sub(DAY_MS * drift::NORMAL_DAYS);
        let mut calm: HashMap<ShiftId, Vec<BaselineSample>> = HashMap::new();
        for b in self.baselines_between(from, last_end)? {
            if let (Some(id), Ok(rec)) = (
                b.shift_id,
                serde_json::from_value::<BaselineRecord>(b.payload),
            ) {
                calm.entry(id).or_default().extend(rec.samples);
            }
        }
        let mut points = Vec::new();
        let mut previous_end: Option<Millis> = None;
        for r in &ended {
            let Some(end) = r.ended_ms else { continue };
            let off_shift_h =
                previous_end.map(|e| r.started_ms.saturating_sub(e).max(0) as f64 / 3_600_000.0);
            previous_end = Some(end);
            if end < from {
                continue;
            }
            let own = calm
                .get(&r.id)
                .filter(|s| s.len() >= drift::MIN_CALM_MINUTES as usize)
                .and_then(|s| estimate(s, BaselineSource::Personal, &config.baseline));
            let k = &r.key;
            points.push(ShiftPoint {
                shift_id: r.id,
                start_ms: r.started_ms,
                end_ms: end,
                calm_hr_bpm: own.map(|b| b.hr_bpm),
                calm_ln_rmssd: own.and_then(|b| b.ln_rmssd),
                median_recovery_s: k.median_recovery_s,
                not_recovered_share: k.not_recovered_share,
                load_start: k.load_start,
                load_end: k.load_end,
                returns_per_hour: k.returns_per_hour,
                off_shift_h,
                quick_return: off_shift_h.is_some_and(|h| h < config.load.off_shift.quick_return_h),
            });
        }
        Ok(drift::arc(&points, show_from))
    }

    /// The stored model summary of a shift, typed (None when the shift has
    /// no summary or one in another shape, e.g. an import without model).
    pub fn model_summary(&self, id: ShiftId) -> Result<Option<ShiftSummary>, StoreError> {
        Ok(self
            .summary(id)?
            .and_then(|v| serde_json::from_value::<ShiftSummary>(v).ok()))
    }

    /// The baseline rows saved by [`ShiftWriter::finish_with_summary`].
    pub fn baseline_records(&self) -> Result<Vec<(Millis, BaselineRecord)>, StoreError> {
        Ok(self
            .baseline_history()?
            .into_iter()
            .filter_map(|b| {
                serde_json::from_value::<BaselineRecord>(b.payload)
                    .ok()
                    .map(|r| (b.t_ms, r))
            })
            .collect())
    }
}
