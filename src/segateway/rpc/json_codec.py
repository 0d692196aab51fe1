"""The JSON form of the RPC API: the same catalog, requests and responses as JSON objects.

A request::

    {"method": "create_DRLC_event",
     "params": {"record": {"issuer_event_id": 1, "duration_in_minutes": 30}},
     "request_identifier": 7, "synchronous": true}

``params``, ``request_identifier`` and ``synchronous`` are optional. A response or message::

    {"response": "create_DRLC_event_response", "params": {…}, "request_identifier": 7,
     "timestamp": 1793684800.0}

Values: records are objects with the record's field names, MAC addresses
``"11:22:33:44:55:66:77:88"`` strings, octets upper-case hex strings, xml content a string, ints
plain numbers. Requests go through the same validation as XML ones (the catalog accepts these
forms: a MAC or hex string for a MAC or base16 parameter, an object for a record). An error is
``{"error": {"code": 2, "reason": "invalid_params", "message": "…"}}`` — the codes are the RCI
error ids of the XML form (:mod:`segateway.rpc.errors`); a response that failed after it was
accepted is ``{"response": name, "error": {…}}``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from .catalog import CATALOG, Catalog
from .errors import InvalidRequestError, RpcError
from .responses import RpcResponse
from .values import MAC, Record, Value, XmlFragment

__all__ = [
    "MAX_JSON_BYTES",
    "JsonRequest",
    "decode_request",
    "dumps",
    "encode_error",
    "encode_response",
    "encode_responses",
    "to_json",
]

MAX_JSON_BYTES: Final = 1 << 20
"""Largest request document accepted (bytes)."""
MAX_JSON_DEPTH: Final = 64
_REQUEST_KEYS: Final = frozenset({"method", "params", "request_identifier", "synchronous"})


@dataclass(frozen=True, slots=True)
class JsonRequest:
    """A decoded request: what :meth:`~segateway.rpc.dispatch.Dispatcher.call` takes."""

    method: str
    params: dict[str, Any]
    request_identifier: Value = None
    synchronous: bool | None = None


def decode_request(
    data: bytes | str | Mapping[str, Any], *, catalog: Catalog = CATALOG
) -> JsonRequest:
    """A request from its JSON text (or already-parsed object).

    Raises :class:`InvalidRequestError` (code 1) for a document that is not a request object
    and :class:`~segateway.rpc.errors.UnknownMethodError` (code 3) for an unknown method; the
    parameters themselves are checked by the dispatcher."""
    if isinstance(data, bytes | str):
        size = len(data.encode() if isinstance(data, str) else data)
        if size > MAX_JSON_BYTES:
            raise InvalidRequestError(f"request larger than {MAX_JSON_BYTES} bytes")
        try:
            obj = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise InvalidRequestError(f"not JSON: {exc}") from None
    else:
        obj = data
    if not isinstance(obj, Mapping):
        raise InvalidRequestError("a request is a JSON object")
    unknown = sorted(str(k) for k in obj if k not in _REQUEST_KEYS)
    if unknown:
        raise InvalidRequestError(f"unknown member(s) {', '.join(unknown)}")
    method = obj.get("method")
    if not isinstance(method, str):
        raise InvalidRequestError('"method" must be a string naming a request')
    catalog.request(method)
    params = obj.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise InvalidRequestError('"params" must be an object')
    synchronous = obj.get("synchronous")
    if synchronous is not None and not isinstance(synchronous, bool):
        raise InvalidRequestError('"synchronous" must be true or false')
    identifier = obj.get("request_identifier")
    _check_depth(params, 0)
    _check_depth(identifier, 0)
    return JsonRequest(method, dict(params), identifier, synchronous)


def _check_depth(value: Any, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise InvalidRequestError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, Mapping):
        for item in value.values():
            _check_depth(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_depth(item, depth + 1)


# --- encoding -------------------------------------------------------------------------------------


def to_json(value: Value) -> Any:
    """An RPC value as JSON data (see the module doc)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, MAC):
        return str(value)
    if isinstance(value, bytes):
        return value.hex().upper()
    if isinstance(value, Record):
        return {k: to_json(v) for k, v in value.fields.items()}
    if isinstance(value, XmlFragment):
        return value.text
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [to_json(v) for v in value]
    raise TypeError(f"not an RPC value: {type(value).__name__}")


def encode_error(error: RpcError) -> dict[str, Any]:
    """``{"error": {"code": …, "reason": …, "message": …}}``."""
    return {"error": error.to_json()}


def encode_response(response: RpcResponse) -> dict[str, Any]:
    """``{"response": name, "params": {…}}`` (plus ``request_identifier`` and ``timestamp``
    when set, or ``error`` instead of ``params``)."""
    out: dict[str, Any] = {"response": response.name}
    if response.error is not None:
        out["error"] = response.error.to_json()
    else:
        out["params"] = {k: to_json(v) for k, v in response.params.items()}
    if response.request_identifier is not None:
        out["request_identifier"] = to_json(response.request_identifier)
    if response.timestamp is not None:
        out["timestamp"] = response.timestamp
    return out


def encode_responses(
    responses: Sequence[RpcResponse], *, remaining: int, timestamp: float | None = None
) -> dict[str, Any]:
    """Fetched asynchronous responses: ``{"responses": […], "remaining": n, "timestamp": t}``."""
    out: dict[str, Any] = {
        "responses": [encode_response(r) for r in responses],
        "remaining": remaining,
    }
    if timestamp is not None:
        out["timestamp"] = timestamp
    return out


def dumps(document: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
