//! `steady evaluate DIR...`: the model against labelled sessions, stage by
//! stage, next to a naive raw-HR detector on the same data.
//!
//! A session is a folder with a `labels.csv` and either an Empatica E4
//! export (`HR.csv`, `IBI.csv`, `ACC.csv`) or exactly one RR file in any
//! format `steady analyze` reads; or a recording and a labels file given
//! apart (`--labelled RECORDING LABELS`, for labels kept in this repository
//! beside read-only shared recordings). `labels.csv` is either
//! `start_unix,end_unix,label` (unix seconds, the E4 folders) or
//! `start_s,end_s,label` (seconds from the recording's first beat); labels
//! `rest` and `stress` are scored, any other (`exercise`, ...) is kept out
//! of the scores; `#` lines are comments.
//!
//! Per session the model runs as a fresh person (no history: cold start,
//! population priors until the calmest stretch exists), exactly as a live
//! shift: the same [`steady_core::feed`] inputs, the same defaults. At each
//! gauge refresh (every 5 s) that falls inside a labelled span, the score
//! of each stage of the model is kept, so that the stage where information
//! is lost shows:
//! - **window HR**: the 60 s window's mean HR (before any baseline);
//! - **HR vs baseline**: `z_HR`, the window HR in own spreads above the
//!   baseline in force at that moment;
//! - **lnRMSSD vs baseline**: `z_ln` (refreshes that have one);
//! - **combined**: the signed distance `d` (before the 0-100 map);
//! - **gauge**: the 0-100 number the wearer sees;
//! - **activation score**: the continuous score of the JSON timeline, the
//!   same distance against the shift's reference baseline (the one the
//!   shift started with; it does not move during the shift, see
//!   [`steady_core::activation::score`]).
//!
//! **AUC** (Mann-Whitney, ties count half) of each for stress vs rest; the
//! naive detector's score is the device's raw HR (the latest HR.csv sample,
//! or without one the latest beat's `60000 / RR`). **Prompts per hour** of
//! rest and of stress, and the share of prompts (in labelled spans) that
//! fall in stress: the model's prompts; the naive detector "prompts" at
//! every upward crossing of its threshold, `median + max(1.5 x 1.4826 MAD,
//! 2 bpm)` of the first 5 minutes of raw HR (a bare threshold crossing, as
//! the peer apps that fired 8.4 times a day).
//!
//! The overall line gives the mean of the within-person AUCs and the prompts
//! per hour pooled over all sessions.
//!
//! `--leave-one-out` keeps the tuning honest: for each session, one of a
//! few named candidate settings ([`CANDIDATES`]) is chosen on the *other*
//! sessions (highest mean AUC among those with at most
//! [`MAX_REST_PROMPTS_PER_HOUR`] prompts per hour of rest; else the fewest
//! rest prompts), and the held-out session is scored with it.
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use steady_core::Millis;
use steady_core::beats::HrSample;
use steady_core::feed::{self, FeedOptions};
use steady_core::formats::Recording;
use steady_core::robust::robust_stats;
use steady_core::shift::{Shift, ShiftConfig, ShiftEvent, ShiftSetup};

use super::common::{FormatArg, Out, load};

/// Length of the naive detector's calibration at the start (ms).
const NAIVE_CALIBRATION_MS: Millis = 5 * 60_000;

/// The target rate of prompts during rest (issue 3).
pub const MAX_REST_PROMPTS_PER_HOUR: f64 = 1.0;

/// A named setting the leave-one-out may choose.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub name: &'static str,
    /// Feed the optical IBI as RR.
    pub with_ibi: bool,
    pub calm_stretch_minutes: u32,
}

/// The candidates: the defaults (the E4's optical IBI fed as RR: it gives
/// the window HR; its lnRMSSD is refused for its 1/64 s grid), longer
/// cold-start stretches, and the device's 1 Hz HR alone.
pub const CANDIDATES: [Candidate; 6] = [
    Candidate {
        name: "default",
        with_ibi: true,
        calm_stretch_minutes: 3,
    },
    Candidate {
        name: "calm5",
        with_ibi: true,
        calm_stretch_minutes: 5,
    },
    Candidate {
        name: "calm10",
        with_ibi: true,
        calm_stretch_minutes: 10,
    },
    Candidate {
        name: "hr_only",
        with_ibi: false,
        calm_stretch_minutes: 3,
    },
    Candidate {
        name: "hr_only_calm5",
        with_ibi: false,
        calm_stretch_minutes: 5,
    },
    Candidate {
        name: "hr_only_calm10",
        with_ibi: false,
        calm_stretch_minutes: 10,
    },
];

impl Candidate {
    fn config(&self) -> ShiftConfig {
        let mut c = ShiftConfig::default();
        c.baseline.calm_stretch_minutes = self.calm_stretch_minutes;
        c
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Session folders: `labels.csv` + an E4 export (HR.csv, IBI.csv,
    /// ACC.csv) or exactly one RR file.
    pub dirs: Vec<PathBuf>,
    /// A recording and its labels file, given apart (repeatable).
    #[arg(long, num_args = 2, value_names = ["RECORDING", "LABELS"], action = clap::ArgAction::Append)]
    pub labelled: Vec<PathBuf>,
    /// Do not feed the E4's optical inter-beat intervals (IBI.csv) as RR:
    /// the device's 1 Hz HR only.
    #[arg(long)]
    pub hr_only: bool,
    /// Do not feed the accelerometer.
    #[arg(long)]
    pub no_motion: bool,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Choose among the candidate settings on the other sessions and score
    /// each session held out (see the module doc).
    #[arg(long)]
    pub leave_one_out: bool,
}

/// One labelled span, on the recording's clock. `stress` is `None` for a
/// label that is neither `rest` nor `stress` (kept out of the scores).
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    start_ms: Millis,
    end_ms: Millis,
    stress: Option<bool>,
}

/// Scores of one detector on one session.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct DetectorScore {
    /// AUC for stress vs rest (`None` without both classes).
    pub auc: Option<f64>,
    pub prompts_rest: u32,
    pub prompts_stress: u32,
    pub prompts_per_hour_rest: Option<f64>,
    pub prompts_per_hour_stress: Option<f64>,
    /// Share of the prompts in labelled spans that fall in stress.
    pub prompt_share_stress: Option<f64>,
}

/// AUC of each stage of the model on one session (see the module doc).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct StageAuc {
    pub window_hr: Option<f64>,
    pub hr_vs_baseline: Option<f64>,
    pub ln_rmssd_vs_baseline: Option<f64>,
    pub combined: Option<f64>,
    pub gauge: Option<f64>,
    pub activation: Option<f64>,
}

/// One session's result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionResult {
    pub session: String,
    /// The candidate setting used.
    pub setting: String,
    pub rest_h: f64,
    pub stress_h: f64,
    /// Refreshes scored (inside a rest or stress span, with a gauge).
    pub points: usize,
    /// Lowest and highest HR centre (bpm) of the baseline in force at the
    /// scored refreshes: how far it moved within the session.
    pub baseline_hr_range: Option<(f64, f64)>,
    pub stages: StageAuc,
    /// Share of the scored refreshes that have an lnRMSSD.
    pub ln_rmssd_share: f64,
    pub model: DetectorScore,
    pub naive: DetectorScore,
}

/// Everything the command prints.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evaluation {
    pub sessions: Vec<SessionResult>,
    /// Mean over sessions of each stage's within-person AUC.
    pub mean_stages: StageAuc,
    pub mean_auc_naive: Option<f64>,
    pub prompts_per_hour_rest_model: Option<f64>,
    pub prompts_per_hour_stress_model: Option<f64>,
    pub prompt_share_stress_model: Option<f64>,
    pub prompts_per_hour_rest_naive: Option<f64>,
    pub prompts_per_hour_stress_naive: Option<f64>,
}
/// Area under the ROC curve: P(score of a positive > score of a negative),
/// ties counting half (Mann-Whitney U / (n_pos n_neg)). `None` when a class
/// is empty.
pub fn auc(pos: &[f64], neg: &[f64]) -> Option<f64> {
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let mut all: Vec<(f64, bool)> = pos
        .iter()
        .map(|&v| (v, true))
        .chain(neg.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all.get(j).map(|x| x.0) == all.get(i).map(|x| x.0) {
            j += 1;
        }
        // ranks i+1 ..= j share the mid-rank
        let mid = (i + 1 + j) as f64 / 2.0;
        rank_sum_pos += mid
            * all
                .get(i..j)
                .map_or(0, |s| s.iter().filter(|x| x.1).count()) as f64;
        i = j;
    }
    let (p, n) = (pos.len() as f64, neg.len() as f64);
    Some((rank_sum_pos - p * (p + 1.0) / 2.0) / (p * n))
}

/// Read a labels file. The header says the clock: `start_unix,end_unix,...`
/// (unix seconds) or `start_s,end_s,...` (seconds from `origin_ms`, the
/// recording's first beat). Blank and `#` lines are skipped.
pub fn read_labels(path: &Path, origin_ms: Millis) -> Result<Vec<Label>> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_labels(&text, origin_ms).with_context(|| format!("{}", path.display()))
}

fn parse_labels(text: &str, origin_ms: Millis) -> Result<Vec<Label>> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let Some((_, header)) = lines.next() else {
        bail!("empty labels file");
    };
    let offset = match header.split(',').next().map(str::trim) {
        Some("start_unix") => 0,
        Some("start_s") => origin_ms,
        _ => bail!("header must be start_unix,end_unix,label or start_s,end_s,label"),
    };
    let mut out = Vec::new();
    for (n, line) in lines {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let [a, b, l] = f.as_slice() else {
            bail!("line {n}: expected start,end,label");
        };
        let ms = |s: &str| -> Result<Millis> {
            let v: f64 = s
                .parse()
                .with_context(|| format!("line {n}: not a number: {s}"))?;
            if !v.is_finite() {
                bail!("line {n}: not a finite number: {s}");
            }
            Ok(offset + (v * 1000.0).round() as Millis)
        };
        let (start_ms, end_ms) = (ms(a)?, ms(b)?);
        if end_ms < start_ms {
            bail!("line {n}: end before start");
        }
        let stress = match *l {
            "stress" => Some(true),
            "rest" => Some(false),
            _ => None,
        };
        out.push(Label {
            start_ms,
            end_ms,
            stress,
        });
    }
    if !out.iter().any(|l| l.stress.is_some()) {
        bail!("no rest or stress label");
    }
    Ok(out)
}

/// `Some(true)` in stress, `Some(false)` in rest, `None` elsewhere.
fn label_at(labels: &[Label], t: Millis) -> Option<bool> {
    labels
        .iter()
        .find(|l| t >= l.start_ms && t <= l.end_ms)
        .and_then(|l| l.stress)
}

/// Hours of rest and of stress.
fn label_hours(labels: &[Label]) -> (f64, f64) {
    let h = |stress: bool| {
        labels
            .iter()
            .filter(|l| l.stress == Some(stress))
            .map(|l| (l.end_ms - l.start_ms).max(0) as f64 / 3_600_000.0)
            // (an empty f64 sum is -0.0)
            .fold(0.0, |a, b| a + b)
    };
    (h(false), h(true))
}

fn per_hour(n: u32, hours: f64) -> Option<f64> {
    (hours > 0.0).then(|| f64::from(n) / hours)
}

fn share(stress: u32, rest: u32) -> Option<f64> {
    (stress + rest > 0).then(|| f64::from(stress) / f64::from(stress + rest))
}

fn count_prompts(
    times: &[Millis],
    labels: &[Label],
    rest_h: f64,
    stress_h: f64,
    auc: Option<f64>,
) -> DetectorScore {
    let in_class = |stress: bool| {
        u32::try_from(
            times
                .iter()
                .filter(|t| label_at(labels, **t) == Some(stress))
                .count(),
        )
        .unwrap_or(u32::MAX)
    };
    let (r, s) = (in_class(false), in_class(true));
    DetectorScore {
        auc,
        prompts_rest: r,
        prompts_stress: s,
        prompts_per_hour_rest: per_hour(r, rest_h),
        prompts_per_hour_stress: per_hour(s, stress_h),
        prompt_share_stress: share(s, r),
    }
}

/// The device's raw HR: its own HR samples, or without them each beat's
/// `60000 / RR`.
fn raw_hr(rec: &Recording) -> Vec<HrSample> {
    if rec.hr.is_empty() {
        rec.rr
            .iter()
            .filter(|r| r.rr_ms > 0.0)
            .map(|r| HrSample {
                t_ms: r.t_ms,
                bpm: 60_000.0 / r.rr_ms,
            })
            .collect()
    } else {
        rec.hr.clone()
    }
}

/// Naive detector: upward crossings of the threshold by the raw HR.
fn naive_prompts(raw: &[HrSample]) -> Vec<Millis> {
    let Some(t0) = raw.first().map(|h| h.t_ms) else {
        return Vec::new();
    };
    let calib: Vec<f64> = raw
        .iter()
        .filter(|h| h.t_ms < t0 + NAIVE_CALIBRATION_MS)
        .map(|h| h.bpm)
        .collect();
    let Some(s) = robust_stats(&calib) else {
        return Vec::new();
    };
    let threshold = s.centre + (1.5 * s.spread).max(2.0);
    raw.windows(2)
        .filter_map(|w| match w {
            [a, b] if a.bpm <= threshold && b.bpm > threshold => Some(b.t_ms),
            _ => None,
        })
        .collect()
}

/// The latest raw HR at or before `t` (samples are in time order).
fn raw_hr_at(raw: &[HrSample], t: Millis) -> Option<f64> {
    let i = raw.partition_point(|h| h.t_ms <= t);
    i.checked_sub(1).and_then(|j| raw.get(j)).map(|h| h.bpm)
}

/// One scored refresh: its class and each stage's score.
#[derive(Debug, Clone, Copy)]
struct Point {
    stress: bool,
    window_hr: f64,
    z_hr: f64,
    z_ln: Option<f64>,
    d: f64,
    gauge: f64,
    score: f64,
    baseline_hr: f64,
    raw_hr: Option<f64>,
}

/// AUC of one score over the points that have it.
fn stage_auc(points: &[Point], score: impl Fn(&Point) -> Option<f64>) -> Option<f64> {
    let (mut p, mut n) = (Vec::new(), Vec::new());
    for pt in points {
        if let Some(x) = score(pt) {
            if pt.stress { p.push(x) } else { n.push(x) }
        }
    }
    auc(&p, &n)
}

/// Evaluate one session.
pub fn evaluate_session(
    name: &str,
    rec: &Recording,
    labels: &[Label],
    opts: &FeedOptions,
    setting: &str,
    config: ShiftConfig,
) -> SessionResult {
    let (rest_h, stress_h) = label_hours(labels);
    let raw = raw_hr(rec);
    let mut shift = Shift::new(ShiftSetup {
        config,
        ..ShiftSetup::default()
    });
    let mut points: Vec<Point> = Vec::new();
    let mut prompts: Vec<Millis> = Vec::new();
    for input in feed::inputs(rec, opts) {
        let events = shift.handle(&input).events.clone();
        for e in events {
            match e {
                ShiftEvent::Gauge { update } => {
                    let Some(stress) = label_at(labels, update.t_ms) else {
                        continue;
                    };
                    let Some(a) = shift.last_activation().filter(|a| a.t_ms == update.t_ms) else {
                        continue;
                    };
                    if let (Some(window_hr), Some(z_hr), Some(d), Some(gauge), Some(score)) =
                        (a.hr_bpm, a.z_hr, a.distance, a.gauge, update.score)
                    {
                        points.push(Point {
                            stress,
                            window_hr,
                            z_hr,
                            z_ln: a.z_ln_rmssd,
                            d,
                            gauge,
                            score,
                            baseline_hr: shift.baseline().hr_bpm,
                            raw_hr: raw_hr_at(&raw, update.t_ms),
                        });
                    }
                }
                ShiftEvent::PromptOffered { prompt } => prompts.push(prompt.t_ms),
                _ => {}
            }
        }
    }
    let stages = StageAuc {
        window_hr: stage_auc(&points, |p| Some(p.window_hr)),
        hr_vs_baseline: stage_auc(&points, |p| Some(p.z_hr)),
        ln_rmssd_vs_baseline: stage_auc(&points, |p| p.z_ln),
        combined: stage_auc(&points, |p| Some(p.d)),
        gauge: stage_auc(&points, |p| Some(p.gauge)),
        activation: stage_auc(&points, |p| Some(p.score)),
    };
    let with_ln = points.iter().filter(|p| p.z_ln.is_some()).count();
    let baseline_hr_range = points.iter().map(|p| p.baseline_hr).fold(None, |r, b| {
        Some(r.map_or((b, b), |(lo, hi): (f64, f64)| (lo.min(b), hi.max(b))))
    });
    SessionResult {
        session: name.to_owned(),
        setting: setting.to_owned(),
        rest_h,
        stress_h,
        points: points.len(),
        baseline_hr_range,
        stages,
        ln_rmssd_share: with_ln as f64 / points.len().max(1) as f64,
        model: count_prompts(&prompts, labels, rest_h, stress_h, stages.gauge),
        naive: count_prompts(
            &naive_prompts(&raw),
            labels,
            rest_h,
            stress_h,
            stage_auc(&points, |p| p.raw_hr),
        ),
    }
}

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let v: Vec<f64> = v.collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Combine sessions into the overall figures.
pub fn combine(sessions: Vec<SessionResult>) -> Evaluation {
    let rest_h: f64 = sessions.iter().map(|s| s.rest_h).sum();
    let stress_h: f64 = sessions.iter().map(|s| s.stress_h).sum();
    let total = |f: fn(&SessionResult) -> u32| sessions.iter().map(f).sum::<u32>();
    let m = |f: fn(&StageAuc) -> Option<f64>| mean(sessions.iter().filter_map(|s| f(&s.stages)));
    Evaluation {
        mean_stages: StageAuc {
            window_hr: m(|s| s.window_hr),
            hr_vs_baseline: m(|s| s.hr_vs_baseline),
            ln_rmssd_vs_baseline: m(|s| s.ln_rmssd_vs_baseline),
            combined: m(|s| s.combined),
            gauge: m(|s| s.gauge),
            activation: m(|s| s.activation),
        },
        mean_auc_naive: mean(sessions.iter().filter_map(|s| s.naive.auc)),
        prompts_per_hour_rest_model: per_hour(total(|s| s.model.prompts_rest), rest_h),
        prompts_per_hour_stress_model: per_hour(total(|s| s.model.prompts_stress), stress_h),
        prompt_share_stress_model: share(
            total(|s| s.model.prompts_stress),
            total(|s| s.model.prompts_rest),
        ),
        prompts_per_hour_rest_naive: per_hour(total(|s| s.naive.prompts_rest), rest_h),
        prompts_per_hour_stress_naive: per_hour(total(|s| s.naive.prompts_stress), stress_h),
        sessions,
    }
}

fn f(x: Option<f64>, d: usize) -> String {
    x.map_or("-".into(), |v| format!("{v:.d$}"))
}

/// The stage table as printed (Markdown, so it pastes into docs/model.md).
pub fn table(e: &Evaluation) -> String {
    let mut s = String::new();
    s.push_str("| session | setting | rest min | stress min | baseline bpm (range) | AUC window HR | AUC HR vs baseline | AUC lnRMSSD vs baseline (share) | AUC combined | AUC gauge | AUC activation score | AUC raw HR | prompts/h rest | prompts/h stress | prompts in stress | raw HR prompts/h rest | raw HR prompts/h stress |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for r in &e.sessions {
        s.push_str(&format!(
            "| {} | {} | {:.0} | {:.0} | {} | {} | {} | {} ({:.0} %) | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.session,
            r.setting,
            r.rest_h * 60.0,
            r.stress_h * 60.0,
            r.baseline_hr_range
                .map_or("-".into(), |(lo, hi)| format!("{lo:.1}-{hi:.1}")),
            f(r.stages.window_hr, 3),
            f(r.stages.hr_vs_baseline, 3),
            f(r.stages.ln_rmssd_vs_baseline, 3),
            100.0 * r.ln_rmssd_share,
            f(r.stages.combined, 3),
            f(r.stages.gauge, 3),
            f(r.stages.activation, 3),
            f(r.naive.auc, 3),
            f(r.model.prompts_per_hour_rest, 2),
            f(r.model.prompts_per_hour_stress, 2),
            f(r.model.prompt_share_stress.map(|x| 100.0 * x), 0),
            f(r.naive.prompts_per_hour_rest, 2),
            f(r.naive.prompts_per_hour_stress, 2),
        ));
    }
    let rest_min: f64 = e.sessions.iter().map(|r| r.rest_h * 60.0).sum();
    let stress_min: f64 = e.sessions.iter().map(|r| r.stress_h * 60.0).sum();
    let ms = &e.mean_stages;
    s.push_str(&format!(
        "| **all ({} sessions, mean AUC)** | | {:.0} | {:.0} | | {} | {} | {} | {} | **{}** | **{}** | {} | {} | {} | {} | {} | {} |\n",
        e.sessions.len(),
        rest_min,
        stress_min,
        f(ms.window_hr, 3),
        f(ms.hr_vs_baseline, 3),
        f(ms.ln_rmssd_vs_baseline, 3),
        f(ms.combined, 3),
        f(ms.gauge, 3),
        f(ms.activation, 3),
        f(e.mean_auc_naive, 3),
        f(e.prompts_per_hour_rest_model, 2),
        f(e.prompts_per_hour_stress_model, 2),
        f(e.prompt_share_stress_model.map(|x| 100.0 * x), 0),
        f(e.prompts_per_hour_rest_naive, 2),
        f(e.prompts_per_hour_stress_naive, 2),
    ));
    s
}

/// A loaded session.
struct Session {
    name: String,
    rec: Recording,
    labels: Vec<Label>,
}

fn name_of(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A session folder: `labels.csv` with an E4 export or one RR file.
fn load_folder(dir: &Path) -> Result<Option<Session>> {
    let labels = dir.join("labels.csv");
    if !labels.exists() {
        eprintln!("steady: {}: no labels.csv, skipped", dir.display());
        return Ok(None);
    }
    let rec = if dir.join("HR.csv").exists() || dir.join("IBI.csv").exists() {
        load(dir, FormatArg::E4)?
    } else {
        let mut files: Vec<PathBuf> = fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && p.file_name().is_some_and(|n| {
                        let n = n.to_string_lossy();
                        n != "labels.csv" && !n.ends_with(".md") && !n.starts_with('.')
                    })
            })
            .collect();
        files.sort();
        match files.as_slice() {
            [one] => load(one, FormatArg::Auto)?,
            [] => bail!("{}: no recording beside labels.csv", dir.display()),
            _ => bail!(
                "{}: more than one file beside labels.csv; give --labelled RECORDING LABELS",
                dir.display()
            ),
        }
    };
    let labels = read_labels(&labels, rec.origin_ms)?;
    Ok(Some(Session {
        name: name_of(dir),
        rec,
        labels,
    }))
}

fn feed_options(with_ibi: bool, no_motion: bool) -> FeedOptions {
    FeedOptions {
        use_rr: with_ibi,
        use_motion: !no_motion,
        ..FeedOptions::default()
    }
}

/// Pick the candidate for a held-out session from the others' results
/// (`results[c][s]` = candidate c on session s).
fn choose(results: &[Vec<SessionResult>], held_out: usize) -> usize {
    let scored: Vec<(usize, Evaluation)> = results
        .iter()
        .enumerate()
        .map(|(c, rs)| {
            let train: Vec<SessionResult> = rs
                .iter()
                .enumerate()
                .filter(|(s, _)| *s != held_out)
                .map(|(_, r)| r.clone())
                .collect();
            (c, combine(train))
        })
        .collect();
    let ok = scored
        .iter()
        .filter(|(_, e)| {
            e.prompts_per_hour_rest_model
                .is_some_and(|p| p <= MAX_REST_PROMPTS_PER_HOUR)
        })
        .max_by(|a, b| {
            a.1.mean_stages
                .gauge
                .unwrap_or(0.0)
                .total_cmp(&b.1.mean_stages.gauge.unwrap_or(0.0))
                .then(b.0.cmp(&a.0))
        });
    match ok {
        Some((c, _)) => *c,
        None => scored
            .iter()
            .min_by(|a, b| {
                a.1.prompts_per_hour_rest_model
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.1.prompts_per_hour_rest_model.unwrap_or(f64::INFINITY))
                    .then(a.0.cmp(&b.0))
            })
            .map_or(0, |(c, _)| *c),
    }
}

pub fn run(args: Args) -> Result<()> {
    let mut loaded = Vec::new();
    for dir in &args.dirs {
        loaded.extend(load_folder(dir)?);
    }
    for pair in args.labelled.chunks(2) {
        let [rec_path, labels] = pair else {
            bail!("--labelled takes a recording and a labels file");
        };
        let rec = load(rec_path, FormatArg::Auto)?;
        let labels = read_labels(labels, rec.origin_ms)?;
        loaded.push(Session {
            name: name_of(rec_path),
            rec,
            labels,
        });
    }
    if loaded.is_empty() {
        bail!("no labelled session among the folders given");
    }
    let sessions: Vec<SessionResult> = if args.leave_one_out {
        let results: Vec<Vec<SessionResult>> = CANDIDATES
            .iter()
            .map(|c| {
                let opts = feed_options(c.with_ibi, args.no_motion);
                loaded
                    .iter()
                    .map(|s| {
                        evaluate_session(&s.name, &s.rec, &s.labels, &opts, c.name, c.config())
                    })
                    .collect()
            })
            .collect();
        (0..loaded.len())
            .filter_map(|s| {
                let c = choose(&results, s);
                results.get(c).and_then(|rs| rs.get(s)).cloned()
            })
            .collect()
    } else {
        let opts = feed_options(!args.hr_only, args.no_motion);
        let setting = if args.hr_only { "hr_only" } else { "default" };
        loaded
            .iter()
            .map(|s| {
                evaluate_session(
                    &s.name,
                    &s.rec,
                    &s.labels,
                    &opts,
                    setting,
                    ShiftConfig::default(),
                )
            })
            .collect()
    };
    let e = combine(sessions);
    let mut out = Out::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&e)?)?;
    } else {
        write!(out, "{}", table(&e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_matches_hand_counts() {
        assert_eq!(auc(&[3.0, 4.0], &[1.0, 2.0]), Some(1.0));
        assert_eq!(auc(&[1.0, 2.0], &[3.0, 4.0]), Some(0.0));
        assert_eq!(auc(&[1.0], &[1.0]), Some(0.5));
        // pos {2, 3}, neg {1, 2}: pairs (2>1)=1 (2=2)=.5 (3>1)=1 (3>2)=1 -> 3.5/4
        assert_eq!(auc(&[2.0, 3.0], &[1.0, 2.0]), Some(0.875));
        assert_eq!(auc(&[], &[1.0]), None);
    }

    #[test]
    fn unix_labels_parse_and_look_up() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("labels.csv");
        fs::write(
            &p,
            "start_unix,end_unix,label\n100,199,rest\n200,299,stress\n",
        )
        .unwrap();
        // the origin does not move unix labels
        let l = read_labels(&p, 5_000).unwrap();
        assert_eq!(label_at(&l, 150_000), Some(false));
        assert_eq!(label_at(&l, 250_000), Some(true));
        assert_eq!(label_at(&l, 350_000), None);
        assert_eq!(label_hours(&l), (99.0 / 3600.0, 99.0 / 3600.0));
    }

    #[test]
    fn relative_labels_start_at_the_first_beat_and_other_labels_are_not_scored() {
        let text = "# provenance line\nstart_s,end_s,label\n0,60,rest\n60.5,120,exercise\n120,180,stress\n";
        let l = parse_labels(text, 10_000).unwrap();
        assert_eq!(label_at(&l, 9_999), None);
        assert_eq!(label_at(&l, 10_000), Some(false));
        assert_eq!(label_at(&l, 70_000), Some(false));
        // inside `exercise`: neither class
        assert_eq!(label_at(&l, 71_000), None);
        assert_eq!(label_at(&l, 130_000), None);
        assert_eq!(label_at(&l, 131_000), Some(true));
        assert_eq!(label_hours(&l), (60.0 / 3600.0, 60.0 / 3600.0));
    }

    #[test]
    fn bad_labels_are_refused_with_the_line() {
        let e = |t: &str| parse_labels(t, 0).unwrap_err().to_string();
        assert!(e("").contains("empty"));
        assert!(e("a,b,c\n1,2,rest\n").contains("header"));
        assert!(e("start_s,end_s,label\n1,x,rest\n").contains("line 2"));
        assert!(e("start_s,end_s,label\n5,2,rest\n").contains("end before start"));
        assert!(e("start_s,end_s,label\n1,2\n").contains("line 2"));
        assert!(e("start_s,end_s,label\n1,2,exercise\n").contains("no rest or stress"));
        assert!(e("start_s,end_s,label\n1,inf,rest\n").contains("finite"));
    }
}
