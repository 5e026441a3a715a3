//! The shift chart (`steady summary ID --svg OUT`, and the demo): heart rate,
//! the baseline gauge with its state bands, the unrecovered-load curve,
//! prompts and resets, on one time axis.
//!
//! Why SVG through plotters: it needs no font files or native libraries (the
//! SVG text is laid out by the viewer), so the same chart renders on a
//! headless CI machine and diffs as text. [`ShiftChart`] is plain data so the
//! callers (store, demo) fill it from the core's records and this module
//! only draws.

use plotters::coord::Shift;
use plotters::prelude::*;
use steady_core::Millis;
use steady_core::beats::Beat;
use steady_core::reset::EffectVerdict;
use steady_core::shift::ShiftEvent;
use steady_core::store::{SampleKind, ShiftRecord, Store};

/// Bin width of the HR line (beats are averaged per bin).
const HR_BIN_MS: Millis = 10_000;
/// A state lasts until the next refresh, at most this long (a longer silence
/// is a gap, not a state).
const MAX_STATE_SPAN_MS: Millis = 15_000;

/// A stretch of one state (as the core names it: "baseline", "elevated",
/// "activated", "recovering", "active", "no_signal").
#[derive(Debug, Clone, PartialEq)]
pub struct StateSpan {
    /// Start.
    pub start_ms: Millis,
    /// End (exclusive).
    pub end_ms: Millis,
    /// State name.
    pub state: String,
}

/// A guided reset on the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ResetMark {
    /// Start.
    pub start_ms: Millis,
    /// End.
    pub end_ms: Millis,
    /// Short verdict ("calmer", "no change", ...).
    pub label: String,
}

/// Everything the chart shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShiftChart {
    /// Title line.
    pub title: String,
    /// Time axis start.
    pub start_ms: Millis,
    /// Time axis end.
    pub end_ms: Millis,
    /// Heart rate, bpm.
    pub hr: Vec<(Millis, f64)>,
    /// Baseline gauge, 0-100.
    pub gauge: Vec<(Millis, f64)>,
    /// State bands.
    pub states: Vec<StateSpan>,
    /// Unrecovered load, spread-minutes.
    pub load: Vec<(Millis, f64)>,
    /// When a reset was offered.
    pub prompts: Vec<Millis>,
    /// Resets done.
    pub resets: Vec<ResetMark>,
    /// Stretches without a strap connection.
    pub gaps: Vec<(Millis, Millis)>,
}

/// Short text of a reset verdict.
pub fn verdict_label(v: EffectVerdict) -> &'static str {
    match v {
        EffectVerdict::Calmer => "calmer",
        EffectVerdict::MoreActivated => "more activated",
        EffectVerdict::NoMeasurableChange => "no change",
        EffectVerdict::NotMeasurable => "not measurable",
    }
}

/// Heart rate per [`HR_BIN_MS`] bin, from beats (60000 / mean RR).
pub fn hr_from_beats(beats: &[Beat]) -> Vec<(Millis, f64)> {
    let mut out = Vec::new();
    let mut bin: Option<(Millis, f64, u32)> = None;
    for b in beats
        .iter()
        .filter(|b| b.rr_ms.is_finite() && b.rr_ms > 0.0)
    {
        let key = b.t_ms.div_euclid(HR_BIN_MS);
        match &mut bin {
            Some((k, sum, n)) if *k == key => {
                *sum += b.rr_ms;
                *n += 1;
            }
            _ => {
                if let Some((k, sum, n)) = bin.take() {
                    out.push((k * HR_BIN_MS + HR_BIN_MS / 2, 60_000.0 * f64::from(n) / sum));
                }
                bin = Some((key, b.rr_ms, 1));
            }
        }
    }
    if let Some((k, sum, n)) = bin {
        out.push((k * HR_BIN_MS + HR_BIN_MS / 2, 60_000.0 * f64::from(n) / sum));
    }
    out
}

impl ShiftChart {
    /// The chart of a shift from the model's events (gauge refreshes, state,
    /// load, prompts, resets, signal gaps) and an HR series.
    pub fn from_events(
        title: String,
        start_ms: Millis,
        end_ms: Millis,
        events: &[ShiftEvent],
        hr: Vec<(Millis, f64)>,
    ) -> Self {
        let mut c = ShiftChart {
            title,
            start_ms,
            end_ms,
            hr,
            ..ShiftChart::default()
        };
        let mut last_state: Option<(Millis, String)> = None;
        for ev in events {
            match ev {
                ShiftEvent::Gauge { update } => {
                    if let Some(g) = update.gauge {
                        c.gauge.push((update.t_ms, g));
                    }
                    c.load.push((update.t_ms, update.load));
                    let state = update.state.as_str().to_owned();
                    if let Some((t0, s0)) = last_state.take() {
                        let end = update.t_ms.min(t0 + MAX_STATE_SPAN_MS);
                        push_span(&mut c.states, t0, end, s0);
                    }
                    last_state = Some((update.t_ms, state));
                }
                ShiftEvent::PromptOffered { prompt } => c.prompts.push(prompt.t_ms),
                ShiftEvent::ResetScored { effect } => c.resets.push(ResetMark {
                    start_ms: effect.started_ms,
                    end_ms: effect.finished_ms,
                    label: verdict_label(effect.verdict).to_owned(),
                }),
                ShiftEvent::SignalRestored { t_ms, gap_ms } => {
                    c.gaps.push((t_ms - gap_ms, *t_ms));
                }
                _ => {}
            }
        }
        if let Some((t0, s0)) = last_state {
            push_span(&mut c.states, t0, (t0 + MAX_STATE_SPAN_MS).min(end_ms), s0);
        }
        if c.end_ms <= c.start_ms {
            c.end_ms = c.start_ms + 60_000;
        }
        c
    }

    /// The chart of a stored shift. Gauge refreshes are not stored (they
    /// follow from the beats), so the model is run again over what was
    /// stored (`steady_core::recorder::rebuild_events`: beats, HR readings
    /// and the user's actions, deterministic) and its events are drawn.
    pub fn from_store(store: &Store, rec: &ShiftRecord) -> anyhow::Result<Self> {
        let events = steady_core::recorder::rebuild_events(store, rec)?;
        let beats = store.beats(rec.id)?;
        let mut hr = hr_from_beats(&beats);
        if hr.is_empty() {
            hr = store
                .samples(rec.id, SampleKind::Hr)?
                .iter()
                .map(|s| (s.t_ms, f64::from(s.value)))
                .collect();
        }
        let last_t = [
            rec.ended_ms,
            store.last_data_t(rec.id)?,
            beats.last().map(|b| b.t_ms),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(rec.started_ms);
        let title = format!(
            "Shift {}{}",
            rec.id,
            rec.label
                .as_ref()
                .map(|l| format!(" - {l}"))
                .unwrap_or_default()
        );
        Ok(Self::from_events(
            title,
            rec.started_ms,
            last_t,
            &events,
            hr,
        ))
    }
}

/// Appends a span, merging it with the previous one when the state is the
/// same and they touch.
fn push_span(spans: &mut Vec<StateSpan>, start_ms: Millis, end_ms: Millis, state: String) {
    if end_ms <= start_ms {
        return;
    }
    if let Some(last) = spans.last_mut()
        && last.state == state
        && last.end_ms >= start_ms
    {
        last.end_ms = last.end_ms.max(end_ms);
        return;
    }
    spans.push(StateSpan {
        start_ms,
        end_ms,
        state,
    });
}

/// Chart errors.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// Nothing to draw on.
    #[error("empty time range ({start_ms} .. {end_ms})")]
    EmptyRange {
        /// Start.
        start_ms: Millis,
        /// End.
        end_ms: Millis,
    },
    /// plotters failed (drawing into a String cannot fail for I/O reasons).
    #[error("drawing the chart: {0}")]
    Draw(String),
}

fn draw_err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Draw(e.to_string())
}

/// Band colour of a state.
fn state_colour(state: &str) -> RGBColor {
    match state {
        "baseline" => RGBColor(0xc8, 0xe6, 0xc9),
        "recovering" => RGBColor(0xb2, 0xeb, 0xf2),
        "elevated" => RGBColor(0xff, 0xf1, 0x76),
        "activated" => RGBColor(0xff, 0xab, 0x91),
        "active" => RGBColor(0xbb, 0xde, 0xfb),
        _ => RGBColor(0xe0, 0xe0, 0xe0),
    }
}

const PROMPT: RGBColor = RGBColor(0xef, 0x6c, 0x00);
const RESET: RGBColor = RGBColor(0x00, 0x83, 0x8f);
const GAP: RGBColor = RGBColor(0x9e, 0x9e, 0x9e);

/// Renders the chart as an SVG document.
pub fn render_svg(chart: &ShiftChart) -> Result<String, ChartError> {
    if chart.end_ms <= chart.start_ms {
        return Err(ChartError::EmptyRange {
            start_ms: chart.start_ms,
            end_ms: chart.end_ms,
        });
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 760)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let root = root
            .titled(&chart.title, ("sans-serif", 22))
            .map_err(draw_err)?;
        let panels = root.split_evenly((3, 1));
        let minutes = |t: Millis| (t - chart.start_ms) as f64 / 60_000.0;
        let x_max = minutes(chart.end_ms);

        let (hr_lo, hr_hi) = chart
            .hr
            .iter()
            .map(|p| p.1)
            .filter(|v| v.is_finite())
            .fold(None, |acc: Option<(f64, f64)>, v| {
                Some(acc.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
            })
            .unwrap_or((50.0, 100.0));
        // At least 20 bpm of range, so a steady heart does not look jagged.
        let pad = ((20.0 - (hr_hi - hr_lo)) / 2.0).max(0.0) + 5.0;
        let load_hi = chart
            .load
            .iter()
            .map(|p| p.1)
            .fold(f64::NAN, f64::max)
            .max(5.0);

        let specs: [(&str, f64, f64); 3] = [
            ("heart rate (bpm)", (hr_lo - pad).max(0.0), hr_hi + pad),
            (
                "gauge (0-100); bands: green baseline, yellow elevated, red activated, \
                 cyan recovering, blue active, grey no strap; orange = prompt, teal = reset",
                0.0,
                100.0,
            ),
            ("unrecovered load (spread-min)", 0.0, load_hi * 1.1),
        ];
        for (i, (area, (label, y0, y1))) in panels.iter().zip(specs).enumerate() {
            draw_panel(chart, area, i, label, (0.0, x_max), (y0, y1), &minutes)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// Renders the chart and writes it to `path`.
pub fn write_svg(chart: &ShiftChart, path: &std::path::Path) -> anyhow::Result<()> {
    let svg = render_svg(chart)?;
    std::fs::write(path, svg).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
    Ok(())
}

fn draw_panel(
    chart: &ShiftChart,
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    index: usize,
    label: &str,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    minutes: &dyn Fn(Millis) -> f64,
) -> Result<(), ChartError> {
    let mut c = ChartBuilder::on(area)
        .margin(8)
        .x_label_area_size(if index == 2 { 30 } else { 18 })
        .y_label_area_size(50)
        .caption(label, ("sans-serif", 15))
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    let mut mesh = c.configure_mesh();
    mesh.light_line_style(WHITE.mix(0.0));
    if index == 2 {
        mesh.x_desc("minutes since start");
    }
    mesh.draw().map_err(draw_err)?;

    // State bands behind everything (HR and gauge panels).
    if index < 2 {
        c.draw_series(chart.states.iter().map(|s| {
            Rectangle::new(
                [(minutes(s.start_ms), y0), (minutes(s.end_ms), y1)],
                state_colour(&s.state).mix(0.6).filled(),
            )
        }))
        .map_err(draw_err)?;
    }
    c.draw_series(chart.gaps.iter().map(|&(a, b)| {
        Rectangle::new([(minutes(a), y0), (minutes(b), y1)], GAP.mix(0.35).filled())
    }))
    .map_err(draw_err)?;
    c.draw_series(chart.resets.iter().map(|r| {
        Rectangle::new(
            [(minutes(r.start_ms), y0), (minutes(r.end_ms), y1)],
            RESET.mix(0.35).filled(),
        )
    }))
    .map_err(draw_err)?;

    match index {
        0 => {
            c.draw_series(LineSeries::new(
                chart.hr.iter().map(|&(t, v)| (minutes(t), v)),
                RGBColor(0xc6, 0x28, 0x28).stroke_width(1),
            ))
            .map_err(draw_err)?;
        }
        1 => {
            c.draw_series(LineSeries::new(
                chart.gauge.iter().map(|&(t, v)| (minutes(t), v)),
                BLACK.stroke_width(2),
            ))
            .map_err(draw_err)?;
        }
        _ => {
            c.draw_series(AreaSeries::new(
                chart.load.iter().map(|&(t, v)| (minutes(t), v)),
                0.0,
                RGBColor(0x5e, 0x35, 0xb1).mix(0.3),
            ))
            .map_err(draw_err)?;
            c.draw_series(LineSeries::new(
                chart.load.iter().map(|&(t, v)| (minutes(t), v)),
                RGBColor(0x5e, 0x35, 0xb1).stroke_width(2),
            ))
            .map_err(draw_err)?;
        }
    }

    c.draw_series(chart.prompts.iter().map(|&t| {
        PathElement::new(
            vec![(minutes(t), y0), (minutes(t), y1)],
            PROMPT.stroke_width(2),
        )
    }))
    .map_err(draw_err)?;
    if index == 1 {
        // Name the marks once, on the gauge panel.
        c.draw_series(chart.prompts.iter().map(|&t| {
            Text::new(
                "prompt",
                (minutes(t), y1 - (y1 - y0) * 0.08),
                ("sans-serif", 11).into_font().color(&PROMPT),
            )
        }))
        .map_err(draw_err)?;
        c.draw_series(chart.resets.iter().map(|r| {
            Text::new(
                format!("reset: {}", r.label),
                (minutes(r.start_ms), y0 + (y1 - y0) * 0.12),
                ("sans-serif", 11).into_font().color(&RESET),
            )
        }))
        .map_err(draw_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ShiftChart {
        let min = 60_000;
        ShiftChart {
            title: "Shift 1".into(),
            start_ms: 0,
            end_ms: 30 * min,
            hr: (0..30).map(|m| (m * min, 70.0 + m as f64)).collect(),
            gauge: (0..30).map(|m| (m * min, (m * 3) as f64)).collect(),
            states: vec![
                StateSpan {
                    start_ms: 0,
                    end_ms: 10 * min,
                    state: "baseline".into(),
                },
                StateSpan {
                    start_ms: 10 * min,
                    end_ms: 30 * min,
                    state: "activated".into(),
                },
            ],
            load: (0..30)
                .map(|m| (m * min, (m.max(10) - 10) as f64))
                .collect(),
            prompts: vec![20 * min],
            resets: vec![ResetMark {
                start_ms: 21 * min,
                end_ms: 21 * min + 30_000,
                label: "calmer".into(),
            }],
            gaps: vec![(25 * min, 26 * min)],
        }
    }

    #[test]
    fn svg_has_the_three_panels_and_the_marks() {
        let svg = render_svg(&sample()).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        for text in [
            "Shift 1",
            "heart rate (bpm)",
            "gauge (0-100)",
            "unrecovered load (spread-min)",
            "minutes since start",
            "prompt",
            "reset: calmer",
        ] {
            assert!(svg.contains(text), "missing {text}");
        }
        // HR, gauge and load lines are polylines; bands are rects with the
        // state colours.
        assert!(svg.matches("<polyline").count() >= 3);
        assert!(svg.contains("#C8E6C9") || svg.contains("#c8e6c9"));
        assert!(svg.contains("#FFAB91") || svg.contains("#ffab91"));
    }

    #[test]
    fn hr_bins_average_beats() {
        let beats: Vec<Beat> = [(1_000, 1000.0), (2_000, 1000.0), (11_000, 500.0)]
            .iter()
            .map(|&(t_ms, rr_ms)| Beat {
                t_ms,
                rr_ms,
                corrected: false,
            })
            .collect();
        assert_eq!(hr_from_beats(&beats), vec![(5_000, 60.0), (15_000, 120.0)]);
    }

    #[test]
    fn events_become_bands_lines_and_marks() {
        use steady_core::activation::ActivationState;
        use steady_core::shift::GaugeUpdate;
        let g = |t_ms, gauge, state| ShiftEvent::Gauge {
            update: GaugeUpdate {
                t_ms,
                gauge: Some(gauge),
                state,
                load: gauge / 10.0,
                hr_bpm: None,
                ln_rmssd: None,
                rmssd_ms: None,
                beats: 0,
                quality: steady_core::shift::WindowQuality::Gaps,
                distance: None,
                score: None,
                physical: false,
                learning: false,
            },
        };
        let events = vec![
            g(0, 10.0, ActivationState::Baseline),
            g(5_000, 12.0, ActivationState::Baseline),
            g(10_000, 70.0, ActivationState::Activated),
            ShiftEvent::SignalRestored {
                t_ms: 40_000,
                gap_ms: 20_000,
            },
        ];
        let c = ShiftChart::from_events("t".into(), 0, 60_000, &events, vec![]);
        assert_eq!(c.gauge.len(), 3);
        assert_eq!(c.load.last(), Some(&(10_000, 7.0)));
        let spans: Vec<_> = c
            .states
            .iter()
            .map(|s| (s.start_ms, s.end_ms, s.state.as_str()))
            .collect();
        assert_eq!(
            spans,
            vec![(0, 10_000, "baseline"), (10_000, 25_000, "activated")]
        );
        assert_eq!(c.gaps, vec![(20_000, 40_000)]);
    }

    #[test]
    fn empty_range_is_an_error_not_a_panic() {
        let c = ShiftChart::default();
        assert!(matches!(render_svg(&c), Err(ChartError::EmptyRange { .. })));
    }

    #[test]
    fn no_data_still_draws_axes() {
        let c = ShiftChart {
            title: "empty".into(),
            start_ms: 0,
            end_ms: 60_000,
            ..ShiftChart::default()
        };
        let svg = render_svg(&c).unwrap();
        assert!(svg.contains("heart rate (bpm)"));
    }
}
