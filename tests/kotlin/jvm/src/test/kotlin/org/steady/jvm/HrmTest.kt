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
    fun `ingestPacked gives the same shift as ingest, and refuses the same bad bytes`() {
        val t0 = 1_764_000_000_000L
        val packets = FakeStrap(t0).beats(polarSampleRrMs().take(150))
        org.steady.ffi.LiveShift(org.steady.ffi.defaultShiftSetup()).use { a ->
            org.steady.ffi.LiveShift(org.steady.ffi.defaultShiftSetup()).use { b ->
                for (p in packets) {
                    a.ingest(p.atMs, p.bytes)
                    val w = LongArray(3)
                    p.bytes.forEachIndexed { i, x -> w[i / 8] = w[i / 8] or ((x.toLong() and 0xFF) shl (8 * (i % 8))) }
                    b.ingestPacked(p.atMs, p.bytes.size.toUByte(), w[0].toULong(), w[1].toULong(), w[2].toULong())
                }
                assertEquals(a.snapshot(), b.snapshot())
                assertThrows<SteadyException.InvalidInput> {
                    b.ingestPacked(packets.last().atMs + 500, 2u, 0x3C01uL, 0uL, 0uL) // [0x01, 60]: uint16 HR cut short
                }
            }
        }
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
