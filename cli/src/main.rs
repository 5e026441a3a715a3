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
mod shift_start;
mod stop;
mod trendchart;

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
    /// Database file, before or after the subcommand [default: the
    /// platform data directory, e.g. ~/.local/share/steady/steady.db on
    /// Linux]
    #[arg(long, value_name = "PATH", global = true)]
    db: Option<std::path::PathBuf>,
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
    /// Evaluate the model on labelled sessions: AUC of each stage, prompts per hour.
    Evaluate(cmd::evaluate::Args),
    /// Store a recording (rr / e4 / hrm-log / Polar .hrm) as a past shift.
    Import(cmd::import::Args),
    /// The arc across stored shifts: recovery, calm HR/HRV, load carried, drift.
    Trend(cmd::trend::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let db = cmd::db::DbArg { db: cli.db };
    let result = match cli.command {
        Command::Analyze(a) => cmd::analyze::run(a),
        Command::Replay(mut a) => {
            a.store.db = db;
            cmd::replay::run(a)
        }
        Command::Demo(mut a) => {
            a.store.db = db;
            cmd::demo::run(a)
        }
        Command::Scan(a) => cmd::scan::run(&a),
        Command::Live(mut a) => {
            a.db = db;
            cmd::live::run(&a)
        }
        Command::Evaluate(a) => cmd::evaluate::run(a),
        Command::Shifts(mut a) => {
            a.db = db;
            cmd::shifts::run(a)
        }
        Command::Summary(mut a) => {
            a.db = db;
            cmd::summary::run(a)
        }
        Command::Export(mut a) => {
            a.db = db;
            cmd::export::run(a)
        }
        Command::Delete(mut a) => {
            a.db = db;
            cmd::delete::run(a)
        }
        Command::Import(mut a) => {
            a.db = db;
            cmd::import::run(a)
        }
        Command::Trend(mut a) => {
            a.db = db;
            cmd::trend::run(a)
        }
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
            eprintln!("steady: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error chain on one line, never a backtrace. A cause whose text the
/// message before it already ends with is not repeated (an I/O error
/// wrapped by a type that prints it used to read `Is a directory (os error
/// 21): Is a directory (os error 21)`).
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
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

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = std::io::Error::other("Is a directory (os error 21)");
        let e = anyhow::Error::new(steady_core::store::StoreError::Io(io))
            .context("cannot open the Steady database d");
        assert_eq!(
            one_line(&e),
            "cannot open the Steady database d: I/O error: Is a directory (os error 21)"
        );
        // `{:#}`, what was printed before, said the OS text twice.
        assert_eq!(format!("{e:#}").matches("os error 21").count(), 2);
        let plain = anyhow::anyhow!("inner").context("outer");
        assert_eq!(one_line(&plain), "outer: inner");
    }
}
