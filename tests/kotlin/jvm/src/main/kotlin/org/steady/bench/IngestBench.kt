package org.steady.bench

import org.steady.core.ShiftEvent
import org.steady.direct.DirectIngest
import org.steady.ffi.LiveShift
import org.steady.ffi.ShiftListener
import org.steady.ffi.SteadyStore
import org.steady.ffi.defaultShiftConfig
import org.steady.ffi.defaultShiftSetup
import java.lang.management.ManagementFactory
import kotlin.math.roundToInt
import kotlin.math.sin

/**
 * Cost of one `ingest` call from Kotlin through JNA into the Rust core, through
 * UniFFI (`LiveShift.ingest`) and through the direct-mapped hot path
 * (`DirectIngest.ingest`, what the Android bridge uses): the whole
 * per-packet path a phone takes (JNA call, byte array, lock, 0x2A37 decode,
 * RR timing, beat cleaning, model step, event queueing, and every fifth
 * packet a gauge refresh).
 *
 * A plain timed loop (no JMH): packets like a Polar H10 (one per second, one
 * or two RR each), a warm-up, then [ROUNDS] rounds of [CALLS] calls; prints
 * the median and best round, in wall time and in this thread's CPU time. Run it with
 * `tests/kotlin/run bench` (release build of the library).
 */
private const val CALLS = 20_000

/**
 * This thread's CPU time: on a shared, loaded machine wall time also counts
 * the time the thread waited for a core, so both are reported.
 */
private val threads = ManagementFactory.getThreadMXBean()
private fun cpuNs(): Long = threads.currentThreadCpuTime

/**
 * CPU time (ns) of this process's native threads whose name starts with
 * [prefix]: the core's store writer thread (`steady-store-<shift>`), which a
 * JVM thread bean cannot see. Linux /proc, in clock ticks (`getconf CLK_TCK`
 * = 100 here: 10 ms resolution, fine over a round of thousands of saves).
 */
private fun nativeThreadCpuNs(prefix: String): Long {
    val tasks = java.io.File("/proc/self/task").listFiles() ?: return 0
    var ticks = 0L
    for (t in tasks) {
        val comm = runCatching { t.resolve("comm").readText().trim() }.getOrNull() ?: continue
        if (!comm.startsWith(prefix)) continue
        val stat = runCatching { t.resolve("stat").readText() }.getOrNull() ?: continue
        // Fields after the ")" closing the name start at field 3 (state):
        // utime and stime are fields 14 and 15.
        val fields = stat.substringAfterLast(')').trim().split(' ')
        ticks += fields[11].toLong() + fields[12].toLong()
    }
    return ticks * 10_000_000L
}

private fun report(label: String, wall: DoubleArray, cpu: DoubleArray, extra: String = "") {
    // The mean over all rounds counts every call, the store's 5-s commits
    // included; the median and best round show the spread.
    val wallMean = wall.average()
    val cpuMean = cpu.average()
    wall.sort()
    cpu.sort()
    println(
        ("%s: wall mean %.2f us/call (median %.2f, best %.2f), " +
            "thread CPU mean %.2f us/call (median %.2f, best %.2f)%s")
            .format(label, wallMean, wall[wall.size / 2], wall.first(), cpuMean, cpu[cpu.size / 2], cpu.first(), extra),
    )
}
private const val ROUNDS = 15
private const val WARMUP = 60_000

private fun packets(n: Int, t0: Long): Pair<LongArray, Array<ByteArray>> {
    val times = LongArray(n)
    val bytes = Array(n) { ByteArray(0) }
    var beatEnd = t0.toDouble()
    var k = 0
    for (i in 0 until n) {
        val sendAt = t0 + (i + 1) * 1000L
        val rr = mutableListOf<Double>()
        while (beatEnd + 900 < sendAt) {
            val r = 900.0 + 40.0 * sin(k * 0.7) + 25.0 * sin(k * 0.05)
            beatEnd += r
            rr += r
            k++
        }
        val b = ByteArray(2 + 2 * rr.size)
        b[0] = 0x16
        b[1] = 66
        rr.forEachIndexed { j, r ->
            val u = (r * 1.024).roundToInt()
            b[2 + 2 * j] = (u and 0xFF).toByte()
            b[3 + 2 * j] = (u shr 8).toByte()
        }
        times[i] = sendAt
        bytes[i] = b
    }
    return times to bytes
}

/**
 * [stored]: the shift the app runs, from `SteadyStore.startShift` (its writer thread saves
 * every 5 s of data into SQLite on a temporary file), instead of a
 * memory-only `LiveShift`.
 */
private fun run(label: String, withListener: Boolean, direct: Boolean = false, stored: Boolean = false) {
    val t0 = 1_764_000_000_000L
    val total = WARMUP + ROUNDS * CALLS
    val (times, bytes) = packets(total, t0)
    var events = 0L
    val dir = if (stored) kotlin.io.path.createTempDirectory("steady-bench").toFile() else null
    val store = dir?.let { SteadyStore.open(it.resolve("steady.db").path) }
    val shiftOf = {
        if (store != null) store.startShift(t0, defaultShiftConfig()) else LiveShift(defaultShiftSetup())
    }
    shiftOf().use { shift ->
        if (withListener) {
            shift.setListener(object : ShiftListener {
                override fun onEvents(events: List<ShiftEvent>) {
                    eventsSeen += events.size
                }
            })
        }
        if (store == null) shift.start(t0)
        val fast = if (direct) DirectIngest(shift) else null
        val call = if (fast != null) {
            { i: Int -> fast.ingest(times[i], bytes[i]) }
        } else {
            { i: Int -> shift.ingest(times[i], bytes[i]) }
        }
        for (i in 0 until WARMUP) {
            call(i)
            if (i % 1024 == 0) events += shift.pollEvents(UInt.MAX_VALUE).size
        }
        val wall = DoubleArray(ROUNDS)
        val cpu = DoubleArray(ROUNDS)
        var i = WARMUP
        val writer0 = nativeThreadCpuNs("steady-store")
        for (r in 0 until ROUNDS) {
            events += shift.pollEvents(UInt.MAX_VALUE).size
            val c0 = cpuNs()
            val start = System.nanoTime()
            for (c in 0 until CALLS) {
                call(i)
                i++
            }
            wall[r] = (System.nanoTime() - start) / 1000.0 / CALLS
            cpu[r] = (cpuNs() - c0) / 1000.0 / CALLS
        }
        // The store's writer thread (a stored shift only): its CPU over all
        // rounds, per call, and with the calling thread's mean: the total.
        val writerUs = (nativeThreadCpuNs("steady-store") - writer0) / 1000.0 / (ROUNDS * CALLS)
        val writer = if (store != null) {
            "; writer thread CPU %.2f us/call, calling + writer thread %.2f us/call".format(writerUs, cpu.average() + writerUs)
        } else {
            ""
        }
        events += shift.pollEvents(UInt.MAX_VALUE).size
        fast?.close()
        val size = dir?.listFiles()?.sumOf { it.length() }?.let { ", store %.1f MB".format(it / 1e6) } ?: ""
        report(label, wall, cpu, " over $ROUNDS rounds of $CALLS calls$size$writer")
    }
    store?.close()
    dir?.deleteRecursively()
}

@Volatile private var eventsSeen = 0L

/** The fixed cost of a UniFFI call through JNA, for comparison. */
private fun floor(label: String, call: (Int) -> Unit) {
    repeat(WARMUP) { call(it) }
    val wall = DoubleArray(ROUNDS)
    val cpu = DoubleArray(ROUNDS)
    for (r in 0 until ROUNDS) {
        val c0 = cpuNs()
        val start = System.nanoTime()
        for (c in 0 until CALLS) call(c)
        wall[r] = (System.nanoTime() - start) / 1000.0 / CALLS
        cpu[r] = (cpuNs() - c0) / 1000.0 / CALLS
    }
    report(label, wall, cpu)
}

/** `STEADY_BENCH=stored` runs only the stored-shift lines (the app's path). */
fun main() {
    println("JVM ${System.getProperty("java.version")}, JNA ${com.sun.jna.Native.VERSION}, library from ${System.getProperty("jna.library.path")}")
    if (System.getenv("STEADY_BENCH") == "stored") {
        stored()
        return
    }
    floor("coreVersion() (string out: JNA + RustBuffer floor)") { org.steady.ffi.coreVersion() }
    LiveShift(defaultShiftSetup()).use { s ->
        val t0 = 1_764_000_000_000L
        s.start(t0)
        var t = t0
        floor("ingestHeartRate(t, bpm) (primitives only: JNA floor + lock + model step)") {
            t += 1000
            s.ingestHeartRate(t, 66.0)
        }
    }
    run("ingest(t, bytes), poll queue only", withListener = false)
    run("ingest(t, bytes), with a Kotlin listener", withListener = true)
    run("DirectIngest.ingest(t, bytes), poll queue only", withListener = false, direct = true)
    run("DirectIngest.ingest(t, bytes), with a Kotlin listener", withListener = true, direct = true)
    stored()
    println("listener received $eventsSeen events")
}

/** The app's path: a stored shift (store.startShift), DirectIngest, a listener. */
private fun stored() {
    run("stored shift: DirectIngest.ingest(t, bytes), with a Kotlin listener", withListener = true, direct = true, stored = true)
    run("stored shift: ingest(t, bytes), with a Kotlin listener", withListener = true, stored = true)
}
