//! Helpers shared by subcommands: format choice, loading, number display.
use std::path::Path;

use anyhow::Result;
use clap::ValueEnum;
use steady_core::formats::{self, Format, Recording};

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Guess from the file (folder = e4, `# steady hrm-log` = hrm-log,
    /// `[Params]` = Polar .hrm, else rr).
    Auto,
    /// RR text: one RR (ms) per line, or `seconds,rr_ms` columns.
    Rr,
    /// Empatica E4 export folder.
    E4,
    /// Steady's BLE notification log.
    HrmLog,
    /// Polar .hrm (v1.06).
    PolarHrm,
}

impl FormatArg {
    fn format(self) -> Option<Format> {
        match self {
            Self::Auto => None,
            Self::Rr => Some(Format::Rr),
            Self::E4 => Some(Format::E4),
            Self::HrmLog => Some(Format::HrmLog),
            Self::PolarHrm => Some(Format::PolarHrm),
        }
    }
}

/// Reads a recording; the error already names the file (and line).
pub fn load(path: &Path, format: FormatArg) -> Result<Recording> {
    let rec = formats::read_path(path, format.format())?;
    tracing::info!(
        file = %path.display(),
        rr = rec.rr.len(),
        hr = rec.hr.len(),
        motion = rec.motion.len(),
        gaps = rec.gaps.len(),
        dropped_packets = rec.dropped_packets,
        "recording loaded"
    );
    Ok(rec)
}

/// A number with `digits` decimals, or "-" when absent.
pub fn num(x: Option<f64>, digits: usize) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.digits$}"),
        _ => "-".to_string(),
    }
}

/// Seconds as `h:mm:ss` or `m:ss`.
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// `--window` seconds to ms, refusing nonsense.
pub fn window_ms(seconds: f64) -> Result<i64> {
    anyhow::ensure!(
        seconds.is_finite() && (1.0..=86_400.0).contains(&seconds),
        "--window must be between 1 and 86400 seconds, got {seconds}"
    );
    Ok((seconds * 1000.0).round() as i64)
}
