"""ZCL data types: published vectors, the spec's own examples, and round-trip properties."""

from __future__ import annotations

import math
import struct
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.zcl import types as t
from segateway.zcl.errors import DecodeError, EncodeError
from segateway.zcl.types import (
    WIRE_TYPES,
    Array,
    DataType,
    Date,
    Structure,
    TimeOfDay,
    ZclStr,
    decode_typed,
    encode_typed,
)

from .helpers import strategy_for
from .published_vectors import PUBLISHED_TYPE_VECTORS


def _plain(value: Any) -> Any:
    """Our decoded value in the shape the published vectors use."""
    if isinstance(value, Array):
        return value.items
    if isinstance(value, Structure):
        return [{"type": m.data_type, "value": _plain(m.value)} for m in value.members or []]
    if isinstance(value, TimeOfDay):
        return value._asdict()
    if isinstance(value, Date):
        return {
            "year": value.year,
            "month": value.month,
            "day_of_month": value.day,
            "day_of_week": value.day_of_week,
        }
    return value


@pytest.mark.parametrize("vector", PUBLISHED_TYPE_VECTORS, ids=lambda v: v["name"])
def test_published_type_vector(vector: dict[str, Any]) -> None:
    raw = bytes.fromhex(vector["hex"])
    value, end = decode_typed(vector["data_type"], raw, 0)
    assert end == len(raw)
    expected = vector["expected"]
    ours = _plain(value)
    if isinstance(expected, dict) and "values" in expected:
        assert value.element_type == expected["element_type"]
        expected = expected["values"]
        if vector["data_type"] == 0x48 and value.element_type == 0x08:  # data8 elements
            expected = [bytes([v]) for v in expected]
    if expected == [] and ours is None:  # non-value: the source shows an empty list
        assert getattr(value, "items", getattr(value, "members", "x")) is None
    elif expected == "" and getattr(value, "invalid", False):
        assert value == ""
    else:
        assert ours == expected
    # whatever we decoded re-encodes to the same bytes
    assert encode_typed(vector["data_type"], value) == raw
    # and trailing bytes are not consumed
    _, end2 = decode_typed(vector["data_type"], raw + b"\x55\xaa", 0)
    assert end2 == len(raw)


def test_utc_time_epoch_is_2000() -> None:
    """se-spec §1.4: UTCTime counts seconds from 2000-01-01 UTC; Unix = UTC + 946 684 800."""
    assert t.datetime_from_utc(0) == datetime(2000, 1, 1, tzinfo=UTC)
    assert t.datetime_from_utc(0).timestamp() == 946_684_800  # type: ignore[union-attr]
    assert t.datetime_from_utc(0xFFFFFFFF) is None
    assert t.utc_from_datetime(datetime(2000, 1, 2, tzinfo=UTC)) == 86400
    with pytest.raises(ValueError, match="aware"):
        t.utc_from_datetime(datetime(2020, 1, 1))


def test_array_vector_from_the_note() -> None:
    """se-spec §1.4: `48 08 02 00 00 00` = array of 2 data8 elements 00 00."""
    raw = bytes.fromhex("48080200 0000".replace(" ", ""))
    value, end = decode_typed(raw[0], raw, 1)
    assert value == Array(0x08, [b"\x00", b"\x00"])
    assert end == 6


@pytest.mark.parametrize(
    ("type_id", "raw", "value"),
    [
        (0x2A, "ffffff", -1),  # int24 sign-extends bit 23
        (0x2A, "000080", -0x800000),  # the int24 non-value
        (0x2A, "ffff7f", 0x7FFFFF),
        (0x22, "ffffff", 0xFFFFFF),
        (0x25, "15cd5b070000", 123456789),  # uint48 from the §6.6 metering vector
        (0x29, "0080", -0x8000),  # int16 non-value, "not used" in DRLC set points
        (0x10, "00", False),
        (0x10, "01", True),
        (0x10, "ff", None),  # boolean non-value
        (0xF0, "0c0b0a4000a21300", t.EUI64(0x0013A200400A0B0C)),
        (0xE2, "001c7030", 812653568),
    ],
)
def test_spec_integer_encodings(type_id: int, raw: str, value: Any) -> None:
    data = bytes.fromhex(raw)
    assert decode_typed(type_id, data, 0) == (value, len(data))
    assert encode_typed(type_id, value) == data


def test_invalid_values_match_the_table() -> None:
    """se-spec §1.4 'invalid (non-value)' column."""
    expected = {
        0x20: 0xFF, 0x21: 0xFFFF, 0x22: 0xFFFFFF, 0x23: 0xFFFFFFFF, 0x24: 0xFF_FFFF_FFFF,
        0x25: 0xFFFF_FFFF_FFFF, 0x26: (1 << 56) - 1, 0x27: (1 << 64) - 1, 0x28: -0x80,
        0x29: -0x8000, 0x2A: -0x800000, 0x2B: -0x80000000, 0x30: 0xFF, 0x31: 0xFFFF,
        0xE2: 0xFFFFFFFF, 0xE8: 0xFFFF, 0xE9: 0xFFFF, 0xEA: 0xFFFFFFFF,
    }  # fmt: skip
    for type_id, invalid in expected.items():
        assert WIRE_TYPES[type_id].invalid == invalid, hex(type_id)
        # and the invalid value is what the wire carries as all-ones / 0x80..00
        size = WIRE_TYPES[type_id].size
        assert size is not None
        raw = encode_typed(type_id, invalid)
        assert len(raw) == size
    assert math.isnan(WIRE_TYPES[0x39].invalid)


def test_sizes_match_the_table() -> None:
    sizes = {0x08: 1, 0x0F: 8, 0x10: 1, 0x18: 1, 0x1A: 3, 0x1F: 8, 0x22: 3, 0x26: 7, 0x2E: 7,
             0x38: 2, 0x39: 4, 0x3A: 8, 0xE0: 4, 0xE1: 4, 0xE2: 4, 0xE8: 2, 0xE9: 2,
             0xEA: 4, 0xF0: 8, 0xF1: 16, 0x00: 0, 0xFF: 0}  # fmt: skip
    for type_id, size in sizes.items():
        assert WIRE_TYPES[type_id].size == size, hex(type_id)
    for type_id in (0x41, 0x42, 0x43, 0x44, 0x48, 0x4C, 0x50, 0x51):
        assert WIRE_TYPES[type_id].size is None


def test_analog_types() -> None:
    """IS_ANALOG_SUBTYPE: 0x20–0x2F, 0x38–0x3A, 0xE0–0xE2 (se-spec §1.3)."""
    analog = {tid for tid in range(256) if t.is_analog(tid)}
    assert analog == set(range(0x20, 0x30)) | {0x38, 0x39, 0x3A, 0xE0, 0xE1, 0xE2}


class TestStrings:
    def test_length_byte_is_honoured_and_nul_junk_tolerated(self) -> None:
        raw = bytes([11]) + b"Maestro\x00\x12\x34\x56" + b"NEXT"
        value, end = decode_typed(0x42, raw, 0)
        assert value == "Maestro"
        assert end == 12
        assert encode_typed(0x42, value) == raw[:12]  # the junk is kept for re-encoding

    def test_text_edited_after_decoding_encodes_the_new_text(self) -> None:
        value, _ = decode_typed(0x42, bytes([4]) + b"ab\x00c", 0)
        assert isinstance(value, ZclStr)
        assert encode_typed(0x42, "abc") == b"\x03abc"

    def test_invalid_string(self) -> None:
        value, end = decode_typed(0x42, b"\xff", 0)
        assert value == ""
        assert value.invalid
        assert end == 1
        assert encode_typed(0x42, value) == b"\xff"
        octets, _ = decode_typed(0x41, b"\xff", 0)
        assert octets == b""
        assert octets.invalid
        assert encode_typed(0x41, octets) == b"\xff"

    def test_length_counts_bytes_not_characters(self) -> None:
        assert encode_typed(0x42, "€") == b"\x03\xe2\x82\xac"

    def test_non_utf8_bytes_survive(self) -> None:
        raw = b"\x02\xff\xfe"
        value, _ = decode_typed(0x42, raw, 0)
        assert encode_typed(0x42, value) == raw

    @pytest.mark.parametrize("type_id", [0x41, 0x42, 0x43, 0x44])
    def test_truncated_string_is_a_decode_error(self, type_id: int) -> None:
        prefix = 1 if type_id < 0x43 else 2
        raw = (5).to_bytes(prefix, "little") + b"abc"
        with pytest.raises(DecodeError, match="past the end"):
            decode_typed(type_id, raw, 0)

    def test_too_long_is_an_encode_error(self) -> None:
        with pytest.raises(EncodeError, match="too long"):
            encode_typed(0x42, "x" * 255)
        assert len(encode_typed(0x44, "x" * 300)) == 302


def test_nested_composites_are_bounded() -> None:
    raw = bytes.fromhex("480100") * 50 + b"\x20\x00\x00"
    with pytest.raises(DecodeError, match="nested"):
        decode_typed(0x48, raw, 0)


def test_unknown_type_id_is_a_decode_error_with_status() -> None:
    with pytest.raises(DecodeError) as info:
        decode_typed(0x05, b"\x00", 0)
    assert info.value.status == 0x8D  # INVALID_DATA_TYPE


def test_unknown_enum_values_are_usable() -> None:
    member = DataType(0x05)
    assert member == 5
    assert member.name == "undefined_0x05"
    assert DataType(0x05) is member


def test_bitmaps_keep_unknown_bits() -> None:
    class Flags(t.Bitmap8):
        a = 0x01

    value = Flags(0x81)
    assert int(value) == 0x81
    assert Flags.a in value


def test_bit_struct_parts() -> None:
    class Tier(t.BitStruct8):
        __slots__ = ()
        digits = t.Part(4, 4)
        tier = t.Part(0, 4)

    v = Tier(0x23)
    assert (v.digits, v.tier) == (2, 3)
    assert Tier.build(digits=2, tier=3) == 0x23
    with pytest.raises(ValueError, match="does not fit"):
        Tier.build(digits=16)
    with pytest.raises(TypeError, match="overlaps"):

        class Bad(t.BitStruct8):
            __slots__ = ()
            a = t.Part(0, 4)
            b = t.Part(3, 2)


def test_eui64_parsing() -> None:
    e = t.EUI64.parse("00:13:A2:00:40:0A:0B:0C!")
    assert str(e) == "00:13:a2:00:40:0a:0b:0c"
    assert t.EUI64("0013a200400a0b0c") == e
    assert t.EUI64(bytes.fromhex("0013a200400a0b0c")) == e
    with pytest.raises(ValueError, match="not an EUI64"):
        t.EUI64.parse("00:13")


# --- round trips for every type -----------------------------------------------------------


@pytest.mark.parametrize("type_id", sorted(WIRE_TYPES), ids=lambda i: WIRE_TYPES[i].name)
@given(data=st.data())
def test_round_trip_every_type(type_id: int, data: st.DataObject) -> None:
    value = data.draw(strategy_for(type_id))
    raw = encode_typed(type_id, value)
    if WIRE_TYPES[type_id].size is not None:
        assert len(raw) == WIRE_TYPES[type_id].size
    decoded, end = decode_typed(type_id, raw + b"\x99", 0)
    assert end == len(raw)
    assert decoded == value
    assert encode_typed(type_id, decoded) == raw


@pytest.mark.parametrize("type_id", sorted(WIRE_TYPES), ids=lambda i: WIRE_TYPES[i].name)
@given(raw=st.binary(max_size=24))
def test_decoding_random_bytes_raises_only_decode_error(type_id: int, raw: bytes) -> None:
    try:
        value, end = decode_typed(type_id, raw, 0)
    except DecodeError:
        return
    assert 0 <= end <= len(raw)
    if type_id not in (0x10, 0x38, 0x39, 0x3A):  # bool 0x02.. and NaN payloads are lossy
        assert encode_typed(type_id, value) == raw[:end]


@pytest.mark.parametrize(
    ("type_id", "value"),
    [(0x20, 256), (0x20, -1), (0x28, 128), (0x22, 1 << 24), (0x2A, -(1 << 23) - 1),
     (0x08, b"\x00\x00"), (0xF1, b"short"), (0x21, "12"), (0xE1, (1899, 1, 1, 1))],
)  # fmt: skip
def test_out_of_range_is_an_encode_error(type_id: int, value: Any) -> None:
    with pytest.raises(EncodeError):
        encode_typed(type_id, value)


def test_struct_error_never_leaks() -> None:
    with pytest.raises(EncodeError):
        encode_typed(0x39, "not a float")
    assert not issubclass(struct.error, EncodeError)
