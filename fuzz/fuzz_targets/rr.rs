//! The `rr` reader on arbitrary bytes: a typed error or a recording, never
//! a panic; a recording then goes through the whole analysis (cleaner, HRV,
//! windows) without panicking either.
#![no_main]
use libfuzzer_sys::fuzz_target;
use steady_core::analysis::{AnalyzeOptions, analyze};
use steady_core::formats::{rr, text_of};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = text_of(data)
        && let Ok(rec) = rr::parse(text)
    {
        let _ = analyze(
            &rec,
            &AnalyzeOptions {
                window_ms: 10_000,
                ..AnalyzeOptions::default()
            },
        );
    }
});
