"""The ZigBee auxiliary security header, shared by NWK and APS frames.

``security control (1) | frame counter (4) | [source address (8)] | [key sequence number (1)]``

Security control: bits 0–2 security level, bits 3–4 key identifier, bit 5 extended nonce (the
source address is present). The key sequence number is present when the key identifier is the
network key. On the air the level bits are 0; sender and receiver use nwkSecurityLevel (5,
ENC-MIC-32) when they compute the nonce and the authenticated data.
"""

from __future__ import annotations

import enum
import struct
from typing import NamedTuple

from .errors import FrameError

__all__ = ["LEVEL_ENC_MIC_32", "AuxHeader", "KeyId", "decode_aux"]

LEVEL_ENC_MIC_32 = 5
"""The only security level ZigBee PRO uses: AES-CCM* encryption with a 4-byte MIC."""

_COUNTER = struct.Struct("<I")
_COUNTER_SOURCE = struct.Struct("<IQ")


class KeyId(enum.IntEnum):
    """Key identifier sub-field: which key secures the frame."""

    data = 0  # a link key (APS)
    network = 1
    key_transport = 2  # hashed from a link key, for Transport Key commands
    key_load = 3  # hashed from a link key, for key-load commands


class AuxHeader(NamedTuple):
    """An auxiliary security header. ``level`` is what the frame is secured with (5)."""

    key_id: KeyId
    frame_counter: int
    source: int | None = None  # IEEE address; present when the extended nonce bit is set
    key_seq: int | None = None  # present for KeyId.network
    level: int = LEVEL_ENC_MIC_32

    def control(self, *, on_air: bool) -> int:
        """The security-control byte: as sent (level 0) or as used in the nonce and MIC."""
        level = 0 if on_air else self.level
        return level | (int(self.key_id) << 3) | (0x20 if self.source is not None else 0)

    def encode(self, *, on_air: bool = True) -> bytes:
        """The header bytes (``on_air=False`` gives the form covered by the MIC)."""
        if (self.key_seq is not None) != (self.key_id == KeyId.network):
            msg = "the key sequence number is present exactly for the network key"
            raise ValueError(msg)
        head = bytes((self.control(on_air=on_air),))
        if self.source is None:
            body = _COUNTER.pack(self.frame_counter)
        else:
            body = _COUNTER_SOURCE.pack(self.frame_counter, self.source)
        if self.key_seq is not None:
            return head + body + bytes((self.key_seq,))
        return head + body

    @property
    def size(self) -> int:
        return 5 + (8 if self.source is not None else 0) + (1 if self.key_seq is not None else 0)


def decode_aux(data: bytes, offset: int = 0) -> tuple[AuxHeader, int]:
    """Decode an auxiliary header at ``offset``; returns it and the offset of what follows.

    The level read from the air (normally 0) is replaced by ENC-MIC-32, the network's level.
    """
    if len(data) - offset < 5:
        msg = "auxiliary security header truncated"
        raise FrameError(msg)
    control = data[offset]
    key_id = KeyId((control >> 3) & 0x03)
    end = offset + 5
    source: int | None = None
    if control & 0x20:
        if len(data) < end + 8:
            msg = "auxiliary security header truncated (source address)"
            raise FrameError(msg)
        counter, source = _COUNTER_SOURCE.unpack_from(data, offset + 1)
        end += 8
    else:
        (counter,) = _COUNTER.unpack_from(data, offset + 1)
    key_seq: int | None = None
    if key_id == KeyId.network:
        if len(data) <= end:
            msg = "auxiliary security header truncated (key sequence number)"
            raise FrameError(msg)
        key_seq = data[end]
        end += 1
    return AuxHeader(key_id, counter, source, key_seq), end
