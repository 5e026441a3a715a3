//! A live shift wired to the store: what the phone apps run (through
//! steady-ffi), one object per shift.
//!
//! WHY here and not in the bindings: the bindings hold no logic, and the
//! same wiring must behave the same on Android, iOS and the desktop. The
//! model ([`crate::shift`]) stays pure; this module only routes:
//! - every input goes to the model unchanged, and its events come back;
//! - beats, HR and motion samples go to the store's live writer (batched,
//!   at most 5 s unsaved). The beats are cleaned by the same parts the model
//!   uses ([`RrTimeline`] + [`BeatCleaner`], fed the same packets, with the
//!   same "no skin contact breaks the chain" rule), so the stored beats are
//!   what a replay of the packets gives;
//! - the model's events and the wearer's actions are stored as the store's
//!   model seam decides ([`crate::store::model`]: not the 5-s gauge
//!   refreshes, which a replay of the beats rebuilds), the summary with the
//!   shift, and the shift's still minutes for the next shift's baseline;
//! - a new shift starts from what earlier shifts left: the personal
//!   baseline's history and their digests for the trend
//!   ([`Store::shift_setup`]);
//! - the model's whole state is saved every [`STATE_SAVE_MS`] of data time,
//!   so a process killed mid-shift resumes ([`LiveSession::resume`]) with the
//!   model as it was at most a minute earlier and the beats of all but the
//!   last 5 s.
//!
//! Store failures never stop the shift: the writer keeps the data in memory
//! and retries (see [`crate::store::ShiftWriter`]); the latest failure is
//! reported by [`LiveSession::store_error`].

use crate::Millis;
use crate::beats::{Beat, BeatCleaner, RrTimeline};
use crate::hrm::{SensorContact, decode_view};
use crate::shift::{Shift, ShiftConfig, ShiftEvent, ShiftInput};
use crate::store::{
    SampleKind, ShiftId, ShiftSource, ShiftWriter, Store, StoreError, WriterConfig,
};
use crate::summary::ShiftSummary;

/// How often (data time) the model's state is saved for resume.
pub const STATE_SAVE_MS: Millis = 60_000;

/// Why a session could not start, resume or end.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("model state could not be (de)serialized: {0}")]
    State(#[from] serde_json::Error),
    /// The shift has no saved model state (it was not started by a live
    /// session, or was killed before its first save).
    #[error("shift {0} has no saved live state to resume from")]
    NoSavedState(ShiftId),
    #[error("the shift has already ended")]
    Ended,
    #[error("the model did not end the shift")]
    NotEnded,
}

/// The settings key under which a live shift's model state is kept.
pub fn state_key(id: ShiftId) -> String {
    format!("live_state:{id}")
}

/// One live shift: the model, the beat cleaner for storage, and the writer.
#[derive(Debug)]
pub struct LiveSession {
    shift: Shift,
    timeline: RrTimeline,
    cleaner: BeatCleaner,
    writer: ShiftWriter,
    next_state_save_ms: Millis,
    store_error: Option<String>,
    beats: Vec<Beat>,
}

impl LiveSession {
    /// Creates the shift in `store` and starts the model at `t_ms`, from the
    /// personal baseline and trend the store carries over from earlier shifts.
    pub fn start(
        store: Store,
        config: ShiftConfig,
        t_ms: Millis,
        source: ShiftSource,
        label: Option<&str>,
    ) -> Result<(Self, Vec<ShiftEvent>), SessionError> {
        let setup = store.shift_setup(t_ms, config)?;
        let writer = ShiftWriter::start(store, t_ms, source, label, WriterConfig::default())?;
        let mut s = Self::with(Shift::new(setup), writer, t_ms);
        let events = s.handle(&ShiftInput::Start { t_ms });
        s.save_state()?;
        Ok((s, events))
    }

    /// Continues an unfinished shift after the process was killed: the
    /// model from its last saved state, new data appended after the stored.
    pub fn resume(store: Store, id: ShiftId) -> Result<Self, SessionError> {
        if store.shift(id)?.ended_ms.is_some() {
            return Err(SessionError::Ended);
        }
        let state = store
            .setting(&state_key(id))?
            .filter(|v| !v.is_null())
            .ok_or(SessionError::NoSavedState(id))?;
        let shift: Shift = serde_json::from_value(state)?;
        if shift.has_ended() {
            return Err(SessionError::Ended);
        }
        let writer = ShiftWriter::resume(store, id, WriterConfig::default())?;
        let now = writer.store().last_data_t(id)?.unwrap_or(0);
        Ok(Self::with(shift, writer, now))
    }

    fn with(shift: Shift, writer: ShiftWriter, t_ms: Millis) -> Self {
        Self {
            shift,
            timeline: RrTimeline::default(),
            cleaner: BeatCleaner::default(),
            writer,
            next_state_save_ms: t_ms.saturating_add(STATE_SAVE_MS),
            store_error: None,
            beats: Vec::new(),
        }
    }

    pub fn shift_id(&self) -> ShiftId {
        self.writer.shift_id()
    }

    /// The model's state (read-only).
    pub fn shift(&self) -> &Shift {
        &self.shift
    }

    /// The latest store failure, `None` once a save succeeded again.
    pub fn store_error(&self) -> Option<&str> {
        self.store_error.as_deref()
    }

    /// Handles one input: the model's events, with the data stored.
    pub fn handle(&mut self, input: &ShiftInput) -> Vec<ShiftEvent> {
        let was_ended = self.shift.has_ended();
        let events = self.shift.handle(input);
        if was_ended {
            // The model refuses it (`InputIgnored`); the stored shift is closed.
            return events;
        }
        self.store_input(input);
        let t = input.t_ms();
        let r = self.writer.push_model_events(&events, t);
        self.report(r);
        if t >= self.next_state_save_ms && !self.shift.has_ended() {
            self.next_state_save_ms = t.saturating_add(STATE_SAVE_MS);
            if let Err(e) = self.save_state() {
                self.store_error = Some(e.to_string());
            }
        }
        events
    }

    /// Ends the shift at `t_ms`: the summary is stored with the shift's key
    /// figures, and the saved live state is cleared.
    pub fn end(&mut self, t_ms: Millis) -> Result<(ShiftSummary, Vec<ShiftEvent>), SessionError> {
        if self.shift.has_ended() {
            return Err(SessionError::Ended);
        }
        let events = self.handle(&ShiftInput::End { t_ms });
        let summary = self
            .shift
            .summary()
            .cloned()
            .ok_or(SessionError::NotEnded)?;
        for b in self.cleaner.finish() {
            self.beats.push(b);
        }
        self.push_beats();
        self.writer.finish_with_summary(&summary)?;
        self.writer
            .store()
            .set_setting(&state_key(self.shift_id()), &serde_json::Value::Null)?;
        Ok((summary, events))
    }

    fn save_state(&mut self) -> Result<(), SessionError> {
        let state = serde_json::to_value(&self.shift)?;
        self.writer
            .store()
            .set_setting(&state_key(self.shift_id()), &state)?;
        Ok(())
    }

    fn report(&mut self, r: Result<(), StoreError>) {
        match r {
            Ok(()) => self.store_error = None,
            Err(e) => self.store_error = Some(e.to_string()),
        }
    }

    fn store_input(&mut self, input: &ShiftInput) {
        match input {
            ShiftInput::Packet { t_ms, bytes } => self.store_packet(*t_ms, bytes),
            ShiftInput::HeartRate { t_ms, bpm } if bpm.is_finite() => {
                let r = self.writer.push_sample(SampleKind::Hr, *t_ms, *bpm as f32);
                self.report(r);
            }
            ShiftInput::Motion { motion } => {
                let value = match motion {
                    crate::activation::Motion::StepsPerMinute { value, .. } => *value,
                    crate::activation::Motion::Enmo { g, .. } => *g,
                };
                if value.is_finite() {
                    let r =
                        self.writer
                            .push_sample(SampleKind::Motion, motion.t_ms(), value as f32);
                    self.report(r);
                }
            }
            ShiftInput::Tick { t_ms } => {
                let r = self.writer.tick(*t_ms);
                self.report(r);
            }
            _ => {
                // user actions (the seam skips data inputs)
                let r = self.writer.push_model_input(input);
                self.report(r);
            }
        }
    }

    fn store_packet(&mut self, t_ms: Millis, bytes: &[u8]) {
        let Ok(v) = decode_view(bytes) else {
            return; // the model reports it (InputIgnored) and that is stored
        };
        if v.sensor_contact == SensorContact::NotDetected {
            self.timeline.gap();
            self.beats.extend(self.cleaner.gap());
            self.push_beats();
            return;
        }
        if v.heart_rate_bpm > 0 {
            let r = self
                .writer
                .push_sample(SampleKind::Hr, t_ms, f32::from(v.heart_rate_bpm));
            self.report(r);
        }
        let Self {
            timeline,
            cleaner,
            beats,
            ..
        } = self;
        timeline.push_packet(t_ms, v.rr_ms(), |r| beats.extend(cleaner.push_rr(r)));
        self.push_beats();
    }

    fn push_beats(&mut self) {
        for i in 0..self.beats.len() {
            if let Some(b) = self.beats.get(i).copied() {
                let r = self.writer.push_beat(b);
                self.report(r);
            }
        }
        self.beats.clear();
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

    #[test]
    fn a_live_shift_is_stored_with_beats_events_and_summary() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, ev) = LiveSession::start(
            open(&dir),
            ShiftConfig::default(),
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
        assert_eq!(store.model_summary(id).unwrap(), Some(summary.clone()));
        // the next shift starts from this one: its digest for the trend
        let next = store
            .shift_setup(T0 + 3_600_000, ShiftConfig::default())
            .unwrap();
        assert_eq!(next.previous.len(), 1);
        assert_eq!(next.previous[0].start_ms, T0);
        assert_eq!(
            store.setting(&state_key(id)).unwrap(),
            Some(serde_json::Value::Null)
        );
    }

    #[test]
    fn a_killed_session_resumes_from_its_saved_state() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, _) = LiveSession::start(
            open(&dir),
            ShiftConfig::default(),
            T0,
            ShiftSource::Live,
            None,
        )
        .unwrap();
        for i in 1..=130 {
            s.handle(&packet(i));
        }
        let id = s.shift_id();
        // the process dies: leak the session (no flush, no drop)
        std::mem::forget(s);

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
        assert!(matches!(
            LiveSession::resume(open(&dir), id),
            Err(SessionError::Ended)
        ));
    }

    #[test]
    fn a_shift_without_saved_state_cannot_resume() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let id = store.create_shift(T0, ShiftSource::Import, None).unwrap();
        drop(store);
        assert!(matches!(
            LiveSession::resume(open(&dir), id),
            Err(SessionError::NoSavedState(i)) if i == id
        ));
    }
}
