package org.steady.app.shell

import android.app.Activity
import android.app.NotificationManager
import android.os.Looper
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.steady.android.Clock
import org.steady.android.Notifications
import org.steady.android.PromptActionReceiver
import org.steady.app.state.SteadyUi

/**
 * The in-app prompt card and the prompt notification show the same prompt,
 * and an answer given on either one closes both: the card shows what the
 * core still has open. The prompt is a real one from the core (recorded
 * beats with an activated stretch, see [recordedPackets]), the notification
 * is the one the app posted, its action goes through the app's receiver.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], application = SteadyApplication::class)
class PromptCardTest {
    private val app get() = RuntimeEnvironment.getApplication() as SteadyApplication
    private var now = 1_764_057_600_000L // 07:00 UTC

    @After
    fun restore() {
        PromptActionReceiver.clock = Clock.SYSTEM
    }

    private fun idle() = shadowOf(Looper.getMainLooper()).idle()

    @Test
    fun `Snooze on the prompt notification removes the in-app prompt card`() {
        val clock = Clock { now }
        PromptActionReceiver.clock = clock
        app.resetActivity = Activity::class.java
        shadowOf(app).grantPermissions(*Permissions.required(34).toTypedArray())
        app.straps.remember("C4:7C:8D:6A:21:4D", "Polar H10 6A214D")
        val c = ShiftController(app.core, app.straps, AppPlatform(app), MapSavedValues(), clock)
        app.listener = c::onEvents
        c.onVisible(true) // the screen is open: the shift starts
        val sink = checkNotNull(app.core.sink) { "opening the screen started no shift" }
        val nm = app.getSystemService(NotificationManager::class.java)

        // Beats until the core offers its first prompt (in the activated stretch at 2 h, 100 bpm).
        for ((i, p) in recordedPackets(now, 3, activatedAtH = listOf(2), activatedRrMs = 600.0).withIndex()) {
            now = p.first
            sink.onHeartRatePacket(p.second, now)
            if (i % 30 == 0) {
                idle()
                if (shadowOf(nm).getNotification(Notifications.PROMPT_ID) != null) break
            }
        }
        idle()
        val n = shadowOf(nm).getNotification(Notifications.PROMPT_ID)
        assertNotNull("the core offered no prompt in 3 h of recorded beats with 25 activated minutes at 100 bpm", n)
        val card = (c.ui.value as SteadyUi.Live).prompt
        assertNotNull("the screen shows the prompt as a card too", card)
        assertEquals(n.extras.getString(android.app.Notification.EXTRA_TITLE), card!!.title)

        // The wearer answers on the notification (heads-up or lock screen): Snooze.
        val snooze = n.actions.single { it.title.toString() == "Snooze" }
        now += 5_000
        PromptActionReceiver().onReceive(app, shadowOf(snooze.actionIntent).savedIntent)
        idle()
        assertNull("the notification is gone", shadowOf(nm).getNotification(Notifications.PROMPT_ID))
        assertNull("the core has the prompt snoozed: the card is gone too", (c.ui.value as SteadyUi.Live).prompt)

        // A recreated screen (rotation) does not bring the answered card back.
        c.onVisible(false)
        val again = ShiftController(app.core, app.straps, AppPlatform(app), MapSavedValues(), clock)
        app.listener = again::onEvents
        again.onVisible(true)
        assertNull((again.ui.value as SteadyUi.Live).prompt)
    }
}
