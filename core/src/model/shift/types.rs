//! The shift's FFI-facing types: its configuration and setup, its inputs,
//! events and gauge refreshes, and what one call did ([`Outcome`]). Plain
//! data (serde, and UniFFI records behind the `uniffi` feature); the
//! transition that consumes and produces them is in [`super`].
use crate::Millis;
use crate::activation::{ActivationConfig, ActivationState, Motion};
use crate::baseline::{Baseline, BaselineConfig, BaselineHistory};
use crate::beats::Beat;
use crate::hrm::HrmError;
use crate::load::LoadConfig;
use crate::offshift::LoadCarry;
use crate::prompt::{Prompt, PromptConfig};
use crate::reset::ResetEffect;
use crate::summary::{ShiftDigest, ShiftSummary};

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
    /// How `load_start` was derived from the previous shift
    /// ([`crate::offshift::carry`]); `None` for a first shift or a start
    /// set by hand.
    #[serde(default)]
    pub carry: Option<LoadCarry>,
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
    /// The continuous activation score: the same distance, measured
    /// against the shift's reference baseline (the one it started with),
    /// which does not move during the shift; `None` without signal
    /// ([`crate::activation::score`], docs/model.md §3).
    pub score: Option<f64>,
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
    pub(super) fn clear(&mut self) {
        self.events.clear();
        self.beats.clear();
        self.refusal = None;
    }
}
