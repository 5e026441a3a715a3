//! The E4 reader on arbitrary bytes: the input is split at 0xFF bytes into
//! HR.csv, IBI.csv and (optional) ACC.csv texts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use steady_core::analysis::{AnalyzeOptions, analyze};
use steady_core::formats::{e4, text_of};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0xff);
    let hr = parts.next().unwrap_or(&[]);
    let ibi = parts.next().unwrap_or(&[]);
    let acc = parts.next();
    let (Ok(hr), Ok(ibi)) = (text_of(hr), text_of(ibi)) else {
        return;
    };
    let acc = match acc.map(text_of) {
        Some(Ok(a)) => Some(a),
        Some(Err(_)) => return,
        None => None,
    };
    if let Ok(rec) = e4::parse(hr, ibi, acc) {
        let _ = analyze(&rec, &AnalyzeOptions::default());
    }
});
