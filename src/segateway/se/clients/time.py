"""The IPD's Time client (se-spec.md §2.3): the network's time from the best Time server.

A synchronisation reads Time, TimeStatus, LastSetTime and ValidUntilTime from every active Time
server (the ESIs), chooses with :func:`~segateway.se.time_engine.choose_time_server`
(Master+Superseding, then Master, then Synchronized; ties to the lower short address; never a
server with neither Master nor Synchronized, nor a Time of 0xFFFFFFFF), and sets
``app.timebase`` from the chosen server's Time (synchronised), moved on by the time since the
server read its clock (taken as the middle of the request's round trip). It then publishes
``StatusMessage(time_synchronized, 1, "Time Synchronized", <server's IEEE>)`` when this changed
the time base: the first synchronisation, a new server, or a time that moved by a second or more
(a resync that confirms the time is silent).
The IPD's event clients re-evaluate their engines on that message.

A synchronisation starts when the client starts (if a Time server is active), whenever a device
with a Time server becomes usable, and when :class:`~segateway.se.time_engine.TimeClient` says a
resync is due (every ``resync_period`` seconds, earlier when the server's ValidUntilTime comes
first, never sooner than ``retry_interval``; ``retry_interval`` after a synchronisation that found
no usable server). A server that does not answer within the ZCL response timeout takes no part.

The follower's snapshot is stored (``client:time``) after each synchronisation, before the
status message; it records the last source. After a restart the client does not trust the old
offset — the local clock may not have survived — and reads the servers again as soon as one is
active.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from functools import partial
from typing import Any

from ...sim.clock import TimerHandle
from ...zcl.cluster import Side
from ...zcl.clusters.time import Time, TimeStatus
from ...zcl.frame import ZclFrame
from ...zcl.status import Status
from ..app import SeApplication
from ..bus import StatusCode, StatusMessage
from ..devices import Device, DiscoveryStatus
from ..endpoint import LocalCluster, Peer
from ..time_engine import (
    DEFAULT_RESYNC_PERIOD,
    DEFAULT_RETRY_INTERVAL,
    INVALID_TIME,
    TimeSource,
    choose_time_server,
)
from ..time_engine import TimeClient as TimeFollower

__all__ = ["TIME_ATTRIBUTES", "TimeClient"]

log = logging.getLogger(__name__)

_TIME, _TIME_STATUS, _LAST_SET_TIME, _VALID_UNTIL_TIME = 0x0000, 0x0001, 0x0008, 0x0009
TIME_ATTRIBUTES = (_TIME, _TIME_STATUS, _LAST_SET_TIME, _VALID_UNTIL_TIME)
"""What a synchronisation reads from each Time server."""
_READ_ATTRIBUTES_RESPONSE = 0x01


class TimeClient(LocalCluster):
    """Time client: keeps ``app.timebase`` on the network's time (module doc)."""

    definition = Time
    side = Side.client

    def __init__(
        self,
        *,
        resync_period: int = DEFAULT_RESYNC_PERIOD,
        retry_interval: int = DEFAULT_RETRY_INTERVAL,
    ) -> None:
        super().__init__()
        self.follower = TimeFollower(resync_period=resync_period, retry_interval=retry_interval)
        self._app_ref: SeApplication | None = None
        self._timer: TimerHandle | None = None
        self._unlisten: Callable[[], None] | None = None
        self._running = False  # a synchronisation is waiting for answers
        self._again = False  # another one was asked for meanwhile
        self.synchronizations = 0  # completed synchronisations that chose a server

    @property
    def app(self) -> SeApplication:
        if self._app_ref is None:
            host = self.host
            if not isinstance(host, SeApplication):
                msg = "the Time client runs in an SeApplication"
                raise TypeError(msg)
            self._app_ref = host
        return self._app_ref

    @property
    def state_name(self) -> str:
        return f"client:{self.definition.name}"

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        app = self.app
        stored = app.store.get_state(self.state_name)
        if stored is not None:
            try:
                old = TimeFollower.restore(stored)
            except (KeyError, TypeError, ValueError):
                log.warning("stored time client state unreadable: ignored")
            else:
                # the settings and the last source, but not the offset (module doc)
                self.follower = TimeFollower(
                    resync_period=old.resync_period, retry_interval=old.retry_interval
                )
                self.follower.source = old.source
        self._unlisten = app.devices.on_active(self._device_active)
        if any(
            d.active and d.discovery_status is DiscoveryStatus.complete and d.servers_of(Time.id)
            for d in app.devices.devices.values()
        ):
            self.synchronize()

    def close(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._running = self._again = False

    def _device_active(self, device: Device) -> None:
        if device.servers_of(Time.id):
            self.synchronize()

    # --- synchronising ----------------------------------------------------------------------

    def synchronize(self) -> None:
        """Read every active Time server now and follow the best one."""
        if self._running:
            self._again = True
            return
        peers = [p for p in self.app.devices.peers(Time.id, servers=True) if p.nwk is not None]
        if not peers:
            return  # a server becoming active starts the next one
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._running = True
        answers: dict[int, tuple[TimeSource, float] | None] = {}
        for index, peer in enumerate(peers):
            self.send_command(
                peer,
                "read_attributes",
                {"attribute_ids": list(TIME_ATTRIBUTES)},
                on_response=partial(self._answer, answers, len(peers), index, peer),
            )

    def _answer(
        self,
        answers: dict[int, tuple[TimeSource, float] | None],
        expected: int,
        index: int,
        peer: Peer,
        frame: ZclFrame | None,
    ) -> None:
        source = _source(peer, frame)
        answers[index] = None if source is None else (source, self.app.clock.now())
        if len(answers) == expected:
            self._finish([a for a in answers.values() if a is not None])

    def _finish(self, answers: list[tuple[TimeSource, float]]) -> None:
        app = self.app
        clock = app.clock
        now = clock.now()
        local = math.ceil(now)  # the follower counts whole seconds: never resync early
        # each Time moved on by the seconds since its answer came
        candidates = [_aged(source, int(now - received)) for source, received in answers]
        chosen = choose_time_server(candidates)
        if chosen is None:
            self.follower.synchronize([], local)
            log.info("time: no usable Time server among %d answers", len(answers))
        else:
            timebase = app.timebase
            previous = self.follower.source
            changed = (
                not timebase.synchronized
                or previous is None
                or previous.server != chosen.server
                or timebase.now() != chosen.time
            )
            self.follower.follow(chosen, local)
            timebase.set(chosen.time)
            self.synchronizations += 1
            app.store.put_state(self.state_name, self.follower.snapshot())
            if changed:
                app.bus.publish(
                    StatusMessage(
                        int(StatusCode.time_synchronized),
                        1,
                        "Time Synchronized",
                        chosen.server[0],
                    )
                )
        self._running = False
        if self._again:
            self._again = False
            self.synchronize()
            return
        due = self.follower.next_sync()
        if due is not None:
            self._timer = clock.call_at(max(float(due), now), self._resync)

    def _resync(self) -> None:
        self._timer = None
        self.synchronize()

    # --- queries ----------------------------------------------------------------------------

    @property
    def source(self) -> TimeSource | None:
        """The server the time was last taken from."""
        return self.follower.source

    def status(self) -> dict[str, Any]:
        """Where the time comes from: ``synchronized``, ``source_address``, ``time_status``."""
        source = self.follower.source
        return {
            "synchronized": self.app.timebase.synchronized,
            "source_address": None if source is None else source.server[0],
            "time_status": None if source is None else int(source.time_status),
        }


def _source(peer: Peer, frame: ZclFrame | None) -> TimeSource | None:
    """What a Read Attributes Response says; None unless it gives Time and TimeStatus."""
    if (
        frame is None
        or frame.header.frame_control & 0x03 != 0
        or frame.header.command_id != _READ_ATTRIBUTES_RESPONSE
        or peer.ieee is None
        or peer.nwk is None
    ):
        return None
    values: dict[int, int] = {}
    for record in frame.payload.records:
        if record.status == Status.SUCCESS and record.value is not None:
            values[int(record.attribute_id)] = int(record.value)
    if _TIME not in values or _TIME_STATUS not in values:
        return None
    return TimeSource(
        server=(int(peer.ieee), peer.endpoint),
        short_address=peer.nwk,
        time=values[_TIME],
        time_status=TimeStatus(values[_TIME_STATUS] & 0xFF),
        last_set_time=values.get(_LAST_SET_TIME, INVALID_TIME),
        valid_until_time=values.get(_VALID_UNTIL_TIME, INVALID_TIME),
    )


def _aged(source: TimeSource, seconds: int) -> TimeSource:
    if seconds <= 0 or source.time == INVALID_TIME:
        return source
    return TimeSource(
        server=source.server,
        short_address=source.short_address,
        time=min(source.time + seconds, INVALID_TIME - 1),
        time_status=source.time_status,
        last_set_time=source.last_set_time,
        valid_until_time=source.valid_until_time,
    )
