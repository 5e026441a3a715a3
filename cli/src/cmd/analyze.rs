//! `steady analyze FILE`: clean a recording, print whole-file and per-window
//! HRV as text or as the stable JSON of docs/formats.md, then what the model
//! makes of it (gauge timeline, prompts, shift summary; docs/model.md).
use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use steady_core::analysis::{AnalyzeOptions, analyze};
use steady_core::beats::CleanerConfig;

use super::common::{FormatArg, Out, clock, load, num, parse_window, window_ms};
use super::model::{ModelRun, run_model, summary_text};

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

pub fn run(args: Args) -> Result<()> {
    let rec = load(&args.file, args.format)?;
    let opts = AnalyzeOptions {
        window_ms: window_ms(args.window)?,
        cleaner: CleanerConfig {
            correct: !args.no_correction,
            ..CleanerConfig::default()
        },
    };
    let d = analyze(&rec, &opts);
    tracing::debug!(stats = ?d.stats, "cleaner");
    let model = run_model(&rec).ok_or_else(|| anyhow::anyhow!("the model did not finish"))?;
    let mut out = Out::stdout();
    if args.json {
        let j = AnalyzeJson {
            analysis: &d.analysis,
            model: &model,
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&j)?)?;
        return Ok(());
    }
    let a = &d.analysis;
    writeln!(out, "{}", args.file.display())?;
    writeln!(
        out,
        "  duration {}  beats {}  corrected {} ({:.1} %)  gaps {}",
        clock(d.duration_s),
        a.beats,
        a.corrected_beats,
        if a.beats > 0 {
            100.0 * a.corrected_beats as f64 / a.beats as f64
        } else {
            0.0
        },
        d.stats.gaps + rec.gaps.len() as u64,
    )?;
    if a.beats == 0 && !rec.hr.is_empty() {
        writeln!(
            out,
            "  no RR intervals: HR-only ({} HR samples)",
            rec.hr.len()
        )?;
    }
    let h = &a.hrv;
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
    for w in &a.windows {
        writeln!(
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
        )?;
    }
    writeln!(out)?;
    for p in &model.prompts {
        writeln!(out, "  prompt at {}: {}", clock(p.t_s), p.reason)?;
    }
    write!(out, "{}", summary_text(&model.summary))?;
    Ok(())
}
