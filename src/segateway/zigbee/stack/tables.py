"""The node's tables: neighbors, routes, route discoveries, broadcasts, APS duplicates.

Plain data structures with explicit expiry times (clock seconds); the layers own the timers.
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from dataclasses import dataclass, field

__all__ = [
    "BroadcastTable",
    "DuplicateTable",
    "NeighborEntry",
    "NeighborTable",
    "Relationship",
    "RouteDiscovery",
    "RouteEntry",
    "RouteStatus",
    "RoutingTable",
    "link_cost",
]


class Relationship(enum.IntEnum):
    """Mgmt_Lqi relationship values (ZigBee spec Table 2.126)."""

    parent = 0
    child = 1
    sibling = 2
    none = 3
    previous_child = 4
    unauthenticated_child = 5


class DeviceType(enum.IntEnum):
    """Mgmt_Lqi device type values."""

    coordinator = 0
    router = 1
    end_device = 2
    unknown = 3


@dataclass(slots=True)
class NeighborEntry:
    nwk: int
    ieee: int | None
    device_type: DeviceType
    relationship: Relationship
    rx_on_when_idle: bool
    lqi: int = 0
    outgoing_cost: int = 0  # as the neighbor reported it in Link Status (0: unknown)
    last_seen: float = 0.0
    depth: int | None = None
    timeout_at: float | None = None  # end-device children: aged out after this
    failures: int = 0  # consecutive frames to it that got no MAC ack

    @property
    def is_child(self) -> bool:
        return self.relationship in (Relationship.child, Relationship.unauthenticated_child)


class NeighborTable:
    """Neighbors by NWK address, with an IEEE index."""

    __slots__ = ("_by_ieee", "_by_nwk")

    def __init__(self) -> None:
        self._by_nwk: dict[int, NeighborEntry] = {}
        self._by_ieee: dict[int, NeighborEntry] = {}

    def get(self, nwk: int) -> NeighborEntry | None:
        return self._by_nwk.get(nwk)

    def by_ieee(self, ieee: int) -> NeighborEntry | None:
        return self._by_ieee.get(ieee)

    def add(self, entry: NeighborEntry) -> NeighborEntry:
        old = self._by_nwk.get(entry.nwk)
        if old is not None and old.ieee is not None and old.ieee != entry.ieee:
            self._by_ieee.pop(old.ieee, None)
        if entry.ieee is not None:
            previous = self._by_ieee.get(entry.ieee)
            if previous is not None and previous.nwk != entry.nwk:
                self._by_nwk.pop(previous.nwk, None)  # the device changed address
            self._by_ieee[entry.ieee] = entry
        self._by_nwk[entry.nwk] = entry
        return entry

    def remove(self, nwk: int) -> NeighborEntry | None:
        entry = self._by_nwk.pop(nwk, None)
        if entry is not None and entry.ieee is not None:
            self._by_ieee.pop(entry.ieee, None)
        return entry

    def children(self) -> list[NeighborEntry]:
        return [
            e
            for e in self._by_nwk.values()
            if e.relationship in (Relationship.child, Relationship.unauthenticated_child)
        ]

    def routers(self) -> list[NeighborEntry]:
        return [
            e
            for e in self._by_nwk.values()
            if e.device_type in (DeviceType.router, DeviceType.coordinator)
            and e.relationship is not Relationship.unauthenticated_child
        ]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._by_nwk.values()))

    def __len__(self) -> int:
        return len(self._by_nwk)

    def __contains__(self, nwk: object) -> bool:
        return nwk in self._by_nwk


def link_cost(lqi: int) -> int:
    """Link cost 1–7 from an LQI (the spec's cost from delivery probability, via the LQI)."""
    if lqi >= 200:
        return 1
    if lqi >= 150:
        return 2
    if lqi >= 100:
        return 3
    if lqi >= 60:
        return 5
    return 7


class RouteStatus(enum.IntEnum):
    """Routing table entry status (Mgmt_Rtg values)."""

    active = 0
    discovery_underway = 1
    discovery_failed = 2
    inactive = 3


@dataclass(slots=True)
class RouteEntry:
    dst: int
    next_hop: int
    status: RouteStatus = RouteStatus.active
    cost: int = 0
    failures: int = 0


class RoutingTable:
    """Destination → next hop, bounded (least recently used entries go first)."""

    __slots__ = ("_routes", "capacity")

    def __init__(self, capacity: int = 256) -> None:
        self._routes: OrderedDict[int, RouteEntry] = OrderedDict()
        self.capacity = capacity

    def get(self, dst: int) -> RouteEntry | None:
        entry = self._routes.get(dst)
        if entry is not None:
            self._routes.move_to_end(dst)
        return entry

    def set(self, dst: int, next_hop: int, cost: int) -> RouteEntry:
        entry = self._routes.get(dst)
        if entry is None:
            entry = RouteEntry(dst, next_hop, RouteStatus.active, cost)
            self._routes[dst] = entry
            while len(self._routes) > self.capacity:
                self._routes.popitem(last=False)
        else:
            entry.next_hop, entry.cost, entry.status, entry.failures = (
                next_hop,
                cost,
                RouteStatus.active,
                0,
            )
            self._routes.move_to_end(dst)
        return entry

    def remove(self, dst: int) -> None:
        self._routes.pop(dst, None)

    def remove_via(self, next_hop: int) -> list[int]:
        """Drop every route through ``next_hop`` (a neighbor that stopped answering)."""
        gone = [d for d, e in self._routes.items() if e.next_hop == next_hop]
        for dst in gone:
            del self._routes[dst]
        return gone

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._routes.values()))

    def __len__(self) -> int:
        return len(self._routes)


@dataclass(slots=True)
class RouteDiscovery:
    """One route request seen: where it came from and the best cost so far."""

    originator: int
    request_id: int
    sender: int  # previous hop towards the originator
    forward_cost: int
    residual_cost: int | None = None
    expires: float = 0.0


@dataclass
class BroadcastTable:
    """Broadcast transaction table: (source, sequence) → expiry, and who relayed it."""

    lifetime: float = 9.0
    entries: dict[tuple[int, int], float] = field(default_factory=dict)
    relayed_by: dict[tuple[int, int], set[int]] = field(default_factory=dict)
    _next_sweep: float = 0.0

    def seen(self, key: tuple[int, int], now: float) -> bool:
        """True if the broadcast was seen before (and not expired); records it otherwise."""
        if now >= self._next_sweep:
            self._sweep(now)
        expiry = self.entries.get(key)
        if expiry is not None and expiry > now:
            return True
        self.entries[key] = now + self.lifetime
        return False

    def _sweep(self, now: float) -> None:
        dead = [k for k, t in self.entries.items() if t <= now]
        for k in dead:
            del self.entries[k]
            self.relayed_by.pop(k, None)
        self._next_sweep = now + self.lifetime


@dataclass
class DuplicateTable:
    """APS duplicate rejection: (source, APS counter) seen within ``timeout`` seconds."""

    timeout: float = 3.0
    entries: dict[tuple[int, int], float] = field(default_factory=dict)
    _next_sweep: float = 0.0

    def is_duplicate(self, key: tuple[int, int], now: float) -> bool:
        if now >= self._next_sweep:
            dead = [k for k, t in self.entries.items() if t <= now]
            for k in dead:
                del self.entries[k]
            self._next_sweep = now + self.timeout
        expiry = self.entries.get(key)
        if expiry is not None and expiry > now:
            return True
        self.entries[key] = now + self.timeout
        return False
