"""Whole ZCL frames: header + payload, decoded against a cluster definition.

``decode_frame`` never raises anything but :class:`~segateway.zcl.errors.DecodeError`: a command we
do not know (a manufacturer-specific cluster command, a reserved frame type, an unknown cluster or
command id) decodes with
``command=None`` and the payload kept as bytes, so the caller can answer UNSUP_* and nothing is
lost. Bytes after a complete payload are kept in ``rest``; ``ZclFrame.encode()`` gives back the
original bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any, NamedTuple

from .cluster import Cluster, Command, Side
from .errors import DecodeError, EncodeError
from .foundation import FOUNDATION
from .header import Direction, ZclHeader, decode_header
from .registry import get_cluster

__all__ = [
    "SE_PROFILE",
    "ZclFrame",
    "decode_frame",
    "encode_frame",
    "find_command",
    "resolve_cluster",
]

_PLAIN_HEADER = struct.Struct("<BBB").pack
_ENCODE_ERRORS = (struct.error, OverflowError, TypeError, ValueError, AttributeError, KeyError)

SE_PROFILE = 0x0109
HA_PROFILE = 0x0104
ZDO_PROFILE = 0x0000
_MANUFACTURER_PROFILES = range(0xC000, 0x10000)


class ZclFrame(NamedTuple):
    """A decoded frame. ``command`` is None when the command is not one we define."""

    header: ZclHeader
    command: Command | None
    payload: Any
    rest: bytes = b""
    cluster: type[Cluster] | None = None

    def encode(self) -> bytes:
        """The frame's bytes: the header, the payload (re-encoded) and any trailing bytes."""
        header, cmd, payload, rest, _ = self
        if cmd is None:
            return header.encode() + bytes(payload) + rest
        fc, manufacturer, tsn, command_id = header
        if manufacturer is None and not fc & 0x04:
            parts = [_PLAIN_HEADER(fc, tsn, command_id)]  # the common header, without a call
        else:
            parts = [header.encode()]
        try:
            cmd.encode_into(payload, parts)
        except EncodeError:
            raise
        except _ENCODE_ERRORS as exc:
            msg = f"cannot encode {cmd.name}: {exc}"
            raise EncodeError(msg) from None
        parts.append(rest)
        return b"".join(parts)

    def to_json(self) -> dict[str, Any]:
        """``{"header": {...}, "command": name, "fields": {...}}`` (plus ``rest`` when present)."""
        out: dict[str, Any] = {"header": self.header.to_json()}
        if self.command is None:
            out["command"] = None
            out["payload"] = bytes(self.payload).hex()
        else:
            out["command"] = self.command.name
            out["fields"] = self.command.schema.to_json(self.payload)
        if self.rest:
            out["rest"] = self.rest.hex()
        return out


def resolve_cluster(cluster: int | type[Cluster] | None) -> type[Cluster] | None:
    """A cluster class from an id or a class (None when we do not define that cluster)."""
    if cluster is None or isinstance(cluster, type):
        return cluster
    return get_cluster(cluster)


def _attribute_context(
    cluster: type[Cluster] | None, command: Command, direction_bit: int
) -> Mapping[int, Any] | None:
    if cluster is None or command.attributes_of is None:
        return None
    # server_to_client (bit 1) is sent by the server: its own attributes when the records are the
    # sender's (responses, reports), the client's when they are the receiver's (requests).
    sender_is_server = direction_bit == 1
    owner_is_server = sender_is_server == (command.attributes_of == "sender")
    return cluster.contexts[Side.server if owner_is_server else Side.client]


def decode_frame(
    data: bytes | bytearray | memoryview,
    cluster: int | type[Cluster] | None = None,
    *,
    profile: int = SE_PROFILE,
) -> ZclFrame:
    """Decode a ZCL frame (an APS payload) sent on ``cluster`` under ``profile``."""
    if profile == ZDO_PROFILE:
        msg = "profile 0x0000 carries ZDO, not ZCL"
        raise DecodeError(msg, offset=0)
    buf = data if type(data) is bytes else bytes(data)
    header, offset = decode_header(buf)
    cdef = resolve_cluster(cluster)
    fc = header[0]
    command: Command | None = None
    if fc & 0x03 == 0:
        # a profile-wide command stays one with a manufacturer code: it then names that
        # manufacturer's attributes, so our attribute table does not apply
        command = FOUNDATION.get(header[3])
    elif fc & 0x07 == 1 and cdef is not None and profile not in _MANUFACTURER_PROFILES:
        command = cdef.by_direction[(fc >> 3) & 1].get(header[3])
    if command is None:
        return ZclFrame(header, None, buf[offset:], b"", cdef)
    ctx = None if fc & 0x04 else _attribute_context(cdef, command, (fc >> 3) & 1)
    payload, end = command.schema.decode(buf, offset, ctx)
    return ZclFrame(header, command, payload, buf[end:], cdef)


def find_command(cluster: type[Cluster] | None, name: str, direction: Direction | None) -> Command:
    """A cluster or foundation command by name (``direction`` resolves names used both ways)."""
    for cmd in FOUNDATION.values():
        if cmd.name == name:
            return cmd
    if cluster is None:
        msg = f"{name!r} is not a foundation command and no cluster was given"
        raise KeyError(msg)
    return cluster.find_command(name, direction)


def encode_frame(
    command: Command,
    payload: Any = None,
    *,
    tsn: int,
    direction: Direction | int | None = None,
    manufacturer: int | None = None,
    disable_default_response: bool = False,
    cluster: int | type[Cluster] | None = None,
) -> bytes:
    """Encode a whole frame for ``command`` with ``payload`` (a record, dict or sequence).

    Cluster commands carry their own direction; foundation commands need ``direction``. With
    ``cluster``, attribute values in foundation records may be given by name (``"kwh"``).
    """
    if command.direction is not None:
        if direction is not None and int(direction) != command.direction:
            msg = f"{command.name} travels {command.direction.name}"
            raise EncodeError(msg)
        direction = command.direction
    if direction is None:
        msg = f"{command.name} is a foundation command: give its direction"
        raise EncodeError(msg)
    header = ZclHeader.build(
        tsn=tsn,
        command_id=command.id,
        cluster_specific=command.cluster_id is not None,
        direction=direction,
        manufacturer=manufacturer,
        disable_default_response=disable_default_response,
    )
    if not isinstance(payload, command.schema.cls):
        cdef = resolve_cluster(cluster if cluster is not None else command.cluster_id)
        ctx = _attribute_context(cdef, command, int(direction))
        payload = command.schema.make({} if payload is None else payload, ctx)
    return header.encode() + command.encode(payload)
