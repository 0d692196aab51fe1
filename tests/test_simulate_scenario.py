"""Scenario files: what parses, and bad input refused with an error naming the key."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.cli_simulate import validate_rpc
from segateway.sim.scenario import (
    DEVICE_KINDS,
    ScenarioError,
    load_scenario,
    parse_duration,
    parse_scenario,
)

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_the_shipped_scenarios_parse(path: Path) -> None:
    scenario = load_scenario(path, validate_rpc=validate_rpc)
    assert scenario.homes >= 1
    assert scenario.devices


@given(st.integers(0, 48), st.integers(0, 59), st.integers(0, 59))
def test_durations_in_hours_minutes_seconds(h: int, m: int, s: int) -> None:
    text = "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s")) if v) or "0s"
    assert parse_duration(text, "d") == 3600 * h + 60 * m + s
    assert parse_duration(3600 * h + 60 * m + s, "d") == 3600 * h + 60 * m + s


@pytest.mark.parametrize("bad", ["", "h", "5x", "-5m", "1m1h", True, [], "nan"])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ScenarioError, match=r"^where: "):
        parse_duration(bad, "where")


def test_a_full_scenario_parses_with_relative_times_resolved() -> None:
    data = tomllib.loads(
        """
        homes = 4
        start = 2026-07-15T12:00:00Z
        duration = "2h"
        [devices.thermostat]
        count = 1.5
        params = { cooling_set_point = 23.0 }
        [behaviour]
        opts_out = [1, 3]
        [[home]]
        index = 1
        install_codes = { meter = "83FED3407A939723A5C639B26916D505" }
        [[rpc]]
        at = "30m"
        method = "create_DRLC_event"
        [rpc.params.record]
        issuer_event_id = 7
        start_time = "+1h"
        duration_in_minutes = 30
        """
    )
    scenario = parse_scenario(data, validate_rpc=validate_rpc)
    # ZCL UTCTime counts seconds from 2000-01-01T00:00Z (se-spec.md Time cluster)
    start_utc = int(
        (datetime(2026, 7, 15, 12, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC)).total_seconds()
    )
    assert scenario.start_utc == start_utc
    assert scenario.rpcs[0].at == 1800
    assert scenario.rpcs[0].params["record"]["start_time"] == start_utc + 3600
    mix = scenario.devices[0]
    assert (mix.number(0.2), mix.number(0.7)) == (2, 1)
    assert scenario.opts_out.picks(1, 0.99)
    assert not scenario.opts_out.picks(0, 0.0)
    assert scenario.install_codes[(1, "meter")].hex().upper() == "83FED3407A939723A5C639B26916D505"


BAD: list[tuple[dict[str, Any], str]] = [
    ({}, "'homes'"),
    ({"homes": 0}, r"homes: 0 is not in \[1, 100000\]"),
    ({"homes": "ten"}, "homes: a number"),
    ({"homes": 2.5}, "homes: a whole number"),
    ({"homes": 1, "colour": "red"}, "scenario: unknown key 'colour'"),
    ({"homes": 1, "topology": "mesh"}, "topology: one of"),
    ({"homes": 1, "duration": "0s"}, "duration: more than 0"),
    ({"homes": 1, "step": 0.5}, "step: 1 s to 1 h"),
    ({"homes": 1, "sample": 30, "step": 60}, "sample: at least the step"),
    ({"homes": 1, "start": "yesterday"}, "start: not an ISO 8601"),
    ({"homes": 1, "start": "1999-12-31T00:00:00Z"}, "start: ZCL time runs from 2000"),
    ({"homes": 1, "network": {"lqi": 300}}, r"network.lqi: 300 is not in \[0, 255\]"),
    ({"homes": 1, "network": {"loss": -0.1}}, "network.loss"),
    ({"homes": 1, "network": {"speed": 1}}, r"\[network\]: unknown key 'speed'"),
    ({"homes": 1, "weather": {"points": [[6, 20], [6, 21]]}}, "weather: .*increasing"),
    ({"homes": 1, "weather": {"points": [[6]]}}, r"weather.points\[0\]: a pair"),
    ({"homes": 1, "devices": {"toaster": {}}}, r"\[devices\]: unknown key 'toaster'"),
    ({"homes": 1, "devices": {"thermostat": {"count": -1}}}, "devices.thermostat.count"),
    (
        {"homes": 1, "devices": {"thermostat": {"params": {"colour": 1}}}},
        "devices.thermostat.params: unknown parameter 'colour'",
    ),
    (
        {"homes": 1, "devices": {"thermostat": {"params": {"mode": "dry"}}}},
        "devices.thermostat.params: a thermostat mode is",
    ),
    ({"homes": 1, "devices": {"ipd": {"sleepy": "yes"}}}, "devices.ipd.sleepy: true or false"),
    ({"homes": 2, "behaviour": {"opts_out": 1.5}}, "behaviour.opts_out"),
    ({"homes": 2, "behaviour": {"opts_out": [2]}}, r"behaviour.opts_out\[0\]"),
    ({"homes": 2, "behaviour": {"offline_at": [{"homes": [0]}]}}, "needs 'homes' and 'at'"),
    ({"homes": 2, "home": [{"index": 0, "install_codes": {"meter": "ABC"}}]}, "home.0..install"),
    ({"homes": 2, "home": [{"install_codes": {}}]}, r"home\[0\]: needs 'index'"),
    ({"homes": 1, "rpc": [{"at": "1h", "method": "reboot"}]}, r"rpc\[0\].method: 'reboot'"),
    ({"homes": 1, "rpc": [{"method": "create_DRLC_event"}]}, "needs 'at' and 'method'"),
    ({"homes": 1, "rpc": [{"at": "9h", "method": "cancel_all_price_events"}]}, "after the end"),
    (
        {
            "homes": 1,
            "rpc": [
                {"at": "1h", "method": "create_DRLC_event", "params": {"record": {"bogus": 1}}}
            ],
        },
        r"rpc\[0\]: create_DRLC_event: .*bogus",
    ),
]


@pytest.mark.parametrize(("data", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_scenarios_are_refused_with_the_key_named(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(data, validate_rpc=validate_rpc)


toml_values = st.recursive(
    st.none().map(lambda _: "x")
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)
keys = st.sampled_from(
    ["homes", "duration", "step", "sample", "start", "network", "weather", "devices",
     "behaviour", "home", "rpc", "topology", "lead", "seed", "base_load", "name"]
)  # fmt: skip
device_tables = st.dictionaries(
    st.sampled_from(DEVICE_KINDS),
    st.dictionaries(st.sampled_from(["count", "sleepy", "params"]), toml_values, max_size=3),
    max_size=2,
)


@given(st.dictionaries(keys, toml_values, max_size=6), device_tables)
def test_any_input_parses_or_is_refused_with_a_scenario_error(
    data: dict[str, Any], devices: dict[str, Any]
) -> None:
    """Nothing else escapes: no TypeError, KeyError or crash on arbitrary TOML values."""
    data = {**data, "devices": devices} if devices else data
    try:
        scenario = parse_scenario(data, validate_rpc=validate_rpc)
    except ScenarioError as exc:
        message = str(exc)
    else:
        message = ""
        assert 1 <= scenario.homes <= 100_000
    assert message or scenario


def test_a_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="No such file"):
        load_scenario(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("homes = = 3\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not TOML"):
        load_scenario(bad)
