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
use crate::formats::{self, Format, FormatError, Gap, MotionSample, Recording};
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
    let mut enmo = Enmo::new(origin_ms, block_ms);
    let mut out: Vec<Motion> = motion.iter().filter_map(|m| enmo.push(m)).collect();
    out.extend(enmo.finish());
    out
}

/// [`enmo_blocks`] as the samples come: a block is given when a sample of
/// another block arrives, the last one by [`Enmo::finish`].
#[derive(Debug, Clone)]
struct Enmo {
    origin_ms: Millis,
    block: Millis,
    /// Block number, sum of `max(|a| - 1, 0)`, samples.
    current: Option<(i64, f64, u32)>,
}

impl Enmo {
    fn new(origin_ms: Millis, block_ms: Millis) -> Self {
        Self {
            origin_ms,
            block: block_ms.max(1),
            current: None,
        }
    }

    /// The block of `t_ms` (and the time it is stamped with).
    fn block_end(&self, t_ms: Millis) -> Millis {
        self.origin_ms + ((t_ms - self.origin_ms).div_euclid(self.block) + 1) * self.block
    }

    fn push(&mut self, m: &MotionSample) -> Option<Motion> {
        if !m.magnitude_g.is_finite() {
            return None;
        }
        let k = (m.t_ms - self.origin_ms).div_euclid(self.block);
        let e = (m.magnitude_g - 1.0).max(0.0);
        match self.current {
            Some((ck, sum, n)) if ck == k => {
                self.current = Some((ck, sum + e, n + 1));
                None
            }
            _ => {
                let done = self.finish();
                self.current = Some((k, e, 1));
                done
            }
        }
    }

    fn finish(&mut self) -> Option<Motion> {
        let (ck, sum, n) = self.current.take()?;
        Some(Motion::Enmo {
            t_ms: self.origin_ms + (ck + 1) * self.block,
            g: sum / f64::from(n),
        })
    }
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
/// read as it streams, so that memory does not grow with the file
/// (`steady import`, `steady analyze`), whatever its format.
///
/// How: [`Stream::open`] reads the file once through (every line checked:
/// a bad line fails there, before any input is given, and before the rest
/// is read), noting where each kind's times run backwards. Each kind (RR,
/// heart rate, motion) is then read again in its own pass, one pass per
/// stretch whose times run forward (a clock set back starts a new one),
/// and the passes are merged by time as a stable sort of [`inputs`]
/// would: at equal times RR before HR before motion, and in file order
/// within a kind. Gaps come from a pass of their own. A file whose clock
/// runs backwards more than [`MAX_PASSES`] times is read whole instead.
/// The pieces are those of [`inputs`] in the same order, with each gap
/// placed before the first input at or after its end (gaps ending after
/// the last input come after it).
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

/// Most passes a stream makes over a file besides the checking one
/// (each holds a file buffer): beyond, the file is read whole.
pub const MAX_PASSES: usize = 32;

enum Source {
    Memory {
        inputs: std::vec::IntoIter<ShiftInput>,
        gaps: std::iter::Peekable<std::vec::IntoIter<Gap>>,
        next: Option<ShiftInput>,
    },
    Merge(Box<Merge>),
}

/// The kinds of input, in the order a stable sort keeps at equal times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Rr,
    Hr,
    Motion,
    Gap,
}

impl Kind {
    fn want(self) -> formats::Want {
        let mut w = formats::Want {
            rr: false,
            hr: false,
            motion: false,
            gaps: false,
        };
        match self {
            Kind::Rr => w.rr = true,
            Kind::Hr => w.hr = true,
            Kind::Motion => w.motion = true,
            Kind::Gap => w.gaps = true,
        }
        w
    }
}

/// What the checking pass found about one kind.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    /// Events of the kind in the file.
    count: u64,
    /// Stretches whose times run forward.
    runs: usize,
    last_t: Option<Millis>,
    first_t: Option<Millis>,
}

impl Tally {
    fn add(&mut self, t: Millis) {
        self.count += 1;
        if self.last_t.is_none_or(|l| t < l) {
            self.runs += 1;
        }
        self.last_t = Some(t);
        self.first_t = Some(self.first_t.map_or(t, |f| f.min(t)));
    }
}

/// One pass over a file: the inputs of one kind in one forward stretch
/// (or, for gaps, all of them), ahead of being merged.
struct Lane {
    events: Box<dyn formats::Events>,
    kind: Kind,
    /// The stretch this pass gives (counted as [`Tally::add`] does).
    run: usize,
    run_now: usize,
    last_t: Option<Millis>,
    /// Events of the kind still to read (as many as the checking pass saw:
    /// lines added since are not read).
    left: u64,
    enmo: Enmo,
    head: Option<Piece>,
    done: bool,
}

impl Lane {
    /// The next piece of this lane, read as needed.
    fn peek(&mut self) -> Result<Option<&Piece>, FormatError> {
        while self.head.is_none() && !self.done {
            self.head = self.pull()?;
        }
        Ok(self.head.as_ref())
    }

    fn pull(&mut self) -> Result<Option<Piece>, FormatError> {
        if self.left == 0 {
            self.done = true;
            return Ok(self.finish_enmo());
        }
        let Some(event) = self.events.next().transpose()? else {
            self.done = true;
            return Ok(self.finish_enmo());
        };
        let input = match event {
            formats::Event::Rr(r) if self.kind == Kind::Rr => ShiftInput::Rr {
                t_ms: r.t_ms,
                rr_ms: r.rr_ms,
            },
            formats::Event::Hr(h) if self.kind == Kind::Hr => ShiftInput::HeartRate {
                t_ms: h.t_ms,
                bpm: h.bpm,
            },
            formats::Event::Motion(m) if self.kind == Kind::Motion => {
                self.left -= 1;
                return Ok(self
                    .enmo
                    .push(&m)
                    .map(|motion| Piece::Input(ShiftInput::Motion { motion })));
            }
            formats::Event::Gap(g) if self.kind == Kind::Gap => {
                self.left -= 1;
                return Ok(Some(Piece::Gap(g)));
            }
            _ => return Ok(None),
        };
        self.left -= 1;
        let t = input.t_ms();
        if self.last_t.is_none_or(|l| t < l) {
            self.run_now += 1;
        }
        self.last_t = Some(t);
        if self.run_now > self.run {
            // Past this pass's stretch: the rest is other passes'.
            self.done = true;
            return Ok(None);
        }
        Ok((self.run_now == self.run).then_some(Piece::Input(input)))
    }

    fn finish_enmo(&mut self) -> Option<Piece> {
        self.enmo
            .finish()
            .map(|motion| Piece::Input(ShiftInput::Motion { motion }))
    }
}

/// The passes of a streamed recording, merged by time.
struct Merge {
    inputs: Vec<Lane>,
    gaps: Option<Lane>,
    start_ms: Millis,
    last_t: Millis,
    /// RR and HR inputs the checking pass saw, and those given so far.
    expected: u64,
    given: u64,
    /// Added to every time (`--start`).
    offset: Millis,
    started: bool,
    ended: bool,
    failed: bool,
}

impl Merge {
    fn next(&mut self, path: &Path) -> Option<Result<Piece, FormatError>> {
        if self.failed {
            return None;
        }
        let r = self.step(path);
        if r.as_ref().is_some_and(Result::is_err) {
            self.failed = true;
        }
        r.map(|r| r.map(|p| moved_piece(p, self.offset)))
    }

    fn step(&mut self, path: &Path) -> Option<Result<Piece, FormatError>> {
        let gap_end = match self.gaps.as_mut().map(Lane::peek).transpose() {
            Ok(g) => g.flatten().map(piece_t),
            Err(e) => return Some(Err(e)),
        };
        if !self.started {
            if gap_end.is_some_and(|end| end <= self.start_ms) {
                return self.gaps.as_mut().and_then(|g| g.head.take()).map(Ok);
            }
            self.started = true;
            self.last_t = self.start_ms;
            return Some(Ok(Piece::Input(ShiftInput::Start {
                t_ms: self.start_ms,
            })));
        }
        // The lane whose next input is earliest (the first such on ties).
        let mut best: Option<(usize, Millis)> = None;
        for (i, lane) in self.inputs.iter_mut().enumerate() {
            match lane.peek() {
                Ok(Some(p)) => {
                    let t = piece_t(p);
                    if best.is_none_or(|(_, b)| t < b) {
                        best = Some((i, t));
                    }
                }
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
        }
        if let Some((i, t)) = best {
            if gap_end.is_some_and(|end| end <= t) {
                return self.gaps.as_mut().and_then(|g| g.head.take()).map(Ok);
            }
            let piece = self.inputs.get_mut(i).and_then(|l| l.head.take())?;
            if let Piece::Input(ShiftInput::Rr { .. } | ShiftInput::HeartRate { .. }) = piece {
                self.given += 1;
            }
            self.last_t = t;
            return Some(Ok(piece));
        }
        if !self.ended {
            self.ended = true;
            if self.given != self.expected {
                return Some(Err(FormatError::Changed {
                    path: path.to_path_buf(),
                }));
            }
            return Some(Ok(Piece::Input(ShiftInput::End { t_ms: self.last_t })));
        }
        // Gaps that end after the last input come last.
        gap_end?;
        self.gaps.as_mut().and_then(|g| g.head.take()).map(Ok)
    }
}

/// The time a piece is ordered by (a gap: its end).
fn piece_t(p: &Piece) -> Millis {
    match p {
        Piece::Input(i) => i.t_ms(),
        Piece::Gap(g) => g.end_ms,
    }
}

fn moved_piece(p: Piece, off: Millis) -> Piece {
    match p {
        Piece::Input(i) => Piece::Input(moved_input(i, off)),
        Piece::Gap(g) => Piece::Gap(Gap {
            start_ms: g.start_ms + off,
            end_ms: g.end_ms + off,
        }),
    }
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let passes = match &self.source {
            Source::Memory { .. } => None,
            Source::Merge(m) => Some(m.inputs.len() + usize::from(m.gaps.is_some())),
        };
        f.debug_struct("Stream")
            .field("path", &self.path)
            .field("origin_ms", &self.origin_ms)
            .field("streaming_passes", &passes)
            .finish()
    }
}

impl Stream {
    /// Opens a recording; `format` None means [`formats::detect`]. The
    /// file is checked whole here (a bad line fails before any input is
    /// given), without being held.
    pub fn open(path: &Path, format: Option<Format>) -> Result<Stream, FormatError> {
        let open = formats::events(path, format)?;
        let mut events = open(formats::Want::ALL)?;
        let (mut rr, mut hr, mut motion, mut gaps) = (
            Tally::default(),
            Tally::default(),
            Tally::default(),
            Tally::default(),
        );
        let mut finite_motion: Option<(Millis, Millis)> = None;
        for e in events.by_ref() {
            match e? {
                formats::Event::Rr(r) => rr.add(r.t_ms),
                formats::Event::Hr(h) => hr.add(h.t_ms),
                formats::Event::Motion(m) => {
                    motion.add(m.t_ms);
                    if m.magnitude_g.is_finite() {
                        finite_motion = Some((finite_motion.map_or(m.t_ms, |f| f.0), m.t_ms));
                    }
                }
                formats::Event::Gap(g) => gaps.add(g.end_ms),
            }
        }
        let summary = events.summary();
        drop(events);
        let passes = rr.runs + hr.runs + motion.runs.min(1) + usize::from(gaps.count > 0);
        if passes > MAX_PASSES || motion.runs > 1 {
            tracing::info!(
                file = %path.display(),
                passes,
                "the clock runs backwards too often to stream: read whole"
            );
            return Ok(Self::from_recording(
                path,
                formats::read_path(path, format)?,
            ));
        }
        let enmo = Enmo::new(summary.origin_ms, FeedOptions::default().motion_block_ms);
        let first_motion = finite_motion.map(|(first, _)| enmo.block_end(first));
        let first = [rr.first_t, hr.first_t, first_motion]
            .into_iter()
            .flatten()
            .min();
        let lane = |kind: Kind, run: usize, left: u64| -> Result<Lane, FormatError> {
            Ok(Lane {
                events: open(kind.want())?,
                kind,
                run,
                run_now: 0,
                last_t: None,
                left,
                enmo: enmo.clone(),
                head: None,
                done: false,
            })
        };
        let mut inputs = Vec::with_capacity(passes);
        for (kind, tally) in [(Kind::Rr, rr), (Kind::Hr, hr)] {
            for run in 1..=tally.runs {
                inputs.push(lane(kind, run, tally.count)?);
            }
        }
        if motion.count > 0 {
            inputs.push(lane(Kind::Motion, 1, motion.count)?);
        }
        let gaps = if gaps.count > 0 {
            Some(lane(Kind::Gap, 1, gaps.count)?)
        } else {
            None
        };
        Ok(Stream {
            start_unix_ms: summary.start_unix_ms,
            origin_ms: summary.origin_ms,
            has_data: rr.count > 0 || hr.count > 0,
            dropped_packets: summary.dropped_packets,
            path: path.to_path_buf(),
            source: Source::Merge(Box::new(Merge {
                inputs,
                gaps,
                start_ms: first.map_or(summary.origin_ms, |f| f.min(summary.origin_ms)),
                last_t: summary.origin_ms,
                expected: rr.count + hr.count,
                given: 0,
                offset: 0,
                started: false,
                ended: false,
                failed: false,
            })),
        })
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
            Source::Merge(m) => m.offset += off,
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
            Source::Merge(m) => m.next(&self.path),
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
