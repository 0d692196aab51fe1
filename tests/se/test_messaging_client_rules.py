"""Messaging client rules: se-spec.md §2.7 and digi-se-rpc.md §3.6.2, on the sans-I/O engine.

Expected values come from the rule texts, the §6.6 vectors and arithmetic on the inputs, never
from the engine's own output.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.se.messaging_engine import (
    ActiveChanged,
    CancelAllReceived,
    CancelReceived,
    Confirm,
    ConfirmResult,
    MessageEvent,
    MessagingEngine,
    Received,
)
from segateway.zcl.clusters.messaging import MessageControl, Messaging
from segateway.zcl.frame import decode_frame
from segateway.zcl.status import Status

ESI = (0x00124B0000005E01, 0x01)
OTHER_ESI = (0x00124B0000005E02, 0x01)
T0 = 847_000_000
CONFIRM = 0x80  # Message Control bit 7: message confirmation required (§2.7)


def display(message_id: int = 1, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "message_id": message_id,
        "message_control": 0,
        "start_time": 0,
        "duration_in_minutes": 0xFFFF,
        "message": f"message {message_id}",
    }
    values.update(fields)
    return Messaging.commands.display_message.make(values)


def cancel(message_id: int, control: int = 0) -> Any:
    return Messaging.commands.cancel_message.make(message_id=message_id, message_control=control)


def cancel_all(when: int) -> Any:
    return Messaging.commands.cancel_all_messages.make(implementation_date_time=when)


def shown(outputs: list[Any]) -> list[list[int]]:
    """The ids in each ActiveChanged of ``outputs``."""
    return [[m.message_id for m in o.messages] for o in outputs if isinstance(o, ActiveChanged)]


def status_of(outputs: list[Any]) -> Status:
    """The status of the answer to the input (after any transitions that came first)."""
    kinds = Received | CancelReceived | CancelAllReceived | ConfirmResult
    answers = [o for o in outputs if isinstance(o, kinds)]
    assert answers, outputs
    return answers[0].status


# --- §6.6 vectors --------------------------------------------------------------------------------

DISPLAY_MESSAGE = bytes.fromhex(
    "09 06 00 42 00 00 00 88 00 00 00 00 FF FF 05 48 65 6C 6C 6F"
)  # se-spec.md §6.6 "Display Message (TSN 6)": id 0x42, control 0x88, now, until changed, Hello
MESSAGE_CONFIRMATION_PAYLOAD = bytes.fromhex(
    "42 00 00 00 84 1C 70 30"
)  # §6.6 "Message Confirmation SE 1.1 (TSN 7)" without its header: id 0x42, time 812653700


def test_display_message_vector_is_displayed_now_until_changed() -> None:
    """§2.7: Start Time 0 = now, Duration 0xFFFF = until changed; digi-se-rpc.md §3.6.2:
    received_message_event then updated_active_message_events."""
    message = decode_frame(DISPLAY_MESSAGE, Messaging).payload
    e = MessagingEngine()
    out = e.receive_display(message, ESI, 812653568)
    assert out == [
        Received(Status.SUCCESS, message),
        ActiveChanged((MessageEvent(message, 812653568, None),)),
    ]
    assert e.next_wakeup() is None
    assert e.advance(812653568 + 10 * 365 * 86400) == []


def test_confirm_vector() -> None:
    """§2.7: "the client must send Message Confirmation once the user acknowledges";
    digi-se-rpc.md confirm_message: "default: confirm the currently active message"."""
    message = decode_frame(DISPLAY_MESSAGE, Messaging).payload
    e = MessagingEngine()
    e.receive_display(message, ESI, 812653568)
    out = e.confirm(None, 812653700)
    assert out[:2] == [ConfirmResult(Status.SUCCESS, 0x42), Confirm(ESI, 0x42, 812653700)]
    assert Messaging.commands.message_confirmation.encode(out[1].payload()) == (
        MESSAGE_CONFIRMATION_PAYLOAD
    )
    (active,) = e.active()
    assert active.confirmation_time == 812653700  # recorded, and announced
    assert shown(out) == [[0x42]]


# --- display, replace, end -------------------------------------------------------------------


def test_new_message_with_another_id_replaces_the_displayed_one() -> None:
    """§2.7: "A new Display Message with a different Message ID replaces the displayed one"."""
    e = MessagingEngine()
    e.receive_display(display(1), ESI, T0)
    out = e.receive_display(display(2), ESI, T0 + 5)
    assert shown(out) == [[2]]
    assert e.scheduled() == []


def test_replaced_message_does_not_come_back() -> None:
    e = MessagingEngine()
    e.receive_display(display(1), ESI, T0)
    e.receive_display(display(2, duration_in_minutes=10), ESI, T0)
    assert shown(e.advance(T0 + 600)) == [[]]


def test_message_ends_after_its_duration() -> None:
    e = MessagingEngine()
    e.receive_display(display(1, duration_in_minutes=5), ESI, T0)
    assert e.next_wakeup() == T0 + 5 * 60
    assert e.advance(T0 + 5 * 60 - 1) == []
    assert e.advance(T0 + 5 * 60) == [ActiveChanged(())]


def test_scheduled_message_starts_on_time_and_replaces_then() -> None:
    """digi-se-rpc.md §3.6.2: the update is emitted "whenever it changes (start, end, cancel)"."""
    e = MessagingEngine()
    e.receive_display(display(1), ESI, T0)
    out = e.receive_display(display(2, start_time=T0 + 3600, duration_in_minutes=30), ESI, T0)
    assert out == [
        Received(Status.SUCCESS, display(2, start_time=T0 + 3600, duration_in_minutes=30))
    ]
    assert [m.message_id for m in e.scheduled()] == [2]
    assert e.next_wakeup() == T0 + 3600
    assert shown(e.advance(T0 + 3600)) == [[2]]
    assert shown(e.advance(T0 + 3600 + 30 * 60)) == [[]]


def test_later_accepted_message_wins_over_an_earlier_scheduled_one() -> None:
    e = MessagingEngine()
    e.receive_display(display(1, start_time=T0 + 60, duration_in_minutes=60), ESI, T0)
    e.receive_display(display(2, duration_in_minutes=30), ESI, T0)
    assert [m.message_id for m in e.active()] == [2]
    assert e.advance(T0 + 60) == []  # 1 starts, but 2 came later
    assert shown(e.advance(T0 + 30 * 60)) == [[]]


def test_missed_boundaries_are_applied_in_order() -> None:
    """Advancing over several starts and ends gives the state of stepping through them."""
    e = MessagingEngine()
    e.receive_display(display(1), ESI, T0)
    e.receive_display(display(2, start_time=T0 + 60, duration_in_minutes=1), ESI, T0)
    assert shown(e.advance(T0 + 3600)) == [[]]  # 2 replaced 1 at T0 + 60, then ended


def test_expired_message_is_refused() -> None:
    out = MessagingEngine().receive_display(
        display(1, start_time=T0 - 3600, duration_in_minutes=60), ESI, T0
    )
    assert out == [
        Received(Status.FAILURE, display(1, start_time=T0 - 3600, duration_in_minutes=60))
    ]


def test_duplicate_message_id_is_duplicate_exists() -> None:
    """digi-se-rpc.md §6.1: "duplicates by issuer_event_id/message_id → 0x8A"."""
    e = MessagingEngine()
    e.receive_display(display(7), ESI, T0)
    out = e.receive_display(display(7, message="other"), OTHER_ESI, T0 + 1)
    assert out == [Received(Status.DUPLICATE_EXISTS, display(7, message="other"))]
    assert e.active()[0].message.message == "message 7"


@pytest.mark.parametrize(
    "fields",
    [
        {"start_time": 0xFFFFFFFF},
        {"duration_in_minutes": 0},
        {"message_control": 0x03},  # transmission 3 is reserved (§2.7)
        {"start_time": 0xFFFFFF00, "duration_in_minutes": 60},  # ends past the last UTCTime
    ],
)
def test_invalid_fields_are_invalid_field(fields: dict[str, Any]) -> None:
    """digi-se-rpc.md §3.6.2: received_message_event status 0x85."""
    e = MessagingEngine()
    out = e.receive_display(display(1, **fields), ESI, T0)
    assert out == [Received(Status.INVALID_FIELD, display(1, **fields))]
    assert e.active() == ()


def test_capacity_refuses_with_insufficient_space() -> None:
    e = MessagingEngine(capacity=2)
    for n in (1, 2):
        e.receive_display(display(n, start_time=T0 + n * 60), ESI, T0)
    assert status_of(e.receive_display(display(3, start_time=T0 + 180), ESI, T0)) is (
        Status.INSUFFICIENT_SPACE
    )


# --- cancel ------------------------------------------------------------------------------------


def test_cancel_removes_the_message() -> None:
    """§2.7: "Cancel Message removes the message with that ID"."""
    e = MessagingEngine()
    e.receive_display(display(1), ESI, T0)
    out = e.receive_cancel(cancel(1), ESI, T0 + 1)
    assert out == [CancelReceived(Status.SUCCESS, cancel(1)), ActiveChanged(())]


def test_cancel_of_an_unknown_id_is_not_found() -> None:
    """digi-se-rpc.md §3.6.2 received_message_cancel_event: "0x8B not found"."""
    e = MessagingEngine()
    e.receive_display(display(1), ESI, T0)
    assert e.receive_cancel(cancel(2), ESI, T0) == [CancelReceived(Status.NOT_FOUND, cancel(2))]


def test_cancel_with_reserved_transmission_is_invalid_field() -> None:
    e = MessagingEngine()
    e.receive_display(display(1), ESI, T0)
    out = e.receive_cancel(cancel(1, 0x03), ESI, T0)
    assert out == [CancelReceived(Status.INVALID_FIELD, cancel(1, 0x03))]


def test_cancel_needing_confirmation_keeps_the_message_until_confirmed() -> None:
    """digi-se-rpc.md §3.6.2: "if a Cancel Message that requires confirmation hits the
    currently active message, the update still lists that message with an extra
    `cancel_message_control` field (copied from the cancel's message_control) so the display
    keeps it until the cancel is confirmed"."""
    e = MessagingEngine()
    e.receive_display(display(1, duration_in_minutes=10), ESI, T0)
    out = e.receive_cancel(cancel(1, CONFIRM | 0x08), OTHER_ESI, T0 + 60)
    assert out[0] == CancelReceived(Status.SUCCESS, cancel(1, CONFIRM | 0x08))
    assert out[1] == ActiveChanged(
        (MessageEvent(display(1, duration_in_minutes=10), T0, T0 + 600, MessageControl(0x88)),)
    )
    assert e.advance(T0 + 3600) == []  # its end no longer removes it
    out = e.confirm(1, T0 + 3601)
    assert out == [
        ConfirmResult(Status.SUCCESS, 1),
        Confirm(OTHER_ESI, 1, T0 + 3601),  # to the server that sent the cancel
        ActiveChanged(()),
    ]


def test_cancel_needing_confirmation_of_a_scheduled_message_removes_it() -> None:
    e = MessagingEngine()
    e.receive_display(display(1, start_time=T0 + 60), ESI, T0)
    out = e.receive_cancel(cancel(1, CONFIRM), ESI, T0)
    assert out == [CancelReceived(Status.SUCCESS, cancel(1, CONFIRM))]
    assert e.scheduled() == []
    assert e.next_wakeup() is None


def test_newer_message_replaces_one_waiting_for_cancel_confirmation() -> None:
    e = MessagingEngine()
    e.receive_display(display(1), ESI, T0)
    e.receive_cancel(cancel(1, CONFIRM), ESI, T0)
    assert shown(e.receive_display(display(2), ESI, T0 + 1)) == [[2]]
    assert status_of(e.confirm(1, T0 + 2)) is Status.NOT_FOUND


# --- confirm -----------------------------------------------------------------------------------


def test_confirm_without_a_message_is_not_found() -> None:
    """digi-se-rpc.md confirm_message: status 0x8B."""
    e = MessagingEngine()
    assert e.confirm(None, T0) == [ConfirmResult(Status.NOT_FOUND, None)]
    e.receive_display(display(1), ESI, T0)
    assert e.confirm(9, T0) == [ConfirmResult(Status.NOT_FOUND, 9)]


def test_confirm_of_a_message_not_yet_on_display_is_not_found() -> None:
    e = MessagingEngine()
    e.receive_display(display(1, start_time=T0 + 60), ESI, T0)
    assert e.confirm(1, T0) == [ConfirmResult(Status.NOT_FOUND, 1)]


def test_confirmation_goes_to_every_server_that_sent_the_message() -> None:
    e = MessagingEngine()
    e.receive_display(display(1, message_control=CONFIRM), ESI, T0)
    e.receive_display(display(1, message_control=CONFIRM), OTHER_ESI, T0 + 1)  # 0x8A
    out = e.confirm(1, T0 + 30)
    assert [o for o in out if isinstance(o, Confirm)] == [
        Confirm(ESI, 1, T0 + 30),
        Confirm(OTHER_ESI, 1, T0 + 30),
    ]
    again = e.confirm(1, T0 + 40)  # re-sent; the new time recorded
    assert [o.confirmation_time for o in again if isinstance(o, Confirm)] == [T0 + 40, T0 + 40]
    assert e.active()[0].confirmation_time == T0 + 40


# --- cancel all (SE 1.2a) ------------------------------------------------------------------------


def test_cancel_all_now_removes_every_message() -> None:
    e = MessagingEngine()
    e.receive_display(display(1), ESI, T0)
    e.receive_display(display(2, start_time=T0 + 60), ESI, T0)
    out = e.receive_cancel_all(cancel_all(0), ESI, T0 + 1)
    assert out == [CancelAllReceived(Status.SUCCESS, cancel_all(0)), ActiveChanged(())]
    assert e.scheduled() == []


def test_cancel_all_at_a_later_time_spares_later_messages() -> None:
    e = MessagingEngine()
    e.receive_display(display(1), ESI, T0)
    assert shown(e.receive_cancel_all(cancel_all(T0 + 600), ESI, T0)) == []
    assert e.next_wakeup() == T0 + 600
    e.receive_display(display(2, start_time=T0 + 900), ESI, T0 + 1)  # after the command
    assert shown(e.advance(T0 + 600)) == [[]]
    assert shown(e.advance(T0 + 900)) == [[2]]


def test_cancel_all_with_invalid_time_is_invalid_field() -> None:
    out = MessagingEngine().receive_cancel_all(cancel_all(0xFFFFFFFF), ESI, T0)
    assert out == [CancelAllReceived(Status.INVALID_FIELD, cancel_all(0xFFFFFFFF))]


# --- properties ----------------------------------------------------------------------------------

_display = st.tuples(
    st.just("display"),
    st.tuples(
        st.one_of(st.just(0), st.integers(T0 - 600, T0 + 3600)),
        st.one_of(st.just(0xFFFF), st.integers(1, 120)),
        st.sampled_from([0, CONFIRM]),
    ),
)
_repeat = st.tuples(st.just("repeat"), st.integers(0, 10))
_cancel = st.tuples(st.just("cancel"), st.tuples(st.integers(0, 10), st.sampled_from([0, CONFIRM])))
_confirm = st.tuples(st.just("confirm"), st.one_of(st.none(), st.integers(0, 3)))
_advance = st.tuples(st.just("advance"), st.integers(0, 3600))
_wake = st.just(("wake", None))
_cancel_all_now = st.tuples(st.just("cancel_all"), st.integers(0, 4))  # acts on 0 only
_ops = st.lists(
    st.one_of(
        *[_display] * 3,
        _repeat,
        _cancel,
        _cancel,
        _confirm,
        _confirm,
        _advance,
        _wake,
        _cancel_all_now,
    ),
    max_size=25,
)


class Model:
    """What the test knows without the engine's rules: which messages were accepted (ids
    increase with acceptance), which were removed by cancels, which were ever on display."""

    def __init__(self) -> None:
        self.next_id = 100
        self.accepted: dict[int, tuple[int, int | None]] = {}
        self.removed: set[int] = set()
        self.displayed: list[int] = []


def _step(e: MessagingEngine, op: tuple[str, Any], now: int, model: Model) -> tuple[int, list[Any]]:
    kind, arg = op
    now += 1
    out: list[Any] = []
    if kind == "display":
        start, duration, control = arg
        model.next_id += 1
        message = display(
            model.next_id, start_time=start, duration_in_minutes=duration, message_control=control
        )
        out = e.receive_display(message, ESI, now)
        if status_of(out) is Status.SUCCESS:
            first = start or now
            end = None if duration == 0xFFFF else first + 60 * duration
            model.accepted[model.next_id] = (first, end)
    elif kind == "repeat":
        out = e.advance(now)  # what is held at ``now`` (a start due now replaces, at once)
        held = sorted(m.message_id for m in (*e.active(), *e.scheduled()))
        if held:
            answer = e.receive_display(display(held[arg % len(held)]), OTHER_ESI, now)
            assert status_of(answer) is Status.DUPLICATE_EXISTS
            out += answer
    elif kind == "cancel":
        index, control = arg
        out = e.advance(now)  # what is held at ``now``
        held = sorted(m.message_id for m in (*e.active(), *e.scheduled()))
        message_id = held[index % len(held)] if held and index < 8 else index
        out += e.receive_cancel(cancel(message_id, control), ESI, now)
        if status_of(out) is Status.SUCCESS and message_id not in {
            m.message_id for m in e.active()
        }:
            model.removed.add(message_id)
    elif kind == "confirm":
        out = e.confirm(arg if arg is None else model.next_id - arg, now)
        result = out[0]
        assert isinstance(result, ConfirmResult)
        if result.status is Status.SUCCESS and result.message_id not in {
            m.message_id for m in e.active()
        }:
            model.removed.add(result.message_id)  # a confirmed cancellation
    elif kind == "advance":
        now += arg
        out = e.advance(now)
    elif kind == "wake":
        wake = e.next_wakeup()
        now = max(now, wake if wake is not None else now)
        out = e.advance(now)
    elif arg == 0:
        out = e.receive_cancel_all(cancel_all(0), ESI, now)
        model.removed.update(model.accepted)
    for ids in shown(out):
        model.displayed.extend(i for i in ids if i not in model.displayed[-1:])
    return now, out


@given(ops=_ops)
def test_active_message_is_the_latest_accepted_not_ended_one(ops: list[tuple[str, Any]]) -> None:
    """§2.7 replacement, checked against what the test itself recorded: at most one message
    on display; it has started and not ended (unless it waits for a cancel confirmation); no
    later-accepted message covering now is hidden behind it; an older message never comes back
    after a newer one was shown."""
    e = MessagingEngine()
    model = Model()
    now = T0
    for op in ops:
        now, _ = _step(e, op, now, model)
    active = e.active()
    assert len(active) <= 1
    # a message shown and then followed on screen by another was replaced: gone for good
    runs = [i for k, i in enumerate(model.displayed) if k == 0 or model.displayed[k - 1] != i]
    replaced = set(runs[:-1])
    covering = {
        i
        for i, (start, end) in model.accepted.items()
        if i not in model.removed
        and i not in replaced
        and start <= now
        and (end is None or now < end)
    }
    if active:
        (m,) = active
        assert m.start <= now
        assert m.cancel_message_control is not None or m.end is None or now < m.end
        assert all(i <= m.message_id for i in covering)
    newest_shown = max(model.displayed, default=0)
    if covering and max(covering) > newest_shown:
        pytest.fail(f"message {max(covering)} covers now but was never displayed")
    # an older message never comes back: once another was shown after it, it is not shown again
    assert len(runs) == len(set(runs))
    assert all(m.start > now for m in e.scheduled())


@given(ops=_ops)
def test_snapshot_restore_gives_the_same_outputs(ops: list[tuple[str, Any]]) -> None:
    """At every step, the engine restored from its JSON snapshot is in the same state and
    answers the next input the same."""
    e = MessagingEngine()
    model = Model()
    now = T0
    for op in ops:
        twin = MessagingEngine.restore(json.loads(json.dumps(e.snapshot())))
        assert twin.snapshot() == e.snapshot()
        twin_model = copy.deepcopy(model)
        twin_step = _step(twin, op, now, twin_model)
        now, out = _step(e, op, now, model)
        assert twin_step == (now, out)


def test_restore_refuses_an_unknown_version() -> None:
    with pytest.raises(ValueError, match="version"):
        MessagingEngine.restore({"version": 0})
