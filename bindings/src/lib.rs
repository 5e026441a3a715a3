//! steady-ffi: the UniFFI surface of steady-core for the Kotlin and Swift
//! shells.
//!
//! This crate converts types and holds locks; it holds no model logic. Records
//! and enums are steady-core's own (derived behind its `uniffi` feature);
//! what lives here is what needs a lock or a handle across calls, the error
//! type the shells see, and the panic guard at the edge ([`edge`]).

mod direct;
mod edge;
mod error;
mod hrm;
mod shift;
mod store;

pub use direct::{
    direct_take_error, steady_direct_ingest, steady_direct_noop, steady_direct_release,
    steady_direct_take_events,
};
pub use error::SteadyError;
pub use hrm::decode_heart_rate_measurement;
pub use shift::{
    GaugeSnapshot, LiveShift, POLL_QUEUE_CAPACITY, ShiftListener, UserAction, default_shift_config,
    default_shift_setup, reset_protocols,
};
pub use store::{ExportFormat, SteadyStore};

uniffi::setup_scaffolding!("steady");

/// Version of the core library, so a shell can log which core it runs and
/// check that the generated bindings match the loaded library.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
