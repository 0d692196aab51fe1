"""What every layer of a node shares: identity, addresses, keys, clock, randomness, settings."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from ...radio import NodeType
from ...sim.clock import Clock
from ..security import CounterStore, IncomingCounters, MemoryCounterStore, OutgoingCounter

__all__ = ["NodeContext", "StackConfig"]


@dataclass(frozen=True, slots=True)
class StackConfig:
    """Timing and size settings of a node (ZigBee PRO defaults unless stated)."""

    poll_interval: float = 5.0  # sleepy end devices: data request period (s)
    indirect_lifetime: float = 7.68  # macTransactionPersistenceTime at 2.4 GHz (s)
    poll_wait: float = 0.032  # how long a sleepy device listens after a pending-data ack (s)
    association_wait: float = 0.49  # aResponseWaitTime (s)
    scan_duration: float = 0.14  # active scan, scan duration 3 at 2.4 GHz (s)
    key_wait: float = 5.0  # apsSecurityTimeOutPeriod: waiting for the network key (s)
    aps_ack_wait: float = 1.5  # apscAckWaitDuration (s)
    aps_retries: int = 3  # apscMaxFrameRetries
    # how long an (source, APS counter) pair marks later frames as duplicates; None: just the
    # span of a sender's retries to us, (retries + 1) × its ack wait (longer if we sleep). Any
    # longer and a source sending fast would see fresh frames dropped when its counter wraps.
    aps_duplicate_timeout: float | None = None
    max_depth: int = 15  # nwkMaxDepth
    broadcast_jitter: float = 0.064  # nwkcMaxBroadcastJitter (s)
    passive_ack_timeout: float = 0.5  # nwkPassiveAckTimeout (s)
    broadcast_retries: int = 2  # nwkMaxBroadcastRetries
    broadcast_lifetime: float = 9.0  # nwkBroadcastDeliveryTime (s)
    route_discovery_time: float = 10.0  # nwkcRouteDiscoveryTime (s)
    link_status_period: float | None = 15.0  # nwkLinkStatusPeriod (s); None: off
    concentrator_period: float | None = 60.0  # coordinator's many-to-one route requests (s)
    address_map_size: int = 64  # IEEE ↔ NWK pairs a router or end device remembers
    max_children: int = 64  # end-device and router children a parent accepts
    # the timeout an end device asks its parent for (End Device Timeout Request, rounded up to
    # the next value the request can carry: 256 s asks for 8 min); parents record it (aging
    # children out on it is not implemented yet)
    end_device_timeout: float = 256.0
    poll_failures_to_rejoin: int = 3  # sleepy/rx-on end device: lost parent after this many
    join_retry: float = 10.0  # seconds between join attempts


@dataclass
class NodeContext:
    """Shared state of one node."""

    ieee: int
    node_type: NodeType
    clock: Clock
    rng: random.Random
    config: StackConfig = field(default_factory=StackConfig)
    rx_on_when_idle: bool = True
    mains_powered: bool = True
    manufacturer_code: int = 0x0000
    counter_store: CounterStore = field(default_factory=MemoryCounterStore)
    # network parameters, set when forming or joining
    nwk: int | None = None
    pan_id: int | None = None
    extended_pan_id: int | None = None
    channel: int | None = None
    depth: int = 0
    parent: int | None = None  # NWK address of the parent
    parent_ieee: int | None = None
    trust_center: int | None = None  # IEEE of the trust center
    network_key: bytes | None = None
    network_key_seq: int = 0
    previous_network_key: tuple[int, bytes] | None = None
    tc_link_key: bytes | None = None  # our link key with the trust center
    authenticated: bool = False
    incoming: IncomingCounters = field(default_factory=IncomingCounters)
    _nwk_counter: OutgoingCounter | None = None
    _aps_counter: OutgoingCounter | None = None
    trace: Callable[[str], None] | None = None

    def nwk_frame_counter(self) -> int:
        if self._nwk_counter is None:
            self._nwk_counter = OutgoingCounter(self.counter_store, f"{self.ieee:016x}.nwk")
        return self._nwk_counter.next()

    def aps_frame_counter(self) -> int:
        if self._aps_counter is None:
            self._aps_counter = OutgoingCounter(self.counter_store, f"{self.ieee:016x}.aps")
        return self._aps_counter.next()

    @property
    def is_router(self) -> bool:
        """Coordinator or router: relays, accepts children, answers beacon requests."""
        return self.node_type is not NodeType.end_device

    @property
    def is_coordinator(self) -> bool:
        return self.node_type is NodeType.coordinator

    def log(self, message: str) -> None:
        if self.trace is not None:
            self.trace(f"{self.clock.now():.6f} {self.ieee:016x} {message}")
