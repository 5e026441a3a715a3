import XCTest
@testable import SteadyKit

/// A whole 12-hour shift through the app's logic and the real Rust core,
/// with a fake strap sending the real Polar H10 recording (../shared/data)
/// as 0x2A37 packets: a prompt taken (guided reset), a strap dropout, the
/// app killed and relaunched mid-shift, a prompt snoozed, and the summary.
final class WholeShiftTests: XCTestCase {
    private let polar = FoundStrap(id: "A1", name: "Polar H10")

    func testATwelveHourShiftWithDropoutRelaunchAPromptTakenAndOneSnoozed() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("steady.db").path
        let rr = try polarRR()
        let calm = rr
        let stressed = shaped(rr, mean: 790, spread: 0.3) // 76 bpm, RMSSD ~11 ms
        let breathing = shaped(rr, mean: 860, spread: 1.5) // slow deep breaths swing RR
        let strap = FakeStrap(startMs: t0)
        let hour: Int64 = 3_600_000

        // --- the first app process
        let defaults = MemoryKeyValues() // UserDefaults, kept across the relaunch
        var app: AppProcess? = AppProcess(storePath: db, nowMs: t0, memory: defaults)
        app!.controller.launch()
        app!.controller.startShift()
        app!.controller.strapChanged(.streaming(polar))
        app!.feed(strap.play(calm, durationMs: hour))
        XCTAssertEqual(app!.shiftScreen?.gauge.kind, .reading)

        // a prompt, taken: the guided reset runs to its end with the strap on
        let first = try stress(app!, strap, stressed)
        XCTAssertEqual(app!.shiftScreen?.prompt, first)
        app!.controller.respond(.startReset, promptId: first.promptId)
        guard case .reset = app!.controller.screen else { return XCTFail("\(app!.controller.screen)") }
        var cues: [HapticCue] = app!.controller.resetTick()
        XCTAssertEqual(cues.first, .breatheIn, "the first breath has its cue")
        while case .reset = app!.controller.screen {
            let packets = strap.play(breathing, durationMs: 1_000)
            app!.feed(packets) { cues += app!.controller.resetTick() }
        }
        XCTAssertEqual(cues.last, .finished)
        XCTAssertEqual(app!.prompts.showing, [], "the taken prompt's notification is gone")
        app!.feed(strap.play(calm, durationMs: 2 * hour - (strap.nowMs - t0)))

        // the strap drops for 10 minutes
        let dropMs = strap.nowMs
        app!.controller.strapChanged(.reconnecting(polar, sinceMs: dropMs))
        strap.silence(10 * 60_000)
        app!.advance(to: strap.nowMs)
        let during = try XCTUnwrap(app!.shiftScreen)
        XCTAssertEqual(during.gauge.kind, .noSignal)
        XCTAssertEqual(during.gauge.number, "–", "no signal is never 0")
        XCTAssertTrue(during.strap.line.contains("reconnecting"))
        app!.controller.strapChanged(.streaming(polar))
        app!.feed(strap.play(calm, durationMs: 3 * hour - (strap.nowMs - t0)))

        // a prompt, snoozed
        let second = try stress(app!, strap, stressed)
        XCTAssertGreaterThan(second.promptId, first.promptId)
        app!.controller.respond(.snooze, promptId: second.promptId)
        XCTAssertNil(app!.shiftScreen?.prompt)
        app!.feed(strap.play(calm, durationMs: 6 * hour - (strap.nowMs - t0)))
        XCTAssertEqual(app!.activity.calls.filter(isStart).count, 1, "no renewal of the Live Activity")

        // --- iOS ends the app; the strap speaks, iOS relaunches it in the background
        app = nil
        strap.silence(60_000)
        let relaunched = AppProcess(storePath: db, nowMs: strap.nowMs, memory: defaults)
        relaunched.controller.launch()
        XCTAssertEqual(relaunched.strap.started, 1)
        XCTAssertNotNil(relaunched.shiftScreen, "the stored shift resumes at launch")
        relaunched.controller.strapChanged(.streaming(polar))
        relaunched.feed(strap.play(calm, durationMs: 12 * hour - (strap.nowMs - t0)))

        // --- End shift, with confirmation; the summary
        relaunched.nowMs = strap.nowMs + 1
        relaunched.controller.requestEnd()
        relaunched.controller.confirmEnd()
        let screen = try XCTUnwrap(relaunched.summaryScreen)
        XCTAssertEqual(screen.lines.first?.value, "720 min")
        XCTAssertEqual(relaunched.activity.calls.filter(isStart).count, 1)
        guard case .end = relaunched.activity.calls.last else { return XCTFail("Live Activity not ended") }
        XCTAssertEqual(relaunched.strap.stopped, 1)

        let store = try ShiftStoreLink(path: db)
        let id = try XCTUnwrap(screen.shiftId)
        XCTAssertEqual(try store.shiftIds(), [id], "one shift across the relaunch")
        let summary = try XCTUnwrap(try store.summary(id: id))
        XCTAssertEqual(summary.startMs, t0)
        XCTAssertGreaterThan(summary.durationS, 11.99 * 3600)
        XCTAssertGreaterThanOrEqual(summary.promptsOffered, 2)
        XCTAssertEqual(summary.promptsTaken, 1)
        XCTAssertEqual(summary.promptsSnoozed, 1)
        XCTAssertEqual(summary.prompts.first?.outcome, .taken)
        XCTAssertEqual(summary.prompts.first(where: { $0.prompt.number == UInt32(second.promptId) })?.outcome, .snoozed)
        XCTAssertEqual(summary.resets.count, 1)
        XCTAssertEqual(summary.resets.first?.protocolId, "paced_4_6")
        XCTAssertGreaterThanOrEqual(summary.signal.gaps, 2, "the dropout and the relaunch gap")
        XCTAssertGreaterThan(summary.signal.longestGapS, 9 * 60)
        XCTAssertGreaterThan(summary.timeIn.noSignalS, 9 * 60)
        XCTAssertGreaterThan(summary.signal.beats, 40_000)
        XCTAssertEqual(relaunched.relay.counts.rejected, 0)
    }

    /// Stressed beats until the core offers a prompt (at most 15 min).
    private func stress(_ app: AppProcess, _ strap: FakeStrap, _ stressed: [Double]) throws -> PromptContent {
        let before = app.prompts.posted.count
        let limit = strap.nowMs + 15 * 60_000
        while app.prompts.posted.count == before, strap.nowMs < limit {
            app.feed(strap.play(stressed, durationMs: 5_000))
        }
        guard app.prompts.posted.count > before, let p = app.prompts.posted.last else {
            throw MissingData(description: "no prompt after 15 min of activation")
        }
        return p
    }
}

private func isStart(_ c: RecordingActivity.Call) -> Bool {
    if case .start = c { return true }
    return false
}
