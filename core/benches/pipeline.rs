//! Throughput of the live path: decode 0x2A37 packets + time + clean +
//! rolling HRV (+ a gauge snapshot every 5 s), on a 12-hour shift of real
//! packets ([`common::shift_packets`]).
//!
//! Run: `cargo bench -p steady-core --bench pipeline`
mod common;

use std::hint::black_box;

use common::shift_packets;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use steady_core::pipeline::BeatPipeline;

fn bench(c: &mut Criterion) {
    let (packets, beats) = shift_packets(12.0);
    eprintln!("12-h shift: {} packets, {} beats", packets.len(), beats);
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(beats));
    g.sample_size(20);
    g.bench_function("decode_clean_hrv_12h_shift", |b| {
        b.iter(|| {
            let mut p = BeatPipeline::default();
            let mut n = 0u64;
            let mut acc = 0.0;
            for (t, bytes) in &packets {
                let _ = p.push_packet(*t, bytes, |_| n += 1);
                if let Some(s) = p.poll(*t) {
                    acc += s.hrv.map_or(0.0, |m| m.ln_rmssd);
                }
            }
            p.finish(|_| n += 1);
            black_box((n, acc))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
