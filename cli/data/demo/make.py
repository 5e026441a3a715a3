#!/usr/bin/env python3
"""Cut the demo recording out of Stress-Predict participant S04.

Run from the repository root with the shared data next to it:
    python3 cli/data/demo/make.py [SHARED_DATA_DIR [OUT_DIR]]
It writes HR.csv, IBI.csv, labels.csv and parts.csv into OUT_DIR (default:
cli/data/demo/; see PROVENANCE.md). Every heart-rate row and every
inter-beat interval is copied unchanged; only the start times in the headers
and the beat times are moved so that the two parts follow each other.
"""
import os
import sys

# The parts taken, seconds from the session start (IBI.csv's header time).
PARTS = [(930, 2094), (2225, 2755)]
# The study's protocol: its three stress periods, in order.
STRESS_TASKS = ["Stroop test", "interview", "hyperventilation task"]


def session_labels(src, t0):
    """S04's labels.csv (unix times) as (start_s, end_s, what), where `what`
    is `rest` or the stress task's name."""
    rows = open(os.path.join(src, "labels.csv")).read().splitlines()[1:]
    out, stress = [], 0
    for row in rows:
        a, b, label = row.split(",")
        what = label.strip()
        if what == "stress":
            what = STRESS_TASKS[stress]
            stress += 1
        out.append((int(a) - t0, int(b) - t0, what))
    return out


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
        "STEADY_SHARED_DATA", "../shared/data")
    src = os.path.join(shared, "stress-predict", "S04")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out, exist_ok=True)
    ibi = open(os.path.join(src, "IBI.csv")).read().splitlines()
    t0 = float(ibi[0].split(",")[0])
    hr = open(os.path.join(src, "HR.csv")).read().splitlines()
    hr_off = round(float(hr[0]) - t0)  # E4's HR.csv starts 10 s later
    assert float(hr[1]) == 1.0
    labels_in = session_labels(src, int(t0))
    first = PARTS[0][0]
    hr_rows, ibi_rows, labels, parts = [], [], [], []
    shift = 0  # seconds left out so far
    prev_end = None
    for a, b in PARTS:
        left_out = ""
        if prev_end is not None:
            shift += a - prev_end
            left_out = " and ".join(w for la, lb, w in labels_in if la < a and lb > prev_end)
        prev_end = b
        parts.append(f"{a},{b},{a - first - shift},{left_out}")
        hr_rows += hr[2 + a - hr_off:2 + b - hr_off]
        for line in ibi[1:]:
            t, v = line.split(",")
            if a <= float(t) < b:
                ibi_rows.append(f"{float(t) - first - shift:.6f},{v.strip()}")
        for la, lb, what in labels_in:
            lo, hi = max(la, a), min(lb, b)
            if lo < hi:
                labels.append(f"{lo - first - shift},{hi - first - shift},{what}")
    with open(os.path.join(out, "HR.csv"), "w") as f:
        f.write("\n".join([f"{t0 + first + hr_off:.6f}", hr[1]] + hr_rows) + "\n")
    with open(os.path.join(out, "IBI.csv"), "w") as f:
        f.write("\n".join([f"{t0 + first:.6f}, IBI"] + ibi_rows) + "\n")
    with open(os.path.join(out, "labels.csv"), "w") as f:
        f.write("\n".join(["start_s,end_s,label"] + labels) + "\n")
    with open(os.path.join(out, "parts.csv"), "w") as f:
        f.write("\n".join(
            ["session_start_s,session_end_s,excerpt_start_s,left_out_before"] + parts) + "\n")


if __name__ == "__main__":
    main()
