"""The device simulator at scale: simulated device-hours per wall second, memory per device.

    python bench/simulate.py [--json] [--homes 1000] [--hours 24] [--workers 2]
                             [--scenario scenarios/neighbourhood-100.toml] [--memory-homes 100]

Runs a scenario (default: the 100-home example's device mix, weather, behaviours and requests,
with ``--homes`` homes and ``--hours`` hours; requests after the end are dropped) the way
``segateway simulate`` does — every home its own ESI gateway, meter and devices joining by install
code, the models stepped every minute, the price/DR requests through every gateway's RPC
dispatcher — split between ``--workers`` processes, without writing outputs. Printed:

* wall seconds to build, join (the lead time included) and run, and **simulated device-hours per
  wall second** (SE nodes of the homes, meters included, × simulated hours ÷ wall seconds);
* the projection for the target, **one day of 1,000 homes** (≈ 5,000 devices) — measured when
  ``--homes 1000 --hours 24``, else extrapolated: (build + join + run × 24 h ÷ hours) × 1,000 ÷
  homes (joining is paid once, running grows with the hours, and both with the homes: they share
  nothing on the air);
* **memory per device**: in a fresh process, the resident-set growth from before building
  ``--memory-homes`` homes to after they joined and ran an hour, divided by their devices;
* the baseline, in this process: the same device models stepped alone (no network, no SE
  application) for the same homes and hours — the floor the physics alone costs.

Target (issue 6): one day of 1,000 homes in at most 10 minutes of wall time on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from segateway.cli_simulate import Neighbourhood, simulate, validate_rpc
from segateway.sim.devices import BaseLoad, PoolPump, SmartAppliance, Thermostat, WaterHeater
from segateway.sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "neighbourhood-100.toml"
TARGET_HOMES = 1000
TARGET_HOURS = 24.0
TARGET_WALL = 600.0


def _rss() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _scenario(path: Path, homes: int, hours: float) -> Scenario:
    scenario = load_scenario(path, validate_rpc=validate_rpc)
    duration = hours * 3600.0
    rpcs = tuple(r for r in scenario.rpcs if r.at <= duration)
    return replace(
        scenario, homes=homes, duration=duration, sample=min(scenario.sample, duration), rpcs=rpcs
    )


def _memory(scenario: Scenario, queue: Any) -> None:
    before = _rss()
    hood = Neighbourhood(replace(scenario, duration=3600.0, rpcs=()))
    hood.join()
    hood.run()
    after = _rss()
    queue.put({"devices": hood.devices, "rss_growth_bytes": after - before})
    hood.close()


def memory_per_device(scenario: Scenario) -> dict[str, Any]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_memory, args=(scenario, queue))
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    result["bytes_per_device"] = result["rss_growth_bytes"] / max(result["devices"], 1)
    return result


def baseline(scenario: Scenario) -> dict[str, float]:
    """The models alone: the scenario's device mix per home, stepped for its duration."""
    models: list[Any] = []
    for i in range(scenario.homes):
        models.append(BaseLoad(f"{i}/base", seed=i))
        models.append(Thermostat(f"{i}/pct", weather=scenario.weather, seed=i))
        if i % 5 != 0:
            models.append(WaterHeater(f"{i}/wh", seed=i))
        if i % 10 < 3:
            models.append(PoolPump(f"{i}/pool", seed=i))
        if i % 10 < 6:
            models.append(SmartAppliance(f"{i}/sa", seed=i))
    step = scenario.step
    steps = int(scenario.duration // step)
    t0 = time.perf_counter()
    for model in models:
        model.begin(0.0, scenario.start_utc)
    for k in range(steps):
        t = k * step
        utc = scenario.start_utc + t
        for model in models:
            model.step(t, step, utc)
    wall = time.perf_counter() - t0
    device_hours = len(models) * scenario.duration / 3600
    return {
        "models": len(models),
        "wall_s": wall,
        "device_hours_per_wall_s": device_hours / wall if wall > 0 else float("inf"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--homes", type=int, default=TARGET_HOMES)
    parser.add_argument("--hours", type=float, default=TARGET_HOURS)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--memory-homes", type=int, default=100)
    args = parser.parse_args(argv)
    scenario = _scenario(args.scenario, args.homes, args.hours)

    results, wall = simulate(scenario, workers=args.workers, per_device=False)
    devices = int(results.summary["devices"])
    device_hours = devices * args.hours
    rate = device_hours / wall["total_s"]
    # joining is paid once, running grows with the hours; both grow linearly with the homes
    scale = TARGET_HOMES / args.homes
    projected = scale * (
        wall["build_s"] + wall["join_s"] + wall["run_s"] * TARGET_HOURS / args.hours
    )
    memory = memory_per_device(_scenario(args.scenario, args.memory_homes, 1.0))
    floor = baseline(scenario)
    report = {
        "scenario": scenario.name,
        "homes": args.homes,
        "hours": args.hours,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "devices": devices,
        "joined": results.summary["joined"],
        "wall_s": {k: round(v, 2) for k, v in wall.items()},
        "device_hours": round(device_hours, 1),
        "device_hours_per_wall_s": round(rate, 1),
        "target": f"{TARGET_HOMES} homes x {TARGET_HOURS:g} h in <= {TARGET_WALL:g} s",
        "target_wall_s": round(projected, 1),
        "target_measured": args.homes == TARGET_HOMES and args.hours == TARGET_HOURS,
        "target_met": projected <= TARGET_WALL,
        "memory": {
            "homes": args.memory_homes,
            "devices": memory["devices"],
            "bytes_per_device": round(memory["bytes_per_device"]),
        },
        "baseline_models_only": {
            "models": floor["models"],
            "device_hours_per_wall_s": round(floor["device_hours_per_wall_s"], 1),
            "ratio": round(rate / floor["device_hours_per_wall_s"], 4),
        },
        "requests": results.summary["requests"],
    }
    if args.json:
        print(json.dumps(report))
        return 0
    how = "measured" if report["target_measured"] else "extrapolated"
    print(
        f"{scenario.name}: {args.homes} homes, {devices} devices ({report['joined']} joined), "
        f"{args.hours:g} h on {args.workers} worker(s)"
    )
    print(
        f"  wall: build {wall['build_s']:.1f} s, join {wall['join_s']:.1f} s, "
        f"run {wall['run_s']:.1f} s, total {wall['total_s']:.1f} s"
    )
    print(f"  {rate:,.1f} simulated device-hours per wall second")
    print(
        f"  target {report['target']}: {projected:,.0f} s ({how}) — "
        f"{'met' if report['target_met'] else 'NOT met'}"
    )
    print(
        f"  memory: {memory['bytes_per_device'] / 1024:,.1f} KiB per device "
        f"({memory['devices']} devices of {args.memory_homes} homes, RSS growth)"
    )
    print(
        f"  baseline (models alone, this process): {floor['device_hours_per_wall_s']:,.0f} "
        f"device-hours/s; the full simulation runs at {report['baseline_models_only']['ratio']:.2%}"
        " of it"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
