"""The gateway's UTC clock for Smart Energy: ZCL UTCTime (seconds since 2000-01-01 00:00 UTC)
read from the injected clock plus an offset that ``set_time`` (or a time sync) moves."""

from __future__ import annotations

from datetime import UTC, datetime

from ..sim.clock import Clock

__all__ = ["ZCL_EPOCH", "TimeBase", "from_datetime", "to_datetime"]

ZCL_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_EPOCH_UNIX = int(ZCL_EPOCH.timestamp())  # 946684800


def from_datetime(when: datetime) -> int:
    """A timezone-aware datetime as ZCL UTCTime."""
    if when.tzinfo is None:
        msg = "a naive datetime has no defined UTC time"
        raise ValueError(msg)
    return int(when.timestamp()) - _EPOCH_UNIX


def to_datetime(utc: int) -> datetime:
    return datetime.fromtimestamp(utc + _EPOCH_UNIX, UTC)


class TimeBase:
    """UTC time for the SE layer: ``utc_at_zero`` is the UTCTime when ``clock.now()`` is 0.

    ``synchronized`` tells whether the time was set from an authoritative source (the host's
    clock, an RPC, a network time server): the Time server advertises Master only then.
    """

    def __init__(self, clock: Clock, utc_at_zero: float = 0.0, *, synchronized: bool = False):
        self.clock = clock
        self._offset = float(utc_at_zero)
        self.synchronized = synchronized
        self.last_set: int | None = None

    def now(self) -> int:
        """The current ZCL UTCTime (whole seconds)."""
        return int(self._offset + self.clock.now())

    def now_exact(self) -> float:
        return self._offset + self.clock.now()

    def set(self, utc: int, *, synchronized: bool = True) -> None:
        """Set the current time to ``utc`` (ZCL UTCTime)."""
        if not 0 <= utc < 0xFFFFFFFF:
            msg = f"UTCTime is 0 to 0xFFFFFFFE, not {utc!r}"
            raise ValueError(msg)
        self._offset = utc - self.clock.now()
        self.synchronized = synchronized
        self.last_set = utc

    def clock_time(self, utc: int) -> float:
        """The injected clock's time at which UTCTime ``utc`` comes."""
        return utc - self._offset
