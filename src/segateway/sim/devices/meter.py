"""A simulated electricity meter: the Simple Metering server playing the meter's role.

:class:`MeteringServer` is the meter side of cluster 0x0702 on an SE endpoint. Its consumption
comes from a pluggable load, ``demand_w(t) -> watts`` at clock time ``t``, integrated on the
injected clock:

* **CurrentSummationDelivered** (0x0000) is ``summation + ⌊E × Divisor ÷ (Multiplier × 3.6 MJ)⌋``
  where ``E`` is the energy delivered since the meter started, in joules, kept as an exact
  fraction. For a load that knows its own integral (:class:`StepLoad`, anything with an
  ``energy_j(t0, t1)`` method) the register is exact to the last digit the divisor allows; any
  other callable is integrated with the midpoint rule on a grid of ``integration_step`` seconds
  aligned to the clock (exact for loads that only change on that grid). Negative demand (export)
  adds nothing to the delivered register; the register rolls over at 2⁴⁸ like a real one.
* **InstantaneousDemand** (0x0400) is the load now, ``W × Divisor ÷ (Multiplier × 1000)``
  rounded to the nearest step (halves away from zero), signed, clamped to int24.
* the Formatting Set (UnitofMeasure kWh, Multiplier, Divisor, Summation/Demand/Historical
  Consumption Formatting, MeteringDeviceType), Status, DefaultUpdatePeriod,
  ProfileIntervalPeriod, MaxNumberOfPeriodsDelivered and the current partial profile interval
  (0x0405, 0x0407) are served; the ZCL endpoint answers reads, discovery and Configure
  Reporting. Which attributes may be reported is the meter's choice (``reportable``, by default
  CurrentSummationDelivered and InstantaneousDemand); ``reportable=()`` makes a meter that
  refuses reporting with UNREPORTABLE_ATTRIBUTE.
* every ``update_period`` seconds (DefaultUpdatePeriod, aligned to UTC multiples of it) the meter
  refreshes its registers, which is when reports on change go out;
* **Get Profile**: the meter snapshots its register at every interval boundary (UTC multiples of
  the ProfileIntervalPeriod; daily = UTC midnight) and keeps a ring of ``history`` intervals. An
  interval's value is the difference of the register at its two ends, so the intervals of a
  response add up exactly to the register's change over them. The first interval after the
  meter starts is partial (from the start to the first boundary). A request for more periods
  than MaxNumberOfPeriodsDelivered gets that many (success; the count says so). That attribute
  defaults to 15, not the specification's 24: the network carries no fragmented frames, and 24
  intervals (an 82-byte ZCL frame) do not fit one secured frame, while 15 still fit with APS
  security and its extended nonce on top.

:func:`simulated_meter` puts such a meter on a simulated network: a router node that joins
through the trust center with its install code and runs an :class:`SeApplication` with Basic,
Identify, Key Establishment and the Metering server on a Metering Device endpoint (0x0501).
"""

from __future__ import annotations

import functools
import math
import random
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Protocol, cast, runtime_checkable

from ...radio import NetworkConfig, NodeType
from ...radio.sim import OnMedium, SimNetwork, TrustCenter
from ...se.app import Role, SeApplication, SeConfig
from ...se.clients.metering import INTERVAL_SECONDS
from ...se.endpoint import Incoming, LocalCluster, handles
from ...se.general import BasicServer, IdentifyServer, KeyEstablishmentServer
from ...se.timebase import TimeBase
from ...store import Store
from ...zcl.cluster import Access, Attribute, Side
from ...zcl.clusters.common import UnitOfMeasure
from ...zcl.clusters.metering import (
    Formatting,
    GetProfileStatus,
    IntervalChannel,
    Metering,
    MeteringDeviceType,
    MeterStatus,
    ProfileIntervalPeriod,
)
from ...zcl.status import Status
from ...zigbee.install_code import InstallCode
from ...zigbee.stack.node import Node
from ..clock import Clock, TimerHandle

__all__ = [
    "DEFAULT_REPORTABLE",
    "INTERVAL_SECONDS",
    "METERING_DEVICE",
    "ExactLoad",
    "Load",
    "MeteringServer",
    "SimulatedMeter",
    "StepLoad",
    "simulated_meter",
]

METERING_DEVICE = 0x0501  # SE device id: Metering Device
J_PER_KWH = 3_600_000
SUMMATION_DELIVERED = 0x0000
INSTANTANEOUS_DEMAND = 0x0400
PARTIAL_INTERVAL_START = 0x0405
PARTIAL_INTERVAL_VALUE = 0x0407
DEFAULT_REPORTABLE = (SUMMATION_DELIVERED, INSTANTANEOUS_DEMAND)
_UINT24_INVALID = 0xFFFFFF  # Get Profile: "no valid data for that interval"
_UINT48 = 1 << 48
_INT24 = (-(1 << 23), (1 << 23) - 1)


# --- loads ---------------------------------------------------------------------------------------


class Load(Protocol):
    """A load: the demand in watts at clock time ``t`` (seconds); negative = export."""

    def __call__(self, t: float, /) -> float: ...


@runtime_checkable
class ExactLoad(Protocol):
    """A load that also knows its delivered energy exactly (only demand > 0 counts)."""

    def __call__(self, t: float, /) -> float: ...

    def energy_j(self, t0: float, t1: float, /) -> Fraction:
        """Energy delivered over [t0, t1), in joules."""
        ...


class StepLoad:
    """A demand that changes only at given clock times: ``StepLoad(500, [(60, 1500), (7260,
    0)])`` is 500 W until t = 60, 1500 W until t = 7260, then nothing. A constant load is
    ``StepLoad(watts)``. Its energy is computed exactly."""

    __slots__ = ("_times", "_watts")

    def __init__(self, initial_w: float = 0.0, steps: Iterable[tuple[float, float]] = ()) -> None:
        pairs = sorted((float(t), float(w)) for t, w in steps)
        self._times = [t for t, _ in pairs]
        self._watts = [float(initial_w), *(w for _, w in pairs)]
        for value in (*self._times, *self._watts):
            if not math.isfinite(value):
                msg = "a step load needs finite times and watts"
                raise ValueError(msg)

    def __call__(self, t: float, /) -> float:
        return self._watts[bisect_right(self._times, t)]

    def then(self, t: float, watts: float) -> StepLoad:
        """This load with one more step at ``t`` (the steps after ``t`` are kept)."""
        steps = list(zip(self._times, self._watts[1:], strict=True))
        return StepLoad(self._watts[0], [*steps, (t, watts)])

    def energy_j(self, t0: float, t1: float, /) -> Fraction:
        total = Fraction(0)
        i = bisect_right(self._times, t0)
        start = t0
        while start < t1:
            end = self._times[i] if i < len(self._times) and self._times[i] < t1 else t1
            watts = self._watts[i]
            if watts > 0:
                total += Fraction(watts) * (Fraction(end) - Fraction(start))
            start = end
            i += 1
        return total

    def __repr__(self) -> str:
        steps = list(zip(self._times, self._watts[1:], strict=True))
        return f"StepLoad({self._watts[0]!r}, {steps!r})"


def _midpoint_energy(load: Load, t0: float, t1: float, step: float) -> Fraction:
    """∫ max(load, 0) over [t0, t1) by the midpoint rule on a grid of ``step`` seconds."""
    parts: list[float] = []
    start = t0
    while start < t1:
        end = (math.floor(start / step) + 1) * step
        if end <= start:  # float rounding at a grid point
            end = math.nextafter(start, math.inf)
        end = min(end, t1)
        watts = load((start + end) / 2)
        if watts > 0:
            parts.append(watts * (end - start))
        start = end
    return Fraction(math.fsum(parts))


@functools.lru_cache(maxsize=16)
def _attribute_table(reportable: frozenset[int]) -> Mapping[int, Attribute]:
    """Metering's server attributes with the report flag on ``reportable`` (one table per set,
    shared by every meter that makes the same choice)."""
    base = Metering.attributes_by_side[Side.server]
    unknown = reportable - set(base)
    if unknown:
        msg = f"not Metering server attributes: {sorted(unknown)}"
        raise ValueError(msg)
    return MappingProxyType(
        {
            aid: replace(attr, access=attr.access | Access.report) if aid in reportable else attr
            for aid, attr in base.items()
        }
    )


# --- the Metering server -------------------------------------------------------------------------


class MeteringServer(LocalCluster):
    """The meter side of Simple Metering, fed by a load (see the module doc)."""

    definition = Metering
    side = Side.server

    def __init__(
        self,
        demand_w: Load | float = 0.0,
        *,
        summation: int = 0,
        multiplier: int = 1,
        divisor: int = 1000,
        summation_formatting: int = 0x33,
        demand_formatting: int = 0x2B,
        historical_consumption_formatting: int = 0x2B,
        metering_device_type: MeteringDeviceType = MeteringDeviceType.electric,
        profile_interval_period: ProfileIntervalPeriod = ProfileIntervalPeriod.minutes_60,
        max_number_of_periods_delivered: int = 15,
        history: int = 96,
        update_period: int = 30,
        reportable: Iterable[int] = DEFAULT_REPORTABLE,
        timebase: TimeBase | None = None,
        integration_step: float = 1.0,
    ) -> None:
        if not 1 <= multiplier <= 0xFFFFFF or not 1 <= divisor <= 0xFFFFFF:
            msg = "Multiplier and Divisor are uint24 values from 1 (0 would divide by zero)"
            raise ValueError(msg)
        if not 1 <= update_period <= 0xFF:
            msg = "DefaultUpdatePeriod is 1–255 seconds"
            raise ValueError(msg)
        if not 1 <= max_number_of_periods_delivered <= 0xFF or history < 1:
            msg = "MaxNumberOfPeriodsDelivered is 1–255 and the history at least 1 interval"
            raise ValueError(msg)
        if not 0 <= summation < _UINT48:
            msg = "CurrentSummationDelivered is a uint48"
            raise ValueError(msg)
        if not integration_step > 0:
            msg = "the integration step must be positive"
            raise ValueError(msg)
        self._table = _attribute_table(frozenset(reportable))
        super().__init__()
        self.timebase = timebase
        self.integration_step = float(integration_step)
        self._load: Load = StepLoad(demand_w) if isinstance(demand_w, int | float) else demand_w
        self._exact = isinstance(self._load, ExactLoad)  # checked once: a Protocol check is slow
        self._initial = summation
        self._scale = Fraction(divisor, multiplier * J_PER_KWH)  # joules → register units
        self._demand_scale = Fraction(divisor, multiplier * 1000)  # watts → demand units
        self.period = ProfileIntervalPeriod(profile_interval_period)
        self.period_seconds = INTERVAL_SECONDS[self.period]
        self.update_period = update_period
        self.energy_j = Fraction(0)  # delivered since the meter first started
        # register (not rolled over) at each interval boundary, oldest first; the first entry
        # is the meter's start when fewer than ``history`` intervals have passed
        self._history = history
        self._snapshots: deque[tuple[int, int]] = deque(maxlen=history + 1)
        self._t: float | None = None  # integrated up to this clock time (None: not running)
        self._next_boundary = 0  # UTC of the next interval boundary
        self._clock: Clock | None = None
        self._tick: TimerHandle | None = None
        self._boundary_timer: TimerHandle | None = None
        self.values.update(
            {
                0x000A: update_period,  # DefaultUpdatePeriod
                0x000F: self.period,  # ProfileIntervalPeriod
                0x0200: MeterStatus(0),
                0x0300: UnitOfMeasure.kwh,
                0x0301: multiplier,
                0x0302: divisor,
                0x0303: Formatting(summation_formatting),
                0x0304: Formatting(demand_formatting),
                0x0305: Formatting(historical_consumption_formatting),
                0x0306: MeteringDeviceType(metering_device_type),
                0x0500: max_number_of_periods_delivered,
            }
        )

    # --- attributes -------------------------------------------------------------------------

    @property
    def attribute_table(self) -> Mapping[int, Attribute]:
        return self._table

    def read_value(self, attr: Attribute) -> Any:
        aid = attr.id
        if aid == SUMMATION_DELIVERED:
            return self.summation
        if aid == INSTANTANEOUS_DEMAND:
            return self.demand
        if aid == PARTIAL_INTERVAL_START:
            self._advance()
            return self._snapshots[-1][0] if self._snapshots else None
        if aid == PARTIAL_INTERVAL_VALUE:
            self._advance()
            if not self._snapshots:
                return None
            return min(self._register() - self._snapshots[-1][1], _UINT24_INVALID - 1)
        return super().read_value(attr)

    @property
    def summation(self) -> int:
        """CurrentSummationDelivered now (raw register value)."""
        self._advance()
        return self._register() % _UINT48

    @property
    def demand(self) -> int:
        """InstantaneousDemand now (raw, signed)."""
        now = self._clock.now() if self._clock is not None else 0.0
        exact = Fraction(self._load(now)) * self._demand_scale
        raw = math.floor(abs(exact) + Fraction(1, 2))
        raw = raw if exact >= 0 else -raw
        return max(_INT24[0], min(_INT24[1], raw))

    @property
    def delivered_kwh(self) -> Fraction:
        """Energy delivered since the meter started, exactly, in kWh (for simulations)."""
        self._advance()
        return self.energy_j / J_PER_KWH

    @property
    def status(self) -> int:
        return int(self.values[0x0200])

    @status.setter
    def status(self, bits: int) -> None:
        """Set the Status bitmap (check meter, low battery, tamper …)."""
        self.set(0x0200, MeterStatus(bits))

    @property
    def demand_w(self) -> Load:
        return self._load

    def set_load(self, demand_w: Load | float) -> None:
        """Replace the load from now on (the energy so far is counted with the old one)."""
        self._advance()
        self._load = StepLoad(demand_w) if isinstance(demand_w, int | float) else demand_w
        self._exact = isinstance(self._load, ExactLoad)
        self._refresh()

    def forget_reporting(self) -> None:
        """Drop every reporting configuration, as a meter that does not keep it across a power
        cycle does: reports stop until someone configures them again."""
        for config in self.reporting.values():
            if config.timer is not None:
                config.timer.cancel()
        self.reporting.clear()

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Power on: integrate from now, snapshot at interval boundaries, refresh registers."""
        host = self.host
        self._clock = host.clock
        if self.timebase is None:
            self.timebase = (
                host.timebase if isinstance(host, SeApplication) else TimeBase(host.clock)
            )
        self._t = self._clock.now()
        utc = self.timebase.now_exact()
        if not self._snapshots:
            self._snapshots.append((int(utc), self._register()))
        else:  # powered on again: the boundaries passed while off close empty intervals
            period = self.period_seconds
            last = math.floor(utc / period) * period
            first = max(self._next_boundary, last - self._history * period)
            register = self._register()
            self._snapshots.extend((b, register) for b in range(first, last + 1, period))
        self._next_boundary = self._boundary_after(utc)
        self._schedule_boundary()
        self._schedule_tick()

    def close(self) -> None:
        """Power off: count the energy so far, stop the timers (nothing is counted while off)."""
        self._advance()
        self._t = None
        for timer in (self._tick, self._boundary_timer):
            if timer is not None:
                timer.cancel()
        self._tick = self._boundary_timer = None

    # --- integration ------------------------------------------------------------------------

    def _register(self) -> int:
        return self._initial + math.floor(self.energy_j * self._scale)

    def _energy(self, t0: float, t1: float) -> Fraction:
        load = self._load
        if self._exact:
            return cast("ExactLoad", load).energy_j(t0, t1)
        return _midpoint_energy(load, t0, t1, self.integration_step)

    def _boundary_after(self, utc: float) -> int:
        period = self.period_seconds
        return (math.floor(utc / period) + 1) * period

    def _advance(self) -> None:
        """Integrate the load up to now, snapshotting the register at each boundary passed."""
        clock, timebase, t = self._clock, self.timebase, self._t
        if clock is None or timebase is None or t is None:
            return
        now = clock.now()
        offset = timebase.now_exact() - now  # UTC = clock time + offset
        while True:
            boundary = self._next_boundary
            at = boundary - offset
            if at > now:
                break
            end = max(t, at)
            if end > t:
                self.energy_j += self._energy(t, end)
                t = end
            self._snapshots.append((boundary, self._register()))
            self._next_boundary = max(
                boundary + self.period_seconds, self._boundary_after(t + offset)
            )
        if now > t:
            self.energy_j += self._energy(t, now)
        self._t = now

    def _schedule_boundary(self) -> None:
        if self._clock is None or self.timebase is None:
            return
        at = self.timebase.clock_time(self._next_boundary)
        self._boundary_timer = self._clock.call_at(at, self._on_boundary)

    def _on_boundary(self) -> None:
        self._advance()
        self._schedule_boundary()

    def _schedule_tick(self) -> None:
        if self._clock is None or self.timebase is None:
            return
        period = self.update_period
        utc = self.timebase.now_exact()
        nxt = (math.floor(utc / period) + 1) * period
        self._tick = self._clock.call_at(self.timebase.clock_time(nxt), self._on_tick)

    def _on_tick(self) -> None:
        self._refresh()
        self._schedule_tick()

    def _refresh(self) -> None:
        """Update the registers: reports on change go out from here."""
        if self._t is None:
            return
        for aid in (SUMMATION_DELIVERED, INSTANTANEOUS_DEMAND, PARTIAL_INTERVAL_VALUE):
            self.set(aid, self.read_value(self._table[aid]))

    # --- Get Profile ------------------------------------------------------------------------

    def profile(
        self, end_time: int, number_of_periods: int
    ) -> tuple[GetProfileStatus, int, list[int]]:
        """(status, end time, intervals newest first) for a Get Profile on the delivered
        channel: the newest intervals ending at or before ``end_time`` (0 = the newest),
        at most ``number_of_periods`` and at most MaxNumberOfPeriodsDelivered of them."""
        self._advance()
        snapshots = list(self._snapshots)
        if end_time == 0:
            newest = len(snapshots) - 1
        else:
            ends = [utc for utc, _ in snapshots]
            newest = bisect_right(ends, end_time) - 1
        if newest < 1:
            return GetProfileStatus.no_intervals_available_for_the_requested_time, end_time, []
        count = min(number_of_periods, int(self.values[0x0500]), newest)
        intervals = []
        for k in range(newest, newest - count, -1):
            value = snapshots[k][1] - snapshots[k - 1][1]
            intervals.append(value if value < _UINT24_INVALID else _UINT24_INVALID)
        return GetProfileStatus.success, snapshots[newest][0], intervals

    @handles("get_profile")
    def _get_profile(self, incoming: Incoming) -> Status | None:
        payload = incoming.payload
        channel = int(payload.interval_channel)
        intervals: list[int] = []
        end_time = int(payload.end_time)
        if channel == IntervalChannel.consumption_delivered:
            status, end_time, intervals = self.profile(end_time, int(payload.number_of_periods))
        elif channel == IntervalChannel.consumption_received:
            status = GetProfileStatus.interval_channel_not_supported  # we meter delivery only
        else:
            status = GetProfileStatus.undefined_interval_channel_requested
        endpoint = self.endpoint
        if endpoint is None:
            return Status.FAILURE
        endpoint.respond(
            self,
            incoming,
            "get_profile_response",
            {
                "end_time": end_time,
                "status": status,
                "profile_interval_period": self.period,
                "number_of_periods_delivered": len(intervals),
                "intervals": intervals,
            },
        )
        return None


# --- a meter on a simulated network --------------------------------------------------------------


@dataclass
class SimulatedMeter:
    """A meter node on a simulated network and the SE application it runs."""

    node: Node
    app: SeApplication
    metering: MeteringServer
    install_code: InstallCode

    @property
    def ieee(self) -> int:
        return self.node.ieee

    @property
    def running(self) -> bool:
        """True once the node joined and the application started."""
        return self.app.started


def simulated_meter(
    network: SimNetwork,
    ieee: int,
    *,
    trust_center: TrustCenter,
    demand_w: Load | float | None = None,
    metering: MeteringServer | None = None,
    endpoint_id: int = 1,
    timebase: TimeBase | None = None,
    store: Store | None = None,
    install_code: bytes | None = None,
    neighbours: Iterable[OnMedium] = (),
    lqi: int = 230,
    random_bytes: Callable[[int], bytes] | None = None,
    model_identifier: str = "segateway-meter",
) -> SimulatedMeter:
    """Add a meter to ``network``: a router that joins through ``trust_center`` with its
    install code (registered there, as an installer would) and starts its application once
    joined. Drive the network's clock to let it join (e.g. ``network.run_until(lambda:
    meter.running, timeout=60)``).

    ``metering`` is the meter's Metering server (default: one fed by ``demand_w``, no load if
    that is not given either, with the defaults of :class:`MeteringServer`); ``timebase`` its
    UTC clock (default: the network clock read as UTCTime, unsynchronized); ``install_code``
    the code without CRC (default: the IEEE address's 8 bytes, which is fine for a
    simulation). The node hears ``trust_center`` and every node of ``neighbours`` with link
    quality ``lqi``."""
    if metering is not None and demand_w is not None:
        msg = "give the load to the MeteringServer (metering) or as demand_w, not both"
        raise ValueError(msg)
    node = network.add_node(ieee, NodeType.router, random_bytes=random_bytes)
    network.link(node, trust_center, lqi=lqi)
    for other in neighbours:
        network.link(node, other, lqi=lqi)
    code = InstallCode.from_code(install_code or ieee.to_bytes(8, "big"))
    trust_center.add_install_code(ieee, code.code + code.crc)
    timebase = timebase or TimeBase(network.clock)
    meter = metering or MeteringServer(demand_w or 0.0, timebase=timebase)
    if meter.timebase is None:
        meter.timebase = timebase
    app = SeApplication(
        node,
        network.clock,
        store or Store(":memory:"),
        # a meter has no gateway configuration: the role only tags its own store; its endpoint
        # is a Metering Device with the clusters below
        config=SeConfig(
            role=Role.ipd_router,
            endpoint_id=endpoint_id,
            device_id=METERING_DEVICE,
            model_identifier=model_identifier,
            refresh_rate=0,
        ),
        rng=random.Random(network.rng.getrandbits(64)),  # noqa: S311 - simulation
        timebase=timebase,
        clusters=[
            BasicServer(model_identifier=model_identifier),
            IdentifyServer(),
            KeyEstablishmentServer(),
            meter,
        ],
    )

    def joined(ok: bool) -> None:
        if ok and not app.started:
            app.start()

    extended_pan_id = trust_center.info().extended_pan_id
    node.join(NetworkConfig(extended_pan_id=extended_pan_id, link_key=code.link_key), joined)
    return SimulatedMeter(node, app, meter, code)
