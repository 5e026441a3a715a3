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
use super::{ParseError, ParseErrorKind, Recording, fields, number, numbered_lines};
use crate::Millis;
use crate::beats::{GAP_LAG_MS, RrTimeline, TimedRr, times_from_cumsum};
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

/// Parses RR text.
pub fn parse(text: &str) -> Result<Recording, ParseError> {
    parse_lines(numbered_lines(text).map(Ok))
}

/// Parses RR text given line by line (1-based numbers), so a file is read
/// as it is parsed: a bad line fails before the rest of the file is read,
/// and the text is never held whole ([`super::read_path`]).
pub fn parse_lines<S: AsRef<str>>(
    lines: impl Iterator<Item = Result<(usize, S), ParseError>>,
) -> Result<Recording, ParseError> {
    let mut header: Option<Columns> = None;
    let mut rows: Vec<(usize, Option<f64>, f64)> = Vec::new();
    let mut width: Option<usize> = None;
    for item in lines {
        let (no, line) = item?;
        let l = line.as_ref().trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = fields(l).collect();
        let w = *width.get_or_insert(f.len());
        let cols = match &header {
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
            Err(_) if rows.is_empty() && f.iter().any(|x| x.parse::<f64>().is_err()) => {
                // Header line(s) before the data: they may name the columns.
                let names: Vec<String> = f.iter().map(|s| s.to_string()).collect();
                if let Some(c) = columns_from_header(&names) {
                    header = Some(c);
                }
                width = None;
                continue;
            }
            Err(e) => return Err(e),
        };
        // Wrong in either unit (ms or s): fail here, before reading on.
        if rr <= 0.0 || rr > super::MAX_RR_MS {
            super::check_rr(rr, rr, no)?;
        }
        if let Some(t) = time {
            super::check_time_s(t, no)?;
        }
        rows.push((no, time, rr));
    }
    if rows.is_empty() {
        return Err(ParseError::new(0, ParseErrorKind::NoData(NO_DATA)));
    }
    // Seconds or milliseconds: physiological RR is 0.3-2 s or 300-2000 ms.
    let mut vals: Vec<f64> = rows.iter().map(|r| r.2).collect();
    vals.sort_by(f64::total_cmp);
    let median = vals.get(vals.len() / 2).copied().unwrap_or(0.0);
    let scale = if median < 10.0 { 1000.0 } else { 1.0 };
    for &(no, t, rr) in &rows {
        super::check_rr(rr * scale, rr, no)?;
        if let Some(t) = t {
            super::check_time_s(t, no)?;
        }
    }
    let mut rec = Recording::default();
    let has_time = rows.iter().all(|r| r.1.is_some());
    if has_time {
        let mut tl = RrTimeline::new(GAP_LAG_MS);
        let mut last_end: Option<Millis> = None;
        for &(_, t, rr) in &rows {
            let t_ms = (t.unwrap_or(0.0) * 1000.0).round() as Millis;
            let mut first: Option<TimedRr> = None;
            let regap = tl.push_packet(t_ms, [rr * scale], |r| {
                first.get_or_insert(r);
                rec.rr.push(r);
            });
            if regap && let (Some(prev), Some(f)) = (last_end, first) {
                rec.gaps.push(Gap {
                    start_ms: prev,
                    end_ms: f.t_ms.saturating_sub(f.rr_ms.round() as Millis),
                });
            }
            last_end = rec.rr.last().map(|r| r.t_ms);
        }
        rec.origin_ms = super::origin_from_first_rr(&rec);
    } else {
        let rr: Vec<f64> = rows.iter().map(|r| r.2 * scale).collect();
        rec.rr = times_from_cumsum(0, &rr);
        rec.origin_ms = 0;
    }
    Ok(rec)
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
        let e = parse_lines(lines).unwrap_err();
        assert_eq!(e.line, 119);
        assert_eq!(pulled.get(), 119, "read past the bad line");
        let lines = (1..=1_000_000usize).map(|no| {
            pulled.set(no);
            Ok((no, if no == 50 { "-3" } else { "0.8" }))
        });
        assert_eq!(parse_lines(lines).unwrap_err().line, 50);
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
}
