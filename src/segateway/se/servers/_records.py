"""Records the RPC layer hands to the ESI servers: checking them, and the results it gets back.

Records are plain dicts keyed by the Digi SE Framework's field names (digi-se-rpc.md §4.3). A
server declares each record as a table of :class:`IntField` / :class:`TextField` (default, range);
:func:`normalize` applies the defaults and refuses, with INVALID_FIELD (0x85), anything it cannot
send as it is. :func:`result` is the ``{status, record, device_list}`` record that ``on_done``
receives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...zcl.status import Status

__all__ = [
    "IntField",
    "OnDone",
    "RecordError",
    "TextField",
    "normalize",
    "plain",
    "refuse",
    "result",
]

OnDone = Callable[[dict[str, Any]], None]
"""What the RPC layer passes to create/cancel: it gets ``{status, record, device_list}``."""


def result(
    status: Status | int, record: Mapping[str, Any], device_list: Iterable[int] = ()
) -> dict[str, Any]:
    """The result record handed to ``on_done`` (ZCL status as an int, IEEE addresses as ints)."""
    return {
        "status": int(status),
        "record": dict(record),
        "device_list": [int(ieee) for ieee in device_list],
    }


# --- checking records ---------------------------------------------------------------------------


class RecordError(Exception):
    """A record the RPC layer passed is not acceptable: ``status`` is the ZCL status to answer."""

    def __init__(self, status: Status, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class IntField:
    """An integer field of an RPC record: ``default`` None means required; values outside
    ``low``…``high`` are refused unless listed in ``also``; ``aliases`` maps other spellings of a
    value (0x8000 for the int16 "not used" -0x8000) to the canonical one."""

    default: int | None
    low: int
    high: int
    also: tuple[int, ...] = ()
    aliases: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TextField:
    """A text field, at most ``max_bytes`` octets of UTF-8 (``default`` None: required)."""

    default: str | None
    max_bytes: int


def normalize(
    record: object,
    fields: Mapping[str, IntField | TextField],
    *,
    ignored: Iterable[str] = (),
) -> dict[str, Any]:
    """``record`` with the defaults applied and every value checked, in ``fields`` order.

    Raises :class:`RecordError` with INVALID_FIELD (0x85) for anything wrong: not a mapping, an
    unknown field, a missing required field, a value of the wrong type or out of range. Fields
    named in ``ignored`` are accepted and dropped.
    """
    if not isinstance(record, Mapping):
        raise RecordError(Status.INVALID_FIELD, "the record is not a record")
    skip = frozenset(ignored)
    unknown = sorted(str(k) for k in record if k not in fields and k not in skip)
    if unknown:
        raise RecordError(Status.INVALID_FIELD, f"unknown field(s): {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for name, spec in fields.items():
        value = record.get(name)
        if value is None:
            if spec.default is None:
                raise RecordError(Status.INVALID_FIELD, f"{name} is required")
            out[name] = spec.default
            continue
        if isinstance(spec, TextField):
            if not isinstance(value, str):
                raise RecordError(Status.INVALID_FIELD, f"{name} must be text")
            if len(value.encode()) > spec.max_bytes:
                raise RecordError(
                    Status.INVALID_FIELD, f"{name} is longer than {spec.max_bytes} octets"
                )
            out[name] = value
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise RecordError(Status.INVALID_FIELD, f"{name} must be an integer")
        number = spec.aliases.get(int(value), int(value))
        if not (spec.low <= number <= spec.high or number in spec.also):
            raise RecordError(Status.INVALID_FIELD, f"{name} = {value:#x} is out of range")
        out[name] = number
    return out


def plain(payload: Any) -> dict[str, Any]:
    """A decoded command payload as a record of plain values: ints for numbers, enums and
    bitmaps, hex text for octets; absent optional fields are left out."""
    out: dict[str, Any] = {}
    for name, value in zip(payload._fields, payload, strict=True):
        if value is None:
            continue
        if isinstance(value, bytes | bytearray | memoryview):
            out[name] = bytes(value).hex()
        elif isinstance(value, int):
            out[name] = int(value)
        else:
            out[name] = value
    return out


def refuse(on_done: OnDone | None, status: Status, record: object) -> None:
    """Tell ``on_done`` a request was refused (the record echoed as given, nothing sent)."""
    if on_done is not None:
        on_done(result(status, record if isinstance(record, Mapping) else {}))
