"""``segateway run --new-device``: one more IPD, not registered, keeps trying to join; it joins
once its install code is registered and joining is open (``add_device … join_time=…``). In the
network's virtual time, without HTTP."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from segateway.cli import main
from segateway.radio import NetworkState
from segateway.rpc.gateway import Gateway
from segateway.runtime import RunConfig, SimulatedHome
from segateway.runtime.home import NEW_DEVICE_IEEE
from segateway.se.app import Role
from segateway.store import Store
from segateway.zigbee.install_code import InstallCode

_HOST_TIME = 800_000_000.0 + 946_684_800  # a fixed wall clock: 2025, in UNIX seconds


def _home(config: RunConfig) -> tuple[SimulatedHome, Gateway]:
    home = SimulatedHome(config, Store(":memory:"), gateway_ieee=0x02AA00000000BEEF,
                         host_time=lambda: _HOST_TIME, seed=7)  # fmt: skip
    gateway = Gateway(home.app, home.node, host_time=lambda: _HOST_TIME)
    home.app.start()
    return home, gateway


def _active(home: SimulatedHome, ieee: int) -> bool:
    device = home.app.devices.get(ieee)
    return device is not None and device.active


def test_the_new_device_joins_only_after_add_device() -> None:
    home, gateway = _home(RunConfig(simulated_devices=False))
    try:
        code = home.start_new_device()
        assert code.crc_ok
        assert code.code == NEW_DEVICE_IEEE.to_bytes(8, "big")
        node = home.sim.nodes[NEW_DEVICE_IEEE]
        gateway.permit_joining(254)  # joining open: only the registration is missing
        home.sim.run(60)
        assert node.state is not NetworkState.joined
        assert node.join_attempts >= 5  # it keeps trying
        assert home.app.devices.get(NEW_DEVICE_IEEE) is None

        gateway.add_device(NEW_DEVICE_IEEE, install_code=code.code + code.crc)
        assert home.sim.run_until(lambda: node.state is NetworkState.joined, timeout=15)
        assert home.sim.run_until(lambda: bool(home.devices), timeout=15)  # its IPD app started
        assert home.sim.run_until(lambda: _active(home, NEW_DEVICE_IEEE), timeout=30)
    finally:
        home.app.close()
        home.close()


def test_the_new_device_waits_for_a_join_window() -> None:
    """Registered but with joining closed, it does not join; ``join_time`` lets it in."""
    home, gateway = _home(RunConfig(simulated_devices=False))
    try:
        code = home.start_new_device()
        node = home.sim.nodes[NEW_DEVICE_IEEE]
        gateway.add_device(NEW_DEVICE_IEEE, install_code=code.code + code.crc)
        home.sim.run(30)
        assert node.state is not NetworkState.joined
        gateway.permit_joining(120)
        assert home.sim.run_until(lambda: node.state is NetworkState.joined, timeout=15)
    finally:
        home.app.close()
        home.close()


def test_the_new_device_is_for_the_esi_coordinator_only(tmp_path: Path) -> None:
    config = tmp_path / "router.toml"
    config.write_text('role = "esi_router"\n', encoding="utf-8")
    args = ["run", "--new-device", "--config", str(config), "--data-dir", str(tmp_path / "d")]
    assert main(args, out=io.StringIO()) == 1
    home, _ = _home(RunConfig(role=Role.esi_router))
    try:
        with pytest.raises(ValueError, match="ESI Coordinator only"):
            home.start_new_device()
    finally:
        home.close()


def test_the_new_device_is_not_registered_by_the_gateway() -> None:
    home, _ = _home(RunConfig())
    try:
        registered: list[int] = []
        home.register(lambda ieee, code: registered.append(ieee))
        assert registered
        assert NEW_DEVICE_IEEE not in registered
        assert InstallCode.from_code(NEW_DEVICE_IEEE.to_bytes(8, "big")) == home.start_new_device()
    finally:
        home.app.close()
        home.close()
