//! steady-ffi: the UniFFI surface of steady-core (placeholder until the bindings issue).
uniffi::setup_scaffolding!("steady");
