"""The ESI's DRLC server on the simulated network: real frames to and from IPD probes.

Expected frames are written from se-spec.md §2.5.2 field by field (the §6.6 vectors where they
apply), not from our encoder.
"""

from __future__ import annotations

from typing import Any

from segateway.se.bus import ReceivedReportEventStatus
from segateway.se.servers import DrlcServer
from segateway.se.servers._events import MAX_RESPONSES_KEPT

from .esikit import (
    DRLC,
    IPD_A,
    IPD_B,
    IPD_C,
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

EVENT_ID = 0x12345678


def _lce(tsn: int, event_id: int, start: int, minutes: int, *, answer: bool = False) -> bytes:
    """A Load Control Event with the LoadControlEventRecord defaults (digi-se-rpc.md §4.3):
    pushed (default response enabled) or answering a request (default response disabled)."""
    return hexb(
        ("19" if answer else "09")  # cluster-specific, server → client (+ 0x10: no default rsp)
        + f"{tsn:02x}"
        "00"  # Load Control Event
        f"{le(event_id, 4)}"  # Issuer Event ID
        "FF 0F"  # Device Class 0x0FFF: every non-reserved class
        "00"  # Utility Enrollment Group: all
        f"{le(start, 4)}"  # Start Time
        f"{le(minutes, 2)}"  # Duration In Minutes
        "01"  # Criticality Level: green
        "FF FF"  # cooling / heating temperature offsets: not used
        "00 80 00 80"  # cooling / heating set points: not used (0x8000)
        "80"  # Average Load Adjustment Percentage: not used
        "FF"  # Duty Cycle: not used
        "03"  # Event Control: randomize start and end
    )


def _setup(*ieees: int) -> tuple[Home, DrlcServer, list[Any]]:
    home = Home()
    probes = [client(home, ieee, settle=0) for ieee in ieees]
    home.run(10)
    return home, server(home, DRLC, DrlcServer), probes


def test_create_DRLC_event_sends_load_control_event_to_every_active_client() -> None:  # noqa: N802
    """digi-se-rpc.md §3.6.1 create_DRLC_event: "store a new event on the local DRLC server and
    immediately send Load Control Event (0x00) to every known/active DRLC client"; the response
    carries status, record and device_list ("64-bit addresses of the clients it was sent to").
    §4.3: omitted fields take the LoadControlEventRecord defaults."""
    home, drlc, (a, b) = _setup(IPD_A, IPD_B)
    results = Results()
    now = home.timebase.now()
    drlc.create_DRLC_event({"issuer_event_id": EVENT_ID, "duration_in_minutes": 60}, results)
    home.run(5)
    for probe in (a, b):
        (frame,) = frames_from_esi(probe, DRLC)
        assert frame == _lce(frame[1], EVENT_ID, now, 60)
    outcome = results.last
    assert len(results) == 1
    assert outcome["status"] == 0x00
    assert sorted(outcome["device_list"]) == [IPD_A, IPD_B]
    assert outcome["record"] == {
        "issuer_event_id": EVENT_ID,
        "device_class": 0x0FFF,
        "utility_enrollment_group": 0x00,
        "start_time": now,  # 0 = now, resolved when the event was created
        "duration_in_minutes": 60,
        "criticality_level": 0x01,
        "cooling_temperature_offset": 0xFF,
        "heating_temperature_offset": 0xFF,
        "cooling_temperature_set_point": -0x8000,
        "heating_temperature_set_point": -0x8000,
        "average_load_adjustment_percentage": -0x80,
        "duty_cycle": 0xFF,
        "event_control": 0x03,
    }
    assert drlc.get_DRLC_events() == [outcome["record"]]
    assert {ieee: d["status"] for ieee, d in drlc.deliveries(EVENT_ID).items()} == {
        IPD_A: "delivered",
        IPD_B: "delivered",
    }


def test_given_fields_are_sent_as_given() -> None:
    """se-spec.md §2.5.2 Load Control Event layout, every field given (criticality 0x05, set
    points 21.50 °C / 19.00 °C, offsets 2.0 °C / 1.5 °C, -20 %, duty cycle 50 %, no
    randomization, device class water heater, enrollment group 7, a start in one hour)."""
    home, drlc, (a,) = _setup(IPD_A)
    start = START_UTC + 3600
    record = {
        "issuer_event_id": 0x0000ABCD,
        "device_class": 0x0004,
        "utility_enrollment_group": 7,
        "start_time": start,
        "duration_in_minutes": 1440,
        "criticality_level": 0x05,
        "cooling_temperature_offset": 20,
        "heating_temperature_offset": 15,
        "cooling_temperature_set_point": 2150,
        "heating_temperature_set_point": 1900,
        "average_load_adjustment_percentage": -20,
        "duty_cycle": 50,
        "event_control": 0x00,
    }
    results = Results()
    drlc.create_DRLC_event(record, results)
    home.run(5)
    (frame,) = frames_from_esi(a, DRLC)
    assert frame == hexb(
        f"09 {frame[1]:02x} 00"
        "CD AB 00 00"  # Issuer Event ID
        "04 00"  # Device Class: water heater
        "07"  # Utility Enrollment Group
        f"{le(start, 4)}"
        "A0 05"  # 1440 minutes
        "05"  # Criticality Level 4
        "14 0F"  # offsets 20, 15 (0.1 °C)
        "66 08 6C 07"  # set points 2150, 1900 (0.01 °C)
        "EC"  # -20 %
        "32"  # 50 %
        "00"  # Event Control
    )
    assert results.last["record"] == record


def test_invalid_records_are_refused_with_invalid_field_and_nothing_is_sent() -> None:
    """digi-se-rpc.md §2.6 / §3.6: the creation status is 0x85 (invalid field) for a bad record;
    se-spec.md §2.5.2: Duration In Minutes at most 1440, criticality levels 0x01–0x0F (0x00 and
    0x10–0xFF reserved), Device Class bits 12–15 reserved, Event Control bits 2–7 reserved; an
    event already over would be rejected by every client (0xFB)."""
    home, drlc, (a,) = _setup(IPD_A)
    base = {"issuer_event_id": 1, "duration_in_minutes": 60}
    bad: list[dict[str, Any]] = [
        {"issuer_event_id": 1},  # duration missing
        {**base, "duration_in_minutes": 1441},
        {**base, "duration_in_minutes": 0},
        {**base, "criticality_level": 0x00},
        {**base, "criticality_level": 0x10},
        {**base, "device_class": 0x1000},
        {**base, "event_control": 0x04},
        {**base, "duty_cycle": 101},
        {**base, "average_load_adjustment_percentage": 101},
        {**base, "start_time": 0xFFFFFFFF},
        {**base, "start_time": START_UTC - 3601},  # ended a second ago
        {**base, "issuer_event_id": 1 << 32},
        {**base, "duration_in_minutes": "60"},
        {**base, "colour": "red"},
    ]
    results = Results()
    for record in bad:
        drlc.create_DRLC_event(record, results)
    home.run(5)
    assert [r["status"] for r in results] == [0x85] * len(bad)
    assert all(r["device_list"] == [] for r in results)
    assert frames_from_esi(a, DRLC) == []
    assert drlc.get_DRLC_events() == []


def test_a_duplicate_issuer_event_id_is_refused_with_duplicate_exists() -> None:
    """digi-se-rpc.md §6.1: "duplicates by issuer_event_id … → 0x8A"; nothing is sent again."""
    home, drlc, (a,) = _setup(IPD_A)
    results = Results()
    drlc.create_DRLC_event({"issuer_event_id": EVENT_ID, "duration_in_minutes": 60}, results)
    home.run(5)
    drlc.create_DRLC_event({"issuer_event_id": EVENT_ID, "duration_in_minutes": 30}, results)
    home.run(5)
    assert [r["status"] for r in results] == [0x00, 0x8A]
    assert results.last["device_list"] == []
    assert len(frames_from_esi(a, DRLC)) == 1
    assert [e["duration_in_minutes"] for e in drlc.get_DRLC_events()] == [60]


def test_cancel_DRLC_event_sends_cancel_load_control_event() -> None:  # noqa: N802
    """digi-se-rpc.md §3.6.1 cancel_DRLC_event: "remove an event and immediately send Cancel Load
    Control Event (0x01) to active clients"; CancelLoadControlEventRecord defaults (§4.3): device
    class 0x0FFF, group 0, cancel control 0x1, effective time 0 (now) — the se-spec.md §6.6
    vector apart from its TSN."""
    home, drlc, (a, b) = _setup(IPD_A, IPD_B)
    drlc.create_DRLC_event({"issuer_event_id": EVENT_ID, "duration_in_minutes": 60})
    home.run(5)
    results = Results()
    drlc.cancel_DRLC_event({"issuer_event_id": EVENT_ID}, results)
    home.run(5)
    for probe in (a, b):
        frame = frames_from_esi(probe, DRLC)[-1]
        assert frame == hexb(f"09 {frame[1]:02x} 01 78 56 34 12 FF 0F 00 01 00 00 00 00")
    assert results.last["status"] == 0x00
    assert sorted(results.last["device_list"]) == [IPD_A, IPD_B]
    assert results.last["record"] == {
        "issuer_event_id": EVENT_ID,
        "device_class": 0x0FFF,
        "utility_enrollment_group": 0x00,
        "cancel_control": 0x01,
        "effective_time": 0,
    }
    assert drlc.get_DRLC_events() == []
    assert {d["status"] for d in drlc.deliveries(EVENT_ID).values()} == {"cancelled"}


def test_cancelling_an_unknown_event_is_not_found_and_sends_nothing() -> None:
    """Brief (issue 4 §3) on cancel_DRLC_event: an unknown issuer_event_id gives NOT_FOUND
    (0x8B, digi-se-rpc.md §2.6) and nothing is sent; so does an event already cancelled."""
    home, drlc, (a,) = _setup(IPD_A)
    results = Results()
    drlc.cancel_DRLC_event({"issuer_event_id": 0x99}, results)
    drlc.create_DRLC_event({"issuer_event_id": 5, "duration_in_minutes": 60})
    home.run(5)
    drlc.cancel_DRLC_event({"issuer_event_id": 5})
    home.run(5)
    sent = len(frames_from_esi(a, DRLC))
    drlc.cancel_DRLC_event({"issuer_event_id": 5}, results)
    home.run(5)
    assert [(r["status"], r["device_list"]) for r in results] == [(0x8B, []), (0x8B, [])]
    assert len(frames_from_esi(a, DRLC)) == sent == 2


def test_cancel_all_DRLC_events_sends_cancel_all_load_control_events() -> None:  # noqa: N802
    """se-spec.md §2.5.2 Cancel All Load Control Events (S→C 0x02): Cancel Control bitmap8;
    every event held by the server is withdrawn."""
    home, drlc, (a,) = _setup(IPD_A)
    drlc.create_DRLC_event({"issuer_event_id": 1, "duration_in_minutes": 60})
    drlc.create_DRLC_event({"issuer_event_id": 2, "duration_in_minutes": 60})
    home.run(5)
    results = Results()
    drlc.cancel_all_DRLC_events(0x00, results)
    home.run(5)
    frame = frames_from_esi(a, DRLC)[-1]
    assert frame == hexb(f"09 {frame[1]:02x} 02 00")
    assert results.last == {"status": 0, "record": {"cancel_control": 0}, "device_list": [IPD_A]}
    assert drlc.get_DRLC_events() == []


def test_report_event_status_becomes_a_notification_and_every_status_is_kept() -> None:
    """digi-se-rpc.md §3.6.1 received_report_event_status: "a remote DRLC client reported event
    status. Params: source_address, source_endpoint_id, record ReportEventStatusRecord,
    cluster_id, destination_endpoint_id"; each status is kept per device with its time (the
    per-device timeline). The frame is the se-spec.md §6.6 vector; Report Event Status has no
    response, so a Default Response SUCCESS answers it (ZCL)."""
    home, drlc, (a,) = _setup(IPD_A)
    drlc.create_DRLC_event({"issuer_event_id": EVENT_ID, "duration_in_minutes": 60})
    home.run(5)
    signature = "FF" * 42
    answers = exchange(
        home,
        a,
        DRLC,
        "01 22 00"  # cluster-specific, client → server, TSN 0x22, Report Event Status
        "78 56 34 12"  # Issuer Event ID
        "01"  # Event Status: command received
        "00 1C 70 30"  # Event Status Time 812653568
        "05"  # Criticality Level Applied
        "00 80 00 80"  # set points applied: not used
        "80 FF"  # average load adjustment, duty cycle applied: not used
        "03"  # Event Control
        "00" + signature,  # Signature Type none, 42 octets of filler
    )
    assert answers == [hexb("18 22 0B 00 00")]  # Default Response to 0x00: SUCCESS
    (note,) = home.of(ReceivedReportEventStatus)
    assert note.name == "received_report_event_status"
    record = {
        "issuer_event_id": EVENT_ID,
        "event_status": 0x01,
        "event_status_time": 812653568,
        "criticality_level_applied": 0x05,
        "cooling_temperature_set_point_applied": -0x8000,
        "heating_temperature_set_point_applied": -0x8000,
        "average_load_adjustment_percentage_applied": -0x80,
        "duty_cycle_applied": 0xFF,
        "event_control": 0x03,
        "signature_type": 0x00,
        "signature": signature.lower(),
    }
    assert note.params() == {
        "source_address": IPD_A,
        "source_endpoint_id": 1,
        "destination_endpoint_id": 0x5E,
        "cluster_id": DRLC,
        "record": record,
    }
    # the event starts: status 0x02 at 812653600, without a signature block
    home.run(30)
    exchange(home, a, DRLC, "01 23 00 78 56 34 12 02 20 1C 70 30 05 00 80 00 80 80 FF 03 00")
    row = drlc.deliveries(EVENT_ID)[IPD_A]
    assert row["status"] == "delivered"
    assert [(r["event_status"], r["event_status_time"]) for r in row["responses"]] == [
        (0x01, 812653568),
        (0x02, 812653600),
    ]
    received = [r["received_time"] for r in row["responses"]]
    assert received[0] < received[1]


def test_get_scheduled_events_answers_every_event_not_yet_ended_with_the_request_tsn() -> None:
    """se-spec.md §2.5.2 Get Scheduled Events (C→S 0x01): Start Time (0 = now), Number of Events
    (0 = all); "Server re-sends Load Control Event commands". A response carries the TSN of the
    request it answers (§1.1). Events already ended are not sent; none at all → NOT_FOUND."""
    home, drlc, (a,) = _setup(IPD_A)
    now = home.timebase.now()
    later = now + 7200
    drlc.create_DRLC_event({"issuer_event_id": 1, "duration_in_minutes": 60})
    drlc.create_DRLC_event({"issuer_event_id": 2, "start_time": later, "duration_in_minutes": 30})
    drlc.create_DRLC_event({"issuer_event_id": 3, "duration_in_minutes": 1})
    home.run(90)  # event 3 is over
    answers = exchange(home, a, DRLC, "01 31 01 00000000 00")
    assert answers == [_lce(0x31, 1, now, 60, answer=True), _lce(0x31, 2, later, 30, answer=True)]
    first = exchange(home, a, DRLC, "01 32 01 00000000 01")
    assert first == [_lce(0x32, 1, now, 60, answer=True)]
    after_first = le(now + 3600, 4)  # events that end after event 1's end
    second = exchange(home, a, DRLC, f"01 33 01 {after_first} 00")
    assert second == [_lce(0x33, 2, later, 30, answer=True)]
    drlc.cancel_all_DRLC_events()
    home.run(5)
    # nothing scheduled: Default Response NOT_FOUND for command 0x01
    assert exchange(home, a, DRLC, "01 34 01 00000000 00") == [hexb("18 34 0B 01 8B")]


def test_events_past_their_end_drop_out() -> None:
    """Issue 4 §3: events past their end drop out (timer on the injected clock)."""
    home, drlc, _ = _setup(IPD_A)
    drlc.create_DRLC_event({"issuer_event_id": 1, "duration_in_minutes": 1})
    drlc.create_DRLC_event({"issuer_event_id": 2, "duration_in_minutes": 2})
    home.run(59)
    assert [e["issuer_event_id"] for e in drlc.get_DRLC_events()] == [1, 2]
    home.run(2)
    assert [e["issuer_event_id"] for e in drlc.get_DRLC_events()] == [2]
    home.run(60)
    assert drlc.get_DRLC_events() == []
    stored = home.store.get_event("drlc", 0x5E, 1)
    assert stored is not None  # kept for its history, no longer valid
    assert (stored.data["state"], stored.data["reason"]) == ("ended", "expired")
    drlc.history = 600.0  # then forgotten, with its delivery rows
    drlc.reschedule()
    home.run(600)
    assert home.store.get_event("drlc", 0x5E, 1) is None
    assert drlc.deliveries(1) == {}


def test_a_client_inactive_at_creation_gets_the_event_when_it_comes_back() -> None:
    """digi-se-rpc.md §6.1: "Clients that are inactive drop out of the server's client list, and
    events they missed are delivered when they become active again" (in creation order)."""
    home, drlc, (a, b) = _setup(IPD_A, IPD_B)
    go_away(home, b)
    now = home.timebase.now()
    results = Results()
    drlc.create_DRLC_event({"issuer_event_id": 1, "duration_in_minutes": 60}, results)
    drlc.create_DRLC_event({"issuer_event_id": 2, "duration_in_minutes": 60}, results)
    home.run(5)
    assert [r["device_list"] for r in results] == [[IPD_A], [IPD_A]]
    assert drlc.deliveries(1)[IPD_B]["status"] == "pending"
    assert frames_from_esi(b, DRLC) == []
    come_back(home, b)
    frames = frames_from_esi(b, DRLC)
    assert frames == [_lce(frames[0][1], 1, now, 60), _lce(frames[1][1], 2, now, 60)]
    assert drlc.deliveries(1)[IPD_B]["status"] == "delivered"
    assert len(frames_from_esi(a, DRLC)) == 2  # nothing again for the device that had them


def test_a_failed_delivery_is_retried_when_the_device_returns() -> None:
    """digi-se-rpc.md §6.1 (as above), for a device active at creation whose delivery fails: the
    result leaves it out of device_list; it gets the event once it is heard again."""
    home, drlc, (_a, b) = _setup(IPD_A, IPD_B)
    home.sim.set_online(b.node, False)
    results = Results()
    now = home.timebase.now()
    drlc.create_DRLC_event({"issuer_event_id": 7, "duration_in_minutes": 60}, results)
    home.run(60)
    assert results.last["device_list"] == [IPD_A]
    assert drlc.deliveries(7)[IPD_B]["status"] == "failed"
    home.run(120)  # retries fail too; the device is marked inactive
    device = home.esi.devices.get(IPD_B)
    assert device is not None
    assert not device.active
    come_back(home, b)
    frames = frames_from_esi(b, DRLC)
    assert frames == [_lce(frames[0][1], 7, now, 60)]
    assert drlc.deliveries(7)[IPD_B]["status"] == "delivered"


def test_a_failed_send_to_a_device_still_active_is_tried_again() -> None:
    """A send that fails while the device stays active (one failure is not inactivity,
    ZDO_Device_Manager.max_sequential_TX_failures) is tried again a little later."""
    home, drlc, (_a, b) = _setup(IPD_A, IPD_B)
    home.sim.set_online(b.node, False)
    results = Results()
    drlc.create_DRLC_event({"issuer_event_id": 8, "duration_in_minutes": 60}, results)
    home.run(20)
    assert results.last["device_list"] == [IPD_A]
    device = home.esi.devices.get(IPD_B)
    assert device is not None
    assert device.active
    home.sim.set_online(b.node, True)
    home.run(40)
    assert [f[2] for f in frames_from_esi(b, DRLC)] == [0x00]
    row = drlc.deliveries(8)[IPD_B]
    assert (row["status"], row["attempts"]) == ("delivered", 2)


def test_a_late_joiner_gets_the_valid_events_but_not_the_expired_ones() -> None:
    """digi-se-devices.md §5.2: an SE server "replays stored events a client has not yet
    received when it becomes active"; an event already over is no longer valid."""
    home, drlc, _ = _setup(IPD_A)
    now = home.timebase.now()
    drlc.create_DRLC_event({"issuer_event_id": 1, "duration_in_minutes": 1})
    drlc.create_DRLC_event({"issuer_event_id": 2, "duration_in_minutes": 60})
    home.run(120)
    c = client(home, IPD_C)
    frames = frames_from_esi(c, DRLC)
    assert frames == [_lce(frames[0][1], 2, now, 60)]


def test_a_device_that_had_a_cancelled_event_gets_the_cancel_when_it_returns() -> None:
    """A device away when an event it had was cancelled is sent the Cancel Load Control Event
    when it is back (it would otherwise carry the event out); digi-se-rpc.md §6.1."""
    home, drlc, (a, b) = _setup(IPD_A, IPD_B)
    drlc.create_DRLC_event({"issuer_event_id": EVENT_ID, "duration_in_minutes": 60})
    home.run(5)
    go_away(home, b)
    drlc.cancel_DRLC_event({"issuer_event_id": EVENT_ID})
    home.run(5)
    assert drlc.deliveries(EVENT_ID)[IPD_B]["status"] == "cancel_pending"
    come_back(home, b)
    frame = frames_from_esi(b, DRLC)[-1]
    assert frame == hexb(f"09 {frame[1]:02x} 01 78 56 34 12 FF 0F 00 01 00 00 00 00")
    assert drlc.deliveries(EVENT_ID)[IPD_B]["status"] == "cancelled"
    assert len(frames_from_esi(a, DRLC)) == 2  # the event, its cancel


def test_a_device_removed_and_added_again_gets_the_valid_events_again() -> None:
    """remove_device forgets a device (its delivery rows too); when it is detected again it is
    a new client and gets every valid event (digi-se-devices.md §5.2)."""
    home, drlc, (a,) = _setup(IPD_A)
    drlc.create_DRLC_event({"issuer_event_id": 1, "duration_in_minutes": 60})
    home.run(5)
    device = home.esi.devices.get(IPD_A)
    assert device is not None
    nwk = device.nwk
    assert nwk is not None
    assert home.esi.devices.remove(IPD_A)
    assert drlc.deliveries(1) == {}
    home.esi.devices.detected(IPD_A, nwk)  # as when its Device_annce is heard
    home.run(10)
    assert [f[2] for f in frames_from_esi(a, DRLC)] == [0x00, 0x00]
    assert drlc.deliveries(1)[IPD_A]["status"] == "delivered"


def test_a_device_repeating_or_flooding_reports_does_not_grow_its_delivery_row() -> None:
    """Every Report Event Status is published on the bus, but the event's delivery row is a
    timeline: a repeat of the last report (a retransmission) is only counted, and at most
    MAX_RESPONSES_KEPT reports are kept, the newest."""
    home, drlc, (a,) = _setup(IPD_A)
    drlc.create_DRLC_event({"issuer_event_id": EVENT_ID, "duration_in_minutes": 60})
    home.run(1)
    report = "01 {tsn:02X} 00 78 56 34 12 {status:02X} {time} 05 00 80 00 80 80 FF 03 00"
    for tsn in range(10):  # the same report, retransmitted ten times
        exchange(home, a, DRLC, report.format(tsn=tsn, status=0x01, time="00 1C 70 30"))
    row = drlc.deliveries(EVENT_ID)[IPD_A]
    assert [r["event_status"] for r in row["responses"]] == [0x01]
    assert row["repeats"] == 9
    for n in range(MAX_RESPONSES_KEPT + 36):  # a flood of distinct reports (times differ)
        when = (812653568 + n + 1).to_bytes(4, "little").hex(" ")
        exchange(home, a, DRLC, report.format(tsn=n & 0xFF, status=0x02, time=when))
    row = drlc.deliveries(EVENT_ID)[IPD_A]
    times = [r["event_status_time"] for r in row["responses"]]
    assert len(times) == MAX_RESPONSES_KEPT
    assert times[-1] == 812653568 + MAX_RESPONSES_KEPT + 36
    assert times == sorted(times)
    assert len(home.of(ReceivedReportEventStatus)) == 10 + MAX_RESPONSES_KEPT + 36
