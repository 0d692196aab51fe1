"""The Price client's rules (se-spec.md §2.4.4), sans-I/O: feed it Publish Price and the time.

:class:`PriceEngine` keeps the prices an In-Premise Display has received, per commodity, and says
which one is active. It reads no clock and sends nothing: every method takes ``now`` (ZCL UTCTime,
seconds since 2000) and returns output records that the caller turns into frames (Price
Acknowledgement, Default Response) and notifications (``received_price_event``,
``updated_active_price_event``, digi-se-rpc.md §3.6.3).

Decisions where the reference is silent (also in ``docs/decisions.md``):

* **Commodity key.** Publish Price carries no commodity type, so prices are kept per
  :class:`PriceKey` = (Provider ID, Unit of Measure); a BCD unit (0x80–0x8D) counts as its plain
  unit, since it is the same commodity. The §2.4.4 overlap rules apply within one key; a
  duplicate Issuer Event ID is one already held for the same provider, whatever the unit.
* **Intervals** are half-open, ``[start, start + 60 × duration)``; a price whose end is at or
  before ``now`` has expired (FAILURE). Duration 0xFFFF never ends.
* **Invalid field (0x85):** Start Time 0xFFFFFFFF, Duration 0, an end past the last UTCTime
  (0xFFFFFFFE), or a Unit of Measure outside the enumeration.
* **Statuses.** Every Publish Price yields one :class:`Received`: 0x00, 0x85, 0x8A (digi-se-rpc.md),
  and also 0x01 FAILURE (expired price, overlap with a newer price: §2.4.4) and 0x89
  INSUFFICIENT_SPACE (more than ``capacity`` prices held).
* **Reply.** A price asking for an acknowledgement (Price Control bit 0) that is accepted or a
  duplicate gets a :class:`Acknowledge` instead of a Default Response (a duplicate is most likely
  a retry after a lost acknowledgement); every other outcome gets a :class:`DefaultResponse` with
  the status. Whether a SUCCESS Default Response is actually sent (the ZCL header's Disable
  Default Response bit) is the ZCL dispatcher's business.
* **Randomisation.** The random delay applies to the *notification*: when the active price of a
  key changes from one price to another, :class:`ActiveChanged` (and :meth:`PriceEngine.current`)
  follows after a uniformly drawn delay of 0…60 × PriceIncreaseRandomizeMinutes seconds for a
  rise and 0…60 × PriceDecreaseRandomizeMinutes seconds for a fall (prices compared as
  ``price / 10**trailing digit`` in the same currency). A change to or from "no price", between
  equal prices, or between currencies is announced at once. The delay runs from the moment the
  change is seen (at the price's start, when :meth:`PriceEngine.advance` is called at
  :meth:`PriceEngine.next_wakeup`) and is drawn again only if the target changes meanwhile, so
  no announcement comes more than 60 × 60 s after the change it announces was seen.
* **Cut short is no change.** When a newer future price cuts the active one short, the active
  price stays the same one: :meth:`PriceEngine.current` shows the new end, no
  :class:`ActiveChanged` is emitted. ``clear()`` announces "no price" for every commodity that
  had one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple, Protocol

from ..zcl.clusters.common import UnitOfMeasure
from ..zcl.clusters.price import Price, PriceControl, PriceTrailingDigitAndPriceTier
from ..zcl.status import Status

__all__ = [
    "Acknowledge",
    "ActiveChanged",
    "DefaultResponse",
    "PriceEngine",
    "PriceKey",
    "PriceOutput",
    "PublishPriceRecord",
    "Received",
    "ServerAddress",
    "StoredPrice",
]

ServerAddress = tuple[int, int]
"""A Price server as (IEEE address, endpoint)."""

_UTC_MAX = 0xFFFFFFFE  # the last valid UTCTime; 0xFFFFFFFF is "invalid"
_UNTIL_CHANGED = 0xFFFF
_RANDOMIZE_MAX = 0x3C  # §2.4.1: both randomisation attributes are 0x00–0x3C minutes
_SNAPSHOT_VERSION = 1


class PublishPriceRecord(Protocol):
    """The fields of a decoded Publish Price (``Price.commands.publish_price``) the engine reads."""

    @property
    def provider_id(self) -> int: ...
    @property
    def issuer_event_id(self) -> int: ...
    @property
    def unit_of_measure(self) -> int: ...
    @property
    def currency(self) -> int: ...
    @property
    def price_trailing_digit_and_price_tier(self) -> int: ...
    @property
    def start_time(self) -> int: ...
    @property
    def duration_in_minutes(self) -> int: ...
    @property
    def price(self) -> int: ...
    @property
    def price_control(self) -> int | None: ...


class PriceKey(NamedTuple):
    """Which commodity a price is for: the provider and the (non-BCD) unit of measure."""

    provider_id: int
    unit_of_measure: UnitOfMeasure

    @classmethod
    def of(cls, price: PublishPriceRecord) -> PriceKey:
        return cls(int(price.provider_id), UnitOfMeasure(int(price.unit_of_measure) & 0x7F))


@dataclass(frozen=True, slots=True)
class StoredPrice:
    """A price the client holds: the record as received, and its effective interval.

    ``start`` has Start Time 0 replaced by the time of arrival; ``end`` is None for "until
    changed" and may be earlier than the record says when a newer price cut it short.
    """

    key: PriceKey
    server: ServerAddress
    price: PublishPriceRecord
    start: int
    end: int | None

    @property
    def issuer_event_id(self) -> int:
        return int(self.price.issuer_event_id)

    def covers(self, now: int) -> bool:
        return self.start <= now and (self.end is None or now < self.end)


# --- outputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Received:
    """A Publish Price was handled with ``status`` (the ``received_price_event``)."""

    status: Status
    price: PublishPriceRecord


@dataclass(frozen=True, slots=True)
class DefaultResponse:
    """Answer the Publish Price with a Default Response carrying ``status``."""

    status: Status


@dataclass(frozen=True, slots=True)
class Acknowledge:
    """Send Price Acknowledgement (C→S 0x02) to ``server``: the fields of that command."""

    server: ServerAddress
    provider_id: int
    issuer_event_id: int
    price_ack_time: int
    control: PriceControl

    def payload(self) -> Any:
        """The ``price_acknowledgement`` payload record."""
        return Price.commands.price_acknowledgement.make(
            provider_id=self.provider_id,
            issuer_event_id=self.issuer_event_id,
            price_ack_time=self.price_ack_time,
            control=self.control,
        )


@dataclass(frozen=True, slots=True)
class ActiveChanged:
    """The active price of ``key`` is now ``price`` (None: none); ``updated_active_price_event``."""

    key: PriceKey
    price: StoredPrice | None


PriceOutput = Received | DefaultResponse | Acknowledge | ActiveChanged


@dataclass(frozen=True, slots=True)
class _Pending:
    """An announcement waiting for its random delay: ``target`` becomes current at ``due``."""

    due: int
    target: StoredPrice


# --- the engine ------------------------------------------------------------------------------


class PriceEngine:
    """The Price client of one endpoint: stored prices per commodity and the active one."""

    def __init__(
        self,
        rng: random.Random,
        increase_randomize_minutes: int = 5,
        decrease_randomize_minutes: int = 15,
        *,
        capacity: int = 64,
    ) -> None:
        self._rng = rng
        self.increase_randomize_minutes = increase_randomize_minutes
        self.decrease_randomize_minutes = decrease_randomize_minutes
        if capacity < 1:
            msg = f"capacity must be at least 1, not {capacity!r}"
            raise ValueError(msg)
        self.capacity = capacity
        self._prices: dict[PriceKey, list[StoredPrice]] = {}
        self._announced: dict[PriceKey, StoredPrice] = {}
        self._pending: dict[PriceKey, _Pending] = {}
        self._now: int | None = None

    # --- the randomisation attributes (§2.4.1, client side, writable) ------------------------

    @property
    def increase_randomize_minutes(self) -> int:
        return self._increase

    @increase_randomize_minutes.setter
    def increase_randomize_minutes(self, minutes: int) -> None:
        self._increase = _randomize_minutes(minutes)

    @property
    def decrease_randomize_minutes(self) -> int:
        return self._decrease

    @decrease_randomize_minutes.setter
    def decrease_randomize_minutes(self, minutes: int) -> None:
        self._decrease = _randomize_minutes(minutes)

    # --- inputs ------------------------------------------------------------------------------

    def receive_publish_price(
        self, price: PublishPriceRecord, server: ServerAddress, now: int
    ) -> list[PriceOutput]:
        """Handle a Publish Price from ``server`` at ``now``."""
        self._purge(now)
        status = self._admit(price, server, now)
        out: list[PriceOutput] = [Received(status, price)]
        control = PriceControl(int(price.price_control or 0))
        wants_ack = bool(control & PriceControl.price_acknowledgement_required)
        if wants_ack and status in (Status.SUCCESS, Status.DUPLICATE_EXISTS):
            out.append(
                Acknowledge(
                    server=server,
                    provider_id=int(price.provider_id),
                    issuer_event_id=int(price.issuer_event_id),
                    price_ack_time=now,
                    control=control,
                )
            )
        else:
            out.append(DefaultResponse(status))
        out.extend(self._evaluate(now))
        return out

    def advance(self, now: int) -> list[PriceOutput]:
        """Let time pass to ``now``: prices start and end, delayed announcements fall due."""
        self._purge(now)
        return list(self._evaluate(now))

    def clear(self) -> list[PriceOutput]:
        """Forget every price (``clear_price_events``); the servers keep theirs."""
        out: list[PriceOutput] = [ActiveChanged(key, None) for key in sorted(self._announced)]
        self._prices.clear()
        self._announced.clear()
        self._pending.clear()
        return out

    # --- queries -----------------------------------------------------------------------------

    def current(self, key: PriceKey) -> StoredPrice | None:
        """The active price of ``key`` as last announced (None: none)."""
        return self._announced.get(key)

    def commodities(self) -> list[PriceKey]:
        """The commodities with a price held or announced."""
        return sorted(set(self._prices) | set(self._announced))

    def scheduled(self, key: PriceKey | None = None) -> list[StoredPrice]:
        """The prices held (active and future), by key and start time."""
        keys = [key] if key is not None else sorted(self._prices)
        return [p for k in keys for p in self._prices.get(k, [])]

    def next_wakeup(self) -> int | None:
        """When :meth:`advance` must next be called (None: nothing scheduled)."""
        now = self._now
        times = [p.due for p in self._pending.values()]
        for prices in self._prices.values():
            for p in prices:
                if now is None or p.start > now:
                    times.append(p.start)
                if p.end is not None:
                    times.append(p.end)
        return min(times) if times else None

    # --- rules -------------------------------------------------------------------------------

    def _admit(self, price: PublishPriceRecord, server: ServerAddress, now: int) -> Status:
        """§2.4.4: check ``price`` and store it, cutting or dropping what it replaces."""
        if not _valid_fields(price):
            return Status.INVALID_FIELD
        start = now if price.start_time == 0 else int(price.start_time)
        end = (
            None
            if price.duration_in_minutes == _UNTIL_CHANGED
            else start + 60 * int(price.duration_in_minutes)
        )
        if end is not None and end > _UTC_MAX:
            return Status.INVALID_FIELD
        if end is not None and end <= now:
            return Status.FAILURE  # §2.4.4: already over
        provider, event_id = int(price.provider_id), int(price.issuer_event_id)
        for prices in self._prices.values():
            for held in prices:
                if held.key.provider_id == provider and held.issuer_event_id == event_id:
                    return Status.DUPLICATE_EXISTS
        key = PriceKey.of(price)
        new = StoredPrice(key, server, price, start, end)
        held_here = self._prices.get(key, [])
        overlapping = [p for p in held_here if _overlap(p, new)]
        if any(p.issuer_event_id > event_id for p in overlapping):
            return Status.FAILURE  # §2.4.4: a lower id may not overlap a stored price
        kept: list[StoredPrice] = []
        for p in held_here:
            if p not in overlapping:
                kept.append(p)
            elif p.covers(now) and now < start:
                kept.append(StoredPrice(p.key, p.server, p.price, p.start, start))  # cut short
        total = sum(len(v) for v in self._prices.values()) - len(held_here) + len(kept) + 1
        if total > self.capacity:
            return Status.INSUFFICIENT_SPACE
        kept.append(new)
        kept.sort(key=lambda p: p.start)
        self._prices[key] = kept
        return Status.SUCCESS

    def _purge(self, now: int) -> None:
        for key in list(self._prices):
            kept = [p for p in self._prices[key] if p.end is None or p.end > now]
            if kept:
                self._prices[key] = kept
            else:
                del self._prices[key]

    def _truth(self, key: PriceKey, now: int) -> StoredPrice | None:
        for p in self._prices.get(key, []):
            if p.covers(now):
                return p
        return None

    def _evaluate(self, now: int) -> list[ActiveChanged]:
        """Compare what is active with what was announced; announce, or wait a random delay."""
        self._now = now
        out: list[ActiveChanged] = []
        for key in sorted(set(self._prices) | set(self._announced) | set(self._pending)):
            truth = self._truth(key, now)
            announced = self._announced.get(key)
            if _same(truth, announced):
                self._pending.pop(key, None)
                if truth is not None and truth != announced:
                    self._announced[key] = truth  # the same price, cut short: no news
                continue
            if truth is None:  # the price ended (or was cleared away): say so at once
                self._pending.pop(key, None)
                del self._announced[key]
                out.append(ActiveChanged(key, None))
                continue
            pending = self._pending.get(key)
            if pending is not None and _same(pending.target, truth):
                due = pending.due
            else:
                due = now + self._delay(announced, truth)
            if due <= now:
                self._pending.pop(key, None)
                self._announced[key] = truth
                out.append(ActiveChanged(key, truth))
            else:
                self._pending[key] = _Pending(due, truth)
        return out

    def _delay(self, old: StoredPrice | None, new: StoredPrice) -> int:
        """Seconds to wait before announcing ``new`` in place of ``old`` (§2.4.4)."""
        if old is None or old.price.currency != new.price.currency:
            return 0
        before, after = _value(old.price), _value(new.price)
        minutes = self._increase if after > before else self._decrease if after < before else 0
        return self._rng.randint(0, 60 * minutes) if minutes else 0

    # --- persistence -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The engine's state as JSON-serialisable data (the random generator is not included)."""
        return {
            "version": _SNAPSHOT_VERSION,
            "increase_randomize_minutes": self._increase,
            "decrease_randomize_minutes": self._decrease,
            "capacity": self.capacity,
            "now": self._now,
            "prices": [_entry_json(p) for p in self.scheduled()],
            "announced": [_entry_json(self._announced[k]) for k in sorted(self._announced)],
            "pending": [
                {"due": self._pending[k].due, "target": _entry_json(self._pending[k].target)}
                for k in sorted(self._pending)
            ],
        }

    @classmethod
    def restore(cls, data: dict[str, Any], rng: random.Random) -> PriceEngine:
        """An engine in the state :meth:`snapshot` recorded, drawing from ``rng`` from now on."""
        if data.get("version") != _SNAPSHOT_VERSION:
            msg = f"unknown price engine snapshot version {data.get('version')!r}"
            raise ValueError(msg)
        engine = cls(
            rng,
            int(data["increase_randomize_minutes"]),
            int(data["decrease_randomize_minutes"]),
            capacity=int(data["capacity"]),
        )
        engine._now = None if data["now"] is None else int(data["now"])
        for item in data["prices"]:
            p = _entry_from_json(item)
            engine._prices.setdefault(p.key, []).append(p)
        for prices in engine._prices.values():
            prices.sort(key=lambda p: p.start)
        for item in data["announced"]:
            p = _entry_from_json(item)
            engine._announced[p.key] = p
        for item in data["pending"]:
            p = _entry_from_json(item["target"])
            engine._pending[p.key] = _Pending(int(item["due"]), p)
        return engine


# --- helpers ---------------------------------------------------------------------------------


def _randomize_minutes(minutes: int) -> int:
    if not 0 <= minutes <= _RANDOMIZE_MAX:
        msg = f"randomisation is 0 to {_RANDOMIZE_MAX} minutes, not {minutes!r}"
        raise ValueError(msg)
    return minutes


def _valid_fields(price: PublishPriceRecord) -> bool:
    unit = UnitOfMeasure(int(price.unit_of_measure))
    return (
        price.start_time != 0xFFFFFFFF
        and price.duration_in_minutes != 0
        and unit.name in UnitOfMeasure.__members__
    )


def _overlap(a: StoredPrice, b: StoredPrice) -> bool:
    return (a.end is None or b.start < a.end) and (b.end is None or a.start < b.end)


def _same(a: StoredPrice | None, b: StoredPrice | None) -> bool:
    """The same price (provider and issuer event id), whatever its current end."""
    if a is None or b is None:
        return a is b
    return a.key == b.key and a.issuer_event_id == b.issuer_event_id


def _value(price: PublishPriceRecord) -> Fraction:
    digits = PriceTrailingDigitAndPriceTier(int(price.price_trailing_digit_and_price_tier))
    return Fraction(int(price.price), 10**digits.price_trailing_digit)


def _entry_json(p: StoredPrice) -> dict[str, Any]:
    return {
        "server": [p.server[0], p.server[1]],
        "price": Price.commands.publish_price.schema.to_json(p.price),
        "start": p.start,
        "end": p.end,
    }


def _entry_from_json(item: dict[str, Any]) -> StoredPrice:
    price = Price.commands.publish_price.make(item["price"])
    server = (int(item["server"][0]), int(item["server"][1]))
    end = None if item["end"] is None else int(item["end"])
    return StoredPrice(PriceKey.of(price), server, price, int(item["start"]), end)
