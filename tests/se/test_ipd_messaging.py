"""The IPD's Messaging client on the air: a probe plays the ESI with hand-written frames
(se-spec.md §2.7 layouts), the IPD application answers with real frames, in virtual time."""

from __future__ import annotations

from typing import Any

from segateway.se.bus import (
    ReceivedMessageCancelEvent,
    ReceivedMessageEvent,
    UpdatedActiveMessageEvents,
)
from segateway.se.clients.messaging import MessagingClient
from segateway.store import Store

from .ipdkit import ESI_A, MESSAGING, Esi, Ipd, esi_probe, le, quiet_home, run_to, start_ipd
from .sekit import Home


def display_message(
    tsn: int,
    *,
    message_id: int,
    control: int,
    start: int,
    minutes: int,
    text: str,
    fc: int = 0x09,
) -> str:
    """Display Message (S→C 0x00), se-spec.md §2.7: Message ID uint32, Message Control bitmap8,
    Start Time UTCTime (0 = now), Duration In Minutes uint16, Message character string."""
    data = text.encode()
    return (
        f"{fc:02X} {tsn:02X} 00"
        f" {le(message_id, 4)} {control:02X} {le(start, 4)} {le(minutes, 2)}"
        f" {len(data):02X} {data.hex()}"
    )


def cancel_message(tsn: int, *, message_id: int, control: int, fc: int = 0x09) -> str:
    """Cancel Message (S→C 0x01): Message ID uint32, Message Control bitmap8."""
    return f"{fc:02X} {tsn:02X} 01 {le(message_id, 4)} {control:02X}"


def setup(store: Store | None = None) -> tuple[Home, Ipd, Esi]:
    home = quiet_home()
    ipd = start_ipd(home, [MessagingClient()], store=store)
    esi = esi_probe(home, ipd, ESI_A, [MESSAGING])
    home.run(1.0)
    return home, ipd, esi


def client_of(ipd: Ipd) -> MessagingClient:
    cluster = ipd.app.cluster(MESSAGING, MessagingClient.side)
    assert isinstance(cluster, MessagingClient)
    return cluster


def active(ipd: Ipd) -> list[tuple[int, list[dict[str, Any]]]]:
    return [(t, n.record_list) for t, n in ipd.of(UpdatedActiveMessageEvents)]


def active_ids(ipd: Ipd) -> list[tuple[int, list[int]]]:
    return [(t, [r["message_id"] for r in records]) for t, records in active(ipd)]


def test_confirmation_required_message_is_confirmed_to_the_server() -> None:
    """se-spec.md §2.7 Message Control bit 7: "Message confirmation required: the client must
    send Message Confirmation once the user acknowledges"; Message Confirmation (C→S 0x01):
    Message ID uint32, Confirmation Time UTCTime (SE 1.1)."""
    home, ipd, esi = setup()
    # id 0x42, control 0x88 (confirmation required, importance high), start now, until changed
    esi.send(
        MESSAGING,
        display_message(0x21, message_id=0x42, control=0x88, start=0, minutes=0xFFFF, text="Hello"),
    )
    home.run(1.0)
    [(received_at, received)] = ipd.of(ReceivedMessageEvent)
    assert received.status == 0x00
    assert (received.source_address, received.source_endpoint_id) == (ESI_A, 0x01)
    assert (received.destination_endpoint_id, received.cluster_id) == (0x5E, MESSAGING)
    assert received.record == {
        "message_id": 0x42,
        "message_control": 0x88,
        "start_time": 0,
        "duration_in_minutes": 0xFFFF,
        "message": "Hello",
    }
    # Default Response (0x10: profile-wide, client→server, DDR): Display Message 0x00, SUCCESS
    assert esi.default_responses(MESSAGING) == [(0x21, bytes.fromhex("00 00"))]
    shown = {**received.record, "start_time": received_at}
    assert active(ipd) == [(received_at, [shown])]

    home.run(5.0)
    done: list[dict[str, Any]] = []
    confirmed_at = ipd.now()
    client_of(ipd).confirm_message(on_done=done.append)
    home.run(1.0)
    confirmations = esi.commands(MESSAGING, 0x01)
    # 0x01: cluster-specific, client→server; our own TSN
    assert [(f.frame_control, f.payload) for f in confirmations] == [
        (0x01, bytes.fromhex(f"42000000 {le(confirmed_at, 4)}"))
    ]
    assert done == [{"status": 0x00, "device_list": [ESI_A]}]
    assert active(ipd)[-1] == (confirmed_at, [{**shown, "confirmation_time": confirmed_at}])


def test_cancel_requiring_confirmation_keeps_the_message_until_it_is_confirmed() -> None:
    """digi-se-rpc.md §3.6.2 updated_active_message_events: "if a Cancel Message that requires
    confirmation hits the currently active message, the update still lists that message with an
    extra cancel_message_control field (copied from the cancel's message_control) so the display
    keeps it until the cancel is confirmed"."""
    home, ipd, esi = setup()
    esi.send(
        MESSAGING,
        display_message(
            0x31, message_id=0x43, control=0x00, start=0, minutes=60, text="Outage", fc=0x19
        ),
    )
    home.run(1.0)
    esi.send(MESSAGING, cancel_message(0x32, message_id=0x43, control=0x80))
    home.run(1.0)
    [(_, cancel)] = ipd.of(ReceivedMessageCancelEvent)
    assert cancel.status == 0x00
    assert cancel.record == {"message_id": 0x43, "message_control": 0x80}
    assert esi.default_responses(MESSAGING) == [(0x32, bytes.fromhex("01 00"))]
    [(_, first), (_, kept)] = active(ipd)
    assert kept == [{**first[0], "cancel_message_control": 0x80}]
    run_to(home, ipd, ipd.now() + 3600)  # past its end: still shown, waiting for confirmation
    assert len(active(ipd)) == 2
    confirmed_at = ipd.now()
    client_of(ipd).confirm_message(0x43)
    home.run(1.0)
    assert [f.payload for f in esi.commands(MESSAGING, 0x01)] == [
        bytes.fromhex(f"43000000 {le(confirmed_at, 4)}")
    ]
    assert active(ipd)[-1] == (confirmed_at, [])


def test_messages_start_are_replaced_and_end_on_time() -> None:
    """se-spec.md §2.7: "A new Display Message with a different Message ID replaces the displayed
    one"; the message is shown from its Start Time for Duration In Minutes."""
    home, ipd, esi = setup()
    start = ipd.now() + 60
    esi.send(
        MESSAGING,
        display_message(
            0x41, message_id=1, control=0, start=start, minutes=2, text="first", fc=0x19
        ),
    )
    esi.send(
        MESSAGING,
        display_message(
            0x42, message_id=2, control=0, start=start + 60, minutes=5, text="second", fc=0x19
        ),
    )
    home.run(2.0)
    assert active(ipd) == []
    run_to(home, ipd, start + 60 + 300 + 5)
    assert active_ids(ipd) == [(start, [1]), (start + 60, [2]), (start + 360, [])]


def test_display_and_cancel_statuses() -> None:
    """digi-se-rpc.md §3.6.2: received_message_event "status int (0x00/0x85/0x8A)",
    received_message_cancel_event "status int (0x00, 0x85, 0x8B not found)"; the status is
    the Default Response's (sent for errors even with Disable Default Response set)."""
    home, ipd, esi = setup()
    frames = [
        display_message(0x51, message_id=7, control=0, start=0, minutes=10, text="a", fc=0x19),
        display_message(0x52, message_id=7, control=0, start=0, minutes=10, text="a", fc=0x19),
        display_message(0x53, message_id=8, control=0, start=0, minutes=0, text="b", fc=0x19),
        cancel_message(0x54, message_id=9, control=0x00, fc=0x19),
        cancel_message(0x55, message_id=7, control=0x03, fc=0x19),  # transmission 3: reserved
    ]
    for frame in frames:
        esi.send(MESSAGING, frame)
        home.run(1.0)
    assert [n.status for _, n in ipd.of(ReceivedMessageEvent)] == [0x00, 0x8A, 0x85]
    assert [n.status for _, n in ipd.of(ReceivedMessageCancelEvent)] == [0x8B, 0x85]
    assert esi.default_responses(MESSAGING) == [
        (0x52, bytes.fromhex("00 8A")),
        (0x53, bytes.fromhex("00 85")),
        (0x54, bytes.fromhex("01 8B")),
        (0x55, bytes.fromhex("01 85")),
    ]


def test_cancel_all_messages_clears_the_display() -> None:
    """se-spec.md §2.7 Cancel All Messages (S→C 0x03, SE 1.2a): Implementation Date/Time
    UTCTime; 0 = now: every message held goes."""
    home, ipd, esi = setup()
    esi.send(
        MESSAGING,
        display_message(0x61, message_id=5, control=0, start=0, minutes=10, text="x", fc=0x19),
    )
    home.run(1.0)
    cancelled_at = ipd.now()
    esi.send(MESSAGING, "09 62 03 00000000")
    home.run(1.0)
    [(_, cancel)] = ipd.of(ReceivedMessageCancelEvent)
    assert (cancel.status, cancel.record) == (0x00, {"implementation_date_time": 0})
    assert esi.default_responses(MESSAGING) == [(0x62, bytes.fromhex("03 00"))]
    assert active_ids(ipd)[-1] == (cancelled_at, [])
    assert client_of(ipd).get_message_events() == []


def test_late_join_asks_for_the_last_message() -> None:
    """digi-se-rpc.md §6.1: clients ask servers to resend (get_last_message_event): when an ESI
    with a Messaging server becomes active, the IPD sends Get Last Message (C→S 0x00, no
    payload) and shows the message the ESI answers with."""
    home, ipd, esi = setup()
    [ask] = esi.frames(MESSAGING)
    assert (ask.frame_control, ask.command_id, ask.payload) == (0x01, 0x00, b"")
    esi.send(
        MESSAGING,
        display_message(
            ask.tsn, message_id=0x99, control=0, start=0, minutes=30, text="late", fc=0x19
        ),
    )
    home.run(1.0)
    assert [ids for _, ids in active_ids(ipd)] == [[0x99]]


def test_a_restarted_ipd_ends_the_message_at_its_end_time() -> None:
    """DESIGN.md: "a restart (even after SIGKILL) resumes every schedule"."""
    store = Store(":memory:")
    home, ipd, esi = setup(store)
    start = ipd.now() + 30
    esi.send(
        MESSAGING,
        display_message(
            0x71, message_id=3, control=0x80, start=start, minutes=10, text="restart", fc=0x19
        ),
    )
    run_to(home, ipd, start + 120)
    ipd.restart([MessagingClient()])
    assert [r["message_id"] for r in client_of(ipd).get_message_events()] == [3]
    run_to(home, ipd, start + 700)
    assert active_ids(ipd) == [(start, [3]), (start + 600, [])]


def test_rpc_requests_and_confirming_nothing() -> None:
    """digi-se-rpc.md §3.6.2: get_last_message_event asks "all active Messaging servers";
    confirm_message answers 0x8B when there is no such message to confirm."""
    home, ipd, esi = setup()
    client = client_of(ipd)
    done: list[dict[str, Any]] = []
    client.confirm_message(on_done=done.append)
    client.confirm_message(0x1_0000_0000, on_done=done.append)  # not a uint32
    client.get_last_message_event(done.append)
    home.run(1.0)
    assert done == [
        {"status": 0x8B, "device_list": []},
        {"status": 0x85, "device_list": []},
        {"status": 0x00, "device_list": [ESI_A]},
    ]
    assert [f.command_id for f in esi.frames(MESSAGING)] == [0x00, 0x00]
