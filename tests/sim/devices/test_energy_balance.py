"""Energy balance: the meter's CurrentSummationDelivered, read through the gateway's Metering
client in engineering units (kWh), equals the integral of the home's modelled loads.

The register is ⌊E × Divisor ÷ (Multiplier × 3.6 MJ)⌋ (se-spec.md Metering formatting, the meter's
Divisor 1000 → 1 Wh steps), so between two reads the change differs from the integral by less
than one step either way. The integral is computed here from each device's trace of power
changes with a plain loop; each read is bracketed by the clock times its request left and its
answer arrived, so the expected energy lies between the integral over the inner and the outer
brackets.
"""

from __future__ import annotations

from decimal import Decimal

from segateway.sim.devices import (
    PoolPump,
    SmartAppliance,
    ThermalHouse,
    Thermostat,
    WaterHeater,
    Weather,
)

from .devkit import (
    create_drlc_event,
    device_ieee,
    gateway_and_household,
    integral_j,
    read_summation,
    start,
)

STEP_KWH = Decimal("0.001")


def test_summation_read_through_the_gateway_equals_the_integral_of_the_modelled_loads() -> None:
    home, household = gateway_and_household(base_load=1.0)
    weather = Weather(mean=30.0, amplitude=6.0, peak_hour=8.0)
    household.add(
        Thermostat("pct", weather=weather, house=ThermalHouse(indoor_c=24.3), seed=1),
        device_ieee(1),
    )
    household.add(WaterHeater("wh", seed=2), device_ieee(2))
    household.add(PoolPump("pool", start_hour=4.0, start_jitter_h=0.0, seed=3), device_ieee(3))
    household.add(
        SmartAppliance("dishwasher", start_hour=5.0, start_jitter_h=0.0, seed=4), device_ieee(4)
    )
    start(home, household)
    first, unit, sent1, got1 = read_summation(home)
    assert unit == "kWh"
    create_drlc_event(
        home,
        issuer_event_id=0xE1,
        device_class=0x0FFF,
        start_time=home.timebase.now() + 600,
        duration_in_minutes=45,
        cooling_temperature_offset=20,
        duty_cycle=40,
    )
    home.run(3 * 3600 + 17.3)
    second, _, sent2, got2 = read_summation(home)
    sources = list(household.load.sources)
    assert len(sources) == 5  # base load + four devices
    inner = sum(integral_j(s.trace, got1, sent2) for s in sources) / 3.6e6
    outer = sum(integral_j(s.trace, sent1, got2) for s in sources) / 3.6e6
    assert inner > 5.0  # kWh: the loads really ran
    delta = second - first
    assert Decimal(inner) - STEP_KWH < delta < Decimal(outer) + STEP_KWH
