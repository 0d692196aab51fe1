"""Issue 5: "Bad input: malformed XML, entity-expansion bombs, external entities, wrong types,
unknown methods, missing required parameters, oversized bodies → a clear error in the reference's
style and no change of state … Requests without the token are refused."

Each bad request goes over HTTP (httpx's ASGI transport) to a gateway on the simulated network;
the reply must carry the RCI error of digi-se-rpc.md §2.1 (``<error id="N"><desc>…</desc>``: 1
"Request not valid XML", 2 "Request not recognized", 3 "Unknown command") or its JSON form, and
the store and the response queue must be exactly as before.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from segateway.http import device_id_of
from segateway.rpc.json_codec import MAX_JSON_BYTES
from segateway.rpc.xml_codec import MAX_REQUEST_BYTES

from .test_http import BEARER, REFERENCE_DEVICE, Served, served

__all__ = ["served"]  # the fixture, shared with test_http

NOT_XML = '<error id="1"><desc>Request not valid XML</desc>'
NOT_RECOGNIZED = '<error id="2"><desc>Request not recognized</desc>'
UNKNOWN = '<error id="3"><desc>Unknown command</desc>'
KEY = "000102030405060708090A0B0C0D0E0F"
NEW_DEVICE = "11:22:33:44:55:66:77:88"


def snapshot(served: Served) -> dict[str, Any]:
    """Everything a request could change: the store's events, devices, settings and keys, and
    the length of the response queue (read without draining it)."""
    store = served.rig.store
    return {
        "events": {
            kind: [(e.endpoint, e.event_id, e.seq, e.data) for e in store.events(kind)]
            for kind in ("price", "drlc", "message", *store.event_kinds())
        },
        "devices": store.devices(),
        "settings": store.settings(),
        "keys": store.keys(),
        "queued": len(served.rig.gateway.responses),
    }


def add_device(link_key: str = KEY, key_type: str = "base16") -> bytes:
    return (
        f'<add_device synchronous="TRUE"><device_address type="MAC">{NEW_DEVICE}</device_address>'
        f'<link_key type="{key_type}">{link_key}</link_key></add_device>'
    ).encode()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]><get_time>&lol9;</get_time>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE get_time [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<get_time>&xxe;</get_time>"
)
PARAMETER_ENTITY = b'<!DOCTYPE x [<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;]><get_time/>'

# (name, body, HTTP status, expected error text in the rci_reply)
XML_CASES = [
    ("malformed", b'<add_device synchronous="TRUE"><device_address>', 400, NOT_XML),
    ("mismatched tags", b"<get_time></get_version>", 400, NOT_XML),
    ("billion laughs", BILLION_LAUGHS, 400, NOT_XML + "<hint>DOCTYPE declarations"),
    ("external entity", EXTERNAL_ENTITY, 400, NOT_XML + "<hint>DOCTYPE declarations"),
    ("parameter entity", PARAMETER_ENTITY, 400, NOT_XML + "<hint>DOCTYPE declarations"),
    ("bare DOCTYPE", b"<!DOCTYPE get_time><get_time/>", 400, NOT_XML),
    ("invalid UTF-8", b"<get_time>\xff\xfe</get_time>", 400, NOT_XML),
    ("undeclared entity", b"<get_time>&nope;</get_time>", 400, NOT_XML),
    ("two documents", b"<get_time/><get_time/>", 400, NOT_XML),
    ("wrong type: key not hex", add_device("not-hex-at-all!!"), 200, NOT_RECOGNIZED),
    (
        "wrong type: address",
        add_device().replace(NEW_DEVICE.encode(), b"banana"),
        200,
        NOT_RECOGNIZED,
    ),
    ("unknown method", b'<no_such_method synchronous="TRUE"/>', 200, UNKNOWN),
    (
        "missing required parameter",
        add_device().replace(
            f'<device_address type="MAC">{NEW_DEVICE}</device_address>'.encode(), b""
        ),
        200,
        NOT_RECOGNIZED + "<hint>add_device: parameter 'device_address' is required",
    ),
    (
        "unknown do_command target",
        b'<do_command target="no_such_target"><get_time/></do_command>',
        200,
        UNKNOWN,
    ),
]


@pytest.mark.parametrize(
    ("body", "status", "error"), [c[1:] for c in XML_CASES], ids=[c[0] for c in XML_CASES]
)
async def test_bad_xml_gets_an_rci_error_and_changes_nothing(
    served: Served, body: bytes, status: int, error: str
) -> None:
    """§2.1 error ids for each kind of bad XML request; the store and the queue are untouched."""
    before = snapshot(served)
    reply = await served.client.post("/UE/rci", content=body, headers=BEARER)
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith("text/xml")
    assert reply.text.startswith('<rci_reply version="1.1">')
    assert error in reply.text, reply.text
    assert "root:" not in reply.text  # nothing of /etc/passwd
    assert snapshot(served) == before


JSON_CASES = [
    ("not JSON", b"{bad", 400, 1, "not JSON"),
    ("invalid UTF-8", b'{"method": "get_time\xff"}', 400, 1, ""),
    ("not an object", b"[1, 2]", 400, 1, ""),
    ("method not a string", b'{"method": 7}', 400, 1, ""),
    (
        "unknown method",
        b'{"method": "no_such_method"}',
        404,
        3,
        "no request named 'no_such_method'",
    ),
    (
        "missing required parameter",
        json.dumps({"method": "add_device", "params": {"link_key": KEY}}).encode(),
        400,
        2,
        "add_device: parameter 'device_address' is required",
    ),
    (
        "wrong type: address a list",
        json.dumps(
            {"method": "add_device", "params": {"device_address": [7], "link_key": KEY}}
        ).encode(),
        400,
        2,
        "device_address",
    ),
    (
        "wrong type: params a list",
        json.dumps({"method": "add_device", "params": [NEW_DEVICE, KEY]}).encode(),
        400,
        None,
        "",
    ),
    (
        "unknown parameter",
        json.dumps({"method": "get_time", "params": {"bogus": 1}}).encode(),
        400,
        2,
        "bogus",
    ),
]


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [c[1:] for c in JSON_CASES],
    ids=[c[0] for c in JSON_CASES],
)
async def test_bad_json_gets_an_error_object_and_changes_nothing(
    served: Served, body: bytes, status: int, code: int | None, message: str
) -> None:
    """The JSON form of the same errors: ``{"error": {"code", "reason", "message"}}``."""
    before = snapshot(served)
    reply = await served.client.post("/rpc", content=body, headers=BEARER)
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert set(error) >= {"code", "reason", "message"}
    if code is not None:
        assert error["code"] == code, error
    assert message in error["message"], error
    assert snapshot(served) == before


async def test_oversized_bodies_are_refused_with_413_and_change_nothing(served: Served) -> None:
    """Bodies beyond the 1 MiB limit: 413 with the error in the path's own form."""
    before = snapshot(served)
    padding = b"x" * MAX_REQUEST_BYTES
    for path in ("/UE/rci", "/ws/sci"):
        reply = await served.client.post(
            path, content=b"<get_time>" + padding + b"</get_time>", headers=BEARER
        )
        assert reply.status_code == 413
        assert reply.text.startswith('<rci_reply version="1.1">' + NOT_XML), reply.text
        assert f"{MAX_REQUEST_BYTES} bytes" in reply.text
    body = json.dumps({"method": "get_time", "params": {}}).encode() + b" " * MAX_JSON_BYTES
    reply = await served.client.post("/rpc", content=body, headers=BEARER)
    assert reply.status_code == 413
    assert reply.json()["error"]["code"] == 1
    assert snapshot(served) == before


async def test_a_state_changing_request_for_another_device_changes_nothing(served: Served) -> None:
    """§2.1: an SCI target that is not this gateway gets a per-device ``<error id="2">`` and
    the request does not run."""
    before = snapshot(served)
    text = add_device().decode()
    document = (
        '<sci_request version="1.0"><send_message><targets>'
        f'<device id="{REFERENCE_DEVICE}"/></targets><rci_request version="1.1">'
        f'<do_command target="RPC_request">{text}</do_command></rci_request>'
        "</send_message></sci_request>"
    )
    reply = await served.client.post("/ws/sci", content=document, headers=BEARER)
    assert reply.status_code == 200
    assert f'<device id="{REFERENCE_DEVICE}">{NOT_RECOGNIZED}' in reply.text
    assert device_id_of(served.rig.gateway.ieee) in reply.text  # names the right one
    assert "<add_device_response" not in reply.text
    assert snapshot(served) == before


async def test_the_same_add_device_well_formed_does_change_state(served: Served) -> None:
    """The control for the tests above: the snapshot does see a successful add_device."""
    before = snapshot(served)
    reply = await served.client.post("/UE/rci", content=add_device(), headers=BEARER)
    assert "<add_device_response" in reply.text
    assert "<error" not in reply.text, reply.text
    assert snapshot(served) != before


ROUTES = [
    ("POST", "/UE/rci"),
    ("POST", "/ws/sci"),
    ("POST", "/rpc"),
    ("GET", "/rpc/responses"),
    ("GET", "/events"),
    ("GET", "/openapi.json"),
]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-the-token", "Basic " + "YW55b25lOm5vdC10aGUtdG9rZW4=", "Bearer", "token"],
    ids=["none", "wrong bearer", "wrong basic", "empty bearer", "no scheme"],
)
async def test_every_route_but_health_refuses_requests_without_the_token(
    served: Served, authorization: str | None
) -> None:
    """Issue 5: "Requests without the token are refused." (401, nothing run, nothing changed)."""
    headers = {} if authorization is None else {"Authorization": authorization}
    before = snapshot(served)
    for method, path in ROUTES:
        reply = await served.client.request(method, path, content=add_device(), headers=headers)
        assert reply.status_code == 401, (method, path)
        assert "WWW-Authenticate" in reply.headers
        assert reply.json()["error"]["code"] == 401
    assert snapshot(served) == before
    assert (await served.client.get("/health", headers=headers)).status_code == 200
