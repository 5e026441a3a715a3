package org.steady.android

import android.annotation.SuppressLint
import android.bluetooth.BluetoothDevice
import android.bluetooth.BluetoothGatt
import android.bluetooth.BluetoothGattCallback
import android.bluetooth.BluetoothGattCharacteristic
import android.bluetooth.BluetoothGattDescriptor
import android.bluetooth.BluetoothManager
import android.bluetooth.BluetoothProfile
import android.bluetooth.le.ScanCallback
import android.bluetooth.le.ScanFilter
import android.bluetooth.le.ScanResult
import android.bluetooth.le.ScanSettings
import android.content.Context
import android.os.Build
import android.os.Handler
import android.os.Looper
import android.os.ParcelUuid

/**
 * CoreBluetooth's counterpart on Android: scan for any strap that offers the
 * Heart Rate service (0x180D), connect, subscribe to 0x2A37, and hand every
 * notification to [relay]. On a dropout it closes the GATT and reconnects
 * after [policy]'s delay, forever, until [stop].
 *
 * Permissions (BLUETOOTH_SCAN/CONNECT) are asked by the app before the
 * service starts; here they are assumed, hence the lint suppression.
 */
@SuppressLint("MissingPermission")
class StrapGattClient(
    private val context: Context,
    private val relay: HrmRelay,
    private val policy: ReconnectPolicy = ReconnectPolicy(),
    private val handler: Handler = Handler(Looper.getMainLooper()),
) {
    private val manager = context.getSystemService(BluetoothManager::class.java)
    private var gatt: BluetoothGatt? = null
    private var device: BluetoothDevice? = null
    private var scanning = false
    private var stopped = true

    /** Starts scanning (or reconnects to [knownAddress] when given). */
    fun start(knownAddress: String? = null) {
        stopped = false
        val adapter = manager?.adapter ?: return relay.onState(StrapState.DISCONNECTED)
        if (knownAddress != null) {
            connect(adapter.getRemoteDevice(knownAddress))
        } else {
            scan()
        }
    }

    fun stop() {
        stopped = true
        handler.removeCallbacksAndMessages(null)
        stopScan()
        gatt?.close()
        gatt = null
        relay.onState(StrapState.DISCONNECTED)
    }

    /** Address of the strap in use, to reconnect straight to it after a restart. */
    val deviceAddress: String? get() = device?.address

    private fun scan() {
        val scanner = manager?.adapter?.bluetoothLeScanner ?: return scheduleReconnect()
        val filter = ScanFilter.Builder().setServiceUuid(ParcelUuid(GattUuids.HEART_RATE_SERVICE)).build()
        val settings = ScanSettings.Builder().setScanMode(ScanSettings.SCAN_MODE_LOW_LATENCY).build()
        scanning = true
        relay.onState(StrapState.SCANNING)
        scanner.startScan(listOf(filter), settings, scanCallback)
    }

    private fun stopScan() {
        if (!scanning) return
        scanning = false
        manager?.adapter?.bluetoothLeScanner?.stopScan(scanCallback)
    }

    private val scanCallback = object : ScanCallback() {
        override fun onScanResult(callbackType: Int, result: ScanResult) {
            stopScan()
            connect(result.device)
        }

        override fun onScanFailed(errorCode: Int) {
            scanning = false
            scheduleReconnect()
        }
    }

    private fun connect(target: BluetoothDevice) {
        if (stopped) return
        device = target
        relay.onState(StrapState.CONNECTING)
        gatt = target.connectGatt(context, false, gattCallback, BluetoothDevice.TRANSPORT_LE)
    }

    private fun scheduleReconnect() {
        if (stopped) return
        relay.onState(StrapState.DISCONNECTED)
        val known = device
        handler.postDelayed({
            if (known != null) connect(known) else scan()
        }, policy.nextDelayMs())
    }

    private val gattCallback = object : BluetoothGattCallback() {
        override fun onConnectionStateChange(g: BluetoothGatt, status: Int, newState: Int) {
            when (newState) {
                BluetoothProfile.STATE_CONNECTED -> g.discoverServices()
                BluetoothProfile.STATE_DISCONNECTED -> {
                    g.close()
                    if (gatt === g) gatt = null
                    handler.post { scheduleReconnect() }
                }
            }
        }

        override fun onServicesDiscovered(g: BluetoothGatt, status: Int) {
            val ch = g.getService(GattUuids.HEART_RATE_SERVICE)
                ?.getCharacteristic(GattUuids.HEART_RATE_MEASUREMENT)
            if (status != BluetoothGatt.GATT_SUCCESS || ch == null) {
                g.disconnect()
                return
            }
            enableNotifications(g, ch)
        }

        override fun onDescriptorWrite(g: BluetoothGatt, d: BluetoothGattDescriptor, status: Int) {
            if (d.uuid == GattUuids.CLIENT_CHARACTERISTIC_CONFIG && status == BluetoothGatt.GATT_SUCCESS) {
                policy.reset()
                relay.onState(StrapState.STREAMING)
            }
        }

        // API 33+: the value comes as its own array.
        override fun onCharacteristicChanged(
            g: BluetoothGatt,
            characteristic: BluetoothGattCharacteristic,
            value: ByteArray,
        ) = relay.onNotification(characteristic.uuid, value)

        // API 26-32.
        @Deprecated("Replaced by the three-argument overload on API 33")
        @Suppress("DEPRECATION")
        override fun onCharacteristicChanged(g: BluetoothGatt, characteristic: BluetoothGattCharacteristic) {
            if (Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU) {
                relay.onNotification(characteristic.uuid, characteristic.value ?: ByteArray(0))
            }
        }
    }

    @Suppress("DEPRECATION")
    private fun enableNotifications(g: BluetoothGatt, ch: BluetoothGattCharacteristic) {
        g.setCharacteristicNotification(ch, true)
        val cccd = ch.getDescriptor(GattUuids.CLIENT_CHARACTERISTIC_CONFIG) ?: return
        val enable = BluetoothGattDescriptor.ENABLE_NOTIFICATION_VALUE
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            g.writeDescriptor(cccd, enable)
        } else {
            cccd.value = enable
            g.writeDescriptor(cccd)
        }
    }
}
