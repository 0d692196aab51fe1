"""ZigBee PRO network layer frames and commands (spec 05-3474 §3.3–3.4).

Header: ``frame control (2) | dst (2) | src (2) | radius (1) | seq (1) | [dst IEEE (8)] |
[src IEEE (8)] | [multicast control (1)] | [source route: relay count (1), relay index (1), relays
(2 each)]``, then the auxiliary security header when the security bit is set (read it with
:func:`segateway.zigbee.auxiliary.decode_aux`), then the payload: application data or a command
(command identifier first).

Frame control: bits 0–1 frame type, 2–5 protocol version (2), 6–7 discover route, 8 multicast,
9 security, 10 source route, 11 destination IEEE address present, 12 source IEEE address present,
13 end device initiator.

Which optional fields a header has follows from the record: ``dst_ieee``/``src_ieee`` not ``None``,
``multicast_control`` not ``None`` (the multicast bit), ``relays`` not ``None`` (the source route
bit). Inter-PAN frames (SE) carry only a 2-byte stub frame control, :data:`INTER_PAN_STUB`.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from .errors import FrameError
from .mac import Capability

__all__ = [
    "BROADCAST_ALL",
    "BROADCAST_LOW_POWER_ROUTERS",
    "BROADCAST_ROUTERS",
    "BROADCAST_RX_ON_WHEN_IDLE",
    "INTER_PAN_STUB",
    "NWK_PROTOCOL_VERSION",
    "DiscoverRoute",
    "EndDeviceTimeoutRequest",
    "EndDeviceTimeoutResponse",
    "Leave",
    "LinkStatus",
    "LinkStatusEntry",
    "ManyToOne",
    "NetworkReport",
    "NetworkStatus",
    "NetworkUpdate",
    "NwkCommand",
    "NwkCommandId",
    "NwkFrameType",
    "NwkHeader",
    "NwkStatus",
    "RawNwkCommand",
    "RejoinRequest",
    "RejoinResponse",
    "RejoinStatus",
    "RouteRecord",
    "RouteReply",
    "RouteRequest",
    "decode_nwk_command",
    "decode_nwk_header",
]

NWK_PROTOCOL_VERSION = 2
BROADCAST_ALL = 0xFFFF
BROADCAST_RX_ON_WHEN_IDLE = 0xFFFD
BROADCAST_ROUTERS = 0xFFFC  # routers and the coordinator
BROADCAST_LOW_POWER_ROUTERS = 0xFFFB

INTER_PAN_STUB = b"\x0b\x00"
"""The NWK header of an inter-PAN frame: frame type 3, protocol version 2, nothing else."""


class NwkFrameType(enum.IntEnum):
    data = 0
    command = 1
    inter_pan = 3


class DiscoverRoute(enum.IntEnum):
    suppress = 0
    enable = 1


# ---------------------------------------------------------------------------- header

_BASE = struct.Struct("<HHHBB")
_U16 = struct.Struct("<H")
_U64 = struct.Struct("<Q")
_OPTIONAL_BITS = 0x1D00  # multicast, source route, dst IEEE, src IEEE
_new = tuple.__new__


class NwkHeader(NamedTuple):
    """A NWK header (protocol version 2 is implied)."""

    frame_type: int
    dst: int
    src: int
    radius: int
    seq: int
    discover_route: int = DiscoverRoute.suppress
    security: bool = False
    end_device_initiator: bool = False
    dst_ieee: int | None = None
    src_ieee: int | None = None
    multicast_control: int | None = None  # mode b0–1, non-member radius b2–4, max b5–7
    relays: tuple[int, ...] | None = None  # the source route, first relay first
    relay_index: int = 0  # index in ``relays`` of the next relay (0 without source route)

    @property
    def multicast(self) -> bool:
        return self.multicast_control is not None

    @property
    def source_route(self) -> bool:
        return self.relays is not None

    def frame_control(self) -> int:
        if self.frame_type not in (0, 1):  # data, command
            raise ValueError(f"NWK frame type {self.frame_type} has no NWK header of this form")
        if not 0 <= self.discover_route <= 3:
            raise ValueError("discover route is a 2-bit field")
        return (
            self.frame_type
            | (NWK_PROTOCOL_VERSION << 2)
            | (self.discover_route << 6)
            | (0x0100 if self.multicast_control is not None else 0)
            | (0x0200 if self.security else 0)
            | (0x0400 if self.relays is not None else 0)
            | (0x0800 if self.dst_ieee is not None else 0)
            | (0x1000 if self.src_ieee is not None else 0)
            | (0x2000 if self.end_device_initiator else 0)
        )

    def encode(self) -> bytes:
        """The header bytes (without the auxiliary header that follows when secured)."""
        fcf = self.frame_control()
        try:
            head = _BASE.pack(fcf, self.dst, self.src, self.radius, self.seq)
            if not fcf & _OPTIONAL_BITS:
                return head
            parts = [head]
            if self.dst_ieee is not None:
                parts.append(_U64.pack(self.dst_ieee))
            if self.src_ieee is not None:
                parts.append(_U64.pack(self.src_ieee))
            if self.multicast_control is not None:
                parts.append(bytes((self.multicast_control,)))
            if self.relays is not None:
                count = len(self.relays)
                parts.append(struct.pack(f"<BB{count}H", count, self.relay_index, *self.relays))
        except (struct.error, ValueError) as exc:
            raise ValueError(f"NWK header field out of range: {exc}") from exc
        return b"".join(parts)


def _check_frame_control(fcf: int) -> None:
    if fcf & 0x003C != NWK_PROTOCOL_VERSION << 2:
        raise FrameError(f"NWK protocol version {(fcf >> 2) & 0x0F}: not ZigBee PRO")
    if fcf & 0x03 == NwkFrameType.inter_pan:
        raise FrameError("inter-PAN stub NWK header: no NWK addressing to decode")
    if fcf & 0x03 == 2:
        raise FrameError("reserved NWK frame type 2")
    if fcf & 0xC000:
        # bits 14–15 are reserved (zero) in ZigBee PRO; a header we could not send back as
        # received is not decoded as if they were not there
        raise FrameError("NWK frame control: reserved bits 14–15 set")


def decode_nwk_header(data: bytes, offset: int = 0) -> tuple[NwkHeader, int]:
    """Decode the NWK header at ``offset``; returns it and the offset of what follows.

    When ``header.security`` is set an auxiliary security header follows (not decoded here).
    """
    if len(data) - offset < 8:
        if len(data) - offset >= 2:  # say what it is when that is why it is short (GP, inter-PAN)
            _check_frame_control(data[offset] | data[offset + 1] << 8)
        raise FrameError("NWK header truncated")
    fcf, dst, src, radius, seq = _BASE.unpack_from(data, offset)
    frame_type = fcf & 0x03
    if fcf & 0xC03C != 0x0008 or frame_type > 1:  # not version 2, reserved bits, not data/command
        _check_frame_control(fcf)
    if not fcf & _OPTIONAL_BITS:
        header = _new(
            NwkHeader,
            (
                frame_type,
                dst,
                src,
                radius,
                seq,
                (fcf >> 6) & 0x03,
                bool(fcf & 0x0200),
                bool(fcf & 0x2000),
                None,
                None,
                None,
                None,
                0,
            ),
        )
        return header, offset + 8
    end = offset + 8
    size = len(data)
    dst_ieee = src_ieee = multicast_control = None
    relays = None
    relay_index = 0
    if fcf & 0x0800:
        if size < end + 8:
            raise FrameError("NWK header truncated (destination IEEE address)")
        (dst_ieee,) = _U64.unpack_from(data, end)
        end += 8
    if fcf & 0x1000:
        if size < end + 8:
            raise FrameError("NWK header truncated (source IEEE address)")
        (src_ieee,) = _U64.unpack_from(data, end)
        end += 8
    if fcf & 0x0100:
        if size <= end:
            raise FrameError("NWK header truncated (multicast control)")
        multicast_control = data[end]
        end += 1
    if fcf & 0x0400:
        if size < end + 2:
            raise FrameError("NWK header truncated (source route)")
        count, relay_index = data[end], data[end + 1]
        end += 2
        if size < end + 2 * count:
            raise FrameError("NWK header truncated (relay list)")
        relays = struct.unpack_from(f"<{count}H", data, end)
        end += 2 * count
    header = _new(
        NwkHeader,
        (
            frame_type,
            dst,
            src,
            radius,
            seq,
            (fcf >> 6) & 0x03,
            bool(fcf & 0x0200),
            bool(fcf & 0x2000),
            dst_ieee,
            src_ieee,
            multicast_control,
            relays,
            relay_index,
        ),
    )
    return header, end


# ---------------------------------------------------------------------------- commands


class NwkCommandId(enum.IntEnum):
    route_request = 0x01
    route_reply = 0x02
    network_status = 0x03
    leave = 0x04
    route_record = 0x05
    rejoin_request = 0x06
    rejoin_response = 0x07
    link_status = 0x08
    network_report = 0x09
    network_update = 0x0A
    end_device_timeout_request = 0x0B
    end_device_timeout_response = 0x0C
    link_power_delta = 0x0D


class NwkStatus(enum.IntEnum):
    """Network Status command status codes (spec Table 3.42)."""

    no_route_available = 0x00
    tree_link_failure = 0x01
    non_tree_link_failure = 0x02
    low_battery_level = 0x03
    no_routing_capacity = 0x04
    no_indirect_capacity = 0x05
    indirect_transaction_expiry = 0x06
    target_device_unavailable = 0x07
    target_address_unallocated = 0x08
    parent_link_failure = 0x09
    validate_route = 0x0A
    source_route_failure = 0x0B
    many_to_one_route_failure = 0x0C
    address_conflict = 0x0D
    verify_addresses = 0x0E
    pan_identifier_update = 0x0F
    network_address_update = 0x10
    bad_frame_counter = 0x11
    bad_key_sequence_number = 0x12
    unknown_command = 0x13  # followed by the unknown command identifier


class ManyToOne(enum.IntEnum):
    """Route Request options bits 3–4."""

    not_many_to_one = 0
    route_record_table = 1  # the concentrator wants route records
    no_route_record_table = 2


class RejoinStatus(enum.IntEnum):
    success = 0x00
    pan_at_capacity = 0x01
    pan_access_denied = 0x02


def _pack(fmt: struct.Struct | str, *values: int) -> bytes:
    try:
        return struct.pack(fmt, *values) if isinstance(fmt, str) else fmt.pack(*values)
    except struct.error as exc:
        raise ValueError(f"NWK command field out of range: {exc}") from exc


def _need(data: bytes, size: int, what: str) -> None:
    if len(data) < size:
        raise FrameError(f"NWK {what} command truncated")


def _ieee(value: int | None) -> bytes:
    return b"" if value is None else _pack(_U64, value)


_ROUTE_REQUEST = struct.Struct("<BBBHB")


@dataclass(frozen=True, slots=True)
class RouteRequest:
    request_id: int
    dst: int
    path_cost: int = 0
    many_to_one: int = ManyToOne.not_many_to_one
    dst_ieee: int | None = None
    multicast: bool = False
    command_id: ClassVar[int] = NwkCommandId.route_request

    def encode(self) -> bytes:
        if not 0 <= self.many_to_one <= 3:
            raise ValueError("many-to-one is a 2-bit field")
        options = (
            (self.many_to_one << 3)
            | (0x20 if self.dst_ieee is not None else 0)
            | (0x40 if self.multicast else 0)
        )
        head = _pack(
            _ROUTE_REQUEST, self.command_id, options, self.request_id, self.dst, self.path_cost
        )
        return head + _ieee(self.dst_ieee)


def _decode_route_request(data: bytes) -> RouteRequest:
    _need(data, _ROUTE_REQUEST.size, "Route Request")
    _, options, request_id, dst, cost = _ROUTE_REQUEST.unpack_from(data)
    dst_ieee = None
    if options & 0x20:
        _need(data, _ROUTE_REQUEST.size + 8, "Route Request")
        (dst_ieee,) = _U64.unpack_from(data, _ROUTE_REQUEST.size)
    many_to_one = (options >> 3) & 0x03
    return RouteRequest(request_id, dst, cost, many_to_one, dst_ieee, bool(options & 0x40))


_ROUTE_REPLY = struct.Struct("<BBBHHB")


@dataclass(frozen=True, slots=True)
class RouteReply:
    request_id: int
    originator: int
    responder: int
    path_cost: int
    originator_ieee: int | None = None
    responder_ieee: int | None = None
    multicast: bool = False
    command_id: ClassVar[int] = NwkCommandId.route_reply

    def encode(self) -> bytes:
        options = (
            (0x10 if self.originator_ieee is not None else 0)
            | (0x20 if self.responder_ieee is not None else 0)
            | (0x40 if self.multicast else 0)
        )
        head = _pack(
            _ROUTE_REPLY,
            self.command_id,
            options,
            self.request_id,
            self.originator,
            self.responder,
            self.path_cost,
        )
        return head + _ieee(self.originator_ieee) + _ieee(self.responder_ieee)


def _decode_route_reply(data: bytes) -> RouteReply:
    _need(data, _ROUTE_REPLY.size, "Route Reply")
    _, options, request_id, originator, responder, cost = _ROUTE_REPLY.unpack_from(data)
    end = _ROUTE_REPLY.size
    originator_ieee = responder_ieee = None
    if options & 0x10:
        _need(data, end + 8, "Route Reply")
        (originator_ieee,) = _U64.unpack_from(data, end)
        end += 8
    if options & 0x20:
        _need(data, end + 8, "Route Reply")
        (responder_ieee,) = _U64.unpack_from(data, end)
    multicast = bool(options & 0x40)
    return RouteReply(
        request_id, originator, responder, cost, originator_ieee, responder_ieee, multicast
    )


_NETWORK_STATUS = struct.Struct("<BBH")


@dataclass(frozen=True, slots=True)
class NetworkStatus:
    """``unknown_command_id`` is present exactly with status ``NwkStatus.unknown_command``."""

    status: int
    dst: int
    unknown_command_id: int | None = None
    command_id: ClassVar[int] = NwkCommandId.network_status

    def encode(self) -> bytes:
        if (self.unknown_command_id is not None) != (self.status == NwkStatus.unknown_command):
            raise ValueError("unknown_command_id goes with status unknown_command, and only there")
        head = _pack(_NETWORK_STATUS, self.command_id, self.status, self.dst)
        if self.unknown_command_id is None:
            return head
        return head + _pack("<B", self.unknown_command_id)


def _decode_network_status(data: bytes) -> NetworkStatus:
    _need(data, _NETWORK_STATUS.size, "Network Status")
    _, status, dst = _NETWORK_STATUS.unpack_from(data)
    if status != NwkStatus.unknown_command:
        return NetworkStatus(status, dst)
    _need(data, _NETWORK_STATUS.size + 1, "Network Status")
    return NetworkStatus(status, dst, data[_NETWORK_STATUS.size])


@dataclass(frozen=True, slots=True)
class Leave:
    """Options: bit 5 rejoin, bit 6 request (a parent asks a child to leave), 7 remove children."""

    rejoin: bool = False
    request: bool = False
    remove_children: bool = False
    command_id: ClassVar[int] = NwkCommandId.leave

    def encode(self) -> bytes:
        options = (
            (0x20 if self.rejoin else 0)
            | (0x40 if self.request else 0)
            | (0x80 if self.remove_children else 0)
        )
        return bytes((self.command_id, options))


def _decode_leave(data: bytes) -> Leave:
    _need(data, 2, "Leave")
    options = data[1]
    return Leave(bool(options & 0x20), bool(options & 0x40), bool(options & 0x80))


@dataclass(frozen=True, slots=True)
class RouteRecord:
    relays: tuple[int, ...] = ()  # the relays the frame passed, in order
    command_id: ClassVar[int] = NwkCommandId.route_record

    def encode(self) -> bytes:
        return _pack(f"<BB{len(self.relays)}H", self.command_id, len(self.relays), *self.relays)


def _decode_route_record(data: bytes) -> RouteRecord:
    _need(data, 2, "Route Record")
    count = data[1]
    _need(data, 2 + 2 * count, "Route Record")
    return RouteRecord(struct.unpack_from(f"<{count}H", data, 2))


@dataclass(frozen=True, slots=True)
class RejoinRequest:
    capability: Capability
    command_id: ClassVar[int] = NwkCommandId.rejoin_request

    def encode(self) -> bytes:
        return bytes((self.command_id, self.capability.to_byte()))


def _decode_rejoin_request(data: bytes) -> RejoinRequest:
    _need(data, 2, "Rejoin Request")
    return RejoinRequest(Capability.from_byte(data[1]))


_REJOIN_RESPONSE = struct.Struct("<BHB")


@dataclass(frozen=True, slots=True)
class RejoinResponse:
    short_address: int
    status: int = RejoinStatus.success
    command_id: ClassVar[int] = NwkCommandId.rejoin_response

    def encode(self) -> bytes:
        return _pack(_REJOIN_RESPONSE, self.command_id, self.short_address, self.status)


def _decode_rejoin_response(data: bytes) -> RejoinResponse:
    _need(data, _REJOIN_RESPONSE.size, "Rejoin Response")
    _, short_address, status = _REJOIN_RESPONSE.unpack_from(data)
    return RejoinResponse(short_address, status)


class LinkStatusEntry(NamedTuple):
    """A neighbor's address with the link costs (1–7, 0 = unknown) seen from the sender."""

    address: int
    incoming_cost: int
    outgoing_cost: int


_LINK_ENTRY = struct.Struct("<HB")


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """Options: bits 0–4 entry count, bit 5 first frame, bit 6 last frame."""

    entries: tuple[LinkStatusEntry, ...] = ()
    first_frame: bool = True
    last_frame: bool = True
    command_id: ClassVar[int] = NwkCommandId.link_status

    def encode(self) -> bytes:
        if len(self.entries) > 31:
            raise ValueError("a Link Status frame carries at most 31 entries")
        options = (
            len(self.entries) | (0x20 if self.first_frame else 0) | (0x40 if self.last_frame else 0)
        )
        out = bytearray((self.command_id, options))
        for entry in self.entries:
            if not (0 <= entry.incoming_cost <= 7 and 0 <= entry.outgoing_cost <= 7):
                raise ValueError("link costs are 3-bit fields")
            out += _pack(
                _LINK_ENTRY, entry.address, entry.incoming_cost | (entry.outgoing_cost << 4)
            )
        return bytes(out)


def _decode_link_status(data: bytes) -> LinkStatus:
    _need(data, 2, "Link Status")
    options = data[1]
    count = options & 0x1F
    _need(data, 2 + 3 * count, "Link Status")
    entries = []
    for offset in range(2, 2 + 3 * count, 3):
        address, costs = _LINK_ENTRY.unpack_from(data, offset)
        entries.append(LinkStatusEntry(address, costs & 0x07, (costs >> 4) & 0x07))
    return LinkStatus(tuple(entries), bool(options & 0x20), bool(options & 0x40))


_REPORT_HEAD = struct.Struct("<BBQ")


@dataclass(frozen=True, slots=True)
class NetworkReport:
    """Report type 0 (PAN identifier conflict): the PAN ids heard in the neighborhood."""

    extended_pan_id: int
    pan_ids: tuple[int, ...] = ()
    command_id: ClassVar[int] = NwkCommandId.network_report

    def encode(self) -> bytes:
        if len(self.pan_ids) > 31:
            raise ValueError("a Network Report carries at most 31 PAN ids")
        head = _pack(_REPORT_HEAD, self.command_id, len(self.pan_ids), self.extended_pan_id)
        return head + _pack(f"<{len(self.pan_ids)}H", *self.pan_ids)


_UPDATE = struct.Struct("<BBQBH")


@dataclass(frozen=True, slots=True)
class NetworkUpdate:
    """Update type 0 (PAN identifier update) with its single update record, the new PAN id."""

    extended_pan_id: int
    update_id: int
    new_pan_id: int
    command_id: ClassVar[int] = NwkCommandId.network_update

    def encode(self) -> bytes:
        return _pack(
            _UPDATE, self.command_id, 1, self.extended_pan_id, self.update_id, self.new_pan_id
        )


@dataclass(frozen=True, slots=True)
class EndDeviceTimeoutRequest:
    """``timeout`` is the enumeration 0–14: 10 s, then 2**timeout minutes."""

    timeout: int
    configuration: int = 0
    command_id: ClassVar[int] = NwkCommandId.end_device_timeout_request

    def encode(self) -> bytes:
        return _pack("<BBB", self.command_id, self.timeout, self.configuration)


def _decode_timeout_request(data: bytes) -> EndDeviceTimeoutRequest:
    _need(data, 3, "End Device Timeout Request")
    return EndDeviceTimeoutRequest(data[1], data[2])


@dataclass(frozen=True, slots=True)
class EndDeviceTimeoutResponse:
    """Status 0 success, 1 incorrect value; parent information bits 0–2 as booleans."""

    status: int = 0
    mac_data_poll_keepalive: bool = False
    timeout_request_keepalive: bool = False
    power_negotiation: bool = False
    command_id: ClassVar[int] = NwkCommandId.end_device_timeout_response

    def encode(self) -> bytes:
        info = (
            (0x01 if self.mac_data_poll_keepalive else 0)
            | (0x02 if self.timeout_request_keepalive else 0)
            | (0x04 if self.power_negotiation else 0)
        )
        return _pack("<BBB", self.command_id, self.status, info)


def _decode_timeout_response(data: bytes) -> EndDeviceTimeoutResponse:
    _need(data, 3, "End Device Timeout Response")
    info = data[2]
    return EndDeviceTimeoutResponse(data[1], bool(info & 1), bool(info & 2), bool(info & 4))


@dataclass(frozen=True, slots=True)
class RawNwkCommand:
    """A command this module does not interpret (Link Power Delta, other report/update types)."""

    command_id: int
    data: bytes = b""

    def encode(self) -> bytes:
        return _pack("<B", self.command_id) + self.data


NwkCommand = (
    RouteRequest
    | RouteReply
    | NetworkStatus
    | Leave
    | RouteRecord
    | RejoinRequest
    | RejoinResponse
    | LinkStatus
    | NetworkReport
    | NetworkUpdate
    | EndDeviceTimeoutRequest
    | EndDeviceTimeoutResponse
    | RawNwkCommand
)


def _decode_report_or_update(data: bytes) -> NwkCommand:
    _need(data, _REPORT_HEAD.size, "Network Report/Update")
    command_id, options, epid = _REPORT_HEAD.unpack_from(data)
    count, kind = options & 0x1F, options >> 5
    if kind != 0:  # a report/update type the spec does not define: keep the bytes
        return RawNwkCommand(command_id, data[1:])
    if command_id == NwkCommandId.network_report:
        _need(data, _REPORT_HEAD.size + 2 * count, "Network Report")
        return NetworkReport(epid, struct.unpack_from(f"<{count}H", data, _REPORT_HEAD.size))
    if count != 1:
        return RawNwkCommand(command_id, data[1:])
    _need(data, _UPDATE.size, "Network Update")
    _, _, _, update_id, new_pan_id = _UPDATE.unpack_from(data)
    return NetworkUpdate(epid, update_id, new_pan_id)


_DECODERS: dict[int, Callable[[bytes], NwkCommand]] = {
    NwkCommandId.route_request: _decode_route_request,
    NwkCommandId.route_reply: _decode_route_reply,
    NwkCommandId.network_status: _decode_network_status,
    NwkCommandId.leave: _decode_leave,
    NwkCommandId.route_record: _decode_route_record,
    NwkCommandId.rejoin_request: _decode_rejoin_request,
    NwkCommandId.rejoin_response: _decode_rejoin_response,
    NwkCommandId.link_status: _decode_link_status,
    NwkCommandId.network_report: _decode_report_or_update,
    NwkCommandId.network_update: _decode_report_or_update,
    NwkCommandId.end_device_timeout_request: _decode_timeout_request,
    NwkCommandId.end_device_timeout_response: _decode_timeout_response,
}


def decode_nwk_command(payload: bytes) -> NwkCommand:
    """Decode a NWK command payload (command identifier first).

    Bytes after the fields a command defines are ignored (later revisions append fields and TLVs);
    commands this module does not interpret come back as :class:`RawNwkCommand`.
    """
    if not payload:
        raise FrameError("NWK command payload is empty")
    decoder = _DECODERS.get(payload[0])
    if decoder is None:
        return RawNwkCommand(payload[0], payload[1:])
    return decoder(payload)
