"""Responses, and the asynchronous response queue (digi-se-rpc.md §2.3, §6.2).

A :class:`RpcResponse` is one response element: the answer to a request (``get_time_response``)
or an asynchronous message (``message``, ``received_price_event`` …), with the
``request_identifier`` it echoes and, once queued, its ``timestamp`` (UTC seconds since 1970, a
float, as the reference's ``timestamp`` attribute).

:class:`ResponseQueue` caches asynchronous responses until a client fetches them:

* **bounded**: at most ``capacity`` responses; when full, the oldest are dropped and one
  ``message`` (severity 2) says how many (while it is still queued, later drops add to its count);
* **persisted**: every response is written to the store before :meth:`ResponseQueue.put`
  returns and deleted when fetched, so the queue survives a restart;
* **oldest first**: :meth:`ResponseQueue.get_responses` returns ``(responses, remaining)``;
* **live**: :meth:`ResponseQueue.subscribe` gets every response as it is queued (the event
  stream);
* **push**: when ``push_enabled`` (``RPC_Manager.use_push``) and a ``push_hook`` is set, a
  response is handed to the hook instead of being cached; a hook that returns False (or raises)
  leaves it in the queue.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..sim.clock import Clock
from ..store import Deferred, Store
from .errors import (
    InvalidParamsError,
    NotAvailableError,
    RpcError,
    RpcInternalError,
    UnknownMethodError,
)
from .values import MAC, Base16, Base64, Record, Value, XmlFragment

__all__ = [
    "DEFAULT_CAPACITY",
    "ResponseQueue",
    "RpcResponse",
    "from_stored",
    "to_stored",
]

log = logging.getLogger(__name__)

DEFAULT_CAPACITY = 1000
_PREFIX = "rpc.response."
_MIN_CAPACITY = 2  # room for a response and the notice of what was dropped


@dataclass(frozen=True, slots=True)
class RpcResponse:
    """One response or asynchronous message; ``error`` set: the request failed (``params``
    empty)."""

    name: str
    params: Mapping[str, Value]
    request_identifier: Value = None
    timestamp: float | None = None
    error: RpcError | None = None

    def to_stored(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "params": {k: to_stored(v) for k, v in self.params.items()},
            "request_identifier": to_stored(self.request_identifier),
            "timestamp": self.timestamp,
        }
        if self.error is not None:
            data["error"] = {"reason": self.error.reason, "message": self.error.message}
        return data

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> RpcResponse:
        error = None
        if data.get("error") is not None:
            kind = _ERRORS.get(str(data["error"]["reason"]), RpcInternalError)
            error = kind(str(data["error"]["message"]))
        return cls(
            name=str(data["name"]),
            params={str(k): from_stored(v) for k, v in data["params"].items()},
            request_identifier=from_stored(data.get("request_identifier")),
            timestamp=data.get("timestamp"),
            error=error,
        )


_ERRORS: dict[str, type[RpcError]] = {
    cls.reason: cls
    for cls in (InvalidParamsError, UnknownMethodError, NotAvailableError, RpcInternalError)
}


# --- lossless JSON for the store -----------------------------------------------------------------


def to_stored(value: Value) -> Any:
    """An RPC value as JSON data that :func:`from_stored` gives back exactly."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, MAC):
        return {"$MAC": str(value)}
    if isinstance(value, Base64):
        return {"$base64": value.to_text()}
    if isinstance(value, bytes):
        return {"$base16": value.hex()}
    if isinstance(value, Record):
        return {
            "$record": value.type_name,
            "fields": {k: to_stored(v) for k, v in value.fields.items()},
        }
    if isinstance(value, XmlFragment):
        return {"$xml": value.text}
    if isinstance(value, Mapping):
        return {"$dict": {str(k): to_stored(v) for k, v in value.items()}}
    if isinstance(value, list | tuple):
        return [to_stored(v) for v in value]
    raise TypeError(f"not an RPC value: {type(value).__name__}")


def from_stored(data: Any) -> Value:
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [from_stored(v) for v in data]
    if isinstance(data, dict):
        if "$MAC" in data:
            return MAC.parse(str(data["$MAC"]))
        if "$base64" in data:
            return Base64.parse(str(data["$base64"]))
        if "$base16" in data:
            return Base16(bytes.fromhex(str(data["$base16"])))
        if "$record" in data:
            fields = {str(k): from_stored(v) for k, v in data["fields"].items()}
            return Record(str(data["$record"]), fields)
        if "$xml" in data:
            return XmlFragment(str(data["$xml"]))
        if "$dict" in data:
            return {str(k): from_stored(v) for k, v in data["$dict"].items()}
    raise ValueError(f"not a stored RPC value: {data!r}")


# --- the queue -----------------------------------------------------------------------------------

Subscriber = Callable[[RpcResponse], None]


class ResponseQueue:
    """The cache of asynchronous responses (module doc). ``now()`` gives UTC seconds since
    1970 (the gateway's time base, never the host's wall clock)."""

    def __init__(
        self,
        store: Store,
        now: Callable[[], float],
        *,
        capacity: int = DEFAULT_CAPACITY,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.now = now
        # with a clock, queued responses are group-committed (within the store's commit delay):
        # they relay what devices sent, and nobody was told they were kept (docs/decisions.md)
        self._writes: Store | Deferred = store if clock is None else store.deferred(clock)
        self._capacity = max(_MIN_CAPACITY, int(capacity))
        self._queue: deque[tuple[int, RpcResponse]] = deque()
        self._seq = 0
        self._subscribers: list[Subscriber] = []
        self._notice: int | None = None  # seq of the queued "responses dropped" message
        self._dropped = 0
        self.push_hook: Callable[[RpcResponse], bool] | None = None
        self.push_enabled = False
        self.pushed = 0
        self._load()

    # --- configuration --------------------------------------------------------------------------

    @property
    def capacity(self) -> int:
        return self._capacity

    @capacity.setter
    def capacity(self, value: int) -> None:
        self._capacity = max(_MIN_CAPACITY, int(value))
        self._make_room(0)

    def __len__(self) -> int:
        return len(self._queue)

    # --- adding ---------------------------------------------------------------------------------

    def put(self, response: RpcResponse) -> RpcResponse:
        """Stamp, publish to the subscribers, then push or cache ``response``; returns it as
        stamped. Cached responses are durable when this returns — or, for a queue given a
        clock, within the store's group-commit delay."""
        stamped = replace(response, timestamp=self.now())
        for subscriber in list(self._subscribers):
            try:
                subscriber(stamped)
            except Exception:
                log.exception("response subscriber failed")
        if self.push_enabled and self.push_hook is not None:
            try:
                if self.push_hook(stamped):
                    self.pushed += 1
                    return stamped
            except Exception:
                log.exception("push hook failed: the response stays queued")
        self._make_room(1)
        self._append(stamped)
        return stamped

    def _append(self, response: RpcResponse) -> int:
        self._seq += 1
        self._writes.put_state(f"{_PREFIX}{self._seq:012d}", response.to_stored())
        self._queue.append((self._seq, response))
        return self._seq

    def _make_room(self, incoming: int) -> None:
        """Drop the oldest until ``incoming`` more (and the notice) fit."""
        excess = len(self._queue) + incoming - self._capacity
        if excess <= 0:
            return
        if self._notice is None:
            excess += 1  # the notice needs a place too
        dropped = 0
        with self.store.transaction():
            while excess > 0 and self._queue:
                seq, _response = self._queue.popleft()
                self.store.delete_state(f"{_PREFIX}{seq:012d}")
                if seq == self._notice:
                    self._notice = None
                    excess += 1
                else:
                    dropped += 1
                excess -= 1
            if dropped:
                self._notify_dropped(dropped)
        if dropped:
            log.warning("response queue full: %d oldest responses dropped", dropped)

    def _notify_dropped(self, count: int) -> None:
        if self._notice is not None:
            self._dropped += count
            for index, (seq, _old) in enumerate(self._queue):
                if seq == self._notice:
                    notice = self._notice_response(self._dropped, _old.timestamp)
                    self._queue[index] = (seq, notice)
                    self.store.put_state(f"{_PREFIX}{seq:012d}", notice.to_stored())
                    return
        self._dropped = count
        self._notice = self._append(self._notice_response(count, self.now()))

    @staticmethod
    def _notice_response(count: int, timestamp: float | None) -> RpcResponse:
        return RpcResponse(
            "message",
            {
                "severity": 2,
                "description": f"RPC_Manager - response queue full: {count} oldest "
                f"response{'s' if count != 1 else ''} dropped",
                "dropped": count,
            },
            timestamp=timestamp,
        )

    # --- taking ---------------------------------------------------------------------------------

    def get_responses(self, limit: int | None = None) -> tuple[list[RpcResponse], int]:
        """The oldest responses (all, or at most ``limit``), removed from the queue, and how
        many remain."""
        count = len(self._queue) if limit is None else max(0, min(int(limit), len(self._queue)))
        taken: list[RpcResponse] = []
        with self.store.transaction():
            for _ in range(count):
                seq, response = self._queue.popleft()
                self.store.delete_state(f"{_PREFIX}{seq:012d}")
                if seq == self._notice:
                    self._notice = None
                taken.append(response)
        return taken, len(self._queue)

    def peek(self) -> list[RpcResponse]:
        """Every queued response, oldest first, without taking them."""
        return [response for _seq, response in self._queue]

    # --- live stream ----------------------------------------------------------------------------

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback`` with every response queued (or pushed) from now on."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    # --- restart --------------------------------------------------------------------------------

    def _load(self) -> None:
        for name in self.store.state_names():
            if not name.startswith(_PREFIX):
                continue
            seq = int(name[len(_PREFIX) :])
            data = self.store.get_state(name)
            try:
                response = RpcResponse.from_stored(data)
            except (KeyError, TypeError, ValueError):
                log.warning("stored response %s is unreadable: dropped", name)
                self.store.delete_state(name)
                continue
            self._queue.append((seq, response))
            self._seq = max(self._seq, seq)
            if response.name == "message" and "dropped" in response.params:
                self._notice = seq
                dropped = response.params["dropped"]
                self._dropped = dropped if isinstance(dropped, int) else 0
        self._make_room(0)
