"""The ZCL frame header (se-spec.md §1.1): frame control, manufacturer code, TSN, command id."""

from __future__ import annotations

import functools
import struct
from typing import NamedTuple, Self

from .errors import DecodeError, EncodeError
from .types import BitStruct8, Enum8, Part

__all__ = ["Direction", "FrameControl", "FrameType", "ZclHeader", "decode_header"]


class FrameType(Enum8):
    """Frame-control bits 0–1."""

    global_command = 0b00
    cluster_command = 0b01


class Direction(Enum8):
    """Frame-control bit 3: who sent the command."""

    client_to_server = 0
    server_to_client = 1


class FrameControl(BitStruct8):
    """The frame-control byte. Reserved bits 5–7 are kept as received."""

    __slots__ = ()
    frame_type = Part(0, 2, FrameType)
    manufacturer_specific = Part(2, 1, bool)
    direction = Part(3, 1, Direction)
    disable_default_response = Part(4, 1, bool)
    reserved = Part(5, 3)


_FRAME_CONTROLS = tuple(int.__new__(FrameControl, fc) for fc in range(256))
_MANUF = struct.Struct("<HBB")
_PLAIN = struct.Struct("<BBB").pack
_new = tuple.__new__


class ZclHeader(NamedTuple):
    """A decoded ZCL header. ``manufacturer`` is None unless frame-control bit 2 is set."""

    frame_control: FrameControl
    manufacturer: int | None
    tsn: int
    command_id: int

    @classmethod
    def build(
        cls,
        *,
        tsn: int,
        command_id: int,
        cluster_specific: bool,
        direction: Direction | int = Direction.client_to_server,
        manufacturer: int | None = None,
        disable_default_response: bool = False,
    ) -> Self:
        """A header from its meaning rather than its bits."""
        fc = _frame_control(
            bool(cluster_specific),
            manufacturer is not None,
            int(direction),
            bool(disable_default_response),
        )
        return cls(fc, manufacturer, tsn, command_id)

    @property
    def frame_type(self) -> FrameType:
        return FrameType(self.frame_control & 0x03)

    @property
    def is_cluster_specific(self) -> bool:
        return self.frame_control & 0x03 == FrameType.cluster_command

    @property
    def is_global(self) -> bool:
        return self.frame_control & 0x03 == FrameType.global_command

    @property
    def manufacturer_specific(self) -> bool:
        return bool(self.frame_control & 0x04)

    @property
    def direction(self) -> Direction:
        return (
            Direction.server_to_client if self.frame_control & 0x08 else Direction.client_to_server
        )

    @property
    def disable_default_response(self) -> bool:
        return bool(self.frame_control & 0x10)

    def encode(self) -> bytes:
        """The header bytes. Bit 2 and the manufacturer code must agree."""
        fc, manufacturer, tsn, command_id = self
        try:
            if manufacturer is None:
                if fc & 0x04:
                    msg = "manufacturer-specific bit set but no manufacturer code"
                    raise EncodeError(msg)
                return _PLAIN(fc, tsn, command_id)
            if not fc & 0x04:
                msg = "manufacturer code given but the manufacturer-specific bit is clear"
                raise EncodeError(msg)
            return bytes((fc,)) + _MANUF.pack(manufacturer, tsn, command_id)
        except (ValueError, struct.error, TypeError) as exc:
            if isinstance(exc, EncodeError):
                raise
            msg = f"cannot encode ZCL header {self!r}: {exc}"
            raise EncodeError(msg) from None

    def to_json(self) -> dict[str, object]:
        """The header's meaning as a JSON-serialisable dict."""
        fc = self.frame_control
        return {
            "frame_type": int(fc & 0x03),
            "manufacturer_specific": bool(fc & 0x04),
            "manufacturer": self.manufacturer,
            "direction": (fc >> 3) & 1,
            "disable_default_response": bool(fc & 0x10),
            "reserved": fc >> 5,
            "tsn": self.tsn,
            "command_id": self.command_id,
        }


@functools.cache
def _frame_control(
    cluster_specific: bool, manufacturer_specific: bool, direction: int, disable: bool
) -> FrameControl:
    """The frame-control byte of a header built from its meaning (16 of them: kept once built,
    every reply the application sends builds one)."""
    return FrameControl.build(
        frame_type=FrameType.cluster_command if cluster_specific else FrameType.global_command,
        manufacturer_specific=manufacturer_specific,
        direction=direction,
        disable_default_response=disable,
    )


def decode_header(buf: bytes) -> tuple[ZclHeader, int]:
    """Decode the header at the start of ``buf``; returns it and the payload offset."""
    n = len(buf)
    if n < 3:
        msg = f"a ZCL frame has at least 3 bytes, got {n}"
        raise DecodeError(msg, offset=0)
    fc = buf[0]
    if fc & 0x04:
        if n < 5:
            msg = f"a manufacturer-specific ZCL frame has at least 5 bytes, got {n}"
            raise DecodeError(msg, offset=0)
        manufacturer, tsn, command_id = _MANUF.unpack_from(buf, 1)
        return _new(ZclHeader, (_FRAME_CONTROLS[fc], manufacturer, tsn, command_id)), 5
    return _new(ZclHeader, (_FRAME_CONTROLS[fc], None, buf[1], buf[2])), 3
