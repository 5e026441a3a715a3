//! The per-packet hot path for Kotlin: `ingest` as a plain C function that
//! JNA calls through direct mapping, beside the UniFFI surface, returning the
//! call's events in a buffer the caller owns.
//!
//! Why: through UniFFI's generated Kotlin, every call spends most of the
//! 10 µs budget for one BLE notification before the core does anything (JNA
//! builds and reads back a `Structure` for the call status, and a second
//! crossing clones the object's handle), and a Kotlin `ShiftListener` costs
//! a JNA upcall per call with events (~47 µs each; figures in README.md and
//! bindings/README.md, from `tests/kotlin/run bench`). This path passes only
//! primitives (the packet and the caller's buffer as addresses of memory the
//! caller owns): no `Structure`, no upcall, one crossing, and none of the
//! per-call work JNA does for an array or a `Buffer` argument (measured:
//! bindings/README.md). It converts arguments, calls the
//! same core step as [`LiveShift::ingest`] and writes the events with
//! UniFFI's own lowering of `Vec<ShiftEvent>`, which the generated Kotlin
//! converter (`FfiConverterSequenceTypeShiftEvent.read`) reads back. Swift
//! calls UniFFI's C functions directly, with no such cost, and does not use
//! it.
//!
//! Where a direct call's events go: to its caller, in the buffer, and to the
//! poll queue (as every event; `snapshot().latest` follows them too); NOT to
//! the listener, so a shell that keeps a listener for its other calls (ticks,
//! actions) never sees a packet's events twice. The typed errors are those
//! of [`LiveShift::ingest`].
//!
//! The protocol (the Kotlin side is `org.steady.direct.DirectIngest`):
//! 1. [`LiveShift::direct_handle`] (a UniFFI method) returns a handle that
//!    holds its own reference to the shift, independent of UniFFI's handles.
//! 2. [`steady_direct_ingest`] ingests one packet and returns `n >= 0` on
//!    success, `-(n + 1)` on failure, where `n` is the byte size of the
//!    call's events (0: none). When `n` fits the caller's buffer the events
//!    are in it; otherwise they wait for this thread, until
//!    [`steady_direct_take_events`] copies them into a buffer of at least
//!    `n` bytes (the next direct call on the thread replaces them).
//! 3. On failure, [`direct_take_error`] (a UniFFI function) raises the
//!    typed error as the usual `SteadyException`, on the same thread, right
//!    after (after the events: a refused input still gives `InputIgnored`).
//! 4. [`steady_direct_release`] drops the handle's reference, once.

use std::cell::RefCell;
use std::sync::Arc;

use steady_core::Millis;
use steady_core::shift::{ShiftEvent, ShiftInput};

use crate::SteadyError;
use crate::shift::LiveShift;

thread_local! {
    /// The error of this thread's last failed [`steady_direct_ingest`].
    static LAST_ERROR: RefCell<Option<SteadyError>> = const { RefCell::new(None) };
    /// This thread's serialized events: scratch space reused call after call
    /// (no allocation once grown), holding the last call's events until they
    /// are copied out.
    static EVENTS: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
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

/// [`LiveShift::ingest`] for JNA direct mapping: `packet` is the address of
/// `len` bytes, `out` of `cap` writable bytes for the call's events
/// (addresses as 64-bit integers, so the Kotlin side passes primitives
/// only, the cheapest JNA call, on 32- and 64-bit ABIs alike). Returns
/// `n >= 0` on success and `-(n + 1)` on failure (take the error with
/// [`direct_take_error`]), `n` being the events' size in bytes: in `out`
/// when `n <= cap`, else waiting for [`steady_direct_take_events`].
///
/// # Safety
/// `handle` comes from [`LiveShift::direct_handle`] and has not been
/// released; `packet` is valid for `len` bytes (or `len` is 0); `out` is
/// valid for `cap` bytes (or `cap` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn steady_direct_ingest(
    handle: u64,
    t_ms: Millis,
    packet: u64,
    len: i32,
    out: u64,
    cap: i32,
) -> i32 {
    // SAFETY: the caller's contract, passed on.
    let (events, result) = unsafe { ingest(handle, t_ms, packet as usize as *const u8, len) };
    let (n, result) = match stash(events) {
        Ok(n) => (n, result),
        // Too large to report (2 GiB of events): the call's error wins.
        Err(e) => (0, result.and(Err(e))),
    };
    let n = if n > 0 {
        // SAFETY: the caller's contract for `out` and `cap`.
        unsafe { steady_direct_take_events(out, cap) }
    } else {
        0
    };
    match result {
        Ok(()) => n,
        Err(e) => {
            LAST_ERROR.with_borrow_mut(|last| *last = Some(e));
            -n - 1
        }
    }
}

/// The core step of [`steady_direct_ingest`]: the call's events and result.
///
/// # Safety
/// As [`steady_direct_ingest`] for `handle`, `packet` and `len`.
unsafe fn ingest(
    handle: u64,
    t_ms: Millis,
    packet: *const u8,
    len: i32,
) -> (Vec<ShiftEvent>, Result<(), SteadyError>) {
    let shift = handle as usize as *const LiveShift;
    if shift.is_null() {
        let reason = "null direct handle".into();
        return (Vec::new(), Err(SteadyError::InvalidState { reason }));
    }
    let bytes = match usize::try_from(len) {
        Ok(0) => Vec::new(),
        Ok(n) if !packet.is_null() => {
            // SAFETY: the caller passes `len` readable bytes at `packet`.
            unsafe { std::slice::from_raw_parts(packet, n) }.to_vec()
        }
        _ => {
            let reason = format!("packet of length {len} at a null or invalid pointer");
            return (Vec::new(), Err(SteadyError::InvalidInput { reason }));
        }
    };
    // SAFETY: the handle holds a reference (direct_handle) until release.
    unsafe { &*shift }.apply_direct(&ShiftInput::Packet { t_ms, bytes })
}

/// Serializes `events` (UniFFI's lowering of `Vec<ShiftEvent>`, as the
/// generated converters read it) into this thread's [`EVENTS`], replacing
/// what waited there; returns the size, 0 (and nothing written) for none.
fn stash(events: Vec<ShiftEvent>) -> Result<i32, SteadyError> {
    EVENTS.with_borrow_mut(|buf| {
        buf.clear();
        if events.is_empty() {
            return Ok(0);
        }
        <Vec<ShiftEvent> as uniffi::Lower<crate::UniFfiTag>>::write(events, buf);
        i32::try_from(buf.len()).map_err(|_| {
            buf.clear();
            SteadyError::Internal {
                reason: "a call's events do not fit in 2 GiB".into(),
            }
        })
    })
}

/// Copies the events waiting for this thread (from the last
/// [`steady_direct_ingest`]) into `out` when they fit in `cap` bytes, and
/// forgets them; returns their size either way (0 when none wait), so a
/// return above `cap` means: still waiting, grow the buffer and call again.
///
/// # Safety
/// `out` is the address of `cap` writable bytes (or `cap` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn steady_direct_take_events(out: u64, cap: i32) -> i32 {
    let out = out as usize as *mut u8;
    let cap = if out.is_null() { 0 } else { cap };
    EVENTS.with_borrow_mut(|buf| {
        // `stash` keeps the size within i32.
        let n = i32::try_from(buf.len()).unwrap_or(i32::MAX);
        if n > 0 && n <= cap {
            // SAFETY: `out` holds `cap >= n` bytes (the caller's contract)
            // and does not overlap this thread's own buffer.
            unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), out, buf.len()) };
            buf.clear();
        }
        n
    })
}

/// Does nothing: the cost of a JNA direct-mapped crossing alone, for the
/// Kotlin bench's floor line (`IngestBench.kt`). Not for application code.
#[unsafe(no_mangle)]
pub extern "C" fn steady_direct_noop() -> i32 {
    0
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
    use crate::ShiftListener;
    use std::sync::Mutex;
    use steady_core::shift::ShiftSetup;

    const T0: Millis = 1_764_000_000_000;

    /// Decodes a direct call's events as the generated Kotlin does.
    fn decode(bytes: &[u8]) -> Vec<ShiftEvent> {
        if bytes.is_empty() {
            return Vec::new();
        }
        let mut rest = bytes;
        let events = <Vec<ShiftEvent> as uniffi::Lift<crate::UniFfiTag>>::try_read(&mut rest)
            .expect("UniFFI's own layout");
        assert!(rest.is_empty(), "{} bytes left over", rest.len());
        events
    }

    /// A pointer as the direct path takes it.
    fn addr<T>(p: *const T) -> u64 {
        p as usize as u64
    }

    /// One direct call with a buffer of `cap` bytes: the return code and
    /// the bytes written (the first `n` of `out` when they fit).
    fn ingest_into(handle: u64, t: Millis, p: &[u8], cap: usize) -> (i32, Vec<u8>) {
        let mut out = vec![0u8; cap];
        let len = i32::try_from(p.len()).unwrap();
        let cap_i = i32::try_from(cap).unwrap();
        // SAFETY: a live handle, `len` bytes at `p`, `cap` bytes at `out`.
        let r = unsafe {
            steady_direct_ingest(
                handle,
                t,
                addr(p.as_ptr()),
                len,
                addr(out.as_mut_ptr()),
                cap_i,
            )
        };
        let n = usize::try_from(if r < 0 { -r - 1 } else { r }).unwrap();
        out.truncate(if n <= cap { n } else { 0 });
        (r, out)
    }

    fn ingest(handle: u64, t: Millis, p: &[u8]) -> i32 {
        ingest_into(handle, t, p, 4096).0
    }

    /// Every call's events, one list per call (calls with none included).
    #[derive(Default)]
    struct Recording(Mutex<Vec<Vec<ShiftEvent>>>);
    impl ShiftListener for Recording {
        fn on_events(&self, events: Vec<ShiftEvent>) {
            self.0.lock().unwrap().push(events);
        }
    }

    /// 10 minutes of a Polar-like strap (one packet a second, one or two
    /// RR), with a malformed packet at 200 s and a packet from the past at
    /// 400 s: gauge refreshes every 5 s, and two refused inputs.
    fn stream() -> Vec<(Millis, Vec<u8>)> {
        let mut out = Vec::new();
        let mut beat_end = T0 as f64;
        for i in 1..=600i64 {
            let send = T0 + i * 1000;
            let mut b = vec![0x16u8, 66];
            let mut k = 0.0;
            while beat_end + 900.0 < send as f64 {
                let rr = 900.0 + 40.0 * (i as f64 * 0.7 + k).sin();
                beat_end += rr;
                k += 1.0;
                b.extend_from_slice(&((rr * 1.024).round() as u16).to_le_bytes());
            }
            out.push((send, b));
            if i == 200 {
                out.push((send + 500, vec![0x01, 60])); // uint16 HR cut short
            }
            if i == 400 {
                out.push((send - 60_000, vec![0x16, 66, 0x9A, 0x03])); // time went back
            }
        }
        out
    }

    #[test]
    fn the_direct_path_returns_exactly_the_listeners_events_in_call_order() {
        let a = LiveShift::new(ShiftSetup::default());
        let heard_a = Arc::new(Recording::default());
        a.set_listener(Some(heard_a.clone()));
        let b = LiveShift::new(ShiftSetup::default());
        let heard_b = Arc::new(Recording::default());
        b.set_listener(Some(heard_b.clone()));
        let h = Arc::clone(&b).direct_handle();

        let (mut returned, mut errors) = (Vec::new(), 0);
        for (t, p) in stream() {
            let want = a.ingest(t, p.clone());
            let (r, bytes) = ingest_into(h, t, &p, 4096);
            let events = decode(&bytes);
            match want {
                Ok(()) => assert!(r >= 0, "{r}"),
                Err(want) => {
                    assert!(r < 0, "{r}");
                    assert_eq!(direct_take_error(), Err(want));
                    assert!(!events.is_empty(), "a refused input still gives its event");
                    errors += 1;
                }
            }
            if !events.is_empty() {
                returned.push(events);
            }
        }
        let heard = heard_a.0.lock().unwrap().clone();
        assert_eq!(errors, 2);
        assert!(
            heard
                .iter()
                .flatten()
                .filter(|e| matches!(e, ShiftEvent::Gauge { .. }))
                .count()
                >= 100,
            "gauge refreshes every 5 s"
        );
        assert_eq!(returned, heard, "call by call, in order");
        assert!(
            heard_b.0.lock().unwrap().is_empty(),
            "direct events do not also reach the listener"
        );
        // The poll queue and the snapshot see them as for ingest.
        assert_eq!(a.snapshot(), b.snapshot());
        assert_eq!(a.poll_events(u32::MAX), b.poll_events(u32::MAX));
        // SAFETY: released once.
        unsafe { steady_direct_release(h) };
    }

    #[test]
    fn a_buffer_too_small_gets_the_size_and_the_retry_the_same_events() {
        let a = LiveShift::new(ShiftSetup::default());
        let heard = Arc::new(Recording::default());
        a.set_listener(Some(heard.clone()));
        let b = LiveShift::new(ShiftSetup::default());
        let h = Arc::clone(&b).direct_handle();
        let mut returned = Vec::new();
        let mut retries = 0;
        for (t, p) in stream() {
            let _ = a.ingest(t, p.clone());
            // A 0-byte buffer, then one byte short, then the size asked.
            let (r, bytes) = ingest_into(h, t, &p, 0);
            assert!(bytes.is_empty());
            let n = if r < 0 { -r - 1 } else { r };
            if r < 0 {
                assert!(direct_take_error().is_err());
            }
            if n == 0 {
                continue;
            }
            retries += 1;
            let mut out = vec![0u8; usize::try_from(n).unwrap()];
            // SAFETY: `out` holds n - 1 and n bytes.
            assert_eq!(
                unsafe { steady_direct_take_events(addr(out.as_mut_ptr()), n - 1) },
                n,
                "still waiting"
            );
            assert_eq!(
                unsafe { steady_direct_take_events(addr(out.as_mut_ptr()), n) },
                n
            );
            returned.push(decode(&out));
            // Taken once: nothing waits any more.
            assert_eq!(
                unsafe { steady_direct_take_events(addr(out.as_mut_ptr()), n) },
                0
            );
        }
        assert!(retries >= 100, "{retries}");
        assert_eq!(returned, *heard.0.lock().unwrap(), "nothing lost");
        // A call without events leaves nothing waiting from an earlier one.
        let mut out = [0u8; 8];
        let (r, _) = ingest_into(h, T0 + 601_000, &[0x16, 66], 0);
        assert_eq!(r, 0);
        // SAFETY: 8 bytes at `out`.
        assert_eq!(
            unsafe { steady_direct_take_events(addr(out.as_mut_ptr()), 8) },
            0
        );
        // SAFETY: released once.
        unsafe { steady_direct_release(h) };
    }

    #[test]
    fn the_direct_path_is_the_same_shift_as_ingest() {
        let a = LiveShift::new(ShiftSetup::default());
        let b = LiveShift::new(ShiftSetup::default());
        let h = Arc::clone(&b).direct_handle();
        for i in 1..=120 {
            let p = [0x16, 66, 0x9A, 0x03]; // RR 0.9 s
            a.ingest(T0 + i * 1000, p.to_vec()).unwrap();
            assert!(ingest(h, T0 + i * 1000, &p) >= 0);
        }
        assert_eq!(a.snapshot(), b.snapshot());
        assert!(b.snapshot().latest.is_some());

        // [0x01, 60]: uint16 HR cut short; the same typed error as ingest.
        let want = a.ingest(T0 + 121_000, vec![0x01, 60]).unwrap_err();
        assert!(ingest(h, T0 + 121_000, &[0x01, 60]) < 0);
        assert_eq!(direct_take_error(), Err(want));
        // Taken once: a second take has nothing to raise.
        assert!(matches!(
            direct_take_error(),
            Err(SteadyError::InvalidState { .. })
        ));
        // The shift goes on.
        assert!(ingest(h, T0 + 122_000, &[0x16, 66, 0x9A, 0x03]) >= 0);

        assert_eq!(Arc::strong_count(&b), 2);
        // SAFETY: released once.
        unsafe { steady_direct_release(h) };
        assert_eq!(Arc::strong_count(&b), 1);
    }

    #[test]
    fn bad_pointers_are_typed_errors_not_crashes() {
        assert_eq!(ingest(0, T0, &[0x16, 66]), -1, "no events, failed");
        assert!(matches!(
            direct_take_error(),
            Err(SteadyError::InvalidState { .. })
        ));
        let s = LiveShift::new(ShiftSetup::default());
        let h = Arc::clone(&s).direct_handle();
        let mut out = [0u8; 64];
        // SAFETY: a null pointer with a non-zero length is refused, not read.
        assert_eq!(
            unsafe { steady_direct_ingest(h, T0, 0, 4, addr(out.as_mut_ptr()), 64) },
            -1
        );
        assert!(matches!(
            direct_take_error(),
            Err(SteadyError::InvalidInput { .. })
        ));
        assert!(
            ingest(h, T0, &[0x16, 66]) >= 0,
            "an empty-RR packet is fine"
        );
        // A null buffer holds nothing: the events wait, as for one too small.
        let p = [0x16u8, 66, 0x9A, 0x03];
        let mut n = 0;
        for i in 1..=10 {
            // SAFETY: 4 bytes at `p`; a null `out` is never written.
            n = unsafe { steady_direct_ingest(h, T0 + i * 1000, addr(p.as_ptr()), 4, 0, 64) };
            if n > 0 {
                break;
            }
        }
        assert!(n > 0, "a gauge refresh within 10 s");
        // SAFETY: null with a capacity: nothing written, the size reported.
        assert_eq!(unsafe { steady_direct_take_events(0, 64) }, n);
        assert_eq!(steady_direct_noop(), 0);
        // SAFETY: released once; null is ignored.
        unsafe {
            steady_direct_release(h);
            steady_direct_release(0);
        }
    }
}
