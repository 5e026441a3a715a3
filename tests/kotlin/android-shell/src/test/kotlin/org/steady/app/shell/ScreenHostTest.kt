package org.steady.app.shell

import android.Manifest
import android.app.Activity
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Bundle
import android.provider.Settings
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.junit.After
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.steady.android.Notifications
import org.steady.app.state.SteadyUi
import java.io.File

/** What MainActivity forwards to [ScreenHost], on a plain Activity. */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class ScreenHostTest {
    private val dirs = mutableListOf<File>()
    private fun tmp(): File = kotlin.io.path.createTempDirectory("steady-host").toFile().also { dirs += it }

    @After
    fun cleanup() {
        dirs.forEach { it.deleteRecursively() }
    }

    private fun activity(intent: Intent? = null): Activity = Robolectric.buildActivity(Activity::class.java, intent).create().get()

    private fun running(): Rig = Rig(tmp()).also {
        it.straps.remember("AA:00:00:00:00:01", "Strap")
        it.controller.onVisible(true)
        it.beats(60)
    }

    @Test
    fun `a Start reset intent is handled when the Activity is created, not when it is recreated with it`() {
        val rig = running()
        val start = Intent(Notifications.ACTION_START_RESET).putExtra(Notifications.EXTRA_PROMPT_ID, 7L)
        ScreenHost(activity(start), rig.controller).onCreate(Bundle()) // recreated: its intent was handled before
        assertTrue("a recreated Activity's intent starts nothing: ${rig.controller.ui.value}", rig.controller.ui.value is SteadyUi.Live)
        ScreenHost(activity(start), rig.controller).onCreate(null)
        assertTrue("a new Activity's Start reset starts the reset", rig.controller.ui.value is SteadyUi.Reset)
    }

    @Test
    fun `onboarding asks Android for the permissions, the dialog's answer decides the screen, Settings opens the app's page`() {
        val rig = Rig(tmp(), missing = Permissions.required(34))
        val a = activity()
        val host = ScreenHost(a, rig.controller)
        host.onCreate(null)
        host.onStart()
        assertEquals(SteadyUi.Onboarding, rig.controller.ui.value)

        host.actions.continueOnboarding()
        val asked = shadowOf(a).lastRequestedPermission
        assertArrayEquals(Permissions.required().toTypedArray(), asked.requestedPermissions)

        val denied = PackageManager.PERMISSION_DENIED
        val granted = PackageManager.PERMISSION_GRANTED
        val perms = arrayOf(Manifest.permission.BLUETOOTH_SCAN, Manifest.permission.BLUETOOTH_CONNECT, Manifest.permission.POST_NOTIFICATIONS)
        shadowOf(a.packageManager).setShouldShowRequestPermissionRationale(Manifest.permission.POST_NOTIFICATIONS, true)
        host.onPermissionsResult(asked.requestCode, perms, intArrayOf(granted, granted, denied))
        assertEquals("refused once: ask again", SteadyUi.PermissionDenied(false, listOf("notifications")), rig.controller.ui.value)
        shadowOf(a.packageManager).setShouldShowRequestPermissionRationale(Manifest.permission.POST_NOTIFICATIONS, false)
        host.onPermissionsResult(asked.requestCode, perms, intArrayOf(granted, granted, denied))
        assertEquals("no rationale left: denied forever", SteadyUi.PermissionDenied(true, listOf("notifications")), rig.controller.ui.value)
        host.onPermissionsResult(asked.requestCode + 1, perms, intArrayOf(granted, granted, granted))
        assertEquals("another request's answer changes nothing", SteadyUi.PermissionDenied(true, listOf("notifications")), rig.controller.ui.value)

        host.actions.openSettings()
        val settings = shadowOf(a).nextStartedActivity
        assertEquals(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, settings.action)
        assertEquals(Uri.fromParts("package", a.packageName, null), settings.data)
        assertTrue("nothing started meanwhile", rig.platform.started.isEmpty() && rig.platform.scans == 0)
    }

    @Test
    fun `Back from the history after Done closes the screen, a destroyed screen is never closed later`() {
        val rig = running()
        val a = activity()
        val host = ScreenHost(a, rig.controller)
        host.onCreate(null)
        rig.controller.endShift()
        rig.controller.done()
        host.actions.back()
        assertTrue(a.isFinishing)
        assertNull(rig.core.shift)

        val gone = activity()
        ScreenHost(gone, rig.controller).apply { onCreate(null); onDestroy() }
        rig.controller.back()
        assertFalse(gone.isFinishing)
    }

    @Test
    fun `the reset runs over the lock screen, its pacer advances to the end, then the lock screen is back`() {
        val rig = running()
        val a = activity()
        val host = ScreenHost(a, rig.controller)
        host.onCreate(null)
        rig.controller.startReset()
        runBlocking {
            val frames = launch { host.whileShown(true) }
            yield() // the first frame, then it waits for the next one
            assertTrue("the reset shows over the lock screen, screen on", shadowOf(a).showWhenLocked && shadowOf(a).turnScreenOn)
            assertTrue(rig.controller.ui.value is SteadyUi.Reset)
            rig.now += 10 * 60_000L // the pacer is past its end at the next frame
            frames.join()
        }
        assertTrue(rig.controller.ui.value is SteadyUi.Live)
        assertFalse(shadowOf(a).showWhenLocked)
        assertFalse(shadowOf(a).turnScreenOn)

        runBlocking { host.whileShown(false) }
        assertFalse("no other screen over the lock screen", shadowOf(a).showWhenLocked)
    }
}
