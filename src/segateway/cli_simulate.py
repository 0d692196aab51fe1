"""``segateway simulate SCENARIO``: a neighbourhood of modelled SE homes on the simulated medium.

segateway simulate SCENARIO.toml [--out DIR] [--quiet] [--no-per-device] [--no-plot] [--workers N]
segateway simulate SCENARIO.toml --attach [--data-dir DIR | --url URL --token T] [--out DIR] …
    (the homes' devices on a running gateway's medium: :mod:`segateway.cli_simulate_attach`)

Topology (docs/decisions.md): with ``topology = "per-home"`` (the default) every home is its own
HAN — its own ESI Coordinator gateway (an :class:`~segateway.se.app.SeApplication` with the RPC
:class:`~segateway.rpc.gateway.Gateway` and :class:`~segateway.rpc.dispatch.Dispatcher` in front of
it), its own PAN, its meter and devices joined by install code — all on one virtual clock and one
medium, with no link between homes (broadcasts stay home; the cost grows linearly with the homes).
The scenario's requests go through every gateway's dispatcher: the same requests a utility sends.
``topology = "single-gateway"`` joins every home's devices to one gateway (small scenarios).

The virtual clock starts ``lead`` seconds before the scenario's start: devices join and the
models settle meanwhile. Outputs (in ``--out``, default ``./simulation``):

* ``demand.csv`` — per sample: UTC time, seconds since the start, aggregate demand and demand by
  device kind (average watts over the sample, from the models' power traces: what the meters meter);
* ``devices.csv`` — per sample and device: home, device, kind, average watts (``--no-per-device``
  leaves it out); Parquet files beside the CSVs when pyarrow is importable;
* ``demand.png`` — aggregate demand with the DR events (orange) and price events (blue) shaded;
* ``summary.json`` — homes, devices joined, what each request got back, energy, wall time.
"""

from __future__ import annotations

import argparse
import csv
import gc
import importlib
import json
import math
import multiprocessing
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from .radio import NetworkConfig, NodeType
from .radio.sim import SimNetwork, TrustCenter
from .rpc.catalog import CATALOG
from .rpc.dispatch import Dispatcher
from .rpc.errors import RpcError
from .rpc.gateway import UNIX_2000, Gateway
from .rpc.responses import RpcResponse
from .rpc.types import Kind
from .rpc.values import Record
from .se.app import Role, SeApplication, SeConfig
from .se.timebase import TimeBase
from .sim.devices import Household
from .sim.scenario import Scenario, ScenarioError, build_device, load_scenario
from .store import Store
from .zigbee.stack.context import StackConfig
from .zigbee.stack.node import Node

__all__ = [
    "COMMAND",
    "EventWindow",
    "Neighbourhood",
    "Results",
    "add_command",
    "run_simulate",
    "validate_rpc",
    "write_outputs",
]

COMMAND = "simulate"
_HOME_BASE = 0x00124B1000000000
_SINGLE_GATEWAY = 0x00124B20000000FF
_EPID_BASE = 0x00124B3000000000
_PERMIT = 254  # seconds a permit-joining lasts; renewed while devices join
_CHUNK = 900.0  # virtual seconds between progress updates
_GC_THRESHOLD = 50_000  # allocations between young collections while simulating (default 700)


def validate_rpc(method: str, params: Mapping[str, Any]) -> None:
    """Check a scenario's request against the catalog (ValueError with the catalog's reason)."""
    try:
        CATALOG.validate(method, _rpc_params(method, params))
    except RpcError as exc:
        raise ValueError(f"{method}: {exc}") from None


def _rpc_params(method: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Tables given for record parameters become records of the catalog's type."""
    spec = CATALOG.request(method)
    types = {p.name: p.type for p in spec.params}
    out: dict[str, Any] = {}
    for key, value in params.items():
        kind = types.get(key)
        if kind is not None and kind.kind is Kind.RECORD and isinstance(value, dict):
            out[key] = Record(kind.record or kind.label, dict(value))
        else:
            out[key] = value
    return out


# --- progress -----------------------------------------------------------------------------------


class _Progress:
    """tqdm when it is installed, else one updating line on stderr; nothing when quiet."""

    def __init__(self, label: str, total: float, unit: str, *, quiet: bool) -> None:
        self.label, self.total, self.unit, self.quiet = label, total, unit, quiet
        self.done = 0.0
        self._bar: Any = None
        if quiet:
            return
        try:
            tqdm = importlib.import_module("tqdm")
        except ImportError:
            return
        self._bar = tqdm.tqdm(total=total, desc=label, unit=unit, file=sys.stderr, leave=True)

    def update(self, done: float) -> None:
        if self.quiet:
            return
        step = done - self.done
        self.done = done
        if self._bar is not None:
            self._bar.update(step)
            return
        share = 100.0 * done / self.total if self.total else 100.0
        digits = 1 if self.unit == "h" else 0
        print(
            f"\r{self.label}: {done:,.{digits}f}/{self.total:,.{digits}f} {self.unit}"
            f" ({share:3.0f} %)",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def close(self) -> None:
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.close()
        else:
            print(file=sys.stderr)


# --- the neighbourhood --------------------------------------------------------------------------


@dataclass
class _GatewaySite:
    """One gateway: its node, application, RPC gateway and dispatcher."""

    node: Node
    app: SeApplication
    gateway: Gateway
    dispatcher: Dispatcher
    responses: list[tuple[float, RpcResponse]] = field(default_factory=list)
    errors: list[tuple[float, str, str]] = field(default_factory=list)

    def close(self) -> None:
        self.dispatcher.close()
        self.app.close()
        self.app.store.close()


@dataclass(frozen=True)
class EventWindow:
    """An event to mark on the plot, in seconds after the start."""

    kind: str  # "drlc" or "price"
    start: float
    end: float
    label: str


@dataclass
class Results:
    """Average demand per sample (watts), from the models' power traces."""

    scenario: Scenario
    elapsed: list[float]
    aggregate_w: list[float]
    by_kind: dict[str, list[float]]
    per_device: list[tuple[str, str, str, list[float]]]
    events: list[EventWindow]
    summary: dict[str, Any]

    @property
    def times(self) -> list[datetime]:
        return [self.scenario.start + timedelta(seconds=e) for e in self.elapsed]


class Neighbourhood:
    """The homes of a scenario on one medium and clock (module doc)."""

    def __init__(self, scenario: Scenario, homes: range | None = None) -> None:
        self.scenario = scenario
        self.home_indexes = homes if homes is not None else range(scenario.homes)
        self.sim = self._network(
            seed=scenario.seed * 65_537 + self.home_indexes.start,
            config=StackConfig(
                link_status_period=scenario.link_status_period,
                concentrator_period=scenario.concentrator_period,
            ),
        )
        self.clock = self.sim.clock
        self.utc_at_zero = scenario.start_utc - scenario.lead
        self.sites: list[_GatewaySite] = []
        self.households: list[Household] = []
        self.home_of_site: list[int] = []
        self._build()

    # --- building ---------------------------------------------------------------------------

    def _site(self, ieee: int, index: int) -> _GatewaySite:
        node = self.sim.add_node(ieee, NodeType.coordinator)
        node.form(
            NetworkConfig(
                channel=11 + index % 16,
                pan_id=0x1000 + index % 0xE000,
                extended_pan_id=_EPID_BASE + index,
            )
        )
        timebase = TimeBase(self.clock, self.utc_at_zero, synchronized=True)
        app = SeApplication(
            node,
            self.clock,
            Store(":memory:"),
            config=SeConfig(
                role=Role.esi_coordinator, refresh_rate=0, extra=self._metering_settings()
            ),
            rng=random.Random(self.scenario.seed * 7919 + index),  # noqa: S311 - simulation
            timebase=timebase,
        )
        app.start()
        gateway = Gateway(app, node, host_time=lambda: UNIX_2000 + timebase.now_exact())
        dispatcher = Dispatcher(gateway)
        dispatcher.start()
        node.permit_joining(_PERMIT)
        site = _GatewaySite(node, app, gateway, dispatcher)
        self.sites.append(site)
        return site

    def _metering_settings(self) -> dict[str, Any]:
        """The Metering clients (gateways and IPDs): reports every ``report_interval`` at most,
        at least every 3 intervals (10 min or more); polls as often when reports stop (a meter
        keeps one report destination per attribute: the last client that configured it)."""
        low = self.scenario.report_interval
        high = max(600, 3 * low)
        settings: dict[str, Any] = {
            f"metering.{kind}_{edge}": value
            for kind in ("summation", "demand")
            for edge, value in (("min_interval", low), ("max_interval", high))
        }
        settings["metering.poll_interval"] = float(low)
        return settings

    def _network(self, *, seed: int, config: StackConfig) -> SimNetwork:
        """The medium and clock the homes live on (a subclass may put them elsewhere)."""
        return SimNetwork(seed=seed, config=config)

    def _build(self) -> None:
        sc = self.scenario
        single = self._site(_SINGLE_GATEWAY, 0) if sc.topology == "single-gateway" else None
        for i in self.home_indexes:
            base = _HOME_BASE + (i << 8)
            site = single or self._site(base | 0xFF, i)
            self.home_of_site.append(len(self.sites) - 1)

            def register(ieee: int, code: bytes, gateway: Gateway = site.gateway) -> None:
                gateway.add_device(ieee, install_code=code)

            self._home(i, site.node, site.app.timebase, register)

    def _home(
        self,
        i: int,
        trust_center: TrustCenter,
        timebase: TimeBase,
        register: Callable[[int, bytes], None],
    ) -> Household:
        """Build home ``i`` beside ``trust_center`` (its devices registered with ``register``)."""
        sc = self.scenario
        rng = random.Random(f"{sc.seed}/{i}")  # noqa: S311 - simulation
        base = _HOME_BASE + (i << 8)
        household = Household(
            self.sim,
            trust_center=trust_center,
            timebase=timebase,
            meter_ieee=base,
            name=f"home{i:04d}",
            register=register,
            step=sc.step,
            lqi=sc.lqi,
            loss=sc.loss,
            base_load=sc.base_load or None,
            seed=sc.seed * 1_000_003 + i,
            meter_update_period=sc.meter_update_period,
            meter_install_code=sc.install_codes.get((i, "meter")),
            poll_interval=sc.poll_interval,
            app_extra=self._metering_settings(),
        )
        opts_out = sc.opts_out.picks(i, rng.random())
        ignores = sc.ignores_drlc.picks(i, rng.random())
        j = 1
        for mix in sorted(sc.devices, key=lambda m: m.kind != "range_extender"):
            for n in range(mix.number(rng.random())):
                name = mix.kind if n == 0 else f"{mix.kind}-{n + 1}"
                device = build_device(
                    mix.kind,
                    f"{household.name}/{name}",
                    mix.params,
                    weather=sc.weather,
                    seed=household.seed * 64 + j,
                    opts_out=opts_out,
                    ignores_drlc=ignores,
                )
                household.add(
                    device,
                    base | j,
                    install_code=sc.install_codes.get((i, name)),
                    sleepy=mix.sleepy,
                )
                j += 1
        for offline in sc.offline:
            if offline.selection.picks(i, rng.random()):
                self.clock.call_at(sc.lead + offline.at, household.set_online, False)
        self.households.append(household)
        return household

    @property
    def _shard_label(self) -> str:
        homes = self.home_indexes
        if len(homes) == self.scenario.homes:
            return ""
        return f" (homes {homes.start}-{homes.stop - 1} of {self.scenario.homes})"

    @property
    def devices(self) -> int:
        """SE nodes of the homes (meters included; gateways not)."""
        return sum(h.size for h in self.households)

    @property
    def joined(self) -> int:
        return sum(h.joined for h in self.households)

    # --- running ----------------------------------------------------------------------------

    def join(self, *, quiet: bool = True, timeout: float | None = None) -> int:
        """Start the homes and run until every device joined (or ``timeout`` virtual seconds,
        default the lead, at least 5 minutes). Returns how many joined."""
        for household in self.households:
            household.start()
        total = self.devices
        progress = _Progress(f"joining{self._shard_label}", total, "devices", quiet=quiet)
        limit = self.clock.now() + (
            timeout if timeout is not None else max(self.scenario.lead, 300.0)
        )
        renew = self.clock.now() + _PERMIT - 20
        try:
            while self.clock.now() < limit:
                self.sim.run(min(5.0, limit - self.clock.now()))
                joined = self.joined
                progress.update(joined)
                if joined == total:
                    break
                if self.clock.now() >= renew:
                    for site in self.sites:
                        site.node.permit_joining(_PERMIT)
                    renew = self.clock.now() + _PERMIT - 20
        finally:
            progress.close()
        return self.joined

    def schedule_rpcs(self) -> None:
        for rpc in self.scenario.rpcs:
            params = _rpc_params(rpc.method, rpc.params)
            self.clock.call_at(self.scenario.lead + rpc.at, self._send, rpc.method, params)

    def _send(self, method: str, params: dict[str, Any]) -> None:
        now = self.clock.now()
        for site in self.sites:

            def got(response: RpcResponse, site: _GatewaySite = site) -> None:
                site.responses.append((now, response))

            try:
                site.dispatcher.call(method, params, request_identifier=None, on_response=got)
            except RpcError as exc:
                site.errors.append((now, method, str(exc)))

    def run(self, *, quiet: bool = True) -> None:
        """Run from wherever the clock is to the scenario's end, with progress."""
        end = self.scenario.lead + self.scenario.duration
        total_h = self.scenario.duration / 3600
        progress = _Progress(f"simulating{self._shard_label}", total_h, "h", quiet=quiet)
        try:
            while self.clock.now() < end:
                self.sim.run(min(_CHUNK, end - self.clock.now()))
                progress.update(max(0.0, self.clock.now() - self.scenario.lead) / 3600)
        finally:
            progress.close()

    def close(self) -> None:
        for household in self.households:
            household.close()
        for site in self.sites:
            site.close()
        self.sim.close()

    # --- results ----------------------------------------------------------------------------

    def results(self, *, per_device: bool = True) -> Results:
        sc = self.scenario
        n = int(sc.duration // sc.sample)
        starts = [sc.lead + k * sc.sample for k in range(n)]
        aggregate = [0.0] * n
        by_kind: dict[str, list[float]] = {}
        devices: list[tuple[str, str, str, list[float]]] = []
        energy_j = 0.0
        for household in self.households:
            for source in household.load.sources:
                trace = source.trace
                watts = [trace.energy_j(t, t + sc.sample) / sc.sample for t in starts]
                kind = str(getattr(source, "kind", "device"))
                column = by_kind.setdefault(kind, [0.0] * n)
                for k, w in enumerate(watts):
                    aggregate[k] += w
                    column[k] += w
                energy_j += trace.energy_j(sc.lead, sc.lead + sc.duration)
                if per_device:
                    devices.append((household.name, source.name, kind, watts))
        summary = self._summary(energy_j)
        return Results(
            sc,
            [t - sc.lead for t in starts],
            aggregate,
            by_kind,
            devices,
            self._events(),
            summary,
        )

    def _events(self) -> list[EventWindow]:
        """Event windows from what the first gateway stored (its response's record)."""
        windows: list[EventWindow] = []
        if not self.sites:
            return windows
        for _at, response in self.sites[0].responses:
            if response.name not in ("create_DRLC_event_response", "create_price_event_response"):
                continue
            record = response.params.get("record")
            if response.params.get("status") != 0 or not isinstance(record, Record):
                continue
            kind = "drlc" if response.name.startswith("create_DRLC") else "price"
            window = self._event_window(
                kind,
                record.fields.get("start_time", 0),
                record.fields.get("duration_in_minutes", 0),
                record.fields.get("issuer_event_id"),
            )
            if window is not None:
                windows.append(window)
        return windows

    def _event_window(
        self, kind: str, start: object, minutes: object, event_id: object
    ) -> EventWindow | None:
        """The window of an event created with ``start`` (UTCTime) and ``minutes`` (0xFFFF:
        until changed, here the scenario's end); None when they are not whole numbers."""
        if not isinstance(start, int) or not isinstance(minutes, int):
            return None
        begin = start - self.scenario.start_utc
        end = begin + (minutes * 60 if minutes != 0xFFFF else self.scenario.duration)
        return EventWindow(kind, float(begin), float(end), f"{kind} {event_id}")

    def _summary(self, energy_j: float) -> dict[str, Any]:
        statuses: dict[str, Counter[str]] = {}
        for site in self.sites:
            for at, response in site.responses:
                key = f"{response.name} @ {at - self.scenario.lead:.0f} s"
                status = response.params.get("status")
                value = f"error: {response.error}" if response.error else f"0x{status or 0:02X}"
                statuses.setdefault(key, Counter())[value] += 1
            for at, method, error in site.errors:
                statuses.setdefault(f"{method} @ {at - self.scenario.lead:.0f} s", Counter())[
                    f"refused: {error}"
                ] += 1
        metered = sum(
            float(h.metering.delivered_kwh) for h in self.households if h.metering is not None
        )
        return {
            "scenario": self.scenario.name,
            "homes": len(self.households),
            "gateways": len(self.sites),
            "devices": self.devices,
            "joined": self.joined,
            "requests": {k: dict(v) for k, v in statuses.items()},
            "modelled_kwh": energy_j / 3.6e6,
            "metered_kwh_since_join": metered,
        }


# --- outputs ------------------------------------------------------------------------------------


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _demand_rows(results: Results) -> Iterator[list[Any]]:
    kinds = sorted(results.by_kind)
    for k, when in enumerate(results.times):
        yield [
            _iso(when),
            f"{results.elapsed[k]:.0f}",
            f"{results.aggregate_w[k]:.1f}",
            *(f"{results.by_kind[kind][k]:.1f}" for kind in kinds),
        ]


def write_outputs(
    results: Results, out_dir: Path, *, plot: bool = True, parquet: bool = True
) -> list[Path]:
    """Write the CSVs (Parquet when pyarrow is importable), the plot and the summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    kinds = sorted(results.by_kind)
    demand = out_dir / "demand.csv"
    with demand.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["time_utc", "elapsed_s", "aggregate_w", *(f"{k}_w" for k in kinds)])
        writer.writerows(_demand_rows(results))
    written.append(demand)
    if results.per_device:
        devices = out_dir / "devices.csv"
        times = [_iso(t) for t in results.times]
        with devices.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["time_utc", "elapsed_s", "home", "device", "kind", "watts"])
            for home, name, kind, watts in results.per_device:
                for k, w in enumerate(watts):
                    writer.writerow(
                        [times[k], f"{results.elapsed[k]:.0f}", home, name, kind, f"{w:.1f}"]
                    )
        written.append(devices)
    if parquet:
        written.extend(_parquet(results, out_dir))
    if plot:
        png = out_dir / "demand.png"
        plot_demand(results, png)
        written.append(png)
    summary = out_dir / "summary.json"
    events = [e.__dict__ for e in results.events]
    summary.write_text(
        json.dumps({**results.summary, "events": events}, indent=2) + "\n", encoding="utf-8"
    )
    written.append(summary)
    return written


def _parquet(results: Results, out_dir: Path) -> list[Path]:
    try:
        import pyarrow as pa  # type: ignore[import-not-found] # noqa: PLC0415 - optional
        import pyarrow.parquet as pq  # type: ignore[import-not-found] # noqa: PLC0415
    except ImportError:
        return []
    columns: dict[str, list[Any]] = {
        "time_utc": results.times,
        "elapsed_s": results.elapsed,
        "aggregate_w": results.aggregate_w,
    }
    for kind, values in sorted(results.by_kind.items()):
        columns[f"{kind}_w"] = values
    path = out_dir / "demand.parquet"
    pq.write_table(pa.table(columns), path)
    return [path]


def plot_demand(results: Results, path: Path) -> None:
    """Aggregate demand (kW) over time, DR events shaded orange and price events blue."""
    import matplotlib as mpl  # noqa: PLC0415 - heavy, only when plotting

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, ax = plt.subplots(figsize=(10, 4.5))
    try:
        hours = [e / 3600 for e in results.elapsed]
        ax.plot(hours, [w / 1000 for w in results.aggregate_w], color="black", lw=1.2)
        shown: set[str] = set()
        for event in results.events:
            color = "tab:orange" if event.kind == "drlc" else "tab:blue"
            label = "DR event" if event.kind == "drlc" else "price event"
            ax.axvspan(
                event.start / 3600,
                event.end / 3600,
                color=color,
                alpha=0.25 if event.kind == "drlc" else 0.12,
                label=None if label in shown else label,
            )
            shown.add(label)
        start = results.scenario.start
        ax.set_xlabel(f"hours after {_iso(start)}")
        ax.set_ylabel("aggregate demand (kW)")
        ax.set_title(f"{results.scenario.name}: {results.scenario.homes} homes")
        ax.set_xlim(0, results.scenario.duration / 3600)
        ax.set_ylim(bottom=0)
        ax.grid(visible=True, alpha=0.3)
        if shown:
            ax.legend(loc="upper left")
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)


# --- the command --------------------------------------------------------------------------------


def add_command(sub: Any) -> None:
    """Add ``simulate`` to ``segateway``."""
    cmd = sub.add_parser(
        COMMAND, help="simulate a neighbourhood of SE homes from a scenario file (TOML)"
    )
    cmd.add_argument("scenario", type=Path, help="the scenario file (see scenarios/)")
    cmd.add_argument(
        "--out", type=Path, default=Path("simulation"), help="output directory (./simulation)"
    )
    cmd.add_argument("--quiet", action="store_true", help="no progress bars")
    cmd.add_argument("--no-per-device", action="store_true", help="leave devices.csv out")
    cmd.add_argument("--no-plot", action="store_true", help="leave demand.png out")
    cmd.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes to split the homes between (per-home topology; default 1)",
    )
    cmd.add_argument(
        "--attach",
        action="store_true",
        help="attach the homes' devices to a running gateway's medium (segateway run --medium) "
        "instead of simulating gateways; at most 50 homes, all joined to that gateway",
    )
    cmd.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="with --attach: the running gateway's data directory (default as segateway run)",
    )
    cmd.add_argument("--url", help="with --attach: the gateway's URL (default: from --data-dir)")
    cmd.add_argument("--token", help="with --attach: the token (default: from --data-dir)")


def _shard(
    scenario: Scenario, first: int, stop: int, quiet: bool, per_device: bool
) -> tuple[Results, dict[str, float]]:
    """Build, join, run and collect homes ``first`` to ``stop`` - 1 of a scenario.

    The cyclic garbage collector runs less often meanwhile (its threshold raised, restored
    after): a neighbourhood is millions of long-lived objects, and the default thresholds make
    every full collection walk all of them - a cost that grew faster than the homes (a third of
    the run at 200 homes, docs/performance.md)."""
    wall: dict[str, float] = {}
    t0 = time.perf_counter()
    thresholds = gc.get_threshold()
    gc.set_threshold(_GC_THRESHOLD, 50, 1000)
    hood = Neighbourhood(scenario, range(first, stop))
    try:
        wall["build_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        hood.join(quiet=quiet)
        wall["join_s"] = time.perf_counter() - t1
        hood.schedule_rpcs()
        t2 = time.perf_counter()
        hood.run(quiet=quiet)
        wall["run_s"] = time.perf_counter() - t2
        results = hood.results(per_device=per_device)
    finally:
        hood.close()
        gc.set_threshold(*thresholds)
    wall["total_s"] = time.perf_counter() - t0
    return results, wall


def _merge(parts: list[Results]) -> Results:
    """One result from the shards' (same samples; homes in order)."""
    first = parts[0]
    n = len(first.elapsed)
    aggregate = [sum(p.aggregate_w[k] for p in parts) for k in range(n)]
    kinds = sorted({kind for p in parts for kind in p.by_kind})
    by_kind = {
        kind: [sum(p.by_kind[kind][k] for p in parts if kind in p.by_kind) for k in range(n)]
        for kind in kinds
    }
    summary = dict(first.summary)
    for key in ("homes", "gateways", "devices", "joined", "modelled_kwh", "metered_kwh_since_join"):
        summary[key] = sum(p.summary[key] for p in parts)
    requests: dict[str, Counter[str]] = {}
    for p in parts:
        for name, outcomes in p.summary["requests"].items():
            requests.setdefault(name, Counter()).update(outcomes)
    summary["requests"] = {k: dict(v) for k, v in requests.items()}
    return Results(
        first.scenario,
        first.elapsed,
        aggregate,
        by_kind,
        [d for p in parts for d in p.per_device],
        first.events,
        summary,
    )


def simulate(
    scenario: Scenario, *, quiet: bool = True, per_device: bool = True, workers: int = 1
) -> tuple[Results, dict[str, float]]:
    """Build, join, run and collect a scenario; (results, wall seconds of each phase).

    With ``workers`` > 1 (per-home topology only) the homes are split into that many shards,
    each on its own medium and clock in its own process — the homes share nothing on the air,
    so only the network's random draws differ from a run in one process (the progress shown is
    the first shard's)."""
    workers = max(1, min(workers, scenario.homes))
    if workers == 1 or scenario.topology != "per-home":
        return _shard(scenario, 0, scenario.homes, quiet, per_device)
    bounds = [scenario.homes * w // workers for w in range(workers + 1)]
    t0 = time.perf_counter()
    context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(_shard, scenario, bounds[w], bounds[w + 1], quiet or w > 0, per_device)
            for w in range(workers)
        ]
        done = [f.result() for f in futures]
    results = _merge([r for r, _ in done])
    wall = {key: max(w[key] for _, w in done) for key in done[0][1]}
    wall["total_s"] = time.perf_counter() - t0
    return results, wall


def run_simulate(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``segateway simulate``; 0 when it ran, 1 for a bad scenario or output directory."""
    if args.attach:
        from .cli_simulate_attach import run_attached  # noqa: PLC0415 - imports this module

        return run_attached(args, out)
    try:
        scenario = load_scenario(args.scenario, validate_rpc=validate_rpc)
    except ScenarioError as exc:
        print(f"segateway: error: {exc}", file=sys.stderr)
        return 1
    results, wall = simulate(
        scenario, quiet=args.quiet, per_device=not args.no_per_device, workers=args.workers
    )
    device_hours = results.summary["devices"] * scenario.duration / 3600
    results.summary["wall_seconds"] = {k: round(v, 3) for k, v in wall.items()}
    results.summary["device_hours_per_wall_second"] = round(
        device_hours / wall["total_s"] if wall["total_s"] > 0 else math.inf, 1
    )
    try:
        written = write_outputs(results, args.out, plot=not args.no_plot)
    except OSError as exc:
        print(f"segateway: error: {exc}", file=sys.stderr)
        return 1
    s = results.summary
    print(
        f"{s['scenario']}: {s['homes']} homes, {s['joined']}/{s['devices']} devices joined, "
        f"{scenario.duration / 3600:g} h in {wall['total_s']:.1f} s",
        file=out,
    )
    for path in written:
        print(f"  {path}", file=out)
    return 0
