"""DRLC client rules (se-spec.md §2.5.3, rules 1–20) against ``segateway.se.drlc_engine``.

One test (or a small group) per rule, named after it, with the rule quoted. Expected statuses and
times come from the rule text and the §2.5.2 tables (Event Status values are written as the
table's hex numbers), never from the engine's output. Time is ZCL UTCTime in seconds.
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Hashable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.se.drlc_engine import (
    ActiveChanged,
    CancelReceived,
    DefaultResponse,
    DrlcClientSettings,
    DrlcEngine,
    EventState,
    Ignored,
    Output,
    Received,
    ReportStatus,
)
from segateway.zcl.clusters.drlc import DeviceClass, Drlc
from segateway.zcl.frame import decode_frame

from ..zcl.helpers import annotated_hex

T0 = 800_000_000  # "now" when each test starts
ESI = 0x0013A20040A1B2C3
ESI2 = 0x0013A20040D4E5F6
HVAC = int(DeviceClass.hvac_compressor_or_furnace)  # 0x0001
STRIP = int(DeviceClass.strip_heaters_baseboard_heaters)  # 0x0002
WATER = int(DeviceClass.water_heater)  # 0x0004
MINUTE = 60

# Event Status values (§2.5.2 table)
RECEIVED, STARTED, COMPLETED, OPTED_OUT, OPTED_IN, CANCELLED, SUPERSEDED = range(0x01, 0x08)
PARTIAL_OPT_OUT, PARTIAL_OPT_IN, NO_PARTICIPATION = 0x08, 0x09, 0x0A
REJECTED_CANCEL, REJECTED_CANCEL_TIME, REJECTED_EXPIRED = 0xF8, 0xF9, 0xFB
REJECTED_CANCEL_UNDEFINED, REJECTED = 0xFD, 0xFE
# ZCL status codes (§1.5) carried by received_DRLC_event / Default Response
SUCCESS, INVALID_FIELD, DUPLICATE_EXISTS, NOT_FOUND = 0x00, 0x85, 0x8A, 0x8B
# "not used" values of §2.5.2, as the codec decodes them (int16 0x8000, int8 0x80)
SET_POINT_NOT_USED, PERCENT_NOT_USED, U8_NOT_USED = -0x8000, -0x80, 0xFF

LoadControlEvent = Drlc.commands.load_control_event.schema.cls
CancelLoadControlEvent = Drlc.commands.cancel_load_control_event.schema.cls


def lce(issuer_event_id: int = 1, **overrides: Any) -> Any:
    """A Load Control Event record as the codec decodes it: HVAC, 30 minutes from T0 + 10 min."""
    values: dict[str, Any] = {
        "issuer_event_id": issuer_event_id,
        "device_class": HVAC,
        "utility_enrollment_group": 0,
        "start_time": T0 + 10 * MINUTE,
        "duration_in_minutes": 30,
        "criticality_level": 0x02,
        "cooling_temperature_offset": U8_NOT_USED,
        "heating_temperature_offset": U8_NOT_USED,
        "cooling_temperature_set_point": SET_POINT_NOT_USED,
        "heating_temperature_set_point": SET_POINT_NOT_USED,
        "average_load_adjustment_percentage": PERCENT_NOT_USED,
        "duty_cycle": U8_NOT_USED,
        "event_control": 0x00,
    }
    return LoadControlEvent(**(values | overrides))


def cancel(issuer_event_id: int = 1, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "issuer_event_id": issuer_event_id,
        "device_class": HVAC,
        "utility_enrollment_group": 0,
        "cancel_control": 0x00,
        "effective_time": 0,
    }
    return CancelLoadControlEvent(**(values | overrides))


def seeded(seed: int = 0) -> random.Random:
    return random.Random(seed)  # noqa: S311 - the engine's injected randomization, reproducible


def engine(
    device_class: int = HVAC | STRIP | WATER,
    group: int = 0,
    start_minutes: int = 0,
    end_minutes: int = 0,
    seed: int = 1,
) -> DrlcEngine:
    settings = DrlcClientSettings(
        device_class=device_class,
        utility_enrollment_group=group,
        start_randomization_minutes=start_minutes,
        duration_randomization_minutes=end_minutes,
    )
    return DrlcEngine(settings, seeded(seed))


def reports(outputs: list[Output]) -> list[tuple[int, int, int]]:
    """(issuer event id, event status, event status time) of each Report Event Status."""
    return [
        (o.issuer_event_id, o.event_status, o.event_status_time)
        for o in outputs
        if isinstance(o, ReportStatus)
    ]


def only(outputs: list[Output], kind: type) -> list[Any]:
    return [o for o in outputs if isinstance(o, kind)]


FAR = T0 + 30 * 24 * 3600


# --- rules 1–3: addressing and filtering ---------------------------------------------------------


def test_rule_01_device_class_mismatch_is_ignored_without_report() -> None:
    """Rule 1: "The client ANDs the event's Device Class with its DeviceClassValue attribute; no
    common bit → event ignored, no Report Event Status"."""
    drlc = engine(device_class=HVAC | WATER)
    out = drlc.receive_event(lce(device_class=STRIP | 0x0100), ESI, T0)
    assert only(out, Ignored)
    assert not only(out, ReportStatus)
    assert not only(out, Received)
    assert not only(out, DefaultResponse)
    assert drlc.events() == ()


def test_rule_01_common_bits_are_what_the_event_controls() -> None:
    """Rule 1: the AND of the event's Device Class and DeviceClassValue selects the loads."""
    drlc = engine(device_class=HVAC | WATER)
    out = drlc.receive_event(lce(device_class=0x0FFF), ESI, T0)
    assert reports(out) == [(1, RECEIVED, T0)]
    (stored,) = drlc.events()
    assert stored.device_class == HVAC | WATER


@pytest.mark.parametrize(
    ("event_group", "local_group", "accepted"),
    [(0x00, 0x05, True), (0x05, 0x00, True), (0x05, 0x05, True), (0x05, 0x06, False)],
)
def test_rule_02_utility_enrollment_group(
    event_group: int, local_group: int, accepted: bool
) -> None:
    """Rule 2: "Utility Enrollment Group matches when the event's UEG is 0x00, the local UEG is
    0x00 (EMB), or they are equal; otherwise ignored silently"."""
    drlc = engine(group=local_group)
    out = drlc.receive_event(lce(utility_enrollment_group=event_group), ESI, T0)
    if accepted:
        assert reports(out) == [(1, RECEIVED, T0)]
    else:
        assert out == only(out, Ignored)
        assert out
        assert drlc.events() == ()


@pytest.mark.parametrize(
    ("level", "accepted"), [(0x00, False), (0x01, True), (0x0F, True), (0x10, False), (0xFF, False)]
)
def test_rule_03_reserved_criticality_is_ignored(level: int, accepted: bool) -> None:
    """Rule 3: "Reserved criticality (0x00 or > 0x0F) → ignored (EMB)"."""
    drlc = engine()
    out = drlc.receive_event(lce(criticality_level=level), ESI, T0)
    if accepted:
        assert reports(out) == [(1, RECEIVED, T0)]
    else:
        assert out == only(out, Ignored)
        assert out


# --- rule 4: validation --------------------------------------------------------------------------


def test_rule_04_start_time_zero_means_now() -> None:
    """Rule 4: "Start Time 0 → now"; rule 7: 0x01 on acceptance, then 0x02 at the start."""
    drlc = engine()
    out = drlc.receive_event(lce(start_time=0, duration_in_minutes=5), ESI, T0)
    assert reports(out) == [(1, RECEIVED, T0), (1, STARTED, T0)]
    (running,) = drlc.active()
    assert running.fields.start_time == T0
    assert reports(drlc.advance(T0 + 5 * MINUTE)) == [(1, COMPLETED, T0 + 5 * MINUTE)]


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"start_time": 0xFFFFFFFF}, id="start-0xFFFFFFFF"),
        pytest.param({"duration_in_minutes": 1441}, id="duration-1441"),
        pytest.param({"duration_in_minutes": 0xFFFF}, id="duration-0xFFFF"),
        pytest.param({"duty_cycle": 101}, id="duty-cycle-101"),
        pytest.param({"duty_cycle": 0xFE}, id="duty-cycle-254"),
        pytest.param({"average_load_adjustment_percentage": 101}, id="load-adjustment+101"),
        pytest.param({"average_load_adjustment_percentage": -101}, id="load-adjustment-101"),
        # -273.16 °C: below absolute zero
        pytest.param({"cooling_temperature_set_point": -27316}, id="cooling-set-point"),
        pytest.param({"heating_temperature_set_point": -27316}, id="heating-set-point"),
        # heating set point above the cooling set point: an inconsistent pair
        pytest.param(
            {"cooling_temperature_set_point": 2000, "heating_temperature_set_point": 2500},
            id="heating-above-cooling",
        ),
    ],
)
def test_rule_04_invalid_fields_are_rejected_with_0xfe(overrides: dict[str, Any]) -> None:
    """Rule 4: "Start Time 0xFFFFFFFF or Duration > 1440 min → Report Event Status 0xFE (EMB).
    Out-of-range set points / offsets / percentages / duty cycle (and inconsistent heating/cooling
    pairs) → 0xFE (FSL)"; received_DRLC_event reports 0x85 invalid field."""
    drlc = engine()
    event = lce(**overrides)
    out = drlc.receive_event(event, ESI, T0)
    assert [(r.status, r.event) for r in only(out, Received)] == [(INVALID_FIELD, event)]
    assert reports(out) == [(1, REJECTED, T0)]
    assert only(out, ReportStatus)[0].servers == (ESI,)
    assert drlc.events() == ()


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"duration_in_minutes": 1440}, id="duration-1440"),
        pytest.param({"duty_cycle": 0}, id="duty-cycle-0"),
        pytest.param({"duty_cycle": 100}, id="duty-cycle-100"),
        pytest.param({"average_load_adjustment_percentage": -100}, id="load-adjustment-100"),
        pytest.param({"average_load_adjustment_percentage": 100}, id="load-adjustment+100"),
        pytest.param({"cooling_temperature_offset": 0xFE}, id="cooling-offset-25.4"),
        pytest.param({"heating_temperature_offset": 0x00}, id="heating-offset-0"),
        pytest.param({"cooling_temperature_set_point": -27315}, id="cooling-absolute-zero"),
        pytest.param({"heating_temperature_set_point": 0x7FFF}, id="heating-327.67"),
        pytest.param(
            {"cooling_temperature_set_point": 2500, "heating_temperature_set_point": 2000},
            id="heating-below-cooling",
        ),
    ],
)
def test_rule_04_values_in_range_are_accepted(overrides: dict[str, Any]) -> None:
    """Rule 4 boundaries: §2.5.2 gives max 1440 min, -100…+100 %, 0…100 %; offsets 0x00–0xFE."""
    drlc = engine()
    out = drlc.receive_event(lce(**overrides), ESI, T0)
    assert reports(out) == [(1, RECEIVED, T0)]


# --- rule 5: expired -----------------------------------------------------------------------------


def test_rule_05_event_received_after_it_expired_is_rejected_with_0xfb() -> None:
    """Rule 5: "If current time > start + duration when received → Report Event Status 0xFB"."""
    drlc = engine()
    start = T0 - 3600
    event = lce(start_time=start, duration_in_minutes=30)
    out = drlc.receive_event(event, ESI, T0)
    assert reports(out) == [(1, REJECTED_EXPIRED, T0)]
    assert [(r.status, r.event) for r in only(out, Received)] == [(INVALID_FIELD, event)]
    assert drlc.events() == ()


def test_rule_05_event_in_progress_starts_at_once() -> None:
    """Rule 5 rejects only when current time > start + duration: an event already in progress is
    accepted and starts when received; it ends at start + duration."""
    drlc = engine()
    start = T0 - 10 * MINUTE
    out = drlc.receive_event(lce(start_time=start, duration_in_minutes=30), ESI, T0)
    assert reports(out) == [(1, RECEIVED, T0), (1, STARTED, T0)]
    assert reports(drlc.advance(FAR)) == [(1, COMPLETED, start + 30 * MINUTE)]


# --- rule 6: duplicates --------------------------------------------------------------------------


def test_rule_06_repeat_from_the_same_esi_is_ignored() -> None:
    """Rule 6: "Same Issuer Event ID as a stored scheduled/running event = duplicate. EMB: the
    first copy from a given ESI gets 0x01; further copies from the same ESI are ignored"."""
    drlc = engine()
    drlc.receive_event(lce(), ESI, T0)
    event = lce()
    out = drlc.receive_event(event, ESI, T0 + 5)
    assert not only(out, ReportStatus)
    assert [(r.status, r.event) for r in only(out, Received)] == [(DUPLICATE_EXISTS, event)]
    assert only(out, Ignored)
    assert len(drlc.events()) == 1
    # and once running, still a duplicate
    drlc.advance(T0 + 10 * MINUTE)
    assert not only(drlc.receive_event(lce(), ESI, T0 + 11 * MINUTE), ReportStatus)


def test_rule_06_copy_from_another_esi_gets_its_own_0x01() -> None:
    """Rule 6: "a copy from a *different* ESI gets its own 0x01 (multi-ESI rule)"; rule 7: the
    client reports "to every ESI that sent it"."""
    drlc = engine()
    first = only(drlc.receive_event(lce(), ESI, T0), ReportStatus)
    assert [r.servers for r in first] == [(ESI,)]
    out = drlc.receive_event(lce(), ESI2, T0 + 5)
    (report,) = only(out, ReportStatus)
    assert (report.event_status, report.event_status_time, report.servers) == (
        RECEIVED,
        T0 + 5,
        (ESI2,),
    )
    later = only(drlc.advance(FAR), ReportStatus)
    assert [(r.event_status, r.servers) for r in later] == [
        (STARTED, (ESI, ESI2)),
        (COMPLETED, (ESI, ESI2)),
    ]


def test_rule_06_event_that_has_ended_is_no_duplicate() -> None:
    """Rule 6 compares with stored scheduled/running events only: after the end, the same
    Issuer Event ID is a new event."""
    drlc = engine()
    drlc.receive_event(lce(start_time=0, duration_in_minutes=1), ESI, T0)
    drlc.advance(T0 + MINUTE)
    out = drlc.receive_event(lce(start_time=0, duration_in_minutes=1), ESI, T0 + 2 * MINUTE)
    assert reports(out) == [(1, RECEIVED, T0 + 2 * MINUTE), (1, STARTED, T0 + 2 * MINUTE)]


# --- rule 7: acceptance --------------------------------------------------------------------------


def test_rule_07_received_started_completed_at_exact_times() -> None:
    """Rule 7: "On acceptance the client sends Report Event Status 0x01 'command received' …,
    then 0x02 at (randomized) start and 0x03/0x08/0x09/0x0A at end"; without randomization the
    start is Start Time and the end Start Time + Duration."""
    drlc = engine()
    start = T0 + 10 * MINUTE
    out = drlc.receive_event(lce(), ESI, T0)
    assert reports(out) == [(1, RECEIVED, T0)]
    assert only(out, Received)[0].status == SUCCESS
    assert drlc.next_wakeup() == start
    assert drlc.advance(start - 1) == []
    out = drlc.advance(start)
    assert reports(out) == [(1, STARTED, start)]
    assert drlc.next_wakeup() == start + 30 * MINUTE
    assert reports(drlc.advance(FAR)) == [(1, COMPLETED, start + 30 * MINUTE)]
    assert drlc.next_wakeup() is None


def test_rule_07_opt_out_before_start_reports_0x04_at_start() -> None:
    """Rule 7: "If the user opted out before the start, the first status at start time is 0x04
    instead of 0x02 (EMB 'Bug 13546': no status is sent for an opt-out of a not-yet-started
    event)"; rule 20: "never-participating events report 0x0A"."""
    drlc = engine()
    start = T0 + 10 * MINUTE
    drlc.receive_event(lce(), ESI, T0)
    assert drlc.opt_out(1, T0 + 60) == []
    assert reports(drlc.advance(start)) == [(1, OPTED_OUT, start)]
    assert reports(drlc.advance(FAR)) == [(1, NO_PARTICIPATION, start + 30 * MINUTE)]


def test_rule_07_opt_in_again_before_start_is_a_normal_event() -> None:
    """Rule 7: only an opt-out standing at the start changes 0x02 into 0x04."""
    drlc = engine()
    drlc.receive_event(lce(), ESI, T0)
    assert drlc.opt_out(1, T0 + 60) == []
    assert drlc.opt_in(1, T0 + 120) == []
    statuses = [s for _, s, _ in reports(drlc.advance(FAR))]
    assert statuses == [STARTED, COMPLETED]


# --- rules 8–11: overlap and superseding ---------------------------------------------------------


@pytest.mark.parametrize(
    ("second", "overlaps"),
    [
        # intervals intersect and a class in common
        pytest.param({"start_time": T0 + 20 * MINUTE}, True, id="intersecting"),
        # intervals intersect, no class in common
        pytest.param({"start_time": T0 + 20 * MINUTE, "device_class": WATER}, False, id="classes"),
        # [start, start + duration) only touch
        pytest.param({"start_time": T0 + 40 * MINUTE}, False, id="touching"),
        pytest.param(
            {"start_time": T0 - 20 * MINUTE, "duration_in_minutes": 30}, False, id="touching-before"
        ),
        pytest.param({"start_time": T0 + 60 * MINUTE}, False, id="apart"),
    ],
)
def test_rule_08_overlap_needs_time_and_device_class(
    second: dict[str, Any], overlaps: bool
) -> None:
    """Rule 8: "Two events overlap when their [start, start+duration·60) intervals intersect
    **and** they share at least one device-class bit"."""
    drlc = engine()
    drlc.receive_event(lce(1), ESI, T0)  # [T0 + 10 min, T0 + 40 min), HVAC
    out = drlc.receive_event(lce(2, **second), ESI, T0)
    superseded = [(i, s) for i, s, _ in reports(out) if s == SUPERSEDED]
    assert superseded == ([(1, SUPERSEDED)] if overlaps else [])
    assert {e.issuer_event_id for e in drlc.events()} == ({2} if overlaps else {1, 2})


def test_rule_09_older_event_not_started_is_superseded_at_once() -> None:
    """Rule 9: "The newly received event wins. An overlapped older event that has **not
    started** is superseded immediately (Report Event Status 0x07 now)"."""
    drlc = engine()
    drlc.receive_event(lce(1), ESI, T0)
    out = drlc.receive_event(lce(2, start_time=T0 + 20 * MINUTE), ESI, T0 + 30)
    assert reports(out) == [(2, RECEIVED, T0 + 30), (1, SUPERSEDED, T0 + 30)]
    later = reports(drlc.advance(FAR))
    assert later == [(2, STARTED, T0 + 20 * MINUTE), (2, COMPLETED, T0 + 50 * MINUTE)]


def test_rule_09_running_event_is_superseded_at_the_new_start() -> None:
    """Rule 9: "An older event that **is running** keeps running until the new event starts, then
    reports 0x07 (… FSL at the new start)"."""
    drlc = engine()
    drlc.receive_event(lce(1, start_time=0, duration_in_minutes=60), ESI, T0)
    new_start = T0 + 20 * MINUTE
    out = drlc.receive_event(lce(2, start_time=new_start), ESI, T0 + 60)
    assert reports(out) == [(2, RECEIVED, T0 + 60)]
    assert [e.issuer_event_id for e in drlc.active()] == [1]
    drlc.advance(new_start - 1)
    assert [e.issuer_event_id for e in drlc.active()] == [1]
    out = drlc.advance(new_start)
    assert reports(out) == [(1, SUPERSEDED, new_start), (2, STARTED, new_start)]
    assert [e.issuer_event_id for e in drlc.active()] == [2]


def test_rule_10_not_started_event_keeps_its_other_classes() -> None:
    """Rule 10: "Superseding is per device class: if the new event covers only some of the old
    event's classes, the old event continues for the remaining classes (FSL removes the
    superseded bits from the old event's class mask)"."""
    drlc = engine()
    drlc.receive_event(lce(1, device_class=HVAC | WATER), ESI, T0)
    out = drlc.receive_event(lce(2, device_class=HVAC, start_time=T0 + 20 * MINUTE), ESI, T0)
    assert reports(out) == [(2, RECEIVED, T0)]
    classes = {e.issuer_event_id: e.device_class for e in drlc.events()}
    assert classes == {1: WATER, 2: HVAC}
    later = reports(drlc.advance(FAR))
    assert later == [
        (1, STARTED, T0 + 10 * MINUTE),
        (2, STARTED, T0 + 20 * MINUTE),
        (1, COMPLETED, T0 + 40 * MINUTE),
        (2, COMPLETED, T0 + 50 * MINUTE),
    ]


def test_rule_10_running_event_loses_classes_at_the_new_start() -> None:
    """Rule 10 with a running event: from the new start, the old one controls only the classes
    the new one does not cover, and runs to its own end."""
    drlc = engine()
    drlc.receive_event(
        lce(1, device_class=HVAC | WATER, start_time=0, duration_in_minutes=60), ESI, T0
    )
    new_start = T0 + 20 * MINUTE
    drlc.receive_event(lce(2, device_class=HVAC, start_time=new_start), ESI, T0)
    out = drlc.advance(new_start)
    assert reports(out) == [(2, STARTED, new_start)]
    assert {e.issuer_event_id: e.device_class for e in drlc.active()} == {1: WATER, 2: HVAC}
    (changed, *_) = only(out, ActiveChanged)
    assert changed.events
    assert reports(drlc.advance(FAR)) == [
        (2, COMPLETED, new_start + 30 * MINUTE),
        (1, COMPLETED, T0 + 60 * MINUTE),
    ]


def test_rule_11_superseded_event_is_not_reinstated() -> None:
    """Rule 11: "Superseded or cancelled events are not reinstated later": cancelling the
    superseding event does not bring the superseded one back."""
    drlc = engine()
    drlc.receive_event(lce(1), ESI, T0)
    drlc.receive_event(lce(2, start_time=T0 + 20 * MINUTE), ESI, T0)
    out = drlc.receive_cancel(cancel(2), ESI, T0 + 60)
    assert reports(out) == [(2, CANCELLED, T0 + 60)]
    assert drlc.events() == ()
    assert drlc.advance(FAR) == []


def test_rule_11_running_event_superseded_by_a_cancelled_event_still_ends() -> None:
    """Rule 11 with a running event: once superseded, it ends at the new event's start with 0x07
    even if the new event is cancelled before it starts."""
    drlc = engine()
    drlc.receive_event(lce(1, start_time=0, duration_in_minutes=60), ESI, T0)
    new_start = T0 + 20 * MINUTE
    drlc.receive_event(lce(2, start_time=new_start), ESI, T0)
    assert reports(drlc.receive_cancel(cancel(2), ESI, T0 + 60)) == [(2, CANCELLED, T0 + 60)]
    assert reports(drlc.advance(FAR)) == [(1, SUPERSEDED, new_start)]


# --- rules 12–14: randomization ------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_rule_12_randomized_start_and_end_fall_in_their_windows(seed: int) -> None:
    """Rule 12: "If Event Control bit0 is set, the effective start = start + random(0 …
    StartRandomizationMinutes·60 s); if bit1 is set, effective end = start + duration +
    random(0 … DurationRandomizationMinutes·60 s)"."""
    drlc = engine(start_minutes=30, end_minutes=10, seed=seed)
    start = T0 + 10 * MINUTE
    drlc.receive_event(lce(duration_in_minutes=60, event_control=0x03), ESI, T0)
    (started, ended) = reports(drlc.advance(FAR))
    assert started[1] == STARTED
    assert start <= started[2] <= start + 30 * MINUTE
    assert ended[1] == COMPLETED
    assert start + 60 * MINUTE <= ended[2] <= start + 70 * MINUTE


def test_rule_12_randomization_actually_varies() -> None:
    """Rule 12: the offsets are random: different seeds give different effective times."""
    starts, ends = set(), set()
    for seed in range(8):
        drlc = engine(start_minutes=30, end_minutes=10, seed=seed)
        drlc.receive_event(lce(duration_in_minutes=60, event_control=0x03), ESI, T0)
        ((_, _, s), (_, _, e)) = reports(drlc.advance(FAR))
        starts.add(s)
        ends.add(e)
    assert len(starts) > 1
    assert len(ends) > 1


@pytest.mark.parametrize(
    ("event_control", "start_minutes", "end_minutes"),
    [(0x00, 30, 10), (0x03, 0, 0), (0x01, 0, 10), (0x02, 30, 0)],
)
def test_rule_12_no_randomization_gives_exact_times(
    event_control: int, start_minutes: int, end_minutes: int
) -> None:
    """Rule 12: randomization applies only with its Event Control bit set, and "0 disables that
    randomization"."""
    drlc = engine(start_minutes=start_minutes, end_minutes=end_minutes)
    start = T0 + 10 * MINUTE
    drlc.receive_event(lce(duration_in_minutes=60, event_control=event_control), ESI, T0)
    assert reports(drlc.advance(FAR)) == [(1, STARTED, start), (1, COMPLETED, start + 60 * MINUTE)]


@pytest.mark.parametrize("seed", range(6))
def test_rule_12_randomization_is_limited_to_60_minutes(seed: int) -> None:
    """Rule 12: "Both attributes are limited to 60 minutes (0x3C)"."""
    drlc = engine(start_minutes=0xFF, end_minutes=0xFF, seed=seed)
    start = T0 + 10 * MINUTE
    drlc.receive_event(lce(duration_in_minutes=1440, event_control=0x03), ESI, T0)
    started, ended = reports(drlc.advance(FAR))
    assert start <= started[2] <= start + 60 * MINUTE
    assert start + 1440 * MINUTE <= ended[2] <= start + 1440 * MINUTE + 60 * MINUTE


def test_rule_12_settings_are_read_when_the_event_arrives() -> None:
    """The randomization attributes are writable (§2.5.1): the value at acceptance applies."""
    drlc = engine(start_minutes=30)
    drlc.settings.start_randomization_minutes = 0
    drlc.receive_event(lce(event_control=0x01), ESI, T0)
    assert reports(drlc.advance(FAR))[0][2] == T0 + 10 * MINUTE


def test_rule_13_successor_without_start_randomization_cuts_the_randomized_end() -> None:
    """Rule 13: "For back-to-back (successive) events the device must not create an artificial
    gap: the next event's effective start takes precedence over the previous event's randomized
    end"."""
    drlc = engine(end_minutes=30, seed=3)
    first_end = T0 + 40 * MINUTE
    drlc.receive_event(lce(1, event_control=0x02), ESI, T0)
    drlc.receive_event(lce(2, start_time=first_end), ESI, T0)
    out = drlc.advance(FAR)
    assert reports(out)[1:3] == [(1, COMPLETED, first_end), (2, STARTED, first_end)]


def test_rule_13_successor_start_randomization_cannot_open_a_gap() -> None:
    """Rule 13: "FSL uses min(startRand, endRand) for a successive event's start": after an event
    without end randomization, the next one starts exactly where it ends."""
    drlc = engine(start_minutes=30, seed=5)
    first_end = T0 + 40 * MINUTE
    drlc.receive_event(lce(1), ESI, T0)
    drlc.receive_event(lce(2, start_time=first_end, event_control=0x01), ESI, T0)
    out = drlc.advance(FAR)
    assert reports(out)[1:3] == [(1, COMPLETED, first_end), (2, STARTED, first_end)]


def test_rule_13_successor_received_first_still_has_no_gap() -> None:
    """Rule 13 whatever the order of arrival: the predecessor arrives after its successor."""
    drlc = engine(start_minutes=30, seed=5)
    first_end = T0 + 40 * MINUTE
    drlc.receive_event(lce(2, start_time=first_end, event_control=0x01), ESI, T0)
    drlc.receive_event(lce(1), ESI, T0)
    out = drlc.advance(FAR)
    assert reports(out)[1:3] == [(1, COMPLETED, first_end), (2, STARTED, first_end)]


def test_rule_13_predecessor_arriving_later_brings_the_superseding_start_forward() -> None:
    """Rule 13 (FSL min(startRand, endRand)) and rule 9 together: a predecessor without end
    randomization, received after its randomized successor, makes the successor start exactly
    at its nominal start — and the running event the successor supersedes gives up its class
    at that same moment."""
    drlc = engine(start_minutes=30, seed=2)
    drlc.receive_event(
        lce(1, device_class=HVAC | WATER, start_time=0, duration_in_minutes=120), ESI, T0
    )
    meet = T0 + 40 * MINUTE
    drlc.receive_event(
        lce(2, device_class=HVAC | STRIP, start_time=meet, event_control=0x01), ESI, T0
    )
    delayed = next(e for e in drlc.events() if e.issuer_event_id == 2).effective_start
    assert delayed > meet  # seed 2 draws a start delay
    drlc.receive_event(lce(3, device_class=STRIP, start_time=T0 + 10 * MINUTE), ESI, T0)
    out = drlc.advance(meet)
    assert reports(out)[-2:] == [(3, COMPLETED, meet), (2, STARTED, meet)]
    running = {e.issuer_event_id: e.device_class for e in drlc.active()}
    assert running == {1: WATER, 2: HVAC | STRIP}


def test_rule_13_event_whose_successor_already_started_is_superseded() -> None:
    """Rule 13: "the next event's effective start takes precedence": an event received when its
    whole window is over but for its last instant (rule 5 accepts it: current time is not
    > start + duration), whose successor already runs on its class, never starts."""
    drlc = engine()
    drlc.receive_event(lce(1, start_time=0), ESI, T0)  # running from T0
    out = drlc.receive_event(lce(2, start_time=T0 - 10 * MINUTE, duration_in_minutes=10), ESI, T0)
    assert reports(out) == [(2, RECEIVED, T0), (2, SUPERSEDED, T0)]
    assert [e.issuer_event_id for e in drlc.active()] == [1]


@pytest.mark.parametrize("seed", range(10))
def test_rule_13_both_randomized_successive_events_meet(seed: int) -> None:
    """Rule 13 with both randomizations: no gap and no overlap — the first ends when the next
    starts, inside both windows of rule 12."""
    drlc = engine(start_minutes=20, end_minutes=20, seed=seed)
    first_end = T0 + 40 * MINUTE
    drlc.receive_event(lce(1, event_control=0x03), ESI, T0)
    drlc.receive_event(lce(2, start_time=first_end, event_control=0x03), ESI, T0)
    by_status = {(i, s): t for i, s, t in reports(drlc.advance(FAR))}
    end_1, start_2 = by_status[1, COMPLETED], by_status[2, STARTED]
    assert end_1 == start_2
    assert first_end <= start_2 <= first_end + 20 * MINUTE


def test_rule_13_gap_between_events_that_are_not_successive_stays() -> None:
    """Rule 13: "Gaps are acceptable between events that are neither successive nor
    overlapping"."""
    drlc = engine()
    drlc.receive_event(lce(1), ESI, T0)
    drlc.receive_event(lce(2, start_time=T0 + 50 * MINUTE), ESI, T0)
    assert reports(drlc.advance(FAR)) == [
        (1, STARTED, T0 + 10 * MINUTE),
        (1, COMPLETED, T0 + 40 * MINUTE),
        (2, STARTED, T0 + 50 * MINUTE),
        (2, COMPLETED, T0 + 80 * MINUTE),
    ]


def test_rule_14_current_state_is_kept_during_the_random_delay() -> None:
    """Rule 14: "During a random delay the device keeps its current state": a running event that
    a randomized event supersedes runs until the new event's effective start."""
    drlc = engine(start_minutes=30, seed=7)
    drlc.receive_event(lce(1, start_time=0, duration_in_minutes=120), ESI, T0)
    new_start = T0 + 20 * MINUTE
    drlc.receive_event(lce(2, start_time=new_start, event_control=0x01), ESI, T0)
    effective = next(e for e in drlc.events() if e.issuer_event_id == 2).effective_start
    assert new_start < effective <= new_start + 30 * MINUTE  # seed 7 draws a delay
    drlc.advance(effective - 1)
    assert [(e.issuer_event_id, e.device_class) for e in drlc.active()] == [(1, HVAC)]
    assert reports(drlc.advance(effective)) == [(1, SUPERSEDED, effective), (2, STARTED, effective)]


# --- rules 15–19: cancel -------------------------------------------------------------------------


def test_rule_15_cancel_of_unknown_event_reports_0xfd() -> None:
    """Rule 15: "Cancel for an unknown Issuer Event ID → Report Event Status 0xFD"."""
    drlc = engine()
    drlc.receive_event(lce(1), ESI, T0)
    request = cancel(9)
    out = drlc.receive_cancel(request, ESI2, T0 + 1)
    assert reports(out) == [(9, REJECTED_CANCEL_UNDEFINED, T0 + 1)]
    assert only(out, ReportStatus)[0].servers == (ESI2,)
    assert [(r.status, r.cancel) for r in only(out, CancelReceived)] == [(NOT_FOUND, request)]
    assert len(drlc.events()) == 1


def test_rule_16_cancel_for_another_enrollment_group_reports_0xf8() -> None:
    """Rule 16: "Cancel whose UEG does not match → 0xF8 (FSL)"."""
    drlc = engine(group=5)
    drlc.receive_event(lce(1, utility_enrollment_group=5), ESI, T0)
    out = drlc.receive_cancel(cancel(1, utility_enrollment_group=6), ESI, T0 + 1)
    assert reports(out) == [(1, REJECTED_CANCEL, T0 + 1)]
    assert len(drlc.events()) == 1


def test_rule_16_cancel_for_another_device_class_does_nothing() -> None:
    """Rule 16: "device-class mismatch → no action (FSL)"."""
    drlc = engine()
    drlc.receive_event(lce(1, device_class=HVAC), ESI, T0)
    out = drlc.receive_cancel(cancel(1, device_class=WATER), ESI, T0 + 1)
    assert only(out, Ignored)
    assert not only(out, ReportStatus)
    assert reports(drlc.advance(FAR)) == [
        (1, STARTED, T0 + 10 * MINUTE),
        (1, COMPLETED, T0 + 40 * MINUTE),
    ]


@pytest.mark.parametrize(
    "effective",
    [
        pytest.param(0xFFFFFFFF, id="0xFFFFFFFF"),
        pytest.param(T0 + 40 * MINUTE, id="at-end"),
        pytest.param(T0 + 41 * MINUTE, id="after-end"),
    ],
)
def test_rule_17_cancel_effective_at_or_after_the_end_reports_0xf9(effective: int) -> None:
    """Rule 17: "Effective Time 0xFFFFFFFF, or at/after the event's end → 0xF9"."""
    drlc = engine()
    drlc.receive_event(lce(1), ESI, T0)  # ends at T0 + 40 min
    out = drlc.receive_cancel(cancel(1, effective_time=effective), ESI, T0 + 1)
    assert reports(out) == [(1, REJECTED_CANCEL_TIME, T0 + 1)]
    assert [s for _, s, _ in reports(drlc.advance(FAR))] == [STARTED, COMPLETED]


def test_rule_18_cancel_now_of_a_scheduled_event() -> None:
    """Rule 18: "Otherwise the event ends at Effective Time (0 = now) … When it ends the client
    sends 0x06 'cancelled'"."""
    drlc = engine()
    drlc.receive_event(lce(1), ESI, T0)
    request = cancel(1)
    out = drlc.receive_cancel(request, ESI, T0 + 5)
    assert reports(out) == [(1, CANCELLED, T0 + 5)]
    assert [(r.status, r.cancel) for r in only(out, CancelReceived)] == [(SUCCESS, request)]
    assert drlc.events() == ()


def test_rule_18_cancel_at_a_future_effective_time() -> None:
    """Rule 18: a running event ends at the Effective Time with 0x06."""
    drlc = engine()
    drlc.receive_event(lce(1), ESI, T0)
    drlc.advance(T0 + 10 * MINUTE)
    when = T0 + 15 * MINUTE
    assert reports(drlc.receive_cancel(cancel(1, effective_time=when), ESI, T0 + 11 * MINUTE)) == []
    assert reports(drlc.advance(FAR)) == [(1, CANCELLED, when)]


@pytest.mark.parametrize("seed", range(6))
def test_rule_18_terminate_with_randomization_delays_a_running_event(seed: int) -> None:
    """Rule 18: "if Cancel Control bit0 is set and the event is running, the end is delayed by
    the event's end-randomization value"; rule 12 bounds that value by
    DurationRandomizationMinutes."""
    drlc = engine(end_minutes=10, seed=seed)
    drlc.receive_event(lce(1, event_control=0x02), ESI, T0)
    drlc.advance(T0 + 10 * MINUTE)
    now = T0 + 15 * MINUTE
    drlc.receive_cancel(cancel(1, cancel_control=0x01), ESI, now)
    ((_, status, when),) = reports(drlc.advance(FAR))
    assert status == CANCELLED
    assert now <= when <= now + 10 * MINUTE


def test_rule_18_terminate_with_randomization_of_a_scheduled_event_is_immediate() -> None:
    """Rule 18: the delay applies only "if … the event is running"."""
    drlc = engine(end_minutes=10)
    drlc.receive_event(lce(1, event_control=0x02), ESI, T0)
    out = drlc.receive_cancel(cancel(1, cancel_control=0x01), ESI, T0 + 5)
    assert reports(out) == [(1, CANCELLED, T0 + 5)]


def test_rule_18_cancel_without_bit0_is_not_delayed() -> None:
    """Rule 18: without Cancel Control bit0, the running event ends at the Effective Time."""
    drlc = engine(end_minutes=10)
    drlc.receive_event(lce(1, event_control=0x02), ESI, T0)
    drlc.advance(T0 + 10 * MINUTE)
    out = drlc.receive_cancel(cancel(1), ESI, T0 + 15 * MINUTE)
    assert reports(out) == [(1, CANCELLED, T0 + 15 * MINUTE)]


def test_rule_19_cancel_all_cancels_every_event() -> None:
    """Rule 19: "Cancel All: applies the cancel (effective now, with the given Cancel Control) to
    every stored event, one Report Event Status 0x06 per event"."""
    drlc = engine()
    drlc.receive_event(lce(1, start_time=0), ESI, T0)
    drlc.receive_event(lce(2, device_class=WATER), ESI, T0)
    drlc.receive_event(lce(3, start_time=T0 + 3600), ESI2, T0)
    out = drlc.receive_cancel_all(0x00, ESI, T0 + 60)
    assert sorted(reports(out)) == [(i, CANCELLED, T0 + 60) for i in (1, 2, 3)]
    assert not only(out, DefaultResponse)
    assert drlc.events() == ()
    assert only(out, ActiveChanged)[-1].events == ()


def test_rule_19_cancel_all_with_nothing_stored_answers_default_response() -> None:
    """Rule 19: "if nothing was stored, Default Response SUCCESS (EMB)"."""
    drlc = engine()
    (answer,) = drlc.receive_cancel_all(0x00, ESI, T0)
    assert isinstance(answer, DefaultResponse)
    assert (answer.status, answer.server) == (SUCCESS, ESI)


@pytest.mark.parametrize("seed", range(4))
def test_rule_19_cancel_all_with_randomization(seed: int) -> None:
    """Rule 19 with Cancel Control bit0: running events end within their end randomization,
    scheduled ones at once."""
    drlc = engine(end_minutes=10, seed=seed)
    drlc.receive_event(lce(1, start_time=0, event_control=0x02), ESI, T0)
    drlc.receive_event(lce(2, device_class=WATER, event_control=0x02), ESI, T0)
    out = drlc.receive_cancel_all(0x01, ESI, T0 + 60)
    assert reports(out) == [(2, CANCELLED, T0 + 60)]
    ((_, status, when),) = reports(drlc.advance(FAR))
    assert status == CANCELLED
    assert T0 + 60 <= when <= T0 + 60 + 10 * MINUTE


# --- rule 20: opt-in / opt-out -------------------------------------------------------------------


def test_rule_20_opt_out_while_running_completes_partially_with_opt_out() -> None:
    """Rule 20: "Opting out/in while running marks the event 'partial'; completion then reports
    0x08 (partial with opt-out)"."""
    drlc = engine()
    drlc.receive_event(lce(1, start_time=0), ESI, T0)
    out = drlc.opt_out(1, T0 + 60)
    assert reports(out) == [(1, OPTED_OUT, T0 + 60)]
    (changed,) = only(out, ActiveChanged)
    assert [e.opted_out for e in changed.events] == [True]
    assert reports(drlc.advance(FAR)) == [(1, PARTIAL_OPT_OUT, T0 + 30 * MINUTE)]


def test_rule_20_opt_in_again_completes_partially_with_opt_in() -> None:
    """Rule 20: "… or 0x09 (partial with opt-in)"."""
    drlc = engine()
    drlc.receive_event(lce(1, start_time=0), ESI, T0)
    drlc.opt_out(1, T0 + 60)
    assert reports(drlc.opt_in(1, T0 + 120)) == [(1, OPTED_IN, T0 + 120)]
    assert reports(drlc.advance(FAR)) == [(1, PARTIAL_OPT_IN, T0 + 30 * MINUTE)]


def test_rule_20_opted_out_before_start_then_in_while_running() -> None:
    """Rules 7 and 20: 0x04 at the start, 0x05 on opting in, then 0x09 at the end."""
    drlc = engine()
    drlc.receive_event(lce(1), ESI, T0)
    drlc.opt_out(1, T0)
    start = T0 + 10 * MINUTE
    assert reports(drlc.advance(start)) == [(1, OPTED_OUT, start)]
    assert reports(drlc.opt_in(1, start + 60)) == [(1, OPTED_IN, start + 60)]
    assert reports(drlc.advance(FAR)) == [(1, PARTIAL_OPT_IN, start + 30 * MINUTE)]


def test_rule_20_repeated_choice_and_unknown_event() -> None:
    """Rule 20: only a change of the user's choice is reported; an unknown event is an error."""
    drlc = engine()
    drlc.receive_event(lce(1, start_time=0), ESI, T0)
    assert drlc.opt_in(1, T0 + 1) == []
    drlc.opt_out(1, T0 + 2)
    assert drlc.opt_out(1, T0 + 3) == []
    with pytest.raises(KeyError):
        drlc.opt_out(7, T0 + 4)


# --- Report Event Status contents ----------------------------------------------------------------


def test_report_carries_the_applied_values_of_the_event() -> None:
    """§2.5.2 Report Event Status: the "applied" fields are the event's criticality, set points,
    load adjustment, duty cycle and event control; encodable by the codec."""
    drlc = engine()
    event = lce(
        criticality_level=0x05,
        cooling_temperature_set_point=2500,
        heating_temperature_set_point=1900,
        average_load_adjustment_percentage=-20,
        duty_cycle=50,
        event_control=0x00,
    )
    (report,) = only(drlc.receive_event(event, ESI, T0), ReportStatus)
    assert report == ReportStatus(
        servers=(ESI,),
        issuer_event_id=1,
        event_status=RECEIVED,
        event_status_time=T0,
        criticality_level_applied=0x05,
        cooling_temperature_set_point_applied=2500,
        heating_temperature_set_point_applied=1900,
        average_load_adjustment_percentage_applied=-20,
        duty_cycle_applied=50,
        event_control=0x00,
    )
    command = Drlc.commands.report_event_status
    data = command.encode(report.payload())
    assert len(data) == 60  # §2.5.2: 18 + 42 with the signature block
    decoded, _ = command.decode(data, 0)
    assert decoded.event_status == RECEIVED
    assert decoded.signature_type == 0x00
    assert decoded.signature == b"\xff" * 42


def test_report_uses_not_used_values_where_the_event_does() -> None:
    """§2.5.2: 0x8000, 0x80 and 0xFF are the "not used" values of the applied fields."""
    drlc = engine()
    (report,) = only(drlc.receive_event(lce(), ESI, T0), ReportStatus)
    assert report.cooling_temperature_set_point_applied == SET_POINT_NOT_USED
    assert report.heating_temperature_set_point_applied == SET_POINT_NOT_USED
    assert report.average_load_adjustment_percentage_applied == PERCENT_NOT_USED
    assert report.duty_cycle_applied == U8_NOT_USED
    data = Drlc.commands.report_event_status.encode(report.payload())
    assert data[10:16] == bytes.fromhex("0080 0080 80 FF")


def test_unsigned_wire_forms_of_not_used_values_are_understood() -> None:
    """A plain record may carry 0x8000 / 0x80 (the wire bytes) for "not used"."""
    drlc = engine()
    event = lce()._replace(
        cooling_temperature_set_point=0x8000, average_load_adjustment_percentage=0x80
    )
    (report,) = only(drlc.receive_event(event, ESI, T0), ReportStatus)
    assert report.event_status == RECEIVED
    assert report.cooling_temperature_set_point_applied == SET_POINT_NOT_USED


def test_decoded_frame_from_the_reference_drives_the_engine() -> None:
    """The §6.6 Load Control Event: 0x0FFF, start now, 60 minutes, level 4 (0x05), randomize
    start and end. With the attribute defaults (start 0x1E minutes, duration 0) the start falls
    in [now, now + 30 min] and the end is exactly start + 60 min."""
    frame = decode_frame(
        annotated_hex("""
        09 01 00  78 56 34 12  FF 0F  00  00 00 00 00  3C 00  05  FF FF
        00 80  00 80  80  FF  03
        """),
        Drlc,
    )
    drlc = DrlcEngine(DrlcClientSettings(device_class=HVAC), seeded(11))
    out = drlc.receive_event(frame.payload, ESI, T0)
    assert (0x12345678, RECEIVED, T0) in reports(out)
    events = reports(out + drlc.advance(FAR))
    (start,) = [t for _, s, t in events if s == STARTED]
    (end,) = [t for _, s, t in events if s == COMPLETED]
    assert T0 <= start <= T0 + 30 * MINUTE
    assert end == T0 + 60 * MINUTE


def test_out_of_wire_range_value_is_a_caller_error() -> None:
    """A value no frame can carry is the caller's mistake, not the ESI's: ValueError."""
    drlc = engine()
    with pytest.raises(ValueError, match="duty_cycle"):
        drlc.receive_event(lce()._replace(duty_cycle=300), ESI, T0)


# --- views, wakeups, idempotence -----------------------------------------------------------------


def test_events_and_active_views() -> None:
    drlc = engine()
    drlc.receive_event(lce(1, start_time=0), ESI, T0)
    drlc.receive_event(lce(2, device_class=WATER), ESI, T0)
    events = drlc.events()
    assert [(e.issuer_event_id, e.state) for e in events] == [
        (1, EventState.running),
        (2, EventState.scheduled),
    ]
    assert (events[1].effective_start, events[1].effective_end) == (
        T0 + 10 * MINUTE,
        T0 + 40 * MINUTE,
    )
    assert [e.issuer_event_id for e in drlc.active()] == [1]
    assert drlc.next_wakeup() == T0 + 10 * MINUTE


def test_advance_is_idempotent_for_the_same_now() -> None:
    drlc = engine()
    drlc.receive_event(lce(1), ESI, T0)
    first = drlc.advance(T0 + 10 * MINUTE)
    assert reports(first) == [(1, STARTED, T0 + 10 * MINUTE)]
    assert drlc.advance(T0 + 10 * MINUTE) == []


# --- persistence ---------------------------------------------------------------------------------


def _run(drlc: DrlcEngine, steps: list[tuple[str, int]]) -> list[Output]:
    out: list[Output] = []
    for what, when in steps:
        if what == "advance":
            out += drlc.advance(when)
        elif what == "opt_out":
            out += drlc.opt_out(2, when)
        elif what == "cancel":
            out += drlc.receive_cancel(cancel(1, cancel_control=0x01), ESI, when)
    return out


def test_snapshot_and_restore_mid_event_carries_on_exactly() -> None:
    """After restore (through JSON, with a different random generator) the engine continues
    where it left off: the random offsets already drawn are kept."""
    settings = DrlcClientSettings(
        device_class=HVAC | WATER, start_randomization_minutes=30, duration_randomization_minutes=20
    )
    original = DrlcEngine(settings, seeded(21))
    original.receive_event(
        lce(1, start_time=0, duration_in_minutes=60, event_control=0x03), ESI, T0
    )
    original.receive_event(lce(2, device_class=WATER, event_control=0x03), ESI2, T0)
    original.receive_event(lce(2, device_class=WATER, event_control=0x03), ESI, T0 + 1)
    original.advance(T0 + 20 * MINUTE)
    assert original.active()  # mid-event

    saved = json.loads(json.dumps(original.snapshot()))
    restored = DrlcEngine.restore(saved, settings, seeded(999))
    assert restored.events() == original.events()
    assert restored.next_wakeup() == original.next_wakeup()

    steps = [
        ("advance", T0 + 25 * MINUTE),
        ("opt_out", T0 + 26 * MINUTE),
        ("cancel", T0 + 30 * MINUTE),
        ("advance", FAR),
    ]
    expected = _run(original, steps)
    assert _run(restored, steps) == expected
    assert reports(expected)  # the rest of the run did report


def test_restore_refuses_an_unknown_snapshot_version() -> None:
    with pytest.raises(ValueError, match="version"):
        DrlcEngine.restore({"version": 99}, DrlcClientSettings(device_class=HVAC), seeded())


def test_snapshot_keeps_tuple_server_addresses() -> None:
    """Server addresses are opaque: a (address, endpoint) tuple survives JSON as a tuple."""
    drlc = engine()
    server = (ESI, 0x5E)
    drlc.receive_event(lce(1), server, T0)
    saved = json.loads(json.dumps(drlc.snapshot()))
    restored = DrlcEngine.restore(saved, drlc.settings, seeded())
    out = restored.advance(FAR)
    assert {r.servers for r in only(out, ReportStatus)} == {(server,)}


# --- property: invariants over random command sequences ------------------------------------------

TERMINAL = {COMPLETED, CANCELLED, SUPERSEDED, PARTIAL_OPT_OUT, PARTIAL_OPT_IN, NO_PARTICIPATION}
COMMAND_ANSWERS = {REJECTED_CANCEL, REJECTED_CANCEL_TIME, REJECTED_CANCEL_UNDEFINED}


@dataclasses.dataclass
class _Life:
    """One accepted event's statuses, checked against rules 7, 9, 18 and 20."""

    servers: list[Hashable]
    running: bool = False
    opted_out: bool = False
    changed: bool = False
    statuses: list[int] = dataclasses.field(default_factory=list)


class _LifeChecker:
    def __init__(self) -> None:
        self.open: dict[int, _Life] = {}
        self.accepted = 0
        self.closed = 0
        self.last_time = 0

    def feed(self, report: ReportStatus) -> None:
        status, event_id = int(report.event_status), report.issuer_event_id
        assert report.event_status_time >= self.last_time, "statuses in time order"
        self.last_time = report.event_status_time
        if status in COMMAND_ANSWERS or status in (REJECTED, REJECTED_EXPIRED):
            assert len(report.servers) == 1
            return
        life = self.open.get(event_id)
        if status == RECEIVED:
            (server,) = report.servers
            if life is None:
                self.open[event_id] = _Life([server], statuses=[status])
                self.accepted += 1
            else:
                assert server not in life.servers, "one 0x01 per ESI"
                life.servers.append(server)
            return
        assert life is not None, f"status {status:#x} for an event not accepted"
        assert list(report.servers) == life.servers, "every ESI that sent it"
        life.statuses.append(status)
        self._step(life, status)
        if status in TERMINAL:
            del self.open[event_id]
            self.closed += 1

    @staticmethod
    def _step(life: _Life, status: int) -> None:
        if not life.running:
            assert status in {STARTED, OPTED_OUT, CANCELLED, SUPERSEDED}, life.statuses
            life.running = status in {STARTED, OPTED_OUT}
            life.opted_out = status == OPTED_OUT
            return
        if status == OPTED_OUT:
            assert not life.opted_out
            life.opted_out = life.changed = True
        elif status == OPTED_IN:
            assert life.opted_out
            life.opted_out, life.changed = False, True
        elif status == COMPLETED:
            assert not life.changed
            assert not life.opted_out
        elif status == NO_PARTICIPATION:
            assert not life.changed
            assert life.opted_out
        elif status == PARTIAL_OPT_OUT:
            assert life.changed
            assert life.opted_out
        elif status == PARTIAL_OPT_IN:
            assert life.changed
            assert not life.opted_out
        else:
            assert status in {CANCELLED, SUPERSEDED}, life.statuses


_ids = st.integers(1, 4)
_classes = st.integers(1, 15)  # the client has 0x0007: 0x0008 matches nothing (rule 1)
_groups = st.sampled_from([0, 0, 1, 2])
_servers = st.sampled_from([ESI, ESI2])
# Start and effective times on a 10-minute grid around T0, so that events often meet end to
# start (rule 13) and overlap (rule 8); None is 0, "now".
_times = st.one_of(st.none(), st.integers(-3, 24).map(lambda k: T0 + 10 * MINUTE * k))
_event_op = st.tuples(
    st.just("event"),
    _ids,
    _classes,
    _groups,
    _times,
    st.sampled_from([0, 10, 20, 30, 60, 1441]),
    st.integers(0, 3),  # event control
    _servers,
    st.sampled_from([0x00, 0x01, 0x02, 0x05, 0x07, 0x09, 0x0F, 0x10]),  # rule 3: 0x00, 0x10
)
_other_op = st.one_of(
    st.tuples(
        st.just("cancel"),
        _ids,
        _classes,
        _groups,
        st.integers(0, 1),  # cancel control
        st.one_of(_times, st.just(0xFFFFFFFF)),
        _servers,
    ),
    st.tuples(st.sampled_from(["opt_out", "opt_in"]), _ids),
    st.tuples(st.just("advance")),
)
_cancel_all_op = st.tuples(st.just("cancel_all"), st.integers(0, 1), _servers)
# half events, a few Cancel All (each one clears the board), the rest the other commands
_ops = st.integers(0, 19).flatmap(
    lambda k: _event_op if k < 10 else _cancel_all_op if k == 10 else _other_op
)


def _apply(drlc: DrlcEngine, op: tuple[Any, ...], now: int) -> list[Output]:
    kind = op[0]
    if kind == "event":
        _, event_id, classes, group, start, duration, control, server, criticality = op
        event = lce(
            event_id,
            device_class=classes,
            utility_enrollment_group=group,
            start_time=start or 0,
            duration_in_minutes=duration,
            event_control=control,
            criticality_level=criticality,
        )
        return drlc.receive_event(event, server, now)
    if kind == "cancel":
        _, event_id, classes, group, control, effective, server = op
        request = cancel(
            event_id,
            device_class=classes,
            utility_enrollment_group=group,
            cancel_control=control,
            effective_time=effective or 0,
        )
        return drlc.receive_cancel(request, server, now)
    if kind == "cancel_all":
        return drlc.receive_cancel_all(op[1], op[2], now)
    if kind in ("opt_out", "opt_in"):
        stored = {e.issuer_event_id for e in drlc.events()}
        method = drlc.opt_out if kind == "opt_out" else drlc.opt_in
        if op[1] not in stored:
            with pytest.raises(KeyError):
                method(op[1], now)
            return []
        return method(op[1], now)
    return drlc.advance(now)


def _check_state(drlc: DrlcEngine, now: int, out: list[Output]) -> None:
    for changed in [*only(out, ActiveChanged), ActiveChanged(drlc.active())]:
        held = 0
        for running in changed.events:
            assert not held & running.device_class, "two running events share a class"
            held |= running.device_class
    views = drlc.events()
    assert drlc.advance(now) == [], "advance() is idempotent"
    assert drlc.events() == views
    wake = drlc.next_wakeup()
    assert wake is None or wake > now
    assert all(e.device_class for e in views)


_settings = st.builds(
    DrlcClientSettings,
    device_class=st.just(HVAC | STRIP | WATER),
    utility_enrollment_group=st.integers(0, 2),
    start_randomization_minutes=st.integers(0, 60),
    duration_randomization_minutes=st.integers(0, 60),
)


@given(
    ops=st.lists(st.tuples(st.sampled_from([0, 1, 5, 10]), _ops), max_size=25),
    settings=_settings,
    seed=st.integers(0, 2**16),
    restore_at=st.integers(0, 25),
)
def test_property_statuses_follow_the_rules(
    ops: list[tuple[int, tuple[Any, ...]]],
    settings: DrlcClientSettings,
    seed: int,
    restore_at: int,
) -> None:
    """Any sequence of events, cancels, opt-outs and advances: each accepted event gets exactly
    one terminal status, its statuses come in a legal order (rules 7, 9, 18, 20) and go to every
    ESI that sent it, no two running events share a device class, advance() is idempotent, and a
    snapshot restored mid-way (with the generator in the same state) behaves identically."""
    rng = seeded(seed)
    drlc = DrlcEngine(settings, rng)
    twin: DrlcEngine | None = None
    checker = _LifeChecker()
    received = 0
    now = T0
    for index, (minutes, op) in enumerate(ops):
        if index == restore_at:
            twin_rng = seeded()
            twin_rng.setstate(rng.getstate())
            saved = json.loads(json.dumps(drlc.snapshot()))
            twin = DrlcEngine.restore(saved, dataclasses.replace(settings), twin_rng)
        now += minutes * MINUTE
        # advance(now) after the op settles an opt-out that raised (it changes nothing)
        out = _apply(drlc, op, now) + drlc.advance(now)
        if twin is not None:
            assert _apply(twin, op, now) + twin.advance(now) == out
        received += sum(1 for r in only(out, Received) if r.status == SUCCESS)
        for report in only(out, ReportStatus):
            checker.feed(report)
        _check_state(drlc, now, out)
    for report in only(drlc.advance(FAR), ReportStatus):
        checker.feed(report)
    assert drlc.events() == ()
    assert checker.open == {}, "every accepted event ended"
    assert checker.accepted == checker.closed == received
