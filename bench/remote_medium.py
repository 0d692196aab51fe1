"""The medium across processes: what a round trip, a frame and a ZigBee network cost.

    python bench/remote_medium.py [--json]

The server (this process) holds the medium; each scenario starts one client in a separate
process (``spawn``) and times the server's clock run with ``time.perf_counter``:

* round trips: one client event makes ``N`` ``channel_clear`` calls (request → reply);
* frames out: a client node sends frames back to back (each one a grant and a TRANSMIT round
  trip) to a receiver in this process;
* frames in: a node in this process sends frames back to back to a client receiver (each one a
  DELIVER and a grant);
* ZigBee: a coordinator here, a router and two end devices (one sleepy) in the client, 120 s
  of virtual time from the first join — against the same network in one process (the ratio).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import sys
import time
from collections.abc import Callable
from typing import Any

from segateway.radio import NetworkConfig, NodeType
from segateway.sim.clock import VirtualClock
from segateway.sim.medium import Medium
from segateway.sim.remote import MediumServer, RemoteMedium, run_client
from segateway.zigbee.install_code import InstallCode
from segateway.zigbee.stack.node import Node

HOST = "127.0.0.1"
ROUND_TRIPS = 50_000
FRAMES = 20_000
ZIGBEE_SECONDS = 120.0


class _Sink:
    def __init__(self) -> None:
        self.frames = 0

    def on_frame(self, frame: bytes, lqi: int, rssi: int) -> None:
        self.frames += 1


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - simulation randomness


# ------------------------------------------------------------------ client sides (spawned)


def _cca_client(port: int) -> None:
    def setup(remote: RemoteMedium, clock: VirtualClock) -> None:
        me = remote.add_node(_Sink())
        clock.call_at(0.001, lambda: [remote.channel_clear(me) for _ in range(ROUND_TRIPS)])

    run_client(HOST, port, setup)


def _sender_client(port: int, sink: int) -> None:
    def setup(remote: RemoteMedium, clock: VirtualClock) -> None:
        me = remote.add_node(_Sink())
        remote.link(me, sink)

        def send(left: int) -> None:
            if left:
                end = remote.transmit(me, bytes(50))
                clock.call_at(end, send, left - 1)

        clock.call_at(0.001, send, FRAMES)

    run_client(HOST, port, setup)


def _receiver_client(port: int, source: int) -> None:
    def setup(remote: RemoteMedium, clock: VirtualClock) -> None:
        remote.link(source, remote.add_node(_Sink()))

    run_client(HOST, port, setup)


COORDINATOR = 0x00124B0000000001
DEVICES = [
    (0x00124B0000000002, NodeType.router, True, 0),
    (0x00124B0000000003, NodeType.end_device, True, 1),
    (0x00124B0000000004, NodeType.end_device, False, 1),
]


def _code(ieee: int) -> InstallCode:
    return InstallCode.from_code(ieee.to_bytes(8, "big"))


def _coordinator(medium: Any, clock: VirtualClock) -> Node:
    node = Node(medium, clock, ieee=COORDINATOR, node_type=NodeType.coordinator, rng=_rng(1))
    node.form(
        NetworkConfig(channel=15, pan_id=0x1A62, extended_pan_id=0xDD, network_key=bytes(range(16)))
    )
    for ieee, *_ in DEVICES:
        code = _code(ieee)
        node.add_install_code(ieee, code.code + code.crc)
    node.permit_joining(60)
    return node


def _devices(medium: Any, clock: VirtualClock) -> None:
    for index, (ieee, kind, rx_on, parent) in enumerate(DEVICES):
        node = Node(medium, clock, ieee=ieee, node_type=kind, rx_on_when_idle=rx_on, rng=_rng(ieee))
        medium.link(parent, node.mac.node_id, lqi=200)
        clock.call_at(0.1 + index, node.join, NetworkConfig(link_key=_code(ieee).link_key))


def _zigbee_client(port: int) -> None:
    run_client(HOST, port, _devices)


# ------------------------------------------------------------------ server side


async def _timed(
    target: Callable[..., None],
    args: Callable[[Medium, VirtualClock], tuple[Any, ...]],
    until: float,
) -> tuple[float, Medium, MediumServer]:
    clock = VirtualClock()
    medium = Medium(clock, _rng(1))
    extra = args(medium, clock)
    context = multiprocessing.get_context("spawn")
    async with MediumServer(medium, clock) as server:
        process = context.Process(target=target, args=(server.port, *extra), daemon=True)
        process.start()
        await asyncio.wait_for(server.wait_ready(1), 30)
        start = time.perf_counter()
        clock.run(until=until)
        elapsed = time.perf_counter() - start
    process.join(30)
    return elapsed, medium, server


async def main() -> dict[str, float]:
    results: dict[str, float] = {}
    elapsed, _, server = await _timed(_cca_client, lambda m, c: (), 0.01)
    results["round trips/s"] = server.stats.requests / elapsed

    sink = _Sink()
    elapsed, medium, server = await _timed(
        _sender_client, lambda m, c: (m.add_node(sink),), FRAMES * 0.01
    )
    results["frames/s client→server"] = sink.frames / elapsed

    def source(medium: Medium, clock: VirtualClock) -> tuple[Any, ...]:
        node = medium.add_node(_Sink())

        def send(left: int) -> None:
            if left:
                clock.call_at(medium.transmit(node, bytes(50)), send, left - 1)

        clock.call_at(0.001, send, FRAMES)
        return (node,)

    elapsed, medium, server = await _timed(_receiver_client, source, FRAMES * 0.01)
    results["frames/s server→client"] = server.stats.deliveries / elapsed

    clock = VirtualClock()
    medium = Medium(clock, _rng(1))
    _coordinator(medium, clock)
    _devices(medium, clock)
    start = time.perf_counter()
    clock.run(until=ZIGBEE_SECONDS)
    alone = time.perf_counter() - start
    frames_alone = medium.stats.frames

    def zigbee(medium: Medium, clock: VirtualClock) -> tuple[Any, ...]:
        _coordinator(medium, clock)
        return ()

    elapsed, medium, server = await _timed(_zigbee_client, zigbee, ZIGBEE_SECONDS)
    assert medium.stats.frames == frames_alone  # noqa: S101 - the same run, split
    results["zigbee frames"] = frames_alone
    results["zigbee one process s"] = alone
    results["zigbee split s"] = elapsed
    results["zigbee split/one process"] = elapsed / alone
    results["zigbee grants"] = server.stats.grants
    results["zigbee requests"] = server.stats.requests
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    figures = asyncio.run(main())
    if options.json:
        json.dump(figures, sys.stdout, indent=2)
        print()
    else:
        for name, value in figures.items():
            print(f"{name:28} {value:12,.3f}")
