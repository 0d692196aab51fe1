"""IEEE 802.15.4-2006 MAC frames as ZigBee PRO uses them (no MAC security, 2003/2006 versions).

An MPDU on the air is ``frame control (2) | sequence (1) | addressing (0–20) | payload | FCS (2)``.

Frame control (little-endian): bits 0–2 frame type, 3 security enabled, 4 frame pending, 5 ack
request, 6 PAN ID compression, 10–11 destination addressing mode, 12–13 frame version, 14–15 source
addressing mode. Addressing: destination PAN and address when the destination mode is not NONE,
then the source PAN (omitted under PAN ID compression, when it equals the destination PAN) and
address when the source mode is not NONE. Addresses are little-endian: a short address is an
``int`` 0–0xFFFF, an extended (IEEE) address a 64-bit ``int``.

The FCS is the ITU-T CRC-16 in its reflected form (CRC-16/KERMIT: polynomial 0x1021 processed LSB
first, initial value 0, no final XOR), appended little-endian.

:class:`MacFrame` keeps the payload of beacon and command frames as bytes; :func:`decode_beacon`,
:func:`decode_zigbee_beacon` and :func:`decode_mac_command` read them.
"""

from __future__ import annotations

import binascii
import enum
import struct
from dataclasses import dataclass
from typing import ClassVar, NamedTuple, NoReturn

from .errors import FrameError

__all__ = [
    "ADDR_EXTENDED",
    "ADDR_NONE",
    "ADDR_SHORT",
    "BROADCAST_ADDRESS",
    "BROADCAST_PAN",
    "FRAME_ACK",
    "FRAME_BEACON",
    "FRAME_COMMAND",
    "FRAME_DATA",
    "AddrMode",
    "AssociationRequest",
    "AssociationResponse",
    "AssociationStatus",
    "Beacon",
    "BeaconRequest",
    "Capability",
    "CoordinatorRealignment",
    "DataRequest",
    "Disassociation",
    "GtsDescriptor",
    "MacCommand",
    "MacCommandId",
    "MacFrame",
    "MacFrameType",
    "OrphanNotification",
    "RawMacCommand",
    "ZigbeeBeacon",
    "ack_frame",
    "association_request_frame",
    "association_response_frame",
    "beacon_frame",
    "beacon_request_frame",
    "broadcast_frame",
    "data_frame",
    "data_request_frame",
    "decode_beacon",
    "decode_mac",
    "decode_mac_command",
    "decode_zigbee_beacon",
    "fcs",
    "peek_destination",
]

BROADCAST_PAN = 0xFFFF
BROADCAST_ADDRESS = 0xFFFF
"""Short broadcast address: every device on the channel (with the broadcast PAN, every PAN)."""


class MacFrameType(enum.IntEnum):
    beacon = 0
    data = 1
    ack = 2
    command = 3


class AddrMode(enum.IntEnum):
    none = 0
    short = 2
    extended = 3


# The same values as plain ints: cheaper than enum members where every frame passes.
FRAME_BEACON = 0
FRAME_DATA = 1
FRAME_ACK = 2
FRAME_COMMAND = 3
ADDR_NONE = 0
ADDR_SHORT = 2
ADDR_EXTENDED = 3


class MacCommandId(enum.IntEnum):
    association_request = 0x01
    association_response = 0x02
    disassociation_notification = 0x03
    data_request = 0x04
    pan_id_conflict = 0x05
    orphan_notification = 0x06
    beacon_request = 0x07
    coordinator_realignment = 0x08
    gts_request = 0x09


class AssociationStatus(enum.IntEnum):
    success = 0x00
    pan_at_capacity = 0x01
    pan_access_denied = 0x02


# ---------------------------------------------------------------------------- FCS

# CRC-16/KERMIT is CRC-16/XMODEM (binascii.crc_hqx: same polynomial, MSB first) seen through a
# mirror: reverse the bits of every input byte, run the MSB-first CRC, reverse the 16-bit result.
# Both steps are table lookups done in C (bytes.translate, crc_hqx): ten times faster than a
# Python loop over a 256-entry table.
_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def fcs(data: bytes) -> int:
    """The 802.15.4 frame check sequence of ``data`` (the MHR and payload)."""
    crc = binascii.crc_hqx(data.translate(_REVERSED), 0)
    return _REVERSED[crc >> 8] | (_REVERSED[crc & 0xFF] << 8)


# ---------------------------------------------------------------------------- frames

_FCS = struct.Struct("<H")
_FCF_SEQ = struct.Struct("<HB")
_SHORT_SHORT = struct.Struct("<HBHHH")  # the usual ZigBee data frame: intra-PAN, short → short
_ADDR_FORMAT = {AddrMode.short: "H", AddrMode.extended: "Q"}
_HOT_FCF = (0x8841, 0x8861)  # data, short → short, PAN ID compression; without/with ack request
_new = tuple.__new__


class MacFrame(NamedTuple):
    """One MPDU. ``dst_pan``/``dst`` and ``src_pan``/``src`` are ``None`` when their mode is NONE.

    Under PAN ID compression the source PAN is not sent; ``src_pan`` then holds the destination PAN,
    which is what the source PAN is.
    """

    frame_type: int
    seq: int
    dst_pan: int | None
    dst: int | None
    dst_mode: int
    src_pan: int | None
    src: int | None
    src_mode: int
    payload: bytes = b""
    ack_request: bool = False
    frame_pending: bool = False
    pan_id_compression: bool = False
    frame_version: int = 0

    def encode(self) -> bytes:
        """The MPDU including its FCS. Raises ``ValueError`` for an inconsistent record."""
        if (self.frame_type | self.dst_mode | self.src_mode | self.frame_version) & ~0x03:
            raise ValueError("frame type, addressing modes and frame version are 0–3")
        fcf = (
            self.frame_type
            | (0x10 if self.frame_pending else 0)
            | (0x20 if self.ack_request else 0)
            | (0x40 if self.pan_id_compression else 0)
            | (self.dst_mode << 10)
            | (self.frame_version << 12)
            | (self.src_mode << 14)
        )
        if fcf in _HOT_FCF:  # the hot path: intra-PAN short → short
            if self.src_pan != self.dst_pan or self.dst is None or self.src is None:
                _inconsistent(self)
            try:
                body = _SHORT_SHORT.pack(fcf, self.seq, self.dst_pan, self.dst, self.src)
            except struct.error as exc:
                raise ValueError(f"MAC field out of range: {exc}") from exc
            body += self.payload
            return body + _FCS.pack(fcs(body))
        layout = _layout(fcf)
        if isinstance(layout, str):
            raise ValueError(layout)  # noqa: TRY004 - the refusal text of a frame control, no type check
        header, size, _, _, _, _ = layout
        if size == 3 and self.payload:
            raise ValueError("a MAC acknowledgment has no payload")
        values: list[int] = [fcf, self.seq]
        if self.dst_mode:
            if self.dst_pan is None or self.dst is None:
                _inconsistent(self)
            values += (self.dst_pan, self.dst)
        elif self.dst_pan is not None or self.dst is not None:
            _inconsistent(self)
        if self.src_mode:
            if self.src_pan is None or self.src is None:
                _inconsistent(self)
            if self.pan_id_compression:
                if self.src_pan != self.dst_pan:
                    _inconsistent(self)
            else:
                values.append(self.src_pan)
            values.append(self.src)
        elif self.src_pan is not None or self.src is not None:
            _inconsistent(self)
        try:
            body = header.pack(*values) + self.payload
        except struct.error as exc:
            raise ValueError(f"MAC field out of range: {exc}") from exc
        return body + _FCS.pack(fcs(body))


def _inconsistent(frame: MacFrame) -> NoReturn:
    msg = (
        "MAC addressing does not match its modes (a PAN and an address exactly when the mode is "
        f"not NONE; src_pan == dst_pan under PAN ID compression): {frame!r}"
    )
    raise ValueError(msg)


# A layout: (header struct, header length, index of dst PAN, dst, src PAN, src in the unpacked
# values, -1 for "absent"), or the reason the frame control is refused.
_Layout = tuple[struct.Struct, int, int, int, int, int]
_LAYOUT_BITS = 0xFC4F  # frame type, security, PAN ID compression, modes, version
_LAYOUTS: dict[int, _Layout | str] = {}


def _layout(fcf: int) -> _Layout | str:
    key = fcf & _LAYOUT_BITS
    found = _LAYOUTS.get(key)
    if found is None:
        found = _LAYOUTS[key] = _compute_layout(key)
    return found


def _compute_layout(fcf: int) -> _Layout | str:
    frame_type = fcf & 0x07
    dst_mode = (fcf >> 10) & 0x03
    src_mode = (fcf >> 14) & 0x03
    version = (fcf >> 12) & 0x03
    compression = bool(fcf & 0x40)
    problem = None
    if frame_type > MacFrameType.command:
        problem = f"reserved MAC frame type {frame_type}"
    elif fcf & 0x08:
        problem = "MAC security enabled: ZigBee PRO never secures at the MAC layer"
    elif version > 1:
        problem = f"MAC frame version {version}: only 802.15.4-2003/2006 frames are understood"
    elif dst_mode == 1 or src_mode == 1:
        problem = "reserved MAC addressing mode 1"
    elif frame_type == MacFrameType.ack and (dst_mode or src_mode):
        problem = "a MAC acknowledgment carries no addresses"
    elif frame_type == MacFrameType.beacon and (dst_mode or not src_mode):
        problem = "a beacon has a source address and no destination"
    elif frame_type != MacFrameType.ack and not (dst_mode or src_mode):
        problem = "a MAC data or command frame needs at least one address"
    elif compression and not (dst_mode and src_mode):
        problem = "PAN ID compression without both addresses"
    if problem is not None:
        return problem
    fmt = "<HB"
    index = 2
    dst_pan = dst = src_pan = src = -1
    if dst_mode:
        fmt += "H" + _ADDR_FORMAT[AddrMode(dst_mode)]
        dst_pan, dst = index, index + 1
        index += 2
    if src_mode:
        if compression:
            src_pan = dst_pan
        else:
            fmt += "H"
            src_pan = index
            index += 1
        fmt += _ADDR_FORMAT[AddrMode(src_mode)]
        src = index
    header = struct.Struct(fmt)
    return header, header.size, dst_pan, dst, src_pan, src


def decode_mac(data: bytes, *, has_fcs: bool = True) -> MacFrame:
    """Decode an MPDU; checks and strips the FCS unless ``has_fcs`` is false.

    ``has_fcs=False`` is for radios and sniffers that hand over frames without the FCS or with
    their own metadata in its place (strip that first).
    """
    end = len(data)
    if has_fcs:
        end -= 2
        if end < 3:
            raise FrameError("MAC frame truncated")
        if fcs(data):  # the CRC over a frame and its own FCS leaves residue 0
            raise FrameError("MAC frame check sequence mismatch")
    elif end < 3:
        raise FrameError("MAC frame truncated")
    fcf = data[0] | (data[1] << 8)
    if fcf in _HOT_FCF:  # the hot path: intra-PAN short → short
        if end < 9:
            raise FrameError("MAC header truncated")
        _, seq, pan, dst, src = _SHORT_SHORT.unpack_from(data)
        return _new(
            MacFrame,
            (1, seq, pan, dst, 2, pan, src, 2, data[9:end], fcf == 0x8861, False, True, 0),
        )
    layout = _LAYOUTS.get(fcf & _LAYOUT_BITS) or _layout(fcf)
    if isinstance(layout, str):
        raise FrameError(layout)
    header, size, i_dst_pan, i_dst, i_src_pan, i_src = layout
    if end < size:
        raise FrameError("MAC header truncated")
    if size == 3 and end != 3:  # only the acknowledgment has a 3-byte header
        raise FrameError("a MAC acknowledgment has no payload")
    values = (*header.unpack_from(data), None)  # index -1 reads None: "absent"
    return _new(
        MacFrame,
        (
            fcf & 0x07,
            values[1],
            values[i_dst_pan],
            values[i_dst],
            (fcf >> 10) & 0x03,
            values[i_src_pan],
            values[i_src],
            fcf >> 14,
            data[size:end],
            bool(fcf & 0x20),
            bool(fcf & 0x10),
            bool(fcf & 0x40),
            (fcf >> 12) & 0x03,
        ),
    )


_PEEK_SHORT = struct.Struct("<HBHH")
_PEEK_EXTENDED = struct.Struct("<HBHQ")


def peek_destination(data: bytes) -> tuple[int, bool, int, int | None, int | None]:
    """``(frame_type, ack_request, seq, dst_pan, dst)`` without checking the FCS or anything else.

    For receivers that drop most frames on their destination before paying for a full decode.
    ``dst_pan`` and ``dst`` are ``None`` when the frame has no destination address.
    """
    try:
        fcf = data[0] | (data[1] << 8)
        mode = (fcf >> 10) & 0x03
        if mode == ADDR_SHORT:
            _, seq, pan, dst = _PEEK_SHORT.unpack_from(data)
            return fcf & 0x07, bool(fcf & 0x20), seq, pan, dst
        if mode == ADDR_EXTENDED:
            _, seq, pan, dst = _PEEK_EXTENDED.unpack_from(data)
            return fcf & 0x07, bool(fcf & 0x20), seq, pan, dst
        return fcf & 0x07, bool(fcf & 0x20), data[2], None, None
    except (IndexError, struct.error) as exc:
        raise FrameError("MAC header truncated") from exc


# ---------------------------------------------------------------------------- constructors


def data_frame(
    seq: int,
    pan: int,
    dst: int,
    src: int,
    payload: bytes,
    *,
    ack_request: bool | None = None,
    frame_pending: bool = False,
) -> MacFrame:
    """An intra-PAN data frame between short addresses (acknowledged unless broadcast)."""
    if ack_request is None:
        ack_request = dst != BROADCAST_ADDRESS
    return MacFrame(
        FRAME_DATA,
        seq,
        pan,
        dst,
        ADDR_SHORT,
        pan,
        src,
        ADDR_SHORT,
        payload,
        ack_request=ack_request,
        frame_pending=frame_pending,
        pan_id_compression=True,
    )


def broadcast_frame(seq: int, pan: int, src: int, payload: bytes) -> MacFrame:
    """A data frame to every device of the PAN in range (never acknowledged)."""
    return data_frame(seq, pan, BROADCAST_ADDRESS, src, payload, ack_request=False)


def ack_frame(seq: int, frame_pending: bool = False) -> MacFrame:
    """The acknowledgment of frame ``seq``: 5 bytes on the air with its FCS."""
    return MacFrame(
        FRAME_ACK,
        seq,
        None,
        None,
        ADDR_NONE,
        None,
        None,
        ADDR_NONE,
        frame_pending=frame_pending,
    )


def beacon_request_frame(seq: int) -> MacFrame:
    """The Beacon Request command, broadcast to every PAN, with no source address."""
    return MacFrame(
        FRAME_COMMAND,
        seq,
        BROADCAST_PAN,
        BROADCAST_ADDRESS,
        ADDR_SHORT,
        None,
        None,
        ADDR_NONE,
        BeaconRequest().encode(),
    )


def beacon_frame(seq: int, pan: int, src: int, beacon: Beacon) -> MacFrame:
    """A beacon from short address ``src``; ``beacon.payload`` is normally a ZigbeeBeacon."""
    return MacFrame(
        FRAME_BEACON,
        seq,
        None,
        None,
        ADDR_NONE,
        pan,
        src,
        ADDR_SHORT,
        beacon.encode(),
    )


def association_request_frame(
    seq: int, pan: int, coordinator: int, ieee: int, capability: Capability
) -> MacFrame:
    """Association Request from ``ieee`` (source PAN = broadcast PAN) to a short coordinator."""
    return MacFrame(
        FRAME_COMMAND,
        seq,
        pan,
        coordinator,
        ADDR_SHORT,
        BROADCAST_PAN,
        ieee,
        ADDR_EXTENDED,
        AssociationRequest(capability).encode(),
        ack_request=True,
    )


def association_response_frame(  # noqa: PLR0917 - the response's fields, in frame order
    seq: int,
    pan: int,
    dst_ieee: int,
    src_ieee: int,
    short_address: int,
    status: int = AssociationStatus.success,
) -> MacFrame:
    """Association Response, extended address to extended address within the PAN."""
    return MacFrame(
        FRAME_COMMAND,
        seq,
        pan,
        dst_ieee,
        ADDR_EXTENDED,
        pan,
        src_ieee,
        ADDR_EXTENDED,
        AssociationResponse(short_address, status).encode(),
        ack_request=True,
        pan_id_compression=True,
    )


def data_request_frame(
    seq: int, pan: int, dst: int, src: int, *, src_mode: int = ADDR_SHORT
) -> MacFrame:
    """Data Request (poll) from an end device to its short-addressed parent.

    ``src_mode`` is ``AddrMode.extended`` while the device has no short address yet.
    """
    return MacFrame(
        FRAME_COMMAND,
        seq,
        pan,
        dst,
        ADDR_SHORT,
        pan,
        src,
        src_mode,
        DataRequest().encode(),
        ack_request=True,
        pan_id_compression=True,
    )


# ---------------------------------------------------------------------------- capability


class Capability(NamedTuple):
    """CapabilityInformation, also sent in the NWK Rejoin Request and the ZDO Device_annce.

    bit 0 alternate PAN coordinator, 1 device type (1 = FFD, a router), 2 power source (1 = mains),
    3 receiver on when idle, 6 security capability, 7 allocate address.
    """

    alternate_pan_coordinator: bool = False
    ffd: bool = False
    mains_powered: bool = False
    rx_on_when_idle: bool = False
    security: bool = False
    allocate_address: bool = True

    def to_byte(self) -> int:
        return (
            (0x01 if self.alternate_pan_coordinator else 0)
            | (0x02 if self.ffd else 0)
            | (0x04 if self.mains_powered else 0)
            | (0x08 if self.rx_on_when_idle else 0)
            | (0x40 if self.security else 0)
            | (0x80 if self.allocate_address else 0)
        )

    @classmethod
    def from_byte(cls, value: int) -> Capability:
        """Read the byte; reserved bits 4–5 are ignored."""
        return cls(
            bool(value & 0x01),
            bool(value & 0x02),
            bool(value & 0x04),
            bool(value & 0x08),
            bool(value & 0x40),
            bool(value & 0x80),
        )


# ---------------------------------------------------------------------------- commands

_B = struct.Struct("<B")
_BB = struct.Struct("<BB")
_U16 = struct.Struct("<H")
_U64 = struct.Struct("<Q")


def _pack(fmt: struct.Struct, *values: int) -> bytes:
    try:
        return fmt.pack(*values)
    except struct.error as exc:
        raise ValueError(f"field out of range: {exc}") from exc


def _need(data: bytes, size: int, what: str) -> None:
    if len(data) < size:
        raise FrameError(f"{what} truncated")


@dataclass(frozen=True, slots=True)
class AssociationRequest:
    capability: Capability
    command_id: ClassVar[int] = MacCommandId.association_request

    def encode(self) -> bytes:
        return bytes((self.command_id, self.capability.to_byte()))


_ASSOCIATION_RESPONSE = struct.Struct("<BHB")


@dataclass(frozen=True, slots=True)
class AssociationResponse:
    """``short_address`` 0xFFFE means "use your extended address"; 0xFFFF comes with a failure."""

    short_address: int
    status: int = AssociationStatus.success
    command_id: ClassVar[int] = MacCommandId.association_response

    def encode(self) -> bytes:
        return _pack(_ASSOCIATION_RESPONSE, self.command_id, self.short_address, self.status)


@dataclass(frozen=True, slots=True)
class Disassociation:
    """``reason`` 1: the coordinator wants the device to leave; 2: the device wants to leave."""

    reason: int
    command_id: ClassVar[int] = MacCommandId.disassociation_notification

    def encode(self) -> bytes:
        return _pack(_BB, self.command_id, self.reason)


@dataclass(frozen=True, slots=True)
class DataRequest:
    command_id: ClassVar[int] = MacCommandId.data_request

    def encode(self) -> bytes:
        return bytes((self.command_id,))


@dataclass(frozen=True, slots=True)
class OrphanNotification:
    command_id: ClassVar[int] = MacCommandId.orphan_notification

    def encode(self) -> bytes:
        return bytes((self.command_id,))


@dataclass(frozen=True, slots=True)
class BeaconRequest:
    command_id: ClassVar[int] = MacCommandId.beacon_request

    def encode(self) -> bytes:
        return bytes((self.command_id,))


_REALIGNMENT = struct.Struct("<BHHBH")


@dataclass(frozen=True, slots=True)
class CoordinatorRealignment:
    """``channel_page`` is present in 2006 frames sent on a page other than 0 (else ``None``)."""

    pan_id: int
    coordinator_short: int
    channel: int
    short_address: int
    channel_page: int | None = None
    command_id: ClassVar[int] = MacCommandId.coordinator_realignment

    def encode(self) -> bytes:
        head = _pack(
            _REALIGNMENT,
            self.command_id,
            self.pan_id,
            self.coordinator_short,
            self.channel,
            self.short_address,
        )
        if self.channel_page is None:
            return head
        return head + _pack(_B, self.channel_page)


@dataclass(frozen=True, slots=True)
class RawMacCommand:
    """A command this module does not interpret (PAN ID conflict, GTS request, 2015 commands)."""

    command_id: int
    data: bytes = b""

    def encode(self) -> bytes:
        return _pack(_B, self.command_id) + self.data


MacCommand = (
    AssociationRequest
    | AssociationResponse
    | Disassociation
    | DataRequest
    | OrphanNotification
    | BeaconRequest
    | CoordinatorRealignment
    | RawMacCommand
)


def decode_mac_command(payload: bytes) -> MacCommand:
    """Decode the payload of a MAC command frame (command identifier first).

    Bytes after the fields a command defines are ignored.
    """
    _need(payload, 1, "MAC command")
    command_id = payload[0]
    if command_id == MacCommandId.association_request:
        _need(payload, 2, "Association Request")
        return AssociationRequest(Capability.from_byte(payload[1]))
    if command_id == MacCommandId.association_response:
        _need(payload, 4, "Association Response")
        _, short_address, status = _ASSOCIATION_RESPONSE.unpack_from(payload)
        return AssociationResponse(short_address, status)
    if command_id == MacCommandId.disassociation_notification:
        _need(payload, 2, "Disassociation Notification")
        return Disassociation(payload[1])
    if command_id == MacCommandId.data_request:
        return DataRequest()
    if command_id == MacCommandId.orphan_notification:
        return OrphanNotification()
    if command_id == MacCommandId.beacon_request:
        return BeaconRequest()
    if command_id == MacCommandId.coordinator_realignment:
        _need(payload, _REALIGNMENT.size, "Coordinator Realignment")
        _, pan_id, coordinator, channel, short_address = _REALIGNMENT.unpack_from(payload)
        page = payload[_REALIGNMENT.size] if len(payload) > _REALIGNMENT.size else None
        return CoordinatorRealignment(pan_id, coordinator, channel, short_address, page)
    return RawMacCommand(command_id, payload[1:])


# ---------------------------------------------------------------------------- beacons


class GtsDescriptor(NamedTuple):
    """A guaranteed time slot (never used by ZigBee, decoded for completeness)."""

    short_address: int
    start_slot: int
    length: int
    receive: bool  # direction: True = device receives in this slot


_SUPERFRAME_GTS = struct.Struct("<HB")
_GTS_DESCRIPTOR = struct.Struct("<HB")


class Beacon(NamedTuple):
    """The MAC payload of a beacon frame: superframe specification, GTS, pending addresses, payload.

    ZigBee PRO networks are beaconless: beacon and superframe order 15, final CAP slot 15.
    """

    beacon_order: int = 15
    superframe_order: int = 15
    final_cap_slot: int = 15
    battery_life_extension: bool = False
    pan_coordinator: bool = False
    association_permit: bool = False
    gts_permit: bool = False
    gts: tuple[GtsDescriptor, ...] = ()
    pending_short: tuple[int, ...] = ()
    pending_extended: tuple[int, ...] = ()
    payload: bytes = b""

    def encode(self) -> bytes:
        if len(self.gts) > 7 or len(self.pending_short) > 7 or len(self.pending_extended) > 7:
            raise ValueError("at most 7 GTS descriptors and 7 pending addresses of each kind")
        superframe = (
            self.beacon_order
            | (self.superframe_order << 4)
            | (self.final_cap_slot << 8)
            | (0x1000 if self.battery_life_extension else 0)
            | (0x4000 if self.pan_coordinator else 0)
            | (0x8000 if self.association_permit else 0)
        )
        if max(self.beacon_order, self.superframe_order, self.final_cap_slot) > 15:
            raise ValueError("beacon order, superframe order and final CAP slot are 4-bit fields")
        gts_spec = len(self.gts) | (0x80 if self.gts_permit else 0)
        out = bytearray(_pack(_SUPERFRAME_GTS, superframe, gts_spec))
        if self.gts:
            out.append(sum(1 << i for i, d in enumerate(self.gts) if d.receive))
            for d in self.gts:
                if d.start_slot > 15 or d.length > 15:
                    raise ValueError("GTS start slot and length are 4-bit fields")
                out += _pack(_GTS_DESCRIPTOR, d.short_address, d.start_slot | (d.length << 4))
        out.append(len(self.pending_short) | (len(self.pending_extended) << 4))
        for short in self.pending_short:
            out += _pack(_U16, short)
        for extended in self.pending_extended:
            out += _pack(_U64, extended)
        out += self.payload
        return bytes(out)


def decode_beacon(payload: bytes) -> Beacon:
    """Decode the MAC payload of a beacon frame."""
    _need(payload, 4, "beacon")
    superframe, gts_spec = _SUPERFRAME_GTS.unpack_from(payload)
    offset = 3
    gts: tuple[GtsDescriptor, ...] = ()
    count = gts_spec & 0x07
    if count:
        _need(payload, offset + 1 + 3 * count + 1, "beacon GTS list")
        directions = payload[offset]
        offset += 1
        descriptors = []
        for i in range(count):
            short, slot = _GTS_DESCRIPTOR.unpack_from(payload, offset)
            receive = bool(directions >> i & 1)
            descriptors.append(GtsDescriptor(short, slot & 0x0F, slot >> 4, receive))
            offset += 3
        gts = tuple(descriptors)
    pending = payload[offset]
    offset += 1
    n_short, n_extended = pending & 0x07, (pending >> 4) & 0x07
    _need(payload, offset + 2 * n_short + 8 * n_extended, "beacon pending address list")
    shorts = struct.unpack_from(f"<{n_short}H", payload, offset)
    offset += 2 * n_short
    extendeds = struct.unpack_from(f"<{n_extended}Q", payload, offset)
    offset += 8 * n_extended
    return Beacon(
        superframe & 0x0F,
        (superframe >> 4) & 0x0F,
        (superframe >> 8) & 0x0F,
        bool(superframe & 0x1000),
        bool(superframe & 0x4000),
        bool(superframe & 0x8000),
        bool(gts_spec & 0x80),
        gts,
        shorts,
        extendeds,
        payload[offset:],
    )


_ZIGBEE_BEACON = struct.Struct("<BBBQHBB")  # tx offset: 24 bits as H + B


class ZigbeeBeacon(NamedTuple):
    """The ZigBee beacon payload (spec 05-3474 §3.6.7, 15 bytes).

    ``protocol id (1) | stack profile b0–3, protocol version b4–7 | router capacity b2, device
    depth b3–6, end device capacity b7 | extended PAN id (8) | tx offset (3) | nwkUpdateId (1)``
    """

    extended_pan_id: int
    router_capacity: bool = True
    end_device_capacity: bool = True
    device_depth: int = 0
    update_id: int = 0
    tx_offset: int = 0xFFFFFF
    stack_profile: int = 2
    protocol_version: int = 2
    protocol_id: int = 0

    def encode(self) -> bytes:
        if self.stack_profile > 15 or self.protocol_version > 15 or self.device_depth > 15:
            raise ValueError("stack profile, protocol version and device depth are 4-bit fields")
        if not 0 <= self.tx_offset <= 0xFFFFFF:
            raise ValueError("the tx offset is a 24-bit field")
        return _pack(
            _ZIGBEE_BEACON,
            self.protocol_id,
            self.stack_profile | (self.protocol_version << 4),
            (0x04 if self.router_capacity else 0)
            | (self.device_depth << 3)
            | (0x80 if self.end_device_capacity else 0),
            self.extended_pan_id,
            self.tx_offset & 0xFFFF,
            self.tx_offset >> 16,
            self.update_id,
        )


def decode_zigbee_beacon(payload: bytes) -> ZigbeeBeacon:
    """Decode a ZigBee beacon payload (``Beacon.payload``); later bytes (R23 TLVs) are ignored."""
    _need(payload, _ZIGBEE_BEACON.size, "ZigBee beacon payload")
    protocol_id, profile, flags, epid, tx_low, tx_high, update_id = _ZIGBEE_BEACON.unpack_from(
        payload
    )
    return ZigbeeBeacon(
        epid,
        bool(flags & 0x04),
        bool(flags & 0x80),
        (flags >> 3) & 0x0F,
        update_id,
        tx_low | (tx_high << 16),
        profile & 0x0F,
        profile >> 4,
        protocol_id,
    )
