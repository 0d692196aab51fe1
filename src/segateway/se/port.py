"""What the SE application needs from the network below it: a synchronous, callback-based port.

The SE layer is sans-I/O: it runs on an injected clock and hands packets to a port whose
``send`` reports the delivery result through a callback. The simulated node
(:class:`segateway.zigbee.stack.node.Node`) is such a port as it is; an asynchronous
:class:`segateway.radio.Radio` becomes one through :class:`AsyncRadioPort`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol

from ..radio import (
    ApsPacket,
    DeliveryResult,
    DeliveryStatus,
    Endpoint,
    Neighbor,
    NodeInfo,
    Radio,
    RadioError,
    RadioEvent,
)

__all__ = ["AsyncRadioPort", "NetworkPort"]


class NetworkPort(Protocol):
    """The network as the SE application sees it."""

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


class AsyncRadioPort:
    """A :class:`NetworkPort` over an asynchronous :class:`~segateway.radio.Radio`.

    Each send runs as a task of ``tasks`` (the application's TaskGroup); a radio error is
    reported to ``on_done`` as a MAC failure, never raised into the SE layer.
    """

    def __init__(self, radio: Radio, tasks: asyncio.TaskGroup) -> None:
        self.radio = radio
        self._tasks = tasks

    def send(
        self,
        packet: ApsPacket,
        *,
        aps_ack: bool = True,
        on_done: Callable[[DeliveryResult], None] | None = None,
    ) -> None:
        async def run() -> None:
            try:
                result = await self.radio.send(packet, aps_ack=aps_ack)
            except RadioError:
                result = DeliveryResult(DeliveryStatus.mac_failure)
            if on_done is not None:
                on_done(result)

        self._tasks.create_task(run(), name=f"segateway-send-{packet.cluster_id:04x}")

    def add_listener(
        self,
        on_packet: Callable[[ApsPacket], None] | None = None,
        on_event: Callable[[RadioEvent], None] | None = None,
    ) -> Callable[[], None]:
        return self.radio.add_listener(on_packet, on_event)

    def register_endpoint(self, endpoint: Endpoint) -> None:
        self.radio.register_endpoint(endpoint)

    def info(self) -> NodeInfo:
        return self.radio.node_info()

    def neighbors(self) -> list[Neighbor]:
        return self.radio.neighbors()
