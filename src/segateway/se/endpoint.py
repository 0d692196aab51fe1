"""Local ZCL endpoints: our clusters, their attributes, and the one place ZCL frames are answered.

A :class:`LocalCluster` is one side (server or client) of one cluster on one of our endpoints: it
holds that side's attribute values (with the declared access rules) and its command handlers,
registered with :func:`handles`. A :class:`ZclEndpoint` owns the clusters of one endpoint and
dispatches every ZCL frame addressed to it:

* profile-wide commands on our own clusters are answered here: Read Attributes, Write Attributes
  (plain, undivided, no response), Configure Reporting (and the reports it asks for), Read
  Reporting Configuration, Discover Attributes; Report Attributes go to the cluster's
  :meth:`LocalCluster.on_report`;
* cluster commands go to the handler registered for them;
* responses to our own requests (same peer, cluster and TSN) reach the waiting callback;
* the Default Response follows ZCL 07-5123 §2.5.12.2: a unicast command that is not itself a
  Default Response, that got no other response with its TSN, gets one when its Disable Default
  Response bit is clear or when it failed. A handler signals a protocol failure by returning a
  status or raising :class:`ZclStatusError`; nothing else turns into a Default Response.

Direction-bit correction (the original's ``ZCL_Endpoint.enable_direction_bit_correction``): some
devices send server-to-client commands with the client-to-server bit (or the reverse). With the
setting on, a frame whose direction names a side of the cluster this endpoint does not have is
taken for the other side, when the endpoint has that one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple, Protocol, TypeVar

from ..radio import ApsPacket, DeliveryResult, DstMode, Endpoint
from ..sim.clock import Clock, TimerHandle
from ..zcl.cluster import Access, Attribute, Cluster, Command, Side
from ..zcl.errors import DecodeError, EncodeError
from ..zcl.foundation import FOUNDATION, ReportingDirection
from ..zcl.frame import SE_PROFILE, ZclFrame, decode_frame
from ..zcl.header import Direction, ZclHeader, decode_header
from ..zcl.status import Status
from ..zcl.types import is_analog

__all__ = [
    "EndpointHost",
    "Incoming",
    "LocalCluster",
    "Peer",
    "ReportingConfig",
    "ZclEndpoint",
    "ZclStatusError",
    "handles",
]

log = logging.getLogger(__name__)

_C2S = Direction.client_to_server
_S2C = Direction.server_to_client
_FC_DIRECTION = 0x08
_FC_MANUFACTURER = 0x04
_FC_DISABLE_DEFAULT_RESPONSE = 0x10
_DEFAULT_RESPONSE = 0x0B
_REPORT_ATTRIBUTES = 0x0A
_RESPONSES = frozenset({0x01, 0x04, 0x07, 0x09, 0x0B, 0x0D, 0x10, 0x12, 0x14, 0x16})
_REPORTING_OFF = 0xFFFF
RESPONSE_TIMEOUT = 10.0  # seconds a request waits for its ZCL response (after delivery)
APS_SECURED_CLUSTERS = frozenset(
    {0x000A, 0x0015, 0x0019, 0x0600, 0x0700, 0x0701, 0x0702, 0x0703, 0x0704, 0x0705, 0x0706}
    | {0x0707, 0x0708, 0x0709, 0x070A}
)
"""SE clusters whose unicasts carry APS (link-key) encryption on top of network security
(se-spec §3.2, from SE §5.4.6); everything else, and every broadcast, uses the network key only."""
MAX_ZCL_FRAME = 65
"""The longest ZCL frame we answer with: what fits one 127-octet MPDU with NWK and APS security
and no fragmentation (MAC 11, NWK 8 + 8 extended source + 18 security, APS 8 + 9 security)."""


class ZclStatusError(Exception):
    """A command failed with a ZCL status; the dispatcher answers it with a Default Response."""

    def __init__(self, status: Status, message: str = "") -> None:
        super().__init__(message or status.name)
        self.status = status


class Peer(NamedTuple):
    """A remote endpoint: NWK address (when known), IEEE address (when known), endpoint."""

    nwk: int | None
    ieee: int | None
    endpoint: int


class Incoming(NamedTuple):
    """A decoded ZCL frame addressed to one of our clusters."""

    packet: ApsPacket
    frame: ZclFrame

    @property
    def payload(self) -> Any:
        return self.frame.payload

    @property
    def tsn(self) -> int:
        return self.frame.header.tsn

    @property
    def peer(self) -> Peer:
        p = self.packet
        return Peer(p.src, p.src_ieee, p.src_ep)

    @property
    def broadcast(self) -> bool:
        return self.packet.dst_mode is not DstMode.unicast


class EndpointHost(Protocol):
    """What endpoints need from the application that hosts them."""

    clock: Clock
    direction_bit_correction: bool
    aps_encryption: bool  # APS-encrypt SE cluster unicasts and refuse them unencrypted

    @property
    def response_margin(self) -> float:
        """Seconds added to every wait for an answer: a sleepy host gets its answers only when
        it polls its parent (two poll intervals, as the APS layer waits for acknowledgements)."""
        ...

    def send_packet(
        self, packet: ApsPacket, on_done: Callable[[DeliveryResult], None] | None = None
    ) -> None: ...

    def next_tsn(self) -> int: ...

    def resolve_ieee(self, nwk: int | None) -> int | None: ...


@dataclass
class ReportingConfig:
    """One attribute's reporting (direction 0: we send reports), as the last peer to configure
    it set it; the reports go to ``peer`` and to every earlier peer in ``others`` that has not
    turned its reporting off (ZCL keeps one configuration per attribute and reports it to every
    bound destination: a display configuring the meter does not cut the gateway off)."""

    attribute_id: int
    data_type: int
    minimum: int
    maximum: int
    change: Any
    peer: Peer
    last_value: Any = None
    last_sent: float | None = None
    timer: TimerHandle | None = None
    others: list[Peer] = field(default_factory=list)

    @property
    def destinations(self) -> list[Peer]:
        return [*self.others, self.peer]


def _same_peer(a: Peer, b: Peer) -> bool:
    if a.ieee is not None and b.ieee is not None:
        return a.ieee == b.ieee and a.endpoint == b.endpoint
    return a.nwk == b.nwk and a.endpoint == b.endpoint


_F = TypeVar("_F", bound=Callable[..., Any])


def handles(command_name: str) -> Callable[[_F], _F]:
    """Register the decorated method as the handler of ``command_name`` (a command arriving at
    this side of the cluster). The handler takes the :class:`Incoming` frame and returns None
    (success, or it sent its own response) or a :class:`Status` for the Default Response."""

    def mark(fn: _F) -> _F:
        fn._zcl_handles = command_name  # type: ignore[attr-defined]
        return fn

    return mark


Handler = Callable[["LocalCluster", Incoming], "Status | None"]


class LocalCluster:
    """One side of one cluster on one of our endpoints. Subclasses set ``definition`` (the ZCL
    cluster class) and ``side``, give attribute values, and register command handlers."""

    definition: ClassVar[type[Cluster]]
    side: ClassVar[Side]
    handlers: ClassVar[Mapping[int, Handler]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "definition" not in cls.__dict__:
            return  # an intermediate base
        incoming = _C2S if cls.side is Side.server else _S2C
        table: dict[int, Handler] = {}
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                name = getattr(value, "_zcl_handles", None)
                if name is None:
                    continue
                command = cls.definition.find_command(name, incoming)
                table[command.id] = value
        cls.handlers = table

    def __init__(self) -> None:
        self.endpoint: ZclEndpoint | None = None
        self.values: dict[int, Any] = {
            a.id: a.default for a in self.attribute_table.values() if a.default is not None
        }
        self.reporting: dict[int, ReportingConfig] = {}
        self.report_timeouts: dict[int, int] = {}  # direction 1: attribute id -> seconds

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """The application started (or restarted): restore state, schedule timers."""

    def close(self) -> None:
        """The application stops: cancel timers."""

    # --- identity ---------------------------------------------------------------------------

    @property
    def cluster_id(self) -> int:
        return self.definition.id

    @property
    def attribute_table(self) -> Mapping[int, Attribute]:
        return self.definition.attributes_by_side[self.side]

    @property
    def host(self) -> EndpointHost:
        if self.endpoint is None:
            msg = f"{type(self).__name__} is not on an endpoint"
            raise RuntimeError(msg)
        return self.endpoint.host

    # --- attributes -------------------------------------------------------------------------

    def attribute(self, name_or_id: str | int) -> Attribute:
        if isinstance(name_or_id, int):
            found = self.attribute_table.get(name_or_id)
        else:
            found = next((a for a in self.attribute_table.values() if a.name == name_or_id), None)
        if found is None:
            msg = f"{self.definition.__name__} {self.side.name} has no attribute {name_or_id!r}"
            raise KeyError(msg)
        return found

    def get(self, name_or_id: str | int) -> Any:
        """An attribute's current value (None when this side does not implement it)."""
        return self.read_value(self.attribute(name_or_id))

    def set(self, name_or_id: str | int, value: Any) -> None:
        """Set an attribute locally (any access); reports go out if a peer asked for them."""
        attr = self.attribute(name_or_id)
        self.values[attr.id] = value
        config = self.reporting.get(attr.id)
        if config is not None:
            self._value_changed(config)

    def read_value(self, attr: Attribute) -> Any:
        """The value Read Attributes returns; override for computed attributes."""
        return self.values.get(attr.id)

    def check_write(self, attr: Attribute, value: Any) -> Status:
        """Whether a peer may write ``value``; override for cluster rules (ranges etc.)."""
        if attr.range is not None and isinstance(value, int):
            low, high = attr.range
            if not low <= value <= high:
                return Status.INVALID_VALUE
        return Status.SUCCESS

    def attribute_written(self, attr: Attribute, value: Any) -> None:
        """Called after a peer wrote an attribute (override to react)."""

    def on_report(self, incoming: Incoming, records: list[Any]) -> None:
        """A peer reported attributes of this cluster to us (override to use them)."""

    # --- sending ----------------------------------------------------------------------------

    def send_command(
        self,
        peer: Peer,
        command: str | Command,
        payload: Any = None,
        *,
        tsn: int | None = None,
        disable_default_response: bool = False,
        on_done: Callable[[DeliveryResult], None] | None = None,
        on_response: Callable[[ZclFrame | None], None] | None = None,
        timeout: float = RESPONSE_TIMEOUT,
        direction: Direction | None = None,
    ) -> int:
        """Send one of this side's commands (or a foundation command) to ``peer``; return the
        TSN. ``on_response`` gets the frame the peer answers with (same TSN, this cluster) or
        None when the send failed or nothing came within ``timeout`` after delivery."""
        endpoint = self.endpoint
        if endpoint is None:
            msg = f"{type(self).__name__} is not on an endpoint"
            raise RuntimeError(msg)
        outgoing = _S2C if self.side is Side.server else _C2S
        if isinstance(command, str):
            command = (
                self.definition.find_command(command, outgoing)
                if command not in _FOUNDATION_NAMES
                else _FOUNDATION_NAMES[command]
            )
        return endpoint.send(
            self,
            peer,
            command,
            payload,
            tsn=tsn,
            direction=direction or outgoing,
            disable_default_response=disable_default_response,
            on_done=on_done,
            on_response=on_response,
            timeout=timeout,
        )

    # --- reporting (we send) ----------------------------------------------------------------

    def _value_changed(self, config: ReportingConfig) -> None:
        value = self.read_value(self.attribute(config.attribute_id))
        if value is None or value == config.last_value:
            return
        if (
            config.change is not None
            and config.last_value is not None
            and isinstance(value, int | float)
            and abs(value - config.last_value) < config.change
        ):
            return
        self._report_soon(config)

    def _report_soon(self, config: ReportingConfig) -> None:
        clock = self.host.clock
        now = clock.now()
        due = now if config.last_sent is None else max(now, config.last_sent + config.minimum)
        if config.timer is not None and not config.timer.cancelled and config.timer.when <= due:
            return
        if config.timer is not None:
            config.timer.cancel()
        config.timer = clock.call_at(due, self._send_report, config)

    def _send_report(self, config: ReportingConfig) -> None:
        if self.reporting.get(config.attribute_id) is not config:
            return
        attr = self.attribute(config.attribute_id)
        value = self.read_value(attr)
        clock = self.host.clock
        config.timer = None
        if value is not None:
            config.last_value = value
            config.last_sent = clock.now()
            records = [{"attribute_id": attr.id, "data_type": attr.wire.type_id, "value": value}]
            for peer in config.destinations:
                self.send_command(
                    peer,
                    "report_attributes",
                    {"records": records},
                    disable_default_response=True,
                )
        if 0 < config.maximum < _REPORTING_OFF:
            config.timer = clock.call_later(config.maximum, self._send_report, config)


_FOUNDATION_NAMES: dict[str, Command] = {c.name: c for c in FOUNDATION.values()}


class _Pending:
    __slots__ = ("callback", "timer")

    def __init__(self, callback: Callable[[ZclFrame | None], None]) -> None:
        self.callback = callback
        self.timer: TimerHandle | None = None


class ZclEndpoint:
    """One of our application endpoints and the clusters on it."""

    def __init__(
        self,
        host: EndpointHost,
        endpoint_id: int,
        device_id: int,
        clusters: Iterable[LocalCluster],
        *,
        profile_id: int = SE_PROFILE,
        device_version: int = 0,
    ) -> None:
        self.host = host
        self.endpoint_id = endpoint_id
        self.device_id = device_id
        self.profile_id = profile_id
        self.device_version = device_version
        self.clusters: dict[tuple[int, Side], LocalCluster] = {}
        self._pending: dict[tuple[int, int, int], _Pending] = {}
        for cluster in clusters:
            self.add(cluster)

    def add(self, cluster: LocalCluster) -> None:
        key = (cluster.cluster_id, cluster.side)
        if key in self.clusters:
            name = f"{cluster.definition.__name__} {cluster.side.name}"
            msg = f"endpoint {self.endpoint_id} already has {name}"
            raise ValueError(msg)
        cluster.endpoint = self
        self.clusters[key] = cluster

    def cluster(self, cluster_id: int, side: Side) -> LocalCluster | None:
        return self.clusters.get((cluster_id, side))

    def descriptor(self) -> Endpoint:
        """The Simple Descriptor ZDO answers for this endpoint."""
        servers = sorted(cid for cid, side in self.clusters if side is Side.server)
        clients = sorted(cid for cid, side in self.clusters if side is Side.client)
        return Endpoint(
            self.endpoint_id,
            self.profile_id,
            self.device_id,
            self.device_version,
            input_clusters=tuple(servers),
            output_clusters=tuple(clients),
        )

    # --- sending ----------------------------------------------------------------------------

    def send(
        self,
        cluster: LocalCluster,
        peer: Peer,
        command: Command,
        payload: Any,
        *,
        tsn: int | None,
        direction: Direction,
        disable_default_response: bool,
        on_done: Callable[[DeliveryResult], None] | None,
        on_response: Callable[[ZclFrame | None], None] | None,
        timeout: float,
    ) -> int:
        host = self.host
        if tsn is None:
            tsn = host.next_tsn()
        header = ZclHeader.build(
            tsn=tsn,
            command_id=command.id,
            cluster_specific=command.cluster_id is not None,
            direction=direction,
            disable_default_response=disable_default_response,
        )
        if not isinstance(payload, command.schema.cls):
            side = cluster.side if command.attributes_of == "sender" else _other(cluster.side)
            context = cluster.definition.contexts[side]
            payload = command.schema.make({} if payload is None else payload, context)
        data = header.encode() + command.encode(payload)
        pending: _Pending | None = None
        if on_response is not None and peer.nwk is not None:
            key = (peer.nwk, cluster.cluster_id, tsn)
            pending = _Pending(on_response)
            previous = self._pending.pop(key, None)
            if previous is not None:
                self._finish(previous, None)
            self._pending[key] = pending
        packet = ApsPacket(
            profile_id=self.profile_id,
            cluster_id=cluster.cluster_id,
            src_ep=self.endpoint_id,
            dst_ep=peer.endpoint,
            payload=data,
            dst=peer.nwk,
            dst_ieee=peer.ieee if peer.nwk is None else None,
            aps_security=self._secured(cluster.cluster_id),
        )

        def done(result: DeliveryResult) -> None:
            if pending is not None and peer.nwk is not None:
                key = (peer.nwk, cluster.cluster_id, tsn)
                if self._pending.get(key) is pending:
                    if result.ok:
                        wait = timeout + host.response_margin
                        pending.timer = host.clock.call_later(wait, self._expire, key, pending)
                    else:
                        del self._pending[key]
                        self._finish(pending, None)
            if on_done is not None:
                on_done(result)

        host.send_packet(packet, done)
        return tsn

    def _expire(self, key: tuple[int, int, int], pending: _Pending) -> None:
        if self._pending.get(key) is pending:
            del self._pending[key]
            self._finish(pending, None)

    @staticmethod
    def _finish(pending: _Pending, frame: ZclFrame | None) -> None:
        if pending.timer is not None:
            pending.timer.cancel()
        pending.callback(frame)

    # --- receiving --------------------------------------------------------------------------

    def on_packet(self, packet: ApsPacket) -> None:
        """Handle one APS packet addressed to this endpoint (or broadcast to all)."""
        if packet.profile_id != self.profile_id:
            return
        if (
            not packet.aps_security
            and packet.dst_mode is DstMode.unicast
            and self._secured(packet.cluster_id)
        ):
            log.info("dropped an SE unicast on 0x%04x without APS encryption", packet.cluster_id)
            return  # se-spec §3.2: such a frame is dropped, unanswered
        data = packet.payload
        try:
            header, _ = decode_header(data)
        except DecodeError:
            return  # not even a header: nothing to answer with
        fc = header.frame_control
        direction = (fc >> 3) & 1
        side = Side.server if direction == _C2S else Side.client
        cluster = self.clusters.get((packet.cluster_id, side))
        if cluster is None and self.host.direction_bit_correction:
            other = self.clusters.get((packet.cluster_id, _other(side)))
            if other is not None:
                cluster = other
                data = bytes([data[0] ^ _FC_DIRECTION]) + data[1:]
                header, _ = decode_header(data)
        if cluster is None:
            self._default_response(packet, header, Status.UNSUPPORTED_CLUSTER)
            return
        try:
            frame = decode_frame(data, cluster.definition, profile=packet.profile_id)
        except DecodeError as exc:
            self._default_response(packet, header, Status(exc.status))
            return
        incoming = Incoming(packet, frame)
        if packet.src is not None:
            pending = self._pending.pop((packet.src, packet.cluster_id, header.tsn), None)
            if pending is not None:
                self._finish(pending, frame)
        try:
            status = self._dispatch(cluster, incoming)
        except ZclStatusError as exc:
            status = exc.status
        if status is not None:
            self._default_response(packet, header, status)

    def _dispatch(self, cluster: LocalCluster, incoming: Incoming) -> Status | None:
        header = incoming.frame.header
        fc = header.frame_control
        if fc & 0x03 == 0:
            if fc & _FC_MANUFACTURER:
                return Status.UNSUP_MANUF_GENERAL_COMMAND
            handler = _FOUNDATION_HANDLERS.get(header.command_id)
            if handler is None:
                if header.command_id in _RESPONSES:
                    return Status.SUCCESS
                return Status.UNSUP_GENERAL_COMMAND
            return handler(self, cluster, incoming)
        if fc & _FC_MANUFACTURER:
            return Status.UNSUP_MANUF_CLUSTER_COMMAND
        if fc & 0x03 != 1 or incoming.frame.command is None:
            return Status.UNSUP_CLUSTER_COMMAND
        cluster_handler = cluster.handlers.get(header.command_id)
        if cluster_handler is None:
            return Status.UNSUP_CLUSTER_COMMAND
        return cluster_handler(cluster, incoming)

    def _default_response(self, packet: ApsPacket, header: ZclHeader, status: Status) -> None:
        """Answer with a Default Response when ZCL §2.5.12.2 asks for one."""
        fc = header.frame_control
        if packet.dst_mode is not DstMode.unicast or packet.src is None:
            return
        if fc & 0x03 == 0 and header.command_id == _DEFAULT_RESPONSE:
            return
        if fc & _FC_DISABLE_DEFAULT_RESPONSE and status is Status.SUCCESS:
            return
        reply = ZclHeader.build(
            tsn=header.tsn,
            command_id=_DEFAULT_RESPONSE,
            cluster_specific=False,
            direction=1 - ((fc >> 3) & 1),
            manufacturer=header.manufacturer,
            disable_default_response=True,
        )
        self.reply(packet, reply.encode() + bytes([header.command_id, int(status)]))

    def reply(self, packet: ApsPacket, data: bytes) -> None:
        """Send ``data`` (a whole ZCL frame) back to the sender of ``packet``."""
        self.host.send_packet(
            ApsPacket(
                profile_id=self.profile_id,
                cluster_id=packet.cluster_id,
                src_ep=self.endpoint_id,
                dst_ep=packet.src_ep,
                payload=data,
                dst=packet.src,
                aps_security=self._secured(packet.cluster_id),
            )
        )

    def _secured(self, cluster_id: int) -> bool:
        """Whether a unicast on ``cluster_id`` goes (and must arrive) APS-encrypted."""
        return (
            self.host.aps_encryption
            and self.profile_id == SE_PROFILE
            and cluster_id in APS_SECURED_CLUSTERS
        )

    def respond(
        self, cluster: LocalCluster, incoming: Incoming, command: str | Command, payload: Any
    ) -> None:
        """Answer ``incoming`` with ``command`` (same TSN, opposite direction, to the sender)."""
        packet = incoming.packet
        if isinstance(command, str):
            command = _FOUNDATION_NAMES.get(command) or cluster.definition.find_command(
                command, _S2C if cluster.side is Side.server else _C2S
            )
        direction = 1 - ((incoming.frame.header.frame_control >> 3) & 1)
        if cluster.side is Side.server and direction != _S2C:
            direction = _S2C  # a corrected frame still gets a well-formed answer
        elif cluster.side is Side.client and direction != _C2S:
            direction = _C2S
        header = ZclHeader.build(
            tsn=incoming.tsn,
            command_id=command.id,
            cluster_specific=command.cluster_id is not None,
            direction=direction,
            disable_default_response=True,
        )
        if not isinstance(payload, command.schema.cls):
            side = cluster.side if command.attributes_of == "sender" else _other(cluster.side)
            payload = command.schema.make(payload, cluster.definition.contexts[side])
        try:
            data = header.encode() + command.encode(payload)
        except EncodeError:
            log.exception("cannot encode %s", command.name)
            raise ZclStatusError(Status.SOFTWARE_FAILURE) from None
        self.reply(packet, data)

    # --- the profile-wide commands ----------------------------------------------------------

    def _read_attributes(self, cluster: LocalCluster, incoming: Incoming) -> Status | None:
        records = []
        for attr_id in incoming.payload.attribute_ids:
            attr = cluster.attribute_table.get(attr_id)
            value = None if attr is None else cluster.read_value(attr)
            if attr is None or value is None or Access.read not in attr.access:
                records.append({"attribute_id": attr_id, "status": Status.UNSUPPORTED_ATTRIBUTE})
            else:
                records.append(
                    {
                        "attribute_id": attr_id,
                        "status": Status.SUCCESS,
                        "data_type": attr.wire.type_id,
                        "value": value,
                    }
                )
        # ZCL §2.5.2.3: a response that would not fit carries the records that do (in request
        # order); the requester reads the others in a second request
        command = _FOUNDATION_NAMES["read_attributes_response"]
        context = cluster.definition.contexts[cluster.side]
        response = command.schema.make({"records": records}, context)
        while len(records) > 1 and 3 + len(command.encode(response)) > MAX_ZCL_FRAME:
            records.pop()
            response = command.schema.make({"records": records}, context)
        self.respond(cluster, incoming, command, response)
        return None

    def _write_attributes(self, cluster: LocalCluster, incoming: Incoming) -> Status | None:
        command_id = incoming.frame.header.command_id
        undivided = command_id == 0x03
        silent = command_id == 0x05
        checked: list[tuple[Attribute | None, int, Any, Status]] = []
        for record in incoming.payload.records:
            attr = cluster.attribute_table.get(record.attribute_id)
            if attr is None or cluster.read_value(attr) is None:
                status = Status.UNSUPPORTED_ATTRIBUTE
            elif not attr.writable:
                status = Status.READ_ONLY
            elif int(record.data_type) != attr.wire.type_id:
                status = Status.INVALID_DATA_TYPE
            else:
                status = cluster.check_write(attr, record.value)
            checked.append((attr, record.attribute_id, record.value, status))
        failures = [(aid, st) for _a, aid, _v, st in checked if st is not Status.SUCCESS]
        if not (undivided and failures):
            for attr, _aid, value, status in checked:
                if attr is not None and status is Status.SUCCESS:
                    cluster.values[attr.id] = value
                    cluster.attribute_written(attr, value)
                    config = cluster.reporting.get(attr.id)
                    if config is not None:
                        cluster._value_changed(config)
        if silent:
            return None
        if failures:
            records: list[dict[str, Any]] = [
                {"status": st, "attribute_id": aid} for aid, st in failures
            ]
        else:
            records = [{"status": Status.SUCCESS}]
        self.respond(cluster, incoming, "write_attributes_response", {"records": records})
        return None

    def _configure_reporting(self, cluster: LocalCluster, incoming: Incoming) -> Status | None:
        failures: list[dict[str, Any]] = []
        peer = incoming.peer
        if peer.ieee is None:
            peer = Peer(peer.nwk, self.host.resolve_ieee(peer.nwk), peer.endpoint)
        for record in incoming.payload.records:
            attr = cluster.attribute_table.get(record.attribute_id)
            direction = int(record.direction)
            status = Status.SUCCESS
            if attr is None or cluster.read_value(attr) is None:
                status = Status.UNSUPPORTED_ATTRIBUTE
            elif direction == ReportingDirection.received:
                cluster.report_timeouts[attr.id] = record.timeout_period
            elif Access.report not in attr.access:
                status = Status.UNREPORTABLE_ATTRIBUTE
            elif int(record.data_type) != attr.wire.type_id:
                status = Status.INVALID_DATA_TYPE
            elif record.minimum_reporting_interval > record.maximum_reporting_interval > 0:
                status = Status.INVALID_VALUE
            else:
                self._set_reporting(cluster, attr, record, peer)
            if status is not Status.SUCCESS:
                failures.append(
                    {"status": status, "direction": direction, "attribute_id": record.attribute_id}
                )
        records = failures or [{"status": Status.SUCCESS}]
        self.respond(cluster, incoming, "configure_reporting_response", {"records": records})
        return None

    @staticmethod
    def _set_reporting(cluster: LocalCluster, attr: Attribute, record: Any, peer: Peer) -> None:
        old = cluster.reporting.pop(attr.id, None)
        if old is not None and old.timer is not None:
            old.timer.cancel()
        others = [] if old is None else [p for p in old.destinations if not _same_peer(p, peer)]
        if record.maximum_reporting_interval == _REPORTING_OFF:
            if old is not None and others:  # off for this peer only: the others keep theirs
                old.peer, old.others, old.timer = others[-1], others[:-1], None
                cluster.reporting[attr.id] = old
                if 0 < old.maximum < _REPORTING_OFF:
                    old.timer = cluster.host.clock.call_later(
                        old.maximum, cluster._send_report, old
                    )
            return
        config = ReportingConfig(
            attribute_id=attr.id,
            data_type=int(record.data_type),
            minimum=record.minimum_reporting_interval,
            maximum=record.maximum_reporting_interval,
            change=record.reportable_change if is_analog(int(record.data_type)) else None,
            peer=peer,
            others=others,
        )
        cluster.reporting[attr.id] = config
        cluster._report_soon(config)

    def _read_reporting_configuration(
        self, cluster: LocalCluster, incoming: Incoming
    ) -> Status | None:
        records: list[dict[str, Any]] = []
        for record in incoming.payload.records:
            direction = int(record.direction)
            attr = cluster.attribute_table.get(record.attribute_id)
            base = {"direction": direction, "attribute_id": record.attribute_id}
            if attr is None or cluster.read_value(attr) is None:
                records.append({"status": Status.UNSUPPORTED_ATTRIBUTE, **base})
            elif direction == ReportingDirection.received:
                timeout = cluster.report_timeouts.get(attr.id)
                if timeout is None:
                    records.append({"status": Status.NOT_FOUND, **base})
                else:
                    records.append({"status": Status.SUCCESS, **base, "timeout_period": timeout})
            elif Access.report not in attr.access:
                records.append({"status": Status.UNREPORTABLE_ATTRIBUTE, **base})
            else:
                config = cluster.reporting.get(attr.id)
                if config is None:
                    records.append({"status": Status.NOT_FOUND, **base})
                    continue
                entry = {
                    "status": Status.SUCCESS,
                    **base,
                    "data_type": config.data_type,
                    "minimum_reporting_interval": config.minimum,
                    "maximum_reporting_interval": config.maximum,
                }
                if config.change is not None:
                    entry["reportable_change"] = config.change
                records.append(entry)
        self.respond(
            cluster, incoming, "read_reporting_configuration_response", {"records": records}
        )
        return None

    def _discover_attributes(self, cluster: LocalCluster, incoming: Incoming) -> Status | None:
        start = incoming.payload.start_attribute_id
        most = incoming.payload.maximum_attribute_ids
        ids = sorted(
            a.id
            for a in cluster.attribute_table.values()
            if a.id >= start and cluster.read_value(a) is not None
        )
        chosen = ids[:most]
        records = [
            {"attribute_id": i, "data_type": cluster.attribute_table[i].wire.type_id}
            for i in chosen
        ]
        self.respond(
            cluster,
            incoming,
            "discover_attributes_response",
            {"discovery_complete": len(ids) <= most, "records": records},
        )
        return None

    def _report_attributes(self, cluster: LocalCluster, incoming: Incoming) -> Status | None:
        cluster.on_report(incoming, list(incoming.payload.records))
        return Status.SUCCESS

    def _default_response_received(
        self, cluster: LocalCluster, incoming: Incoming
    ) -> Status | None:
        return None  # never answered (and already handed to a waiting request)


def _other(side: Side) -> Side:
    return Side.client if side is Side.server else Side.server


_FoundationHandler = Callable[[ZclEndpoint, LocalCluster, Incoming], "Status | None"]
_FOUNDATION_HANDLERS: dict[int, _FoundationHandler] = {
    0x00: ZclEndpoint._read_attributes,
    0x02: ZclEndpoint._write_attributes,
    0x03: ZclEndpoint._write_attributes,
    0x05: ZclEndpoint._write_attributes,
    0x06: ZclEndpoint._configure_reporting,
    0x08: ZclEndpoint._read_reporting_configuration,
    _REPORT_ATTRIBUTES: ZclEndpoint._report_attributes,
    0x0C: ZclEndpoint._discover_attributes,
    _DEFAULT_RESPONSE: ZclEndpoint._default_response_received,
}
