package org.steady.app.activity

import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.viewModels
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.steady.app.shell.ScreenHost
import org.steady.app.state.SteadyUi
import org.steady.app.ui.SteadyApp
import org.steady.app.ui.SteadyTheme
import org.steady.app.viewmodel.ShiftViewModel

/**
 * Glue only: forwards the Activity's callbacks to [ScreenHost] (every
 * decision is there or in the controller, tested in tests/kotlin) and draws
 * the controller's state. [ShiftViewModel] keeps the controller across a
 * rotation.
 */
class MainActivity : ComponentActivity() {
    private val vm: ShiftViewModel by viewModels()
    private lateinit var host: ScreenHost

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        host = ScreenHost(this, vm.controller)
        host.onCreate(savedInstanceState)
        setContent {
            SteadyTheme {
                val ui by vm.controller.ui.collectAsStateWithLifecycle()
                val resetting = ui is SteadyUi.Reset
                LaunchedEffect(resetting) { host.whileShown(resetting) }
                SteadyApp(ui, host.actions)
            }
        }
    }

    override fun onStart() {
        super.onStart()
        host.onStart()
    }

    override fun onStop() {
        host.onStop()
        super.onStop()
    }

    override fun onDestroy() {
        host.onDestroy()
        super.onDestroy()
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        host.onIntent(intent)
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        host.onPermissionsResult(requestCode, permissions, grantResults)
    }
}
