"""The OpenAPI 3.1 description of the JSON form, generated from the catalog.

One schema per record (``#/components/schemas/LoadControlEventRecord``), per request's parameters
(``create_DRLC_event``), per response and asynchronous message (``create_DRLC_event_response``,
``message``), the request and response envelopes, and the error. Paths (the HTTP server's):

* ``POST {rpc_path}`` — a request envelope, ``oneOf`` every request (discriminated by
  ``method``); the reply is the response envelope, or an error;
* ``GET {responses_path}?limit=N`` — fetch cached asynchronous responses, oldest first.

Schemas describe the canonical form the gateway emits; the gateway also accepts the lenient
forms the catalog does (``"0x5E"`` for an int, MAC addresses with other separators).
"""

from __future__ import annotations

from typing import Any

from .catalog import API_VERSION, CATALOG, Catalog, MessageSpec, RequestSpec
from .records import FieldSpec, RecordSpec
from .types import Kind, RpcType

__all__ = ["openapi_document", "type_schema"]

_MAC64 = "^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){7}$"
_MAC16 = "^[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}$"
_HEX = "^([0-9A-Fa-f]{2})*$"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def type_schema(t: RpcType) -> dict[str, Any]:
    """The JSON Schema of one catalog type."""
    kind = t.kind
    if kind is Kind.INT:
        schema: dict[str, Any] = {"type": "integer"}
        if t.low is not None:
            schema["minimum"] = t.low
        if t.high is not None:
            schema["maximum"] = t.high
        return schema
    if kind is Kind.BOOL:
        return {"type": "boolean"}
    if kind is Kind.FLOAT:
        return {"type": "number"}
    if kind in (Kind.STRING, Kind.XML):
        return {"type": "string"}
    if kind is Kind.MAC:
        if t.bits == 64:
            return {"type": "string", "pattern": _MAC64}
        if t.bits == 16:
            return {"type": "string", "pattern": _MAC16}
        return {"type": "string", "anyOf": [{"pattern": _MAC64}, {"pattern": _MAC16}]}
    if kind is Kind.BYTES:
        return {"type": "string", "pattern": _HEX, "contentEncoding": "base16"}
    if kind is Kind.NONE:
        return {"type": "null"}
    if kind is Kind.ANY:
        return {}
    if kind is Kind.LIST:
        return {"type": "array", "items": type_schema(t.item) if t.item is not None else {}}
    if kind is Kind.DICT:
        if t.item is not None:
            return {"type": "object", "additionalProperties": type_schema(t.item)}
        return {"type": "object"}
    if kind is Kind.RECORD:
        return _ref(t.record or "")
    return {"anyOf": [type_schema(o) for o in t.options]}


def _object(
    fields: tuple[FieldSpec, ...],
    doc: str,
    *,
    extra: RpcType | None,
    request: bool,
) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for spec in fields:
        if request and spec.response_only:
            continue
        prop = type_schema(spec.type)
        if "$ref" in prop:
            prop = {"allOf": [prop]}
        prop["description"] = spec.doc
        if spec.default is not None:
            default = spec.default
            prop["default"] = default
        if spec.response_only:
            prop["readOnly"] = True
        properties[spec.name] = prop
        if spec.required:
            required.append(spec.name)
    schema: dict[str, Any] = {"type": "object", "description": doc, "properties": properties}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = type_schema(extra) if extra is not None else False
    return schema


def _record_schema(spec: RecordSpec) -> dict[str, Any]:
    schema = _object(spec.fields, spec.doc, extra=None, request=False)
    schema["title"] = spec.name
    return schema


def _request_schema(spec: RequestSpec) -> dict[str, Any]:
    schema = _object(spec.params, spec.doc, extra=spec.extra, request=True)
    schema["title"] = f"{spec.name} parameters"
    return schema


def _answer_schema(spec: MessageSpec) -> dict[str, Any]:
    schema = _object(spec.params, spec.doc, extra=spec.extra, request=False)
    schema["title"] = spec.name
    return schema


def _envelope(spec: RequestSpec) -> dict[str, Any]:
    return {
        "type": "object",
        "title": f"{spec.name} request",
        "properties": {
            "method": {"const": spec.name},
            "params": _ref(f"{spec.name}.params"),
            "request_identifier": {"description": "Echoed in the response and its messages."},
            "synchronous": {
                "type": "boolean",
                "description": "Answer in the reply (else the response is queued).",
            },
        },
        "required": ["method"],
        "additionalProperties": False,
    }


def _answer_envelope(spec: MessageSpec) -> dict[str, Any]:
    return {
        "type": "object",
        "title": f"{spec.name} envelope",
        "properties": {
            "response": {"const": spec.name},
            "params": _ref(spec.name),
            "request_identifier": {},
            "timestamp": {"type": "number", "description": "UTC seconds since 1970."},
        },
        "required": ["response", "params"],
    }


def openapi_document(
    catalog: Catalog = CATALOG,
    *,
    rpc_path: str = "/rpc",
    responses_path: str = "/rpc/responses",
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the JSON API."""
    schemas: dict[str, Any] = {}
    for name in sorted(catalog.records):
        schemas[name] = _record_schema(catalog.records[name])
    envelopes: list[dict[str, Any]] = []
    mapping: dict[str, str] = {}
    for name in sorted(catalog.requests):
        spec = catalog.requests[name]
        schemas[f"{name}.params"] = _request_schema(spec)
        schemas[f"{name}.request"] = _envelope(spec)
        envelopes.append(_ref(f"{name}.request"))
        mapping[name] = f"#/components/schemas/{name}.request"
    answers: list[dict[str, Any]] = []
    for name in sorted(catalog.answers):
        spec_answer = catalog.answers[name]
        schemas[name] = _answer_schema(spec_answer)
        schemas[f"{name}.envelope"] = _answer_envelope(spec_answer)
        answers.append(_ref(f"{name}.envelope"))
    schemas["Error"] = {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": {
                        "type": "integer",
                        "description": "RCI error id: 1 request not valid, 2 request not "
                        "recognized (parameters), 3 unknown command, 4 internal error.",
                    },
                    "reason": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["code", "message"],
            }
        },
        "required": ["error"],
    }
    schemas["Request"] = {
        "oneOf": envelopes,
        "discriminator": {"propertyName": "method", "mapping": mapping},
    }
    schemas["Response"] = {"oneOf": answers}
    schemas["Responses"] = {
        "type": "object",
        "properties": {
            "responses": {"type": "array", "items": _ref("Response")},
            "remaining": {"type": "integer", "minimum": 0},
            "timestamp": {"type": "number"},
        },
        "required": ["responses", "remaining"],
    }
    error_reply = {
        "description": "Refused",
        "content": {"application/json": {"schema": _ref("Error")}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "segateway RPC API (JSON form)",
            "version": API_VERSION,
            "description": "The requests, responses and records of the Digi SE Framework RPC API "
            "(docs/rpc.md), as JSON.",
        },
        "paths": {
            rpc_path: {
                "post": {
                    "operationId": "rpc",
                    "summary": "Run one request",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("Request")}},
                    },
                    "responses": {
                        "200": {
                            "description": "The response (synchronous) or an acknowledgement",
                            "content": {"application/json": {"schema": _ref("Response")}},
                        },
                        "400": error_reply,
                        "404": error_reply,
                    },
                }
            },
            responses_path: {
                "get": {
                    "operationId": "get_responses",
                    "summary": "Fetch cached asynchronous responses, oldest first",
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 0},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "Responses and how many remain",
                            "content": {"application/json": {"schema": _ref("Responses")}},
                        }
                    },
                }
            },
        },
        "components": {"schemas": schemas},
    }
