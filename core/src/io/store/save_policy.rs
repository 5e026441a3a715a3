//! What the live writer does once its saves fail (a full disk, a database
//! another process holds): how long it waits before the next try, and when
//! it stops trying.
//!
//! WHY a policy at all: a failed batch goes back in front of what came
//! since, so every retry saves the whole backlog again. Retrying every
//! `retry_after_ms` made the work grow with the backlog at every retry:
//! a replay of a 24-h recording into a full 160 KiB tmpfs ran for 7+
//! CPU-minutes (quadratic). Here the gap between tries doubles up to
//! [`MAX_RETRY_GAP_MS`] and the backlog is bounded by
//! [`WriterConfig::max_unsaved_ms`](super::WriterConfig::max_unsaved_ms),
//! so the tries are few and each one is bounded.
//!
//! WHY stop rather than keep everything: a store that cannot save for
//! half an hour of data will not save the shift; holding its data longer
//! only hides that. The writer then drops what it holds, says what it
//! dropped in a typed [`StoreError::SavingStopped`](super::StoreError)
//! (returned by every later call), and the shift stays unfinished with
//! what was saved, which `--resume` / `--close-unfinished` carry on or
//! close once space is back. All times are data time: the model and the
//! store never read a clock.
use super::{StoreError, StoreErrorKind};
use crate::Millis;

/// The longest wait (data time) between two tries once saves fail.
pub(super) const MAX_RETRY_GAP_MS: Millis = 60_000;

/// Wait before the next try after `failures` failed saves in a row (1 for
/// the first): `first` doubled at each failure, at most
/// [`MAX_RETRY_GAP_MS`] (or `first`, if that is longer).
pub(super) fn retry_gap(first: Millis, failures: u32) -> Millis {
    let doubled = first.saturating_mul(1 << failures.saturating_sub(1).min(20));
    doubled.min(MAX_RETRY_GAP_MS.max(first))
}

/// True when the unsaved data (oldest at `oldest`) spans `max_unsaved`
/// or more at data time `now`: the writer stops saving.
pub(super) fn gives_up(oldest: Millis, now: Millis, max_unsaved: Millis) -> bool {
    now.saturating_sub(oldest) >= max_unsaved
}

/// Why and where a writer stopped saving (see [`StoreError::SavingStopped`]).
#[derive(Debug, Clone)]
pub(super) struct GaveUp {
    kind: StoreErrorKind,
    reason: String,
    unsaved_from_ms: Millis,
    unsaved_ms: Millis,
    dropped: usize,
}

impl GaveUp {
    /// After the failure `e`, the unsaved data from `oldest` to `now`
    /// (`dropped` items) is given up.
    pub(super) fn new(e: &StoreError, oldest: Millis, now: Millis, dropped: usize) -> Self {
        GaveUp {
            kind: e.kind(),
            reason: e.to_string(),
            unsaved_from_ms: oldest,
            unsaved_ms: now.saturating_sub(oldest),
            dropped,
        }
    }

    /// The typed error every later call of the writer returns.
    pub(super) fn error(&self) -> StoreError {
        StoreError::SavingStopped {
            kind: self.kind,
            reason: self.reason.clone(),
            unsaved_from_ms: self.unsaved_from_ms,
            unsaved_ms: self.unsaved_ms,
            dropped: self.dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gap_doubles_up_to_the_cap() {
        let gaps: Vec<Millis> = (1..=9).map(|f| retry_gap(1_000, f)).collect();
        assert_eq!(
            gaps,
            [
                1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000
            ]
        );
        assert_eq!(retry_gap(1_000, u32::MAX), MAX_RETRY_GAP_MS);
        // An import's single late retry is not shortened.
        assert_eq!(retry_gap(3_600_000, 3), 3_600_000);
    }

    #[test]
    fn gives_up_once_the_backlog_spans_the_limit() {
        assert!(!gives_up(0, 1_799_999, 1_800_000));
        assert!(gives_up(0, 1_800_000, 1_800_000));
        assert!(!gives_up(5, 0, 1_800_000), "time backwards is no backlog");
    }
}
