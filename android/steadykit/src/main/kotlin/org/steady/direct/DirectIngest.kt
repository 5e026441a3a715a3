package org.steady.direct

import com.sun.jna.Native
import org.steady.ffi.LiveShift
import org.steady.ffi.SteadyException
import org.steady.ffi.directTakeError
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/**
 * [LiveShift.ingest] for the one call made for every BLE notification, at a
 * fraction of the cost.
 *
 * Every call through UniFFI's generated Kotlin costs about 10 µs of CPU before
 * the core runs (JNA builds and reads back a `Structure` for the call status,
 * and a second crossing clones the object's handle). This class calls the
 * library's `steady_direct_ingest` through JNA direct mapping instead: the
 * time, the packet's bytes and a handle, nothing else. The core, the listener,
 * the poll queue and the typed errors are the very ones of [LiveShift.ingest]
 * (bindings/src/direct.rs); on failure the error is fetched through UniFFI
 * and thrown as the usual [SteadyException].
 *
 * Thread-safe like [LiveShift]. It holds its own reference to the shift:
 * [close] it when the shift is done with (until then the shift stays in
 * memory even if the [LiveShift] object is closed). A call after [close]
 * throws [IllegalStateException].
 */
class DirectIngest(shift: LiveShift) : AutoCloseable {
    private val handle: Long = shift.directHandle().toLong()

    /** 1 while open plus the calls in flight; 0 once released (UniFFI's own scheme). */
    private val calls = AtomicLong(1)
    private val closed = AtomicBoolean(false)

    /** One raw 0x2A37 notification with its arrival time; see [LiveShift.ingest]. */
    @Throws(SteadyException::class)
    fun ingest(tMs: Long, packet: ByteArray) {
        do {
            val c = calls.get()
            check(c != 0L) { "DirectIngest used after close()" }
        } while (!calls.compareAndSet(c, c + 1))
        try {
            if (Lib.steady_direct_ingest(handle, tMs, packet, packet.size) != 0) {
                directTakeError() // throws the call's SteadyException
                error("steady_direct_ingest failed without an error to raise")
            }
        } finally {
            if (calls.decrementAndGet() == 0L) Lib.steady_direct_release(handle)
        }
    }

    /** Drops this object's reference to the shift (after calls in flight). Idempotent. */
    override fun close() {
        if (closed.compareAndSet(false, true) && calls.decrementAndGet() == 0L) {
            Lib.steady_direct_release(handle)
        }
    }

    /** JNA direct mapping of the two C functions (same library as UniFFI's). */
    private object Lib {
        init {
            Native.register(
                Lib::class.java,
                System.getProperty("uniffi.component.steady.libraryOverride") ?: "steady_ffi",
            )
        }

        external fun steady_direct_ingest(handle: Long, tMs: Long, packet: ByteArray, len: Int): Int

        external fun steady_direct_release(handle: Long)
    }
}
