//! Where `steady`'s log lines go: stderr, or a file while `steady live`'s
//! full-screen view is up (a line written to the terminal would be drawn
//! over the screen and wreck it). The screen says where the file is, and
//! `steady live` prints its path again when the screen closes.
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use tracing_subscriber::fmt::MakeWriter;

/// The file logs go to, when set.
static FILE: Mutex<Option<(File, PathBuf)>> = Mutex::new(None);

fn file() -> MutexGuard<'static, Option<(File, PathBuf)>> {
    FILE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sends log lines to `path` (appended; created when missing) until
/// [`to_stderr`].
pub fn to_file(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let f = OpenOptions::new().create(true).append(true).open(path)?;
    *file() = Some((f, path.to_path_buf()));
    Ok(())
}

/// Sends log lines to stderr again; returns the file they went to.
pub fn to_stderr() -> Option<PathBuf> {
    file().take().map(|(_, p)| p)
}

/// The `tracing_subscriber` writer: the file when set, else stderr.
pub struct Sink;

/// One log line's writer (see [`Sink`]).
pub struct LineWriter;

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match file().as_mut() {
            Some((f, _)) => f.write(buf),
            None => io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match file().as_mut() {
            Some((f, _)) => f.flush(),
            None => io::stderr().flush(),
        }
    }
}

impl<'a> MakeWriter<'a> for Sink {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> LineWriter {
        LineWriter
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_go_to_the_file_while_it_is_set_and_to_stderr_after() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs").join("live.log");
        to_file(&path).unwrap();
        LineWriter.write_all(b"strap link lost\n").unwrap();
        assert_eq!(to_stderr(), Some(path.clone()));
        LineWriter.write_all(b"").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "strap link lost\n");
        assert_eq!(to_stderr(), None);
    }
}
