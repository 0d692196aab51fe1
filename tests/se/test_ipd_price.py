"""The IPD's Price client on the air: a probe plays the ESI with hand-written frames (se-spec.md
§2.4 layouts), the IPD application answers with real frames, in virtual time.

Frames are written field by field from se-spec.md §2.4.3 (Publish Price, Get Current Price, Get
Scheduled Prices, Price Acknowledgement) and §1.3 (Default Response, Write Attributes); the times
in them are the test's own timeline. Nothing expected comes from our encoder.
"""

from __future__ import annotations

from typing import Any

from segateway.se.bus import ReceivedPriceEvent, UpdatedActivePriceEvent
from segateway.se.clients.price import PriceClient
from segateway.store import Store

from .ipdkit import ESI_A, PRICE, Esi, Ipd, esi_probe, le, quiet_home, run_to, start_ipd
from .sekit import Home


def publish_price(
    tsn: int,
    *,
    event_id: int,
    start: int,
    minutes: int,
    price: int,
    current_time: int = 0,
    price_control: int | None = None,
    fc: int = 0x09,
) -> str:
    """Publish Price (S→C 0x00), se-spec.md §2.4.3, SE 1.1 layout when ``price_control`` is
    given (fields 1–19), SE 1.0 (fields 1–11) otherwise."""
    frame = (
        f"{fc:02X} {tsn:02X} 00"  # frame control, TSN, Publish Price
        " 01000000"  # 1 Provider ID 1
        " 04 5045414B"  # 2 Rate Label "PEAK"
        f" {le(event_id, 4)}"  # 3 Issuer Event ID
        f" {le(current_time, 4)}"  # 4 Current Time
        " 00"  # 5 Unit of Measure: kWh
        " 4803"  # 6 Currency 840 (USD)
        " 23"  # 7 trailing digit 2, tier 3
        " 33"  # 8 3 tiers, register tier 3
        f" {le(start, 4)}"  # 9 Start Time
        f" {le(minutes, 2)}"  # 10 Duration In Minutes
        f" {le(price, 4)}"  # 11 Price
    )
    if price_control is not None:
        frame += (
            " FF"  # 12 Price Ratio: not used
            " FFFFFFFF"  # 13 Generation Price: not used
            " FF"  # 14 Generation Price Ratio: not used
            " FFFFFFFF"  # 15 Alternate Cost Delivered: not used
            " 01"  # 16 Alternate Cost Unit
            " 00"  # 17 Alternate Cost Trailing Digit
            " 00"  # 18 Number of Block Thresholds
            f" {price_control:02X}"  # 19 Price Control
        )
    return frame


def setup(store: Store | None = None, **client: Any) -> tuple[Home, Ipd, Esi]:
    home = quiet_home()
    ipd = start_ipd(home, [PriceClient(**client)], store=store)
    esi = esi_probe(home, ipd, ESI_A, [PRICE])
    return home, ipd, esi


def client_of(ipd: Ipd) -> PriceClient:
    cluster = ipd.app.cluster(PRICE, PriceClient.side)
    assert isinstance(cluster, PriceClient)
    return cluster


def active_ids(ipd: Ipd) -> list[tuple[int, list[int]]]:
    """(IPD time, issuer event ids in record_list) of every updated_active_price_event."""
    return [
        (t, [r["issuer_event_id"] for r in n.record_list])
        for t, n in ipd.of(UpdatedActivePriceEvent)
    ]


def test_price_acknowledgement_required_is_answered_with_price_acknowledgement() -> None:
    """se-spec.md §2.4.3: "Price Acknowledgement (C→S 0x02): Provider ID uint32, Issuer Event ID
    uint32, Price Ack Time UTCTime, Control bitmap8 (echo of Price Control). Sent when Publish
    Price had Price Control bit0 set" — instead of the Default Response (§2.4.4)."""
    home, ipd, esi = setup()
    now = ipd.now()
    esi.send(
        PRICE,
        publish_price(
            0x31,
            event_id=0x10,
            start=0,
            minutes=0xFFFF,
            price=2534,
            current_time=now,
            price_control=0x01,
        ),
    )
    home.run(2.0)
    [(received_at, received)] = ipd.of(ReceivedPriceEvent)
    acks = esi.commands(PRICE, 0x02)
    # 0x11: cluster-specific, client→server, Disable Default Response; the Publish Price's TSN
    assert [(f.frame_control, f.tsn, f.payload) for f in acks] == [
        (0x11, 0x31, bytes.fromhex(f"01000000 10000000 {le(received_at, 4)} 01"))
    ]
    assert esi.default_responses(PRICE) == []
    assert received.status == 0x00
    assert received.source_address == ESI_A
    assert (received.source_endpoint_id, received.destination_endpoint_id) == (0x01, 0x5E)
    assert received.cluster_id == PRICE
    assert received.record == {
        "provider_id": 1,
        "rate_label": "PEAK",
        "issuer_event_id": 0x10,
        "utc_time": now,
        "unit_of_measure": 0x00,
        "currency": 840,
        "price_trailing_digit_and_price_tier": 0x23,
        "number_of_price_tiers_and_register_tier": 0x33,
        "start_time": 0,
        "duration_in_minutes": 0xFFFF,
        "price": 2534,
        "price_ratio": 0xFF,
        "generation_price": 0xFFFFFFFF,
        "generation_price_ratio": 0xFF,
        "alternate_cost_delivered": 0xFFFFFFFF,
        "alternate_cost_unit": 0x01,
        "alternate_cost_trailing_digit": 0x00,
        "number_of_block_thresholds": 0,
        "price_control": 0x01,
    }
    # active at once ("start now"), Start Time resolved to the time of arrival
    [(active_at, update)] = ipd.of(UpdatedActivePriceEvent)
    assert active_at == received_at
    assert [r["start_time"] for r in update.record_list] == [received_at]
    assert update.commodity == {"provider_id": 1, "unit_of_measure": 0x00}


def test_publish_price_statuses_success_duplicate_and_invalid_field() -> None:
    """digi-se-rpc.md §3.6.3 received_price_event: "status int (0x00/0x85/0x8A)"; se-spec.md
    §2.4.4: "Same Issuer Event ID already stored → DUPLICATE_EXISTS". The status is the Default
    Response's (ZCL §2.5.12.2: on success only when Disable Default Response is clear)."""
    home, ipd, esi = setup()
    start = ipd.now() + 600
    esi.send(PRICE, publish_price(0x41, event_id=0x20, start=start, minutes=30, price=100))
    home.run(1.0)
    esi.send(PRICE, publish_price(0x42, event_id=0x20, start=start, minutes=30, price=100))
    home.run(1.0)
    esi.send(PRICE, publish_price(0x43, event_id=0x21, start=start, minutes=0, price=100))
    home.run(1.0)
    # Disable Default Response set (0x19): success says nothing, an error still answers
    esi.send(
        PRICE,
        publish_price(0x44, event_id=0x22, start=start + 1800, minutes=30, price=100, fc=0x19),
    )
    home.run(1.0)
    esi.send(
        PRICE,
        publish_price(0x45, event_id=0x22, start=start + 1800, minutes=30, price=100, fc=0x19),
    )
    home.run(1.0)
    assert [n.status for _, n in ipd.of(ReceivedPriceEvent)] == [0x00, 0x8A, 0x85, 0x00, 0x8A]
    # Default Response payload: command id 0x00 (Publish Price), status
    assert esi.default_responses(PRICE) == [
        (0x41, bytes.fromhex("00 00")),
        (0x42, bytes.fromhex("00 8A")),
        (0x43, bytes.fromhex("00 85")),
        (0x45, bytes.fromhex("00 8A")),
    ]
    # 0x10: profile-wide, client→server (the IPD is the client), Disable Default Response
    assert {f.frame_control for f in esi.commands(PRICE, 0x0B, specific=False)} == {0x10}
    assert [r["issuer_event_id"] for r in client_of(ipd).get_price_events()] == [0x20, 0x22]


def test_active_price_changes_at_the_start_and_end_times() -> None:
    """digi-se-rpc.md §3.6.3: updated_active_price_event is "emitted when the client's active
    price changes"; se-spec.md §2.4.4: a price is active from its Start Time for Duration In
    Minutes (randomisation 0 here, so the change is announced when it happens)."""
    home, ipd, esi = setup(increase_randomize_minutes=0, decrease_randomize_minutes=0)
    start = ipd.now() + 60
    esi.send(PRICE, publish_price(0x51, event_id=0x30, start=start, minutes=10, price=100))
    esi.send(PRICE, publish_price(0x52, event_id=0x31, start=start + 600, minutes=10, price=150))
    home.run(2.0)
    assert active_ids(ipd) == []
    run_to(home, ipd, start + 1200 + 5)
    assert active_ids(ipd) == [(start, [0x30]), (start + 600, [0x31]), (start + 1200, [])]


def test_randomize_minutes_are_client_attributes_bounding_the_announcement_delay() -> None:
    """se-spec.md §2.4.1: PriceIncreaseRandomizeMinutes (0x0000) and PriceDecreaseRandomizeMinutes
    (0x0001) are RW uint8, range 0x00–0x3C; §2.4.4: they "bound a random delay (0…N minutes)
    applied before acting on a price rise/fall"."""
    home, ipd, esi = setup(increase_randomize_minutes=0, decrease_randomize_minutes=0)
    # server→client (0x08: the attributes are the client's) Write Attributes (0x02):
    # PriceIncreaseRandomizeMinutes uint8 (0x20) = 2
    esi.send(PRICE, "08 61 02 0000 20 02")
    home.run(1.0)
    # out of range: 0x3D → INVALID_VALUE (0x87) for that attribute; the value stays 2
    esi.send(PRICE, "08 62 02 0100 20 3D")
    home.run(1.0)
    esi.send(PRICE, "08 63 00 0000 0100")  # Read Attributes: both
    home.run(1.0)
    answers = [f.tail for f in esi.commands(PRICE, 0x04, specific=False)] + [
        f.tail for f in esi.commands(PRICE, 0x01, specific=False)
    ]
    # 0x10: profile-wide, client→server, Disable Default Response; Write Attributes Response
    # (0x04) all written = 00, else (status, attribute id); Read Attributes Response (0x01)
    assert answers == [
        bytes.fromhex("10 04 00"),
        bytes.fromhex("10 04 87 0100"),
        bytes.fromhex("10 01 0000 00 20 02  0100 00 20 00"),
    ]
    start = ipd.now() + 60
    esi.send(PRICE, publish_price(0x64, event_id=0x40, start=start, minutes=10, price=100))
    esi.send(PRICE, publish_price(0x65, event_id=0x41, start=start + 600, minutes=10, price=150))
    run_to(home, ipd, start + 1200 + 5)
    times = active_ids(ipd)
    assert times[0] == (start, [0x40])
    (rise_at, rise), end = times[1], times[2]
    assert rise == [0x41]
    assert start + 600 <= rise_at <= start + 600 + 2 * 60
    assert end == (start + 1200, [])


def test_late_join_asks_for_the_current_and_scheduled_prices() -> None:
    """digi-se-rpc.md §6.1: clients ask servers to resend (get_current_price_event,
    get_scheduled_price_events) so that the utility need not repeat itself: when an ESI with a
    Price server becomes active, the IPD sends Get Current Price (options 0x01: "Requestor Rx On
    When Idle") and Get Scheduled Prices (Start Time 0 = now, Number of Events 0 = all)."""
    home = quiet_home()
    ipd = start_ipd(home, [PriceClient()])
    esi = esi_probe(home, ipd, ESI_A, [PRICE])
    home.run(2.0)
    asked = [(f.frame_control, f.command_id, f.payload) for f in esi.frames(PRICE)]
    assert asked == [
        (0x01, 0x00, bytes.fromhex("01")),
        (0x01, 0x01, bytes.fromhex("00000000 00")),
    ]
    # the ESI answers Get Current Price with a Publish Price carrying the request's TSN
    tsn = esi.commands(PRICE, 0x00)[0].tsn
    now = ipd.now()
    esi.send(
        PRICE, publish_price(tsn, event_id=0x50, start=now - 60, minutes=60, price=99, fc=0x19)
    )
    home.run(1.0)
    assert [n.status for _, n in ipd.of(ReceivedPriceEvent)] == [0x00]
    assert [ids for _, ids in active_ids(ipd)] == [[0x50]]


def test_a_restarted_ipd_ends_the_price_at_its_end_time() -> None:
    """DESIGN.md: "a restart (even after SIGKILL) resumes every schedule" — the client's state
    is durable before any notification that depends on it goes out."""
    store = Store(":memory:")
    home, ipd, esi = setup(store, increase_randomize_minutes=0, decrease_randomize_minutes=0)
    stored_at_notification: list[Any] = []
    ipd.app.bus.subscribe(
        lambda n: (
            stored_at_notification.append(store.get_state("client:price"))
            if isinstance(n, ReceivedPriceEvent)
            else None
        )
    )
    start = ipd.now() + 60
    esi.send(PRICE, publish_price(0x71, event_id=0x60, start=start, minutes=10, price=100))
    home.run(2.0)
    [state] = stored_at_notification
    assert [p["price"]["issuer_event_id"] for p in state["prices"]] == [0x60]
    run_to(home, ipd, start + 300)
    ipd.restart([PriceClient(increase_randomize_minutes=0, decrease_randomize_minutes=0)])
    assert [r["issuer_event_id"] for r in client_of(ipd).get_price_events()] == [0x60]
    run_to(home, ipd, start + 900)
    assert active_ids(ipd) == [(start, [0x60]), (start + 600, [])]


def test_rpc_requests_go_to_every_active_price_server() -> None:
    """digi-se-rpc.md §3.6.3: get_current_price_event asks "all active Price servers";
    get_scheduled_price_events sends Get Scheduled Prices with the record's Start Time and
    Number of Events; the responses carry status and device_list; clear_price_events empties the
    local list while the servers keep theirs."""
    home, ipd, esi = setup()
    home.run(1.0)
    client = client_of(ipd)
    before = len(esi.frames(PRICE))
    done: list[dict[str, Any]] = []
    client.get_current_price_event(done.append)
    start = ipd.now() + 3600
    client.get_scheduled_price_events(start, 5, done.append)
    client.get_scheduled_price_events(0, 256, done.append)  # Number of Events is a uint8
    home.run(2.0)
    sent = [(f.command_id, f.payload) for f in esi.frames(PRICE)[before:]]
    assert sent == [(0x00, bytes.fromhex("01")), (0x01, bytes.fromhex(f"{le(start, 4)} 05"))]
    assert done == [
        {"status": 0x85, "device_list": []},
        {"status": 0x00, "device_list": [ESI_A]},
        {"status": 0x00, "device_list": [ESI_A]},
    ]
    esi.send(PRICE, publish_price(0x81, event_id=0x70, start=0, minutes=60, price=100, fc=0x19))
    home.run(1.0)
    assert [r["issuer_event_id"] for r in client.get_price_events()] == [0x70]
    client.clear_price_events()
    assert client.get_price_events() == []
    assert [ids for _, ids in active_ids(ipd)] == [[0x70], []]


def test_rpc_request_without_an_active_server_is_not_found() -> None:
    """digi-se-rpc.md §3.6.3 get_current_price_event: "status int (0x00/0x85/0x8B)": with no
    active Price server there is nobody to ask (0x8B NOT_FOUND, empty device_list)."""
    home = quiet_home()
    ipd = start_ipd(home, [PriceClient()])
    done: list[dict[str, Any]] = []
    client_of(ipd).get_current_price_event(done.append)
    assert done == [{"status": 0x8B, "device_list": []}]
