package org.steady.app.shell

import android.app.Activity
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Bundle
import android.provider.Settings
import kotlinx.coroutines.delay
import org.steady.android.Notifications
import org.steady.app.state.SteadyUi
import org.steady.app.state.UiActions

/**
 * Everything the app's one Activity does, over a plain [Activity]: the
 * Activity (androidx `ComponentActivity` with Compose, Gradle-only) forwards
 * its callbacks here and holds no decision of its own, so this is compiled
 * and tested under Robolectric like the rest of the shell.
 */
class ScreenHost(private val activity: Activity, private val controller: ShiftController) {
    /** What the screens' buttons do: the controller, plus the two that need the Activity. */
    val actions: UiActions = object : UiActions by controller {
        override fun continueOnboarding() = activity.requestPermissions(Permissions.required().toTypedArray(), REQUEST_PERMISSIONS)

        override fun openSettings() = activity.startActivity(
            Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", activity.packageName, null)),
        )
    }

    /**
     * `Activity.onCreate`. A recreated Activity (rotation) carries the intent
     * it was started with: that one was handled already ([savedInstanceState]
     * is not null then).
     */
    fun onCreate(savedInstanceState: Bundle?) {
        (activity.application as? SteadyApplication)?.resetActivity = activity.javaClass
        controller.onLeave = activity::finish
        if (savedInstanceState == null) onIntent(activity.intent)
    }

    /** `Activity.onDestroy`: the controller outlives this Activity, it must not finish it later. */
    fun onDestroy() {
        controller.onLeave = {}
    }

    fun onStart() = controller.onVisible(true)

    fun onStop() = controller.onVisible(false)

    /** The launch intent or a new one (`onNewIntent`): "Start reset" from a prompt. */
    fun onIntent(intent: Intent?) =
        controller.onIntent(intent?.action, intent?.getLongExtra(Notifications.EXTRA_PROMPT_ID, -1L) ?: -1L)

    /** `onRequestPermissionsResult`: granted or not per permission, and whether Android would still ask. */
    fun onPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        if (requestCode != REQUEST_PERMISSIONS) return
        val granted = permissions.indices.associate { permissions[it] to (grantResults.getOrNull(it) == PackageManager.PERMISSION_GRANTED) }
        controller.onPermissionOutcome(Permissions.outcome(granted) { activity.shouldShowRequestPermissionRationale(it) })
    }

    /**
     * While a screen is shown (the composition's effect, cancelled when
     * [resetting] changes): the reset shows over the lock screen and its
     * pacer advances every [FRAME_MS] until it ends; every other screen stays
     * behind the lock.
     */
    suspend fun whileShown(resetting: Boolean) {
        LockScreen.showOverLock(activity, resetting)
        if (!resetting) return
        while (controller.ui.value is SteadyUi.Reset) {
            controller.onFrame()
            if (controller.ui.value !is SteadyUi.Reset) break
            delay(FRAME_MS)
        }
        LockScreen.showOverLock(activity, false)
    }

    companion object {
        const val REQUEST_PERMISSIONS = 1

        /** The pacer's display step during the reset. */
        const val FRAME_MS = 100L
    }
}
