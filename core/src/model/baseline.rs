//! The personal baseline: where this person's heart rate and lnRMSSD sit when
//! they are still, awake and calm.
//!
//! Why personal: a generic HRV stress model scored 42.5 % on SWELL-KW and
//! 95.2 % once personalised (Nkurikiyeyezu et al. 2020); lab stressors move HR
//! by a median of only ~3 bpm (Stress-Predict, Iqbal et al. 2022). Distance
//! from one's *own* normal, in one's *own* spread, is what the gauge shows.
//!
//! # The estimate
//! The unit of evidence is a [`BaselineSample`]: HR (bpm) and lnRMSSD over one
//! 60 s window, taken once a minute while the person is still (no motion, not
//! physical) and the window is of good quality (docs/model.md §1-§2).
//!
//! Over a set of samples:
//! 1. `c_HR, s_HR = median, 1.4826 * MAD` of HR over all still samples;
//! 2. keep the *low-HR* samples, `HR <= c_HR + LOW_HR_TRIM_SPREADS * s_HR`
//!    (a still minute with a racing heart is not "baseline");
//! 3. centre and spread of HR and of lnRMSSD = median and 1.4826 * MAD over
//!    the kept samples, each spread floored (`min_hr_spread_bpm`,
//!    `min_ln_rmssd_spread`) so that a very steady person does not turn
//!    measurement noise into "activation";
//! 4. while learning (any source but `Personal`), each spread is at least
//!    the population prior's: a few minutes can locate a person's calm
//!    centre but cannot measure how much they vary (a MAD of 2-3 samples is
//!    noise). Found on the Stress-Predict sessions: with spreads from the
//!    3-minute calmest stretch alone, a few bpm over it read as "activated"
//!    and rest drew prompts (`steady evaluate`, docs/model.md §9).
//!
//! # Where the samples come from (in order of preference)
//! - [`BaselineSource::Personal`]: the rolling history over the last
//!   `window_days` (28, as Polar; WHOOP uses 14), once it holds at least
//!   `min_personal_minutes` still minutes.
//! - [`BaselineSource::SeatedCheck`]: an optional seated check at shift start
//!   (1 min settle + 2 min measure).
//! - [`BaselineSource::CalmestStretch`]: this shift's awake calm, once a
//!   run of `calm_stretch_minutes` consecutive still minutes exists: the
//!   estimate over the awake still minutes in the lowest quarter of HR,
//!   sleep-like minutes left out ([`CalmestStretch`]).
//! - [`BaselineSource::Population`]: population priors, until any of the
//!   above exists.
//!
//! Everything except `Personal` is "learning": the UI says "learning your
//! baseline". The history ([`BaselineHistory`]) is serde-serializable so the
//! store can keep it between shifts.
use crate::Millis;
use crate::robust::{RobustStats, StatsScratch, median_sorted, robust_stats_sorted};

/// Milliseconds in one day.
pub const DAY_MS: Millis = 86_400_000;

/// Still samples with HR more than this many spreads above the still median
/// are not used for the baseline (step 2 above).
pub const LOW_HR_TRIM_SPREADS: f64 = 2.0;

/// Share of the shift's still minutes, from the lowest HR up, that make
/// the within-shift calm baseline (the lower quartile).
///
/// Why a quantile and not the single calmest stretch: the lowest median of
/// all 3-minute stretches is an extreme value. It keeps drifting down as a
/// shift goes on (every new stretch is another draw), and the gauge, scored
/// against a baseline that moves within the session, loses ranking: on the
/// Stress-Predict sessions the window HR ranked stress above rest with a
/// mean AUC of 0.683 and the gauge, against the drifting calmest stretch,
/// 0.654 (`steady evaluate`, docs/model.md §9). A quantile of all still
/// minutes converges instead of drifting. The quarter is the share of a
/// shift's still time that is plausibly calm, not a fitted value (it was
/// the one quantile tried besides the median, which read stress minutes as
/// calm).
pub const CALM_QUANTILE: f64 = 0.25;

/// A still minute whose HR is below this fraction of the median of the
/// shift's awake still minutes so far is "sleep-like" and is kept out of
/// the baseline. Heart rate falls by 10-20 % in sleep against awake rest
/// (nocturnal dipping; on the 24-h Holter in ../shared/data the night's
/// 30-min medians are 56-69 bpm against 80-105 awake): a baseline learned
/// from sleep reads the sleeper's own REM surges as activation.
pub const SLEEP_HR_FRACTION: f64 = 0.85;

/// Awake still minutes needed before the sleep rule applies (a reference
/// of a few minutes is noise).
pub const SLEEP_REFERENCE_MINUTES: usize = 30;

/// Population priors used until personal data exists.
///
/// Resting HR ~70 bpm in adults; short-term RMSSD ~42 +- 15 ms in healthy
/// adults (Nunan et al. 2010, normative review), ln(42) = 3.74. The spreads
/// are deliberately wide so that a stranger's gauge stays modest.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BaselinePrior {
    pub hr_bpm: f64,
    pub hr_spread_bpm: f64,
    pub ln_rmssd: f64,
    pub ln_rmssd_spread: f64,
}

impl Default for BaselinePrior {
    fn default() -> Self {
        Self {
            hr_bpm: 70.0,
            hr_spread_bpm: 6.0,
            ln_rmssd: 3.74,
            ln_rmssd_spread: 0.35,
        }
    }
}

/// Parameters of the baseline (defaults: docs/model.md §2).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BaselineConfig {
    /// Rolling history length in days (14-28 in peers; default 28).
    pub window_days: u32,
    /// Still minutes of history needed before the baseline is personal.
    pub min_personal_minutes: u32,
    /// Most samples kept in the history (oldest dropped first): 28 days of
    /// ~2.5 h still time a day, a few hundred kB serialized.
    pub max_history_samples: u32,
    /// Length of the calmest stretch used for a cold start, in minutes.
    pub calm_stretch_minutes: u32,
    /// Floor of the HR spread (bpm): the 60 s mean HR of a chest strap is
    /// not more precise than a couple of bpm minute to minute.
    pub min_hr_spread_bpm: f64,
    /// Floor of the lnRMSSD spread: the 60 s lnRMSSD typical error, 0.11
    /// (Esco & Flatt 2014).
    pub min_ln_rmssd_spread: f64,
    pub prior: BaselinePrior,
}

impl Default for BaselineConfig {
    fn default() -> Self {
        Self {
            window_days: 28,
            min_personal_minutes: 30,
            max_history_samples: 4200,
            calm_stretch_minutes: 3,
            min_hr_spread_bpm: 2.0,
            min_ln_rmssd_spread: 0.11,
            prior: BaselinePrior::default(),
        }
    }
}

/// HR and lnRMSSD of one still, good-quality 60 s window.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BaselineSample {
    /// End of the window on the input clock.
    pub t_ms: Millis,
    pub hr_bpm: f64,
    /// `None` on an HR-only strap or when the window had too few beats.
    pub ln_rmssd: Option<f64>,
}

/// Where the current baseline comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum BaselineSource {
    /// Population priors: nothing personal yet.
    Population,
    /// This shift's calmest still stretch.
    CalmestStretch,
    /// The optional seated check at shift start.
    SeatedCheck,
    /// The rolling multi-day personal history.
    Personal,
}

/// The baseline the gauge is measured against.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Baseline {
    pub hr_bpm: f64,
    pub hr_spread_bpm: f64,
    /// `None` when no lnRMSSD evidence exists (HR-only strap): the gauge then
    /// uses HR alone rather than comparing with a stranger's HRV.
    pub ln_rmssd: Option<f64>,
    pub ln_rmssd_spread: Option<f64>,
    pub source: BaselineSource,
    /// True until the baseline is personal ("learning your baseline").
    pub learning: bool,
    /// Number of still minutes behind the estimate (0 for priors).
    pub minutes: u32,
}

impl Baseline {
    /// The population prior as a baseline.
    pub fn population(cfg: &BaselineConfig) -> Self {
        Self {
            hr_bpm: cfg.prior.hr_bpm,
            hr_spread_bpm: cfg.prior.hr_spread_bpm,
            ln_rmssd: Some(cfg.prior.ln_rmssd),
            ln_rmssd_spread: Some(cfg.prior.ln_rmssd_spread),
            source: BaselineSource::Population,
            learning: true,
            minutes: 0,
        }
    }
}

/// Estimate a baseline from still samples (steps 1-3 of the module doc).
/// `None` when `samples` is empty.
pub fn estimate(
    samples: &[BaselineSample],
    source: BaselineSource,
    cfg: &BaselineConfig,
) -> Option<Baseline> {
    estimate_in(samples, source, cfg, &mut StatsScratch::default())
}

/// [`estimate`] in reusable buffers (no allocation once warm).
pub fn estimate_in(
    samples: &[BaselineSample],
    source: BaselineSource,
    cfg: &BaselineConfig,
    scratch: &mut StatsScratch,
) -> Option<Baseline> {
    let all = scratch.robust_stats(samples.iter().map(|s| s.hr_bpm))?;
    let limit = trim_limit(&all, cfg);
    let kept = || samples.iter().filter(move |s| s.hr_bpm <= limit);
    let hr = scratch
        .robust_stats(kept().map(|s| s.hr_bpm))
        .unwrap_or(all);
    let ln: Option<RobustStats> = scratch.robust_stats(kept().filter_map(|s| s.ln_rmssd));
    Some(from_stats(hr, ln, source, cfg))
}

/// Step 2's limit: HR above it is a racing heart, not baseline.
fn trim_limit(all: &RobustStats, cfg: &BaselineConfig) -> f64 {
    all.centre + LOW_HR_TRIM_SPREADS * all.spread.max(cfg.min_hr_spread_bpm)
}

/// Steps 3-4: the baseline from the kept samples' HR and lnRMSSD figures.
fn from_stats(
    hr: RobustStats,
    ln: Option<RobustStats>,
    source: BaselineSource,
    cfg: &BaselineConfig,
) -> Baseline {
    let learning = source != BaselineSource::Personal;
    let (hr_floor, ln_floor) = if learning {
        (
            cfg.min_hr_spread_bpm.max(cfg.prior.hr_spread_bpm),
            cfg.min_ln_rmssd_spread.max(cfg.prior.ln_rmssd_spread),
        )
    } else {
        (cfg.min_hr_spread_bpm, cfg.min_ln_rmssd_spread)
    };
    Baseline {
        hr_bpm: hr.centre,
        hr_spread_bpm: hr.spread.max(hr_floor),
        ln_rmssd: ln.map(|s| s.centre),
        ln_rmssd_spread: ln.map(|s| s.spread.max(ln_floor)),
        source,
        learning,
        minutes: hr.n,
    }
}

/// The calmest stretch of this shift: among runs of `calm_stretch_minutes`
/// consecutive still samples (no gap over 90 s between neighbours), the one
/// with the lowest median HR (the earliest of equals). `samples` must be in
/// time order. Kept as the gate of the within-shift baseline (no baseline
/// before one such run exists); the baseline itself is [`CalmestStretch::update`]'s.
pub fn calmest_stretch(samples: &[BaselineSample], cfg: &BaselineConfig) -> Option<Baseline> {
    CalmestStretch::default().first_run(samples, cfg)
}

/// The reads of one bisection over `n` items (at most).
fn probes(n: usize) -> u64 {
    u64::from(usize::BITS - n.leading_zeros()) + 1
}

/// Still minutes the buffers of [`CalmestStretch`] hold without growing.
const MINUTES_RESERVED: usize = 24 * 60;

/// The within-shift calm baseline, kept current as still minutes are
/// appended: once a run of `calm_stretch_minutes` consecutive still minutes
/// exists, the baseline is [`estimate`] over the awake still minutes whose
/// HR is in the lowest [`CALM_QUANTILE`]. A still minute is awake unless it
/// is sleep-like: below [`SLEEP_HR_FRACTION`] of the median of the awake
/// still minutes before it, once [`SLEEP_REFERENCE_MINUTES`] of those exist.
/// A minute whose HR is not a positive finite number (no window of the
/// shift gives one) is set aside as well.
///
/// Limits of the sleep rule: it needs half an hour of awake still time
/// first (a recording that starts asleep learns its baseline from sleep);
/// a person whose awake calm is more than 15 % below their first half hour
/// (someone who started the shift very activated) has those calm minutes
/// set aside until the reference comes down; a nap on a short shift is
/// caught only if it is that far below.
///
/// Cost: each update looks only at samples added since the last call, and
/// keeps the awake minutes sorted by HR, so the calm set is a prefix of
/// that order and its medians and MADs are read by bisection
/// ([`robust_stats_sorted`]) rather than sorted afresh: a few hundred reads
/// per still minute, however long the shift (sorting every still minute
/// once a minute made the model quadratic in the length of the shift: a
/// 200 MB RR file, 46 M beats and 660,000 still minutes, did not finish).
/// What still grows: each sorted insertion shifts the larger values up
/// (a memmove of up to 8 bytes per minute so far, in three vectors). A
/// fresh (default) value catches up in one call, so it need not be
/// persisted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalmestStretch {
    /// Runs (by start index) already looked at.
    scanned: usize,
    /// A run of `calm_stretch_minutes` contiguous still minutes exists.
    has_run: bool,
    /// Samples already classified awake or sleep-like.
    classified: usize,
    /// HRs of the awake still minutes so far, ascending.
    hr: Vec<f64>,
    /// The lnRMSSD of the same minutes, in the order of `hr` (ties in HR in
    /// arrival order), NaN for none (8 bytes: inserting shifts this vector).
    ln: Vec<f64>,
    /// The minutes `..kept` of that order are the last update's kept calm
    /// minutes (always a prefix: both thresholds are on HR) ...
    kept: usize,
    /// ... and these are their finite lnRMSSD values, ascending.
    kept_ln: Vec<f64>,
    /// Items read so far ([`CalmestStretch::work`]).
    work: u64,
    scratch: StatsScratch,
}

impl CalmestStretch {
    /// The within-shift baseline of `samples`: the same slice as last time
    /// plus newer samples (anything else starts afresh).
    pub fn update(&mut self, samples: &[BaselineSample], cfg: &BaselineConfig) -> Option<Baseline> {
        if samples.len() < self.classified {
            *self = Self::default();
        }
        self.classify(samples);
        if !self.has_run {
            self.has_run = self.first_run(samples, cfg).is_some();
        }
        if !self.has_run {
            return None;
        }
        // The calm minutes: HR up to the lower quartile's value.
        let i = ((self.hr.len().saturating_sub(1)) as f64 * CALM_QUANTILE).floor() as usize;
        let q = *self.hr.get(i)?;
        let calm = self.hr.partition_point(|h| *h <= q);
        let all = robust_stats_sorted(self.hr.get(..calm)?)?;
        // Of those, the kept ones: HR up to the trim limit too.
        let limit = trim_limit(&all, cfg);
        let kept = calm.min(self.hr.partition_point(|h| *h <= limit));
        self.move_kept_to(kept);
        // two bisections for the calm and kept ends, three in each of the
        // three robust figures
        self.work += 11 * probes(self.hr.len());
        let hr = self
            .hr
            .get(..kept)
            .and_then(robust_stats_sorted)
            .unwrap_or(all);
        let ln = robust_stats_sorted(&self.kept_ln);
        Some(from_stats(hr, ln, BaselineSource::CalmestStretch, cfg))
    }

    /// Items read by the updates so far (each new minute, each minute
    /// entering or leaving the kept set, each bisection's probes; the
    /// memory shifted by a sorted insertion is not counted): a few hundred
    /// per still minute, where a rescan reads every minute so far.
    pub fn work(&self) -> u64 {
        self.work
    }

    /// Classify the new samples as awake or sleep-like; the awake ones go
    /// into the HR order.
    fn classify(&mut self, samples: &[BaselineSample]) {
        // One still minute a minute for a day, reserved once, so that the
        // once-a-minute update allocates nothing on a normal shift.
        if self.hr.capacity() < MINUTES_RESERVED {
            self.hr.reserve_exact(MINUTES_RESERVED);
            self.ln.reserve_exact(MINUTES_RESERVED);
            self.kept_ln.reserve_exact(MINUTES_RESERVED);
            self.scratch.reserve(MINUTES_RESERVED);
        }
        for s in samples.iter().skip(self.classified) {
            self.work += 1 + probes(self.hr.len());
            let reference = if self.hr.len() >= SLEEP_REFERENCE_MINUTES {
                median_sorted(&self.hr)
            } else {
                None
            };
            let usable = s.hr_bpm.is_finite() && s.hr_bpm > 0.0;
            let awake = usable && reference.is_none_or(|r| s.hr_bpm >= SLEEP_HR_FRACTION * r);
            if !awake {
                continue;
            }
            let at = self.hr.partition_point(|h| *h <= s.hr_bpm);
            self.hr.insert(at, s.hr_bpm);
            let ln = s.ln_rmssd.unwrap_or(f64::NAN);
            self.ln.insert(at, ln);
            if at < self.kept {
                self.kept += 1;
                self.kept_ln_insert(ln);
            }
        }
        self.classified = samples.len();
    }

    /// Moves the end of the kept prefix to `kept`, adding or removing the
    /// lnRMSSD of the minutes it passes.
    fn move_kept_to(&mut self, kept: usize) {
        while self.kept < kept {
            let ln = self.ln.get(self.kept).copied().unwrap_or(f64::NAN);
            self.kept_ln_insert(ln);
            self.kept += 1;
        }
        while self.kept > kept {
            self.kept -= 1;
            self.work += 1 + probes(self.kept_ln.len());
            if let Some(x) = self.ln.get(self.kept).copied().filter(|x| x.is_finite()) {
                let at = self.kept_ln.partition_point(|y| *y < x);
                if self.kept_ln.get(at) == Some(&x) {
                    self.kept_ln.remove(at);
                }
            }
        }
    }

    /// Adds one lnRMSSD (NaN: none) to the kept set.
    fn kept_ln_insert(&mut self, ln: f64) {
        self.work += 1 + probes(self.kept_ln.len());
        if ln.is_finite() {
            let at = self.kept_ln.partition_point(|y| *y <= ln);
            self.kept_ln.insert(at, ln);
        }
    }

    /// The calmest awake run of `samples` (see [`calmest_stretch`]),
    /// scanning only runs not looked at before.
    fn first_run(&mut self, samples: &[BaselineSample], cfg: &BaselineConfig) -> Option<Baseline> {
        let k = usize::try_from(cfg.calm_stretch_minutes.max(1)).unwrap_or(1);
        let runs = samples.len().saturating_sub(k - 1);
        if runs < self.scanned {
            self.scanned = 0;
        }
        let mut best: Option<(f64, usize)> = None;
        for (start, win) in samples.windows(k).enumerate().skip(self.scanned) {
            let contiguous = win.windows(2).all(|p| match p {
                [a, b] => b.t_ms - a.t_ms <= 90_000 && b.t_ms > a.t_ms,
                _ => true,
            });
            if !contiguous {
                continue;
            }
            if let Some(m) = self.scratch.median(win.iter().map(|s| s.hr_bpm))
                && best.is_none_or(|(b, _)| m < b)
            {
                best = Some((m, start));
            }
        }
        self.scanned = runs;
        let (_, start) = best?;
        estimate_in(
            samples.get(start..start + k)?,
            BaselineSource::CalmestStretch,
            cfg,
            &mut self.scratch,
        )
    }
}

/// The rolling personal history: still minutes from earlier shifts (and this
/// one, once it is committed). Serialize it to keep it between shifts.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BaselineHistory {
    /// Still-minute samples, oldest first.
    pub samples: Vec<BaselineSample>,
}

/// The still minutes a shift hands to the next shifts' history: what
/// [`BaselineHistory::add`] keeps of them (finite, within `window_days` of
/// the newest, at most `max_history_samples`, the newest).
///
/// WHY: the rolling history drops the rest anyway; a shift of weeks (an
/// import of a long recording) would otherwise carry hundreds of thousands
/// of minutes in its summary and its stored baseline row.
pub fn handed_on(still: &[BaselineSample], cfg: &BaselineConfig) -> Vec<BaselineSample> {
    let mut kept = BaselineHistory::default();
    kept.add(still, cfg);
    kept.samples
}

impl BaselineHistory {
    /// Add samples (e.g. a finished shift's still minutes), keep time order,
    /// drop those older than `window_days` before the newest, and cap the
    /// count at `max_history_samples` (oldest dropped first).
    pub fn add(&mut self, new: &[BaselineSample], cfg: &BaselineConfig) {
        self.samples
            .extend(new.iter().copied().filter(|s| s.hr_bpm.is_finite()));
        self.samples.sort_by_key(|s| s.t_ms);
        self.samples.dedup_by_key(|s| s.t_ms);
        if let Some(newest) = self.samples.last().map(|s| s.t_ms) {
            let oldest_kept =
                newest.saturating_sub(DAY_MS.saturating_mul(i64::from(cfg.window_days)));
            self.samples.retain(|s| s.t_ms >= oldest_kept);
        }
        let cap = usize::try_from(cfg.max_history_samples).unwrap_or(usize::MAX);
        if self.samples.len() > cap {
            let excess = self.samples.len() - cap;
            self.samples.drain(..excess);
        }
    }

    /// The personal baseline at `now`, from samples in
    /// `[now - window_days, now]`; `None` while fewer than
    /// `min_personal_minutes` exist.
    pub fn personal(&self, now: Millis, cfg: &BaselineConfig) -> Option<Baseline> {
        self.personal_in(now, cfg, &mut StatsScratch::default())
    }

    /// [`BaselineHistory::personal`] in reusable buffers. The samples are
    /// in time order ([`BaselineHistory::add`] keeps them so), so the
    /// recent ones are one slice.
    pub fn personal_in(
        &self,
        now: Millis,
        cfg: &BaselineConfig,
        scratch: &mut StatsScratch,
    ) -> Option<Baseline> {
        let from = now.saturating_sub(DAY_MS.saturating_mul(i64::from(cfg.window_days)));
        let lo = self.samples.partition_point(|s| s.t_ms < from);
        let hi = self.samples.partition_point(|s| s.t_ms <= now);
        let recent = self.samples.get(lo..hi.max(lo))?;
        if recent.len() < usize::try_from(cfg.min_personal_minutes).unwrap_or(usize::MAX) {
            return None;
        }
        estimate_in(recent, BaselineSource::Personal, cfg, scratch)
    }
}

/// Pick the baseline in order of preference: personal history, seated
/// check, this shift's calmest stretch, population prior.
pub fn resolve(
    history: &BaselineHistory,
    seated_check: Option<&Baseline>,
    shift_still: Option<Baseline>,
    now: Millis,
    cfg: &BaselineConfig,
    scratch: &mut StatsScratch,
) -> Baseline {
    if let Some(b) = history.personal_in(now, cfg, scratch) {
        return b;
    }
    if let Some(b) = seated_check {
        return *b;
    }
    shift_still.unwrap_or_else(|| Baseline::population(cfg))
}

/// Baseline from a seated check: the samples of the 2 min measure (after
/// the 1 min settle, which the caller discards). `None` if empty.
pub fn seated_check(samples: &[BaselineSample], cfg: &BaselineConfig) -> Option<Baseline> {
    estimate(samples, BaselineSource::SeatedCheck, cfg)
}

/// A learned personal baseline (60 +/- 4 bpm, lnRMSSD 4.0 +/- 0.2) for
/// the unit tests of the parts that read one (activation, prompt).
#[cfg(test)]
pub(crate) fn test_personal() -> Baseline {
    Baseline {
        hr_bpm: 60.0,
        hr_spread_bpm: 4.0,
        ln_rmssd: Some(4.0),
        ln_rmssd_spread: Some(0.2),
        source: BaselineSource::Personal,
        learning: false,
        minutes: 100,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(min: i64, hr: f64, ln: Option<f64>) -> BaselineSample {
        BaselineSample {
            t_ms: min * 60_000,
            hr_bpm: hr,
            ln_rmssd: ln,
        }
    }

    #[test]
    fn estimate_trims_racing_still_minutes_and_floors_spread() {
        let cfg = BaselineConfig::default();
        let mut v: Vec<BaselineSample> = (0..20)
            .map(|i| s(i, 60.0 + (i % 3) as f64, Some(3.8)))
            .collect();
        v.push(s(21, 110.0, Some(2.0)));
        let b = estimate(&v, BaselineSource::Personal, &cfg).unwrap();
        assert_eq!(b.hr_bpm, 61.0);
        assert_eq!(b.minutes, 20, "the 110 bpm minute is trimmed");
        assert_eq!(b.ln_rmssd, Some(3.8));
        assert_eq!(b.ln_rmssd_spread, Some(cfg.min_ln_rmssd_spread));
        assert!(b.hr_spread_bpm >= cfg.min_hr_spread_bpm);
        assert!(!b.learning);
    }

    #[test]
    fn learning_spreads_are_at_least_the_prior() {
        let cfg = BaselineConfig::default();
        let v: Vec<_> = (0..3).map(|i| s(i, 70.0 + i as f64, Some(3.5))).collect();
        let b = estimate(&v, BaselineSource::CalmestStretch, &cfg).unwrap();
        assert_eq!(b.hr_spread_bpm, cfg.prior.hr_spread_bpm);
        assert_eq!(b.ln_rmssd_spread, Some(cfg.prior.ln_rmssd_spread));
        let p = estimate(&v, BaselineSource::Personal, &cfg).unwrap();
        assert!(p.hr_spread_bpm < cfg.prior.hr_spread_bpm);
    }

    #[test]
    fn hr_only_samples_give_no_ln_rmssd_baseline() {
        let cfg = BaselineConfig::default();
        let v: Vec<_> = (0..5).map(|i| s(i, 70.0, None)).collect();
        let b = estimate(&v, BaselineSource::CalmestStretch, &cfg).unwrap();
        assert_eq!(b.ln_rmssd, None);
        assert!(b.learning);
    }

    #[test]
    fn calmest_stretch_picks_lowest_contiguous_run() {
        let cfg = BaselineConfig::default();
        let mut v = vec![s(0, 80.0, None), s(1, 80.0, None), s(2, 80.0, None)];
        // a calmer run, but broken by a gap: not contiguous
        v.extend([s(10, 55.0, None), s(11, 55.0, None), s(20, 55.0, None)]);
        v.extend([s(30, 65.0, None), s(31, 66.0, None), s(32, 64.0, None)]);
        let b = calmest_stretch(&v, &cfg).unwrap();
        assert_eq!(b.hr_bpm, 65.0);
        assert_eq!(b.source, BaselineSource::CalmestStretch);
        assert!(calmest_stretch(&v[..2], &cfg).is_none());
    }

    /// The calmest stretch by brute force: every run rescanned, the
    /// earliest of the lowest medians.
    fn calmest_by_rescan(v: &[BaselineSample], cfg: &BaselineConfig) -> Option<Baseline> {
        let k = cfg.calm_stretch_minutes as usize;
        let mut best: Option<(f64, &[BaselineSample])> = None;
        for win in v.windows(k) {
            if win.windows(2).any(|p| p[1].t_ms - p[0].t_ms > 90_000) {
                continue;
            }
            let m = crate::robust::median(&win.iter().map(|s| s.hr_bpm).collect::<Vec<_>>());
            if let Some(m) = m
                && best.is_none_or(|(b, _)| m < b)
            {
                best = Some((m, win));
            }
        }
        best.and_then(|(_, w)| estimate(w, BaselineSource::CalmestStretch, cfg))
    }

    /// The within-shift baseline by brute force: the gate rescanned, every
    /// sample classified from scratch, the lower quartile taken afresh.
    fn calm_by_rescan(v: &[BaselineSample], cfg: &BaselineConfig) -> Option<Baseline> {
        calmest_by_rescan(v, cfg)?;
        let mut awake_hr: Vec<f64> = Vec::new();
        let mut calm_pool = Vec::new();
        for x in v {
            let sleep_like = awake_hr.len() >= SLEEP_REFERENCE_MINUTES
                && x.hr_bpm < SLEEP_HR_FRACTION * crate::robust::median(&awake_hr).unwrap();
            if !sleep_like {
                awake_hr.push(x.hr_bpm);
                calm_pool.push(*x);
            }
        }
        let mut sorted = awake_hr.clone();
        sorted.sort_by(f64::total_cmp);
        let q = sorted[((sorted.len() - 1) as f64 * CALM_QUANTILE) as usize];
        let calm: Vec<_> = calm_pool.into_iter().filter(|x| x.hr_bpm <= q).collect();
        estimate(&calm, BaselineSource::CalmestStretch, cfg)
    }

    proptest::proptest! {
        /// Kept current minute by minute, the within-shift baseline is the
        /// one a full rescan of the same minutes finds (gaps, ties and
        /// sleep-like minutes included).
        #[test]
        fn calm_baseline_kept_current_equals_a_rescan(
            steps in proptest::collection::vec((1i64..4, 40u8..90), 0..80),
        ) {
            let cfg = BaselineConfig::default();
            let mut minute = 0;
            let mut v = Vec::new();
            let mut kept = CalmestStretch::default();
            for (gap, hr) in steps {
                minute += gap;
                v.push(s(minute, f64::from(hr), Some(3.5)));
                proptest::prop_assert_eq!(kept.update(&v, &cfg), calm_by_rescan(&v, &cfg));
            }
            // a shorter slice (not an extension) starts afresh
            let half = &v[..v.len() / 2];
            proptest::prop_assert_eq!(kept.update(half, &cfg), calm_by_rescan(half, &cfg));
        }
    }

    proptest::proptest! {
        /// The same with lnRMSSD varying, missing or tied, and HR with
        /// fractions: the kept prefix's lnRMSSD set follows the trim limit
        /// up and down exactly.
        #[test]
        fn calm_baseline_with_varied_ln_rmssd_equals_a_rescan(
            steps in proptest::collection::vec(
                (1i64..3, 40u8..110, 0u8..4, proptest::option::of(20u8..60)),
                0..120,
            ),
        ) {
            let cfg = BaselineConfig::default();
            let mut minute = 0;
            let mut v = Vec::new();
            let mut kept = CalmestStretch::default();
            for (gap, hr, frac, ln) in steps {
                minute += gap;
                let hr = f64::from(hr) + f64::from(frac) / 4.0;
                v.push(s(minute, hr, ln.map(|l| f64::from(l) / 10.0)));
                proptest::prop_assert_eq!(kept.update(&v, &cfg), calm_by_rescan(&v, &cfg));
            }
        }
    }

    /// The regression that made a 45-day recording take hours: the calm
    /// baseline sorted every still minute of the shift once a minute. Kept
    /// current, its work per still minute stays a few hundred reads over
    /// three weeks of minutes (a rescan reads every minute so far: 15,000 a
    /// minute on average here; equality with a rescan is the proptests').
    #[test]
    fn calm_baseline_work_per_minute_stays_bounded_over_weeks() {
        let cfg = BaselineConfig::default();
        let n = 30_000;
        // a slow daily cycle with noise, lnRMSSD moving against HR
        let v: Vec<_> = (0..n)
            .map(|i| {
                let day = (i as f64 / 1440.0 * std::f64::consts::TAU).sin();
                let hr = 72.0 + 8.0 * day + f64::from((i * 7919 % 13) as u8) - 6.0;
                s(i, hr, (i % 5 != 0).then(|| 3.8 - hr / 100.0))
            })
            .collect();
        let mut kept = CalmestStretch::default();
        let mut per_minute = Vec::new();
        for k in 1..=v.len() {
            let before = kept.work();
            kept.update(&v[..k], &cfg);
            per_minute.push(kept.work() - before);
        }
        let late = per_minute[n as usize - 1000..].iter().max().copied();
        assert!(late.is_some_and(|w| w < 400), "late minutes: {late:?}");
        assert!(kept.work() < 300 * n as u64, "total {}", kept.work());
    }

    #[test]
    fn calm_baseline_is_the_lower_quartile_and_does_not_drift_to_one_low_stretch() {
        let cfg = BaselineConfig::default();
        // 40 still minutes at 70-79 bpm, then one calmer 3-minute stretch at 64
        let mut v: Vec<_> = (0..40)
            .map(|i| s(i, 70.0 + (i % 10) as f64, None))
            .collect();
        v.extend((40..43).map(|i| s(i, 64.0, None)));
        let b = CalmestStretch::default().update(&v, &cfg).unwrap();
        // the lowest quarter (43 minutes -> HR <= the 11th lowest = 71):
        // 3 x 64, 4 x 70, 4 x 71 -> median 70; the single stretch would say 64
        assert_eq!(b.hr_bpm, 70.0);
        assert_eq!(calmest_stretch(&v, &cfg).unwrap().hr_bpm, 64.0);
    }

    #[test]
    fn sleep_like_minutes_stay_out_of_the_baseline() {
        let cfg = BaselineConfig::default();
        // 4 h awake and still at 78-85 bpm, then 6 h asleep at 55-62
        let mut v: Vec<_> = (0..240)
            .map(|i| s(i, 78.0 + (i % 8) as f64, None))
            .collect();
        v.extend((240..600).map(|i| s(i, 55.0 + (i % 8) as f64, None)));
        let b = CalmestStretch::default().update(&v, &cfg).unwrap();
        assert!((78.0..=80.0).contains(&b.hr_bpm), "{b:?}");
        // without the awake half hour first, sleep is all there is
        let asleep = &v[240..];
        let b = CalmestStretch::default().update(asleep, &cfg).unwrap();
        assert!(b.hr_bpm < 60.0, "{b:?}");
    }

    #[test]
    fn history_rolls_and_becomes_personal() {
        let cfg = BaselineConfig::default();
        let mut h = BaselineHistory::default();
        let old: Vec<_> = (0..40).map(|i| s(i, 90.0, Some(3.0))).collect();
        h.add(&old, &cfg);
        assert!(h.personal(60 * 60_000, &cfg).is_some());
        // 40 days later: the old samples fall out of the window
        let later = 40 * DAY_MS;
        let new: Vec<_> = (0..10)
            .map(|i| BaselineSample {
                t_ms: later + i * 60_000,
                hr_bpm: 60.0,
                ln_rmssd: None,
            })
            .collect();
        h.add(&new, &cfg);
        assert_eq!(h.samples.len(), 10);
        assert!(
            h.personal(later + 600_000, &cfg).is_none(),
            "10 < 30 minutes"
        );
        // resolve falls back to the calmest stretch, then the prior
        let b = resolve(
            &h,
            None,
            calmest_stretch(&new, &cfg),
            later + 600_000,
            &cfg,
            &mut StatsScratch::default(),
        );
        assert_eq!(b.source, BaselineSource::CalmestStretch);
        let p = resolve(
            &h,
            None,
            None,
            later + 600_000,
            &cfg,
            &mut StatsScratch::default(),
        );
        assert_eq!(p.source, BaselineSource::Population);
        assert!(p.learning);
    }

    #[test]
    fn history_cap_and_serde_round_trip() {
        let cfg = BaselineConfig {
            max_history_samples: 5,
            ..BaselineConfig::default()
        };
        let mut h = BaselineHistory::default();
        let v: Vec<_> = (0..8).map(|i| s(i, 60.0 + i as f64, None)).collect();
        h.add(&v, &cfg);
        assert_eq!(h.samples.len(), 5);
        assert_eq!(h.samples.first().unwrap().hr_bpm, 63.0);
        let json = serde_json::to_string(&h).unwrap();
        let back: BaselineHistory = serde_json::from_str(&json).unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn a_shift_hands_on_only_what_the_history_keeps_of_it() {
        let cfg = BaselineConfig {
            max_history_samples: 5,
            ..BaselineConfig::default()
        };
        let earlier: Vec<_> = (0..3).map(|i| s(i, 55.0, None)).collect();
        let shift: Vec<_> = (10..18).map(|i| s(i, 60.0 + i as f64, None)).collect();
        let handed = handed_on(&shift, &cfg);
        assert_eq!(handed, shift[3..].to_vec());
        let (mut all, mut capped) = (BaselineHistory::default(), BaselineHistory::default());
        all.add(&earlier, &cfg);
        capped.add(&earlier, &cfg);
        all.add(&shift, &cfg);
        capped.add(&handed, &cfg);
        assert_eq!(capped, all);
    }

    #[test]
    fn seated_check_preferred_over_calmest_stretch() {
        let cfg = BaselineConfig::default();
        let seated = seated_check(&[s(0, 62.0, Some(3.5)), s(1, 63.0, Some(3.6))], &cfg).unwrap();
        let shift = [s(5, 58.0, None), s(6, 58.0, None), s(7, 58.0, None)];
        let b = resolve(
            &BaselineHistory::default(),
            Some(&seated),
            calmest_stretch(&shift, &cfg),
            10 * 60_000,
            &cfg,
            &mut StatsScratch::default(),
        );
        assert_eq!(b.source, BaselineSource::SeatedCheck);
    }
}
