//! Unrecovered load: stress that does not reset, stacks.
//!
//! Theory: prolonged activation without recovery, not the stressor itself,
//! carries the health risk (Brosschot, Gerin & Thayer 2006, perseverative
//! cognition). Commercial analogues: Firstbeat's stress-versus-recovery
//! balance, Garmin's Body Battery drain and charge.
//!
//! # Unit
//! Load `L` is measured in **spread-minutes**: one minute spent one of the
//! person's own spreads above "near baseline" adds 1. Ten minutes at
//! `d = 2.5` add `(2.5 - 0.5) x 10 = 20`.
//!
//! # Equations (per refresh, `dt` in minutes since the previous one,
//! capped at `max_step_ms` so a gap adds nothing unexplained)
//! ```text
//! charging   (state elevated / activated / recovering, i.e. d >= 1, not physical):
//!     L += max(d - d_near, 0) * dt
//! discharging (state baseline and d <= d_near, i.e. back near baseline):
//!     L *= exp(-dt / tau)            tau = 20 min (half-life ~14 min)
//! otherwise  (0.5 < d < 1, physical activity, no signal): L unchanged
//! ```
//! The discharge happens only within `d_near = 0.5` of baseline (model.md
//! §6); the charge counts the distance beyond it. Hovering in the baseline
//! band but not near its centre (0.5 < d < 1) neither adds nor pays back. `tau` is a starting value with no direct reference;
//! it is chosen so that ~45 min near baseline pays back ~90 % of any load.
use crate::Millis;
use crate::activation::{Activation, ActivationState};
use crate::offshift::OffShiftConfig;

/// Parameters of the load (units above).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LoadConfig {
    /// `d_near` (spreads): charge above, discharge at or below.
    pub near_baseline_spreads: f64,
    /// Discharge time constant `tau` in minutes.
    pub discharge_tau_min: f64,
    /// Longest step integrated at once; a longer gap counts as this long.
    pub max_step_ms: Millis,
    /// How the load decays between shifts ([`crate::offshift`]).
    #[serde(default)]
    pub off_shift: OffShiftConfig,
}

impl Default for LoadConfig {
    fn default() -> Self {
        Self {
            near_baseline_spreads: 0.5,
            discharge_tau_min: 20.0,
            max_step_ms: 10_000,
            off_shift: OffShiftConfig::default(),
        }
    }
}

/// The load's state (plain data).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Load {
    /// Current load, spread-minutes.
    pub value: f64,
    /// Highest value so far.
    pub peak: f64,
    /// Time of the last update.
    pub last_t_ms: Option<Millis>,
}

impl Load {
    /// A load starting at `value` (e.g. carried over from a previous shift).
    pub fn starting_at(value: f64) -> Self {
        let v = if value.is_finite() {
            value.max(0.0)
        } else {
            0.0
        };
        Self {
            value: v,
            peak: v,
            last_t_ms: None,
        }
    }

    /// Integrate up to this refresh and return the new value. A refresh
    /// whose time runs backwards is ignored (the load keeps its value).
    pub fn update(&mut self, a: &Activation, cfg: &LoadConfig) -> f64 {
        let Some(prev) = self.last_t_ms else {
            self.last_t_ms = Some(a.t_ms);
            return self.value;
        };
        if a.t_ms <= prev {
            return self.value;
        }
        let dt_min = (a.t_ms - prev).min(cfg.max_step_ms) as f64 / 60_000.0;
        self.last_t_ms = Some(a.t_ms);
        let Some(d) = a.distance else {
            return self.value;
        };
        match a.state {
            ActivationState::Elevated
            | ActivationState::Activated
            | ActivationState::Recovering
                if !a.physical =>
            {
                self.value += (d - cfg.near_baseline_spreads).max(0.0) * dt_min;
            }
            ActivationState::Baseline if d <= cfg.near_baseline_spreads => {
                let tau = cfg.discharge_tau_min.max(f64::EPSILON);
                self.value *= (-dt_min / tau).exp();
            }
            _ => {}
        }
        self.peak = self.peak.max(self.value);
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(t: Millis, d: f64, state: ActivationState, physical: bool) -> Activation {
        Activation {
            t_ms: t,
            gauge: Some(50.0),
            distance: Some(d),
            z_hr: Some(d),
            z_ln_rmssd: None,
            hr_bpm: Some(70.0),
            ln_rmssd: None,
            state,
            physical,
        }
    }

    #[test]
    fn charges_while_activated_in_spread_minutes() {
        let cfg = LoadConfig::default();
        let mut l = Load::default();
        for i in 0..=120 {
            l.update(&act(i * 5000, 2.5, ActivationState::Activated, false), &cfg);
        }
        // 10 min at d = 2.5: (2.5 - 0.5) * 10 = 20
        assert!((l.value - 20.0).abs() < 1e-9, "{}", l.value);
        assert_eq!(l.peak, l.value);
    }

    #[test]
    fn physical_and_no_signal_hold_the_load() {
        let cfg = LoadConfig::default();
        let mut l = Load::starting_at(10.0);
        l.update(&act(0, 3.0, ActivationState::Active, true), &cfg);
        l.update(&act(5000, 3.0, ActivationState::Active, true), &cfg);
        assert_eq!(l.value, 10.0);
        let mut ns = act(10_000, 0.0, ActivationState::NoSignal, false);
        ns.distance = None;
        l.update(&ns, &cfg);
        assert_eq!(l.value, 10.0);
    }

    #[test]
    fn discharges_only_near_baseline() {
        let cfg = LoadConfig::default();
        let mut l = Load::starting_at(10.0);
        l.update(&act(0, 0.2, ActivationState::Baseline, false), &cfg);
        for i in 1..=240 {
            l.update(&act(i * 5000, 0.2, ActivationState::Baseline, false), &cfg);
        }
        // 20 min = one tau
        assert!((l.value - 10.0 * (-1.0f64).exp()).abs() < 1e-9);
        assert_eq!(l.peak, 10.0);
        // just above near baseline (elevated at 0.5 exactly adds nothing)
        let before = l.value;
        l.update(
            &act(241 * 5000, 0.5, ActivationState::Elevated, false),
            &cfg,
        );
        assert_eq!(l.value, before);
    }

    #[test]
    fn gaps_are_capped_and_backwards_time_ignored() {
        let cfg = LoadConfig::default();
        let mut l = Load::default();
        l.update(&act(0, 1.5, ActivationState::Activated, false), &cfg);
        l.update(
            &act(3_600_000, 1.5, ActivationState::Activated, false),
            &cfg,
        );
        // 1 h gap counts as 10 s: 1.0 * 10/60
        assert!((l.value - 1.0 / 6.0).abs() < 1e-9);
        let v = l.value;
        l.update(&act(1000, 5.0, ActivationState::Activated, false), &cfg);
        assert_eq!(l.value, v);
        assert_eq!(Load::starting_at(f64::NAN).value, 0.0);
    }
}
