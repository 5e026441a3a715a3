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
use std::path::Path;

use super::{
    FormatError, MotionSample, ParseError, ParseErrorKind, Recording, fields, number,
    numbered_lines, read_text,
};
use crate::Millis;
use crate::beats::{HrSample, TimedRr};

/// Header of an E4 signal file: start (unix ms) and rate (Hz), and the
/// remaining data lines.
fn header(
    text: &str,
    with_rate: bool,
) -> Result<(Millis, f64, impl Iterator<Item = (usize, &str)>), ParseError> {
    let mut lines = numbered_lines(text).filter(|(_, l)| !l.trim().is_empty());
    let (no, first) = lines.next().ok_or(ParseError::new(
        1,
        ParseErrorKind::Expected("start time (unix s)"),
    ))?;
    let start_s = number(
        fields(first).next().ok_or(ParseError::new(
            no,
            ParseErrorKind::Expected("start time (unix s)"),
        ))?,
        no,
    )?;
    let start_ms = (super::check_time_s(start_s, no)? * 1000.0).round() as Millis;
    let rate = if with_rate {
        let (no, l) = lines.next().ok_or(ParseError::new(
            2,
            ParseErrorKind::Expected("sample rate (Hz)"),
        ))?;
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
        r
    } else {
        0.0
    };
    Ok((start_ms, rate, lines))
}

/// Parses `HR.csv` into samples; returns the start time too.
pub fn parse_hr(text: &str) -> Result<(Millis, Vec<HrSample>), ParseError> {
    let (start, rate, lines) = header(text, true)?;
    let mut out = Vec::new();
    for (i, (no, l)) in lines.enumerate() {
        let v = number(
            fields(l)
                .next()
                .ok_or(ParseError::new(no, ParseErrorKind::Expected("bpm")))?,
            no,
        )?;
        out.push(HrSample {
            t_ms: start.saturating_add((i as f64 * 1000.0 / rate).round() as Millis),
            bpm: v,
        });
    }
    Ok((start, out))
}

/// Parses `IBI.csv` into timed RR intervals (ms); returns the start too.
pub fn parse_ibi(text: &str) -> Result<(Millis, Vec<TimedRr>), ParseError> {
    let (start, _, lines) = header(text, false)?;
    let mut out = Vec::new();
    for (no, l) in lines {
        let mut f = fields(l);
        let t = number(
            f.next()
                .ok_or(ParseError::new(no, ParseErrorKind::Expected("t_s, ibi_s")))?,
            no,
        )?;
        let ibi = number(
            f.next()
                .ok_or(ParseError::new(no, ParseErrorKind::Expected("t_s, ibi_s")))?,
            no,
        )?;
        super::check_rr(ibi * 1000.0, ibi, no)?;
        let t = super::check_time_s(t, no)?;
        out.push(TimedRr {
            t_ms: start.saturating_add((t * 1000.0).round() as Millis),
            rr_ms: ibi * 1000.0,
        });
    }
    Ok((start, out))
}

/// Parses `ACC.csv` into magnitude samples; returns the start too.
pub fn parse_acc(text: &str) -> Result<(Millis, Vec<MotionSample>), ParseError> {
    let (start, rate, lines) = header(text, true)?;
    let mut out = Vec::new();
    for (i, (no, l)) in lines.enumerate() {
        let mut f = fields(l);
        let mut axis = || -> Result<f64, ParseError> {
            number(
                f.next()
                    .ok_or(ParseError::new(no, ParseErrorKind::Expected("x, y, z")))?,
                no,
            )
        };
        let (x, y, z) = (axis()?, axis()?, axis()?);
        out.push(MotionSample {
            t_ms: start.saturating_add((i as f64 * 1000.0 / rate).round() as Millis),
            magnitude_g: (x * x + y * y + z * z).sqrt() / 64.0,
        });
    }
    Ok((start, out))
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

/// Parses the three files' texts (ACC optional).
pub fn parse(hr: &str, ibi: &str, acc: Option<&str>) -> Result<Recording, (E4File, ParseError)> {
    let (hr_start, hr) = parse_hr(hr).map_err(|e| (E4File::Hr, e))?;
    let (ibi_start, rr) = parse_ibi(ibi).map_err(|e| (E4File::Ibi, e))?;
    let (acc_start, motion) = match acc {
        Some(a) => {
            let (s, m) = parse_acc(a).map_err(|e| (E4File::Acc, e))?;
            (Some(s), m)
        }
        None => (None, Vec::new()),
    };
    let start = acc_start.map_or(hr_start.min(ibi_start), |a| a.min(hr_start).min(ibi_start));
    Ok(Recording {
        start_unix_ms: Some(start),
        origin_ms: start,
        rr,
        hr,
        motion,
        ..Recording::default()
    })
}

/// Reads an E4 folder.
pub fn read_dir(dir: &Path) -> Result<Recording, FormatError> {
    let missing = [E4File::Hr, E4File::Ibi]
        .iter()
        .any(|f| !dir.join(f.name()).is_file());
    if missing {
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
        return Err(FormatError::NotE4 {
            path: dir.to_path_buf(),
            found,
        });
    }
    let hr = read_text(&dir.join(E4File::Hr.name()))?;
    let ibi = read_text(&dir.join(E4File::Ibi.name()))?;
    let acc_path = dir.join(E4File::Acc.name());
    let acc = if acc_path.exists() {
        Some(read_text(&acc_path)?)
    } else {
        None
    };
    parse(&hr, &ibi, acc.as_deref()).map_err(|(f, error)| FormatError::Parse {
        path: dir.join(f.name()),
        error,
    })
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
