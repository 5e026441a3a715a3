//! The 0x2A37 decoder: never panics; whatever decodes re-encodes to a value
//! that decodes to the same measurement; the borrowed view agrees; the live
//! path (`Shift::handle`, what the phones call per packet) takes any packet
//! and refuses exactly those that do not decode, with the decoder's error.
#![no_main]
use libfuzzer_sys::fuzz_target;
use steady_core::hrm::{BodySensorLocation, decode, decode_view};
use steady_core::shift::{Refusal, Shift, ShiftInput, ShiftSetup};

fuzz_target!(|data: &[u8]| {
    let owned = decode(data);
    let view = decode_view(data);
    assert_eq!(owned.is_ok(), view.is_ok());
    if let (Ok(m), Ok(v)) = (&owned, &view) {
        assert_eq!(&v.to_owned_measurement(), m);
        assert_eq!(decode(&m.encode()).as_ref(), Ok(m));
    }
    let _ = BodySensorLocation::decode(data);
    let mut s = Shift::new(ShiftSetup::default());
    s.handle(&ShiftInput::Start { t_ms: 0 });
    for (i, chunk) in data.chunks(5).enumerate() {
        let out = s.handle(&ShiftInput::Packet {
            t_ms: (i as i64 + 1) * 1000,
            bytes: chunk.to_vec(),
        });
        match decode(chunk) {
            Ok(_) => assert_eq!(out.refusal, None),
            Err(e) => assert_eq!(out.refusal, Some(Refusal::BadPacket(e))),
        }
    }
    s.handle(&ShiftInput::End {
        t_ms: (data.len() as i64 + 2) * 1000,
    });
    assert!(s.summary().is_some());
});
