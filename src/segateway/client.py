"""A small client of a running gateway's HTTP API (what ``segateway rpc``, ``events`` and
``devices`` use): standard library only, token from the data directory or given.

The gateway is found through its data directory (``gateway.json`` written by ``segateway run``
gives the URL, ``token`` the token) unless ``url`` and ``token`` are given.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

from .http.auth import TOKEN_FILE
from .rpc.values import convert_untyped, parse_bool, parse_float, parse_int
from .runtime.config import GATEWAY_FILE, read_gateway_file

__all__ = ["ClientError", "GatewayClient", "basic_header", "parse_params"]


class ClientError(RuntimeError):
    """The gateway cannot be reached, or refused the request as a whole (HTTP error)."""


def _typed(kind: str, text: str) -> Any:
    kind = kind.strip().lower()
    if kind == "int":
        return parse_int(text)
    if kind == "bool":
        return parse_bool(text)
    if kind == "float":
        return parse_float(text)
    if kind in {"string", "str", "mac", "base16"}:
        return text  # the catalog reads MAC and hex strings for MAC / base16 parameters
    if kind == "json":
        return json.loads(text)
    if kind == "none":
        return None
    raise ValueError(f"unknown type {kind!r} (int, bool, float, string, MAC, base16, json, none)")


def parse_params(items: Sequence[str]) -> dict[str, Any]:
    """``key=value`` (the untyped rule: bool, int, float, else text) and ``key:type=value``
    (``int``, ``bool``, ``float``, ``string``, ``MAC``, ``base16``, ``none``, or ``json`` for
    records and lists) into request parameters."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ValueError(f"parameters are key=value or key:type=value, not {item!r}")
        name, _, kind = key.partition(":")
        try:
            params[name] = _typed(kind, text) if kind else convert_untyped(text)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return params


def _status(reply: Any) -> int:
    """The HTTP status of a reply (an ``HTTPError`` too); a refused token raises."""
    status = int(reply.status if hasattr(reply, "status") else reply.code)
    if status == 401:
        raise ClientError("the gateway refused the token (401)")
    return status


class GatewayClient:
    """Requests to one gateway."""

    def __init__(self, url: str, token: str, *, timeout: float = 120.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    @classmethod
    def locate(
        cls, data_dir: Path, *, url: str | None = None, token: str | None = None
    ) -> GatewayClient:
        if url is None:
            found = read_gateway_file(data_dir)
            if found is None or not isinstance(found.get("url"), str):
                raise ClientError(
                    f"no running gateway found in {data_dir} (no {GATEWAY_FILE}): start one with "
                    "`segateway run`, or give --url and --token"
                )
            url = str(found["url"])
        if token is None:
            try:
                token = (data_dir / TOKEN_FILE).read_text(encoding="ascii").strip()
            except OSError as exc:
                raise ClientError(f"cannot read the token in {data_dir}: {exc.strerror}") from None
        return cls(url, token)

    def _open(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> Any:
        if not self.url.startswith(("http://", "https://")):
            raise ClientError(f"not an HTTP URL: {self.url}")
        headers = {"Authorization": f"Bearer {self.token}"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            self.url + path, data=body, method=method, headers=headers
        )
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)  # noqa: S310
        except urllib.error.HTTPError as exc:
            return exc  # carries the status and the error document
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ClientError(f"cannot reach the gateway at {self.url}: {reason}") from None

    def _call(
        self, method: str, path: str, body: bytes | None = None, content_type: str | None = None
    ) -> tuple[int, bytes]:
        with self._open(method, path, body, content_type) as reply:
            return _status(reply), reply.read()

    def rpc(
        self, name: str, params: dict[str, Any], *, synchronous: bool = True
    ) -> tuple[int, dict[str, Any]]:
        """A JSON request; the HTTP status and the JSON reply."""
        document = {"method": name, "params": params, "synchronous": synchronous}
        status, data = self._call("POST", "/rpc", json.dumps(document).encode(), "application/json")
        return status, json.loads(data)

    def xml(self, text: bytes, *, path: str = "/UE/rci") -> tuple[int, str]:
        """An XML request document (``rci_request``, ``sci_request``…); the status and reply."""
        status, data = self._call("POST", path, text, "text/xml")
        return status, data.decode("utf-8", "replace")

    def health(self) -> dict[str, Any]:
        """``GET /health``: the gateway's state (and where it serves its medium, if it does)."""
        status, data = self._call("GET", "/health")
        if status != 200:
            raise ClientError(f"/health answered HTTP {status}")
        result: dict[str, Any] = json.loads(data)
        return result

    def responses(self, limit: int | None = None) -> dict[str, Any]:
        query = "" if limit is None else f"?limit={limit}"
        _status, data = self._call("GET", "/rpc/responses" + query)
        result: dict[str, Any] = json.loads(data)
        return result

    def events(self, count: int | None = None) -> Generator[tuple[str, dict[str, Any]], None, None]:
        """The event stream: ``(event name, JSON document)`` as they come."""
        query = "" if count is None else f"?count={count}"
        with self._open("GET", "/events" + query) as reply:
            status = _status(reply)
            if status != 200:
                raise ClientError(f"/events answered HTTP {status}")
            name, data = "message", list[str]()
            for raw in reply:
                line = raw.decode("utf-8").rstrip("\r\n")
                if not line:
                    if data:
                        yield name, json.loads("\n".join(data))
                    name, data = "message", []
                elif line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip())


def basic_header(token: str, user: str = "segateway") -> str:
    """An HTTP Basic ``Authorization`` value with the token as password (Device Cloud style)."""
    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
