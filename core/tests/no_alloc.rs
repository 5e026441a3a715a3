//! Proof that the live path (`Shift::handle` on strap packets, the call the
//! phones make once a second) allocates nothing once warm: a counting global
//! allocator around two hours of real packets (the Polar H10 sample encoded
//! as a strap sends it), gauge refreshes and the minute-by-minute baseline
//! from a personal history included. The packets are wrapped as inputs beforehand (the shells hand
//! bytes over; wrapping them is the FFI's copy, not the model's). Only the
//! counting thread's allocations count: libtest's own threads (its
//! slow-test reporter on a busy machine) may allocate meanwhile.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// tests and benches may fail loudly
// The counting allocator is the one unsafe in core's tree: a test harness.
#![allow(unsafe_code)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use steady_core::baseline::{BaselineHistory, BaselineSource};
use steady_core::shift::{Shift, ShiftEvent, ShiftInput, ShiftSetup, WindowQuality};

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

const T0: i64 = 1_764_000_000_000;
const DAY: i64 = 86_400_000;

/// Two hours of real packets starting at `t0`, as inputs.
fn inputs(t0: i64) -> Vec<ShiftInput> {
    let (packets, _) = common::shift_packets(2.0);
    packets
        .into_iter()
        .map(|(t, bytes)| ShiftInput::Packet {
            t_ms: t0 + t,
            bytes,
        })
        .collect()
}

/// The still minutes of a first shift the day before: the personal history
/// the counted shift's baseline is resolved from every minute.
fn yesterday() -> BaselineHistory {
    let mut s = Shift::new(ShiftSetup::default());
    for i in inputs(T0 - DAY) {
        s.handle(&i);
    }
    s.handle(&ShiftInput::End { t_ms: T0 - DAY / 2 });
    let mut h = BaselineHistory::default();
    let summary = s.summary().expect("ended");
    h.add(&summary.baseline_samples, &Default::default());
    h
}

#[test]
fn shift_handle_allocates_nothing_per_packet_or_refresh_once_warm() {
    let inputs = inputs(T0);
    // The first 20 minutes warm the windows and buffers up.
    let (warm, counted) = inputs.split_at(1_200);
    let mut shift = Shift::new(ShiftSetup {
        history: yesterday(),
        ..ShiftSetup::default()
    });
    shift.handle(&ShiftInput::Start { t_ms: T0 });
    for i in warm {
        shift.handle(i);
    }
    let (mut beats, mut gauges, mut good, mut refused) = (0usize, 0usize, 0usize, 0usize);
    let before = ALLOCS.load(Ordering::SeqCst);
    COUNTING.with(|c| c.set(true));
    for i in counted {
        let out = shift.handle(i);
        beats += out.beats.len();
        refused += usize::from(out.refusal.is_some());
        for e in &out.events {
            if let ShiftEvent::Gauge { update } = e {
                gauges += 1;
                good += usize::from(update.quality == WindowQuality::Good);
            }
        }
    }
    COUNTING.with(|c| c.set(false));
    let after = ALLOCS.load(Ordering::SeqCst);
    // The counted stretch did the whole work: beats, refreshes, HRV, and a
    // baseline from the personal history.
    assert_eq!(shift.baseline().source, BaselineSource::Personal);
    assert_eq!(refused, 0);
    assert!(beats > 5_000, "{beats} beats");
    assert!(gauges >= 1_190, "{gauges} gauge refreshes");
    assert!(good > gauges / 2, "{good} of {gauges} windows good");
    assert_eq!(
        after - before,
        0,
        "allocations over {} packets ({beats} beats, {gauges} refreshes)",
        counted.len()
    );
}
