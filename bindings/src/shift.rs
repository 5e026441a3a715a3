//! The live shift across the FFI: steady-core's running shift
//! ([`RunningShift`]: the model, and the store's recorder when the shift is
//! kept) behind a lock, with the two ways out for its events: a listener
//! the shells implement, and a poll queue.
//!
//! Threads: the BLE callback thread calls [`LiveShift::ingest`] while the UI
//! thread reads [`LiveShift::snapshot`]; every method takes `&self` and is
//! safe from any thread. Events of one call reach the listener after the
//! shift's lock is released (so a listener may call `snapshot`), in the
//! order the calls were made (a second lock orders the deliveries). A
//! listener must not call `ingest` or an action from inside `on_events`
//! (that would wait on itself): post to your own thread instead.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use steady_core::Millis;
use steady_core::activation::Motion;
use steady_core::baseline::Baseline;
use steady_core::recorder::ShiftRecorder;
use steady_core::reset::{ResetProtocol, builtin_protocols};
use steady_core::running::{RunError, RunningShift};
use steady_core::shift::{GaugeUpdate, Refusal, ShiftConfig, ShiftEvent, ShiftInput, ShiftSetup};
use steady_core::store::StoreErrorKind;
use steady_core::summary::ShiftSummary;

use crate::SteadyError;
use crate::edge::guard;

/// How many undelivered events [`LiveShift::poll_events`] keeps; older ones
/// are dropped (and counted in [`GaugeSnapshot::dropped_events`]) so a shell
/// that only uses the listener never grows memory over a 12-hour shift.
pub const POLL_QUEUE_CAPACITY: usize = 1024;

/// Implemented by the shells (Kotlin/Swift) to receive the shift's events.
#[uniffi::export(foreign)]
pub trait ShiftListener: Send + Sync {
    /// The events caused by one call, in time order (never empty).
    fn on_events(&self, events: Vec<ShiftEvent>);
}

/// What the wearer did; each maps to one core input at the given time.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum UserAction {
    /// Started the reset with this protocol (see [`reset_protocols`]).
    StartReset {
        protocol_id: String,
    },
    FinishReset,
    /// Stopped the reset before the end: it is not scored.
    AbandonReset,
    /// Said "not now" to an offered reset.
    DismissPrompt,
    /// Snooze prompts for `minutes` (0 = the configured default).
    Snooze {
        minutes: u32,
    },
    /// Quiet mode ("on a call").
    Quiet {
        on: bool,
    },
    /// The off switch for prompts in this shift.
    PromptsEnabled {
        on: bool,
    },
    /// Begin the optional seated baseline check.
    SeatedCheck,
}

/// What the UI shows right now, read without waiting for an event.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GaugeSnapshot {
    /// The latest gauge refresh, `None` before the first one.
    pub latest: Option<GaugeUpdate>,
    pub baseline: Baseline,
    /// Unrecovered load now (spread-minutes).
    pub load: f64,
    pub ended: bool,
    /// Events waiting in the poll queue.
    pub pending_events: u32,
    /// Events dropped from a full poll queue since the shift was created.
    pub dropped_events: u64,
    /// The stored shift's id (`None` for a shift kept in memory only).
    pub shift_id: Option<i64>,
    /// The latest failure to save (disk full, busy database): the data is
    /// kept in memory and saving is retried; `None` once a save succeeds.
    pub store_error: Option<String>,
}

impl From<RunError> for SteadyError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Store(e) => e.into(),
            RunError::State(e) => SteadyError::Store {
                kind: StoreErrorKind::Damaged,
                reason: e.to_string(),
            },
            e => SteadyError::InvalidState {
                reason: e.to_string(),
            },
        }
    }
}

struct Inner {
    running: RunningShift,
    latest: Option<GaugeUpdate>,
    queue: VecDeque<ShiftEvent>,
    dropped: u64,
}

/// One shift, live. Created by [`LiveShift::new`] (or by the store, which
/// also persists it); shared by the BLE and UI threads.
#[derive(uniffi::Object)]
pub struct LiveShift {
    state: Mutex<Inner>,
    delivery: Mutex<()>,
    listener: RwLock<Option<Arc<dyn ShiftListener>>>,
}

/// The default setup (model.md's starting parameters, no history): for a
/// shift kept in memory only ([`LiveShift::new`]).
#[uniffi::export]
pub fn default_shift_setup() -> ShiftSetup {
    ShiftSetup::default()
}

/// The default parameters (model.md) for `SteadyStore.startShift`.
#[uniffi::export]
pub fn default_shift_config() -> ShiftConfig {
    ShiftConfig::default()
}

/// The built-in reset protocols (phases with durations, for animation and
/// haptics).
#[uniffi::export]
pub fn reset_protocols() -> Vec<ResetProtocol> {
    builtin_protocols()
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic caught at the edge poisons the lock; the shift goes on from the
    // state the core left (the core has no panicking paths by design).
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl LiveShift {
    /// A running shift and the events it gave so far (a stored one from
    /// `SteadyStore`).
    pub(crate) fn running(running: RunningShift, first_events: &[ShiftEvent]) -> Arc<Self> {
        let mut inner = Inner {
            running,
            latest: None,
            queue: VecDeque::new(),
            dropped: 0,
        };
        inner.queue_events(first_events);
        Arc::new(Self {
            state: Mutex::new(inner),
            delivery: Mutex::new(()),
            listener: RwLock::new(None),
        })
    }

    /// Steps the core with one input, delivers its events, and turns the
    /// core's refusal of the input into a typed error (after delivery: the
    /// listener and the poll queue still see the `InputIgnored` event).
    pub(crate) fn apply(&self, input: ShiftInput) -> Result<Vec<ShiftEvent>, SteadyError> {
        guard(|| {
            let (events, refusal) = self.handle(&input, Delivery::Listener)?;
            match refusal {
                Some(r) => Err(r.into()),
                None => Ok(events),
            }
        })
    }

    /// [`LiveShift::apply`] for the direct path (`direct.rs`): the call's
    /// events come back to the caller instead of the listener, also when
    /// the core refused the input (its `InputIgnored` event, then the
    /// error); they are queued for [`LiveShift::poll_events`] as every event
    /// is. A caught panic has no events.
    pub(crate) fn apply_direct(
        &self,
        input: &ShiftInput,
    ) -> (Vec<ShiftEvent>, Result<(), SteadyError>) {
        match guard(|| self.handle(input, Delivery::Caller)) {
            Ok((events, None)) => (events, Ok(())),
            Ok((events, Some(r))) => (events, Err(r.into())),
            Err(e) => (Vec::new(), Err(e)),
        }
    }

    /// One core input through [`LiveShift::step`].
    fn handle(
        &self,
        input: &ShiftInput,
        delivery: Delivery,
    ) -> Result<(Vec<ShiftEvent>, Option<Refusal>), SteadyError> {
        self.step(delivery, |running| {
            let out = running.handle(input);
            Ok((out.events.clone(), out.refusal.clone()))
        })
    }

    /// Runs `f` on the running shift under the lock, queues its events,
    /// then (for [`Delivery::Listener`]) hands them to the listener outside
    /// the lock, in call order.
    fn step(
        &self,
        delivery: Delivery,
        f: impl FnOnce(&mut RunningShift) -> Result<(Vec<ShiftEvent>, Option<Refusal>), SteadyError>,
    ) -> Result<(Vec<ShiftEvent>, Option<Refusal>), SteadyError> {
        let _order = lock(&self.delivery);
        let (events, refusal) = {
            let mut inner = lock(&self.state);
            let (events, refusal) = f(&mut inner.running)?;
            inner.queue_events(&events);
            (events, refusal)
        };
        if delivery == Delivery::Caller || events.is_empty() {
            return Ok((events, refusal));
        }
        let listener = self
            .listener
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(l) = listener {
            l.on_events(events.clone());
        }
        Ok((events, refusal))
    }
}

/// Who receives a call's events besides the poll queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// The registered listener (every UniFFI call).
    Listener,
    /// The caller, from the return value (the direct path): the listener is
    /// not called, so a shell that takes them there does not get them twice.
    Caller,
}

impl Inner {
    fn queue_events(&mut self, events: &[ShiftEvent]) {
        for e in events {
            if let ShiftEvent::Gauge { update } = e {
                self.latest = Some(*update);
            }
            if self.queue.len() == POLL_QUEUE_CAPACITY {
                self.queue.pop_front();
                self.dropped += 1;
            }
            self.queue.push_back(e.clone());
        }
    }
}

impl From<Refusal> for SteadyError {
    fn from(r: Refusal) -> Self {
        let reason = r.to_string();
        match r {
            Refusal::AfterEnd | Refusal::NotApplicable => SteadyError::InvalidState { reason },
            _ => SteadyError::InvalidInput { reason },
        }
    }
}

/// The core input a user action stands for (one arm per action).
fn user_input(t_ms: Millis, action: UserAction) -> ShiftInput {
    match action {
        UserAction::StartReset { protocol_id } => ShiftInput::ResetStarted { t_ms, protocol_id },
        UserAction::FinishReset => ShiftInput::ResetFinished { t_ms },
        UserAction::AbandonReset => ShiftInput::ResetAbandoned { t_ms },
        UserAction::DismissPrompt => ShiftInput::PromptDismissed { t_ms },
        UserAction::Snooze { minutes } => ShiftInput::Snooze { t_ms, minutes },
        UserAction::Quiet { on } => ShiftInput::Quiet { t_ms, on },
        UserAction::PromptsEnabled { on } => ShiftInput::PromptsEnabled { t_ms, on },
        UserAction::SeatedCheck => ShiftInput::SeatedCheck { t_ms },
    }
}

#[uniffi::export]
impl LiveShift {
    /// A shift that has not started; it starts at [`LiveShift::start`] or
    /// at its first input.
    #[uniffi::constructor]
    pub fn new(setup: ShiftSetup) -> Arc<Self> {
        Self::running(RunningShift::new(setup), &[])
    }

    /// Registers (or with `None` removes) the listener.
    pub fn set_listener(&self, listener: Option<Arc<dyn ShiftListener>>) {
        *self.listener.write().unwrap_or_else(|p| p.into_inner()) = listener;
    }

    pub fn start(&self, t_ms: Millis) -> Result<(), SteadyError> {
        self.apply(ShiftInput::Start { t_ms }).map(drop)
    }

    /// One raw 0x2A37 notification as received, stamped with its arrival
    /// time. A malformed packet raises `InvalidInput` and is dropped; the
    /// shift goes on.
    pub fn ingest(&self, t_ms: Millis, packet: Vec<u8>) -> Result<(), SteadyError> {
        self.apply(ShiftInput::Packet {
            t_ms,
            bytes: packet,
        })
        .map(drop)
    }

    /// A heart rate without RR (a strap that sends none), bpm.
    pub fn ingest_heart_rate(&self, t_ms: Millis, bpm: f64) -> Result<(), SteadyError> {
        self.apply(ShiftInput::HeartRate { t_ms, bpm }).map(drop)
    }

    /// A motion sample from the phone or watch (steps/min or ENMO).
    pub fn ingest_motion(&self, motion: Motion) -> Result<(), SteadyError> {
        self.apply(ShiftInput::Motion { motion }).map(drop)
    }

    /// Time passes with no data: call every few seconds so that a dropout is
    /// noticed even when nothing arrives.
    pub fn tick(&self, t_ms: Millis) -> Result<(), SteadyError> {
        self.apply(ShiftInput::Tick { t_ms }).map(drop)
    }

    pub fn user_action(&self, t_ms: Millis, action: UserAction) -> Result<(), SteadyError> {
        self.apply(user_input(t_ms, action)).map(drop)
    }

    /// Ends the shift and returns its summary (also sent as `Ended`). A
    /// stored shift saves the summary with the shift.
    pub fn end(&self, t_ms: Millis) -> Result<ShiftSummary, SteadyError> {
        guard(|| {
            let (events, _) = self.step(Delivery::Listener, |running| {
                Ok((running.end(t_ms)?.1, None))
            })?;
            events
                .into_iter()
                .find_map(|e| match e {
                    ShiftEvent::Ended { summary } => Some(summary),
                    _ => None,
                })
                .ok_or_else(|| SteadyError::InvalidState {
                    reason: "the shift did not end".into(),
                })
        })
    }

    /// The summary, once the shift has ended.
    pub fn summary(&self) -> Option<ShiftSummary> {
        lock(&self.state).running.shift().summary().cloned()
    }

    pub fn snapshot(&self) -> GaugeSnapshot {
        let inner = lock(&self.state);
        let shift = inner.running.shift();
        let recorder = inner.running.recorder();
        let (shift_id, store_error) = (
            recorder.map(ShiftRecorder::shift_id),
            recorder
                .and_then(ShiftRecorder::store_error)
                .map(str::to_owned),
        );
        GaugeSnapshot {
            latest: inner.latest,
            baseline: *shift.baseline(),
            load: shift.load(),
            ended: shift.has_ended(),
            pending_events: u32::try_from(inner.queue.len()).unwrap_or(u32::MAX),
            dropped_events: inner.dropped,
            shift_id,
            store_error,
        }
    }

    /// Takes up to `max` waiting events, oldest first.
    pub fn poll_events(&self, max: u32) -> Vec<ShiftEvent> {
        let mut inner = lock(&self.state);
        let n = inner.queue.len().min(max as usize);
        inner.queue.drain(..n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use steady_core::shift::Shift;

    const T0: Millis = 1_764_000_000_000;

    /// One packet per second, HR 60, one RR of 1024/1024 s.
    fn packets(n: i64) -> impl Iterator<Item = (Millis, Vec<u8>)> {
        (1..=n).map(|i| (T0 + i * 1000, vec![0x16, 60, 0x00, 0x04]))
    }

    struct Counting(AtomicUsize);
    impl ShiftListener for Counting {
        fn on_events(&self, events: Vec<ShiftEvent>) {
            self.0.fetch_add(events.len(), Ordering::SeqCst);
        }
    }

    struct Panicking;
    impl ShiftListener for Panicking {
        fn on_events(&self, _: Vec<ShiftEvent>) {
            panic!("listener bug");
        }
    }

    #[test]
    fn a_malformed_packet_is_a_typed_error_and_the_shift_goes_on() {
        let s = LiveShift::new(ShiftSetup::default());
        s.start(T0).unwrap();
        for (t, p) in packets(30) {
            s.ingest(t, p).unwrap();
        }
        let err = s.ingest(T0 + 30_500, vec![0x10, 60, 0x00]).unwrap_err();
        assert!(matches!(err, SteadyError::InvalidInput { .. }), "{err:?}");
        for (t, p) in packets(90).skip(30) {
            s.ingest(t, p).unwrap();
        }
        let latest = s.snapshot().latest.expect("gauge refreshes");
        assert!(latest.t_ms >= T0 + 85_000, "{latest:?}");
        let sum = s.end(T0 + 91_000).unwrap();
        assert_eq!(sum.signal.ignored_inputs, 1);
    }

    #[test]
    fn time_going_back_and_inputs_after_the_end_are_typed() {
        let s = LiveShift::new(ShiftSetup::default());
        s.start(T0).unwrap();
        s.tick(T0 + 10_000).unwrap();
        assert!(matches!(
            s.tick(T0 + 5_000),
            Err(SteadyError::InvalidInput { .. })
        ));
        s.end(T0 + 20_000).unwrap();
        assert!(s.snapshot().ended);
        assert!(matches!(
            s.ingest(T0 + 21_000, vec![0x00, 60]),
            Err(SteadyError::InvalidState { .. })
        ));
        assert!(matches!(
            s.end(T0 + 22_000),
            Err(SteadyError::InvalidState { .. })
        ));
    }

    #[test]
    fn listener_and_poll_see_the_same_events() {
        let s = LiveShift::new(ShiftSetup::default());
        let l = Arc::new(Counting(AtomicUsize::new(0)));
        s.set_listener(Some(l.clone()));
        for (t, p) in packets(60) {
            s.ingest(t, p).unwrap();
        }
        let polled = s.poll_events(u32::MAX);
        assert!(!polled.is_empty());
        assert_eq!(polled.len(), l.0.load(Ordering::SeqCst));
        assert!(s.poll_events(10).is_empty());
    }

    #[test]
    fn the_poll_queue_is_bounded_and_counts_what_it_drops() {
        let s = LiveShift::new(ShiftSetup::default());
        s.start(T0).unwrap();
        // a tick every 5 s yields at least one gauge event per call
        let n = POLL_QUEUE_CAPACITY as i64 + 100;
        for i in 1..=n {
            s.tick(T0 + i * 5_000).unwrap();
        }
        let snap = s.snapshot();
        assert_eq!(snap.pending_events as usize, POLL_QUEUE_CAPACITY);
        assert!(snap.dropped_events >= 100, "{}", snap.dropped_events);
        // the newest are kept
        let last = s.poll_events(u32::MAX).pop().unwrap();
        assert!(
            matches!(last, ShiftEvent::Gauge { update } if update.t_ms >= T0 + (n - 1) * 5_000)
        );
    }

    #[test]
    fn a_panicking_listener_becomes_internal_and_the_shift_stays_usable() {
        let s = LiveShift::new(ShiftSetup::default());
        s.set_listener(Some(Arc::new(Panicking)));
        let err = s.start(T0).unwrap_err();
        assert!(matches!(err, SteadyError::Internal { .. }), "{err:?}");
        s.set_listener(None);
        s.tick(T0 + 10_000).unwrap();
        assert!(s.snapshot().latest.is_some());
    }

    #[test]
    fn ingest_on_one_thread_snapshots_on_another() {
        let s = LiveShift::new(ShiftSetup::default());
        let writer = {
            let s = s.clone();
            std::thread::spawn(move || {
                for (t, p) in packets(600) {
                    s.ingest(t, p).unwrap();
                }
            })
        };
        let mut last = Millis::MIN;
        while !writer.is_finished() {
            if let Some(g) = s.snapshot().latest {
                assert!(g.t_ms >= last);
                last = g.t_ms;
            }
        }
        writer.join().unwrap();
        assert!(s.snapshot().latest.unwrap().t_ms >= T0 + 595_000);
    }

    #[test]
    fn user_actions_map_to_core_inputs() {
        // each action, one by one, to the core input it stands for
        let t = T0 + 7;
        let table = [
            (
                UserAction::StartReset {
                    protocol_id: "paced_4_6".into(),
                },
                ShiftInput::ResetStarted {
                    t_ms: t,
                    protocol_id: "paced_4_6".into(),
                },
            ),
            (
                UserAction::FinishReset,
                ShiftInput::ResetFinished { t_ms: t },
            ),
            (
                UserAction::AbandonReset,
                ShiftInput::ResetAbandoned { t_ms: t },
            ),
            (
                UserAction::DismissPrompt,
                ShiftInput::PromptDismissed { t_ms: t },
            ),
            (
                UserAction::Snooze { minutes: 5 },
                ShiftInput::Snooze {
                    t_ms: t,
                    minutes: 5,
                },
            ),
            (
                UserAction::Quiet { on: true },
                ShiftInput::Quiet { t_ms: t, on: true },
            ),
            (
                UserAction::Quiet { on: false },
                ShiftInput::Quiet { t_ms: t, on: false },
            ),
            (
                UserAction::PromptsEnabled { on: false },
                ShiftInput::PromptsEnabled { t_ms: t, on: false },
            ),
            (UserAction::SeatedCheck, ShiftInput::SeatedCheck { t_ms: t }),
        ];
        for (action, input) in table {
            assert_eq!(user_input(t, action.clone()), input, "{action:?}");
        }

        // and `user_action` hands that input to the core: the FFI shift ends
        // in the same state as a core shift fed the expected inputs
        let s = LiveShift::new(ShiftSetup::default());
        let mut core = Shift::new(ShiftSetup::default());
        let state = |s: &LiveShift| serde_json::to_value(lock(&s.state).running.shift()).unwrap();
        s.start(T0).unwrap();
        core.handle(&ShiftInput::Start { t_ms: T0 });
        for (t, action, input) in [
            (
                T0 + 1_000,
                UserAction::Quiet { on: true },
                ShiftInput::Quiet {
                    t_ms: T0 + 1_000,
                    on: true,
                },
            ),
            (
                T0 + 2_000,
                UserAction::Snooze { minutes: 5 },
                ShiftInput::Snooze {
                    t_ms: T0 + 2_000,
                    minutes: 5,
                },
            ),
            (
                T0 + 4_000,
                UserAction::StartReset {
                    protocol_id: "paced_4_6".into(),
                },
                ShiftInput::ResetStarted {
                    t_ms: T0 + 4_000,
                    protocol_id: "paced_4_6".into(),
                },
            ),
            (
                T0 + 34_000,
                UserAction::FinishReset,
                ShiftInput::ResetFinished { t_ms: T0 + 34_000 },
            ),
            (
                T0 + 35_000,
                UserAction::SeatedCheck,
                ShiftInput::SeatedCheck { t_ms: T0 + 35_000 },
            ),
        ] {
            let before = state(&s);
            s.user_action(t, action.clone()).unwrap();
            core.handle(&input);
            assert_ne!(state(&s), before, "{action:?} changed nothing");
            assert_eq!(
                state(&s),
                serde_json::to_value(&core).unwrap(),
                "{action:?}"
            );
        }
        // nothing was offered: dismissing is "not applicable"
        assert!(matches!(
            s.user_action(T0 + 36_000, UserAction::DismissPrompt),
            Err(SteadyError::InvalidState { .. })
        ));
        assert!(reset_protocols().iter().any(|p| p.id == "paced_4_6"));
    }
}
