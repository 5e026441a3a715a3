import Foundation

/// The iOS shell's one link to the core for a running shift, the
/// counterpart of Android's CoreBridge: strap packets, ticks and the wearer's
/// answers go in unchanged; the core's events come out to `onEvents`.
/// Nothing is decided here.
public final class ShiftHost: StrapSink {
    public let shift: LiveShift
    private let resetProtocolId: String
    private let listener: Listener

    /// `onEvents` runs on the calling (BLE) thread: hop to the main actor
    /// before touching UI or calling back into the shift.
    public init(shift: LiveShift, resetProtocolId: String = "paced_4_6",
                onEvents: @escaping @Sendable ([ShiftEvent]) -> Void) {
        self.shift = shift
        self.resetProtocolId = resetProtocolId
        self.listener = Listener(onEvents: onEvents)
        shift.setListener(listener: listener)
    }

    /// A packet the core refuses throws a typed `SteadyError`; the relay counts and drops it.
    public func heartRatePacket(_ bytes: Data, atMs: Int64) throws {
        try shift.ingest(tMs: atMs, packet: bytes)
    }

    public func strapState(_ state: StrapState, atMs: Int64) {
        if state == .disconnected { tick(atMs: atMs) }
    }

    /// Call every few seconds: the core notices a silent strap from ticks.
    public func tick(atMs: Int64) {
        try? shift.tick(tMs: atMs)
    }

    public func promptAction(_ action: PromptAction, atMs: Int64) {
        let input: UserAction
        switch action {
        case .startReset: input = .startReset(protocolId: resetProtocolId)
        case .snooze: input = .snooze(minutes: 0)
        case .dismiss: input = .dismissPrompt
        }
        // A refusal (e.g. the prompt was already answered) needs no undo.
        try? shift.userAction(tMs: atMs, action: input)
    }

    /// Words for the time-sensitive notification, from the core's prompt.
    public static func promptContent(_ prompt: Prompt) -> PromptContent {
        let minutes = prompt.reason.sustainedS / 60.0
        let span = minutes < 1.5 ? "a minute" : "\(Int(minutes.rounded())) minutes"
        return PromptContent(
            promptId: Int64(prompt.number),
            title: "Time for a 30-second reset?",
            body: "You have been running hot for \(span) without a break."
        )
    }

    private final class Listener: ShiftListener, @unchecked Sendable {
        let handler: @Sendable ([ShiftEvent]) -> Void
        init(onEvents: @escaping @Sendable ([ShiftEvent]) -> Void) { self.handler = onEvents }
        func onEvents(events: [ShiftEvent]) { handler(events) }
    }
}
