"""The home ``segateway run`` simulates delivers what the getting-started procedure publishes,
on the first attempt, to every device — in the network's virtual time, without HTTP.

Found by the getting-started test failing one run in five: every device heard only the gateway,
so their frames collided at the gateway unseen (hidden nodes, one frame in five), a DRLC event
reached some devices only on a retry (``device_list`` short or empty) and their Report Event
Status came late. In one house every device hears every other; several seeds (the simulated
network's randomness follows the gateway's address) keep that true."""

from __future__ import annotations

from typing import Any

import pytest

from segateway.rpc.gateway import Gateway
from segateway.runtime import RunConfig, SimulatedHome
from segateway.runtime.home import IPD_IEEE, NEW_DEVICE_IEEE, THERMOSTAT_IEEE
from segateway.se.bus import Notification, ReceivedReportEventStatus
from segateway.se.endpoint import Side
from segateway.store import Store

_HOST_TIME = 849_000_000.0 + 946_684_800  # a fixed wall clock (2026), in UNIX seconds
_DISPLAYS = {IPD_IEEE, THERMOSTAT_IEEE, NEW_DEVICE_IEEE}  # every DRLC and Price client
EVENT_RECEIVED, EVENT_STARTED = 0x01, 0x02  # se-spec.md §2.5.2 Report Event Status: Event Status


def _active(home: SimulatedHome, ieee: int) -> bool:
    device = home.app.devices.get(ieee)
    return device is not None and device.active and device.endpoints != {}


@pytest.mark.parametrize(
    "gateway_ieee", [0x02AA00000000BEEF, 0x02C1EA36F17FD374, 0x020038EC42650644, 0x0228F624FB804D82]
)
def test_price_and_drlc_reach_every_device_first_time_and_each_reports(gateway_ieee: int) -> None:
    home = SimulatedHome(
        RunConfig(), Store(":memory:"), gateway_ieee=gateway_ieee, host_time=lambda: _HOST_TIME
    )
    gateway = Gateway(home.app, home.node, host_time=lambda: _HOST_TIME)
    home.app.start()
    reports: list[Notification] = []
    home.app.bus.subscribe(
        lambda n: reports.append(n) if isinstance(n, ReceivedReportEventStatus) else None
    )
    try:
        home.register(lambda ieee, code: gateway.add_device(ieee, install_code=code))
        home.start_devices()
        code = home.start_new_device()
        home.sim.run(3)
        gateway.add_device(NEW_DEVICE_IEEE, install_code=code.code + code.crc)
        gateway.permit_joining(120)
        assert home.sim.run_until(lambda: all(_active(home, d) for d in _DISPLAYS), timeout=60)
        home.sim.run(2)
        done: dict[str, dict[str, Any]] = {}
        price = home.app.endpoint.cluster(0x0700, Side.server)
        drlc = home.app.endpoint.cluster(0x0701, Side.server)
        record = {"issuer_event_id": 1, "duration_in_minutes": 60, "price": 99}
        price.create_price_event(record, lambda r: done.setdefault("price", r))  # type: ignore[union-attr]
        assert home.sim.run_until(lambda: "price" in done, timeout=10)
        record = {"issuer_event_id": 2, "duration_in_minutes": 30, "criticality_level": 3}
        record["event_control"] = 0  # no randomization: every device starts at once
        drlc.create_DRLC_event(record, lambda r: done.setdefault("drlc", r))  # type: ignore[union-attr]
        assert home.sim.run_until(lambda: "drlc" in done, timeout=10)
        home.sim.run(5)
    finally:
        home.app.close()
        home.close()
    assert set(done["price"]["device_list"]) == _DISPLAYS
    assert set(done["drlc"]["device_list"]) == _DISPLAYS
    statuses = {
        (n.params()["source_address"], n.params()["record"]["event_status"]) for n in reports
    }
    assert statuses == {(d, s) for d in _DISPLAYS for s in (EVENT_RECEIVED, EVENT_STARTED)}
