package org.steady.android

/** What the strap is doing, for the UI and the shift log. */
enum class StrapState { SCANNING, CONNECTING, STREAMING, DISCONNECTED }

/**
 * Where the BLE side delivers what it hears. The app implements it over the
 * core ([CoreSink]); tests implement it with a fake. The shell never decodes a
 * packet: it forwards the raw 0x2A37 bytes with the time they arrived.
 */
interface StrapSink {
    /** One 0x2A37 notification, raw, stamped on arrival (unix ms). */
    fun onHeartRatePacket(bytes: ByteArray, atMs: Long)

    /** Connection changes, so a dropout is visible rather than silent. */
    fun onStrapState(state: StrapState, atMs: Long)

    /** Time passes (every few seconds from the service), so the core notices silence. */
    fun onTick(atMs: Long) {}
}

/** Wall clock seam: the relay stamps packets; tests pin time. */
fun interface Clock {
    fun nowMs(): Long

    companion object {
        val SYSTEM = Clock { System.currentTimeMillis() }
    }
}
