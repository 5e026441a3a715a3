//! Resuming a stored shift after the app was killed (the bench was called
//! `session_resume`; it measures no session, only this replay): the model
//! is rebuilt from the stored inputs (`RunningShift::resume`, core/src/io/running.rs), so the cost grows with the
//! shift. Measured at the end of a 12-hour shift of real packets
//! ([`common::shift_packets`]), the worst case a wearer meets.
//!
//!   cargo bench -p steady-core --bench resume_replay
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests and benches may fail loudly
#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;

use common::shift_packets;
use criterion::{Criterion, criterion_group, criterion_main};
use steady_core::Millis;
use steady_core::recorder::ShiftRecorder;
use steady_core::running::RunningShift;
use steady_core::shift::ShiftInput;
use steady_core::store::Store;

const T0: Millis = 1_764_000_000_000;

fn bench(c: &mut Criterion) {
    let (packets, beats) = shift_packets(12.0);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("steady.db");
    let (mut live, _) = common::start_live(&path, T0);
    for (t, bytes) in &packets {
        live.handle(&ShiftInput::Packet {
            t_ms: T0 + t,
            bytes: bytes.clone(),
        });
    }
    let id = live
        .recorder()
        .map(ShiftRecorder::shift_id)
        .expect("stored");
    let want = live.shift().clone();
    drop(live); // the app stops here (the writer saves its last batch on drop)
    eprintln!(
        "12-h shift: {} packets, {beats} beats, store {} kB",
        packets.len(),
        std::fs::metadata(&path).map_or(0, |m| m.len()) / 1_000
    );
    let resumed = RunningShift::resume(Store::open(&path).expect("store"), id).expect("resume");
    // The rebuilt model is the live one (core/tests/resume.rs checks every event).
    assert_eq!(resumed.shift().load(), want.load(), "the same model state");
    assert_eq!(resumed.shift().last_activation(), want.last_activation());

    let mut g = c.benchmark_group("resume");
    g.sample_size(10);
    g.bench_function("replay_12h_shift", |b| {
        b.iter(|| {
            let s = RunningShift::resume(Store::open(&path).expect("store"), id).expect("resume");
            black_box(s.shift().load())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
