//! A running shift: the model ([`Shift`]) and, when the shift is kept, the
//! store's [`ShiftRecorder`] watching it. The ONE way every caller runs a
//! shift: the phone apps (through steady-ffi's `LiveShift`), `steady live`,
//! `replay`, `demo` and `import`.
//!
//! WHY here and not in the bindings or the CLI: the same wiring must behave
//! the same on Android, iOS and the desktop, stored or not. The model
//! decides; the recorder, when there is one, only sees each input with the
//! model's outcome for it (see [`crate::recorder`]). Kept in memory only
//! (the wearer turned storage off, a quick check, a test), there is no
//! recorder and nothing else differs.

use crate::Millis;
use crate::recorder::{ShiftRecorder, open_shift, rebuild, setup_of};
use crate::shift::{Outcome, Shift, ShiftEvent, ShiftInput, ShiftSetup};
use crate::store::{ShiftId, ShiftSource, Store, StoreError, WriterConfig};
use crate::summary::ShiftSummary;

/// Why a running shift could not start, resume or end.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("shift data could not be (de)serialized: {0}")]
    State(#[from] serde_json::Error),
    #[error("the shift has already ended")]
    Ended,
    #[error("the model did not end the shift")]
    NotEnded,
}

/// The model of one shift and its recorder, if the shift is kept.
#[derive(Debug)]
pub struct RunningShift {
    shift: Shift,
    recorder: Option<ShiftRecorder>,
}

impl RunningShift {
    /// A shift kept in memory only, not started: feed it a `Start` input.
    pub fn new(setup: ShiftSetup) -> Self {
        Self {
            shift: Shift::new(setup),
            recorder: None,
        }
    }

    /// A shift kept in memory only, started at `t_ms`, with its first events.
    pub fn start_in_memory(setup: ShiftSetup, t_ms: Millis) -> (Self, Vec<ShiftEvent>) {
        let mut s = Self::new(setup);
        let events = s.handle(&ShiftInput::Start { t_ms }).events.clone();
        (s, events)
    }

    /// Creates the shift in `store` (see [`ShiftRecorder::start`]) and
    /// starts the model at `t_ms`; returns it with its first events.
    pub fn start_recorded(
        store: Store,
        setup: ShiftSetup,
        t_ms: Millis,
        source: ShiftSource,
        label: Option<&str>,
        cfg: WriterConfig,
    ) -> Result<(Self, Vec<ShiftEvent>), RunError> {
        let recorder = ShiftRecorder::start(store, t_ms, source, label, &setup.config, cfg)?;
        let mut s = Self {
            shift: Shift::new(setup),
            recorder: Some(recorder),
        };
        let events = s.handle(&ShiftInput::Start { t_ms }).events.clone();
        Ok((s, events))
    }

    /// Continues an unfinished stored shift after the process was killed:
    /// the model is rebuilt from the stored inputs (a live strap cannot be
    /// re-read; how exact that is: docs/store.md, "Resume: how exact"), and
    /// new data is recorded after the stored.
    pub fn resume(store: Store, id: ShiftId) -> Result<Self, RunError> {
        let rec = open_shift(&store, id)?;
        let (shift, _) = rebuild(&store, &rec, None)?;
        Ok(Self {
            shift,
            recorder: Some(ShiftRecorder::resume(store, id)?),
        })
    }

    /// Continues an unfinished stored shift whose inputs the caller feeds
    /// again from the start (a file replay): the model is fresh, started at
    /// the shift's start; only what is newer than the stored data is stored,
    /// and the shift ends as if it had never been interrupted.
    pub fn reopen(store: Store, id: ShiftId) -> Result<Self, RunError> {
        let rec = open_shift(&store, id)?;
        let mut s = Self {
            shift: Shift::new(setup_of(&store, &rec)?),
            recorder: Some(ShiftRecorder::resume(store, id)?),
        };
        s.handle(&ShiftInput::Start {
            t_ms: rec.started_ms,
        });
        Ok(s)
    }

    /// Closes an unfinished stored shift (the process was killed and the
    /// wearer chose not to go on) with the model's summary of what was
    /// stored, ending at the last stored data; the stored summary says
    /// `"interrupted": true`.
    pub fn close_interrupted(store: Store, id: ShiftId) -> Result<ShiftSummary, RunError> {
        let rec = open_shift(&store, id)?;
        let end = store.last_data_t(id)?.unwrap_or(rec.started_ms);
        let mut s = Self::resume(store, id)?;
        s.shift.handle(&ShiftInput::End { t_ms: end });
        let summary = s.shift.summary().cloned().ok_or(RunError::NotEnded)?;
        if let Some(r) = &mut s.recorder {
            r.finish_interrupted(&summary)?;
        }
        Ok(summary)
    }

    /// The model's state (read-only).
    pub fn shift(&self) -> &Shift {
        &self.shift
    }

    /// The recorder, when the shift is kept (its id, its latest store
    /// failure, what was stored before a resume).
    pub fn recorder(&self) -> Option<&ShiftRecorder> {
        self.recorder.as_ref()
    }

    /// Handles one input: the model's outcome, recorded when the shift is
    /// kept. After the end the model refuses every input
    /// (`InputIgnored`) and nothing more is recorded: the stored shift is
    /// closed.
    pub fn handle(&mut self, input: &ShiftInput) -> &Outcome {
        let ended = self.shift.has_ended();
        let outcome = self.shift.handle(input);
        if let Some(r) = self.recorder.as_mut().filter(|_| !ended) {
            r.record(input, outcome);
        }
        outcome
    }

    /// Something the model does not take (a recorded connection gap), kept
    /// as an event when the shift is kept.
    pub fn note(&mut self, t_ms: Millis, kind: &str, payload: &serde_json::Value) {
        if let Some(r) = &mut self.recorder {
            r.note(t_ms, kind, payload);
        }
    }

    /// Ends the shift at `t_ms`: the model's summary (stored with the shift
    /// when it is kept) and the last events; [`RunError::Ended`] when the
    /// shift had ended.
    pub fn end(&mut self, t_ms: Millis) -> Result<(ShiftSummary, Vec<ShiftEvent>), RunError> {
        if self.shift.has_ended() {
            return Err(RunError::Ended);
        }
        let events = self.handle(&ShiftInput::End { t_ms }).events.clone();
        let summary = self.shift.summary().cloned().ok_or(RunError::NotEnded)?;
        if let Some(r) = &mut self.recorder {
            r.finish(&summary)?;
        }
        Ok((summary, events))
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::seam::config_key;
    use crate::store::ShiftSource;

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

    fn start(store: Store) -> (RunningShift, Vec<ShiftEvent>) {
        RunningShift::start_recorded(
            store,
            ShiftSetup::default(),
            T0,
            ShiftSource::Live,
            None,
            WriterConfig::default(),
        )
        .unwrap()
    }

    fn id_of(s: &RunningShift) -> ShiftId {
        s.recorder().map(ShiftRecorder::shift_id).unwrap()
    }

    /// A stored shift fed `packets` packets, then the process dies (its
    /// writer thread idle): no flush, no final save. Returns its id.
    fn killed_after(dir: &tempfile::TempDir, packets: i64) -> ShiftId {
        let (mut s, _) = start(open(dir));
        for i in 1..=packets {
            s.handle(&packet(i));
        }
        let id = id_of(&s);
        s.recorder.take().unwrap().simulate_kill();
        id
    }

    #[test]
    fn a_live_shift_is_stored_with_beats_events_and_summary() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, ev) = start(open(&dir));
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
        let error = s.recorder().and_then(ShiftRecorder::store_error);
        assert!(error.is_none(), "{error:?}");
        let id = id_of(&s);
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
        let rebuilt = crate::recorder::rebuild_events(&store, &rec).unwrap();
        assert!(
            matches!(rebuilt.last(), Some(ShiftEvent::Ended { summary: s }) if s.signal.beats == summary.signal.beats)
        );
    }

    #[test]
    fn in_memory_the_same_model_runs_and_nothing_is_recorded() {
        let (mut mem, first) = RunningShift::start_in_memory(ShiftSetup::default(), T0);
        let dir = tempfile::tempdir().unwrap();
        let (mut kept, kept_first) = start(open(&dir));
        assert_eq!(first, kept_first);
        assert!(mem.recorder().is_none());
        for i in 1..=90 {
            assert_eq!(mem.handle(&packet(i)), kept.handle(&packet(i)));
        }
        let (a, _) = mem.end(T0 + 91_000).unwrap();
        let (b, _) = kept.end(T0 + 91_000).unwrap();
        assert_eq!(a, b);
        assert!(matches!(mem.end(T0 + 92_000), Err(RunError::Ended)));
    }

    #[test]
    fn inputs_after_the_model_ended_are_not_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let (mut s, _) = start(open(&dir));
        for i in 1..=20 {
            s.handle(&packet(i));
        }
        // the End input itself, not `end()`: the writer is still open
        s.handle(&ShiftInput::End { t_ms: T0 + 21_000 });
        for i in 22..=40 {
            let out = s.handle(&packet(i));
            assert!(matches!(out.refusal, Some(crate::shift::Refusal::AfterEnd)));
        }
        let id = id_of(&s);
        drop(s); // the writer saves what it holds
        let store = open(&dir);
        let last = store.last_data_t(id).unwrap().unwrap();
        assert!(last <= T0 + 21_000, "{last}");
        assert!(
            store
                .beats(id)
                .unwrap()
                .iter()
                .all(|b| b.t_ms <= T0 + 21_000),
            "no beat after the end"
        );
        let hr = store.samples(id, crate::store::SampleKind::Hr).unwrap();
        assert!(
            hr.iter().all(|s| s.t_ms <= T0 + 21_000),
            "no HR after the end"
        );
    }

    #[test]
    fn a_killed_shift_resumes_from_the_stored_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let id = killed_after(&dir, 130);

        let mut r = RunningShift::resume(open(&dir), id).unwrap();
        assert_eq!(id_of(&r), id);
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
        assert!(RunningShift::resume(open(&dir), id).is_err());
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
        let r = RunningShift::resume(open(&dir), id).unwrap();
        assert_eq!(r.shift().baseline(), reference.baseline());
        assert_eq!(r.shift().last_activation(), reference.last_activation());
        assert!(r.shift().last_activation().is_some());
        assert_eq!(r.shift().load(), reference.load());
    }

    #[test]
    fn an_ended_shift_cannot_resume_and_an_interrupted_one_can_be_closed() {
        let dir = tempfile::tempdir().unwrap();
        let id = killed_after(&dir, 70);
        let summary = RunningShift::close_interrupted(open(&dir), id).unwrap();
        let store = open(&dir);
        let rec = store.shift(id).unwrap();
        assert_eq!(rec.ended_ms, store.last_data_t(id).unwrap());
        assert_eq!(store.summary(id).unwrap().unwrap()["interrupted"], true);
        assert_eq!(summary.signal.beats, store.beat_count(id).unwrap());
        assert!(matches!(
            RunningShift::resume(open(&dir), id),
            Err(RunError::Ended)
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
