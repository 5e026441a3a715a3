//! `steady demo` tells the whole story on the bundled real excerpt, in
//! order, and the excerpt is what its provenance says.
#[path = "../../core/tests/common/mod.rs"]
mod common;
use common::shared_data;
use std::path::Path;
use std::process::Command;

/// Data time (seconds) of a story line "+ m:ss  ...".
fn line_time(line: &str) -> u64 {
    let t = line
        .trim_start_matches('+')
        .split_whitespace()
        .next()
        .unwrap_or_else(|| panic!("no time in {line:?}"));
    t.split(':')
        .fold(0, |acc, x| acc * 60 + x.parse::<u64>().unwrap())
}

/// The first line containing `needle` at or after line `from`: its index.
fn find(lines: &[&str], from: usize, needle: &str) -> usize {
    lines[from..]
        .iter()
        .position(|l| l.contains(needle))
        .map(|i| from + i)
        .unwrap_or_else(|| {
            panic!(
                "{needle:?} not found after line {from}:\n{}",
                lines.join("\n")
            )
        })
}

#[test]
fn demo_tells_baseline_prompt_scripted_reset_effect_discharge_summary_and_chart_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("story.svg");
    // Fast mode; --no-store: a test never writes into the user's database.
    let out = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["demo", "--no-store", "--speed", "1000000", "--svg"])
        .arg(&svg)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    // Where the data comes from, and that it was stitched, said first.
    let intro = find(&lines, 0, "participant S04");
    find(&lines, intro, "STITCHED at +19:24");
    find(&lines, intro, "did NOT do a breathing exercise");
    // The story, in this order.
    let baseline = find(&lines, intro, "BASELINE LEARNED");
    let activated = find(&lines, baseline, "state -> ACTIVATED");
    let prompt = find(&lines, activated, ">> STEADY OFFERS A 30-SECOND RESET");
    let start = find(&lines, prompt, "[wearer] taps Start reset");
    let finished = find(&lines, start, "[wearer] reset finished");
    let effect = find(&lines, finished, "MEASURED EFFECT of the reset");
    let stitch = find(&lines, effect, "[stitch] 131 s of the session left out");
    let discharge = find(&lines, effect, "load discharging");
    let summary = find(&lines, discharge.max(stitch), "Shift summary");
    let chart = find(&lines, summary, "Chart written to");
    // The scripted taps at their stated times: Start 20 s after the
    // prompt, Finished when the 30-s protocol ends; the effect one
    // scoring minute later.
    let (tp, ts, tf, te) = (
        line_time(lines[prompt]),
        line_time(lines[start]),
        line_time(lines[finished]),
        line_time(lines[effect]),
    );
    // The prompt is the model's own: `steady analyze` on the same files
    // (no labels, no taps) prompts at the same second.
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    let analyzed = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["analyze", "--json"])
        .arg(&folder)
        .output()
        .unwrap();
    assert!(analyzed.status.success());
    let json: serde_json::Value = serde_json::from_slice(&analyzed.stdout).unwrap();
    let first_prompt_s = json["prompts"][0]["t_s"].as_f64().unwrap();
    assert_eq!(first_prompt_s, tp as f64, "{}", lines[prompt]);
    assert_eq!(ts, tp + 20, "{}", lines[start]);
    assert_eq!(tf, ts + 30, "{}", lines[finished]);
    assert_eq!(te, tf + 60, "{}", lines[effect]);
    // The effect is a measured HR change (this optical wristband gives no
    // HRV, so no verdict), not a blank.
    assert!(
        lines[effect].contains("HR ")
            && lines[effect].contains(" bpm (")
            && !lines[effect].contains("HR - -> -"),
        "{}",
        lines[effect]
    );
    // The load really fell: the line's value is below its stated peak.
    let value = |after: &str| -> f64 {
        let rest = lines[discharge].split(after).nth(1).unwrap();
        rest.split([',', ' ']).next().unwrap().parse().unwrap()
    };
    let (now, peak) = (value("load discharging: "), value("down from its peak "));
    assert!(now < peak, "{}", lines[discharge]);
    // The summary counts the prompt and the reset taken.
    let prompts = find(&lines, summary, "prompts ");
    assert!(
        lines[prompts].contains("1 offered, 1 taken"),
        "{}",
        lines[prompts]
    );
    find(&lines, summary, "paced_4_6");
    assert!(lines[chart].contains(svg.to_str().unwrap()));
    // The chart: its three panels, the prompt and the reset drawn.
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.starts_with("<svg"));
    for part in [
        "heart rate (bpm)",
        "gauge (0-100)",
        "unrecovered load",
        "prompt",
        "reset: not measurable",
        "stitched at +19:24",
    ] {
        assert!(s.contains(part), "chart lacks {part:?}");
    }
}

#[test]
fn the_bundled_excerpt_is_what_make_py_cuts_from_the_shared_data() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let run = Command::new("python3")
        .arg(repo.join("data/demo/make.py"))
        .arg(shared_data())
        .arg(out.path())
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to check the demo's provenance: {e}"));
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for f in ["HR.csv", "IBI.csv", "labels.csv", "parts.csv"] {
        let made = std::fs::read(out.path().join(f)).unwrap();
        let bundled = std::fs::read(repo.join("data/demo").join(f)).unwrap();
        assert!(made == bundled, "{f} differs from what make.py cuts");
    }
    // And every bundled HR row is a row of the original file, in order.
    let original =
        std::fs::read_to_string(shared_data().join("stress-predict/S04/HR.csv")).unwrap();
    let bundled = std::fs::read_to_string(repo.join("data/demo/HR.csv")).unwrap();
    let orig: Vec<&str> = original.lines().skip(2).collect();
    let rows: Vec<&str> = bundled.lines().skip(2).collect();
    // 1164 s + 530 s of 1 Hz rows, from session seconds 930 and 2225
    // (the HR file starts 10 s into the session).
    assert_eq!(rows.len(), 1164 + 530);
    assert_eq!(rows[..1164], orig[920..2084]);
    assert_eq!(rows[1164..], orig[2215..2745]);
}
