//! `steady`: Steady's desktop companion. Each subcommand lives in
//! `src/cmd/<name>.rs`; this file only parses arguments, sets up logging and
//! dispatches.
use std::process::ExitCode;

use clap::{ArgAction, Parser, Subcommand};

mod ble;
mod chart;
mod cmd;
mod hrmlog;
mod logs;
mod screen;
mod shiftrun;

#[derive(Debug, Parser)]
#[command(
    name = "steady",
    version,
    about = "Steady: heart-rate strap companion for long shifts"
)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Clean a recording and report HRV for the whole file and fixed windows.
    Analyze(cmd::analyze::Args),
    /// Replay a recording through the live pipeline, one line per refresh.
    Replay(cmd::replay::Args),
    /// Replay a bundled real Polar H10 recording and print a report.
    Demo(cmd::demo::Args),
    /// List heart-rate straps (service 0x180D) in range.
    Scan(cmd::scan::Args),
    /// Stream a strap live; reconnects by itself when it drops.
    Live(cmd::live::Args),
    /// List the stored shifts.
    Shifts(cmd::shifts::Args),
    /// Show a stored shift's summary.
    Summary(cmd::summary::Args),
    /// Export one shift (CSV beats, JSON summary + events, Kubios RR).
    Export(cmd::export::Args),
    /// Delete one shift or everything.
    Delete(cmd::delete::Args),
    /// Evaluate the model on labelled E4 sessions (AUC, prompts per hour).
    Evaluate(cmd::evaluate::Args),
    /// Store a recording (rr / e4 / hrm-log / Polar .hrm) as a past shift.
    Import(cmd::import::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let result = match cli.command {
        Command::Analyze(a) => cmd::analyze::run(a),
        Command::Replay(a) => cmd::replay::run(a),
        Command::Demo(a) => cmd::demo::run(a),
        Command::Scan(a) => cmd::scan::run(&a),
        Command::Live(a) => cmd::live::run(&a),
        Command::Evaluate(a) => cmd::evaluate::run(a),
        Command::Shifts(a) => cmd::shifts::run(a),
        Command::Summary(a) => cmd::summary::run(a),
        Command::Export(a) => cmd::export::run(a),
        Command::Delete(a) => cmd::delete::run(a),
        Command::Import(a) => cmd::import::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e)
            if e.root_cause()
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            // Output piped into `head` and closed: not an error.
            ExitCode::SUCCESS
        }
        Err(e) => {
            // `{:#}` prints the error chain on one line and never a backtrace.
            eprintln!("steady: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(logs::Sink)
        .try_init();
}
