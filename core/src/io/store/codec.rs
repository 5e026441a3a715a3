//! Compact block encodings for beats and samples.
//!
//! WHY: a 12-hour shift is about 50,000 beats; a row per beat would cost
//! 20-40 bytes with its index entry. Beats are instead packed into blocks of
//! up to [`MAX_BLOCK_BEATS`] (one row each), delta- and varint-coded, which
//! brings storage to a few bytes per beat on real recordings (README's
//! measured figures: the `storage` test of `tests/store.rs` on a 24-hour
//! Holter recording).
//!
//! Beat block layout (all integers LEB128 varints, signed ones zig-zag):
//! ```text
//! format (u = 1) | quantum q (u) | count n (u) |
//! n x [ d_rr (s) | (t_residual (s) << 1) | corrected (as one zig-zag-free u) ]
//! ```
//! RR is held in units of 1/128 ms (exact for whole-ms sources, for the BLE
//! 1/1024 s unit and for the 1/128 s and 1/64 s grids of Holter and E4 files;
//! a corrected, interpolated interval is rounded to 1/128 ms = 0.0078 ms).
//! All RR in a block are divided by their greatest common divisor `q`, so a
//! 1/128 s Holter series stores deltas in 7.8 ms steps (one byte each).
//! `d_rr` is the difference to the previous beat's scaled RR (to 0 for the
//! first). The time of beat 0 is the row's `t_first`; the time of beat i is
//! `t[i-1] + round(rr[i]) + t_residual` so a gap or a clock jump costs a few
//! bytes and a gap-free series costs one byte for time and flag together.
//!
//! Sample block layout (HR-only samples, motion):
//! `format (u = 1) | count n (u) | n x [ dt (s) | value (f32 little-endian) ]`
//! where `dt` is the step from the previous sample (from `t_first` for the
//! first).
use crate::Millis;
use crate::beats::Beat;
use integer_encoding::VarInt;

/// Beats per block before a block is sealed and a new one started.
pub const MAX_BLOCK_BEATS: usize = 4096;
/// Encoded bytes per block before it is sealed: keeps a block inside one
/// 4 KiB SQLite page (no overflow pages).
pub const MAX_BLOCK_BYTES: usize = 3600;
/// Samples per sample block.
pub const MAX_BLOCK_SAMPLES: usize = 512;

const FORMAT_V1: u64 = 1;
/// RR resolution: units per millisecond.
const RR_UNITS_PER_MS: f64 = 128.0;
/// Largest RR accepted (60 s): anything longer is a gap, not a beat.
pub const MAX_RR_MS: f64 = 60_000.0;

/// Why a block could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    #[error("block ends early")]
    Truncated,
    #[error("unknown block format {0}")]
    UnknownFormat(u64),
    #[error("block value out of range")]
    OutOfRange,
    #[error("block says {declared} items but its time range or size disagrees")]
    Inconsistent { declared: u64 },
}

/// Largest |timestamp| accepted (2^53 ms, about 285,000 years): keeps every
/// time delta inside the varint's range.
pub const MAX_ABS_T_MS: Millis = 1 << 53;

/// Why a beat cannot be stored.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error(
    "beat at {t_ms} ms with RR {rr_ms} ms cannot be stored (RR must be finite, > 0 and <= 60000 ms; |t| < 2^53 ms)"
)]
pub struct InvalidBeat {
    pub t_ms: Millis,
    pub rr_ms: f64,
}

/// Checks a beat and returns its RR in 1/128 ms units.
pub fn check_beat(b: &Beat) -> Result<i64, InvalidBeat> {
    let bad = InvalidBeat {
        t_ms: b.t_ms,
        rr_ms: b.rr_ms,
    };
    if b.t_ms.unsigned_abs() >= MAX_ABS_T_MS.unsigned_abs() {
        return Err(bad);
    }
    rr_units(b.rr_ms).ok_or(bad)
}

/// RR in 1/128 ms units, or `None` when it is not a storable interval.
fn rr_units(rr_ms: f64) -> Option<i64> {
    if !rr_ms.is_finite() || rr_ms <= 0.0 || rr_ms > MAX_RR_MS {
        return None;
    }
    // In range 0 < u <= 7.68e6: the cast cannot saturate.
    let u = (rr_ms * RR_UNITS_PER_MS).round() as i64;
    Some(u.max(1))
}

fn units_to_ms(u: i64) -> f64 {
    u as f64 / RR_UNITS_PER_MS
}

/// The whole-ms step a beat of `u` units advances the clock by.
fn step_ms(u: i64) -> i64 {
    (u + 64).div_euclid(128)
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        let r = a.rem_euclid(b);
        a = b;
        b = r;
    }
    a.abs()
}

fn put_u(buf: &mut Vec<u8>, v: u64) {
    let mut tmp = [0u8; 10];
    let n = v.encode_var(&mut tmp);
    buf.extend_from_slice(tmp.get(..n).unwrap_or(&[]));
}

fn put_i(buf: &mut Vec<u8>, v: i64) {
    let mut tmp = [0u8; 10];
    let n = v.encode_var(&mut tmp);
    buf.extend_from_slice(tmp.get(..n).unwrap_or(&[]));
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }
    fn u(&mut self) -> Result<u64, CodecError> {
        let (v, n) = u64::decode_var(self.rest()).ok_or(CodecError::Truncated)?;
        self.pos += n;
        Ok(v)
    }
    fn i(&mut self) -> Result<i64, CodecError> {
        let (v, n) = i64::decode_var(self.rest()).ok_or(CodecError::Truncated)?;
        self.pos += n;
        Ok(v)
    }
    fn f32(&mut self) -> Result<f32, CodecError> {
        let bytes: [u8; 4] = self
            .rest()
            .get(..4)
            .and_then(|s| s.try_into().ok())
            .ok_or(CodecError::Truncated)?;
        self.pos += 4;
        Ok(f32::from_le_bytes(bytes))
    }
    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }
}

/// Encodes beats into one block. `t_first` of the row is `beats[0].t_ms`.
/// Fails only on a beat that [`check_beat`] rejects (callers check first).
pub fn encode_beats(beats: &[Beat]) -> Result<Vec<u8>, InvalidBeat> {
    let units = beats
        .iter()
        .map(check_beat)
        .collect::<Result<Vec<_>, _>>()?;
    let q = units.iter().fold(0, |g, &u| gcd(g, u)).max(1);
    let mut buf = Vec::with_capacity(4 + beats.len() * 2);
    put_u(&mut buf, FORMAT_V1);
    put_u(&mut buf, q as u64);
    put_u(&mut buf, beats.len() as u64);
    let mut prev_scaled = 0i64;
    let mut prev_t: Option<Millis> = None;
    for (b, &u) in beats.iter().zip(&units) {
        let scaled = u / q;
        put_i(&mut buf, scaled - prev_scaled);
        prev_scaled = scaled;
        let residual = match prev_t {
            None => 0,
            Some(pt) => b.t_ms.wrapping_sub(pt).wrapping_sub(step_ms(u)),
        };
        prev_t = Some(b.t_ms);
        // zig-zag the residual, then make room for the flag bit.
        let zz = ((residual << 1) ^ (residual >> 63)) as u64;
        put_u(&mut buf, (zz << 1) | u64::from(b.corrected));
    }
    Ok(buf)
}

/// Decodes a block written by [`encode_beats`]; `t_first` is the row's column.
pub fn decode_beats(t_first: Millis, data: &[u8]) -> Result<Vec<Beat>, CodecError> {
    let mut r = Reader::new(data);
    let format = r.u()?;
    if format != FORMAT_V1 {
        return Err(CodecError::UnknownFormat(format));
    }
    let q = i64::try_from(r.u()?).map_err(|_| CodecError::OutOfRange)?;
    let n = r.u()?;
    // Each beat takes at least 2 bytes: a count beyond that is corrupt, and
    // checking it first keeps a bad count from allocating gigabytes.
    if n > data.len() as u64 / 2 + 1 {
        return Err(CodecError::Inconsistent { declared: n });
    }
    let mut out = Vec::with_capacity(n as usize);
    let mut scaled = 0i64;
    let mut t = t_first;
    for i in 0..n {
        scaled = scaled.checked_add(r.i()?).ok_or(CodecError::OutOfRange)?;
        let u = scaled.checked_mul(q).ok_or(CodecError::OutOfRange)?;
        if u <= 0 {
            return Err(CodecError::OutOfRange);
        }
        let packed = r.u()?;
        let corrected = packed & 1 == 1;
        let zz = packed >> 1;
        let residual = ((zz >> 1) as i64) ^ -((zz & 1) as i64);
        if i > 0 {
            t = t.wrapping_add(step_ms(u)).wrapping_add(residual);
        }
        out.push(Beat {
            t_ms: t,
            rr_ms: units_to_ms(u),
            corrected,
        });
    }
    if !r.done() {
        return Err(CodecError::Inconsistent { declared: n });
    }
    Ok(out)
}

/// One timestamped value: an HR-only reading (bpm) or a motion reading
/// (whatever unit the shell passes: steps per minute or acceleration).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sample {
    pub t_ms: Millis,
    pub value: f32,
}

/// Encodes samples into one block; `t_first` of the row is `samples[0].t_ms`.
pub fn encode_samples(samples: &[Sample]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(3 + samples.len() * 6);
    put_u(&mut buf, FORMAT_V1);
    put_u(&mut buf, samples.len() as u64);
    let mut prev = samples.first().map_or(0, |s| s.t_ms);
    for s in samples {
        put_i(&mut buf, s.t_ms.wrapping_sub(prev));
        prev = s.t_ms;
        buf.extend_from_slice(&s.value.to_le_bytes());
    }
    buf
}

/// Decodes a block written by [`encode_samples`].
pub fn decode_samples(t_first: Millis, data: &[u8]) -> Result<Vec<Sample>, CodecError> {
    let mut r = Reader::new(data);
    let format = r.u()?;
    if format != FORMAT_V1 {
        return Err(CodecError::UnknownFormat(format));
    }
    let n = r.u()?;
    if n > data.len() as u64 / 5 + 1 {
        return Err(CodecError::Inconsistent { declared: n });
    }
    let mut out = Vec::with_capacity(n as usize);
    let mut t = t_first;
    for _ in 0..n {
        t = t.wrapping_add(r.i()?);
        let value = r.f32()?;
        out.push(Sample { t_ms: t, value });
    }
    if !r.done() {
        return Err(CodecError::Inconsistent { declared: n });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn beat(t_ms: i64, rr_ms: f64, corrected: bool) -> Beat {
        Beat {
            t_ms,
            rr_ms,
            corrected,
        }
    }

    #[test]
    fn holter_grid_takes_two_bytes_per_beat() {
        // 1/128 s grid, gap-free: one byte of RR delta, one of time + flag.
        let mut t = 1_000_000;
        let mut beats = Vec::new();
        for i in 0..500 {
            let rr = 7.8125 * f64::from(100 + (i % 7));
            t += (rr as i64) + i64::from(i % 2);
            beats.push(beat(t, rr, i % 50 == 0));
        }
        let enc = encode_beats(&beats).unwrap();
        assert!(enc.len() <= 2 * beats.len() + 8, "{} bytes", enc.len());
        assert_eq!(decode_beats(beats[0].t_ms, &enc).unwrap(), beats);
    }

    #[test]
    fn rejects_unstorable_rr() {
        for rr in [f64::NAN, f64::INFINITY, 0.0, -5.0, 60_001.0] {
            assert!(encode_beats(&[beat(0, rr, false)]).is_err(), "{rr}");
        }
        assert!(encode_beats(&[beat(i64::MAX, 800.0, false)]).is_err());
        assert!(encode_beats(&[beat(i64::MIN, 800.0, false)]).is_err());
    }

    #[test]
    fn corrupt_blocks_are_errors_not_panics() {
        let enc = encode_beats(&[beat(10, 800.0, false), beat(810, 800.0, true)]).unwrap();
        for cut in 0..enc.len() {
            assert!(decode_beats(10, &enc[..cut]).is_err());
        }
        assert!(decode_beats(0, &[2, 1, 1]).is_err());
        assert!(decode_beats(0, &[1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
        let s = encode_samples(&[Sample {
            t_ms: 5,
            value: 1.5,
        }]);
        assert!(decode_samples(5, &s[..s.len() - 1]).is_err());
    }

    proptest! {
        #[test]
        fn beats_round_trip(
            t0 in -1_000_000_000_000i64..4_000_000_000_000,
            items in proptest::collection::vec((1u32..=7_680_000, -3000i64..3000, any::<bool>()), 1..300),
        ) {
            let mut t = t0;
            let mut beats = Vec::new();
            for (i, (u, jitter, c)) in items.iter().enumerate() {
                let rr = f64::from(*u) / 128.0;
                if i > 0 { t += step_ms(i64::from(*u)) + jitter; }
                beats.push(beat(t, rr, *c));
            }
            let enc = encode_beats(&beats).unwrap();
            let dec = decode_beats(t0, &enc).unwrap();
            prop_assert_eq!(dec, beats);
        }

        #[test]
        fn rr_is_kept_to_1_128_ms(rr in 0.01f64..60_000.0) {
            let enc = encode_beats(&[beat(0, rr, false)]).unwrap();
            let dec = decode_beats(0, &enc).unwrap();
            prop_assert!((dec[0].rr_ms - rr).abs() <= 1.0 / 256.0 + 1e-9);
        }

        #[test]
        fn decode_never_panics(t0 in any::<i64>(), data in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode_beats(t0, &data);
            let _ = decode_samples(t0, &data);
        }

        #[test]
        fn samples_round_trip(
            t0 in any::<i64>(),
            items in proptest::collection::vec((-100_000i64..100_000, any::<f32>()), 1..200),
        ) {
            let mut t = t0;
            let mut s = Vec::new();
            for (dt, v) in items { t = t.wrapping_add(dt); s.push(Sample { t_ms: t, value: v }); }
            let dec = decode_samples(s[0].t_ms, &encode_samples(&s)).unwrap();
            prop_assert_eq!(dec.len(), s.len());
            for (a, b) in dec.iter().zip(&s) {
                prop_assert_eq!(a.t_ms, b.t_ms);
                prop_assert_eq!(a.value.to_bits(), b.value.to_bits());
            }
        }
    }
}
