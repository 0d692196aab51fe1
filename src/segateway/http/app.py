"""The local HTTP server's ASGI application (Starlette).

=========================  =====================================================================
``POST /UE/rci``           an RCI request (``rci_request``, ``do_command`` or a bare request) →
                           ``rci_reply`` (the path Digi gateways serve RCI on locally)
``POST /ws/sci``           an SCI ``send_message`` naming this gateway's device id → ``sci_reply``
``POST /rpc``              a JSON request → its JSON response (202 when queued)
``GET /rpc/responses``     fetch queued asynchronous responses (``?limit=N``), oldest first
``GET /events``            Server-Sent Events: every asynchronous response as it is queued
                           (``?count=N`` ends the stream after N)
``GET /health``            liveness (no token needed)
``GET /openapi.json``      the OpenAPI description of the JSON API
``GET /console/``          the debug console (:mod:`segateway.console`): static files, no token;
                           ``/console/catalog.json`` (the catalog for its forms) wants the token
=========================  =====================================================================

Every path but ``/health`` and the console's static files wants the token
(:mod:`segateway.http.auth`); bodies are read up to the codecs' size limit and refused beyond it
(413).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import __version__
from ..console import console_routes
from ..rpc.json_codec import MAX_JSON_BYTES, dumps, encode_responses
from ..rpc.openapi import openapi_document
from ..rpc.xml_codec import MAX_REQUEST_BYTES, XmlRefusedError, render_rci_reply
from .auth import authorized
from .bridge import RpcBridge

__all__ = ["XML_MEDIA_TYPE", "create_app"]

XML_MEDIA_TYPE: Final = "text/xml; charset=utf-8"
_REALM: Final = 'Basic realm="segateway", charset="UTF-8"'

Endpoint = Callable[[Request], Awaitable[Response]]


class _TooLargeError(Exception):
    pass


async def _body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


def _json(document: Any, status: int = 200) -> Response:
    return Response(dumps(document), status_code=status, media_type="application/json")


def _openapi() -> dict[str, Any]:
    """The catalog's OpenAPI document with the server's other paths and its authentication."""
    document = openapi_document()
    xml_body = {"required": True, "content": {"text/xml": {"schema": {"type": "string"}}}}
    xml_reply = {"content": {"text/xml": {"schema": {"type": "string"}}}}
    unauthorized = {"description": "No valid token"}
    paths = document["paths"]
    for path in ("/rpc", "/rpc/responses"):
        for operation in paths[path].values():
            operation["responses"]["401"] = unauthorized
    paths["/rpc"]["post"]["responses"]["202"] = {
        "description": "Queued: asynchronous, or not answered within the synchronous timeout"
    }
    paths["/rpc"]["post"]["responses"]["413"] = {"description": "Request body too large"}
    for path, operation_id, summary, reply in (
        ("/UE/rci", "rci", "RCI request (XML) → rci_reply", "rci_reply"),
        ("/ws/sci", "sci", "SCI send_message (XML) naming this gateway → sci_reply", "sci_reply"),
    ):
        paths[path] = {
            "post": {
                "operationId": operation_id,
                "summary": summary,
                "requestBody": xml_body,
                "responses": {
                    "200": {"description": reply, **xml_reply},
                    "400": {"description": "Not a usable request: rci_reply with an error"},
                    "401": unauthorized,
                    "413": {"description": "Request body too large"},
                },
            }
        }
    paths["/events"] = {
        "get": {
            "operationId": "events",
            "summary": "Server-Sent Events: asynchronous responses as JSON, as they are queued",
            "parameters": [
                {
                    "name": "count",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1},
                }
            ],
            "responses": {
                "200": {"content": {"text/event-stream": {"schema": {"type": "string"}}}},
                "401": unauthorized,
            },
        }
    }
    paths["/health"] = {
        "get": {
            "operationId": "health",
            "summary": "Liveness, no token needed",
            "security": [],
            "responses": {"200": {"description": "Running"}},
        }
    }
    document["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer"},
        "basic": {"type": "http", "scheme": "basic", "description": "any user, the token"},
    }
    document["security"] = [{"bearer": []}, {"basic": []}]
    return document


def _int_query(request: Request, name: str, low: int) -> int | None:
    text = request.query_params.get(name)
    if text is None or text == "":
        return None
    try:
        value = int(text, 0)
    except ValueError:
        raise ValueError(f"{name} must be an integer") from None
    if value < low:
        raise ValueError(f"{name} must be at least {low}")
    return value


def _sse(name: str, document: dict[str, Any], seq: int) -> bytes:
    data = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return f"id: {seq}\nevent: {name}\ndata: {data}\n\n".encode()


def create_app(
    bridge: RpcBridge, token: str, *, health: Callable[[], dict[str, Any]] | None = None
) -> Starlette:
    """The ASGI application over ``bridge``, guarded by ``token``."""
    openapi = _openapi()

    def guarded(endpoint: Endpoint) -> Endpoint:
        async def run(request: Request) -> Response:
            if not authorized(request.headers.get("authorization"), token):
                return JSONResponse(
                    {"error": {"code": 401, "reason": "unauthorized", "message": "token needed"}},
                    status_code=401,
                    headers={"WWW-Authenticate": f'Bearer realm="segateway", {_REALM}'},
                )
            return await endpoint(request)

        return run

    async def xml(request: Request, *, sci_only: bool) -> Response:
        try:
            body = await _body(request, MAX_REQUEST_BYTES)
        except _TooLargeError:
            refused = XmlRefusedError(f"request larger than {MAX_REQUEST_BYTES} bytes")
            return Response(render_rci_reply(refused), status_code=413, media_type=XML_MEDIA_TYPE)
        status, text = await bridge.xml(body, sci_only=sci_only)
        return Response(text.encode(), status_code=status, media_type=XML_MEDIA_TYPE)

    async def rci(request: Request) -> Response:
        return await xml(request, sci_only=False)

    async def sci(request: Request) -> Response:
        return await xml(request, sci_only=True)

    async def rpc(request: Request) -> Response:
        try:
            body = await _body(request, MAX_JSON_BYTES)
        except _TooLargeError:
            message = f"request larger than {MAX_JSON_BYTES} bytes"
            return _json(
                {"error": {"code": 1, "reason": "invalid_request", "message": message}}, 413
            )
        reply = await bridge.json(body)
        return _json(reply.document, reply.status)

    def bad_query(message: str) -> Response:
        return _json({"error": {"code": 2, "reason": "invalid_params", "message": message}}, 400)

    async def responses(request: Request) -> Response:
        try:
            limit = _int_query(request, "limit", 0)
        except ValueError as exc:
            return bad_query(str(exc))
        taken, remaining = bridge.gateway.responses.get_responses(limit)
        document = encode_responses(
            taken, remaining=remaining, timestamp=bridge.gateway.utc_1970_exact()
        )
        return _json(document)

    async def events(request: Request) -> Response:
        try:
            count = _int_query(request, "count", 1)
        except ValueError as exc:
            return bad_query(str(exc))

        subscribed = bridge.subscribe()  # before the first byte: a client that has read it
        # misses nothing queued after

        async def stream() -> AsyncIterator[bytes]:
            yield b": segateway event stream\n\n"
            seq = 0
            async for item in bridge.events(count=count, stream=subscribed):
                if item is None:
                    yield b": keepalive\n\n"
                    continue
                seq += 1
                yield _sse(item[0], item[1], seq)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
            background=BackgroundTask(subscribed.close),  # also when the stream never started
        )

    async def health_route(_request: Request) -> Response:
        document: dict[str, Any] = {"status": "ok", "version": __version__}
        if health is not None:
            document.update(health())
        document["event_streams"] = bridge.stream_count
        return _json(document)

    async def openapi_route(_request: Request) -> Response:
        return _json(openapi)

    routes = [
        Route("/UE/rci", guarded(rci), methods=["POST"]),
        Route("/ws/sci", guarded(sci), methods=["POST"]),
        Route("/rpc", guarded(rpc), methods=["POST"]),
        Route("/rpc/responses", guarded(responses), methods=["GET"]),
        Route("/events", guarded(events), methods=["GET"]),
        Route("/health", health_route, methods=["GET"]),
        Route("/openapi.json", guarded(openapi_route), methods=["GET"]),
        *console_routes(guarded),
    ]
    return Starlette(routes=routes)
