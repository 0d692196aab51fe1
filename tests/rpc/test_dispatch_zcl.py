"""ZCL requests through the dispatcher against a simulated meter (real frames).

Expected values come from the ZCL and SE specifications (data type ids 0x25 uint48, 0x2A int24,
0x21 uint16, 0x42 character string; statuses 0x86 UNSUPPORTED_ATTRIBUTE, 0x88 READ_ONLY, 0x8C
UNREPORTABLE_ATTRIBUTE; Identify Query Response carries the remaining seconds) and from
digi-se-rpc.md §3.5 (names of the responses and their records).
"""

from __future__ import annotations

from typing import Any

import pytest

from segateway.rpc.errors import InvalidParamsError
from segateway.rpc.values import MAC, Base16, Base64, Record
from segateway.se.general import IdentifyServer
from segateway.sim.devices import MeteringServer
from segateway.zcl.cluster import Side

from .rpckit import IPD, METER, Rig

BASIC, IDENTIFY, METERING = 0x0000, 0x0003, 0x0702


def _read(attribute_ids: list[int]) -> list[Record]:
    return [Record("ReadAttributeRecord", {"attribute_id": a}) for a in attribute_ids]


def _records(response: Any) -> list[Record]:
    records = response.params["record_list"]
    assert isinstance(records, list)
    return records


def test_read_attributes_of_the_meter() -> None:
    rig = Rig()
    rig.add_meter()
    response = rig.call(
        "read_attributes",
        {
            "cluster_id": METERING,
            "server_or_client": 0,
            "destination_address": MAC(METER),
            "record_list": _read([0x0000, 0x0400, 0x0302, 0x7777]),
        },
    )
    params = response.params
    assert params["cluster_id"] == METERING
    assert params["server_or_client"] == 0
    assert params["profile_id"] == 0x0109
    assert params["source_address"] == MAC(METER)
    assert params["source_endpoint_id"] == 1  # looked up from discovery (as of 1.4.0)
    assert params["destination_endpoint_id"] == 0x5E
    assert "status" not in params
    records = {r.fields["attribute_id"]: r.fields for r in _records(response)}
    assert records[0x0000]["status"] == 0
    assert records[0x0000]["attribute_type"] == 0x25
    assert isinstance(records[0x0000]["value"], int)
    assert records[0x0400] == {
        "attribute_id": 0x0400,
        "status": 0,
        "attribute_type": 0x2A,
        "value": 1500,
    }
    assert records[0x0302] == {
        "attribute_id": 0x0302,
        "status": 0,
        "attribute_type": 0x22,
        "value": 1000,
    }
    assert records[0x7777] == {"attribute_id": 0x7777, "status": 0x86}  # no type, no value


def test_read_attributes_of_the_gateway_itself_and_of_nothing() -> None:
    """No destination_address: the gateway's own clusters (§3.5)."""
    rig = Rig()
    response = rig.call(
        "read_attributes",
        {
            "cluster_id": BASIC,
            "server_or_client": 0,
            "destination_endpoint_id": 0x5E,
            "record_list": _read([0x0005]),
        },
    )
    (record,) = _records(response)
    assert record.fields == {
        "attribute_id": 5,
        "status": 0,
        "attribute_type": 0x42,
        "value": "segateway",
    }
    rig.add_meter()
    silent = rig.call(
        "read_attributes",
        {
            "cluster_id": 0x0B04,
            "server_or_client": 0,
            "destination_address": MAC(METER),
            "destination_endpoint_id": 1,
            "record_list": _read([0]),
        },
    )
    assert silent.params["status"] == 0xC3  # the meter's Default Response: UNSUPPORTED_CLUSTER
    assert silent.params["record_list"] == []
    with pytest.raises(InvalidParamsError, match="destination_endpoint_id"):
        rig.call(
            "read_attributes",
            {
                "cluster_id": 0x0B04,
                "server_or_client": 0,
                "destination_address": MAC(METER),
                "record_list": [],
            },
        )


def test_write_attributes_plain_and_undivided() -> None:
    rig = Rig()
    meter = rig.add_meter()
    identify = meter.app.cluster(IDENTIFY, Side.server)
    assert isinstance(identify, IdentifyServer)
    base = {"cluster_id": IDENTIFY, "server_or_client": 0, "destination_address": MAC(METER)}
    written = rig.call(
        "write_attributes",
        {**base, "record_list": [Record("WriteAttributeRecord", {"attribute_id": 0, "value": 30})]},
    )
    assert _records(written)[0].fields == {
        "status": 0,
        "attribute_id": 0,
        "attribute_type": 0x21,
        "value": 30,
    }
    assert identify.identifications == 1
    basic = {**base, "cluster_id": BASIC}
    mixed = [
        Record(
            "WriteAttributeRecord", {"attribute_id": 0x0004, "attribute_type": 0x42, "value": "x"}
        ),
        Record(
            "WriteAttributeRecord",
            {"attribute_id": 0x0010, "attribute_type": 0x42, "value": "kitchen"},
        ),
    ]
    # [O]'s 0x05 for Undivided: nothing is written when one fails
    undivided = rig.call(
        "write_attributes", {**basic, "command_identifier": 0x05, "record_list": mixed}
    )
    statuses = [r.fields["status"] for r in _records(undivided)]
    assert statuses[0] == 0x88  # ManufacturerName is read-only
    with pytest.raises(InvalidParamsError):
        rig.call("write_attributes", {**basic, "command_identifier": 0x04, "record_list": mixed})
    with pytest.raises(InvalidParamsError, match="attribute_type"):
        rig.call(
            "write_attributes",
            {
                **base,
                "record_list": [
                    Record("WriteAttributeRecord", {"attribute_id": 0x4444, "value": 1})
                ],
            },
        )


def test_discover_attributes() -> None:
    rig = Rig()
    rig.add_meter()
    response = rig.call(
        "discover_attributes",
        {
            "cluster_id": BASIC,
            "server_or_client": 0,
            "destination_address": MAC(METER),
            "maximum_attribute_ids": 3,
        },
    )
    assert response.params["discovery_complete"] is False
    found = [(r.fields["attribute_id"], r.fields["attribute_type"]) for r in _records(response)]
    assert len(found) == 3
    assert found[0] == (0x0000, 0x20)  # ZCLVersion, uint8


def test_identify_a_device_and_the_gateway() -> None:
    """§3.6 of the devices notes: identify source 0x5E, destination 0xFF, 30 seconds."""
    rig = Rig()
    meter = rig.add_meter()
    response = rig.call(
        "identify",
        {
            "source_endpoint_id": 0x5E,
            "destination_endpoint_id": 0xFF,
            "destination_address": MAC(METER),
            "identify_time": 30,
        },
    )
    assert response.params["cluster_id"] == IDENTIFY
    assert response.params["identify_time"] == 30
    assert response.params["status"] == 0
    identify = meter.app.cluster(IDENTIFY, Side.server)
    assert isinstance(identify, IdentifyServer)
    assert identify.identifications == 1
    local = rig.call("identify", {"identify_time": 5})
    assert local.params["status"] == 0
    ours = rig.home.esi.cluster(IDENTIFY, Side.server)
    assert isinstance(ours, IdentifyServer)
    assert ours.identifications == 1
    broadcast = rig.call(
        "identify",
        {"destination_address": MAC(0xFFFF), "destination_endpoint_id": 0xFF, "identify_time": 3},
    )
    assert "status" not in broadcast.params
    rig.run(1)
    assert identify.identifications == 2


def test_send_zcl_raw_and_from_a_record() -> None:
    rig = Rig()
    rig.add_meter()
    base = {
        "cluster_id": IDENTIFY,
        "server_or_client": 0,
        "destination_endpoint_id": 1,
        "source_endpoint_id": 0x5E,
        "destination_address": MAC(METER),
    }
    # Identify (0x00) from a record: answered by a Default Response (general command 0x0B)
    started = rig.call(
        "send_ZCL", {**base, "command_identifier": 0x00, "payload": {"identify_time": 60}}
    )
    assert started.params["command_identifier"] == 0x0B
    assert started.params["command_type"] == 0
    assert started.params["payload"] == Base16(b"\x00\x00")  # command 0x00, SUCCESS
    # Identify Query (0x01), raw and in base64: the answer is Identify Query Response (0x00)
    query = rig.call(
        "send_ZCL",
        {
            **base,
            "command_identifier": 0x01,
            "response_command_identifier": 0x00,
            "payload": Base64(b""),
        },
    )
    assert query.params["command_identifier"] == 0x00
    assert query.params["command_type"] == 1
    payload = query.params["payload"]
    assert isinstance(payload, Base64)
    assert 55 <= int.from_bytes(payload, "little") <= 60
    with pytest.raises(InvalidParamsError, match="does not declare"):
        rig.call("send_ZCL", {**base, "command_identifier": 0x77, "payload": {"x": 1}})


def test_receiving_reports_zcl_and_pseudo() -> None:
    rig = Rig()
    rig.add_meter()
    rig.gateway.responses.get_responses()
    base = {"server_or_client": 0, "destination_address": MAC(METER)}
    demand = Record(
        "AttributeReportingConfigurationRecord",
        {"attribute_id": 0x0400, "min_interval": 5, "max_interval": 60, "reportable_change": 1},
    )
    started = rig.call(
        "start_receiving_reports", {**base, "cluster_id": METERING, "record_list": [demand]}
    )
    assert [r.fields for r in _records(started)] == [
        {"status": 0, "attribute_id": 0x0400, "pseudo_reporting": False}
    ]
    model = Record(
        "AttributeReportingConfigurationRecord", {"attribute_id": 0x0005, "max_interval": 30}
    )
    refused = rig.call(
        "start_receiving_reports", {**base, "cluster_id": BASIC, "record_list": [model]}
    )
    (outcome,) = _records(refused)
    assert outcome.fields["status"] == 0x8C  # the meter does not report ModelIdentifier
    assert outcome.fields["pseudo_reporting"] is True  # so the gateway polls it
    rig.run(65)
    polled = [
        m
        for m in rig.queued("attribute_report")
        if m.params["cluster_id"] == BASIC and isinstance(m.params["record"], Record)
    ]
    assert len(polled) == 2
    assert polled[0].params["record"].fields == {
        "attribute_id": 0x0005,
        "attribute_type": 0x42,
        "value": "segateway-meter",
        "pseudo_reporting": True,
    }
    configs = _records(rig.call("get_local_reporting_configurations"))
    receiving = {
        (c.fields["cluster_id"], c.fields["record"].fields["attribute_id"]): c.fields
        for c in configs
    }
    assert receiving[(BASIC, 0x0005)]["pseudo_reporting"] is True
    assert receiving[(METERING, 0x0400)]["reporting_direction"] == 1
    remote = rig.call(
        "read_reporting_configuration",
        {
            "remote_configuration": True,
            "cluster_id": METERING,
            **base,
            "record_list": [Record("ReadReportingConfigurationRecord", {"attribute_id": 0x0400})],
        },
    )
    (config,) = _records(remote)
    assert config.fields["status"] == 0
    assert config.fields["min_interval"] == 5
    assert config.fields["max_interval"] == 60
    assert remote.params["remote_configuration"] is True
    stopped = rig.call(
        "stop_receiving_reports",
        {
            **base,
            "cluster_id": BASIC,
            "destination_endpoint_id": 1,
            "source_endpoint_id": 0x5E,
            "record_list": [Record("StopReportingRecord", {"attribute_id": 0x0005})],
        },
    )
    assert [r.fields for r in _records(stopped)] == [{"status": 0, "attribute_id": 0x0005}]
    rig.gateway.responses.get_responses()
    rig.run(65)
    assert not [m for m in rig.queued("attribute_report") if m.params["cluster_id"] == BASIC]


def test_the_gateway_reports_its_own_attributes() -> None:
    """start/stop_sending_reports: a local cluster reports to a device; an attribute that is
    not reportable gets 0x8C."""
    rig = Rig()
    ipd = rig.add_ipd()
    meter_side = MeteringServer(2000.0, timebase=rig.home.timebase)
    rig.home.esi.endpoint.add(meter_side)  # the ESI is a meter too
    rig.home.coordinator.register_endpoint(rig.home.esi.endpoint.descriptor())
    base = {"server_or_client": 0, "destination_address": MAC(IPD)}
    summation = Record(
        "AttributeReportingConfigurationRecord",
        {"attribute_id": 0x0000, "min_interval": 1, "max_interval": 10},
    )
    sending = rig.call(
        "start_sending_reports",
        {
            **base,
            "cluster_id": METERING,
            "destination_endpoint_id": 0x5E,
            "record_list": [summation],
        },
    )
    assert [r.fields for r in _records(sending)] == [
        {"status": 0, "attribute_id": 0, "pseudo_reporting": False}
    ]
    assert meter_side.reporting[0x0000].peer.ieee == IPD
    unreportable = rig.call(
        "start_sending_reports",
        {
            **base,
            "cluster_id": IDENTIFY,
            "destination_endpoint_id": 0x5E,
            "record_list": [Record("AttributeReportingConfigurationRecord", {"attribute_id": 0})],
        },
    )
    assert _records(unreportable)[0].fields["status"] == 0x8C
    configs = _records(rig.call("get_local_reporting_configurations"))
    sent = [c.fields for c in configs if c.fields["reporting_direction"] == 0]
    assert [(c["device_address"], c["cluster_id"]) for c in sent] == [(MAC(IPD), METERING)]
    local = rig.call(
        "read_reporting_configuration",
        {
            "cluster_id": METERING,
            "server_or_client": 0,
            "record_list": [Record("ReadReportingConfigurationRecord", {"attribute_id": 0})],
        },
    )
    assert _records(local)[0].fields["max_interval"] == 10
    stopped = rig.call(
        "stop_sending_reports",
        {
            **base,
            "cluster_id": METERING,
            "destination_endpoint_id": 0x5E,
            "record_list": [Record("StopReportingRecord", {"attribute_id": 0})],
        },
    )
    assert _records(stopped)[0].fields["status"] == 0
    assert meter_side.reporting == {}
    assert ipd.started
