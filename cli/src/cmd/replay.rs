//! `steady replay FILE`: feed a recording through the shift model (the
//! path the phones run) in data time and print one line per gauge refresh
//! (every 5 s of data): the window's HR, RMSSD, beats and quality, the
//! gauge, state and load, all from the model's own gauge events; each prompt
//! as it is offered, and the shift summary at the end.
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use steady_core::Millis;
use steady_core::feed::enmo_blocks;
use steady_core::formats::Recording;
use steady_core::recorder::ShiftRecorder;
use steady_core::running::{RunError, RunningShift};
use steady_core::shift::{GaugeUpdate, ShiftEvent, ShiftInput, ShiftSetup, WindowQuality};
use steady_core::summary::ShiftSummary;

use super::common::{FormatArg, Out, clock, load, num, parse_speed};
use super::model::{gauge_line, summary_text};
use super::record::{RecordArgs, ShiftDb, Started};
use steady_core::store::{ShiftId, ShiftSource};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recording: RR text, E4 folder, hrm-log, Polar .hrm.
    pub file: PathBuf,
    /// File format.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
    /// Play N times faster than real time (default: no waiting).
    #[arg(long, conflicts_with = "realtime", value_parser = parse_speed)]
    pub speed: Option<f64>,
    /// Play in real time (same as --speed 1).
    #[arg(long)]
    pub realtime: bool,
    #[command(flatten)]
    pub store: RecordArgs,
}

/// The longest single wait during a replay, so a long dropout in a file
/// does not look like a hang.
const MAX_WAIT: Duration = Duration::from_secs(5);

/// What a replay saw, for the demo report.
#[derive(Debug, Clone, Default)]
pub struct ReplayOutcome {
    /// The model's gauge refreshes.
    pub gauges: Vec<GaugeUpdate>,
    /// The model's prompts (times on the recording's clock).
    pub prompts: Vec<Millis>,
    /// The model's shift summary.
    pub summary: Option<ShiftSummary>,
    /// Every event of the model (for a chart).
    pub events: Vec<ShiftEvent>,
    /// The signal that stopped the replay early (the shift was still ended).
    pub stopped_by: Option<&'static str>,
    /// The stored shift was deleted by another process during the replay.
    pub deleted: bool,
    /// Ending the stored shift failed (its last save): the store's error.
    pub store_failed: Option<String>,
}

/// The shift during a replay (stored unless `--no-store`), with the
/// recording's motion fed in time order.
struct Model {
    run: RunningShift,
    motion: Vec<ShiftInput>,
    next_motion: usize,
    /// Print every this many gauge refreshes.
    print_every: usize,
    store_failure_shown: bool,
}

impl Model {
    fn new(rec: &Recording, run: RunningShift, print_every: usize) -> Self {
        let motion = enmo_blocks(&rec.motion, rec.origin_ms, 5_000)
            .into_iter()
            .map(|motion| ShiftInput::Motion { motion })
            .collect();
        Self {
            run,
            motion,
            next_motion: 0,
            print_every: print_every.max(1),
            store_failure_shown: false,
        }
    }

    /// Feed one input (and the motion up to its time); print prompts.
    fn feed(
        &mut self,
        input: ShiftInput,
        origin: Millis,
        outcome: &mut ReplayOutcome,
        out: &mut impl Write,
    ) -> Result<()> {
        let t = input.t_ms();
        let mut inputs = Vec::new();
        while let Some(m) = self.motion.get(self.next_motion).filter(|m| m.t_ms() <= t) {
            inputs.push(m.clone());
            self.next_motion += 1;
        }
        inputs.push(input);
        for i in &inputs {
            let events = self.run.handle(i).events.clone();
            self.take(events, origin, outcome, out)?;
        }
        // A failed save is retried by the store (the data stays in memory);
        // the replay goes on. Said once. A shift deleted meanwhile (`steady
        // delete`) is not an error of the replay: said once, plainly.
        if let Some(e) = self.run.recorder().and_then(ShiftRecorder::store_error)
            && !self.store_failure_shown
        {
            if self.deleted() {
                eprintln!(
                    "steady: shift {} was deleted from the database while this replay stored it; the replay goes on without storing",
                    self.run
                        .recorder()
                        .map(ShiftRecorder::shift_id)
                        .unwrap_or_default()
                );
            } else {
                eprintln!("steady: saving the shift failed: {e}");
            }
            self.store_failure_shown = true;
        }
        Ok(())
    }

    /// True when the stored shift was deleted by another process.
    fn deleted(&self) -> bool {
        let Some((id, Some(e))) = self.run.recorder().map(|r| (r.shift_id(), r.store_error()))
        else {
            return false;
        };
        e == steady_core::store::StoreError::NoSuchShift(id).to_string()
    }

    fn take(
        &mut self,
        events: Vec<ShiftEvent>,
        origin: Millis,
        outcome: &mut ReplayOutcome,
        out: &mut impl Write,
    ) -> Result<()> {
        for e in events {
            match &e {
                ShiftEvent::Gauge { update } => {
                    if outcome.gauges.len().is_multiple_of(self.print_every) {
                        writeln!(out, "{}", line(update, origin))?;
                        out.flush()?;
                    }
                    outcome.gauges.push(*update);
                }
                ShiftEvent::PromptOffered { prompt } => {
                    outcome.prompts.push(prompt.t_ms);
                    writeln!(
                        out,
                        "+{:>7}  >> reset offered: {}",
                        clock((prompt.t_ms - origin) as f64 / 1000.0),
                        prompt.reason.describe()
                    )?;
                }
                ShiftEvent::Ended { summary } => outcome.summary = Some(summary.clone()),
                _ => {}
            }
            outcome.events.push(e);
        }
        Ok(())
    }
}

/// The window's quality in words.
pub fn quality_text(q: WindowQuality) -> &'static str {
    match q {
        WindowQuality::Good => "good",
        WindowQuality::Artifacts => "low (artifacts)",
        WindowQuality::CoarseTiming => "low (coarse RR)",
        WindowQuality::Gaps => "low (gaps)",
        WindowQuality::WarmingUp => "warming up",
        WindowQuality::HrOnly => "HR only",
        WindowQuality::NoSignal => "no signal",
    }
}

/// One line per gauge refresh, all from the model's gauge event.
pub fn line(u: &GaugeUpdate, origin: Millis) -> String {
    format!(
        "+{:>7}  HR {:>5} bpm  RMSSD {:>6} ms  lnRMSSD {:>5}  beats {:>3}  quality {:<15}  {}",
        clock(u.t_ms.saturating_sub(origin) as f64 / 1000.0),
        num(u.hr_bpm, 0),
        num(u.rmssd_ms, 1),
        num(u.ln_rmssd, 2),
        u.beats,
        quality_text(u.quality),
        gauge_line(u)
    )
}

/// Replays `rec` through `run` (started at the recording's origin) and
/// ends it; prints every `print_every`-th gauge refresh to `out`.
pub fn replay(
    rec: &Recording,
    speed: Option<f64>,
    print_every: usize,
    out: &mut impl Write,
    run: RunningShift,
) -> Result<ReplayOutcome> {
    let mut outcome = ReplayOutcome::default();
    let mut model = Model::new(rec, run, print_every);
    let (mut i, mut j, mut k) = (0usize, 0usize, 0usize);
    let mut last_t: Option<Millis> = None;
    loop {
        if let Some(sig) = crate::stop::requested() {
            outcome.stopped_by = Some(sig);
            break;
        }
        let next_rr = rec.rr.get(i);
        let next_hr = rec.hr.get(j);
        // The next reading in time order (RR first on a tie).
        let rr = next_rr.filter(|r| next_hr.is_none_or(|h| r.t_ms <= h.t_ms));
        let (t, input) = if let Some(r) = rr {
            i += 1;
            let input = ShiftInput::Rr {
                t_ms: r.t_ms,
                rr_ms: r.rr_ms,
            };
            (r.t_ms, input)
        } else if let Some(h) = next_hr {
            j += 1;
            let input = ShiftInput::HeartRate {
                t_ms: h.t_ms,
                bpm: h.bpm,
            };
            (h.t_ms, input)
        } else {
            break;
        };
        model.feed(input, rec.origin_ms, &mut outcome, out)?;
        if let (Some(s), Some(prev)) = (speed, last_t)
            && s > 0.0
            && t > prev
            // A resumed shift fast-forwards through what is already stored.
            && !model
                .run
                .recorder()
                .is_some_and(|r| r.already_stored(t))
        {
            let wait = Duration::try_from_secs_f64(t.saturating_sub(prev) as f64 / 1000.0 / s)
                .unwrap_or(MAX_WAIT);
            sleep_unless_stopped(wait.min(MAX_WAIT));
        }
        last_t = Some(last_t.map_or(t, |l| l.max(t)));
        // Connection gaps the file records, stored as events once passed.
        while let Some(g) = rec.gaps.get(k).filter(|g| g.end_ms <= t) {
            model.run.note(
                g.end_ms,
                "gap",
                &serde_json::json!({"start_ms": g.start_ms, "end_ms": g.end_ms}),
            );
            k += 1;
        }
    }
    let end = last_t.unwrap_or(rec.origin_ms);
    // Ends the model and stores its summary (nothing to store into when
    // the shift was deleted meanwhile: that was said already).
    match model.run.end(end) {
        Ok((_, events)) => model.take(events, rec.origin_ms, &mut outcome, out)?,
        Err(_) if model.deleted() => outcome.deleted = true,
        // The last save failed (a full disk): what was saved stays, and
        // the caller says how much.
        Err(RunError::Store(e)) => outcome.store_failed = Some(e.to_string()),
        Err(e) => return Err(e.into()),
    }
    Ok(outcome)
}

/// Sleeps `wait` in short slices, returning early on a stop signal.
pub fn sleep_unless_stopped(wait: Duration) {
    const SLICE: Duration = Duration::from_millis(50);
    let mut left = wait;
    while !left.is_zero() && crate::stop::requested().is_none() {
        let d = left.min(SLICE);
        std::thread::sleep(d);
        left -= d;
    }
}

/// Starts the shift at the recording's origin, stored unless `--no-store`
/// (and says so on stderr).
pub fn begin_store(
    args: &RecordArgs,
    source: ShiftSource,
    label: &str,
    rec: &Recording,
    temp_unless_db: bool,
) -> Result<(Option<ShiftDb>, RunningShift)> {
    let Some((r, run, started)) =
        ShiftDb::begin(args, source, label, rec.origin_ms, temp_unless_db)?
    else {
        let (run, _) = RunningShift::start_in_memory(ShiftSetup::default(), rec.origin_ms);
        return Ok((None, run));
    };
    match (started, run.recorder()) {
        (Started::New, Some(kept)) => eprintln!(
            "storing shift {} in {}",
            kept.shift_id(),
            r.path().display()
        ),
        (Started::New, None) => {}
        (Started::Resumed { id, stored_until }, _) => eprintln!(
            "resuming shift {id} in {} after {}",
            r.path().display(),
            stored_until.map_or_else(
                || "its start".to_string(),
                |t| clock((t - rec.origin_ms) as f64 / 1000.0)
            )
        ),
    }
    Ok((Some(r), run))
}

/// Says where the ended shift was stored.
pub fn finish_store(db: Option<ShiftDb>, run_id: Option<ShiftId>) -> Result<()> {
    let (Some(r), Some(id)) = (db, run_id) else {
        return Ok(());
    };
    let path = r.path().to_path_buf();
    if r.is_temporary() {
        eprintln!(
            "stored shift {id} in a temporary database (deleted now; pass --db PATH to keep it)"
        );
    } else {
        eprintln!("stored shift {id} in {}", path.display());
    }
    Ok(())
}

pub fn run(args: Args) -> Result<()> {
    let rec = load(&args.file, args.format)?;
    let speed = if args.realtime { Some(1.0) } else { args.speed };
    crate::stop::install()?;
    let label = std::fs::canonicalize(&args.file)
        .unwrap_or_else(|_| args.file.clone())
        .display()
        .to_string();
    let (db, run) = begin_store(&args.store, ShiftSource::Replay, &label, &rec, false)?;
    let id = run.recorder().map(ShiftRecorder::shift_id);
    let mut out = Out::stdout();
    let o = replay(&rec, speed, 1, &mut out, run)?;
    if let Some(s) = &o.summary {
        writeln!(
            out,
            "end: {} beats, {} corrected, {} gaps, {} refreshes",
            s.signal.beats,
            s.signal.corrected_beats,
            s.signal.gaps,
            o.gauges.len()
        )?;
        write!(out, "{}", summary_text(s))?;
    }
    if let Some(sig) = o.stopped_by {
        eprintln!("stopped by {sig}: the shift was ended with what was replayed so far");
    }
    if let (Some(e), Some(r), Some(id)) = (&o.store_failed, &db, id) {
        anyhow::bail!(
            "{}",
            not_saved(e, r.path(), id, rec.rr.len() as u64, rec.origin_ms)
        );
    }
    if !o.deleted {
        finish_store(db, id)?;
    }
    Ok(())
}

/// What a replay whose last save failed did and did not store, read back
/// from the database, and how to finish it.
fn not_saved(error: &str, db: &std::path::Path, id: ShiftId, beats: u64, origin: Millis) -> String {
    let saved = steady_core::store::Store::open(db)
        .and_then(|s| Ok((s.beat_count(id)?, s.last_data_t(id)?)));
    match saved {
        Ok((n, until)) => format!(
            "{error}: shift {id} keeps what was saved, {n} of {beats} beats{}; the rest was not saved and the shift is left unfinished (after freeing space, run the same replay with --resume to store the rest)",
            until.map_or_else(String::new, |t| format!(
                ", up to +{}",
                clock((t - origin) as f64 / 1000.0)
            ))
        ),
        Err(e2) => format!(
            "{error}: shift {id} was not ended and what it holds could not be read back ({e2}); nothing after the last successful save was kept"
        ),
    }
}
