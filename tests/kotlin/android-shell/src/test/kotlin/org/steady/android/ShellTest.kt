package org.steady.android

import android.app.Notification
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.Context
import android.content.Intent
import android.content.pm.ServiceInfo
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.Robolectric
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import org.steady.core.ShiftEvent
import org.steady.ffi.LiveShift
import org.steady.ffi.ShiftListener
import org.steady.ffi.SteadyException
import org.steady.ffi.UserAction
import org.steady.ffi.defaultShiftSetup
import java.util.UUID

private class RecordingSink(private val rejectFirst: Boolean = false) : StrapSink {
    val packets = mutableListOf<Pair<ByteArray, Long>>()
    val states = mutableListOf<StrapState>()
    private var calls = 0

    override fun onHeartRatePacket(bytes: ByteArray, atMs: Long) {
        calls++
        if (rejectFirst && calls == 1) throw IllegalArgumentException("malformed")
        packets += bytes to atMs
    }

    override fun onStrapState(state: StrapState, atMs: Long) {
        states += state
    }
}

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class ShellTest {
    private val context: Context get() = RuntimeEnvironment.getApplication()

    @Test
    fun `relay forwards only 0x2A37 packets, stamped, and survives a rejected one`() {
        val sink = RecordingSink(rejectFirst = true)
        var now = 1_000L
        val rejected = mutableListOf<Throwable>()
        val relay = HrmRelay(sink, { now }, { rejected += it })

        relay.onNotification(GattUuids.HEART_RATE_MEASUREMENT, byteArrayOf(0x10)) // rejected
        now = 2_000L
        relay.onNotification(UUID.fromString("00002a38-0000-1000-8000-00805f9b34fb"), byteArrayOf(1))
        val buf = byteArrayOf(0x10, 60, 0x00, 0x04)
        relay.onNotification(GattUuids.HEART_RATE_MEASUREMENT, buf)
        buf[1] = 99 // the stack reusing its buffer must not change what was relayed

        assertEquals(1, sink.packets.size)
        assertArrayEquals(byteArrayOf(0x10, 60, 0x00, 0x04), sink.packets[0].first)
        assertEquals(2_000L, sink.packets[0].second)
        assertEquals(1L, relay.forwardedCount)
        assertEquals(1L, relay.rejectedCount)
        assertEquals(1, rejected.size)
    }

    @Test
    fun `the bridge feeds a real shift through the direct path, survives a bad packet, and closes`() {
        // The host build of the library (jna.library.path), android=true bindings.
        val t0 = 1_764_000_000_000L
        val shift = LiveShift(defaultShiftSetup())
        val seen = mutableListOf<ShiftEvent>()
        val bridge = CoreBridge(shift) { seen += it }
        var now = t0
        val rejected = mutableListOf<Throwable>()
        val relay = HrmRelay(bridge, { now }, { rejected += it })
        shift.start(t0)
        for (i in 1..180) { // 3 minutes at 66 bpm: RR 0.9 s = 922/1024 s
            now = t0 + i * 1000L
            relay.onNotification(GattUuids.HEART_RATE_MEASUREMENT, byteArrayOf(0x16, 66, 0x9A.toByte(), 0x03))
            if (i == 90) relay.onNotification(GattUuids.HEART_RATE_MEASUREMENT, byteArrayOf(0x01, 60)) // uint16 HR cut short
        }
        assertEquals(180L, relay.forwardedCount)
        assertEquals(1L, relay.rejectedCount)
        assertTrue(rejected.single() is SteadyException.InvalidInput)
        assertTrue("gauge events reach the listener", seen.any { it is ShiftEvent.Gauge })
        assertNotNull(shift.snapshot().latest)

        bridge.close()
        relay.onNotification(GattUuids.HEART_RATE_MEASUREMENT, byteArrayOf(0x16, 66))
        assertTrue("no packet goes in after close", rejected.last() is IllegalStateException)
        shift.end(now + 1000)
        shift.close()
    }

    @Test
    fun `the bridge hands onEvents every event of packets, ticks and answers, once and in call order`() {
        // The same inputs into a reference shift through UniFFI, with a
        // listener: what it hears, call by call, is what onEvents must get.
        val t0 = 1_764_000_000_000L
        val shift = LiveShift(defaultShiftSetup())
        val reference = LiveShift(defaultShiftSetup())
        val want = mutableListOf<List<ShiftEvent>>()
        reference.setListener(object : ShiftListener {
            override fun onEvents(events: List<ShiftEvent>) {
                want += events
            }
        })
        val got = mutableListOf<List<ShiftEvent>>()
        val bridge = CoreBridge(shift) { got += it }
        shift.start(t0)
        reference.start(t0)
        var refused = 0
        fun both(bridgeCall: () -> Unit, referenceCall: () -> Unit) {
            val a = runCatching(bridgeCall).exceptionOrNull()
            val b = runCatching(referenceCall).exceptionOrNull()
            assertEquals("the same outcome", b?.javaClass, a?.javaClass)
            if (a != null) refused++
        }
        fun packet(t: Long, bytes: ByteArray) = both({ bridge.onHeartRatePacket(bytes, t) }, { reference.ingest(t, bytes) })
        fun beat(i: Int): ByteArray { // RR 0.80-1.00 s, varying so the gauge moves
            val rr = (870 + 100 * kotlin.math.sin(i * 0.3)).toInt()
            return byteArrayOf(0x16, 66, (rr and 0xFF).toByte(), (rr shr 8).toByte())
        }
        var t = t0
        for (i in 1..240) {
            t = t0 + i * 1000L
            packet(t, beat(i))
            if (i == 90) packet(t + 500, byteArrayOf(0x01, 60)) // uint16 HR cut short: InputIgnored, then thrown
            if (i == 120) { // not now, with nothing offered: refused by the core, caught by the bridge
                bridge.onPromptAction(PromptAction.DISMISS, 1, t + 500)
                assertThrows(SteadyException.InvalidState::class.java) { reference.userAction(t + 500, UserAction.DismissPrompt) }
            }
            if (i == 150) {
                bridge.onPromptAction(PromptAction.SNOOZE, 1, t + 500)
                reference.userAction(t + 500, UserAction.Snooze(0u))
            }
        }
        // the strap drops out: a tick at the disconnect, then the service's ticks
        bridge.onStrapState(StrapState.DISCONNECTED, t + 1000)
        reference.tick(t + 1000)
        for (k in 1..12) {
            bridge.onTick(t + 1000 + k * 5000L)
            reference.tick(t + 1000 + k * 5000L)
        }
        t += 61_000
        for (i in 1..60) packet(t + i * 1000L, beat(i))
        // the app's own calls on the shift, in order with the bridge's: through the listener
        bridge.inOrder { it.userAction(t + 60_500, UserAction.Quiet(true)) }
        reference.userAction(t + 60_500, UserAction.Quiet(true))
        bridge.close()
        bridge.inOrder { it.end(t + 61_000) }
        reference.end(t + 61_000)

        val events = want.flatten()
        assertEquals("the bad packet", 1, refused)
        assertTrue(events.count { it is ShiftEvent.Gauge } >= 50)
        assertTrue(events.any { it is ShiftEvent.InputIgnored })
        assertTrue(events.any { it is ShiftEvent.SignalLost })
        assertTrue(events.last() is ShiftEvent.Ended)
        assertEquals("every event, once, call by call, in order", want, got)
        shift.close()
        reference.close()
    }

    @Test
    fun `prompt channel is high importance and the prompt is a heads-up with three actions`() {
        Notifications.createChannels(context)
        val nm = context.getSystemService(NotificationManager::class.java)
        assertEquals(NotificationManager.IMPORTANCE_HIGH, nm.getNotificationChannel(Notifications.CHANNEL_PROMPT).importance)
        assertEquals(NotificationManager.IMPORTANCE_LOW, nm.getNotificationChannel(Notifications.CHANNEL_SHIFT).importance)

        val open = PendingIntent.getActivity(context, 0, Intent(), PendingIntent.FLAG_IMMUTABLE)
        val n = Notifications.prompt(context, PromptContent(7, "Still running hot", "30 seconds to reset?"), open)
        assertEquals(Notifications.CHANNEL_PROMPT, n.channelId)
        assertEquals(Notification.CATEGORY_REMINDER, n.category)
        assertEquals(listOf("Start reset", "Snooze", "Not now"), n.actions.map { it.title.toString() })
        assertEquals("Still running hot", n.extras.getString(Notification.EXTRA_TITLE))
    }

    @Test
    fun `prompt actions reach the handler with the prompt id and cancel the notification`() {
        val got = mutableListOf<Triple<PromptAction, Long, Long>>()
        PromptActionReceiver.handler = PromptActionHandler { a, id, t -> got += Triple(a, id, t) }
        PromptActionReceiver.clock = Clock { 42L }
        try {
            val nm = context.getSystemService(NotificationManager::class.java)
            val open = PendingIntent.getActivity(context, 0, Intent(), PendingIntent.FLAG_IMMUTABLE)
            Notifications.createChannels(context)
            nm.notify(Notifications.PROMPT_ID, Notifications.prompt(context, PromptContent(9, "t", "x"), open))
            assertEquals(1, shadowOf(nm).allNotifications.size)

            PromptActionReceiver().onReceive(
                context,
                Intent(Notifications.ACTION_SNOOZE).putExtra(Notifications.EXTRA_PROMPT_ID, 9L),
            )
            assertEquals(listOf(Triple(PromptAction.SNOOZE, 9L, 42L)), got)
            assertEquals(0, shadowOf(nm).allNotifications.size)
        } finally {
            PromptActionReceiver.handler = null
            PromptActionReceiver.clock = Clock.SYSTEM
        }
    }

    @Test
    fun `the service runs in the foreground as connectedDevice with the ongoing notification`() {
        val service = Robolectric.buildService(StrapService::class.java).create().get()
        val shadow = shadowOf(service)
        val n = shadow.lastForegroundNotification
        assertNotNull("startForeground was not called", n)
        assertEquals(Notifications.CHANNEL_SHIFT, n.channelId)
        assertEquals(Notifications.ONGOING_ID, shadow.lastForegroundNotificationId)
        assertEquals(ServiceInfo.FOREGROUND_SERVICE_TYPE_CONNECTED_DEVICE, service.foregroundServiceType)
    }

    @Test
    fun `haptic cues are distinct waveforms with matching timing and amplitude lengths`() {
        val forms = BreathCue.entries.map { ResetHaptics.waveform(it) }
        forms.forEach { (t, a) -> assertEquals(t.size, a.size) }
        assertEquals(3, forms.map { it.first.toList() }.toSet().size)
        BreathCue.entries.forEach { assertNotNull(ResetHaptics.effect(it)) }
    }
}
