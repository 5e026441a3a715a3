//! The per-packet hot path for Kotlin: `ingest` as a plain C function that
//! JNA calls through direct mapping, beside the UniFFI surface.
//!
//! Why: through UniFFI's generated Kotlin, every call spends most of the
//! 10 µs budget for one BLE notification before the core does anything (JNA
//! builds and reads back a `Structure` for the call status, and a second
//! crossing clones the object's handle; figures in README.md and
//! bindings/README.md, from `tests/kotlin/run bench`). This path passes
//! only primitives and the packet's `byte[]`: no `Structure`, one crossing.
//! It converts arguments and calls [`LiveShift::ingest`]; the model, the
//! listener, the poll queue and the typed errors are exactly those of the
//! UniFFI call. Swift calls UniFFI's C functions directly, with no such cost,
//! and does not use it.
//!
//! The protocol (the Kotlin side is `org.steady.direct.DirectIngest`):
//! 1. [`LiveShift::direct_handle`] (a UniFFI method) returns a handle that
//!    holds its own reference to the shift, independent of UniFFI's handles.
//! 2. [`steady_direct_ingest`] ingests one packet; it returns 0, or 1 when
//!    the call failed, in which case the typed error waits for this thread.
//! 3. [`direct_take_error`] (a UniFFI function) raises that error as the
//!    usual `SteadyException`, on the same thread, right after.
//! 4. [`steady_direct_release`] drops the handle's reference, once.

use std::cell::RefCell;
use std::sync::Arc;

use steady_core::Millis;

use crate::SteadyError;
use crate::edge::guard;
use crate::shift::LiveShift;

thread_local! {
    /// The error of this thread's last failed [`steady_direct_ingest`].
    static LAST_ERROR: RefCell<Option<SteadyError>> = const { RefCell::new(None) };
}

#[uniffi::export]
impl LiveShift {
    /// A handle for the Kotlin hot path (`org.steady.direct.DirectIngest`):
    /// it keeps the shift alive until `steady_direct_release`. Not for
    /// application code.
    pub fn direct_handle(self: Arc<Self>) -> u64 {
        Arc::into_raw(self) as usize as u64
    }
}

/// Raises (as `SteadyException`) the error of this thread's last failed
/// `steady_direct_ingest`, and forgets it; `InvalidState` if there is none.
#[uniffi::export]
pub fn direct_take_error() -> Result<(), SteadyError> {
    Err(LAST_ERROR
        .with_borrow_mut(Option::take)
        .unwrap_or_else(|| SteadyError::InvalidState {
            reason: "no failed direct ingest on this thread".into(),
        }))
}

/// [`LiveShift::ingest`] for JNA direct mapping: `packet` points at `len`
/// bytes. Returns 0 on success and 1 on failure (take the error with
/// [`direct_take_error`]).
///
/// # Safety
/// `handle` comes from [`LiveShift::direct_handle`] and has not been
/// released; `packet` is valid for `len` bytes (or `len` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn steady_direct_ingest(
    handle: u64,
    t_ms: Millis,
    packet: *const u8,
    len: i32,
) -> i32 {
    let result = guard(|| {
        let shift = handle as usize as *const LiveShift;
        if shift.is_null() {
            return Err(SteadyError::InvalidState {
                reason: "null direct handle".into(),
            });
        }
        let bytes = match usize::try_from(len) {
            Ok(0) => Vec::new(),
            Ok(n) if !packet.is_null() => {
                // SAFETY: the caller passes `len` readable bytes at `packet`.
                unsafe { std::slice::from_raw_parts(packet, n) }.to_vec()
            }
            _ => {
                return Err(SteadyError::InvalidInput {
                    reason: format!("packet of length {len} at a null or invalid pointer"),
                });
            }
        };
        // SAFETY: the handle holds a reference (direct_handle) until release.
        unsafe { &*shift }.ingest(t_ms, bytes)
    });
    match result {
        Ok(()) => 0,
        Err(e) => {
            LAST_ERROR.with_borrow_mut(|last| *last = Some(e));
            1
        }
    }
}

/// Drops the reference [`LiveShift::direct_handle`] took. Null is ignored.
///
/// # Safety
/// `handle` comes from [`LiveShift::direct_handle`] and is released once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn steady_direct_release(handle: u64) {
    let shift = handle as usize as *const LiveShift;
    if !shift.is_null() {
        // SAFETY: the pointer came from Arc::into_raw and is released once.
        drop(unsafe { Arc::from_raw(shift) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steady_core::shift::ShiftSetup;

    const T0: Millis = 1_764_000_000_000;

    fn ingest(handle: u64, t: Millis, p: &[u8]) -> i32 {
        let len = i32::try_from(p.len()).unwrap();
        // SAFETY: a live handle and a slice of `len` bytes.
        unsafe { steady_direct_ingest(handle, t, p.as_ptr(), len) }
    }

    #[test]
    fn the_direct_path_is_the_same_shift_as_ingest() {
        let a = LiveShift::new(ShiftSetup::default());
        let b = LiveShift::new(ShiftSetup::default());
        let h = Arc::clone(&b).direct_handle();
        for i in 1..=120 {
            let p = [0x16, 66, 0x9A, 0x03]; // RR 0.9 s
            a.ingest(T0 + i * 1000, p.to_vec()).unwrap();
            assert_eq!(ingest(h, T0 + i * 1000, &p), 0);
        }
        assert_eq!(a.snapshot(), b.snapshot());
        assert!(b.snapshot().latest.is_some());

        // [0x01, 60]: uint16 HR cut short; the same typed error as ingest.
        let want = a.ingest(T0 + 121_000, vec![0x01, 60]).unwrap_err();
        assert_eq!(ingest(h, T0 + 121_000, &[0x01, 60]), 1);
        assert_eq!(direct_take_error(), Err(want));
        // Taken once: a second take has nothing to raise.
        assert!(matches!(
            direct_take_error(),
            Err(SteadyError::InvalidState { .. })
        ));
        // The shift goes on.
        assert_eq!(ingest(h, T0 + 122_000, &[0x16, 66, 0x9A, 0x03]), 0);

        assert_eq!(Arc::strong_count(&b), 2);
        // SAFETY: released once.
        unsafe { steady_direct_release(h) };
        assert_eq!(Arc::strong_count(&b), 1);
    }

    #[test]
    fn bad_pointers_are_typed_errors_not_crashes() {
        assert_eq!(ingest(0, T0, &[0x16, 66]), 1);
        assert!(matches!(
            direct_take_error(),
            Err(SteadyError::InvalidState { .. })
        ));
        let s = LiveShift::new(ShiftSetup::default());
        let h = Arc::clone(&s).direct_handle();
        // SAFETY: a null pointer with a non-zero length is refused, not read.
        assert_eq!(
            unsafe { steady_direct_ingest(h, T0, std::ptr::null(), 4) },
            1
        );
        assert!(matches!(
            direct_take_error(),
            Err(SteadyError::InvalidInput { .. })
        ));
        assert_eq!(ingest(h, T0, &[0x16, 66]), 0, "an empty-RR packet is fine");
        // SAFETY: released once; null is ignored.
        unsafe {
            steady_direct_release(h);
            steady_direct_release(0);
        }
    }
}
