//! Cost of the live path, the call the phones make for every strap packet:
//! `Shift::handle` on 0x2A37 packets (decode, RR timing, cleaning, the
//! 5-s gauge refresh with its window statistics, baseline, activation,
//! load and prompts), over a 12-hour shift of real packets
//! ([`common::shift_packets`]: one a second). Criterion reports the time of
//! the whole shift and packets per second; divide by the packet count
//! printed first for the time per packet (README.md keeps the figure).
//!
//! Run: `cargo bench -p steady-core --bench pipeline`
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
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use steady_core::shift::{Shift, ShiftEvent, ShiftInput, ShiftSetup};

const T0: i64 = 1_764_000_000_000;

fn bench(c: &mut Criterion) {
    let (packets, beats) = shift_packets(12.0);
    eprintln!("12-h shift: {} packets, {} beats", packets.len(), beats);
    let inputs: Vec<ShiftInput> = packets
        .into_iter()
        .map(|(t, bytes)| ShiftInput::Packet {
            t_ms: T0 + t,
            bytes,
        })
        .collect();
    let mut g = c.benchmark_group("shift");
    g.throughput(Throughput::Elements(inputs.len() as u64));
    g.sample_size(20);
    g.bench_function("handle_packets_12h_shift", |b| {
        b.iter(|| {
            let mut s = Shift::new(ShiftSetup::default());
            s.handle(&ShiftInput::Start { t_ms: T0 });
            let mut gauges = 0u64;
            for i in &inputs {
                let out = s.handle(i);
                gauges += out
                    .events
                    .iter()
                    .filter(|e| matches!(e, ShiftEvent::Gauge { .. }))
                    .count() as u64;
            }
            black_box(gauges)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
