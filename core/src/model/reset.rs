//! The 30-second reset: breathing protocols as data, and the measured effect.
//!
//! # Protocols (phases with durations, for animation and haptics)
//! - `paced_4_6`: three breaths at 6/min with a longer exhale, 4 s in and
//!   6 s out (30 s). Laborde et al. 2021: an exhale longer than the inhale
//!   raised RMSSD more than the reverse.
//! - `cyclic_sigh`: three cyclic sighs, a 2 s inhale, a 1 s top-up inhale,
//!   a 6 s long exhale (27 s). Balban et al. 2023 (Cell Rep Med): daily
//!   cyclic sighing improved mood and lowered respiratory rate more than
//!   mindfulness.
//! - `extended(minutes)`: paced 4/6 breathing for 2-5 minutes (Polar Serene
//!   uses 6 breaths/min for 2-20 min; Apple Breathe 1 min at 7/min).
//!
//! # Effect (docs/model.md §6)
//! Paced breathing inflates RMSSD through respiratory sinus arrhythmia while
//! it lasts, so nothing is scored *during* the exercise. With HR and lnRMSSD
//! over the 60 s before the start and the 60 s after the end:
//! ```text
//! delta_ln = lnRMSSD_after - lnRMSSD_before
//! delta_HR = HR_after - HR_before
//! verdict  = calmer          if delta_ln >  0.22
//!            more activated  if delta_ln < -0.22
//!            no measurable change otherwise
//! ```
//! 0.22 is twice the 60 s lnRMSSD typical error (0.11, Esco & Flatt 2014).
//! With no lnRMSSD on either side (HR-only strap, too few beats) the verdict
//! is "not measurable" and only `delta_HR` is reported. No study shows a
//! reliable change from 30 s alone: Steady measures, and learns per person
//! which protocol helps ([`ResetRecord`]).
use crate::Millis;

/// Scoring window before the start and after the end (ms).
pub const EFFECT_WINDOW_MS: Millis = 60_000;

/// Smallest |delta lnRMSSD| reported as a change: 2 x 0.11 (Esco & Flatt 2014).
pub const MEASURABLE_DELTA_LN_RMSSD: f64 = 0.22;

/// What the body does during a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum BreathKind {
    Inhale,
    /// The short second inhale of a cyclic sigh.
    TopUpInhale,
    Exhale,
    Hold,
}

/// One phase of a protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BreathPhase {
    pub kind: BreathKind,
    pub duration_ms: u32,
}

/// A reset protocol: its phases in order, ready to animate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ResetProtocol {
    /// Stable id, used in the per-person record.
    pub id: String,
    pub name: String,
    pub phases: Vec<BreathPhase>,
}

/// Bad protocol request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ResetError {
    #[error("extended reset must last 2 to 5 minutes, got {0}")]
    ExtensionOutOfRange(u32),
}

fn phase(kind: BreathKind, duration_ms: u32) -> BreathPhase {
    BreathPhase { kind, duration_ms }
}

fn paced(breaths: u32) -> Vec<BreathPhase> {
    (0..breaths)
        .flat_map(|_| {
            [
                phase(BreathKind::Inhale, 4000),
                phase(BreathKind::Exhale, 6000),
            ]
        })
        .collect()
}

impl ResetProtocol {
    /// Three breaths, 4 s in / 6 s out (30 s): the default.
    pub fn paced_4_6() -> Self {
        Self {
            id: "paced_4_6".into(),
            name: "Three slow breaths (4 in, 6 out)".into(),
            phases: paced(3),
        }
    }

    /// Three cyclic sighs: 2 s in, 1 s top-up, 6 s out (27 s).
    pub fn cyclic_sigh() -> Self {
        Self {
            id: "cyclic_sigh".into(),
            name: "Three cyclic sighs".into(),
            phases: (0..3)
                .flat_map(|_| {
                    [
                        phase(BreathKind::Inhale, 2000),
                        phase(BreathKind::TopUpInhale, 1000),
                        phase(BreathKind::Exhale, 6000),
                    ]
                })
                .collect(),
        }
    }

    /// Paced 4/6 breathing for 2-5 minutes (6 breaths per minute).
    pub fn extended(minutes: u32) -> Result<Self, ResetError> {
        if !(2..=5).contains(&minutes) {
            return Err(ResetError::ExtensionOutOfRange(minutes));
        }
        Ok(Self {
            id: format!("paced_4_6_{minutes}min"),
            name: format!("{minutes} minutes of slow breathing"),
            phases: paced(minutes * 6),
        })
    }

    /// Total length (ms).
    pub fn total_ms(&self) -> u64 {
        self.phases.iter().map(|p| u64::from(p.duration_ms)).sum()
    }
}

/// The built-in protocols.
pub fn builtin_protocols() -> Vec<ResetProtocol> {
    vec![ResetProtocol::paced_4_6(), ResetProtocol::cyclic_sigh()]
}

/// HR and lnRMSSD over one scoring window.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WindowSummary {
    pub hr_bpm: Option<f64>,
    pub ln_rmssd: Option<f64>,
}

/// What the reset did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum EffectVerdict {
    Calmer,
    MoreActivated,
    NoMeasurableChange,
    /// No lnRMSSD before or after: HR delta only.
    NotMeasurable,
}

/// The scored effect of one reset.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ResetEffect {
    pub protocol_id: String,
    pub started_ms: Millis,
    pub finished_ms: Millis,
    pub before: WindowSummary,
    pub after: WindowSummary,
    pub delta_ln_rmssd: Option<f64>,
    pub delta_hr_bpm: Option<f64>,
    pub verdict: EffectVerdict,
}

/// Score a reset from the 60 s before its start and the 60 s after its end.
pub fn score_effect(
    protocol_id: &str,
    started_ms: Millis,
    finished_ms: Millis,
    before: WindowSummary,
    after: WindowSummary,
) -> ResetEffect {
    let delta_ln_rmssd = match (before.ln_rmssd, after.ln_rmssd) {
        (Some(b), Some(a)) => Some(a - b),
        _ => None,
    };
    let delta_hr_bpm = match (before.hr_bpm, after.hr_bpm) {
        (Some(b), Some(a)) => Some(a - b),
        _ => None,
    };
    let verdict = match delta_ln_rmssd {
        None => EffectVerdict::NotMeasurable,
        Some(d) if d > MEASURABLE_DELTA_LN_RMSSD => EffectVerdict::Calmer,
        Some(d) if d < -MEASURABLE_DELTA_LN_RMSSD => EffectVerdict::MoreActivated,
        Some(_) => EffectVerdict::NoMeasurableChange,
    };
    ResetEffect {
        protocol_id: protocol_id.to_owned(),
        started_ms,
        finished_ms,
        before,
        after,
        delta_ln_rmssd,
        delta_hr_bpm,
        verdict,
    }
}

/// How one protocol has worked for this person.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ProtocolStats {
    pub protocol_id: String,
    pub tries: u32,
    pub calmer: u32,
    pub no_change: u32,
    pub more_activated: u32,
    pub not_measurable: u32,
    /// Mean delta lnRMSSD over the measurable tries.
    pub mean_delta_ln_rmssd: Option<f64>,
}

/// Per-person record of which protocol helps (serialize it to keep it).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ResetRecord {
    pub protocols: Vec<ProtocolStats>,
}

impl ResetRecord {
    /// Add one scored reset.
    pub fn add(&mut self, e: &ResetEffect) {
        let idx = match self
            .protocols
            .iter()
            .position(|p| p.protocol_id == e.protocol_id)
        {
            Some(i) => i,
            None => {
                self.protocols.push(ProtocolStats {
                    protocol_id: e.protocol_id.clone(),
                    ..ProtocolStats::default()
                });
                self.protocols.len() - 1
            }
        };
        let Some(p) = self.protocols.get_mut(idx) else {
            return;
        };
        let measured_before = p.tries - p.not_measurable;
        p.tries += 1;
        match e.verdict {
            EffectVerdict::Calmer => p.calmer += 1,
            EffectVerdict::MoreActivated => p.more_activated += 1,
            EffectVerdict::NoMeasurableChange => p.no_change += 1,
            EffectVerdict::NotMeasurable => p.not_measurable += 1,
        }
        if let Some(d) = e.delta_ln_rmssd {
            let n = f64::from(measured_before);
            let m = p.mean_delta_ln_rmssd.unwrap_or(0.0);
            p.mean_delta_ln_rmssd = Some((m * n + d) / (n + 1.0));
        }
    }

    /// The protocol with the highest mean delta lnRMSSD among those with at
    /// least `min_tries` measurable tries; `None` until one qualifies.
    pub fn best(&self, min_tries: u32) -> Option<&ProtocolStats> {
        self.protocols
            .iter()
            .filter(|p| p.tries - p.not_measurable >= min_tries.max(1))
            .filter(|p| p.mean_delta_ln_rmssd.is_some())
            .max_by(|a, b| {
                a.mean_delta_ln_rmssd
                    .unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&b.mean_delta_ln_rmssd.unwrap_or(f64::NEG_INFINITY))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(hr: f64, ln: Option<f64>) -> WindowSummary {
        WindowSummary {
            hr_bpm: Some(hr),
            ln_rmssd: ln,
        }
    }

    #[test]
    fn protocols_have_the_documented_timing() {
        let p = ResetProtocol::paced_4_6();
        assert_eq!(p.total_ms(), 30_000);
        assert_eq!(p.phases.len(), 6);
        assert_eq!(
            p.phases[0],
            BreathPhase {
                kind: BreathKind::Inhale,
                duration_ms: 4000
            }
        );
        assert_eq!(
            p.phases[1],
            BreathPhase {
                kind: BreathKind::Exhale,
                duration_ms: 6000
            }
        );
        let s = ResetProtocol::cyclic_sigh();
        assert_eq!(s.total_ms(), 27_000);
        assert_eq!(s.phases[1].kind, BreathKind::TopUpInhale);
        assert_eq!(ResetProtocol::extended(3).unwrap().total_ms(), 180_000);
        assert_eq!(
            ResetProtocol::extended(1),
            Err(ResetError::ExtensionOutOfRange(1))
        );
        assert!(ResetProtocol::extended(6).is_err());
        assert_eq!(builtin_protocols().len(), 2);
    }

    #[test]
    fn effect_threshold_is_0_22() {
        let e = score_effect(
            "paced_4_6",
            0,
            30_000,
            w(80.0, Some(3.0)),
            w(75.0, Some(3.3)),
        );
        assert_eq!(e.verdict, EffectVerdict::Calmer);
        assert!((e.delta_ln_rmssd.unwrap() - 0.3).abs() < 1e-12);
        assert_eq!(e.delta_hr_bpm, Some(-5.0));
        let e = score_effect("x", 0, 1, w(80.0, Some(3.0)), w(80.0, Some(3.2)));
        assert_eq!(e.verdict, EffectVerdict::NoMeasurableChange);
        let e = score_effect("x", 0, 1, w(80.0, Some(3.0)), w(80.0, Some(2.79)));
        assert_eq!(
            e.verdict,
            EffectVerdict::NoMeasurableChange,
            "|delta| <= 0.22 is no change"
        );
        let e = score_effect("x", 0, 1, w(80.0, Some(3.0)), w(85.0, Some(2.7)));
        assert_eq!(e.verdict, EffectVerdict::MoreActivated);
        let e = score_effect("x", 0, 1, w(80.0, None), w(70.0, Some(2.7)));
        assert_eq!(e.verdict, EffectVerdict::NotMeasurable);
        assert_eq!(e.delta_hr_bpm, Some(-10.0));
    }

    #[test]
    fn record_learns_which_protocol_helps() {
        let mut r = ResetRecord::default();
        for d in [0.3, 0.1, 0.4] {
            r.add(&score_effect(
                "paced_4_6",
                0,
                1,
                w(80.0, Some(3.0)),
                w(78.0, Some(3.0 + d)),
            ));
        }
        r.add(&score_effect(
            "cyclic_sigh",
            0,
            1,
            w(80.0, Some(3.0)),
            w(80.0, Some(3.05)),
        ));
        r.add(&score_effect(
            "cyclic_sigh",
            0,
            1,
            w(80.0, None),
            w(80.0, None),
        ));
        let paced = &r.protocols[0];
        assert_eq!((paced.tries, paced.calmer, paced.no_change), (3, 2, 1));
        assert!((paced.mean_delta_ln_rmssd.unwrap() - 0.8 / 3.0).abs() < 1e-9);
        assert_eq!(r.protocols[1].not_measurable, 1);
        assert_eq!(r.best(1).unwrap().protocol_id, "paced_4_6");
        assert!(r.best(2).is_some_and(|p| p.protocol_id == "paced_4_6"));
        assert!(r.best(5).is_none());
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<ResetRecord>(&json).unwrap(), r);
    }
}
