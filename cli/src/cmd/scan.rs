//! `steady scan`: list heart-rate straps (service 0x180D) in range.

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
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("{s} is not a number of seconds >= 0"))
    }
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
    println!("NAME\tADDRESS\tRSSI");
    for s in straps {
        let rssi = s
            .rssi
            .map(|r| format!("{r} dBm"))
            .unwrap_or_else(|| "-".into());
        println!(
            "{}\t{}\t{}",
            s.name.as_deref().unwrap_or("(unnamed)"),
            s.address,
            rssi
        );
    }
    Ok(())
}
