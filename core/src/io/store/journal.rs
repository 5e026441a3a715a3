//! The live writer's journal: the cheap durable step every 5 s of data.
//!
//! WHY a journal: the promise is "a killed process (SIGKILL, the app killed)
//! loses at most 5 s of data". That needs the data in the OS, one `write()`,
//! not a SQLite commit: a commit every 5 s cost about 80 µs of CPU (statement,
//! B-tree and WAL page work, re-encoding the open blocks), 71 ms per
//! shift-hour, seven times the target of 10 ms for the whole stored path.
//! So every 5 s of data the live writer appends the new data to this file
//! (one record, one `write()` on the caller's thread, a few µs) and the
//! writer thread folds it into SQLite every 5 minutes of data
//! ([`super::WriterConfig::fold_after_ms`]).
//!
//! One file per live writer, beside the database:
//! `<db file name>-steady-journal-<shift>-<lease token>`, mode 0600. The
//! writer holds an exclusive `flock` on it while it runs; a journal nobody
//! holds belongs to a dead writer and is folded into the database by the
//! next [`super::Store::open`] (and by [`super::ShiftWriter::resume`]),
//! then removed. So every reader (`steady summary`, a resume, the crash
//! test) sees what a killed writer had journaled.
//!
//! Format: a header (magic, shift id, lease token), then records: `u32`
//! length, `u32` CRC-32 of the payload, payload = `u64` sequence number,
//! beats, HR samples, motion samples (each: count, first time, the store's
//! block encoding, [`super::codec`]) and events. A record torn by a failed
//! write (a full disk; the writer cuts the file back) or a power cut fails
//! its CRC: it and what follows are ignored. Each fold stores the last
//! sequence number it holds (settings key `journal_seq:<shift>`) in the
//! same transaction, so a kill between a fold and the journal's truncation
//! never stores a record twice.
//!
//! Promise on power loss (weaker, and the same as before the journal): the
//! journal is never fsynced and the folds commit with `synchronous =
//! NORMAL`, so a power cut or OS crash may lose the data since the last
//! WAL checkpoint; the file stays consistent, and the end of a shift is a
//! `FULL` commit.
use super::codec::{self, Sample};
use super::writer::Batch;
use super::{ShiftId, Store, StoreError};
use crate::Millis;
use crate::beats::Beat;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"STDYJNL1";

/// The settings key of the last journal record folded into the database.
pub(crate) fn seq_key(shift: ShiftId) -> String {
    format!("{SEQ_KEY_PREFIX}{shift}")
}

/// Prefix of [`seq_key`].
pub(crate) const SEQ_KEY_PREFIX: &str = "journal_seq:";

/// A full disk as [`StoreError::Full`], as SQLite's is.
fn io_error(e: std::io::Error) -> StoreError {
    if e.kind() == std::io::ErrorKind::StorageFull {
        StoreError::Full
    } else {
        StoreError::Io(e)
    }
}

/// The prefix of every journal file of the database at `db`, and its folder.
fn prefix(db: &Path) -> (PathBuf, String) {
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let name = db
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    (dir, format!("{name}-steady-journal-"))
}

fn path_for(db: &Path, shift: ShiftId, token: &str) -> PathBuf {
    let (dir, prefix) = prefix(db);
    dir.join(format!("{prefix}{shift}-{token}"))
}

/// The live writer's open journal, locked.
#[derive(Debug)]
pub(crate) struct Journal {
    file: File,
    path: PathBuf,
    header_len: u64,
    /// Length up to the last whole record (a failed write is cut back to it).
    len: u64,
    /// Sequence number of the next record.
    next_seq: u64,
    /// The record being written, reused.
    buf: Vec<u8>,
}

impl Journal {
    /// Creates and locks the journal of the writer holding lease `token`;
    /// its records are numbered from `next_seq`.
    pub(crate) fn create(
        db: &Path,
        shift: ShiftId,
        token: &str,
        next_seq: u64,
    ) -> Result<Journal, StoreError> {
        let path = path_for(db, shift, token);
        let mut o = std::fs::OpenOptions::new();
        o.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        let mut file = o.open(&path).map_err(io_error)?;
        // Blocks only while another process's recovery looks at it (it
        // leaves a file without a header alone).
        file.lock().map_err(io_error)?;
        file.set_len(0).map_err(io_error)?;
        let mut header = Vec::with_capacity(64);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&shift.to_le_bytes());
        put_bytes(&mut header, token.as_bytes());
        file.write_all(&header).map_err(io_error)?;
        let header_len = header.len() as u64;
        Ok(Journal {
            file,
            path,
            header_len,
            len: header_len,
            next_seq,
            buf: Vec::new(),
        })
    }

    /// Appends `batch` as one record (one `write()`); returns its sequence
    /// number. On failure the file is cut back to its last whole record and
    /// the batch is not journaled.
    pub(crate) fn append(&mut self, batch: &Batch) -> Result<u64, StoreError> {
        let seq = self.next_seq;
        self.buf.clear();
        self.buf.extend_from_slice(&[0; 8]);
        self.buf.extend_from_slice(&seq.to_le_bytes());
        put_beats(&mut self.buf, &batch.beats)?;
        put_samples(&mut self.buf, &batch.hr);
        put_samples(&mut self.buf, &batch.motion);
        put_u32(&mut self.buf, batch.events.len());
        for (t, kind, payload) in &batch.events {
            self.buf.extend_from_slice(&t.to_le_bytes());
            put_bytes(&mut self.buf, kind.as_bytes());
            put_bytes(&mut self.buf, payload.as_bytes());
        }
        let payload_len = (self.buf.len() - 8) as u32;
        let crc = crc32fast::hash(self.buf.get(8..).unwrap_or_default());
        let mut head = [0u8; 8];
        head[..4].copy_from_slice(&payload_len.to_le_bytes());
        head[4..].copy_from_slice(&crc.to_le_bytes());
        self.buf.splice(..8, head);
        if let Err(e) = self.file.write_all(&self.buf) {
            // Best effort: a torn record would fail its CRC anyway.
            let _ = self.file.set_len(self.len);
            return Err(io_error(e));
        }
        self.len += self.buf.len() as u64;
        self.next_seq += 1;
        Ok(seq)
    }

    /// Test hook: this journal writing to `file` instead (e.g. `/dev/full`).
    #[cfg(test)]
    pub(crate) fn redirect(&mut self, file: File) {
        self.file = file;
    }

    /// Drops every record (all folded into the database).
    pub(crate) fn clear(&mut self) -> Result<(), StoreError> {
        self.file.set_len(self.header_len).map_err(io_error)?;
        self.len = self.header_len;
        Ok(())
    }

    /// Removes the file (everything in it is in the database, or the shift
    /// is gone).
    pub(crate) fn remove(self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %e, "could not remove the journal");
        }
    }
}

fn put_u32(buf: &mut Vec<u8>, n: usize) {
    buf.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_bytes(buf: &mut Vec<u8>, b: &[u8]) {
    put_u32(buf, b.len());
    buf.extend_from_slice(b);
}

fn put_beats(buf: &mut Vec<u8>, beats: &[Beat]) -> Result<(), StoreError> {
    put_u32(buf, beats.len());
    if let Some(first) = beats.first() {
        buf.extend_from_slice(&first.t_ms.to_le_bytes());
        put_bytes(buf, &codec::encode_beats(beats)?);
    }
    Ok(())
}

fn put_samples(buf: &mut Vec<u8>, samples: &[Sample]) {
    put_u32(buf, samples.len());
    if let Some(first) = samples.first() {
        buf.extend_from_slice(&first.t_ms.to_le_bytes());
        put_bytes(buf, &codec::encode_samples(samples));
    }
}

/// Reads a journal's bytes.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.buf.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }
    fn u32(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()?;
        self.take(n)
    }
    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }
}

/// What a journal file holds.
pub(crate) struct Contents {
    pub(crate) shift: ShiftId,
    pub(crate) token: String,
    /// The records after sequence number `after`, as one batch, and the last
    /// sequence number in it.
    pub(crate) batch: Batch,
    pub(crate) last_seq: Option<u64>,
}

/// Parses a journal: its header, then the whole records whose sequence
/// number is above `after` (stops at the first torn or damaged one).
/// `None` when the header is not a journal's.
fn parse(data: &[u8], after: impl FnOnce(ShiftId) -> Option<u64>) -> Option<Contents> {
    let mut c = Cursor { buf: data, pos: 0 };
    if c.take(MAGIC.len())? != MAGIC {
        return None;
    }
    let shift = c.i64()?;
    let token = c.string()?;
    let after = after(shift);
    let mut out = Contents {
        shift,
        token,
        batch: Batch::default(),
        last_seq: None,
    };
    while let (Some(len), Some(crc)) = (c.u32(), c.u32()) {
        let Some(payload) = c.take(len) else { break };
        if crc32fast::hash(payload) as usize != crc {
            break;
        }
        let mut r = Cursor {
            buf: payload,
            pos: 0,
        };
        let Some(seq) = r.u64() else { break };
        if after.is_some_and(|a| seq <= a) {
            continue;
        }
        if parse_record(&mut r, &mut out.batch).is_none() {
            break;
        }
        out.last_seq = Some(seq);
    }
    Some(out)
}

fn parse_record(r: &mut Cursor<'_>, batch: &mut Batch) -> Option<()> {
    let beats = |r: &mut Cursor<'_>| -> Option<Vec<Beat>> {
        if r.u32()? == 0 {
            return Some(Vec::new());
        }
        let t = r.i64()?;
        codec::decode_beats(t, r.bytes()?).ok()
    };
    let samples = |r: &mut Cursor<'_>| -> Option<Vec<Sample>> {
        if r.u32()? == 0 {
            return Some(Vec::new());
        }
        let t = r.i64()?;
        codec::decode_samples(t, r.bytes()?).ok()
    };
    let (b, hr, motion) = (beats(r)?, samples(r)?, samples(r)?);
    let n = r.u32()?;
    let mut events = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        events.push((r.i64()?, r.string()?, r.string()?));
    }
    for t in b
        .iter()
        .map(|x| x.t_ms)
        .chain(hr.iter().chain(&motion).map(|s| s.t_ms))
        .chain(events.iter().map(|e| e.0))
    {
        batch.note(t);
    }
    batch.beats.extend(b);
    batch.hr.extend(hr);
    batch.motion.extend(motion);
    batch.events.extend(events);
    Some(())
}

/// The journal files of the database at `db`.
fn journal_files(db: &Path) -> Vec<PathBuf> {
    let (dir, prefix) = prefix(db);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    v.sort();
    v
}

/// The last journal sequence number folded into the database for `shift`.
pub(crate) fn folded_seq(store: &Store, shift: ShiftId) -> Result<Option<u64>, StoreError> {
    Ok(store.setting(&seq_key(shift))?.and_then(|v| v.as_u64()))
}

/// Folds every journal of a dead writer (one nobody holds locked) into the
/// database and removes it; with `only`, just that shift's. A journal
/// whose shift ended, was deleted, or was taken over by another writer
/// (its lease token is not the shift's) holds nothing to keep: removed.
/// Returns how many journals were folded or removed.
pub(crate) fn recover(store: &Store, only: Option<ShiftId>) -> Result<usize, StoreError> {
    let mut n = 0;
    for path in journal_files(store.path()) {
        let mut file = match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
        {
            Ok(f) => f,
            // Removed meanwhile by another process's recovery.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_error(e)),
        };
        match file.try_lock() {
            Ok(()) => {}
            // A live writer's.
            Err(std::fs::TryLockError::WouldBlock) => continue,
            Err(std::fs::TryLockError::Error(e)) => return Err(io_error(e)),
        }
        // Locked: still the file at `path` (not one removed meanwhile)?
        if !same_file(&file, &path) {
            continue;
        }
        let mut data = Vec::new();
        file.read_to_end(&mut data).map_err(io_error)?;
        let mut after_err = None;
        let Some(contents) = parse(&data, |shift| match folded_seq(store, shift) {
            Ok(s) => s,
            Err(e) => {
                after_err = Some(e);
                None
            }
        }) else {
            tracing::warn!(path = %path.display(), "not a Steady journal; left as it is");
            continue;
        };
        if let Some(e) = after_err {
            return Err(e);
        }
        if only.is_some_and(|s| s != contents.shift) {
            continue;
        }
        let kept = super::writer::fold_recovered(store, &contents)?;
        tracing::info!(
            shift = contents.shift,
            items = contents.batch.len(),
            kept,
            "recovered a killed writer's journal"
        );
        std::fs::remove_file(&path).map_err(io_error)?;
        n += 1;
    }
    Ok(n)
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// What a kill right now would leave of `shift`'s beats and HR samples:
/// the database's, plus what its journals hold beyond them (read only, the
/// live writer's journal included). For tests of the 5-s promise.
pub(crate) fn durable_counts(store: &Store, shift: ShiftId) -> Result<(usize, usize), StoreError> {
    // One snapshot of the database; the journal read after it can only
    // hold more (a fold commits before its records are dropped).
    let beats = store.beats(shift)?;
    let hr = store.samples(shift, super::SampleKind::Hr)?;
    let last_beat: Option<Millis> = beats.last().map(|b| b.t_ms);
    let last_hr: Option<Millis> = hr.last().map(|s| s.t_ms);
    let (mut nb, mut nh) = (beats.len(), hr.len());
    for path in journal_files(store.path()) {
        let Ok(data) = std::fs::read(&path) else {
            continue;
        };
        let Some(c) = parse(&data, |_| None) else {
            continue;
        };
        if c.shift != shift {
            continue;
        }
        nb += c
            .batch
            .beats
            .iter()
            .filter(|b| last_beat.is_none_or(|t| b.t_ms > t))
            .count();
        nh += c
            .batch
            .hr
            .iter()
            .filter(|s| last_hr.is_none_or(|t| s.t_ms > t))
            .count();
    }
    Ok((nb, nh))
}
