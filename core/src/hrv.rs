//! Rolling short-window HRV. CONTRACT SKELETON: the pipeline work fills it in.

/// Time-domain HRV over one window of beats.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HrvMetrics {
    /// Number of beats (NN intervals) in the window.
    pub beats: u32,
    pub mean_nn_ms: f64,
    /// Sample standard deviation (ddof = 1), as NeuroKit2.
    pub sdnn_ms: f64,
    pub rmssd_ms: f64,
    /// Natural log of RMSSD (ms).
    pub ln_rmssd: f64,
    pub pnn50_pct: f64,
    pub mean_hr_bpm: f64,
    /// Share (0..1) of beats in the window that the cleaner corrected.
    pub corrected_share: f64,
}
