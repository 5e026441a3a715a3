package org.steady.android

import java.util.UUID

/** Bluetooth SIG UUIDs of the standard Heart Rate profile (any strap, not one brand). */
object GattUuids {
    private fun sig16(short: Int): UUID =
        UUID.fromString(String.format("0000%04x-0000-1000-8000-00805f9b34fb", short))

    /** Heart Rate service. */
    val HEART_RATE_SERVICE: UUID = sig16(0x180D)

    /** Heart Rate Measurement characteristic: the bytes handed to the core unchanged. */
    val HEART_RATE_MEASUREMENT: UUID = sig16(0x2A37)

    /** Client Characteristic Configuration descriptor, written to enable notifications. */
    val CLIENT_CHARACTERISTIC_CONFIG: UUID = sig16(0x2902)
}
