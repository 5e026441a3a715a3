//! What one shift hands to the next: the personal baseline's still minutes.
//!
//! WHY per-shift rows: the model's rolling history (`BaselineHistory`) can
//! reach a few hundred kB; saving it whole after every shift would cost
//! ~100 MB a year. Each ended shift instead saves only its own still
//! minutes (a few kB) with the baseline it ended on, and the history for a
//! new shift is rebuilt from the rows inside the model's rolling window.
use crate::Millis;
use crate::baseline::{Baseline, BaselineConfig, BaselineHistory, BaselineSample};
use crate::store::{ShiftId, Store, StoreError};
use serde::{Deserialize, Serialize};

const DAY_MS: Millis = 86_400_000;

/// The payload of one row of the baseline history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineRecord {
    /// The baseline in use when the shift ended.
    pub baseline: Option<Baseline>,
    /// The shift's still minutes, for the rolling history.
    pub samples: Vec<BaselineSample>,
}

impl Store {
    /// Saves a shift's contribution to the personal baseline at `t_ms`
    /// (normally the shift's end).
    pub fn save_shift_baseline(
        &self,
        t_ms: Millis,
        shift: Option<ShiftId>,
        baseline: Option<&Baseline>,
        samples: &[BaselineSample],
    ) -> Result<(), StoreError> {
        /// [`BaselineRecord`]'s shape, borrowed (no copy of the samples).
        #[derive(Serialize)]
        struct Row<'a> {
            baseline: Option<&'a Baseline>,
            samples: &'a [BaselineSample],
        }
        self.save_baseline(t_ms, shift, &Row { baseline, samples })
    }

    /// The rolling history a shift starting at `now` begins with: the still
    /// minutes saved in `[now - window_days, now]`, through the model's own
    /// `BaselineHistory::add` (ordering, window, cap). Rows saved with
    /// [`Store::save_baseline`] in another shape are skipped.
    pub fn baseline_history_at(
        &self,
        now: Millis,
        cfg: &BaselineConfig,
    ) -> Result<BaselineHistory, StoreError> {
        let from = now.saturating_sub(DAY_MS.saturating_mul(i64::from(cfg.window_days)));
        let mut history = BaselineHistory::default();
        for payload in self.baseline_payloads(from, now)? {
            match serde_json::from_value::<BaselineRecord>(payload) {
                Ok(rec) => history.add(&rec.samples, cfg),
                Err(e) => tracing::warn!(error = %e, "skipping a baseline row of another shape"),
            }
        }
        Ok(history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t_ms: Millis, hr: f64) -> BaselineSample {
        BaselineSample {
            t_ms,
            hr_bpm: hr,
            ln_rmssd: Some(3.5),
        }
    }

    #[test]
    fn history_is_rebuilt_from_the_rolling_window() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("s.db")).unwrap();
        let cfg = BaselineConfig::default();
        let day = DAY_MS;
        // Shifts on days 0, 10 and 40; a new shift on day 41.
        for d in [0, 10, 40] {
            let samples: Vec<_> = (0..3)
                .map(|m| sample(d * day + m * 60_000, 60.0 + d as f64))
                .collect();
            s.save_shift_baseline(d * day + 43_200_000, None, None, &samples)
                .unwrap();
        }
        s.save_baseline(5, None, &serde_json::json!({"other": 1}))
            .unwrap();
        let h = s.baseline_history_at(41 * day, &cfg).unwrap();
        let within = cfg.window_days as i64 * day;
        assert!(h.samples.iter().all(|x| x.t_ms >= 41 * day - within));
        assert_eq!(h.samples.len(), if within >= 31 * day { 6 } else { 3 });
        assert_eq!(h.samples.last().unwrap().hr_bpm, 100.0);
        // Nothing saved yet before day 0.
        assert!(s.baseline_history_at(-1, &cfg).unwrap().samples.is_empty());
    }
}
