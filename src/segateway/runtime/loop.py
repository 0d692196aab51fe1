"""The event loop ``segateway run`` serves on: uvloop when it is installed (a dependency on
Linux and macOS), else asyncio's own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["event_loop_factory"]


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """``uvloop.new_event_loop`` if uvloop imports, else ``asyncio.new_event_loop``."""
    try:
        import uvloop  # noqa: PLC0415 - optional at run time
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop
