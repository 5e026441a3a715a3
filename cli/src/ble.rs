//! BLE transport for standard heart-rate straps, through btleplug (BlueZ over
//! D-Bus on Linux, CoreBluetooth on macOS, WinRT on Windows).
//!
//! This module only moves bytes: it finds straps advertising the Heart Rate
//! service (0x180D), keeps a link to one alive, and hands every 0x2A37 value
//! upward with the unix time it arrived. Decoding and everything that thinks
//! lives in `steady-core`. Why a reconnect loop here and not in the caller: a
//! strap drops out whenever the wearer walks away from the desk, and the shift
//! must go on; the caller only sees `Disconnected` / `Connected` markers that
//! bound the gap.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use btleplug::api::{
    Central, CentralEvent, Characteristic, Manager as _, Peripheral as _, ScanFilter,
    bleuuid::uuid_from_u16,
};
use btleplug::platform::{Adapter, Manager, Peripheral, PeripheralId};
use futures::StreamExt;
use steady_core::Millis;
use steady_core::hrm::BodySensorLocation;
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

/// Heart Rate service.
pub const HEART_RATE_SERVICE: Uuid = uuid_from_u16(0x180D);
/// Heart Rate Measurement characteristic (notify).
pub const HEART_RATE_MEASUREMENT: Uuid = uuid_from_u16(0x2A37);
/// Body Sensor Location characteristic (read).
pub const BODY_SENSOR_LOCATION: Uuid = uuid_from_u16(0x2A38);

/// Longest wait for one connection attempt (Connect + service resolution).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// A link must stream data this long to count as a good connection (one
/// that resets the reconnection backoff when it drops).
const STABLE_LINK: Duration = Duration::from_secs(5);

/// Errors of the BLE layer.
#[derive(Debug, thiserror::Error)]
pub enum BleError {
    /// The platform Bluetooth stack refused or failed an operation.
    #[error("Bluetooth: {0}")]
    Bluetooth(#[from] btleplug::Error),
    /// No adapter: no radio, or (Linux) no BlueZ on the system D-Bus.
    #[error("no Bluetooth adapter found (on Linux: is bluetoothd running on the system bus?)")]
    NoAdapter,
    /// Nothing matching was seen while scanning.
    #[error("no heart-rate strap{} seen within {waited_s} s", .selector.as_ref().map(|s| format!(" matching '{s}'")).unwrap_or_default())]
    NotFound {
        /// The `--device` selector, if one was given.
        selector: Option<String>,
        /// How long we scanned.
        waited_s: u64,
    },
    /// The strap's GATT database lacks a characteristic we need.
    #[error("the strap has no {0} characteristic")]
    MissingCharacteristic(&'static str),
    /// A connection attempt did not finish in time.
    #[error("connection attempt timed out after {0} s")]
    ConnectTimeout(u64),
}

/// A strap seen while scanning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrapInfo {
    /// The platform's handle for it (a D-Bus path on Linux).
    pub id: PeripheralId,
    /// Advertised (or cached) name, if any.
    pub name: Option<String>,
    /// Bluetooth address as `AA:BB:CC:DD:EE:FF` (on macOS a UUID-derived value).
    pub address: String,
    /// Last signal strength, dBm.
    pub rssi: Option<i16>,
}

/// Whether a strap matches a `--device` selector: an address compares
/// case-insensitively and exactly; anything else matches a name exactly or as
/// a case-insensitive substring, so `--device h10` finds "Polar H10 5A3B1C2D".
pub fn matches_selector(name: Option<&str>, address: &str, selector: &str) -> bool {
    let wanted = selector.trim();
    if wanted.is_empty() {
        return false;
    }
    if address.eq_ignore_ascii_case(wanted) {
        return true;
    }
    name.is_some_and(|n| n.to_lowercase().contains(&wanted.to_lowercase()))
}

/// Unix time in milliseconds, the clock live data is stamped with. Only the
/// transport reads a clock; the model gets the stamp with the data.
pub fn now_unix_ms() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The clock live data is stamped with: unix time, or, for the test bench
/// (whose mock strap plays a recording `speed` times faster than real time),
/// unix time running `speed` times faster from the moment the clock was made,
/// so that beat intervals and arrival times agree as they do with a real
/// strap and the model sees a plausible stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArrivalClock {
    origin: Millis,
    speed: f64,
}

impl ArrivalClock {
    /// Unix time.
    pub fn real() -> Self {
        Self {
            origin: 0,
            speed: 1.0,
        }
    }

    /// Unix time from `origin` (default: now) on, running `speed` times
    /// faster (`speed` that is not finite and positive means real time).
    /// Two runs given the same origin share one time line.
    pub fn accelerated(speed: f64, origin: Option<Millis>) -> Self {
        if speed.is_finite() && speed > 0.0 && speed != 1.0 {
            Self {
                origin: origin.unwrap_or_else(now_unix_ms),
                speed,
            }
        } else {
            Self::real()
        }
    }

    /// The time now.
    pub fn now(&self) -> Millis {
        let real = now_unix_ms();
        if self.speed == 1.0 {
            return real;
        }
        self.origin + ((real - self.origin) as f64 * self.speed) as Millis
    }
}

/// Exponential backoff between reconnection attempts: quick first retries
/// (a strap that hiccups comes back within a second), capped so a strap left
/// in a locker is polled at a modest rate, reset after every good connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// A backoff starting at `initial`, doubling up to `max`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        let initial = initial.min(max);
        Self {
            initial,
            max,
            next: initial,
        }
    }

    /// The delay before the next attempt; each call doubles the following one.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        delay
    }

    /// Back to the initial delay (after a successful connection).
    pub fn reset(&mut self) {
        self.next = self.initial;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(Duration::from_millis(250), Duration::from_secs(10))
    }
}

/// What the link reports upward, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// Subscribed to 0x2A37: data follows.
    Connected {
        /// When the subscription took effect.
        at: Millis,
        /// 0x2A38, when the strap has it and the read worked.
        body_sensor_location: Option<BodySensorLocation>,
    },
    /// One raw 0x2A37 value.
    Measurement {
        /// Arrival time.
        at: Millis,
        /// The characteristic value exactly as received.
        value: Vec<u8>,
    },
    /// The link is gone; data stops until the next `Connected`.
    Disconnected {
        /// When we noticed.
        at: Millis,
        /// Why, for the log.
        reason: String,
    },
    /// A (re)connection attempt failed; the next one follows after `delay`.
    Retrying {
        /// 1 for the first failed attempt after a loss.
        attempt: u32,
        /// Wait before the next attempt.
        delay: Duration,
        /// The failure.
        error: String,
    },
}

/// Tuning of [`run_link`].
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// Delays between reconnection attempts.
    pub backoff: Backoff,
    /// Treat the link as dead after this long without a notification (a
    /// strap sends about one per second; some stacks never report the loss).
    pub stall_timeout: Duration,
    /// What data is stamped with.
    pub clock: ArrivalClock,
}

impl Default for LinkOptions {
    fn default() -> Self {
        Self {
            backoff: Backoff::default(),
            stall_timeout: Duration::from_secs(15),
            clock: ArrivalClock::real(),
        }
    }
}

/// The first Bluetooth adapter of the system.
pub async fn default_adapter() -> Result<Adapter, BleError> {
    let manager = Manager::new().await?;
    manager
        .adapters()
        .await?
        .into_iter()
        .next()
        .ok_or(BleError::NoAdapter)
}

/// Properties of a peripheral, if it offers the Heart Rate service.
async fn strap_info(adapter: &Adapter, id: &PeripheralId) -> Result<Option<StrapInfo>, BleError> {
    let peripheral = adapter.peripheral(id).await?;
    let Some(props) = peripheral.properties().await? else {
        return Ok(None);
    };
    if !props.services.contains(&HEART_RATE_SERVICE) {
        return Ok(None);
    }
    Ok(Some(StrapInfo {
        id: id.clone(),
        name: props.local_name,
        address: props.address.to_string(),
        rssi: props.rssi,
    }))
}

fn event_peripheral(event: &CentralEvent) -> Option<&PeripheralId> {
    match event {
        CentralEvent::DeviceDiscovered(id)
        | CentralEvent::DeviceUpdated(id)
        | CentralEvent::RssiUpdate { id, .. }
        | CentralEvent::ServicesAdvertisement { id, .. }
        | CentralEvent::ManufacturerDataAdvertisement { id, .. }
        | CentralEvent::ServiceDataAdvertisement { id, .. } => Some(id),
        _ => None,
    }
}

/// Scans for `timeout` and lists every strap seen that offers 0x180D,
/// strongest signal first.
pub async fn scan(adapter: &Adapter, timeout: Duration) -> Result<Vec<StrapInfo>, BleError> {
    let mut events = adapter.events().await?;
    adapter
        .start_scan(ScanFilter {
            services: vec![HEART_RATE_SERVICE],
        })
        .await?;
    let mut seen = BTreeSet::new();
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => break,
            event = events.next() => match event {
                Some(event) => {
                    if let Some(id) = event_peripheral(&event) {
                        seen.insert(id.clone());
                    }
                }
                None => break,
            },
        }
    }
    if let Err(e) = adapter.stop_scan().await {
        tracing::warn!("stopping the scan failed: {e}");
    }
    let mut straps = Vec::new();
    for id in &seen {
        match strap_info(adapter, id).await {
            Ok(Some(info)) => straps.push(info),
            Ok(None) => {}
            Err(e) => tracing::debug!("skipping {id}: {e}"),
        }
    }
    straps.sort_by_key(|s| std::cmp::Reverse(s.rssi.unwrap_or(i16::MIN)));
    Ok(straps)
}

/// Scans until a strap matching `selector` (any strap when `None`) shows up,
/// at most `timeout`.
pub async fn find_strap(
    adapter: &Adapter,
    selector: Option<&str>,
    timeout: Duration,
) -> Result<StrapInfo, BleError> {
    let mut events = adapter.events().await?;
    adapter
        .start_scan(ScanFilter {
            services: vec![HEART_RATE_SERVICE],
        })
        .await?;
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let mut checked = BTreeSet::new();
    let found = loop {
        tokio::select! {
            _ = &mut deadline => break None,
            event = events.next() => {
                let Some(event) = event else { break None };
                let Some(id) = event_peripheral(&event) else { continue };
                if !checked.insert(id.clone()) {
                    continue;
                }
                match strap_info(adapter, id).await {
                    Ok(Some(info)) if selector.is_none_or(|s| matches_selector(info.name.as_deref(), &info.address, s)) => {
                        break Some(info)
                    }
                    Ok(_) => {}
                    Err(e) => tracing::debug!("skipping {id}: {e}"),
                }
            }
        }
    };
    if let Err(e) = adapter.stop_scan().await {
        tracing::warn!("stopping the scan failed: {e}");
    }
    found.ok_or_else(|| BleError::NotFound {
        selector: selector.map(str::to_owned),
        waited_s: timeout.as_secs(),
    })
}

/// Resolves once `stop` turns true, or its sender is gone (nobody is
/// listening any more, so stopping is right too).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    // The guard returned by wait_for is dropped here, before any await.
    let _ = stop.wait_for(|s| *s).await.map(|_| ());
}

/// How one connection ended.
enum ConnectionEnd {
    /// The caller asked to stop; the link was closed cleanly.
    Stopped,
    /// The link dropped (or stalled); reconnect. `stable` when it delivered
    /// data for at least [`STABLE_LINK`] (else it counts as a failed
    /// attempt and the reconnection backs off).
    Lost { reason: String, stable: bool },
}

fn find_characteristic(peripheral: &Peripheral, uuid: Uuid) -> Option<Characteristic> {
    peripheral
        .services()
        .into_iter()
        .filter(|s| s.uuid == HEART_RATE_SERVICE)
        .flat_map(|s| s.characteristics)
        .find(|c| c.uuid == uuid)
}

/// Keeps a link to the strap `id` alive until `stop` turns true: connects,
/// reads 0x2A38, subscribes to 0x2A37, forwards every value, and on a drop
/// reconnects with backoff. Returns when stopped, or when `events` is closed.
pub async fn run_link(
    adapter: Adapter,
    id: PeripheralId,
    options: LinkOptions,
    events: mpsc::Sender<LinkEvent>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), BleError> {
    let mut scan = Rescan {
        adapter: &adapter,
        on: false,
    };
    let result = link_loop(&adapter, &id, &options, &events, &mut stop, &mut scan).await;
    scan.stop().await;
    result
}

/// Discovery kept on while reconnecting: a strap that was out of range for
/// long is forgotten by the stack (BlueZ removes the device object) and comes
/// back only through a scan.
struct Rescan<'a> {
    adapter: &'a Adapter,
    on: bool,
}

impl Rescan<'_> {
    async fn start(&mut self) {
        if self.on {
            return;
        }
        let filter = ScanFilter {
            services: vec![HEART_RATE_SERVICE],
        };
        match self.adapter.start_scan(filter).await {
            Ok(()) => {
                tracing::debug!("scanning while reconnecting");
                self.on = true;
            }
            Err(e) => tracing::debug!("could not start a scan: {e}"),
        }
    }

    async fn stop(&mut self) {
        if self.on {
            self.on = false;
            if let Err(e) = self.adapter.stop_scan().await {
                tracing::debug!("could not stop the scan: {e}");
            }
        }
    }
}

async fn link_loop(
    adapter: &Adapter,
    id: &PeripheralId,
    options: &LinkOptions,
    events: &mpsc::Sender<LinkEvent>,
    stop: &mut watch::Receiver<bool>,
    scan: &mut Rescan<'_>,
) -> Result<(), BleError> {
    let mut central = adapter.events().await?;
    let mut backoff = options.backoff.clone();
    let mut attempt: u32 = 0;
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        // The connection watches `stop` itself, so that a stop while streaming
        // still unsubscribes and disconnects cleanly.
        let result = connection(adapter, id, options, &mut central, events, stop, scan).await;
        match result {
            Ok(ConnectionEnd::Stopped) => return Ok(()),
            Ok(ConnectionEnd::Lost { reason, stable }) => {
                let lost = LinkEvent::Disconnected {
                    at: options.clock.now(),
                    reason: reason.clone(),
                };
                if events.send(lost).await.is_err() {
                    return Ok(());
                }
                if stable {
                    // A link that streamed: the strap hiccuped, retry at once.
                    tracing::warn!("strap link lost: {reason}");
                    backoff.reset();
                    attempt = 0;
                    continue;
                }
                // Lost right after connecting (a strap that accepts the
                // connection but sends nothing, a stack replaying an old
                // disconnect): a failed attempt, so it backs off instead of
                // reconnecting every few milliseconds.
                attempt = attempt.saturating_add(1);
                let delay = backoff.next_delay();
                tracing::info!(
                    "link lost right after connecting ({reason}); attempt {attempt}, retrying in {delay:?}"
                );
                let retry = LinkEvent::Retrying {
                    attempt,
                    delay,
                    error: format!("lost right after connecting: {reason}"),
                };
                if events.send(retry).await.is_err() {
                    return Ok(());
                }
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stopped(stop) => return Ok(()),
                }
            }
            Err(e) => {
                attempt = attempt.saturating_add(1);
                let delay = backoff.next_delay();
                tracing::info!("connection attempt {attempt} failed: {e}; retrying in {delay:?}");
                scan.start().await;
                let retry = LinkEvent::Retrying {
                    attempt,
                    delay,
                    error: e.to_string(),
                };
                if events.send(retry).await.is_err() {
                    return Ok(());
                }
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stopped(stop) => return Ok(()),
                }
            }
        }
    }
}

/// One connection: connect, set up, stream until lost or stopped.
async fn connection(
    adapter: &Adapter,
    id: &PeripheralId,
    options: &LinkOptions,
    central: &mut (impl futures::Stream<Item = CentralEvent> + Unpin),
    events: &mpsc::Sender<LinkEvent>,
    stop: &mut watch::Receiver<bool>,
    scan: &mut Rescan<'_>,
) -> Result<ConnectionEnd, BleError> {
    // A fresh handle each time: the stack may have recreated the device.
    let peripheral = adapter.peripheral(id).await?;
    let setup = async {
        if !peripheral.is_connected().await? {
            tokio::time::timeout(CONNECT_TIMEOUT, peripheral.connect())
                .await
                .map_err(|_| BleError::ConnectTimeout(CONNECT_TIMEOUT.as_secs()))??;
        }
        // Connected: no more need to scan (BlueZ advises against discovery
        // during a connection).
        scan.stop().await;
        peripheral.discover_services().await?;
        let hrm = find_characteristic(&peripheral, HEART_RATE_MEASUREMENT).ok_or(
            BleError::MissingCharacteristic("0x2A37 Heart Rate Measurement"),
        )?;
        let location = match find_characteristic(&peripheral, BODY_SENSOR_LOCATION) {
            Some(c) => match peripheral.read(&c).await {
                Ok(v) => match BodySensorLocation::decode(&v) {
                    Ok(l) => Some(l),
                    Err(e) => {
                        tracing::warn!("0x2A38 value {v:02x?}: {e}");
                        None
                    }
                },
                Err(e) => {
                    tracing::warn!("reading 0x2A38 failed: {e}");
                    None
                }
            },
            None => None,
        };
        // Take the stream before subscribing so the first value is not missed.
        let notifications = peripheral.notifications().await?;
        peripheral.subscribe(&hrm).await?;
        Ok::<_, BleError>((hrm, location, notifications))
    };
    let setup = tokio::select! {
        r = setup => r,
        _ = stopped(stop) => {
            // Stopped while connecting: leave no link behind.
            if peripheral.is_connected().await.unwrap_or(false)
                && let Err(e) = peripheral.disconnect().await
            {
                tracing::debug!("disconnect after stop: {e}");
            }
            return Ok(ConnectionEnd::Stopped);
        }
    };
    let (hrm, location, mut notifications) = match setup {
        Ok(v) => v,
        Err(e) => {
            // Leave no half-open link behind before the next attempt.
            if let Err(d) = peripheral.disconnect().await {
                tracing::debug!("disconnect after failed setup: {d}");
            }
            return Err(e);
        }
    };
    tracing::info!("subscribed to 0x2A37 on {id}");
    let connected = LinkEvent::Connected {
        at: options.clock.now(),
        body_sensor_location: location,
    };
    if events.send(connected).await.is_err() {
        return Ok(ConnectionEnd::Stopped);
    }

    let since = tokio::time::Instant::now();
    let mut packets = 0u64;
    let stall = tokio::time::sleep(options.stall_timeout);
    tokio::pin!(stall);
    let lost = |reason: String, packets: u64| ConnectionEnd::Lost {
        reason,
        stable: packets > 0 && since.elapsed() >= STABLE_LINK,
    };
    let end = loop {
        tokio::select! {
            // Values first: a value that arrived before the loss is kept.
            biased;
            n = notifications.next() => match n {
                Some(n) if n.uuid == HEART_RATE_MEASUREMENT => {
                    stall.as_mut().reset(tokio::time::Instant::now() + options.stall_timeout);
                    packets += 1;
                    let m = LinkEvent::Measurement { at: options.clock.now(), value: n.value };
                    if events.send(m).await.is_err() {
                        break ConnectionEnd::Stopped;
                    }
                }
                Some(_) => {}
                None => break lost("notification stream ended".into(), packets),
            },
            ev = central.next() => match ev {
                Some(CentralEvent::DeviceDisconnected(d)) if &d == id => {
                    break lost("strap disconnected".into(), packets);
                }
                Some(_) => {}
                None => break lost("adapter event stream ended".into(), packets),
            },
            _ = stopped(stop) => break ConnectionEnd::Stopped,
            _ = &mut stall => {
                break lost(format!(
                    "no data for {} s", options.stall_timeout.as_secs()
                ), packets);
            }
        }
    };
    match &end {
        ConnectionEnd::Stopped => {
            if let Err(e) = peripheral.unsubscribe(&hrm).await {
                tracing::debug!("unsubscribe: {e}");
            }
            if let Err(e) = peripheral.disconnect().await {
                tracing::debug!("disconnect: {e}");
            }
        }
        ConnectionEnd::Lost { .. } => {
            // Drain values that were already delivered before the loss.
            while let Ok(Some(n)) =
                tokio::time::timeout(Duration::from_millis(50), notifications.next()).await
            {
                if n.uuid == HEART_RATE_MEASUREMENT {
                    let m = LinkEvent::Measurement {
                        at: options.clock.now(),
                        value: n.value,
                    };
                    if events.send(m).await.is_err() {
                        return Ok(ConnectionEnd::Stopped);
                    }
                }
            }
            // A stalled link may still be up on the stack's side.
            if peripheral.is_connected().await.unwrap_or(false)
                && let Err(e) = peripheral.disconnect().await
            {
                tracing::debug!("disconnect after loss: {e}");
            }
        }
    }
    Ok(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_matches_address_exactly_and_name_as_substring() {
        let name = Some("Polar H10 5A3B1C2D");
        let addr = "A0:9E:1A:5A:3B:1C";
        assert!(matches_selector(name, addr, "a0:9e:1a:5a:3b:1c"));
        assert!(matches_selector(name, addr, "h10"));
        assert!(matches_selector(name, addr, "Polar H10 5A3B1C2D"));
        assert!(!matches_selector(name, addr, "A0:9E:1A:5A:3B"));
        assert!(!matches_selector(name, addr, "wahoo"));
        assert!(!matches_selector(None, addr, "h10"));
        assert!(!matches_selector(name, addr, "  "));
    }

    #[test]
    fn backoff_doubles_caps_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(250), Duration::from_secs(1));
        let got: Vec<_> = (0..5).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(got, vec![250, 500, 1000, 1000, 1000]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(250));
    }

    #[test]
    fn backoff_initial_above_max_is_clamped() {
        let mut b = Backoff::new(Duration::from_secs(5), Duration::from_secs(1));
        assert_eq!(b.next_delay(), Duration::from_secs(1));
    }

    #[test]
    fn accelerated_clock_runs_faster_from_its_origin() {
        assert_eq!(ArrivalClock::accelerated(1.0, None), ArrivalClock::real());
        assert_eq!(
            ArrivalClock::accelerated(f64::NAN, None),
            ArrivalClock::real()
        );
        assert_eq!(ArrivalClock::accelerated(-3.0, None), ArrivalClock::real());
        let c = ArrivalClock::accelerated(1000.0, None);
        let a = c.now();
        std::thread::sleep(Duration::from_millis(20));
        // 20 ms of real time is at least 20 s on this clock.
        assert!(c.now() - a >= 20_000);
    }

    #[test]
    fn uuids_are_the_bluetooth_base_uuids() {
        assert_eq!(
            HEART_RATE_SERVICE.to_string(),
            "0000180d-0000-1000-8000-00805f9b34fb"
        );
        assert_eq!(
            HEART_RATE_MEASUREMENT.to_string(),
            "00002a37-0000-1000-8000-00805f9b34fb"
        );
        assert_eq!(
            BODY_SENSOR_LOCATION.to_string(),
            "00002a38-0000-1000-8000-00805f9b34fb"
        );
    }
}
