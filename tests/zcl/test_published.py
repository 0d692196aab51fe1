"""Decode every published frame (tests/zcl/published_vectors.py) and compare with its source.

The expected values are transcribed from third-party sources; this module only maps their naming
(``min_interval``, ``attributes``, signed values written unsigned, …) onto ours.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from segateway.zcl.foundation import FOUNDATION
from segateway.zcl.frame import ZclFrame, decode_frame
from segateway.zcl.header import decode_header
from segateway.zcl.schema import Field, ListOf, Schema, Typed
from segateway.zcl.types import WIRE_TYPES, Array, Structure, wire_type_of

from .published_vectors import PUBLISHED_PAYLOADS, PUBLISHED_VECTORS

# the sources' field names → ours
ALIASES = {
    "min_interval": "minimum_reporting_interval",
    "max_interval": "maximum_reporting_interval",
    "timeout": "timeout_period",
    "max_attribute_ids": "maximum_attribute_ids",
    "max_command_ids": "maximum_command_ids",
    "attributes": "records",
}
# commands we deliberately do not define: frames must still decode, payload kept as bytes
NOT_OURS = {
    "start_sampling",  # SE 1.2 Metering command: not in the reference's payload tables
    "write_attributes_structured",  # 0x0F/0x10: outside the foundation set the issue lists
    "write_attributes_structured_response",
    "tradfri_arrow_single",  # manufacturer-specific
    "get_group_membership",  # Groups cluster: not an SE cluster
    "arm",  # IAS ACE: not an SE cluster
}


def _same(ours: Any, expected: Any, kind: Any = None) -> bool:
    """Compare one of our values with a transcribed one, knowing our field's type."""
    if isinstance(ours, Array):
        if isinstance(expected, dict):
            return ours.element_type == expected["element_type"] and _same_items(
                ours.items, expected["values"], ours.element_type
            )
        return _same_items(ours.items, expected, ours.element_type)
    if isinstance(ours, Structure):
        return len(ours.members or []) == len(expected) and all(
            m.data_type == e["type"] and _same(m.value, e["value"], WIRE_TYPES[m.data_type])
            for m, e in zip(ours.members or [], expected, strict=True)
        )
    if isinstance(ours, str) and isinstance(expected, bytes) and kind is not None:
        return bool(wire_type_of(kind).encode(ours) == expected)  # given with its length byte
    if isinstance(ours, float):
        return math.isclose(ours, expected, abs_tol=1e-4)
    if isinstance(ours, bytes) and isinstance(expected, int):  # data8 given as a number
        return int.from_bytes(ours, "little") == expected
    if isinstance(ours, int) and isinstance(expected, int) and kind is not None:
        wire = wire_type_of(kind)
        if wire.name.startswith("int") and wire.size and expected >= 1 << (8 * wire.size - 1):
            expected -= 1 << (8 * wire.size)  # a signed field the source wrote unsigned
    return bool(ours == expected)


def _same_items(items: list[Any] | None, expected: list[Any], element_type: int) -> bool:
    items = items or []
    return len(items) == len(expected) and all(
        _same(i, e, WIRE_TYPES[element_type]) for i, e in zip(items, expected, strict=True)
    )


def _field(schema: Schema, name: str) -> Field:
    return next(f for f in schema.fields if f.name == name)


def _check_record(record: Any, schema: Schema, expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        name = ALIASES.get(key, key)
        if name == "selector":  # structured read: indicator + indexes
            assert record.indexes == value.get("indexes", [])
            continue
        field = _field(schema, name)
        ours = getattr(record, name)
        kind = field.kind
        if isinstance(kind, Typed):
            kind = WIRE_TYPES.get(int(record.data_type))
        if isinstance(kind, ListOf) and isinstance(kind.item, Schema):
            assert len(ours) == len(value)
            for item, exp in zip(ours, value, strict=True):
                _check_record(item, kind.item, exp)
            continue
        if isinstance(kind, Schema):
            assert kind.encode(ours) == value, name  # a certificate given as raw bytes
            continue
        assert _same(ours, value, kind if not isinstance(kind, ListOf) else None), (name, ours)


def _check_payload(frame: ZclFrame, command: str, expected: Any, *, prefix: bool = False) -> None:
    assert frame.command is not None, f"{command} not decoded"
    assert frame.command.name == command
    schema = frame.command.schema
    payload = frame.payload
    if expected is None:
        return
    if isinstance(expected, list):
        list_field = schema.fields[-1]
        assert isinstance(list_field.kind, ListOf)
        ours = getattr(payload, list_field.name)
        if prefix:  # the source ignored bytes after the records it names
            ours = ours[: len(expected)]
        assert len(ours) == len(expected)
        if isinstance(list_field.kind.item, Schema):
            for record, exp in zip(ours, expected, strict=True):
                _check_record(record, list_field.kind.item, exp)
        else:
            assert ours == expected
        return
    # special shapes the sources use
    if "failed_attribute_ids" in expected:
        assert [r.attribute_id for r in payload.records] == expected["failed_attribute_ids"]
        assert all(r.status != 0 for r in payload.records)
        return
    if "attribute_count" in expected:
        assert len(payload.records) == expected["attribute_count"]
        _check_record(payload.records[0], schema.fields[-1].kind.item, expected["attributes_first"])
        return
    if frame.command.name == "configure_reporting_response" and expected.get("records", 0) is None:
        assert [r.status for r in payload.records] == [expected["status"]]
        assert payload.records[0].direction is None
        return
    _check_record(payload, schema, expected)


def _check_header(frame: ZclFrame, header: dict[str, Any] | None) -> None:
    h = frame.header
    actual = {
        "frame_type": int(h.frame_type),
        "manufacturer_specific": h.manufacturer_specific,
        "manufacturer": h.manufacturer,
        "direction": int(h.direction),
        "disable_default_response": h.disable_default_response,
        "tsn": h.tsn,
        "command_id": h.command_id,
    }
    for key, value in (header or {}).items():
        assert actual[key] == value, key


@pytest.mark.parametrize("vector", PUBLISHED_VECTORS, ids=lambda v: v["name"])
def test_published_frame(vector: dict[str, Any]) -> None:
    raw = bytes.fromhex(vector["hex"])
    command = vector["command"]
    if command == "header_only":
        header, _ = decode_header(raw)
        frame = ZclFrame(header, None, b"")
        _check_header(frame, vector["header"])
        return
    frame = decode_frame(raw, vector["cluster"])
    _check_header(frame, vector["header"])
    assert frame.encode() == raw  # every published frame re-encodes to its own bytes
    if command in NOT_OURS:
        assert frame.command is None
        assert frame.payload == raw[len(frame.header.encode()) :]
        return
    if command == "identify_query_response":
        assert frame.payload.timeout == vector["expected"][0]
        return
    _check_payload(frame, command, vector["expected"])


_BY_NAME = {c.name: c for c in FOUNDATION.values()}


@pytest.mark.parametrize("vector", PUBLISHED_PAYLOADS, ids=lambda v: v["name"])
def test_published_payload(vector: dict[str, Any]) -> None:
    command = _BY_NAME[vector["command"]]
    raw = bytes.fromhex(vector["hex"])
    payload, end = command.decode(raw, 0)
    frame = ZclFrame(decode_header(b"\x08\x00" + bytes([command.id]))[0], command, payload)
    leftover = "trailing" in vector["name"]
    _check_payload(frame, command.name, vector["expected"], prefix=leftover)
    assert end == len(raw)
    assert command.encode(payload) == raw
