package org.steady.jvm

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.steady.core.SensorContact
import org.steady.core.ShiftEvent
import org.steady.direct.DirectIngest
import org.steady.ffi.LiveShift
import org.steady.ffi.ShiftListener
import org.steady.ffi.SteadyException
import org.steady.ffi.decodeHeartRateMeasurement
import org.steady.ffi.defaultShiftSetup

/** 0x2A37 through JNA (UniFFI and the direct path): records come back typed, bad bytes raise a typed exception. */
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
    fun `DirectIngest gives the same shift as ingest and raises the same typed errors`() {
        val t0 = 1_764_000_000_000L
        val packets = FakeStrap(t0).beats(polarSampleRrMs().take(400))
        val seenA = mutableListOf<ShiftEvent>()
        val seenB = mutableListOf<ShiftEvent>()
        LiveShift(defaultShiftSetup()).use { a ->
            LiveShift(defaultShiftSetup()).use { b ->
                a.setListener(listener(seenA))
                val heardB = mutableListOf<ShiftEvent>()
                b.setListener(listener(heardB))
                val direct = DirectIngest(b) { seenB += it }
                for ((i, p) in packets.withIndex()) {
                    a.ingest(p.atMs, p.bytes)
                    direct.ingest(p.atMs, p.bytes)
                    if (i == 100) {
                        val bad = bytes(0x01, 60) // uint16 HR cut short
                        val want = assertThrows<SteadyException.InvalidInput> { a.ingest(p.atMs, bad) }
                        val got = assertThrows<SteadyException.InvalidInput> { direct.ingest(p.atMs, bad) }
                        assertEquals(want.reason, got.reason)
                        // time going back: the same typed error too
                        val wantBack = assertThrows<SteadyException.InvalidInput> { a.ingest(p.atMs - 60_000, p.bytes) }
                        val gotBack = assertThrows<SteadyException.InvalidInput> { direct.ingest(p.atMs - 60_000, p.bytes) }
                        assertEquals(wantBack.reason, gotBack.reason)
                    }
                }
                assertEquals(a.snapshot(), b.snapshot())
                assertEquals(seenA, seenB)
                assert(seenB.any { it is ShiftEvent.Gauge })
                assertEquals(emptyList<ShiftEvent>(), heardB, "the direct path's events do not also reach the listener")
                assertEquals(a.pollEvents(UInt.MAX_VALUE), b.pollEvents(UInt.MAX_VALUE))

                direct.close()
                direct.close() // idempotent
                assertThrows<IllegalStateException> { direct.ingest(packets.last().atMs + 1000, packets.last().bytes) }
            }
        }
    }

    @Test
    fun `DirectIngest keeps the shift alive after the LiveShift object is closed, until its own close`() {
        val t0 = 1_764_000_000_000L
        val seen = mutableListOf<ShiftEvent>()
        val shift = LiveShift(defaultShiftSetup())
        shift.start(t0)
        val direct = DirectIngest(shift) { seen += it }
        shift.close()
        // 21 s of packets: the shift behind the closed object still runs and
        // its refreshes come back
        for (i in 1..21) direct.ingest(t0 + i * 1000L, bytes(0x16, 66, 0x9A, 0x03))
        val gauges = seen.filterIsInstance<ShiftEvent.Gauge>()
        assertEquals((1..4).map { t0 + it * 5_000L }, gauges.map { it.update.tMs })
        direct.close()
        assertThrows<IllegalStateException> { direct.ingest(t0 + 22_000, bytes(0x16, 66, 0x9A, 0x03)) }
    }

    @Test
    fun `a packet longer than DirectIngest's first packet buffer reaches the core whole`() {
        // flags: RR present; HR 60; 400 RR of 0.88-1.0 s: 802 bytes (the first buffer holds 512)
        val t0 = 1_764_000_000_000L
        val big = ByteArray(2 + 2 * 400)
        big[0] = 0x10
        big[1] = 60
        for (k in 0 until 400) {
            val rr = 900 + (k * 37 % 7) * 20 // 1/1024 s
            big[2 + 2 * k] = (rr and 0xFF).toByte()
            big[3 + 2 * k] = (rr shr 8).toByte()
        }
        LiveShift(defaultShiftSetup()).use { a ->
            LiveShift(defaultShiftSetup()).use { b ->
                a.start(t0)
                b.start(t0)
                DirectIngest(b).use { direct ->
                    a.ingest(t0 + 400_000, big)
                    direct.ingest(t0 + 400_000, big)
                }
                assertEquals(a.snapshot(), b.snapshot())
                // the same summary, down to the beats kept and their variability
                val want = a.end(t0 + 401_000)
                assertEquals(want, b.end(t0 + 401_000))
                assert(want.signal.beats > 0u)
            }
        }
    }

    private fun listener(into: MutableList<ShiftEvent>) = object : ShiftListener {
        override fun onEvents(events: List<ShiftEvent>) {
            into += events
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
