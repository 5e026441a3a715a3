//! `--db PATH` for every command, and how the CLI shows stored shifts.
use anyhow::Context;
use std::path::PathBuf;
use steady_core::Millis;
use steady_core::store::{ShiftId, ShiftRecord, Store};

/// The database the command works on: the global `--db` (accepted before
/// or after the subcommand), filled in by `main`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DbArg {
    #[arg(skip)]
    pub db: Option<PathBuf>,
}

/// Where the database lives when `--db` is not given.
pub fn default_path() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("steady").join("steady.db"))
}

impl DbArg {
    pub fn path(&self) -> anyhow::Result<PathBuf> {
        match &self.db {
            Some(p) => Ok(p.clone()),
            None => default_path().context("no platform data directory: pass --db PATH"),
        }
    }

    /// Opens an existing database: commands that only read or delete do
    /// not create an empty one as a side effect.
    pub fn open_existing(&self) -> anyhow::Result<Store> {
        let path = self.path()?;
        anyhow::ensure!(
            path.exists(),
            "no Steady database at {} (nothing stored yet; --db PATH picks another)",
            path.display()
        );
        self.open()
    }

    /// Opens (creating if needed) the database.
    pub fn open(&self) -> anyhow::Result<Store> {
        let path = self.path()?;
        anyhow::ensure!(
            !path.is_dir(),
            "{} is a folder; --db needs a database file (e.g. {})",
            path.display(),
            path.join("steady.db").display()
        );
        Store::open(&path)
            .with_context(|| format!("cannot open the Steady database {}", path.display()))
    }
}

/// A shift named on the command line: its id or `last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftRef {
    Id(ShiftId),
    Last,
}

impl std::str::FromStr for ShiftRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("last") {
            return Ok(ShiftRef::Last);
        }
        s.parse()
            .map(ShiftRef::Id)
            .map_err(|_| format!("{s:?} is neither a shift id nor \"last\""))
    }
}

impl ShiftRef {
    pub fn resolve(self, store: &Store) -> anyhow::Result<ShiftRecord> {
        match self {
            ShiftRef::Id(id) => Ok(store.shift(id)?),
            ShiftRef::Last => store.last_shift()?.context("no shifts stored yet"),
        }
    }
}

/// Times before 1980 are offsets on a recording's own clock (files without
/// an absolute start), shown as `+H:MM:SS`; later ones as UTC date-time.
pub fn fmt_time(ms: Millis) -> String {
    const ABSOLUTE_FROM_MS: Millis = 315_532_800_000; // 1980-01-01
    if ms >= ABSOLUTE_FROM_MS
        && let Some(t) = chrono::DateTime::from_timestamp_millis(ms)
    {
        return t.format("%Y-%m-%d %H:%M").to_string();
    }
    format!("+{}", fmt_duration(ms))
}

/// `H:MM:SS`.
pub fn fmt_duration(ms: Millis) -> String {
    let s = ms.max(0) / 1000;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// "ended", "live or interrupted".
pub fn status(r: &ShiftRecord) -> &'static str {
    if r.ended_ms.is_some() {
        "ended"
    } else {
        "unfinished"
    }
}
