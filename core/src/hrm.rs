//! BLE Heart Rate Measurement (characteristic 0x2A37) and Body Sensor
//! Location (0x2A38): the bytes a standard heart-rate strap sends.
//! CONTRACT SKELETON: the pipeline work fills in decode/encode and tests.

/// Sensor-contact feature of the strap (flags bits 1-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
pub struct HeartRateMeasurement {
    /// Heart rate in beats per minute (uint8 or uint16 on the wire).
    pub heart_rate_bpm: u16,
    pub sensor_contact: SensorContact,
    /// Cumulative energy expended in kJ, when the strap sends it.
    pub energy_expended_kj: Option<u16>,
    /// RR intervals exactly as sent, in 1/1024 s.
    pub rr_1024: Vec<u16>,
}
