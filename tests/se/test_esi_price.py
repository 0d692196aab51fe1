"""The ESI's Price server on the simulated network: real frames to and from IPD probes.

Expected frames are written from se-spec.md §2.4.3 field by field (the §6.6 vectors where they
apply), not from our encoder.
"""

from __future__ import annotations

from typing import Any

from segateway.se.bus import ReceivedPriceAcknowledgement
from segateway.se.servers import PriceServer

from .esikit import (
    IPD_A,
    IPD_B,
    IPD_C,
    PRICE,
    START_UTC,
    Results,
    client,
    come_back,
    exchange,
    frames_from_esi,
    go_away,
    hexb,
    le,
    server,
)
from .sekit import Home

VECTOR_TIME = 812653568  # the §6.6 vectors' Current Time

# se-spec.md §6.6 Publish Price SE 1.1 (its values), as a PublishPriceRecord
PEAK = {
    "provider_id": 1,
    "rate_label": "PEAK",
    "issuer_event_id": 0x10,
    "unit_of_measure": 0x00,
    "currency": 826,
    "price_trailing_digit_and_price_tier": 0x23,
    "number_of_price_tiers_and_register_tier": 0x33,
    "start_time": 0,
    "duration_in_minutes": 0xFFFF,
    "price": 2534,
    "price_control": 0x01,
}


def _peak(tsn: int, current: int, start: int, *, answer: bool = False) -> bytes:
    """The §6.6 Publish Price vector, with its Current Time and resolved Start Time."""
    return hexb(
        ("19" if answer else "09")  # cluster-specific, server → client (+0x10: no default rsp)
        + f"{tsn:02x}"
        "00"  # Publish Price
        "01 00 00 00"  # Provider ID 1
        "04 50 45 41 4B"  # Rate Label "PEAK"
        "10 00 00 00"  # Issuer Event ID 0x10
        f"{le(current, 4)}"  # Current Time
        "00"  # Unit of Measure: kWh
        "3A 03"  # Currency 826
        "23"  # trailing digit 2, tier 3
        "33"  # 3 tiers, register tier 3
        f"{le(start, 4)}"  # Start Time
        "FF FF"  # until changed
        "E6 09 00 00"  # Price 2534 (25.34)
        "FF"  # Price Ratio: not used
        "FF FF FF FF"  # Generation Price: not used
        "FF"  # Generation Price Ratio: not used
        "FF FF FF FF"  # Alternate Cost Delivered: not used
        "01"  # Alternate Cost Unit
        "00"  # Alternate Cost Trailing Digit
        "00"  # Number of Block Thresholds
        "01"  # Price Control: acknowledgement required
    )


def _plain_price(
    tsn: int, event_id: int, current: int, *, start: int, minutes: int, price: int
) -> bytes:
    """A Publish Price with the PublishPriceRecord defaults (digi-se-rpc.md §4.3), pushed."""
    return hexb(
        f"09 {tsn:02x} 00"
        "FF FF FF FF"  # Provider ID: 0xFFFFFFFF (unused)
        "00"  # Rate Label ""
        f"{le(event_id, 4)}"
        f"{le(current, 4)}"
        "00"  # kWh
        "48 03"  # Currency 840 (USD)
        "20"  # two decimals, no tier
        "00"  # number of tiers / register tier
        f"{le(start, 4)} {le(minutes, 2)} {le(price, 4)}"
        "FF FF FF FF FF FF FF FF FF FF"  # ratio, generation price and ratio, alternate cost
        "01 00 00 00"  # alternate cost unit and trailing digit, block thresholds, price control
    )


def _setup(*ieees: int) -> tuple[Home, PriceServer, list[Any]]:
    home = Home()
    probes = [client(home, ieee, settle=0) for ieee in ieees]
    home.run(10)
    return home, server(home, PRICE, PriceServer), probes


def test_create_price_event_sends_publish_price_to_every_active_client() -> None:
    """digi-se-rpc.md §3.6.3 create_price_event: "store a price event and immediately send
    Publish Price (0x00) to active Price clients"; response status, record, device_list. The
    frame is the se-spec.md §6.6 Publish Price vector, Current Time filled when sent and Start
    Time 0 ("now") resolved to the time of creation."""
    home, prices, (a, b) = _setup(IPD_A, IPD_B)
    home.timebase.set(VECTOR_TIME)
    now = VECTOR_TIME
    results = Results()
    prices.create_price_event(PEAK, results)
    home.run(5)
    for probe in (a, b):
        (frame,) = frames_from_esi(probe, PRICE)
        assert frame == _peak(frame[1], now, now)
    assert results.last["status"] == 0x00
    assert sorted(results.last["device_list"]) == [IPD_A, IPD_B]
    assert prices.get_price_events() == [results.last["record"]]
    assert results.last["record"]["start_time"] == now


def test_omitted_fields_take_the_publish_price_record_defaults() -> None:
    """digi-se-rpc.md §4.3 PublishPriceRecord: provider_id 0xFFFFFFFF, rate_label "", currency
    840, price_trailing_digit_and_price_tier 0x20, number_of_price_tiers_and_register_tier 0,
    start_time 0 = now; utc_time "filled with current time when sent"."""
    home, prices, (a,) = _setup(IPD_A)
    now = home.timebase.now()
    results = Results()
    prices.create_price_event(
        {"issuer_event_id": 0x77, "duration_in_minutes": 60, "price": 1299}, results
    )
    home.run(5)
    (frame,) = frames_from_esi(a, PRICE)
    assert frame == _plain_price(frame[1], 0x77, now, start=now, minutes=60, price=1299)
    record = results.last["record"]
    assert record["provider_id"] == 0xFFFFFFFF
    assert record["rate_label"] == ""
    assert record["currency"] == 840
    assert record["price_trailing_digit_and_price_tier"] == 0x20
    assert record["utc_time"] == now


def test_invalid_prices_are_refused_with_invalid_field_and_nothing_is_sent() -> None:
    """digi-se-rpc.md §3.6.3: create_price_event status 0x85 for a bad record. se-spec.md §2.4.3:
    the Rate Label is at most 11 octets; Start Time 0xFFFFFFFF is invalid (§1.4); a price whose
    end is past is discarded by clients (§2.4.4)."""
    home, prices, (a,) = _setup(IPD_A)
    base = {"issuer_event_id": 1, "duration_in_minutes": 60, "price": 100}
    bad: list[dict[str, Any]] = [
        {"issuer_event_id": 1, "duration_in_minutes": 60},  # no price
        {"issuer_event_id": 1, "price": 100},  # no duration
        {**base, "rate_label": "OFF-PEAK-RATE"},  # 13 octets
        {**base, "rate_label": 5},
        {**base, "duration_in_minutes": 0},
        {**base, "start_time": 0xFFFFFFFF},
        {**base, "start_time": START_UTC - 7200},  # ended an hour ago
        {**base, "currency": 0x10000},
        {**base, "price_control": 0x04},
        {**base, "price": -1},
        {**base, "price": True},
        "not a record",
    ]
    results = Results()
    for record in bad:
        prices.create_price_event(record, results)  # type: ignore[arg-type]
    home.run(5)
    assert [r["status"] for r in results] == [0x85] * len(bad)
    assert frames_from_esi(a, PRICE) == []
    assert prices.get_price_events() == []


def test_a_duplicate_issuer_event_id_is_refused_with_duplicate_exists() -> None:
    """digi-se-rpc.md §3.6.3 (status 0x8A) and se-spec.md §1.5: DUPLICATE_EXISTS for a
    repeated Publish Price issuer event id; nothing is sent."""
    home, prices, (a,) = _setup(IPD_A)
    first, again = Results(), Results()
    prices.create_price_event(PEAK, first)
    prices.create_price_event({**PEAK, "price": 1}, again)
    home.run(5)
    assert first.last["status"] == 0x00
    assert again.last == {"status": 0x8A, "record": {**PEAK, "price": 1}, "device_list": []}
    assert len(frames_from_esi(a, PRICE)) == 1


def test_get_current_price_answers_with_the_active_price_and_the_request_tsn() -> None:
    """se-spec.md §2.4.3 Get Current Price: "Server replies with Publish Price for the active
    price (NOT_FOUND default response if none)"; the reply carries the request's TSN (§1.1).
    The request is the §6.6 vector (TSN 4, Rx on when idle)."""
    home, prices, (a,) = _setup(IPD_A)
    # no price: Default Response NOT_FOUND (0x8B) for command 0x00
    assert exchange(home, a, PRICE, "01 04 00 01") == [hexb("18 04 0B 00 8B")]
    home.timebase.set(VECTOR_TIME - 600)
    prices.create_price_event(PEAK)
    home.run(5)
    home.timebase.set(VECTOR_TIME)  # the answer goes out within this second
    answers = exchange(home, a, PRICE, "01 04 00 01")
    assert answers == [_peak(0x04, VECTOR_TIME, VECTOR_TIME - 600, answer=True)]


def test_get_scheduled_prices_answers_each_matching_price_with_the_request_tsn() -> None:
    """se-spec.md §2.4.3 Get Scheduled Prices: Start Time (0 = now), Number of Events (0 = all);
    "Server replies with one Publish Price per matching scheduled price" (same TSN, §1.1)."""
    home, prices, (a,) = _setup(IPD_A)
    now = home.timebase.now()
    prices.create_price_event({"issuer_event_id": 1, "duration_in_minutes": 60, "price": 10})
    prices.create_price_event(
        {"issuer_event_id": 2, "start_time": now + 3600, "duration_in_minutes": 60, "price": 20}
    )
    home.run(5)
    t = home.timebase.now()
    answers = exchange(home, a, PRICE, "01 41 01 00000000 00")
    first = bytearray(_plain_price(0x41, 1, t, start=now, minutes=60, price=10))
    second = bytearray(_plain_price(0x41, 2, t, start=now + 3600, minutes=60, price=20))
    first[0] = second[0] = 0x19  # answers: default response disabled
    assert answers == [bytes(first), bytes(second)]
    assert len(exchange(home, a, PRICE, "01 42 01 00000000 01")) == 1
    # prices ending after the first one's end: only the second
    answers = exchange(home, a, PRICE, f"01 43 01 {le(now + 3600, 4)} 00")
    assert [frame[8] for frame in answers] == [2]  # Issuer Event ID's low octet


def test_price_acknowledgement_becomes_a_notification_and_is_kept() -> None:
    """digi-se-rpc.md / bus: a Price Acknowledgement (se-spec.md §2.4.3 C→S 0x02, the §6.6
    vector) is published as received_price_acknowledgement and kept on the price's delivery
    row; it has no response, so a Default Response SUCCESS answers it."""
    home, prices, (a,) = _setup(IPD_A)
    home.timebase.set(VECTOR_TIME)
    prices.create_price_event(PEAK)
    home.run(5)
    answers = exchange(home, a, PRICE, "01 05 02 01000000 10000000 201C7030 01")
    assert answers == [hexb("18 05 0B 02 00")]
    (note,) = home.of(ReceivedPriceAcknowledgement)
    record = {
        "provider_id": 1,
        "issuer_event_id": 0x10,
        "price_ack_time": 812653600,
        "control": 0x01,
    }
    assert note.params() == {
        "source_address": IPD_A,
        "source_endpoint_id": 1,
        "destination_endpoint_id": 0x5E,
        "cluster_id": PRICE,
        "record": record,
    }
    (response,) = prices.deliveries(0x10)[IPD_A]["responses"]
    assert {k: v for k, v in response.items() if k != "received_time"} == record


def test_expired_prices_drop_out() -> None:
    """Issue 4 §3: expired prices drop out; Get Current Price then finds none (NOT_FOUND)."""
    home, prices, (a,) = _setup(IPD_A)
    prices.create_price_event({"issuer_event_id": 1, "duration_in_minutes": 2, "price": 10})
    home.run(60)
    assert len(prices.current_prices()) == 1
    home.run(61)
    assert prices.get_price_events() == []
    assert exchange(home, a, PRICE, "01 51 00 00") == [hexb("18 51 0B 00 8B")]


def test_a_newer_price_replaces_the_overlapping_ones() -> None:
    """se-spec.md §2.4.4 (the clients' rule, kept by the server too): "a price with a higher
    issuer event id replaces any overlapping stored price; exception: if the stored one is
    currently active and the new one starts in the future, the active one is cut to end at the
    new start time. A new price with a lower id that overlaps a stored one is rejected"."""
    home, prices, _ = _setup(IPD_A)
    now = home.timebase.now()
    statuses: list[int] = []

    def create(**record: int) -> None:
        prices.create_price_event(record, lambda r: statuses.append(r["status"]))
        home.run(1)

    create(issuer_event_id=10, duration_in_minutes=0xFFFF, price=10)
    # a lower id overlapping price 10: refused
    create(issuer_event_id=9, start_time=now + 600, duration_in_minutes=5, price=9)
    # a newer price in an hour: price 10 is cut to end then
    create(issuer_event_id=11, start_time=now + 3600, duration_in_minutes=60, price=11)
    # same provider, another commodity (gas, m³): a lane of its own
    create(issuer_event_id=5, unit_of_measure=0x01, duration_in_minutes=120, price=5)
    assert statuses == [0x00, 0x85, 0x00, 0x00]
    assert [p["issuer_event_id"] for p in prices.get_price_events()] == [10, 11, 5]
    home.run(3600)
    assert [p["issuer_event_id"] for p in prices.current_prices()] == [11, 5]
    # a newer electricity price starting now replaces price 11 at once
    prices.create_price_event({"issuer_event_id": 12, "duration_in_minutes": 10, "price": 12})
    assert [p["issuer_event_id"] for p in prices.get_price_events()] == [5, 12]


def test_cancel_all_price_events_clears_the_list_and_sends_nothing() -> None:
    """digi-se-rpc.md §3.6.3 cancel_all_price_events: "clears the server's price list only; the
    SE Price cluster has no cancel command, so clients are not told"."""
    home, prices, (a,) = _setup(IPD_A)
    prices.create_price_event(PEAK)
    home.run(5)
    assert prices.cancel_all_price_events()["status"] == 0x00
    home.run(5)
    assert prices.get_price_events() == []
    assert len(frames_from_esi(a, PRICE)) == 1
    # the id is free again
    results = Results()
    prices.create_price_event(PEAK, results)
    home.run(5)
    assert results.last["status"] == 0x00


def test_a_late_joiner_gets_the_valid_prices_but_not_the_expired_ones() -> None:
    """digi-se-devices.md §5.2: an SE server "replays stored events a client has not yet
    received when it becomes active"."""
    home, prices, _ = _setup(IPD_A)
    now = home.timebase.now()
    prices.create_price_event({"issuer_event_id": 1, "duration_in_minutes": 1, "price": 10})
    prices.create_price_event(
        {"issuer_event_id": 2, "start_time": now + 60, "duration_in_minutes": 60, "price": 20}
    )
    home.run(120)
    c = client(home, IPD_C)
    frames = frames_from_esi(c, PRICE)
    assert len(frames) == 1
    current = int.from_bytes(frames[0][12:16], "little")
    assert frames == [_plain_price(frames[0][1], 2, current, start=now + 60, minutes=60, price=20)]
    assert current > now + 120  # filled when it was sent


def test_an_inactive_client_gets_the_price_when_it_comes_back() -> None:
    """digi-se-rpc.md §6.1: events inactive clients missed "are delivered when they become
    active again"; the device_list names only the clients that got it."""
    home, prices, (_a, b) = _setup(IPD_A, IPD_B)
    go_away(home, b)
    results = Results()
    prices.create_price_event(PEAK, results)
    home.run(5)
    assert results.last["device_list"] == [IPD_A]
    come_back(home, b)
    (frame,) = frames_from_esi(b, PRICE)
    assert frame[12:16] == hexb("10 00 00 00")  # Issuer Event ID 0x10 (after "PEAK")
    assert prices.deliveries(0x10)[IPD_B]["status"] == "delivered"


def test_block_periods_are_published_and_answered() -> None:
    """se-spec.md §2.4.3 Publish Block Period (S→C 0x01), SE 1.1 payload of 17 octets (fields
    1–6), and Get Block Periods (C→S 0x03): Start Time, Number of Events (0 = all), answered with
    one Publish Block Period each, same TSN; none → NOT_FOUND."""
    home, prices, (a,) = _setup(IPD_A)
    assert exchange(home, a, PRICE, "01 61 03 00000000 00") == [hexb("18 61 0B 03 8B")]
    now = home.timebase.now()
    results = Results()
    prices.create_block_period(
        {
            "provider_id": 1,
            "issuer_event_id": 0x20,
            "block_period_duration": 1440,
            "number_of_price_tiers_and_number_of_block_thresholds": 0x12,
            "block_period_control": 0x02,
        },
        results,
    )
    home.run(5)
    body = (
        "01 00 00 00"  # Provider ID
        "20 00 00 00"  # Issuer Event ID
        f"{le(now, 4)}"  # Block Period Start Time (0 = now, resolved)
        "A0 05 00"  # Block Period Duration 1440 minutes (uint24)
        "12"  # 1 tier, 2 block thresholds
        "02"  # Block Period Control: repeating block
    )
    frame = frames_from_esi(a, PRICE)[-1]
    assert frame == hexb(f"09 {frame[1]:02x} 01" + body)
    assert len(frame) - 3 == 17
    assert results.last["device_list"] == [IPD_A]
    assert exchange(home, a, PRICE, "01 62 03 00000000 00") == [hexb("19 62 01" + body)]
    assert len(prices.get_block_periods()) == 1
    home.run(86400)
    assert prices.get_block_periods() == []
