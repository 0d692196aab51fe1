"""The Smart Energy application: one gateway configuration running on a network port.

:class:`SeApplication` hosts our endpoint (0x5E by default) with the clusters of its
configuration (:class:`Role`), the device manager, the durable store and the notification bus, on
an injected clock. It is sans-I/O: the port delivers packets and delivery results by callback,
time advances by the clock's scheduling, and nothing here reads the wall clock.

Every cluster side (:class:`~segateway.se.endpoint.LocalCluster`) is started and closed with the
application (``start()`` / ``close()``): that is where ESI servers and IPD clients restore their
durable state and schedule their timers.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..radio import (
    ApsPacket,
    DeliveryResult,
    DeliveryStatus,
    DstMode,
    NetworkState,
    RadioEvent,
)
from ..sim.clock import Clock
from ..store import Store
from ..zcl.cluster import Side
from .bus import Bus, StatusCode, StatusMessage
from .devices import Device, DeviceManager, JoinMode
from .endpoint import LocalCluster, Peer, ZclEndpoint
from .general import BasicServer, IdentifyServer, KeyEstablishmentClient, KeyEstablishmentServer
from .timebase import TimeBase

__all__ = ["DEVICE_IDS", "ROLE_SETTING", "Role", "RoleMismatchError", "SeApplication", "SeConfig"]

ZDO_PROFILE = 0x0000
ROLE_SETTING = "se.role"  # the configuration that wrote the store
KEY_REQUEST_ATTEMPTS = 3  # Request Key (application link key) sends before giving up
KEY_REQUEST_RETRY = 1.0  # seconds between them


class Role(enum.Enum):
    """The three configurations (``DESIGN.md``)."""

    esi_coordinator = "esi_coordinator"
    esi_router = "esi_router"
    ipd_router = "ipd_router"

    @property
    def is_esi(self) -> bool:
        return self is not Role.ipd_router


DEVICE_IDS = {
    Role.esi_coordinator: 0x0500,  # Energy Service Interface
    Role.esi_router: 0x0500,
    Role.ipd_router: 0x0502,  # In-Premise Display
}


@dataclass
class SeConfig:
    """Settings of the SE application (the registry settings of the original where it had one)."""

    role: Role = Role.esi_coordinator
    endpoint_id: int = 0x5E
    manufacturer_name: str = "segateway"
    model_identifier: str = "segateway"
    join_mode: JoinMode = JoinMode.open
    # ZCL_Endpoint.enable_direction_bit_correction
    direction_bit_correction: bool = False
    # Cluster.disable_APS_encryption: SE cluster unicasts go without APS encryption (and are
    # accepted without it) — for devices that cannot do it; the SE specification requires it
    disable_aps_encryption: bool = False
    # ZDO_Device_Manager.max_sequential_TX_failures / refresh_rate (seconds, 0 = off)
    max_sequential_tx_failures: int = 3
    refresh_rate: float = 600.0
    # the endpoint's device id; None: the role's (DEVICE_IDS). Simulated devices (a meter,
    # 0x0501) run the application with their own clusters and device id.
    device_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class RoleMismatchError(RuntimeError):
    """The store was written by another configuration: convert it first."""


class SeApplication:
    """One gateway configuration (ESI Coordinator, ESI Router or IPD Router) on a port."""

    def __init__(
        self,
        port: Any,
        clock: Clock,
        store: Store,
        *,
        config: SeConfig | None = None,
        bus: Bus | None = None,
        rng: random.Random | None = None,
        timebase: TimeBase | None = None,
        clusters: Iterable[LocalCluster] | None = None,
    ) -> None:
        self.port = port
        self.clock = clock
        self.store = store
        self.config = config or SeConfig()
        self.bus = bus or Bus()
        self.rng = rng or random.Random()  # noqa: S311 - protocol randomization, not keys
        self.timebase = timebase or TimeBase(clock)
        self.direction_bit_correction = self.config.direction_bit_correction
        self.aps_encryption = not self.config.disable_aps_encryption
        self._tsn = self.rng.randrange(256)
        # seconds added to every wait for an answer: two poll intervals when this node is a
        # sleepy end device (its answers wait in its parent's buffer until it polls), else 0;
        # the port's poll interval is its configuration, read once at start()
        self.response_margin = 0.0
        self.devices = DeviceManager(
            clock=clock,
            store=store,
            bus=self.bus,
            send_packet=self.send_packet,
            local_ieee=self._local_ieee,
            join_mode=self.config.join_mode,
            max_sequential_tx_failures=self.config.max_sequential_tx_failures,
            refresh_rate=self.config.refresh_rate,
            request_link_key=self._request_link_key,
            link_key_ready=self._link_key_ready,
            response_margin=lambda: self.response_margin,
        )
        chosen = list(clusters) if clusters is not None else self.default_clusters()
        device_id = self.config.device_id
        if device_id is None:
            device_id = DEVICE_IDS[self.config.role]
        self.endpoint = ZclEndpoint(self, self.config.endpoint_id, device_id, chosen)
        self.endpoints = {self.endpoint.endpoint_id: self.endpoint}
        self._unlisten: Callable[[], None] | None = None
        self.started = False

    # --- configuration ----------------------------------------------------------------------

    def default_clusters(self) -> list[LocalCluster]:
        """Basic, Identify, Key Establishment and the role's SE clusters."""
        clusters: list[LocalCluster] = [
            BasicServer(
                manufacturer_name=self.config.manufacturer_name,
                model_identifier=self.config.model_identifier,
            ),
            IdentifyServer(),
            KeyEstablishmentServer(),
            KeyEstablishmentClient(),
        ]
        clusters.extend(_role_clusters(self.config.role))
        return clusters

    def cluster(self, cluster_id: int, side: Side) -> LocalCluster | None:
        return self.endpoint.cluster(cluster_id, side)

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Register the endpoint, listen to the port and resume every component."""
        if self.started:
            return
        stored = self.store.get_setting(ROLE_SETTING)
        if stored is None:
            self.store.set_setting(ROLE_SETTING, self.config.role.value)
        elif stored != self.config.role.value:
            msg = (
                f"the data was written by an {stored} gateway, not an {self.config.role.value}: "
                f"convert it first (segateway convert {self.config.role.value})"
            )
            raise RoleMismatchError(msg)
        self.started = True
        for endpoint in self.endpoints.values():
            self.port.register_endpoint(endpoint.descriptor())
        self._unlisten = self.port.add_listener(self.on_packet, self.on_event)
        info = self.port.info()
        poll = info.poll_interval
        self.response_margin = 0.0 if poll is None else 2 * poll
        trust_center = None
        if info.trust_center is not None and info.trust_center != info.ieee:
            trust_center = (info.trust_center, 0x0000)
        self.devices.start(trust_center=trust_center)
        for component in self._components():
            component.start()
        self.bus.publish(StatusMessage(int(StatusCode.init_complete), 1, "Init Complete"))
        if info.state is NetworkState.joined:
            self.bus.publish(
                StatusMessage(
                    int(StatusCode.joined_network),
                    1,
                    "Local device detected that it is joined to a ZigBee network",
                    info.ieee,
                )
            )

    def close(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        for component in reversed(self._components()):
            component.close()
        self.devices.close()
        self.started = False

    def _components(self) -> list[LocalCluster]:
        return [c for ep in self.endpoints.values() for c in ep.clusters.values()]

    # --- the endpoint host ------------------------------------------------------------------

    def next_tsn(self) -> int:
        self._tsn = (self._tsn + 1) & 0xFF
        return self._tsn

    def resolve_ieee(self, nwk: int | None) -> int | None:
        return self.devices.ieee_of(nwk)

    def _request_link_key(self, ieee: int, attempt: int = 1) -> None:
        """Ask the trust center for a link key shared with ``ieee`` (SE cluster unicasts are
        APS-encrypted): needed when neither side is the trust center, which already shares a
        key with every device. A request that does not leave is repeated (3 attempts)."""
        info = self.port.info()
        if info.trust_center is None or ieee in (info.trust_center, info.ieee):
            return
        if info.ieee == info.trust_center:
            return
        request = getattr(self.port, "request_application_key", None)
        if request is None:
            return
        has_key = getattr(self.port, "has_link_key", None)
        if has_key is not None and has_key(ieee):
            return

        def sent(ok: bool) -> None:
            if not ok and attempt < KEY_REQUEST_ATTEMPTS:
                self.clock.call_later(KEY_REQUEST_RETRY, self._request_link_key, ieee, attempt + 1)

        request(ieee, sent)

    def _link_key_ready(self, ieee: int) -> bool:
        """Whether SE unicasts to ``ieee`` can go (APS-encrypted) now."""
        if not self.aps_encryption:
            return True
        has_key = getattr(self.port, "has_link_key", None)
        return has_key is None or bool(has_key(ieee))

    def _local_ieee(self) -> int | None:
        return int(self.port.info().ieee)

    def send_packet(
        self, packet: ApsPacket, on_done: Callable[[DeliveryResult], None] | None = None
    ) -> None:
        """Send through the port; unicast results feed the device manager's activity tracking."""
        ieee = packet.dst_ieee
        if ieee is None and packet.dst_mode is DstMode.unicast:
            ieee = self.devices.ieee_of(packet.dst)

        def done(result: DeliveryResult) -> None:
            if result.status is DeliveryStatus.no_key and ieee is not None:
                self._request_link_key(ieee)  # the next attempt will have it
                if on_done is not None:
                    on_done(result)
                return  # says nothing about the device being alive
            if packet.dst_mode is DstMode.unicast:
                self.devices.delivery(ieee, result.ok)
            if on_done is not None:
                on_done(result)

        self.port.send(packet, aps_ack=packet.dst_mode is DstMode.unicast, on_done=done)

    def peer(self, ieee: int, endpoint: int | None = None) -> Peer:
        """The peer for a known device (its first SE endpoint unless ``endpoint`` is given)."""
        device = self.devices.get(ieee)
        if device is None:
            return Peer(None, ieee, endpoint if endpoint is not None else self.config.endpoint_id)
        if endpoint is None:
            endpoint = min(device.endpoints, default=self.config.endpoint_id)
        return Peer(device.nwk, ieee, endpoint)

    # --- receiving --------------------------------------------------------------------------

    def on_packet(self, packet: ApsPacket) -> None:
        if packet.profile_id == ZDO_PROFILE and packet.dst_ep == 0:
            self.devices.on_zdo_packet(packet)
            return
        ieee = packet.src_ieee if packet.src_ieee is not None else self.devices.ieee_of(packet.src)
        self.devices.heard(ieee)
        if packet.dst_ep == 0xFF:
            for endpoint in self.endpoints.values():
                endpoint.on_packet(packet)
            return
        target = self.endpoints.get(packet.dst_ep)
        if target is not None:
            target.on_packet(packet)

    def on_event(self, event: RadioEvent) -> None:
        self.devices.on_event(event)

    def on_device_active(self, listener: Callable[[Device], None]) -> Callable[[], None]:
        return self.devices.on_active(listener)


def _role_clusters(role: Role) -> list[LocalCluster]:
    """The SE cluster sides of a configuration (``DESIGN.md``, the configurations table)."""
    from .roles import role_clusters  # noqa: PLC0415 - the roles import this module's types

    return role_clusters(role)
