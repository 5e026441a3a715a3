//! `steady summary [ID|last] [--json]`: a stored shift's end-of-shift
//! summary, with its key figures against the shifts before it.
use super::db::{DbArg, ShiftRef, fmt_duration, fmt_time, status};
use std::io::Write;
use steady_core::store::ShiftRecord;

/// How many earlier shifts the comparison looks at.
const COMPARE_SHIFTS: u32 = 7;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Shift id, or `last` (the default).
    #[arg(default_value = "last")]
    pub shift: ShiftRef,
    #[command(flatten)]
    pub db: DbArg,
    /// Print JSON: {"shift", "summary", "previous"}.
    #[arg(long)]
    pub json: bool,
    /// Also draw the shift (HR, gauge and state bands, load, prompts,
    /// resets) as an SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<std::path::PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let out: &mut dyn Write = &mut stdout;
    let store = args.db.open_existing()?;
    let rec = args.shift.resolve(&store)?;
    let summary = store.summary(rec.id)?;
    if let Some(path) = &args.svg {
        crate::chart::write_svg(&crate::chart::ShiftChart::from_store(&store, &rec)?, path)?;
    }
    // The ended shifts before this one, for the comparison.
    let previous: Vec<ShiftRecord> = store
        .trend(u32::MAX)?
        .into_iter()
        .filter(|r| r.id != rec.id && r.started_ms < rec.started_ms)
        .collect();
    let previous = previous
        .get(previous.len().saturating_sub(COMPARE_SHIFTS as usize)..)
        .unwrap_or(&[])
        .to_vec();
    if args.json {
        let doc = serde_json::json!({ "shift": rec, "summary": summary, "previous": previous });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "shift {} ({}, {})", rec.id, rec.source, status(&rec))?;
    writeln!(out, "  start     {}", fmt_time(rec.started_ms))?;
    match rec.ended_ms {
        Some(e) => writeln!(
            out,
            "  end       {} (length {})",
            fmt_time(e),
            fmt_duration(e - rec.started_ms)
        )?,
        None => writeln!(out, "  not ended: {}", unfinished_hint(&rec))?,
    }
    // The model's own summary (reasons, resets, signal, trend) when the
    // shift has one; its stored key figures otherwise.
    if let Some(model) = store.model_summary(rec.id)? {
        if summary.as_ref().is_some_and(|v| v["interrupted"] == true) {
            writeln!(out, "  (closed after an interruption: what was saved)")?;
        }
        write!(out, "{}", super::model::summary_text(&model))?;
        return Ok(());
    }
    let k = &rec.key;
    let mean = |f: fn(&ShiftRecord) -> Option<f64>| {
        let v: Vec<f64> = previous.iter().filter_map(f).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let line = |out: &mut dyn Write,
                name: &str,
                this: Option<f64>,
                prev: Option<f64>,
                unit: &str,
                scale: f64|
     -> std::io::Result<()> {
        let Some(v) = this else { return Ok(()) };
        match prev {
            Some(p) => writeln!(
                out,
                "  {name:<26}{:>8.1}{unit}  ({:+.1} vs last {})",
                v * scale,
                (v - p) * scale,
                previous.len()
            ),
            // Counts print as whole numbers.
            None if scale == 1.0 && v.fract() == 0.0 && unit.is_empty() => {
                writeln!(out, "  {name:<26}{:>6}", v)
            }
            None => writeln!(out, "  {name:<26}{:>8.1}{unit}", v * scale),
        }
    };
    let as_f = |v: Option<i64>| v.map(|v| v as f64);
    line(out, "beats", as_f(k.beats), None, "", 1.0)?;
    line(
        out,
        "mean HR",
        k.mean_hr_bpm,
        mean(|r| r.key.mean_hr_bpm),
        " bpm",
        1.0,
    )?;
    line(out, "corrected beats", k.corrected_share, None, " %", 100.0)?;
    line(
        out,
        "time activated",
        k.activated_share,
        mean(|r| r.key.activated_share),
        " %",
        100.0,
    )?;
    line(
        out,
        "time at baseline",
        k.baseline_share,
        mean(|r| r.key.baseline_share),
        " %",
        100.0,
    )?;
    line(
        out,
        "returns to baseline",
        as_f(k.returns_to_baseline),
        None,
        "",
        1.0,
    )?;
    line(
        out,
        "returns per hour",
        k.returns_per_hour,
        mean(|r| r.key.returns_per_hour),
        "",
        1.0,
    )?;
    line(
        out,
        "longest without return",
        k.longest_without_return_s.map(|s| s / 60.0),
        mean(|r| r.key.longest_without_return_s.map(|s| s / 60.0)),
        " min",
        1.0,
    )?;
    line(out, "load at start", k.load_start, None, "", 1.0)?;
    line(
        out,
        "load peak",
        k.load_peak,
        mean(|r| r.key.load_peak),
        "",
        1.0,
    )?;
    line(
        out,
        "load at end",
        k.load_end,
        mean(|r| r.key.load_end),
        "",
        1.0,
    )?;
    line(
        out,
        "prompts offered",
        as_f(k.prompts_offered),
        None,
        "",
        1.0,
    )?;
    line(out, "prompts taken", as_f(k.prompts_taken), None, "", 1.0)?;
    line(out, "resets", as_f(k.resets), None, "", 1.0)?;
    if summary.is_none() && rec.ended_ms.is_some() {
        writeln!(out, "  (no model summary stored for this shift)")?;
    }
    Ok(())
}

/// What to do about a shift that never ended, by where it came from: each
/// hint is a command that really closes it.
pub fn unfinished_hint(rec: &steady_core::store::ShiftRecord) -> String {
    match rec.source.as_str() {
        "import" => format!(
            "an import that was interrupted (an import is all or nothing: this one holds nothing complete); `steady delete {}` removes it, then import the file again",
            rec.id
        ),
        "live" => "still live elsewhere, or interrupted: the next `steady live` with this strap carries it on (`steady live --new-shift` starts afresh)".to_string(),
        _ => "still running elsewhere, or interrupted: run the same replay again with --resume to continue it or --close-unfinished to close it".to_string(),
    }
}
