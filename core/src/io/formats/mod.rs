//! File readers: every recording format Steady reads becomes one
//! [`Recording`]. One submodule per format; each reads lines one by one
//! into [`Event`]s (an [`EventReader`]), from `&str` (`parse`, so it can be
//! tested and fuzzed without files) or from a file as it is read
//! ([`events`], errors naming the file), so that a file is never held
//! whole: [`read_path`] gathers the events, [`crate::feed::Stream`] hands
//! them out in time order. Formats are specified in `docs/formats.md`.
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
    /// The value as written in the file (its unit is the file's).
    #[error("RR interval must be a positive number, got {0}")]
    BadRr(f64),
    /// Longer than [`MAX_RR_MS`]: not a heartbeat, nor a pause in a
    /// recording (a unit mix-up or a damaged file). The value as written.
    #[error(
        "RR interval {0} is longer than a day: not a heartbeat, nor a pause in a recording (fix or remove this line)"
    )]
    ImplausibleRr(f64),
    /// A time beyond the year 9999 or before 1970 by as much: a damaged
    /// file, refused so no shift spans millennia. The value as written.
    #[error("time {0} is out of range (a damaged file?)")]
    BadTime(f64),
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
    #[error("sample rate must be between 0.001 and 100000 Hz, got {0}")]
    BadRate(f64),
    /// Not one line with a reading; says what the format expects.
    #[error("no data: not one line with {0}")]
    NoData(&'static str),
    #[error("file is not UTF-8 text")]
    NotUtf8,
    #[error("file is UTF-16 (or binary): save it as UTF-8 text")]
    Utf16,
    /// Reading the file failed part way.
    #[error("reading failed: {0}")]
    Read(String),
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
    /// The content is wrong at a line (or, line 0, as a whole).
    #[error("{}{}: {}", path.display(), line_suffix(error.line), error.kind)]
    Parse { path: PathBuf, error: ParseError },
    /// `--format e4` (or detection) on something that is not an E4 folder.
    #[error("{} is not an Empatica E4 export folder: expected HR.csv and IBI.csv in it, found {found}", path.display())]
    NotE4 { path: PathBuf, found: String },
    /// The file changed between the passes that stream it (written to,
    /// or replaced, while being read).
    #[error("{} changed while it was read (fewer readings on a later pass); read it again once it is complete", path.display())]
    Changed { path: PathBuf },
    /// A folder where a file format was asked for.
    #[error("{} is a folder; {format} reads a file (only E4 exports are folders)", path.display())]
    FolderNotFile { path: PathBuf, format: &'static str },
}

fn line_suffix(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}")
    }
}

/// Longest interval a file may hold between two beats: a day. Intervals
/// longer than the cleaner's `max_rr_ms` (2 s) are not beats but pauses
/// (a dropout, or the offset to the first beat some exports put first, e.g.
/// 225 s in the nsr2db Holter) and become gaps; anything longer than a day
/// is a unit mix-up or damage, refused at read time with its line (a single
/// `1e15` once made a 31,700-year shift that no command could close).
pub const MAX_RR_MS: f64 = 86_400_000.0;

/// Latest (and, negated, earliest) time a file may give, in seconds: the
/// end of the year 9999.
pub const MAX_TIME_S: f64 = 253_402_300_800.0;

/// Checks an RR interval in ms (`as_written` is reported).
pub(crate) fn check_rr(rr_ms: f64, as_written: f64, line: usize) -> Result<(), ParseError> {
    if rr_ms <= 0.0 {
        Err(ParseError::new(line, ParseErrorKind::BadRr(as_written)))
    } else if rr_ms > MAX_RR_MS {
        Err(ParseError::new(
            line,
            ParseErrorKind::ImplausibleRr(as_written),
        ))
    } else {
        Ok(())
    }
}

/// Checks a time in seconds.
pub(crate) fn check_time_s(t_s: f64, line: usize) -> Result<f64, ParseError> {
    if t_s.abs() <= MAX_TIME_S {
        Ok(t_s)
    } else {
        Err(ParseError::new(line, ParseErrorKind::BadTime(t_s)))
    }
}

impl FormatError {
    fn parse(path: &Path, error: ParseError) -> Self {
        Self::Parse {
            path: path.to_path_buf(),
            error,
        }
    }
}

/// Input text from bytes, for fuzzing and byte-oriented callers.
/// UTF-16 (with or without a byte-order mark) is named as such: ASCII in
/// UTF-16 is valid UTF-8 full of NUL bytes and used to read as "no data".
pub fn text_of(bytes: &[u8]) -> Result<&str, ParseError> {
    let head = bytes.get(..bytes.len().min(4096)).unwrap_or(bytes);
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) || head.contains(&0) {
        return Err(ParseError::new(0, ParseErrorKind::Utf16));
    }
    std::str::from_utf8(bytes).map_err(|_| ParseError::new(0, ParseErrorKind::NotUtf8))
}

/// Guesses the format: a folder is E4; `# steady hrm-log` is an hrm-log;
/// `[Params]` is Polar `.hrm`; anything else is RR text.
pub fn detect(path: &Path) -> Result<Format, FormatError> {
    if path.is_dir() {
        return Ok(Format::E4);
    }
    let head = read_head(path)?;
    Ok(detect_text(&String::from_utf8_lossy(&head)))
}

/// The first 4 KiB of a file (format and encoding checks) without reading
/// the rest; UTF-16 is refused here.
fn read_head(path: &Path) -> Result<Vec<u8>, FormatError> {
    use std::io::Read;
    let io = |error| FormatError::Io {
        path: path.to_path_buf(),
        error,
    };
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .map_err(io)?
        .take(4096)
        .read_to_end(&mut head)
        .map_err(io)?;
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) || head.contains(&0) {
        return Err(FormatError::parse(
            path,
            ParseError::new(0, ParseErrorKind::Utf16),
        ));
    }
    Ok(head)
}

/// The numbered lines of a file as it is read ([`file_lines`]).
pub type FileLines = Box<dyn Iterator<Item = Result<(usize, String), ParseError>> + Send>;

/// One thing read from a recording, in file order: what [`Recording`]
/// collects, given one at a time so that a file can be streamed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    Rr(TimedRr),
    Hr(HrSample),
    Motion(MotionSample),
    /// Comes before the first beat after it.
    Gap(Gap),
}

/// What a recording says about itself besides its events; complete once
/// its events are all read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub start_unix_ms: Option<Millis>,
    pub origin_ms: Millis,
    pub dropped_packets: u64,
    pub meta: Vec<(String, String)>,
}

/// A format's reader over lines: events in file order, and the summary
/// once they are read. A bad line is an error as soon as it is read.
pub trait EventReader: Iterator<Item = Result<Event, ParseError>> {
    /// Valid once the events are all read.
    fn summary(&self) -> Summary;
}

/// A recording's events read from disk, errors naming the file.
pub trait Events: Iterator<Item = Result<Event, FormatError>> + Send {
    /// Valid once the events are all read.
    fn summary(&self) -> Summary;
}

/// Which kinds of event a pass needs (a format may skip the files that
/// hold the others: E4 keeps one per file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    pub rr: bool,
    pub hr: bool,
    pub motion: bool,
    pub gaps: bool,
}

impl Want {
    /// Every kind (a whole read, or the checking pass).
    pub const ALL: Want = Want {
        rr: true,
        hr: true,
        motion: true,
        gaps: true,
    };

    fn wants(&self, e: &Event) -> bool {
        match e {
            Event::Rr(_) => self.rr,
            Event::Hr(_) => self.hr,
            Event::Motion(_) => self.motion,
            Event::Gap(_) => self.gaps,
        }
    }
}

/// Opens a recording's events from the start, as many times as asked:
/// how [`crate::feed::Stream`] reads a file in several passes instead of
/// holding it.
pub type Opener = Box<dyn Fn(Want) -> Result<Box<dyn Events>, FormatError> + Send>;

/// An [`EventReader`] over a file's lines, errors naming the file.
struct OnFile<R> {
    path: PathBuf,
    reader: R,
    want: Want,
}

impl<R: EventReader> Iterator for OnFile<R> {
    type Item = Result<Event, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.reader.next()? {
                Ok(e) if !self.want.wants(&e) => continue,
                Ok(e) => return Some(Ok(e)),
                Err(error) => {
                    return Some(Err(FormatError::Parse {
                        path: self.path.clone(),
                        error,
                    }));
                }
            }
        }
    }
}

impl<R: EventReader + Send> Events for OnFile<R> {
    fn summary(&self) -> Summary {
        self.reader.summary()
    }
}

/// A file format's opener from its reader over the file's lines.
fn lines_opener<R, F>(path: &Path, reader: F) -> Opener
where
    R: EventReader + Send + 'static,
    F: Fn(FileLines) -> R + Send + 'static,
{
    let path = path.to_path_buf();
    Box::new(move |want| {
        let lines: FileLines = Box::new(file_lines(&path)?);
        Ok(Box::new(OnFile {
            path: path.clone(),
            reader: reader(lines),
            want,
        }) as Box<dyn Events>)
    })
}

/// The opener of a recording's events; `format` None means [`detect`].
/// RR text and Polar `.hrm` are read once here (units, sampling interval).
pub fn events(path: &Path, format: Option<Format>) -> Result<Opener, FormatError> {
    let format = match format {
        Some(f) => f,
        None => detect(path)?,
    };
    if format != Format::E4 && path.is_dir() {
        let format = match format {
            Format::Rr => "--format rr",
            Format::HrmLog => "--format hrm-log",
            _ => "--format polar-hrm",
        };
        return Err(FormatError::FolderNotFile {
            path: path.to_path_buf(),
            format,
        });
    }
    let parse = |e| FormatError::parse(path, e);
    Ok(match format {
        Format::E4 => e4::opener(path)?,
        Format::Rr => {
            let plan = rr::Plan::survey(file_lines(path)?).map_err(parse)?;
            lines_opener(path, move |lines| rr::Reader::new(plan, lines))
        }
        Format::HrmLog => lines_opener(path, hrm_log::Reader::new),
        Format::PolarHrm => {
            let params = polar_hrm::Params::scan(file_lines(path)?).map_err(parse)?;
            lines_opener(path, move |lines| polar_hrm::Reader::new(params, lines))
        }
    })
}

/// All the events of a reader over text, gathered into a recording.
pub(crate) fn read_all(mut reader: impl EventReader) -> Result<Recording, ParseError> {
    let mut rec = gather(&mut reader)?;
    rec.apply(reader.summary());
    Ok(rec)
}

/// The events of an iterator gathered in file order (summary not set).
fn gather<E>(events: &mut dyn Iterator<Item = Result<Event, E>>) -> Result<Recording, E> {
    let mut rec = Recording::default();
    for e in events {
        match e? {
            Event::Rr(r) => rec.rr.push(r),
            Event::Hr(h) => rec.hr.push(h),
            Event::Motion(m) => rec.motion.push(m),
            Event::Gap(g) => rec.gaps.push(g),
        }
    }
    Ok(rec)
}

impl Recording {
    fn apply(&mut self, s: Summary) {
        self.start_unix_ms = s.start_unix_ms;
        self.origin_ms = s.origin_ms;
        self.dropped_packets = s.dropped_packets;
        self.meta = s.meta;
    }
}

/// The lines of a file as it is read (1-based numbers, trailing `\r` and a
/// byte-order mark removed), for readers that stream.
pub(crate) fn file_lines(
    path: &Path,
) -> Result<impl Iterator<Item = Result<(usize, String), ParseError>> + Send + 'static, FormatError>
{
    use std::io::BufRead;
    read_head(path)?;
    let file = std::fs::File::open(path).map_err(|error| FormatError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    let lines = std::io::BufReader::with_capacity(64 * 1024, file).lines();
    Ok(lines.enumerate().map(|(i, l)| match l {
        Ok(mut l) => {
            if l.ends_with('\r') {
                l.pop();
            }
            if let Some(rest) = l.strip_prefix('\u{feff}') {
                l = rest.to_string();
            }
            Ok((i + 1, l))
        }
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            Err(ParseError::new(i + 1, ParseErrorKind::NotUtf8))
        }
        Err(e) => Err(ParseError::new(i + 1, ParseErrorKind::Read(e.to_string()))),
    }))
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

/// Reads a recording whole; `format` None means [`detect`]. The file is
/// read line by line (its text is never held, only what it holds).
pub fn read_path(path: &Path, format: Option<Format>) -> Result<Recording, FormatError> {
    let mut events = events(path, format)?(Want::ALL)?;
    let mut rec = gather(&mut events)?;
    rec.apply(events.summary());
    Ok(rec)
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
