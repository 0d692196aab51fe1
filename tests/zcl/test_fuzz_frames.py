"""Fuzzing ``decode_frame`` in the suite (the long run is ``bench/fuzz_zcl.py``).

Random bytes, and valid frames of every command of every cluster (foundation commands included)
mutated by flips, overwrites, insertions, deletions, truncation and extension, are decoded under
every cluster id of the registry and an unknown one. Two properties:

1. nothing but :class:`DecodeError` is raised ("bad input gets a clear error, never a crash");
2. a frame that decodes re-encodes to exactly its bytes, except the two documented lossy cases —
   a boolean octet other than 00/01/FF reads as True and is written back as 01, and the payload
   bits of a NaN half/single float are not kept by ``struct`` — and then the re-encoded frame
   decodes to the same values.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

from segateway.zcl.cluster import Cluster, Command
from segateway.zcl.errors import DecodeError, EncodeError
from segateway.zcl.foundation import FOUNDATION
from segateway.zcl.frame import ZclFrame, decode_frame, encode_frame
from segateway.zcl.header import Direction
from segateway.zcl.registry import CLUSTERS

from .helpers import record_strategy

UNKNOWN_CLUSTER = 0x1234
CLUSTER_IDS = [*sorted(CLUSTERS), UNKNOWN_CLUSTER]
_cluster_ids = pytest.mark.parametrize("cluster_id", CLUSTER_IDS, ids=lambda c: f"0x{c:04X}")


# ------------------------------------------------------------------------------------------------
# The two properties


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, tuple | list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _documented_lossy(
    frame: ZclFrame, data: bytes, encoded: bytes, cluster: int, profile: int = 0x0109
) -> bool:
    """The re-encoding differs only where a boolean or a NaN was canonicalised."""
    if len(encoded) != len(data):
        return False
    if not _same(tuple(decode_frame(encoded, cluster, profile=profile)), tuple(frame)):
        return False
    leaves = _leaves(frame.payload)
    diffs = [(a, b) for a, b in zip(data, encoded, strict=True) if a != b]
    booleans = any(v is True for v in leaves) and all(
        a not in (0x00, 0x01, 0xFF) and b == 0x01 for a, b in diffs
    )
    nans = any(isinstance(v, float) and math.isnan(v) for v in leaves)
    return booleans or nans


def check_decode(data: bytes, cluster: int, profile: int = 0x0109) -> None:
    try:
        frame = decode_frame(data, cluster, profile=profile)
    except DecodeError:
        return
    encoded = frame.encode()
    if encoded != data:
        assert _documented_lossy(frame, data, encoded, cluster, profile), (
            data.hex(),
            encoded.hex(),
        )


# ------------------------------------------------------------------------------------------------
# Valid frames of every command, from the schemas


def _commands(cluster: type[Cluster] | None) -> list[Command]:
    own = [] if cluster is None else [c for t in cluster.by_direction for c in t.values()]
    return [*own, *FOUNDATION.values()]


@st.composite
def valid_frame(draw: st.DrawFn, cluster: type[Cluster] | None) -> bytes:
    command = draw(st.sampled_from(_commands(cluster)))
    foundation = command.cluster_id is None
    try:
        return encode_frame(
            command,
            draw(record_strategy(command.schema)),
            tsn=draw(st.integers(0, 255)),
            direction=draw(st.sampled_from(Direction)) if foundation else None,
            manufacturer=draw(st.none() | st.integers(0, 0xFFFF)) if foundation else None,
            disable_default_response=draw(st.booleans()),
            cluster=cluster,
        )
    except EncodeError:
        # only Publish Block Period: the encoder refuses a layout that would decode otherwise
        reject()


# ------------------------------------------------------------------------------------------------
# Mutations

_ops = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 1 << 16), st.integers(0, 7)),
    st.tuples(st.just("set"), st.integers(0, 1 << 16), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 16), st.binary(min_size=1, max_size=4)),
    st.tuples(st.just("delete"), st.integers(0, 1 << 16), st.integers(1, 4)),
    st.tuples(st.just("truncate"), st.integers(0, 1 << 16)),
    st.tuples(st.just("extend"), st.binary(min_size=1, max_size=8)),
)


def mutate(data: bytes, ops: list[tuple[Any, ...]]) -> bytes:
    d = bytearray(data)
    for op in ops:
        name, *args = op
        at = args[0] % (len(d) + 1) if args and isinstance(args[0], int) else 0
        if name == "flip" and d:
            d[at % len(d)] ^= 1 << args[1]
        elif name == "set" and d:
            d[at % len(d)] = args[1]
        elif name == "insert":
            d[at:at] = args[1]
        elif name == "delete":
            del d[at : at + args[1]]
        elif name == "truncate":
            del d[at:]
        elif name == "extend":
            d.extend(args[0])
    return bytes(d)


# ------------------------------------------------------------------------------------------------
# The tests

_frame_controls = st.sampled_from([0x00, 0x08, 0x10, 0x18, 0x01, 0x09, 0x11, 0x19, 0x04, 0x0D])


@st.composite
def header_and_random_payload(draw: st.DrawFn) -> bytes:
    fc = draw(_frame_controls)
    manufacturer = draw(st.binary(min_size=2, max_size=2)) if fc & 0x04 else b""
    command_id = draw(st.integers(0, 0x16) | st.integers(0, 255))
    return (
        bytes([fc])
        + manufacturer
        + bytes([draw(st.integers(0, 255)), command_id])
        + draw(st.binary(max_size=48))
    )


@_cluster_ids
@given(data=st.binary(max_size=64) | header_and_random_payload())
def test_random_bytes_decode_or_raise_decode_error(cluster_id: int, data: bytes) -> None:
    check_decode(data, cluster_id)


@_cluster_ids
@given(st.data())
def test_mutated_frames_of_every_command(cluster_id: int, data: st.DataObject) -> None:
    """A frame of this cluster (or of another one), mutated, under this cluster id."""
    origin = data.draw(st.sampled_from([CLUSTERS.get(cluster_id), *CLUSTERS.values()]))
    frame = data.draw(valid_frame(origin), label="frame")
    ops = data.draw(st.lists(_ops, max_size=3), label="mutations")
    check_decode(mutate(frame, ops), cluster_id)


@given(frame=valid_frame(None), profile=st.sampled_from([0x0104, 0xC105]))
def test_other_profiles(frame: bytes, profile: int) -> None:
    for cluster_id in CLUSTER_IDS:
        check_decode(frame, cluster_id, profile)


def test_the_documented_lossy_cases_exist() -> None:
    """Pin them: bool 0x02 reads True and goes back as 01; a half-float NaN payload is lost."""
    raw = bytes.fromhex("18 01 0A 0000 10 02".replace(" ", ""))  # Report Attributes, bool 0x02
    frame = decode_frame(raw, 0x0702)
    assert frame.payload.records[0].value is True
    assert frame.encode() == raw[:-1] + b"\x01"
    assert _documented_lossy(frame, raw, frame.encode(), 0x0702)
    raw = bytes.fromhex("18 01 0A 0000 38 017C".replace(" ", ""))  # semi NaN with payload 0x001
    frame = decode_frame(raw, 0x0702)
    assert math.isnan(frame.payload.records[0].value)
    assert frame.encode() != raw
    assert _documented_lossy(frame, raw, frame.encode(), 0x0702)


# ------------------------------------------------------------------------------------------------
# Found by the corpus: frames our encoder writes that do not decode back to what was given


@pytest.mark.parametrize(
    ("command_id", "records"),
    [
        (0x04, [{"status": 0}, {"status": 0}]),
        (0x04, [{"status": 0}, {"status": 0x86, "attribute_id": 5}]),
        (0x07, [{"status": 0}, {"status": 0}]),
        (0x07, [{"status": 0}, {"status": 0x86, "direction": 0, "attribute_id": 5}]),
        (0x07, [{"status": 0x86, "direction": 1}, {"status": 0x87, "direction": 0,
                                                   "attribute_id": 5}]),
    ],
    ids=["war-two-lone-successes", "war-lone-success-then-failure", "crr-two-lone-successes",
         "crr-lone-success-then-failure", "crr-failure-without-attribute-id-then-failure"],
)  # fmt: skip
def test_status_records_encode_only_in_a_form_that_decodes_back(
    command_id: int, records: list[dict[str, Any]]
) -> None:
    """se-spec.md §1.3, Write Attributes Response: "if every write succeeded → single byte
    status=0x00; otherwise Record* { status u8, attrId u16 } for the failed attributes only"
    (Configure Reporting Response alike, with a direction).

    The short record (a status alone) is only readable as the one record of the payload, its
    optional fields being present "when bytes remain"; a failure record always has them all.
    ``encode_frame`` must refuse (or canonicalise, as zigpy's serialiser does) other lists instead
    of writing bytes that decode to different records: today
    ``[SUCCESS, (UNSUPPORTED_ATTRIBUTE, 0x0005)]`` goes out as ``00 86 05 00`` and comes back as
    ``[(SUCCESS, attribute 0x0586), (SUCCESS, None)]``.
    """
    command = FOUNDATION[command_id]
    try:
        raw = encode_frame(command, {"records": records}, tsn=1, direction=Direction(1))
    except EncodeError:
        return  # refusing is a correct answer
    decoded = decode_frame(raw).payload.records  # raises DecodeError for the first case
    failures = [r for r in records if r["status"] != 0]
    canonical = failures or [{"status": 0}]
    assert [{k: v for k, v in r._asdict().items() if v is not None} for r in decoded] in (
        records,
        canonical,
    )
