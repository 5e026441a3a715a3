import XCTest
@testable import SteadyKit

/// The app's logic against the real Rust core and a real store file.
final class ShiftControllerTests: XCTestCase {
    private var dir: URL!
    private var db: String { dir.appendingPathComponent("steady.db").path }

    override func setUpWithError() throws {
        dir = try tempDir()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    private func started(memory: KeyValueStore = MemoryKeyValues()) -> AppProcess {
        let app = AppProcess(storePath: db, nowMs: t0, memory: memory)
        app.controller.launch()
        app.controller.startShift()
        app.controller.strapChanged(.streaming(FoundStrap(id: "A1", name: "Polar H10")))
        return app
    }

    /// Feeds stressed beats until the core offers a prompt (at most 10 min).
    private func stressUntilPrompt(_ app: AppProcess, _ strap: FakeStrap, _ rr: [Double]) throws -> PromptContent {
        let before = app.prompts.posted.count
        let stressed = shaped(rr, mean: 790, spread: 0.3)
        let limit = strap.nowMs + 10 * 60_000
        while app.prompts.posted.count == before, strap.nowMs < limit {
            app.feed(strap.play(stressed, durationMs: 5_000))
        }
        return try XCTUnwrap(app.prompts.posted.last.flatMap { app.prompts.posted.count > before ? $0 : nil },
                             "no prompt after 10 min of activation")
    }

    func testLaunchWithAnEmptyStoreIsIdleAndStartsNothing() {
        let app = AppProcess(storePath: db, nowMs: t0)
        app.controller.launch()
        XCTAssertEqual(app.controller.screen, .idle(notice: nil))
        XCTAssertEqual(app.strap.started, 0)
        XCTAssertTrue(app.activity.calls.isEmpty)
    }

    func testAStoreThatCannotOpenSaysSoAndNothingStarts() throws {
        try Data("someone's notes, not a database".utf8).write(to: URL(fileURLWithPath: db))
        let app = AppProcess(storePath: db, nowMs: t0)
        app.controller.launch()
        guard case let .unavailable(message) = app.controller.screen else {
            return XCTFail("\(app.controller.screen)")
        }
        XCTAssertTrue(message.contains("cannot open"), message)
        app.controller.startShift()
        XCTAssertEqual(app.strap.started, 0)
        XCTAssertEqual(try String(contentsOfFile: db, encoding: .utf8), "someone's notes, not a database")
    }

    func testStartingAShiftStartsTheStrapAndTheLiveActivityAndWaitsForTheStrap() throws {
        let app = AppProcess(storePath: db, nowMs: t0)
        app.controller.launch()
        app.controller.startShift()
        XCTAssertEqual(app.strap.started, 1)
        let screen = try XCTUnwrap(app.shiftScreen)
        XCTAssertEqual(screen.gauge.kind, .waitingForStrap)
        XCTAssertEqual(screen.strap, .off)
        guard case let .start(content, startedMs, staleAtMs) = app.activity.calls.first else {
            return XCTFail("the Live Activity starts with the shift: \(app.activity.calls)")
        }
        XCTAssertEqual(startedMs, t0)
        XCTAssertEqual(staleAtMs, t0 + ShiftController.activityStaleAfterMs, "a stale date is set")
        XCTAssertEqual(content.number, "–")
    }

    func testReadingsFromTheStrapReachTheScreenWhileTheBaselineIsLearned() throws {
        let app = started()
        let strap = FakeStrap(startMs: t0)
        app.feed(strap.beats(try polarRR()))
        let screen = try XCTUnwrap(app.shiftScreen)
        XCTAssertEqual(screen.gauge.kind, .reading)
        XCTAssertTrue(screen.gauge.learning, "a first shift learns the baseline")
        XCTAssertEqual(screen.strap.line, "Polar H10 connected")
        XCTAssertEqual(app.relay.counts.rejected, 0)
        XCTAssertGreaterThan(app.relay.counts.forwarded, 550)
    }

    func testStrapStateIsShownAndADropShowsNoSignalNotZero() throws {
        let app = started()
        let strap = FakeStrap(startMs: t0)
        app.feed(strap.beats(Array(try polarRR().prefix(300))))
        XCTAssertEqual(app.shiftScreen?.gauge.kind, .reading)
        let lost = StrapStatus.reconnecting(FoundStrap(id: "A1", name: "Polar H10"), sinceMs: app.nowMs)
        app.controller.strapChanged(lost)
        let screen = try XCTUnwrap(app.shiftScreen)
        XCTAssertEqual(screen.strap, lost)
        XCTAssertEqual(screen.gauge.kind, .noSignal)
        XCTAssertEqual(screen.gauge.number, "–")
        XCTAssertNotEqual(screen.gauge.number, "0")
    }

    func testEndShiftAsksFirstThenShowsTheSummaryAndStopsEverything() throws {
        let app = started()
        let strap = FakeStrap(startMs: t0)
        app.feed(strap.beats(try polarRR()))
        app.controller.requestEnd()
        XCTAssertEqual(app.shiftScreen?.confirmingEnd, true)
        app.controller.cancelEnd()
        XCTAssertEqual(app.shiftScreen?.confirmingEnd, false, "cancel keeps the shift running")
        app.nowMs = strap.nowMs + 1
        app.controller.requestEnd()
        app.controller.confirmEnd()
        let summary = try XCTUnwrap(app.summaryScreen)
        XCTAssertEqual(summary.lines.first?.title, "Shift")
        XCTAssertEqual(summary.lines.first?.value, "10 min")
        XCTAssertNotNil(summary.shiftId)
        XCTAssertEqual(app.strap.stopped, 1)
        guard case .end = app.activity.calls.last else {
            return XCTFail("the Live Activity ends with the summary: \(app.activity.calls.last.map { "\($0)" } ?? "none")")
        }
    }

    func testAfterDoneANewShiftStarts() throws {
        let app = started()
        let strap = FakeStrap(startMs: t0)
        app.feed(strap.beats(Array(try polarRR().prefix(200))))
        app.controller.confirmEnd()
        let first = try XCTUnwrap(app.summaryScreen?.shiftId)
        app.controller.done()
        XCTAssertEqual(app.controller.screen, .idle(notice: nil))
        app.nowMs += 60_000
        app.controller.startShift()
        XCTAssertNotNil(app.shiftScreen, "a new shift after Done: \(app.controller.screen)")
        XCTAssertEqual(app.strap.started, 2)
        let second = FakeStrap(startMs: app.nowMs)
        app.feed(second.beats(Array(try polarRR().prefix(200))))
        app.controller.confirmEnd()
        let next = try XCTUnwrap(app.summaryScreen?.shiftId)
        XCTAssertNotEqual(first, next)
    }

    func testASecondEndShiftNeverShowsAnEmptySummary() throws {
        let app = started()
        let strap = FakeStrap(startMs: t0)
        app.feed(strap.beats(Array(try polarRR().prefix(200))))
        app.controller.confirmEnd()
        let shown = try XCTUnwrap(app.summaryScreen)
        app.controller.requestEnd()
        app.controller.confirmEnd()
        XCTAssertEqual(app.summaryScreen, shown)
        XCTAssertFalse(shown.lines.isEmpty)
        XCTAssertEqual(app.strap.stopped, 1)
    }

    func testExportWritesTheShiftIntoAFolderForTheShareSheet() throws {
        let app = started()
        let strap = FakeStrap(startMs: t0)
        app.feed(strap.beats(try polarRR()))
        app.controller.confirmEnd()
        let id = try XCTUnwrap(app.summaryScreen?.shiftId)
        let out = dir.appendingPathComponent("Exports")
        for kind in ExportKind.allCases {
            let url = try app.controller.export(kind, into: out)
            XCTAssertEqual(url.lastPathComponent, "steady-shift-\(id).\(kind.fileExtension)")
            let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)
            XCTAssertGreaterThan(size.intValue, 1000, "\(kind)")
        }
    }

    func testExportWithoutAShiftIsATypedError() {
        let app = AppProcess(storePath: db, nowMs: t0)
        app.controller.launch()
        XCTAssertThrowsError(try app.controller.export(.json, into: dir)) { error in
            XCTAssertEqual(error as? ShiftControllerError, .nothingToExport)
        }
    }

    func testAStalePromptTappedAfterANewerOneIsIgnored() throws {
        let app = started()
        app.controller.handle([.promptOffered(prompt: Prompt(tMs: t0, number: 1, reason: reason))])
        app.controller.handle([.promptOffered(prompt: Prompt(tMs: t0 + 1, number: 2, reason: reason))])
        XCTAssertEqual(app.prompts.withdrawn, [1], "the older notification is withdrawn")
        XCTAssertEqual(app.prompts.showing, [2])
        app.controller.respond(.startReset, promptId: 1)
        XCTAssertNotNil(app.shiftScreen, "a stale tap does not start a reset: \(app.controller.screen)")
        XCTAssertEqual(app.shiftScreen?.prompt?.promptId, 2)
    }

    func testASwipedAwayPromptIsReportedToTheCoreAsDismissed() throws {
        let app = started()
        let strap = FakeStrap(startMs: t0)
        let rr = try polarRR()
        app.feed(strap.beats(rr))
        let offered = try stressUntilPrompt(app, strap, rr)
        XCTAssertEqual(app.shiftScreen?.prompt, offered, "the prompt shows in the app too")
        app.controller.respond(.swipedAway, promptId: offered.promptId)
        XCTAssertNil(app.shiftScreen?.prompt)
        XCTAssertEqual(app.prompts.showing, [])
        app.nowMs = strap.nowMs + 1
        app.controller.confirmEnd()
        let line = try XCTUnwrap(app.summaryScreen?.lines.first { $0.title.hasPrefix("Resets offered") })
        XCTAssertEqual(line.value, "1 / 0 / 0")
        let id = try XCTUnwrap(app.summaryScreen?.shiftId)
        let summary = try XCTUnwrap(try ShiftStoreLink(path: db).summary(id: id))
        XCTAssertEqual(summary.promptsDismissed, 1, "the swipe reached the core")
        XCTAssertEqual(summary.prompts.first?.outcome, .dismissed)
    }

    func testTheGuidedResetRunsThePhasesWithCuesAndReturnsToTheGauge() throws {
        let app = started()
        let strap = FakeStrap(startMs: t0)
        app.feed(strap.beats(try polarRR()))
        app.controller.startReset()
        guard case let .reset(screen) = app.controller.screen else { return XCTFail("\(app.controller.screen)") }
        XCTAssertEqual(screen.step?.label, "Breathe in")
        XCTAssertEqual(screen.progress, "1 / \(screen.guide.steps.count)")
        var cues = app.controller.resetTick()
        XCTAssertEqual(cues, [.breatheIn], "the first breath gets its haptic")
        let start = app.nowMs
        while app.nowMs < start + screen.guide.totalMs {
            app.nowMs += 100
            cues += app.controller.resetTick()
        }
        XCTAssertEqual(cues.last, .finished)
        XCTAssertEqual(cues.filter { $0 == .breatheOut }.count, screen.guide.steps.filter { $0.kind == .exhale }.count)
        XCTAssertNotNil(app.shiftScreen, "back to the gauge after the reset")
        XCTAssertTrue(app.controller.resetTick().isEmpty)
    }

    func testAStoppedResetIsNotScored() throws {
        let app = started()
        let strap = FakeStrap(startMs: t0)
        let rr = try polarRR()
        app.feed(strap.beats(rr))
        app.controller.startReset()
        app.feed(strap.play(rr, durationMs: 10_000))
        app.controller.stopReset()
        XCTAssertNotNil(app.shiftScreen)
        app.feed(strap.play(rr, durationMs: 3 * 60_000))
        app.controller.confirmEnd()
        let line = try XCTUnwrap(app.summaryScreen?.lines.first { $0.title == "Resets that calmed you" })
        XCTAssertEqual(line.value, "0 of 0")
    }

    func testTheLiveActivityIsUpdatedOnChangeWithAMovingStaleDateAndNeverRestarted() throws {
        let app = started()
        let strap = FakeStrap(startMs: t0)
        app.feed(strap.beats(try polarRR()))
        let updates = app.activity.calls.compactMap { call -> (ShiftActivityContent, Int64)? in
            if case let .update(c, stale) = call { return (c, stale) }
            return nil
        }
        XCTAssertGreaterThan(updates.count, 5)
        XCTAssertEqual(app.activity.calls.filter { if case .start = $0 { return true } else { return false } }.count, 1)
        for (a, b) in zip(updates, updates.dropFirst()) {
            XCTAssertGreaterThanOrEqual(b.1, a.1, "the stale date only moves on")
        }
        let last = try XCTUnwrap(updates.last)
        XCTAssertEqual(last.0, ShiftActivityContent(try XCTUnwrap(app.shiftScreen).gauge, promptPending: false))
        XCTAssertGreaterThan(last.1, app.nowMs, "not stale while the app runs")
        // between two updates of the same content at least a minute passes
        for (a, b) in zip(updates, updates.dropFirst()) where a.0 == b.0 {
            XCTAssertGreaterThanOrEqual(b.1 - a.1, ShiftController.activityRefreshMs)
        }
    }

    func testRelaunchAfterTheAppWasKilledResumesTheShiftWithStrapAndActivity() throws {
        let rr = try polarRR()
        let strap = FakeStrap(startMs: t0)
        var first: AppProcess? = started()
        first?.feed(strap.beats(Array(rr.prefix(300))))
        XCTAssertNotNil(first?.shiftScreen)
        first = nil // iOS ends the app mid-shift
        let relaunched = AppProcess(storePath: db, nowMs: strap.nowMs + 30_000)
        relaunched.controller.launch() // app delegate, background relaunch
        XCTAssertEqual(relaunched.strap.started, 1, "the strap link restarts at launch")
        guard case let .start(_, startedMs, _) = relaunched.activity.calls.first else {
            return XCTFail("the Live Activity is adopted at relaunch")
        }
        XCTAssertEqual(startedMs, t0)
        XCTAssertNotNil(relaunched.shiftScreen)
        relaunched.controller.strapChanged(.streaming(FoundStrap(id: "A1", name: "Polar H10")))
        strap.silence(30_000)
        relaunched.feed(strap.beats(Array(rr.dropFirst(300))))
        relaunched.nowMs = strap.nowMs + 1
        relaunched.controller.confirmEnd()
        let id = try XCTUnwrap(relaunched.summaryScreen?.shiftId)
        let store = try ShiftStoreLink(path: db)
        XCTAssertEqual(try store.shiftIds(), [id], "one shift, not two")
        XCTAssertEqual(try store.unfinishedShiftIds(), [])
        let summary = try XCTUnwrap(try store.summary(id: id))
        XCTAssertEqual(summary.startMs, t0, "the same shift went on")
        XCTAssertGreaterThan(summary.durationS, 600)
        XCTAssertGreaterThan(summary.signal.beats, 580, "beats before and after the relaunch")
    }

    func testAPromptAnsweredFromItsNotificationWhileTheAppWasDeadReachesTheCoreAtRelaunch() throws {
        let memory = MemoryKeyValues()
        let rr = try polarRR()
        let strap = FakeStrap(startMs: t0)
        var first: AppProcess? = started(memory: memory)
        first?.feed(strap.beats(rr))
        let offered = try stressUntilPrompt(try XCTUnwrap(first), strap, rr)
        first = nil // iOS ends the app; the notification stays on the Lock Screen
        let relaunched = AppProcess(storePath: db, nowMs: strap.nowMs + 20_000, memory: memory)
        relaunched.controller.launch()
        XCTAssertEqual(relaunched.shiftScreen?.prompt, offered, "the open prompt survives the relaunch")
        relaunched.controller.respond(.snooze, promptId: offered.promptId) // the action that relaunched it
        XCTAssertNil(relaunched.shiftScreen?.prompt)
        XCTAssertEqual(relaunched.prompts.withdrawn, [offered.promptId])
        relaunched.controller.respond(.startReset, promptId: offered.promptId) // tapped again: stale
        XCTAssertNotNil(relaunched.shiftScreen)
        relaunched.controller.confirmEnd()
        let id = try XCTUnwrap(relaunched.summaryScreen?.shiftId)
        let summary = try XCTUnwrap(try ShiftStoreLink(path: db).summary(id: id))
        XCTAssertEqual(summary.promptsSnoozed, 1)
        XCTAssertEqual(summary.promptsTaken, 0)
        XCTAssertEqual(memory.values[ShiftController.openPromptKey], nil, "nothing left open")
    }

    func testAMalformedPacketFromTheStrapIsDroppedAndTheShiftGoesOn() throws {
        let app = started()
        let strap = FakeStrap(startMs: t0)
        let packets = strap.beats(try polarRR())
        app.feed(Array(packets.prefix(100)))
        app.relay.notification(characteristic: "2A37", value: Data([0x10, 60, 0x00])) // RR cut in half
        XCTAssertEqual(app.relay.counts.rejected, 1)
        app.feed(Array(packets.dropFirst(100)))
        XCTAssertEqual(app.relay.counts.rejected, 1)
        XCTAssertEqual(app.shiftScreen?.gauge.kind, .reading)
        app.controller.confirmEnd()
        let id = try XCTUnwrap(app.summaryScreen?.shiftId)
        let summary = try XCTUnwrap(try ShiftStoreLink(path: db).summary(id: id))
        XCTAssertEqual(summary.signal.ignoredInputs, 1, "the core counted the bad packet")
    }

    func testPacketsAfterTheShiftEndedGoNowhereAndChangeNothing() throws {
        let app = started()
        let strap = FakeStrap(startMs: t0)
        let rr = try polarRR()
        app.feed(strap.beats(Array(rr.prefix(200))))
        app.controller.confirmEnd()
        let shown = try XCTUnwrap(app.summaryScreen)
        let before = app.relay.counts
        app.feed(strap.beats(Array(rr.dropFirst(200).prefix(60)))) // a late strap, still sending
        XCTAssertEqual(app.relay.counts.rejected, before.rejected, "no error for a strap between shifts")
        XCTAssertEqual(app.summaryScreen, shown)
        let summary = try XCTUnwrap(try ShiftStoreLink(path: db).summary(id: try XCTUnwrap(shown.shiftId)))
        XCTAssertEqual(summary.signal.ignoredInputs, 0)
    }
}

private let reason = PromptReason(activatedMinutes: 5, windowMinutes: 8, sustainedS: 300, gauge: 80,
                                  hrRiseBpm: 12, lnRmssdDrop: 0.5)
