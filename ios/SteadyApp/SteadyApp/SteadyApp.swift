import SteadyKit
import SwiftUI

/// Holds the core for the app: the store, the running shift, the strap and
/// the notifier. It relays and renders; the core decides.
@MainActor
final class AppModel: ObservableObject {
    enum Screen { case gauge, reset, summary }

    @Published var screen: Screen = .gauge
    @Published var snapshot: GaugeSnapshot?
    @Published var strap: StrapState = .disconnected
    @Published var summary: ShiftSummary?

    /// `nil` when the database could not be opened (see `storeError`).
    private let store: SteadyStore?
    @Published var storeError: String?
    private var host: ShiftHost?
    private var strapManager: StrapManager?
    private var notifier: PromptNotifier?
    private var ticker: Timer?

    init() {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // Health data stays on the device, in the app's own container.
        do {
            store = try SteadyStore.open(path: dir.appendingPathComponent("steady.db").path)
        } catch {
            store = nil
            storeError = "\(error)"
        }
    }

    func startOrResume() {
        guard host == nil, let store else { return }
        let now = HeartRateRelay.unixMs()
        let shift: LiveShift
        if let interrupted = (try? store.unfinishedShifts())?.last,
           let resumed = try? store.resumeShift(id: interrupted.id) {
            shift = resumed
        } else if let started = try? store.startShift(tMs: now, config: defaultShiftConfig()) {
            shift = started
        } else {
            return
        }
        let host = ShiftHost(shift: shift) { [weak self] events in
            Task { @MainActor in self?.onEvents(events) }
        }
        self.host = host
        notifier = PromptNotifier { [weak self] action, _ in
            Task { @MainActor in
                self?.host?.promptAction(action, atMs: HeartRateRelay.unixMs())
                if action == .startReset { self?.screen = .reset }
            }
        }
        Task { _ = try? await notifier?.requestAuthorization() }
        strapManager = StrapManager(relay: HeartRateRelay(sink: host))
        ticker = Timer.scheduledTimer(withTimeInterval: 5, repeats: true) { [weak self] _ in
            Task { @MainActor in
                self?.host?.tick(atMs: HeartRateRelay.unixMs())
                self?.snapshot = self?.host?.shift.snapshot()
            }
        }
    }

    func startReset() {
        host?.promptAction(.startReset, atMs: HeartRateRelay.unixMs())
        screen = .reset
    }

    func finishReset(completed: Bool) {
        try? host?.shift.userAction(tMs: HeartRateRelay.unixMs(), action: completed ? .finishReset : .abandonReset)
        screen = .gauge
    }

    func endShift() {
        summary = try? host?.shift.end(tMs: HeartRateRelay.unixMs())
        strapManager?.stop()
        ticker?.invalidate()
        screen = .summary
    }

    func export() {
        guard let store, let id = host?.shift.snapshot().shiftId else { return }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("steady-shift-\(id).json")
        try? store.export(id: id, format: .json, path: url.path)
    }

    var breathSteps: [BreathStep] {
        let protocol_ = resetProtocols().first { $0.id == "paced_4_6" }
        return (protocol_?.phases ?? []).enumerated().map { i, p in
            let label: String
            switch p.kind {
            case .inhale, .topUpInhale: label = "In"
            case .exhale: label = "Out"
            case .hold: label = "Hold"
            }
            return BreathStep(id: i, label: label, seconds: Double(p.durationMs) / 1000)
        }
    }

    var summaryLines: [SummaryLine] {
        guard let s = summary else { return [] }
        func minutes(_ sec: Double) -> String { "\(Int((sec / 60).rounded())) min" }
        return [
            SummaryLine(id: 0, title: "Shift", value: minutes(s.durationS)),
            SummaryLine(id: 1, title: "At baseline", value: minutes(s.timeIn.baselineS)),
            SummaryLine(id: 2, title: "Activated", value: minutes(s.timeIn.activatedS)),
            SummaryLine(id: 3, title: "Returns to baseline", value: "\(s.returnsToBaseline)"),
            SummaryLine(id: 4, title: "Resets offered / taken", value: "\(s.promptsOffered) / \(s.promptsTaken)"),
        ]
    }

    private func onEvents(_ events: [ShiftEvent]) {
        snapshot = host?.shift.snapshot()
        for e in events {
            if case let .promptOffered(prompt) = e {
                Task { try? await notifier?.post(ShiftHost.promptContent(prompt)) }
            }
        }
    }
}

@main
struct SteadyApp: App {
    @StateObject private var model = AppModel()

    var body: some Scene {
        WindowGroup {
            Group {
                switch model.screen {
                case .gauge:
                    VStack {
                        GaugeView(
                            gauge: Int(model.snapshot?.latest?.gauge ?? 0),
                            stateLabel: model.snapshot?.latest.map { "\($0.state)" } ?? "waiting for the strap",
                            learningBaseline: model.snapshot?.latest?.learning ?? true,
                            strapState: model.strap.rawValue
                        )
                        HStack {
                            Button("30-second reset") { model.startReset() }
                            Button("End shift", role: .destructive) { model.endShift() }
                        }
                    }
                case .reset:
                    ResetView(
                        steps: model.breathSteps,
                        onFinish: { model.finishReset(completed: true) },
                        onCancel: { model.finishReset(completed: false) }
                    )
                case .summary:
                    SummaryView(lines: model.summaryLines, onExport: { model.export() }, onDone: { model.screen = .gauge })
                }
            }
            .onAppear { model.startOrResume() }
        }
    }
}
