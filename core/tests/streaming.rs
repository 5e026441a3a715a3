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

const RECORDINGS: [&str; 7] = [
    "polar-h10/sample_rr_ms.txt",
    "polar-h10/sample_data_ibi.csv",
    "polar-h10-pvc/polar_h10_rr.csv",
    "polar-rest-exercise/rest_rri.txt",
    "polar-rest-exercise/noisy_rri.hrm",
    "physionet-nsr2db/nsr2db_nsr001_rr_secs.txt",
    "stress-predict/S03",
];

#[test]
fn streamed_inputs_and_analysis_are_those_of_the_whole_recording() {
    let dir = common::shared_data();
    for rel in RECORDINGS {
        let path = dir.join(rel);
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
        assert_eq!(windows, whole.analysis.windows, "{rel}: windows");
        assert_eq!(totals.hrv, whole.analysis.hrv, "{rel}");
        assert_eq!(totals.beats, whole.analysis.beats, "{rel}");
        assert_eq!(totals.stats, whole.stats, "{rel}");
        assert_eq!(totals.duration_s, whole.duration_s, "{rel}");
    }
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
