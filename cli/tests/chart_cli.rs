//! `steady demo --svg`: the shift model runs over the bundled real recording
//! and the chart comes out as SVG with its three panels.
use std::process::Command;

#[test]
fn demo_writes_a_shift_chart() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("demo.svg");
    let out = Command::new(env!("CARGO_BIN_EXE_steady"))
        .args(["demo", "--speed", "1000000", "--svg"])
        .arg(&svg)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"));
    for panel in ["heart rate (bpm)", "gauge (0-100)", "unrecovered load"] {
        assert!(text.contains(panel), "missing {panel}");
    }
    // HR, gauge and load lines, each with many points from the model's
    // refreshes (every 5 s over 28 min: ~340), not an empty frame.
    let lines: Vec<&str> = text.split("<polyline").skip(1).collect();
    assert!(lines.len() >= 3, "{} polylines", lines.len());
    let longest = lines
        .iter()
        .map(|l| {
            l.split("points=\"")
                .nth(1)
                .map_or(0, |p| p.split(' ').count())
        })
        .max()
        .unwrap();
    assert!(longest >= 100, "longest line has {longest} points");
    // State bands: the excerpt's rest reads as baseline (green).
    assert!(text.to_uppercase().contains("#C8E6C9"));
}
