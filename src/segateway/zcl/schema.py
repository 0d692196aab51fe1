"""Payload schemas declared as data.

A :class:`Schema` is an ordered tuple of :class:`Field` s. Each field names a ZCL wire type (or a
named enum/bitmap class), and may be

* ``optional`` — a trailing field that SE versions add; present only when bytes remain
  (a payload from an older peer simply ends earlier, and re-encodes to the same bytes);
* conditional — ``present_if="status == 0"``, an expression over earlier fields;
* :class:`Typed` — a value whose data type is given by an earlier field (attribute records);
* :class:`ListOf` — repeated items, counted by an earlier field or running to the payload's end;
  items may be wire types, named types or record schemas;
* a nested :class:`Schema` — a fixed sub-record (a certificate inside a command);
* ``absent_if_remaining=N`` — a field that a later SE version dropped from the middle of a
  payload: it decodes as absent when exactly ``N`` bytes remain at its position (the later
  layout), and is encoded whenever it is not None.

The schema compiles itself (``segateway.zcl.codegen``) into a decoder, an encoder and an
immutable record class (a ``NamedTuple`` with the field names), so decoding is one generated
function with one ``struct`` call per run of fixed-size fields.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import EncodeError
from .types import WireType, coerce_typed, json_typed, wire_type_of

__all__ = ["Field", "ListOf", "Schema", "Typed"]

Context = Mapping[int, tuple[int, Callable[[Any], Any]]]
"""Attribute id → (wire type id, named constructor): turns attribute values into named types."""


@dataclass(frozen=True, slots=True)
class Typed:
    """A value whose ZCL data type id is held by the earlier field ``type_field``.

    ``attr_field`` names the field holding the attribute id; when the frame is decoded with a
    cluster context, values of attributes with a named type (an enum, say) are given that type.
    """

    type_field: str
    attr_field: str | None = None


@dataclass(frozen=True, slots=True)
class ListOf:
    """Repeated items: ``count`` names the earlier field holding how many; ``None`` = to the end."""

    item: Any
    count: str | None = None


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a payload or record."""

    name: str
    kind: Any
    note: str = ""
    optional: bool = False
    present_if: str | None = None
    absent_if_remaining: int | None = None
    since: str = "1.0"

    @property
    def may_be_absent(self) -> bool:
        """True when the field can be missing from a payload (its value is then None)."""
        return self.optional or self.present_if is not None or self.absent_if_remaining is not None

    @property
    def wire(self) -> WireType | None:
        """The field's wire type, or None for typed values and lists."""
        if isinstance(self.kind, Typed | ListOf | Schema):
            return None
        return wire_type_of(self.kind)

    @property
    def named(self) -> type | None:
        """The named type class (enum, bitmap, bit struct) of the field, if any."""
        if isinstance(self.kind, type) and hasattr(self.kind, "_zcl_coerce"):
            return self.kind
        return None


class Schema:
    """An ordered set of fields, compiled to a decoder, an encoder and a record class."""

    def __init__(self, name: str, fields: Iterable[Field], *, doc: str = "") -> None:
        self.name = name
        self.fields: tuple[Field, ...] = tuple(fields)
        self.field_names: tuple[str, ...] = tuple(f.name for f in self.fields)
        self._known = frozenset(self.field_names)
        self.doc = doc
        self._validate()
        from .codegen import compile_schema  # noqa: PLC0415 - codegen imports this module

        compiled = compile_schema(self)
        self.cls: type[tuple[Any, ...]] = compiled.cls
        self.decode: Callable[..., tuple[Any, int]] = compiled.decode
        self.encode: Callable[[Any], bytes] = compiled.encode
        self.encode_into: Callable[[Any, list[bytes]], None] = compiled.encode_into
        self.source = compiled.source

    def __repr__(self) -> str:
        return f"<Schema {self.name} ({', '.join(f.name for f in self.fields)})>"

    def _validate(self) -> None:
        seen: set[str] = set()
        optional_started = False
        for f in self.fields:
            if not f.name.isidentifier() or keyword.iskeyword(f.name) or f.name.startswith("_"):
                msg = f"{self.name}: bad field name {f.name!r}"
                raise TypeError(msg)
            if f.name in seen:
                msg = f"{self.name}: duplicate field {f.name!r}"
                raise TypeError(msg)
            if f.name in _TUPLE_ATTRS:
                msg = f"{self.name}: field name {f.name!r} clashes with a tuple method"
                raise TypeError(msg)
            if optional_started and not f.optional:
                msg = f"{self.name}: {f.name!r} follows an optional field but is not optional"
                raise TypeError(msg)
            optional_started = optional_started or f.optional
            for ref in _references(f):
                if ref not in seen:
                    msg = f"{self.name}: {f.name!r} refers to {ref!r}, not an earlier field"
                    raise TypeError(msg)
            if f.wire is None and not isinstance(f.kind, Typed | ListOf | Schema):
                msg = f"{self.name}: {f.name!r} has no wire type"
                raise TypeError(msg)
            if isinstance(f.kind, ListOf) and f.kind.count is None and f is not self.fields[-1]:
                msg = f"{self.name}: list {f.name!r} runs to the end, so it must be last"
                raise TypeError(msg)
            seen.add(f.name)

    # --- conversion between records, plain dicts and JSON ------------------------------------

    def make(self, value: Any = None, context: Context | None = None, /, **kwargs: Any) -> Any:
        """A record of this schema from a record, a mapping, a sequence or keyword arguments.

        Plain values are converted: enum names, hex strings for bytes, dicts of bit-field parts,
        nested records as dicts. ``context`` (attribute id → named type, as for decoding) lets
        attribute values be given by name too (``"kwh"`` for UnitofMeasure).
        """
        if value is None:
            value = kwargs
        elif kwargs:
            msg = f"{self.name}: give a record or keyword arguments, not both"
            raise EncodeError(msg)
        if isinstance(value, self.cls):
            return value
        if isinstance(value, Mapping):
            unknown = value.keys() - self._known
            if unknown:
                msg = f"{self.name}: unknown field(s) {', '.join(sorted(unknown))}"
                raise EncodeError(msg)
            items = dict(value)
        elif isinstance(value, list | tuple):
            if len(value) > len(self.fields):
                msg = f"{self.name}: {len(value)} values for {len(self.fields)} fields"
                raise EncodeError(msg)
            items = dict(zip(self.field_names, value, strict=False))
        else:
            msg = f"{self.name}: cannot build a record from {type(value).__name__}"
            raise EncodeError(msg)
        out: dict[str, Any] = {}
        for f in self.fields:
            if f.name not in items and not f.may_be_absent:
                msg = f"{self.name}: missing field {f.name!r}"
                raise EncodeError(msg)
            value = items.get(f.name)
            if value is None and f.may_be_absent:
                out[f.name] = None
                continue
            # None is a value for some types (the boolean non-value, "no data")
            out[f.name] = _coerce_field(f, value, out, context)
        return self.cls(**out)

    def to_json(self, record: Any) -> dict[str, Any]:
        """A JSON-serialisable dict of a record (enums by name, bytes as hex, …)."""
        values = dict(zip(self.field_names, record, strict=True))
        return {f.name: _json_field(f, values[f.name], values) for f in self.fields}


_TUPLE_ATTRS = frozenset(dir(tuple)) | {"count", "index"}


def _references(f: Field) -> list[str]:
    refs: list[str] = []
    if isinstance(f.kind, Typed):
        refs.append(f.kind.type_field)
        if f.kind.attr_field:
            refs.append(f.kind.attr_field)
    if isinstance(f.kind, ListOf) and f.kind.count:
        refs.append(f.kind.count)
    return refs


def _coerce_item(kind: Any, value: Any, context: Context | None = None) -> Any:
    if isinstance(kind, Schema):
        return kind.make(value, context)
    named = kind if isinstance(kind, type) and hasattr(kind, "_zcl_coerce") else None
    if named is not None:
        return value if isinstance(value, named) else named._zcl_coerce(value)
    wire: WireType = wire_type_of(kind)
    try:
        return wire.coerce(value)
    except EncodeError:
        raise
    except (TypeError, ValueError) as exc:
        msg = f"cannot use {value!r} as {wire.name}: {exc}"
        raise EncodeError(msg) from None


def _coerce_typed(
    kind: Typed, value: Any, earlier: Mapping[str, Any], context: Context | None
) -> Any:
    type_id = int(earlier[kind.type_field])
    if context is not None and kind.attr_field is not None:
        named = context.get(int(earlier[kind.attr_field]))
        if named is not None and named[0] == type_id:
            coerce = getattr(named[1], "_zcl_coerce", None)
            if coerce is not None and not isinstance(value, named[1]):  # type: ignore[arg-type]
                return coerce(value)
    try:
        return coerce_typed(type_id, value)
    except EncodeError:
        raise
    except (TypeError, ValueError) as exc:
        msg = f"{value!r} is not a value of data type 0x{type_id:02X}: {exc}"
        raise EncodeError(msg) from None


def _coerce_field(
    f: Field, value: Any, earlier: Mapping[str, Any], context: Context | None = None
) -> Any:
    kind = f.kind
    if isinstance(kind, Typed):
        return _coerce_typed(kind, value, earlier, context)
    if isinstance(kind, Schema):
        return kind.make(value, context)
    if isinstance(kind, ListOf):
        if not isinstance(value, list | tuple):
            msg = f"{f.name}: expected a list, got {type(value).__name__}"
            raise EncodeError(msg)
        return [_coerce_item(kind.item, v, context) for v in value]
    return _coerce_item(kind, value)


def _json_item(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, Schema):
        return kind.to_json(value)
    to_json = getattr(value, "_zcl_json", None)
    if to_json is not None:
        return to_json()
    return wire_type_of(kind).jsonable(value)


def _json_field(f: Field, value: Any, values: Mapping[str, Any]) -> Any:
    if value is None:
        return None
    kind = f.kind
    if isinstance(kind, Typed):
        to_json = getattr(value, "_zcl_json", None)
        return to_json() if to_json is not None else json_typed(int(values[kind.type_field]), value)
    if isinstance(kind, ListOf):
        return [_json_item(kind.item, v) for v in value]
    return _json_item(kind, value)
