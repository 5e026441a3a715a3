//! `steady live`: run a shift from a strap, live.
//!
//! The BLE link runs in its own task ([`ble::run_link`]) and reports
//! [`LinkEvent`]s over a channel. This command feeds them to the core's shift
//! model ([`RunningShift`], stored in the database unless `--no-store`), writes
//! the hrm-log recording (`--record`), and shows what the model says: a
//! terminal screen, or one line per event with `--plain` / when stdout is not
//! a terminal. A dropout becomes a `!disconnected` / `!connected` pair in the
//! log and a gap for the model; nothing recorded or stored before it is
//! touched. Quitting ends the shift and prints its summary.

use std::io::IsTerminal as _;

/// `println!` that a closed pipe (`steady live --plain | head`) cannot
/// turn into a panic: the shift must still end and be stored.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use steady_core::hrm;
use steady_core::recorder::ShiftRecorder;
use steady_core::reset::{EffectVerdict, ResetProtocol};
use steady_core::running::RunningShift;
use steady_core::shift::{ShiftEvent, ShiftInput};
use steady_core::store::ShiftSource;
use steady_core::summary::ShiftSummary;
use tokio::sync::{mpsc, watch};

use crate::ble::{self, ArrivalClock, LinkEvent, LinkOptions, StrapInfo};
use crate::cmd::db::{DbArg, fmt_duration};
use crate::cmd::scan::parse_seconds;
use crate::hrmlog::{self, HrmLogWriter, LinkMark};
use crate::screen::{self, LinkStatus, LiveView, Pacer};
use crate::shift_start;

/// A `steady live` restarted within this time after being killed carries
/// on with the same shift.
const RESUME_WITHIN_MS: i64 = 30 * 60_000;

/// How often the model is told that time passes (so a silent strap turns
/// into `no signal`), and the screen redraws.
const TICK: Duration = Duration::from_secs(1);
const REDRAW: Duration = Duration::from_millis(200);

/// Arguments of `steady live`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Strap to use: its address, or (part of) its name. Default: the first
    /// heart-rate strap seen.
    #[arg(long, value_name = "NAME|ADDRESS")]
    pub device: Option<String>,
    /// Record the raw stream to this hrm-log file (it must not exist yet).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArg,
    /// Do not store the shift in the database.
    #[arg(long, conflicts_with = "db")]
    pub no_store: bool,
    /// Start a new shift even if `steady live` was interrupted less than
    /// 30 min ago (by default that shift goes on).
    #[arg(long)]
    pub new_shift: bool,
    /// Stop by itself after this many seconds (otherwise: q or Ctrl-C).
    #[arg(long, value_parser = parse_seconds, value_name = "SECONDS")]
    pub duration: Option<f64>,
    /// Print one line per event instead of the terminal screen. Implied
    /// when stdout is not a terminal.
    #[arg(long)]
    pub plain: bool,
    /// How long to scan for the strap before giving up, in seconds.
    #[arg(long, default_value_t = 30.0, value_parser = parse_seconds, value_name = "SECONDS")]
    pub scan_timeout: f64,
    /// Treat the link as lost after this many seconds without data.
    #[arg(long, default_value_t = 15.0, value_parser = parse_seconds, value_name = "SECONDS")]
    pub stall_timeout: f64,
    /// Test bench only: stamp data with a clock running this many times
    /// faster than real time (to match a mock strap playing a recording
    /// faster than real time).
    #[arg(long, hide = true, default_value_t = 1.0, value_parser = crate::cmd::common::parse_speed)]
    pub clock_speed: f64,
    /// Test bench only: unix ms from which the accelerated clock runs
    /// (default: the start of this run).
    #[arg(long, hide = true)]
    pub clock_origin: Option<i64>,
}

/// Runs `steady live` until `--duration` elapses, Ctrl-C, or `q` on the screen.
pub fn run(args: &Args) -> anyhow::Result<()> {
    if let Some(path) = &args.record
        && path.exists()
    {
        bail!(
            "{} already exists; refusing to overwrite a recording",
            path.display()
        );
    }
    let interactive = !args.plain && std::io::stdout().is_terminal();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(live(args, interactive))
}

async fn live(args: &Args, interactive: bool) -> anyhow::Result<()> {
    let store = if args.no_store {
        None
    } else {
        Some(args.db.open()?)
    };
    let adapter = ble::default_adapter().await?;
    eprintln!("looking for a heart-rate strap...");
    let strap = ble::find_strap(
        &adapter,
        args.device.as_deref(),
        Duration::from_secs_f64(args.scan_timeout),
    )
    .await?;
    tracing::info!("using strap {:?} at {}", strap.name, strap.address);
    let label = format!(
        "{} ({})",
        strap.name.as_deref().unwrap_or("unnamed strap"),
        strap.address
    );

    let (tx, mut rx) = mpsc::channel::<LinkEvent>(256);
    let (stop_tx, stop_rx) = watch::channel(false);
    let clock = ArrivalClock::accelerated(args.clock_speed, args.clock_origin);
    let options = LinkOptions {
        stall_timeout: Duration::from_secs_f64(args.stall_timeout),
        clock,
        ..LinkOptions::default()
    };
    let link = tokio::spawn(ble::run_link(
        adapter.clone(),
        strap.id.clone(),
        options,
        tx,
        stop_rx,
    ));

    let (run, first, resumed) = match store {
        Some(store) if !args.new_shift => shift_start::resume_or_start(
            store,
            strap.name.as_deref(),
            clock.now(),
            RESUME_WITHIN_MS,
        )?,
        store => {
            let (run, first) =
                shift_start::start(store, ShiftSource::Live, strap.name.as_deref(), clock.now())?;
            (run, first, None)
        }
    };
    if let Some(id) = resumed {
        eprintln!("carrying on with shift {id}, interrupted earlier (--new-shift to start afresh)");
    }
    // While the screen is up, log lines go to a file (one written to the
    // terminal would be drawn over the screen): next to the database, or in
    // the temp directory with --no-store.
    let log_path = if interactive {
        let dir = match (args.no_store, args.db.path()) {
            (false, Ok(db)) => db.parent().map(PathBuf::from),
            _ => None,
        };
        let path = dir
            .unwrap_or_else(std::env::temp_dir)
            .join("steady-live.log");
        crate::logs::to_file(&path)
            .with_context(|| format!("opening the log file {}", path.display()))?;
        Some(path)
    } else {
        None
    };
    let mut live = LiveLoop {
        record: args.record.clone(),
        strap: &strap,
        writer: None,
        run: Some(run),
        out: if interactive {
            Box::new(Screen(Ui::start()?))
        } else {
            Box::new(Lines)
        },
        view: LiveView::new(label, clock.now()),
        counts: Counts::default(),
        clock,
    };
    live.out.started(&strap);
    live.show(&first);
    if let Some(p) = &log_path {
        live.view.status = Some(format!("log: {}", p.display()));
    }
    if let Some(id) = resumed {
        live.view.status = Some(format!("carrying on with shift {id}"));
    }

    let deadline = async {
        match args.duration {
            Some(s) => tokio::time::sleep(Duration::from_secs_f64(s)).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(deadline);
    // SIGINT (Ctrl-C), SIGTERM and SIGHUP end the shift as `q` does.
    let stop = crate::stop::any_async();
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(TICK);
    let mut redraw = tokio::time::interval(REDRAW);
    let result: anyhow::Result<()> = async {
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Some(ev) => live.on_link(&ev)?,
                    None => break,
                },
                key = next_key(live.out.keys()) => {
                    if live.on_key(key) == KeyOutcome::Quit {
                        break;
                    }
                }
                _ = tick.tick() => live.on_tick(),
                _ = redraw.tick() => live.draw()?,
                _ = &mut deadline => break,
                r = &mut stop => {
                    let sig = r.context("listening for stop signals")?;
                    tracing::info!("{sig}: ending the shift");
                    break;
                }
            }
        }
        Ok(())
    }
    .await;
    // Whatever happened, give the terminal back first.
    live.out.finish();
    if let Some(p) = crate::logs::to_stderr() {
        eprintln!("log of this session: {}", p.display());
    }
    // Ask the link to close cleanly, and keep whatever it still delivers.
    let _ = stop_tx.send(true);
    while let Some(ev) = rx.recv().await {
        live.on_link(&ev)?;
    }
    let link_result = link.await;
    // End the shift even when something failed: the summary and what was
    // stored must not be lost with the error.
    let ended = live.end();
    result?;
    match link_result {
        Ok(r) => r?,
        Err(e) => bail!("the BLE task failed: {e}"),
    }
    let (summary, shift_id) = ended?;
    let c = &live.counts;
    say!(
        "end packets={} connects={} disconnects={}",
        c.packets,
        c.connects,
        c.disconnects
    );
    if let Some(s) = &summary {
        print_summary(s);
    }
    if let Some(id) = shift_id {
        say!("stored as shift {id}: `steady summary {id}` (add --svg FILE for a chart)");
    }
    if let Some(w) = &live.writer {
        say!("recorded {}", w.path().display());
    }
    Ok(())
}

/// Link counters for the closing line.
#[derive(Debug, Default)]
struct Counts {
    packets: u64,
    disconnects: u64,
    connects: u64,
}

/// Everything `steady live` holds while it runs.
struct LiveLoop<'a> {
    record: Option<PathBuf>,
    strap: &'a StrapInfo,
    writer: Option<HrmLogWriter>,
    run: Option<RunningShift>,
    out: Box<dyn Output>,
    view: LiveView,
    counts: Counts,
    clock: ArrivalClock,
}

impl LiveLoop<'_> {
    fn on_link(&mut self, ev: &LinkEvent) -> anyhow::Result<()> {
        self.record(ev)?;
        self.out.link(ev);
        match ev {
            LinkEvent::Connected { .. } => {
                self.counts.connects += 1;
                self.view.link = LinkStatus::Connected;
                self.view.status = None;
            }
            LinkEvent::Measurement { at, value } => {
                self.counts.packets += 1;
                match hrm::decode_view(value) {
                    Ok(m) => self
                        .view
                        .on_heart_rate(m.heart_rate_bpm, m.rr_ms().collect()),
                    Err(e) => self.view.status = Some(format!("bad packet: {e}")),
                }
                self.input(ShiftInput::Packet {
                    t_ms: *at,
                    bytes: value.clone(),
                });
            }
            LinkEvent::Disconnected { reason, .. } => {
                self.counts.disconnects += 1;
                self.view.gaps += 1;
                self.view.link = LinkStatus::Reconnecting(0);
                self.view.status = Some(format!("strap lost: {reason}"));
            }
            LinkEvent::Retrying { attempt, .. } => {
                self.view.link = LinkStatus::Reconnecting(*attempt);
            }
        }
        Ok(())
    }

    /// The hrm-log side of a link event.
    fn record(&mut self, ev: &LinkEvent) -> anyhow::Result<()> {
        match ev {
            LinkEvent::Connected {
                at,
                body_sensor_location,
            } => {
                // The file is opened at the first connection, when the
                // header (device, location) is known.
                if self.writer.is_none()
                    && let Some(path) = &self.record
                {
                    let mut header = vec![("address", self.strap.address.clone())];
                    if let Some(name) = &self.strap.name {
                        header.insert(0, ("device", name.clone()));
                    }
                    if let Some(loc) = body_sensor_location {
                        header.push(("body_sensor_location", hrmlog::location_value(*loc)));
                    }
                    let w = HrmLogWriter::create(path, &header)?;
                    tracing::info!("recording to {}", w.path().display());
                    self.writer = Some(w);
                }
                if let Some(w) = &mut self.writer {
                    w.mark(*at, LinkMark::Connected)?;
                }
            }
            LinkEvent::Measurement { at, value } => {
                if let Some(w) = &mut self.writer {
                    w.measurement(*at, value)?;
                }
            }
            LinkEvent::Disconnected { at, .. } => {
                if let Some(w) = &mut self.writer {
                    w.mark(*at, LinkMark::Disconnected)?;
                }
            }
            LinkEvent::Retrying { .. } => {}
        }
        Ok(())
    }

    fn input(&mut self, input: ShiftInput) {
        if let Some(run) = &mut self.run {
            let events = run.handle(&input).events.clone();
            self.show(&events);
        }
    }

    fn on_tick(&mut self) {
        let now = self.clock.now();
        self.input(ShiftInput::Tick { t_ms: now });
        if let Some(p) = &self.view.pacer
            && p.at(now).is_none()
        {
            self.view.pacer = None;
            self.view.status = Some("reset done: measuring the next 60 s".into());
            self.input(ShiftInput::ResetFinished { t_ms: now });
        }
        if let Some(e) = self
            .run
            .as_ref()
            .and_then(RunningShift::recorder)
            .and_then(ShiftRecorder::store_error)
        {
            // The store's text says what is kept: retried while it can,
            // "saving stopped: ..." once the writer gave up (save_policy).
            self.view.status = Some(format!("saving is failing: {e}"));
        }
    }

    /// Shows what the model said.
    fn show(&mut self, events: &[ShiftEvent]) {
        for ev in events {
            self.out.model(ev);
            match ev {
                ShiftEvent::Gauge { update } => {
                    self.view.gauge = update.gauge;
                    self.view.learning = update.learning;
                    self.view.state = Some(update.state.as_str().replace('_', " "));
                    self.view.load = Some(update.load);
                }
                ShiftEvent::PromptOffered { prompt } => {
                    self.view.prompt = Some(prompt.reason.describe());
                }
                ShiftEvent::ResetScored { effect } => {
                    self.view.status = Some(format!("reset: {}", verdict(effect.verdict)));
                }
                ShiftEvent::InputIgnored { t_ms, reason } => {
                    tracing::debug!("model ignored an input at {t_ms}: {reason:?}");
                }
                _ => {}
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> KeyOutcome {
        let now = self.clock.now();
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => KeyOutcome::Quit,
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => KeyOutcome::Quit,
            KeyCode::Char('r') => {
                if self
                    .view
                    .pacer
                    .as_ref()
                    .is_some_and(|p| p.at(now).is_some())
                {
                    return KeyOutcome::Continue;
                }
                let protocol = ResetProtocol::paced_4_6();
                self.input(ShiftInput::ResetStarted {
                    t_ms: now,
                    protocol_id: protocol.id.clone(),
                });
                self.view.prompt = None;
                self.view.status = None;
                self.view.pacer = Some(Pacer {
                    protocol,
                    started_ms: now,
                });
                KeyOutcome::Continue
            }
            KeyCode::Char('o') => {
                // "On a call / with a patient": no prompts until pressed again.
                self.view.quiet = !self.view.quiet;
                self.input(ShiftInput::Quiet {
                    t_ms: now,
                    on: self.view.quiet,
                });
                self.view.status = Some(if self.view.quiet {
                    "quiet: no prompts (o to end)".into()
                } else {
                    "quiet mode ended".into()
                });
                KeyOutcome::Continue
            }
            KeyCode::Char('s') if self.view.prompt.is_some() => {
                self.input(ShiftInput::Snooze {
                    t_ms: now,
                    minutes: 0,
                });
                self.view.prompt = None;
                self.view.status = Some("prompts snoozed".into());
                KeyOutcome::Continue
            }
            KeyCode::Char('d') if self.view.prompt.is_some() => {
                self.input(ShiftInput::PromptDismissed { t_ms: now });
                self.view.prompt = None;
                self.view.status = Some("prompt dismissed".into());
                KeyOutcome::Continue
            }
            _ => KeyOutcome::Continue,
        }
    }

    fn draw(&mut self) -> anyhow::Result<()> {
        self.view.now_ms = self.clock.now();
        self.out.draw(&self.view)
    }

    /// Ends the shift (an unfinished reset is abandoned, not scored).
    fn end(&mut self) -> anyhow::Result<(Option<ShiftSummary>, Option<i64>)> {
        let now = self.clock.now();
        if self.view.pacer.take().is_some_and(|p| p.at(now).is_some()) {
            self.input(ShiftInput::ResetAbandoned { t_ms: now });
        }
        let Some(mut run) = self.run.take() else {
            return Ok((None, None));
        };
        let id = run.recorder().map(ShiftRecorder::shift_id);
        let (summary, _) = run.end(now)?;
        Ok((Some(summary), id))
    }
}

fn hex(value: &[u8]) -> String {
    value.iter().map(|b| format!("{b:02x}")).collect()
}

fn verdict(v: EffectVerdict) -> &'static str {
    match v {
        EffectVerdict::Calmer => "calmer",
        EffectVerdict::MoreActivated => "more activated",
        EffectVerdict::NoMeasurableChange => "no measurable change",
        EffectVerdict::NotMeasurable => "not measurable (no HRV)",
    }
}

fn mins(s: f64) -> String {
    fmt_duration((s * 1000.0) as i64)
}

/// The end-of-shift summary, as text.
fn print_summary(s: &ShiftSummary) {
    let t = &s.time_in;
    say!("--- end of shift ({}) ---", mins(s.duration_s));
    say!(
        "time at baseline {}, elevated {}, activated {}, recovering {}, physically active {}, no signal {}",
        mins(t.baseline_s),
        mins(t.elevated_s),
        mins(t.activated_s),
        mins(t.recovering_s),
        mins(t.active_s),
        mins(t.no_signal_s)
    );
    say!(
        "returns to baseline {}, longest stretch without one {}",
        s.returns_to_baseline,
        mins(s.longest_without_return_s)
    );
    say!(
        "unrecovered load: start {:.1}, peak {:.1}, end {:.1} spread-min",
        s.load_start,
        s.load_peak,
        s.load_end
    );
    say!(
        "prompts offered {}, taken {}, snoozed {}, dismissed {}",
        s.prompts_offered,
        s.prompts_taken,
        s.prompts_snoozed,
        s.prompts_dismissed
    );
    for r in &s.resets {
        say!("reset {}: {}", r.protocol_id, verdict(r.verdict));
    }
    say!(
        "signal: {} beats ({} corrected), {} gaps ({:.0} s)",
        s.signal.beats,
        s.signal.corrected_beats,
        s.signal.gaps,
        s.signal.gap_total_s
    );
    if s.baseline.learning {
        say!("baseline: still learning (population prior or this shift only)");
    }
}

/// Waits for the next key when there is a screen; never resolves otherwise.
async fn next_key(keys: Option<&mut mpsc::Receiver<KeyEvent>>) -> KeyEvent {
    match keys {
        Some(keys) => match keys.recv().await {
            Some(k) => k,
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// How `steady live` shows what happens: the full-screen view ([`Screen`])
/// or one line per event ([`Lines`]: `--plain`, or stdout not a terminal).
/// The loop keeps the view's data either way; an output only shows it.
trait Output {
    /// The strap was found and the shift started.
    fn started(&mut self, _strap: &StrapInfo) {}
    /// Something happened on the BLE link.
    fn link(&mut self, _ev: &LinkEvent) {}
    /// The model said something.
    fn model(&mut self, _ev: &ShiftEvent) {}
    /// Redraw the view (every 200 ms).
    fn draw(&mut self, _view: &LiveView) -> anyhow::Result<()> {
        Ok(())
    }
    /// Key presses, when the output reads keys.
    fn keys(&mut self) -> Option<&mut mpsc::Receiver<KeyEvent>> {
        None
    }
    /// Gives the terminal back.
    fn finish(&mut self) {}
}

/// One line per event on stdout.
struct Lines;

impl Output for Lines {
    fn started(&mut self, strap: &StrapInfo) {
        say!(
            "strap {} {}",
            strap.address,
            strap.name.as_deref().unwrap_or("(unnamed)")
        );
    }

    fn link(&mut self, ev: &LinkEvent) {
        match ev {
            LinkEvent::Connected {
                at,
                body_sensor_location,
            } => {
                let location = body_sensor_location
                    .map(hrmlog::location_value)
                    .unwrap_or_else(|| "unknown".into());
                say!("{at} connected body_sensor_location={location}");
            }
            LinkEvent::Measurement { at, value } => match hrm::decode_view(value) {
                Ok(m) => {
                    let rr: Vec<String> = m.rr_ms().map(|r| format!("{r:.1}")).collect();
                    say!(
                        "{at} hrm {} hr={} rr={}",
                        hex(value),
                        m.heart_rate_bpm,
                        rr.join(",")
                    );
                }
                Err(e) => say!("{at} hrm {} error={e}", hex(value)),
            },
            LinkEvent::Disconnected { at, reason } => say!("{at} disconnected {reason}"),
            LinkEvent::Retrying {
                attempt,
                delay,
                error,
            } => say!(
                "retry attempt={attempt} in_ms={} error={error}",
                delay.as_millis()
            ),
        }
    }

    fn model(&mut self, ev: &ShiftEvent) {
        match ev {
            ShiftEvent::Gauge { update } => say!(
                "{} gauge={} state={} load={:.2} learning={}",
                update.t_ms,
                update
                    .gauge
                    .map_or_else(|| "-".into(), |g| format!("{g:.0}")),
                update.state.as_str(),
                update.load,
                update.learning
            ),
            ShiftEvent::PromptOffered { prompt } => say!(
                "{} prompt #{} {}",
                prompt.t_ms,
                prompt.number,
                prompt.reason.describe()
            ),
            ShiftEvent::ResetScored { effect } => {
                say!("{} reset: {}", effect.finished_ms, verdict(effect.verdict));
            }
            ShiftEvent::StateChanged { t_ms, from, to } => {
                say!("{t_ms} state {} -> {}", from.as_str(), to.as_str());
            }
            ShiftEvent::SignalLost { t_ms } => say!("{t_ms} signal lost"),
            ShiftEvent::SignalRestored { t_ms, gap_ms } => {
                say!("{t_ms} signal restored after {} s", gap_ms / 1000);
            }
            _ => {}
        }
    }
}

/// The full-screen terminal view: it draws the view and reads keys; it
/// prints nothing else (logs go to a file while it is up, see main.rs).
struct Screen(Ui);

impl Output for Screen {
    fn draw(&mut self, view: &LiveView) -> anyhow::Result<()> {
        self.0
            .terminal
            .draw(|f| screen::draw(f, view))
            .context("drawing the screen")?;
        Ok(())
    }

    fn keys(&mut self) -> Option<&mut mpsc::Receiver<KeyEvent>> {
        Some(&mut self.0.keys)
    }

    fn finish(&mut self) {
        self.0.finish();
    }
}

/// What a key press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyOutcome {
    Continue,
    Quit,
}

/// The interactive terminal and its key reader.
struct Ui {
    terminal: ratatui::DefaultTerminal,
    keys: mpsc::Receiver<KeyEvent>,
    reader_stop: Arc<AtomicBool>,
}

impl Ui {
    fn start() -> anyhow::Result<Self> {
        let terminal = ratatui::try_init().context("setting up the terminal")?;
        let (tx, keys) = mpsc::channel(32);
        let reader_stop = Arc::new(AtomicBool::new(false));
        let stop = reader_stop.clone();
        // crossterm's reader blocks: it gets a thread of its own, polling so
        // that it notices when the screen closes.
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match event::poll(Duration::from_millis(100)) {
                    Ok(true) => match event::read() {
                        Ok(Event::Key(k)) if k.kind == KeyEventKind::Press => {
                            if tx.blocking_send(k).is_err() {
                                break;
                            }
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    },
                    Ok(false) => {}
                    Err(_) => break,
                }
            }
        });
        Ok(Self {
            terminal,
            keys,
            reader_stop,
        })
    }

    /// Stops the key reader and restores the terminal (once).
    fn finish(&mut self) {
        if !self.reader_stop.swap(true, Ordering::Relaxed) {
            ratatui::restore();
        }
    }
}
