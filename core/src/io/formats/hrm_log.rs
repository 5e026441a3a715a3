//! `hrm-log`: Steady's raw log of BLE Heart Rate Measurement notifications,
//! written by `steady live` and read back by `analyze` / `replay`.
//!
//! ```text
//! # steady hrm-log v1
//! # device=Polar H10 8C4F2A21
//! # address=A0:9E:1A:00:00:01
//! 1732541400123 1040034303
//! 1732541401120 !disconnected
//! 1732541409500 !connected
//! ```
//! UTF-8 text. Lines starting with `#` are comments; the first line must be
//! `# steady hrm-log v1`; other comments of the form `# key=value` are
//! metadata. A data line is `<t_unix_ms> <hex>`: decimal unix milliseconds
//! (arrival time), one space, the 0x2A37 value in lowercase hex without
//! separators (uppercase is accepted on reading). An event line is
//! `<t_unix_ms> !disconnected` or `<t_unix_ms> !connected`; the span between
//! them is a gap.
//!
//! Reading: a malformed line (bad time, bad hex, unknown event) is an error
//! naming the line. A well-formed line whose packet does not decode (see
//! [`crate::hrm`]) is a strap fault, not a file fault: it is skipped, counted
//! in [`Recording::dropped_packets`], logged, and treated as a gap so no
//! beat is spliced across it. Beat times come from [`RrTimeline`]. A time
//! that runs backwards (the logger's clock was set back) re-anchors the
//! chain like a gap. A zero heart rate (some straps' "no reading") gives no
//! HR sample.
use super::{Gap, ParseError, ParseErrorKind, Recording, numbered_lines};
use crate::Millis;
use crate::beats::{HrSample, RrTimeline, TimedRr};
use crate::hrm::decode_view;

/// Start of the first line of every hrm-log.
pub const MAGIC_PREFIX: &str = "# steady hrm-log";
/// The exact first line this version writes.
pub const MAGIC_V1: &str = "# steady hrm-log v1";

/// Formats a data line (what the recorder writes).
pub fn data_line(t_unix_ms: Millis, packet: &[u8]) -> String {
    let mut s = format!("{t_unix_ms} ");
    for b in packet {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Decodes lowercase or uppercase hex without separators into `out`.
fn hex_into(s: &str, out: &mut Vec<u8>) -> Option<()> {
    out.clear();
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    for pair in b.chunks_exact(2) {
        let hi = (*pair.first()? as char).to_digit(16)?;
        let lo = (*pair.get(1)? as char).to_digit(16)?;
        out.push(u8::try_from(hi * 16 + lo).ok()?);
    }
    Some(())
}

/// Parses an hrm-log.
pub fn parse(text: &str) -> Result<Recording, ParseError> {
    let mut rec = Recording::default();
    let mut lines = numbered_lines(text);
    match lines.next() {
        Some((_, first)) if first.trim_end() == MAGIC_V1 => {}
        Some((no, first)) if first.starts_with(MAGIC_PREFIX) => {
            return Err(ParseError::new(
                no,
                ParseErrorKind::UnsupportedVersion(first.chars().take(40).collect()),
            ));
        }
        _ => return Err(ParseError::new(1, ParseErrorKind::NotHrmLog)),
    }
    let mut tl = RrTimeline::default();
    let mut buf = Vec::with_capacity(32);
    let mut last_t: Option<Millis> = None;
    let mut last_beat_end: Option<Millis> = None;
    let mut disconnected_at: Option<Millis> = None;
    // A gap opened by a dropped packet or a clock jump, closed by the next beat.
    let mut open_gap: Option<Millis> = None;
    let mut first_t: Option<Millis> = None;
    for (no, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        if let Some(c) = line.strip_prefix('#') {
            if let Some((k, v)) = c.trim().split_once('=') {
                rec.meta.push((k.trim().to_string(), v.trim().to_string()));
            }
            continue;
        }
        let (ts, rest) = line.split_once(' ').ok_or(ParseError::new(
            no,
            ParseErrorKind::Expected("<t_unix_ms> <hex>"),
        ))?;
        let t: Millis = ts.parse().map_err(|_| {
            ParseError::new(
                no,
                ParseErrorKind::NotANumber(ts.chars().take(40).collect()),
            )
        })?;
        if t.unsigned_abs() as f64 > super::MAX_TIME_S * 1000.0 {
            return Err(ParseError::new(no, ParseErrorKind::BadTime(t as f64)));
        }
        first_t.get_or_insert(t);
        let rest = rest.trim();
        if let Some(ev) = rest.strip_prefix('!') {
            match ev {
                "disconnected" => {
                    tl.gap();
                    disconnected_at.get_or_insert(t);
                }
                "connected" => {
                    if let Some(start) = disconnected_at.take() {
                        rec.gaps.push(Gap {
                            start_ms: start,
                            end_ms: t,
                        });
                    }
                }
                other => {
                    return Err(ParseError::new(
                        no,
                        ParseErrorKind::UnknownEvent(other.chars().take(40).collect()),
                    ));
                }
            }
            last_t = Some(t);
            continue;
        }
        if hex_into(rest, &mut buf).is_none() {
            return Err(ParseError::new(
                no,
                ParseErrorKind::BadHex(rest.chars().take(40).collect()),
            ));
        }
        if last_t.is_some_and(|p| t < p) {
            tl.gap();
            open_gap.get_or_insert(last_beat_end.unwrap_or(t));
        }
        last_t = Some(t);
        let view = match decode_view(&buf) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(line = no, error = %e, "hrm-log: undecodable packet skipped (gap)");
                rec.dropped_packets += 1;
                tl.gap();
                open_gap.get_or_insert(last_beat_end.unwrap_or(t));
                continue;
            }
        };
        if view.heart_rate_bpm > 0 {
            rec.hr.push(HrSample {
                t_ms: t,
                bpm: f64::from(view.heart_rate_bpm),
            });
        }
        let mut first_rr: Option<TimedRr> = None;
        let regap = tl.push_packet(t, view.rr_ms(), |r| {
            first_rr.get_or_insert(r);
            rec.rr.push(r);
        });
        if let Some(f) = first_rr {
            let start = f.t_ms.saturating_sub(f.rr_ms.round() as Millis);
            let from = open_gap.take().or(if regap { last_beat_end } else { None });
            if let Some(from) = from
                && disconnected_at.is_none()
                && rec.gaps.last().is_none_or(|g| g.end_ms < from)
            {
                rec.gaps.push(Gap {
                    start_ms: from,
                    end_ms: start.max(from),
                });
            }
            last_beat_end = rec.rr.last().map(|r| r.t_ms);
        }
    }
    if let Some(start) = disconnected_at {
        rec.gaps.push(Gap {
            start_ms: start,
            end_ms: last_t.unwrap_or(start),
        });
    }
    if rec.rr.is_empty() && rec.hr.is_empty() && rec.dropped_packets == 0 {
        return Err(ParseError::new(
            0,
            ParseErrorKind::NoData("a reading (`<t_unix_ms> <hex>`)"),
        ));
    }
    rec.origin_ms = match (rec.rr.first(), first_t) {
        (Some(r), Some(f)) => r.t_ms.saturating_sub(r.rr_ms.round() as Millis).min(f),
        (_, Some(f)) => f,
        _ => 0,
    };
    rec.start_unix_ms = Some(rec.origin_ms);
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hrm::{HeartRateMeasurement, SensorContact};

    fn pkt(hr: u16, rr: &[u16]) -> Vec<u8> {
        HeartRateMeasurement {
            heart_rate_bpm: hr,
            sensor_contact: SensorContact::Detected,
            energy_expended_kj: None,
            rr_1024: rr.to_vec(),
        }
        .encode()
    }

    #[test]
    fn reads_packets_events_and_meta() {
        let mut s = String::from("# steady hrm-log v1\n# device=Polar H10\n");
        let mut t = 1_700_000_000_000i64;
        for _ in 0..10 {
            t += 1000;
            s += &data_line(t, &pkt(60, &[1024]));
            s += "\n";
        }
        s += &format!("{} !disconnected\n{} !connected\n", t + 10, t + 20_000);
        t += 21_000;
        s += &data_line(t, &pkt(61, &[1024, 1024]));
        s += "\n";
        let r = parse(&s).unwrap();
        assert_eq!(r.meta, vec![("device".into(), "Polar H10".into())]);
        assert_eq!(r.rr.len(), 12);
        assert_eq!(r.hr.len(), 11);
        assert_eq!(r.gaps.len(), 1);
        assert_eq!(r.rr[11].t_ms, t);
        assert_eq!(r.rr[10].t_ms, t - 1000);
        assert_eq!(r.rr[0].t_ms, 1_700_000_001_000);
        assert_eq!(r.origin_ms, 1_700_000_000_000);
    }

    #[test]
    fn bad_lines_are_errors_with_line_numbers() {
        assert_eq!(parse("hello\n").unwrap_err().line, 1);
        let e = parse("# steady hrm-log v1\n123 zz\n").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse("# steady hrm-log v1\n123 0048\nabc 0048\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse("# steady hrm-log v1\n123 !exploded\n").unwrap_err();
        assert!(matches!(e.kind, ParseErrorKind::UnknownEvent(_)));
        assert!(matches!(
            parse("# steady hrm-log v2\n").unwrap_err().kind,
            ParseErrorKind::UnsupportedVersion(_)
        ));
    }

    #[test]
    fn undecodable_packet_is_dropped_as_gap() {
        let s = "# steady hrm-log v1\n1000 10480004\n2000 1048000400\n3000 10480004\n";
        let r = parse(s).unwrap();
        assert_eq!(r.dropped_packets, 1);
        assert_eq!(r.rr.len(), 2);
    }
}
