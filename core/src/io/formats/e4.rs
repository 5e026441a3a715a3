//! Empatica E4 export folder: `HR.csv`, `IBI.csv` and optional `ACC.csv`
//! (as in ../shared/data/stress-predict/SXX).
//!
//! - `HR.csv`: row 1 = session start (unix seconds, UTC), row 2 = sample
//!   rate (Hz), then one bpm per row (E4: 1 Hz, each value the average of
//!   the preceding 10 s). Sample i is at start + i / rate. -> [`Recording::hr`]
//! - `IBI.csv`: row 1 = `start, IBI`, then `t_s, ibi_s`: the time (seconds
//!   from start) of the beat that closes the interval, and its length in
//!   seconds. Optical and sparse: rows are missing wherever the device lost
//!   the pulse. Beat times are the file's own (start + t_s), so two rows
//!   whose times do not meet (`t - ibi` != previous `t`) have a gap between
//!   them. -> [`Recording::rr`] (ms)
//! - `ACC.csv`: row 1 = start (three columns), row 2 = rate (32 Hz), then
//!   `x, y, z` in 1/64 g. Each row becomes |a| = sqrt(x²+y²+z²) / 64 in g at
//!   start + i / rate. -> [`Recording::motion`] (every sample is kept)
//!
//! [`Recording::start_unix_ms`] and [`Recording::origin_ms`] are the earliest
//! of the files' start times (E4's HR.csv starts 10 s after the others).
use std::path::{Path, PathBuf};

use super::{
    Event, Events, FileLines, FormatError, MotionSample, Opener, ParseError, ParseErrorKind,
    Recording, Summary, Want, fields, number, numbered_lines,
};
use crate::Millis;
use crate::beats::{HrSample, TimedRr};

/// One E4 signal file as it is read: its header (start, rate), then one
/// event per data row. Memory does not grow with the file.
pub struct Reader<I> {
    file: E4File,
    lines: I,
    start_ms: Option<Millis>,
    rate: Option<f64>,
    /// Data rows read so far (the sample index).
    i: u64,
    done: bool,
}

impl<I> Reader<I> {
    pub fn new(file: E4File, lines: I) -> Self {
        Self {
            file,
            lines,
            start_ms: None,
            // IBI.csv has no rate row.
            rate: (file == E4File::Ibi).then_some(0.0),
            i: 0,
            done: false,
        }
    }

    /// The file's start (unix ms), once its first row is read.
    pub fn start_ms(&self) -> Option<Millis> {
        self.start_ms
    }

    /// One non-empty line: a header row, or a data row's event.
    fn line(&mut self, no: usize, l: &str) -> Result<Option<Event>, ParseError> {
        let Some(start) = self.start_ms else {
            let s = number(
                fields(l).next().ok_or(ParseError::new(
                    no,
                    ParseErrorKind::Expected("start time (unix s)"),
                ))?,
                no,
            )?;
            self.start_ms = Some((super::check_time_s(s, no)? * 1000.0).round() as Millis);
            return Ok(None);
        };
        let Some(rate) = self.rate else {
            let r = number(
                fields(l).next().ok_or(ParseError::new(
                    no,
                    ParseErrorKind::Expected("sample rate (Hz)"),
                ))?,
                no,
            )?;
            // Beyond these a sample's time leaves the calendar.
            if !(0.001..=100_000.0).contains(&r) {
                return Err(ParseError::new(no, ParseErrorKind::BadRate(r)));
            }
            self.rate = Some(r);
            return Ok(None);
        };
        let at = |i: u64| start.saturating_add((i as f64 * 1000.0 / rate).round() as Millis);
        let i = self.i;
        self.i += 1;
        let mut f = fields(l);
        let expected = |what| ParseError::new(no, ParseErrorKind::Expected(what));
        Ok(Some(match self.file {
            E4File::Hr => Event::Hr(HrSample {
                t_ms: at(i),
                bpm: number(f.next().ok_or(expected("bpm"))?, no)?,
            }),
            E4File::Ibi => {
                let t = number(f.next().ok_or(expected("t_s, ibi_s"))?, no)?;
                let ibi = number(f.next().ok_or(expected("t_s, ibi_s"))?, no)?;
                super::check_rr(ibi * 1000.0, ibi, no)?;
                let t = super::check_time_s(t, no)?;
                Event::Rr(TimedRr {
                    t_ms: start.saturating_add((t * 1000.0).round() as Millis),
                    rr_ms: ibi * 1000.0,
                })
            }
            E4File::Acc => {
                let mut axis = || number(f.next().ok_or(expected("x, y, z"))?, no);
                let (x, y, z) = (axis()?, axis()?, axis()?);
                Event::Motion(MotionSample {
                    t_ms: at(i),
                    magnitude_g: (x * x + y * y + z * z).sqrt() / 64.0,
                })
            }
        }))
    }
}

impl<S: AsRef<str>, I: Iterator<Item = Result<(usize, S), ParseError>>> Iterator for Reader<I> {
    type Item = Result<Event, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let r = match self.lines.next() {
                Some(Ok((_, l))) if l.as_ref().trim().is_empty() => continue,
                Some(Ok((no, l))) => self.line(no, l.as_ref()),
                Some(Err(e)) => Err(e),
                None => {
                    self.done = true;
                    match (self.start_ms, self.rate) {
                        (None, _) => Err(ParseError::new(
                            1,
                            ParseErrorKind::Expected("start time (unix s)"),
                        )),
                        (_, None) => Err(ParseError::new(
                            2,
                            ParseErrorKind::Expected("sample rate (Hz)"),
                        )),
                        _ => return None,
                    }
                }
            };
            match r {
                Ok(Some(e)) => return Some(Ok(e)),
                Ok(None) => {}
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

/// Which file of the folder an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum E4File {
    Hr,
    Ibi,
    Acc,
}

impl E4File {
    /// File name inside the folder.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hr => "HR.csv",
            Self::Ibi => "IBI.csv",
            Self::Acc => "ACC.csv",
        }
    }
}

/// Parses the three files' texts (ACC optional), one after the other as
/// a folder is read ([`super::read_path`]).
pub fn parse(hr: &str, ibi: &str, acc: Option<&str>) -> Result<Recording, (E4File, ParseError)> {
    let mut rec = Recording::default();
    let mut start: Option<Millis> = None;
    for (file, text) in [
        (E4File::Hr, Some(hr)),
        (E4File::Ibi, Some(ibi)),
        (E4File::Acc, acc),
    ] {
        let Some(text) = text else { continue };
        let mut reader = Reader::new(file, numbered_lines(text).map(Ok));
        for e in reader.by_ref() {
            match e.map_err(|e| (file, e))? {
                Event::Rr(r) => rec.rr.push(r),
                Event::Hr(h) => rec.hr.push(h),
                Event::Motion(m) => rec.motion.push(m),
                Event::Gap(g) => rec.gaps.push(g),
            }
        }
        start = earliest(start, reader.start_ms());
    }
    rec.start_unix_ms = start;
    rec.origin_ms = start.unwrap_or(0);
    Ok(rec)
}

/// The earlier of two starts.
fn earliest(a: Option<Millis>, b: Option<Millis>) -> Option<Millis> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Checks that `dir` is an E4 folder (HR.csv and IBI.csv in it), else says
/// what it found.
fn check_dir(dir: &Path) -> Result<(), FormatError> {
    let missing = [E4File::Hr, E4File::Ibi]
        .iter()
        .any(|f| !dir.join(f.name()).is_file());
    if !missing {
        return Ok(());
    }
    let found = if dir.is_file() {
        "a file".to_string()
    } else if !dir.exists() {
        "nothing (no such folder)".to_string()
    } else {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|it| {
                it.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        match names.len() {
            0 => "an empty folder".to_string(),
            n if n > 8 => format!(
                "{} and {} more",
                names.get(..8).unwrap_or_default().join(", "),
                n - 8
            ),
            _ => names.join(", "),
        }
    };
    Err(FormatError::NotE4 {
        path: dir.to_path_buf(),
        found,
    })
}

/// The opener of an E4 folder's events: each pass reads the files it
/// needs (HR.csv for HR, IBI.csv for RR, ACC.csv for motion) line by
/// line, one after the other.
pub(crate) fn opener(dir: &Path) -> Result<Opener, FormatError> {
    check_dir(dir)?;
    let dir = dir.to_path_buf();
    let acc = dir.join(E4File::Acc.name()).exists();
    Ok(Box::new(move |want: Want| {
        let mut files = Vec::with_capacity(3);
        if want.hr || want.gaps {
            files.push(E4File::Hr);
        }
        if want.rr || want.gaps {
            files.push(E4File::Ibi);
        }
        if acc && (want.motion || want.gaps) {
            files.push(E4File::Acc);
        }
        Ok(Box::new(Folder {
            dir: dir.clone(),
            files: files.into_iter(),
            current: None,
            start: None,
        }) as Box<dyn Events>)
    }))
}

/// An E4 folder's files read one after the other.
struct Folder {
    dir: PathBuf,
    files: std::vec::IntoIter<E4File>,
    current: Option<Reader<FileLines>>,
    start: Option<Millis>,
}

impl Iterator for Folder {
    type Item = Result<Event, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(reader) = &mut self.current {
                match reader.next() {
                    Some(Ok(e)) => return Some(Ok(e)),
                    Some(Err(error)) => {
                        let path = self.dir.join(reader.file.name());
                        self.files = Vec::new().into_iter();
                        self.current = None;
                        return Some(Err(FormatError::Parse { path, error }));
                    }
                    None => {
                        self.start = earliest(self.start, reader.start_ms());
                        self.current = None;
                    }
                }
            }
            let file = self.files.next()?;
            match super::file_lines(&self.dir.join(file.name())) {
                Ok(lines) => self.current = Some(Reader::new(file, Box::new(lines))),
                Err(e) => {
                    self.files = Vec::new().into_iter();
                    return Some(Err(e));
                }
            }
        }
    }
}

impl Events for Folder {
    /// The earliest of the files' starts (HR.csv starts 10 s after the
    /// others).
    fn summary(&self) -> Summary {
        Summary {
            start_unix_ms: self.start,
            origin_ms: self.start.unwrap_or(0),
            ..Summary::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_folder() {
        let hr = "1000.0\n1.0\n60\n61\n";
        let ibi = "1000.0, IBI\n1.0,1.0\n2.0,1.0\n";
        let acc = "1000.0, 1000.0, 1000.0\n32.0, 32.0, 32.0\n0,0,64\n0,64,0\n";
        let r = parse(hr, ibi, Some(acc)).unwrap();
        assert_eq!(r.origin_ms, 1_000_000);
        assert_eq!(r.hr[1].t_ms, 1_001_000);
        assert_eq!(r.rr[1].t_ms, 1_002_000);
        assert_eq!(r.rr[1].rr_ms, 1000.0);
        assert_eq!(r.motion.len(), 2);
        assert_eq!(r.motion[1].magnitude_g, 1.0);
        assert_eq!(r.motion[1].t_ms, 1_000_031);
    }

    #[test]
    fn absurd_start_times_are_refused_with_their_line() {
        // Found by the e4 fuzz target: start * 1000 saturated, then +
        // offset overflowed; later a shift spanning millennia. Refused.
        let (f, e) = parse(
            "1e300\n1\n60\n61\n",
            "-1e300, IBI\n1,1\n",
            Some("1e300\n32\n1,1,1\n"),
        )
        .unwrap_err();
        assert_eq!((f, e.line), (E4File::Hr, 1));
        assert!(matches!(e.kind, ParseErrorKind::BadTime(_)));
        let (f, e) = parse("1000\n1\n60\n", "1000, IBI\n1,1\n5,1e20\n", None).unwrap_err();
        assert_eq!((f, e.line), (E4File::Ibi, 3));
        assert!(matches!(e.kind, ParseErrorKind::ImplausibleRr(_)));
        let (_, e) = parse("1000\n1e-300\n60\n", "1000, IBI\n", None).unwrap_err();
        assert!(matches!(e.kind, ParseErrorKind::BadRate(_)));
    }

    #[test]
    fn errors_name_file_and_line() {
        let (f, e) = parse("1000\n1\n60\n", "1000, IBI\n1.0,x\n", None).unwrap_err();
        assert_eq!(f, E4File::Ibi);
        assert_eq!(e.line, 2);
        let (f, e) = parse("1000\n0\n", "1000, IBI\n", None).unwrap_err();
        assert_eq!((f, e.line), (E4File::Hr, 2));
    }
}
