package org.steady.app.shell

import android.app.Application
import android.app.PendingIntent
import android.content.Intent
import android.os.Handler
import android.os.Looper
import org.steady.android.CoreBridge
import org.steady.android.Notifications
import org.steady.android.PromptActionHandler
import org.steady.android.PromptActionReceiver
import org.steady.android.StrapServiceHost
import org.steady.android.StrapSink
import org.steady.android.StrapState
import org.steady.android.StrapService
import org.steady.core.ShiftEvent

/**
 * The process: holds the core ([core]) and the remembered strap ([straps]),
 * posts the prompt notifications, and relays the core's events to the screen
 * that listens ([listener], the ViewModel's controller).
 *
 * `onCreate` starts nothing: it runs on every process start, also when the
 * system restarts the service in the background, where starting a foreground
 * service is refused (Android 12+). A damaged database does not throw here;
 * [CoreHolder.problem] sends the screen to its export/reset choice.
 */
class SteadyApplication : Application(), StrapServiceHost {
    lateinit var core: CoreHolder
        private set
    lateinit var straps: StrapMemory
        private set

    /**
     * The screen: the core's events on the main thread, and an empty list
     * after a prompt was answered from its notification (re-read the state).
     */
    @Volatile var listener: ((List<ShiftEvent>) -> Unit)? = null
    @Volatile var strapListener: ((StrapState) -> Unit)? = null

    /** Which activity a prompt opens (the app's MainActivity; set by it, tests use their own). */
    var resetActivity: Class<*>? = null

    private val main = Handler(Looper.getMainLooper())

    override fun onCreate() {
        super.onCreate()
        Notifications.createChannels(this)
        straps = StrapMemory(getSharedPreferences(StrapMemory.FILE, MODE_PRIVATE))
        core = CoreHolder(
            filesDir.resolve("steady.db"),
            post = { main.post(it) },
            onEvents = ::onCoreEvents,
            onStrapState = { strapListener?.invoke(it) },
        )
        core.open()
        // The core takes the answer for its open prompt; the screen then re-reads
        // what it shows (an empty event list), so its card closes as well.
        PromptActionReceiver.handler = PromptActionHandler { action, _, atMs ->
            if (core.answer(action, atMs)) listener?.invoke(emptyList())
        }
    }

    /** The system restarted the service (process killed mid-shift): resume the interrupted shift, if any. */
    override fun sinkForService(): StrapSink? = core.resumeUnfinished()

    override fun chosenStrapAddress(): String? = straps.address

    private fun onCoreEvents(events: List<ShiftEvent>) {
        for (e in events) {
            if (e is ShiftEvent.PromptOffered) {
                val content = CoreBridge.promptContent(e.prompt)
                val target = resetActivity ?: packageManager.getLaunchIntentForPackage(packageName)?.component?.className?.let { Class.forName(it) }
                val intent = (target?.let { Intent(this, it) } ?: Intent())
                    .setAction(Notifications.ACTION_START_RESET)
                    .putExtra(Notifications.EXTRA_PROMPT_ID, content.promptId)
                    .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_SINGLE_TOP)
                val open = PendingIntent.getActivity(this, 0, intent, PendingIntent.FLAG_IMMUTABLE or PendingIntent.FLAG_UPDATE_CURRENT)
                StrapService.showPrompt(this, content, open)
            }
        }
        listener?.invoke(events)
    }
}
