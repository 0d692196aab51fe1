"""On/off loads: load control devices (water heater, pool pump), the price-reactive smart
appliance, and the home's unmetered base load.

* :class:`WaterHeater` (Load Control Device 0x0504, class Water heater 0x0004): the tank's energy
  deficit grows with hot-water draws (a daily profile, more in the morning and the evening) and
  standby losses; the element switches on when the deficit passes ``band_j`` and off when the
  tank is full again.
* :class:`PoolPump` (0x0504, class Pool pump 0x0008): must run ``hours`` a day, from
  ``start_hour`` (UTC, ± ``start_jitter_h``) on; time lost to an event is made up after it,
  before midnight.
* :class:`SmartAppliance` (0x0505, class Smart appliances 0x0010): one cycle a day (a
  dishwasher: ``cycle_w`` for ``cycle_s``) wanted from ``start_hour`` (UTC, + up to
  ``start_jitter_h``); it waits while the active price is above ``price_threshold`` (currency
  units per kWh, from Publish Price with its trailing digit), or while a DRLC event runs, at
  most ``max_delay_s``; a started cycle runs to its end.
* :class:`BaseLoad`: lighting, fridge, electronics — not an SE node, on the meter all the same:
  a daily profile of hourly values.

Under DRLC the load control devices follow
:class:`~segateway.sim.devices.base.DutyLimiter` (duty cycle, average load adjustment); an event
that names neither, and Planned Outage / Service Disconnect, switch the load off for the event.
"""

from __future__ import annotations

import random
from typing import Any, ClassVar

from ...se.bus import Notification, UpdatedActivePriceEvent
from ...se.clients.price import PriceClient
from ...se.endpoint import LocalCluster
from .base import DutyLimiter, ModelledDevice
from .power import PowerTrace

__all__ = [
    "BASE_PROFILE_W",
    "DRAW_PROFILE",
    "BaseLoad",
    "PoolPump",
    "SmartAppliance",
    "WaterHeater",
]

_DAY = 86_400
# fraction of the day's hot water drawn in each UTC hour (sums to 1)
DRAW_PROFILE = (
    0.01, 0.005, 0.005, 0.005, 0.01, 0.03, 0.09, 0.12, 0.09, 0.05, 0.04, 0.03,
    0.03, 0.03, 0.03, 0.03, 0.04, 0.06, 0.08, 0.09, 0.08, 0.05, 0.03, 0.02,
)  # fmt: skip
# a home's base load in watts for each UTC hour
BASE_PROFILE_W = (
    350, 320, 300, 300, 310, 350, 500, 650, 600, 500, 480, 480,
    500, 500, 500, 520, 600, 750, 900, 950, 900, 800, 600, 450,
)  # fmt: skip


def _hour(utc: float) -> int:
    return int((utc % _DAY) // 3600)


class _OnOffLoad(ModelledDevice):
    """A load control device: switched on/off, limited by DRLC (module doc)."""

    def __init__(self, name: str, *, rated_w: float, duty_window: float = 900.0, **kw: Any) -> None:
        super().__init__(name, **kw)
        if not rated_w > 0:
            msg = "a load's rated power must be positive"
            raise ValueError(msg)
        self.rated_w = float(rated_w)
        self.limiter = DutyLimiter(duty_window)
        self.on = False

    def allowed(self, t: float, dt: float) -> bool:
        control = self.control
        limit = self.limiter.limit(control)
        if control.curtails_only:
            limit = 0.0
        return self.limiter.allows(t, dt, limit)

    def switch(self, t: float, dt: float, *, wants: bool) -> bool:
        on = wants and self.allowed(t, dt)
        self.on = on
        self.limiter.record(t, dt, on=on)
        self._run(t, dt, self.rated_w, on=on)
        return on


class WaterHeater(_OnOffLoad):
    """An electric tank water heater (module doc)."""

    kind: ClassVar[str] = "water_heater"
    device_class: ClassVar[int] = 0x0004

    def __init__(
        self,
        name: str,
        *,
        rated_w: float = 4500.0,
        daily_kwh: float = 9.0,
        standby_w: float = 60.0,
        band_kwh: float = 1.5,
        **kw: Any,
    ) -> None:
        super().__init__(name, rated_w=rated_w, **kw)
        if daily_kwh < 0 or standby_w < 0 or not band_kwh > 0:
            msg = "water use and losses are non-negative, the band positive"
            raise ValueError(msg)
        self.daily_j = daily_kwh * 3.6e6 * self.rng.uniform(0.8, 1.2)
        self.standby_w = standby_w
        self.band_j = band_kwh * 3.6e6
        self.deficit_j = self.rng.uniform(0.0, self.band_j)

    def step(self, t: float, dt: float, utc: float) -> None:
        if self.deficit_j > self.band_j:
            wants = True
        elif self.deficit_j <= 0:
            wants = False
        else:
            wants = self.on
        on = self.switch(t, dt, wants=wants)
        draw_w = self.daily_j * DRAW_PROFILE[_hour(utc)] / 3600.0
        self.deficit_j += (draw_w + self.standby_w - (self.rated_w if on else 0.0)) * dt
        self.deficit_j = max(self.deficit_j, -self.rated_w * dt)


class PoolPump(_OnOffLoad):
    """A pool pump with a daily running time (module doc)."""

    kind: ClassVar[str] = "pool_pump"
    device_class: ClassVar[int] = 0x0008

    def __init__(
        self,
        name: str,
        *,
        rated_w: float = 1100.0,
        hours: float = 6.0,
        start_hour: float = 10.0,
        start_jitter_h: float = 1.0,
        **kw: Any,
    ) -> None:
        super().__init__(name, rated_w=rated_w, **kw)
        if not 0 <= hours <= 24 or not 0 <= start_hour < 24:
            msg = "a pool pump runs 0–24 hours from a start hour in [0, 24)"
            raise ValueError(msg)
        self.daily_s = hours * 3600.0
        jitter = self.rng.uniform(-start_jitter_h, start_jitter_h)
        self.start_s = (start_hour + jitter) % 24 * 3600.0
        self._day: int | None = None
        self.owed_s = 0.0

    def step(self, t: float, dt: float, utc: float) -> None:
        day = int(utc // _DAY)
        if day != self._day:
            self._day = day
            self.owed_s = self.daily_s
        wants = self.owed_s > 0 and utc % _DAY >= self.start_s
        if self.switch(t, dt, wants=wants):
            self.owed_s -= dt


class SmartAppliance(ModelledDevice):
    """A price-reactive appliance with one cycle a day (module doc)."""

    kind: ClassVar[str] = "smart_appliance"
    device_id: ClassVar[int] = 0x0505
    device_class: ClassVar[int] = 0x0010

    def __init__(
        self,
        name: str,
        *,
        cycle_w: float = 1200.0,
        cycle_s: float = 5400.0,
        start_hour: float = 19.0,
        price_threshold: float = 0.25,
        max_delay_s: float = 8 * 3600.0,
        start_jitter_h: float = 2.0,
        **kw: Any,
    ) -> None:
        super().__init__(name, **kw)
        if not (cycle_w > 0 and cycle_s > 0 and max_delay_s >= 0 and 0 <= start_hour < 24):
            msg = "a cycle needs positive power and length, a start hour in [0, 24)"
            raise ValueError(msg)
        self.cycle_w = float(cycle_w)
        self.cycle_s = float(cycle_s)
        self.start_s = (start_hour + self.rng.uniform(0.0, start_jitter_h)) % 24 * 3600.0
        self.price_threshold = price_threshold
        self.max_delay_s = max_delay_s
        self.price: float | None = None  # currency units per kWh, None: no price active
        self.remaining_s = 0.0
        self.deferred_s = 0.0  # how long the cycle waited (price or event)
        self._wanted_since: float | None = None
        self._done_day: int | None = None

    def extra_clusters(self) -> list[LocalCluster]:
        return [*super().extra_clusters(), PriceClient()]

    def notify(self, notification: Notification) -> None:
        super().notify(notification)
        if isinstance(notification, UpdatedActivePriceEvent):
            records = notification.record_list
            if not records:
                self.price = None
                return
            record = records[0]
            digits = (int(record.get("price_trailing_digit_and_price_tier", 0)) >> 4) & 0x0F
            self.price = int(record["price"]) / 10**digits

    def step(self, t: float, dt: float, utc: float) -> None:
        day = int(utc // _DAY)
        if self.remaining_s <= 0 and self._done_day != day and utc % _DAY >= self.start_s:
            if self._wanted_since is None:
                self._wanted_since = t
            waited = t - self._wanted_since
            expensive = self.price is not None and self.price > self.price_threshold
            held = self.control.active and not self.ignores_drlc
            if (expensive or held) and waited < self.max_delay_s:
                self.deferred_s = waited + dt
            else:
                self.remaining_s = self.cycle_s
                self._done_day = day
                self._wanted_since = None
        on = self.remaining_s > 0
        self._run(t, dt, self.cycle_w, on=on)
        if on:
            self.remaining_s -= dt


class BaseLoad:
    """A home's unmetered base load: hourly values of :data:`BASE_PROFILE_W`, scaled (module
    doc). Not an SE device: it has a trace and a step, no node."""

    kind: ClassVar[str] = "base"

    def __init__(self, name: str, *, scale: float = 1.0, seed: int = 0) -> None:
        rng = random.Random(seed)  # noqa: S311 - simulation randomness
        self.name = name
        self.profile = tuple(w * scale * rng.uniform(0.85, 1.15) for w in BASE_PROFILE_W)
        self.trace = PowerTrace()
        self.runtime = 0.0

    def begin(self, t: float, utc: float) -> None:
        self.trace = PowerTrace(t, self.profile[_hour(utc)])

    def step(self, t: float, dt: float, utc: float) -> None:
        self.trace.set(t, self.profile[_hour(utc)])
