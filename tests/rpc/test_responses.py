"""The asynchronous response queue (digi-se-rpc.md §2.3): oldest first, limit and remaining,
timestamps, bounded with a notice, persisted across restarts, live subscribers, push."""

from __future__ import annotations

from pathlib import Path

from segateway.rpc.errors import InvalidParamsError
from segateway.rpc.responses import ResponseQueue, RpcResponse, from_stored, to_stored
from segateway.rpc.values import MAC, Base16, Base64, Record, XmlFragment
from segateway.sim.clock import VirtualClock
from segateway.store import Store


class Clock:
    """UTC seconds that tests move by hand."""

    def __init__(self, now: float = 1_793_684_800.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def response(n: int) -> RpcResponse:
    return RpcResponse("get_time_response", {"UTC_2000": n, "UTC_1970": n + 946_684_800})


def test_get_responses_oldest_first_with_limit_and_remaining() -> None:
    """§2.3: `limit` caps the count, oldest come first, `remaining` says how many are left."""
    clock = Clock()
    queue = ResponseQueue(Store(":memory:"), clock)
    for n in range(5):
        queue.put(response(n))
        clock.now += 1.5
    first, remaining = queue.get_responses(limit=2)
    assert [r.params["UTC_2000"] for r in first] == [0, 1]
    assert remaining == 3
    assert [r.timestamp for r in first] == [1_793_684_800.0, 1_793_684_801.5]
    rest, remaining = queue.get_responses()
    assert [r.params["UTC_2000"] for r in rest] == [2, 3, 4]
    assert remaining == 0
    assert queue.get_responses(limit=10) == ([], 0)
    queue.put(response(9))
    assert queue.get_responses(limit=0) == ([], 1)


def test_the_queue_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "gateway.sqlite"
    clock = Clock()
    with Store(path) as store:
        queue = ResponseQueue(store, clock)
        for n in range(3):
            queue.put(response(n))
        queue.get_responses(limit=1)
    with Store(path) as store:
        again = ResponseQueue(store, clock)
        assert len(again) == 2
        taken, remaining = again.get_responses()
        assert [r.params["UTC_2000"] for r in taken] == [1, 2]
        assert remaining == 0
        again.put(response(7))
    with Store(path) as store:
        assert [r.params["UTC_2000"] for r in ResponseQueue(store, clock).peek()] == [7]


def test_a_full_queue_drops_the_oldest_and_says_how_many() -> None:
    queue = ResponseQueue(Store(":memory:"), Clock(), capacity=4)
    for n in range(4):
        queue.put(response(n))
    queue.put(response(4))  # no room for it and the notice: the two oldest go
    names = [r.name for r in queue.peek()]
    assert names == ["get_time_response", "get_time_response", "message", "get_time_response"]
    notice = queue.peek()[2]
    assert notice.params["severity"] == 2
    assert notice.params["dropped"] == 2
    assert "2 oldest responses dropped" in str(notice.params["description"])
    queue.put(response(5))  # one more dropped: the same notice counts it
    kept = queue.peek()
    assert len(kept) == 4
    notices = [r for r in kept if r.name == "message"]
    assert len(notices) == 1
    assert notices[0].params["dropped"] == 3
    assert [r.params.get("UTC_2000") for r in kept if r.name != "message"] == [3, 4, 5]


def test_lowering_the_capacity_drops_at_once() -> None:
    queue = ResponseQueue(Store(":memory:"), Clock())
    for n in range(10):
        queue.put(response(n))
    queue.capacity = 5
    assert len(queue) == 5
    assert queue.peek()[-1].name == "message"


def test_subscribers_see_every_response_and_push_takes_them_instead_of_the_queue() -> None:
    queue = ResponseQueue(Store(":memory:"), Clock())
    seen: list[RpcResponse] = []
    unsubscribe = queue.subscribe(seen.append)
    pushed: list[RpcResponse] = []

    def push(r: RpcResponse) -> bool:
        pushed.append(r)
        return r.params["UTC_2000"] != 2  # the cloud refuses one: it stays queued

    queue.push_hook = push
    queue.put(response(0))  # push off: queued
    queue.push_enabled = True
    queue.put(response(1))
    queue.put(response(2))
    assert [r.params["UTC_2000"] for r in seen] == [0, 1, 2]
    assert [r.params["UTC_2000"] for r in pushed] == [1, 2]
    assert [r.params["UTC_2000"] for r in queue.peek()] == [0, 2]
    unsubscribe()
    queue.put(response(3))
    assert len(seen) == 3


def test_stored_values_come_back_exactly() -> None:
    value = {
        "mac": MAC(0x00124B0000A1B2C3),
        "short": MAC(0x1234, 16),
        "hex": Base16(b"\x01\x02"),
        "b64": Base64(b"\xff"),
        "record": Record("LoadControlEventRecord", {"issuer_event_id": 1, "device_list": [MAC(1)]}),
        "xml": XmlFragment("<a/>"),
        "list": [1, 2.5, "x", None, True],
        "dict": {"$MAC": "not a tag inside a dict"},
    }
    again = from_stored(to_stored(value))
    assert again == value
    assert isinstance(again, dict)
    assert type(again["b64"]) is Base64
    error = RpcResponse("get_time_response", {}, 5, 1.0, InvalidParamsError("bad"))
    back = RpcResponse.from_stored(error.to_stored())
    assert isinstance(back.error, InvalidParamsError)
    assert back.error.message == "bad"
    assert back.request_identifier == 5


def test_with_a_clock_queued_responses_are_group_committed_within_the_delay(
    tmp_path: Path,
) -> None:
    """Queued asynchronous responses relay what devices sent: with the gateway's clock they are
    group-committed (docs/decisions.md), on disk within the store's commit delay, in order."""
    clock = VirtualClock()
    path = tmp_path / "q.sqlite"
    store = Store(path)
    queue = ResponseQueue(store, clock.now, clock=clock)
    for n in range(3):
        queue.put(RpcResponse("get_time_response", {"UTC_2000": n}))
    other = Store(path)  # a second connection sees only what is committed
    assert ResponseQueue(other, lambda: 0.0).peek() == []
    clock.run(until=store.commit_delay + 0.001)
    assert [r.params["UTC_2000"] for r in ResponseQueue(other, lambda: 0.0).peek()] == [0, 1, 2]
    other.close()
    store.close()
