"""The ESI's Messaging server on the simulated network: real frames to and from IPD probes.

Expected frames are written from se-spec.md §2.7 field by field (the §6.6 vectors where they
apply), not from our encoder.
"""

from __future__ import annotations

from typing import Any

from segateway.se.bus import ReceivedMessageConfirmation
from segateway.se.servers import MessagingServer

from .esikit import (
    IPD_A,
    IPD_B,
    IPD_C,
    MESSAGING,
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

HELLO = {
    "message_id": 0x42,
    "message_control": 0x88,
    "start_time": 0,
    "duration_in_minutes": 0xFFFF,
    "message": "Hello",
}


def _hello(tsn: int, start: int, *, answer: bool = False) -> bytes:
    """The se-spec.md §6.6 Display Message vector, Start Time resolved."""
    return hexb(
        ("19" if answer else "09")  # cluster-specific, server → client (+0x10: no default rsp)
        + f"{tsn:02x}"
        "00"  # Display Message
        "42 00 00 00"  # Message ID 0x42
        "88"  # Message Control: confirmation required, importance high, normal transmission
        f"{le(start, 4)}"  # Start Time
        "FF FF"  # until changed
        "05 48 65 6C 6C 6F"  # "Hello"
    )


def _display(tsn: int, message_id: int, start: int, minutes: int, text: str) -> bytes:
    raw = text.encode()
    return hexb(
        f"09 {tsn:02x} 00 {le(message_id, 4)} 00 {le(start, 4)} {le(minutes, 2)}"
        f"{len(raw):02x} {raw.hex()}"
    )


def _setup(*ieees: int) -> tuple[Home, MessagingServer, list[Any]]:
    home = Home()
    probes = [client(home, ieee, settle=0) for ieee in ieees]
    home.run(10)
    return home, server(home, MESSAGING, MessagingServer), probes


def test_create_message_event_sends_display_message_to_every_active_client() -> None:
    """digi-se-rpc.md §3.6.2 create_message_event: "store and immediately send Display Message
    (0x00) to active Messaging clients"; response status, record, device_list. The frame is the
    se-spec.md §6.6 Display Message vector with its Start Time ("now") resolved."""
    home, messaging, (a, b) = _setup(IPD_A, IPD_B)
    now = home.timebase.now()
    results = Results()
    messaging.create_message_event(HELLO, results)
    home.run(5)
    for probe in (a, b):
        (frame,) = frames_from_esi(probe, MESSAGING)
        assert frame == _hello(frame[1], now)
    assert results.last == {
        "status": 0x00,
        "record": {**HELLO, "start_time": now},
        "device_list": [IPD_A, IPD_B],
    }
    assert messaging.get_message_events() == [{**HELLO, "start_time": now}]


def test_invalid_messages_and_duplicates_are_refused() -> None:
    """digi-se-rpc.md §3.6.2: create_message_event status 0x00 / 0x85 / 0x8A. DisplayMessageRecord
    (§4.3): message_id, duration_in_minutes and message have no default. se-spec.md §2.7:
    transmission 3 and bits 4 and 6 of Message Control are reserved."""
    home, messaging, (a,) = _setup(IPD_A)
    first = Results()
    messaging.create_message_event(HELLO, first)
    home.run(5)
    base = {"message_id": 7, "duration_in_minutes": 5, "message": "hi"}
    bad: list[Any] = [
        {"message_id": 7, "message": "hi"},
        {"message_id": 7, "duration_in_minutes": 5},
        {**base, "message": "x" * 51},  # longer than one unfragmented frame carries
        {**base, "message": b"hi"},
        {**base, "message_control": 0x03},
        {**base, "message_control": 0x10},
        {**base, "message_control": 0x40},
        {**base, "duration_in_minutes": 0},
    ]
    refused = Results()
    for record in bad:
        messaging.create_message_event(record, refused)
    messaging.create_message_event({**HELLO, "message": "again"}, refused)
    home.run(5)
    assert [r["status"] for r in refused] == [0x85] * len(bad) + [0x8A]
    assert len(frames_from_esi(a, MESSAGING)) == 1
    # the longest accepted text: 50 octets of UTF-8 (25 two-octet characters)
    messaging.create_message_event({**base, "message": "é" * 25}, first)
    home.run(5)
    assert first.last["status"] == 0x00
    frame = frames_from_esi(a, MESSAGING)[-1]
    assert frame[14] == 50  # the character string's length octet


def test_get_last_message_answers_with_the_latest_message_and_the_request_tsn() -> None:
    """se-spec.md §2.7 Get Last Message (C→S 0x00, no payload): "server answers with Display
    Message, or NOT_FOUND"; the answer carries the request's TSN (§1.1)."""
    home, messaging, (a,) = _setup(IPD_A)
    assert exchange(home, a, MESSAGING, "01 51 00") == [hexb("18 51 0B 00 8B")]
    now = home.timebase.now()
    messaging.create_message_event(HELLO)
    home.run(5)
    assert exchange(home, a, MESSAGING, "01 52 00") == [_hello(0x52, now, answer=True)]
    # a later message scheduled for tomorrow does not overlap: both are valid, it is the last
    tomorrow = now + 86400
    messaging.create_message_event(
        {"message_id": 0x43, "start_time": tomorrow, "duration_in_minutes": 1, "message": "Bye"}
    )
    home.run(5)
    (answer,) = exchange(home, a, MESSAGING, "01 53 00")
    assert answer[:7] == hexb("19 53 00 43 00 00 00")


def test_message_confirmation_becomes_a_notification_and_is_kept() -> None:
    """digi-se-rpc.md §3.6.2 received_message_confirmation: "local Messaging server got Message
    Confirmation (0x01). Params: source_address, source_endpoint_id, cluster_id, record
    MessageConfirmationRecord"; kept on the message's delivery row. The frame is the se-spec.md
    §6.6 Message Confirmation SE 1.1 vector; a Default Response SUCCESS answers it."""
    home, messaging, (a,) = _setup(IPD_A)
    messaging.create_message_event(HELLO)
    home.run(5)
    answers = exchange(home, a, MESSAGING, "01 07 01 42 00 00 00 84 1C 70 30")
    assert answers == [hexb("18 07 0B 01 00")]
    (note,) = home.of(ReceivedMessageConfirmation)
    assert note.name == "received_message_confirmation"
    assert note.params() == {
        "source_address": IPD_A,
        "source_endpoint_id": 1,
        "destination_endpoint_id": 0x5E,
        "cluster_id": MESSAGING,
        "record": {"message_id": 0x42, "confirmation_time": 812653700},
    }
    row = messaging.deliveries(0x42)[IPD_A]
    assert row["status"] == "delivered"
    assert [r["confirmation_time"] for r in row["responses"]] == [812653700]


def test_cancel_message_event_sends_cancel_message() -> None:
    """digi-se-rpc.md §3.6.2 cancel_message_event: "remove a message event and immediately send
    Cancel Message (0x01)"; CancelMessageRecord message_control defaults to 0. An unknown id is
    NOT_FOUND (0x8B) and nothing is sent."""
    home, messaging, (a,) = _setup(IPD_A)
    messaging.create_message_event(HELLO)
    home.run(5)
    results = Results()
    messaging.cancel_message_event({"message_id": 0x99}, results)
    messaging.cancel_message_event({"message_id": 0x42}, results)
    home.run(5)
    assert [(r["status"], r["device_list"]) for r in results] == [(0x8B, []), (0x00, [IPD_A])]
    frames = frames_from_esi(a, MESSAGING)
    assert len(frames) == 2
    assert frames[1] == hexb(f"09 {frames[1][1]:02x} 01 42 00 00 00 00")
    assert messaging.get_message_events() == []
    assert exchange(home, a, MESSAGING, "01 54 00") == [hexb("18 54 0B 00 8B")]


def test_cancel_all_message_events_sends_cancel_message_for_each_message() -> None:
    """digi-se-rpc.md §3.6.2 cancel_all_message_events (response: status, device_list); Cancel
    All Messages is SE 1.2a (se-spec.md §2.7), so SE 1.1 clients get one Cancel Message (0x01)
    per message."""
    home, messaging, (a,) = _setup(IPD_A)
    now = home.timebase.now()
    messaging.create_message_event(HELLO)
    messaging.create_message_event(
        {"message_id": 0x43, "start_time": now + 86400, "duration_in_minutes": 1, "message": "x"}
    )
    home.run(5)
    results = Results()
    messaging.cancel_all_message_events(results)
    home.run(5)
    cancels = frames_from_esi(a, MESSAGING)[2:]
    assert cancels == [
        hexb(f"09 {cancels[0][1]:02x} 01 42 00 00 00 00"),
        hexb(f"09 {cancels[1][1]:02x} 01 43 00 00 00 00"),
    ]
    assert results.last == {"status": 0, "record": {}, "device_list": [IPD_A]}
    assert messaging.get_message_events() == []


def test_a_new_message_replaces_the_one_it_overlaps() -> None:
    """se-spec.md §2.7: "A new Display Message with a different Message ID replaces the
    displayed one" — the server keeps the same view, so a returning display is not shown a
    stale message; a message for later cuts the current one at its start."""
    home, messaging, _ = _setup(IPD_A)
    now = home.timebase.now()
    messaging.create_message_event(HELLO)
    messaging.create_message_event(
        {"message_id": 2, "start_time": now + 600, "duration_in_minutes": 10, "message": "b"}
    )
    assert [m["message_id"] for m in messaging.get_message_events()] == [0x42, 2]
    messaging.create_message_event({"message_id": 3, "duration_in_minutes": 5, "message": "c"})
    assert [m["message_id"] for m in messaging.get_message_events()] == [2, 3]
    home.run(601)  # message 3 is over, message 2 is shown
    assert [m["message_id"] for m in messaging.get_message_events()] == [2]


def test_messages_expire_and_late_joiners_get_only_the_valid_one() -> None:
    """Issue 4 §3/§5: expired events drop out; a device joining late gets every valid event
    (digi-se-devices.md §5.2) and nothing expired or replaced."""
    home, messaging, _ = _setup(IPD_A)
    messaging.create_message_event({"message_id": 1, "duration_in_minutes": 1, "message": "a"})
    home.run(120)
    assert messaging.get_message_events() == []
    now = home.timebase.now()
    messaging.create_message_event({"message_id": 2, "duration_in_minutes": 0xFFFF, "message": "b"})
    messaging.create_message_event({"message_id": 3, "duration_in_minutes": 60, "message": "c"})
    c = client(home, IPD_C)
    frames = frames_from_esi(c, MESSAGING)
    assert frames == [_display(frames[0][1], 3, now, 60, "c")]


def test_an_inactive_client_gets_the_message_when_it_comes_back() -> None:
    """digi-se-rpc.md §6.1: events missed by inactive clients "are delivered when they become
    active again"."""
    home, messaging, (_a, b) = _setup(IPD_A, IPD_B)
    go_away(home, b)
    now = home.timebase.now()
    results = Results()
    messaging.create_message_event(HELLO, results)
    home.run(5)
    assert results.last["device_list"] == [IPD_A]
    come_back(home, b)
    frames = frames_from_esi(b, MESSAGING)
    assert frames == [_hello(frames[0][1], now)]
