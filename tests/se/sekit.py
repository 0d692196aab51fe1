"""Smart Energy applications on a simulated network, for the SE tests (no mocks: real frames).

``Home`` forms a network with an ESI Coordinator application on the coordinator and lets
routers join with install codes; each can host an SE application (IPD Router, ESI Router) or a
bare node that a test drives frame by frame (``Probe``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from segateway.radio import (
    ApsPacket,
    DeliveryResult,
    Endpoint,
    NetworkConfig,
    NetworkState,
    NodeType,
)
from segateway.radio.sim import SimNetwork
from segateway.se.app import Role, SeApplication, SeConfig
from segateway.se.bus import Notification
from segateway.se.endpoint import APS_SECURED_CLUSTERS, LocalCluster
from segateway.se.timebase import TimeBase
from segateway.store import Store
from segateway.zcl.frame import ZclFrame, decode_frame
from segateway.zcl.header import ZclHeader
from segateway.zigbee.install_code import InstallCode
from segateway.zigbee.stack.node import Node

ESI_IEEE = 0x00124B0000005E01
EPID = 0x00124B00005E5E5E
SE_PROFILE = 0x0109
START_UTC = 847_000_000  # 2026-11-03T04:26:40Z in ZCL UTCTime: the tests' "now" at clock 0


def fixed_bytes(n: int) -> bytes:
    return bytes((0x5A + 3 * i) & 0xFF for i in range(n))


@dataclass
class Probe:
    """A bare SE node: sends raw ZCL frames and records what it receives."""

    node: Node
    endpoint: int = 1
    received: list[ApsPacket] = field(default_factory=list)

    def frames(self, cluster_id: int) -> list[ZclFrame]:
        return [
            decode_frame(p.payload, cluster_id)
            for p in self.received
            if p.cluster_id == cluster_id and p.profile_id == SE_PROFILE
        ]

    def send(
        self,
        dst: int,
        cluster_id: int,
        data: bytes,
        *,
        dst_ep: int = 0x5E,
        aps_security: bool | None = None,
    ) -> list[DeliveryResult]:
        """Send a ZCL frame; SE clusters go APS-encrypted, as a compliant device sends them."""
        if aps_security is None:
            aps_security = cluster_id in APS_SECURED_CLUSTERS
        results: list[DeliveryResult] = []
        self.node.send(
            ApsPacket(
                profile_id=SE_PROFILE,
                cluster_id=cluster_id,
                src_ep=self.endpoint,
                dst_ep=dst_ep,
                payload=data,
                dst=dst,
                aps_security=aps_security,
            ),
            on_done=results.append,
        )
        return results


class Home:
    """A simulated home network with an SE application on its coordinator."""

    def __init__(
        self,
        *,
        role: Role = Role.esi_coordinator,
        seed: int = 7,
        store: Store | None = None,
        config: SeConfig | None = None,
        clusters: list[LocalCluster] | None = None,
    ) -> None:
        self.sim = SimNetwork(seed=seed)
        self.clock = self.sim.clock
        self.coordinator = self.sim.add_node(
            ESI_IEEE, NodeType.coordinator, random_bytes=fixed_bytes
        )
        self.coordinator.form(NetworkConfig(channel=20, pan_id=0x5E5E, extended_pan_id=EPID))
        self.notifications: list[Notification] = []
        self.store = store or Store(":memory:")
        self.timebase = TimeBase(self.clock, START_UTC, synchronized=True)
        self.esi = SeApplication(
            self.coordinator,
            self.clock,
            self.store,
            config=config or SeConfig(role=role, refresh_rate=0),
            rng=random.Random(seed),  # noqa: S311 - test determinism
            timebase=self.timebase,
            clusters=clusters,
        )
        self.esi.bus.subscribe(self.notifications.append)
        self.esi.start()
        self.coordinator.permit_joining(254)
        self.apps: dict[int, SeApplication] = {}

    def join(self, ieee: int, *, register: bool = True, sleepy: bool = False) -> Node:
        node = self.sim.add_node(
            ieee,
            NodeType.end_device if sleepy else NodeType.router,
            rx_on_when_idle=not sleepy,
            random_bytes=fixed_bytes,
        )
        self._join(node, register=register, neighbours=[self.sim.nodes[i] for i in self.apps])
        return node

    def _join(
        self, node: Node, *, register: bool = True, neighbours: list[Node] | None = None
    ) -> None:
        """Let ``node`` hear the coordinator (and ``neighbours``) and join with its install code
        (registered at the trust center unless ``register`` is False); raises if it is not
        joined within 60 s."""
        ieee = node.ieee
        self.sim.link(node, self.coordinator, lqi=230)
        for other in neighbours or ():
            self.sim.link(node, other, lqi=200)
        code = InstallCode.from_code(ieee.to_bytes(8, "big"))
        if register:
            self.coordinator.add_install_code(ieee, code.code + code.crc)
        node.join(NetworkConfig(extended_pan_id=EPID, link_key=code.link_key))
        if not self.sim.run_until(lambda: node.state is NetworkState.joined, timeout=60):
            msg = f"{ieee:016x} did not join"
            raise RuntimeError(msg)

    def probe(self, ieee: int, endpoint: Endpoint | None = None) -> Probe:
        """A joined bare node with one SE endpoint (default: a meter, Metering server)."""
        node = self.sim.add_node(ieee, NodeType.router, random_bytes=fixed_bytes)
        node.register_endpoint(
            endpoint or Endpoint(1, SE_PROFILE, 0x0501, input_clusters=(0x0000, 0x0702))
        )
        probe = Probe(node, endpoint=(endpoint.endpoint if endpoint else 1))
        node.add_listener(on_packet=probe.received.append)
        self._join(node)  # a probe hears only the coordinator
        return probe

    def app(
        self, ieee: int, role: Role = Role.ipd_router, *, store: Store | None = None, **kw: Any
    ) -> SeApplication:
        """Join a router and run an SE application (IPD Router by default) on it."""
        node = self.join(ieee)
        app = SeApplication(
            node,
            self.clock,
            store or Store(":memory:"),
            config=SeConfig(role=role, refresh_rate=0, **kw),
            rng=random.Random(ieee),  # noqa: S311 - test determinism
            timebase=TimeBase(self.clock, START_UTC, synchronized=False),
        )
        app.start()
        self.apps[ieee] = app
        return app

    def run(self, seconds: float) -> None:
        self.sim.run(seconds)

    def of(self, kind: type[Notification]) -> list[Any]:
        return [n for n in self.notifications if isinstance(n, kind)]


def zcl(header: ZclHeader, payload: bytes = b"") -> bytes:
    return header.encode() + payload
