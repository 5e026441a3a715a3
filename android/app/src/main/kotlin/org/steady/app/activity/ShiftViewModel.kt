package org.steady.app.activity

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.SavedStateHandle
import org.steady.app.shell.AppPlatform
import org.steady.app.shell.SavedValues
import org.steady.app.shell.ShiftController
import org.steady.app.shell.SteadyApplication

/** Keeps the [ShiftController] across rotations; its saved values go to the SavedStateHandle (process death too). */
class ShiftViewModel(app: Application, handle: SavedStateHandle) : AndroidViewModel(app) {
    private val steady = app as SteadyApplication

    val controller = ShiftController(
        steady.core,
        steady.straps,
        AppPlatform(steady),
        object : SavedValues {
            override fun get(key: String): Any? = handle[key]
            override fun set(key: String, value: Any?) {
                handle[key] = value
            }
        },
    )

    init {
        steady.resetActivity = MainActivity::class.java
        steady.listener = controller::onEvents
        steady.strapListener = controller::onStrapState
    }

    override fun onCleared() {
        steady.listener = null
        steady.strapListener = null
    }
}
