"""ZigBee and ZDO requests through the dispatcher, with real frames on the simulated network.

Expected values follow digi-se-rpc.md §3.3, §3.4 and digi-se-devices.md §3.4, §5.2 (the join
procedure, the messages' wording, ZDODeviceRecord).
"""

from __future__ import annotations

import pytest

from segateway.radio import ApsPacket, Endpoint
from segateway.rpc.errors import InvalidParamsError
from segateway.rpc.values import MAC, Base16, Record
from segateway.zigbee.install_code import InstallCode

from ..se.sekit import EPID
from .rpckit import METER, Rig

NEWCOMER = 0x00124B0000C0FFEE
PROBE = 0x00124B00000BEEF1
OTHER_PROFILE = 0xC105


def test_add_device_with_an_installation_code_lets_the_device_join() -> None:
    """digi-se-devices.md §3.4: add_device with the device's address, a join_time and its
    installation code; the device joins, is detected, discovered and listed."""
    rig = Rig()
    node = rig.joining_node(NEWCOMER)
    node.register_endpoint(Endpoint(1, 0x0109, 0x0502, input_clusters=(0x0000, 0x0003)))
    rig.call("permit_joining", {"join_time": 30})
    rig.run(30)
    assert not rig.joined(node), "joined without its key registered"
    code = InstallCode.from_code(NEWCOMER.to_bytes(8, "big"))
    printed = "-".join(str(code)[i : i + 4] for i in range(0, len(str(code)), 4))
    response = rig.call(
        "add_device",
        {"device_address": MAC(NEWCOMER), "join_time": 600, "installation_code": printed},
        request_identifier=41,
    )
    assert response.params == {"device_address": MAC(NEWCOMER), "join_time": 600}
    assert response.request_identifier == 41
    registered = [
        m for m in rig.queued("message") if " registered with XBee" in str(m.params["description"])
    ]
    assert registered
    assert registered[0].request_identifier == 41
    assert rig.home.sim.run_until(lambda: rig.joined(node), timeout=120)
    rig.run(20)
    assert any("marked as active" in str(m.params["description"]) for m in rig.queued("message"))
    info = rig.call("get_device_information", {"device_address": MAC(NEWCOMER)})
    (device,) = info.params["record_list"]  # type: ignore[misc]
    assert isinstance(device, Record)
    assert device.type_name == "ZDODeviceRecord"
    assert device.fields["addr_extended"] == MAC(NEWCOMER)
    assert device.fields["active"] is True
    assert device.fields["discovery_status"] == 1
    assert device.fields["node_type"] == 1  # a router
    assert device.fields["active_endpoints"] == [1]
    descriptors = device.fields["simple_descriptors"]
    assert isinstance(descriptors, dict)
    endpoint = descriptors["endpoint_0x01"]
    assert isinstance(endpoint, Record)
    assert endpoint.fields["input_cluster_list"] == [0x0000, 0x0003]
    assert rig.store.keys()[NEWCOMER][0] == "install_code"


def test_join_time_longer_than_one_permit_keeps_joining_open() -> None:
    """join_time 600 (the reference's example) outlasts ZigBee's 254-second permit."""
    rig = Rig()
    rig.call("add_device", {"device_address": MAC(NEWCOMER), "join_time": 600})
    rig.run(400)
    assert rig.call("get_network_information").params["permit_joining"] == 200
    rig.run(201)
    assert rig.call("get_network_information").params["permit_joining"] == 0


def test_add_device_with_a_link_key_and_bad_codes() -> None:
    rig = Rig()
    key = bytes.fromhex("56777777777777777777777777777777")  # §3.3 example
    rig.call("add_device", {"device_address": MAC(NEWCOMER), "link_key": Base16(key)})
    assert rig.store.keys()[NEWCOMER] == ("link_key", key)
    with pytest.raises(InvalidParamsError, match="CRC"):
        rig.call(
            "add_device",
            {"device_address": MAC(PROBE), "installation_code": "0011223344556677AAAA"},
        )
    with pytest.raises(InvalidParamsError):
        rig.call("add_device", {"device_address": MAC(PROBE), "link_key": Base16(b"short")})
    stored_keys = rig.store.keys()
    assert PROBE not in stored_keys
    assert rig.home.esi.devices.get(PROBE) is None


def test_get_device_information_lists_the_gateway_first_then_the_devices() -> None:
    rig = Rig()
    rig.add_meter()
    records = rig.call("get_device_information").params["record_list"]
    assert isinstance(records, list)
    addresses = [r.fields["addr_extended"] for r in records]
    assert addresses == [MAC(rig.gateway.ieee), MAC(METER)]
    gateway = records[0]
    assert gateway.fields["node_type"] == 0  # the coordinator
    assert gateway.fields["active_endpoints"] == [0x5E]
    meter = records[1]
    assert meter.fields["active"] is True
    assert meter.fields["simple_descriptors"]["endpoint_0x01"].fields["device_id"] == 0x0501


def test_remove_device_forgets_it_and_makes_it_leave() -> None:
    rig = Rig()
    meter = rig.add_meter()
    response = rig.call("remove_device", {"device_address": MAC(METER)})
    assert response.params == {"device_address": MAC(METER), "status": 0}
    assert any(
        " unregistered from XBee" in str(m.params["description"]) for m in rig.queued("message")
    )
    rig.run(5)
    assert not rig.joined(meter.node)
    assert rig.home.esi.devices.get(METER) is None
    again = rig.call("remove_device", {"device_address": MAC(METER)})
    assert again.params["status"] == 0x8B


def test_network_information_and_configuration() -> None:
    rig = Rig()
    rig.add_meter()
    info = rig.call("get_network_information").params
    assert info["eui"] == MAC(rig.gateway.ieee)
    assert info["addr_short"] == MAC(0x0000, 16)
    assert info["node_type"] == 0
    assert info["network_state"] == "joined"
    assert info["channel"] == 20
    assert info["pan_id"] == 0x5E5E
    assert info["extended_pan_id"] == EPID
    assert info["permit_joining"] == 0
    neighbors = info["neighbor_list"]
    assert isinstance(neighbors, list)
    assert MAC(METER) in [n.fields.get("addr_extended") for n in neighbors]
    configured = rig.call(
        "get_zigbee_network_configuration",
        {"join_attempt_interval": 120, "channel_mask": 0xFFFF, "extended_pan_id": 0},
    )
    assert configured.params == {
        "extended_pan_id": 0,
        "join_attempt_interval": 120,
        "channel_mask": 0xFFFF,
        "eui": MAC(rig.gateway.ieee),
    }
    assert rig.call("get_zigbee_network_configuration").params == configured.params


def test_send_zigbee_and_received_zigbee() -> None:
    """A raw frame out; a frame for a profile our endpoint does not serve comes back as
    received_zigbee."""
    rig = Rig()
    probe = rig.probe(PROBE)
    response = rig.call(
        "send_zigbee",
        {
            "destination_address": MAC(PROBE),
            "destination_endpoint_id": 1,
            "profile_id": OTHER_PROFILE,
            "cluster_id": 0xFC00,
            "payload": Base16(b"\x01\x02\x03"),
        },
    )
    assert response.params["status"] == 0
    assert response.params["delivery_status"] == "delivered"
    got = [p for p in probe.received if p.profile_id == OTHER_PROFILE]
    assert [(p.cluster_id, p.payload, p.dst_ep) for p in got] == [(0xFC00, b"\x01\x02\x03", 1)]
    rig.gateway.responses.get_responses()
    probe.node.send(
        ApsPacket(OTHER_PROFILE, 0xFC01, 7, 0x5E, b"\xaa\xbb", dst=0x0000), on_done=lambda _r: None
    )
    rig.run(2)
    (received,) = rig.queued("received_zigbee")
    assert received.params == {
        "source_address": MAC(PROBE),
        "source_endpoint_id": 7,
        "destination_endpoint_id": 0x5E,
        "profile_id": OTHER_PROFILE,
        "cluster_id": 0xFC01,
        "payload": Base16(b"\xaa\xbb"),
        "aps_encrypted": False,
    }


def test_bind_and_unbind() -> None:
    """§3.4: bind_response status 0x00 success; unbinding what is not bound: ZDO NO_ENTRY."""
    rig = Rig()
    rig.probe(PROBE)
    params = {
        "destination_address": MAC(PROBE),
        "destination_endpoint_id": 1,
        "source_endpoint_id": 0x5E,
        "cluster_id": 0x0702,
    }
    bound = rig.call("bind", params)
    assert bound.params == {"status": 0x00, **params}
    server = rig.home.sim.nodes[PROBE].zdo
    assert len(server.bindings) == 1
    assert rig.call("unbind", params).params["status"] == 0x00
    assert rig.call("unbind", params).params["status"] == 0x88  # NO_ENTRY
    with pytest.raises(InvalidParamsError):
        rig.call("bind", {**params, "destination_address": MAC(NEWCOMER)})
