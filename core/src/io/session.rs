//! A shift wired to the store: the ONE way every caller runs the shift
//! model and keeps what it produced (the phone apps through steady-ffi,
//! `steady live`, `replay`, `demo` and `import`).
//!
//! WHY here and not in the bindings or the CLI: the same wiring must behave
//! the same on Android, iOS and the desktop. The model ([`crate::shift`])
//! stays pure; this module only routes:
//! - every input goes to the model unchanged, and its events come back;
//! - the beats the model cleaned and accepted ([`Outcome::beats`]), the
//!   heart rates and motion it was given go to the store's live writer
//!   (batched, at most 5 s unsaved): the store keeps exactly the model's
//!   beats, and nobody runs a second cleaner;
//! - the model's events and the wearer's actions are stored as the store's
//!   seam says ([`crate::seam`]: gauge refreshes are not kept, a
//!   replay of the stored data rebuilds them, see [`rebuild_events`]);
//! - the end stores the summary, its key figures and the still minutes for
//!   the next shift's baseline.
//!
//! # Resume: one strategy, rebuild by replaying the inputs
//!
//! The model is deterministic, so a killed shift is resumed by running a
//! fresh model (same setup) over the shift's inputs again, from its start;
//! the session stores only what is newer than what the store already holds
//! (per stream: beats, HR, motion, events), so nothing is stored twice.
//! - [`LiveSession::resume`] takes the inputs from the store itself (beats,
//!   HR readings, the wearer's actions): a live strap cannot be re-read.
//!   Nothing is lost but the last unsaved 5 s, and the rebuilt model emits
//!   exactly the events the live one did, although it gets the beats in
//!   time order rather than in packets (the window's settle,
//!   [`crate::shift::SETTLE_MS`], makes that so; `tests/resume.rs`).
//! - [`LiveSession::reopen`] lets a caller that can re-read its source (a
//!   file replay) feed the inputs itself: the shift then ends exactly as
//!   if it had never been interrupted.
//!
//! WHY rebuild rather than a saved model state: it needs no extra blob
//! kept in step with the data (a state saved every minute could disagree
//! with the beats saved every 5 s), survives model changes between
//! versions, and the same replay draws the charts. Its cost is replaying
//! the shift so far, once, at resume (README's measured figures:
//! `cargo bench -p steady-core --bench session_resume`). Motion is not replayed (the stored motion
//! sample does not say which unit the shell gave), so the first minutes
//! after a resume may call physical work stress until motion comes again.
//! A shift resumes with the configuration it started with (kept in the
//! settings under [`config_key`]) and the history the store held at its
//! start ([`Store::shift_setup`]).
//!
//! Store failures never stop the shift: the writer keeps the data in memory
//! and retries (see [`ShiftWriter`]); the latest failure is reported by
//! [`LiveSession::store_error`].

use crate::Millis;
use crate::activation::Motion;
use crate::hrm::{SensorContact, decode_view};
use crate::seam::{INPUT_EVENT, config_key, event_record, input_record};
use crate::shift::{Outcome, Shift, ShiftConfig, ShiftEvent, ShiftInput, ShiftSetup};
use crate::store::{
    SampleKind, ShiftId, ShiftRecord, ShiftSource, ShiftWriter, Store, StoreError, WriterConfig,
};
use crate::summary::ShiftSummary;

/// Why a session could not start, resume or end.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("shift data could not be (de)serialized: {0}")]
    State(#[from] serde_json::Error),
    #[error("the shift has already ended")]
    Ended,
    #[error("the model did not end the shift")]
    NotEnded,
}

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

/// One stored shift: the model and the store's writer.
#[derive(Debug)]
pub struct LiveSession {
    shift: Shift,
    writer: ShiftWriter,
    stored: Stored,
    store_error: Option<String>,
}

impl LiveSession {
    /// Creates the shift in `store` and starts the model at `t_ms`
    /// (saving at most every 5 s of data).
    pub fn start(
        store: Store,
        setup: ShiftSetup,
        t_ms: Millis,
        source: ShiftSource,
        label: Option<&str>,
    ) -> Result<(Self, Vec<ShiftEvent>), SessionError> {
        Self::start_with(store, setup, t_ms, source, label, WriterConfig::default())
    }

    /// [`LiveSession::start`] with the writer's batching (e.g.
    /// [`WriterConfig::bulk`] for an import: all or nothing).
    pub fn start_with(
        store: Store,
        setup: ShiftSetup,
        t_ms: Millis,
        source: ShiftSource,
        label: Option<&str>,
        cfg: WriterConfig,
    ) -> Result<(Self, Vec<ShiftEvent>), SessionError> {
        let config = serde_json::to_value(setup.config)?;
        let writer = ShiftWriter::start(store, t_ms, source, label, cfg)?;
        writer
            .store()
            .set_setting(&config_key(writer.shift_id()), &config)?;
        let mut s = Self::with(Shift::new(setup), writer, Stored::default());
        let events = s.handle(&ShiftInput::Start { t_ms }).events.clone();
        Ok((s, events))
    }

    /// Continues an unfinished shift after the process was killed: the
    /// model is rebuilt from the stored inputs (see the module doc), new
    /// data is appended after the stored.
    pub fn resume(store: Store, id: ShiftId) -> Result<Self, SessionError> {
        let rec = open_shift(&store, id)?;
        let (shift, _) = rebuild(&store, &rec, None)?;
        let stored = stored_marks(&store, id)?;
        let writer = ShiftWriter::resume(store, id, WriterConfig::default())?;
        Ok(Self::with(shift, writer, stored))
    }

    /// Continues an unfinished shift whose inputs the caller feeds again
    /// from the start (a file replay): the model is fresh and started at the
    /// shift's start; only what is newer than the stored data is stored.
    pub fn reopen(store: Store, id: ShiftId) -> Result<Self, SessionError> {
        let rec = open_shift(&store, id)?;
        let shift = Shift::new(setup_of(&store, &rec)?);
        let stored = stored_marks(&store, id)?;
        let writer = ShiftWriter::resume(store, id, WriterConfig::default())?;
        let mut s = Self::with(shift, writer, stored);
        s.handle(&ShiftInput::Start {
            t_ms: rec.started_ms,
        });
        Ok(s)
    }

    fn with(shift: Shift, writer: ShiftWriter, stored: Stored) -> Self {
        Self {
            shift,
            writer,
            stored,
            store_error: None,
        }
    }

    pub fn shift_id(&self) -> ShiftId {
        self.writer.shift_id()
    }

    /// The model's state (read-only).
    pub fn shift(&self) -> &Shift {
        &self.shift
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

    /// Handles one input: the model's outcome, with the data stored.
    pub fn handle(&mut self, input: &ShiftInput) -> &Outcome {
        if self.shift.has_ended() {
            // The model refuses it (`InputIgnored`); the stored shift is closed.
            return self.shift.handle(input);
        }
        let t = input.t_ms();
        if let Some((t_in, payload)) = input_record(input)
            && newer(self.stored.events, t_in)
        {
            let r = self.writer.push_event(t_in, INPUT_EVENT, &payload);
            self.report(r);
        }
        self.shift.handle(input);
        self.store_data(input);
        for i in 0..self.shift.outcome().beats.len() {
            if let Some(b) = self.shift.outcome().beats.get(i).copied()
                && newer(self.stored.beats, b.t_ms)
            {
                let r = self.writer.push_beat(b);
                self.report(r);
            }
        }
        for i in 0..self.shift.outcome().events.len() {
            if let Some((t_ev, kind, payload)) = self
                .shift
                .outcome()
                .events
                .get(i)
                .and_then(|e| event_record(e, t))
                && newer(self.stored.events, t_ev)
            {
                let r = self.writer.push_event(t_ev, kind, &payload);
                self.report(r);
            }
        }
        let r = self.writer.tick(t);
        self.report(r);
        self.shift.outcome()
    }

    /// Stores something the model does not take (e.g. a connection gap a
    /// recording marks) as an event.
    pub fn note(&mut self, t_ms: Millis, kind: &str, payload: &serde_json::Value) {
        if newer(self.stored.events, t_ms) {
            let r = self.writer.push_event(t_ms, kind, payload);
            self.report(r);
        }
    }

    /// Ends the shift at `t_ms`: the summary is stored with the shift's key
    /// figures and its still minutes (for the next shift's baseline).
    pub fn end(&mut self, t_ms: Millis) -> Result<(ShiftSummary, Vec<ShiftEvent>), SessionError> {
        if self.shift.has_ended() {
            return Err(SessionError::Ended);
        }
        let events = self.handle(&ShiftInput::End { t_ms }).events.clone();
        let summary = self
            .shift
            .summary()
            .cloned()
            .ok_or(SessionError::NotEnded)?;
        self.writer.finish_with_summary(&summary)?;
        Ok((summary, events))
    }

    /// Closes an unfinished shift (the process was killed and the wearer
    /// chose not to go on) with the model's summary of what was stored,
    /// ending at the last stored data; the stored summary says
    /// `"interrupted": true`.
    pub fn close_interrupted(store: Store, id: ShiftId) -> Result<ShiftSummary, SessionError> {
        let rec = open_shift(&store, id)?;
        let end = store.last_data_t(id)?.unwrap_or(rec.started_ms);
        let mut s = Self::resume(store, id)?;
        s.shift.handle(&ShiftInput::End { t_ms: end });
        let summary = s.shift.summary().cloned().ok_or(SessionError::NotEnded)?;
        s.writer.finish_interrupted(&summary)?;
        Ok(summary)
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
                    tracing::warn!("saving the shift failed (kept in memory, retried): {e}");
                }
                self.store_error = Some(text);
            }
        }
    }

    /// HR and motion as the model got them (beats come from the model).
    fn store_data(&mut self, input: &ShiftInput) {
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

fn open_shift(store: &Store, id: ShiftId) -> Result<ShiftRecord, SessionError> {
    let rec = store.shift(id)?;
    if rec.ended_ms.is_some() {
        return Err(SessionError::Ended);
    }
    Ok(rec)
}

fn stored_marks(store: &Store, id: ShiftId) -> Result<Stored, StoreError> {
    Ok(Stored {
        beats: store.beats(id)?.last().map(|b| b.t_ms),
        hr: store.samples(id, SampleKind::Hr)?.last().map(|s| s.t_ms),
        motion: store
            .samples(id, SampleKind::Motion)?
            .last()
            .map(|s| s.t_ms),
        events: store.events(id)?.last().map(|e| e.t_ms),
    })
}

/// What a stored shift started from: its kept configuration (the default
/// for shifts stored without one) and the store's history at its start.
fn setup_of(store: &Store, rec: &ShiftRecord) -> Result<ShiftSetup, SessionError> {
    let config = match store.setting(&config_key(rec.id))? {
        Some(v) if !v.is_null() => serde_json::from_value(v)?,
        _ => ShiftConfig::default(),
    };
    Ok(store.shift_setup(rec.started_ms, config)?)
}

/// Runs a fresh model over a stored shift's inputs: the wearer's actions,
/// beats and HR readings in time order (at equal times, actions first),
/// ended at `end` when given.
fn rebuild(
    store: &Store,
    rec: &ShiftRecord,
    end: Option<Millis>,
) -> Result<(Shift, Vec<ShiftEvent>), SessionError> {
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
/// shift's end when it has one.
pub fn rebuild_events(store: &Store, rec: &ShiftRecord) -> Result<Vec<ShiftEvent>, SessionError> {
    Ok(rebuild(store, rec, rec.ended_ms)?.1)
}

/// A running shift, stored through a [`LiveSession`] or kept in memory only
/// (the wearer turned storage off, a quick check, a test). WHY one type: the
/// CLI and the phone apps (through steady-ffi) both offer the two modes, and
/// the difference must be decided once, here, not in each shell.
#[derive(Debug)]
pub enum Session {
    Memory(Box<Shift>),
    Stored(Box<LiveSession>),
}

impl Session {
    /// A shift kept in memory only (not started: feed it a `Start` input).
    pub fn memory(setup: ShiftSetup) -> Self {
        Session::Memory(Box::new(Shift::new(setup)))
    }

    /// A stored shift (started, resumed or reopened by the caller).
    pub fn stored(session: LiveSession) -> Self {
        Session::Stored(Box::new(session))
    }

    /// The model's state (read-only).
    pub fn shift(&self) -> &Shift {
        match self {
            Session::Memory(s) => s,
            Session::Stored(s) => s.shift(),
        }
    }

    /// Handles one input: the model's outcome (stored for a stored shift).
    pub fn handle(&mut self, input: &ShiftInput) -> &Outcome {
        match self {
            Session::Memory(s) => s.handle(input),
            Session::Stored(s) => s.handle(input),
        }
    }

    /// The stored shift's id; `None` in memory.
    pub fn shift_id(&self) -> Option<ShiftId> {
        match self {
            Session::Memory(_) => None,
            Session::Stored(s) => Some(s.shift_id()),
        }
    }

    /// The latest store failure, until a save succeeds again.
    pub fn store_error(&self) -> Option<&str> {
        match self {
            Session::Memory(_) => None,
            Session::Stored(s) => s.store_error(),
        }
    }

    /// True when beats up to `t_ms` were stored before a resume.
    pub fn already_stored(&self, t_ms: Millis) -> bool {
        match self {
            Session::Memory(_) => false,
            Session::Stored(s) => s.already_stored(t_ms),
        }
    }

    /// Something the model does not take (a recorded connection gap), kept
    /// as an event of a stored shift.
    pub fn note(&mut self, t_ms: Millis, kind: &str, payload: &serde_json::Value) {
        if let Session::Stored(s) = self {
            s.note(t_ms, kind, payload);
        }
    }

    /// Ends the shift at `t_ms`: the model's summary (saved with a stored
    /// shift) and the last events; [`SessionError::Ended`] when the shift
    /// had ended.
    pub fn end(
        &mut self,
        t_ms: Millis,
    ) -> Result<(Option<ShiftSummary>, Vec<ShiftEvent>), SessionError> {
        match self {
            Session::Memory(s) if s.has_ended() => Err(SessionError::Ended),
            Session::Memory(s) => {
                let events = s.handle(&ShiftInput::End { t_ms }).events.clone();
                Ok((s.summary().cloned(), events))
            }
            Session::Stored(s) => {
                let (summary, events) = s.end(t_ms)?;
                Ok((Some(summary), events))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Millis = 1_764_000_000_000;

    /// One packet a second: contact detected, HR 60, one RR of ~1 s with a
    /// little variation so the cleaner keeps it.
    fn packet(i: i64) -> ShiftInput {
        let rr: u16 = if i % 2 == 0 { 1034 } else { 1014 };
        let [lo, hi] = rr.to_le_bytes();
        ShiftInput::Packet {
            t_ms: T0 + i * 1000,
            bytes: vec![0x16, 60, lo, hi],
        }
    }

    fn open(dir: &tempfile::TempDir) -> Store {
        Store::open(dir.path().join("steady.db")).unwrap()
    }

    /// A stored shift fed `packets` packets, then the process dies (its
    /// writer thread idle): no flush, no final save. Returns its id.
    fn killed_after(dir: &tempfile::TempDir, packets: i64) -> ShiftId {
        let (mut s, _) = LiveSession::start(
            open(dir),
            ShiftSetup::default(),
            T0,
            ShiftSource::Live,
            None,
        )
        .unwrap();
        for i in 1..=packets {
            s.handle(&packet(i));
        }
        let id = s.shift_id();
        s.writer.simulate_kill();
        id
    }

    #[test]
    fn a_live_shift_is_stored_with_beats_events_and_summary() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, ev) = LiveSession::start(
            open(&dir),
            ShiftSetup::default(),
            T0,
            ShiftSource::Live,
            None,
        )
        .unwrap();
        assert!(matches!(ev.first(), Some(ShiftEvent::Started { .. })));
        for i in 1..=180 {
            s.handle(&packet(i));
        }
        s.handle(&ShiftInput::Quiet {
            t_ms: T0 + 180_500,
            on: true,
        });
        let (summary, ev) = s.end(T0 + 181_000).unwrap();
        assert!(matches!(ev.last(), Some(ShiftEvent::Ended { .. })));
        assert!(s.store_error().is_none(), "{:?}", s.store_error());
        let id = s.shift_id();
        drop(s);

        let store = open(&dir);
        let rec = store.shift(id).unwrap();
        assert_eq!(rec.ended_ms, Some(T0 + 181_000));
        assert_eq!(rec.key.prompts_offered, Some(0));
        let beats = store.beats(id).unwrap();
        assert!((170..=181).contains(&beats.len()), "{}", beats.len());
        let kinds: Vec<String> = store
            .events(id)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert!(kinds.iter().any(|k| k == "started"), "{kinds:?}");
        assert!(kinds.iter().any(|k| k == "input"), "{kinds:?}");
        // the summary goes to the shift row, gauge refreshes are rebuilt
        assert!(
            !kinds.iter().any(|k| k == "ended" || k == "gauge"),
            "{kinds:?}"
        );
        let stored: ShiftSummary =
            serde_json::from_value(store.summary(id).unwrap().unwrap()).unwrap();
        assert_eq!(stored, summary);
        // the stored beats are the model's, every one of them
        assert_eq!(beats.len() as u64, summary.signal.beats);
        let rec = store.shift(id).unwrap();
        let rebuilt = rebuild_events(&store, &rec).unwrap();
        assert!(
            matches!(rebuilt.last(), Some(ShiftEvent::Ended { summary: s }) if s.signal.beats == summary.signal.beats)
        );
    }

    #[test]
    fn a_killed_session_resumes_from_the_stored_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let id = killed_after(&dir, 130);

        let mut r = LiveSession::resume(open(&dir), id).unwrap();
        assert_eq!(r.shift_id(), id);
        assert!(!r.shift().has_ended());
        for i in 131..=200 {
            r.handle(&packet(i));
        }
        let (summary, _) = r.end(T0 + 201_000).unwrap();
        assert_eq!(summary.start_ms, T0);
        assert!(summary.duration_s > 200.0, "{}", summary.duration_s);
        drop(r);
        let store = open(&dir);
        // beats of the first 125 s at least (5 s may be lost) and all after
        let n = store.beats(id).unwrap().len();
        assert!(n >= 185, "{n}");
        assert!(LiveSession::resume(open(&dir), id).is_err());
    }

    #[test]
    fn resume_rebuilds_the_model_as_it_was_at_the_last_save() {
        let dir = tempfile::tempdir().unwrap();
        let id = killed_after(&dir, 95);
        let last_saved = open(&dir).last_data_t(id).unwrap().unwrap();
        assert!(last_saved < T0 + 95_000, "the last seconds were not saved");
        // The live model as it was when the last saved packet arrived.
        let mut reference = Shift::new(ShiftSetup::default());
        reference.handle(&ShiftInput::Start { t_ms: T0 });
        for i in 1..=(last_saved - T0) / 1000 {
            reference.handle(&packet(i));
        }
        let r = LiveSession::resume(open(&dir), id).unwrap();
        assert_eq!(r.shift().baseline(), reference.baseline());
        assert_eq!(r.shift().last_activation(), reference.last_activation());
        assert!(r.shift().last_activation().is_some());
        assert_eq!(r.shift().load(), reference.load());
    }

    #[test]
    fn an_ended_shift_cannot_resume_and_an_interrupted_one_can_be_closed() {
        let dir = tempfile::tempdir().unwrap();
        let id = killed_after(&dir, 70);
        let summary = LiveSession::close_interrupted(open(&dir), id).unwrap();
        let store = open(&dir);
        let rec = store.shift(id).unwrap();
        assert_eq!(rec.ended_ms, store.last_data_t(id).unwrap());
        assert_eq!(store.summary(id).unwrap().unwrap()["interrupted"], true);
        assert_eq!(summary.signal.beats, store.beat_count(id).unwrap());
        assert!(matches!(
            LiveSession::resume(open(&dir), id),
            Err(SessionError::Ended)
        ));
        // the kept configuration goes with the shift
        let mut store = open(&dir);
        assert!(store.setting(&config_key(id)).unwrap().is_some());
        let other = killed_after(&dir, 3);
        store.delete_shift(id).unwrap();
        assert_eq!(store.setting(&config_key(id)).unwrap(), None);
        assert!(store.setting(&config_key(other)).unwrap().is_some());
        store.delete_all().unwrap();
        assert_eq!(store.setting(&config_key(other)).unwrap(), None);
    }
}
