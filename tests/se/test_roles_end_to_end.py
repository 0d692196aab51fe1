"""The configurations as they ship: an ESI Coordinator and an IPD Router with their default
clusters, a simulated meter, on one simulated network, in virtual time (no probes, no mocks)."""

from __future__ import annotations

from typing import Any

from segateway.se.app import Role
from segateway.se.bus import (
    ReceivedMessageConfirmation,
    ReceivedMessageEvent,
    ReceivedPriceEvent,
    UpdatedActiveMessageEvents,
    UpdatedActivePriceEvent,
)
from segateway.se.clients.messaging import MessagingClient
from segateway.se.clients.metering import MeteringClient
from segateway.se.servers import MessagingServer, PriceServer
from segateway.sim.devices import simulated_meter
from segateway.zcl.cluster import Side

from .sekit import Home

IPD = 0x00124B00000D15D1
METER = 0x00124B0000A1B2C3


def _server(home: Home, cluster: int) -> Any:
    found = home.esi.cluster(cluster, Side.server)
    assert found is not None
    return found


def test_default_roles_host_the_configurations_clusters() -> None:
    """DESIGN.md: ESI — servers Time, Price, DRLC, Messaging, client Metering; IPD (device id
    0x0502) — clients Time, Price, DRLC, Messaging, Metering; both Basic, Identify, Key
    Establishment."""
    home = Home()
    ipd = home.app(IPD)
    esi = home.esi.endpoint.descriptor()
    assert esi.device_id == 0x0500
    assert esi.input_clusters == (0x0000, 0x0003, 0x000A, 0x0700, 0x0701, 0x0703, 0x0800)
    assert esi.output_clusters == (0x0702, 0x0800)
    display = ipd.endpoint.descriptor()
    assert display.device_id == 0x0502
    assert display.input_clusters == (0x0000, 0x0003, 0x0800)
    assert display.output_clusters == (0x000A, 0x0700, 0x0701, 0x0702, 0x0703, 0x0800)


def test_an_ipd_syncs_its_time_and_follows_the_esis_price_and_messages() -> None:
    home = Home()
    ipd = home.app(IPD, Role.ipd_router)
    seen: list[Any] = []
    ipd.bus.subscribe(seen.append)
    home.run(30)
    assert ipd.timebase.synchronized
    assert abs(ipd.timebase.now() - home.timebase.now()) <= 1
    results: list[dict[str, Any]] = []
    now = home.timebase.now()
    _server(home, 0x0700).create_price_event(
        {
            "provider_id": 1,
            "issuer_event_id": 77,
            "unit_of_measure": 0,
            "currency": 840,
            "price_trailing_digit_and_price_tier": 0x21,
            "start_time": 0,
            "duration_in_minutes": 60,
            "price": 1234,
        },
        results.append,
    )
    home.run(10)
    assert [r["status"] for r in results] == [0x00]
    assert results[0]["device_list"] == [IPD]
    received = [n for n in seen if isinstance(n, ReceivedPriceEvent)]
    assert [(n.status, n.record["issuer_event_id"], n.record["price"]) for n in received] == [
        (0x00, 77, 1234)
    ]
    active = [n for n in seen if isinstance(n, UpdatedActivePriceEvent)]
    assert active[-1].record_list[0]["issuer_event_id"] == 77
    # a message that asks for confirmation, confirmed on the IPD, reaches the ESI
    done: list[dict[str, Any]] = []
    messaging: MessagingServer = _server(home, 0x0703)
    messaging.create_message_event(
        {"message_id": 1234, "message_control": 0x80, "duration_in_minutes": 5, "message": "hi"},
        done.append,
    )
    home.run(5)
    assert [n.record["message"] for n in seen if isinstance(n, ReceivedMessageEvent)] == ["hi"]
    updates = [n for n in seen if isinstance(n, UpdatedActiveMessageEvents)]
    assert [r["message_id"] for r in updates[-1].record_list] == [1234]
    client = ipd.cluster(0x0703, Side.client)
    assert isinstance(client, MessagingClient)
    client.confirm_message(None)
    home.run(5)
    confirmations = home.of(ReceivedMessageConfirmation)
    assert [(c.source_address, c.record["message_id"]) for c in confirmations] == [(IPD, 1234)]
    assert now <= confirmations[0].record["confirmation_time"] <= home.timebase.now()
    price: PriceServer = _server(home, 0x0700)
    assert [p["issuer_event_id"] for p in price.get_price_events()] == [77]


def test_the_esi_reads_a_meter_in_engineering_units() -> None:
    """A constant 1.5 kW load for one hour reads as 1.5 kWh more on the meter, through the
    ESI's metering client (energy = power × time, computed here independently)."""
    home = Home()
    meter = simulated_meter(home.sim, METER, trust_center=home.coordinator, demand_w=1500.0)
    home.run(120)
    client = home.esi.cluster(0x0702, Side.client)
    assert isinstance(client, MeteringClient)
    first = client.reading(METER)
    assert first is not None
    assert first.demand is not None
    assert float(first.demand.value) == 1.5  # kW
    home.run(3600)
    later = client.reading(METER)
    assert later is not None
    assert later.summation is not None
    assert first.summation is not None
    elapsed_h = (later.summation_utc - first.summation_utc) / 3600
    gained = float(later.summation.value - first.summation.value)
    assert abs(gained - 1.5 * elapsed_h) <= 0.001  # divisor 1000: one Wh resolution
    assert meter.running
