#if canImport(ActivityKit) && os(iOS)
import ActivityKit
import Foundation

/// What the Lock Screen / Dynamic Island shows during a shift: the gauge and
/// its state label, from the core's snapshot. No numbers are computed here.
public struct ShiftActivityAttributes: ActivityAttributes {
    public struct ContentState: Codable, Hashable {
        public var gauge: Int
        public var stateLabel: String
        public var promptPending: Bool

        public init(gauge: Int, stateLabel: String, promptPending: Bool) {
            self.gauge = gauge
            self.stateLabel = stateLabel
            self.promptPending = promptPending
        }
    }

    public var shiftStartedAt: Date

    public init(shiftStartedAt: Date) {
        self.shiftStartedAt = shiftStartedAt
    }
}

/// Starts, updates and ends the shift's Live Activity.
///
/// Note: iOS keeps a Live Activity for about 8 hours (and on the Lock Screen
/// up to 12 hours before removing it), shorter than many shifts. So
/// `update` ends the running activity and starts a fresh one once it is
/// `renewAfter` old; the shift itself lives in the core and is unaffected.
@available(iOS 16.2, *)
public final class ShiftLiveActivity {
    public static let renewAfter: TimeInterval = 7.5 * 3600

    private var activity: Activity<ShiftActivityAttributes>?
    private var startedAt: Date?
    private let shiftStartedAt: Date

    public init(shiftStartedAt: Date) {
        self.shiftStartedAt = shiftStartedAt
    }

    public func start(_ state: ShiftActivityAttributes.ContentState) throws {
        guard ActivityAuthorizationInfo().areActivitiesEnabled else { return }
        activity = try Activity.request(
            attributes: ShiftActivityAttributes(shiftStartedAt: shiftStartedAt),
            content: .init(state: state, staleDate: nil)
        )
        startedAt = Date()
    }

    public func update(_ state: ShiftActivityAttributes.ContentState, now: Date = Date()) async throws {
        if let started = startedAt, now.timeIntervalSince(started) >= Self.renewAfter {
            await end()
            try start(state)
            return
        }
        await activity?.update(.init(state: state, staleDate: nil))
    }

    public func end() async {
        await activity?.end(nil, dismissalPolicy: .immediate)
        activity = nil
        startedAt = nil
    }
}
#endif
