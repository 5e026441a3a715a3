//! `steady import FILE`: stores a recording (rr / e4 / hrm-log / Polar
//! .hrm) as a past shift, run through the core's stored shift like a live
//! one ([`RunningShift`] with its recorder): the model's cleaned beats,
//! HR-only samples, motion (ENMO per 5 s, as `replay` feeds it), the
//! model's events, its summary, and its still minutes for the personal
//! baseline.
use anyhow::{Context, Result};
use std::io::Write;
use std::path::PathBuf;
use steady_core::Millis;
use steady_core::feed::Piece;
use steady_core::recorder::ShiftRecorder;
use steady_core::running::RunningShift;
use steady_core::shift::{ShiftConfig, ShiftInput};
use steady_core::store::{ShiftSource, WriterConfig};

use super::common::{FormatArg, Out, open};
use super::db::{DbArg, fmt_time};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Recording: RR text, E4 folder, hrm-log, Polar .hrm.
    pub file: PathBuf,
    /// File format.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
    /// When the recording started (RFC 3339, e.g. 2025-11-20T07:00:00Z),
    /// for files without a clock of their own (rr text, Polar .hrm): the
    /// shift is placed there in the history instead of at time 0.
    #[arg(long, value_name = "TIME", value_parser = parse_start)]
    pub start: Option<Millis>,
    /// Import even when a recording with the same content was imported
    /// before (by default that is refused: it would count twice).
    #[arg(long)]
    pub allow_duplicate: bool,
    #[command(flatten)]
    pub db: DbArg,
}

/// Event kind that records what an import was made from.
const SOURCE_EVENT: &str = "import_source";

/// SHA-256 (hex) of the recording's bytes: the file, or for a folder (E4)
/// each file's name and bytes in name order. Read in blocks.
fn content_hash(path: &std::path::Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut files = Vec::new();
    if path.is_dir() {
        for e in std::fs::read_dir(path)? {
            let p = e?.path();
            if p.is_file() {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    for f in &files {
        if path.is_dir() {
            h.update(
                f.file_name()
                    .map(|n| n.as_encoded_bytes())
                    .unwrap_or_default(),
            );
            h.update([0u8]);
        }
        let mut r = std::fs::File::open(f)?;
        std::io::copy(&mut r, &mut h)?;
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The imported shift made from content with this hash, if any.
fn imported_before(store: &steady_core::store::Store, hash: &str) -> Result<Option<i64>> {
    for r in store.shifts()? {
        if r.source != ShiftSource::Import {
            continue;
        }
        let same = store
            .events(r.id)?
            .iter()
            .any(|e| e.kind == SOURCE_EVENT && e.payload["sha256"] == hash);
        if same {
            return Ok(Some(r.id));
        }
    }
    Ok(None)
}

fn parse_start(s: &str) -> Result<Millis, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|e| format!("{s:?} is not an RFC 3339 time (e.g. 2025-11-20T07:00:00Z): {e}"))
}

/// How often an import saves, in recording time: the writer holds what
/// it has not saved, so a long recording is saved as it is read (memory
/// does not grow with the file). A failure or a stop signal still removes
/// the whole shift (all or nothing); a SIGKILL leaves an unfinished import
/// whose hint (`steady delete N`) removes it.
const IMPORT_SAVE_EVERY_MS: Millis = 6 * 3_600_000;

pub fn run(args: Args) -> Result<()> {
    let mut stream = open(&args.file, args.format)?;
    if let Some(start) = args.start {
        anyhow::ensure!(
            stream.start_unix_ms.is_none(),
            "{} has its own clock; --start is only for files without one",
            args.file.display()
        );
        stream.place_at(start);
    }
    anyhow::ensure!(
        stream.has_data,
        "{}: no RR intervals and no heart rate to import",
        args.file.display()
    );
    let label = args.file.file_name().map_or_else(
        || args.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    crate::stop::install()?;
    let hash = content_hash(&args.file)?;
    let store = args.db.open()?;
    let path = store.path().to_path_buf();
    if !args.allow_duplicate
        && let Some(id) = imported_before(&store, &hash)?
    {
        anyhow::bail!(
            "{} was already imported as shift {id} (same content); --allow-duplicate imports it again",
            args.file.display()
        );
    }
    // RR (cleaned inside the model), HR and motion blocks, as `replay`
    // feeds them, bracketed by Start and End, read as the file streams.
    let mut pieces = stream.peekable();
    let start = match pieces.peek() {
        Some(Ok(Piece::Input(ShiftInput::Start { t_ms }))) => *t_ms,
        Some(Err(_)) => match pieces.next() {
            Some(Err(e)) => return Err(e.into()),
            _ => anyhow::bail!("{}: unreadable", args.file.display()),
        },
        _ => anyhow::bail!("{}: nothing to import", args.file.display()),
    };
    let setup = store.shift_setup(start, ShiftConfig::default())?;
    let known: Vec<_> = store.unfinished_shifts()?.iter().map(|r| r.id).collect();
    let (mut session, _) = RunningShift::start_recorded(
        store,
        setup,
        start,
        ShiftSource::Import,
        Some(&label),
        WriterConfig {
            flush_after_ms: IMPORT_SAVE_EVERY_MS,
            retry_after_ms: IMPORT_SAVE_EVERY_MS,
            // All or nothing: a SQLite save every 6 h of data, no journal.
            fold_after_ms: None,
            // All or nothing: the import stops at its first failed save
            // (below), so the writer never holds more than one batch.
            max_unsaved_ms: Millis::MAX,
        },
    )
    .map_err(|e| {
        super::record::not_started(&e.to_string(), &path, ShiftSource::Import, &label, &known)
    })?;
    let id = session
        .recorder()
        .map(ShiftRecorder::shift_id)
        .context("the imported shift is not stored")?;
    // All or nothing: a failure or a stop signal past this point removes
    // the half-made shift, so no input leaves one its commands cannot close.
    let discard = |why: String| -> anyhow::Error {
        use steady_core::store::{Store, StoreError};
        match Store::open(&path).and_then(|mut s| s.delete_shift(id)) {
            // Gone already: its row was never saved (a full disk).
            Ok(()) | Err(StoreError::NoSuchShift(_)) => {
                anyhow::anyhow!("{why}; nothing was imported")
            }
            Err(e)
                if Store::open(&path)
                    .map(|s| matches!(s.shift(id), Err(StoreError::NoSuchShift(_))))
                    .unwrap_or(false) =>
            {
                tracing::debug!("{e}");
                anyhow::anyhow!("{why}; nothing was imported")
            }
            Err(e) => anyhow::anyhow!(
                "{why}; shift {id}, possibly incomplete, could not be removed ({e}): `steady delete {id}` removes it"
            ),
        }
    };
    session.note(
        start,
        SOURCE_EVENT,
        &serde_json::json!({"sha256": hash, "file": label}),
    );
    let mut end = start;
    let mut hr_samples = 0u64;
    let mut ended = false;
    for piece in pieces {
        if let Some(sig) = crate::stop::requested() {
            drop(session);
            return Err(discard(format!("stopped by {sig}")));
        }
        let input = match piece {
            Ok(Piece::Input(i)) => i,
            // Gaps after the end belong to no input (as before streaming).
            Ok(Piece::Gap(g)) if !ended => {
                session.note(
                    g.end_ms,
                    "gap",
                    &serde_json::json!({"start_ms": g.start_ms, "end_ms": g.end_ms}),
                );
                continue;
            }
            Ok(Piece::Gap(_)) => continue,
            Err(e) => {
                drop(session);
                return Err(discard(e.to_string()));
            }
        };
        match input {
            ShiftInput::Start { .. } => {}
            ShiftInput::End { t_ms } => {
                end = t_ms;
                ended = true;
            }
            _ => {
                if matches!(input, ShiftInput::HeartRate { .. }) {
                    hr_samples += 1;
                }
                session.handle(&input);
                if let Some(e) = store_error(&session) {
                    let e = e.to_string();
                    drop(session);
                    return Err(discard(format!("the import was not stored: {e}")));
                }
            }
        }
    }
    let summary = match session.end(end) {
        Ok((summary, _)) if store_error(&session).is_none() => summary,
        Ok(_) => {
            let e = store_error(&session).unwrap_or_default().to_string();
            drop(session);
            return Err(discard(format!("the import was not stored: {e}")));
        }
        Err(e) => {
            drop(session);
            return Err(discard(format!("the import failed: {e}")));
        }
    };
    let mut out = Out::stdout();
    writeln!(
        out,
        "imported {} as shift {} ({} beats, {} HR samples, start {}; {} returns to baseline, load peak {:.1}, {} prompts) into {}",
        args.file.display(),
        id,
        summary.signal.beats,
        hr_samples,
        fmt_time(start),
        summary.returns_to_baseline,
        summary.load_peak,
        summary.prompts_offered,
        path.display()
    )?;
    Ok(())
}

/// The stored shift's latest save failure.
fn store_error(shift: &RunningShift) -> Option<&str> {
    shift.recorder().and_then(ShiftRecorder::store_error)
}
