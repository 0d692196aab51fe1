"""The JSON form: requests decoded, responses encoded, errors, and the OpenAPI description
matching what the gateway really sends."""

from __future__ import annotations

import json
from typing import Any

import pytest

from segateway.rpc.errors import InvalidParamsError, InvalidRequestError, UnknownMethodError
from segateway.rpc.json_codec import (
    decode_request,
    dumps,
    encode_error,
    encode_response,
    encode_responses,
    to_json,
)
from segateway.rpc.openapi import openapi_document
from segateway.rpc.responses import RpcResponse
from segateway.rpc.values import MAC, Base16, Base64, Record, XmlFragment

from .rpckit import IPD, Rig


def test_a_request_decodes_to_what_the_dispatcher_takes() -> None:
    request = decode_request(
        b'{"method": "create_DRLC_event", "params": {"record": {"issuer_event_id": 1, '
        b'"duration_in_minutes": 30}}, "request_identifier": 7, "synchronous": true}'
    )
    assert request.method == "create_DRLC_event"
    assert request.params == {"record": {"issuer_event_id": 1, "duration_in_minutes": 30}}
    assert request.request_identifier == 7
    assert request.synchronous is True
    bare = decode_request({"method": "get_time"})
    assert bare.params == {}
    assert bare.synchronous is None


@pytest.mark.parametrize(
    "document",
    [
        b"not json",
        b"[1, 2]",
        b'{"params": {}}',
        b'{"method": 5}',
        b'{"method": "get_time", "params": [1]}',
        b'{"method": "get_time", "synchronous": "TRUE"}',
        b'{"method": "get_time", "extra": 1}',
        b'{"method": "get_time", "params": ' + b'{"a": ' * 70 + b"1" + b"}" * 71,
        b'{"method": "get_time", "params": {"x": "' + b"a" * (1 << 20) + b'"}}',
    ],
)
def test_malformed_requests_are_refused_with_code_1(document: bytes) -> None:
    with pytest.raises(InvalidRequestError) as refused:
        decode_request(document)
    assert refused.value.code == 1
    assert encode_error(refused.value)["error"]["code"] == 1


def test_an_unknown_method_is_code_3() -> None:
    with pytest.raises(UnknownMethodError) as unknown:
        decode_request(b'{"method": "price_update"}')
    assert encode_error(unknown.value) == {
        "error": {
            "code": 3,
            "reason": "unknown_method",
            "message": "no request named 'price_update'",
        }
    }


def test_values_are_json() -> None:
    value = {
        "mac": MAC(0x1122334455667788),
        "short": MAC(0xABCD, 16),
        "octets": Base16(b"\x01\xab"),
        "b64": Base64(b"\xff"),
        "record": Record("ReadAttributeRecord", {"attribute_id": 5}),
        "xml": XmlFragment("<a/>"),
        "list": [1, 2.5, None, True, "x"],
        "inf": float("inf"),
    }
    assert to_json(value) == {
        "mac": "11:22:33:44:55:66:77:88",
        "short": "AB:CD",
        "octets": "01AB",
        "b64": "FF",
        "record": {"attribute_id": 5},
        "xml": "<a/>",
        "list": [1, 2.5, None, True, "x"],
        "inf": "inf",
    }
    response = RpcResponse("get_time_response", {"UTC_2000": 1}, "id", 1.5)
    assert json.loads(dumps(encode_response(response))) == {
        "response": "get_time_response",
        "params": {"UTC_2000": 1},
        "request_identifier": "id",
        "timestamp": 1.5,
    }
    failed = RpcResponse("read_attributes_response", {}, None, None, InvalidParamsError("bad"))
    assert encode_response(failed) == {
        "response": "read_attributes_response",
        "error": {"code": 2, "reason": "invalid_params", "message": "bad"},
    }
    assert encode_responses([response], remaining=3, timestamp=2.0)["remaining"] == 3


def run_json(rig: Rig, document: dict[str, Any]) -> dict[str, Any]:
    """One JSON request through the codec and the dispatcher, answered as JSON."""
    request = decode_request(dumps(document))
    got: list[RpcResponse] = []
    rig.dispatcher.call(
        request.method,
        request.params,
        request_identifier=request.request_identifier,
        on_response=got.append,
    )
    rig.home.sim.run_until(lambda: bool(got), timeout=60)
    (response,) = got
    return json.loads(dumps(encode_response(response)))  # type: ignore[no-any-return]


def test_json_requests_run_and_match_the_openapi_description() -> None:
    """Requests written as JSON (MACs as strings, records as objects) work, and every response
    and message the gateway emits validates against its OpenAPI schema."""
    jsonschema = pytest.importorskip("jsonschema")
    rig = Rig()
    rig.add_meter()
    rig.add_ipd()
    answers = [
        run_json(rig, {"method": "get_time"}),
        run_json(
            rig,
            {
                "method": "create_price_event",
                "params": {
                    "record": {"issuer_event_id": 5, "duration_in_minutes": 60, "price": 250}
                },
                "request_identifier": "p5",
            },
        ),
        run_json(
            rig,
            {
                "method": "read_attributes",
                "params": {
                    "cluster_id": 0x0702,
                    "server_or_client": 0,
                    "destination_address": "00:12:4b:00:00:a1:b2:c3",
                    "record_list": [{"attribute_id": 0}, {"attribute_id": 0x0400}],
                },
            },
        ),
        run_json(rig, {"method": "get_device_information"}),
        run_json(rig, {"method": "get_network_information"}),
        run_json(rig, {"method": "get_metering_reading"}),
        run_json(rig, {"method": "add_alias", "params": {"A": "<cluster_id>6</cluster_id>"}}),
    ]
    price = answers[1]
    assert price["params"]["status"] == 0
    assert price["params"]["device_list"] == ["00:12:4B:00:00:0D:15:D1"]
    assert price["request_identifier"] == "p5"
    assert MAC.parse(price["params"]["device_list"][0]) == MAC(IPD)
    rig.run(60)
    messages, _remaining = rig.gateway.responses.get_responses()
    answers += [json.loads(dumps(encode_response(m))) for m in messages]
    schemas = openapi_document()["components"]["schemas"]
    names = set()
    for answer in answers:
        names.add(answer["response"])
        validator = jsonschema.Draft202012Validator(
            {
                "components": {"schemas": schemas},
                "$ref": f"#/components/schemas/{answer['response']}.envelope",
            }
        )
        errors = list(validator.iter_errors(answer))
        assert not errors, (answer["response"], [e.message for e in errors[:3]])
    assert {"message", "attribute_report", "device_status"} <= names
