//! One shift as the desktop runs it: the core's shift model fed with strap
//! packets and user actions, and (with `--db`) everything persisted through
//! the core's store as it happens.
//!
//! The model ([`Shift`]) decides everything; this module only plumbs:
//! - packets go to the model as they arrived (`ShiftInput::Packet`), so the
//!   model's own decoding, timing and cleaning rules apply;
//! - for storage, the same packets go through the core's [`BeatPipeline`]
//!   (the same cleaner with the same defaults) because the model does not
//!   hand its cleaned beats out;
//! - every model event is stored with its serde tag as the kind and the event
//!   itself as the payload (`ShiftEvent` JSON), which is what the chart reads
//!   back (`chart::ShiftChart::from_events`);
//! - the personal baseline history is kept as the latest stored baseline,
//!   payload = [`BaselineHistory`] JSON; the trend reads earlier shifts' key
//!   figures.
//!
//! A store write that fails is retried by the store's writer (nothing is
//! dropped); the live session goes on and the failure is reported.

use steady_core::Millis;
use steady_core::baseline::{BaselineConfig, BaselineHistory};
use steady_core::beats::CleanerConfig;
use steady_core::pipeline::BeatPipeline;
use steady_core::shift::{Shift, ShiftEvent, ShiftInput, ShiftSetup};
use steady_core::store::{
    KeyFigures, ShiftId, ShiftRecord, ShiftSource, ShiftWriter, Store, WriterConfig,
};
use steady_core::summary::{ShiftDigest, ShiftSummary};

/// The HRV window of the storage pipeline (the model keeps its own).
const STORE_WINDOW_MS: Millis = 60_000;

/// Errors that end a shift run (a failed periodic save does not).
#[derive(Debug, thiserror::Error)]
pub enum ShiftRunError {
    /// Opening, starting or finishing the stored shift failed.
    #[error("store: {0}")]
    Store(#[from] steady_core::store::StoreError),
    /// An event or summary could not be turned into JSON.
    #[error("serialising for the store: {0}")]
    Json(#[from] serde_json::Error),
}

/// The serde tag of an event (`gauge`, `prompt_offered`, ...): the kind it is
/// stored under.
pub fn event_kind(ev: &ShiftEvent) -> &'static str {
    match ev {
        ShiftEvent::Started { .. } => "started",
        ShiftEvent::Gauge { .. } => "gauge",
        ShiftEvent::StateChanged { .. } => "state_changed",
        ShiftEvent::BaselineChanged { .. } => "baseline_changed",
        ShiftEvent::PromptOffered { .. } => "prompt_offered",
        ShiftEvent::ResetScored { .. } => "reset_scored",
        ShiftEvent::SignalLost { .. } => "signal_lost",
        ShiftEvent::SignalRestored { .. } => "signal_restored",
        ShiftEvent::InputIgnored { .. } => "input_ignored",
        ShiftEvent::Ended { .. } => "ended",
    }
}

/// The time of an event.
pub fn event_t(ev: &ShiftEvent) -> Millis {
    match ev {
        ShiftEvent::Started { t_ms, .. }
        | ShiftEvent::StateChanged { t_ms, .. }
        | ShiftEvent::BaselineChanged { t_ms, .. }
        | ShiftEvent::SignalLost { t_ms }
        | ShiftEvent::SignalRestored { t_ms, .. }
        | ShiftEvent::InputIgnored { t_ms, .. } => *t_ms,
        ShiftEvent::Gauge { update } => update.t_ms,
        ShiftEvent::PromptOffered { prompt } => prompt.t_ms,
        ShiftEvent::ResetScored { effect } => effect.finished_ms,
        ShiftEvent::Ended { summary } => summary.end_ms,
    }
}

/// The key figures the store keeps in columns, from the model's summary.
pub fn key_figures(s: &ShiftSummary) -> KeyFigures {
    let hours = s.duration_s / 3600.0;
    KeyFigures {
        // Left to the store, which counts the beats it holds: the figures
        // then agree with `steady export`.
        beats: None,
        mean_hr_bpm: None,
        corrected_share: None,
        duration_s: Some(s.duration_s),
        activated_share: Some(s.digest.activated_share),
        baseline_share: Some(s.digest.baseline_share),
        returns_to_baseline: Some(i64::from(s.returns_to_baseline)),
        returns_per_hour: (hours > 0.0).then_some(s.digest.returns_per_hour),
        longest_without_return_s: Some(s.longest_without_return_s),
        load_start: Some(s.load_start),
        load_peak: Some(s.load_peak),
        load_end: Some(s.load_end),
        prompts_offered: Some(i64::from(s.prompts_offered)),
        prompts_taken: Some(i64::from(s.prompts_taken)),
        resets: i64::try_from(s.resets.len()).ok(),
    }
}

/// An earlier shift's digest from its stored key figures (`None` when the
/// figures the trend needs are missing).
fn digest(r: &ShiftRecord) -> Option<ShiftDigest> {
    let k = &r.key;
    Some(ShiftDigest {
        start_ms: r.started_ms,
        duration_s: k.duration_s?,
        activated_share: k.activated_share?,
        baseline_share: k.baseline_share?,
        returns_per_hour: k.returns_per_hour.unwrap_or(0.0),
        longest_without_return_s: k.longest_without_return_s.unwrap_or(0.0),
        load_peak: k.load_peak?,
        load_end: k.load_end?,
    })
}

/// What a new shift starts from: defaults, plus the store's baseline
/// history, earlier digests and the last shift's load.
pub fn setup_from_store(store: &Store) -> Result<ShiftSetup, ShiftRunError> {
    let mut setup = ShiftSetup::default();
    if let Some(b) = store.latest_baseline()? {
        match serde_json::from_value::<BaselineHistory>(b.payload) {
            Ok(h) => setup.history = h,
            Err(e) => tracing::warn!("stored baseline history unreadable, starting fresh: {e}"),
        }
    }
    let previous = store.trend(u32::try_from(steady_core::summary::TREND_SHIFTS).unwrap_or(7))?;
    setup.previous = previous.iter().filter_map(digest).collect();
    setup.load_start = previous.last().and_then(|r| r.key.load_end).unwrap_or(0.0);
    Ok(setup)
}

/// Runs a whole recording through a fresh shift model (in data time, no
/// store) and returns every event, the `End` summary included. Inputs are
/// fed in time order: RR intervals (`ShiftInput::Rr`, cleaned inside the
/// model) and HR-only samples; a known gap breaks the RR chain by itself.
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
    history: BaselineHistory,
    baseline_cfg: BaselineConfig,
    store_error: Option<String>,
}

impl ShiftRun {
    /// Starts a shift at `t` (data time), stored when `store` is given.
    /// Returns the run and the model's first events.
    pub fn start(
        store: Option<Store>,
        source: ShiftSource,
        label: Option<&str>,
        t: Millis,
    ) -> Result<(Self, Vec<ShiftEvent>), ShiftRunError> {
        let setup = match &store {
            Some(s) => setup_from_store(s)?,
            None => ShiftSetup::default(),
        };
        let history = setup.history.clone();
        let baseline_cfg = setup.config.baseline;
        let writer = match store {
            Some(s) => Some(ShiftWriter::start(
                s,
                t,
                source,
                label,
                WriterConfig::default(),
            )?),
            None => None,
        };
        let mut run = Self {
            shift: Shift::new(setup),
            beats: BeatPipeline::new(STORE_WINDOW_MS, CleanerConfig::default()),
            writer,
            history,
            baseline_cfg,
            store_error: None,
        };
        let events = run.input(&ShiftInput::Start { t_ms: t });
        Ok((run, events))
    }

    /// The stored shift's id, with `--db`.
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
                    failed = Some(e.to_string());
                }
            });
            if let Err(e) = res {
                tracing::debug!("packet at {t} not stored as beats: {e}");
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
                    failed = Some(e.to_string());
                }
            });
        }
        self.note_store(failed);
    }

    /// Any other input (tick, user action); events are stored.
    pub fn input(&mut self, input: &ShiftInput) -> Vec<ShiftEvent> {
        let events = self.shift.handle(input);
        let mut failed = None;
        if let Some(w) = &mut self.writer {
            for ev in &events {
                if matches!(ev, ShiftEvent::Ended { .. }) {
                    continue; // the summary goes with finish()
                }
                match serde_json::to_value(ev) {
                    Ok(v) => {
                        if let Err(e) = w.push_event(event_t(ev), event_kind(ev), &v) {
                            failed = Some(e.to_string());
                        }
                    }
                    Err(e) => failed = Some(e.to_string()),
                }
            }
            if let Err(e) = w.tick(input.t_ms()) {
                failed = Some(e.to_string());
            }
        }
        self.note_store(failed);
        events
    }

    fn note_store(&mut self, failed: Option<String>) {
        if let Some(e) = failed {
            tracing::warn!("saving the shift failed (kept in memory, retried): {e}");
            self.store_error = Some(e);
        } else if self
            .writer
            .as_ref()
            .is_some_and(|w| w.last_error().is_none())
        {
            self.store_error = None;
        }
    }

    /// Ends the shift at `t`: the model's summary, stored with its key
    /// figures and the grown baseline history. Returns the summary and the
    /// last events.
    pub fn end(
        mut self,
        t: Millis,
    ) -> Result<(Option<ShiftSummary>, Vec<ShiftEvent>), ShiftRunError> {
        let events = self.input(&ShiftInput::End { t_ms: t });
        let summary = events.iter().find_map(|e| match e {
            ShiftEvent::Ended { summary } => Some(summary.clone()),
            _ => None,
        });
        if let Some(mut w) = self.writer.take() {
            let mut failed = None;
            self.beats.finish(|b| {
                if let Err(e) = w.push_beat(*b) {
                    failed = Some(e.to_string());
                }
            });
            if let Some(e) = failed {
                tracing::warn!("last beats not saved: {e}");
            }
            let (json, key) = match &summary {
                Some(s) => (serde_json::to_value(s)?, key_figures(s)),
                None => (serde_json::Value::Null, KeyFigures::default()),
            };
            let end_t = summary.as_ref().map_or(t, |s| s.end_ms);
            w.finish(end_t, &json, &key)?;
            if let Some(s) = &summary {
                self.history.add(&s.baseline_samples, &self.baseline_cfg);
                let id = w.shift_id();
                w.store()
                    .save_baseline(end_t, Some(id), &serde_json::to_value(&self.history)?)?;
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
        let events = store.events(id).unwrap();
        let stored_gauges = events.iter().filter(|e| e.kind == "gauge").count();
        assert_eq!(stored_gauges, gauges);
        // Every stored payload reads back as the model's event.
        for e in &events {
            let ev: ShiftEvent = serde_json::from_value(e.payload.clone()).unwrap();
            assert_eq!(event_kind(&ev), e.kind);
        }
        assert!(store.summary(id).unwrap().is_some());
        assert_eq!(rec.key.load_peak, Some(summary.load_peak));

        // The next shift starts from what this one left.
        let setup = setup_from_store(&store).unwrap();
        assert_eq!(setup.history.samples.len(), summary.baseline_samples.len());
        assert_eq!(setup.previous.len(), 1);
        assert_eq!(setup.load_start, summary.load_end);
    }

    #[test]
    fn event_kind_is_the_serde_tag() {
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
            let v = serde_json::to_value(ev).unwrap();
            assert_eq!(v["type"], event_kind(ev), "{v}");
        }
        assert!(matches!(events.last(), Some(ShiftEvent::Ended { .. })));
    }
}
