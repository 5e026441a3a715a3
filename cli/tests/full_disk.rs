//! A real full disk (issue #10, "Full disk"): `steady` stores into a small
//! tmpfs mounted in a private mount namespace (`unshare -m` as root, as CI
//! runs; `unshare -rm` otherwise). What is checked: the exit code, that the
//! message says truthfully what was saved (the beats it names are the beats
//! `shifts` lists) and what was not, no panic, and that once space is back
//! the tool's own commands (`--resume`, `--close-unfinished`, `import`,
//! `delete`) carry on or close whatever the full disk left. Without a mount
//! namespace the test fails, loudly: it never skips.
#![allow(clippy::unwrap_used, clippy::panic)]
use std::path::Path;
use std::process::Command;

/// Three hours of plausible RR (ms), origin 0: enough to fill 160 KiB.
fn write_recording(path: &Path) {
    let text: String = (0..10_800)
        .map(|i| format!("{}\n", 800 + (i * 37) % 200))
        .collect();
    std::fs::write(path, text).unwrap();
}

/// Runs `script` with sh in a private mount namespace; `$M` is the mount
/// point, `$OUT` where `run NAME ARGS...` leaves each `steady` run's
/// stdout, stderr and exit code, `$STEADY` the binary.
fn in_mount_namespace(dir: &Path, script: &str) {
    let m = dir.join("disk");
    let out = dir.join("out");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let prelude = r#"
run() { n=$1; shift; "$STEADY" "$@" >"$OUT/$n.out" 2>"$OUT/$n.err"; echo $? >"$OUT/$n.rc"; }
mount -t tmpfs -o size=16m tmpfs "$M" || { echo "cannot mount a tmpfs in the namespace" >&2; exit 90; }
"#;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let flags = if root { "-m" } else { "-rm" };
    let res = Command::new("unshare")
        .args([flags, "sh", "-c", &format!("{prelude}{script}")])
        .env("M", &m)
        .env("OUT", &out)
        .env("STEADY", env!("CARGO_BIN_EXE_steady"))
        .output()
        .unwrap_or_else(|e| panic!("this test needs `unshare` (util-linux): {e}"));
    assert!(
        res.status.success(),
        "no private mount namespace with a tmpfs (unshare {flags}): {}\n{}",
        String::from_utf8_lossy(&res.stderr),
        String::from_utf8_lossy(&res.stdout)
    );
}

/// One `run NAME ...` of the script: exit code, stdout, stderr.
fn ran(dir: &Path, name: &str) -> (i32, String, String) {
    let read = |ext: &str| {
        std::fs::read_to_string(dir.join("out").join(format!("{name}.{ext}")))
            .unwrap_or_else(|e| panic!("{name}.{ext}: {e}"))
    };
    let rc = read("rc").trim().parse().unwrap();
    let (out, err) = (read("out"), read("err"));
    assert!(!err.contains("panicked"), "{name} panicked: {err}");
    assert_ne!(rc, 101, "{name} panicked: {err}");
    (rc, out, err)
}

/// The rows of `steady shifts` (text): (id, source, beats, status).
fn rows(table: &str) -> Vec<(i64, String, u64, String)> {
    table
        .lines()
        .skip(1)
        .filter_map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            let id = t.first()?.parse().ok()?;
            let at = t.iter().position(|w| ["replay", "import"].contains(w))?;
            Some((
                id,
                t[at].to_string(),
                t.get(at + 1)?.parse().ok()?,
                t.last()?.to_string(),
            ))
        })
        .collect()
}

/// The number after `prefix` in `text`.
fn number_after(text: &str, prefix: &str) -> u64 {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix:?} in {text}"));
    text[at + prefix.len()..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {prefix:?} in {text}"))
}

#[test]
fn a_full_disk_says_what_was_saved_and_the_store_closes_it_once_space_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.txt");
    write_recording(&rec);
    in_mount_namespace(
        dir.path(),
        &format!(
            r#"
F="{rec}"; DB="$M/s.db"
# 160 KiB left: the replay fills it mid-shift.
head -c $((16*1024*1024 - 160*1024)) /dev/zero > "$M/fill"
run replay replay "$F" --db "$DB"
run shifts1 shifts --db "$DB"
run summary1 summary last --db "$DB"
run import1 import "$F" --db "$DB"
run shifts2 shifts --db "$DB"
# Space is back: the message's own hint.
rm "$M/fill"
run resume replay "$F" --db "$DB" --resume
run shifts3 shifts --db "$DB"
# No space at all: the next shift cannot even start.
dd if=/dev/zero of="$M/fill" bs=4k 2>/dev/null
run full replay "$F" --db "$DB"
rm "$M/fill"
run shifts4 shifts --db "$DB"
run close replay "$F" --db "$DB" --close-unfinished
run import2 import "$F" --db "$DB"
run shifts5 shifts --db "$DB"
run delete delete --all --db "$DB"
run shifts6 shifts --db "$DB"
"#,
            rec = rec.display()
        ),
    );
    let d = dir.path();

    // Full mid-shift: exit 1, and the message names what was saved.
    let (rc, _, err) = ran(d, "replay");
    assert_eq!(rc, 1, "{err}");
    let last = err.lines().last().unwrap_or_default();
    for says in [
        "the disk is full",
        "shift 1 keeps what was saved, ",
        " of 10800 beats, up to +",
        "the rest was not saved",
        "--resume",
    ] {
        assert!(last.contains(says), "{says:?} not in: {last}");
    }
    let (_, table, _) = ran(d, "shifts1");
    let saved = number_after(last, "keeps what was saved, ");
    assert!(saved > 0 && saved < 10_800, "{last}");
    assert_eq!(
        rows(&table),
        [(1, "replay".into(), saved, "unfinished".into())],
        "{table}"
    );
    let (rc, summary, err) = ran(d, "summary1");
    assert_eq!(rc, 0, "{err}");
    assert!(summary.contains("shift 1"), "{summary}");

    // An import on the full disk stores nothing, and says so.
    let (rc, _, err) = ran(d, "import1");
    assert_eq!(rc, 1, "{err}");
    assert!(err.contains("the disk is full"), "{err}");
    assert!(
        err.contains("nothing was imported") || err.contains("nothing was stored"),
        "{err}"
    );
    assert_eq!(ran(d, "shifts2").1, table);

    // Space back: --resume stores the rest, and the shift ends whole.
    let (rc, out, err) = ran(d, "resume");
    assert_eq!(rc, 0, "{err}");
    let beats = number_after(&out, "end: ");
    let (_, table, _) = ran(d, "shifts3");
    assert_eq!(
        rows(&table),
        [(1, "replay".into(), beats, "ended".into())],
        "{table}"
    );

    // No space at all: the database cannot be opened or the shift cannot
    // start (never "damaged"); the message says what it left, and the next
    // run closes it.
    let (rc, _, err) = ran(d, "full");
    assert_eq!(rc, 1, "{err}");
    assert!(
        err.contains("the disk is full") || err.contains("is the disk full?"),
        "{err}"
    );
    assert!(
        err.contains("could not be started") || err.contains("could not be opened"),
        "{err}"
    );
    assert!(!err.contains("is damaged"), "{err}");
    // (Even reading needs room for SQLite's -shm: `shifts` runs once
    // space is back.)
    let (rc, table, shifts_err) = ran(d, "shifts4");
    assert_eq!(rc, 0, "{shifts_err}");
    let left: Vec<_> = rows(&table).into_iter().filter(|r| r.0 != 1).collect();
    if let Some((id, ..)) = left.first() {
        assert!(
            err.contains(&format!("steady delete {id}")),
            "shift {id} left, not said: {err}"
        );
    } else {
        assert!(
            err.contains("nothing was stored") || err.contains("was left untouched"),
            "{err}"
        );
    }
    let (rc, _, err) = ran(d, "close");
    assert_eq!(rc, 0, "{err}");
    let (rc, out, err) = ran(d, "import2");
    assert_eq!(rc, 0, "{err}");
    assert!(out.starts_with("imported "), "{out}");
    let (_, table, _) = ran(d, "shifts5");
    let all = rows(&table);
    assert_eq!(all.len(), left.len() + 3, "{table}");
    assert!(all.iter().all(|r| r.3 == "ended"), "{table}");

    // And everything goes with the store's own delete.
    let (rc, _, err) = ran(d, "delete");
    assert_eq!(rc, 0, "{err}");
    assert!(ran(d, "shifts6").1.starts_with("no shifts stored"));
}
