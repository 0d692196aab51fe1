"""What the IPD's event clients (Price, Messaging, DRLC) share: running a sans-I/O engine inside
a client cluster side.

An :class:`EngineClient` wraps one engine (:mod:`segateway.se.price_engine`,
:mod:`~segateway.se.messaging_engine`, :mod:`~segateway.se.drlc_engine`) and does its I/O:

* **time**: every engine call gets ``app.timebase.now()`` (ZCL UTCTime); one clock timer waits
  for the engine's ``next_wakeup()`` (``timebase.clock_time``), re-armed after every call. When
  the time is set (a ``Time Synchronized`` status message on the bus), the engine is advanced to
  the new time at once and the timer follows the new offset;
* **durability**: the engine's snapshot (and the client's settings) is written to the store
  state ``client:<cluster name>`` after every call that changed it and *before* any frame or
  notification that depends on it goes out; ``start()`` restores it, then advances the engine
  over the time the application was down, so what fell due meanwhile happens (and is reported)
  at once;
* **late join** (digi-se-rpc.md §6.1, "reduce communication"): when a device with the matching
  server cluster becomes usable (``DeviceManager.on_active``), and for every such device already
  active at ``start()``, the client asks it for what it holds (:meth:`EngineClient.ask`). While
  the local time is not synchronised and this endpoint has a Time client, the questions wait for
  the first synchronisation (or :data:`LATE_JOIN_WAIT` seconds at most), so that the answers are
  judged against the network's time;
* **requests to every server** for the RPC layer (:meth:`EngineClient.request_all`): sent to every
  active server of the cluster, ``on_done`` gets ``{status, device_list}`` once every send has its
  APS result: 0x00 and the IEEE addresses that acknowledged, 0x01 FAILURE when none did, 0x8B
  NOT_FOUND when there is no active server to ask (digi-se-rpc.md §3.6). The servers' answers
  arrive as commands and produce the usual ``received_*`` notifications.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from ...radio import DeliveryResult
from ...sim.clock import TimerHandle
from ...zcl.cluster import Side
from ...zcl.clusters.time import Time
from ...zcl.status import Status
from ..app import SeApplication
from ..bus import Notification, StatusCode, StatusMessage
from ..devices import Device, DiscoveryStatus
from ..endpoint import Incoming, LocalCluster, Peer, ZclStatusError

__all__ = [
    "LATE_JOIN_WAIT",
    "EngineClient",
    "OnDone",
    "ServerAddress",
    "plain_record",
]

log = logging.getLogger(__name__)

LATE_JOIN_WAIT = 30.0
"""Seconds the late-join questions wait for the first time synchronisation at most."""

ServerAddress = tuple[int, int]
"""A server as (IEEE address, endpoint): how the engines name the ESIs."""

OnDone = Callable[[dict[str, Any]], None]
"""Gets a request's outcome: ``{"status": int, "device_list": [IEEE, …]}``."""


def plain_record(payload: Any, *, renamed: dict[str, str] | None = None) -> dict[str, Any]:
    """A decoded command payload as an RPC record: ints for numbers, enums and bitmaps (signed
    fields signed), text for strings (octet strings such as Rate Label carry UTF-8 text);
    absent optional fields are left out. ``renamed`` maps a ZCL field name to the record's."""
    names = renamed or {}
    out: dict[str, Any] = {}
    for name, value in zip(payload._fields, payload, strict=True):
        if value is None:
            continue
        key = names.get(name, name)
        if isinstance(value, bytes | bytearray | memoryview):
            out[key] = bytes(value).decode("utf-8", "replace")
        elif isinstance(value, str):
            out[key] = str(value)
        elif isinstance(value, int):
            out[key] = int(value)
        else:
            out[key] = value
    return out


class EngineClient(LocalCluster):
    """A client cluster side that runs a sans-I/O engine (module doc). Subclasses set
    ``definition``, implement the engine hooks and register their command handlers."""

    side = Side.client

    def __init__(self) -> None:
        super().__init__()
        self._app_ref: SeApplication | None = None
        self._timer: TimerHandle | None = None
        self._due: int | None = None
        self._saved: str | None = None
        self._unlisten: list[Callable[[], None]] = []
        self._deferred: dict[int, None] = {}  # devices whose late-join questions wait for time
        self._defer_timer: TimerHandle | None = None
        self.started = False

    # --- the engine hooks (subclasses) ------------------------------------------------------

    def load(self, state: Any) -> None:
        """Build the engine from the stored ``state`` (None: nothing stored yet)."""
        raise NotImplementedError

    def state(self) -> Any:
        """What to store: the engine's snapshot and the client's settings (JSON-serialisable)."""
        raise NotImplementedError

    def advance(self, now: int) -> list[Any]:
        """Let the engine's time pass to ``now``; its outputs."""
        raise NotImplementedError

    def next_wakeup(self) -> int | None:
        """The engine's next wake-up (UTCTime), None when nothing is scheduled."""
        raise NotImplementedError

    def emit(self, outputs: Sequence[Any], incoming: Incoming | None) -> Status | None:
        """Turn engine outputs into frames and notifications; the Default Response status for
        ``incoming`` (the command being handled, if any)."""
        raise NotImplementedError

    def ask(self, peer: Peer) -> None:
        """Ask a server that just became usable for what it holds (late join)."""
        raise NotImplementedError

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def app(self) -> SeApplication:
        if self._app_ref is None:
            host = self.host
            if not isinstance(host, SeApplication):
                msg = f"{type(self).__name__} runs in an SeApplication"
                raise TypeError(msg)
            self._app_ref = host
        return self._app_ref

    @property
    def state_name(self) -> str:
        """The store state holding this client's engine."""
        return f"client:{self.definition.name}"

    def now(self) -> int:
        """The current ZCL UTCTime."""
        return self.app.timebase.now()

    def start(self) -> None:
        app = self.app
        stored = app.store.get_state(self.state_name)
        self.load(stored)
        self._saved = None if stored is None else _dump(stored)
        self.started = True
        self._unlisten = [
            app.devices.on_active(self._device_active),
            app.bus.subscribe(self._notified),
        ]
        self.run(self.advance(self.now()))
        for device in list(app.devices.devices.values()):
            if device.active and device.discovery_status is DiscoveryStatus.complete:
                self._device_active(device)

    def close(self) -> None:
        for unlisten in self._unlisten:
            unlisten()
        self._unlisten = []
        for timer in (self._timer, self._defer_timer):
            if timer is not None:
                timer.cancel()
        self._timer = self._defer_timer = None
        self._deferred.clear()
        self.started = False

    def _ready(self) -> None:
        if not self.started:
            raise ZclStatusError(Status.FAILURE, f"{type(self).__name__} is not started")

    # --- running the engine -----------------------------------------------------------------

    def run(self, outputs: Sequence[Any], incoming: Incoming | None = None) -> Status | None:
        """Store what changed, then send and publish ``outputs``, then re-arm the timer."""
        self.save()
        try:
            return self.emit(outputs, incoming)
        finally:
            self._arm()

    def save(self) -> None:
        """Write the state to the store if it changed since it was last written."""
        state = self.state()
        text = _dump(state)
        if text != self._saved:
            self.app.store.put_state(self.state_name, state)
            self._saved = text

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        due = self.next_wakeup()
        self._due = due
        if due is None or not self.started:
            return
        clock = self.app.clock
        when = max(self.app.timebase.clock_time(due), clock.now())
        self._timer = clock.call_at(when, self._wake)

    def _wake(self) -> None:
        self._timer = None
        due = self._due
        now = self.now()
        if due is not None and now < due:
            if self.app.timebase.clock_time(due) > self.app.clock.now() + 0.5:
                self._arm()  # the time base moved back since the timer was set
                return
            now = due  # the same instant, short of it only by floating-point rounding
        self.run(self.advance(now))

    def _notified(self, notification: Notification) -> None:
        if not (
            isinstance(notification, StatusMessage)
            and notification.status == StatusCode.time_synchronized
        ):
            return
        self.run(self.advance(self.now()))
        self._ask_deferred()

    # --- late join --------------------------------------------------------------------------

    def _device_active(self, device: Device) -> None:
        if not device.servers_of(self.cluster_id):
            return
        if self._time_pending():
            self._deferred[int(device.ieee)] = None
            if self._defer_timer is None:
                self._defer_timer = self.app.clock.call_later(LATE_JOIN_WAIT, self._ask_deferred)
            return
        self._ask_device(device)

    def _time_pending(self) -> bool:
        endpoint = self.endpoint
        if endpoint is None or endpoint.cluster(Time.id, Side.client) is None:
            return False  # no Time client here: nothing to wait for
        return not self.app.timebase.synchronized

    def _ask_deferred(self) -> None:
        if self._defer_timer is not None:
            self._defer_timer.cancel()
            self._defer_timer = None
        waiting, self._deferred = list(self._deferred), {}
        for ieee in waiting:
            device = self.app.devices.get(ieee)
            if device is not None and device.active:
                self._ask_device(device)

    def _ask_device(self, device: Device) -> None:
        for endpoint in device.servers_of(self.cluster_id):
            self.ask(Peer(device.nwk, int(device.ieee), endpoint))

    # --- helpers for subclasses -------------------------------------------------------------

    def server_of(self, incoming: Incoming) -> ServerAddress:
        """The sender of ``incoming`` as (IEEE address, endpoint)."""
        peer = incoming.peer
        ieee = peer.ieee if peer.ieee is not None else self.app.resolve_ieee(peer.nwk)
        if ieee is None:
            # Choice: a sender we cannot name cannot be answered later (reports, confirmations)
            raise ZclStatusError(Status.FAILURE, "sender's IEEE address unknown")
        return (int(ieee), peer.endpoint)

    def peer_of(self, server: ServerAddress) -> Peer:
        """Where to send to a server named by the engine."""
        return self.app.peer(server[0], server[1])

    def request_all(self, command: str, payload: Any, on_done: OnDone | None) -> None:
        """Send ``command`` to every active server of the cluster (module doc)."""
        peers = self.app.devices.peers(self.cluster_id, servers=True)
        if not peers:
            if on_done is not None:
                on_done({"status": int(Status.NOT_FOUND), "device_list": []})
            return
        results: dict[int, bool] = {}

        def done(index: int, result: DeliveryResult) -> None:
            results[index] = result.ok
            if len(results) == len(peers) and on_done is not None:
                reached = [int(p.ieee) for i, p in enumerate(peers) if results[i] and p.ieee]
                status = Status.SUCCESS if reached else Status.FAILURE
                on_done({"status": int(status), "device_list": reached})

        for index, peer in enumerate(peers):
            self.send_command(peer, command, payload, on_done=partial(done, index))

    def cluster_notification_fields(self) -> dict[str, int]:
        """``destination_endpoint_id`` and ``cluster_id`` of this client's notifications."""
        endpoint = self.endpoint
        return {
            "destination_endpoint_id": endpoint.endpoint_id if endpoint is not None else 0,
            "cluster_id": self.cluster_id,
        }

    def publish(self, notification: Notification) -> None:
        self.app.bus.publish(notification)


def _dump(state: Any) -> str:
    return json.dumps(state, sort_keys=True, separators=(",", ":"))
