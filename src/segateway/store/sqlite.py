"""Durable state in one SQLite file: settings, devices, keys, events, deliveries, engine states.

Two kinds of write (``docs/decisions.md``, "Persistence: what is committed before it is
acknowledged, what is group-committed"):

* **committed writes**, every write method of :class:`Store`: committed (WAL journal,
  ``synchronous=FULL``) before the call returns, so a caller that acknowledges work after writing
  it has made it survive a SIGKILL or a power cut. Several writes that belong together go in one
  :meth:`Store.transaction` (one commit, all or nothing);
* **group-committed writes**, through :meth:`Store.deferred`: what the gateway receives from
  devices in volume (meter readings, delivery results, the responses devices send about events).
  They are applied at once (every read sees them) and committed together, in one transaction:
  ``commit_delay`` seconds of the given clock after the first of them at the latest, as soon as
  ``commit_writes`` of them wait, or earlier with the next committed write or transaction,
  :meth:`Store.flush` or :meth:`Store.close`. A crash loses at most those not committed yet, and
  never a committed write: the file always holds a prefix of the writes, in the order they were
  made.

Values are JSON documents: the application layer owns their shape, the store only keys them.
IEEE addresses are stored as 16-digit hex text (SQLite integers are signed 64-bit).
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..sim.clock import Clock, TimerHandle

__all__ = [
    "COMMIT_DELAY",
    "COMMIT_WRITES",
    "SCHEMA_VERSION",
    "Deferred",
    "Delivery",
    "Store",
    "StoredEvent",
]

SCHEMA_VERSION = 1
COMMIT_DELAY = 1.0
"""Seconds (of the clock given to :meth:`Store.deferred`) a group-committed write waits at most."""
COMMIT_WRITES = 1000
"""At most this many group-committed writes wait: the write that reaches it commits them all."""

_PUT_STATE = "INSERT INTO state VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data=excluded.data"
_SET_DELIVERY = (
    "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(kind, endpoint, event_id, ieee) "
    "DO UPDATE SET status=excluded.status, data=excluded.data"
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices (ieee TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys (
    ieee TEXT PRIMARY KEY, kind TEXT NOT NULL, value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    kind TEXT NOT NULL, endpoint INTEGER NOT NULL, event_id INTEGER NOT NULL,
    seq INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (kind, endpoint, event_id)
);
CREATE TABLE IF NOT EXISTS deliveries (
    kind TEXT NOT NULL, endpoint INTEGER NOT NULL, event_id INTEGER NOT NULL, ieee TEXT NOT NULL,
    status TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (kind, endpoint, event_id, ieee)
);
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, data TEXT NOT NULL);
"""


def _ieee(ieee: int) -> str:
    if not 0 <= ieee < 1 << 64:
        msg = f"an IEEE address is 64 bits, not {ieee!r}"
        raise ValueError(msg)
    return f"{ieee:016x}"


_dump = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode
"""Compact, canonical JSON (one encoder: ``json.dumps`` with options builds one per call)."""


class StoredEvent:
    """One stored event: its kind (``price``, ``drlc``, ``message``), endpoint, id and body."""

    __slots__ = ("data", "endpoint", "event_id", "kind", "seq")

    def __init__(self, kind: str, endpoint: int, event_id: int, seq: int, data: Any) -> None:
        self.kind = kind
        self.endpoint = endpoint
        self.event_id = event_id
        self.seq = seq  # creation order, kept across replacements of the same id
        self.data = data

    def __repr__(self) -> str:
        return f"StoredEvent({self.kind!r}, {self.endpoint}, {self.event_id}, seq={self.seq})"


class Delivery:
    """Where one event stands with one device: ``status`` and free-form details."""

    __slots__ = ("data", "ieee", "status")

    def __init__(self, ieee: int, status: str, data: Any) -> None:
        self.ieee = ieee
        self.status = status
        self.data = data

    def __repr__(self) -> str:
        return f"Delivery({self.ieee:016x}, {self.status!r})"


class Store:
    """The gateway's durable state. ``Store(":memory:")`` for a store that lives in memory.

    ``commit_delay`` and ``commit_writes`` bound the group commit of :meth:`deferred` writes.
    ``commits`` counts the commits made (group commits included)."""

    def __init__(
        self,
        path: str | Path,
        *,
        commit_delay: float = COMMIT_DELAY,
        commit_writes: int = COMMIT_WRITES,
    ) -> None:
        if not 0 <= commit_delay < math.inf or commit_writes < 1:
            msg = "commit_delay must be finite and ≥ 0, commit_writes ≥ 1"
            raise ValueError(msg)
        self.path = str(path)
        self.commit_delay = float(commit_delay)
        self.commit_writes = int(commit_writes)
        self.commits = 0
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # autocommit (isolation_level=None): each statement commits unless a transaction is open
        # (a transaction() block, or the group commit's window)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._depth = 0
        self._waiting = 0  # group-committed writes in the open window
        self._window = False  # a transaction holds group-committed writes
        self._timer: TimerHandle | None = None
        self._deferred: Deferred | None = None
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        found = self._db.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
        if found is None:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(found[0]) > SCHEMA_VERSION:
            self._db.close()
            msg = (
                f"{self.path} was written by a newer segateway (schema {found[0]}, "
                f"this one knows {SCHEMA_VERSION})"
            )
            raise RuntimeError(msg)

    def close(self) -> None:
        """Commit what waits for the group commit, then close the file."""
        self.flush()
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ commits

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one commit: all of them are durable when the block ends, or none
        (the block raised). Nested blocks join the outermost one. Group-committed writes made
        before the block are committed with it (and kept when it raises)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        db = self._db
        window = self._window
        db.execute("SAVEPOINT block" if window else "BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            if window:
                db.execute("ROLLBACK TO block")
                db.execute("RELEASE block")
            else:
                db.execute("ROLLBACK")
            raise
        self._depth = 0
        if window:
            db.execute("RELEASE block")
        self._commit()

    def _write(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        """One committed write (with the group-committed writes waiting before it)."""
        cursor = self._db.execute(sql, params)
        if not self._depth:
            if self._window:
                self._commit()
            else:
                self.commits += 1  # autocommit
        return cursor

    def _commit(self) -> None:
        self._db.execute("COMMIT")
        self.commits += 1
        self._window = False
        self._waiting = 0
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def deferred(self, clock: Clock) -> Deferred:
        """The writes that may wait for the group commit (module doc), timed on ``clock``."""
        last = self._deferred
        if last is None or last._clock is not clock:
            last = self._deferred = Deferred(self, clock)
        return last

    def _defer(self, clock: Clock, sql: str, params: tuple[Any, ...]) -> None:
        db = self._db
        if self._depth:  # inside a transaction() block: committed with it
            db.execute(sql, params)
            return
        if not self._window:
            db.execute("BEGIN IMMEDIATE")
            self._window = True
            self._timer = clock.call_later(self.commit_delay, self._window_due)
        db.execute(sql, params)
        self._waiting += 1
        if self._waiting >= self.commit_writes:
            self._commit()

    def _window_due(self) -> None:
        self._timer = None
        self.flush()

    def flush(self) -> None:
        """Commit the group-committed writes now (no effect inside a transaction() block,
        whose end commits them)."""
        if self._window and not self._depth:
            self._commit()

    @property
    def waiting(self) -> int:
        """Group-committed writes not committed yet."""
        return self._waiting

    # ------------------------------------------------------------------ settings

    def get_setting(self, name: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM settings WHERE name=?", (name,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_setting(self, name: str, value: Any) -> None:
        self._write(
            "INSERT INTO settings VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET value=excluded.value",
            (name, _dump(value)),
        )

    def delete_setting(self, name: str) -> None:
        self._write("DELETE FROM settings WHERE name=?", (name,))

    def settings(self) -> dict[str, Any]:
        rows = self._db.execute("SELECT name, value FROM settings ORDER BY name")
        return {name: json.loads(value) for name, value in rows}

    # ------------------------------------------------------------------ devices

    def put_device(self, ieee: int, data: Any) -> None:
        self._write(
            "INSERT INTO devices VALUES (?, ?) ON CONFLICT(ieee) DO UPDATE SET data=excluded.data",
            (_ieee(ieee), _dump(data)),
        )

    def get_device(self, ieee: int) -> Any:
        row = self._db.execute("SELECT data FROM devices WHERE ieee=?", (_ieee(ieee),)).fetchone()
        return None if row is None else json.loads(row[0])

    def devices(self) -> dict[int, Any]:
        rows = self._db.execute("SELECT ieee, data FROM devices ORDER BY ieee")
        return {int(ieee, 16): json.loads(data) for ieee, data in rows}

    def delete_device(self, ieee: int) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM devices WHERE ieee=?", (_ieee(ieee),))
            self._db.execute("DELETE FROM deliveries WHERE ieee=?", (_ieee(ieee),))

    # ------------------------------------------------------------------ keys

    def put_key(self, ieee: int, kind: str, value: bytes) -> None:
        """A device's secret: ``kind`` is ``install_code`` (with its CRC) or ``link_key``."""
        if kind not in ("install_code", "link_key"):
            msg = f"unknown key kind {kind!r}"
            raise ValueError(msg)
        self._write(
            "INSERT INTO keys VALUES (?, ?, ?) "
            "ON CONFLICT(ieee) DO UPDATE SET kind=excluded.kind, value=excluded.value",
            (_ieee(ieee), kind, bytes(value)),
        )

    def keys(self) -> dict[int, tuple[str, bytes]]:
        rows = self._db.execute("SELECT ieee, kind, value FROM keys ORDER BY ieee")
        return {int(ieee, 16): (kind, bytes(value)) for ieee, kind, value in rows}

    def delete_key(self, ieee: int) -> None:
        self._write("DELETE FROM keys WHERE ieee=?", (_ieee(ieee),))

    # ------------------------------------------------------------------ events and deliveries

    def put_event(self, kind: str, endpoint: int, event_id: int, data: Any) -> None:
        """Store (or replace, keeping its place in creation order) one event."""
        self._write(
            "INSERT INTO events VALUES (?, ?, ?, "
            "(SELECT COALESCE(MAX(seq), 0) + 1 FROM events), ?) "
            "ON CONFLICT(kind, endpoint, event_id) DO UPDATE SET data=excluded.data",
            (kind, endpoint, event_id, _dump(data)),
        )

    def get_event(self, kind: str, endpoint: int, event_id: int) -> StoredEvent | None:
        row = self._db.execute(
            "SELECT seq, data FROM events WHERE kind=? AND endpoint=? AND event_id=?",
            (kind, endpoint, event_id),
        ).fetchone()
        return (
            None
            if row is None
            else StoredEvent(kind, endpoint, event_id, row[0], json.loads(row[1]))
        )

    def events(self, kind: str, endpoint: int | None = None) -> list[StoredEvent]:
        """Events of ``kind`` (on ``endpoint``), oldest first."""
        if endpoint is None:
            rows = self._db.execute(
                "SELECT endpoint, event_id, seq, data FROM events WHERE kind=? ORDER BY seq",
                (kind,),
            )
        else:
            rows = self._db.execute(
                "SELECT endpoint, event_id, seq, data FROM events WHERE kind=? AND endpoint=? "
                "ORDER BY seq",
                (kind, endpoint),
            )
        return [StoredEvent(kind, ep, eid, seq, json.loads(data)) for ep, eid, seq, data in rows]

    def event_kinds(self) -> list[str]:
        """The kinds of event stored (``price``, ``drlc`` …)."""
        return [k for (k,) in self._db.execute("SELECT DISTINCT kind FROM events ORDER BY kind")]

    def state_names(self) -> list[str]:
        return [n for (n,) in self._db.execute("SELECT name FROM state ORDER BY name")]

    def delete_event(self, kind: str, endpoint: int, event_id: int) -> None:
        with self.transaction():
            key = (kind, endpoint, event_id)
            self._db.execute("DELETE FROM events WHERE kind=? AND endpoint=? AND event_id=?", key)
            self._db.execute(
                "DELETE FROM deliveries WHERE kind=? AND endpoint=? AND event_id=?", key
            )

    def delete_events(self, kind: str, endpoint: int) -> int:
        with self.transaction():
            cur = self._db.execute(
                "DELETE FROM events WHERE kind=? AND endpoint=?", (kind, endpoint)
            )
            self._db.execute("DELETE FROM deliveries WHERE kind=? AND endpoint=?", (kind, endpoint))
        return cur.rowcount

    def set_delivery(  # noqa: PLR0917 - the key's four parts, then the value
        self, kind: str, endpoint: int, event_id: int, ieee: int, status: str, data: Any = None
    ) -> None:
        self._write(_SET_DELIVERY, (kind, endpoint, event_id, _ieee(ieee), status, _dump(data)))

    def deliveries(self, kind: str, endpoint: int, event_id: int) -> dict[int, Delivery]:
        rows = self._db.execute(
            "SELECT ieee, status, data FROM deliveries WHERE kind=? AND endpoint=? AND event_id=? "
            "ORDER BY ieee",
            (kind, endpoint, event_id),
        )
        return {
            int(ieee, 16): Delivery(int(ieee, 16), status, json.loads(data))
            for ieee, status, data in rows
        }

    # ------------------------------------------------------------------ engine states

    def put_state(self, name: str, data: Any) -> None:
        """A component's whole state (a client engine's snapshot), replaced atomically."""
        self._write(_PUT_STATE, (name, _dump(data)))

    def get_state(self, name: str) -> Any:
        row = self._db.execute("SELECT data FROM state WHERE name=?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def states(self, prefix: str) -> dict[str, Any]:
        """Every state whose name starts with ``prefix``, by name."""
        rows = self._db.execute(
            "SELECT name, data FROM state WHERE substr(name, 1, ?) = ? ORDER BY name",
            (len(prefix), prefix),
        )
        return {name: json.loads(data) for name, data in rows}

    def delete_state(self, name: str) -> None:
        self._write("DELETE FROM state WHERE name=?", (name,))


class Deferred:
    """Writes of what the gateway receives from devices, group-committed (module doc):
    ``put_state`` and ``set_delivery`` as on :class:`Store`, committed within the store's
    ``commit_delay`` seconds of ``clock`` (or ``commit_writes`` writes). Get it with
    :meth:`Store.deferred`."""

    __slots__ = ("_clock", "_store")

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def put_state(self, name: str, data: Any) -> None:
        self._store._defer(self._clock, _PUT_STATE, (name, _dump(data)))

    def set_delivery(  # noqa: PLR0917 - as Store.set_delivery
        self, kind: str, endpoint: int, event_id: int, ieee: int, status: str, data: Any = None
    ) -> None:
        params = (kind, endpoint, event_id, _ieee(ieee), status, _dump(data))
        self._store._defer(self._clock, _SET_DELIVERY, params)
