"""Every request of the catalog against a running gateway on the simulated network, over HTTP,
once as XML (``POST /UE/rci``, ``synchronous="TRUE"``) and once as JSON (``POST /rpc``).

One simulated home per module: an ESI Coordinator (served at ``esi``), a meter and an IPD Router
(whose own gateway is served at ``ipd`` for the client-side requests), real frames between them;
the network's clock is paced on each test's loop, far faster than real time. Requests that need
something to exist first (an event to cancel, an alias to list) get it through the dispatcher
before the HTTP request.

Expected values are those digi-se-rpc.md states (section named beside each case): response
names ``<request>_response`` (§2.2), the ZCL/ZDO status values (§2.6), the endpoint default
``0x5E`` (§2.5), the record defaults (§4.3), the response parameters of §3; ZigBee/ZCL constants
(cluster and profile ids) come from the ZCL and SE specifications. For the requests the reference
lacks (``added`` in the catalog) the expectation is the documented design (docs/rpc.md).

The XML reply is read here with the standard library, independently of our codec, by the
reference's typing rules (§2.4), and compared with the JSON response parameter by parameter.
"""

from __future__ import annotations

import base64
import contextlib
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from segateway.http import RpcBridge, create_app
from segateway.rpc.catalog import CATALOG
from segateway.rpc.dispatch import Dispatcher
from segateway.rpc.gateway import Gateway
from segateway.rpc.values import MAC, Record, XmlFragment
from segateway.sim.devices import MeteringServer

from ..rpc.rpckit import IPD, METER, START_UTC, Rig
from .clock import paced

TOKEN = "test-token"  # noqa: S105 - a test value
BEARER = {"Authorization": f"Bearer {TOKEN}"}
ESI = 0x00124B0000005E01
UNKNOWN_DEVICE = "11:22:33:44:55:66:77:88"  # §3.3 example address: not on our network
SE_PROFILE = 0x0109
BASIC, IDENTIFY, PRICE, DRLC, METERING, MESSAGING = 0x0000, 0x0003, 0x0700, 0x0701, 0x0702, 0x0703
SECONDS_1970_TO_2000 = 946_684_800
SPEED = 2000.0  # virtual seconds per real second


def _mac(ieee: int) -> str:
    return ":".join(f"{b:02X}" for b in ieee.to_bytes(8, "big"))


# --- request values: rendered as typed XML (§2.4) and as JSON ---------------------------------


@dataclass(frozen=True)
class Mac:
    text: str


@dataclass(frozen=True)
class Hex:
    """A base16 value (§2.4)."""

    text: str


@dataclass(frozen=True)
class Rec:
    type_name: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class Xml:
    text: str


def rec(type_name: str, **fields: Any) -> Rec:
    return Rec(type_name, fields)


def _xml_value(name: str, value: Any, tag: str | None = None) -> str:
    tag = tag or name
    if value is None:
        return f'<{tag} type="none"/>'
    if isinstance(value, bool):
        return f'<{tag} type="bool">{"TRUE" if value else "FALSE"}</{tag}>'
    if isinstance(value, int):
        return f'<{tag} type="int">{value}</{tag}>'
    if isinstance(value, str):
        return f'<{tag} type="string">{value}</{tag}>'
    if isinstance(value, Mac):
        return f'<{tag} type="MAC">{value.text}</{tag}>'
    if isinstance(value, Hex):
        return f'<{tag} type="base16">{value.text}</{tag}>'
    if isinstance(value, Xml):
        return f'<{tag} type="xml">{value.text}</{tag}>'
    if isinstance(value, Rec):
        inner = "".join(_xml_value(k, v) for k, v in value.fields.items())
        return f'<{tag} type="{value.type_name}">{inner}</{tag}>'
    if isinstance(value, list):
        inner = "".join(_xml_value("item", v) for v in value)
        return f'<{tag} type="list">{inner}</{tag}>'
    raise TypeError(value)


def _dispatch_value(value: Any) -> Any:
    """A request value as the dispatcher takes it (for the setup steps)."""
    if isinstance(value, Mac):
        return MAC.parse(value.text)
    if isinstance(value, Hex):
        return bytes.fromhex(value.text)
    if isinstance(value, Xml):
        return XmlFragment(value.text)
    if isinstance(value, Rec):
        return Record(value.type_name, {k: _dispatch_value(v) for k, v in value.fields.items()})
    if isinstance(value, list):
        return [_dispatch_value(v) for v in value]
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, Mac | Hex | Xml):
        return value.text
    if isinstance(value, Rec):
        return {k: _json_value(v) for k, v in value.fields.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def xml_request(name: str, params: dict[str, Any]) -> str:
    """The §2.1 RCI envelope around one synchronous request."""
    inner = "".join(_xml_value(k, v) for k, v in params.items())
    return (
        '<rci_request version="1.1"><do_command target="RPC_request">'
        f'<{name} synchronous="TRUE">{inner}</{name}></do_command></rci_request>'
    )


# --- reading the XML reply (§2.4), independently of our codec ---------------------------------


def _canonical_xml(text: str) -> str:
    return ET.canonicalize(f"<x>{text}</x>", strip_text=True)


def xml_to_data(element: ET.Element) -> Any:
    """A typed response element as the JSON form carries it: ints as numbers, MACs and octets
    as upper-case text, records and dicts as objects, lists as arrays."""
    kind = element.get("type")
    text = (element.text or "").strip()
    if kind == "int":
        return int(text, 0)
    if kind == "bool":
        assert text in {"TRUE", "FALSE"}, text  # §2.4: responses are exact
        return text == "TRUE"
    if kind == "float":
        return float(text)
    if kind == "string":
        return element.text or ""
    if kind == "none":
        return None
    if kind == "MAC":
        return text
    if kind == "base16":
        return text.upper()
    if kind == "base64":
        return base64.b64decode(text).hex().upper()
    if kind == "xml":
        inner = (element.text or "") + "".join(
            ET.tostring(child, encoding="unicode") for child in element
        )
        return _canonical_xml(inner)
    if kind == "list":
        assert all(child.tag == "item" for child in element)
        return [xml_to_data(child) for child in element]
    assert kind, f"{element.tag}: responses always state the type (§2.4)"
    return {child.tag: xml_to_data(child) for child in element}  # dict or a record type


# --- the cases -----------------------------------------------------------------------------------

Params = Callable[[int], dict[str, Any]]  # the request's parameters for the i-th send (0 XML)


@dataclass
class Case:
    name: str
    params: Params = field(default=lambda _i: {})
    on: str = "esi"  # which gateway serves it: the ESI, or the IPD (SE client requests)
    setup: Callable[[Rig, int], None] | None = None
    expect: dict[str, Any] = field(default_factory=dict)  # exact values (from the reference)
    present: tuple[str, ...] = ()  # parameters the reference says the response carries
    check: Callable[[dict[str, Any]], None] | None = None
    varies: tuple[str, ...] = ()  # dotted paths whose values differ between the two sends
    xml_only_params: bool = False  # the parameters are xml fragments (aliases)
    cleanup: Callable[[Home], None] | None = None


def _records(params: dict[str, Any], key: str = "record_list") -> list[dict[str, Any]]:
    records = params[key]
    assert isinstance(records, list)
    return records


def _create_event(issuer_event_id: int, **fields: Any) -> Callable[[Rig, int], None]:
    def setup(rig: Rig, i: int) -> None:
        record = Record(
            "LoadControlEventRecord",
            {"issuer_event_id": issuer_event_id + i, "duration_in_minutes": 60, **fields},
        )
        assert rig.call("create_DRLC_event", {"record": record}).params["status"] == 0
        rig.run(5)

    return setup


def _create_message(message_id: int, message_control: int = 0) -> Callable[[Rig, int], None]:
    def setup(rig: Rig, i: int) -> None:
        record = Record(
            "DisplayMessageRecord",
            {
                "message_id": message_id + i,
                "message_control": message_control,
                "duration_in_minutes": 5,
                "message": "setup",
            },
        )
        assert rig.call("create_message_event", {"record": record}).params["status"] == 0
        rig.run(5)

    return setup


def _add_alias(rig: Rig, _i: int) -> None:
    rig.call("add_alias", {"ENDPOINT_ALIAS": XmlFragment(ALIAS_TEXT)})


def _register_unknown(rig: Rig, _i: int) -> None:
    rig.call("add_device", {"device_address": MAC.parse(UNKNOWN_DEVICE)})


def _call(name: str, params: dict[str, Any]) -> Callable[[Rig, int], None]:
    def setup(rig: Rig, _i: int) -> None:
        rig.call(name, {k: _dispatch_value(v) for k, v in params.items()})

    return setup


ALIAS_TEXT = "<destination_endpoint_id>0x10</destination_endpoint_id>"
METER_MAC, IPD_MAC, ESI_MAC = _mac(METER), _mac(IPD), _mac(ESI)
ON_METER = {"destination_address": Mac(METER_MAC), "destination_endpoint_id": 1}
BINDING = {**ON_METER, "source_endpoint_id": 0x5E, "cluster_id": METERING}


def _demand_reports(_i: int) -> dict[str, Any]:
    return {
        "cluster_id": METERING,
        "server_or_client": 0,
        **ON_METER,
        "record_list": [
            rec(
                "AttributeReportingConfigurationRecord",
                attribute_id=0x0400,
                attribute_type=0x2A,
                min_interval=5,
                max_interval=60,
                reportable_change=1,
            )
        ],
    }


def _send_summation(_i: int = 0) -> dict[str, Any]:
    return {
        "cluster_id": METERING,
        "server_or_client": 0,
        "destination_address": Mac(IPD_MAC),
        "destination_endpoint_id": 0x5E,
        "record_list": [
            rec(
                "AttributeReportingConfigurationRecord",
                attribute_id=0x0000,
                min_interval=1,
                max_interval=10,
            )
        ],
    }


Check = Callable[[dict[str, Any]], None]


def _all(*checks: Check) -> Check:
    def check(params: dict[str, Any]) -> None:
        for one in checks:
            one(params)

    return check


def _restore_defaults(home: Home) -> None:
    home.rig.call("registry_restore_defaults")


def _epochs(params: dict[str, Any]) -> None:
    """§3.1 get_time: seconds since 1970 and since 2000 of the same instant."""
    assert params["UTC_1970"] - params["UTC_2000"] == SECONDS_1970_TO_2000


def _delivered_to(*ieees: int) -> Callable[[dict[str, Any]], None]:
    def check(params: dict[str, Any]) -> None:
        for ieee in ieees:
            assert _mac(ieee) in params["device_list"]

    return check


def _all_statuses(status: int, key: str = "record_list") -> Callable[[dict[str, Any]], None]:
    def check(params: dict[str, Any]) -> None:
        records = _records(params, key)
        assert records
        assert all(r["status"] == status for r in records), records

    return check


def _device_information(params: dict[str, Any]) -> None:
    """§4.1: one ZDODeviceRecord per device, addr_extended, active, node_type."""
    found = {r["addr_extended"]: r for r in _records(params)}
    for ieee in (METER, IPD):
        assert found[_mac(ieee)]["active"] is True
        assert found[_mac(ieee)]["node_type"] == 1  # routers
    assert found[ESI_MAC]["node_type"] == 0  # the coordinator


def _read_divisor(params: dict[str, Any]) -> None:
    """§4.2 ReadAttributeStatusRecord: status 0, the ZCL type (uint24 0x22) and the value."""
    (record,) = _records(params)
    assert record == {"attribute_id": 0x0302, "status": 0, "attribute_type": 0x22, "value": 1000}


def _price_defaults(params: dict[str, Any]) -> None:
    """§4.3 PublishPriceRecord defaults."""
    record = params["record"]
    assert record["provider_id"] == 0xFFFFFFFF
    assert record["rate_label"] == ""
    assert record["currency"] == 840
    assert record["price_trailing_digit_and_price_tier"] == 0x20
    assert record["number_of_price_tiers_and_register_tier"] == 0
    assert record["price"] == 99


def _drlc_defaults(params: dict[str, Any]) -> None:
    """§4.3 LoadControlEventRecord defaults."""
    record = params["record"]
    assert record["device_class"] == 0x0FFF
    assert record["utility_enrollment_group"] == 0
    assert record["criticality_level"] == 0x01
    assert record["cooling_temperature_offset"] == 0xFF
    assert record["heating_temperature_offset"] == 0xFF
    assert record["cooling_temperature_set_point"] == -0x8000
    assert record["heating_temperature_set_point"] == -0x8000
    assert record["average_load_adjustment_percentage"] == -0x80
    assert record["duty_cycle"] == 0xFF
    assert record["event_control"] == 0x3
    _delivered_to(IPD)(params)


def _cancel_defaults(params: dict[str, Any]) -> None:
    """§4.3 CancelLoadControlEventRecord defaults."""
    record = params["record"]
    assert record["device_class"] == 0x0FFF
    assert record["utility_enrollment_group"] == 0
    assert record["cancel_control"] == 0x1
    assert record["effective_time"] == 0


def _ipd_follows_the_esi(home: Home) -> None:
    """sync_time took the host clock (an hour ahead in this home): the IPD then takes the time
    from the ESI's Time server, as it would at its next periodic sync."""
    home.rig.call("sync_time", dispatcher=home.bridges["ipd"].dispatcher)
    home.rig.run(5)


_NOW: dict[str, int] = {}


def _read_the_time(rig: Rig, _i: int) -> None:
    _NOW["UTC_2000"] = int(rig.call("get_time").params["UTC_2000"])  # type: ignore[arg-type]


def _set_to_now(params: dict[str, Any]) -> None:
    assert 0 <= params["UTC_2000"] - _NOW["UTC_2000"] <= 1


SERVER = {"source_endpoint_id": 0x5E, "status": 0}  # §3.6: endpoint 0x5E, ZCL SUCCESS

CASES: list[Case] = [
    # §3.1 General
    Case(
        "registry_configuration",
        lambda _i: {"name": "RPC_Manager.use_push", "value": True},
        expect={"name": "RPC_Manager.use_push", "value": True, "write_status": True},
        cleanup=_restore_defaults,
    ),
    Case("registry_restore_defaults", expect={}),
    Case(
        "get_version",
        present=("version", "version_extended"),
        check=lambda p: (
            (
                isinstance(p["version"], str)
                and {"SE_spec_version", "description"} <= set(p["version_extended"])
            )
            or pytest.fail(str(p))
        ),
    ),
    Case("get_time", check=_epochs, varies=("UTC_1970", "UTC_2000")),
    Case(  # to the gateway's own time: moving the ESI's clock would leave the IPD behind
        "set_time",
        lambda _i: {"UTC_2000": _NOW["UTC_2000"]},
        setup=_read_the_time,
        check=_all(_epochs, _set_to_now),
        varies=("UTC_1970", "UTC_2000"),
    ),
    Case(
        "sync_time",
        expect={"status": 0},
        present=("method",),
        check=_epochs,
        varies=("UTC_1970", "UTC_2000"),
        cleanup=_ipd_follows_the_esi,
    ),
    # §3.2 Aliasing: each child one alias; the response has the aliases stored/removed
    Case(
        "add_alias",
        lambda _i: {"ENDPOINT_ALIAS": Xml(ALIAS_TEXT)},
        expect={"ENDPOINT_ALIAS": _canonical_xml(ALIAS_TEXT)},
        xml_only_params=True,
    ),
    Case(
        "remove_alias",
        lambda _i: {"ENDPOINT_ALIAS": None},
        setup=_add_alias,
        expect={"ENDPOINT_ALIAS": _canonical_xml(ALIAS_TEXT)},
        xml_only_params=True,
    ),
    Case(
        "list_aliases",
        setup=_add_alias,
        check=lambda p: (
            p.get("ENDPOINT_ALIAS") == _canonical_xml(ALIAS_TEXT) or pytest.fail(str(p))
        ),
        xml_only_params=True,
    ),
    # §3.3 ZigBee
    Case(
        "add_device",
        lambda _i: {
            "device_address": Mac(UNKNOWN_DEVICE),
            "join_time": 0,
            "link_key": Hex("56777777777777777777777777777777"),
        },
        expect={"device_address": UNKNOWN_DEVICE, "join_time": 0},
    ),
    Case(
        "remove_device",
        lambda _i: {"device_address": Mac(UNKNOWN_DEVICE)},
        setup=_register_unknown,
        expect={"device_address": UNKNOWN_DEVICE},
        present=("status",),
    ),
    Case("get_device_information", check=_device_information),
    Case(
        "get_zigbee_network_configuration",
        present=("extended_pan_id", "join_attempt_interval", "channel_mask", "eui"),
        check=lambda p: "installation_code" not in p or pytest.fail(str(p)),
    ),
    Case(
        "send_zigbee",
        lambda _i: {
            **ON_METER,
            "cluster_id": BASIC,
            "profile_id": SE_PROFILE,
            "payload": Hex("0001000000"),  # ZCL Read Attributes ZCLVersion
        },
        expect={
            "destination_address": METER_MAC,
            "destination_endpoint_id": 1,
            "cluster_id": BASIC,
            "profile_id": SE_PROFILE,
            "status": 0,
        },
        present=("source_endpoint_id", "delivery_status"),
    ),
    Case("permit_joining", lambda _i: {"join_time": 0}, expect={"join_time": 0}),
    Case(
        "get_network_information",
        expect={"eui": ESI_MAC, "node_type": 0, "permit_joining": False},
        present=("network_state", "neighbor_list"),
    ),
    # §3.4 ZDO: status 0x00 success or 0xAA not supported
    *(
        Case(
            name,
            lambda _i: BINDING,
            setup=setup,
            expect={
                "status": 0,
                "destination_address": METER_MAC,
                "destination_endpoint_id": 1,
                "source_endpoint_id": 0x5E,
                "cluster_id": METERING,
            },
        )
        for name, setup in (("bind", _call("unbind", BINDING)), ("unbind", _call("bind", BINDING)))
    ),
    Case(  # issue 7 (the console's network diagram): ZDO Mgmt_Lqi_req
        "get_neighbor_table",
        lambda _i: {"destination_address": METER_MAC},
        expect={"status": 0, "destination_address": METER_MAC},
        present=("neighbor_table_entries", "neighbor_list"),
    ),
    # §3.5 ZCL (common response header: cluster_id, server_or_client, profile_id …)
    Case(
        "read_attributes",
        lambda _i: {
            "cluster_id": METERING,
            "server_or_client": 0,
            **ON_METER,
            "record_list": [rec("ReadAttributeRecord", attribute_id=0x0302)],
        },
        expect={
            "cluster_id": METERING,
            "server_or_client": 0,
            "profile_id": SE_PROFILE,
            "source_address": METER_MAC,
        },
        check=_read_divisor,
    ),
    Case(
        "write_attributes",
        lambda _i: {
            "cluster_id": IDENTIFY,
            "server_or_client": 0,
            **ON_METER,
            "record_list": [
                rec("WriteAttributeRecord", attribute_id=0, attribute_type=0x21, value=30)
            ],
        },
        expect={"cluster_id": IDENTIFY, "server_or_client": 0, "profile_id": SE_PROFILE},
        check=_all_statuses(0),
    ),
    Case(
        "discover_attributes",
        lambda _i: {
            "cluster_id": BASIC,
            "server_or_client": 0,
            **ON_METER,
            "maximum_attribute_ids": 3,
        },
        expect={"cluster_id": BASIC, "server_or_client": 0, "profile_id": SE_PROFILE},
        check=lambda p: (
            _records(p)[0] == {"attribute_id": 0, "attribute_type": 0x20} or pytest.fail(str(p))
        ),  # ZCLVersion, uint8
    ),
    Case(
        "start_receiving_reports",
        _demand_reports,
        expect={"cluster_id": METERING, "server_or_client": 0, "profile_id": SE_PROFILE},
        check=_all_statuses(0),
    ),
    Case(
        "stop_receiving_reports",
        lambda _i: {
            "cluster_id": METERING,
            "server_or_client": 0,
            **ON_METER,
            "source_endpoint_id": 0x5E,
            "record_list": [rec("StopReportingRecord", attribute_id=0x0400)],
        },
        setup=_call("start_receiving_reports", _demand_reports(0)),
        expect={
            "cluster_id": METERING,
            "server_or_client": 0,
            "profile_id": SE_PROFILE,
            "source_address": METER_MAC,
            "record_list": [{"status": 0, "attribute_id": 0x0400}],
        },
    ),
    Case(
        "start_sending_reports",
        _send_summation,
        expect={
            "cluster_id": METERING,
            "server_or_client": 0,
            "destination_address": IPD_MAC,
            "destination_endpoint_id": 0x5E,
        },
        check=_all_statuses(0),
    ),
    Case(
        "stop_sending_reports",
        lambda _i: {
            "cluster_id": METERING,
            "server_or_client": 0,
            "destination_address": Mac(IPD_MAC),
            "destination_endpoint_id": 0x5E,
            "record_list": [rec("StopReportingRecord", attribute_id=0)],
        },
        setup=_call("start_sending_reports", _send_summation()),
        expect={"cluster_id": METERING, "record_list": [{"status": 0, "attribute_id": 0}]},
    ),
    Case(
        "get_local_reporting_configurations",
        setup=_call("start_receiving_reports", _demand_reports(0)),
        check=lambda p: (
            any(
                r["device_address"] == METER_MAC and r["reporting_direction"] == 1
                for r in _records(p)
            )
            or pytest.fail(str(p))
        ),
    ),
    Case(
        "read_reporting_configuration",
        lambda _i: {
            "remote_configuration": True,
            "cluster_id": METERING,
            "server_or_client": 0,
            **ON_METER,
            "record_list": [rec("ReadReportingConfigurationRecord", attribute_id=0x0400)],
        },
        setup=_call("start_receiving_reports", _demand_reports(0)),
        expect={
            "remote_configuration": True,
            "cluster_id": METERING,
            "server_or_client": 0,
            "profile_id": SE_PROFILE,
            "source_address": METER_MAC,
        },
        check=_all_statuses(0),
    ),
    Case(  # §3.5 example: source 0x5E, destination 0xFF, 30 s
        "identify",
        lambda _i: {
            "source_endpoint_id": 0x5E,
            "destination_endpoint_id": 0xFF,
            "destination_address": Mac(METER_MAC),
            "identify_time": 30,
        },
        expect={
            "cluster_id": IDENTIFY,
            "profile_id": SE_PROFILE,
            "source_address": METER_MAC,
            "identify_time": 30,
        },
    ),
    Case(  # Identify Query (0x01) answered by Identify Query Response (0x00)
        "send_ZCL",
        lambda _i: {
            "cluster_id": IDENTIFY,
            "server_or_client": 0,
            **ON_METER,
            "source_endpoint_id": 0x5E,
            "command_identifier": 0x01,
            "response_command_identifier": 0x00,
            "payload": Hex(""),
        },
        setup=_call("identify", {**ON_METER, "identify_time": 600}),
        expect={
            "cluster_id": IDENTIFY,
            "server_or_client": 0,
            "profile_id": SE_PROFILE,
            "source_address": METER_MAC,
            "command_identifier": 0x00,
            "command_type": 1,
        },
        present=("payload",),
        varies=("payload",),  # the identify time left
    ),
    # §3.6 SE, common
    Case(
        "get_DRLC_events",
        expect={"endpoint_id": 0x5E, "server_or_client": 0},
        present=("events_record_list",),
    ),
    Case(
        "get_message_events",
        expect={"endpoint_id": 0x5E, "server_or_client": 0},
        present=("events_record_list",),
    ),
    Case(
        "get_price_events",
        expect={"endpoint_id": 0x5E, "cluster_id": PRICE, "server_or_client": 0},
        present=("events_record_list",),
    ),
    # Metering (added)
    Case(
        "get_metering_reading",
        lambda _i: {"destination_address": Mac(METER_MAC)},
        check=lambda p: _records(p)[0]["source_address"] == METER_MAC or pytest.fail(str(p)),
        varies=("record_list",),
    ),
    Case(
        "get_profile",
        lambda _i: {"destination_address": Mac(METER_MAC), "number_of_periods": 2},
        expect={"source_address": METER_MAC, "cluster_id": METERING, "status": 0},
        varies=("end_time", "intervals", "intervals_raw", "number_of_periods_delivered"),
    ),
    Case(
        "start_metering_reporting",
        lambda _i: {"destination_address": Mac(METER_MAC)},
        expect={"destination_address": METER_MAC, "destination_endpoint_id": 1, "status": 0},
    ),
    # §3.6 SE server
    Case(
        "create_DRLC_event",
        lambda i: {
            "record": rec("LoadControlEventRecord", issuer_event_id=100 + i, duration_in_minutes=30)
        },
        expect={**SERVER, "cluster_id": DRLC},
        check=_drlc_defaults,
        varies=("record.issuer_event_id", "record.start_time"),
    ),
    Case(
        "cancel_DRLC_event",
        lambda i: {"record": rec("CancelLoadControlEventRecord", issuer_event_id=200 + i)},
        setup=_create_event(200),
        expect={**SERVER, "cluster_id": DRLC},
        check=_all(_cancel_defaults, _delivered_to(IPD)),
        varies=("record.issuer_event_id",),
    ),
    Case(
        "cancel_all_DRLC_events",
        setup=_create_event(300),
        expect={**SERVER, "cluster_id": DRLC},
        present=("cancel_control",),
        check=_delivered_to(IPD),
    ),
    Case(  # §3.6.2 example: message_id 1234, 5 minutes
        "create_message_event",
        lambda i: {
            "record": rec(
                "DisplayMessageRecord",
                message_id=1234 + i,
                duration_in_minutes=5,
                message="Hello from the utility",
            )
        },
        expect={**SERVER, "cluster_id": MESSAGING},
        check=_delivered_to(IPD),
        varies=("record.message_id", "record.start_time"),
    ),
    Case(
        "cancel_message_event",
        lambda i: {"record": rec("CancelMessageRecord", message_id=2000 + i)},
        setup=_create_message(2000),
        expect={**SERVER, "cluster_id": MESSAGING},
        check=_delivered_to(IPD),
        varies=("record.message_id",),
    ),
    Case(  # §3.6.2: status always 0x00 locally
        "cancel_all_message_events",
        setup=_create_message(2100),
        expect={**SERVER, "cluster_id": MESSAGING},
        check=_delivered_to(IPD),
    ),
    Case(
        "create_price_event",
        lambda i: {
            "record": rec(
                "PublishPriceRecord", issuer_event_id=500 + i, duration_in_minutes=60, price=99
            )
        },
        expect={**SERVER, "cluster_id": PRICE},
        check=_all(_price_defaults, _delivered_to(IPD)),
        varies=("record.issuer_event_id", "record.start_time", "record.utc_time"),
    ),
    Case("cancel_all_price_events", expect={**SERVER, "cluster_id": PRICE}),
    # §3.6 SE client (the IPD's gateway)
    Case(
        "get_scheduled_DRLC_events",
        on="ipd",
        expect={**SERVER, "cluster_id": DRLC},
        check=_delivered_to(ESI),
    ),
    Case(
        "opt_out_DRLC_event",
        lambda i: {"issuer_event_id": 400 + i},
        on="ipd",
        setup=_create_event(400, start_time=START_UTC + 86_400),
        expect={**SERVER, "cluster_id": DRLC},
        varies=("issuer_event_id",),
    ),
    Case(
        "opt_in_DRLC_event",
        lambda i: {"issuer_event_id": 450 + i},
        on="ipd",
        setup=_create_event(450, start_time=START_UTC + 86_400),
        expect={**SERVER, "cluster_id": DRLC},
        varies=("issuer_event_id",),
    ),
    Case(
        "get_last_message_event",
        on="ipd",
        expect={**SERVER, "cluster_id": MESSAGING},
        check=_delivered_to(ESI),
    ),
    Case(  # 0x80: confirmation required; the default confirms the active message
        "confirm_message",
        lambda i: {"record": rec("MessageConfirmationRecord", message_id=2200 + i)},
        on="ipd",
        setup=_create_message(2200, message_control=0x80),
        expect={**SERVER, "cluster_id": MESSAGING},
        check=_delivered_to(ESI),
    ),
    Case(
        "get_current_price_event",
        on="ipd",
        expect={"status": 0, "endpoint_id": 0x5E, "cluster_id": PRICE},
        check=_delivered_to(ESI),
    ),
    Case(
        "get_scheduled_price_events",
        on="ipd",
        expect={**SERVER, "cluster_id": PRICE},
        check=_delivered_to(ESI),
    ),
    Case(  # §3.6.3: exactly source_endpoint_id and cluster_id
        "clear_price_events",
        on="ipd",
        expect={"source_endpoint_id": 0x5E, "cluster_id": PRICE},
        check=lambda p: set(p) == {"source_endpoint_id", "cluster_id"} or pytest.fail(str(p)),
    ),
]
EXCLUDED = {"exit": "disabled by default: answered with RCI error 3 (test_exit_is_disabled)"}
_BY_NAME = {case.name: case for case in CASES}


def test_every_catalog_request_has_a_case() -> None:
    """A request added to the catalog without a case here fails this test."""
    assert len(_BY_NAME) == len(CASES)
    assert set(_BY_NAME) | set(EXCLUDED) == set(CATALOG.requests)
    assert not set(_BY_NAME) & set(EXCLUDED)


# --- the served home -----------------------------------------------------------------------------


class Home:
    def __init__(self) -> None:
        self.rig = Rig()
        self.rig.add_meter()
        self.rig.add_ipd()
        self.rig.run(2 * 3600)  # two hours of metering history (get_profile)
        esi = self.rig.home.esi  # the ESI is a meter too, so that it can send reports
        esi.endpoint.add(MeteringServer(2000.0, timebase=self.rig.home.timebase))
        self.rig.home.coordinator.register_endpoint(esi.endpoint.descriptor())
        assert self.rig.ipd is not None
        ipd = Dispatcher(Gateway(self.rig.ipd))
        ipd.start()
        self.bridges = {"esi": RpcBridge(self.rig.dispatcher), "ipd": RpcBridge(ipd)}


@pytest.fixture(scope="module")
def home() -> Iterator[Home]:
    served = Home()
    yield served
    for bridge in served.bridges.values():
        bridge.dispatcher.close()


@contextlib.asynccontextmanager
async def _clients(home: Home) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with paced(home.rig.home.sim, SPEED), contextlib.AsyncExitStack() as stack:
        clients = {}
        for name, bridge in home.bridges.items():
            transport = httpx.ASGITransport(app=create_app(bridge, TOKEN))
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://gateway", timeout=30)
            )
        yield clients


def _mask(params: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    masked = {k: (dict(v) if isinstance(v, dict) else v) for k, v in params.items()}
    for path in paths:
        head, _, rest = path.partition(".")
        if rest and isinstance(masked.get(head), dict) and rest in masked[head]:
            masked[head][rest] = "<varies>"
        elif not rest and head in masked:
            masked[head] = "<varies>"
    return masked


def _check(case: Case, params: dict[str, Any]) -> None:
    for key, value in case.expect.items():
        assert key in params, f"{case.name}: no {key} in {params}"
        assert params[key] == value, f"{case.name}.{key}: {params[key]!r} != {value!r}"
    for key in case.present:
        assert key in params, f"{case.name}: no {key} in {params}"
    if case.check is not None:
        case.check(params)


async def _over_xml(client: httpx.AsyncClient, case: Case, params: dict[str, Any]) -> Any:
    reply = await client.post("/UE/rci", content=xml_request(case.name, params), headers=BEARER)
    assert reply.status_code == 200, reply.text
    root = ET.fromstring(reply.text)  # noqa: S314 - our own server's reply
    assert root.tag == "rci_reply"
    (command,) = root
    assert command.tag == "do_command"
    assert command.get("target") == "RPC_request"
    found = command.findall(f"./responses/{case.name}_response") or command.findall(
        f"./{case.name}_response"
    )
    assert len(found) == 1, reply.text
    (response,) = found
    assert response.find("error") is None, reply.text
    return {child.tag: xml_to_data(child) for child in response}


async def _over_json(client: httpx.AsyncClient, case: Case, params: dict[str, Any]) -> Any:
    body = {"method": case.name, "params": {k: _json_value(v) for k, v in params.items()}}
    reply = await client.post("/rpc", json=body, headers=BEARER)
    assert reply.status_code == 200, reply.text
    document = reply.json()
    assert document["response"] == f"{case.name}_response"
    assert "error" not in document, document
    params_out: dict[str, Any] = document["params"]
    if case.xml_only_params:  # xml fragments travel as text: compare them canonically
        params_out = {
            k: _canonical_xml(v) if isinstance(v, str) else v for k, v in params_out.items()
        }
    return params_out


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_request_over_xml_and_json(home: Home, case: Case) -> None:
    got = []
    for i, send in enumerate((_over_xml, _over_json)):
        if case.setup is not None:
            case.setup(home.rig, i)
        async with _clients(home) as clients:
            params = await send(clients[case.on], case, case.params(i))
        _check(case, params)
        got.append(params)
    xml_params, json_params = got
    assert _mask(xml_params, case.varies) == _mask(json_params, case.varies)
    home.bridges[case.on].gateway.responses.get_responses()  # what the setup left behind
    if case.cleanup is not None:
        case.cleanup(home)


async def test_exit_is_disabled_by_default(home: Home) -> None:
    """``exit`` (§3.1) stops the framework; here it is off unless enabled, and refused with
    RCI error 3 (Unknown command, §2.1) in XML and code 3 in JSON; nothing stops."""
    async with _clients(home) as clients:
        client = clients["esi"]
        reply = await client.post("/UE/rci", content=xml_request("exit", {}), headers=BEARER)
        assert reply.status_code == 200
        error = ET.fromstring(reply.text).find("./do_command/responses/exit_response/error")  # noqa: S314
        assert error is not None, reply.text
        assert error.get("id") == "3"
        refused = await client.post("/rpc", json={"method": "exit"}, headers=BEARER)
        assert refused.json()["error"]["code"] == 3
        alive = await client.post("/rpc", json={"method": "get_time"}, headers=BEARER)
        assert alive.status_code == 200
