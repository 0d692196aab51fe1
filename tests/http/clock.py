"""The simulated network's clock paced on the test's own event loop while a block runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from segateway.radio.sim import SimNetwork
from segateway.runtime.server import pace


@contextlib.asynccontextmanager
async def paced(sim: SimNetwork, speed: float) -> AsyncIterator[None]:
    """``sim``'s virtual clock at ``speed`` × real time (:func:`pace`) until the block ends."""
    clock = asyncio.get_running_loop().create_task(pace(sim, speed), name="test-clock")
    try:
        yield
    finally:
        clock.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await clock
