import XCTest
@testable import SteadyKit

private func update(_ gauge: Double?, _ state: ActivationState, learning: Bool = false) -> GaugeUpdate {
    GaugeUpdate(tMs: t0, gauge: gauge, state: state, load: 0, hrBpm: 70, lnRmssd: 3.4,
                rmssdMs: 30, beats: 70, quality: .good, distance: 0, score: 0, physical: state == .active, learning: learning)
}

private func prompt(_ n: UInt32, sustainedS: Double = 300) -> Prompt {
    Prompt(tMs: t0, number: n, reason: PromptReason(activatedMinutes: 5, windowMinutes: 8, sustainedS: sustainedS,
                                                      gauge: 80, hrRiseBpm: 12, lnRmssdDrop: 0.5))
}

private let strapOn = StrapStatus.streaming(FoundStrap(id: "A", name: "Polar H10"))

final class GaugeDisplayTests: XCTestCase {
    func testWaitingForTheStrapBeforeAnyReading() {
        let g = GaugeDisplay.make(latest: nil, strap: .searching(found: []))
        XCTAssertEqual(g.kind, .waitingForStrap)
        XCTAssertEqual(g.label, "Waiting for the strap")
        XCTAssertEqual(g.number, "–")
        XCTAssertNil(g.fraction)
        XCTAssertEqual(GaugeDisplay.make(latest: nil, strap: strapOn).label, "Reading your heart")
    }

    func testNoSignalIsNeverShownAsZeroOrTheRawEnum() {
        for latest in [update(nil, .noSignal), update(0, .noSignal), update(nil, .baseline)] {
            let g = GaugeDisplay.make(latest: latest, strap: strapOn)
            XCTAssertEqual(g.kind, .noSignal)
            XCTAssertNotEqual(g.number, "0")
            XCTAssertEqual(g.number, "–")
            XCTAssertNil(g.fraction, "no arc: an empty arc reads as calm")
            XCTAssertEqual(g.label, "No signal")
            XCTAssertFalse(g.accessibility.contains("noSignal"))
            XCTAssertEqual(g.tone, .none)
        }
    }

    func testAStrapThatDroppedShowsNoSignalNotTheLastReading() {
        let lost = StrapStatus.reconnecting(FoundStrap(id: "A", name: "Polar H10"), sinceMs: t0)
        let g = GaugeDisplay.make(latest: update(64, .activated), strap: lost)
        XCTAssertEqual(g.kind, .noSignal)
        XCTAssertEqual(g.number, "–")
    }

    func testEachGaugeStateHasItsWordsAndTone() {
        let expected: [(ActivationState, String, GaugeTone)] = [
            (.baseline, "At your baseline", .calm),
            (.elevated, "Elevated", .raised),
            (.activated, "Activated", .high),
            (.active, "Moving", .moving),
            (.recovering, "Coming down", .raised),
        ]
        for (state, label, tone) in expected {
            let g = GaugeDisplay.make(latest: update(42.4, state), strap: strapOn)
            XCTAssertEqual(g.kind, .reading)
            XCTAssertEqual(g.number, "42")
            XCTAssertEqual(g.fraction, 0.42)
            XCTAssertEqual(g.label, label)
            XCTAssertEqual(g.tone, tone)
            XCTAssertEqual(g.accessibility, "Activation 42 of 100, \(label)")
        }
    }

    func testLearningIsSaidAndOutOfRangeValuesAreClamped() {
        let g = GaugeDisplay.make(latest: update(130, .activated, learning: true), strap: strapOn)
        XCTAssertTrue(g.learning)
        XCTAssertEqual(g.number, "100")
        XCTAssertEqual(GaugeDisplay.make(latest: update(-3, .baseline), strap: strapOn).number, "0")
        XCTAssertEqual(GaugeDisplay.make(latest: update(.nan, .baseline), strap: strapOn).kind, .noSignal)
    }
}

final class PromptDeskTests: XCTestCase {
    func testAnOfferIsPostedWithWordsFromTheCore() {
        var desk = PromptDesk()
        let (old, content) = desk.offered(prompt(1, sustainedS: 420))
        XCTAssertEqual(old, [])
        XCTAssertEqual(content.promptId, 1)
        XCTAssertEqual(content.body, "You have been running hot for 7 minutes without a break.")
        XCTAssertEqual(desk.open, content)
    }

    func testEachResponseMapsToOneAnswer() {
        let expected: [(PromptResponse, PromptAnswer)] = [
            (.startReset, .takeReset), (.opened, .takeReset), (.snooze, .snooze),
            (.notNow, .dismiss), (.swipedAway, .dismiss),
        ]
        for (response, answer) in expected {
            var desk = PromptDesk()
            _ = desk.offered(prompt(3))
            XCTAssertEqual(desk.respond(response, promptId: 3), .answer(answer), "\(response)")
            XCTAssertNil(desk.open)
        }
    }

    func testANewerPromptWithdrawsTheOlderAndTheOlderIsStale() {
        var desk = PromptDesk()
        _ = desk.offered(prompt(1))
        let (old, _) = desk.offered(prompt(2))
        XCTAssertEqual(old, [1], "old prompts do not pile up")
        XCTAssertEqual(desk.respond(.startReset, promptId: 1), .ignoreStale)
        XCTAssertEqual(desk.open?.promptId, 2, "the stale tap leaves the open prompt alone")
    }

    func testAnAnsweredPromptTappedAgainIsStale() {
        var desk = PromptDesk()
        _ = desk.offered(prompt(1))
        XCTAssertEqual(desk.respond(.snooze, promptId: 1), .answer(.snooze))
        XCTAssertEqual(desk.respond(.startReset, promptId: 1), .ignoreStale)
        XCTAssertEqual(desk.close(), [1])
        XCTAssertEqual(desk.close(), [])
    }
}

final class ResetGuideTests: XCTestCase {
    private func paced() throws -> ResetGuide {
        let p = try XCTUnwrap(builtinResetProtocols().first { $0.id == "paced_4_6" })
        return ResetGuide(p)
    }

    func testPhasesComeFromTheCoresProtocol() throws {
        let p = try XCTUnwrap(builtinResetProtocols().first { $0.id == "paced_4_6" })
        let g = ResetGuide(p)
        XCTAssertEqual(g.steps.count, p.phases.count)
        XCTAssertEqual(g.totalMs, p.phases.reduce(0) { $0 + Int64($1.durationMs) })
        XCTAssertEqual(g.steps.map(\.durationMs), p.phases.map { Int64($0.durationMs) })
        XCTAssertEqual(g.steps.first?.label, "Breathe in")
        XCTAssertEqual(g.steps.first?.expanded, true)
        XCTAssertEqual(g.step(atElapsedMs: g.totalMs), nil, "over at the end")
        for s in g.steps {
            XCTAssertEqual(g.step(atElapsedMs: s.startMs)?.id, s.id)
            XCTAssertEqual(g.step(atElapsedMs: s.startMs + s.durationMs - 1)?.id, s.id)
        }
    }

    func testTheFirstBreathHasAHapticCue() throws {
        let g = try paced()
        XCTAssertEqual(g.cues(afterMs: nil, uptoMs: 0), [.breatheIn])
        XCTAssertEqual(g.cues(afterMs: 0, uptoMs: 100), [], "each cue once")
    }

    func testEveryPhaseChangeAndTheEndAreCuedOnce() throws {
        let g = try paced()
        var cues: [HapticCue] = []
        var last: Int64?
        var t: Int64 = 0
        while t <= g.totalMs + 500 {
            cues += g.cues(afterMs: last, uptoMs: t)
            last = t
            t += 100
        }
        let expected: [HapticCue] = g.steps.map {
            switch $0.kind {
            case .inhale, .topUpInhale: return .breatheIn
            case .exhale: return .breatheOut
            case .hold: return .hold
            }
        } + [.finished]
        XCTAssertEqual(cues, expected)
    }

    func testEveryBuiltInProtocolMakesAGuide() {
        let all = builtinResetProtocols()
        XCTAssertFalse(all.isEmpty)
        for p in all {
            let g = ResetGuide(p)
            XCTAssertGreaterThan(g.totalMs, 10_000, p.id)
            XCTAssertEqual(g.cues(afterMs: nil, uptoMs: 0).count, 1, "first breath cued: \(p.id)")
        }
    }
}

final class StrapLinkPolicyTests: XCTestCase {
    private let polar = FoundStrap(id: "A1", name: "Polar H10 A1")
    private let garmin = FoundStrap(id: "B2", name: "HRM-Pro B2")

    func testWithoutAChoiceItScansAndTakesNoStrapUntilTheWearerChooses() {
        let p = StrapLinkPolicy(memory: MemoryKeyValues())
        XCTAssertEqual(p.start(), [], "nothing until Bluetooth is ready")
        XCTAssertEqual(p.bluetooth(poweredOn: true), [.scan])
        XCTAssertEqual(p.discovered(polar), [], "not taken without a choice")
        XCTAssertEqual(p.discovered(garmin), [])
        XCTAssertEqual(p.discovered(polar), [], "listed once")
        XCTAssertEqual(p.status, .searching(found: [polar, garmin]))
        XCTAssertEqual(p.status.line, "Choose your strap")
        XCTAssertEqual(p.status.choices, [polar, garmin])
        XCTAssertFalse(p.status.canUseAnother)
        XCTAssertEqual(p.choose(garmin), [.stopScan, .connect(id: "B2")])
        XCTAssertEqual(p.status, .connecting(garmin))
        XCTAssertEqual(p.streaming(id: "B2"), [])
        XCTAssertEqual(p.status.line, "HRM-Pro B2 connected")
        XCTAssertEqual(p.status.choices, [])
        XCTAssertTrue(p.status.canUseAnother)
    }

    func testTheChosenStrapIsRememberedAcrossARelaunch() {
        let memory = MemoryKeyValues()
        let first = StrapLinkPolicy(memory: memory)
        _ = first.start()
        _ = first.bluetooth(poweredOn: true)
        _ = first.choose(polar)
        let relaunched = StrapLinkPolicy(memory: memory)
        XCTAssertEqual(relaunched.chosen, polar)
        _ = relaunched.start()
        XCTAssertEqual(relaunched.bluetooth(poweredOn: true), [.connect(id: "A1")])
        XCTAssertEqual(relaunched.status, .connecting(polar))
    }

    func testADropShowsSinceWhenAndReconnectsToTheSameStrap() {
        let p = StrapLinkPolicy(memory: MemoryKeyValues())
        _ = p.start(); _ = p.bluetooth(poweredOn: true); _ = p.choose(polar); _ = p.streaming(id: "A1")
        XCTAssertEqual(p.disconnected(id: "A1", atMs: t0 + 5_000), [.connect(id: "A1")])
        XCTAssertEqual(p.status, .reconnecting(polar, sinceMs: t0 + 5_000))
        XCTAssertEqual(p.status.line, "Polar H10 A1 lost: reconnecting when it is back in range")
        XCTAssertEqual(p.disconnected(id: "A1", atMs: t0 + 9_000), [.connect(id: "A1")])
        XCTAssertEqual(p.status, .reconnecting(polar, sinceMs: t0 + 5_000), "since the first drop")
        XCTAssertEqual(p.disconnected(id: "B2", atMs: t0 + 9_500), [], "not ours")
        XCTAssertEqual(p.streaming(id: "A1"), [])
        XCTAssertTrue(p.status.isStreaming)
    }

    func testStopDisconnectsAndForgetsTheStrap() {
        let memory = MemoryKeyValues()
        let p = StrapLinkPolicy(memory: memory)
        _ = p.start(); _ = p.bluetooth(poweredOn: true); _ = p.choose(polar)
        XCTAssertEqual(p.stop(), [.stopScan, .cancel(id: "A1")])
        XCTAssertNil(p.chosen)
        XCTAssertTrue(memory.values.isEmpty)
        XCTAssertEqual(p.status, .off)
        XCTAssertEqual(p.disconnected(id: "A1", atMs: t0), [], "no reconnect after stop")
        XCTAssertEqual(p.start(), [.scan], "the next shift scans again")
    }

    func testUseAnotherStrapForgetsAndScans() {
        let p = StrapLinkPolicy(memory: MemoryKeyValues())
        _ = p.start(); _ = p.bluetooth(poweredOn: true); _ = p.choose(polar)
        XCTAssertEqual(p.forget(), [.cancel(id: "A1"), .scan])
        XCTAssertNil(p.chosen)
        XCTAssertEqual(p.choose(garmin), [.stopScan, .connect(id: "B2")])
    }

    func testBluetoothOffIsSaidAndOnAgainReconnects() {
        let p = StrapLinkPolicy(memory: MemoryKeyValues())
        _ = p.start(); _ = p.bluetooth(poweredOn: true); _ = p.choose(polar)
        XCTAssertEqual(p.bluetooth(poweredOn: false), [])
        XCTAssertEqual(p.status, .bluetoothUnavailable)
        XCTAssertTrue(p.status.line.contains("Bluetooth is off"))
        XCTAssertEqual(p.bluetooth(poweredOn: true), [.connect(id: "A1")])
    }

    func testARestoredLinkIsAdoptedAndItsStrapRemembered() {
        let memory = MemoryKeyValues()
        let p = StrapLinkPolicy(memory: memory)
        XCTAssertEqual(p.restored(id: "A1", connected: false), [.connect(id: "A1")])
        XCTAssertEqual(p.chosen?.id, "A1")
        XCTAssertEqual(p.restored(id: "A1", connected: true), [])
        XCTAssertEqual(p.streaming(id: "A1"), [])
        XCTAssertTrue(p.status.isStreaming)
    }
}
