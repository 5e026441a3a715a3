//! steady-core: everything in Steady that thinks.
//!
//! Data flows one way: strap bytes -> [`hrm`] -> [`beats`] -> [`hrv`] ->
//! activation (with baseline and motion) -> load -> prompt / reset -> events
//! -> summary; `store` persists what a shift produced.
//!
//! The model never reads a clock: every input carries its own timestamp
//! ([`Millis`]), so the same input always gives the same output.

#![forbid(unsafe_code)]

pub mod activation;
pub mod analysis;
pub mod baseline;
pub mod beats;
pub mod feed;
pub mod formats;
pub mod hrm;
pub mod hrv;
pub mod load;
pub mod prompt;
pub mod reset;
pub mod robust;
pub mod session;
pub mod shift;
pub mod store;
pub mod summary;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("steady_core");

/// A timestamp or duration in milliseconds on the input's own clock
/// (unix milliseconds for live data, milliseconds since the start of the
/// recording for files without an absolute clock).
pub type Millis = i64;
