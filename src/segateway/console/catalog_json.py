"""The RPC catalog as JSON for the console: every request with its parameters (type, required,
default, spec note), its response and every asynchronous message, and every record, so that the
console generates its forms from the same declarations as the codecs and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from ..rpc.catalog import API_VERSION, CATALOG, INTERFACES, Catalog, MessageSpec, RequestSpec
from ..rpc.json_codec import to_json
from ..rpc.records import FieldSpec, RecordSpec
from ..rpc.types import RpcType

__all__ = ["catalog_document", "type_document"]


def type_document(t: RpcType) -> dict[str, Any]:
    """One catalog type: its kind, label and limits (only those it has)."""
    out: dict[str, Any] = {"kind": t.kind.value, "label": t.label}
    if t.low is not None:
        out["low"] = t.low
    if t.high is not None:
        out["high"] = t.high
    if t.bits is not None:
        out["bits"] = t.bits
    if t.item is not None:
        out["item"] = type_document(t.item)
    if t.record is not None:
        out["record"] = t.record
    if t.options:
        out["options"] = [type_document(o) for o in t.options]
    return out


def _field(spec: FieldSpec) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": spec.name,
        "type": type_document(spec.type),
        "required": spec.required,
        "doc": spec.doc,
    }
    if spec.default is not None:
        out["default"] = to_json(spec.default)
    if spec.response_only:
        out["response_only"] = True
    return out


def _request(spec: RequestSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "interface": spec.interface,
        "doc": spec.doc,
        "params": [_field(p) for p in spec.params],
        "extra": type_document(spec.extra) if spec.extra is not None else None,
        "response": spec.response.name if spec.response is not None else None,
        "completion": spec.completion.value,
        "added": spec.added,
        "causes": list(spec.causes),
    }


def _answer(spec: MessageSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "interface": spec.interface,
        "doc": spec.doc,
        "params": [_field(p) for p in spec.params],
        "response_only": spec.response_only,
    }


def _record(spec: RecordSpec) -> dict[str, Any]:
    return {"name": spec.name, "doc": spec.doc, "fields": [_field(f) for f in spec.fields]}


def catalog_document(catalog: Catalog = CATALOG) -> dict[str, Any]:
    """The catalog as a JSON document (``GET /console/catalog.json``)."""
    return {
        "api_version": API_VERSION,
        "interfaces": list(INTERFACES),
        "requests": [_request(r) for r in catalog.requests.values()],
        "answers": [_answer(a) for a in catalog.answers.values()],
        "records": {name: _record(r) for name, r in catalog.records.items()},
    }
