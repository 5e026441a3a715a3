//! A shift resumed from the store is the shift that was running: the model
//! rebuilt from the stored beats, heart rates and the wearer's actions
//! (`session::rebuild_events`, what `LiveSession::resume` runs) emits the
//! very events the live model emitted from the strap's packets, refresh for
//! refresh, prompts, reset effect and summary included.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests and benches may fail loudly
mod common;

use steady_core::Millis;
use steady_core::session::{LiveSession, rebuild_events};
use steady_core::shift::{ShiftEvent, ShiftInput, ShiftSetup};
use steady_core::store::{ShiftSource, Store};

const T0: Millis = 1_764_000_000_000;
const MIN: f64 = 60_000.0;

#[test]
fn the_model_rebuilt_from_the_store_emits_what_the_live_model_emitted() {
    // Two hours of the real Polar sample with a stressed stretch (minutes
    // 30-60: about 76 bpm with the beat-to-beat variation squeezed).
    let (packets, _) = common::shift_packets_with(2.0, |t, rr| {
        if (30.0 * MIN..60.0 * MIN).contains(&t) {
            790.0 + (rr - 1000.0) * 0.2
        } else {
            rr
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("steady.db");
    let (mut live, mut seen) = LiveSession::start(
        Store::open(&path).unwrap(),
        ShiftSetup::default(),
        T0,
        ShiftSource::Live,
        None,
    )
    .unwrap();
    // The wearer takes the first prompt's reset 10 s after it, for 30 s.
    let mut reset_at: Option<Millis> = None;
    for (t, bytes) in &packets {
        let t = T0 + t;
        if let Some(r) = reset_at {
            if t == r {
                let protocol_id = "paced_4_6".to_owned();
                let out = live.handle(&ShiftInput::ResetStarted {
                    t_ms: t,
                    protocol_id,
                });
                seen.extend_from_slice(&out.events);
            } else if t == r + 30_000 {
                seen.extend(
                    live.handle(&ShiftInput::ResetFinished { t_ms: t })
                        .events
                        .clone(),
                );
            }
        }
        let ev = &live
            .handle(&ShiftInput::Packet {
                t_ms: t,
                bytes: bytes.clone(),
            })
            .events;
        if reset_at.is_none()
            && let Some(p) = ev.iter().find_map(|e| match e {
                ShiftEvent::PromptOffered { prompt } => Some(prompt.t_ms),
                _ => None,
            })
        {
            reset_at = Some(p + 10_000);
        }
        seen.extend_from_slice(ev);
    }
    let end = T0 + packets.last().unwrap().0 + 1_000;
    let (summary, ev) = live.end(end).unwrap();
    seen.extend(ev);
    let id = live.shift_id();
    drop(live);

    let count = |v: &[ShiftEvent], f: fn(&ShiftEvent) -> bool| v.iter().filter(|e| f(e)).count();
    assert!(count(&seen, |e| matches!(e, ShiftEvent::PromptOffered { .. })) >= 1);
    assert_eq!(
        count(&seen, |e| matches!(e, ShiftEvent::ResetScored { .. })),
        1
    );
    assert!(count(&seen, |e| matches!(e, ShiftEvent::Gauge { .. })) >= 1_400);

    let store = Store::open(&path).unwrap();
    let rebuilt = rebuild_events(&store, &store.shift(id).unwrap()).unwrap();
    assert_eq!(rebuilt.len(), seen.len());
    for (i, (a, b)) in seen.iter().zip(&rebuilt).enumerate() {
        assert_eq!(a, b, "event {i} differs");
    }
    assert!(matches!(rebuilt.last(), Some(ShiftEvent::Ended { summary: s }) if *s == summary));
}
