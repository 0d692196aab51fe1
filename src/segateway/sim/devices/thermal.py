"""The programmable communicating thermostat (SE device 0x0503) over a first-order thermal model.

**House**: one thermal mass ``C`` (J/K) exchanging heat with outdoors through ``UA`` (W/K), with
internal gains ``gains_w`` and the HVAC's thermal output ``Q`` (W; removed when cooling, added
when heating)::

    C · dT/dt = UA · (T_out - T) + gains ± Q · on

Over one step the outdoor temperature and the compressor state are held, so the step is solved
exactly: ``T(t+dt) = T_eq + (T - T_eq) · exp(-UA·dt/C)`` with ``T_eq = T_out + (gains ± Q·on)/UA``.

Without a ``house`` given, each thermostat gets its own: UA and C spread ± ``diversity`` around
300 W/K and 8 MJ/K, the capacity ± half that, the room somewhere in the dead band (drawn with
the device's seed), so that a neighbourhood's compressors do not cycle in step.

**Thermostat**: cooling (``mode="cool"``) runs the compressor when the room is above the set point
plus half the dead band and stops it below the set point minus half; heating mirrors it. The
electric power is ``Q / COP`` while running.

**DRLC** (se-spec.md §2.5, device class HVAC 0x0001), applied from the next step:

* Cooling/Heating Temperature Set Point (0.01 °C) replaces the set point; otherwise the
  Cooling/Heating Temperature Offset (0.1 °C) raises the cooling set point / lowers the heating one;
* Duty Cycle and Average Load Adjustment Percentage cap the compressor's running time per window
  (:class:`~segateway.sim.devices.base.DutyLimiter`);
* Planned Outage and Service Disconnect (criticality 0x08, 0x09) stop the compressor; an event
  that names none of the above fields changes nothing (a thermostat needs a set point to move).

When the event ends the set point returns and the compressor runs to pull the room back: the
rebound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Literal

from ...se.clients.price import PriceClient
from ...se.endpoint import LocalCluster
from .base import DutyLimiter, ModelledDevice
from .power import Weather

__all__ = ["HVAC_CLASS", "PCT_DEVICE_ID", "ThermalHouse", "Thermostat"]

PCT_DEVICE_ID = 0x0503
HVAC_CLASS = 0x0001

Mode = Literal["cool", "heat"]


@dataclass(slots=True)
class ThermalHouse:
    """A house's thermal parameters and its indoor temperature (module doc)."""

    ua_w_per_k: float = 300.0
    capacity_j_per_k: float = 8.0e6
    gains_w: float = 500.0
    indoor_c: float = 24.0

    def __post_init__(self) -> None:
        if not (self.ua_w_per_k > 0 and self.capacity_j_per_k > 0):
            msg = "a house needs a positive UA and thermal mass"
            raise ValueError(msg)

    def advance(self, dt: float, outdoor_c: float, hvac_w: float) -> None:
        """Advance ``dt`` seconds with ``hvac_w`` of heat added (negative: removed)."""
        equilibrium = outdoor_c + (self.gains_w + hvac_w) / self.ua_w_per_k
        decay = math.exp(-self.ua_w_per_k * dt / self.capacity_j_per_k)
        self.indoor_c = equilibrium + (self.indoor_c - equilibrium) * decay


class Thermostat(ModelledDevice):
    """A PCT driving the HVAC of a :class:`ThermalHouse` (module doc)."""

    kind: ClassVar[str] = "thermostat"
    device_id: ClassVar[int] = PCT_DEVICE_ID
    device_class: ClassVar[int] = HVAC_CLASS

    def __init__(
        self,
        name: str,
        *,
        weather: Weather,
        mode: Mode = "cool",
        cooling_set_point: float = 24.0,
        heating_set_point: float = 20.0,
        dead_band: float = 1.0,
        house: ThermalHouse | None = None,
        diversity: float = 0.2,
        capacity_w: float = 10_500.0,
        cop: float = 3.0,
        duty_window: float = 900.0,
        seed: int = 0,
        opts_out: bool = False,
        ignores_drlc: bool = False,
        start_randomization_minutes: int = 0,
    ) -> None:
        super().__init__(
            name,
            seed=seed,
            opts_out=opts_out,
            ignores_drlc=ignores_drlc,
            start_randomization_minutes=start_randomization_minutes,
        )
        if mode not in ("cool", "heat"):
            msg = f"a thermostat mode is 'cool' or 'heat', not {mode!r}"
            raise ValueError(msg)
        if not (capacity_w > 0 and cop > 0 and dead_band > 0):
            msg = "HVAC capacity, COP and dead band must be positive"
            raise ValueError(msg)
        self.weather = weather
        self.mode: Mode = mode
        self.cooling_set_point = cooling_set_point
        self.heating_set_point = heating_set_point
        self.dead_band = dead_band
        if not 0 <= diversity < 1:
            msg = "diversity is a fraction in [0, 1)"
            raise ValueError(msg)
        if house is None:  # a house of its own: parameters and start spread by the seed
            spread = self.rng.uniform
            set_point = cooling_set_point if mode == "cool" else heating_set_point
            house = ThermalHouse(
                ua_w_per_k=300.0 * spread(1 - diversity, 1 + diversity),
                capacity_j_per_k=8.0e6 * spread(1 - diversity, 1 + diversity),
                indoor_c=set_point + spread(-dead_band / 2, dead_band / 2),
            )
            capacity_w *= spread(1 - diversity / 2, 1 + diversity / 2)
        self.house = house
        self.capacity_w = capacity_w
        self.electric_w = capacity_w / cop
        self.limiter = DutyLimiter(duty_window)
        self.on = False

    def extra_clusters(self) -> list[LocalCluster]:
        return [*super().extra_clusters(), PriceClient()]

    @property
    def set_point(self) -> float:
        """The set point in force now (°C), DRLC included."""
        c = self.control
        if self.mode == "cool":
            if c.cooling_set_point is not None:
                return c.cooling_set_point
            return self.cooling_set_point + (c.cooling_offset or 0.0)
        if c.heating_set_point is not None:
            return c.heating_set_point
        return self.heating_set_point - (c.heating_offset or 0.0)

    def step(self, t: float, dt: float, utc: float) -> None:
        room = self.house.indoor_c
        sp = self.set_point
        half = self.dead_band / 2
        error = room - sp if self.mode == "cool" else sp - room
        if error > half:
            wants = True
        elif error < -half:
            wants = False
        else:
            wants = self.on
        on = wants and self.limiter.allows(t, dt, self.limiter.limit(self.control))
        self.on = on
        self.limiter.record(t, dt, on=on)
        self._run(t, dt, self.electric_w, on=on)
        heat = (-self.capacity_w if self.mode == "cool" else self.capacity_w) if on else 0.0
        self.house.advance(dt, self.weather.at(utc + dt / 2), heat)
