"""The radio seam: the APS-level interface everything above the network uses.

Everything from the SE application up talks to a :class:`Radio` and exchanges :class:`ApsPacket`
records with it; it never knows whether the radio is the built-in simulator (``radio.sim``) or a
real module (``radio.xbee``, later). One packet dataclass crosses the seam in both directions.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

__all__ = [
    "BROADCAST_ALL",
    "BROADCAST_ROUTERS",
    "BROADCAST_RX_ON",
    "ApsPacket",
    "DeliveryResult",
    "DeliveryStatus",
    "DeviceJoined",
    "DeviceLeft",
    "DstMode",
    "Endpoint",
    "JoinPolicy",
    "Neighbor",
    "NetworkConfig",
    "NetworkState",
    "NodeInfo",
    "NodeType",
    "Radio",
    "RadioError",
    "RadioEvent",
]

BROADCAST_ALL = 0xFFFF
BROADCAST_RX_ON = 0xFFFD
BROADCAST_ROUTERS = 0xFFFC


class RadioError(RuntimeError):
    """The radio cannot do what was asked (not joined, not the trust center, bad key, …)."""


class NodeType(enum.Enum):
    coordinator = "coordinator"
    router = "router"
    end_device = "end_device"


class DstMode(enum.Enum):
    """How an outgoing packet is addressed."""

    unicast = "unicast"  # dst is a NWK address (or dst_ieee is given and resolved)
    group = "group"  # dst is a 16-bit group id
    broadcast = "broadcast"  # dst is 0xFFFF, 0xFFFD or 0xFFFC


@dataclass(frozen=True, slots=True)
class ApsPacket:
    """One APS data frame, sent or received.

    Outgoing: ``dst``/``dst_ieee`` and ``dst_mode`` say where to; ``aps_security`` asks for APS
    (link-key) encryption on top of network security. Incoming: ``src``/``src_ieee`` are the
    sender, ``aps_security`` tells whether it arrived APS-encrypted, ``lqi``/``rssi`` describe the
    last hop.
    """

    profile_id: int
    cluster_id: int
    src_ep: int
    dst_ep: int
    payload: bytes
    dst: int | None = None
    dst_ieee: int | None = None
    dst_mode: DstMode = DstMode.unicast
    src: int | None = None
    src_ieee: int | None = None
    aps_security: bool = False
    radius: int = 0  # 0: the network's default
    lqi: int | None = None
    rssi: int | None = None


class DeliveryStatus(enum.Enum):
    """What became of a sent packet."""

    delivered = "delivered"  # APS-acknowledged by the destination (or, without APS ack, sent)
    no_ack = "no_ack"  # APS ack never came after every retry
    no_route = "no_route"  # no route to the destination could be found
    mac_failure = "mac_failure"  # the first hop never acknowledged / channel busy
    no_key = "no_key"  # APS encryption asked, but no link key with the destination
    not_joined = "not_joined"  # the local node is not on a network
    unknown_destination = "unknown_destination"  # an IEEE address with no known NWK address
    frame_too_long = "frame_too_long"  # the payload does not fit one frame (no fragmentation)


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    status: DeliveryStatus
    aps_counter: int | None = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.status is DeliveryStatus.delivered


class JoinPolicy(enum.Enum):
    """Trust-center policy for devices that join."""

    explicit = "explicit"  # only devices registered with an install code or link key
    open = "open"  # anyone with the well-known global link key ("ZigBeeAlliance09")


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    """What forming (coordinator) or joining (router, end device) needs."""

    channel: int = 15
    pan_id: int | None = None  # None: random when forming, any when joining
    extended_pan_id: int | None = (
        None  # None: random when forming (from the IEEE), any when joining
    )
    network_key: bytes | None = None  # None: random when forming
    policy: JoinPolicy = JoinPolicy.explicit
    link_key: bytes | None = None  # joining: the pre-configured TC link key (from an install code)
    channel_mask: int = 0x07FFF800  # joining: 11–26


class NetworkState(enum.Enum):
    offline = "offline"
    joining = "joining"
    joined = "joined"


@dataclass(frozen=True, slots=True)
class NodeInfo:
    ieee: int
    nwk: int | None
    node_type: NodeType
    state: NetworkState
    channel: int | None = None
    pan_id: int | None = None
    extended_pan_id: int | None = None
    parent: int | None = None  # NWK address of the parent (end devices, routers joined through one)
    permit_joining_until: float | None = None  # clock time, None when closed
    trust_center: int | None = None  # IEEE of the trust center
    network_key_seq: int | None = None
    # a sleepy end device (receiver off when idle): seconds between its polls of its parent, so
    # an answer to it may wait that long in the parent's buffer; None when the receiver is on
    poll_interval: float | None = None


@dataclass(frozen=True, slots=True)
class Neighbor:
    ieee: int | None
    nwk: int
    node_type: NodeType | None
    relationship: str  # parent, child, sibling, unauthenticated child, none
    rx_on_when_idle: bool
    lqi: int
    depth: int | None = None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A local application endpoint, as ZDO describes it (Simple Descriptor)."""

    endpoint: int
    profile_id: int
    device_id: int
    device_version: int = 0
    input_clusters: tuple[int, ...] = ()  # server clusters
    output_clusters: tuple[int, ...] = ()  # client clusters


@dataclass(frozen=True, slots=True)
class DeviceJoined:
    """The trust center admitted a device (or saw one rejoin)."""

    ieee: int
    nwk: int
    parent: int
    rejoin: bool = False


@dataclass(frozen=True, slots=True)
class DeviceLeft:
    ieee: int
    nwk: int | None
    removed: bool = False  # removed by the trust center (its key is gone too)


RadioEvent = DeviceJoined | DeviceLeft


@runtime_checkable
class Radio(Protocol):
    """The APS-level radio. Long-lived: use as an async context manager."""

    async def __aenter__(self) -> Radio: ...

    async def __aexit__(self, *exc: object) -> None: ...

    def add_listener(
        self,
        on_packet: Callable[[ApsPacket], None] | None = None,
        on_event: Callable[[RadioEvent], None] | None = None,
    ) -> Callable[[], None]:
        """Register callbacks; returns a function that removes them."""
        ...

    async def send(self, packet: ApsPacket, *, aps_ack: bool = True) -> DeliveryResult:
        """Send one APS data frame; resolves when it is delivered or has failed."""
        ...

    async def form(self, config: NetworkConfig) -> NodeInfo:
        """Form a network as coordinator and trust center."""
        ...

    async def join(self, config: NetworkConfig) -> NodeInfo:
        """Join a network through its trust center (router or end device)."""
        ...

    async def permit_joining(self, seconds: int) -> None:
        """Open joining for ``seconds`` (0 closes) here and, by ZDO broadcast, on every router."""
        ...

    async def add_link_key(self, ieee: int, key: bytes) -> None:
        """Trust center: register a device's pre-configured link key."""
        ...

    async def add_install_code(self, ieee: int, code: bytes) -> None:
        """Trust center: register a device by its install code (with CRC)."""
        ...

    async def remove_device(self, ieee: int) -> None:
        """Trust center: make the device leave and forget its key."""
        ...

    def register_endpoint(self, endpoint: Endpoint) -> None:
        """Describe a local application endpoint (answered by ZDO)."""
        ...

    def node_info(self) -> NodeInfo: ...

    def neighbors(self) -> list[Neighbor]: ...


@dataclass
class _Listeners:
    """Callback lists for Radio implementations."""

    packets: list[Callable[[ApsPacket], None]] = field(default_factory=list)
    events: list[Callable[[RadioEvent], None]] = field(default_factory=list)
