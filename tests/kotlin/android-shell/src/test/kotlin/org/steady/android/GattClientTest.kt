package org.steady.android

import android.bluetooth.BluetoothAdapter
import android.bluetooth.BluetoothDevice
import android.bluetooth.BluetoothGatt
import android.bluetooth.BluetoothManager
import android.bluetooth.BluetoothProfile
import android.bluetooth.le.ScanCallback
import android.bluetooth.le.ScanResult
import android.content.Context
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config

private class StateSink : StrapSink {
    val states = mutableListOf<StrapState>()
    override fun onHeartRatePacket(bytes: ByteArray, atMs: Long) = Unit
    override fun onStrapState(state: StrapState, atMs: Long) {
        states += state
    }
}

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class GattClientTest {
    private val context: Context get() = RuntimeEnvironment.getApplication()

    private fun adapter(): BluetoothAdapter {
        val a = context.getSystemService(BluetoothManager::class.java).adapter
        shadowOf(a).setEnabled(true)
        return a
    }

    @Test
    fun `scanning lists straps and connects to none, and the chosen strap gets one autoConnect connection`() {
        val adapter = adapter()
        val calls = mutableListOf<Pair<String, Boolean>>()
        val gatts = mutableListOf<BluetoothGatt>()
        var seen = emptyList<SeenStrap>()
        val sink = StateSink()
        val client = StrapGattClient(context, HrmRelay(sink), onStrapsSeen = { seen = it }) { device, auto, cb ->
            calls += device.address to auto
            device.connectGatt(context, auto, cb, BluetoothDevice.TRANSPORT_LE).also { gatts += it }
        }
        client.scan()
        val callbacks: Set<ScanCallback> = shadowOf(adapter.bluetoothLeScanner).scanCallbacks
        assertEquals(1, callbacks.size)
        val a = adapter.getRemoteDevice("AA:00:00:00:00:01").also { shadowOf(it).setName("Polar H10 1") }
        val b = adapter.getRemoteDevice("AA:00:00:00:00:02").also { shadowOf(it).setName("HRM-Dual") }
        for (r in listOf(ScanResult(a, null, -70, 0), ScanResult(b, null, -55, 0), ScanResult(a, null, -66, 0))) {
            callbacks.single().onScanResult(ScanSettingsCallbackType, r)
        }
        assertTrue("a scan result never connects", calls.isEmpty())
        assertEquals(listOf(SeenStrap(a.address, "Polar H10 1", -66), SeenStrap(b.address, "HRM-Dual", -55)), seen)

        client.connect(a.address)
        client.connect(a.address) // e.g. the service started twice
        assertEquals(listOf(a.address to true, a.address to true), calls)
        assertTrue("the first connection is closed before the second", shadowOf(gatts[0]).isClosed)
        assertFalse(shadowOf(gatts[1]).isClosed)
        assertTrue("connecting stops the scan", shadowOf(adapter.bluetoothLeScanner).scanCallbacks.isEmpty())

        // A dropout: the same (autoConnect) connection waits for the strap; no new one, no timer.
        shadowOf(gatts[1]).gattCallback.onConnectionStateChange(gatts[1], 0, BluetoothProfile.STATE_DISCONNECTED)
        assertEquals(2, calls.size)
        assertFalse(shadowOf(gatts[1]).isClosed)
        assertEquals(StrapState.DISCONNECTED, sink.states.last())
        // A late callback from the replaced connection is ignored (and closes it).
        shadowOf(gatts[0]).gattCallback.onConnectionStateChange(gatts[0], 0, BluetoothProfile.STATE_CONNECTED)
        assertEquals(StrapState.DISCONNECTED, sink.states.last())
        client.stop()
        assertTrue(shadowOf(gatts[1]).isClosed)
    }

    private companion object {
        const val ScanSettingsCallbackType = android.bluetooth.le.ScanSettings.CALLBACK_TYPE_ALL_MATCHES
    }
}
