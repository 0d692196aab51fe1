"""RPC API tests. This module holds what the test modules share: Hypothesis strategies for every
RPC value type and ``canon``, a strict comparison key (type-exact, order-exact)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from hypothesis import strategies as st

from segateway.rpc import MAC, Base16, Base64, Record, Value, XmlFragment, render_value
from segateway.rpc.values import BUILTIN_TYPE_NAMES

__all__ = ["canon", "names", "values", "xml_text"]

# XML 1.0 Char production, written independently of the codec's own table.
_XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

xml_text = st.text(st.characters(codec="utf-8").filter(_XML_CHAR.fullmatch))

# Element names: mostly the reference's style (snake_case, endpoint_0x5E, CamelCase records),
# sometimes with dots, dashes or non-ASCII letters.
names = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True),
    st.from_regex(r"[A-Za-z_\u00e9\u4e2d][A-Za-z0-9_.\-\u00e9]{0,8}", fullmatch=True),
)
record_type_names = names.filter(lambda n: n.lower() not in BUILTIN_TYPE_NAMES)


def _fragment(parts: list[tuple[str, str, Value]]) -> XmlFragment:
    """Canonical content: text escaped as the codec's serialiser does (&, <, > and CR)."""
    return XmlFragment(
        "".join(escape(text, {"\r": "&#13;"}) + render_value(n, v) for text, n, v in parts)
    )


_scalars: st.SearchStrategy[Value] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**200), 2**200),
    st.floats(allow_nan=False),
    xml_text,
    st.integers(0, 2**64 - 1).map(MAC),
    st.integers(0, 2**16 - 1).map(MAC.short),
    st.binary(max_size=40).map(Base16),
    st.binary(max_size=40).map(Base64),
    st.binary(max_size=8),  # plain bytes render as base16
)


def values(max_leaves: int = 12) -> st.SearchStrategy[Value]:
    """Every RPC value type, nested lists/dicts/records/xml fragments included."""

    def extend(children: st.SearchStrategy[Value]) -> st.SearchStrategy[Value]:
        return st.one_of(
            st.lists(children, max_size=4),
            st.tuples(children, children),
            st.dictionaries(names, children, max_size=4),
            st.builds(Record, record_type_names, st.dictionaries(names, children, max_size=4)),
            st.lists(st.tuples(xml_text, names, children), max_size=3).map(_fragment),
        )

    return st.recursive(_scalars, extend, max_leaves=max_leaves)


def canon(value: Any) -> Any:
    """A comparison key that tells apart what ``==`` confuses (1/True/1.0, Base16/Base64,
    -0.0/0.0, 64/16-bit MACs) and keeps element order."""
    if value is None or isinstance(value, bool | int | str):
        return (type(value).__name__, value)
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, Base64):
        return ("base64", bytes(value))
    if isinstance(value, bytes):  # Base16 or plain bytes: both travel as base16
        return ("base16", bytes(value))
    if isinstance(value, MAC):
        return ("MAC", value.bits, value.value)
    if isinstance(value, XmlFragment):
        return ("xml", value.text)
    if isinstance(value, Record):
        return ("record", value.type_name, canon(value.fields))
    if isinstance(value, Mapping):
        return ("dict", tuple((k, canon(v)) for k, v in value.items()))
    if isinstance(value, Sequence):
        return ("list", tuple(canon(v) for v in value))
    raise TypeError(type(value))
