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
use super::{ParseError, ParseErrorKind, Recording, fields, number, numbered_lines};
use crate::Millis;
use crate::beats::{HrSample, times_from_cumsum};

/// `Interval` value that marks R-R data.
pub const RR_MODE_INTERVAL: f64 = 238.0;

/// Parses a Polar `.hrm` file.
pub fn parse(text: &str) -> Result<Recording, ParseError> {
    let mut section = String::new();
    let mut interval: Option<f64> = None;
    let mut rec = Recording::default();
    let mut rows: Vec<(usize, f64)> = Vec::new();
    let mut saw_params = false;
    let mut saw_data = false;
    for (no, line) in numbered_lines(text) {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(name) = l.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = name.to_string();
            saw_params |= section == "Params";
            saw_data |= section == "HRData";
            continue;
        }
        match section.as_str() {
            "Params" => {
                if let Some((k, v)) = l.split_once('=') {
                    let (k, v) = (k.trim(), v.trim());
                    if k == "Interval" {
                        interval = Some(number(v, no)?);
                    }
                    if matches!(k, "Date" | "StartTime" | "Monitor" | "Version" | "Length") {
                        rec.meta.push((k.to_string(), v.to_string()));
                    }
                }
            }
            "HRData" => {
                let first = fields(l)
                    .next()
                    .ok_or(ParseError::new(no, ParseErrorKind::Expected("a value")))?;
                let v = number(first, no)?;
                if v < 0.0 {
                    return Err(ParseError::new(no, ParseErrorKind::BadRr(v)));
                }
                rows.push((no, v));
            }
            _ => {}
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
    if rows.is_empty() {
        return Err(ParseError::new(
            0,
            ParseErrorKind::NoData("an R-R or HR value under [HRData]"),
        ));
    }
    if interval == RR_MODE_INTERVAL {
        // A zero RR is a recording artefact, not an interval: dropped (the
        // cumulative clock is not advanced by it either).
        let mut rr = Vec::with_capacity(rows.len());
        for (no, v) in rows.into_iter().filter(|&(_, v)| v > 0.0) {
            super::check_rr(v, v, no)?;
            rr.push(v);
        }
        rec.rr = times_from_cumsum(0, &rr);
    } else if interval > 0.0 && interval <= 3600.0 {
        rec.hr = rows
            .iter()
            .map(|&(_, v)| v)
            .enumerate()
            .filter(|(_, v)| *v > 0.0)
            .map(|(i, v)| HrSample {
                t_ms: (i as f64 * interval * 1000.0).round() as Millis,
                bpm: v,
            })
            .collect();
    } else {
        return Err(ParseError::new(0, ParseErrorKind::BadRate(interval)));
    }
    Ok(rec)
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
