//! steady: the desktop companion.
use clap::{Parser, Subcommand};

mod cmd;

#[derive(Parser, Debug)]
#[command(
    name = "steady",
    version,
    about = "Steady: notice stress that does not reset, while it happens"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the stored shifts.
    Shifts(cmd::shifts::Args),
    /// Show a stored shift's summary.
    Summary(cmd::summary::Args),
    /// Export one shift (CSV beats, JSON summary + events, Kubios RR).
    Export(cmd::export::Args),
    /// Delete one shift or everything.
    Delete(cmd::delete::Args),
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    match &cli.command {
        Command::Shifts(a) => cmd::shifts::run(a, &mut out),
        Command::Summary(a) => cmd::summary::run(a, &mut out),
        Command::Export(a) => cmd::export::run(a, &mut out),
        Command::Delete(a) => cmd::delete::run(a, &mut out),
    }
}
