//! The live gauge: how far this person is from their own baseline, now.
//!
//! # Equations
//! With the current 60 s window's heart rate `HR` and `lnRMSSD`, and the
//! [`Baseline`] centre/spread `(c_HR, s_HR)`, `(c_ln, s_ln)`:
//!
//! ```text
//! z_HR = (HR - c_HR) / s_HR              (HR above baseline, in own spreads)
//! z_ln = (c_ln - lnRMSSD) / s_ln         (lnRMSSD below baseline, in own spreads)
//! d    = (w_HR z_HR + w_ln z_ln) / (w_HR + w_ln)    over the available terms
//! gauge = 100 / (1 + exp(-(d - d_mid) / d_slope))   (0-100, strictly increasing)
//! ```
//! `d` is signed: negative means calmer than baseline. On an HR-only strap,
//! or when the window's HRV is of low quality (more than 20 % corrected beats,
//! docs/model.md §1), `d = z_HR`. The logistic map keeps the gauge strictly
//! monotonic in `d` (no flat zero region), with `d = 0 -> ~3`,
//! `d = 1.5 -> ~30`, `d = d_mid = 2 -> 50`, `d = 3 -> ~84`.
//!
//! # Score and display
//! Two numbers come from the same `d`, against two baselines:
//! - the **display** (`gauge`, 0-100, and the states, load and prompts):
//!   `d` against the baseline in use, which on a cold start is still being
//!   learned (population prior, then this shift's calm minutes) and moves;
//! - the continuous **score** ([`score`], the `activation` of the JSON
//!   timeline): `d` against the shift's *reference*, the baseline the
//!   shift started with (the personal history, or the population prior on
//!   a cold start), which does not move during the shift.
//!
//! Why two: a score compared across a shift must use one yardstick. Against
//! a baseline that moves while the shift goes on, two windows with the same
//! heart rate get different scores, and the score ranks the shift's windows
//! worse than the heart rate it is computed from: on the Stress-Predict
//! sessions the cold-start baseline moved by up to 25 bpm within an hour
//! (S11: 57-82 bpm) and the gauge lost 0.003-0.076 AUC to the window HR
//! on 6 of 11 sessions (`steady evaluate`, docs/model.md §9). Against a fixed reference, and
//! without lnRMSSD, the score is a strictly increasing function of the
//! window HR, so it ranks exactly as the window HR does; lnRMSSD adds to it
//! only where the window's RR is clean (§1 of docs/model.md: chest-strap
//! timing, at most 20 % corrected beats). With a personal baseline (every
//! shift after the first 30 still minutes of history) the two baselines
//! are the same and the display is the 0-100 map of the score.
//!
//! # States
//! - `no_signal`: no usable heart rate in the window.
//! - `active` (physical): moving (steps/min or dynamic acceleration above a
//!   threshold) or `HR > c_HR + 0.2 (HR_max - c_HR)` (rest + 20 % of the
//!   heart-rate reserve; Firstbeat scores stress only below ~20 % VO2max;
//!   `c_HR` at least 100 bpm while the baseline is the population prior,
//!   [`UPPER_NORMAL_RESTING_HR_BPM`]),
//!   and for a hold after it while HR recovers: as long as the bout lasted,
//!   at least `physical_hold_ms` (2 min: the fast phase of post-exercise HR
//!   recovery, Cole et al. 1999) and at most `max_physical_hold_ms` (10 min:
//!   the slow phase lasts longer after longer exercise, Borsheim & Bahr
//!   2003). On the Polar cycling recording in ../shared/data, a fixed 2 min
//!   hold scored the passive recovery after 30 min of cycling as stress
//!   (`tests/model_real.rs` checks it no longer does).
//! - otherwise from `d`: `baseline` if `d < baseline_band_spreads` (1.0);
//!   `activated` if `d >= activated_spreads` (1.5, docs/model.md §3);
//!   in between `recovering` when coming down from `activated`, else
//!   `elevated`.
//!
//! Why the baseline band is 1.0 and not 0.5: `d` of a calm person is noise
//! around 0 with a standard deviation of about 0.7 (the mean of two unit
//! z-scores), so a 0.5 band would call a calm person "elevated" about a
//! quarter of the time (P(N(0, 0.7) > 0.5) = 0.24). The load still
//! discharges only within 0.5 ([`crate::load`], docs/model.md §4).
use crate::Millis;
use crate::baseline::{Baseline, BaselineSource};

/// Parameters of the gauge and its states (defaults: docs/model.md §3).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ActivationConfig {
    /// Weight of `z_HR` in `d`.
    pub hr_weight: f64,
    /// Weight of `z_ln` in `d`.
    pub ln_rmssd_weight: f64,
    /// `d` at which the gauge reads 50.
    pub gauge_mid_spreads: f64,
    /// Logistic slope of the gauge (spreads).
    pub gauge_slope_spreads: f64,
    /// Below this `d`, the state is `baseline`.
    pub baseline_band_spreads: f64,
    /// At or above this `d`, the person is "activated" (docs/model.md §3: 1.5).
    pub activated_spreads: f64,
    /// Fraction of heart-rate reserve above rest that counts as physical
    /// (docs/model.md §3: 0.2).
    pub physical_hrr_fraction: f64,
    /// Maximal heart rate (bpm). Default 185 = Tanaka et al. 2001,
    /// `208 - 0.7 x age` at 33 years; set it from the person's age.
    pub hr_max_bpm: f64,
    /// Steps per minute at or above which the person is moving (about
    /// 2 METs; 100 steps/min is ~3 METs, Tudor-Locke et al. 2011).
    pub moving_steps_per_min: f64,
    /// Dynamic wrist acceleration (ENMO, g) at or above which the person is
    /// moving: 0.1006 g is the wrist light/moderate cut point (Hildebrand
    /// et al. 2014).
    pub moving_enmo_g: f64,
    /// A motion sample older than this no longer says anything.
    pub motion_stale_ms: Millis,
    /// Shortest hold in `active` after the last physical moment.
    pub physical_hold_ms: Millis,
    /// Longest hold (after a long bout).
    pub max_physical_hold_ms: Millis,
}

impl Default for ActivationConfig {
    fn default() -> Self {
        Self {
            hr_weight: 1.0,
            ln_rmssd_weight: 1.0,
            gauge_mid_spreads: 2.0,
            gauge_slope_spreads: 0.6,
            baseline_band_spreads: 1.0,
            activated_spreads: 1.5,
            physical_hrr_fraction: 0.2,
            hr_max_bpm: 185.0,
            moving_steps_per_min: 60.0,
            moving_enmo_g: 0.1006,
            motion_stale_ms: 15_000,
            physical_hold_ms: 120_000,
            max_physical_hold_ms: 600_000,
        }
    }
}

/// One motion measurement passed in by a shell, the CLI or a file.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Motion {
    /// Step cadence from a pedometer.
    StepsPerMinute { t_ms: Millis, value: f64 },
    /// Mean dynamic acceleration over the sample period, ENMO =
    /// `mean(max(|a| - 1 g, 0))` in g (van Hees et al. 2013).
    Enmo { t_ms: Millis, g: f64 },
}

impl Motion {
    /// Time of the sample.
    pub fn t_ms(&self) -> Millis {
        match self {
            Motion::StepsPerMinute { t_ms, .. } | Motion::Enmo { t_ms, .. } => *t_ms,
        }
    }

    /// True when this sample says the person is moving.
    pub fn is_moving(&self, cfg: &ActivationConfig) -> bool {
        match self {
            Motion::StepsPerMinute { value, .. } => *value >= cfg.moving_steps_per_min,
            Motion::Enmo { g, .. } => *g >= cfg.moving_enmo_g,
        }
    }
}

/// What the HRV window says at one gauge refresh.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Reading {
    pub t_ms: Millis,
    /// Mean HR over the trailing 60 s; `None` = no signal.
    pub hr_bpm: Option<f64>,
    /// lnRMSSD over the trailing 60 s; `None` on HR-only input or when the
    /// window has too few or too many corrected beats.
    pub ln_rmssd: Option<f64>,
}

/// The gauge's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ActivationState {
    Baseline,
    Elevated,
    Activated,
    /// Physical activity: not scored as stress.
    Active,
    /// Coming down from `activated`, not yet back at baseline.
    Recovering,
    NoSignal,
}

impl ActivationState {
    /// Name as used in JSON and on screen.
    pub fn as_str(&self) -> &'static str {
        match self {
            ActivationState::Baseline => "baseline",
            ActivationState::Elevated => "elevated",
            ActivationState::Activated => "activated",
            ActivationState::Active => "active",
            ActivationState::Recovering => "recovering",
            ActivationState::NoSignal => "no_signal",
        }
    }
}

/// One gauge refresh.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Activation {
    pub t_ms: Millis,
    /// 0-100; `None` in `no_signal`.
    pub gauge: Option<f64>,
    /// Signed distance `d` from baseline in own spreads; `None` in `no_signal`.
    pub distance: Option<f64>,
    pub z_hr: Option<f64>,
    pub z_ln_rmssd: Option<f64>,
    pub hr_bpm: Option<f64>,
    pub ln_rmssd: Option<f64>,
    pub state: ActivationState,
    /// True when moving or above the physical HR threshold right now, or
    /// within the hold after it.
    pub physical: bool,
}

/// Map a signed distance to the 0-100 gauge.
pub fn gauge(distance: f64, cfg: &ActivationConfig) -> f64 {
    let slope = if cfg.gauge_slope_spreads > 0.0 {
        cfg.gauge_slope_spreads
    } else {
        1.0
    };
    100.0 / (1.0 + (-(distance - cfg.gauge_mid_spreads) / slope).exp())
}

/// Resting HR assumed by the physical rule while the baseline is the
/// population prior: the upper limit of a normal resting heart rate
/// (100 bpm; above it is resting tachycardia, AHA).
///
/// Why: the heart-rate-reserve rule needs the person's resting HR, and the
/// prior's 70 bpm is not it. Against the prior, a seated person whose
/// resting HR is 95-100 bpm is "physical" at every refresh, so no minute is
/// ever still, the baseline is never learned and the whole session reads
/// `active`: Stress-Predict S09 (window HR median 101 bpm, seated, wrist
/// accelerometer still) did exactly that for its whole hour (`steady
/// analyze ../shared/data/stress-predict/S09 --json`, docs/model.md §9).
/// Until a baseline of the person's own exists, only a heart rate that is
/// exercise for anyone with a normal resting HR counts as physical
/// (100 + 0.2 x (185 - 100) = 117 bpm with the defaults); motion counts as
/// always.
pub const UPPER_NORMAL_RESTING_HR_BPM: f64 = 100.0;

/// HR above which the person counts as physically active:
/// `c_HR + f (HR_max - c_HR)`, with `c_HR` at least
/// [`UPPER_NORMAL_RESTING_HR_BPM`] while the baseline is the population
/// prior.
pub fn physical_hr_threshold(baseline: &Baseline, cfg: &ActivationConfig) -> f64 {
    let rest = if baseline.source == BaselineSource::Population {
        baseline.hr_bpm.max(UPPER_NORMAL_RESTING_HR_BPM)
    } else {
        baseline.hr_bpm
    };
    rest + cfg.physical_hrr_fraction * (cfg.hr_max_bpm - rest).max(0.0)
}

/// Signed distance and its terms, `(d, z_HR, z_ln)`, as a record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distance {
    pub d: f64,
    pub z_hr: f64,
    pub z_ln_rmssd: Option<f64>,
}

/// `d` from an HR (and optional lnRMSSD) against a baseline.
pub fn distance(
    hr_bpm: f64,
    ln_rmssd: Option<f64>,
    baseline: &Baseline,
    cfg: &ActivationConfig,
) -> Distance {
    let z_hr = (hr_bpm - baseline.hr_bpm) / baseline.hr_spread_bpm.max(f64::EPSILON);
    let z_ln = match (ln_rmssd, baseline.ln_rmssd, baseline.ln_rmssd_spread) {
        (Some(x), Some(c), Some(s)) if x.is_finite() => Some((c - x) / s.max(f64::EPSILON)),
        _ => None,
    };
    let d = match z_ln {
        Some(zl) => {
            (cfg.hr_weight * z_hr + cfg.ln_rmssd_weight * zl)
                / (cfg.hr_weight + cfg.ln_rmssd_weight).max(f64::EPSILON)
        }
        None => z_hr,
    };
    Distance {
        d,
        z_hr,
        z_ln_rmssd: z_ln,
    }
}

/// The continuous activation score of one refresh: its signed distance `d`
/// against the shift's `reference` baseline (see "Score and display" in the
/// module doc); `None` without signal.
pub fn score(activation: &Activation, reference: &Baseline, cfg: &ActivationConfig) -> Option<f64> {
    activation
        .hr_bpm
        .map(|hr| distance(hr, activation.ln_rmssd, reference, cfg).d)
}

/// The gauge's memory between refreshes (plain data: copy, compare,
/// serialize). `update` is the only way it changes.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ActivationTracker {
    /// Last time the person was physical (moving or above the HR threshold).
    pub last_physical_ms: Option<Millis>,
    /// Start of the current (or last) physical bout.
    pub bout_start_ms: Option<Millis>,
    /// State at the previous refresh.
    pub previous: Option<ActivationState>,
}

impl ActivationTracker {
    /// Hold after the current bout: its length, clamped to
    /// `[physical_hold_ms, max_physical_hold_ms]`.
    pub fn hold_ms(&self, cfg: &ActivationConfig) -> Millis {
        let bout = match (self.bout_start_ms, self.last_physical_ms) {
            (Some(s), Some(e)) => (e - s).max(0),
            _ => 0,
        };
        bout.clamp(
            cfg.physical_hold_ms,
            cfg.max_physical_hold_ms.max(cfg.physical_hold_ms),
        )
    }

    /// One refresh: `(tracker, reading, latest motion, baseline) -> activation`.
    pub fn update(
        &mut self,
        reading: &Reading,
        motion: Option<&Motion>,
        baseline: &Baseline,
        cfg: &ActivationConfig,
    ) -> Activation {
        let t = reading.t_ms;
        let Some(hr) = reading.hr_bpm.filter(|h| h.is_finite() && *h > 0.0) else {
            self.previous = Some(ActivationState::NoSignal);
            return Activation {
                t_ms: t,
                gauge: None,
                distance: None,
                z_hr: None,
                z_ln_rmssd: None,
                hr_bpm: None,
                ln_rmssd: None,
                state: ActivationState::NoSignal,
                physical: false,
            };
        };
        let moving = motion.is_some_and(|m| {
            let age = t - m.t_ms();
            (0..=cfg.motion_stale_ms).contains(&age) && m.is_moving(cfg)
        });
        let hold = self.hold_ms(cfg);
        if moving || hr > physical_hr_threshold(baseline, cfg) {
            let continues = self
                .last_physical_ms
                .is_some_and(|p| t >= p && t - p <= hold);
            if !continues {
                self.bout_start_ms = Some(t);
            }
            self.last_physical_ms = Some(t);
        }
        let hold = self.hold_ms(cfg);
        let physical = self
            .last_physical_ms
            .is_some_and(|p| t >= p && t - p <= hold);
        let dist = distance(hr, reading.ln_rmssd, baseline, cfg);
        let state = if physical {
            ActivationState::Active
        } else if dist.d < cfg.baseline_band_spreads {
            ActivationState::Baseline
        } else if dist.d >= cfg.activated_spreads {
            ActivationState::Activated
        } else if matches!(
            self.previous,
            Some(ActivationState::Activated | ActivationState::Recovering)
        ) {
            ActivationState::Recovering
        } else {
            ActivationState::Elevated
        };
        self.previous = Some(state);
        Activation {
            t_ms: t,
            gauge: Some(gauge(dist.d, cfg)),
            distance: Some(dist.d),
            z_hr: Some(dist.z_hr),
            z_ln_rmssd: dist.z_ln_rmssd,
            hr_bpm: Some(hr),
            ln_rmssd: reading.ln_rmssd,
            state,
            physical,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::BaselineConfig;

    fn base() -> Baseline {
        crate::baseline::test_personal()
    }

    fn r(t: Millis, hr: Option<f64>, ln: Option<f64>) -> Reading {
        Reading {
            t_ms: t,
            hr_bpm: hr,
            ln_rmssd: ln,
        }
    }

    #[test]
    fn gauge_is_monotonic_and_anchored() {
        let cfg = ActivationConfig::default();
        assert!((gauge(2.0, &cfg) - 50.0).abs() < 1e-9);
        assert!(gauge(0.0, &cfg) < 5.0);
        assert!(gauge(4.0, &cfg) > 95.0);
        let mut prev = -1.0;
        for i in -40..80 {
            let g = gauge(f64::from(i) / 10.0, &cfg);
            assert!(g > prev && (0.0..=100.0).contains(&g));
            prev = g;
        }
    }

    #[test]
    fn distance_combines_hr_and_hrv_in_own_spreads() {
        let cfg = ActivationConfig::default();
        let d = distance(68.0, Some(3.6), &base(), &cfg);
        assert!((d.z_hr - 2.0).abs() < 1e-12);
        assert!((d.z_ln_rmssd.unwrap() - 2.0).abs() < 1e-9);
        assert!((d.d - 2.0).abs() < 1e-9);
        // HR only: d = z_HR
        let d = distance(64.0, None, &base(), &cfg);
        assert!((d.d - 1.0).abs() < 1e-12);
        // HR-only baseline ignores a window lnRMSSD
        let b = Baseline {
            ln_rmssd: None,
            ln_rmssd_spread: None,
            ..base()
        };
        assert_eq!(distance(64.0, Some(1.0), &b, &cfg).z_ln_rmssd, None);
        let _ = BaselineConfig::default();
    }

    #[test]
    fn states_follow_distance_with_recovering() {
        let cfg = ActivationConfig::default();
        let mut tr = ActivationTracker::default();
        let b = base();
        let seq = [
            (61.0, ActivationState::Baseline),
            (64.0, ActivationState::Elevated),
            (68.0, ActivationState::Activated),
            (64.0, ActivationState::Recovering),
            (65.0, ActivationState::Recovering),
            (60.0, ActivationState::Baseline),
            (64.0, ActivationState::Elevated),
        ];
        for (i, (hr, want)) in seq.iter().enumerate() {
            let a = tr.update(&r(i as i64 * 5000, Some(*hr), None), None, &b, &cfg);
            assert_eq!(a.state, *want, "step {i}");
        }
    }

    #[test]
    fn motion_and_high_hr_mark_active_with_hold() {
        let cfg = ActivationConfig::default();
        let b = base();
        let mut tr = ActivationTracker::default();
        let walk = Motion::StepsPerMinute {
            t_ms: 0,
            value: 100.0,
        };
        let a = tr.update(&r(0, Some(75.0), None), Some(&walk), &b, &cfg);
        assert_eq!(a.state, ActivationState::Active);
        assert!(a.physical);
        // stale motion, but still within the hold
        let a = tr.update(&r(60_000, Some(75.0), None), Some(&walk), &b, &cfg);
        assert_eq!(a.state, ActivationState::Active);
        // after the hold: scored again (HR 75 = 3.75 spreads -> activated)
        let a = tr.update(&r(200_000, Some(75.0), None), Some(&walk), &b, &cfg);
        assert_eq!(a.state, ActivationState::Activated);
        // HR above rest + 20 % HRR (60 + 0.2*125 = 85) without motion
        let mut tr = ActivationTracker::default();
        let a = tr.update(&r(0, Some(90.0), None), None, &b, &cfg);
        assert_eq!(a.state, ActivationState::Active);
        // slow ENMO is still
        let mut tr = ActivationTracker::default();
        let still = Motion::Enmo { t_ms: 0, g: 0.01 };
        let a = tr.update(&r(0, Some(60.0), None), Some(&still), &b, &cfg);
        assert_eq!(a.state, ActivationState::Baseline);
    }

    #[test]
    fn against_the_population_prior_only_exercise_for_anyone_counts_as_physical() {
        let cfg = ActivationConfig::default();
        let prior = Baseline::population(&BaselineConfig::default());
        // 100 + 0.2 x (185 - 100) = 117 bpm, not 70 + 0.2 x 115 = 93
        assert!((physical_hr_threshold(&prior, &cfg) - 117.0).abs() < 1e-9);
        let mut tr = ActivationTracker::default();
        // a seated person resting at 100 bpm, before any baseline of their own
        let a = tr.update(&r(0, Some(100.0), None), None, &prior, &cfg);
        assert!(!a.physical);
        assert_ne!(a.state, ActivationState::Active);
        let a = tr.update(&r(5_000, Some(125.0), None), None, &prior, &cfg);
        assert_eq!(a.state, ActivationState::Active);
        // a baseline of their own: the reserve above their own rest
        let own = Baseline {
            source: BaselineSource::CalmestStretch,
            ..base()
        };
        assert!((physical_hr_threshold(&own, &cfg) - 85.0).abs() < 1e-9);
    }

    #[test]
    fn hold_grows_with_the_bout_up_to_ten_minutes() {
        let cfg = ActivationConfig::default();
        let b = base();
        let mut tr = ActivationTracker::default();
        // 30 min of cycling (HR above the physical threshold), one refresh per 5 s
        for i in 0..=360 {
            let a = tr.update(&r(i * 5000, Some(120.0), None), None, &b, &cfg);
            assert_eq!(a.state, ActivationState::Active);
        }
        assert_eq!(tr.hold_ms(&cfg), cfg.max_physical_hold_ms);
        let end = 360 * 5000;
        // HR still 8 bpm over rest during the recovery: active, not stress
        let a = tr.update(&r(end + 9 * 60_000, Some(68.0), None), None, &b, &cfg);
        assert_eq!(a.state, ActivationState::Active);
        let a = tr.update(&r(end + 11 * 60_000, Some(68.0), None), None, &b, &cfg);
        assert_eq!(a.state, ActivationState::Activated);
        // a fresh 10 s bout gets the 2 min minimum
        let t0 = end + 60 * 60_000;
        tr.update(&r(t0, Some(120.0), None), None, &b, &cfg);
        tr.update(&r(t0 + 10_000, Some(120.0), None), None, &b, &cfg);
        assert_eq!(tr.hold_ms(&cfg), cfg.physical_hold_ms);
    }

    #[test]
    fn score_is_the_distance_against_the_reference_not_the_baseline_in_use() {
        let cfg = ActivationConfig::default();
        let reference = base();
        // the baseline in use has moved 8 bpm up since the shift started
        let moved = Baseline {
            hr_bpm: 68.0,
            ..base()
        };
        let mut tr = ActivationTracker::default();
        let a = tr.update(&r(0, Some(72.0), None), None, &moved, &cfg);
        assert!((a.distance.unwrap() - 1.0).abs() < 1e-12);
        let s = score(&a, &reference, &cfg).unwrap();
        assert!((s - 3.0).abs() < 1e-12, "{s}");
        // with a clean lnRMSSD the score combines both terms, as d does
        let a = tr.update(&r(5_000, Some(68.0), Some(3.6)), None, &moved, &cfg);
        assert!((score(&a, &reference, &cfg).unwrap() - 2.0).abs() < 1e-9);
        // no signal, no score
        let a = tr.update(&r(10_000, None, None), None, &moved, &cfg);
        assert_eq!(score(&a, &reference, &cfg), None);
    }

    #[test]
    fn no_hr_is_no_signal() {
        let cfg = ActivationConfig::default();
        let mut tr = ActivationTracker::default();
        let a = tr.update(&r(0, None, Some(3.0)), None, &base(), &cfg);
        assert_eq!(a.state, ActivationState::NoSignal);
        assert_eq!(a.gauge, None);
        let a = tr.update(&r(0, Some(f64::NAN), None), None, &base(), &cfg);
        assert_eq!(a.state, ActivationState::NoSignal);
    }
}
