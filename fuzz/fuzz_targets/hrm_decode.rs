//! The 0x2A37 decoder: never panics; whatever decodes re-encodes to a value
//! that decodes to the same measurement; the borrowed view agrees; the
//! live pipeline accepts any packet.
#![no_main]
use libfuzzer_sys::fuzz_target;
use steady_core::hrm::{BodySensorLocation, decode, decode_view};
use steady_core::pipeline::BeatPipeline;

fuzz_target!(|data: &[u8]| {
    let owned = decode(data);
    let view = decode_view(data);
    assert_eq!(owned.is_ok(), view.is_ok());
    if let (Ok(m), Ok(v)) = (&owned, &view) {
        assert_eq!(&v.to_owned_measurement(), m);
        assert_eq!(decode(&m.encode()).as_ref(), Ok(m));
    }
    let _ = BodySensorLocation::decode(data);
    let mut p = BeatPipeline::default();
    for (i, chunk) in data.chunks(5).enumerate() {
        let _ = p.push_packet(i as i64 * 1000, chunk, |_| {});
        let _ = p.poll(i as i64 * 1000);
    }
});
