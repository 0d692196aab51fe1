"""RPC over HTTP: ``segateway run`` answering concurrent clients on loopback, beside the bare stack.

    python bench/rpc.py [--json] [--requests N] [--seconds S] [--concurrency 1,8,32]
    python bench/rpc.py --profile       # cProfile of the gateway process under get_time (JSON)

The gateway is started as shipped: ``segateway run --quiet --http 127.0.0.1:0 --data-dir TMP
--duration D`` in a subprocess (one process, one asyncio loop, uvicorn with its default loop and
HTTP implementation — whatever ``uvicorn.Config`` picks on this machine, printed below), found
through ``gateway.json`` and ``token`` in the temporary data directory. Its simulated home (a
meter, an IPD and a thermostat) is given time to join before anything is timed, so
``create_price_event`` publishes to a real (simulated) Price client, as it would at home.

The client is this process: ``httpx.AsyncClient`` on asyncio, with ``C`` workers sharing a
connection pool of ``C`` keep-alive connections (``C`` in ``--concurrency``); each worker sends
its next request when its previous one is answered. Every cell sends at most ``--requests``
requests and stops after ``--seconds`` in any case (a short warm-up is not timed). Each
request's latency is ``time.perf_counter`` from just before ``client.post`` to the full body
read; throughput is answered requests over the cell's wall time. Every reply is checked (status
200 and the expected response name), so a fast answer cannot be an error page.

The requests:

* ``get_time`` JSON: ``POST /rpc`` ``{"method": "get_time"}`` with the Bearer token;
* ``get_time`` XML: ``POST /UE/rci`` with ``<get_time synchronous="TRUE"/>`` in a do_command;
* ``create_price_event`` JSON: ``POST /rpc``, a new ``issuer_event_id`` per request, each client
  worker in its own lane (``provider_id`` = worker) so that its prices supersede one another in
  order (concurrent requests in one lane could arrive out of order, and a price overlapping one
  with a newer Issuer Event ID is rightly refused with 0x85). It is answered when the Publish
  Price has been acknowledged over the simulated network, so its latency includes the simulated
  air (real time ×1); measured with one client only: with 8 concurrent prices the deliveries
  queue on the simulated channel and answers take more than 10 s.

Baseline, in the same run with the same client: a minimal Starlette app served by uvicorn with
the same ``Config`` settings (``log_level``, ``access_log``, ``lifespan``, default loop and HTTP
implementation), in its own subprocess, whose ``POST /rpc`` reads the body and answers a
constant JSON document: the floor of the HTTP stack and of this client on this machine. The
ratio gateway/baseline shows what the gateway adds.

Targets (issue 5): ≥ 1,000 ``get_time`` per second on one worker, p99 < 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import pstats
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx

TARGET_RATE = 1000.0  # get_time per second, one worker
TARGET_P99_MS = 20.0
WARMUP = 50  # untimed requests per cell
JOIN_WAIT = 20.0  # seconds to wait for the simulated home to join

XML_GET_TIME = (
    b'<rci_request version="1.1"><do_command target="RPC_request">'
    b'<get_time synchronous="TRUE"/></do_command></rci_request>'
)
JSON_GET_TIME = b'{"method":"get_time"}'
BASELINE_REPLY = {"response": "get_time_response", "params": {"UTC_1970": 0, "UTC_2000": 0}}


def price_request(issuer_event_id: int, lane: int = 0) -> bytes:
    """A price of its own Issuer Event ID, in the lane (Provider ID) of one client worker."""
    record = {
        "issuer_event_id": issuer_event_id,
        "provider_id": lane,
        "duration_in_minutes": 60,
        "price": 99,
    }
    return json.dumps({"method": "create_price_event", "params": {"record": record}}).encode()


def _tcp_listener(address: tuple[str, int]) -> socket.socket:
    """A listening socket whose accepted connections asyncio gives TCP_NODELAY: asyncio sets it
    only on sockets whose ``proto`` is ``IPPROTO_TCP``, and ``socket.create_server`` makes them
    with ``proto`` 0 (Nagle's algorithm stays on, and meets the peer's delayed ACK)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(address)
    listener.listen(128)
    return listener


# The gateway with that listener: ``segateway run`` with ``socket.create_server`` replaced
_NODELAY_GATEWAY = """
import runpy, socket, sys
def create_server(address, *, family=socket.AF_INET, **_kw):
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(address)
    listener.listen(128)
    return listener
socket.create_server = create_server
sys.argv = ["segateway", *sys.argv[1:]]
runpy.run_module("segateway", run_name="__main__")
"""


# ------------------------------------------------------------------------------------------------
# The baseline server (run as ``python bench/rpc.py --baseline-server PORT_FILE``)


def serve_baseline(port_file: Path, seconds: float, *, nodelay: bool) -> None:
    """A constant-JSON Starlette app on uvicorn, configured as ``segateway run`` configures it;
    its listener made as ``segateway run`` makes it (``socket.create_server``), or, with
    ``nodelay``, with ``proto=IPPROTO_TCP`` so that asyncio sets TCP_NODELAY on each connection."""
    import uvicorn  # noqa: PLC0415 - only in the server subprocess
    from starlette.applications import Starlette  # noqa: PLC0415
    from starlette.requests import Request  # noqa: PLC0415
    from starlette.responses import JSONResponse, Response  # noqa: PLC0415
    from starlette.routing import Route  # noqa: PLC0415

    async def rpc(request: Request) -> Response:
        await request.body()
        return JSONResponse(BASELINE_REPLY)

    app = Starlette(routes=[Route("/rpc", rpc, methods=["POST"])])
    listener = (
        _tcp_listener(("127.0.0.1", 0)) if nodelay else socket.create_server(("127.0.0.1", 0))
    )
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)

    async def run() -> None:
        task = asyncio.create_task(server.serve(sockets=[listener]))
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event
            await asyncio.sleep(0.01)
        port_file.write_text(str(listener.getsockname()[1]))  # noqa: ASYNC240 - once
        try:
            await asyncio.wait_for(asyncio.shield(task), seconds)
        except TimeoutError:
            server.should_exit = True
            await task

    asyncio.run(run())


# ------------------------------------------------------------------------------------------------
# Servers under test


@dataclass
class Server:
    name: str
    url: str
    headers: dict[str, str]
    process: subprocess.Popen[str]

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            output, _ = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
        return output or ""


def _wait_for(path: Path, process: subprocess.Popen[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.communicate()[0]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} not written within {seconds} s")
        time.sleep(0.05)


def start_gateway(
    name: str, data_dir: Path, duration: float, *, nodelay: bool, profile_to: Path | None
) -> Server:
    prefix = [sys.executable]
    if profile_to is not None:
        prefix += ["-m", "cProfile", "-o", str(profile_to)]
    if nodelay:
        script = data_dir.parent / "nodelay_gateway.py"
        script.write_text(_NODELAY_GATEWAY)
        prefix.append(str(script))
    else:
        prefix += ["-m", "segateway"]
    process = subprocess.Popen(  # noqa: S603 - our own command
        [
            *prefix,
            *("run", "--quiet", "--http", "127.0.0.1:0"),
            *("--data-dir", str(data_dir), "--duration", str(duration)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    _wait_for(data_dir / "gateway.json", process, 30)
    url = json.loads((data_dir / "gateway.json").read_text())["url"].rstrip("/")
    token = (data_dir / "token").read_text().strip()
    return Server(name, url, {"Authorization": f"Bearer {token}"}, process)


def start_baseline(name: str, tmp: Path, duration: float, *, nodelay: bool) -> Server:
    port_file = tmp / f"{name}.port"
    process = subprocess.Popen(  # noqa: S603 - this file, as the baseline server
        [
            *(sys.executable, __file__, "--baseline-server", str(port_file)),
            *("--seconds", str(duration), *(["--nodelay"] if nodelay else [])),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    _wait_for(port_file, process, 30)
    _wait_nonempty(port_file)
    port = int(port_file.read_text())
    return Server(name, f"http://127.0.0.1:{port}", {}, process)


def _wait_nonempty(path: Path) -> None:
    for _ in range(100):
        if path.read_text().strip():
            return
        time.sleep(0.01)


# ------------------------------------------------------------------------------------------------
# The client


@dataclass
class Case:
    name: str
    server: str  # "segateway" or "baseline"
    path: str
    body: Callable[[int, int], bytes]  # (request number, worker) → body
    expect: bytes  # must appear in every reply
    content_type: str


REQUESTS = (
    Case("get_time JSON", "", "/rpc", lambda _i, _w: JSON_GET_TIME, b"get_time_response", "j"),
    Case("get_time XML", "", "/UE/rci", lambda _i, _w: XML_GET_TIME, b"<get_time_resp", "x"),
    Case("create_price_event JSON", "", "/rpc", price_request, b'"status":0,', "j"),
)
BASELINE = Case("constant JSON", "", "/rpc", lambda _i, _w: JSON_GET_TIME, b"get_time_resp", "j")
# (server, its baseline); "+nodelay": the listener made so that connections get TCP_NODELAY
GATEWAYS = (("segateway", "baseline"), ("segateway+nodelay", "baseline+nodelay"))


def cases_for(gateway: str, baseline: str, requests: tuple[Case, ...]) -> list[Case]:
    chosen = [Case(r.name, gateway, r.path, r.body, r.expect, r.content_type) for r in requests]
    b = BASELINE
    return [*chosen, Case(b.name, baseline, b.path, b.body, b.expect, b.content_type)]


_TYPES = {"j": "application/json", "x": "application/xml"}


@dataclass
class Cell:
    server: str
    case: str
    concurrency: int
    requests: int
    seconds: float
    rate: float
    p50_ms: float
    p99_ms: float
    max_ms: float


def _percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


async def _run_cell(  # noqa: PLR0917
    server: Server, case: Case, concurrency: int, requests: int, seconds: float, counter: list[int]
) -> Cell:
    headers = {**server.headers, "Content-Type": _TYPES[case.content_type]}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(10.0)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=timeout) as client:

        async def one(worker: int) -> float:
            counter[0] += 1
            body = case.body(counter[0], worker)
            started = time.perf_counter()
            try:
                reply = await client.post(case.path, content=body, headers=headers)
            except httpx.HTTPError as exc:
                message = f"{case.server} {case.name} ×{concurrency}: {exc!r}"
                raise RuntimeError(message) from exc
            elapsed = time.perf_counter() - started
            if reply.status_code != 200 or case.expect not in reply.content:
                raise RuntimeError(f"{case.name}: {reply.status_code} {reply.text[:300]}")
            return elapsed

        warm_until = time.perf_counter() + seconds / 4

        async def warm_up(worker: int) -> None:
            for _ in range(max(2, WARMUP // concurrency)):
                await one(worker)
                if time.perf_counter() > warm_until:
                    return

        await asyncio.gather(*(warm_up(w) for w in range(concurrency)))
        latencies: list[float] = []
        issued = 0
        deadline = time.perf_counter() + seconds

        async def run(worker: int) -> None:
            nonlocal issued
            while issued < requests and time.perf_counter() < deadline:
                issued += 1
                latencies.append(await one(worker))

        started = time.perf_counter()
        await asyncio.gather(*(run(w) for w in range(concurrency)))
        wall = time.perf_counter() - started
    latencies.sort()
    return Cell(
        case.server,
        case.name,
        concurrency,
        len(latencies),
        wall,
        len(latencies) / wall,
        _percentile(latencies, 0.50) * 1000,
        _percentile(latencies, 0.99) * 1000,
        latencies[-1] * 1000,
    )


async def _wait_for_home(server: Server, counter: list[int]) -> int:
    """Until a price reaches at least one Price client (the IPD has joined); the device count."""
    deadline = time.monotonic() + JOIN_WAIT
    async with httpx.AsyncClient(base_url=server.url, timeout=10.0) as client:
        while True:
            counter[0] += 1
            reply = await client.post(
                "/rpc", content=price_request(counter[0], lane=1000), headers=server.headers
            )
            devices = len(reply.json().get("params", {}).get("device_list", []))
            if devices or time.monotonic() > deadline:
                return devices
            await asyncio.sleep(0.5)


async def _measure(
    servers: dict[str, Server],
    cases: list[Case],
    concurrencies: list[int],
    requests: int,
    seconds: float,
) -> tuple[list[Cell], int]:
    counter = [1000]  # issuer_event_id
    price_devices = min(
        [await _wait_for_home(s, counter) for n, s in servers.items() if n.startswith("segateway")]
    )
    cells = []
    for concurrency in concurrencies:
        for case in cases:
            if case.name.startswith("create_price_event") and concurrency > 1:
                continue  # deliveries queue on the simulated channel: seconds each (module doc)
            server = servers[case.server]
            cells.append(await _run_cell(server, case, concurrency, requests, seconds, counter))
    return cells, price_devices


# ------------------------------------------------------------------------------------------------
# Report


def _stack() -> dict[str, str]:
    import uvicorn  # noqa: PLC0415

    config = uvicorn.Config(lambda: None)
    stack = {
        "python": platform.python_version(),
        "uvicorn": version("uvicorn"),
        "starlette": version("starlette"),
        "httpx": version("httpx"),
        "uvicorn_loop": str(config.loop),
        "uvicorn_http": str(config.http),
    }
    for extra in ("uvloop", "httptools"):
        try:
            stack[extra] = version(extra)
        except Exception:
            stack[extra] = "not installed"
    return stack


def _report(cells: list[Cell], price_devices: int, args: argparse.Namespace) -> dict[str, Any]:
    baseline = {(c.server, c.concurrency): c for c in cells if c.server.startswith("baseline")}
    pair = dict(GATEWAYS)
    rows = []
    for cell in cells:
        row = cell.__dict__ | {
            "seconds": round(cell.seconds, 3),
            "rate": round(cell.rate, 1),
            "p50_ms": round(cell.p50_ms, 2),
            "p99_ms": round(cell.p99_ms, 2),
            "max_ms": round(cell.max_ms, 2),
        }
        base = baseline.get((pair.get(cell.server, ""), cell.concurrency))
        if base is not None:
            row["rate_vs_baseline"] = round(cell.rate / base.rate, 3)
        rows.append(row)
    get_time = [c for c in cells if c.server == "segateway" and c.case.startswith("get_time")]
    best_rate = max((c.rate for c in get_time), default=0.0)
    worst_p99 = max((c.p99_ms for c in get_time), default=0.0)
    return {
        "bench": "rpc",
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
        },
        "stack": _stack(),
        "requests_per_cell": args.requests,
        "seconds_per_cell": args.seconds,
        "price_devices": price_devices,
        "cells": rows,
        "targets": {
            "get_time_rate": TARGET_RATE,
            "get_time_p99_ms": TARGET_P99_MS,
            "best_get_time_rate": round(best_rate, 1),
            "worst_get_time_p99_ms": round(worst_p99, 2),
            "rate_met": best_rate >= TARGET_RATE,
            "p99_met": worst_p99 < TARGET_P99_MS,
        },
    }


def _print_table(report: dict[str, Any]) -> None:
    machine, stack = report["machine"], report["stack"]
    print(f"{machine['platform']}, {machine['cpus']} CPUs; Python {stack['python']}")
    print(
        f"uvicorn {stack['uvicorn']} (loop {stack['uvicorn_loop']}, http {stack['uvicorn_http']}; "
        f"uvloop {stack['uvloop']}, httptools {stack['httptools']}), "
        f"starlette {stack['starlette']}, httpx {stack['httpx']}"
    )
    print(f"create_price_event publishes to {report['price_devices']} Price client(s)\n")
    print(
        f"{'server':<18} {'case':<24} {'conc':>4} {'reqs':>6} {'req/s':>8} "
        f"{'p50 ms':>8} {'p99 ms':>8}  vs base"
    )
    for row in report["cells"]:
        ratio = row.get("rate_vs_baseline")
        print(
            f"{row['server']:<18} {row['case']:<24} {row['concurrency']:>4} "
            f"{row['requests']:>6} {row['rate']:>8.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f}"
            f"  {'' if ratio is None else f'{ratio:.2f}'}"
        )
    t = report["targets"]
    print(
        f"\ntargets (segateway as shipped): ≥ {t['get_time_rate']:.0f} get_time/s: "
        f"best {t['best_get_time_rate']:.0f} "
        f"({'met' if t['rate_met'] else 'NOT met'}); p99 < {t['get_time_p99_ms']:.0f} ms: "
        f"worst {t['worst_get_time_p99_ms']:.2f} ms ({'met' if t['p99_met'] else 'NOT met'})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--requests", type=int, default=3000, help="per cell (default 3000)")
    parser.add_argument("--seconds", type=float, default=5.0, help="cap per cell (default 5)")
    parser.add_argument("--concurrency", default="1,8,32", help="client connections (1,8,32)")
    parser.add_argument("--profile", action="store_true", help="cProfile the gateway process")
    parser.add_argument("--baseline-server", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--nodelay", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_server is not None:
        serve_baseline(args.baseline_server, args.seconds, nodelay=args.nodelay)
        return 0
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    gateways = GATEWAYS
    requests = REQUESTS
    if args.profile:  # the gateway with TCP_NODELAY: as shipped, its time is mostly idle waits
        concurrencies, gateways, requests = [8], GATEWAYS[1:], REQUESTS[:1]
    cases = [case for g, b in gateways for case in cases_for(g, b, requests)]
    budget = len(concurrencies) * len(cases) * (args.seconds + 5) + JOIN_WAIT * 2 + 30
    with tempfile.TemporaryDirectory(prefix="segateway-bench-rpc-") as tmp:
        profile_to = Path(tmp) / "gateway.prof" if args.profile else None
        servers: dict[str, Server] = {}
        try:
            for index, (gateway, baseline) in enumerate(gateways):
                servers[gateway] = start_gateway(
                    gateway,
                    Path(tmp) / f"data{index}",
                    budget,
                    nodelay=gateway.endswith("+nodelay"),
                    profile_to=profile_to,
                )
                servers[baseline] = start_baseline(
                    baseline, Path(tmp), budget, nodelay=baseline.endswith("+nodelay")
                )
            cells, price_devices = asyncio.run(
                _measure(servers, cases, concurrencies, args.requests, args.seconds)
            )
        finally:
            outputs = {name: server.stop() for name, server in servers.items()}
        if profile_to is not None:
            if not profile_to.exists():
                print(outputs, file=sys.stderr)
                return 1
            print(
                f"=== cProfile of the gateway (TCP_NODELAY): {cells[0].requests} get_time JSON ==="
            )
            stats = pstats.Stats(str(profile_to))
            stats.sort_stats("tottime").print_stats(20)
            stats.sort_stats("cumulative").print_stats(25)
            return 0
    report = _report(cells, price_devices, args)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
