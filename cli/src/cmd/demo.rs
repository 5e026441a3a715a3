//! `steady demo`: the whole promise in under a minute, on real data. A
//! bundled excerpt of one Stress-Predict participant (calm rest, a stress
//! interview, rest again; see cli/data/demo/PROVENANCE.md) plays through the
//! shift model at 40x while the story is told as it happens: the baseline
//! learned, activation building, the model's prompt, the wearer's reset, its
//! measured effect, recovery and the load discharging, then the summary and
//! an SVG chart.
//!
//! Honest by construction: the model gets only what a wristband sends (heart
//! rate and beats, in data time) and the wearer's taps. The taps are a fixed
//! script stated on screen (Start reset 20 s after each prompt, Finished when
//! the 30-s protocol ends); the model alone decides when to prompt. The
//! study's labels are only narrated, never fed. The person in the recording
//! did not do a breathing exercise, and the screen says so.
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use steady_core::Millis;
use steady_core::activation::ActivationState;
use steady_core::baseline::{Baseline, BaselineSource};
use steady_core::feed::{FeedOptions, inputs};
use steady_core::formats::{Recording, e4};
use steady_core::reset::{EFFECT_WINDOW_MS, ResetEffect, ResetProtocol};
use steady_core::shift::{GaugeUpdate, ShiftConfig, ShiftEvent, ShiftInput};

use super::common::{Out, clock, num};
use super::model::{gauge_line, summary_text};
use super::replay::{begin_store, finish_store, sleep_unless_stopped};

/// The bundled excerpt (MIT, provenance in cli/data/demo/PROVENANCE.md),
/// compiled in so the demo works from any directory without the shared data.
const HR_CSV: &str = include_str!("../../data/demo/HR.csv");
const IBI_CSV: &str = include_str!("../../data/demo/IBI.csv");
const LABELS_CSV: &str = include_str!("../../data/demo/labels.csv");
/// Which session seconds each part of the excerpt comes from (written by
/// cli/data/demo/make.py with the rest): what the screen says was stitched.
const PARTS_CSV: &str = include_str!("../../data/demo/parts.csv");

/// The wearer's scripted answer: Start reset this long after each prompt.
const TAP_AFTER_PROMPT_MS: Millis = 20_000;
/// One status line per this much data.
const STATUS_EVERY_MS: Millis = 30_000;
/// The load counts as discharging once this far below its peak.
const DISCHARGE_SHOWN: f64 = 1.0;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Replay speed (x real time); the 28-minute recording takes about 43 s at 40.
    #[arg(long, default_value_t = 40.0, value_parser = super::common::parse_speed)]
    pub speed: f64,
    /// The shift is stored in a temporary database unless `--db` is given.
    #[command(flatten)]
    pub store: super::record::RecordArgs,
    /// Where to write the shift chart (HR, gauge and state bands, load,
    /// prompt and reset) as SVG [default: steady-demo.svg in the system's
    /// temporary directory].
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

/// One labelled stretch of the study's protocol (seconds into the excerpt).
struct Label {
    start_s: f64,
    what: String,
}

/// One part of the excerpt: where it sits in the session and in the
/// excerpt, and what was left out before it.
struct Part {
    session_start_s: f64,
    session_end_s: f64,
    excerpt_start_s: f64,
    left_out_before: String,
}

/// The rows of a bundled CSV (header skipped), split on commas.
fn rows(name: &str, text: &str) -> Result<Vec<Vec<String>>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<String> = l.split(',').map(|x| x.trim().to_owned()).collect();
            anyhow::ensure!(f.len() >= 3, "bundled {name}: bad line {l:?}");
            Ok(f)
        })
        .collect()
}

fn seconds(name: &str, x: &str) -> Result<f64> {
    x.parse()
        .with_context(|| format!("bundled {name}: {x:?} is not a number of seconds"))
}

fn labels() -> Result<Vec<Label>> {
    rows("labels.csv", LABELS_CSV)?
        .into_iter()
        .map(|f| {
            Ok(Label {
                start_s: seconds("labels.csv", &f[0])?,
                what: f[2].clone(),
            })
        })
        .collect()
}

fn parts() -> Result<Vec<Part>> {
    rows("parts.csv", PARTS_CSV)?
        .into_iter()
        .map(|f| {
            Ok(Part {
                session_start_s: seconds("parts.csv", &f[0])?,
                session_end_s: seconds("parts.csv", &f[1])?,
                excerpt_start_s: seconds("parts.csv", &f[2])?,
                left_out_before: f.get(3).cloned().unwrap_or_default(),
            })
        })
        .collect()
}

/// The bundled recording.
fn recording() -> Result<Recording> {
    e4::parse(HR_CSV, IBI_CSV, None)
        .map_err(|(file, e)| anyhow::anyhow!("bundled demo {}: {e}", file.name()))
}

/// What the protocol says at a label's start, in plain words.
fn label_text(what: &str) -> String {
    match what {
        "rest" => "the study's protocol says: rest".into(),
        task => format!("the study's {task} begins (labelled stress; the model is not told)"),
    }
}

/// The story as it is told: what has been said already.
struct Story {
    origin: Millis,
    baseline_said: bool,
    last_status: Option<Millis>,
    last_state: Option<ActivationState>,
    peak_load: f64,
    peak_t: Millis,
    discharge_said: bool,
    reset_done: bool,
    /// Scripted taps not fed yet, in time order.
    taps: Vec<ShiftInput>,
    protocol: ResetProtocol,
    /// The model's parameters the story quotes.
    config: ShiftConfig,
    /// Every event of the model (for the chart).
    events: Vec<ShiftEvent>,
}

impl Story {
    fn at(&self, t: Millis) -> String {
        format!("+{:>6}", clock((t - self.origin) as f64 / 1000.0))
    }

    fn tell(&mut self, events: &[ShiftEvent], out: &mut impl Write) -> Result<()> {
        for e in events {
            match e {
                ShiftEvent::Gauge { update } => self.gauge(update, out)?,
                ShiftEvent::BaselineChanged { t_ms, baseline } => {
                    self.baseline(*t_ms, baseline, out)?;
                }
                ShiftEvent::StateChanged { t_ms, to, .. } => {
                    self.state(*t_ms, *to, out)?;
                }
                ShiftEvent::PromptOffered { prompt } => {
                    writeln!(
                        out,
                        "{}  >> STEADY OFFERS A 30-SECOND RESET: {}",
                        self.at(prompt.t_ms),
                        prompt.reason.describe()
                    )?;
                    if prompt.reason.ln_rmssd_drop.is_none() {
                        writeln!(
                            out,
                            "           (the model decided this from the heart rate alone)"
                        )?;
                    }
                    let start = prompt.t_ms + TAP_AFTER_PROMPT_MS;
                    let length: Millis = self
                        .protocol
                        .phases
                        .iter()
                        .map(|p| Millis::from(p.duration_ms))
                        .sum();
                    self.taps.push(ShiftInput::ResetStarted {
                        t_ms: start,
                        protocol_id: self.protocol.id.clone(),
                    });
                    self.taps.push(ShiftInput::ResetFinished {
                        t_ms: start + length,
                    });
                }
                ShiftEvent::ResetScored { effect } => self.effect(effect, out)?,
                ShiftEvent::SignalLost { t_ms } => {
                    writeln!(
                        out,
                        "{}  the wristband's signal dropped out",
                        self.at(*t_ms)
                    )?;
                }
                ShiftEvent::SignalRestored { t_ms, gap_ms } => writeln!(
                    out,
                    "{}  signal back after {}",
                    self.at(*t_ms),
                    clock(*gap_ms as f64 / 1000.0)
                )?,
                _ => {}
            }
            self.events.push(e.clone());
        }
        Ok(())
    }

    fn gauge(&mut self, u: &GaugeUpdate, out: &mut impl Write) -> Result<()> {
        if u.load > self.peak_load {
            self.peak_load = u.load;
            self.peak_t = u.t_ms;
        }
        if u.gauge.is_some()
            && self
                .last_status
                .is_none_or(|t| u.t_ms - t >= STATUS_EVERY_MS)
        {
            self.last_status = Some(u.t_ms);
            writeln!(
                out,
                "{}  HR {:>3} bpm  {}",
                self.at(u.t_ms),
                num(u.hr_bpm, 0),
                gauge_line(u)
            )?;
        }
        if self.reset_done
            && !self.discharge_said
            && u.state == ActivationState::Baseline
            && self.peak_load - u.load >= DISCHARGE_SHOWN
        {
            self.discharge_said = true;
            writeln!(
                out,
                "{}  load discharging: {:.1}, down from its peak {:.1} at +{} (it drains only \
                 while you are near your baseline, time constant {:.0} min)",
                self.at(u.t_ms),
                u.load,
                self.peak_load,
                clock((self.peak_t - self.origin) as f64 / 1000.0),
                self.config.load.discharge_tau_min
            )?;
        }
        Ok(())
    }

    fn baseline(&mut self, t: Millis, b: &Baseline, out: &mut impl Write) -> Result<()> {
        if self.baseline_said || b.source == BaselineSource::Population {
            return Ok(());
        }
        self.baseline_said = true;
        writeln!(
            out,
            "{}  BASELINE LEARNED from this shift's calm, still minutes: HR {:.0} +- {:.1} bpm{}",
            self.at(t),
            b.hr_bpm,
            b.hr_spread_bpm,
            match b.ln_rmssd {
                Some(l) => format!(", lnRMSSD {l:.2}"),
                None => " (no HRV baseline: this wristband's beat timing is too coarse)".into(),
            }
        )?;
        writeln!(
            out,
            "           the gauge now measures distance from this person's own calm; \
             it keeps updating as calm minutes come in"
        )?;
        Ok(())
    }

    fn state(&mut self, t: Millis, to: ActivationState, out: &mut impl Write) -> Result<()> {
        if self.last_state == Some(to) {
            return Ok(());
        }
        self.last_state = Some(to);
        let a = &self.config.activation;
        let words = match to {
            ActivationState::Activated => format!(
                "ACTIVATED: {} of this person's spreads or more above their calm",
                a.activated_spreads
            ),
            ActivationState::Recovering => "recovering: coming down from activated".into(),
            ActivationState::Baseline => "back at baseline".into(),
            ActivationState::Elevated => "elevated: above baseline, not yet activated".into(),
            ActivationState::Active => format!(
                "active: heart rate above rest + {:.0} % of heart-rate reserve (or moving) reads \
                 as physical work, not stress: no load, no prompt",
                100.0 * a.physical_hrr_fraction
            ),
            ActivationState::NoSignal => "no signal".into(),
        };
        writeln!(out, "{}  state -> {words}", self.at(t))?;
        Ok(())
    }

    fn effect(&mut self, e: &ResetEffect, out: &mut impl Write) -> Result<()> {
        self.reset_done = true;
        writeln!(
            out,
            "{}  MEASURED EFFECT of the reset (60 s before its start vs 60 s after its end): \
             HR {} -> {} bpm ({}), lnRMSSD {} -> {}: {}",
            self.at(e.finished_ms + EFFECT_WINDOW_MS),
            num(e.before.hr_bpm, 0),
            num(e.after.hr_bpm, 0),
            e.delta_hr_bpm
                .map_or_else(|| "-".into(), |d| format!("{d:+.1}")),
            num(e.before.ln_rmssd, 2),
            num(e.after.ln_rmssd, 2),
            crate::chart::verdict_label(e.verdict)
        )?;
        if e.delta_ln_rmssd.is_none() {
            writeln!(
                out,
                "           (no verdict: it needs HRV on both sides, which this wristband \
                 cannot give; the HR change is what was measured)"
            )?;
        }
        Ok(())
    }
}

fn intro(rec: &Recording, parts: &[Part], speed: f64, out: &mut impl Write) -> Result<()> {
    let seconds = rec
        .hr
        .last()
        .map_or(0.0, |h| (h.t_ms - rec.origin_ms) as f64 / 1000.0);
    let minutes = |p: &Part| format!("{}-{}", clock(p.session_start_s), clock(p.session_end_s));
    let taken: Vec<String> = parts.iter().map(minutes).collect();
    writeln!(
        out,
        "Steady demo: {} of one real person, replayed at {speed}x ({:.0} s) through the shift model.\n\n\
         Recording: Stress-Predict dataset (Iqbal et al. 2022, MIT licence), participant S04,\n\
         an Empatica E4 wristband (optical heart rate, 1 Hz, and sparse beats).\n\
         Session minutes {}.",
        clock(seconds),
        seconds / speed,
        taken.join(" and ")
    )?;
    for w in parts.windows(2) {
        writeln!(
            out,
            "STITCHED at +{}: the {:.0} s between them (the study's {}) are left out.",
            clock(w[1].excerpt_start_s),
            w[1].session_start_s - w[0].session_end_s,
            w[1].left_out_before
        )?;
    }
    writeln!(
        out,
        "Provenance: cli/data/demo/PROVENANCE.md.\n\n\
         The model sees only the wristband's data and two scripted taps of the wearer: Start\n\
         reset {} s after each prompt, Finished when the 30-s breathing protocol ends. It is\n\
         not told the study's labels (shown below as [protocol] lines) and decides prompts\n\
         itself. The person in the recording did NOT do a breathing exercise: the effect\n\
         measured is what their recorded heart did around the scripted reset.\n",
        TAP_AFTER_PROMPT_MS / 1000,
    )?;
    Ok(())
}

pub fn run(args: Args) -> Result<()> {
    crate::stop::install()?;
    let rec = recording()?;
    let labels = labels()?;
    let parts = parts()?;
    let mut out = Out::stdout();
    intro(&rec, &parts, args.speed, &mut out)?;
    let (recorder, mut run) = begin_store(
        &args.store,
        steady_core::store::ShiftSource::Demo,
        "demo: Stress-Predict S04 excerpt",
        &rec,
        true,
    )?;
    let id = run.recorder().map(|r| r.shift_id());
    let mut story = Story {
        origin: rec.origin_ms,
        baseline_said: false,
        last_status: None,
        last_state: None,
        peak_load: 0.0,
        peak_t: rec.origin_ms,
        discharge_said: false,
        reset_done: false,
        taps: Vec::new(),
        protocol: ResetProtocol::paced_4_6(),
        config: ShiftConfig::default(),
        events: Vec::new(),
    };
    let at_s = |s: f64| rec.origin_ms + (s * 1000.0).round() as Millis;
    let (mut next_label, mut next_part) = (0usize, 1usize);
    let all = inputs(&rec, &FeedOptions::default());
    let mut last_t: Option<Millis> = None;
    for input in all
        .iter()
        .filter(|i| !matches!(i, ShiftInput::Start { .. } | ShiftInput::End { .. }))
    {
        if let Some(sig) = crate::stop::requested() {
            writeln!(out, "stopped by {sig}: the shift ends here")?;
            break;
        }
        let t = input.t_ms();
        // The stitches and the protocol's labels, narrated as data time
        // passes them (never fed to the model). A label that continues the
        // one before (rest on both sides of a stitch) is not repeated.
        while let Some(p) = parts
            .get(next_part)
            .filter(|p| at_s(p.excerpt_start_s) <= t)
        {
            writeln!(
                out,
                "{}  [stitch] {:.0} s of the session left out here (the study's {})",
                story.at(at_s(p.excerpt_start_s)),
                p.session_start_s - parts[next_part - 1].session_end_s,
                p.left_out_before
            )?;
            next_part += 1;
        }
        while let Some(l) = labels.get(next_label).filter(|l| at_s(l.start_s) <= t) {
            if next_label == 0 || labels[next_label - 1].what != l.what {
                writeln!(
                    out,
                    "{}  [protocol] {}",
                    story.at(at_s(l.start_s)),
                    label_text(&l.what)
                )?;
            }
            next_label += 1;
        }
        // The wearer's scripted taps that are due.
        while story.taps.first().is_some_and(|tap| tap.t_ms() <= t) {
            let tap = story.taps.remove(0);
            match &tap {
                ShiftInput::ResetStarted { t_ms, .. } => writeln!(
                    out,
                    "{}  [wearer] taps Start reset: {} (scripted: {} s after the prompt)",
                    story.at(*t_ms),
                    story.protocol.name,
                    TAP_AFTER_PROMPT_MS / 1000
                )?,
                _ => writeln!(
                    out,
                    "{}  [wearer] reset finished; its effect is measured over the next {} s",
                    story.at(tap.t_ms()),
                    EFFECT_WINDOW_MS / 1000
                )?,
            }
            let events = run.handle(&tap).events.clone();
            story.tell(&events, &mut out)?;
        }
        let events = run.handle(input).events.clone();
        story.tell(&events, &mut out)?;
        out.flush()?;
        if let Some(prev) = last_t
            && t > prev
        {
            let wait =
                std::time::Duration::try_from_secs_f64((t - prev) as f64 / 1000.0 / args.speed)
                    .unwrap_or(std::time::Duration::from_secs(5));
            sleep_unless_stopped(wait.min(std::time::Duration::from_secs(5)));
        }
        last_t = Some(last_t.map_or(t, |l| l.max(t)));
    }
    let end = last_t.unwrap_or(rec.origin_ms);
    let (summary, events) = run.end(end)?;
    story.tell(&events, &mut out)?;
    finish_store(recorder, id)?;
    writeln!(out)?;
    write!(out, "{}", summary_text(&summary))?;
    let path = args
        .svg
        .unwrap_or_else(|| std::env::temp_dir().join("steady-demo.svg"));
    let hr = rec.hr.iter().map(|h| (h.t_ms, h.bpm)).collect();
    let chart = crate::chart::ShiftChart::from_events(
        format!(
            "Steady demo: Stress-Predict S04 (E4 wristband), stitched at {}",
            parts
                .iter()
                .skip(1)
                .map(|p| format!("+{}", clock(p.excerpt_start_s)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        rec.origin_ms,
        end,
        &story.events,
        hr,
    );
    crate::chart::write_svg(&chart, &path)?;
    writeln!(out, "\nChart written to {}", path.display())?;
    writeln!(
        out,
        "\nNext: `steady analyze FILE` on your own RR export, or `steady replay FILE`."
    )?;
    Ok(())
}
