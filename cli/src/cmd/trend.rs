//! `steady trend [--days N] [--json] [--svg FILE]`: the arc across shifts:
//! one row per shift of the last N days (calm HR and lnRMSSD, recovery
//! time, load carried in and out, returns per hour, quick returns), each
//! figure's week against its 28-day normal range, and one plain line when
//! several moved the same way (`steady_core::drift`). The days count back
//! from the end of the latest shift, not from today.
use super::db::{DbArg, fmt_time};
use std::io::Write;
use steady_core::drift::{Direction, ShiftArc};
use steady_core::shift::ShiftConfig;

/// Longest look-back accepted (ten years).
const MAX_DAYS: u32 = 3650;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArg,
    /// Days of shifts to show, counted back from the end of the latest one.
    #[arg(long, default_value_t = 28, value_parser = clap::value_parser!(u32).range(1..=MAX_DAYS as i64))]
    pub days: u32,
    /// Print JSON (the core's `ShiftArc`: points with their figures, drift).
    #[arg(long)]
    pub json: bool,
    /// Also draw the arc as an SVG file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<std::path::PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let out: &mut dyn Write = &mut stdout;
    let store = args.db.open_existing()?;
    let arc = store.shift_arc(args.days, &ShiftConfig::default())?;
    if let Some(path) = &args.svg {
        let title = arc
            .drift
            .as_ref()
            .and_then(|d| d.line.clone())
            .unwrap_or_else(|| format!("The last {} days of shifts", args.days));
        let svg = crate::trendchart::render_svg(&arc, &title)?;
        std::fs::write(path, svg)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    }
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &arc)?;
        writeln!(out)?;
        return Ok(());
    }
    write!(out, "{}", text(&arc, args.days))?;
    Ok(())
}

fn opt(v: Option<f64>, p: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.p$}"))
}

/// The table and the drift as plain text.
pub fn text(arc: &ShiftArc, days: u32) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    if arc.points.is_empty() {
        let _ = writeln!(s, "no ended shifts stored");
        return s;
    }
    let _ = writeln!(
        s,
        "shifts of the last {days} days (to the end of the latest one)"
    );
    let _ = writeln!(
        s,
        "{:>4}  {:<16}  {:>7}  {:>7}  {:>6}  {:>8}  {:>6}  {:>7}  {:>8}  {:>9}",
        "id",
        "start (UTC)",
        "off (h)",
        "calm HR",
        "lnRMSSD",
        "recovery",
        "not rec",
        "load in",
        "load end",
        "returns/h"
    );
    for p in &arc.points {
        let x = &p.shift;
        let off = x.off_shift_h.map_or("-".into(), |h| {
            format!("{h:.0}{}", if x.quick_return { " QR" } else { "" })
        });
        let _ = writeln!(
            s,
            "{:>4}  {:<16}  {:>7}  {:>7}  {:>6}  {:>8}  {:>6}  {:>7}  {:>8}  {:>9}",
            x.shift_id,
            fmt_time(x.start_ms),
            off,
            opt(x.calm_hr_bpm, 1),
            opt(x.calm_ln_rmssd, 2),
            x.median_recovery_s.map_or("-".into(), |r| format!(
                "{}:{:02}",
                (r / 60.0) as i64,
                (r % 60.0) as i64
            )),
            x.not_recovered_share
                .map_or("-".into(), |v| format!("{:.0} %", v * 100.0)),
            opt(x.load_start, 1),
            opt(x.load_end, 1),
            opt(x.returns_per_hour, 1),
        );
    }
    let _ = writeln!(
        s,
        "(QR = quick return: under 11 h since the previous shift)"
    );
    let Some(d) = &arc.drift else { return s };
    let _ = writeln!(s, "\nthis week against your normal range (28 days):");
    for f in &d.figures {
        let range = f
            .normal_range()
            .map_or("-".into(), |(lo, hi)| format!("{lo:.2} .. {hi:.2}"));
        let verdict = match f.direction {
            Direction::Usual => "usual".to_string(),
            Direction::Worse => "moved the worse way".to_string(),
            Direction::Better => "moved the better way".to_string(),
            Direction::NotEnough => format!(
                "not enough shifts ({} this week, {} in 28 days; needs {} and {})",
                f.week_shifts,
                f.normal_shifts,
                steady_core::drift::MIN_WEEK_SHIFTS,
                steady_core::drift::MIN_NORMAL_SHIFTS
            ),
        };
        let _ = writeln!(
            s,
            "  {:<22} week {:>8}  normal {:>16}  {verdict}",
            f.figure.name(),
            opt(f.week_mean, 2),
            range
        );
    }
    let _ = writeln!(
        s,
        "\n{}",
        d.line.as_deref().unwrap_or(
            if d.figures
                .iter()
                .all(|f| f.direction == Direction::NotEnough)
            {
                "Not enough shifts yet to compare this week with your usual."
            } else {
                "Nothing has moved together beyond your usual range this week."
            }
        )
    );
    s
}
