"""An In-Premise Display (IPD Router application) on a simulated home, and probes playing its
ESIs frame by frame, for the IPD client tests (no mocks: real frames over the simulated air).

Expected frames in the tests are written in hex from the layouts of se-spec.md; the only helper
for them is :func:`le`, the standard library's little-endian integer encoding, for values that
depend on the test's own timeline (times, the IPD's clock).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from segateway.radio import ApsPacket, Endpoint
from segateway.se.app import Role, SeApplication, SeConfig
from segateway.se.bus import Notification
from segateway.se.endpoint import LocalCluster
from segateway.se.timebase import TimeBase
from segateway.store import Store
from segateway.zigbee.stack.node import Node

from .sekit import SE_PROFILE, START_UTC, Home, Probe

IPD_IEEE = 0x00124B00000000D1
ESI_A = 0x00124B00000000E1
ESI_B = 0x00124B00000000E2
ESI_DEVICE_ID = 0x0500
PROBE_EP = 0x01
IPD_EP = 0x5E

TIME = 0x000A
PRICE = 0x0700
DRLC = 0x0701
METERING = 0x0702
MESSAGING = 0x0703


def le(value: int, size: int) -> str:
    """``value`` as ``size`` little-endian octets, in hex (ZCL integers are little-endian)."""
    return value.to_bytes(size, "little", signed=value < 0).hex()


def hexbytes(text: str) -> bytes:
    return bytes.fromhex(text)


class Frame(NamedTuple):
    """A ZCL frame the IPD sent (no manufacturer code): its header fields and the payload."""

    frame_control: int
    tsn: int
    command_id: int
    payload: bytes
    time: int  # the IPD's UTCTime when the probe received it

    @property
    def tail(self) -> bytes:
        """Everything but the TSN: frame control, command id, payload (the TSN is ours)."""
        return bytes([self.frame_control, self.command_id]) + self.payload


@dataclass
class Ipd:
    """An IPD Router application hosting ``clusters``, with every notification it publishes
    recorded with the IPD's UTCTime."""

    home: Home
    node: Node
    store: Store
    app: SeApplication
    log: list[tuple[int, Notification]] = field(default_factory=list)

    @property
    def nwk(self) -> int:
        nwk = self.node.info().nwk
        assert nwk is not None
        return nwk

    def now(self) -> int:
        return self.app.timebase.now()

    def of(self, kind: type[Notification]) -> list[tuple[int, Any]]:
        return [(t, n) for t, n in self.log if isinstance(n, kind)]

    def restart(
        self, clusters: Iterable[LocalCluster], *, timebase: TimeBase | None = None
    ) -> None:
        """Stop the application and run a new one (new cluster objects) on the same node and
        store, as after a process restart; the log goes on."""
        self.app.close()
        self.app = _application(
            self.home,
            self.node,
            self.store,
            clusters,
            timebase=timebase or self.app.timebase,
            log=self.log,
        )


def _application(
    home: Home,
    node: Node,
    store: Store,
    clusters: Iterable[LocalCluster],
    *,
    timebase: TimeBase,
    log: list[tuple[int, Notification]],
) -> SeApplication:
    app = SeApplication(
        node,
        home.clock,
        store,
        config=SeConfig(role=Role.ipd_router, refresh_rate=0),
        rng=random.Random(IPD_IEEE),  # noqa: S311 - test determinism
        timebase=timebase,
        clusters=list(clusters),
    )
    app.bus.subscribe(lambda n: log.append((app.timebase.now(), n)))
    app.start()
    return app


def quiet_home() -> Home:
    """A home whose ESI Coordinator hosts no SE server: the probes are the only ESIs."""
    return Home(clusters=[])


def start_ipd(
    home: Home,
    clusters: Iterable[LocalCluster],
    *,
    synchronized: bool = True,
    utc_at_zero: float = START_UTC,
    store: Store | None = None,
) -> Ipd:
    """Join the IPD's node and run the IPD application with ``clusters`` on it."""
    node = home.join(IPD_IEEE)
    store = store or Store(":memory:")
    timebase = TimeBase(home.clock, utc_at_zero, synchronized=synchronized)
    log: list[tuple[int, Notification]] = []
    app = _application(home, node, store, clusters, timebase=timebase, log=log)
    home.run(2.0)  # the IPD discovers the coordinator
    return Ipd(home, node, store, app, log)


@dataclass
class Esi:
    """A bare node playing an ESI towards the IPD: it sends hand-written frames and keeps every
    packet it receives with the IPD's UTCTime at that moment."""

    probe: Probe
    ipd: Ipd
    heard: list[tuple[int, ApsPacket]] = field(default_factory=list)

    @property
    def ieee(self) -> int:
        return self.probe.node.info().ieee

    @property
    def nwk(self) -> int:
        nwk = self.probe.node.info().nwk
        assert nwk is not None
        return nwk

    def send(self, cluster: int, frame: str) -> None:
        """Send a hand-written ZCL frame (hex) to the IPD's endpoint 0x5E."""
        self.probe.send(self.ipd.nwk, cluster, hexbytes(frame), dst_ep=IPD_EP)

    def frames(self, cluster: int) -> list[Frame]:
        """The ZCL frames of ``cluster`` received from the IPD, in order."""
        out: list[Frame] = []
        for when, packet in self.heard:
            if packet.cluster_id != cluster or packet.profile_id != SE_PROFILE:
                continue
            if packet.src != self.ipd.nwk:
                continue
            data = packet.payload
            assert not data[0] & 0x04, "no manufacturer-specific frames expected"
            out.append(Frame(data[0], data[1], data[2], data[3:], when))
        return out

    def commands(self, cluster: int, command_id: int, *, specific: bool = True) -> list[Frame]:
        """The cluster-specific (or profile-wide) frames with ``command_id`` from the IPD."""
        kind = 0x01 if specific else 0x00
        return [
            f
            for f in self.frames(cluster)
            if f.frame_control & 0x03 == kind and f.command_id == command_id
        ]

    def default_responses(self, cluster: int) -> list[tuple[int, bytes]]:
        """(TSN, payload) of every Default Response the IPD sent on ``cluster``."""
        return [(f.tsn, f.payload) for f in self.commands(cluster, 0x0B, specific=False)]


def esi_probe(home: Home, ipd: Ipd, ieee: int, servers: Iterable[int], *, wait: bool = True) -> Esi:
    """A bare node playing an ESI with the ``servers`` clusters on endpoint 1; with ``wait``,
    returns once the IPD has discovered it (it is active there)."""
    endpoint = Endpoint(
        PROBE_EP, SE_PROFILE, ESI_DEVICE_ID, input_clusters=(0x0000, *sorted(servers))
    )
    probe = home.probe(ieee, endpoint)
    esi = Esi(probe, ipd)
    probe.node.add_listener(on_packet=lambda p: esi.heard.append((ipd.now(), p)))
    if wait:
        run_until(home, lambda: _active(ipd, ieee), 30)
        # SE frames between the two are APS-encrypted with the key the trust center gave both
        run_until(home, lambda: probe.node.has_link_key(IPD_IEEE), 10)
    return esi


def _active(ipd: Ipd, ieee: int) -> bool:
    device = ipd.app.devices.get(ieee)
    return device is not None and device.active


def run_until(home: Home, condition: Callable[[], bool], timeout: float) -> None:
    if not home.sim.run_until(condition, timeout=timeout):
        msg = "condition not reached in virtual time"
        raise AssertionError(msg)


def run_to(home: Home, ipd: Ipd, utc: int) -> None:
    """Run the simulation until the IPD's UTCTime is ``utc`` (just past its start)."""
    target = ipd.app.timebase.clock_time(utc) + 0.001
    home.run(max(0.0, target - home.clock.now()))
