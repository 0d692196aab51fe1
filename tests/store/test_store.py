"""The SQLite store: keyed JSON documents, transactions, and durability across SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segateway.store import Store

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(value=json_values, ieee=st.integers(0, 2**64 - 1))
def test_documents_come_back_as_written(value: object, ieee: int) -> None:
    with Store(":memory:") as store:
        store.put_device(ieee, value)
        store.set_setting("x", value)
        store.put_event("price", 0x5E, 7, value)
        store.put_state("engine", value)
        assert store.get_device(ieee) == value
        assert store.get_setting("x") == value
        event = store.get_event("price", 0x5E, 7)
        assert event is not None
        assert event.data == value
        assert store.get_state("engine") == value
        assert store.devices() == {ieee: value}


def test_events_keep_creation_order_across_replacement() -> None:
    with Store(":memory:") as store:
        for event_id in (30, 10, 20):
            store.put_event("drlc", 0x5E, event_id, {"id": event_id})
        store.put_event("drlc", 0x5E, 30, {"id": 30, "changed": True})  # replaced in place
        assert [e.event_id for e in store.events("drlc", 0x5E)] == [30, 10, 20]
        assert store.events("drlc", 0x5E)[0].data == {"id": 30, "changed": True}
        assert store.events("price") == []


def test_deliveries_follow_their_event() -> None:
    with Store(":memory:") as store:
        store.put_event("message", 0x5E, 1, {})
        store.set_delivery("message", 0x5E, 1, 0x00124B0000000002, "delivered", {"at": 5})
        store.set_delivery("message", 0x5E, 1, 0x00124B0000000003, "pending")
        store.set_delivery("message", 0x5E, 1, 0x00124B0000000003, "failed")
        got = store.deliveries("message", 0x5E, 1)
        assert {k: v.status for k, v in got.items()} == {
            0x00124B0000000002: "delivered",
            0x00124B0000000003: "failed",
        }
        store.delete_event("message", 0x5E, 1)
        assert store.deliveries("message", 0x5E, 1) == {}


def test_a_failed_transaction_changes_nothing() -> None:
    with Store(":memory:") as store:
        store.set_setting("a", 1)

        def abort() -> None:
            with store.transaction():
                store.set_setting("a", 2)
                store.put_event("price", 1, 1, {})
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError):
            abort()
        assert store.get_setting("a") == 1
        assert store.events("price") == []


def test_keys_are_checked() -> None:
    with Store(":memory:") as store:
        with pytest.raises(ValueError, match="64 bits"):
            store.put_device(2**64, {})
        with pytest.raises(ValueError, match="key kind"):
            store.put_key(1, "password", b"x")
        store.put_key(1, "install_code", bytes(18))
        assert store.keys() == {1: ("install_code", bytes(18))}


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gw.sqlite"
    Store(path).close()

    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='99' WHERE name='schema'")
    db.commit()
    db.close()
    with pytest.raises(RuntimeError, match="newer segateway"):
        Store(path)


_WRITER = textwrap.dedent(
    """
    import sys
    from segateway.store import Store
    store = Store(sys.argv[1])
    n = 0
    while True:
        n += 1
        with store.transaction():
            store.put_event("drlc", 0x5E, n, {"n": n})
            store.set_delivery("drlc", 0x5E, n, 1, "pending")
        print(n, flush=True)  # acknowledged only after the commit returned
    """
)


def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    """Persistence before acknowledgement: every write acknowledged before a SIGKILL is there
    after it (and no half-written transaction is)."""
    path = tmp_path / "gw.sqlite"
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.stdout is not None
    acknowledged = 0
    try:
        for line in proc.stdout:
            acknowledged = int(line)
            if acknowledged >= 25:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
    assert acknowledged >= 25
    with Store(path) as store:
        events = store.events("drlc", 0x5E)
        ids = [e.event_id for e in events]
        assert ids[:acknowledged] == list(range(1, acknowledged + 1))
        for event in events:  # whatever committed, committed whole
            assert store.deliveries("drlc", 0x5E, event.event_id)[1].status == "pending"
