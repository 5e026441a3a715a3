//! `steady demo`: replay a bundled real recording (Polar H10, 10 min, see
//! cli/data/README.md) quickly through the shift model, then print a
//! readable report. Works from any directory: the data is compiled in.
use std::io::Write;

use anyhow::{Context, Result};
use steady_core::analysis::{AnalyzeOptions, analyze};
use steady_core::formats::rr;
use steady_core::shift::WindowQuality;

use super::common::{clock, num};
use super::model::summary_text;
use super::replay::replay;

/// The bundled recording (MIT, provenance in cli/data/README.md).
pub const SAMPLE: &str = include_str!("../../data/polar_h10_sample_ibi.csv");

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Replay speed (x real time); the 10-minute recording takes 2 s at 300.
    #[arg(long, default_value_t = 300.0, value_parser = super::common::parse_speed)]
    pub speed: f64,
    /// The shift is stored in a temporary database unless `--db` is given.
    #[command(flatten)]
    pub store: super::record::RecordArgs,
    /// Also draw the shift the model made of the recording (HR, gauge and
    /// state bands, load, prompts, resets) as an SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<std::path::PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    crate::stop::install()?;
    let rec = rr::parse(SAMPLE).context("bundled sample")?;
    let mut out = super::common::Out::stdout();
    writeln!(
        out,
        "Steady demo: 10 minutes of a real Polar H10 chest strap (620 beats),\n\
         replayed at {}x through the shift model. One line per 30 s of data;\n\
         the live gauge refreshes every 5 s over a trailing 60 s window.\n",
        args.speed
    )?;
    let (recorder, run) = super::replay::begin_store(
        &args.store,
        steady_core::store::ShiftSource::Demo,
        "demo: bundled Polar H10 sample",
        &rec,
        true,
    )?;
    let id = run.recorder().map(|r| r.shift_id());
    let o = replay(&rec, Some(args.speed), 6, &mut out, run)?;
    super::replay::finish_store(recorder, id)?;
    let d = analyze(&rec, &AnalyzeOptions::default());
    let a = &d.analysis;
    let good = o
        .gauges
        .iter()
        .filter(|g| g.quality == WindowQuality::Good)
        .count();
    let ln: Vec<f64> = o
        .gauges
        .iter()
        .filter_map(|g| g.ln_rmssd)
        .filter(|x| x.is_finite())
        .collect();
    let gaps = o.summary.as_ref().map_or(0, |s| s.signal.gaps);
    let (lo, hi) = ln
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
            (l.min(x), h.max(x))
        });
    writeln!(out, "\nReport")?;
    writeln!(
        out,
        "  recording       {} ({} beats)",
        clock(d.duration_s),
        a.beats
    )?;
    writeln!(
        out,
        "  signal quality  {} of {} refreshes good; {} beats corrected ({:.1} %), {} gaps",
        good,
        o.gauges.len(),
        a.corrected_beats,
        100.0 * a.corrected_beats as f64 / a.beats.max(1) as f64,
        gaps
    )?;
    writeln!(
        out,
        "  heart rate      mean {} bpm",
        num(a.hrv.mean_hr_bpm, 1)
    )?;
    writeln!(
        out,
        "  HRV (whole)     RMSSD {} ms (lnRMSSD {}), SDNN {} ms, pNN50 {} %",
        num(a.hrv.rmssd_ms, 1),
        num(a.hrv.ln_rmssd, 2),
        num(a.hrv.sdnn_ms, 1),
        num(a.hrv.pnn50_pct, 1)
    )?;
    if !ln.is_empty() {
        writeln!(
            out,
            "  live lnRMSSD    ranged {lo:.2} to {hi:.2} over the 60 s windows"
        )?;
    }
    writeln!(out, "\n  minute  HR   RMSSD  lnRMSSD")?;
    // Complete minutes only: the last partial minute holds a few beats.
    for w in a.windows.iter().filter(|w| w.end_s <= d.duration_s + 0.5) {
        writeln!(
            out,
            "  {:>6} {:>4} {:>7} {:>8}",
            w.index + 1,
            num(w.mean_hr_bpm, 0),
            num(w.rmssd_ms, 1),
            num(w.rmssd_ms.map(f64::ln), 2)
        )?;
    }
    if let Some(s) = &o.summary {
        writeln!(out)?;
        write!(out, "{}", summary_text(s))?;
    }
    if let Some(path) = &args.svg {
        let beats: Vec<steady_core::beats::Beat> = rec
            .rr
            .iter()
            .map(|r| steady_core::beats::Beat {
                t_ms: r.t_ms,
                rr_ms: r.rr_ms,
                corrected: false,
            })
            .collect();
        let end = rec.rr.last().map_or(rec.origin_ms, |r| r.t_ms);
        let chart = crate::chart::ShiftChart::from_events(
            "Steady demo: 10 min of a real Polar H10 through the shift model".into(),
            rec.origin_ms,
            end,
            &o.events,
            crate::chart::hr_from_beats(&beats),
        );
        crate::chart::write_svg(&chart, path)?;
        writeln!(out, "\nChart written to {}", path.display())?;
    }
    writeln!(
        out,
        "\nNext: `steady analyze FILE` on your own RR export, or `steady replay FILE`."
    )?;
    Ok(())
}
