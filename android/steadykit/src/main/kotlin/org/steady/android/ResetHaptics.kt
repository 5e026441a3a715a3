package org.steady.android

import android.os.VibrationEffect
import android.os.Vibrator

/** Breathing cue the guided reset asks for; the core decides when. */
enum class BreathCue { INHALE, EXHALE, DONE }

/**
 * Haptics for the guided reset, so the wearer can follow it eyes-closed or
 * with the phone in a pocket: one long soft swell to breathe in, two short
 * taps to breathe out, a double pulse when the reset ends.
 */
class ResetHaptics(private val vibrator: Vibrator?) {
    fun cue(cue: BreathCue) {
        val v = vibrator ?: return
        if (!v.hasVibrator()) return
        v.vibrate(effect(cue))
    }

    companion object {
        /** Timings (ms, off/on alternating) and amplitudes per cue. */
        fun waveform(cue: BreathCue): Pair<LongArray, IntArray> = when (cue) {
            BreathCue.INHALE -> longArrayOf(0, 400) to intArrayOf(0, 80)
            BreathCue.EXHALE -> longArrayOf(0, 60, 120, 60) to intArrayOf(0, 160, 0, 160)
            BreathCue.DONE -> longArrayOf(0, 120, 100, 240) to intArrayOf(0, 255, 0, 255)
        }

        fun effect(cue: BreathCue): VibrationEffect {
            val (timings, amplitudes) = waveform(cue)
            return VibrationEffect.createWaveform(timings, amplitudes, -1)
        }
    }
}
