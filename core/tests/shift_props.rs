//! Properties of the shift state machine under arbitrary input: it never
//! panics, it is deterministic, and its summary adds up.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests and benches may fail loudly
use proptest::prelude::*;
use steady_core::Millis;
use steady_core::activation::Motion;
use steady_core::shift::{Shift, ShiftEvent, ShiftInput, ShiftSetup};

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        300.0..2000.0f64,
        -10.0..5000.0f64,
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(0.0),
    ]
}

/// A time: mostly within an hour, sometimes days later, sometimes absurd.
fn time() -> impl Strategy<Value = Millis> + Clone {
    prop_oneof![
        20 => 0..3_600_000i64,
        1 => 0..10 * 86_400_000i64,
        1 => prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(-1i64), Just(1i64 << 52)],
    ]
}

/// An input at `t` (times may run backwards: `t` is drawn freely).
fn input() -> impl Strategy<Value = ShiftInput> {
    let t = time();
    prop_oneof![
        6 => (t.clone(), any_f64()).prop_map(|(t_ms, rr_ms)| ShiftInput::Rr { t_ms, rr_ms }),
        3 => (t.clone(), any_f64(), any::<bool>())
            .prop_map(|(t_ms, rr_ms, corrected)| ShiftInput::Beat { t_ms, rr_ms, corrected }),
        3 => (t.clone(), any_f64()).prop_map(|(t_ms, v)| ShiftInput::HeartRate { t_ms, bpm: v / 10.0 }),
        2 => (t.clone(), proptest::collection::vec(any::<u8>(), 0..12))
            .prop_map(|(t_ms, bytes)| ShiftInput::Packet { t_ms, bytes }),
        1 => (t.clone(), any_f64()).prop_map(|(t_ms, g)| ShiftInput::Motion {
            motion: Motion::Enmo { t_ms, g: g / 1000.0 }
        }),
        1 => t.clone().prop_map(|t_ms| ShiftInput::Tick { t_ms }),
        1 => (t.clone(), any::<bool>()).prop_map(|(t_ms, on)| ShiftInput::Quiet { t_ms, on }),
        1 => (t.clone(), 0..60u32).prop_map(|(t_ms, minutes)| ShiftInput::Snooze { t_ms, minutes }),
        1 => t.clone().prop_map(|t_ms| ShiftInput::ResetStarted { t_ms, protocol_id: "paced_4_6".into() }),
        1 => t.clone().prop_map(|t_ms| ShiftInput::ResetFinished { t_ms }),
        1 => t.clone().prop_map(|t_ms| ShiftInput::ResetAbandoned { t_ms }),
        1 => t.clone().prop_map(|t_ms| ShiftInput::PromptDismissed { t_ms }),
        1 => t.clone().prop_map(|t_ms| ShiftInput::SeatedCheck { t_ms }),
        1 => t.prop_map(|t_ms| ShiftInput::End { t_ms }),
    ]
}

fn run(inputs: &[ShiftInput]) -> (Shift, Vec<ShiftEvent>) {
    let mut s = Shift::new(ShiftSetup::default());
    let ev = inputs
        .iter()
        .flat_map(|i| s.handle(i).events.clone())
        .collect();
    (s, ev)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_input_never_panics_and_is_deterministic(
        mut inputs in proptest::collection::vec(input(), 0..300),
        sort in any::<bool>(),
    ) {
        if sort {
            inputs.sort_by_key(ShiftInput::t_ms);
        }
        let last: Millis = inputs
            .iter()
            .map(ShiftInput::t_ms)
            .filter(|t| (-(1i64 << 50)..=1 << 50).contains(t))
            .max()
            .unwrap_or(0);
        inputs.push(ShiftInput::End { t_ms: last + 1 });
        let (s, a) = run(&inputs);
        let (_, b) = run(&inputs);
        prop_assert_eq!(&a, &b);
        // only inputs that cannot start a shift (an `End` first, absurd
        // times) leave it unstarted
        let Some(sum) = s.summary() else {
            let valid = |i: &ShiftInput| (-(1i64 << 50)..=1 << 50).contains(&i.t_ms());
            let starts = inputs
                .iter()
                .position(|i| valid(i) && !matches!(i, ShiftInput::End { .. }));
            let unstartable = starts.is_none();
            prop_assert!(unstartable);
            return Ok(());
        };
        let t = &sum.time_in;
        let total = t.with_signal_s() + t.no_signal_s;
        prop_assert!(total <= sum.duration_s + 5.0, "{} > {}", total, sum.duration_s);
        prop_assert!(sum.prompts_offered <= 4);
        prop_assert!(sum.load_end.is_finite() && sum.load_end >= 0.0);
        prop_assert!(sum.load_peak >= sum.load_end);
        for e in &a {
            if let ShiftEvent::Gauge { update } = e
                && let Some(g) = update.gauge
            {
                prop_assert!((0.0..=100.0).contains(&g));
            }
        }
    }
}
