"""Injected time: the clock protocol every time-reading component takes, and the virtual clock.

Nothing in segateway reads the wall clock. Components receive a :class:`Clock`, ask it for the
time (a float of seconds) and schedule callbacks on it. :class:`VirtualClock` is a discrete-event
scheduler: time stands still while a callback runs and jumps to the next event when it returns, so
a simulation runs as fast as the CPU allows and the same inputs always give the same run. The same
queue can be driven against asyncio's loop time (:meth:`VirtualClock.run_realtime`), which is the
only place in segateway where wall-clock time enters, and only through asyncio's own clock.

Scheduling rules:

* Events run in time order; events for the same time run in the order they were scheduled.
* An event scheduled in the past runs at the current time: time never moves backwards.
* Negative, NaN or infinite delays and NaN or infinite times are refused with ``ValueError``.
* A callback that raises ends the run: the exception propagates out of ``run()`` (or ``step()``,
  ``run_realtime()``...) unchanged, the clock stays at that event's time, the event is consumed
  and every other event stays queued, so the caller decides whether to log and carry on (call
  ``run()`` again) or give up.

The clock is single-threaded: schedule and run from one thread (the asyncio loop's thread when an
asynchronous driver is in use).
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Callable
from heapq import heapify, heappop, heappush
from typing import Any, Protocol

__all__ = ["Clock", "TimerHandle", "VirtualClock"]

_INF = math.inf

# A queue entry is a list ``[when, seq, fn, args, clock]``: lists compare element by element in C,
# and ``seq`` is unique, so the heap never compares callbacks. ``fn`` is set to None when the entry
# runs or is cancelled; ``args`` is set to None only when it is cancelled.
_WHEN, _SEQ, _FN, _ARGS, _CLOCK = range(5)

_COMPACT_MIN = 64
"""Below this many cancelled entries the queue is never compacted (not worth a rebuild)."""


class TimerHandle:
    """A scheduled callback. ``cancel()`` it to stop it from running."""

    __slots__ = ("_entry",)

    def __init__(self, entry: list[Any]) -> None:
        self._entry = entry

    @property
    def when(self) -> float:
        """The time the callback runs at (the current time if it was scheduled in the past)."""
        return float(self._entry[_WHEN])

    @property
    def cancelled(self) -> bool:
        """True once ``cancel()`` was called before the callback ran (it then never runs)."""
        return self._entry[_ARGS] is None

    def cancel(self) -> None:
        """Stop the callback from running; no effect once it has run or was cancelled."""
        entry = self._entry
        if entry[_FN] is not None:
            entry[_FN] = None
            entry[_ARGS] = None
            entry[_CLOCK]._cancelled_one()

    def __repr__(self) -> str:
        entry = self._entry
        state = "cancelled" if entry[_ARGS] is None else "done" if entry[_FN] is None else "pending"
        return f"<TimerHandle when={entry[_WHEN]!r} {state}>"


_new_handle = object.__new__


class Clock(Protocol):
    """What time-reading components receive: the time and a way to be called back later."""

    def now(self) -> float:
        """The current time, in seconds."""
        ...

    def call_at(self, when: float, fn: Callable[..., object], *args: Any) -> TimerHandle:
        """Call ``fn(*args)`` at time ``when`` (at once, in order, if ``when`` has passed)."""
        ...

    def call_later(self, delay: float, fn: Callable[..., object], *args: Any) -> TimerHandle:
        """Call ``fn(*args)`` ``delay`` seconds from now (``delay >= 0``)."""
        ...


class _RealTime:
    """The mapping from asyncio loop time to virtual time while ``run_realtime`` drives a clock."""

    __slots__ = ("limit", "loop", "speed", "virtual0", "waiter", "wake_at", "wall0")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, virtual0: float, speed: float, limit: float
    ) -> None:
        self.loop = loop
        self.wall0 = loop.time()
        self.virtual0 = virtual0
        self.speed = speed
        self.limit = limit  # virtual time never runs past `until`
        self.wake_at = -_INF  # events scheduled before this wake the driver (set while it sleeps)
        self.waiter: asyncio.Future[bool] | None = None

    def now(self) -> float:
        virtual = self.virtual0 + (self.loop.time() - self.wall0) * self.speed
        return virtual if virtual < self.limit else self.limit

    def wake(self, reached: bool = False) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(reached)

    async def sleep_until(self, target: float) -> bool:
        """Sleep until virtual time ``target`` (forever if infinite) or until woken early.

        True when the target time was reached, False when woken early.
        """
        waiter: asyncio.Future[bool] = self.loop.create_future()
        self.waiter = waiter
        self.wake_at = target
        timer = None
        if target < _INF:
            deadline = self.wall0 + (target - self.virtual0) / self.speed
            timer = self.loop.call_at(deadline, self.wake, True)
        try:
            return await waiter
        finally:
            self.waiter = None
            self.wake_at = -_INF
            if timer is not None:
                timer.cancel()


class VirtualClock(Clock):
    """A discrete-event scheduler: virtual time that jumps from one event to the next.

    Nothing happens until one of the ``run*`` methods (or :meth:`step`) executes the queue.
    ``start`` is the initial time (seconds; any origin the caller likes).
    """

    __slots__ = ("_cancelled", "_now", "_queue", "_rt", "_running", "_seq", "_stopping")

    def __init__(self, start: float = 0.0) -> None:
        if not math.isfinite(start):
            raise ValueError(f"start time must be finite, got {start!r}")
        self._now = float(start)
        self._queue: list[list[Any]] = []
        self._seq = itertools.count()
        self._cancelled = 0  # cancelled entries still in the queue
        self._running = False
        self._stopping = False
        self._rt: _RealTime | None = None

    # ------------------------------------------------------------------ the Clock protocol

    def now(self) -> float:
        """The current virtual time.

        In a plain run this is the time of the event being run (or where the last run ended).
        While :meth:`run_realtime` drives the clock it follows asyncio's loop time.
        """
        rt = self._rt
        if rt is None:
            return self._now
        live = rt.now()
        return live if live > self._now else self._now

    def call_later(self, delay: float, fn: Callable[..., object], *args: Any) -> TimerHandle:
        """Call ``fn(*args)`` after ``delay`` seconds of virtual time (``0 <= delay < inf``)."""
        if not 0.0 <= delay < _INF:
            raise ValueError(f"delay must be finite and non-negative, got {delay!r}")
        if self._rt is not None:
            return self._schedule_realtime(self.now() + delay, fn, args)
        entry = [self._now + delay, next(self._seq), fn, args, self]
        heappush(self._queue, entry)
        handle = _new_handle(TimerHandle)  # skips __init__: this is the hot path
        handle._entry = entry
        return handle

    def call_at(self, when: float, fn: Callable[..., object], *args: Any) -> TimerHandle:
        """Call ``fn(*args)`` at virtual time ``when``; a past ``when`` means now (after the
        events already due now)."""
        if not -_INF < when < _INF:
            raise ValueError(f"time must be finite, got {when!r}")
        when = float(when)
        if self._rt is not None:
            return self._schedule_realtime(when, fn, args)
        when = max(when, self._now)
        entry = [when, next(self._seq), fn, args, self]
        heappush(self._queue, entry)
        return TimerHandle(entry)

    # ------------------------------------------------------------------ inspection

    def next_time(self) -> float | None:
        """The time of the next pending event, or None when nothing is pending."""
        queue = self._queue
        while queue and queue[0][_FN] is None:
            heappop(queue)
            self._cancelled -= 1
        return float(queue[0][_WHEN]) if queue else None

    def pending(self) -> int:
        """How many events are scheduled and not cancelled."""
        return len(self._queue) - self._cancelled

    # ------------------------------------------------------------------ running

    def run(self, until: float | None = None, max_events: int | None = None) -> int:
        """Run events in time order; return how many callbacks ran.

        Stops when the queue is empty, after the last event at or before ``until``, after
        ``max_events`` callbacks, or after the callback that called :meth:`stop`. With ``until``,
        time then stands at ``until`` unless the run ended early (``max_events``, ``stop()``, an
        exception). Without ``until`` a run only ends when nothing is left to do, so a periodic
        timer makes it endless: pass ``until`` or ``max_events`` then. A callback's exception
        propagates unchanged (see the module docstring).
        """
        deadline = self._check_until(until)
        limit = self._check_max_events(max_events)
        self._enter()
        try:
            ran = self._run(deadline, limit)
            if until is not None:
                self._finish_at(deadline)
        finally:
            self._running = False
            self._stopping = False
        return ran

    def run_until_idle(self, max_events: int | None = None) -> int:
        """Run until no event is left (or ``max_events`` ran); return how many ran."""
        return self.run(None, max_events)

    def step(self) -> bool:
        """Run the next pending event; False when there was none."""
        self._enter()
        try:
            return self._run(_INF, 1) == 1
        finally:
            self._running = False
            self._stopping = False

    def stop(self) -> None:
        """Make the current run return after the callback in progress.

        Meant to be called from a callback, or from another asyncio task while an asynchronous
        driver runs; when the clock is not running it has no effect.
        """
        if self._running:
            self._stopping = True
            if self._rt is not None:
                self._rt.wake()

    async def run_realtime(self, *, speed: float = 1.0, until: float | None = None) -> int:
        """Run the queue against asyncio's loop time; return how many callbacks ran.

        Virtual time advances ``speed`` times as fast as the loop's (monotonic) clock. Between
        events the driver sleeps on an asyncio timer, so the loop serves other tasks; an event
        that another task schedules earlier than the one being waited for wakes it. Between events
        :meth:`now` follows the loop clock (never going backwards, never past ``until``), so other
        tasks see the live time; a callback sees its own event's time (time stands still while it
        runs, as in :meth:`run`), so protocol timings hold however slow the host is. Returns at
        ``until`` (time then stands at ``until``) or after :meth:`stop`; without ``until`` it
        waits for new events when the queue is empty. Runs of due events are cut into batches
        with a yield in between.
        """
        if not 0.0 < speed < _INF:
            raise ValueError(f"speed must be finite and positive, got {speed!r}")
        deadline = self._check_until(until)
        loop = asyncio.get_running_loop()
        self._enter()
        rt = _RealTime(loop, self._now, speed, deadline)
        self._rt = rt
        ran = 0
        batch = 256
        reached = -_INF  # the target of a sleep that ended on its timer counts as reached
        try:
            while not self._stopping:
                live = rt.now()
                live = max(live, reached)
                # callbacks run in event time, as in a plain run: time stands still while one
                # runs (a MAC turnaround of 192 µs must not become a Python call's 2 ms)
                self._rt = None
                try:
                    count = self._run(live, batch)
                finally:
                    self._rt = rt
                ran += count
                if self._stop_requested():
                    break
                if count == batch:  # more may be due: let the loop breathe, then carry on
                    await asyncio.sleep(0)
                    continue
                if live >= deadline:
                    break
                target = self.next_time()
                if target is None or target > deadline:
                    target = deadline
                if await rt.sleep_until(target):
                    reached = target
        finally:
            live = rt.now()
            live = max(live, reached)
            self._rt = None
            self._now = max(self._now, live)
            self._running = False
            self._stopping = False
        return ran

    async def run_as_fast_as_possible(
        self,
        *,
        until: float | None = None,
        max_events: int | None = None,
        batch: int = 1000,
    ) -> int:
        """Run like :meth:`run`, yielding to the asyncio loop after every ``batch`` events.

        Virtual time races ahead, but other tasks (the gateway's HTTP server, a test) keep being
        served; they may schedule events or call :meth:`stop`. Returns the number of callbacks
        run; ends when the queue is empty, at ``until``, after ``max_events`` or on ``stop()``.
        """
        deadline = self._check_until(until)
        limit = self._check_max_events(max_events)
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch!r}")
        self._enter()
        ran = 0
        try:
            while not self._stopping and ran < limit:
                want = min(batch, limit - ran)
                count = self._run(deadline, want)
                ran += count
                if count < want:  # idle, past the deadline or stopped
                    break
                await asyncio.sleep(0)
            if until is not None:
                self._finish_at(deadline)
        finally:
            self._running = False
            self._stopping = False
        return ran

    # ------------------------------------------------------------------ internals

    def _run(self, deadline: float, limit: int) -> int:
        """The hot loop: run up to ``limit`` events due at or before ``deadline``."""
        queue = self._queue
        ran = 0
        while queue and ran < limit:
            entry = queue[0]
            when = entry[0]
            if when > deadline:
                break
            heappop(queue)
            fn = entry[2]
            if fn is None:
                self._cancelled -= 1
                continue
            entry[2] = None
            self._now = when
            ran += 1
            fn(*entry[3])
            if self._stopping:
                break
        return ran

    def _finish_at(self, deadline: float) -> None:
        """After a run with ``until``: stand at ``until`` if everything up to it has run."""
        if not self._stopping:
            upcoming = self.next_time()
            if upcoming is None or upcoming > deadline:
                self._now = deadline

    def _schedule_realtime(
        self, when: float, fn: Callable[..., object], args: tuple[Any, ...]
    ) -> TimerHandle:
        now = self.now()
        when = max(when, now)
        entry = [when, next(self._seq), fn, args, self]
        heappush(self._queue, entry)
        rt = self._rt
        if rt is not None and when < rt.wake_at:
            rt.wake()
        return TimerHandle(entry)

    def _cancelled_one(self) -> None:
        self._cancelled += 1
        queue = self._queue
        if self._cancelled > _COMPACT_MIN and 2 * self._cancelled > len(queue):
            # In place: a running _run() holds a reference to this very list.
            queue[:] = [entry for entry in queue if entry[_FN] is not None]
            heapify(queue)
            self._cancelled = 0

    def _stop_requested(self) -> bool:
        # A method, not the attribute: type checkers would keep the loop condition's narrowing
        # of `_stopping` across the callbacks that set it.
        return self._stopping

    def _enter(self) -> None:
        if self._running:
            raise RuntimeError("the clock is already running (run() is not re-entrant)")
        self._running = True
        self._stopping = False

    def _check_until(self, until: float | None) -> float:
        if until is None:
            return _INF
        if not self._now <= until < _INF:
            raise ValueError(f"until must be finite and not before now ({self._now!r}): {until!r}")
        return float(until)

    @staticmethod
    def _check_max_events(max_events: int | None) -> int:
        if max_events is None:
            return 1 << 62
        if max_events < 0:
            raise ValueError(f"max_events must not be negative, got {max_events!r}")
        return max_events
