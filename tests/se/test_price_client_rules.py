"""Price client rules: se-spec.md §2.4.4 and digi-se-rpc.md §3.6.3, on the sans-I/O engine.

Expected values come from the rule texts, the §6.6 vectors and arithmetic on the inputs (minutes
× 60), never from the engine's own output.
"""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.se.price_engine import (
    Acknowledge,
    ActiveChanged,
    DefaultResponse,
    PriceEngine,
    PriceKey,
    Received,
    StoredPrice,
)
from segateway.zcl.clusters.common import UnitOfMeasure
from segateway.zcl.clusters.price import Price, PriceControl
from segateway.zcl.frame import decode_frame
from segateway.zcl.status import Status

ESI = (0x00124B0000005E01, 0x01)
OTHER_ESI = (0x00124B0000005E02, 0x01)
T0 = 847_000_000  # some instant in 2026 (ZCL UTCTime)
KWH = PriceKey(1, UnitOfMeasure.kwh)


def price(**fields: Any) -> Any:
    """A Publish Price record: provider 1, kWh, USD, 2 decimals, start now, 60 minutes."""
    values: dict[str, Any] = {
        "provider_id": 1,
        "rate_label": b"",
        "issuer_event_id": 1,
        "current_time": 0,
        "unit_of_measure": "kwh",
        "currency": 840,
        "price_trailing_digit_and_price_tier": 0x20,
        "number_of_price_tiers_and_register_tier": 0,
        "start_time": 0,
        "duration_in_minutes": 60,
        "price": 100,
    }
    values.update(fields)
    return Price.commands.publish_price.make(values)


def rng(seed: int | None = 1) -> random.Random:
    return random.Random(seed)  # noqa: S311 - the engine's injected randomisation, reproducible


def engine(increase: int = 0, decrease: int = 0, seed: int = 1) -> PriceEngine:
    return PriceEngine(rng(seed), increase, decrease)


def of_type(outputs: list[Any], kind: type) -> list[Any]:
    return [o for o in outputs if isinstance(o, kind)]


def active_ids(outputs: list[Any]) -> list[int | None]:
    return [
        None if o.price is None else o.price.issuer_event_id
        for o in of_type(outputs, ActiveChanged)
    ]


class MaxRandom(random.Random):
    """Always draws the largest delay allowed: the bound is then exactly observable."""

    def randint(self, a: int, b: int) -> int:
        return b


# --- Start Time, Duration, expiry ------------------------------------------------------------


def test_start_time_zero_means_now() -> None:
    """§2.4.4: "Start Time 0 → substitute the current time"."""
    e = engine()
    e.receive_publish_price(price(start_time=0, duration_in_minutes=30), ESI, T0)
    (held,) = e.scheduled()
    assert (held.start, held.end) == (T0, T0 + 30 * 60)


def test_duration_ffff_never_ends() -> None:
    """§2.4.4: "Duration 0xFFFF → never ends"."""
    e = engine()
    e.receive_publish_price(price(duration_in_minutes=0xFFFF), ESI, T0)
    assert e.scheduled()[0].end is None
    assert e.next_wakeup() is None
    assert e.advance(T0 + 10 * 365 * 86400) == []
    current = e.current(KWH)
    assert current is not None
    assert current.issuer_event_id == 1


def test_expired_price_is_discarded_with_failure() -> None:
    """§2.4.4: "A price whose end is already past is discarded (Default Response FAILURE)"."""
    e = engine()
    out = e.receive_publish_price(price(start_time=T0 - 7200, duration_in_minutes=60), ESI, T0)
    assert out == [
        Received(Status.FAILURE, price(start_time=T0 - 7200, duration_in_minutes=60)),
        DefaultResponse(Status.FAILURE),
    ]
    assert e.scheduled() == []


def test_price_ending_exactly_now_has_expired() -> None:
    """Intervals are half-open: a price whose end equals now has nothing left (FAILURE)."""
    out = engine().receive_publish_price(
        price(start_time=T0 - 3600, duration_in_minutes=60), ESI, T0
    )
    assert of_type(out, Received)[0].status is Status.FAILURE


def test_price_started_in_the_past_is_active_at_once() -> None:
    e = engine()
    out = e.receive_publish_price(price(start_time=T0 - 600, duration_in_minutes=60), ESI, T0)
    assert active_ids(out) == [1]
    (held,) = e.scheduled()
    assert (held.start, held.end) == (T0 - 600, T0 - 600 + 3600)


# --- duplicates, invalid fields --------------------------------------------------------------


def test_same_issuer_event_id_is_duplicate_exists() -> None:
    """§2.4.4: "Same Issuer Event ID already stored → DUPLICATE_EXISTS"; digi-se-rpc.md §3.6.3:
    updated_active_price_event only "on condition that no event with the same issuer_event_id
    was already held"."""
    e = engine()
    e.receive_publish_price(price(issuer_event_id=7), ESI, T0)
    again = price(issuer_event_id=7, price=999)  # "assumed immutable": new values are ignored
    out = e.receive_publish_price(again, ESI, T0 + 10)
    assert out == [
        Received(Status.DUPLICATE_EXISTS, again),
        DefaultResponse(Status.DUPLICATE_EXISTS),
    ]
    current = e.current(KWH)
    assert current is not None
    assert current.price.price == 100


def test_duplicate_is_per_provider() -> None:
    """The same Issuer Event ID from another provider is another price."""
    e = engine()
    e.receive_publish_price(price(issuer_event_id=7), ESI, T0)
    out = e.receive_publish_price(price(issuer_event_id=7, provider_id=2), ESI, T0)
    assert of_type(out, Received)[0].status is Status.SUCCESS
    same_provider_gas = price(issuer_event_id=7, unit_of_measure="m3")
    out = e.receive_publish_price(same_provider_gas, ESI, T0)
    assert of_type(out, Received)[0].status is Status.DUPLICATE_EXISTS


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"start_time": 0xFFFFFFFF}, "Start Time 0xFFFFFFFF is the invalid UTCTime"),
        ({"duration_in_minutes": 0}, "a price of no duration"),
        ({"unit_of_measure": 0x42}, "Unit of Measure 0x42 is not in the enumeration"),
        ({"start_time": 0xFFFFFF00, "duration_in_minutes": 60}, "ends past the last UTCTime"),
    ],
)
def test_invalid_fields_are_invalid_field(fields: dict[str, Any], why: str) -> None:
    """digi-se-rpc.md §3.6.3: received_price_event status 0x85 invalid field."""
    e = engine()
    bad = price(**fields)
    out = e.receive_publish_price(bad, ESI, T0)
    assert out == [Received(Status.INVALID_FIELD, bad), DefaultResponse(Status.INVALID_FIELD)], why
    assert e.scheduled() == []


# --- overlap and replacement -----------------------------------------------------------------


def test_higher_id_replaces_overlapping_stored_price() -> None:
    """§2.4.4: "a price with a higher issuer event id replaces any overlapping stored price"."""
    e = engine()
    e.receive_publish_price(price(issuer_event_id=5, start_time=T0 + 3600), ESI, T0)
    out = e.receive_publish_price(
        price(issuer_event_id=6, start_time=T0 + 5400, duration_in_minutes=90), ESI, T0
    )
    assert of_type(out, Received)[0].status is Status.SUCCESS
    assert [p.issuer_event_id for p in e.scheduled()] == [6]


def test_higher_id_starting_now_replaces_the_active_price() -> None:
    """§2.4.4: the replacement rule; the cut-short exception needs a future start."""
    e = engine()
    e.receive_publish_price(price(issuer_event_id=5, duration_in_minutes=0xFFFF), ESI, T0)
    out = e.receive_publish_price(price(issuer_event_id=6, price=100), ESI, T0 + 60)
    assert active_ids(out) == [6]
    assert [p.issuer_event_id for p in e.scheduled()] == [6]


def test_active_price_is_cut_short_at_the_start_of_a_newer_future_price() -> None:
    """§2.4.4: "if the stored one is currently active and the new one starts in the future,
    the active one is cut to end at the new start time"."""
    e = engine()
    e.receive_publish_price(price(issuer_event_id=5, duration_in_minutes=0xFFFF), ESI, T0)
    start = T0 + 3600
    e.receive_publish_price(price(issuer_event_id=6, start_time=start), ESI, T0 + 10)
    first, second = e.scheduled()
    assert (first.issuer_event_id, first.start, first.end) == (5, T0, start)
    assert (second.issuer_event_id, second.start, second.end) == (6, start, start + 3600)
    assert e.next_wakeup() == start
    assert e.advance(start - 1) == []
    assert active_ids(e.advance(start)) == [6]


def test_stored_future_price_overlapping_a_newer_one_is_dropped_not_cut() -> None:
    """§2.4.4: only the *active* price is cut short; an overlapping future one is replaced."""
    e = engine()
    e.receive_publish_price(
        price(issuer_event_id=5, start_time=T0 + 3600, duration_in_minutes=0xFFFF), ESI, T0
    )
    e.receive_publish_price(price(issuer_event_id=6, start_time=T0 + 7200), ESI, T0)
    assert [p.issuer_event_id for p in e.scheduled()] == [6]


def test_lower_id_overlapping_a_stored_price_is_refused_with_failure() -> None:
    """§2.4.4: "A new price with a lower id that overlaps a stored one is rejected (FAILURE)"."""
    e = engine()
    e.receive_publish_price(price(issuer_event_id=9, start_time=T0 + 3600), ESI, T0)
    older = price(issuer_event_id=8, start_time=T0 + 1800)
    out = e.receive_publish_price(older, ESI, T0)
    assert out == [Received(Status.FAILURE, older), DefaultResponse(Status.FAILURE)]
    assert [p.issuer_event_id for p in e.scheduled()] == [9]


def test_lower_id_that_does_not_overlap_is_accepted() -> None:
    e = engine()
    e.receive_publish_price(price(issuer_event_id=9, start_time=T0 + 3600), ESI, T0)
    out = e.receive_publish_price(price(issuer_event_id=8, start_time=T0), ESI, T0)
    assert of_type(out, Received)[0].status is Status.SUCCESS
    assert [p.issuer_event_id for p in e.scheduled()] == [8, 9]


def test_prices_for_different_commodities_do_not_overlap_each_other() -> None:
    """digi-se-rpc.md §6.1: the Price client "follows price changes for all commodities"."""
    e = engine()
    out1 = e.receive_publish_price(price(issuer_event_id=5, unit_of_measure="kwh"), ESI, T0)
    out2 = e.receive_publish_price(price(issuer_event_id=4, unit_of_measure="m3"), ESI, T0)
    assert of_type(out1 + out2, Received)[1].status is Status.SUCCESS
    gas = PriceKey(1, UnitOfMeasure.m3)
    assert e.commodities() == [KWH, gas]
    kwh, m3 = e.current(KWH), e.current(gas)
    assert kwh is not None
    assert m3 is not None
    assert (kwh.issuer_event_id, m3.issuer_event_id) == (5, 4)


def test_bcd_unit_is_the_same_commodity() -> None:
    """Unit of Measure 0x80 is kWh with BCD values (§2.6.3): the same key as 0x00."""
    e = engine()
    e.receive_publish_price(price(issuer_event_id=5, unit_of_measure="kwh"), ESI, T0)
    out = e.receive_publish_price(price(issuer_event_id=4, unit_of_measure="kwh_bcd"), ESI, T0)
    assert of_type(out, Received)[0].status is Status.FAILURE  # lower id, overlapping


# --- replies -----------------------------------------------------------------------------------

PUBLISH_PRICE_ACK_REQUIRED = bytes.fromhex(
    "09 03 00 01 00 00 00 04 50 45 41 4B 10 00 00 00 00 1C 70 30 00 3A 03 23 33 00 00 00 00"
    " FF FF E6 09 00 00 FF FF FF FF FF FF FF FF FF FF 01 00 00 01"
)  # se-spec.md §6.6 "Publish Price SE 1.1 (TSN 3)"
PRICE_ACK_PAYLOAD = bytes.fromhex(
    "01 00 00 00 10 00 00 00 20 1C 70 30 01"
)  # §6.6 "Price Acknowledgement (TSN 5)" without its 3-byte header: ack time 812653600


def test_price_acknowledgement_replaces_the_default_response() -> None:
    """§2.4.4: "If Price Control bit0 is set the client answers with Price Acknowledgement";
    §2.4.3: "([EMB] sends it instead of the Default Response)"."""
    published = decode_frame(PUBLISH_PRICE_ACK_REQUIRED, Price).payload
    out = PriceEngine(rng(1)).receive_publish_price(published, ESI, 812653600)
    assert out[0] == Received(Status.SUCCESS, published)
    assert out[1] == Acknowledge(ESI, 1, 0x10, 812653600, PriceControl(0x01))
    assert not of_type(out, DefaultResponse)
    assert Price.commands.price_acknowledgement.encode(out[1].payload()) == PRICE_ACK_PAYLOAD


def test_duplicate_asking_for_acknowledgement_is_acknowledged_again() -> None:
    """A repeat is most likely a retry after a lost acknowledgement."""
    published = decode_frame(PUBLISH_PRICE_ACK_REQUIRED, Price).payload
    e = engine()
    e.receive_publish_price(published, ESI, 812653600)
    out = e.receive_publish_price(published, ESI, 812653660)
    assert [type(o) for o in out] == [Received, Acknowledge]
    assert out[0].status is Status.DUPLICATE_EXISTS
    assert out[1].price_ack_time == 812653660


def test_refused_price_gets_a_default_response_even_when_ack_is_asked() -> None:
    e = engine()
    bad = price(
        duration_in_minutes=0,
        price_ratio=0xFF,
        generation_price=0xFFFFFFFF,
        generation_price_ratio=0xFF,
        alternate_cost_delivered=0xFFFFFFFF,
        alternate_cost_unit=2,
        alternate_cost_trailing_digit=0,
        number_of_block_thresholds=0,
        price_control=1,
    )
    out = e.receive_publish_price(bad, ESI, T0)
    assert out == [Received(Status.INVALID_FIELD, bad), DefaultResponse(Status.INVALID_FIELD)]


def test_default_response_success_without_ack_bit() -> None:
    """§2.4.4: "otherwise a Default Response (SUCCESS) is enough" (SE 1.0 prices have no Price
    Control field at all)."""
    out = engine().receive_publish_price(price(), ESI, T0)
    assert out[:2] == [Received(Status.SUCCESS, price()), DefaultResponse(Status.SUCCESS)]


def test_new_price_yields_received_then_updated_active() -> None:
    """digi-se-rpc.md §3.6.3: "a newly published price yields both received_price_event and
    updated_active_price_event"."""
    out = engine().receive_publish_price(price(), ESI, T0)
    assert [type(o) for o in out] == [Received, DefaultResponse, ActiveChanged]
    assert out[2] == ActiveChanged(KWH, StoredPrice(KWH, ESI, price(), T0, T0 + 3600))


def test_price_end_announces_no_active_price() -> None:
    e = engine()
    e.receive_publish_price(price(duration_in_minutes=15), ESI, T0)
    assert e.next_wakeup() == T0 + 15 * 60
    assert e.advance(T0 + 15 * 60 - 1) == []
    assert e.advance(T0 + 15 * 60) == [ActiveChanged(KWH, None)]
    assert e.current(KWH) is None
    assert e.scheduled() == []


# --- randomisation ---------------------------------------------------------------------------


def _rise_or_fall(first: int, second: int, e: PriceEngine) -> int:
    """Publish ``first`` now and ``second`` from T0 + 1 h; return when the change is announced."""
    e.receive_publish_price(price(issuer_event_id=1, price=first), ESI, T0)
    e.receive_publish_price(price(issuer_event_id=2, price=second, start_time=T0 + 3600), ESI, T0)
    t = T0
    while True:
        wake = e.next_wakeup()
        assert wake is not None
        t = wake
        if 2 in active_ids(e.advance(t)):
            return t


def test_price_increase_waits_at_most_price_increase_randomize_minutes() -> None:
    """§2.4.4: "PriceIncrease/DecreaseRandomizeMinutes bound a random delay (0…N minutes)
    applied before acting on a price rise/fall" — defaults 5 and 15 (§2.4.1)."""
    e = PriceEngine(MaxRandom())
    assert _rise_or_fall(100, 200, e) == T0 + 3600 + 5 * 60
    current = e.current(KWH)
    assert current is not None
    assert current.issuer_event_id == 2


def test_price_decrease_waits_at_most_price_decrease_randomize_minutes() -> None:
    assert _rise_or_fall(200, 100, PriceEngine(MaxRandom())) == T0 + 3600 + 15 * 60


def test_price_is_compared_with_its_trailing_digits() -> None:
    """25.34 (2534, 2 digits) → 30.0 (300, 1 digit) is a rise, not a fall."""
    e = PriceEngine(MaxRandom(), 1, 60)
    e.receive_publish_price(price(issuer_event_id=1, price=2534), ESI, T0)
    rise = price(
        issuer_event_id=2, price=300, price_trailing_digit_and_price_tier=0x10, start_time=T0 + 3600
    )
    e.receive_publish_price(rise, ESI, T0)
    e.advance(T0 + 3600)
    assert e.next_wakeup() == T0 + 3600 + 60


def test_current_price_stays_until_the_delayed_announcement() -> None:
    e = PriceEngine(MaxRandom())
    e.receive_publish_price(price(issuer_event_id=1, price=100), ESI, T0)
    e.receive_publish_price(price(issuer_event_id=2, price=200, start_time=T0 + 3600), ESI, T0)
    assert e.advance(T0 + 3600) == []
    current = e.current(KWH)
    assert current is not None
    assert current.issuer_event_id == 1


def test_delay_is_not_drawn_again_while_waiting() -> None:
    """The bound holds from the moment the change is seen, however often the engine is woken."""
    e = PriceEngine(MaxRandom())
    e.receive_publish_price(price(issuer_event_id=1, price=100), ESI, T0)
    e.receive_publish_price(price(issuer_event_id=2, price=200, start_time=T0 + 3600), ESI, T0)
    announced = [
        t for t in range(T0 + 3600, T0 + 3600 + 400, 10) if active_ids(e.advance(t)) == [2]
    ]
    assert announced == [T0 + 3600 + 5 * 60]


@pytest.mark.parametrize(("first", "second"), [(100, 100), (None, 100), (100, None)])
def test_no_delay_without_a_rise_or_fall(first: int | None, second: int | None) -> None:
    """Equal prices, the first price, and the end of prices are announced at once."""
    e = PriceEngine(MaxRandom(), 60, 60)
    if first is not None:
        e.receive_publish_price(price(issuer_event_id=1, price=first), ESI, T0)
    if second is not None:
        e.receive_publish_price(
            price(issuer_event_id=2, price=second, start_time=T0 + 3600), ESI, T0
        )
    out = e.advance(T0 + 3600)
    assert active_ids(out) == [2 if second is not None else None]


def test_other_currency_is_announced_at_once() -> None:
    e = PriceEngine(MaxRandom(), 60, 60)
    e.receive_publish_price(price(issuer_event_id=1, price=100), ESI, T0)
    e.receive_publish_price(
        price(issuer_event_id=2, price=500, currency=978, start_time=T0 + 3600), ESI, T0
    )
    assert active_ids(e.advance(T0 + 3600)) == [2]


@given(seed=st.integers(0, 2**32 - 1))
def test_random_delay_is_within_bounds(seed: int) -> None:
    e = PriceEngine(rng(seed))
    assert T0 + 3600 <= _rise_or_fall(100, 101, e) <= T0 + 3600 + 5 * 60


def test_random_delays_differ() -> None:
    times = {_rise_or_fall(100, 200, PriceEngine(rng(seed))) for seed in range(20)}
    assert len(times) > 5


@pytest.mark.parametrize("minutes", [-1, 0x3D])
def test_randomize_minutes_range(minutes: int) -> None:
    """§2.4.1: both attributes are 0x00–0x3C."""
    with pytest.raises(ValueError, match="randomisation"):
        PriceEngine(rng(1), minutes, 0)
    with pytest.raises(ValueError, match="randomisation"):
        PriceEngine(rng(1), 0, minutes)


# --- clear, capacity ---------------------------------------------------------------------------


def test_clear_price_events_empties_the_client_list() -> None:
    """digi-se-rpc.md §3.6.3 clear_price_events: "empty the local Price client's list; servers
    keep their events (re-fetch with get_scheduled_price_events)"."""
    e = engine()
    e.receive_publish_price(price(issuer_event_id=1), ESI, T0)
    e.receive_publish_price(price(issuer_event_id=2, start_time=T0 + 3600), ESI, T0)
    assert e.clear() == [ActiveChanged(KWH, None)]
    assert e.scheduled() == []
    assert e.current(KWH) is None
    assert e.next_wakeup() is None
    out = e.receive_publish_price(price(issuer_event_id=1), ESI, T0 + 5)  # re-fetched
    assert of_type(out, Received)[0].status is Status.SUCCESS


def test_capacity_refuses_with_insufficient_space() -> None:
    e = PriceEngine(rng(1), capacity=2)
    for n in (1, 2):
        e.receive_publish_price(price(issuer_event_id=n, start_time=T0 + n * 3600), ESI, T0)
    out = e.receive_publish_price(price(issuer_event_id=3, start_time=T0 + 3 * 3600), ESI, T0)
    assert of_type(out, Received)[0].status is Status.INSUFFICIENT_SPACE
    replacing = price(issuer_event_id=4, start_time=T0 + 3600, duration_in_minutes=120)
    out = e.receive_publish_price(replacing, ESI, T0)  # replaces both: room enough
    assert of_type(out, Received)[0].status is Status.SUCCESS


# --- properties ----------------------------------------------------------------------------------

_publish = st.builds(
    lambda provider, unit, event, start, duration, value, digits, currency: (
        "publish",
        price(
            provider_id=provider,
            unit_of_measure=unit,
            issuer_event_id=event,
            start_time=start,
            duration_in_minutes=duration,
            price=value,
            price_trailing_digit_and_price_tier=digits << 4,
            currency=currency,
        ),
    ),
    provider=st.sampled_from([1, 1, 1, 2]),
    unit=st.sampled_from(["kwh", "m3", "kwh_bcd"]),
    event=st.integers(1, 40),
    start=st.one_of(st.just(0), st.integers(T0 - 3600, T0 + 3 * 3600)),
    duration=st.one_of(st.just(0xFFFF), st.integers(0, 300)),
    value=st.integers(0, 1000),
    digits=st.integers(0, 3),
    currency=st.sampled_from([840, 840, 840, 978]),
)
_advance = st.tuples(st.just("advance"), st.one_of(st.integers(0, 120), st.integers(0, 3600)))
_wake = st.just(("wake", None))
_clear = st.just(("clear", None))
_ops = st.lists(st.one_of(_publish, _publish, _advance, _wake, _clear), max_size=25)


def _step(e: PriceEngine, op: tuple[str, Any], now: int) -> tuple[int, list[Any]]:
    kind, arg = op
    if kind == "publish":
        return now + 1, e.receive_publish_price(arg, ESI, now + 1)
    if kind == "advance":
        return now + arg, e.advance(now + arg)
    if kind == "wake":
        wake = e.next_wakeup()
        now = max(now, wake if wake is not None else now)
        return now, e.advance(now)
    return now, e.clear()


def _run(e: PriceEngine, ops: list[tuple[str, Any]], now: int) -> tuple[int, list[Any]]:
    outputs: list[Any] = []
    for op in ops:
        now, out = _step(e, op, now)
        outputs.append(out)
    return now, outputs


def _truth(e: PriceEngine, key: PriceKey, now: int) -> StoredPrice | None:
    covering = [p for p in e.scheduled(key) if p.covers(now)]
    assert len(covering) <= 1
    return covering[0] if covering else None


@given(ops=_ops)
def test_at_most_one_price_per_key_at_any_time(ops: list[tuple[str, Any]]) -> None:
    """§2.4.4: "Overlap/nesting is not allowed": held prices of one key never overlap, and with
    no randomisation the announced price is the one covering now."""
    e = engine()
    now, _ = _run(e, ops, T0)
    for key in e.commodities():
        held = e.scheduled(key)
        for a, b in itertools.pairwise(held):
            assert a.end is not None
            assert a.end <= b.start
        assert all(p.end is None or p.end > now for p in held)
        truth = _truth(e, key, now)
        assert e.current(key) == truth


@given(ops=_ops, seed=st.integers(0, 1000))
def test_announcement_lags_at_most_the_randomize_bound(
    ops: list[tuple[str, Any]], seed: int
) -> None:
    """The delay is bounded: a change not yet announced is due within 0…N minutes."""
    e = PriceEngine(rng(seed), 5, 15)
    now, _ = _run(e, ops, T0)
    for key in e.commodities():
        truth = _truth(e, key, now)
        current = e.current(key)
        if (current is None) != (truth is None) or (
            current is not None
            and truth is not None
            and current.issuer_event_id != truth.issuer_event_id
        ):
            wake = e.next_wakeup()
            assert wake is not None
            assert now < wake <= now + 15 * 60


@given(ops=_ops, seed=st.integers(0, 1000))
def test_snapshot_restore_gives_the_same_outputs(ops: list[tuple[str, Any]], seed: int) -> None:
    """The gateway persists the engine and resumes after a restart: at every step, the engine
    restored from its JSON snapshot is in the same state and answers the next input the same."""
    source = rng(seed)
    e = PriceEngine(source, 5, 15)
    now = T0
    for op in ops:
        twin_rng = rng(None)
        twin_rng.setstate(source.getstate())
        twin = PriceEngine.restore(json.loads(json.dumps(e.snapshot())), twin_rng)
        assert twin.snapshot() == e.snapshot()
        twin_step = _step(twin, op, now)
        now, out = _step(e, op, now)
        assert twin_step == (now, out)


def test_restore_refuses_an_unknown_version() -> None:
    with pytest.raises(ValueError, match="version"):
        PriceEngine.restore({"version": 99}, rng(1))
