"""ZCL data types (ZCL 07-5123 §2.6, summarised in se-spec.md §1.4).

Every wire type is a :class:`WireType` with its type id, size, invalid ("non-value") and a
``decode(buf, offset) -> (value, offset)`` / ``encode(value) -> bytes`` pair. Fixed-size types also
expose a :mod:`struct` format so that the schema compiler (``segateway.zcl.codegen``) can read a run
of fixed fields with one ``unpack_from`` call.

Python values:

* integers, enums, bitmaps, UTC time, cluster/attribute ids: ``int`` (or a named ``int`` subclass);
* boolean: ``True``/``False``, the non-value 0xFF is ``None``;
* general data (data8…data64) and 128-bit keys: ``bytes`` of the exact width;
* floats: ``float``;
* octet strings: ``bytes``; character strings: ``str`` (see :class:`ZclStr`);
* IEEE address: :class:`EUI64`; date and time of day: :class:`Date` / :class:`TimeOfDay`;
* array, set, bag: :class:`Array`; structure: :class:`Structure` of :class:`TypedValue`.

Named types (:class:`Enum8`, :class:`Bitmap16`, :class:`BitStruct8`, …) are ``int`` subclasses that
carry their wire type in ``__zcl_wire__``; unknown enum values decode to usable pseudo-members
(``undefined_0x12``) instead of raising.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, NamedTuple, Self

from .errors import DecodeError, EncodeError

__all__ = [
    "ANALOG_TYPE_IDS",
    "EUI64",
    "UTC_EPOCH",
    "WIRE_TYPES",
    "Array",
    "BitStruct",
    "BitStruct8",
    "BitStruct16",
    "Bitmap8",
    "Bitmap16",
    "Bitmap24",
    "Bitmap32",
    "Bitmap64",
    "DataType",
    "Date",
    "Enum8",
    "Enum16",
    "Part",
    "Structure",
    "TimeOfDay",
    "TypedValue",
    "WireType",
    "ZclBytes",
    "ZclStr",
    "datetime_from_utc",
    "decode_typed",
    "encode_typed",
    "is_analog",
    "utc_from_datetime",
    "wire_type_of",
]

Decoder = Callable[[bytes, int], tuple[Any, int]]
Encoder = Callable[[Any], bytes]

# ---------------------------------------------------------------------------------------------
# Wire types


class WireType:
    """One ZCL data type as it appears on the wire."""

    __slots__ = (
        "analog",
        "coerce",
        "decode",
        "encode",
        "fmt",
        "invalid",
        "jsonable",
        "name",
        "post",
        "pre",
        "size",
        "type_id",
    )

    def __init__(
        self,
        type_id: int | None,
        name: str,
        *,
        size: int | None,
        invalid: Any = None,
        fmt: str | None = None,
        post: Callable[[Any], Any] | None = None,
        pre: Callable[[Any], Any] | None = None,
        decode: Decoder | None = None,
        encode: Encoder | None = None,
        coerce: Callable[[Any], Any] | None = None,
        jsonable: Callable[[Any], Any] | None = None,
    ) -> None:
        self.type_id = type_id
        self.name = name
        self.size = size
        self.invalid = invalid
        self.analog = type_id is not None and is_analog(type_id)
        self.fmt = fmt
        self.post = post
        self.pre = pre
        self.coerce: Callable[[Any], Any] = coerce or _identity
        self.jsonable: Callable[[Any], Any] = jsonable or _identity
        if fmt is not None:
            decode, encode = _fixed_codec(name, fmt, post, pre)
        if decode is None or encode is None:
            msg = f"wire type {name} needs a struct format or decode/encode functions"
            raise TypeError(msg)
        self.decode: Decoder = decode
        self.encode: Encoder = encode

    def __repr__(self) -> str:
        tid = "" if self.type_id is None else f" 0x{self.type_id:02X}"
        return f"<WireType {self.name}{tid}>"


def _identity(value: Any) -> Any:
    return value


def _fixed_codec(
    name: str, fmt: str, post: Callable[[Any], Any] | None, pre: Callable[[Any], Any] | None
) -> tuple[Decoder, Encoder]:
    st = struct.Struct("<" + fmt)
    size = st.size
    unpack = st.unpack_from
    pack = st.pack

    def decode(buf: bytes, offset: int) -> tuple[Any, int]:
        if len(buf) - offset < size:
            raise DecodeError(f"{name} needs {size} bytes, {len(buf) - offset} left", offset=offset)
        value = unpack(buf, offset)[0]
        return (value if post is None else post(value)), offset + size

    def encode(value: Any) -> bytes:
        try:
            return pack(value if pre is None else pre(value))
        except (struct.error, OverflowError, TypeError, ValueError, AttributeError) as exc:
            raise EncodeError(f"cannot encode {value!r} as {name}: {exc}") from None

    if pre is not None and fmt == f"{size}s":
        # raw-octet formats (odd-width ints, data, keys): ``pre`` already gives the exact bytes

        def encode_raw(value: Any) -> bytes:
            try:
                return pre(value)  # type: ignore[no-any-return]
            except (OverflowError, TypeError, ValueError, AttributeError) as exc:
                raise EncodeError(f"cannot encode {value!r} as {name}: {exc}") from None

        return decode, encode_raw
    return decode, encode


ANALOG_TYPE_IDS = frozenset([*range(0x20, 0x30), 0x38, 0x39, 0x3A, 0xE0, 0xE1, 0xE2])


def is_analog(type_id: int) -> bool:
    """True for the analog data types, whose reporting configuration carries a reportable change."""
    return type_id in ANALOG_TYPE_IDS


def _short(name: str, need: int, have: int, offset: int) -> DecodeError:
    return DecodeError(f"{name} needs {need} bytes, {have} left", offset=offset)


# --- integers of odd widths (24/40/48/56 bits) travel as raw bytes inside struct runs ----------


def _uint_from(width: int) -> tuple[Callable[[bytes], int], Callable[[int], bytes]]:
    def post(raw: bytes) -> int:
        return int.from_bytes(raw, "little")

    def pre(value: int) -> bytes:
        return int(value).to_bytes(width, "little")

    return post, pre


def _sint_from(width: int) -> tuple[Callable[[bytes], int], Callable[[int], bytes]]:
    def post(raw: bytes) -> int:
        return int.from_bytes(raw, "little", signed=True)

    def pre(value: int) -> bytes:
        return int(value).to_bytes(width, "little", signed=True)

    return post, pre


def _exact_bytes(width: int) -> Callable[[Any], bytes]:
    def pre(value: Any) -> bytes:
        raw = bytes(value)
        if len(raw) != width:
            msg = f"expected exactly {width} bytes, got {len(raw)}"
            raise ValueError(msg)
        return raw

    return pre


def _bytes_coerce(value: Any) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value.replace(":", "").replace(" ", ""))
    if isinstance(value, list):
        return bytes(value)
    return bytes(value)


def _bytes_json(value: bytes) -> str:
    return value.hex()


def _int_coerce(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        return int(value, 0)
    if isinstance(value, int):
        return value
    msg = f"expected an integer, got {value!r}"
    raise EncodeError(msg)


def _bool_post(raw: int) -> bool | None:
    if raw == 0xFF:
        return None
    return raw != 0


def _bool_pre(value: Any) -> int:
    if value is None:
        return 0xFF
    return 1 if value else 0


def _bool_coerce(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in {"true", "1", "yes", "on"}:
            return True
        if low in {"false", "0", "no", "off"}:
            return False
        msg = f"not a boolean: {value!r}"
        raise EncodeError(msg)
    return bool(value)


def _float_coerce(value: Any) -> float:
    return float(value)


class EUI64(int):
    """A 64-bit IEEE address; ``str()`` gives ``00:13:a2:00:40:0a:0b:0c`` (MSB first)."""

    __slots__ = ()

    def __new__(cls, value: int | str | bytes = 0) -> Self:
        if isinstance(value, str):
            return cls.parse(value)
        if isinstance(value, bytes | bytearray):
            return int.__new__(cls, int.from_bytes(value, "big"))
        if not 0 <= value <= 0xFFFF_FFFF_FFFF_FFFF:
            msg = f"EUI64 out of range: {value:#x}"
            raise ValueError(msg)
        return int.__new__(cls, value)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Parse ``00:13:A2:00:40:0A:0B:0C`` (also ``-``, spaces, no separator, Digi's ``!``)."""
        digits = text.strip().rstrip("!").replace(":", "").replace("-", "").replace(" ", "")
        if len(digits) != 16:
            msg = f"not an EUI64: {text!r}"
            raise ValueError(msg)
        return int.__new__(cls, int(digits, 16))

    def __str__(self) -> str:
        return ":".join(f"{b:02x}" for b in self.to_bytes(8, "big"))

    def __repr__(self) -> str:
        return f"EUI64('{self}')"


def _eui_coerce(value: Any) -> EUI64:
    return value if isinstance(value, EUI64) else EUI64(value)


def _eui_json(value: Any) -> str:
    return str(value if isinstance(value, EUI64) else EUI64(value))


class Date(NamedTuple):
    """ZCL date (0xE1). ``None`` marks an unspecified component (wire 0xFF)."""

    year: int | None
    month: int | None
    day: int | None
    day_of_week: int | None


class TimeOfDay(NamedTuple):
    """ZCL time of day (0xE0). ``None`` marks an unspecified component (wire 0xFF)."""

    hours: int | None
    minutes: int | None
    seconds: int | None
    hundredths: int | None


def _opt_byte(b: int) -> int | None:
    return None if b == 0xFF else b


def _date_post(raw: bytes) -> Date:
    y = raw[0]
    return Date(
        None if y == 0xFF else 1900 + y, _opt_byte(raw[1]), _opt_byte(raw[2]), _opt_byte(raw[3])
    )


def _date_pre(value: Any) -> bytes:
    year, month, day, dow = value
    return bytes(
        (
            0xFF if year is None else year - 1900,
            0xFF if month is None else month,
            0xFF if day is None else day,
            0xFF if dow is None else dow,
        )
    )


def _tod_post(raw: bytes) -> TimeOfDay:
    return TimeOfDay(*(_opt_byte(b) for b in raw))


def _tod_pre(value: Any) -> bytes:
    return bytes(0xFF if v is None else v for v in value)


def _tuple_json(value: tuple[Any, ...]) -> Any:
    return list(value)


UTC_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def datetime_from_utc(value: int) -> datetime | None:
    """The moment a ZCL UTCTime denotes (``None`` for the invalid 0xFFFFFFFF)."""
    if value == 0xFFFFFFFF:
        return None
    return UTC_EPOCH + timedelta(seconds=value)


def utc_from_datetime(moment: datetime) -> int:
    """ZCL UTCTime (seconds since 2000-01-01T00:00:00Z) of an aware datetime."""
    if moment.tzinfo is None:
        msg = "utc_from_datetime needs an aware datetime"
        raise ValueError(msg)
    seconds = int((moment - UTC_EPOCH).total_seconds())
    if not 0 <= seconds < 0xFFFFFFFF:
        msg = f"{moment.isoformat()} is outside the ZCL UTCTime range"
        raise ValueError(msg)
    return seconds


# --- strings -----------------------------------------------------------------------------------


class ZclStr(str):
    """A character string whose wire bytes differ from its text.

    Decoding stops the text at the first NUL (devices pad with junk after it) but keeps the exact
    bytes in ``raw`` so the string re-encodes to the same frame; ``invalid`` marks the non-value
    (length 0xFF).
    """

    raw: bytes | None
    invalid: bool

    def __new__(cls, text: str = "", *, raw: bytes | None = None, invalid: bool = False) -> Self:
        obj = super().__new__(cls, text)
        obj.raw = raw
        obj.invalid = invalid
        return obj

    def __repr__(self) -> str:
        if self.invalid:
            return "ZclStr(invalid)"
        return f"ZclStr({str.__repr__(self)}, raw={self.raw!r})"


class ZclBytes(bytes):
    """An octet string non-value (length 0xFF); ``invalid`` is always true."""

    invalid: bool

    def __new__(cls, *, invalid: bool = True) -> Self:
        obj = super().__new__(cls, b"")
        obj.invalid = invalid
        return obj

    def __repr__(self) -> str:
        return "ZclBytes(invalid)"


def _lv_codec(
    name: str, prefix: int, text: bool
) -> tuple[Decoder, Encoder, Callable[[Any], Any], Callable[[Any], Any]]:
    invalid_len = (1 << (8 * prefix)) - 1
    max_len = invalid_len - 1
    len_fmt = struct.Struct("<B" if prefix == 1 else "<H")
    read_len = len_fmt.unpack_from
    write_len = len_fmt.pack

    def decode(buf: bytes, offset: int) -> tuple[Any, int]:
        if len(buf) - offset < prefix:
            raise _short(name, prefix, len(buf) - offset, offset)
        (length,) = read_len(buf, offset)
        start = offset + prefix
        if length == invalid_len:
            return (ZclStr(invalid=True) if text else ZclBytes()), start
        end = start + length
        if end > len(buf):
            msg = f"{name} of length {length} runs past the end of the frame"
            raise DecodeError(msg, offset=offset)
        raw = buf[start:end]
        if not text:
            return raw, end
        nul = raw.find(0)
        body = raw if nul < 0 else raw[:nul]
        value = body.decode("utf-8", "surrogateescape")
        if nul >= 0:
            return ZclStr(value, raw=raw), end
        return value, end

    def encode(value: Any) -> bytes:
        if getattr(value, "invalid", False):
            return write_len(invalid_len)
        if text:
            if not isinstance(value, str):
                msg = f"{name} needs a str, got {type(value).__name__}"
                raise EncodeError(msg)
            raw = getattr(value, "raw", None)
            if raw is None or raw.split(b"\0", 1)[0].decode("utf-8", "surrogateescape") != value:
                raw = value.encode("utf-8", "surrogateescape")
        else:
            if not isinstance(value, bytes | bytearray | memoryview):
                msg = f"{name} needs bytes, got {type(value).__name__}"
                raise EncodeError(msg)
            raw = bytes(value)
        if len(raw) > max_len:
            msg = f"{name} too long: {len(raw)} bytes (at most {max_len})"
            raise EncodeError(msg)
        return write_len(len(raw)) + raw

    if text:
        return decode, encode, _str_coerce, _identity
    return decode, encode, _bytes_coerce, _bytes_json


def _str_coerce(value: Any) -> str:
    if not isinstance(value, str):
        msg = f"expected a string, got {value!r}"
        raise EncodeError(msg)
    return value


# ---------------------------------------------------------------------------------------------
# The data type table


def _int_type(type_id: int, name: str, width: int, *, signed: bool) -> WireType:
    std = {1: "B", 2: "H", 4: "I", 8: "Q"}
    if width in std:
        fmt = std[width].lower() if signed else std[width]
        post = pre = None
    else:
        fmt = f"{width}s"
        post, pre = _sint_from(width) if signed else _uint_from(width)
    invalid = -(1 << (8 * width - 1)) if signed else (1 << (8 * width)) - 1
    return WireType(
        type_id, name, size=width, invalid=invalid, fmt=fmt, post=post, pre=pre, coerce=_int_coerce
    )


def _data_type(type_id: int, name: str, width: int) -> WireType:
    return WireType(
        type_id,
        name,
        size=width,
        fmt=f"{width}s",
        pre=_exact_bytes(width),
        coerce=_bytes_coerce,
        jsonable=_bytes_json,
    )


def _build_table() -> dict[int, WireType]:
    table: dict[int, WireType] = {}

    def add(wt: WireType) -> None:
        assert wt.type_id is not None  # our own table, not peer input  # noqa: S101
        table[wt.type_id] = wt

    for i, width in enumerate(range(1, 9)):
        add(_data_type(0x08 + i, f"data{8 * width}", width))
        add(_int_type(0x18 + i, f"map{8 * width}", width, signed=False))
        add(_int_type(0x20 + i, f"uint{8 * width}", width, signed=False))
        add(_int_type(0x28 + i, f"int{8 * width}", width, signed=True))
    # bitmaps have no non-value
    for i in range(8):
        table[0x18 + i].invalid = None
    add(
        WireType(
            0x10,
            "bool",
            size=1,
            invalid=None,
            fmt="B",
            post=_bool_post,
            pre=_bool_pre,
            coerce=_bool_coerce,
        )
    )
    add(WireType(0x30, "enum8", size=1, invalid=0xFF, fmt="B", coerce=_int_coerce))
    add(WireType(0x31, "enum16", size=2, invalid=0xFFFF, fmt="H", coerce=_int_coerce))
    nan = float("nan")
    add(WireType(0x38, "semi", size=2, invalid=nan, fmt="e", coerce=_float_coerce))
    add(WireType(0x39, "single", size=4, invalid=nan, fmt="f", coerce=_float_coerce))
    add(WireType(0x3A, "double", size=8, invalid=nan, fmt="d", coerce=_float_coerce))
    for tid, name, prefix, text in (
        (0x41, "octet_string", 1, False),
        (0x42, "char_string", 1, True),
        (0x43, "long_octet_string", 2, False),
        (0x44, "long_char_string", 2, True),
    ):
        dec, enc, coerce, jsonable = _lv_codec(name, prefix, text)
        add(
            WireType(tid, name, size=None, decode=dec, encode=enc, coerce=coerce, jsonable=jsonable)
        )
    add(
        WireType(
            0xE0,
            "time_of_day",
            size=4,
            invalid=TimeOfDay(None, None, None, None),
            fmt="4s",
            post=_tod_post,
            pre=_tod_pre,
            coerce=lambda v: TimeOfDay(*v),
            jsonable=_tuple_json,
        )
    )
    add(
        WireType(
            0xE1,
            "date",
            size=4,
            invalid=Date(None, None, None, None),
            fmt="4s",
            post=_date_post,
            pre=_date_pre,
            coerce=lambda v: Date(*v),
            jsonable=_tuple_json,
        )
    )
    add(WireType(0xE2, "utc_time", size=4, invalid=0xFFFFFFFF, fmt="I", coerce=_int_coerce))
    add(WireType(0xE8, "cluster_id", size=2, invalid=0xFFFF, fmt="H", coerce=_int_coerce))
    add(WireType(0xE9, "attribute_id", size=2, invalid=0xFFFF, fmt="H", coerce=_int_coerce))
    add(WireType(0xEA, "bacnet_oid", size=4, invalid=0xFFFFFFFF, fmt="I", coerce=_int_coerce))
    add(
        WireType(
            0xF0,
            "ieee_address",
            size=8,
            invalid=EUI64(0xFFFF_FFFF_FFFF_FFFF),
            fmt="Q",
            post=EUI64,
            pre=int,
            coerce=_eui_coerce,
            jsonable=_eui_json,
        )
    )
    add(
        WireType(
            0xF1,
            "security_key",
            size=16,
            fmt="16s",
            pre=_exact_bytes(16),
            coerce=_bytes_coerce,
            jsonable=_bytes_json,
        )
    )
    empty_dec: Decoder = _decode_nothing
    empty_enc: Encoder = _encode_nothing
    add(WireType(0x00, "no_data", size=0, decode=empty_dec, encode=empty_enc))
    add(WireType(0xFF, "unknown", size=0, decode=empty_dec, encode=empty_enc))
    for tid, name in ((0x48, "array"), (0x50, "set"), (0x51, "bag")):
        add(
            WireType(
                tid,
                name,
                size=None,
                invalid=None,
                decode=_decode_array,
                encode=_encode_array,
                coerce=_coerce_array,
                jsonable=_json_array,
            )
        )
    add(
        WireType(
            0x4C,
            "struct",
            size=None,
            invalid=None,
            decode=_decode_structure,
            encode=_encode_structure,
            coerce=_coerce_structure,
            jsonable=_json_structure,
        )
    )
    return table


def _decode_nothing(buf: bytes, offset: int) -> tuple[None, int]:
    return None, offset


def _encode_nothing(value: Any) -> bytes:
    return b""


# --- composite types: array/set/bag and structure ----------------------------------------------

_MAX_NESTING = 8
_U8_U16 = struct.Struct("<BH")
_U16 = struct.Struct("<H")


class TypedValue(NamedTuple):
    """A value together with its ZCL data type id (structure members, attribute records)."""

    data_type: int
    value: Any


class Array(NamedTuple):
    """Array / set / bag: element type id and the elements (``None``: invalid, count 0xFFFF)."""

    element_type: int
    items: list[Any] | None


class Structure(NamedTuple):
    """Structure value: its members (``None``: invalid, count 0xFFFF)."""

    members: list[TypedValue] | None


def _decode_element(type_id: int, buf: bytes, offset: int, depth: int) -> tuple[Any, int]:
    if type_id in (0x48, 0x50, 0x51):
        return _decode_array_at(buf, offset, depth + 1)
    if type_id == 0x4C:
        return _decode_structure_at(buf, offset, depth + 1)
    return decode_typed(type_id, buf, offset)


def _decode_array_at(buf: bytes, offset: int, depth: int) -> tuple[Array, int]:
    if depth > _MAX_NESTING:
        raise DecodeError("composite values nested too deeply", offset=offset)
    if len(buf) - offset < 3:
        raise _short("array", 3, len(buf) - offset, offset)
    element_type, count = _U8_U16.unpack_from(buf, offset)
    offset += 3
    if count == 0xFFFF:
        return Array(element_type, None), offset
    items = []
    for _ in range(count):
        item, offset = _decode_element(element_type, buf, offset, depth)
        items.append(item)
    return Array(element_type, items), offset


def _decode_structure_at(buf: bytes, offset: int, depth: int) -> tuple[Structure, int]:
    if depth > _MAX_NESTING:
        raise DecodeError("composite values nested too deeply", offset=offset)
    if len(buf) - offset < 2:
        raise _short("structure", 2, len(buf) - offset, offset)
    (count,) = _U16.unpack_from(buf, offset)
    offset += 2
    if count == 0xFFFF:
        return Structure(None), offset
    members = []
    for _ in range(count):
        if offset >= len(buf):
            raise _short("structure member", 1, 0, offset)
        type_id = buf[offset]
        value, offset = _decode_element(type_id, buf, offset + 1, depth)
        members.append(TypedValue(type_id, value))
    return Structure(members), offset


def _decode_array(buf: bytes, offset: int) -> tuple[Array, int]:
    return _decode_array_at(buf, offset, 0)


def _decode_structure(buf: bytes, offset: int) -> tuple[Structure, int]:
    return _decode_structure_at(buf, offset, 0)


def _encode_array(value: Any) -> bytes:
    element_type, items = value
    if items is None:
        return _U8_U16.pack(element_type, 0xFFFF)
    if len(items) >= 0xFFFF:
        msg = "array too long"
        raise EncodeError(msg)
    return _U8_U16.pack(element_type, len(items)) + b"".join(
        encode_typed(element_type, item) for item in items
    )


def _encode_structure(value: Any) -> bytes:
    members = value.members if isinstance(value, Structure) else value
    if members is None:
        return _U16.pack(0xFFFF)
    if len(members) >= 0xFFFF:
        msg = "structure too long"
        raise EncodeError(msg)
    out = [_U16.pack(len(members))]
    for type_id, member in members:
        out.append(bytes((type_id,)))
        out.append(encode_typed(type_id, member))
    return b"".join(out)


def _coerce_array(value: Any) -> Array:
    if isinstance(value, Array):
        return value
    if isinstance(value, dict):
        element_type = _int_coerce(value["element_type"])
        items = value.get("items")
    else:
        element_type, items = value
        element_type = _int_coerce(element_type)
    if items is None:
        return Array(element_type, None)
    return Array(element_type, [coerce_typed(element_type, item) for item in items])


def _json_array(value: Array) -> Any:
    items = value.items
    return {
        "element_type": value.element_type,
        "items": None if items is None else [json_typed(value.element_type, i) for i in items],
    }


def _coerce_structure(value: Any) -> Structure:
    if isinstance(value, Structure):
        return value
    if isinstance(value, dict):
        value = value.get("members")
    if value is None:
        return Structure(None)
    members = []
    for member in value:
        if isinstance(member, dict):
            type_id, item = _int_coerce(member["data_type"]), member["value"]
        else:
            type_id, item = member
            type_id = _int_coerce(type_id)
        members.append(TypedValue(type_id, coerce_typed(type_id, item)))
    return Structure(members)


def _json_structure(value: Structure) -> Any:
    if value.members is None:
        return {"members": None}
    return {"members": [{"data_type": t, "value": json_typed(t, v)} for t, v in value.members]}


WIRE_TYPES: dict[int, WireType] = _build_table()
_DECODERS: dict[int, Decoder] = {tid: wt.decode for tid, wt in WIRE_TYPES.items()}


def _raw_encoder(wt: WireType) -> Encoder:
    """The cheapest callable that encodes ``wt``; it may raise struct/overflow/type errors,
    which the generated encoders turn into EncodeError."""
    if wt.fmt is not None and wt.pre is None:
        return struct.Struct("<" + wt.fmt).pack
    name = wt.name
    if wt.size is not None and name.startswith(("uint", "int", "map")) and wt.fmt == f"{wt.size}s":
        return _odd_int_encoder(wt.size, signed=name.startswith("int"))
    return wt.encode


def _odd_int_encoder(width: int, *, signed: bool) -> Encoder:
    # a plain function with positional arguments: several times faster than a partial
    if signed:

        def encode_signed(value: int) -> bytes:
            return value.to_bytes(width, "little", signed=True)

        return encode_signed

    def encode_unsigned(value: int) -> bytes:
        return value.to_bytes(width, "little")

    return encode_unsigned


ENCODERS: dict[int, Encoder] = {tid: _raw_encoder(wt) for tid, wt in WIRE_TYPES.items()}
"""Fast encoder by ZCL data type id, for the generated code (errors are not wrapped here)."""


def decode_typed(type_id: int, buf: bytes, offset: int) -> tuple[Any, int]:
    """Decode a value of ZCL type ``type_id`` at ``offset``."""
    decoder = _DECODERS.get(type_id)
    if decoder is None:
        msg = f"unknown ZCL data type 0x{type_id:02X}"
        raise DecodeError(msg, offset=offset, status=0x8D)  # INVALID_DATA_TYPE
    return decoder(buf, offset)


def encode_typed(type_id: int, value: Any) -> bytes:
    """Encode ``value`` as ZCL type ``type_id``."""
    wt = WIRE_TYPES.get(type_id)
    if wt is None:
        msg = f"unknown ZCL data type 0x{type_id:02X}"
        raise EncodeError(msg)
    return wt.encode(value)


def coerce_typed(type_id: int, value: Any) -> Any:
    """Turn a plain (JSON-like) value into the Python value of ZCL type ``type_id``."""
    wt = WIRE_TYPES.get(type_id)
    if wt is None:
        msg = f"unknown ZCL data type 0x{type_id:02X}"
        raise EncodeError(msg)
    return wt.coerce(value)


def json_typed(type_id: int, value: Any) -> Any:
    """A JSON-serialisable form of ``value`` of ZCL type ``type_id``."""
    wt = WIRE_TYPES.get(type_id)
    return value if wt is None else wt.jsonable(value)


# ---------------------------------------------------------------------------------------------
# Named types: enumerations, bitmaps (flag sets) and bit-packed structures


class _ZclEnum(enum.IntEnum):
    """Base of named ZCL enumerations; unknown values become ``undefined_0x..`` pseudo-members."""

    __zcl_wire__: ClassVar[WireType]

    @classmethod
    def _missing_(cls, value: object) -> Any:
        wire = cls.__zcl_wire__
        if not isinstance(value, int) or not 0 <= value < (1 << (8 * (wire.size or 1))):
            return None
        width = 2 * (wire.size or 1)
        member = int.__new__(cls, value)
        member._name_ = f"undefined_0x{value:0{width}x}"
        member._value_ = value  # type: ignore[assignment]  # mypy sees the wire type here
        cls._value2member_map_.setdefault(value, member)
        return cls._value2member_map_[value]

    @classmethod
    def _zcl_coerce(cls, value: Any) -> Self:
        if isinstance(value, str):
            try:
                return (
                    cls[value] if not value.startswith("undefined_0x") else cls(int(value[10:], 16))
                )
            except KeyError:
                try:
                    return cls(int(value, 0))
                except ValueError:
                    msg = f"{value!r} is not a {cls.__name__}"
                    raise EncodeError(msg) from None
        try:
            return cls(value)
        except (ValueError, TypeError):
            msg = f"{value!r} is not a {cls.__name__}"
            raise EncodeError(msg) from None

    def _zcl_json(self) -> Any:
        return self.name


class Enum8(_ZclEnum):
    """An 8-bit enumeration (type 0x30)."""

    __zcl_wire__ = WIRE_TYPES[0x30]


class Enum16(_ZclEnum):
    """A 16-bit enumeration (type 0x31)."""

    __zcl_wire__ = WIRE_TYPES[0x31]


class _ZclFlags(enum.IntFlag, boundary=enum.KEEP):
    """Base of named bitmaps: flag sets whose unknown bits are kept, never dropped."""

    __zcl_wire__: ClassVar[WireType]

    @classmethod
    def _zcl_coerce(cls, value: Any) -> Self:
        try:
            if isinstance(value, str):
                value = int(value, 0)
            elif isinstance(value, list):
                out = cls(0)
                for name in value:
                    out |= cls[name] if isinstance(name, str) else cls(name)
                return out
            return cls(value)
        except (ValueError, TypeError, KeyError) as exc:
            msg = f"{value!r} is not a {cls.__name__}: {exc}"
            raise EncodeError(msg) from None

    def _zcl_json(self) -> Any:
        return int(self)


class Bitmap8(_ZclFlags):
    """An 8-bit bitmap (type 0x18)."""

    __zcl_wire__ = WIRE_TYPES[0x18]


class Bitmap16(_ZclFlags):
    """A 16-bit bitmap (type 0x19)."""

    __zcl_wire__ = WIRE_TYPES[0x19]


class Bitmap24(_ZclFlags):
    """A 24-bit bitmap (type 0x1A)."""

    __zcl_wire__ = WIRE_TYPES[0x1A]


class Bitmap32(_ZclFlags):
    """A 32-bit bitmap (type 0x1B)."""

    __zcl_wire__ = WIRE_TYPES[0x1B]


class Bitmap64(_ZclFlags):
    """A 64-bit bitmap (type 0x1F)."""

    __zcl_wire__ = WIRE_TYPES[0x1F]


class Part:
    """One named bit range of a :class:`BitStruct`: ``shift`` (lowest bit) and ``width`` in bits.

    ``kind`` turns the raw bits into a value: ``int`` (default), ``bool``, or an enum class.
    """

    __slots__ = ("kind", "mask", "name", "shift", "width")

    def __init__(self, shift: int, width: int, kind: Callable[[int], Any] = int) -> None:
        self.shift = shift
        self.width = width
        self.mask = ((1 << width) - 1) << shift
        self.kind = kind
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return self.kind((int(obj) & self.mask) >> self.shift)


class BitStruct(int):
    """A bitmap made of named sub-fields (e.g. "price trailing digit and price tier").

    The value is the whole byte(s) as an ``int``; the parts read the declared bit ranges. Bits not
    covered by a part are kept as they are, so a frame always re-encodes to the same bytes.
    """

    __slots__ = ()
    __zcl_wire__: ClassVar[WireType]
    _parts_: ClassVar[tuple[Part, ...]] = ()
    _parts_by_name_: ClassVar[dict[str, Part]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        parts = tuple(v for v in vars(cls).values() if isinstance(v, Part))
        if parts:
            bits = 8 * (cls.__zcl_wire__.size or 0)
            used = 0
            for part in parts:
                if part.mask & used or part.shift + part.width > bits:
                    msg = f"{cls.__name__}.{part.name} overlaps another part or the width"
                    raise TypeError(msg)
                used |= part.mask
            cls._parts_ = tuple(sorted(parts, key=lambda p: p.shift))

    def __new__(cls, value: int = 0) -> Self:
        wire = cls.__zcl_wire__
        if not 0 <= value < (1 << (8 * (wire.size or 0))):
            msg = f"{value!r} does not fit {cls.__name__}"
            raise ValueError(msg)
        return int.__new__(cls, value)

    @classmethod
    def build(cls, **parts: int) -> Self:
        """Assemble a value from its parts by name; parts not given are zero."""
        value = 0
        known = cls.__dict__.get("_parts_by_name_")
        if known is None:
            known = {p.name: p for p in cls._parts_}
            cls._parts_by_name_ = known
        for name, raw in parts.items():
            part = known.get(name)
            if part is None:
                msg = f"{cls.__name__} has no part {name!r}"
                raise ValueError(msg)
            v = int(raw)
            if not 0 <= v < (1 << part.width):
                msg = f"{cls.__name__}.{name}={v} does not fit {part.width} bits"
                raise ValueError(msg)
            value |= v << part.shift
        return cls(value)

    def parts(self) -> dict[str, Any]:
        """The parts by name."""
        return {p.name: p.__get__(self) for p in self._parts_}

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self.parts().items())

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.parts().items())
        return (
            f"{type(self).__name__}(0x{int(self):0{2 * (self.__zcl_wire__.size or 1)}x}: {inner})"
        )

    @classmethod
    def _zcl_coerce(cls, value: Any) -> Self:
        try:
            if isinstance(value, dict):
                kinds = {p.name: p.kind for p in cls._parts_}
                parts = {k: _part_int(v, kinds.get(k)) for k, v in value.items() if k != "value"}
                if "value" not in value:
                    return cls.build(**parts)
                whole = cls._zcl_coerce(value["value"])
                mask = sum(p.mask for p in cls._parts_ if p.name in parts)
                if int(whole) & mask != int(cls.build(**parts)):
                    msg = f"{value!r}: its parts disagree with its value 0x{int(whole):x}"
                    raise EncodeError(msg)
                return whole
            if isinstance(value, str):
                value = int(value, 0)
            return cls(value)
        except (ValueError, TypeError, KeyError) as exc:
            msg = f"{value!r} is not a {cls.__name__}: {exc}"
            raise EncodeError(msg) from None

    def _zcl_json(self) -> Any:
        out = {k: _part_json(v) for k, v in self.parts().items()}
        if int(self) & ~sum(p.mask for p in self._parts_):
            out["value"] = int(self)  # bits no part names are kept this way
        return out


def _part_int(value: Any, kind: Any = None) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        if isinstance(kind, type) and issubclass(kind, enum.Enum) and value in kind.__members__:
            return int(kind.__members__[value].value)
        if value.startswith("undefined_0x"):  # how an unknown enum value prints
            return int(value[10:], 16)
        return int(value, 0)
    msg = f"not a bit-field value: {value!r}"
    raise EncodeError(msg)


def _part_json(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.name
    return value


class BitStruct8(BitStruct):
    """A bit-packed 8-bit bitmap (type 0x18)."""

    __slots__ = ()
    __zcl_wire__ = WIRE_TYPES[0x18]


class BitStruct16(BitStruct):
    """A bit-packed 16-bit bitmap (type 0x19)."""

    __slots__ = ()
    __zcl_wire__ = WIRE_TYPES[0x19]


class DataType(Enum8):
    """ZCL data type identifiers (se-spec.md §1.4)."""

    no_data = 0x00
    data8 = 0x08
    data16 = 0x09
    data24 = 0x0A
    data32 = 0x0B
    data40 = 0x0C
    data48 = 0x0D
    data56 = 0x0E
    data64 = 0x0F
    bool = 0x10
    map8 = 0x18
    map16 = 0x19
    map24 = 0x1A
    map32 = 0x1B
    map40 = 0x1C
    map48 = 0x1D
    map56 = 0x1E
    map64 = 0x1F
    uint8 = 0x20
    uint16 = 0x21
    uint24 = 0x22
    uint32 = 0x23
    uint40 = 0x24
    uint48 = 0x25
    uint56 = 0x26
    uint64 = 0x27
    int8 = 0x28
    int16 = 0x29
    int24 = 0x2A
    int32 = 0x2B
    int40 = 0x2C
    int48 = 0x2D
    int56 = 0x2E
    int64 = 0x2F
    enum8 = 0x30
    enum16 = 0x31
    semi = 0x38
    single = 0x39
    double = 0x3A
    octet_string = 0x41
    char_string = 0x42
    long_octet_string = 0x43
    long_char_string = 0x44
    array = 0x48
    struct = 0x4C
    set = 0x50
    bag = 0x51
    time_of_day = 0xE0
    date = 0xE1
    utc_time = 0xE2
    cluster_id = 0xE8
    attribute_id = 0xE9
    bacnet_oid = 0xEA
    ieee_address = 0xF0
    security_key = 0xF1
    unknown = 0xFF


def wire_type_of(kind: Any) -> WireType:
    """The wire type of a :class:`WireType`, a named type class, or a :class:`DataType`."""
    if isinstance(kind, WireType):
        return kind
    if isinstance(kind, DataType):
        return WIRE_TYPES[int(kind)]
    wire = getattr(kind, "__zcl_wire__", None)
    if isinstance(wire, WireType):
        return wire
    msg = f"{kind!r} is not a ZCL type"
    raise TypeError(msg)


# Short names used by cluster declarations: t.uint8, t.utc_time, …
def _by_name(name: str) -> WireType:
    return WIRE_TYPES[int(DataType[name])]


no_data = _by_name("no_data")
data8, data16, data24, data32 = (_by_name(f"data{n}") for n in (8, 16, 24, 32))
data40, data48, data56, data64 = (_by_name(f"data{n}") for n in (40, 48, 56, 64))
boolean = _by_name("bool")
map8, map16, map24, map32 = (_by_name(f"map{n}") for n in (8, 16, 24, 32))
map40, map48, map56, map64 = (_by_name(f"map{n}") for n in (40, 48, 56, 64))
uint8, uint16, uint24, uint32 = (_by_name(f"uint{n}") for n in (8, 16, 24, 32))
uint40, uint48, uint56, uint64 = (_by_name(f"uint{n}") for n in (40, 48, 56, 64))
int8, int16, int24, int32 = (_by_name(f"int{n}") for n in (8, 16, 24, 32))
int40, int48, int56, int64 = (_by_name(f"int{n}") for n in (40, 48, 56, 64))
enum8 = _by_name("enum8")
enum16 = _by_name("enum16")
semi = _by_name("semi")
single = _by_name("single")
double = _by_name("double")
octet_string = _by_name("octet_string")
char_string = _by_name("char_string")
long_octet_string = _by_name("long_octet_string")
long_char_string = _by_name("long_char_string")
array = _by_name("array")
structure = _by_name("struct")
set_ = _by_name("set")
bag = _by_name("bag")
time_of_day = _by_name("time_of_day")
date = _by_name("date")
utc_time = _by_name("utc_time")
cluster_id = _by_name("cluster_id")
attribute_id = _by_name("attribute_id")
bacnet_oid = _by_name("bacnet_oid")
ieee_address = _by_name("ieee_address")
security_key = _by_name("security_key")


def _rest_decode(buf: bytes, offset: int) -> tuple[bytes, int]:
    return buf[offset:], len(buf)


def _rest_encode(value: Any) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        msg = f"expected bytes, got {type(value).__name__}"
        raise EncodeError(msg)
    return bytes(value)


rest_bytes = WireType(
    None,
    "rest_bytes",
    size=None,
    decode=_rest_decode,
    encode=_rest_encode,
    coerce=_bytes_coerce,
    jsonable=_bytes_json,
)
"""Pseudo-type: every remaining byte of the payload (signatures, tunnel data)."""


def fixed_octets(width: int) -> WireType:
    """Pseudo-type: exactly ``width`` raw octets with no length prefix (certificates, EC points)."""
    return WireType(
        None,
        f"octets{width}",
        size=width,
        fmt=f"{width}s",
        pre=_exact_bytes(width),
        coerce=_bytes_coerce,
        jsonable=_bytes_json,
    )


def _eui_be_post(raw: bytes) -> EUI64:
    return int.__new__(EUI64, int.from_bytes(raw, "big"))


def _eui_be_pre(value: Any) -> bytes:
    return int(value).to_bytes(8, "big")


ieee_address_be = WireType(
    None,
    "ieee_address_be",
    size=8,
    fmt="8s",
    post=_eui_be_post,
    pre=_eui_be_pre,
    coerce=_eui_coerce,
    jsonable=_eui_json,
)
"""Pseudo-type: an EUI64 sent most significant byte first (certificate subject, CBKE MACs)."""
