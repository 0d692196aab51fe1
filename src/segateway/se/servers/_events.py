"""What the ESI event servers (Price, DRLC, Messaging) share: durable event lists, per-device
delivery and the "reduce communication" rule (digi-se-rpc.md §6.1).

An :class:`EventBook` is one durable list of events of one kind (``price``, ``block_period``,
``drlc``, ``message``) held by a server cluster. An :class:`EventServer` is a server cluster
side with one or more books; it

* **stores before it sends**: a new event is written with a ``pending`` delivery row for every
  known client of the cluster, in one transaction, before any frame goes out and before the
  caller hears back; the caller's ``on_done`` gets ``{status, record, device_list}`` once every
  first attempt has an APS result (``device_list``: the IEEE addresses that acknowledged);
* **delivers per device, in creation order**: each client device has one queue and one frame in
  flight; when a device becomes usable (``DeviceManager.on_active``: discovered, or back from
  inactivity) every still-valid event it has not acknowledged is queued for it, and every
  cancellation of an event it had; a failed send to a device that is still active is tried again
  after ``retry_delay`` seconds (each failure counts towards the device's inactivity, so this
  ends), and a device that turned inactive keeps its events pending until it comes back;
* **keeps time on the injected clock**: an event leaves the valid list at its end; ended,
  superseded and cancelled events are kept ``history`` seconds more (with their delivery rows,
  which hold every response a device sent about them) and then deleted;
* **resumes after a restart**: ``start()`` reloads every book, applies what fell due while the
  application was down, re-arms the timer and resumes delivery to the active clients.

Delivery rows (the store's ``deliveries`` table, one per event and device) have these statuses:
``pending`` (not acknowledged yet), ``delivered``, ``failed`` (last attempt failed),
``cancel_pending`` / ``cancel_failed`` (the device had the event; the cancellation has not been
acknowledged yet) and ``cancelled``. Their data: ``endpoint``, ``attempts``, ``updated`` (UTCTime
of the last change) and ``responses`` (every Report Event Status, Price Acknowledgement or Message
Confirmation the device sent about the event, each with its ``received_time``).

Events, their cancellations and the ``pending`` rows written with them are committed before
anything is sent or acknowledged. What only records what devices did — a send's APS result, a
response — is group-committed (:meth:`~segateway.store.Store.deferred`, within a second): a crash
loses at most that window, so an event may go out to a device again and the rows may miss the
last responses (whose notifications went out). A create's or cancel's ``on_done`` commits first,
so the ``device_list`` it reports is durable.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from ...radio import DeliveryResult
from ...sim.clock import TimerHandle
from ...store import Delivery
from ...zcl.status import Status
from ..app import SeApplication
from ..bus import Notification
from ..devices import Device
from ..endpoint import Incoming, LocalCluster, Peer
from ._records import OnDone, RecordError, result

__all__ = [
    "CANCELLED",
    "CANCEL_FAILED",
    "CANCEL_PENDING",
    "DELIVERED",
    "ENDED",
    "FAILED",
    "HISTORY_SECONDS",
    "PENDING",
    "RETRY_DELAY",
    "UNTIL_CHANGED",
    "UTC_LAST",
    "VALID",
    "EventBook",
    "EventServer",
    "Frame",
    "ServerEvent",
    "check_interval",
    "reply_frames",
    "select_scheduled",
    "status_or_none",
    "supersede",
]

log = logging.getLogger(__name__)

HISTORY_SECONDS = 86_400.0  # how long an event that left the valid list is kept (timeline)
RETRY_DELAY = 30.0  # seconds before a failed send to a still-active device is tried again
MAX_SLEEP = 3_600.0  # the timer never sleeps longer, so a time set forward is caught up
UNTIL_CHANGED = 0xFFFF  # Duration In Minutes of a price or message that lasts until changed
UTC_LAST = 0xFFFFFFFE  # the last valid UTCTime (0xFFFFFFFF is "invalid")

# event states
VALID = "valid"
ENDED = "ended"  # expired or superseded
CANCELLED = "cancelled"

# delivery statuses
PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
CANCEL_PENDING = "cancel_pending"
CANCEL_FAILED = "cancel_failed"

_NEEDS_EVENT = frozenset({PENDING, FAILED})
MAX_RESPONSES_KEPT = 64
"""A delivery row keeps the last this many responses of its device (a timeline, not a log:
the full stream is on the bus); a repeat of the last one is only counted (``repeats``)."""
_HAD_EVENT = frozenset({DELIVERED, CANCEL_PENDING, CANCEL_FAILED})  # cancelled: cancel owed

# --- events -------------------------------------------------------------------------------------


@dataclass(eq=False)
class ServerEvent:
    """One event held by a server: the RPC record (defaults applied, start time resolved), its
    interval ``[start, end)`` in UTCTime (``end`` None: until changed) and where it stands."""

    event_id: int
    record: dict[str, Any]
    start: int
    end: int | None
    seq: int = 0
    state: str = VALID
    reason: str = ""  # why it left the valid list: expired, superseded, cancelled, cleared
    closed: int | None = None  # UTCTime it left the valid list
    cancel: dict[str, Any] | None = None  # the cancel command's payload (DRLC, Messaging)

    def valid_at(self, now: int) -> bool:
        return self.state == VALID and (self.end is None or now < self.end)

    def active_at(self, now: int) -> bool:
        return self.valid_at(now) and self.start <= now

    def overlaps(self, other: ServerEvent) -> bool:
        before_end = other.end is None or self.start < other.end
        after_start = self.end is None or other.start < self.end
        return before_end and after_start

    def close(self, state: str, reason: str, when: int) -> None:
        self.state = state
        self.reason = reason
        self.closed = when

    def to_json(self) -> dict[str, Any]:
        return {
            "record": self.record,
            "start": self.start,
            "end": self.end,
            "state": self.state,
            "reason": self.reason,
            "closed": self.closed,
            "cancel": self.cancel,
        }

    @classmethod
    def from_json(cls, event_id: int, seq: int, data: Mapping[str, Any]) -> ServerEvent:
        return cls(
            event_id=event_id,
            record=dict(data["record"]),
            start=int(data["start"]),
            end=None if data.get("end") is None else int(data["end"]),
            seq=seq,
            state=str(data.get("state", VALID)),
            reason=str(data.get("reason", "")),
            closed=None if data.get("closed") is None else int(data["closed"]),
            cancel=data.get("cancel"),
        )


Frame = tuple[str, dict[str, Any]]
"""A command to send: its name and its payload."""


class EventBook:
    """One durable list of events of one kind on a server cluster.

    ``frame(event, now)`` gives the command that delivers an event (built when it is sent, so a
    Publish Price carries the time of sending); ``cancel_frame(event)`` the one that withdraws it
    (None when the cluster has no such command).
    """

    def __init__(
        self,
        kind: str,
        frame: Callable[[ServerEvent, int], Frame],
        cancel_frame: Callable[[ServerEvent], Frame] | None = None,
    ) -> None:
        self.kind = kind
        self.frame = frame
        self.cancel_frame = cancel_frame
        self.events: dict[int, ServerEvent] = {}

    def valid(self, now: int) -> list[ServerEvent]:
        """The events still valid at ``now``, in creation order."""
        return sorted((e for e in self.events.values() if e.valid_at(now)), key=_by_seq)

    def get_valid(self, event_id: int, now: int) -> ServerEvent | None:
        event = self.events.get(event_id)
        return event if event is not None and event.valid_at(now) else None

    def records(self, now: int) -> list[dict[str, Any]]:
        return [dict(e.record) for e in self.valid(now)]


def _by_seq(event: ServerEvent) -> int:
    return event.seq


# --- delivery machinery -------------------------------------------------------------------------


_EVENT = "event"
_CANCEL = "cancel"


@dataclass(eq=False)
class _Job:
    """One frame for one device: an event, the cancellation of one, or a fixed frame (Cancel
    All) that cancels several at once."""

    book: EventBook
    action: str
    event_ids: tuple[int, ...]
    peer: Peer
    fixed: Frame | None = None
    done: Callable[[bool], None] | None = None

    @property
    def key(self) -> tuple[str, str, tuple[int, ...]]:
        return (self.book.kind, self.action, self.event_ids)


class _Lane:
    """One device's queue: one frame in flight at a time, in order."""

    __slots__ = ("busy", "keys", "pumping", "queue")

    def __init__(self) -> None:
        self.queue: deque[_Job] = deque()
        self.keys: set[tuple[str, str, tuple[int, ...]]] = set()
        self.busy: _Job | None = None
        self.pumping = False


class _Gather:
    """Collects the first-attempt results of one create/cancel for its ``on_done``; ``commit``
    runs first (the results it reports are committed before they are acknowledged)."""

    def __init__(
        self, record: Mapping[str, Any], on_done: OnDone | None, commit: Callable[[], None]
    ) -> None:
        self.record = dict(record)
        self.on_done = on_done
        self.commit = commit
        self.order: list[int] = []
        self.failed: set[int] = set()
        self.open = 0
        self.sealed = False

    def add(self, ieee: int) -> Callable[[bool], None]:
        if ieee not in self.order:
            self.order.append(ieee)
        self.open += 1
        finished = False

        def one(ok: bool) -> None:
            nonlocal finished
            if finished:
                return
            finished = True
            if not ok:
                self.failed.add(ieee)
            self.open -= 1
            self._maybe_finish()

        return one

    def seal(self) -> None:
        self.sealed = True
        self._maybe_finish()

    def _maybe_finish(self) -> None:
        if self.sealed and self.open == 0 and self.on_done is not None:
            on_done, self.on_done = self.on_done, None
            self.commit()
            acked = [i for i in self.order if i not in self.failed]
            on_done(result(Status.SUCCESS, self.record, acked))


class EventServer(LocalCluster):
    """A server cluster side that holds durable events and delivers them to every client.

    Subclasses set ``definition`` and ``side``, create their books in ``__init__`` and validate
    records; this base stores, schedules and delivers.
    """

    def __init__(
        self, *, history: float = HISTORY_SECONDS, retry_delay: float = RETRY_DELAY
    ) -> None:
        super().__init__()
        self.history = history
        self.retry_delay = retry_delay
        self.books: dict[str, EventBook] = {}
        self._seq = 0
        self._lanes: dict[int, _Lane] = {}
        self._retries: dict[int, TimerHandle] = {}
        self._timer: TimerHandle | None = None
        self._unlisten: Callable[[], None] | None = None
        self._resume_timer: TimerHandle | None = None
        self._generation = 0
        # the delivery rows of each event, as stored (read once, then written through)
        self._rows: dict[tuple[str, int], dict[int, Delivery]] = {}
        self._seen: dict[int, Device] = {}  # the Device object each client last came back as

    def add_book(self, book: EventBook) -> EventBook:
        self.books[book.kind] = book
        return book

    # --- the application ------------------------------------------------------------------------

    @property
    def app(self) -> SeApplication:
        host = self.host
        if not isinstance(host, SeApplication):
            msg = f"{type(self).__name__} runs in an SeApplication"
            raise TypeError(msg)
        return host

    @property
    def endpoint_id(self) -> int:
        endpoint = self.endpoint
        if endpoint is None:
            msg = f"{type(self).__name__} is not on an endpoint"
            raise RuntimeError(msg)
        return endpoint.endpoint_id

    def now(self) -> int:
        """The current ZCL UTCTime."""
        return self.app.timebase.now()

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Reload every book from the store, apply what fell due, resume delivering."""
        app = self.app
        self._rows.clear()
        for book in self.books.values():
            book.events.clear()
            for stored in app.store.events(book.kind, self.endpoint_id):
                event = ServerEvent.from_json(stored.event_id, stored.seq, stored.data)
                book.events[event.event_id] = event
                self._seq = max(self._seq, stored.seq)
        self._unlisten = app.devices.on_active(self._device_active)
        self._tick()
        self._resume_timer = app.clock.call_later(0, self._resume_all)

    def close(self) -> None:
        """Stop timers and deliveries; waiting ``on_done`` callbacks get what was acknowledged."""
        self._generation += 1
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        for handle in (self._timer, self._resume_timer, *self._retries.values()):
            if handle is not None:
                handle.cancel()
        self._timer = self._resume_timer = None
        self._retries.clear()
        lanes, self._lanes = self._lanes, {}
        for lane in lanes.values():
            jobs = list(lane.queue)
            if lane.busy is not None:
                jobs.insert(0, lane.busy)
            for job in jobs:
                if job.done is not None:
                    job.done(False)

    def reschedule(self) -> None:
        """Re-arm the timer now (after the time base was set)."""
        self._tick()

    # --- clients --------------------------------------------------------------------------------

    def _clients(self) -> tuple[list[Peer], list[int]]:
        """The active client devices of this cluster (one endpoint each) and the inactive ones."""
        devices = self.app.devices
        active: dict[int, Peer] = {}
        for peer in devices.peers(self.cluster_id, servers=False):
            if peer.ieee is None:
                continue
            known = active.get(peer.ieee)
            if known is None or peer.endpoint < known.endpoint:
                active[peer.ieee] = peer
        inactive: dict[int, None] = {}
        for peer in devices.peers(self.cluster_id, servers=False, active_only=False):
            if peer.ieee is not None and peer.ieee not in active:
                inactive[peer.ieee] = None
        return list(active.values()), list(inactive)

    def _device_active(self, device: Device) -> None:
        """A device became usable: serve it what it misses."""
        ieee = int(device.ieee)
        seen = self._seen.get(ieee)
        if seen is not None and seen is not device:
            # removed and added again: the store forgot its delivery rows, so do we
            for rows in self._rows.values():
                rows.pop(ieee, None)
        self._seen[ieee] = device
        endpoints = device.clients_of(self.cluster_id)
        if endpoints and device.nwk is not None:
            self._catch_up(Peer(device.nwk, device.ieee, min(endpoints)))

    def _resume_all(self) -> None:
        self._resume_timer = None
        for peer in self._clients()[0]:
            self._catch_up(peer)

    def _resume(self, ieee: int) -> None:
        self._retries.pop(ieee, None)
        device = self.app.devices.get(ieee)
        endpoints = [] if device is None else device.clients_of(self.cluster_id)
        if device is not None and device.active and device.nwk is not None and endpoints:
            self._catch_up(Peer(device.nwk, device.ieee, min(endpoints)))

    def _catch_up(self, peer: Peer) -> None:
        """Queue for ``peer`` every valid event it has not acknowledged and every cancellation
        of an event it had, in creation order."""
        ieee = peer.ieee
        if ieee is None:
            return
        now = self.now()
        todo: list[tuple[int, _Job]] = []
        for book in self.books.values():
            for event in book.events.values():
                row = self._delivery_rows(book, event.event_id).get(ieee)
                status = None if row is None else row.status
                if event.valid_at(now):
                    if status is None or status in _NEEDS_EVENT:
                        todo.append((event.seq, _Job(book, _EVENT, (event.event_id,), peer)))
                elif (
                    event.state == CANCELLED
                    and book.cancel_frame is not None
                    and now < self._cancel_window(event)
                    and status in _HAD_EVENT
                ):
                    todo.append((event.seq, _Job(book, _CANCEL, (event.event_id,), peer)))
        for _, job in sorted(todo, key=lambda item: item[0]):
            self._enqueue(job)

    def _cancel_window(self, event: ServerEvent) -> float:
        """Until when a device that had a cancelled event is still sent the cancellation."""
        closed = event.closed if event.closed is not None else event.start
        return event.end if event.end is not None else closed + self.history

    # --- creating, cancelling -------------------------------------------------------------------

    def _new_event(
        self,
        book: EventBook,
        record: dict[str, Any],
        *,
        id_field: str,
        start_field: str,
        minutes: int,
        until_changed: bool,
        now: int,
    ) -> ServerEvent:
        """A new event from a checked record: a unique id (else 0x8A), the start time resolved
        (0 = now), an end (``minutes`` after the start; none for 0xFFFF when the cluster has
        "until changed") that is in the future (else 0x85)."""
        event_id = record[id_field]
        self._check_unique(book, event_id, id_field)
        start = record[start_field] or now
        end = None if until_changed and minutes == UNTIL_CHANGED else start + 60 * minutes
        check_interval(end, now)
        record[start_field] = start
        self._seq += 1
        return ServerEvent(event_id, record, start, end, seq=self._seq)

    def _check_unique(self, book: EventBook, event_id: int, name: str) -> None:
        """Refuse (0x8A) an id the book holds, valid or kept for its history."""
        if event_id in book.events:
            raise RecordError(Status.DUPLICATE_EXISTS, f"{name} {event_id:#x} is already used")

    def _publish(
        self,
        book: EventBook,
        event: ServerEvent,
        on_done: OnDone | None,
        *,
        changed: Iterable[ServerEvent] = (),
    ) -> None:
        """Store a new event (and the events it changed) with its delivery rows, then send it to
        every active client; ``on_done`` once every first attempt has a result."""
        store = self.app.store
        active, inactive = self._clients()
        now = self.now()
        with store.transaction():
            for other in changed:
                store.put_event(book.kind, self.endpoint_id, other.event_id, other.to_json())
            store.put_event(book.kind, self.endpoint_id, event.event_id, event.to_json())
            self._rows[(book.kind, event.event_id)] = {}
            for peer in active:
                assert peer.ieee is not None  # noqa: S101 - _clients keeps addressed peers
                data = {"endpoint": peer.endpoint}
                self._row(book, event.event_id, peer.ieee, PENDING, data=data, now=now)
            for ieee in inactive:
                self._row(book, event.event_id, ieee, PENDING, data={}, now=now)
        book.events[event.event_id] = event
        self._arm()
        gather = _Gather(event.record, on_done, self.app.store.flush)
        for peer in active:
            assert peer.ieee is not None  # noqa: S101 - _clients keeps addressed peers
            self._enqueue(_Job(book, _EVENT, (event.event_id,), peer, done=gather.add(peer.ieee)))
        gather.seal()

    def _withdraw(
        self,
        book: EventBook,
        events: list[ServerEvent],
        cancels: list[dict[str, Any]],
        record: Mapping[str, Any],
        on_done: OnDone | None,
        *,
        fixed: Frame | None = None,
    ) -> None:
        """Cancel ``events`` (with the cancel payloads ``cancels``): store it, then tell every
        active client, with one frame per event or with the one ``fixed`` frame (Cancel All)."""
        store = self.app.store
        now = self.now()
        active, _ = self._clients()
        with store.transaction():
            for event, cancel in zip(events, cancels, strict=True):
                event.close(CANCELLED, "cancelled", now)
                event.cancel = cancel
                store.put_event(book.kind, self.endpoint_id, event.event_id, event.to_json())
                rows = self._delivery_rows(book, event.event_id)
                for ieee, row in list(rows.items()):
                    if row.status == DELIVERED and self.app.devices.get(ieee) is not None:
                        self._row(
                            book, event.event_id, ieee, CANCEL_PENDING, data=row.data, now=now
                        )
        self._arm()
        gather = _Gather(record, on_done, self.app.store.flush)
        ids = tuple(e.event_id for e in events)
        for peer in active:
            assert peer.ieee is not None  # noqa: S101 - _clients keeps addressed peers
            if fixed is not None:
                self._enqueue(_Job(book, _CANCEL, ids, peer, fixed, gather.add(peer.ieee)))
                continue
            for event_id in ids:
                self._enqueue(_Job(book, _CANCEL, (event_id,), peer, done=gather.add(peer.ieee)))
        gather.seal()

    def _clear(self, book: EventBook) -> int:
        """Forget every event of ``book`` (and their delivery rows); nothing is sent."""
        count = self.app.store.delete_events(book.kind, self.endpoint_id)
        for event_id in book.events:
            self._rows.pop((book.kind, event_id), None)
        book.events.clear()
        for lane in self._lanes.values():
            for job in [j for j in lane.queue if j.book is book]:
                lane.queue.remove(job)
                lane.keys.discard(job.key)
                if job.done is not None:
                    job.done(False)
        self._arm()
        return count

    # --- the queue ------------------------------------------------------------------------------

    def _enqueue(self, job: _Job) -> None:
        ieee = job.peer.ieee
        if ieee is None:
            return
        lane = self._lanes.setdefault(ieee, _Lane())
        if job.key in lane.keys:
            if job.done is not None:
                job.done(False)  # already on its way for an earlier reason: not counted twice
            return
        lane.keys.add(job.key)
        lane.queue.append(job)
        self._pump(ieee)

    def _pump(self, ieee: int) -> None:
        lane = self._lanes.get(ieee)
        if lane is None or lane.pumping:
            return
        lane.pumping = True
        try:
            while lane.busy is None and lane.queue:
                job = lane.queue.popleft()
                frame = self._frame_of(job)
                if frame is None:
                    lane.keys.discard(job.key)
                    if job.done is not None:
                        job.done(False)
                    continue
                lane.busy = job
                command, payload = frame
                self.send_command(
                    job.peer,
                    command,
                    payload,
                    on_done=partial(self._sent, job, self._generation),
                )
        finally:
            lane.pumping = False
        if not lane.queue and lane.busy is None and self._lanes.get(ieee) is lane:
            del self._lanes[ieee]

    def _frame_of(self, job: _Job) -> Frame | None:
        """The frame to send for ``job`` now, or None when it no longer applies."""
        if job.fixed is not None:
            return job.fixed
        event = job.book.events.get(job.event_ids[0])
        if event is None:
            return None
        if job.action == _EVENT:
            now = self.now()
            return job.book.frame(event, now) if event.valid_at(now) else None
        if event.state != CANCELLED or job.book.cancel_frame is None:
            return None
        return job.book.cancel_frame(event)

    def _sent(self, job: _Job, generation: int, outcome: DeliveryResult) -> None:
        if generation != self._generation:
            return
        ieee = job.peer.ieee
        assert ieee is not None  # noqa: S101 - only addressed jobs are queued
        ok = outcome.ok
        self._record_result(job, ieee, ok)
        lane = self._lanes.get(ieee)
        if lane is not None and lane.busy is job:
            lane.busy = None
            lane.keys.discard(job.key)
        if job.done is not None:
            job.done(ok)
        if not ok:
            device = self.app.devices.get(ieee)
            if device is None or not device.active:
                self._drop_lane(ieee)  # served again when it comes back
                return
            if ieee not in self._retries:
                self._retries[ieee] = self.app.clock.call_later(
                    self.retry_delay, self._resume, ieee
                )
        self._pump(ieee)

    def _drop_lane(self, ieee: int) -> None:
        lane = self._lanes.get(ieee)
        if lane is None or lane.busy is not None:
            return
        del self._lanes[ieee]
        for job in lane.queue:
            if job.done is not None:
                job.done(False)
        lane.queue.clear()
        lane.keys.clear()

    # --- delivery rows --------------------------------------------------------------------------

    def _delivery_rows(self, book: EventBook, event_id: int) -> dict[int, Delivery]:
        key = (book.kind, event_id)
        rows = self._rows.get(key)
        if rows is None:
            rows = self._rows[key] = self.app.store.deliveries(
                book.kind, self.endpoint_id, event_id
            )
        return rows

    def _row(
        self,
        book: EventBook,
        event_id: int,
        ieee: int,
        status: str,
        *,
        data: Mapping[str, Any],
        now: int,
        received: bool = False,
    ) -> None:
        """Write one delivery row and keep it: committed before this returns, or with the next
        group commit when it only records what was ``received`` from the device (a delivery
        result, a response)."""
        body = {**data, "updated": now}
        rows = self._delivery_rows(book, event_id)
        app = self.app
        store = app.store.deferred(app.clock) if received else app.store
        store.set_delivery(book.kind, self.endpoint_id, event_id, ieee, status, body)
        rows[ieee] = Delivery(ieee, status, body)

    def _record_result(self, job: _Job, ieee: int, ok: bool) -> None:
        """Keep a send's outcome on its delivery rows (group-committed: a lost result only
        makes the event go out again; a create's ``on_done`` commits before it reports)."""
        now = self.now()
        for event_id in job.event_ids:
            if event_id not in job.book.events:
                continue
            row = self._delivery_rows(job.book, event_id).get(ieee)
            status = PENDING if row is None else row.status
            data = {} if row is None else dict(row.data)
            data["endpoint"] = job.peer.endpoint
            data["attempts"] = int(data.get("attempts", 0)) + 1
            if job.action == _EVENT:
                if ok and status in _NEEDS_EVENT:
                    status = DELIVERED
                elif not ok and status == PENDING:
                    status = FAILED
            elif ok:
                status = CANCELLED
            elif status in _HAD_EVENT:
                status = CANCEL_FAILED
            self._row(job.book, event_id, ieee, status, data=data, now=now, received=True)

    def _response(
        self,
        book: EventBook,
        event_id: int,
        incoming: Incoming,
        record: dict[str, Any],
        notification: Callable[..., Notification],
    ) -> None:
        """A client told us about an event (status report, acknowledgement, confirmation):
        keep it on the event's delivery row (it proves delivery), then publish it."""
        peer = incoming.peer
        found = peer.ieee if peer.ieee is not None else self.app.resolve_ieee(peer.nwk)
        ieee = None if found is None else int(found)
        now = self.now()
        if ieee is not None and event_id in book.events:
            row = self._delivery_rows(book, event_id).get(ieee)
            status = DELIVERED if row is None or row.status in _NEEDS_EVENT else row.status
            data: dict[str, Any] = {"endpoint": peer.endpoint} if row is None else dict(row.data)
            responses: list[Any] = data.get("responses", [])  # replaced, never changed
            last = dict(responses[-1]) if responses else None
            if last is not None and last.pop("received_time", None) is not None and last == record:
                data["repeats"] = int(data.get("repeats", 0)) + 1  # a retransmission: counted
            else:
                responses = [*responses, {**record, "received_time": now}]
                data["responses"] = responses[-MAX_RESPONSES_KEPT:]
            self._row(book, event_id, ieee, status, data=data, now=now, received=True)
        packet = incoming.packet
        self.app.bus.publish(
            notification(
                source_address=ieee,
                source_endpoint_id=packet.src_ep,
                destination_endpoint_id=packet.dst_ep,
                cluster_id=self.cluster_id,
                record=record,
            )
        )

    def deliveries(self, event_id: int, kind: str | None = None) -> dict[int, dict[str, Any]]:
        """Where an event stands with each device (IEEE address → ``status`` and the row's
        data: ``endpoint``, ``attempts``, ``updated``, ``responses``)."""
        book = self.books[kind] if kind is not None else next(iter(self.books.values()))
        rows = self.app.store.deliveries(book.kind, self.endpoint_id, event_id)
        return {ieee: {"status": row.status, **row.data} for ieee, row in rows.items()}

    # --- time -----------------------------------------------------------------------------------

    def _tick(self) -> None:
        """Apply every transition that is due (ends, purges), persist them, re-arm."""
        self._timer = None
        now = self.now()
        store = self.app.store
        with store.transaction():
            for book in self.books.values():
                for event in list(book.events.values()):
                    if event.state == VALID:
                        if event.end is not None and now >= event.end:
                            event.close(ENDED, "expired", event.end)
                            store.put_event(
                                book.kind, self.endpoint_id, event.event_id, event.to_json()
                            )
                    elif now >= self._purge_at(event):
                        store.delete_event(book.kind, self.endpoint_id, event.event_id)
                        del book.events[event.event_id]
                        self._rows.pop((book.kind, event.event_id), None)
        self._arm()

    def _purge_at(self, event: ServerEvent) -> float:
        closed = event.closed if event.closed is not None else event.start
        last = max(closed, event.end) if event.end is not None else closed
        return last + self.history

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        due: float | None = None
        for book in self.books.values():
            for event in book.events.values():
                when = event.end if event.state == VALID else self._purge_at(event)
                if when is not None and (due is None or when < due):
                    due = when
        if due is None:
            return
        timebase = self.app.timebase
        delay = min(max(0.0, due - timebase.now_exact()), MAX_SLEEP)
        # a millisecond late, so that the UTCTime read in _tick has reached ``due``
        self._timer = self.app.clock.call_later(delay + 0.001, self._tick)


def supersede(stored: Iterable[ServerEvent], new: ServerEvent, now: int) -> list[ServerEvent]:
    """Make room for ``new`` among ``stored`` (valid events of its lane), as an SE client does
    (se-spec.md §2.4.4): each overlapping event ends now, except one active now while ``new``
    starts later, which is cut to end when ``new`` starts. Returns the events changed."""
    changed = [old for old in stored if old is not new and old.overlaps(new)]
    for old in changed:
        if old.active_at(now) and new.start > now:
            old.end = new.start
        else:
            old.close(ENDED, "superseded", now)
    return changed


def reply_frames(server: LocalCluster, incoming: Incoming, frames: Iterable[Frame]) -> int:
    """Answer ``incoming`` with each frame (same TSN); returns how many went out."""
    endpoint = server.endpoint
    if endpoint is None:
        return 0
    count = 0
    for command, payload in frames:
        endpoint.respond(server, incoming, command, payload)
        count += 1
    return count


def select_scheduled(
    events: Iterable[ServerEvent], start_time: int, number: int, now: int
) -> list[ServerEvent]:
    """Get Scheduled Prices / Events: valid events that end after ``start_time`` (0 = now),
    earliest start first, at most ``number`` (0 = all)."""
    since = now if start_time == 0 else start_time
    chosen = sorted(
        (e for e in events if e.valid_at(now) and (e.end is None or e.end > since)),
        key=lambda e: (e.start, e.seq),
    )
    return chosen[:number] if number else chosen


def check_interval(end: int | None, now: int) -> None:
    """Refuse (0x85) an event that would end after the last UTCTime or has already ended."""
    if end is None:
        return
    if end > UTC_LAST:
        raise RecordError(Status.INVALID_FIELD, "it would end after the last UTCTime")
    if end <= now:
        raise RecordError(Status.INVALID_FIELD, "it is already over")


def status_or_none(count: int) -> Status | None:
    """The handler's return after answering with ``count`` frames: NOT_FOUND when none."""
    return None if count else Status.NOT_FOUND
