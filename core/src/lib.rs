//! steady-core: everything in Steady that thinks.
//!
//! Data flows one way: strap bytes -> [`hrm`] -> [`beats`] -> [`hrv`] ->
//! activation (with baseline and motion) -> load -> prompt / reset -> events
//! -> summary; `store` persists what a shift produced.
//!
//! The model never reads a clock: every input carries its own timestamp
//! ([`Millis`]), so the same input always gives the same output.

#![forbid(unsafe_code)]

/// From strap bytes to clean beats and their HRV: no model, no storage.
pub mod signal {
    pub mod beats;
    pub mod hrm;
    pub mod hrv;
}

/// The shift model: deterministic, clock-free, built on [`signal`].
pub mod model {
    pub mod activation;
    pub mod baseline;
    pub mod drift;
    pub mod load;
    pub mod offshift;
    pub mod prompt;
    pub mod recovery;
    pub mod reset;
    pub mod shift;
    pub mod summary;
}

/// What comes in and goes out: recording files, the store (which knows
/// nothing of the model: its events and summaries are JSON), the seam that
/// maps the model's types onto the store, the recorder that keeps what a
/// shift takes in and puts out, the running shift (model + optional
/// recorder) every caller drives, and the feed that turns a recording into
/// model inputs.
pub mod io {
    pub mod feed;
    pub mod formats;
    pub mod recorder;
    pub mod running;
    pub mod seam;
    pub mod store;
}

pub mod analysis;
pub mod robust;

// The flat paths (`steady_core::hrm`, `steady_core::shift`, ...) stay: the
// shells, the CLI and the tests use them; the folders above show the layers.
pub use io::{feed, formats, recorder, running, seam, store};
pub use model::{
    activation, baseline, drift, load, offshift, prompt, recovery, reset, shift, summary,
};
pub use signal::{beats, hrm, hrv};

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!("steady_core");

/// A timestamp or duration in milliseconds on the input's own clock
/// (unix milliseconds for live data, milliseconds since the start of the
/// recording for files without an absolute clock).
pub type Millis = i64;
