//! The statistics of one window of the shift's data: HR (from beats or the
//! strap's HR samples), RMSSD and lnRMSSD, and the window's quality (why it
//! does or does not give an lnRMSSD). No allocation once warm: the window's
//! beats go to a scratch buffer the shift keeps.
use super::{SETTLE_MS, Shift, ShiftConfig, WindowQuality};
use crate::Millis;
use crate::beats::Beat;
use crate::hrv;

/// Beats needed in a window for an HR from beats.
const MIN_HR_BEATS: usize = 5;
/// HR samples needed in a window for an HR from samples.
const MIN_HR_SAMPLES: usize = 3;
/// RR grids too coarse for RMSSD (ms): 64 Hz (15.625 ms, the Empatica E4's
/// optical IBI), 50 Hz, 32 Hz. The Task Force (1996) asks for 250-500 Hz
/// R-peak timing; at 64 Hz the quantisation alone adds about 13 ms of RMS
/// noise to every successive difference (sqrt(2) x 15.625 / sqrt(12)), a
/// third of a typical RMSSD. Finer grids (128 Hz Holters, 1/1024 s straps)
/// pass.
const COARSE_RR_GRIDS_MS: [f64; 3] = [15.625, 20.0, 31.25];

/// Share of a window's beats that must sit on one coarse grid to call it
/// coarse (corrected beats, averages of two, may fall off the grid).
const COARSE_SHARE: f64 = 0.9;

/// True when the window's RR values sit on a grid too coarse for RMSSD.
fn coarse_rr(beats: &[Beat]) -> bool {
    if beats.is_empty() {
        return false;
    }
    COARSE_RR_GRIDS_MS.iter().any(|q| {
        let on = beats
            .iter()
            .filter(|b| {
                let k = b.rr_ms / q;
                (k - k.round()).abs() < 1e-6
            })
            .count();
        on as f64 >= COARSE_SHARE * beats.len() as f64
    })
}
/// Statistics of one window of data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct WindowStats {
    pub(super) hr_bpm: Option<f64>,
    pub(super) ln_rmssd: Option<f64>,
    pub(super) rmssd_ms: Option<f64>,
    pub(super) beats: u32,
    pub(super) quality: WindowQuality,
}

impl WindowStats {
    pub(super) const NO_SIGNAL: WindowStats = WindowStats {
        hr_bpm: None,
        ln_rmssd: None,
        rmssd_ms: None,
        beats: 0,
        quality: WindowQuality::NoSignal,
    };
}
impl Shift {
    /// The `len` ms of data complete at `at`: ending [`SETTLE_MS`] before it.
    pub(super) fn settled_window(&mut self, at: Millis, len: Millis) -> WindowStats {
        let to = at - SETTLE_MS;
        self.window(to - len, to)
    }

    /// HR, RMSSD and quality over `(from, to]` (no allocation once warm:
    /// the window's beats go to a reused scratch buffer).
    pub(super) fn window(&mut self, from: Millis, to: Millis) -> WindowStats {
        let cfg = *self.cfg();
        let mut in_w = std::mem::take(&mut self.window_beats);
        in_w.clear();
        in_w.extend(self.beats.iter().filter(|b| b.t_ms > from && b.t_ms <= to));
        let stats = self.window_stats(&in_w, from, to, &cfg);
        self.window_beats = in_w;
        stats
    }

    fn window_stats(
        &self,
        in_w: &[Beat],
        from: Millis,
        to: Millis,
        cfg: &ShiftConfig,
    ) -> WindowStats {
        let n = in_w.len();
        let hr_from_beats = if n >= MIN_HR_BEATS {
            let mean_rr = in_w.iter().map(|b| b.rr_ms).sum::<f64>() / n as f64;
            Some(60_000.0 / mean_rr)
        } else {
            None
        };
        let (hr_sum, hr_count) = self
            .hr_samples
            .iter()
            .filter(|s| s.t_ms > from && s.t_ms <= to)
            .fold((0.0, 0usize), |(sum, k), s| (sum + s.bpm, k + 1));
        let hr_from_samples = (hr_count >= MIN_HR_SAMPLES).then(|| hr_sum / hr_count as f64);
        let covered: f64 = in_w.iter().map(|b| b.rr_ms).sum();
        let coverage = covered / (to - from).max(1) as f64;
        let corrected = in_w.iter().filter(|b| b.corrected).count();
        let enough = n >= usize::try_from(cfg.min_hrv_beats).unwrap_or(usize::MAX)
            && coverage >= cfg.min_hrv_coverage;
        let quality = if n == 0 {
            if hr_count > 0 {
                WindowQuality::HrOnly
            } else {
                WindowQuality::NoSignal
            }
        } else if (corrected as f64) > cfg.max_corrected_share * n as f64 {
            WindowQuality::Artifacts
        } else if coarse_rr(in_w) {
            WindowQuality::CoarseTiming
        } else if !enough && from < self.start_ms {
            WindowQuality::WarmingUp
        } else if !enough {
            WindowQuality::Gaps
        } else {
            WindowQuality::Good
        };
        let hrv = if quality == WindowQuality::Good {
            hrv::hrv_of(in_w).filter(|m| m.rmssd_ms > 0.0 && m.ln_rmssd.is_finite())
        } else {
            None
        };
        // Beats are preferred for HR when they cover the window well.
        let hr_bpm = if coverage >= 0.5 {
            hr_from_beats.or(hr_from_samples)
        } else {
            hr_from_samples.or(hr_from_beats)
        };
        WindowStats {
            hr_bpm,
            ln_rmssd: hrv.map(|m| m.ln_rmssd),
            rmssd_ms: hrv.map(|m| m.rmssd_ms),
            beats: u32::try_from(n).unwrap_or(u32::MAX),
            quality,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarse_rr_grids_are_recognised() {
        let b = |rr: f64| Beat {
            t_ms: 0,
            rr_ms: rr,
            corrected: false,
        };
        // E4: multiples of 1/64 s
        let e4: Vec<Beat> = [687.5, 937.5, 750.0, 859.375].map(b).to_vec();
        assert!(coarse_rr(&e4));
        // a chest strap: 1/1024 s units converted exactly
        let h10: Vec<Beat> = [1001u16, 1023, 998, 1010]
            .map(|r| b(f64::from(r) * 1000.0 / 1024.0))
            .to_vec();
        assert!(!coarse_rr(&h10));
        // a 128 Hz Holter (7.8125 ms) passes
        let holter: Vec<Beat> = [703.125, 710.9375, 718.75, 695.3125].map(b).to_vec();
        assert!(!coarse_rr(&holter));
        assert!(!coarse_rr(&[]));
    }
}
