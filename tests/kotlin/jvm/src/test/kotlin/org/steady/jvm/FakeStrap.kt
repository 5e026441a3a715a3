package org.steady.jvm

import java.io.File
import kotlin.math.roundToInt
import kotlin.math.sin
import java.util.Random

/** The shared data folder: $STEADY_SHARED_DATA or <repo>/../shared/data. Missing data FAILS. */
fun sharedData(): File {
    val dir = System.getenv("STEADY_SHARED_DATA")?.let(::File)
        ?: File(System.getProperty("steady.repo") ?: error("steady.repo not set"), "../shared/data")
    check(File(dir, "README.md").isFile) { "shared data not found at ${dir.canonicalPath} (set STEADY_SHARED_DATA)" }
    return dir
}

/** RR intervals (ms) of the Polar H10 sample, one per line. */
fun polarSampleRrMs(): List<Double> {
    val f = File(sharedData(), "polar-h10/sample_rr_ms.txt")
    check(f.isFile) { "missing ${f.canonicalPath}" }
    return f.readLines().map { it.trim() }.filter { it.isNotEmpty() }.map { it.toDouble() }
}

/** One BLE notification: bytes as a strap sends them, and when it arrives (ms). */
class Packet(val atMs: Long, val bytes: ByteArray)

/**
 * A heart-rate strap on the wire, written independently of the core: it
 * packs RR intervals into 0x2A37 notifications the way a Polar H10 does (one
 * notification about every second with the RR intervals that ended since
 * the previous one, flags = RR present + contact detected, uint8 HR), and
 * stamps each with its arrival time.
 */
class FakeStrap(startMs: Long) {
    private var beatEndMs = startMs.toDouble()
    private var nextSendMs = startMs + 1000L
    private val pending = mutableListOf<Double>()

    fun beats(rrMs: List<Double>): List<Packet> {
        val out = mutableListOf<Packet>()
        for (rr in rrMs) {
            beatEndMs += rr
            while (beatEndMs >= nextSendMs) {
                flush(nextSendMs)?.let(out::add)
                nextSendMs += 1000
            }
            pending += rr
        }
        return out
    }

    private val rng = Random(42)
    private var k = 0

    /**
     * Synthetic heart for `durationMs`: `hr` bpm, beat-to-beat noise of
     * standard deviation `sd` ms (RMSSD is about 1.4 x sd) and a slow
     * respiratory wave.
     */
    fun heart(durationMs: Long, hr: Double, sd: Double): List<Packet> {
        val rr = mutableListOf<Double>()
        var t = 0.0
        while (t < durationMs) {
            val r = 60_000.0 / hr + sd * rng.nextGaussian() + 8.0 * sin(k * 0.05)
            rr += r
            t += r
            k++
        }
        return beats(rr)
    }

    val nowMs: Long get() = beatEndMs.toLong()

    private fun flush(atMs: Long): Packet? {
        if (pending.isEmpty()) return null
        val hr = (60_000.0 / pending.average()).roundToInt().coerceIn(0, 255)
        val bytes = ByteArray(2 + 2 * pending.size)
        bytes[0] = 0x16 // RR present, contact supported + detected, uint8 HR
        bytes[1] = hr.toByte()
        pending.forEachIndexed { i, rr ->
            val units = (rr * 1.024).roundToInt()
            bytes[2 + 2 * i] = (units and 0xFF).toByte()
            bytes[3 + 2 * i] = (units shr 8).toByte()
        }
        pending.clear()
        return Packet(atMs, bytes)
    }
}
