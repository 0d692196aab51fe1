"""What a modelled home draws: per-device power traces, their sum as the meter's load, the
outdoor temperature, and the DRLC controls a device applies.

* :class:`PowerTrace` — one device's electric power as a step function of clock time: a device
  changes its power only at discrete instants (a compressor starts, an element switches off), so
  its trace is a list of (time, watts) changes and its energy over any interval is a finite sum.
* :class:`HomeLoad` — the meter's load (an :class:`~segateway.sim.devices.meter.ExactLoad`):
  the demand is the sum of the devices' power now and the energy the sum of their energies, so
  the meter's CurrentSummationDelivered is the integral of the modelled loads.
* :class:`Weather` — the outdoor temperature at a UTC time: a daily sinusoid or a table of
  (hour of day, °C) points interpolated linearly (cyclic over the day).
* :class:`DrlcControl` — what the running, not opted-out DRLC events ask of a device class,
  decoded from the ``updated_active_DRLC_events`` records with the "not used" values of
  se-spec.md §2.5 (0xFF offsets and duty cycle, 0x8000 set points, 0x80 load adjustment).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

__all__ = [
    "DrlcControl",
    "HomeLoad",
    "PowerSource",
    "PowerTrace",
    "Weather",
]

_NOT_USED_U8 = 0xFF
_NOT_USED_SET_POINT = -0x8000
_NOT_USED_PERCENT = -0x80
_DAY = 86_400


class PowerTrace:
    """A device's power in watts as a step function of clock time (module doc)."""

    __slots__ = ("_times", "_watts")

    def __init__(self, start: float = 0.0, watts: float = 0.0) -> None:
        self._times = [float(start)]
        self._watts = [float(watts)]

    def set(self, t: float, watts: float) -> None:
        """The power is ``watts`` from ``t`` on (``t`` not before the last change)."""
        watts = float(watts)
        if not math.isfinite(watts) or watts < 0:
            msg = f"a device draws a finite, non-negative power, not {watts!r}"
            raise ValueError(msg)
        if t < self._times[-1]:
            msg = f"power changes go forward in time ({t} < {self._times[-1]})"
            raise ValueError(msg)
        if watts == self._watts[-1]:
            return
        if t == self._times[-1]:
            self._watts[-1] = watts
            if len(self._watts) > 1 and self._watts[-2] == watts:
                self._times.pop()
                self._watts.pop()
            return
        self._times.append(float(t))
        self._watts.append(watts)

    @property
    def now(self) -> float:
        """The latest power set."""
        return self._watts[-1]

    @property
    def start(self) -> float:
        return self._times[0]

    def changes(self) -> list[tuple[float, float]]:
        """(time, watts) of every change, the first being the start."""
        return list(zip(self._times, self._watts, strict=True))

    def at(self, t: float) -> float:
        """The power at ``t`` (0 before the start)."""
        i = bisect_right(self._times, t)
        return self._watts[i - 1] if i else 0.0

    def energy_j(self, t0: float, t1: float) -> float:
        """Energy over [t0, t1) in joules (a float; exact to the float's rounding)."""
        if t1 <= t0:
            return 0.0
        times, watts = self._times, self._watts
        i = max(bisect_right(times, t0) - 1, 0)
        parts: list[float] = []
        start = max(t0, times[0])
        n = len(times)
        while start < t1 and i < n:
            end = times[i + 1] if i + 1 < n else t1
            end = min(end, t1)
            if end > start and watts[i] > 0:
                parts.append(watts[i] * (end - start))
            start = max(start, end)
            i += 1
        return math.fsum(parts)


class PowerSource(Protocol):
    """Anything with a power trace: a modelled device or the home's unmetered base load."""

    @property
    def name(self) -> str: ...

    @property
    def trace(self) -> PowerTrace: ...


class HomeLoad:
    """The sum of a home's devices as the meter's load (an ExactLoad, module doc)."""

    __slots__ = ("_sources",)

    def __init__(self, sources: Iterable[PowerSource] = ()) -> None:
        self._sources: list[PowerSource] = list(sources)

    def add(self, source: PowerSource) -> None:
        self._sources.append(source)

    @property
    def sources(self) -> Sequence[PowerSource]:
        return tuple(self._sources)

    def __call__(self, t: float, /) -> float:
        return math.fsum(s.trace.at(t) for s in self._sources)

    def energy_j(self, t0: float, t1: float, /) -> Fraction:
        return Fraction(math.fsum(s.trace.energy_j(t0, t1) for s in self._sources))


@dataclass(frozen=True, slots=True)
class Weather:
    """The outdoor temperature (°C) at a UTC time: ``points`` (hour of day, °C) interpolated
    linearly and cyclically over the day when given, else ``mean + amplitude·cos(2π(h -
    peak_hour)/24)``."""

    mean: float = 25.0
    amplitude: float = 5.0
    peak_hour: float = 16.0
    points: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        values = [self.mean, self.amplitude, self.peak_hour]
        values += [v for p in self.points for v in p]
        if not all(math.isfinite(v) for v in values):
            msg = "weather values must be finite numbers"
            raise ValueError(msg)
        hours = [h for h, _ in self.points]
        if hours != sorted(hours) or len(set(hours)) != len(hours):
            msg = "weather points must have increasing hours"
            raise ValueError(msg)
        if any(not 0 <= h < 24 for h in hours):
            msg = "weather point hours are in [0, 24)"
            raise ValueError(msg)

    def at(self, utc: float) -> float:
        hour = (utc % _DAY) / 3600.0
        if not self.points:
            return self.mean + self.amplitude * math.cos(2 * math.pi * (hour - self.peak_hour) / 24)
        pts = self.points
        if len(pts) == 1:
            return pts[0][1]
        i = bisect_right([h for h, _ in pts], hour)
        h0, v0 = pts[i - 1] if i else (pts[-1][0] - 24, pts[-1][1])
        h1, v1 = pts[i] if i < len(pts) else (pts[0][0] + 24, pts[0][1])
        return v0 + (v1 - v0) * (hour - h0) / (h1 - h0)


@dataclass(frozen=True, slots=True)
class DrlcControl:
    """What the running DRLC events ask (module doc); ``None`` fields are "not used".

    Temperatures are °C, ``duty_cycle`` and ``load_adjustment`` fractions (0.3 = 30 %,
    -0.2 = -20 %). Where several events run for a device (different classes), the strictest
    value of each field wins."""

    issuer_event_ids: tuple[int, ...] = ()
    criticality: int = 0
    cooling_offset: float | None = None
    heating_offset: float | None = None
    cooling_set_point: float | None = None
    heating_set_point: float | None = None
    load_adjustment: float | None = None
    duty_cycle: float | None = None

    @property
    def active(self) -> bool:
        return bool(self.issuer_event_ids)

    @property
    def outage(self) -> bool:
        """Planned Outage (0x08) or Service Disconnect (0x09): the load is switched off."""
        return self.criticality in (0x08, 0x09)

    @property
    def curtails_only(self) -> bool:
        """An event that names no offset, set point, adjustment or duty cycle."""
        return self.active and all(
            v is None
            for v in (
                self.cooling_offset,
                self.heating_offset,
                self.cooling_set_point,
                self.heating_set_point,
                self.load_adjustment,
                self.duty_cycle,
            )
        )

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> DrlcControl:
        """From ``updated_active_DRLC_events`` records; opted-out events are left out."""
        ids: list[int] = []
        crit = 0
        fields: dict[str, list[float]] = {
            k: []
            for k in (
                "cooling_offset",
                "heating_offset",
                "cooling_set_point",
                "heating_set_point",
                "load_adjustment",
                "duty_cycle",
            )
        }
        for r in records:
            if r.get("opted_out") or r.get("event_state", "running") != "running":
                continue
            ids.append(int(r["issuer_event_id"]))
            crit = max(crit, int(r.get("criticality_level", 0)))
            if (v := int(r.get("cooling_temperature_offset", _NOT_USED_U8))) != _NOT_USED_U8:
                fields["cooling_offset"].append(v / 10)
            if (v := int(r.get("heating_temperature_offset", _NOT_USED_U8))) != _NOT_USED_U8:
                fields["heating_offset"].append(v / 10)
            sp = int(r.get("cooling_temperature_set_point", _NOT_USED_SET_POINT))
            if sp != _NOT_USED_SET_POINT:
                fields["cooling_set_point"].append(sp / 100)
            sp = int(r.get("heating_temperature_set_point", _NOT_USED_SET_POINT))
            if sp != _NOT_USED_SET_POINT:
                fields["heating_set_point"].append(sp / 100)
            adj = int(r.get("average_load_adjustment_percentage", _NOT_USED_PERCENT))
            if adj != _NOT_USED_PERCENT:
                fields["load_adjustment"].append(adj / 100)
            if (v := int(r.get("duty_cycle", _NOT_USED_U8))) != _NOT_USED_U8:
                fields["duty_cycle"].append(v / 100)
        # strictest: the largest offsets and cooling set point, the lowest of the rest
        pick = {
            "cooling_offset": max,
            "heating_offset": max,
            "cooling_set_point": max,
            "heating_set_point": min,
            "load_adjustment": min,
            "duty_cycle": min,
        }
        chosen = {k: (pick[k](v) if v else None) for k, v in fields.items()}
        return cls(issuer_event_ids=tuple(sorted(ids)), criticality=crit, **chosen)
