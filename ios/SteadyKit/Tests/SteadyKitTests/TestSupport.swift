import Foundation
import XCTest
@testable import SteadyKit

/// A unix time in ms, as a phone stamps BLE notifications.
let t0: Int64 = 1_764_000_000_000

struct MissingData: Error, CustomStringConvertible {
    let description: String
}

/// The shared data folder: $STEADY_SHARED_DATA or <repo>/../shared/data.
/// Missing data FAILS the test, it never skips.
func sharedData() throws -> URL {
    let dir: URL
    if let env = ProcessInfo.processInfo.environment["STEADY_SHARED_DATA"], !env.isEmpty {
        dir = URL(fileURLWithPath: env)
    } else {
        // Tests/SteadyKitTests -> Tests -> SteadyKit -> ios -> repo
        dir = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("../shared/data")
    }
    guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("README.md").path) else {
        throw MissingData(description: "shared data not found at \(dir.path) (set STEADY_SHARED_DATA)")
    }
    return dir
}

/// RR intervals (ms) of the real Polar H10 sample (~10 min seated, HR 62,
/// RMSSD 37 ms).
func polarRR() throws -> [Double] {
    let url = try sharedData().appendingPathComponent("polar-h10/sample_rr_ms.txt")
    let text = try String(contentsOf: url, encoding: .utf8)
    let rr = text.split(whereSeparator: \.isNewline).compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard rr.count > 600 else { throw MissingData(description: "\(url.path): \(rr.count) intervals") }
    return rr
}

/// The Polar sample moved to another mean and variability: `mean +
/// (rr - 970) * spread`. Stressed: 790 ms (76 bpm) with 0.3 of the
/// variability (RMSSD about 11 ms); calm: the sample itself.
func shaped(_ rr: [Double], mean: Double, spread: Double) -> [Double] {
    rr.map { mean + ($0 - 970) * spread }
}

struct Packet {
    let atMs: Int64
    let bytes: Data
}

/// A heart-rate strap on the wire, written independently of the core (as
/// the Kotlin tests' FakeStrap): it packs RR intervals into 0x2A37
/// notifications the way a Polar H10 does (one notification about every
/// second with the RR intervals that ended since the previous one, flags =
/// RR present + contact detected, uint8 HR) and stamps each with its
/// arrival time.
final class FakeStrap {
    private var beatEndMs: Double
    private var nextSendMs: Int64
    private var pending: [Double] = []

    init(startMs: Int64) {
        beatEndMs = Double(startMs)
        nextSendMs = startMs + 1000
    }

    var nowMs: Int64 { Int64(beatEndMs) }

    /// Packets for these beats, in order.
    func beats(_ rrMs: [Double]) -> [Packet] {
        var out: [Packet] = []
        for rr in rrMs {
            beatEndMs += rr
            while beatEndMs >= Double(nextSendMs) {
                if let p = flush(at: nextSendMs) { out.append(p) }
                nextSendMs += 1000
            }
            pending.append(rr)
        }
        return out
    }

    /// Beats from `rr` (repeated as needed) for `durationMs`.
    func play(_ rr: [Double], durationMs: Int64) -> [Packet] {
        var chosen: [Double] = []
        var t = 0.0
        var i = 0
        while t < Double(durationMs) {
            let r = rr[i % rr.count]
            chosen.append(r)
            t += r
            i += 1
        }
        return beats(chosen)
    }

    /// The strap is off the body or out of range for `ms`: nothing is sent,
    /// the beats of that time are lost.
    func silence(_ ms: Int64) {
        pending.removeAll()
        beatEndMs += Double(ms)
        nextSendMs = Int64(beatEndMs) + 1000
    }

    private func flush(at ms: Int64) -> Packet? {
        guard !pending.isEmpty else { return nil }
        let mean = pending.reduce(0, +) / Double(pending.count)
        let hr = UInt8(min(max((60_000 / mean).rounded(), 0), 255))
        var bytes: [UInt8] = [0x16, hr]
        for rr in pending {
            let units = UInt16((rr * 1.024).rounded())
            bytes.append(UInt8(units & 0xFF))
            bytes.append(UInt8(units >> 8))
        }
        pending.removeAll()
        return Packet(atMs: ms, bytes: Data(bytes))
    }
}

final class FakeStrapControl: StrapControl {
    var started = 0
    var stopped = 0
    var chosen: [FoundStrap] = []
    var forgotten = 0
    func startLink() { started += 1 }
    func stopLink() { stopped += 1 }
    func choose(_ strap: FoundStrap) { chosen.append(strap) }
    func forget() { forgotten += 1 }
}

final class RecordingPrompts: PromptPresenting {
    var posted: [PromptContent] = []
    var withdrawn: [Int64] = []
    /// Posted and not withdrawn: what the notification centre shows.
    var showing: [Int64] {
        posted.map(\.promptId).filter { !withdrawn.contains($0) }
    }
    func post(_ prompt: PromptContent) { posted.append(prompt) }
    func withdraw(promptIds: [Int64]) { withdrawn.append(contentsOf: promptIds) }
}

final class RecordingActivity: LiveActivityPresenting {
    enum Call: Equatable {
        case start(ShiftActivityContent, startedMs: Int64, staleAtMs: Int64)
        case update(ShiftActivityContent, staleAtMs: Int64)
        case end(ShiftActivityContent)
    }
    var calls: [Call] = []
    func start(_ content: ShiftActivityContent, shiftStartedMs: Int64, staleAtMs: Int64) {
        calls.append(.start(content, startedMs: shiftStartedMs, staleAtMs: staleAtMs))
    }
    func update(_ content: ShiftActivityContent, staleAtMs: Int64) {
        calls.append(.update(content, staleAtMs: staleAtMs))
    }
    func end(_ final: ShiftActivityContent) { calls.append(.end(final)) }
}

final class MemoryKeyValues: KeyValueStore {
    var values: [String: String] = [:]
    func string(forKey key: String) -> String? { values[key] }
    func set(_ value: String?, forKey key: String) { values[key] = value }
}

/// One app process: a controller over a store file, with fakes for the
/// Apple frameworks, a settable clock, and the BLE relay the strap feeds.
/// Everything runs on the test's thread (`hop` calls directly).
final class AppProcess {
    var nowMs: Int64
    let controller: ShiftController
    let relay: HeartRateRelay
    let strap = FakeStrapControl()
    let prompts = RecordingPrompts()
    let activity = RecordingActivity()
    private var lastTickMs: Int64

    /// `memory` stands for UserDefaults: pass the same one to a relaunch.
    init(storePath: String, nowMs: Int64, memory: KeyValueStore = MemoryKeyValues()) {
        self.nowMs = nowMs
        lastTickMs = nowMs
        var clockRef: (() -> Int64)!
        controller = ShiftController(storePath: storePath, strap: strap, memory: memory, prompts: prompts, activity: activity,
                                     clock: { clockRef() }, hop: { $0() })
        relay = HeartRateRelay(sink: controller.strapSink, clock: { clockRef() })
        clockRef = { [unowned self] in self.nowMs }
    }

    /// Delivers packets as the strap sends them, with a tick every 5 s of
    /// time as the app's timer does; `each` runs after every packet.
    func feed(_ packets: [Packet], each: (() -> Void)? = nil) {
        for p in packets {
            advance(to: p.atMs)
            relay.notification(characteristic: "2A37", value: p.bytes)
            each?()
        }
    }

    /// Time passes with the app's 5-s ticks.
    func advance(to ms: Int64) {
        while lastTickMs + 5_000 < ms {
            lastTickMs += 5_000
            nowMs = lastTickMs
            controller.tick()
        }
        nowMs = ms
    }

    var shiftScreen: ShiftScreen? {
        if case let .shift(s) = controller.screen { return s }
        return nil
    }

    var summaryScreen: SummaryScreen? {
        if case let .summary(s) = controller.screen { return s }
        return nil
    }
}

func tempDir() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("steadykit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
