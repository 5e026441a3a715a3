import Foundation

/// Where the BLE side delivers what it hears. The shift controller
/// implements it over the core; tests use a fake. The shell never decodes a
/// packet: it forwards the raw 0x2A37 bytes with the time they arrived.
public protocol StrapSink: AnyObject {
    /// One 0x2A37 notification, raw, stamped on arrival (unix ms).
    func heartRatePacket(_ bytes: Data, atMs: Int64) throws
}

/// The whole of the shell's BLE data path, kept apart from CoreBluetooth so
/// it can be tested: keep Heart Rate Measurement values, stamp them, hand them
/// on. It never throws: a packet the core rejects (a typed `SteadyError`) is
/// counted and dropped, and the shift goes on.
public final class HeartRateRelay {
    public static let heartRateMeasurementUUID = "2A37"

    private let sink: StrapSink
    private let clock: () -> Int64
    private let lock = NSLock()
    private var forwarded = 0
    private var rejected = 0

    public init(sink: StrapSink, clock: @escaping () -> Int64 = HeartRateRelay.unixMs) {
        self.sink = sink
        self.clock = clock
    }

    public static func unixMs() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    public var counts: (forwarded: Int, rejected: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (forwarded, rejected)
    }

    /// Called from the peripheral delegate with the characteristic's UUID
    /// string; returns whether the value was a heart-rate measurement.
    @discardableResult
    public func notification(characteristic uuid: String, value: Data) -> Bool {
        guard uuid.uppercased() == Self.heartRateMeasurementUUID else { return false }
        do {
            try sink.heartRatePacket(value, atMs: clock())
            lock.lock(); forwarded += 1; lock.unlock()
        } catch {
            lock.lock(); rejected += 1; lock.unlock()
        }
        return true
    }
}
