//! The model's view of a recording, shared by `analyze`, `replay`, `demo`
//! and `evaluate`: run a [`Shift`] over the recording's inputs and keep the
//! gauge timeline, the prompts and the summary.
use std::fmt::Write as _;

use steady_core::Millis;
use steady_core::activation::ActivationState;
use steady_core::prompt::PromptReason;
use steady_core::shift::{GaugeUpdate, ShiftEvent};
use steady_core::summary::ShiftSummary;

use super::common::{clock, num};

/// One gauge refresh in `analyze --json`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TimelinePoint {
    /// Seconds since the start of the recording.
    pub t_s: f64,
    /// Unix time (s), when the recording has an absolute clock.
    pub t_unix: Option<f64>,
    pub hr_bpm: Option<f64>,
    pub ln_rmssd: Option<f64>,
    /// The continuous activation score: signed distance in own spreads
    /// against the shift's reference baseline, which does not move during
    /// the shift (`None` without signal; docs/model.md §3).
    pub activation: Option<f64>,
    /// The 0-100 display gauge, against the baseline in use (`None`
    /// without signal).
    pub gauge: Option<f64>,
    pub state: ActivationState,
    /// Unrecovered load, spread-minutes.
    pub load: f64,
}

/// One prompt in `analyze --json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PromptPoint {
    pub t_s: f64,
    pub t_unix: Option<f64>,
    /// Why it fired, in words.
    pub reason: String,
    /// Why it fired, as numbers.
    pub detail: PromptReason,
}

/// What the model made of a recording.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ModelRun {
    pub timeline: Vec<TimelinePoint>,
    pub prompts: Vec<PromptPoint>,
    pub summary: ShiftSummary,
}

/// A recording's times as seconds since its start (and as unix seconds when
/// its clock is absolute).
#[derive(Debug, Clone, Copy)]
pub struct RecordingTime {
    pub origin_ms: Millis,
    /// True when the recording's clock is unix time.
    pub absolute: bool,
}

impl RecordingTime {
    #[cfg(test)]
    pub fn of(rec: &steady_core::formats::Recording) -> Self {
        Self {
            origin_ms: rec.origin_ms,
            absolute: rec.start_unix_ms.is_some(),
        }
    }

    pub fn t_s(&self, t_ms: Millis) -> f64 {
        (t_ms - self.origin_ms) as f64 / 1000.0
    }

    pub fn t_unix(&self, t_ms: Millis) -> Option<f64> {
        self.absolute.then(|| t_ms as f64 / 1000.0)
    }
}

/// Accumulates a [`ModelRun`] from shift events.
#[derive(Debug, Clone)]
pub struct Collector {
    clock: RecordingTime,
    /// Keep every gauge refresh (`analyze --json`); text output does not
    /// print them, so it does not keep them either (memory).
    pub keep_timeline: bool,
    pub timeline: Vec<TimelinePoint>,
    pub prompts: Vec<PromptPoint>,
    pub summary: Option<ShiftSummary>,
}

impl Collector {
    pub fn new(clock: RecordingTime) -> Self {
        Self {
            clock,
            keep_timeline: true,
            timeline: Vec::new(),
            prompts: Vec::new(),
            summary: None,
        }
    }

    pub fn point(&self, u: &GaugeUpdate) -> TimelinePoint {
        TimelinePoint {
            t_s: self.clock.t_s(u.t_ms),
            t_unix: self.clock.t_unix(u.t_ms),
            hr_bpm: u.hr_bpm,
            ln_rmssd: u.ln_rmssd,
            activation: u.score,
            gauge: u.gauge,
            state: u.state,
            load: u.load,
        }
    }

    pub fn take(&mut self, e: &ShiftEvent) {
        match e {
            ShiftEvent::Gauge { update } if self.keep_timeline => {
                let p = self.point(update);
                self.timeline.push(p);
            }
            ShiftEvent::PromptOffered { prompt } => self.prompts.push(PromptPoint {
                t_s: self.clock.t_s(prompt.t_ms),
                t_unix: self.clock.t_unix(prompt.t_ms),
                reason: prompt.reason.describe(),
                detail: prompt.reason,
            }),
            ShiftEvent::Ended { summary } => self.summary = Some(summary.clone()),
            _ => {}
        }
    }

    pub fn finish(self) -> Option<ModelRun> {
        Some(ModelRun {
            timeline: self.timeline,
            prompts: self.prompts,
            summary: self.summary?,
        })
    }
}

/// The shift inputs of a recording (everything it has). Tests only: the
/// commands read recordings as they stream ([`steady_core::feed::Stream`]).
#[cfg(test)]
pub fn inputs(rec: &steady_core::formats::Recording) -> Vec<steady_core::shift::ShiftInput> {
    steady_core::feed::inputs(rec, &Default::default())
}

/// Run the model over a whole recording as a fresh person (tests).
#[cfg(test)]
pub fn run_model(rec: &steady_core::formats::Recording) -> Option<ModelRun> {
    let mut shift = steady_core::shift::Shift::new(Default::default());
    let mut c = Collector::new(RecordingTime::of(rec));
    for i in inputs(rec) {
        for e in &shift.handle(&i).events {
            c.take(e);
        }
    }
    c.finish()
}

/// The gauge as a bar of `width` cells.
pub fn bar(gauge: Option<f64>, width: usize) -> String {
    match gauge {
        Some(g) if g.is_finite() => {
            let n = ((g.clamp(0.0, 100.0) / 100.0) * width as f64).round() as usize;
            format!("{}{}", "#".repeat(n), ".".repeat(width.saturating_sub(n)))
        }
        _ => " ".repeat(width),
    }
}

/// One live line of the model (gauge, state, load).
pub fn gauge_line(u: &GaugeUpdate) -> String {
    format!(
        "gauge {:>3} [{}] {:<10} load {:>6}",
        num(u.gauge, 0),
        bar(u.gauge, 20),
        u.state.as_str(),
        format!("{:.1}", u.load),
    )
}

/// The summary in words.
pub fn summary_text(s: &ShiftSummary) -> String {
    let mut o = String::new();
    let t = &s.time_in;
    let pct = |x: f64| {
        if s.duration_s > 0.0 {
            100.0 * x / s.duration_s
        } else {
            0.0
        }
    };
    let _ = writeln!(o, "Shift summary ({})", clock(s.duration_s));
    let b = &s.baseline;
    let _ = writeln!(
        o,
        "  baseline        HR {:.0} +- {:.1} bpm, lnRMSSD {} +- {} ({}{})",
        b.hr_bpm,
        b.hr_spread_bpm,
        num(b.ln_rmssd, 2),
        num(b.ln_rmssd_spread, 2),
        match b.source {
            steady_core::baseline::BaselineSource::Population => "population prior",
            steady_core::baseline::BaselineSource::CalmestStretch => "calm minutes of this shift",
            steady_core::baseline::BaselineSource::SeatedCheck => "seated check",
            steady_core::baseline::BaselineSource::Personal => "personal, 28 days",
        },
        if b.learning {
            ", learning your baseline"
        } else {
            ""
        }
    );
    let _ = writeln!(
        o,
        "  time            baseline {} ({:.0} %), elevated {} ({:.0} %), activated {} ({:.0} %), active {} ({:.0} %), recovering {} ({:.0} %), no signal {} ({:.0} %)",
        clock(t.baseline_s),
        pct(t.baseline_s),
        clock(t.elevated_s),
        pct(t.elevated_s),
        clock(t.activated_s),
        pct(t.activated_s),
        clock(t.active_s),
        pct(t.active_s),
        clock(t.recovering_s),
        pct(t.recovering_s),
        clock(t.no_signal_s),
        pct(t.no_signal_s),
    );
    let _ = writeln!(
        o,
        "  returns         {} returns to baseline; longest stretch without one {}",
        s.returns_to_baseline,
        clock(s.longest_without_return_s)
    );
    let _ = writeln!(
        o,
        "  load            start {:.1}, end {:.1}, peak {:.1} (spread-minutes)",
        s.load_start, s.load_end, s.load_peak
    );
    if let Some(c) = &s.load_carry {
        let _ = writeln!(
            o,
            "  carried in      {:.1} of the previous shift's {:.1}: {:.0} h off{}, {:.0} h of sleep assumed (not measured)",
            c.carried,
            c.previous_load_end,
            c.off_shift_h,
            if c.quick_return {
                " (a quick return)"
            } else {
                ""
            },
            c.assumed_sleep_h
        );
    }
    let r = &s.recovery;
    let _ = writeln!(
        o,
        "  recovery        {} activation episodes: {} back to baseline (median {} from peak), {} not before the next one or the end{}",
        r.episodes.len(),
        r.recovered,
        r.median_recovery_s.map_or("-".to_string(), clock),
        r.not_recovered,
        match r
            .episodes
            .len()
            .saturating_sub((r.recovered + r.not_recovered) as usize)
        {
            0 => String::new(),
            n => format!(", {n} interrupted (moving or no signal)"),
        }
    );
    let _ = writeln!(
        o,
        "  prompts         {} offered, {} taken, {} snoozed, {} dismissed",
        s.prompts_offered, s.prompts_taken, s.prompts_snoozed, s.prompts_dismissed
    );
    for r in &s.resets {
        let _ = writeln!(
            o,
            "  reset           {}: delta lnRMSSD {}, delta HR {} bpm: {:?}",
            r.protocol_id,
            num(r.delta_ln_rmssd, 2),
            num(r.delta_hr_bpm, 1),
            r.verdict
        );
    }
    let q = &s.signal;
    let _ = writeln!(
        o,
        "  signal          {} beats ({} corrected, {}), {} HR samples, {} gaps ({} total, longest {})",
        q.beats,
        q.corrected_beats,
        q.corrected_share
            .map_or("-".to_string(), |c| format!("{:.1} %", 100.0 * c)),
        q.hr_samples,
        q.gaps,
        clock(q.gap_total_s),
        clock(q.longest_gap_s)
    );
    if s.trend.previous_shifts > 0 {
        let _ = writeln!(
            o,
            "  trend           vs {} earlier shifts: activated share {:+.0} points, peak load {:+.1}",
            s.trend.previous_shifts,
            100.0 * s.trend.activated_share_change.unwrap_or(0.0),
            s.trend.load_peak_change.unwrap_or(0.0)
        );
    } else {
        let _ = writeln!(o, "  trend           no earlier shifts yet");
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_core::beats::TimedRr;
    use steady_core::formats::Recording;

    #[test]
    fn bar_scales_and_blanks() {
        assert_eq!(bar(Some(50.0), 10), "#####.....");
        assert_eq!(bar(Some(150.0), 4), "####");
        assert_eq!(bar(None, 3), "   ");
    }

    #[test]
    fn a_recording_gives_timeline_and_summary() {
        let mut t = 0.0;
        let rr: Vec<TimedRr> = (0..700)
            .map(|i| {
                let r = 950.0 + 25.0 * ((i as f64) * 1.3).sin();
                t += r;
                TimedRr {
                    t_ms: t.round() as Millis,
                    rr_ms: r,
                }
            })
            .collect();
        let rec = Recording {
            rr,
            ..Recording::default()
        };
        let m = run_model(&rec).unwrap();
        assert!(m.timeline.len() > 100);
        assert_eq!(m.timeline[1].t_s, 10.0);
        assert_eq!(m.timeline[1].t_unix, None);
        assert!(m.prompts.is_empty());
        assert!(summary_text(&m.summary).contains("Shift summary"));
    }
}
