//! Scenario tests of the whole model (shift state machine) on synthetic
//! shifts whose physiology is known by construction.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests and benches may fail loudly
use steady_core::Millis;
use steady_core::activation::{ActivationState, Motion};
use steady_core::hrm::{HeartRateMeasurement, SensorContact};
use steady_core::reset::EffectVerdict;
use steady_core::shift::{IgnoredReason, Shift, ShiftEvent, ShiftInput, ShiftSetup, step};
use steady_core::summary::PromptOutcome;

/// A synthetic heart: RR around 60000/HR with independent beat-to-beat
/// noise of standard deviation `sd` ms (RMSSD ~ sqrt(2) sd) from a fixed
/// pseudo-random sequence, plus a slow wobble; emitted as raw RR intervals.
struct Heart {
    t: f64,
    k: u64,
    hr: f64,
    alt: f64,
    rng: u64,
}

/// Heart rate and HRV change over this long (a heart does not jump).
const RAMP_MS: f64 = 15_000.0;

impl Heart {
    fn new(t0: Millis) -> Self {
        Self {
            t: t0 as f64,
            k: 0,
            hr: CALM.0,
            alt: CALM.1,
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }

    /// Uniform in [0, 1) (xorshift64*).
    fn uniform(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly normal, mean 0, sd 1 (sum of three uniforms).
    fn noise(&mut self) -> f64 {
        (self.uniform() + self.uniform() + self.uniform() - 1.5) * 2.0
    }

    /// Beats until `until_ms`, moving to `hr` bpm and alternation `alt` ms
    /// over [`RAMP_MS`].
    fn run(&mut self, until_ms: Millis, hr: f64, alt: f64, out: &mut Vec<ShiftInput>) {
        let (t0, hr0, alt0) = (self.t, self.hr, self.alt);
        while self.t < until_ms as f64 {
            let f = ((self.t - t0) / RAMP_MS).min(1.0);
            self.hr = hr0 + f * (hr - hr0);
            self.alt = alt0 + f * (alt - alt0);
            let rr =
                60_000.0 / self.hr + self.alt * self.noise() + 8.0 * ((self.k as f64) * 0.05).sin();
            self.t += rr;
            self.k += 1;
            out.push(ShiftInput::Rr {
                t_ms: self.t.round() as Millis,
                rr_ms: rr,
            });
        }
    }

    /// No beats until `until_ms` (strap off), with ticks every 5 s.
    fn dropout(&mut self, until_ms: Millis, out: &mut Vec<ShiftInput>) {
        let mut t = self.t as Millis + 5_000;
        while t < until_ms {
            out.push(ShiftInput::Tick { t_ms: t });
            t += 5_000;
        }
        self.t = until_ms as f64;
    }
}

const MIN: Millis = 60_000;
/// Calm: 62 bpm, RMSSD ~40 ms. Stressed: 76 bpm, RMSSD ~14 ms.
const CALM: (f64, f64) = (62.0, 28.0);
const STRESS: (f64, f64) = (76.0, 10.0);

fn sorted(mut v: Vec<ShiftInput>) -> Vec<ShiftInput> {
    v.sort_by_key(|i| i.t_ms());
    v
}

fn run(inputs: &[ShiftInput]) -> (Shift, Vec<ShiftEvent>) {
    let mut s = Shift::new(ShiftSetup::default());
    let ev = inputs
        .iter()
        .flat_map(|i| s.handle(i).events.clone())
        .collect();
    (s, ev)
}

fn prompts(ev: &[ShiftEvent]) -> Vec<Millis> {
    ev.iter()
        .filter_map(|e| match e {
            ShiftEvent::PromptOffered { prompt } => Some(prompt.t_ms),
            _ => None,
        })
        .collect()
}

fn states_between(ev: &[ShiftEvent], from: Millis, to: Millis) -> Vec<ActivationState> {
    ev.iter()
        .filter_map(|e| match e {
            ShiftEvent::Gauge { update } if update.t_ms >= from && update.t_ms < to => {
                Some(update.state)
            }
            _ => None,
        })
        .collect()
}

fn share(states: &[ActivationState], s: ActivationState) -> f64 {
    states.iter().filter(|x| **x == s).count() as f64 / states.len().max(1) as f64
}

#[test]
fn calm_shift_stays_at_baseline_without_prompts() {
    let mut h = Heart::new(0);
    let mut ins = vec![ShiftInput::Start { t_ms: 0 }];
    h.run(60 * MIN, CALM.0, CALM.1, &mut ins);
    ins.push(ShiftInput::End { t_ms: 60 * MIN });
    let (s, ev) = run(&ins);
    assert!(prompts(&ev).is_empty());
    let sum = s.summary().unwrap();
    assert!(sum.time_in.baseline_s > 0.9 * 3600.0, "{:?}", sum.time_in);
    assert_eq!(sum.time_in.activated_s, 0.0);
    assert!(sum.load_peak < 1.0, "{}", sum.load_peak);
    assert!(!sum.baseline.learning || sum.baseline.minutes >= 3);
    assert!(sum.baseline.ln_rmssd.is_some());
}

#[test]
fn sustained_activation_prompts_once_then_rate_limit_holds() {
    let mut h = Heart::new(0);
    let mut ins = vec![ShiftInput::Start { t_ms: 0 }];
    h.run(10 * MIN, CALM.0, CALM.1, &mut ins);
    h.run(50 * MIN, STRESS.0, STRESS.1, &mut ins);
    ins.push(ShiftInput::End { t_ms: 50 * MIN });
    let (s, ev) = run(&ins);
    let p = prompts(&ev);
    // exactly one in the first 15 minutes of activation
    let early: Vec<_> = p.iter().filter(|t| **t < 25 * MIN).collect();
    assert_eq!(early.len(), 1, "{p:?}");
    // fired after >= 60 s of activation, within ~3 min
    assert!(*early[0] >= 11 * MIN && *early[0] <= 14 * MIN, "{p:?}");
    // then the rate limit: >= 15 min apart, never more than the maximum
    for w in p.windows(2) {
        assert!(w[1] - w[0] >= 15 * MIN, "{p:?}");
    }
    assert!(p.len() <= 4);
    // the reason says why
    let reason = ev
        .iter()
        .find_map(|e| match e {
            ShiftEvent::PromptOffered { prompt } => Some(prompt.reason),
            _ => None,
        })
        .unwrap();
    assert!(reason.activated_minutes >= 3 && reason.sustained_s >= 60.0);
    assert!(reason.ln_rmssd_drop.unwrap() > 0.4);
    assert!(reason.hr_rise_bpm.unwrap() > 10.0);
    let sum = s.summary().unwrap();
    assert!(sum.load_end > 50.0, "load stacks: {}", sum.load_end);
    assert!(sum.longest_without_return_s >= 39.0 * 60.0);
}

#[test]
fn brief_spikes_never_prompt() {
    let mut h = Heart::new(0);
    let mut ins = vec![ShiftInput::Start { t_ms: 0 }];
    h.run(10 * MIN, CALM.0, CALM.1, &mut ins);
    // a 40 s spike every 4 minutes for an hour
    let mut t = 10 * MIN;
    while t < 70 * MIN {
        h.run(t + 40_000, STRESS.0, STRESS.1, &mut ins);
        h.run(t + 4 * MIN, CALM.0, CALM.1, &mut ins);
        t += 4 * MIN;
    }
    ins.push(ShiftInput::End { t_ms: t });
    let (s, ev) = run(&ins);
    assert!(prompts(&ev).is_empty());
    assert!(s.summary().unwrap().returns_to_baseline >= 10);
}

#[test]
fn walking_is_active_not_stress() {
    let mut h = Heart::new(0);
    let mut ins = vec![ShiftInput::Start { t_ms: 0 }];
    h.run(10 * MIN, CALM.0, CALM.1, &mut ins);
    // 20 min brisk walk: HR 100, low HRV, the phone counts 110 steps/min
    h.run(30 * MIN, 100.0, 6.0, &mut ins);
    let mut t = 10 * MIN;
    while t < 30 * MIN {
        ins.push(ShiftInput::Motion {
            motion: Motion::StepsPerMinute {
                t_ms: t,
                value: 110.0,
            },
        });
        t += 5_000;
    }
    h.run(45 * MIN, CALM.0, CALM.1, &mut ins);
    ins.push(ShiftInput::End { t_ms: 45 * MIN });
    let (s, ev) = run(&sorted(ins));
    assert!(prompts(&ev).is_empty());
    let walk = states_between(&ev, 10 * MIN + 30_000, 30 * MIN);
    assert_eq!(share(&walk, ActivationState::Active), 1.0);
    let sum = s.summary().unwrap();
    assert!(
        sum.load_peak < 2.0,
        "physical work is not load: {}",
        sum.load_peak
    );
    assert!(sum.time_in.active_s >= 19.0 * 60.0);
}

#[test]
fn high_hr_without_motion_input_is_active() {
    let mut h = Heart::new(0);
    let mut ins = vec![ShiftInput::Start { t_ms: 0 }];
    h.run(10 * MIN, CALM.0, CALM.1, &mut ins);
    // rest 62 + 0.2 x (185 - 62) = 86.6 bpm: 120 bpm is physical
    h.run(25 * MIN, 120.0, 5.0, &mut ins);
    ins.push(ShiftInput::End { t_ms: 25 * MIN });
    let (_, ev) = run(&ins);
    assert!(prompts(&ev).is_empty());
    let ex = states_between(&ev, 11 * MIN, 25 * MIN);
    assert_eq!(share(&ex, ActivationState::Active), 1.0);
}

#[test]
fn recovery_discharges_load() {
    let mut h = Heart::new(0);
    let mut ins = vec![ShiftInput::Start { t_ms: 0 }];
    h.run(10 * MIN, CALM.0, CALM.1, &mut ins);
    h.run(25 * MIN, STRESS.0, STRESS.1, &mut ins);
    h.run(70 * MIN, CALM.0, CALM.1, &mut ins);
    ins.push(ShiftInput::End { t_ms: 70 * MIN });
    let (s, ev) = run(&ins);
    let sum = s.summary().unwrap();
    assert!(sum.load_peak > 20.0, "{}", sum.load_peak);
    assert!(
        sum.load_end < 0.2 * sum.load_peak,
        "{} vs {}",
        sum.load_end,
        sum.load_peak
    );
    assert!(sum.returns_to_baseline >= 1);
    // the load comes down steadily during the recovery
    let load_at = |t: Millis| {
        ev.iter()
            .find_map(|e| match e {
                ShiftEvent::Gauge { update } if update.t_ms >= t => Some(update.load),
                _ => None,
            })
            .unwrap()
    };
    assert!(load_at(27 * MIN) >= 0.9 * sum.load_peak);
    assert!(load_at(40 * MIN) < 0.6 * load_at(27 * MIN));
    assert!(load_at(55 * MIN) < 0.6 * load_at(40 * MIN));
}

#[test]
fn a_reset_effect_is_measured_before_vs_after() {
    let mut h = Heart::new(0);
    let mut ins = vec![ShiftInput::Start { t_ms: 0 }];
    h.run(10 * MIN, CALM.0, CALM.1, &mut ins);
    h.run(20 * MIN, STRESS.0, STRESS.1, &mut ins);
    // paced breathing inflates RMSSD during the reset (not scored)
    h.run(20 * MIN + 30_000, 70.0, 60.0, &mut ins);
    h.run(30 * MIN, CALM.0, CALM.1, &mut ins);
    ins.push(ShiftInput::ResetStarted {
        t_ms: 20 * MIN,
        protocol_id: "paced_4_6".into(),
    });
    ins.push(ShiftInput::ResetFinished {
        t_ms: 20 * MIN + 30_000,
    });
    ins.push(ShiftInput::End { t_ms: 30 * MIN });
    let (s, ev) = run(&sorted(ins));
    let effect = ev
        .iter()
        .find_map(|e| match e {
            ShiftEvent::ResetScored { effect } => Some(effect.clone()),
            _ => None,
        })
        .expect("the reset is scored");
    assert_eq!(effect.protocol_id, "paced_4_6");
    assert_eq!(effect.verdict, EffectVerdict::Calmer);
    // before ~ln(14), after ~ln(40): not the inflated RMSSD of the breathing
    let d = effect.delta_ln_rmssd.unwrap();
    assert!(d > 0.8 && d < 1.4, "{d}");
    assert!(effect.delta_hr_bpm.unwrap() < -10.0);
    let sum = s.summary().unwrap();
    assert_eq!(sum.resets.len(), 1);
    // the prompt offered before the reset counts as taken
    assert_eq!(sum.prompts_offered, 1);
    assert_eq!(sum.prompts[0].outcome, PromptOutcome::Taken);
}

#[test]
fn strap_dropout_gives_no_signal_and_no_false_prompt() {
    let mut h = Heart::new(0);
    let mut ins = vec![ShiftInput::Start { t_ms: 0 }];
    h.run(10 * MIN, CALM.0, CALM.1, &mut ins);
    // 40 s of stress, then the strap falls off for 5 minutes
    h.run(10 * MIN + 40_000, STRESS.0, STRESS.1, &mut ins);
    h.dropout(16 * MIN, &mut ins);
    h.run(30 * MIN, CALM.0, CALM.1, &mut ins);
    ins.push(ShiftInput::End { t_ms: 30 * MIN });
    let (s, ev) = run(&ins);
    assert!(prompts(&ev).is_empty());
    assert!(
        ev.iter()
            .any(|e| matches!(e, ShiftEvent::SignalLost { .. }))
    );
    let gap = ev
        .iter()
        .find_map(|e| match e {
            ShiftEvent::SignalRestored { gap_ms, .. } => Some(*gap_ms),
            _ => None,
        })
        .unwrap();
    assert!(
        (5 * MIN - 30_000..=5 * MIN + 30_000).contains(&gap),
        "{gap}"
    );
    let during = states_between(&ev, 11 * MIN, 16 * MIN);
    assert!(share(&during, ActivationState::NoSignal) > 0.9);
    let sum = s.summary().unwrap();
    assert_eq!(sum.signal.gaps, 1);
    assert!(sum.time_in.no_signal_s > 4.0 * 60.0);
}

#[test]
fn quiet_mode_and_snooze_hold_prompts() {
    let mut h = Heart::new(0);
    let mut ins = vec![ShiftInput::Start { t_ms: 0 }];
    h.run(10 * MIN, CALM.0, CALM.1, &mut ins);
    h.run(40 * MIN, STRESS.0, STRESS.1, &mut ins);
    ins.push(ShiftInput::Quiet {
        t_ms: 10 * MIN,
        on: true,
    });
    ins.push(ShiftInput::Quiet {
        t_ms: 20 * MIN,
        on: false,
    });
    ins.push(ShiftInput::End { t_ms: 40 * MIN });
    let (_, ev) = run(&sorted(ins));
    let p = prompts(&ev);
    assert!(!p.is_empty() && p[0] >= 20 * MIN, "{p:?}");
}

#[test]
fn hr_only_packets_and_bad_packets() {
    let mut ins = vec![ShiftInput::Start { t_ms: 0 }];
    for i in 1..=600 {
        let m = HeartRateMeasurement {
            heart_rate_bpm: 64,
            sensor_contact: SensorContact::Detected,
            energy_expended_kj: None,
            rr_1024: vec![],
        };
        ins.push(ShiftInput::Packet {
            t_ms: i * 1000,
            bytes: m.encode(),
        });
    }
    ins.push(ShiftInput::Packet {
        t_ms: 600_500,
        bytes: vec![0x10],
    });
    ins.push(ShiftInput::End {
        t_ms: 600_000 + MIN,
    });
    let (s, ev) = run(&ins);
    assert!(ev.contains(&ShiftEvent::InputIgnored {
        t_ms: 600_500,
        reason: IgnoredReason::BadPacket
    }));
    let last_gauge = ev
        .iter()
        .rev()
        .find_map(|e| match e {
            ShiftEvent::Gauge { update } if update.hr_bpm.is_some() => Some(*update),
            _ => None,
        })
        .unwrap();
    assert_eq!(last_gauge.hr_bpm, Some(64.0));
    assert_eq!(last_gauge.ln_rmssd, None);
    let sum = s.summary().unwrap();
    assert_eq!(sum.signal.beats, 0);
    assert_eq!(sum.signal.hr_samples, 600);
    assert_eq!(sum.baseline.ln_rmssd, None);
}

/// A mixed scenario with every kind of input.
fn mixed() -> Vec<ShiftInput> {
    let mut h = Heart::new(1_700_000_000_000);
    let t0 = 1_700_000_000_000;
    let mut ins = vec![ShiftInput::Start { t_ms: t0 }];
    h.run(t0 + 10 * MIN, CALM.0, CALM.1, &mut ins);
    h.run(t0 + 20 * MIN, STRESS.0, STRESS.1, &mut ins);
    h.dropout(t0 + 22 * MIN, &mut ins);
    h.run(t0 + 40 * MIN, STRESS.0, STRESS.1, &mut ins);
    h.run(t0 + 60 * MIN, CALM.0, CALM.1, &mut ins);
    ins.push(ShiftInput::Motion {
        motion: Motion::Enmo {
            t_ms: t0 + 5 * MIN,
            g: 0.2,
        },
    });
    ins.push(ShiftInput::Snooze {
        t_ms: t0 + 14 * MIN,
        minutes: 0,
    });
    ins.push(ShiftInput::ResetStarted {
        t_ms: t0 + 35 * MIN,
        protocol_id: "cyclic_sigh".into(),
    });
    ins.push(ShiftInput::ResetFinished {
        t_ms: t0 + 35 * MIN + 27_000,
    });
    ins.push(ShiftInput::End {
        t_ms: t0 + 60 * MIN,
    });
    sorted(ins)
}

#[test]
fn same_input_gives_same_output() {
    let ins = mixed();
    let (_, a) = run(&ins);
    let (_, b) = run(&ins);
    assert!(!a.is_empty());
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    // the pure form gives the same events
    let mut s = Shift::new(ShiftSetup::default());
    let mut c = Vec::new();
    for i in &ins {
        let (next, ev) = step(s, i);
        s = next;
        c.extend(ev.events);
    }
    assert_eq!(a, c);
}

#[test]
fn a_serialized_shift_continues_identically() {
    // clean beats (no cleaner state to lose across the restore)
    let ins: Vec<ShiftInput> = mixed()
        .into_iter()
        .map(|i| match i {
            ShiftInput::Rr { t_ms, rr_ms } => ShiftInput::Beat {
                t_ms,
                rr_ms,
                corrected: false,
            },
            other => other,
        })
        .collect();
    let (_, whole) = run(&ins);
    let half = ins.len() / 2;
    let mut s = Shift::new(ShiftSetup::default());
    let mut ev: Vec<ShiftEvent> = ins[..half]
        .iter()
        .flat_map(|i| s.handle(i).events.clone())
        .collect();
    let json = serde_json::to_string(&s).unwrap();
    let mut restored: Shift = serde_json::from_str(&json).unwrap();
    ev.extend(
        ins[half..]
            .iter()
            .flat_map(|i| restored.handle(i).events.clone()),
    );
    assert_eq!(ev, whole);
}

#[test]
fn a_long_dropout_is_counted_without_an_event_per_refresh() {
    let mut h = Heart::new(0);
    let mut ins = vec![ShiftInput::Start { t_ms: 0 }];
    h.run(10 * MIN, CALM.0, CALM.1, &mut ins);
    // the strap lies in a locker for 10 hours, then the shift goes on
    let back = 10 * MIN + 10 * 60 * MIN;
    ins.push(ShiftInput::Tick { t_ms: back });
    let mut h2 = Heart::new(back);
    h2.run(back + 10 * MIN, CALM.0, CALM.1, &mut ins);
    ins.push(ShiftInput::End {
        t_ms: back + 10 * MIN,
    });
    let (s, ev) = run(&ins);
    let sum = s.summary().unwrap();
    assert!(
        (sum.time_in.no_signal_s - 10.0 * 3600.0).abs() < 120.0,
        "{:?}",
        sum.time_in
    );
    let gauges = ev
        .iter()
        .filter(|e| matches!(e, ShiftEvent::Gauge { .. }))
        .count();
    // 20 min of data + 1 h of detailed no-signal refreshes, not 10 h of them
    assert!(gauges < (20 + 65) * 12, "{gauges}");
    assert_eq!(sum.signal.gaps, 1);
    assert!(prompts(&ev).is_empty());
}

#[test]
fn a_nonsense_configuration_is_sanitized_not_a_panic() {
    let mut setup = ShiftSetup::default();
    setup.config.window_ms = Millis::MAX;
    setup.config.refresh_ms = 0;
    setup.config.signal_timeout_ms = Millis::MIN;
    setup.config.seated_measure_ms = Millis::MAX;
    setup.config.prompt.default_snooze_ms = Millis::MAX;
    let mut s = Shift::new(setup);
    let mut h = Heart::new(0);
    let mut ins = vec![
        ShiftInput::Start { t_ms: 0 },
        ShiftInput::SeatedCheck { t_ms: 0 },
    ];
    h.run(5 * MIN, CALM.0, CALM.1, &mut ins);
    ins.push(ShiftInput::Snooze {
        t_ms: 5 * MIN,
        minutes: 0,
    });
    ins.push(ShiftInput::End { t_ms: 5 * MIN });
    let ev: Vec<ShiftEvent> = ins
        .iter()
        .flat_map(|i| s.handle(i).events.clone())
        .collect();
    let gauges = ev
        .iter()
        .filter(|e| matches!(e, ShiftEvent::Gauge { .. }))
        .count();
    // refresh clamped to 1 s
    assert!((290..=300).contains(&gauges), "{gauges}");
    assert!(s.summary().is_some());
}
