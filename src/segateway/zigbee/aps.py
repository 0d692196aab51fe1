"""ZigBee APS frames, acknowledgments and commands (spec 05-3474 §2.2.5, §4.4.10).

Header by frame type, after the frame control byte:

* data: ``[dst endpoint (1) | group (2)] cluster (2) profile (2) src endpoint (1) counter (1)``
  — the group address in group delivery mode, the endpoint otherwise;
* ack: ``dst endpoint, cluster, profile, src endpoint, counter``, or only the counter when the
  acknowledgment format bit is set (the ack of an APS command);
* command: ``counter``; the command identifier starts the (possibly secured) payload;
* inter-PAN (Smart Energy, after the NWK stub): ``[group (2)] cluster (2) profile (2)`` — a
  different record, :class:`InterPanHeader`, since it has no counter.

An extended header may follow: ``extended frame control (1) | [block number (1)] | [ack bitfield
(1)]`` — the block number when fragmented, the bitfield also in fragmented acks. When the security
bit is set, an auxiliary security header follows the APS header (read it with
:func:`segateway.zigbee.auxiliary.decode_aux`).

Frame control: bits 0–1 frame type, 2–3 delivery mode, 4 ack format, 5 security, 6 ack request,
7 extended header present.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, NamedTuple, NoReturn

from .errors import FrameError

__all__ = [
    "DELIVERY_BROADCAST",
    "DELIVERY_GROUP",
    "DELIVERY_UNICAST",
    "FRAME_ACK",
    "FRAME_COMMAND",
    "FRAME_DATA",
    "FRAME_INTER_PAN",
    "ApsCommand",
    "ApsCommandId",
    "ApsDeliveryMode",
    "ApsFrameType",
    "ApsHeader",
    "ConfirmKey",
    "Fragmentation",
    "InterPanHeader",
    "RawApsCommand",
    "RemoveDevice",
    "RequestKey",
    "RequestKeyType",
    "SwitchKey",
    "TransportApplicationLinkKey",
    "TransportKeyType",
    "TransportNetworkKey",
    "TransportTrustCenterLinkKey",
    "Tunnel",
    "UpdateDevice",
    "UpdateDeviceStatus",
    "VerifyKey",
    "decode_aps_command",
    "decode_aps_header",
    "decode_inter_pan_header",
]


class ApsFrameType(enum.IntEnum):
    data = 0
    command = 1
    ack = 2
    inter_pan = 3


class ApsDeliveryMode(enum.IntEnum):
    unicast = 0
    broadcast = 2
    group = 3


# The same values as plain ints: cheaper than enum members where every frame passes.
FRAME_DATA = 0
FRAME_COMMAND = 1
FRAME_ACK = 2
FRAME_INTER_PAN = 3
DELIVERY_UNICAST = 0
DELIVERY_BROADCAST = 2
DELIVERY_GROUP = 3


class Fragmentation(enum.IntEnum):
    none = 0
    first = 1
    subsequent = 2


# ---------------------------------------------------------------------------- header

_new = tuple.__new__
# frame control, dst endpoint or group, cluster, profile, src endpoint, counter
_UNICAST_DATA = struct.Struct("<BBHHBB")
_GROUP_DATA = struct.Struct("<BHHHBB")
_INTER_PAN = struct.Struct("<BHH")
_INTER_PAN_GROUP = struct.Struct("<BHHH")
_BB = struct.Struct("<BB")
_DELIVERY_MODES = (0, 2, 3)


class ApsHeader(NamedTuple):
    """A ZigBee PRO APS header (data, command, ack). Fields the frame does not carry are ``None``.

    ``fragmentation`` is ``None`` without an extended header; ``block_number`` is present when
    fragmented, ``ack_bitfield`` when a fragmented frame is an ack. Inter-PAN frames, which have
    no counter, are :class:`InterPanHeader`.
    """

    frame_type: int
    delivery_mode: int = ApsDeliveryMode.unicast
    ack_format: bool = False
    security: bool = False
    ack_request: bool = False
    dst_endpoint: int | None = None
    group: int | None = None
    cluster: int | None = None
    profile: int | None = None
    src_endpoint: int | None = None
    counter: int = 0
    fragmentation: int | None = None
    block_number: int | None = None
    ack_bitfield: int | None = None

    @property
    def extended_header(self) -> bool:
        return self.fragmentation is not None

    def frame_control(self) -> int:
        if not 0 <= self.frame_type <= 2 or self.delivery_mode not in _DELIVERY_MODES:
            raise ValueError(
                "APS frame type 0–2 (inter-PAN: InterPanHeader), delivery mode 0, 2, 3"
            )
        return (
            self.frame_type
            | (self.delivery_mode << 2)
            | (0x10 if self.ack_format else 0)
            | (0x20 if self.security else 0)
            | (0x40 if self.ack_request else 0)
            | (0x80 if self.fragmentation is not None else 0)
        )

    def encode(self) -> bytes:
        """The header bytes (without the auxiliary header that follows when secured).

        Raises ``ValueError`` when the fields present do not match the frame type and mode.
        """
        fc = self.frame_control()
        try:
            if fc & 0x03 == FRAME_COMMAND or fc & 0x13 == 0x12:  # command, ack of a command
                if not _addressing_absent(self):
                    self._mismatch("the counter only")
                head = _BB.pack(fc, self.counter)
            elif fc & 0x0F == FRAME_DATA | (DELIVERY_GROUP << 2):
                if self.dst_endpoint is not None or None in (
                    self.group,
                    self.cluster,
                    self.profile,
                    self.src_endpoint,
                ):
                    self._mismatch("group, cluster, profile, src_endpoint and the counter")
                head = _GROUP_DATA.pack(
                    fc, self.group, self.cluster, self.profile, self.src_endpoint, self.counter
                )
            else:  # data (unicast, broadcast) or ack of data
                if self.group is not None or None in (
                    self.dst_endpoint,
                    self.cluster,
                    self.profile,
                    self.src_endpoint,
                ):
                    self._mismatch("dst_endpoint, cluster, profile, src_endpoint and the counter")
                head = _UNICAST_DATA.pack(
                    fc,
                    self.dst_endpoint,
                    self.cluster,
                    self.profile,
                    self.src_endpoint,
                    self.counter,
                )
        except struct.error as exc:
            raise ValueError(f"APS header field out of range: {exc}") from exc
        if self.fragmentation is None:
            if self.block_number is not None or self.ack_bitfield is not None:
                raise ValueError("block number and ack bitfield need an extended header")
            return head
        return head + self._extended()

    def _mismatch(self, wanted: str) -> NoReturn:
        raise ValueError(f"this APS frame carries exactly {wanted}: {self!r}")

    def _extended(self) -> bytes:
        fragmentation = self.fragmentation
        if fragmentation not in (0, 1, 2):
            raise ValueError("fragmentation is 0 (none), 1 (first) or 2 (subsequent)")
        fragmented = fragmentation != Fragmentation.none
        if (self.block_number is not None) != fragmented:
            raise ValueError("the block number is present exactly when fragmented")
        with_bitfield = fragmented and self.frame_type == ApsFrameType.ack
        if (self.ack_bitfield is not None) != with_bitfield:
            raise ValueError("the ack bitfield is present exactly in fragmented acks")
        extra = [v for v in (self.block_number, self.ack_bitfield) if v is not None]
        try:
            return bytes((fragmentation, *extra))
        except ValueError as exc:
            raise ValueError(f"APS extended header field out of range: {exc}") from exc


def _addressing_absent(header: ApsHeader) -> bool:
    return (
        header.dst_endpoint is None
        and header.group is None
        and header.cluster is None
        and header.profile is None
        and header.src_endpoint is None
    )


def decode_aps_header(data: bytes, offset: int = 0) -> tuple[ApsHeader, int]:
    """Decode the APS header at ``offset``; returns it and the offset of what follows.

    When ``header.security`` is set an auxiliary security header follows (not decoded here); for
    a command frame the command identifier comes next (after that header).
    """
    size = len(data)
    if size <= offset:
        raise FrameError("APS header truncated")
    fc = data[offset]
    frame_type = fc & 0x03
    mode = (fc >> 2) & 0x03
    if mode == 1:
        raise FrameError("reserved APS delivery mode 1 (indirect)")
    dst_endpoint = group = cluster = profile = src_endpoint = None
    if frame_type == FRAME_DATA or (frame_type == FRAME_ACK and not fc & 0x10):
        if mode == DELIVERY_GROUP and frame_type == FRAME_DATA:
            end = offset + 9
            if size < end:
                raise FrameError("APS header truncated")
            _, group, cluster, profile, src_endpoint, counter = _GROUP_DATA.unpack_from(
                data, offset
            )
        else:
            if size - offset < 8:
                raise FrameError("APS header truncated")
            _, dst_endpoint, cluster, profile, src_endpoint, counter = _UNICAST_DATA.unpack_from(
                data, offset
            )
            end = offset + 8
        if not fc & 0x80:  # the common case: no extended header
            header = _new(
                ApsHeader,
                (
                    frame_type,
                    mode,
                    bool(fc & 0x10),
                    bool(fc & 0x20),
                    bool(fc & 0x40),
                    dst_endpoint,
                    group,
                    cluster,
                    profile,
                    src_endpoint,
                    counter,
                    None,
                    None,
                    None,
                ),
            )
            return header, end
    elif frame_type == FRAME_INTER_PAN:
        raise FrameError("inter-PAN APS frame: decode it with decode_inter_pan_header")
    else:  # command, or ack of a command: the counter only
        if size - offset < 2:
            raise FrameError("APS header truncated")
        counter = data[offset + 1]
        end = offset + 2
    fragmentation = block_number = ack_bitfield = None
    if fc & 0x80:
        if size <= end:
            raise FrameError("APS extended header truncated")
        fragmentation = data[end] & 0x03
        end += 1
        if fragmentation == 3:
            raise FrameError("reserved APS fragmentation value 3")
        if fragmentation:
            extra = 2 if frame_type == FRAME_ACK else 1
            if size < end + extra:
                raise FrameError("APS extended header truncated")
            block_number = data[end]
            if extra == 2:
                ack_bitfield = data[end + 1]
            end += extra
    header = _new(
        ApsHeader,
        (
            frame_type,
            mode,
            bool(fc & 0x10),
            bool(fc & 0x20),
            bool(fc & 0x40),
            dst_endpoint,
            group,
            cluster,
            profile,
            src_endpoint,
            counter,
            fragmentation,
            block_number,
            ack_bitfield,
        ),
    )
    return header, end


class InterPanHeader(NamedTuple):
    """The APS header of a Smart Energy inter-PAN frame (SE 1.x Annex B), after the NWK stub.

    ``frame control (1) | [group (2)] | cluster (2) | profile (2)``: frame type 3, delivery mode
    unicast, broadcast or group (``group`` present exactly then); ack format, security, ack
    request and extended header are 0; no endpoints, no counter.
    """

    cluster: int
    profile: int
    delivery_mode: int = ApsDeliveryMode.unicast
    group: int | None = None

    def encode(self) -> bytes:
        if self.delivery_mode not in (0, 2, 3):
            raise ValueError("delivery mode 0 (unicast), 2 (broadcast) or 3 (group)")
        fc = ApsFrameType.inter_pan | (self.delivery_mode << 2)
        try:
            if self.delivery_mode == ApsDeliveryMode.group:
                if self.group is None:
                    raise ValueError("group delivery needs the group address")
                return _INTER_PAN_GROUP.pack(fc, self.group, self.cluster, self.profile)
            if self.group is not None:
                raise ValueError("a group address goes with group delivery only")
            return _INTER_PAN.pack(fc, self.cluster, self.profile)
        except struct.error as exc:
            raise ValueError(f"inter-PAN header field out of range: {exc}") from exc


def decode_inter_pan_header(data: bytes, offset: int = 0) -> tuple[InterPanHeader, int]:
    """Decode an inter-PAN APS header at ``offset``; returns it and the offset of the ZCL frame."""
    if len(data) <= offset:
        raise FrameError("inter-PAN APS header truncated")
    fc = data[offset]
    if fc & 0x03 != ApsFrameType.inter_pan:
        raise FrameError(f"APS frame type {fc & 0x03} is not inter-PAN")
    if fc & 0xF0:
        raise FrameError("inter-PAN APS frame with ack format, security, ack request or ext header")
    mode = (fc >> 2) & 0x03
    if mode == 1:
        raise FrameError("reserved APS delivery mode 1 (indirect)")
    layout = _INTER_PAN_GROUP if mode == ApsDeliveryMode.group else _INTER_PAN
    if len(data) - offset < layout.size:
        raise FrameError("inter-PAN APS header truncated")
    if mode == ApsDeliveryMode.group:
        _, group, cluster, profile = _INTER_PAN_GROUP.unpack_from(data, offset)
        return InterPanHeader(cluster, profile, mode, group), offset + layout.size
    _, cluster, profile = _INTER_PAN.unpack_from(data, offset)
    return InterPanHeader(cluster, profile, mode), offset + layout.size


# ---------------------------------------------------------------------------- commands


class ApsCommandId(enum.IntEnum):
    transport_key = 0x05
    update_device = 0x06
    remove_device = 0x07
    request_key = 0x08
    switch_key = 0x09
    tunnel = 0x0E
    verify_key = 0x0F
    confirm_key = 0x10


class TransportKeyType(enum.IntEnum):
    """Key types of the Transport Key command."""

    standard_network_key = 0x01
    application_link_key = 0x03
    trust_center_link_key = 0x04


class RequestKeyType(enum.IntEnum):
    """Key types of the Request Key command (note: 2, not 3, asks for an application link key)."""

    application_link_key = 0x02
    trust_center_link_key = 0x04


class UpdateDeviceStatus(enum.IntEnum):
    standard_secured_rejoin = 0
    standard_unsecured_join = 1
    device_left = 2
    standard_trust_center_rejoin = 3  # an unsecured rejoin, the trust center sends the key


_KEY_NETWORK = struct.Struct("<BB16sBQQ")
_KEY_TC_LINK = struct.Struct("<BB16sQQ")
_KEY_APP_LINK = struct.Struct("<BB16sQB")
_UPDATE_DEVICE = struct.Struct("<BQHB")
_REMOVE_DEVICE = struct.Struct("<BQ")  # also the head of Tunnel: command id, IEEE address
_REQUEST_APP_KEY = struct.Struct("<BBQ")
_VERIFY_KEY = struct.Struct("<BBQ16s")
_CONFIRM_KEY = struct.Struct("<BBBQ")


def _pack(fmt: struct.Struct, *values: int | bytes) -> bytes:
    try:
        return fmt.pack(*values)
    except struct.error as exc:
        raise ValueError(f"APS command field out of range: {exc}") from exc


def _key(key: bytes) -> bytes:
    if len(key) != 16:
        raise ValueError("a key is 16 bytes")
    return key


def _need(data: bytes, size: int, what: str) -> None:
    if len(data) < size:
        raise FrameError(f"APS {what} command truncated")


@dataclass(frozen=True, slots=True)
class TransportNetworkKey:
    """Transport Key, key type 1: the network key, its sequence number, to ``dst_ieee``.

    ``dst_ieee`` 0 means every device (a broadcast key update); ``src_ieee`` is the trust center.
    """

    key: bytes
    key_seq: int
    dst_ieee: int
    src_ieee: int
    command_id: ClassVar[int] = ApsCommandId.transport_key
    key_type: ClassVar[int] = TransportKeyType.standard_network_key

    def encode(self) -> bytes:
        return _pack(
            _KEY_NETWORK,
            self.command_id,
            self.key_type,
            _key(self.key),
            self.key_seq,
            self.dst_ieee,
            self.src_ieee,
        )


@dataclass(frozen=True, slots=True)
class TransportTrustCenterLinkKey:
    """Transport Key, key type 4: a trust-center link key for ``dst_ieee``, from the TC."""

    key: bytes
    dst_ieee: int
    src_ieee: int
    command_id: ClassVar[int] = ApsCommandId.transport_key
    key_type: ClassVar[int] = TransportKeyType.trust_center_link_key

    def encode(self) -> bytes:
        return _pack(
            _KEY_TC_LINK,
            self.command_id,
            self.key_type,
            _key(self.key),
            self.dst_ieee,
            self.src_ieee,
        )


@dataclass(frozen=True, slots=True)
class TransportApplicationLinkKey:
    """Transport Key, key type 3: a link key shared with ``partner_ieee``."""

    key: bytes
    partner_ieee: int
    initiator: bool
    command_id: ClassVar[int] = ApsCommandId.transport_key
    key_type: ClassVar[int] = TransportKeyType.application_link_key

    def encode(self) -> bytes:
        return _pack(
            _KEY_APP_LINK,
            self.command_id,
            self.key_type,
            _key(self.key),
            self.partner_ieee,
            1 if self.initiator else 0,
        )


def _decode_transport_key(data: bytes) -> ApsCommand:
    _need(data, 2, "Transport Key")
    key_type = data[1]
    if key_type == TransportKeyType.standard_network_key:
        _need(data, _KEY_NETWORK.size, "Transport Key")
        _, _, key, key_seq, dst, src = _KEY_NETWORK.unpack_from(data)
        return TransportNetworkKey(key, key_seq, dst, src)
    if key_type == TransportKeyType.trust_center_link_key:
        _need(data, _KEY_TC_LINK.size, "Transport Key")
        _, _, key, dst, src = _KEY_TC_LINK.unpack_from(data)
        return TransportTrustCenterLinkKey(key, dst, src)
    if key_type == TransportKeyType.application_link_key:
        _need(data, _KEY_APP_LINK.size, "Transport Key")
        _, _, key, partner, initiator = _KEY_APP_LINK.unpack_from(data)
        if initiator > 1:
            raise FrameError(f"Transport Key initiator flag {initiator} is not a boolean")
        return TransportApplicationLinkKey(key, partner, bool(initiator))
    return RawApsCommand(data[0], data[1:])  # master keys (ZigBee 2007 high security)


@dataclass(frozen=True, slots=True)
class UpdateDevice:
    """From a router to the trust center: ``device_ieee`` joined, rejoined or left."""

    device_ieee: int
    device_short: int
    status: int
    command_id: ClassVar[int] = ApsCommandId.update_device

    def encode(self) -> bytes:
        return _pack(
            _UPDATE_DEVICE, self.command_id, self.device_ieee, self.device_short, self.status
        )


def _decode_update_device(data: bytes) -> UpdateDevice:
    _need(data, _UPDATE_DEVICE.size, "Update Device")
    _, ieee, short, status = _UPDATE_DEVICE.unpack_from(data)
    return UpdateDevice(ieee, short, status)


@dataclass(frozen=True, slots=True)
class RemoveDevice:
    """From the trust center to a parent: make ``target_ieee`` leave."""

    target_ieee: int
    command_id: ClassVar[int] = ApsCommandId.remove_device

    def encode(self) -> bytes:
        return _pack(_REMOVE_DEVICE, self.command_id, self.target_ieee)


def _decode_remove_device(data: bytes) -> RemoveDevice:
    _need(data, _REMOVE_DEVICE.size, "Remove Device")
    return RemoveDevice(_REMOVE_DEVICE.unpack_from(data)[1])


@dataclass(frozen=True, slots=True)
class RequestKey:
    """``partner_ieee`` is present exactly for key type 2 (application link key)."""

    key_type: int
    partner_ieee: int | None = None
    command_id: ClassVar[int] = ApsCommandId.request_key

    def encode(self) -> bytes:
        wants_partner = self.key_type == RequestKeyType.application_link_key
        if (self.partner_ieee is not None) != wants_partner:
            raise ValueError("a partner address goes with key type 2, and only there")
        if self.partner_ieee is None:
            return _pack(_BB, self.command_id, self.key_type)
        return _pack(_REQUEST_APP_KEY, self.command_id, self.key_type, self.partner_ieee)


def _decode_request_key(data: bytes) -> RequestKey:
    _need(data, 2, "Request Key")
    if data[1] != RequestKeyType.application_link_key:
        return RequestKey(data[1])
    _need(data, _REQUEST_APP_KEY.size, "Request Key")
    return RequestKey(data[1], _REQUEST_APP_KEY.unpack_from(data)[2])


@dataclass(frozen=True, slots=True)
class SwitchKey:
    """Make the network key with sequence number ``key_seq`` the active one."""

    key_seq: int
    command_id: ClassVar[int] = ApsCommandId.switch_key

    def encode(self) -> bytes:
        return _pack(_BB, self.command_id, self.key_seq)


def _decode_switch_key(data: bytes) -> SwitchKey:
    _need(data, 2, "Switch Key")
    return SwitchKey(data[1])


@dataclass(frozen=True, slots=True)
class Tunnel:
    """From the trust center to a router: relay ``frame`` to ``dst_ieee``, a child of the router
    that has no network key yet (the frame is an APS command with its own APS security).

    ``frame`` is the tunnelled APS frame: its header (frame control, counter), auxiliary security
    header, secured payload and MIC.
    """

    dst_ieee: int
    frame: bytes
    command_id: ClassVar[int] = ApsCommandId.tunnel

    def encode(self) -> bytes:
        if len(self.frame) < 2:
            raise ValueError("the tunnelled frame starts with an APS frame control and counter")
        return _pack(_REMOVE_DEVICE, self.command_id, self.dst_ieee) + self.frame


def _decode_tunnel(data: bytes) -> Tunnel:
    _need(data, _REMOVE_DEVICE.size + 2, "Tunnel")
    return Tunnel(_REMOVE_DEVICE.unpack_from(data)[1], data[_REMOVE_DEVICE.size :])


@dataclass(frozen=True, slots=True)
class VerifyKey:
    """ZigBee 3.0: a device proves to the TC it holds the link key (hash of key and 0x03)."""

    key_type: int
    source_ieee: int
    key_hash: bytes
    command_id: ClassVar[int] = ApsCommandId.verify_key

    def encode(self) -> bytes:
        if len(self.key_hash) != 16:
            raise ValueError("the key hash is 16 bytes")
        return _pack(_VERIFY_KEY, self.command_id, self.key_type, self.source_ieee, self.key_hash)


def _decode_verify_key(data: bytes) -> VerifyKey:
    _need(data, _VERIFY_KEY.size, "Verify Key")
    _, key_type, source, key_hash = _VERIFY_KEY.unpack_from(data)
    return VerifyKey(key_type, source, key_hash)


@dataclass(frozen=True, slots=True)
class ConfirmKey:
    """ZigBee 3.0: the TC's answer to Verify Key (status 0 success, an APS status otherwise)."""

    status: int
    key_type: int
    dst_ieee: int
    command_id: ClassVar[int] = ApsCommandId.confirm_key

    def encode(self) -> bytes:
        return _pack(_CONFIRM_KEY, self.command_id, self.status, self.key_type, self.dst_ieee)


def _decode_confirm_key(data: bytes) -> ConfirmKey:
    _need(data, _CONFIRM_KEY.size, "Confirm Key")
    _, status, key_type, dst = _CONFIRM_KEY.unpack_from(data)
    return ConfirmKey(status, key_type, dst)


@dataclass(frozen=True, slots=True)
class RawApsCommand:
    """A command this module does not interpret (SKKE and entity authentication, ZigBee 2007)."""

    command_id: int
    data: bytes = b""

    def encode(self) -> bytes:
        if not 0 <= self.command_id <= 0xFF:
            raise ValueError("the command identifier is one byte")
        return bytes((self.command_id,)) + self.data


ApsCommand = (
    TransportNetworkKey
    | TransportTrustCenterLinkKey
    | TransportApplicationLinkKey
    | UpdateDevice
    | RemoveDevice
    | RequestKey
    | SwitchKey
    | Tunnel
    | VerifyKey
    | ConfirmKey
    | RawApsCommand
)

_DECODERS: dict[int, Callable[[bytes], ApsCommand]] = {
    ApsCommandId.transport_key: _decode_transport_key,
    ApsCommandId.update_device: _decode_update_device,
    ApsCommandId.remove_device: _decode_remove_device,
    ApsCommandId.request_key: _decode_request_key,
    ApsCommandId.switch_key: _decode_switch_key,
    ApsCommandId.tunnel: _decode_tunnel,
    ApsCommandId.verify_key: _decode_verify_key,
    ApsCommandId.confirm_key: _decode_confirm_key,
}


def decode_aps_command(payload: bytes) -> ApsCommand:
    """Decode an APS command payload (command identifier first, after any security).

    Bytes after the fields a command defines are ignored; commands this module does not
    interpret come back as :class:`RawApsCommand`.
    """
    if not payload:
        raise FrameError("APS command payload is empty")
    decoder = _DECODERS.get(payload[0])
    if decoder is None:
        return RawApsCommand(payload[0], payload[1:])
    return decoder(payload)
