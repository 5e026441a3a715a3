package org.steady.app

import android.app.Application
import android.app.PendingIntent
import android.content.Intent
import android.os.Handler
import android.os.Looper
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import org.steady.android.CoreBridge
import org.steady.android.Notifications
import org.steady.android.PromptActionReceiver
import org.steady.android.StrapService
import org.steady.core.ShiftEvent
import org.steady.ffi.LiveShift
import org.steady.ffi.SteadyStore
import org.steady.ffi.defaultShiftConfig

/**
 * Holds the core for the process: the store, the running shift and its
 * bridge. Screens observe [events]; the service and the notification actions
 * talk to the bridge. Relays only.
 */
class SteadyApplication : Application() {
    lateinit var store: SteadyStore
        private set
    var shift: LiveShift? = null
        private set
    private var bridge: CoreBridge? = null

    private val main = Handler(Looper.getMainLooper())
    private val _events = MutableStateFlow<List<ShiftEvent>>(emptyList())
    val events: StateFlow<List<ShiftEvent>> = _events

    override fun onCreate() {
        super.onCreate()
        Notifications.createChannels(this)
        // Health data stays on the device: the database lives in the app's
        // private files (and allowBackup=false keeps it out of backups).
        store = SteadyStore.open(filesDir.resolve("steady.db").path)
        // An interrupted shift (the process was killed) continues.
        store.unfinishedShifts().lastOrNull()?.let { attach(store.resumeShift(it.id)) }
    }

    fun startShift(nowMs: Long = System.currentTimeMillis()) {
        if (shift != null) return
        attach(store.startShift(nowMs, defaultShiftConfig()))
    }

    fun endShift(nowMs: Long = System.currentTimeMillis()) {
        val s = shift ?: return
        s.end(nowMs)
        StrapService.stop(this)
        StrapService.sink = null
        PromptActionReceiver.handler = null
    }

    fun forgetEndedShift() {
        bridge?.close()
        bridge = null
        shift?.close()
        shift = null
    }

    private fun attach(s: LiveShift) {
        shift = s
        val b = CoreBridge(s) { events ->
            // Called on the BLE thread: hand over to the main thread.
            main.post { onCoreEvents(events) }
        }
        bridge = b
        StrapService.sink = b
        PromptActionReceiver.handler = b
        StrapService.start(this)
    }

    private fun onCoreEvents(events: List<ShiftEvent>) {
        _events.value = events
        for (e in events) {
            if (e is ShiftEvent.PromptOffered) {
                val open = PendingIntent.getActivity(
                    this,
                    0,
                    Intent(this, MainActivity::class.java).setAction(Notifications.ACTION_START_RESET),
                    PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT,
                )
                StrapService.showPrompt(this, CoreBridge.promptContent(e.prompt), open)
            }
        }
    }
}
