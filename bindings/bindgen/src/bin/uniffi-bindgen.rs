//! The workspace's own `uniffi-bindgen`, pinned to the same UniFFI version as
//! the library, so generated code always matches the scaffolding it talks to.
//! Used by `scripts/gen-bindings` (Kotlin).
fn main() {
    uniffi::uniffi_bindgen_main()
}
