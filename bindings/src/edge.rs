//! The FFI edge: nothing may unwind into Kotlin or Swift.
//!
//! UniFFI already turns a panic into a generic `InternalException`; catching it
//! here instead gives the shells the typed [`SteadyError::Internal`], and the
//! objects stay usable: a lock poisoned by the panic is recovered and the
//! shift goes on from the state the core left (the core has no panicking
//! path by design; this is the last line of defence, tested with a
//! panicking listener).

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::SteadyError;

/// Runs `f`, converting a panic into [`SteadyError::Internal`].
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, SteadyError>) -> Result<T, SteadyError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(SteadyError::Internal {
            reason: panic_message(payload.as_ref()),
        }),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_typed_internal_error() {
        let got: Result<(), SteadyError> = guard(|| panic!("boom"));
        assert_eq!(
            got,
            Err(SteadyError::Internal {
                reason: "boom".into()
            })
        );
    }

    #[test]
    fn results_pass_through() {
        assert_eq!(guard(|| Ok(3)), Ok(3));
        let err = SteadyError::InvalidInput { reason: "x".into() };
        assert_eq!(guard(|| Err::<(), _>(err.clone())), Err(err));
    }
}
