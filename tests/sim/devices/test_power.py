"""Power traces, weather and the DRLC controls a device decodes (no network)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.sim.devices import DrlcControl, HomeLoad, PowerTrace, Weather

from .devkit import NOT_USED, integral_j

steps = st.lists(st.tuples(st.floats(0.0, 1000.0), st.floats(0.0, 5000.0)), min_size=0, max_size=20)


def _trace(changes: list[tuple[float, float]]) -> PowerTrace:
    trace = PowerTrace(0.0, 100.0)
    for t, w in sorted(changes):
        trace.set(t, w)
    return trace


@given(steps, st.floats(0.0, 1200.0), st.floats(0.0, 1200.0), st.floats(0.0, 1200.0))
def test_energy_is_additive_and_matches_a_plain_integral(
    changes: list[tuple[float, float]], a: float, b: float, c: float
) -> None:
    t0, t1, t2 = sorted((a, b, c))
    trace = _trace(changes)
    whole = trace.energy_j(t0, t2)
    assert math.isclose(whole, trace.energy_j(t0, t1) + trace.energy_j(t1, t2), abs_tol=1e-6)
    assert math.isclose(whole, integral_j(trace, t0, t2), rel_tol=1e-9, abs_tol=1e-6)
    assert whole >= 0


def test_a_trace_by_hand() -> None:
    trace = PowerTrace(10.0, 0.0)
    trace.set(20.0, 1000.0)
    trace.set(50.0, 250.0)
    assert trace.at(5.0) == 0.0  # before the start
    assert trace.at(20.0) == 1000.0
    assert trace.energy_j(0.0, 60.0) == 1000.0 * 30 + 250.0 * 10
    load = HomeLoad([_Named(trace), _Named(PowerTrace(0.0, 100.0))])
    assert load(30.0) == 1100.0
    assert load.energy_j(0.0, 60.0) == 32_500 + 6_000


class _Named:
    def __init__(self, trace: PowerTrace) -> None:
        self.name = "x"
        self.trace = trace


@pytest.mark.parametrize(
    ("t", "watts"), [(-1.0, 5.0), (0.0, -1.0), (0.0, float("nan")), (0.0, float("inf"))]
)
def test_a_trace_refuses_going_back_or_bad_power(t: float, watts: float) -> None:
    trace = PowerTrace(0.0, 0.0)
    with pytest.raises(ValueError, match=r"forward|non-negative"):
        trace.set(t, watts)


def test_weather_sinusoid_and_points() -> None:
    hot = Weather(mean=30.0, amplitude=5.0, peak_hour=15.0)
    assert hot.at(15 * 3600) == pytest.approx(35.0)
    assert hot.at(3 * 3600 + 86_400 * 7) == pytest.approx(25.0)
    table = Weather(points=((6.0, 20.0), (18.0, 32.0)))
    assert table.at(12 * 3600) == pytest.approx(26.0)
    assert table.at(0) == pytest.approx(26.0)  # cyclic: 18:00 → 06:00 the next day
    with pytest.raises(ValueError, match="increasing"):
        Weather(points=((6.0, 20.0), (6.0, 21.0)))
    with pytest.raises(ValueError, match=r"\[0, 24\)"):
        Weather(points=((24.0, 20.0),))


def test_drlc_controls_decode_the_not_used_values_and_skip_opted_out_events() -> None:
    """se-spec.md §2.5 Load Control Event: offsets 0.1 °C (0xFF not used), set points 0.01 °C
    (0x8000 not used), average load adjustment % (0x80 not used), duty cycle % (0xFF)."""
    base = {"criticality_level": 3, **NOT_USED, "opted_out": False, "event_state": "running"}
    nothing = DrlcControl.from_records([{**base, "issuer_event_id": 1}])
    assert nothing.active
    assert nothing.curtails_only
    assert not nothing.outage
    some = DrlcControl.from_records(
        [
            {**base, "issuer_event_id": 2, "cooling_temperature_offset": 25, "duty_cycle": 40},
            {**base, "issuer_event_id": 3, "duty_cycle": 30, "heating_temperature_set_point": 1850},
            {**base, "issuer_event_id": 4, "duty_cycle": 0, "opted_out": True},
        ]
    )
    assert some.issuer_event_ids == (2, 3)
    assert some.cooling_offset == 2.5
    assert some.duty_cycle == 0.3
    assert some.heating_set_point == 18.5
    assert some.load_adjustment is None
    outage = DrlcControl.from_records([{**base, "issuer_event_id": 5, "criticality_level": 8}])
    assert outage.outage
    assert not DrlcControl.from_records([]).active
