"""Nodes in other processes: the medium served over a loopback socket, in lockstep virtual time.

Requirement (issue 3): "Nodes can live in the same process or in other processes (over loopback
sockets), so the device simulator can run as a separate program beside the gateway."

Clients run in threads of the test process (they only share the socket with the server, exactly
as another process would) except where a separate OS process is the point: the ZigBee join and
the killed client use the ``spawn`` context. Expected airtimes come from IEEE 802.15.4-2006's
2.4 GHz O-QPSK PHY as docs/network.md summarises it: (6 + n) bytes of 32 µs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import os
import random
import signal
import struct
import threading
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.radio import DeviceJoined, NetworkConfig, NodeType
from segateway.radio.sim import SimNetwork
from segateway.sim.clock import VirtualClock
from segateway.sim.medium import Medium
from segateway.sim.remote import (
    MAGIC,
    MAX_MESSAGE,
    VERSION,
    MediumServer,
    MessageDecoder,
    MessageType,
    ProtocolError,
    RemoteMedium,
    encode_message,
    run_client,
)
from segateway.zigbee.install_code import InstallCode
from segateway.zigbee.stack.node import Node

HOST = "127.0.0.1"
WAIT = 10.0  # seconds of real time any single wait may take before the test fails


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 -- a seeded simulation RNG, not for secrets


def _frame_time(n: int) -> float:
    return (6 + n) * 32e-6


class Recorder:
    """A receiver that writes down every frame with the time it arrived."""

    def __init__(self, clock: VirtualClock, name: str, trace: list[Any]) -> None:
        self.clock = clock
        self.name = name
        self.trace = trace

    def on_frame(self, frame: bytes, lqi: int, rssi: int) -> None:
        self.trace.append((self.clock.now(), self.name, frame, lqi, rssi))


class ClientThread:
    """``run_client`` in a thread; keeps what it raised."""

    def __init__(self, port: int, setup: Callable[[RemoteMedium, VirtualClock], None]) -> None:
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(port, setup), daemon=True)
        self._thread.start()

    def _run(self, port: int, setup: Callable[[RemoteMedium, VirtualClock], None]) -> None:
        try:
            run_client(HOST, port, setup)
        except BaseException as exc:  # handed to the test
            self.error = exc

    def join(self) -> None:
        self._thread.join(WAIT)
        assert not self._thread.is_alive()


def _served(seed: int = 1, **kwargs: Any) -> tuple[VirtualClock, Medium, MediumServer]:
    clock = VirtualClock()
    medium = Medium(clock, _rng(seed), **kwargs)
    return clock, medium, MediumServer(medium, clock, client_timeout=WAIT)


async def _ready(server: MediumServer, clients: int) -> None:
    await asyncio.wait_for(server.wait_ready(clients), WAIT)


# ------------------------------------------------------------------------------ frames and CCA


async def test_frames_cross_the_socket_both_ways_at_the_end_of_their_airtime() -> None:
    """A frame a remote node sends reaches an in-process receiver when its airtime ends, a frame
    sent in process reaches the remote receiver at its end, and each side's CCA sees the other's
    transmission."""
    clock, medium, server = _served()
    trace: list[Any] = []
    local = medium.add_node(Recorder(clock, "local", trace))
    seen: dict[str, Any] = {}

    def setup(remote: RemoteMedium, rclock: VirtualClock) -> None:
        me = remote.add_node(Recorder(rclock, "remote", trace))
        remote.link(local, me, lqi=200)

        def send() -> None:
            seen["end"] = remote.transmit(me, bytes(20))
            seen["own"] = (remote.transmitting(me), remote.channel_clear(me))

        def sense(key: str) -> None:
            seen[key] = (rclock.now(), remote.channel_clear(me), remote.transmitting(me))

        rclock.call_at(0.010, send)
        rclock.call_at(0.010 + _frame_time(20), sense, "after own")
        rclock.call_at(0.020, sense, "same instant")  # the server's events at an instant go first
        rclock.call_at(0.020 + _frame_time(50) / 2, sense, "during local")
        rclock.call_at(0.020 + _frame_time(50), sense, "after local")

    local_cca: list[bool] = []
    clock.call_at(
        0.010 + _frame_time(20) / 2, lambda: local_cca.append(medium.channel_clear(local))
    )
    clock.call_at(0.020, medium.transmit, local, bytes(range(50)))
    async with server:
        client = ClientThread(server.port, setup)
        await _ready(server, 1)
        clock.run(until=0.1)
        remote_id = server.remote_nodes()[0]
    client.join()
    assert client.error is None
    assert seen["end"] == 0.010 + _frame_time(20)
    assert seen["own"] == (True, False)
    rssi = -100 + (200 * 70 + 127) // 255  # the medium's linear LQI → RSSI model
    assert trace == [
        (0.010 + _frame_time(20), "local", bytes(20), 200, rssi),
        (0.020 + _frame_time(50), "remote", bytes(range(50)), 200, rssi),
    ]
    assert local_cca == [False]
    assert seen["after own"] == (0.010 + _frame_time(20), True, False)
    assert seen["same instant"] == (0.020, False, False)
    assert seen["during local"] == (0.020 + _frame_time(50) / 2, False, False)
    assert seen["after local"] == (0.020 + _frame_time(50), True, False)
    with pytest.raises(KeyError):  # the client's nodes left the medium with it
        medium.is_online(remote_id)


def _same_instant_scenario(
    medium: Any, clock: VirtualClock, local: int, me: int, log: list[str]
) -> None:
    """The remote side of the ordering tests: at 0.011, while the local node's frame is on the
    air, plan a probe at the exact instant that frame ends (so after the medium planned its
    delivery); at 0.030 sense the channel at the instant the local node starts a frame it
    decided to send only at 0.025 (so after this client reported 0.030 as its next time)."""
    end = 0.010 + medium.airtime(30)

    def probe(what: str) -> None:
        log.append(f"{what} {medium.channel_clear(me)}")

    clock.call_at(0.011, clock.call_at, end, probe, "own event at the frame's end")
    clock.call_at(0.030, probe, "CCA as the local frame starts")


def _local_side(medium: Medium, clock: VirtualClock, local: int) -> None:
    clock.call_at(0.010, medium.transmit, local, bytes(30))
    clock.call_at(0.025, clock.call_at, 0.030, medium.transmit, local, bytes(40))


class _Logger:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def on_frame(self, frame: bytes, lqi: int, rssi: int) -> None:
        self.log.append(f"frame of {len(frame)}")


async def test_within_one_instant_the_order_is_the_one_the_docstring_gives() -> None:
    """The server's events at an instant run before the clients' (even those it scheduled after
    the client reported that instant: in one process, where scheduling order decides, the
    client's CCA would run first — the one way a split run may differ), and a client's
    deliveries run before its own events (as in one process, since the medium plans a delivery
    when the frame starts)."""
    clock = VirtualClock()
    medium = Medium(clock, _rng(1))
    local = medium.add_node(Recorder(clock, "local", []))
    one_process: list[str] = []
    me = medium.add_node(_Logger(one_process))
    medium.link(local, me)
    _local_side(medium, clock, local)
    _same_instant_scenario(medium, clock, local, me, one_process)
    clock.run(until=0.1)

    clock, medium, server = _served()
    local = medium.add_node(Recorder(clock, "local", []))
    split: list[str] = []

    def setup(remote: RemoteMedium, rclock: VirtualClock) -> None:
        me = remote.add_node(_Logger(split))
        remote.link(local, me)
        _same_instant_scenario(remote, rclock, local, me, split)

    _local_side(medium, clock, local)
    async with server:
        client = ClientThread(server.port, setup)
        await _ready(server, 1)
        clock.run(until=0.1)
    client.join()
    assert client.error is None
    assert split == [
        "frame of 30",
        "own event at the frame's end True",
        "CCA as the local frame starts False",
        "frame of 40",
    ]
    assert one_process == [*split[:2], "CCA as the local frame starts True", split[3]]


async def test_real_time_server_clock_still_drives_the_clients() -> None:
    """Under run_realtime the clients follow the server's (live) time."""
    clock, medium, server = _served()
    trace: list[Any] = []
    local = medium.add_node(Recorder(clock, "local", trace))
    remote_trace: list[Any] = []

    def setup(remote: RemoteMedium, rclock: VirtualClock) -> None:
        me = remote.add_node(Recorder(rclock, "remote", remote_trace))
        remote.link(local, me)
        for k in range(1, 4):
            rclock.call_at(k * 0.01, remote.transmit, me, bytes([k]) * 10)

    clock.call_at(0.045, medium.transmit, local, b"from the gateway")
    async with server:
        client = ClientThread(server.port, setup)
        await _ready(server, 1)
        await clock.run_realtime(speed=1.0, until=0.08)
    client.join()
    assert client.error is None
    assert [frame for _, _, frame, _, _ in trace] == [bytes([k]) * 10 for k in range(1, 4)]
    for k, (when, *_) in enumerate(trace, 1):
        assert k * 0.01 + _frame_time(10) <= when <= 0.08
    assert [frame for _, _, frame, _, _ in remote_trace] == [b"from the gateway"]
    assert 0.045 + _frame_time(16) <= remote_trace[0][0] <= 0.08


# ------------------------------------------------------------------------------ determinism


class Chatter:
    """A node that sends random frames with a crude CSMA and answers some of what it hears,
    every delay drawn from its own generator (so no two nodes act at the very same instant)."""

    def __init__(
        self, medium: Any, clock: VirtualClock, name: int, trace: list[Any], sends: int = 12
    ) -> None:
        self.medium = medium
        self.clock = clock
        self.name = name
        self.trace = trace
        self.rng = _rng(1000 + name)
        self.sends = sends
        self.sent = 0
        self.node_id = medium.add_node(self)
        clock.call_later(self.rng.uniform(0, 0.005), self._try)

    def _try(self) -> None:
        if self.sent >= self.sends:
            return
        if self.medium.channel_clear(self.node_id):
            frame = bytes([self.name, self.sent]) + self.rng.randbytes(self.rng.randrange(80))
            end = self.medium.transmit(self.node_id, frame)
            self.sent += 1
            self.clock.call_at(end + self.rng.uniform(0, 0.004), self._try)
        else:
            self.clock.call_later(self.rng.uniform(0, 0.001), self._try)

    def _answer(self, frame: bytes) -> None:
        if self.medium.channel_clear(self.node_id) and not self.medium.transmitting(self.node_id):
            self.medium.transmit(self.node_id, b"\xff" + bytes([self.name]) + frame[:2])

    def on_frame(self, frame: bytes, lqi: int, rssi: int) -> None:
        self.trace.append((self.clock.now(), self.name, frame, lqi, rssi))
        if frame[0] != 0xFF and frame[1] % 3 == 0:
            self.clock.call_later(self.rng.uniform(1e-4, 6e-4), self._answer, frame)


def _chatter_links(medium: Medium) -> None:
    # a line 0-1-2-3-4-5 with two shortcuts; 0 and 2 are hidden from each other
    for a, b, lqi, loss in [
        (0, 1, 250, 0.0),
        (1, 2, 200, 0.1),
        (2, 3, 180, 0.0),
        (3, 4, 220, 0.2),
        (4, 5, 150, 0.0),
        (1, 3, 120, 0.3),
        (0, 5, 90, 0.0),
    ]:
        medium.link(a, b, lqi=lqi, loss=loss)


def _capture(trace: list[Any]) -> Callable[[float, bytes, int], None]:
    return lambda when, frame, sender: trace.append((when, sender, frame))


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_run_split_across_processes_matches_the_run_in_one_process(seed: int) -> None:
    """The same scenario (CSMA, answers, hidden nodes, losses drawn by the medium) gives the
    same transmissions and the same deliveries whether its six nodes share one process or are
    split over the server and two clients."""
    clock = VirtualClock()
    on_air: list[Any] = []
    medium = Medium(clock, _rng(seed), loss=0.05, capture=_capture(on_air))
    heard: list[Any] = []
    for name in range(6):
        Chatter(medium, clock, name, heard)
    _chatter_links(medium)
    clock.run(until=1.0)

    clock2 = VirtualClock()
    on_air2: list[Any] = []
    medium2 = Medium(clock2, _rng(seed), loss=0.05, capture=_capture(on_air2))
    heard2: list[Any] = []
    for name in range(2):
        Chatter(medium2, clock2, name, heard2)

    def setup(first: int) -> Callable[[RemoteMedium, VirtualClock], None]:
        def build(remote: RemoteMedium, rclock: VirtualClock) -> None:
            for name in (first, first + 1):
                Chatter(remote, rclock, name, heard2)

        return build

    async with MediumServer(medium2, clock2) as server:
        clients = []
        for n, first in enumerate((2, 4), 1):
            clients.append(ClientThread(server.port, setup(first)))
            await _ready(server, n)
        _chatter_links(medium2)
        clock2.run(until=1.0)
    for client in clients:
        client.join()
        assert client.error is None

    assert len(on_air) > 60
    assert on_air2 == on_air
    # a frame heard by several nodes reaches them at the same instant; the order among them
    # is the medium's within a process, server-then-clients across them
    assert sorted(heard2) == sorted(heard)
    assert medium2.stats.losses == medium.stats.losses > 0
    assert medium2.stats.collisions == medium.stats.collisions


COORDINATOR = 0x00124B0000000001
DEVICES = [  # ieee, node type, rx on when idle, parent (medium id)
    (0x00124B0000000002, NodeType.router, True, 0),
    (0x00124B0000000003, NodeType.end_device, True, 1),
    (0x00124B0000000004, NodeType.end_device, False, 1),
]
NETWORK = NetworkConfig(
    channel=15, pan_id=0x1A62, extended_pan_id=0xDDDDDDDDDDDDDDDD, network_key=bytes(range(16))
)


def _install_code(ieee: int) -> InstallCode:
    return InstallCode.from_code(ieee.to_bytes(8, "big"))


def _random_bytes(seed: int) -> Callable[[int], bytes]:
    return _rng(seed).randbytes


def _coordinator(medium: Any, clock: VirtualClock, events: list[Any]) -> Node:
    node = Node(
        medium,
        clock,
        ieee=COORDINATOR,
        node_type=NodeType.coordinator,
        rng=_rng(1),
        random_bytes=_random_bytes(1),
    )
    node.form(NETWORK)
    for ieee, *_ in DEVICES:
        code = _install_code(ieee)
        node.add_install_code(ieee, code.code + code.crc)
    node.add_listener(on_event=events.append)
    node.permit_joining(60)
    return node


def _device(index: int, medium: Any, clock: VirtualClock, joined: list[bool]) -> Node:
    ieee, node_type, rx_on, parent = DEVICES[index]
    node = Node(
        medium,
        clock,
        ieee=ieee,
        node_type=node_type,
        rx_on_when_idle=rx_on,
        rng=_rng(ieee),
        random_bytes=_random_bytes(ieee),
    )
    medium.link(parent, node.mac.node_id, lqi=200 - 10 * index)
    config = NetworkConfig(link_key=_install_code(ieee).link_key)
    clock.call_at(0.1 + 2 * index, node.join, config, joined.append)
    return node


async def test_a_zigbee_network_split_across_processes_sends_the_same_frames() -> None:
    """Coordinator in the server, its router in one client, two end devices behind the router
    (one sleepy) in another: every frame on the air, and when, is what one process gives."""
    clock = VirtualClock()
    on_air: list[Any] = []
    events: list[Any] = []
    joined: list[bool] = []
    medium = Medium(clock, _rng(9), capture=_capture(on_air))
    _coordinator(medium, clock, events)
    for index in range(3):
        _device(index, medium, clock, joined)
    clock.run(until=40.0)

    clock2 = VirtualClock()
    on_air2: list[Any] = []
    events2: list[Any] = []
    joined2: list[bool] = []
    medium2 = Medium(clock2, _rng(9), capture=_capture(on_air2))
    _coordinator(medium2, clock2, events2)

    def setup(*indices: int) -> Callable[[RemoteMedium, VirtualClock], None]:
        def build(remote: RemoteMedium, rclock: VirtualClock) -> None:
            for index in indices:
                _device(index, remote, rclock, joined2)

        return build

    setups = [setup(0), setup(1, 2)]
    async with MediumServer(medium2, clock2) as server:
        clients = []
        for n, setup in enumerate(setups, 1):
            clients.append(ClientThread(server.port, setup))
            await _ready(server, n)
        clock2.run(until=40.0)
    for client in clients:
        client.join()
        assert client.error is None

    assert joined == joined2 == [True, True, True]
    assert [type(e) for e in events] == [DeviceJoined] * 3
    assert events2 == events
    assert on_air2 == on_air


# ------------------------------------------------------------------------------ a real process


def _join_as_router(port: int, coordinator: int) -> None:
    """Runs in a spawned process: a router on the remote medium joins with its install code."""
    ieee, node_type, _, _ = DEVICES[0]
    joined: list[bool] = []

    def setup(remote: RemoteMedium, clock: VirtualClock) -> None:
        node = Node(remote, clock, ieee=ieee, node_type=node_type, rng=_rng(ieee))
        remote.link(coordinator, node.mac.node_id, lqi=230)
        node.join(NetworkConfig(link_key=_install_code(ieee).link_key), joined.append)

    run_client(HOST, port, setup)
    raise SystemExit(0 if joined == [True] else 3)


async def test_a_router_in_another_process_joins_the_coordinator_with_its_install_code() -> None:
    """A router Node built on a RemoteMedium in a separate OS process joins the network the
    in-process coordinator formed, authenticated by its install code."""
    network = SimNetwork(seed=1)
    coordinator = network.add_node(COORDINATOR, NodeType.coordinator)
    coordinator.form(NETWORK)
    router_ieee = DEVICES[0][0]
    code = _install_code(router_ieee)
    coordinator.add_install_code(router_ieee, code.code + code.crc)
    events: list[Any] = []
    coordinator.add_listener(on_event=events.append)
    coordinator.permit_joining(60)
    context = multiprocessing.get_context("spawn")
    async with MediumServer(network.medium, network.clock, client_timeout=WAIT) as server:
        process = context.Process(
            target=_join_as_router, args=(server.port, coordinator.mac.node_id), daemon=True
        )
        process.start()
        try:
            await _ready(server, 1)
            assert network.run_until(lambda: bool(events), timeout=20)
        finally:
            await server.close()
            await asyncio.to_thread(process.join, WAIT)
            if process.is_alive():
                process.kill()
    assert process.exitcode == 0  # the router saw itself joined
    assert len(events) == 1
    assert isinstance(events[0], DeviceJoined)
    assert events[0].ieee == router_ieee
    assert events[0].parent == coordinator.nwk_address == 0


# ------------------------------------------------------------------------------ robustness


def _beacon_setup(
    remote: RemoteMedium, clock: VirtualClock, sink: int, offset: float = 0.005
) -> None:
    """One node, heard by ``sink``, sending (its id, a count) every 10 ms from ``offset``."""
    me = remote.add_node(Recorder(clock, "beacon", []))
    remote.link(sink, me)

    def send(k: int) -> None:
        remote.transmit(me, struct.pack("<BH", me, k))
        clock.call_at(offset + (k + 1) * 0.01, send, k + 1)

    clock.call_at(offset, send, 0)


def _beacon(port: int, sink: int, offset: float) -> None:
    """Runs in a spawned process."""
    run_client(HOST, port, lambda remote, clock: _beacon_setup(remote, clock, sink, offset))


async def test_a_killed_client_process_leaves_the_rest_running(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A client process killed mid-run loses its nodes; the server's clock goes on and the other
    client's frames keep arriving."""
    clock, medium, server = _served()
    trace: list[Any] = []
    sink = medium.add_node(Recorder(clock, "sink", trace))
    context = multiprocessing.get_context("spawn")
    caplog.set_level(logging.INFO, logger="segateway.sim.remote")
    async with server:
        doomed = context.Process(target=_beacon, args=(server.port, sink, 0.0), daemon=True)
        doomed.start()
        try:
            await _ready(server, 1)
            steady = ClientThread(server.port, lambda m, c: _beacon_setup(m, c, sink))
            await _ready(server, 2)
            doomed_id, steady_id = server.remote_nodes()

            def kill() -> None:
                assert doomed.pid is not None
                os.kill(doomed.pid, signal.SIGKILL)
                doomed.join(WAIT)

            clock.call_at(0.1025, kill)
            clock.run(until=0.3)
            assert clock.now() == 0.3
            assert server.clients == 1
        finally:
            if doomed.is_alive():
                doomed.kill()
                doomed.join(WAIT)
    steady.join()
    assert steady.error is None
    senders = [frame[0] for _, _, frame, _, _ in trace]
    assert senders.count(doomed_id) == 11  # 0.00 … 0.10
    assert senders.count(steady_id) == 30  # 0.005 … 0.295, undisturbed
    assert [struct.unpack("<BH", f)[1] for _, _, f, _, _ in trace if f[0] == steady_id] == list(
        range(30)
    )
    with pytest.raises(KeyError):
        medium.is_online(doomed_id)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)  # a death, not an offence


async def test_a_client_that_fails_while_granted_is_dropped_and_the_server_goes_on() -> None:
    """A client whose callback raises in the middle of an instant (after a round trip) goes away
    with its nodes; the server finishes the instant and carries on."""
    clock, medium, server = _served()
    trace: list[Any] = []
    sink = medium.add_node(Recorder(clock, "sink", trace))

    def setup(remote: RemoteMedium, rclock: VirtualClock) -> None:
        me = remote.add_node(Recorder(rclock, "r", []))
        remote.link(sink, me)

        def crash() -> None:
            remote.transmit(me, b"last words")
            raise RuntimeError("device firmware crashed")

        rclock.call_at(0.05, crash)

    clock.call_at(0.2, medium.transmit, sink, b"still here")
    async with server:
        client = ClientThread(server.port, setup)
        await _ready(server, 1)
        (remote_id,) = server.remote_nodes()
        clock.run(until=0.3)
        assert server.remote_nodes() == []
    client.join()
    assert isinstance(client.error, RuntimeError)
    assert [frame for _, _, frame, _, _ in trace] == []  # the sender left before the frame ended
    assert medium.stats.aborted == 1
    assert medium.node_stats(sink).frames_sent == 1
    with pytest.raises(KeyError):
        medium.is_online(remote_id)


async def test_topology_calls_and_leaving_act_on_the_servers_medium() -> None:
    """set_online, unlink, connect_by_distance and remove_node change the server's medium;
    a client that leaves takes its remaining nodes with it."""
    clock, medium, server = _served()
    trace: list[Any] = []
    sink = medium.add_node(Recorder(clock, "sink", trace), position=(0.0, 0.0))
    pairs: list[int] = []

    def setup(remote: RemoteMedium, rclock: VirtualClock) -> None:
        near = remote.add_node(Recorder(rclock, "near", []), position=(3.0, 4.0))
        spare = remote.add_node(Recorder(rclock, "spare", []))
        pairs.append(remote.connect_by_distance(10.0))  # sink–near, 5 m apart
        rclock.call_at(0.01, remote.transmit, near, b"heard")
        rclock.call_at(0.02, remote.set_online, near, False)
        rclock.call_at(0.03, remote.transmit, near, b"offline")
        rclock.call_at(0.04, remote.set_online, near, True)
        rclock.call_at(0.05, remote.unlink, sink, near)
        rclock.call_at(0.06, remote.transmit, near, b"unlinked")
        rclock.call_at(0.07, remote.remove_node, spare)
        rclock.call_at(0.08, remote.leave)

    async with server:
        client = ClientThread(server.port, setup)
        await _ready(server, 1)
        near, spare = server.remote_nodes()
        assert medium.neighbors(near)[sink].lqi == round(255 * 0.5)
        clock.run(until=0.075)
        assert server.remote_nodes() == [near]
        assert sink not in medium.neighbors(near)
        clock.run(until=0.1)
        assert server.clients == 0
    client.join()
    assert client.error is None
    assert pairs == [1]
    assert [frame for _, _, frame, _, _ in trace] == [b"heard"]
    assert medium.stats.offline_sends == 1
    for gone in (near, spare):
        with pytest.raises(KeyError):
            medium.is_online(gone)


_HELLO = encode_message(MessageType.HELLO, MAGIC + struct.pack("<H", VERSION))
_IDLE = encode_message(MessageType.IDLE, struct.pack("<d", math.inf))
_ADD = encode_message(MessageType.ADD_NODE, struct.pack("<Bdd", 0, 0.0, 0.0))

MALFORMED = {
    "length beyond the bound": struct.pack("<HB", MAX_MESSAGE + 1, 1) + bytes(MAX_MESSAGE),
    "zero length": b"\x00\x00",
    "not our magic": encode_message(MessageType.HELLO, b"HTTP\x01\x00"),
    "another version": encode_message(MessageType.HELLO, MAGIC + b"\x02\x00"),
    "request before HELLO": encode_message(MessageType.CHANNEL_CLEAR, bytes(4)),
    "unknown type": _HELLO + encode_message(0x7F),
    "truncated body": _HELLO + _ADD + encode_message(MessageType.TRANSMITTING, b"\x01\x00"),
    "time not a number": _HELLO + encode_message(MessageType.IDLE, struct.pack("<d", math.nan)),
    "time minus infinity": _HELLO + encode_message(MessageType.IDLE, struct.pack("<d", -math.inf)),
    "IDLE twice": _HELLO + _IDLE + _IDLE,
    "request while idle": _HELLO + _IDLE + _ADD,
    "flag neither 0 nor 1": _HELLO + encode_message(MessageType.ADD_NODE, b"\x07" + bytes(16)),
    "someone else's receiver": _HELLO
    + encode_message(MessageType.SET_LISTENING, struct.pack("<IB", 0, 1)),
    "HTTP": b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
}


@pytest.mark.parametrize("payload", MALFORMED.values(), ids=MALFORMED.keys())
async def test_malformed_input_closes_that_connection_only(
    payload: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """Bad input on the socket closes that connection with a logged error (removing whatever
    node it attached); the server keeps serving the others."""
    clock, medium, server = _served()
    trace: list[Any] = []
    sink = medium.add_node(Recorder(clock, "sink", trace))
    async with server:
        reader, writer = await asyncio.open_connection(HOST, server.port)
        writer.write(payload)
        await writer.drain()
        await asyncio.wait_for(reader.read(), WAIT)  # until the server closes it
        writer.close()
        await writer.wait_closed()
        assert server.clients == 0
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1
        assert "closing the connection" in errors[0].getMessage()
        if _ADD in payload:
            with pytest.raises(KeyError):
                medium.is_online(sink + 1)
        client = ClientThread(server.port, lambda m, c: _beacon_setup(m, c, sink))
        await _ready(server, 1)
        clock.run(until=0.05)
    client.join()
    assert client.error is None
    assert len(trace) == 5


async def test_a_client_refuses_a_server_that_does_not_speak_the_protocol() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    web = await asyncio.start_server(answer, HOST, 0)
    port = web.sockets[0].getsockname()[1]
    async with web:
        with pytest.raises(ProtocolError, match="length"):
            await asyncio.to_thread(RemoteMedium.connect, HOST, port, timeout=WAIT)


@given(garbage=st.binary(min_size=1, max_size=300))
def test_the_decoder_takes_any_bytes_without_crashing(garbage: bytes) -> None:
    """Fuzz: the framing either yields messages within the bound or raises ProtocolError."""
    decoder = MessageDecoder()
    decoder.feed(garbage)
    try:
        while (message := decoder.next()) is not None:
            assert 0 <= len(message[1]) < MAX_MESSAGE
    except ProtocolError:
        pass


async def test_a_refused_request_raises_in_the_client_and_the_connection_stays() -> None:
    """A well-formed request the medium refuses comes back as the exception the medium raised;
    the client keeps its connection and its nodes."""
    clock, medium, server = _served()
    local = medium.add_node(Recorder(clock, "local", []))
    outcomes: list[Any] = []

    def setup(remote: RemoteMedium, rclock: VirtualClock) -> None:
        me = remote.add_node(Recorder(rclock, "r", []))
        for call in (
            lambda: remote.transmit(999, b"x"),  # no such node
            lambda: remote.channel_clear(local),  # not ours
            lambda: remote.link(me, me),  # a node cannot hear itself
            lambda: remote.link(me, local, loss=1.5),
            lambda: remote.transmit(me, bytes(128)),  # longer than aMaxPHYPacketSize
            lambda: remote.set_listening(local, False),  # not ours: refused locally
        ):
            try:
                call()
            except (KeyError, ValueError) as exc:
                outcomes.append(type(exc))
        outcomes.append(remote.channel_clear(me))

    async with server:
        client = ClientThread(server.port, setup)
        await _ready(server, 1)
        assert server.clients == 1
        assert len(server.remote_nodes()) == 1
    client.join()
    assert client.error is None
    assert outcomes == [KeyError, KeyError, ValueError, ValueError, ValueError, KeyError, True]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::", "example.org"])  # noqa: S104
def test_binding_beyond_loopback_needs_to_be_asked_for(host: str) -> None:
    """The protocol has no authentication: only loopback binds unless explicitly allowed."""
    clock = VirtualClock()
    medium = Medium(clock, _rng(1))
    with pytest.raises(ValueError, match="loopback"):
        MediumServer(medium, clock, host=host)
    MediumServer(medium, clock, host=host, allow_remote=True)
    for loopback in ("127.0.0.1", "127.8.9.10", "::1", "localhost"):
        MediumServer(medium, clock, host=loopback)


# ------------------------------------------------------------------------------ framing


# TRANSMIT of node 1, MPDU "ABCDE":
#   0a 00        length 10 (type + 4-byte node + 5-byte frame), little-endian
#   06           TRANSMIT
#   01 00 00 00  node 1 (u32 LE)
#   41 42 43 44 45
VECTOR = bytes.fromhex("0a00 06 01000000 4142434445")


def test_messages_are_framed_as_the_docstring_says() -> None:
    assert encode_message(MessageType.TRANSMIT, b"\x01\x00\x00\x00ABCDE") == VECTOR
    with pytest.raises(ValueError, match="at most"):
        encode_message(MessageType.TRANSMIT, bytes(MAX_MESSAGE))


@pytest.mark.parametrize("split", ["whole", "byte by byte", "with trailing bytes"])
def test_the_decoder_reassembles_a_message_however_it_arrives(split: str) -> None:
    decoder = MessageDecoder()
    chunks = [VECTOR] if split != "byte by byte" else [VECTOR[i : i + 1] for i in range(10 + 2)]
    if split == "with trailing bytes":
        chunks = [VECTOR + b"\x05\x00"]
    messages = []
    for chunk in chunks:
        decoder.feed(chunk)
        while (message := decoder.next()) is not None:
            messages.append(message)
    assert messages == [(0x06, b"\x01\x00\x00\x00ABCDE")]
    assert decoder.buffered == (2 if split == "with trailing bytes" else 0)
