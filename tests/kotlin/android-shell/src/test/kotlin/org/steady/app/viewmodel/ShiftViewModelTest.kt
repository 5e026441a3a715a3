package org.steady.app.viewmodel

import androidx.lifecycle.SavedStateHandle
import androidx.lifecycle.ViewModelProvider
import androidx.lifecycle.ViewModelStore
import androidx.lifecycle.viewmodel.initializer
import androidx.lifecycle.viewmodel.viewModelFactory
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertSame
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.steady.app.shell.Permissions
import org.steady.app.shell.ShiftController
import org.steady.app.shell.SteadyApplication
import org.steady.app.state.SteadyUi

/** ShiftViewModel on androidx lifecycle's Android classes (ViewModelStore, SavedStateHandle and its Bundle). */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], application = SteadyApplication::class)
class ShiftViewModelTest {
    private val app get() = RuntimeEnvironment.getApplication() as SteadyApplication

    private fun provider(store: ViewModelStore, handle: SavedStateHandle) =
        ViewModelProvider(store, viewModelFactory { initializer { ShiftViewModel(app, handle) } })

    @Test
    fun `the screen survives a rotation in the ViewModel and process death in the SavedStateHandle's Bundle`() {
        shadowOf(app).grantPermissions(*Permissions.required(34).toTypedArray())
        app.straps.remember("AA:00:00:00:00:01", "Strap")
        val store = ViewModelStore()
        val handle = SavedStateHandle()
        val vm = provider(store, handle)[ShiftViewModel::class.java]
        assertSame("a rotation gets the same ViewModel back", vm, provider(store, handle)[ShiftViewModel::class.java])
        vm.controller.onVisible(true)
        assertTrue(vm.controller.ui.value is SteadyUi.Live)
        vm.controller.startReset()
        vm.controller.showHistory()
        assertEquals("history", handle.get<String>(ShiftController.KEY_SCREEN))
        assertNotNull("the reset's start (a Long) is kept", handle.get<Long>(ShiftController.KEY_RESET_START))

        // Process death: Android keeps the handle's Bundle; a new ViewModel starts from it.
        val bundle = handle.savedStateProvider().saveState()
        val restored = ShiftViewModel(app, SavedStateHandle.createHandle(bundle, null))
        restored.controller.onVisible(true)
        assertTrue(restored.controller.ui.value is SteadyUi.History)
        store.clear()
    }

    @Test
    fun `an old ViewModel cleared after a newer one took over leaves the newer one's listeners`() {
        val oldStore = ViewModelStore()
        provider(oldStore, SavedStateHandle())[ShiftViewModel::class.java]
        val newStore = ViewModelStore()
        provider(newStore, SavedStateHandle())[ShiftViewModel::class.java]
        val listener = app.listener
        oldStore.clear() // the finished Activity's ViewModel goes after the new one was made
        assertSame(listener, app.listener)
        assertNotNull(app.strapListener)
        newStore.clear()
        assertNull(app.listener)
        assertNull(app.strapListener)
    }
}
