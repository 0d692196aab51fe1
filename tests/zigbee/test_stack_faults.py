"""Faults: a lossy channel, routers that drop out, end devices that lose their parent.

Rules: an APS-acknowledged frame is either acknowledged end to end or reported failed after its
retries (apscMaxFrameRetries) — never silently lost; a broken link drops the routes through it
and the next attempt discovers another path; an end device that cannot reach its parent rejoins
through another one.
"""

from __future__ import annotations

from collections import Counter

from segateway.radio import DeliveryStatus, DeviceJoined, NetworkState, NodeType

from .netkit import TC_IEEE, make_net

R1, R2, R3, ED = 0x00124B0000000010, 0x00124B0000000011, 0x00124B0000000012, 0x00124B0000000020


def test_with_30_percent_loss_every_acknowledged_frame_is_delivered_or_reported() -> None:
    net = make_net(seed=3)
    c = net.coordinator
    r = net.add(R1, links=[c])
    e = net.add(ED, NodeType.end_device, links=[r])
    assert net.join(r)
    assert net.join(e)
    net.sim.medium.loss = 0.3
    sent = 120
    outcomes: list[list] = []  # one list per frame, filled by its delivery callback
    for i in range(sent):
        payload = b"frame-%03d" % i
        net.sim.clock.call_later(0.25 * i, lambda p=payload: outcomes.append(net.send(c, e, p)))
    net.sim.run(0.25 * sent + 120)
    assert [len(o) for o in outcomes] == [1] * sent  # every frame got exactly one outcome
    results = [o[0] for o in outcomes]
    statuses = Counter(r.status for r in results)
    received = Counter(p.payload for p in net.packets[ED] if p.payload.startswith(b"frame-"))
    assert all(n == 1 for n in received.values())  # APS duplicates are filtered
    delivered = statuses[DeliveryStatus.delivered]
    # whatever was reported delivered really arrived (the ack can only follow a reception)
    assert len(received) >= delivered
    # with four APS attempts over lossy two-hop paths, most frames still make it
    assert delivered >= 0.8 * sent, statuses
    print(f"30% loss: {dict(statuses)}, received {len(received)} of {sent}")


def test_traffic_reroutes_when_a_router_drops_out() -> None:
    net = make_net(seed=5)
    c = net.coordinator
    r1 = net.add(R1, links=[c])
    r2 = net.add(R2, links=[c])
    assert net.join(r1, r2)
    target = net.add(R3, links=[r1, r2])  # out of the coordinator's range
    assert net.join(target)
    first = net.send(c, target)
    net.sim.run(10)
    assert [x.status for x in first] == [DeliveryStatus.delivered]
    via = c.nwk.next_hop(target.nwk_address or 0)
    assert via in (r1.nwk_address, r2.nwk_address)
    dead, alive = (r1, r2) if via == r1.nwk_address else (r2, r1)
    net.sim.set_online(dead, False)
    second = net.send(c, target)
    net.sim.run(30)
    assert [x.status for x in second] == [DeliveryStatus.delivered]
    assert c.nwk.next_hop(target.nwk_address or 0) == alive.nwk_address
    back = net.send(target, c)
    net.sim.run(30)
    assert [x.status for x in back] == [DeliveryStatus.delivered]


def test_no_path_means_a_reported_failure() -> None:
    net = make_net(seed=6)
    c = net.coordinator
    r1 = net.add(R1, links=[c])
    assert net.join(r1)
    target = net.add(R3, links=[r1])
    assert net.join(target)
    net.sim.set_online(r1, False)
    results = net.send(c, target)
    net.sim.run(60)
    assert len(results) == 1
    assert results[0].status is not DeliveryStatus.delivered


def test_end_device_rejoins_through_another_parent() -> None:
    net = make_net(seed=7)
    c = net.coordinator
    r1 = net.add(R1, links=[c])
    r2 = net.add(R2, links=[c])
    assert net.join(r1, r2)
    e = net.add(ED, NodeType.end_device, sleepy=True, links=[r1])
    assert net.join(e)
    assert e.info().parent == r1.nwk_address
    net.sim.link(e, r2, lqi=150)
    net.sim.set_online(r1, False)
    assert net.sim.run_until(
        lambda: e.state is NetworkState.joined and e.info().parent == r2.nwk_address,
        timeout=120,
    )
    rejoins = [x for x in net.events if isinstance(x, DeviceJoined) and x.ieee == ED and x.rejoin]
    assert rejoins
    results = net.send(c, e)
    net.sim.run(30)
    assert [x.status for x in results] == [DeliveryStatus.delivered]


def test_a_fast_sender_never_has_fresh_frames_taken_for_duplicates() -> None:
    """APS counters are 8 bits: a device sending 20 frames/s reuses a counter every 12.8 s. The
    receiver's duplicate window spans only the sender's retries ((apscMaxFrameRetries + 1) ×
    apsAckWaitDuration), so every fresh frame is delivered once and only retries are dropped."""
    net = make_net(seed=11)
    c = net.coordinator
    r = net.add(R1, links=[c])
    assert net.join(r)
    sent = 600  # 30 s at 20 frames/s: the counter wraps twice
    outcomes: list[list] = []
    for i in range(sent):
        payload = b"fast-%03d" % i
        net.sim.clock.call_later(0.05 * i, lambda p=payload: outcomes.append(net.send(r, c, p)))
    net.sim.run(0.05 * sent + 10)
    received = Counter(p.payload for p in net.packets[TC_IEEE] if p.payload[:5] == b"fast-")
    assert len(received) == sent
    assert set(received.values()) == {1}
    assert all(o[0].status is DeliveryStatus.delivered for o in outcomes)


def test_a_payload_too_long_for_one_frame_is_reported_not_raised() -> None:
    """802.15.4: an MPDU is at most aMaxPHYPacketSize = 127 octets. Without APS fragmentation a
    longer frame is refused with a delivery status (FRAME_TOO_LONG), nothing goes on the air, the
    link is not counted as failed, and a frame that fits still goes through afterwards."""
    net = make_net(seed=8)
    c = net.coordinator
    r1 = net.add(R1, links=[c])
    assert net.join(r1)
    net.sim.run(5)
    frames_before = net.sim.medium.stats.frames
    results = net.send(c, r1, bytes(110))
    net.sim.run(10)
    assert [x.status for x in results] == [DeliveryStatus.frame_too_long]
    assert net.sim.medium.stats.frames - frames_before < 3  # at most unrelated link status
    fits = net.send(c, r1, bytes(40))
    net.sim.run(10)
    assert [x.status for x in fits] == [DeliveryStatus.delivered]
