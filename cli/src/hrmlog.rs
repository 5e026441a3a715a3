//! Writer of the hrm-log format (`steady live --record`).
//!
//! The format is fixed (the reader and the line format live in
//! `steady_core::formats::hrm_log`; this module adds the file handling):
//! ```text
//! # steady hrm-log v1
//! # device=Polar H10 5A3B1C2D
//! # address=A0:9E:1A:5A:3B:1C
//! # body_sensor_location=chest
//! 1764081000123 16480c03
//! 1764081000500 !disconnected
//! 1764081003200 !connected
//! ```
//! UTF-8, one record per line: `<t_unix_ms> <lowercase hex of the 0x2A37
//! value>` or `<t_unix_ms> !disconnected` / `!connected`. Every line is
//! handed to the kernel as soon as it is complete, so killing the process
//! loses at most the line being written, never what came before.

use std::fs::{File, OpenOptions};
use std::io::{LineWriter, Write};
use std::path::{Path, PathBuf};

use steady_core::Millis;
use steady_core::formats::hrm_log::{MAGIC_V1, data_line};
use steady_core::hrm::BodySensorLocation;

/// The header value for a Body Sensor Location: the snake_case name of
/// [`BodySensorLocation`] (`chest`, `ear_lobe`, ...), `reserved_<n>` for a
/// value the specification reserves.
pub fn location_value(loc: BodySensorLocation) -> String {
    match loc {
        BodySensorLocation::Other => "other".into(),
        BodySensorLocation::Chest => "chest".into(),
        BodySensorLocation::Wrist => "wrist".into(),
        BodySensorLocation::Finger => "finger".into(),
        BodySensorLocation::Hand => "hand".into(),
        BodySensorLocation::EarLobe => "ear_lobe".into(),
        BodySensorLocation::Foot => "foot".into(),
        BodySensorLocation::Reserved(n) => format!("reserved_{n}"),
    }
}

/// Errors while recording.
#[derive(Debug, thiserror::Error)]
pub enum HrmLogError {
    /// The file exists: recording never overwrites a previous session.
    #[error("{0} already exists; refusing to overwrite a recording")]
    Exists(PathBuf),
    /// Any other I/O failure.
    #[error("writing {path}: {source}")]
    Io {
        /// The recording.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A header key or value that would break the line format.
    #[error("header entry {0:?} must be one line, with no '=' in the key")]
    BadHeader(String),
}

/// A link event line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMark {
    /// `!connected`
    Connected,
    /// `!disconnected`
    Disconnected,
}

/// Appends records to a new hrm-log file, one flushed line at a time.
#[derive(Debug)]
pub struct HrmLogWriter {
    path: PathBuf,
    out: LineWriter<File>,
}

impl HrmLogWriter {
    /// Creates `path` (which must not exist) and writes the header: the magic
    /// line, then one `# key=value` line per entry.
    pub fn create(path: &Path, header: &[(&str, String)]) -> Result<Self, HrmLogError> {
        for (k, v) in header {
            if k.is_empty() || k.contains(['=', '\n', '\r']) || v.contains(['\n', '\r']) {
                return Err(HrmLogError::BadHeader(format!("{k}={v}")));
            }
        }
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => HrmLogError::Exists(path.to_owned()),
                _ => HrmLogError::Io {
                    path: path.to_owned(),
                    source: e,
                },
            })?;
        let mut w = Self {
            path: path.to_owned(),
            out: LineWriter::new(file),
        };
        w.line(MAGIC_V1)?;
        for (k, v) in header {
            w.line(&format!("# {k}={v}"))?;
        }
        Ok(w)
    }

    /// One 0x2A37 value received at `t`.
    pub fn measurement(&mut self, t: Millis, value: &[u8]) -> Result<(), HrmLogError> {
        self.line(&data_line(t, value))
    }

    /// A link event at `t`.
    pub fn mark(&mut self, t: Millis, mark: LinkMark) -> Result<(), HrmLogError> {
        let word = match mark {
            LinkMark::Connected => "!connected",
            LinkMark::Disconnected => "!disconnected",
        };
        self.line(&format!("{t} {word}"))
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn line(&mut self, line: &str) -> Result<(), HrmLogError> {
        // LineWriter flushes at the newline; flush() makes it explicit.
        self.out
            .write_all(line.as_bytes())
            .and_then(|()| self.out.write_all(b"\n"))
            .and_then(|()| self.out.flush())
            .map_err(|e| HrmLogError::Io {
                path: self.path.clone(),
                source: e,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_fixed_format_and_flushes_each_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.hrmlog");
        let mut w = HrmLogWriter::create(
            &path,
            &[
                ("device", "Polar H10 X".to_owned()),
                ("body_sensor_location", "chest".to_owned()),
            ],
        )
        .unwrap();
        w.measurement(1_764_081_000_123, &[0x16, 0x48, 0x0c, 0x03])
            .unwrap();
        w.mark(1_764_081_000_500, LinkMark::Disconnected).unwrap();
        // Read while the writer is still alive: nothing may sit in a buffer.
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "# steady hrm-log v1\n# device=Polar H10 X\n# body_sensor_location=chest\n\
             1764081000123 16480c03\n1764081000500 !disconnected\n"
        );
        w.mark(1_764_081_003_200, LinkMark::Connected).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("1764081003200 !connected\n"));
    }

    #[test]
    fn location_values_are_snake_case_names() {
        assert_eq!(location_value(BodySensorLocation::Chest), "chest");
        assert_eq!(location_value(BodySensorLocation::EarLobe), "ear_lobe");
        assert_eq!(location_value(BodySensorLocation::from_u8(9)), "reserved_9");
    }

    #[test]
    fn refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.hrmlog");
        std::fs::write(&path, "keep me").unwrap();
        let err = HrmLogWriter::create(&path, &[]).unwrap_err();
        assert!(matches!(err, HrmLogError::Exists(_)));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
    }

    #[test]
    fn rejects_header_that_would_break_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.hrmlog");
        let err = HrmLogWriter::create(&path, &[("device", "a\nb".to_owned())]).unwrap_err();
        assert!(matches!(err, HrmLogError::BadHeader(_)));
        assert!(!path.exists());
    }
}
