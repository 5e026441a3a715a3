//! Polar Precision Performance `.hrm` (version 1.06), as exported by Polar
//! watches and strap receivers (../shared/data/polar-rest-exercise).
//!
//! INI-like sections. `[Params]` holds `Interval=` (238 means the file holds
//! R-R intervals; any other value is the HR sampling interval in seconds),
//! `Date=` and `StartTime=` (local time, no time zone: kept as metadata,
//! not as a unix time). `[HRData]` holds one row per sample: in R-R mode the
//! first column is an RR interval in ms; in HR mode the first column is the
//! heart rate in bpm. Other sections are ignored. Beat times are the
//! cumulative RR sum from 0.
use super::{
    Event, EventReader, ParseError, ParseErrorKind, Recording, Summary, fields, number,
    numbered_lines,
};
use crate::Millis;
use crate::beats::{HrSample, TimedRr};

/// `Interval` value that marks R-R data.
pub const RR_MODE_INTERVAL: f64 = 238.0;

/// Parses a Polar `.hrm` file (two passes over it, as a file is read:
/// [`Params`], then [`Reader`]).
pub fn parse(text: &str) -> Result<Recording, ParseError> {
    let lines = || numbered_lines(text).map(Ok);
    super::read_all(Reader::new(Params::scan(lines())?, lines()))
}

/// What a `.hrm` line is, the section it is in being known.
enum Line<'a> {
    Section(&'a str),
    Param(&'a str, &'a str),
    /// A row of `[HRData]`: its first value.
    Value(f64),
    Other,
}

/// Reads a line of `section` (every line is checked the same way in
/// both passes).
fn line<'a>(section: &str, no: usize, line: &'a str) -> Result<Line<'a>, ParseError> {
    let l = line.trim();
    if l.is_empty() {
        return Ok(Line::Other);
    }
    if let Some(name) = l.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        return Ok(Line::Section(name));
    }
    match section {
        "Params" => Ok(l
            .split_once('=')
            .map_or(Line::Other, |(k, v)| Line::Param(k.trim(), v.trim()))),
        "HRData" => {
            let first = fields(l)
                .next()
                .ok_or(ParseError::new(no, ParseErrorKind::Expected("a value")))?;
            let v = number(first, no)?;
            if v < 0.0 {
                return Err(ParseError::new(no, ParseErrorKind::BadRr(v)));
            }
            Ok(Line::Value(v))
        }
        _ => Ok(Line::Other),
    }
}

/// What the first pass over a `.hrm` finds: the sampling interval (R-R
/// or HR mode), every line checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    interval: f64,
}

impl Params {
    /// The first pass: a bad line fails here with its number, before the
    /// rest is read.
    pub fn scan<S: AsRef<str>>(
        lines: impl Iterator<Item = Result<(usize, S), ParseError>>,
    ) -> Result<Self, ParseError> {
        let mut section = String::new();
        let mut interval: Option<f64> = None;
        let (mut saw_params, mut saw_data, mut rows) = (false, false, 0u64);
        for l in lines {
            let (no, l) = l?;
            match line(&section, no, l.as_ref())? {
                Line::Section(name) => {
                    section = name.to_string();
                    saw_params |= section == "Params";
                    saw_data |= section == "HRData";
                }
                Line::Param("Interval", v) => interval = Some(number(v, no)?),
                Line::Value(_) => rows += 1,
                Line::Param(..) | Line::Other => {}
            }
        }
        if !saw_params {
            return Err(ParseError::new(
                1,
                ParseErrorKind::Expected("[Params] section"),
            ));
        }
        let interval = interval.ok_or(ParseError::new(
            0,
            ParseErrorKind::Expected("Interval= in [Params]"),
        ))?;
        if !saw_data {
            return Err(ParseError::new(
                0,
                ParseErrorKind::Expected("an [HRData] section (the R-R or HR rows)"),
            ));
        }
        if rows == 0 {
            return Err(ParseError::new(
                0,
                ParseErrorKind::NoData("an R-R or HR value under [HRData]"),
            ));
        }
        if interval != RR_MODE_INTERVAL && !(interval > 0.0 && interval <= 3600.0) {
            return Err(ParseError::new(0, ParseErrorKind::BadRate(interval)));
        }
        Ok(Self { interval })
    }
}

/// A `.hrm` as it is read, given its [`Params`]: R-R intervals timed by
/// their cumulative sum from 0, or HR samples every `Interval` seconds.
pub struct Reader<I> {
    lines: I,
    params: Params,
    section: String,
    /// Rows read so far (HR mode: the sample index).
    rows: u64,
    /// RR sum so far (R-R mode).
    acc: f64,
    meta: Vec<(String, String)>,
    failed: bool,
}

impl<I> Reader<I> {
    /// The second pass.
    pub fn new(params: Params, lines: I) -> Self {
        Self {
            lines,
            params,
            section: String::new(),
            rows: 0,
            acc: 0.0,
            meta: Vec::new(),
            failed: false,
        }
    }

    fn event(&mut self, no: usize, l: &str) -> Result<Option<Event>, ParseError> {
        match line(&self.section, no, l)? {
            Line::Section(name) => self.section = name.to_string(),
            Line::Param(k, v) => {
                if matches!(k, "Date" | "StartTime" | "Monitor" | "Version" | "Length") {
                    self.meta.push((k.to_string(), v.to_string()));
                }
            }
            Line::Value(v) => {
                let i = self.rows;
                self.rows += 1;
                // A zero is a recording artefact, not a value: dropped (the
                // cumulative clock is not advanced by it either).
                if v <= 0.0 {
                    return Ok(None);
                }
                if self.params.interval == RR_MODE_INTERVAL {
                    super::check_rr(v, v, no)?;
                    self.acc += v;
                    return Ok(Some(Event::Rr(TimedRr {
                        t_ms: self.acc.round() as Millis,
                        rr_ms: v,
                    })));
                }
                return Ok(Some(Event::Hr(HrSample {
                    t_ms: (i as f64 * self.params.interval * 1000.0).round() as Millis,
                    bpm: v,
                })));
            }
            Line::Other => {}
        }
        Ok(None)
    }
}

impl<S: AsRef<str>, I: Iterator<Item = Result<(usize, S), ParseError>>> Iterator for Reader<I> {
    type Item = Result<Event, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.failed {
            let r = match self.lines.next()? {
                Ok((no, l)) => self.event(no, l.as_ref()),
                Err(e) => Err(e),
            };
            match r {
                Ok(Some(e)) => return Some(Ok(e)),
                Ok(None) => {}
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

impl<S: AsRef<str>, I: Iterator<Item = Result<(usize, S), ParseError>>> EventReader for Reader<I> {
    /// No clock: times from 0; `Date`, `StartTime` as metadata.
    fn summary(&self) -> Summary {
        Summary {
            meta: self.meta.clone(),
            ..Summary::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rr_mode() {
        let r = parse("[Params]\r\nInterval=238\r\n[HRData]\r\n800\r\n900\r\n").unwrap();
        assert_eq!(r.rr.len(), 2);
        assert_eq!(r.rr[1].t_ms, 1700);
    }

    #[test]
    fn hr_mode_and_errors() {
        let r = parse("[Params]\nInterval=5\n[HRData]\n60\t0\n61\t0\n").unwrap();
        assert_eq!(r.hr[1].t_ms, 5000);
        assert_eq!(
            parse("[Params]\nInterval=238\n[HRData]\n80x\n")
                .unwrap_err()
                .line,
            4
        );
        assert!(parse("800\n").is_err());
        let e = parse("[Params]\nInterval=238\n").unwrap_err();
        assert!(e.kind.to_string().contains("[HRData]"), "{e}");
        let e = parse("[Params]\nInterval=238\n[HRData]\n800\n1e15\n").unwrap_err();
        assert_eq!((e.line, e.kind), (5, ParseErrorKind::ImplausibleRr(1e15)));
    }
}
