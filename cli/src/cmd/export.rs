//! `steady export ID --format csv|json|kubios --out PATH`: one shift out of
//! the database, only when the user asks. The file is created owner-only
//! (0600 on Unix) and an existing file is not overwritten without `--force`.
use super::db::{DbArg, ShiftRef};
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Beats: `t_ms,rr_ms,corrected`.
    Csv,
    /// Shift record, summary, events and baselines.
    Json,
    /// RR intervals in seconds, one per line (Kubios HRV text input).
    Kubios,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Shift id, or `last`.
    pub shift: ShiftRef,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Output file (`-` for standard output).
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub db: DbArg,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let store = args.db.open_existing()?;
    let rec = args.shift.resolve(&store)?;
    let write = |w: &mut dyn Write| -> anyhow::Result<()> {
        match args.format {
            ExportFormat::Csv => store.export_beats_csv(rec.id, w)?,
            ExportFormat::Json => store.export_json(rec.id, w)?,
            ExportFormat::Kubios => store.export_kubios(rec.id, w)?,
        }
        Ok(())
    };
    if args.out.as_os_str() == "-" {
        return write(&mut std::io::stdout().lock());
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true);
    if args.force {
        o.create(true).truncate(true);
    } else {
        o.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let file = o.open(&args.out).with_context(|| {
        format!(
            "cannot create {} (use --force to replace it)",
            args.out.display()
        )
    })?;
    let mut w = std::io::BufWriter::new(file);
    write(&mut w)?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    eprintln!(
        "exported shift {} as {:?} to {}",
        rec.id,
        args.format,
        args.out.display()
    );
    Ok(())
}
