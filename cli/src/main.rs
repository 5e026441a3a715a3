//! `steady`: the desktop companion.

mod ble;
mod cmd;
mod hrmlog;
mod screen;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Steady: a calm companion for a heart-rate strap during a shift.
#[derive(Debug, Parser)]
#[command(name = "steady", version, about)]
struct Cli {
    /// More logging on stderr: -v info, -vv debug, -vvv trace.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List heart-rate straps (service 0x180D) in range.
    Scan(cmd::scan::Args),
    /// Stream a strap live; reconnects by itself when it drops.
    Live(cmd::live::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let result = match &cli.command {
        Command::Scan(args) => cmd::scan::run(args),
        Command::Live(args) => cmd::live::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("steady: {e:#}");
            ExitCode::FAILURE
        }
    }
}
