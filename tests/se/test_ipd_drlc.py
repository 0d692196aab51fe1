"""The IPD's DRLC client on the air: a probe plays the ESI with hand-written frames (se-spec.md
§2.5.2 layouts), the IPD application answers with real frames, in virtual time; and one run
against a real ESI Coordinator application.

Every Report Event Status is checked byte for byte against the §2.5.2 layout; the TSN is the
IPD's own (a new command), so it is left out of the comparison.
"""

from __future__ import annotations

from typing import Any

from segateway.se.bus import (
    ReceivedDrlcCancelEvent,
    ReceivedDrlcEvent,
    ReceivedReportEventStatus,
    UpdatedActiveDrlcEvents,
)
from segateway.se.clients.drlc import DrlcClient
from segateway.se.clients.messaging import MessagingClient
from segateway.se.clients.price import PriceClient
from segateway.se.clients.time import TimeClient
from segateway.se.servers import DrlcServer
from segateway.store import Store
from segateway.zcl.cluster import Side

from .ipdkit import (
    DRLC,
    ESI_A,
    Esi,
    Ipd,
    esi_probe,
    le,
    quiet_home,
    run_to,
    run_until,
    start_ipd,
)
from .sekit import ESI_IEEE, Home

SIGNATURE = "00" + "FF" * 42  # Signature Type 0x00, then 42 × 0xFF (SE 1.1, unsigned)
NOT_USED = "0080 0080 80 FF"  # set points 0x8000, average load 0x80, duty cycle 0xFF


def load_control_event(
    tsn: int,
    *,
    event_id: int,
    start: int,
    minutes: int,
    device_class: int = 0x0FFF,
    group: int = 0x00,
    criticality: int = 0x05,
    event_control: int = 0x00,
    fc: int = 0x09,
) -> str:
    """Load Control Event (S→C 0x00), se-spec.md §2.5.2, offsets/set points/percentage/duty
    cycle "not used"."""
    return (
        f"{fc:02X} {tsn:02X} 00"
        f" {le(event_id, 4)}"  # Issuer Event ID
        f" {le(device_class, 2)}"  # Device Class
        f" {group:02X}"  # Utility Enrollment Group
        f" {le(start, 4)}"  # Start Time
        f" {le(minutes, 2)}"  # Duration In Minutes
        f" {criticality:02X}"  # Criticality Level
        " FF FF"  # cooling / heating temperature offsets: not used
        " 0080 0080"  # cooling / heating set points: not used (0x8000)
        " 80"  # average load adjustment: not used
        " FF"  # duty cycle: not used
        f" {event_control:02X}"  # Event Control
    )


def cancel_event(
    tsn: int, *, event_id: int, effective: int = 0, control: int = 0x00, fc: int = 0x09
) -> str:
    """Cancel Load Control Event (S→C 0x01): id, Device Class 0x0FFF, group 0, Cancel Control,
    Effective Time."""
    return f"{fc:02X} {tsn:02X} 01 {le(event_id, 4)} FF0F 00 {control:02X} {le(effective, 4)}"


def report(
    event_id: int, status: int, at: int, *, criticality: int = 0x05, control: int = 0
) -> bytes:
    """Report Event Status (C→S 0x00) as the IPD must send it: frame control 0x01 (cluster
    specific, client→server), command 0x00, then the §2.5.2 fields, TSN left out."""
    return bytes.fromhex(
        f"01 00 {le(event_id, 4)} {status:02X} {le(at, 4)} {criticality:02X}"
        f" {NOT_USED} {control:02X} {SIGNATURE}"
    )


def reports(esi: Esi) -> list[tuple[int, bytes]]:
    """(IPD time of arrival, frame without TSN) of every Report Event Status."""
    return [(f.time, f.tail) for f in esi.commands(DRLC, 0x00)]


def setup(store: Store | None = None, **client: Any) -> tuple[Home, Ipd, Esi]:
    home = quiet_home()
    ipd = start_ipd(home, [DrlcClient(**client)], store=store)
    esi = esi_probe(home, ipd, ESI_A, [DRLC])
    home.run(1.0)
    return home, ipd, esi


def client_of(ipd: Ipd) -> DrlcClient:
    cluster = ipd.app.cluster(DRLC, Side.client)
    assert isinstance(cluster, DrlcClient)
    return cluster


def active_ids(ipd: Ipd) -> list[tuple[int, list[int]]]:
    return [
        (t, [r["issuer_event_id"] for r in n.record_list])
        for t, n in ipd.of(UpdatedActiveDrlcEvents)
    ]


def test_report_event_status_follows_the_life_of_the_event() -> None:
    """se-spec.md §2.5.3 rule 7: "On acceptance the client sends Report Event Status 0x01
    'command received' (to every ESI that sent it), then 0x02 at (randomized) start and
    0x03/0x08/0x09/0x0A at end"."""
    home, ipd, esi = setup()
    start = ipd.now() + 60
    esi.send(DRLC, load_control_event(0x21, event_id=0x12345678, start=start, minutes=1))
    run_to(home, ipd, start + 65)
    [(received_at, received)] = ipd.of(ReceivedDrlcEvent)
    assert reports(esi) == [
        (received_at, report(0x12345678, 0x01, received_at)),
        (start, report(0x12345678, 0x02, start)),
        (start + 60, report(0x12345678, 0x03, start + 60)),
    ]
    # the Load Control Event itself: Default Response SUCCESS (its DDR bit is clear)
    assert esi.default_responses(DRLC) == [(0x21, bytes.fromhex("00 00"))]
    assert received.status == 0x00
    assert (received.source_address, received.source_endpoint_id) == (ESI_A, 0x01)
    assert received.record == {
        "issuer_event_id": 0x12345678,
        "device_class": 0x0FFF,
        "utility_enrollment_group": 0,
        "start_time": start,
        "duration_in_minutes": 1,
        "criticality_level": 5,
        "cooling_temperature_offset": 0xFF,
        "heating_temperature_offset": 0xFF,
        "cooling_temperature_set_point": -0x8000,
        "heating_temperature_set_point": -0x8000,
        "average_load_adjustment_percentage": -0x80,
        "duty_cycle": 0xFF,
        "event_control": 0,
    }
    assert active_ids(ipd) == [(start, [0x12345678]), (start + 60, [])]
    [(_, running), _] = ipd.of(UpdatedActiveDrlcEvents)
    assert running.record_list == [
        {
            **received.record,
            "effective_start_time": start,
            "effective_end_time": start + 60,
            "opted_out": False,
            "event_state": "running",
        }
    ]


def test_invalid_events_are_rejected_and_repeats_from_the_same_esi_ignored() -> None:
    """se-spec.md §2.5.3 rule 4: "Duration > 1440 min → Report Event Status 0xFE"; rule 6: "the
    first copy from a given ESI gets 0x01; further copies from the same ESI are ignored";
    digi-se-rpc.md received_DRLC_event: "status int (0x00 success, 0x85 invalid field, 0x8A
    duplicate exists)"."""
    home, ipd, esi = setup()
    start = ipd.now() + 600
    esi.send(DRLC, load_control_event(0x31, event_id=0x100, start=start, minutes=1441, fc=0x19))
    home.run(1.0)
    esi.send(DRLC, load_control_event(0x32, event_id=0x101, start=start, minutes=30, fc=0x19))
    home.run(1.0)
    esi.send(DRLC, load_control_event(0x33, event_id=0x101, start=start, minutes=30, fc=0x19))
    home.run(1.0)
    times = [t for t, _ in ipd.of(ReceivedDrlcEvent)]
    assert [n.status for _, n in ipd.of(ReceivedDrlcEvent)] == [0x85, 0x00, 0x8A]
    assert [r for _, r in reports(esi)] == [
        report(0x100, 0xFE, times[0]),
        report(0x101, 0x01, times[1]),
    ]
    assert esi.default_responses(DRLC) == []  # DDR set and nothing failed at the ZCL level


def test_cancel_ends_the_event_and_unknown_ids_are_reported() -> None:
    """se-spec.md §2.5.3 rule 18: "the event ends at Effective Time (0 = now) … When it ends the
    client sends 0x06 'cancelled'"; rule 15: "Cancel for an unknown Issuer Event ID → Report
    Event Status 0xFD"; received_DRLC_cancel_event status 0x8B (not found)."""
    home, ipd, esi = setup()
    start = ipd.now() + 30
    esi.send(DRLC, load_control_event(0x41, event_id=0x200, start=start, minutes=10, fc=0x19))
    run_to(home, ipd, start + 120)
    cancel_at = start + 180
    esi.send(DRLC, cancel_event(0x42, event_id=0x200, effective=cancel_at, fc=0x19))
    home.run(1.0)
    unknown_at = ipd.now()
    esi.send(DRLC, cancel_event(0x43, event_id=0x999, fc=0x19))
    run_to(home, ipd, start + 700)
    statuses = [(n.status, n.record["issuer_event_id"]) for _, n in ipd.of(ReceivedDrlcCancelEvent)]
    assert statuses == [(0x00, 0x200), (0x8B, 0x999)]
    got = [r for _, r in reports(esi)]
    assert got[1:] == [
        report(0x200, 0x02, start),
        # 0xFD: no event to take values from: criticality 0x00, event control 0x00
        report(0x999, 0xFD, unknown_at, criticality=0x00),
        report(0x200, 0x06, cancel_at),
    ]
    assert active_ids(ipd) == [(start, [0x200]), (cancel_at, [])]


def test_cancel_all_reports_every_event_cancelled() -> None:
    """se-spec.md §2.5.3 rule 19: "Cancel All: applies the cancel (effective now …) to every
    stored event, one Report Event Status 0x06 per event; if nothing was stored, Default
    Response SUCCESS"."""
    home, ipd, esi = setup()
    now = ipd.now()
    esi.send(DRLC, load_control_event(0x51, event_id=0x301, start=now + 600, minutes=5, fc=0x19))
    esi.send(DRLC, load_control_event(0x52, event_id=0x302, start=now + 1200, minutes=5, fc=0x19))
    home.run(2.0)
    cancelled_at = ipd.now()
    esi.send(DRLC, "09 53 02 00")  # Cancel All, Cancel Control 0x00
    home.run(1.0)
    esi.send(DRLC, "09 54 02 00")  # again: nothing stored
    home.run(1.0)
    assert [r for _, r in reports(esi)][2:] == [
        report(0x301, 0x06, cancelled_at),
        report(0x302, 0x06, cancelled_at),
    ]
    assert esi.default_responses(DRLC) == [
        (0x53, bytes.fromhex("02 00")),
        (0x54, bytes.fromhex("02 00")),
    ]
    cancels = [(n.status, n.record) for _, n in ipd.of(ReceivedDrlcCancelEvent)]
    assert cancels == [(0x00, {"cancel_control": 0}), (0x00, {"cancel_control": 0})]
    assert client_of(ipd).get_DRLC_events() == []


def test_opting_out_while_running_reports_partial_completion() -> None:
    """se-spec.md §2.5.3 rule 20: "Opting out/in while running marks the event 'partial';
    completion then reports 0x08 (partial with opt-out)"; the opt-out itself reports 0x04."""
    home, ipd, esi = setup()
    start = ipd.now() + 30
    esi.send(DRLC, load_control_event(0x61, event_id=0x400, start=start, minutes=5, fc=0x19))
    run_to(home, ipd, start + 60)
    client = client_of(ipd)
    opted_at = ipd.now()
    assert client.opt_out(0x400) == 0x00
    assert client.opt_out(0x401) == 0x8B
    run_to(home, ipd, start + 305)
    assert [r for _, r in reports(esi)][1:] == [
        report(0x400, 0x02, start),
        report(0x400, 0x04, opted_at),
        report(0x400, 0x08, start + 300),
    ]
    opted = [n.record_list for _, n in ipd.of(UpdatedActiveDrlcEvents)]
    assert [[r["opted_out"] for r in records] for records in opted] == [[False], [True], []]


def test_client_attributes_are_written_by_the_esi_within_their_ranges() -> None:
    """se-spec.md §2.5.1: UtilityEnrollmentGroup uint8, StartRandomizationMinutes and
    DurationRandomizationMinutes uint8 0x00–0x3C, DeviceClassValue uint16 (bits 12–15 reserved),
    all RW; rule 1: "The client ANDs the event's Device Class with its DeviceClassValue
    attribute; no common bit → event ignored, no Report Event Status"."""
    home, ipd, esi = setup()
    # server→client Write Attributes: DeviceClassValue (0x0003, uint16 0x21) = 0x0004 water heater
    esi.send(DRLC, "08 71 02 0300 21 0400")
    # StartRandomizationMinutes (0x0001, uint8) = 0x3D, DeviceClassValue = 0x1000 (reserved)
    esi.send(DRLC, "08 72 02 0100 20 3D 0300 21 0010")
    esi.send(DRLC, "08 73 00 0000 0100 0200 0300")  # read the four back
    home.run(2.0)
    # in request order (an answer whose APS ack was lost arrives after a later one's)
    frames = esi.commands(DRLC, 0x04, specific=False) + esi.commands(DRLC, 0x01, specific=False)
    answers = [f.tail for f in sorted(frames, key=lambda f: f.tsn)]
    assert answers == [
        bytes.fromhex("10 04 00"),
        bytes.fromhex("10 04 87 0100 87 0300"),
        bytes.fromhex("10 01 0000 00 20 00  0100 00 20 1E  0200 00 20 00  0300 00 21 0400"),
    ]
    start = ipd.now() + 600
    esi.send(
        DRLC,
        load_control_event(
            0x74, event_id=0x500, start=start, minutes=5, device_class=0x0001, fc=0x19
        ),
    )
    esi.send(
        DRLC,
        load_control_event(
            0x75, event_id=0x501, start=start, minutes=5, device_class=0x0005, fc=0x19
        ),
    )
    home.run(2.0)
    assert [n.record["issuer_event_id"] for _, n in ipd.of(ReceivedDrlcEvent)] == [0x501]
    assert [r[2:6] for _, r in reports(esi)] == [bytes.fromhex("01050000")]
    [held] = client_of(ipd).get_DRLC_events()
    assert held["event_state"] == "scheduled"


def test_late_join_asks_for_the_scheduled_events() -> None:
    """digi-se-rpc.md §6.1: clients ask servers to resend (get_scheduled_DRLC_events): when an
    ESI with a DRLC server becomes active, the IPD sends Get Scheduled Events (C→S 0x01) with
    Start Time 0 (now) and Number of Events 0 (all)."""
    home, ipd, esi = setup()
    [ask] = esi.frames(DRLC)
    assert (ask.frame_control, ask.command_id, ask.payload) == (
        0x01,
        0x01,
        bytes.fromhex("00000000 00"),
    )
    done: list[dict[str, Any]] = []
    start = ipd.now() + 3600
    client_of(ipd).get_scheduled_DRLC_events(start, 3, done.append)
    home.run(1.0)
    assert esi.frames(DRLC)[-1].payload == bytes.fromhex(f"{le(start, 4)} 03")
    assert done == [{"status": 0x00, "device_list": [ESI_A]}]


def test_a_restarted_ipd_completes_the_event_at_its_end() -> None:
    """DESIGN.md: "a restart (even after SIGKILL) resumes every schedule": an IPD restarted in
    the middle of an event still reports 0x03 at the event's end."""
    store = Store(":memory:")
    home, ipd, esi = setup(store)
    start = ipd.now() + 30
    esi.send(DRLC, load_control_event(0x81, event_id=0x600, start=start, minutes=10, fc=0x19))
    run_to(home, ipd, start + 300)
    ipd.restart([DrlcClient()])
    run_to(home, ipd, start + 605)
    assert reports(esi)[1:] == [
        (start, report(0x600, 0x02, start)),
        (start + 600, report(0x600, 0x03, start + 600)),
    ]
    assert active_ids(ipd) == [(start, [0x600]), (start + 600, [])]


def test_end_to_end_with_an_esi_coordinator() -> None:
    """An event created on the ESI Coordinator's DRLC server (create_DRLC_event) reaches the IPD,
    which reports 0x01 on receipt, 0x02 at the start and 0x03 at the end (rule 7), and the ESI
    announces each report (received_report_event_status). The IPD takes its time from the ESI
    first (its own clock starts wrong)."""
    home = Home()
    ipd = start_ipd(
        home,
        [TimeClient(), PriceClient(), DrlcClient(), MessagingClient()],
        synchronized=False,
        utc_at_zero=0,
    )
    run_until(home, lambda: ipd.app.timebase.synchronized, 30)
    assert abs(ipd.app.timebase.now_exact() - home.timebase.now_exact()) < 1.0
    server = home.esi.cluster(DRLC, Side.server)
    assert isinstance(server, DrlcServer)
    start = home.timebase.now() + 120
    created: list[dict[str, Any]] = []
    server.create_DRLC_event(
        {
            "issuer_event_id": 0x777,
            "start_time": start,
            "duration_in_minutes": 2,
            "event_control": 0,
        },
        created.append,
    )
    home.run(5.0)
    assert [(c["status"], c["device_list"]) for c in created] == [(0x00, [0x00124B00000000D1])]
    home.run(start + 125 - home.timebase.now())
    seen = [
        (n.record["event_status"], n.record["event_status_time"])
        for n in home.of(ReceivedReportEventStatus)
    ]
    assert [s for s, _ in seen] == [0x01, 0x02, 0x03]
    assert [t for _, t in seen][1:] == [start, start + 120]
    assert active_ids(ipd) == [(start, [0x777]), (start + 120, [])]
    assert ESI_IEEE in [n.source_address for _, n in ipd.of(ReceivedDrlcEvent)]
