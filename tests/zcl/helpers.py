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
from segateway.zcl.schema import ListOf, Schema
from segateway.zcl.types import BitStruct, is_analog, wire_type_of


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
    if name == "rest_bytes":
        return st.binary(max_size=40)
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


def record_strategy(schema: Schema) -> st.SearchStrategy[Any]:
    """Whole records of ``schema`` that obey its own rules.

    Optional fields form a present prefix of the optional tail; ``present_if`` fields are drawn
    only when their condition holds for the earlier values; counted lists get exactly the number
    of items their count field says.
    """
    fields = schema.fields
    counts = {f.kind.count for f in fields if isinstance(f.kind, ListOf) and f.kind.count}
    first_optional = next((i for i, f in enumerate(fields) if f.optional), len(fields))

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        present_optional = draw(st.integers(0, len(fields) - first_optional))
        values: dict[str, Any] = {}
        for i, f in enumerate(fields):
            assert f.absent_if_remaining is None, "not used by these clusters"
            values[f.name] = None
            if f.optional and i - first_optional >= present_optional:
                continue
            if f.present_if is not None:
                # our own declaration, evaluated the way the generated decoder does
                scope = {"is_analog": is_analog, **values}
                if not eval(f.present_if, {"__builtins__": {}}, scope):  # noqa: S307
                    continue
            kind = f.kind
            if isinstance(kind, ListOf):
                item = value_strategy(kind.item)
                if kind.count is None:
                    values[f.name] = draw(st.lists(item, max_size=6))
                else:
                    n = int(values[kind.count])
                    values[f.name] = draw(st.lists(item, min_size=n, max_size=n))
            elif f.name in counts:
                values[f.name] = draw(st.integers(0, 6))
            else:
                values[f.name] = draw(value_strategy(kind))
        return schema.cls(**values)

    return build()


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
