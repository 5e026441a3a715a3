import Foundation

/// A strap seen by a scan: the platform's identifier (CoreBluetooth's
/// peripheral UUID) and its advertised name.
public struct FoundStrap: Equatable, Hashable, Sendable {
    public let id: String
    public let name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// The link to the strap as the wearer sees it.
public enum StrapStatus: Equatable, Sendable {
    /// Not in use (no shift).
    case off
    /// Bluetooth is off or not allowed.
    case bluetoothUnavailable
    /// Looking for heart-rate straps; `found` lists those seen so far, for
    /// the wearer to choose one.
    case searching(found: [FoundStrap])
    case connecting(FoundStrap)
    case streaming(FoundStrap)
    /// The chosen strap dropped at `sinceMs`; a connect request is pending
    /// and completes whenever it is back in range.
    case reconnecting(FoundStrap, sinceMs: Int64)

    /// One line for the screen. Never silent about a problem.
    public var line: String {
        switch self {
        case .off: return "Strap off"
        case .bluetoothUnavailable: return "Bluetooth is off: turn it on to read the strap"
        case .searching(let found) where found.isEmpty: return "Looking for your strap: put it on and wet the electrodes"
        case .searching: return "Choose your strap"
        case .connecting(let s): return "Connecting to \(s.name)"
        case .streaming(let s): return "\(s.name) connected"
        case .reconnecting(let s, _): return "\(s.name) lost: reconnecting when it is back in range"
        }
    }

    /// The straps to offer for a choice (empty when none is asked for).
    public var choices: [FoundStrap] {
        if case let .searching(found) = self { return found }
        return []
    }

    /// Whether "Use another strap" is offered (a strap is chosen).
    public var canUseAnother: Bool {
        switch self {
        case .connecting, .streaming, .reconnecting: return true
        case .off, .bluetoothUnavailable, .searching: return false
        }
    }

    /// Whether heart data can be arriving now.
    public var isStreaming: Bool {
        if case .streaming = self { return true }
        return false
    }
}

/// What the BLE adapter must do next.
public enum StrapCommand: Equatable, Sendable {
    case scan
    case stopScan
    /// Connect to this strap (no timeout: iOS completes it when in range).
    case connect(id: String)
    case cancel(id: String)
}

/// A small persistent key-value store for the chosen strap (UserDefaults on
/// iOS, a dictionary in tests).
public protocol KeyValueStore: AnyObject {
    func string(forKey key: String) -> String?
    func set(_ value: String?, forKey key: String)
}

/// `KeyValueStore` over UserDefaults (the app's).
public final class DefaultsKeyValues: KeyValueStore {
    private let defaults: UserDefaults

    public init(_ defaults: UserDefaults = .standard) {
        self.defaults = defaults
    }

    public func string(forKey key: String) -> String? { defaults.string(forKey: key) }

    public func set(_ value: String?, forKey key: String) {
        if let value { defaults.set(value, forKey: key) } else { defaults.removeObject(forKey: key) }
    }
}

/// The strap link policy, apart from CoreBluetooth: which strap (the
/// wearer's choice, remembered for the shift and across relaunches), when
/// to scan, connect and reconnect, and what the wearer sees. The adapter
/// feeds it what CoreBluetooth reports and carries out the returned
/// commands. Not thread-safe: call it from the BLE queue only.
public final class StrapLinkPolicy {
    static let chosenIdKey = "org.steady.strap.id"
    static let chosenNameKey = "org.steady.strap.name"

    public private(set) var status: StrapStatus = .off
    private let memory: KeyValueStore
    private var found: [FoundStrap] = []
    private var running = false
    /// `nil` until CoreBluetooth reports its first state.
    private var poweredOn: Bool?
    /// Reports every status change (the adapter hops to the main thread).
    public var onStatus: ((StrapStatus) -> Void)?

    public init(memory: KeyValueStore) {
        self.memory = memory
    }

    /// The remembered strap, if the wearer chose one.
    public var chosen: FoundStrap? {
        guard let id = memory.string(forKey: Self.chosenIdKey) else { return nil }
        return FoundStrap(id: id, name: memory.string(forKey: Self.chosenNameKey) ?? "Strap")
    }

    /// A shift needs the strap: connect the remembered one, else scan.
    public func start() -> [StrapCommand] {
        running = true
        return seek()
    }

    /// Bluetooth turned on or off (or was refused).
    public func bluetooth(poweredOn on: Bool) -> [StrapCommand] {
        poweredOn = on
        guard running else { return [] }
        if !on {
            set(.bluetoothUnavailable)
            return []
        }
        return seek()
    }

    /// iOS relaunched the app and handed back the strap it was connected to.
    public func restored(id: String, connected: Bool) -> [StrapCommand] {
        running = true
        let strap = chosen.flatMap { $0.id == id ? $0 : nil } ?? FoundStrap(id: id, name: "Strap")
        if chosen == nil {
            memory.set(strap.id, forKey: Self.chosenIdKey)
            memory.set(strap.name, forKey: Self.chosenNameKey)
        }
        set(.connecting(strap))
        return connected ? [] : [.connect(id: id)]
    }

    /// A scan saw a heart-rate strap. The remembered one is connected at
    /// once; any other is listed for the wearer to choose; none is taken
    /// without a choice.
    public func discovered(_ strap: FoundStrap) -> [StrapCommand] {
        guard running, case .searching = status else { return [] }
        if strap.id == chosen?.id {
            set(.connecting(strap))
            return [.stopScan, .connect(id: strap.id)]
        }
        if !found.contains(where: { $0.id == strap.id }) { found.append(strap) }
        set(.searching(found: found))
        return []
    }

    /// The wearer picked a strap from the list: remembered from now on.
    public func choose(_ strap: FoundStrap) -> [StrapCommand] {
        let previous = chosen
        memory.set(strap.id, forKey: Self.chosenIdKey)
        memory.set(strap.name, forKey: Self.chosenNameKey)
        guard running else { return [] }
        var commands: [StrapCommand] = [.stopScan]
        if let previous, previous.id != strap.id { commands.append(.cancel(id: previous.id)) }
        set(.connecting(strap))
        return commands + [.connect(id: strap.id)]
    }

    /// Heart-rate notifications are on, or a value arrived: data flows.
    /// Repeating it changes nothing.
    public func streaming(id: String) -> [StrapCommand] {
        guard running, let strap = chosen, strap.id == id else { return [] }
        set(.streaming(strap))
        return []
    }

    /// The link dropped (or a connect failed): ask again at once; the wearer
    /// sees since when it is lost.
    public func disconnected(id: String, atMs: Int64) -> [StrapCommand] {
        guard running, let strap = chosen, strap.id == id else { return [] }
        if case .reconnecting = status {} else { set(.reconnecting(strap, sinceMs: atMs)) }
        return [.connect(id: id)]
    }

    /// The chosen strap is not in reach for a connect by id (iOS no longer
    /// knows it): scan for it.
    public func unknownToSystem() -> [StrapCommand] {
        guard running else { return [] }
        found = []
        set(.searching(found: []))
        return [.scan]
    }

    /// "Use another strap": forget the choice and scan.
    public func forget() -> [StrapCommand] {
        let previous = chosen
        clearChoice()
        guard running else { return [] }
        found = []
        set(.searching(found: []))
        return (previous.map { [.cancel(id: $0.id)] } ?? []) + [.scan]
    }

    /// The shift ended: disconnect and forget the strap; the next shift
    /// scans and the wearer chooses again.
    public func stop() -> [StrapCommand] {
        let previous = chosen
        running = false
        found = []
        clearChoice()
        set(.off)
        return [.stopScan] + (previous.map { [.cancel(id: $0.id)] } ?? [])
    }

    /// Connect the remembered strap, else scan; before CoreBluetooth is
    /// ready, only show what is coming (the commands follow at power-on).
    private func seek() -> [StrapCommand] {
        if poweredOn == false {
            set(.bluetoothUnavailable)
            return []
        }
        let ready = poweredOn == true
        if let strap = chosen {
            set(.connecting(strap))
            return ready ? [.connect(id: strap.id)] : []
        }
        found = []
        set(.searching(found: []))
        return ready ? [.scan] : []
    }

    private func clearChoice() {
        memory.set(nil, forKey: Self.chosenIdKey)
        memory.set(nil, forKey: Self.chosenNameKey)
    }

    private func set(_ s: StrapStatus) {
        guard s != status else { return }
        status = s
        onStatus?(s)
    }
}
