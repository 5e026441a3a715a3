//! Durable, private storage of shifts: SQLite (bundled) in WAL mode.
//!
//! WHY these choices:
//! - WAL + `synchronous = FULL`: a commit survives a killed process and a
//!   power cut; readers never block the live writer. The live writer
//!   journals its data every 5 s of data (one `write()`, `store/journal.rs`)
//!   and folds it in every 5 minutes of data on its own thread and
//!   connection with `NORMAL` (no fsync per commit; still safe against a
//!   killed process), see `store/writer.rs`.
//! - `busy_timeout` and `BEGIN IMMEDIATE` for every write: two processes on
//!   one file wait for each other instead of failing or corrupting it.
//! - `PRAGMA application_id` marks the file as Steady's; a file that is not
//!   SQLite, belongs to another application, is damaged, or comes from a
//!   newer Steady is refused with a typed error BEFORE anything is written.
//! - `secure_delete`: deleted health data is overwritten, not left in free
//!   pages.
//! - New files are created with mode 0600 on Unix (SQLite gives its `-wal`
//!   and `-shm` files the same mode).
//! - Beats are packed in blocks ([`codec`]), so a 24-hour recording takes
//!   about 2 bytes per beat including indexes.
//! - The store does not depend on the model's types: events, summaries and
//!   baselines are kept as JSON, and the figures the trend needs are
//!   columns ([`KeyFigures`]).
//!
//! The live path is [`ShiftWriter`]; everything else is on [`Store`].
pub mod codec;
mod error;
mod export;
mod journal;
mod save_policy;
pub mod schema;
mod writer;

pub use codec::Sample;

/// The settings key under which a shift's model configuration is kept (so
/// a resume or a chart runs the model as the shift ran); deleted with the
/// shift. The store keeps it as JSON, like everything of the model.
pub fn config_key(id: ShiftId) -> String {
    format!("{CONFIG_KEY_PREFIX}{id}")
}

/// Prefix of [`config_key`].
const CONFIG_KEY_PREFIX: &str = "shift_config:";
pub use error::{StoreError, StoreErrorKind};
pub use writer::{FOLD_AFTER_MS, ShiftWriter, WriterConfig};

use crate::Millis;
use crate::beats::Beat;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use schema::{APPLICATION_ID, MIGRATIONS, current_version};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Row id of a shift.
pub type ShiftId = i64;

/// How long a write waits for another process before [`StoreError::Busy`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a shift's data came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum ShiftSource {
    /// Recorded from a strap (`steady live`, the phone apps).
    Live,
    /// A recording replayed (`steady replay`).
    Replay,
    /// The bundled demo recording (`steady demo`).
    Demo,
    /// A recording imported as a past shift (`steady import`).
    Import,
}

impl ShiftSource {
    /// The name stored in the `source` column.
    pub fn as_str(self) -> &'static str {
        match self {
            ShiftSource::Live => "live",
            ShiftSource::Replay => "replay",
            ShiftSource::Demo => "demo",
            ShiftSource::Import => "import",
        }
    }

    /// The source stored as `name` (`None` for a name this Steady does not
    /// know).
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Live, Self::Replay, Self::Demo, Self::Import]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

impl std::fmt::Display for ShiftSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl rusqlite::types::FromSql for ShiftSource {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let name = v.as_str()?;
        Self::from_name(name).ok_or_else(|| {
            rusqlite::types::FromSqlError::Other(format!("unknown shift source {name:?}").into())
        })
    }
}

/// Kinds of timestamped scalar series besides beats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SampleKind {
    /// HR-only readings (bpm) from a strap that sends no RR.
    Hr,
    /// Motion as passed in by the shells (steps/min or acceleration).
    Motion,
}

impl SampleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SampleKind::Hr => "hr",
            SampleKind::Motion => "motion",
        }
    }
}

/// The summary figures kept in columns so the trend across shifts is one
/// cheap query. `None` = not known. `beats`, `mean_hr_bpm` and
/// `corrected_share` are filled from the stored beats when the caller leaves
/// them `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct KeyFigures {
    /// Beats stored.
    pub beats: Option<i64>,
    /// 60000 / mean RR of the stored beats.
    pub mean_hr_bpm: Option<f64>,
    /// Share (0..1) of beats the cleaner corrected.
    pub corrected_share: Option<f64>,
    /// Length of the shift as the model measured it.
    pub duration_s: Option<f64>,
    /// Share (0..1) of signal time `activated`.
    pub activated_share: Option<f64>,
    /// Share (0..1) of signal time at baseline.
    pub baseline_share: Option<f64>,
    pub returns_to_baseline: Option<i64>,
    pub returns_per_hour: Option<f64>,
    pub longest_without_return_s: Option<f64>,
    pub load_start: Option<f64>,
    pub load_peak: Option<f64>,
    pub load_end: Option<f64>,
    pub prompts_offered: Option<i64>,
    /// Prompts the person took (started a reset).
    pub prompts_taken: Option<i64>,
    /// Resets done (whether prompted or not).
    pub resets: Option<i64>,
    /// Activation episodes ([`crate::recovery`]; schema v4, `None` for
    /// shifts stored before).
    #[serde(default)]
    pub activation_episodes: Option<i64>,
    /// Median time from an episode's peak back to baseline, seconds.
    #[serde(default)]
    pub median_recovery_s: Option<f64>,
    /// Share (0..1) of episodes not back at baseline before the next one or
    /// the shift's end.
    #[serde(default)]
    pub not_recovered_share: Option<f64>,
}

/// One shift as listed in the history (the shells get it as is).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ShiftRecord {
    pub id: ShiftId,
    pub started_ms: Millis,
    /// `None` while the shift is live or was interrupted (see
    /// [`Store::unfinished_shifts`]).
    pub ended_ms: Option<Millis>,
    pub source: ShiftSource,
    pub label: Option<String>,
    pub key: KeyFigures,
}

/// An event as stored: kind + time + the model's own JSON payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub t_ms: Millis,
    pub kind: String,
    pub payload: serde_json::Value,
}

/// One saved state of the personal baseline (the model's serde JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredBaseline {
    pub t_ms: Millis,
    pub shift_id: Option<ShiftId>,
    pub payload: serde_json::Value,
}

/// An open Steady database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

const SHIFT_COLS: &str = "id, started_ms, ended_ms, source, label, beats, mean_hr_bpm, corrected_share, duration_s, activated_share, baseline_share, returns_to_baseline, returns_per_hour, longest_without_return_s, load_start, load_peak, load_end, prompts_offered, prompts_taken, resets, activation_episodes, median_recovery_s, not_recovered_share";

fn shift_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ShiftRecord> {
    Ok(ShiftRecord {
        id: r.get(0)?,
        started_ms: r.get(1)?,
        ended_ms: r.get(2)?,
        source: r.get(3)?,
        label: r.get(4)?,
        key: KeyFigures {
            beats: r.get(5)?,
            mean_hr_bpm: r.get(6)?,
            corrected_share: r.get(7)?,
            duration_s: r.get(8)?,
            activated_share: r.get(9)?,
            baseline_share: r.get(10)?,
            returns_to_baseline: r.get(11)?,
            returns_per_hour: r.get(12)?,
            longest_without_return_s: r.get(13)?,
            load_start: r.get(14)?,
            load_peak: r.get(15)?,
            load_end: r.get(16)?,
            prompts_offered: r.get(17)?,
            prompts_taken: r.get(18)?,
            resets: r.get(19)?,
            activation_episodes: r.get(20)?,
            median_recovery_s: r.get(21)?,
            not_recovered_share: r.get(22)?,
        },
    })
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Creates the file with owner-only permissions, and its directory if
/// missing (0700 on Unix). `Ok(false)` when someone else created it first.
fn create_private(path: &Path) -> Result<bool, StoreError> {
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir)?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    match o.open(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// A failure to open or write the file as [`StoreError::NotWritable`]
/// (with the path), anything else as usual.
fn not_writable(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match e.sqlite_error_code() {
        Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => {
            StoreError::NotWritable {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        }
        _ => e.into(),
    }
}

/// Refuses a file this process may not write, before SQLite touches it
/// (a failed write on a 0400 file used to leave a 0400 `-shm` that kept
/// every later command failing). Then, on Unix: an empty file we are about
/// to fill with health data gets owner-only permissions, and `-wal` /
/// `-shm` files left with another mode than the database's (SQLite copies
/// the database's mode when it creates them) are given it back.
fn check_writable(path: &Path) -> Result<(), StoreError> {
    let not_writable = |e: std::io::Error| StoreError::NotWritable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                not_writable(e)
            }
            _ => StoreError::Io(e),
        })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = f.metadata()?;
        if meta.len() == 0 {
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        let mode = f.metadata()?.permissions().mode() & 0o777;
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            let side = PathBuf::from(side);
            if let Ok(m) = std::fs::metadata(&side)
                && m.is_file()
                && m.permissions().mode() & 0o777 != mode
            {
                std::fs::set_permissions(&side, std::fs::Permissions::from_mode(mode))
                    .map_err(not_writable)?;
            }
        }
    }
    #[cfg(not(unix))]
    drop(f);
    Ok(())
}

/// Reads the first 16 bytes; a non-empty file without SQLite's magic is not
/// ours to touch.
fn check_magic(path: &Path) -> Result<(), StoreError> {
    let mut f = std::fs::File::open(path)?;
    let mut head = [0u8; 16];
    let mut got = 0;
    while got < head.len() {
        let n = f.read(head.get_mut(got..).unwrap_or(&mut []))?;
        if n == 0 {
            break;
        }
        got += n;
    }
    if got == 0 {
        return Ok(()); // empty: a file we may initialise
    }
    if got < head.len() || &head != SQLITE_MAGIC {
        return Err(StoreError::NotSqlite {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

impl Store {
    /// Opens (creating if missing) the database at `path` and brings its
    /// schema up to date. Refuses, without writing anything, a file that is
    /// not SQLite, another application's database, a damaged file or one
    /// from a newer Steady.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        if !path.exists() {
            create_private(&path)?;
        }
        check_magic(&path)?;
        check_writable(&path)?;
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mut store = Store { conn, path };
        // WHY retry: two processes setting up a new (empty) file at once
        // can deadlock on its first write (each holds a read lock and wants
        // to write), and SQLite then answers one of them SQLITE_BUSY at
        // once, without waiting out the busy timeout. A moment later the
        // file is set up and the next attempt goes through: retried 20 ms
        // apart for as long as the busy timeout.
        let since = std::time::Instant::now();
        loop {
            match store.set_up() {
                Err(StoreError::Busy) if since.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                r => break r?,
            }
        }
        // A killed live writer's journal (store/journal.rs): its data goes
        // into the file before anyone reads it. Best effort here (a reader
        // on a full disk still opens); a resume does it strictly.
        if let Err(e) = journal::recover(&store, None) {
            tracing::warn!(error = %e, "could not fold a killed writer's journal in yet");
        }
        Ok(store)
    }

    /// Folds a killed live writer's journal of shift `id` into the file
    /// (store/journal.rs). [`Store::open`] does it for every shift, best
    /// effort; a resume needs it done, or its error.
    pub fn recover_journal(&self, id: ShiftId) -> Result<(), StoreError> {
        journal::recover(self, Some(id)).map(|_| ())
    }

    /// Test hook: how many beats and HR samples of `shift` a kill right now
    /// would leave (the database's and what journals hold beyond them).
    #[doc(hidden)]
    pub fn durable_counts(&self, shift: ShiftId) -> Result<(usize, usize), StoreError> {
        journal::durable_counts(self, shift)
    }

    /// Read-only look at the header and schema: decides whether the file is
    /// ours before anything is written. A file SQLite cannot open or write
    /// (its folder read-only, a `-wal` it cannot create) is not called
    /// damaged.
    /// Refuses what is not ours, then WAL and the schema.
    fn set_up(&mut self) -> Result<(), StoreError> {
        self.inspect()?;
        self.configure()?;
        self.migrate()
    }

    fn inspect(&self) -> Result<(), StoreError> {
        let corrupt = |e: rusqlite::Error| match self.not_writable(e) {
            StoreError::Sqlite(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) =>
            {
                StoreError::Busy
            }
            // SQLite cannot map or grow its -shm (a full disk): not damage.
            StoreError::Sqlite(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::SystemIoFailure) =>
            {
                StoreError::Io(std::io::Error::other(format!(
                    "{} could not be opened ({e}; is the disk full?); it is not damaged and was left untouched",
                    self.path.display()
                )))
            }
            StoreError::Sqlite(e) => StoreError::Corrupt {
                path: self.path.clone(),
                reason: e.to_string(),
            },
            other => other,
        };
        let app_id: i32 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(corrupt)?;
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(corrupt)?;
        let objects: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(corrupt)?;
        // A blank SQLite file (no schema, no id) may be one we created and
        // were killed before the first migration committed: ours to set up.
        let blank = app_id == 0 && version == 0 && objects == 0;
        if app_id != APPLICATION_ID && !blank {
            return Err(StoreError::Foreign {
                path: self.path.clone(),
                found: app_id,
                expected: APPLICATION_ID,
            });
        }
        self.check_version(version)
    }

    fn not_writable(&self, e: rusqlite::Error) -> StoreError {
        not_writable(&self.path, e)
    }

    fn check_version(&self, version: i64) -> Result<(), StoreError> {
        if version > current_version() {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                supported: current_version(),
            });
        }
        if version < 0 {
            return Err(StoreError::Corrupt {
                path: self.path.clone(),
                reason: format!("negative schema version {version}"),
            });
        }
        Ok(())
    }

    fn configure(&self) -> Result<(), StoreError> {
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| self.not_writable(e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(%mode, "SQLite refused WAL mode");
        }
        self.conn
            .execute_batch(
                "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
            )
            .map_err(|e| self.not_writable(e))?;
        Ok(())
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| not_writable(&path, e))?;
        // Re-read inside the write lock: another process may have migrated.
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > current_version() || version < 0 {
            drop(tx);
            return self.check_version(version);
        }
        let from = usize::try_from(version).unwrap_or(0);
        for (i, m) in MIGRATIONS.iter().enumerate().skip(from) {
            tracing::info!(to = i + 1, what = m.what, "migrating store schema");
            tx.execute_batch(m.sql)?;
        }
        if version < current_version() {
            tx.pragma_update(None, "user_version", current_version())?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file (always the current one after
    /// [`Store::open`]).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Full consistency check of the file (`PRAGMA quick_check`); slow on
    /// large files, so not run on every open.
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let res: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if res == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                path: self.path.clone(),
                reason: res,
            })
        }
    }

    /// Records the start of a shift. The live path is
    /// [`ShiftWriter::start`], which calls this.
    pub fn create_shift(
        &self,
        started_ms: Millis,
        source: ShiftSource,
        label: Option<&str>,
    ) -> Result<ShiftId, StoreError> {
        self.conn.execute(
            "INSERT INTO shifts (started_ms, source, label) VALUES (?1, ?2, ?3)",
            params![started_ms, source.as_str(), label],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// One shift, or [`StoreError::NoSuchShift`].
    pub fn shift(&self, id: ShiftId) -> Result<ShiftRecord, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {SHIFT_COLS} FROM shifts WHERE id = ?1"),
                [id],
                shift_from_row,
            )
            .optional()?
            .ok_or(StoreError::NoSuchShift(id))
    }

    fn shift_query(
        &self,
        tail: &str,
        p: impl rusqlite::Params,
    ) -> Result<Vec<ShiftRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {SHIFT_COLS} FROM shifts {tail}"))?;
        let rows = stmt.query_map(p, shift_from_row)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// All shifts, oldest first.
    pub fn shifts(&self) -> Result<Vec<ShiftRecord>, StoreError> {
        self.shift_query("ORDER BY started_ms, id", [])
    }

    /// The most recently started shift.
    pub fn last_shift(&self) -> Result<Option<ShiftRecord>, StoreError> {
        Ok(self
            .shift_query("ORDER BY started_ms DESC, id DESC LIMIT 1", [])?
            .pop())
    }

    /// Shifts that were started and never ended: a live shift in another
    /// process, or one whose process was killed. Resume one with
    /// [`ShiftWriter::resume`] or close it with [`Store::end_shift`].
    pub fn unfinished_shifts(&self) -> Result<Vec<ShiftRecord>, StoreError> {
        self.shift_query("WHERE ended_ms IS NULL ORDER BY started_ms, id", [])
    }

    /// Key figures of the last `limit` ended shifts, oldest first: the trend
    /// across shifts. Reads only the `shifts` table.
    pub fn trend(&self, limit: u32) -> Result<Vec<ShiftRecord>, StoreError> {
        let mut v = self.shift_query(
            "WHERE ended_ms IS NOT NULL ORDER BY started_ms DESC, id DESC LIMIT ?1",
            [limit],
        )?;
        v.reverse();
        Ok(v)
    }

    /// All stored beats of a shift, in order.
    pub fn beats(&self, id: ShiftId) -> Result<Vec<Beat>, StoreError> {
        let mut out = Vec::new();
        self.for_each_beat_block(id, |block| out.extend_from_slice(block))?;
        Ok(out)
    }

    /// Calls `f` with each stored block of a shift's beats, in order.
    ///
    /// WHY: a shift can hold weeks of beats (an import of a long file); a
    /// figure over all of them (count, mean) must not hold them all.
    pub fn for_each_beat_block(
        &self,
        id: ShiftId,
        mut f: impl FnMut(&[Beat]),
    ) -> Result<(), StoreError> {
        self.shift(id)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, t_first, data FROM beat_blocks WHERE shift_id = ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            let block: i64 = r.get(0)?;
            let t_first: Millis = r.get(1)?;
            let data: Vec<u8> = r.get(2)?;
            let beats = codec::decode_beats(t_first, &data)
                .map_err(|source| StoreError::CorruptBlock { block, source })?;
            f(&beats);
        }
        Ok(())
    }

    /// Number of stored beats of a shift (from block headers, no decoding).
    pub fn beat_count(&self, id: ShiftId) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT coalesce(sum(n), 0) FROM beat_blocks WHERE shift_id = ?1",
            [id],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Stored HR-only or motion samples of a shift, in order.
    pub fn samples(&self, id: ShiftId, kind: SampleKind) -> Result<Vec<Sample>, StoreError> {
        self.shift(id)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, t_first, data FROM sample_blocks WHERE shift_id = ?1 AND kind = ?2 ORDER BY seq",
        )?;
        let mut rows = stmt.query(params![id, kind.as_str()])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let block: i64 = r.get(0)?;
            let t_first: Millis = r.get(1)?;
            let data: Vec<u8> = r.get(2)?;
            let s = codec::decode_samples(t_first, &data)
                .map_err(|source| StoreError::CorruptBlock { block, source })?;
            out.extend(s);
        }
        Ok(out)
    }

    /// Events of a shift in time order.
    /// The time of the last stored event of a shift (`None` without one).
    pub(crate) fn last_event_time(&self, id: ShiftId) -> Result<Option<Millis>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT max(t_ms) FROM events WHERE shift_id = ?1",
            [id],
            |r| r.get(0),
        )?)
    }

    pub fn events(&self, id: ShiftId) -> Result<Vec<StoredEvent>, StoreError> {
        self.shift(id)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT t_ms, kind, payload FROM events WHERE shift_id = ?1 ORDER BY t_ms, id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, Millis>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (t_ms, kind, payload) = row?;
            out.push(StoredEvent {
                t_ms,
                kind,
                payload: serde_json::from_str(&payload)?,
            });
        }
        Ok(out)
    }

    /// The stored end-of-shift summary (the model's JSON), if ended.
    pub fn summary(&self, id: ShiftId) -> Result<Option<serde_json::Value>, StoreError> {
        let s: Option<String> = self
            .conn
            .query_row("SELECT summary FROM shifts WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or(StoreError::NoSuchShift(id))?;
        Ok(s.map(|s| serde_json::from_str(&s)).transpose()?)
    }

    /// The latest time stored for a shift (beat, sample or event), e.g. to
    /// close an interrupted shift at the moment its data stops.
    pub fn last_data_t(&self, id: ShiftId) -> Result<Option<Millis>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT max(t) FROM (
                SELECT max(t_last) AS t FROM beat_blocks WHERE shift_id = ?1
                UNION ALL SELECT max(t_last) FROM sample_blocks WHERE shift_id = ?1
                UNION ALL SELECT max(t_ms) FROM events WHERE shift_id = ?1)",
            [id],
            |r| r.get(0),
        )?)
    }

    /// Ends a shift: stores the summary (the model's JSON) and the key
    /// figures. Fails with [`StoreError::ShiftEnded`] if already ended.
    ///
    /// WHY any `Serialize`, written straight to text: a summary can carry
    /// hundreds of thousands of still minutes (an import of weeks); a
    /// `serde_json::Value` of them costs ~20x their size.
    pub fn end_shift(
        &mut self,
        id: ShiftId,
        ended_ms: Millis,
        summary: &(impl Serialize + ?Sized),
        key: &KeyFigures,
    ) -> Result<(), StoreError> {
        let rec = self.shift(id)?;
        if rec.ended_ms.is_some() {
            return Err(StoreError::ShiftEnded(id));
        }
        let mut k = key.clone();
        if k.beats.is_none() || k.mean_hr_bpm.is_none() || k.corrected_share.is_none() {
            let (mut n, mut rr_sum, mut corrected) = (0usize, 0.0f64, 0usize);
            self.for_each_beat_block(id, |block| {
                for b in block {
                    n += 1;
                    rr_sum += b.rr_ms;
                    corrected += usize::from(b.corrected);
                }
            })?;
            k.beats.get_or_insert(n as i64);
            if n > 0 {
                k.mean_hr_bpm.get_or_insert(60_000.0 / (rr_sum / n as f64));
                k.corrected_share.get_or_insert(corrected as f64 / n as f64);
            }
        }
        let summary = serde_json::to_string(summary)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE shifts SET ended_ms = ?2, summary = ?3, beats = ?4, mean_hr_bpm = ?5, corrected_share = ?6, duration_s = ?7, activated_share = ?8, baseline_share = ?9, returns_to_baseline = ?10, returns_per_hour = ?11, longest_without_return_s = ?12, load_start = ?13, load_peak = ?14, load_end = ?15, prompts_offered = ?16, prompts_taken = ?17, resets = ?18, activation_episodes = ?19, median_recovery_s = ?20, not_recovered_share = ?21
             WHERE id = ?1 AND ended_ms IS NULL",
            params![
                id,
                ended_ms,
                summary,
                k.beats,
                k.mean_hr_bpm,
                k.corrected_share,
                k.duration_s,
                k.activated_share,
                k.baseline_share,
                k.returns_to_baseline,
                k.returns_per_hour,
                k.longest_without_return_s,
                k.load_start,
                k.load_peak,
                k.load_end,
                k.prompts_offered,
                k.prompts_taken,
                k.resets,
                k.activation_episodes,
                k.median_recovery_s,
                k.not_recovered_share,
            ],
        )?;
        if changed == 0 {
            return Err(StoreError::ShiftEnded(id));
        }
        tx.commit()?;
        Ok(())
    }

    /// Saves a state of the personal baseline (the model's serde JSON).
    pub fn save_baseline(
        &self,
        t_ms: Millis,
        shift_id: Option<ShiftId>,
        payload: &(impl Serialize + ?Sized),
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO baselines (t_ms, shift_id, payload) VALUES (?1, ?2, ?3)",
            params![t_ms, shift_id, serde_json::to_string(payload)?],
        )?;
        Ok(())
    }

    /// The payloads of the baselines saved in `[from, to]`, oldest first
    /// (the store keeps them as JSON; `seam` reads them as the model's).
    pub fn baseline_payloads(
        &self,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<serde_json::Value>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT payload FROM baselines WHERE t_ms >= ?1 AND t_ms <= ?2 ORDER BY t_ms, id",
        )?;
        let rows = stmt.query_map([from, to], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(serde_json::from_str(&row?)?);
        }
        Ok(out)
    }

    /// The newest saved baseline: what the next shift starts from.
    pub fn latest_baseline(&self) -> Result<Option<StoredBaseline>, StoreError> {
        Ok(self.baselines("ORDER BY t_ms DESC, id DESC LIMIT 1")?.pop())
    }

    /// Every saved baseline, oldest first.
    pub fn baseline_history(&self) -> Result<Vec<StoredBaseline>, StoreError> {
        self.baselines("ORDER BY t_ms, id")
    }

    /// The saved baselines with `from <= t_ms <= to`, oldest first, with
    /// the shift each belongs to.
    pub fn baselines_between(
        &self,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<StoredBaseline>, StoreError> {
        self.baselines(&format!(
            "WHERE t_ms >= {from} AND t_ms <= {to} ORDER BY t_ms, id"
        ))
    }

    fn baselines(&self, tail: &str) -> Result<Vec<StoredBaseline>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT t_ms, shift_id, payload FROM baselines {tail}"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, Millis>(0)?,
                r.get::<_, Option<ShiftId>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (t_ms, shift_id, payload) = row?;
            out.push(StoredBaseline {
                t_ms,
                shift_id,
                payload: serde_json::from_str(&payload)?,
            });
        }
        Ok(out)
    }

    /// Stores a setting (any JSON value).
    pub fn set_setting(&self, key: &str, value: &serde_json::Value) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, serde_json::to_string(value)?],
        )?;
        Ok(())
    }

    /// A stored setting.
    pub fn setting(&self, key: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let s: Option<String> = self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(s.map(|s| serde_json::from_str(&s)).transpose()?)
    }

    /// Deletes one shift with its beats, samples, events and kept model
    /// configuration. Baselines it produced are kept (they are the person's
    /// running baseline) but lose their link to it.
    pub fn delete_shift(&mut self, id: ShiftId) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute("DELETE FROM shifts WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(StoreError::NoSuchShift(id));
        }
        tx.execute("DELETE FROM settings WHERE key = ?1", [config_key(id)])?;
        tx.execute(
            "DELETE FROM settings WHERE key = ?1",
            [journal::seq_key(id)],
        )?;
        tx.commit()?;
        // A killed writer's journal of it goes too (a live one is removed
        // by its writer at its next save).
        journal::recover(self, Some(id))?;
        self.scrub_wal()
    }

    /// Deletes every shift and the baseline history (settings are kept,
    /// except the shifts' model configurations), then compacts the file so the
    /// data is gone from disk too. Returns the number of shifts deleted.
    pub fn delete_all(&mut self) -> Result<u64, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = tx.execute("DELETE FROM shifts", [])?;
        tx.execute("DELETE FROM baselines", [])?;
        for prefix in [CONFIG_KEY_PREFIX, journal::SEQ_KEY_PREFIX] {
            tx.execute(
                "DELETE FROM settings WHERE substr(key, 1, ?2) = ?1",
                params![prefix, prefix.len() as i64],
            )?;
        }
        tx.commit()?;
        journal::recover(self, None)?;
        self.scrub_wal()?;
        self.conn.execute_batch("VACUUM")?;
        self.scrub_wal()?;
        Ok(n as u64)
    }

    /// Moves the WAL into the main file and truncates it, so old page
    /// images of deleted data do not linger in the `-wal` file. Best effort
    /// when another process is reading (SQLite then checkpoints later).
    fn scrub_wal(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Bytes the file uses (page count x page size, minus free pages),
    /// without the `-wal` file.
    pub fn used_bytes(&self) -> Result<u64, StoreError> {
        let (pages, size, free): (i64, i64, i64) = self.conn.query_row(
            "SELECT page_count, page_size, freelist_count FROM pragma_page_count(), pragma_page_size(), pragma_freelist_count()",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(u64::try_from((pages - free) * size).unwrap_or(0))
    }

    /// Test hook: caps the file at `pages` pages so writes fail with
    /// SQLITE_FULL, as on a full disk. Not persisted (per connection: a live
    /// shift's saves are on its writer thread's connection, capped with
    /// [`ShiftWriter::set_max_page_count`]).
    #[doc(hidden)]
    pub fn set_max_page_count(&self, pages: i64) -> Result<(), StoreError> {
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        Ok(())
    }

    /// Bench hook: `PRAGMA data_version`, which changes when another
    /// connection (e.g. a live shift's writer thread) committed: counts the
    /// writer thread's saves.
    #[doc(hidden)]
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// Current page count (for the full-disk test hook).
    #[doc(hidden)]
    pub fn page_count(&self) -> Result<i64, StoreError> {
        Ok(self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?)
    }
}
