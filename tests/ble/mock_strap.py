# -*- coding: utf-8 -*-
'''python-dbusmock template: BlueZ with one BLE heart-rate strap.

Run it (with Debian's /usr/bin/python3 and python3-dbusmock) on a private
system bus:

    DBUS_SYSTEM_BUS_ADDRESS=unix:path=... /usr/bin/python3 -m dbusmock \
        --system --template tests/ble/mock_strap.py -p '{"rr_file": "..."}'

What it exposes (the parts of BlueZ 5 that btleplug/bluez-async use):
- the `bluez5` template's agent/profile managers and adapter `hci0`;
- a strap `Steady Mock H10` (C0:FF:EE:00:18:0D) advertising 0x180D, with
  GATT service 0x180D, characteristic 0x2A37 (notify, with its 0x2902
  descriptor) and 0x2A38 (read: 0x01 = chest); GATT objects appear on
  Connect (with ServicesResolved) and vanish on disconnect, as in BlueZ for a
  non-bonded device;
- a second device without 0x180D (a scan must not list it).

The strap streams REAL RR intervals (one per line, in ms, from `rr_file`) as
0x2A37 notifications: PropertiesChanged of `Value` on the characteristic.
Beats are grouped 1, 2, 3, 2, 1, 2, 3, ... per packet; a packet is sent when
its last beat ends, on a clock running `speed` times faster than real time.
Flags vary as real straps do: sensor contact supported+detected always, a
16-bit heart-rate field every 7th packet, energy expended every 10th.

The strap's beat clock starts at the first StartNotify and then keeps
running whether or not anyone listens: beats that fall
in an outage are never sent (a real strap does not buffer them), so a client
sees the source sequence minus one contiguous gap per outage.

Control interface `org.steady.MockStrap1` on `/`:
- ForceDisconnect(d outage_s): drop the link now (as if out of range) and
  refuse Connect for `outage_s` seconds of wall time.
- ForceVanish(d outage_s): the same, and BlueZ forgets the device (its
  object is removed); it reappears only when a scan runs after the outage.
- LoadRr(s path, d speed, b loop): play another RR file from its start.
- SetFlaky(b on): while on, every link drops 30 ms after the client
  subscribes (a strap that accepts the connection and loses it at once).
- Status() -> a{sv}: connected, notifying, packets_sent, beats_sent,
  next_beat, finished, disconnects.

Parameters (-p JSON): rr_file (required), speed (default 10.0), loop (bool,
default false: stop after the last beat), sent_log (path: every packet sent,
as `<t_unix_ms> <hex> <rr_ms,...>`, and `<t> !disconnected` / `<t> !connected`
/ `<t> !skipped <rr_ms>` lines), disconnect_after_packets (int: force one
disconnect automatically after that many packets), outage_s (default 2.0,
for the automatic disconnect).
'''

import time

import dbus
from gi.repository import GLib

from dbusmock import OBJECT_MANAGER_IFACE, mockobject
from dbusmock.templates import bluez5

BUS_NAME = 'org.bluez'
MAIN_OBJ = '/'
SYSTEM_BUS = True
IS_OBJECT_MANAGER = True

ADAPTER_IFACE = 'org.bluez.Adapter1'
DEVICE_IFACE = 'org.bluez.Device1'
SERVICE_IFACE = 'org.bluez.GattService1'
CHAR_IFACE = 'org.bluez.GattCharacteristic1'
DESC_IFACE = 'org.bluez.GattDescriptor1'
CONTROL_IFACE = 'org.steady.MockStrap1'
MOCK_IFACE = 'org.steady.MockNoop1'

ADAPTER = 'hci0'
ADAPTER_PATH = '/org/bluez/' + ADAPTER
STRAP_NAME = 'Steady Mock H10'
STRAP_ADDRESS = 'C0:FF:EE:00:18:0D'
OTHER_NAME = 'Kitchen Speaker'
OTHER_ADDRESS = 'C0:FF:EE:00:AA:01'


def uuid16(short):
    return f'0000{short:04x}-0000-1000-8000-00805f9b34fb'


def dev_path(address):
    return ADAPTER_PATH + '/dev_' + address.replace(':', '_')


STRAP_PATH = dev_path(STRAP_ADDRESS)
SERVICE_PATH = STRAP_PATH + '/service000c'
HRM_PATH = SERVICE_PATH + '/char000d'
CCCD_PATH = HRM_PATH + '/desc000f'
BSL_PATH = SERVICE_PATH + '/char0010'

STRAP_UUIDS = [uuid16(0x180D), uuid16(0x180A), uuid16(0x180F)]

# Beats per packet, cycled: every packet carries 1-3 RR intervals.
CHUNKS = [1, 2, 3, 2]


def now_ms():
    return int(time.time() * 1000)


def encode_hrm(rr_ms, seq, energy_kj):
    '''Encode one 0x2A37 Heart Rate Measurement (Bluetooth HRS 1.0).

    flags: bit0 = 16-bit HR, bits1-2 = sensor contact (0b11 = supported and
    detected), bit3 = energy expended present, bit4 = RR present.
    RR is sent in 1/1024 s, little endian.
    '''
    units = [int(round(ms * 1024 / 1000)) for ms in rr_ms]
    bpm = int(round(60000 * len(rr_ms) / sum(rr_ms)))
    flags = 0x06 | 0x10
    out = bytearray()
    if seq % 7 == 3:
        flags |= 0x01
        out += bpm.to_bytes(2, 'little')
    else:
        out.append(min(bpm, 255))
    if seq % 10 == 5:
        flags |= 0x08
        out += (energy_kj & 0xFFFF).to_bytes(2, 'little')
    for u in units:
        out += u.to_bytes(2, 'little')
    return bytes([flags]) + bytes(out)


def ay(data):
    return dbus.Array([dbus.Byte(b) for b in data], signature='y', variant_level=1)


class Strap:
    '''The strap's own state: its beat clock, its link, its notify session.'''

    def __init__(self, params):
        rr_file = params.get('rr_file')
        if not rr_file:
            raise ValueError('mock_strap: parameter rr_file is required')
        with open(rr_file, encoding='utf-8') as f:
            self.rr = [int(round(float(x))) for x in f.read().split() if x.strip()]
        if not self.rr:
            raise ValueError(f'mock_strap: no RR values in {rr_file}')
        self.speed = float(params.get('speed', 10.0))
        self.loop = bool(params.get('loop', False))
        self.auto_disconnect = int(params.get('disconnect_after_packets', 0))
        self.auto_outage = float(params.get('outage_s', 2.0))
        log = params.get('sent_log')
        self.sent_log = open(log, 'a', encoding='utf-8') if log else None
        self.next_beat = 0
        self.seq = 0
        self.packets_sent = 0
        self.beats_sent = 0
        self.disconnects = 0
        self.connected = False
        self.notifying = False
        self.available_at = 0.0
        self.finished = False
        self.discovering = False
        self.advertising = False
        self.started = False
        self.flaky = False

    def log(self, line):
        if self.sent_log:
            self.sent_log.write(f'{now_ms()} {line}\n')
            self.sent_log.flush()

    def take_chunk(self):
        '''The next 1-3 beats, or [] when the recording is over.'''
        n = CHUNKS[self.seq % len(CHUNKS)]
        chunk = []
        for _ in range(n):
            if self.next_beat >= len(self.rr):
                if not self.loop:
                    break
                self.next_beat = 0
            chunk.append(self.rr[self.next_beat])
            self.next_beat += 1
        return chunk


STRAP = None


def emit_props(obj, iface, changed):
    obj.EmitSignal(dbus.PROPERTIES_IFACE, 'PropertiesChanged', 'sa{sv}as',
                   [iface, changed, dbus.Array([], signature='s')])


def set_props(obj, iface, changed):
    for k, v in changed.items():
        obj.props[iface][k] = v
    emit_props(obj, iface, changed)


# ---------------------------------------------------------------- adapter

def start_discovery(adapter):
    STRAP.discovering = True
    set_props(adapter, ADAPTER_IFACE, {'Discovering': dbus.Boolean(True, variant_level=1)})
    if not STRAP.advertising:
        STRAP.advertising = True
        GLib.timeout_add(100, advertise_first)


def stop_discovery(adapter):
    STRAP.discovering = False
    set_props(adapter, ADAPTER_IFACE, {'Discovering': dbus.Boolean(False, variant_level=1)})


def set_discovery_filter(adapter, discovery_filter):
    adapter.discovery_filter = discovery_filter


def advertise_once():
    '''While the adapter discovers, every device in range "advertises": an
    RSSI update, or, for a strap BlueZ had forgotten, the device object
    again (InterfacesAdded). A connected strap does not advertise.'''
    if STRAP_PATH not in mockobject.objects and time.time() >= STRAP.available_at:
        add_device(mockobject.objects[MAIN_OBJ], STRAP_ADDRESS, STRAP_NAME, STRAP_UUIDS, -58)
        STRAP.log('!reappeared')
    for path, rssi in ((STRAP_PATH, -58), (dev_path(OTHER_ADDRESS), -71)):
        dev = mockobject.objects.get(path)
        if dev is None or dev.props[DEVICE_IFACE]['Connected']:
            continue
        set_props(dev, DEVICE_IFACE, {'RSSI': dbus.Int16(rssi, variant_level=1)})


def advertise_first():
    advertise_once()
    GLib.timeout_add(1000, advertise_tick)
    return False


def advertise_tick():
    if not STRAP.discovering:
        STRAP.advertising = False
        return False
    advertise_once()
    return True


# ----------------------------------------------------------------- device

def device_props(address, name, uuids, rssi):
    return {
        'Address': dbus.String(address, variant_level=1),
        'AddressType': dbus.String('public', variant_level=1),
        'Name': dbus.String(name, variant_level=1),
        'Alias': dbus.String(name, variant_level=1),
        'Icon': dbus.String('', variant_level=1),
        'Class': dbus.UInt32(0, variant_level=1),
        'Appearance': dbus.UInt16(0x0341, variant_level=1),  # heart rate belt
        'UUIDs': dbus.Array(uuids, signature='s', variant_level=1),
        'Paired': dbus.Boolean(False, variant_level=1),
        'Bonded': dbus.Boolean(False, variant_level=1),
        'Connected': dbus.Boolean(False, variant_level=1),
        'Trusted': dbus.Boolean(False, variant_level=1),
        'Blocked': dbus.Boolean(False, variant_level=1),
        'WakeAllowed': dbus.Boolean(False, variant_level=1),
        'Adapter': dbus.ObjectPath(ADAPTER_PATH, variant_level=1),
        'LegacyPairing': dbus.Boolean(False, variant_level=1),
        'Modalias': dbus.String('', variant_level=1),
        'RSSI': dbus.Int16(rssi, variant_level=1),
        'TxPower': dbus.Int16(0, variant_level=1),
        'ManufacturerData': dbus.Dictionary({}, signature='qv', variant_level=1),
        'ServiceData': dbus.Dictionary({}, signature='sv', variant_level=1),
        'ServicesResolved': dbus.Boolean(False, variant_level=1),
    }


def device_connect(device):
    if device.path != STRAP_PATH:
        raise dbus.exceptions.DBusException('Page Timeout', name='org.bluez.Error.Failed')
    if STRAP.connected:
        raise dbus.exceptions.DBusException('Already Connected',
                                            name='org.bluez.Error.AlreadyConnected')
    if time.time() < STRAP.available_at:
        # Out of range: a real adapter gives up with this after its timeout.
        raise dbus.exceptions.DBusException('le-connection-abort-by-local',
                                            name='org.bluez.Error.Failed')
    STRAP.connected = True
    set_props(device, DEVICE_IFACE, {'Connected': dbus.Boolean(True, variant_level=1)})
    add_gatt()
    set_props(device, DEVICE_IFACE, {'ServicesResolved': dbus.Boolean(True, variant_level=1)})
    STRAP.log('!connected')


def drop_link(reason):
    '''The link is gone (asked for, or lost): BlueZ flips Connected and
    ServicesResolved and removes the GATT objects of a non-bonded device.'''
    if not STRAP.connected:
        return
    device = mockobject.objects[STRAP_PATH]
    STRAP.connected = False
    STRAP.notifying = False
    STRAP.disconnects += 1
    set_props(device, DEVICE_IFACE, {
        'ServicesResolved': dbus.Boolean(False, variant_level=1),
        'Connected': dbus.Boolean(False, variant_level=1),
    })
    remove_gatt()
    STRAP.log('!disconnected ' + reason)


def device_disconnect(device):
    if device.path != STRAP_PATH or not STRAP.connected:
        raise dbus.exceptions.DBusException('Not Connected', name='org.bluez.Error.NotConnected')
    drop_link('by-client')


def not_supported(*_args):
    raise dbus.exceptions.DBusException('Not supported by the mock',
                                        name='org.bluez.Error.NotSupported')


DEVICE_METHODS = [
    ('Connect', '', '', device_connect),
    ('Disconnect', '', '', device_disconnect),
    ('ConnectProfile', 's', '', not_supported),
    ('DisconnectProfile', 's', '', not_supported),
    ('Pair', '', '', not_supported),
    ('CancelPairing', '', '', not_supported),
]


def add_device(mock, address, name, uuids, rssi):
    path = dev_path(address)
    props = device_props(address, name, uuids, rssi)
    mock.AddObject(path, DEVICE_IFACE, props, DEVICE_METHODS)
    mock.EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesAdded', 'oa{sa{sv}}',
                    [dbus.ObjectPath(path), {DEVICE_IFACE: props}])


# ------------------------------------------------------------------- GATT

def hrm_read(_char, _options):
    raise dbus.exceptions.DBusException('Read not permitted', name='org.bluez.Error.NotPermitted')


def bsl_read(_char, _options):
    return dbus.Array([dbus.Byte(0x01)], signature='y')  # 0x01 = chest


def write_not_permitted(_char, _value, _options):
    raise dbus.exceptions.DBusException('Write not permitted', name='org.bluez.Error.NotPermitted')


def hrm_start_notify(char):
    if not STRAP.connected:
        raise dbus.exceptions.DBusException('Not connected', name='org.bluez.Error.Failed')
    STRAP.notifying = True
    set_props(char, CHAR_IFACE, {'Notifying': dbus.Boolean(True, variant_level=1)})
    if STRAP.flaky:
        GLib.timeout_add(30, lambda: drop_link('flaky') and False)
    if not STRAP.started:
        # The beat clock starts with the first subscription, so a client that
        # stays connected receives the recording from its first beat on.
        STRAP.started = True
        schedule_next()


def hrm_stop_notify(char):
    if not STRAP.notifying:
        raise dbus.exceptions.DBusException('No notify session started',
                                            name='org.bluez.Error.Failed')
    STRAP.notifying = False
    set_props(char, CHAR_IFACE, {'Notifying': dbus.Boolean(False, variant_level=1)})


def cccd_read(desc, _options):
    return dbus.Array([dbus.Byte(1 if STRAP.notifying else 0), dbus.Byte(0)], signature='y')


def gatt_objects():
    '''(path, interface, props, methods) of the strap's GATT database.'''
    return [
        (SERVICE_PATH, SERVICE_IFACE, {
            'UUID': dbus.String(uuid16(0x180D), variant_level=1),
            'Primary': dbus.Boolean(True, variant_level=1),
            'Device': dbus.ObjectPath(STRAP_PATH, variant_level=1),
            'Includes': dbus.Array([], signature='o', variant_level=1),
            'Handle': dbus.UInt16(0x000c, variant_level=1),
        }, [
            # GattService1 has no methods in BlueZ; bluez-async's introspection
            # parser needs every interface to have one (see architecture.md).
            ('MockNoop', '', '', ''),
        ]),
        (HRM_PATH, CHAR_IFACE, {
            'UUID': dbus.String(uuid16(0x2A37), variant_level=1),
            'Service': dbus.ObjectPath(SERVICE_PATH, variant_level=1),
            'Value': ay(b''),
            'Notifying': dbus.Boolean(False, variant_level=1),
            'Flags': dbus.Array(['notify'], signature='s', variant_level=1),
            'Handle': dbus.UInt16(0x000d, variant_level=1),
            'MTU': dbus.UInt16(247, variant_level=1),
        }, [
            ('ReadValue', 'a{sv}', 'ay', hrm_read),
            ('WriteValue', 'aya{sv}', '', write_not_permitted),
            ('StartNotify', '', '', hrm_start_notify),
            ('StopNotify', '', '', hrm_stop_notify),
        ]),
        (CCCD_PATH, DESC_IFACE, {
            'UUID': dbus.String(uuid16(0x2902), variant_level=1),
            'Characteristic': dbus.ObjectPath(HRM_PATH, variant_level=1),
            'Value': ay(b''),
            'Flags': dbus.Array(['read'], signature='s', variant_level=1),
            'Handle': dbus.UInt16(0x000f, variant_level=1),
        }, [
            ('ReadValue', 'a{sv}', 'ay', cccd_read),
            ('WriteValue', 'aya{sv}', '', write_not_permitted),
        ]),
        (BSL_PATH, CHAR_IFACE, {
            'UUID': dbus.String(uuid16(0x2A38), variant_level=1),
            'Service': dbus.ObjectPath(SERVICE_PATH, variant_level=1),
            'Value': ay(b'\x01'),
            'Notifying': dbus.Boolean(False, variant_level=1),
            'Flags': dbus.Array(['read'], signature='s', variant_level=1),
            'Handle': dbus.UInt16(0x0010, variant_level=1),
            'MTU': dbus.UInt16(247, variant_level=1),
        }, [
            ('ReadValue', 'a{sv}', 'ay', bsl_read),
            ('WriteValue', 'aya{sv}', '', write_not_permitted),
            ('StartNotify', '', '', not_supported),
            ('StopNotify', '', '', not_supported),
        ]),
    ]


def add_gatt():
    root = mockobject.objects['/']
    for path, iface, props, methods in gatt_objects():
        if path in mockobject.objects:
            continue
        root.AddObject(path, iface, props, methods)
        root.EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesAdded', 'oa{sa{sv}}',
                        [dbus.ObjectPath(path), {iface: props}])


def remove_gatt():
    root = mockobject.objects['/']
    for path, iface, _props, _methods in reversed(gatt_objects()):
        if path not in mockobject.objects:
            continue
        root.RemoveObject(path)
        root.EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesRemoved', 'oas',
                        [dbus.ObjectPath(path), dbus.Array([iface], signature='s')])


# ------------------------------------------------------------- the stream

def schedule_next():
    '''Take the next packet's beats and fire when its last beat ends.'''
    chunk = STRAP.take_chunk()
    if not chunk:
        STRAP.finished = True
        STRAP.log('!finished')
        return
    delay_ms = max(1, int(sum(chunk) / STRAP.speed))
    GLib.timeout_add(delay_ms, send_packet, chunk)


def send_packet(chunk):
    seq = STRAP.seq
    STRAP.seq += 1
    if STRAP.connected and STRAP.notifying and HRM_PATH in mockobject.objects:
        value = encode_hrm(chunk, seq, STRAP.next_beat // 10)
        char = mockobject.objects[HRM_PATH]
        set_props(char, CHAR_IFACE, {'Value': ay(value)})
        STRAP.packets_sent += 1
        STRAP.beats_sent += len(chunk)
        STRAP.log(value.hex() + ' ' + ','.join(str(x) for x in chunk))
        if STRAP.auto_disconnect and STRAP.packets_sent == STRAP.auto_disconnect:
            force_disconnect(None, STRAP.auto_outage)
    else:
        STRAP.log('!skipped ' + ','.join(str(x) for x in chunk))
    schedule_next()
    return False


# ---------------------------------------------------------------- control

def force_disconnect(_root, outage_s):
    STRAP.available_at = time.time() + float(outage_s)
    drop_link('forced')


def force_vanish(root, outage_s):
    '''Out of range long enough for BlueZ to forget the device: the link
    drops and the device object goes (InterfacesRemoved). It comes back
    only when someone scans after the outage.'''
    force_disconnect(root, outage_s)
    if STRAP_PATH in mockobject.objects:
        root = mockobject.objects[MAIN_OBJ]
        root.RemoveObject(STRAP_PATH)
        root.EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesRemoved', 'oas',
                        [dbus.ObjectPath(STRAP_PATH), dbus.Array([DEVICE_IFACE], signature='s')])
        STRAP.log('!vanished')


def load_rr(_root, path, speed, loop):
    '''Play another RR file from its first beat, at `speed`.'''
    with open(path, encoding='utf-8') as f:
        rr = [int(round(float(x))) for x in f.read().split() if x.strip()]
    if not rr:
        raise dbus.exceptions.DBusException(f'no RR values in {path}',
                                            name='org.steady.MockStrap1.Error')
    STRAP.rr = rr
    STRAP.next_beat = 0
    STRAP.speed = float(speed)
    STRAP.loop = bool(loop)
    if STRAP.finished and STRAP.started:
        STRAP.finished = False
        schedule_next()
    STRAP.log(f'!loaded {path} speed={speed}')


def set_flaky(_root, on):
    STRAP.flaky = bool(on)
    STRAP.log(f'!flaky {STRAP.flaky}')


def status(_root):
    return dbus.Dictionary({
        'connected': dbus.Boolean(STRAP.connected),
        'notifying': dbus.Boolean(STRAP.notifying),
        'packets_sent': dbus.Int64(STRAP.packets_sent),
        'beats_sent': dbus.Int64(STRAP.beats_sent),
        'next_beat': dbus.Int64(STRAP.next_beat),
        'finished': dbus.Boolean(STRAP.finished),
        'disconnects': dbus.Int64(STRAP.disconnects),
    }, signature='sv')


def load(mock, parameters):
    global STRAP  # pylint: disable=global-statement
    STRAP = Strap(parameters or {})

    # dbusmock registers the root object only after load() returns; the
    # bluez5 helpers below need it already.
    mockobject.objects[MAIN_OBJ] = mock
    bluez5.load(mock, parameters)
    bluez5.AddAdapter(mock, ADAPTER, 'steady-bench')
    adapter = mockobject.objects[ADAPTER_PATH]
    # Our own discovery methods: they drive the advertisements, and do not
    # depend on SetDiscoveryFilter having been called first.
    adapter.AddMethods(ADAPTER_IFACE, [
        ('StartDiscovery', '', '', start_discovery),
        ('StopDiscovery', '', '', stop_discovery),
        ('SetDiscoveryFilter', 'a{sv}', '', set_discovery_filter),
    ])

    add_device(mock, STRAP_ADDRESS, STRAP_NAME, STRAP_UUIDS, -58)
    add_device(mock, OTHER_ADDRESS, OTHER_NAME, [uuid16(0x110B)], -71)

    mock.AddMethods(CONTROL_IFACE, [
        ('ForceDisconnect', 'd', '', force_disconnect),
        ('ForceVanish', 'd', '', force_vanish),
        ('LoadRr', 'sdb', '', load_rr),
        ('SetFlaky', 'b', '', set_flaky),
        ('Status', '', 'a{sv}', status),
    ])
