//! `steady evaluate DIR...`: the model against labelled sessions (Empatica
//! E4 folders with a `labels.csv` of `start_unix,end_unix,label`, label
//! `rest` or `stress`), next to a naive raw-HR detector on the same data.
//!
//! Per session the model runs as a fresh person (no history: cold start,
//! population priors until the calmest stretch exists), exactly as a live
//! shift: the same [`steady_core::feed`] inputs, the same defaults. At each
//! gauge refresh (every 5 s) that falls inside a labelled span:
//! - **AUC** (Mann-Whitney, ties count half) of the gauge for stress vs rest;
//!   the naive detector's score is the device's raw HR (the latest HR.csv
//!   sample at that moment).
//! - **prompts per hour** of rest and of stress: the model's prompts; the
//!   naive detector "prompts" at every upward crossing of its threshold,
//!   `median + max(1.5 x 1.4826 MAD, 2 bpm)` of the first 5 minutes of raw
//!   HR (a bare threshold crossing, as the peer apps that fired 8.4 times a
//!   day).
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
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use steady_core::Millis;
use steady_core::feed::{self, FeedOptions};
use steady_core::formats::Recording;
use steady_core::robust::robust_stats;
use steady_core::shift::{Shift, ShiftConfig, ShiftEvent, ShiftSetup};

use super::common::{FormatArg, load};

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
    /// Session folders: E4 export (HR.csv, IBI.csv, ACC.csv) + labels.csv.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
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

/// One labelled span.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Label {
    start_ms: Millis,
    end_ms: Millis,
    stress: bool,
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
}

/// One session's result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SessionResult {
    pub session: String,
    /// The candidate setting used.
    pub setting: String,
    pub rest_h: f64,
    pub stress_h: f64,
    /// Refreshes scored (inside a label, with gauge and raw HR).
    pub points: usize,
    pub model: DetectorScore,
    pub naive: DetectorScore,
    /// Diagnostics: AUC of the model's own 60 s window HR (the gauge's HR
    /// input, before the baseline).
    pub auc_window_hr: Option<f64>,
    /// Diagnostics: AUC of minus lnRMSSD over the refreshes that have one
    /// (lower HRV = more stress), and the share of refreshes that have one.
    pub auc_neg_ln_rmssd: Option<f64>,
    pub ln_rmssd_share: f64,
}

/// Everything the command prints.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Evaluation {
    pub sessions: Vec<SessionResult>,
    pub mean_auc_model: Option<f64>,
    pub mean_auc_naive: Option<f64>,
    pub mean_auc_window_hr: Option<f64>,
    pub mean_auc_neg_ln_rmssd: Option<f64>,
    pub prompts_per_hour_rest_model: Option<f64>,
    pub prompts_per_hour_stress_model: Option<f64>,
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

fn read_labels(path: &Path) -> Result<Vec<Label>> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let [a, b, l] = f.as_slice() else {
            bail!(
                "{}:{}: expected start_unix,end_unix,label",
                path.display(),
                i + 1
            );
        };
        let secs = |s: &str| -> Result<Millis> {
            let v: f64 = s
                .parse()
                .with_context(|| format!("{}:{}: not a number: {s}", path.display(), i + 1))?;
            Ok((v * 1000.0).round() as Millis)
        };
        let stress = match *l {
            "stress" => true,
            "rest" => false,
            other => bail!("{}:{}: unknown label {other}", path.display(), i + 1),
        };
        out.push(Label {
            start_ms: secs(a)?,
            end_ms: secs(b)?,
            stress,
        });
    }
    if out.is_empty() {
        bail!("{}: no labels", path.display());
    }
    Ok(out)
}

fn label_at(labels: &[Label], t: Millis) -> Option<bool> {
    labels
        .iter()
        .find(|l| t >= l.start_ms && t <= l.end_ms)
        .map(|l| l.stress)
}

/// Hours of rest and of stress.
fn label_hours(labels: &[Label]) -> (f64, f64) {
    let h = |stress: bool| {
        labels
            .iter()
            .filter(|l| l.stress == stress)
            .map(|l| (l.end_ms - l.start_ms).max(0) as f64 / 3_600_000.0)
            .sum::<f64>()
    };
    (h(false), h(true))
}

fn per_hour(n: u32, hours: f64) -> Option<f64> {
    (hours > 0.0).then(|| f64::from(n) / hours)
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
    }
}

/// Naive detector: upward crossings of the threshold by the raw HR.
fn naive_prompts(rec: &Recording) -> Vec<Millis> {
    let Some(t0) = rec.hr.first().map(|h| h.t_ms) else {
        return Vec::new();
    };
    let calib: Vec<f64> = rec
        .hr
        .iter()
        .filter(|h| h.t_ms < t0 + NAIVE_CALIBRATION_MS)
        .map(|h| h.bpm)
        .collect();
    let Some(s) = robust_stats(&calib) else {
        return Vec::new();
    };
    let threshold = s.centre + (1.5 * s.spread).max(2.0);
    rec.hr
        .windows(2)
        .filter_map(|w| match w {
            [a, b] if a.bpm <= threshold && b.bpm > threshold => Some(b.t_ms),
            _ => None,
        })
        .collect()
}

/// The latest raw HR at or before `t` (HR samples are in time order).
fn raw_hr_at(rec: &Recording, t: Millis) -> Option<f64> {
    let i = rec.hr.partition_point(|h| h.t_ms <= t);
    i.checked_sub(1).and_then(|j| rec.hr.get(j)).map(|h| h.bpm)
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
    let labels = labels.to_vec();
    let (rest_h, stress_h) = label_hours(&labels);
    let mut shift = Shift::new(ShiftSetup {
        config,
        ..ShiftSetup::default()
    });
    let mut gauges: Vec<(Millis, f64)> = Vec::new();
    let mut window_hr: Vec<(Millis, f64)> = Vec::new();
    let mut lns: Vec<(Millis, f64)> = Vec::new();
    let mut prompts: Vec<Millis> = Vec::new();
    for input in feed::inputs(rec, opts) {
        for e in shift.handle(&input).events.iter().cloned() {
            match e {
                ShiftEvent::Gauge { update } => {
                    if let Some(g) = update.gauge {
                        gauges.push((update.t_ms, g));
                    }
                    if let Some(h) = update.hr_bpm {
                        window_hr.push((update.t_ms, h));
                    }
                    if let Some(l) = update.ln_rmssd {
                        lns.push((update.t_ms, -l));
                    }
                }
                ShiftEvent::PromptOffered { prompt } => prompts.push(prompt.t_ms),
                _ => {}
            }
        }
    }
    let (mut mp, mut mn, mut np, mut nn) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &(t, g) in &gauges {
        let (Some(stress), Some(hr)) = (label_at(&labels, t), raw_hr_at(rec, t)) else {
            continue;
        };
        if stress {
            mp.push(g);
            np.push(hr);
        } else {
            mn.push(g);
            nn.push(hr);
        }
    }
    let naive = naive_prompts(rec);
    let labelled_auc = |v: &[(Millis, f64)]| {
        let (mut p, mut n) = (Vec::new(), Vec::new());
        for &(t, x) in v {
            match label_at(&labels, t) {
                Some(true) => p.push(x),
                Some(false) => n.push(x),
                None => {}
            }
        }
        auc(&p, &n)
    };
    let labelled = |v: &[(Millis, f64)]| {
        v.iter()
            .filter(|(t, _)| label_at(&labels, *t).is_some())
            .count()
    };
    let ln_rmssd_share = labelled(&lns) as f64 / labelled(&window_hr).max(1) as f64;
    SessionResult {
        auc_window_hr: labelled_auc(&window_hr),
        auc_neg_ln_rmssd: labelled_auc(&lns),
        ln_rmssd_share,
        session: name.to_owned(),
        setting: setting.to_owned(),
        rest_h,
        stress_h,
        points: mp.len() + mn.len(),
        model: count_prompts(&prompts, &labels, rest_h, stress_h, auc(&mp, &mn)),
        naive: count_prompts(&naive, &labels, rest_h, stress_h, auc(&np, &nn)),
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
    Evaluation {
        mean_auc_model: mean(sessions.iter().filter_map(|s| s.model.auc)),
        mean_auc_naive: mean(sessions.iter().filter_map(|s| s.naive.auc)),
        mean_auc_window_hr: mean(sessions.iter().filter_map(|s| s.auc_window_hr)),
        mean_auc_neg_ln_rmssd: mean(sessions.iter().filter_map(|s| s.auc_neg_ln_rmssd)),
        prompts_per_hour_rest_model: per_hour(total(|s| s.model.prompts_rest), rest_h),
        prompts_per_hour_stress_model: per_hour(total(|s| s.model.prompts_stress), stress_h),
        prompts_per_hour_rest_naive: per_hour(total(|s| s.naive.prompts_rest), rest_h),
        prompts_per_hour_stress_naive: per_hour(total(|s| s.naive.prompts_stress), stress_h),
        sessions,
    }
}

fn f(x: Option<f64>, d: usize) -> String {
    x.map_or("-".into(), |v| format!("{v:.d$}"))
}

/// The table as printed (Markdown, so it pastes into docs/model.md).
pub fn table(e: &Evaluation) -> String {
    let mut s = String::new();
    s.push_str("| session | setting | rest min | stress min | AUC model | AUC raw HR | prompts/h rest (model) | prompts/h stress (model) | prompts/h rest (raw HR) | prompts/h stress (raw HR) |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    for r in &e.sessions {
        s.push_str(&format!(
            "| {} | {} | {:.0} | {:.0} | {} | {} | {} | {} | {} | {} |\n",
            r.session,
            r.setting,
            r.rest_h * 60.0,
            r.stress_h * 60.0,
            f(r.model.auc, 3),
            f(r.naive.auc, 3),
            f(r.model.prompts_per_hour_rest, 2),
            f(r.model.prompts_per_hour_stress, 2),
            f(r.naive.prompts_per_hour_rest, 2),
            f(r.naive.prompts_per_hour_stress, 2),
        ));
    }
    let rest_min: f64 = e.sessions.iter().map(|r| r.rest_h * 60.0).sum();
    let stress_min: f64 = e.sessions.iter().map(|r| r.stress_h * 60.0).sum();
    s.push_str(&format!(
        "| **all ({} sessions)** | | {:.0} | {:.0} | **{}** (mean) | **{}** (mean) | {} | {} | {} | {} |\n",
        e.sessions.len(),
        rest_min,
        stress_min,
        f(e.mean_auc_model, 3),
        f(e.mean_auc_naive, 3),
        f(e.prompts_per_hour_rest_model, 2),
        f(e.prompts_per_hour_stress_model, 2),
        f(e.prompts_per_hour_rest_naive, 2),
        f(e.prompts_per_hour_stress_naive, 2),
    ));
    s.push_str(&format!(
        "\nDiagnostics (mean within-person AUC): 60 s window HR {}; -lnRMSSD {} (refreshes with lnRMSSD: {}).\n",
        f(e.mean_auc_window_hr, 3),
        f(e.mean_auc_neg_ln_rmssd, 3),
        e.sessions
            .iter()
            .map(|r| format!("{} {:.0} %", r.session, 100.0 * r.ln_rmssd_share))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    s
}

/// A loaded session.
struct Session {
    name: String,
    rec: Recording,
    labels: Vec<Label>,
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
            a.1.mean_auc_model
                .unwrap_or(0.0)
                .total_cmp(&b.1.mean_auc_model.unwrap_or(0.0))
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
        let labels = dir.join("labels.csv");
        if !labels.exists() {
            eprintln!("steady: {}: no labels.csv, skipped", dir.display());
            continue;
        }
        let rec = load(dir, FormatArg::E4)?;
        let name = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        loaded.push(Session {
            name,
            rec,
            labels: read_labels(&labels)?,
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
    if args.json {
        println!("{}", serde_json::to_string_pretty(&e)?);
    } else {
        print!("{}", table(&e));
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
    fn labels_parse_and_look_up() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("labels.csv");
        fs::write(
            &p,
            "start_unix,end_unix,label\n100,199,rest\n200,299,stress\n",
        )
        .unwrap();
        let l = read_labels(&p).unwrap();
        assert_eq!(label_at(&l, 150_000), Some(false));
        assert_eq!(label_at(&l, 250_000), Some(true));
        assert_eq!(label_at(&l, 350_000), None);
        assert_eq!(label_hours(&l), (99.0 / 3600.0, 99.0 / 3600.0));
        fs::write(&p, "start_unix,end_unix,label\n100,199,bored\n").unwrap();
        assert!(
            read_labels(&p)
                .unwrap_err()
                .to_string()
                .contains("unknown label")
        );
    }
}
