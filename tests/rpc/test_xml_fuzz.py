"""Fuzzing the XML codec (bounded: about three thousand examples in all, more under the "fuzz"
Hypothesis profile).

Whatever the bytes, :func:`parse_envelope` returns an envelope or raises :class:`RpcXmlError`,
never anything else; every error it reports renders as an RCI error; and every call it decodes
renders back and re-parses to the same values (so a reply can always echo what was accepted).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segateway.rpc import (
    ErrorResponse,
    GetResponses,
    InvalidCall,
    InvalidCommand,
    RequestCommand,
    RpcCall,
    RpcXmlError,
    parse_envelope,
    render_rci_reply,
    render_request,
    render_responses,
    render_value,
    response_name,
)

from . import canon, names, values, xml_text
from .test_xml_codec import BILLION_LAUGHS, REFERENCE_EXAMPLES, SKELETON

SEEDS = [example.document() for example in REFERENCE_EXAMPLES] + [
    SKELETON.encode(),
    BILLION_LAUGHS,
    b'<do_command target="RPC_request"><create_price_event synchronous="TRUE">'
    b'<record type="PublishPriceRecord"><provider_id type="int">0xFFFFFFFF</provider_id>'
    b'<rate_label type="string">peak</rate_label><issuer_event_id>7</issuer_event_id>'
    b"<price>0x20</price></record><request_identifier>1</request_identifier>"
    b'</create_price_event><send_ZCL><payload type="base64">AAEC</payload>'
    b'<destination_address type="MAC">00:00:00:00:00:00:FF:FF</destination_address>'
    b'<enable_aps_encryption type="bool">FALSE</enable_aps_encryption>'
    b'<device_list type="list"><item type="MAC">12:34</item><item type="none"/></device_list>'
    b'<d type="dict"><endpoint_0x5E type="float">1.5</endpoint_0x5E></d>'
    b'<A type="alias"/><x type="xml"><B type="alias"/>t<y a="1"/></x></send_ZCL></do_command>',
]

TOKENS = [
    b"<",
    b">",
    b"</",
    b"/>",
    b"=",
    b'"',
    b"'",
    b" ",
    b"\n",
    b"&",
    b"&amp;",
    b"&lt;",
    b"&#0;",
    b"&#13;",
    b"&#x10FFFF;",
    b"&lol9;",
    b"<!DOCTYPE x>",
    b'<!ENTITY a "b">',
    b"<![CDATA[",
    b"]]>",
    b"<?pi x?>",
    b"<!--",
    b"-->",
    b'<?xml version="1.0" encoding="UTF-16"?>',
    b"\xef\xbb\xbf",
    b"\xff",
    b"\x00",
    b"\xc3",
    b"\xe2\x80\xa6",
    b' type="alias"',
    b' type="xml"',
    b' type="list"',
    b' type="dict"',
    b' type="MAC"',
    b' type="int"',
    b' type="base64"',
    b' type="none"',
    b' type="Rec"',
    b' synchronous="TRUE"',
    b' synchronous="x"',
    b' target="RPC_response"',
    b' target="RPC_request"',
    b'<get_responses limit="-1"/>',
    b"<item>",
    b"</item>",
    b"<A/>",
    b"<request_identifier>",
    b"0x",
    b"TRUE",
    b"-",
    b"1e999",
    b"nan",
]


def _bounded(examples: int) -> settings:
    """``examples`` per run, or the loaded profile's count when that is larger ("fuzz")."""
    return settings(
        max_examples=max(examples, settings().max_examples),
        suppress_health_check=[HealthCheck.too_slow],
    )


ALIASES = {
    "A": '<p type="int">0x1</p><q type="MAC">11:22:33:44:55:66:77:88</q>',
    "B": "<get_time/>",
    "NAME": '<get_time synchronous="TRUE"/>',
    "ITEMS": "<item>1</item><item>2</item>",
    "TEXT": "plain text",
}

_ENVELOPE_NAMES = {"sci_request", "rci_request", "do_command", "get_responses"}


def _check(data: bytes, aliases: dict[str, str] | None = ALIASES) -> None:
    try:
        envelope = parse_envelope(data, aliases=aliases)
    except RpcXmlError as error:
        _check_error(error)
        return
    for command in envelope.commands:
        assert isinstance(command, RequestCommand | GetResponses | InvalidCommand)
        if isinstance(command, InvalidCommand):
            _check_error(command.error)
    for call in envelope.calls:
        if isinstance(call, InvalidCall):
            _check_error(call.error)
            render_responses([ErrorResponse(response_name(call.name), call.error)])
            continue
        assert isinstance(call, RpcCall)
        _check_echo(call)


def _check_error(error: RpcXmlError) -> None:
    assert error.error_id in (1, 2, 3, 4)
    assert f'<error id="{error.error_id}">' in render_rci_reply(error)


def _check_echo(call: RpcCall) -> None:
    """What was accepted renders back and parses to the same values."""
    request = render_request(
        call.name,
        call.params,
        synchronous=call.synchronous,
        request_identifier=call.request_identifier,
    )
    again = parse_envelope(f'<do_command target="RPC_request">{request}</do_command>'.encode())
    (echo,) = again.calls
    assert isinstance(echo, RpcCall), echo
    assert echo.name == call.name
    assert canon(echo.params) == canon(call.params)
    assert echo.synchronous is call.synchronous
    assert canon(echo.request_identifier) == canon(call.request_identifier)


@_bounded(800)
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    _check(data)


_NAMES = [b"get_time", b"do_command", b"item", b"request_identifier", b"A", b"x", b"rci_request"]


@_bounded(700)
@given(st.lists(st.sampled_from(TOKENS + _NAMES), max_size=30))
def test_random_token_soup(tokens: list[bytes]) -> None:
    _check(b"".join(tokens))


_mutation = st.tuples(
    st.sampled_from(["insert", "delete", "replace", "truncate", "duplicate", "flip"]),
    st.floats(0, 1),
    st.floats(0, 1),
    st.sampled_from(TOKENS),
)


def _mutate(seed: bytes, mutations: list[tuple[str, float, float, bytes]]) -> bytes:
    data = bytearray(seed)
    for op, where, extent, token in mutations:
        at = int(where * len(data))
        span = 1 + int(extent * 16)
        if op == "insert":
            data[at:at] = token
        elif op == "delete":
            del data[at : at + span]
        elif op == "replace":
            data[at : at + span] = token
        elif op == "truncate":
            del data[at:]
        elif op == "duplicate":
            data[at:at] = data[at : at + span * 4]
        elif data:
            data[min(at, len(data) - 1)] ^= 1 << int(extent * 7.99)
    return bytes(data)


@_bounded(1200)
@given(st.sampled_from(SEEDS), st.lists(_mutation, min_size=1, max_size=6))
def test_mutated_valid_requests(
    seed: bytes, mutations: list[tuple[str, float, float, bytes]]
) -> None:
    _check(_mutate(seed, mutations))


# Structured fuzz: well-formed trees whose type attributes and texts are random.
_type_attr = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "int",
            "INT",
            "bool",
            "float",
            "string",
            "none",
            "list",
            "dict",
            "MAC",
            "base16",
            "base64",
            "xml",
            "alias",
            "Rec",
            " list ",
            "",
            "Item",
        ]
    ),
)


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def build(name: str, kind: str | None, text: str, kids: list[str], tail: str) -> str:
        attr = "" if kind is None else f' type="{kind}"'
        return f"<{name}{attr}>{text}{''.join(kids)}</{name}>{tail}"

    escaped = xml_text.map(lambda s: s.replace("&", "&amp;").replace("<", "&lt;"))
    return st.builds(
        build,
        st.sampled_from(
            ["p", "q", "x", "item", "Item", "request_identifier", "A", "ITEMS", "TEXT"]
        ),
        _type_attr,
        st.one_of(st.just(""), st.sampled_from(["1", "0x1F", "TRUE", "12:34", "AAEC"]), escaped),
        st.just([]) if children.is_empty else st.lists(children, max_size=3),
        st.one_of(st.just(""), st.just("\n "), escaped),
    )


_trees = st.recursive(_element(st.nothing()), _element, max_leaves=6)


@_bounded(300)
@given(
    st.lists(_trees, min_size=1, max_size=2), st.sampled_from(["RPC_request", "RPC_response", "x"])
)
def test_random_well_formed_requests(requests: list[str], target: str) -> None:
    _check(f'<do_command target="{target}">{"".join(requests)}</do_command>'.encode())


@_bounded(100)
@given(st.dictionaries(names, values(max_leaves=4), max_size=3), st.sampled_from(SEEDS))
def test_random_alias_tables(contents: dict[str, object], seed: bytes) -> None:
    aliases = {name: render_value("p", value) for name, value in contents.items()}  # type: ignore[arg-type]
    aliases.update(ALIASES)
    _check(seed, aliases)
    _check(seed, None)
