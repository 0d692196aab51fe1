"""RPC over HTTP: ``segateway run`` answering concurrent clients on loopback, beside the bare stack.

    python bench/rpc.py [--json] [--requests N] [--seconds S] [--concurrency 1,8,32]
    python bench/rpc.py --profile       # cProfile of the gateway process under get_time (JSON)

The gateway is started as shipped: ``segateway run --quiet --http 127.0.0.1:0 --data-dir TMP
--duration D`` in a subprocess (one process, one event loop — uvloop when installed — and
uvicorn with its default HTTP implementation, httptools when installed; printed below), found
through ``gateway.json`` and ``token`` in the temporary data directory. Its simulated home (a
meter, an IPD and a thermostat) is given time to join before anything is timed, so
``create_price_event`` publishes to a real (simulated) Price client, as it would at home.

The client is this process, a load generator written to cost as little as possible (raw
HTTP/1.1 over ``C`` keep-alive connections with TCP_NODELAY, one ``asyncio.Protocol`` each, on
the same event loop as the server; ``C`` in ``--concurrency``); each worker sends its next
request when its previous reply is complete. On a machine with 2+ CPUs the servers run on CPU 0
and the client on the others (``--no-pin`` lets them share): an httpx client sharing the
server's CPU measured itself, not the server (≈ 700 req/s whatever the server did). Every cell
sends at most ``--requests`` requests and stops after ``--seconds`` in any case (a short
warm-up is not timed). Each request's latency is ``time.perf_counter`` from just before the
request is written to the last byte of the reply; throughput is answered requests over the
cell's wall time. Every reply is checked (status 200 and the expected response name), so a fast
answer cannot be an error page.

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
the same ``Config`` settings (``log_level``, ``access_log``, ``lifespan``, the same event loop
and HTTP implementation, TCP_NODELAY), in its own subprocess, whose ``POST /rpc`` reads the
body and answers a constant JSON document: the floor of the HTTP stack and of this client on
this machine. The ratio gateway/baseline shows what the gateway adds.

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
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any, cast

import httpx

from segateway.client import GatewayClient
from segateway.runtime import GATEWAY_FILE, event_loop_factory

PIN = False  # servers on CPU 0, this client on the others (main sets it)
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


# ------------------------------------------------------------------------------------------------
# The baseline server (run as ``python bench/rpc.py --baseline-server PORT_FILE``)


def serve_baseline(port_file: Path, seconds: float) -> None:
    """A constant-JSON Starlette app on uvicorn, configured as ``segateway run`` configures it:
    the same event loop (:func:`segateway.runtime.event_loop_factory`), the listener made with
    ``proto=IPPROTO_TCP`` so that asyncio sets TCP_NODELAY on each connection."""
    import uvicorn  # noqa: PLC0415 - only in the server subprocess
    from starlette.applications import Starlette  # noqa: PLC0415
    from starlette.requests import Request  # noqa: PLC0415
    from starlette.responses import JSONResponse, Response  # noqa: PLC0415
    from starlette.routing import Route  # noqa: PLC0415

    async def rpc(request: Request) -> Response:
        await request.body()
        return JSONResponse(BASELINE_REPLY)

    app = Starlette(routes=[Route("/rpc", rpc, methods=["POST"])])
    listener = _tcp_listener(("127.0.0.1", 0))
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

    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(run())


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


def _server_cpu() -> None:
    """In the server subprocess (before exec): run on CPU 0 only, the client on the others."""
    if PIN:
        os.sched_setaffinity(0, {0})


def start_gateway(name: str, data_dir: Path, duration: float, *, profile_to: Path | None) -> Server:
    prefix = [sys.executable]
    if profile_to is not None:
        prefix += ["-m", "cProfile", "-o", str(profile_to)]
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
        preexec_fn=_server_cpu,  # noqa: PLW1509 - affinity only, no threads yet
    )
    _wait_for(data_dir / GATEWAY_FILE, process, 30)
    client = GatewayClient.locate(data_dir)
    return Server(name, client.url, {"Authorization": f"Bearer {client.token}"}, process)


def start_baseline(name: str, tmp: Path, duration: float) -> Server:
    port_file = tmp / f"{name}.port"
    process = subprocess.Popen(  # noqa: S603 - this file, as the baseline server
        [
            *(sys.executable, __file__, "--baseline-server", str(port_file)),
            *("--seconds", str(duration)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_server_cpu,  # noqa: PLW1509 - affinity only, no threads yet
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
# (server, its baseline)
GATEWAYS = (("segateway", "baseline"),)


def cases_for(gateway: str, baseline: str, requests: tuple[Case, ...]) -> list[Case]:
    return [*(replace(r, server=gateway) for r in requests), replace(BASELINE, server=baseline)]


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


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: a request out, its whole response in (the status
    line, the headers up to the blank line, then ``Content-Length`` bytes) — the least a client
    can do, so that the server, not the client, is what is measured."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[bytes] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.Transport", transport)  # uvloop's is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0 or self.waiter is None or self.waiter.done():
            return
        head = bytes(self.buffer[:head_end]).lower()
        at = head.find(b"content-length:")
        if at < 0:
            self.waiter.set_exception(RuntimeError(f"no Content-Length: {head[:200]!r}"))
            return
        length = int(head[at + 15 : head.find(b"\r\n", at) if b"\r\n" in head[at:] else None])
        total = head_end + 4 + length
        if len(self.buffer) >= total:
            reply = bytes(self.buffer[:total])
            del self.buffer[:total]
            self.waiter.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(RuntimeError(f"connection lost: {exc!r}"))

    async def exchange(self, request: bytes) -> bytes:
        if self.transport is None:
            raise RuntimeError("not connected")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await asyncio.wait_for(self.waiter, 10.0)


def _request_head(server: Server, case: Case) -> bytes:
    """A request of ``case`` up to its Content-Length value (the same for every request)."""
    host = server.url.removeprefix("http://")
    headers = "".join(f"{k}: {v}\r\n" for k, v in server.headers.items())
    return (
        f"POST {case.path} HTTP/1.1\r\nHost: {host}\r\n{headers}"
        f"Content-Type: {_TYPES[case.content_type]}\r\nContent-Length: "
    ).encode()


async def _run_cell(  # noqa: PLR0917
    server: Server, case: Case, concurrency: int, requests: int, seconds: float, counter: list[int]
) -> Cell:
    loop = asyncio.get_running_loop()
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    connections = [
        (await loop.create_connection(_Connection, host, int(port)))[1] for _ in range(concurrency)
    ]

    head = _request_head(server, case)

    async def one(worker: int) -> float:
        counter[0] += 1
        body = case.body(counter[0], worker)
        request = head + b"%d\r\n\r\n" % len(body) + body
        started = time.perf_counter()
        reply = await connections[worker].exchange(request)
        elapsed = time.perf_counter() - started
        if not reply.startswith(b"HTTP/1.1 200") or case.expect not in reply:
            raise RuntimeError(f"{case.server} {case.name}: {reply[:300]!r}")
        return elapsed

    warm_until = time.perf_counter() + seconds / 4

    async def warm_up(worker: int) -> None:
        for _ in range(max(2, WARMUP // concurrency)):
            await one(worker)
            if time.perf_counter() > warm_until:
                return

    try:
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
    finally:
        for connection in connections:
            if connection.transport is not None:
                connection.transport.close()
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
    for extra in ("uvloop", "httptools"):  # what imports here (the servers inherit the path)
        try:
            __import__(extra)
            stack[extra] = version(extra)
        except ImportError:
            stack[extra] = "not importable"
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
    parser.add_argument(
        "--no-pin", action="store_true", help="let client and servers share every CPU"
    )
    args = parser.parse_args(argv)
    if args.baseline_server is not None:
        serve_baseline(args.baseline_server, args.seconds)
        return 0
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    gateways = GATEWAYS
    requests: tuple[Case, ...] = REQUESTS
    global PIN  # noqa: PLW0603 - read by the servers' preexec_fn
    PIN = not args.no_pin and (os.cpu_count() or 1) >= 2
    if PIN:
        os.sched_setaffinity(0, set(range(1, os.cpu_count() or 2)))
    if args.profile:
        concurrencies, requests = [8], REQUESTS[:1]
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
                    profile_to=profile_to,
                )
                servers[baseline] = start_baseline(baseline, Path(tmp), budget)
            with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
                cells, price_devices = runner.run(
                    _measure(servers, cases, concurrencies, args.requests, args.seconds)
                )
        finally:
            outputs = {name: server.stop() for name, server in servers.items()}
        if profile_to is not None:
            if not profile_to.exists():
                print(outputs, file=sys.stderr)
                return 1
            print(f"=== cProfile of the gateway: {cells[0].requests} get_time JSON ===")
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
