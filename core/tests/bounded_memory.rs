//! A long RR file is read as it streams: the peak memory of reading,
//! cleaning and analysing it stays far below the file's size. Alone in its
//! test binary so that the process's peak (VmHWM) is this test's.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly
use std::io::Write;

use steady_core::analysis::{AnalyzeOptions, Analyzer};
use steady_core::beats::TimedRr;
use steady_core::feed::{Piece, Stream};
use steady_core::shift::ShiftInput;

/// Peak resident set of this process (kB), from /proc/self/status.
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .unwrap_or_else(|| panic!("no VmHWM in /proc/self/status:\n{status}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_20_mb_rr_file_streams_in_a_fraction_of_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.txt");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    // Plausible RR (600-1100 ms, a slow wave plus a fast wobble), ~4.5 B a line.
    let mut lines = 0u64;
    let mut size = 0usize;
    while size < 20_000_000 {
        let rr = 850 + (lines % 500) as i64 - 250 + ((lines * 7) % 23) as i64;
        let s = format!("{rr}\n");
        size += s.len();
        f.write_all(s.as_bytes()).unwrap();
        lines += 1;
    }
    f.flush().unwrap();
    drop(f);
    let before = peak_rss_kb();
    let stream = Stream::open(&path, None).unwrap();
    let mut a = Analyzer::time_ordered(stream.origin_ms, &AnalyzeOptions::default());
    let mut windows = 0u64;
    let mut out = |_| windows += 1;
    let mut rr = 0u64;
    for piece in stream {
        if let Piece::Input(ShiftInput::Rr { t_ms, rr_ms }) = piece.unwrap() {
            rr += 1;
            a.push_rr(TimedRr { t_ms, rr_ms }, &mut out);
        }
    }
    let totals = a.finish(&mut out);
    assert_eq!(rr, lines);
    // The cleaner drops a few beats (the wave's 500-ms falls), no more.
    assert!(
        totals.beats > lines * 99 / 100,
        "{} of {lines}",
        totals.beats
    );
    assert!(windows > 50_000, "{windows} windows");
    let peak = peak_rss_kb();
    eprintln!("peak resident set {peak} kB for {size} bytes, {lines} beats");
    // Held whole, the rows alone took 48 B a line (over 200 MB here).
    assert!(
        peak < 32_000,
        "peak resident set {peak} kB (before reading: {before} kB) for a {size}-byte file of {lines} beats"
    );
}
