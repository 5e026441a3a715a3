//! The live shift writer: buffers beats, samples and events, makes them
//! durable against a killed process every few seconds of data with one
//! `write()` to its journal ([`super::journal`]), and hands the journaled
//! data, every [`FOLD_AFTER_MS`] of data, to a writer thread that folds it into
//! SQLite. A killed process loses at most `flush_after_ms` (5 s by
//! default) of data, and the caller (the phone's BLE thread) never waits
//! for a SQLite commit.
//!
//! WHY batching on DATA time: the model is deterministic and never reads a
//! clock; the writer follows the same rule. [`ShiftWriter::tick`] (the
//! session calls it after each input's data) journals the unsaved data once
//! it spans [`ShiftWriter::handover_after_ms`] (4/5 of `flush_after_ms`,
//! measured on the data's own timestamps and the tick's time), so replaying
//! a file at any speed journals and folds at the same points. A `push_*`
//! journals only at the full `flush_after_ms` (a writer fed without ticks,
//! or a jump in data time): WHY not at every push: the beats a packet
//! brings are older than its heart rate (the cleaner holds one back), so a
//! step between them would start the next batch with old beats and step
//! every ~3 s instead of every ~4 s.
//!
//! WHY a journal and a writer thread: a SQLite commit every 5 s of data
//! cost about 80 µs of CPU (71 ms per shift-hour, against a target of 10 ms
//! for the whole stored path); a `write()` of the few hundred bytes costs
//! a few µs. The promise needs the data in the OS, not an fsync. The folds
//! (one commit per 5 minutes of data, and now and then the WAL checkpoint's
//! fsync) run on the writer thread, which owns its own connection to the
//! file: the caller's [`Store`] stays for reads, the lease and the shift's
//! end. The hot path moves a batch over a channel once per fold; the
//! thread hands the batch back emptied, so the same buffers are reused. At
//! most one batch is in flight; the caller waits for it only when a fold
//! is slower than [`FOLD_AFTER_MS`] of data (a replay faster than real
//! time), so unfolded data never spans more than twice that.
//!
//! Without a journal ([`WriterConfig::fold_after_ms`] `None`: an import)
//! each step is a commit on the writer thread, handed over at 4/5 of
//! `flush_after_ms` so the thread has the last fifth before the caller
//! must wait for it.
//!
//! WHY keep data on failure: on a full disk or a busy database a journal
//! write or a fold fails; the data stays in memory (a failed fold's batch
//! comes back from the thread; a 12-hour shift is about 1 MB of beats);
//! the error is returned by the next
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
//! mode): a fold is then written to the WAL without an fsync; the WAL is
//! synced when SQLite checkpoints it (on the writer thread too). A killed
//! process loses nothing committed or journaled (both are in the OS's
//! cache; SQLite recovers the WAL, [`Store::open`] folds the journal in).
//! A power cut or OS crash may lose the data since the last sync, never
//! the file's consistency. The writer of an import ([`WriterConfig::bulk`])
//! keeps `FULL`, and the end of a shift ([`ShiftWriter::finish`]) is a
//! `FULL` commit on the caller's connection, which syncs the whole WAL,
//! the folds included.
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
use super::journal::{self, Journal};
use super::save_policy::{self, GaveUp};
use super::{KeyFigures, SampleKind, ShiftId, ShiftSource, Store, StoreError};
use crate::Millis;
use crate::beats::Beat;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::thread::JoinHandle;

/// Largest beat block a live writer (saving every few seconds) keeps open.
pub const LIVE_BLOCK_BEATS: usize = 256;

/// A live writer folds its journal into SQLite once the journaled data
/// spans this long (data time): 5 minutes. WHY not every minute: a fold
/// costs about 150 µs of CPU (stored_path bench), 9 ms per shift-hour at one
/// a minute, nearly the whole target of 10 ms; a killed writer loses
/// nothing either way (its journal is folded in at the next open). The
/// cost: another process reading the live shift sees its data up to 5
/// minutes late.
pub const FOLD_AFTER_MS: Millis = 300_000;

/// Batching parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterConfig {
    /// Data not yet committed never spans this long (data time) when a
    /// call returns: at most 5000 ms is what the product promises.
    pub flush_after_ms: Millis,
    /// After a failed save, wait this long (data time) before retrying;
    /// doubled at each failure in a row, up to a minute.
    pub retry_after_ms: Millis,
    /// `Some(ms)`: the durable step every `flush_after_ms` is a record
    /// appended to the shift's journal (one `write()`, [`super::journal`])
    /// and the journaled data is folded into SQLite once it spans `ms` of
    /// data time. `None`: every step is a SQLite commit on the writer
    /// thread (an import's few large saves).
    pub fold_after_ms: Option<Millis>,
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
            fold_after_ms: Some(FOLD_AFTER_MS),
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
            fold_after_ms: None,
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
pub(super) struct Batch {
    pub(super) beats: Vec<Beat>,
    pub(super) hr: Vec<Sample>,
    pub(super) motion: Vec<Sample>,
    pub(super) events: Vec<(Millis, String, String)>,
    /// Earliest data time in it.
    oldest: Option<Millis>,
}

impl Batch {
    pub(super) fn len(&self) -> usize {
        self.beats.len() + self.hr.len() + self.motion.len() + self.events.len()
    }

    pub(super) fn note(&mut self, t: Millis) {
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
    /// Save a batch; with the last journal record it holds, if journaled.
    Save(Batch, Option<u64>),
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
    /// The last journal record in it.
    seq: Option<u64>,
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
    /// Not yet durable (neither journaled nor committed).
    pending: Batch,
    /// Journaled (or, without a journal, due), not yet handed to the thread.
    unfolded: Batch,
    /// The last journal record in `unfolded`.
    unfolded_seq: Option<u64>,
    /// `None` without one ([`WriterConfig::fold_after_ms`]) or once removed.
    journal: Option<Journal>,
    /// A record was journaled after the batch in flight was handed over
    /// (then the journal cannot be cleared when that batch is committed).
    journaled_since_handover: bool,
    /// An emptied batch back from the thread, reused at the next handover.
    spare: Option<Batch>,
    in_flight: Option<InFlight>,
    /// `None` once stopped (finish, drop) or if it could not be reached.
    worker: Option<Worker>,
    /// Latest data time seen.
    newest_seen: Option<Millis>,
    /// After a failed save (SQLite): no retry before this data time.
    retry_at: Option<Millis>,
    /// After a failed journal write: no retry before this data time.
    retry_journal_at: Option<Millis>,
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

/// True when data from `oldest` on spans at least `ms` at `now`.
fn spans(oldest: Option<Millis>, now: Millis, ms: Millis) -> bool {
    oldest.is_some_and(|o| now.saturating_sub(o) >= ms)
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
        Self::spawn(store, shift, cfg, saver, 0)
    }

    /// Continues an unfinished shift (e.g. after the app was killed): new
    /// data is appended after what was saved, the killed writer's journal
    /// included (folded in first).
    pub fn resume(
        store: Store,
        shift: ShiftId,
        cfg: WriterConfig,
    ) -> Result<ShiftWriter, StoreError> {
        let rec = store.shift(shift)?;
        if rec.ended_ms.is_some() {
            return Err(StoreError::ShiftEnded(shift));
        }
        journal::recover(&store, Some(shift))?;
        let token = take_lease(&store, shift)?;
        let mut saver = Saver::open(&store, shift, token, cfg)?;
        saver.blocks = Blocks::load(&saver.store, shift)?;
        let next_seq = journal::folded_seq(&store, shift)?.map_or(0, |s| s + 1);
        let mut w = Self::spawn(store, shift, cfg, saver, next_seq)?;
        w.newest_seen = w.store.last_data_t(shift)?;
        Ok(w)
    }

    fn spawn(
        store: Store,
        shift: ShiftId,
        cfg: WriterConfig,
        saver: Saver,
        next_seq: u64,
    ) -> Result<ShiftWriter, StoreError> {
        let journal = match cfg.fold_after_ms {
            Some(_) => Some(Journal::create(
                store.path(),
                shift,
                &saver.token,
                next_seq,
            )?),
            None => None,
        };
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
            unfolded: Batch::default(),
            unfolded_seq: None,
            journal,
            journaled_since_handover: false,
            spare: None,
            in_flight: None,
            worker: Some(Worker { jobs, done, handle }),
            newest_seen: None,
            retry_at: None,
            retry_journal_at: None,
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
    /// committed (not what is only journaled).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Number of items (beats, samples, events) not yet in the database:
    /// in memory, journaled, or being saved by the writer thread.
    pub fn unsaved_len(&self) -> usize {
        self.pending.len() + self.unfolded.len() + self.in_flight.map_or(0, |f| f.len)
    }

    /// Number of items a killed process would lose now: neither journaled
    /// nor committed.
    pub fn undurable_len(&self) -> usize {
        if self.journal.is_some() {
            self.pending.len()
        } else {
            self.unsaved_len()
        }
    }

    /// The message of the last failed save, until a save succeeds.
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// At a tick, data is made durable once it spans this long: 4/5 of
    /// `flush_after_ms` (without a journal, the thread has the last fifth
    /// to commit it before the promise would make the caller wait).
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
    /// input's data, or the strap went silent): makes the unsaved data
    /// durable if it spans [`ShiftWriter::handover_after_ms`], and returns a
    /// failed save's error if one came back.
    pub fn tick(&mut self, now_ms: Millis) -> Result<(), StoreError> {
        self.flush_if_due(now_ms, self.handover_after_ms())
    }

    /// The rule of the module doc: make the pending data durable once it
    /// spans `due_after` (4/5 of `flush_after_ms` at a tick, all of it at a
    /// push): a journal record, or without a journal a handover to the
    /// thread (then wait for the thread only when uncommitted data would
    /// otherwise span `flush_after_ms`). Journaled data is handed to the
    /// thread once it spans `fold_after_ms`.
    fn flush_if_due(&mut self, now: Millis, due_after: Millis) -> Result<(), StoreError> {
        self.check_saving()?;
        let now = self.newest_seen.map_or(now, |n| n.max(now));
        let mut res = self.poll(now);
        if spans(self.pending.oldest, now, due_after)
            && self.retry_journal_at.is_none_or(|r| now >= r)
        {
            res = res.and(self.journal_pending(now));
        }
        // Without a journal the due data must be committed now. With one,
        // wait only when a fold is slower than `fold_after_ms` of data (a
        // replay faster than real time): unfolded data never spans more
        // than twice that, and a failed fold's error reaches the caller.
        let behind = match self.cfg.fold_after_ms {
            Some(fold) if self.journal.is_some() => {
                spans(self.unfolded.oldest, now, fold.saturating_mul(2))
            }
            _ => true,
        };
        if self.fold_due(now) && self.in_flight.is_some() && behind {
            res = res.and(self.wait(now));
        }
        if self.fold_due(now) && self.in_flight.is_none() {
            res = res.and(self.hand_over());
        }
        // While saves fail (a full disk) each retry's answer is awaited, so
        // the retries and the stop (save_policy) follow data time whatever
        // the pace (a failing save answers at once).
        if self.failures > 0 && self.in_flight.is_some() {
            res = res.and(self.wait(now));
        }
        if self.journal.is_none()
            && self
                .in_flight
                .is_some_and(|f| now.saturating_sub(f.oldest) >= self.cfg.flush_after_ms)
        {
            res = res.and(self.wait(now));
        }
        res
    }

    fn fold_due(&self, now: Millis) -> bool {
        let due = match (&self.journal, self.cfg.fold_after_ms) {
            (Some(_), Some(fold)) => spans(self.unfolded.oldest, now, fold),
            _ => self.unfolded.len() > 0,
        };
        due && self.retry_at.is_none_or(|r| now >= r)
    }

    /// Makes the pending data durable: one journal record (without a
    /// journal it only joins what is due for the thread). On failure it
    /// stays pending and is retried after `retry_after_ms` of data.
    fn journal_pending(&mut self, now: Millis) -> Result<(), StoreError> {
        if self.pending.len() == 0 {
            return Ok(());
        }
        if let Some(j) = &mut self.journal {
            match j.append(&self.pending) {
                Ok(seq) => {
                    self.unfolded_seq = Some(seq);
                    self.journaled_since_handover = true;
                    self.retry_journal_at = None;
                }
                Err(e) => {
                    // The same backoff and limit as a failed fold.
                    self.failures = self.failures.saturating_add(1);
                    let gap = save_policy::retry_gap(self.cfg.retry_after_ms, self.failures);
                    self.retry_journal_at = Some(now.saturating_add(gap));
                    if let Some(oldest) = self.unfolded.oldest.or(self.pending.oldest)
                        && save_policy::gives_up(oldest, now, self.cfg.max_unsaved_ms)
                    {
                        return Err(self.give_up(&e, oldest, now));
                    }
                    return Err(self.failed(e));
                }
            }
        }
        self.unfolded.append(&mut self.pending);
        Ok(())
    }

    /// Keeps a failure's message (logged once per kind, not at every retry).
    fn failed(&mut self, e: StoreError) -> StoreError {
        let text = e.to_string();
        if self.last_error.as_deref() != Some(text.as_str()) {
            tracing::warn!(shift = self.shift, error = %e, unsaved = self.unsaved_len(), "save failed; keeping data in memory");
        }
        self.last_error = Some(text);
        e
    }

    /// Hands the unfolded data to the writer thread (a send that never
    /// blocks: nothing else is in flight).
    fn hand_over(&mut self) -> Result<(), StoreError> {
        let (Some(oldest), Some(worker)) = (self.unfolded.oldest, &self.worker) else {
            return if self.unfolded.len() == 0 {
                Ok(())
            } else {
                Err(StoreError::WriterStopped)
            };
        };
        let next = self.spare.take().unwrap_or_default();
        let batch = std::mem::replace(&mut self.unfolded, next);
        let seq = self.unfolded_seq.take();
        let len = batch.len();
        if let Err(e) = worker.jobs.send(Job::Save(batch, seq)) {
            // The thread is gone: take the data back, nothing is lost.
            if let Job::Save(mut batch, _) = e.0 {
                batch.append(&mut self.unfolded);
                self.unfolded = batch;
                self.unfolded_seq = seq;
            }
            return Err(self.stopped());
        }
        self.in_flight = Some(InFlight { len, oldest, seq });
        self.journaled_since_handover = false;
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
    /// did, this is where it shows): what it held is lost from memory (a
    /// journal still has it), said once.
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
        let flight = self.in_flight.take();
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
                if !self.journaled_since_handover
                    && let Some(j) = &mut self.journal
                    && let Err(e) = j.clear()
                {
                    // Harmless: its records are folded (a recovery skips
                    // them by sequence number).
                    tracing::warn!(shift = self.shift, error = %e, "could not clear the journal");
                }
            }
            Err(StoreError::NoSuchShift(_)) => {
                // Deleted (`steady delete`) while being written: nothing to
                // save it into, so nothing to keep or retry. Said once.
                if self.last_error.is_none() {
                    tracing::info!(
                        shift = self.shift,
                        unsaved = batch.len() + self.unsaved_len(),
                        "the shift was deleted; its unsaved data is dropped"
                    );
                }
                batch.clear();
                self.pending.clear();
                self.unfolded.clear();
                self.unfolded_seq = None;
                if let Some(j) = self.journal.take() {
                    j.remove();
                }
                self.spare = Some(batch);
                self.last_error = Some(StoreError::NoSuchShift(self.shift).to_string());
            }
            Err(e) => {
                // Nothing lost: the batch goes back before what came since.
                batch.append(&mut self.unfolded);
                let newer = std::mem::replace(&mut self.unfolded, batch);
                self.spare = Some(newer);
                self.unfolded_seq = self.unfolded_seq.or(flight.and_then(|f| f.seq));
                self.failures = self.failures.saturating_add(1);
                let gap = save_policy::retry_gap(self.cfg.retry_after_ms, self.failures);
                self.retry_at = Some(now.saturating_add(gap));
                if let Some(oldest) = self.unfolded.oldest
                    && save_policy::gives_up(oldest, now, self.cfg.max_unsaved_ms)
                {
                    return Err(self.give_up(e, oldest, now));
                }
            }
        }
        match result {
            Err(e) if !matches!(e, StoreError::NoSuchShift(_)) => Err(self.failed(e)),
            other => other,
        }
    }

    /// Stops saving after the failure `e` (save_policy): drops the unsaved
    /// data (from `oldest` on), said once, and returns the error every
    /// later call returns.
    fn give_up(&mut self, e: &StoreError, oldest: Millis, now: Millis) -> StoreError {
        let gave_up = GaveUp::new(e, oldest, now, self.unsaved_len());
        let err = gave_up.error();
        tracing::error!(shift = self.shift, error = %err, "saving stopped");
        self.pending.clear();
        self.unfolded.clear();
        self.unfolded_seq = None;
        // Dropped as said: a later open must not fold it in either.
        if let Some(j) = self.journal.take() {
            j.remove();
        }
        self.last_error = Some(err.to_string());
        self.gave_up = Some(gave_up);
        err
    }

    /// Saves everything unsaved now into the database, in one transaction,
    /// and waits for it. On failure nothing unsaved is lost (unless the writer stopped
    /// saving: [`StoreError::SavingStopped`]).
    pub fn flush(&mut self) -> Result<(), StoreError> {
        self.check_saving()?;
        let now = self.newest_seen.unwrap_or(0);
        // A failed batch in flight comes back into `unfolded` and is retried
        // at once, with the rest.
        let first = self.wait(now);
        // Journaled first (durable even if the commit fails); if the
        // journal cannot be written, the commit may still take it all.
        if self.journal_pending(now).is_err() {
            self.unfolded.append(&mut self.pending);
        }
        if self.unfolded.len() == 0 {
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
        summary: &(impl serde::Serialize + ?Sized),
        key: &KeyFigures,
    ) -> Result<(), StoreError> {
        self.check_live()?;
        self.flush()?;
        // The caller's connection is `synchronous = FULL`: this commit syncs
        // the WAL, with the writer thread's saves in it.
        self.store.end_shift(self.shift, ended_ms, summary, key)?;
        self.ended = true;
        self.stop();
        if let Some(j) = self.journal.take() {
            j.remove();
        }
        // The lease and the journal's mark are no longer needed; failing to
        // clear them is harmless.
        let _ = self.store.conn.execute(
            "UPDATE shifts SET writer = NULL WHERE id = ?1",
            [self.shift],
        );
        let _ = self.store.conn.execute(
            "DELETE FROM settings WHERE key = ?1",
            [journal::seq_key(self.shift)],
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
    /// what was handed over is committed, what was journaled stays in the
    /// journal (unlocked: the next [`Store::open`] folds it in), what is
    /// pending is dropped unsaved, the lease stays. Deterministic, unlike
    /// leaking the writer (its thread could still be committing while a
    /// test reads).
    #[doc(hidden)]
    pub fn simulate_kill(mut self) {
        self.stop();
        self.pending.clear();
        self.unfolded.clear();
        // Closed, not removed: a killed process leaves it.
        self.journal = None;
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
            tracing::error!(shift = self.shift, error = %e, lost = self.undurable_len(), "could not save pending data on drop");
        }
        self.stop();
        // Everything in the database: the journal is not needed. Otherwise
        // it stays for the next open to fold in.
        if self.unsaved_len() == 0
            && let Some(j) = self.journal.take()
        {
            j.remove();
        }
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

/// The open (last) block of each series of a shift.
#[derive(Debug, Clone)]
struct Blocks {
    beats: OpenBlock<Beat>,
    hr: OpenBlock<Sample>,
    motion: OpenBlock<Sample>,
}

impl Blocks {
    fn empty() -> Self {
        Blocks {
            beats: OpenBlock::empty(0),
            hr: OpenBlock::empty(0),
            motion: OpenBlock::empty(0),
        }
    }

    /// The shift's last stored blocks, to go on filling.
    fn load(store: &Store, shift: ShiftId) -> Result<Self, StoreError> {
        Ok(Blocks {
            beats: load_last_beats(store, shift)?,
            hr: load_last_samples(store, shift, SampleKind::Hr)?,
            motion: load_last_samples(store, shift, SampleKind::Motion)?,
        })
    }

    /// Writes `batch` after these blocks (and, with `seq`, the last
    /// journal record it holds) in `tx`; returns the new open blocks, to be
    /// kept only once `tx` committed.
    fn write(
        &self,
        tx: &Transaction<'_>,
        shift: ShiftId,
        max_beats: usize,
        batch: &Batch,
        seq: Option<u64>,
    ) -> Result<Blocks, StoreError> {
        let beats = write_series(
            tx,
            shift,
            Series::Beats(max_beats),
            &self.beats,
            &batch.beats,
            encode_beats,
        )?;
        let hr = write_series(
            tx,
            shift,
            Series::Samples(SampleKind::Hr),
            &self.hr,
            &batch.hr,
            encode_samples,
        )?;
        let motion = write_series(
            tx,
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
        if let Some(seq) = seq {
            tx.prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![journal::seq_key(shift), seq.to_string()])?;
        }
        Ok(Blocks { beats, hr, motion })
    }
}

/// Folds a dead writer's journal ([`journal::recover`]) into the database
/// in one transaction, if the shift is still open and still that writer's
/// (its lease token). Returns whether it was kept.
pub(super) fn fold_recovered(
    store: &Store,
    contents: &journal::Contents,
) -> Result<bool, StoreError> {
    let tx = Transaction::new_unchecked(&store.conn, TransactionBehavior::Immediate)?;
    let row: Option<(Option<Millis>, Option<String>)> = tx
        .query_row(
            "SELECT ended_ms, writer FROM shifts WHERE id = ?1",
            [contents.shift],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let open_and_ours = matches!(
        &row,
        Some((None, Some(writer))) if *writer == contents.token
    );
    if !open_and_ours || contents.batch.len() == 0 {
        return Ok(false);
    }
    let blocks = Blocks::load(store, contents.shift)?;
    blocks.write(
        &tx,
        contents.shift,
        LIVE_BLOCK_BEATS,
        &contents.batch,
        contents.last_seq,
    )?;
    tx.commit()?;
    Ok(true)
}

/// The writer thread: its own connection and the shift's open blocks.
struct Saver {
    store: Store,
    shift: ShiftId,
    /// This writer's lease token.
    token: String,
    max_beats: usize,
    blocks: Blocks,
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
            blocks: Blocks::empty(),
        })
    }

    /// Answers jobs until the caller hangs up.
    fn run(mut self, jobs: &Receiver<Job>, done: &SyncSender<Done>) {
        while let Ok(job) = jobs.recv() {
            let answer = match job {
                Job::Save(mut batch, seq) => {
                    let result = self.save(&batch, seq);
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
    fn save(&mut self, batch: &Batch, seq: Option<u64>) -> Result<(), StoreError> {
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
        let blocks = self.blocks.write(&tx, shift, self.max_beats, batch, seq)?;
        tx.commit()?;
        self.blocks = blocks;
        Ok(())
    }
}

impl Store {
    /// The time of the last stored beat, HR sample and motion sample of
    /// shift `id`, from each series' last block only (not the whole shift).
    pub(crate) fn last_series_times(&self, id: ShiftId) -> Result<[Option<Millis>; 3], StoreError> {
        let b = Blocks::load(self, id)?;
        Ok([
            b.beats.items.last().map(BlockItem::t),
            b.hr.items.last().map(BlockItem::t),
            b.motion.items.last().map(BlockItem::t),
        ])
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
    /// receiver and the answer sender). It folds every 5 s of data, so the
    /// tests' 20 beats reach the thread.
    fn with_thread(
        dir: &tempfile::TempDir,
        thread: impl FnOnce(Receiver<Job>, SyncSender<Done>) + Send + 'static,
    ) -> ShiftWriter {
        let store = Store::open(dir.path().join("s.db")).unwrap();
        let cfg = WriterConfig {
            fold_after_ms: Some(5_000),
            ..WriterConfig::default()
        };
        let mut w = ShiftWriter::start(store, 0, ShiftSource::Live, None, cfg).unwrap();
        w.stop();
        let (jobs, job_rx) = sync_channel::<Job>(1);
        let (done_tx, done) = sync_channel::<Done>(1);
        let handle = std::thread::spawn(move || thread(job_rx, done_tx));
        w.worker = Some(Worker { jobs, done, handle });
        w
    }

    /// A journal write that fails (ENOSPC: `/dev/full`) is a typed
    /// `StoreError::Full` from the call that made it; the data stays in
    /// memory, is retried, and once writes succeed again nothing is lost.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_journal_write_is_a_typed_error_and_nothing_is_lost() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s.db")).unwrap();
        let mut w =
            ShiftWriter::start(store, 0, ShiftSource::Live, None, WriterConfig::default()).unwrap();
        let full = std::fs::OpenOptions::new()
            .append(true)
            .open("/dev/full")
            .unwrap();
        w.journal.as_mut().unwrap().redirect(full);
        let mut errors = 0;
        for i in 1..=60 {
            w.push_beat(beat(i)).unwrap_or_else(|e| {
                assert!(matches!(e, StoreError::Full), "{e}");
                errors += 1;
            });
            match w.tick(i * 1000) {
                Ok(()) => {}
                Err(StoreError::Full) => errors += 1,
                Err(e) => panic!("unexpected {e}"),
            }
        }
        assert!(errors > 0);
        assert!(w.last_error().unwrap().contains("full"));
        assert_eq!(w.undurable_len(), 60, "nothing journaled, all kept");
        // Space again: a new journal file; the next step journals it all.
        let path = dir.path().join("s.db-steady-journal-retry");
        w.journal.as_mut().unwrap().redirect(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .unwrap(),
        );
        for i in 61..=70 {
            w.push_beat(beat(i)).unwrap();
            w.tick(i * 1000).unwrap();
        }
        assert!(w.undurable_len() < 70);
        w.flush().unwrap();
        assert_eq!(w.store().beats(w.shift_id()).unwrap().len(), 70);
        std::fs::remove_file(path).unwrap();
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
