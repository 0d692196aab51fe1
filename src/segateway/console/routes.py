"""The console's routes: ``/console/`` (the static app) and ``/console/catalog.json``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from ..rpc.json_codec import dumps
from .catalog_json import catalog_document

__all__ = ["STATIC_DIR", "console_routes"]

STATIC_DIR: Final = Path(__file__).parent / "static"

Endpoint = Callable[[Request], Awaitable[Response]]

# the page runs only its own scripts and talks only to the gateway that served it
_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class _ConsoleFiles(StaticFiles):
    """The static assets, with the console's security headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(_HEADERS)
        return response


def console_routes(guarded: Callable[[Endpoint], Endpoint]) -> list[BaseRoute]:
    """The console's routes; ``guarded`` wraps an endpoint with the token check (the static
    files are public: the page asks for the token, and every API call it makes carries it)."""
    document = dumps(catalog_document())

    async def catalog(_request: Request) -> Response:
        return Response(document, media_type="application/json")

    async def to_console(_request: Request) -> Response:
        return RedirectResponse("/console/", status_code=308)

    return [
        Route("/console", to_console, methods=["GET"]),
        Route("/console/catalog.json", guarded(catalog), methods=["GET"]),
        Mount("/console", app=_ConsoleFiles(directory=STATIC_DIR, html=True), name="console"),
    ]
