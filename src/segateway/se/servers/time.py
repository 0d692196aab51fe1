"""The ESI's Time server (se-spec.md §2.3; digi-se-devices.md §3.2).

Every attribute is computed when it is read: Time from the application's :class:`TimeBase`,
TimeZone / DstStart / DstEnd / DstShift from a ``zoneinfo`` zone (``SeConfig.extra["time_zone"]``,
UTC when absent; the zone's rules only, the host clock is never read), StandardTime and LocalTime
derived from them as §2.3 says.

Rules where the reference is silent (docs/decisions.md):

* Synchronized (the time base was set from an authoritative source): TimeStatus 0x0D
  (Master | MasterZoneDst | Superseding), as an ESI that should win time-source selection.
* Not synchronized: the server still answers, but honestly: TimeStatus 0x00 and Time,
  StandardTime, LocalTime, DstStart, DstEnd and ValidUntilTime read 0xFFFFFFFF ("not set"), so no
  client takes its time from us (clients never pick a server with neither Master nor
  Synchronized). TimeZone and DstShift still describe the configured zone.
* Nothing is writable over the air (READ_ONLY, 0x88): the gateway's clock drives every SE
  schedule and is set only from the host side (set_time / sync_time); the zone attributes come
  from the configuration.
* DstStart / DstEnd are the daylight-saving period in effect now, or else the next one (within
  400 days), so that ``DstStart ≤ Time < DstEnd`` tells whether DST applies; a zone without DST
  gives 0xFFFFFFFF for both and DstShift 0.
* ValidUntilTime = LastSetTime (or now, when the time base was never set explicitly) + one day
  (``valid_for``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...zcl.cluster import Attribute, Side
from ...zcl.clusters.time import Time, TimeStatus
from ...zcl.status import Status
from ..app import SeApplication
from ..endpoint import LocalCluster
from ..timebase import to_datetime

__all__ = ["MASTER_STATUS", "TimeServer", "ZoneRules", "load_zone", "zone_rules"]

INVALID = 0xFFFFFFFF
MASTER_STATUS = TimeStatus.master | TimeStatus.master_zone_dst | TimeStatus.superseding
VALID_FOR = 86_400  # seconds ValidUntilTime lies after the last setting
_DAY = 86_400
_SEARCH_DAYS = 400


@dataclass(frozen=True, slots=True)
class ZoneRules:
    """A zone's ZCL description at one moment: standard offset, the DST period in effect or
    next (UTCTime, INVALID when none) and its shift, all in seconds."""

    time_zone: int
    dst_start: int
    dst_end: int
    dst_shift: int
    until: int  # UTCTime until which these values hold (recompute from then on)

    def in_dst(self, utc: int) -> bool:
        return self.dst_start != INVALID and self.dst_start <= utc < self.dst_end


def _offsets(zone: ZoneInfo, utc: int) -> tuple[int, int]:
    """(UTC offset, DST part of it) in seconds at UTCTime ``utc``."""
    local = to_datetime(utc).astimezone(zone)
    offset = local.utcoffset() or timedelta(0)
    dst = local.dst() or timedelta(0)
    return int(offset.total_seconds()), int(dst.total_seconds())


def _in_dst(zone: ZoneInfo, utc: int) -> bool:
    return _offsets(zone, utc)[1] != 0


def _change_after(zone: ZoneInfo, utc: int, days: int) -> int | None:
    """The first UTCTime after ``utc`` whose DST state differs from ``utc``'s (or None)."""
    state = _in_dst(zone, utc)
    low = utc
    for _ in range(days):
        high = low + _DAY
        if _in_dst(zone, high) != state:
            while high - low > 1:  # invariant: state at low, not at high
                mid = (low + high) // 2
                if _in_dst(zone, mid) == state:
                    low = mid
                else:
                    high = mid
            return high
        low = high
    return None


def _change_before(zone: ZoneInfo, utc: int, days: int) -> int | None:
    """The first UTCTime of the period of ``utc``'s DST state (or None if it began earlier
    than ``days`` days ago)."""
    state = _in_dst(zone, utc)
    high = utc
    for _ in range(days):
        low = high - _DAY
        if low < 0:
            return None
        if _in_dst(zone, low) != state:
            while high - low > 1:  # invariant: not state at low, state at high
                mid = (low + high) // 2
                if _in_dst(zone, mid) == state:
                    high = mid
                else:
                    low = mid
            return high
        high = low
    return None


def zone_rules(zone: ZoneInfo, utc: int) -> ZoneRules:
    """The ZCL time-zone attributes of ``zone`` at UTCTime ``utc``."""
    offset, dst = _offsets(zone, utc)
    if dst:
        start = _change_before(zone, utc, _SEARCH_DAYS)
        end = _change_after(zone, utc, _SEARCH_DAYS)
        if start is not None and end is not None:
            return ZoneRules(offset - dst, start, end, dst, until=end)
        return ZoneRules(offset - dst, INVALID, INVALID, 0, until=utc + _DAY)
    start = _change_after(zone, utc, _SEARCH_DAYS)
    if start is None:
        return ZoneRules(offset, INVALID, INVALID, 0, until=utc + _DAY)
    end = _change_after(zone, start, _SEARCH_DAYS)
    shift = _offsets(zone, start)[1]
    if end is None:
        return ZoneRules(offset, INVALID, INVALID, 0, until=start)
    return ZoneRules(offset, start, end, shift, until=start)


def load_zone(name: object) -> ZoneInfo:
    """The zone named ``name`` (an IANA name such as ``Europe/Paris``); UTC for None or ""."""
    if name is None or name == "":
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        msg = f"unknown time zone {name!r} (time_zone wants an IANA name, e.g. Europe/Paris)"
        raise ValueError(msg) from exc


class TimeServer(LocalCluster):
    """Time server: the gateway's clock, time zone and daylight saving for every device."""

    definition = Time
    side = Side.server

    def __init__(self, zone: str | None = None, *, valid_for: int = VALID_FOR) -> None:
        super().__init__()
        self._zone_name = zone
        self.zone: ZoneInfo = load_zone(zone)
        self.valid_for = valid_for
        self._rules: ZoneRules | None = None
        self._rules_from = 0

    @property
    def app(self) -> SeApplication:
        host = self.host
        if not isinstance(host, SeApplication):
            msg = "TimeServer runs in an SeApplication"
            raise TypeError(msg)
        return host

    def start(self) -> None:
        """Take the zone from the configuration (``extra["time_zone"]``) unless one was given."""
        if self._zone_name is None:
            self.zone = load_zone(self.app.config.extra.get("time_zone"))
        self._rules = None

    def rules(self, utc: int) -> ZoneRules:
        """The zone's rules at ``utc`` (kept until they change or the time moves back)."""
        rules = self._rules
        if rules is None or not self._rules_from <= utc < rules.until:
            rules = self._rules = zone_rules(self.zone, utc)
            self._rules_from = utc
        return rules

    def read_value(self, attr: Attribute) -> Any:
        timebase = self.app.timebase
        now = timebase.now()
        synchronized = timebase.synchronized
        rules = self.rules(now)
        last_set = INVALID if timebase.last_set is None else timebase.last_set
        name = attr.name
        if name == "time_status":
            return MASTER_STATUS if synchronized else TimeStatus(0)
        if name == "time_zone":
            return rules.time_zone
        if name == "dst_shift":
            return rules.dst_shift
        if name == "last_set_time":
            return last_set
        if not synchronized:
            return INVALID
        standard = now + rules.time_zone
        values = {
            "time": now,
            "dst_start": rules.dst_start,
            "dst_end": rules.dst_end,
            "standard_time": standard,
            "local_time": standard + rules.dst_shift if rules.in_dst(now) else standard,
            "valid_until_time": (now if last_set == INVALID else last_set) + self.valid_for,
        }
        return values.get(name, super().read_value(attr))

    def check_write(self, attr: Attribute, value: Any) -> Status:
        return Status.READ_ONLY
