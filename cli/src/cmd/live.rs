//! `steady live`: stream a strap, record it, survive dropouts.
//!
//! The BLE link runs in its own task ([`ble::run_link`]) and reports
//! [`LinkEvent`]s over a channel; this command turns them into the hrm-log
//! recording and the display. A dropout becomes a `!disconnected` /
//! `!connected` pair in the log, so the gap is explicit and nothing recorded
//! before it is touched.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context as _, bail};
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use steady_core::Millis;
use steady_core::hrm;
use tokio::sync::{mpsc, watch};

use crate::ble::{self, LinkEvent, LinkOptions, StrapInfo};
use crate::cmd::scan::parse_seconds;
use crate::hrmlog::{self, HrmLogWriter, LinkMark};
use crate::screen::{self, LinkStatus, LiveView, Pacer};
use steady_core::reset::ResetProtocol;

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
    /// Stop by itself after this many seconds (otherwise: Ctrl-C).
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

/// What the session saw, printed at the end.
#[derive(Debug, Default)]
struct Tally {
    packets: u64,
    disconnects: u64,
    connects: u64,
    first_ms: Option<Millis>,
    last_ms: Option<Millis>,
}

async fn live(args: &Args, interactive: bool) -> anyhow::Result<()> {
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
    let options = LinkOptions {
        stall_timeout: Duration::from_secs_f64(args.stall_timeout),
        ..LinkOptions::default()
    };
    let link = tokio::spawn(ble::run_link(
        adapter.clone(),
        strap.id.clone(),
        options,
        tx,
        stop_rx,
    ));

    let deadline = async {
        match args.duration {
            Some(s) => tokio::time::sleep(Duration::from_secs_f64(s)).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(deadline);
    let mut sink = Sink {
        record: args.record.clone(),
        strap: &strap,
        writer: None,
        tally: Tally::default(),
    };
    let mut ui = if interactive {
        Some(Ui::start(label)?)
    } else {
        println!(
            "strap {} {}",
            strap.address,
            strap.name.as_deref().unwrap_or("(unnamed)")
        );
        None
    };
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    let result: anyhow::Result<()> = async {
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Some(ev) => {
                        sink.handle(&ev)?;
                        match &mut ui {
                            Some(ui) => ui.on_link(&ev),
                            None => print_plain(&ev),
                        }
                    }
                    None => break,
                },
                key = next_key(&mut ui) => {
                    if let Some(ui) = &mut ui && ui.on_key(key) == KeyOutcome::Quit {
                        break;
                    }
                }
                _ = tick.tick(), if ui.is_some() => {
                    if let Some(ui) = &mut ui {
                        ui.draw()?;
                    }
                }
                _ = &mut deadline => break,
                r = tokio::signal::ctrl_c() => {
                    r.context("listening for Ctrl-C")?;
                    break;
                }
            }
        }
        Ok(())
    }
    .await;
    // Whatever happened, give the terminal back first.
    if let Some(ui) = ui.take() {
        ui.finish();
    }
    // Ask the link to close cleanly, and keep whatever it still delivers.
    let _ = stop_tx.send(true);
    while let Some(ev) = rx.recv().await {
        sink.handle(&ev)?;
        if !interactive {
            print_plain(&ev);
        }
    }
    let link_result = link.await;
    result?;
    match link_result {
        Ok(r) => r?,
        Err(e) => bail!("the BLE task failed: {e}"),
    }
    let t = &sink.tally;
    let minutes = match (t.first_ms, t.last_ms) {
        (Some(a), Some(b)) => (b - a) as f64 / 60_000.0,
        _ => 0.0,
    };
    println!(
        "end packets={} connects={} disconnects={} streamed_min={minutes:.1}",
        t.packets, t.connects, t.disconnects
    );
    if let Some(w) = &sink.writer {
        println!("recorded {}", w.path().display());
    }
    Ok(())
}

/// Waits for the next key when there is a screen; never resolves otherwise.
async fn next_key(ui: &mut Option<Ui>) -> KeyEvent {
    match ui {
        Some(ui) => match ui.keys.recv().await {
            Some(k) => k,
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

fn print_plain(ev: &LinkEvent) {
    match ev {
        LinkEvent::Connected {
            at,
            body_sensor_location,
        } => {
            let location = body_sensor_location
                .map(hrmlog::location_value)
                .unwrap_or_else(|| "unknown".into());
            println!("{at} connected body_sensor_location={location}");
        }
        LinkEvent::Measurement { at, value } => {
            let hex: String = value.iter().map(|b| format!("{b:02x}")).collect();
            match hrm::decode(value) {
                Ok(m) => {
                    let rr: Vec<String> = m.rr_ms().map(|r| format!("{r:.1}")).collect();
                    println!("{at} hrm {hex} hr={} rr={}", m.heart_rate_bpm, rr.join(","));
                }
                Err(e) => println!("{at} hrm {hex} error={e}"),
            }
        }
        LinkEvent::Disconnected { at, reason } => println!("{at} disconnected {reason}"),
        LinkEvent::Retrying {
            attempt,
            delay,
            error,
        } => println!(
            "retry attempt={attempt} in_ms={} error={error}",
            delay.as_millis()
        ),
    }
}

/// Where link events go whatever the display: the recording and the tally.
struct Sink<'a> {
    record: Option<PathBuf>,
    strap: &'a StrapInfo,
    writer: Option<HrmLogWriter>,
    tally: Tally,
}

impl Sink<'_> {
    fn handle(&mut self, ev: &LinkEvent) -> anyhow::Result<()> {
        match ev {
            LinkEvent::Connected {
                at,
                body_sensor_location,
            } => {
                self.tally.connects += 1;
                // The file is opened at the first connection, when the
                // header (device, location) is known.
                if self.writer.is_none()
                    && let Some(path) = &self.record
                {
                    let mut header = vec![("address", self.strap.address.clone())];
                    if let Some(name) = &self.strap.name {
                        header.insert(0, ("device", name.clone()));
                    }
                    if let Some(code) = body_sensor_location {
                        header.push(("body_sensor_location", hrmlog::location_value(*code)));
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
                self.tally.packets += 1;
                self.tally.first_ms.get_or_insert(*at);
                self.tally.last_ms = Some(*at);
                if let Some(w) = &mut self.writer {
                    w.measurement(*at, value)?;
                }
            }
            LinkEvent::Disconnected { at, .. } => {
                self.tally.disconnects += 1;
                if let Some(w) = &mut self.writer {
                    w.mark(*at, LinkMark::Disconnected)?;
                }
            }
            LinkEvent::Retrying { .. } => {}
        }
        Ok(())
    }
}

/// What a key press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyOutcome {
    Continue,
    Quit,
    /// A guided reset started.
    Reset,
    /// The offered prompt was snoozed.
    Snooze,
    /// The offered prompt was dismissed.
    Dismiss,
}

/// The interactive screen: terminal, view state, key reader.
struct Ui {
    terminal: ratatui::DefaultTerminal,
    view: LiveView,
    keys: mpsc::Receiver<KeyEvent>,
    reader_stop: Arc<AtomicBool>,
}

impl Ui {
    fn start(strap: String) -> anyhow::Result<Self> {
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
            view: LiveView::new(strap, ble::now_unix_ms()),
            keys,
            reader_stop,
        })
    }

    fn on_link(&mut self, ev: &LinkEvent) {
        match ev {
            LinkEvent::Connected { .. } => {
                self.view.link = LinkStatus::Connected;
                self.view.status = None;
            }
            LinkEvent::Measurement { value, .. } => match hrm::decode(value) {
                Ok(m) => self
                    .view
                    .on_heart_rate(m.heart_rate_bpm, m.rr_ms().collect()),
                Err(e) => self.view.status = Some(format!("bad packet: {e}")),
            },
            LinkEvent::Disconnected { reason, .. } => {
                self.view.gaps += 1;
                self.view.link = LinkStatus::Reconnecting(0);
                self.view.status = Some(format!("strap lost: {reason}"));
            }
            LinkEvent::Retrying { attempt, .. } => {
                self.view.link = LinkStatus::Reconnecting(*attempt);
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> KeyOutcome {
        let now = ble::now_unix_ms();
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
                self.view.prompt = None;
                self.view.pacer = Some(Pacer {
                    protocol: ResetProtocol::paced_4_6(),
                    started_ms: now,
                });
                KeyOutcome::Reset
            }
            KeyCode::Char('s') if self.view.prompt.is_some() => {
                self.view.prompt = None;
                self.view.status = Some("prompt snoozed".into());
                KeyOutcome::Snooze
            }
            KeyCode::Char('d') if self.view.prompt.is_some() => {
                self.view.prompt = None;
                self.view.status = Some("prompt dismissed".into());
                KeyOutcome::Dismiss
            }
            _ => KeyOutcome::Continue,
        }
    }

    fn draw(&mut self) -> anyhow::Result<()> {
        self.view.now_ms = ble::now_unix_ms();
        if let Some(p) = &self.view.pacer
            && p.at(self.view.now_ms).is_none()
        {
            self.view.pacer = None;
            self.view.status = Some("reset done".into());
        }
        let view = &self.view;
        self.terminal
            .draw(|f| screen::draw(f, view))
            .context("drawing the screen")?;
        Ok(())
    }

    fn finish(self) {
        self.reader_stop.store(true, Ordering::Relaxed);
        ratatui::restore();
    }
}
