//! Streaming beat cleaning. CONTRACT SKELETON: the pipeline work fills it in.
use crate::Millis;

/// One heartbeat interval after cleaning.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Beat {
    /// End time of the beat (the R peak that closes the interval) on the input clock.
    pub t_ms: Millis,
    /// Interval length in ms (after correction when `corrected`).
    pub rr_ms: f64,
    /// True when the cleaner replaced or interpolated this interval.
    pub corrected: bool,
}
