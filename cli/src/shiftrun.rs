//! One shift as `steady live` runs it: the core's shift model fed with
//! strap packets and user actions and, with a database, everything
//! persisted through the store's model seam (`core::store::model`) as it
//! happens, the same way `replay` / `demo` store theirs (`cmd::record`).
//!
//! The model ([`Shift`]) decides everything; this module only plumbs:
//! - packets go to the model as they arrived (`ShiftInput::Packet`), so the
//!   model's own decoding, timing and cleaning rules apply;
//! - for storage, the same packets go through the core's [`BeatPipeline`]
//!   (the same cleaner with the same defaults) because the model does not
//!   hand its cleaned beats out; a packet without RR is stored as an HR
//!   sample;
//! - the model's events and the user's actions are stored as the seam says
//!   (gauge refreshes are not: they are recomputed from the stored beats);
//!   the summary, its key figures and the still minutes go with the end.
//! - A live shift that was killed is carried on by the next run: its model
//!   is rebuilt from what was stored (`cmd::record::rebuild_model`).
//!
//! A store write that fails is retried by the store's writer (nothing is
//! dropped); the live session goes on and the failure is reported.

use steady_core::Millis;
use steady_core::beats::CleanerConfig;
use steady_core::hrm;
use steady_core::pipeline::BeatPipeline;
use steady_core::shift::{Shift, ShiftConfig, ShiftEvent, ShiftInput, ShiftSetup};
use steady_core::store::{
    SampleKind, ShiftId, ShiftRecord, ShiftSource, ShiftWriter, Store, StoreError, WriterConfig,
};
use steady_core::summary::ShiftSummary;

/// The HRV window of the storage pipeline (the model keeps its own).
const STORE_WINDOW_MS: Millis = 60_000;

/// The store saves every 5 s of data; a shift whose last saved data is
/// younger than two saves may belong to a `steady live` still running.
const STILL_LIVE_MS: Millis = 10_000;

/// Errors that end a shift run (a failed periodic save does not).
#[derive(Debug, thiserror::Error)]
pub enum ShiftRunError {
    /// Opening, starting or finishing the stored shift failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Rebuilding an interrupted shift failed.
    #[error("carrying on with the interrupted shift: {0:#}")]
    Resume(anyhow::Error),
}

/// Runs a whole recording through a fresh shift model (in data time, no
/// store) and returns every event, the `End` summary included. Inputs are
/// fed in time order: RR intervals (`ShiftInput::Rr`, cleaned inside the
/// model) and HR-only samples.
pub fn run_recording(rec: &steady_core::formats::Recording) -> Vec<ShiftEvent> {
    let mut shift = Shift::new(ShiftSetup::default());
    let mut events = shift.handle(&ShiftInput::Start {
        t_ms: rec.origin_ms,
    });
    let (mut i, mut j) = (0usize, 0usize);
    let mut last = rec.origin_ms;
    loop {
        let input = match (rec.rr.get(i), rec.hr.get(j)) {
            (Some(r), Some(h)) if r.t_ms <= h.t_ms => {
                i += 1;
                ShiftInput::Rr {
                    t_ms: r.t_ms,
                    rr_ms: r.rr_ms,
                }
            }
            (_, Some(h)) => {
                j += 1;
                ShiftInput::HeartRate {
                    t_ms: h.t_ms,
                    bpm: h.bpm,
                }
            }
            (Some(r), None) => {
                i += 1;
                ShiftInput::Rr {
                    t_ms: r.t_ms,
                    rr_ms: r.rr_ms,
                }
            }
            (None, None) => break,
        };
        last = last.max(input.t_ms());
        events.extend(shift.handle(&input));
    }
    events.extend(shift.handle(&ShiftInput::End { t_ms: last }));
    events
}

/// A running shift.
pub struct ShiftRun {
    shift: Shift,
    beats: BeatPipeline,
    writer: Option<ShiftWriter>,
    store_error: Option<String>,
}

impl ShiftRun {
    fn with(shift: Shift, writer: Option<ShiftWriter>) -> Self {
        Self {
            shift,
            beats: BeatPipeline::new(STORE_WINDOW_MS, CleanerConfig::default()),
            writer,
            store_error: None,
        }
    }

    /// Starts a shift at `t` (data time), stored when `store` is given.
    /// Returns the run and the model's first events.
    pub fn start(
        store: Option<Store>,
        source: ShiftSource,
        label: Option<&str>,
        t: Millis,
    ) -> Result<(Self, Vec<ShiftEvent>), ShiftRunError> {
        let (setup, writer) = match store {
            Some(s) => {
                let setup = s.shift_setup(t, ShiftConfig::default())?;
                (
                    setup,
                    Some(ShiftWriter::start(
                        s,
                        t,
                        source,
                        label,
                        WriterConfig::default(),
                    )?),
                )
            }
            None => (ShiftSetup::default(), None),
        };
        let mut run = Self::with(Shift::new(setup), writer);
        let events = run.input(&ShiftInput::Start { t_ms: t });
        Ok((run, events))
    }

    /// Carries on the most recent open live shift when its last saved data
    /// is 10 s to `within_ms` old at `t` (younger: maybe a `steady live`
    /// still running; older: a new shift); otherwise starts a new one. The
    /// third value is the resumed shift's id. The model is rebuilt from what
    /// was stored; the time in between is a gap for it.
    pub fn resume_or_start(
        store: Store,
        label: Option<&str>,
        t: Millis,
        within_ms: Millis,
    ) -> Result<(Self, Vec<ShiftEvent>, Option<ShiftId>), ShiftRunError> {
        let mut open: Vec<ShiftRecord> = store
            .unfinished_shifts()?
            .into_iter()
            .filter(|r| r.source == ShiftSource::Live.as_str())
            .collect();
        open.sort_by_key(|r| std::cmp::Reverse(r.started_ms));
        if let Some(r) = open.first() {
            let last = store.last_data_t(r.id)?.unwrap_or(r.started_ms);
            let age = t - last;
            if age > STILL_LIVE_MS && age <= within_ms {
                let model =
                    crate::cmd::record::rebuild_model(&store, r).map_err(ShiftRunError::Resume)?;
                let writer = ShiftWriter::resume(store, r.id, WriterConfig::default())?;
                return Ok((Self::with(model, Some(writer)), Vec::new(), Some(r.id)));
            }
            tracing::info!(
                "not carrying on with shift {} ({} s since its last data)",
                r.id,
                age / 1000
            );
        }
        let (run, events) = Self::start(Some(store), ShiftSource::Live, label, t)?;
        Ok((run, events, None))
    }

    /// The stored shift's id, with a database.
    pub fn shift_id(&self) -> Option<ShiftId> {
        self.writer.as_ref().map(ShiftWriter::shift_id)
    }

    /// The last store failure, until a save succeeds (for the screen).
    pub fn store_error(&self) -> Option<&str> {
        self.store_error.as_deref()
    }

    /// A 0x2A37 value that arrived at `t`.
    pub fn packet(&mut self, t: Millis, bytes: &[u8]) -> Vec<ShiftEvent> {
        let mut failed = None;
        if let Some(w) = &mut self.writer {
            let res = self.beats.push_packet(t, bytes, |b| {
                if let Err(e) = w.push_beat(*b) {
                    failed = Some(e);
                }
            });
            match res {
                Err(e) => tracing::debug!("packet at {t} not stored as beats: {e}"),
                // HR-only straps: the heart rate is what there is to keep.
                Ok(()) => {
                    if let Ok(v) = hrm::decode_view(bytes)
                        && v.rr_1024().len() == 0
                        && v.heart_rate_bpm > 0
                        && let Err(e) =
                            w.push_sample(SampleKind::Hr, t, f32::from(v.heart_rate_bpm))
                    {
                        failed = Some(e);
                    }
                }
            }
        }
        self.note_store(failed);
        self.input(&ShiftInput::Packet {
            t_ms: t,
            bytes: bytes.to_vec(),
        })
    }

    /// The strap link dropped: the storage pipeline must not splice beats
    /// across the gap (the model notices the silence by itself).
    pub fn link_lost(&mut self) {
        let mut failed = None;
        if let Some(w) = &mut self.writer {
            self.beats.gap(|b| {
                if let Err(e) = w.push_beat(*b) {
                    failed = Some(e);
                }
            });
        }
        self.note_store(failed);
    }

    /// Any input; user actions and the model's events are stored as the
    /// store's seam says.
    pub fn input(&mut self, input: &ShiftInput) -> Vec<ShiftEvent> {
        let t = input.t_ms();
        let mut failed = None;
        if let Some(w) = &mut self.writer
            && let Err(e) = w.push_model_input(input)
        {
            failed = Some(e);
        }
        let events = self.shift.handle(input);
        if let Some(w) = &mut self.writer {
            if let Err(e) = w.push_model_events(&events, t) {
                failed = Some(e);
            }
            if let Err(e) = w.tick(t) {
                failed = Some(e);
            }
        }
        self.note_store(failed);
        events
    }

    fn note_store(&mut self, failed: Option<StoreError>) {
        if let Some(e) = failed {
            tracing::warn!("saving the shift failed (kept in memory, retried): {e}");
            self.store_error = Some(e.to_string());
        } else if self
            .writer
            .as_ref()
            .is_some_and(|w| w.last_error().is_none())
        {
            self.store_error = None;
        }
    }

    /// Ends the shift at `t`: the model's summary, stored with its key
    /// figures and still minutes. Returns the summary and the last events.
    pub fn end(
        mut self,
        t: Millis,
    ) -> Result<(Option<ShiftSummary>, Vec<ShiftEvent>), ShiftRunError> {
        let events = self.input(&ShiftInput::End { t_ms: t });
        let summary = self.shift.summary().cloned();
        if let Some(mut w) = self.writer.take() {
            let mut failed = None;
            self.beats.finish(|b| {
                if let Err(e) = w.push_beat(*b) {
                    failed = Some(e);
                }
            });
            if let Some(e) = failed {
                tracing::warn!("last beats not saved: {e}");
            }
            match &summary {
                Some(s) => w.finish_with_summary(s)?,
                None => w.finish(t, &serde_json::Value::Null, &Default::default())?,
            }
        }
        Ok((summary, events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_core::hrm::{HeartRateMeasurement, SensorContact};

    /// The shared Polar H10 sample (real RR, ms), as the tests elsewhere.
    fn sample_rr() -> Vec<u16> {
        let dir = std::env::var("STEADY_SHARED_DATA")
            .unwrap_or_else(|_| format!("{}/../../shared/data", env!("CARGO_MANIFEST_DIR")));
        let path = format!("{dir}/polar-h10/sample_rr_ms.txt");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("shared data missing at {path}: {e}"));
        text.split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect()
    }

    /// Real RR as a strap would send it: 2 beats per packet, stamped when
    /// the second beat ends.
    fn packets(start: Millis) -> Vec<(Millis, Vec<u8>)> {
        let mut t = start;
        sample_rr()
            .chunks(2)
            .map(|c| {
                t += c.iter().map(|&r| Millis::from(r)).sum::<Millis>();
                let m = HeartRateMeasurement {
                    heart_rate_bpm: 60,
                    sensor_contact: SensorContact::Detected,
                    energy_expended_kj: None,
                    rr_1024: c
                        .iter()
                        .map(|&r| (f64::from(r) * 1.024).round() as u16)
                        .collect(),
                };
                (t, m.encode())
            })
            .collect()
    }

    #[test]
    fn a_stored_live_shift_has_beats_events_summary_and_history() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let t0: Millis = 1_764_000_000_000;
        let (mut run, first) = ShiftRun::start(
            Some(Store::open(&db).unwrap()),
            ShiftSource::Live,
            Some("strap"),
            t0,
        )
        .unwrap();
        assert!(matches!(first.first(), Some(ShiftEvent::Started { .. })));
        let id = run.shift_id().unwrap();
        let mut gauges = 0;
        let pk = packets(t0);
        let (mid, _) = pk[pk.len() / 2];
        for (t, bytes) in &pk {
            if *t == mid {
                run.link_lost();
            }
            gauges += run
                .packet(*t, bytes)
                .iter()
                .filter(|e| matches!(e, ShiftEvent::Gauge { .. }))
                .count();
        }
        run.input(&ShiftInput::ResetStarted {
            t_ms: pk.last().unwrap().0,
            protocol_id: "paced_4_6".into(),
        });
        let end = pk.last().unwrap().0 + 1_000;
        let (summary, last) = run.end(end).unwrap();
        let summary = summary.unwrap();
        assert!(matches!(last.last(), Some(ShiftEvent::Ended { .. })));
        assert!(gauges > 100, "{gauges} gauge refreshes over 10 min");

        let store = Store::open(&db).unwrap();
        let rec = store.shift(id).unwrap();
        assert_eq!(rec.ended_ms, Some(summary.end_ms));
        let beats = store.beat_count(id).unwrap();
        // All 620 beats but the first one (no predecessor to time it) and
        // the few lost at the forced gap.
        assert!((600..=620).contains(&beats), "{beats} beats stored");
        let kinds: Vec<String> = store
            .events(id)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert!(kinds.contains(&"started".to_string()), "{kinds:?}");
        // The user's action is kept (so the shift can be rebuilt).
        assert!(kinds.contains(&"input".to_string()), "{kinds:?}");
        assert!(store.model_summary(id).unwrap().is_some());
        assert_eq!(rec.key.load_peak, Some(summary.load_peak));

        // The next shift starts from what this one left.
        let setup = store.shift_setup(end + 1, ShiftConfig::default()).unwrap();
        assert_eq!(setup.previous.len(), 1);

        // The chart redraws the gauge from the stored beats.
        let chart = crate::chart::ShiftChart::from_store(&store, &rec).unwrap();
        assert!(chart.gauge.len() > 100, "{}", chart.gauge.len());
        assert!(chart.hr.len() > 50);
    }

    #[test]
    fn a_killed_live_shift_is_carried_on_not_duplicated() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let t0: Millis = 1_764_000_000_000;
        let pk = packets(t0);
        let (first, rest) = pk.split_at(100);
        let (mut run, _) =
            ShiftRun::start(Some(Store::open(&db).unwrap()), ShiftSource::Live, None, t0).unwrap();
        let id = run.shift_id().unwrap();
        for (t, b) in first {
            run.packet(*t, b);
        }
        drop(run); // the process dies: no End (the writer saves what it can)
        let store = Store::open(&db).unwrap();
        let killed_at = store.last_data_t(id).unwrap().unwrap();
        drop(store);

        // Too soon: that shift may belong to a live process still running.
        let (run2, _, resumed) = ShiftRun::resume_or_start(
            Store::open(&db).unwrap(),
            None,
            killed_at + 1_000,
            1_800_000,
        )
        .unwrap();
        assert_eq!(resumed, None);
        assert_ne!(run2.shift_id(), Some(id));
        run2.end(killed_at + 2_000).unwrap();

        // 20 s later: the same shift goes on, its model rebuilt.
        let (mut run3, events, resumed) = ShiftRun::resume_or_start(
            Store::open(&db).unwrap(),
            None,
            killed_at + 20_000,
            1_800_000,
        )
        .unwrap();
        assert_eq!(resumed, Some(id));
        assert!(events.is_empty());
        for (t, b) in rest {
            run3.packet(*t + 20_000, b);
        }
        let (summary, _) = run3.end(rest.last().unwrap().0 + 21_000).unwrap();
        let summary = summary.unwrap();
        // The model's summary spans both runs.
        assert!(summary.duration_s > 550.0, "{}", summary.duration_s);
        let store = Store::open(&db).unwrap();
        assert!(store.shift(id).unwrap().ended_ms.is_some());
        assert!(store.beat_count(id).unwrap() > 550);
        assert!(store.unfinished_shifts().unwrap().is_empty());
    }

    #[test]
    fn stored_event_kinds_are_the_serde_tags() {
        let rec = steady_core::formats::rr::parse(
            &sample_rr()
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
        .unwrap();
        let events = run_recording(&rec);
        assert!(events.len() > 100);
        for ev in &events {
            if let Some((_, kind, v)) = steady_core::store::model::event_record(ev, 0) {
                assert_eq!(v["type"], kind, "{v}");
            }
        }
        assert!(matches!(events.last(), Some(ShiftEvent::Ended { .. })));
    }
}
