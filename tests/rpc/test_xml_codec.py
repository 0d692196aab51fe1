"""The XML (RCI) codec against digi-se-rpc.md §2: reference examples, round trips, leniency,
hostile input.

Expected values come from the reference text: each example of ``REFERENCE_EXAMPLES`` is copied
verbatim from digi-se-rpc.md (section given; digi-se-devices.md prints no XML, its stated values are
used in ``test_devices_reference_values``), completed only where the reference elides (``…``) or
stops at an opening tag; each completion is spelled out beside the example.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.rpc import (
    MAC,
    MAX_DEPTH,
    MAX_REQUEST_BYTES,
    AliasRef,
    Base16,
    Base64,
    CommandReply,
    Envelope,
    EnvelopeForm,
    ErrorResponse,
    GetResponses,
    InternalRpcError,
    InvalidCall,
    InvalidCommand,
    InvalidValueError,
    Record,
    ReplyItem,
    RequestCommand,
    RequestNotRecognizedError,
    Response,
    RpcCall,
    RpcXmlError,
    UnknownAliasError,
    UnknownCommandError,
    Value,
    XmlFragment,
    XmlRefusedError,
    XmlSyntaxError,
    convert_untyped,
    parse_envelope,
    render_error,
    render_rci_reply,
    render_request,
    render_response,
    render_responses,
    render_sci_reply,
    render_value,
)
from segateway.rpc.values import BUILTIN_TYPE_NAMES, format_int, parse_int

from . import canon, names, values

# ------------------------------------------------------------------------ helpers


def _only_call(envelope: Envelope) -> RpcCall:
    (call,) = envelope.calls
    assert isinstance(call, RpcCall), call
    return call


def _params(xml: str, **kwargs: object) -> dict[str, Value]:
    return _only_call(parse_envelope(xml.encode(), **kwargs)).params  # type: ignore[arg-type]


def _tree(text: str) -> ET.Element:
    """Read our own output with the stdlib parser, an implementation independent of the codec."""
    return ET.fromstring(text)  # noqa: S314 - trusted input: text the code under test rendered


def _error_of(xml: bytes | str, **kwargs: object) -> RpcXmlError:
    data = xml.encode() if isinstance(xml, str) else xml
    with pytest.raises(RpcXmlError) as info:
        parse_envelope(data, **kwargs)  # type: ignore[arg-type]
    return info.value


# ------------------------------------------------------------------------ reference examples

SKELETON = """<sci_request version="1.0">
  <send_message>
    <targets><device id="00000000-00000000-001122FF-FF334455"/></targets>
    <rci_request version="1.1">
      <do_command target="RPC_request">
        <get_version/>
        <get_time synchronous="TRUE"/>
      </do_command>
    </rci_request>
  </send_message>
</sci_request>"""

ADD_ALIAS = (
    '<add_alias><THERMOSTAT_ADDRESS_ALIAS type="xml"><destination_address type="MAC">'
    "11:22:33:44:55:66:77:88</destination_address><destination_endpoint_id>0x10"
    '</destination_endpoint_id></THERMOSTAT_ADDRESS_ALIAS><ATTRIBUTE_ALIAS type="xml"><cluster_id>'
    '0x1234</cluster_id><record_list type="list"><item type="ReadAttributeRecord"><attribute_id>0'
    "</attribute_id></item>…</record_list></ATTRIBUTE_ALIAS></add_alias>"
)


def _between(text: str, start: str, end: str) -> str:
    """The reference's own text between two of its tags (an expected value, not our output)."""
    head = text.index(start) + len(start)
    return text[head : text.index(end, head)]


def _check_skeleton(envelope: Envelope) -> None:
    assert envelope.form is EnvelopeForm.SCI
    assert envelope.device_ids == ("00000000-00000000-001122FF-FF334455",)
    assert envelope.calls == (
        RpcCall("get_version", {}),
        RpcCall("get_time", {}, synchronous=True),
    )


def _check_add_alias(envelope: Envelope) -> None:
    call = _only_call(envelope)
    assert call.name == "add_alias"
    assert call.params == {
        "THERMOSTAT_ADDRESS_ALIAS": XmlFragment(
            _between(ADD_ALIAS, '<THERMOSTAT_ADDRESS_ALIAS type="xml">', "</THERMOSTAT_ADDRESS")
        ),
        "ATTRIBUTE_ALIAS": XmlFragment(
            _between(ADD_ALIAS, '<ATTRIBUTE_ALIAS type="xml">', "</ATTRIBUTE_ALIAS>")
        ),
    }


def _check_empty_rci(envelope: Envelope) -> None:
    assert envelope.form is EnvelopeForm.RCI
    assert envelope.commands == ()


def _check_get_responses(limit: int | None) -> Callable[[Envelope], None]:
    def check(envelope: Envelope) -> None:
        assert envelope.form is EnvelopeForm.DO_COMMAND
        assert envelope.commands == (GetResponses(limit),)

    return check


def _check_calls(*expected: RpcCall) -> Callable[[Envelope], None]:
    def check(envelope: Envelope) -> None:
        assert envelope.calls == expected

    return check


@dataclass(frozen=True)
class Example:
    section: str
    verbatim: str  # exactly as printed in digi-se-rpc.md
    check: Callable[[Envelope], None]
    completion: tuple[tuple[str, str], ...] = ()  # (elided text, what we put there)
    suffix: str = ""  # closing tags the reference leaves off

    def document(self) -> bytes:
        text = self.verbatim
        for old, new in self.completion:
            text = text.replace(old, new, 1)
        return (text + self.suffix).encode()


LOAD_CONTROL = Record("LoadControlEventRecord", {"issuer_event_id": 1, "duration_in_minutes": 30})

REFERENCE_EXAMPLES = [
    Example("§2.1 skeleton", SKELETON, _check_skeleton),
    Example(
        "§2.1 do_command",
        '<do_command target="RPC_request">',
        _check_calls(),
        suffix="</do_command>",
    ),
    Example(
        "§2.1 rci_request",
        '<rci_request version="1.1">',
        _check_empty_rci,
        suffix="</rci_request>",
    ),
    Example(
        "§2.1 sci_request",
        '<sci_request version="1.0"><send_message><targets>…</targets>…',
        _check_calls(RpcCall("get_device_information", {})),
        completion=(
            ("…", '<device id="00000000-00000000-001122FF-FF334455"/>'),  # §2.1 targets
            (
                "…",
                '<rci_request version="1.1"><do_command target="RPC_request">'
                "<get_device_information/></do_command></rci_request>",  # §3.3
            ),
        ),
        suffix="</send_message></sci_request>",
    ),
    Example(
        "§2.3 get_responses",
        '<do_command target="RPC_response"><get_responses/></do_command>',
        _check_get_responses(None),
    ),
    Example(
        '§2.3 get_responses limit="10"',
        '<do_command target="RPC_response"><get_responses/></do_command>',
        _check_get_responses(10),
        completion=(("<get_responses/>", '<get_responses limit="10"/>'),),
    ),
    Example(
        "§2.4 record",
        '<record type="LoadControlEventRecord">…</record>',
        _check_calls(RpcCall("create_DRLC_event", {"record": LOAD_CONTROL})),
        completion=(
            ("<record", "<create_DRLC_event><record"),  # §3.6.1 create_DRLC_event
            (
                "…",
                "<issuer_event_id>1</issuer_event_id><duration_in_minutes>30</duration_in_minutes>",
            ),
        ),
        suffix="</create_DRLC_event>",
    ),
    Example(
        "§2.5 alias",
        '<NAME type="alias"/>',
        _check_calls(RpcCall("get_time", {}, synchronous=True)),
    ),
    Example("§3.2 add_alias", ADD_ALIAS, _check_add_alias),
    Example(
        "§3.3 get_device_information",
        "<get_device_information/>",
        _check_calls(RpcCall("get_device_information", {})),
    ),
    Example(
        "§3.6.1 device_list item",
        '<item type="MAC">',
        _check_calls(
            RpcCall("x_response", {"device_list": [MAC(0x1122334455667788)]}),
        ),
        completion=(("<item", '<x_response><device_list type="list"><item'),),
        suffix="11:22:33:44:55:66:77:88</item></device_list></x_response>",  # §2.4 MAC
    ),
    Example(
        "§4.2 ReadAttributeRecord",
        '<attribute_id type="int">0x0005</attribute_id>',
        _check_calls(
            RpcCall(
                "read_attributes",
                {"record_list": [Record("ReadAttributeRecord", {"attribute_id": 5})]},
            )
        ),
        completion=(
            (
                "<attribute_id",
                '<read_attributes><record_list type="list">'
                '<item type="ReadAttributeRecord"><attribute_id',
            ),
        ),
        suffix="</item></record_list></read_attributes>",
    ),
]

# The alias example needs a stored alias named NAME that stands for a whole request.
_EXAMPLE_ALIASES = {"NAME": '<get_time synchronous="TRUE"/>'}


@pytest.mark.parametrize("example", REFERENCE_EXAMPLES, ids=lambda e: e.section)
def test_reference_example_parses(example: Example) -> None:
    example.check(parse_envelope(example.document(), aliases=_EXAMPLE_ALIASES))


@pytest.mark.parametrize("example", REFERENCE_EXAMPLES, ids=lambda e: e.section)
def test_reference_example_with_trailing_bytes(example: Example) -> None:
    """Trailing whitespace is harmless; anything else after the document is not XML."""
    document = example.document()
    example.check(parse_envelope(document + b"\r\n \t", aliases=_EXAMPLE_ALIASES))
    assert _error_of(document + b"<x/>").error_id == 1
    assert _error_of(document + b"junk").error_id == 1


@pytest.mark.parametrize("example", REFERENCE_EXAMPLES, ids=lambda e: e.section)
def test_reference_example_every_truncation_is_not_valid_xml(example: Example) -> None:
    document = example.document()
    for cut in range(len(document)):
        if document[:cut].strip() == document.strip():
            continue
        assert _error_of(document[:cut]).error_id == 1, document[:cut]


def test_add_alias_example_then_used() -> None:
    """§3.2/§2.5: the stored fragment replaces ``<NAME type="alias"/>`` (the example's ``…`` is
    the reference eliding further items; a literal ``…`` between list items is refused)."""
    stored = _only_call(parse_envelope(ADD_ALIAS.encode())).params
    aliases = {name: value.text for name, value in stored.items() if isinstance(value, XmlFragment)}
    request = (
        '<read_attributes><THERMOSTAT_ADDRESS_ALIAS type="alias"/>'
        '<server_or_client type="int">0</server_or_client></read_attributes>'
    )
    assert _params(request, aliases=aliases) == {
        "destination_address": MAC(0x1122334455667788),
        "destination_endpoint_id": 0x10,
        "server_or_client": 0,
    }
    (call,) = parse_envelope(
        b'<read_attributes><ATTRIBUTE_ALIAS type="alias"/></read_attributes>', aliases=aliases
    ).calls
    assert isinstance(call, InvalidCall)
    assert isinstance(call.error, InvalidValueError)
    aliases["ATTRIBUTE_ALIAS"] = aliases["ATTRIBUTE_ALIAS"].replace("…", "")
    assert _params(
        '<read_attributes><ATTRIBUTE_ALIAS type="alias"/></read_attributes>', aliases=aliases
    ) == {
        "cluster_id": 0x1234,
        "record_list": [Record("ReadAttributeRecord", {"attribute_id": 0})],
    }


def test_alias_is_expanded_at_definition_time() -> None:
    """§3.2: aliases used inside a new alias are expanded when it is defined."""
    old = {"ADDR": '<destination_address type="MAC">11:22:33:44:55:66:77:88</destination_address>'}
    call = _only_call(
        parse_envelope(
            b'<add_alias><BOTH type="xml"><ADDR type="alias"/><x>1</x></BOTH></add_alias>',
            aliases=old,
        )
    )
    assert call.params == {"BOTH": XmlFragment(old["ADDR"] + "<x>1</x>")}
    (failed,) = parse_envelope(
        b'<add_alias><BAD type="xml"><NOPE type="alias"/></BAD></add_alias>', aliases=old
    ).calls
    assert isinstance(failed, InvalidCall)
    assert isinstance(failed.error, UnknownAliasError)


def test_alias_standing_for_several_requests_and_items() -> None:
    aliases = {
        "TWO": "<get_version/><get_time/>",
        "ITEMS": '<item type="int">1</item><item type="int">2</item>',
        "FIELD": "<start_time>0</start_time>",
    }
    envelope = parse_envelope(
        b'<do_command target="RPC_request"><TWO type="alias"/><x><l type="list">'
        b'<ITEMS type="alias"/><item>3</item></l><r type="Rec"><FIELD type="alias"/></r></x>'
        b"</do_command>",
        aliases=aliases,
    )
    assert envelope.calls == (
        RpcCall("get_version", {}),
        RpcCall("get_time", {}),
        RpcCall("x", {"l": [1, 2, 3], "r": Record("Rec", {"start_time": 0})}),
    )


def test_unknown_alias_fails_only_its_call() -> None:
    envelope = parse_envelope(
        b'<do_command target="RPC_request"><get_time/><MISSING type="alias"/>'
        b'<get_version><P type="alias"/><request_identifier>9</request_identifier></get_version>'
        b"<exit/></do_command>"
    )
    first, missing, version, last = envelope.calls
    assert first == RpcCall("get_time", {})
    assert last == RpcCall("exit", {})
    assert isinstance(missing, InvalidCall)
    assert isinstance(missing.error, UnknownAliasError)
    assert "MISSING" in missing.error.hint
    assert isinstance(version, InvalidCall)
    assert version.name == "get_version"
    assert version.error.error_id == 2
    assert version.request_identifier == 9  # echoed even though the call failed


def test_stored_alias_that_is_not_xml_is_an_internal_error() -> None:
    (call,) = parse_envelope(b'<x><A type="alias"/></x>', aliases={"A": "<unclosed>"}).calls
    assert isinstance(call, InvalidCall)
    assert isinstance(call.error, InternalRpcError)
    assert call.error.error_id == 4


def test_alias_expansion_is_bounded() -> None:
    """A small request must not expand into a huge one through a large alias used many times."""
    aliases = {"BIG": "<item/>" * 50_000, "TEXT": f"<item>{'a' * 500_000}</item>"}
    request = b'<x><l type="list">' + b'<BIG type="alias"/>' * 100 + b"</l></x>"
    (call,) = parse_envelope(request, aliases=aliases).calls
    assert isinstance(call, InvalidCall)
    assert isinstance(call.error, RequestNotRecognizedError)
    assert "expand" in call.error.hint

    def definition(uses: int) -> bytes:
        return b'<add_alias><N type="xml">' + b'<TEXT type="alias"/>' * uses + b"</N></add_alias>"

    (call,) = parse_envelope(definition(100), aliases=aliases).calls
    assert isinstance(call, InvalidCall)
    assert "expand" in call.error.hint
    # below the budget, the same alias expands as often as it is used
    (call,) = parse_envelope(definition(5), aliases=aliases).calls
    assert isinstance(call, RpcCall)
    assert call.params == {"N": XmlFragment(aliases["TEXT"] * 5)}


# ------------------------------------------------------------------------ §2.4 parameter types


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # §2.4: "`TRUE` → bool, `1` → int, `1.0` → float"
        ("TRUE", True),
        ("1", 1),
        ("1.0", 1.0),
        ("FALSE", False),
        ("false", False),
        ("0x10", 0x10),  # §3.2 example: <destination_endpoint_id>0x10</…>
        ("0x1234", 0x1234),
        ("600", 600),  # §3.3 join_time
        ("0xFFFF", 0xFFFF),  # §3.3 channel_mask
        ("-0x8000", -0x8000),  # §4.3 defaults
        ("0005", 5),
        ("1e3", 1000.0),
        ("1.0 revision 15", "1.0 revision 15"),  # §3.1 SE_spec_version
        ("RPC_Manager.use_push", "RPC_Manager.use_push"),  # §3.1 registry name
        ("11:22:33:44:55:66:77:88", "11:22:33:44:55:66:77:88"),  # untyped MACs stay text
        ("", ""),
        ("  42\n", 42),
    ],
)
def test_untyped_rule(text: str, expected: Value) -> None:
    """§2.4: "Untyped text is converted trying bool, then int, then float"."""
    assert canon(convert_untyped(text)) == canon(expected)
    assert canon(_params(f"<x><p>{text}</p></x>")["p"]) == canon(expected)


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        ('<p type="string">TRUE</p>', "TRUE"),
        ('<p type="string">  spaced\n</p>', "  spaced\n"),
        ('<p type="bool">TRUE</p>', True),
        ('<p type="bool">FALSE</p>', False),
        ('<p type="int">0x133FDDDD</p>', 0x133FDDDD),  # §2.4
        ('<p type="int">0x0005</p>', 5),  # §4.2
        ('<p type="int">12345678</p>', 12345678),  # §4.4 ert_id
        ('<p type="float">1.0</p>', 1.0),
        ('<p type="none"/>', None),
        ('<p type="MAC">11:22:33:44:55:66:77:88</p>', MAC(0x1122334455667788)),
        ('<p type="MAC">00:00:00:00:00:00:FF:FF</p>', MAC(0xFFFF)),  # §2.5 broadcast
        (
            '<p type="base16">56777777777777777777777777777777</p>',  # §3.3 link_key
            Base16(bytes.fromhex("56777777777777777777777777777777")),
        ),
        ('<p type="base16">1234567890ABBA9E</p>', Base16(bytes.fromhex("1234567890ABBA9E"))),
        ('<p type="base64">AAEC</p>', Base64(b"\x00\x01\x02")),
        ('<p type="list"/>', []),
        (
            '<p type="dict"><endpoint_0x5E type="int">0x5E</endpoint_0x5E></p>',
            {"endpoint_0x5E": 0x5E},
        ),
        ('<p type="xml"><a>b</a> c</p>', XmlFragment("<a>b</a> c")),
    ],
)
def test_typed_values(element: str, expected: Value) -> None:
    assert canon(_params(f"<x>{element}</x>")["p"]) == canon(expected)


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        # whitespace inside elements
        ('<p type="int">\n   600\n</p>', 600),
        ('<p type="MAC"> 11:22:33:44:55:66:77:88 </p>', MAC(0x1122334455667788)),
        ('<p type="bool">\n TRUE \n</p>', True),
        ('<p type="base16">56 77 77 77\n 77 77</p>', Base16(bytes.fromhex("567777777777"))),
        ('<p type="base64">AAE</p>', Base64(b"\x00\x01")),
        ('<p type="list">\n  <item>1</item>\n  <item>2</item>\n</p>', [1, 2]),
        # type name case and spacing
        ('<p type="Int">0x10</p>', 0x10),
        ('<p type=" INT ">16</p>', 16),
        ('<p type="mac">11:22:33:44:55:66:77:88</p>', MAC(0x1122334455667788)),
        ('<p type="Bool">true</p>', True),
        ('<p type="LIST"><ITEM type="STRING">a</ITEM></p>', ["a"]),
        ('<p type="None">None</p>', None),
        # boolean case
        ('<p type="bool">True</p>', True),
        ('<p type="bool">fAlSe</p>', False),
        ("<p>true</p>", True),
        # MAC separators, case, XBee notation, 16-bit short addresses
        ('<p type="MAC">11-22-33-44-55-66-77-88</p>', MAC(0x1122334455667788)),
        ('<p type="MAC">000CC1002719C4BF</p>', MAC(0x000CC1002719C4BF)),
        ('<p type="MAC">0x000cc1002719c4bf</p>', MAC(0x000CC1002719C4BF)),
        ('<p type="MAC">[00:13:a2:00:40:0a:01:27]!</p>', MAC(0x0013A200400A0127)),
        ('<p type="MAC">0:13:a2:0:40:a:1:27</p>', MAC(0x0013A200400A0127)),
        ('<p type="MAC">00:13:A2:00:40:0A:01:27!</p>', MAC(0x0013A200400A0127)),
        ('<p type="MAC">12:34</p>', MAC.short(0x1234)),
        ('<p type="MAC">[1234]!</p>', MAC.short(0x1234)),
        ('<p type="MAC">e0bb</p>', MAC.short(0xE0BB)),
        # ints: decimal, hex in any case, sign
        ('<p type="int">0X1f</p>', 0x1F),
        ('<p type="int">-128</p>', -128),
        ('<p type="int">+7</p>', 7),
        # §3.3 link_key "int, base16 or base64": a 128-bit key untyped as 0x… is an int
        ("<p>0x56777777777777777777777777777777</p>", 0x56777777777777777777777777777777),
    ],
)
def test_lenient_input(element: str, expected: Value) -> None:
    assert canon(_params(f"<x>{element}</x>")["p"]) == canon(expected)


def test_lenient_envelope() -> None:
    """Attribute values of the envelope: target and synchronous in any case."""
    envelope = parse_envelope(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<rci_request version="1.1">\n'
        b'  <do_command target="rpc_request"><get_time synchronous="true"/>'
        b'<get_version synchronous=" False "/></do_command>\n'
        b'  <do_command target="Rpc_Response"><get_responses limit="0x0A"/></do_command>\n'
        b"</rci_request>"
    )
    assert envelope.commands == (
        RequestCommand(
            (
                RpcCall("get_time", {}, synchronous=True),
                RpcCall("get_version", {}, synchronous=False),
            )
        ),
        GetResponses(10),
    )


def test_other_encodings() -> None:
    latin1 = '<?xml version="1.0" encoding="ISO-8859-1"?><x><p type="string">caf\xe9</p></x>'
    assert _only_call(parse_envelope(latin1.encode("latin-1"))).params == {"p": "café"}
    utf16 = '<x><p type="string">café</p></x>'.encode("utf-16")
    assert _only_call(parse_envelope(utf16)).params == {"p": "café"}
    bom = b"\xef\xbb\xbf<x><p>1</p></x>"
    assert _only_call(parse_envelope(bom)).params == {"p": 1}


def test_request_identifier_is_taken_out_of_params() -> None:
    """§2.5: every request accepts request_identifier, any simple type; it is echoed, not passed."""
    call = _only_call(
        parse_envelope(
            b'<identify synchronous="TRUE"><source_endpoint_id>0x5E</source_endpoint_id>'
            b"<destination_endpoint_id>0xFF</destination_endpoint_id><identify_time>30</identify_time>"
            b'<request_identifier type="string">abc</request_identifier></identify>'
        )
    )
    assert call == RpcCall(
        "identify",
        {"source_endpoint_id": 0x5E, "destination_endpoint_id": 0xFF, "identify_time": 30},
        request_identifier="abc",
        synchronous=True,
    )


# ------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("request_xml", "error_type"),
    [
        ('<x><p type="int">zz</p></x>', InvalidValueError),
        ('<x><p type="int">1_000</p></x>', InvalidValueError),
        ('<x><p type="int">١٢</p></x>', InvalidValueError),  # non-ASCII digits
        ('<x><p type="bool">yes</p></x>', InvalidValueError),
        ('<x><p type="float">1,5</p></x>', InvalidValueError),
        ('<x><p type="MAC">11:22:33</p></x>', InvalidValueError),
        ('<x><p type="MAC">112233445566778899</p></x>', InvalidValueError),
        ('<x><p type="MAC">11:22:33:44:55:66:77:GG</p></x>', InvalidValueError),
        ('<x><p type="base16">ABC</p></x>', InvalidValueError),
        ('<x><p type="base64">A!==</p></x>', InvalidValueError),
        ('<x><p type="none">x</p></x>', InvalidValueError),
        ('<x><p type="int"><a/></p></x>', InvalidValueError),
        ('<x><p type="list"><a>1</a></p></x>', InvalidValueError),
        ('<x><p type="list">text<item>1</item></p></x>', InvalidValueError),
        ('<x><p type="dict"><a>1</a><a>2</a></p></x>', InvalidValueError),
        ("<x><p><a>1</a></p></x>", InvalidValueError),  # children but no type
        ("<x><p>1</p><p>2</p></x>", InvalidValueError),
        ("<x>stray<p>1</p></x>", InvalidValueError),
        ("<x><p>1</p>stray</x>", InvalidValueError),
        ('<x synchronous="maybe"/>', InvalidValueError),
        ('<x><A type="alias">content</A></x>', InvalidValueError),
        ('<x><A type="alias"/></x>', UnknownAliasError),
    ],
)
def test_bad_call_is_reported_and_does_not_spoil_the_others(
    request_xml: str, error_type: type[RpcXmlError]
) -> None:
    document = f"<get_time/>{request_xml}<get_version/>"
    envelope = parse_envelope(f'<do_command target="RPC_request">{document}</do_command>'.encode())
    first, bad, last = envelope.calls
    assert first == RpcCall("get_time", {})
    assert last == RpcCall("get_version", {})
    assert isinstance(bad, InvalidCall)
    assert bad.name == "x"
    assert type(bad.error) is error_type
    assert bad.error.error_id == 2
    assert bad.raw_element is not None
    assert bad.raw_element.tag == "x"


@pytest.mark.parametrize(
    ("document", "command"),
    [
        (
            b'<rci_request version="1.1"><query_setting/></rci_request>',
            InvalidCommand("query_setting", None, UnknownCommandError()),
        ),
        (
            b'<do_command target="file_system"><ls/></do_command>',
            InvalidCommand("do_command", "file_system", UnknownCommandError()),
        ),
        (
            b"<do_command><get_time/></do_command>",
            InvalidCommand("do_command", None, RequestNotRecognizedError()),
        ),
        (
            b'<do_command target="RPC_response"><get_time/></do_command>',
            InvalidCommand("do_command", "RPC_response", UnknownCommandError()),
        ),
        (
            b'<do_command target="RPC_response"><get_responses limit="ten"/></do_command>',
            InvalidCommand("do_command", "RPC_response", InvalidValueError()),
        ),
        (
            b'<do_command target="RPC_response"><get_responses limit="0"/></do_command>',
            InvalidCommand("do_command", "RPC_response", InvalidValueError()),
        ),
    ],
)
def test_bad_rci_command(document: bytes, command: InvalidCommand) -> None:
    (got,) = parse_envelope(document).commands
    assert isinstance(got, InvalidCommand)
    assert (got.command, got.target, type(got.error)) == (
        command.command,
        command.target,
        type(command.error),
    )


@pytest.mark.parametrize(
    ("document", "error_type"),
    [
        (b"<sci_request><update_firmware/></sci_request>", UnknownCommandError),
        (b"<sci_request/>", RequestNotRecognizedError),
        (
            b"<sci_request><send_message><targets/></send_message></sci_request>",
            RequestNotRecognizedError,
        ),
        (
            b"<sci_request><send_message><targets><device/></targets><rci_request/></send_message>"
            b"</sci_request>",
            RequestNotRecognizedError,
        ),
        (
            b'<sci_request><send_message><targets><group path="/x"/></targets><rci_request/>'
            b"</send_message></sci_request>",
            RequestNotRecognizedError,
        ),
    ],
)
def test_bad_sci_envelope(document: bytes, error_type: type[RpcXmlError]) -> None:
    assert type(_error_of(document)) is error_type


def test_error_descriptor_ids() -> None:
    """§2.1: id 1 "Request not valid XML", 2 "Request not recognized", 3 "Unknown command",
    4 "Internal error"."""
    table = {
        (cls.error_id, cls.description)
        for cls in (
            XmlSyntaxError,
            RequestNotRecognizedError,
            UnknownCommandError,
            InternalRpcError,
        )
    }
    assert table == {
        (1, "Request not valid XML"),
        (2, "Request not recognized"),
        (3, "Unknown command"),
        (4, "Internal error"),
    }
    assert XmlRefusedError.error_id == 1
    assert InvalidValueError.error_id == UnknownAliasError.error_id == 2


def test_render_error() -> None:
    element = _tree(render_error(InvalidValueError("<p>: not an int: 'zz'")))
    assert element.tag == "error"
    assert element.get("id") == "2"
    assert element.findtext("desc") == "Request not recognized"
    assert element.findtext("hint") == "<p>: not an int: 'zz'"
    assert render_error(UnknownCommandError()) == (
        '<error id="3"><desc>Unknown command</desc></error>'
    )
    # peer text that XML cannot carry is replaced, never emitted raw
    _tree(render_error(InvalidValueError("bad \x00 \ud800 char")))


# ------------------------------------------------------------------------ hostile input

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<create_message_event><record type="DisplayMessageRecord"><message type="string">&lol9;</message>
</record></create_message_event>"""


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(
            b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x><p>&xxe;</p></x>',
            id="external-entity",
        ),
        pytest.param(
            b'<!DOCTYPE x [<!ENTITY % pe SYSTEM "http://127.0.0.1:1/x.dtd"> %pe;]><x/>',
            id="parameter-entity",
        ),
        pytest.param(b'<!DOCTYPE x SYSTEM "http://127.0.0.1:1/x.dtd"><x/>', id="external-dtd"),
        pytest.param(b"<!DOCTYPE get_time><get_time/>", id="plain-doctype"),
        pytest.param(b'<?xml version="1.0"?>\n<!DOCTYPE x []>\n<x/>', id="empty-internal-subset"),
    ],
)
def test_doctype_is_refused(document: bytes) -> None:
    error = _error_of(document)
    assert type(error) is XmlRefusedError
    assert error.error_id == 1
    assert "DOCTYPE" in error.hint


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(b"<x><p>&xxe;</p></x>", id="undefined-entity"),
        pytest.param(b"<x><p type='string'>\xff\xfe</p></x>", id="invalid-utf8"),
        pytest.param(b"<x><p type='string'>\xc0\xaf</p></x>", id="overlong-utf8"),
        pytest.param(b"<x><p>&#0;</p></x>", id="nul-char-ref"),
        pytest.param(b"<x><p>\x01</p></x>", id="control-char"),
        pytest.param(b"", id="empty"),
        pytest.param(b"   ", id="blank"),
        pytest.param(b"get_time", id="not-xml"),
        pytest.param(b"<get_time>", id="unclosed"),
        pytest.param(b"<a></b>", id="mismatched"),
        pytest.param(b"<a/><b/>", id="two-roots"),
        pytest.param(b'<a x="1" x="2"/>', id="duplicate-attribute"),
    ],
)
def test_not_valid_xml(document: bytes) -> None:
    error = _error_of(document)
    assert isinstance(error, XmlSyntaxError)
    assert error.error_id == 1
    assert _tree(render_rci_reply(error)).find("error").get("id") == "1"  # type: ignore[union-attr]


def test_deep_nesting_is_refused_at_the_limit() -> None:
    def nested(depth: int) -> bytes:
        # request (1) > list parameter (2) > items … : `depth` elements in all
        return (
            b'<x><p type="list">'
            + b'<item type="list">' * (depth - 3)
            + b"<item>1</item>"
            + b"</item>" * (depth - 3)
            + b"</p></x>"
        )

    value = _only_call(parse_envelope(nested(MAX_DEPTH))).params["p"]
    for _ in range(MAX_DEPTH - 3):
        assert isinstance(value, list)
        (value,) = value
    assert value == [1]
    error = _error_of(nested(MAX_DEPTH + 1))
    assert type(error) is XmlRefusedError
    assert "deeper" in error.hint
    assert type(_error_of(b"<a>" * 200_000 + b"</a>" * 200_000)) is XmlRefusedError


def test_huge_input_is_refused_before_parsing() -> None:
    body = b"<x><p type='string'>" + b"a" * MAX_REQUEST_BYTES + b"</p></x>"
    error = _error_of(body)
    assert type(error) is XmlRefusedError
    assert str(MAX_REQUEST_BYTES) in error.hint
    # not even well-formed: the limit is checked before any parsing
    assert type(_error_of(b"<" * (MAX_REQUEST_BYTES + 1))) is XmlRefusedError
    # exactly at the limit is accepted
    filler = MAX_REQUEST_BYTES - len(b"<x><p type='string'></p></x>")
    at_limit = b"<x><p type='string'>" + b"a" * filler + b"</p></x>"
    assert _params(at_limit.decode())["p"] == "a" * filler


def test_input_must_be_bytes() -> None:
    with pytest.raises(TypeError):
        parse_envelope("<get_time/>")  # type: ignore[arg-type]


# ------------------------------------------------------------------------ rendering


def test_render_response_ints_in_hex_and_types_stated() -> None:
    """§2.4: "responses render ints as hex strings such as `0x1`, `0x133FDDDD`"; "Responses always
    state the type"."""
    text = render_response("x_response", {"a": 1, "b": 0x133FDDDD, "c": -0x8000, "d": 0})
    assert text == (
        '<x_response><a type="int">0x1</a><b type="int">0x133FDDDD</b>'
        '<c type="int">-0x8000</c><d type="int">0x0</d></x_response>'
    )


def test_render_registry_configuration_example() -> None:
    """§3.1: name RPC_Manager.use_push, value TRUE → response value type="bool" TRUE,
    write_status TRUE."""
    text = render_response(
        "registry_configuration_response",
        {"name": "RPC_Manager.use_push", "value": True, "write_status": True},
    )
    element = _tree(text)
    assert element.tag == "registry_configuration_response"
    assert [(c.tag, c.get("type"), c.text) for c in element] == [
        ("name", "string", "RPC_Manager.use_push"),
        ("value", "bool", "TRUE"),
        ("write_status", "bool", "TRUE"),
    ]


def test_render_read_attribute_status_record() -> None:
    """§4.2 ReadAttributeStatusRecord example: 0x5 / 0x0 / 0x2B / 0x12345678, in a list of items
    typed by record name (§4: "`<item type="Name">` inside lists")."""
    record = Record(
        "ReadAttributeStatusRecord",
        {"attribute_id": 5, "status": 0, "attribute_type": 0x2B, "value": 0x12345678},
    )
    text = render_value("record_list", [record])
    assert text == (
        '<record_list type="list"><item type="ReadAttributeStatusRecord">'
        '<attribute_id type="int">0x5</attribute_id><status type="int">0x0</status>'
        '<attribute_type type="int">0x2B</attribute_type><value type="int">0x12345678</value>'
        "</item></record_list>"
    )


def test_render_get_version_response() -> None:
    """§3.1 get_version: version string 1.3.0, version_extended dict with SE_spec_version
    "1.0 revision 15" and description (digi-se-devices.md §5.1)."""
    text = render_response(
        "get_version_response",
        {
            "version": "1.3.0",
            "version_extended": {
                "SE_spec_version": "1.0 revision 15",
                "description": "SE Framework with support for ESI and IPD functionality.",
            },
        },
    )
    element = _tree(text)
    assert element.find("version").get("type") == "string"  # type: ignore[union-attr]
    extended = element.find("version_extended")
    assert extended is not None
    assert extended.get("type") == "dict"
    assert extended.findtext("SE_spec_version") == "1.0 revision 15"


def test_devices_reference_values() -> None:
    """digi-se-devices.md: §3.4 the join message text (with its angle brackets), severity 0x1;
    §5.4 devices.ini sample EUI64 00:11:22:33:44:55:66:77; §2.4 ERT gas-meter example."""
    description = "ZDO_Device_Manager - Device <EUI64> detected and marked as active"
    text = render_response("message", {"description": description, "severity": 1})
    element = _tree(text)
    assert element.findtext("description") == description
    assert element.findtext("severity") == "0x1"
    assert str(MAC.parse("00:11:22:33:44:55:66:77")) == "00:11:22:33:44:55:66:77"
    ert = Record(
        "ERTConfigurationRecord",
        {
            "ert_type": 12,
            "ert_id": 12345678,
            "unit_of_measure": 0x2,
            "divisor": 0x1,
            "summation_formatting": 0xB0,
            "multiplier": 0x2,
        },
    )
    values = {c.tag: c.text for c in _tree(render_value("record", ert))}
    assert values == {
        "ert_type": "0xC",
        "ert_id": "0xBC614E",
        "unit_of_measure": "0x2",
        "divisor": "0x1",
        "summation_formatting": "0xB0",
        "multiplier": "0x2",
    }


def test_render_sync_reply_shape_and_timestamps() -> None:
    """§2.1: clients read synchronous replies at
    ``rci_reply/do_command/responses/<name>_response/...``; §2.3: ``<responses remaining="N"
    timestamp="…">``, each response carrying ``timestamp`` as float seconds ("1234567889.0")."""
    reply = render_rci_reply(
        [
            CommandReply(
                items=[
                    Response("get_time_response", {"UTC_1970": 1234567889}, timestamp=1234567889)
                ],
                remaining=3,
                timestamp=1234567889.5,
            )
        ]
    )
    root = _tree(reply)
    assert (root.tag, root.get("version")) == ("rci_reply", "1.1")
    assert root.find("do_command").get("target") == "RPC_request"  # type: ignore[union-attr]
    responses = root.find("do_command/responses")
    assert responses is not None
    assert responses.attrib == {"remaining": "3", "timestamp": "1234567889.5"}
    response = responses.find("get_time_response")
    assert response is not None
    assert response.get("timestamp") == "1234567889.0"
    assert response.findtext("UTC_1970") == "0x499602D1"


def test_render_get_responses_reply() -> None:
    """§2.3: oldest first, as given; ``remaining`` counts what is still buffered."""
    items: list[ReplyItem] = [
        Response("message", {"severity": 1, "description": "first"}, timestamp=1.0),
        ErrorResponse("get_time_response", UnknownCommandError("nope"), timestamp=2.0),
        Response("get_version_response", {"version": "1.3.0"}, timestamp=3.0),
    ]
    root = _tree(render_rci_reply([CommandReply("RPC_response", items, 0, 4.0)]))
    assert root.find("do_command").get("target") == "RPC_response"  # type: ignore[union-attr]
    responses = root.find("do_command/responses")
    assert responses is not None
    assert [(c.tag, c.get("timestamp")) for c in responses] == [
        ("message", "1.0"),
        ("get_time_response", "2.0"),
        ("get_version_response", "3.0"),
    ]
    assert responses[1].find("error").get("id") == "3"  # type: ignore[union-attr]
    assert render_responses([], remaining=0) == '<responses remaining="0"/>'


def test_render_sci_reply() -> None:
    """§2.1: ``sci_reply/send_message/device[@id]/rci_reply/...``; a ``device/error[@id]`` element
    is a per-device failure."""
    reply = render_sci_reply(
        {
            "00000000-00000000-001122FF-FF334455": [
                CommandReply(items=[Response("get_version_response", {"version": "1.3.0"})])
            ],
            "00000000-00000000-00409DFF-FF000000": InternalRpcError("device not connected"),
        }
    )
    root = _tree(reply)
    assert (root.tag, root.get("version")) == ("sci_reply", "1.0")
    first, second = root.findall("send_message/device")
    assert first.get("id") == "00000000-00000000-001122FF-FF334455"
    assert first.findtext("rci_reply/do_command/responses/get_version_response/version") == "1.3.0"
    assert second.find("error").get("id") == "4"  # type: ignore[union-attr]


def test_render_rci_level_and_command_level_errors() -> None:
    assert render_rci_reply(XmlSyntaxError("no element found")) == (
        '<rci_reply version="1.1"><error id="1"><desc>Request not valid XML</desc>'
        "<hint>no element found</hint></error></rci_reply>"
    )
    reply = render_rci_reply(
        [CommandReply(command="query_setting", target=None, error=UnknownCommandError())]
    )
    assert reply == (
        '<rci_reply version="1.1"><query_setting><error id="3"><desc>Unknown command</desc>'
        "</error></query_setting></rci_reply>"
    )


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("1bad", 1, ValueError),
        ("has space", 1, ValueError),
        ("p", "nul \x00 char", ValueError),
        ("p", "\ufffe", ValueError),
        ("p", Record("list", {}), ValueError),
        ("p", Record(" Padded", {}), ValueError),
        ("p", Record("", {}), ValueError),
        ("p", AliasRef("other"), ValueError),
        ("p", XmlFragment("<unclosed>"), ValueError),
        ("p", XmlFragment("</xml><xml>"), ValueError),
        ("p", object(), TypeError),
        ("p", {"bad key": 1}, ValueError),
    ],
)
def test_render_refuses_what_it_cannot_emit_exactly(
    name: str, value: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        render_value(name, value)  # type: ignore[arg-type]


def test_render_escapes_text() -> None:
    text = render_value("p", "a<b>&c]]>\r\n\t ")
    assert text == '<p type="string">a&lt;b&gt;&amp;c]]&gt;&#13;\n\t </p>'
    assert _tree(text).text == "a<b>&c]]>\r\n\t "


def test_render_empty_values() -> None:
    assert render_value("p", None) == '<p type="none"/>'
    assert render_value("p", "") == '<p type="string"/>'
    assert render_value("p", []) == '<p type="list"/>'
    assert render_value("p", {}) == '<p type="dict"/>'
    assert render_value("p", b"") == '<p type="base16"/>'
    assert render_value("p", Record("Rec", {})) == '<p type="Rec"/>'
    assert render_request("get_time", {}) == "<get_time/>"
    assert render_response("get_time_response", {}, timestamp=5) == (
        '<get_time_response timestamp="5.0"/>'
    )


def test_render_request_as_clients_write_it() -> None:
    text = render_request(
        "add_device",
        {
            "device_address": MAC(0x000CC1002719C4BF),
            "join_time": 900,
            "link_key": Base16(b"\x56" * 16),
        },
        synchronous=True,
        request_identifier=7,
    )
    assert text == (
        '<add_device synchronous="TRUE"><device_address type="MAC">00:0C:C1:00:27:19:C4:BF'
        '</device_address><join_time type="int">0x384</join_time><link_key type="base16">'
        + "56" * 16
        + '</link_key><request_identifier type="int">0x7</request_identifier></add_device>'
    )


# ------------------------------------------------------------------------ round trips


@given(names.filter(lambda n: n != "request_identifier"), values())
def test_value_round_trip_through_a_request(name: str, value: Value) -> None:
    params = _params(render_request("x", {name: value}))
    assert list(params) == [name]
    assert canon(params[name]) == canon(value)


@given(st.dictionaries(names.filter(lambda n: n != "request_identifier"), values(6), max_size=3))
def test_response_round_trip(params: dict[str, Value]) -> None:
    text = render_response("x_response", params, timestamp=1234567889.0)
    call = _only_call(parse_envelope(text.encode()))  # unknown attributes (timestamp) are ignored
    assert canon(call.params) == canon(params)


@given(
    st.dictionaries(names.filter(lambda n: n != "request_identifier"), values(6), max_size=3),
    st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.integers(), names),
)
def test_request_round_trip_in_an_sci_envelope(
    params: dict[str, Value], synchronous: bool | None, request_identifier: Value
) -> None:
    request = render_request(
        "x", params, synchronous=synchronous, request_identifier=request_identifier
    )
    document = (
        '<sci_request version="1.0"><send_message><targets><device id="d1"/><device id="d2"/>'
        f'</targets><rci_request version="1.1"><do_command target="RPC_request">{request}{request}'
        "</do_command></rci_request></send_message></sci_request>"
    )
    envelope = parse_envelope(document.encode())
    assert envelope.device_ids == ("d1", "d2")
    for call in envelope.calls:
        assert isinstance(call, RpcCall)
        assert canon(call.params) == canon(params)
        assert call.synchronous is synchronous
        assert canon(call.request_identifier) == canon(request_identifier)


@given(names.filter(lambda n: n != "request_identifier"), values(), names)
def test_alias_round_trip(name: str, value: Value, alias: str) -> None:
    """A request written with an AliasRef parses to the values the alias stands for."""
    stored = render_value(name, value)
    request = render_request("x", {alias: AliasRef(alias)})
    params = _params(request, aliases={alias: stored})
    assert canon(params) == canon({name: value})
    # defining an alias through add_alias stores exactly that content
    definition = render_request("add_alias", {alias: XmlFragment(stored)})
    assert _params(definition) == {alias: XmlFragment(stored)}


@given(st.integers())
def test_int_text_round_trip(number: int) -> None:
    assert parse_int(format_int(number)) == number
    assert parse_int(str(number)) == number
    assert convert_untyped(format_int(number)) == number


@given(st.integers(0, 2**64 - 1), st.sampled_from([":", "-", ""]), st.booleans())
def test_mac_lenient_forms(value: int, separator: str, lower: bool) -> None:
    mac = MAC(value)
    text = separator.join(f"{b:02X}" for b in value.to_bytes(8, "big"))
    text = text.lower() if lower else text
    assert MAC.parse(text) == mac
    assert MAC.parse(f"[{text}]!") == mac
    assert MAC.parse(str(mac)) == mac
    assert str(mac).count(":") == 7


def test_mac_value_checks() -> None:
    with pytest.raises(ValueError, match="fit"):
        MAC(1 << 64)
    with pytest.raises(ValueError, match="fit"):
        MAC.short(0x10000)
    with pytest.raises(ValueError, match="width"):
        MAC(1, 32)  # type: ignore[arg-type]
    assert MAC.short(0x1234) != MAC(0x1234)
    assert str(MAC.short(0x1234)) == "12:34"
    assert MAC(0x1122334455667788).to_bytes() == bytes.fromhex("1122334455667788")
    assert len({MAC(1), MAC(1), MAC.short(1)}) == 2


def test_record_type_names_never_collide_with_builtins() -> None:
    for name in BUILTIN_TYPE_NAMES:
        with pytest.raises(ValueError, match="record type"):
            render_value("p", Record(name.upper(), {}))


@pytest.mark.parametrize("declared", [b"UF-16", b"UTF-16"])
def test_an_unknown_or_unsupported_declared_encoding_is_a_syntax_error(declared: bytes) -> None:
    """Found by the fuzz test: expat raises LookupError / ValueError (not ExpatError) for an
    encoding it cannot use; the request still gets RCI error 1, "Request not valid XML"."""
    data = b'<?xml version="1.0" encoding="' + declared + b'"?><get_time/>'
    with pytest.raises(XmlSyntaxError) as refused:
        parse_envelope(data)
    assert refused.value.error_id == 1
