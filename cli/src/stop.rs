//! SIGTERM, SIGINT and SIGHUP for the commands that store a shift
//! (`import`, `replay`, `demo`, `live`): the first one asks the command to
//! stop at its next step and close (or, for `import`, discard) its shift
//! cleanly, as `q` does in `live`; a second one ends the process at once.
//! Commands that store nothing keep the default behaviour (they die).
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

static SIGNAL: std::sync::OnceLock<Arc<AtomicUsize>> = std::sync::OnceLock::new();

/// Starts catching the stop signals. Idempotent.
pub fn install() -> std::io::Result<()> {
    if SIGNAL.get().is_some() {
        return Ok(());
    }
    let got = Arc::new(AtomicUsize::new(0));
    #[cfg(unix)]
    let once = Arc::new(std::sync::atomic::AtomicBool::new(false));
    #[cfg(unix)]
    for sig in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        // Order matters: the conditional exit is checked before the flag
        // is set, so only a second signal (of any of the three) ends the
        // process.
        signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(&once))?;
        signal_hook::flag::register(sig, Arc::clone(&once))?;
        signal_hook::flag::register_usize(sig, Arc::clone(&got), sig as usize)?;
    }
    let _ = SIGNAL.set(got);
    Ok(())
}

/// The stop signal received, if any (its name).
pub fn requested() -> Option<&'static str> {
    let n = SIGNAL.get()?.load(Ordering::Relaxed);
    #[cfg(unix)]
    {
        match n as i32 {
            0 => None,
            signal_hook::consts::SIGTERM => Some("SIGTERM"),
            signal_hook::consts::SIGINT => Some("SIGINT"),
            signal_hook::consts::SIGHUP => Some("SIGHUP"),
            _ => Some("a stop signal"),
        }
    }
    #[cfg(not(unix))]
    {
        (n != 0).then_some("a stop signal")
    }
}

/// For the async `live`: resolves at the first SIGINT, SIGTERM or SIGHUP.
/// Create it once, before the loop, so no signal falls between two polls.
pub async fn any_async() -> std::io::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut hup = signal(SignalKind::hangup())?;
        let mut int = signal(SignalKind::interrupt())?;
        tokio::select! {
            _ = term.recv() => Ok("SIGTERM"),
            _ = hup.recv() => Ok("SIGHUP"),
            _ = int.recv() => Ok("SIGINT"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map(|()| "Ctrl-C")
    }
}
