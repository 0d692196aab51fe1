"""The debug console: a web app served by the gateway's HTTP server at ``/console/``.

Static assets (HTML, CSS, JavaScript ES modules, no framework, nothing fetched from the internet)
live in ``static/``; :func:`console_routes` serves them and ``/console/catalog.json``, the RPC
catalog as data (:func:`catalog_document`), from which the console builds its request forms.
The page loads without a token; every API call it makes carries the token (Bearer).
"""

from __future__ import annotations

from .catalog_json import catalog_document
from .routes import STATIC_DIR, console_routes

__all__ = ["STATIC_DIR", "catalog_document", "console_routes"]
