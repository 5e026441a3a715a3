//! Recovery time: how long each activation episode takes to come back to
//! baseline, or that it did not before the next one.
//!
//! WHY: burnout is described as recovery that "takes longer and eventually
//! feels incomplete". The count of returns to baseline says how often the
//! person got back; this says how long it took, episode by episode.
//!
//! # Definitions (on the gauge refreshes, model.md §3 states)
//! - An **episode** opens at a refresh in `activated`.
//! - Its **peak** is its refresh with the largest distance `d` from baseline.
//! - It is **recovered** at the first refresh back in `baseline`; its
//!   recovery time is that refresh's time minus the peak's.
//! - It is **not recovered** when `activated` comes back after at least
//!   [`NEXT_EPISODE_AFTER_MS`] outside it (elevated / recovering) without a
//!   refresh at baseline: the next episode began first. A shorter dip
//!   belongs to the same episode (a 60 s window re-entering `activated`
//!   within 60 s still shares beats with the one that left it). An episode
//!   still open when the shift ends is not recovered either.
//! - It is **interrupted** when the person becomes physically `active` or
//!   the signal is lost before it ends: its recovery cannot be timed, and it
//!   counts neither way.
//!
//! Per shift: the median recovery time of the recovered episodes, and the
//! share not recovered among the episodes that were not interrupted.
use crate::Millis;
use crate::activation::{Activation, ActivationState};
use crate::robust::median;

/// Time outside `activated` after which a new activation is a new episode.
pub const NEXT_EPISODE_AFTER_MS: Millis = 60_000;

/// How an activation episode ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum EpisodeOutcome {
    /// Back at baseline.
    Recovered,
    /// The next episode began before a return to baseline.
    NextBeforeRecovery,
    /// Still away from baseline when the shift ended.
    OpenAtEnd,
    /// Physical activity or a signal loss came first: not timed.
    Interrupted,
}

/// One activation episode.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Episode {
    /// First refresh in `activated`.
    pub start_ms: Millis,
    /// The refresh with the largest distance.
    pub peak_ms: Millis,
    /// That distance (spreads).
    pub peak_distance: f64,
    /// When the outcome was decided (the return, the next episode's start,
    /// the interruption or the end of the shift).
    pub end_ms: Millis,
    pub outcome: EpisodeOutcome,
    /// Peak to baseline, seconds (only when recovered).
    pub recovery_s: Option<f64>,
}

/// A shift's recovery times.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RecoveryTimes {
    /// Every episode, in time order.
    pub episodes: Vec<Episode>,
    /// Episodes back at baseline.
    pub recovered: u32,
    /// Episodes not back at baseline before the next one or the shift's end.
    pub not_recovered: u32,
    /// Median recovery time of the recovered episodes, seconds.
    pub median_recovery_s: Option<f64>,
    /// `not_recovered / (recovered + not_recovered)`; `None` without
    /// episodes.
    pub not_recovered_share: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
struct Open {
    start_ms: Millis,
    peak_ms: Millis,
    peak_distance: f64,
    /// When it last left `activated` (None while activated).
    out_since: Option<Millis>,
}

/// Episodes a tracker holds before it has to grow (one every 10 min over
/// 24 h).
const EPISODES_RESERVED: usize = 144;

/// Follows the episodes refresh by refresh (plain data, part of the
/// shift's state).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct RecoveryTracker {
    open: Option<Open>,
    episodes: Vec<Episode>,
}

impl RecoveryTracker {
    /// Account one gauge refresh.
    pub fn refresh(&mut self, a: &Activation) {
        let t = a.t_ms;
        match a.state {
            ActivationState::Activated => {
                let d = a.distance.unwrap_or(0.0);
                match self.open.as_mut() {
                    Some(o) if o.out_since.is_some_and(|s| t - s >= NEXT_EPISODE_AFTER_MS) => {
                        self.close(t, EpisodeOutcome::NextBeforeRecovery);
                        self.open_at(t, d);
                    }
                    Some(o) => {
                        o.out_since = None;
                        if d > o.peak_distance {
                            o.peak_distance = d;
                            o.peak_ms = t;
                        }
                    }
                    None => self.open_at(t, d),
                }
            }
            ActivationState::Elevated | ActivationState::Recovering => {
                if let Some(o) = self.open.as_mut() {
                    o.out_since.get_or_insert(t);
                }
            }
            ActivationState::Baseline => self.close(t, EpisodeOutcome::Recovered),
            ActivationState::Active | ActivationState::NoSignal => {
                self.close(t, EpisodeOutcome::Interrupted);
            }
        }
    }

    /// A stretch without signal skipped in one step, starting at `t_ms`.
    pub fn interrupt(&mut self, t_ms: Millis) {
        self.close(t_ms, EpisodeOutcome::Interrupted);
    }

    fn open_at(&mut self, t: Millis, d: f64) {
        self.open = Some(Open {
            start_ms: t,
            peak_ms: t,
            peak_distance: d,
            out_since: None,
        });
    }

    fn close(&mut self, t: Millis, outcome: EpisodeOutcome) {
        if let Some(o) = self.open.take() {
            if self.episodes.capacity() == 0 {
                // Room for a busy shift's episodes at once, so closing one
                // does not allocate on the live path on a normal shift.
                self.episodes.reserve_exact(EPISODES_RESERVED);
            }
            self.episodes.push(Episode {
                start_ms: o.start_ms,
                peak_ms: o.peak_ms,
                peak_distance: o.peak_distance,
                end_ms: t,
                outcome,
                recovery_s: (outcome == EpisodeOutcome::Recovered)
                    .then(|| (t - o.peak_ms) as f64 / 1000.0),
            });
        }
    }

    /// The recovery times of the shift ending at `end_ms` (an open episode
    /// counts as not recovered).
    pub fn finish(&self, end_ms: Millis) -> RecoveryTimes {
        let mut t = self.clone();
        t.close(end_ms, EpisodeOutcome::OpenAtEnd);
        let count = |f: &dyn Fn(EpisodeOutcome) -> bool| {
            u32::try_from(t.episodes.iter().filter(|e| f(e.outcome)).count()).unwrap_or(u32::MAX)
        };
        let recovered = count(&|o| o == EpisodeOutcome::Recovered);
        let not_recovered = count(&|o| {
            matches!(
                o,
                EpisodeOutcome::NextBeforeRecovery | EpisodeOutcome::OpenAtEnd
            )
        });
        let times: Vec<f64> = t.episodes.iter().filter_map(|e| e.recovery_s).collect();
        let known = recovered + not_recovered;
        RecoveryTimes {
            median_recovery_s: median(&times),
            not_recovered_share: (known > 0).then(|| f64::from(not_recovered) / f64::from(known)),
            episodes: t.episodes,
            recovered,
            not_recovered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ActivationState::*;

    fn a(t_s: i64, state: ActivationState, d: f64) -> Activation {
        Activation {
            t_ms: t_s * 1000,
            gauge: Some(50.0),
            distance: Some(d),
            z_hr: Some(d),
            z_ln_rmssd: None,
            hr_bpm: Some(80.0),
            ln_rmssd: None,
            state,
            physical: state == Active,
        }
    }

    fn run(seq: &[(i64, ActivationState, f64)], end_s: i64) -> RecoveryTimes {
        let mut t = RecoveryTracker::default();
        for &(s, st, d) in seq {
            t.refresh(&a(s, st, d));
        }
        t.finish(end_s * 1000)
    }

    #[test]
    fn recovery_is_timed_from_the_peak_to_baseline() {
        let r = run(
            &[
                (0, Baseline, 0.2),
                (5, Activated, 1.8),
                (10, Activated, 2.6),
                (15, Activated, 2.0),
                (20, Recovering, 1.2),
                (25, Activated, 1.6), // back within 60 s: same episode
                (30, Recovering, 1.1),
                (100, Baseline, 0.4),
            ],
            200,
        );
        assert_eq!(r.episodes.len(), 1);
        let e = r.episodes[0];
        assert_eq!((e.start_ms, e.peak_ms, e.end_ms), (5_000, 10_000, 100_000));
        assert_eq!(e.recovery_s, Some(90.0));
        assert_eq!((r.recovered, r.not_recovered), (1, 0));
        assert_eq!(r.median_recovery_s, Some(90.0));
        assert_eq!(r.not_recovered_share, Some(0.0));
    }

    #[test]
    fn a_new_activation_after_a_minute_out_is_the_next_episode() {
        let r = run(
            &[
                (0, Activated, 2.0),
                (10, Elevated, 1.2),
                (70, Activated, 1.9), // 60 s out without baseline
                (80, Baseline, 0.1),
                (90, Activated, 3.0),
                (95, Active, 3.0), // moving: not timed
                (100, Activated, 2.0),
            ],
            130,
        );
        let o: Vec<_> = r.episodes.iter().map(|e| e.outcome).collect();
        assert_eq!(
            o,
            vec![
                EpisodeOutcome::NextBeforeRecovery,
                EpisodeOutcome::Recovered,
                EpisodeOutcome::Interrupted,
                EpisodeOutcome::OpenAtEnd
            ]
        );
        assert_eq!(r.episodes[1].recovery_s, Some(10.0));
        assert_eq!((r.recovered, r.not_recovered), (1, 2));
        assert!((r.not_recovered_share.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn no_episode_no_figures_and_an_interrupted_one_counts_neither_way() {
        let r = run(&[(0, Baseline, 0.0), (5, Elevated, 1.2)], 10);
        assert!(r.episodes.is_empty());
        assert_eq!((r.median_recovery_s, r.not_recovered_share), (None, None));
        let mut t = RecoveryTracker::default();
        t.refresh(&a(0, Activated, 2.0));
        t.interrupt(5_000);
        let r = t.finish(10_000);
        assert_eq!(r.episodes[0].outcome, EpisodeOutcome::Interrupted);
        assert_eq!(r.not_recovered_share, None);
    }
}
