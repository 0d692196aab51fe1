"""Errors raised by the ZCL codec.

A :class:`DecodeError` means the *peer* sent bytes we cannot accept; it carries the ZCL status the
dispatcher should answer with. An :class:`EncodeError` means *we* (or our caller) asked for a frame
that cannot be put on the wire.
"""

from __future__ import annotations

__all__ = ["DecodeError", "EncodeError", "ZclError"]

# ZCL status codes used as defaults here (full table in segateway.zcl.status).
_MALFORMED_COMMAND = 0x80


class ZclError(ValueError):
    """Base class of every error the ZCL codec raises."""


class DecodeError(ZclError):
    """Bytes that do not form a valid ZCL frame, command or value.

    ``status`` is the ZCL status a receiver answers with (MALFORMED_COMMAND unless stated);
    ``offset`` is the byte position in the buffer where decoding failed.
    """

    def __init__(self, message: str, *, offset: int = -1, status: int = _MALFORMED_COMMAND) -> None:
        super().__init__(message if offset < 0 else f"{message} (at byte {offset})")
        self.offset = offset
        self.status = status


class EncodeError(ZclError):
    """A value or command that cannot be encoded (out of range, wrong type, missing field)."""
