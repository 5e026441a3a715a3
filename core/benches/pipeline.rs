//! Throughput of the live path: decode 0x2A37 packets + time + clean +
//! rolling HRV (+ a gauge snapshot every 5 s), on a 12-hour shift built by
//! repeating the real Polar H10 sample (../shared/data/polar-h10) and
//! encoding it into packets the way a strap sends them (one notification
//! per second carrying the RR intervals that ended since the last one).
//!
//! Run: `cargo bench -p steady-core --bench pipeline`
use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use steady_core::hrm::{HeartRateMeasurement, SensorContact};
use steady_core::pipeline::BeatPipeline;

fn shift_packets() -> (Vec<(i64, Vec<u8>)>, u64) {
    let dir = match std::env::var_os("STEADY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
    };
    let path = dir.join("polar-h10/sample_rr_ms.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let rr: Vec<u16> = text
        .lines()
        .filter_map(|l| l.trim().parse::<f64>().ok())
        .map(|ms| (ms * 1.024).round() as u16)
        .collect();
    let twelve_h_ms = 12.0 * 3600.0 * 1000.0;
    let mut packets = Vec::new();
    let mut t_beat = 0.0f64; // end of the last beat, ms
    let mut next_packet = 1000.0f64;
    let mut pending: Vec<u16> = Vec::new();
    let mut beats = 0u64;
    'outer: loop {
        for &r in &rr {
            let end = t_beat + f64::from(r) * 1000.0 / 1024.0;
            while end > next_packet {
                let m = HeartRateMeasurement {
                    heart_rate_bpm: 62,
                    sensor_contact: SensorContact::Detected,
                    energy_expended_kj: None,
                    rr_1024: std::mem::take(&mut pending),
                };
                packets.push((next_packet as i64, m.encode()));
                next_packet += 1000.0;
            }
            pending.push(r);
            beats += 1;
            t_beat = end;
            if t_beat >= twelve_h_ms {
                break 'outer;
            }
        }
    }
    (packets, beats)
}

fn bench(c: &mut Criterion) {
    let (packets, beats) = shift_packets();
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
