package org.steady.android

/**
 * A BLE packet as three little-endian words for `LiveShift.ingestPacked`:
 * one FFI crossing instead of two (a byte array makes UniFFI allocate its
 * buffer through the library first). Pure conversion, no meaning attached.
 */
class PackedPacket(val len: UByte, val w0: ULong, val w1: ULong, val w2: ULong) {
    companion object {
        const val MAX_BYTES = 24

        /** `null` when the packet is too long to pack (use `ingest`). */
        fun of(bytes: ByteArray): PackedPacket? {
            if (bytes.size > MAX_BYTES) return null
            val w = LongArray(3)
            for (i in bytes.indices) {
                w[i / 8] = w[i / 8] or ((bytes[i].toLong() and 0xFF) shl (8 * (i % 8)))
            }
            return PackedPacket(bytes.size.toUByte(), w[0].toULong(), w[1].toULong(), w[2].toULong())
        }
    }
}
