//! `steady import FILE`: stores a recording (rr / e4 / hrm-log / Polar
//! .hrm) as a past shift, run through the shift model like a live one:
//! cleaned beats, HR-only samples, motion (ENMO per 5 s, as `replay`
//! feeds it), the model's events, its summary,
//! and its still minutes for the personal baseline.
use anyhow::{Context, Result};
use std::path::PathBuf;
use steady_core::Millis;
use steady_core::activation::Motion;
use steady_core::beats::{CleanerConfig, clean_all};
use steady_core::feed::enmo_blocks;
use steady_core::shift::{Shift, ShiftConfig, ShiftInput};
use steady_core::store::{SampleKind, ShiftSource, ShiftWriter, WriterConfig};

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

/// Moves a recording without a clock to start at `start` (unix ms).
fn place_at(rec: &mut steady_core::formats::Recording, start: Millis) {
    let off = start - rec.origin_ms;
    rec.origin_ms += off;
    rec.start_unix_ms = Some(start);
    rec.rr.iter_mut().for_each(|r| r.t_ms += off);
    rec.hr.iter_mut().for_each(|h| h.t_ms += off);
    rec.motion.iter_mut().for_each(|m| m.t_ms += off);
    for g in &mut rec.gaps {
        g.start_ms += off;
        g.end_ms += off;
    }
}

pub fn run(args: Args) -> Result<()> {
    let mut rec = load(&args.file, args.format)?;
    if let Some(start) = args.start {
        anyhow::ensure!(
            rec.start_unix_ms.is_none(),
            "{} has its own clock; --start is only for files without one",
            args.file.display()
        );
        place_at(&mut rec, start);
    }
    anyhow::ensure!(
        !rec.rr.is_empty() || !rec.hr.is_empty(),
        "{}: no RR intervals and no heart rate to import",
        args.file.display()
    );
    let (beats, _) = clean_all(CleanerConfig::default(), &rec.rr);
    // The same motion blocks `replay` gives the model.
    let motion = enmo_blocks(&rec.motion, rec.origin_ms, 5_000);
    let label = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let store = args.db.open()?;
    let path = store.path().to_path_buf();
    let start = rec.origin_ms;
    let mut model = Shift::new(store.shift_setup(start, ShiftConfig::default())?);
    // One save at the end: an import is all or nothing.
    let mut w = ShiftWriter::start(
        store,
        start,
        ShiftSource::Import,
        Some(&label),
        WriterConfig::bulk(),
    )?;

    let mut inputs: Vec<ShiftInput> = Vec::with_capacity(beats.len() + rec.hr.len() + motion.len());
    inputs.extend(beats.iter().map(ShiftInput::beat));
    inputs.extend(rec.hr.iter().map(|h| ShiftInput::HeartRate {
        t_ms: h.t_ms,
        bpm: h.bpm,
    }));
    inputs.extend(motion.iter().map(|m| ShiftInput::Motion { motion: *m }));
    inputs.sort_by_key(ShiftInput::t_ms);
    let end: Millis = inputs.last().map_or(start, ShiftInput::t_ms);

    let first = ShiftInput::Start { t_ms: start };
    w.push_model_input(&first)?;
    let ev = model.handle(&first);
    w.push_model_events(&ev, start)?;
    let mut gaps = rec.gaps.iter().peekable();
    for input in &inputs {
        let t = input.t_ms();
        while let Some(g) = gaps.next_if(|g| g.end_ms <= t) {
            w.push_event(
                g.end_ms,
                "gap",
                &serde_json::json!({"start_ms": g.start_ms, "end_ms": g.end_ms}),
            )?;
        }
        match input {
            ShiftInput::Beat {
                t_ms,
                rr_ms,
                corrected,
            } => w.push_beat(steady_core::beats::Beat {
                t_ms: *t_ms,
                rr_ms: *rr_ms,
                corrected: *corrected,
            })?,
            ShiftInput::HeartRate { t_ms, bpm } => {
                w.push_sample(SampleKind::Hr, *t_ms, *bpm as f32)?
            }
            ShiftInput::Motion {
                motion: Motion::Enmo { t_ms, g },
            } => w.push_sample(SampleKind::Motion, *t_ms, *g as f32)?,
            _ => {}
        }
        let ev = model.handle(input);
        w.push_model_events(&ev, t)?;
    }
    let last = ShiftInput::End { t_ms: end };
    w.push_model_input(&last)?;
    let ev = model.handle(&last);
    w.push_model_events(&ev, end)?;
    let summary = model
        .summary()
        .cloned()
        .context("the shift model did not end the shift")?;
    w.finish_with_summary(&summary)?;
    println!(
        "imported {} as shift {} ({} beats, {} HR samples, start {}; {} returns to baseline, load peak {:.1}, {} prompts) into {}",
        args.file.display(),
        w.shift_id(),
        beats.len(),
        rec.hr.len(),
        fmt_time(start),
        summary.returns_to_baseline,
        summary.load_peak,
        summary.prompts_offered,
        path.display()
    );
    Ok(())
}
