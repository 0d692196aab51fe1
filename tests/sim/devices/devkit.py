"""A gateway (the SE tests' ESI Coordinator home) with one modelled household beside it, and the
helpers the device tests share: driving ESI servers, reading the meter through the gateway, and
integrating a device's power trace independently of the code under test."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from segateway.se.bus import ReceivedReportEventStatus
from segateway.se.clients.metering import MeteringClient
from segateway.se.servers import DrlcServer, MessagingServer, PriceServer
from segateway.sim.devices import Household, PowerTrace
from segateway.sim.devices.home import Device
from segateway.zcl.cluster import Side

from ...se.sekit import Home

METER = 0x00124B0002000001
HVAC = 0x0001
NOT_USED = {
    "cooling_temperature_offset": 0xFF,
    "heating_temperature_offset": 0xFF,
    "cooling_temperature_set_point": -0x8000,
    "heating_temperature_set_point": -0x8000,
    "average_load_adjustment_percentage": -0x80,
    "duty_cycle": 0xFF,
}


def device_ieee(n: int) -> int:
    return 0x00124B0002000100 + n


def gateway_and_household(
    *, seed: int = 7, base_load: float | None = None, poll_interval: float = 5.0
) -> tuple[Home, Household]:
    home = Home(seed=seed)
    household = Household(
        home.sim,
        trust_center=home.coordinator,
        timebase=home.timebase,
        meter_ieee=METER,
        base_load=base_load,
        seed=seed,
        poll_interval=poll_interval,
    )
    return home, household


def household_with(device: Device, ieee: int) -> tuple[Home, Household]:
    """A gateway and a household of ``device`` alone at ``ieee``, started and joined."""
    home, household = gateway_and_household()
    household.add(device, ieee)
    start(home, household)
    return home, household


def start(home: Home, household: Household, *, settle: float = 120.0) -> None:
    household.start()
    home.run(settle)
    assert household.joined == household.size, "every device joins by install code"
    for member in household.members:
        if member.app is not None:
            device = home.esi.devices.get(member.ieee)
            assert device is not None, f"{member.ieee:016x} discovered"
            assert device.active


def create_drlc_event(home: Home, **fields: Any) -> dict[str, Any]:
    drlc = home.esi.cluster(0x0701, Side.server)
    assert isinstance(drlc, DrlcServer)
    record = {"event_control": 0, "criticality_level": 3, **NOT_USED, **fields}
    out: list[dict[str, Any]] = []
    drlc.create_DRLC_event(record, out.append)
    home.run(10)
    assert out, "no answer"
    assert out[0]["status"] == 0x00, out
    return out[0]


def create_price_event(home: Home, **fields: Any) -> dict[str, Any]:
    price = home.esi.cluster(0x0700, Side.server)
    assert isinstance(price, PriceServer)
    out: list[dict[str, Any]] = []
    price.create_price_event(fields, out.append)
    home.sim.run_until(lambda: bool(out), timeout=60)
    assert out, "no answer"
    assert out[0]["status"] == 0x00, out
    return out[0]


def create_message_event(home: Home, **fields: Any) -> dict[str, Any]:
    messaging = home.esi.cluster(0x0703, Side.server)
    assert isinstance(messaging, MessagingServer)
    out: list[dict[str, Any]] = []
    messaging.create_message_event(fields, out.append)
    home.run(10)
    assert out, "no answer"
    assert out[0]["status"] == 0x00, out
    return out[0]


def statuses(home: Home, ieee: int, event_id: int) -> list[int]:
    """The Report Event Status values the gateway received from ``ieee`` for ``event_id``."""
    return [
        n.record["event_status"]
        for n in home.of(ReceivedReportEventStatus)
        if n.source_address == ieee and n.record["issuer_event_id"] == event_id
    ]


def read_summation(home: Home, ieee: int = METER) -> tuple[Decimal, str, float, float]:
    """CurrentSummationDelivered read through the gateway's Metering client, in engineering
    units: (value, unit, clock time the request left, clock time the answer arrived)."""
    client = home.esi.cluster(0x0702, Side.client)
    assert isinstance(client, MeteringClient)
    got: list[Any] = []
    sent = home.clock.now()
    client.read_attributes(ieee, [0x0000], got.append)
    assert home.sim.run_until(lambda: bool(got), timeout=30, step=0.001)
    received = home.clock.now()
    records = got[0]
    assert records is not None
    quantity = records[0].quantity
    assert quantity is not None
    return quantity.value, quantity.unit, sent, received


def _pieces(trace: PowerTrace, t0: float, t1: float) -> Iterator[tuple[float, float]]:
    """(watts, seconds) of each constant piece of the trace within [t0, t1), from its list of
    changes with a plain loop (not with the trace's own ``energy_j``)."""
    changes = trace.changes()
    for i, (start, watts) in enumerate(changes):
        end = changes[i + 1][0] if i + 1 < len(changes) else float("inf")
        lo, hi = max(start, t0), min(end, t1)
        if hi > lo:
            yield watts, hi - lo


def integral_j(trace: PowerTrace, t0: float, t1: float) -> float:
    """∫ power dt over [t0, t1) from the trace's list of changes (:func:`_pieces`)."""
    total = 0.0
    for watts, seconds in _pieces(trace, t0, t1):
        total += watts * seconds
    return total


def runtime_in(trace: PowerTrace, t0: float, t1: float) -> float:
    """Seconds of [t0, t1) during which the trace draws power."""
    total = 0.0
    for watts, seconds in _pieces(trace, t0, t1):
        if watts > 0:
            total += seconds
    return total
