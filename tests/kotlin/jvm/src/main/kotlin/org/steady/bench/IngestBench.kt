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
 * CPU time (ns) of every thread of this process, by thread id, with its name:
 * Linux `/proc/self/task/<tid>/schedstat` (first field: time on a CPU, ns).
 * It sees the native threads a JVM thread bean cannot (the core's store
 * writer `steady-store-<shift>`) and the JVM's own (JIT compilers, GC).
 */
private fun tasksCpu(): Map<String, Pair<String, Long>> {
    val out = HashMap<String, Pair<String, Long>>()
    for (t in java.io.File("/proc/self/task").listFiles() ?: return out) {
        val comm = runCatching { t.resolve("comm").readText().trim() }.getOrNull() ?: continue
        val ns = runCatching { t.resolve("schedstat").readText().trim().split(' ')[0].toLong() }.getOrNull() ?: continue
        out[t.name] = comm to ns
    }
    return out
}

/** This thread's Linux thread id (for telling it apart in [tasksCpu]). */
private fun myTid(): String = java.io.File("/proc/thread-self").canonicalFile.name

/**
 * Where a stretch of the run spent CPU, per thread kind: the calling thread,
 * the store's writer thread, the JIT compilers, the garbage collector and
 * the rest of the JVM; and the whole process
 * (`com.sun.management.OperatingSystemMXBean.processCpuTime`).
 */
private class CpuSplit {
    private val tid = myTid()
    private val before = tasksCpu()
    private val process0 = processCpuNs()
    private val gc0 = gcCountAndMs()

    /** `us/packet` per kind over [packets] packets, as printed. */
    fun line(packets: Int): String {
        val after = tasksCpu()
        val process = processCpuNs() - process0
        val byKind = LinkedHashMap<String, Long>()
        for (k in listOf("calling thread", "writer thread", "JIT", "GC", "other JVM threads")) byKind[k] = 0
        for ((t, v) in after) {
            val (comm, ns) = v
            val d = ns - (before[t]?.second ?: 0)
            val kind = when {
                t == tid -> "calling thread"
                comm.startsWith("steady-store") -> "writer thread"
                comm.contains("Compiler") -> "JIT"
                comm.startsWith("GC ") || comm.startsWith("G1 ") -> "GC"
                else -> "other JVM threads"
            }
            byKind[kind] = byKind.getValue(kind) + d
        }
        val (gcN, gcMs) = gcCountAndMs().let { it.first - gc0.first to it.second - gc0.second }
        val per = { ns: Long -> ns / 1000.0 / packets }
        return byKind.entries.joinToString(", ") { "%s %.2f".format(it.key, per(it.value)) } +
            "; whole process %.2f us/packet = %.1f ms per shift-hour; %d GC pauses, %d ms"
                .format(per(process), per(process) * 3600 / 1000, gcN, gcMs)
    }
}

private fun processCpuNs(): Long =
    (ManagementFactory.getOperatingSystemMXBean() as com.sun.management.OperatingSystemMXBean).processCpuTime

private fun gcCountAndMs(): Pair<Long, Long> =
    ManagementFactory.getGarbageCollectorMXBeans().fold(0L to 0L) { (n, ms), b ->
        n + b.collectionCount.coerceAtLeast(0) to ms + b.collectionTime.coerceAtLeast(0)
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
 * [stored]: the shift the app runs, from `SteadyStore.startShift` (the core
 * appends to the shift's journal every few seconds of data, the store's
 * writer thread folds it into SQLite), instead of a memory-only `LiveShift`.
 * [withListener]: the events reach Kotlin, through a [ShiftListener] (UniFFI's
 * callback) for `LiveShift.ingest`, through [DirectIngest]'s `onEvents` (read
 * back from its buffer, no callback) for [direct]; without it they stay in
 * the poll queue.
 */
private fun run(label: String, withListener: Boolean, direct: Boolean = false, stored: Boolean = false) {
    val total = WARMUP + ROUNDS * CALLS
    val (times, bytes) = packets(total, T0)
    var events = 0L
    withShift(stored, withListener && !direct) { shift ->
        val fast = if (direct) DirectIngest(shift, onEvents = if (withListener) counting else null) else null
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
        val split = CpuSplit()
        val delivered0 = deliveries
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
        // A stored shift: every thread's CPU over all rounds, per call.
        val threads = if (stored) "; per call, all threads: " + split.line(ROUNDS * CALLS) else ""
        val delivered = if (withListener) {
            "; events delivered on %.3f of the calls".format((deliveries - delivered0).toDouble() / (ROUNDS * CALLS))
        } else {
            ""
        }
        events += shift.pollEvents(UInt.MAX_VALUE).size
        fast?.close()
        report(label, wall, cpu, " over $ROUNDS rounds of $CALLS calls$delivered$threads")
    }
}

private const val T0 = 1_764_000_000_000L

/** Counts the events [DirectIngest] hands back (the bench's stand-in for the UI). */
private val counting: (List<ShiftEvent>) -> Unit = { events ->
    eventsSeen += events.size
    deliveries++
}

/**
 * Runs [body] on a started shift: stored (a fresh store in a temporary
 * directory, deleted after) or in memory, with a counting Kotlin listener or
 * none.
 */
private fun withShift(stored: Boolean, withListener: Boolean, body: (LiveShift) -> Unit) {
    val dir = if (stored) kotlin.io.path.createTempDirectory("steady-bench").toFile() else null
    val store = dir?.let { SteadyStore.open(it.resolve("steady.db").path) }
    try {
        val shift = if (store != null) store.startShift(T0, defaultShiftConfig()) else LiveShift(defaultShiftSetup())
        shift.use {
            if (withListener) {
                it.setListener(object : ShiftListener {
                    override fun onEvents(events: List<ShiftEvent>) = counting(events)
                })
            }
            if (store == null) it.start(T0)
            body(it)
            it.setListener(null)
        }
    } finally {
        store?.close()
        dir?.deleteRecursively()
    }
}

/** Real time between two packets in the paced run (1 s of data each). */
private const val PACE_NS = 5_000_000L

/**
 * Paced: 2 shift-hours of packets, measured after [PACED_WARMUP] unpaced calls
 * and [PACED_WARMUP_PACED] paced ones, so that the JIT has compiled the paced
 * loop too (without the latter, the JIT compilers' threads still spent
 * 157 us of CPU per packet during the measured stretch).
 */
private const val PACED_CALLS = 7_200
private const val PACED_WARMUP = 20_000
private const val PACED_WARMUP_PACED = 3_600

/**
 * Calls [call] for [from] until [from] + [n], [PACE_NS] apart in real time;
 * each call's thread CPU into [perCall] (the clock pair's own cost included).
 */
private fun pacedStretch(from: Int, n: Int, perCall: LongArray, call: (Int) -> Unit) {
    val start = System.nanoTime()
    for (k in 0 until n) {
        val c = cpuNs()
        call(from + k)
        perCall[k % perCall.size] = cpuNs() - c
        val rest = start + (k + 1) * PACE_NS - System.nanoTime()
        if (rest > 0) Thread.sleep(rest / 1_000_000, (rest % 1_000_000).toInt())
    }
    Thread.sleep(25) // the last save
}

/** The median cost of reading this thread's CPU clock twice (included in each paced figure). */
private fun clockPairNs(): Long = LongArray(1000).also { a ->
    for (k in a.indices) {
        val c = cpuNs()
        a[k] = cpuNs() - c
    }
    a.sort()
}[500]

/** "mean X us/packet (median Y, p99 Z; a clock-read pair alone W)" over [perCall] (sorted in place). */
private fun pacedFigures(perCall: LongArray): String {
    val mean = perCall.average() / 1000
    perCall.sort()
    return "mean %.2f us/packet (median %.2f, p99 %.2f; a clock-read pair alone %.2f) = %.1f ms per shift-hour".format(
        mean, perCall[perCall.size / 2] / 1000.0, perCall[perCall.size * 99 / 100] / 1000.0, clockPairNs() / 1000.0,
        mean * 3600 / 1000,
    )
}

/**
 * The app's rhythm: a stored shift and [DirectIngest] with its events handed
 * to a Kotlin lambda (what `CoreBridge` does), the packets (1 s of data apart)
 * fed [PACE_NS] apart in real time, so the store's writer thread works between
 * packets as on a phone (the caller never waits for it). Each call's thread
 * CPU is read around the call; every thread's CPU over the paced stretch,
 * pauses included, is split by kind ([CpuSplit]).
 */
private fun paced() {
    val (times, bytes) = packets(PACED_WARMUP + PACED_WARMUP_PACED + PACED_CALLS, T0)
    withShift(stored = true, withListener = false) { shift ->
        DirectIngest(shift, onEvents = counting).use { fast ->
            for (i in 0 until PACED_WARMUP) fast.ingest(times[i], bytes[i])
            val perCall = LongArray(PACED_CALLS)
            val call = { i: Int -> fast.ingest(times[i], bytes[i]) }
            pacedStretch(PACED_WARMUP, PACED_WARMUP_PACED, perCall, call)
            val split = CpuSplit()
            val delivered0 = deliveries
            pacedStretch(PACED_WARMUP + PACED_WARMUP_PACED, PACED_CALLS, perCall, call)
            val threads = split.line(PACED_CALLS)
            println(
                ("stored shift, paced %d ms apart (%d packets = %.0f shift-hours; DirectIngest.ingest, events to a Kotlin lambda, " +
                    "delivered on %.3f of the calls): calling thread CPU in ingest %s; per packet, all threads, pauses included: %s")
                    .format(
                        PACE_NS / 1_000_000, PACED_CALLS, PACED_CALLS / 3600.0,
                        (deliveries - delivered0).toDouble() / PACED_CALLS, pacedFigures(perCall), threads,
                    ),
            )
        }
    }
}

/**
 * The paced loop of [paced] around an empty direct-mapped JNA call
 * (`steady_direct_noop`, through `DirectIngest.noop`): what one crossing
 * alone costs when it runs cold, [PACE_NS] apart, after the same warm-up.
 */
private fun pacedFloor() {
    repeat(PACED_WARMUP) { DirectIngest.noop() }
    val perCall = LongArray(PACED_CALLS)
    val call = { _: Int -> check(DirectIngest.noop() == 0) }
    pacedStretch(0, PACED_WARMUP_PACED, perCall, call)
    pacedStretch(0, PACED_CALLS, perCall, call)
    println(
        "paced floor, %d ms apart (%d calls): an empty direct-mapped JNA call (steady_direct_noop), calling thread CPU %s"
            .format(PACE_NS / 1_000_000, PACED_CALLS, pacedFigures(perCall)),
    )
}

@Volatile private var eventsSeen = 0L

/** Calls whose events reached Kotlin (through the listener or DirectIngest's lambda). */
@Volatile private var deliveries = 0L

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

/**
 * `STEADY_BENCH=stored` runs only the stored-shift lines (the app's path),
 * `STEADY_BENCH=paced` only the paced one.
 */
fun main() {
    println("JVM ${System.getProperty("java.version")}, JNA ${com.sun.jna.Native.VERSION}, library from ${System.getProperty("jna.library.path")}")
    when (System.getenv("STEADY_BENCH")) {
        "stored" -> return stored()
        "paced" -> return paced().also { pacedFloor() }
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
    run("DirectIngest.ingest(t, bytes), events to a Kotlin lambda", withListener = true, direct = true)
    stored()
    println("Kotlin received $eventsSeen events")
}

/**
 * The app's path: a stored shift (store.startShift), DirectIngest with its
 * events to a Kotlin lambda; paced (and the paced floor), then unpaced.
 */
private fun stored() {
    paced()
    pacedFloor()
    run("stored shift: DirectIngest.ingest(t, bytes), events to a Kotlin lambda", withListener = true, direct = true, stored = true)
    run("stored shift: DirectIngest.ingest(t, bytes), poll queue only", withListener = false, direct = true, stored = true)
    run("stored shift: ingest(t, bytes), with a Kotlin listener", withListener = true, stored = true)
}
