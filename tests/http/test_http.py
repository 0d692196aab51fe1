"""The HTTP API (issue 5 §4) on a gateway on the simulated network, through httpx's ASGI transport
(no sockets); the network's clock is paced on the test's loop, many times faster than real time.

Expected XML comes from digi-se-rpc.md (§2.1 skeleton, §2.3 get_responses, §2.4 record, §3.3).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from segateway.http import RpcBridge, create_app, device_id_of

from ..rpc.rpckit import METER, Rig
from ..rpc.test_xml_codec import SKELETON
from .clock import paced

TOKEN = "test-token"  # noqa: S105 - a test value
BEARER = {"Authorization": f"Bearer {TOKEN}"}
REFERENCE_DEVICE = "00000000-00000000-001122FF-FF334455"
RCI_OF_SKELETON = SKELETON[SKELETON.index("<rci_request") : SKELETON.index("</rci_request>") + 14]


class Served:
    def __init__(self, rig: Rig, client: httpx.AsyncClient, bridge: RpcBridge) -> None:
        self.rig, self.client, self.bridge = rig, client, bridge


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    rig = Rig()
    rig.add_meter()
    rig.gateway.responses.get_responses()  # start from an empty queue
    bridge = RpcBridge(rig.dispatcher)
    app = create_app(bridge, TOKEN)
    transport = httpx.ASGITransport(app=app)
    async with (
        paced(rig.home.sim, 200.0),
        httpx.AsyncClient(transport=transport, base_url="http://gateway") as client,
    ):
        yield Served(rig, client, bridge)


async def test_requests_without_the_token_are_refused(served: Served) -> None:
    """Issue 5: "Requests without the token are refused." (health stays open)."""
    client = served.client
    for method, path in (("POST", "/UE/rci"), ("POST", "/rpc"), ("GET", "/rpc/responses")):
        assert (await client.request(method, path)).status_code == 401
        wrong = {"Authorization": "Bearer not-the-token"}
        assert (await client.request(method, path, headers=wrong)).status_code == 401
    assert (await client.get("/openapi.json")).status_code == 401
    assert (await client.get("/health")).status_code == 200


async def test_bearer_and_basic_with_any_user_are_accepted(served: Served) -> None:
    """Issue 5: the token as a Bearer token or as the password of HTTP Basic authentication."""
    basic = base64.b64encode(f"anyone:{TOKEN}".encode()).decode()
    body = b'<get_time synchronous="TRUE"/>'
    for headers in (BEARER, {"Authorization": f"Basic {basic}"}):
        reply = await served.client.post("/UE/rci", content=body, headers=headers)
        assert reply.status_code == 200
        assert "<get_time_response" in reply.text


async def test_rci_skeleton_answers_synchronous_and_queues_the_rest(served: Served) -> None:
    """§2.3: synchronous="TRUE" puts the response in the reply; the default caches it until
    <do_command target="RPC_response"><get_responses/></do_command> fetches it."""
    reply = await served.client.post("/UE/rci", content=RCI_OF_SKELETON, headers=BEARER)
    assert reply.status_code == 200
    assert reply.text.startswith('<rci_reply version="1.1"><do_command target="RPC_request">')
    assert "<get_time_response" in reply.text
    assert "<get_version_response" not in reply.text
    fetch = '<do_command target="RPC_response"><get_responses/></do_command>'
    fetched = await served.client.post("/UE/rci", content=fetch, headers=BEARER)
    assert '<do_command target="RPC_response"><responses remaining="0"' in fetched.text
    assert "<get_version_response" in fetched.text


async def test_sci_answers_for_this_gateway_and_an_error_for_another(served: Served) -> None:
    """§2.1: targets name device ids; another device gets a per-device <error>."""
    ours = device_id_of(served.rig.gateway.ieee)
    document = SKELETON.replace(
        f'<device id="{REFERENCE_DEVICE}"/>',
        f'<device id="{ours}"/><device id="{REFERENCE_DEVICE}"/>',
    )
    reply = await served.client.post("/ws/sci", content=document, headers=BEARER)
    assert reply.status_code == 200
    text = reply.text
    assert text.startswith('<sci_reply version="1.0"><send_message>')
    assert f'<device id="{ours}"><rci_reply version="1.1">' in text
    assert "<get_time_response" in text
    assert f'<device id="{REFERENCE_DEVICE}"><error id="2">' in text
    bare = await served.client.post("/ws/sci", content=b"<get_time/>", headers=BEARER)
    assert bare.status_code == 400


async def test_add_device_get_device_information_and_a_drlc_event(served: Served) -> None:
    """The reference's requests unchanged: add_device, get_device_information (§3.3), and
    create_DRLC_event with the §2.4 record, synchronous."""
    add = (
        '<add_device synchronous="TRUE"><device_address type="MAC">11:22:33:44:55:66:77:88'
        '</device_address><link_key type="base16">000102030405060708090A0B0C0D0E0F</link_key>'
        "</add_device>"
    )
    reply = await served.client.post("/UE/rci", content=add, headers=BEARER)
    assert "<add_device_response" in reply.text, reply.text
    info = '<get_device_information synchronous="TRUE"/>'
    reply = await served.client.post("/UE/rci", content=info, headers=BEARER)
    assert "00:12:4B:00:00:A1:B2:C3" in reply.text  # the meter
    assert "11:22:33:44:55:66:77:88" in reply.text
    drlc = (
        '<create_DRLC_event synchronous="TRUE"><record type="LoadControlEventRecord">'
        "<issuer_event_id>1</issuer_event_id><duration_in_minutes>30</duration_in_minutes>"
        "</record></create_DRLC_event>"
    )
    reply = await served.client.post("/UE/rci", content=drlc, headers=BEARER)
    assert "<create_DRLC_event_response" in reply.text, reply.text
    assert '<status type="int">0x0</status>' in reply.text
    unknown = await served.client.post("/UE/rci", content=b"<no_such/>", headers=BEARER)
    assert "<no_such_response" in unknown.text
    assert '<error id="3">' in unknown.text
    broken = await served.client.post("/UE/rci", content=b"<get_time", headers=BEARER)
    assert broken.status_code == 400
    assert '<error id="1">' in broken.text


async def test_json_rpc_and_responses(served: Served) -> None:
    client = served.client
    reply = await client.post("/rpc", json={"method": "get_time"}, headers=BEARER)
    assert reply.status_code == 200
    assert reply.json()["response"] == "get_time_response"
    queued = await client.post(
        "/rpc",
        json={"method": "get_version", "synchronous": False, "request_identifier": 7},
        headers=BEARER,
    )
    assert queued.status_code == 202
    fetched = (await client.get("/rpc/responses?limit=10", headers=BEARER)).json()
    assert fetched["remaining"] == 0
    versions = [r for r in fetched["responses"] if r["response"] == "get_version_response"]
    assert versions[0]["request_identifier"] == 7
    bad = await client.post("/rpc", json={"method": "no_such"}, headers=BEARER)
    assert bad.status_code == 404
    assert bad.json()["error"]["code"] == 3
    wrong = await client.post(
        "/rpc",
        json={"method": "get_metering_reading", "params": {"refresh": "maybe"}},
        headers=BEARER,
    )
    assert wrong.status_code == 400
    meter = f"{METER:016X}"
    reading = await client.post(
        "/rpc",
        json={"method": "get_metering_reading", "params": {"destination_address": meter}},
        headers=BEARER,
    )
    assert reading.status_code == 200, reading.text


async def test_the_event_stream_delivers_an_asynchronous_response(served: Served) -> None:
    client = served.client
    stream = asyncio.get_running_loop().create_task(
        client.get("/events?count=1", headers=BEARER), name="sse"
    )
    for _ in range(200):
        if served.bridge.stream_count:
            break
        await asyncio.sleep(0.01)
    assert served.bridge.stream_count == 1
    assert (await client.get("/health")).json()["event_streams"] == 1
    await client.post("/rpc", json={"method": "get_version", "synchronous": False}, headers=BEARER)
    reply = await asyncio.wait_for(stream, 10)
    assert reply.headers["content-type"].startswith("text/event-stream")
    events = [block for block in reply.text.split("\n\n") if block.startswith("id:")]
    assert len(events) == 1
    lines = dict(line.split(": ", 1) for line in events[0].splitlines())
    assert lines["event"] == "get_version_response"
    assert json.loads(lines["data"])["response"] == "get_version_response"
    assert served.bridge.stream_count == 0


async def test_health_and_openapi(served: Served) -> None:
    health = (await served.client.get("/health")).json()
    assert health["status"] == "ok"
    document = (await served.client.get("/openapi.json", headers=BEARER)).json()
    assert document["openapi"].startswith("3.1")
    for path in ("/rpc", "/rpc/responses", "/UE/rci", "/ws/sci", "/events", "/health"):
        assert path in document["paths"]
