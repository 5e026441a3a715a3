package org.steady.android

import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.app.NotificationManager

/** The wearer's answer to a prompt, relayed to the core unchanged. */
enum class PromptAction { START_RESET, SNOOZE, DISMISS }

/** Implemented by the app over the core's user-action calls. */
fun interface PromptActionHandler {
    fun onPromptAction(action: PromptAction, promptId: Long, atMs: Long)
}

/**
 * Receives the prompt notification's actions. It holds no logic: it names
 * the action, stamps it, passes it on and removes the notification.
 */
class PromptActionReceiver : BroadcastReceiver() {
    override fun onReceive(context: Context, intent: Intent) {
        val action = when (intent.action) {
            Notifications.ACTION_START_RESET -> PromptAction.START_RESET
            Notifications.ACTION_SNOOZE -> PromptAction.SNOOZE
            Notifications.ACTION_DISMISS -> PromptAction.DISMISS
            else -> return
        }
        val promptId = intent.getLongExtra(Notifications.EXTRA_PROMPT_ID, -1)
        handler?.onPromptAction(action, promptId, clock.nowMs())
        context.getSystemService(NotificationManager::class.java)?.cancel(Notifications.PROMPT_ID)
    }

    companion object {
        /** Set by the app at start-up (the process-wide core holder). */
        @Volatile var handler: PromptActionHandler? = null
        @Volatile var clock: Clock = Clock.SYSTEM
    }
}
