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
import android.os.ParcelUuid

/** A strap heard while scanning, for the picker. */
data class SeenStrap(val address: String, val name: String?, val rssiDbm: Int)

/**
 * The one GATT connection of a shift, to the one strap the wearer chose.
 *
 * [scan] only lists straps offering the Heart Rate service (0x180D) to
 * [onStrapsSeen]; it never connects. [connect] connects to the chosen
 * address with `autoConnect = true`: Android's controller then waits for the
 * strap in the background (no timeout, no app timer, no wake lock) and
 * reconnects by itself after a dropout, also in Doze. There is never more than
 * one [BluetoothGatt]: connecting again closes the previous one first.
 *
 * Permissions (BLUETOOTH_SCAN/CONNECT) are checked by the app's onboarding
 * before anything here runs, hence the lint suppression.
 */
@SuppressLint("MissingPermission")
class StrapGattClient(
    private val context: Context,
    private val relay: HrmRelay,
    private val onStrapsSeen: (List<SeenStrap>) -> Unit = {},
    /** How a connection is opened (tests record the arguments). */
    private val connector: (BluetoothDevice, Boolean, BluetoothGattCallback) -> BluetoothGatt? = { device, auto, callback ->
        device.connectGatt(context, auto, callback, BluetoothDevice.TRANSPORT_LE)
    },
) {
    private val manager = context.getSystemService(BluetoothManager::class.java)
    private var gatt: BluetoothGatt? = null
    private val seen = LinkedHashMap<String, SeenStrap>()
    private var scanning = false

    /** Address of the strap in use. */
    val deviceAddress: String? get() = gatt?.device?.address

    /** The one open connection, if any (diagnostics; tests drive its callbacks). */
    val connection: BluetoothGatt? get() = gatt

    /** Lists nearby heart-rate straps for the picker; connects to none of them. */
    fun scan() {
        val scanner = manager?.adapter?.bluetoothLeScanner ?: return
        seen.clear()
        val filter = ScanFilter.Builder().setServiceUuid(ParcelUuid(GattUuids.HEART_RATE_SERVICE)).build()
        val settings = ScanSettings.Builder().setScanMode(ScanSettings.SCAN_MODE_LOW_LATENCY).build()
        scanning = true
        relay.onState(StrapState.SCANNING)
        scanner.startScan(listOf(filter), settings, scanCallback)
    }

    fun stopScan() {
        if (!scanning) return
        scanning = false
        manager?.adapter?.bluetoothLeScanner?.stopScan(scanCallback)
    }

    /** Connects to the chosen strap (closing any earlier connection) and stays with it. */
    fun connect(address: String) {
        stopScan()
        val adapter = manager?.adapter ?: return relay.onState(StrapState.DISCONNECTED)
        gatt?.close()
        relay.onState(StrapState.CONNECTING)
        gatt = connector(adapter.getRemoteDevice(address), true, gattCallback)
    }

    fun stop() {
        stopScan()
        gatt?.close()
        gatt = null
        relay.onState(StrapState.DISCONNECTED)
    }

    @Suppress("DEPRECATION") // ScanRecord names need API 33+ for getDeviceName alternatives
    private val scanCallback = object : ScanCallback() {
        override fun onScanResult(callbackType: Int, result: ScanResult) {
            val d = result.device
            seen[d.address] = SeenStrap(d.address, result.scanRecord?.deviceName ?: d.name, result.rssi)
            onStrapsSeen(seen.values.toList())
        }

        override fun onScanFailed(errorCode: Int) {
            scanning = false
            onStrapsSeen(seen.values.toList())
        }
    }

    private val gattCallback = object : BluetoothGattCallback() {
        override fun onConnectionStateChange(g: BluetoothGatt, status: Int, newState: Int) {
            if (g !== gatt) return g.close() // a connection we already replaced
            when (newState) {
                BluetoothProfile.STATE_CONNECTED -> g.discoverServices()
                BluetoothProfile.STATE_DISCONNECTED -> {
                    relay.onState(StrapState.DISCONNECTED)
                    // Same object, background reconnect (autoConnect): Android
                    // calls back when the strap is in range again.
                    g.connect()
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
