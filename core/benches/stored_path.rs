//! The stored path as the phones run it: every BLE packet through
//! `RunningShift::handle` (the model, and the recorder's store writer, which
//! journals the new data about every 4 s of data, one `write()`, and hands it
//! to its writer thread every 5 minutes of data to fold into SQLite), for one shift-hour
//! of real packets ([`common::shift_packets`]), into a fresh store on disk.
//!
//! Prints, per packet and per shift-hour (the targets: <= 10 us CPU per
//! packet, <= 10 ms CPU per shift-hour, all threads):
//! - the calling thread's CPU (CLOCK_THREAD_CPUTIME_ID): what the BLE
//!   thread spends;
//! - the whole process's CPU (CLOCK_PROCESS_CPUTIME_ID): the calling thread
//!   plus the writer thread's folds (each hour ends with a tick 5 s after
//!   its last packet);
//!
//! each two ways: paced (packets 5 ms apart, so the writer thread saves
//! between packets as on a phone; caches are then as cold as after a
//! pause, on a busy machine much colder than in a tight loop) and unpaced
//! (as fast as a replay: the caller waits for the writer thread at nearly
//! every save). Then where it goes: the model alone (`Shift::handle`, no
//! store, paced the same way), the number of folds (the writer thread's
//! commits, counted with `PRAGMA data_version` in a separate run) and the
//! writer thread's CPU per fold. Then, paced, the calling thread's calls
//! that wrote a journal record against the others, beside what reading the
//! thread clock twice and a bare 120-byte `write()` cost paced the same way
//! (the floor under every paced per-call figure, and the system call under
//! each record). Then criterion's wall time per unpaced shift-hour (flat
//! sampling: the mean over whole hours).
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
use steady_core::running::RunningShift;
use steady_core::shift::{Shift, ShiftEvent, ShiftInput, ShiftSetup};

const T0: Millis = 1_764_000_000_000;

/// CPU time of `clock` (the calling thread's or the whole process's).
fn cpu(clock: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a valid out-pointer.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn thread_cpu() -> Duration {
    cpu(libc::CLOCK_THREAD_CPUTIME_ID)
}

fn process_cpu() -> Duration {
    cpu(libc::CLOCK_PROCESS_CPUTIME_ID)
}

/// What one shift-hour cost.
#[derive(Default, Clone, Copy)]
struct Cost {
    wall: Duration,
    thread: Duration,
    process: Duration,
    /// Paced only: the calling thread's CPU in the calls that wrote a
    /// journal record, and how many did.
    journal_calls: Duration,
    journal_records: u32,
}

impl std::ops::AddAssign for Cost {
    fn add_assign(&mut self, o: Cost) {
        self.wall += o.wall;
        self.thread += o.thread;
        self.process += o.process;
        self.journal_calls += o.journal_calls;
        self.journal_records += o.journal_records;
    }
}

/// For scale, paced as the hours are: what reading the thread clock twice
/// costs (the floor under every paced per-call figure), and one bare
/// 120-byte append `write()` (the system call under each journal record).
fn paced_floor(dir: &std::path::Path) -> (Duration, Duration) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(dir.join("floor"))
        .expect("floor file");
    let record = [0x5a_u8; 120];
    let (mut clock, mut write) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..FLOOR_ROUNDS {
        std::thread::sleep(PACE);
        let c = thread_cpu();
        clock += thread_cpu() - c;
        std::thread::sleep(PACE);
        let c = thread_cpu();
        file.write_all(&record).expect("write");
        write += thread_cpu() - c;
    }
    (clock / FLOOR_ROUNDS, write / FLOOR_ROUNDS)
}

/// Rounds of [`paced_floor`].
const FLOOR_ROUNDS: u32 = 1000;

fn as_inputs(packets: &[(i64, Vec<u8>)]) -> Vec<ShiftInput> {
    packets
        .iter()
        .map(|(t, bytes)| ShiftInput::Packet {
            t_ms: T0 + t,
            bytes: bytes.clone(),
        })
        .collect()
}

/// A tick 5 s after the last packet: the writer hands over and commits the
/// hour's last data, so every save of the hour is measured.
fn closing_tick(inputs: &[ShiftInput]) -> ShiftInput {
    ShiftInput::Tick {
        t_ms: inputs.last().map_or(T0, ShiftInput::t_ms) + 5_000,
    }
}

/// Wall time between two packets in a paced hour: time for the writer
/// thread to commit a batch before the next packet, as on a phone where
/// packets come a second apart (18 s per shift-hour instead of 3600 s).
const PACE: Duration = Duration::from_millis(5);

/// One shift-hour into a fresh store: the cost of the packets' `handle`
/// calls and the closing tick only (opening the store and starting are not
/// counted).
///
/// `paced`: the packets come [`PACE`] apart, so (as on a phone) the caller
/// never waits for the writer thread; `thread` then counts only the
/// `handle` calls (not the pauses), and `process` is `thread` plus the
/// writer thread's CPU over the whole hour (the process's CPU minus the
/// calling thread's, pauses included). Unpaced, the hour runs as fast as it
/// can, as a replay does: the caller waits for the writer thread at nearly
/// every save.
///
/// With `count_saves`, also the number of commits the writer thread made
/// (then the times are not meant to be used).
fn one_hour(packets: &[(i64, Vec<u8>)], paced: bool, count_saves: bool) -> (Cost, u32) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut live, _) = common::start_live(&dir.path().join("steady.db"), T0);
    let mut inputs = as_inputs(packets);
    inputs.push(closing_tick(&inputs));
    // PRAGMA data_version changes when another connection (the writer
    // thread's) committed.
    let version = |live: &RunningShift| -> i64 {
        let recorder = live.recorder().expect("recorded");
        recorder.store().data_version().expect("data_version")
    };
    let mut saves = 0u32;
    let mut seen = if count_saves { version(&live) } else { 0 };
    let mut handle_cpu = Duration::ZERO;
    let journal = common::journal_files(dir.path())
        .pop()
        .expect("a live shift journals");
    let journal_len = || std::fs::metadata(&journal).expect("journal").len();
    let (mut journal_calls, mut journal_records, mut last_len) = (Duration::ZERO, 0, journal_len());
    let (w0, t0, p0) = (Instant::now(), thread_cpu(), process_cpu());
    for (k, i) in inputs.iter().enumerate() {
        let c = if paced { thread_cpu() } else { Duration::ZERO };
        std::hint::black_box(live.handle(i));
        if paced {
            let call = thread_cpu() - c;
            handle_cpu += call;
            // A record was written (the journal grew; a fold truncates it).
            let len = journal_len();
            if len > last_len {
                journal_calls += call;
                journal_records += 1;
            }
            last_len = len;
            let due = PACE * u32::try_from(k + 1).expect("fits");
            if let Some(rest) = due.checked_sub(w0.elapsed()) {
                std::thread::sleep(rest);
            }
        }
        if count_saves {
            let v = version(&live);
            saves += u32::from(v != seen);
            seen = v;
        }
    }
    if paced {
        // The closing tick's save, if it was handed over, runs meanwhile.
        std::thread::sleep(PACE * 5);
    }
    let (wall, caller, process) = (w0.elapsed(), thread_cpu() - t0, process_cpu() - p0);
    let cost = if paced {
        Cost {
            wall,
            thread: handle_cpu,
            process: handle_cpu + process.saturating_sub(caller),
            journal_calls,
            journal_records,
        }
    } else {
        Cost {
            wall,
            thread: caller,
            process,
            ..Cost::default()
        }
    };
    let error = live.recorder().and_then(ShiftRecorder::store_error);
    assert!(error.is_none(), "{error:?}");
    (cost, saves)
}

/// The model alone on the same hour (no store): calling thread CPU of the
/// `handle` calls, paced as [`one_hour`] (caches as cold) or not.
fn model_hour(packets: &[(i64, Vec<u8>)], paced: bool) -> Duration {
    let mut shift = Shift::new(ShiftSetup::default());
    shift.handle(&ShiftInput::Start { t_ms: T0 });
    let mut inputs = as_inputs(packets);
    inputs.push(closing_tick(&inputs));
    if !paced {
        // Measured as the unpaced hour is: the whole loop, one clock read.
        let t0 = thread_cpu();
        for i in &inputs {
            std::hint::black_box(shift.handle(i));
        }
        return thread_cpu() - t0;
    }
    let mut cpu = Duration::ZERO;
    let w0 = Instant::now();
    for (k, i) in inputs.iter().enumerate() {
        let c = thread_cpu();
        std::hint::black_box(shift.handle(i));
        cpu += thread_cpu() - c;
        if let Some(rest) = (PACE * u32::try_from(k + 1).expect("fits")).checked_sub(w0.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    cpu
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
    let (runs, paced_runs) = (10u32, 3u32);
    let (mut paced, mut fast) = (Cost::default(), Cost::default());
    let (mut model_paced, mut model_fast) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..paced_runs {
        paced += one_hour(&packets, true, false).0;
        model_paced += model_hour(&packets, true);
    }
    for _ in 0..runs {
        fast += one_hour(&packets, false, false).0;
        model_fast += model_hour(&packets, false);
    }
    let (_, saves) = one_hour(&packets, false, true);
    let per_h = |d: Duration, runs: u32| d.as_secs_f64() * 1e3 / f64::from(runs);
    let per_packet = |d: Duration, runs: u32| d.as_secs_f64() * 1e6 / f64::from(runs * n);
    eprintln!(
        "stored path, {n} packets per shift-hour, paced 5 ms apart (the writer thread folds between packets, as on a phone), mean of {paced_runs} hours: calling thread CPU {:.2} ms/h = {:.2} us/packet; whole process CPU (calling + writer thread) {:.2} ms/h = {:.2} us/packet",
        per_h(paced.thread, paced_runs),
        per_packet(paced.thread, paced_runs),
        per_h(paced.process, paced_runs),
        per_packet(paced.process, paced_runs),
    );
    eprintln!(
        "stored path, {n} packets per shift-hour, unpaced (as fast as a replay), mean of {runs} hours: calling thread CPU {:.2} ms/h = {:.2} us/packet; whole process CPU {:.2} ms/h = {:.2} us/packet; wall {:.2} ms/h = {:.2} us/packet",
        per_h(fast.thread, runs),
        per_packet(fast.thread, runs),
        per_h(fast.process, runs),
        per_packet(fast.process, runs),
        per_h(fast.wall, runs),
        per_packet(fast.wall, runs),
    );
    let per_save = |d: Duration, runs: u32| per_h(d, runs) * 1e3 / f64::from(saves.max(1));
    let (writer_paced, writer_fast) = (
        paced.process.saturating_sub(paced.thread),
        fast.process.saturating_sub(fast.thread),
    );
    eprintln!(
        "where it goes, per shift-hour ({saves} folds into SQLite): paced: the model alone {:.2} ms, the store on the calling thread (journal writes) {:.2} ms, the writer thread {:.2} ms = {:.1} us per fold; unpaced: the model alone {:.2} ms, the store on the calling thread {:.2} ms, the writer thread {:.2} ms = {:.1} us per fold",
        per_h(model_paced, paced_runs),
        per_h(paced.thread.saturating_sub(model_paced), paced_runs),
        per_h(writer_paced, paced_runs),
        per_save(writer_paced, paced_runs),
        per_h(model_fast, runs),
        per_h(fast.thread.saturating_sub(model_fast), runs),
        per_h(writer_fast, runs),
        per_save(writer_fast, runs),
    );

    let floor_dir = tempfile::tempdir().expect("temp dir");
    let (clock, write) = paced_floor(floor_dir.path());
    let records = paced.journal_records.max(1);
    let others = paced_runs * (n + 1) - paced.journal_records;
    eprintln!(
        "paced, the calling thread per shift-hour: {:.0} calls that wrote a journal record, {:.2} us each ({:.2} ms/h); the other {:.0} calls {:.2} us each ({:.2} ms/h). For scale, paced the same way (mean of {FLOOR_ROUNDS}): reading the thread clock twice {:.2} us (in every per-call figure), one bare 120-byte append write() {:.2} us",
        f64::from(paced.journal_records) / f64::from(paced_runs),
        paced.journal_calls.as_secs_f64() * 1e6 / f64::from(records),
        per_h(paced.journal_calls, paced_runs),
        f64::from(others) / f64::from(paced_runs),
        paced
            .thread
            .saturating_sub(paced.journal_calls)
            .as_secs_f64()
            * 1e6
            / f64::from(others.max(1)),
        per_h(paced.thread.saturating_sub(paced.journal_calls), paced_runs),
        clock.as_secs_f64() * 1e6,
        write.as_secs_f64() * 1e6,
    );

    let mut g = c.benchmark_group("stored_path");
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(u64::from(n)));
    g.bench_function("shift_hour", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| one_hour(&packets, false, false).0.wall)
                .sum()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
