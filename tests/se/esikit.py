"""Helpers for the ESI server tests: In-Premise Display probes, the frames they receive, results.

Expected frames in these tests are written from the layouts of se-spec.md §2 field by field;
``le`` only writes an integer little-endian (ZCL's byte order), for the fields whose value depends
on the test's clock (Current Time, Start Time).
"""

from __future__ import annotations

from typing import Any, TypeVar

from segateway.radio import Endpoint
from segateway.zcl.cluster import Side

from .sekit import START_UTC, Home, Probe

__all__ = [
    "DRLC",
    "IPD_A",
    "IPD_B",
    "IPD_C",
    "IPD_EP",
    "MESSAGING",
    "PRICE",
    "START_UTC",
    "TIME",
    "Results",
    "client",
    "come_back",
    "exchange",
    "frames_from_esi",
    "go_away",
    "hexb",
    "le",
    "server",
]

TIME = 0x000A
PRICE = 0x0700
DRLC = 0x0701
MESSAGING = 0x0703

IPD_A = 0x00124B00000A0001
IPD_B = 0x00124B00000B0002
IPD_C = 0x00124B00000C0003

# an In-Premise Display (0x0502): Basic server; Time, Price, DRLC and Messaging clients
IPD_EP = Endpoint(
    1,
    0x0109,
    0x0502,
    input_clusters=(0x0000,),
    output_clusters=(TIME, PRICE, DRLC, MESSAGING),
)

_S = TypeVar("_S")


def hexb(text: str) -> bytes:
    """Annotated hex: spaces and line breaks are for the reader."""
    return bytes.fromhex(text)


def le(value: int, size: int) -> str:
    """``value`` as ``size`` little-endian octets, in hex (signed values two's complement)."""
    return (value % (1 << (8 * size))).to_bytes(size, "little").hex(" ")


def client(home: Home, ieee: int, *, settle: float = 10.0) -> Probe:
    """Join an IPD probe and let the ESI discover it (it is then an active client)."""
    probe = home.probe(ieee, IPD_EP)
    home.run(settle)
    return probe


def frames_from_esi(probe: Probe, cluster: int) -> list[bytes]:
    """The ZCL frames (APS payloads) the ESI sent to ``probe`` on ``cluster``, oldest first."""
    return [
        p.payload
        for p in probe.received
        if p.cluster_id == cluster and p.src == 0x0000 and p.profile_id == 0x0109
    ]


def server(home: Home, cluster: int, kind: type[_S]) -> _S:
    found = home.esi.cluster(cluster, Side.server)
    assert isinstance(found, kind)
    return found


class Results(list[dict[str, Any]]):
    """Collects ``on_done`` results."""

    def __call__(self, outcome: dict[str, Any]) -> None:
        self.append(outcome)

    @property
    def last(self) -> dict[str, Any]:
        assert self, "on_done was not called"
        return self[-1]


def exchange(
    home: Home, probe: Probe, cluster: int, frame: str, seconds: float = 2.0
) -> list[bytes]:
    """Send ``frame`` to the ESI and return what it answered on ``cluster`` meanwhile."""
    before = len(frames_from_esi(probe, cluster))
    probe.send(0x0000, cluster, hexb(frame))
    home.run(seconds)
    return frames_from_esi(probe, cluster)[before:]


def go_away(home: Home, probe: Probe) -> None:
    """Take ``probe`` off the air and make the ESI mark it inactive (failed sends)."""
    home.sim.set_online(probe.node, False)
    esi = home.esi
    ieee = probe.node.ieee
    basic = esi.cluster(0x0000, Side.server)
    assert basic is not None
    device = esi.devices.get(ieee)
    assert device is not None
    for _ in range(10):
        if not device.active:
            return
        basic.send_command(esi.peer(ieee), "read_attributes", {"attribute_ids": [0]})
        home.run(30)
    assert not device.active


def come_back(home: Home, probe: Probe, seconds: float = 10.0) -> None:
    """Put ``probe`` back on the air; it speaks (Read Attributes of Basic), so it is heard."""
    home.sim.set_online(probe.node, True)
    probe.send(0x0000, 0x0000, hexb("00 01 00 0000"))
    home.run(seconds)
