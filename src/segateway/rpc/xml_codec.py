"""The XML (RCI) codec of the RPC API: envelopes in, calls out; responses in, replies out.

Requests arrive in any of the wrappers the Digi SE Framework accepted (digi-se-rpc.md §2.1, §2.3)::

    <get_time/>                                              bare RPC request
    <do_command target="RPC_request">…</do_command>          one RCI command
    <rci_request version="1.1"><do_command …>…</rci_request>  an RCI request
    <sci_request version="1.0"><send_message><targets><device id="…"/></targets>
        <rci_request …>…</rci_request></send_message></sci_request>
    <do_command target="RPC_response"><get_responses limit="10"/></do_command>

:func:`parse_envelope` turns them into an :class:`Envelope` holding, per RCI command, the RPC
calls in order (:class:`RpcCall`) or, for a call that cannot be decoded, an :class:`InvalidCall`
carrying its :class:`RpcXmlError` so that the other calls still run.

Parsing is safe by construction: the stdlib expat parser is driven directly, any DOCTYPE is
refused at its first event (so no entity is ever declared, expanded or fetched), and the input size,
the element depth and the amount of alias expansion are bounded.

Replies are rendered exactly (no whitespace, ints in hex, ``TRUE``/``FALSE``, typed children) by
:func:`render_response`, :func:`render_responses`, :func:`render_rci_reply` and
:func:`render_sci_reply`; errors become ``<error id="N"><desc>…</desc><hint>…</hint></error>``
with the RCI error descriptor ids only here, in one place.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, Final
from xml.parsers import expat

from .errors import RpcError
from .values import (
    BUILTIN_TYPE_NAMES,
    MAC,
    AliasRef,
    Base16,
    Base64,
    Record,
    Value,
    XmlFragment,
    convert_untyped,
    format_bool,
    format_float,
    format_int,
    parse_bool,
    parse_float,
    parse_int,
)

__all__ = [
    "MAX_ALIAS_EXPANSION",
    "MAX_DEPTH",
    "MAX_REQUEST_BYTES",
    "REQUEST_TARGET",
    "RESPONSE_TARGET",
    "Command",
    "CommandReply",
    "Envelope",
    "EnvelopeForm",
    "ErrorResponse",
    "GetResponses",
    "InternalRpcError",
    "InvalidCall",
    "InvalidCommand",
    "InvalidValueError",
    "ReplyItem",
    "RequestCommand",
    "RequestNotRecognizedError",
    "Response",
    "RpcCall",
    "RpcXmlError",
    "UnknownAliasError",
    "UnknownCommandError",
    "XmlRefusedError",
    "XmlSyntaxError",
    "parse_envelope",
    "render_error",
    "render_rci_reply",
    "render_request",
    "render_response",
    "render_responses",
    "render_sci_reply",
    "render_value",
    "response_name",
    "xml_error",
]

MAX_REQUEST_BYTES: Final = 1 << 20
"""Largest request document accepted (bytes)."""
MAX_DEPTH: Final = 64
"""Deepest element nesting accepted, counted from the document element (the SCI wrapper uses 4)."""
MAX_ALIAS_EXPANSION: Final = 8 * MAX_REQUEST_BYTES
"""Most characters of stored alias content that alias references may insert into one envelope
(each use counts in full: a large alias used many times cannot blow a small request up)."""

REQUEST_TARGET: Final = "RPC_request"
RESPONSE_TARGET: Final = "RPC_response"


# ============================================================================ errors


class RpcXmlError(Exception):
    """An RPC request the gateway cannot accept, tagged with its RCI error descriptor.

    ``error_id`` and ``description`` are the X2e's RCI error descriptors (§2.1): 1 "Request not
    valid XML", 2 "Request not recognized", 3 "Unknown command", 4 "Internal error". ``hint`` says
    what exactly was wrong; it is rendered as the error's ``<hint>``.
    """

    error_id: ClassVar[int] = 4
    description: ClassVar[str] = "Internal error"

    def __init__(self, hint: str = "") -> None:
        super().__init__(f"{self.description}: {hint}" if hint else self.description)
        self.hint = hint


class XmlSyntaxError(RpcXmlError):
    """Id 1: not well-formed XML (bad syntax, encoding, truncation)."""

    error_id = 1
    description = "Request not valid XML"


class XmlRefusedError(XmlSyntaxError):
    """Id 1: XML we refuse to read: a DOCTYPE/entity declaration, too large or too deep."""


class RequestNotRecognizedError(RpcXmlError):
    """Id 2: well-formed XML that is not a request we understand."""

    error_id = 2
    description = "Request not recognized"


class InvalidValueError(RequestNotRecognizedError):
    """Id 2: a parameter whose text or structure does not match its type."""


class UnknownAliasError(RequestNotRecognizedError):
    """Id 2: ``<NAME type="alias"/>`` names no stored alias."""


class UnknownCommandError(RpcXmlError):
    """Id 3: an RCI command, do_command target or RPC method the gateway does not have."""

    error_id = 3
    description = "Unknown command"


class InternalRpcError(RpcXmlError):
    """Id 4: the gateway failed while handling a valid request."""


# ============================================================================ parsed requests


_XML_ERRORS: Final[dict[int, type[RpcXmlError]]] = {
    1: XmlSyntaxError,
    2: RequestNotRecognizedError,
    3: UnknownCommandError,
}


def xml_error(error: RpcError) -> RpcXmlError:
    """The XML form of an error the dispatcher raised: the same RCI error id, its message as the
    hint (``RpcError.code`` is that id already: this only picks the class of that id)."""
    return _XML_ERRORS.get(error.code, InternalRpcError)(error.message)


class EnvelopeForm(StrEnum):
    """How the request was wrapped; the reply uses the same form."""

    BARE = "bare"
    DO_COMMAND = "do_command"
    RCI = "rci_request"
    SCI = "sci_request"


@dataclass(frozen=True, slots=True)
class RpcCall:
    """One RPC request: ``<name synchronous="TRUE">`` with one child element per parameter.

    ``request_identifier`` is taken out of ``params`` (it is echoed, not passed to the method);
    ``synchronous`` is ``None`` when the attribute is absent (asynchronous by default, §2.3).
    """

    name: str
    params: dict[str, Value]
    request_identifier: Value = None
    synchronous: bool | None = None
    raw_element: ET.Element | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class InvalidCall:
    """A request element that could not be decoded; answer it with ``error``, run the others."""

    name: str
    error: RpcXmlError
    request_identifier: Value = None
    raw_element: ET.Element | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class RequestCommand:
    """``<do_command target="RPC_request">`` (or a bare request): calls in document order."""

    calls: tuple[RpcCall | InvalidCall, ...]
    target: str = REQUEST_TARGET


@dataclass(frozen=True, slots=True)
class GetResponses:
    """``<do_command target="RPC_response"><get_responses limit="N"/>``: fetch cached responses."""

    limit: int | None = None
    target: str = RESPONSE_TARGET


@dataclass(frozen=True, slots=True)
class InvalidCommand:
    """An RCI command that cannot be run (unknown command or target, malformed get_responses).

    ``command`` is the RCI element (``do_command``, ``query_setting`` …), ``target`` the
    do_command target as written (``None`` for other commands); the reply echoes both.
    """

    command: str
    target: str | None
    error: RpcXmlError


Command = RequestCommand | GetResponses | InvalidCommand


@dataclass(frozen=True, slots=True)
class Envelope:
    """A parsed request document: its form, SCI target device ids, and its RCI commands."""

    form: EnvelopeForm
    commands: tuple[Command, ...]
    device_ids: tuple[str, ...] = ()

    @property
    def calls(self) -> tuple[RpcCall | InvalidCall, ...]:
        """Every RPC call of every ``RPC_request`` command, in document order."""
        return tuple(
            c for cmd in self.commands if isinstance(cmd, RequestCommand) for c in cmd.calls
        )


# ============================================================================ safe parsing


class _TreeBuilder:
    """Feeds expat events to ElementTree's builder; refuses DTDs and excessive depth."""

    def __init__(self, max_depth: int) -> None:
        self._builder = ET.TreeBuilder()  # joins text chunks once, not chunk by chunk
        self._depth = 0
        self._max_depth = max_depth

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self._depth >= self._max_depth:
            raise XmlRefusedError(f"elements nested deeper than {self._max_depth} levels")
        self._depth += 1
        self._builder.start(tag, attrs)

    def end(self, tag: str) -> None:
        self._depth -= 1
        self._builder.end(tag)

    def data(self, text: str) -> None:
        if self._depth:  # ignore whitespace after the document element
            self._builder.data(text)

    def close(self) -> ET.Element:
        return self._builder.close()

    @staticmethod
    def refuse_doctype(*_args: object) -> None:
        raise XmlRefusedError("DOCTYPE declarations are not accepted")

    @staticmethod
    def refuse_entity(*_args: object) -> None:  # unreachable: DOCTYPE is refused first
        raise XmlRefusedError("entity declarations are not accepted")

    @staticmethod
    def refuse_external(*_args: object) -> int:  # ditto
        raise XmlRefusedError("external entities are not accepted")


def _parse_document(data: bytes, *, max_bytes: int, max_depth: int) -> ET.Element:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"expected bytes, not {type(data).__name__}")
    if len(data) > max_bytes:
        raise XmlRefusedError(f"request of {len(data)} bytes exceeds the {max_bytes}-byte limit")
    builder = _TreeBuilder(max_depth)
    parser = expat.ParserCreate()  # no namespace processing: element names are taken as written
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = builder.refuse_doctype
    parser.EntityDeclHandler = builder.refuse_entity
    parser.UnparsedEntityDeclHandler = builder.refuse_entity
    parser.ExternalEntityRefHandler = builder.refuse_external
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(bytes(data), True)
    except expat.ExpatError as exc:
        raise XmlSyntaxError(str(exc)) from None
    except (LookupError, ValueError) as exc:  # an unknown or unsupported declared encoding
        raise XmlSyntaxError(f"unreadable encoding: {exc}") from None
    return builder.close()


# ============================================================================ decoding


def _is_alias(element: ET.Element) -> bool:
    kind = element.get("type")
    return kind is not None and kind.strip().lower() == "alias"


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _short(text: str, limit: int = 40) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"


class _Decoder:
    """Decodes one envelope: the alias table, parsed alias contents, the expansion budget."""

    def __init__(self, aliases: Mapping[str, str] | None, max_depth: int) -> None:
        self._aliases: Mapping[str, str] = aliases if aliases is not None else {}
        self._max_depth = max_depth
        self._contents: dict[str, tuple[ET.Element, int]] = {}  # name → (content, cost)
        self._budget = MAX_ALIAS_EXPANSION

    # ---------------------------------------------------------------- envelopes

    def envelope(self, root: ET.Element) -> Envelope:
        if root.tag == "sci_request":
            return self._sci(root)
        if root.tag == "rci_request":
            return Envelope(EnvelopeForm.RCI, self._rci(root))
        if root.tag == "do_command":
            return Envelope(EnvelopeForm.DO_COMMAND, (self._do_command(root),))
        if root.tag == "get_responses":
            return Envelope(EnvelopeForm.BARE, (self._get_responses(root),))
        return Envelope(EnvelopeForm.BARE, (RequestCommand(tuple(self._calls([root]))),))

    def _sci(self, root: ET.Element) -> Envelope:
        for child in root:
            if child.tag != "send_message":
                raise UnknownCommandError(f"SCI operation <{child.tag}> is not supported")
        operations = list(root)
        if len(operations) != 1:
            raise RequestNotRecognizedError("<sci_request> must hold exactly one <send_message>")
        device_ids: list[str] = []
        rci: list[ET.Element] = []
        for child in operations[0]:
            if child.tag == "targets":
                for target in child:
                    device_id = target.get("id", "").strip()
                    if target.tag != "device" or not device_id:
                        raise RequestNotRecognizedError(
                            'SCI targets must be <device id="…"/> elements'
                        )
                    device_ids.append(device_id)
            elif child.tag == "rci_request":
                rci.append(child)
            else:
                raise RequestNotRecognizedError(f"unexpected <{child.tag}> in <send_message>")
        if len(rci) != 1:
            raise RequestNotRecognizedError("<send_message> must hold exactly one <rci_request>")
        return Envelope(EnvelopeForm.SCI, self._rci(rci[0]), tuple(device_ids))

    def _rci(self, rci: ET.Element) -> tuple[Command, ...]:
        return tuple(
            self._do_command(child)
            if child.tag == "do_command"
            else InvalidCommand(
                child.tag, None, UnknownCommandError(f"RCI command <{child.tag}> is not supported")
            )
            for child in rci
        )

    def _do_command(self, element: ET.Element) -> Command:
        target = element.get("target", "").strip()
        if target.lower() == REQUEST_TARGET.lower():
            return RequestCommand(tuple(self._calls(element)))
        if target.lower() == RESPONSE_TARGET.lower():
            children = list(element)
            if len(children) != 1 or children[0].tag != "get_responses":
                return InvalidCommand(
                    "do_command",
                    RESPONSE_TARGET,
                    UnknownCommandError(
                        f"target {RESPONSE_TARGET} takes exactly one <get_responses/>"
                    ),
                )
            return self._get_responses(children[0])
        if not target:
            return InvalidCommand(
                "do_command", None, RequestNotRecognizedError("do_command has no target")
            )
        return InvalidCommand(
            "do_command", target, UnknownCommandError(f"no do_command target {_short(target)}")
        )

    def _get_responses(self, element: ET.Element) -> GetResponses | InvalidCommand:
        limit_text = element.get("limit")
        if limit_text is None:
            return GetResponses()
        try:
            limit = parse_int(limit_text)
        except ValueError as exc:
            return InvalidCommand("do_command", RESPONSE_TARGET, InvalidValueError(f"limit: {exc}"))
        if limit < 1:
            return InvalidCommand(
                "do_command",
                RESPONSE_TARGET,
                InvalidValueError(f"limit must be at least 1, not {limit}"),
            )
        return GetResponses(limit)

    # ---------------------------------------------------------------- calls

    def _calls(self, elements: Iterable[ET.Element]) -> Iterator[RpcCall | InvalidCall]:
        """Decode request elements; an alias may stand for any number of whole requests."""
        for element in elements:
            if not _is_alias(element):
                yield self._call(element)
                continue
            try:
                content = self._alias_content(element)
            except RpcXmlError as exc:
                yield InvalidCall(element.tag, exc, None, element)
                continue
            yield from (self._call(request) for request in content)

    def _call(self, element: ET.Element) -> RpcCall | InvalidCall:
        name = element.tag
        try:
            sync_text = element.get("synchronous")
            try:
                synchronous = None if sync_text is None else parse_bool(sync_text)
            except ValueError as exc:
                raise InvalidValueError(f"<{name}> attribute synchronous: {exc}") from None
            params = self._named(element, 1, f"<{name}>")
            request_identifier = params.pop("request_identifier", None)
        except RpcXmlError as exc:
            return InvalidCall(name, exc, self._identifier_of(element), element)
        return RpcCall(name, params, request_identifier, synchronous, element)

    def _identifier_of(self, element: ET.Element) -> Value:
        """Best effort: the request_identifier of a failed request, for the error to echo."""
        child = element.find("request_identifier")
        if child is None or _is_alias(child):
            return None
        try:
            return self._value(child, 2)
        except RpcXmlError:
            return None

    # ---------------------------------------------------------------- aliases

    def _alias_content(self, reference: ET.Element) -> list[ET.Element]:
        """The elements an alias reference stands for (checked for stray text, budgeted)."""
        root = self._alias_root(reference)
        if not _blank(root.text) or not all(_blank(e.tail) for e in root):
            raise InvalidValueError(
                f"alias {reference.tag!r} holds text where elements are expected"
            )
        return list(root)

    def _alias_root(self, reference: ET.Element) -> ET.Element:
        name = reference.tag
        if len(reference) or not _blank(reference.text):
            raise InvalidValueError(f'<{name} type="alias"> must be empty')
        if name not in self._contents:
            text = self._aliases.get(name)
            if text is None:
                raise UnknownAliasError(f"no alias named {name!r}")
            try:
                root = _parse_document(
                    f"<alias>{text}</alias>".encode(),
                    max_bytes=MAX_REQUEST_BYTES + 16,
                    max_depth=self._max_depth,
                )
            except RpcXmlError as exc:
                raise InternalRpcError(
                    f"stored alias {name!r} is not valid XML: {exc.hint}"
                ) from None
            self._contents[name] = (root, max(len(text), 1))
        root, cost = self._contents[name]
        self._budget -= cost
        if self._budget < 0:
            raise RequestNotRecognizedError(
                f"alias references expand to more than {MAX_ALIAS_EXPANSION} characters"
            )
        return root

    def _children(self, parent: ET.Element, where: str) -> Iterator[ET.Element]:
        """Child elements with alias references replaced; refuses text between them."""
        if not _blank(parent.text):
            raise InvalidValueError(
                f"{where} holds text {_short(parent.text or '')} besides elements"
            )
        for child in parent:
            if _is_alias(child):
                yield from self._alias_content(child)
            else:
                yield child
            if not _blank(child.tail):
                raise InvalidValueError(
                    f"{where} holds text {_short(child.tail or '')} besides elements"
                )

    # ---------------------------------------------------------------- values

    def _named(self, parent: ET.Element, depth: int, where: str) -> dict[str, Value]:
        values: dict[str, Value] = {}
        for child in self._children(parent, where):
            if child.tag in values:
                raise InvalidValueError(f"{where} has <{child.tag}> twice")
            values[child.tag] = self._value(child, depth + 1)
        return values

    def _value(self, element: ET.Element, depth: int) -> Value:
        name = element.tag
        if depth > self._max_depth:
            raise InvalidValueError(f"<{name}> is nested deeper than {self._max_depth} levels")
        kind = (element.get("type") or "").strip()
        if not kind:
            if len(element):
                raise InvalidValueError(f"<{name}> has child elements but no type attribute")
            return convert_untyped(element.text or "")
        key = kind.lower()
        parse = _SCALARS.get(key)
        if parse is not None:
            if len(element):
                raise InvalidValueError(f'<{name} type="{kind}"> must not contain elements')
            try:
                return parse(element.text or "")
            except ValueError as exc:
                raise InvalidValueError(f"<{name}>: {exc}") from None
        if key == "list":
            items: list[Value] = []
            for child in self._children(element, f"<{name}>"):
                if child.tag.lower() != "item":
                    raise InvalidValueError(f"list <{name}> holds <{child.tag}>, expected <item>")
                items.append(self._value(child, depth + 1))
            return items
        if key == "dict":
            return self._named(element, depth, f"<{name}>")
        if key == "xml":
            return XmlFragment(self._content_text(element, expand=True))
        if key == "alias":  # references are replaced before values are decoded
            raise InvalidValueError(f"alias reference <{name}> inside an alias's content")
        return Record(kind, self._named(element, depth, f"<{name}>"))

    # ---------------------------------------------------------------- xml values

    def _content_text(self, element: ET.Element, *, expand: bool) -> str:
        """Canonical serialisation of an element's content; alias references expanded if asked."""
        parts = [_escape_text(element.text or "")]
        for child in element:
            if expand and _is_alias(child):
                parts.append(self._content_text(self._alias_root(child), expand=False))
            else:
                parts.append(self._element_text(child, expand=expand))
            parts.append(_escape_text(child.tail or ""))
        return "".join(parts)

    def _element_text(self, element: ET.Element, *, expand: bool) -> str:
        attrs = "".join(f' {k}="{_escape_attr(v)}"' for k, v in element.attrib.items())
        inner = self._content_text(element, expand=expand)
        if not inner:
            return f"<{element.tag}{attrs}/>"
        return f"<{element.tag}{attrs}>{inner}</{element.tag}>"


def _parse_none(text: str) -> None:
    if text.strip() and text.strip().lower() != "none":
        raise ValueError(f"type none takes no value, got {_short(text)}")


def _parse_string(text: str) -> str:
    return text


_SCALARS: Final[dict[str, Callable[[str], Value]]] = {
    "string": _parse_string,
    "bool": parse_bool,
    "int": parse_int,
    "float": parse_float,
    "none": _parse_none,
    "mac": MAC.parse,
    "base16": Base16.parse,
    "base64": Base64.parse,
}


def parse_envelope(
    data: bytes,
    *,
    aliases: Mapping[str, str] | None = None,
    max_bytes: int = MAX_REQUEST_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Envelope:
    """Parse a request document (any of the forms in the module docstring).

    ``aliases`` maps alias names to their stored XML content (as :class:`XmlFragment` text); every
    ``<NAME type="alias"/>`` is replaced by it, wherever it stands: for whole requests, parameters,
    list items, record fields, or inside ``type="xml"`` content (so an alias defined with
    add_alias has the aliases it uses expanded at definition time, §3.2). Aliases are resolved
    against the table as given: one defined by an add_alias in this envelope is usable from the
    next envelope on. An unknown alias fails only the call that uses it.

    Raises :class:`RpcXmlError` when the document as a whole is unusable (not XML, refused, no known
    envelope); errors confined to one command or call are returned inside the envelope.
    """
    root = _parse_document(data, max_bytes=max_bytes, max_depth=max_depth)
    return _Decoder(aliases, max_depth).envelope(root)


# ============================================================================ rendering

# XML 1.0 Name production (fifth edition): anything expat accepts as a name passes.
_NAME_START = (
    ":A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NAME_RE: Final = re.compile(
    f"[{_NAME_START}][{_NAME_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
)
_NOT_XML_CHAR_RE: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TEXT_ESCAPES: Final = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES: Final = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)


def _escape_text(text: str) -> str:
    if _NOT_XML_CHAR_RE.search(text):
        raise ValueError(f"text {_short(text)} holds a character XML 1.0 cannot carry")
    return text.translate(_TEXT_ESCAPES)


def _escape_attr(text: str) -> str:
    if _NOT_XML_CHAR_RE.search(text):
        raise ValueError(f"attribute {_short(text)} holds a character XML 1.0 cannot carry")
    return text.translate(_ATTR_ESCAPES)


def _check_name(name: str) -> str:
    if not _NAME_RE.fullmatch(name):
        raise ValueError(f"{name!r} is not a valid XML element name")
    return name


def _check_record_type(type_name: str) -> str:
    if not type_name or type_name != type_name.strip() or type_name.lower() in BUILTIN_TYPE_NAMES:
        raise ValueError(f"{type_name!r} cannot name a record type")
    return type_name


@dataclass(frozen=True, slots=True)
class Response:
    """One response element: ``<name timestamp="…">`` with typed children (``name`` is complete:
    ``get_time_response``, or ``message`` for response-only messages)."""

    name: str
    params: Mapping[str, Value]
    timestamp: float | None = None


@dataclass(frozen=True, slots=True)
class ErrorResponse:
    """The answer to a call that failed: ``<name timestamp="…"><error id="N">…</error></name>``."""

    name: str
    error: RpcXmlError
    timestamp: float | None = None


ReplyItem = Response | ErrorResponse


@dataclass(frozen=True, slots=True)
class CommandReply:
    """The reply to one RCI command: ``<do_command target="…"><responses …>…</responses>``.

    With ``error`` set, the command's element holds that error instead of responses. ``remaining``
    and ``timestamp`` become attributes of ``<responses>`` when not ``None``.
    """

    target: str | None = REQUEST_TARGET
    items: Sequence[ReplyItem] = ()
    remaining: int | None = None
    timestamp: float | None = None
    error: RpcXmlError | None = None
    command: str = "do_command"


def response_name(request_name: str) -> str:
    """The reply to request ``X`` is ``X_response`` (§2.2)."""
    return f"{request_name}_response"


def render_value(name: str, value: Value) -> str:
    """One typed element: ``<name type="…">…</name>`` (``<name type="…"/>`` when empty)."""
    out: list[str] = []
    _render_into(out, name, value, 0)
    return "".join(out)


def _render_into(out: list[str], name: str, value: Value, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"value nested deeper than {MAX_DEPTH} levels (cyclic?)")
    _check_name(name)
    kind: str
    if value is None:
        out.append(f'<{name} type="none"/>')
        return
    if isinstance(value, AliasRef):
        if value.name != name:
            raise ValueError(f"AliasRef({value.name!r}) placed under the name {name!r}")
        out.append(f'<{name} type="alias"/>')
        return
    if isinstance(value, bool):
        kind, text = "bool", format_bool(value)
    elif isinstance(value, int):
        kind, text = "int", format_int(value)
    elif isinstance(value, float):
        kind, text = "float", format_float(value)
    elif isinstance(value, str):
        kind, text = "string", _escape_text(value)
    elif isinstance(value, Base64):
        kind, text = "base64", value.to_text()
    elif isinstance(value, bytes):
        kind, text = "base16", value.hex().upper()
    elif isinstance(value, MAC):
        kind, text = "MAC", str(value)
    elif isinstance(value, XmlFragment):
        # Inserted as markup: check it is well-formed content first.
        document = f"<xml>{value.text}</xml>".encode()
        try:
            _parse_document(document, max_bytes=len(document), max_depth=MAX_DEPTH)
        except RpcXmlError as exc:
            raise ValueError(f"XmlFragment is not well-formed XML content: {exc.hint}") from None
        kind, text = "xml", value.text
    else:
        _render_container(out, name, value, depth)
        return
    out.append(f'<{name} type="{kind}">{text}</{name}>' if text else f'<{name} type="{kind}"/>')


def _render_container(out: list[str], name: str, value: Value, depth: int) -> None:
    if isinstance(value, Record):
        kind, fields = _check_record_type(value.type_name), value.fields
    elif isinstance(value, Mapping):
        kind, fields = "dict", value
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        if not value:
            out.append(f'<{name} type="list"/>')
            return
        out.append(f'<{name} type="list">')
        for item in value:
            _render_into(out, item.name if isinstance(item, AliasRef) else "item", item, depth + 1)
        out.append(f"</{name}>")
        return
    else:
        raise TypeError(f"not an RPC value: {type(value).__name__}")
    kind_attr = _escape_attr(kind)
    if not fields:
        out.append(f'<{name} type="{kind_attr}"/>')
        return
    out.append(f'<{name} type="{kind_attr}">')
    _render_named(out, fields, depth + 1)
    out.append(f"</{name}>")


def _render_named(out: list[str], params: Mapping[str, Value], depth: int) -> None:
    for key, item in params.items():
        _render_into(out, key, item, depth)


def _open_tag(name: str, attrs: Mapping[str, str | None]) -> str:
    text = "".join(f' {k}="{_escape_attr(v)}"' for k, v in attrs.items() if v is not None)
    return f"<{_check_name(name)}{text}"


def _stamp(timestamp: float | None) -> str | None:
    return None if timestamp is None else format_float(timestamp)


def render_request(
    name: str,
    params: Mapping[str, Value],
    *,
    synchronous: bool | None = None,
    request_identifier: Value = None,
) -> str:
    """A request element as a client writes it (simulator, console, tests)."""
    head = _open_tag(
        name, {"synchronous": None if synchronous is None else format_bool(synchronous)}
    )
    out: list[str] = []
    _render_named(out, params, 1)
    if request_identifier is not None:
        _render_into(out, "request_identifier", request_identifier, 1)
    return f"{head}>{''.join(out)}</{name}>" if out else f"{head}/>"


def render_response(
    name: str, params: Mapping[str, Value], *, timestamp: float | None = None
) -> str:
    """``<name timestamp="1234567889.0">`` with one typed child per parameter, in order."""
    head = _open_tag(name, {"timestamp": _stamp(timestamp)})
    out: list[str] = []
    _render_named(out, params, 1)
    return f"{head}>{''.join(out)}</{name}>" if out else f"{head}/>"


def render_error(error: RpcXmlError) -> str:
    """``<error id="2"><desc>Request not recognized</desc><hint>…</hint></error>`` (RCI form)."""
    hint = _NOT_XML_CHAR_RE.sub("\ufffd", error.hint).translate(_TEXT_ESCAPES)
    desc = error.description.translate(_TEXT_ESCAPES)
    tail = f"<hint>{hint}</hint>" if hint else ""
    return f'<error id="{error.error_id}"><desc>{desc}</desc>{tail}</error>'


def _render_item(item: ReplyItem) -> str:
    if isinstance(item, Response):
        return render_response(item.name, item.params, timestamp=item.timestamp)
    head = _open_tag(item.name, {"timestamp": _stamp(item.timestamp)})
    return f"{head}>{render_error(item.error)}</{item.name}>"


def render_responses(
    items: Sequence[ReplyItem], *, remaining: int | None = None, timestamp: float | None = None
) -> str:
    """``<responses remaining="N" timestamp="…">`` holding responses in order (§2.3).

    The same container carries synchronous replies (target ``RPC_request``) and fetched cached
    responses (target ``RPC_response``); ``timestamp`` is the time of the reply, float seconds.
    """
    head = _open_tag(
        "responses",
        {
            "remaining": None if remaining is None else str(remaining),
            "timestamp": _stamp(timestamp),
        },
    )
    body = "".join(_render_item(item) for item in items)
    return f"{head}>{body}</responses>" if body else f"{head}/>"


def _render_command(reply: CommandReply) -> str:
    head = _open_tag(reply.command, {"target": reply.target})
    if reply.error is not None:
        body = render_error(reply.error)
    else:
        body = render_responses(reply.items, remaining=reply.remaining, timestamp=reply.timestamp)
    return f"{head}>{body}</{reply.command}>"


def render_rci_reply(commands: Sequence[CommandReply] | RpcXmlError) -> str:
    """``<rci_reply version="1.1">`` with one element per RCI command, or one RCI-level error."""
    if isinstance(commands, RpcXmlError):
        body = render_error(commands)
    else:
        body = "".join(_render_command(c) for c in commands)
    return f'<rci_reply version="1.1">{body}</rci_reply>'


def render_sci_reply(devices: Mapping[str, Sequence[CommandReply] | RpcXmlError]) -> str:
    """``sci_reply/send_message/device[@id]/rci_reply/…``; a device mapped to an error gets
    ``<device id="…"><error id="N">…</error></device>`` instead of an RCI reply."""
    parts = ['<sci_reply version="1.0"><send_message>']
    for device_id, reply in devices.items():
        parts.append(f'<device id="{_escape_attr(device_id)}">')
        parts.append(
            render_error(reply) if isinstance(reply, RpcXmlError) else render_rci_reply(reply)
        )
        parts.append("</device>")
    parts.append("</send_message></sci_reply>")
    return "".join(parts)
