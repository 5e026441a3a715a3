//! When to offer a 30-second reset.
//!
//! Why so strict: an open peer found that bare threshold crossings fired
//! 8.4 times a day and only 13 % still held 60 s later (docs/model.md §5). A
//! prompt that interrupts a nurse for nothing is worse than no prompt.
//!
//! # Rule
//! A gauge refresh is *prompt-activated* when the baseline rests on some of
//! the person's own data (not the population prior alone: a stranger's
//! average cannot say that *you* are activated), the state is `activated`
//! (so not physical, not `no_signal`) and, when HRV is available,
//! `c_ln - lnRMSSD >= max(ln_rmssd_drop_min, ln_rmssd_drop_spreads * s_ln)`
//! (docs/model.md §5: lnRMSSD below baseline - max(0.4, 1.5 x spread)). On HR-only
//! input the `activated` state (`d >= 1.5`) alone decides.
//!
//! A one-minute window (aligned to the input clock) is *activated* when at
//! least `minute_activated_share` of its refreshes are prompt-activated.
//! A prompt is offered at a refresh when all hold:
//! - at least `min_activated_minutes` (3) of the last `window_minutes` (4)
//!   one-minute windows, the current one included, are activated;
//! - the current run of prompt-activated refreshes has lasted
//!   `min_sustained_ms` (60 s);
//! - prompts are enabled (off switch), quiet mode is off, not snoozed;
//! - at least `min_gap_ms` (15 min) since the last prompt or reset;
//! - fewer than `max_per_shift` (4) prompts so far this shift.
//!
//! Every prompt carries a [`PromptReason`] saying why it fired.
use crate::Millis;
use crate::activation::{Activation, ActivationState};
use crate::baseline::{Baseline, BaselineSource};

/// Parameters of the prompt rule (defaults: docs/model.md §5).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PromptConfig {
    /// Off switch: `false` never prompts.
    pub enabled: bool,
    /// Number of one-minute windows looked back over (current included).
    pub window_minutes: u32,
    /// How many of them must be activated.
    pub min_activated_minutes: u32,
    /// Share of a minute's refreshes that must be prompt-activated.
    pub minute_activated_share: f64,
    /// Minimum length of the current activated run.
    pub min_sustained_ms: Millis,
    /// Minimum time between prompts (and after a reset).
    pub min_gap_ms: Millis,
    /// Most prompts in one shift.
    pub max_per_shift: u32,
    /// Minimum lnRMSSD drop below baseline, absolute.
    pub ln_rmssd_drop_min: f64,
    /// Minimum lnRMSSD drop below baseline, in the person's spreads.
    pub ln_rmssd_drop_spreads: f64,
    /// Snooze length when the user does not say.
    pub default_snooze_ms: Millis,
}

impl Default for PromptConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            window_minutes: 4,
            min_activated_minutes: 3,
            minute_activated_share: 0.5,
            min_sustained_ms: 60_000,
            min_gap_ms: 15 * 60_000,
            max_per_shift: 4,
            ln_rmssd_drop_min: 0.4,
            ln_rmssd_drop_spreads: 1.5,
            default_snooze_ms: 15 * 60_000,
        }
    }
}

/// Why a prompt fired (shown to the user and kept in the summary).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PromptReason {
    /// Activated one-minute windows among the last `window_minutes`.
    pub activated_minutes: u32,
    pub window_minutes: u32,
    /// Length of the current activated run, seconds.
    pub sustained_s: f64,
    /// Gauge (0-100) at the prompt.
    pub gauge: f64,
    /// HR above baseline, bpm.
    pub hr_rise_bpm: Option<f64>,
    /// lnRMSSD below baseline (positive = lower).
    pub ln_rmssd_drop: Option<f64>,
}

impl PromptReason {
    /// One line for people.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "activated {} of the last {} minutes, {:.0} s without a break",
            self.activated_minutes, self.window_minutes, self.sustained_s
        );
        if let Some(h) = self.hr_rise_bpm {
            s.push_str(&format!("; HR {h:+.0} bpm over baseline"));
        }
        if let Some(l) = self.ln_rmssd_drop {
            s.push_str(&format!("; lnRMSSD {l:.2} below baseline"));
        }
        s
    }
}

/// An offered reset.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Prompt {
    pub t_ms: Millis,
    /// 1 for the shift's first prompt.
    pub number: u32,
    pub reason: PromptReason,
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
struct MinuteTally {
    minute: i64,
    activated: u32,
    total: u32,
}

/// The prompt rule's memory (plain data).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct PromptPolicy {
    minutes: Vec<MinuteTally>,
    run_start_ms: Option<Millis>,
    last_t_ms: Option<Millis>,
    last_prompt_ms: Option<Millis>,
    last_reset_ms: Option<Millis>,
    /// Prompts offered so far this shift.
    pub offered: u32,
    /// Snoozed until this time (exclusive).
    pub snoozed_until_ms: Option<Millis>,
    /// Quiet mode ("on a call", "with a patient").
    pub quiet: bool,
}

/// True when this refresh counts toward a prompt (see module doc).
pub fn is_prompt_activated(a: &Activation, baseline: &Baseline, cfg: &PromptConfig) -> bool {
    if a.state != ActivationState::Activated
        || a.physical
        || baseline.source == BaselineSource::Population
    {
        return false;
    }
    match (a.ln_rmssd, baseline.ln_rmssd, baseline.ln_rmssd_spread) {
        (Some(x), Some(c), Some(s)) => {
            c - x >= cfg.ln_rmssd_drop_min.max(cfg.ln_rmssd_drop_spreads * s)
        }
        _ => true,
    }
}

impl PromptPolicy {
    /// Snooze until `until_ms`.
    pub fn snooze(&mut self, until_ms: Millis) {
        self.snoozed_until_ms = Some(until_ms);
    }

    /// Quiet mode on or off.
    pub fn set_quiet(&mut self, quiet: bool) {
        self.quiet = quiet;
    }

    /// A reset was started (prompted or not): the gap restarts from it.
    pub fn note_reset(&mut self, t_ms: Millis) {
        self.last_reset_ms = Some(t_ms);
    }

    /// Activated minutes among the last `window_minutes` as of `minute`.
    fn activated_minutes(&self, minute: i64, cfg: &PromptConfig) -> u32 {
        let from = minute - i64::from(cfg.window_minutes.max(1)) + 1;
        let n = self
            .minutes
            .iter()
            .filter(|m| m.minute >= from && m.minute <= minute)
            .filter(|m| {
                m.total > 0
                    && f64::from(m.activated) >= cfg.minute_activated_share * f64::from(m.total)
            })
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// One gauge refresh in; a prompt out when the rule fires. Refreshes
    /// whose time does not move forward are ignored.
    pub fn observe(
        &mut self,
        a: &Activation,
        baseline: &Baseline,
        cfg: &PromptConfig,
    ) -> Option<Prompt> {
        if self.last_t_ms.is_some_and(|p| a.t_ms <= p) {
            return None;
        }
        self.last_t_ms = Some(a.t_ms);
        let hot = is_prompt_activated(a, baseline, cfg);
        let minute = a.t_ms.div_euclid(60_000);
        match self.minutes.last_mut() {
            Some(m) if m.minute == minute => {
                m.total += 1;
                m.activated += u32::from(hot);
            }
            _ => self.minutes.push(MinuteTally {
                minute,
                activated: u32::from(hot),
                total: 1,
            }),
        }
        let keep_from = minute - i64::from(cfg.window_minutes.max(1)) + 1;
        self.minutes.retain(|m| m.minute >= keep_from);
        if hot {
            self.run_start_ms.get_or_insert(a.t_ms);
        } else {
            self.run_start_ms = None;
        }
        let sustained = self.run_start_ms.map_or(0, |s| a.t_ms - s);
        let activated_minutes = self.activated_minutes(minute, cfg);
        let gap_ok = |last: Option<Millis>| last.is_none_or(|p| a.t_ms - p >= cfg.min_gap_ms);
        let allowed = cfg.enabled
            && !self.quiet
            && self.snoozed_until_ms.is_none_or(|u| a.t_ms >= u)
            && self.offered < cfg.max_per_shift
            && gap_ok(self.last_prompt_ms)
            && gap_ok(self.last_reset_ms);
        if !(hot
            && allowed
            && sustained >= cfg.min_sustained_ms
            && activated_minutes >= cfg.min_activated_minutes)
        {
            return None;
        }
        self.offered += 1;
        self.last_prompt_ms = Some(a.t_ms);
        Some(Prompt {
            t_ms: a.t_ms,
            number: self.offered,
            reason: PromptReason {
                activated_minutes,
                window_minutes: cfg.window_minutes,
                sustained_s: sustained as f64 / 1000.0,
                gauge: a.gauge.unwrap_or(0.0),
                hr_rise_bpm: a.hr_bpm.map(|h| h - baseline.hr_bpm),
                ln_rmssd_drop: match (a.ln_rmssd, baseline.ln_rmssd) {
                    (Some(x), Some(c)) => Some(c - x),
                    _ => None,
                },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{ActivationConfig, ActivationTracker, Reading};

    fn base() -> Baseline {
        crate::baseline::test_personal()
    }

    /// Run HR (and lnRMSSD) every 5 s from `t0` for `secs`, collect prompts.
    fn run(
        p: &mut PromptPolicy,
        t0: Millis,
        secs: i64,
        hr: f64,
        ln: Option<f64>,
        cfg: &PromptConfig,
    ) -> Vec<Prompt> {
        let acfg = ActivationConfig::default();
        let mut tr = ActivationTracker::default();
        let b = base();
        (0..secs / 5)
            .filter_map(|i| {
                let r = Reading {
                    t_ms: t0 + i * 5000,
                    hr_bpm: Some(hr),
                    ln_rmssd: ln,
                };
                let a = tr.update(&r, None, &b, &acfg);
                p.observe(&a, &b, cfg)
            })
            .collect()
    }

    #[test]
    fn sustained_activation_prompts_once_then_rate_limit_holds() {
        let cfg = PromptConfig::default();
        let mut p = PromptPolicy::default();
        let prompts = run(&mut p, 0, 14 * 60, 70.0, Some(3.4), &cfg);
        assert_eq!(prompts.len(), 1);
        let first = prompts[0];
        assert!(
            first.t_ms >= 120_000 && first.t_ms <= 180_000,
            "{}",
            first.t_ms
        );
        assert!(first.reason.activated_minutes >= 3);
        assert!(first.reason.sustained_s >= 60.0);
        assert!(first.reason.describe().contains("HR +10 bpm"));
        // 15 min after the first one, it may fire again
        let more = run(&mut p, 14 * 60_000, 10 * 60, 70.0, Some(3.4), &cfg);
        assert_eq!(more.len(), 1);
        assert!(more[0].t_ms - first.t_ms >= cfg.min_gap_ms);
        assert_eq!(more[0].number, 2);
    }

    #[test]
    fn the_population_prior_alone_never_prompts() {
        let cfg = PromptConfig::default();
        let acfg = ActivationConfig::default();
        let b = Baseline {
            source: BaselineSource::Population,
            learning: true,
            ..base()
        };
        let mut tr = ActivationTracker::default();
        let mut p = PromptPolicy::default();
        for i in 0..240 {
            let r = Reading {
                t_ms: i * 5000,
                hr_bpm: Some(75.0),
                ln_rmssd: None,
            };
            let a = tr.update(&r, None, &b, &acfg);
            assert_eq!(a.state, ActivationState::Activated);
            assert!(p.observe(&a, &b, &cfg).is_none());
        }
    }

    #[test]
    fn brief_spikes_never_prompt() {
        let cfg = PromptConfig::default();
        let mut p = PromptPolicy::default();
        let mut n = 0;
        for k in 0..30 {
            // 40 s spike, 80 s calm, repeated for an hour
            n += run(&mut p, k * 120_000, 40, 75.0, None, &cfg).len();
            n += run(&mut p, k * 120_000 + 40_000, 80, 60.0, None, &cfg).len();
        }
        assert_eq!(n, 0);
    }

    #[test]
    fn hr_up_but_hrv_intact_does_not_prompt() {
        let cfg = PromptConfig::default();
        let mut p = PromptPolicy::default();
        // d = (4 + (-0.5))/2 = 1.75 -> activated, but lnRMSSD not dropped
        assert!(run(&mut p, 0, 600, 76.0, Some(4.1), &cfg).is_empty());
    }

    #[test]
    fn quiet_snooze_off_and_max_per_shift() {
        let mut p = PromptPolicy::default();
        p.set_quiet(true);
        assert!(run(&mut p, 0, 600, 75.0, None, &PromptConfig::default()).is_empty());

        let mut p = PromptPolicy::default();
        p.snooze(10 * 60_000);
        let got = run(&mut p, 0, 900, 75.0, None, &PromptConfig::default());
        assert_eq!(got.len(), 1);
        assert!(got[0].t_ms >= 10 * 60_000);

        let off = PromptConfig {
            enabled: false,
            ..PromptConfig::default()
        };
        let mut p = PromptPolicy::default();
        assert!(run(&mut p, 0, 600, 75.0, None, &off).is_empty());

        let cfg = PromptConfig {
            max_per_shift: 2,
            ..PromptConfig::default()
        };
        let mut p = PromptPolicy::default();
        assert_eq!(run(&mut p, 0, 4 * 3600, 75.0, None, &cfg).len(), 2);

        let mut p = PromptPolicy::default();
        p.note_reset(0);
        let got = run(&mut p, 0, 20 * 60, 75.0, None, &PromptConfig::default());
        assert_eq!(got.len(), 1);
        assert!(got[0].t_ms >= 15 * 60_000);
    }

    #[test]
    fn time_running_backwards_is_ignored() {
        let cfg = PromptConfig::default();
        let mut p = PromptPolicy::default();
        assert_eq!(run(&mut p, 0, 600, 75.0, None, &cfg).len(), 1);
        let before = p.clone();
        assert!(run(&mut p, 0, 600, 75.0, None, &cfg).is_empty());
        assert_eq!(p, before);
    }
}
