"""The console's routes: the static app loads without the token, everything it calls wants it,
and ``/console/catalog.json`` describes exactly the catalog."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from segateway.console import STATIC_DIR, catalog_document
from segateway.http import RpcBridge, create_app
from segateway.rpc.catalog import CATALOG
from segateway.rpc.types import Kind

from ..rpc.rpckit import Rig

TOKEN = "console-token"  # noqa: S105 - a test value
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    rig = Rig()
    app = create_app(RpcBridge(rig.dispatcher), TOKEN)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as c:
        yield c


async def test_the_page_and_its_assets_load_without_the_token(client: httpx.AsyncClient) -> None:
    page = await client.get("/console/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'src="js/main.js"' in page.text
    script = await client.get("/console/js/main.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert (await client.get("/console/console.css")).status_code == 200
    redirect = await client.get("/console")
    assert redirect.status_code == 308
    assert redirect.headers["location"].endswith("/console/")


async def test_the_page_runs_only_its_own_code(client: httpx.AsyncClient) -> None:
    """Content-Security-Policy: scripts, styles and connections from the gateway only."""
    policy = (await client.get("/console/")).headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "unsafe" not in policy


async def test_no_asset_comes_from_elsewhere() -> None:
    """No CDN, no internet at run time: no asset names another origin."""
    for path in STATIC_DIR.rglob("*"):
        if path.suffix in {".html", ".js", ".css"}:
            text = path.read_text(encoding="utf-8")
            for marker in ("https://", "http://", "//cdn", "@import"):
                allowed = "http://www.w3.org/2000/svg" if marker == "http://" else None
                assert text.replace(allowed or "\0", "").count(marker) == 0, (path, marker)


async def test_the_api_the_console_calls_wants_the_token(client: httpx.AsyncClient) -> None:
    for path in ("/console/catalog.json", "/events", "/rpc/responses"):
        refused = await client.get(path)
        assert refused.status_code == 401, path
        assert (await client.get(path, params={"token": TOKEN})).status_code == 401, path
    assert (await client.post("/rpc", json={"method": "get_time"})).status_code == 401
    assert (await client.get("/console/catalog.json", headers=BEARER)).status_code == 200


async def test_the_static_files_stay_in_their_directory(client: httpx.AsyncClient) -> None:
    for path in ("/console/../token", "/console/..%2Fcatalog_json.py", "/console/%2e%2e/routes.py"):
        response = await client.get(path)
        assert response.status_code in (401, 404), path
        assert "def " not in response.text


async def test_catalog_json_describes_every_request_as_declared(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/console/catalog.json", headers=BEARER)).json()
    assert document == json.loads(json.dumps(catalog_document()))
    assert [r["name"] for r in document["requests"]] == list(CATALOG.requests)
    for entry in document["requests"]:
        spec = CATALOG.request(entry["name"])
        assert entry["doc"] == spec.doc
        assert entry["interface"] in document["interfaces"]
        assert entry["response"] == (spec.response.name if spec.response else None)
        assert [p["name"] for p in entry["params"]] == [p.name for p in spec.params]
        for param, declared in zip(entry["params"], spec.params, strict=True):
            assert param["required"] == declared.required
            assert param["doc"] == declared.doc
            assert param["type"]["kind"] == declared.type.kind.value
            assert param["type"]["label"] == declared.type.label
            if declared.type.kind is Kind.RECORD:
                assert param["type"]["record"] in document["records"]
    assert {a["name"] for a in document["answers"]} == set(CATALOG.answers)
    assert set(document["records"]) == set(CATALOG.records)


def test_catalog_json_carries_the_limits_and_defaults_forms_need() -> None:
    document = catalog_document()
    create = next(r for r in document["requests"] if r["name"] == "create_DRLC_event")
    record = create["params"][0]
    assert record["type"] == {"kind": "record", "label": str(record["type"]["label"]),
                              "record": "LoadControlEventRecord"}  # fmt: skip
    fields = {f["name"]: f for f in document["records"]["LoadControlEventRecord"]["fields"]}
    assert fields["issuer_event_id"]["required"] is True
    assert fields["device_class"]["default"] == 0x0FFF
    assert fields["cooling_temperature_set_point"]["default"] == -0x8000
    join = next(r for r in document["requests"] if r["name"] == "add_device")
    params = {p["name"]: p for p in join["params"]}
    assert params["join_time"]["type"]["low"] == 0
    assert params["join_time"]["type"]["high"] == 0xFFFF
    assert params["device_address"]["type"]["bits"] == 64
    assert [o["kind"] for o in params["link_key"]["type"]["options"]] == ["int", "base16"]
