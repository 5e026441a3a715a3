//! The stored path as the phones run it: every BLE packet through
//! `RunningShift::handle` (the model and the store's recorder and writer, which commits
//! every 5 s of data), for one shift-hour of real packets
//! ([`common::shift_packets`]), into a fresh store on disk.
//!
//! Prints the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID) per packet
//! and per shift-hour, mean over the runs (the target: <= 10 us CPU per
//! packet, <= 10 ms CPU per shift-hour), then criterion's wall time per
//! shift-hour (flat sampling: the mean over whole hours, so the commits
//! every 5 s are in it, not averaged away by a median).
//!
//!   cargo bench -p steady-core --bench stored_path
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests and benches may fail loudly
// The thread CPU clock is a libc call.
#![allow(unsafe_code)]
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::shift_packets;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use steady_core::Millis;
use steady_core::recorder::ShiftRecorder;
use steady_core::shift::{ShiftEvent, ShiftInput};

const T0: Millis = 1_764_000_000_000;

/// CPU time of the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a valid out-pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// One shift-hour into a fresh store: (wall, thread CPU) of the packets'
/// `handle` calls only (opening the store and starting are not counted).
fn one_hour(packets: &[(i64, Vec<u8>)]) -> (Duration, Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut live, _) = common::start_live(&dir.path().join("steady.db"), T0);
    let inputs: Vec<ShiftInput> = packets
        .iter()
        .map(|(t, bytes)| ShiftInput::Packet {
            t_ms: T0 + t,
            bytes: bytes.clone(),
        })
        .collect();
    let (w0, c0) = (Instant::now(), thread_cpu());
    for i in &inputs {
        std::hint::black_box(live.handle(i));
    }
    let took = (w0.elapsed(), thread_cpu() - c0);
    let error = live.recorder().and_then(ShiftRecorder::store_error);
    assert!(error.is_none(), "{error:?}");
    took
}

/// A whole 12-hour live shift stored the app's way (packets, so one HR
/// sample per packet beside the beats): bytes per beat of the whole file,
/// and the JSON size of the gauge refreshes the store does not keep.
fn twelve_hours() {
    let (packets, beats) = shift_packets(12.0);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("steady.db");
    let (mut live, _) = common::start_live(&path, T0);
    let mut gauges = 0usize;
    let mut gauge_json = 0usize;
    for (t, bytes) in &packets {
        for e in &live
            .handle(&ShiftInput::Packet {
                t_ms: T0 + t,
                bytes: bytes.clone(),
            })
            .events
        {
            if matches!(e, ShiftEvent::Gauge { .. }) {
                gauges += 1;
                gauge_json += serde_json::to_string(&e).expect("json").len();
            }
        }
    }
    let end = T0 + packets.last().map_or(0, |p| p.0) + 1_000;
    live.end(end).expect("end");
    drop(live);
    // Whole file after the last connection closed (WAL checkpointed into it).
    let file = std::fs::metadata(&path).expect("db").len();
    eprintln!(
        "12-h live shift: {} packets, {beats} beats: file {file} bytes = {:.2} B/beat (beats, one HR sample per packet, events, indexes, schema); {gauges} gauge refreshes = {:.2} MB of JSON ({:.1}x the file), not stored",
        packets.len(),
        file as f64 / beats as f64,
        gauge_json as f64 / 1e6,
        gauge_json as f64 / file as f64,
    );
}

fn bench(c: &mut Criterion) {
    twelve_hours();
    let (packets, _) = shift_packets(1.0);
    let n = packets.len() as u32;
    let runs = 10u32;
    let (mut wall, mut cpu) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..runs {
        let (w, c) = one_hour(&packets);
        wall += w;
        cpu += c;
    }
    eprintln!(
        "stored path, {n} packets per shift-hour, mean of {runs} hours: thread CPU {:.2} ms/h = {:.2} us/packet; wall {:.2} ms/h = {:.2} us/packet",
        cpu.as_secs_f64() * 1e3 / f64::from(runs),
        cpu.as_secs_f64() * 1e6 / f64::from(runs * n),
        wall.as_secs_f64() * 1e3 / f64::from(runs),
        wall.as_secs_f64() * 1e6 / f64::from(runs * n),
    );

    let mut g = c.benchmark_group("stored_path");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(u64::from(n)));
    g.bench_function("shift_hour", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| one_hour(&packets).0).sum())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
