package org.steady.direct

import com.sun.jna.Native
import com.sun.jna.Pointer
import org.steady.core.ShiftEvent
import org.steady.ffi.FfiConverterSequenceTypeShiftEvent
import org.steady.ffi.LiveShift
import org.steady.ffi.SteadyException
import org.steady.ffi.directTakeError
import java.nio.ByteBuffer
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * [LiveShift.ingest] for the one call made for every BLE notification, at a
 * fraction of the cost, with the call's events handed to [onEvents] on the
 * calling thread.
 *
 * Every call through UniFFI's generated Kotlin costs about 10 µs of CPU before
 * the core runs (JNA builds and reads back a `Structure` for the call status,
 * and a second crossing clones the object's handle), and a Kotlin
 * `ShiftListener` about 47 µs per call that has events (a JNA upcall). This
 * class calls the library's `steady_direct_ingest` through JNA direct mapping
 * instead, with primitives only (the cheapest JNA call): the time, a handle,
 * and the addresses of two direct buffers this object owns and reuses, one
 * the packet is copied into, one the core writes the call's events into with
 * UniFFI's own layout; they are read back with the generated converter. Nothing is
 * allocated for a call without events (4 in 5 packets); the buffer grows when
 * the library reports that the events need more room, and nothing is lost.
 *
 * The core, the poll queue and the typed errors are the very ones of
 * [LiveShift.ingest] (bindings/src/direct.rs). The events of these calls go
 * to [onEvents] (when given) and to the poll queue, NOT to the shift's
 * listener: a shell that keeps a listener for its other calls (ticks,
 * actions) gets each event once. A refused packet hands its `InputIgnored`
 * event to [onEvents] first, then throws the usual [SteadyException]. With
 * [onEvents] `null` the events are not read (the poll queue still has them).
 *
 * Thread-safe like [LiveShift]: calls run one at a time (the buffer is
 * shared), and each call's events reach [onEvents] before the next call
 * starts, so in call order. [onEvents] must not call [ingest] (post to your
 * own thread). It holds its own reference to the shift: [close] it when the
 * shift is done with (until then the shift stays in memory even if the
 * [LiveShift] object is closed). A call after [close] throws
 * [IllegalStateException].
 */
class DirectIngest(
    shift: LiveShift,
    initialCapacity: Int = INITIAL_CAPACITY,
    private val onEvents: ((List<ShiftEvent>) -> Unit)? = null,
) : AutoCloseable {
    private val handle: Long = shift.directHandle().toLong()

    /** 1 while open plus the calls in flight; 0 once released (UniFFI's own scheme). */
    private val calls = AtomicLong(1)
    private val closed = AtomicBoolean(false)

    /** The events of the current call, as the library wrote them (direct: the library writes into it). */
    private var events: ByteBuffer = ByteBuffer.allocateDirect(initialCapacity.coerceAtLeast(1))
    private var eventsAt: Long = address(events)

    /** The packet of the current call, copied in (grown for a longer one; a 0x2A37 value is at most 512 bytes). */
    private var packet: ByteBuffer = ByteBuffer.allocateDirect(PACKET_CAPACITY)
    private var packetAt: Long = address(packet)

    /** How large the events buffer is now (grows when a call's events need more). */
    val capacity: Int get() = synchronized(this) { events.capacity() }

    /** One raw 0x2A37 notification with its arrival time; see [LiveShift.ingest]. */
    @Throws(SteadyException::class)
    fun ingest(tMs: Long, bytes: ByteArray) {
        do {
            val c = calls.get()
            check(c != 0L) { "DirectIngest used after close()" }
        } while (!calls.compareAndSet(c, c + 1))
        try {
            synchronized(this) {
                if (bytes.size > packet.capacity()) {
                    packet = ByteBuffer.allocateDirect(bytes.size)
                    packetAt = address(packet)
                }
                packet.clear()
                packet.put(bytes)
                val r = Lib.steady_direct_ingest(handle, tMs, packetAt, bytes.size, eventsAt, events.capacity())
                val size = if (r < 0) -(r + 1) else r
                if (size > 0 && onEvents != null) onEvents.invoke(read(size))
                if (r < 0) {
                    directTakeError() // throws the call's SteadyException
                    error("steady_direct_ingest failed without an error to raise")
                }
            }
        } finally {
            if (calls.decrementAndGet() == 0L) Lib.steady_direct_release(handle)
        }
    }

    /** The call's [size] bytes of events, fetched into a larger buffer first when they did not fit. */
    private fun read(size: Int): List<ShiftEvent> {
        if (size > events.capacity()) {
            events = ByteBuffer.allocateDirect(maxOf(size, 2 * events.capacity()))
            eventsAt = address(events)
            val taken = Lib.steady_direct_take_events(eventsAt, events.capacity())
            check(taken == size) { "steady_direct_take_events gave $taken bytes, not $size" }
        }
        events.clear().limit(size)
        return FfiConverterSequenceTypeShiftEvent.read(events)
    }

    /** Drops this object's reference to the shift (after calls in flight). Idempotent. */
    override fun close() {
        if (closed.compareAndSet(false, true) && calls.decrementAndGet() == 0L) {
            Lib.steady_direct_release(handle)
        }
    }

    companion object {
        /** Room for a call's events before the first growth (a packet's are a gauge refresh, now and then a prompt). */
        const val INITIAL_CAPACITY = 4096

        /**
         * A direct-mapped call to a library function that does nothing
         * (`steady_direct_noop`): what one JNA crossing alone costs, for the
         * bench's floor line. Not for application code.
         */
        fun noop(): Int = Lib.steady_direct_noop()

        /** Room for a packet before the first growth: BLE caps an attribute value at 512 bytes. */
        private const val PACKET_CAPACITY = 512

        /** A direct buffer's native address (stable for the buffer's life). */
        private fun address(buffer: ByteBuffer): Long = Pointer.nativeValue(Native.getDirectBufferPointer(buffer))
    }

    /** JNA direct mapping of the library's C functions (same library as UniFFI's). */
    private object Lib {
        init {
            Native.register(
                Lib::class.java,
                System.getProperty("uniffi.component.steady.libraryOverride") ?: "steady_ffi",
            )
        }

        external fun steady_direct_ingest(handle: Long, tMs: Long, packet: Long, len: Int, out: Long, cap: Int): Int

        external fun steady_direct_take_events(out: Long, cap: Int): Int

        external fun steady_direct_noop(): Int

        external fun steady_direct_release(handle: Long)
    }
}
