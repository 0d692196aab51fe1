"""``segateway simulate SCENARIO --attach``: a scenario's homes as a separate program on a running
gateway's medium (``segateway run --medium``), and the real-time driver of ``segateway run``
(``pace``) serving that medium's clients in lockstep.

The gateway is a real subprocess on port 0 of 127.0.0.1 with a temporary data directory, stopped
by SIGINT; everything is bounded in time."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from segateway.cli import main
from segateway.cli_simulate_attach import GatewayMedium
from segateway.client import GatewayClient
from segateway.radio.sim import SimNetwork
from segateway.runtime.server import pace
from segateway.sim.clock import VirtualClock
from segateway.sim.medium import airtime
from segateway.sim.remote import MediumServer, RemoteMedium, run_client

from .gateway_process import running_gateway

HOST = "127.0.0.1"
WAIT = 10.0  # seconds of real time any single wait may take before the test fails

# 2 homes of a thermostat and a water heater; a DR event for HVAC from 2 to 7 minutes
_SCENARIO = """
name = "attach-test"
seed = 5
duration = "9m"
step = 60
sample = 60
lead = "1m"
homes = 2

[network]
report_interval = 60
link_status_period = false
concentrator_period = false

[devices.thermostat]
count = 1
params = { cooling_set_point = 24.0, mode = "cool" }

[devices.water_heater]
count = 1

[[rpc]]
at = "1m"
method = "create_DRLC_event"
[rpc.params.record]
issuer_event_id = 4711
device_class = 1
criticality_level = 3
start_time = "+2m"
duration_in_minutes = 5
cooling_temperature_offset = 2.0
"""
# the homes' IEEE addresses: 0x00124B10_0000_HH_JJ (home HH, device JJ; the meter is JJ = 0)
_THERMOSTATS = ("00:12:4B:10:00:00:00:01", "00:12:4B:10:00:00:01:01")
_METERS = ("00:12:4B:10:00:00:00:00", "00:12:4B:10:00:00:01:00")
_PNG = b"\x89PNG\r\n\x1a\n"  # the PNG signature (PNG specification, 5.2)


# ------------------------------------------------------------------------- pace and the barrier


class _Recorder:
    def __init__(self, clock: VirtualClock, trace: list[tuple[float, bytes]]) -> None:
        self.clock = clock
        self.trace = trace

    def on_frame(self, frame: bytes, lqi: int, rssi: int) -> None:
        self.trace.append((self.clock.now(), frame))


async def test_pace_grants_the_clients_exact_instants_and_keeps_the_loop_serving() -> None:
    """remote.py: "whoever drives the server's clock (``run``, ``run_as_fast_as_possible``,
    ``run_realtime``, ``SimNetwork.run``) stops there" — ``pace`` (``segateway run``) drives it
    in real-time steps of ``clock.run(until=…)``, so a client is granted the very instants of
    its events and deliveries (not the late live time ``run_realtime`` grants), while the
    asyncio loop keeps serving between the steps (the HTTP API, new medium clients)."""
    sim = SimNetwork(seed=1)
    local_trace: list[tuple[float, bytes]] = []
    remote_trace: list[tuple[float, bytes]] = []
    local = sim.medium.add_node(_Recorder(sim.clock, local_trace))
    failures: list[BaseException] = []

    def setup(remote: RemoteMedium, clock: VirtualClock) -> None:
        me = remote.add_node(_Recorder(clock, remote_trace))
        remote.link(local, me)
        for k in range(1, 4):
            clock.call_at(k * 0.25, remote.transmit, me, bytes([k]) * 10)
        clock.call_at(1.5, remote.leave)

    def client(port: int) -> None:
        try:
            run_client(HOST, port, setup)
        except BaseException as exc:  # handed to the test
            failures.append(exc)

    sim.clock.call_at(0.6, sim.medium.transmit, local, b"from the gateway")
    reached = asyncio.Event()
    sim.clock.call_at(2.0, reached.set)
    ticks = 0

    async def other_work() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async with MediumServer(sim.medium, sim.clock, client_timeout=WAIT) as server:
        thread = threading.Thread(target=client, args=(server.port,), daemon=True)
        thread.start()
        await asyncio.wait_for(server.wait_ready(1), WAIT)
        driver = asyncio.create_task(pace(sim, speed=4.0))
        worker = asyncio.create_task(other_work())
        try:
            await asyncio.wait_for(reached.wait(), WAIT)
        finally:
            for task in (driver, worker):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await asyncio.to_thread(thread.join, WAIT)
    assert not thread.is_alive()
    assert failures == []
    frame_10, frame_16 = airtime(10), airtime(16)
    assert [f for _, f in local_trace] == [bytes([k]) * 10 for k in range(1, 4)]
    for k, (when, _) in enumerate(local_trace, 1):
        assert when == pytest.approx(k * 0.25 + frame_10, abs=1e-9)
    assert remote_trace == [(pytest.approx(0.6 + frame_16, abs=1e-9), b"from the gateway")]
    assert ticks > 10  # 0.5 s of real time at least: the loop was not starved


# ------------------------------------------------------------------------- the attached homes


def _gateway(data: Path, config: Path) -> contextlib.AbstractContextManager[subprocess.Popen[str]]:
    """``segateway run --medium`` on ``data`` until the block ends (then SIGINT, status 0)."""
    return running_gateway(
        data,
        *("--http", "127.0.0.1:0", "--medium", "127.0.0.1:0", "--speed", "30"),
        *("--duration", "55", "--quiet", "--config", str(config)),
        start_within=15,
        stop_within=15,
    )


def test_attached_homes_join_the_running_gateway_and_answer_its_dr_event(tmp_path: Path) -> None:
    """Two homes simulated by ``segateway simulate --attach`` join a running ``segateway run``
    by install code over its medium; the DR event the scenario sends over HTTP reaches the
    thermostats, which report their event status to the gateway; the outputs are written."""
    data, out = tmp_path / "data", tmp_path / "out"
    config = tmp_path / "gateway.toml"
    config.write_text("simulated_devices = false\n", encoding="utf-8")
    scenario = tmp_path / "attach.toml"
    scenario.write_text(_SCENARIO, encoding="utf-8")
    with _gateway(data, config) as process:
        found = json.loads((data / "gateway.json").read_text(encoding="utf-8"))
        assert found["medium"].startswith("127.0.0.1:")
        assert found["medium_node"]["role"] == "esi_coordinator"
        printed = io.StringIO()
        args = ["simulate", str(scenario), "--attach", "--data-dir", str(data), "--out", str(out)]
        assert main([*args, "--quiet"], out=printed) == 0, printed.getvalue()
        assert "2 homes attached to gateway" in printed.getvalue()
        assert "6/6 devices joined" in printed.getvalue()

        listing = io.StringIO()
        assert main(["devices", "--data-dir", str(data)], out=listing) == 0
        for address in (*_THERMOSTATS, *_METERS):
            assert address in listing.getvalue()

        client = GatewayClient.locate(data)
        # --url mode finds the medium in /health, as --data-dir mode does in gateway.json
        assert GatewayMedium.from_document(client.health(), "it") == (
            GatewayMedium.from_gateway_file(data)
        )
        responses = client.responses(limit=500)["responses"]
        reports = [r for r in responses if r["response"] == "received_report_event_status"]
        reporters = {json.dumps(r["params"]) for r in reports}
        for thermostat in _THERMOSTATS:
            assert any(thermostat in text for text in reporters), reports
        assert {r["params"]["record"]["issuer_event_id"] for r in reports} == {4711}
    assert "medium    127.0.0.1:" in process.stdout_text  # type: ignore[attr-defined]

    summary: dict[str, Any] = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["homes"], summary["gateways"], summary["joined"]) == (2, 1, 6)
    assert summary["requests"] == {"create_DRLC_event @ 60 s": {"0x00": 1}}
    assert [(e["kind"], e["start"], e["end"]) for e in summary["events"]] == [
        ("drlc", 120.0, 420.0)
    ]
    rows = (out / "demand.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "time_utc,elapsed_s,aggregate_w,base_w,thermostat_w,water_heater_w"
    assert len(rows) == 1 + 9  # a sample a minute
    assert all(float(row.split(",")[2]) > 0 for row in rows[1:])
    header = (out / "devices.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "time_utc,elapsed_s,home,device,kind,watts"
    assert (out / "demand.png").read_bytes()[:8] == _PNG


def test_attach_without_a_running_gateway_says_how_to_start_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "attach.toml"
    scenario.write_text(_SCENARIO, encoding="utf-8")
    data = tmp_path / "nothing-here"
    args = ["simulate", str(scenario), "--attach", "--data-dir", str(data), "--quiet"]
    assert main([*args, "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"no running gateway found in {data}" in err
    assert "segateway run --medium 127.0.0.1:0" in err
    assert not (tmp_path / "out").exists()


def test_attach_to_a_gateway_without_a_medium_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A gateway started without ``--medium`` (its gateway.json names no medium)."""
    scenario = tmp_path / "attach.toml"
    scenario.write_text(_SCENARIO, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "gateway.json").write_text(
        json.dumps({"url": "http://127.0.0.1:9", "device_id": "x", "pid": 1}), encoding="utf-8"
    )
    assert main(["simulate", str(scenario), "--attach", "--data-dir", str(data)]) == 1
    assert "serves no medium" in capsys.readouterr().err


def test_attach_refuses_more_homes_than_one_gateway_takes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "big.toml"
    scenario.write_text(_SCENARIO.replace("homes = 2", "homes = 51"), encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    medium_node = {
        "node_id": 0,
        "ieee": "0000000000000001",
        "role": "esi_coordinator",
        "channel": 15,
        "pan_id": 1,
        "extended_pan_id": "0000000000000001",
        "utc_at_zero": 0.0,
    }
    (data / "token").write_text("t\n", encoding="ascii")
    (data / "gateway.json").write_text(
        json.dumps(
            {"url": "http://127.0.0.1:9", "medium": "127.0.0.1:9", "medium_node": medium_node}
        ),
        encoding="utf-8",
    )
    assert main(["simulate", str(scenario), "--attach", "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err
    assert "51 homes on one running gateway" in err
    assert "at most 50" in err
