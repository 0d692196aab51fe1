"""The ESI's Time server read over the air (se-spec.md §2.3).

Expected values come from the published daylight-saving rules, written out by hand (EU: last
Sunday of March / October at 01:00 UTC; US: second Sunday of March / first Sunday of November at
02:00 local; New South Wales: first Sunday of October / April), not from ``zoneinfo``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from segateway.se.app import SeConfig

from .esikit import IPD_A, TIME, client, exchange, hexb, le
from .sekit import Home

ZCL_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def utc(*when: int) -> int:
    """ZCL UTCTime of a UTC date and time (seconds since 2000-01-01 00:00 UTC)."""
    return int((datetime(*when, tzinfo=UTC) - ZCL_EPOCH).total_seconds())  # type: ignore[misc]


def _home(zone: str | None = None) -> Home:
    extra = {} if zone is None else {"time_zone": zone}
    return Home(config=SeConfig(refresh_rate=0, extra=extra))


def _read_all(home: Home, at: int) -> list[bytes]:
    """Read the ten attributes in two requests (one answer would not fit in a frame)."""
    probe = client(home, IPD_A)
    home.timebase.set(at)  # synchronized; the answers leave within this second
    probe.send(0x0000, TIME, hexb("00 40 00 0000 0100 0200 0300 0400"))
    probe.send(0x0000, TIME, hexb("00 41 00 0500 0600 0700 0800 0900"))
    home.run(0.5)
    return [p.payload for p in probe.received if p.cluster_id == TIME]


def _expected(t: int, zone: int, *, start: int, end: int, shift: int, local: int) -> list[bytes]:
    return [
        hexb(
            "18 40 01"  # Read Attributes Response, server → client, no default response
            f"0000 00 E2 {le(t, 4)}"  # Time (UTCTime)
            "0100 00 18 0D"  # TimeStatus: Master | MasterZoneDst | Superseding
            f"0200 00 2B {le(zone, 4)}"  # TimeZone (int32)
            f"0300 00 23 {le(start, 4)}"  # DstStart (uint32)
            f"0400 00 23 {le(end, 4)}"  # DstEnd (uint32)
        ),
        hexb(
            "18 41 01"
            f"0500 00 2B {le(shift, 4)}"  # DstShift (int32)
            f"0600 00 23 {le(t + zone, 4)}"  # StandardTime = Time + TimeZone
            f"0700 00 23 {le(local, 4)}"  # LocalTime
            f"0800 00 E2 {le(t, 4)}"  # LastSetTime: when the time was set
            f"0900 00 E2 {le(t + 86400, 4)}"  # ValidUntilTime: a day later
        ),
    ]


def test_time_and_time_status_match_the_spec_vector() -> None:
    """se-spec.md §2.3: an authoritative ESI advertises TimeStatus 0x0D (Master|MasterZoneDst|
    Superseding); §6.6 Time read response (TSN 0x0A): Time 812653568, TimeStatus 0x0D."""
    home = _home()
    probe = client(home, IPD_A)
    home.timebase.set(812653568)
    answers = exchange(home, probe, TIME, "00 0A 00 0000 0100")
    assert answers == [hexb("18 0A 01 00 00 00 E2 00 1C 70 30 01 00 00 18 0D")]


def test_local_time_adds_the_dst_shift_during_daylight_saving_time() -> None:
    """se-spec.md §2.3: "StandardTime = Time + TimeZone; LocalTime = StandardTime + DstShift
    while DstStart ≤ Time < DstEnd". Europe/Paris on 2026-07-01 12:00 UTC: UTC+1, summer time
    from 2026-03-29 01:00 UTC to 2026-10-25 01:00 UTC, one hour."""
    home = _home("Europe/Paris")
    t = utc(2026, 7, 1, 12, 0, 0)
    start, end = utc(2026, 3, 29, 1, 0, 0), utc(2026, 10, 25, 1, 0, 0)
    assert _read_all(home, t) == _expected(
        t, 3600, start=start, end=end, shift=3600, local=t + 7200
    )


def test_outside_daylight_saving_time_local_time_is_standard_time() -> None:
    """se-spec.md §2.3 (as above) outside DST: LocalTime = StandardTime. America/New_York on
    2026-01-15 12:00 UTC: UTC-5; the next DST runs from 2026-03-08 07:00 UTC to 2026-11-01
    06:00 UTC."""
    home = _home("America/New_York")
    t = utc(2026, 1, 15, 12, 0, 0)
    start, end = utc(2026, 3, 8, 7, 0, 0), utc(2026, 11, 1, 6, 0, 0)
    assert _read_all(home, t) == _expected(
        t, -18000, start=start, end=end, shift=3600, local=t - 18000
    )


def test_a_southern_zone_whose_dst_spans_the_new_year() -> None:
    """Australia/Sydney (UTC+10) in January 2027 is in DST, from 2026-10-03 16:00 UTC (first
    Sunday of October, 02:00 local) to 2027-04-03 16:00 UTC (first Sunday of April, 03:00
    local): DstStart ≤ Time < DstEnd holds across the year boundary."""
    home = _home("Australia/Sydney")
    t = utc(2027, 1, 15, 0, 0, 0)
    start, end = utc(2026, 10, 3, 16, 0, 0), utc(2027, 4, 3, 16, 0, 0)
    assert _read_all(home, t) == _expected(
        t, 36000, start=start, end=end, shift=3600, local=t + 39600
    )


def test_without_a_configured_zone_the_server_runs_on_utc() -> None:
    """Brief (issue 4 §3): the zone comes from ``SeConfig.extra["time_zone"]``, UTC when absent;
    UTC has no DST, so DstStart and DstEnd are 0xFFFFFFFF (invalid) and DstShift 0."""
    home = _home()
    t = utc(2026, 7, 1, 12, 0, 0)
    invalid = 0xFFFFFFFF
    assert _read_all(home, t) == _expected(t, 0, start=invalid, end=invalid, shift=0, local=t)


def test_an_unsynchronized_esi_says_its_time_is_not_set() -> None:
    """se-spec.md §2.3: Time 0xFFFFFFFF means "not set"; clients "never pick a server that has
    neither Master nor Synchronized set". Until its clock is synchronized the ESI answers with
    TimeStatus 0x00 and Time 0xFFFFFFFF."""
    home = _home("Europe/Paris")
    probe = client(home, IPD_A)
    home.timebase.synchronized = False
    answers = exchange(home, probe, TIME, "00 41 00 0000 0100 0700")
    assert answers == [
        hexb("18 41 01 0000 00 E2 FFFFFFFF 0100 00 18 00 0700 00 23 FFFFFFFF"),
    ]


def test_writing_the_time_is_refused() -> None:
    """ZCL Write Attributes: a refused write gets its status in the Write Attributes Response
    (record: status, attribute id). The Master ESI's clock is set only by the gateway: READ_ONLY
    (0x88), and the time is unchanged."""
    home = _home()
    probe = client(home, IPD_A)
    before = home.timebase.now()
    answers = exchange(home, probe, TIME, "00 42 02 0000 E2 00000000 0200 2B 100E0000")
    assert answers == [hexb("18 42 04 88 0000 88 0200")]
    assert abs(home.timebase.now() - before) < 5


def test_an_unknown_zone_is_a_clear_error() -> None:
    """Bad configuration gets a clear error naming the setting, not a lookup failure."""
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        _home("Mars/Olympus")
