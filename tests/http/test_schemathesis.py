"""Issue 5: "a schemathesis run against the OpenAPI description finds no server error".

Schemathesis generates requests from ``/openapi.json`` (valid ones and, in its negative mode,
ones that break the schema) for every operation; each is sent, authenticated, through httpx's ASGI
transport to a gateway on the simulated network, and the reply is checked with schemathesis's
``not_a_server_error`` (no 5xx). The gateway runs on an event loop of the test's own, with the
network's clock paced on it while a request is served (schemathesis's own ASGI client would run
the app on another thread's loop, away from the dispatcher's). The run is derandomized and
bounded: ``MAX_EXAMPLES`` per operation and mode (``RPC_EXAMPLES`` for ``POST /rpc``).

``GET /events`` is left out: its stream ends only after ``count`` responses were queued (or
never), which a generated request cannot promise; :mod:`tests.http.test_http` covers it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from segateway.http import RpcBridge, create_app

from ..rpc.rpckit import Rig
from .clock import paced
from .test_http import BEARER, TOKEN

MAX_EXAMPLES = 20
RPC_EXAMPLES = 200
"""``POST /rpc`` is one operation for every method of the catalog (a ``oneOf``): more examples."""
SKIPPED = {"GET /events"}
NOTHING_TO_BREAK = {"GET /health"}
"""No parameters and no body: schemathesis cannot make a request that breaks the schema."""


def _schema() -> Any:
    """The OpenAPI document exactly as the server serves it (authenticated ``/openapi.json``)."""

    async def fetch() -> Any:
        app = create_app(RpcBridge(Rig().dispatcher), TOKEN)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            reply = await client.get("/openapi.json", headers=BEARER)
            reply.raise_for_status()
            return reply.json()

    return schemathesis.openapi.from_dict(asyncio.run(fetch()))


SCHEMA = _schema()
OPERATIONS = [
    op for op in (result.ok() for result in SCHEMA.get_all_operations()) if op.label not in SKIPPED
]


class Gateway:
    """A gateway on the simulated network, served on ``loop`` (module doc)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.rig = Rig()
        self.rig.add_meter()
        self.app = create_app(RpcBridge(self.rig.dispatcher), TOKEN)
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://gateway"
        )

    async def _send(self, kwargs: dict[str, Any]) -> httpx.Response:
        async with paced(self.rig.home.sim, 200.0):
            return await self.client.request(
                kwargs["method"],
                kwargs["url"],
                params=kwargs.get("params"),
                headers=kwargs.get("headers"),
                json=kwargs.get("json"),
                content=kwargs.get("data"),
            )

    def send(self, case: schemathesis.Case) -> httpx.Response:
        kwargs = case.as_transport_kwargs(base_url="http://gateway", headers=BEARER)
        return self.loop.run_until_complete(asyncio.wait_for(self._send(kwargs), 30))


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    loop = asyncio.new_event_loop()
    try:
        gateway = Gateway(loop)
        yield gateway
        loop.run_until_complete(gateway.client.aclose())
    finally:
        loop.close()


def test_the_description_covers_the_json_and_xml_api() -> None:
    labels = {op.label for op in OPERATIONS}
    assert {"POST /rpc", "GET /rpc/responses", "POST /UE/rci", "POST /ws/sci"} <= labels


CASES = [
    pytest.param(op, mode, id=f"{op.label} {mode.value}")
    for op in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if not (mode is GenerationMode.NEGATIVE and op.label in NOTHING_TO_BREAK)
]


@pytest.mark.parametrize(("operation", "mode"), CASES)
def test_schemathesis_finds_no_server_error(
    gateway: Gateway, operation: Any, mode: GenerationMode
) -> None:
    """Issue 5: "a schemathesis run against the OpenAPI description finds no server error":
    requests that follow the schema (positive) and requests that break it (negative)."""

    @settings(
        max_examples=RPC_EXAMPLES if operation.label == "POST /rpc" else MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        response = gateway.send(case)
        case.validate_response(response, checks=[not_a_server_error])

    run()
