"""The Messaging client's rules (se-spec.md §2.7, digi-se-rpc.md §3.6.2), sans-I/O.

:class:`MessagingEngine` keeps the messages an In-Premise Display has received and says which one
is on display. It reads no clock and sends nothing: every method takes ``now`` (ZCL UTCTime) and
returns output records — the ``received_message_event``, ``received_message_cancel_event`` and
``updated_active_message_events`` notifications and the Message Confirmations to send.

Decisions where the reference is silent (also in ``docs/decisions.md``):

* **Replacement happens at the new message's start.** §2.7 says a new message replaces the one on
  display. A message scheduled for later leaves the current one up until it starts. At any
  instant the message on display is the *latest accepted* message that has started and not
  ended; started messages accepted earlier are dropped for good (replaced), so an older message
  never comes back after a newer one. At most one message is active; the active list that
  :class:`ActiveChanged` carries has 0 or 1 entries.
* **Intervals** are half-open, ``[start, start + 60 × duration)``; 0xFFFF never ends. A message
  already over when it arrives is refused with 0x01 FAILURE (as Price does for an expired price).
* **Invalid field (0x85):** Start Time 0xFFFFFFFF, Duration 0, an end past the last UTCTime,
  transmission 3 (reserved) in Message Control, or an invalid (0xFF-length) message string. A
  Cancel Message with transmission 3 is 0x85 too.
* **Duplicates (0x8A)** are ids of messages held now (scheduled, on display or waiting for a
  cancel confirmation). The server that sent the duplicate is remembered as a sender, so a
  confirmation goes to it as well. Ended, replaced and cancelled messages are forgotten.
* **Capacity.** At most ``capacity`` messages (default 16) and as many pending Cancel All
  Messages are held; beyond that the command is refused with 0x89 INSUFFICIENT_SPACE.
* **Cancel that needs confirmation** (digi-se-rpc.md §3.6.2): a Cancel Message whose Message
  Control asks for confirmation and that hits the message on display keeps that message in the
  active list with ``cancel_message_control`` set until :meth:`MessagingEngine.confirm`, a newer
  message replacing it or a Cancel All Messages; its own end time no longer removes it (it is
  now the cancellation's notice). The cancel on a message not yet on display just removes it.
* **Confirming.** Only a message on display can be confirmed (anything else is 0x8B NOT_FOUND);
  any such message may be confirmed, whether or not it asked for it. The confirmation goes to
  every server that sent the message (for a pending cancellation: every server that sent the
  cancel). Confirming a message records ``confirmation_time`` on it (announced); confirming a
  pending cancellation removes the message. Confirming again re-sends the confirmation.
* **Cancel All Messages (SE 1.2a)**: Implementation Date/Time 0 = now; at that time every
  message accepted before the command is removed (later messages survive); 0xFFFFFFFF is 0x85.
* **Display Protected Message (SE 1.2a)** has the same payload: feed it to
  :meth:`MessagingEngine.receive_display`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..zcl.clusters.messaging import MessageControl, MessageTransmission, Messaging
from ..zcl.status import Status

__all__ = [
    "ActiveChanged",
    "CancelAllMessagesRecord",
    "CancelAllReceived",
    "CancelMessageRecord",
    "CancelReceived",
    "Confirm",
    "ConfirmResult",
    "DisplayMessageRecord",
    "MessageEvent",
    "MessagingEngine",
    "MessagingOutput",
    "Received",
    "ServerAddress",
]

ServerAddress = tuple[int, int]
"""A Messaging server as (IEEE address, endpoint)."""

_UTC_MAX = 0xFFFFFFFE
_UNTIL_CHANGED = 0xFFFF
_SNAPSHOT_VERSION = 1


class DisplayMessageRecord(Protocol):
    """The fields of a decoded Display Message the engine reads."""

    @property
    def message_id(self) -> int: ...
    @property
    def message_control(self) -> int: ...
    @property
    def start_time(self) -> int: ...
    @property
    def duration_in_minutes(self) -> int: ...
    @property
    def message(self) -> str: ...


class CancelMessageRecord(Protocol):
    """The fields of a decoded Cancel Message."""

    @property
    def message_id(self) -> int: ...
    @property
    def message_control(self) -> int: ...


class CancelAllMessagesRecord(Protocol):
    """The field of a decoded Cancel All Messages (SE 1.2a)."""

    @property
    def implementation_date_time(self) -> int: ...


@dataclass(frozen=True, slots=True)
class MessageEvent:
    """A message held by the client (a DisplayMessageEventRecord).

    ``start`` has Start Time 0 replaced by the time of arrival; ``end`` is None for "until
    changed". ``cancel_message_control`` is set while a cancellation waits for confirmation;
    ``confirmation_time`` once the user confirmed the message.
    """

    message: DisplayMessageRecord
    start: int
    end: int | None
    cancel_message_control: MessageControl | None = None
    confirmation_time: int | None = None

    @property
    def message_id(self) -> int:
        return int(self.message.message_id)


# --- outputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Received:
    """A Display Message was handled with ``status`` (``received_message_event``)."""

    status: Status
    message: DisplayMessageRecord


@dataclass(frozen=True, slots=True)
class CancelReceived:
    """A Cancel Message was handled with ``status`` (``received_message_cancel_event``)."""

    status: Status
    cancel: CancelMessageRecord


@dataclass(frozen=True, slots=True)
class CancelAllReceived:
    """A Cancel All Messages was handled with ``status``."""

    status: Status
    cancel_all: CancelAllMessagesRecord


@dataclass(frozen=True, slots=True)
class ActiveChanged:
    """The messages on display are now ``messages`` (``updated_active_message_events``)."""

    messages: tuple[MessageEvent, ...]


@dataclass(frozen=True, slots=True)
class Confirm:
    """Send Message Confirmation (C→S 0x01) to ``server``."""

    server: ServerAddress
    message_id: int
    confirmation_time: int

    def payload(self) -> Any:
        """The ``message_confirmation`` payload record (SE 1.1 fields)."""
        return Messaging.commands.message_confirmation.make(
            message_id=self.message_id, confirmation_time=self.confirmation_time
        )


@dataclass(frozen=True, slots=True)
class ConfirmResult:
    """The outcome of :meth:`MessagingEngine.confirm` (the ``confirm_message`` response status)."""

    status: Status
    message_id: int | None


MessagingOutput = (
    Received | CancelReceived | CancelAllReceived | ActiveChanged | Confirm | ConfirmResult
)


@dataclass(slots=True)
class _Entry:
    seq: int
    message: DisplayMessageRecord
    start: int
    end: int | None
    servers: list[ServerAddress]
    displayed: bool = False
    cancel_control: MessageControl | None = None
    cancel_servers: list[ServerAddress] = field(default_factory=list)
    confirmation_time: int | None = None

    @property
    def message_id(self) -> int:
        return int(self.message.message_id)

    def ends_by(self, t: int) -> bool:
        """Over at ``t`` (a message waiting for its cancel confirmation does not end)."""
        return self.cancel_control is None and self.end is not None and self.end <= t

    def view(self) -> MessageEvent:
        return MessageEvent(
            self.message, self.start, self.end, self.cancel_control, self.confirmation_time
        )


@dataclass(frozen=True, slots=True)
class _CancelAll:
    time: int
    seq: int  # removes the messages accepted before it


# --- the engine ------------------------------------------------------------------------------


class MessagingEngine:
    """The Messaging client of one endpoint."""

    def __init__(self, *, capacity: int = 16) -> None:
        if capacity < 1:
            msg = f"capacity must be at least 1, not {capacity!r}"
            raise ValueError(msg)
        self.capacity = capacity
        self._entries: list[_Entry] = []  # in the order accepted
        self._cancel_alls: list[_CancelAll] = []
        self._seq = 0
        self._now: int | None = None

    # --- inputs ------------------------------------------------------------------------------

    def receive_display(
        self, message: DisplayMessageRecord, server: ServerAddress, now: int
    ) -> list[MessagingOutput]:
        """Handle a Display Message (or Display Protected Message) from ``server`` at ``now``."""
        before = self.active()
        self._settle(now)
        status = self._admit(message, server, now)
        return [Received(status, message), *self._changes(before, now)]

    def receive_cancel(
        self, cancel: CancelMessageRecord, server: ServerAddress, now: int
    ) -> list[MessagingOutput]:
        """Handle a Cancel Message from ``server`` at ``now``."""
        before = self.active()
        self._settle(now)
        control = MessageControl(int(cancel.message_control))
        entry = self._find(int(cancel.message_id))
        if control.transmission.name not in MessageTransmission.__members__:
            status = Status.INVALID_FIELD
        elif entry is None:
            status = Status.NOT_FOUND
        else:
            status = Status.SUCCESS
            if entry.displayed and control.message_confirmation_required:
                entry.cancel_control = control
                if server not in entry.cancel_servers:
                    entry.cancel_servers.append(server)
            else:
                self._entries.remove(entry)
        return [CancelReceived(status, cancel), *self._changes(before, now)]

    def receive_cancel_all(
        self, cancel_all: CancelAllMessagesRecord, server: ServerAddress, now: int
    ) -> list[MessagingOutput]:
        """Handle a Cancel All Messages (SE 1.2a) at ``now``; ``server`` is not needed."""
        del server  # every message goes, whoever sent it
        before = self.active()
        self._settle(now)
        when = int(cancel_all.implementation_date_time)
        if when == 0xFFFFFFFF:
            status = Status.INVALID_FIELD
        elif when > now and len(self._cancel_alls) >= self.capacity:
            status = Status.INSUFFICIENT_SPACE
        else:
            status = Status.SUCCESS
            self._seq += 1
            self._cancel_alls.append(_CancelAll(max(when, now), self._seq))
        return [CancelAllReceived(status, cancel_all), *self._changes(before, now)]

    def confirm(self, message_id: int | None, now: int) -> list[MessagingOutput]:
        """The user confirmed message ``message_id`` (None: the one on display)."""
        before = self.active()
        self._settle(now)
        shown = [e for e in self._entries if e.displayed]
        if message_id is not None:
            shown = [e for e in shown if e.message_id == message_id]
        if not shown:
            return [ConfirmResult(Status.NOT_FOUND, message_id), *self._changes(before, now)]
        entry = shown[-1]
        out: list[MessagingOutput] = [ConfirmResult(Status.SUCCESS, entry.message_id)]
        if entry.cancel_control is not None:
            out += [Confirm(s, entry.message_id, now) for s in entry.cancel_servers]
            self._entries.remove(entry)
        else:
            out += [Confirm(s, entry.message_id, now) for s in entry.servers]
            entry.confirmation_time = now
        return [*out, *self._changes(before, now)]

    def advance(self, now: int) -> list[MessagingOutput]:
        """Let time pass to ``now``: messages start, end and are replaced."""
        before = self.active()
        return list(self._changes(before, now))

    # --- queries -----------------------------------------------------------------------------

    def active(self) -> tuple[MessageEvent, ...]:
        """The messages on display (0 or 1), as last announced."""
        return tuple(e.view() for e in self._entries if e.displayed)

    def scheduled(self) -> list[MessageEvent]:
        """The messages held that have not started yet, in the order accepted."""
        return [e.view() for e in self._entries if not e.displayed]

    def next_wakeup(self) -> int | None:
        """When :meth:`advance` must next be called (None: nothing scheduled)."""
        times = [c.time for c in self._cancel_alls]
        for e in self._entries:
            if not e.displayed:
                times.append(e.start)
            elif e.cancel_control is None and e.end is not None:
                times.append(e.end)
        return min(times) if times else None

    # --- rules -------------------------------------------------------------------------------

    def _admit(self, message: DisplayMessageRecord, server: ServerAddress, now: int) -> Status:
        control = MessageControl(int(message.message_control))
        text = message.message
        if (
            message.start_time == 0xFFFFFFFF
            or message.duration_in_minutes == 0
            or control.transmission.name not in MessageTransmission.__members__
            or getattr(text, "invalid", False)
        ):
            return Status.INVALID_FIELD
        start = now if message.start_time == 0 else int(message.start_time)
        end = (
            None
            if message.duration_in_minutes == _UNTIL_CHANGED
            else start + 60 * int(message.duration_in_minutes)
        )
        if end is not None and end > _UTC_MAX:
            return Status.INVALID_FIELD
        held = self._find(int(message.message_id))
        if held is not None:
            if server not in held.servers:
                held.servers.append(server)
            return Status.DUPLICATE_EXISTS
        if end is not None and end <= now:
            return Status.FAILURE
        if len(self._entries) >= self.capacity:
            return Status.INSUFFICIENT_SPACE
        self._seq += 1
        self._entries.append(_Entry(self._seq, message, start, end, [server]))
        return Status.SUCCESS

    def _find(self, message_id: int) -> _Entry | None:
        for e in self._entries:
            if e.message_id == message_id:
                return e
        return None

    def _changes(self, before: tuple[MessageEvent, ...], now: int) -> list[ActiveChanged]:
        self._settle(now)
        after = self.active()
        return [ActiveChanged(after)] if after != before else []

    def _settle(self, now: int) -> None:
        """Apply every start, end and Cancel All between the last call and ``now``, in order."""
        last = self._now
        times = {c.time for c in self._cancel_alls}
        for e in self._entries:
            times.add(e.start)
            if e.end is not None:
                times.add(e.end)
        for t in sorted(t for t in times if (last is None or t > last) and t < now):
            self._apply(t)
        self._apply(now)
        self._now = now

    def _apply(self, t: int) -> None:
        for cancel_all in [c for c in self._cancel_alls if c.time <= t]:
            self._cancel_alls.remove(cancel_all)
            self._entries = [e for e in self._entries if e.seq > cancel_all.seq]
        self._entries = [e for e in self._entries if not e.ends_by(t)]
        started = [e for e in self._entries if e.start <= t]
        if started:
            top = max(started, key=lambda e: e.seq)
            self._entries = [e for e in self._entries if e.start > t or e is top]
            top.displayed = True

    # --- persistence -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The engine's state as JSON-serialisable data."""
        schema = Messaging.commands.display_message.schema
        return {
            "version": _SNAPSHOT_VERSION,
            "capacity": self.capacity,
            "now": self._now,
            "seq": self._seq,
            "messages": [
                {
                    "seq": e.seq,
                    "message": schema.to_json(e.message),
                    "start": e.start,
                    "end": e.end,
                    "servers": [list(s) for s in e.servers],
                    "displayed": e.displayed,
                    "cancel_message_control": (
                        None if e.cancel_control is None else int(e.cancel_control)
                    ),
                    "cancel_servers": [list(s) for s in e.cancel_servers],
                    "confirmation_time": e.confirmation_time,
                }
                for e in self._entries
            ],
            "cancel_alls": [{"time": c.time, "seq": c.seq} for c in self._cancel_alls],
        }

    @classmethod
    def restore(cls, data: dict[str, Any]) -> MessagingEngine:
        """An engine in the state :meth:`snapshot` recorded."""
        if data.get("version") != _SNAPSHOT_VERSION:
            msg = f"unknown messaging engine snapshot version {data.get('version')!r}"
            raise ValueError(msg)
        engine = cls(capacity=int(data["capacity"]))
        engine._now = None if data["now"] is None else int(data["now"])
        engine._seq = int(data["seq"])
        for item in data["messages"]:
            cancel = item["cancel_message_control"]
            engine._entries.append(
                _Entry(
                    seq=int(item["seq"]),
                    message=Messaging.commands.display_message.make(item["message"]),
                    start=int(item["start"]),
                    end=None if item["end"] is None else int(item["end"]),
                    servers=[_server(s) for s in item["servers"]],
                    displayed=bool(item["displayed"]),
                    cancel_control=None if cancel is None else MessageControl(int(cancel)),
                    cancel_servers=[_server(s) for s in item["cancel_servers"]],
                    confirmation_time=(
                        None
                        if item["confirmation_time"] is None
                        else int(item["confirmation_time"])
                    ),
                )
            )
        engine._entries.sort(key=lambda e: e.seq)
        engine._cancel_alls = [
            _CancelAll(int(c["time"]), int(c["seq"])) for c in data["cancel_alls"]
        ]
        return engine


def _server(item: Any) -> ServerAddress:
    return (int(item[0]), int(item[1]))
