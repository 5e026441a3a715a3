//! How the CLI starts a shift (`steady live`, `replay`, `demo`): the core's
//! [`RunningShift`], kept in the database with its recorder or in memory
//! only (`--no-store`).
//!
//! Only CLI policy lives here: which interrupted live shift `steady live`
//! carries on ([`resume_or_start`]). Running, recording and resuming are
//! the core's ([`steady_core::running`], [`steady_core::recorder`]).

use steady_core::Millis;
use steady_core::running::{RunError, RunningShift};
use steady_core::shift::{ShiftConfig, ShiftEvent, ShiftSetup};
use steady_core::store::{ShiftId, ShiftRecord, ShiftSource, Store, WriterConfig};

/// The store saves every 5 s of data; a shift whose last saved data is
/// younger than two saves may belong to a `steady live` still running.
const STILL_LIVE_MS: Millis = 10_000;

/// Starts a shift at `t` (data time), stored when `store` is given (it
/// starts from the store's baseline history and earlier shifts).
/// Returns the shift and the model's first events.
pub fn start(
    store: Option<Store>,
    source: ShiftSource,
    label: Option<&str>,
    t: Millis,
) -> Result<(RunningShift, Vec<ShiftEvent>), RunError> {
    match store {
        Some(s) => {
            let setup = s.shift_setup(t, ShiftConfig::default())?;
            RunningShift::start_recorded(s, setup, t, source, label, WriterConfig::default())
        }
        None => Ok(RunningShift::start_in_memory(ShiftSetup::default(), t)),
    }
}

/// Carries on the most recent open live shift when its last saved data is
/// 10 s to `within_ms` old at `t` (younger: maybe a `steady live` still
/// running; older: a new shift); otherwise starts a new one. The third
/// value is the resumed shift's id. The model is rebuilt from what was
/// stored; the time in between is a gap for it.
pub fn resume_or_start(
    store: Store,
    label: Option<&str>,
    t: Millis,
    within_ms: Millis,
) -> Result<(RunningShift, Vec<ShiftEvent>, Option<ShiftId>), RunError> {
    let mut open: Vec<ShiftRecord> = store
        .unfinished_shifts()?
        .into_iter()
        .filter(|r| r.source == ShiftSource::Live)
        .collect();
    open.sort_by_key(|r| std::cmp::Reverse(r.started_ms));
    if let Some(r) = open.first() {
        let last = store.last_data_t(r.id)?.unwrap_or(r.started_ms);
        let age = t - last;
        if age > STILL_LIVE_MS && age <= within_ms {
            let id = r.id;
            let shift = RunningShift::resume(store, id)?;
            return Ok((shift, Vec::new(), Some(id)));
        }
        tracing::info!(
            "not carrying on with shift {} ({} s since its last data)",
            r.id,
            age / 1000
        );
    }
    let (shift, events) = start(Some(store), ShiftSource::Live, label, t)?;
    Ok((shift, events, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_core::hrm::{HeartRateMeasurement, SensorContact};
    use steady_core::recorder::ShiftRecorder;
    use steady_core::shift::ShiftInput;

    /// The shared Polar H10 sample (real RR, ms), as the tests elsewhere.
    fn sample_rr() -> Vec<u16> {
        let dir = std::env::var("STEADY_SHARED_DATA")
            .unwrap_or_else(|_| format!("{}/../../shared/data", env!("CARGO_MANIFEST_DIR")));
        let path = format!("{dir}/polar-h10/sample_rr_ms.txt");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("shared data missing at {path}: {e}"));
        text.split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect()
    }

    /// Real RR as a strap would send it: 2 beats per packet, stamped when
    /// the second beat ends.
    fn packets(start: Millis) -> Vec<(Millis, Vec<u8>)> {
        let mut t = start;
        sample_rr()
            .chunks(2)
            .map(|c| {
                t += c.iter().map(|&r| Millis::from(r)).sum::<Millis>();
                let m = HeartRateMeasurement {
                    heart_rate_bpm: 60,
                    sensor_contact: SensorContact::Detected,
                    energy_expended_kj: None,
                    rr_1024: c
                        .iter()
                        .map(|&r| (f64::from(r) * 1.024).round() as u16)
                        .collect(),
                };
                (t, m.encode())
            })
            .collect()
    }

    fn id_of(s: &RunningShift) -> Option<ShiftId> {
        s.recorder().map(ShiftRecorder::shift_id)
    }

    /// A 0x2A37 value that arrived at `t`.
    fn packet(t: Millis, bytes: &[u8]) -> ShiftInput {
        ShiftInput::Packet {
            t_ms: t,
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn a_stored_live_shift_has_beats_events_summary_and_history() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let t0: Millis = 1_764_000_000_000;
        let (mut run, first) = start(
            Some(Store::open(&db).unwrap()),
            ShiftSource::Live,
            Some("strap"),
            t0,
        )
        .unwrap();
        assert!(matches!(first.first(), Some(ShiftEvent::Started { .. })));
        let id = id_of(&run).unwrap();
        let mut gauges = 0;
        let pk = packets(t0);
        let (mid, _) = pk[pk.len() / 2];
        for (t, bytes) in &pk {
            if *t == mid {
                // a pause in the packets (the link dropped): a gap for the model
                continue;
            }
            gauges += run
                .handle(&packet(*t, bytes))
                .events
                .iter()
                .filter(|e| matches!(e, ShiftEvent::Gauge { .. }))
                .count();
        }
        run.handle(&ShiftInput::ResetStarted {
            t_ms: pk.last().unwrap().0,
            protocol_id: "paced_4_6".into(),
        });
        let end = pk.last().unwrap().0 + 1_000;
        let (summary, last) = run.end(end).unwrap();
        assert!(matches!(last.last(), Some(ShiftEvent::Ended { .. })));
        assert!(gauges > 100, "{gauges} gauge refreshes over 10 min");

        let store = Store::open(&db).unwrap();
        let rec = store.shift(id).unwrap();
        assert_eq!(rec.ended_ms, Some(summary.end_ms));
        let beats = store.beat_count(id).unwrap();
        // All 620 beats but the first one (no predecessor to time it) and
        // the few lost at the forced gap; exactly the model's beats.
        assert!((600..=620).contains(&beats), "{beats} beats stored");
        assert_eq!(beats, summary.signal.beats);
        let kinds: Vec<String> = store
            .events(id)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert!(kinds.contains(&"started".to_string()), "{kinds:?}");
        // The user's action is kept (so the shift can be rebuilt).
        assert!(kinds.contains(&"input".to_string()), "{kinds:?}");
        assert!(store.model_summary(id).unwrap().is_some());
        assert_eq!(rec.key.load_peak, Some(summary.load_peak));

        // The next shift starts from what this one left.
        let setup = store.shift_setup(end + 1, ShiftConfig::default()).unwrap();
        assert_eq!(setup.previous.len(), 1);

        // The chart redraws the gauge from the stored beats.
        let chart = crate::chart::ShiftChart::from_store(&store, &rec).unwrap();
        assert!(chart.gauge.len() > 100, "{}", chart.gauge.len());
        assert!(chart.hr.len() > 50);
    }

    #[test]
    fn a_killed_live_shift_is_carried_on_not_duplicated() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let t0: Millis = 1_764_000_000_000;
        let pk = packets(t0);
        let (first, rest) = pk.split_at(100);
        let (mut run, _) =
            start(Some(Store::open(&db).unwrap()), ShiftSource::Live, None, t0).unwrap();
        let id = id_of(&run).unwrap();
        for (t, b) in first {
            run.handle(&packet(*t, b));
        }
        drop(run); // the process dies: no End (the writer saves what it can)
        let store = Store::open(&db).unwrap();
        let killed_at = store.last_data_t(id).unwrap().unwrap();
        drop(store);

        // Too soon: that shift may belong to a live process still running.
        let (mut run2, _, resumed) = resume_or_start(
            Store::open(&db).unwrap(),
            None,
            killed_at + 1_000,
            1_800_000,
        )
        .unwrap();
        assert_eq!(resumed, None);
        assert_ne!(id_of(&run2), Some(id));
        run2.end(killed_at + 2_000).unwrap();

        // 20 s later: the same shift goes on, its model rebuilt.
        let (mut run3, events, resumed) = resume_or_start(
            Store::open(&db).unwrap(),
            None,
            killed_at + 20_000,
            1_800_000,
        )
        .unwrap();
        assert_eq!(resumed, Some(id));
        assert!(events.is_empty());
        for (t, b) in rest {
            run3.handle(&packet(*t + 20_000, b));
        }
        let (summary, _) = run3.end(rest.last().unwrap().0 + 21_000).unwrap();
        // The model's summary spans both runs.
        assert!(summary.duration_s > 550.0, "{}", summary.duration_s);
        let store = Store::open(&db).unwrap();
        assert!(store.shift(id).unwrap().ended_ms.is_some());
        assert!(store.beat_count(id).unwrap() > 550);
        assert!(store.unfinished_shifts().unwrap().is_empty());
    }

    #[test]
    fn stored_event_kinds_are_the_serde_tags() {
        let rec = steady_core::formats::rr::parse(
            &sample_rr()
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
        .unwrap();
        let mut shift = steady_core::shift::Shift::new(ShiftSetup::default());
        let events: Vec<ShiftEvent> = crate::cmd::model::inputs(&rec)
            .iter()
            .flat_map(|i| shift.handle(i).events.clone())
            .collect();
        assert!(events.len() > 100);
        for ev in &events {
            if let Some((_, kind, v)) = steady_core::seam::event_record(ev, 0) {
                assert_eq!(v["type"], kind, "{v}");
            }
        }
        assert!(matches!(events.last(), Some(ShiftEvent::Ended { .. })));
    }
}
