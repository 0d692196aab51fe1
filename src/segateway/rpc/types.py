"""The value types of the RPC catalog, and the three things done with them.

A parameter or record field is declared with an :class:`RpcType` (digi-se-rpc.md §2.4: ``int``,
``bool``, ``float``, ``string``, ``MAC``, ``base16``/``base64``, ``none``, ``xml``, ``list``,
``dict``, record types) and that one declaration drives:

* :func:`coerce` — a request's value, as a codec decoded it, checked and converted (leniently:
  ``"0x5E"`` for an int, ``"TRUE"`` for a bool, a JSON object for a record); raises
  :class:`~segateway.rpc.errors.InvalidParamsError` naming the parameter;
* :func:`shape` — the SE layer's plain data (IEEE addresses as ints, records as dicts, octets as
  hex text) turned into RPC values (:class:`~segateway.rpc.values.MAC`,
  :class:`~segateway.rpc.values.Record`, bytes) for a response;
* :func:`conforms` — strict check that a response value is what the catalog declares (tests).

Records are looked up by name in a table the caller gives
(:data:`segateway.rpc.records.RECORDS`).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from .errors import InvalidParamsError
from .values import (
    MAC,
    Base16,
    Base64,
    Record,
    Value,
    XmlFragment,
    parse_bool,
    parse_float,
    parse_int,
)

if TYPE_CHECKING:
    from .records import RecordSpec

__all__ = [
    "ADDRESS",
    "ANY",
    "BOOL",
    "BYTES",
    "DICT",
    "FLOAT",
    "INT",
    "MAC64",
    "NONE",
    "SHORT_ADDRESS",
    "STRING",
    "XML",
    "Kind",
    "RpcType",
    "coerce",
    "conforms",
    "dict_of",
    "list_of",
    "one_of",
    "ranged",
    "record",
    "shape",
    "uint",
]


class Kind(enum.Enum):
    INT = "int"
    BOOL = "bool"
    FLOAT = "float"
    STRING = "string"
    MAC = "MAC"
    BYTES = "base16"
    NONE = "none"
    XML = "xml"
    ANY = "any"
    LIST = "list"
    DICT = "dict"
    RECORD = "record"
    UNION = "union"


@dataclass(frozen=True, slots=True)
class RpcType:
    """A declared type: its kind, how docs name it, and its limits."""

    kind: Kind
    label: str
    low: int | None = None
    high: int | None = None
    bits: int | None = None  # MAC: 64, 16, or None for either
    item: RpcType | None = None  # LIST
    record: str | None = None  # RECORD
    options: tuple[RpcType, ...] = field(default=())  # UNION

    def __str__(self) -> str:
        return self.label

    def records(self) -> set[str]:
        """Every record name this type refers to (for the registry test)."""
        found: set[str] = set()
        if self.record is not None:
            found.add(self.record)
        if self.item is not None:
            found |= self.item.records()
        for option in self.options:
            found |= option.records()
        return found

    def accepts_none(self) -> bool:
        return self.kind is Kind.NONE or any(o.accepts_none() for o in self.options)


INT: Final = RpcType(Kind.INT, "int")
BOOL: Final = RpcType(Kind.BOOL, "bool")
FLOAT: Final = RpcType(Kind.FLOAT, "float")
STRING: Final = RpcType(Kind.STRING, "string")
MAC64: Final = RpcType(Kind.MAC, "MAC", bits=64)
SHORT_ADDRESS: Final = RpcType(Kind.MAC, "MAC (16-bit)", bits=16)
ADDRESS: Final = RpcType(Kind.MAC, "MAC (64- or 16-bit)")
BYTES: Final = RpcType(Kind.BYTES, "base16 | base64")
NONE: Final = RpcType(Kind.NONE, "none")
XML: Final = RpcType(Kind.XML, "xml")
ANY: Final = RpcType(Kind.ANY, "any")
DICT: Final = RpcType(Kind.DICT, "dict")


def uint(bits: int) -> RpcType:
    """An unsigned integer of ``bits`` bits (checked on input)."""
    return RpcType(Kind.INT, f"uint{bits}", 0, (1 << bits) - 1)


def ranged(low: int, high: int, label: str | None = None) -> RpcType:
    return RpcType(Kind.INT, label or f"int ({low:#x}–{high:#x})", low, high)


def list_of(item: RpcType) -> RpcType:
    return RpcType(Kind.LIST, f"list of {item.label}", item=item)


def dict_of(item: RpcType) -> RpcType:
    """A dict whose values are all of type ``item`` (its keys are names)."""
    return RpcType(Kind.DICT, f"dict of {item.label}", item=item)


def record(name: str) -> RpcType:
    return RpcType(Kind.RECORD, name, record=name)


def one_of(*options: RpcType) -> RpcType:
    return RpcType(Kind.UNION, " | ".join(o.label for o in options), options=tuple(options))


# --- input ----------------------------------------------------------------------------------


def _bad(path: str, expected: RpcType, value: object) -> InvalidParamsError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:60] + "…"
    return InvalidParamsError(f"{path}: expected {expected.label}, got {shown}")


def _exact(t: RpcType, value: object) -> bool:
    """Whether ``value`` already is of type ``t`` without any conversion (unions: first pass)."""
    kind = t.kind
    if kind is Kind.INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is Kind.BOOL:
        return isinstance(value, bool)
    if kind is Kind.FLOAT:
        return isinstance(value, float)
    if kind is Kind.STRING:
        return isinstance(value, str)
    if kind is Kind.MAC:
        return isinstance(value, MAC) and (t.bits is None or value.bits == t.bits)
    if kind is Kind.BYTES:
        return isinstance(value, bytes)
    if kind is Kind.NONE:
        return value is None
    if kind is Kind.XML:
        return isinstance(value, XmlFragment)
    if kind is Kind.LIST:
        return isinstance(value, list | tuple)
    if kind is Kind.DICT:
        return isinstance(value, Mapping) and not isinstance(value, Record)
    if kind is Kind.RECORD:
        return isinstance(value, Record) and value.type_name.lower() == (t.record or "").lower()
    if kind is Kind.ANY:
        return True
    return any(_exact(o, value) for o in t.options)


def coerce(t: RpcType, value: object, path: str, records: Mapping[str, RecordSpec]) -> Value:
    """``value`` checked against ``t`` and converted; :class:`InvalidParamsError` if it cannot
    be. ``path`` names the value in the error (``record.duration_in_minutes``)."""
    kind = t.kind
    if kind is Kind.UNION:
        for option in t.options:
            if _exact(option, value):
                return coerce(option, value, path, records)
        # text is taken by the options that are text first (hex octets, MAC, string), by
        # numbers read from it last: "5677…" for int | base16 is hex octets
        options = sorted(
            t.options,
            key=lambda o: isinstance(value, str) and o.kind in (Kind.INT, Kind.FLOAT, Kind.BOOL),
        )
        for option in options:
            try:
                return coerce(option, value, path, records)
            except InvalidParamsError:
                continue
        raise _bad(path, t, value)
    if kind is Kind.INT:
        number = _to_int(value)
        if number is None:
            raise _bad(path, t, value)
        if (t.low is not None and number < t.low) or (t.high is not None and number > t.high):
            raise InvalidParamsError(
                f"{path}: {number:#x} is out of range for {t.label} ({t.low:#x}–{t.high:#x})"
            )
        return number
    if kind is Kind.BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            try:
                return parse_bool(value)
            except ValueError:
                pass
        raise _bad(path, t, value)
    if kind is Kind.FLOAT:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return parse_float(value)
            except ValueError:
                pass
        raise _bad(path, t, value)
    if kind is Kind.STRING:
        return _to_str(t, value, path)
    if kind is Kind.MAC:
        return _to_mac(t, value, path)
    if kind is Kind.BYTES:
        if isinstance(value, bytes):
            return value
        if isinstance(value, str):
            try:
                return Base16.parse(value)
            except ValueError:
                pass
        raise _bad(path, t, value)
    if kind is Kind.NONE:
        if value is None:
            return None
        raise _bad(path, t, value)
    if kind is Kind.XML:
        if isinstance(value, XmlFragment):
            return value
        if isinstance(value, str):
            return XmlFragment(value)
        raise _bad(path, t, value)
    if kind is Kind.ANY:
        return _any(value, path)
    if kind is Kind.LIST:
        if not isinstance(value, list | tuple):
            raise _bad(path, t, value)
        assert t.item is not None  # noqa: S101 - list types are built by list_of
        return [coerce(t.item, item, f"{path}[{i}]", records) for i, item in enumerate(value)]
    if kind is Kind.DICT:
        if not isinstance(value, Mapping) or isinstance(value, Record):
            raise _bad(path, t, value)
        if t.item is not None:
            return {str(k): coerce(t.item, v, f"{path}.{k}", records) for k, v in value.items()}
        return {str(k): _any(v, f"{path}.{k}") for k, v in value.items()}
    return _to_record(t, value, path, records)


def _to_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return parse_int(value)
        except ValueError:
            return None
    return None


def _to_str(t: RpcType, value: object, path: str) -> str:
    # the untyped rule turns <message>1234</message> into an int: a string parameter takes it
    # back as text (digi-se-rpc.md §2.4; docs/decisions.md)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    raise _bad(path, t, value)


def _to_mac(t: RpcType, value: object, path: str) -> MAC:
    found: MAC | None = None
    if isinstance(value, MAC):
        found = value
    elif isinstance(value, str):
        try:
            found = MAC.parse(value)
        except ValueError:
            found = None
    elif isinstance(value, int) and not isinstance(value, bool):
        bits = 16 if t.bits == 16 else 64
        if 0 <= value < 1 << bits:
            found = MAC(value, 16 if bits == 16 else 64)
    if found is None or (t.bits is not None and found.bits != t.bits):
        raise _bad(path, t, value)
    return found


def _any(value: object, path: str) -> Value:
    """A value of any RPC type, taken as it is (containers copied)."""
    if value is None or isinstance(
        value, bool | int | float | str | bytes | MAC | Record | XmlFragment
    ):
        return value
    if isinstance(value, list | tuple):
        return [_any(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        return {str(k): _any(v, f"{path}.{k}") for k, v in value.items()}
    raise InvalidParamsError(f"{path}: {type(value).__name__} is not an RPC value")


def _to_record(t: RpcType, value: object, path: str, records: Mapping[str, RecordSpec]) -> Record:
    spec = records[t.record or ""]
    if isinstance(value, Record):
        if value.type_name.lower() != spec.name.lower():
            raise InvalidParamsError(f"{path}: expected a {spec.name}, got a {value.type_name}")
        given: Mapping[str, object] = value.fields
    elif isinstance(value, Mapping):
        given = value
    else:
        raise _bad(path, t, value)
    known = {f.name: f for f in spec.fields}
    unknown = sorted(str(k) for k in given if k not in known)
    if unknown:
        raise InvalidParamsError(f"{path}: {spec.name} has no field {', '.join(unknown)}")
    fields: dict[str, Value] = {}
    for spec_field in spec.fields:
        where = f"{path}.{spec_field.name}"
        if spec_field.name in given:
            if spec_field.response_only:
                raise InvalidParamsError(f"{where}: only present in responses")
            raw = given[spec_field.name]
            if raw is None and not spec_field.type.accepts_none():
                raw = spec_field.default  # <field type="none"/> stands for "not given"
                if raw is None:
                    if spec_field.required:
                        raise InvalidParamsError(f"{where} is required")
                    continue
            fields[spec_field.name] = coerce(spec_field.type, raw, where, records)
        elif spec_field.required:
            raise InvalidParamsError(f"{where} is required")
        elif spec_field.default is not None:
            fields[spec_field.name] = spec_field.default
    return Record(spec.name, fields)


# --- output ---------------------------------------------------------------------------------


def plain_value(value: object) -> Value:
    """Data from the SE layer as an RPC value when nothing is declared for it."""
    if value is None or isinstance(value, bool | str | bytes | MAC | Record | XmlFragment | float):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return plain_value(value.value)
    if isinstance(value, Mapping):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain_value(v) for v in value]
    return str(value)


def shape(t: RpcType, value: object, records: Mapping[str, RecordSpec]) -> Value:
    """The SE layer's plain ``value`` as the RPC value ``t`` declares (see the module doc).
    What cannot be shaped is passed on as plain data, never dropped."""
    kind = t.kind
    if value is None:
        return None
    if kind is Kind.INT and isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if kind is Kind.BOOL and isinstance(value, bool | int):
        return bool(value)
    if kind is Kind.FLOAT and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind is Kind.STRING and isinstance(value, str | Decimal | int | float):
        return str(value)
    if kind is Kind.MAC:
        if isinstance(value, MAC):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return MAC(value, 16) if t.bits == 16 else MAC(value, 64)
    if kind is Kind.BYTES:
        if isinstance(value, Base16 | Base64):
            return value
        if isinstance(value, bytes | bytearray | memoryview):
            return Base16(bytes(value))
        if isinstance(value, str):
            try:
                return Base16.parse(value)
            except ValueError:
                return value
    if kind is Kind.XML and isinstance(value, str):
        return XmlFragment(value)
    if kind is Kind.LIST and isinstance(value, list | tuple) and t.item is not None:
        return [shape(t.item, v, records) for v in value]
    if kind is Kind.DICT and isinstance(value, Mapping) and t.item is not None:
        return {str(k): shape(t.item, v, records) for k, v in value.items()}
    if kind is Kind.RECORD and isinstance(value, Mapping):
        return _shape_record(records[t.record or ""], value, records)
    if kind is Kind.UNION:
        return _shape_union(t, value, records)
    return plain_value(value)


def _shape_record(
    spec: RecordSpec, value: Mapping[str, Any], records: Mapping[str, RecordSpec]
) -> Record:
    fields: dict[str, Value] = {}
    for spec_field in spec.fields:
        if spec_field.name in value and value[spec_field.name] is not None:
            fields[spec_field.name] = shape(spec_field.type, value[spec_field.name], records)
    for key, item in value.items():  # undeclared fields travel as they are
        if key not in fields and item is not None and not spec.has_field(key):
            fields[str(key)] = plain_value(item)
    return Record(spec.name, fields)


def _shape_union(t: RpcType, value: object, records: Mapping[str, RecordSpec]) -> Value:
    if isinstance(value, Mapping):
        keys = set(value)
        for option in t.options:
            if option.kind is not Kind.RECORD:
                continue
            spec = records[option.record or ""]
            names = {f.name for f in spec.fields}
            required = {f.name for f in spec.fields if f.required}
            if keys <= names and required <= keys:
                return _shape_record(spec, value, records)
    for option in t.options:
        if option.kind not in (Kind.RECORD, Kind.ANY) and _exact(option, value):
            return shape(option, value, records)
    for option in t.options:
        shaped = shape(option, value, records)
        if _exact(option, shaped):
            return shaped
    return plain_value(value)


# --- strict checking ------------------------------------------------------------------------


def conforms(t: RpcType, value: object, path: str, records: Mapping[str, RecordSpec]) -> list[str]:
    """Problems that make ``value`` not what ``t`` declares (empty when it conforms)."""
    kind = t.kind
    if kind is Kind.UNION:
        for option in t.options:
            if not conforms(option, value, path, records):
                return []
        return [f"{path}: {value!r} is none of {t.label}"]
    if kind is Kind.ANY:
        return []
    if not _exact(t, value):
        return [f"{path}: {value!r} is not {t.label}"]
    if kind is Kind.INT:
        assert isinstance(value, int)  # noqa: S101 - checked by _exact
        if (t.low is not None and value < t.low) or (t.high is not None and value > t.high):
            return [f"{path}: {value} out of range for {t.label}"]
    if kind is Kind.FLOAT and isinstance(value, float) and math.isnan(value):
        return []
    if kind is Kind.LIST and t.item is not None:
        assert isinstance(value, list | tuple)  # noqa: S101 - checked by _exact
        problems: list[str] = []
        for i, item in enumerate(value):
            problems += conforms(t.item, item, f"{path}[{i}]", records)
        return problems
    if kind is Kind.DICT and t.item is not None:
        assert isinstance(value, Mapping)  # noqa: S101 - checked by _exact
        found: list[str] = []
        for key, item in value.items():
            found += conforms(t.item, item, f"{path}.{key}", records)
        return found
    if kind is Kind.RECORD:
        assert isinstance(value, Record)  # noqa: S101 - checked by _exact
        return _record_conforms(records[t.record or ""], value, path, records)
    return []


def _record_conforms(
    spec: RecordSpec, value: Record, path: str, records: Mapping[str, RecordSpec]
) -> list[str]:
    problems = [
        f"{path}: {spec.name} declares no field {name}"
        for name in value.fields
        if not spec.has_field(name)
    ]
    for spec_field in spec.fields:
        where = f"{path}.{spec_field.name}"
        if spec_field.name in value.fields:
            problems += conforms(spec_field.type, value.fields[spec_field.name], where, records)
        elif spec_field.required:
            problems.append(f"{where} is missing")
    return problems
