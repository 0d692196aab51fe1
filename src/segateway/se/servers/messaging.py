"""The ESI's Messaging server (se-spec.md §2.7; digi-se-rpc.md §3.6.2, §4.3 DisplayMessageRecord
and CancelMessageRecord).

Messages are stored durably and delivered to every Messaging client (see :mod:`._events`); Get
Last Message is answered with the latest still-valid message; every Message Confirmation becomes a
``received_message_confirmation`` notification and is appended to the message's delivery row.

Rules where the reference is silent (docs/decisions.md):

* A new message replaces the messages it overlaps, as a display does (se-spec.md §2.7): they end
  at once, except one shown now while the new one starts later, which is cut to end then. So a
  device that comes back is not shown a series of stale messages.
* "Latest" for Get Last Message is the most recently created message still valid (shown now, or
  scheduled).
* ``cancel_all_message_events`` sends one Cancel Message per valid message to every active client:
  Cancel All Messages is SE 1.2a and SE 1.1 clients do not know it, while Cancel Message works
  on both. ``device_list`` holds the devices that acknowledged every one of them.
* The message text is at most 50 octets of UTF-8: what fits in one unfragmented frame with APS
  encryption (127-octet MPDU; 59 without it), as segateway does not fragment; reserved
  Message Control values (transmission 3, bits 4 and 6) are invalid (0x85).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ...zcl.cluster import Side
from ...zcl.clusters.messaging import Messaging
from ...zcl.status import Status
from ..bus import ReceivedMessageConfirmation
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

__all__ = [
    "CANCEL_MESSAGE_FIELDS",
    "DISPLAY_MESSAGE_FIELDS",
    "MAX_MESSAGE_OCTETS",
    "MessagingServer",
]

log = logging.getLogger(__name__)

MAX_MESSAGE_OCTETS = 50
_U32 = 0xFFFFFFFF
_RESERVED_CONTROL_BITS = 0x50

DISPLAY_MESSAGE_FIELDS: Mapping[str, IntField | TextField] = {
    "message_id": IntField(None, 0, _U32),
    "message_control": IntField(0x00, 0, 0xFF),
    "start_time": IntField(0, 0, UTC_LAST),
    "duration_in_minutes": IntField(None, 1, 0xFFFF),
    "message": TextField(None, MAX_MESSAGE_OCTETS),
}
"""DisplayMessageRecord (digi-se-rpc.md §4.3), in wire order."""

CANCEL_MESSAGE_FIELDS: Mapping[str, IntField | TextField] = {
    "message_id": IntField(None, 0, _U32),
    "message_control": IntField(0x00, 0, 0xFF),
}
"""CancelMessageRecord (digi-se-rpc.md §4.3)."""


def _check_control(control: int) -> None:
    if control & _RESERVED_CONTROL_BITS or control & 0x03 == 0x03:
        raise RecordError(
            Status.INVALID_FIELD, f"message_control {control:#04x} uses reserved bits"
        )


class MessagingServer(EventServer):
    """Messaging server: text messages for every Messaging client, and their confirmations."""

    definition = Messaging
    side = Side.server

    def __init__(
        self, *, history: float = HISTORY_SECONDS, retry_delay: float = RETRY_DELAY
    ) -> None:
        super().__init__(history=history, retry_delay=retry_delay)
        self.messages = self.add_book(EventBook("message", self._display_frame, self._cancel_frame))

    # --- the RPC layer's API --------------------------------------------------------------------

    def create_message_event(
        self, record: Mapping[str, Any], on_done: OnDone | None = None
    ) -> None:
        """Store a message and send Display Message to every active Messaging client.

        ``on_done`` gets ``{status, record, device_list}``: 0x00 with the record as stored
        (``start_time`` resolved) and the IEEE addresses that acknowledged; 0x85 for an invalid
        record, 0x8A for a Message ID already held."""
        now = self.now()
        book = self.messages
        try:
            rec = normalize(record, DISPLAY_MESSAGE_FIELDS, ignored=("cancel_message_control",))
            _check_control(rec["message_control"])
            event = self._new_event(
                book,
                rec,
                id_field="message_id",
                start_field="start_time",
                minutes=rec["duration_in_minutes"],
                until_changed=True,
                now=now,
            )
        except RecordError as exc:
            log.info("create_message_event refused (%s): %s", exc.status.name, exc)
            refuse(on_done, exc.status, record)
            return
        changed = supersede(book.valid(now), event, now)
        self._publish(book, event, on_done, changed=changed)

    def cancel_message_event(
        self, record: Mapping[str, Any], on_done: OnDone | None = None
    ) -> None:
        """Withdraw a message and send Cancel Message to every active Messaging client.

        ``on_done`` gets ``{status, record, device_list}``: 0x00 with the cancel record; 0x8B
        NOT_FOUND when no valid message has that id (nothing sent); 0x85 for an invalid record."""
        book = self.messages
        try:
            rec = normalize(record, CANCEL_MESSAGE_FIELDS)
            _check_control(rec["message_control"])
            event = self._to_cancel(rec["message_id"])
        except RecordError as exc:
            log.info("cancel_message_event refused (%s): %s", exc.status.name, exc)
            refuse(on_done, exc.status, record)
            return
        self._withdraw(book, [event], [rec], rec, on_done)

    def _to_cancel(self, message_id: int) -> ServerEvent:
        event = self.messages.get_valid(message_id, self.now())
        if event is None:
            raise RecordError(Status.NOT_FOUND, "no such message")
        return event

    def cancel_all_message_events(self, on_done: OnDone | None = None) -> None:
        """Withdraw every message: one Cancel Message per message to every active client;
        ``on_done`` gets ``{status, record: {}, device_list}``."""
        book = self.messages
        events = book.valid(self.now())
        cancels = [{"message_id": e.event_id, "message_control": 0x00} for e in events]
        self._withdraw(book, events, cancels, {}, on_done)

    def get_message_events(self) -> list[dict[str, Any]]:
        """The messages still valid (shown or scheduled), in creation order."""
        return self.messages.records(self.now())

    # --- frames ---------------------------------------------------------------------------------

    def _display_frame(self, event: ServerEvent, now: int) -> Frame:
        payload = {name: event.record[name] for name in DISPLAY_MESSAGE_FIELDS}
        payload["start_time"] = event.start
        return ("display_message", payload)

    def _cancel_frame(self, event: ServerEvent) -> Frame:
        assert event.cancel is not None  # noqa: S101 - a cancelled event keeps its cancel
        return ("cancel_message", dict(event.cancel))

    # --- commands from clients ------------------------------------------------------------------

    @handles("get_last_message")
    def _get_last_message(self, incoming: Incoming) -> Status | None:
        now = self.now()
        valid = self.messages.valid(now)
        frames = [self._display_frame(valid[-1], now)] if valid else []
        return status_or_none(reply_frames(self, incoming, frames))

    @handles("message_confirmation")
    def _message_confirmation(self, incoming: Incoming) -> Status | None:
        record = plain(incoming.payload)
        self._response(
            self.messages, record["message_id"], incoming, record, ReceivedMessageConfirmation
        )
        return Status.SUCCESS
