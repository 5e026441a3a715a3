package org.steady.android

/**
 * When to try the strap again after it drops out: doubling delays from
 * [initialMs] up to [maxMs], back to [initialMs] once data flows again.
 * Straps drop out when the wearer walks away from the phone or the electrode
 * dries; retrying forever with a cap keeps the shift going without draining
 * the battery.
 */
class ReconnectPolicy(
    private val initialMs: Long = 1_000,
    private val maxMs: Long = 30_000,
) {
    init {
        require(initialMs > 0 && maxMs >= initialMs) { "need 0 < initialMs <= maxMs" }
    }

    private var next = initialMs

    /** Delay before the next attempt; each call doubles the following one. */
    @Synchronized
    fun nextDelayMs(): Long {
        val d = next
        next = (next * 2).coerceAtMost(maxMs)
        return d
    }

    /** Data is flowing again. */
    @Synchronized
    fun reset() {
        next = initialMs
    }
}
