//! The on-device store across the FFI: open it, start or resume a stored
//! live shift, list the history, read a summary, export, delete.
//!
//! The store holds health data and never sends it anywhere: an export
//! writes a file where the shell asks (its share sheet decides what next).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use steady_core::Millis;
use steady_core::drift::ShiftArc;
use steady_core::recorder::rebuild_events;
use steady_core::running::RunningShift;
use steady_core::shift::{GaugeUpdate, ShiftConfig, ShiftEvent};
use steady_core::store::{
    ShiftRecord, ShiftSource, Store, StoreError, StoreErrorKind, WriterConfig,
};
use steady_core::summary::ShiftSummary;

use crate::SteadyError;
use crate::edge::guard;
use crate::shift::LiveShift;

impl From<StoreError> for SteadyError {
    fn from(e: StoreError) -> Self {
        SteadyError::Store {
            kind: e.kind(),
            reason: e.to_string(),
        }
    }
}

/// Export formats of one shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ExportFormat {
    /// Beats as CSV.
    BeatsCsv,
    /// Summary and events as JSON.
    Json,
    /// RR intervals as Kubios-compatible text.
    Kubios,
}

/// An open Steady database (SQLite, WAL). Safe from any thread.
#[derive(uniffi::Object)]
pub struct SteadyStore {
    path: PathBuf,
    store: Mutex<Store>,
}

impl SteadyStore {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, SteadyError>,
    ) -> Result<T, SteadyError> {
        guard(|| {
            let mut store = self.store.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut store)
        })
    }
}

#[uniffi::export]
impl SteadyStore {
    /// Opens (or creates, mode 0600) the database at `path`. A file that is
    /// not Steady's, is damaged or comes from a newer Steady is refused with
    /// `SteadyException.Store` and left untouched.
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<Self>, SteadyError> {
        guard(|| {
            let store = Store::open(&path)?;
            Ok(Arc::new(SteadyStore {
                path: PathBuf::from(path),
                store: Mutex::new(store),
            }))
        })
    }

    /// Starts a live shift at `t_ms` that saves as it goes (at most 5 s of
    /// data unsaved) and can be resumed if the app is killed. It starts from
    /// the personal baseline and trend that earlier shifts left in the store.
    pub fn start_shift(
        &self,
        t_ms: Millis,
        config: ShiftConfig,
    ) -> Result<Arc<LiveShift>, SteadyError> {
        guard(|| {
            // The live shift writes through its own connection (WAL: readers
            // here are never blocked by it).
            let store = Store::open(&self.path)?;
            let setup = store.shift_setup(t_ms, config)?;
            let (running, events) = RunningShift::start_recorded(
                store,
                setup,
                t_ms,
                ShiftSource::Live,
                None,
                WriterConfig::default(),
            )?;
            Ok(LiveShift::running(running, &events))
        })
    }

    /// Continues an interrupted shift (see [`SteadyStore::unfinished_shifts`]).
    pub fn resume_shift(&self, id: i64) -> Result<Arc<LiveShift>, SteadyError> {
        guard(|| {
            let store = Store::open(&self.path)?;
            Ok(LiveShift::running(RunningShift::resume(store, id)?, &[]))
        })
    }

    /// Every shift, oldest first.
    pub fn shifts(&self) -> Result<Vec<ShiftRecord>, SteadyError> {
        self.with(|s| Ok(s.shifts()?))
    }

    /// Shifts that were never ended (the app was killed): resume or close.
    pub fn unfinished_shifts(&self) -> Result<Vec<ShiftRecord>, SteadyError> {
        self.with(|s| Ok(s.unfinished_shifts()?))
    }

    /// The stored summary of an ended shift (`None` while it runs).
    pub fn summary(&self, id: i64) -> Result<Option<ShiftSummary>, SteadyError> {
        self.with(|s| match s.summary(id)? {
            None => Ok(None),
            Some(v) => serde_json::from_value(v)
                .map(Some)
                .map_err(|e| SteadyError::Store {
                    kind: StoreErrorKind::Damaged,
                    reason: format!("stored summary of shift {id} is not readable: {e}"),
                }),
        })
    }

    /// The gauge refreshes of a stored shift, in time order, for the
    /// summary chart: recomputed from its stored data (refreshes are not
    /// stored; a shell restarted mid-shift has not heard them all), the same
    /// the live model emitted. About one every 5 s (8640 for 12 h).
    pub fn gauge_series(&self, id: i64) -> Result<Vec<GaugeUpdate>, SteadyError> {
        self.with(|s| {
            let rec = s.shift(id)?;
            Ok(rebuild_events(s, &rec)?
                .into_iter()
                .filter_map(|e| match e {
                    ShiftEvent::Gauge { update } => Some(update),
                    _ => None,
                })
                .collect())
        })
    }

    /// Writes one shift to `path` in `format`.
    pub fn export(&self, id: i64, format: ExportFormat, path: String) -> Result<(), SteadyError> {
        self.with(|s| {
            let export_err = |e: std::io::Error| SteadyError::Export {
                reason: format!("{path}: {e}"),
            };
            let mut out = BufWriter::new(File::create(&path).map_err(export_err)?);
            match format {
                ExportFormat::BeatsCsv => s.export_beats_csv(id, &mut out)?,
                ExportFormat::Json => s.export_json(id, &mut out)?,
                ExportFormat::Kubios => s.export_kubios(id, &mut out)?,
            }
            out.flush().map_err(export_err)
        })
    }

    /// The arc across shifts for the history screen: the ended shifts of
    /// the last `days` days before the latest one ends, each with its drift
    /// figures (7-day mean, 28-day normal range), and the drift as of the
    /// latest shift with its plain-language line (the core's
    /// `Store::shift_arc`; `steady trend --json` prints the same).
    pub fn shift_arc(&self, days: u32, config: ShiftConfig) -> Result<ShiftArc, SteadyError> {
        self.with(|s| Ok(s.shift_arc(days, &config)?))
    }

    /// Deletes one shift and everything recorded in it (overwritten on disk).
    pub fn delete_shift(&self, id: i64) -> Result<(), SteadyError> {
        self.with(|s| Ok(s.delete_shift(id)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserAction;

    const T0: Millis = 1_764_000_000_000;

    #[test]
    fn the_stored_gauge_series_is_what_the_live_shift_emitted() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("steady.db").to_string_lossy().into_owned();
        let store = SteadyStore::open(db).unwrap();
        let shift = store.start_shift(T0, ShiftConfig::default()).unwrap();
        for i in 1..=900 {
            // 15 min, heart rate drifting up and down.
            let rr: u16 = 900 + ((i % 300) as u16) / 2 + if i % 2 == 0 { 20 } else { 0 };
            let [lo, hi] = rr.to_le_bytes();
            shift.ingest(T0 + i * 1000, vec![0x16, 66, lo, hi]).unwrap();
        }
        let id = shift.snapshot().shift_id.unwrap();
        shift.end(T0 + 901_000).unwrap();
        let live: Vec<GaugeUpdate> = shift
            .poll_events(u32::MAX)
            .into_iter()
            .filter_map(|e| match e {
                ShiftEvent::Gauge { update } => Some(update),
                _ => None,
            })
            .collect();
        assert!(live.len() > 100, "{} refreshes", live.len());
        assert_eq!(store.gauge_series(id).unwrap(), live);
        assert!(
            store.gauge_series(id + 1).is_err(),
            "an unknown shift is a typed error"
        );
    }

    #[test]
    fn a_stored_shift_runs_ends_and_exports() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("steady.db").to_string_lossy().into_owned();
        let store = SteadyStore::open(db).unwrap();
        let shift = store.start_shift(T0, ShiftConfig::default()).unwrap();
        for i in 1..=120 {
            let rr: u16 = if i % 2 == 0 { 1034 } else { 1014 };
            let [lo, hi] = rr.to_le_bytes();
            shift.ingest(T0 + i * 1000, vec![0x16, 60, lo, hi]).unwrap();
        }
        shift
            .user_action(T0 + 120_500, UserAction::Quiet { on: true })
            .unwrap();
        let id = shift.snapshot().shift_id.unwrap();
        assert_eq!(store.unfinished_shifts().unwrap().len(), 1);
        let summary = shift.end(T0 + 121_000).unwrap();
        assert_eq!(store.summary(id).unwrap(), Some(summary));
        let listed = store.shifts().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].ended_ms, Some(T0 + 121_000));
        assert!(listed[0].key.beats.unwrap() > 100);
        for (f, name) in [
            (ExportFormat::BeatsCsv, "b.csv"),
            (ExportFormat::Json, "s.json"),
            (ExportFormat::Kubios, "k.txt"),
        ] {
            let p = dir.path().join(name).to_string_lossy().into_owned();
            store.export(id, f, p.clone()).unwrap();
            assert!(std::fs::metadata(&p).unwrap().len() > 100, "{name}");
        }
        let bad = dir
            .path()
            .join("no/such/dir/x.csv")
            .to_string_lossy()
            .into_owned();
        assert!(matches!(
            store.export(id, ExportFormat::BeatsCsv, bad),
            Err(SteadyError::Export { .. })
        ));
        let arc = store.shift_arc(28, ShiftConfig::default()).unwrap();
        assert_eq!(arc.points.len(), 1);
        assert_eq!(arc.points[0].shift.shift_id, id);
        assert!(arc.drift.is_some_and(|d| d.line.is_none()));
        store.delete_shift(id).unwrap();
        assert!(store.shifts().unwrap().is_empty());
        assert!(
            store
                .shift_arc(28, ShiftConfig::default())
                .unwrap()
                .points
                .is_empty()
        );
    }

    #[test]
    fn a_foreign_file_is_a_typed_store_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("not-a-db");
        std::fs::write(&p, b"hello, not sqlite at all, just text").unwrap();
        let err = SteadyStore::open(p.to_string_lossy().into_owned())
            .err()
            .unwrap();
        assert!(
            matches!(
                err,
                SteadyError::Store {
                    kind: StoreErrorKind::Foreign,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
