#if canImport(CoreBluetooth)
import CoreBluetooth
import Foundation

/// The strap over CoreBluetooth: it reports what CoreBluetooth says to
/// `StrapLinkPolicy` and carries out the policy's commands; the packets go
/// raw to the `HeartRateRelay`. It decides nothing itself.
///
/// State restoration: iOS may end the app in the background during a shift
/// and relaunch it when the strap speaks; the restore identifier lets
/// CoreBluetooth hand the connection back. Create it at launch
/// (`application(_:didFinishLaunchingWithOptions:)`), not in a view, or the
/// relaunch finds no central to restore into. The app declares the
/// `bluetooth-central` background mode in Info.plist.
public final class StrapManager: NSObject, StrapControl {
    public static let restoreIdentifier = "org.steady.strap-central"
    static let heartRateService = CBUUID(string: "180D")
    static let heartRateMeasurement = CBUUID(string: "2A37")

    private let relay: HeartRateRelay
    private let policy: StrapLinkPolicy
    private let queue: DispatchQueue
    private let clock: () -> Int64
    /// Only touched on `queue`. Callbacks can arrive before the assignment
    /// from `init` runs there, so each callback also sets it from its
    /// `central` argument; until then there is nothing to command.
    private var central: CBCentralManager?
    private var peripherals: [String: CBPeripheral] = [:]

    /// `onStatus` gets every status change, on the BLE queue: hop to the
    /// main thread before touching the UI.
    public init(relay: HeartRateRelay,
                memory: KeyValueStore = DefaultsKeyValues(),
                queue: DispatchQueue = DispatchQueue(label: "org.steady.ble"),
                clock: @escaping () -> Int64 = HeartRateRelay.unixMs,
                onStatus: @escaping (StrapStatus) -> Void) {
        self.relay = relay
        self.policy = StrapLinkPolicy(memory: memory)
        self.queue = queue
        self.clock = clock
        super.init()
        policy.onStatus = onStatus
        let central = CBCentralManager(
            delegate: self,
            queue: queue,
            options: [CBCentralManagerOptionRestoreIdentifierKey: Self.restoreIdentifier]
        )
        queue.async { if self.central == nil { self.central = central } }
    }

    public func startLink() { queue.async { self.run(self.policy.start()) } }
    public func stopLink() { queue.async { self.run(self.policy.stop()) } }
    public func choose(_ strap: FoundStrap) { queue.async { self.run(self.policy.choose(strap)) } }
    public func forget() { queue.async { self.run(self.policy.forget()) } }

    /// Carries out the policy's commands (on `queue`).
    private func run(_ commands: [StrapCommand]) {
        guard let central else { return }
        for c in commands {
            switch c {
            case .scan:
                central.scanForPeripherals(withServices: [Self.heartRateService], options: nil)
            case .stopScan:
                central.stopScan()
            case .connect(let id):
                guard let p = peripheral(id) else {
                    run(policy.unknownToSystem())
                    return
                }
                p.delegate = self
                central.connect(p, options: nil)
            case .cancel(let id):
                if let p = peripherals[id] { central.cancelPeripheralConnection(p) }
                peripherals[id] = nil
            }
        }
    }

    private func peripheral(_ id: String) -> CBPeripheral? {
        if let p = peripherals[id] { return p }
        guard let uuid = UUID(uuidString: id),
              let p = central?.retrievePeripherals(withIdentifiers: [uuid]).first else { return nil }
        peripherals[id] = p
        return p
    }
}

extension StrapManager: CBCentralManagerDelegate {
    public func centralManager(_ central: CBCentralManager, willRestoreState dict: [String: Any]) {
        self.central = central
        let restored = dict[CBCentralManagerRestoredStatePeripheralsKey] as? [CBPeripheral] ?? []
        for p in restored {
            let id = p.identifier.uuidString
            peripherals[id] = p
            p.delegate = self
            run(policy.restored(id: id, connected: p.state == .connected))
        }
    }

    public func centralManagerDidUpdateState(_ central: CBCentralManager) {
        self.central = central
        run(policy.bluetooth(poweredOn: central.state == .poweredOn))
    }

    public func centralManager(
        _ central: CBCentralManager,
        didDiscover peripheral: CBPeripheral,
        advertisementData: [String: Any],
        rssi RSSI: NSNumber
    ) {
        let id = peripheral.identifier.uuidString
        peripherals[id] = peripheral
        let name = (advertisementData[CBAdvertisementDataLocalNameKey] as? String) ?? peripheral.name ?? "Heart-rate strap"
        run(policy.discovered(FoundStrap(id: id, name: name)))
    }

    public func centralManager(_ central: CBCentralManager, didConnect peripheral: CBPeripheral) {
        peripheral.discoverServices([Self.heartRateService])
    }

    public func centralManager(_ central: CBCentralManager, didFailToConnect peripheral: CBPeripheral, error: Error?) {
        run(policy.disconnected(id: peripheral.identifier.uuidString, atMs: clock()))
    }

    public func centralManager(_ central: CBCentralManager, didDisconnectPeripheral peripheral: CBPeripheral, error: Error?) {
        run(policy.disconnected(id: peripheral.identifier.uuidString, atMs: clock()))
    }
}

extension StrapManager: CBPeripheralDelegate {
    public func peripheral(_ peripheral: CBPeripheral, didDiscoverServices error: Error?) {
        guard let service = peripheral.services?.first(where: { $0.uuid == Self.heartRateService }) else {
            central?.cancelPeripheralConnection(peripheral)
            return
        }
        peripheral.discoverCharacteristics([Self.heartRateMeasurement], for: service)
    }

    public func peripheral(_ peripheral: CBPeripheral, didDiscoverCharacteristicsFor service: CBService, error: Error?) {
        guard let ch = service.characteristics?.first(where: { $0.uuid == Self.heartRateMeasurement }) else { return }
        peripheral.setNotifyValue(true, for: ch)
    }

    public func peripheral(_ peripheral: CBPeripheral, didUpdateNotificationStateFor characteristic: CBCharacteristic, error: Error?) {
        if characteristic.isNotifying { run(policy.streaming(id: peripheral.identifier.uuidString)) }
    }

    public func peripheral(_ peripheral: CBPeripheral, didUpdateValueFor characteristic: CBCharacteristic, error: Error?) {
        guard error == nil, let value = characteristic.value else { return }
        if relay.notification(characteristic: characteristic.uuid.uuidString, value: value) {
            // data is the proof of streaming (a restored link streams
            // without a new subscription callback)
            run(policy.streaming(id: peripheral.identifier.uuidString))
        }
    }
}
#endif
