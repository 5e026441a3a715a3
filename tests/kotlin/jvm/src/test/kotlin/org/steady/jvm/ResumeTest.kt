package org.steady.jvm

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import org.steady.core.StoreErrorKind
import org.steady.ffi.SteadyException
import org.steady.ffi.SteadyStore
import org.steady.ffi.defaultShiftConfig
import java.nio.file.Files
import java.nio.file.Path

/** The app is closed mid-shift and opened again: the same shift continues. */
class ResumeTest {
    private val t0 = 1_764_000_000_000L

    @Test
    fun `an interrupted shift is listed, resumed and ended with one summary`(@TempDir dir: Path) {
        val db = dir.resolve("steady.db").toString()
        val strap = FakeStrap(t0)
        val rr = polarSampleRrMs()
        val id: Long
        SteadyStore.open(db).use { store ->
            val shift = store.startShift(t0, defaultShiftConfig())
            strap.beats(rr.take(300)).forEach { shift.ingest(it.atMs, it.bytes) }
            id = shift.snapshot().shiftId!!
            shift.close() // the app goes away without ending the shift
        }
        SteadyStore.open(db).use { store ->
            val unfinished = store.unfinishedShifts()
            assertEquals(listOf(id), unfinished.map { it.id })
            store.resumeShift(id).use { shift ->
                strap.beats(rr.drop(300)).forEach { shift.ingest(it.atMs, it.bytes) }
                val summary = shift.end(strap.nowMs + 1)
                assertEquals(t0, summary.startMs, "the resumed shift is the same shift")
                assertTrue(summary.durationS > 9 * 60.0, "${summary.durationS}")
            }
            assertTrue(store.unfinishedShifts().isEmpty())
            val info = store.shifts().single()
            assertTrue(info.key.beats!! > 550, "beats before and after the restart: ${info.key.beats}")
            assertThrows<SteadyException.InvalidState> { store.resumeShift(id) }
        }
    }

    @Test
    fun `a file that is not a Steady database is refused and left untouched`(@TempDir dir: Path) {
        val f = dir.resolve("notes.db")
        Files.writeString(f, "not a database, just someone's notes")
        val e = assertThrows<SteadyException.Store> { SteadyStore.open(f.toString()) }
        assertEquals(StoreErrorKind.FOREIGN, e.kind)
        assertTrue(e.reason.isNotBlank())
        assertEquals("not a database, just someone's notes", Files.readString(f))
    }
}
