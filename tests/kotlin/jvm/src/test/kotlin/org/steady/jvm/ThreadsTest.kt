package org.steady.jvm

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.steady.core.ShiftEvent
import org.steady.direct.DirectIngest
import org.steady.ffi.LiveShift
import org.steady.ffi.ShiftListener
import org.steady.ffi.SteadyException
import org.steady.ffi.defaultShiftSetup
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread

/** BLE callbacks on one thread, UI reads on another, as on a phone. */
class ThreadsTest {
    @Test
    fun `one thread ingests while another reads snapshots and polls`() =
        ingestWhileReading { shift, _ -> { t, bytes -> shift.ingest(t, bytes) } }

    @Test
    fun `the same through DirectIngest, the Android bridge's path, its events handed to the same sink`() {
        var direct: DirectIngest? = null
        ingestWhileReading { shift, sink -> DirectIngest(shift, onEvents = sink::onEvents).also { direct = it }::ingest }
        direct!!.close()
    }

    @Test
    fun `closing DirectIngest while another thread ingests stops it cleanly`() {
        val t0 = 1_764_000_000_000L
        val packets = FakeStrap(t0).beats(polarSampleRrMs())
        val limit = 20_000_000 // far more than the race needs; reaching it fails the test
        LiveShift(defaultShiftSetup()).use { shift ->
            val direct = DirectIngest(shift)
            val accepted = AtomicInteger()
            val stoppedBy = AtomicReference<Throwable?>(null)
            val ble = thread(name = "ble") {
                try {
                    // The sample's packets over and over, one a second, until closed.
                    for (k in 0 until limit) {
                        direct.ingest(t0 + k * 1000L, packets[k % packets.size].bytes)
                        accepted.incrementAndGet()
                    }
                } catch (t: Throwable) {
                    stoppedBy.set(t)
                }
            }
            while (accepted.get() < 2_000) Thread.yield()
            direct.close() // while a call may be in flight: released after it
            ble.join()
            assertTrue(stoppedBy.get() is IllegalStateException, "stopped by ${stoppedBy.get()}")
            assertTrue(accepted.get() < limit)
            // Every accepted packet reached the shift (its clock is past them),
            // and the shift itself goes on through UniFFI.
            val last = t0 + (accepted.get() - 1) * 1000L
            assertThrows<SteadyException.InvalidInput> { shift.ingest(last - 500, packets[0].bytes) }
            shift.ingest(last + 60_000, packets[0].bytes)
            assertTrue(shift.snapshot().latest!!.tMs >= last)
        }
    }

    /**
     * The BLE thread feeds the Polar sample through [ingestOf] while this
     * thread reads; the events go to the shift's listener, which [ingestOf]
     * also gets (the direct path hands its events to it itself).
     */
    private fun ingestWhileReading(ingestOf: (LiveShift, ShiftListener) -> (Long, ByteArray) -> Unit) {
        val t0 = 1_764_000_000_000L
        val packets = FakeStrap(t0).beats(polarSampleRrMs())
        val delivered = AtomicInteger()
        val lastGaugeT = AtomicLong(Long.MIN_VALUE)
        val outOfOrder = AtomicInteger()
        val failure = AtomicReference<Throwable?>(null)

        LiveShift(defaultShiftSetup()).use { shift ->
            val sink = object : ShiftListener {
                override fun onEvents(events: List<ShiftEvent>) {
                    delivered.addAndGet(events.size)
                    for (e in events) if (e is ShiftEvent.Gauge) {
                        val prev = lastGaugeT.getAndSet(e.update.tMs)
                        if (e.update.tMs < prev) outOfOrder.incrementAndGet()
                        shift.snapshot() // a listener may read (no deadlock)
                    }
                }
            }
            shift.setListener(sink)
            val ingest = ingestOf(shift, sink)
            val started = CountDownLatch(1)
            val ble = thread(name = "ble") {
                started.countDown()
                try {
                    packets.forEach { ingest(it.atMs, it.bytes) }
                } catch (t: Throwable) {
                    failure.set(t)
                }
            }
            var reads = 0
            var polled = 0
            var lastSeen = Long.MIN_VALUE
            started.await()
            while (ble.isAlive) {
                val s = shift.snapshot()
                s.latest?.let {
                    assertTrue(it.tMs >= lastSeen, "snapshots never go back in time")
                    lastSeen = it.tMs
                }
                polled += shift.pollEvents(16u).size
                reads++
            }
            ble.join()
            failure.get()?.let { throw it }
            polled += shift.pollEvents(UInt.MAX_VALUE).size

            assertTrue(reads > 0)
            assertEquals(0, outOfOrder.get(), "listener saw gauge refreshes out of order")
            // every event went both to the listener and through the poll queue
            assertEquals(delivered.get(), polled + shift.snapshot().droppedEvents.toInt())
            assertTrue(delivered.get() > 100, "${delivered.get()} events")
        }
    }

    @Test
    fun `two BLE threads feeding the same shift never corrupt it - errors stay typed`() = runBlocking {
        val t0 = 1_764_000_000_000L
        val packets = FakeStrap(t0).beats(polarSampleRrMs())
        val raced = mutableListOf<ShiftEvent>()
        val (attempts, accepted, refused) = LiveShift(defaultShiftSetup()).use { shift ->
            shift.setListener(collect(raced))
            // Two writers race; whichever loses the race for a timestamp gets a
            // typed "time went back" error. Nothing else may come out.
            val jobs = (0..1).map { k ->
                async(Dispatchers.Default) {
                    val mine = packets.filterIndexed { i, _ -> i % 2 == k || i % 7 == 0 }
                    val ok = mutableListOf<Packet>()
                    var refused = 0
                    mine.forEach {
                        try {
                            shift.ingest(it.atMs, it.bytes)
                            ok += it
                        } catch (e: SteadyException.InvalidInput) {
                            refused++
                        }
                    }
                    Triple(mine.size, ok, refused)
                }
            }
            val results = jobs.map { it.await() }
            assertTrue(shift.snapshot().latest!!.tMs <= packets.last().atMs)
            Triple(results.sumOf { it.first }, results.flatMap { it.second }, results.sumOf { it.third })
        }
        // Every call either went in or was refused with a typed error.
        assertEquals(attempts, accepted.size + refused)
        // The shift took the accepted packets in time order (a packet older
        // than the shift's clock is refused), so one thread feeding exactly
        // those packets, sorted, must see the same events: no lost, doubled
        // or reordered packet, no torn state.
        val replayed = mutableListOf<ShiftEvent>()
        LiveShift(defaultShiftSetup()).use { shift ->
            shift.setListener(collect(replayed))
            accepted.sortedBy { it.atMs }.forEach { shift.ingest(it.atMs, it.bytes) }
        }
        fun refusal(e: ShiftEvent) = e is ShiftEvent.InputIgnored
        assertEquals(replayed.filterNot(::refusal), raced.filterNot(::refusal))
        assertTrue(replayed.count { it is ShiftEvent.Gauge } > 100, "${replayed.size} events")
        // and each refused call left exactly one InputIgnored event, nothing else
        assertEquals(replayed.count(::refusal) + refused, raced.count(::refusal), "refused $refused")
    }

    private fun collect(into: MutableList<ShiftEvent>) = object : ShiftListener {
        override fun onEvents(events: List<ShiftEvent>) {
            synchronized(into) { into += events }
        }
    }
}
