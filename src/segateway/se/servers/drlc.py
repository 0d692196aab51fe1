"""The ESI's Demand Response and Load Control server (se-spec.md §2.5; digi-se-rpc.md §3.6.1,
§4.3 LoadControlEventRecord and CancelLoadControlEventRecord).

Load control events are stored durably and delivered to every DRLC client (see :mod:`._events`);
Get Scheduled Events is answered with a Load Control Event per event not yet ended; every
Report Event Status becomes a ``received_report_event_status`` notification and is appended to
the event's delivery row for that device (the per-device timeline: every status with its time).

Rules where the reference is silent (docs/decisions.md):

* The server does not apply the overlap rules (se-spec.md §2.5.3 items 8–11): they are the
  client's, per device class; the server keeps every event until its end or its cancellation and
  re-sends them in creation order, so each client reaches the same conclusion.
* Invalid (0x85): Duration 0 or over 1440 minutes, Criticality Level outside 0x01–0x0F, Device
  Class 0 or with reserved bits (0xF000), reserved Event Control bits, a Duty Cycle outside 0–100
  (0xFF: not used), an Average Load Adjustment outside -100…+100 (-128: not used), an event that
  is already over; a cancellation whose Effective Time is at or after the event's end (the client
  would answer 0xF9). 0x8000 and 0x80 are accepted for the signed "not used" values.
* Cancel All Load Control Events is sent to every active client even when the server holds no
  event (a client may hold some the server has forgotten); a device that had one of the
  cancelled events and was away gets a Cancel Load Control Event per event when it returns.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ...zcl.cluster import Side
from ...zcl.clusters.drlc import Drlc
from ...zcl.status import Status
from ..bus import ReceivedReportEventStatus
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

__all__ = ["CANCEL_FIELDS", "LOAD_CONTROL_EVENT_FIELDS", "DrlcServer"]

log = logging.getLogger(__name__)

_U32 = 0xFFFFFFFF
_INT16_NOT_USED = IntField(-0x8000, -0x8000, 0x7FFF, aliases={0x8000: -0x8000})

LOAD_CONTROL_EVENT_FIELDS: Mapping[str, IntField | TextField] = {
    "issuer_event_id": IntField(None, 0, _U32),
    "device_class": IntField(0x0FFF, 0x0001, 0x0FFF),
    "utility_enrollment_group": IntField(0x00, 0, 0xFF),
    "start_time": IntField(0, 0, UTC_LAST),
    "duration_in_minutes": IntField(None, 1, 1440),
    "criticality_level": IntField(0x01, 0x01, 0x0F),
    "cooling_temperature_offset": IntField(0xFF, 0, 0xFF),
    "heating_temperature_offset": IntField(0xFF, 0, 0xFF),
    "cooling_temperature_set_point": _INT16_NOT_USED,
    "heating_temperature_set_point": _INT16_NOT_USED,
    "average_load_adjustment_percentage": IntField(
        -0x80, -100, 100, also=(-0x80,), aliases={0x80: -0x80}
    ),
    "duty_cycle": IntField(0xFF, 0, 100, also=(0xFF,)),
    "event_control": IntField(0x03, 0, 0x03),
}
"""LoadControlEventRecord with the defaults of digi-se-rpc.md §4.3, in wire order."""

CANCEL_FIELDS: Mapping[str, IntField | TextField] = {
    "issuer_event_id": IntField(None, 0, _U32),
    "device_class": IntField(0x0FFF, 0x0001, 0x0FFF),
    "utility_enrollment_group": IntField(0x00, 0, 0xFF),
    "cancel_control": IntField(0x01, 0, 0x01),
    "effective_time": IntField(0, 0, UTC_LAST),
}
"""CancelLoadControlEventRecord with the defaults of digi-se-rpc.md §4.3, in wire order."""


class DrlcServer(EventServer):
    """DRLC server: load control events for every DRLC client, and their status reports."""

    definition = Drlc
    side = Side.server

    def __init__(
        self, *, history: float = HISTORY_SECONDS, retry_delay: float = RETRY_DELAY
    ) -> None:
        super().__init__(history=history, retry_delay=retry_delay)
        self.load_control_events = self.add_book(
            EventBook("drlc", self._event_frame, self._cancel_frame)
        )

    # --- the RPC layer's API --------------------------------------------------------------------

    def create_DRLC_event(  # noqa: N802 - the Digi SE Framework's name
        self, record: Mapping[str, Any], on_done: OnDone | None = None
    ) -> None:
        """Store a load control event and send it to every active DRLC client.

        ``on_done`` gets ``{status, record, device_list}``: 0x00 with the record as stored
        (defaults applied, ``start_time`` resolved) and the IEEE addresses that acknowledged;
        0x85 for an invalid record, 0x8A for an Issuer Event ID already held."""
        book = self.load_control_events
        try:
            rec = normalize(record, LOAD_CONTROL_EVENT_FIELDS)
            event = self._new_event(
                book,
                rec,
                id_field="issuer_event_id",
                start_field="start_time",
                minutes=rec["duration_in_minutes"],
                until_changed=False,
                now=self.now(),
            )
        except RecordError as exc:
            log.info("create_DRLC_event refused (%s): %s", exc.status.name, exc)
            refuse(on_done, exc.status, record)
            return
        self._publish(book, event, on_done)

    def cancel_DRLC_event(  # noqa: N802 - the Digi SE Framework's name
        self, record: Mapping[str, Any], on_done: OnDone | None = None
    ) -> None:
        """Withdraw an event and send Cancel Load Control Event to every active DRLC client.

        ``on_done`` gets ``{status, record, device_list}``: 0x00 with the cancel record
        (defaults applied); 0x8B NOT_FOUND when no valid event has that id (nothing sent);
        0x85 for an invalid record."""
        book = self.load_control_events
        try:
            rec = normalize(record, CANCEL_FIELDS)
            event = self._to_cancel(rec)
        except RecordError as exc:
            log.info("cancel_DRLC_event refused (%s): %s", exc.status.name, exc)
            refuse(on_done, exc.status, record)
            return
        self._withdraw(book, [event], [rec], rec, on_done)

    def _to_cancel(self, cancel: Mapping[str, Any]) -> ServerEvent:
        event = self.load_control_events.get_valid(cancel["issuer_event_id"], self.now())
        if event is None:
            raise RecordError(Status.NOT_FOUND, "no such event")
        effective = cancel["effective_time"]
        if effective and event.end is not None and effective >= event.end:
            raise RecordError(Status.INVALID_FIELD, "effective_time is not before the end")
        return event

    def cancel_all_DRLC_events(  # noqa: N802 - the Digi SE Framework's name
        self, cancel_control: int = 0x01, on_done: OnDone | None = None
    ) -> None:
        """Withdraw every event and send Cancel All Load Control Events to every active DRLC
        client; ``on_done`` gets ``{status, record: {cancel_control}, device_list}``."""
        now = self.now()
        book = self.load_control_events
        try:
            rec = normalize(
                {"cancel_control": cancel_control},
                {"cancel_control": CANCEL_FIELDS["cancel_control"]},
            )
        except RecordError as exc:
            refuse(on_done, exc.status, {"cancel_control": cancel_control})
            return
        events = book.valid(now)
        cancels = [
            {
                "issuer_event_id": e.event_id,
                "device_class": e.record["device_class"],
                "utility_enrollment_group": e.record["utility_enrollment_group"],
                "cancel_control": rec["cancel_control"],
                "effective_time": 0,
            }
            for e in events
        ]
        fixed = ("cancel_all_load_control_events", dict(rec))
        self._withdraw(book, events, cancels, rec, on_done, fixed=fixed)

    def get_DRLC_events(self) -> list[dict[str, Any]]:  # noqa: N802 - the Digi SE Framework's name
        """The events not yet ended (nor cancelled), in creation order."""
        return self.load_control_events.records(self.now())

    # --- frames ---------------------------------------------------------------------------------

    def _event_frame(self, event: ServerEvent, now: int) -> Frame:
        payload = {name: event.record[name] for name in LOAD_CONTROL_EVENT_FIELDS}
        payload["start_time"] = event.start
        return ("load_control_event", payload)

    def _cancel_frame(self, event: ServerEvent) -> Frame:
        assert event.cancel is not None  # noqa: S101 - a cancelled event keeps its cancel
        return ("cancel_load_control_event", dict(event.cancel))

    # --- commands from clients ------------------------------------------------------------------

    @handles("report_event_status")
    def _report_event_status(self, incoming: Incoming) -> Status | None:
        record = plain(incoming.payload)
        self._response(
            self.load_control_events,
            record["issuer_event_id"],
            incoming,
            record,
            ReceivedReportEventStatus,
        )
        return Status.SUCCESS

    @handles("get_scheduled_events")
    def _get_scheduled_events(self, incoming: Incoming) -> Status | None:
        now = self.now()
        request = incoming.payload
        chosen = select_scheduled(
            self.load_control_events.events.values(),
            request.start_time,
            request.number_of_events,
            now,
        )
        return status_or_none(
            reply_frames(self, incoming, (self._event_frame(e, now) for e in chosen))
        )
