"""Compile a :class:`~segateway.zcl.schema.Schema` into fast Python functions.

The generated decoder reads each run of consecutive fixed-size fields with a single
``struct.unpack_from`` call, wraps named types through their value→member maps (a dict lookup),
and builds the record with ``tuple.__new__`` — no per-field function calls on the hot path. The
encoder mirrors it with ``struct.pack``. The generated source is kept on the schema
(``schema.source``) so it can be read and tested like any other code.
"""

from __future__ import annotations

import struct
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .errors import DecodeError, EncodeError
from .types import ENCODERS, BitStruct, decode_typed, is_analog

if TYPE_CHECKING:
    from .schema import Field, Schema

__all__ = ["Compiled", "compile_schema"]

_PACK_ERRORS = (struct.error, OverflowError, TypeError, ValueError, AttributeError, KeyError)


@dataclass(frozen=True, slots=True)
class Compiled:
    cls: type[tuple[Any, ...]]
    decode: Callable[..., tuple[Any, int]]
    encode: Callable[[Any], bytes]
    encode_into: Callable[[Any, list[bytes]], None]
    source: str


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _short(name: str, need: int, have: int, offset: int) -> DecodeError:
    return DecodeError(f"{name}: needs {need} more bytes, {have} left", offset=offset)


def _encode_error(name: str, exc: BaseException) -> EncodeError:
    if isinstance(exc, KeyError):
        return EncodeError(f"cannot encode {name}: unknown ZCL data type {exc}")
    return EncodeError(f"cannot encode {name}: {exc}")


def _short_record(name: str, field: str) -> EncodeError:
    return EncodeError(
        f"{name}: in {field!r} only the last record may leave out its trailing fields "
        "(it would swallow the records after it)"
    )


def _gap(name: str, field: str) -> EncodeError:
    return EncodeError(f"{name}: optional field {field!r} is missing but a later one is given")


def _not_applicable(name: str, field: str) -> EncodeError:
    return EncodeError(f"{name}: {field!r} is given but its condition does not hold")


def _ambiguous(name: str, field: str, remaining: int) -> EncodeError:
    return EncodeError(
        f"{name}: {field!r} is present exactly when {remaining} bytes do not follow it; "
        "these fields would decode as the other layout"
    )


def _count_mismatch(name: str, field: str, count: int, actual: int) -> EncodeError:
    return EncodeError(f"{name}: {field!r} says {count} items, the list has {actual}")


class _Gen:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.ns: dict[str, Any] = {
            "_DecodeError": DecodeError,
            "_EncodeError": EncodeError,
            "_PACK_ERRORS": _PACK_ERRORS,
            "_short": _short,
            "_encode_error": _encode_error,
            "_gap": _gap,
            "_not_applicable": _not_applicable,
            "_count_mismatch": _count_mismatch,
            "_ambiguous": _ambiguous,
            "_new": tuple.__new__,
            "_inew": int.__new__,
            "_dtyped": decode_typed,
            "_encoders": ENCODERS,
            "_enumerate": enumerate,
            "_short_record": _short_record,
            "is_analog": is_analog,
            "_len": len,
            "_range": range,
        }
        self.counter = 0
        self.lines: list[str] = []
        self.checks: list[Field] = []

    def bind(self, prefix: str, obj: Any) -> str:
        self.counter += 1
        key = f"_{prefix}{self.counter}"
        self.ns[key] = obj
        return key

    def emit(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    # --- decoding -------------------------------------------------------------------------------

    def wrap(self, indent: int, f: Field, var: str) -> None:
        """Turn the raw struct value of a fixed field into its Python value."""
        wire = f.wire
        if wire is not None and wire.post is not None:
            self.emit(indent, f"{var} = {self.bind('post', wire.post)}({var})")
        self.wrap_named(indent, f.named, var)

    def fixed_run(self, indent: int, run: list[Field]) -> None:
        fmt = "".join(f.wire.fmt for f in run if f.wire is not None and f.wire.fmt is not None)
        st = struct.Struct("<" + fmt)
        unpack = self.bind("unpack", st.unpack_from)
        names = ", ".join(f.name for f in run) + ("," if len(run) == 1 else "")
        self.emit(indent, f"if _n - _off < {st.size}:")
        self.emit(indent + 1, f"raise _short({self.schema.name!r}, {st.size}, _n - _off, _off)")
        self.emit(indent, f"{names} = {unpack}(_buf, _off)")
        self.emit(indent, f"_off += {st.size}")
        for f in run:
            self.wrap(indent, f, f.name)

    def item_decode(self, indent: int, item: Any, field: Field, var: str) -> None:
        from .schema import Field, Schema  # noqa: PLC0415 - circular at import time

        if isinstance(item, Schema) and self.can_inline(item):
            # the record's own decoder, inlined into the loop
            for g in item.fields:
                if g.may_be_absent:
                    self.emit(indent, f"{g.name} = None")
            self.decode_fields(indent, list(item.fields))
            names = ", ".join(item.field_names) + ("," if len(item.fields) == 1 else "")
            self.emit(indent, f"{var} = _new({self.bind('icls', item.cls)}, ({names}))")
            return
        if isinstance(item, Schema):
            self.emit(indent, f"{var}, _off = {self.bind('rec', item.decode)}(_buf, _off, _ctx)")
            return
        proxy = Field(field.name, item)
        wire = proxy.wire
        assert wire is not None  # schema validated  # noqa: S101
        self.emit(indent, f"{var}, _off = {self.bind('dec', wire.decode)}(_buf, _off)")
        self.wrap_named(indent, proxy.named, var)

    def wrap_named(self, indent: int, named: type | None, var: str) -> None:
        """Give a decoded int its named type (enum member, flag set or bit struct)."""
        if named is None:
            return
        if issubclass(named, BitStruct):
            self.emit(indent, f"{var} = _inew({self.bind('C', named)}, {var})")
            return
        get = self.bind("g", named._value2member_map_.get)  # type: ignore[attr-defined]
        ctor = self.bind("E", named)
        self.emit(indent, f"_m = {get}({var})")
        self.emit(indent, f"{var} = _m if _m is not None else {ctor}({var})")

    def single(self, indent: int, f: Field) -> None:
        from .schema import ListOf, Schema, Typed  # noqa: PLC0415 - circular at import time

        kind = f.kind
        if isinstance(kind, Schema):
            self.emit(indent, f"{f.name}, _off = {self.bind('rec', kind.decode)}(_buf, _off, _ctx)")
            return
        if isinstance(kind, Typed):
            self.emit(indent, f"{f.name}, _off = _dtyped({kind.type_field}, _buf, _off)")
            if kind.attr_field:
                self.emit(indent, "if _ctx is not None:")
                self.emit(indent + 1, f"_w = _ctx.get({kind.attr_field})")
                self.emit(indent + 1, f"if _w is not None and _w[0] == {kind.type_field}:")
                self.emit(indent + 2, f"{f.name} = _w[1]({f.name})")
            return
        if isinstance(kind, ListOf):
            self.emit(indent, f"{f.name} = []")
            if kind.count is None:
                self.emit(indent, "while _off < _n:")
            else:
                self.emit(indent, f"for _ in _range({kind.count}):")
            self.item_decode(indent + 1, kind.item, f, "_item")
            self.emit(indent + 1, f"{f.name}.append(_item)")
            return
        wire = f.wire
        assert wire is not None  # schema validated  # noqa: S101
        if wire.fmt is not None:
            self.fixed_run(indent, [f])
            return
        self.emit(indent, f"{f.name}, _off = {self.bind('dec', wire.decode)}(_buf, _off)")
        self.wrap_named(indent, f.named, f.name)

    def decode_fields(self, indent: int, fields: list[Field]) -> None:
        i = 0
        while i < len(fields):
            f = fields[i]
            if f.optional:
                self.emit(indent, "if _off < _n:")
                self.single(indent + 1, f)
                self.decode_fields(indent + 1, fields[i + 1 :])
                return
            if f.absent_if_remaining is not None:
                self.emit(indent, f"if _n - _off != {f.absent_if_remaining}:")
                self.single(indent + 1, f)
                i += 1
                continue
            if f.present_if is not None:
                group = _same_condition(fields, i)
                self.emit(indent, f"if {f.present_if}:")
                self.decode_fields(indent + 1, [replace(g, present_if=None) for g in group])
                i += len(group)
                continue
            if _is_fixed(f):
                run = [f]
                while i + len(run) < len(fields) and _is_fixed(fields[i + len(run)]):
                    run.append(fields[i + len(run)])
                self.fixed_run(indent, run)
                i += len(run)
                continue
            self.single(indent, f)
            i += 1

    def build_decoder(self) -> None:
        fields = list(self.schema.fields)
        self.emit(0, "def decode(_buf, _off=0, _ctx=None):")
        self.emit(1, "_n = _len(_buf)")
        for f in fields:
            if f.may_be_absent:
                self.emit(1, f"{f.name} = None")
        self.decode_fields(1, fields)
        values = ", ".join(f.name for f in fields) + ("," if len(fields) == 1 else "")
        self.emit(1, f"return _new(_cls, ({values})), _off")

    # --- encoding -------------------------------------------------------------------------------

    def pack_arg(self, f: Field) -> str:
        wire = f.wire
        if wire is not None and wire.pre is not None:
            return f"{self.bind('pre', wire.pre)}({f.name})"
        return f.name

    def enc_single(self, indent: int, f: Field) -> None:
        from .schema import ListOf, Schema, Typed  # noqa: PLC0415 - circular at import time

        kind = f.kind
        if isinstance(kind, Schema):
            self.emit(indent, f"{self.bind('rinto', kind.encode_into)}({f.name}, _p)")
            return
        if isinstance(kind, Typed):
            self.emit(indent, f"_a(_encoders[{kind.type_field}]({f.name}))")
            return
        if isinstance(kind, ListOf):
            if kind.count is not None:
                self.emit(indent, f"if {kind.count} != _len({f.name}):")
                self.emit(
                    indent + 1,
                    f"raise _count_mismatch({self.schema.name!r}, {kind.count!r}, "
                    f"{kind.count}, _len({f.name}))",
                )
            item = kind.item
            if isinstance(item, Schema) and any(g.optional for g in item.fields):
                # a record whose optional tail is absent can only end the list: after it, the
                # next record's bytes would be read as that tail (the "all succeeded" forms)
                icls = self.bind("icls", item.cls)
                self.emit(indent, f"_last = _len({f.name}) - 1")
                self.emit(indent, f"for _k, _i in _enumerate({f.name}):")
                self.emit(indent + 1, f"if _i.__class__ is not {icls}:")
                self.emit(indent + 2, f"_i = {self.bind('imake', item.make)}(_i)")
                self.emit(indent + 1, "if _i[-1] is None and _k != _last:")
                self.emit(indent + 2, f"raise _short_record({self.schema.name!r}, {f.name!r})")
                self.emit(indent + 1, f"{self.bind('rinto', item.encode_into)}(_i, _p)")
                return
            self.emit(indent, f"for _i in {f.name}:")
            if isinstance(item, Schema) and self.can_inline(item):
                # the record's own encoder, inlined: no call per record
                self.emit(indent + 1, f"if _i.__class__ is not {self.bind('icls', item.cls)}:")
                self.emit(indent + 2, f"_i = {self.bind('imake', item.make)}(_i)")
                names = ", ".join(item.field_names) + ("," if len(item.fields) == 1 else "")
                self.emit(indent + 1, f"{names} = _i")
                body, _ = self.encoder_body(list(item.fields))
                self.lines.extend("    " * (indent + 1) + line for line in body)
            elif isinstance(item, Schema):
                self.emit(indent + 1, f"{self.bind('rinto', item.encode_into)}(_i, _p)")
            else:
                from .types import wire_type_of  # noqa: PLC0415

                self.emit(indent + 1, f"_a({self.bind('enc', wire_type_of(item).encode)}(_i))")
            return
        wire = f.wire
        assert wire is not None  # schema validated  # noqa: S101
        if wire.fmt is not None:
            pack = self.bind("pack", struct.Struct("<" + wire.fmt).pack)
            self.emit(indent, f"_a({pack}({self.pack_arg(f)}))")
            return
        self.emit(indent, f"_a({self.bind('enc', wire.encode)}({f.name}))")

    def enc_optional(self, indent: int, fields: list[Field]) -> None:
        f = fields[0]
        later = fields[1:]
        self.emit(indent, f"if {f.name} is not None:")
        self.enc_single(indent + 1, f)
        if later:
            self.enc_optional(indent + 1, later)
            self.emit(indent, f"elif {' or '.join(f'{g.name} is not None' for g in later)}:")
            self.emit(indent + 1, f"raise _gap({self.schema.name!r}, {f.name!r})")

    def pack_run(self, indent: int, run: list[Field]) -> None:
        fmt = "".join(g.wire.fmt for g in run if g.wire is not None and g.wire.fmt)
        pack = self.bind("pack", struct.Struct("<" + fmt).pack)
        self.emit(indent, f"_a({pack}({', '.join(self.pack_arg(g) for g in run)}))")

    def refuse_present(self, indent: int, group: list[Field]) -> None:
        for g in group:
            self.emit(indent, f"if {g.name} is not None:")
            self.emit(indent + 1, f"raise _not_applicable({self.schema.name!r}, {g.name!r})")

    def encode_fields(self, indent: int, fields: list[Field]) -> None:
        i = 0
        while i < len(fields):
            f = fields[i]
            if f.optional:
                self.enc_optional(indent, fields[i:])
                return
            if f.absent_if_remaining is not None:
                # the decoder tells the layouts apart by what follows: check it will
                self.emit(indent, f"_at_{f.name} = _len(_p)")
                self.emit(indent, f"if {f.name} is not None:")
                self.enc_single(indent + 1, f)
                self.checks.append(f)
                i += 1
                continue
            if f.present_if is not None:
                group = _same_condition(fields, i)
                self.emit(indent, f"if {f.present_if}:")
                self.encode_fields(indent + 1, [replace(g, present_if=None) for g in group])
                self.emit(indent, "else:")
                self.refuse_present(indent + 1, group)
                i += len(group)
                continue
            if _is_fixed(f):
                run = [f]
                while i + len(run) < len(fields) and _is_fixed(fields[i + len(run)]):
                    run.append(fields[i + len(run)])
                i += len(run)
                nxt = fields[i] if i < len(fields) else None
                if nxt is not None and nxt.present_if is not None and not nxt.optional:
                    group = [replace(g, present_if=None) for g in _same_condition(fields, i)]
                    lead = 0
                    while lead < len(group) and _is_fixed(group[lead]):
                        lead += 1
                    if lead:
                        # one pack for the run and the condition's leading fixed fields
                        self.emit(indent, f"if {nxt.present_if}:")
                        self.pack_run(indent + 1, run + group[:lead])
                        self.encode_fields(indent + 1, group[lead:])
                        self.emit(indent, "else:")
                        self.pack_run(indent + 1, run)
                        self.refuse_present(indent + 1, group)
                        i += len(group)
                        continue
                self.pack_run(indent, run)
                continue
            self.enc_single(indent, f)
            i += 1

    def can_inline(self, item: Schema) -> bool:
        """Whether a record schema's encoder can be written into this one's list loop."""
        from .schema import ListOf, Schema  # noqa: PLC0415 - circular at import time

        return (
            bool(item.fields)
            and not set(item.field_names) & set(self.schema.field_names)
            and all(
                not (g.optional or g.absent_if_remaining is not None)
                and not isinstance(g.kind, ListOf | Schema)
                for g in item.fields
            )
        )

    def encoder_body(self, fields: list[Field]) -> tuple[list[str], bool]:
        """The lines that append the fields to ``_p`` (indent 0), and whether all are fixed."""
        saved, saved_checks = self.lines, self.checks
        self.lines, self.checks = [], []
        all_fixed = bool(fields) and all(_is_fixed(f) for f in fields)
        if all_fixed:
            self.pack_run(0, fields)
        else:
            self.encode_fields(0, fields)
            for f in self.checks:
                n = f.absent_if_remaining
                self.emit(0, f"_tail = sum(map(_len, _p[_at_{f.name}:]))")
                self.emit(0, f"if ({f.name} is None) != (_tail == {n}):")
                self.emit(1, f"raise _ambiguous({self.schema.name!r}, {f.name!r}, {n})")
        body, self.lines, self.checks = self.lines, saved, saved_checks
        return body, all_fixed

    def build_encoder(self) -> None:
        fields = list(self.schema.fields)
        body, all_fixed = self.encoder_body(fields)
        names = ", ".join(f.name for f in fields) + ("," if len(fields) == 1 else "")
        # encode_into: appends to the caller's list (records in lists, whole frames); errors
        # are turned into EncodeError by the outermost encode
        self.emit(0, "def encode_into(_v, _p):")
        self.emit(1, "if _v.__class__ is not _cls:")
        self.emit(2, "_v = _make(_v)")
        if fields:
            self.emit(1, f"{names} = _v")
        if body:
            self.emit(1, "_a = _p.append")
        self.lines.extend("    " + line for line in body)
        if not body:
            self.emit(1, "return")
        self.emit(0, "")
        self.emit(0, "def encode(_v):")
        self.emit(1, "if _v.__class__ is not _cls:")
        self.emit(2, "_v = _make(_v)")
        if fields:
            self.emit(1, f"{names} = _v")
        self.emit(1, "try:")
        if all_fixed:
            pack_line = body[0].strip()
            self.emit(2, "return " + pack_line[len("_a(") : -1])
        else:
            self.emit(2, "_p = []")
            self.emit(2, "_a = _p.append")
            self.lines.extend("        " + line for line in body)
            self.emit(2, "return b''.join(_p)")
        self.emit(1, "except _EncodeError:")
        self.emit(2, "raise")
        self.emit(1, "except _PACK_ERRORS as _e:")
        self.emit(2, f"raise _encode_error({self.schema.name!r}, _e) from None")


def _same_condition(fields: list[Field], start: int) -> list[Field]:
    """The fields from ``start`` on that share its ``present_if`` (and are not optional)."""
    cond = fields[start].present_if
    group = []
    for f in fields[start:]:
        if f.present_if != cond or f.optional:
            break
        group.append(f)
    return group


def _is_fixed(f: Field) -> bool:
    """A fixed-size field that can join a struct run (always present)."""
    if f.may_be_absent:
        return False
    wire = f.wire
    return wire is not None and wire.fmt is not None


def compile_schema(schema: Schema) -> Compiled:
    """Generate the record class, decoder and encoder of ``schema``."""
    names = [f.name for f in schema.fields]
    n_defaults = 0
    for f in reversed(schema.fields):
        if not f.may_be_absent:
            break
        n_defaults += 1
    cls = namedtuple(_camel(schema.name), names, defaults=[None] * n_defaults)  # type: ignore[misc]
    cls.__doc__ = schema.doc or f"{schema.name} ({', '.join(names) or 'no fields'})"
    cls.__module__ = "segateway.zcl.records"

    gen = _Gen(schema)
    gen.build_decoder()
    gen.emit(0, "")
    gen.build_encoder()
    source = "\n".join(gen.lines) + "\n"
    gen.ns["_cls"] = cls
    gen.ns["_make"] = schema.make
    code = compile(source, f"<zcl schema {schema.name}>", "exec")
    exec(code, gen.ns)
    return Compiled(
        cls=cls,
        decode=gen.ns["decode"],
        encode=gen.ns["encode"],
        encode_into=gen.ns["encode_into"],
        source=source,
    )
