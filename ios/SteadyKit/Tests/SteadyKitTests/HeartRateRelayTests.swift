import XCTest
@testable import SteadyKit

private struct Rejected: Error {}

private final class RecordingSink: StrapSink {
    var packets: [(Data, Int64)] = []
    var rejectNext = false

    func heartRatePacket(_ bytes: Data, atMs: Int64) throws {
        if rejectNext {
            rejectNext = false
            throw Rejected()
        }
        packets.append((bytes, atMs))
    }
}

final class HeartRateRelayTests: XCTestCase {
    func testForwardsOnlyHeartRateMeasurementStamped() {
        let sink = RecordingSink()
        let relay = HeartRateRelay(sink: sink, clock: { 1_000 })
        relay.notification(characteristic: "2A38", value: Data([1]))
        relay.notification(characteristic: "2a37", value: Data([0x10, 60, 0x00, 0x04]))
        XCTAssertEqual(sink.packets.count, 1)
        XCTAssertEqual(sink.packets[0].0, Data([0x10, 60, 0x00, 0x04]))
        XCTAssertEqual(sink.packets[0].1, 1_000)
    }

    func testRejectedPacketIsCountedAndTheNextGoesThrough() {
        let sink = RecordingSink()
        sink.rejectNext = true
        let relay = HeartRateRelay(sink: sink, clock: { 5 })
        relay.notification(characteristic: "2A37", value: Data([0x10]))
        relay.notification(characteristic: "2A37", value: Data([0x00, 61]))
        XCTAssertEqual(relay.counts.rejected, 1)
        XCTAssertEqual(relay.counts.forwarded, 1)
    }

    func testCoreVersionMatchesTheBindings() {
        XCTAssertFalse(coreVersion().isEmpty)
    }
}
