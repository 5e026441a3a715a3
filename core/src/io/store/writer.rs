//! The live shift writer: buffers beats, samples and events and saves them
//! in batches, so that a killed process loses at most `flush_after_ms`
//! (5 s by default) of data.
//!
//! WHY batching on DATA time: the model is deterministic and never reads a
//! clock; the writer follows the same rule. A batch is saved as soon as the
//! unsaved data spans `flush_after_ms` (measured on the data's own
//! timestamps, or on the time given to [`ShiftWriter::tick`]), so replaying
//! a file at any speed saves at the same points.
//!
//! WHY keep data on failure: on a full disk or a busy database the write
//! fails, the data stays in memory (a 12-hour shift is about 1 MB of beats)
//! and the save is retried at the next push or tick after
//! `retry_after_ms` of data time. Nothing is dropped.
//!
//! WHY `synchronous = NORMAL` while a live shift is written (WAL mode): a
//! commit is then written to the WAL without an fsync, so the caller (the
//! phone's BLE thread) never waits for the disk at the 5-s saves; the WAL is
//! synced only when SQLite checkpoints it (by default once the WAL holds
//! 1000 pages) and when its header is rewritten after a checkpoint: those
//! few syncs still happen on the caller's thread. A killed process loses nothing committed
//! (the WAL is in the OS's cache; SQLite recovers it at the next open), so
//! the "at most 5 s lost" promise holds (`cli/tests/crash.rs` kills a
//! replay with SIGKILL). A power cut or OS crash may lose the commits since
//! the last sync, never the file's consistency. The writer of an import
//! ([`WriterConfig::bulk`]) keeps `FULL`, and so does the end of a shift
//! ([`ShiftWriter::finish`] switches back before its last save).
//!
//! Beats are appended to the shift's last, still open block (rewritten in
//! place) until it reaches [`codec::MAX_BLOCK_BEATS`] beats or
//! [`codec::MAX_BLOCK_BYTES`] bytes, so frequent saves do not cost a row per
//! save. A live writer seals its beat blocks at [`LIVE_BLOCK_BEATS`]: each
//! 5-s save re-encodes the whole open block, and on full-size blocks (3.6 KB,
//! about 1 700 beats) that re-encoding was most of the store's CPU per
//! packet (perf on the stored_path bench); smaller blocks cost 0.11 B/beat
//! more on disk (Holter storage test: 2.81 -> 2.92).
use super::codec::{self, Sample};
use super::{KeyFigures, SampleKind, ShiftId, ShiftSource, Store, StoreError};
use crate::Millis;
use crate::beats::Beat;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

/// Largest beat block a live writer (saving every few seconds) keeps open.
pub const LIVE_BLOCK_BEATS: usize = 256;

/// Batching parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterConfig {
    /// Save once the unsaved data spans this long (data time). At most
    /// 5000 ms is what the product promises.
    pub flush_after_ms: Millis,
    /// After a failed save, wait this long (data time) before retrying.
    pub retry_after_ms: Millis,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            flush_after_ms: 5_000,
            retry_after_ms: 1_000,
        }
    }
}

impl WriterConfig {
    /// For importing a finished recording: one save at the end (or when
    /// [`ShiftWriter::flush`] is called), not every 5 s of data.
    pub fn bulk() -> Self {
        WriterConfig {
            flush_after_ms: Millis::MAX,
            retry_after_ms: 0,
        }
    }
}

/// The last block of a series, kept in memory so it can be extended.
#[derive(Debug, Clone)]
struct OpenBlock<T> {
    /// Row id once saved.
    row: Option<i64>,
    seq: i64,
    items: Vec<T>,
}

impl<T> OpenBlock<T> {
    fn empty(seq: i64) -> Self {
        OpenBlock {
            row: None,
            seq,
            items: Vec::new(),
        }
    }
}

trait BlockItem: Copy {
    fn t(&self) -> Millis;
}
impl BlockItem for Beat {
    fn t(&self) -> Millis {
        self.t_ms
    }
}
impl BlockItem for Sample {
    fn t(&self) -> Millis {
        self.t_ms
    }
}

/// Which table a block goes to.
#[derive(Clone, Copy)]
enum Series {
    /// With the most beats a block may hold.
    Beats(usize),
    Samples(SampleKind),
}

/// Writes one live (or imported) shift. Dropping it saves what is pending
/// (best effort); [`ShiftWriter::finish`] ends the shift.
pub struct ShiftWriter {
    store: Store,
    shift: ShiftId,
    /// Lease: this writer's token in `shifts.writer`; a save checks it so
    /// two processes never extend the same blocks.
    token: String,
    cfg: WriterConfig,
    ended: bool,
    beats: OpenBlock<Beat>,
    hr: OpenBlock<Sample>,
    motion: OpenBlock<Sample>,
    pending_beats: Vec<Beat>,
    pending_hr: Vec<Sample>,
    pending_motion: Vec<Sample>,
    pending_events: Vec<(Millis, String, String)>,
    /// Earliest and latest data time among unsaved data.
    oldest_pending: Option<Millis>,
    newest_seen: Option<Millis>,
    /// After a failure: no retry before this data time.
    retry_at: Option<Millis>,
    last_error: Option<String>,
}

impl std::fmt::Debug for ShiftWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShiftWriter")
            .field("shift", &self.shift)
            .field("unsaved", &self.unsaved_len())
            .finish()
    }
}

impl ShiftWriter {
    /// Starts a new shift at `started_ms` (data time) and returns its writer.
    pub fn start(
        store: Store,
        started_ms: Millis,
        source: ShiftSource,
        label: Option<&str>,
        cfg: WriterConfig,
    ) -> Result<ShiftWriter, StoreError> {
        let shift = store.create_shift(started_ms, source, label)?;
        let w = Self::new(store, shift, cfg);
        w.take_lease()?;
        w.live_sync()?;
        Ok(w)
    }

    /// `synchronous = NORMAL` for the periodic saves of a live shift (see
    /// the module doc); an import's single save keeps `FULL`.
    fn live_sync(&self) -> Result<(), StoreError> {
        if self.cfg.flush_after_ms != Millis::MAX {
            self.store
                .conn
                .execute_batch("PRAGMA synchronous = NORMAL")?;
        }
        Ok(())
    }

    fn new(store: Store, shift: ShiftId, cfg: WriterConfig) -> Self {
        use std::hash::{BuildHasher, Hasher};
        // RandomState is seeded randomly per process: unique enough for a
        // lease token, no RNG crate needed.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_i64(shift);
        let token = format!("{}-{:016x}", std::process::id(), h.finish());
        ShiftWriter {
            store,
            shift,
            token,
            cfg,
            ended: false,
            beats: OpenBlock::empty(0),
            hr: OpenBlock::empty(0),
            motion: OpenBlock::empty(0),
            pending_beats: Vec::new(),
            pending_hr: Vec::new(),
            pending_motion: Vec::new(),
            pending_events: Vec::new(),
            oldest_pending: None,
            newest_seen: None,
            retry_at: None,
            last_error: None,
        }
    }

    /// Continues an unfinished shift (e.g. after the app was killed): new
    /// data is appended after what was saved.
    pub fn resume(
        store: Store,
        shift: ShiftId,
        cfg: WriterConfig,
    ) -> Result<ShiftWriter, StoreError> {
        let rec = store.shift(shift)?;
        if rec.ended_ms.is_some() {
            return Err(StoreError::ShiftEnded(shift));
        }
        let mut w = Self::new(store, shift, cfg);
        w.take_lease()?;
        w.beats = load_last_beats(&w.store, shift)?;
        w.hr = load_last_samples(&w.store, shift, SampleKind::Hr)?;
        w.motion = load_last_samples(&w.store, shift, SampleKind::Motion)?;
        w.newest_seen = w.store.last_data_t(shift)?;
        w.live_sync()?;
        Ok(w)
    }

    fn take_lease(&self) -> Result<(), StoreError> {
        self.store.conn.execute(
            "UPDATE shifts SET writer = ?2 WHERE id = ?1",
            params![self.shift, self.token],
        )?;
        Ok(())
    }

    /// The shift being written.
    pub fn shift_id(&self) -> ShiftId {
        self.shift
    }

    /// The store, for reads (history, baseline) while the shift is live.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Number of items (beats, samples, events) not yet saved.
    pub fn unsaved_len(&self) -> usize {
        self.pending_beats.len()
            + self.pending_hr.len()
            + self.pending_motion.len()
            + self.pending_events.len()
    }

    /// The message of the last failed save, until a save succeeds.
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    fn check_live(&self) -> Result<(), StoreError> {
        if self.ended {
            Err(StoreError::ShiftEnded(self.shift))
        } else {
            Ok(())
        }
    }

    fn note(&mut self, t: Millis) {
        self.oldest_pending = Some(self.oldest_pending.map_or(t, |o| o.min(t)));
        self.newest_seen = Some(self.newest_seen.map_or(t, |n| n.max(t)));
    }

    /// Adds a beat. `Err(InvalidBeat)` rejects the beat (RR not finite,
    /// not positive or over 60 s); any other error is a failed save: the
    /// beat is kept and the save retried.
    pub fn push_beat(&mut self, beat: Beat) -> Result<(), StoreError> {
        self.check_live()?;
        codec::check_beat(&beat)?;
        self.pending_beats.push(beat);
        self.note(beat.t_ms);
        self.flush_if_due(beat.t_ms)
    }

    /// Adds an HR-only or motion sample (same error rule as
    /// [`ShiftWriter::push_beat`]).
    pub fn push_sample(
        &mut self,
        kind: SampleKind,
        t_ms: Millis,
        value: f32,
    ) -> Result<(), StoreError> {
        self.check_live()?;
        let s = Sample { t_ms, value };
        match kind {
            SampleKind::Hr => self.pending_hr.push(s),
            SampleKind::Motion => self.pending_motion.push(s),
        }
        self.note(t_ms);
        self.flush_if_due(t_ms)
    }

    /// Adds an event: its kind (e.g. "prompt", "reset", "quiet", "snooze")
    /// and the model's JSON payload.
    pub fn push_event(
        &mut self,
        t_ms: Millis,
        kind: &str,
        payload: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.check_live()?;
        let payload = serde_json::to_string(payload)?;
        self.pending_events.push((t_ms, kind.to_owned(), payload));
        self.note(t_ms);
        self.flush_if_due(t_ms)
    }

    /// Tells the writer that data time `now_ms` has been reached (e.g. the
    /// strap went silent): saves if the unsaved data is now old enough.
    pub fn tick(&mut self, now_ms: Millis) -> Result<(), StoreError> {
        self.flush_if_due(now_ms)
    }

    fn flush_if_due(&mut self, now: Millis) -> Result<(), StoreError> {
        let Some(oldest) = self.oldest_pending else {
            return Ok(());
        };
        let now = self.newest_seen.map_or(now, |n| n.max(now));
        if now.saturating_sub(oldest) < self.cfg.flush_after_ms {
            return Ok(());
        }
        if self.retry_at.is_some_and(|r| now < r) {
            return Ok(());
        }
        self.flush().inspect_err(|_| {
            self.retry_at = Some(now.saturating_add(self.cfg.retry_after_ms));
        })
    }

    /// Saves everything pending now, in one transaction. On failure nothing
    /// pending is lost and the in-memory state is as before.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        if self.unsaved_len() == 0 {
            return Ok(());
        }
        let res = self.try_flush();
        match &res {
            Ok(()) => {
                self.last_error = None;
                self.retry_at = None;
            }
            Err(StoreError::NoSuchShift(_)) => {
                // Deleted (`steady delete`) while being written: nothing to
                // save it into, so nothing to keep or retry. Said once.
                if self.last_error.is_none() {
                    tracing::info!(
                        shift = self.shift,
                        unsaved = self.unsaved_len(),
                        "the shift was deleted; its unsaved data is dropped"
                    );
                }
                self.pending_beats.clear();
                self.pending_hr.clear();
                self.pending_motion.clear();
                self.pending_events.clear();
                self.last_error = Some(StoreError::NoSuchShift(self.shift).to_string());
            }
            Err(e) => {
                let text = e.to_string();
                // Once per kind of failure, not at every retry.
                if self.last_error.as_deref() != Some(text.as_str()) {
                    tracing::warn!(shift = self.shift, error = %e, unsaved = self.unsaved_len(), "save failed; keeping data in memory");
                }
                self.last_error = Some(text);
            }
        }
        res
    }

    fn try_flush(&mut self) -> Result<(), StoreError> {
        let shift = self.shift;
        let tx = self
            .store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let owner: Option<String> = tx
            .query_row("SELECT writer FROM shifts WHERE id = ?1", [shift], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or(StoreError::NoSuchShift(shift))?;
        if owner.as_deref() != Some(self.token.as_str()) {
            return Err(StoreError::TakenOver(shift));
        }
        let max_beats = if self.cfg.flush_after_ms == Millis::MAX {
            codec::MAX_BLOCK_BEATS
        } else {
            LIVE_BLOCK_BEATS
        };
        let beats = write_series(
            &tx,
            shift,
            Series::Beats(max_beats),
            &self.beats,
            &self.pending_beats,
            encode_beats,
        )?;
        let hr = write_series(
            &tx,
            shift,
            Series::Samples(SampleKind::Hr),
            &self.hr,
            &self.pending_hr,
            encode_samples,
        )?;
        let motion = write_series(
            &tx,
            shift,
            Series::Samples(SampleKind::Motion),
            &self.motion,
            &self.pending_motion,
            encode_samples,
        )?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO events (shift_id, t_ms, kind, payload) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (t, kind, payload) in &self.pending_events {
                stmt.execute(params![shift, t, kind, payload])?;
            }
        }
        tx.commit()?;
        // Only now, with the data on disk, update the in-memory state.
        self.beats = beats;
        self.hr = hr;
        self.motion = motion;
        self.pending_beats.clear();
        self.pending_hr.clear();
        self.pending_motion.clear();
        self.pending_events.clear();
        self.oldest_pending = None;
        Ok(())
    }

    /// Saves what is pending and ends the shift with the model's summary
    /// JSON and its key figures. On failure the writer stays usable and
    /// nothing is lost; call again to retry.
    pub fn finish(
        &mut self,
        ended_ms: Millis,
        summary: &serde_json::Value,
        key: &KeyFigures,
    ) -> Result<(), StoreError> {
        self.check_live()?;
        // The end of a shift is synced to disk, as every other write of the
        // store is.
        self.store.conn.execute_batch("PRAGMA synchronous = FULL")?;
        self.flush()?;
        self.store.end_shift(self.shift, ended_ms, summary, key)?;
        self.ended = true;
        // The lease is no longer needed; failing to clear it is harmless.
        let _ = self.store.conn.execute(
            "UPDATE shifts SET writer = NULL WHERE id = ?1",
            [self.shift],
        );
        Ok(())
    }
}

impl Drop for ShiftWriter {
    fn drop(&mut self) {
        if self.unsaved_len() > 0
            && let Err(e) = self.flush()
        {
            tracing::error!(shift = self.shift, error = %e, lost = self.unsaved_len(), "could not save pending data on drop");
        }
    }
}

fn encode_beats(items: &[Beat]) -> Result<Vec<u8>, StoreError> {
    Ok(codec::encode_beats(items)?)
}

fn encode_samples(items: &[Sample]) -> Result<Vec<u8>, StoreError> {
    Ok(codec::encode_samples(items))
}

/// Appends `pending` to the open block, sealing full blocks, and writes the
/// changed blocks. Returns the new open block (applied by the caller only
/// after commit).
fn write_series<T: BlockItem>(
    tx: &Transaction<'_>,
    shift: ShiftId,
    series: Series,
    open: &OpenBlock<T>,
    pending: &[T],
    encode: fn(&[T]) -> Result<Vec<u8>, StoreError>,
) -> Result<OpenBlock<T>, StoreError> {
    if pending.is_empty() {
        return Ok(open.clone());
    }
    let (max_items, max_bytes) = match series {
        Series::Beats(max) => (max, codec::MAX_BLOCK_BYTES),
        Series::Samples(_) => (codec::MAX_BLOCK_SAMPLES, codec::MAX_BLOCK_BYTES),
    };
    let mut cur = open.clone();
    let mut dirty = false;
    for item in pending {
        cur.items.push(*item);
        dirty = true;
        // Measuring the encoded size costs an encode: do it at every 32nd
        // item of the block, whatever the batch size.
        let check_size = cur.items.len() & 31 == 0;
        let full =
            cur.items.len() >= max_items || (check_size && encode(&cur.items)?.len() >= max_bytes);
        if full {
            save_block(tx, shift, series, &mut cur, encode)?;
            cur = OpenBlock::empty(cur.seq + 1);
            dirty = false;
        }
    }
    if dirty {
        save_block(tx, shift, series, &mut cur, encode)?;
    }
    Ok(cur)
}

fn save_block<T: BlockItem>(
    tx: &Transaction<'_>,
    shift: ShiftId,
    series: Series,
    block: &mut OpenBlock<T>,
    encode: fn(&[T]) -> Result<Vec<u8>, StoreError>,
) -> Result<(), StoreError> {
    let (Some(first), Some(last)) = (block.items.first(), block.items.last()) else {
        return Ok(());
    };
    let data = encode(&block.items)?;
    let n = block.items.len() as i64;
    let (t_first, t_last) = (first.t(), last.t());
    match (block.row, series) {
        (Some(row), Series::Beats(_)) => {
            tx.prepare_cached(
                "UPDATE beat_blocks SET t_last = ?2, n = ?3, data = ?4 WHERE id = ?1",
            )?
            .execute(params![row, t_last, n, data])?;
        }
        (Some(row), Series::Samples(_)) => {
            tx.prepare_cached(
                "UPDATE sample_blocks SET t_last = ?2, n = ?3, data = ?4 WHERE id = ?1",
            )?
            .execute(params![row, t_last, n, data])?;
        }
        (None, Series::Beats(_)) => {
            tx.prepare_cached(
                "INSERT INTO beat_blocks (shift_id, seq, t_first, t_last, n, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![shift, block.seq, t_first, t_last, n, data])?;
            block.row = Some(tx.last_insert_rowid());
        }
        (None, Series::Samples(kind)) => {
            tx.prepare_cached(
                "INSERT INTO sample_blocks (shift_id, kind, seq, t_first, t_last, n, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![shift, kind.as_str(), block.seq, t_first, t_last, n, data])?;
            block.row = Some(tx.last_insert_rowid());
        }
    }
    Ok(())
}

fn load_last_beats(store: &Store, shift: ShiftId) -> Result<OpenBlock<Beat>, StoreError> {
    let row: Option<(i64, i64, Millis, Vec<u8>)> = store
        .conn
        .query_row(
            "SELECT id, seq, t_first, data FROM beat_blocks WHERE shift_id = ?1 ORDER BY seq DESC LIMIT 1",
            [shift],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(match row {
        None => OpenBlock::empty(0),
        Some((id, seq, t_first, data)) => OpenBlock {
            row: Some(id),
            seq,
            items: codec::decode_beats(t_first, &data)
                .map_err(|source| StoreError::CorruptBlock { block: id, source })?,
        },
    })
}

fn load_last_samples(
    store: &Store,
    shift: ShiftId,
    kind: SampleKind,
) -> Result<OpenBlock<Sample>, StoreError> {
    let row: Option<(i64, i64, Millis, Vec<u8>)> = store
        .conn
        .query_row(
            "SELECT id, seq, t_first, data FROM sample_blocks WHERE shift_id = ?1 AND kind = ?2 ORDER BY seq DESC LIMIT 1",
            params![shift, kind.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(match row {
        None => OpenBlock::empty(0),
        Some((id, seq, t_first, data)) => OpenBlock {
            row: Some(id),
            seq,
            items: codec::decode_samples(t_first, &data)
                .map_err(|source| StoreError::CorruptBlock { block: id, source })?,
        },
    })
}
