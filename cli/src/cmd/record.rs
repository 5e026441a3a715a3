//! Storing the shift that `replay` and `demo` produce, with the shift
//! model's summary, and what to do with a shift an earlier run left
//! unfinished (killed mid-shift).
//!
//! WHY resume this way: the pipeline and the shift model are
//! deterministic, so a resumed replay runs the whole file through them
//! again, stores only what comes after what was saved (per stream: beats,
//! HR, motion, events), and fast-forwards (no real-time waiting) through
//! the saved part: the shift ends up exactly as if it had never been
//! interrupted. For a source that cannot be re-read (a live strap),
//! [`rebuild_model`] rebuilds the model's state from the saved data.
use anyhow::{Context, Result};
use std::path::PathBuf;
use steady_core::Millis;
use steady_core::activation::Motion;
use steady_core::beats::Beat;
use steady_core::shift::{Shift, ShiftConfig, ShiftEvent, ShiftInput, ShiftSetup};
use steady_core::store::model::INPUT_EVENT;
use steady_core::store::{
    KeyFigures, SampleKind, ShiftId, ShiftRecord, ShiftSource, ShiftWriter, Store, StoreError,
    WriterConfig,
};
use steady_core::summary::ShiftSummary;

use super::db::{DbArg, fmt_time};

/// Storage options shared by `replay` and `demo`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RecordArgs {
    #[command(flatten)]
    pub db: DbArg,
    /// Continue this recording's interrupted shift (a previous run was
    /// killed) instead of refusing to start.
    #[arg(long, conflicts_with = "close_unfinished")]
    pub resume: bool,
    /// Close this recording's interrupted shift with a summary of what was
    /// saved, then start a new shift.
    #[arg(long)]
    pub close_unfinished: bool,
    /// Do not store the shift.
    #[arg(long, conflicts_with_all = ["resume", "close_unfinished"])]
    pub no_store: bool,
}

const BEATS: usize = 0;
const HR: usize = 1;
const MOTION: usize = 2;
const EVENTS: usize = 3;

/// A shift being stored.
pub struct Recorder {
    writer: ShiftWriter,
    /// What the shift model starts from: the stored baseline history and
    /// the digests of earlier shifts.
    setup: ShiftSetup,
    /// For a resumed shift: the last stored time of each stream (beats,
    /// HR, motion, events). Each stream is pushed in time order, so what is
    /// at or before it is already stored.
    stored: [Option<Millis>; 4],
    path: PathBuf,
    failed_saves: u64,
    /// Keeps a temporary database alive for the run (demo without --db).
    _temp: Option<tempfile::TempDir>,
}

/// What to tell the user about the start.
pub enum Started {
    New(ShiftId),
    Resumed {
        id: ShiftId,
        stored_until: Option<Millis>,
    },
}

fn same_recording(r: &ShiftRecord, source: ShiftSource, label: &str) -> bool {
    r.source == source.as_str() && r.label.as_deref() == Some(label)
}

impl Recorder {
    /// Opens the database and starts (or resumes) the shift. `label`
    /// identifies the recording (its path): a killed run of the same
    /// recording is what `--resume` / `--close-unfinished` act on. With
    /// `temp_unless_db` and no `--db`, the shift goes to a temporary database
    /// deleted at exit (the demo).
    pub fn begin(
        args: &RecordArgs,
        source: ShiftSource,
        label: &str,
        start_ms: Millis,
        temp_unless_db: bool,
    ) -> Result<Option<(Recorder, Started)>> {
        if args.no_store {
            return Ok(None);
        }
        let (path, temp) = match (&args.db.db, temp_unless_db) {
            (None, true) => {
                let dir = tempfile::tempdir().context("cannot create a temporary database")?;
                (dir.path().join("demo.db"), Some(dir))
            }
            _ => (args.db.path()?, None),
        };
        let mut store = Store::open(&path)
            .with_context(|| format!("cannot open the Steady database {}", path.display()))?;
        let unfinished: Vec<ShiftRecord> = store
            .unfinished_shifts()?
            .into_iter()
            .filter(|r| same_recording(r, source, label))
            .collect();
        if let Some(last) = unfinished.last() {
            if args.resume {
                let id = last.id;
                let stored = [
                    store.beats(id)?.last().map(|b| b.t_ms),
                    store.samples(id, SampleKind::Hr)?.last().map(|s| s.t_ms),
                    store
                        .samples(id, SampleKind::Motion)?
                        .last()
                        .map(|s| s.t_ms),
                    store.events(id)?.last().map(|e| e.t_ms),
                ];
                let stored_until = stored[0];
                let setup = store.shift_setup(last.started_ms, ShiftConfig::default())?;
                let writer = ShiftWriter::resume(store, id, WriterConfig::default())?;
                let rec = Recorder {
                    writer,
                    setup,
                    stored,
                    path,
                    failed_saves: 0,
                    _temp: temp,
                };
                return Ok(Some((rec, Started::Resumed { id, stored_until })));
            }
            if args.close_unfinished {
                for r in &unfinished {
                    let saved = store.beat_count(r.id)?;
                    let end = close_with_model(&mut store, r)?;
                    eprintln!(
                        "closed interrupted shift {} at {} ({} beats saved)",
                        r.id,
                        fmt_time(end),
                        saved
                    );
                }
            } else {
                anyhow::bail!(
                    "shift {} of this recording was interrupted at {} (the process was stopped); \
                     run again with --resume to continue it or --close-unfinished to close it",
                    last.id,
                    store
                        .last_data_t(last.id)?
                        .map_or_else(|| "its start".to_string(), fmt_time)
                );
            }
        }
        let setup = store.shift_setup(start_ms, ShiftConfig::default())?;
        let writer = ShiftWriter::start(
            store,
            start_ms,
            source,
            Some(label),
            WriterConfig::default(),
        )?;
        let id = writer.shift_id();
        let rec = Recorder {
            writer,
            setup,
            stored: [None; 4],
            path,
            failed_saves: 0,
            _temp: temp,
        };
        Ok(Some((rec, Started::New(id))))
    }

    /// The database file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// True for the demo's temporary database (deleted at exit).
    pub fn is_temporary(&self) -> bool {
        self._temp.is_some()
    }

    /// True when beats up to `t_ms` are already stored (resumed shift):
    /// the replay fast-forwards through them.
    pub fn already_stored(&self, t_ms: Millis) -> bool {
        self.stored[BEATS].is_some_and(|s| t_ms <= s)
    }

    fn stored_in(&self, stream: usize, t_ms: Millis) -> bool {
        self.stored
            .get(stream)
            .copied()
            .flatten()
            .is_some_and(|s| t_ms <= s)
    }

    /// A failed save is reported once and retried by the writer (the data
    /// stays in memory); the replay goes on.
    fn report(&mut self, r: Result<(), StoreError>) {
        if let Err(e) = r {
            self.failed_saves += 1;
            if self.failed_saves == 1 || !e.is_transient() {
                eprintln!("steady: saving the shift failed: {e}");
            }
        }
    }

    /// The setup the shift model starts from.
    pub fn setup(&self) -> ShiftSetup {
        self.setup.clone()
    }

    /// Stores the kept events of a model step for an input at `now`
    /// (those an interrupted run had not stored already).
    pub fn model_events(&mut self, events: &[ShiftEvent], now: Millis) {
        for ev in events {
            if let Some((t, kind, payload)) = steady_core::store::model::event_record(ev, now)
                && !self.stored_in(EVENTS, t)
            {
                let r = self.writer.push_event(t, kind, &payload);
                self.report(r);
            }
        }
    }

    /// Stores a user action given to the model (data inputs are ignored:
    /// they have their own tables).
    pub fn model_input(&mut self, input: &ShiftInput) {
        if steady_core::store::model::input_record(input).is_some()
            && !self.stored_in(EVENTS, input.t_ms())
        {
            let r = self.writer.push_model_input(input);
            self.report(r);
        }
    }

    /// Stores a cleaned beat.
    pub fn beat(&mut self, b: &Beat) {
        if !self.stored_in(BEATS, b.t_ms) {
            let r = self.writer.push_beat(*b);
            self.report(r);
        }
    }

    /// Stores an HR-only reading.
    pub fn heart_rate(&mut self, t_ms: Millis, bpm: f64) {
        if !self.stored_in(HR, t_ms) {
            let r = self.writer.push_sample(SampleKind::Hr, t_ms, bpm as f32);
            self.report(r);
        }
    }

    /// Stores a motion input as the model got it (ENMO in g, or steps per
    /// minute).
    pub fn motion(&mut self, m: &Motion) {
        let (t_ms, v) = match *m {
            Motion::Enmo { t_ms, g } => (t_ms, g),
            Motion::StepsPerMinute { t_ms, value } => (t_ms, value),
        };
        if !self.stored_in(MOTION, t_ms) {
            let r = self.writer.push_sample(SampleKind::Motion, t_ms, v as f32);
            self.report(r);
        }
    }

    /// Something the file says that the model does not take (a recorded
    /// connection gap), stored as an event.
    pub fn note(&mut self, t_ms: Millis, kind: &str, payload: &serde_json::Value) {
        if !self.stored_in(EVENTS, t_ms) {
            let r = self.writer.push_event(t_ms, kind, payload);
            self.report(r);
        }
    }

    /// Data time has reached `t_ms`.
    pub fn tick(&mut self, t_ms: Millis) {
        let r = self.writer.tick(t_ms);
        self.report(r);
    }

    /// Ends the shift with the model's summary: its key figures and its
    /// still minutes (for the next shift's baseline) are stored.
    pub fn finish(mut self, summary: &ShiftSummary) -> Result<ShiftId> {
        self.writer
            .finish_with_summary(summary)
            .context("could not store the end of the shift")?;
        Ok(self.writer.shift_id())
    }
}

/// The model state of an interrupted shift, rebuilt from what was saved:
/// its setup as at its start, then the stored user actions, beats and HR
/// readings in time order through the deterministic model. (Motion is not
/// replayed: the stored motion unit depends on the shell.)
pub fn rebuild_model(store: &Store, r: &ShiftRecord) -> Result<Shift> {
    Ok(run_stored(store, r, None)?.0)
}

/// Every model event of a stored shift, recomputed from its saved data
/// (gauge refreshes are not stored; the chart needs them). Ends the model
/// at the shift's end when it has one.
pub fn rebuild_events(store: &Store, r: &ShiftRecord) -> Result<Vec<ShiftEvent>> {
    Ok(run_stored(store, r, r.ended_ms)?.1)
}

fn run_stored(
    store: &Store,
    r: &ShiftRecord,
    end: Option<Millis>,
) -> Result<(Shift, Vec<ShiftEvent>)> {
    let mut model = Shift::new(store.shift_setup(r.started_ms, ShiftConfig::default())?);
    let mut events = model.handle(&ShiftInput::Start { t_ms: r.started_ms });
    let mut all: Vec<ShiftInput> = store
        .events(r.id)?
        .into_iter()
        .filter(|e| e.kind == INPUT_EVENT)
        .filter_map(|e| serde_json::from_value::<ShiftInput>(e.payload).ok())
        .filter(|i| !matches!(i, ShiftInput::Start { .. } | ShiftInput::End { .. }))
        .collect();
    all.extend(store.beats(r.id)?.iter().map(ShiftInput::beat));
    all.extend(
        store
            .samples(r.id, SampleKind::Hr)?
            .iter()
            .map(|s| ShiftInput::HeartRate {
                t_ms: s.t_ms,
                bpm: f64::from(s.value),
            }),
    );
    // Stable: at equal times, user actions first.
    all.sort_by_key(ShiftInput::t_ms);
    for i in &all {
        events.extend(model.handle(i));
    }
    if let Some(t_ms) = end {
        events.extend(model.handle(&ShiftInput::End { t_ms }));
    }
    Ok((model, events))
}

/// Closes an interrupted shift with the summary the model gives for what
/// was saved, ending at the last saved data. The stored summary says
/// `"interrupted": true`. Returns the end time.
pub fn close_with_model(store: &mut Store, r: &ShiftRecord) -> Result<Millis> {
    let end = store.last_data_t(r.id)?.unwrap_or(r.started_ms);
    let mut model = rebuild_model(store, r)?;
    model.handle(&ShiftInput::End { t_ms: end });
    let summary = model
        .summary()
        .cloned()
        .context("the shift model did not end the shift")?;
    let mut json = serde_json::to_value(&summary)?;
    if let Some(o) = json.as_object_mut() {
        o.insert("interrupted".into(), serde_json::Value::Bool(true));
    }
    store.end_shift(r.id, end, &json, &KeyFigures::from_summary(&summary))?;
    store.save_shift_baseline(
        end,
        Some(r.id),
        Some(&summary.baseline),
        &summary.baseline_samples,
    )?;
    Ok(end)
}
