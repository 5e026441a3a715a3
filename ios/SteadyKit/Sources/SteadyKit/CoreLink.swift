import Foundation

// The one file of SteadyKit that touches the FFI objects of the Rust core
// (LiveShift, SteadyStore, UserAction, ShiftRecord, GaugeSnapshot, ExportFormat).
// Everything else in SteadyKit speaks to the core through `ShiftStoreLink`
// and `ShiftHost`, and reads the core's plain records (GaugeUpdate, Prompt,
// ShiftSummary, ResetProtocol). When the FFI surface changes, this file
// changes.

/// What the wearer answered to a prompt, as the core takes it.
public enum PromptAnswer: Equatable, Sendable {
    case takeReset
    case snooze
    case dismiss
}

/// The export formats the app offers.
public enum ExportKind: String, CaseIterable, Sendable {
    case json, beatsCsv, kubios

    /// File extension of the exported file.
    public var fileExtension: String {
        switch self {
        case .json: return "json"
        case .beatsCsv: return "csv"
        case .kubios: return "txt"
        }
    }

    var ffi: ExportFormat {
        switch self {
        case .json: return .json
        case .beatsCsv: return .beatsCsv
        case .kubios: return .kubios
        }
    }
}

/// The on-device store (SQLite, in the app's container): start, resume,
/// summaries, export. Health data never leaves it except through an export
/// the wearer shares.
public final class ShiftStoreLink {
    private let store: SteadyStore

    /// Opens (or creates) the database; a foreign or damaged file is a typed
    /// `SteadyError.Store` and is left untouched.
    public init(path: String) throws {
        store = try SteadyStore.open(path: path)
    }

    /// A new stored shift starting at `atMs`, with the default parameters.
    public func startShift(atMs: Int64) throws -> LiveShiftLink {
        LiveShiftLink(try store.startShift(tMs: atMs, config: defaultShiftConfig()), startedMs: atMs)
    }

    /// The latest shift the app left running (killed by iOS or the wearer),
    /// resumed; `nil` when there is none.
    public func resumeLatestUnfinished() throws -> LiveShiftLink? {
        guard let latest = try store.unfinishedShifts().max(by: { $0.startedMs < $1.startedMs }) else {
            return nil
        }
        return LiveShiftLink(try store.resumeShift(id: latest.id), startedMs: latest.startedMs)
    }

    /// Ids of shifts never ended, oldest first.
    public func unfinishedShiftIds() throws -> [Int64] {
        try store.unfinishedShifts().map(\.id)
    }

    /// Ids of every stored shift, oldest first.
    public func shiftIds() throws -> [Int64] {
        try store.shifts().map(\.id)
    }

    /// The stored summary of an ended shift.
    public func summary(id: Int64) throws -> ShiftSummary? {
        try store.summary(id: id)
    }

    /// Writes one shift to `path`.
    public func export(id: Int64, kind: ExportKind, path: String) throws {
        try store.export(id: id, format: kind.ffi, path: path)
    }
}

/// A running stored shift. Thread-safe (the core locks): the BLE thread
/// ingests while the main thread ticks, acts and reads.
public final class LiveShiftLink {
    let shift: LiveShift
    /// When the shift started (unix ms), also after a resume.
    public let startedMs: Int64

    init(_ shift: LiveShift, startedMs: Int64) {
        self.shift = shift
        self.startedMs = startedMs
    }

    /// The core's events go to `handler`, on the thread of the call that
    /// caused them. `handler` must not call back into this shift (post to
    /// your own thread first); `nil` removes it.
    public func listen(_ handler: (@Sendable ([ShiftEvent]) -> Void)?) {
        shift.setListener(listener: handler.map(Listener.init))
    }

    /// One raw 0x2A37 notification, stamped on arrival.
    public func ingest(_ packet: Data, atMs: Int64) throws {
        try shift.ingest(tMs: atMs, packet: packet)
    }

    /// Time passes with no data: the core notices a silent strap from ticks.
    public func tick(atMs: Int64) throws {
        try shift.tick(tMs: atMs)
    }

    /// The wearer's answer to the open prompt.
    public func answer(_ answer: PromptAnswer, atMs: Int64, resetProtocolId: String) throws {
        switch answer {
        case .takeReset: try startReset(protocolId: resetProtocolId, atMs: atMs)
        case .snooze: try shift.userAction(tMs: atMs, action: .snooze(minutes: 0))
        case .dismiss: try shift.userAction(tMs: atMs, action: .dismissPrompt)
        }
    }

    public func startReset(protocolId: String, atMs: Int64) throws {
        try shift.userAction(tMs: atMs, action: .startReset(protocolId: protocolId))
    }

    /// The reset ran to its end (`completed`) or was stopped (not scored).
    public func finishReset(completed: Bool, atMs: Int64) throws {
        try shift.userAction(tMs: atMs, action: completed ? .finishReset : .abandonReset)
    }

    /// Ends the shift and returns its summary.
    public func end(atMs: Int64) throws -> ShiftSummary {
        try shift.end(tMs: atMs)
    }

    /// The summary once the shift has ended.
    public var summary: ShiftSummary? { shift.summary() }

    /// The latest gauge refresh (`nil` before the first).
    public var latest: GaugeUpdate? { shift.snapshot().latest }

    /// The stored shift's id.
    public var shiftId: Int64? { shift.snapshot().shiftId }

    /// The latest failure to save, `nil` once a save succeeds.
    public var storeError: String? { shift.snapshot().storeError }

    public var ended: Bool { shift.snapshot().ended }

    private final class Listener: ShiftListener, @unchecked Sendable {
        let handler: @Sendable ([ShiftEvent]) -> Void
        init(_ handler: @escaping @Sendable ([ShiftEvent]) -> Void) { self.handler = handler }
        func onEvents(events: [ShiftEvent]) { handler(events) }
    }
}

/// The core's guided reset protocols (phases and durations).
public func builtinResetProtocols() -> [ResetProtocol] {
    resetProtocols()
}
