//! Schema versions and migrations.
//!
//! WHY a list: a phone may skip app versions, so a file of ANY earlier schema
//! version must open. `MIGRATIONS[i]` takes a file from version `i` to
//! `i + 1`; the version lives in `PRAGMA user_version` and is bumped in the
//! same transaction as the DDL, so a crash mid-migration leaves the old
//! version intact. Never edit a published entry: append a new one. The
//! tests build a file at every earlier version from this same list and open
//! it with the current code.

/// Identifies a Steady database in the SQLite header (`PRAGMA
/// application_id`): ASCII "STDY".
pub const APPLICATION_ID: i32 = 0x5354_4459;

/// One step of the schema history.
pub struct Migration {
    /// What this step adds, for logs.
    pub what: &'static str,
    pub sql: &'static str,
}

/// The schema history, oldest first.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        what: "v1: shifts, packed beat blocks, events, settings",
        sql: "
CREATE TABLE shifts (
    id          INTEGER PRIMARY KEY,
    started_ms  INTEGER NOT NULL,
    ended_ms    INTEGER,
    source      TEXT NOT NULL,
    label       TEXT,
    summary     TEXT
);
CREATE INDEX shifts_started ON shifts(started_ms);
CREATE TABLE beat_blocks (
    id        INTEGER PRIMARY KEY,
    shift_id  INTEGER NOT NULL REFERENCES shifts(id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    t_first   INTEGER NOT NULL,
    t_last    INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    data      BLOB NOT NULL
);
CREATE UNIQUE INDEX beat_blocks_shift_seq ON beat_blocks(shift_id, seq);
CREATE TABLE events (
    id        INTEGER PRIMARY KEY,
    shift_id  INTEGER NOT NULL REFERENCES shifts(id) ON DELETE CASCADE,
    t_ms      INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL
);
CREATE INDEX events_shift_t ON events(shift_id, t_ms);
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
",
    },
    Migration {
        what: "v2: HR-only and motion sample blocks, baseline history",
        sql: "
CREATE TABLE sample_blocks (
    id        INTEGER PRIMARY KEY,
    shift_id  INTEGER NOT NULL REFERENCES shifts(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    t_first   INTEGER NOT NULL,
    t_last    INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    data      BLOB NOT NULL
);
CREATE UNIQUE INDEX sample_blocks_shift_kind_seq ON sample_blocks(shift_id, kind, seq);
CREATE TABLE baselines (
    id        INTEGER PRIMARY KEY,
    t_ms      INTEGER NOT NULL,
    shift_id  INTEGER REFERENCES shifts(id) ON DELETE SET NULL,
    payload   TEXT NOT NULL
);
CREATE INDEX baselines_t ON baselines(t_ms);
",
    },
    Migration {
        what: "v3: key summary figures in columns for a cheap trend query; live writer token",
        sql: "
ALTER TABLE shifts ADD COLUMN beats INTEGER;
ALTER TABLE shifts ADD COLUMN mean_hr_bpm REAL;
ALTER TABLE shifts ADD COLUMN corrected_share REAL;
ALTER TABLE shifts ADD COLUMN duration_s REAL;
ALTER TABLE shifts ADD COLUMN activated_share REAL;
ALTER TABLE shifts ADD COLUMN baseline_share REAL;
ALTER TABLE shifts ADD COLUMN returns_to_baseline INTEGER;
ALTER TABLE shifts ADD COLUMN returns_per_hour REAL;
ALTER TABLE shifts ADD COLUMN longest_without_return_s REAL;
ALTER TABLE shifts ADD COLUMN load_start REAL;
ALTER TABLE shifts ADD COLUMN load_peak REAL;
ALTER TABLE shifts ADD COLUMN load_end REAL;
ALTER TABLE shifts ADD COLUMN prompts_offered INTEGER;
ALTER TABLE shifts ADD COLUMN prompts_taken INTEGER;
ALTER TABLE shifts ADD COLUMN resets INTEGER;
ALTER TABLE shifts ADD COLUMN writer TEXT;
CREATE INDEX shifts_ended ON shifts(ended_ms);
",
    },
    Migration {
        what: "v4: recovery time per shift (activation episodes, median recovery, share not recovered)",
        sql: "
ALTER TABLE shifts ADD COLUMN activation_episodes INTEGER;
ALTER TABLE shifts ADD COLUMN median_recovery_s REAL;
ALTER TABLE shifts ADD COLUMN not_recovered_share REAL;
",
    },
];

/// The schema version this code writes.
pub fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}
