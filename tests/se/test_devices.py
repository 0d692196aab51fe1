"""The device manager on the simulated network: detection, discovery, activity, persistence."""

from __future__ import annotations

from segateway.radio import Endpoint
from segateway.se.app import SeConfig
from segateway.se.bus import DeviceStatusChanged, StatusMessage
from segateway.se.devices import DiscoveryStatus, JoinMode
from segateway.store import Store
from segateway.zcl.cluster import Side

from .sekit import Home

METER = 0x00124B0000A1B2C3
METER_EP = Endpoint(
    1, 0x0109, 0x0501, input_clusters=(0x0000, 0x0003, 0x0702), output_clusters=(0x000A,)
)


def test_a_joining_device_is_detected_discovered_and_marked_active() -> None:
    """digi-se-devices §5: detection on join, discovery of endpoints and clusters
    (Active_EP, Simple_Desc), then the device is active; the original's messages are emitted."""
    home = Home()
    home.probe(METER, METER_EP)
    home.run(10)
    device = home.esi.devices.get(METER)
    assert device is not None
    assert device.discovery_status is DiscoveryStatus.complete
    assert device.active
    assert device.logical_type == "router"
    assert device.rx_on_when_idle is True
    assert list(device.endpoints) == [1]
    ep = device.endpoints[1]
    assert (ep.profile_id, ep.device_id) == (0x0109, 0x0501)
    assert ep.input_clusters == [0x0000, 0x0003, 0x0702]
    assert ep.output_clusters == [0x000A]
    texts = [n.description for n in home.of(StatusMessage)]
    assert "ZDO_Device_Manager - Device 00:12:4b:00:00:a1:b2:c3! detected and marked as active" in (
        texts
    )
    assert any("Discovery Complete" in t for t in texts)
    # peers by cluster: the meter serves Metering, is a Time client
    assert [p.ieee for p in home.esi.devices.peers(0x0702, servers=True)] == [METER]
    assert [p.ieee for p in home.esi.devices.peers(0x000A, servers=False)] == [METER]
    assert home.esi.devices.peers(0x0700, servers=True) == []


def test_devices_are_persisted_and_restored(tmp_path: object) -> None:
    """Persisted: after a restart the device manager knows every device and its endpoints."""
    path = f"{tmp_path}/gw.sqlite"
    home = Home(store=Store(path))
    home.probe(METER, METER_EP)
    home.run(10)
    home.esi.close()
    home.store.close()
    again = Store(path)
    restored = Home(store=again)  # a new process would do the same: open the file
    device = restored.esi.devices.get(METER)
    assert device is not None
    assert device.discovery_status is DiscoveryStatus.complete
    assert device.endpoints[1].input_clusters == [0x0000, 0x0003, 0x0702]


def test_consecutive_failures_make_a_device_inactive_and_traffic_reactivates_it() -> None:
    """ZDO_Device_Manager.max_sequential_TX_failures: after that many consecutive failed sends
    the device is inactive ("marked as inactive"); when it is heard again it is active."""
    home = Home()
    probe = home.probe(METER, METER_EP)
    home.run(10)
    became: list[object] = []
    home.esi.devices.on_active(became.append)
    home.sim.set_online(probe.node, False)
    basic = home.esi.cluster(0x0003, Side.server)
    assert basic is not None
    peer = home.esi.peer(METER)
    for _ in range(3):
        basic.send_command(peer, "read_attributes", {"attribute_ids": [0]})
        home.run(30)
    device = home.esi.devices.get(METER)
    assert device is not None
    assert not device.active
    assert any("marked as inactive" in n.description for n in home.of(StatusMessage))
    assert home.of(DeviceStatusChanged)[-1].active is False
    # back online: it speaks, it is active again and listeners are told
    home.sim.set_online(probe.node, True)
    probe.send(0x0000, 0x0003, bytes.fromhex("01 10 01"))
    home.run(5)
    assert device.active
    assert [d.ieee for d in became] == [METER]  # type: ignore[attr-defined]


def test_explicit_add_mode_ignores_unregistered_devices() -> None:
    """Explicit device add: only devices added with add_device are managed; open join: any."""
    home = Home(config=SeConfig(join_mode=JoinMode.explicit, refresh_rate=0))
    home.probe(METER, METER_EP)
    home.run(10)
    assert home.esi.devices.get(METER) is None
    other = 0x00124B0000A1B2C4
    home.esi.devices.add(other)
    home.probe(other, METER_EP)
    home.run(10)
    device = home.esi.devices.get(other)
    assert device is not None
    assert device.active
    assert any(" registered with XBee" in n.description for n in home.of(StatusMessage))


def test_an_ipd_router_finds_the_esi_through_the_trust_center() -> None:
    """A router configuration discovers the trust center (the ESI Coordinator) and its SE
    server clusters when it starts."""
    home = Home()
    ipd = home.app(0x00124B00000D15D1)
    home.run(10)
    esi = ipd.devices.get(0x00124B0000005E01)
    assert esi is not None
    assert esi.active
    assert esi.endpoints[0x5E].device_id == 0x0500
    assert 0x0000 in esi.endpoints[0x5E].input_clusters


def test_start_reports_init_complete_and_joined_network() -> None:
    """digi-se-rpc §5: "Init Complete" (0x0000) when the framework is initialised, then
    "Joined Network" (0x0001) with the original's text when the local node is on a network."""
    home = Home()
    first = home.of(StatusMessage)[:2]
    assert [(m.status, m.severity) for m in first] == [(0x0000, 1), (0x0001, 1)]
    assert first[1].description == "Local device detected that it is joined to a ZigBee network"
