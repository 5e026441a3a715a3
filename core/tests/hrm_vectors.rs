//! The decoder and encoder against 51 packets made by an independent encoder
//! (Google's Bumble 0.0.236), ../shared/data/hrm-vectors.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests and benches may fail loudly
mod common;

use steady_core::hrm::{HeartRateMeasurement, SensorContact, decode};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn all_bumble_vectors_decode_and_encode() {
    let text = common::read_shared("hrm-vectors/bumble_hrm_vectors.json");
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 51);
    for v in vectors {
        let bytes = hex(v["bytes_hex"].as_str().unwrap());
        let m = decode(&bytes).unwrap_or_else(|e| panic!("{}: {e}", v["bytes_hex"]));
        let contact = match v["sensor_contact"].as_str().unwrap() {
            "unsupported" => SensorContact::Unsupported,
            "not_detected" => SensorContact::NotDetected,
            "detected" => SensorContact::Detected,
            other => panic!("unknown contact {other}"),
        };
        let expected = HeartRateMeasurement {
            heart_rate_bpm: v["heart_rate_bpm"].as_u64().unwrap() as u16,
            sensor_contact: contact,
            energy_expended_kj: v["energy_expended_kj"].as_u64().map(|e| e as u16),
            rr_1024: v["rr_raw_1024ths"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as u16)
                .collect(),
        };
        assert_eq!(m, expected, "vector {}", v["bytes_hex"]);
        let ms: Vec<f64> = m.rr_ms().collect();
        let want: Vec<f64> = v["rr_ms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert_eq!(ms, want, "rr ms of {}", v["bytes_hex"]);
        // Our encoder produces Bumble's bytes exactly, except that Bumble
        // always uses uint16 when asked and we pick uint8 when it fits.
        let ours = expected.encode();
        assert_eq!(decode(&ours).unwrap(), expected);
        if bytes[0] & 1 == 0 || expected.heart_rate_bpm > 255 {
            assert_eq!(ours, bytes, "encoding of {}", v["bytes_hex"]);
        }
    }
}
