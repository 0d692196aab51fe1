"""Issue 4, end to end on the simulated network (no mocks): the two home layouts a utility meets.

1. An ESI Coordinator (the gateway) with an IPD, a programmable communicating thermostat and a
   meter, all joined by install code; a DRLC event created on the ESI is reported by the devices
   it addresses: received (0x01) → started (0x02) → completed (0x03), on the ESI's bus.
2. The gateway as IPD Router on a network whose coordinator and trust center is a meter acting
   as ESI; it receives the meter-ESI's price, DRLC event and message, and reads the meter.
"""

from __future__ import annotations

import random
from typing import Any

from segateway.radio import NetworkConfig, NetworkState, NodeType
from segateway.radio.sim import SimNetwork
from segateway.se.app import Role, SeApplication, SeConfig
from segateway.se.bus import (
    Notification,
    ReceivedDrlcEvent,
    ReceivedMessageEvent,
    ReceivedPriceEvent,
    ReceivedReportEventStatus,
)
from segateway.se.clients.drlc import DrlcClient
from segateway.se.clients.metering import MeteringClient
from segateway.se.clients.price import PriceClient
from segateway.se.clients.time import TimeClient
from segateway.se.general import BasicServer, IdentifyServer, KeyEstablishmentServer
from segateway.se.servers import DrlcServer, MessagingServer, PriceServer
from segateway.se.timebase import TimeBase
from segateway.sim.devices import MeteringServer, meter_esi, simulated_meter
from segateway.store import Store
from segateway.zcl.cluster import Side
from segateway.zigbee.install_code import InstallCode

from .sekit import EPID, START_UTC, Home, fixed_bytes

IPD = 0x00124B00000D15D1
THERMOSTAT = 0x00124B00000C0017
METER = 0x00124B0000A1B2C3
GATEWAY = 0x00124B00000D15D2
PCT_DEVICE_ID = 0x0503  # Programmable Communicating Thermostat
HVAC = 0x0001  # device class bit 0: HVAC compressor or furnace


def _thermostat(home: Home) -> SeApplication:
    """A thermostat built from the client clusters: DRLC (HVAC class only), Price, Time."""
    node = home.join(THERMOSTAT)
    app = SeApplication(
        node,
        home.clock,
        Store(":memory:"),
        config=SeConfig(role=Role.ipd_router, device_id=PCT_DEVICE_ID, refresh_rate=0),
        rng=random.Random(THERMOSTAT),  # noqa: S311 - test determinism
        timebase=TimeBase(home.clock, 0, synchronized=False),  # learns the time from the ESI
        clusters=[
            BasicServer(model_identifier="thermostat"),
            IdentifyServer(),
            KeyEstablishmentServer(),
            TimeClient(),
            DrlcClient(device_class=HVAC, start_randomization_minutes=0),
            PriceClient(),
        ],
    )
    app.start()
    return app


def test_a_drlc_event_is_reported_received_started_completed_by_the_devices_it_addresses() -> None:
    home = Home()
    home.app(IPD)
    thermostat = _thermostat(home)
    meter = simulated_meter(home.sim, METER, trust_center=home.coordinator, demand_w=800.0)
    home.run(60)
    assert thermostat.timebase.synchronized
    assert meter.running
    devices = home.esi.devices
    for ieee in (IPD, THERMOSTAT, METER):
        device = devices.get(ieee)
        assert device is not None
        assert device.active
    drlc = home.esi.cluster(0x0701, Side.server)
    assert isinstance(drlc, DrlcServer)
    start = home.timebase.now() + 300
    created: list[dict[str, Any]] = []
    drlc.create_DRLC_event(
        {
            "issuer_event_id": 0x5151,
            "device_class": HVAC,
            "start_time": start,
            "duration_in_minutes": 30,
            "criticality_level": 3,
            "cooling_temperature_offset": 20,  # 2.0 °C
            "event_control": 0,
        },
        created.append,
    )
    home.run(10)
    # sent to every DRLC client (the meter has none): the IPD and the thermostat
    assert [c["status"] for c in created] == [0x00]
    assert sorted(created[0]["device_list"]) == sorted([IPD, THERMOSTAT])
    home.run(start + 30 * 60 + 60 - home.timebase.now())
    reports: dict[int, list[tuple[int, int]]] = {}
    for n in home.of(ReceivedReportEventStatus):
        if n.record["issuer_event_id"] == 0x5151:
            reports.setdefault(n.source_address, []).append(
                (n.record["event_status"], n.record["event_status_time"])
            )
    # both address HVAC (the IPD's class value is 0x0FFF): received → started → completed
    for ieee in (THERMOSTAT, IPD):
        statuses = [s for s, _ in reports[ieee]]
        assert statuses == [0x01, 0x02, 0x03], (hex(ieee), statuses)
        times = [t for _, t in reports[ieee]]
        assert times[1:] == [start, start + 30 * 60]


def _meter_esi(home_seed: int = 3) -> tuple[SimNetwork, SeApplication, MeteringServer]:
    """A network formed by a meter that is also the ESI and trust center (the library's)."""
    sim = SimNetwork(seed=home_seed)
    esi = meter_esi(
        sim,
        0x00124B0000E5E001,
        NetworkConfig(channel=25, pan_id=0x4D45, extended_pan_id=EPID),
        TimeBase(sim.clock, START_UTC, synchronized=True),
        demand_w=1200.0,
        config=SeConfig(model_identifier="meter-esi", refresh_rate=0),
    )
    assert esi.app.endpoint.device_id == 0x0501  # Metering Device
    esi.node.permit_joining(254)
    return sim, esi.app, esi.metering


def test_the_gateway_as_ipd_router_on_a_meter_that_is_esi_and_trust_center() -> None:
    sim, meter_esi, metering = _meter_esi()
    node = sim.add_node(GATEWAY, NodeType.router, random_bytes=fixed_bytes)
    sim.link(node, sim.nodes[0x00124B0000E5E001], lqi=220)
    code = InstallCode.from_code(GATEWAY.to_bytes(8, "big"))
    sim.nodes[0x00124B0000E5E001].add_install_code(GATEWAY, code.code + code.crc)
    node.join(NetworkConfig(extended_pan_id=EPID, link_key=code.link_key))
    assert sim.run_until(lambda: node.state is NetworkState.joined, timeout=60)
    gateway = SeApplication(
        node,
        sim.clock,
        Store(":memory:"),
        config=SeConfig(role=Role.ipd_router, refresh_rate=0),
        rng=random.Random(GATEWAY),  # noqa: S311 - test determinism
        timebase=TimeBase(sim.clock, 0, synchronized=False),
    )
    seen: list[Notification] = []
    gateway.bus.subscribe(seen.append)
    gateway.start()
    sim.run(60)
    assert gateway.timebase.synchronized
    now = meter_esi.timebase.now()
    price = meter_esi.cluster(0x0700, Side.server)
    drlc = meter_esi.cluster(0x0701, Side.server)
    messaging = meter_esi.cluster(0x0703, Side.server)
    assert isinstance(price, PriceServer)
    assert isinstance(drlc, DrlcServer)
    assert isinstance(messaging, MessagingServer)
    price.create_price_event({"issuer_event_id": 9, "duration_in_minutes": 60, "price": 1777})
    drlc.create_DRLC_event(
        {"issuer_event_id": 10, "start_time": now + 120, "duration_in_minutes": 5}
    )
    messaging.create_message_event(
        {"message_id": 11, "duration_in_minutes": 10, "message": "peak at 5pm"}
    )
    sim.run(30)
    assert [(n.status, n.record["price"]) for n in seen if isinstance(n, ReceivedPriceEvent)] == [
        (0x00, 1777)
    ]
    assert [n.record["issuer_event_id"] for n in seen if isinstance(n, ReceivedDrlcEvent)] == [10]
    assert [n.record["message"] for n in seen if isinstance(n, ReceivedMessageEvent)] == [
        "peak at 5pm"
    ]
    # and the gateway's metering client reads the meter-ESI: 1.2 kW
    client = gateway.cluster(0x0702, Side.client)
    assert isinstance(client, MeteringClient)
    reading = client.reading(0x00124B0000E5E001)
    assert reading is not None
    assert reading.demand is not None
    assert float(reading.demand.value) == 1.2
    assert metering.delivered_kwh > 0
