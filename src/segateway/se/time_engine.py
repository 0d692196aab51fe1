"""Time cluster rules (se-spec.md §2.3), sans-I/O: choosing a time server, following its clock,
and what an ESI's Time server publishes.

Times are ZCL UTCTime (seconds since 2000-01-01 00:00 UTC). "Local" times given to
:class:`TimeClient` are whatever whole-second clock the caller runs on.

Decisions where the reference is silent (also in ``docs/decisions.md``):

* **Selection** is exactly §2.3's rules: servers with a Time of 0xFFFFFFFF or with neither Master
  nor Synchronized are never chosen; Master+Superseding beats Master beats Synchronized-only
  (Superseding without Master counts for nothing); ties go to the lower short address, then to
  the earlier candidate. LastSetTime and ValidUntilTime do not take part in the choice.
* **Resync.** :class:`TimeClient` reads the servers again after ``resync_period`` (default
  3600 s: a 50 ppm crystal drifts 0.18 s in an hour, below UTCTime's one-second resolution), or
  earlier when the chosen server's ValidUntilTime comes first — but never sooner than
  ``retry_interval`` (default 60 s) after a sync, so a ValidUntilTime already past does not make
  it poll in a loop. A sync that finds no usable server keeps the last offset and retries after
  ``retry_interval``.
* **A zone without DST** publishes DstStart = DstEnd = 0xFFFFFFFF (the attributes' "not set"
  defaults) and DstShift 0, so LocalTime = StandardTime.
* **DST from a zone.** :func:`zone_rules` finds the zone's UTC-offset changes: the year's lowest
  offset is standard time (so zones whose tz data calls winter "negative DST", Europe/Dublin,
  come out as one would expect); DstStart is the year's first change up from standard time and
  DstEnd the next change back, which for the southern hemisphere lies in the next year, so
  DstStart < DstEnd always (one contiguous period). A zone that only changes its standard offset
  during the year is reported without DST, with the offset at the year's end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from ..zcl.clusters.time import Time, TimeStatus

__all__ = [
    "DEFAULT_RESYNC_PERIOD",
    "DEFAULT_RETRY_INTERVAL",
    "INVALID_TIME",
    "ServerAddress",
    "TimeClient",
    "TimeServerAttributes",
    "TimeSource",
    "ZoneRules",
    "choose_time_server",
    "server_attributes",
    "zone_rules",
    "zone_rules_at",
]

ServerAddress = tuple[int, int]
"""A Time server as (IEEE address, endpoint)."""

INVALID_TIME = 0xFFFFFFFF
"""UTCTime's "invalid / not set" value."""
DEFAULT_RESYNC_PERIOD = 3600
DEFAULT_RETRY_INTERVAL = 60

_EPOCH_UNIX = 946_684_800  # 2000-01-01T00:00:00Z in Unix seconds (se-spec.md §1.4)
_UTC_MAX = 0xFFFFFFFE
_OFFSET_LIMIT = 86_400  # TimeZone and DstShift range (§2.3)
_SNAPSHOT_VERSION = 1


# --- choosing a time server ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeSource:
    """What was read from one Time server: Time, TimeStatus, LastSetTime, ValidUntilTime."""

    server: ServerAddress
    short_address: int
    time: int
    time_status: TimeStatus
    last_set_time: int = INVALID_TIME
    valid_until_time: int = INVALID_TIME

    def __post_init__(self) -> None:
        object.__setattr__(self, "time_status", TimeStatus(int(self.time_status)))

    @property
    def rank(self) -> int | None:
        """0 Master+Superseding, 1 Master, 2 Synchronized only; None: never to be chosen."""
        status = self.time_status
        if self.time == INVALID_TIME:
            return None
        if TimeStatus.master in status:
            return 0 if TimeStatus.superseding in status else 1
        if TimeStatus.synchronized in status:
            return 2
        return None


def choose_time_server(candidates: Iterable[TimeSource]) -> TimeSource | None:
    """The server to take the time from (§2.3), or None when none may be used."""
    ranked = [(c.rank, c.short_address, n, c) for n, c in enumerate(candidates)]
    usable = [(rank, short, n, c) for rank, short, n, c in ranked if rank is not None]
    return min(usable, key=lambda r: (r[0], r[1], r[2]))[3] if usable else None


class TimeClient:
    """Network time as an offset from the caller's clock, from the chosen Time server."""

    def __init__(
        self,
        *,
        resync_period: int = DEFAULT_RESYNC_PERIOD,
        retry_interval: int = DEFAULT_RETRY_INTERVAL,
    ) -> None:
        if resync_period < 1 or retry_interval < 1:
            msg = "resync_period and retry_interval must be at least one second"
            raise ValueError(msg)
        self.resync_period = resync_period
        self.retry_interval = retry_interval
        self.source: TimeSource | None = None
        self._offset: int | None = None  # network UTCTime minus local time
        self._next_sync: int | None = None  # local time; None: sync now

    def synchronize(self, candidates: Iterable[TimeSource], local_now: int) -> TimeSource | None:
        """Choose a server from what was just read from each and follow it; None: none usable."""
        chosen = choose_time_server(candidates)
        if chosen is None:
            self._next_sync = local_now + self.retry_interval
            return None
        self.follow(chosen, local_now)
        return chosen

    def follow(self, source: TimeSource, local_now: int) -> None:
        """Take the time from ``source``, read at local time ``local_now``."""
        if source.time == INVALID_TIME:
            msg = "a Time of 0xFFFFFFFF is not a time"
            raise ValueError(msg)
        self.source = source
        self._offset = source.time - local_now
        due = local_now + self.resync_period
        if source.valid_until_time != INVALID_TIME:
            valid_until_local = source.valid_until_time - self._offset
            due = min(due, max(valid_until_local, local_now + self.retry_interval))
        self._next_sync = due

    @property
    def synchronized(self) -> bool:
        return self._offset is not None

    def network_time(self, local_now: int) -> int | None:
        """The network's UTCTime at local time ``local_now`` (None: never synchronised)."""
        if self._offset is None:
            return None
        utc = local_now + self._offset
        return utc if 0 <= utc <= _UTC_MAX else None

    def next_sync(self) -> int | None:
        """The local time at which to read the Time servers again (None: now, never synced)."""
        return self._next_sync

    def sync_due(self, local_now: int) -> bool:
        return self._next_sync is None or local_now >= self._next_sync

    def snapshot(self) -> dict[str, Any]:
        """The client's state as JSON-serialisable data.

        The offset is only meaningful after a restart if the local clock survived it (e.g. the
        host's UTC clock); otherwise synchronise again.
        """
        source = self.source
        return {
            "version": _SNAPSHOT_VERSION,
            "resync_period": self.resync_period,
            "retry_interval": self.retry_interval,
            "offset": self._offset,
            "next_sync": self._next_sync,
            "source": None
            if source is None
            else {
                "server": list(source.server),
                "short_address": source.short_address,
                "time": source.time,
                "time_status": int(source.time_status),
                "last_set_time": source.last_set_time,
                "valid_until_time": source.valid_until_time,
            },
        }

    @classmethod
    def restore(cls, data: dict[str, Any]) -> TimeClient:
        if data.get("version") != _SNAPSHOT_VERSION:
            msg = f"unknown time client snapshot version {data.get('version')!r}"
            raise ValueError(msg)
        client = cls(
            resync_period=int(data["resync_period"]), retry_interval=int(data["retry_interval"])
        )
        client._offset = None if data["offset"] is None else int(data["offset"])
        client._next_sync = None if data["next_sync"] is None else int(data["next_sync"])
        src = data["source"]
        if src is not None:
            client.source = TimeSource(
                server=(int(src["server"][0]), int(src["server"][1])),
                short_address=int(src["short_address"]),
                time=int(src["time"]),
                time_status=TimeStatus(int(src["time_status"])),
                last_set_time=int(src["last_set_time"]),
                valid_until_time=int(src["valid_until_time"]),
            )
        return client


# --- what a Time server publishes ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimeServerAttributes:
    """The Time cluster's server attributes (§2.3), by attribute name."""

    time: int
    time_status: TimeStatus
    time_zone: int
    dst_start: int
    dst_end: int
    dst_shift: int
    standard_time: int
    local_time: int
    last_set_time: int
    valid_until_time: int

    def by_id(self) -> dict[int, int]:
        """Attribute id → value, for answering Read Attributes."""
        return {
            Time.attributes[name].id: int(getattr(self, name))
            for name in (
                "time",
                "time_status",
                "time_zone",
                "dst_start",
                "dst_end",
                "dst_shift",
                "standard_time",
                "local_time",
                "last_set_time",
                "valid_until_time",
            )
        }


def server_attributes(
    utc_now: int,
    time_zone: int,
    dst_start: int,
    dst_end: int,
    dst_shift: int,
    *,
    master: bool = True,
    master_zone_dst: bool = True,
    superseding: bool = True,
    synchronized: bool = False,
    last_set_time: int = INVALID_TIME,
    valid_until_time: int = INVALID_TIME,
) -> TimeServerAttributes:
    """The attributes a Time server shows at ``utc_now`` (§2.3 derived values).

    The defaults give TimeStatus 0x0D (Master | MasterZoneDst | Superseding), what an ESI whose
    clock and zone are authoritative advertises. StandardTime = Time + TimeZone; LocalTime =
    StandardTime + DstShift while DstStart ≤ Time < DstEnd, else StandardTime.
    """
    if not 0 <= utc_now <= _UTC_MAX:
        msg = f"UTCTime is 0 to 0xFFFFFFFE, not {utc_now!r}"
        raise ValueError(msg)
    for name, value in (("time_zone", time_zone), ("dst_shift", dst_shift)):
        if not -_OFFSET_LIMIT <= value <= _OFFSET_LIMIT:
            msg = f"{name} is -86400 to 86400 seconds, not {value!r}"
            raise ValueError(msg)
    status = TimeStatus(0)
    for flag, on in (
        (TimeStatus.master, master),
        (TimeStatus.synchronized, synchronized),
        (TimeStatus.master_zone_dst, master_zone_dst),
        (TimeStatus.superseding, superseding),
    ):
        if on:
            status |= flag
    standard = utc_now + time_zone
    in_dst = INVALID_TIME not in (dst_start, dst_end) and dst_start <= utc_now < dst_end
    local = standard + dst_shift if in_dst else standard
    if not (0 <= standard <= _UTC_MAX and 0 <= local <= _UTC_MAX):
        msg = f"StandardTime/LocalTime fall outside UTCTime at {utc_now}"
        raise ValueError(msg)
    return TimeServerAttributes(
        time=utc_now,
        time_status=status,
        time_zone=time_zone,
        dst_start=dst_start,
        dst_end=dst_end,
        dst_shift=dst_shift,
        standard_time=standard,
        local_time=local,
        last_set_time=last_set_time,
        valid_until_time=valid_until_time,
    )


# --- time zone and DST from the host's zone --------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZoneRules:
    """TimeZone, DstStart, DstEnd and DstShift for one DST period (or none)."""

    time_zone: int
    dst_start: int
    dst_end: int
    dst_shift: int


_DAY = 86_400
_STEP = 6 * 3600  # offsets are sampled this often; no zone changes twice within it


def zone_rules(zone: tzinfo, year: int) -> ZoneRules:
    """The Time attributes of ``zone`` for the DST period that starts in ``year``."""
    y0 = _utc(datetime(year, 1, 1, tzinfo=UTC))
    y1 = _utc(datetime(year + 1, 1, 1, tzinfo=UTC))
    in_year = _transitions(zone, y0, y1)
    if not in_year:
        return ZoneRules(_offset(zone, y0), INVALID_TIME, INVALID_TIME, 0)
    standard = min([_offset(zone, y0), *(after for _, _, after in in_year)])
    start: tuple[int, int, int] | None = next(
        (t for t in in_year if t[1] == standard and t[2] > standard), None
    )
    if start is None and _offset(zone, y0) > standard:  # DST in progress at new year
        before = _transitions(zone, y0 - 366 * _DAY, y0)
        start = before[-1] if before and before[-1][2] > standard else None
    if start is None:
        return ZoneRules(_offset(zone, y1 - 1), INVALID_TIME, INVALID_TIME, 0)
    after_year = _transitions(zone, y1, y1 + 366 * _DAY)
    end = next((t for t in [*in_year, *after_year] if t[0] > start[0] and t[2] == standard), None)
    if end is None:
        return ZoneRules(_offset(zone, y1 - 1), INVALID_TIME, INVALID_TIME, 0)
    return ZoneRules(standard, start[0], end[0], start[2] - standard)


def zone_rules_at(zone: tzinfo, utc_now: int) -> ZoneRules:
    """The rules to publish at ``utc_now``: the DST period in progress, else this year's."""
    year = _to_datetime(utc_now).year
    rules = zone_rules(zone, year)
    if rules.dst_start == INVALID_TIME or utc_now >= rules.dst_start:
        return rules
    previous = zone_rules(zone, year - 1)
    if previous.dst_end != INVALID_TIME and previous.dst_start <= utc_now < previous.dst_end:
        return previous
    return rules


def _utc(when: datetime) -> int:
    return int(when.timestamp()) - _EPOCH_UNIX


def _to_datetime(utc: int) -> datetime:
    return datetime.fromtimestamp(utc + _EPOCH_UNIX, UTC)


def _offset(zone: tzinfo, utc: int) -> int:
    offset = datetime.fromtimestamp(utc + _EPOCH_UNIX, zone).utcoffset()
    if offset is None:
        msg = f"{zone!r} gives no UTC offset"
        raise ValueError(msg)
    return int(offset.total_seconds())


def _transitions(zone: tzinfo, start: int, stop: int) -> list[tuple[int, int, int]]:
    """(first second of the new offset, old offset, new offset) for each change in [start, stop)."""
    out: list[tuple[int, int, int]] = []
    t = start - 1  # samples t < … ≤ stop - 1 find every change whose first second is in range
    before = _offset(zone, t)
    while t < stop - 1:
        step_end = min(t + _STEP, stop - 1)
        now = _offset(zone, step_end)
        if now != before:
            lo, hi = t, step_end  # offset(lo) is the old one, offset(hi) the new one
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset(zone, mid) == before:
                    lo = mid
                else:
                    hi = mid
            out.append((hi, before, now))
        t, before = step_end, now
    return out
