"""Python representations of the RPC API's typed values (digi-se-rpc.md §2.4).

Every parameter of a request or response is an XML element whose ``type`` attribute names one of
these types; the mapping between the two is:

========================  =========================================================================
``type="…"``              Python value
========================  =========================================================================
(absent)                  the *untyped rule*: ``bool``, else ``int``, else ``float``, else ``str``
``string``                ``str`` (taken verbatim, whitespace included)
``bool``                  ``bool`` (``TRUE``/``FALSE``, any case, on input; ``TRUE``/``FALSE`` out)
``int``                   ``int`` (decimal or ``0x…`` in; ``0x1``/``-0x8000`` out)
``float``                 ``float``
``none``                  ``None``
``list``                  ``list`` of values (``<item type=…>`` children)
``dict``                  ``dict`` of name → value (named children)
``MAC``                   :class:`MAC` (64-bit or 16-bit address)
``base16``, ``base64``    :class:`Base16`, :class:`Base64` (``bytes`` subclasses that remember how
                          they travel; plain ``bytes`` render as base16)
``xml``                   :class:`XmlFragment` (literal XML content, e.g. an alias definition)
``alias``                 :class:`AliasRef` (only when *writing* a request; parsing expands it)
any other name            :class:`Record` (``<record type="LoadControlEventRecord">``)
========================  =========================================================================

The text parsers here raise :class:`ValueError`; the XML codec turns that into an RCI error.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias

__all__ = [
    "BUILTIN_TYPE_NAMES",
    "MAC",
    "AliasRef",
    "Base16",
    "Base64",
    "Record",
    "Value",
    "XmlFragment",
    "convert_untyped",
    "format_bool",
    "format_float",
    "format_int",
    "parse_bool",
    "parse_float",
    "parse_int",
    "type_name_of",
]

# Type names with a built-in meaning, lower-cased: ``type`` attributes are matched against them
# case-insensitively; every other name is a record type.
BUILTIN_TYPE_NAMES: Final = frozenset(
    {
        "string",
        "bool",
        "int",
        "float",
        "none",
        "list",
        "dict",
        "mac",
        "base16",
        "base64",
        "xml",
        "alias",
    }
)

# Decimal or 0x-hex integers with an optional sign. ASCII digits only (``\d`` would accept other
# scripts' digits) and no ``_`` separators, which Python's int() would otherwise allow.
_INT_RE: Final = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]+|[0-9]+)")
# What float() accepts, minus underscores, non-ASCII digits and surrounding whitespace. Written so
# that no two branches can match the same digits (no quadratic backtracking on long input).
_FLOAT_RE: Final = re.compile(
    r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)",
    re.IGNORECASE,
)
_MAC_GROUP_RE: Final = re.compile(r"[0-9a-fA-F]{1,2}")
_HEX_RE: Final = re.compile(r"[0-9a-fA-F]*")
_WHITESPACE_RE: Final = re.compile(r"\s+")


# ------------------------------------------------------------------------------------ scalars


def parse_bool(text: str) -> bool:
    """``TRUE``/``FALSE`` in any case, surrounding whitespace ignored."""
    word = text.strip().upper()
    if word == "TRUE":
        return True
    if word == "FALSE":
        return False
    raise ValueError(f"not a bool (TRUE or FALSE): {_quote(text)}")


def format_bool(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def parse_int(text: str) -> int:
    """Decimal (leading zeros allowed) or ``0x`` hex, optional sign; whitespace ignored."""
    word = text.strip()
    if not _INT_RE.fullmatch(word):
        raise ValueError(f"not an int (decimal or 0x hex): {_quote(text)}")
    sign = -1 if word[0] == "-" else 1
    digits = word.lstrip("+-")
    try:
        if digits[:2] in ("0x", "0X"):
            return sign * int(digits[2:], 16)
        return sign * int(digits, 10)
    except ValueError as exc:  # more decimal digits than Python converts (sys.int_info)
        raise ValueError(f"int too long: {_quote(text)}") from exc


def format_int(value: int) -> str:
    """Responses render ints as hex: ``0x1``, ``0x133FDDDD``, ``-0x8000``."""
    return f"{'-' if value < 0 else ''}0x{abs(value):X}"


def parse_float(text: str) -> float:
    """Decimal or exponent notation, ``inf``/``nan`` (any case); whitespace ignored."""
    word = text.strip()
    if not _FLOAT_RE.fullmatch(word):
        raise ValueError(f"not a float: {_quote(text)}")
    return float(word)


def format_float(value: float) -> str:
    """Shortest text that reads back as the same float (``1.0``, ``1e+20``, ``-0.0``, ``inf``)."""
    return repr(float(value))


def convert_untyped(text: str) -> bool | int | float | str:
    """The untyped rule (§2.4): try bool, then int, then float, else the stripped string."""
    word = text.strip()
    upper = word.upper()
    if upper == "TRUE":
        return True
    if upper == "FALSE":
        return False
    if _INT_RE.fullmatch(word):
        try:
            return parse_int(word)
        except ValueError:
            pass  # more digits than Python converts to an int: float() still reads it
    if _FLOAT_RE.fullmatch(word):
        return float(word)
    return word


# ------------------------------------------------------------------------------------ MAC


class MAC:
    """A ZigBee address: 64-bit extended (``11:22:33:44:55:66:77:88``) or 16-bit short (``12:34``).

    :meth:`parse` is lenient: ``:``, ``-``, ``.`` or space separators (one or two hex digits per
    byte) or none at all (exactly 16 or 4 hex digits, optional ``0x``), any case, optional
    surrounding ``[…]`` and trailing ``!`` (the XBee address notation). ``str()`` is exact:
    upper-case, two digits per byte, colon-separated.
    """

    __slots__ = ("_bits", "_value")

    def __init__(self, value: int, bits: Literal[64, 16] = 64) -> None:
        if bits not in (64, 16):
            raise ValueError(f"MAC width must be 64 or 16 bits, not {bits!r}")
        if not 0 <= value < 1 << bits:
            raise ValueError(f"MAC value {value:#x} does not fit in {bits} bits")
        self._value = value
        self._bits: Literal[64, 16] = bits

    @classmethod
    def short(cls, value: int) -> MAC:
        """A 16-bit network (short) address."""
        return cls(value, 16)

    @classmethod
    def parse(cls, text: str) -> MAC:
        word = text.strip()
        if word.endswith("!"):
            word = word[:-1].rstrip()
        if word.startswith("[") and word.endswith("]"):
            word = word[1:-1].strip()
        groups = re.split(r"[:\-. ]", word)
        if len(groups) > 1:
            if len(groups) not in (8, 2) or not all(_MAC_GROUP_RE.fullmatch(g) for g in groups):
                raise ValueError(f"not a MAC address: {_quote(text)}")
            digits = "".join(g.rjust(2, "0") for g in groups)
        else:
            digits = word[2:] if word[:2] in ("0x", "0X") else word
            if len(digits) not in (16, 4) or not _HEX_RE.fullmatch(digits):
                raise ValueError(f"not a MAC address: {_quote(text)}")
        return cls(int(digits, 16), 64 if len(digits) == 16 else 16)

    @property
    def value(self) -> int:
        return self._value

    @property
    def bits(self) -> Literal[64, 16]:
        return self._bits

    @property
    def is_short(self) -> bool:
        return self._bits == 16

    def to_bytes(self) -> bytes:
        """Big-endian, as written (most significant byte first)."""
        return self._value.to_bytes(self._bits // 8, "big")

    def __str__(self) -> str:
        return ":".join(f"{b:02X}" for b in self.to_bytes())

    def __repr__(self) -> str:
        return f"MAC({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MAC):
            return NotImplemented
        return self._value == other._value and self._bits == other._bits

    def __hash__(self) -> int:
        return hash((MAC, self._value, self._bits))


# ------------------------------------------------------------------------------------ binary


class Base16(bytes):
    """Bytes that travel as hex text (``type="base16"``, upper-case on output)."""

    __slots__ = ()

    @classmethod
    def parse(cls, text: str) -> Base16:
        """Hex digits in any case; whitespace anywhere and a leading ``0x`` are ignored."""
        digits = _WHITESPACE_RE.sub("", text)
        if digits[:2] in ("0x", "0X"):
            digits = digits[2:]
        if len(digits) % 2 or not _HEX_RE.fullmatch(digits):
            raise ValueError(f"not base16 (an even number of hex digits): {_quote(text)}")
        return cls(bytes.fromhex(digits))

    def to_text(self) -> str:
        return self.hex().upper()

    def __repr__(self) -> str:
        return f"Base16({bytes(self)!r})"


class Base64(bytes):
    """Bytes that travel as base64 text (``type="base64"``, standard alphabet, padded)."""

    __slots__ = ()

    @classmethod
    def parse(cls, text: str) -> Base64:
        """Standard alphabet; whitespace ignored; missing ``=`` padding tolerated."""
        digits = _WHITESPACE_RE.sub("", text)
        digits += "=" * (-len(digits) % 4)
        try:
            return cls(base64.b64decode(digits, validate=True))
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"not base64: {_quote(text)}") from exc

    def to_text(self) -> str:
        return base64.b64encode(self).decode("ascii")

    def __repr__(self) -> str:
        return f"Base64({bytes(self)!r})"


# ------------------------------------------------------------------------------------ structures


@dataclass(frozen=True, slots=True)
class Record:
    """A record (§4): ``<name type="LoadControlEventRecord">`` with one child element per field.

    The codec knows no record catalog: it keeps ``type_name`` as written and decodes each field by
    its own ``type`` attribute (or the untyped rule).
    """

    type_name: str
    fields: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class XmlFragment:
    """Literal XML content of a ``type="xml"`` element (elements and text, no enclosing element).

    Parsed fragments hold the codec's canonical serialisation of the content; alias references
    inside were already expanded (definition-time semantics, §3.2).
    """

    text: str


@dataclass(frozen=True, slots=True)
class AliasRef:
    """``<NAME type="alias"/>``: stands for the stored alias ``NAME`` (§2.5).

    Only used to *write* requests (clients, simulator, tests); the parser replaces every reference
    by the alias's content, so parsed values never contain one.
    """

    name: str


# The recursive union of every value a parameter can hold. Sequence/Mapping (rather than
# list/dict) so callers may pass tuples and typed containers; the parser produces lists and dicts.
Value: TypeAlias = (
    "bool | int | float | str | bytes | MAC | Record | XmlFragment | AliasRef"
    " | Sequence[Value] | Mapping[str, Value] | None"
)


def type_name_of(value: Value) -> str:
    """The ``type`` attribute a value is rendered with."""
    # Order matters: bool before int, str/bytes before Sequence, Base64 before bytes.
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Base64):
        return "base64"
    if isinstance(value, bytes):
        return "base16"
    if isinstance(value, MAC):
        return "MAC"
    if isinstance(value, Record):
        return value.type_name
    if isinstance(value, XmlFragment):
        return "xml"
    if isinstance(value, AliasRef):
        return "alias"
    if isinstance(value, Mapping):
        return "dict"
    if isinstance(value, Sequence):
        return "list"
    raise TypeError(f"not an RPC value: {type(value).__name__}")


def _quote(text: str, limit: int = 40) -> str:
    """A short, printable rendering of peer input for error messages."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"
