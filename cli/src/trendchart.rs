//! The arc across shifts as a chart (`steady trend --svg OUT`): one panel
//! per drift figure, one point per shift, the 7-day rolling mean as a line
//! and the normal range (28-day mean +- the smallest worthwhile change) as
//! a shaded band, both as of each shift's end. Quick returns are marked.
//!
//! Drawn with plotters' SVG backend, as the shift chart (`chart.rs`): no
//! font files or native libraries needed.
use plotters::prelude::*;
use steady_core::Millis;
use steady_core::drift::{Direction, Figure, ShiftArc};

const DAY_MS: f64 = 86_400_000.0;
const POINT: RGBColor = RGBColor(0x37, 0x47, 0x4f);
const MEAN: RGBColor = RGBColor(0x5e, 0x35, 0xb1);
const BAND: RGBColor = RGBColor(0x81, 0xc7, 0x84);
const QUICK: RGBColor = RGBColor(0xef, 0x6c, 0x00);

fn draw_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing the trend chart: {e}")
}

/// Renders the arc as an SVG document. Fails on an arc without shifts.
pub fn render_svg(arc: &ShiftArc, title: &str) -> anyhow::Result<String> {
    let first = arc
        .points
        .first()
        .ok_or_else(|| anyhow::anyhow!("no shifts to chart"))?;
    let t0: Millis = first.shift.start_ms;
    let days = |t: Millis| (t - t0) as f64 / DAY_MS;
    let x_max = arc
        .points
        .iter()
        .map(|p| days(p.shift.end_ms))
        .fold(1.0, f64::max)
        + 0.5;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1100, 900)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let root = root.titled(title, ("sans-serif", 20)).map_err(draw_err)?;
        let (legend, root) = root.split_vertically(24);
        legend
            .draw(&Text::new(
                "dots: shifts (orange = after a quick return, under 11 h off); line: 7-day mean; \
                 green band: normal range (28-day mean +- half an SD), each as of that shift's end",
                (10, 4),
                ("sans-serif", 13).into_font().color(&POINT),
            ))
            .map_err(draw_err)?;
        let panels = root.split_evenly((3, 2));
        for (area, figure) in panels.iter().zip(Figure::ALL) {
            let idx = Figure::ALL.iter().position(|&f| f == figure).unwrap_or(0);
            let values: Vec<(f64, f64, bool)> = arc
                .points
                .iter()
                .filter_map(|p| {
                    figure
                        .of(&p.shift)
                        .map(|v| (days(p.shift.end_ms), v, p.shift.quick_return))
                })
                .collect();
            let bands: Vec<(f64, f64, f64, Option<f64>)> =
                arc.points
                    .iter()
                    .filter_map(|p| {
                        let f = p.figures.iter().find(|f| f.figure == figure)?;
                        let (lo, hi) = f.normal_range()?;
                        (f.normal_shifts as usize >= steady_core::drift::MIN_NORMAL_SHIFTS)
                            .then_some((days(p.shift.end_ms), lo, hi, f.week_mean))
                    })
                    .collect();
            let all = values
                .iter()
                .map(|v| v.1)
                .chain(bands.iter().flat_map(|b| [b.1, b.2]));
            let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
            let (lo, hi) = if lo.is_finite() && hi.is_finite() {
                let pad = ((hi - lo) * 0.1).max(figure.resolution());
                (lo - pad, hi + pad)
            } else {
                (0.0, 1.0)
            };
            let direction = arc
                .drift
                .as_ref()
                .and_then(|d| d.figures.iter().find(|f| f.figure == figure))
                .map_or(Direction::NotEnough, |f| f.direction);
            let caption = format!(
                "{} - this week: {}",
                figure.name(),
                match direction {
                    Direction::Usual => "usual",
                    Direction::Worse => "moved the worse way",
                    Direction::Better => "moved the better way",
                    Direction::NotEnough => "not enough shifts",
                }
            );
            let mut c = ChartBuilder::on(area)
                .margin(10)
                .x_label_area_size(if idx >= 4 { 30 } else { 20 })
                .y_label_area_size(50)
                .caption(caption, ("sans-serif", 14))
                .build_cartesian_2d(0.0..x_max, lo..hi)
                .map_err(draw_err)?;
            let mut mesh = c.configure_mesh();
            mesh.light_line_style(WHITE.mix(0.0));
            if idx >= 4 {
                mesh.x_desc("days since the first shift shown");
            }
            mesh.draw().map_err(draw_err)?;
            if bands.len() >= 2 {
                let outline: Vec<(f64, f64)> = bands
                    .iter()
                    .map(|b| (b.0, b.2))
                    .chain(bands.iter().rev().map(|b| (b.0, b.1)))
                    .collect();
                c.draw_series(std::iter::once(Polygon::new(
                    outline,
                    BAND.mix(0.35).filled(),
                )))
                .map_err(draw_err)?;
            }
            c.draw_series(LineSeries::new(
                bands.iter().filter_map(|b| b.3.map(|m| (b.0, m))),
                MEAN.stroke_width(2),
            ))
            .map_err(draw_err)?;
            c.draw_series(values.iter().map(|&(x, v, quick)| {
                let colour = if quick { QUICK } else { POINT };
                Circle::new((x, v), 4, colour.filled())
            }))
            .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_core::drift::{ShiftPoint, arc};

    #[test]
    fn draws_every_panel_with_its_band_and_refuses_nothing_to_draw() {
        let day = 86_400_000;
        let pts: Vec<ShiftPoint> = (0..10)
            .map(|d| ShiftPoint {
                shift_id: d,
                start_ms: d * day,
                end_ms: d * day + day / 2,
                calm_hr_bpm: Some(60.0 + (d % 3) as f64),
                load_end: Some(1.0),
                quick_return: d == 4,
                ..ShiftPoint::default()
            })
            .collect();
        let svg = render_svg(&arc(&pts, 0), "test").unwrap();
        assert!(svg.contains("calm HR (bpm) - this week: usual"), "{svg}");
        assert!(svg.contains("median recovery (s) - this week: not enough shifts"));
        assert!(svg.contains("<polygon"), "normal range band drawn");
        assert_eq!(svg.matches("<circle").count(), 20, "10 HR + 10 load points");
        assert!(render_svg(&arc(&[], 0), "x").is_err());
    }
}
