//! `steady export ID --format csv|json|kubios --out PATH`: one shift out of
//! the database, only when the user asks. The file is created owner-only
//! (0600 on Unix) and an existing file is not overwritten without `--force`.
//! The open database itself (and its `-wal`, `-shm`, `-journal` files) is
//! never an export target, `--force` or not, whatever path names it (a
//! symlink, `./db/../t.db`): writing there would empty every shift.
use super::db::{DbArg, ShiftRef};
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// The files SQLite keeps for the database at `db`.
fn database_files(db: &Path) -> Vec<PathBuf> {
    let mut files = vec![db.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut s = db.as_os_str().to_owned();
        s.push(suffix);
        files.push(PathBuf::from(s));
    }
    files
}

/// `path` with its folder resolved (symlinks, `..`), so two spellings of
/// one place compare equal even when the file itself does not exist yet;
/// an existing file (or a symlink to one) is resolved whole.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let name = path.file_name()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(parent).ok()?.join(name))
}

/// True when `out` names the database at `db` or one of its SQLite files:
/// the same resolved path, or (for existing files) the same file identity
/// (device and inode: hard links).
fn is_database_file(out: &Path, db: &Path) -> bool {
    let target = resolved(out);
    #[cfg(unix)]
    let target_id = std::fs::metadata(out).ok().map(|m| {
        use std::os::unix::fs::MetadataExt;
        (m.dev(), m.ino())
    });
    let db = resolved(db).unwrap_or_else(|| db.to_path_buf());
    database_files(&db).iter().any(|f| {
        if target.as_deref() == Some(f.as_path()) {
            return true;
        }
        #[cfg(unix)]
        if let (Some(id), Ok(m)) = (target_id, std::fs::metadata(f)) {
            use std::os::unix::fs::MetadataExt;
            return id == (m.dev(), m.ino());
        }
        false
    })
}

/// Why the output file could not be created, said plainly: only an
/// existing file is something `--force` can help with.
fn cannot_create(out: &Path, e: &std::io::Error) -> anyhow::Error {
    let folder = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match e.kind() {
        std::io::ErrorKind::AlreadyExists => anyhow::anyhow!(
            "{} already exists (use --force to replace it)",
            out.display()
        ),
        std::io::ErrorKind::NotFound if !folder.is_dir() => anyhow::anyhow!(
            "cannot create {}: the folder {} does not exist",
            out.display(),
            folder.display()
        ),
        _ if out.is_dir() => anyhow::anyhow!(
            "cannot create {}: it is a folder; --out needs a file name",
            out.display()
        ),
        _ => anyhow::anyhow!("cannot create {}: {e}", out.display()),
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let store = args.db.open_existing()?;
    if args.out.as_os_str() != "-" && is_database_file(&args.out, store.path()) {
        anyhow::bail!(
            "{} is the database being exported from ({}, or one of its -wal/-shm files): \
             writing the export there would destroy every stored shift; choose another --out",
            args.out.display(),
            store.path().display()
        );
    }
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
    let file = o
        .open(&args.out)
        .map_err(|e| cannot_create(&args.out, &e))?;
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
