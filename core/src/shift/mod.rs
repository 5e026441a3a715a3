//! A shift session: the model's state machine.
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
//! from the store in time order; the live and the rebuilt model then agree
//! refresh for refresh (`cargo bench -p steady-core --bench session_resume`
//! checks it on a 12-hour shift).
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
//!    ([`baseline::resolve`]).
//! 3. [`ActivationTracker::update`] -> gauge and state; [`Load::update`];
//!    [`PromptPolicy::observe`]; the summary tally.
//! 4. A finished reset is scored once its 60 s "after" window is complete.
use std::collections::VecDeque;

use crate::Millis;
use crate::activation::{
    Activation, ActivationConfig, ActivationState, ActivationTracker, Motion, Reading,
};
use crate::baseline::{
    self, Baseline, BaselineConfig, BaselineHistory, BaselineSample, CalmestStretch,
};
use crate::beats::{Beat, BeatCleaner, HrSample, RrTimeline, TimedRr};
use crate::hrm::{self, HrmError, SensorContact};
use crate::hrv;
use crate::load::{Load, LoadConfig};
use crate::prompt::{Prompt, PromptConfig, PromptPolicy};
use crate::reset::{EFFECT_WINDOW_MS, ResetEffect, WindowSummary, score_effect};
use crate::robust::StatsScratch;
use crate::summary::{PromptOutcome, ShiftDigest, ShiftSummary, Tally};

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
/// Beats needed in a window for an HR from beats.
const MIN_HR_BEATS: usize = 5;
/// HR samples needed in a window for an HR from samples.
const MIN_HR_SAMPLES: usize = 3;

/// All parameters of a shift (each part documented in its module).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ShiftConfig {
    pub baseline: BaselineConfig,
    pub activation: ActivationConfig,
    pub load: LoadConfig,
    pub prompt: PromptConfig,
    /// Gauge refresh period (docs/model.md §1: 5 s).
    pub refresh_ms: Millis,
    /// Trailing window for HR and lnRMSSD (docs/model.md §1: 60 s).
    pub window_ms: Millis,
    /// No beat or HR sample for this long -> `no_signal`.
    pub signal_timeout_ms: Millis,
    /// Fewest beats in the window for an lnRMSSD.
    pub min_hrv_beats: u32,
    /// Least share of the window covered by the beats' RR for an lnRMSSD.
    pub min_hrv_coverage: f64,
    /// Most corrected beats in a window that still drives decisions
    /// (docs/model.md §1: 20 %).
    pub max_corrected_share: f64,
    /// Seated check: settle, then measure (docs/model.md §2: 1 min + 2 min).
    pub seated_settle_ms: Millis,
    pub seated_measure_ms: Millis,
}

impl Default for ShiftConfig {
    fn default() -> Self {
        Self {
            baseline: BaselineConfig::default(),
            activation: ActivationConfig::default(),
            load: LoadConfig::default(),
            prompt: PromptConfig::default(),
            refresh_ms: 5_000,
            window_ms: 60_000,
            signal_timeout_ms: 10_000,
            min_hrv_beats: 20,
            min_hrv_coverage: 0.8,
            max_corrected_share: 0.2,
            seated_settle_ms: 60_000,
            seated_measure_ms: 120_000,
        }
    }
}

/// Still minutes reserved up front: one a minute for a day.
const STILL_MINUTES_RESERVED: usize = 24 * 60;

/// One day in ms: the longest any duration parameter may be.
const DAY_MS: Millis = 86_400_000;

impl ShiftConfig {
    /// The configuration with every duration brought into a range where
    /// the arithmetic is safe and the model meaningful (documented recovery
    /// for a nonsense configuration from a shell): refresh 1-60 s, window
    /// 10 s-10 min, signal timeout 1 s-10 min, every other duration 0-1 day.
    pub fn sanitized(mut self) -> Self {
        let day = |v: Millis| v.clamp(0, DAY_MS);
        self.refresh_ms = self.refresh_ms.clamp(1_000, 60_000);
        self.window_ms = self.window_ms.clamp(10_000, 600_000);
        self.signal_timeout_ms = self.signal_timeout_ms.clamp(1_000, 600_000);
        self.seated_settle_ms = day(self.seated_settle_ms);
        self.seated_measure_ms = day(self.seated_measure_ms);
        let a = &mut self.activation;
        a.motion_stale_ms = day(a.motion_stale_ms);
        a.physical_hold_ms = day(a.physical_hold_ms);
        a.max_physical_hold_ms = day(a.max_physical_hold_ms);
        self.load.max_step_ms = day(self.load.max_step_ms);
        let p = &mut self.prompt;
        p.min_sustained_ms = day(p.min_sustained_ms);
        p.min_gap_ms = day(p.min_gap_ms);
        p.default_snooze_ms = day(p.default_snooze_ms);
        self
    }
}

/// What a shift starts from: parameters and what the store kept.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ShiftSetup {
    pub config: ShiftConfig,
    /// Still minutes of earlier shifts (the personal baseline).
    pub history: BaselineHistory,
    /// Digests of earlier shifts, oldest first (for the trend).
    pub previous: Vec<ShiftDigest>,
    /// Load carried over from the previous shift (0 for a fresh start).
    pub load_start: f64,
}

/// Something that happened, with its time.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShiftInput {
    /// Start the shift (any data input before it starts the shift at its time).
    Start {
        t_ms: Millis,
    },
    /// One 0x2A37 Heart Rate Measurement notification as received, stamped
    /// with its arrival time: decoded, RR timed from the arrival clock and
    /// cleaned inside the shift.
    Packet {
        t_ms: Millis,
        bytes: Vec<u8>,
    },
    /// One raw RR interval (ms) ending at `t_ms` (files): cleaned inside.
    Rr {
        t_ms: Millis,
        rr_ms: f64,
    },
    /// One beat that is already clean (bypasses the cleaner).
    Beat {
        t_ms: Millis,
        rr_ms: f64,
        corrected: bool,
    },
    /// A heart rate without RR (HR-only strap, E4 HR.csv), bpm.
    HeartRate {
        t_ms: Millis,
        bpm: f64,
    },
    Motion {
        motion: Motion,
    },
    /// Time passes with no data.
    Tick {
        t_ms: Millis,
    },
    /// Begin a seated check (settle, then measure).
    SeatedCheck {
        t_ms: Millis,
    },
    /// Quiet mode ("on a call") on or off.
    Quiet {
        t_ms: Millis,
        on: bool,
    },
    /// Snooze prompts for `minutes` (0 = the configured default).
    Snooze {
        t_ms: Millis,
        minutes: u32,
    },
    /// Prompts on or off for this shift (off switch).
    PromptsEnabled {
        t_ms: Millis,
        on: bool,
    },
    /// The person dismissed the offered reset.
    PromptDismissed {
        t_ms: Millis,
    },
    ResetStarted {
        t_ms: Millis,
        protocol_id: String,
    },
    ResetFinished {
        t_ms: Millis,
    },
    /// A started reset was abandoned: it is not scored.
    ResetAbandoned {
        t_ms: Millis,
    },
    End {
        t_ms: Millis,
    },
}

impl ShiftInput {
    /// The input's time.
    pub fn t_ms(&self) -> Millis {
        match self {
            ShiftInput::Motion { motion } => motion.t_ms(),
            ShiftInput::Start { t_ms }
            | ShiftInput::Beat { t_ms, .. }
            | ShiftInput::Packet { t_ms, .. }
            | ShiftInput::Rr { t_ms, .. }
            | ShiftInput::HeartRate { t_ms, .. }
            | ShiftInput::Tick { t_ms }
            | ShiftInput::SeatedCheck { t_ms }
            | ShiftInput::Quiet { t_ms, .. }
            | ShiftInput::Snooze { t_ms, .. }
            | ShiftInput::PromptsEnabled { t_ms, .. }
            | ShiftInput::PromptDismissed { t_ms }
            | ShiftInput::ResetStarted { t_ms, .. }
            | ShiftInput::ResetFinished { t_ms }
            | ShiftInput::ResetAbandoned { t_ms }
            | ShiftInput::End { t_ms } => *t_ms,
        }
    }

    /// The input for one cleaned beat.
    pub fn beat(b: &Beat) -> Self {
        ShiftInput::Beat {
            t_ms: b.t_ms,
            rr_ms: b.rr_ms,
            corrected: b.corrected,
        }
    }
}

/// Why an input was ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum IgnoredReason {
    /// Its time is before the latest input's (or beat's) time.
    TimeWentBack,
    /// A beat older than the window.
    StaleBeat,
    /// NaN, infinite or out-of-range value.
    InvalidValue,
    /// A packet that does not decode as 0x2A37.
    BadPacket,
    /// The shift has ended.
    AfterEnd,
    /// Nothing to act on (e.g. reset finished without a start).
    NotApplicable,
}

/// How usable the window behind a gauge refresh was: why there is (or is
/// not) an lnRMSSD. Only [`WindowQuality::Good`] windows give an lnRMSSD
/// and so drive decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum WindowQuality {
    /// Enough clean beats covering the window: HRV is usable.
    Good,
    /// More than [`ShiftConfig::max_corrected_share`] of the beats were
    /// corrected.
    Artifacts,
    /// The RR values sit on a grid too coarse for RMSSD (an optical sensor).
    CoarseTiming,
    /// Too few beats, or beats covering too little of the window (dropouts).
    Gaps,
    /// Not enough beats yet and the window reaches back before the shift's
    /// start: the figures are provisional.
    WarmingUp,
    /// Heart-rate samples but no beats: HR-only mode.
    HrOnly,
    /// No data for [`ShiftConfig::signal_timeout_ms`], or none in the window.
    NoSignal,
}

/// One gauge refresh, as the shells render it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GaugeUpdate {
    pub t_ms: Millis,
    /// 0-100, `None` without signal.
    pub gauge: Option<f64>,
    pub state: ActivationState,
    /// Unrecovered load, spread-minutes.
    pub load: f64,
    pub hr_bpm: Option<f64>,
    pub ln_rmssd: Option<f64>,
    /// RMSSD of the window (ms), given exactly when `ln_rmssd` is.
    pub rmssd_ms: Option<f64>,
    /// Beats in the window.
    pub beats: u32,
    /// Why the window does or does not give an lnRMSSD.
    pub quality: WindowQuality,
    /// Signed distance from baseline in own spreads.
    pub distance: Option<f64>,
    pub physical: bool,
    /// True while the baseline is still being learned.
    pub learning: bool,
}

/// What the shift tells the shells.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(tag = "type", rename_all = "snake_case")]
// `Ended` carries the summary once per shift; boxing it would not pass
// through UniFFI, and the size of the other events does not matter.
#[allow(clippy::large_enum_variant)]
pub enum ShiftEvent {
    Started {
        t_ms: Millis,
        baseline: Baseline,
    },
    Gauge {
        update: GaugeUpdate,
    },
    StateChanged {
        t_ms: Millis,
        from: ActivationState,
        to: ActivationState,
    },
    BaselineChanged {
        t_ms: Millis,
        baseline: Baseline,
    },
    PromptOffered {
        prompt: Prompt,
    },
    ResetScored {
        effect: ResetEffect,
    },
    SignalLost {
        t_ms: Millis,
    },
    SignalRestored {
        t_ms: Millis,
        gap_ms: Millis,
    },
    InputIgnored {
        t_ms: Millis,
        reason: IgnoredReason,
    },
    Ended {
        summary: ShiftSummary,
    },
}

/// Why [`Shift::handle`] refused an input as a whole (it is also reported
/// as [`ShiftEvent::InputIgnored`] and counted in the summary). A beat
/// dropped inside an accepted packet is not a refusal of the packet: it is
/// the model's own business, reported only as an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The packet does not decode as 0x2A37.
    #[error("not a heart rate measurement: {0}")]
    BadPacket(#[from] HrmError),
    /// The input's time is before the shift's clock.
    #[error("time went back: input older than the shift's clock")]
    TimeWentBack,
    /// NaN, infinite or out-of-range value or time.
    #[error("value is not finite or out of range")]
    InvalidValue,
    /// The shift has ended.
    #[error("the shift has ended")]
    AfterEnd,
    /// Nothing to act on (e.g. a reset finished without a start).
    #[error("nothing to act on in the current state")]
    NotApplicable,
}

impl Refusal {
    /// The reason the matching [`ShiftEvent::InputIgnored`] carries.
    pub fn reason(&self) -> IgnoredReason {
        match self {
            Refusal::BadPacket(_) => IgnoredReason::BadPacket,
            Refusal::TimeWentBack => IgnoredReason::TimeWentBack,
            Refusal::InvalidValue => IgnoredReason::InvalidValue,
            Refusal::AfterEnd => IgnoredReason::AfterEnd,
            Refusal::NotApplicable => IgnoredReason::NotApplicable,
        }
    }
}

/// What one [`Shift::handle`] call did. The shift keeps it and hands it out
/// by reference, so its buffers are reused from call to call: a warm packet
/// or refresh allocates nothing (`tests/no_alloc.rs`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// The events the input caused, in time order.
    pub events: Vec<ShiftEvent>,
    /// The cleaned beats the model accepted, in time order: what it computes
    /// with, and so what a store keeps (WHY: one cleaner, inside the model;
    /// a second one beside it for storage could disagree with what the
    /// gauge saw). A packet or an RR interval may release zero, one or two
    /// beats (the cleaner holds one back to judge it against the next);
    /// `End` releases the held one. Beats the model drops (stale, time going
    /// back) are not listed.
    pub beats: Vec<Beat>,
    /// Set when the input as a whole was refused.
    pub refusal: Option<Refusal>,
}

impl Outcome {
    fn clear(&mut self) {
        self.events.clear();
        self.beats.clear();
        self.refusal = None;
    }
}

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

/// RR grids too coarse for RMSSD (ms): 64 Hz (15.625 ms, the Empatica E4's
/// optical IBI), 50 Hz, 32 Hz. The Task Force (1996) asks for 250-500 Hz
/// R-peak timing; at 64 Hz the quantisation alone adds about 13 ms of RMS
/// noise to every successive difference (sqrt(2) x 15.625 / sqrt(12)), a
/// third of a typical RMSSD. Finer grids (128 Hz Holters, 1/1024 s straps)
/// pass.
const COARSE_RR_GRIDS_MS: [f64; 3] = [15.625, 20.0, 31.25];

/// Share of a window's beats that must sit on one coarse grid to call it
/// coarse (corrected beats, averages of two, may fall off the grid).
const COARSE_SHARE: f64 = 0.9;

/// True when the window's RR values sit on a grid too coarse for RMSSD.
fn coarse_rr(beats: &[Beat]) -> bool {
    if beats.is_empty() {
        return false;
    }
    COARSE_RR_GRIDS_MS.iter().any(|q| {
        let on = beats
            .iter()
            .filter(|b| {
                let k = b.rr_ms / q;
                (k - k.round()).abs() < 1e-6
            })
            .count();
        on as f64 >= COARSE_SHARE * beats.len() as f64
    })
}

/// The pure transition: `(state, input) -> (state, outcome)`.
pub fn step(mut shift: Shift, input: &ShiftInput) -> (Shift, Outcome) {
    let outcome = shift.handle(input).clone();
    (shift, outcome)
}

/// Statistics of one window of data.
#[derive(Debug, Clone, Copy, PartialEq)]
struct WindowStats {
    hr_bpm: Option<f64>,
    ln_rmssd: Option<f64>,
    rmssd_ms: Option<f64>,
    beats: u32,
    quality: WindowQuality,
}

impl WindowStats {
    const NO_SIGNAL: WindowStats = WindowStats {
        hr_bpm: None,
        ln_rmssd: None,
        rmssd_ms: None,
        beats: 0,
        quality: WindowQuality::NoSignal,
    };
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

    /// The `len` ms of data complete at `at`: ending [`SETTLE_MS`] before it.
    fn settled_window(&mut self, at: Millis, len: Millis) -> WindowStats {
        let to = at - SETTLE_MS;
        self.window(to - len, to)
    }

    /// HR, RMSSD and quality over `(from, to]` (no allocation once warm:
    /// the window's beats go to a reused scratch buffer).
    fn window(&mut self, from: Millis, to: Millis) -> WindowStats {
        let cfg = *self.cfg();
        let mut in_w = std::mem::take(&mut self.window_beats);
        in_w.clear();
        in_w.extend(self.beats.iter().filter(|b| b.t_ms > from && b.t_ms <= to));
        let stats = self.window_stats(&in_w, from, to, &cfg);
        self.window_beats = in_w;
        stats
    }

    fn window_stats(
        &self,
        in_w: &[Beat],
        from: Millis,
        to: Millis,
        cfg: &ShiftConfig,
    ) -> WindowStats {
        let n = in_w.len();
        let hr_from_beats = if n >= MIN_HR_BEATS {
            let mean_rr = in_w.iter().map(|b| b.rr_ms).sum::<f64>() / n as f64;
            Some(60_000.0 / mean_rr)
        } else {
            None
        };
        let (hr_sum, hr_count) = self
            .hr_samples
            .iter()
            .filter(|s| s.t_ms > from && s.t_ms <= to)
            .fold((0.0, 0usize), |(sum, k), s| (sum + s.bpm, k + 1));
        let hr_from_samples = (hr_count >= MIN_HR_SAMPLES).then(|| hr_sum / hr_count as f64);
        let covered: f64 = in_w.iter().map(|b| b.rr_ms).sum();
        let coverage = covered / (to - from).max(1) as f64;
        let corrected = in_w.iter().filter(|b| b.corrected).count();
        let enough = n >= usize::try_from(cfg.min_hrv_beats).unwrap_or(usize::MAX)
            && coverage >= cfg.min_hrv_coverage;
        let quality = if n == 0 {
            if hr_count > 0 {
                WindowQuality::HrOnly
            } else {
                WindowQuality::NoSignal
            }
        } else if (corrected as f64) > cfg.max_corrected_share * n as f64 {
            WindowQuality::Artifacts
        } else if coarse_rr(in_w) {
            WindowQuality::CoarseTiming
        } else if !enough && from < self.start_ms {
            WindowQuality::WarmingUp
        } else if !enough {
            WindowQuality::Gaps
        } else {
            WindowQuality::Good
        };
        let hrv = if quality == WindowQuality::Good {
            hrv::hrv_of(in_w).filter(|m| m.rmssd_ms > 0.0 && m.ln_rmssd.is_finite())
        } else {
            None
        };
        // Beats are preferred for HR when they cover the window well.
        let hr_bpm = if coverage >= 0.5 {
            hr_from_beats.or(hr_from_samples)
        } else {
            hr_from_samples.or(hr_from_beats)
        };
        WindowStats {
            hr_bpm,
            ln_rmssd: hrv.map(|m| m.ln_rmssd),
            rmssd_ms: hrv.map(|m| m.rmssd_ms),
            beats: u32::try_from(n).unwrap_or(u32::MAX),
            quality,
        }
    }

    fn refresh(&mut self, at: Millis, ev: &mut Vec<ShiftEvent>) {
        let cfg = *self.cfg();
        // signal
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
        let w = if has_signal {
            self.settled_window(at, cfg.window_ms)
        } else {
            WindowStats::NO_SIGNAL
        };
        let reading = Reading {
            t_ms: at,
            hr_bpm: w.hr_bpm,
            ln_rmssd: w.ln_rmssd,
        };

        // baseline evidence, once a minute and during a seated check
        let still_minute = self
            .tracker
            .last_physical_ms
            .is_none_or(|p| at - p > 60_000)
            && !self.motion.is_some_and(|m| {
                m.is_moving(&cfg.activation) && at - m.t_ms() <= cfg.activation.motion_stale_ms
            });
        let mut new_evidence = false;
        if let (Some(hr), true) = (w.hr_bpm, still_minute) {
            let sample = BaselineSample {
                t_ms: at,
                hr_bpm: hr,
                ln_rmssd: w.ln_rmssd,
            };
            if (at - self.start_ms) % 60_000 == 0 {
                self.still_minutes.push(sample);
                new_evidence = true;
            }
            if let Some(s0) = self.seated_start_ms {
                let from = s0 + cfg.seated_settle_ms;
                if at > from && at <= from + cfg.seated_measure_ms && (at - from) % 60_000 == 0 {
                    self.seated_samples.push(sample);
                }
            }
        }
        if let Some(s0) = self.seated_start_ms
            && at >= s0 + cfg.seated_settle_ms + cfg.seated_measure_ms
        {
            self.seated =
                baseline::seated_check(&self.seated_samples, &cfg.baseline).or(self.seated);
            self.seated_start_ms = None;
            new_evidence = true;
        }
        if new_evidence {
            let b = baseline::resolve(
                &self.setup.history,
                self.seated.as_ref(),
                self.calmest.update(&self.still_minutes, &cfg.baseline),
                at,
                &cfg.baseline,
                &mut self.stats,
            );
            if b != self.baseline {
                self.baseline = b;
                ev.push(ShiftEvent::BaselineChanged {
                    t_ms: at,
                    baseline: b,
                });
            }
        }

        // gauge, load, prompt, tally
        let a = self.tracker.update(
            &reading,
            self.motion.as_ref(),
            &self.baseline,
            &cfg.activation,
        );
        self.load.update(&a, &cfg.load);
        self.tally.refresh(&a);
        if let Some(prev) = self.last.map(|l| l.state)
            && prev != a.state
        {
            ev.push(ShiftEvent::StateChanged {
                t_ms: at,
                from: prev,
                to: a.state,
            });
        }
        let in_reset = self.reset.as_ref().is_some_and(|r| r.finished_ms.is_none());
        let prompt = self.policy.observe(&a, &self.baseline, &cfg.prompt);
        if let (Some(p), false) = (prompt, in_reset) {
            self.tally.prompt(p);
            ev.push(ShiftEvent::PromptOffered { prompt: p });
        }
        self.last = Some(a);
        ev.push(ShiftEvent::Gauge {
            update: GaugeUpdate {
                t_ms: at,
                gauge: a.gauge,
                state: a.state,
                load: self.load.value,
                hr_bpm: a.hr_bpm,
                ln_rmssd: a.ln_rmssd,
                rmssd_ms: w.rmssd_ms,
                beats: w.beats,
                quality: w.quality,
                distance: a.distance,
                physical: a.physical,
                learning: self.baseline.learning,
            },
        });

        // a finished reset whose "after" window is complete
        if let Some(f) = self.reset.as_ref().and_then(|r| r.finished_ms)
            && at >= f + EFFECT_WINDOW_MS + EFFECT_GRACE_MS
            && let Some(r) = self.reset.take()
        {
            let w = self.window(f, f + EFFECT_WINDOW_MS);
            let e = score_effect(
                &r.protocol_id,
                r.started_ms,
                f,
                r.before,
                WindowSummary {
                    hr_bpm: w.hr_bpm,
                    ln_rmssd: w.ln_rmssd,
                },
            );
            self.tally.resets.push(e.clone());
            ev.push(ShiftEvent::ResetScored { effect: e });
        }

        // forget data no window will look at again
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
        let s = self.tally.finish(
            self.start_ms,
            t,
            self.setup.load_start,
            self.load.value,
            self.load.peak,
            self.baseline,
            self.still_minutes.clone(),
            &self.setup.previous,
        );
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
    fn coarse_rr_grids_are_recognised() {
        let b = |rr: f64| Beat {
            t_ms: 0,
            rr_ms: rr,
            corrected: false,
        };
        // E4: multiples of 1/64 s
        let e4: Vec<Beat> = [687.5, 937.5, 750.0, 859.375].map(b).to_vec();
        assert!(coarse_rr(&e4));
        // a chest strap: 1/1024 s units converted exactly
        let h10: Vec<Beat> = [1001u16, 1023, 998, 1010]
            .map(|r| b(f64::from(r) * 1000.0 / 1024.0))
            .to_vec();
        assert!(!coarse_rr(&h10));
        // a 128 Hz Holter (7.8125 ms) passes
        let holter: Vec<Beat> = [703.125, 710.9375, 718.75, 695.3125].map(b).to_vec();
        assert!(!coarse_rr(&holter));
        assert!(!coarse_rr(&[]));
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
            Some(Refusal::BadPacket(HrmError::TrailingBytes {
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
