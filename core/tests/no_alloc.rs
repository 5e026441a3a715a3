//! Proof that the live path allocates nothing per beat once warm: a counting
//! global allocator around decode (view) + clean + rolling HRV over a real
//! recording pushed again and again. Only the counting thread's allocations
//! count: libtest's own threads (its slow-test reporter on a busy machine)
//! may allocate meanwhile.
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use steady_core::beats::{BeatCleaner, RrTimeline};
use steady_core::hrm::{HeartRateMeasurement, SensorContact, decode_view};
use steady_core::hrv::RollingHrv;

struct Counting;
thread_local! {
    /// On while this thread's allocations are counted (const-initialised, so
    /// reading it never allocates).
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn no_heap_allocation_per_beat_once_warm() {
    let rr: Vec<u16> = common::read_shared("polar-h10/sample_rr_ms.txt")
        .lines()
        .filter_map(|l| l.trim().parse::<f64>().ok())
        .map(|ms| (ms * 1.024).round() as u16)
        .collect();
    // One packet per beat, encoded beforehand (encoding allocates; the live
    // path receives bytes).
    let mut packets = Vec::new();
    for &r in &rr {
        let m = HeartRateMeasurement {
            heart_rate_bpm: 60,
            sensor_contact: SensorContact::Detected,
            energy_expended_kj: None,
            rr_1024: vec![r],
        };
        packets.push(m.encode());
    }
    let mut timeline = RrTimeline::default();
    let mut cleaner = BeatCleaner::default();
    let mut hrv = RollingHrv::default();
    let mut t: i64 = 0;
    let mut beats = 0usize;
    let mut lnsum = 0.0;
    let mut run = |count: bool| {
        COUNTING.with(|c| c.set(count));
        for p in &packets {
            let v = decode_view(p).unwrap();
            t += v.rr_ms().map(|x| x.round() as i64).sum::<i64>();
            timeline.push_packet(t, v.rr_ms(), |r| {
                for b in cleaner.push_rr(r) {
                    hrv.push(&b);
                    beats += 1;
                    if let Some(m) = hrv.metrics() {
                        lnsum += m.ln_rmssd;
                    }
                }
            });
        }
        COUNTING.with(|c| c.set(false));
    };
    run(false); // warm up: windows and buffers reach their size
    let before = ALLOCS.load(Ordering::SeqCst);
    for _ in 0..5 {
        run(true);
    }
    let after = ALLOCS.load(Ordering::SeqCst);
    assert!(beats > 3000, "{beats}");
    assert!(lnsum.is_finite());
    assert_eq!(
        after - before,
        0,
        "allocations while streaming {} beats",
        beats
    );
}
