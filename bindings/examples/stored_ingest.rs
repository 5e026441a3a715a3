//! The Kotlin stored-path bench (`STEADY_BENCH=stored tests/kotlin/run
//! bench`, `IngestBench.kt`) without the JVM: the same packet stream, the
//! same stored shift (`SteadyStore::start_shift` on a temporary file), the
//! same C entry point the Kotlin `DirectIngest` calls
//! (`steady_direct_ingest`, the events returned in a caller's buffer),
//! paced 5 ms apart and unpaced. Run it beside the Kotlin bench, under the
//! same load, to see what JNA, decoding the events in Kotlin and the JVM
//! add on top of the bindings and the core:
//!
//!     cargo run --release -p steady-ffi --example stored_ingest
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // benches may fail loudly
// The CPU clocks are libc calls, the entry point is the C one.
#![allow(unsafe_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use steady_ffi::{
    LiveShift, SteadyStore, default_shift_config, steady_direct_ingest, steady_direct_release,
};

const T0: i64 = 1_764_000_000_000;
const WARMUP: usize = 60_000;
const ROUNDS: usize = 15;
const CALLS: usize = 20_000;
const PACE: Duration = Duration::from_millis(5);
const PACED_CALLS: usize = 7_200;
const PACED_WARMUP: usize = 20_000;

fn cpu_ns(clock: libc::clockid_t) -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and out-pointer.
    assert_eq!(unsafe { libc::clock_gettime(clock, &mut ts) }, 0);
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}

fn thread_ns() -> i64 {
    cpu_ns(libc::CLOCK_THREAD_CPUTIME_ID)
}

fn process_ns() -> i64 {
    cpu_ns(libc::CLOCK_PROCESS_CPUTIME_ID)
}

/// IngestBench.kt's `packets`: one a second, one or two RR each.
fn packets(n: usize) -> Vec<(i64, Vec<u8>)> {
    let mut beat_end = T0 as f64;
    let mut k = 0u64;
    (0..n)
        .map(|i| {
            let send = T0 + (i as i64 + 1) * 1000;
            let mut b = vec![0x16u8, 66];
            while beat_end + 900.0 < send as f64 {
                let kf = k as f64;
                let rr = 900.0 + 40.0 * (kf * 0.7).sin() + 25.0 * (kf * 0.05).sin();
                beat_end += rr;
                k += 1;
                b.extend_from_slice(&((rr * 1.024).round() as u16).to_le_bytes());
            }
            (send, b)
        })
        .collect()
}

/// Calls whose events came back (the Kotlin bench's "events on ... of the
/// calls").
static WITH_EVENTS: AtomicU64 = AtomicU64::new(0);

/// The caller's buffer for a call's events, as `DirectIngest` keeps one.
const CAP: usize = 4096;

fn ingest(handle: u64, (t, p): &(i64, Vec<u8>), out: &mut [u8; CAP]) {
    // SAFETY: a live handle, `p.len()` bytes at `p`, CAP bytes at `out`.
    let n = unsafe {
        steady_direct_ingest(
            handle,
            *t,
            p.as_ptr() as usize as u64,
            p.len() as i32,
            out.as_mut_ptr() as usize as u64,
            CAP as i32,
        )
    };
    assert!((0..=CAP as i32).contains(&n), "{n}");
    if n > 0 {
        WITH_EVENTS.fetch_add(1, Ordering::Relaxed);
    }
}

/// A stored shift in a fresh temporary store and a direct handle; `body`
/// gets the handle and a buffer for the events.
fn with_shift(body: impl FnOnce(u64, &mut [u8; CAP])) {
    let dir = tempfile::tempdir().unwrap();
    let store = SteadyStore::open(dir.path().join("steady.db").display().to_string()).unwrap();
    let shift: Arc<LiveShift> = store.start_shift(T0, default_shift_config()).unwrap();
    let handle = Arc::clone(&shift).direct_handle();
    body(handle, &mut [0; CAP]);
    // SAFETY: released once.
    unsafe { steady_direct_release(handle) };
}

fn paced() {
    let p = packets(PACED_WARMUP + PACED_CALLS);
    with_shift(|h, out| {
        p[..PACED_WARMUP].iter().for_each(|x| ingest(h, x, out));
        std::thread::sleep(Duration::from_millis(200));
        let mut per_call: Vec<i64> = Vec::with_capacity(PACED_CALLS);
        let calls0 = WITH_EVENTS.load(Ordering::Relaxed);
        let (p0, t0, w0) = (process_ns(), thread_ns(), Instant::now());
        for (k, x) in p[PACED_WARMUP..].iter().enumerate() {
            let c = thread_ns();
            ingest(h, x, out);
            per_call.push(thread_ns() - c);
            if let Some(rest) = (PACE * (k as u32 + 1)).checked_sub(w0.elapsed()) {
                std::thread::sleep(rest);
            }
        }
        std::thread::sleep(Duration::from_millis(25));
        let (process, caller) = (process_ns() - p0, thread_ns() - t0);
        let n = PACED_CALLS as f64;
        let mean = per_call.iter().sum::<i64>() as f64 / n / 1e3;
        per_call.sort_unstable();
        println!(
            "rust, stored shift, paced 5 ms apart ({PACED_CALLS} packets; steady_direct_ingest, events returned on {:.3} of the calls): calling thread CPU in ingest mean {mean:.2} us/packet (median {:.2}, p99 {:.2}) = {:.1} ms per shift-hour; whole process, pauses included, {:.2} us/packet (other threads {:.2}) = {:.1} ms per shift-hour",
            (WITH_EVENTS.load(Ordering::Relaxed) - calls0) as f64 / n,
            per_call[PACED_CALLS / 2] as f64 / 1e3,
            per_call[PACED_CALLS * 99 / 100] as f64 / 1e3,
            mean * 3.6,
            process as f64 / n / 1e3,
            (process - caller) as f64 / n / 1e3,
            process as f64 / n / 1e3 * 3.6,
        );
    });
}

fn unpaced() {
    let p = packets(WARMUP + ROUNDS * CALLS);
    with_shift(|h, out| {
        p[..WARMUP].iter().for_each(|x| ingest(h, x, out));
        let (mut cpu, mut wall) = (Vec::new(), Vec::new());
        let p0 = process_ns();
        for r in 0..ROUNDS {
            let (c0, w0) = (thread_ns(), Instant::now());
            let at = WARMUP + r * CALLS;
            p[at..at + CALLS].iter().for_each(|x| ingest(h, x, out));
            cpu.push((thread_ns() - c0) as f64 / CALLS as f64 / 1e3);
            wall.push(w0.elapsed().as_secs_f64() * 1e6 / CALLS as f64);
        }
        let process = (process_ns() - p0) as f64 / (ROUNDS * CALLS) as f64 / 1e3;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let (cm, wm) = (mean(&cpu), mean(&wall));
        cpu.sort_by(f64::total_cmp);
        wall.sort_by(f64::total_cmp);
        println!(
            "rust, stored shift, unpaced, steady_direct_ingest, events returned: wall mean {wm:.2} us/call (median {:.2}, best {:.2}), thread CPU mean {cm:.2} us/call (median {:.2}, best {:.2}) over {ROUNDS} rounds of {CALLS} calls; whole process {process:.2} us/call",
            wall[ROUNDS / 2],
            wall[0],
            cpu[ROUNDS / 2],
            cpu[0],
        );
    });
}

fn main() {
    paced();
    unpaced();
}
