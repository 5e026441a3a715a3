package org.steady.android

import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent

/** Text of a reset prompt; the app fills it from the core's prompt event. */
data class PromptContent(val promptId: Long, val title: String, val text: String)

/**
 * Notification channels and builders. Android 14 limits full-screen intents
 * to calling and alarm apps, so the reset prompt is a heads-up notification on
 * a high-importance channel, with actions the wearer can use without
 * unlocking: start the reset, snooze, or dismiss.
 */
object Notifications {
    const val CHANNEL_SHIFT = "steady.shift"
    const val CHANNEL_PROMPT = "steady.prompt"
    const val ONGOING_ID = 1
    const val PROMPT_ID = 2

    const val ACTION_START_RESET = "org.steady.action.START_RESET"
    const val ACTION_SNOOZE = "org.steady.action.SNOOZE"
    const val ACTION_DISMISS = "org.steady.action.DISMISS"
    const val EXTRA_PROMPT_ID = "org.steady.extra.PROMPT_ID"

    /** Idempotent: Android keeps the user's changes to an existing channel. */
    fun createChannels(context: Context) {
        val nm = context.getSystemService(NotificationManager::class.java) ?: return
        nm.createNotificationChannel(
            NotificationChannel(CHANNEL_SHIFT, "Shift in progress", NotificationManager.IMPORTANCE_LOW).apply {
                description = "Shown while Steady listens to your heart-rate strap"
                setShowBadge(false)
            },
        )
        nm.createNotificationChannel(
            NotificationChannel(CHANNEL_PROMPT, "Reset prompts", NotificationManager.IMPORTANCE_HIGH).apply {
                description = "A short nudge when activation stays high; offers a 30-second reset"
                enableVibration(true)
            },
        )
    }

    /** The foreground-service notification: quiet, ongoing, opens the app. */
    fun ongoing(context: Context, text: String, contentIntent: PendingIntent?): Notification =
        Notification.Builder(context, CHANNEL_SHIFT)
            .setSmallIcon(android.R.drawable.stat_sys_data_bluetooth)
            .setContentTitle("Steady")
            .setContentText(text)
            .setOngoing(true)
            .setCategory(Notification.CATEGORY_SERVICE)
            .setContentIntent(contentIntent)
            .build()

    /**
     * The reset prompt. [openReset] opens the app's reset screen (a tap on
     * the body or on "Start reset"; the app cancels the notification when it
     * handles it); snooze and dismiss go to [PromptActionReceiver] without
     * opening anything, and so does swiping the prompt away (its delete
     * intent), which the core hears as "not now".
     */
    fun prompt(context: Context, content: PromptContent, openReset: PendingIntent): Notification {
        fun broadcast(action: String, request: Int): PendingIntent =
            PendingIntent.getBroadcast(
                context,
                request,
                Intent(context, PromptActionReceiver::class.java)
                    .setAction(action)
                    .putExtra(EXTRA_PROMPT_ID, content.promptId),
                PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
            )
        return Notification.Builder(context, CHANNEL_PROMPT)
            .setSmallIcon(android.R.drawable.ic_popup_reminder)
            .setContentTitle(content.title)
            .setContentText(content.text)
            .setCategory(Notification.CATEGORY_REMINDER)
            .setAutoCancel(true)
            .setContentIntent(openReset)
            .setDeleteIntent(broadcast(ACTION_DISMISS, 3))
            .addAction(Notification.Action.Builder(null, "Start reset", openReset).build())
            .addAction(Notification.Action.Builder(null, "Snooze", broadcast(ACTION_SNOOZE, 1)).build())
            .addAction(Notification.Action.Builder(null, "Not now", broadcast(ACTION_DISMISS, 2)).build())
            .build()
    }
}
