//! BLE Heart Rate Measurement (characteristic 0x2A37) and Body Sensor
//! Location (0x2A38): the bytes a standard heart-rate strap sends.
//!
//! Wire format (Bluetooth Heart Rate Service 1.0, all little-endian):
//! flags byte; bit 0 = heart rate is uint16 (else uint8); bits 1-2 = sensor
//! contact (bit 2 = feature supported, bit 1 = contact detected); bit 3 =
//! energy expended (uint16 kJ) present; bit 4 = one or more RR intervals
//! (uint16 each, 1/1024 s) follow. Bits 5-7 are reserved and ignored.
//!
//! Two edge cases where independent decoders disagree are decided here (and
//! in `docs/formats.md`):
//! - RR flag set but no RR bytes: accepted as zero RR intervals. The heart
//!   rate is intact, and refusing the packet would throw it away for nothing.
//! - An odd number of bytes after the fixed fields while the RR flag is set
//!   (half an RR interval), or any byte left over without the RR flag: the
//!   packet is rejected with [`HrmError::TrailingBytes`]. Such a packet means
//!   the framing is wrong (for instance a wrong uint16 flag shifts every RR by
//!   one byte), so none of its RR values can be trusted; the caller records a
//!   dropped packet (a gap) instead of splicing doubtful beats into the stream.

/// Sensor-contact feature of the strap (flags bits 1-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum SensorContact {
    /// The strap does not report skin contact.
    Unsupported,
    /// Supported, and the strap is not touching skin.
    NotDetected,
    /// Supported, and contact is detected.
    Detected,
}

/// One decoded 0x2A37 notification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HeartRateMeasurement {
    /// Heart rate in beats per minute (uint8 or uint16 on the wire).
    pub heart_rate_bpm: u16,
    pub sensor_contact: SensorContact,
    /// Cumulative energy expended in kJ, when the strap sends it.
    pub energy_expended_kj: Option<u16>,
    /// RR intervals exactly as sent, in 1/1024 s.
    pub rr_1024: Vec<u16>,
}

/// Why a 0x2A37 or 0x2A38 value could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HrmError {
    /// The value is empty: not even a flags byte.
    #[error("empty heart rate measurement")]
    Empty,
    /// The flags announce a field that the packet is too short to hold.
    #[error("truncated heart rate measurement: {field} needs {needed} bytes, {len} present")]
    Truncated {
        /// Field that does not fit ("heart rate", "energy expended").
        field: &'static str,
        /// Bytes the packet would need up to the end of that field.
        needed: usize,
        /// Bytes actually present.
        len: usize,
    },
    /// Bytes left over that cannot be an RR interval (odd count with the RR
    /// flag set, or any byte without it).
    #[error("heart rate measurement has {extra} unexpected trailing byte(s) (RR flag {rr_flag})")]
    TrailingBytes {
        /// Number of bytes that do not fit the announced layout.
        extra: usize,
        /// Whether the RR-interval flag was set.
        rr_flag: bool,
    },
    /// A Body Sensor Location value that is not exactly one byte.
    #[error("body sensor location must be 1 byte, got {len}")]
    BadLocationLength {
        /// Length received.
        len: usize,
    },
}

const FLAG_HR_U16: u8 = 0x01;
const FLAG_CONTACT_DETECTED: u8 = 0x02;
const FLAG_CONTACT_SUPPORTED: u8 = 0x04;
const FLAG_ENERGY: u8 = 0x08;
const FLAG_RR: u8 = 0x10;

/// Milliseconds in one 1/1024 s unit.
pub const MS_PER_RR_UNIT: f64 = 1000.0 / 1024.0;

/// Converts an RR interval in 1/1024 s to milliseconds, exactly (no rounding).
pub fn rr_1024_to_ms(rr: u16) -> f64 {
    f64::from(rr) * MS_PER_RR_UNIT
}

/// A decoded measurement that borrows the packet: no allocation, so the live
/// path can decode every notification without touching the heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HrmView<'a> {
    /// Heart rate in bpm.
    pub heart_rate_bpm: u16,
    /// Sensor contact state.
    pub sensor_contact: SensorContact,
    /// Energy expended in kJ when present.
    pub energy_expended_kj: Option<u16>,
    rr_bytes: &'a [u8],
}

impl<'a> HrmView<'a> {
    /// RR intervals in 1/1024 s, in the order sent.
    pub fn rr_1024(&self) -> impl ExactSizeIterator<Item = u16> + Clone + 'a {
        self.rr_bytes.chunks_exact(2).map(|c| {
            u16::from_le_bytes([
                c.first().copied().unwrap_or(0),
                c.get(1).copied().unwrap_or(0),
            ])
        })
    }

    /// RR intervals in ms, in the order sent.
    pub fn rr_ms(&self) -> impl ExactSizeIterator<Item = f64> + Clone + 'a {
        self.rr_1024().map(rr_1024_to_ms)
    }

    /// Copies the view into an owned [`HeartRateMeasurement`].
    pub fn to_owned_measurement(&self) -> HeartRateMeasurement {
        HeartRateMeasurement {
            heart_rate_bpm: self.heart_rate_bpm,
            sensor_contact: self.sensor_contact,
            energy_expended_kj: self.energy_expended_kj,
            rr_1024: self.rr_1024().collect(),
        }
    }
}

fn read_u16(bytes: &[u8], at: usize, field: &'static str) -> Result<u16, HrmError> {
    match (bytes.get(at), bytes.get(at + 1)) {
        (Some(&lo), Some(&hi)) => Ok(u16::from_le_bytes([lo, hi])),
        _ => Err(HrmError::Truncated {
            field,
            needed: at + 2,
            len: bytes.len(),
        }),
    }
}

/// Decodes a 0x2A37 value without allocating.
pub fn decode_view(bytes: &[u8]) -> Result<HrmView<'_>, HrmError> {
    let (&flags, _) = bytes.split_first().ok_or(HrmError::Empty)?;
    let mut at = 1;
    let heart_rate_bpm = if flags & FLAG_HR_U16 != 0 {
        let v = read_u16(bytes, at, "heart rate")?;
        at += 2;
        v
    } else {
        let v = bytes.get(at).copied().ok_or(HrmError::Truncated {
            field: "heart rate",
            needed: 2,
            len: bytes.len(),
        })?;
        at += 1;
        u16::from(v)
    };
    let sensor_contact = match (
        flags & FLAG_CONTACT_SUPPORTED != 0,
        flags & FLAG_CONTACT_DETECTED != 0,
    ) {
        (false, _) => SensorContact::Unsupported,
        (true, false) => SensorContact::NotDetected,
        (true, true) => SensorContact::Detected,
    };
    let energy_expended_kj = if flags & FLAG_ENERGY != 0 {
        let v = read_u16(bytes, at, "energy expended")?;
        at += 2;
        Some(v)
    } else {
        None
    };
    let rest = bytes.get(at..).unwrap_or(&[]);
    let rr_flag = flags & FLAG_RR != 0;
    let extra = if rr_flag { rest.len() % 2 } else { rest.len() };
    if extra != 0 {
        return Err(HrmError::TrailingBytes { extra, rr_flag });
    }
    Ok(HrmView {
        heart_rate_bpm,
        sensor_contact,
        energy_expended_kj,
        rr_bytes: if rr_flag { rest } else { &[] },
    })
}

/// Decodes a 0x2A37 value into an owned measurement.
pub fn decode(bytes: &[u8]) -> Result<HeartRateMeasurement, HrmError> {
    decode_view(bytes).map(|v| v.to_owned_measurement())
}

impl HeartRateMeasurement {
    /// Decodes a 0x2A37 value (see [`decode`]).
    pub fn decode(bytes: &[u8]) -> Result<Self, HrmError> {
        decode(bytes)
    }

    /// Encodes this measurement as a strap would, into `out` (cleared first).
    /// The heart rate uses uint8 when it fits, uint16 otherwise; the RR flag
    /// is set exactly when there is at least one RR interval. A strap can send
    /// more RR values than fit one ATT payload; splitting them is the
    /// transport's job, not the encoder's.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.clear();
        let mut flags = 0u8;
        let hr8 = u8::try_from(self.heart_rate_bpm).ok();
        if hr8.is_none() {
            flags |= FLAG_HR_U16;
        }
        flags |= match self.sensor_contact {
            SensorContact::Unsupported => 0,
            SensorContact::NotDetected => FLAG_CONTACT_SUPPORTED,
            SensorContact::Detected => FLAG_CONTACT_SUPPORTED | FLAG_CONTACT_DETECTED,
        };
        if self.energy_expended_kj.is_some() {
            flags |= FLAG_ENERGY;
        }
        if !self.rr_1024.is_empty() {
            flags |= FLAG_RR;
        }
        out.push(flags);
        match hr8 {
            Some(v) => out.push(v),
            None => out.extend_from_slice(&self.heart_rate_bpm.to_le_bytes()),
        }
        if let Some(e) = self.energy_expended_kj {
            out.extend_from_slice(&e.to_le_bytes());
        }
        for rr in &self.rr_1024 {
            out.extend_from_slice(&rr.to_le_bytes());
        }
    }

    /// Encodes this measurement into a new byte vector (see [`Self::encode_into`]).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(5 + 2 * self.rr_1024.len());
        self.encode_into(&mut out);
        out
    }

    /// RR intervals in milliseconds (exact conversion of the 1/1024 s units).
    pub fn rr_ms(&self) -> impl ExactSizeIterator<Item = f64> + Clone + '_ {
        self.rr_1024.iter().map(|&r| rr_1024_to_ms(r))
    }
}

/// Body Sensor Location (0x2A38): where the strap sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodySensorLocation {
    Other,
    Chest,
    Wrist,
    Finger,
    Hand,
    EarLobe,
    Foot,
    /// A value the specification reserves for future use (kept, not refused).
    Reserved(u8),
}

impl BodySensorLocation {
    /// Decodes the one-byte 0x2A38 value. Reserved values are kept as
    /// [`BodySensorLocation::Reserved`]: the location is informative only.
    pub fn decode(bytes: &[u8]) -> Result<Self, HrmError> {
        match bytes {
            [b] => Ok(Self::from_u8(*b)),
            _ => Err(HrmError::BadLocationLength { len: bytes.len() }),
        }
    }

    /// Maps the wire value to a location.
    pub fn from_u8(b: u8) -> Self {
        match b {
            0 => Self::Other,
            1 => Self::Chest,
            2 => Self::Wrist,
            3 => Self::Finger,
            4 => Self::Hand,
            5 => Self::EarLobe,
            6 => Self::Foot,
            other => Self::Reserved(other),
        }
    }

    /// The wire value.
    pub fn to_u8(self) -> u8 {
        match self {
            Self::Other => 0,
            Self::Chest => 1,
            Self::Wrist => 2,
            Self::Finger => 3,
            Self::Hand => 4,
            Self::EarLobe => 5,
            Self::Foot => 6,
            Self::Reserved(b) => b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn contact() -> impl Strategy<Value = SensorContact> {
        prop_oneof![
            Just(SensorContact::Unsupported),
            Just(SensorContact::NotDetected),
            Just(SensorContact::Detected)
        ]
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity(
            hr in any::<u16>(),
            c in contact(),
            e in proptest::option::of(any::<u16>()),
            rr in proptest::collection::vec(any::<u16>(), 0..9),
        ) {
            let m = HeartRateMeasurement { heart_rate_bpm: hr, sensor_contact: c, energy_expended_kj: e, rr_1024: rr };
            let bytes = m.encode();
            prop_assert_eq!(decode(&bytes), Ok(m));
        }

        #[test]
        fn decode_never_panics_and_reencodes_stably(bytes in proptest::collection::vec(any::<u8>(), 0..24)) {
            if let Ok(m) = decode(&bytes) {
                // Decoding the canonical encoding gives the same measurement.
                prop_assert_eq!(decode(&m.encode()), Ok(m));
            }
        }
    }

    #[test]
    fn rr_flag_without_rr_bytes_is_empty_list() {
        let m = decode(&[0x10, 72]).unwrap();
        assert_eq!(m.heart_rate_bpm, 72);
        assert!(m.rr_1024.is_empty());
    }

    #[test]
    fn odd_trailing_byte_is_an_error() {
        assert_eq!(
            decode(&[0x10, 72, 0x33, 0x03, 0x44]),
            Err(HrmError::TrailingBytes {
                extra: 1,
                rr_flag: true
            })
        );
        assert_eq!(
            decode(&[0x00, 72, 0x33]),
            Err(HrmError::TrailingBytes {
                extra: 1,
                rr_flag: false
            })
        );
    }

    #[test]
    fn truncated_fields_are_errors() {
        assert_eq!(decode(&[]), Err(HrmError::Empty));
        assert!(matches!(decode(&[0x00]), Err(HrmError::Truncated { .. })));
        assert!(matches!(
            decode(&[0x01, 1]),
            Err(HrmError::Truncated { .. })
        ));
        assert!(matches!(
            decode(&[0x08, 60, 1]),
            Err(HrmError::Truncated {
                field: "energy expended",
                ..
            })
        ));
    }

    #[test]
    fn contact_bit1_without_support_bit_is_unsupported() {
        assert_eq!(
            decode(&[0x02, 60]).unwrap().sensor_contact,
            SensorContact::Unsupported
        );
    }

    #[test]
    fn body_sensor_location() {
        assert_eq!(
            BodySensorLocation::decode(&[1]),
            Ok(BodySensorLocation::Chest)
        );
        assert_eq!(
            BodySensorLocation::decode(&[9]),
            Ok(BodySensorLocation::Reserved(9))
        );
        assert!(BodySensorLocation::decode(&[]).is_err());
        assert!(BodySensorLocation::decode(&[1, 2]).is_err());
        for b in 0..=255u8 {
            assert_eq!(BodySensorLocation::from_u8(b).to_u8(), b);
        }
    }
}
