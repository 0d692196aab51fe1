"""Helpers shared by the cluster tests: annotated hex, cut/trailing-byte checks, strategies.

Strategies are derived from the schema declarations, so every declared field gets values of its
own wire type; expected values in the tests never come from here.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import strategies as st

from segateway.zcl import types as t
from segateway.zcl.cluster import Cluster, Command, Side
from segateway.zcl.errors import DecodeError
from segateway.zcl.frame import decode_frame, encode_frame
from segateway.zcl.header import Direction
from segateway.zcl.schema import ListOf, Schema, Typed
from segateway.zcl.types import (
    WIRE_TYPES,
    Array,
    BitStruct,
    Date,
    Structure,
    TimeOfDay,
    TypedValue,
    is_analog,
    wire_type_of,
)


def annotated_hex(annotated: str) -> bytes:
    """The bytes of an annotated hex dump: hex before each ``#``, the comments ignored."""
    return bytes.fromhex("".join(line.split("#", 1)[0] for line in annotated.splitlines()))


def accepted_prefixes(frame: bytes, cluster: type[Cluster], header_len: int = 3) -> set[int]:
    """Payload lengths, shorter than the whole, at which the cut frame still decodes.

    Every other cut must raise DecodeError; every accepted one must re-encode to the cut bytes.
    """
    accepted: set[int] = set()
    for k in range(len(frame) - header_len):
        prefix = frame[: header_len + k]
        try:
            decoded = decode_frame(prefix, cluster)
        except DecodeError:
            continue
        assert decoded.rest == b""
        assert decoded.encode() == prefix
        accepted.add(k)
    return accepted


def field_strategy(kind: Any) -> st.SearchStrategy[Any]:
    """Any value of a field kind (unknown enum values included)."""
    if isinstance(kind, type) and issubclass(kind, enum.Enum | t.BitStruct):
        bits = 8 * (t.wire_type_of(kind).size or 0)
        return st.integers(0, (1 << bits) - 1).map(kind)
    wire = t.wire_type_of(kind)
    if wire is t.octet_string:
        return st.binary(max_size=254)
    if wire is t.char_string:
        chars = st.characters(exclude_categories=("Cs",), exclude_characters="\0")
        return st.text(chars, max_size=60)
    if wire is t.rest_bytes:
        return st.binary(min_size=1, max_size=64)
    assert wire.size is not None, wire
    bits = 8 * wire.size
    if wire.name.startswith("int"):
        return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    return st.integers(0, (1 << bits) - 1)


def payload_strategy(command: Command) -> st.SearchStrategy[Any]:
    """Records of ``command``: every field drawn (fields a later version dropped may be None),
    then an optional tail cut at any point."""
    fields = command.fields
    strategies = {
        f.name: st.none() | field_strategy(f.kind)
        if f.absent_if_remaining is not None
        else field_strategy(f.kind)
        for f in fields
    }
    full = st.builds(command.schema.cls, **strategies)
    first_optional = next((i for i, f in enumerate(fields) if f.optional), len(fields))

    def cut(record: Any, keep: int) -> Any:
        return record._replace(**{f.name: None for f in fields[keep:]})

    return st.tuples(full, st.integers(first_optional, len(fields))).map(lambda p: cut(*p))


def _ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Integers in [lo, hi], with small values (enum members, counts, suites) drawn often."""
    return st.one_of(st.integers(lo, min(hi, lo + 3)), st.integers(lo, hi))


def _wire_values(kind: Any) -> st.SearchStrategy[Any]:
    wire = wire_type_of(kind)
    name, size = wire.name, wire.size
    if name == "bool":
        return st.sampled_from([True, False, None])
    if name == "rest_bytes":  # empty would read back as an absent optional tail
        return st.binary(min_size=1, max_size=40)
    if name == "octet_string":
        return st.binary(max_size=254)
    if name == "char_string":
        return st.text(max_size=30).filter(lambda s: len(s.encode()) <= 254 and "\0" not in s)
    assert size is not None, f"no strategy for {wire!r}"
    if name.startswith("octets"):
        return st.binary(min_size=size, max_size=size)
    if name.startswith("int"):
        half = 1 << (8 * size - 1)
        return _ints(-half, half - 1)
    unsigned = ("uint", "map", "enum", "utc_time", "ieee_address")
    assert name.startswith(unsigned), f"no strategy for {wire!r}"
    return _ints(0, (1 << (8 * size)) - 1)


def value_strategy(kind: Any) -> st.SearchStrategy[Any]:
    """Values of one field kind: a wire type, a named type or a nested record schema."""
    if isinstance(kind, Schema):
        return record_strategy(kind)
    if isinstance(kind, type) and issubclass(kind, enum.IntEnum | enum.IntFlag | BitStruct):
        size = wire_type_of(kind).size
        assert size is not None
        maker: Callable[[int], Any] = kind
        return _ints(0, (1 << (8 * size)) - 1).map(maker)
    return _wire_values(kind)


# ZCL types used for the values of attribute records (Typed fields)
TYPED_VALUE_IDS = (0x10, 0x18, 0x20, 0x21, 0x22, 0x25, 0x29, 0x2A, 0x30, 0x39, 0x41, 0x42, 0xE2,
                   0xF0, 0x48, 0x4C)  # fmt: skip


def record_strategy(schema: Schema) -> st.SearchStrategy[Any]:
    """Whole records of ``schema`` that obey its own rules.

    Optional fields form a present prefix of the optional tail; ``present_if`` fields are drawn
    only when their condition holds for the earlier values; counted lists get exactly the number
    of items their count field says; typed values get a value of the type drawn before them;
    in a list of records only the last may leave out its optional tail. Fields a later version
    dropped (``absent_if_remaining``) may be None: callers skip the layouts the encoder refuses.
    """
    fields = schema.fields
    counts = {f.kind.count for f in fields if isinstance(f.kind, ListOf) and f.kind.count}
    type_fields = {f.kind.type_field for f in fields if isinstance(f.kind, Typed)}
    first_optional = next((i for i, f in enumerate(fields) if f.optional), len(fields))

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        present_optional = draw(st.integers(0, len(fields) - first_optional))
        values: dict[str, Any] = {}
        for i, f in enumerate(fields):
            values[f.name] = None
            if f.optional and i - first_optional >= present_optional:
                continue
            if f.absent_if_remaining is not None and draw(st.booleans()):
                continue
            if f.present_if is not None:
                # our own declaration, evaluated the way the generated decoder does
                scope = {"is_analog": is_analog, **values}
                if not eval(f.present_if, {"__builtins__": {}}, scope):  # noqa: S307
                    continue
            kind = f.kind
            if isinstance(kind, Typed):
                values[f.name] = draw(strategy_for(int(values[kind.type_field])))
            elif f.name in type_fields:
                values[f.name] = draw(st.sampled_from(TYPED_VALUE_IDS).map(value_maker(kind)))
            elif isinstance(kind, ListOf):
                values[f.name] = draw(_list_strategy(kind, values))
            elif f.name in counts:
                values[f.name] = draw(st.integers(0, 6))
            else:
                values[f.name] = draw(value_strategy(kind))
        return schema.cls(**values)

    return build()


def value_maker(kind: Any) -> Callable[[int], Any]:
    """The constructor of a field's named type (identity for plain wire types)."""
    if isinstance(kind, type) and issubclass(kind, enum.IntEnum | enum.IntFlag | BitStruct):
        return kind  # type: ignore[no-any-return]
    return int


def _list_strategy(kind: ListOf, values: dict[str, Any]) -> st.SearchStrategy[list[Any]]:
    item = kind.item
    items = value_strategy(item)
    if kind.count is not None:
        n = int(values[kind.count])
        return st.lists(items, min_size=n, max_size=n)
    if isinstance(item, Schema) and any(g.optional for g in item.fields):
        complete = items.filter(lambda r: r[-1] is not None)
        return st.tuples(st.lists(complete, max_size=5), items).map(lambda p: [*p[0], p[1]]) | (
            st.just([])
        )
    return st.lists(items, max_size=6)


def all_commands(*clusters: type[Cluster]) -> list[Command]:
    return [c for cl in clusters for table in cl.by_direction for c in table.values()]


def command_id(command: Command) -> str:
    way = "c2s" if command.direction == Direction.client_to_server else "s2c"
    return f"{command.name}-{way}"


def check_round_trip(cluster: type[Cluster], command: Command, record: Any) -> None:
    """Payload and whole frame: encode → decode gives the record back, and the same bytes."""
    raw = command.encode(record)
    decoded, end = command.decode(raw)
    assert end == len(raw)
    assert decoded == record
    assert command.encode(decoded) == raw
    frame_bytes = encode_frame(command, record, tsn=0x5A)
    frame = decode_frame(frame_bytes, cluster)
    assert frame.command is command
    assert frame.payload == record
    assert frame.rest == b""
    assert frame.encode() == frame_bytes


def assert_prefixes_rejected(data: bytes, cluster: type[Cluster], header: int = 3) -> None:
    """Every frame cut inside its payload is malformed (fixed-layout commands)."""
    for cut in range(header, len(data)):
        with pytest.raises(DecodeError):
            decode_frame(data[:cut], cluster)


def assert_prefixes_consistent(
    data: bytes, cluster: type[Cluster], list_field: str, header: int = 3
) -> None:
    """A cut payload either is malformed or decodes to the leading items of the full list."""
    full = decode_frame(data, cluster)
    items = getattr(full.payload, list_field)
    for cut in range(header, len(data)):
        try:
            frame = decode_frame(data[:cut], cluster)
        except DecodeError:
            continue
        got = getattr(frame.payload, list_field)
        assert got == items[: len(got)]
        assert frame.encode() == data[:cut]


def assert_trailing_bytes_kept(data: bytes, cluster: type[Cluster]) -> None:
    """Bytes after a complete fixed-layout payload land in ``rest`` and survive re-encoding."""
    extra = b"\xaa\x55"
    whole = decode_frame(data, cluster)
    frame = decode_frame(data + extra, cluster)
    assert frame.payload == whole.payload
    assert frame.rest == extra
    assert frame.encode() == data + extra


def check_commands(
    cluster: type[Cluster], expected: dict[Direction, dict[int, tuple[str, list[tuple[str, int]]]]]
) -> None:
    """Each listed command exists with its name and field layout; nothing else is declared."""
    for direction, table in expected.items():
        declared = cluster.by_direction[direction]
        missing = sorted(set(table) - set(declared))
        assert not missing, f"{direction.name}: missing command ids {missing}"
        extra = sorted(set(declared) - set(table))
        assert not extra, f"{direction.name}: commands the note does not give {extra}"
        for cid, (name, layout) in table.items():
            cmd = declared[cid]
            assert cmd.name == name
            got = [(f.name, (f.wire.size or 0) if f.wire is not None else 0) for f in cmd.fields]
            assert got == layout, name


def check_declarations(cluster: type[Cluster]) -> None:
    """Every attribute can travel in an attribute record; every response name resolves."""
    for side in Side:
        for attr in cluster.attributes_by_side[side].values():
            assert attr.wire.type_id is not None, attr.name
            if attr.default is not None:
                attr.wire.encode(attr.default)
    for cmd in all_commands(cluster):
        if cmd.response is not None:
            opposite = Direction(1 - int(cmd.direction or 0))
            assert cluster.find_command(cmd.response, opposite).direction == opposite


# --- values of every ZCL data type -------------------------------------------------------


def _int_strategy(type_id: int) -> st.SearchStrategy[Any]:
    wt = WIRE_TYPES[type_id]
    assert wt.size is not None
    bits = 8 * wt.size
    if wt.name.startswith("int"):
        return st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    return st.integers(0, (1 << bits) - 1)


_opt_byte = st.one_of(st.none(), st.integers(0, 254))


def strategy_for(type_id: int, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of ZCL type ``type_id`` (used by other test modules too)."""
    wt = WIRE_TYPES[type_id]
    if wt.name.startswith(("uint", "int", "map", "enum")) or type_id in (0xE2, 0xE8, 0xE9, 0xEA):
        return _int_strategy(type_id)
    if wt.name.startswith("data") or type_id == 0xF1:
        assert wt.size is not None
        return st.binary(min_size=wt.size, max_size=wt.size)
    if type_id == 0x10:
        return st.one_of(st.booleans(), st.none())
    if type_id in (0x38, 0x39, 0x3A):
        width = {0x38: 16, 0x39: 32, 0x3A: 64}[type_id]
        return st.floats(width=width, allow_nan=False)  # type: ignore[arg-type]
    if type_id in (0x41, 0x43):
        return st.binary(max_size=254 if type_id == 0x41 else 400)
    if type_id in (0x42, 0x44):
        text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\0"))
        return text.filter(lambda s: len(s.encode()) <= 254) if type_id == 0x42 else text
    if type_id == 0xE0:
        return st.builds(TimeOfDay, _opt_byte, _opt_byte, _opt_byte, _opt_byte)
    if type_id == 0xE1:
        years = st.one_of(st.none(), st.integers(1900, 2154))
        return st.builds(Date, years, _opt_byte, _opt_byte, _opt_byte)
    if type_id == 0xF0:
        return st.integers(0, (1 << 64) - 1).map(t.EUI64)
    if type_id in (0x00, 0xFF):
        return st.none()
    scalar_ids = [0x20, 0x21, 0x29, 0x42, 0x25, 0x10, 0xE2]
    if type_id in (0x48, 0x50, 0x51):
        element = st.sampled_from(scalar_ids if depth else [*scalar_ids, 0x4C])
        return element.flatmap(
            lambda e: st.builds(
                Array,
                st.just(e),
                st.one_of(st.none(), st.lists(strategy_for(e, depth + 1), max_size=4)),
            )
        )
    if type_id == 0x4C:
        member = st.sampled_from(scalar_ids).flatmap(
            lambda e: st.builds(TypedValue, st.just(e), strategy_for(e, depth + 1))
        )
        return st.builds(Structure, st.one_of(st.none(), st.lists(member, max_size=4)))
    raise AssertionError(f"no strategy for type 0x{type_id:02X}")
