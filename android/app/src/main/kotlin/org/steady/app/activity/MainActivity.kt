package org.steady.app.activity

import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Bundle
import android.provider.Settings
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.viewModels
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.delay
import org.steady.android.Notifications
import org.steady.app.shell.LockScreen
import org.steady.app.shell.Permissions
import org.steady.app.state.SteadyUi
import org.steady.app.state.UiActions
import org.steady.app.ui.SteadyApp
import org.steady.app.ui.SteadyTheme

/**
 * Glue only: hosts the screens, asks for permissions, and forwards the
 * lifecycle. Every decision is in [org.steady.app.shell.ShiftController],
 * held by [ShiftViewModel] so a rotation keeps it.
 */
class MainActivity : ComponentActivity() {
    private val vm: ShiftViewModel by viewModels()
    private val controller get() = vm.controller

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // A recreated Activity (rotation) carries its old intent: do not handle it again.
        if (savedInstanceState == null) handle(intent)
        val actions = object : UiActions by controller {
            override fun continueOnboarding() = requestPermissions(Permissions.required().toTypedArray(), REQUEST_PERMISSIONS)
            override fun openSettings() = startActivity(
                Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", packageName, null)),
            )
        }
        setContent {
            SteadyTheme {
                val ui by controller.ui.collectAsStateWithLifecycle()
                val resetting = ui is SteadyUi.Reset
                LaunchedEffect(resetting) {
                    LockScreen.showOverLock(this@MainActivity, resetting)
                    while (resetting) {
                        controller.onFrame()
                        delay(100)
                    }
                }
                SteadyApp(ui, actions)
            }
        }
    }

    override fun onStart() {
        super.onStart()
        controller.onVisible(true)
    }

    override fun onStop() {
        controller.onVisible(false)
        super.onStop()
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        handle(intent)
    }

    private fun handle(intent: Intent?) =
        controller.onIntent(intent?.action, intent?.getLongExtra(Notifications.EXTRA_PROMPT_ID, -1L) ?: -1L)

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        if (requestCode != REQUEST_PERMISSIONS) return
        val granted = permissions.indices.associate { permissions[it] to (grantResults.getOrNull(it) == PackageManager.PERMISSION_GRANTED) }
        controller.onPermissionOutcome(Permissions.outcome(granted) { shouldShowRequestPermissionRationale(it) })
    }

    private companion object {
        const val REQUEST_PERMISSIONS = 1
    }
}
