//! `steady import FILE`: stores a recording (rr / e4 / hrm-log / Polar
//! .hrm) as a past shift, run through the core's stored shift like a live
//! one ([`LiveSession`]): the model's cleaned beats, HR-only samples,
//! motion (ENMO per 5 s, as `replay` feeds it), the model's events, its
//! summary, and its still minutes for the personal baseline.
use anyhow::Result;
use std::path::PathBuf;
use steady_core::Millis;
use steady_core::session::LiveSession;
use steady_core::shift::{ShiftConfig, ShiftInput};
use steady_core::store::{ShiftSource, WriterConfig};

use super::common::{FormatArg, load};
use super::db::{DbArg, fmt_time};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Recording: RR text, E4 folder, hrm-log, Polar .hrm.
    pub file: PathBuf,
    /// File format.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
    /// When the recording started (RFC 3339, e.g. 2025-11-20T07:00:00Z),
    /// for files without a clock of their own (rr text, Polar .hrm): the
    /// shift is placed there in the history instead of at time 0.
    #[arg(long, value_name = "TIME", value_parser = parse_start)]
    pub start: Option<Millis>,
    #[command(flatten)]
    pub db: DbArg,
}

fn parse_start(s: &str) -> Result<Millis, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("{s:?} is not an RFC 3339 time (e.g. 2025-11-20T07:00:00Z): {e}"))
}

pub fn run(args: Args) -> Result<()> {
    let mut rec = load(&args.file, args.format)?;
    if let Some(start) = args.start {
        anyhow::ensure!(
            rec.start_unix_ms.is_none(),
            "{} has its own clock; --start is only for files without one",
            args.file.display()
        );
        steady_core::feed::place_at(&mut rec, start);
    }
    anyhow::ensure!(
        !rec.rr.is_empty() || !rec.hr.is_empty(),
        "{}: no RR intervals and no heart rate to import",
        args.file.display()
    );
    let label = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let store = args.db.open()?;
    let path = store.path().to_path_buf();
    // RR (cleaned inside the model), HR and motion blocks, as `replay`
    // feeds them, bracketed by Start and End.
    let inputs = steady_core::feed::inputs(&rec, &Default::default());
    let start = inputs.first().map_or(rec.origin_ms, ShiftInput::t_ms);
    let setup = store.shift_setup(start, ShiftConfig::default())?;
    // One save at the end: an import is all or nothing.
    let (mut session, _) = LiveSession::start_with(
        store,
        setup,
        start,
        ShiftSource::Import,
        Some(&label),
        WriterConfig::bulk(),
    )?;
    let mut gaps = rec.gaps.iter().peekable();
    let mut end = start;
    for input in &inputs {
        let t = input.t_ms();
        while let Some(g) = gaps.next_if(|g| g.end_ms <= t) {
            session.note(
                g.end_ms,
                "gap",
                &serde_json::json!({"start_ms": g.start_ms, "end_ms": g.end_ms}),
            );
        }
        match input {
            ShiftInput::Start { .. } => {}
            ShiftInput::End { t_ms } => end = *t_ms,
            _ => {
                session.handle(input);
            }
        }
    }
    let (summary, _) = session.end(end)?;
    if let Some(e) = session.store_error() {
        anyhow::bail!("the import was not stored: {e}");
    }
    println!(
        "imported {} as shift {} ({} beats, {} HR samples, start {}; {} returns to baseline, load peak {:.1}, {} prompts) into {}",
        args.file.display(),
        session.shift_id(),
        summary.signal.beats,
        rec.hr.len(),
        fmt_time(start),
        summary.returns_to_baseline,
        summary.load_peak,
        summary.prompts_offered,
        path.display()
    );
    Ok(())
}
