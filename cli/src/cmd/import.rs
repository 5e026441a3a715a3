//! `steady import FILE`: stores a recording (rr / e4 / hrm-log / Polar
//! .hrm) as a past shift, run through the shift model like a live one:
//! cleaned beats, HR-only samples, motion, the model's events, its summary,
//! and its still minutes for the personal baseline.
use anyhow::{Context, Result};
use std::path::PathBuf;
use steady_core::Millis;
use steady_core::activation::Motion;
use steady_core::beats::{CleanerConfig, clean_all};
use steady_core::formats::MotionSample;
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
    #[command(flatten)]
    pub db: DbArg,
}

/// Acceleration magnitude (g, e.g. E4 at 32 Hz) to one ENMO value per
/// second, `mean(max(|a| - 1, 0))` (van Hees 2013), the motion input the
/// model takes. Each value is stamped at the end of its second.
pub fn enmo_per_second(samples: &[MotionSample]) -> Vec<Motion> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(first) = samples.get(i) {
        let second = first.t_ms.div_euclid(1000);
        let mut sum = 0.0;
        let mut n = 0u32;
        while let Some(s) = samples.get(i).filter(|s| s.t_ms.div_euclid(1000) == second) {
            if s.magnitude_g.is_finite() {
                sum += (s.magnitude_g - 1.0).max(0.0);
                n += 1;
            }
            i += 1;
        }
        if n > 0 {
            out.push(Motion::Enmo {
                t_ms: (second + 1) * 1000,
                g: sum / f64::from(n),
            });
        }
    }
    out
}

pub fn run(args: Args) -> Result<()> {
    let rec = load(&args.file, args.format)?;
    anyhow::ensure!(
        !rec.rr.is_empty() || !rec.hr.is_empty(),
        "{}: no RR intervals and no heart rate to import",
        args.file.display()
    );
    let (beats, _) = clean_all(CleanerConfig::default(), &rec.rr);
    let motion = enmo_per_second(&rec.motion);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enmo_is_the_mean_excess_over_1g_per_second() {
        let s = |t_ms, g| MotionSample {
            t_ms,
            magnitude_g: g,
        };
        let m = enmo_per_second(&[
            s(0, 1.0),
            s(500, 1.5),
            s(1000, 0.8),
            s(1999, 1.2),
            s(5000, f64::NAN),
        ]);
        assert_eq!(m.len(), 2);
        let Motion::Enmo { t_ms, g } = m[0] else {
            panic!("{m:?}")
        };
        assert_eq!(t_ms, 1000);
        assert!((g - 0.25).abs() < 1e-12);
        let Motion::Enmo { t_ms, g } = m[1] else {
            panic!("{m:?}")
        };
        assert_eq!(t_ms, 2000);
        assert!((g - 0.1).abs() < 1e-12);
    }
}
