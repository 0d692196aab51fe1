"""Group commit of received telemetry (``Store.deferred``) and what stays committed before it is
acknowledged (docs/decisions.md, "Persistence: what is committed before it is acknowledged, what
is group-committed").

What reached the disk is always read through a second SQLite connection: it sees only committed
transactions, as a gateway restarted after a crash would.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from segateway.se.bus import ReceivedReportEventStatus
from segateway.se.servers import DrlcServer
from segateway.sim.clock import VirtualClock
from segateway.store import COMMIT_DELAY, Store
from tests.se.esikit import DRLC, IPD_A, IPD_B, client, hexb, server
from tests.se.sekit import Home


def on_disk(path: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` as committed in the file (a connection of its own)."""
    db = sqlite3.connect(path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def state_on_disk(path: Path, name: str) -> Any:
    rows = on_disk(path, "SELECT data FROM state WHERE name=?", name)
    return json.loads(rows[0][0]) if rows else None


# --- the store ----------------------------------------------------------------------------------


def test_a_store_used_as_before_commits_every_write(tmp_path: Path) -> None:
    """Without deferred writes nothing changes: every write is committed when it returns."""
    path = tmp_path / "gw.sqlite"
    with Store(path) as store:
        store.put_state("engine", {"n": 1})
        store.set_delivery("drlc", 0x5E, 7, 2, "pending")
        assert state_on_disk(path, "engine") == {"n": 1}
        assert on_disk(path, "SELECT status FROM deliveries") == [("pending",)]
        assert store.commits == 2
        assert store.waiting == 0


def test_deferred_writes_are_read_at_once_and_committed_within_the_delay(tmp_path: Path) -> None:
    """A group-committed write is seen by the store's own reads at once and is on disk at the
    latest ``commit_delay`` seconds (of the injected clock) after the first write of its window;
    later writes of the window go with it."""
    path = tmp_path / "gw.sqlite"
    clock = VirtualClock()
    with Store(path, commit_delay=2.0) as store:
        later = store.deferred(clock)
        clock.run(until=10.0)
        later.put_state("meter/1", {"summation": 100})  # opens the window: due at 12.0
        clock.run(until=11.0)
        later.put_state("meter/2", {"summation": 200})
        later.set_delivery("drlc", 0x5E, 7, 2, "delivered", {"responses": [1]})
        assert store.get_state("meter/1") == {"summation": 100}
        assert store.deliveries("drlc", 0x5E, 7)[2].data == {"responses": [1]}
        assert store.waiting == 3
        clock.run(until=11.999)
        assert state_on_disk(path, "meter/1") is None
        assert on_disk(path, "SELECT * FROM deliveries") == []
        clock.run(until=12.0)
        assert state_on_disk(path, "meter/1") == {"summation": 100}
        assert state_on_disk(path, "meter/2") == {"summation": 200}
        assert on_disk(path, "SELECT status FROM deliveries") == [("delivered",)]
        assert store.waiting == 0
        # the next write opens a new window, timed from itself
        clock.run(until=20.0)
        later.put_state("meter/1", {"summation": 101})
        clock.run(until=21.9)
        assert state_on_disk(path, "meter/1") == {"summation": 100}
        clock.run(until=22.0)
        assert state_on_disk(path, "meter/1") == {"summation": 101}


def test_no_more_than_commit_writes_wait(tmp_path: Path) -> None:
    """The window also ends at ``commit_writes`` writes, whatever the clock does."""
    path = tmp_path / "gw.sqlite"
    clock = VirtualClock()
    with Store(path, commit_writes=3) as store:
        later = store.deferred(clock)
        commits = store.commits
        later.put_state("a", 1)
        later.put_state("b", 2)
        assert state_on_disk(path, "a") is None
        later.put_state("c", 3)  # the third: committed now, the clock never ran
        assert [state_on_disk(path, n) for n in "abc"] == [1, 2, 3]
        assert store.commits == commits + 1
        assert store.waiting == 0
        assert clock.now() == 0.0


def test_a_committed_write_takes_the_waiting_ones_with_it(tmp_path: Path) -> None:
    """The file holds a prefix of the writes, in order: a committed write (what is acknowledged)
    commits every group-committed write made before it, in the same transaction."""
    path = tmp_path / "gw.sqlite"
    clock = VirtualClock()
    with Store(path) as store:
        store.deferred(clock).put_state("meter", {"summation": 1})
        store.put_event("drlc", 0x5E, 1, {"n": 1})
        assert state_on_disk(path, "meter") == {"summation": 1}
        assert on_disk(path, "SELECT event_id FROM events") == [(1,)]
        assert store.waiting == 0
        assert clock.pending() == 0  # the window's timer went with it


def test_a_failed_transaction_keeps_the_waiting_writes(tmp_path: Path) -> None:
    """A transaction() block commits the waiting writes with its own; a block that raises undoes
    only its own writes, and the waiting ones are still committed later."""
    path = tmp_path / "gw.sqlite"
    clock = VirtualClock()
    with Store(path) as store:
        later = store.deferred(clock)
        later.put_state("meter", {"summation": 1})

        def abort() -> None:
            with store.transaction():
                store.put_event("drlc", 0x5E, 1, {})
                later.put_state("meter", {"summation": 2})  # inside the block: undone with it
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError):
            abort()
        assert store.events("drlc") == []
        assert store.get_state("meter") == {"summation": 1}
        assert store.waiting == 1
        clock.run(until=COMMIT_DELAY)
        assert state_on_disk(path, "meter") == {"summation": 1}
        # and a block that completes commits what waits with its own writes
        later.put_state("meter", {"summation": 3})
        with store.transaction():
            store.put_event("drlc", 0x5E, 2, {})
            later.put_state("other", {"x": 1})
        assert state_on_disk(path, "meter") == {"summation": 3}
        assert state_on_disk(path, "other") == {"x": 1}
        assert on_disk(path, "SELECT event_id FROM events") == [(2,)]
        assert store.waiting == 0


def test_flush_and_close_commit_what_waits(tmp_path: Path) -> None:
    path = tmp_path / "gw.sqlite"
    clock = VirtualClock()
    store = Store(path)
    later = store.deferred(clock)
    later.put_state("a", 1)
    store.flush()
    assert state_on_disk(path, "a") == 1
    later.put_state("b", 2)
    store.close()  # a clean stop: nothing received is lost
    assert state_on_disk(path, "b") == 2
    clock.run(until=2 * COMMIT_DELAY)  # the cancelled window timer does nothing
    with Store(path) as again:
        assert again.get_state("b") == 2


def test_group_commit_bounds_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="commit_writes"):
        Store(tmp_path / "a.sqlite", commit_writes=0)
    for delay in (-1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="commit_delay"):
            Store(tmp_path / "b.sqlite", commit_delay=delay)


_WRITER = textwrap.dedent(
    """
    import sys
    from segateway.sim.clock import VirtualClock
    from segateway.store import Store

    store = Store(sys.argv[1], commit_delay=1.0, commit_writes=50)
    clock = VirtualClock()
    telemetry = store.deferred(clock)
    commits = store.commits
    n = 0
    while True:
        n += 1
        telemetry.put_state("reading", n)  # received from a device: group-committed
        if n % 97 == 0:
            store.put_event("drlc", 0x5E, n, {"n": n})  # created by a user: committed, then
            print("ACK", n, flush=True)  # acknowledged
        clock.run(until=clock.now() + 0.013)  # virtual time passes: windows end on the clock
        if store.commits != commits:
            commits = store.commits
            print("COMMITTED", n, flush=True)
    """
)


def test_a_crash_loses_at_most_the_open_window_and_nothing_acknowledged(tmp_path: Path) -> None:
    """SIGKILL in the middle of a stream of group-committed readings and committed events:
    every acknowledged event is there; the readings on disk are a prefix of those written, no
    shorter than the last commit the writer saw and never behind a stored event (each event's
    commit took the readings written before it); at most ``commit_writes`` are lost."""
    path = tmp_path / "gw.sqlite"
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.stdout is not None
    acknowledged: list[int] = []
    committed = 0
    try:
        for line in proc.stdout:
            kind, n = line.split()
            if kind == "ACK":
                acknowledged.append(int(n))
            else:
                committed = int(n)
            if len(acknowledged) >= 15:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    with Store(path) as store:
        events = [e.event_id for e in store.events("drlc", 0x5E)]
        reading = store.get_state("reading")
    assert events[: len(acknowledged)] == acknowledged  # nothing acknowledged is lost
    assert reading >= max(committed, events[-1])
    # the writer printed its last lines before it was killed: it wrote at most 50 more
    assert reading >= max(committed, acknowledged[-1]) - 50


# --- the SE application on a file store -----------------------------------------------------------


EVENT_ID = 0x12345678


def _esi(tmp_path: Path) -> tuple[Home, Path, DrlcServer]:
    path = tmp_path / "esi.sqlite"
    home = Home(store=Store(path))
    return home, path, server(home, DRLC, DrlcServer)


def _rows_on_disk(path: Path, event_id: int) -> dict[int, tuple[str, Any]]:
    rows = on_disk(
        path,
        "SELECT ieee, status, data FROM deliveries WHERE kind='drlc' AND event_id=?",
        event_id,
    )
    return {int(ieee, 16): (status, json.loads(data)) for ieee, status, data in rows}


def test_on_done_reports_only_committed_delivery_results(tmp_path: Path) -> None:
    """DESIGN.md, persistence before acknowledgement: when create_DRLC_event's on_done reports
    the devices that acknowledged, the event and those delivery results are on disk, although
    delivery results are group-committed."""
    home, path, drlc = _esi(tmp_path)
    client(home, IPD_A, settle=0)
    client(home, IPD_B, settle=0)
    home.run(10)
    seen: list[tuple[list[int], dict[int, tuple[str, Any]], list[Any]]] = []

    def done(outcome: dict[str, Any]) -> None:
        seen.append(
            (
                outcome["device_list"],
                _rows_on_disk(path, EVENT_ID),
                on_disk(path, "SELECT event_id FROM events WHERE kind='drlc'"),
            )
        )

    drlc.create_DRLC_event({"issuer_event_id": EVENT_ID, "duration_in_minutes": 60}, done)
    assert on_disk(path, "SELECT event_id FROM events WHERE kind='drlc'") == [(EVENT_ID,)]
    assert {k: s for k, (s, _) in _rows_on_disk(path, EVENT_ID).items()} == {
        IPD_A: "pending",
        IPD_B: "pending",
    }
    home.run(5)
    ((devices, rows, events),) = seen
    assert sorted(devices) == [IPD_A, IPD_B]
    assert events == [(EVENT_ID,)]
    assert {k: s for k, (s, _) in rows.items()} == {IPD_A: "delivered", IPD_B: "delivered"}


def test_a_received_status_report_is_committed_within_the_commit_delay(tmp_path: Path) -> None:
    """A Report Event Status is kept on the event's delivery row at once (the server's own reads
    and the notification see it) and is on disk within COMMIT_DELAY seconds of virtual time."""
    home, path, drlc = _esi(tmp_path)
    a = client(home, IPD_A)
    drlc.create_DRLC_event({"issuer_event_id": EVENT_ID, "duration_in_minutes": 60})
    home.run(5)
    at_notification: list[tuple[float, list[Any], list[Any]]] = []

    def note(notification: object) -> None:
        if isinstance(notification, ReceivedReportEventStatus):
            on_file = _rows_on_disk(path, EVENT_ID)[IPD_A][1].get("responses", [])
            in_store = drlc.deliveries(EVENT_ID)[IPD_A]["responses"]
            at_notification.append((home.clock.now(), on_file, in_store))

    home.esi.bus.subscribe(note)
    a.send(0x0000, DRLC, hexb("01 22 00 78 56 34 12 01 00 1C 70 30 05 00 80 00 80 80 FF 03 00"))
    home.run(0.5)
    ((arrived, on_file, in_store),) = at_notification
    assert on_file == []  # group-committed: not on disk yet when it is published
    assert [r["event_status"] for r in in_store] == [0x01]
    home.run(arrived + COMMIT_DELAY - home.clock.now())
    on_file = _rows_on_disk(path, EVENT_ID)[IPD_A][1]["responses"]
    assert [r["event_status"] for r in on_file] == [0x01]
    home.esi.close()
    home.store.close()
