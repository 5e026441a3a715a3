//! The store's typed errors.
use super::ShiftId;
use super::codec::{CodecError, InvalidBeat};
use crate::Millis;
use std::path::PathBuf;

/// Everything that can go wrong in the store. Errors about a file that is
/// not ours (`NotSqlite`, `Foreign`, `Corrupt`, `TooNew`) are raised before
/// anything is written to it: the file is left exactly as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("{path} is not a SQLite database; it was left untouched")]
    NotSqlite { path: PathBuf },
    #[error(
        "{path} is a SQLite database of another application (application_id {found:#010x}, Steady's is {expected:#010x}); it was left untouched"
    )]
    Foreign {
        path: PathBuf,
        found: i32,
        expected: i32,
    },
    #[error("{path} is damaged ({reason}); it was left untouched")]
    Corrupt { path: PathBuf, reason: String },
    /// The file (or its folder, where SQLite keeps `-wal` and `-shm`)
    /// cannot be written: permissions, a read-only place. Not damage.
    #[error(
        "{path} cannot be written ({reason}); it is not damaged and was left untouched. Steady needs to write the file and to create its -wal and -shm files in the same folder: check the permissions of both"
    )]
    NotWritable { path: PathBuf, reason: String },
    #[error(
        "{path} has schema version {found}, newer than this Steady understands ({supported}); update Steady"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// SQLITE_FULL: the disk (or the page limit) is full. A live writer keeps
    /// its unsaved data in memory and retries while it runs; what it could
    /// not save when it ends is lost, and the caller says so (the message
    /// itself promises nothing).
    #[error("the disk is full")]
    Full,
    /// Another process held the database longer than the busy timeout.
    #[error("the database is busy (another Steady process is writing)")]
    Busy,
    #[error("no shift with id {0}")]
    NoSuchShift(ShiftId),
    #[error("shift {0} has already ended")]
    ShiftEnded(ShiftId),
    /// Another writer (another process, or a later resume) took the shift
    /// over; this writer's unsaved data stays in memory.
    #[error("shift {0} is now written by another Steady process (it was resumed elsewhere)")]
    TakenOver(ShiftId),
    /// The live writer's thread ended without answering (it does not
    /// panic; if it did, the caller gets this instead of a panic). What it
    /// was saving is lost.
    #[error("the store's writer thread stopped")]
    WriterStopped,
    /// A live writer stopped saving: its saves failed (`kind`, `reason`)
    /// until the unsaved data spanned `unsaved_ms` (its
    /// `max_unsaved_ms`, see `save_policy`). What was saved before
    /// `unsaved_from_ms` stays; the data from it on (`dropped` items) was
    /// not saved and is dropped; the shift is left unfinished. Every later
    /// call of that writer returns this.
    #[error(
        "saving stopped: {reason}, and {} s of data could not be saved; that data ({dropped} beats, samples and events) was dropped, what was saved before it stays",
        unsaved_ms / 1000
    )]
    SavingStopped {
        kind: StoreErrorKind,
        reason: String,
        unsaved_from_ms: Millis,
        unsaved_ms: Millis,
        dropped: usize,
    },
    #[error(transparent)]
    InvalidBeat(#[from] InvalidBeat),
    #[error("stored block {block} is damaged: {source}")]
    CorruptBlock {
        block: i64,
        #[source]
        source: CodecError,
    },
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
    #[error("SQLite error: {0}")]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => StoreError::Full,
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => StoreError::Busy,
            _ => StoreError::Sqlite(e),
        }
    }
}

/// What a shell can do about a store failure: the part of a [`StoreError`]
/// the FFI carries (with its text for logs), so Kotlin and Swift branch on
/// a kind, never on a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The disk is full: ask the wearer to free some space (a live shift
    /// keeps its data in memory and retries).
    Full,
    /// Another process holds the database: retried; if it lasts, another
    /// Steady is running.
    Busy,
    /// Another process carries this shift on (it was resumed elsewhere).
    TakenOver,
    /// The file was written by a newer Steady: update the app.
    TooNew,
    /// The file is not a Steady database (another app's, or not SQLite); it
    /// was left untouched: choose another file.
    Foreign,
    /// The file or some stored data is damaged (left untouched).
    Damaged,
    /// No such shift, or it has already ended.
    NotFound,
    /// The file could not be read or written (permissions, I/O).
    Io,
    /// Anything else (an unexpected SQLite or JSON error: a bug to report).
    Other,
}

impl StoreError {
    /// What a shell can do about it (see [`StoreErrorKind`]).
    pub fn kind(&self) -> StoreErrorKind {
        match self {
            StoreError::NotSqlite { .. } | StoreError::Foreign { .. } => StoreErrorKind::Foreign,
            StoreError::Corrupt { .. } | StoreError::CorruptBlock { .. } => StoreErrorKind::Damaged,
            StoreError::TooNew { .. } => StoreErrorKind::TooNew,
            StoreError::SavingStopped { kind, .. } => *kind,
            StoreError::Full => StoreErrorKind::Full,
            StoreError::Busy => StoreErrorKind::Busy,
            StoreError::TakenOver(_) => StoreErrorKind::TakenOver,
            StoreError::NoSuchShift(_) | StoreError::ShiftEnded(_) => StoreErrorKind::NotFound,
            StoreError::Io(_) | StoreError::NotWritable { .. } => StoreErrorKind::Io,
            StoreError::InvalidBeat(_)
            | StoreError::Json(_)
            | StoreError::Sqlite(_)
            | StoreError::WriterStopped => StoreErrorKind::Other,
        }
    }

    /// True when retrying later may succeed (full disk, busy database): a
    /// writer keeps its data for these.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StoreError::Full | StoreError::Busy | StoreError::Io(_)
        )
    }
}
