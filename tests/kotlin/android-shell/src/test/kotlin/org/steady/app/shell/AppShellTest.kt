package org.steady.app.shell

import android.Manifest
import android.app.Activity
import android.app.Notification
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import org.junit.After
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertSame
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.steady.android.Clock
import org.steady.android.Notifications
import org.steady.android.PromptAction
import org.steady.android.PromptActionHandler
import org.steady.android.PromptActionReceiver
import org.steady.android.PromptContent
import org.steady.android.SeenStrap
import org.steady.app.state.BreathPhaseUi
import org.steady.app.state.SteadyUi
import org.steady.app.state.StrapLink
import org.steady.core.ShiftEvent
import java.io.File
import javax.xml.parsers.DocumentBuilderFactory

/** Records what the controller asks of Android. */
class FakePlatform(var missing: List<String> = emptyList()) : ShellPlatform {
    val started = mutableListOf<String>()
    var stopped = 0
    var cancelled = 0
    var scans = 0
    var onSeen: ((List<SeenStrap>) -> Unit)? = null
    val cues = mutableListOf<BreathPhaseUi>()
    lateinit var dir: File

    override fun missingPermissions() = missing
    override fun startService(address: String) {
        started += address
    }
    override fun stopService() {
        stopped++
    }
    override fun cancelPrompt() {
        cancelled++
    }
    override fun scan(onSeen: (List<SeenStrap>) -> Unit) {
        scans++
        this.onSeen = onSeen
    }
    override fun stopScan() {
        onSeen = null
    }
    override fun exportFile(name: String) = File(dir, name)
    override fun cue(phase: BreathPhaseUi) {
        cues += phase
    }
}

/** A controller over a real core (host library) in a temporary store. */
class Rig(val dir: File, val saved: SavedValues = MapSavedValues(), missing: List<String> = emptyList()) {
    var now = 1_764_000_000_000L
    val platform = FakePlatform(missing).also { it.dir = dir }
    lateinit var controller: ShiftController
    val core = CoreHolder(File(dir, "steady.db"), post = { it.run() }, onEvents = { controller.onEvents(it) })
    val straps = StrapMemory(RuntimeEnvironment.getApplication().getSharedPreferences("strap-${dir.name}", Context.MODE_PRIVATE))

    init {
        core.open()
        controller = ShiftController(core, straps, platform, saved, Clock { now })
    }

    /** [n] seconds of a steady 66-bpm strap through the shift's bridge. */
    fun beats(seconds: Int) {
        val sink = core.sink ?: error("no shift")
        repeat(seconds) {
            now += 1_000
            sink.onHeartRatePacket(byteArrayOf(0x16, 66, 0x9A.toByte(), 0x03), now)
        }
    }
}

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class AppShellTest {
    private val context: Context get() = RuntimeEnvironment.getApplication()
    private val dirs = mutableListOf<File>()
    private fun tmp(): File = kotlin.io.path.createTempDirectory("steady-shell").toFile().also { dirs += it }

    @After
    fun cleanup() {
        dirs.forEach { it.deleteRecursively() }
    }

    @Test
    fun `the permissions asked for match the Android version`() {
        assertEquals(
            listOf(Manifest.permission.BLUETOOTH_SCAN, Manifest.permission.BLUETOOTH_CONNECT, Manifest.permission.POST_NOTIFICATIONS),
            Permissions.required(34),
        )
        assertEquals(listOf(Manifest.permission.BLUETOOTH_SCAN, Manifest.permission.BLUETOOTH_CONNECT), Permissions.required(31))
        assertEquals(listOf(Manifest.permission.ACCESS_FINE_LOCATION), Permissions.required(30))
        assertEquals(Permissions.Outcome.Granted, Permissions.outcome(mapOf("a" to true, "b" to true)) { true })
        assertEquals(Permissions.Outcome.Denied(listOf("b"), forever = false), Permissions.outcome(mapOf("a" to true, "b" to false)) { true })
        assertEquals(Permissions.Outcome.Denied(listOf("b"), forever = true), Permissions.outcome(mapOf("a" to true, "b" to false)) { false })
    }

    @Test
    fun `nothing starts until every permission is granted, denied and denied forever have their screens`() {
        val rig = Rig(tmp(), missing = Permissions.required(34))
        val c = rig.controller
        c.onVisible(true)
        assertEquals(SteadyUi.Onboarding, c.ui.value)

        c.onPermissionOutcome(Permissions.Outcome.Denied(listOf(Manifest.permission.BLUETOOTH_SCAN), forever = false))
        assertEquals(SteadyUi.PermissionDenied(false, listOf("nearby devices")), c.ui.value)
        c.onPermissionOutcome(Permissions.Outcome.Denied(listOf(Manifest.permission.POST_NOTIFICATIONS), forever = true))
        assertEquals(SteadyUi.PermissionDenied(true, listOf("notifications")), c.ui.value)
        assertTrue("no service, no scan, no shift before the permissions", rig.platform.started.isEmpty() && rig.platform.scans == 0)
        assertNull(rig.core.shift)

        rig.platform.missing = emptyList()
        c.onPermissionOutcome(Permissions.Outcome.Granted)
        assertTrue(c.ui.value is SteadyUi.StrapPicker)
        assertEquals(1, rig.platform.scans)
        assertTrue("the picker scan starts no service", rig.platform.started.isEmpty())
    }

    @Test
    fun `the picker connects to the chosen strap only, and a new launch goes straight to it`() {
        val dir = tmp()
        val rig = Rig(dir)
        rig.controller.onVisible(true)
        rig.platform.onSeen!!(listOf(SeenStrap("AA:00:00:00:00:01", "Polar H10 1", -80), SeenStrap("AA:00:00:00:00:02", "Garmin HRM", -55)))
        val picker = rig.controller.ui.value as SteadyUi.StrapPicker
        assertEquals("strongest first", listOf("Garmin HRM", "Polar H10 1"), picker.straps.map { it.name })
        assertTrue(rig.platform.started.isEmpty())

        rig.controller.pickStrap("AA:00:00:00:00:01")
        assertEquals(listOf("AA:00:00:00:00:01"), rig.platform.started)
        assertTrue(rig.controller.ui.value is SteadyUi.Live)
        assertEquals("AA:00:00:00:00:01", rig.straps.address)
        rig.core.end(rig.now)
        rig.core.forget()

        // Next launch: same preferences, no picker, no scan.
        val again = Rig(dir)
        again.controller.onVisible(true)
        assertTrue(again.controller.ui.value is SteadyUi.Live)
        assertEquals(0, again.platform.scans)
        assertEquals(listOf("AA:00:00:00:00:01"), again.platform.started)
    }

    @Test
    fun `End shift twice shows one summary and does not throw`() {
        val rig = Rig(tmp())
        rig.straps.remember("AA:00:00:00:00:01", "Strap")
        rig.controller.onVisible(true)
        rig.beats(600)
        rig.controller.endShift()
        val first = rig.controller.ui.value as SteadyUi.Summary
        assertTrue("the chart has the stored gauge series", first.summary.points.size > 10)
        assertEquals("Shift of 10 min", first.summary.title)
        rig.now += 5_000
        rig.controller.endShift() // the double tap that used to crash with InvalidState
        assertEquals(first, rig.controller.ui.value)
        assertEquals("the core's end is idempotent through the holder", rig.core.end(rig.now), rig.core.end(rig.now + 1))
    }

    @Test
    fun `Back from the history after Done on the summary starts no new shift`() {
        val rig = Rig(tmp())
        rig.straps.remember("AA:00:00:00:00:01", "Strap")
        val c = rig.controller
        c.onVisible(true)
        rig.beats(300)
        assertEquals(listOf("AA:00:00:00:00:01"), rig.platform.started)
        c.endShift()
        c.done()
        assertTrue(c.ui.value is SteadyUi.History)

        c.back()
        assertEquals("no second service start", listOf("AA:00:00:00:00:01"), rig.platform.started)
        assertNull("no new shift in memory", rig.core.shift)
        assertFalse("no new shift in the store", rig.core.hasUnfinishedShift())
        assertTrue("still the history, not a live gauge: ${c.ui.value}", c.ui.value is SteadyUi.History)

        // The screen hidden and shown again (or rotated) after that: still nothing starts.
        c.onVisible(false)
        c.onVisible(true)
        assertEquals(listOf("AA:00:00:00:00:01"), rig.platform.started)
        assertNull(rig.core.shift)
    }

    @Test
    fun `a recreated screen keeps the reset and does not restart it for the same prompt intent`() {
        val dir = tmp()
        val saved = MapSavedValues()
        val rig = Rig(dir, saved)
        rig.straps.remember("AA:00:00:00:00:01", "Strap")
        rig.controller.onVisible(true)
        rig.beats(120)
        rig.controller.onIntent(Notifications.ACTION_START_RESET, 3)
        assertTrue(rig.controller.ui.value is SteadyUi.Reset)
        val start = saved[ShiftController.KEY_RESET_START]
        assertNotNull(start)
        assertEquals("the prompt notification is cancelled by the action", 1, rig.platform.cancelled)

        // Rotation: a new controller over the same saved state, the Activity re-delivers its intent.
        rig.now += 2_000
        val again = ShiftController(rig.core, rig.straps, rig.platform, saved, Clock { rig.now })
        again.onVisible(true)
        again.onIntent(Notifications.ACTION_START_RESET, 3)
        val p = (again.ui.value as SteadyUi.Reset).pacer
        assertEquals(start, saved[ShiftController.KEY_RESET_START])
        assertEquals("two seconds in, not restarted", BreathPhaseUi.IN, p.phase)
        assertTrue(p.secondsLeft < 4)

        // The pacer runs to the end and the reset is finished once.
        rig.now += 120_000
        again.onFrame()
        assertTrue(again.ui.value is SteadyUi.Live)
        assertNull(saved[ShiftController.KEY_RESET_START])
    }

    @Test
    fun `with no screen visible, events do no UI work, the screen catches up when shown`() {
        val rig = Rig(tmp())
        rig.straps.remember("AA:00:00:00:00:01", "Strap")
        val c = rig.controller
        c.onVisible(true)
        val before = c.ui.value
        c.onVisible(false)
        rig.beats(300) // five minutes of gauge events with the screen off
        assertSame("no new UI state while invisible", before, c.ui.value)
        c.onVisible(true)
        val live = c.ui.value as SteadyUi.Live
        assertEquals(StrapLink.STREAMING, live.gauge.link)
        assertNotNull(live.gauge.gauge)
    }

    @Test
    fun `a signal loss shows no signal, never a calm gauge`() {
        val rig = Rig(tmp())
        rig.straps.remember("AA:00:00:00:00:01", "Strap")
        rig.controller.onVisible(true)
        rig.beats(300)
        rig.controller.onEvents(listOf(ShiftEvent.SignalLost(rig.now)))
        val g = (rig.controller.ui.value as SteadyUi.Live).gauge
        assertEquals(StrapLink.NO_SIGNAL, g.link)
    }

    @Test
    fun `a damaged database opens the export and reset screen instead of crashing`() {
        val dir = tmp()
        val junk = ByteArray(8192) { (it * 31 + 7).toByte() }
        File(dir, "steady.db").writeBytes(junk)
        val rig = Rig(dir)
        assertNotNull(rig.core.problem)
        rig.controller.onVisible(true)
        assertTrue(rig.controller.ui.value is SteadyUi.StorageProblem)
        assertTrue(rig.platform.started.isEmpty())

        rig.controller.exportDamaged()
        assertArrayEquals("the copy is the file as it was", junk, File(dir, "steady-damaged.db").readBytes())
        rig.controller.resetDamaged()
        assertNull(rig.core.problem)
        assertFalse(rig.controller.ui.value is SteadyUi.StorageProblem)
    }

    @Test
    fun `after the process died the restarted service resumes the interrupted shift and never starts a new one`() {
        val dir = tmp()
        val first = Rig(dir)
        first.core.startOrResume(first.now)
        first.beats(300)
        val id = first.core.snapshot()!!.shiftId
        // Killed: no end(). A new process opens the same store.
        val second = Rig(dir)
        val sink = second.core.resumeUnfinished()
        assertNotNull(sink)
        assertEquals(id, second.core.snapshot()!!.shiftId)

        val fresh = Rig(tmp())
        assertNull("no interrupted shift: nothing to resume, nothing started", fresh.core.resumeUnfinished())
        assertNull(fresh.core.shift)
    }

    @Test
    fun `starting a reset from the prompt removes the prompt notification`() {
        Notifications.createChannels(context)
        val nm = context.getSystemService(NotificationManager::class.java)
        val open = PendingIntent.getActivity(context, 0, Intent(), PendingIntent.FLAG_IMMUTABLE)
        nm.notify(Notifications.PROMPT_ID, Notifications.prompt(context, PromptContent(4, "t", "x"), open))
        assertEquals(1, shadowOf(nm).allNotifications.size)
        AppPlatform(context).cancelPrompt()
        assertEquals(0, shadowOf(nm).allNotifications.size)
    }

    @Test
    fun `swiping the prompt away is reported to the core as not now`() {
        val open = PendingIntent.getActivity(context, 0, Intent(), PendingIntent.FLAG_IMMUTABLE)
        val n = Notifications.prompt(context, PromptContent(5, "t", "x"), open)
        assertNotNull("no deleteIntent: a swipe goes unreported", n.deleteIntent)
        val swipe = shadowOf(n.deleteIntent).savedIntent
        assertEquals(Notifications.ACTION_DISMISS, swipe.action)
        assertEquals(5L, swipe.getLongExtra(Notifications.EXTRA_PROMPT_ID, -1))
        val got = mutableListOf<PromptAction>()
        PromptActionReceiver.handler = PromptActionHandler { a, _, _ -> got += a }
        try {
            PromptActionReceiver().onReceive(context, swipe)
        } finally {
            PromptActionReceiver.handler = null
        }
        assertEquals(listOf(PromptAction.DISMISS), got)
        assertEquals(Notification.CATEGORY_REMINDER, n.category)
    }

    @Test
    fun `the reset shows over the lock screen and turns the screen on, only while it runs`() {
        val activity = Robolectric.buildActivity(Activity::class.java).create().get()
        LockScreen.showOverLock(activity, true)
        assertTrue("shown over the lock screen while the reset runs", shadowOf(activity).showWhenLocked)
        assertTrue("the screen turns on for the reset", shadowOf(activity).turnScreenOn)
        LockScreen.showOverLock(activity, false)
        assertFalse(shadowOf(activity).showWhenLocked)
        assertFalse(shadowOf(activity).turnScreenOn)
    }

    @Test
    fun `health data is excluded from cloud backup and from device-to-device transfer`() {
        val repo = File(System.getProperty("steady.repo") ?: "../../..")
        val manifest = File(repo, "android/app/src/main/AndroidManifest.xml")
        val doc = DocumentBuilderFactory.newInstance().apply { isNamespaceAware = true }.newDocumentBuilder().parse(manifest)
        val app = doc.getElementsByTagName("application").item(0) as org.w3c.dom.Element
        val ns = "http://schemas.android.com/apk/res/android"
        assertEquals("false", app.getAttributeNS(ns, "allowBackup"))
        assertEquals("@xml/data_extraction_rules", app.getAttributeNS(ns, "dataExtractionRules"))
        val rules = DocumentBuilderFactory.newInstance().newDocumentBuilder()
            .parse(File(repo, "android/app/src/main/res/xml/data_extraction_rules.xml"))
        for (section in listOf("cloud-backup", "device-transfer")) {
            val el = rules.getElementsByTagName(section).item(0) as org.w3c.dom.Element?
            assertNotNull("$section missing", el)
            val excluded = (0 until el!!.getElementsByTagName("exclude").length).map {
                (el.getElementsByTagName("exclude").item(it) as org.w3c.dom.Element).getAttribute("domain")
            }
            assertTrue("$section keeps the database and files: $excluded", excluded.containsAll(listOf("root", "file", "database", "sharedpref")))
            assertEquals("$section includes nothing", 0, el.getElementsByTagName("include").length)
        }
    }
}
