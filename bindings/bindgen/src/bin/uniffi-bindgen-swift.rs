//! Swift-specific generator (one combined modulemap for every crate that
//! exports UniFFI items: steady-core's records and steady-ffi's objects).
//! Used by `scripts/gen-bindings` (Swift).
fn main() {
    uniffi::uniffi_bindgen_swift()
}
