#if canImport(CoreBluetooth)
import CoreBluetooth
import Foundation

/// The strap over CoreBluetooth, with state restoration: iOS may end the app
/// in the background during a shift and relaunch it when the strap speaks;
/// the restore identifier lets CoreBluetooth hand the connection back
/// (btleplug cannot, it creates its manager without one). The app declares
/// the `bluetooth-central` background mode in Info.plist.
///
/// It scans for any strap offering the standard Heart Rate service (0x180D),
/// subscribes to 0x2A37 and relays every value. After a dropout it asks to
/// connect again at once: a CoreBluetooth connect request never times out, so
/// iOS completes it whenever the strap is back in range.
public final class StrapManager: NSObject {
    public static let restoreIdentifier = "org.steady.strap-central"
    static let heartRateService = CBUUID(string: "180D")
    static let heartRateMeasurement = CBUUID(string: "2A37")

    private let relay: HeartRateRelay
    private let queue: DispatchQueue
    private var central: CBCentralManager!
    private var peripheral: CBPeripheral?
    private let knownKey = "org.steady.strap-identifier"

    /// BLE callbacks arrive on `queue`, not the main thread: the core is
    /// thread-safe and the UI reads snapshots on its own thread.
    public init(relay: HeartRateRelay, queue: DispatchQueue = DispatchQueue(label: "org.steady.ble")) {
        self.relay = relay
        self.queue = queue
        super.init()
        central = CBCentralManager(
            delegate: self,
            queue: queue,
            options: [CBCentralManagerOptionRestoreIdentifierKey: Self.restoreIdentifier]
        )
    }

    /// Forgets the strap and stops; the next start scans again.
    public func stop() {
        queue.async {
            if let p = self.peripheral { self.central.cancelPeripheralConnection(p) }
            self.peripheral = nil
            self.central.stopScan()
            self.relay.state(.disconnected)
        }
    }

    private func connectKnownOrScan() {
        if let idString = UserDefaults.standard.string(forKey: knownKey),
           let id = UUID(uuidString: idString),
           let known = central.retrievePeripherals(withIdentifiers: [id]).first {
            connect(known)
        } else {
            relay.state(.scanning)
            central.scanForPeripherals(withServices: [Self.heartRateService], options: nil)
        }
    }

    private func connect(_ p: CBPeripheral) {
        peripheral = p
        p.delegate = self
        relay.state(.connecting)
        central.connect(p, options: nil)
    }
}

extension StrapManager: CBCentralManagerDelegate {
    public func centralManager(_ central: CBCentralManager, willRestoreState dict: [String: Any]) {
        if let restored = dict[CBCentralManagerRestoredStatePeripheralsKey] as? [CBPeripheral],
           let p = restored.first {
            peripheral = p
            p.delegate = self
        }
    }

    public func centralManagerDidUpdateState(_ central: CBCentralManager) {
        guard central.state == .poweredOn else {
            relay.state(.disconnected)
            return
        }
        if let p = peripheral, p.state == .connected {
            p.discoverServices([Self.heartRateService])
        } else {
            connectKnownOrScan()
        }
    }

    public func centralManager(
        _ central: CBCentralManager,
        didDiscover peripheral: CBPeripheral,
        advertisementData: [String: Any],
        rssi RSSI: NSNumber
    ) {
        central.stopScan()
        UserDefaults.standard.set(peripheral.identifier.uuidString, forKey: knownKey)
        connect(peripheral)
    }

    public func centralManager(_ central: CBCentralManager, didConnect peripheral: CBPeripheral) {
        peripheral.discoverServices([Self.heartRateService])
    }

    public func centralManager(
        _ central: CBCentralManager,
        didFailToConnect peripheral: CBPeripheral,
        error: Error?
    ) {
        relay.state(.disconnected)
        central.connect(peripheral, options: nil)
    }

    public func centralManager(
        _ central: CBCentralManager,
        didDisconnectPeripheral peripheral: CBPeripheral,
        error: Error?
    ) {
        relay.state(.disconnected)
        guard self.peripheral === peripheral else { return }
        central.connect(peripheral, options: nil)
    }
}

extension StrapManager: CBPeripheralDelegate {
    public func peripheral(_ peripheral: CBPeripheral, didDiscoverServices error: Error?) {
        guard let service = peripheral.services?.first(where: { $0.uuid == Self.heartRateService }) else {
            central.cancelPeripheralConnection(peripheral)
            return
        }
        peripheral.discoverCharacteristics([Self.heartRateMeasurement], for: service)
    }

    public func peripheral(
        _ peripheral: CBPeripheral,
        didDiscoverCharacteristicsFor service: CBService,
        error: Error?
    ) {
        guard let ch = service.characteristics?.first(where: { $0.uuid == Self.heartRateMeasurement }) else {
            return
        }
        peripheral.setNotifyValue(true, for: ch)
    }

    public func peripheral(
        _ peripheral: CBPeripheral,
        didUpdateNotificationStateFor characteristic: CBCharacteristic,
        error: Error?
    ) {
        if characteristic.isNotifying { relay.state(.streaming) }
    }

    public func peripheral(
        _ peripheral: CBPeripheral,
        didUpdateValueFor characteristic: CBCharacteristic,
        error: Error?
    ) {
        guard error == nil, let value = characteristic.value else { return }
        relay.notification(characteristic: characteristic.uuid.uuidString, value: value)
    }
}
#endif
