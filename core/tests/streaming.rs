//! A recording read as it streams ([`Stream`], [`Analyzer::time_ordered`])
//! gives exactly what reading it whole gives ([`feed::inputs`],
//! [`analyze`]), on every real recording format.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly
mod common;

use steady_core::analysis::{AnalyzeOptions, Analyzer, analyze};
use steady_core::beats::{HrSample, TimedRr};
use steady_core::feed::{self, Piece, Stream};
use steady_core::formats::read_path;
use steady_core::shift::ShiftInput;

use std::path::{Path, PathBuf};

use steady_core::hrm::{HeartRateMeasurement, SensorContact};

/// One real recording of each format (RR text with and without a time
/// column, in ms and in s, Polar `.hrm`, E4 folders).
const RECORDINGS: [&str; 10] = [
    "polar-h10/sample_rr_ms.txt",
    "polar-h10/sample_data_ibi.csv",
    "polar-h10-pvc/polar_h10_rr.csv",
    "polar-rest-exercise/rest_rri.txt",
    "polar-rest-exercise/noisy_rri.hrm",
    "polar-rest-exercise/exercise_rri.hrm",
    "physionet-nsr2db/nsr2db_nsr001_rr_secs.txt",
    "stress-predict/S01",
    "stress-predict/S03",
    "stress-predict/S07",
];

#[test]
fn streamed_inputs_and_analysis_are_those_of_the_whole_recording() {
    let dir = common::shared_data();
    for rel in RECORDINGS {
        same_streamed_as_whole(&dir.join(rel), rel, true);
    }
}

/// Reads `path` whole and as it streams, and checks that the inputs and
/// the gaps are the same, and (`ordered`: beat times that never run
/// backwards, so that the whole-read analysis sees them in time order)
/// the analysis too.
fn same_streamed_as_whole(path: &Path, rel: &str, ordered: bool) {
    {
        let path = path.to_path_buf();
        let rec = read_path(&path, None).unwrap();
        let whole = analyze(&rec, &AnalyzeOptions::default());
        let stream = Stream::open(&path, None).unwrap();
        assert_eq!(stream.origin_ms, rec.origin_ms, "{rel}");
        assert_eq!(stream.start_unix_ms, rec.start_unix_ms, "{rel}");
        let mut a = Analyzer::time_ordered(stream.origin_ms, &AnalyzeOptions::default());
        let mut windows = Vec::new();
        let mut out = |w| windows.push(w);
        let (mut inputs, mut gaps) = (Vec::new(), Vec::new());
        for piece in stream {
            match piece.unwrap() {
                Piece::Gap(g) => gaps.push(g),
                Piece::Input(i) => {
                    match i {
                        ShiftInput::Rr { t_ms, rr_ms } => {
                            a.push_rr(TimedRr { t_ms, rr_ms }, &mut out)
                        }
                        ShiftInput::HeartRate { t_ms, bpm } => {
                            a.push_hr(HrSample { t_ms, bpm }, &mut out)
                        }
                        _ => {}
                    }
                    inputs.push(i);
                }
            }
        }
        let totals = a.finish(&mut out);
        assert_eq!(
            inputs,
            feed::inputs(&rec, &Default::default()),
            "{rel}: inputs"
        );
        assert_eq!(gaps, rec.gaps, "{rel}: gaps");
        assert_eq!(
            ordered,
            rec.rr.windows(2).all(|w| w[0].t_ms <= w[1].t_ms),
            "{rel}: beat times in order"
        );
        if !ordered {
            return;
        }
        assert_eq!(windows, whole.analysis.windows, "{rel}: windows");
        assert_eq!(totals.hrv, whole.analysis.hrv, "{rel}");
        assert_eq!(totals.beats, whole.analysis.beats, "{rel}");
        assert_eq!(totals.stats, whole.stats, "{rel}");
        assert_eq!(totals.duration_s, whole.duration_s, "{rel}");
    }
}

/// A real recording's beats as Steady's own hrm-log (what `steady live`
/// writes): one packet a second with the beats that ended in it, the
/// strap lost for 20 s, an undecodable packet, and the logger's clock set
/// back twice (30 s, then 5 s).
fn hrm_log_of(rel: &str, out: &Path) {
    use steady_core::formats::hrm_log::{MAGIC_V1, data_line};
    let rr = read_path(&common::shared_data().join(rel), None)
        .unwrap()
        .rr;
    let mut text = format!("{MAGIC_V1}\n# device=Polar H10 test\n");
    let mut t = 1_700_000_000_000i64;
    let mut packet: Vec<u16> = Vec::new();
    let mut next_packet = t + 1000;
    let mut beat_t = t;
    let mut packets = 0u32;
    for r in &rr {
        beat_t += r.rr_ms.round() as i64;
        packet.push((r.rr_ms * 1.024).round() as u16);
        if beat_t < next_packet {
            continue;
        }
        t = next_packet;
        next_packet += 1000;
        let bytes = HeartRateMeasurement {
            heart_rate_bpm: 70,
            sensor_contact: SensorContact::Detected,
            energy_expended_kj: None,
            rr_1024: std::mem::take(&mut packet),
        }
        .encode();
        packets += 1;
        match packets {
            100 => {
                text += &format!("{t} !disconnected\n{} !connected\n", t + 20_000);
                t += 20_000;
                next_packet += 20_000;
                beat_t += 20_000;
            }
            200 => text += &format!("{t} 1048000400\n"),
            300 => t -= 30_000,
            450 => t -= 5_000,
            _ => {}
        }
        text += &data_line(t, &bytes);
        text += "\n";
    }
    std::fs::write(out, text).unwrap();
}

#[test]
fn an_hrm_log_of_a_real_recording_streams_as_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    for rel in [
        "polar-h10/sample_rr_ms.txt",
        "physionet-nsr2db/nsr2db_nsr001_rr_secs.txt",
    ] {
        let f: PathBuf = dir.path().join("rec.hrmlog");
        hrm_log_of(rel, &f);
        let rec = read_path(&f, None).unwrap();
        assert_eq!(rec.dropped_packets, 1, "{rel}");
        assert!(rec.gaps.len() >= 2, "{rel}: {:?}", rec.gaps);
        assert!(
            rec.hr.windows(2).any(|w| w[1].t_ms < w[0].t_ms),
            "{rel}: the clock never ran backwards"
        );
        same_streamed_as_whole(&f, rel, false);
    }
}

#[test]
fn rr_text_of_a_real_recording_whose_clock_runs_backwards_streams_as_read_whole() {
    // The nsr2db Holter's first 40,000 beats with a time column set back
    // 60 s every 10,000 beats (and a 40-s dropout): four forward stretches.
    let rr = read_path(
        &common::shared_data().join("physionet-nsr2db/nsr2db_nsr001_rr_secs.txt"),
        None,
    )
    .unwrap()
    .rr;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("back.csv");
    let mut text = String::from("t_s,rr_ms\n");
    let mut t = 0.0;
    for (i, r) in rr.iter().take(40_000).enumerate() {
        t += r.rr_ms / 1000.0;
        if i > 0 && i % 10_000 == 0 {
            t -= 60.0;
        }
        if i == 15_000 {
            t += 40.0;
        }
        text += &format!("{t:.3},{:.1}\n", r.rr_ms);
    }
    std::fs::write(&f, text).unwrap();
    let stream = Stream::open(&f, None).unwrap();
    assert!(
        format!("{stream:?}").contains("streaming_passes: Some("),
        "{stream:?}"
    );
    same_streamed_as_whole(&f, "nsr2db with its clock set back", false);
}

#[test]
fn rr_text_whose_clock_runs_backwards_is_sorted_as_when_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("back.txt");
    let mut text = String::new();
    for i in 0..50 {
        text += &format!("{},1000\n", 100 + i);
    }
    for i in 0..50 {
        text += &format!("{},1000\n", 120 + i);
    }
    std::fs::write(&f, text).unwrap();
    let rec = read_path(&f, None).unwrap();
    let inputs: Vec<ShiftInput> = Stream::open(&f, None)
        .unwrap()
        .filter_map(|p| match p.unwrap() {
            Piece::Input(i) => Some(i),
            Piece::Gap(_) => None,
        })
        .collect();
    assert_eq!(inputs, feed::inputs(&rec, &Default::default()));
    assert!(inputs.windows(2).all(|w| w[0].t_ms() <= w[1].t_ms()));
}

#[test]
fn a_clock_set_back_too_often_to_stream_is_read_whole_with_the_same_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("saw.csv");
    // The clock goes back 10 s every 20 beats: 50 forward stretches.
    let mut text = String::new();
    for i in 0..1000 {
        text += &format!(
            "{:.1},800\n",
            100.0 + f64::from(i) * 0.8 - f64::from(i / 20) * 10.0
        );
    }
    std::fs::write(&f, text).unwrap();
    let stream = Stream::open(&f, None).unwrap();
    assert!(
        format!("{stream:?}").contains("streaming_passes: None"),
        "{stream:?}"
    );
    let inputs: Vec<ShiftInput> = stream
        .filter_map(|p| match p.unwrap() {
            Piece::Input(i) => Some(i),
            Piece::Gap(_) => None,
        })
        .collect();
    let rec = read_path(&f, None).unwrap();
    assert_eq!(inputs, feed::inputs(&rec, &Default::default()));
}

#[test]
fn a_file_cut_short_between_passes_is_an_error_not_a_shorter_recording() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("cut.txt");
    let text: String = (0..100_000)
        .map(|i| format!("{}\n", 800 + i % 50))
        .collect();
    std::fs::write(&f, &text).unwrap();
    let stream = Stream::open(&f, None).unwrap();
    // Cut to half once the checking pass has read it all.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&f)
        .unwrap()
        .set_len(text.len() as u64 / 2)
        .unwrap();
    let last = stream.last().unwrap();
    let e = last.unwrap_err();
    assert!(e.to_string().contains("changed while it was read"), "{e}");
}
