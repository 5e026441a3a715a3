package org.steady.screens

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.steady.app.state.BreathPhaseUi
import org.steady.app.state.Pacer
import org.steady.app.state.hoursMinutes

class PacerTest {
    private val pacer = Pacer(listOf(BreathPhaseUi.IN to 4_000L, BreathPhaseUi.HOLD to 1_000L, BreathPhaseUi.OUT to 6_000L))

    @Test
    fun `the pacer walks the phases, grows on the in-breath, holds, shrinks, then is done`() {
        assertEquals(BreathPhaseUi.IN, pacer.at(0).phase)
        assertEquals(Pacer.SMALL, pacer.at(0).size, 1e-6f)
        assertEquals(4, pacer.at(0).secondsLeft)
        assertEquals(0.7f, pacer.at(2_000).size, 1e-6f)
        assertEquals(BreathPhaseUi.HOLD, pacer.at(4_500).phase)
        assertEquals(1f, pacer.at(4_500).size, 1e-6f)
        assertEquals(BreathPhaseUi.OUT, pacer.at(8_000).phase)
        assertEquals(3, pacer.at(8_000).step)
        assertEquals(0.7f, pacer.at(8_000).size, 1e-6f)
        assertEquals(BreathPhaseUi.DONE, pacer.at(11_000).phase)
        assertEquals(11_000L, pacer.totalMs)
    }

    @Test
    fun `durations read in hours and minutes`() {
        assertEquals("0 min", hoursMinutes(10.0))
        assertEquals("45 min", hoursMinutes(45 * 60.0))
        assertEquals("2 h 05 min", hoursMinutes(2 * 3600 + 5 * 60.0))
        assertEquals("12 h 00 min", hoursMinutes(12 * 3600.0))
    }
}
