//! Off-shift recovery: how much of one shift's unrecovered load the next
//! shift starts with.
//!
//! WHY a rule at all: carrying a shift's end load into the next one in full
//! makes the load only ratchet (three identical recordings a day apart ended
//! at 1.2, 2.1 and 2.9 spread-minutes). Between shifts the strap is off, so
//! the model cannot see the recovery; it has to assume one, and says so.
//!
//! # The rule
//! Recovery between shifts is assumed to come from **sleep** (the main
//! recovery process in the effort-recovery model, Meijman & Mulder 1998;
//! homeostatic recovery happens during sleep in the three-process model,
//! Åkerstedt & Folkard 1997). Time awake off shift is assumed neither to pay
//! back nor to add (commuting, chores and rumination are invisible).
//! ```text
//! off      = start of this shift - end of the previous one (hours)
//! usable   = off - (quick_return_h - sleep_h)       (4 h: travel, meals, winding down)
//! sleep    = sleep_h * floor(usable / 24) + min(usable mod 24, sleep_h)   (0 if usable <= 0)
//! carried  = load_end * night_carry ^ (sleep / sleep_h)
//! carried  = 0 when off >= fresh_start_days
//! ```
//! - `sleep_h` = 7 h: the least sleep recommended for adults (Watson et al.
//!   2015, AASM/SRS consensus).
//! - `quick_return_h` = 11 h: the minimum daily rest of the EU Working Time
//!   Directive (2003/88/EC, art. 3). Less rest between shifts, a "quick
//!   return", goes with shorter sleep and more fatigue and sleepiness
//!   (Vedaa et al. 2016, systematic review; Öster et al. 2024: about 1 h less
//!   sleep measured by actigraphy in nurses). In the rule, 11 h off is
//!   exactly enough for a full night; each hour less cuts an hour of sleep.
//! - `night_carry` = 0.1: one full night pays back 90 % of the load. A
//!   starting value without a direct reference (like the in-shift `tau` of
//!   [`crate::load`], which pays back ~90 % in 45 min near baseline).
//! - `fresh_start_days` = 7: after a week off nothing is carried (six nights
//!   already leave less than 1e-6 of it; the cut makes "fresh" exact).
//!
//! Figures with the defaults: 8 h off -> 4 h of sleep -> 27 % carried;
//! 11-28 h off -> one night -> 10 %; 35 h off -> two nights -> 1 %.
use crate::Millis;

const HOUR_MS: f64 = 3_600_000.0;

/// Parameters of the off-shift recovery (units in the names).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(default)]
pub struct OffShiftConfig {
    /// Rest between shifts below which a return is "quick" (EU: 11 h).
    pub quick_return_h: f64,
    /// A full night's sleep (7 h, Watson et al. 2015).
    pub sleep_h: f64,
    /// Share of the load left after one full night (0..1).
    pub night_carry: f64,
    /// After this many days off, the next shift starts at 0.
    pub fresh_start_days: f64,
}

impl Default for OffShiftConfig {
    fn default() -> Self {
        Self {
            quick_return_h: 11.0,
            sleep_h: 7.0,
            night_carry: 0.1,
            fresh_start_days: 7.0,
        }
    }
}

/// How the load a shift starts with was derived from the previous shift.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LoadCarry {
    /// When the previous shift ended.
    pub previous_end_ms: Millis,
    /// The load it ended with (spread-minutes).
    pub previous_load_end: f64,
    /// Hours between its end and this shift's start (0 if they overlap).
    pub off_shift_h: f64,
    /// Fewer than `quick_return_h` hours off.
    pub quick_return: bool,
    /// Hours of sleep the rule assumes (not measured).
    pub assumed_sleep_h: f64,
    /// The load this shift starts with (spread-minutes).
    pub carried: f64,
}

/// Hours of sleep assumed in `off_h` hours between shifts (see the module
/// doc). Non-finite or negative input gives 0.
pub fn assumed_sleep_h(off_h: f64, cfg: &OffShiftConfig) -> f64 {
    let sleep = cfg.sleep_h.max(0.0);
    let overhead = (cfg.quick_return_h - sleep).max(0.0);
    let usable = off_h - overhead;
    if !usable.is_finite() || usable <= 0.0 {
        return 0.0;
    }
    let days = (usable / 24.0).floor();
    sleep * days + (usable - 24.0 * days).min(sleep)
}

/// The load a shift starting at `start_ms` carries from a previous shift
/// that ended at `previous_end_ms` with `previous_load_end`.
pub fn carry(
    previous_load_end: f64,
    previous_end_ms: Millis,
    start_ms: Millis,
    cfg: &OffShiftConfig,
) -> LoadCarry {
    let load = if previous_load_end.is_finite() {
        previous_load_end.max(0.0)
    } else {
        0.0
    };
    let off_h = (start_ms.saturating_sub(previous_end_ms)).max(0) as f64 / HOUR_MS;
    let sleep = assumed_sleep_h(off_h, cfg);
    let carried = if off_h >= cfg.fresh_start_days * 24.0 {
        0.0
    } else if cfg.sleep_h > 0.0 {
        load * cfg.night_carry.clamp(0.0, 1.0).powf(sleep / cfg.sleep_h)
    } else {
        load
    };
    LoadCarry {
        previous_end_ms,
        previous_load_end: load,
        off_shift_h: off_h,
        quick_return: off_h < cfg.quick_return_h,
        assumed_sleep_h: sleep,
        carried,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Millis = 3_600_000;

    #[test]
    fn sleep_is_cut_by_quick_returns_and_adds_up_over_days() {
        let c = OffShiftConfig::default();
        assert_eq!(assumed_sleep_h(3.0, &c), 0.0);
        assert_eq!(assumed_sleep_h(8.0, &c), 4.0);
        assert_eq!(assumed_sleep_h(10.0, &c), 6.0);
        assert_eq!(assumed_sleep_h(11.0, &c), 7.0);
        assert_eq!(assumed_sleep_h(24.0, &c), 7.0);
        assert_eq!(assumed_sleep_h(30.0, &c), 9.0);
        assert_eq!(assumed_sleep_h(35.0, &c), 14.0);
        assert_eq!(assumed_sleep_h(f64::NAN, &c), 0.0);
    }

    #[test]
    fn a_night_pays_back_most_a_quick_return_less_a_week_all() {
        let c = OffShiftConfig::default();
        let day = carry(10.0, 0, 16 * H, &c);
        assert!((day.carried - 1.0).abs() < 1e-12, "{day:?}");
        assert!(!day.quick_return);
        let quick = carry(10.0, 0, 8 * H, &c);
        assert!(quick.quick_return);
        assert!((quick.carried - 10.0 * 0.1f64.powf(4.0 / 7.0)).abs() < 1e-12);
        assert!(quick.carried > 2.0 * day.carried);
        assert_eq!(carry(10.0, 0, 7 * 24 * H, &c).carried, 0.0);
        assert_eq!(carry(10.0, 0, 30 * 24 * H, &c).carried, 0.0);
        // Overlap (previous ended after this start) carries everything.
        let over = carry(10.0, 5 * H, 4 * H, &c);
        assert_eq!((over.off_shift_h, over.carried), (0.0, 10.0));
        assert_eq!(carry(f64::NAN, 0, H, &c).carried, 0.0);
    }

    #[test]
    fn carried_load_never_grows_with_more_time_off() {
        let c = OffShiftConfig::default();
        let mut last = f64::INFINITY;
        for h in 0..(8 * 24) {
            let v = carry(5.0, 0, h * H, &c).carried;
            assert!(v <= last, "at {h} h: {v} > {last}");
            last = v;
        }
    }
}
