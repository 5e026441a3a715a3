package org.steady.android

import java.util.UUID
import java.util.concurrent.atomic.AtomicLong

/**
 * The whole of the shell's BLE data path: take a GATT notification, keep it
 * only if it is a Heart Rate Measurement, stamp it, hand it to the sink.
 *
 * It runs on the Bluetooth binder thread, so it never throws: a packet the
 * core rejects (a typed exception from the bindings) is counted and dropped,
 * and the next packet goes through as usual — one bad notification must not
 * end a shift or kill the service.
 */
class HrmRelay(
    private val sink: StrapSink,
    private val clock: Clock = Clock.SYSTEM,
    private val onRejected: (Throwable) -> Unit = {},
) {
    private val forwarded = AtomicLong()
    private val rejected = AtomicLong()

    /** Packets the sink accepted. */
    val forwardedCount: Long get() = forwarded.get()

    /** Packets the sink rejected (malformed bytes, state errors). */
    val rejectedCount: Long get() = rejected.get()

    /** Called from BluetoothGattCallback.onCharacteristicChanged. */
    fun onNotification(characteristic: UUID, value: ByteArray) {
        if (characteristic != GattUuids.HEART_RATE_MEASUREMENT) return
        try {
            // A copy: some stacks reuse the notification buffer.
            sink.onHeartRatePacket(value.copyOf(), clock.nowMs())
            forwarded.incrementAndGet()
        } catch (e: Exception) {
            rejected.incrementAndGet()
            onRejected(e)
        }
    }

    fun onState(state: StrapState) {
        try {
            sink.onStrapState(state, clock.nowMs())
        } catch (e: Exception) {
            onRejected(e)
        }
    }
}
