"""``segateway run`` over a data directory's life: the router roles, a restart that resumes what
was accepted, and ``segateway convert`` between runs — each run a real subprocess on port 0 of
127.0.0.1, reached with the CLI client, stopped by SIGINT; bounded in time."""

from __future__ import annotations

import io
import json
import subprocess
import time
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from segateway.cli import main

from ..gateway_process import running_gateway

_PRICE = {
    "issuer_event_id": 4242,
    "provider_id": 7,
    "duration_in_minutes": 600,
    "price": 1234,
    "rate_label": "restart",
}


def _running(data: Path, *extra: str) -> AbstractContextManager[subprocess.Popen[str]]:
    """``segateway run`` on ``data`` until the block ends (then SIGINT, exit status 0)."""
    return running_gateway(data, "--http", "127.0.0.1:0", "--duration", "120", *extra)


def _rpc(data: Path, *args: str) -> dict[str, object]:
    out = io.StringIO()
    assert main(["rpc", *args, "--data-dir", str(data)], out=out) == 0, out.getvalue()
    document = json.loads(out.getvalue())
    assert isinstance(document, dict)
    return document


def _devices(data: Path, until: str, seconds: float = 20) -> str:
    """``segateway devices`` until its output contains ``until`` (devices join by callback)."""
    deadline = time.monotonic() + seconds
    while True:
        out = io.StringIO()
        assert main(["devices", "--data-dir", str(data)], out=out) == 0
        if until in out.getvalue() or time.monotonic() > deadline:
            return out.getvalue()
        time.sleep(0.3)


def _prices(data: Path) -> list[dict[str, object]]:
    document = _rpc(data, "get_price_events")
    params = document["params"]
    assert isinstance(params, dict)
    records = params["events_record_list"]
    assert isinstance(records, list)
    return records


@pytest.mark.parametrize(("role", "banner"), [("esi_router", "ESI Router"), ("ipd_router", "IPD")])
def test_the_router_roles_join_the_simulated_esi_and_answer(
    tmp_path: Path, role: str, banner: str
) -> None:
    """As a router the gateway joins the simulated utility meter, which is the ESI, coordinator
    and trust center, by install code before it serves; it answers RPCs and lists the meter as
    the coordinator."""
    config = tmp_path / "router.toml"
    config.write_text(f'role = "{role}"\n', encoding="utf-8")
    data = tmp_path / "data"
    with _running(data, "--config", str(config)) as process:
        assert _rpc(data, "get_time")["response"] == "get_time_response"
        listing = _devices(data, "coordinator")
        (coordinator,) = [line for line in listing.splitlines() if "coordinator" in line]
        assert "00:12:4B:00:00:E5:10:01" in coordinator  # the meter that is the ESI
        info = _rpc(data, "get_network_information")
        assert info["response"] == "get_network_information_response"
    assert f"{banner}" in process.stdout_text  # type: ignore[attr-defined]


def test_a_restart_resumes_the_data_directory_and_convert_changes_the_role(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # 1. first start: a new token and address; a price accepted through the API
    with _running(data, "--quiet") as first:
        token = (data / "token").read_text().strip()
        device_id = json.loads((data / "gateway.json").read_text())["device_id"]
        created = _rpc(data, "create_price_event", f"record:json={json.dumps(_PRICE)}")
        assert created["response"] == "create_price_event_response"
        assert created["params"]["status"] == 0  # type: ignore[index]
        registered = _devices(data, "00:12:4B:00:00:0D:15:D1")
    assert "new, in" in first.stdout_text  # type: ignore[attr-defined]
    # 2. restart: the same token and device id, the price still scheduled, the devices known
    with _running(data, "--quiet") as second:
        assert (data / "token").read_text().strip() == token
        assert json.loads((data / "gateway.json").read_text())["device_id"] == device_id
        prices = _prices(data)
        assert [(p["issuer_event_id"], p["price"]) for p in prices] == [(4242, 1234)]
        assert "00:12:4B:00:00:0D:15:D1" in registered
        assert "00:12:4B:00:00:0D:15:D1" in _devices(data, "00:12:4B:00:00:0D:15:D1")
    assert "new, in" not in second.stdout_text  # type: ignore[attr-defined]
    # 3. convert while stopped: the ESI Router keeps its prices
    out = io.StringIO()
    assert main(["convert", "esi_router", "--data-dir", str(data)], out=out) == 0
    assert "esi_coordinator" in out.getvalue()
    assert "esi_router" in out.getvalue()
    # 4. the next run is an ESI Router without being told, and still has the price
    with _running(data) as third:
        assert [p["issuer_event_id"] for p in _prices(data)] == [4242]
    assert "ESI Router" in third.stdout_text  # type: ignore[attr-defined]
    # 5. a config file naming another role than the data's is refused, the data unchanged
    config = tmp_path / "coordinator.toml"
    config.write_text('role = "esi_coordinator"\n', encoding="utf-8")
    out = io.StringIO()
    args = ["run", "--config", str(config), "--data-dir", str(data), "--http", "127.0.0.1:0"]
    assert main(args, out=out) == 1
    assert "segateway convert esi_coordinator" in out.getvalue()
    assert not (data / "gateway.json").exists()


def test_convert_without_data_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["convert", "ipd_router", "--data-dir", str(tmp_path / "none")]) == 1
    assert "no gateway data" in capsys.readouterr().err
