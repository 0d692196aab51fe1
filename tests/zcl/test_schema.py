"""The schema compiler: optional tails, conditions, counted lists, nesting, coercion."""

from __future__ import annotations

from typing import Any

import pytest

from segateway.zcl import types as t
from segateway.zcl.errors import DecodeError, EncodeError
from segateway.zcl.schema import Field, ListOf, Schema, Typed


class Colour(t.Enum8):
    red = 1
    green = 2


class Packed(t.BitStruct8):
    __slots__ = ()
    high = t.Part(4, 4)
    low = t.Part(0, 4)


TAIL = Schema(
    "tail",
    [
        Field("a", t.uint16),
        Field("colour", Colour),
        Field("b", t.uint8, optional=True),
        Field("text", t.char_string, optional=True),
        Field("c", t.uint32, optional=True),
    ],
)


def test_optional_tail_decodes_whatever_is_present() -> None:
    full = bytes.fromhex("3412 02 07 026869 78563412")
    for cut, expected in [
        (3, (0x1234, Colour.green, None, None, None)),
        (4, (0x1234, Colour.green, 7, None, None)),
        (7, (0x1234, Colour.green, 7, "hi", None)),
        (11, (0x1234, Colour.green, 7, "hi", 0x12345678)),
    ]:
        record, end = TAIL.decode(full[:cut], 0)
        assert tuple(record) == expected
        assert end == cut
        assert TAIL.encode(record) == full[:cut]


def test_partial_optional_field_is_malformed() -> None:
    with pytest.raises(DecodeError):
        TAIL.decode(bytes.fromhex("3412 02 07 026869 7856"), 0)


def test_optional_gap_is_an_encode_error() -> None:
    with pytest.raises(EncodeError, match="later one is given"):
        TAIL.encode(TAIL.make(a=1, colour=1, b=None, text="x"))


def test_make_coerces_plain_values() -> None:
    record = TAIL.make({"a": "0x10", "colour": "red", "b": 3})
    assert record == TAIL.cls(16, Colour.red, 3, None, None)
    assert TAIL.to_json(record) == {"a": 16, "colour": "red", "b": 3, "text": None, "c": None}
    with pytest.raises(EncodeError, match="unknown field"):
        TAIL.make({"a": 1, "colour": 1, "zzz": 1})
    with pytest.raises(EncodeError, match="missing field 'colour'"):
        TAIL.make({"a": 1})
    with pytest.raises(EncodeError, match="not a Colour"):
        TAIL.make({"a": 1, "colour": "blue"})


def test_unknown_enum_value_decodes() -> None:
    record, _ = TAIL.decode(b"\x00\x00\x63", 0)
    assert record.colour == 0x63
    assert record.colour.name == "undefined_0x63"


COUNTED = Schema(
    "counted",
    [
        Field("n", t.uint8),
        Field("items", ListOf(t.uint24, count="n")),
        Field("packed", Packed),
    ],
)


def test_counted_list() -> None:
    raw = bytes.fromhex("02 7b0000 ffffff 23")
    record, end = COUNTED.decode(raw, 0)
    assert record.items == [123, 0xFFFFFF]
    assert (record.packed.high, record.packed.low) == (2, 3)
    assert end == len(raw)
    assert COUNTED.encode(record) == raw
    with pytest.raises(EncodeError, match="says 3 items"):
        COUNTED.encode(COUNTED.cls(3, [1], Packed(0)))
    with pytest.raises(DecodeError):
        COUNTED.decode(bytes.fromhex("03 7b0000 ffffff"), 0)
    assert COUNTED.make(n=0, items=[], packed={"high": 1, "low": 15}).packed == 0x1F


CONDITIONAL = Schema(
    "conditional",
    [
        Field("status", t.uint8),
        Field("data_type", t.uint8, present_if="status == 0"),
        Field("value", Typed("data_type"), present_if="status == 0"),
    ],
)


def test_conditional_fields() -> None:
    assert CONDITIONAL.decode(b"\x86", 0) == (CONDITIONAL.cls(0x86, None, None), 1)
    assert CONDITIONAL.decode(b"\x00\x21\x34\x12", 0) == (CONDITIONAL.cls(0, 0x21, 0x1234), 4)
    with pytest.raises(EncodeError, match="condition does not hold"):
        CONDITIONAL.encode(CONDITIONAL.cls(0x86, 0x21, 5))


DROPPED = Schema(
    "dropped",
    [
        Field("a", t.uint8),
        Field("legacy", t.uint8, absent_if_remaining=1),
        Field("b", t.uint8),
    ],
)


def test_field_dropped_by_a_later_version_is_decided_by_length() -> None:
    assert DROPPED.decode(b"\x01\x02\x03", 0)[0] == DROPPED.cls(1, 2, 3)
    assert DROPPED.decode(b"\x01\x03", 0)[0] == DROPPED.cls(1, None, 3)
    assert DROPPED.encode(DROPPED.cls(1, None, 3)) == b"\x01\x03"


INNER = Schema("inner", [Field("x", t.uint8), Field("who", t.ieee_address_be)])
OUTER = Schema("outer", [Field("inner", INNER), Field("rest", t.rest_bytes)])


def test_nested_record_and_rest_bytes() -> None:
    raw = bytes.fromhex("05 0022080000000001 aabb")
    record, end = OUTER.decode(raw, 0)
    assert str(record.inner.who) == "00:22:08:00:00:00:00:01"
    assert record.rest == b"\xaa\xbb"
    assert end == len(raw)
    assert OUTER.encode(record) == raw
    assert (
        OUTER.encode({"inner": {"x": 5, "who": "00:22:08:00:00:00:00:01"}, "rest": "aabb"}) == raw
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([Field("a", t.uint8), Field("a", t.uint8)], "duplicate"),
        ([Field("a", t.uint8, optional=True), Field("b", t.uint8)], "follows an optional"),
        ([Field("v", Typed("kind"))], "not an earlier field"),
        ([Field("count", t.uint8)], "clashes"),
        ([Field("_x", t.uint8)], "bad field name"),
        ([Field("xs", ListOf(t.uint8)), Field("y", t.uint8)], "must be last"),
        ([Field("x", object())], "not a ZCL type"),
    ],
)
def test_bad_schemas_are_rejected(fields: list[Field], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        Schema("bad", fields)


def test_generated_source_is_kept() -> None:
    assert "def decode(" in TAIL.source
    assert "def encode(" in TAIL.source


def _encode_roundtrip(schema: Schema, value: Any) -> Any:
    return schema.decode(schema.encode(value), 0)[0]


def test_encode_accepts_sequences() -> None:
    assert _encode_roundtrip(DROPPED, [1, 2, 3]) == DROPPED.cls(1, 2, 3)
