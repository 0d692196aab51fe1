"""The IPD's Messaging client (se-spec.md §2.7; digi-se-rpc.md §3.6.2), around
:class:`~segateway.se.messaging_engine.MessagingEngine`.

* **Display Message** (and Display Protected Message, SE 1.2a): ``received_message_event`` with
  the engine's status (0x00, 0x85, 0x8A, and 0x01 / 0x89 where the engine says so), returned as
  the Default Response status (SUCCESS only when Disable Default Response is clear).
* **Cancel Message**: ``received_message_cancel_event`` (0x00, 0x85, 0x8B), same Default Response
  rule. **Cancel All Messages** (SE 1.2a) also gives a ``received_message_cancel_event``, whose
  record is the command's one field, ``implementation_date_time``.
* ``updated_active_message_events`` whenever the message on display changes (a start, an end, a
  replacement, a cancel, a confirmation), with the engine's special case: a cancel that needs
  confirmation keeps the message listed, with ``cancel_message_control``, until it is confirmed.
* **Confirming** (:meth:`MessagingClient.confirm_message`): Message Confirmation to every server
  that sent the message (or the cancel).
* **Late join**: a Messaging server that becomes usable is asked Get Last Message.

Records are DisplayMessageRecords (digi-se-rpc.md §4.3): the Display Message fields by name,
Message Control as an int, the message as text. In ``received_message_event`` the record is the
command as received; in ``updated_active_message_events`` and
:meth:`MessagingClient.get_message_events` ``start_time`` is when the message took effect (Start
Time 0 resolved), with ``cancel_message_control`` while a cancel waits for confirmation and
``confirmation_time`` once the user confirmed it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from ...radio import DeliveryResult
from ...zcl.clusters.messaging import Messaging
from ...zcl.status import Status
from ..bus import ReceivedMessageCancelEvent, ReceivedMessageEvent, UpdatedActiveMessageEvents
from ..endpoint import Incoming, Peer, handles
from ..messaging_engine import (
    ActiveChanged,
    CancelAllReceived,
    CancelReceived,
    Confirm,
    ConfirmResult,
    MessageEvent,
    MessagingEngine,
    Received,
)
from ._engine_host import EngineClient, OnDone, ServerAddress, plain_record

__all__ = ["MessagingClient", "message_record"]

_Sent = Callable[[ServerAddress, bool], None]


def message_record(event: MessageEvent) -> dict[str, Any]:
    """A held message as a DisplayMessageRecord (module doc)."""
    record = plain_record(event.message)
    record["start_time"] = event.start
    if event.cancel_message_control is not None:
        record["cancel_message_control"] = int(event.cancel_message_control)
    if event.confirmation_time is not None:
        record["confirmation_time"] = event.confirmation_time
    return record


class MessagingClient(EngineClient):
    """Messaging client: the message on display, from every Messaging server (module doc)."""

    definition = Messaging

    def __init__(self, *, capacity: int = 16) -> None:
        super().__init__()
        self._capacity = capacity
        self._engine: MessagingEngine | None = None
        self._confirm_sent: _Sent | None = None

    @property
    def engine(self) -> MessagingEngine:
        if self._engine is None:
            msg = "the Messaging client is not started"
            raise RuntimeError(msg)
        return self._engine

    # --- the engine hooks -------------------------------------------------------------------

    def load(self, state: Any) -> None:
        if state is None:
            self._engine = MessagingEngine(capacity=self._capacity)
        else:
            self._engine = MessagingEngine.restore(state)

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
            if isinstance(out, Received | CancelReceived | CancelAllReceived):
                assert incoming is not None  # noqa: S101 - only a command yields these
                status = out.status
                if isinstance(out, Received):
                    kind: type[ReceivedMessageEvent | ReceivedMessageCancelEvent]
                    kind, record = ReceivedMessageEvent, plain_record(out.message)
                elif isinstance(out, CancelReceived):
                    kind, record = ReceivedMessageCancelEvent, plain_record(out.cancel)
                else:
                    kind, record = ReceivedMessageCancelEvent, plain_record(out.cancel_all)
                self.publish(
                    kind(
                        status=int(out.status),
                        source_address=self.server_of(incoming)[0],
                        source_endpoint_id=incoming.peer.endpoint,
                        record=record,
                        **where,
                    )
                )
            elif isinstance(out, Confirm):
                self.send_command(
                    self.peer_of(out.server),
                    "message_confirmation",
                    out.payload(),
                    on_done=partial(self._confirmation_sent, self._confirm_sent, out.server),
                )
            elif isinstance(out, ActiveChanged):
                records = [message_record(m) for m in out.messages]
                self.publish(UpdatedActiveMessageEvents(record_list=records, **where))
        return status

    def ask(self, peer: Peer) -> None:
        self.send_command(peer, "get_last_message")

    @staticmethod
    def _confirmation_sent(
        sent: _Sent | None, server: ServerAddress, result: DeliveryResult
    ) -> None:
        if sent is not None:
            sent(server, result.ok)

    # --- commands from servers --------------------------------------------------------------

    @handles("display_message")
    def _display_message(self, incoming: Incoming) -> Status | None:
        self._ready()
        server = self.server_of(incoming)
        return self.run(self.engine.receive_display(incoming.payload, server, self.now()), incoming)

    @handles("display_protected_message")
    def _display_protected_message(self, incoming: Incoming) -> Status | None:
        return self._display_message(incoming)

    @handles("cancel_message")
    def _cancel_message(self, incoming: Incoming) -> Status | None:
        self._ready()
        server = self.server_of(incoming)
        return self.run(self.engine.receive_cancel(incoming.payload, server, self.now()), incoming)

    @handles("cancel_all_messages")
    def _cancel_all_messages(self, incoming: Incoming) -> Status | None:
        self._ready()
        server = self.server_of(incoming)
        outputs = self.engine.receive_cancel_all(incoming.payload, server, self.now())
        return self.run(outputs, incoming)

    # --- the RPC layer's API ----------------------------------------------------------------

    def get_last_message_event(self, on_done: OnDone | None = None) -> None:
        """Ask every active Messaging server for its last message (Get Last Message); the
        answer comes as ``received_message_event``. ``on_done``: ``{status, device_list}``."""
        self.request_all("get_last_message", None, on_done)

    def confirm_message(self, message_id: int | None = None, on_done: OnDone | None = None) -> None:
        """The user confirmed message ``message_id`` (None: the one on display): Message
        Confirmation to every server that sent it (or its pending cancel).

        ``on_done`` gets ``{status, device_list}`` once every confirmation has its APS result:
        0x00 and the servers that acknowledged; 0x8B NOT_FOUND when no such message is on
        display; 0x85 INVALID_FIELD for an id that is not a uint32 (nothing sent)."""
        if message_id is not None and not 0 <= message_id <= 0xFFFFFFFF:
            if on_done is not None:
                on_done({"status": int(Status.INVALID_FIELD), "device_list": []})
            return
        outputs = self.engine.confirm(message_id, self.now())
        result = next(o for o in outputs if isinstance(o, ConfirmResult))
        targets = [o.server for o in outputs if isinstance(o, Confirm)]
        results: dict[ServerAddress, bool] = {}

        def sent(server: ServerAddress, ok: bool) -> None:
            results[server] = ok
            if len(results) == len(targets) and on_done is not None:
                reached = [s[0] for s in targets if results[s]]
                on_done({"status": int(result.status), "device_list": reached})

        self._confirm_sent = sent if on_done is not None else None
        try:
            self.run(outputs)
        finally:
            self._confirm_sent = None
        if not targets and on_done is not None:
            on_done({"status": int(result.status), "device_list": []})

    def get_message_events(self) -> list[dict[str, Any]]:
        """The messages held: the one on display (if any), then those not started yet."""
        engine = self.engine
        return [message_record(m) for m in (*engine.active(), *engine.scheduled())]
