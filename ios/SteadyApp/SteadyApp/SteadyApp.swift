import SteadyKit
import SwiftUI
import UIKit

/// Built at launch, also when iOS relaunches the app in the background
/// (CoreBluetooth state restoration for the strap, or a prompt's action
/// tapped while the app was not running): the controller resumes the stored
/// shift there, the strap manager restores its link and the notifier gets
/// the response. Nothing waits for a window to appear.
@MainActor
final class AppDelegate: NSObject, UIApplicationDelegate, ObservableObject {
    let model = AppModel()

    func application(_ application: UIApplication,
                     didFinishLaunchingWithOptions launchOptions: [UIApplication.LaunchOptionsKey: Any]? = nil) -> Bool {
        model.launch()
        return true
    }
}

/// The app's services and the published screen. It wires the adapters to
/// `ShiftController` and relays; every decision is the controller's
/// (SteadyKit, tested on Linux).
@MainActor
final class AppModel: ObservableObject {
    @Published private(set) var screen: Screen
    /// A written export, for the share sheet.
    @Published var shared: SharedFile?
    @Published var exportError: String?

    let controller: ShiftController
    private let notifier = PromptNotifier()
    private var strapManager: StrapManager?
    private var ticker: Timer?
    private let haptics = ResetHaptics()

    init() {
        let support = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        try? FileManager.default.createDirectory(at: support, withIntermediateDirectories: true)
        // Health data stays on the device, in the app's own container.
        let controller = ShiftController(
            storePath: support.appendingPathComponent("steady.db").path,
            strap: nil,
            memory: DefaultsKeyValues(),
            prompts: notifier,
            activity: ShiftLiveActivity()
        )
        self.controller = controller
        screen = controller.screen
        let manager = StrapManager(relay: HeartRateRelay(sink: controller.strapSink)) { status in
            DispatchQueue.main.async { controller.strapChanged(status) }
        }
        controller.strap = manager
        strapManager = manager
        controller.onScreen = { [weak self] in self?.screen = $0 }
    }

    /// From `didFinishLaunching`: resume, then take prompt responses (those
    /// that relaunched the app waited in the notifier).
    func launch() {
        controller.launch()
        notifier.onResponse = { [weak controller] response, id in controller?.respond(response, promptId: id) }
        ticker = Timer.scheduledTimer(withTimeInterval: 5, repeats: true) { [weak controller] _ in
            MainActor.assumeIsolated { controller?.tick() }
        }
        Task { _ = try? await notifier.requestAuthorization() }
    }

    func resetTick() {
        for cue in controller.resetTick() { haptics.play(cue) }
    }

    func export(_ kind: ExportKind) {
        let dir = FileManager.default.urls(for: .cachesDirectory, in: .userDomainMask)[0]
            .appendingPathComponent("Exports", isDirectory: true)
        do {
            shared = SharedFile(url: try controller.export(kind, into: dir))
        } catch {
            exportError = "\(error)"
        }
    }
}

struct SharedFile: Identifiable {
    let url: URL
    var id: URL { url }
}

/// Plays the reset's cues; which cue when is `ResetGuide`'s.
@MainActor
final class ResetHaptics {
    private let light = UIImpactFeedbackGenerator(style: .light)
    private let soft = UIImpactFeedbackGenerator(style: .soft)
    private let done = UINotificationFeedbackGenerator()

    func play(_ cue: HapticCue) {
        switch cue {
        case .breatheIn: light.impactOccurred()
        case .breatheOut, .hold: soft.impactOccurred()
        case .finished: done.notificationOccurred(.success)
        }
    }
}

@main
struct SteadyApp: App {
    @UIApplicationDelegateAdaptor(AppDelegate.self) private var delegate

    var body: some Scene {
        WindowGroup {
            RootView(model: delegate.model)
        }
    }
}

/// One screen per `Screen` case; no logic.
struct RootView: View {
    @ObservedObject var model: AppModel

    var body: some View {
        switch model.screen {
        case .unavailable(let message):
            ContentUnavailableView("Steady cannot start", systemImage: "exclamationmark.triangle",
                                   description: Text(message))
        case .idle(let notice):
            VStack(spacing: 24) {
                if let notice { Text(notice).font(.footnote).foregroundStyle(.secondary) }
                Button("Start shift") { model.controller.startShift() }
                    .buttonStyle(.borderedProminent)
            }
        case .shift(let screen):
            ShiftView(screen: screen, controller: model.controller)
        case .reset(let screen):
            ResetView(screen: screen, onStop: { model.controller.stopReset() })
                .onReceive(Timer.publish(every: 0.1, on: .main, in: .common).autoconnect()) { _ in
                    model.resetTick()
                }
                .onAppear { model.resetTick() } // the first breath's cue at once
        case .summary(let screen):
            SummaryView(lines: screen.lines,
                        onExport: { model.export(.json) },
                        onDone: { model.controller.done() })
                .sheet(item: $model.shared) { file in ShareSheet(url: file.url) }
                .alert("Export failed", isPresented: Binding(get: { model.exportError != nil },
                                                             set: { if !$0 { model.exportError = nil } })) {
                    Button("OK", role: .cancel) {}
                } message: {
                    Text(model.exportError ?? "")
                }
        }
    }
}

/// The running shift: gauge, strap line (with the strap list while
/// choosing), the open prompt, reset and End shift (confirmed).
struct ShiftView: View {
    let screen: ShiftScreen
    let controller: ShiftController

    var body: some View {
        VStack(spacing: 16) {
            GaugeView(display: screen.gauge)
            Label(screen.strap.line, systemImage: screen.strap.isStreaming ? "heart.circle" : "heart.slash")
                .font(.footnote)
                .foregroundStyle(.secondary)
            ForEach(screen.strap.choices, id: \.id) { strap in
                Button(strap.name) { controller.chooseStrap(strap) }
            }
            if screen.strap.canUseAnother {
                Button("Use another strap") { controller.useAnotherStrap() }.font(.footnote)
            }
            if let prompt = screen.prompt {
                VStack(spacing: 8) {
                    Text(prompt.title).font(.headline)
                    Text(prompt.body).font(.subheadline)
                    HStack {
                        Button("Start reset") { controller.respond(.startReset, promptId: prompt.promptId) }
                        Button("Snooze") { controller.respond(.snooze, promptId: prompt.promptId) }
                        Button("Not now") { controller.respond(.notNow, promptId: prompt.promptId) }
                    }
                }
                .padding()
                .background(.thinMaterial, in: RoundedRectangle(cornerRadius: 12))
            }
            if let notice = screen.notice {
                Text(notice).font(.footnote).foregroundStyle(.red)
            }
            HStack {
                Button("30-second reset") { controller.startReset() }
                Button("End shift", role: .destructive) { controller.requestEnd() }
            }
        }
        .confirmationDialog("End this shift?",
                            isPresented: Binding(get: { screen.confirmingEnd },
                                                 set: { if !$0 { controller.cancelEnd() } }),
                            titleVisibility: .visible) {
            Button("End shift", role: .destructive) { controller.confirmEnd() }
            Button("Keep going", role: .cancel) { controller.cancelEnd() }
        }
    }
}

/// The system share sheet for an exported file.
struct ShareSheet: UIViewControllerRepresentable {
    let url: URL

    func makeUIViewController(context: Context) -> UIActivityViewController {
        UIActivityViewController(activityItems: [url], applicationActivities: nil)
    }

    func updateUIViewController(_ controller: UIActivityViewController, context: Context) {}
}
