package org.steady.app.shell

import org.steady.android.CoreBridge
import org.steady.android.PromptAction
import org.steady.android.PromptContent
import org.steady.android.StrapState
import org.steady.core.GaugeUpdate
import org.steady.core.ShiftEvent
import org.steady.core.ShiftSummary
import org.steady.ffi.ExportFormat
import org.steady.ffi.GaugeSnapshot
import org.steady.ffi.LiveShift
import org.steady.core.ShiftRecord
import org.steady.ffi.SteadyException
import org.steady.ffi.SteadyStore
import org.steady.ffi.UserAction
import org.steady.ffi.defaultShiftConfig
import org.steady.ffi.resetProtocols
import org.steady.app.state.BreathPhaseUi
import org.steady.app.state.Pacer
import org.steady.core.BreathKind
import java.io.File

/**
 * The process's one holder of the core: the store, the running shift and its
 * bridge. With [CoreBridge] and [UiMapping] it is the only place that calls
 * the generated bindings, so a renamed FFI call changes here only.
 *
 * Nothing here starts on its own: opening the store is [open] (a damaged
 * database gives [problem], never an exception), a shift starts or resumes
 * only when asked ([startOrResume], [resumeUnfinished]).
 *
 * Core events arrive on the BLE thread; [post] hands them to the main thread
 * before [onEvents] sees them.
 *
 * The prompt the wearer has not answered yet ([openPrompt]) is kept here,
 * beside the calls that answer it: the in-app card and the notification
 * both answer through [act], so the card shows what the core still has open,
 * whichever of the two the answer came from.
 */
class CoreHolder(
    private val db: File,
    private val post: (Runnable) -> Unit,
    private val onEvents: (List<ShiftEvent>) -> Unit,
    private val onStrapState: (StrapState) -> Unit = {},
) {
    var store: SteadyStore? = null
        private set

    /** Why the store could not be opened, `null` when it is open. */
    var problem: String? = null
        private set

    var shift: LiveShift? = null
        private set

    /** When the running shift started (unix ms), also for a resumed one. */
    var startedMs: Long? = null
        private set
    private var bridge: CoreBridge? = null

    /**
     * The core's last prompt while it has no answer: set by its
     * `PromptOffered` event, cleared once the core took a start-reset,
     * snooze or not-now (each answers the core's latest open prompt).
     */
    var openPrompt: PromptContent? = null
        private set

    fun open(): Boolean {
        if (store != null) return true
        return try {
            store = SteadyStore.open(db.path)
            problem = null
            true
        } catch (e: Exception) {
            // SteadyException.Store for "file is not a database" and the like;
            // anything else must not crash-loop the app either.
            problem = e.message ?: e.javaClass.simpleName
            false
        }
    }

    /** Copies the damaged database as it is, so nothing is lost before a reset. */
    fun copyDatabase(to: File): File {
        to.parentFile?.mkdirs()
        db.copyTo(to, overwrite = true)
        return to
    }

    /** Deletes the database (and SQLite's side files) and opens a fresh one. */
    fun deleteAndReopen(): Boolean {
        store?.close()
        store = null
        for (suffix in listOf("", "-wal", "-shm", "-journal")) File(db.path + suffix).delete()
        return open()
    }

    fun hasUnfinishedShift(): Boolean = try {
        store?.unfinishedShifts()?.isNotEmpty() == true
    } catch (e: SteadyException) {
        false
    }

    /** The running shift, else the interrupted one resumed, else a new one. */
    fun startOrResume(nowMs: Long): LiveShift? {
        shift?.let { return it }
        val s = store ?: return null
        val live = try {
            val unfinished = s.unfinishedShifts().lastOrNull()
            startedMs = unfinished?.startedMs ?: nowMs
            unfinished?.let { s.resumeShift(it.id) } ?: s.startShift(nowMs, defaultShiftConfig())
        } catch (e: SteadyException) {
            problem = e.message
            return null
        }
        attach(live)
        return live
    }

    /** After a process restart (the service came back): the interrupted shift, if any. Never a new one. */
    fun resumeUnfinished(): CoreBridge? {
        bridge?.let { return it }
        if (!open() || !hasUnfinishedShift()) return null
        startOrResume(0L)
        return bridge
    }

    val sink: CoreBridge? get() = bridge

    private fun attach(live: LiveShift) {
        shift = live
        bridge = CoreBridge(live, onStrap = { st -> post { onStrapState(st) } }) { events ->
            post { fromCore(events) }
        }
    }

    /** The core's events, on the main thread: note an offered prompt, pass them on. */
    private fun fromCore(events: List<ShiftEvent>) {
        for (e in events) if (e is ShiftEvent.PromptOffered) openPrompt = CoreBridge.promptContent(e.prompt)
        onEvents(events)
    }

    /** A call on the shift in order with the bridge's (packets, ticks), so the events reach [onEvents] in call order. */
    private fun <T> inOrder(s: LiveShift, call: (LiveShift) -> T): T {
        val b = bridge
        return if (b != null) b.inOrder(call) else call(s)
    }

    fun snapshot(): GaugeSnapshot? = shift?.snapshot()

    /** Passes the wearer's action on; `false` when the core refused it (nothing to undo). */
    fun act(nowMs: Long, action: UserAction): Boolean {
        val s = shift ?: return false
        try {
            inOrder(s) { it.userAction(nowMs, action) }
        } catch (e: SteadyException) {
            return false
        }
        if (action is UserAction.StartReset || action is UserAction.Snooze || action is UserAction.DismissPrompt) openPrompt = null
        return true
    }

    /** An answer from the prompt notification (its actions, its swipe). */
    fun answer(action: PromptAction, atMs: Long): Boolean = act(atMs, CoreBridge.userAction(action, RESET_PROTOCOL))

    /**
     * Ends the shift once: a second call (double tap, a recreated screen)
     * returns the same summary instead of the core's InvalidState.
     */
    fun end(nowMs: Long): ShiftSummary? {
        val s = shift ?: return null
        s.summary()?.let { return it }
        return try {
            inOrder(s) { it.end(nowMs) }
        } catch (e: SteadyException.InvalidState) {
            s.summary()
        }
    }

    /** The shift's gauge refreshes from the store (the summary chart); empty if it cannot be read. */
    fun gaugeSeries(): List<GaugeUpdate> {
        val id = shift?.snapshot()?.shiftId ?: return emptyList()
        return try {
            store?.gaugeSeries(id) ?: emptyList()
        } catch (e: SteadyException) {
            emptyList()
        }
    }

    fun history(): List<ShiftRecord> = try {
        store?.shifts() ?: emptyList()
    } catch (e: SteadyException) {
        emptyList()
    }

    /** Writes the shift as JSON to [out]; the message for the screen. */
    fun export(out: File): String {
        val id = shift?.snapshot()?.shiftId ?: return "Nothing to export"
        return try {
            store?.export(id, ExportFormat.JSON, out.path)
            "Saved ${out.name}"
        } catch (e: SteadyException) {
            "Export failed: ${e.message}"
        }
    }

    /** The guided reset's phases, from the core's protocol. */
    fun pacer(protocolId: String = RESET_PROTOCOL): Pacer {
        val p = resetProtocols().first { it.id == protocolId }
        return Pacer(
            p.phases.map {
                val phase = when (it.kind) {
                    BreathKind.INHALE, BreathKind.TOP_UP_INHALE -> BreathPhaseUi.IN
                    BreathKind.HOLD -> BreathPhaseUi.HOLD
                    else -> BreathPhaseUi.OUT
                }
                phase to it.durationMs.toLong()
            },
        )
    }

    /** After the summary: release the shift. */
    fun forget() {
        bridge?.close()
        bridge = null
        shift?.close()
        shift = null
        startedMs = null
        openPrompt = null
    }

    companion object {
        const val RESET_PROTOCOL = "paced_4_6"
    }
}
