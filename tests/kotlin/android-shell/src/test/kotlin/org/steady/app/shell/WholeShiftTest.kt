package org.steady.app.shell

import android.app.Activity
import android.app.Notification
import android.app.NotificationManager
import android.bluetooth.BluetoothGatt
import android.bluetooth.BluetoothGattCharacteristic
import android.bluetooth.BluetoothGattDescriptor
import android.bluetooth.BluetoothManager
import android.bluetooth.BluetoothProfile
import android.bluetooth.le.ScanResult
import android.bluetooth.le.ScanSettings
import android.content.ComponentName
import android.os.Looper
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.steady.android.Clock
import org.steady.android.GattUuids
import org.steady.android.Notifications
import org.steady.android.PromptActionReceiver
import org.steady.android.StrapService
import org.steady.app.state.SteadyUi
import org.steady.app.state.StrapLink
import org.steady.app.state.Tone
import org.steady.core.ShiftEvent
import java.io.File
import kotlin.math.roundToInt

/**
 * RR intervals of a real 24-h Holter recording (PhysioNet nsr2db, record
 * nsr001; see ../shared/data/README.md), packed into 0x2A37 notifications
 * the way a chest strap sends them: about one a second, with the RR
 * intervals that ended since the previous one (flags 0x16: RR present,
 * contact detected, uint8 HR; RR in 1/1024 s).
 *
 * The recording has no stretch the model reads as stress, so at each hour in
 * [activatedAtH] 25 minutes of sustained activation are inserted (generated,
 * fixed seed): RR intervals of [activatedRrMs] (650 ms: about 92 bpm) with
 * low beat-to-beat variation, the wearer still: above this recording's awake
 * calm rate and below the rate it takes for physical effort (20 % of the
 * heart-rate reserve above the baseline the model has learned by then). The
 * recording's first hours run near 90 bpm, so an insert in them needs a
 * faster rate (600 ms: 100 bpm) to stand out from the baseline learned there;
 * so does any insert on a first shift once its learned baseline is held
 * (after 30 still minutes, docs/model.md §2).
 */
internal fun recordedPackets(
    startMs: Long,
    hours: Int,
    activatedAtH: List<Int>,
    activatedRrMs: Double = 650.0,
): List<Pair<Long, ByteArray>> {
    val dir = System.getenv("STEADY_SHARED_DATA")?.let(::File)
        ?: File(System.getProperty("steady.repo") ?: error("steady.repo not set"), "../shared/data")
    val f = File(dir, "physionet-nsr2db/nsr2db_nsr001_rr_secs.txt")
    check(f.isFile) { "missing ${f.canonicalPath} (set STEADY_SHARED_DATA)" }
    val recorded = f.readLines().drop(1).mapNotNull { it.trim().toDoubleOrNull() }.map { it * 1000 }
    val rng = java.util.Random(7)
    val rr = ArrayList<Double>()
    var t = 0.0
    val inserts = activatedAtH.map { it * 3_600_000.0 }.toMutableList()
    for (r in recorded) {
        if (inserts.isNotEmpty() && t >= inserts.first()) {
            inserts.removeAt(0)
            var d = 0.0
            while (d < 25 * 60_000.0) {
                val x = activatedRrMs + 5.0 * rng.nextGaussian()
                rr += x
                d += x
            }
            t += d
        }
        rr += r
        t += r
        if (t > hours * 3_600_000.0) break
    }
    val out = ArrayList<Pair<Long, ByteArray>>()
    var beatEnd = startMs.toDouble()
    var nextSend = startMs + 1000L
    val pending = ArrayList<Double>()
    for (r in rr) {
        beatEnd += r
        while (beatEnd >= nextSend) {
            if (pending.isNotEmpty()) {
                val hr = (60_000.0 / pending.average()).roundToInt().coerceIn(0, 255)
                val bytes = ByteArray(2 + 2 * pending.size)
                bytes[0] = 0x16
                bytes[1] = hr.toByte()
                pending.forEachIndexed { i, v ->
                    val units = (v * 1.024).roundToInt()
                    bytes[2 + 2 * i] = (units and 0xFF).toByte()
                    bytes[3 + 2 * i] = (units shr 8).toByte()
                }
                out += nextSend to bytes
                pending.clear()
            }
            nextSend += 1000
        }
        pending += r
    }
    return out
}

/**
 * A 12-hour shift through the Android code at simulated time: the real
 * Application, screen logic, foreground service, GATT client (Robolectric's
 * shadow GATT, its callbacks fed recorded packets), the core and its store,
 * and the notifications. Along the way: permissions granted, the strap
 * chosen in the picker, two activated stretches (see [recordedPackets]), a 10-minute dropout with an autoConnect return, the
 * process killed and the service restarted by the system (the shift resumed
 * from the store), prompts checked, one taken from the lock screen and one
 * swiped away, End shift, summary.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], application = SteadyApplication::class)
class WholeShiftTest {
    private val app get() = RuntimeEnvironment.getApplication() as SteadyApplication
    private var now = 1_764_057_600_000L // 07:00 UTC

    @After
    fun restore() {
        StrapService.clock = Clock.SYSTEM
        PromptActionReceiver.clock = Clock.SYSTEM
    }

    private fun idle() = shadowOf(Looper.getMainLooper()).idle()

    private val hrm = BluetoothGattCharacteristic(GattUuids.HEART_RATE_MEASUREMENT, BluetoothGattCharacteristic.PROPERTY_NOTIFY, 0)
    private val cccd = BluetoothGattDescriptor(GattUuids.CLIENT_CHARACTERISTIC_CONFIG, BluetoothGattDescriptor.PERMISSION_WRITE)

    /** The strap answers: connected, notifications on. */
    private fun streaming(g: BluetoothGatt) {
        val cb = shadowOf(g).gattCallback
        cb.onConnectionStateChange(g, BluetoothGatt.GATT_SUCCESS, BluetoothProfile.STATE_CONNECTED)
        cb.onDescriptorWrite(g, cccd, BluetoothGatt.GATT_SUCCESS)
    }

    @Test
    fun `a 12-hour shift through service, GATT, core and notifications, with a dropout, a process kill, prompts and the summary`() {
        val clock = Clock { now }
        StrapService.clock = clock
        PromptActionReceiver.clock = clock
        app.resetActivity = Activity::class.java
        val nm = app.getSystemService(NotificationManager::class.java)
        val adapter = app.getSystemService(BluetoothManager::class.java).adapter
        shadowOf(adapter).setEnabled(true)
        assertNull("Application.onCreate starts no service", shadowOf(app).nextStartedService)

        // First launch: onboarding until the permissions are granted.
        val saved = MapSavedValues() // the SavedStateHandle: survives the process
        val seen = ArrayList<ShiftEvent>()
        fun screen(): ShiftController {
            val c = ShiftController(app.core, app.straps, AppPlatform(app), saved, clock)
            app.listener = { e -> seen += e; c.onEvents(e) }
            app.strapListener = c::onStrapState
            return c
        }
        var c = screen()
        c.onVisible(true)
        assertEquals(SteadyUi.Onboarding, c.ui.value)
        shadowOf(app).grantPermissions(*Permissions.required(34).toTypedArray())
        c.onPermissionOutcome(Permissions.Outcome.Granted)

        // The picker: two straps heard, the wearer picks hers.
        val scanner = shadowOf(adapter.bluetoothLeScanner)
        val mine = adapter.getRemoteDevice("C4:7C:8D:6A:21:4D").also { shadowOf(it).setName("Polar H10 6A214D") }
        val other = adapter.getRemoteDevice("E1:02:33:44:55:66").also { shadowOf(it).setName("HRM-Dual") }
        for (r in listOf(ScanResult(other, null, -58, 0), ScanResult(mine, null, -64, 0))) {
            scanner.scanCallbacks.single().onScanResult(ScanSettings.CALLBACK_TYPE_ALL_MATCHES, r)
        }
        val picker = c.ui.value as SteadyUi.StrapPicker
        assertEquals(listOf("HRM-Dual", "Polar H10 6A214D"), picker.straps.map { it.name })
        assertNull("nothing started while choosing", shadowOf(app).nextStartedService)
        c.pickStrap(mine.address)
        val start = shadowOf(app).nextStartedService
        assertEquals(ComponentName(app, StrapService::class.java), start.component)
        assertEquals(mine.address, start.getStringExtra(StrapService.EXTRA_ADDRESS))
        val shiftId = app.core.snapshot()!!.shiftId
        c.onVisible(false) // phone in the pocket

        var service = Robolectric.buildService(StrapService::class.java, start).create().startCommand(0, 1).get()
        var gatt = service.gattClient!!.connection!!
        streaming(gatt)

        // 100 bpm: the first shift holds the baseline it learned in the
        // recording's first hours (near 90 bpm, docs/model.md §2), so a
        // 92 bpm insert later in the day no longer stands out from it.
        val packets = recordedPackets(now, 12, activatedAtH = listOf(2, 5, 9), activatedRrMs = 600.0)
        val startMs = now
        val dropoutAt = startMs + 4 * 3_600_000L
        val killAt = startMs + 6 * 3_600_000L
        var dropped = false
        var killed = false
        var taken = 0
        var swiped = 0
        var sawNoSignal = false
        val lockScreen = Robolectric.buildActivity(Activity::class.java).create().get()

        for ((i, p) in packets.withIndex()) {
            val (at, bytes) = p
            if (!dropped && at >= dropoutAt) {
                // Out of range for 10 minutes: the link drops; the same autoConnect
                // connection waits (no new connection, no app timer).
                dropped = true
                shadowOf(gatt).gattCallback.onConnectionStateChange(gatt, BluetoothGatt.GATT_SUCCESS, BluetoothProfile.STATE_DISCONNECTED)
                val back = at + 10 * 60_000L
                val ticks = shadowOf(service.tickLooper)
                while (now < back) {
                    // The service's own tick thread, no screen alive: every 5 s it
                    // tells the core the time, so the silence is noticed.
                    now += StrapService.TICK_MS
                    ticks.idleFor(java.time.Duration.ofMillis(StrapService.TICK_MS))
                }
                idle()
                assertTrue("the service's ticks made the core notice the silence", seen.any { it is ShiftEvent.SignalLost })
                c.onVisible(true)
                val g = (c.ui.value as SteadyUi.Live).gauge
                sawNoSignal = g.link == StrapLink.NO_SIGNAL && g.tone == Tone.NO_SIGNAL && g.gauge == null
                c.onVisible(false)
                assertFalse("autoConnect: the connection is kept", shadowOf(gatt).isClosed)
                streaming(gatt) // the strap is back in range
                continue
            }
            if (at in (dropoutAt + 1)..(dropoutAt + 10 * 60_000L)) continue // nothing heard during the dropout
            if (!killed && at >= killAt) {
                // Android kills the process: the in-memory shift, the screen and the
                // service object are gone; the store and the saved screen state stay.
                killed = true
                idle()
                app.core.forget()
                c = screen()
                // START_STICKY: the system restarts the service with no intent.
                service = Robolectric.buildService(StrapService::class.java, null).create().startCommand(0, 2).get()
                assertNull("the restart starts no foreground service itself", shadowOf(app).nextStartedService)
                assertEquals("the interrupted shift is resumed", shiftId, app.core.snapshot()!!.shiftId)
                gatt = service.gattClient!!.connection!!
                streaming(gatt)
            }
            now = at
            shadowOf(gatt).gattCallback.onCharacteristicChanged(gatt, hrm, bytes)
            if (i % 30 == 0) idle()
            if (c.ui.value is SteadyUi.Reset) {
                c.onFrame()
                LockScreen.showOverLock(lockScreen, c.ui.value is SteadyUi.Reset)
            }
            val n = shadowOf(nm).getNotification(Notifications.PROMPT_ID) ?: continue
            // A prompt: a heads-up on the prompt channel with three actions.
            assertEquals(Notifications.CHANNEL_PROMPT, n.channelId)
            assertEquals(Notification.CATEGORY_REMINDER, n.category)
            assertEquals(listOf("Start reset", "Snooze", "Not now"), n.actions.map { it.title.toString() })
            assertEquals(NotificationManager.IMPORTANCE_HIGH, nm.getNotificationChannel(Notifications.CHANNEL_PROMPT).importance)
            when {
                taken == 0 -> {
                    // From the lock screen: "Start reset" opens the reset over it.
                    val open = shadowOf(n.actions[0].actionIntent).savedIntent
                    assertEquals(Notifications.ACTION_START_RESET, open.action)
                    c.onVisible(true)
                    c.onIntent(open.action, open.getLongExtra(Notifications.EXTRA_PROMPT_ID, -1))
                    assertTrue(c.ui.value is SteadyUi.Reset)
                    LockScreen.showOverLock(lockScreen, true)
                    assertTrue(shadowOf(lockScreen).showWhenLocked && shadowOf(lockScreen).turnScreenOn)
                    assertNull("the action removed the prompt", shadowOf(nm).getNotification(Notifications.PROMPT_ID))
                    taken++
                }
                swiped == 0 && c.ui.value !is SteadyUi.Reset -> {
                    // Swiped away: the system removes it and sends its delete intent.
                    nm.cancel(Notifications.PROMPT_ID)
                    PromptActionReceiver().onReceive(app, shadowOf(n.deleteIntent).savedIntent)
                    swiped++
                }
                else -> nm.cancel(Notifications.PROMPT_ID) // later prompts: left unanswered
            }
        }
        idle()
        assertTrue("the reset ran to its end and left the lock screen", !shadowOf(lockScreen).showWhenLocked)

        // End of the shift: on screen, End shift (twice: the double tap).
        c.onVisible(true)
        c.endShift()
        c.endShift()
        val summary = (c.ui.value as SteadyUi.Summary).summary
        val core = app.core.shift!!.summary()!!
        assertEquals(ComponentName(app, StrapService::class.java), shadowOf(app).nextStoppedService.component)

        assertTrue("the dropout showed as no signal, not calm", sawNoSignal)
        assertTrue("signal lost and restored", seen.any { it is ShiftEvent.SignalLost } && seen.any { it is ShiftEvent.SignalRestored })
        assertTrue("prompts offered: ${core.promptsOffered}; time in states ${core.timeIn}; baseline ${core.baseline}", core.promptsOffered >= 2u)
        assertEquals(1u, core.promptsTaken)
        assertEquals(1u, core.promptsDismissed)
        assertEquals(1, core.resets.size)
        assertTrue("about 12 h: ${core.durationS}", core.durationS in 11.9 * 3600..12.1 * 3600)
        assertTrue("time without signal counted: ${core.timeIn.noSignalS}", core.timeIn.noSignalS >= 8 * 60)
        assertEquals("Shift of ${org.steady.app.state.hoursMinutes(core.durationS)}", summary.title)
        assertTrue("the chart covers the whole shift: ${summary.points.size} points", summary.points.size > 5000)
        assertTrue(summary.marks.isNotEmpty())
        assertNotNull(summary.timeInState.firstOrNull { it.tone == Tone.NO_SIGNAL })
        println(
            "whole shift: ${packets.size} packets, prompts offered ${core.promptsOffered}, taken ${core.promptsTaken}, " +
                "dismissed ${core.promptsDismissed}, returns ${core.returnsToBaseline}, ${summary.points.size} chart points",
        )
    }
}
