#!/usr/bin/env python3
"""Cut the demo recording out of Stress-Predict participant S04.

Run from the repository root with the shared data next to it:
    python3 cli/data/demo/make.py [SHARED_DATA_DIR [OUT_DIR]]
It writes HR.csv, IBI.csv and labels.csv into OUT_DIR (default: cli/data/demo/, see
PROVENANCE.md). Every heart-rate row and every inter-beat interval is copied
unchanged; only the start times in the headers and the beat times are moved
so that the two parts follow each other.
"""
import os
import sys

# Seconds from the session start (the start in IBI.csv's header).
PARTS = [(930, 2094), (2225, 2755)]
LABELS = [  # the dataset's labels.csv for S04, seconds from session start
    (909, 1193, "rest"),
    (1194, 1793, "interview"),
    (1794, 2094, "rest"),
    (2225, 3539, "rest"),
]


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
    first = PARTS[0][0]
    hr_rows, ibi_rows, labels = [], [], []
    shift = 0  # seconds removed so far
    prev_end = None
    for a, b in PARTS:
        if prev_end is not None:
            shift += a - prev_end
        prev_end = b
        hr_rows += hr[2 + a - hr_off:2 + b - hr_off]
        for line in ibi[1:]:
            t, v = line.split(",")
            if a <= float(t) < b:
                ibi_rows.append(f"{float(t) - first - shift:.6f},{v.strip()}")
        for la, lb, what in LABELS:
            lo, hi = max(la, a), min(lb, b)
            if lo < hi:
                labels.append(f"{lo - first - shift},{hi - first - shift},{what}")
    with open(os.path.join(out, "HR.csv"), "w") as f:
        f.write("\n".join([f"{t0 + first + hr_off:.6f}", hr[1]] + hr_rows) + "\n")
    with open(os.path.join(out, "IBI.csv"), "w") as f:
        f.write("\n".join([f"{t0 + first:.6f}, IBI"] + ibi_rows) + "\n")
    with open(os.path.join(out, "labels.csv"), "w") as f:
        f.write("\n".join(["start_s,end_s,label"] + labels) + "\n")


if __name__ == "__main__":
    main()
