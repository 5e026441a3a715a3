//! A year of 12-hour shifts (365, about 18 million real beats) and the
//! history queries over it: the trend of key figures across shifts and the
//! shift list.
//!
//!   cargo bench -p steady-core --bench store_trend
//!
//! The database is built once (with the live writer's block layout, from
//! the 24-hour nsr2db Holter recording cut into 12-hour halves) under
//! `target/bench-data/` and reused by later runs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests and benches may fail loudly
#[path = "../tests/common/mod.rs"]
mod common;

use common::shared_data;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use steady_core::Millis;
use steady_core::beats::Beat;
use steady_core::store::schema::current_version;
use steady_core::store::{KeyFigures, ShiftSource, ShiftWriter, Store, WriterConfig};

const SHIFTS: i64 = 365;
const DAY_MS: Millis = 86_400_000;
const HALF_DAY_MS: Millis = 43_200_000;

/// nsr2db nsr001 beats on a clock starting at 0.
fn holter() -> Vec<Beat> {
    let path = shared_data().join("physionet-nsr2db/nsr2db_nsr001_rr_secs.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut vals = text.lines().filter_map(|l| l.trim().parse::<f64>().ok());
    let mut t = vals.next().unwrap_or(0.0) * 1000.0;
    vals.map(|s| {
        t += s * 1000.0;
        Beat {
            t_ms: t.round() as Millis,
            rr_ms: s * 1000.0,
            corrected: false,
        }
    })
    .collect()
}

fn build(path: &Path) {
    let beats = holter();
    let start: Millis = 1_735_689_600_000; // 2025-01-01T00:00:00Z
    let mut total = 0usize;
    for day in 0..SHIFTS {
        // Alternate the two halves of the day-long recording.
        let half = day % 2;
        let shift_start = start + day * DAY_MS;
        let offset = shift_start - half * HALF_DAY_MS;
        let mut w = ShiftWriter::start(
            Store::open(path).unwrap(),
            shift_start,
            ShiftSource::Live,
            None,
            WriterConfig::bulk(),
        )
        .unwrap();
        for b in beats
            .iter()
            .filter(|b| b.t_ms >= half * HALF_DAY_MS && b.t_ms < (half + 1) * HALF_DAY_MS)
        {
            w.push_beat(Beat {
                t_ms: b.t_ms + offset,
                ..*b
            })
            .unwrap();
            total += 1;
        }
        for k in 0..20 {
            w.push_event(
                shift_start + k * 1_800_000,
                "gauge",
                &json!({"activation": k}),
            )
            .unwrap();
        }
        let key = KeyFigures {
            duration_s: Some(43_200.0),
            activated_share: Some(0.1 + (day % 7) as f64 * 0.01),
            baseline_share: Some(0.5),
            returns_to_baseline: Some(day % 9),
            returns_per_hour: Some((day % 9) as f64 / 12.0),
            longest_without_return_s: Some(1800.0),
            load_start: Some(5.0),
            load_peak: Some(40.0 + (day % 11) as f64),
            load_end: Some(10.0),
            prompts_offered: Some(day % 4),
            prompts_taken: Some(day % 3),
            resets: Some(day % 3),
            ..Default::default()
        };
        w.finish(shift_start + HALF_DAY_MS, &json!({"day": day}), &key)
            .unwrap();
    }
    let s = Store::open(path).unwrap();
    eprintln!(
        "built {}: {SHIFTS} shifts, {total} beats, {} bytes in use ({:.2} B/beat)",
        path.display(),
        s.used_bytes().unwrap(),
        s.used_bytes().unwrap() as f64 / total as f64
    );
}

fn year_db() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("year-v{}.db", current_version()));
    let ready = path.exists()
        && Store::open(&path)
            .and_then(|s| s.trend(1000))
            .is_ok_and(|t| t.len() == SHIFTS as usize);
    if !ready {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
        build(&path);
    }
    path
}

fn bench(c: &mut Criterion) {
    let path = year_db();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.trend(365).unwrap().len(), 365);
    c.bench_function("trend of 365 twelve-hour shifts", |b| {
        b.iter(|| black_box(store.trend(black_box(365)).unwrap()))
    });
    c.bench_function("list 365 shifts", |b| {
        b.iter(|| black_box(store.shifts().unwrap()))
    });
    c.bench_function("open the year database", |b| {
        b.iter(|| black_box(Store::open(&path).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
