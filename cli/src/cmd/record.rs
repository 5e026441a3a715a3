//! Storing the shift that `replay`, `demo` and `import` produce, and what
//! to do with a shift an earlier run left unfinished (killed mid-shift).
//!
//! WHY resume by re-deriving: beat cleaning is deterministic, so a resumed
//! replay runs the same file through the same pipeline again, stores only
//! the beats after the last saved one, and fast-forwards (no real-time
//! waiting) through the part already stored. The shift ends up exactly as
//! if it had never been interrupted.
use anyhow::{Context, Result};
use serde_json::Value;
use std::path::PathBuf;
use steady_core::Millis;
use steady_core::beats::Beat;
use steady_core::store::{
    KeyFigures, SampleKind, ShiftId, ShiftRecord, ShiftSource, ShiftWriter, Store, StoreError,
    WriterConfig,
};

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
    /// deleted at exit (the demo). `close_summary` summarizes an interrupted
    /// shift from its stored beats.
    pub fn begin(
        args: &RecordArgs,
        source: ShiftSource,
        label: &str,
        start_ms: Millis,
        temp_unless_db: bool,
        close_summary: impl Fn(&[Beat]) -> (Value, KeyFigures),
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
                let writer = ShiftWriter::resume(store, id, WriterConfig::default())?;
                let rec = Recorder {
                    writer,
                    stored,
                    path,
                    failed_saves: 0,
                    _temp: temp,
                };
                return Ok(Some((rec, Started::Resumed { id, stored_until })));
            }
            if args.close_unfinished {
                for r in &unfinished {
                    let beats = store.beats(r.id)?;
                    let (summary, key) = close_summary(&beats);
                    let end = store.last_data_t(r.id)?.unwrap_or(r.started_ms);
                    store.end_shift(r.id, end, &summary, &key)?;
                    eprintln!(
                        "closed interrupted shift {} at {} ({} beats saved)",
                        r.id,
                        fmt_time(end),
                        beats.len()
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
        let writer = ShiftWriter::start(
            store,
            start_ms,
            source,
            Some(label),
            WriterConfig::default(),
        )?;
        let id = writer.shift_id();
        Ok(Some((
            Recorder {
                writer,
                stored: [None; 4],
                path,
                failed_saves: 0,
                _temp: temp,
            },
            Started::New(id),
        )))
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

    pub fn beat(&mut self, b: &Beat) {
        if self.stored_in(BEATS, b.t_ms) {
            return;
        }
        let r = self.writer.push_beat(*b);
        self.report(r);
    }

    pub fn sample(&mut self, kind: SampleKind, t_ms: Millis, value: f64) {
        let stream = match kind {
            SampleKind::Hr => HR,
            SampleKind::Motion => MOTION,
        };
        if self.stored_in(stream, t_ms) {
            return;
        }
        let r = self.writer.push_sample(kind, t_ms, value as f32);
        self.report(r);
    }

    pub fn event(&mut self, t_ms: Millis, kind: &str, payload: &Value) {
        if self.stored_in(EVENTS, t_ms) {
            return;
        }
        let r = self.writer.push_event(t_ms, kind, payload);
        self.report(r);
    }

    /// Data time has reached `t_ms`.
    pub fn tick(&mut self, t_ms: Millis) {
        let r = self.writer.tick(t_ms);
        self.report(r);
    }

    /// Ends the shift with its summary.
    pub fn finish(mut self, end_ms: Millis, summary: &Value, key: &KeyFigures) -> Result<ShiftId> {
        self.writer
            .finish(end_ms, summary, key)
            .context("could not store the end of the shift")?;
        Ok(self.writer.shift_id())
    }
}
