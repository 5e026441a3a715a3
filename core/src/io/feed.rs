//! A recording as the time-ordered inputs of a shift: how files, `steady
//! analyze`, `steady replay` and `steady evaluate` drive the model with
//! exactly the inputs a live shift would get.
//!
//! - RR intervals become [`ShiftInput::Rr`] (cleaned inside the shift);
//! - device heart-rate samples become [`ShiftInput::HeartRate`];
//! - acceleration magnitudes (gravity included, in g) become one
//!   [`Motion::Enmo`] per `motion_block_ms`: ENMO = mean of
//!   `max(|a| - 1 g, 0)` over the block (van Hees et al. 2013), the
//!   dynamic acceleration the activation module compares with its cut point.
//!
//! Inputs are sorted by time (stable: at equal times RR come before HR,
//! HR before motion), bracketed by `Start` at the recording's origin and
//! `End` at its last sample.
use std::path::{Path, PathBuf};

use crate::Millis;
use crate::activation::Motion;
use crate::beats::TimedRr;
use crate::formats::{self, FileLines, Format, FormatError, Gap, MotionSample, Recording, rr};
use crate::shift::ShiftInput;

/// What to take from a recording.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeedOptions {
    /// Feed RR intervals (false: HR-only mode even when the file has RR).
    pub use_rr: bool,
    /// Feed the device's heart-rate samples.
    pub use_hr: bool,
    /// Feed motion.
    pub use_motion: bool,
    /// ENMO block length.
    pub motion_block_ms: Millis,
}

impl Default for FeedOptions {
    fn default() -> Self {
        Self {
            use_rr: true,
            use_hr: true,
            use_motion: true,
            motion_block_ms: 5_000,
        }
    }
}

/// ENMO per block of `block_ms` (blocks aligned to `origin_ms`), stamped
/// at the block's end. Empty blocks give nothing.
pub fn enmo_blocks(motion: &[MotionSample], origin_ms: Millis, block_ms: Millis) -> Vec<Motion> {
    let block = block_ms.max(1);
    let mut out = Vec::new();
    let mut current: Option<(i64, f64, u32)> = None;
    for m in motion.iter().filter(|m| m.magnitude_g.is_finite()) {
        let k = (m.t_ms - origin_ms).div_euclid(block);
        let e = (m.magnitude_g - 1.0).max(0.0);
        current = match current {
            Some((ck, sum, n)) if ck == k => Some((ck, sum + e, n + 1)),
            Some((ck, sum, n)) => {
                out.push(Motion::Enmo {
                    t_ms: origin_ms + (ck + 1) * block,
                    g: sum / f64::from(n),
                });
                Some((k, e, 1))
            }
            None => Some((k, e, 1)),
        };
    }
    if let Some((ck, sum, n)) = current {
        out.push(Motion::Enmo {
            t_ms: origin_ms + (ck + 1) * block,
            g: sum / f64::from(n),
        });
    }
    out
}

/// Moves a whole recording so that it starts at `start_ms` (unix ms): how
/// a file without a clock of its own (rr text, Polar .hrm) is placed in the
/// history (`steady import --start`), and how tests lay real recordings out
/// on chosen dates.
pub fn place_at(rec: &mut Recording, start_ms: Millis) {
    let off = start_ms - rec.origin_ms;
    rec.origin_ms += off;
    rec.start_unix_ms = Some(start_ms);
    rec.rr.iter_mut().for_each(|r| r.t_ms += off);
    rec.hr.iter_mut().for_each(|h| h.t_ms += off);
    rec.motion.iter_mut().for_each(|m| m.t_ms += off);
    for g in &mut rec.gaps {
        g.start_ms += off;
        g.end_ms += off;
    }
}

/// The shift inputs of a recording (see the module doc).
pub fn inputs(rec: &Recording, opts: &FeedOptions) -> Vec<ShiftInput> {
    let mut body: Vec<ShiftInput> = Vec::new();
    if opts.use_rr {
        body.extend(rec.rr.iter().map(|r| ShiftInput::Rr {
            t_ms: r.t_ms,
            rr_ms: r.rr_ms,
        }));
    }
    if opts.use_hr {
        body.extend(rec.hr.iter().map(|h| ShiftInput::HeartRate {
            t_ms: h.t_ms,
            bpm: h.bpm,
        }));
    }
    if opts.use_motion {
        body.extend(
            enmo_blocks(&rec.motion, rec.origin_ms, opts.motion_block_ms)
                .into_iter()
                .map(|motion| ShiftInput::Motion { motion }),
        );
    }
    body.sort_by_key(ShiftInput::t_ms);
    let first = body.first().map_or(rec.origin_ms, ShiftInput::t_ms);
    let start = rec.origin_ms.min(first);
    let end = body.iter().map(ShiftInput::t_ms).max().unwrap_or(start);
    let mut out = Vec::with_capacity(body.len() + 2);
    out.push(ShiftInput::Start { t_ms: start });
    out.extend(body);
    out.push(ShiftInput::End { t_ms: end });
    out
}

/// One step of a recording read as it streams: a shift input, or a known
/// gap (given before the first input after it).
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Input(ShiftInput),
    Gap(Gap),
}

/// A recording as the time-ordered [`inputs`] of a shift (and its gaps),
/// read as it streams where the format allows, so that memory does not grow
/// with the file (`steady import`, `steady analyze`).
///
/// RR text streams ([`formats::rr_reader`]) when its beat times never run
/// backwards (the usual case; otherwise it is read whole and sorted, as
/// [`inputs`] does). E4 folders, hrm-logs and Polar `.hrm` files are read
/// whole ([`formats::read_path`]) and their inputs handed out from memory.
/// Either way the pieces are those of [`inputs`] in the same order, with
/// each gap placed before the first input at or after its end (gaps ending
/// after the last input come after it).
pub struct Stream {
    /// Unix time (ms) of the start, when the file says (or `--start` set it).
    pub start_unix_ms: Option<Millis>,
    /// Start of the recording on its clock ([`Recording::origin_ms`]).
    pub origin_ms: Millis,
    /// Whether the recording has any RR interval or heart-rate sample.
    pub has_data: bool,
    /// Packets that could not be decoded (hrm-log).
    pub dropped_packets: u64,
    path: PathBuf,
    source: Source,
}

enum Source {
    Memory {
        inputs: std::vec::IntoIter<ShiftInput>,
        gaps: std::iter::Peekable<std::vec::IntoIter<Gap>>,
        next: Option<ShiftInput>,
    },
    Rr {
        reader: rr::Reader<FileLines>,
        /// The first beat (read to know the origin), not yet handed out.
        first: Option<TimedRr>,
        started: bool,
        last_t: Millis,
        /// Added to every time (`--start`).
        offset: Millis,
        ended: bool,
    },
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("path", &self.path)
            .field("origin_ms", &self.origin_ms)
            .field("streaming", &matches!(self.source, Source::Rr { .. }))
            .finish()
    }
}

impl Stream {
    /// Opens a recording; `format` None means [`formats::detect`]. RR text
    /// is checked whole here (a bad line fails before any input is given).
    pub fn open(path: &Path, format: Option<Format>) -> Result<Stream, FormatError> {
        let format = match format {
            Some(f) => f,
            None => formats::detect(path)?,
        };
        if format == Format::Rr {
            let mut reader = formats::rr_reader(path)?;
            if reader.forward() {
                let parse = |e| FormatError::Parse {
                    path: path.to_path_buf(),
                    error: e,
                };
                // The first piece is a beat (a gap needs a beat before it).
                let first = match reader.next() {
                    Some(Ok(rr::Timed::Rr(r))) => Some(r),
                    Some(Err(e)) => return Err(parse(e)),
                    _ => None,
                };
                let origin_ms = match first {
                    Some(r) if reader.has_time() => {
                        r.t_ms.saturating_sub(r.rr_ms.round() as Millis)
                    }
                    _ => 0,
                };
                return Ok(Stream {
                    start_unix_ms: None,
                    origin_ms,
                    has_data: first.is_some(),
                    dropped_packets: 0,
                    path: path.to_path_buf(),
                    source: Source::Rr {
                        reader,
                        first,
                        started: false,
                        last_t: origin_ms,
                        offset: 0,
                        ended: false,
                    },
                });
            }
        }
        Ok(Self::from_recording(
            path,
            formats::read_path(path, Some(format))?,
        ))
    }

    /// A recording already in memory, as a stream.
    pub fn from_recording(path: &Path, rec: Recording) -> Stream {
        Stream {
            start_unix_ms: rec.start_unix_ms,
            origin_ms: rec.origin_ms,
            has_data: !rec.rr.is_empty() || !rec.hr.is_empty(),
            dropped_packets: rec.dropped_packets,
            path: path.to_path_buf(),
            source: Source::Memory {
                inputs: inputs(&rec, &FeedOptions::default()).into_iter(),
                gaps: rec.gaps.into_iter().peekable(),
                next: None,
            },
        }
    }

    /// Moves the recording to start at `start_ms` (unix ms), as
    /// [`place_at`] does; call before reading.
    pub fn place_at(&mut self, start_ms: Millis) {
        let off = start_ms - self.origin_ms;
        self.origin_ms = start_ms;
        self.start_unix_ms = Some(start_ms);
        match &mut self.source {
            Source::Memory {
                inputs: ins, gaps, ..
            } => {
                let moved: Vec<ShiftInput> = ins.map(|i| moved_input(i, off)).collect();
                *ins = moved.into_iter();
                let moved: Vec<Gap> = gaps
                    .map(|g| Gap {
                        start_ms: g.start_ms + off,
                        end_ms: g.end_ms + off,
                    })
                    .collect();
                *gaps = moved.into_iter().peekable();
            }
            Source::Rr { offset, last_t, .. } => {
                *offset += off;
                *last_t += off;
            }
        }
    }
}

/// An input `off` ms later (the inputs [`inputs`] makes).
fn moved_input(i: ShiftInput, off: Millis) -> ShiftInput {
    match i {
        ShiftInput::Start { t_ms } => ShiftInput::Start { t_ms: t_ms + off },
        ShiftInput::End { t_ms } => ShiftInput::End { t_ms: t_ms + off },
        ShiftInput::Rr { t_ms, rr_ms } => ShiftInput::Rr {
            t_ms: t_ms + off,
            rr_ms,
        },
        ShiftInput::HeartRate { t_ms, bpm } => ShiftInput::HeartRate {
            t_ms: t_ms + off,
            bpm,
        },
        ShiftInput::Motion {
            motion: Motion::Enmo { t_ms, g },
        } => ShiftInput::Motion {
            motion: Motion::Enmo {
                t_ms: t_ms + off,
                g,
            },
        },
        other => other,
    }
}

impl Iterator for Stream {
    type Item = Result<Piece, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.source {
            Source::Memory { inputs, gaps, next } => {
                let input = match next.take().or_else(|| inputs.next()) {
                    Some(i) => i,
                    // Gaps that end after the last input come last.
                    None => return gaps.next().map(|g| Ok(Piece::Gap(g))),
                };
                let t = input.t_ms();
                if let Some(g) = gaps.next_if(|g| g.end_ms <= t) {
                    *next = Some(input);
                    return Some(Ok(Piece::Gap(g)));
                }
                Some(Ok(Piece::Input(input)))
            }
            Source::Rr {
                reader,
                first,
                started,
                last_t,
                offset,
                ended,
            } => {
                if !*started {
                    *started = true;
                    return Some(Ok(Piece::Input(ShiftInput::Start { t_ms: *last_t })));
                }
                let timed = match first.take() {
                    Some(r) => Some(Ok(rr::Timed::Rr(r))),
                    None => reader.next(),
                };
                match timed {
                    Some(Ok(rr::Timed::Rr(r))) => {
                        *last_t = r.t_ms + *offset;
                        Some(Ok(Piece::Input(ShiftInput::Rr {
                            t_ms: *last_t,
                            rr_ms: r.rr_ms,
                        })))
                    }
                    Some(Ok(rr::Timed::Gap(g))) => Some(Ok(Piece::Gap(Gap {
                        start_ms: g.start_ms + *offset,
                        end_ms: g.end_ms + *offset,
                    }))),
                    Some(Err(error)) => {
                        *ended = true;
                        Some(Err(FormatError::Parse {
                            path: self.path.clone(),
                            error,
                        }))
                    }
                    None if *ended => None,
                    None => {
                        *ended = true;
                        Some(Ok(Piece::Input(ShiftInput::End { t_ms: *last_t })))
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::beats::{HrSample, TimedRr};

    #[test]
    fn enmo_is_mean_dynamic_acceleration_per_block() {
        let m = |t, g| MotionSample {
            t_ms: t,
            magnitude_g: g,
        };
        let v = [
            m(0, 1.0),
            m(1000, 1.2),
            m(4999, 0.9),
            m(5000, 1.5),
            m(12_000, f64::NAN),
        ];
        let b = enmo_blocks(&v, 0, 5000);
        assert_eq!(b.len(), 2);
        let Motion::Enmo { t_ms, g } = b[0] else {
            panic!()
        };
        assert_eq!(t_ms, 5000);
        assert!((g - 0.2 / 3.0).abs() < 1e-12);
        let Motion::Enmo { t_ms, g } = b[1] else {
            panic!()
        };
        assert_eq!((t_ms, g), (10_000, 0.5));
    }

    #[test]
    fn inputs_are_time_ordered_and_bracketed() {
        let rec = Recording {
            origin_ms: 1000,
            rr: vec![
                TimedRr {
                    t_ms: 2000,
                    rr_ms: 1000.0,
                },
                TimedRr {
                    t_ms: 3000,
                    rr_ms: 1000.0,
                },
            ],
            hr: vec![
                HrSample {
                    t_ms: 1500,
                    bpm: 60.0,
                },
                HrSample {
                    t_ms: 2500,
                    bpm: 61.0,
                },
            ],
            ..Recording::default()
        };
        let ins = inputs(&rec, &FeedOptions::default());
        let ts: Vec<Millis> = ins.iter().map(ShiftInput::t_ms).collect();
        assert_eq!(ts, vec![1000, 1500, 2000, 2500, 3000, 3000]);
        assert!(matches!(ins[0], ShiftInput::Start { .. }));
        assert!(matches!(ins[5], ShiftInput::End { .. }));
        let hr_only = inputs(
            &rec,
            &FeedOptions {
                use_rr: false,
                ..FeedOptions::default()
            },
        );
        assert_eq!(hr_only.len(), 4);
    }
}
