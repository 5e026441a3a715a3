//! Inputs shared by the benches.

use std::path::PathBuf;

use steady_core::hrm::{HeartRateMeasurement, SensorContact};

/// A 12-hour shift built by repeating the real Polar H10 sample
/// (../shared/data/polar-h10) and encoding it into packets the way a strap
/// sends them (one notification per second carrying the RR intervals that
/// ended since the last one), times in ms from 0; and its beat count.
pub fn shift_packets() -> (Vec<(i64, Vec<u8>)>, u64) {
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
