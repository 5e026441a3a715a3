//! Helpers shared by subcommands: format choice, loading, number display.
use std::path::Path;

use anyhow::Result;
use clap::ValueEnum;
use steady_core::feed::Stream;
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

/// Opens a recording as it streams (RR text) or read whole (other
/// formats); the error already names the file (and line).
pub fn open(path: &Path, format: FormatArg) -> Result<Stream> {
    let stream = Stream::open(path, format.format())?;
    tracing::info!(file = %path.display(), ?stream, "recording opened");
    Ok(stream)
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

/// Standard output that a closed pipe (`steady ... | head`) does not turn
/// into an error or a panic: after the first `BrokenPipe` every write is
/// dropped, so a storing command still finishes and closes its shift.
pub struct Out {
    inner: std::io::StdoutLock<'static>,
    closed: bool,
}

impl Out {
    /// The process's standard output.
    pub fn stdout() -> Self {
        Self {
            inner: std::io::stdout().lock(),
            closed: false,
        }
    }
}

impl std::io::Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            r => r,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.inner.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            r => r,
        }
    }
}

/// A clap value parser for a number in `lo..=hi`, with a message that
/// names the range (a `--speed 1e-20` used to panic further on).
pub fn in_range(s: &str, lo: f64, hi: f64, unit: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number"))?;
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("must be between {lo} and {hi}{unit}, got {s}"))
    }
}

/// `--speed` (times real time): 0.01 to 1,000,000.
pub fn parse_speed(s: &str) -> Result<f64, String> {
    in_range(s, 0.01, 1e6, " (times real time)")
}

/// `--window` (seconds): 1 s to a day.
pub fn parse_window(s: &str) -> Result<f64, String> {
    in_range(s, 1.0, 86_400.0, " seconds")
}
