package org.steady.jvm

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.steady.core.ShiftEvent
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
    fun `one thread ingests while another reads snapshots and polls`() {
        val t0 = 1_764_000_000_000L
        val packets = FakeStrap(t0).beats(polarSampleRrMs())
        val delivered = AtomicInteger()
        val lastGaugeT = AtomicLong(Long.MIN_VALUE)
        val outOfOrder = AtomicInteger()
        val failure = AtomicReference<Throwable?>(null)

        LiveShift(defaultShiftSetup()).use { shift ->
            shift.setListener(object : ShiftListener {
                override fun onEvents(events: List<ShiftEvent>) {
                    delivered.addAndGet(events.size)
                    for (e in events) if (e is ShiftEvent.Gauge) {
                        val prev = lastGaugeT.getAndSet(e.update.tMs)
                        if (e.update.tMs < prev) outOfOrder.incrementAndGet()
                        shift.snapshot() // a listener may read (no deadlock)
                    }
                }
            })
            val started = CountDownLatch(1)
            val ble = thread(name = "ble") {
                started.countDown()
                try {
                    packets.forEach { shift.ingest(it.atMs, it.bytes) }
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
        LiveShift(defaultShiftSetup()).use { shift ->
            // Two writers race; whichever loses the race for a timestamp gets a
            // typed "time went back" error. Nothing else may come out.
            val jobs = (0..1).map { k ->
                async(Dispatchers.Default) {
                    var refused = 0
                    packets.filterIndexed { i, _ -> i % 2 == k || i % 7 == 0 }.forEach {
                        try {
                            shift.ingest(it.atMs, it.bytes)
                        } catch (e: SteadyException.InvalidInput) {
                            refused++
                        }
                    }
                    refused
                }
            }
            jobs.forEach { it.await() }
            val s = shift.snapshot()
            assertTrue(s.latest != null)
            assertTrue(s.latest!!.tMs <= packets.last().atMs)
        }
    }
}
