"""A simulated network driven in real time under asyncio (what `segateway run` does)."""

from __future__ import annotations

import asyncio

from segateway.radio import NetworkConfig, NetworkState, NodeType
from segateway.radio.sim import SimNetwork
from segateway.zigbee.install_code import InstallCode


async def test_devices_join_while_the_clock_follows_the_loop() -> None:
    """Driven against asyncio's clock (here at 20× real time), joining works as in a plain
    virtual-time run: MAC and APS timings are kept in event time, however slow the host."""
    sim = SimNetwork(seed=1)
    coordinator = sim.add_node(1, NodeType.coordinator)
    coordinator.form(NetworkConfig(channel=15, pan_id=0x1234, extended_pan_id=0x55))
    routers = []
    for ieee in range(2, 6):
        node = sim.add_node(ieee, NodeType.router)
        sim.link(node, coordinator)
        code = InstallCode.from_code(ieee.to_bytes(8, "big"))
        coordinator.add_install_code(ieee, code.code + code.crc)
        routers.append((node, code))
    coordinator.permit_joining(200)
    sim.start(speed=20.0)
    try:
        for node, code in routers:
            node.join(NetworkConfig(extended_pan_id=0x55, link_key=code.link_key))
        for _ in range(200):  # at most 10 s of wall time
            if all(n.state is NetworkState.joined for n, _ in routers):
                break
            await asyncio.sleep(0.05)
    finally:
        await sim.stop()
    assert [n.state for n, _ in routers] == [NetworkState.joined] * 4
