"""Fuzz the ZCL frame decoder: random and mutated frames, every cluster of the registry.

    python bench/fuzz_zcl.py [--count N] [--seed S] [--json]

The corpus holds valid frames of every command of every cluster in the registry (both
directions), every foundation command under every cluster, and the se-spec.md §6.6 vectors; the
frames are encoded by our encoder from random field values (``random.Random(seed)``, no
Hypothesis). Each input — a corpus frame mutated by bit flips, byte overwrites, insertions,
deletions, truncation, extension, splicing or duplication (one to three of them stacked), a valid
header with a random payload, or purely random bytes — is decoded with ``decode_frame`` under every
cluster id of the registry and one unknown id. Two properties are checked:

1. ``decode_frame`` raises nothing but :class:`~segateway.zcl.errors.DecodeError`;
2. every frame it decodes re-encodes to exactly its input bytes (``frame.encode() == data``).

Re-encoding mismatches are classified: the documented lossy cases (a boolean octet other than
00/01/FF reads as True and is written back as 01; a NaN's payload bits are not kept by Python's
``struct`` for half and single floats) — the frame then re-decodes to the same values — and any
other mismatch, which is a bug. Crashes (any other exception, on decode or re-encode) are
minimised and printed. The exit status is non-zero on a crash or an unexplained mismatch.
"""

from __future__ import annotations

import argparse
import enum
import json
import math
import random
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from segateway.zcl.cluster import Cluster, Command
from segateway.zcl.errors import DecodeError, ZclError
from segateway.zcl.foundation import FOUNDATION
from segateway.zcl.frame import ZclFrame, decode_frame, encode_frame
from segateway.zcl.header import Direction
from segateway.zcl.registry import CLUSTERS
from segateway.zcl.schema import Field, ListOf, Schema, Typed
from segateway.zcl.types import (
    WIRE_TYPES,
    Array,
    DataType,
    Structure,
    TypedValue,
    WireType,
    is_analog,
    wire_type_of,
)

UNKNOWN_CLUSTER = 0x1234
CLUSTER_IDS = [*sorted(CLUSTERS), UNKNOWN_CLUSTER]
PROFILES = [0x0109] * 6 + [0x0104, 0xC105]  # mostly SE; HA; a manufacturer profile

SPEC_VECTORS = [  # se-spec.md §6.6
    (0x0701, "09 01 00 78 56 34 12 FF 0F 00 00 00 00 00 3C 00 05 FF FF 00 80 00 80 80 FF 03"),
    (0x0701, "09 02 01 78 56 34 12 FF 0F 00 01 00 00 00 00"),
    (0x0701, "01 22 00 78 56 34 12 01 00 1C 70 30 05 00 80 00 80 80 FF 03 00" + " FF" * 42),
    (
        0x0700,
        "09 03 00 01 00 00 00 04 50 45 41 4B 10 00 00 00 00 1C 70 30 00 3A 03 23 33 00 00 00 00"
        " FF FF E6 09 00 00 FF FF FF FF FF FF FF FF FF FF 01 00 00 01",
    ),
    (0x0700, "01 04 00 01"),
    (0x0700, "01 05 02 01 00 00 00 10 00 00 00 20 1C 70 30 01"),
    (0x0703, "09 06 00 42 00 00 00 88 00 00 00 00 FF FF 05 48 65 6C 6C 6F"),
    (0x0703, "01 07 01 42 00 00 00 84 1C 70 30"),
    (0x0702, "01 08 00 00 00 00 00 00 18"),
    (0x0702, "09 08 00 90 1A 70 30 00 03 02 7B 00 00 FF FF FF"),
    (0x0702, "00 09 00 00 00 00 03 01 03 02 03 03 03"),
    (
        0x0702,
        "18 09 01 00 00 00 25 15 CD 5B 07 00 00 00 03 00 30 00 01 03 00 22 01 00 00 02 03 00 22"
        " E8 03 00 03 03 00 18 33",
    ),
    (0x000A, "18 0A 01 00 00 00 E2 00 1C 70 30 01 00 00 18 0D"),
    (0x0702, "18 01 0B 00 00"),
]

# ------------------------------------------------------------------------------------------------
# Random field values (the corpus)

_VALUE_TYPES = sorted(WIRE_TYPES)
_ELEMENT_TYPES = [0x08, 0x10, 0x20, 0x21, 0x25, 0x29, 0x30, 0x39, 0x42, 0x41, 0xE1, 0xE2, 0xF0]
_ASCII = bytes(range(0x20, 0x7F))


def _random_value(rng: random.Random, wire: WireType, depth: int = 0) -> Any:
    """A value of ``wire``: fixed-size types decode random (often all-0/all-1) octets."""
    if wire.size is not None:
        octets = rng.choice(
            [
                bytes(wire.size),
                b"\xff" * wire.size,
                rng.randbytes(wire.size),
                rng.randbytes(wire.size),
            ]
        )
        return wire.decode(octets, 0)[0]
    tid = wire.type_id
    if tid in (0x41, 0x43):
        return rng.randbytes(rng.choice([0, 1, 2, 8, 20]))
    if tid in (0x42, 0x44):
        return "".join(chr(rng.choice(_ASCII)) for _ in range(rng.choice([0, 1, 5, 16])))
    if tid in (0x48, 0x50, 0x51):
        element = rng.choice(_ELEMENT_TYPES if depth else [*_ELEMENT_TYPES, 0x4C])
        if rng.random() < 0.05:
            return Array(element, None)
        items = [
            _random_value(rng, WIRE_TYPES[element], depth + 1) for _ in range(rng.randint(0, 3))
        ]
        return Array(element, items)
    if tid == 0x4C:
        if rng.random() < 0.05:
            return Structure(None)
        members = []
        for _ in range(rng.randint(0, 3)):
            member = rng.choice(_ELEMENT_TYPES if depth else [*_ELEMENT_TYPES, 0x48])
            members.append(TypedValue(member, _random_value(rng, WIRE_TYPES[member], depth + 1)))
        return Structure(members)
    # rest_bytes and other variable pseudo-types: raw octets
    return rng.randbytes(rng.choice([0, 1, 4, 16, 42]))


def _random_item(rng: random.Random, kind: Any) -> Any:
    if isinstance(kind, Schema):
        return _random_record(rng, kind)
    if kind is DataType:  # a data type id: one we know, or the values could not follow it
        return DataType(rng.choice(_VALUE_TYPES))
    value = _random_value(rng, wire_type_of(kind))
    if isinstance(kind, type) and issubclass(kind, enum.Enum) and not issubclass(kind, enum.Flag):
        members = list(kind)
        return rng.choice(members) if members and rng.random() < 0.8 else kind(value)
    if isinstance(kind, type) and hasattr(kind, "_zcl_coerce"):
        return kind(value)
    return value


_CONDITIONS: dict[str, Any] = {}


def _holds(condition: str, values: dict[str, Any]) -> bool:
    """A field's ``present_if`` over the earlier fields, as the schema compiler evaluates it."""
    code = _CONDITIONS.get(condition)
    if code is None:
        code = _CONDITIONS[condition] = compile(condition, "<present_if>", "eval")
    scope = {"__builtins__": {}, "is_analog": is_analog}
    return bool(eval(code, scope, values))  # noqa: S307 - the schema's own declared condition


def _random_record(rng: random.Random, schema: Schema) -> dict[str, Any]:
    values: dict[str, Any] = {}
    optional = [f for f in schema.fields if f.optional]
    present_optional = {f.name for f in optional[: rng.randint(0, len(optional))]}
    for f in schema.fields:
        values[f.name] = None
        if f.optional and f.name not in present_optional:
            continue
        if f.present_if is not None and not _holds(f.present_if, values):
            continue
        if f.absent_if_remaining is not None and rng.random() < 0.5:
            continue
        values[f.name] = _random_field(rng, f, values)
    return values


def _random_field(rng: random.Random, f: Field, values: dict[str, Any]) -> Any:
    kind = f.kind
    if isinstance(kind, Typed):
        return _random_value(rng, WIRE_TYPES[int(values[kind.type_field])])
    if isinstance(kind, ListOf):
        items = [_random_item(rng, kind.item) for _ in range(rng.choice([0, 1, 2, 3, 5]))]
        if kind.count is not None:
            values[kind.count] = len(items)
        return items
    return _random_item(rng, kind)


def _random_frame(rng: random.Random, command: Command, cluster: type[Cluster]) -> bytes | None:
    foundation = command.cluster_id is None
    manufacturer = rng.randint(0, 0xFFFF) if foundation and rng.random() < 0.1 else None
    try:
        return encode_frame(
            command,
            _random_record(rng, command.schema),
            tsn=rng.randint(0, 255),
            direction=rng.choice(list(Direction)) if foundation else None,
            manufacturer=manufacturer,
            disable_default_response=rng.random() < 0.5,
            cluster=cluster,
        )
    except ZclError:
        return None  # a combination the encoder refuses (e.g. a too-long list for its count)


def build_corpus(rng: random.Random, per_command: int = 6) -> list[tuple[int, bytes]]:
    """(cluster id, frame) pairs: every command of every cluster, foundation ones included."""
    corpus = [(cid, bytes.fromhex(h.replace(" ", ""))) for cid, h in SPEC_VECTORS]
    for cluster in CLUSTERS.values():
        commands = [c for table in cluster.by_direction for c in table.values()]
        for command in [*commands, *FOUNDATION.values()]:
            n = per_command if command.cluster_id is not None else max(1, per_command // 3)
            for _ in range(n):
                frame = _random_frame(rng, command, cluster)
                if frame is not None:
                    corpus.append((cluster.id, frame))
    return corpus


# ------------------------------------------------------------------------------------------------
# Mutations


def _flip(rng: random.Random, d: bytearray) -> None:
    for _ in range(rng.randint(1, 3)):
        if d:
            d[rng.randrange(len(d))] ^= 1 << rng.randrange(8)


def _overwrite(rng: random.Random, d: bytearray) -> None:
    if d:
        d[rng.randrange(len(d))] = rng.choice([0x00, 0xFF, 0x01, 0x80, rng.randrange(256)])


def _insert(rng: random.Random, d: bytearray) -> None:
    at = rng.randint(0, len(d))
    d[at:at] = rng.randbytes(rng.randint(1, 4))


def _delete(rng: random.Random, d: bytearray) -> None:
    if d:
        at = rng.randrange(len(d))
        del d[at : at + rng.randint(1, 4)]


def _truncate(rng: random.Random, d: bytearray) -> None:
    del d[rng.randint(0, len(d)) :]


def _extend(rng: random.Random, d: bytearray) -> None:
    d.extend(rng.randbytes(rng.randint(1, 8)))


def _duplicate(rng: random.Random, d: bytearray) -> None:
    if d:
        start = rng.randrange(len(d))
        chunk = d[start : start + rng.randint(1, 8)]
        at = rng.randint(0, len(d))
        d[at:at] = chunk


MUTATIONS: list[Callable[[random.Random, bytearray], None]] = [
    _flip, _overwrite, _insert, _delete, _truncate, _extend, _duplicate,
]  # fmt: skip
_HEADER_FCS = [0x00, 0x08, 0x10, 0x18, 0x01, 0x09, 0x11, 0x19, 0x04, 0x05, 0x0D]


@dataclass
class Inputs:
    """The input generator: corpus frames mutated, spliced, or random bytes."""

    rng: random.Random
    corpus: list[tuple[int, bytes]]
    kinds: Counter[str] = field(default_factory=Counter)

    def next(self) -> tuple[int, bytes]:
        rng = self.rng
        roll = rng.random()
        origin, frame = rng.choice(self.corpus)
        if roll < 0.04:
            self.kinds["corpus"] += 1
            return origin, frame
        if roll < 0.12:
            self.kinds["random"] += 1
            return origin, rng.randbytes(rng.randint(0, 64))
        if roll < 0.24:
            self.kinds["header+random"] += 1
            fc = rng.choice(_HEADER_FCS)
            head = bytes([fc]) + (rng.randbytes(2) if fc & 0x04 else b"")
            return origin, head + bytes([rng.randrange(256), rng.choice([*range(0x17), 0x40])]) + (
                rng.randbytes(rng.randint(0, 48))
            )
        data = bytearray(frame)
        if roll < 0.32:
            self.kinds["splice"] += 1
            _, other = rng.choice(self.corpus)
            data = bytearray(
                frame[: rng.randint(0, len(frame))] + other[rng.randint(0, len(other)) :]
            )
        else:
            self.kinds["mutated"] += 1
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            rng.choice(MUTATIONS)(rng, data)
        return origin, bytes(data)


# ------------------------------------------------------------------------------------------------
# Checking one input


def _same(a: Any, b: Any) -> bool:
    """Value equality with NaN = NaN, through records, lists and tuples."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def _lossy_leaves(value: Any) -> set[str]:
    """The documented lossy values a payload holds: booleans read as True, NaN floats."""
    if value is True:
        return {"bool"}
    if isinstance(value, float) and math.isnan(value):
        return {"nan"}
    if isinstance(value, tuple | list):
        found: set[str] = set()
        for v in value:
            found |= _lossy_leaves(v)
        return found
    return set()


def classify_mismatch(
    frame: ZclFrame, data: bytes, encoded: bytes, cluster: int, profile: int
) -> str:
    """'bool' or 'nan' for the documented lossy re-encodings, 'other' for anything else."""
    if len(encoded) != len(data):
        return "other"
    try:
        again = decode_frame(encoded, cluster, profile=profile)
    except DecodeError:
        return "other"
    if not _same(tuple(again), tuple(frame)):
        return "other"
    leaves = _lossy_leaves(frame.payload)
    diffs = [(a, b) for a, b in zip(data, encoded, strict=True) if a != b]
    if "bool" in leaves and all(a not in (0x00, 0x01, 0xFF) and b == 0x01 for a, b in diffs):
        return "bool"
    if "nan" in leaves:
        return "nan"
    return "other"


@dataclass
class Result:
    kind: str  # "ok", "decode_error", "mismatch:<class>", "reencode_error", "crash"
    frame: ZclFrame | None = None
    error: BaseException | None = None
    where: str = ""


def check(data: bytes, cluster: int, profile: int) -> Result:
    """Decode ``data`` and re-encode it; what happened."""
    try:
        frame = decode_frame(data, cluster, profile=profile)
    except DecodeError:
        return Result("decode_error")
    except Exception as exc:  # any other exception is the finding
        return Result("crash", error=exc, where="decode " + _where(exc))
    try:
        encoded = frame.encode()
    except ZclError as exc:
        return Result("reencode_error", frame, exc, _where(exc))
    except Exception as exc:
        return Result("crash", frame, exc, "re-encode " + _where(exc))
    if encoded == data:
        return Result("ok", frame)
    return Result("mismatch:" + classify_mismatch(frame, data, encoded, cluster, profile), frame)


def _where(exc: BaseException) -> str:
    tb = traceback.extract_tb(exc.__traceback__)
    last = tb[-1] if tb else None
    place = f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}" if last else "?"
    return f"{type(exc).__name__} at {place}"


def minimise(data: bytes, cluster: int, profile: int, kind: str, where: str) -> bytes:
    """Greedy shrink: drop chunks, then zero octets, while the same finding still happens."""

    def same(candidate: bytes) -> bool:
        r = check(candidate, cluster, profile)
        return r.kind == kind and r.where == where

    best = data
    chunk = max(1, len(best) // 2)
    while chunk >= 1:
        i = 0
        while i < len(best):
            candidate = best[:i] + best[i + chunk :]
            if same(candidate):
                best = candidate
            else:
                i += chunk
        chunk //= 2
    for i in range(len(best)):
        if best[i] != 0:
            candidate = best[:i] + b"\x00" + best[i + 1 :]
            if same(candidate):
                best = candidate
    return best


# ------------------------------------------------------------------------------------------------
# The run


@dataclass
class Example:
    kind: str
    cluster: int
    profile: int
    data: bytes
    minimised: bytes
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "cluster": f"0x{self.cluster:04X}",
            "profile": f"0x{self.profile:04X}",
            "input": self.data.hex(" "),
            "minimised": self.minimised.hex(" "),
            "detail": self.detail,
        }


def run(count: int, seed: int, progress: bool) -> dict[str, Any]:
    rng = random.Random(seed)  # noqa: S311 - reproducible fuzzing, not cryptography
    started = time.perf_counter()
    corpus = build_corpus(rng)
    corpus_seconds = time.perf_counter() - started
    inputs = Inputs(rng, corpus)
    outcomes: Counter[str] = Counter()
    commands_decoded: Counter[str] = Counter()
    examples: dict[str, list[Example]] = {}
    keep = {"crash": 5, "mismatch:other": 5, "reencode_error": 3, "mismatch:bool": 1,
            "mismatch:nan": 1}  # fmt: skip
    signatures: set[tuple[str, str]] = set()
    decodes = 0
    start = time.perf_counter()
    for n in range(count):
        _, data = inputs.next()
        profile = rng.choice(PROFILES)
        for cluster in CLUSTER_IDS:
            result = check(data, cluster, profile)
            decodes += 1
            outcomes[result.kind] += 1
            if result.frame is not None and result.frame.command is not None:
                commands_decoded[result.frame.command.name] += 1
            if result.kind in ("ok", "decode_error"):
                continue
            sig = (result.kind, result.where or _command_name(result.frame))
            bucket = examples.setdefault(result.kind, [])
            if sig in signatures or len(bucket) >= keep.get(result.kind, 1):
                continue
            signatures.add(sig)
            small = minimise(data, cluster, profile, result.kind, result.where)
            detail = result.where or _command_name(result.frame)
            if result.error is not None:
                detail += f": {result.error}"
            bucket.append(Example(result.kind, cluster, profile, data, small, detail))
        if progress and n and n % 100_000 == 0:
            rate = n / (time.perf_counter() - start)
            print(f"  … {n:,} inputs ({rate:,.0f}/s)", file=sys.stderr)
    seconds = time.perf_counter() - start
    mismatches = {k.split(":", 1)[1]: v for k, v in outcomes.items() if k.startswith("mismatch:")}
    return {
        "benchmark": "fuzz_zcl",
        "seed": seed,
        "python": sys.version.split()[0],
        "corpus_frames": len(corpus),
        "corpus_seconds": round(corpus_seconds, 3),
        "clusters": [f"0x{c:04X}" for c in CLUSTER_IDS],
        "inputs": count,
        "input_kinds": dict(inputs.kinds),
        "decodes": decodes,
        "decoded": decodes - outcomes["decode_error"] - outcomes["crash"],
        "decoded_with_command": sum(commands_decoded.values()),
        "distinct_commands_decoded": len(commands_decoded),
        "decode_errors": outcomes["decode_error"],
        "reencode_exact": outcomes["ok"],
        "reencode_mismatches": sum(mismatches.values()),
        "reencode_mismatches_by_class": mismatches,
        "reencode_errors": outcomes["reencode_error"],
        "crashes": outcomes["crash"],
        "seconds": round(seconds, 2),
        "inputs_per_second": round(count / seconds),
        "decodes_per_second": round(decodes / seconds),
        "examples": {k: [e.as_dict() for e in v] for k, v in examples.items()},
    }


def _command_name(frame: ZclFrame | None) -> str:
    if frame is None or frame.command is None:
        return "(no command)"
    return frame.command.name


def _print(report: dict[str, Any]) -> None:
    print(
        f"fuzz_zcl: seed {report['seed']}, corpus {report['corpus_frames']} frames, "
        f"{len(report['clusters'])} cluster ids, Python {report['python']}"
    )
    rows = [
        ("inputs", report["inputs"]),
        ("decode attempts (inputs × cluster ids)", report["decodes"]),
        ("decoded", report["decoded"]),
        ("  … as a command we define", report["decoded_with_command"]),
        ("decode errors (DecodeError)", report["decode_errors"]),
        ("re-encoded exactly", report["reencode_exact"]),
        ("re-encode mismatches", report["reencode_mismatches"]),
        *((f"  … {k}", v) for k, v in sorted(report["reencode_mismatches_by_class"].items())),
        ("re-encode errors (EncodeError)", report["reencode_errors"]),
        ("crashes (any other exception)", report["crashes"]),
    ]
    for label, value in rows:
        print(f"  {label:<42}{value:>14,}")
    print(f"  distinct commands decoded: {report['distinct_commands_decoded']}")
    print(f"  input kinds: {report['input_kinds']}")
    print(
        f"  {report['seconds']} s: {report['inputs_per_second']:,} inputs/s, "
        f"{report['decodes_per_second']:,} decodes/s"
    )
    for kind, items in report["examples"].items():
        print(f"\n{kind} examples:")
        for e in items:
            print(f"  cluster {e['cluster']} profile {e['profile']}: {e['detail']}")
            print(f"    minimised: {e['minimised']}")
            print(f"    input:     {e['input']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="inputs (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    report = run(args.count, args.seed, progress=not args.json)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print(report)
    failed = report["crashes"] or report["reencode_mismatches_by_class"].get("other", 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
