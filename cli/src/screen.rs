//! The live terminal screen of `steady live` (ratatui).
//!
//! Split in two so it can be tested without a terminal: [`LiveView`] is the
//! plain state the screen shows (filled by `cmd::live` from link events and
//! the core's shift model), [`draw`] renders it. The screen never computes
//! physiology; it shows what the core said.

use std::collections::VecDeque;

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize as _};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Gauge, Paragraph, Sparkline, Wrap};
use steady_core::Millis;
use steady_core::reset::{BreathKind, ResetProtocol};

/// How many HR values the sparkline keeps (one per packet: ~2 min).
const HR_HISTORY: usize = 120;

/// The link as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkStatus {
    /// Looking for the strap / first connection.
    Connecting,
    /// Streaming.
    Connected,
    /// Lost; reconnecting (attempt number).
    Reconnecting(u32),
}

/// A guided reset in progress: the core's protocol, from a start time.
#[derive(Debug, Clone, PartialEq)]
pub struct Pacer {
    /// What to breathe (phases from `steady_core::reset`).
    pub protocol: ResetProtocol,
    /// When the reset started.
    pub started_ms: Millis,
}

/// Where a pacer stands at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct PacerPosition {
    /// The phase now.
    pub kind: BreathKind,
    /// Lung fill, 0 (empty) to 1 (full), for the animation.
    pub fill: f64,
    /// Seconds left in this phase (rounded up).
    pub phase_left_s: u32,
    /// Seconds left in the whole reset (rounded up).
    pub total_left_s: u32,
}

/// The instruction shown for a phase.
pub fn breath_label(kind: BreathKind) -> &'static str {
    match kind {
        BreathKind::Inhale => "breathe in",
        BreathKind::TopUpInhale => "a little more in",
        BreathKind::Exhale => "breathe out slowly",
        BreathKind::Hold => "hold",
    }
}

impl Pacer {
    /// The position at `now`, or `None` once the reset is over (or before it
    /// started, should the clock step back).
    pub fn at(&self, now: Millis) -> Option<PacerPosition> {
        let elapsed = u64::try_from(now.checked_sub(self.started_ms)?).ok()?;
        let total = self.protocol.total_ms();
        if elapsed >= total {
            return None;
        }
        let mut start = 0u64;
        let mut fill: f64 = 0.0;
        for phase in &self.protocol.phases {
            let len = u64::from(phase.duration_ms);
            // Where the lungs are at the end of this phase: a top-up inhale
            // adds the last bit, as in a cyclic sigh.
            let target = match phase.kind {
                BreathKind::Inhale => Some(if len <= 2000 { 0.8 } else { 1.0 }),
                BreathKind::TopUpInhale => Some(1.0),
                BreathKind::Exhale => Some(0.0),
                BreathKind::Hold => None,
            };
            if elapsed < start + len {
                let into = (elapsed - start) as f64 / len.max(1) as f64;
                let fill_now = match target {
                    Some(t) => fill + (t - fill) * into,
                    None => fill,
                };
                return Some(PacerPosition {
                    kind: phase.kind,
                    fill: fill_now.clamp(0.0, 1.0),
                    phase_left_s: ceil_s(start + len - elapsed),
                    total_left_s: ceil_s(total - elapsed),
                });
            }
            if let Some(t) = target {
                fill = t;
            }
            start += len;
        }
        None
    }
}

fn ceil_s(ms: u64) -> u32 {
    u32::try_from(ms.div_ceil(1000)).unwrap_or(u32::MAX)
}

/// Everything the live screen shows.
#[derive(Debug, Clone)]
pub struct LiveView {
    /// Strap name and address.
    pub strap: String,
    /// Link state.
    pub link: LinkStatus,
    /// When the shift started (for the elapsed clock).
    pub started_ms: Millis,
    /// The screen's "now" (the last tick).
    pub now_ms: Millis,
    /// Last heart rate from the strap, bpm.
    pub hr_bpm: Option<u16>,
    /// RR intervals of the last packet, ms.
    pub last_rr_ms: Vec<f64>,
    hr_history: VecDeque<u64>,
    /// Baseline gauge 0-100 from the core; `None` while it is learning.
    pub gauge: Option<f64>,
    /// True while the core's baseline is not yet personal.
    pub learning: bool,
    /// State word from the core ("baseline", "elevated", "activated",
    /// "recovering", "active", "no signal").
    pub state: Option<String>,
    /// Unrecovered load (spread-minutes) from the core.
    pub load: Option<f64>,
    /// A prompt the core offered and the user has not answered yet.
    pub prompt: Option<String>,
    /// A guided reset in progress.
    pub pacer: Option<Pacer>,
    /// Quiet mode ("on a call"): the model offers no prompts.
    pub quiet: bool,
    /// Last line of news ("reset: calmer", "strap lost" ...).
    pub status: Option<String>,
    /// Packets received and link losses, for the footer.
    pub packets: u64,
    /// Link losses so far.
    pub gaps: u64,
}

impl LiveView {
    /// An empty view for `strap`, started at `now`.
    pub fn new(strap: String, now: Millis) -> Self {
        Self {
            strap,
            link: LinkStatus::Connecting,
            started_ms: now,
            now_ms: now,
            hr_bpm: None,
            last_rr_ms: Vec::new(),
            hr_history: VecDeque::with_capacity(HR_HISTORY),
            gauge: None,
            learning: true,
            state: None,
            load: None,
            prompt: None,
            pacer: None,
            quiet: false,
            status: None,
            packets: 0,
            gaps: 0,
        }
    }

    /// A decoded packet arrived.
    pub fn on_heart_rate(&mut self, hr_bpm: u16, rr_ms: Vec<f64>) {
        self.packets += 1;
        self.hr_bpm = Some(hr_bpm);
        self.last_rr_ms = rr_ms;
        if self.hr_history.len() == HR_HISTORY {
            self.hr_history.pop_front();
        }
        self.hr_history.push_back(u64::from(hr_bpm));
    }

    /// HR history, oldest first (for the sparkline).
    pub fn hr_history(&self) -> Vec<u64> {
        self.hr_history.iter().copied().collect()
    }
}

fn mmss(ms: Millis) -> String {
    let s = ms.max(0) / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

fn state_color(state: Option<&str>) -> Color {
    match state {
        Some("baseline") => Color::Green,
        Some("recovering") => Color::Cyan,
        Some("elevated") => Color::Yellow,
        Some("activated") => Color::Red,
        Some("active") => Color::Blue,
        _ => Color::Gray,
    }
}

/// Renders the whole screen.
pub fn draw(frame: &mut Frame, view: &LiveView) {
    let has_banner = view.prompt.is_some() || view.pacer.is_some();
    let [header, hr, gauge, state, banner, spark, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(3),
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Length(if has_banner { 5 } else { 0 }),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());

    let link = match &view.link {
        LinkStatus::Connecting => Span::styled("connecting", Style::new().fg(Color::Yellow)),
        LinkStatus::Connected => Span::styled("connected", Style::new().fg(Color::Green)),
        LinkStatus::Reconnecting(n) => Span::styled(
            format!("strap lost - reconnecting (try {n})"),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("Steady ", Style::new().bold()),
            Span::raw(format!("{}  ", view.strap)),
            link,
            Span::raw(format!("  {}", mmss(view.now_ms - view.started_ms))),
        ])),
        header,
    );

    let hr_text = match view.hr_bpm {
        Some(b) => format!("{b} bpm"),
        None => "-- bpm".into(),
    };
    let rr_text = if view.last_rr_ms.is_empty() {
        String::new()
    } else {
        let rr: Vec<String> = view.last_rr_ms.iter().map(|r| format!("{r:.0}")).collect();
        format!("   RR {} ms", rr.join(" "))
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(hr_text, Style::new().bold().fg(Color::White)),
            Span::raw(rr_text),
        ]))
        .block(Block::bordered().title(" Heart rate ")),
        hr,
    );

    draw_gauge(frame, gauge, view);

    let state_word = view.state.as_deref().unwrap_or("waiting for data");
    let load = view
        .load
        .map(|l| format!("{l:.1} spread-min"))
        .unwrap_or_else(|| "-".into());
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw(" State: "),
            Span::styled(
                state_word.to_owned(),
                Style::new()
                    .fg(state_color(view.state.as_deref()))
                    .add_modifier(Modifier::BOLD),
            ),
            Span::raw(format!("    Unrecovered load: {load}")),
            Span::styled(
                if view.learning {
                    "    (learning your baseline)"
                } else {
                    ""
                },
                Style::new().fg(Color::DarkGray),
            ),
        ])),
        state,
    );

    if let Some(p) = view.pacer.as_ref() {
        draw_pacer(frame, banner, p, view.now_ms);
    } else if let Some(text) = &view.prompt {
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled(
                    "A 30-second reset could help now",
                    Style::new().bold(),
                )),
                Line::from(text.clone()),
                Line::from("[r] start the reset   [s] snooze   [d] dismiss"),
            ])
            .wrap(Wrap { trim: true })
            .block(
                Block::bordered()
                    .title(" Prompt ")
                    .border_style(Style::new().fg(Color::Yellow)),
            ),
            banner,
        );
    }

    // Bars from a floor just under the lowest value, so that a change of a
    // few bpm is visible (a sparkline starting at 0 bpm is flat).
    let history = view.hr_history();
    let floor = history.iter().min().map_or(0, |m| m.saturating_sub(5));
    let (lo, hi) = (
        history.iter().min().copied().unwrap_or(0),
        history.iter().max().copied().unwrap_or(0),
    );
    let history: Vec<u64> = history.iter().map(|v| v - floor).collect();
    frame.render_widget(
        Sparkline::default()
            .block(Block::bordered().title(format!(" HR, last packets ({lo}-{hi} bpm) ")))
            .data(&history)
            .style(Style::new().fg(Color::Magenta)),
        spark,
    );

    let news = view.status.clone().unwrap_or_default();
    frame.render_widget(
        Paragraph::new(format!(
            " [r] reset  [o] {}  [q] quit and summary    packets {}  gaps {}   {news}",
            if view.quiet {
                "end quiet"
            } else {
                "quiet (on a call)"
            },
            view.packets,
            view.gaps
        ))
        .style(Style::new().fg(Color::DarkGray)),
        footer,
    );
}

fn draw_gauge(frame: &mut Frame, area: Rect, view: &LiveView) {
    let block = Block::bordered().title(" Distance from your baseline ");
    match view.gauge {
        Some(g) => {
            let g = g.clamp(0.0, 100.0);
            frame.render_widget(
                Gauge::default()
                    .block(block)
                    .gauge_style(Style::new().fg(state_color(view.state.as_deref())))
                    .ratio(g / 100.0)
                    .label(format!("gauge {g:.0} / 100")),
                area,
            );
        }
        None => frame.render_widget(
            Paragraph::new("gauge: no signal yet")
                .alignment(Alignment::Center)
                .block(block),
            area,
        ),
    }
}

fn draw_pacer(frame: &mut Frame, area: Rect, pacer: &Pacer, now: Millis) {
    let block = Block::bordered()
        .title(format!(" Reset: {} ", pacer.protocol.name))
        .border_style(Style::new().fg(Color::Cyan));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(pos) = pacer.at(now) else {
        frame.render_widget(Paragraph::new("done - breathe normally"), inner);
        return;
    };
    let [text, bar] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(format!(
            "{}  {}   ({} s left)",
            breath_label(pos.kind),
            pos.phase_left_s,
            pos.total_left_s
        ))
        .alignment(Alignment::Center)
        .bold(),
        text,
    );
    frame.render_widget(
        Gauge::default()
            .gauge_style(Style::new().fg(Color::Cyan))
            .ratio(pos.fill)
            .label(""),
        bar,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn pacer_4_6() -> Pacer {
        Pacer {
            protocol: ResetProtocol::paced_4_6(),
            started_ms: 1_000,
        }
    }

    #[test]
    fn pacer_fills_on_inhale_and_empties_on_exhale() {
        let p = pacer_4_6();
        let at = |t| {
            p.at(t)
                .map(|x| (x.kind, x.fill, x.phase_left_s, x.total_left_s))
        };
        assert_eq!(at(1_000), Some((BreathKind::Inhale, 0.0, 4, 30)));
        assert_eq!(at(3_000), Some((BreathKind::Inhale, 0.5, 2, 28)));
        assert_eq!(at(5_000), Some((BreathKind::Exhale, 1.0, 6, 26)));
        assert_eq!(at(8_000), Some((BreathKind::Exhale, 0.5, 3, 23)));
        assert_eq!(at(11_000), Some((BreathKind::Inhale, 0.0, 4, 20)));
        assert_eq!(at(31_000), None);
        // A clock that steps back before the start is not a panic.
        assert_eq!(at(0), None);
    }

    #[test]
    fn cyclic_sigh_tops_up_to_full() {
        let p = Pacer {
            protocol: ResetProtocol::cyclic_sigh(),
            started_ms: 0,
        };
        let fill = |t| p.at(t).map(|x| x.fill).unwrap_or(-1.0);
        assert!((fill(2_000) - 0.8).abs() < 1e-9);
        assert!((fill(2_999) - 1.0).abs() < 0.01);
        assert!(fill(6_000) < 1.0 && fill(6_000) > 0.0);
    }

    fn render(view: &LiveView) -> String {
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        term.draw(|f| draw(f, view)).unwrap();
        let buf = term.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    #[test]
    fn screen_shows_hr_gauge_state_load_and_prompt() {
        let mut v = LiveView::new("Polar H10 (A0:9E)".into(), 0);
        v.link = LinkStatus::Connected;
        v.now_ms = 65_000;
        v.on_heart_rate(72, vec![833.0]);
        v.gauge = Some(63.0);
        v.learning = false;
        v.state = Some("activated".into());
        v.load = Some(4.25);
        v.prompt = Some("activated for 4 min".into());
        let s = render(&v);
        assert!(s.contains("72 bpm"), "{s}");
        assert!(s.contains("RR 833 ms"), "{s}");
        assert!(s.contains("gauge 63 / 100"), "{s}");
        assert!(s.contains("activated"), "{s}");
        assert!(
            s.contains("4.2 spread-min") || s.contains("4.3 spread-min"),
            "{s}"
        );
        assert!(s.contains("A 30-second reset could help now"), "{s}");
        assert!(s.contains("00:01:05"), "{s}");
        assert!(!s.contains("learning"), "{s}");
    }

    #[test]
    fn screen_shows_learning_and_reconnecting_and_pacer() {
        let mut v = LiveView::new("strap".into(), 0);
        v.link = LinkStatus::Reconnecting(3);
        v.pacer = Some(pacer_4_6());
        v.now_ms = 3_000;
        let s = render(&v);
        assert!(s.contains("gauge: no signal yet"), "{s}");
        assert!(s.contains("(learning your baseline)"), "{s}");
        assert!(s.contains("reconnecting (try 3)"), "{s}");
        assert!(s.contains("breathe in  2"), "{s}");
    }
}
