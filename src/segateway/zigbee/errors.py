"""Errors of the ZigBee frame codecs and security layer."""

from __future__ import annotations

__all__ = ["FrameError", "SecurityError"]


class FrameError(ValueError):
    """Bytes that do not form a valid frame of the layer that decodes them."""


class SecurityError(ValueError):
    """A secured frame that cannot be authenticated (bad MIC, unknown key, replayed counter)."""
