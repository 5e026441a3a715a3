//! `steady live`: stream a strap, record it, survive dropouts.
//!
//! The BLE link runs in its own task ([`ble::run_link`]) and reports
//! [`LinkEvent`]s over a channel; this command turns them into the hrm-log
//! recording and the display. A dropout becomes a `!disconnected` /
//! `!connected` pair in the log, so the gap is explicit and nothing recorded
//! before it is touched.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use tokio::sync::{mpsc, watch};

use crate::ble::{self, LinkEvent, LinkOptions, StrapInfo};
use crate::cmd::scan::parse_seconds;
use crate::hrmlog::{HrmLogWriter, LinkMark};

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

/// Runs `steady live` until `--duration` elapses or Ctrl-C.
pub fn run(args: &Args) -> anyhow::Result<()> {
    if let Some(path) = &args.record
        && path.exists()
    {
        bail!(
            "{} already exists; refusing to overwrite a recording",
            path.display()
        );
    }
    if !args.plain && !std::io::stdout().is_terminal() {
        tracing::debug!("stdout is not a terminal: plain output");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(live(args))
}

/// What the session saw, printed at the end.
#[derive(Debug, Default)]
struct Tally {
    packets: u64,
    disconnects: u64,
    connects: u64,
}

async fn live(args: &Args) -> anyhow::Result<()> {
    let adapter = ble::default_adapter().await?;
    let strap = ble::find_strap(
        &adapter,
        args.device.as_deref(),
        Duration::from_secs_f64(args.scan_timeout),
    )
    .await?;
    tracing::info!("using strap {:?} at {}", strap.name, strap.address);
    println!(
        "strap {} {}",
        strap.address,
        strap.name.as_deref().unwrap_or("(unnamed)")
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
    loop {
        tokio::select! {
            ev = rx.recv() => match ev {
                Some(ev) => sink.handle(ev)?,
                None => break,
            },
            _ = &mut deadline => break,
            r = tokio::signal::ctrl_c() => {
                r.context("listening for Ctrl-C")?;
                break;
            }
        }
    }
    // Ask the link to close cleanly, and keep whatever it still delivers.
    let _ = stop_tx.send(true);
    while let Some(ev) = rx.recv().await {
        sink.handle(ev)?;
    }
    match link.await {
        Ok(r) => r?,
        Err(e) => bail!("the BLE task failed: {e}"),
    }
    println!(
        "end packets={} connects={} disconnects={}",
        sink.tally.packets, sink.tally.connects, sink.tally.disconnects
    );
    Ok(())
}

/// Where link events go: the recording and the line display.
struct Sink<'a> {
    record: Option<PathBuf>,
    strap: &'a StrapInfo,
    writer: Option<HrmLogWriter>,
    tally: Tally,
}

impl Sink<'_> {
    fn handle(&mut self, ev: LinkEvent) -> anyhow::Result<()> {
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
                        header.push((
                            "body_sensor_location",
                            ble::body_sensor_location_name(code).to_owned(),
                        ));
                    }
                    let w = HrmLogWriter::create(path, &header)?;
                    tracing::info!("recording to {}", w.path().display());
                    self.writer = Some(w);
                }
                if let Some(w) = &mut self.writer {
                    w.mark(at, LinkMark::Connected)?;
                }
                let location = body_sensor_location
                    .map(ble::body_sensor_location_name)
                    .unwrap_or("unknown");
                println!("{at} connected body_sensor_location={location}");
            }
            LinkEvent::Measurement { at, value } => {
                self.tally.packets += 1;
                if let Some(w) = &mut self.writer {
                    w.measurement(at, &value)?;
                }
                let hex: String = value.iter().map(|b| format!("{b:02x}")).collect();
                println!("{at} hrm {hex}");
            }
            LinkEvent::Disconnected { at, reason } => {
                self.tally.disconnects += 1;
                if let Some(w) = &mut self.writer {
                    w.mark(at, LinkMark::Disconnected)?;
                }
                println!("{at} disconnected {reason}");
            }
            LinkEvent::Retrying {
                attempt,
                delay,
                error,
            } => {
                println!(
                    "retry attempt={attempt} in_ms={} error={error}",
                    delay.as_millis()
                );
            }
        }
        Ok(())
    }
}
