package org.steady.jvm

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.steady.core.EffectVerdict
import org.steady.core.PromptOutcome
import org.steady.core.ShiftEvent
import org.junit.jupiter.api.io.TempDir
import org.steady.ffi.ExportFormat
import org.steady.ffi.LiveShift
import org.steady.ffi.SteadyStore
import java.nio.file.Files
import java.nio.file.Path
import org.steady.ffi.ShiftListener
import org.steady.ffi.SteadyException
import org.steady.ffi.UserAction
import org.steady.ffi.defaultShiftConfig
import org.steady.ffi.defaultShiftSetup
import org.steady.ffi.resetProtocols
import java.util.Collections

private class Collecting : ShiftListener {
    val events: MutableList<ShiftEvent> = Collections.synchronizedList(mutableListOf())
    override fun onEvents(events: List<ShiftEvent>) {
        this.events += events
    }
}

class WholeShiftTest {
    private val t0 = 1_764_000_000_000L // unix ms, as a phone stamps BLE notifications

    @Test
    fun `a whole shift from Kotlin - store, Polar sample, activation, prompt, reset, end, summary, export`(
        @TempDir dir: Path,
    ) {
        val listener = Collecting()
        val store = SteadyStore.open(dir.resolve("steady.db").toString())
        store.startShift(t0, defaultShiftConfig()).use { shift ->
            shift.setListener(listener)
            shift.start(t0)
            val strap = FakeStrap(t0)

            // 1. the real Polar H10 sample (~10 min at rest) as BLE packets
            val polar = strap.beats(polarSampleRrMs())
            assertTrue(polar.size > 500, "${polar.size} packets")
            polar.forEach { shift.ingest(it.atMs, it.bytes) }
            val afterPolar = shift.snapshot()
            assertTrue(afterPolar.latest != null, "a gauge after 10 minutes of data")

            // 2. a malformed packet mid-shift: typed exception, the shift goes on
            val bad = assertThrows<SteadyException.InvalidInput> {
                shift.ingest(strap.nowMs, byteArrayOf(0x10, 60, 0x00))
            }
            assertTrue(bad.reason.isNotBlank())

            // 3. sustained activation without movement (76 bpm, RMSSD ~14 ms)
            var prompt: ShiftEvent.PromptOffered? = null
            val stressStart = strap.nowMs
            while (prompt == null && strap.nowMs - stressStart < 8 * 60_000L) {
                strap.heart(durationMs = 5_000L, hr = 76.0, sd = 10.0).forEach { shift.ingest(it.atMs, it.bytes) }
                prompt = listener.events.filterIsInstance<ShiftEvent.PromptOffered>().firstOrNull()
            }
            val offered = requireNotNull(prompt) { "no prompt after 8 min of activation; states: " + states(listener) }
            assertEquals(1u, offered.prompt.number)

            // 4. the wearer takes the 30 s reset (paced 4/6: slow deep breaths swing RR), then calms down (61 bpm, RMSSD ~40 ms)
            val protocol = resetProtocols().first { it.id == "paced_4_6" }
            val resetStart = strap.nowMs + 1
            shift.userAction(resetStart, UserAction.StartReset(protocol.id))
            strap.heart(durationMs = 30_000L, hr = 70.0, sd = 60.0).forEach { shift.ingest(it.atMs, it.bytes) }
            shift.userAction(strap.nowMs + 1, UserAction.FinishReset)
            strap.heart(durationMs = 3 * 60_000L, hr = 61.0, sd = 28.0).forEach { shift.ingest(it.atMs, it.bytes) }
            val scored = listener.events.filterIsInstance<ShiftEvent.ResetScored>().single()
            assertEquals("paced_4_6", scored.effect.protocolId)
            assertEquals(EffectVerdict.CALMER, scored.effect.verdict, "effect: ${scored.effect}")

            // 5. end: the summary counts what happened
            val summary = shift.end(strap.nowMs + 1)
            assertEquals(1u, summary.promptsOffered)
            assertEquals(PromptOutcome.TAKEN, summary.prompts.single().outcome)
            assertEquals(1, summary.resets.size)
            assertTrue(summary.signal.ignoredInputs >= 1uL, "the bad packet is counted")
            assertTrue(summary.durationS > 14 * 60.0, "${summary.durationS}") // 10 min sample + activation + reset + 3 min
            assertEquals(summary, shift.summary())
            assertTrue(listener.events.last() is ShiftEvent.Ended)
            assertTrue(shift.snapshot().ended)

            // after the end, inputs are refused with a typed state error
            assertThrows<SteadyException.InvalidState> { shift.tick(strap.nowMs + 10_000) }

            // 6. the store kept it: history, the same summary, exports
            val id = requireNotNull(shift.snapshot().shiftId)
            assertEquals(null, shift.snapshot().storeError)
            val listed = store.shifts().single()
            assertEquals(id, listed.id)
            assertEquals(summary.endMs, listed.endedMs)
            assertEquals(1L, listed.key.promptsOffered)
            assertTrue(listed.key.beats!! > 900, "beats stored: ${listed.key.beats}")
            assertEquals(summary, store.summary(id))
            assertTrue(store.unfinishedShifts().isEmpty())
            for ((format, name) in listOf(ExportFormat.BEATS_CSV to "beats.csv", ExportFormat.JSON to "shift.json", ExportFormat.KUBIOS to "rr.txt")) {
                val out = dir.resolve(name)
                store.export(id, format, out.toString())
                assertTrue(Files.size(out) > 1000, "$name: ${Files.size(out)} bytes")
            }
            assertTrue(Files.readString(dir.resolve("shift.json")).contains("prompt_offered"))

            // 7. the history screen's arc: this shift, with the summary's recovery time
            assertTrue(summary.recovery.episodes.isNotEmpty(), "the activation is an episode: ${summary.recovery}")
            val arc = store.shiftArc(28u, defaultShiftConfig())
            val point = arc.points.single()
            assertEquals(id, point.shift.shiftId)
            assertEquals(summary.recovery.medianRecoveryS, point.shift.medianRecoveryS)
            assertEquals(summary.loadEnd, point.shift.loadEnd)
            assertEquals(6, requireNotNull(arc.drift).figures.size)
            assertEquals(null, arc.drift!!.line, "one shift is no pattern")
            assertThrows<SteadyException.Export> {
                store.export(id, ExportFormat.JSON, dir.resolve("missing/dir/x.json").toString())
            }
        }
        store.close()
    }

    @Test
    fun `the poll queue gives the same events as the listener`() {
        val listener = Collecting()
        LiveShift(defaultShiftSetup()).use { shift ->
            shift.setListener(listener)
            val strap = FakeStrap(t0)
            strap.beats(polarSampleRrMs().take(200)).forEach { shift.ingest(it.atMs, it.bytes) }
            val polled = mutableListOf<ShiftEvent>()
            while (true) {
                val batch = shift.pollEvents(64u)
                if (batch.isEmpty()) break
                polled += batch
            }
            assertTrue(polled.isNotEmpty())
            assertEquals(listener.events.toList(), polled)
            assertEquals(0u, shift.snapshot().pendingEvents)
        }
    }

    @Test
    fun `time running backwards is a typed error and later data still counts`() {
        LiveShift(defaultShiftSetup()).use { shift ->
            val strap = FakeStrap(t0)
            val packets = strap.beats(polarSampleRrMs().take(120))
            packets.forEach { shift.ingest(it.atMs, it.bytes) }
            val e = assertThrows<SteadyException.InvalidInput> { shift.tick(t0 - 60_000) }
            assertTrue(e.reason.contains("time went back"), e.reason)
            strap.beats(polarSampleRrMs().drop(120).take(120)).forEach { shift.ingest(it.atMs, it.bytes) }
            assertTrue(shift.snapshot().latest!!.tMs > packets.last().atMs - 10_000)
        }
    }

    private fun states(l: Collecting) =
        l.events.filterIsInstance<ShiftEvent.StateChanged>().joinToString { "${it.tMs}:${it.to}" }
}
