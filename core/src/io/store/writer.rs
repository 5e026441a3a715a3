//! The live shift writer: buffers beats, samples and events and hands them,
//! in batches, to a writer thread that saves them, so that a killed process
//! loses at most `flush_after_ms` (5 s by default) of data and the caller
//! (the phone's BLE thread) never waits for the disk.
//!
//! WHY batching on DATA time: the model is deterministic and never reads a
//! clock; the writer follows the same rule. [`ShiftWriter::tick`] (the
//! session calls it after each input's data) hands a batch over once the
//! unsaved data spans [`ShiftWriter::handover_after_ms`] (4/5 of
//! `flush_after_ms`, measured on the data's own timestamps and the tick's
//! time), so replaying a file at any speed hands over at the same points.
//! A `push_*` hands over only at the full `flush_after_ms` (a writer fed
//! without ticks, or a jump in data time): WHY not at every push: the
//! beats a packet brings are older than its heart rate (the cleaner holds
//! one back), so a handover between them would start the next batch with
//! old beats and save every ~3 s instead of every ~4 s (stored_path bench:
//! 1 173 saves per shift-hour when any push handed over).
//!
//! WHY a writer thread: a SQLite commit (and, now and then, the WAL
//! checkpoint's fsync) costs tens of microseconds of CPU and may wait for
//! the disk; on the caller's thread that was most of the stored path's cost
//! per packet. The writer thread owns its own connection to the file: the
//! caller's [`Store`] stays for reads, the lease and the shift's end. The
//! hot path only moves a batch over a channel; the thread hands the batch
//! back emptied, so the same buffers are reused (no allocation per batch
//! once warm). At most one batch is in flight.
//!
//! WHY the promise still holds: before a call returns, the data not yet
//! committed never spans `flush_after_ms` or more. The handover happens at
//! 4/5 of it, so on a strap's real-time stream the thread has the remaining
//! fifth (1 s) to commit before the caller would have to wait for it; only
//! a save slower than that (a stalled disk), or a source faster than real
//! time (a replay, a test), makes the caller wait. So a SIGKILL loses at
//! most `flush_after_ms` of data (`cli/tests/crash.rs` kills a replay, with
//! its writer thread, with SIGKILL).
//!
//! WHY keep data on failure: on a full disk or a busy database the save
//! fails, the thread hands the batch back and the data stays in memory (a
//! 12-hour shift is about 1 MB of beats); the error is returned by the next
//! call (`push_*`, `tick`, `flush`, `finish`) as a typed [`StoreError`],
//! and the save is retried with what came since after `retry_after_ms` of
//! data time, then after twice that, and so on (at most a minute apart),
//! until the unsaved data spans `max_unsaved_ms` (30 min): then the writer
//! stops saving, drops what it holds and says so in a typed
//! [`StoreError::SavingStopped`] (the policy and its why:
//! [`super::save_policy`]). A writer thread that stopped (it does not
//! panic, but if it did) is [`StoreError::WriterStopped`], never a panic in
//! the caller.
//!
//! WHY `synchronous = NORMAL` on the writer thread's connection (WAL
//! mode): a commit is then written to the WAL without an fsync; the WAL is
//! synced when SQLite checkpoints it (on the writer thread too). A killed
//! process loses nothing committed (the WAL is in the OS's cache; SQLite
//! recovers it at the next open). A power cut or OS crash may lose the
//! commits since the last sync, never the file's consistency. The writer of
//! an import ([`WriterConfig::bulk`]) keeps `FULL`, and the end of a shift
//! ([`ShiftWriter::finish`]) is a `FULL` commit on the caller's connection,
//! which syncs the whole WAL, the live saves included.
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
use super::save_policy::{self, GaveUp};
use super::{KeyFigures, SampleKind, ShiftId, ShiftSource, Store, StoreError};
use crate::Millis;
use crate::beats::Beat;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::thread::JoinHandle;

/// Largest beat block a live writer (saving every few seconds) keeps open.
pub const LIVE_BLOCK_BEATS: usize = 256;

/// Batching parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterConfig {
    /// Data not yet committed never spans this long (data time) when a
    /// call returns: at most 5000 ms is what the product promises.
    pub flush_after_ms: Millis,
    /// After a failed save, wait this long (data time) before retrying;
    /// doubled at each failure in a row, up to a minute.
    pub retry_after_ms: Millis,
    /// Once saves fail, stop saving (and drop the unsaved data, with
    /// [`StoreError::SavingStopped`]) when the unsaved data spans this
    /// long (data time). Bounds the memory and the work of each retry.
    pub max_unsaved_ms: Millis,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            flush_after_ms: 5_000,
            retry_after_ms: 1_000,
            max_unsaved_ms: 30 * 60_000,
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
            max_unsaved_ms: Millis::MAX,
        }
    }

    fn is_bulk(&self) -> bool {
        self.flush_after_ms == Millis::MAX
    }
}

/// Unsaved data: what the caller collects, then hands to the writer
/// thread, which hands it back (emptied once saved) for reuse.
#[derive(Debug, Default)]
struct Batch {
    beats: Vec<Beat>,
    hr: Vec<Sample>,
    motion: Vec<Sample>,
    events: Vec<(Millis, String, String)>,
    /// Earliest data time in it.
    oldest: Option<Millis>,
}

impl Batch {
    fn len(&self) -> usize {
        self.beats.len() + self.hr.len() + self.motion.len() + self.events.len()
    }

    fn note(&mut self, t: Millis) {
        self.oldest = Some(self.oldest.map_or(t, |o| o.min(t)));
    }

    fn clear(&mut self) {
        self.beats.clear();
        self.hr.clear();
        self.motion.clear();
        self.events.clear();
        self.oldest = None;
    }

    /// Appends `newer` (emptied) after this batch's data.
    fn append(&mut self, newer: &mut Batch) {
        self.beats.append(&mut newer.beats);
        self.hr.append(&mut newer.hr);
        self.motion.append(&mut newer.motion);
        self.events.append(&mut newer.events);
        if let Some(t) = newer.oldest.take() {
            self.note(t);
        }
    }
}

/// What the caller asks of the writer thread.
enum Job {
    Save(Batch),
    MaxPageCount(i64),
}

/// The writer thread's answer to one [`Job`]: the batch back (emptied when
/// saved, as it was when not) and the outcome.
struct Done {
    batch: Option<Batch>,
    result: Result<(), StoreError>,
}

/// The caller's end of the writer thread.
struct Worker {
    jobs: SyncSender<Job>,
    done: Receiver<Done>,
    handle: JoinHandle<()>,
}

/// A batch handed over and not yet answered.
#[derive(Debug, Clone, Copy)]
struct InFlight {
    len: usize,
    oldest: Millis,
}

/// Writes one live (or imported) shift. Dropping it saves what is pending
/// (best effort) and stops its writer thread; [`ShiftWriter::finish`] ends
/// the shift.
pub struct ShiftWriter {
    /// The caller's connection: reads, the lease, the shift's end.
    store: Store,
    shift: ShiftId,
    cfg: WriterConfig,
    ended: bool,
    pending: Batch,
    /// An emptied batch back from the thread, reused at the next handover.
    spare: Option<Batch>,
    in_flight: Option<InFlight>,
    /// `None` once stopped (finish, drop) or if it could not be reached.
    worker: Option<Worker>,
    /// Latest data time seen.
    newest_seen: Option<Millis>,
    /// After a failure: no retry before this data time.
    retry_at: Option<Millis>,
    /// Failed saves in a row (for the retry's backoff).
    failures: u32,
    /// Set once the writer stopped saving (save_policy).
    gave_up: Option<GaveUp>,
    /// Batches handed to the writer thread (test hook).
    saves: u64,
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
        let token = take_lease(&store, shift)?;
        let saver = Saver::open(&store, shift, token, cfg)?;
        Self::spawn(store, shift, cfg, saver)
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
        let token = take_lease(&store, shift)?;
        let mut saver = Saver::open(&store, shift, token, cfg)?;
        saver.beats = load_last_beats(&saver.store, shift)?;
        saver.hr = load_last_samples(&saver.store, shift, SampleKind::Hr)?;
        saver.motion = load_last_samples(&saver.store, shift, SampleKind::Motion)?;
        let mut w = Self::spawn(store, shift, cfg, saver)?;
        w.newest_seen = w.store.last_data_t(shift)?;
        Ok(w)
    }

    fn spawn(
        store: Store,
        shift: ShiftId,
        cfg: WriterConfig,
        saver: Saver,
    ) -> Result<ShiftWriter, StoreError> {
        // Capacity 1 each way: at most one job is in flight, so neither
        // side ever blocks on a send (and a bounded channel does not
        // allocate per message).
        let (jobs, job_rx) = sync_channel::<Job>(1);
        let (done_tx, done) = sync_channel::<Done>(1);
        let handle = std::thread::Builder::new()
            .name(format!("steady-store-{shift}"))
            .spawn(move || saver.run(&job_rx, &done_tx))?;
        Ok(ShiftWriter {
            store,
            shift,
            cfg,
            ended: false,
            pending: Batch::default(),
            spare: None,
            in_flight: None,
            worker: Some(Worker { jobs, done, handle }),
            newest_seen: None,
            retry_at: None,
            failures: 0,
            gave_up: None,
            saves: 0,
            last_error: None,
        })
    }

    /// The shift being written.
    pub fn shift_id(&self) -> ShiftId {
        self.shift
    }

    /// The store, for reads (history, baseline) while the shift is live.
    /// Its connection is not the writer thread's: it sees what the thread
    /// committed.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Number of items (beats, samples, events) not yet saved, in memory or
    /// being saved by the writer thread.
    pub fn unsaved_len(&self) -> usize {
        self.pending.len() + self.in_flight.map_or(0, |f| f.len)
    }

    /// The message of the last failed save, until a save succeeds.
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// At a tick, data is handed to the writer thread once it spans this
    /// long: 4/5 of `flush_after_ms`, so the thread has the last fifth to
    /// commit it before the promise would make the caller wait (module doc).
    pub fn handover_after_ms(&self) -> Millis {
        self.cfg.flush_after_ms - self.cfg.flush_after_ms / 5
    }

    fn check_live(&self) -> Result<(), StoreError> {
        if self.ended {
            Err(StoreError::ShiftEnded(self.shift))
        } else {
            self.check_saving()
        }
    }

    /// `Err(SavingStopped)` once the writer gave up saving.
    fn check_saving(&self) -> Result<(), StoreError> {
        self.gave_up.as_ref().map_or(Ok(()), |g| Err(g.error()))
    }

    fn note(&mut self, t: Millis) {
        self.pending.note(t);
        self.newest_seen = Some(self.newest_seen.map_or(t, |n| n.max(t)));
    }

    /// Adds a beat. `Err(InvalidBeat)` rejects the beat (RR not finite,
    /// not positive or over 60 s); any other error is a failed save: the
    /// beat is kept and the save retried.
    pub fn push_beat(&mut self, beat: Beat) -> Result<(), StoreError> {
        self.check_live()?;
        codec::check_beat(&beat)?;
        self.pending.beats.push(beat);
        self.note(beat.t_ms);
        self.flush_if_due(beat.t_ms, self.cfg.flush_after_ms)
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
            SampleKind::Hr => self.pending.hr.push(s),
            SampleKind::Motion => self.pending.motion.push(s),
        }
        self.note(t_ms);
        self.flush_if_due(t_ms, self.cfg.flush_after_ms)
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
        self.pending.events.push((t_ms, kind.to_owned(), payload));
        self.note(t_ms);
        self.flush_if_due(t_ms, self.cfg.flush_after_ms)
    }

    /// Tells the writer that data time `now_ms` has been reached (after an
    /// input's data, or the strap went silent): hands the unsaved data over
    /// if it spans [`ShiftWriter::handover_after_ms`], and returns a failed
    /// save's error if one came back.
    pub fn tick(&mut self, now_ms: Millis) -> Result<(), StoreError> {
        self.flush_if_due(now_ms, self.handover_after_ms())
    }

    /// The rule of the module doc: hand over once the unsaved data spans
    /// `handover` (4/5 of `flush_after_ms` at a tick, all of it at a push);
    /// wait for the thread only when uncommitted data would otherwise span
    /// `flush_after_ms`.
    fn flush_if_due(&mut self, now: Millis, handover: Millis) -> Result<(), StoreError> {
        self.check_saving()?;
        let now = self.newest_seen.map_or(now, |n| n.max(now));
        let mut res = self.poll(now);
        if self.handover_due(now, handover) && self.in_flight.is_some() {
            res = res.and(self.wait(now));
        }
        if self.handover_due(now, handover) && self.in_flight.is_none() {
            res = res.and(self.hand_over());
        }
        if self
            .in_flight
            .is_some_and(|f| now.saturating_sub(f.oldest) >= self.cfg.flush_after_ms)
        {
            res = res.and(self.wait(now));
        }
        res
    }

    fn handover_due(&self, now: Millis, handover: Millis) -> bool {
        self.pending
            .oldest
            .is_some_and(|o| now.saturating_sub(o) >= handover)
            && self.retry_at.is_none_or(|r| now >= r)
    }

    /// Hands the pending batch to the writer thread (a send that never
    /// blocks: nothing else is in flight).
    fn hand_over(&mut self) -> Result<(), StoreError> {
        let (Some(oldest), Some(worker)) = (self.pending.oldest, &self.worker) else {
            return if self.pending.len() == 0 {
                Ok(())
            } else {
                Err(StoreError::WriterStopped)
            };
        };
        let next = self.spare.take().unwrap_or_default();
        let batch = std::mem::replace(&mut self.pending, next);
        let len = batch.len();
        if let Err(e) = worker.jobs.send(Job::Save(batch)) {
            // The thread is gone: take the data back, nothing is lost.
            if let Job::Save(mut batch) = e.0 {
                batch.append(&mut self.pending);
                self.pending = batch;
            }
            return Err(self.stopped());
        }
        self.in_flight = Some(InFlight { len, oldest });
        self.saves += 1;
        Ok(())
    }

    /// Takes the thread's answer if it is there (never blocks).
    fn poll(&mut self, now: Millis) -> Result<(), StoreError> {
        let (Some(_), Some(worker)) = (self.in_flight, &self.worker) else {
            return Ok(());
        };
        match worker.done.try_recv() {
            Ok(done) => self.on_done(done, now),
            Err(TryRecvError::Empty) => Ok(()),
            Err(TryRecvError::Disconnected) => Err(self.stopped()),
        }
    }

    /// Waits for the answer to the batch in flight.
    fn wait(&mut self, now: Millis) -> Result<(), StoreError> {
        let (Some(_), Some(worker)) = (self.in_flight, &self.worker) else {
            return Ok(());
        };
        match worker.done.recv() {
            Ok(done) => self.on_done(done, now),
            Err(_) => Err(self.stopped()),
        }
    }

    /// The writer thread ended without answering (it does not panic; if it
    /// did, this is where it shows): what it held is lost, said once.
    fn stopped(&mut self) -> StoreError {
        let lost = self.in_flight.take().map_or(0, |f| f.len);
        if let Some(w) = self.worker.take() {
            drop(w.jobs);
            if w.handle.join().is_err() || lost > 0 {
                tracing::error!(
                    shift = self.shift,
                    lost,
                    "the store's writer thread stopped"
                );
            }
        }
        self.last_error = Some(StoreError::WriterStopped.to_string());
        StoreError::WriterStopped
    }

    fn on_done(&mut self, done: Done, now: Millis) -> Result<(), StoreError> {
        self.in_flight = None;
        let Done { batch, result } = done;
        let Some(mut batch) = batch else {
            return result;
        };
        match &result {
            Ok(()) => {
                self.last_error = None;
                self.retry_at = None;
                self.failures = 0;
                self.spare = Some(batch);
            }
            Err(StoreError::NoSuchShift(_)) => {
                // Deleted (`steady delete`) while being written: nothing to
                // save it into, so nothing to keep or retry. Said once.
                if self.last_error.is_none() {
                    tracing::info!(
                        shift = self.shift,
                        unsaved = batch.len() + self.pending.len(),
                        "the shift was deleted; its unsaved data is dropped"
                    );
                }
                batch.clear();
                self.pending.clear();
                self.spare = Some(batch);
                self.last_error = Some(StoreError::NoSuchShift(self.shift).to_string());
            }
            Err(e) => {
                // Nothing lost: the batch goes back before what came since.
                batch.append(&mut self.pending);
                let newer = std::mem::replace(&mut self.pending, batch);
                self.spare = Some(newer);
                self.failures = self.failures.saturating_add(1);
                let gap = save_policy::retry_gap(self.cfg.retry_after_ms, self.failures);
                self.retry_at = Some(now.saturating_add(gap));
                if let Some(oldest) = self.pending.oldest
                    && save_policy::gives_up(oldest, now, self.cfg.max_unsaved_ms)
                {
                    return Err(self.give_up(e, oldest, now));
                }
                let text = e.to_string();
                // Once per kind of failure, not at every retry.
                if self.last_error.as_deref() != Some(text.as_str()) {
                    tracing::warn!(shift = self.shift, error = %e, unsaved = self.pending.len(), "save failed; keeping data in memory");
                }
                self.last_error = Some(text);
            }
        }
        result
    }

    /// Stops saving after the failure `e` (save_policy): drops the unsaved
    /// data (from `oldest` on), said once, and returns the error every
    /// later call returns.
    fn give_up(&mut self, e: &StoreError, oldest: Millis, now: Millis) -> StoreError {
        let gave_up = GaveUp::new(e, oldest, now, self.pending.len());
        let err = gave_up.error();
        tracing::error!(shift = self.shift, error = %err, "saving stopped");
        self.pending.clear();
        self.last_error = Some(err.to_string());
        self.gave_up = Some(gave_up);
        err
    }

    /// Saves everything unsaved now, in one transaction, and waits for it.
    /// On failure nothing unsaved is lost (unless the writer stopped
    /// saving: [`StoreError::SavingStopped`]).
    pub fn flush(&mut self) -> Result<(), StoreError> {
        self.check_saving()?;
        let now = self.newest_seen.unwrap_or(0);
        // A failed batch in flight comes back into `pending` and is retried
        // at once, with the rest.
        let first = self.wait(now);
        if self.pending.len() == 0 {
            return first;
        }
        self.hand_over()?;
        self.wait(now)
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
        self.flush()?;
        // The caller's connection is `synchronous = FULL`: this commit syncs
        // the WAL, with the writer thread's saves in it.
        self.store.end_shift(self.shift, ended_ms, summary, key)?;
        self.ended = true;
        self.stop();
        // The lease is no longer needed; failing to clear it is harmless.
        let _ = self.store.conn.execute(
            "UPDATE shifts SET writer = NULL WHERE id = ?1",
            [self.shift],
        );
        Ok(())
    }

    /// Stops the writer thread (after its batch in flight) and waits for it.
    fn stop(&mut self) {
        let _ = self.wait(self.newest_seen.unwrap_or(0));
        if let Some(w) = self.worker.take() {
            drop(w.jobs);
            if w.handle.join().is_err() {
                tracing::error!(shift = self.shift, "the store's writer thread panicked");
            }
        }
    }

    /// Test hook: a kill (SIGKILL) at a moment the writer thread is idle:
    /// what was handed over is committed, what is pending is dropped
    /// unsaved, the lease stays. Deterministic, unlike leaking the writer
    /// (its thread could still be committing while a test reads).
    #[doc(hidden)]
    pub fn simulate_kill(mut self) {
        self.stop();
        self.pending.clear();
    }

    /// Test hook: how many batches were handed to the writer thread (saves
    /// tried, retries included).
    #[doc(hidden)]
    pub fn save_attempts(&self) -> u64 {
        self.saves
    }

    /// Test hook: caps the writer thread's connection at `pages` pages, so
    /// its saves fail with [`StoreError::Full`] as on a full disk (see
    /// [`Store::set_max_page_count`]).
    #[doc(hidden)]
    pub fn set_max_page_count(&mut self, pages: i64) -> Result<(), StoreError> {
        let _ = self.wait(self.newest_seen.unwrap_or(0));
        let Some(worker) = &self.worker else {
            return Err(StoreError::WriterStopped);
        };
        if worker.jobs.send(Job::MaxPageCount(pages)).is_err() {
            return Err(self.stopped());
        }
        match worker.done.recv() {
            Ok(done) => done.result,
            Err(_) => Err(self.stopped()),
        }
    }
}

impl Drop for ShiftWriter {
    fn drop(&mut self) {
        if self.unsaved_len() > 0
            && let Err(e) = self.flush()
        {
            tracing::error!(shift = self.shift, error = %e, lost = self.unsaved_len(), "could not save pending data on drop");
        }
        self.stop();
    }
}

/// Writes this process's token into `shifts.writer`: a save checks it, so
/// two writers (two processes, or a resume) never extend the same blocks.
fn take_lease(store: &Store, shift: ShiftId) -> Result<String, StoreError> {
    use std::hash::{BuildHasher, Hasher};
    // RandomState is seeded randomly per process: unique enough for a
    // lease token, no RNG crate needed.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_i64(shift);
    let token = format!("{}-{:016x}", std::process::id(), h.finish());
    store.conn.execute(
        "UPDATE shifts SET writer = ?2 WHERE id = ?1",
        params![shift, token],
    )?;
    Ok(token)
}

/// The writer thread: its own connection and the shift's open blocks.
struct Saver {
    store: Store,
    shift: ShiftId,
    /// This writer's lease token.
    token: String,
    max_beats: usize,
    beats: OpenBlock<Beat>,
    hr: OpenBlock<Sample>,
    motion: OpenBlock<Sample>,
}

impl Saver {
    /// A second connection to the caller's file; `synchronous = NORMAL` for
    /// the periodic saves of a live shift (module doc), `FULL` for an
    /// import's single save.
    fn open(
        store: &Store,
        shift: ShiftId,
        token: String,
        cfg: WriterConfig,
    ) -> Result<Saver, StoreError> {
        let own = Store::open(store.path())?;
        let max_beats = if cfg.is_bulk() {
            codec::MAX_BLOCK_BEATS
        } else {
            own.conn.execute_batch("PRAGMA synchronous = NORMAL")?;
            LIVE_BLOCK_BEATS
        };
        Ok(Saver {
            store: own,
            shift,
            token,
            max_beats,
            beats: OpenBlock::empty(0),
            hr: OpenBlock::empty(0),
            motion: OpenBlock::empty(0),
        })
    }

    /// Answers jobs until the caller hangs up.
    fn run(mut self, jobs: &Receiver<Job>, done: &SyncSender<Done>) {
        while let Ok(job) = jobs.recv() {
            let answer = match job {
                Job::Save(mut batch) => {
                    let result = self.save(&batch);
                    if result.is_ok() {
                        batch.clear();
                    }
                    Done {
                        batch: Some(batch),
                        result,
                    }
                }
                Job::MaxPageCount(pages) => Done {
                    batch: None,
                    result: self.store.set_max_page_count(pages),
                },
            };
            if done.send(answer).is_err() {
                break;
            }
        }
    }

    /// Saves one batch in one transaction. The open blocks change only once
    /// it committed.
    fn save(&mut self, batch: &Batch) -> Result<(), StoreError> {
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
        let beats = write_series(
            &tx,
            shift,
            Series::Beats(self.max_beats),
            &self.beats,
            &batch.beats,
            encode_beats,
        )?;
        let hr = write_series(
            &tx,
            shift,
            Series::Samples(SampleKind::Hr),
            &self.hr,
            &batch.hr,
            encode_samples,
        )?;
        let motion = write_series(
            &tx,
            shift,
            Series::Samples(SampleKind::Motion),
            &self.motion,
            &batch.motion,
            encode_samples,
        )?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO events (shift_id, t_ms, kind, payload) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (t, kind, payload) in &batch.events {
                stmt.execute(params![shift, t, kind, payload])?;
            }
        }
        tx.commit()?;
        self.beats = beats;
        self.hr = hr;
        self.motion = motion;
        Ok(())
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
    load_last_block(
        store,
        "SELECT id, seq, t_first, data FROM beat_blocks WHERE shift_id = ?1 ORDER BY seq DESC LIMIT 1",
        params![shift],
        codec::decode_beats,
    )
}

fn load_last_samples(
    store: &Store,
    shift: ShiftId,
    kind: SampleKind,
) -> Result<OpenBlock<Sample>, StoreError> {
    load_last_block(
        store,
        "SELECT id, seq, t_first, data FROM sample_blocks WHERE shift_id = ?1 AND kind = ?2 ORDER BY seq DESC LIMIT 1",
        params![shift, kind.as_str()],
        codec::decode_samples,
    )
}

/// The last block `sql` selects (`id, seq, t_first, data`), decoded, to go
/// on filling; an empty block when the shift has none yet.
fn load_last_block<T>(
    store: &Store,
    sql: &str,
    args: impl rusqlite::Params,
    decode: fn(Millis, &[u8]) -> Result<Vec<T>, codec::CodecError>,
) -> Result<OpenBlock<T>, StoreError> {
    let row: Option<(i64, i64, Millis, Vec<u8>)> = store
        .conn
        .query_row(sql, args, |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    Ok(match row {
        None => OpenBlock::empty(0),
        Some((id, seq, t_first, data)) => OpenBlock {
            row: Some(id),
            seq,
            items: decode(t_first, &data)
                .map_err(|source| StoreError::CorruptBlock { block: id, source })?,
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn beat(i: i64) -> Beat {
        Beat {
            t_ms: i * 1000,
            rr_ms: 1000.0,
            corrected: false,
        }
    }

    /// A writer whose thread is replaced by `thread` (given the job
    /// receiver and the answer sender).
    fn with_thread(
        dir: &tempfile::TempDir,
        thread: impl FnOnce(Receiver<Job>, SyncSender<Done>) + Send + 'static,
    ) -> ShiftWriter {
        let store = Store::open(dir.path().join("s.db")).unwrap();
        let mut w =
            ShiftWriter::start(store, 0, ShiftSource::Live, None, WriterConfig::default()).unwrap();
        w.stop();
        let (jobs, job_rx) = sync_channel::<Job>(1);
        let (done_tx, done) = sync_channel::<Done>(1);
        let handle = std::thread::spawn(move || thread(job_rx, done_tx));
        w.worker = Some(Worker { jobs, done, handle });
        w
    }

    #[test]
    fn a_writer_thread_that_is_gone_is_a_typed_error_and_the_data_stays() {
        let dir = tempfile::tempdir().unwrap();
        // The thread has ended (its job receiver dropped) before the first
        // handover. (One that dies holding a batch loses that batch: the
        // next test.)
        let mut w = with_thread(&dir, |_, _| {});
        while !w.worker.as_ref().unwrap().handle.is_finished() {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let mut stopped = 0;
        for i in 1..=20 {
            match w.push_beat(beat(i)) {
                Ok(()) => {}
                Err(StoreError::WriterStopped) => stopped += 1,
                Err(e) => panic!("unexpected {e}"),
            }
        }
        assert!(stopped > 0);
        assert_eq!(
            w.unsaved_len(),
            20,
            "nothing handed to a gone thread is lost"
        );
        assert!(matches!(w.flush(), Err(StoreError::WriterStopped)));
        assert_eq!(
            StoreError::WriterStopped.kind(),
            super::super::StoreErrorKind::Other
        );
    }

    #[test]
    fn a_writer_thread_that_panics_does_not_panic_the_caller() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = with_thread(&dir, |jobs, _done| {
            let _job = jobs.recv();
            panic!("planted: the writer thread dies holding a batch");
        });
        let mut res = Ok(());
        for i in 1..=20 {
            res = res.and(w.push_beat(beat(i)));
        }
        // The batch the thread held is lost (said), later data is kept.
        assert!(matches!(res, Err(StoreError::WriterStopped)), "{res:?}");
        assert!(w.last_error().is_some());
        assert!(w.unsaved_len() > 0);
        assert!(matches!(w.flush(), Err(StoreError::WriterStopped)));
        drop(w);
    }
}
