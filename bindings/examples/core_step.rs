//! Cost of the core's own per-packet work (`Shift::handle` on a 0x2A37
//! packet) without any FFI crossing, to compare with the Kotlin figure of
//! `tests/kotlin/run bench` (bindings/README.md). Same packet stream as
//! IngestBench: one a second, one or two RR each; prints each round of 20 000
//! packets (5.5 hours of data) so growth over a long shift shows.
//!
//!     cargo run --release -p steady-ffi --example core_step
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests and benches may fail loudly
use std::time::Instant;
use steady_core::shift::{Shift, ShiftInput, ShiftSetup};
fn main() {
    let t0: i64 = 1_764_000_000_000;
    let mut s = Shift::new(ShiftSetup::default());
    s.handle(&ShiftInput::Start { t_ms: t0 });
    let mut beat_end = t0 as f64;
    let mut k = 0u64;
    let rounds = 18;
    let calls = 20_000;
    for r in 0..rounds {
        let start = Instant::now();
        for i in 0..calls {
            let idx = (r * calls + i) as i64;
            let send = t0 + (idx + 1) * 1000;
            let mut b = vec![0x16u8, 66];
            while beat_end + 900.0 < send as f64 {
                let rr = 900.0 + 40.0 * ((k as f64) * 0.7).sin() + 25.0 * ((k as f64) * 0.05).sin();
                beat_end += rr;
                k += 1;
                let u = (rr * 1.024).round() as u16;
                b.extend_from_slice(&u.to_le_bytes());
            }
            s.handle(&ShiftInput::Packet {
                t_ms: send,
                bytes: b,
            });
        }
        println!(
            "round {r}: {:.2} us/call",
            start.elapsed().as_secs_f64() * 1e6 / calls as f64
        );
    }
}
