"""The IPD's Price client (se-spec.md §2.4; digi-se-rpc.md §3.6.3), around
:class:`~segateway.se.price_engine.PriceEngine`.

* **Publish Price** from any server: ``received_price_event`` with the engine's status (0x00,
  0x85, 0x8A, and 0x01 / 0x89 where the engine says so); a price asking for it gets a Price
  Acknowledgement (the Publish Price's TSN, in place of the Default Response), every other one
  the engine's status as Default Response (SUCCESS only when Disable Default Response is clear);
  ``updated_active_price_event`` whenever the active price of a commodity changes (at its start,
  its end, or after the randomisation delay the engine applies).
* **Late join**: a Price server that becomes usable is asked Get Current Price and Get Scheduled
  Prices (all of them).
* **Client attributes** PriceIncreaseRandomizeMinutes and PriceDecreaseRandomizeMinutes are the
  engine's (0x00–0x3C, writable by the ESI; INVALID_VALUE outside); they survive a restart.

Records (``record``, ``record_list``) are PublishPriceRecords (digi-se-rpc.md §4.3): the Publish
Price fields by name, Current Time named ``utc_time``, Rate Label as text, absent optional fields
left out. In ``received_price_event`` the record is the command as received; in
``updated_active_price_event`` and :meth:`PriceClient.get_price_events` ``start_time`` is when the
price took effect (Start Time 0 resolved). ``commodity`` is ``{provider_id, unit_of_measure}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...zcl.cluster import Attribute
from ...zcl.clusters.common import UnitOfMeasure
from ...zcl.clusters.price import GetCurrentPriceOptions, Price
from ...zcl.status import Status
from ..bus import ReceivedPriceEvent, UpdatedActivePriceEvent
from ..endpoint import Incoming, Peer, handles
from ..price_engine import (
    Acknowledge,
    ActiveChanged,
    DefaultResponse,
    PriceEngine,
    PriceKey,
    Received,
    StoredPrice,
)
from ._engine_host import EngineClient, OnDone, plain_record

__all__ = ["PriceClient", "price_record"]

_INCREASE = 0x0000  # PriceIncreaseRandomizeMinutes
_DECREASE = 0x0001  # PriceDecreaseRandomizeMinutes
_RANDOMIZE_MAX = 0x3C
_RENAMED = {"current_time": "utc_time"}  # the PublishPriceRecord's name for Current Time
_UTC_LAST = 0xFFFFFFFE


def price_record(payload: Any) -> dict[str, Any]:
    """A Publish Price payload as a PublishPriceRecord (module doc)."""
    return plain_record(payload, renamed=_RENAMED)


def _stored_record(price: StoredPrice) -> dict[str, Any]:
    record = price_record(price.price)
    record["start_time"] = price.start
    return record


def _commodity(key: PriceKey) -> dict[str, Any]:
    return {"provider_id": key.provider_id, "unit_of_measure": int(key.unit_of_measure)}


class PriceClient(EngineClient):
    """Price client: follows the prices of every Price server (module doc)."""

    definition = Price

    def __init__(
        self,
        *,
        increase_randomize_minutes: int = 0x05,
        decrease_randomize_minutes: int = 0x0F,
        capacity: int = 64,
    ) -> None:
        super().__init__()
        for value in (increase_randomize_minutes, decrease_randomize_minutes):
            if not 0x00 <= value <= _RANDOMIZE_MAX:
                msg = f"randomisation is 0 to {_RANDOMIZE_MAX} minutes, not {value!r}"
                raise ValueError(msg)
        self._settings = (increase_randomize_minutes, decrease_randomize_minutes, capacity)
        self.values[_INCREASE] = increase_randomize_minutes
        self.values[_DECREASE] = decrease_randomize_minutes
        self._engine: PriceEngine | None = None

    @property
    def engine(self) -> PriceEngine:
        if self._engine is None:
            msg = "the Price client is not started"
            raise RuntimeError(msg)
        return self._engine

    # --- the engine hooks -------------------------------------------------------------------

    def load(self, state: Any) -> None:
        rng = self.app.rng
        if state is None:
            increase, decrease, capacity = self._settings
            self._engine = PriceEngine(rng, increase, decrease, capacity=capacity)
        else:
            self._engine = PriceEngine.restore(state, rng)

    def state(self) -> Any:
        return self.engine.snapshot()

    def advance(self, now: int) -> list[Any]:
        return list(self.engine.advance(now))

    def next_wakeup(self) -> int | None:
        return self.engine.next_wakeup()

    def emit(self, outputs: Sequence[Any], incoming: Incoming | None) -> Status | None:
        where = self.cluster_notification_fields()
        status: Status | None = None
        for out in outputs:
            if isinstance(out, Received):
                assert incoming is not None  # noqa: S101 - only a command yields Received
                peer = incoming.peer
                self.publish(
                    ReceivedPriceEvent(
                        status=int(out.status),
                        source_address=self.server_of(incoming)[0],
                        source_endpoint_id=peer.endpoint,
                        record=price_record(out.price),
                        **where,
                    )
                )
            elif isinstance(out, DefaultResponse):
                status = out.status
            elif isinstance(out, Acknowledge):
                assert incoming is not None  # noqa: S101 - only a command is acknowledged
                endpoint = self.endpoint
                assert endpoint is not None  # noqa: S101 - dispatching implies attached
                endpoint.respond(self, incoming, "price_acknowledgement", out.payload())
            elif isinstance(out, ActiveChanged):
                records = [] if out.price is None else [_stored_record(out.price)]
                self.publish(
                    UpdatedActivePriceEvent(
                        record_list=records, commodity=_commodity(out.key), **where
                    )
                )
        return status

    def ask(self, peer: Peer) -> None:
        self.send_command(peer, "get_current_price", _current_price_options())
        self.send_command(peer, "get_scheduled_prices", {"start_time": 0, "number_of_events": 0})

    # --- attributes -------------------------------------------------------------------------

    def read_value(self, attr: Attribute) -> Any:
        if self._engine is not None:
            if attr.id == _INCREASE:
                return self._engine.increase_randomize_minutes
            if attr.id == _DECREASE:
                return self._engine.decrease_randomize_minutes
        return super().read_value(attr)

    def attribute_written(self, attr: Attribute, value: Any) -> None:
        if self._engine is None or attr.id not in (_INCREASE, _DECREASE):
            return
        if attr.id == _INCREASE:
            self._engine.increase_randomize_minutes = int(value)
        else:
            self._engine.decrease_randomize_minutes = int(value)
        self.values[attr.id] = int(value)
        self.save()

    # --- commands from servers --------------------------------------------------------------

    @handles("publish_price")
    def _publish_price(self, incoming: Incoming) -> Status | None:
        self._ready()
        server = self.server_of(incoming)
        outputs = self.engine.receive_publish_price(incoming.payload, server, self.now())
        return self.run(outputs, incoming)

    # --- the RPC layer's API ----------------------------------------------------------------

    def get_current_price_event(self, on_done: OnDone | None = None) -> None:
        """Ask every active Price server for its current price (Get Current Price); the
        answers come as ``received_price_event``. ``on_done``: ``{status, device_list}``."""
        self.request_all("get_current_price", _current_price_options(), on_done)

    def get_scheduled_price_events(
        self, start_time: int = 0, number_of_events: int = 0, on_done: OnDone | None = None
    ) -> None:
        """Ask every active Price server for its prices from ``start_time`` (0: now), at most
        ``number_of_events`` (0: all) — Get Scheduled Prices. ``on_done``: ``{status,
        device_list}``; 0x85 INVALID_FIELD (nothing sent) for values outside the fields."""
        if not (0 <= start_time <= _UTC_LAST and 0 <= number_of_events <= 0xFF):
            if on_done is not None:
                on_done({"status": int(Status.INVALID_FIELD), "device_list": []})
            return
        payload = {"start_time": start_time, "number_of_events": number_of_events}
        self.request_all("get_scheduled_prices", payload, on_done)

    def clear_price_events(self) -> None:
        """Forget every price held (the servers keep theirs); ``updated_active_price_event``
        with an empty list for every commodity that had an active price."""
        self.run(self.engine.clear())

    def get_price_events(self) -> list[dict[str, Any]]:
        """The prices held, active and scheduled, by commodity and start time."""
        return [_stored_record(p) for p in self.engine.scheduled()]

    def current_price(self, provider_id: int, unit_of_measure: int) -> dict[str, Any] | None:
        """The active price of a commodity as announced (None: none)."""
        key = PriceKey(provider_id, UnitOfMeasure(unit_of_measure & 0x7F))
        price = self.engine.current(key)
        return None if price is None else _stored_record(price)


def _current_price_options() -> dict[str, Any]:
    # an IPD router keeps its receiver on: it takes unsolicited Publish Price updates
    return {"command_options": GetCurrentPriceOptions.requestor_rx_on_when_idle}
