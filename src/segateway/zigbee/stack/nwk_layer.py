"""The ZigBee PRO network layer of a node.

Security: every NWK frame is secured with the network key by the device that sends it on each
hop (relays re-secure with their own frame counter), so a receiver checks the MIC and a strictly
increasing frame counter per sender. The one unsecured frame a device accepts is the network key
itself, from its parent, while it is joining.

Routing: neighbors directly; end devices through their parent; routers by AODV-style route
discovery (Route Request broadcast to routers, Route Reply back along the cheapest path), with
Network Status on a broken link and Link Status to keep neighbor costs and liveness. Broadcasts
are relayed once per router with jitter, suppressed by the broadcast transaction table, and
retransmitted until every router neighbor has been heard relaying (passive acknowledgement).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .. import mac, nwk
from ..errors import FrameError, SecurityError
from ..security import secure_nwk, unsecure
from .context import NodeContext
from .mac_layer import MacLayer, TxResult
from .tables import (
    BroadcastTable,
    DeviceType,
    NeighborEntry,
    NeighborTable,
    Relationship,
    RouteDiscovery,
    RoutingTable,
    link_cost,
)

__all__ = ["NwkLayer", "NwkOut", "NwkResult", "ReceivedNwk"]

BROADCAST_ALL = 0xFFFF
BROADCAST_RX_ON = 0xFFFD
BROADCAST_ROUTERS = 0xFFFC
FIRST_BROADCAST = 0xFFF8
LINK_FAILURE_LIMIT = 2  # consecutive MAC failures to a neighbor before its routes are dropped
RREQ_RETRIES = 2  # nwkcRREQRetries: extra transmissions of a relayed route request
RREQ_RETRY_INTERVAL = 0.254  # nwkcRREQRetryInterval (s)


class NwkResult:
    SUCCESS = "success"
    NO_ROUTE = "no_route"
    MAC_FAILURE = "mac_failure"
    NOT_JOINED = "not_joined"
    FRAME_TOO_LONG = "frame_too_long"


OnDone = Callable[[str], None]


@dataclass(slots=True)
class ReceivedNwk:
    """An NWK data frame for this node, handed to the APS layer."""

    header: nwk.NwkHeader
    payload: bytes
    secured: bool
    mac_src: int | None
    lqi: int


@dataclass(slots=True)
class NwkOut:
    """An outgoing NWK frame: header and payload, secured only when the MAC sends it."""

    header: nwk.NwkHeader
    payload: bytes


@dataclass(slots=True)
class _Broadcast:
    key: tuple[int, int]
    out: NwkOut  # what we (re)transmit
    retries: int
    heard: set[int] = field(default_factory=set)


class NwkLayer:
    """Addressing, security, routing and broadcast of one node."""

    def __init__(self, ctx: NodeContext, mac_layer: MacLayer) -> None:
        self.ctx = ctx
        self.mac = mac_layer
        self.neighbors = NeighborTable()
        self.routes = RoutingTable()
        self.btt = BroadcastTable(lifetime=ctx.config.broadcast_lifetime)
        self.discoveries: dict[tuple[int, int], RouteDiscovery] = {}
        self.address_map: dict[int, int] = {}  # IEEE → NWK, most recently learnt last
        self._address_owner: dict[int, int] = {}  # NWK → IEEE (the reverse of address_map)
        self._awaiting_route: dict[int, deque[tuple[NwkOut, OnDone | None]]] = {}
        self._seq = ctx.rng.randrange(256)
        self._rreq_id = ctx.rng.randrange(256)
        self.permit_until = 0.0
        self.deliver: Callable[[ReceivedNwk], None] = lambda _: None
        self.on_command: Callable[[nwk.NwkHeader, object, ReceivedNwk], None] = lambda *_: None
        self.on_child_lost: Callable[[NeighborEntry], None] = lambda _: None
        self.on_link_failure: Callable[[int], None] = lambda _: None
        self._broadcasts: dict[tuple[int, int], _Broadcast] = {}
        self.relayed = 0
        self.dropped_insecure = 0
        self.dropped_replay = 0

    # --- small helpers ----------------------------------------------------------------------------

    def next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFF
        return self._seq

    @property
    def joined(self) -> bool:
        return self.ctx.nwk is not None and self.ctx.pan_id is not None

    def learn(self, ieee: int | None, nwk_addr: int | None) -> None:
        """Remember an IEEE ↔ NWK pairing seen on the air."""
        if ieee is None or nwk_addr is None or nwk_addr >= FIRST_BROADCAST:
            return
        amap = self.address_map
        if amap.get(ieee) == nwk_addr:
            return
        old = amap.pop(ieee, None)
        if old is not None and self._address_owner.get(old) == ieee:
            del self._address_owner[old]
        amap[ieee] = nwk_addr
        self._address_owner[nwk_addr] = ieee
        limit = self.ctx.config.address_map_size
        if not self.ctx.is_coordinator and len(amap) > limit:
            # a bounded table (nwkAddressMap) everywhere but on the trust center: otherwise every
            # router would keep an entry for every device it ever heard announce itself
            oldest = next(iter(amap))
            forgotten = amap.pop(oldest)
            if self._address_owner.get(forgotten) == oldest:
                del self._address_owner[forgotten]

    def forget(self, ieee: int) -> None:
        """Drop a device from the address map (it left or was removed)."""
        address = self.address_map.pop(ieee, None)
        if address is not None and self._address_owner.get(address) == ieee:
            del self._address_owner[address]

    def nwk_of(self, ieee: int) -> int | None:
        if ieee == self.ctx.ieee:
            return self.ctx.nwk
        return self.address_map.get(ieee)

    def ieee_of(self, nwk_addr: int) -> int | None:
        if nwk_addr == self.ctx.nwk:
            return self.ctx.ieee
        entry = self.neighbors.get(nwk_addr)
        if entry is not None and entry.ieee is not None:
            return entry.ieee
        return self._address_owner.get(nwk_addr)

    def mac_data(self, dst: int, payload: bytes, *, ack: bool) -> mac.MacFrame:
        pan = self.ctx.pan_id if self.ctx.pan_id is not None else mac.BROADCAST_PAN
        src = self.ctx.nwk if self.ctx.nwk is not None else 0xFFFE
        return mac.data_frame(self.mac.next_seq(), pan, dst, src, payload, ack_request=ack)

    # --- securing ---------------------------------------------------------------------------------

    def _secure(self, header: nwk.NwkHeader, payload: bytes) -> bytes:
        key = self.ctx.network_key
        if key is None:
            msg = "no network key"
            raise SecurityError(msg)
        ctx = self.ctx
        if not header.security:
            header = header._replace(security=True)
        return secure_nwk(
            header.encode(),
            ctx.nwk_frame_counter(),
            ctx.ieee,
            ctx.network_key_seq,
            payload,
            key=key,
        )

    def seal(self, out: NwkOut) -> bytes:
        """The bytes of an outgoing frame, secured now (so frame counters go out in order)."""
        if out.header.security:
            return self._secure(out.header, out.payload)
        return out.header.encode() + out.payload

    def build(
        self,
        dst: int,
        payload: bytes,
        *,
        command: bool = False,
        radius: int | None = None,
        security: bool = True,
        src: int | None = None,
        seq: int | None = None,
        discover_route: bool = True,
        src_ieee: bool = True,
        dst_ieee: int | None = None,
    ) -> NwkOut:
        """An outgoing NWK frame from us; it is secured when the MAC sends it."""
        header = nwk.NwkHeader(
            frame_type=nwk.NwkFrameType.command if command else nwk.NwkFrameType.data,
            dst=dst,
            src=(self.ctx.nwk if self.ctx.nwk is not None else 0xFFFE) if src is None else src,
            radius=radius if radius is not None else 2 * self.ctx.config.max_depth,
            seq=self.next_seq() if seq is None else seq,
            discover_route=1 if discover_route and dst < FIRST_BROADCAST else 0,
            security=security,
            src_ieee=self.ctx.ieee if src_ieee else None,
            dst_ieee=dst_ieee,
        )
        return NwkOut(header, payload)

    # --- sending ----------------------------------------------------------------------------------

    def send(
        self,
        dst: int,
        payload: bytes,
        *,
        on_done: OnDone | None = None,
        command: bool = False,
        radius: int | None = None,
        security: bool = True,
        dst_ieee: int | None = None,
    ) -> None:
        """Send an NWK data (or command) frame from this node to ``dst`` (unicast or broadcast)."""
        if not self.joined:
            if on_done is not None:
                on_done(NwkResult.NOT_JOINED)
            return
        if dst >= FIRST_BROADCAST:
            out = self.build(dst, payload, command=command, radius=radius)
            self._broadcast(out, (out.header.src, out.header.seq), origin=True)
            if on_done is not None:
                self.ctx.clock.call_later(0, on_done, NwkResult.SUCCESS)
            return
        out = self.build(
            dst, payload, command=command, radius=radius, security=security, dst_ieee=dst_ieee
        )
        self.forward(dst, out, on_done)

    def forward(self, dst: int, out: NwkOut, on_done: OnDone | None) -> None:
        """Send a frame towards ``dst``: direct, via parent, via a route, or after discovering
        one."""
        hop = self.next_hop(dst)
        if hop is not None:
            self.unicast_hop(hop, dst, out, on_done)
            return
        if not self.ctx.is_router:
            self.unicast_hop(self.ctx.parent or 0, dst, out, on_done)
            return
        waiting = self._awaiting_route.get(dst)
        if waiting is not None:
            waiting.append((out, on_done))
            return
        self._awaiting_route[dst] = deque([(out, on_done)])
        self._discover(dst)

    def next_hop(self, dst: int) -> int | None:
        if not self.ctx.is_router:
            return self.ctx.parent
        neighbor = self.neighbors.get(dst)
        if neighbor is not None and neighbor.relationship is not Relationship.unauthenticated_child:
            return dst
        route = self.routes.get(dst)
        if route is not None:
            return route.next_hop
        if dst == 0x0000 and self.ctx.parent is not None:
            return self.ctx.parent  # our parent's chain leads to the coordinator
        return None

    def unicast_hop(self, hop: int, dst: int, out: NwkOut, on_done: OnDone | None = None) -> None:
        """Hand ``out`` to the MAC for the neighbor ``hop`` (held for it if it sleeps)."""
        neighbor = self.neighbors.get(hop)

        def done(result: str) -> None:
            if result == TxResult.SUCCESS:
                if neighbor is not None:
                    neighbor.failures = 0
                if on_done is not None:
                    on_done(NwkResult.SUCCESS)
                return
            if result == TxResult.FRAME_TOO_LONG:  # says nothing about the link
                if on_done is not None:
                    on_done(NwkResult.FRAME_TOO_LONG)
                return
            self._hop_failed(hop, dst)
            if on_done is not None:
                on_done(NwkResult.MAC_FAILURE)

        def frame() -> mac.MacFrame:
            return self.mac_data(hop, self.seal(out), ack=True)

        if neighbor is not None and neighbor.is_child and not neighbor.rx_on_when_idle:
            self.mac.send_indirect(hop, frame, done)
        else:
            self.mac.send(frame, done)

    def _hop_failed(self, hop: int, dst: int) -> None:
        """A frame to neighbor ``hop`` got no MAC ack after every retry. One such failure can be
        noise; ``LINK_FAILURE_LIMIT`` in a row mean the link is gone: routes through it go."""
        neighbor = self.neighbors.get(hop)
        failures = 1
        if neighbor is not None:
            neighbor.failures += 1
            failures = neighbor.failures
        if failures < LINK_FAILURE_LIMIT:
            return
        gone = self.routes.remove_via(hop)
        self.on_link_failure(hop)
        self.ctx.log(f"link to {hop:04x} failed (routes dropped: {len(gone)}) for {dst:04x}")

    # --- route discovery --------------------------------------------------------------------------

    def _discover(self, dst: int) -> None:
        self._rreq_id = (self._rreq_id + 1) & 0xFF
        rreq = nwk.RouteRequest(request_id=self._rreq_id, dst=dst, path_cost=0)
        own = self.ctx.nwk or 0
        self.discoveries[(own, self._rreq_id)] = RouteDiscovery(
            own, self._rreq_id, own, 0, expires=self.ctx.clock.now() + 10.0
        )
        out = self.build(BROADCAST_ROUTERS, rreq.encode(), command=True)
        self._broadcast(out, (own, out.header.seq), origin=True)
        self.ctx.clock.call_later(
            self.ctx.config.route_discovery_time, self._discovery_timeout, dst
        )

    def start_concentrator(self) -> None:
        """Coordinator: announce many-to-one routes to itself now and every period, so every
        router knows its way to the gateway without discovering it (ZigBee PRO concentrator)."""
        period = self.ctx.config.concentrator_period
        if period is None:
            return
        self._rreq_id = (self._rreq_id + 1) & 0xFF
        rreq = nwk.RouteRequest(
            request_id=self._rreq_id,
            dst=BROADCAST_ROUTERS,
            path_cost=0,
            many_to_one=nwk.ManyToOne.no_route_record_table,
        )
        out = self.build(BROADCAST_ROUTERS, rreq.encode(), command=True)
        self._broadcast(out, (out.header.src, out.header.seq), origin=True)
        self.ctx.clock.call_later(period, self.start_concentrator)

    def _discovery_timeout(self, dst: int) -> None:
        waiting = self._awaiting_route.pop(dst, None)
        for _, on_done in waiting or ():
            if on_done is not None:
                on_done(NwkResult.NO_ROUTE)

    def _route_found(self, dst: int) -> None:
        waiting = self._awaiting_route.pop(dst, None)
        for out, on_done in waiting or ():
            self.forward(dst, out, on_done)

    def _on_route_request(
        self, header: nwk.NwkHeader, rreq: nwk.RouteRequest, mac_src: int, lqi: int
    ) -> None:
        if not self.ctx.is_router or header.src == self.ctx.nwk:
            return
        cost = rreq.path_cost + link_cost(lqi)
        key = (header.src, rreq.request_id)
        seen = self.discoveries.get(key)
        if seen is not None and seen.forward_cost <= cost:
            return
        now = self.ctx.clock.now()
        self.discoveries[key] = RouteDiscovery(
            header.src, rreq.request_id, mac_src, cost, expires=now + 10.0
        )
        self.routes.set(header.src, mac_src, cost)  # the reverse route
        child = self.neighbors.get(rreq.dst)
        if rreq.dst == self.ctx.nwk or (
            child is not None
            and child.relationship is Relationship.child
            and child.device_type is DeviceType.end_device
        ):
            self._send_route_reply(header.src, rreq.request_id, rreq.dst, mac_src)
            return
        if header.radius <= 1:
            return
        relay = NwkOut(
            header._replace(radius=header.radius - 1), replace(rreq, path_cost=cost).encode()
        )
        # relayed route requests are sent nwkcRREQRetries more times, passive acks or not
        jitter = self.ctx.config.broadcast_jitter
        for attempt in range(1 + RREQ_RETRIES):
            delay = attempt * RREQ_RETRY_INTERVAL + self.ctx.rng.random() * jitter
            self.ctx.clock.call_later(delay, self._transmit_broadcast, relay)

    def _send_route_reply(self, originator: int, request_id: int, responder: int, via: int) -> None:
        rrep = nwk.RouteReply(
            request_id=request_id, originator=originator, responder=responder, path_cost=0
        )
        out = self.build(via, rrep.encode(), command=True, radius=2 * self.ctx.config.max_depth)
        self.unicast_hop(via, via, out)

    def _on_route_reply(self, rrep: nwk.RouteReply, mac_src: int, lqi: int) -> None:
        cost = rrep.path_cost + link_cost(lqi)
        self.routes.set(rrep.responder, mac_src, cost)
        if rrep.originator == self.ctx.nwk:
            self._route_found(rrep.responder)
            return
        disc = self.discoveries.get((rrep.originator, rrep.request_id))
        if disc is None:
            return
        out = self.build(disc.sender, replace(rrep, path_cost=cost).encode(), command=True)
        self.unicast_hop(disc.sender, disc.sender, out)

    # --- broadcast --------------------------------------------------------------------------------

    def _broadcast(
        self, out: NwkOut, key: tuple[int, int], *, origin: bool, heard_from: int | None = None
    ) -> None:
        """Transmit (or relay) a broadcast, with passive-ack retransmissions on routers.

        The neighbor we heard it from, and its originator, count as having relayed it.
        """
        self.btt.seen(key, self.ctx.clock.now())
        if not self.ctx.is_router:
            # end devices hand broadcasts to their parent as a MAC unicast
            if self.ctx.parent is not None:
                parent = self.ctx.parent
                self.mac.send(lambda: self.mac_data(parent, self.seal(out), ack=True))
            return
        record = _Broadcast(key, out, self.ctx.config.broadcast_retries)
        record.heard.add(key[0])
        if heard_from is not None:
            record.heard.add(heard_from)
        self._broadcasts[key] = record
        delay = 0.0 if origin else self.ctx.rng.random() * self.ctx.config.broadcast_jitter
        self.ctx.clock.call_later(delay, self._transmit_broadcast, out)
        self.ctx.clock.call_later(
            delay + self.ctx.config.passive_ack_timeout, self._passive_ack_check, key
        )
        if out.header.dst == BROADCAST_ALL:
            self._buffer_for_sleepy_children(out)

    def _transmit_broadcast(self, out: NwkOut) -> None:
        self.mac.send(lambda: self.mac_data(BROADCAST_ALL, self.seal(out), ack=False))

    def _passive_ack_check(self, key: tuple[int, int]) -> None:
        record = self._broadcasts.get(key)
        if record is None:
            return
        routers = {n.nwk for n in self.neighbors.routers()}
        if routers <= record.heard or record.retries <= 0:
            del self._broadcasts[key]
            return
        record.retries -= 1
        self._transmit_broadcast(record.out)
        self.ctx.clock.call_later(self.ctx.config.passive_ack_timeout, self._passive_ack_check, key)

    def _buffer_for_sleepy_children(self, out: NwkOut) -> None:
        for child in self.neighbors.children():
            if not child.rx_on_when_idle and child.relationship is Relationship.child:
                self.unicast_hop(child.nwk, child.nwk, out)

    # --- receiving --------------------------------------------------------------------------------

    def on_mac_data(self, frame: mac.MacFrame, lqi: int) -> None:
        """A MAC data frame for us: decode, authenticate, then deliver, relay or route it."""
        try:
            header, offset = nwk.decode_nwk_header(frame.payload)
        except FrameError:
            return
        mac_src = frame.src if frame.src_mode == mac.AddrMode.short else None
        now = self.ctx.clock.now()
        is_broadcast = header.dst >= FIRST_BROADCAST
        key = (header.src, header.seq)
        if is_broadcast and header.frame_type == nwk.NwkFrameType.data and key in self.btt.entries:
            # a copy we already handled: it only tells us that neighbor relayed it
            record = self._broadcasts.get(key)
            if record is not None and mac_src is not None:
                record.heard.add(mac_src)
            return
        secured = header.security
        if secured:
            payload = self._unsecure(frame.payload, offset)
            if payload is None:
                return
        else:
            if not self._accept_unsecured(header, mac_src):
                self.dropped_insecure += 1
                return
            payload = frame.payload[offset:]
        if mac_src is not None:
            self._heard(mac_src, header, lqi, now)
        received = ReceivedNwk(header, payload, secured, mac_src, lqi)
        if header.frame_type == nwk.NwkFrameType.command:
            self._on_command(received)
            return
        if is_broadcast:
            if self.btt.seen(key, now):
                return
            if self._wants_broadcast(header.dst):
                self.deliver(received)
            if self.ctx.is_router and header.radius > 1:
                relay = header._replace(radius=header.radius - 1)
                self._broadcast(NwkOut(relay, payload), key, origin=False, heard_from=mac_src)
                self.relayed += 1
            return
        if (
            mac_src is not None
            and header.src != mac_src
            and self.ctx.is_router
            and self.routes.get(header.src) is None
        ):
            # the frame came from header.src through mac_src: the way back is known
            self.routes.set(header.src, mac_src, link_cost(lqi))
        if header.dst == self.ctx.nwk:
            self.deliver(received)
            return
        if self.ctx.is_router and header.radius > 1:
            self._relay(header, payload)

    def _accept_unsecured(self, header: nwk.NwkHeader, mac_src: int | None) -> bool:
        """The network key itself, from our parent, while we join; nothing else."""
        return (
            not self.ctx.authenticated
            and header.frame_type == nwk.NwkFrameType.data
            and mac_src is not None
            and mac_src == self.ctx.parent
            and header.dst == self.ctx.nwk
        )

    def _unsecure(self, data: bytes, offset: int) -> bytes | None:
        key = self.ctx.network_key
        if key is None:
            self.dropped_insecure += 1
            return None
        try:
            aux, payload = unsecure(data, offset, key, None)
        except (SecurityError, FrameError):
            previous = self.ctx.previous_network_key
            if previous is None:
                self.dropped_insecure += 1
                return None
            try:
                aux, payload = unsecure(data, offset, previous[1], None)
            except (SecurityError, FrameError):
                self.dropped_insecure += 1
                return None
        if aux.source is None or not self.ctx.incoming.accept(
            aux.source, ("nwk", aux.key_seq), aux.frame_counter
        ):
            self.dropped_replay += 1
            return None
        return payload

    def _heard(self, mac_src: int, header: nwk.NwkHeader, lqi: int, now: float) -> None:
        entry = self.neighbors.get(mac_src)
        if entry is None:
            if not self.ctx.is_router:
                return
            entry = self.neighbors.add(
                NeighborEntry(
                    mac_src,
                    header.src_ieee if header.src == mac_src else None,
                    DeviceType.unknown,
                    Relationship.none,
                    True,
                )
            )
        entry.lqi = lqi
        entry.last_seen = now
        if header.security and entry.relationship is Relationship.unauthenticated_child:
            # a frame it secured with the network key: the child has the key
            entry.relationship = Relationship.child
        if header.src == mac_src and header.src_ieee is not None and entry.ieee is None:
            entry.ieee = header.src_ieee
            self.neighbors.add(entry)
        self.learn(header.src_ieee, header.src)

    def _wants_broadcast(self, dst: int) -> bool:
        if dst == BROADCAST_ALL:
            return True
        if dst == BROADCAST_RX_ON:
            return self.ctx.rx_on_when_idle
        if dst == BROADCAST_ROUTERS:
            return self.ctx.is_router
        return False

    def _relay(self, header: nwk.NwkHeader, payload: bytes) -> None:
        out = NwkOut(header._replace(radius=header.radius - 1), payload)
        self.relayed += 1
        hop = self.next_hop(header.dst)
        if hop is None:
            self.forward(header.dst, out, None)
            return

        def done(result: str) -> None:
            if result != NwkResult.SUCCESS:
                self._send_network_status(
                    header.src, header.dst, nwk.NwkStatus.non_tree_link_failure
                )

        self.unicast_hop(hop, header.dst, out, done)

    def _send_network_status(self, to: int, about: int, status: int) -> None:
        if to == self.ctx.nwk:
            return
        command = nwk.NetworkStatus(status=status, dst=about)
        self.send(to, command.encode(), command=True)

    # --- commands ---------------------------------------------------------------------------------

    def _on_command(self, received: ReceivedNwk) -> None:
        header = received.header
        try:
            command = nwk.decode_nwk_command(received.payload)
        except FrameError:
            return
        if isinstance(command, nwk.RouteRequest):
            if header.dst >= FIRST_BROADCAST and received.mac_src is not None:
                self._on_route_request(header, command, received.mac_src, received.lqi)
            return
        if header.dst >= FIRST_BROADCAST:
            if self.btt.seen((header.src, header.seq), self.ctx.clock.now()):
                return
            if self._wants_broadcast(header.dst):
                self._local_command(header, command, received)
            if self.ctx.is_router and header.radius > 1 and not isinstance(command, nwk.LinkStatus):
                relay = header._replace(radius=header.radius - 1)
                self._broadcast(
                    NwkOut(relay, received.payload),
                    (header.src, header.seq),
                    origin=False,
                    heard_from=received.mac_src,
                )
            return
        if header.dst != self.ctx.nwk:
            if self.ctx.is_router and header.radius > 1:
                self._relay(header, received.payload)
            return
        self._local_command(header, command, received)

    def _local_command(self, header: nwk.NwkHeader, command: object, received: ReceivedNwk) -> None:
        if isinstance(command, nwk.RouteReply):
            if received.mac_src is not None:
                self._on_route_reply(command, received.mac_src, received.lqi)
            return
        if isinstance(command, nwk.NetworkStatus):
            self.routes.remove(command.dst)
            return
        if isinstance(command, nwk.LinkStatus):
            self._on_link_status(header, command, received)
            return
        self.on_command(header, command, received)

    # --- link status (routers) --------------------------------------------------------------------

    def start_link_status(self) -> None:
        period = self.ctx.config.link_status_period
        if period is not None and self.ctx.is_router:
            first = self.ctx.rng.random() * period
            self.ctx.clock.call_later(first, self._link_status)

    def _link_status(self) -> None:
        period = self.ctx.config.link_status_period
        if period is None or not self.joined or not self.ctx.authenticated:
            return
        now = self.ctx.clock.now()
        for entry in self.neighbors.routers():
            if entry.relationship is not Relationship.child and now - entry.last_seen > 3 * period:
                self.neighbors.remove(entry.nwk)
                self.routes.remove_via(entry.nwk)
        entries = tuple(
            nwk.LinkStatusEntry(
                address=e.nwk, incoming_cost=link_cost(e.lqi), outgoing_cost=e.outgoing_cost
            )
            for e in sorted(self.neighbors.routers(), key=lambda e: e.nwk)
        )[:20]
        status = nwk.LinkStatus(first_frame=True, last_frame=True, entries=entries)
        out = self.build(BROADCAST_ROUTERS, status.encode(), command=True, radius=1)
        self.btt.seen((out.header.src, out.header.seq), now)
        self._transmit_broadcast(out)
        self.ctx.clock.call_later(period * (0.9 + 0.2 * self.ctx.rng.random()), self._link_status)

    def _on_link_status(
        self, header: nwk.NwkHeader, status: nwk.LinkStatus, received: ReceivedNwk
    ) -> None:
        entry = self.neighbors.get(header.src)
        if entry is None:
            if not self.ctx.is_router:
                return
            entry = self.neighbors.add(
                NeighborEntry(
                    header.src, header.src_ieee, DeviceType.router, Relationship.sibling, True
                )
            )
        if entry.device_type is DeviceType.unknown:
            entry.device_type = DeviceType.router
        if entry.relationship is Relationship.none:
            entry.relationship = Relationship.sibling
        entry.lqi = received.lqi
        entry.last_seen = self.ctx.clock.now()
        for item in status.entries:
            if item.address == self.ctx.nwk:
                entry.outgoing_cost = item.incoming_cost
