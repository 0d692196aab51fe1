"""A ZigBee PRO node: forming or joining, the trust center, and the APS-level interface the
radio seam exposes.

Joining (device side): active scan (Beacon Request, collect beacons) → Association Request to
the best parent → poll for the Association Response → wait for the network key (APS Transport
Key, secured with the key-transport key hashed from our pre-configured link key) → Device_annce.

Admission (parent and trust center): the parent allocates an address and tells the trust center
(APS Update Device, or directly when it is the trust center); the trust center looks the device
up in its policy and either sends the network key (APS Tunnel through the parent, or directly),
or tells the parent to drop the device (APS Remove Device). A device that never gets the key
gives up after ``key_wait`` and its parent forgets it.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from ...radio import (
    ApsPacket,
    DeliveryResult,
    DeliveryStatus,
    DeviceJoined,
    DeviceLeft,
    DstMode,
    Endpoint,
    Neighbor,
    NetworkConfig,
    NetworkState,
    NodeInfo,
    NodeType,
    RadioEvent,
)
from ...sim.clock import Clock, TimerHandle
from ...sim.medium import Medium
from .. import aps, mac, nwk
from ..auxiliary import KeyId
from ..errors import FrameError
from ..security import CounterStore, MemoryCounterStore
from .aps_layer import ApsCommandIndication, ApsIndication, ApsLayer
from .context import NodeContext, StackConfig
from .mac_layer import MacLayer, TxResult
from .nwk_layer import FIRST_BROADCAST, NwkLayer, ReceivedNwk
from .tables import DeviceType, NeighborEntry, Relationship
from .trust_center import GLOBAL_LINK_KEY, LinkKeyTable, TrustCenterPolicy
from .zdo_server import ZdoServer

__all__ = ["Node"]

ZDO_PROFILE = 0x0000
ASSOCIATION_POLLS = 4  # data requests for the Association Response before giving up
TIMEOUT_REQUEST_TRIES = 3  # End Device Timeout Requests sent before relying on polls alone
TIMEOUT_RESPONSE_WAIT = 2.0  # seconds an end device waits for the End Device Timeout Response


def timeout_enum(seconds: float) -> int:
    """The End Device Timeout Request value for at least ``seconds``: 0 is 10 s, n is 2**n min."""
    if seconds <= 10:
        return 0
    for n in range(1, 15):
        if 60 * 2**n >= seconds:
            return n
    return 14


def timeout_seconds(value: int) -> float:
    """Seconds for an End Device Timeout Request value (0–14)."""
    return 10.0 if value == 0 else 60.0 * 2**value


PERMIT_REBROADCAST = 30.0  # seconds between permit-joining broadcasts while joining is open


@dataclass(slots=True)
class _Candidate:
    pan: int
    parent: int
    extended_pan_id: int
    depth: int
    lqi: int


class Node:
    """One ZigBee PRO node on a medium."""

    def __init__(
        self,
        medium: Medium,
        clock: Clock,
        *,
        ieee: int,
        node_type: NodeType,
        rng: random.Random | None = None,
        config: StackConfig | None = None,
        rx_on_when_idle: bool = True,
        position: tuple[float, float] | None = None,
        counter_store: CounterStore | None = None,
        link_keys: LinkKeyTable | None = None,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
        trace: Callable[[str], None] | None = None,
    ) -> None:
        if node_type is not NodeType.end_device:
            rx_on_when_idle = True
        self.ctx = NodeContext(
            ieee=ieee,
            node_type=node_type,
            clock=clock,
            rng=rng or random.Random(ieee),  # noqa: S311 - simulation randomness, not keys
            config=config or StackConfig(),
            rx_on_when_idle=rx_on_when_idle,
            mains_powered=rx_on_when_idle,
            counter_store=counter_store or MemoryCounterStore(),
            trace=trace,
        )
        self.random_bytes = random_bytes
        self.mac = MacLayer(self.ctx, medium, self._on_mac_frame, position=position)
        self.mac.sleepy = not rx_on_when_idle
        self.mac.poll_now = lambda: self._send_poll(self._poll_result)
        self.nwk = NwkLayer(self.ctx, self.mac)
        self.aps = ApsLayer(self.ctx, self.nwk)
        self.nwk.on_command = self._on_nwk_command
        self.nwk.on_link_failure = self._on_link_failure
        self.aps.on_data = self._on_aps_data
        self.aps.on_command = self._on_aps_command
        self.aps.key_lookup = self._link_key
        self.zdo = ZdoServer(self)
        self.endpoints: dict[int, Endpoint] = {}
        self.state = NetworkState.offline
        self.tc = (
            TrustCenterPolicy(link_keys=link_keys or LinkKeyTable())
            if node_type is NodeType.coordinator
            else None
        )
        self._packet_listeners: list[Callable[[ApsPacket], None]] = []
        self._event_listeners: list[Callable[[RadioEvent], None]] = []
        self._join_config: NetworkConfig | None = None
        self._join_done: Callable[[bool], None] | None = None
        self._candidates: list[_Candidate] = []
        self._tried: set[int] = set()
        self._key_timer: TimerHandle | None = None
        self._poll_timer: TimerHandle | None = None
        self._permit_timer: TimerHandle | None = None
        self._poll_failures = 0
        self._timeout_confirmed = False
        self._admitting: dict[int, tuple[int, int]] = {}  # TC: IEEE → (nwk, parent) awaiting annce
        self.parents: dict[int, int] = {}  # TC: device IEEE → parent NWK address
        self.refused = 0  # TC: joins refused by policy
        self._pending_key: tuple[int, bytes] | None = None  # a new network key, until Switch Key
        self.join_attempts = 0

    # --- listeners --------------------------------------------------------------------------------

    def add_listener(
        self,
        on_packet: Callable[[ApsPacket], None] | None = None,
        on_event: Callable[[RadioEvent], None] | None = None,
    ) -> Callable[[], None]:
        if on_packet is not None:
            self._packet_listeners.append(on_packet)
        if on_event is not None:
            self._event_listeners.append(on_event)

        def remove() -> None:
            if on_packet is not None and on_packet in self._packet_listeners:
                self._packet_listeners.remove(on_packet)
            if on_event is not None and on_event in self._event_listeners:
                self._event_listeners.remove(on_event)

        return remove

    def _emit(self, event: RadioEvent) -> None:
        for listener in list(self._event_listeners):
            listener(event)

    # --- identity ---------------------------------------------------------------------------------

    @property
    def ieee(self) -> int:
        return self.ctx.ieee

    @property
    def nwk_address(self) -> int | None:
        return self.ctx.nwk

    def capability(self) -> mac.Capability:
        return mac.Capability(
            ffd=self.ctx.is_router,
            mains_powered=self.ctx.mains_powered,
            rx_on_when_idle=self.ctx.rx_on_when_idle,
            allocate_address=True,
        )

    def info(self) -> NodeInfo:
        ctx = self.ctx
        return NodeInfo(
            ieee=ctx.ieee,
            nwk=ctx.nwk,
            node_type=ctx.node_type,
            state=self.state,
            channel=ctx.channel,
            pan_id=ctx.pan_id,
            extended_pan_id=ctx.extended_pan_id,
            parent=ctx.parent,
            permit_joining_until=self.nwk.permit_until
            if self.nwk.permit_until > ctx.clock.now()
            else None,
            trust_center=ctx.trust_center,
            network_key_seq=ctx.network_key_seq if ctx.network_key is not None else None,
            poll_interval=None if ctx.rx_on_when_idle else ctx.config.poll_interval,
        )

    def neighbors(self) -> list[Neighbor]:
        types = {
            DeviceType.coordinator: NodeType.coordinator,
            DeviceType.router: NodeType.router,
            DeviceType.end_device: NodeType.end_device,
        }
        return [
            Neighbor(
                ieee=e.ieee,
                nwk=e.nwk,
                node_type=types.get(e.device_type),
                relationship=e.relationship.name,
                rx_on_when_idle=e.rx_on_when_idle,
                lqi=e.lqi,
                depth=e.depth,
            )
            for e in self.nwk.neighbors
        ]

    def register_endpoint(self, endpoint: Endpoint) -> None:
        if not 1 <= endpoint.endpoint <= 240:
            msg = f"endpoint {endpoint.endpoint} is not an application endpoint (1–240)"
            raise ValueError(msg)
        self.endpoints[endpoint.endpoint] = endpoint

    # --- forming (coordinator) --------------------------------------------------------------------

    def form(self, config: NetworkConfig) -> None:
        """Form a network: address 0x0000, a PAN id, an extended PAN id, a network key."""
        if self.tc is None:
            msg = "only the coordinator forms a network"
            raise ValueError(msg)
        ctx = self.ctx
        ctx.channel = config.channel
        ctx.pan_id = config.pan_id if config.pan_id is not None else ctx.rng.randrange(1, 0x3FFF)
        ctx.extended_pan_id = (
            config.extended_pan_id if config.extended_pan_id is not None else ctx.ieee
        )
        ctx.network_key = config.network_key or self.random_bytes(16)
        ctx.network_key_seq = 0
        ctx.nwk = 0x0000
        ctx.depth = 0
        ctx.trust_center = ctx.ieee
        ctx.authenticated = True
        self.tc.policy = config.policy
        self.mac.pan_id, self.mac.short = ctx.pan_id, ctx.nwk
        self.state = NetworkState.joined
        self.nwk.start_link_status()
        self.nwk.start_concentrator()
        ctx.log(f"formed PAN {ctx.pan_id:04x} on channel {ctx.channel}")

    # --- joining (router, end device) -------------------------------------------------------------

    def join(self, config: NetworkConfig, on_done: Callable[[bool], None] | None = None) -> None:
        """Join through the trust center; retries until joined (``on_done(True)``) or left."""
        if self.tc is not None:
            msg = "the coordinator forms, it does not join"
            raise ValueError(msg)
        self._join_config = config
        self._join_done = on_done
        self.ctx.tc_link_key = config.link_key or GLOBAL_LINK_KEY
        self.ctx.channel = config.channel
        self._tried = set()
        self._start_scan()

    def _start_scan(self) -> None:
        self.join_attempts += 1
        self._reset_network()
        self.state = NetworkState.joining
        self._candidates = []
        self.mac.scanning = True
        self.mac.listen(True)
        self.mac.send(mac.beacon_request_frame(self.mac.next_seq()))
        self.ctx.clock.call_later(self.ctx.config.scan_duration, self._scan_done)

    def _on_beacon(self, frame: mac.MacFrame, lqi: int) -> None:
        config = self._join_config
        if config is None or frame.src is None or frame.src_pan is None:
            return
        try:
            beacon = mac.decode_beacon(frame.payload)
            zb = mac.decode_zigbee_beacon(beacon.payload)
        except FrameError:
            return
        if not beacon.association_permit or zb.stack_profile != 2:
            return
        if config.extended_pan_id is not None and zb.extended_pan_id != config.extended_pan_id:
            return
        if config.pan_id is not None and frame.src_pan != config.pan_id:
            return
        capacity = zb.router_capacity if self.ctx.is_router else zb.end_device_capacity
        if not capacity or frame.src in self._tried:
            return
        self._candidates.append(
            _Candidate(frame.src_pan, frame.src, zb.extended_pan_id, zb.device_depth, lqi)
        )

    def _scan_done(self) -> None:
        self.mac.scanning = False
        if self.state is not NetworkState.joining:
            return
        if not self._candidates:
            self._retry_join()
            return
        best = max(self._candidates, key=lambda c: (c.lqi, -c.depth))
        self._tried.add(best.parent)
        ctx = self.ctx
        ctx.pan_id, ctx.extended_pan_id = best.pan, best.extended_pan_id
        ctx.parent, ctx.depth = best.parent, best.depth + 1
        self.mac.pan_id = best.pan
        request = mac.association_request_frame(
            self.mac.next_seq(), best.pan, best.parent, ctx.ieee, self.capability()
        )

        def sent(result: str) -> None:
            if result == TxResult.SUCCESS:
                self.ctx.clock.call_later(self.ctx.config.association_wait, self._poll_association)
            else:
                self._retry_join()

        self.mac.send(request, sent)

    def _poll_association(self, attempt: int = 1) -> None:
        """Ask the parent for the Association Response it holds for us (a few times: a busy
        parent may still be preparing it)."""
        if self.state is not NetworkState.joining or self.ctx.nwk is not None:
            return
        if attempt > ASSOCIATION_POLLS:
            self._retry_join()
            return
        poll = mac.data_request_frame(
            self.mac.next_seq(),
            self.ctx.pan_id or 0,
            self.ctx.parent or 0,
            self.ctx.ieee,
            src_mode=mac.AddrMode.extended,
        )
        self.mac.send(poll)
        self.ctx.clock.call_later(0.25, self._poll_association, attempt + 1)

    def _on_association_response(self, response: mac.AssociationResponse) -> None:
        if self.state is not NetworkState.joining or self.ctx.nwk is not None:
            return
        if response.status != mac.AssociationStatus.success:
            self._retry_join()
            return
        self.ctx.nwk = response.short_address
        self.mac.short = response.short_address
        self.nwk.learn(self.ctx.ieee, self.ctx.nwk)
        self._key_timer = self.ctx.clock.call_later(self.ctx.config.key_wait, self._key_timeout)
        if not self.ctx.rx_on_when_idle:
            self._poll_for_key()

    def _poll_for_key(self) -> None:
        """A sleepy device waiting for its key keeps asking its parent."""
        if self.state is not NetworkState.joining or self.ctx.authenticated:
            return
        self._send_poll()
        self.ctx.clock.call_later(0.25, self._poll_for_key)

    def _key_timeout(self) -> None:
        self._key_timer = None
        if not self.ctx.authenticated:
            self.ctx.log("no network key: giving up this parent")
            self._retry_join()

    def _retry_join(self) -> None:
        """Try the next parent found by the last scan, or scan again after ``join_retry``."""
        if self._join_config is None:
            return
        self._reset_network()
        self.state = NetworkState.offline
        untried = [c for c in self._candidates if c.parent not in self._tried]
        if untried:
            delay = 0.05
        else:
            delay = self.ctx.config.join_retry
            self._tried.clear()  # every parent failed once: all may be tried again
        self.ctx.clock.call_later(delay * (0.5 + self.ctx.rng.random()), self._rejoin_scan)

    def _rejoin_scan(self) -> None:
        if self._join_config is not None and self.state is NetworkState.offline:
            self._start_scan()

    def _reset_network(self) -> None:
        ctx = self.ctx
        if self._key_timer is not None:
            self._key_timer.cancel()
            self._key_timer = None
        ctx.nwk = ctx.pan_id = ctx.parent = ctx.trust_center = None
        ctx.network_key = None
        ctx.authenticated = False
        self.mac.short = None
        self.mac.pan_id = None

    def _on_network_key(self, key: bytes, key_seq: int, trust_center: int, src: int) -> None:
        ctx = self.ctx
        if self.state is not NetworkState.joining or ctx.authenticated:
            return
        ctx.network_key, ctx.network_key_seq = key, key_seq
        ctx.trust_center = trust_center
        ctx.authenticated = True
        if self._key_timer is not None:
            self._key_timer.cancel()
            self._key_timer = None
        self.state = NetworkState.joined
        self.nwk.learn(trust_center, 0x0000)
        if ctx.parent is not None:
            self._add_parent(ctx.parent)
        self.zdo.announce()
        if ctx.is_router:
            self.nwk.start_link_status()
        else:
            self.mac.listen(False)
            self._schedule_poll()
            self._request_timeout()
        ctx.log(f"joined as {ctx.nwk:04x} via {ctx.parent:04x}")
        done, self._join_done = self._join_done, None
        if done is not None:
            done(True)

    def _add_parent(self, parent: int) -> None:
        """The parent's neighbor entry: the coordinator at 0x0000, else a router; one level up."""
        coordinator = parent == 0x0000
        self.nwk.neighbors.add(
            NeighborEntry(
                parent,
                None,
                DeviceType.coordinator if coordinator else DeviceType.router,
                Relationship.parent,
                True,
                last_seen=self.ctx.clock.now(),
                depth=0 if coordinator else max(self.ctx.depth - 1, 1),
            )
        )

    # --- end device polling -----------------------------------------------------------------------

    def _schedule_poll(self) -> None:
        if self._poll_timer is not None:
            self._poll_timer.cancel()
        jitter = 0.9 + 0.2 * self.ctx.rng.random()
        self._poll_timer = self.ctx.clock.call_later(
            self.ctx.config.poll_interval * jitter, self._poll
        )

    def _poll(self) -> None:
        self._poll_timer = None
        if self.state is not NetworkState.joined or self.ctx.is_router:
            return
        self._send_poll(self._poll_result)
        self._schedule_poll()

    def _send_poll(self, on_done: Callable[[str], None] | None = None) -> None:
        ctx = self.ctx
        if ctx.parent is None or ctx.pan_id is None:
            return
        if ctx.nwk is None:
            poll = mac.data_request_frame(
                self.mac.next_seq(),
                ctx.pan_id,
                ctx.parent,
                ctx.ieee,
                src_mode=mac.AddrMode.extended,
            )
        else:
            poll = mac.data_request_frame(self.mac.next_seq(), ctx.pan_id, ctx.parent, ctx.nwk)
        self.mac.send(poll, on_done)

    def _poll_result(self, result: str) -> None:
        if result == TxResult.SUCCESS:
            self._poll_failures = 0
            return
        self._poll_failures += 1
        if self._poll_failures >= self.ctx.config.poll_failures_to_rejoin:
            self.ctx.log("parent lost: rejoining")
            self._poll_failures = 0
            self._start_rejoin()

    # --- end device timeout (R21): tells the parent our timeout, and that we hold the key ---

    def _request_timeout(self, attempt: int = 1) -> None:
        """Send a secured End Device Timeout Request to the parent; retried until answered.

        Besides the timeout itself, the parent learns from this NWK-secured frame that its child
        has the network key — even when the child's Device_annce broadcast was lost.
        """
        ctx = self.ctx
        if attempt == 1:
            self._timeout_confirmed = False
        if self._timeout_confirmed or self.state is not NetworkState.joined or ctx.parent is None:
            return
        if attempt > TIMEOUT_REQUEST_TRIES:
            return
        request = nwk.EndDeviceTimeoutRequest(timeout_enum(ctx.config.end_device_timeout))
        out = self.nwk.build(ctx.parent, request.encode(), command=True, radius=1)
        self.nwk.unicast_hop(ctx.parent, ctx.parent, out)
        if not ctx.rx_on_when_idle:
            ctx.clock.call_later(TIMEOUT_RESPONSE_WAIT / 4, self._poll_for_timeout_response)
        ctx.clock.call_later(TIMEOUT_RESPONSE_WAIT, self._request_timeout, attempt + 1)

    def _poll_for_timeout_response(self) -> None:
        if not self._timeout_confirmed and self.state is NetworkState.joined:
            self._send_poll()

    def _on_timeout_request(
        self, header: nwk.NwkHeader, request: nwk.EndDeviceTimeoutRequest
    ) -> None:
        entry = self.nwk.neighbors.get(header.src)
        if not self.ctx.is_router or entry is None or not entry.is_child or not header.security:
            return
        status = 0 if request.timeout <= 14 and request.configuration == 0 else 1
        if status == 0:
            entry.timeout_at = self.ctx.clock.now() + timeout_seconds(request.timeout)
        response = nwk.EndDeviceTimeoutResponse(status, mac_data_poll_keepalive=True)
        out = self.nwk.build(header.src, response.encode(), command=True, radius=1)
        self.nwk.unicast_hop(header.src, header.src, out)

    def _on_timeout_response(self, src: int) -> None:
        if src == self.ctx.parent:
            self._timeout_confirmed = True

    # --- rejoin (end device that lost its parent) -------------------------------------------------

    def _start_rejoin(self) -> None:
        if self._poll_timer is not None:
            self._poll_timer.cancel()
            self._poll_timer = None
        old_parent = self.ctx.parent
        if old_parent is not None:
            self.nwk.neighbors.remove(old_parent)
        self.state = NetworkState.joining
        self._candidates = []
        self._tried = {old_parent} if old_parent is not None else set()
        self.mac.scanning = True
        self.mac.listen(True)
        self._join_config = self._join_config or NetworkConfig(
            channel=self.ctx.channel or 15, extended_pan_id=self.ctx.extended_pan_id
        )
        self.mac.send(mac.beacon_request_frame(self.mac.next_seq()))
        self.ctx.clock.call_later(self.ctx.config.scan_duration, self._rejoin_scan_done)

    def _rejoin_scan_done(self) -> None:
        self.mac.scanning = False
        candidates = [c for c in self._candidates if c.extended_pan_id == self.ctx.extended_pan_id]
        if not candidates:
            self.ctx.clock.call_later(self.ctx.config.join_retry, self._start_rejoin)
            return
        best = max(candidates, key=lambda c: (c.lqi, -c.depth))
        self.ctx.parent, self.ctx.depth = best.parent, best.depth + 1
        request = nwk.RejoinRequest(self.capability())
        out = self.nwk.build(best.parent, request.encode(), command=True, radius=1)
        self.nwk.unicast_hop(best.parent, best.parent, out)
        self.ctx.clock.call_later(0.5, self._rejoin_poll)

    def _rejoin_poll(self) -> None:
        if self.state is NetworkState.joining and self.ctx.authenticated:
            self._send_poll()
            self.ctx.clock.call_later(1.0, self._rejoin_timeout)

    def _rejoin_timeout(self) -> None:
        if self.state is NetworkState.joining and self.ctx.authenticated:
            self._start_rejoin()

    def _on_rejoin_response(self, response: nwk.RejoinResponse, src: int) -> None:
        if self.state is not NetworkState.joining or not self.ctx.authenticated:
            return
        if response.status != nwk.RejoinStatus.success or src != self.ctx.parent:
            return
        self.ctx.nwk = response.short_address
        self.mac.short = response.short_address
        self.state = NetworkState.joined
        self._add_parent(src)
        self.zdo.announce()
        if not self.ctx.rx_on_when_idle:
            self.mac.listen(False)
        self._schedule_poll()
        self._request_timeout()
        self.ctx.log(f"rejoined via {src:04x}")

    # --- leaving ----------------------------------------------------------------------------------

    def leave(self, *, rejoin: bool = False) -> None:
        """Leave the network (telling the neighbors), and stop trying to join."""
        if self.state is NetworkState.joined:
            command = nwk.Leave(rejoin=rejoin)
            self.nwk.send(0xFFFD, command.encode(), command=True, radius=1)
        self._join_config = None if not rejoin else self._join_config
        if self._poll_timer is not None:
            self._poll_timer.cancel()
            self._poll_timer = None
        self.ctx.clock.call_later(0.05, self._after_leave, rejoin)

    def _after_leave(self, rejoin: bool) -> None:
        self._reset_network()
        self.state = NetworkState.offline
        for entry in list(self.nwk.neighbors):
            self.nwk.neighbors.remove(entry.nwk)
        self.nwk.routes = type(self.nwk.routes)()
        if rejoin and self._join_config is not None:
            self.ctx.clock.call_later(self.ctx.config.join_retry, self._rejoin_scan)

    # --- MAC dispatch -----------------------------------------------------------------------------

    def _on_mac_frame(self, frame: mac.MacFrame, lqi: int) -> None:
        if frame.frame_type == mac.MacFrameType.data:
            self.nwk.on_mac_data(frame, lqi)
            return
        if frame.frame_type == mac.MacFrameType.beacon:
            self._on_beacon(frame, lqi)
            return
        if frame.frame_type != mac.MacFrameType.command:
            return
        try:
            command = mac.decode_mac_command(frame.payload)
        except FrameError:
            return
        if isinstance(command, mac.BeaconRequest):
            self._send_beacon()
        elif isinstance(command, mac.AssociationRequest):
            if frame.src_mode == mac.AddrMode.extended and frame.src is not None:
                self._on_association_request(frame.src, command, lqi)
        elif isinstance(command, mac.AssociationResponse):
            self._on_association_response(command)

    def _send_beacon(self) -> None:
        ctx = self.ctx
        if not ctx.is_router or not ctx.authenticated or ctx.nwk is None or ctx.pan_id is None:
            return
        children = len(self.nwk.neighbors.children())
        room = children < ctx.config.max_children
        zb = mac.ZigbeeBeacon(
            extended_pan_id=ctx.extended_pan_id or 0,
            router_capacity=room,
            end_device_capacity=room,
            device_depth=min(ctx.depth, 15),
        )
        beacon = mac.Beacon(
            pan_coordinator=ctx.is_coordinator,
            association_permit=self.nwk.permit_until > ctx.clock.now() and room,
            payload=zb.encode(),
        )
        self.mac.send(mac.beacon_frame(self.mac.next_seq(), ctx.pan_id, ctx.nwk, beacon))

    # --- admitting children (routers and coordinator) ---------------------------------------------

    def _allocate_address(self) -> int:
        while True:
            candidate = self.ctx.rng.randrange(0x0001, 0xFFF8)
            if candidate != self.ctx.nwk and candidate not in self.nwk.neighbors:
                return candidate

    def _on_association_request(self, ieee: int, request: mac.AssociationRequest, lqi: int) -> None:
        ctx = self.ctx
        now = ctx.clock.now()
        existing = self.nwk.neighbors.by_ieee(ieee)
        room = len(self.nwk.neighbors.children()) < ctx.config.max_children or existing
        if self.nwk.permit_until <= now:
            status, address = mac.AssociationStatus.pan_access_denied, 0xFFFF
        elif not room:
            status, address = mac.AssociationStatus.pan_at_capacity, 0xFFFF
        else:
            status = mac.AssociationStatus.success
            address = existing.nwk if existing is not None else self._allocate_address()
            capability = request.capability
            self.nwk.neighbors.add(
                NeighborEntry(
                    address,
                    ieee,
                    DeviceType.router if capability.ffd else DeviceType.end_device,
                    Relationship.unauthenticated_child,
                    capability.rx_on_when_idle,
                    lqi=lqi,
                    last_seen=now,
                    depth=ctx.depth + 1,
                )
            )
            if not capability.rx_on_when_idle:
                self.aps.note_sleepy(address)
        response = mac.association_response_frame(
            self.mac.next_seq(), ctx.pan_id or 0, ieee, ctx.ieee, address, status
        )

        def delivered(result: str) -> None:
            if result == TxResult.SUCCESS and status == mac.AssociationStatus.success:
                self._child_associated(ieee, address)

        self.mac.send_indirect(ieee, response, delivered)

    def _child_associated(self, ieee: int, address: int) -> None:
        self.nwk.learn(ieee, address)
        if self.tc is not None:
            self._admit(ieee, address, self.ctx.nwk or 0)
        else:
            update = aps.UpdateDevice(ieee, address, aps.UpdateDeviceStatus.standard_unsecured_join)
            self.aps.send_command(0x0000, update, key=self.ctx.tc_link_key)
        # a child that never authenticates is forgotten
        self.ctx.clock.call_later(
            2 * self.ctx.config.key_wait, self._drop_if_unauthenticated, address
        )

    def _drop_if_unauthenticated(self, address: int) -> None:
        entry = self.nwk.neighbors.get(address)
        if entry is not None and entry.relationship is Relationship.unauthenticated_child:
            self._drop_child(entry)

    def _drop_child(self, entry: NeighborEntry) -> None:
        self.nwk.neighbors.remove(entry.nwk)
        self.mac.drop_indirect(entry.nwk, entry.ieee)
        self.aps.sleepy.discard(entry.nwk)

    def _send_to_unauthenticated_child(self, ieee: int, inner: bytes) -> None:
        """Hand the (APS-secured) key to a joining child, the one NWK-unsecured frame."""
        entry = self.nwk.neighbors.by_ieee(ieee)
        if entry is None:
            return
        out = self.nwk.build(entry.nwk, inner, security=False, radius=1)
        self.nwk.unicast_hop(entry.nwk, entry.nwk, out)

    def _child_authenticated(self, src_ieee: int | None) -> None:
        if src_ieee is None:
            return
        entry = self.nwk.neighbors.by_ieee(src_ieee)
        if entry is not None and entry.relationship is Relationship.unauthenticated_child:
            entry.relationship = Relationship.child

    # --- trust center -----------------------------------------------------------------------------

    def _admit(self, ieee: int, address: int, parent: int) -> None:
        """Trust center: send the network key to a device that joined, or refuse it."""
        assert self.tc is not None  # noqa: S101 - only called on the trust center
        key = self.tc.key_for_join(ieee)
        if key is None:
            self.refused += 1
            self.ctx.log(f"refused {ieee:016x}")
            if parent == self.ctx.nwk:
                entry = self.nwk.neighbors.by_ieee(ieee)
                if entry is not None:
                    self._drop_child(entry)
            else:
                removal = aps.RemoveDevice(ieee)
                parent_key = self.tc.link_key(self._ieee_of(parent) or 0)
                self.aps.send_command(parent, removal, key=parent_key)
            return
        self.ctx.incoming.forget(ieee)
        self._admitting[ieee] = (address, parent)
        self.parents[ieee] = parent
        transport = aps.TransportNetworkKey(
            key=self.ctx.network_key or b"",
            key_seq=self.ctx.network_key_seq,
            dst_ieee=ieee,
            src_ieee=self.ctx.ieee,
        )
        inner = self.aps.command_frame(transport, key=key, key_id=KeyId.key_transport)
        if parent == self.ctx.nwk:
            self._send_to_unauthenticated_child(ieee, inner)
        else:
            self.aps.send_command(parent, aps.Tunnel(ieee, inner), key=None)

    def _ieee_of(self, address: int) -> int | None:
        return self.nwk.ieee_of(address)

    def _link_key(self, ieee: int | None) -> bytes | None:
        """The APS link key with ``ieee`` (the trust center keeps one per device)."""
        if ieee is None:
            return None
        if self.tc is not None:
            return self.tc.link_key(ieee)
        if not self.ctx.authenticated or ieee == self.ctx.trust_center:
            return self.ctx.tc_link_key
        return self.aps.link_keys.get(ieee)

    def device_announced(self, ieee: int, address: int, capability: int) -> None:
        """ZDO: a Device_annce was received."""
        self.nwk.learn(ieee, address)
        if not capability & 0x08:
            self.aps.note_sleepy(address)
        self._child_authenticated(ieee)
        if self.tc is None:
            return
        admitting = self._admitting.pop(ieee, None)
        if admitting is not None:
            self._emit(DeviceJoined(ieee, address, admitting[1]))
            remaining = self._permit_remaining()
            if capability & 0x02 and remaining > 1:  # a new router: open it too
                self.zdo.broadcast_permit_joining(remaining)

    # --- radio seam: sending ----------------------------------------------------------------------

    def send(
        self,
        packet: ApsPacket,
        *,
        aps_ack: bool = True,
        on_done: Callable[[DeliveryResult], None] | None = None,
    ) -> None:
        """Send an APS data frame; ``on_done`` gets the delivery result."""

        def finish(status: DeliveryStatus, counter: int | None = None) -> None:
            if on_done is not None:
                on_done(DeliveryResult(status, counter))

        if self.state is not NetworkState.joined:
            self.ctx.clock.call_later(0, finish, DeliveryStatus.not_joined)
            return
        group = None
        if packet.dst_mode is DstMode.group:
            group, dst = packet.dst, 0xFFFD
        elif packet.dst_mode is DstMode.broadcast:
            dst = packet.dst if packet.dst is not None else 0xFFFF
        else:
            dst_opt = packet.dst
            if dst_opt is None and packet.dst_ieee is not None:
                dst_opt = self.nwk.nwk_of(packet.dst_ieee)
            if dst_opt is None:
                self.ctx.clock.call_later(0, finish, DeliveryStatus.unknown_destination)
                return
            dst = dst_opt
        if dst == self.ctx.nwk:
            # a loopback never goes on the air: no link key is involved, and the frame keeps its
            # APS-security flag (the receiving endpoint sees what was asked for)
            self.ctx.clock.call_later(0, self._loopback, packet)
            self.ctx.clock.call_later(0, finish, DeliveryStatus.delivered)
            return
        key = None
        if packet.aps_security and dst < FIRST_BROADCAST and group is None:
            key = self._link_key(packet.dst_ieee or self.nwk.ieee_of(dst))
            if key is None:
                self.ctx.clock.call_later(0, finish, DeliveryStatus.no_key)
                return
        self.aps.send_data(
            dst,
            dst_endpoint=packet.dst_ep,
            cluster=packet.cluster_id,
            profile=packet.profile_id,
            src_endpoint=packet.src_ep,
            payload=packet.payload,
            ack=aps_ack,
            security_key=key,
            group=group,
            radius=packet.radius or None,
            on_done=finish,
        )

    def _loopback(self, packet: ApsPacket) -> None:
        self._deliver_packet(
            ApsPacket(
                packet.profile_id,
                packet.cluster_id,
                packet.src_ep,
                packet.dst_ep,
                packet.payload,
                dst=self.ctx.nwk,
                src=self.ctx.nwk,
                src_ieee=self.ctx.ieee,
                aps_security=packet.aps_security,
            )
        )

    def permit_joining(self, seconds: int, *, broadcast: bool = True) -> None:
        """Open (or close, with 0) joining here and, by ZDO broadcast, on every router.

        While joining is open the broadcast is repeated (every ``PERMIT_REBROADCAST`` seconds,
        and when a router joins) so that routers that joined since also admit devices.
        """
        self.set_permit(seconds)
        if broadcast and self.state is NetworkState.joined:
            self.zdo.broadcast_permit_joining(seconds)
            if 0 < seconds < 0xFF:
                self.ctx.clock.call_later(PERMIT_REBROADCAST, self._rebroadcast_permit)

    def _permit_remaining(self) -> int:
        until = self.nwk.permit_until
        if until == float("inf"):
            return 0xFF
        return max(0, int(until - self.ctx.clock.now()))

    def _rebroadcast_permit(self) -> None:
        remaining = self._permit_remaining()
        if remaining > 1 and self.state is NetworkState.joined:
            self.zdo.broadcast_permit_joining(remaining)
            if remaining < 0xFF:
                self.ctx.clock.call_later(PERMIT_REBROADCAST, self._rebroadcast_permit)

    def set_permit(self, seconds: int) -> None:
        now = self.ctx.clock.now()
        if self._permit_timer is not None:
            self._permit_timer.cancel()
            self._permit_timer = None
        if seconds <= 0:
            self.nwk.permit_until = 0.0
        elif seconds >= 0xFF:
            self.nwk.permit_until = float("inf")
        else:
            self.nwk.permit_until = now + seconds
            self._permit_timer = self.ctx.clock.call_later(seconds, self._permit_expired)

    def _permit_expired(self) -> None:
        self._permit_timer = None
        self.nwk.permit_until = 0.0

    # --- trust-center API -------------------------------------------------------------------------

    def add_link_key(self, ieee: int, key: bytes) -> None:
        if self.tc is None:
            msg = "only the trust center keeps device keys"
            raise ValueError(msg)
        self.tc.register(ieee, key)

    def add_install_code(self, ieee: int, code: bytes) -> bytes:
        if self.tc is None:
            msg = "only the trust center keeps device keys"
            raise ValueError(msg)
        key = self.tc.link_keys.set_install_code(ieee, code)
        self.tc.removed.discard(ieee)
        return key

    def remove_device(self, ieee: int) -> None:
        """Trust center: make the device leave and forget its key (it cannot rejoin until
        registered again)."""
        if self.tc is None:
            msg = "only the trust center removes devices"
            raise ValueError(msg)
        self.tc.remove(ieee)
        self.ctx.incoming.forget(ieee)
        address = self.nwk.nwk_of(ieee)
        parent = self.parents.pop(ieee, None)
        if address is not None and self.nwk.neighbors.get(address) is not None:
            self.nwk.send(address, nwk.Leave(request=True).encode(), command=True)
            entry = self.nwk.neighbors.get(address)
            if entry is not None and entry.relationship in (
                Relationship.child,
                Relationship.unauthenticated_child,
            ):
                self.ctx.clock.call_later(1.0, self._drop_child, entry)
        elif parent is not None and parent != self.ctx.nwk:
            parent_key = self.tc.link_key(self._ieee_of(parent) or 0)
            self.aps.send_command(parent, aps.RemoveDevice(ieee), key=parent_key)
        elif address is not None:
            self.nwk.send(address, nwk.Leave(request=True).encode(), command=True)
        self.nwk.forget(ieee)
        self._emit(DeviceLeft(ieee, address, removed=True))

    # --- receive: NWK commands --------------------------------------------------------------------

    def _on_nwk_command(
        self, header: nwk.NwkHeader, command: object, received: ReceivedNwk
    ) -> None:
        if isinstance(command, nwk.Leave):
            self._on_leave(header, command)
        elif isinstance(command, nwk.RejoinRequest):
            self._on_rejoin_request(header, command, received)
        elif isinstance(command, nwk.RejoinResponse):
            self._on_rejoin_response(command, received.mac_src or header.src)
        elif isinstance(command, nwk.EndDeviceTimeoutRequest):
            self._on_timeout_request(header, command)
        elif isinstance(command, nwk.EndDeviceTimeoutResponse) and header.security:
            self._on_timeout_response(header.src)

    def _on_leave(self, header: nwk.NwkHeader, command: nwk.Leave) -> None:
        if command.request:
            if header.dst == self.ctx.nwk:
                self.ctx.log("asked to leave")
                self.leave(rejoin=command.rejoin)
            return
        entry = self.nwk.neighbors.get(header.src)
        ieee = header.src_ieee or (entry.ieee if entry is not None else None)
        if entry is not None:
            was_child = entry.relationship is Relationship.child
            self._drop_child(entry)
            self.nwk.routes.remove(header.src)
            if was_child and ieee is not None and self.tc is None and self.ctx.authenticated:
                update = aps.UpdateDevice(ieee, header.src, aps.UpdateDeviceStatus.device_left)
                self.aps.send_command(0x0000, update, key=self.ctx.tc_link_key)
        if self.tc is not None and ieee is not None and ieee in self.parents:
            self.parents.pop(ieee, None)
            self._emit(DeviceLeft(ieee, header.src))

    def _on_rejoin_request(
        self, header: nwk.NwkHeader, request: nwk.RejoinRequest, received: ReceivedNwk
    ) -> None:
        ctx = self.ctx
        if not ctx.is_router or not received.secured or header.src_ieee is None:
            return
        ieee = header.src_ieee
        children = len(self.nwk.neighbors.children())
        if children >= ctx.config.max_children:
            status = nwk.RejoinStatus.pan_at_capacity
            address = header.src
        else:
            status = nwk.RejoinStatus.success
            existing = self.nwk.neighbors.get(header.src)
            conflict = existing is not None and existing.ieee not in (None, ieee)
            address = self._allocate_address() if conflict else header.src
            capability = request.capability
            self.nwk.neighbors.add(
                NeighborEntry(
                    address,
                    ieee,
                    DeviceType.router if capability.ffd else DeviceType.end_device,
                    Relationship.child,
                    capability.rx_on_when_idle,
                    lqi=received.lqi,
                    last_seen=ctx.clock.now(),
                    depth=ctx.depth + 1,
                )
            )
            if not capability.rx_on_when_idle:
                self.aps.note_sleepy(address)
        response = nwk.RejoinResponse(address, status)
        out = self.nwk.build(header.src, response.encode(), command=True, radius=1)
        self.nwk.unicast_hop(address, header.src, out)
        if status == nwk.RejoinStatus.success:
            self.nwk.learn(ieee, address)
            if self.tc is not None:
                self._rejoined(ieee, address, ctx.nwk or 0)
            else:
                update = aps.UpdateDevice(
                    ieee, address, aps.UpdateDeviceStatus.standard_secured_rejoin
                )
                self.aps.send_command(0x0000, update, key=ctx.tc_link_key)

    def _rejoined(self, ieee: int, address: int, parent: int) -> None:
        assert self.tc is not None  # noqa: S101 - trust center only
        if self.tc.link_key(ieee) is None:
            removal = aps.RemoveDevice(ieee)
            if parent == self.ctx.nwk:
                self.nwk.send(address, nwk.Leave(request=True).encode(), command=True)
            else:
                self.aps.send_command(
                    parent, removal, key=self.tc.link_key(self._ieee_of(parent) or 0)
                )
            return
        self.parents[ieee] = parent
        self._emit(DeviceJoined(ieee, address, parent, rejoin=True))

    def _on_link_failure(self, hop: int) -> None:
        entry = self.nwk.neighbors.get(hop)
        if (
            entry is not None
            and entry.relationship is Relationship.parent
            and not self.ctx.is_router
        ):
            self._poll_result(TxResult.NO_ACK)

    # --- receive: APS -----------------------------------------------------------------------------

    def _on_aps_command(self, ind: ApsCommandIndication) -> None:
        command = ind.command
        if isinstance(command, aps.TransportNetworkKey):
            self._on_transport_network_key(command, ind)
        elif isinstance(command, aps.TransportApplicationLinkKey | aps.TransportTrustCenterLinkKey):
            self._on_transport_link_key(command, ind)
        elif isinstance(command, aps.UpdateDevice):
            self._on_update_device(command, ind)
        elif isinstance(command, aps.RemoveDevice):
            self._on_remove_device(command, ind)
        elif isinstance(command, aps.Tunnel):
            self._on_tunnel(command, ind)
        elif isinstance(command, aps.RequestKey):
            self._on_request_key(command, ind)
        elif isinstance(command, aps.SwitchKey):
            self._on_switch_key(command, ind)

    def _on_transport_network_key(
        self, command: aps.TransportNetworkKey, ind: ApsCommandIndication
    ) -> None:
        if not self.ctx.authenticated:
            if ind.key_id is KeyId.key_transport and command.dst_ieee == self.ctx.ieee:
                self._on_network_key(command.key, command.key_seq, command.src_ieee, ind.src)
            return
        # a network key update from the trust center, for the next Switch Key
        if ind.nwk_secured and command.src_ieee == self.ctx.trust_center:
            self._pending_key = (command.key_seq, command.key)

    def _on_transport_link_key(
        self,
        command: aps.TransportApplicationLinkKey | aps.TransportTrustCenterLinkKey,
        ind: ApsCommandIndication,
    ) -> None:
        if not ind.aps_secured or ind.src_ieee != self.ctx.trust_center:
            return
        if isinstance(command, aps.TransportApplicationLinkKey):
            self.aps.link_keys[command.partner_ieee] = command.key
        else:
            self.ctx.tc_link_key = command.key

    def _on_switch_key(self, command: aps.SwitchKey, ind: ApsCommandIndication) -> None:
        pending = self._pending_key
        if pending is None or pending[0] != command.key_seq or not ind.nwk_secured:
            return
        if self.ctx.network_key is not None:
            self.ctx.previous_network_key = (self.ctx.network_key_seq, self.ctx.network_key)
        self.ctx.network_key_seq, self.ctx.network_key = pending
        self._pending_key = None

    def _on_update_device(self, command: aps.UpdateDevice, ind: ApsCommandIndication) -> None:
        if self.tc is None or not ind.aps_secured or ind.src_ieee is None:
            return
        if self.tc.link_key(ind.src_ieee) is None:
            return  # only admitted routers speak for their children
        status = command.status
        if status == aps.UpdateDeviceStatus.standard_unsecured_join:
            self.nwk.learn(command.device_ieee, command.device_short)
            self._admit(command.device_ieee, command.device_short, ind.src)
        elif status == aps.UpdateDeviceStatus.standard_secured_rejoin:
            self.nwk.learn(command.device_ieee, command.device_short)
            self._rejoined(command.device_ieee, command.device_short, ind.src)
        elif status == aps.UpdateDeviceStatus.device_left:
            self.parents.pop(command.device_ieee, None)
            self._emit(DeviceLeft(command.device_ieee, command.device_short))

    def _on_remove_device(self, command: aps.RemoveDevice, ind: ApsCommandIndication) -> None:
        if not ind.aps_secured or ind.src_ieee != self.ctx.trust_center:
            return
        entry = self.nwk.neighbors.by_ieee(command.target_ieee)
        if entry is None:
            return
        if entry.relationship is Relationship.child:
            self.nwk.send(entry.nwk, nwk.Leave(request=True).encode(), command=True)
            self.ctx.clock.call_later(1.0, self._drop_child, entry)
        else:
            self._drop_child(entry)

    def _on_tunnel(self, command: aps.Tunnel, ind: ApsCommandIndication) -> None:
        if not ind.nwk_secured or ind.src != 0x0000:
            return
        self._send_to_unauthenticated_child(command.dst_ieee, command.frame)

    def _on_request_key(self, command: aps.RequestKey, ind: ApsCommandIndication) -> None:
        if self.tc is None or not ind.aps_secured or ind.src_ieee is None:
            return
        requester_key = self.tc.link_key(ind.src_ieee)
        if requester_key is None:
            return
        if (
            command.key_type == aps.RequestKeyType.application_link_key
            and command.partner_ieee is not None
        ):
            partner_key = self.tc.link_key(command.partner_ieee)
            partner = self.nwk.nwk_of(command.partner_ieee)
            if partner_key is None or partner is None:
                return
            key = self.random_bytes(16)
            for dst, dst_key, who, initiator in (
                (ind.src, requester_key, command.partner_ieee, True),
                (partner, partner_key, ind.src_ieee, False),
            ):
                transport = aps.TransportApplicationLinkKey(
                    key=key, partner_ieee=who, initiator=initiator
                )
                self.aps.send_command(dst, transport, key=dst_key, key_id=KeyId.key_transport)
        elif command.key_type == aps.RequestKeyType.trust_center_link_key:
            tc_key = aps.TransportTrustCenterLinkKey(
                key=requester_key, dst_ieee=ind.src_ieee, src_ieee=self.ctx.ieee
            )
            self.aps.send_command(ind.src, tc_key, key=requester_key, key_id=KeyId.key_transport)

    def request_application_key(
        self, partner_ieee: int, on_done: Callable[[bool], None] | None = None
    ) -> None:
        """Ask the trust center for a link key shared with ``partner_ieee``; ``on_done`` tells
        whether the request left (the key itself comes later, in a Transport Key)."""
        request = aps.RequestKey(aps.RequestKeyType.application_link_key, partner_ieee)

        def sent(result: str) -> None:
            if on_done is not None:
                on_done(result == "success")

        self.aps.send_command(0x0000, request, key=self.ctx.tc_link_key, on_done=sent)

    def has_link_key(self, ieee: int) -> bool:
        """Whether APS encryption with ``ieee`` is possible (a link key is shared)."""
        return self._link_key(ieee) is not None

    def switch_network_key(self, key: bytes | None = None, *, delay: float = 5.0) -> int:
        """Trust center: distribute a new network key, then switch to it after ``delay``."""
        if self.tc is None:
            msg = "only the trust center changes the network key"
            raise ValueError(msg)
        new_key = key or self.random_bytes(16)
        seq = (self.ctx.network_key_seq + 1) & 0xFF
        transport = aps.TransportNetworkKey(
            key=new_key, key_seq=seq, dst_ieee=0, src_ieee=self.ctx.ieee
        )
        self.aps.send_command(0xFFFF, transport, key=None)

        def switch() -> None:
            self.aps.send_command(0xFFFF, aps.SwitchKey(seq), key=None)
            if self.ctx.network_key is not None:
                self.ctx.previous_network_key = (self.ctx.network_key_seq, self.ctx.network_key)
            self.ctx.network_key_seq, self.ctx.network_key = seq, new_key

        self.ctx.clock.call_later(delay, switch)
        return seq

    # --- receive: APS data ------------------------------------------------------------------------

    def _on_aps_data(self, ind: ApsIndication) -> None:
        header = ind.header
        if header.profile == ZDO_PROFILE and header.dst_endpoint == 0:
            self.zdo.on_frame(ind)
        unknown_endpoint = header.dst_endpoint not in (0, 0xFF, *self.endpoints)
        if unknown_endpoint and header.group is None:
            return
        self._deliver_packet(
            ApsPacket(
                profile_id=header.profile or 0,
                cluster_id=header.cluster or 0,
                src_ep=header.src_endpoint or 0,
                dst_ep=header.dst_endpoint if header.dst_endpoint is not None else 0xFF,
                payload=ind.payload,
                dst=ind.dst if header.group is None else header.group,
                dst_mode=DstMode.group
                if header.group is not None
                else DstMode.broadcast
                if ind.dst >= FIRST_BROADCAST
                else DstMode.unicast,
                src=ind.src,
                src_ieee=ind.src_ieee,
                aps_security=ind.aps_secured,
                lqi=ind.lqi,
            )
        )

    def _deliver_packet(self, packet: ApsPacket) -> None:
        for listener in list(self._packet_listeners):
            listener(packet)
