"""Forming, joining and admission: coordinator, routers, end devices, sleepy end devices.

Behaviour checked against ZigBee PRO rules (05-3474): devices join by association and receive
the network key from the trust center, encrypted under their pre-configured link key; routers
admit children only while joining is permitted; the trust center admits only what its policy
allows.
"""

from __future__ import annotations

from segateway.radio import DeliveryStatus, JoinPolicy, NetworkConfig, NetworkState, NodeType
from segateway.zigbee.stack.context import StackConfig
from segateway.zigbee.stack.node import Node
from segateway.zigbee.stack.tables import Relationship
from segateway.zigbee.stack.trust_center import GLOBAL_LINK_KEY

from .netkit import EPID, NETWORK_KEY, PAN, SE, TC_IEEE, Net, make_net

R1, R2, ED, SLEEPY = 0x00124B0000000010, 0x00124B0000000011, 0x00124B0000000020, 0x00124B0000000021


def _sleepy_behind_a_router() -> tuple[Net, Node, Node]:
    """The coordinator, a router, and a sleepy end device joined through the router."""
    net = make_net()
    c = net.coordinator
    r = net.add(R1, links=[c])
    s = net.add(SLEEPY, NodeType.end_device, sleepy=True, links=[r])
    assert net.join(r)
    assert net.join(s)
    return net, c, s


def test_router_end_device_and_sleepy_device_join_through_the_trust_center() -> None:
    net = make_net()
    c = net.coordinator
    r = net.add(R1, links=[c])
    e = net.add(ED, NodeType.end_device, links=[r])
    s = net.add(SLEEPY, NodeType.end_device, sleepy=True, links=[r])
    assert net.join(r)
    assert net.join(e, s)
    # every node holds the network key the coordinator formed with, and knows its parent
    for node, parent in ((r, 0x0000), (e, r.nwk_address), (s, r.nwk_address)):
        info = node.info()
        assert info.state is NetworkState.joined
        assert info.pan_id == PAN
        assert info.parent == parent
        assert info.trust_center == TC_IEEE
        assert node.ctx.network_key == NETWORK_KEY
    assert sorted(net.joined()) == sorted([R1, ED, SLEEPY])
    # the router lists both end devices as (authenticated) children
    children = {n.ieee: n for n in r.nwk.neighbors.children()}
    assert set(children) == {ED, SLEEPY}
    assert all(n.relationship is Relationship.child for n in children.values())
    assert not children[SLEEPY].rx_on_when_idle


def test_aps_secured_data_reaches_a_sleepy_device_and_is_acknowledged() -> None:
    net, c, s = _sleepy_behind_a_router()
    results = net.send(c, s)
    net.sim.run(20)
    assert [x.status for x in results] == [DeliveryStatus.delivered]
    got = net.packets[SLEEPY]
    assert len(got) == 1
    assert got[0].aps_security
    assert got[0].src_ieee == TC_IEEE
    # and back: the device answers the coordinator
    back = net.send(s, c, b"\x08\x01\x01")
    net.sim.run(10)
    assert [x.status for x in back] == [DeliveryStatus.delivered]
    se = [p for p in net.packets[TC_IEEE] if p.profile_id == SE]
    assert [p.payload for p in se] == [b"\x08\x01\x01"]


def test_frames_queued_for_a_sleepy_device_all_arrive_after_one_poll() -> None:
    """IEEE 802.15.4 indirect transmission: the parent gives one frame per data request and
    sets Frame Pending while it holds more; the sleepy device then polls again at once, so three
    frames queued together arrive within one poll, not one per poll interval (5 s)."""
    net, c, s = _sleepy_behind_a_router()
    net.sim.run(30)  # settled: nothing queued
    before = len(net.packets[SLEEPY])
    start = net.sim.clock.now()
    arrived: list[float] = []
    s.add_listener(on_packet=lambda _p: arrived.append(net.sim.clock.now()))
    for k in range(3):
        net.send(c, s, bytes([0x00, k, 0x00, 0x00, 0x00]), aps_ack=False)
    assert net.sim.run_until(lambda: len(net.packets[SLEEPY]) == before + 3, timeout=20)
    assert len(arrived) == 3
    poll = s.ctx.config.poll_interval
    assert arrived[0] - start <= poll * 1.1 + 0.5  # the next poll (jittered ±10 %)
    assert arrived[-1] - arrived[0] < 0.5  # the other two right after, not a poll apart


def test_multi_hop_through_a_chain_of_routers() -> None:
    net = make_net()
    c = net.coordinator
    r1 = net.add(R1, links=[c])
    r2 = net.add(R2, links=[r1])
    e = net.add(ED, NodeType.end_device, links=[r2])
    assert net.join(r1)
    assert net.join(r2)
    assert net.join(e)
    assert e.info().parent == r2.nwk_address
    results = net.send(c, e)
    net.sim.run(10)
    assert [x.status for x in results] == [DeliveryStatus.delivered]
    assert len(net.packets[ED]) == 1
    back = net.send(e, c)
    net.sim.run(10)
    assert [x.status for x in back] == [DeliveryStatus.delivered]


def test_wrong_install_code_never_gets_the_network_key() -> None:
    net = make_net()
    c = net.coordinator
    bad = net.add(R1, links=[c], link_key=bytes(16))  # registered, but the device has another key
    net.join(bad, timeout=40)
    assert bad.state is not NetworkState.joined
    assert bad.ctx.network_key is None
    assert R1 not in net.joined()
    assert bad.aps.dropped_insecure > 0  # it saw the key transport, and could not open it


def test_unregistered_device_is_refused_in_explicit_mode() -> None:
    net = make_net(policy=JoinPolicy.explicit)
    stranger = net.add(R1, links=[net.coordinator], register=False)
    net.join(stranger, timeout=40)
    assert stranger.state is not NetworkState.joined
    assert net.coordinator.refused > 0
    assert net.joined() == []


def test_open_mode_admits_devices_with_the_global_key() -> None:
    net = make_net(policy=JoinPolicy.open)
    device = net.add(R1, links=[net.coordinator], register=False, link_key=GLOBAL_LINK_KEY)
    assert net.join(device)
    assert net.joined() == [R1]


def test_joining_closes_when_the_permit_expires() -> None:
    net = make_net(permit=0)
    c = net.coordinator
    c.permit_joining(30)
    net.sim.run(31)
    late = net.add(R1, links=[c])
    assert not net.join(late, timeout=30)
    assert net.joined() == []
    c.permit_joining(60)  # reopened: now it gets in
    assert net.join(late, timeout=40)


def test_routers_open_joining_when_the_coordinator_does() -> None:
    net = make_net(permit=0)
    c = net.coordinator
    c.permit_joining(200)
    r = net.add(R1, links=[c])
    assert net.join(r)
    net.sim.run(1)
    assert r.info().permit_joining_until is not None
    e = net.add(ED, NodeType.end_device, links=[r])  # hears only the router
    assert net.join(e)


def test_removed_device_leaves_and_cannot_rejoin_until_re_added() -> None:
    net = make_net()
    c = net.coordinator
    r = net.add(R1, links=[c])
    e = net.add(ED, NodeType.end_device, links=[r])
    assert net.join(r)
    assert net.join(e)
    c.remove_device(ED)
    net.sim.run(30)
    assert ED in net.left()
    assert e.state is not NetworkState.joined
    e.join(NetworkConfig_for(e))
    net.sim.run(60)
    assert e.state is not NetworkState.joined  # the trust center forgot its key
    code = e.join_key  # type: ignore[attr-defined]
    c.add_link_key(ED, code)
    assert net.sim.run_until(lambda: e.state is NetworkState.joined, timeout=60)


def NetworkConfig_for(node):  # noqa: N802 - small local helper
    return NetworkConfig(extended_pan_id=EPID, link_key=node.join_key)


def test_routers_keep_a_bounded_address_map_and_the_trust_center_all() -> None:
    """Every Device_annce teaches the routers that hear it an IEEE ↔ NWK pair; a router keeps at
    most address_map_size of them (the most recent), the trust center keeps them all."""
    net = make_net(config=StackConfig(address_map_size=4))
    c = net.coordinator
    r = net.add(R1, links=[c])
    assert net.join(r)
    devices = [net.add(0x00124B0000000100 + i, NodeType.end_device, links=[r]) for i in range(8)]
    for device in devices:
        assert net.join(device)
    assert len(r.nwk.address_map) <= 4
    assert all(c.nwk.nwk_of(d.ieee) == d.nwk_address for d in devices)
    assert all(c.nwk.ieee_of(d.nwk_address or 0) == d.ieee for d in devices)
    # the router still reaches every child it forgot from the map: children are neighbors
    for device in devices:
        assert r.nwk.ieee_of(device.nwk_address or 0) == device.ieee
