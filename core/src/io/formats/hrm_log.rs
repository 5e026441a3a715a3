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
use std::collections::VecDeque;

use super::{
    Event, EventReader, Gap, ParseError, ParseErrorKind, Recording, Summary, numbered_lines,
};
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
    super::read_all(Reader::new(numbered_lines(text).map(Ok)))
}

/// An hrm-log as it is read, line by line: events in file order (a gap
/// before the beats after it), the summary (start, meta, dropped packets)
/// once all are read. Memory does not grow with the file (beyond its
/// `# key=value` lines).
pub struct Reader<I> {
    lines: I,
    magic_checked: bool,
    done: bool,
    tl: RrTimeline,
    buf: Vec<u8>,
    /// The beats of the packet being read.
    beats: Vec<TimedRr>,
    queue: VecDeque<Event>,
    last_t: Option<Millis>,
    last_beat_end: Option<Millis>,
    last_gap_end: Option<Millis>,
    disconnected_at: Option<Millis>,
    /// A gap opened by a dropped packet or a clock jump, closed by the next beat.
    open_gap: Option<Millis>,
    first_t: Option<Millis>,
    first_rr: Option<TimedRr>,
    readings: u64,
    dropped: u64,
    meta: Vec<(String, String)>,
}

impl<I> Reader<I> {
    pub fn new(lines: I) -> Self {
        Self {
            lines,
            magic_checked: false,
            done: false,
            tl: RrTimeline::default(),
            buf: Vec::with_capacity(32),
            beats: Vec::with_capacity(16),
            queue: VecDeque::with_capacity(8),
            last_t: None,
            last_beat_end: None,
            last_gap_end: None,
            disconnected_at: None,
            open_gap: None,
            first_t: None,
            first_rr: None,
            readings: 0,
            dropped: 0,
            meta: Vec::new(),
        }
    }

    fn gap(&mut self, g: Gap) {
        self.last_gap_end = Some(g.end_ms);
        self.queue.push_back(Event::Gap(g));
    }

    /// One line (not the first); events go to the queue.
    fn line(&mut self, no: usize, line: &str) -> Result<(), ParseError> {
        if line.trim().is_empty() {
            return Ok(());
        }
        if let Some(c) = line.strip_prefix('#') {
            if let Some((k, v)) = c.trim().split_once('=') {
                self.meta.push((k.trim().to_string(), v.trim().to_string()));
            }
            return Ok(());
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
        self.first_t.get_or_insert(t);
        let rest = rest.trim();
        if let Some(ev) = rest.strip_prefix('!') {
            match ev {
                "disconnected" => {
                    self.tl.gap();
                    self.disconnected_at.get_or_insert(t);
                }
                "connected" => {
                    if let Some(start) = self.disconnected_at.take() {
                        self.gap(Gap {
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
            self.last_t = Some(t);
            return Ok(());
        }
        if hex_into(rest, &mut self.buf).is_none() {
            return Err(ParseError::new(
                no,
                ParseErrorKind::BadHex(rest.chars().take(40).collect()),
            ));
        }
        if self.last_t.is_some_and(|p| t < p) {
            self.tl.gap();
            self.open_gap.get_or_insert(self.last_beat_end.unwrap_or(t));
        }
        self.last_t = Some(t);
        let view = match decode_view(&self.buf) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(line = no, error = %e, "hrm-log: undecodable packet skipped (gap)");
                self.dropped += 1;
                self.tl.gap();
                self.open_gap.get_or_insert(self.last_beat_end.unwrap_or(t));
                return Ok(());
            }
        };
        if view.heart_rate_bpm > 0 {
            self.readings += 1;
            self.queue.push_back(Event::Hr(HrSample {
                t_ms: t,
                bpm: f64::from(view.heart_rate_bpm),
            }));
        }
        let mut beats = std::mem::take(&mut self.beats);
        beats.clear();
        let regap = self.tl.push_packet(t, view.rr_ms(), |r| beats.push(r));
        if let (Some(&f), Some(&last)) = (beats.first(), beats.last()) {
            self.first_rr.get_or_insert(f);
            let start = f.t_ms.saturating_sub(f.rr_ms.round() as Millis);
            let from = self
                .open_gap
                .take()
                .or(if regap { self.last_beat_end } else { None });
            if let Some(from) = from
                && self.disconnected_at.is_none()
                && self.last_gap_end.is_none_or(|end| end < from)
            {
                self.gap(Gap {
                    start_ms: from,
                    end_ms: start.max(from),
                });
            }
            self.readings += beats.len() as u64;
            self.queue.extend(beats.iter().copied().map(Event::Rr));
            self.last_beat_end = Some(last.t_ms);
        }
        self.beats = beats;
        Ok(())
    }

    /// At the end of the lines: a gap left open, or no data at all.
    fn end(&mut self) -> Result<(), ParseError> {
        if let Some(start) = self.disconnected_at.take() {
            self.gap(Gap {
                start_ms: start,
                end_ms: self.last_t.unwrap_or(start),
            });
        }
        if self.readings == 0 && self.dropped == 0 {
            return Err(ParseError::new(
                0,
                ParseErrorKind::NoData("a reading (`<t_unix_ms> <hex>`)"),
            ));
        }
        Ok(())
    }
}

impl<S: AsRef<str>, I: Iterator<Item = Result<(usize, S), ParseError>>> Iterator for Reader<I> {
    type Item = Result<Event, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Some(Ok(e));
            }
            if self.done {
                return None;
            }
            let step = match self.lines.next() {
                Some(Ok((no, line))) if !self.magic_checked => {
                    self.magic_checked = true;
                    check_magic(no, line.as_ref())
                }
                Some(Ok((no, line))) => self.line(no, line.as_ref()),
                Some(Err(e)) => Err(e),
                None if !self.magic_checked => Err(ParseError::new(1, ParseErrorKind::NotHrmLog)),
                None => {
                    self.done = true;
                    self.end()
                }
            };
            if let Err(e) = step {
                self.done = true;
                self.queue.clear();
                return Some(Err(e));
            }
        }
    }
}

impl<S: AsRef<str>, I: Iterator<Item = Result<(usize, S), ParseError>>> EventReader for Reader<I> {
    fn summary(&self) -> Summary {
        let origin_ms = match (self.first_rr, self.first_t) {
            (Some(r), Some(f)) => r.t_ms.saturating_sub(r.rr_ms.round() as Millis).min(f),
            (_, Some(f)) => f,
            _ => 0,
        };
        Summary {
            start_unix_ms: Some(origin_ms),
            origin_ms,
            dropped_packets: self.dropped,
            meta: self.meta.clone(),
        }
    }
}

/// The first line must be this version's.
fn check_magic(no: usize, first: &str) -> Result<(), ParseError> {
    if first.trim_end() == MAGIC_V1 {
        Ok(())
    } else if first.starts_with(MAGIC_PREFIX) {
        Err(ParseError::new(
            no,
            ParseErrorKind::UnsupportedVersion(first.chars().take(40).collect()),
        ))
    } else {
        Err(ParseError::new(1, ParseErrorKind::NotHrmLog))
    }
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
