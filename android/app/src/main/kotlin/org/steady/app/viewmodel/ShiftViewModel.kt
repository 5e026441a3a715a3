package org.steady.app.viewmodel

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.SavedStateHandle
import org.steady.android.StrapState
import org.steady.app.shell.AppPlatform
import org.steady.app.shell.SavedValues
import org.steady.app.shell.ShiftController
import org.steady.app.shell.SteadyApplication
import org.steady.core.ShiftEvent

/**
 * Keeps the [ShiftController] across rotations; its saved values go to the
 * SavedStateHandle, which Android keeps across process death too.
 *
 * Compiled and tested against androidx lifecycle's Android artifacts from
 * Maven Central (tests/kotlin/android-shell).
 */
class ShiftViewModel(app: Application, handle: SavedStateHandle) : AndroidViewModel(app) {
    private val steady = app as SteadyApplication

    val controller = ShiftController(steady.core, steady.straps, AppPlatform(steady), HandleValues(handle))

    // Kept as values: onCleared removes these only, never those of a newer
    // ViewModel that already took over (a finished Activity's ViewModel is
    // cleared after the next Activity created its own).
    private val events: (List<ShiftEvent>) -> Unit = controller::onEvents
    private val strap: (StrapState) -> Unit = controller::onStrapState

    init {
        steady.listener = events
        steady.strapListener = strap
    }

    public override fun onCleared() {
        if (steady.listener === events) steady.listener = null
        if (steady.strapListener === strap) steady.strapListener = null
    }
}

/** [SavedValues] in a [SavedStateHandle] (values must be what a Bundle takes: the controller keeps strings and longs). */
class HandleValues(private val handle: SavedStateHandle) : SavedValues {
    override fun get(key: String): Any? = handle[key]

    override fun set(key: String, value: Any?) {
        handle[key] = value
    }
}
