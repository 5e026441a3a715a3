//! `steady shifts [--json]`: the stored shifts, oldest first.
use super::db::{DbArg, fmt_duration, fmt_time, status};
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArg,
    /// Print JSON (an array of shift records) instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let out: &mut dyn Write = &mut stdout;
    let path = args.db.path()?;
    if !path.exists() {
        if args.json {
            writeln!(out, "[]")?;
        } else {
            writeln!(out, "no shifts stored (no database at {})", path.display())?;
        }
        return Ok(());
    }
    let store = args.db.open()?;
    let shifts = store.shifts()?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &shifts)?;
        writeln!(out)?;
        return Ok(());
    }
    if shifts.is_empty() {
        writeln!(out, "no shifts stored in {}", store.path().display())?;
        return Ok(());
    }
    writeln!(
        out,
        "{:>4}  {:<16}  {:>8}  {:<7}  {:>6}  {:>5}  {:>9}  {:>7}  {:>9}  {:>7}  status",
        "id",
        "start (UTC)",
        "length",
        "source",
        "beats",
        "HR",
        "activated",
        "returns",
        "load peak",
        "prompts"
    )?;
    for r in &shifts {
        let k = &r.key;
        let length = r
            .ended_ms
            .map_or("-".to_string(), |e| fmt_duration(e - r.started_ms));
        let opt_f = |v: Option<f64>, p: usize| v.map_or("-".to_string(), |v| format!("{v:.p$}"));
        let opt_i = |v: Option<i64>| v.map_or("-".to_string(), |v| v.to_string());
        writeln!(
            out,
            "{:>4}  {:<16}  {:>8}  {:<7}  {:>6}  {:>5}  {:>9}  {:>7}  {:>9}  {:>7}  {}",
            r.id,
            fmt_time(r.started_ms),
            length,
            r.source,
            opt_i(
                k.beats
                    .or_else(|| store.beat_count(r.id).ok().map(|n| n as i64))
            ),
            opt_f(k.mean_hr_bpm, 0),
            k.activated_share
                .map_or("-".to_string(), |s| format!("{:.0} %", s * 100.0)),
            opt_i(k.returns_to_baseline),
            opt_f(k.load_peak, 1),
            opt_i(k.prompts_offered),
            status(r)
        )?;
    }
    Ok(())
}
