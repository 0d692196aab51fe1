"""Simulation scenarios: a neighbourhood of modelled homes, its weather, its people and the
utility's requests, read from TOML (``segateway simulate SCENARIO``).

A scenario (every key optional except ``homes``; ``scenarios/*.toml`` are examples)::

    name = "peak-event"
    seed = 1
    start = 2026-07-15T12:00:00Z     # a TOML datetime or an ISO 8601 string, UTC
    duration = "6h"                  # "90m", "1h30m", "45s" or seconds
    step = 60                        # the models' step, seconds
    sample = 300                     # the outputs' period, seconds
    lead = "10m"                     # joining time before ``start`` (models already run)
    homes = 10
    topology = "per-home"            # or "single-gateway": every device joins one gateway
    base_load = 1.0                  # scale of each home's unmetered base load (0: none)

    [network]
    lqi = 220                        # every link's quality (0-255)
    loss = 0.0                       # every link's frame loss probability
    poll_interval = 5.0              # sleepy devices' data request period, seconds
    meter_update_period = 30         # the meters' DefaultUpdatePeriod, seconds
    report_interval = 60             # the gateways' metering reporting minimum interval, s
    link_status_period = 15          # NWK link status (ZigBee PRO: 15 s; false: off)
    concentrator_period = 60         # many-to-one route requests (ZigBee PRO: 60 s; false: off)

    [weather]                        # outdoor temperature, °C
    mean = 29.0
    amplitude = 6.0
    peak_hour = 16.0                 # UTC
    # points = [[0, 24.0], [6, 22.0], [15, 35.0]]   # (UTC hour, °C), instead of the sinusoid

    [devices.thermostat]             # kinds: thermostat, water_heater, pool_pump,
    count = 1                        #   smart_appliance, ipd, range_extender
    sleepy = false                   # 0.3: three homes in ten have one; 2: two each
    params = { cooling_set_point = 24.0, mode = "cool" }

    [behaviour]                      # a share of homes (0-1) or a list of home indexes
    opts_out = 0.1                   # declines voluntary DR events (criticality 1-6)
    ignores_drlc = [3]               # reports DR events but never changes its load
    offline_at = [{ homes = [5], at = "3h" }]   # the home's devices leave the air at start + at

    [[home]]                         # install codes (without CRC) given per device
    index = 0                        #   (default: derived from each IEEE address)
    install_codes = { meter = "83FED3407A939723A5C639B26916D505", thermostat = "..." }

    [[rpc]]                          # sent through the RPC dispatcher of every home's gateway
    at = "1h"                        # after ``start``
    method = "create_DRLC_event"
    [rpc.params.record]              # a record parameter as a table (its type is the catalog's)
    issuer_event_id = 1
    device_class = 0x0001
    start_time = "+2h"               # "+…" after ``start``, an ISO datetime, or ZCL UTCTime
    duration_in_minutes = 120
    cooling_temperature_offset = 30

:func:`parse_scenario` checks everything and raises :class:`ScenarioError` naming the key; the
RPCs' parameters are checked against the catalog by the caller's ``validate_rpc`` hook.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from ..se.timebase import ZCL_EPOCH, from_datetime
from ..zigbee.install_code import InstallCode, InstallCodeError
from .devices.home import Device
from .devices.ipd import Ipd, RangeExtender
from .devices.loads import PoolPump, SmartAppliance, WaterHeater
from .devices.power import Weather
from .devices.thermal import Thermostat

__all__ = [
    "DEVICE_KINDS",
    "RPC_METHODS",
    "TOPOLOGIES",
    "DeviceMix",
    "Offline",
    "Scenario",
    "ScenarioError",
    "ScheduledRpc",
    "Selection",
    "build_device",
    "load_scenario",
    "parse_duration",
    "parse_scenario",
    "read_scenario_data",
]

DEVICE_KINDS: Final = (
    "thermostat",
    "water_heater",
    "pool_pump",
    "smart_appliance",
    "ipd",
    "range_extender",
)
TOPOLOGIES: Final = ("per-home", "single-gateway")
RPC_METHODS: Final = (
    "create_DRLC_event",
    "cancel_DRLC_event",
    "cancel_all_DRLC_events",
    "create_price_event",
    "cancel_all_price_events",
    "create_message_event",
    "cancel_message_event",
    "cancel_all_message_events",
)
_MAX_HOMES: Final = 100_000
_MAX_PER_KIND: Final = 16
_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s)?\s*$"
)
_TOP_KEYS: Final = frozenset(
    {
        "name",
        "seed",
        "start",
        "duration",
        "step",
        "sample",
        "lead",
        "homes",
        "topology",
        "base_load",
        "network",
        "weather",
        "devices",
        "behaviour",
        "home",
        "rpc",
    }
)


class ScenarioError(ValueError):
    """A scenario that cannot run; the message names the key at fault."""


# --- pieces --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceMix:
    """How many devices of a kind each home has: ``count``'s whole part in every home, its
    fraction in that share of homes; their constructor ``params``."""

    kind: str
    count: float = 1.0
    sleepy: bool = False
    params: Mapping[str, Any] = field(default_factory=dict)

    def number(self, draw: float) -> int:
        """How many in a home, for a uniform ``draw`` in [0, 1)."""
        whole = math.floor(self.count)
        return whole + (1 if draw < self.count - whole else 0)


@dataclass(frozen=True)
class Selection:
    """Some homes: a ``share`` of them (drawn with the scenario's seed) and listed ``homes``."""

    share: float = 0.0
    homes: frozenset[int] = frozenset()

    def picks(self, home: int, draw: float) -> bool:
        return home in self.homes or draw < self.share


@dataclass(frozen=True)
class Offline:
    """The selected homes' devices leave the air ``at`` seconds after the start."""

    selection: Selection
    at: float


@dataclass(frozen=True)
class ScheduledRpc:
    """A request sent ``at`` seconds after the start; relative times already resolved."""

    at: float
    method: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario (module doc)."""

    homes: int
    name: str = "scenario"
    seed: int = 0
    start: datetime = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
    duration: float = 6 * 3600.0
    step: float = 60.0
    sample: float = 300.0
    lead: float = 600.0
    topology: str = "per-home"
    base_load: float = 1.0
    lqi: int = 220
    loss: float = 0.0
    poll_interval: float = 5.0
    meter_update_period: int = 30
    report_interval: int = 60
    link_status_period: float | None = 15.0
    concentrator_period: float | None = 60.0
    weather: Weather = field(default_factory=lambda: Weather(mean=29.0, amplitude=6.0))
    devices: tuple[DeviceMix, ...] = ()
    opts_out: Selection = field(default_factory=Selection)
    ignores_drlc: Selection = field(default_factory=Selection)
    offline: tuple[Offline, ...] = ()
    install_codes: Mapping[tuple[int, str], bytes] = field(default_factory=dict)
    rpcs: tuple[ScheduledRpc, ...] = ()

    @property
    def start_utc(self) -> int:
        """The start as ZCL UTCTime (seconds since 2000-01-01 UTC)."""
        return from_datetime(self.start)

    def without_rpcs(self, *methods: str) -> Scenario:
        """The same scenario without the requests named (all of them when none is named)."""
        kept = tuple(r for r in self.rpcs if methods and r.method not in methods)
        return replace(self, rpcs=kept)


# --- values --------------------------------------------------------------------------------------


def parse_duration(value: object, where: str) -> float:
    """Seconds from a number or a text such as ``"1h30m"``, ``"90m"``, ``"45s"``, ``"2.5h"``."""
    if isinstance(value, bool):
        raise ScenarioError(f"{where}: a duration, not {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        match = _DURATION.match(value)
        if match is None or not any(match.groups()):
            raise ScenarioError(f"{where}: not a duration such as '6h', '90m', '1h30m': {value!r}")
        h, m, s = (float(g) if g else 0.0 for g in match.groups())
        seconds = h * 3600 + m * 60 + s
    else:
        raise ScenarioError(f"{where}: a duration, not {type(value).__name__}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ScenarioError(f"{where}: a duration is a finite, non-negative number of seconds")
    return seconds


def _datetime(value: object, where: str) -> datetime:
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ScenarioError(f"{where}: not an ISO 8601 date and time: {value!r}") from None
    else:
        raise ScenarioError(f"{where}: a date and time, not {type(value).__name__}")
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    if not ZCL_EPOCH <= when < datetime(2136, 1, 1, tzinfo=UTC):
        raise ScenarioError(f"{where}: ZCL time runs from 2000 to 2135")
    return when


def _number(value: object, where: str, low: float, high: float, *, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{where}: a number, not {value!r}")
    if integer and not isinstance(value, int):
        raise ScenarioError(f"{where}: a whole number, not {value!r}")
    if not (math.isfinite(value) and low <= value <= high):
        raise ScenarioError(f"{where}: {value!r} is not in [{low:g}, {high:g}]")
    return float(value)


def _table(value: object, where: str, known: frozenset[str] | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: a table, not {type(value).__name__}")
    if known is not None:
        unknown = sorted(set(value) - known)
        if unknown:
            raise ScenarioError(
                f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})"
            )
    return value


def _selection(value: object, where: str, homes: int) -> Selection:
    if isinstance(value, bool):
        return Selection(share=1.0 if value else 0.0)
    if isinstance(value, int | float):
        return Selection(share=_number(value, where, 0.0, 1.0))
    if isinstance(value, list):
        picked: set[int] = set()
        for i, item in enumerate(value):
            index = int(_number(item, f"{where}[{i}]", 0, homes - 1, integer=True))
            picked.add(index)
        return Selection(homes=frozenset(picked))
    raise ScenarioError(f"{where}: a share of homes (0-1) or a list of home indexes")


def _install_code(value: object, where: str) -> bytes:
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: an install code in hex, not {type(value).__name__}")
    cleaned = "".join(value.split()).replace(":", "").replace("-", "")
    try:
        raw = bytes.fromhex(cleaned)
        InstallCode.from_code(raw)
    except (ValueError, InstallCodeError) as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    return raw


def _relative_times(value: Any, where: str, start: datetime) -> Any:
    """Resolve ``start_time`` / ``effective_time`` given as "+2h" or a datetime (UTCTime)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in ("start_time", "effective_time") and isinstance(item, str | datetime):
                if isinstance(item, str) and item.startswith("+"):
                    offset = parse_duration(item[1:], f"{where}.{key}")
                    out[key] = int((start - ZCL_EPOCH).total_seconds() + offset)
                else:
                    out[key] = from_datetime(_datetime(item, f"{where}.{key}"))
            else:
                out[key] = _relative_times(item, f"{where}.{key}", start)
        return out
    return value


# --- sections ------------------------------------------------------------------------------------


_NETWORK_KEYS: Final = frozenset(
    {
        "lqi",
        "loss",
        "poll_interval",
        "meter_update_period",
        "report_interval",
        "link_status_period",
        "concentrator_period",
    }
)
_WEATHER_KEYS: Final = frozenset({"mean", "amplitude", "peak_hour", "points"})
_DEVICE_KEYS: Final = frozenset({"count", "sleepy", "params"})
_BEHAVIOUR_KEYS: Final = frozenset({"opts_out", "ignores_drlc", "offline_at"})
_HOME_KEYS: Final = frozenset({"index", "install_codes"})
_RPC_KEYS: Final = frozenset({"at", "method", "params"})


def _weather(value: object) -> Weather:
    table = _table(value, "[weather]", _WEATHER_KEYS)
    kw: dict[str, Any] = {}
    for key in ("mean", "amplitude", "peak_hour"):
        if key in table:
            kw[key] = _number(table[key], f"weather.{key}", -100.0, 100.0)
    if "points" in table:
        points = table["points"]
        if not isinstance(points, list) or not points:
            raise ScenarioError("weather.points: a list of [hour, °C] pairs")
        pairs = []
        for i, p in enumerate(points):
            if not isinstance(p, list) or len(p) != 2:
                raise ScenarioError(f"weather.points[{i}]: a pair [hour, °C]")
            pairs.append(
                (
                    _number(p[0], f"weather.points[{i}] hour", 0.0, 23.999999),
                    _number(p[1], f"weather.points[{i}] °C", -100.0, 100.0),
                )
            )
        kw["points"] = tuple(pairs)
    try:
        return Weather(**kw)
    except ValueError as exc:
        raise ScenarioError(f"weather: {exc}") from None


def build_device(
    kind: str, name: str, params: Mapping[str, Any], *, weather: Weather, **behaviour: Any
) -> Device:
    """A device of ``kind`` (one of :data:`DEVICE_KINDS`) built with its ``params``; the
    modelled ones (not the IPD or the range extender) also get ``behaviour`` (``seed``,
    ``opts_out``, ``ignores_drlc``), the thermostat the ``weather``."""
    if kind == "thermostat":
        return Thermostat(name, weather=weather, **behaviour, **params)
    if kind == "water_heater":
        return WaterHeater(name, **behaviour, **params)
    if kind == "pool_pump":
        return PoolPump(name, **behaviour, **params)
    if kind == "smart_appliance":
        return SmartAppliance(name, **behaviour, **params)
    if kind == "ipd":
        return Ipd(name, **params)
    return RangeExtender(name, **params)


def _probe(kind: str, params: Mapping[str, Any], where: str) -> None:
    """Build one device with ``params`` to check them (an unknown or bad parameter)."""
    try:
        build_device(kind, "probe", params, weather=Weather())
    except TypeError as exc:
        text = str(exc)
        match = re.search(r"unexpected keyword argument '(\w+)'", text)
        what = f"unknown parameter {match.group(1)!r}" if match else text
        raise ScenarioError(f"{where}: {what}") from None
    except ValueError as exc:
        raise ScenarioError(f"{where}: {exc}") from None


def _devices(value: object) -> tuple[DeviceMix, ...]:
    table = _table(value, "[devices]", frozenset(DEVICE_KINDS))
    mixes = []
    for kind in DEVICE_KINDS:
        if kind not in table:
            continue
        where = f"devices.{kind}"
        spec = _table(table[kind], where, _DEVICE_KEYS)
        count = _number(spec.get("count", 1), f"{where}.count", 0.0, _MAX_PER_KIND)
        sleepy = spec.get("sleepy", False)
        if not isinstance(sleepy, bool):
            raise ScenarioError(f"{where}.sleepy: true or false")
        params = _table(spec.get("params", {}), f"{where}.params")
        _probe(kind, params, f"{where}.params")
        mixes.append(DeviceMix(kind, count, sleepy, dict(params)))
    return tuple(mixes)


def _behaviour(value: object, homes: int) -> dict[str, Any]:
    table = _table(value, "[behaviour]", _BEHAVIOUR_KEYS)
    out: dict[str, Any] = {}
    for key in ("opts_out", "ignores_drlc"):
        if key in table:
            out[key] = _selection(table[key], f"behaviour.{key}", homes)
    if "offline_at" in table:
        items = table["offline_at"]
        if not isinstance(items, list):
            raise ScenarioError("behaviour.offline_at: a list of { homes = …, at = … }")
        offline = []
        for i, item in enumerate(items):
            where = f"behaviour.offline_at[{i}]"
            entry = _table(item, where, frozenset({"homes", "at"}))
            if "homes" not in entry or "at" not in entry:
                raise ScenarioError(f"{where}: needs 'homes' and 'at'")
            offline.append(
                Offline(
                    _selection(entry["homes"], f"{where}.homes", homes),
                    parse_duration(entry["at"], f"{where}.at"),
                )
            )
        out["offline"] = tuple(offline)
    return out


def _homes(value: object, homes: int) -> dict[tuple[int, str], bytes]:
    if not isinstance(value, list):
        raise ScenarioError("[[home]]: an array of tables")
    codes: dict[tuple[int, str], bytes] = {}
    for i, item in enumerate(value):
        where = f"home[{i}]"
        entry = _table(item, where, _HOME_KEYS)
        if "index" not in entry:
            raise ScenarioError(f"{where}: needs 'index'")
        index = int(_number(entry["index"], f"{where}.index", 0, homes - 1, integer=True))
        for name, code in _table(entry.get("install_codes", {}), f"{where}.install_codes").items():
            codes[(index, str(name))] = _install_code(code, f"{where}.install_codes.{name}")
    return codes


def _rpcs(
    value: object,
    start: datetime,
    duration: float,
    validate: Callable[[str, Mapping[str, Any]], None] | None,
) -> tuple[ScheduledRpc, ...]:
    if not isinstance(value, list):
        raise ScenarioError("[[rpc]]: an array of tables")
    out = []
    for i, item in enumerate(value):
        where = f"rpc[{i}]"
        entry = _table(item, where, _RPC_KEYS)
        if "method" not in entry or "at" not in entry:
            raise ScenarioError(f"{where}: needs 'at' and 'method'")
        method = entry["method"]
        if method not in RPC_METHODS:
            raise ScenarioError(
                f"{where}.method: {method!r} is not one of {', '.join(RPC_METHODS)}"
            )
        at = parse_duration(entry["at"], f"{where}.at")
        if at > duration:
            raise ScenarioError(f"{where}.at: after the end of the scenario")
        params = _relative_times(_table(entry.get("params", {}), f"{where}.params"), where, start)
        if validate is not None:
            try:
                validate(method, params)
            except ValueError as exc:
                raise ScenarioError(f"{where}: {exc}") from None
        out.append(ScheduledRpc(at, method, params))
    return tuple(sorted(out, key=lambda r: r.at))


# --- the scenario --------------------------------------------------------------------------------


def parse_scenario(
    data: Mapping[str, Any],
    *,
    validate_rpc: Callable[[str, Mapping[str, Any]], None] | None = None,
) -> Scenario:
    """A :class:`Scenario` from TOML data (module doc); :class:`ScenarioError` when it is not
    one. ``validate_rpc(method, params)`` raises ValueError for parameters the catalog refuses."""
    top = _table(dict(data), "scenario", _TOP_KEYS)
    if "homes" not in top:
        raise ScenarioError("scenario: 'homes' (how many) is required")
    homes = int(_number(top["homes"], "homes", 1, _MAX_HOMES, integer=True))
    kw: dict[str, Any] = {"homes": homes}
    if "name" in top:
        if not isinstance(top["name"], str):
            raise ScenarioError("name: a text")
        kw["name"] = top["name"]
    if "seed" in top:
        kw["seed"] = int(_number(top["seed"], "seed", 0, 2**63 - 1, integer=True))
    start = _datetime(top["start"], "start") if "start" in top else Scenario.start
    kw["start"] = start
    duration = parse_duration(top.get("duration", Scenario.duration), "duration")
    if not 0 < duration <= 366 * 86_400:
        raise ScenarioError("duration: more than 0 and at most a year")
    kw["duration"] = duration
    step = parse_duration(top.get("step", Scenario.step), "step")
    if not 1 <= step <= 3600:
        raise ScenarioError("step: 1 s to 1 h")
    kw["step"] = step
    sample = parse_duration(top.get("sample", Scenario.sample), "sample")
    if not step <= sample <= duration:
        raise ScenarioError("sample: at least the step and at most the duration")
    kw["sample"] = sample
    kw["lead"] = parse_duration(top.get("lead", Scenario.lead), "lead")
    topology = top.get("topology", Scenario.topology)
    if topology not in TOPOLOGIES:
        raise ScenarioError(f"topology: one of {', '.join(TOPOLOGIES)}, not {topology!r}")
    kw["topology"] = topology
    if "base_load" in top:
        kw["base_load"] = _number(top["base_load"], "base_load", 0.0, 100.0)
    if "network" in top:
        net = _table(top["network"], "[network]", _NETWORK_KEYS)
        if "lqi" in net:
            kw["lqi"] = int(_number(net["lqi"], "network.lqi", 0, 255, integer=True))
        if "loss" in net:
            kw["loss"] = _number(net["loss"], "network.loss", 0.0, 0.9)
        if "poll_interval" in net:
            kw["poll_interval"] = _number(net["poll_interval"], "network.poll_interval", 0.1, 600)
        if "report_interval" in net:
            kw["report_interval"] = int(
                _number(net["report_interval"], "network.report_interval", 1, 3600, integer=True)
            )
        for key in ("link_status_period", "concentrator_period"):
            if key in net:
                value = net[key]
                kw[key] = None if value is False else _number(value, f"network.{key}", 1, 86_400)
        if "meter_update_period" in net:
            kw["meter_update_period"] = int(
                _number(
                    net["meter_update_period"], "network.meter_update_period", 1, 255, integer=True
                )
            )
    if "weather" in top:
        kw["weather"] = _weather(top["weather"])
    if "devices" in top:
        kw["devices"] = _devices(top["devices"])
    if "behaviour" in top:
        kw.update(_behaviour(top["behaviour"], homes))
    if "home" in top:
        kw["install_codes"] = _homes(top["home"], homes)
    if "rpc" in top:
        kw["rpcs"] = _rpcs(top["rpc"], start, duration, validate_rpc)
    return Scenario(**kw)


def read_scenario_data(path: str | Path) -> dict[str, Any]:
    """A scenario file's TOML data, not yet parsed (ScenarioError for a missing file or bad
    TOML)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not TOML: {exc}") from None


def load_scenario(
    path: str | Path,
    *,
    validate_rpc: Callable[[str, Mapping[str, Any]], None] | None = None,
) -> Scenario:
    """Read and parse a scenario file (ScenarioError for a missing file or bad TOML too)."""
    return parse_scenario(read_scenario_data(path), validate_rpc=validate_rpc)
