//! `steady scan`: list heart-rate straps (service 0x180D) in range.

use std::io::Write;
use std::time::Duration;

use anyhow::Context as _;

use crate::ble;

/// Arguments of `steady scan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How long to listen for advertisements, in seconds.
    #[arg(long, default_value_t = 5.0, value_parser = parse_seconds)]
    pub timeout: f64,
}

/// Parses a non-negative, finite number of seconds.
pub fn parse_seconds(s: &str) -> Result<f64, String> {
    // Up to a year: `Duration::from_secs_f64` panics on huge values.
    crate::cmd::common::in_range(s, 0.0, 31_536_000.0, " seconds")
}

/// Prints one line per strap: name, address, RSSI (tab-separated), strongest
/// first; "no heart-rate strap found" on stderr when there is none.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let straps = rt.block_on(async {
        let adapter = ble::default_adapter().await?;
        ble::scan(&adapter, Duration::from_secs_f64(args.timeout)).await
    })?;
    if straps.is_empty() {
        eprintln!("no heart-rate strap found in {} s", args.timeout);
        return Ok(());
    }
    let mut out = crate::cmd::common::Out::stdout();
    writeln!(out, "NAME\tADDRESS\tRSSI")?;
    for s in straps {
        let rssi = s
            .rssi
            .map(|r| format!("{r} dBm"))
            .unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "{}\t{}\t{}",
            s.name.as_deref().unwrap_or("(unnamed)"),
            s.address,
            rssi
        )?;
    }
    Ok(())
}
