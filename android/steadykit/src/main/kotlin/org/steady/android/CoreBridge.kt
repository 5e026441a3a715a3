package org.steady.android

import org.steady.core.Prompt
import org.steady.core.ShiftEvent
import org.steady.direct.DirectIngest
import org.steady.ffi.LiveShift
import org.steady.ffi.ShiftListener
import org.steady.ffi.SteadyException
import org.steady.ffi.UserAction

/**
 * The shell's one link to the core for a running shift: strap packets, ticks
 * and the wearer's answers go in unchanged; the core's events come out to
 * [onEvents] (the UI, notifications, haptics) and the connection state to
 * [onStrap] (for the "connecting / no signal" line). Nothing is decided here.
 *
 * BLE callbacks call in on the Bluetooth thread, the UI reads
 * `shift.snapshot()` on the main thread: the core is thread-safe. The events
 * arrive on the calling thread; [onEvents] must post to its own thread before
 * calling back into the shift (see bindings/README.md).
 *
 * Packets go in through [DirectIngest], the per-packet hot path beside the
 * UniFFI surface, which hands each packet's events straight to [onEvents]
 * (no JNA upcall); every other call's events (ticks, prompt answers, and
 * calls made through [inOrder], e.g. ending it) come through the shift's
 * listener, which the direct path does not also call, so each event reaches
 * [onEvents] once. The calls made here and through [inOrder] run one at a
 * time, each delivering its events before the next starts: [onEvents] sees
 * them in call order. [close] releases the direct path when the shift is
 * done with.
 */
class CoreBridge(
    private val shift: LiveShift,
    private val resetProtocolId: String = "paced_4_6",
    private val onStrap: (StrapState) -> Unit = {},
    onEvents: (List<ShiftEvent>) -> Unit,
) : StrapSink, PromptActionHandler, AutoCloseable {
    private val packets = DirectIngest(shift, onEvents = onEvents)

    /** Held for each call and its delivery, so [onEvents] sees the calls in order. */
    private val order = Any()

    init {
        shift.setListener(object : ShiftListener {
            override fun onEvents(events: List<ShiftEvent>) = onEvents(events)
        })
    }

    /** A packet the core refuses throws a typed [SteadyException]; HrmRelay counts and drops it. */
    override fun onHeartRatePacket(bytes: ByteArray, atMs: Long) {
        synchronized(order) { packets.ingest(atMs, bytes) }
    }

    override fun onStrapState(state: StrapState, atMs: Long) {
        onStrap(state)
        // The core tracks signal loss from the data itself; a tick at the
        // disconnect makes it notice without waiting for the next timer.
        if (state == StrapState.DISCONNECTED) onTick(atMs)
    }

    override fun onTick(atMs: Long) {
        try {
            synchronized(order) { shift.tick(atMs) }
        } catch (e: SteadyException) {
            // time went back (clock change) or the shift ended: nothing to do
        }
    }

    override fun onPromptAction(action: PromptAction, promptId: Long, atMs: Long) {
        try {
            synchronized(order) { shift.userAction(atMs, userAction(action, resetProtocolId)) }
        } catch (e: SteadyException) {
            // e.g. the prompt was already answered: the core said so, nothing to undo
        }
    }

    /**
     * Any other call on the shift (an answer from the app's own screen, the
     * end of the shift), run in order with the bridge's calls: its events
     * come through the listener, after those of the packet before it.
     */
    fun <T> inOrder(call: (LiveShift) -> T): T = synchronized(order) { call(shift) }

    override fun close() = packets.close()

    companion object {
        /** The core's input for a prompt answer (snooze: the configured default length). */
        fun userAction(action: PromptAction, resetProtocolId: String): UserAction = when (action) {
            PromptAction.START_RESET -> UserAction.StartReset(resetProtocolId)
            PromptAction.SNOOZE -> UserAction.Snooze(0u)
            PromptAction.DISMISS -> UserAction.DismissPrompt
        }

        /** Words for the heads-up notification, from the core's prompt and its reason. */
        fun promptContent(prompt: Prompt): PromptContent {
            val minutes = (prompt.reason.sustainedS / 60.0).let { if (it < 1.5) "a minute" else "%.0f minutes".format(it) }
            return PromptContent(
                promptId = prompt.number.toLong(),
                title = "Time for a 30-second reset?",
                text = "You have been running hot for $minutes without a break.",
            )
        }
    }
}
