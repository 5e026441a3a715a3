#if canImport(ActivityKit) && os(iOS)
import ActivityKit
import Foundation

/// What the Lock Screen / Dynamic Island shows during a shift: the gauge
/// as the app words it (`ShiftActivityContent`), nothing computed here.
public struct ShiftActivityAttributes: ActivityAttributes {
    public typealias ContentState = ShiftActivityContent

    public var shiftStartedAt: Date

    public init(shiftStartedAt: Date) {
        self.shiftStartedAt = shiftStartedAt
    }
}

/// Starts, updates and ends the shift's Live Activity as `ShiftController`
/// says. It starts with the shift (the app is in the foreground then; iOS
/// refuses `Activity.request` from the background); after a relaunch it
/// adopts the running activity instead of requesting a new one. Every
/// content carries a stale date, so if the app dies the Lock Screen marks
/// the gauge out of date instead of freezing it. It never renews: iOS ends
/// a Live Activity after at most 8 hours (12 on the Lock Screen), after
/// which the app's own screen and notifications carry the shift.
@available(iOS 16.2, *)
public final class ShiftLiveActivity: LiveActivityPresenting {
    private var activity: Activity<ShiftActivityAttributes>?

    public init() {}

    private static func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }

    public func start(_ content: ShiftActivityContent, shiftStartedMs: Int64, staleAtMs: Int64) {
        let started = Self.date(shiftStartedMs)
        let state = ActivityContent(state: content, staleDate: Self.date(staleAtMs))
        if let running = Activity<ShiftActivityAttributes>.activities.first(where: {
            $0.attributes.shiftStartedAt == started && $0.activityState == .active
        }) {
            activity = running
            Task { await running.update(state) }
            return
        }
        guard ActivityAuthorizationInfo().areActivitiesEnabled else { return }
        // Throws in the background or when the wearer turned activities off:
        // the shift goes on without one.
        activity = try? Activity.request(attributes: ShiftActivityAttributes(shiftStartedAt: started),
                                         content: state)
    }

    public func update(_ content: ShiftActivityContent, staleAtMs: Int64) {
        guard let activity else { return }
        let state = ActivityContent(state: content, staleDate: Self.date(staleAtMs))
        Task { await activity.update(state) }
    }

    public func end(_ final: ShiftActivityContent) {
        guard let activity else { return }
        self.activity = nil
        Task { await activity.end(ActivityContent(state: final, staleDate: nil), dismissalPolicy: .default) }
    }
}
#endif
