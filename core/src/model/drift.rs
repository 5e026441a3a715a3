//! Drift: the slow change across shifts that comes before burnout, over the
//! last 28 days.
//!
//! WHY: within a shift the model sees activation and recovery; across shifts
//! the pattern the seed describes (calm heart rate creeping up, heart-rate
//! variability down, recoveries taking longer, load carried from shift to
//! shift) builds over weeks. This module looks at those figures shift by
//! shift and says, in one plain line, when several of them have moved the
//! same way this week. It never diagnoses and gives no risk score.
//!
//! # Method (the approach of HRV-guided training)
//! For each figure, over the shifts that have it:
//! ```text
//! week   = mean of the shifts that ended in (now - 7 d, now]        (7-day rolling mean)
//! normal = mean and SD of the shifts that ended in (now - 28 d, now]   (the normal range)
//! swc    = max(0.5 SD, resolution)                     (smallest worthwhile change)
//! moved  = |week - normal mean| > swc, in the figure's worse or better direction
//! ```
//! 7-day rolling mean against a personal normal range with a smallest
//! worthwhile change of half a standard deviation: Plews et al. 2013 (Sports
//! Med 43:773), Buchheit 2014 (Front Physiol 5:73); HRV4Training shows the
//! same "normal range". `resolution` keeps identical shifts (SD 0) from
//! flagging float noise: the smallest step each figure can show.
//! At least [`MIN_WEEK_SHIFTS`] shifts this week and [`MIN_NORMAL_SHIFTS`]
//! in the 28 days are needed, else the figure says "not enough shifts".
//!
//! # Figures
//! - calm HR and calm lnRMSSD: the baseline estimator (docs/model.md §2)
//!   over each shift's own still minutes (at least [`MIN_CALM_MINUTES`]);
//! - median recovery time ([`crate::recovery`]);
//! - load carried in (start) and out (end), spread-minutes;
//! - returns to baseline per hour.
//!
//! # The line
//! When at least [`AGREEING_FIGURES`] figures moved the same way (all worse,
//! or all better) this week, one sentence names them ("This week your
//! recoveries have been taking longer and your calm heart rate has been
//! higher than your usual."). Otherwise no line.
use crate::Millis;

const DAY_MS: Millis = 86_400_000;
/// Days in the rolling mean.
pub const WEEK_DAYS: i64 = 7;
/// Days in the normal range.
pub const NORMAL_DAYS: i64 = 28;
/// Half a standard deviation (Plews et al. 2013).
pub const SWC_SD: f64 = 0.5;
/// Shifts needed this week for a week's mean.
pub const MIN_WEEK_SHIFTS: usize = 2;
/// Shifts needed in the 28 days for a normal range.
pub const MIN_NORMAL_SHIFTS: usize = 5;
/// Still minutes a shift needs for a calm HR / lnRMSSD of its own.
pub const MIN_CALM_MINUTES: u32 = 5;
/// Figures that must move the same way for the plain-language line.
pub const AGREEING_FIGURES: usize = 2;

/// One shift as the arc sees it (plain data; the store fills it).
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ShiftPoint {
    pub shift_id: i64,
    pub start_ms: Millis,
    pub end_ms: Millis,
    /// Calm HR of this shift's own still minutes, bpm.
    pub calm_hr_bpm: Option<f64>,
    /// Calm lnRMSSD of this shift's own still minutes.
    pub calm_ln_rmssd: Option<f64>,
    /// Median recovery time, seconds.
    pub median_recovery_s: Option<f64>,
    /// Share of activation episodes not recovered (0..1).
    pub not_recovered_share: Option<f64>,
    /// Load carried in, spread-minutes.
    pub load_start: Option<f64>,
    /// Load at the end, spread-minutes.
    pub load_end: Option<f64>,
    pub returns_per_hour: Option<f64>,
    /// Hours since the previous shift ended (`None` for the first).
    pub off_shift_h: Option<f64>,
    /// Fewer than 11 hours off before it (a quick return).
    pub quick_return: bool,
}

/// The figures the drift looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    CalmHr,
    CalmLnRmssd,
    RecoveryTime,
    LoadIn,
    LoadOut,
    ReturnsPerHour,
}

impl Figure {
    /// Every figure, in the order they are reported.
    pub const ALL: [Figure; 6] = [
        Figure::RecoveryTime,
        Figure::CalmHr,
        Figure::CalmLnRmssd,
        Figure::ReturnsPerHour,
        Figure::LoadIn,
        Figure::LoadOut,
    ];

    /// The figure of one shift.
    pub fn of(self, p: &ShiftPoint) -> Option<f64> {
        let v = match self {
            Figure::CalmHr => p.calm_hr_bpm,
            Figure::CalmLnRmssd => p.calm_ln_rmssd,
            Figure::RecoveryTime => p.median_recovery_s,
            Figure::LoadIn => p.load_start,
            Figure::LoadOut => p.load_end,
            Figure::ReturnsPerHour => p.returns_per_hour,
        };
        v.filter(|x| x.is_finite())
    }

    /// +1 when a higher value is the worse direction, -1 when lower is.
    fn worse_sign(self) -> f64 {
        match self {
            Figure::CalmLnRmssd | Figure::ReturnsPerHour => -1.0,
            _ => 1.0,
        }
    }

    /// The smallest step the figure can show (floor of the SWC).
    pub fn resolution(self) -> f64 {
        match self {
            Figure::CalmHr => 0.5,                   // bpm
            Figure::CalmLnRmssd => 0.02,             // ln units
            Figure::RecoveryTime => 5.0,             // s: one gauge refresh
            Figure::LoadIn | Figure::LoadOut => 0.1, // spread-minutes
            Figure::ReturnsPerHour => 0.1,
        }
    }

    /// Short name for tables and charts.
    pub fn name(self) -> &'static str {
        match self {
            Figure::CalmHr => "calm HR (bpm)",
            Figure::CalmLnRmssd => "calm lnRMSSD",
            Figure::RecoveryTime => "median recovery (s)",
            Figure::LoadIn => "load carried in",
            Figure::LoadOut => "load at end",
            Figure::ReturnsPerHour => "returns per hour",
        }
    }

    fn phrase(self, dir: Direction) -> &'static str {
        let worse = dir == Direction::Worse;
        match self {
            Figure::RecoveryTime if worse => "your recoveries have been taking longer",
            Figure::RecoveryTime => "your recoveries have been quicker",
            Figure::CalmHr if worse => "your calm heart rate has been higher",
            Figure::CalmHr => "your calm heart rate has been lower",
            Figure::CalmLnRmssd if worse => "your calm heart-rate variability has been lower",
            Figure::CalmLnRmssd => "your calm heart-rate variability has been higher",
            Figure::ReturnsPerHour if worse => "you have come back to calm less often",
            Figure::ReturnsPerHour => "you have come back to calm more often",
            Figure::LoadIn if worse => "you have started shifts with more load carried in",
            Figure::LoadIn => "you have started shifts with less load carried in",
            Figure::LoadOut if worse => "you have ended shifts with more unrecovered load",
            Figure::LoadOut => "you have ended shifts with less unrecovered load",
        }
    }
}

/// Where this week's mean sits against the normal range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Within the smallest worthwhile change.
    Usual,
    Worse,
    Better,
    /// Too few shifts for a week's mean or a normal range.
    NotEnough,
}

/// One figure's week against its normal range.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FigureDrift {
    pub figure: Figure,
    /// Mean of this week's shifts.
    pub week_mean: Option<f64>,
    /// Mean of the 28 days' shifts.
    pub normal_mean: Option<f64>,
    /// Smallest worthwhile change (the half-width of the normal range).
    pub swc: Option<f64>,
    pub week_shifts: u32,
    pub normal_shifts: u32,
    pub direction: Direction,
}

impl FigureDrift {
    /// `(low, high)` of the normal range.
    pub fn normal_range(&self) -> Option<(f64, f64)> {
        Some((self.normal_mean? - self.swc?, self.normal_mean? + self.swc?))
    }
}

/// The drift at one moment.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Drift {
    /// The moment assessed (normally the end of the latest shift).
    pub at_ms: Millis,
    pub figures: Vec<FigureDrift>,
    /// One plain-language sentence when several figures moved the same
    /// way this week; `None` otherwise.
    pub line: Option<String>,
}

/// One shift of the arc with every figure's drift as of its end (the
/// week's mean and normal range then): what the history chart draws.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ArcPoint {
    pub shift: ShiftPoint,
    pub figures: Vec<FigureDrift>,
}

/// The arc across shifts: the shifts shown, oldest first, and the drift
/// as of the end of the latest one.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ShiftArc {
    pub points: Vec<ArcPoint>,
    /// `None` without any shift.
    pub drift: Option<Drift>,
}

/// The arc of the shifts that ended at or after `show_from_ms`; `points`
/// may hold earlier shifts too (the normal range of the first shown looks
/// back 28 days). Points in any order.
pub fn arc(points: &[ShiftPoint], show_from_ms: Millis) -> ShiftArc {
    let mut pts = points.to_vec();
    pts.sort_by_key(|p| (p.end_ms, p.shift_id));
    let shown: Vec<ArcPoint> = pts
        .iter()
        .filter(|p| p.end_ms >= show_from_ms)
        .map(|p| ArcPoint {
            shift: *p,
            figures: Figure::ALL
                .iter()
                .map(|&f| figure_at(&pts, f, p.end_ms))
                .collect(),
        })
        .collect();
    let drift = pts.last().map(|p| assess(&pts, p.end_ms));
    ShiftArc {
        points: shown,
        drift,
    }
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

/// One figure at `at_ms` (shifts that ended in the windows ending there).
pub fn figure_at(points: &[ShiftPoint], figure: Figure, at_ms: Millis) -> FigureDrift {
    let within = |days: i64| -> Vec<f64> {
        let from = at_ms.saturating_sub(days * DAY_MS);
        points
            .iter()
            .filter(|p| p.end_ms > from && p.end_ms <= at_ms)
            .filter_map(|p| figure.of(p))
            .collect()
    };
    let week = within(WEEK_DAYS);
    let normal = within(NORMAL_DAYS);
    let count = |v: &[f64]| u32::try_from(v.len()).unwrap_or(u32::MAX);
    let week_mean = (!week.is_empty()).then(|| mean_sd(&week).0);
    let (normal_mean, swc) = if normal.is_empty() {
        (None, None)
    } else {
        let (m, sd) = mean_sd(&normal);
        (Some(m), Some((SWC_SD * sd).max(figure.resolution())))
    };
    let direction = match (week_mean, normal_mean, swc) {
        (Some(w), Some(m), Some(s))
            if week.len() >= MIN_WEEK_SHIFTS && normal.len() >= MIN_NORMAL_SHIFTS =>
        {
            let d = (w - m) * figure.worse_sign();
            if d > s {
                Direction::Worse
            } else if d < -s {
                Direction::Better
            } else {
                Direction::Usual
            }
        }
        _ => Direction::NotEnough,
    };
    FigureDrift {
        figure,
        week_mean,
        normal_mean,
        swc,
        week_shifts: count(&week),
        normal_shifts: count(&normal),
        direction,
    }
}

/// Every figure at `at_ms`, and the line when several agree.
pub fn assess(points: &[ShiftPoint], at_ms: Millis) -> Drift {
    let figures: Vec<FigureDrift> = Figure::ALL
        .iter()
        .map(|&f| figure_at(points, f, at_ms))
        .collect();
    let line = [Direction::Worse, Direction::Better]
        .into_iter()
        .find_map(|dir| {
            let moved: Vec<&str> = figures
                .iter()
                .filter(|f| f.direction == dir)
                .map(|f| f.figure.phrase(dir))
                .collect();
            (moved.len() >= AGREEING_FIGURES).then(|| sentence(&moved))
        });
    Drift {
        at_ms,
        figures,
        line,
    }
}

fn sentence(parts: &[&str]) -> String {
    let joined = match parts {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    };
    let joined = if parts.len() == 2 {
        joined.replacen(", and", " and", 1)
    } else {
        joined
    };
    format!("This week {joined}, compared with your usual.")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shift a day, ending at noon of day `d`.
    fn p(d: i64, hr: f64, rec: f64) -> ShiftPoint {
        ShiftPoint {
            shift_id: d,
            start_ms: d * DAY_MS,
            end_ms: d * DAY_MS + DAY_MS / 2,
            calm_hr_bpm: Some(hr),
            calm_ln_rmssd: Some(3.8),
            median_recovery_s: Some(rec),
            load_start: Some(0.2),
            load_end: Some(2.0),
            returns_per_hour: Some(1.0),
            ..ShiftPoint::default()
        }
    }

    fn noise(d: i64) -> f64 {
        // deterministic +-1 alternation
        if d % 2 == 0 { 1.0 } else { -1.0 }
    }

    #[test]
    fn a_steady_month_moves_nothing_and_says_nothing() {
        let pts: Vec<_> = (0..28)
            .map(|d| p(d, 60.0 + noise(d), 120.0 + 10.0 * noise(d)))
            .collect();
        let dr = assess(&pts, 28 * DAY_MS);
        assert!(
            dr.figures.iter().all(|f| f.direction == Direction::Usual),
            "{dr:?}"
        );
        assert_eq!(dr.line, None);
    }

    #[test]
    fn two_figures_worse_this_week_give_one_line() {
        let pts: Vec<_> = (0..28)
            .map(|d| {
                let bad = d >= 21;
                p(
                    d,
                    60.0 + noise(d) + if bad { 4.0 } else { 0.0 },
                    120.0 + 10.0 * noise(d) + if bad { 120.0 } else { 0.0 },
                )
            })
            .collect();
        let dr = assess(&pts, 28 * DAY_MS);
        let dir = |f: Figure| dr.figures.iter().find(|x| x.figure == f).unwrap().direction;
        assert_eq!(dir(Figure::RecoveryTime), Direction::Worse);
        assert_eq!(dir(Figure::CalmHr), Direction::Worse);
        assert_eq!(dir(Figure::LoadOut), Direction::Usual);
        assert_eq!(
            dr.line.as_deref(),
            Some(
                "This week your recoveries have been taking longer and your calm heart rate has been higher, compared with your usual."
            )
        );
    }

    #[test]
    fn one_figure_alone_or_too_few_shifts_say_nothing() {
        let pts: Vec<_> = (0..28)
            .map(|d| p(d, 60.0 + noise(d), if d >= 21 { 400.0 } else { 120.0 }))
            .collect();
        let dr = assess(&pts, 28 * DAY_MS);
        assert_eq!(dr.figures[0].direction, Direction::Worse);
        assert_eq!(dr.line, None, "one figure is not a pattern");
        let few: Vec<_> = pts[..3].to_vec();
        let dr = assess(&few, 3 * DAY_MS);
        assert!(
            dr.figures
                .iter()
                .all(|f| f.direction == Direction::NotEnough)
        );
        let lower_is_worse = figure_at(
            &(0..20)
                .map(|d| ShiftPoint {
                    calm_ln_rmssd: Some(if d >= 15 { 3.0 } else { 3.8 }),
                    ..p(d, 60.0, 100.0)
                })
                .collect::<Vec<_>>(),
            Figure::CalmLnRmssd,
            20 * DAY_MS,
        );
        assert_eq!(lower_is_worse.direction, Direction::Worse);
        let (lo, hi) = lower_is_worse.normal_range().unwrap();
        assert!(lo < hi);
    }
}
