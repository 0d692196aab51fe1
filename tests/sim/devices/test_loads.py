"""Load control devices and the smart appliance against the gateway on the simulated medium."""

from __future__ import annotations

from segateway.sim.devices import PoolPump, SmartAppliance, WaterHeater

from .devkit import (
    create_drlc_event,
    create_price_event,
    device_ieee,
    gateway_and_household,
    household_with,
    runtime_in,
    statuses,
)

STEP = 60.0
WATER_HEATER = 0x0004
POOL_PUMP = 0x0008
SMART_APPLIANCE = 0x0010


def test_a_curtailment_switches_the_water_heater_off_and_it_recovers_after() -> None:
    """An event naming no offset, set point, adjustment or duty cycle curtails an on/off load
    (our choice, docs/decisions.md); the tank's deficit grows meanwhile, so the element runs as
    soon as the event ends (it switches on above the 1.5 kWh band)."""
    heater = WaterHeater("wh", daily_kwh=30.0, seed=5)
    home, _ = household_with(heater, device_ieee(1))
    start_utc = home.timebase.now() + 60
    create_drlc_event(
        home,
        issuer_event_id=0xA1,
        device_class=WATER_HEATER,
        start_time=start_utc,
        duration_in_minutes=120,
        criticality_level=5,
    )
    t0 = home.timebase.clock_time(start_utc)
    home.run(t0 + 7200 + 1800 - home.clock.now())
    assert runtime_in(heater.trace, t0 + STEP, t0 + 7200) == 0.0
    # 30 kWh a day, ≥ 0.5 % of it an hour: 2 h of draws exceed the 1.5 kWh band only with the
    # heater off throughout; then it runs from the first step after the end
    assert runtime_in(heater.trace, t0 + 7200 + STEP, t0 + 7200 + 2 * STEP) == STEP
    assert statuses(home, device_ieee(1), 0xA1) == [0x01, 0x02, 0x03]


def test_a_duty_cycle_event_limits_the_pool_pump_and_it_makes_up_the_time() -> None:
    """Duty Cycle 25 %: at most 225 s of each 900 s window during the event; the pump owes its
    daily 6 h and runs them after."""
    # the gateway's clock starts at 05:46:40 UTC: the pump (04:00–10:00) is running
    pump = PoolPump("pool", start_hour=4.0, start_jitter_h=0.0, hours=6.0)
    home, _ = household_with(pump, device_ieee(2))
    start_utc = home.timebase.now() + 60
    create_drlc_event(
        home,
        issuer_event_id=0xA2,
        device_class=POOL_PUMP,
        start_time=start_utc,
        duration_in_minutes=60,
        duty_cycle=25,
    )
    t0 = home.timebase.clock_time(start_utc)
    home.run(t0 + 3600 - home.clock.now())
    first = (t0 // 900 + 1) * 900
    for w in range(3):
        assert runtime_in(pump.trace, first + 900 * w, first + 900 * (w + 1)) <= 225
    home.run(8 * 3600)
    assert pump.runtime == 6 * 3600  # the whole daily time, made up after the event
    assert statuses(home, device_ieee(2), 0xA2) == [0x01, 0x02, 0x03]


def test_a_negative_average_load_adjustment_lowers_the_running_fraction() -> None:
    """Average Load Adjustment Percentage -50 %: the pump (running all the time before the
    event) may run half of each window."""
    pump = PoolPump("pool", start_hour=4.0, start_jitter_h=0.0, hours=10.0)
    home, _ = household_with(pump, device_ieee(3))
    home.run(3600)  # an hour running: baseline fraction ≈ 1
    start_utc = home.timebase.now() + 60
    create_drlc_event(
        home,
        issuer_event_id=0xA3,
        device_class=POOL_PUMP,
        start_time=start_utc,
        duration_in_minutes=60,
        average_load_adjustment_percentage=-50,
    )
    t0 = home.timebase.clock_time(start_utc)
    home.run(t0 + 3600 - home.clock.now())
    first = (t0 // 900 + 1) * 900
    for w in range(3):
        ran = runtime_in(pump.trace, first + 900 * w, first + 900 * (w + 1))
        assert 300 <= ran <= 450


def test_the_smart_appliance_waits_while_the_price_is_above_its_threshold() -> None:
    """Publish Price: 0.40 (price 40, trailing digit 2) per kWh for an hour, above the
    appliance's 0.25 threshold: its cycle (1.2 kW, 90 min) waits and starts within a step of
    the price's end (the next price is none: cheap)."""
    home, household = gateway_and_household()
    appliance = SmartAppliance(
        "dishwasher", start_hour=6.0, start_jitter_h=0.0, price_threshold=0.25
    )
    household.add(appliance, device_ieee(4))
    household.start()
    # published before the appliance joins (its cycle is wanted from 06:00, after the join):
    # the client asks for the current price when it finds the ESI (late join)
    created = create_price_event(
        home,
        issuer_event_id=0x500,
        start_time=0,
        duration_in_minutes=60,
        price=40,
        price_trailing_digit_and_price_tier=0x21,
    )
    t0 = home.timebase.clock_time(created["record"]["start_time"])
    home.run(t0 + 3 * 3600 - home.clock.now())
    assert appliance.price is None  # the price expired
    changes = [(t, w) for t, w in appliance.trace.changes() if w > 0]
    assert changes, "the cycle ran"
    began = changes[0][0]
    assert t0 + 3600 <= began <= t0 + 3600 + 2 * STEP
    assert runtime_in(appliance.trace, began, began + 3 * 3600) == 5400


def test_the_smart_appliance_runs_at_its_hour_when_the_price_is_low() -> None:
    """0.12 per kWh is below the 0.25 threshold: the cycle starts at 06:00 UTC (clock 800 s:
    the gateway's clock starts at 05:46:40), within a step."""
    appliance = SmartAppliance("dishwasher", start_hour=6.0, start_jitter_h=0.0)
    home, _ = household_with(appliance, device_ieee(5))
    create_price_event(
        home,
        issuer_event_id=0x501,
        start_time=0,
        duration_in_minutes=60,
        price=12,
        price_trailing_digit_and_price_tier=0x21,
    )
    home.run(900 - home.clock.now())
    assert appliance.price == 0.12
    began = [t for t, w in appliance.trace.changes() if w > 0]
    assert began
    assert 800 <= began[0] <= 800 + STEP
