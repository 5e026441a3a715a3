//! The one error type the shells see. Every fallible call returns it, so a
//! Kotlin caller catches `SteadyException` (with a subclass per variant) and a
//! Swift caller a `SteadyError` case; nothing else can come out of the core.

use steady_core::store::StoreErrorKind;

/// Why a call into the core failed. Each variant carries a human-readable
/// `reason` for logs; shells branch on the variant, never on the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum SteadyError {
    /// A BLE packet (0x2A37) or a motion sample could not be decoded. The
    /// packet is dropped and the shift goes on: one bad notification never
    /// ends a shift.
    #[error("invalid input: {reason}")]
    InvalidInput { reason: String },
    /// The call does not fit the current state (e.g. ending a shift that was
    /// never started, time running backwards beyond what the model accepts).
    #[error("invalid state: {reason}")]
    InvalidState { reason: String },
    /// The on-device store failed; `kind` says what the shell can do about
    /// it ("free some space", "update the app", "choose another file").
    #[error("store ({kind:?}): {reason}")]
    Store {
        kind: StoreErrorKind,
        reason: String,
    },
    /// Writing an export failed.
    #[error("export: {reason}")]
    Export { reason: String },
    /// A bug (a panic in the core or in a listener) was caught at the FFI
    /// edge. The object that raised it stays usable.
    #[error("internal error: {reason}")]
    Internal { reason: String },
}
