//! 0x2A37 decoding for the shells' pairing screen ("strap found, 62 bpm")
//! before a shift starts. During a shift the shells never decode: they hand
//! the raw bytes to the live shift.
//!
//! The record types are steady-core's own (derived behind its `uniffi`
//! feature, like every other core type the shells see).

use steady_core::hrm::{self, HeartRateMeasurement};

use crate::SteadyError;
use crate::edge::guard;

impl From<hrm::HrmError> for SteadyError {
    fn from(e: hrm::HrmError) -> Self {
        SteadyError::InvalidInput {
            reason: e.to_string(),
        }
    }
}

/// Decodes one Heart Rate Measurement notification. A malformed packet is a
/// [`SteadyError::InvalidInput`], never a crash.
#[uniffi::export]
pub fn decode_heart_rate_measurement(packet: Vec<u8>) -> Result<HeartRateMeasurement, SteadyError> {
    guard(|| Ok(hrm::decode(&packet)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_packet_with_rr() {
        let m = decode_heart_rate_measurement(vec![0x10, 60, 0x00, 0x04]).unwrap();
        assert_eq!(m.heart_rate_bpm, 60);
        assert_eq!(m.rr_1024, vec![1024]);
    }

    #[test]
    fn malformed_packets_are_typed_errors() {
        for bad in [vec![], vec![0x01, 60], vec![0x10, 60, 0x00]] {
            let err = decode_heart_rate_measurement(bad.clone()).unwrap_err();
            assert!(
                matches!(err, SteadyError::InvalidInput { .. }),
                "{bad:?} -> {err:?}"
            );
        }
    }
}
