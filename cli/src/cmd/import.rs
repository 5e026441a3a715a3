//! `steady import FILE`: stores a recording (rr / e4 / hrm-log / Polar
//! .hrm) as a past shift: cleaned beats, HR-only samples, motion, gaps as
//! events, and the analysis as its summary.
use anyhow::Result;
use std::path::PathBuf;
use steady_core::analysis::{AnalyzeOptions, analyze};
use steady_core::beats::{CleanerConfig, clean_all};
use steady_core::store::{KeyFigures, SampleKind, ShiftSource, ShiftWriter, WriterConfig};

use super::common::{FormatArg, load};
use super::db::{DbArg, fmt_time};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Recording: RR text, E4 folder, hrm-log, Polar .hrm.
    pub file: PathBuf,
    /// File format.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
    #[command(flatten)]
    pub db: DbArg,
}

pub fn run(args: Args) -> Result<()> {
    let rec = load(&args.file, args.format)?;
    anyhow::ensure!(
        !rec.rr.is_empty() || !rec.hr.is_empty(),
        "{}: no RR intervals and no heart rate to import",
        args.file.display()
    );
    let (beats, stats) = clean_all(CleanerConfig::default(), &rec.rr);
    let analysis = analyze(&rec, &AnalyzeOptions::default());
    let label = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let store = args.db.open()?;
    let path = store.path().to_path_buf();
    // One save at the end: an import is all or nothing.
    let mut w = ShiftWriter::start(
        store,
        rec.origin_ms,
        ShiftSource::Import,
        Some(&label),
        WriterConfig::bulk(),
    )?;
    for b in &beats {
        w.push_beat(*b)?;
    }
    for h in &rec.hr {
        w.push_sample(SampleKind::Hr, h.t_ms, h.bpm as f32)?;
    }
    for m in &rec.motion {
        w.push_sample(SampleKind::Motion, m.t_ms, m.magnitude_g as f32)?;
    }
    for g in &rec.gaps {
        w.push_event(
            g.end_ms,
            "gap",
            &serde_json::json!({"start_ms": g.start_ms, "end_ms": g.end_ms}),
        )?;
    }
    let end = [
        beats.last().map(|b| b.t_ms),
        rec.hr.last().map(|h| h.t_ms),
        rec.motion.last().map(|m| m.t_ms),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(rec.origin_ms);
    let summary = serde_json::json!({
        "imported_from": label,
        "start_unix_ms": rec.start_unix_ms,
        // Whole-recording figures; the per-minute windows can be recomputed
        // from the stored beats.
        "hrv": analysis.analysis.hrv,
        "corrected_beats": analysis.analysis.corrected_beats,
        "cleaner": { "corrected": stats.corrected, "gaps": stats.gaps },
        "dropped_packets": rec.dropped_packets,
    });
    let key = KeyFigures {
        duration_s: Some((end - rec.origin_ms) as f64 / 1000.0),
        ..Default::default()
    };
    w.finish(end, &summary, &key)?;
    println!(
        "imported {} as shift {} ({} beats, {} HR samples, start {}) into {}",
        args.file.display(),
        w.shift_id(),
        beats.len(),
        rec.hr.len(),
        fmt_time(rec.origin_ms),
        path.display()
    );
    Ok(())
}
