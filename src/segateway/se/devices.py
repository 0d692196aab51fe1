"""The device manager (the original's ``ZDO_Device_Manager``, ``digi-se-devices.md`` §5).

It knows every remote device of the network the application cares about:

* **detection**: a device is detected when the trust center admits it, when its Device_annce is
  heard, or when it is added explicitly (``add``); in explicit-add mode only added devices are
  kept, in open mode every device that announces itself is;
* **discovery**: Node_Desc, Power_Desc, Active_EP, then Simple_Desc of each endpoint, one request
  at a time with retries; ``discovery_status`` tells how far it got;
* **activity**: a device becomes inactive after ``max_sequential_tx_failures`` consecutive failed
  sends (or unanswered requests) and active again as soon as anything is heard from it; the
  periodic refresh (``refresh_rate`` seconds, 0 = off) broadcasts a Match_Desc for the Key
  Establishment server (0x0800, every SE device has one) and counts the silent as failures;
* **persistence**: every change is written to the store before it is announced.

Listeners registered with :meth:`DeviceManager.on_active` are called whenever a device becomes
usable (discovery complete, or reactivated): the ESI servers deliver pending events then.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..radio import ApsPacket, DeliveryResult, DeviceJoined, DeviceLeft, DstMode, RadioEvent
from ..sim.clock import Clock, TimerHandle
from ..store import Store
from ..zigbee import zdo
from ..zigbee.errors import FrameError
from .bus import Bus, DeviceStatusChanged, StatusCode, StatusMessage
from .endpoint import Peer

__all__ = [
    "Device",
    "DeviceManager",
    "DiscoveryStatus",
    "JoinMode",
    "RemoteEndpoint",
]

log = logging.getLogger(__name__)

_Z = zdo.ZdoCluster
ZDO_PROFILE = 0x0000
SE_PROFILE = 0x0109
KEY_ESTABLISHMENT = 0x0800
ZDO_TIMEOUT = 5.0  # seconds a discovery request waits for its answer
ZDO_RETRIES = 2  # extra attempts per discovery request
REDISCOVER_AFTER = 60.0  # seconds before a failed discovery is tried again
_LOGICAL_TYPES = ("coordinator", "router", "end_device")
KEY_WAIT = 10.0  # seconds discovery waits for the application link key before going on
KEY_POLL = 0.25


class DiscoveryStatus(enum.Enum):
    """How far discovery of a device got (``discovery_status`` in the RPC API)."""

    not_started = "not_started"
    in_progress = "in_progress"
    complete = "complete"
    failed = "failed"


class JoinMode(enum.Enum):
    open = "open"  # any device that joins is managed (and persisted)
    explicit = "explicit"  # only devices added with add_device


@dataclass
class RemoteEndpoint:
    """A remote endpoint's simple descriptor."""

    endpoint: int
    profile_id: int
    device_id: int
    device_version: int
    input_clusters: list[int]
    output_clusters: list[int]


@dataclass
class Device:
    """What the gateway knows of one remote device."""

    ieee: int
    nwk: int | None = None
    added_by: str = "join"  # join | explicit
    active: bool = False
    discovery_status: DiscoveryStatus = DiscoveryStatus.not_started
    logical_type: str | None = None  # coordinator | router | end_device
    rx_on_when_idle: bool | None = None
    manufacturer_code: int | None = None
    power: dict[str, Any] | None = None
    endpoints: dict[int, RemoteEndpoint] = field(default_factory=dict)
    tx_failures: int = 0
    last_heard: float | None = None

    def servers_of(self, cluster_id: int, profile_id: int = SE_PROFILE) -> list[int]:
        return [
            ep.endpoint
            for ep in self.endpoints.values()
            if ep.profile_id == profile_id and cluster_id in ep.input_clusters
        ]

    def clients_of(self, cluster_id: int, profile_id: int = SE_PROFILE) -> list[int]:
        return [
            ep.endpoint
            for ep in self.endpoints.values()
            if ep.profile_id == profile_id and cluster_id in ep.output_clusters
        ]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["discovery_status"] = self.discovery_status.value
        data["endpoints"] = [asdict(ep) for ep in self.endpoints.values()]
        data.pop("ieee")
        return data

    @classmethod
    def from_json(cls, ieee: int, data: dict[str, Any]) -> Device:
        data = dict(data)
        endpoints = {e["endpoint"]: RemoteEndpoint(**e) for e in data.pop("endpoints", [])}
        status = DiscoveryStatus(data.pop("discovery_status", "not_started"))
        known = {f for f in cls.__dataclass_fields__ if f not in ("ieee",)}
        return cls(
            ieee=ieee,
            endpoints=endpoints,
            discovery_status=status,
            **{k: v for k, v in data.items() if k in known},
        )


class _Request:
    __slots__ = ("attempt", "callback", "cluster", "record", "timer", "tsn")

    def __init__(self, cluster: int, record: dict[str, Any], callback: Callable[[Any], None]):
        self.cluster = cluster
        self.record = record
        self.callback = callback  # gets the response record, or None after the last attempt
        self.attempt = 0
        self.tsn = 0
        self.timer: TimerHandle | None = None


class DeviceManager:
    """Detection, discovery, activity and persistence of remote devices."""

    def __init__(
        self,
        *,
        clock: Clock,
        store: Store,
        bus: Bus,
        send_packet: Callable[[ApsPacket, Callable[[DeliveryResult], None] | None], None],
        local_ieee: Callable[[], int | None],
        join_mode: JoinMode = JoinMode.open,
        max_sequential_tx_failures: int = 3,
        refresh_rate: float = 0.0,
        request_link_key: Callable[[int], None] | None = None,
        link_key_ready: Callable[[int], bool] | None = None,
        response_margin: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self.clock = clock
        self.store = store
        self.bus = bus
        self._send_packet = send_packet
        self._local_ieee = local_ieee
        self.join_mode = join_mode
        self.max_sequential_tx_failures = max_sequential_tx_failures
        self.refresh_rate = refresh_rate
        self._request_link_key = request_link_key
        self._link_key_ready = link_key_ready
        self._response_margin = response_margin  # seconds more to wait for answers (sleepy)
        self.devices: dict[int, Device] = {}
        self._by_nwk: dict[int, int] = {}
        self._requests: dict[tuple[int, int, int], _Request] = {}  # (nwk, rsp cluster, tsn)
        self._active_listeners: list[Callable[[Device], None]] = []
        self._tsn = 0
        self._refresh_timer: TimerHandle | None = None
        self._refresh_tsn: int | None = None
        self._refresh_heard: set[int] = set()
        self._match_tsns: dict[int, None] = {}  # Match_Desc searches whose answers we await
        for ieee, data in store.devices().items():
            device = Device.from_json(ieee, data)
            self.devices[ieee] = device
            if device.nwk is not None:
                self._by_nwk[device.nwk] = ieee

    # --- queries --------------------------------------------------------------------------------

    def get(self, ieee: int) -> Device | None:
        return self.devices.get(ieee)

    def ieee_of(self, nwk: int | None) -> int | None:
        return None if nwk is None else self._by_nwk.get(nwk)

    def peers(self, cluster_id: int, *, servers: bool, active_only: bool = True) -> list[Peer]:
        """Endpoints of known devices that have a server (or client) of ``cluster_id``."""
        out: list[Peer] = []
        for device in self.devices.values():
            if active_only and not device.active:
                continue
            eps = device.servers_of(cluster_id) if servers else device.clients_of(cluster_id)
            out.extend(Peer(device.nwk, device.ieee, ep) for ep in eps)
        return out

    def on_active(self, listener: Callable[[Device], None]) -> Callable[[], None]:
        """Call ``listener(device)`` whenever a device becomes usable (discovered or back)."""
        self._active_listeners.append(listener)
        return lambda: self._active_listeners.remove(listener)

    # --- starting -------------------------------------------------------------------------------

    def start(self, *, trust_center: tuple[int, int] | None = None) -> None:
        """Resume after a (re)start: rediscover devices whose discovery did not finish and
        start the periodic refresh. ``trust_center`` (IEEE, NWK), given on a router, is
        detected like a joining device: the ESI Coordinator is where an IPD finds its servers."""
        for device in self.devices.values():
            if device.nwk is not None and device.discovery_status is not DiscoveryStatus.complete:
                self.discover(device.ieee)
        if trust_center is not None:
            self.detected(*trust_center)
        self._schedule_refresh()

    def close(self) -> None:
        if self._refresh_timer is not None:
            self._refresh_timer.cancel()
        for request in self._requests.values():
            if request.timer is not None:
                request.timer.cancel()
        self._requests.clear()

    # --- detection ------------------------------------------------------------------------------

    def add(self, ieee: int, *, nwk: int | None = None) -> Device:
        """Register a device explicitly (add_device); discovery starts once it is on the air."""
        device = self.devices.get(ieee)
        if device is None:
            device = Device(ieee=ieee, nwk=nwk, added_by="explicit")
            self.devices[ieee] = device
        device.added_by = "explicit"
        if nwk is not None:
            self._set_nwk(device, nwk)
        self._save(device)
        self.bus.publish(
            StatusMessage(
                None, 1, f"ZDO_Device_Manager - Device {_mac(ieee)} registered with XBee", ieee
            )
        )
        return device

    def remove(self, ieee: int) -> bool:
        device = self.devices.pop(ieee, None)
        if device is None:
            return False
        if device.nwk is not None and self._by_nwk.get(device.nwk) == ieee:
            del self._by_nwk[device.nwk]
        self.store.delete_device(ieee)
        self.bus.publish(
            StatusMessage(
                None, 1, f"ZDO_Device_Manager - Device {_mac(ieee)} unregistered from XBee", ieee
            )
        )
        return True

    def on_event(self, event: RadioEvent) -> None:
        """A radio event: the trust center admitted (or lost) a device."""
        if isinstance(event, DeviceJoined):
            self.detected(event.ieee, event.nwk)
        elif isinstance(event, DeviceLeft) and event.removed:
            self.remove(event.ieee)

    def detected(self, ieee: int, nwk: int) -> None:
        """A device is on the network at ``nwk`` (joined, rejoined or announced)."""
        if ieee == self._local_ieee():
            return
        device = self.devices.get(ieee)
        if device is None:
            if self.join_mode is JoinMode.explicit:
                log.info("device %016x is not registered (explicit-add mode): ignored", ieee)
                return
            device = Device(ieee=ieee, nwk=nwk)
            self.devices[ieee] = device
            self._set_nwk(device, nwk)
            self._save(device)
            self.bus.publish(
                StatusMessage(
                    None,
                    1,
                    f"ZDO_Device_Manager - Device {_mac(ieee)} detected and marked as active",
                    ieee,
                    DiscoveryStatus.in_progress.value,
                )
            )
        else:
            known = device.discovery_status is DiscoveryStatus.complete
            moved = device.nwk != nwk
            self._set_nwk(device, nwk)
            self._save(device)
            self.bus.publish(
                StatusMessage(
                    None,
                    1,
                    f"ZDO_Device_Manager - Received device announce message from known device "
                    f"{_mac(ieee)}",
                    ieee,
                    device.discovery_status.value,
                )
            )
            if known and not moved:
                self.heard(ieee)
                return
        self.discover(ieee)

    def _set_nwk(self, device: Device, nwk: int) -> None:
        if device.nwk is not None and self._by_nwk.get(device.nwk) == device.ieee:
            del self._by_nwk[device.nwk]
        other = self._by_nwk.get(nwk)
        if other is not None and other != device.ieee:
            stale = self.devices.get(other)
            if stale is not None:
                stale.nwk = None
                self._save(stale)
        device.nwk = nwk
        self._by_nwk[nwk] = device.ieee

    # --- activity -------------------------------------------------------------------------------

    def heard(self, ieee: int | None) -> None:
        """Something arrived from ``ieee``: it is alive."""
        device = None if ieee is None else self.devices.get(ieee)
        if device is None:
            return
        device.last_heard = self.clock.now()
        device.tx_failures = 0
        if not device.active and device.discovery_status is DiscoveryStatus.complete:
            self._set_active(device, True)

    def delivery(self, ieee: int | None, ok: bool) -> None:
        """A unicast to ``ieee`` was delivered (or failed after every retry)."""
        device = None if ieee is None else self.devices.get(ieee)
        if device is None:
            return
        if ok:
            self.heard(ieee)
            return
        device.tx_failures += 1
        if device.active and device.tx_failures >= self.max_sequential_tx_failures:
            self._set_active(device, False)

    def _set_active(self, device: Device, active: bool) -> None:
        device.active = active
        self._save(device)
        if active:
            text = f"ZDO_Device_Manager - Device {_mac(device.ieee)} marked as active"
        else:
            text = f"ZDO_Device_Manager - Device {_mac(device.ieee)} marked as inactive"
        self.bus.publish(StatusMessage(int(StatusCode.remote_device_status), 1, text, device.ieee))
        self.bus.publish(DeviceStatusChanged(device.ieee, active, device.discovery_status.value))
        if active:
            for listener in list(self._active_listeners):
                listener(device)

    # --- discovery ------------------------------------------------------------------------------

    def discover(self, ieee: int) -> None:
        """(Re)discover a device: descriptors, endpoints, simple descriptors."""
        device = self.devices.get(ieee)
        if device is None or device.nwk is None:
            return
        device.discovery_status = DiscoveryStatus.in_progress
        self._save(device)
        if self._request_link_key is not None:
            self._request_link_key(ieee)  # SE unicasts need it; ZDO discovery does not
        nwk = device.nwk
        self._zdo(
            nwk,
            _Z.NODE_DESC_REQ,
            {"nwk_addr_of_interest": nwk},
            lambda rec: self._got_node_desc(ieee, rec),
        )

    def _got_node_desc(self, ieee: int, record: Any) -> None:
        device = self.devices.get(ieee)
        if device is None or device.nwk is None:
            return
        if record is not None and record.status == 0:
            desc = record.node_descriptor
            logical = int(desc.type_flags.logical_type)
            device.logical_type = _LOGICAL_TYPES[logical] if logical < len(_LOGICAL_TYPES) else None
            device.rx_on_when_idle = bool(desc.mac_capability_flags.receiver_on_when_idle)
            device.manufacturer_code = desc.manufacturer_code
        nwk = device.nwk
        self._zdo(
            nwk,
            _Z.POWER_DESC_REQ,
            {"nwk_addr_of_interest": nwk},
            lambda rec: self._got_power_desc(ieee, rec),
        )

    def _got_power_desc(self, ieee: int, record: Any) -> None:
        device = self.devices.get(ieee)
        if device is None or device.nwk is None:
            return
        if record is not None and record.status == 0:
            power = record.power_descriptor
            device.power = {
                "current_power_mode": int(power.current_power_mode),
                "available_power_sources": int(power.available_power_sources),
                "current_power_source": int(power.current_power_source),
                "current_power_source_level": int(power.current_power_source_level),
            }
        nwk = device.nwk
        self._zdo(
            nwk,
            _Z.ACTIVE_EP_REQ,
            {"nwk_addr_of_interest": nwk},
            lambda rec: self._got_active_eps(ieee, rec),
        )

    def _got_active_eps(self, ieee: int, record: Any) -> None:
        device = self.devices.get(ieee)
        if device is None:
            return
        if record is None or record.status != 0:
            self._discovery_failed(device)
            return
        pending = [ep for ep in record.active_ep_list if 1 <= ep <= 0xF0]
        device.endpoints = {}
        self._next_simple_desc(ieee, pending)

    def _next_simple_desc(self, ieee: int, pending: list[int]) -> None:
        device = self.devices.get(ieee)
        if device is None or device.nwk is None:
            return
        if not pending:
            self._discovery_complete(device)
            return
        endpoint, rest = pending[0], pending[1:]
        nwk = device.nwk

        def got(record: Any) -> None:
            dev = self.devices.get(ieee)
            if dev is None:
                return
            if record is None:
                self._discovery_failed(dev)
                return
            if record.status == 0 and record.simple_descriptor is not None:
                sd = record.simple_descriptor
                dev.endpoints[sd.endpoint] = RemoteEndpoint(
                    endpoint=sd.endpoint,
                    profile_id=sd.app_profile_id,
                    device_id=sd.app_device_id,
                    device_version=int(sd.app_device_version) & 0x0F,
                    input_clusters=list(sd.app_input_cluster_list),
                    output_clusters=list(sd.app_output_cluster_list),
                )
            self._next_simple_desc(ieee, rest)

        self._zdo(nwk, _Z.SIMPLE_DESC_REQ, {"nwk_addr_of_interest": nwk, "endpoint": endpoint}, got)

    def _discovery_complete(self, device: Device, waited: float = 0.0) -> None:
        ready = self._link_key_ready
        if ready is not None and not ready(device.ieee) and waited < KEY_WAIT:
            # SE unicasts to it are APS-encrypted: it is usable once the link key is here
            self.clock.call_later(KEY_POLL, self._key_check, device.ieee, waited + KEY_POLL)
            return
        device.discovery_status = DiscoveryStatus.complete
        device.tx_failures = 0
        self._save(device)
        self.bus.publish(
            StatusMessage(
                int(StatusCode.discovery_complete),
                1,
                f"ZDO_Device_Manager - Discovery Complete for device {_mac(device.ieee)}",
                device.ieee,
                device.discovery_status.value,
            )
        )
        if device.active:
            self.bus.publish(DeviceStatusChanged(device.ieee, True, device.discovery_status.value))
            for listener in list(self._active_listeners):
                listener(device)
        else:
            self._set_active(device, True)

    def _key_check(self, ieee: int, waited: float) -> None:
        device = self.devices.get(ieee)
        if device is not None and device.discovery_status is DiscoveryStatus.in_progress:
            self._discovery_complete(device, waited)

    def _discovery_failed(self, device: Device) -> None:
        device.discovery_status = DiscoveryStatus.failed
        self._save(device)
        self.bus.publish(
            StatusMessage(
                int(StatusCode.discovery_complete),
                2,
                f"ZDO_Device_Manager - Discovery failed for device {_mac(device.ieee)}",
                device.ieee,
                device.discovery_status.value,
            )
        )
        ieee = device.ieee
        self.clock.call_later(REDISCOVER_AFTER, self._retry_discovery, ieee)

    def _retry_discovery(self, ieee: int) -> None:
        device = self.devices.get(ieee)
        if device is not None and device.discovery_status is DiscoveryStatus.failed:
            self.discover(ieee)

    # --- ZDO requests ---------------------------------------------------------------------------

    def _next_tsn(self) -> int:
        self._tsn = (self._tsn + 1) & 0xFF
        return self._tsn

    def _zdo(
        self, nwk: int, cluster: int, record: dict[str, Any], callback: Callable[[Any], None]
    ) -> None:
        request = _Request(cluster, record, callback)
        self._attempt(nwk, request)

    def _attempt(self, nwk: int, request: _Request) -> None:
        request.attempt += 1
        request.tsn = self._next_tsn()
        key = (nwk, request.cluster | 0x8000, request.tsn)
        self._requests[key] = request
        packet = ApsPacket(
            profile_id=ZDO_PROFILE,
            cluster_id=request.cluster,
            src_ep=0,
            dst_ep=0,
            payload=zdo.encode_zdo(request.cluster, request.tsn, request.record),
            dst=nwk,
        )

        def done(result: DeliveryResult) -> None:
            if self._requests.get(key) is not request:
                return
            if result.ok:
                wait = ZDO_TIMEOUT + self._response_margin()
                request.timer = self.clock.call_later(wait, self._timeout, nwk, key)
            else:
                self.delivery(self._by_nwk.get(nwk), ok=False)
                self._timeout(nwk, key)

        self._send_packet(packet, done)

    def _timeout(self, nwk: int, key: tuple[int, int, int]) -> None:
        request = self._requests.pop(key, None)
        if request is None:
            return
        if request.timer is not None:
            request.timer.cancel()
        if request.attempt <= ZDO_RETRIES:
            self._attempt(nwk, request)
        else:
            request.callback(None)

    def on_zdo_packet(self, packet: ApsPacket) -> None:
        """A ZDO frame (profile 0, endpoint 0) arrived: announcements and our answers."""
        cluster = packet.cluster_id
        if cluster == _Z.DEVICE_ANNCE:
            try:
                frame = zdo.decode_zdo(cluster, packet.payload)
            except FrameError:
                return
            if frame.record is not None:
                self.detected(frame.record.ieee_addr, frame.record.nwk_addr)
            return
        if (
            cluster == _Z.MATCH_DESC_RSP
            and packet.payload
            and packet.payload[0] in self._match_tsns
        ):
            self._match_response(packet)
            return
        if packet.src is None or not cluster & 0x8000 or not packet.payload:
            return
        request = self._requests.pop((packet.src, cluster, packet.payload[0]), None)
        if request is None:
            return
        if request.timer is not None:
            request.timer.cancel()
        self.heard(self._by_nwk.get(packet.src))
        try:
            frame = zdo.decode_zdo(cluster, packet.payload)
        except FrameError:
            request.callback(None)
            return
        request.callback(frame.record)

    # --- periodic refresh -----------------------------------------------------------------------

    def _schedule_refresh(self) -> None:
        if self.refresh_rate > 0:
            self._refresh_timer = self.clock.call_later(self.refresh_rate, self.refresh)

    def refresh(self) -> None:
        """Broadcast a Match_Desc for the Key Establishment server; a known device that stays
        silent until the next refresh counts one failure."""
        self._finish_refresh()
        self._refresh_tsn = self.find_servers([KEY_ESTABLISHMENT])
        self._refresh_heard = set()
        self._schedule_refresh()

    def find_servers(self, cluster_ids: list[int]) -> int:
        """Broadcast a Match_Desc for SE servers of ``cluster_ids``: every device that answers
        is detected (and discovered if it is new). Returns the request's TSN."""
        tsn = self._next_tsn()
        self._match_tsns[tsn] = None
        while len(self._match_tsns) > 8:  # answers to older searches are no longer awaited
            self._match_tsns.pop(next(iter(self._match_tsns)))
        record = {
            "nwk_addr_of_interest": 0xFFFD,
            "profile_id": SE_PROFILE,
            "num_in_clusters": len(cluster_ids),
            "in_cluster_list": list(cluster_ids),
            "num_out_clusters": 0,
            "out_cluster_list": [],
        }
        packet = ApsPacket(
            profile_id=ZDO_PROFILE,
            cluster_id=_Z.MATCH_DESC_REQ,
            src_ep=0,
            dst_ep=0,
            payload=zdo.encode_zdo(_Z.MATCH_DESC_REQ, tsn, record),
            dst=0xFFFD,
            dst_mode=DstMode.broadcast,
        )
        self._send_packet(packet, None)
        return tsn

    def _finish_refresh(self) -> None:
        if self._refresh_tsn is None:
            return
        for device in self.devices.values():
            if device.active and device.ieee not in self._refresh_heard:
                self.delivery(device.ieee, ok=False)
        self._refresh_tsn = None

    def _match_response(self, packet: ApsPacket) -> None:
        tsn = packet.payload[0]
        src = packet.src
        if tsn not in self._match_tsns or src is None:
            return
        try:
            frame = zdo.decode_zdo(packet.cluster_id, packet.payload)
        except FrameError:
            return
        if frame.record is None or frame.record.status != 0 or not frame.record.match_list:
            return
        ieee = packet.src_ieee if packet.src_ieee is not None else self._by_nwk.get(src)
        if tsn == self._refresh_tsn and ieee is not None:
            self._refresh_heard.add(ieee)
        if ieee is not None:
            known = self.devices.get(ieee)
            if known is not None and known.nwk == src:
                self.heard(ieee)
            else:
                self.detected(ieee, src)
            return

        def got(record: Any) -> None:
            if record is not None and record.status == 0:
                self.detected(record.ieee_addr_remote_dev, src)

        self._zdo(
            src,
            _Z.IEEE_ADDR_REQ,
            {"nwk_addr_of_interest": src, "request_type": 0, "start_index": 0},
            got,
        )

    # --- persistence ----------------------------------------------------------------------------

    def _save(self, device: Device) -> None:
        if device.ieee in self.devices:
            self.store.put_device(device.ieee, device.to_json())


def _mac(ieee: int) -> str:
    """An IEEE address as the original printed it: ``00:13:a2:00:40:32:e3:4f!``."""
    raw = f"{ieee:016x}"
    return ":".join(raw[i : i + 2] for i in range(0, 16, 2)) + "!"
