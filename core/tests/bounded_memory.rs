//! Long recordings are read as they stream: the peak memory of reading,
//! cleaning and analysing one stays far below the file's size, in every
//! format. Alone in its test binary so that the process's peak (VmHWM) is
//! these tests'; they take turns (a lock) and each resets the peak first.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use steady_core::analysis::{AnalyzeOptions, Analyzer};
use steady_core::beats::{HrSample, TimedRr};
use steady_core::feed::{Piece, Stream};
use steady_core::hrm::{HeartRateMeasurement, SensorContact};
use steady_core::shift::ShiftInput;

/// One test at a time: the peak is the process's.
static TURN: Mutex<()> = Mutex::new(());

/// A line of /proc/self/status (kB).
fn status_kb(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_else(|| panic!("no {key} in /proc/self/status:\n{status}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Resets the peak resident set (VmHWM) to the current one (Linux 4.0+);
/// returns it.
fn reset_peak() -> u64 {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let now = status_kb("VmHWM:");
    assert!(
        now <= status_kb("VmRSS:") + 1024,
        "the peak was not reset ({now} kB)"
    );
    now
}

/// What streaming a recording through the analysis gave.
struct Streamed {
    rr: u64,
    hr: u64,
    motion: u64,
    windows: u64,
    beats: u64,
    /// Peak resident set while reading, above the resident set before (kB).
    growth_kb: u64,
    before_kb: u64,
}

/// Streams `path` through the analysis (as text `analyze` does), keeping
/// counts only.
fn stream(path: &Path) -> Streamed {
    let before_kb = reset_peak();
    let stream = Stream::open(path, None).unwrap();
    let mut a = Analyzer::time_ordered(stream.origin_ms, &AnalyzeOptions::default());
    let mut windows = 0u64;
    let mut out = |_| windows += 1;
    let (mut rr, mut hr, mut motion) = (0u64, 0u64, 0u64);
    for piece in stream {
        match piece.unwrap() {
            Piece::Input(ShiftInput::Rr { t_ms, rr_ms }) => {
                rr += 1;
                a.push_rr(TimedRr { t_ms, rr_ms }, &mut out);
            }
            Piece::Input(ShiftInput::HeartRate { t_ms, bpm }) => {
                hr += 1;
                a.push_hr(HrSample { t_ms, bpm }, &mut out);
            }
            Piece::Input(ShiftInput::Motion { .. }) => motion += 1,
            _ => {}
        }
    }
    let totals = a.finish(&mut out);
    let peak = status_kb("VmHWM:");
    Streamed {
        rr,
        hr,
        motion,
        windows,
        beats: totals.beats,
        growth_kb: peak.saturating_sub(before_kb),
        before_kb,
    }
}

/// Plausible RR (600-1100 ms, a slow wave plus a fast wobble).
fn rr_ms(i: u64) -> i64 {
    850 + (i % 500) as i64 - 250 + ((i * 7) % 23) as i64
}

/// Writes lines from `line(i)` until the file holds `bytes` or `line`
/// gives None; returns the lines written and the size.
fn write_lines(
    path: &Path,
    head: &str,
    bytes: usize,
    mut line: impl FnMut(u64) -> Option<String>,
) -> (u64, usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(head.as_bytes()).unwrap();
    let (mut n, mut size) = (0u64, head.len());
    while size < bytes {
        let Some(s) = line(n) else { break };
        size += s.len();
        f.write_all(s.as_bytes()).unwrap();
        n += 1;
    }
    f.flush().unwrap();
    (n, size)
}

/// Memory the streamed read may grow by, whatever the file's size (kB):
/// the passes' buffers, the analysis's running figures.
const GROWTH_KB: u64 = 12_000;

fn check_growth(what: &str, s: &Streamed, size: usize, lines: u64) {
    eprintln!(
        "{what}: peak resident set grew by {} kB (from {} kB) for {size} bytes, {lines} lines",
        s.growth_kb, s.before_kb
    );
    assert!(
        s.growth_kb < GROWTH_KB,
        "{what}: peak resident set grew by {} kB (from {} kB) for a {size}-byte file of {lines} lines",
        s.growth_kb,
        s.before_kb
    );
}

#[test]
fn a_20_mb_rr_file_streams_in_a_fraction_of_its_size() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.txt");
    // ~4.5 B a line.
    let (lines, size) = write_lines(&path, "", 20_000_000, |i| Some(format!("{}\n", rr_ms(i))));
    let s = stream(&path);
    assert_eq!(s.rr, lines);
    // The cleaner drops a few beats (the wave's 500-ms falls), no more.
    assert!(s.beats > lines * 99 / 100, "{} of {lines}", s.beats);
    assert!(s.windows > 50_000, "{} windows", s.windows);
    // Held whole, the rows alone took 48 B a line (over 200 MB here).
    check_growth("rr text", &s, size, lines);
}

#[test]
fn a_20_mb_rr_file_whose_clock_runs_backwards_streams_in_a_fraction_of_its_size() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("back.csv");
    // `t_s,rr_ms` with the clock set back 10 minutes every 500,000 beats:
    // it used to be read whole and sorted.
    let mut t = 0i64;
    let (lines, size) = write_lines(&path, "t_s,rr_ms\n", 20_000_000, |i| {
        t += rr_ms(i);
        if i > 0 && i % 500_000 == 0 {
            t -= 600_000;
        }
        Some(format!("{:.3},{}\n", t as f64 / 1000.0, rr_ms(i)))
    });
    let s = stream(&path);
    assert_eq!(s.rr, lines);
    assert!(s.beats > lines * 99 / 100, "{} of {lines}", s.beats);
    check_growth("rr text, clock set back", &s, size, lines);
}

#[test]
fn a_20_mb_hrm_log_streams_in_a_fraction_of_its_size() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.hrmlog");
    // One packet a second (HR and the beat that ended in it), as `live`
    // logs them, a disconnection every 100,000 packets.
    let head = format!(
        "{}\n# device=test\n",
        steady_core::formats::hrm_log::MAGIC_V1
    );
    let mut t = 1_700_000_000_000i64;
    let (lines, size) = write_lines(&path, &head, 20_000_000, |i| {
        if i % 100_000 == 99_999 {
            t += 10_000;
            return Some(format!("{} !disconnected\n{t} !connected\n", t - 10_000));
        }
        let rr = rr_ms(i);
        t += rr;
        let packet = HeartRateMeasurement {
            heart_rate_bpm: (60_000 / rr) as u16,
            sensor_contact: SensorContact::Detected,
            energy_expended_kj: None,
            rr_1024: vec![(rr as f64 * 1.024).round() as u16],
        }
        .encode();
        Some(format!(
            "{}\n",
            steady_core::formats::hrm_log::data_line(t, &packet)
        ))
    });
    let s = stream(&path);
    let packets = lines - lines / 100_000;
    assert_eq!((s.rr, s.hr), (packets, packets));
    assert!(s.beats > packets * 98 / 100, "{} of {packets}", s.beats);
    check_growth("hrm-log", &s, size, lines);
}

#[test]
fn a_20_mb_polar_hrm_file_streams_in_a_fraction_of_its_size() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.hrm");
    let head = "[Params]\r\nVersion=106\r\nInterval=238\r\n\r\n[HRData]\r\n";
    let (lines, size) = write_lines(&path, head, 20_000_000, |i| {
        Some(format!("{}\t0\r\n", rr_ms(i)))
    });
    let s = stream(&path);
    assert_eq!(s.rr, lines);
    assert!(s.beats > lines * 99 / 100, "{} of {lines}", s.beats);
    check_growth("polar .hrm", &s, size, lines);
}

#[test]
fn a_20_mb_e4_folder_streams_in_a_fraction_of_its_size() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let start = 1_600_000_000u64;
    // 18 hours: ACC at 32 Hz (~17 MB), HR at 1 Hz, IBI beat by beat.
    let seconds = 18 * 3600u64;
    let (_, acc_size) = write_lines(
        &dir.path().join("ACC.csv"),
        &format!("{start}, {start}, {start}\n32.000000, 32.000000, 32.000000\n"),
        usize::MAX,
        |i| {
            if i == seconds * 32 {
                return None;
            }
            Some(format!(
                "{},{},{}\n",
                (i % 13) as i64 - 6,
                (i % 7) as i64 - 3,
                64 - (i % 5) as i64
            ))
        },
    );
    let (_, hr_size) = write_lines(
        &dir.path().join("HR.csv"),
        &format!("{}\n1.000000\n", start + 10),
        usize::MAX,
        |i| {
            if i == seconds {
                return None;
            }
            Some(format!("{}.{:02}\n", 60 + i % 30, i % 100))
        },
    );
    let mut t = 0i64;
    let (_, ibi_size) = write_lines(
        &dir.path().join("IBI.csv"),
        &format!("{start}, IBI\n"),
        usize::MAX,
        |i| {
            t += rr_ms(i);
            if t > seconds as i64 * 1000 {
                return None;
            }
            Some(format!(
                "{:.6},{:.6}\n",
                t as f64 / 1000.0,
                rr_ms(i) as f64 / 1000.0
            ))
        },
    );
    let size = acc_size + hr_size + ibi_size;
    let s = stream(dir.path());
    assert_eq!(s.hr, seconds);
    assert!(s.rr > 60_000, "{} beats", s.rr);
    assert_eq!(s.motion, seconds / 5, "5-s motion blocks");
    check_growth("E4 folder", &s, size, seconds * 34);
}
