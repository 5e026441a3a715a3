package org.steady.jvm

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import org.steady.core.ShiftEvent
import org.steady.direct.DirectIngest
import org.steady.ffi.ShiftListener
import org.steady.ffi.SteadyException
import org.steady.ffi.SteadyStore
import org.steady.ffi.defaultShiftConfig
import java.nio.file.Path

/**
 * The events `DirectIngest` reads back from its buffer (UniFFI's layout,
 * decoded by the generated converter) are exactly those a Kotlin listener
 * hears through UniFFI, call by call, on the stored shift the app runs.
 */
class DirectEventsTest {
    private val t0 = 1_764_000_000_000L

    @Test
    fun `on a stored shift the direct path's decoded events equal the listener's, call by call, also after the buffer grows`(
        @TempDir dir: Path,
    ) {
        val strap = FakeStrap(t0)
        // The Polar sample, then 8 minutes hot and still (76 bpm, little
        // variability) so the gauge climbs and the core offers a prompt.
        val packets = strap.beats(polarSampleRrMs()) + strap.heart(8 * 60_000L, 76.0, 10.0)
        val heard = mutableListOf<List<ShiftEvent>>()
        val returned = mutableListOf<List<ShiftEvent>>()
        val heardOnDirect = mutableListOf<List<ShiftEvent>>()
        val storeA = SteadyStore.open(dir.resolve("a.db").toString())
        val storeB = SteadyStore.open(dir.resolve("b.db").toString())
        try {
            storeA.startShift(t0, defaultShiftConfig()).use { a ->
                storeB.startShift(t0, defaultShiftConfig()).use { b ->
                    a.setListener(recording(heard))
                    b.setListener(recording(heardOnDirect))
                    // One byte of room: the first call with events grows it.
                    DirectIngest(b, initialCapacity = 1) { returned += it }.use { direct ->
                        var refused = 0
                        for ((i, p) in packets.withIndex()) {
                            val want = runCatching { a.ingest(p.atMs, p.bytes) }.exceptionOrNull()
                            val got = runCatching { direct.ingest(p.atMs, p.bytes) }.exceptionOrNull()
                            assertEquals(want?.javaClass, got?.javaClass)
                            if (i == 300) { // a bad packet, then one from the past: InputIgnored, then thrown
                                for ((t, bytes) in listOf(p.atMs + 10 to byteArrayOf(0x01, 60), p.atMs - 60_000 to p.bytes)) {
                                    val w = runCatching { a.ingest(t, bytes) }.exceptionOrNull() as SteadyException.InvalidInput
                                    val g = runCatching { direct.ingest(t, bytes) }.exceptionOrNull() as SteadyException.InvalidInput
                                    assertEquals(w.reason, g.reason)
                                    refused++
                                }
                            }
                        }
                        assertEquals(2, refused)
                        assertTrue(direct.capacity > 1, "the buffer grew")
                    }
                    val events = heard.flatten()
                    assertTrue(events.count { it is ShiftEvent.Gauge } > 100, "gauge refreshes")
                    assertTrue(events.count { it is ShiftEvent.InputIgnored } == 2)
                    assertTrue(events.any { it is ShiftEvent.PromptOffered }, "a prompt")
                    assertEquals(heard, returned, "call by call, in order")
                    assertEquals(emptyList<List<ShiftEvent>>(), heardOnDirect, "not also to the listener")
                    // the poll queue and the snapshot as for UniFFI's ingest
                    assertEquals(a.pollEvents(UInt.MAX_VALUE), b.pollEvents(UInt.MAX_VALUE))
                    assertEquals(a.snapshot().latest, b.snapshot().latest)
                }
            }
        } finally {
            storeA.close()
            storeB.close()
        }
    }

    private fun recording(into: MutableList<List<ShiftEvent>>) = object : ShiftListener {
        override fun onEvents(events: List<ShiftEvent>) {
            into += events
        }
    }
}
