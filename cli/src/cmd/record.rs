//! Where `replay` and `demo` store their shift (`--db`, a temporary
//! database for the demo), and what to do with a shift an earlier run of
//! the same recording left unfinished (killed mid-shift): refuse to guess,
//! `--resume` it or `--close-unfinished` it.
//!
//! Storing and resuming are the core's ([`steady_core::running`]): a
//! recording can be re-read, so a resumed replay runs the whole file
//! through a fresh model again ([`RunningShift::reopen`]), its recorder
//! stores only what comes after what was saved, and the replay
//! fast-forwards (no real-time waiting) through the saved part: the shift
//! ends up exactly as if it had never been interrupted.
use anyhow::{Context, Result};
use std::path::PathBuf;
use steady_core::Millis;
use steady_core::running::RunningShift;
use steady_core::shift::ShiftConfig;
use steady_core::store::{ShiftId, ShiftRecord, ShiftSource, Store, WriterConfig};

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

/// The database a shift is stored in.
pub struct ShiftDb {
    path: PathBuf,
    /// Keeps a temporary database alive for the run (demo without --db).
    _temp: Option<tempfile::TempDir>,
}

/// What to tell the user about the start.
pub enum Started {
    New,
    Resumed {
        id: ShiftId,
        stored_until: Option<Millis>,
    },
}

fn same_recording(r: &ShiftRecord, source: ShiftSource, label: &str) -> bool {
    r.source == source && r.label.as_deref() == Some(label)
}

impl ShiftDb {
    /// Opens the database and starts (or reopens) the shift. `label`
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
    ) -> Result<Option<(ShiftDb, RunningShift, Started)>> {
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
        let open = || {
            Store::open(&path)
                .with_context(|| format!("cannot open the Steady database {}", path.display()))
        };
        let store = open()?;
        let unfinished: Vec<ShiftRecord> = store
            .unfinished_shifts()?
            .into_iter()
            .filter(|r| same_recording(r, source, label))
            .collect();
        let (shift, started) = match unfinished.last() {
            Some(last) if args.resume => {
                let id = last.id;
                let stored_until = store.beats(id)?.last().map(|b| b.t_ms);
                let shift = RunningShift::reopen(store, id)?;
                (shift, Started::Resumed { id, stored_until })
            }
            Some(last) if !args.close_unfinished => anyhow::bail!(
                "shift {} of this recording was interrupted at {} (the process was stopped); \
                 run again with --resume to continue it or --close-unfinished to close it",
                last.id,
                store
                    .last_data_t(last.id)?
                    .map_or_else(|| "its start".to_string(), fmt_time)
            ),
            _ => {
                for r in &unfinished {
                    let saved = store.beat_count(r.id)?;
                    let summary = RunningShift::close_interrupted(open()?, r.id)?;
                    eprintln!(
                        "closed interrupted shift {} at {} ({} beats saved)",
                        r.id,
                        fmt_time(summary.end_ms),
                        saved
                    );
                }
                let setup = store.shift_setup(start_ms, ShiftConfig::default())?;
                let (shift, _) = RunningShift::start_recorded(
                    store,
                    setup,
                    start_ms,
                    source,
                    Some(label),
                    WriterConfig::default(),
                )?;
                (shift, Started::New)
            }
        };
        let db = ShiftDb { path, _temp: temp };
        Ok(Some((db, shift, started)))
    }

    /// The database file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// True for the demo's temporary database (deleted at exit).
    pub fn is_temporary(&self) -> bool {
        self._temp.is_some()
    }
}
