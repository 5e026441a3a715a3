//! The store's recorder of a shift: an observer of what goes into the model
//! and what comes out, never a driver of it.
//!
//! WHY an observer: the model ([`crate::shift::Shift`]) stays pure and is
//! the same whether or not anything is kept; the recorder only sees each
//! input with the model's [`Outcome`] for it ([`ShiftRecorder::record`],
//! called by [`crate::running::RunningShift`]) and keeps:
//! - the beats the model cleaned and accepted ([`Outcome::beats`]) and the
//!   heart rates and motion it was given, through the store's live writer
//!   (batched, at most 5 s unsaved): the store keeps exactly the model's
//!   beats, and nobody runs a second cleaner;
//! - the model's events and the wearer's actions as the store's seam says
//!   ([`crate::seam`]: gauge refreshes are not kept, a replay of the stored
//!   data rebuilds them, see [`rebuild_events`]);
//! - at the end, the summary, its key figures and the still minutes for the
//!   next shift's baseline ([`ShiftRecorder::finish`]).
//!
//! # Resume: rebuild by replaying the stored inputs
//!
//! The model is deterministic, so a killed shift is resumed by running a
//! fresh model (same setup) over the shift's stored inputs again, from its
//! start ([`crate::running::RunningShift::resume`]), or over the inputs the
//! caller feeds again when it can re-read its source (a file replay,
//! [`crate::running::RunningShift::reopen`]). Either way the recorder keeps
//! only what is newer than what the store already holds (per stream: beats,
//! HR, motion, events), so nothing is stored twice. How close the rebuilt
//! model comes to the live one (equal in a steady stream, a bounded
//! difference around a dropout, no motion) is stated once, in docs/store.md
//! ("Resume: how exact"), with the test that measures it.
//!
//! WHY rebuild rather than a saved model state: it needs no extra blob
//! kept in step with the data (a state saved every minute could disagree
//! with the beats saved every 5 s), survives model changes between
//! versions, and the same replay draws the charts. Its cost is replaying
//! the shift so far, once, at resume (README's measured figures:
//! `cargo bench -p steady-core --bench resume_replay`). A shift resumes
//! with the configuration it started with (kept in the settings under
//! [`config_key`]) and the history the store held at its start
//! ([`Store::shift_setup`]).
//!
//! Store failures never stop the shift: the writer keeps the data in memory
//! and retries (see [`ShiftWriter`]); the latest failure is reported by
//! [`ShiftRecorder::store_error`].

use crate::Millis;
use crate::activation::Motion;
use crate::hrm::{SensorContact, decode_view};
use crate::running::RunError;
use crate::seam::{INPUT_EVENT, config_key, event_record, input_record};
use crate::shift::{Outcome, Shift, ShiftConfig, ShiftEvent, ShiftInput, ShiftSetup};
use crate::store::{
    SampleKind, ShiftId, ShiftRecord, ShiftSource, ShiftWriter, Store, StoreError, WriterConfig,
};
use crate::summary::ShiftSummary;

/// The last stored time of each stream of a resumed shift: what is at or
/// before it is already stored (each stream is pushed in time order).
#[derive(Debug, Clone, Copy, Default)]
struct Stored {
    beats: Option<Millis>,
    hr: Option<Millis>,
    motion: Option<Millis>,
    events: Option<Millis>,
}

fn newer(mark: Option<Millis>, t: Millis) -> bool {
    mark.is_none_or(|m| t > m)
}

/// Keeps one stored shift's inputs and outcomes (through the store's
/// [`ShiftWriter`]).
#[derive(Debug)]
pub struct ShiftRecorder {
    writer: ShiftWriter,
    stored: Stored,
    store_error: Option<String>,
}

impl ShiftRecorder {
    /// Creates the shift in `store`, starting at `t_ms`, and keeps the
    /// model's `config` with it (a resume starts the model with it again).
    /// `cfg` is the writer's batching (e.g. [`WriterConfig::bulk`] for an
    /// import: all or nothing).
    pub fn start(
        store: Store,
        t_ms: Millis,
        source: ShiftSource,
        label: Option<&str>,
        config: &ShiftConfig,
        cfg: WriterConfig,
    ) -> Result<Self, RunError> {
        let config = serde_json::to_value(config)?;
        let writer = ShiftWriter::start(store, t_ms, source, label, cfg)?;
        writer
            .store()
            .set_setting(&config_key(writer.shift_id()), &config)?;
        Ok(Self::with(writer, Stored::default()))
    }

    /// Records on after what `store` already holds of the unfinished shift
    /// `id` (only newer data is stored).
    pub(crate) fn resume(store: Store, id: ShiftId) -> Result<Self, RunError> {
        let writer = ShiftWriter::resume(store, id, WriterConfig::default())?;
        // After the resume folded a killed writer's journal in.
        let stored = stored_marks(writer.store(), id)?;
        Ok(Self::with(writer, stored))
    }

    fn with(writer: ShiftWriter, stored: Stored) -> Self {
        Self {
            writer,
            stored,
            store_error: None,
        }
    }

    pub fn shift_id(&self) -> ShiftId {
        self.writer.shift_id()
    }

    /// Test hook: the process killed while the writer thread is idle (see
    /// [`ShiftWriter::simulate_kill`]).
    #[doc(hidden)]
    pub fn simulate_kill(self) {
        self.writer.simulate_kill();
    }

    /// The store (read-only), e.g. for its path.
    pub fn store(&self) -> &Store {
        self.writer.store()
    }

    /// The latest store failure, `None` once a save succeeded again.
    pub fn store_error(&self) -> Option<&str> {
        self.store_error.as_deref()
    }

    /// True when beats up to `t_ms` were stored before a resume (a replay
    /// fast-forwards through them).
    pub fn already_stored(&self, t_ms: Millis) -> bool {
        !newer(self.stored.beats, t_ms)
    }

    /// Keeps what `input` and the model's `outcome` for it leave: the
    /// wearer's action, the HR or motion given, the model's beats and the
    /// events the seam keeps. Then lets the writer save if 5 s are unsaved.
    pub fn record(&mut self, input: &ShiftInput, outcome: &Outcome) {
        let t = input.t_ms();
        if let Some((t_in, payload)) = input_record(input) {
            self.note(t_in, INPUT_EVENT, &payload);
        }
        self.record_sample(input);
        for b in &outcome.beats {
            if newer(self.stored.beats, b.t_ms) {
                let r = self.writer.push_beat(*b);
                self.report(r);
            }
        }
        for (t_ev, kind, payload) in outcome.events.iter().filter_map(|e| event_record(e, t)) {
            self.note(t_ev, kind, &payload);
        }
        let r = self.writer.tick(t);
        self.report(r);
    }

    /// Stores something the model does not take (e.g. a connection gap a
    /// recording marks) as an event.
    pub fn note(&mut self, t_ms: Millis, kind: &str, payload: &serde_json::Value) {
        if newer(self.stored.events, t_ms) {
            let r = self.writer.push_event(t_ms, kind, payload);
            self.report(r);
        }
    }

    /// Ends the stored shift with the model's summary, its key figures and
    /// its still minutes (for the next shift's baseline).
    pub fn finish(&mut self, summary: &ShiftSummary) -> Result<(), RunError> {
        Ok(self.writer.finish_with_summary(summary)?)
    }

    /// [`ShiftRecorder::finish`] for a shift closed after an interruption:
    /// the stored summary says `"interrupted": true`.
    pub(crate) fn finish_interrupted(&mut self, summary: &ShiftSummary) -> Result<(), RunError> {
        Ok(self.writer.finish_interrupted(summary)?)
    }

    fn report(&mut self, r: Result<(), StoreError>) {
        match r {
            Ok(()) => {
                if self.writer.last_error().is_none() {
                    self.store_error = None;
                }
            }
            Err(e) => {
                let text = e.to_string();
                // Once per kind of failure, not at every retry.
                // A deleted shift is the caller's to say (nothing is kept).
                if self.store_error.as_deref() != Some(text.as_str())
                    && !matches!(e, StoreError::NoSuchShift(_))
                {
                    if e.is_transient() {
                        tracing::warn!("saving the shift failed (kept in memory, retried): {e}");
                    } else {
                        tracing::warn!("saving the shift failed: {e}");
                    }
                }
                self.store_error = Some(text);
            }
        }
    }

    /// HR and motion as the model got them (beats come from the model).
    fn record_sample(&mut self, input: &ShiftInput) {
        let (kind, t, value) = match input {
            ShiftInput::Packet { t_ms, bytes } => match decode_view(bytes) {
                Ok(v) if v.sensor_contact != SensorContact::NotDetected && v.heart_rate_bpm > 0 => {
                    (SampleKind::Hr, *t_ms, f64::from(v.heart_rate_bpm))
                }
                _ => return,
            },
            ShiftInput::HeartRate { t_ms, bpm } => (SampleKind::Hr, *t_ms, *bpm),
            ShiftInput::Motion { motion } => match *motion {
                Motion::StepsPerMinute { t_ms, value } => (SampleKind::Motion, t_ms, value),
                Motion::Enmo { t_ms, g } => (SampleKind::Motion, t_ms, g),
            },
            _ => return,
        };
        let mark = match kind {
            SampleKind::Hr => self.stored.hr,
            SampleKind::Motion => self.stored.motion,
        };
        if value.is_finite() && newer(mark, t) {
            let r = self.writer.push_sample(kind, t, value as f32);
            self.report(r);
        }
    }
}

/// The stored shift `id`, refused with [`RunError::Ended`] once it ended.
/// A killed writer's journal is folded in first: what it journaled counts
/// as stored.
pub(crate) fn open_shift(store: &Store, id: ShiftId) -> Result<ShiftRecord, RunError> {
    store.recover_journal(id)?;
    let rec = store.shift(id)?;
    if rec.ended_ms.is_some() {
        return Err(RunError::Ended);
    }
    Ok(rec)
}

/// Where each stored series of shift `id` ends (its last blocks only: a
/// resume reads the whole shift once, to rebuild the model, not again here).
fn stored_marks(store: &Store, id: ShiftId) -> Result<Stored, StoreError> {
    let [beats, hr, motion] = store.last_series_times(id)?;
    Ok(Stored {
        beats,
        hr,
        motion,
        events: store.last_event_time(id)?,
    })
}

/// What a stored shift started from: its kept configuration (the default
/// for shifts stored without one) and the store's history at its start.
pub(crate) fn setup_of(store: &Store, rec: &ShiftRecord) -> Result<ShiftSetup, RunError> {
    let config = match store.setting(&config_key(rec.id))? {
        Some(v) if !v.is_null() => serde_json::from_value(v)?,
        _ => ShiftConfig::default(),
    };
    Ok(store.shift_setup(rec.started_ms, config)?)
}

/// Runs a fresh model over a stored shift's inputs: the wearer's actions,
/// beats and HR readings in time order (at equal times, actions first),
/// ended at `end` when given.
pub(crate) fn rebuild(
    store: &Store,
    rec: &ShiftRecord,
    end: Option<Millis>,
) -> Result<(Shift, Vec<ShiftEvent>), RunError> {
    let mut model = Shift::new(setup_of(store, rec)?);
    let mut events = model
        .handle(&ShiftInput::Start {
            t_ms: rec.started_ms,
        })
        .events
        .clone();
    let mut all: Vec<ShiftInput> = store
        .events(rec.id)?
        .into_iter()
        .filter(|e| e.kind == INPUT_EVENT)
        .filter_map(|e| serde_json::from_value::<ShiftInput>(e.payload).ok())
        .filter(|i| !matches!(i, ShiftInput::Start { .. } | ShiftInput::End { .. }))
        .collect();
    all.extend(store.beats(rec.id)?.iter().map(ShiftInput::beat));
    all.extend(
        store
            .samples(rec.id, SampleKind::Hr)?
            .iter()
            .map(|s| ShiftInput::HeartRate {
                t_ms: s.t_ms,
                bpm: f64::from(s.value),
            }),
    );
    all.sort_by_key(ShiftInput::t_ms);
    for i in &all {
        events.extend_from_slice(&model.handle(i).events);
    }
    if let Some(t_ms) = end {
        events.extend_from_slice(&model.handle(&ShiftInput::End { t_ms }).events);
    }
    Ok((model, events))
}

/// Every model event of a stored shift, recomputed from its stored data
/// (gauge refreshes are not stored; charts need them), ended at the
/// shift's end when it has one. How close this comes to what the live
/// model emitted: docs/store.md, "Resume: how exact".
pub fn rebuild_events(store: &Store, rec: &ShiftRecord) -> Result<Vec<ShiftEvent>, RunError> {
    Ok(rebuild(store, rec, rec.ended_ms)?.1)
}
