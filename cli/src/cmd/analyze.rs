//! `steady analyze FILE`: clean a recording, print whole-file and per-window
//! HRV as text or as the stable JSON of docs/formats.md, then what the model
//! makes of it (gauge timeline, prompts, shift summary; docs/model.md).
use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use steady_core::analysis::{Analysis, AnalyzeOptions, Analyzer, Totals, WindowReport};
use steady_core::beats::{CleanerConfig, HrSample, TimedRr};
use steady_core::feed::Piece;
use steady_core::shift::{Shift, ShiftInput, ShiftSetup};

use super::common::{FormatArg, Out, clock, num, open, parse_window, window_ms};
use super::model::{Collector, ModelRun, RecordingTime, summary_text};

/// The JSON: the HRV analysis plus the model's `timeline`, `prompts` and
/// `summary`.
#[derive(serde::Serialize)]
struct AnalyzeJson<'a, A: serde::Serialize> {
    #[serde(flatten)]
    analysis: &'a A,
    #[serde(flatten)]
    model: &'a ModelRun,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recording: RR text, E4 folder, hrm-log, Polar .hrm.
    pub file: PathBuf,
    /// File format.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
    /// Window length in seconds.
    #[arg(long, default_value_t = 60.0, value_parser = parse_window)]
    pub window: f64,
    /// Use the intervals as given (no artifact correction).
    #[arg(long)]
    pub no_correction: bool,
    /// Print JSON (stable, snake_case) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What one pass over the recording gives besides the windows.
struct Pass {
    totals: Totals,
    /// Gaps the file declares (the cleaner counts its own).
    gaps: u64,
    hr_samples: u64,
    /// What the model made of it, when it ran.
    model: Option<Collector>,
}

/// Streams the recording once through the analysis (windows to `window`)
/// and, with `model` (keep the timeline or not), through the model.
fn pass(
    args: &Args,
    opts: &AnalyzeOptions,
    model: Option<bool>,
    window: &mut impl FnMut(WindowReport),
) -> Result<Pass> {
    let stream = open(&args.file, args.format)?;
    let mut a = Analyzer::time_ordered(stream.origin_ms, opts);
    let clock = RecordingTime {
        origin_ms: stream.origin_ms,
        absolute: stream.start_unix_ms.is_some(),
    };
    let mut model = model.map(|keep_timeline| {
        let mut c = Collector::new(clock);
        c.keep_timeline = keep_timeline;
        (Shift::new(ShiftSetup::default()), c)
    });
    let (mut gaps, mut hr_samples) = (0u64, 0u64);
    for piece in stream {
        let input = match piece? {
            Piece::Gap(_) => {
                gaps += 1;
                continue;
            }
            Piece::Input(i) => i,
        };
        match input {
            ShiftInput::Rr { t_ms, rr_ms } => a.push_rr(TimedRr { t_ms, rr_ms }, window),
            ShiftInput::HeartRate { t_ms, bpm } => {
                hr_samples += 1;
                a.push_hr(HrSample { t_ms, bpm }, window);
            }
            _ => {}
        }
        if let Some((shift, c)) = &mut model {
            for e in &shift.handle(&input).events {
                c.take(e);
            }
        }
    }
    Ok(Pass {
        totals: a.finish(window),
        gaps,
        hr_samples,
        model: model.map(|(_, c)| c),
    })
}

/// Reads the recording as it streams: text output keeps only the running
/// figures and prints each window as it is complete (a second pass, so that
/// the whole-file lines come first); JSON keeps the windows and the model's
/// timeline (one point per gauge refresh) because it prints them.
pub fn run(args: Args) -> Result<()> {
    let opts = AnalyzeOptions {
        window_ms: window_ms(args.window)?,
        cleaner: CleanerConfig {
            correct: !args.no_correction,
            ..CleanerConfig::default()
        },
    };
    let mut windows = Vec::new();
    let keep = args.json;
    let mut p = pass(&args, &opts, Some(args.json), &mut |w| {
        if keep {
            windows.push(w);
        }
    })?;
    tracing::debug!(stats = ?p.totals.stats, "cleaner");
    let model = p
        .model
        .take()
        .and_then(Collector::finish)
        .ok_or_else(|| anyhow::anyhow!("the model did not finish"))?;
    let t = &p.totals;
    let mut out = Out::stdout();
    if args.json {
        let analysis = Analysis {
            beats: t.beats,
            corrected_beats: t.corrected_beats,
            hrv: t.hrv,
            windows,
        };
        let j = AnalyzeJson {
            analysis: &analysis,
            model: &model,
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&j)?)?;
        return Ok(());
    }
    writeln!(out, "{}", args.file.display())?;
    writeln!(
        out,
        "  duration {}  beats {}  corrected {} ({:.1} %)  gaps {}",
        clock(t.duration_s),
        t.beats,
        t.corrected_beats,
        if t.beats > 0 {
            100.0 * t.corrected_beats as f64 / t.beats as f64
        } else {
            0.0
        },
        t.stats.gaps + p.gaps,
    )?;
    if t.beats == 0 && p.hr_samples > 0 {
        writeln!(
            out,
            "  no RR intervals: HR-only ({} HR samples)",
            p.hr_samples
        )?;
    }
    let h = &t.hrv;
    writeln!(
        out,
        "  mean HR {} bpm  mean NN {} ms  SDNN {} ms  RMSSD {} ms  lnRMSSD {}  pNN50 {} %",
        num(h.mean_hr_bpm, 1),
        num(h.mean_nn_ms, 1),
        num(h.sdnn_ms, 1),
        num(h.rmssd_ms, 1),
        num(h.ln_rmssd, 2),
        num(h.pnn50_pct, 1),
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "  window      beats   HR    meanNN   SDNN  RMSSD  pNN50  corrected"
    )?;
    let mut written: std::io::Result<()> = Ok(());
    pass(&args, &opts, None, &mut |w| {
        if written.is_ok() {
            written = writeln!(
                out,
                "  {:>5}-{:<5} {:>5} {:>5} {:>8} {:>6} {:>6} {:>6} {:>9}",
                clock(w.start_s),
                clock(w.end_s),
                w.beats,
                num(w.mean_hr_bpm, 0),
                num(w.mean_nn_ms, 0),
                num(w.sdnn_ms, 1),
                num(w.rmssd_ms, 1),
                num(w.pnn50_pct, 1),
                w.corrected_share
                    .map_or("-".to_string(), |c| format!("{:.0} %", 100.0 * c)),
            );
        }
    })?;
    written?;
    writeln!(out)?;
    for p in &model.prompts {
        writeln!(out, "  prompt at {}: {}", clock(p.t_s), p.reason)?;
    }
    write!(out, "{}", summary_text(&model.summary))?;
    Ok(())
}
