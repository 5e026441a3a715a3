package org.steady.app.state

import kotlin.math.roundToLong

/** Durations as a wearer reads them: "45 min", "2 h 05 min", "12 h 0 min". */
fun hoursMinutes(seconds: Double): String {
    val totalMin = (seconds / 60.0).roundToLong().coerceAtLeast(0)
    val h = totalMin / 60
    val m = totalMin % 60
    return if (h == 0L) "$m min" else "$h h ${"%02d".format(m)} min"
}

/** "3 min ago"-style age of something, for "no signal since". */
fun ago(seconds: Double): String =
    if (seconds < 60) "${seconds.toInt().coerceAtLeast(0)} s ago" else "${hoursMinutes(seconds)} ago"

/** The words for each state, shared by the gauge and the summary. */
fun toneLabel(tone: Tone): String = when (tone) {
    Tone.BASELINE -> "At baseline"
    Tone.ELEVATED -> "Elevated"
    Tone.ACTIVATED -> "Activated"
    Tone.ACTIVE -> "Moving"
    Tone.RECOVERING -> "Recovering"
    Tone.NO_SIGNAL -> "No signal"
}

/**
 * The guided reset's timeline: which phase, how far into it, and the circle
 * size at [elapsedMs] since the reset started. Plain arithmetic over the
 * core's protocol phases, so the screen can be shown at any moment (and
 * after a rotation, from the stored start time).
 */
class Pacer(private val phases: List<Pair<BreathPhaseUi, Long>>) {
    init {
        require(phases.all { it.second > 0 }) { "phase durations must be > 0" }
    }

    val totalMs: Long = phases.sumOf { it.second }

    fun at(elapsedMs: Long): PacerUi {
        var start = 0L
        var size = SMALL
        for ((i, p) in phases.withIndex()) {
            val (phase, ms) = p
            if (elapsedMs < start + ms) {
                val f = (elapsedMs - start).coerceAtLeast(0).toFloat() / ms
                val now = when (phase) {
                    BreathPhaseUi.IN -> size + (1f - size) * f
                    BreathPhaseUi.OUT -> size + (SMALL - size) * f
                    else -> size
                }
                val left = ((start + ms - elapsedMs) + 999) / 1000
                return PacerUi(phase, left.toInt(), i + 1, phases.size, now)
            }
            size = when (phase) {
                BreathPhaseUi.IN -> 1f
                BreathPhaseUi.OUT -> SMALL
                else -> size
            }
            start += ms
        }
        return PacerUi(BreathPhaseUi.DONE, 0, phases.size, phases.size, SMALL)
    }

    companion object {
        const val SMALL = 0.4f
    }
}
