//! File readers: every recording format Steady reads becomes one
//! [`Recording`]. One submodule per format; each parses from `&str` (or
//! bytes) so it can be tested and fuzzed without files, and [`read_path`]
//! adds the file name to errors. Formats are specified in `docs/formats.md`.
//!
//! Why one type: the analysis (clean, HRV, later the shift model) should not
//! care where beats came from. A recording carries RR intervals with the
//! times their beats ended, heart-rate samples (HR-only fallback), motion
//! samples, known gaps, and the absolute start time when the file has one.
use std::path::{Path, PathBuf};

use crate::Millis;
use crate::beats::{HrSample, TimedRr};
use crate::hrm::HrmError;

pub mod e4;
pub mod hrm_log;
pub mod polar_hrm;
pub mod rr;

/// The formats Steady reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// RR text: one RR (ms) per line, or `seconds,rr_ms` columns.
    Rr,
    /// Empatica E4 export folder (HR.csv, IBI.csv, optional ACC.csv).
    E4,
    /// Steady's raw BLE notification log (`# steady hrm-log v1`).
    HrmLog,
    /// Polar Precision Performance `.hrm` (v1.06, R-R or HR mode).
    PolarHrm,
}

/// Acceleration magnitude at a moment (for activity detection).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MotionSample {
    /// Time on the recording's clock.
    pub t_ms: Millis,
    /// |a| = sqrt(x² + y² + z²) in g (1.0 at rest, gravity included).
    pub magnitude_g: f64,
}

/// A span without data (strap disconnected, packets lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Gap {
    /// Last time with data before the gap.
    pub start_ms: Millis,
    /// First time with data after it (or the reconnection).
    pub end_ms: Millis,
}

/// Everything read from one recording, on the recording's own clock: unix
/// milliseconds when the file has an absolute clock (E4, hrm-log), else
/// milliseconds from the start of the recording.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Recording {
    /// Unix time (ms) of the start, when the file says.
    pub start_unix_ms: Option<Millis>,
    /// Start of the recording on its clock (window 0 begins here): the
    /// start of the first RR interval, the session start for E4, 0 for
    /// files without a clock.
    pub origin_ms: Millis,
    /// RR intervals with their beats' end times, in file order. Consecutive
    /// intervals that do not meet (`t - rr` != previous `t`) have a gap
    /// between them.
    pub rr: Vec<TimedRr>,
    /// Heart-rate samples as the device reported them (HR-only mode).
    pub hr: Vec<HrSample>,
    /// Acceleration magnitude samples, when the format has them.
    pub motion: Vec<MotionSample>,
    /// Known gaps: disconnections, lost packets, clock jumps.
    pub gaps: Vec<Gap>,
    /// `key=value` metadata from the file (device name, address, ...).
    pub meta: Vec<(String, String)>,
    /// Packets that could not be decoded and were skipped (hrm-log only);
    /// each is also a gap.
    pub dropped_packets: u64,
}

/// What is wrong with a line of a file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    #[error("not a number: {0:?}")]
    NotANumber(String),
    #[error("RR interval must be a positive number of ms, got {0}")]
    BadRr(f64),
    #[error("expected {0}")]
    Expected(&'static str),
    #[error("bad hex: {0:?}")]
    BadHex(String),
    #[error("unknown event {0:?}")]
    UnknownEvent(String),
    #[error("not a steady hrm-log (first line must be \"# steady hrm-log v1\")")]
    NotHrmLog,
    #[error("unsupported hrm-log version {0:?}")]
    UnsupportedVersion(String),
    #[error("sample rate must be positive, got {0}")]
    BadRate(f64),
    #[error("no data")]
    NoData,
    #[error("file is not UTF-8 text")]
    NotUtf8,
    #[error("{0}")]
    Packet(HrmError),
}

/// A parse error at a line (1-based; 0 when it concerns the whole input).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct ParseError {
    /// 1-based line number (0: the input as a whole).
    pub line: usize,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

impl ParseError {
    pub(crate) fn new(line: usize, kind: ParseErrorKind) -> Self {
        Self { line, kind }
    }
}

/// Reading a recording from disk failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The file or folder could not be read.
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The content is wrong at a line.
    #[error("{}:{}: {}", path.display(), error.line, error.kind)]
    Parse { path: PathBuf, error: ParseError },
}

impl FormatError {
    fn parse(path: &Path, error: ParseError) -> Self {
        Self::Parse {
            path: path.to_path_buf(),
            error,
        }
    }
}

pub(crate) fn read_text(path: &Path) -> Result<String, FormatError> {
    let bytes = std::fs::read(path).map_err(|error| FormatError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    String::from_utf8(bytes)
        .map_err(|_| FormatError::parse(path, ParseError::new(0, ParseErrorKind::NotUtf8)))
}

/// Input text from bytes, for fuzzing and byte-oriented callers.
pub fn text_of(bytes: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(bytes).map_err(|_| ParseError::new(0, ParseErrorKind::NotUtf8))
}

/// Guesses the format: a folder is E4; `# steady hrm-log` is an hrm-log;
/// `[Params]` is Polar `.hrm`; anything else is RR text.
pub fn detect(path: &Path) -> Result<Format, FormatError> {
    if path.is_dir() {
        return Ok(Format::E4);
    }
    let text = read_text(path)?;
    Ok(detect_text(&text))
}

/// Format of a text by its first non-empty line.
pub fn detect_text(text: &str) -> Format {
    let first = text.trim_start_matches('\u{feff}').trim_start();
    if first.starts_with(hrm_log::MAGIC_PREFIX) {
        Format::HrmLog
    } else if first.starts_with("[Params]") {
        Format::PolarHrm
    } else {
        Format::Rr
    }
}

/// Reads a recording; `format` None means [`detect`].
pub fn read_path(path: &Path, format: Option<Format>) -> Result<Recording, FormatError> {
    let format = match format {
        Some(f) => f,
        None => detect(path)?,
    };
    match format {
        Format::E4 => e4::read_dir(path),
        Format::Rr => {
            let text = read_text(path)?;
            rr::parse(&text).map_err(|e| FormatError::parse(path, e))
        }
        Format::HrmLog => {
            let text = read_text(path)?;
            hrm_log::parse(&text).map_err(|e| FormatError::parse(path, e))
        }
        Format::PolarHrm => {
            let text = read_text(path)?;
            polar_hrm::parse(&text).map_err(|e| FormatError::parse(path, e))
        }
    }
}

/// Lines with 1-based numbers, trailing `\r` removed.
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, l)| {
        (
            i + 1,
            l.trim_end_matches('\r').trim_start_matches('\u{feff}'),
        )
    })
}

/// Parses a finite number or reports it.
pub(crate) fn number(s: &str, line: usize) -> Result<f64, ParseError> {
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(ParseError::new(
            line,
            ParseErrorKind::NotANumber(t.chars().take(40).collect()),
        )),
    }
}

/// Splits a data line into fields: on commas when the line has any, else
/// semicolons, else tabs, else runs of spaces. With a delimiter, empty
/// fields are kept (so `1,,3` has three columns).
pub(crate) fn fields(line: &str) -> impl Iterator<Item = &str> {
    let delim = [',', ';', '\t'].into_iter().find(|d| line.contains(*d));
    let (a, b) = match delim {
        Some(d) => (Some(line.split(d).map(str::trim)), None),
        None => (None, Some(line.split_whitespace())),
    };
    a.into_iter().flatten().chain(b.into_iter().flatten())
}

/// Fills `origin_ms` from the first RR interval when the format has no
/// better start.
pub(crate) fn origin_from_first_rr(rec: &Recording) -> Millis {
    rec.rr
        .first()
        .map_or(0, |r| r.t_ms.saturating_sub(r.rr_ms.round() as Millis))
}
