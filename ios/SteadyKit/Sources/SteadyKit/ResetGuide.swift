import Foundation

/// A haptic tap for the guided reset; the app maps each to a feedback style.
public enum HapticCue: Equatable, Sendable {
    /// Start breathing in (also the very first breath).
    case breatheIn
    case breatheOut
    case hold
    /// The reset is over.
    case finished
}

/// One step of the guided reset, from the core's protocol.
public struct BreathStep: Equatable, Identifiable, Sendable {
    public let id: Int
    public let kind: BreathKind
    /// Word on screen.
    public let label: String
    /// Offset from the reset's start and length, ms.
    public let startMs: Int64
    public let durationMs: Int64
    /// Whether the breathing circle is full during this step (in-breaths
    /// fill it, out-breaths empty it, a hold keeps what came before).
    public let expanded: Bool

    public var seconds: Double { Double(durationMs) / 1000 }
}

/// The guided reset: the core's protocol phases laid out in time, and the
/// haptic cue at the start of each, the first breath included. The view
/// only animates what `step(atElapsedMs:)` says and plays what `cues`
/// returns.
public struct ResetGuide: Equatable, Sendable {
    public let protocolId: String
    public let name: String
    public let steps: [BreathStep]
    public let totalMs: Int64

    public init(_ p: ResetProtocol) {
        var t: Int64 = 0
        var expanded = false
        var steps: [BreathStep] = []
        for (i, phase) in p.phases.enumerated() {
            let label: String
            switch phase.kind {
            case .inhale: label = "Breathe in"; expanded = true
            case .topUpInhale: label = "A little more"; expanded = true
            case .exhale: label = "Breathe out"; expanded = false
            case .hold: label = "Hold"
            }
            let d = Int64(phase.durationMs)
            steps.append(BreathStep(id: i, kind: phase.kind, label: label, startMs: t,
                                    durationMs: d, expanded: expanded))
            t += d
        }
        protocolId = p.id
        name = p.name
        self.steps = steps
        totalMs = t
    }

    /// The step at `elapsedMs` since the start; `nil` once the reset is over.
    public func step(atElapsedMs elapsedMs: Int64) -> BreathStep? {
        guard elapsedMs >= 0 else { return steps.first }
        return steps.last { $0.startMs <= elapsedMs && elapsedMs < $0.startMs + $0.durationMs }
    }

    /// The cues due in `(afterMs, uptoMs]`; pass `afterMs: nil` for the first
    /// call so the cue of the first breath (at 0) is included.
    public func cues(afterMs: Int64?, uptoMs: Int64) -> [HapticCue] {
        var out: [HapticCue] = []
        let lower = afterMs ?? -1
        for s in steps where s.startMs > lower && s.startMs <= uptoMs {
            switch s.kind {
            case .inhale, .topUpInhale: out.append(.breatheIn)
            case .exhale: out.append(.breatheOut)
            case .hold: out.append(.hold)
            }
        }
        if totalMs > lower && totalMs <= uptoMs { out.append(.finished) }
        return out
    }
}
