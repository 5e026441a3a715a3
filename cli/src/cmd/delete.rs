//! `steady delete ID|--all`: removes one shift (beats, samples, events), or
//! every shift and the baseline history. Settings are kept.
use super::db::DbArg;
use std::io::Write;
use steady_core::store::ShiftId;

#[derive(clap::Args, Debug)]
#[group(id = "what", required = true, multiple = false, args = ["shift", "all"])]
pub struct Args {
    /// The shift to delete.
    pub shift: Option<ShiftId>,
    /// Delete every shift and the baseline history.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub db: DbArg,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let out: &mut dyn Write = &mut stdout;
    let mut store = args.db.open_existing()?;
    if args.all {
        let n = store.delete_all()?;
        writeln!(
            out,
            "deleted {n} shifts and the baseline history from {}",
            store.path().display()
        )?;
    } else if let Some(id) = args.shift {
        store.delete_shift(id)?;
        writeln!(out, "deleted shift {id}")?;
    }
    Ok(())
}
