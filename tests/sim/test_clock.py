"""The virtual clock: ordering, FIFO, cancellation, compaction, stop, errors and async drivers.

Ordering properties are checked against a brute-force reference scheduler (a list scanned for
the smallest ``(time, scheduling order)`` pair), not against the clock's own heap.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.sim.clock import Clock, TimerHandle, VirtualClock


def test_virtual_clock_is_a_clock() -> None:
    clock: Clock = VirtualClock()
    assert isinstance(clock, VirtualClock)
    assert clock.now() == 0.0
    assert VirtualClock(start=1000.5).now() == 1000.5


def test_events_run_in_time_order_and_time_jumps() -> None:
    clock = VirtualClock()
    seen: list[tuple[str, float]] = []
    clock.call_later(3.0, lambda: seen.append(("c", clock.now())))
    clock.call_later(1.0, lambda: seen.append(("a", clock.now())))
    clock.call_at(2.0, lambda: seen.append(("b", clock.now())))
    assert clock.pending() == 3
    assert clock.next_time() == 1.0
    assert clock.run() == 3
    assert seen == [("a", 1.0), ("b", 2.0), ("c", 3.0)]
    assert clock.now() == 3.0
    assert clock.pending() == 0
    assert clock.next_time() is None


def test_equal_times_run_first_in_first_out() -> None:
    clock = VirtualClock()
    seen: list[int] = []
    for i in range(10):
        clock.call_at(5.0, seen.append, i)
    clock.call_later(5.0, seen.append, 10)
    clock.run()
    assert seen == list(range(11))


def test_event_scheduled_in_the_past_runs_now_after_those_already_due() -> None:
    clock = VirtualClock()
    seen: list[tuple[str, float]] = []

    def at_two() -> None:
        clock.call_at(0.5, lambda: seen.append(("past", clock.now())))
        clock.call_later(0.0, lambda: seen.append(("zero delay", clock.now())))

    clock.call_at(2.0, at_two)
    clock.call_at(2.0, lambda: seen.append(("due", clock.now())))
    clock.run()
    assert seen == [("due", 2.0), ("past", 2.0), ("zero delay", 2.0)]


def test_arguments_are_passed() -> None:
    clock = VirtualClock()
    seen: list[tuple[int, str]] = []
    clock.call_later(1.0, lambda a, b: seen.append((a, b)), 7, "x")
    clock.run()
    assert seen == [(7, "x")]


@pytest.mark.parametrize("delay", [-1.0, -1e-300, math.nan, math.inf])
def test_bad_delays_are_refused(delay: float) -> None:
    clock = VirtualClock()
    with pytest.raises(ValueError, match="delay"):
        clock.call_later(delay, print)
    assert clock.pending() == 0


@pytest.mark.parametrize("when", [math.nan, math.inf, -math.inf])
def test_bad_times_are_refused(when: float) -> None:
    with pytest.raises(ValueError, match="time"):
        VirtualClock().call_at(when, print)


def test_cancel() -> None:
    clock = VirtualClock()
    seen: list[str] = []
    keep = clock.call_later(1.0, seen.append, "keep")
    drop = clock.call_later(1.0, seen.append, "drop")
    assert isinstance(drop, TimerHandle)
    assert drop.when == 1.0
    before = drop.cancelled
    drop.cancel()
    drop.cancel()  # idempotent
    assert (before, drop.cancelled) == (False, True)
    assert clock.pending() == 1
    clock.run()
    assert seen == ["keep"]
    keep.cancel()  # after it ran: no effect
    assert not keep.cancelled
    assert clock.pending() == 0


def test_cancel_from_a_callback_and_self_cancel() -> None:
    clock = VirtualClock()
    seen: list[str] = []
    later = clock.call_later(2.0, seen.append, "later")
    handles: list[TimerHandle] = []

    def first() -> None:
        seen.append("first")
        later.cancel()
        handles[0].cancel()  # cancelling the running timer is a no-op

    handles.append(clock.call_later(1.0, first))
    clock.run()
    assert seen == ["first"]
    assert not handles[0].cancelled
    assert clock.now() == 1.0


def test_next_time_skips_cancelled_events() -> None:
    clock = VirtualClock()
    first = clock.call_later(1.0, print)
    clock.call_later(2.0, print)
    first.cancel()
    assert clock.next_time() == 2.0
    assert clock.pending() == 1


def test_cancelled_timers_do_not_grow_the_queue() -> None:
    """Implementation bound (looks at the private queue): cancelled entries are compacted away."""
    clock = VirtualClock()
    keep = clock.call_later(1e9, print)
    for i in range(100_000):
        clock.call_later(float(i), print).cancel()
        assert len(clock._queue) <= 2 * 64 + 2
    assert clock.pending() == 1
    assert clock.next_time() == keep.when


def test_run_until_stops_time_at_until() -> None:
    clock = VirtualClock()
    seen: list[float] = []
    for t in (1.0, 2.0, 3.0, 4.0):
        clock.call_at(t, lambda: seen.append(clock.now()))
    assert clock.run(until=2.5) == 2
    assert clock.now() == 2.5
    assert clock.run(until=3.0) == 1  # an event exactly at `until` runs
    assert clock.now() == 3.0
    assert clock.run(until=10.0) == 1
    assert clock.now() == 10.0
    assert clock.run(until=20.0) == 0  # idle: time still advances
    assert clock.now() == 20.0
    assert seen == [1.0, 2.0, 3.0, 4.0]


@pytest.mark.parametrize("until", [4.0, math.nan, math.inf])
def test_run_until_refuses_the_past_and_non_finite(until: float) -> None:
    clock = VirtualClock(start=5.0)
    with pytest.raises(ValueError, match="until"):
        clock.run(until=until)


def test_max_events() -> None:
    clock = VirtualClock()
    for t in range(1, 6):
        clock.call_at(float(t), print)
    assert clock.run(until=10.0, max_events=2) == 2
    assert clock.now() == 2.0  # ended early: time stays at the last event
    assert clock.run_until_idle(max_events=0) == 0
    assert clock.run(until=10.0, max_events=3) == 3  # everything up to `until` ran
    assert clock.now() == 10.0
    with pytest.raises(ValueError, match="max_events"):
        clock.run(max_events=-1)


def test_step() -> None:
    clock = VirtualClock()
    seen: list[int] = []
    clock.call_later(1.0, seen.append, 1).cancel()
    clock.call_later(2.0, seen.append, 2)
    assert clock.step()
    assert seen == [2]
    assert clock.now() == 2.0
    assert not clock.step()


def test_stop_from_a_callback() -> None:
    clock = VirtualClock()
    seen: list[int] = []

    def tick(i: int) -> None:
        seen.append(i)
        if i == 3:
            clock.stop()
        clock.call_later(1.0, tick, i + 1)

    clock.call_later(0.0, tick, 0)
    assert clock.run(until=100.0) == 4
    assert clock.now() == 3.0  # a stopped run does not jump to `until`
    assert clock.run(max_events=2) == 2  # the stop request does not outlive its run
    assert seen == [0, 1, 2, 3, 4, 5]
    clock.stop()  # not running: no effect
    assert clock.run(max_events=1) == 1


def test_callback_exception_propagates_and_the_run_can_resume() -> None:
    clock = VirtualClock()
    seen: list[str] = []

    def boom() -> None:
        raise KeyError("boom")

    clock.call_at(1.0, seen.append, "a")
    clock.call_at(2.0, boom)
    clock.call_at(3.0, seen.append, "c")
    with pytest.raises(KeyError, match="boom"):
        clock.run(until=10.0)
    assert clock.now() == 2.0
    assert clock.pending() == 1
    assert clock.run(until=10.0) == 1
    assert seen == ["a", "c"]
    assert clock.now() == 10.0


def test_run_is_not_reentrant() -> None:
    clock = VirtualClock()
    errors: list[Exception] = []

    def nested() -> None:
        try:
            clock.run()
        except RuntimeError as exc:
            errors.append(exc)

    clock.call_later(1.0, nested)
    clock.run()
    assert len(errors) == 1


# ---------------------------------------------------------------------- model-based property


@dataclass
class _ModelEvent:
    ident: int
    when: float
    seq: int
    child_delay: float | None
    cancelled: bool = False
    done: bool = False


@dataclass
class _Model:
    """A reference scheduler: a list scanned for the smallest (when, seq)."""

    now: float = 0.0
    seq: int = 0
    events: list[_ModelEvent] = field(default_factory=list)
    trace: list[tuple[int, float]] = field(default_factory=list)

    def schedule(self, when: float, child_delay: float | None) -> _ModelEvent:
        event = _ModelEvent(len(self.events), max(when, self.now), self.seq, child_delay)
        self.seq += 1
        self.events.append(event)
        return event

    def pending(self) -> list[_ModelEvent]:
        return [e for e in self.events if not (e.cancelled or e.done)]

    def run(self, until: float | None, max_events: int | None) -> int:
        ran = 0
        while max_events is None or ran < max_events:
            due = [e for e in self.pending() if until is None or e.when <= until]
            if not due:
                break
            event = min(due, key=lambda e: (e.when, e.seq))
            event.done = True
            self.now = event.when
            self.trace.append((event.ident, self.now))
            ran += 1
            if event.child_delay is not None:
                self.schedule(self.now + event.child_delay, None)
        upcoming = [e.when for e in self.pending()]
        if until is not None and not (upcoming and min(upcoming) <= until):
            self.now = until
        return ran


_times = st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0]) | st.floats(0.0, 10.0)
_ops = st.lists(
    st.one_of(
        st.tuples(st.just("later"), _times, st.none() | _times),
        st.tuples(st.just("at"), _times, st.none() | _times),
        st.tuples(st.just("cancel"), st.integers(0, 200), st.none()),
        st.tuples(st.just("run"), _times, st.none() | st.integers(0, 5)),
        st.tuples(st.just("step"), st.none(), st.none()),
    ),
    max_size=60,
)


@given(_ops)
def test_clock_matches_a_reference_scheduler(ops: list[tuple[Any, ...]]) -> None:
    clock = VirtualClock()
    model = _Model()
    handles: list[TimerHandle] = []
    trace: list[tuple[int, float]] = []

    def fire(ident: int, child_delay: float | None) -> None:
        trace.append((ident, clock.now()))
        if child_delay is not None:
            handles.append(clock.call_later(child_delay, fire, len(handles), None))

    for op, a, b in ops:
        if op in ("later", "at"):
            when = model.now + a if op == "later" else a
            model.schedule(when, b)
            if op == "later":
                handles.append(clock.call_later(a, fire, len(handles), b))
            else:
                handles.append(clock.call_at(a, fire, len(handles), b))
        elif op == "cancel" and handles:
            index = a % len(handles)
            event = model.events[index]
            if not event.done:
                event.cancelled = True
            handles[index].cancel()
            assert handles[index].cancelled == event.cancelled
        elif op == "run":
            until = clock.now() + a
            assert clock.run(until=until, max_events=b) == model.run(until, b)
        elif op == "step":
            assert clock.step() == (model.run(None, 1) == 1)
        assert trace == model.trace
        assert clock.now() == model.now
        assert clock.pending() == len(model.pending())
        assert len(clock._queue) <= max(clock.pending() + 64, 2 * clock.pending())
    assert clock.run() == model.run(None, None)
    assert trace == model.trace
    times = [t for _, t in trace]
    assert times == sorted(times)


# ---------------------------------------------------------------------- asyncio drivers


async def test_run_realtime_follows_the_loop_clock_at_speed() -> None:
    speed = 100.0
    loop = asyncio.get_running_loop()
    clock = VirtualClock()
    seen: list[tuple[float, float]] = []  # (virtual time, loop time) at each event
    for t in (1.0, 2.0, 5.0):
        clock.call_at(t, lambda: seen.append((clock.now(), loop.time())))
    start = loop.time()
    ran = await clock.run_realtime(speed=speed, until=8.0)
    elapsed = loop.time() - start
    assert ran == 3
    assert clock.now() == 8.0
    assert 0.08 - 0.005 <= elapsed < 0.08 + 0.1
    for (virtual, wall), due in zip(seen, (1.0, 2.0, 5.0), strict=True):
        assert virtual >= due
        # virtual time advances speed × elapsed: never early, a little late at worst
        assert -0.5 <= speed * (wall - start) - due < speed * 0.05


async def test_run_realtime_wakes_for_events_scheduled_by_other_tasks() -> None:
    clock = VirtualClock()
    seen: list[float] = []

    async def other_task() -> None:
        await asyncio.sleep(0.02)
        scheduled_at = clock.now()  # live virtual time, about 2.0
        assert 1.5 <= scheduled_at <= 6.0
        clock.call_later(1.0, lambda: seen.append(clock.now() - scheduled_at))

    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(other_task(), name="scheduler")
        assert await clock.run_realtime(speed=100.0, until=8.0) == 1
    assert clock.now() == 8.0
    assert len(seen) == 1
    assert 1.0 <= seen[0] < 4.0  # ran on time, not at `until`


async def test_run_realtime_until_stopped() -> None:
    clock = VirtualClock()
    ticks: list[float] = []

    def tick() -> None:
        ticks.append(clock.now())
        if len(ticks) == 5:
            clock.stop()
        clock.call_later(1.0, tick)

    clock.call_later(0.0, tick)
    assert await clock.run_realtime(speed=200.0) == 5
    assert 4.0 <= clock.now() < 10.0
    with pytest.raises(ValueError, match="speed"):
        await clock.run_realtime(speed=0.0)


async def test_run_realtime_idle_until_another_task_stops_it() -> None:
    clock = VirtualClock()

    async def stopper() -> None:
        await asyncio.sleep(0.01)
        clock.stop()

    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(stopper(), name="stopper")
        assert await clock.run_realtime(speed=10.0) == 0
    assert 0.05 <= clock.now() < 1.5


async def test_run_as_fast_as_possible_keeps_other_tasks_running() -> None:
    clock = VirtualClock()
    total = 50_000
    count = 0
    turns = 0
    done = False

    def tick() -> None:
        nonlocal count
        count += 1
        if count < total:
            clock.call_later(0.001, tick)

    async def other_task() -> None:
        nonlocal turns
        while not done:
            turns += 1
            await asyncio.sleep(0)

    clock.call_later(0.0, tick)
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(other_task(), name="other")
        ran = await clock.run_as_fast_as_possible(batch=500)
        done = True
    assert ran == total
    assert turns >= total // 500 - 1
    assert clock.now() == pytest.approx((total - 1) * 0.001)


async def test_run_as_fast_as_possible_until_and_stop() -> None:
    clock = VirtualClock()

    def tick() -> None:
        clock.call_later(1.0, tick)

    clock.call_later(0.0, tick)
    assert await clock.run_as_fast_as_possible(until=99.5, batch=7) == 100
    assert clock.now() == 99.5

    async def stopper() -> None:
        clock.stop()

    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(stopper(), name="stopper")  # first runs at the driver's first yield
        ran = await clock.run_as_fast_as_possible(until=1e6, batch=10)
    assert ran == 10
    assert clock.now() == 109.0


async def test_run_realtime_callbacks_see_their_event_time() -> None:
    """Time stands still while a callback runs, also when driven against the loop's clock: a
    callback that takes long in wall time still sees its own event's time, and what it schedules
    is relative to that time (protocol timings — MAC acks within 864 µs — hold on a slow host)."""
    clock = VirtualClock()
    seen: list[tuple[float, float]] = []

    def slow() -> None:
        before = clock.now()
        deadline = time.perf_counter() + 0.02  # 20 ms of wall time = 2 s of virtual at 100×
        while time.perf_counter() < deadline:
            pass
        seen.append((before, clock.now()))
        clock.call_later(0.001, lambda: seen.append((clock.now(), clock.now())))

    clock.call_at(1.0, slow)
    await clock.run_realtime(speed=100.0, until=3.0)
    assert seen[0] == (1.0, 1.0)
    assert seen[1][0] == pytest.approx(1.001)
