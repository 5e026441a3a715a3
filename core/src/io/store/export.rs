//! Export of one shift: beats as CSV, summary + events as JSON, RR as
//! Kubios-compatible text. Export only ever happens on the user's request:
//! health data does not leave the device by itself.
use super::{ShiftId, Store, StoreError};
use std::io::Write;

/// Identifies the JSON export's layout.
pub const JSON_EXPORT_FORMAT: &str = "steady-shift";
/// Bumped when the JSON export's layout changes.
pub const JSON_EXPORT_VERSION: u32 = 1;

impl Store {
    /// Beats as CSV: `t_ms,rr_ms,corrected` (t on the recording's clock:
    /// unix ms for live data), one line per beat.
    pub fn export_beats_csv(&self, id: ShiftId, out: &mut dyn Write) -> Result<(), StoreError> {
        let beats = self.beats(id)?;
        writeln!(out, "t_ms,rr_ms,corrected")?;
        for b in beats {
            writeln!(out, "{},{},{}", b.t_ms, b.rr_ms, u8::from(b.corrected))?;
        }
        out.flush()?;
        Ok(())
    }

    /// The shift record, its summary, its events and the baselines saved
    /// during it, as one JSON document.
    pub fn export_json(&self, id: ShiftId, out: &mut dyn Write) -> Result<(), StoreError> {
        let doc = serde_json::json!({
            "format": JSON_EXPORT_FORMAT,
            "version": JSON_EXPORT_VERSION,
            "shift": self.shift(id)?,
            "summary": self.summary(id)?,
            "events": self.events(id)?,
            "baselines": self
                .baseline_history()?
                .into_iter()
                .filter(|b| b.shift_id == Some(id))
                .collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)?;
        out.flush()?;
        Ok(())
    }

    /// RR intervals as Kubios HRV reads ASCII text: two tab-separated
    /// columns, the time of each beat (seconds from the shift's start, 3
    /// decimals) and its RR interval (seconds, 6 decimals). These are the
    /// cleaned intervals (corrected ones included), so Kubios's own artefact
    /// correction has less to do. WHY a time column: beats are missing
    /// across a gap (a dropout, intervals the cleaner dropped), and a lone
    /// RR column would splice the two sides together (the 24-h Holter came
    /// back 4 minutes shorter); the time column keeps the timeline, and
    /// `steady import` reads it back with the gaps in place.
    pub fn export_kubios(&self, id: ShiftId, out: &mut dyn Write) -> Result<(), StoreError> {
        let start = self.shift(id)?.started_ms;
        for b in self.beats(id)? {
            writeln!(
                out,
                "{:.3}\t{:.6}",
                (b.t_ms - start) as f64 / 1000.0,
                b.rr_ms / 1000.0
            )?;
        }
        out.flush()?;
        Ok(())
    }
}
