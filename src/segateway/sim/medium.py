"""The simulated 2.4 GHz IEEE 802.15.4 channel: who hears whom, airtime, CCA, collisions, loss.

One :class:`Medium` is one channel; nodes on another channel belong to another ``Medium``. Nodes are
numbered from 0 as they are added. Who hears whom is a directed graph of :class:`Link` records
(``link`` adds both directions unless told otherwise), set by hand or from positions with
:meth:`Medium.connect_by_distance`.

A frame (the MPDU, FCS included, at most aMaxPHYPacketSize = 127 bytes) occupies the air from
:meth:`Medium.transmit` until ``start + airtime(len(frame))``: (6 + n) bytes of 32 µs, the six
being the PHY's preamble, SFD and length byte. A neighbour receives the frame at its end (plus the
medium's ``latency``) when all of these hold, in this order:

1. it was online from the start of the frame to its end;
2. it did not transmit at any moment of the frame (the radio is half duplex);
3. no other transmission that it hears overlapped the frame (a collision destroys every frame
   involved, for that receiver; CCA makes collisions rare, hidden nodes make them possible);
4. the frame survives the link's loss draw, then the medium's loss draw (independent draws from
   the injected random generator, made only when the probability is not zero).

Receptions are counted in :class:`MediumStats`: ``deliveries``, ``losses`` (step 4),
``collisions`` (steps 2 and 3) and ``missed`` (step 1). Intervals are half open: a frame that
starts exactly when another ends does not collide with it.

Time comes from the injected clock and randomness from the injected ``random.Random`` only, so a
run is reproducible from its seed. Everything is single-threaded, like the clock.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from heapq import heappop, heappush
from types import MappingProxyType
from typing import NamedTuple, Protocol

from .clock import Clock

__all__ = [
    "BYTE_DURATION",
    "MAX_FRAME_BYTES",
    "PHY_OVERHEAD_BYTES",
    "Link",
    "Medium",
    "MediumStats",
    "NodeStats",
    "Receiver",
    "airtime",
    "distance_lqi",
    "rssi_for_lqi",
]

BYTE_DURATION = 32e-6
"""Seconds per byte on the air: two 16 µs O-QPSK symbols (250 kbit/s)."""

PHY_OVERHEAD_BYTES = 6
"""Synchronisation header (preamble 4, SFD 1) and PHY header (frame length 1)."""

MAX_FRAME_BYTES = 127
"""aMaxPHYPacketSize: the longest MPDU, FCS included."""

# (6 + n) × 32 µs, computed as an integer number of µs divided once so the values are exact to
# the last bit (airtime(5) == 352e-6).
_AIRTIME = tuple((PHY_OVERHEAD_BYTES + n) * 32 / 1_000_000 for n in range(MAX_FRAME_BYTES + 1))

# Reception snapshots that mean "lost from the start" (a node's generation counter is >= 0).
_CORRUPT = -1
_OFFLINE = -2
_ASLEEP = -3  # the receiver was switched off when the frame began


def airtime(n_bytes: int) -> float:
    """Seconds an MPDU of ``n_bytes`` (1–127) occupies the channel, PHY overhead included."""
    if not 0 < n_bytes <= MAX_FRAME_BYTES:
        raise ValueError(f"an MPDU has 1 to {MAX_FRAME_BYTES} bytes, not {n_bytes}")
    return _AIRTIME[n_bytes]


def rssi_for_lqi(lqi: int) -> int:
    """The RSSI (dBm) reported with a frame of this LQI.

    Our model, not a particular chip's: linear from -100 dBm at LQI 0 to -30 dBm at LQI 255.
    """
    return -100 + (lqi * 70 + 127) // 255


def distance_lqi(distance: float, range_m: float) -> int:
    """Default LQI model of :meth:`Medium.connect_by_distance`: 255 at 0 m, falling linearly to
    0 at ``range_m``."""
    if distance >= range_m:
        return 0
    return round(255 * (1.0 - distance / range_m))


class Receiver(Protocol):
    """What a node attached to the medium implements."""

    def on_frame(self, frame: bytes, lqi: int, rssi: int) -> None:
        """A frame was received intact; called when its reception ends (plus the latency)."""
        ...


class Link(NamedTuple):
    """How a node hears another: LQI and RSSI of the frames it receives, and a loss probability."""

    lqi: int
    loss: float
    rssi: int


# the lossless links with the default RSSI, one per LQI, shared by every pair that uses them
_PLAIN_LINKS = tuple(Link(lqi, 0.0, rssi_for_lqi(lqi)) for lqi in range(256))


class NodeStats(NamedTuple):
    """Counters of one node since it was added or the statistics were reset."""

    frames_sent: int
    bytes_sent: int
    frames_received: int


@dataclass(slots=True)
class MediumStats:
    """Counters of the channel since it was created or :meth:`Medium.reset_stats` was called.

    ``frames``/``bytes``/``airtime`` count what went on the air; ``aborted`` the frames whose
    sender went offline (or was removed) before their end, which nobody receives;
    ``offline_sends`` the frames an offline node tried to send (they never reach the air). Every
    (frame, neighbour) reception ends in exactly one of ``deliveries``, ``losses``, ``collisions``
    (overlap with another frame, or the receiver's own transmission) or ``missed`` (receiver
    offline); aborted frames are counted in none of them.
    """

    frames: int = 0
    bytes: int = 0
    airtime: float = 0.0
    deliveries: int = 0
    losses: int = 0
    collisions: int = 0
    missed: int = 0
    asleep: int = 0  # receptions by a receiver that was switched off (a sleeping end device)
    aborted: int = 0
    offline_sends: int = 0


class _Node:
    __slots__ = (
        "bytes_sent",
        "fanout",
        "fanout_links",
        "filter",
        "frames_received",
        "frames_sent",
        "gen",
        "heard",
        "hearing",
        "links",
        "listening",
        "node_id",
        "online",
        "position",
        "receiver",
        "tx",
    )

    def __init__(
        self, node_id: int, receiver: Receiver, position: tuple[float, float] | None
    ) -> None:
        self.node_id = node_id
        self.receiver = receiver
        self.position = position
        self.online = True
        self.listening = True  # the receiver is on (sleeping end devices switch it off)
        self.links: dict[int, Link] = {}  # who hears this node, and how
        self.heard: dict[int, None] = {}  # whom this node hears (the reverse of `links`)
        # cached view of `links`: the hearers, and in step with them their links (two flat lists
        # rather than one of pairs: a pair object per link would double the memory of a graph)
        self.fanout: list[_Node] | None = None
        self.fanout_links: list[Link] = []
        self.filter: Callable[[bytes], bool] | None = None
        # Reception state. `hearing` counts the transmissions on the air that this node hears;
        # `gen` is bumped whenever every reception in progress here is ruined (a second signal,
        # its own transmission, going offline). A reception is intact iff `gen` did not change
        # between its start and its end.
        self.hearing = 0
        self.gen = 0
        self.tx: _Transmission | None = None
        self.frames_sent = 0
        self.bytes_sent = 0
        self.frames_received = 0


class _Transmission:
    __slots__ = ("aborted", "end", "fanout", "frame", "intact", "links", "sender", "snaps")

    def __init__(  # noqa: PLR0917 - built once per frame, on the hot path
        self,
        sender: _Node,
        frame: bytes,
        end: float,
        fanout: list[_Node],
        links: list[Link],
        snaps: list[int],
    ) -> None:
        self.sender = sender
        self.frame = frame
        self.end = end
        self.fanout = fanout
        self.links = links
        self.snaps = snaps  # per fanout entry: receiver's gen at the start, or _CORRUPT/_OFFLINE
        self.aborted = False
        self.intact: list[tuple[_Node, Link]] | None = None  # set when the frame leaves the air


class Medium:
    """One 802.15.4 channel shared by simulated nodes.

    ``loss`` is a loss probability applied to every reception on top of the link's own;
    ``latency`` delays each delivery past the end of the frame (processing in the receiving radio,
    0 by default). ``capture(start_time, frame, sender)`` is called for every frame that goes on
    the air, received or not (pcap export).
    """

    def __init__(
        self,
        clock: Clock,
        rng: random.Random,
        *,
        loss: float = 0.0,
        latency: float = 0.0,
        capture: Callable[[float, bytes, int], None] | None = None,
    ) -> None:
        _check_probability(loss)
        if not 0.0 <= latency < math.inf:
            raise ValueError(f"latency must be finite and non-negative, got {latency!r}")
        self._clock = clock
        self._rng = rng
        self._loss = float(loss)
        self._latency = float(latency)
        self._capture = capture
        self._nodes: list[_Node | None] = []
        self._on_air: list[tuple[float, int, _Transmission]] = []  # heap by end time
        self._tx_seq = 0
        self.stats = MediumStats()

    airtime = staticmethod(airtime)

    # ------------------------------------------------------------------ topology

    @property
    def loss(self) -> float:
        """The loss probability applied to every reception (on top of each link's own)."""
        return self._loss

    @loss.setter
    def loss(self, value: float) -> None:
        _check_probability(value)
        self._loss = float(value)

    def add_node(self, receiver: Receiver, *, position: tuple[float, float] | None = None) -> int:
        """Attach a node (online, without links); return its id."""
        if position is not None:
            x, y = position
            if not (math.isfinite(x) and math.isfinite(y)):
                raise ValueError(f"position must be finite, got {position!r}")
            position = (float(x), float(y))
        node_id = len(self._nodes)
        self._nodes.append(_Node(node_id, receiver, position))
        return node_id

    def remove_node(self, node_id: int) -> None:
        """Detach a node for good: its links go, a frame it is sending is cut short, frames it is
        receiving are missed. Its id is not reused."""
        node = self._node(node_id)
        self._go_offline(node)
        for other_id in list(node.links):
            self._unlink_one(node_id, other_id)
        for other_id in list(node.heard):
            self._unlink_one(other_id, node_id)
        self._nodes[node_id] = None

    def set_online(self, node_id: int, online: bool) -> None:
        """Switch a node's radio on or off. An offline node neither sends nor hears; going offline
        ruins the receptions it has in progress and cuts short the frame it is sending (nobody
        receives that frame; the air stays busy until its scheduled end). A node that comes online
        hears the frames that start afterwards."""
        node = self._node(node_id)
        if online:
            node.online = True
        else:
            self._go_offline(node)

    def set_listening(self, node_id: int, listening: bool) -> None:
        """Switch a node's receiver on or off (its transmitter is not affected). A receiver
        that is off does not receive the frames that begin meanwhile — they cost the medium
        nothing more than a count — but its CCA still senses them. A sleeping end device turns
        its receiver on only around its polls."""
        self._node(node_id).listening = listening

    def is_online(self, node_id: int) -> bool:
        """Whether the node's radio is on."""
        return self._node(node_id).online

    def position(self, node_id: int) -> tuple[float, float] | None:
        """The node's position (metres), if it was given one."""
        return self._node(node_id).position

    def link(
        self,
        a: int,
        b: int,
        *,
        lqi: int = 255,
        loss: float = 0.0,
        rssi: int | None = None,
        symmetric: bool = True,
    ) -> None:
        """Let ``b`` hear ``a`` (and ``a`` hear ``b`` when ``symmetric``) with this LQI and loss
        probability; replaces an existing link. ``rssi`` defaults to :func:`rssi_for_lqi`."""
        if not (isinstance(lqi, int) and 0 <= lqi <= 255):
            raise ValueError(f"lqi must be an int 0–255, got {lqi!r}")
        _check_probability(loss)
        if loss == 0 and rssi is None:
            record = _PLAIN_LINKS[lqi]
        else:
            record = Link(lqi, float(loss), rssi_for_lqi(lqi) if rssi is None else int(rssi))
        self._link_one(a, b, record)
        if symmetric:
            self._link_one(b, a, record)

    def unlink(self, a: int, b: int, *, symmetric: bool = True) -> None:
        """Remove the link from ``a`` to ``b`` (and from ``b`` to ``a`` when ``symmetric``);
        missing links are ignored. Frames already on the air are not affected."""
        self._node(a)
        self._node(b)
        self._unlink_one(a, b)
        if symmetric:
            self._unlink_one(b, a)

    def neighbors(self, node_id: int) -> Mapping[int, Link]:
        """The nodes that hear ``node_id``, with the link they hear it on (a live read-only
        view)."""
        return MappingProxyType(self._node(node_id).links)

    def connect_by_distance(
        self,
        range_m: float,
        *,
        lqi_model: Callable[[float, float], int] = distance_lqi,
    ) -> int:
        """Link (both ways) every pair of positioned nodes at most ``range_m`` metres apart, with
        LQI ``lqi_model(distance, range_m)``; return the number of pairs linked.

        Distance is ``math.hypot(dx, dy)``. Existing links between such pairs are replaced,
        others are kept. Nodes are bucketed in a grid of cells slightly larger than the range, so
        only neighbouring cells are compared: O(N·k) for N nodes with k neighbours each.
        (Coordinates up to ~10⁹ times the range keep the bucketing exact.)
        """
        if not 0.0 < range_m < math.inf:
            raise ValueError(f"range must be finite and positive, got {range_m!r}")
        cell = range_m * (1.0 + 2.0**-20)
        grid: dict[tuple[int, int], list[tuple[_Node, float, float]]] = {}
        for node in self._nodes:
            if node is not None and node.position is not None:
                x, y = node.position
                key = (math.floor(x / cell), math.floor(y / cell))
                grid.setdefault(key, []).append((node, x, y))
        hypot = math.hypot
        pairs = 0
        for (cx, cy), members in grid.items():
            for i, (a, ax, ay) in enumerate(members):
                for b, bx, by in members[i + 1 :]:
                    distance = hypot(ax - bx, ay - by)
                    if distance <= range_m:
                        self._link_pair(a, b, lqi_model(distance, range_m))
                        pairs += 1
            for dx, dy in ((1, 0), (-1, 1), (0, 1), (1, 1)):
                others = grid.get((cx + dx, cy + dy))
                if others is None:
                    continue
                for a, ax, ay in members:
                    for b, bx, by in others:
                        distance = hypot(ax - bx, ay - by)
                        if distance <= range_m:
                            self._link_pair(a, b, lqi_model(distance, range_m))
                            pairs += 1
        return pairs

    def set_filter(self, node_id: int, accept: Callable[[bytes], bool] | None) -> None:
        """Install (or remove, with None) a cheap accept filter for a node's deliveries.

        The filter is an optimisation and nothing else: for a frame it returns False on, the
        medium skips the call to ``on_frame``, but the reception is decided, drawn for and
        counted exactly as without the filter. The contract is therefore that ``accept(frame)``
        returns False only for frames on which ``on_frame`` would have no observable effect
        (no state change, no random draw, no timer), typically a MAC destination-address check.
        A filter that keeps to this contract leaves every run bit-for-bit unchanged.
        """
        self._node(node_id).filter = accept

    # ------------------------------------------------------------------ the air

    def channel_clear(self, node_id: int) -> bool:
        """Clear channel assessment: False while ``node_id`` hears a frame on the air or is
        transmitting itself."""
        self._settle()
        node = self._node(node_id)
        return node.hearing == 0 and node.tx is None

    def transmitting(self, node_id: int) -> bool:
        """Whether ``node_id`` is sending a frame now (a second one would be refused)."""
        self._settle()
        return self._node(node_id).tx is not None

    def transmit(self, node_id: int, frame: bytes) -> float:
        """Put ``frame`` (the MPDU, 1–127 bytes) on the air now; return the time its
        transmission ends.

        Raises ``RuntimeError`` if the node is still transmitting a previous frame. A frame sent
        by an offline node never reaches the air (it is only counted in ``offline_sends``); the
        returned time is still when its transmission would have ended.
        """
        size = len(frame)
        if not 0 < size <= MAX_FRAME_BYTES:
            raise ValueError(f"an MPDU has 1 to {MAX_FRAME_BYTES} bytes, not {size}")
        node = self._node(node_id)
        now = self._settle()
        end = now + _AIRTIME[size]
        if not node.online:
            self.stats.offline_sends += 1
            return end
        if node.tx is not None:
            raise RuntimeError(f"node {node_id} is already transmitting")
        frame = bytes(frame)
        if node.hearing:
            node.gen += 1  # half duplex: sending ruins whatever it was receiving
        fanout = node.fanout
        if fanout is None:
            fanout = self._fanout(node)
        snaps: list[int] = []
        append = snaps.append
        for rx in fanout:
            if not rx.online:
                append(_OFFLINE)
                if rx.hearing:
                    rx.gen += 1
            elif not rx.listening:
                append(_ASLEEP)  # still counted in `hearing`: its CCA senses the frame
            elif rx.hearing:
                append(_CORRUPT)
                rx.gen += 1  # and the frames it was already receiving are ruined too
            elif rx.tx is not None:
                append(_CORRUPT)
            else:
                append(rx.gen)
            rx.hearing += 1
        tx = _Transmission(node, frame, end, fanout, node.fanout_links, snaps)
        node.tx = tx
        self._tx_seq += 1
        heappush(self._on_air, (end, self._tx_seq, tx))
        node.frames_sent += 1
        node.bytes_sent += size
        stats = self.stats
        stats.frames += 1
        stats.bytes += size
        stats.airtime += _AIRTIME[size]
        self._clock.call_at(end + self._latency, self._deliver, tx)
        if self._capture is not None:
            self._capture(now, frame, node_id)
        return end

    # ------------------------------------------------------------------ statistics

    def node_stats(self, node_id: int) -> NodeStats:
        """The counters of one node."""
        node = self._node(node_id)
        return NodeStats(node.frames_sent, node.bytes_sent, node.frames_received)

    def reset_stats(self) -> None:
        """Zero the channel's and every node's counters."""
        stats = self.stats
        for f in fields(stats):
            setattr(stats, f.name, f.default)
        for node in self._nodes:
            if node is not None:
                node.frames_sent = node.bytes_sent = node.frames_received = 0

    # ------------------------------------------------------------------ internals

    def _node(self, node_id: int) -> _Node:
        try:
            node = self._nodes[node_id] if node_id >= 0 else None
        except (IndexError, TypeError):
            node = None
        if node is None:
            raise KeyError(f"no node {node_id!r} on this medium")
        return node

    def _settle(self) -> float:
        """Take the frames whose end has come off the air; return the current time.

        Ends are normally processed by the clock event scheduled at each frame's end. Doing it
        here as well, before anything looks at or changes the air, makes the result independent
        of the order of events scheduled for the same instant (and of a real-time clock running
        late).
        """
        now = self._clock.now()
        on_air = self._on_air
        while on_air and on_air[0][0] <= now:
            self._conclude(heappop(on_air)[2])
        return now

    def _conclude(self, tx: _Transmission) -> None:
        """The frame leaves the air: decide, for each neighbour, whether it got it intact."""
        sender = tx.sender
        if sender.tx is tx:
            sender.tx = None
        intact: list[tuple[_Node, Link]] = []
        tx.intact = intact
        if tx.aborted:
            for rx in tx.fanout:
                rx.hearing -= 1
            return
        rand = self._rng.random
        medium_loss = self._loss
        losses = collisions = missed = asleep = 0
        for rx, link, snap in zip(tx.fanout, tx.links, tx.snaps, strict=True):
            rx.hearing -= 1
            if snap == rx.gen:
                if (link.loss and rand() < link.loss) or (medium_loss and rand() < medium_loss):
                    losses += 1
                else:
                    intact.append((rx, link))
            elif snap == _ASLEEP:
                asleep += 1
            elif snap == _OFFLINE or not rx.online:
                missed += 1
            else:
                collisions += 1
        stats = self.stats
        stats.losses += losses
        stats.collisions += collisions
        stats.missed += missed
        stats.asleep += asleep

    def _deliver(self, tx: _Transmission) -> None:
        if tx.intact is None:  # not yet taken off the air by _settle()
            on_air = self._on_air
            while tx.intact is None:
                self._conclude(heappop(on_air)[2])
        frame = tx.frame
        delivered = 0
        missed = 0
        for rx, link in tx.intact:
            if rx.online:
                delivered += 1
                rx.frames_received += 1
                accept = rx.filter
                if accept is None or accept(frame):
                    rx.receiver.on_frame(frame, link.lqi, link.rssi)
            else:
                missed += 1  # went offline during the latency
        stats = self.stats
        stats.deliveries += delivered
        stats.missed += missed

    def _go_offline(self, node: _Node) -> None:
        self._settle()
        node.online = False
        node.gen += 1  # receptions in progress are missed
        tx = node.tx
        if tx is not None:  # nobody receives it; the air stays busy until its scheduled end
            tx.aborted = True
            node.tx = None
            self.stats.aborted += 1

    def _fanout(self, node: _Node) -> list[_Node]:
        """Build (and cache on the node) the lists of its hearers and their links."""
        nodes = self._nodes
        fanout: list[_Node] = []
        links: list[Link] = []
        for other_id, link in node.links.items():
            other = nodes[other_id]
            if other is not None:
                fanout.append(other)
                links.append(link)
        node.fanout, node.fanout_links = fanout, links
        return fanout

    def _link_one(self, a: int, b: int, record: Link) -> None:
        if a == b:
            raise ValueError(f"a node cannot link to itself ({a})")
        sender = self._node(a)
        hearer = self._node(b)
        sender.links[b] = record
        sender.fanout = None
        hearer.heard[a] = None

    @staticmethod
    def _link_pair(a: _Node, b: _Node, lqi: int) -> None:
        if not (isinstance(lqi, int) and 0 <= lqi <= 255):
            raise ValueError(f"the LQI model must give an int 0–255, not {lqi!r}")
        record = _PLAIN_LINKS[lqi]
        a.links[b.node_id] = record
        b.links[a.node_id] = record
        a.heard[b.node_id] = None
        b.heard[a.node_id] = None
        a.fanout = b.fanout = None

    def _unlink_one(self, a: int, b: int) -> None:
        sender = self._nodes[a]
        hearer = self._nodes[b]
        if sender is not None and sender.links.pop(b, None) is not None:
            sender.fanout = None
        if hearer is not None:
            hearer.heard.pop(a, None)


def _check_probability(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"a loss probability is between 0 and 1, got {p!r}")
