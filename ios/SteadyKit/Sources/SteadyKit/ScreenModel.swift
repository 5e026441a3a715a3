import Foundation

/// The gauge's colour family; the view maps it to colours.
public enum GaugeTone: String, Codable, Hashable, Sendable {
    /// No reading: grey, no arc.
    case none
    case calm, raised, high
    /// Moving: physical effort, not scored as stress.
    case moving
}

/// What the gauge shows, fully worded. The view draws it and decides
/// nothing: in particular, no signal is never drawn as 0 (0 reads as
/// perfectly calm).
public struct GaugeDisplay: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The shift runs but no reading has come yet.
        case waitingForStrap
        /// The strap is silent or the core lost the signal.
        case noSignal
        /// A reading from the core.
        case reading
    }

    public let kind: Kind
    /// The big number; "–" when there is no reading.
    public let number: String
    /// 0...1 along the arc; `nil` draws the empty track only.
    public let fraction: Double?
    public let label: String
    public let tone: GaugeTone
    /// The baseline is still being learned: say so under the gauge.
    public let learning: Bool
    public let accessibility: String

    /// From the core's latest refresh and the strap's state.
    public static func make(latest: GaugeUpdate?, strap: StrapStatus) -> GaugeDisplay {
        guard let u = latest else {
            let label = strap.isStreaming ? "Reading your heart" : "Waiting for the strap"
            return GaugeDisplay(kind: .waitingForStrap, number: "–", fraction: nil, label: label,
                                tone: .none, learning: false, accessibility: label)
        }
        guard strap.isStreaming || strap == .off, u.state != .noSignal, let g = u.gauge, g.isFinite else {
            let label = "No signal"
            return GaugeDisplay(kind: .noSignal, number: "–", fraction: nil, label: label,
                                tone: .none, learning: u.learning,
                                accessibility: "No signal from the strap: no reading")
        }
        let value = Int(min(max(g, 0), 100).rounded())
        let (label, tone) = Self.words(u.state)
        return GaugeDisplay(kind: .reading, number: "\(value)", fraction: Double(value) / 100,
                            label: label, tone: tone, learning: u.learning,
                            accessibility: "Activation \(value) of 100, \(label)")
    }

    static func words(_ s: ActivationState) -> (String, GaugeTone) {
        switch s {
        case .baseline: return ("At your baseline", .calm)
        case .elevated: return ("Elevated", .raised)
        case .activated: return ("Activated", .high)
        case .active: return ("Moving", .moving)
        case .recovering: return ("Coming down", .raised)
        case .noSignal: return ("No signal", .none)
        }
    }
}

/// One line of the end-of-shift summary.
public struct SummaryLine: Identifiable, Hashable, Sendable {
    public let id: Int
    public let title: String
    public let value: String
}

/// The summary screen: the core's summary, worded.
public struct SummaryScreen: Equatable, Sendable {
    public let shiftId: Int64?
    public let lines: [SummaryLine]

    public init(shiftId: Int64?, summary: ShiftSummary) {
        self.shiftId = shiftId
        func minutes(_ sec: Double) -> String { "\(Int((sec / 60).rounded())) min" }
        let scored = summary.resets.filter { $0.verdict == .calmer }.count
        lines = [
            SummaryLine(id: 0, title: "Shift", value: minutes(summary.durationS)),
            SummaryLine(id: 1, title: "At baseline", value: minutes(summary.timeIn.baselineS)),
            SummaryLine(id: 2, title: "Activated", value: minutes(summary.timeIn.activatedS)),
            SummaryLine(id: 3, title: "Returns to baseline", value: "\(summary.returnsToBaseline)"),
            SummaryLine(id: 4, title: "Resets offered / taken / snoozed",
                        value: "\(summary.promptsOffered) / \(summary.promptsTaken) / \(summary.promptsSnoozed)"),
            SummaryLine(id: 5, title: "Resets that calmed you", value: "\(scored) of \(summary.resets.count)"),
            SummaryLine(id: 6, title: "No signal", value: minutes(summary.timeIn.noSignalS)),
        ]
    }
}

/// The live shift screen.
public struct ShiftScreen: Equatable, Sendable {
    public let gauge: GaugeDisplay
    public let strap: StrapStatus
    /// The open prompt, shown as a banner in the app too.
    public let prompt: PromptContent?
    /// "End shift?" is being asked.
    public let confirmingEnd: Bool
    /// A problem the wearer should know (saving failed, export failed).
    public let notice: String?
}

/// The guided reset screen at one moment.
public struct ResetScreen: Equatable, Sendable {
    public let guide: ResetGuide
    /// The current step (`nil` once over).
    public let step: BreathStep?
    /// "3 / 6".
    public let progress: String
}

/// Every screen of the app.
public enum Screen: Equatable, Sendable {
    /// The store could not be opened: nothing can be recorded.
    case unavailable(message: String)
    /// No shift running: "Start shift".
    case idle(notice: String?)
    case shift(ShiftScreen)
    case reset(ResetScreen)
    case summary(SummaryScreen)
}

/// The Live Activity's content (Lock Screen, Dynamic Island): the same
/// words as the gauge.
public struct ShiftActivityContent: Codable, Hashable, Sendable {
    public var number: String
    public var label: String
    public var tone: GaugeTone
    public var promptPending: Bool

    public init(number: String, label: String, tone: GaugeTone, promptPending: Bool) {
        self.number = number
        self.label = label
        self.tone = tone
        self.promptPending = promptPending
    }

    public init(_ gauge: GaugeDisplay, promptPending: Bool) {
        self.init(number: gauge.number, label: gauge.label, tone: gauge.tone, promptPending: promptPending)
    }
}

/// The shift's Live Activity, behind ActivityKit on iOS.
public protocol LiveActivityPresenting: AnyObject {
    /// Starts (or, after a relaunch, adopts) the shift's activity.
    func start(_ content: ShiftActivityContent, shiftStartedMs: Int64, staleAtMs: Int64)
    /// New content and stale date. Never starts a new activity.
    func update(_ content: ShiftActivityContent, staleAtMs: Int64)
    /// Ends it showing `final`.
    func end(_ final: ShiftActivityContent)
}
