"""The gateway as the RPC dispatcher sees it: one facade over the running SE application.

:class:`Gateway` gathers what the requests of the catalog act on, so that the dispatcher never
reaches into the layers below by itself:

* the running :class:`~segateway.se.app.SeApplication` (its endpoint, clusters, device manager,
  bus), its :class:`~segateway.store.Store` and :class:`~segateway.se.timebase.TimeBase`;
* the network port (the simulated node or a radio port): permit joining, the trust center's keys
  (``add_install_code`` / ``add_link_key`` / ``remove_device``), node information, neighbours;
* the persisted **registry** (``registry_configuration``), **aliases** and the asynchronous
  :class:`~segateway.rpc.responses.ResponseQueue`;
* generic **ZCL and ZDO requests** (read/write attributes, reporting, identify, send_ZCL, bind):
  frames are built here, sent through the application and their answers matched by TSN; a ZCL
  request adds the opposite cluster side to the source endpoint when it lacks it (as the
  reference's ``add_cluster`` does), so that the answer is accepted;
* **reports**: every Report Attributes that reaches one of our clusters becomes an
  ``attribute_report`` (the Metering client publishes its own), and reporting the device refuses
  can be emulated by polling (pseudo reporting), persisted across restarts.

It is sans-I/O like the application: everything runs on the injected clock, by callback.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, cast

from .. import __version__
from ..radio import (
    ApsPacket,
    DeliveryResult,
    DstMode,
    Endpoint,
    Neighbor,
    NetworkState,
    NodeInfo,
    NodeType,
    RadioEvent,
)
from ..se.app import SeApplication
from ..se.bus import AttributeReport, Notification, StatusCode, StatusMessage
from ..se.clients.metering import MeteringClient
from ..se.clients.time import TimeClient
from ..se.devices import Device, DiscoveryStatus
from ..se.endpoint import APS_SECURED_CLUSTERS, LocalCluster, Peer, ReportingConfig, ZclEndpoint
from ..se.servers import EventServer
from ..sim.clock import TimerHandle
from ..store import Store
from ..zcl.cluster import Access, Attribute, Cluster, Side
from ..zcl.errors import DecodeError, EncodeError
from ..zcl.foundation import FOUNDATION
from ..zcl.frame import SE_PROFILE, ZclFrame, decode_frame, encode_frame
from ..zcl.header import Direction, ZclHeader, decode_header
from ..zcl.registry import get_cluster
from ..zcl.status import Status
from ..zcl.types import Array, is_analog
from ..zigbee import zdo
from ..zigbee.errors import FrameError
from ..zigbee.install_code import InstallCode, InstallCodeError
from .catalog import API_VERSION
from .errors import InvalidParamsError, NotAvailableError
from .responses import DEFAULT_CAPACITY, ResponseQueue
from .values import MAC, Record, Value

__all__ = [
    "BROADCAST_MAC",
    "REGISTRY",
    "RESPONSE_TIMEOUT",
    "UNIX_2000",
    "Gateway",
    "GatewayPort",
    "ReceivedZigbee",
    "RegistryEntry",
    "ReportedAttributes",
    "ZclAnswer",
    "ZclTarget",
]

log = logging.getLogger(__name__)

SE_SPEC_VERSION = "1.1"
UNIX_2000 = 946_684_800  # seconds from 1970-01-01 to 2000-01-01 (UTC)
RESPONSE_TIMEOUT = 10.0  # seconds a ZCL/ZDO request waits for its answer after delivery
BROADCAST_MAC = MAC(0xFFFF, 64)  # 00:00:00:00:00:00:FF:FF (digi-se-rpc.md §2.5)
MAX_JOIN_CHUNK = 254  # one Mgmt_Permit_Joining lasts at most 254 s (255 = until changed)
DEFAULT_POLL = 60.0  # pseudo reporting with neither interval given
ZDO_PROFILE = 0x0000
_REPORT_ATTRIBUTES = 0x0A
_DEFAULT_RESPONSE = 0x0B
_FC_MANUFACTURER = 0x04
_REPORTING_OFF = 0xFFFF
_NODE_TYPES = {NodeType.coordinator: 0, NodeType.router: 1, NodeType.end_device: 2}
_LOGICAL_TYPES = {"coordinator": 0, "router": 1, "end_device": 2}
_DISCOVERY = {
    DiscoveryStatus.not_started: 0,
    DiscoveryStatus.in_progress: 0,
    DiscoveryStatus.complete: 1,
    DiscoveryStatus.failed: 2,
}
_STATE_REPORTING = "rpc.reporting"
_SETTING_ALIASES = "rpc.aliases"
_REGISTRY_PREFIX = "registry."
_NETWORK_PREFIX = "zigbee."


class GatewayPort(Protocol):
    """What the gateway needs from the network port: the SE application's port, plus the
    trust-center and joining operations (the simulated :class:`~segateway.zigbee.stack.node.Node`
    has them all)."""

    def send(
        self,
        packet: ApsPacket,
        *,
        aps_ack: bool = True,
        on_done: Callable[[DeliveryResult], None] | None = None,
    ) -> None: ...

    def add_listener(
        self,
        on_packet: Callable[[ApsPacket], None] | None = None,
        on_event: Callable[[RadioEvent], None] | None = None,
    ) -> Callable[[], None]: ...

    def register_endpoint(self, endpoint: Endpoint) -> None: ...

    def info(self) -> NodeInfo: ...

    def neighbors(self) -> list[Neighbor]: ...

    def permit_joining(self, seconds: int) -> None: ...

    def add_link_key(self, ieee: int, key: bytes) -> None: ...

    def add_install_code(self, ieee: int, code: bytes) -> bytes: ...

    def remove_device(self, ieee: int) -> None: ...


# --- notifications the gateway adds to the SE bus ---------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportedAttributes(AttributeReport):
    """Report Attributes received by one of our clusters (or a pseudo-reporting poll), with
    the side of the reporting cluster and the frame's profile and manufacturer code."""

    server_or_client: int = 0
    profile_id: int = 0x0109
    manufacturer_code: int | None = None


@dataclass(frozen=True, slots=True)
class ReceivedZigbee(Notification):
    """An APS frame for a profile or endpoint our application does not serve."""

    name: ClassVar[str] = "received_zigbee"
    source_address: int | None
    source_endpoint_id: int
    destination_endpoint_id: int
    profile_id: int
    cluster_id: int
    payload: bytes
    aps_encrypted: bool


# --- the registry -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """One registry setting: its name, type (``bool``, ``int`` or ``float``), default (None:
    taken from the running configuration), limits, description, and how it is applied."""

    name: str
    kind: type
    doc: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    apply: Callable[[Gateway, Any], None] = field(default=lambda _g, _v: None)
    current: Callable[[Gateway], Any] | None = None  # the configured default, read at start


def _set_push(gateway: Gateway, value: Any) -> None:
    gateway.responses.push_enabled = bool(value)


def _set_sync_timeout(gateway: Gateway, value: Any) -> None:
    gateway.synchronous_timeout = float(value)


def _set_queue_size(gateway: Gateway, value: Any) -> None:
    gateway.responses.capacity = int(value)


def _set_severity(gateway: Gateway, value: Any) -> None:
    gateway.debug_rpc_severity = int(value)


def _set_direction_bit(gateway: Gateway, value: Any) -> None:
    gateway.app.direction_bit_correction = bool(value)


def _set_tx_failures(gateway: Gateway, value: Any) -> None:
    gateway.app.devices.max_sequential_tx_failures = int(value)


def _set_aps(gateway: Gateway, value: Any) -> None:
    gateway.app.aps_encryption = not value


def _set_refresh(gateway: Gateway, value: Any) -> None:
    gateway.app.devices.refresh_rate = float(value)


REGISTRY: tuple[RegistryEntry, ...] = (
    RegistryEntry(
        "RPC_Manager.use_push",
        bool,
        "Push asynchronous responses through the push hook (the cloud connector) instead of "
        "caching them for get_responses.",
        default=False,
        apply=_set_push,
    ),
    RegistryEntry(
        "RPC_Manager.synchronous_request_timeout",
        int,
        "Seconds a synchronous request waits for its response before it falls back to the "
        "asynchronous path.",
        default=30,
        low=1,
        high=3600,
        apply=_set_sync_timeout,
    ),
    RegistryEntry(
        "RPC_Manager.response_queue_size",
        int,
        "Most asynchronous responses cached; when full the oldest are dropped (a message says "
        "how many).",
        default=DEFAULT_CAPACITY,
        low=2,
        high=1_000_000,
        apply=_set_queue_size,
    ),
    RegistryEntry(
        "RPC_General_Interface.debug_rpc_severity",
        int,
        "Only message responses with a severity at least this are emitted (0 debug, 1 warning, "
        "2 error).",
        default=1,
        low=0,
        high=2,
        apply=_set_severity,
    ),
    RegistryEntry(
        "Cluster.disable_APS_encryption",
        bool,
        "Send and accept the SE clusters' unicasts without APS (link-key) encryption.",
        apply=_set_aps,
        current=lambda g: bool(g.app.config.disable_aps_encryption),
    ),
    RegistryEntry(
        "ZCL_Endpoint.enable_direction_bit_correction",
        bool,
        "Take received ZCL frames with the wrong direction bit for the cluster side we have.",
        apply=_set_direction_bit,
        current=lambda g: bool(g.app.config.direction_bit_correction),
    ),
    RegistryEntry(
        "ZDO_Device_Manager.max_sequential_TX_failures",
        int,
        "Consecutive failed sends after which a device is marked inactive.",
        low=1,
        high=255,
        apply=_set_tx_failures,
        current=lambda g: int(g.app.config.max_sequential_tx_failures),
    ),
    RegistryEntry(
        "ZDO_Device_Manager.refresh_rate",
        int,
        "Seconds between refreshes (a Match_Desc broadcast for the Key Establishment server; "
        "silent devices count a failure); 0 = off. A change takes effect from the next refresh "
        "(from the next start when it was 0).",
        low=0,
        high=86_400,
        apply=_set_refresh,
        current=lambda g: round(g.app.config.refresh_rate),
    ),
)
"""Every registry entry (``registry_configuration`` cannot create others)."""


class RegistryWriteError(ValueError):
    """A registry value that cannot be written (wrong type or out of range)."""


# --- ZCL plumbing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZclTarget:
    """Where a ZCL request goes: NWK address (None: resolve ``ieee``), IEEE address, endpoint;
    ``broadcast`` for 0xFFFF; ``local`` for the gateway itself (looped back)."""

    nwk: int | None
    ieee: int | None
    endpoint: int
    broadcast: bool = False
    local: bool = False


@dataclass(frozen=True, slots=True)
class ZclAnswer:
    """How a ZCL request ended: the answer's frame and packet, or a ``status`` saying why
    there is none (0x94 TIMEOUT, 0x01 FAILURE; the Default Response's status for one)."""

    status: int | None
    frame: ZclFrame | None = None
    packet: ApsPacket | None = None
    delivery: DeliveryResult | None = None

    @property
    def answered(self) -> bool:
        return self.frame is not None


@dataclass(eq=False)
class _Waiter:
    cluster_id: int
    tsn: int
    target: ZclTarget
    match: Callable[[ZclFrame], bool]
    on_done: Callable[[Any], None]  # a ZclAnswer (ZCL) or the response record (ZDO)
    delivery: DeliveryResult | None = None
    timer: TimerHandle | None = None
    finished: bool = False
    answer_direction: Direction | None = None  # an answer travels the other way
    undecodable: Any = None  # what on_done gets for a ZDO answer that does not decode


class _PassThrough(LocalCluster):
    """A cluster side added so that a generic ZCL request's answer is accepted: it holds no
    attribute and handles no command."""

    def read_value(self, attr: Attribute) -> Any:
        return None


@functools.cache
def _bare_definition(cluster_id: int) -> type[Cluster]:
    """A definition without attributes or commands for a cluster segateway does not declare."""
    name = f"Cluster{cluster_id:04X}"
    attrs = {"id": cluster_id, "name": f"cluster_0x{cluster_id:04x}", "label": name}
    return cast("type[Cluster]", type(name, (Cluster,), attrs))


@functools.cache
def _pass_through_class(cluster_id: int, side: Side) -> type[LocalCluster]:
    definition = get_cluster(cluster_id) or _bare_definition(cluster_id)
    name = f"PassThrough{definition.__name__}{side.name.title()}"
    return cast(
        "type[LocalCluster]",
        type(name, (_PassThrough,), {"definition": definition, "side": side}),
    )


def cluster_definition(cluster_id: int) -> type[Cluster]:
    """The declared definition of ``cluster_id``, or a bare one."""
    return get_cluster(cluster_id) or _bare_definition(cluster_id)


def zcl_value(value: Any) -> Value:
    """A decoded ZCL value as an RPC value (enums and bitmaps as ints, strings as text, octet
    strings as bytes, arrays as ZCL_ArrayRecords)."""
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, Array):
        items = [] if value.items is None else [zcl_value(e) for e in value.items]
        return Record(
            "ZCL_ArrayRecord", {"attribute_type": int(value.element_type), "value": items}
        )
    if isinstance(value, tuple | list):
        return [zcl_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): zcl_value(v) for k, v in value.items()}
    return str(value)


# --- the facade ---------------------------------------------------------------------------------


class Gateway:
    """The running gateway as the RPC layer uses it (module doc)."""

    def __init__(
        self,
        app: SeApplication,
        port: GatewayPort | None = None,
        *,
        responses: ResponseQueue | None = None,
        host_time: Callable[[], float] | None = None,
    ) -> None:
        self.app: SeApplication = app
        self.port: GatewayPort = port if port is not None else app.port
        self.store: Store = app.store
        self.timebase = app.timebase
        self.clock = app.clock
        self.bus = app.bus
        self.host_time = host_time
        """The host's clock (UTC seconds since 1970) for sync_time when there is no Time
        client; None: the gateway has no other time source."""
        self.responses = responses or ResponseQueue(
            self.store, self.utc_1970_exact, clock=app.clock
        )
        self.exit_hook: Callable[[], None] | None = None
        """Called by the ``exit`` request (set by whoever runs the gateway)."""
        self.synchronous_timeout = 30.0
        self.debug_rpc_severity = 1
        self._registry_defaults: dict[str, Any] = {}
        self._waiters: dict[tuple[int, int], _Waiter] = {}
        self._zdo_waiters: dict[tuple[int, int, int], _Waiter] = {}
        self._zdo_tsn = 0x80
        self._unlisten: Callable[[], None] | None = None
        self._join_deadline: float | None = None
        self._join_timer: TimerHandle | None = None
        self._pollers: dict[tuple[int, ...], TimerHandle] = {}
        self._receiving: dict[tuple[int, ...], dict[str, Any]] = {}
        for entry in REGISTRY:
            self._registry_defaults[entry.name] = (
                entry.current(self) if entry.current is not None else entry.default
            )
        self.started = False

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Apply the stored registry, reload trust-center keys, listen for answers and reports,
        resume pseudo reporting. The application must be started."""
        if self.started:
            return
        self.started = True
        for entry in REGISTRY:
            self._apply(entry, self.registry_value(entry.name))
        if self.is_trust_center:
            for ieee, (kind, value) in self.store.keys().items():
                with contextlib.suppress(ValueError):
                    if kind == "install_code":
                        self.port.add_install_code(ieee, value)
                    else:
                        self.port.add_link_key(ieee, value)
        self._unlisten = self.port.add_listener(on_packet=self._on_packet)
        self._load_receiving()

    def close(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        for timer in (self._join_timer, *self._pollers.values()):
            if timer is not None:
                timer.cancel()
        self._pollers.clear()
        for waiter in [*self._waiters.values(), *self._zdo_waiters.values()]:
            if waiter.timer is not None:
                waiter.timer.cancel()
        self._waiters.clear()
        self._zdo_waiters.clear()
        self.started = False

    # --- identity -------------------------------------------------------------------------------

    @property
    def info(self) -> NodeInfo:
        return self.port.info()

    @property
    def ieee(self) -> int:
        return int(self.info.ieee)

    @property
    def is_trust_center(self) -> bool:
        info = self.info
        return info.node_type is NodeType.coordinator or info.trust_center == info.ieee

    @property
    def endpoint_id(self) -> int:
        """The SE endpoint (0x5E by default)."""
        return self.app.endpoint.endpoint_id

    def version(self) -> dict[str, Any]:
        role = self.app.config.role.value
        return {
            "version": API_VERSION,
            "version_extended": {
                "SE_spec_version": SE_SPEC_VERSION,
                "description": f"segateway: open ZigBee Smart Energy gateway ({role})",
                "segateway_version": __version__,
                "role": role,
            },
        }

    # --- time -----------------------------------------------------------------------------------

    def utc_1970_exact(self) -> float:
        return self.timebase.now_exact() + UNIX_2000

    def time(self) -> dict[str, int]:
        utc = self.timebase.now()
        return {"UTC_1970": utc + UNIX_2000, "UTC_2000": utc}

    def set_time(self, utc_2000: int) -> dict[str, int]:
        """Set the time base; every SE server reschedules, every client catches up (the Time
        Synchronized message they listen to)."""
        self.timebase.set(utc_2000)
        for cluster in self.app.endpoint.clusters.values():
            if isinstance(cluster, EventServer):
                cluster.reschedule()
        self.bus.publish(StatusMessage(int(StatusCode.time_synchronized), 1, "Time Synchronized"))
        return self.time()

    def sync_time(self) -> dict[str, Any]:
        time_client = self.local(0x000A, Side.client)
        if isinstance(time_client, TimeClient):
            servers = self.app.devices.peers(0x000A, servers=True)
            time_client.synchronize()
            status = Status.SUCCESS if servers else Status.NOT_FOUND
            return {"method": "zcl", "status": int(status), **self.time()}
        if self.host_time is None:
            return {"method": "host", "status": int(Status.NOT_FOUND), **self.time()}
        self.set_time(math.floor(self.host_time()) - UNIX_2000)
        return {"method": "host", "status": int(Status.SUCCESS), **self.time()}

    # --- the registry ---------------------------------------------------------------------------

    @staticmethod
    def registry_entry(name: str) -> RegistryEntry | None:
        return next((e for e in REGISTRY if e.name == name), None)

    def registry_value(self, name: str) -> Any:
        entry = self.registry_entry(name)
        if entry is None:
            raise KeyError(name)
        return self.store.get_setting(_REGISTRY_PREFIX + name, self._registry_defaults[name])

    def write_registry(self, name: str, value: Any) -> Any:
        """Check, persist and apply a value; raises :class:`RegistryWriteError`."""
        entry = self.registry_entry(name)
        if entry is None:
            raise KeyError(name)
        checked = _check_registry(entry, value)
        self.store.set_setting(_REGISTRY_PREFIX + name, checked)
        self._apply(entry, checked)
        return checked

    def restore_registry_defaults(self) -> None:
        with self.store.transaction():
            for entry in REGISTRY:
                self.store.delete_setting(_REGISTRY_PREFIX + entry.name)
        for entry in REGISTRY:
            self._apply(entry, self._registry_defaults[entry.name])

    def _apply(self, entry: RegistryEntry, value: Any) -> None:
        entry.apply(self, value)

    # --- aliases --------------------------------------------------------------------------------

    @property
    def aliases(self) -> dict[str, str]:
        """Alias name → XML content, as the XML codec's ``parse_envelope(aliases=…)`` takes."""
        stored = self.store.get_setting(_SETTING_ALIASES, {})
        return {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}

    def add_aliases(self, aliases: Mapping[str, str]) -> list[str]:
        """Store aliases; returns the names that replaced an existing one."""
        table = self.aliases
        replaced = [name for name in aliases if name in table]
        table.update(aliases)
        self.store.set_setting(_SETTING_ALIASES, table)
        return replaced

    def remove_aliases(self, names: Iterable[str]) -> dict[str, str]:
        table = self.aliases
        removed = {name: table.pop(name) for name in names if name in table}
        if removed:
            self.store.set_setting(_SETTING_ALIASES, table)
        return removed

    # --- devices --------------------------------------------------------------------------------

    def add_device(
        self,
        ieee: int,
        *,
        link_key: bytes | None = None,
        install_code: bytes | None = None,
    ) -> None:
        """Register a device (and, on the trust center, its key or install code, persisted).
        Raises :class:`InvalidParamsError` for a bad key or code."""
        if link_key is not None or install_code is not None:
            if not self.is_trust_center:
                self.bus.publish(
                    StatusMessage(
                        None,
                        1,
                        "RPC_ZigBee_Interface - this gateway is not the trust center: the link "
                        f"key of {MAC(ieee)} is kept by the trust center, not here",
                        ieee,
                    )
                )
            elif link_key is not None:
                if len(link_key) != 16:
                    raise InvalidParamsError(f"link_key: 16 bytes, not {len(link_key)}")
                self.port.add_link_key(ieee, link_key)
                self.store.put_key(ieee, "link_key", link_key)
            elif install_code is not None:
                try:
                    code = InstallCode.from_bytes(install_code)
                except InstallCodeError as exc:
                    raise InvalidParamsError(f"installation_code: {exc}") from None
                raw = code.code + code.crc
                self.port.add_install_code(ieee, raw)
                self.store.put_key(ieee, "install_code", raw)
        self.app.devices.add(ieee)

    def remove_device(self, ieee: int) -> bool:
        """Forget a device and its key; ask it to leave. False when nothing was known."""
        stored_keys = self.store.keys()
        known = self.app.devices.get(ieee) is not None or ieee in stored_keys
        device = self.app.devices.get(ieee)
        nwk = None if device is None else device.nwk
        self.app.devices.remove(ieee)
        self.store.delete_key(ieee)
        if self.is_trust_center:
            with contextlib.suppress(ValueError):
                self.port.remove_device(ieee)
        elif nwk is not None:
            self.zdo_request(
                nwk, zdo.ZdoCluster.MGMT_LEAVE_REQ, {"device_address": ieee, "flags": 0}
            )
        return known

    def device_records(self, only: int | None = None) -> list[dict[str, Any]]:
        """ZDODeviceRecords as plain data: the gateway first, then the devices by address."""
        records: list[dict[str, Any]] = []
        if only is None or only == self.ieee:
            records.append(self._local_record())
        for ieee in sorted(self.app.devices.devices):
            if only is not None and ieee != only:
                continue
            records.append(_device_record(self.app.devices.devices[ieee]))
        return records

    def _local_record(self) -> dict[str, Any]:
        info = self.info
        descriptors = {
            f"endpoint_0x{ep.endpoint_id:02X}": _simple_descriptor(ep.descriptor())
            for ep in self.app.endpoints.values()
        }
        return {
            "addr_extended": info.ieee,
            "active": info.state is NetworkState.joined,
            "discovery_status": 1,
            "node_type": _NODE_TYPES.get(info.node_type, -1),
            "addr_short": info.nwk,
            "active_endpoints": sorted(self.app.endpoints),
            "simple_descriptors": descriptors,
        }

    # --- joining --------------------------------------------------------------------------------

    def permit_joining(self, seconds: int) -> None:
        """Open joining for ``seconds`` (0 closes), renewing the network's 254-second permit
        while needed."""
        if self._join_timer is not None:
            self._join_timer.cancel()
            self._join_timer = None
        if seconds <= 0:
            self._join_deadline = None
            self.port.permit_joining(0)
            return
        self._join_deadline = self.clock.now() + seconds
        self._renew_join()

    def _renew_join(self) -> None:
        self._join_timer = None
        deadline = self._join_deadline
        if deadline is None:
            return
        remaining = deadline - self.clock.now()
        if remaining < 1:
            self._join_deadline = None
            self.port.permit_joining(0)
            return
        chunk = min(math.ceil(remaining), MAX_JOIN_CHUNK)
        self.port.permit_joining(chunk)
        if remaining > MAX_JOIN_CHUNK:
            self._join_timer = self.clock.call_later(MAX_JOIN_CHUNK - 1, self._renew_join)

    def join_remaining(self) -> int:
        until = self.info.permit_joining_until
        if until is None:
            return 0
        if until == math.inf:
            return 0xFF
        ends = max(until, self._join_deadline or 0.0)
        return max(0, math.ceil(ends - self.clock.now()))

    # --- the network ----------------------------------------------------------------------------

    def network_configuration(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Store the router join settings given; report the current ones."""
        with self.store.transaction():
            for name, value in changes.items():
                stored = value.hex() if isinstance(value, bytes) else value
                self.store.set_setting(_NETWORK_PREFIX + name, stored)
        info = self.info
        return {
            "extended_pan_id": int(self.store.get_setting(_NETWORK_PREFIX + "extended_pan_id", 0)),
            "join_attempt_interval": int(
                self.store.get_setting(_NETWORK_PREFIX + "join_attempt_interval", 120)
            ),
            "channel_mask": int(
                self.store.get_setting(_NETWORK_PREFIX + "channel_mask", 0x07FFF800)
            ),
            "eui": info.ieee,
        }

    def network_information(self) -> dict[str, Any]:
        info = self.info
        trust_center = info.trust_center
        return {
            "eui": info.ieee,
            "addr_short": info.nwk,
            "node_type": _NODE_TYPES.get(info.node_type, -1),
            "network_state": info.state.value,
            "channel": info.channel,
            "pan_id": info.pan_id,
            "extended_pan_id": info.extended_pan_id,
            "trust_center_address": trust_center,
            "permit_joining": self.join_remaining(),
            "network_key_sequence": info.network_key_seq,
            "neighbor_list": [_neighbor_record(n) for n in self.port.neighbors()],
        }

    def send_raw(
        self,
        packet: ApsPacket,
        on_done: Callable[[DeliveryResult], None],
    ) -> None:
        """Send one APS frame as given (send_zigbee)."""
        self.app.send_packet(packet, on_done)

    # --- local clusters -------------------------------------------------------------------------

    def endpoint(self, endpoint_id: int | None = None) -> ZclEndpoint:
        """One of our endpoints (the SE endpoint by default); :class:`InvalidParamsError`."""
        ep = self.app.endpoints.get(self.endpoint_id if endpoint_id is None else endpoint_id)
        if ep is None:
            raise InvalidParamsError(
                f"the gateway has no endpoint {endpoint_id:#04x} (its SE endpoint is "
                f"{self.endpoint_id:#04x})"
            )
        return ep

    def local(
        self, cluster_id: int, side: Side, endpoint_id: int | None = None
    ) -> LocalCluster | None:
        """The local cluster side (None when the endpoint lacks it)."""
        ep = self.app.endpoints.get(self.endpoint_id if endpoint_id is None else endpoint_id)
        return None if ep is None else ep.cluster(cluster_id, side)

    def require(
        self, kind: type[LocalCluster], cluster_id: int, side: Side, endpoint_id: int | None
    ) -> Any:
        """The local cluster side of class ``kind``; :class:`NotAvailableError` when this
        configuration lacks it."""
        found = self.local(cluster_id, side, endpoint_id)
        if not isinstance(found, kind):
            where = self.endpoint_id if endpoint_id is None else endpoint_id
            raise NotAvailableError(
                f"this gateway ({self.app.config.role.value}) has no {kind.__name__} on "
                f"endpoint {where:#04x}"
            )
        return found

    def aps_secured(self, endpoint: ZclEndpoint, cluster_id: int) -> bool:
        """Whether the SE layer sends (and requires) ``cluster_id`` unicasts APS-encrypted."""
        return (
            self.app.aps_encryption
            and endpoint.profile_id == SE_PROFILE
            and cluster_id in APS_SECURED_CLUSTERS
        )

    def ensure_cluster(self, endpoint: ZclEndpoint, cluster_id: int, side: Side) -> LocalCluster:
        """The endpoint's cluster side, added as a pass-through when missing (and announced in
        the endpoint's simple descriptor)."""
        found = endpoint.cluster(cluster_id, side)
        if found is not None:
            return found
        cluster = _pass_through_class(cluster_id, side)()
        endpoint.add(cluster)
        self.port.register_endpoint(endpoint.descriptor())
        return cluster

    # --- ZCL requests ---------------------------------------------------------------------------

    def target(
        self,
        address: MAC | None,
        endpoint: int | None,
        cluster_id: int,
        *,
        server: bool,
        source_endpoint: int,
    ) -> ZclTarget:
        """Resolve a request's destination; the endpoint is looked up in the device's
        discovery data when not given (:class:`InvalidParamsError` if it cannot be)."""
        if address is None or address.value == self.ieee:
            return ZclTarget(
                self.info.nwk,
                self.ieee,
                source_endpoint if endpoint is None else endpoint,
                local=True,
            )
        if address == BROADCAST_MAC or (address.is_short and address.value >= 0xFFF8):
            dst = 0xFFFF if address == BROADCAST_MAC else address.value
            return ZclTarget(dst, None, 0xFF if endpoint is None else endpoint, broadcast=True)
        if address.is_short:
            nwk: int | None = address.value
            ieee = self.app.devices.ieee_of(address.value)
        else:
            ieee = address.value
            device = self.app.devices.get(ieee)
            nwk = None if device is None else device.nwk
        if endpoint is None:
            device = None if ieee is None else self.app.devices.get(ieee)
            found: list[int] = []
            if device is not None:
                found = device.servers_of(cluster_id) if server else device.clients_of(cluster_id)
            if not found:
                side = "server" if server else "client"
                raise InvalidParamsError(
                    f"destination_endpoint_id: {address} has no known {side} of cluster "
                    f"{cluster_id:#06x}; give the endpoint"
                )
            endpoint = found[0]
        return ZclTarget(nwk, ieee, endpoint)

    def send_zcl(
        self,
        *,
        target: ZclTarget,
        source_endpoint: int,
        cluster_id: int,
        to_server: bool,
        command_id: int,
        cluster_specific: bool,
        payload: bytes,
        on_done: Callable[[ZclAnswer], None],
        manufacturer: int | None = None,
        aps_security: bool | None = None,
        match: Callable[[ZclFrame], bool] | None = None,
        disable_default_response: bool = False,
        timeout: float = RESPONSE_TIMEOUT,
    ) -> int:
        """Send one ZCL frame from ``source_endpoint``; ``on_done`` gets the answer that
        ``match`` accepts (a Default Response with our TSN always ends the wait), or the
        delivery outcome when ``match`` is None or the target is a broadcast. ``aps_security``
        None: APS encryption as the SE layer applies it (the SE clusters' unicasts). Returns
        the TSN."""
        endpoint = self.endpoint(source_endpoint)
        if aps_security is None:
            aps_security = self.aps_secured(endpoint, cluster_id) and not target.broadcast
        self.ensure_cluster(endpoint, cluster_id, Side.client if to_server else Side.server)
        tsn = self.app.next_tsn()
        direction = Direction.client_to_server if to_server else Direction.server_to_client
        header = ZclHeader.build(
            tsn=tsn,
            command_id=command_id,
            cluster_specific=cluster_specific,
            direction=direction,
            manufacturer=manufacturer,
            disable_default_response=disable_default_response,
        )
        packet = ApsPacket(
            profile_id=endpoint.profile_id,
            cluster_id=cluster_id,
            src_ep=source_endpoint,
            dst_ep=target.endpoint,
            payload=header.encode() + payload,
            dst=target.nwk,
            dst_ieee=target.ieee if target.nwk is None else None,
            dst_mode=DstMode.broadcast if target.broadcast else DstMode.unicast,
            aps_security=aps_security,
        )
        waiter: _Waiter | None = None
        if match is not None and not target.broadcast:
            waiter = _Waiter(cluster_id, tsn, target, match, on_done)
            waiter.answer_direction = (
                Direction.server_to_client if to_server else Direction.client_to_server
            )
            old = self._waiters.pop((cluster_id, tsn), None)
            if old is not None:
                self._finish(old, ZclAnswer(int(Status.TIMEOUT), delivery=old.delivery))
            self._waiters[(cluster_id, tsn)] = waiter

        def sent(result: DeliveryResult) -> None:
            if waiter is None:
                status = Status.SUCCESS if result.ok else Status.FAILURE
                on_done(ZclAnswer(int(status), delivery=result))
                return
            waiter.delivery = result
            if waiter.finished:
                return
            if not result.ok:
                self._waiters.pop((cluster_id, tsn), None)
                self._finish(waiter, ZclAnswer(int(Status.FAILURE), delivery=result))
                return
            waiter.timer = self.clock.call_later(timeout, self._expire, waiter)

        self.app.send_packet(packet, sent)
        return tsn

    def send_foundation(
        self,
        *,
        target: ZclTarget,
        source_endpoint: int,
        cluster_id: int,
        to_server: bool,
        command: str,
        payload: Mapping[str, Any],
        on_done: Callable[[ZclAnswer], None],
        manufacturer: int | None = None,
        response: str | None = None,
        disable_default_response: bool = False,
    ) -> None:
        """Send a profile-wide command (by name) with ``payload`` and wait for ``response``
        (a foundation command name); :class:`InvalidParamsError` if it cannot be encoded."""
        cmd = next(c for c in FOUNDATION.values() if c.name == command)
        direction = Direction.client_to_server if to_server else Direction.server_to_client
        try:
            frame = encode_frame(
                cmd, payload, tsn=0, direction=direction, cluster=cluster_definition(cluster_id)
            )
        except (EncodeError, ValueError, TypeError, KeyError) as exc:
            raise InvalidParamsError(f"cannot encode {command}: {exc}") from None
        body = frame[3:]  # no manufacturer code: the plain 3-octet header
        expected = (
            None
            if response is None
            else next(c.id for c in FOUNDATION.values() if c.name == response)
        )
        self.send_zcl(
            target=target,
            source_endpoint=source_endpoint,
            cluster_id=cluster_id,
            to_server=to_server,
            command_id=cmd.id,
            cluster_specific=False,
            payload=body,
            on_done=on_done,
            manufacturer=manufacturer,
            match=None if expected is None else _general(expected),
            disable_default_response=disable_default_response,
        )

    def _expire(self, waiter: _Waiter) -> None:
        if self._waiters.get((waiter.cluster_id, waiter.tsn)) is waiter:
            del self._waiters[(waiter.cluster_id, waiter.tsn)]
        self._finish(waiter, ZclAnswer(int(Status.TIMEOUT), delivery=waiter.delivery))

    @staticmethod
    def _finish(waiter: _Waiter, answer: ZclAnswer) -> None:
        if waiter.finished:
            return
        waiter.finished = True
        if waiter.timer is not None:
            waiter.timer.cancel()
        waiter.on_done(answer)

    # --- receiving ------------------------------------------------------------------------------

    def _on_packet(self, packet: ApsPacket) -> None:
        if packet.profile_id == ZDO_PROFILE:
            if packet.dst_ep == 0:
                self._on_zdo(packet)
            return
        ours = packet.dst_ep == 0xFF or packet.dst_ep in self.app.endpoints
        served = any(
            ep.profile_id == packet.profile_id
            for ep in self.app.endpoints.values()
            if packet.dst_ep in (0xFF, ep.endpoint_id)
        )
        if not (ours and served):
            self._received_zigbee(packet)
            return
        try:
            header, _ = decode_header(packet.payload)
        except DecodeError:
            return
        waiter = self._waiters.get((packet.cluster_id, header.tsn))
        if (
            waiter is not None
            and header.direction == waiter.answer_direction
            and self._from_target(waiter.target, packet)
        ):
            self._answer(waiter, packet)
        if header.is_global and header.command_id == _REPORT_ATTRIBUTES:
            self._report(packet, header)

    def _from_target(self, target: ZclTarget, packet: ApsPacket) -> bool:
        if target.nwk is not None and packet.src == target.nwk:
            return True
        if target.ieee is None:
            return False
        ieee = packet.src_ieee if packet.src_ieee is not None else self.app.resolve_ieee(packet.src)
        return ieee == target.ieee

    def _answer(self, waiter: _Waiter, packet: ApsPacket) -> None:
        try:
            frame = decode_frame(
                packet.payload, cluster_definition(packet.cluster_id), profile=packet.profile_id
            )
        except DecodeError:
            return
        header = frame.header
        if header.is_global and header.command_id == _DEFAULT_RESPONSE and frame.command:
            status: int | None = int(frame.payload.status)
        elif waiter.match(frame):
            status = None
        else:
            return
        del self._waiters[(waiter.cluster_id, waiter.tsn)]
        self._finish(waiter, ZclAnswer(status, frame, packet, waiter.delivery))

    def _report(self, packet: ApsPacket, header: ZclHeader) -> None:
        """Report Attributes reached one of our clusters: publish it (the Metering client
        publishes its own)."""
        if header.frame_control & _FC_MANUFACTURER:
            return
        reporter_is_server = header.direction == Direction.server_to_client
        side = Side.client if reporter_is_server else Side.server
        endpoints = (
            list(self.app.endpoints.values())
            if packet.dst_ep == 0xFF
            else [self.app.endpoints[packet.dst_ep]]
        )
        for endpoint in endpoints:
            cluster = endpoint.cluster(packet.cluster_id, side)
            if cluster is None or isinstance(cluster, MeteringClient):
                continue
            try:
                frame = decode_frame(packet.payload, cluster.definition, profile=packet.profile_id)
            except DecodeError:
                return
            records = [
                {
                    "attribute_id": int(r.attribute_id),
                    "attribute_type": int(r.data_type),
                    "value": zcl_value(r.value),
                }
                for r in frame.payload.records
            ]
            self.bus.publish(
                ReportedAttributes(
                    source_address=packet.src_ieee
                    if packet.src_ieee is not None
                    else self.app.resolve_ieee(packet.src),
                    source_endpoint_id=packet.src_ep,
                    destination_endpoint_id=endpoint.endpoint_id,
                    cluster_id=packet.cluster_id,
                    record_list=records,
                    server_or_client=0 if reporter_is_server else 1,
                    profile_id=packet.profile_id,
                )
            )

    def _received_zigbee(self, packet: ApsPacket) -> None:
        ieee = packet.src_ieee if packet.src_ieee is not None else self.app.resolve_ieee(packet.src)
        self.bus.publish(
            ReceivedZigbee(
                source_address=ieee,
                source_endpoint_id=packet.src_ep,
                destination_endpoint_id=packet.dst_ep,
                profile_id=packet.profile_id,
                cluster_id=packet.cluster_id,
                payload=bytes(packet.payload),
                aps_encrypted=packet.aps_security,
            )
        )

    # --- ZDO requests ---------------------------------------------------------------------------

    def _next_zdo_tsn(self) -> int:
        self._zdo_tsn = (self._zdo_tsn + 1) & 0xFF
        return self._zdo_tsn

    def zdo_request(
        self,
        nwk: int,
        cluster: int,
        record: Mapping[str, Any],
        on_done: Callable[[Any], None] | None = None,
        *,
        undecodable: Any = None,
    ) -> None:
        """Send a ZDO request; ``on_done`` gets the response record (None: no answer, or not
        delivered; ``undecodable``: an answer that does not decode)."""
        tsn = self._next_zdo_tsn()
        packet = ApsPacket(
            profile_id=ZDO_PROFILE,
            cluster_id=cluster,
            src_ep=0,
            dst_ep=0,
            payload=zdo.encode_zdo(cluster, tsn, record),
            dst=nwk,
        )
        if on_done is None:
            self.app.send_packet(packet)
            return
        key = (nwk, cluster | 0x8000, tsn)
        target = ZclTarget(nwk, None, 0)
        waiter = _Waiter(
            cluster | 0x8000, tsn, target, lambda _f: True, on_done, undecodable=undecodable
        )
        self._zdo_waiters[key] = waiter

        def sent(result: DeliveryResult) -> None:
            waiter.delivery = result
            if waiter.finished:
                return
            if not result.ok:
                self._zdo_waiters.pop(key, None)
                waiter.finished = True
                on_done(None)
                return
            waiter.timer = self.clock.call_later(RESPONSE_TIMEOUT, self._zdo_expire, key)

        self.app.send_packet(packet, sent)

    def _zdo_expire(self, key: tuple[int, int, int]) -> None:
        waiter = self._zdo_waiters.pop(key, None)
        if waiter is not None and not waiter.finished:
            waiter.finished = True
            waiter.on_done(None)

    def _on_zdo(self, packet: ApsPacket) -> None:
        if packet.src is None or not packet.payload:
            return
        key = (packet.src, packet.cluster_id, packet.payload[0])
        waiter = self._zdo_waiters.pop(key, None)
        if waiter is None or waiter.finished:
            return
        waiter.finished = True
        if waiter.timer is not None:
            waiter.timer.cancel()
        try:
            frame = zdo.decode_zdo(packet.cluster_id, packet.payload)
        except FrameError:
            waiter.on_done(waiter.undecodable)
            return
        waiter.on_done(frame.record)

    def bind(
        self,
        *,
        unbind: bool,
        device: int,
        device_endpoint: int,
        local_endpoint: int,
        cluster_id: int,
        on_done: Callable[[int], None],
    ) -> None:
        """Ask ``device`` to bind (or unbind) its cluster to our endpoint; ``on_done`` gets the
        ZDO status (0x85 TIMEOUT when no answer came)."""
        known = self.app.devices.get(device)
        if known is None or known.nwk is None:
            raise InvalidParamsError(f"destination_address: {MAC(device)} is not a known device")
        cluster = zdo.ZdoCluster.UNBIND_REQ if unbind else zdo.ZdoCluster.BIND_REQ
        record = {
            "src_address": device,
            "src_endp": device_endpoint,
            "cluster_id": cluster_id,
            "dst_addr_mode": zdo.BindAddrMode.extended_address,
            "dst_ieee_address": self.ieee,
            "dst_endp": local_endpoint,
        }

        def got(response: Any) -> None:
            on_done(int(zdo.ZdoStatus.TIMEOUT) if response is None else int(response.status))

        self.zdo_request(known.nwk, cluster, record, got)

    # --- reporting ------------------------------------------------------------------------------

    def receiving(self) -> list[dict[str, Any]]:
        """The reporting the gateway receives by request (start_receiving_reports)."""
        return [dict(v) for _k, v in sorted(self._receiving.items())]

    def add_receiving(self, config: Mapping[str, Any]) -> None:
        key = _receiving_key(config)
        self._receiving[key] = dict(config)
        self._save_receiving()
        self._stop_poll(key)
        if config.get("pseudo"):
            self._start_poll(key)

    def remove_receiving(self, config: Mapping[str, Any]) -> bool:
        key = _receiving_key(config)
        self._stop_poll(key)
        found = self._receiving.pop(key, None) is not None
        if found:
            self._save_receiving()
        return found

    def receiving_config(self, config: Mapping[str, Any]) -> dict[str, Any] | None:
        return self._receiving.get(_receiving_key(config))

    def _save_receiving(self) -> None:
        self.store.put_state(_STATE_REPORTING, [v for _k, v in sorted(self._receiving.items())])

    def _load_receiving(self) -> None:
        stored = self.store.get_state(_STATE_REPORTING)
        if not isinstance(stored, list):
            return
        for config in stored:
            key = _receiving_key(config)
            self._receiving[key] = dict(config)
            if config.get("pseudo"):
                self._start_poll(key)

    def _start_poll(self, key: tuple[int, ...]) -> None:
        config = self._receiving.get(key)
        if config is None:
            return
        interval = float(config.get("max_interval") or config.get("min_interval") or DEFAULT_POLL)
        self._pollers[key] = self.clock.call_later(interval, self._poll, key)

    def _stop_poll(self, key: tuple[int, ...]) -> None:
        timer = self._pollers.pop(key, None)
        if timer is not None:
            timer.cancel()

    def _poll(self, key: tuple[int, ...]) -> None:
        """Pseudo reporting: read the attribute and report what comes back."""
        self._pollers.pop(key, None)
        config = self._receiving.get(key)
        if config is None or not config.get("pseudo"):
            return
        self._start_poll(key)
        ieee = int(config["device_address"])
        device = self.app.devices.get(ieee)
        if device is None or device.nwk is None:
            return
        target = ZclTarget(device.nwk, ieee, int(config["device_endpoint_id"]))
        to_server = int(config["server_or_client"]) == 0

        def got(answer: ZclAnswer) -> None:
            frame = answer.frame
            if frame is None or frame.command is None:
                return
            records = [
                {
                    "attribute_id": int(r.attribute_id),
                    "attribute_type": int(r.data_type),
                    "value": zcl_value(r.value),
                    "pseudo_reporting": True,
                }
                for r in frame.payload.records
                if r.status == Status.SUCCESS
            ]
            if records:
                self.bus.publish(
                    ReportedAttributes(
                        source_address=ieee,
                        source_endpoint_id=target.endpoint,
                        destination_endpoint_id=int(config["endpoint_id"]),
                        cluster_id=int(config["cluster_id"]),
                        record_list=records,
                        server_or_client=int(config["server_or_client"]),
                        profile_id=self.endpoint(int(config["endpoint_id"])).profile_id,
                    )
                )

        with contextlib.suppress(InvalidParamsError):
            self.send_foundation(
                target=target,
                source_endpoint=int(config["endpoint_id"]),
                cluster_id=int(config["cluster_id"]),
                to_server=to_server,
                command="read_attributes",
                payload={"attribute_ids": [int(config["attribute_id"])]},
                response="read_attributes_response",
                on_done=got,
            )

    def start_sending(
        self,
        cluster: LocalCluster,
        *,
        peer: Peer,
        attribute_id: int,
        minimum: int,
        maximum: int,
        change: Any,
    ) -> int:
        """Make a local cluster report an attribute to ``peer``; returns the ZCL status."""
        attr = cluster.attribute_table.get(attribute_id)
        if attr is None or cluster.read_value(attr) is None:
            return int(Status.UNSUPPORTED_ATTRIBUTE)
        if Access.report not in attr.access:
            return int(Status.UNREPORTABLE_ATTRIBUTE)
        if minimum > maximum > 0:
            return int(Status.INVALID_VALUE)
        self.stop_sending(cluster, attribute_id)
        if maximum == _REPORTING_OFF:
            return int(Status.SUCCESS)
        type_id = attr.wire.type_id
        config = ReportingConfig(
            attribute_id=attribute_id,
            data_type=0xFF if type_id is None else type_id,
            minimum=minimum,
            maximum=maximum,
            change=change if type_id is not None and is_analog(type_id) else None,
            peer=peer,
        )
        cluster.reporting[attribute_id] = config
        cluster._report_soon(config)  # the endpoint's own scheduling of reports
        return int(Status.SUCCESS)

    @staticmethod
    def stop_sending(cluster: LocalCluster, attribute_id: int) -> bool:
        config = cluster.reporting.pop(attribute_id, None)
        if config is None:
            return False
        if config.timer is not None:
            config.timer.cancel()
        return True

    def sending(self) -> list[tuple[ZclEndpoint, LocalCluster, ReportingConfig]]:
        """Every report our clusters send (configured by a peer or by start_sending_reports)."""
        return [
            (endpoint, cluster, config)
            for endpoint in self.app.endpoints.values()
            for cluster in endpoint.clusters.values()
            for config in cluster.reporting.values()
        ]

    def metering_client(self) -> MeteringClient | None:
        found = self.local(0x0702, Side.client)
        return found if isinstance(found, MeteringClient) else None


def _general(command_id: int) -> Callable[[ZclFrame], bool]:
    def match(frame: ZclFrame) -> bool:
        return frame.header.is_global and frame.header.command_id == command_id

    return match


def _receiving_key(config: Mapping[str, Any]) -> tuple[int, ...]:
    return (
        int(config["device_address"]),
        int(config["device_endpoint_id"]),
        int(config["endpoint_id"]),
        int(config["cluster_id"]),
        int(config["server_or_client"]),
        int(config["attribute_id"]),
    )


def _check_registry(entry: RegistryEntry, value: Any) -> Any:
    kind = entry.kind
    if kind is bool:
        if not isinstance(value, bool):
            raise RegistryWriteError(f"{entry.name} is a bool, not {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RegistryWriteError(f"{entry.name} is a number, not {value!r}")
    if kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise RegistryWriteError(f"{entry.name} is an int, not {value!r}")
        value = int(value)
    if (entry.low is not None and value < entry.low) or (
        entry.high is not None and value > entry.high
    ):
        raise RegistryWriteError(f"{entry.name} is {entry.low} to {entry.high}, not {value!r}")
    return value


def _simple_descriptor(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "endpoint_id": endpoint.endpoint,
        "profile_id": endpoint.profile_id,
        "device_id": endpoint.device_id,
        "device_version": endpoint.device_version,
        "input_cluster_list": list(endpoint.input_clusters),
        "output_cluster_list": list(endpoint.output_clusters),
    }


def _device_record(device: Device) -> dict[str, Any]:
    record: dict[str, Any] = {
        "addr_extended": device.ieee,
        "active": device.active,
        "discovery_status": _DISCOVERY[device.discovery_status],
        "node_type": _LOGICAL_TYPES.get(device.logical_type or "", -1),
        "addr_short": device.nwk,
        "manufacturer_id": device.manufacturer_code,
    }
    if device.endpoints:
        record["active_endpoints"] = sorted(device.endpoints)
        record["simple_descriptors"] = {
            f"endpoint_0x{ep.endpoint:02X}": {
                "endpoint_id": ep.endpoint,
                "profile_id": ep.profile_id,
                "device_id": ep.device_id,
                "device_version": ep.device_version,
                "input_cluster_list": list(ep.input_clusters),
                "output_cluster_list": list(ep.output_clusters),
            }
            for ep in sorted(device.endpoints.values(), key=lambda e: e.endpoint)
        }
    if device.logical_type is not None:
        node: dict[str, Any] = {"logical_type": _LOGICAL_TYPES[device.logical_type]}
        if device.manufacturer_code is not None:
            node["manufacturer_code"] = device.manufacturer_code
        if device.rx_on_when_idle is not None:
            node["receiver_on_when_idle"] = device.rx_on_when_idle
        record["node_descriptor"] = node
    if device.power is not None:
        record["power_descriptor"] = dict(device.power)
    return record


def _neighbor_record(neighbor: Neighbor) -> dict[str, Any]:
    return {
        "addr_extended": neighbor.ieee,
        "addr_short": neighbor.nwk,
        "node_type": None if neighbor.node_type is None else _NODE_TYPES[neighbor.node_type],
        "relationship": neighbor.relationship,
        "rx_on_when_idle": neighbor.rx_on_when_idle,
        "lqi": neighbor.lqi,
        "depth": neighbor.depth,
    }
