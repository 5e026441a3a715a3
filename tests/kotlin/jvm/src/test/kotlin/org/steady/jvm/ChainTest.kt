package org.steady.jvm

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.steady.ffi.coreVersion

/** The whole chain: cargo build -> uniffi-bindgen -> kotlinc -> JNA -> Rust. */
class ChainTest {
    @Test
    fun `the loaded library answers with the workspace version`() {
        assertEquals("0.1.0", coreVersion())
    }
}
