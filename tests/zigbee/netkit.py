"""Building simulated networks for the stack tests: a coordinator, devices with install codes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from segateway.radio import (
    ApsPacket,
    DeliveryResult,
    DeviceJoined,
    DeviceLeft,
    Endpoint,
    JoinPolicy,
    NetworkConfig,
    NetworkState,
    NodeType,
    RadioEvent,
)
from segateway.radio.sim import SimNetwork
from segateway.zigbee.install_code import InstallCode
from segateway.zigbee.stack.context import StackConfig
from segateway.zigbee.stack.node import Node

NETWORK_KEY = bytes.fromhex("0123456789abcdef0123456789abcdef")
EPID = 0x00124B00AABBCCDD
PAN = 0x1A62
TC_IEEE = 0x00124B0000000001
SE = 0x0109


def fixed_bytes(n: int) -> bytes:
    """Deterministic 'random' keys for reproducible captures."""
    return bytes((0xA5 + i) & 0xFF for i in range(n))


def install_code_for(ieee: int) -> InstallCode:
    return InstallCode.from_code(ieee.to_bytes(8, "big"))


@dataclass
class Net:
    """A network under test and what its coordinator saw."""

    sim: SimNetwork
    coordinator: Node
    events: list[RadioEvent] = field(default_factory=list)
    packets: dict[int, list[ApsPacket]] = field(default_factory=dict)

    def joined(self) -> list[int]:
        return [e.ieee for e in self.events if isinstance(e, DeviceJoined)]

    def left(self) -> list[int]:
        return [e.ieee for e in self.events if isinstance(e, DeviceLeft)]

    def add(
        self,
        ieee: int,
        node_type: NodeType = NodeType.router,
        *,
        sleepy: bool = False,
        register: bool = True,
        link_key: bytes | None = None,
        links: Iterable[Node] = (),
        lqi: int = 220,
        endpoint: Endpoint | None = None,
    ) -> Node:
        node = self.sim.add_node(
            ieee, node_type, rx_on_when_idle=not sleepy, random_bytes=fixed_bytes
        )
        for other in links:
            self.sim.link(node, other, lqi=lqi)
        code = install_code_for(ieee)
        if register:
            self.coordinator.add_install_code(ieee, code.code + code.crc)
        node.join_key = link_key if link_key is not None else code.link_key  # type: ignore[attr-defined]
        received: list[ApsPacket] = []
        self.packets[ieee] = received
        node.add_listener(on_packet=received.append)
        node.register_endpoint(endpoint or Endpoint(1, SE, 0x0501, input_clusters=(0x0702,)))
        return node

    def join(self, *nodes: Node, timeout: float = 60.0) -> bool:
        for node in nodes:
            node.join(NetworkConfig(extended_pan_id=EPID, link_key=node.join_key))  # type: ignore[attr-defined]
        ok = self.sim.run_until(
            lambda: all(n.state is NetworkState.joined for n in nodes), timeout=timeout
        )
        self.sim.run(1.0)  # let the announcements travel
        return ok

    def send(
        self,
        src: Node,
        dst: Node,
        payload: bytes = b"\x00\x01\x00\x00\x00",
        *,
        aps_ack: bool = True,
        aps_security: bool = True,
        cluster: int = 0x0702,
    ) -> list[DeliveryResult]:
        results: list[DeliveryResult] = []
        packet = ApsPacket(SE, cluster, 1, 1, payload, dst_ieee=dst.ieee, aps_security=aps_security)
        src.send(packet, aps_ack=aps_ack, on_done=results.append)
        return results


def make_net(
    *,
    seed: int = 1,
    policy: JoinPolicy = JoinPolicy.explicit,
    loss: float = 0.0,
    config: StackConfig | None = None,
    permit: int = 254,
    capture: str | None = None,
) -> Net:
    sim = SimNetwork(seed=seed, loss=loss, config=config, capture=capture)
    coordinator = sim.add_node(TC_IEEE, NodeType.coordinator, random_bytes=fixed_bytes)
    net = Net(sim, coordinator)
    coordinator.add_listener(
        on_packet=lambda p: net.packets.setdefault(TC_IEEE, []).append(p),
        on_event=net.events.append,
    )
    coordinator.register_endpoint(Endpoint(1, SE, 0x0500, output_clusters=(0x0702,)))
    coordinator.form(
        NetworkConfig(
            channel=15, pan_id=PAN, extended_pan_id=EPID, network_key=NETWORK_KEY, policy=policy
        )
    )
    if permit:
        coordinator.permit_joining(permit)
    return net
