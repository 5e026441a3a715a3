//! A shift: the model's state machine.
//!
//! Shaped like Ferrostar's `NavigationController`: a pure transition
//! `(state, input at time t) -> (state, events)` ([`step`]). The state is
//! plain data (clone it, compare it, serialize it to survive the app being
//! killed); the shells own it and feed it inputs; nothing in here reads a
//! clock, so the same inputs always give the same events.
//!
//! # Time
//! Every input carries its own time (ms on the input clock). The shift keeps
//! a clock = the latest input time. Gauge refreshes happen every
//! `refresh_ms` (5 s) on that clock, aligned to the shift start; when an
//! input arrives, every refresh time before it is processed first, so a
//! refresh at `T` sees exactly the data with time `<= T` that had arrived.
//! Its window ends [`SETTLE_MS`] before `T`: a beat reaches the model a
//! little after it ended (the strap sends its RR in the next notification,
//! the cleaner holds one beat back), so the data up to `T - SETTLE_MS` is
//! complete at `T` whether the beats came live in packets or, at a resume,
//! from the store in time order. How far a model rebuilt at a resume
//! then agrees with the live one (equal in a steady stream, a bounded
//! difference around a dropout) is stated once, in docs/store.md ("Resume:
//! how exact"), with the test that measures it.
//! Inputs whose time runs backwards are ignored and reported
//! ([`ShiftEvent::InputIgnored`]); beats may lag the clock (their time is
//! reconstructed from RR) but must move forward and fall inside the window.
//! Shells send [`ShiftInput::Tick`] every few seconds so that a dropout is
//! noticed even when nothing arrives.
//!
//! # One refresh at `T`
//! 1. HR and lnRMSSD over `(T - 4 s - 60 s, T - 4 s]`: HR from beats (>= 5 beats) or
//!    else from heart-rate samples; lnRMSSD only with >= `min_hrv_beats`
//!    beats covering >= `min_hrv_coverage` of the window and at most 20 %
//!    corrected beats (docs/model.md §1). No data for `signal_timeout_ms` ->
//!    `no_signal`.
//! 2. Once a minute, a still minute (nothing physical during it) becomes a
//!    [`BaselineSample`]; the baseline is re-resolved
//!    ([`baseline::resolve`]), until a first shift's learned baseline rests
//!    on `min_personal_minutes` still minutes: then it is held for the rest
//!    of the shift.
//! 3. [`ActivationTracker::update`] -> gauge and state against the baseline
//!    in use; the continuous score against the shift's reference
//!    ([`activation::score`]); [`Load::update`];
//!    [`PromptPolicy::observe`]; the summary tally.
//! 4. A finished reset is scored once its 60 s "after" window is complete.
//! 5. Data no window will look at again is forgotten.
//!
//! Each step is one method of [`Shift`] (`check_signal`,
//! `collect_baseline_evidence`, `update_gauge`, `score_finished_reset`,
//! `forget_old_data`); the window's statistics are in `window.rs`, the
//! FFI-facing types in `types.rs`.
mod types;
mod window;

pub use types::{
    GaugeUpdate, IgnoredReason, Outcome, Refusal, ShiftConfig, ShiftEvent, ShiftInput, ShiftSetup,
    WindowQuality,
};

use std::collections::VecDeque;

use crate::Millis;
use crate::activation::{self, Activation, ActivationTracker, Motion, Reading};
use crate::baseline::{self, Baseline, BaselineSample, BaselineSource, CalmestStretch};
use crate::beats::{Beat, BeatCleaner, HrSample, RrTimeline, TimedRr};
use crate::hrm::{self, SensorContact};
use crate::load::Load;
use crate::prompt::PromptPolicy;
use crate::reset::{EFFECT_WINDOW_MS, WindowSummary, score_effect};
use crate::robust::StatsScratch;
use crate::summary::{PromptOutcome, ShiftSummary, Tally};
use window::WindowStats;

/// Inputs whose time is further than this from 0 (about 35 000 years of
/// unix milliseconds) are refused: no clock says that, and arithmetic on
/// such times could overflow.
pub const MAX_ABS_TIME_MS: Millis = 1 << 50;
/// Without signal, refreshes are emitted one by one for this long; a longer
/// dropout (a strap left in a locker, a clock jump) is skipped in one step:
/// its time counts as `no_signal`, and no event is emitted for each of its
/// refreshes.
pub const NO_SIGNAL_DETAIL_MS: Millis = 3_600_000;
/// Beats and HR samples are kept this much longer than the window, so a
/// reset's "after" window can be scored a little late.
const RETAIN_EXTRA_MS: Millis = 15_000;
/// How long after a beat ends the model counts on having it: the next
/// notification (about 1 s), the beat the cleaner holds back (one RR, 1.5 s
/// at 40 bpm) and some radio and scheduling jitter. Windows end this long
/// before the time they are computed at (see the module doc).
pub const SETTLE_MS: Millis = 4_000;
/// Grace after a reset's "after" window for late beats before scoring (at
/// least [`SETTLE_MS`]).
const EFFECT_GRACE_MS: Millis = 5_000;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct ResetInProgress {
    protocol_id: String,
    started_ms: Millis,
    before: WindowSummary,
    finished_ms: Option<Millis>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum Phase {
    NotStarted,
    Running,
    Ended,
}

/// The whole state of a shift (plain data; see the module doc).
///
/// Serialize it to survive the app being killed. The beat cleaner's and the
/// packet timeline's few seconds of memory are not serialized: after a
/// restore they restart as after a connection gap (documented recovery; at
/// most the beats of one window lose their successive differences).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Shift {
    setup: ShiftSetup,
    phase: Phase,
    start_ms: Millis,
    clock_ms: Millis,
    next_refresh_ms: Millis,
    #[serde(skip)]
    cleaner: BeatCleaner,
    #[serde(skip)]
    timeline: RrTimeline,
    /// What the last [`Shift::handle`] did; cleared at each call, so its
    /// buffers stay a few items long and, once warm, never reallocate.
    #[serde(skip)]
    out: Outcome,
    /// Scratch for the beats of one window (reused, see `out`).
    #[serde(skip)]
    window_beats: Vec<Beat>,
    /// Scratch for the RR intervals of one packet (reused, see `out`).
    #[serde(skip)]
    packet_rr: Vec<TimedRr>,
    /// Scratch for the baseline's robust statistics (reused, see `out`).
    #[serde(skip)]
    stats: StatsScratch,
    beats: VecDeque<Beat>,
    hr_samples: VecDeque<HrSample>,
    last_beat_ms: Option<Millis>,
    last_data_ms: Option<Millis>,
    signal: bool,
    motion: Option<Motion>,
    baseline: Baseline,
    /// The baseline the shift started with: the continuous score is
    /// measured against it for the whole shift
    /// ([`crate::activation::score`]). `None` in a state serialized before
    /// it existed: the baseline in use stands in.
    #[serde(default)]
    reference: Option<Baseline>,
    still_minutes: Vec<BaselineSample>,
    /// The calmest stretch of `still_minutes`, kept current (a cache: rebuilt
    /// from `still_minutes` when absent).
    #[serde(skip)]
    calmest: CalmestStretch,
    seated_start_ms: Option<Millis>,
    seated_samples: Vec<BaselineSample>,
    seated: Option<Baseline>,
    tracker: ActivationTracker,
    last: Option<Activation>,
    load: Load,
    policy: PromptPolicy,
    reset: Option<ResetInProgress>,
    tally: Tally,
    summary: Option<ShiftSummary>,
}

/// Still minutes reserved up front: one a minute for a day.
const STILL_MINUTES_RESERVED: usize = 24 * 60;

/// The pure transition: `(state, input) -> (state, outcome)`.
pub fn step(mut shift: Shift, input: &ShiftInput) -> (Shift, Outcome) {
    let outcome = shift.handle(input).clone();
    (shift, outcome)
}

impl Shift {
    /// A shift that has not started yet.
    /// The configuration is sanitized first ([`ShiftConfig::sanitized`]).
    /// The history's samples are put in time order (the baseline reads the
    /// recent ones as one slice).
    pub fn new(mut setup: ShiftSetup) -> Self {
        setup.config = setup.config.sanitized();
        setup.history.samples.sort_by_key(|s| s.t_ms);
        let mut stats = StatsScratch::default();
        let baseline = baseline::resolve(
            &setup.history,
            None,
            None,
            0,
            &setup.config.baseline,
            &mut stats,
        );
        let load = Load::starting_at(setup.load_start);
        Self {
            setup,
            phase: Phase::NotStarted,
            start_ms: 0,
            clock_ms: 0,
            next_refresh_ms: 0,
            cleaner: BeatCleaner::default(),
            timeline: RrTimeline::default(),
            out: Outcome::default(),
            window_beats: Vec::new(),
            packet_rr: Vec::new(),
            stats,
            beats: VecDeque::new(),
            hr_samples: VecDeque::new(),
            last_beat_ms: None,
            last_data_ms: None,
            signal: false,
            motion: None,
            baseline,
            reference: None,
            // A day of still minutes, so a shift never grows it in the live
            // path (it gains one a minute).
            still_minutes: Vec::with_capacity(STILL_MINUTES_RESERVED),
            calmest: CalmestStretch::default(),
            seated_start_ms: None,
            seated_samples: Vec::new(),
            seated: None,
            tracker: ActivationTracker::default(),
            last: None,
            load,
            policy: PromptPolicy::default(),
            reset: None,
            tally: Tally::default(),
            summary: None,
        }
    }

    /// The baseline in use.
    pub fn baseline(&self) -> &Baseline {
        &self.baseline
    }

    /// The shift's reference baseline: the one it started with, which the
    /// continuous score is measured against for the whole shift (before
    /// `Start`, the baseline in use).
    pub fn reference(&self) -> &Baseline {
        self.reference.as_ref().unwrap_or(&self.baseline)
    }

    /// The latest gauge refresh.
    pub fn last_activation(&self) -> Option<&Activation> {
        self.last.as_ref()
    }

    /// Current unrecovered load (spread-minutes).
    pub fn load(&self) -> f64 {
        self.load.value
    }

    /// The summary, once the shift has ended.
    pub fn summary(&self) -> Option<&ShiftSummary> {
        self.summary.as_ref()
    }

    /// True once `End` has been handled.
    pub fn has_ended(&self) -> bool {
        self.phase == Phase::Ended
    }

    /// What the last [`Shift::handle`] call did (empty before the first).
    pub fn outcome(&self) -> &Outcome {
        &self.out
    }

    fn cfg(&self) -> &ShiftConfig {
        &self.setup.config
    }

    /// Handle one input: its events in time order, the beats it accepted,
    /// and whether it was refused ([`Outcome`], valid until the next call).
    pub fn handle(&mut self, input: &ShiftInput) -> &Outcome {
        self.out.clear();
        let mut ev = std::mem::take(&mut self.out.events);
        self.transition(input, &mut ev);
        self.out.events = ev;
        &self.out
    }

    fn transition(&mut self, input: &ShiftInput, ev: &mut Vec<ShiftEvent>) {
        let t = input.t_ms();
        if !(-MAX_ABS_TIME_MS..=MAX_ABS_TIME_MS).contains(&t) {
            return self.refuse(t, Refusal::InvalidValue, ev);
        }
        match self.phase {
            Phase::Ended => return self.refuse(t, Refusal::AfterEnd, ev),
            Phase::NotStarted => {
                if matches!(input, ShiftInput::End { .. }) {
                    return self.refuse(t, Refusal::NotApplicable, ev);
                }
                self.start(t, ev);
            }
            Phase::Running => {}
        }
        // An `End` older than the latest input ends the shift at the latest
        // input's time (nothing is lost by ending).
        if let ShiftInput::End { t_ms } = input
            && *t_ms < self.clock_ms
        {
            let at = self.clock_ms;
            return self.end(at, ev);
        }
        // Beats may lag the clock; everything else must not go back.
        let is_beat = matches!(input, ShiftInput::Beat { .. } | ShiftInput::Rr { .. });
        if !is_beat && t < self.clock_ms {
            return self.refuse(t, Refusal::TimeWentBack, ev);
        }
        if t > self.clock_ms {
            self.advance(t, ev);
        }
        match input {
            ShiftInput::Start { .. } | ShiftInput::Tick { .. } => {}
            ShiftInput::Beat {
                t_ms,
                rr_ms,
                corrected,
            } => {
                if !(rr_ms.is_finite() && *rr_ms > 0.0) {
                    self.refuse(t, Refusal::InvalidValue, ev);
                } else {
                    self.on_beat(*t_ms, *rr_ms, *corrected, ev);
                }
            }
            ShiftInput::Rr { t_ms, rr_ms } => {
                if !(rr_ms.is_finite() && *rr_ms > 0.0) {
                    self.refuse(t, Refusal::InvalidValue, ev);
                } else {
                    let released = self.cleaner.push(*t_ms, *rr_ms);
                    for b in released {
                        self.on_beat(b.t_ms, b.rr_ms, b.corrected, ev);
                    }
                }
            }
            ShiftInput::Packet { t_ms, bytes } => self.on_packet(*t_ms, bytes, ev),
            ShiftInput::HeartRate { t_ms, bpm } => {
                if !(bpm.is_finite() && (20.0..=250.0).contains(bpm)) {
                    self.refuse(t, Refusal::InvalidValue, ev);
                } else {
                    self.hr_samples.push_back(HrSample {
                        t_ms: *t_ms,
                        bpm: *bpm,
                    });
                    self.tally.signal.hr_samples += 1;
                    self.on_data(*t_ms, ev);
                }
            }
            ShiftInput::Motion { motion } => self.motion = Some(*motion),
            ShiftInput::SeatedCheck { t_ms } => {
                self.seated_start_ms = Some(*t_ms);
                self.seated_samples.clear();
            }
            ShiftInput::Quiet { on, .. } => self.policy.set_quiet(*on),
            ShiftInput::Snooze { t_ms, minutes } => {
                let ms = if *minutes == 0 {
                    self.cfg().prompt.default_snooze_ms
                } else {
                    i64::from(*minutes) * 60_000
                };
                self.policy.snooze(t_ms.saturating_add(ms));
                self.tally.answer(PromptOutcome::Snoozed);
            }
            ShiftInput::PromptsEnabled { on, .. } => self.setup.config.prompt.enabled = *on,
            ShiftInput::PromptDismissed { .. } => {
                if !self.tally.answer(PromptOutcome::Dismissed) {
                    self.refuse(t, Refusal::NotApplicable, ev);
                }
            }
            ShiftInput::ResetStarted { t_ms, protocol_id } => {
                self.tally.answer(PromptOutcome::Taken);
                self.policy.note_reset(*t_ms);
                let w = self.settled_window(*t_ms, EFFECT_WINDOW_MS);
                self.reset = Some(ResetInProgress {
                    protocol_id: protocol_id.clone(),
                    started_ms: *t_ms,
                    before: WindowSummary {
                        hr_bpm: w.hr_bpm,
                        ln_rmssd: w.ln_rmssd,
                    },
                    finished_ms: None,
                });
            }
            ShiftInput::ResetFinished { t_ms } => match self.reset.as_mut() {
                Some(r) if r.finished_ms.is_none() => r.finished_ms = Some(*t_ms),
                _ => self.refuse(t, Refusal::NotApplicable, ev),
            },
            ShiftInput::ResetAbandoned { .. } => {
                if self.reset.take().is_none() {
                    self.refuse(t, Refusal::NotApplicable, ev);
                }
            }
            ShiftInput::End { t_ms } => self.end(*t_ms, ev),
        }
    }

    /// Something inside an accepted input was dropped (a beat): an event.
    fn ignore(&mut self, t: Millis, reason: IgnoredReason, ev: &mut Vec<ShiftEvent>) {
        self.tally.signal.ignored_inputs += 1;
        ev.push(ShiftEvent::InputIgnored { t_ms: t, reason });
    }

    /// The input as a whole is refused: an event and the outcome's refusal.
    fn refuse(&mut self, t: Millis, refusal: Refusal, ev: &mut Vec<ShiftEvent>) {
        self.ignore(t, refusal.reason(), ev);
        self.out.refusal = Some(refusal);
    }

    fn start(&mut self, t: Millis, ev: &mut Vec<ShiftEvent>) {
        self.phase = Phase::Running;
        self.start_ms = t;
        self.clock_ms = t;
        self.next_refresh_ms = t.saturating_add(self.cfg().refresh_ms.max(1));
        self.baseline = baseline::resolve(
            &self.setup.history,
            None,
            None,
            t,
            &self.setup.config.baseline,
            &mut self.stats,
        );
        self.reference = Some(self.baseline);
        ev.push(ShiftEvent::Started {
            t_ms: t,
            baseline: self.baseline,
        });
    }

    /// Decode a packet: its HR becomes an HR sample, its RR are timed from
    /// the arrival clock and cleaned. A strap reporting no skin contact
    /// gives no data (its values are noise) and breaks the RR chain.
    fn on_packet(&mut self, t: Millis, bytes: &[u8], ev: &mut Vec<ShiftEvent>) {
        let m = match hrm::decode_view(bytes) {
            Ok(m) => m,
            Err(e) => return self.refuse(t, Refusal::BadPacket(e), ev),
        };
        if m.sensor_contact == SensorContact::NotDetected {
            self.break_chain(ev);
            return;
        }
        if m.heart_rate_bpm > 0 {
            self.hr_samples.push_back(HrSample {
                t_ms: t,
                bpm: f64::from(m.heart_rate_bpm),
            });
            self.tally.signal.hr_samples += 1;
            self.on_data(t, ev);
        }
        let mut timed = std::mem::take(&mut self.packet_rr);
        timed.clear();
        self.timeline.push_packet(t, m.rr_ms(), |r| timed.push(r));
        for r in &timed {
            let released = self.cleaner.push_rr(*r);
            for b in released {
                self.on_beat(b.t_ms, b.rr_ms, b.corrected, ev);
            }
        }
        self.packet_rr = timed;
    }

    /// A break in the RR chain (no contact, signal lost): release the
    /// cleaner's pending beat and re-anchor the packet timeline.
    fn break_chain(&mut self, ev: &mut Vec<ShiftEvent>) {
        self.timeline.gap();
        let released = self.cleaner.gap();
        for b in released {
            self.on_beat(b.t_ms, b.rr_ms, b.corrected, ev);
        }
    }

    fn on_beat(&mut self, t: Millis, rr_ms: f64, corrected: bool, ev: &mut Vec<ShiftEvent>) {
        if !(rr_ms.is_finite() && rr_ms > 0.0) {
            self.ignore(t, IgnoredReason::InvalidValue, ev);
            return;
        }
        if self.last_beat_ms.is_some_and(|p| t <= p) {
            self.ignore(t, IgnoredReason::TimeWentBack, ev);
            return;
        }
        if t <= self.clock_ms - self.cfg().window_ms {
            self.ignore(t, IgnoredReason::StaleBeat, ev);
            return;
        }
        self.last_beat_ms = Some(t);
        let beat = Beat {
            t_ms: t,
            rr_ms,
            corrected,
        };
        self.beats.push_back(beat);
        self.out.beats.push(beat);
        self.tally.signal.beats += 1;
        self.tally.signal.corrected_beats += u64::from(corrected);
        self.on_data(t, ev);
    }

    /// Data arrived: restore the signal if it was lost (data older than the
    /// last data seen, e.g. a beat the cleaner held back, restores nothing).
    fn on_data(&mut self, t: Millis, ev: &mut Vec<ShiftEvent>) {
        if self.last_data_ms.is_some_and(|p| t <= p) {
            return;
        }
        if !self.signal {
            if let Some(last) = self.last_data_ms {
                let gap = (t - last).max(0);
                self.tally.gap(gap);
                ev.push(ShiftEvent::SignalRestored {
                    t_ms: t,
                    gap_ms: gap,
                });
            }
            self.signal = true;
        }
        self.last_data_ms = Some(self.last_data_ms.map_or(t, |p| p.max(t)));
    }

    /// Run every refresh strictly before `t`, then move the clock to `t`.
    fn advance(&mut self, t: Millis, ev: &mut Vec<ShiftEvent>) {
        let period = self.cfg().refresh_ms.max(1);
        while self.next_refresh_ms < t {
            let since = self.last_data_ms.unwrap_or(self.start_ms);
            let long_dropout = !self.signal && self.next_refresh_ms - since > NO_SIGNAL_DETAIL_MS;
            // refreshes left strictly before t, after the next one
            let left = (t - 1 - self.next_refresh_ms) / period;
            if long_dropout && left > 1 {
                let skipped = (left - 1) * period;
                self.tally.no_signal_span(skipped);
                self.next_refresh_ms += skipped;
            }
            let at = self.next_refresh_ms;
            self.refresh(at, ev);
            self.next_refresh_ms = at.saturating_add(period);
        }
        self.clock_ms = t;
    }

    /// One gauge refresh at `at` (the steps of the module doc).
    fn refresh(&mut self, at: Millis, ev: &mut Vec<ShiftEvent>) {
        let window = self.check_signal(at, ev);
        self.collect_baseline_evidence(at, &window, ev);
        self.update_gauge(at, &window, ev);
        self.score_finished_reset(at, ev);
        self.forget_old_data(at);
    }

    /// Step 1: is there signal, and the settled window's statistics.
    fn check_signal(&mut self, at: Millis, ev: &mut Vec<ShiftEvent>) -> WindowStats {
        let cfg = *self.cfg();
        let has_signal = self
            .last_data_ms
            .is_some_and(|d| at - d <= cfg.signal_timeout_ms);
        if self.signal && !has_signal {
            // The chain is broken: the next packet re-anchors its RR, and
            // the beat the cleaner held back is released now, as data from
            // before the loss (after a dropout longer than the window it
            // would come too late, stale, and be lost from the stored beats).
            self.break_chain(ev);
            self.signal = false;
            ev.push(ShiftEvent::SignalLost { t_ms: at });
        }
        if has_signal {
            self.settled_window(at, cfg.window_ms)
        } else {
            WindowStats::NO_SIGNAL
        }
    }

    /// Step 2: once a minute a still minute becomes a baseline sample (and
    /// during a seated check, a seated sample); new evidence re-resolves the
    /// baseline.
    fn collect_baseline_evidence(
        &mut self,
        at: Millis,
        window: &WindowStats,
        ev: &mut Vec<ShiftEvent>,
    ) {
        let cfg = *self.cfg();
        let still_minute = self
            .tracker
            .last_physical_ms
            .is_none_or(|p| at - p > 60_000)
            && !self.motion.is_some_and(|m| {
                m.is_moving(&cfg.activation) && at - m.t_ms() <= cfg.activation.motion_stale_ms
            });
        let mut new_evidence = false;
        if let (Some(hr), true) = (window.hr_bpm, still_minute) {
            let sample = BaselineSample {
                t_ms: at,
                hr_bpm: hr,
                ln_rmssd: window.ln_rmssd,
            };
            if (at - self.start_ms) % 60_000 == 0 {
                self.still_minutes.push(sample);
                new_evidence = !self.holds_learned_baseline();
            }
            if let Some(seated_start) = self.seated_start_ms {
                let from = seated_start + cfg.seated_settle_ms;
                if at > from && at <= from + cfg.seated_measure_ms && (at - from) % 60_000 == 0 {
                    self.seated_samples.push(sample);
                }
            }
        }
        if let Some(seated_start) = self.seated_start_ms
            && at >= seated_start + cfg.seated_settle_ms + cfg.seated_measure_ms
        {
            self.seated =
                baseline::seated_check(&self.seated_samples, &cfg.baseline).or(self.seated);
            self.seated_start_ms = None;
            new_evidence = true;
        }
        if new_evidence {
            let resolved = baseline::resolve(
                &self.setup.history,
                self.seated.as_ref(),
                self.calmest.update(&self.still_minutes, &cfg.baseline),
                at,
                &cfg.baseline,
                &mut self.stats,
            );
            if resolved != self.baseline {
                self.baseline = resolved;
                ev.push(ShiftEvent::BaselineChanged {
                    t_ms: at,
                    baseline: resolved,
                });
            }
        }
    }

    /// True once this shift's learned baseline is held: it is the shift's
    /// calm stretch and already rests on as many still minutes as a personal
    /// baseline needs (`min_personal_minutes`, §2 of docs/model.md). From
    /// then on, new still minutes are kept for the next shifts (the summary's
    /// `baseline_samples`) but no longer move this shift's baseline: a
    /// baseline that moves within a shift ranks the same heart rate
    /// differently depending on when it came, and costs the display its
    /// ranking (docs/model.md §9). A seated check still replaces it.
    fn holds_learned_baseline(&self) -> bool {
        self.baseline.source == BaselineSource::CalmestStretch
            && self.still_minutes.len()
                > usize::try_from(self.cfg().baseline.min_personal_minutes).unwrap_or(usize::MAX)
    }

    /// Step 3: the gauge and state, the load, the prompt and the tally.
    fn update_gauge(&mut self, at: Millis, window: &WindowStats, ev: &mut Vec<ShiftEvent>) {
        let cfg = *self.cfg();
        let reading = Reading {
            t_ms: at,
            hr_bpm: window.hr_bpm,
            ln_rmssd: window.ln_rmssd,
        };
        let activation = self.tracker.update(
            &reading,
            self.motion.as_ref(),
            &self.baseline,
            &cfg.activation,
        );
        let score = activation::score(&activation, self.reference(), &cfg.activation);
        self.load.update(&activation, &cfg.load);
        self.tally.refresh(&activation);
        if let Some(prev) = self.last.map(|l| l.state)
            && prev != activation.state
        {
            ev.push(ShiftEvent::StateChanged {
                t_ms: at,
                from: prev,
                to: activation.state,
            });
        }
        let in_reset = self.reset.as_ref().is_some_and(|r| r.finished_ms.is_none());
        let prompt = self
            .policy
            .observe(&activation, &self.baseline, &cfg.prompt);
        if let (Some(p), false) = (prompt, in_reset) {
            self.tally.prompt(p);
            ev.push(ShiftEvent::PromptOffered { prompt: p });
        }
        self.last = Some(activation);
        ev.push(ShiftEvent::Gauge {
            update: GaugeUpdate {
                t_ms: at,
                gauge: activation.gauge,
                state: activation.state,
                load: self.load.value,
                hr_bpm: activation.hr_bpm,
                ln_rmssd: activation.ln_rmssd,
                rmssd_ms: window.rmssd_ms,
                beats: window.beats,
                quality: window.quality,
                distance: activation.distance,
                score,
                physical: activation.physical,
                learning: self.baseline.learning,
            },
        });
    }

    /// Step 4: a finished reset whose "after" window is complete is scored.
    fn score_finished_reset(&mut self, at: Millis, ev: &mut Vec<ShiftEvent>) {
        if let Some(finished) = self.reset.as_ref().and_then(|r| r.finished_ms)
            && at >= finished + EFFECT_WINDOW_MS + EFFECT_GRACE_MS
            && let Some(r) = self.reset.take()
        {
            let after = self.window(finished, finished + EFFECT_WINDOW_MS);
            let effect = score_effect(
                &r.protocol_id,
                r.started_ms,
                finished,
                r.before,
                WindowSummary {
                    hr_bpm: after.hr_bpm,
                    ln_rmssd: after.ln_rmssd,
                },
            );
            self.tally.resets.push(effect.clone());
            ev.push(ShiftEvent::ResetScored { effect });
        }
    }

    /// Step 5: forget data no window will look at again.
    fn forget_old_data(&mut self, at: Millis) {
        let cfg = self.cfg();
        let keep_from = at - cfg.window_ms - RETAIN_EXTRA_MS - EFFECT_GRACE_MS;
        while self.beats.front().is_some_and(|b| b.t_ms < keep_from) {
            self.beats.pop_front();
        }
        while self.hr_samples.front().is_some_and(|s| s.t_ms < keep_from) {
            self.hr_samples.pop_front();
        }
    }

    fn end(&mut self, t: Millis, ev: &mut Vec<ShiftEvent>) {
        let released = self.cleaner.finish();
        for b in released {
            self.on_beat(b.t_ms, b.rr_ms, b.corrected, ev);
        }
        // refresh exactly at the end time too
        if self.next_refresh_ms == t {
            self.refresh(t, ev);
        }
        if !self.signal
            && let Some(last) = self.last_data_ms
        {
            self.tally.gap((t - last).max(0));
        }
        self.phase = Phase::Ended;
        let mut s = self.tally.finish(
            self.start_ms,
            t,
            self.setup.load_start,
            self.load.value,
            self.load.peak,
            self.baseline,
            baseline::handed_on(&self.still_minutes, &self.setup.config.baseline),
            &self.setup.previous,
        );
        s.load_carry = self.setup.carry;
        self.summary = Some(s.clone());
        ev.push(ShiftEvent::Ended { summary: s });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Beats with a given HR and a beat-to-beat alternation `alt_ms`
    /// (RMSSD = 2 x alt) from `t0` for `secs`.
    fn beats(t0: Millis, secs: i64, hr: f64, alt_ms: f64) -> Vec<ShiftInput> {
        let rr = 60_000.0 / hr;
        let mut t = t0 as f64;
        let mut out = Vec::new();
        let mut k = 0;
        while t < (t0 + secs * 1000) as f64 {
            let r = rr + if k % 2 == 0 { alt_ms } else { -alt_ms };
            t += r;
            out.push(ShiftInput::Beat {
                t_ms: t.round() as Millis,
                rr_ms: r,
                corrected: false,
            });
            k += 1;
        }
        out
    }

    fn run(shift: &mut Shift, inputs: &[ShiftInput]) -> Vec<ShiftEvent> {
        inputs
            .iter()
            .flat_map(|i| shift.handle(i).events.clone())
            .collect()
    }

    /// `Start` at 0, then a 1 Hz heart rate (no RR) of `bpm(second)` for
    /// seconds `1..=secs`.
    fn heart_rate_only(secs: Millis, bpm: impl Fn(Millis) -> f64) -> Vec<ShiftInput> {
        let mut ins = vec![ShiftInput::Start { t_ms: 0 }];
        ins.extend((1..=secs).map(|sec| ShiftInput::HeartRate {
            t_ms: sec * 1000,
            bpm: bpm(sec),
        }));
        ins
    }

    #[test]
    fn calm_beats_give_baseline_and_a_learned_baseline() {
        let mut s = Shift::new(ShiftSetup::default());
        let mut ins = vec![ShiftInput::Start { t_ms: 0 }];
        ins.extend(beats(0, 600, 62.0, 20.0));
        ins.push(ShiftInput::End { t_ms: 600_000 });
        let ev = run(&mut s, &ins);
        let sum = s.summary().unwrap();
        assert!(sum.time_in.baseline_s > 480.0, "{:?}", sum.time_in);
        assert_eq!(sum.prompts_offered, 0);
        assert_eq!(
            sum.baseline.source,
            crate::baseline::BaselineSource::CalmestStretch
        );
        assert!((sum.baseline.hr_bpm - 62.0).abs() < 0.5);
        assert!(
            sum.baseline
                .ln_rmssd
                .is_some_and(|l| (l - 40f64.ln()).abs() < 0.05)
        );
        assert!(
            ev.iter()
                .any(|e| matches!(e, ShiftEvent::BaselineChanged { .. }))
        );
        let gauges = ev
            .iter()
            .filter(|e| matches!(e, ShiftEvent::Gauge { .. }))
            .count();
        assert_eq!(gauges, 120, "one refresh every 5 s");
    }

    #[test]
    fn equal_heart_rates_score_equally_across_a_shift_whose_baseline_moves() {
        // 1 Hz HR only: 66 bpm for 5 min, 60 bpm for 10 min, 66 bpm again
        let mut s = Shift::new(ShiftSetup::default());
        let ins = heart_rate_only(1200, |sec| {
            if (300..900).contains(&sec) {
                60.0
            } else {
                66.0
            }
        });
        let ev = run(&mut s, &ins);
        let at = |t_ms: Millis| {
            ev.iter()
                .find_map(|e| match e {
                    ShiftEvent::Gauge { update } if update.t_ms == t_ms => Some(*update),
                    _ => None,
                })
                .unwrap()
        };
        // the baseline in use moved from the prior to this shift's calm ...
        assert!(
            (s.baseline().hr_bpm - 60.0).abs() < 1e-9,
            "{:?}",
            s.baseline()
        );
        // ... the reference is the baseline the shift started with
        assert_eq!(s.reference(), &Baseline::population(&s.cfg().baseline));
        let (early, late) = (at(240_000), at(1_195_000));
        assert_eq!(early.hr_bpm, Some(66.0));
        assert_eq!(late.hr_bpm, Some(66.0));
        // the display's distance differs for the same heart rate ...
        assert!(late.distance.unwrap() > early.distance.unwrap() + 0.5);
        // ... the score does not: (66 - 70) / 6 both times
        assert_eq!(early.score, late.score);
        assert!((late.score.unwrap() + 4.0 / 6.0).abs() < 1e-9);
        assert!(at(600_000).score < late.score);
    }

    #[test]
    fn a_first_shift_holds_its_learned_baseline_once_it_rests_on_30_still_minutes() {
        // 1 Hz HR only: 66 bpm for 40 min, 58 bpm for 15 min, 66 bpm again
        let mut s = Shift::new(ShiftSetup::default());
        let mut ins = heart_rate_only(3600, |sec| {
            if (2400..3300).contains(&sec) {
                58.0
            } else {
                66.0
            }
        });
        ins.push(ShiftInput::End { t_ms: 3_601_000 });
        let ev = run(&mut s, &ins);
        let distance_at = |t_ms: Millis| {
            ev.iter().find_map(|e| match e {
                ShiftEvent::Gauge { update } if update.t_ms == t_ms => update.distance,
                _ => None,
            })
        };
        // learned from this shift's still minutes, then held: the 15 calmer
        // minutes (a quarter of the hour's still minutes) would otherwise
        // have become the baseline
        assert_eq!(s.baseline().source, BaselineSource::CalmestStretch);
        assert!(
            (s.baseline().hr_bpm - 66.0).abs() < 1e-9,
            "{:?}",
            s.baseline()
        );
        let last_change = ev.iter().rev().find_map(|e| match e {
            ShiftEvent::BaselineChanged { t_ms, .. } => Some(*t_ms),
            _ => None,
        });
        assert!(
            last_change.is_some_and(|t| t <= 31 * 60_000),
            "{last_change:?}"
        );
        // the same heart rate reads the same before and after the calmer stretch
        let (before, after) = (distance_at(2_300_000), distance_at(3_595_000));
        assert!(before.is_some());
        assert_eq!(before, after);
        // every still minute is still kept for the next shifts' baseline
        let kept = s.summary().map_or(0, |m| m.baseline_samples.len());
        assert!(kept >= 58, "{kept}");
    }

    #[test]
    fn inputs_before_start_after_end_and_backwards_are_refused_and_reported() {
        let mut s = Shift::new(ShiftSetup::default());
        let out = s.handle(&ShiftInput::End { t_ms: 0 });
        assert!(matches!(out.events[..], [ShiftEvent::InputIgnored { .. }]));
        assert_eq!(out.refusal, Some(Refusal::NotApplicable));
        let out = s.handle(&ShiftInput::HeartRate {
            t_ms: 10_000,
            bpm: 60.0,
        });
        assert!(matches!(
            out.events[0],
            ShiftEvent::Started { t_ms: 10_000, .. }
        ));
        assert_eq!(out.refusal, None);
        let out = s.handle(&ShiftInput::Tick { t_ms: 5_000 });
        assert_eq!(
            out.events,
            vec![ShiftEvent::InputIgnored {
                t_ms: 5_000,
                reason: IgnoredReason::TimeWentBack
            }]
        );
        assert_eq!(out.refusal, Some(Refusal::TimeWentBack));
        let out = s.handle(&ShiftInput::HeartRate {
            t_ms: 11_000,
            bpm: f64::NAN,
        });
        assert_eq!(
            out.events,
            vec![ShiftEvent::InputIgnored {
                t_ms: 11_000,
                reason: IgnoredReason::InvalidValue
            }]
        );
        assert_eq!(out.refusal, Some(Refusal::InvalidValue));
        let out = s.handle(&ShiftInput::Packet {
            t_ms: 12_000,
            bytes: vec![0x10, 60, 0x00],
        });
        assert_eq!(
            out.refusal,
            Some(Refusal::BadPacket(crate::hrm::HrmError::TrailingBytes {
                extra: 1,
                rr_flag: true
            }))
        );
        s.handle(&ShiftInput::End { t_ms: 20_000 });
        let out = s.handle(&ShiftInput::Tick { t_ms: 30_000 });
        assert_eq!(
            out.events,
            vec![ShiftEvent::InputIgnored {
                t_ms: 30_000,
                reason: IgnoredReason::AfterEnd
            }]
        );
        assert_eq!(out.refusal, Some(Refusal::AfterEnd));
        assert_eq!(s.summary().unwrap().signal.ignored_inputs, 4);
    }

    #[test]
    fn a_beat_dropped_inside_an_accepted_input_is_an_event_not_a_refusal() {
        let mut s = Shift::new(ShiftSetup::default());
        s.handle(&ShiftInput::Start { t_ms: 0 });
        s.handle(&ShiftInput::Tick { t_ms: 120_000 });
        // a beat older than the window: dropped, the input itself accepted
        let out = s.handle(&ShiftInput::Beat {
            t_ms: 1_000,
            rr_ms: 1000.0,
            corrected: false,
        });
        assert_eq!(
            out.events,
            vec![ShiftEvent::InputIgnored {
                t_ms: 1_000,
                reason: IgnoredReason::StaleBeat
            }]
        );
        assert_eq!(out.refusal, None);
        assert!(out.beats.is_empty());
    }

    #[test]
    fn outcome_beats_are_the_cleaned_beats_of_each_call_and_sum_to_the_tally() {
        let rr = [1000.0, 1010.0, 990.0, 1005.0, 2600.0, 995.0, 1000.0, 1015.0];
        let mut s = Shift::new(ShiftSetup::default());
        s.handle(&ShiftInput::Start { t_ms: 0 });
        let (mut t, mut all) = (0, Vec::new());
        for r in rr {
            t += r as Millis;
            all.extend_from_slice(&s.handle(&ShiftInput::Rr { t_ms: t, rr_ms: r }).beats);
        }
        // the cleaner holds one back: nothing new from a Tick, it comes with End
        assert!(
            s.handle(&ShiftInput::Tick { t_ms: t + 100 })
                .beats
                .is_empty()
        );
        all.extend_from_slice(&s.handle(&ShiftInput::End { t_ms: t + 200 }).beats);
        assert!(all.windows(2).all(|w| w[0].t_ms < w[1].t_ms));
        assert_eq!(all.len() as u64, s.summary().unwrap().signal.beats);
        // the same RR through the cleaner alone give the same beats
        let mut c = BeatCleaner::default();
        let mut t = 0;
        let mut alone = Vec::new();
        for r in rr {
            t += r as Millis;
            alone.extend_from_slice(c.push(t, r).as_slice());
        }
        alone.extend_from_slice(c.finish().as_slice());
        assert_eq!(all, alone);
    }

    #[test]
    fn a_dropout_longer_than_the_window_loses_no_beat() {
        let mut s = Shift::new(ShiftSetup::default());
        s.handle(&ShiftInput::Start { t_ms: 0 });
        let mut t: Millis = 0;
        let feed = |s: &mut Shift, t: &mut Millis, n: usize| {
            for i in 0..n {
                let r = if i % 2 == 0 { 1000.0 } else { 1010.0 };
                *t += r as Millis;
                s.handle(&ShiftInput::Rr { t_ms: *t, rr_ms: r });
            }
        };
        feed(&mut s, &mut t, 100);
        t += 80_000; // the strap is silent for 80 s (window: 60 s)
        feed(&mut s, &mut t, 30);
        s.handle(&ShiftInput::End { t_ms: t });
        let sig = &s.summary().unwrap().signal;
        assert_eq!(sig.beats, 130);
        assert_eq!(sig.ignored_inputs, 0);
    }
}
