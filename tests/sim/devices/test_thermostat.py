"""The programmable communicating thermostat against the gateway on the simulated medium.

Expected values come from the thermal model's closed form, worked out here by hand for a house
with UA = 300 W/K, C = 8 MJ/K, 500 W internal gains, 35 °C outside, a 10.5 kW (thermal) air
conditioner with COP 3 (3.5 kW electric), set point 24 °C, dead band 1 K (the room stays in
[23.5, 24.5] °C while nothing interferes). τ = C / UA = 26 667 s.

* Compressor off, the room tends to T_eq = 35 + 500/300 = 36.67 °C. With a 3.0 °C offset the
  compressor restarts at 27.5 °C: from at most 24.5 °C that takes τ·ln((36.67 - 24.5)/(36.67 -
  27.5)) = 7 550 s > the 2 h event: **no compressor time during the event**.
* After 2 h off the room is at least 36.67 - (36.67 - 23.5)·e^(-7200/τ) = 26.61 °C; with the
  compressor on it tends to 35 + (500 - 10 500)/300 = 1.67 °C, and reaching 23.5 °C takes at least
  τ·ln((26.61 - 1.67)/(23.5 - 1.67)) = 3 550 s: **the compressor runs the whole hour after**.
* Without the event, the house's heat balance over a window Δt bounds the runtime R:
  Q·R = ∫(UA·(T_out - T) + gains) dt - C·ΔT with T in [23.5, 24.5] and |ΔT| ≤ 1 K:
  R ∈ [(3 650·Δt - 8·10⁶)/10 500, (3 950·Δt + 8·10⁶)/10 500] → over 2 h [1 741, 3 471] s, over
  1 h [490, 2 116] s.
"""

from __future__ import annotations

from segateway.sim.devices import Household, ThermalHouse, Thermostat, Weather

from ...se.sekit import Home
from .devkit import (
    HVAC,
    create_drlc_event,
    device_ieee,
    household_with,
    read_summation,
    runtime_in,
    statuses,
)

THERMOSTAT = device_ieee(1)
HOT = Weather(mean=35.0, amplitude=0.0)
STEP = 60.0


def _home(
    *, opts_out: bool = False, ignores_drlc: bool = False
) -> tuple[Home, Household, Thermostat]:
    thermostat = Thermostat(
        "pct",
        weather=HOT,
        house=ThermalHouse(ua_w_per_k=300.0, capacity_j_per_k=8e6, gains_w=500.0, indoor_c=24.0),
        capacity_w=10_500.0,
        cop=3.0,
        cooling_set_point=24.0,
        dead_band=1.0,
        opts_out=opts_out,
        ignores_drlc=ignores_drlc,
    )
    home, household = household_with(thermostat, THERMOSTAT)
    home.run(2 * 3600)  # settle into cycling
    return home, household, thermostat


def test_a_cooling_offset_event_lowers_runtime_and_metered_energy_then_rebounds() -> None:
    """se-spec.md §2.5: Cooling Temperature Offset (0.1 °C units) — the thermostat raises its
    cooling set point by it for the event: less compressor time during it, more after."""
    runs = {}
    for with_event in (True, False):
        home, _household, thermostat = _home()
        start_utc = home.timebase.now() + 300
        if with_event:
            create_drlc_event(
                home,
                issuer_event_id=0xD1,
                device_class=HVAC,
                start_time=start_utc,
                duration_in_minutes=120,
                cooling_temperature_offset=30,
            )
        t_start = home.timebase.clock_time(start_utc)
        home.run(t_start - home.clock.now())
        kwh_start = read_summation(home)[0]
        home.run(t_start + 7200 - home.clock.now())
        kwh_end = read_summation(home)[0]
        home.run(t_start + 7200 + 3600 - home.clock.now())
        kwh_after = read_summation(home)[0]
        during = runtime_in(thermostat.trace, t_start + STEP, t_start + 7200)
        after = runtime_in(thermostat.trace, t_start + 7200 + STEP, t_start + 7200 + 3600)
        runs[with_event] = (during, after, kwh_end - kwh_start, kwh_after - kwh_end)
        if with_event:
            assert statuses(home, THERMOSTAT, 0xD1) == [0x01, 0x02, 0x03]
    (ev_during, ev_after, ev_kwh, ev_kwh_after) = runs[True]
    (ctl_during, ctl_after, ctl_kwh, ctl_kwh_after) = runs[False]
    assert ev_during == 0.0
    assert 1741 <= ctl_during <= 3471
    assert ev_after >= 3600 - 2 * STEP
    assert 490 <= ctl_after <= 2116
    # metered through the gateway: at most the one step the compressor may still run after the
    # event starts (3.5 kW × 60 s = 0.058 kWh) during it; the rebound after it
    assert float(ev_kwh) <= 0.06
    assert float(ctl_kwh) >= 3.5 * 1741 / 3600 - 0.002
    assert float(ev_kwh_after) >= 3.5 * (3600 - 2 * STEP) / 3600 - 0.002
    assert float(ctl_kwh_after) <= 3.5 * 2116 / 3600 + 0.002
    assert ev_kwh < ctl_kwh
    assert ev_kwh_after > ctl_kwh_after


def test_a_cooling_set_point_event_replaces_the_set_point() -> None:
    """se-spec.md §2.5: Cooling Temperature Set Point (0.01 °C units) replaces the set point."""
    home, _household, thermostat = _home()
    create_drlc_event(
        home,
        issuer_event_id=0xD2,
        device_class=HVAC,
        start_time=0,
        duration_in_minutes=60,
        cooling_temperature_set_point=2650,
    )
    home.run(120)
    assert thermostat.set_point == 26.5
    home.run(3600)
    assert thermostat.set_point == 24.0
    assert statuses(home, THERMOSTAT, 0xD2) == [0x01, 0x02, 0x03]


def test_a_duty_cycle_event_caps_compressor_time_per_window() -> None:
    """se-spec.md §2.5: Duty Cycle (0–100 %): with 20 % the compressor runs at most 180 s of
    each 900 s window (the device's window)."""
    home, _household, thermostat = _home()
    start_utc = home.timebase.now() + 120
    create_drlc_event(
        home,
        issuer_event_id=0xD3,
        device_class=HVAC,
        start_time=start_utc,
        duration_in_minutes=60,
        duty_cycle=20,
    )
    t0 = home.timebase.clock_time(start_utc)
    home.run(t0 + 3600 - home.clock.now())
    first = (t0 // 900 + 1) * 900  # the first whole window after the event started
    for w in range(3):
        lo = first + 900 * w
        assert runtime_in(thermostat.trace, lo, lo + 900) <= 180


def test_opting_out_of_a_voluntary_event_is_reported_and_changes_nothing() -> None:
    """se-spec.md §2.5: criticality 0x01–0x06 are voluntary; an opted-out device reports 0x04
    (user has chosen to opt out) at the start and 0x0A at the end; its set point stays."""
    home, _household, thermostat = _home(opts_out=True)
    create_drlc_event(
        home,
        issuer_event_id=0xD4,
        device_class=HVAC,
        start_time=home.timebase.now() + 120,
        duration_in_minutes=30,
        cooling_temperature_offset=30,
    )
    home.run(600)
    assert thermostat.set_point == 24.0
    home.run(1800)
    assert statuses(home, THERMOSTAT, 0xD4) == [0x01, 0x04, 0x0A]
    assert thermostat.opted_out == [0xD4]


def test_an_emergency_event_is_not_declined_by_a_user_who_opts_out() -> None:
    """Criticality 0x07 (Emergency) is not voluntary: the event starts (0x02) and applies."""
    home, _household, thermostat = _home(opts_out=True)
    create_drlc_event(
        home,
        issuer_event_id=0xD5,
        device_class=HVAC,
        start_time=0,
        duration_in_minutes=30,
        criticality_level=0x07,
        cooling_temperature_offset=20,
    )
    home.run(120)
    assert thermostat.set_point == 26.0
    home.run(1800)
    assert statuses(home, THERMOSTAT, 0xD5) == [0x01, 0x02, 0x03]


def test_a_device_that_ignores_drlc_reports_the_event_but_keeps_its_load() -> None:
    home, _household, thermostat = _home(ignores_drlc=True)
    create_drlc_event(
        home,
        issuer_event_id=0xD6,
        device_class=HVAC,
        start_time=0,
        duration_in_minutes=30,
        cooling_temperature_offset=30,
    )
    home.run(120)
    assert thermostat.set_point == 24.0
    home.run(1800)
    assert statuses(home, THERMOSTAT, 0xD6) == [0x01, 0x02, 0x03]


def test_a_heating_offset_lowers_the_heating_set_point() -> None:
    """se-spec.md §2.5: Heating Temperature Offset (0.1 °C units) lowers the heating set point;
    with 0 °C outside the furnace then stays off while the room cools toward it."""
    furnace = Thermostat(
        "pct",
        weather=Weather(mean=0.0, amplitude=0.0),
        mode="heat",
        heating_set_point=20.0,
        house=ThermalHouse(indoor_c=20.0),
    )
    home, _ = household_with(furnace, THERMOSTAT)
    home.run(3600)
    create_drlc_event(
        home,
        issuer_event_id=0xD7,
        device_class=HVAC,
        start_time=0,
        duration_in_minutes=60,
        heating_temperature_offset=40,
    )
    home.run(120)
    assert furnace.set_point == 16.0
    t0 = home.clock.now()
    home.run(1800)
    assert runtime_in(furnace.trace, t0, t0 + 1800) == 0.0
    assert furnace.house.indoor_c < 19.5
