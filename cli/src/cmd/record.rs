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

/// A shift that failed to start (a full disk while creating it) may have
/// left its row, empty and unfinished: removed here, so that no rerun calls
/// it an interrupted shift; the message says what is left (`known`: the
/// recording's unfinished shifts from before).
pub(crate) fn not_started(
    error: &str,
    path: &std::path::Path,
    source: ShiftSource,
    label: &str,
    known: &[ShiftId],
) -> anyhow::Error {
    let left = |s: &Store| -> Result<Vec<ShiftId>, steady_core::store::StoreError> {
        Ok(s.unfinished_shifts()?
            .into_iter()
            .filter(|r| same_recording(r, source, label) && !known.contains(&r.id))
            .map(|r| r.id)
            .collect())
    };
    let Ok(mut store) = Store::open(path) else {
        return anyhow::anyhow!(
            "{error}: the shift could not be started; if it left an empty shift, `steady shifts` lists it and `steady delete ID` removes it once space is back"
        );
    };
    let mut removal = Ok(());
    for id in left(&store).unwrap_or_default() {
        if store.beat_count(id).unwrap_or(1) == 0 {
            removal = removal.and(store.delete_shift(id));
        }
    }
    match (left(&store), removal) {
        (Ok(ids), _) if ids.is_empty() => {
            anyhow::anyhow!("{error}: the shift could not be started; nothing was stored")
        }
        (Ok(ids), Err(e)) => anyhow::anyhow!(
            "{error}: the shift could not be started; its empty shift {} is left unfinished, it could not be removed ({e}): after freeing space, `steady delete {}` removes it",
            ids[0],
            ids[0]
        ),
        (Ok(ids), Ok(())) => anyhow::anyhow!(
            "{error}: the shift could not be started; shift {} is left unfinished: `steady delete {}` removes it",
            ids[0],
            ids[0]
        ),
        (Err(e), _) => anyhow::anyhow!(
            "{error}: the shift could not be started; what it left could not be read ({e}): `steady shifts` lists it and `steady delete ID` removes it once space is back"
        ),
    }
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
                "shift {} of this recording was interrupted at {} (the process was stopped, or saving failed); \
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
                let known: Vec<ShiftId> = unfinished.iter().map(|r| r.id).collect();
                let (shift, _) = RunningShift::start_recorded(
                    store,
                    setup,
                    start_ms,
                    source,
                    Some(label),
                    WriterConfig::default(),
                )
                .map_err(|e| not_started(&e.to_string(), &path, source, label, &known))?;
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
