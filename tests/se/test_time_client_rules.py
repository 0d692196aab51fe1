"""Time rules: se-spec.md §2.3 (time-server selection, derived values) and the DST facts of real
zones.

Expected DST instants are public facts and are recomputed here from the legal rules (e.g. US:
second Sunday in March at 02:00 local standard time) with ``calendar``; the Time server's
LocalTime is checked against the wall clock ``zoneinfo`` shows. Nothing is copied from the engine.
"""

from __future__ import annotations

import calendar
import json
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.se.time_engine import (
    INVALID_TIME,
    TimeClient,
    TimeSource,
    ZoneRules,
    choose_time_server,
    server_attributes,
    zone_rules,
    zone_rules_at,
)
from segateway.zcl.clusters.time import Time, TimeStatus
from segateway.zcl.frame import decode_frame

MASTER, SYNCHRONIZED = TimeStatus.master, TimeStatus.synchronized
SUPERSEDING, ZONE_DST = TimeStatus.superseding, TimeStatus.master_zone_dst
T = 812653568  # se-spec.md §6.6: the Time read response's Time


def utc(*args: int) -> int:
    """ZCL UTCTime of a UTC calendar instant (epoch 2000-01-01, se-spec.md §1.4)."""
    return int((datetime(*args, tzinfo=UTC) - datetime(2000, 1, 1, tzinfo=UTC)).total_seconds())


def source(short: int, status: int, time: int = T, ieee: int | None = None) -> TimeSource:
    return TimeSource(
        (ieee if ieee is not None else 0x1000 + short, 1), short, time, TimeStatus(status)
    )


# --- selection (§2.3) ----------------------------------------------------------------------------


def test_master_superseding_beats_master() -> None:
    """§2.3 rule (1): "Master+Superseding over Master only" — even from a higher address."""
    best = source(0x7000, MASTER | SUPERSEDING)
    assert choose_time_server([source(0x0001, MASTER), best]) is best


def test_master_beats_not_master() -> None:
    """§2.3 rule (2): "Master over not-Master"."""
    best = source(0x7000, MASTER)
    assert choose_time_server([source(0x0001, SYNCHRONIZED), best]) is best


def test_lower_short_address_wins_among_equals() -> None:
    """§2.3 rule (3): "among equals, the lower short address"."""
    best = source(0x0002, MASTER)
    assert choose_time_server([source(0x0003, MASTER), best, source(0x1234, MASTER)]) is best
    sync = source(0x0010, SYNCHRONIZED)
    assert choose_time_server([source(0x0011, SYNCHRONIZED), sync]) is sync


def test_master_superseding_coordinator_always_wins() -> None:
    """§2.3: "(so a Master+Superseding coordinator always wins)"."""
    coordinator = source(0x0000, MASTER | ZONE_DST | SUPERSEDING)
    others = [source(s, MASTER | SUPERSEDING) for s in (0x0001, 0x8000, 0xFFF7)]
    assert choose_time_server([*others, coordinator]) is coordinator


def test_never_a_server_with_neither_master_nor_synchronized() -> None:
    """§2.3 rule (4): "never pick a server that has neither Master nor Synchronized set"."""
    assert choose_time_server([source(0x0000, 0), source(0x0001, ZONE_DST)]) is None
    assert choose_time_server([source(0x0000, SUPERSEDING | ZONE_DST)]) is None
    assert choose_time_server([]) is None


def test_superseding_without_master_counts_as_synchronized_only() -> None:
    """Superseding ranks among Master servers; without Master it adds nothing."""
    plain = source(0x0001, SYNCHRONIZED)
    assert choose_time_server([source(0x0002, SYNCHRONIZED | SUPERSEDING), plain]) is plain


def test_time_ffffffff_is_invalid() -> None:
    """§2.3: "a Time of 0xFFFFFFFF is invalid"."""
    fallback = source(0x0005, SYNCHRONIZED)
    unset = source(0x0000, MASTER | SUPERSEDING, time=0xFFFFFFFF)
    assert choose_time_server([unset, fallback]) is fallback


def test_read_response_vector_gives_a_master_superseding_source() -> None:
    """§6.6 "Time read response (TSN 0x0A): Time 812653568, TimeStatus 0x0D"."""
    frame = decode_frame(bytes.fromhex("18 0A 01 00 00 00 E2 00 1C 70 30 01 00 00 18 0D"), Time)
    values = {r.attribute_id: r.value for r in frame.payload.records}
    read = TimeSource((0x00124B0000005E01, 0x5E), 0x0000, values[0x0000], values[0x0001])
    assert read.rank == 0
    assert choose_time_server([source(0x0001, MASTER), read]) is read


_candidate = st.builds(
    source,
    short=st.integers(0, 0xFFF7),
    status=st.integers(0, 0x0F),
    time=st.sampled_from([T, 0xFFFFFFFF]),
)


@given(st.lists(_candidate, max_size=8, unique_by=lambda c: c.short_address), st.randoms())
def test_choice_is_the_best_usable_one_whatever_the_order(
    candidates: list[TimeSource], rnd: random.Random
) -> None:
    chosen = choose_time_server(candidates)
    usable = [c for c in candidates if c.time != 0xFFFFFFFF and c.time_status & 0x03]
    if not usable:
        assert chosen is None
        return
    assert chosen is not None

    def strength(c: TimeSource) -> tuple[bool, bool]:
        master = bool(c.time_status & MASTER)
        return (master and bool(c.time_status & SUPERSEDING), master)

    for c in usable:
        assert strength(c) <= strength(chosen)
        if strength(c) == strength(chosen):
            assert chosen.short_address <= c.short_address
    shuffled = list(candidates)
    rnd.shuffle(shuffled)
    assert choose_time_server(shuffled) is chosen


# --- the client ----------------------------------------------------------------------------------


def test_network_time_follows_the_chosen_server() -> None:
    client = TimeClient()
    assert client.network_time(500) is None
    assert client.sync_due(500)
    chosen = client.synchronize([source(0x0001, MASTER), source(0x0000, MASTER)], 1000)
    assert chosen is not None
    assert chosen.short_address == 0x0000
    assert client.network_time(1000) == T
    assert client.network_time(1060) == T + 60


def test_resync_after_the_default_period() -> None:
    """Decision: read the servers again every hour when they give no ValidUntilTime."""
    client = TimeClient()
    client.synchronize([source(0x0000, MASTER)], 1000)
    assert client.next_sync() == 1000 + 3600
    assert not client.sync_due(1000 + 3599)
    assert client.sync_due(1000 + 3600)


def test_resync_at_valid_until_time() -> None:
    """§2.3: "ValidUntilTime tells clients when to resync"."""
    client = TimeClient()
    s = TimeSource((1, 1), 0x0000, T, MASTER, valid_until_time=T + 600)
    client.synchronize([s], 1000)
    assert client.next_sync() == 1000 + 600


def test_valid_until_time_already_past_does_not_make_it_poll() -> None:
    client = TimeClient(retry_interval=60)
    s = TimeSource((1, 1), 0x0000, T, MASTER, valid_until_time=T - 10)
    client.synchronize([s], 1000)
    assert client.next_sync() == 1000 + 60


def test_no_usable_server_keeps_the_last_time_and_retries() -> None:
    client = TimeClient(retry_interval=30)
    client.synchronize([source(0x0000, MASTER)], 1000)
    assert client.synchronize([source(0x0000, 0)], 5000) is None
    assert client.network_time(5000) == T + 4000
    assert client.next_sync() == 5030


def test_follow_refuses_an_invalid_time() -> None:
    with pytest.raises(ValueError, match="0xFFFFFFFF"):
        TimeClient().follow(source(0x0000, MASTER, time=0xFFFFFFFF), 0)


def test_client_snapshot_restore() -> None:
    client = TimeClient(resync_period=900)
    client.synchronize([TimeSource((7, 1), 3, T, MASTER | SUPERSEDING, T - 5, T + 300)], 50)
    twin = TimeClient.restore(json.loads(json.dumps(client.snapshot())))
    assert twin.snapshot() == client.snapshot()
    assert (twin.network_time(70), twin.next_sync(), twin.source) == (
        client.network_time(70),
        client.next_sync(),
        client.source,
    )
    with pytest.raises(ValueError, match="version"):
        TimeClient.restore({"version": 2})


# --- what an ESI Time server publishes ---------------------------------------------------------


def test_authoritative_esi_advertises_0x0d() -> None:
    """§2.3: "A gateway acting as ESI should therefore advertise TimeStatus 0x0D
    (Master|MasterZoneDst|Superseding)"; §6.6 Time read response: TimeStatus 0x0D."""
    attrs = server_attributes(T, 0, INVALID_TIME, INVALID_TIME, 0)
    assert (attrs.time, attrs.time_status) == (T, 0x0D)
    synced = server_attributes(
        T,
        0,
        INVALID_TIME,
        INVALID_TIME,
        0,
        master=False,
        master_zone_dst=False,
        superseding=False,
        synchronized=True,
    )
    assert synced.time_status == 0x02


NEW_YORK_2026 = (-18000, utc(2026, 3, 8, 7), utc(2026, 11, 1, 6), 3600)


def test_derived_values_in_summer() -> None:
    """§2.3: "StandardTime = Time + TimeZone; LocalTime = StandardTime + DstShift while
    DstStart ≤ Time < DstEnd" — New York, 2026-07-01 12:00 UTC is 08:00 EDT, 07:00 EST."""
    now = utc(2026, 7, 1, 12)
    attrs = server_attributes(
        now, *NEW_YORK_2026, last_set_time=now - 30, valid_until_time=now + 86400
    )
    assert attrs.standard_time == utc(2026, 7, 1, 7)
    assert attrs.local_time == utc(2026, 7, 1, 8)
    assert attrs.by_id() == {
        0x0000: now,
        0x0001: 0x0D,
        0x0002: -18000,
        0x0003: utc(2026, 3, 8, 7),
        0x0004: utc(2026, 11, 1, 6),
        0x0005: 3600,
        0x0006: utc(2026, 7, 1, 7),
        0x0007: utc(2026, 7, 1, 8),
        0x0008: now - 30,
        0x0009: now + 86400,
    }


@pytest.mark.parametrize(
    ("now", "in_dst"),
    [
        (utc(2026, 1, 15, 12), False),
        (utc(2026, 3, 8, 7) - 1, False),
        (utc(2026, 3, 8, 7), True),  # DstStart ≤ Time
        (utc(2026, 11, 1, 6) - 1, True),
        (utc(2026, 11, 1, 6), False),  # Time < DstEnd
    ],
)
def test_dst_window_is_start_inclusive_end_exclusive(now: int, in_dst: bool) -> None:
    attrs = server_attributes(now, *NEW_YORK_2026)
    assert attrs.local_time - attrs.standard_time == (3600 if in_dst else 0)


def test_no_dst_means_local_is_standard() -> None:
    attrs = server_attributes(utc(2026, 7, 1), 32400, INVALID_TIME, INVALID_TIME, 0)
    assert attrs.local_time == attrs.standard_time == utc(2026, 7, 1, 9)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0xFFFFFFFF, 0, INVALID_TIME, INVALID_TIME, 0), "UTCTime"),
        ((T, 86401, INVALID_TIME, INVALID_TIME, 0), "time_zone"),
        ((T, 0, INVALID_TIME, INVALID_TIME, -86401), "dst_shift"),
        ((100, -3600, INVALID_TIME, INVALID_TIME, 0), "StandardTime"),
    ],
)
def test_server_attribute_ranges(args: tuple[int, int, int, int, int], match: str) -> None:
    """§2.3: TimeZone and DstShift are -86400…+86400; UTCTime 0xFFFFFFFF is not a time."""
    with pytest.raises(ValueError, match=match):
        server_attributes(*args)


# --- DST from the host's zone ------------------------------------------------------------------


def nth_sunday(year: int, month: int, n: int) -> int:
    """Day of the month of the n-th Sunday (n = -1: the last)."""
    weeks = calendar.monthcalendar(year, month)  # weeks Monday first; 0 = another month
    sundays = [week[calendar.SUNDAY] for week in weeks if week[calendar.SUNDAY]]
    return sundays[n if n < 0 else n - 1]


def test_new_york_2026() -> None:
    """DST 2026-03-08 07:00 UTC to 2026-11-01 06:00 UTC, shift 3600, zone -18000."""
    assert zone_rules(ZoneInfo("America/New_York"), 2026) == ZoneRules(*NEW_YORK_2026)


@pytest.mark.parametrize("year", range(2024, 2031))
def test_us_eastern_rule(year: int) -> None:
    """US (since 2007): from the second Sunday of March 02:00 EST (07:00 UTC) to the first
    Sunday of November 02:00 EDT (06:00 UTC)."""
    expected = ZoneRules(
        -18000,
        utc(year, 3, nth_sunday(year, 3, 2), 7),
        utc(year, 11, nth_sunday(year, 11, 1), 6),
        3600,
    )
    assert zone_rules(ZoneInfo("America/New_York"), year) == expected


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_berlin_eu_rule(year: int) -> None:
    """EU: from the last Sunday of March to the last Sunday of October, 01:00 UTC; CET +1 h."""
    expected = ZoneRules(
        3600,
        utc(year, 3, nth_sunday(year, 3, -1), 1),
        utc(year, 10, nth_sunday(year, 10, -1), 1),
        3600,
    )
    assert zone_rules(ZoneInfo("Europe/Berlin"), year) == expected


def test_berlin_2026_dates() -> None:
    """2026-03-29 and 2026-10-25 are the last Sundays of March and October 2026."""
    rules = zone_rules(ZoneInfo("Europe/Berlin"), 2026)
    assert (rules.dst_start, rules.dst_end) == (utc(2026, 3, 29, 1), utc(2026, 10, 25, 1))


def test_zone_without_dst() -> None:
    """Decision: no DST → DstStart = DstEnd = 0xFFFFFFFF ("not set"), DstShift 0."""
    assert zone_rules(ZoneInfo("Asia/Tokyo"), 2026) == ZoneRules(32400, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    assert zone_rules(ZoneInfo("UTC"), 2026) == ZoneRules(0, 0xFFFFFFFF, 0xFFFFFFFF, 0)


def test_southern_hemisphere_period_ends_next_year() -> None:
    """Sydney: from the first Sunday of October 02:00 AEST (16:00 UTC the day before) to the
    first Sunday of April 03:00 AEDT (16:00 UTC the day before) of the next year."""
    rules = zone_rules(ZoneInfo("Australia/Sydney"), 2026)
    start = datetime(2026, 10, nth_sunday(2026, 10, 1), 2) - timedelta(hours=10)
    end = datetime(2027, 4, nth_sunday(2027, 4, 1), 3) - timedelta(hours=11)
    assert rules == ZoneRules(
        36000,
        utc(start.year, start.month, start.day, start.hour),
        utc(end.year, end.month, end.day, end.hour),
        3600,
    )


def test_rules_at_an_instant_pick_the_period_in_progress() -> None:
    """In February 2026 Sydney is in the DST period that began in October 2025."""
    sydney = ZoneInfo("Australia/Sydney")
    assert zone_rules_at(sydney, utc(2026, 2, 1)) == zone_rules(sydney, 2025)
    assert zone_rules_at(sydney, utc(2026, 6, 1)) == zone_rules(sydney, 2026)
    new_york = ZoneInfo("America/New_York")
    assert zone_rules_at(new_york, utc(2026, 1, 10)) == zone_rules(new_york, 2026)
    assert zone_rules_at(new_york, utc(2026, 12, 10)) == zone_rules(new_york, 2026)


def test_dublin_comes_out_with_summer_time() -> None:
    """tz data calls Irish winter time "negative DST"; the lowest offset is taken as standard."""
    rules = zone_rules(ZoneInfo("Europe/Dublin"), 2026)
    assert rules == ZoneRules(0, utc(2026, 3, 29, 1), utc(2026, 10, 25, 1), 3600)


_ZONES = {
    name: (ZoneInfo(name), zone_rules(ZoneInfo(name), 2025), zone_rules(ZoneInfo(name), 2026))
    for name in ("America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Tokyo")
}


@given(
    name=st.sampled_from(sorted(_ZONES)),
    now=st.integers(utc(2026, 1, 1), utc(2027, 1, 1) - 1),
)
def test_local_time_is_the_wall_clock(name: str, now: int) -> None:
    """LocalTime (§2.3 formula, rules derived from the zone) = the zone's wall clock."""
    zone, previous, this_year = _ZONES[name]
    rules = previous if previous.dst_end != INVALID_TIME and now < previous.dst_end else this_year
    attrs = server_attributes(now, rules.time_zone, rules.dst_start, rules.dst_end, rules.dst_shift)
    wall = datetime.fromtimestamp(now + 946684800, zone).replace(tzinfo=UTC)
    assert attrs.local_time == utc(
        wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second
    )
