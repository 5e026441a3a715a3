import Foundation

/// The strap side as the controller drives it (CoreBluetooth's
/// `StrapManager` on iOS, a fake in tests). Calls may come from any thread.
public protocol StrapControl: AnyObject {
    /// A shift needs the strap.
    func startLink()
    /// The shift ended: disconnect and forget the strap.
    func stopLink()
    /// The wearer picked a strap from the list.
    func choose(_ strap: FoundStrap)
    /// "Use another strap".
    func forget()
}

/// Why a controller call could not be carried out (the core's own refusals
/// come as its `SteadyError`).
public enum ShiftControllerError: Error, Equatable {
    /// Export with no shift running or summarised.
    case nothingToExport
}

private struct SavedPrompt: Codable {
    let shiftStartedMs: Int64
    let prompt: PromptContent
}

/// Where BLE packets go: the running shift, if any. Thread-safe: the BLE
/// thread ingests while the controller swaps shifts.
final class CurrentShiftSink: StrapSink {
    private let lock = NSLock()
    private var shift: LiveShiftLink?

    func set(_ s: LiveShiftLink?) {
        lock.lock(); shift = s; lock.unlock()
    }

    func heartRatePacket(_ bytes: Data, atMs: Int64) throws {
        lock.lock()
        let s = shift
        lock.unlock()
        // Between shifts the strap is off; a late packet has nowhere to go.
        try s?.ingest(bytes, atMs: atMs)
    }
}

/// The app's logic, apart from SwiftUI and the Apple frameworks: it starts,
/// resumes, ends and exports shifts, relays the strap's packets and the
/// wearer's answers to the core, handles prompts, runs the guided reset, and
/// says what the screen and the Live Activity show. The SwiftUI views render
/// `screen` and call these methods; the adapters (StrapManager,
/// PromptNotifier, ShiftLiveActivity) carry out what it asks.
///
/// Threads: call it from one thread (the main thread in the app). Events of
/// the core and strap status changes arrive on other threads; `hop` brings
/// them to the controller's thread (`DispatchQueue.main.async` in the app,
/// a direct call in tests).
public final class ShiftController {
    /// How long the Live Activity stays fresh without an update: if the app
    /// dies, the Lock Screen marks the gauge stale after this, not frozen.
    public static let activityStaleAfterMs: Int64 = 5 * 60_000
    /// An unchanged Live Activity is still re-sent this often, to move its
    /// stale date on.
    public static let activityRefreshMs: Int64 = 60_000
    public static let defaultResetProtocolId = "paced_4_6"

    public private(set) var screen: Screen = .idle(notice: nil) {
        didSet { if screen != oldValue { onScreen?(screen) } }
    }
    /// Called on every change of `screen`.
    public var onScreen: ((Screen) -> Void)?

    /// The BLE relay's sink: hand it to `HeartRateRelay`.
    public var strapSink: StrapSink { sink }

    private let storePath: String
    private let clock: () -> Int64
    private let hop: (@escaping () -> Void) -> Void
    /// The strap side; set before `launch()` (the app builds its
    /// CoreBluetooth manager after the controller, whose sink it needs).
    public weak var strap: StrapControl?
    private let memory: KeyValueStore
    private let prompts: PromptPresenting
    private let activity: LiveActivityPresenting
    private let resetProtocolId: String
    private let sink = CurrentShiftSink()

    private var store: ShiftStoreLink?
    private var live: LiveShiftLink?
    private var desk = PromptDesk()
    private var strapStatus: StrapStatus = .off
    private var confirmingEnd = false
    private var notice: String?
    private var reset: (guide: ResetGuide, startedMs: Int64, cuedUpToMs: Int64?)?
    private var summary: SummaryScreen?
    private var activityShown: (content: ShiftActivityContent, atMs: Int64)?

    public init(
        storePath: String,
        strap: StrapControl?,
        memory: KeyValueStore,
        prompts: PromptPresenting,
        activity: LiveActivityPresenting,
        clock: @escaping () -> Int64 = HeartRateRelay.unixMs,
        hop: @escaping (@escaping () -> Void) -> Void = { DispatchQueue.main.async(execute: $0) },
        resetProtocolId: String = ShiftController.defaultResetProtocolId
    ) {
        self.storePath = storePath
        self.strap = strap
        self.memory = memory
        self.prompts = prompts
        self.activity = activity
        self.clock = clock
        self.hop = hop
        self.resetProtocolId = resetProtocolId
    }

    // MARK: launch, start, end

    /// At app launch, also a background relaunch by iOS: opens the store
    /// and resumes the shift the app left running, with its strap, prompts
    /// and Live Activity.
    public func launch() {
        guard store == nil else { return }
        do {
            store = try ShiftStoreLink(path: storePath)
        } catch {
            screen = .unavailable(message: "Steady cannot open its data: \(error)")
            return
        }
        do {
            if let resumed = try store?.resumeLatestUnfinished() {
                begin(resumed)
                return
            }
        } catch {
            notice = "The last shift could not be resumed: \(error)"
        }
        refresh()
    }

    /// Starts a new shift (from idle, or from the summary after Done).
    public func startShift() {
        guard let store, live == nil else { return }
        if summary != nil { done() }
        do {
            begin(try store.startShift(atMs: clock()))
        } catch {
            notice = "The shift could not start: \(error)"
            refresh()
        }
    }

    /// "End shift" asks first.
    public func requestEnd() {
        guard live != nil, reset == nil else { return }
        confirmingEnd = true
        refresh()
    }

    public func cancelEnd() {
        confirmingEnd = false
        refresh()
    }

    /// Ends the shift: the summary comes from the core (or, if the core had
    /// already ended it, from the shift or the store: never an empty one).
    public func confirmEnd() {
        guard let shift = live else { return }
        confirmingEnd = false
        let now = clock()
        var ended: ShiftSummary?
        var failure: Error?
        do {
            ended = try shift.end(atMs: now)
        } catch {
            failure = error
            ended = shift.summary ?? shift.shiftId.flatMap { try? store?.summary(id: $0) } ?? nil
        }
        guard let summary = ended else {
            notice = "The shift could not end: \(failure.map { "\($0)" } ?? "no summary")"
            refresh()
            return
        }
        let shown = SummaryScreen(shiftId: shift.shiftId, summary: summary)
        shift.listen(nil)
        sink.set(nil)
        live = nil
        reset = nil
        strap?.stopLink()
        withdrawPrompts()
        activity.end(ShiftActivityContent(number: "✓", label: "Shift ended: \(shown.lines[0].value)",
                                          tone: .none, promptPending: false))
        activityShown = nil
        self.summary = shown
        refresh()
    }

    /// "Done" on the summary: back to idle, ready for the next shift.
    public func done() {
        guard live == nil else { return }
        summary = nil
        notice = nil
        refresh()
    }

    /// Writes the summary's shift into `directory` for the share sheet;
    /// returns the file.
    public func export(_ kind: ExportKind, into directory: URL) throws -> URL {
        guard let store, let id = summary?.shiftId ?? live?.shiftId else {
            throw ShiftControllerError.nothingToExport
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("steady-shift-\(id).\(kind.fileExtension)")
        try store.export(id: id, kind: kind, path: url.path)
        return url
    }

    // MARK: time, core events, strap

    /// Every few seconds while the app runs: the core notices a silent
    /// strap from ticks, and the Live Activity's stale date moves on.
    public func tick() {
        guard let live else { return }
        // A refusal (time went back on a clock change) needs no recovery:
        // the next tick is later.
        try? live.tick(atMs: clock())
        refresh()
    }

    /// The core's events (through `hop`).
    func handle(_ events: [ShiftEvent]) {
        guard live != nil else { return }
        for e in events {
            if case let .promptOffered(prompt) = e {
                let (old, content) = desk.offered(prompt)
                if !old.isEmpty { prompts.withdraw(promptIds: old) }
                prompts.post(content)
                saveOpenPrompt()
            }
        }
        refresh()
    }

    /// The strap link's status changed (through `hop`).
    public func strapChanged(_ status: StrapStatus) {
        strapStatus = status
        if case .reconnecting = status { try? live?.tick(atMs: clock()) }
        refresh()
    }

    public func chooseStrap(_ s: FoundStrap) { strap?.choose(s) }
    public func useAnotherStrap() { strap?.forget() }

    // MARK: prompts and the guided reset

    /// A response to prompt `promptId`, from a notification (possibly an
    /// old one) or the in-app banner.
    public func respond(_ response: PromptResponse, promptId: Int64) {
        defer { saveOpenPrompt() }
        switch desk.respond(response, promptId: promptId) {
        case .ignoreStale:
            prompts.withdraw(promptIds: [promptId])
        case .answer(let answer):
            withdrawPrompts()
            guard let live else { return }
            if answer == .takeReset {
                beginReset()
            } else {
                // A refusal means the core already closed the prompt.
                try? live.answer(answer, atMs: clock(), resetProtocolId: resetProtocolId)
            }
        }
        refresh()
    }

    /// The in-app "30-second reset" button (with or without a prompt).
    public func startReset() {
        guard live != nil, reset == nil else { return }
        withdrawPrompts()
        beginReset()
        refresh()
    }

    /// While the reset screen shows (about 10 times a second): moves the
    /// guide on and returns the haptic cues due now; finishes the reset at
    /// its end.
    public func resetTick() -> [HapticCue] {
        guard let r = reset else { return [] }
        let elapsed = clock() - r.startedMs
        let cues = r.guide.cues(afterMs: r.cuedUpToMs, uptoMs: elapsed)
        reset?.cuedUpToMs = elapsed
        if elapsed >= r.guide.totalMs {
            finishReset(completed: true)
        } else {
            refresh()
        }
        return cues
    }

    /// "Stop" during the reset: not scored.
    public func stopReset() {
        finishReset(completed: false)
    }

    // MARK: private

    private func begin(_ shift: LiveShiftLink) {
        live = shift
        summary = nil
        confirmingEnd = false
        desk = PromptDesk(restoring: savedPrompt(for: shift))
        sink.set(shift)
        let hop = self.hop
        shift.listen { [weak self] events in hop { self?.handle(events) } }
        strap?.startLink()
        let now = clock()
        let content = ShiftActivityContent(gauge(), promptPending: false)
        activity.start(content, shiftStartedMs: shift.startedMs, staleAtMs: now + Self.activityStaleAfterMs)
        activityShown = (content, now)
        refresh()
    }

    private func beginReset() {
        guard let live else { return }
        let chosen = builtinResetProtocols().first { $0.id == resetProtocolId }
        guard let p = chosen else {
            notice = "Reset protocol \(resetProtocolId) is missing"
            return
        }
        let now = clock()
        do {
            try live.startReset(protocolId: p.id, atMs: now)
            reset = (ResetGuide(p), now, nil)
        } catch {
            notice = "The reset could not start: \(error)"
        }
    }

    private func finishReset(completed: Bool) {
        guard reset != nil else { return }
        reset = nil
        try? live?.finishReset(completed: completed, atMs: clock())
        refresh()
    }

    private func withdrawPrompts() {
        let ids = desk.close()
        if !ids.isEmpty { prompts.withdraw(promptIds: ids) }
        saveOpenPrompt()
    }

    static let openPromptKey = "org.steady.prompt.open"

    /// The open prompt outlives the process: a notification answered while
    /// iOS had ended the app is still the shift's open prompt at relaunch.
    private func saveOpenPrompt() {
        guard let live, let open = desk.open else {
            memory.set(nil, forKey: Self.openPromptKey)
            return
        }
        let saved = SavedPrompt(shiftStartedMs: live.startedMs, prompt: open)
        let json = (try? JSONEncoder().encode(saved)).flatMap { String(data: $0, encoding: .utf8) }
        memory.set(json, forKey: Self.openPromptKey)
    }

    private func savedPrompt(for shift: LiveShiftLink) -> PromptContent? {
        guard let json = memory.string(forKey: Self.openPromptKey),
              let saved = try? JSONDecoder().decode(SavedPrompt.self, from: Data(json.utf8)),
              saved.shiftStartedMs == shift.startedMs else { return nil }
        return saved.prompt
    }

    private func gauge() -> GaugeDisplay {
        GaugeDisplay.make(latest: live?.latest, strap: strapStatus)
    }

    private func refresh() {
        guard store != nil else { return } // `.unavailable` stays
        if let summary {
            screen = .summary(summary)
            return
        }
        guard let live else {
            screen = .idle(notice: notice)
            return
        }
        if let r = reset {
            let elapsed = clock() - r.startedMs
            let step = r.guide.step(atElapsedMs: elapsed)
            let n = (step?.id ?? r.guide.steps.count - 1) + 1
            screen = .reset(ResetScreen(guide: r.guide, step: step, progress: "\(n) / \(r.guide.steps.count)"))
            return
        }
        let g = gauge()
        let saving = live.storeError.map { "Saving is failing (kept in memory, retrying): \($0)" }
        screen = .shift(ShiftScreen(gauge: g, strap: strapStatus, prompt: desk.open,
                                    confirmingEnd: confirmingEnd, notice: notice ?? saving))
        let content = ShiftActivityContent(g, promptPending: desk.open != nil)
        let now = clock()
        if let shown = activityShown, shown.content == content, now - shown.atMs < Self.activityRefreshMs {
            return
        }
        activity.update(content, staleAtMs: now + Self.activityStaleAfterMs)
        activityShown = (content, now)
    }
}
