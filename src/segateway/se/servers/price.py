"""The ESI's Price server (se-spec.md §2.4; digi-se-rpc.md §3.6.3, §4.3 PublishPriceRecord).

The server keeps a durable list of prices and a durable list of block periods, delivers each to
every Price client (see :mod:`._events`) and answers Get Current Price, Get Scheduled Prices and
Get Block Periods; Price Acknowledgements become ``received_price_acknowledgement``
notifications and are kept on the price's delivery row.

Rules where the reference is silent (docs/decisions.md):

* A price belongs to the lane (Provider ID, Unit of Measure); BCD units (0x80…) share the lane of
  their plain unit. Within a lane the server applies the client's rules (se-spec.md §2.4.4) when a
  price is created, so that what it holds is what every client holds: an overlapping stored price
  with a newer (or equal) Issuer Event ID makes the new one invalid (0x85); an overlapping older
  one is superseded, except a price active now while the new one starts later, which is cut to
  end when the new one starts.
* Issuer Event IDs are unique in the server's list, whatever the lane: a repeat is 0x8A.
* Get Current Price answers one Publish Price per lane that has an active price (a gateway
  serving one commodity answers one).
* Block periods (no Digi RPC exists for them) are created with
  :meth:`PriceServer.create_block_period` from a record named after the Publish Block Period
  fields and sent in the SE 1.1 layout; they are not superseded, only expire.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ...zcl.cluster import Side
from ...zcl.clusters.price import Price
from ...zcl.status import Status
from ..bus import ReceivedPriceAcknowledgement
from ..endpoint import Incoming, handles
from ._events import (
    HISTORY_SECONDS,
    RETRY_DELAY,
    UTC_LAST,
    EventBook,
    EventServer,
    Frame,
    ServerEvent,
    reply_frames,
    select_scheduled,
    status_or_none,
    supersede,
)
from ._records import (
    IntField,
    OnDone,
    RecordError,
    TextField,
    normalize,
    plain,
    refuse,
)

__all__ = ["BLOCK_PERIOD_FIELDS", "PRICE_FIELDS", "PriceServer"]

log = logging.getLogger(__name__)

_U8 = 0xFF
_U16 = 0xFFFF
_U32 = 0xFFFFFFFF

PRICE_FIELDS: Mapping[str, IntField | TextField] = {
    "provider_id": IntField(_U32, 0, _U32),
    "rate_label": TextField("", 11),
    "issuer_event_id": IntField(None, 0, _U32),
    "unit_of_measure": IntField(0x00, 0, _U8),
    "currency": IntField(840, 0, _U16),
    "price_trailing_digit_and_price_tier": IntField(0x20, 0, _U8),
    "number_of_price_tiers_and_register_tier": IntField(0x00, 0, _U8),
    "start_time": IntField(0, 0, UTC_LAST),
    "duration_in_minutes": IntField(None, 1, _U16),
    "price": IntField(None, 0, _U32),
    "price_ratio": IntField(_U8, 0, _U8),
    "generation_price": IntField(_U32, 0, _U32),
    "generation_price_ratio": IntField(_U8, 0, _U8),
    "alternate_cost_delivered": IntField(_U32, 0, _U32),
    "alternate_cost_unit": IntField(0x01, 0, _U8),
    "alternate_cost_trailing_digit": IntField(0x00, 0, _U8),
    "number_of_block_thresholds": IntField(0, 0, _U8),
    "price_control": IntField(0x00, 0, 0x03),
}
"""PublishPriceRecord: digi-se-rpc.md §4.3 defaults; the fields the page did not give default to
their "not used" values (or, for Unit of Measure, kWh; for Alternate Cost Unit, 0x01)."""

BLOCK_PERIOD_FIELDS: Mapping[str, IntField | TextField] = {
    "provider_id": IntField(_U32, 0, _U32),
    "issuer_event_id": IntField(None, 0, _U32),
    "block_period_start_time": IntField(0, 0, UTC_LAST),
    "block_period_duration": IntField(None, 1, 0xFFFFFF),
    "number_of_price_tiers_and_number_of_block_thresholds": IntField(0x00, 0, _U8),
    "block_period_control": IntField(0x00, 0, 0x03),
}
"""A block period (Publish Block Period, SE 1.1 fields); duration in minutes."""

_PUBLISHED = tuple(k for k in PRICE_FIELDS if k != "rate_label")


def _lane(event: ServerEvent) -> tuple[int, int]:
    return (event.record["provider_id"], event.record["unit_of_measure"] & 0x7F)


class PriceServer(EventServer):
    """Price server: prices and block periods for every Price client."""

    definition = Price
    side = Side.server

    def __init__(
        self, *, history: float = HISTORY_SECONDS, retry_delay: float = RETRY_DELAY
    ) -> None:
        super().__init__(history=history, retry_delay=retry_delay)
        self.prices = self.add_book(EventBook("price", self._price_frame))
        self.block_periods = self.add_book(EventBook("block_period", self._block_period_frame))

    # --- the RPC layer's API --------------------------------------------------------------------

    def create_price_event(self, record: Mapping[str, Any], on_done: OnDone | None = None) -> None:
        """Store a price and send Publish Price to every active Price client.

        ``on_done`` gets ``{status, record, device_list}``: 0x00 with the record as stored
        (defaults applied, ``start_time`` resolved, ``utc_time`` = creation time) and the IEEE
        addresses that acknowledged; 0x85 for an invalid record, 0x8A for an Issuer Event ID
        already held (nothing is then stored or sent)."""
        try:
            event, changed = self._new_price(record)
        except RecordError as exc:
            log.info("create_price_event refused (%s): %s", exc.status.name, exc)
            refuse(on_done, exc.status, record)
            return
        self._publish(self.prices, event, on_done, changed=changed)

    def cancel_all_price_events(self) -> dict[str, Any]:
        """Forget every price (SE has no price cancel: clients are not told)."""
        self._clear(self.prices)
        return {"status": int(Status.SUCCESS), "device_list": []}

    def get_price_events(self) -> list[dict[str, Any]]:
        """The prices still valid (current and scheduled), in creation order."""
        return self.prices.records(self.now())

    def current_prices(self) -> list[dict[str, Any]]:
        """The price active now in each lane."""
        return [dict(e.record) for e in self._current(self.now())]

    def create_block_period(self, record: Mapping[str, Any], on_done: OnDone | None = None) -> None:
        """Store a block period and send Publish Block Period to every active Price client
        (same statuses and result as :meth:`create_price_event`)."""
        try:
            rec = normalize(record, BLOCK_PERIOD_FIELDS)
            event = self._new_event(
                self.block_periods,
                rec,
                id_field="issuer_event_id",
                start_field="block_period_start_time",
                minutes=rec["block_period_duration"],
                until_changed=False,
                now=self.now(),
            )
        except RecordError as exc:
            log.info("create_block_period refused (%s): %s", exc.status.name, exc)
            refuse(on_done, exc.status, record)
            return
        self._publish(self.block_periods, event, on_done)

    def get_block_periods(self) -> list[dict[str, Any]]:
        return self.block_periods.records(self.now())

    def cancel_all_block_periods(self) -> dict[str, Any]:
        self._clear(self.block_periods)
        return {"status": int(Status.SUCCESS), "device_list": []}

    # --- rules ----------------------------------------------------------------------------------

    def _new_price(self, record: Mapping[str, Any]) -> tuple[ServerEvent, list[ServerEvent]]:
        now = self.now()
        rec = normalize(record, PRICE_FIELDS, ignored=("utc_time", "current_time"))
        rec["utc_time"] = now
        event = self._new_event(
            self.prices,
            rec,
            id_field="issuer_event_id",
            start_field="start_time",
            minutes=rec["duration_in_minutes"],
            until_changed=True,
            now=now,
        )
        return event, self._supersede(event, now)

    def _supersede(self, new: ServerEvent, now: int) -> list[ServerEvent]:
        """Apply se-spec.md §2.4.4 to the stored prices of the new price's lane."""
        lane = _lane(new)
        overlapping = [e for e in self.prices.valid(now) if _lane(e) == lane and e.overlaps(new)]
        newer = [e for e in overlapping if e.event_id >= new.event_id]
        if newer:
            raise RecordError(
                Status.INVALID_FIELD,
                f"overlaps price {newer[0].event_id:#x}, whose issuer_event_id is not older",
            )
        return supersede(overlapping, new, now)

    def _current(self, now: int) -> list[ServerEvent]:
        best: dict[tuple[int, int], ServerEvent] = {}
        for event in self.prices.valid(now):
            if not event.active_at(now):
                continue
            lane = _lane(event)
            known = best.get(lane)
            if known is None or (event.start, event.seq) > (known.start, known.seq):
                best[lane] = event
        return sorted(best.values(), key=lambda e: e.seq)

    # --- frames ---------------------------------------------------------------------------------

    def _price_frame(self, event: ServerEvent, now: int) -> Frame:
        record = event.record
        payload: dict[str, Any] = {name: record[name] for name in _PUBLISHED}
        payload["rate_label"] = record["rate_label"].encode()
        payload["current_time"] = now
        payload["start_time"] = event.start
        return ("publish_price", payload)

    def _block_period_frame(self, event: ServerEvent, now: int) -> Frame:
        payload = {name: event.record[name] for name in BLOCK_PERIOD_FIELDS}
        payload["block_period_start_time"] = event.start
        return ("publish_block_period", payload)

    # --- commands from clients ------------------------------------------------------------------

    @handles("get_current_price")
    def _get_current_price(self, incoming: Incoming) -> Status | None:
        now = self.now()
        frames = [self._price_frame(e, now) for e in self._current(now)]
        return status_or_none(reply_frames(self, incoming, frames))

    @handles("get_scheduled_prices")
    def _get_scheduled_prices(self, incoming: Incoming) -> Status | None:
        now = self.now()
        request = incoming.payload
        chosen = select_scheduled(
            self.prices.events.values(), request.start_time, request.number_of_events, now
        )
        return status_or_none(
            reply_frames(self, incoming, (self._price_frame(e, now) for e in chosen))
        )

    @handles("get_block_periods")
    def _get_block_periods(self, incoming: Incoming) -> Status | None:
        now = self.now()
        request = incoming.payload
        chosen = select_scheduled(
            self.block_periods.events.values(), request.start_time, request.number_of_events, now
        )
        frames = (self._block_period_frame(e, now) for e in chosen)
        return status_or_none(reply_frames(self, incoming, frames))

    @handles("price_acknowledgement")
    def _price_acknowledgement(self, incoming: Incoming) -> Status | None:
        record = plain(incoming.payload)
        self._response(
            self.prices, record["issuer_event_id"], incoming, record, ReceivedPriceAcknowledgement
        )
        return Status.SUCCESS
