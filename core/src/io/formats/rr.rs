//! RR text (Kubios's RR import and common exports).
//!
//! - One RR interval per line, in ms. When the median value is below 10 the
//!   column is taken as seconds (Kubios accepts both) and scaled.
//! - Or columns: `seconds,rr_ms` (comma, semicolon, tab or spaces). Extra
//!   columns are ignored. A header line names the columns: the RR column
//!   is the first whose name is `rr`, `rr_ms`, `rri`, `ibi`, `ibi_ms`, `nn`
//!   or contains `rr`; the time column is the first named `seconds`, `t_s`,
//!   `t`, `time`, `time_s`, `t_end_s` or `timestamp_s`. Without a header,
//!   one column is RR and two or more are `seconds, rr_ms`.
//! - Header lines (non-numeric) are tolerated before the first data line;
//!   `#` comments and empty lines anywhere.
//!
//! Times: without a time column, beat end times are the cumulative RR sum
//! from 0. With one, the file's clock is used the way a BLE stream's is:
//! cumulative RR anchored at the first row's time, re-anchored after a gap
//! (the clock running more than [`crate::beats::GAP_LAG_MS`] ahead of the
//! RR sum).
use super::{
    Event, EventReader, ParseError, ParseErrorKind, Recording, Summary, fields, number,
    numbered_lines,
};
use crate::Millis;
use crate::beats::{GAP_LAG_MS, RrTimeline, TimedRr};
use crate::formats::Gap;

const RR_NAMES: [&str; 6] = ["rr", "rr_ms", "rri", "ibi", "ibi_ms", "nn"];
const TIME_NAMES: [&str; 7] = [
    "seconds",
    "t_s",
    "t",
    "time",
    "time_s",
    "t_end_s",
    "timestamp_s",
];

/// What an RR text file must hold (said when it holds none).
const NO_DATA: &str =
    "a number (expected one RR interval per line, in ms or s, or time and RR columns)";

struct Columns {
    rr: usize,
    time: Option<usize>,
}

fn columns_from_header(header: &[String]) -> Option<Columns> {
    let lower: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
    let rr = lower
        .iter()
        .position(|h| RR_NAMES.contains(&h.as_str()))
        .or_else(|| lower.iter().position(|h| h.contains("rr")))?;
    let time = lower.iter().position(|h| TIME_NAMES.contains(&h.as_str()));
    Some(Columns { rr, time })
}

/// Parses RR text (two passes over it, as a file is read: [`Plan`], then
/// [`Reader`]).
pub fn parse(text: &str) -> Result<Recording, ParseError> {
    let lines = || numbered_lines(text).map(Ok);
    super::read_all(Reader::new(Plan::survey(lines())?, lines()))
}

/// One data row: line number, time column (s) when there is one, RR as
/// written.
#[derive(Debug, Clone, Copy)]
struct Row {
    no: usize,
    time: Option<f64>,
    rr: f64,
}

/// The data rows of RR text, header lines consumed, each checked in both
/// units (so a bad line fails as soon as it is read).
struct Rows<I> {
    lines: I,
    header: Option<Columns>,
    width: Option<usize>,
    seen_data: bool,
}

impl<I> Rows<I> {
    fn new(lines: I) -> Self {
        Self {
            lines,
            header: None,
            width: None,
            seen_data: false,
        }
    }
}

impl<S: AsRef<str>, I: Iterator<Item = Result<(usize, S), ParseError>>> Iterator for Rows<I> {
    type Item = Result<Row, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (no, line) = match self.lines.next()? {
                Ok(l) => l,
                Err(e) => return Some(Err(e)),
            };
            let l = line.as_ref().trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = fields(l).collect();
            let w = *self.width.get_or_insert(f.len());
            let cols = match &self.header {
                Some(c) => Columns {
                    rr: c.rr,
                    time: c.time,
                },
                None if w >= 2 => Columns {
                    rr: 1,
                    time: Some(0),
                },
                None => Columns { rr: 0, time: None },
            };
            let parsed = (|| -> Result<(Option<f64>, f64), ParseError> {
                let rr_field = f.get(cols.rr).ok_or(ParseError::new(
                    no,
                    ParseErrorKind::Expected("an RR column"),
                ))?;
                let rr = number(rr_field, no)?;
                let time = match cols.time {
                    Some(i) => Some(number(
                        f.get(i).ok_or(ParseError::new(
                            no,
                            ParseErrorKind::Expected("a time column"),
                        ))?,
                        no,
                    )?),
                    None => None,
                };
                Ok((time, rr))
            })();
            let (time, rr) = match parsed {
                Ok(v) => v,
                Err(_) if !self.seen_data && f.iter().any(|x| x.parse::<f64>().is_err()) => {
                    // Header line(s) before the data: they may name the columns.
                    let names: Vec<String> = f.iter().map(|s| s.to_string()).collect();
                    if let Some(c) = columns_from_header(&names) {
                        self.header = Some(c);
                    }
                    self.width = None;
                    continue;
                }
                Err(e) => return Some(Err(e)),
            };
            // Wrong in either unit (ms or s): fail here, before reading on.
            if (rr <= 0.0 || rr > super::MAX_RR_MS)
                && let Err(e) = super::check_rr(rr, rr, no)
            {
                return Some(Err(e));
            }
            if let Some(t) = time
                && let Err(e) = super::check_time_s(t, no)
            {
                return Some(Err(e));
            }
            self.seen_data = true;
            return Some(Ok(Row { no, time, rr }));
        }
    }
}

/// What the first pass over the rows finds before any beat is timed:
/// whether the column is seconds or ms, and whether there is a time column.
#[derive(Debug, Clone, Default)]
struct Survey {
    rows: u64,
    /// Rows whose value is below 10 (a median below 10 means seconds).
    below_10: u64,
    has_time: bool,
}

impl Survey {
    fn add(&mut self, row: &Row) {
        if self.rows == 0 {
            self.has_time = row.time.is_some();
        }
        self.rows += 1;
        if row.rr < 10.0 {
            self.below_10 += 1;
        }
    }

    /// Seconds or milliseconds: physiological RR is 0.3-2 s or 300-2000
    /// ms; the median decides (it is below 10 exactly when more than half
    /// the values are).
    fn scale(&self) -> f64 {
        if self.below_10 > self.rows / 2 {
            1000.0
        } else {
            1.0
        }
    }
}

/// How to time the rows of an RR text, found by a first pass over all of
/// them (which checks every line: a bad line fails here, before any beat
/// is timed, and before the rest of the file is read).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    scale: f64,
    has_time: bool,
}

impl Plan {
    /// The first pass.
    pub fn survey<S: AsRef<str>>(
        lines: impl Iterator<Item = Result<(usize, S), ParseError>>,
    ) -> Result<Self, ParseError> {
        let mut survey = Survey::default();
        for row in Rows::new(lines) {
            survey.add(&row?);
        }
        if survey.rows == 0 {
            return Err(ParseError::new(0, ParseErrorKind::NoData(NO_DATA)));
        }
        Ok(Self {
            scale: survey.scale(),
            has_time: survey.has_time,
        })
    }

    /// Whether the file has a time column (else times are the RR sum from 0).
    pub fn has_time(&self) -> bool {
        self.has_time
    }
}

/// A timed beat or a gap, in file order.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Timed {
    Rr(TimedRr),
    /// Between two rows whose times do not meet; comes before the first
    /// beat after it.
    Gap(Gap),
}

/// Gives beat times to rows: the cumulative RR sum from 0, or the file's
/// clock through [`RrTimeline`] (see the module doc).
#[derive(Debug, Clone)]
struct Timer {
    scale: f64,
    has_time: bool,
    acc: f64,
    tl: RrTimeline,
    last_end: Option<Millis>,
}

impl Timer {
    fn new(scale: f64, has_time: bool) -> Self {
        Self {
            scale,
            has_time,
            acc: 0.0,
            tl: RrTimeline::new(GAP_LAG_MS),
            last_end: None,
        }
    }

    fn push(&mut self, row: Row, mut out: impl FnMut(Timed)) -> Result<(), ParseError> {
        let rr = row.rr * self.scale;
        super::check_rr(rr, row.rr, row.no)?;
        if !self.has_time {
            self.acc += rr;
            out(Timed::Rr(TimedRr {
                t_ms: self.acc.round() as Millis,
                rr_ms: rr,
            }));
            return Ok(());
        }
        let t = row.time.ok_or(ParseError::new(
            row.no,
            ParseErrorKind::Expected("a time column"),
        ))?;
        let t_ms = (super::check_time_s(t, row.no)? * 1000.0).round() as Millis;
        let mut beat: Option<TimedRr> = None;
        let regap = self.tl.push_packet(t_ms, [rr], |r| beat = Some(r));
        if regap && let (Some(prev), Some(f)) = (self.last_end, beat) {
            out(Timed::Gap(Gap {
                start_ms: prev,
                end_ms: f.t_ms.saturating_sub(f.rr_ms.round() as Millis),
            }));
        }
        if let Some(r) = beat {
            out(Timed::Rr(r));
            self.last_end = Some(r.t_ms);
        }
        Ok(())
    }
}

/// RR text as it streams, timed by a [`Plan`] made by a first pass over
/// the same lines: events in file order (beat times may run backwards
/// where the file's clock does). Memory does not grow with the file.
pub struct Reader<I> {
    rows: Rows<I>,
    timer: Timer,
    queue: std::collections::VecDeque<Timed>,
    first: Option<TimedRr>,
}

impl<I> Reader<I> {
    /// The second pass.
    pub fn new(plan: Plan, lines: I) -> Self {
        Self {
            timer: Timer::new(plan.scale, plan.has_time),
            rows: Rows::new(lines),
            queue: std::collections::VecDeque::with_capacity(2),
            first: None,
        }
    }
}

impl<S: AsRef<str>, I: Iterator<Item = Result<(usize, S), ParseError>>> Iterator for Reader<I> {
    type Item = Result<Event, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.queue.pop_front() {
                Some(Timed::Rr(r)) => {
                    self.first.get_or_insert(r);
                    return Some(Ok(Event::Rr(r)));
                }
                Some(Timed::Gap(g)) => return Some(Ok(Event::Gap(g))),
                None => {}
            }
            let row = match self.rows.next()? {
                Ok(r) => r,
                Err(e) => return Some(Err(e)),
            };
            let queue = &mut self.queue;
            if let Err(e) = self.timer.push(row, |t| queue.push_back(t)) {
                return Some(Err(e));
            }
        }
    }
}

impl<S: AsRef<str>, I: Iterator<Item = Result<(usize, S), ParseError>>> EventReader for Reader<I> {
    /// Times are from 0 without a time column, else the file's (from the
    /// start of the first interval); no absolute start either way.
    fn summary(&self) -> Summary {
        Summary {
            origin_ms: match self.first {
                Some(r) if self.timer.has_time => r.t_ms.saturating_sub(r.rr_ms.round() as Millis),
                _ => 0,
            },
            ..Summary::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_column_ms() {
        let r = parse("800\n900\r\n\n1000\n").unwrap();
        assert_eq!(r.rr.len(), 3);
        assert_eq!(r.rr[2].t_ms, 2700);
    }

    #[test]
    fn one_column_seconds() {
        let r = parse("0.8\n0.9\n1.0\n").unwrap();
        assert_eq!(r.rr[1].rr_ms, 900.0);
    }

    #[test]
    fn header_and_named_columns() {
        let r = parse("time_ns,t_s,hr,rr_ms\n1,1.0,60,1000\n2,2.0,60,1000\n").unwrap();
        assert_eq!(r.rr.len(), 2);
        assert_eq!(r.rr[0].t_ms, 1000);
        assert_eq!(r.rr[1].t_ms, 2000);
    }

    #[test]
    fn two_columns_without_header_and_gap() {
        let r = parse("1.0,1000\n2.0,1000\n30.0,1000\n").unwrap();
        assert_eq!(r.rr[2].t_ms, 30_000);
        assert_eq!(r.gaps.len(), 1);
    }

    #[test]
    fn absurd_intervals_and_times_are_refused_with_their_line() {
        for (text, line) in [
            ("800\n900\n1e20\n800\n", 3),
            ("800\n1e15\n", 2),
            ("800\n1e308\n", 2),
            ("800\n1e8\n", 2),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}");
            assert!(matches!(e.kind, ParseErrorKind::ImplausibleRr(_)), "{e}");
        }
        let e = parse("1.0,800\n1e300,800\n").unwrap_err();
        assert_eq!((e.line, e.kind), (2, ParseErrorKind::BadTime(1e300)));
        // A long but possible pause is kept (the cleaner makes it a gap).
        assert_eq!(parse("800\n5000\n800\n").unwrap().rr.len(), 3);
        assert_eq!(parse("800\n600000\n800\n").unwrap().rr.len(), 3);
    }

    #[test]
    fn a_bad_line_fails_before_the_rest_is_read() {
        let pulled = std::cell::Cell::new(0usize);
        let lines = (1..=1_000_000usize).map(|no| {
            pulled.set(no);
            let line = if no == 119 {
                "98237498237498237".to_string()
            } else {
                "812".to_string()
            };
            Ok((no, line))
        });
        let e = Plan::survey(lines).unwrap_err();
        assert_eq!(e.line, 119);
        assert_eq!(pulled.get(), 119, "read past the bad line");
        let lines = (1..=1_000_000usize).map(|no| {
            pulled.set(no);
            Ok((no, if no == 50 { "-3" } else { "0.8" }))
        });
        assert_eq!(Plan::survey(lines).unwrap_err().line, 50);
        assert_eq!(pulled.get(), 50);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("800\n900\nabc\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse("800\n-5\n900\n").unwrap_err();
        assert_eq!(e.line, 2);
        // Reported as written, not scaled to ms (was "got -900000").
        let e = parse("0.8\n0.9\n-900\n0.8\n").unwrap_err();
        assert_eq!((e.line, e.kind), (3, ParseErrorKind::BadRr(-900.0)));
        assert_eq!(
            parse("# nothing\n").unwrap_err().kind,
            ParseErrorKind::NoData(NO_DATA)
        );
    }

    #[test]
    fn times_that_run_backwards_come_in_file_order() {
        // The clock jumps back 20 s: the chain re-anchors earlier.
        let rec = parse("100.0,1000\n101.0,1000\n81.0,1000\n").unwrap();
        assert_eq!(rec.rr[1].t_ms, 101_000);
        assert_eq!(rec.rr[2].t_ms, 81_000);
    }

    #[test]
    fn seconds_or_ms_is_decided_by_the_median_without_keeping_the_rows() {
        for (text, rr0) in [
            ("0.8\n900\n", 0.8),
            ("0.8\n0.9\n900\n900\n", 0.8),
            ("0.8\n0.9\n0.7\n900\n", 800.0),
            ("0.8\n0.9\n800\n", 800.0),
        ] {
            assert_eq!(parse(text).unwrap().rr[0].rr_ms, rr0, "{text:?}");
        }
    }
}
