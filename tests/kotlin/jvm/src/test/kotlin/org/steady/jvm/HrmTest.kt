package org.steady.jvm

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.steady.ffi.SensorContact
import org.steady.ffi.SteadyException
import org.steady.ffi.decodeHeartRateMeasurement

/** 0x2A37 through JNA: records come back typed, bad bytes raise a typed exception. */
class HrmTest {
    private fun bytes(vararg b: Int) = ByteArray(b.size) { b[it].toByte() }

    @Test
    fun `a Polar-style packet decodes into the core's record`() {
        // flags: RR present + contact supported + detected; HR 72; RR 1024 and 980 (1/1024 s)
        val m = decodeHeartRateMeasurement(bytes(0x16, 72, 0x00, 0x04, 0xD4, 0x03))
        assertEquals(72, m.heartRateBpm.toInt())
        assertEquals(SensorContact.DETECTED, m.sensorContact)
        assertNull(m.energyExpendedKj)
        assertEquals(listOf(1024, 980), m.rr1024.map { it.toInt() })
    }

    @Test
    fun `malformed packets raise SteadyException InvalidInput and the library keeps working`() {
        for (bad in listOf(bytes(), bytes(0x01, 60), bytes(0x10, 60, 0x00), bytes(0x08, 60, 0x01))) {
            val e = assertThrows<SteadyException.InvalidInput> { decodeHeartRateMeasurement(bad) }
            assert(e.reason.isNotBlank())
        }
        assertEquals(61, decodeHeartRateMeasurement(bytes(0x00, 61)).heartRateBpm.toInt())
    }
}
