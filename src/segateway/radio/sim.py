"""The simulated radio: ZigBee PRO nodes on the built-in 802.15.4 medium.

:class:`SimNetwork` owns one channel (medium + virtual clock) and the nodes on it; tests and
benchmarks drive its clock directly (``network.run(seconds)``), an asyncio application lets
:meth:`SimNetwork.drive` advance it in real time or as fast as the CPU allows. :class:`SimRadio`
is the :class:`~segateway.radio.Radio` seam over one node of that network.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from ..sim.clock import VirtualClock
from ..sim.medium import Medium
from ..sim.pcap import PcapWriter, write_wireshark_keys
from ..zigbee.install_code import InstallCode
from ..zigbee.stack.context import StackConfig
from ..zigbee.stack.node import Node
from . import (
    ApsPacket,
    DeliveryResult,
    Endpoint,
    Neighbor,
    NetworkConfig,
    NodeInfo,
    NodeType,
    RadioError,
    RadioEvent,
)

__all__ = ["OnMedium", "SimNetwork", "SimRadio", "TrustCenter"]


class _HasNodeId(Protocol):
    @property
    def node_id(self) -> int: ...


class OnMedium(Protocol):
    """A node on a medium, as :meth:`SimNetwork.link` sees it: a :class:`Node`, or a stand-in
    for a node that another process runs (``segateway simulate --attach``)."""

    @property
    def mac(self) -> _HasNodeId: ...


class TrustCenter(OnMedium, Protocol):
    """What a simulated device needs of the trust center it joins through: its place on the
    medium, its network (``info``) and the registration of an install code."""

    def info(self) -> NodeInfo: ...

    def add_install_code(self, ieee: int, code: bytes) -> object: ...


class SimNetwork:
    """One simulated channel: a clock, a medium, the nodes on it, and an optional capture."""

    def __init__(
        self,
        *,
        seed: int = 0,
        loss: float = 0.0,
        latency: float = 0.0,
        capture: str | Path | None = None,
        config: StackConfig | None = None,
    ) -> None:
        self.clock = VirtualClock()
        self.rng = random.Random(seed)  # noqa: S311 - simulation randomness
        self.config = config or StackConfig()
        self._pcap: PcapWriter | None = None
        self._capture_path = Path(capture) if capture is not None else None
        if self._capture_path is not None:
            self._pcap = PcapWriter(self._capture_path)
        self.medium = Medium(
            self.clock,
            self.rng,
            loss=loss,
            latency=latency,
            capture=self._capture if self._pcap is not None else None,
        )
        self.nodes: dict[int, Node] = {}
        self._driver: asyncio.Task[None] | None = None
        self._speed: float | None = None

    # --- nodes ---------------------------------------------------------------------------------

    def add_node(
        self,
        ieee: int,
        node_type: NodeType,
        *,
        rx_on_when_idle: bool = True,
        position: tuple[float, float] | None = None,
        config: StackConfig | None = None,
        random_bytes: Callable[[int], bytes] | None = None,
        trace: Callable[[str], None] | None = None,
    ) -> Node:
        if ieee in self.nodes:
            msg = f"a node with IEEE {ieee:016x} is already on this network"
            raise ValueError(msg)
        extra: dict[str, Any] = {}
        if random_bytes is not None:
            extra["random_bytes"] = random_bytes
        node = Node(
            self.medium,
            self.clock,
            ieee=ieee,
            node_type=node_type,
            # one generator for the whole network: runs stay reproducible (one thread, events in
            # a fixed order) and a node costs 2.5 KB less than with a Mersenne Twister of its own
            rng=self.rng,
            config=config or self.config,
            rx_on_when_idle=rx_on_when_idle,
            position=position,
            trace=trace,
            **extra,
        )
        self.nodes[ieee] = node
        return node

    def link(self, a: OnMedium, b: OnMedium, *, lqi: int = 255, loss: float = 0.0) -> None:
        """Let two nodes hear each other."""
        self.medium.link(a.mac.node_id, b.mac.node_id, lqi=lqi, loss=loss)

    def set_online(self, node: Node, online: bool) -> None:
        self.medium.set_online(node.mac.node_id, online)

    # --- time ----------------------------------------------------------------------------------

    def run(self, seconds: float) -> int:
        """Advance virtual time by ``seconds`` (as fast as the CPU allows)."""
        return self.clock.run(until=self.clock.now() + seconds)

    def run_until(
        self, predicate: Callable[[], bool], *, timeout: float, step: float = 0.05
    ) -> bool:
        """Advance time until ``predicate()`` holds (True) or ``timeout`` seconds passed (False)."""
        end = self.clock.now() + timeout
        while self.clock.now() < end:
            if predicate():
                return True
            self.clock.run(until=min(end, self.clock.now() + step))
        return predicate()

    async def drive(self, *, speed: float | None = 1.0) -> None:
        """Advance the clock under asyncio: ``speed``× real time, or as fast as possible
        (``speed=None``), until cancelled."""
        if speed is None:
            await self.clock.run_as_fast_as_possible()
        else:
            await self.clock.run_realtime(speed=speed)

    def start(self, *, speed: float | None = 1.0) -> None:
        """Start driving the clock in the background of the running asyncio loop."""
        if self._driver is None or self._driver.done():
            self._speed = speed
            self._driver = asyncio.get_running_loop().create_task(
                self.drive(speed=speed), name="segateway-sim-clock"
            )

    async def stop(self) -> None:
        if self._driver is not None:
            self.clock.stop()
            self._driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._driver
            self._driver = None

    # --- capture -------------------------------------------------------------------------------

    def _capture(self, when: float, frame: bytes, sender: int) -> None:
        if self._pcap is not None:
            self._pcap.write(when, frame)

    def write_keys(self, path: str | Path) -> None:
        """Write every key in use (network keys, TC link keys) as a Wireshark key file."""
        write_wireshark_keys(Path(path), list(self.keys()))

    def keys(self) -> Iterator[tuple[bytes, str]]:
        seen: set[bytes] = set()
        for node in self.nodes.values():
            candidates = [(node.ctx.network_key, "network key"), (node.ctx.tc_link_key, "TC link")]
            if node.tc is not None:
                candidates += [(k, f"link {i:016x}") for i, k in node.tc.link_keys.keys.items()]
            for key, label in candidates:
                if key is not None and key not in seen:
                    seen.add(key)
                    yield key, label

    def close(self) -> None:
        if self._pcap is not None:
            self._pcap.close()
            self._pcap = None


class SimRadio:
    """The :class:`~segateway.radio.Radio` seam over one simulated node.

    With ``drive=True`` (the default) entering the radio starts the network's clock in real time
    (``speed``) unless something already drives it; tests that advance time themselves pass
    ``drive=False``.
    """

    def __init__(
        self,
        network: SimNetwork,
        *,
        ieee: int,
        node_type: NodeType = NodeType.coordinator,
        rx_on_when_idle: bool = True,
        position: tuple[float, float] | None = None,
        drive: bool = True,
        speed: float | None = 1.0,
    ) -> None:
        self.network = network
        self.node = network.nodes.get(ieee) or network.add_node(
            ieee, node_type, rx_on_when_idle=rx_on_when_idle, position=position
        )
        self._drive = drive
        self._speed = speed

    async def __aenter__(self) -> Self:
        if self._drive:
            self.network.start(speed=self._speed)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._drive:
            await self.network.stop()

    def add_listener(
        self,
        on_packet: Callable[[ApsPacket], None] | None = None,
        on_event: Callable[[RadioEvent], None] | None = None,
    ) -> Callable[[], None]:
        return self.node.add_listener(on_packet, on_event)

    async def send(self, packet: ApsPacket, *, aps_ack: bool = True) -> DeliveryResult:
        future: asyncio.Future[DeliveryResult] = asyncio.get_running_loop().create_future()

        def done(result: DeliveryResult) -> None:
            if not future.done():
                future.set_result(result)

        self.node.send(packet, aps_ack=aps_ack, on_done=done)
        return await future

    async def form(self, config: NetworkConfig) -> NodeInfo:
        try:
            self.node.form(config)
        except ValueError as exc:
            raise RadioError(str(exc)) from exc
        return self.node.info()

    async def join(self, config: NetworkConfig) -> NodeInfo:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def done(ok: bool) -> None:
            if not future.done():
                future.set_result(ok)

        try:
            self.node.join(config, done)
        except ValueError as exc:
            raise RadioError(str(exc)) from exc
        await future
        return self.node.info()

    async def permit_joining(self, seconds: int) -> None:
        self.node.permit_joining(seconds)

    async def add_link_key(self, ieee: int, key: bytes) -> None:
        try:
            self.node.add_link_key(ieee, key)
        except ValueError as exc:
            raise RadioError(str(exc)) from exc

    async def add_install_code(self, ieee: int, code: bytes) -> None:
        try:
            InstallCode.parse(code.hex())
            self.node.add_install_code(ieee, code)
        except ValueError as exc:
            raise RadioError(str(exc)) from exc

    async def remove_device(self, ieee: int) -> None:
        try:
            self.node.remove_device(ieee)
        except ValueError as exc:
            raise RadioError(str(exc)) from exc

    def register_endpoint(self, endpoint: Endpoint) -> None:
        self.node.register_endpoint(endpoint)

    def node_info(self) -> NodeInfo:
        return self.node.info()

    def neighbors(self) -> list[Neighbor]:
        return self.node.neighbors()
