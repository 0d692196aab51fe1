"""Interoperability: a whole session on the simulated air, read back by tshark.

Issue 3: "a full join + ZDO discovery + ZCL exchange is captured, tshark is given the network
key, and the fields it prints for MAC, NWK, APS, ZDO and ZCL — including a valid MIC on every
secured frame — equal what we sent."

The session (one capture, shared by every test here): a coordinator forms a PAN as trust center
with the explicit-admission policy and registers three install codes; a router joins it, then an
rx-on end device and a sleepy end device join through the router. The coordinator then runs ZDO
discovery against each device (Active_EP_req, Simple_Desc_req, Node_Desc_req), a Match_Desc_req
broadcast and Mgmt_Lqi_req to the router, and reads two Metering attributes from the end device
with APS encryption; the end device's listener answers with a Read Attributes Response, also
APS-encrypted. The test writes down what it asked the stack to send and what the nodes report;
tshark 4.0, given the network key and every trust-center link key (``SimNetwork.keys()``), must
print the same values. Everything runs on virtual time from fixed seeds and keys.

What tshark 4.0 prints (checked with 4.0.17):

* a secured NWK or APS frame it decrypted carries ``zbee.sec.key`` (the key that worked) in the
  layer whose auxiliary header it is, plus ``zbee.sec.decryption_key`` (the key's label in the
  key table) or ``zbee.sec.key.origin`` (the frame it learned a network key from: a Transport
  Key it decrypted). It keeps a key only if the MIC checks, so ``zbee.sec.key`` is the "valid
  MIC" verdict; the negative controls at the end show it gone when a MIC or the ciphertext is
  altered, the keys are missing or the network key is wrong.
* a frame it could not decrypt carries the expert info ``zbee_sec.encrypted_payload``
  ("Encrypted Payload", Warning/Undecoded) and the ciphertext as ``data``; nothing above it is
  dissected.
* for key-transport-key frames (Transport Key to a joining device) it shows the TC link key it
  was given; it derives the key-transport key itself.
* it gives no verdict on a secured frame with an empty payload (an APS ack): those MICs are
  checked here with AES-CCM from ``cryptography`` and the spec's nonce layout, a check first
  validated against tshark on the frames tshark does decrypt.

Expected values come from the test's own records, the nodes (the addresses they report, the keys
they were given) and the specifications, never from decoding our frames with our codecs.
"""

from __future__ import annotations

import collections
import itertools
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from crccheck.crc import CrcKermit
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from segateway.radio import (
    ApsPacket,
    DeliveryResult,
    DeviceJoined,
    DstMode,
    Endpoint,
    JoinPolicy,
    NetworkConfig,
    NetworkState,
    NodeType,
    RadioEvent,
)
from segateway.radio.sim import SimNetwork
from segateway.sim.pcap import tshark_key_options
from segateway.zcl.foundation import FOUNDATION
from segateway.zcl.frame import decode_frame, encode_frame
from segateway.zcl.header import Direction
from segateway.zigbee.install_code import InstallCode
from segateway.zigbee.stack.node import Node
from segateway.zigbee.zdo import encode_zdo

from .tshark import Dissection, dissect_layers, read_pcap, requires_tshark, write_pcap

pytestmark = requires_tshark

# --- the session's fixed parameters ---------------------------------------------------------------

SEED = 20240615
CHANNEL = 15
PAN_ID = 0x1A62
EXTENDED_PAN_ID = 0x5345_4741_5445_5759  # "SEGATEWY"
NETWORK_KEY = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C")
WRONG_KEY = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3D")  # one bit off

COORDINATOR, ROUTER, END_DEVICE, SLEEPY = "coordinator", "router", "end device", "sleepy device"
DEVICES = (ROUTER, END_DEVICE, SLEEPY)
IEEE = {
    COORDINATOR: 0x00124B0001C0FFEE,
    ROUTER: 0x00124B0001A00002,
    END_DEVICE: 0x00124B0001A00003,
    SLEEPY: 0x00124B0001A00004,
}
PARENT = {ROUTER: COORDINATOR, END_DEVICE: ROUTER, SLEEPY: ROUTER}
DEPTH = {COORDINATOR: 0, ROUTER: 1, END_DEVICE: 2, SLEEPY: 2}
LINKS = {(COORDINATOR, ROUTER): 230, (ROUTER, END_DEVICE): 200, (ROUTER, SLEEPY): 180}  # LQI

# Install codes without their CRC (InstallCode.from_code appends it). The router's is the
# published example (se-spec.md §6.1: 83FE…D505 + CRC C3B5 hashes to the link key
# 66B6900981E1EE3CA4206B6B861C02BB); the others use the 8- and 12-byte lengths.
INSTALL_CODES = {
    ROUTER: bytes.fromhex("83FED3407A939723A5C639B26916D505"),
    END_DEVICE: bytes.fromhex("0A1B2C3D4E5F6071"),
    SLEEPY: bytes.fromhex("C0FFEE00D15EA5E5BADC0DE5"),
}
PUBLISHED_ROUTER_LINK_KEY = bytes.fromhex("66B6900981E1EE3CA4206B6B861C02BB")

SE_PROFILE = 0x0109
METERING = 0x0702
ENDPOINTS = {  # Smart Energy device ids: 0x0500 ESI, 0x0501 meter, 0x0507 IHD
    COORDINATOR: Endpoint(0x01, SE_PROFILE, 0x0500, 0, (0x0000,), (METERING,)),
    ROUTER: Endpoint(0x0A, SE_PROFILE, 0x0500, 1, (0x0000, 0x0700), ()),
    END_DEVICE: Endpoint(0x01, SE_PROFILE, 0x0501, 2, (0x0000, METERING), (0x0700,)),
    SLEEPY: Endpoint(0x02, SE_PROFILE, 0x0507, 0, (0x0000,), (METERING, 0x0700)),
}
PERMIT_SECONDS = 120
READ_ATTRIBUTES = (0x0000, 0x0300)  # CurrentSummationDelivered, UnitOfMeasure
ATTRIBUTE_VALUES = {0x0000: (0x25, 123_456_789), 0x0300: (0x30, 0x00)}  # uint48; enum8 kWh
ZCL_TSN = 0x5A
FIRST_ZDO_TSN = 0x40

# ZDO cluster ids (ZigBee 05-3474 §2.4.3 / §2.4.4); a response's id is its request's | 0x8000
NODE_DESC_REQ, SIMPLE_DESC_REQ, ACTIVE_EP_REQ, MATCH_DESC_REQ = 0x0002, 0x0004, 0x0005, 0x0006
DEVICE_ANNCE, MGMT_LQI_REQ, MGMT_PERMIT_JOINING_REQ = 0x0013, 0x0031, 0x0036
RESPONSE = 0x8000
LOGICAL_TYPE = {COORDINATOR: 0, ROUTER: 1, END_DEVICE: 2, SLEEPY: 2}  # also neighbour types

# IEEE 802.15.4-2006, 2.4 GHz O-QPSK
BYTE_TIME = 32e-6
PHY_OVERHEAD = 6  # preamble, SFD, PHR
ACK_WAIT = 864e-6  # macAckWaitDuration, 54 symbols
TIME_SLACK = 2e-6  # pcap timestamps are whole microseconds
MAX_FRAME_RETRIES = 3  # macMaxFrameRetries
MAC_BEACON, MAC_DATA, MAC_ACK, MAC_COMMAND = 0, 1, 2, 3
ASSOCIATION_REQUEST, ASSOCIATION_RESPONSE, DATA_REQUEST = 0x01, 0x02, 0x04

# ZigBee PRO
DEFAULT_RADIUS = 30  # 2 × nwkMaxDepth (15)
BROADCASTS = (0xFFFF, 0xFFFD, 0xFFFC)
LINK_KEY_ID, NWK_KEY_ID, KEY_TRANSPORT_KEY_ID = 0, 1, 2
APS_DATA, APS_COMMAND, APS_ACK = 0, 1, 2
APS_TRANSPORT_KEY, APS_UPDATE_DEVICE, APS_TUNNEL = 0x05, 0x06, 0x0E
# NWK commands that travel one hop, radius 1: Link Status, End Device Timeout Request/Response
ONE_HOP_NWK_COMMANDS = (0x08, 0x0B, 0x0C)


# --- the session ----------------------------------------------------------------------------------


@dataclass
class ZdoExchange:
    """One ZDO request the test asked the coordinator to send, and what came back."""

    name: str
    cluster: int
    tsn: int
    dst: int
    record: dict[str, Any]
    target: str  # the node expected to answer
    results: list[DeliveryResult] = field(default_factory=list)
    answers: list[ApsPacket] = field(default_factory=list)


@dataclass
class ZclExchange:
    request: ApsPacket
    response: ApsPacket | None = None
    request_results: list[DeliveryResult] = field(default_factory=list)
    response_results: list[DeliveryResult] = field(default_factory=list)
    received_requests: list[ApsPacket] = field(default_factory=list)
    received_responses: list[ApsPacket] = field(default_factory=list)


@dataclass
class Frame:
    """One captured frame: what the pcap holds and what tshark made of it."""

    number: int
    time: float
    raw: bytes
    layers: list[Dissection]

    @property
    def end(self) -> float:
        return self.time + (len(self.raw) + PHY_OVERHEAD) * BYTE_TIME

    def layer(self, name: str, index: int = 0) -> Dissection | None:
        found = self.all_layers(name)
        return found[index] if len(found) > index else None

    def all_layers(self, name: str) -> list[Dissection]:
        return [layer for layer in self.layers if layer.protocols == [name]]

    def get(self, layer: str, name: str, index: int = 0) -> int | None:
        """A number field of a layer (None when the layer or the field is missing)."""
        found = self.layer(layer, index)
        return found.int(name) if found is not None and found.has(name) else None

    @property
    def wpan(self) -> Dissection:
        layer = self.layer("wpan")
        assert layer is not None, f"frame {self.number}: tshark shows no 802.15.4 layer"
        return layer

    @property
    def nwk(self) -> Dissection:
        layer = self.layer("zbee_nwk")
        assert layer is not None, f"frame {self.number}: tshark shows no ZigBee NWK layer"
        return layer

    @property
    def aps(self) -> Dissection:
        layer = self.layer("zbee_aps")
        assert layer is not None, f"frame {self.number}: tshark shows no ZigBee APS layer"
        return layer


@dataclass(repr=False)
class Session:
    nodes: dict[str, Node]
    link_keys: dict[int, bytes]  # device IEEE → the TC link key from its install code
    keys: list[tuple[bytes, str]]  # SimNetwork.keys(): what tshark is given
    pcap: Path
    frames: list[Frame]
    events: list[RadioEvent]
    joined: dict[str, bool]
    zdo: list[ZdoExchange]
    zcl: ZclExchange
    permit: list[int]  # the permit-joining durations the test asked for, in order

    def __repr__(self) -> str:
        return f"<Session: {len(self.frames)} frames in {self.pcap}>"

    def nwk(self, role: str) -> int:
        address = self.nodes[role].nwk_address
        assert address is not None, f"the {role} has no network address"
        return address

    def role_of_nwk(self, address: int | None) -> str | None:
        return next((r for r, n in self.nodes.items() if n.nwk_address == address), None)

    def role_of_ieee(self, ieee: int | None) -> str | None:
        return next((r for r, i in IEEE.items() if i == ieee), None)

    def label(self, key: bytes) -> str | None:
        return next((label for k, label in self.keys if k == key), None)

    def transmitter(self, frame: Frame) -> str | None:
        """The node that sent a frame, by its MAC source address (None: no source)."""
        mode = frame.get("wpan", "wpan.src_addr_mode")
        if mode == 2:
            return self.role_of_nwk(frame.get("wpan", "wpan.src16"))
        if mode == 3:
            return self.role_of_ieee(frame.get("wpan", "wpan.src64"))
        return None

    def nwk_frames(self) -> list[Frame]:
        return [f for f in self.frames if f.layer("zbee_nwk") is not None]

    def originals(self, frames: Iterable[Frame]) -> list[Frame]:
        """The copies their NWK originator sent (no relays, no MAC retransmissions)."""
        repeats = _retransmissions(self.frames)
        return [
            f
            for f in frames
            if f.number not in repeats
            and self.transmitter(f) == self.role_of_nwk(f.get("zbee_nwk", "zbee_nwk.src"))
        ]


def _path(a: str, b: str) -> list[str]:
    """The nodes from ``a`` to ``b`` over the session's links (a tree: one path)."""
    neighbours = collections.defaultdict(set)
    for x, y in LINKS:
        neighbours[x].add(y)
        neighbours[y].add(x)
    paths = {a: [a]}
    queue = collections.deque([a])
    while queue:
        here = queue.popleft()
        for there in sorted(neighbours[here] - paths.keys()):
            paths[there] = [*paths[here], there]
            queue.append(there)
    return paths[b]


def _is_joined(node: Node) -> bool:
    return node.state is NetworkState.joined


def _run_session(directory: Path) -> Session:
    pcap = directory / "session.pcap"
    network = SimNetwork(seed=SEED, capture=pcap)
    try:
        return _play(network, pcap)
    finally:
        network.close()


def _play(network: SimNetwork, pcap: Path) -> Session:
    """Form, join, discover and read on ``network``; then read the capture back."""
    key_rng = random.Random(SEED)  # noqa: S311 - test keys, reproducible on purpose
    types = {COORDINATOR: NodeType.coordinator, ROUTER: NodeType.router}
    nodes = {
        role: network.add_node(
            IEEE[role],
            types.get(role, NodeType.end_device),
            rx_on_when_idle=role != SLEEPY,
            random_bytes=key_rng.randbytes,
        )
        for role in IEEE
    }
    for (a, b), lqi in LINKS.items():
        network.link(nodes[a], nodes[b], lqi=lqi)
    for role, node in nodes.items():
        node.register_endpoint(ENDPOINTS[role])

    # --- forming and joining ---------------------------------------------------------------------
    coordinator = nodes[COORDINATOR]
    events: list[RadioEvent] = []
    coordinator.add_listener(on_event=events.append)
    coordinator.form(
        NetworkConfig(
            channel=CHANNEL,
            pan_id=PAN_ID,
            extended_pan_id=EXTENDED_PAN_ID,
            network_key=NETWORK_KEY,
            policy=JoinPolicy.explicit,
        )
    )
    link_keys = {}
    for role in DEVICES:
        code = InstallCode.from_code(INSTALL_CODES[role])
        coordinator.add_install_code(IEEE[role], code.code + code.crc)
        link_keys[IEEE[role]] = code.link_key
    permit = [PERMIT_SECONDS]
    coordinator.permit_joining(PERMIT_SECONDS)
    network.run(0.1)
    joined = {}
    for role in DEVICES:  # one at a time: the router first, then its children
        node = nodes[role]
        node.join(NetworkConfig(channel=CHANNEL, link_key=link_keys[IEEE[role]]))
        joined[role] = network.run_until(partial(_is_joined, node), timeout=60)
    network.run(1.0)
    permit.append(0)
    coordinator.permit_joining(0)
    network.run(0.5)

    # --- ZDO discovery: one request at a time, waiting for its answer -----------------------------
    received: list[ApsPacket] = []
    coordinator.add_listener(on_packet=received.append)
    exchanges: list[ZdoExchange] = []

    def ask(name: str, cluster: int, dst: int, record: dict[str, Any], target: str) -> None:
        exchange = ZdoExchange(name, cluster, FIRST_ZDO_TSN + len(exchanges), dst, record, target)
        exchanges.append(exchange)
        broadcast = dst in BROADCASTS
        packet = ApsPacket(
            profile_id=0x0000,
            cluster_id=cluster,
            src_ep=0,
            dst_ep=0,
            payload=encode_zdo(cluster, exchange.tsn, record),
            dst=dst,
            dst_mode=DstMode.broadcast if broadcast else DstMode.unicast,
        )
        coordinator.send(packet, aps_ack=not broadcast, on_done=exchange.results.append)

        def answered() -> bool:
            exchange.answers = [
                p
                for p in received
                if (p.profile_id, p.cluster_id) == (0, cluster | RESPONSE)
                and p.payload[:1] == bytes((exchange.tsn,))
            ]
            return bool(exchange.answers and exchange.results)

        network.run_until(answered, timeout=40)
        network.run(0.5)  # anything late: more answers, acks
        answered()

    for role in DEVICES:
        address = nodes[role].nwk_address or 0
        of_interest = {"nwk_addr_of_interest": address}
        ask("Active_EP_req", ACTIVE_EP_REQ, address, of_interest, role)
        endpoint = {**of_interest, "endpoint": ENDPOINTS[role].endpoint}
        ask("Simple_Desc_req", SIMPLE_DESC_REQ, address, endpoint, role)
        ask("Node_Desc_req", NODE_DESC_REQ, address, of_interest, role)
    match = {
        "nwk_addr_of_interest": 0xFFFD,
        "profile_id": SE_PROFILE,
        "in_cluster_list": [METERING],
        "out_cluster_list": [],
    }
    ask("Match_Desc_req", MATCH_DESC_REQ, 0xFFFD, match, END_DEVICE)  # only it serves Metering
    router = nodes[ROUTER].nwk_address or 0
    ask("Mgmt_Lqi_req", MGMT_LQI_REQ, router, {"start_index": 0}, ROUTER)
    ask("Mgmt_Lqi_req", MGMT_LQI_REQ, router, {"start_index": 2}, ROUTER)

    # --- ZCL: Read Attributes and its response, APS-encrypted both ways ---------------------------
    end_device = nodes[END_DEVICE]
    zcl = ZclExchange(
        ApsPacket(
            SE_PROFILE,
            METERING,
            src_ep=ENDPOINTS[COORDINATOR].endpoint,
            dst_ep=ENDPOINTS[END_DEVICE].endpoint,
            payload=encode_frame(
                FOUNDATION[0x00],
                {"attribute_ids": list(READ_ATTRIBUTES)},
                tsn=ZCL_TSN,
                direction=Direction.client_to_server,
                cluster=METERING,
            ),
            dst=end_device.nwk_address,
            aps_security=True,
        )
    )

    def meter(packet: ApsPacket) -> None:
        if (packet.profile_id, packet.cluster_id) != (SE_PROFILE, METERING):
            return
        zcl.received_requests.append(packet)
        request = decode_frame(packet.payload, METERING)
        records = [
            {"attribute_id": a, "status": 0, "data_type": kind, "value": value}
            for a in request.payload.attribute_ids
            for kind, value in [ATTRIBUTE_VALUES[a]]
        ]
        zcl.response = ApsPacket(
            SE_PROFILE,
            METERING,
            src_ep=packet.dst_ep,
            dst_ep=packet.src_ep,
            payload=encode_frame(
                FOUNDATION[0x01],
                {"records": records},
                tsn=request.header.tsn,
                direction=Direction.server_to_client,
                disable_default_response=True,
                cluster=METERING,
            ),
            dst=packet.src,
            aps_security=True,
        )
        end_device.send(zcl.response, on_done=zcl.response_results.append)

    def client(packet: ApsPacket) -> None:
        if (packet.profile_id, packet.cluster_id) == (SE_PROFILE, METERING):
            zcl.received_responses.append(packet)

    end_device.add_listener(on_packet=meter)
    coordinator.add_listener(on_packet=client)
    coordinator.send(zcl.request, on_done=zcl.request_results.append)
    network.run_until(lambda: bool(zcl.received_responses and zcl.response_results), timeout=30)
    network.run(2.0)
    network.close()  # flushes the capture

    keys = list(network.keys())
    records = read_pcap(pcap)
    layers = dissect_layers(pcap, tshark_key_options(keys))
    assert len(layers) == len(records), "tshark and the pcap disagree on the number of frames"
    frames = [
        Frame(number, time, raw, dissection)
        for number, ((time, raw), dissection) in enumerate(zip(records, layers, strict=True), 1)
    ]
    return Session(nodes, link_keys, keys, pcap, frames, events, joined, exchanges, zcl, permit)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return _run_session(tmp_path_factory.mktemp("interop"))


# --- helpers --------------------------------------------------------------------------------------


class Problems:
    """Collects every mismatch, so that a failure lists them all with frame numbers."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, frame: Frame | None, message: str) -> None:
        self.found.append(f"frame {frame.number}: {message}" if frame is not None else message)

    def expect(self, frame: Frame | None, what: str, actual: Any, expected: Any) -> None:
        if actual != expected:
            self.add(frame, f"{what} is {_show(actual)}, expected {_show(expected)}")

    def fields(
        self, frame: Frame, layer: Dissection | None, expected: Mapping[str, Any], what: str = ""
    ) -> None:
        """Number fields of one layer (a missing field counts as None)."""
        for name, value in expected.items():
            actual = layer.int(name) if layer is not None and layer.has(name) else None
            self.expect(frame, f"{what}{name}", actual, value)

    def check(self) -> None:
        __tracebackhide__ = True
        shown = "\n".join(self.found[:40])
        more = f"\n… and {len(self.found) - 40} more" if len(self.found) > 40 else ""
        if self.found:
            pytest.fail(f"{len(self.found)} problem(s):\n{shown}{more}")


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, int) and not isinstance(value, bool) and value > 9:
        return f"0x{value:04x}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return repr(value)


def _ints(layer: Dissection | None, name: str) -> list[int]:
    """Every occurrence of a number (or EUI-64) field, in frame order."""
    fields = sorted(layer.fields.get(name, []), key=lambda f: f.pos) if layer else []
    return [int(f.show.replace(":", ""), 16) if ":" in f.show else int(f.show, 0) for f in fields]


def _key(layer: Dissection | None) -> bytes | None:
    """The key tshark decrypted this layer's payload with (None: it did not)."""
    if layer is None or not layer.has("zbee.sec.key"):
        return None
    return bytes.fromhex(layer.show("zbee.sec.key").replace(":", ""))


def _layer_bytes(layer: Dissection) -> bytes | None:
    """A whole layer's bytes, put together from the values of the fields tshark shows in it
    (None when a byte is covered by no field)."""
    proto = layer.one(layer.protocols[0])
    found: dict[int, int] = {}
    for f in itertools.chain.from_iterable(layer.fields.values()):
        if f is not proto and f.value and len(f.value) == 2 * f.size:
            for i, byte in enumerate(bytes.fromhex(f.value)):
                found.setdefault(f.pos + i, byte)
    span = range(proto.pos, proto.pos + proto.size)
    return bytes(found[i] for i in span) if all(i in found for i in span) else None


def _retransmissions(frames: list[Frame]) -> set[int]:
    """Numbers of frames that repeat an earlier frame byte for byte (MAC retransmissions)."""
    seen: set[bytes] = set()
    repeats = set()
    for frame in frames:
        if frame.raw in seen:
            repeats.add(frame.number)
        seen.add(frame.raw)
    return repeats


def _zdp(frame: Frame) -> tuple[int, int] | None:
    """(cluster, ZDP transaction sequence number) of a ZDP frame."""
    zdp = frame.layer("zbee_zdp")
    cluster = frame.get("zbee_aps", "zbee_aps.zdp_cluster")
    return None if zdp is None or cluster is None else (cluster, zdp.int("zbee_zdp.seqno"))


def _capability(role: str, prefix: str) -> dict[str, int]:
    """The 802.15.4 capability information a role announces, as tshark names its bits."""
    names = {
        "wpan.cinfo.": ("alt_coord", "device_type", "power_src", "idle_rx", "alloc_addr"),
        "zbee_zdp.cinfo.": ("alt_coord", "ffd", "power", "idle_rx", "alloc"),
    }[prefix]
    values = (0, int(role in (COORDINATOR, ROUTER)), int(role != SLEEPY), int(role != SLEEPY), 1)
    return {prefix + name: value for name, value in zip(names, values, strict=True)}


# --- the session itself ---------------------------------------------------------------------------


def test_every_exchange_completed(session: Session) -> None:
    """The scenario ran, as the stack sees it: every device joined under its parent and the
    trust center reported it, every request was delivered and answered once, the ZCL exchange
    went both ways."""
    problems = Problems()
    joined = {e.ieee: e for e in session.events if isinstance(e, DeviceJoined)}
    for role in DEVICES:
        parent = session.nwk(PARENT[role])
        problems.expect(None, f"{role} joined", session.joined[role], True)
        problems.expect(None, f"{role}'s parent", session.nodes[role].info().parent, parent)
        event = joined.get(IEEE[role])
        problems.expect(
            None,
            f"DeviceJoined for the {role} (nwk, parent)",
            (event.nwk, event.parent) if event else None,
            (session.nwk(role), parent),
        )
    for exchange in session.zdo:
        what = f"{exchange.name} (TSN {exchange.tsn}) to 0x{exchange.dst:04x}"
        problems.expect(None, f"{what}: delivered", [r.ok for r in exchange.results], [True])
        problems.expect(None, f"{what}: answers", len(exchange.answers), 1)
    zcl = session.zcl
    problems.expect(None, "ZCL request delivered", [r.ok for r in zcl.request_results], [True])
    problems.expect(None, "ZCL requests received", len(zcl.received_requests), 1)
    problems.expect(None, "ZCL response delivered", [r.ok for r in zcl.response_results], [True])
    problems.expect(None, "ZCL responses received", len(zcl.received_responses), 1)
    problems.check()


def test_the_keys_given_to_tshark(session: Session) -> None:
    """tshark gets the network key and each device's TC link key; the router's, from the
    published install code, is the published MMO hash."""
    assert session.link_keys[IEEE[ROUTER]] == PUBLISHED_ROUTER_LINK_KEY
    given = {key for key, _ in session.keys}
    assert given == {NETWORK_KEY, *session.link_keys.values()}


# --- MAC ------------------------------------------------------------------------------------------


def test_capture_is_whole_and_every_fcs_is_good(session: Session) -> None:
    """Every frame is captured whole with a good FCS; tshark reads each as 802.15.4 + ZigBee
    with no expert-info complaint and no malformed layer; nothing is MAC-secured (ZigBee
    secures NWK and APS)."""
    problems = Problems()
    assert len(session.frames) > 100
    for frame in session.frames:
        problems.fields(frame, frame.wpan, {"wpan.fcs_ok": 1, "wpan.security": 0})
        problems.expect(frame, "frame.len", frame.get("frame", "frame.len"), len(frame.raw))
        for layer in frame.layers:
            if layer.protocols[0].startswith("_ws.malformed"):
                problems.add(frame, "tshark finds it malformed")
            for message in layer.all("_ws.expert.message"):
                problems.add(frame, f"{layer.protocols[0]}: expert info {message!r}")
        kind = frame.wpan.int("wpan.frame_type")
        if kind == MAC_DATA and frame.layer("zbee_nwk") is None:
            problems.add(frame, "a data frame without a ZigBee NWK layer")
        if kind == MAC_BEACON and frame.layer("zbee_beacon") is None:
            problems.add(frame, "a beacon without a ZigBee beacon payload")
    problems.check()


def test_mac_addresses_and_pan(session: Session) -> None:
    """MAC frames carry the PAN id and the addresses the nodes hold; a unicast data frame goes
    to the next hop towards its NWK destination, a broadcast to 0xFFFF — from an end device to
    its parent; polls go from child to parent."""
    problems = Problems()
    shorts = {session.nwk(role) for role in session.nodes}
    for frame in session.frames:
        wpan = frame.wpan
        kind = wpan.int("wpan.frame_type")
        if kind == MAC_ACK:
            continue
        src_mode, dst_mode = wpan.int("wpan.src_addr_mode"), wpan.int("wpan.dst_addr_mode")
        if src_mode in (2, 3) and session.transmitter(frame) is None:
            source = wpan.show("wpan.src16" if src_mode == 2 else "wpan.src64")
            problems.add(frame, f"MAC source {source} is nobody's")
        if dst_mode == 2 and wpan.int("wpan.dst16") not in {*shorts, 0xFFFF}:
            problems.add(frame, f"MAC destination {wpan.show('wpan.dst16')} is nobody's")
        if kind == MAC_BEACON:
            problems.fields(frame, wpan, {"wpan.src_pan": PAN_ID}, "beacon ")
        elif kind == MAC_DATA:
            problems.fields(frame, wpan, {"wpan.dst_pan": PAN_ID, "wpan.pan_id_compression": 1})
            _next_hop_problems(session, frame, problems)
        elif frame.get("wpan", "wpan.cmd") == DATA_REQUEST:
            child = session.transmitter(frame)
            if child not in PARENT:
                problems.add(frame, f"a Data Request from the {child}")
                continue
            expected = {"wpan.dst_pan": PAN_ID, "wpan.dst16": session.nwk(PARENT[child])}
            problems.fields(frame, wpan, expected, f"Data Request from the {child}: ")
    problems.check()


def _next_hop_problems(session: Session, frame: Frame, problems: Problems) -> None:
    sender = session.transmitter(frame)
    nwk_dst = frame.get("zbee_nwk", "zbee_nwk.dst")
    target = session.role_of_nwk(nwk_dst)
    if sender is None or nwk_dst is None:
        problems.add(frame, "a data frame without a known sender or NWK destination")
    elif nwk_dst in BROADCASTS:
        hop = session.nwk(PARENT[sender]) if sender in (END_DEVICE, SLEEPY) else 0xFFFF
        problems.fields(frame, frame.wpan, {"wpan.dst16": hop}, f"broadcast by the {sender}: ")
    elif target is None or target == sender:
        problems.add(frame, f"the {sender} sends to NWK 0x{nwk_dst:04x}")
    else:
        hop = session.nwk(_path(sender, target)[1])
        problems.fields(frame, frame.wpan, {"wpan.dst16": hop}, f"{sender}→{target} next hop: ")


def test_every_clean_frame_is_acknowledged_and_only_lost_frames_are_repeated(
    session: Session,
) -> None:
    """IEEE 802.15.4-2006 §7.5.6.4: a frame that asks for an acknowledgement is acknowledged
    aTurnaroundTime (192 µs) after its last symbol, before the receiver sends anything else;
    the sender repeats the frame (same bytes, same sequence number) only when no ack came within
    macAckWaitDuration, at most macMaxFrameRetries times; broadcasts ask for no ack.

    The simulated channel loses nothing, so an ack can only be missing when another frame
    overlapped the request on the air. A frame that was alone on the air and not acked, or one
    repeated although its ack was alone on the air, is a stack fault."""
    problems = Problems()
    frames = session.frames
    start = frames[0].time

    def overlapping(frame: Frame) -> list[Frame]:
        return [o for o in frames if o is not frame and o.time < frame.end and frame.time < o.end]

    def ack_of(frame: Frame) -> Frame | None:
        seq = frame.wpan.int("wpan.seq_no")
        return next(
            (
                o
                for o in frames
                if frame.end - TIME_SLACK <= o.time <= frame.end + ACK_WAIT
                and o.wpan.int("wpan.frame_type") == MAC_ACK
                and o.wpan.int("wpan.seq_no") == seq
            ),
            None,
        )

    copies: dict[bytes, list[Frame]] = collections.defaultdict(list)
    for frame in frames:
        wpan = frame.wpan
        if wpan.int("wpan.frame_type") == MAC_ACK:
            continue
        copies[frame.raw].append(frame)
        broadcast = frame.get("wpan", "wpan.dst_addr_mode") == 0 or (
            frame.get("wpan", "wpan.dst_addr_mode") == 2 and wpan.int("wpan.dst16") == 0xFFFF
        )
        asks = wpan.int("wpan.ack_request") == 1
        destination = 16 if frame.get("wpan", "wpan.dst_addr_mode") == 2 else 64
        if broadcast and asks:
            problems.add(frame, "a broadcast asks for an acknowledgement")
        if asks and not broadcast and ack_of(frame) is None and not overlapping(frame):
            after = ", ".join(
                f"#{f.number} ({session.transmitter(f) or 'an ack or scan'}) "
                f"{(f.time - frame.end) * 1e6:+.0f} µs"
                for f in frames[frame.number : frame.number + 2]
            )
            problems.add(
                frame,
                f"{session.transmitter(frame)} → {wpan.show(f'wpan.dst{destination}')}, MAC seq "
                f"{wpan.show('wpan.seq_no')}, {len(frame.raw)} bytes at {frame.time - start:.6f} "
                f"s, alone on the air, not acknowledged within macAckWaitDuration; after its "
                f"end: {after}",
            )
    for same in copies.values():
        if len(same) > 1 + MAX_FRAME_RETRIES:
            problems.add(same[-1], f"the same frame sent {len(same)} times")
        for previous, repeat in itertools.pairwise(same):
            ack = ack_of(previous)
            if previous.wpan.int("wpan.ack_request") != 1:
                problems.add(repeat, f"repeats frame {previous.number}, which asked for no ack")
            elif ack is not None and not overlapping(ack):
                problems.add(
                    repeat, f"repeats frame {previous.number}, acknowledged by frame {ack.number}"
                )
    problems.check()


def test_beacons(session: Session) -> None:
    """Beacons from the coordinator and the router: our PAN, a non-beacon superframe (orders
    15), PAN coordinator only for the coordinator, association permitted (joining is open during
    every scan), and the ZigBee beacon payload: protocol id 0, stack profile 2 (ZigBee PRO),
    protocol version 2, our extended PAN id, the sender's depth, room for routers and end
    devices."""
    problems = Problems()
    senders = set()
    for frame in session.frames:
        if frame.wpan.int("wpan.frame_type") != MAC_BEACON:
            continue
        sender = session.role_of_nwk(frame.wpan.int("wpan.src16"))
        senders.add(sender)
        if sender not in (COORDINATOR, ROUTER):
            problems.add(frame, f"a beacon from the {sender}")
            continue
        mac = {
            "wpan.src_pan": PAN_ID,
            "wpan.beacon_order": 15,
            "wpan.superframe_order": 15,
            "wpan.bcn_coord": int(sender == COORDINATOR),
            "wpan.assoc_permit": 1,
        }
        zigbee = {
            "zbee_beacon.protocol": 0,
            "zbee_beacon.profile": 2,
            "zbee_beacon.version": 2,
            "zbee_beacon.ext_panid": EXTENDED_PAN_ID,
            "zbee_beacon.depth": DEPTH[sender],
            "zbee_beacon.router": 1,
            "zbee_beacon.end_dev": 1,
        }
        problems.fields(frame, frame.wpan, mac)
        problems.fields(frame, frame.layer("zbee_beacon"), zigbee)
    problems.expect(None, "beacon senders", senders, {COORDINATOR, ROUTER})
    problems.check()


def test_association(session: Session) -> None:
    """Each device associates once, with its parent: the request (IEEE source, PAN 0xFFFF
    source, our PAN and the parent's short address as destination) carries the capability its
    role implies; the parent's response, sent when the device polls, carries success and the
    short address the device reports it holds."""
    problems = Problems()
    repeats = _retransmissions(session.frames)
    commands = [
        f
        for f in session.frames
        if f.number not in repeats and f.wpan.int("wpan.frame_type") == MAC_COMMAND
    ]
    for role in DEVICES:
        requests = [
            f
            for f in commands
            if f.get("wpan", "wpan.cmd") == ASSOCIATION_REQUEST and session.transmitter(f) == role
        ]
        responses = [
            f
            for f in commands
            if f.get("wpan", "wpan.cmd") == ASSOCIATION_RESPONSE
            and f.get("wpan", "wpan.dst64") == IEEE[role]
        ]
        problems.expect(None, f"{role}: association requests", len(requests), 1)
        problems.expect(None, f"{role}: association responses", len(responses), 1)
        if not requests or not responses:
            continue
        request, response = requests[0], responses[0]
        expected = {
            "wpan.src_addr_mode": 3,
            "wpan.dst_pan": PAN_ID,
            "wpan.src_pan": 0xFFFF,
            "wpan.dst16": session.nwk(PARENT[role]),
            **_capability(role, "wpan.cinfo."),
        }
        problems.fields(request, request.wpan, expected, f"{role}'s association request ")
        expected = {
            "wpan.src64": IEEE[PARENT[role]],
            "wpan.dst_pan": PAN_ID,
            "wpan.assoc.status": 0,
            "wpan.asoc.addr": session.nwk(role),
        }
        problems.fields(response, response.wpan, expected, f"{role}'s association response ")
        polls = [
            f
            for f in session.frames
            if request.number < f.number < response.number
            and f.get("wpan", "wpan.cmd") == DATA_REQUEST
            and session.transmitter(f) == role
        ]
        if not polls:
            problems.add(response, "an association response the device did not poll for")
    problems.check()


# --- NWK ------------------------------------------------------------------------------------------


def test_nwk_security_every_secured_frame_decrypts_with_the_network_key(session: Session) -> None:
    """Every NWK frame is secured with the network key (key id 1, key sequence 0, extended
    nonce: the transmitter's IEEE address) and tshark decrypts it — the MIC checks — with our
    network key. The only NWK-unsecured frames are the last hop of each Transport Key to a
    device that has no network key yet (ZigBee 05-3474 §4.6.3.2)."""
    problems = Problems()
    secured, unsecured = 0, []
    repeats = _retransmissions(session.frames)
    for frame in session.nwk_frames():
        nwk = frame.nwk
        problems.fields(frame, nwk, {"zbee_nwk.proto_version": 2})
        if nwk.int("zbee_nwk.security") != 1:
            if frame.number not in repeats:
                unsecured.append(frame.number)
            if frame.get("zbee_aps", "zbee_aps.cmd.id") != APS_TRANSPORT_KEY:
                problems.add(frame, "an NWK-unsecured frame that is not a Transport Key")
            continue
        secured += 1
        sender = session.transmitter(frame)
        expected = {
            "zbee.sec.key_id": NWK_KEY_ID,
            "zbee.sec.ext_nonce": 1,
            "zbee.sec.key_seqno": 0,
            "zbee.sec.src64": IEEE.get(sender or ""),
        }
        problems.fields(frame, nwk, expected, f"NWK security of the {sender}'s frame: ")
        if _key(nwk) is None or nwk.has("zbee_sec.encrypted_payload"):
            problems.add(frame, "tshark did not decrypt the NWK payload")
            continue
        problems.expect(frame, "NWK zbee.sec.key", _key(nwk), NETWORK_KEY)
        if frame.layer("zbee_aps") is None and not nwk.has("zbee_nwk.cmd.id"):
            problems.add(frame, "the decrypted NWK payload is neither APS nor an NWK command")
    assert secured > 50
    problems.expect(None, f"NWK-unsecured frames {unsecured}", len(unsecured), len(DEVICES))
    problems.check()


def test_nwk_frame_counters_increase_per_sender(session: Session) -> None:
    """ZigBee 05-3474 §4.3.1.1: each frame a device secures takes a new outgoing frame counter,
    and §4.3.1.2 receivers drop a counter they have seen. On the air, per sender (the NWK
    auxiliary header's source), the counters increase strictly; a MAC retransmission (the same
    frame again) is not a new frame."""
    problems = Problems()
    repeats = _retransmissions(session.frames)
    last: dict[int, tuple[int, int]] = {}
    for frame in session.nwk_frames():
        nwk = frame.nwk
        if frame.number in repeats or not nwk.has("zbee.sec.counter"):
            continue
        src64, counter = nwk.int("zbee.sec.src64"), nwk.int("zbee.sec.counter")
        previous = last.get(src64)
        if previous is not None and counter <= previous[1]:
            problems.add(
                frame,
                f"NWK frame counter {counter} from {src64:016x} after {previous[1]} (frame "
                f"{previous[0]})",
            )
        last[src64] = (frame.number, counter)
    problems.expect(None, "NWK senders", sorted(last), sorted(IEEE.values()))
    problems.check()


def test_nwk_addresses_radius_and_sequence_numbers(session: Session) -> None:
    """NWK source and destination are the nodes' addresses (or a broadcast address) and the
    extended source is the originator's IEEE address; the originator sends with radius
    2 × nwkMaxDepth = 30 (1 for the one-hop Link Status, End Device Timeout and Transport Key)
    and each relay takes
    one off; only routers relay; a (source, sequence number) pair names one frame, so every copy
    of it agrees on destination and content."""
    problems = Problems()
    copies: dict[tuple[int, int], list[Frame]] = collections.defaultdict(list)
    for frame in session.nwk_frames():
        nwk = frame.nwk
        src, dst = nwk.int("zbee_nwk.src"), nwk.int("zbee_nwk.dst")
        origin, sender = session.role_of_nwk(src), session.transmitter(frame)
        if origin is None or sender is None:
            problems.add(frame, f"NWK source 0x{src:04x} sent by the {sender}")
            continue
        if dst not in BROADCASTS and session.role_of_nwk(dst) is None:
            problems.add(frame, f"NWK destination 0x{dst:04x} is nobody's")
        if nwk.has("zbee_nwk.src64"):
            problems.fields(frame, nwk, {"zbee_nwk.src64": IEEE[origin]})
        if sender != origin and sender not in (COORDINATOR, ROUTER):
            problems.add(frame, f"the {sender} relays the {origin}'s frame")
        one_hop = (
            nwk.int("zbee_nwk.security") == 0
            or frame.get("zbee_nwk", "zbee_nwk.cmd.id") in ONE_HOP_NWK_COMMANDS
        )
        radius = (1 if one_hop else DEFAULT_RADIUS) - (len(_path(origin, sender)) - 1)
        problems.fields(frame, nwk, {"zbee_nwk.radius": radius}, f"{origin}'s, sent by {sender}: ")
        copies[src, nwk.int("zbee_nwk.seqno")].append(frame)

    def content(frame: Frame) -> tuple[int | None, ...]:
        fields = (
            ("zbee_nwk", "zbee_nwk.dst"),
            ("zbee_nwk", "zbee_nwk.frame_type"),
            ("zbee_nwk", "zbee_nwk.cmd.id"),
            ("zbee_aps", "zbee_aps.type"),
            ("zbee_aps", "zbee_aps.counter"),
            ("zbee_aps", "zbee_aps.cmd.id"),
        )
        return tuple(frame.get(layer, name) for layer, name in fields)

    for (src, seq), same in copies.items():
        if len({content(f) for f in same}) > 1:
            numbers = [f.number for f in same]
            problems.add(None, f"frames {numbers}: NWK 0x{src:04x} seq {seq} names several frames")
    problems.check()


# --- joining: Transport Key, Tunnel, Update Device, Device_annce ---------------------------------


def _transport_key_problems(
    session: Session, frame: Frame, aps: Dissection, role: str, problems: Problems
) -> None:
    link_key = session.link_keys[IEEE[role]]
    expected = {
        "zbee_aps.security": 1,
        "zbee.sec.key_id": KEY_TRANSPORT_KEY_ID,
        "zbee.sec.ext_nonce": 1,
        "zbee.sec.src64": IEEE[COORDINATOR],
        "zbee_aps.cmd.key_type": 1,  # standard network key
        "zbee_aps.cmd.seqno": 0,
        "zbee_aps.cmd.dst": IEEE[role],
        "zbee_aps.cmd.src": IEEE[COORDINATOR],
    }
    problems.fields(frame, aps, expected, f"Transport Key for the {role}: ")
    problems.expect(frame, f"Transport Key for the {role}: APS zbee.sec.key", _key(aps), link_key)
    label = aps.show("zbee.sec.decryption_key") if aps.has("zbee.sec.decryption_key") else None
    problems.expect(frame, "zbee.sec.decryption_key", label, session.label(link_key))
    key = aps.show("zbee_aps.cmd.key").replace(":", "") if aps.has("zbee_aps.cmd.key") else ""
    problems.expect(frame, "zbee_aps.cmd.key (the network key)", bytes.fromhex(key), NETWORK_KEY)


def _aps_command(frame: Frame, command_id: int, name: str, ieee: int) -> bool:
    """Whether the frame's (outer) APS layer is that command with that IEEE address in it."""
    return (
        frame.get("zbee_aps", "zbee_aps.cmd.id") == command_id
        and frame.get("zbee_aps", f"zbee_aps.{name}") == ieee
    )


def test_transport_key_update_device_and_tunnel(session: Session) -> None:
    """ZigBee 05-3474 §4.6.3: the trust center sends the network key in an APS Transport Key
    secured with the key-transport key of the device's link key. To its own child it sends it
    directly (the NWK-unsecured hop); for a router's child the router first reports the join
    (Update Device, status 1 "standard unsecured join", APS-secured with the router's link key),
    the trust center tunnels the secured Transport Key to the router (APS Tunnel, NWK-secured)
    and the router forwards that same APS frame NWK-unsecured. tshark decrypts each with the TC
    link key it was given (deriving the key-transport key) and finds our network key."""
    problems = Problems()
    frames = [f for f in session.nwk_frames() if f.number not in _retransmissions(session.frames)]
    for role in DEVICES:
        parent, address, ieee = PARENT[role], session.nwk(role), IEEE[role]
        hops = [f for f in frames if _aps_command(f, APS_TRANSPORT_KEY, "cmd.dst", ieee)]
        tunnels = [f for f in frames if _aps_command(f, APS_TUNNEL, "cmd.dst", ieee)]
        updates = [f for f in frames if _aps_command(f, APS_UPDATE_DEVICE, "cmd.device", ieee)]
        via_router = parent != COORDINATOR
        problems.expect(None, f"{role}: Transport Key last hops", len(hops), 1)
        problems.expect(None, f"{role}: Tunnel commands", len(tunnels), int(via_router))
        problems.expect(None, f"{role}: Update Device commands", len(updates), int(via_router))
        if not hops:
            continue
        hop = hops[0]
        expected = {
            "zbee_nwk.security": 0,
            "zbee_nwk.src": session.nwk(parent),
            "zbee_nwk.dst": address,
            "zbee_nwk.radius": 1,
        }
        problems.fields(hop, hop.nwk, expected, "Transport Key hop: ")
        problems.fields(hop, hop.wpan, {"wpan.dst16": address}, "Transport Key hop: ")
        problems.expect(hop, "Transport Key hop: sender", session.transmitter(hop), parent)
        _transport_key_problems(session, hop, hop.aps, role, problems)
        if not (via_router and tunnels and updates):
            continue
        update, tunnel = updates[0], tunnels[0]
        expected = {
            "zbee_nwk.src": session.nwk(parent),
            "zbee_nwk.dst": 0x0000,
            "zbee_nwk.security": 1,
        }
        problems.fields(update, update.nwk, expected, "Update Device: ")
        expected = {
            "zbee_aps.security": 1,
            "zbee.sec.key_id": LINK_KEY_ID,
            "zbee.sec.src64": IEEE[parent],
            "zbee_aps.cmd.addr": address,
            "zbee_aps.cmd.update_status": 1,
        }
        problems.fields(update, update.aps, expected, "Update Device: ")
        router_key = session.link_keys[IEEE[parent]]
        problems.expect(update, "Update Device: APS zbee.sec.key", _key(update.aps), router_key)
        expected = {"zbee_nwk.src": 0x0000, "zbee_nwk.dst": session.nwk(parent)}
        problems.fields(tunnel, tunnel.nwk, {**expected, "zbee_nwk.security": 1}, "Tunnel: ")
        problems.fields(tunnel, tunnel.aps, {"zbee_aps.security": 0}, "Tunnel: ")
        inner = tunnel.layer("zbee_aps", 1)
        if inner is None:
            problems.add(tunnel, "a Tunnel command without a tunnelled APS frame")
            continue
        _transport_key_problems(session, tunnel, inner, role, problems)
        same = ("zbee_aps.counter", "zbee.sec.counter", "zbee.sec.mic")
        problems.expect(
            hop,
            f"Transport Key (APS counter, frame counter, MIC) vs frame {tunnel.number}'s",
            [hop.aps.show(name) for name in same],
            [inner.show(name) for name in same],
        )
        order = [update.number, tunnel.number, hop.number]
        problems.expect(None, f"{role}: Update Device, Tunnel, Transport Key", order, sorted(order))
    problems.check()


def test_device_announcements(session: Session) -> None:
    """ZigBee 05-3474 §2.4.3.1.11: a device that joined broadcasts Device_annce once (to 0xFFFD,
    endpoint 0 to 0, profile 0) with its short address, IEEE address and capability."""
    problems = Problems()
    announcements = [f for f in session.nwk_frames() if (_zdp(f) or (0,))[0] == DEVICE_ANNCE]
    originals = session.originals(announcements)
    for role in DEVICES:
        mine = [f for f in originals if f.get("zbee_nwk", "zbee_nwk.src") == session.nwk(role)]
        problems.expect(None, f"{role}: Device_annce sent", len(mine), 1)
        for frame in mine:
            problems.fields(frame, frame.nwk, {"zbee_nwk.dst": 0xFFFD})
            expected = {"zbee_aps.delivery": 2, "zbee_aps.dst": 0, "zbee_aps.src": 0}
            problems.fields(frame, frame.aps, {**expected, "zbee_aps.profile": 0})
            expected = {"zbee_zdp.nwk_addr": session.nwk(role), "zbee_zdp.ext_addr": IEEE[role]}
            expected.update(_capability(role, "zbee_zdp.cinfo."))
            problems.fields(frame, frame.layer("zbee_zdp"), expected, f"{role}'s Device_annce ")
    for frame in announcements:
        sender = session.transmitter(frame)
        if sender != session.role_of_nwk(frame.nwk.int("zbee_nwk.src")):
            problems.expect(frame, "Device_annce relayed by", sender in (COORDINATOR, ROUTER), True)
    problems.check()


def test_permit_joining_broadcasts(session: Session) -> None:
    """Mgmt_Permit_Joining_req goes from the coordinator to all routers (0xFFFC) with trust-center
    significance 1: first with the duration the test opened joining for, last with 0."""
    problems = Problems()
    requests = [
        f
        for f in session.originals(session.nwk_frames())
        if (_zdp(f) or (0,))[0] == MGMT_PERMIT_JOINING_REQ
    ]
    durations = [f.get("zbee_zdp", "zbee_zdp.duration") for f in requests]
    problems.expect(None, "first and last duration", durations[:1] + durations[-1:], session.permit)
    for frame in requests:
        problems.fields(frame, frame.nwk, {"zbee_nwk.src": 0x0000, "zbee_nwk.dst": 0xFFFC})
        problems.fields(frame, frame.layer("zbee_zdp"), {"zbee_zdp.significance": 1})
    problems.check()


# --- ZDO ------------------------------------------------------------------------------------------

LQI_FIELDS = (
    "zbee_zdp.extended_pan",
    "zbee_zdp.ext_addr",
    "zbee_zdp.addr",
    "zbee_zdp.table_entry_type",
    "zbee_zdp.idle_rx",
    "zbee_zdp.relationship",
    "zbee_zdp.depth",
    "zbee_zdp.lqi",
)


def _router_neighbour(session: Session, role: str) -> dict[str, int]:
    """The router's neighbour table record of ``role`` as ZigBee 05-3474 Table 2.126 defines
    it: extended PAN id, IEEE and short address, device type (0 coordinator, 1 router, 2 end
    device), rx on when idle, relationship (0 parent, 1 child), depth (0 is the coordinator)
    and the LQI of the neighbour's frames (the simulated link's)."""
    lqi = {b if a == ROUTER else a: q for (a, b), q in LINKS.items()}
    values = (
        EXTENDED_PAN_ID,
        IEEE[role],
        session.nwk(role),
        LOGICAL_TYPE[role],
        int(role != SLEEPY),
        0 if role == PARENT[ROUTER] else 1,
        DEPTH[role],
        lqi[role],
    )
    return dict(zip(LQI_FIELDS, values, strict=True))


def _zdo_request_fields(exchange: ZdoExchange) -> dict[str, Any]:
    record = exchange.record
    names = {
        "nwk_addr_of_interest": "zbee_zdp.nwk_addr",
        "endpoint": "zbee_zdp.endpoint",
        "profile_id": "zbee_zdp.profile",
        "start_index": "zbee_zdp.index",
    }
    expected = {names[k]: v for k, v in record.items() if k in names}
    if "in_cluster_list" in record:
        expected["zbee_zdp.in_count"] = len(record["in_cluster_list"])
        expected["zbee_zdp.out_count"] = len(record["out_cluster_list"])
    return expected


def _zdo_response_fields(session: Session, exchange: ZdoExchange, responder: str) -> dict[str, Any]:
    endpoint = ENDPOINTS[responder]
    expected: dict[str, Any] = {"zbee_zdp.status": 0, "zbee_zdp.nwk_addr": session.nwk(responder)}
    if exchange.cluster in (ACTIVE_EP_REQ, MATCH_DESC_REQ):
        expected["zbee_zdp.ep_count"] = 1
    elif exchange.cluster == SIMPLE_DESC_REQ:
        clusters = len(endpoint.input_clusters) + len(endpoint.output_clusters)
        expected |= {
            "zbee_zdp.simple_length": 8 + 2 * clusters,
            "zbee_zdp.endpoint": endpoint.endpoint,
            "zbee_zdp.profile": endpoint.profile_id,
            "zbee_zdp.app.device": endpoint.device_id,
            "zbee_zdp.app.version": endpoint.device_version,
            "zbee_zdp.in_count": len(endpoint.input_clusters),
            "zbee_zdp.out_count": len(endpoint.output_clusters),
        }
    elif exchange.cluster == NODE_DESC_REQ:
        expected |= {
            "zbee_zdp.node.type": LOGICAL_TYPE[responder],
            "zbee_zdp.node.freq.2400mhz": 1,
            "zbee_zdp.server.pri_trust": int(responder == COORDINATOR),
            **_capability(responder, "zbee_zdp.cinfo."),
        }
    elif exchange.cluster == MGMT_LQI_REQ:
        start = exchange.record["start_index"]
        del expected["zbee_zdp.nwk_addr"]
        expected |= {"zbee_zdp.table_size": 3, "zbee_zdp.index": start}
    return expected


def _zdo_response_lists(exchange: ZdoExchange, responder: str) -> dict[str, list[int]]:
    endpoint = ENDPOINTS[responder]
    if exchange.cluster in (ACTIVE_EP_REQ, MATCH_DESC_REQ):
        return {"zbee_zdp.endpoint": [endpoint.endpoint]}
    if exchange.cluster == SIMPLE_DESC_REQ:
        return {
            "zbee_zdp.in_cluster": list(endpoint.input_clusters),
            "zbee_zdp.out_cluster": list(endpoint.output_clusters),
        }
    return {}


def test_zdo_discovery(session: Session) -> None:
    """Every ZDO request the test sent is on the air as given (APS data from endpoint 0 to
    endpoint 0, profile 0, the request's cluster and fields; unicasts ask for an APS ack) and is
    answered by the node asked — the Match_Desc_req broadcast only by the node that serves
    Metering — with what that node holds: the endpoint it registered and its simple descriptor,
    a node descriptor of its logical type and capability, the router's neighbour table."""
    problems = Problems()
    neighbours: list[tuple[Frame, dict[str, int]]] = []  # (frame, record) from both pages
    for exchange in session.zdo:
        what = f"{exchange.name} (TSN {exchange.tsn}) "
        broadcast = exchange.dst in BROADCASTS
        requests = [
            f
            for f in session.nwk_frames()
            if _zdp(f) == (exchange.cluster, exchange.tsn)
            and f.get("zbee_nwk", "zbee_nwk.src") == 0x0000
        ]
        problems.expect(None, f"{what}sent", len(session.originals(requests)), 1)
        for frame in requests:
            problems.fields(frame, frame.nwk, {"zbee_nwk.dst": exchange.dst}, what)
            expected = {
                "zbee_aps.type": APS_DATA,
                "zbee_aps.delivery": 2 if broadcast else 0,
                "zbee_aps.ack_req": int(not broadcast),
                "zbee_aps.security": 0,
                "zbee_aps.dst": 0,
                "zbee_aps.src": 0,
                "zbee_aps.profile": 0,
            }
            problems.fields(frame, frame.aps, expected, what)
            zdp = frame.layer("zbee_zdp")
            problems.fields(frame, zdp, _zdo_request_fields(exchange), what)
            for name, key in (
                ("in_cluster", "in_cluster_list"),
                ("out_cluster", "out_cluster_list"),
            ):
                if key in exchange.record:
                    actual = _ints(zdp, f"zbee_zdp.{name}")
                    problems.expect(frame, f"{what}zbee_zdp.{name}", actual, exchange.record[key])
        responses = [
            f
            for f in session.nwk_frames()
            if _zdp(f) == (exchange.cluster | RESPONSE, exchange.tsn)
            and f.get("zbee_nwk", "zbee_nwk.dst") == 0x0000
        ]
        responders = collections.Counter(
            session.role_of_nwk(f.get("zbee_nwk", "zbee_nwk.src"))
            for f in session.originals(responses)
        )
        problems.expect(None, f"{what}answered by", dict(responders), {exchange.target: 1})
        what = what.replace("_req", "_rsp")
        for frame in responses:
            responder = session.role_of_nwk(frame.get("zbee_nwk", "zbee_nwk.src"))
            if responder is None:
                continue
            expected = {"zbee_aps.delivery": 0, "zbee_aps.dst": 0, "zbee_aps.src": 0}
            problems.fields(frame, frame.aps, {**expected, "zbee_aps.profile": 0}, what)
            zdp = frame.layer("zbee_zdp")
            problems.fields(frame, zdp, _zdo_response_fields(session, exchange, responder), what)
            for name, values in _zdo_response_lists(exchange, responder).items():
                problems.expect(frame, f"{what}{name}", _ints(zdp, name), values)
            if exchange.cluster == MGMT_LQI_REQ:
                page = list(zip(*(_ints(zdp, name) for name in LQI_FIELDS), strict=True))
                problems.fields(frame, zdp, {"zbee_zdp.table_count": len(page)}, what)
                if session.transmitter(frame) == responder:
                    neighbours += [(frame, dict(zip(LQI_FIELDS, r, strict=True))) for r in page]
    for role in (COORDINATOR, END_DEVICE, SLEEPY):
        found = [(f, r) for f, r in neighbours if r["zbee_zdp.ext_addr"] == IEEE[role]]
        problems.expect(None, f"the router's neighbour table records of the {role}", len(found), 1)
        for frame, record in found:
            for name, value in _router_neighbour(session, role).items():
                what = f"Mgmt_Lqi_rsp, the router's neighbour record of the {role}: {name}"
                problems.expect(frame, what, record[name], value)
    problems.expect(None, "the router's neighbour table size", len(neighbours), 3)
    problems.check()


# --- APS ------------------------------------------------------------------------------------------


def _aps_cluster(frame: Frame) -> int | None:
    return frame.get("zbee_aps", "zbee_aps.cluster") or frame.get(
        "zbee_aps", "zbee_aps.zdp_cluster"
    )


def test_aps_acknowledgements(session: Session) -> None:
    """ZigBee 05-3474 §2.2.8.4.2: a unicast APS data frame that asks for an acknowledgement is
    acknowledged end to end by its destination: an APS ack with the same APS counter, cluster
    and profile, the endpoints swapped, APS-secured (link key, the acknowledging device's IEEE
    in the nonce) when the data frame was. Each data frame is sent once (nothing is lost: no
    APS retries) and every APS ack answers a frame that asked for one."""
    problems = Problems()
    acks = [f for f in session.nwk_frames() if f.get("zbee_aps", "zbee_aps.type") == APS_ACK]
    asking = [
        f
        for f in session.originals(session.nwk_frames())
        if f.get("zbee_aps", "zbee_aps.type") == APS_DATA
        and f.get("zbee_aps", "zbee_aps.ack_req") == 1
    ]
    assert asking
    sent = collections.Counter(
        (f.nwk.int("zbee_nwk.src"), f.aps.int("zbee_aps.counter")) for f in asking
    )
    for (src, counter), count in sent.items():
        if count > 1:
            problems.add(None, f"APS frame {counter} from 0x{src:04x} sent {count} times")
    answered: set[int] = set()
    for data in asking:
        aps, nwk = data.aps, data.nwk
        mine = [
            a
            for a in acks
            if a.nwk.int("zbee_nwk.src") == nwk.int("zbee_nwk.dst")
            and a.nwk.int("zbee_nwk.dst") == nwk.int("zbee_nwk.src")
            and a.aps.int("zbee_aps.counter") == aps.int("zbee_aps.counter")
        ]
        answered.update(a.number for a in mine)
        what = f"APS ack of frame {data.number} (APS counter {aps.int('zbee_aps.counter')}) "
        problems.expect(data, f"{what}sent", len(session.originals(mine)), 1)
        secured = aps.int("zbee_aps.security")
        acker = session.role_of_nwk(nwk.int("zbee_nwk.dst"))
        expected: dict[str, int | None] = {
            "zbee_aps.dst": aps.int("zbee_aps.src"),
            "zbee_aps.src": aps.int("zbee_aps.dst"),
            "zbee_aps.profile": aps.int("zbee_aps.profile"),
            "zbee_aps.security": secured,
        }
        if secured:  # the MIC: test_every_aps_mic_is_valid_even_without_payload
            # no extended nonce on APS data and acks: the nonce's source is the NWK header's
            expected |= {"zbee.sec.key_id": LINK_KEY_ID, "zbee.sec.ext_nonce": 0}
        for ack in mine:
            problems.fields(ack, ack.aps, expected, what)
            if secured:
                problems.fields(ack, ack.nwk, {"zbee_nwk.src64": IEEE.get(acker or "")}, what)
            problems.expect(ack, f"{what}cluster", _aps_cluster(ack), _aps_cluster(data))
    for ack in acks:
        if ack.number not in answered:
            problems.add(ack, "an APS ack of nothing that asked for one")
    problems.check()


def test_aps_frame_counters_are_never_reused(session: Session) -> None:
    """An APS-secured frame's nonce is (sender, frame counter, security control): a sender never
    uses a counter for two different frames (the same frame relayed or tunnelled keeps it, with
    its MIC), and its counters increase."""
    problems = Problems()
    seen: dict[tuple[int, int], tuple[int, str]] = {}
    last: dict[int, tuple[int, int]] = {}
    for frame in session.nwk_frames():
        for aps in frame.all_layers("zbee_aps"):
            if not aps.has("zbee.sec.counter"):
                continue
            # no extended nonce (APS data and acks): the sender is the NWK header's source
            nonce_source = aps if aps.has("zbee.sec.src64") else None
            src64 = (
                nonce_source.int("zbee.sec.src64")
                if nonce_source is not None
                else frame.nwk.int("zbee_nwk.src64")
            )
            counter = aps.int("zbee.sec.counter")
            first = seen.setdefault((src64, counter), (frame.number, aps.show("zbee.sec.mic")))
            if first[0] != frame.number:
                if first[1] != aps.show("zbee.sec.mic"):
                    problems.add(
                        frame, f"APS counter {counter} of {src64:016x} reused (frame {first[0]})"
                    )
                continue
            previous = last.get(src64)
            if previous is not None and counter <= previous[1]:
                problems.add(frame, f"APS counter {counter} of {src64:016x} after {previous[1]}")
            last[src64] = (frame.number, counter)
    assert set(last) == {IEEE[COORDINATOR], IEEE[ROUTER], IEEE[END_DEVICE]}  # the sleepy: none
    problems.check()


def _secured_aps_bytes(layer: Dissection) -> tuple[bytes, int] | None:
    """An APS-secured frame as sent — header, auxiliary header, ciphertext, MIC — put together
    from the APS header fields and the "ZigBee Security Header" field tshark shows (its value
    runs to the end of the frame), and the offset of the auxiliary header."""
    base = layer.one(layer.protocols[0]).pos
    unnamed = layer.fields.get("", [])
    security = [f for f in unnamed if f.show == "ZigBee Security Header"]
    if len(security) != 1:
        return None
    parts = [f for f in unnamed if f.show.startswith("Frame Control Field")]
    parts += [
        f
        for name, fields in layer.fields.items()
        if name.startswith("zbee_aps.") and not name.startswith("zbee_aps.cmd.")
        for f in fields
    ]
    found: dict[int, int] = {}
    for f in [*parts, security[0]]:
        if f.value and len(f.value) == 2 * f.size:
            for i, byte in enumerate(bytes.fromhex(f.value)):
                found.setdefault(f.pos - base + i, byte)
    aux, end = security[0].pos - base, security[0].pos - base + security[0].size
    if not all(i in found for i in range(end)):
        return None
    return bytes(found[i] for i in range(end)), aux


def _ccm_open(frame: bytes, aux: int, key: bytes, source: int | None = None) -> bytes:
    """Check the MIC of, and decrypt, a frame secured at level 5 (ENC-MIC-32) with a data or
    network key, laid out as ZigBee 05-3474 §4.5.1 and Annex A say — written here from the spec
    with ``cryptography``'s AES-CCM, not with the stack's code. Nonce: source IEEE address (LE)
    ‖ frame counter (LE) ‖ security control with the level (5) patched in; a: the frame up to
    the end of the auxiliary header, level patched; then ciphertext ‖ 4-octet MIC. Raises
    InvalidTag when the MIC does not check."""
    control = frame[aux] & ~0x07 | 0x05
    if control & 0x20:  # extended nonce: the source IEEE address is in the header
        sender, header_end = frame[aux + 5 : aux + 13], aux + 13
    else:  # the caller knows the source (the NWK header's extended source)
        assert source is not None, "without an extended nonce the source must be given"
        sender, header_end = source.to_bytes(8, "little"), aux + 5
    nonce = sender + frame[aux + 1 : aux + 5] + bytes((control,))
    header_end += int((control >> 3) & 0x03 == NWK_KEY_ID)  # + key sequence number
    a = frame[:aux] + bytes((control,)) + frame[aux + 1 : header_end]
    return AESCCM(key, tag_length=4).decrypt(nonce, frame[header_end:], a)


def test_every_aps_mic_is_valid_even_without_payload(session: Session) -> None:
    """tshark 4.0 checks a MIC only when there is a payload to decrypt; it shows an APS-secured
    frame with an empty payload (an APS ack) without any verdict. So every APS frame secured
    with a link key is checked again here with AES-CCM (``cryptography``) and the spec's nonce
    layout: where tshark decrypted, the plaintext must be what tshark shows (validating this
    check); where the payload is empty, the MIC must verify; a flipped MIC bit must not."""
    problems = Problems()
    opened = empty = 0
    for frame in session.nwk_frames():
        for index, aps in enumerate(frame.all_layers("zbee_aps")):
            if frame.get("zbee_aps", "zbee.sec.key_id", index) != LINK_KEY_ID:
                continue
            built = _secured_aps_bytes(aps)
            if built is None:
                problems.add(frame, f"APS layer {index}: tshark does not show all its bytes")
                continue
            raw, aux = built
            # APS data and acks carry no extended nonce: the NWK header's source is the sender
            source = (
                aps.int("zbee.sec.src64")
                if aps.has("zbee.sec.src64")
                else frame.nwk.int("zbee_nwk.src64")
            )
            sender = session.role_of_ieee(source)
            device = sender
            if sender == COORDINATOR:
                device = session.role_of_nwk(frame.nwk.int("zbee_nwk.dst"))
            key = session.link_keys[IEEE[device or ""]]
            try:
                plaintext = _ccm_open(raw, aux, key, source)
            except InvalidTag:
                problems.add(frame, f"APS MIC invalid ({sender} → {device})")
                continue
            with pytest.raises(InvalidTag):
                _ccm_open(raw[:-1] + bytes((raw[-1] ^ 0x01,)), aux, key, source)
            opened += 1
            if not plaintext:
                empty += 1
                continue
            zcl = frame.layer("zbee_zcl")
            command = [
                f.value for f in aps.fields.get("", []) if f.show.startswith("Command Frame")
            ]
            shown = _layer_bytes(zcl) if zcl else bytes.fromhex(command[0]) if command else None
            problems.expect(frame, "APS plaintext (AES-CCM here, tshark's)", plaintext, shown)
    assert opened > empty > 0
    problems.check()


# --- ZCL ------------------------------------------------------------------------------------------


def _zcl_frames(session: Session, src: str, dst: str) -> list[Frame]:
    return [
        f
        for f in session.nwk_frames()
        if f.layer("zbee_zcl") is not None
        and f.nwk.int("zbee_nwk.src") == session.nwk(src)
        and f.nwk.int("zbee_nwk.dst") == session.nwk(dst)
    ]


def _attribute_records(zcl: Dissection) -> list[tuple[int | None, ...]]:
    """(id, status, type, value) of each Read Attributes Response record, in frame order; the
    value is the field that starts right after the data type, read as little-endian."""
    fields = sorted(itertools.chain.from_iterable(zcl.fields.values()), key=lambda f: f.pos)
    records: list[list[int | None]] = []
    for f in fields:
        if f.name.endswith(".attr_id"):
            records.append([int(f.show, 0)])
        elif f.name in ("zbee_zcl.attr.status", "zbee_zcl.attr.data.type") and records:
            records[-1].append(int(f.show, 0))
    types = sorted(zcl.fields.get("zbee_zcl.attr.data.type", []), key=lambda f: f.pos)
    for record, kind in zip(records, types, strict=False):
        value = [f for f in fields if f.pos == kind.pos + 1 and f.name.startswith("zbee_zcl.attr.")]
        record.append(int.from_bytes(bytes.fromhex(value[0].value), "little") if value else None)
    return [tuple(r) for r in records]


def test_zcl_read_attributes_exchange(session: Session) -> None:
    """The Metering Read Attributes request and its response are on the air APS-encrypted with
    the end device's link key; tshark decrypts both and prints the endpoints, cluster and
    profile, the ZCL header, the attribute ids read and the records returned (id, status, type,
    value) the test sent — and the ZCL bytes it shows are those the test gave the stack."""
    problems = Problems()
    zcl = session.zcl
    assert zcl.response is not None, "the end device never got the request"
    link_key = session.link_keys[IEEE[END_DEVICE]]
    for packet, src, dst, direction, command in (
        (zcl.request, COORDINATOR, END_DEVICE, 0, 0x00),
        (zcl.response, END_DEVICE, COORDINATOR, 1, 0x01),
    ):
        what = f"ZCL {'response' if command else 'request'} "
        frames = _zcl_frames(session, src, dst)
        problems.expect(None, f"{what}sent", len(session.originals(frames)), 1)
        for frame in frames:
            aps, layer = frame.aps, frame.layer("zbee_zcl")
            assert layer is not None
            expected = {
                "zbee_aps.type": APS_DATA,
                "zbee_aps.delivery": 0,
                "zbee_aps.ack_req": 1,
                "zbee_aps.dst": packet.dst_ep,
                "zbee_aps.src": packet.src_ep,
                "zbee_aps.cluster": packet.cluster_id,
                "zbee_aps.profile": packet.profile_id,
                "zbee_aps.security": 1,
                "zbee.sec.key_id": LINK_KEY_ID,
                "zbee.sec.ext_nonce": 0,  # the nonce's source: the NWK header's
            }
            problems.fields(frame, aps, expected, what)
            problems.fields(frame, frame.nwk, {"zbee_nwk.src64": IEEE[src]}, what)
            problems.expect(frame, f"{what}APS zbee.sec.key", _key(aps), link_key)
            label = (
                aps.show("zbee.sec.decryption_key") if aps.has("zbee.sec.decryption_key") else None
            )
            problems.expect(frame, f"{what}zbee.sec.decryption_key", label, session.label(link_key))
            expected = {
                "zbee_zcl.type": 0,
                "zbee_zcl.ms": 0,
                "zbee_zcl.dir": direction,
                "zbee_zcl.ddr": packet.payload[0] >> 4 & 1,
                "zbee_zcl.cmd.tsn": ZCL_TSN,
                "zbee_zcl.cmd.id": command,
            }
            problems.fields(frame, layer, expected, what)
            problems.expect(frame, f"{what}bytes", _layer_bytes(layer), packet.payload)
            if command == 0x00:
                ids = _ints(layer, next(n for n in layer.fields if n.endswith(".attr_id")))
                problems.expect(frame, f"{what}attribute ids", ids, list(READ_ATTRIBUTES))
            else:
                records = [(a, 0, *ATTRIBUTE_VALUES[a]) for a in READ_ATTRIBUTES]
                actual = _attribute_records(layer)
                problems.expect(frame, f"{what}(id, status, type, value)", actual, records)
    problems.check()


# --- negative controls: the checks above can fail -------------------------------------------------


def _secured(session: Session) -> tuple[list[int], list[int]]:
    """Numbers of the NWK-secured frames and of the NWK-unsecured, APS-secured ones."""
    nwk = [f.number for f in session.nwk_frames() if f.nwk.int("zbee_nwk.security") == 1]
    aps_only = [
        f.number
        for f in session.nwk_frames()
        if f.nwk.int("zbee_nwk.security") == 0 and f.get("zbee_aps", "zbee_aps.security") == 1
    ]
    return nwk, aps_only


def _layer_of(layers: list[Dissection], name: str) -> Dissection | None:
    return next((layer for layer in layers if layer.protocols == [name]), None)


def _stays_encrypted(layers: list[Dissection], name: str) -> bool:
    """tshark could not decrypt the payload secured in layer ``name`` of a frame."""
    layer = _layer_of(layers, name)
    return (
        layer is not None
        and layer.has("zbee_sec.encrypted_payload")
        and _key(layer) is None
        and _layer_of(layers, "zbee_zdp") is None
        and _layer_of(layers, "zbee_zcl") is None
        and not any(layer.has("zbee_aps.cmd.key") for layer in layers)
    )


def test_without_keys_every_secured_frame_stays_encrypted(session: Session) -> None:
    """The same capture without keys: every frame found decrypted above now shows "Encrypted
    Payload", so the decryption checks are not vacuous."""
    nwk, aps_only = _secured(session)
    frames = dissect_layers(session.pcap)
    assert [n for n in nwk if not _stays_encrypted(frames[n - 1], "zbee_nwk")] == []
    assert [n for n in aps_only if not _stays_encrypted(frames[n - 1], "zbee_aps")] == []
    assert len({session.frames[n - 1].raw for n in aps_only}) == len(DEVICES)


def test_a_wrong_network_key_decrypts_nothing(session: Session) -> None:
    """Given a network key one bit off ours (and no link keys), tshark decrypts no NWK frame:
    every MIC fails."""
    nwk, _ = _secured(session)
    frames = dissect_layers(session.pcap, tshark_key_options([(WRONG_KEY, "wrong network key")]))
    assert [n for n in nwk if not _stays_encrypted(frames[n - 1], "zbee_nwk")] == []


def test_link_keys_alone_recover_our_network_key(session: Session) -> None:
    """Given only the TC link keys, tshark decrypts the first Transport Key (deriving the
    key-transport key itself), learns the network key from it and decrypts every later NWK frame
    with it: the key the trust center transported is ours. Earlier frames stay encrypted."""
    nwk, aps_only = _secured(session)
    first = min(aps_only)
    keys = [(key, label) for key, label in session.keys if key != NETWORK_KEY]
    frames = dissect_layers(session.pcap, tshark_key_options(keys))
    problems = Problems()
    for number in nwk:
        layers = frames[number - 1]
        if number < first:
            problems.expect(
                None, f"frame {number} encrypted", _stays_encrypted(layers, "zbee_nwk"), True
            )
            continue
        layer = _layer_of(layers, "zbee_nwk")
        assert layer is not None
        problems.expect(None, f"frame {number} NWK zbee.sec.key", _key(layer), NETWORK_KEY)
        origin = layer.int("zbee.sec.key.origin") if layer.has("zbee.sec.key.origin") else None
        problems.expect(None, f"frame {number} zbee.sec.key.origin", origin, first)
    problems.check()


def test_an_altered_mic_or_ciphertext_is_refused(session: Session, tmp_path: Path) -> None:
    """One bit flipped in a NWK MIC (a ZDO request), in an APS MIC (a Transport Key) and in NWK
    ciphertext (the ZCL request), the FCS recomputed (CRC-16/KERMIT from crccheck): tshark
    refuses exactly those three frames, so a frame it decrypts had a valid MIC."""
    nwk, aps_only = _secured(session)
    zdo = next(f.number for f in session.nwk_frames() if _zdp(f) == (ACTIVE_EP_REQ, FIRST_ZDO_TSN))
    zcl = _zcl_frames(session, COORDINATOR, END_DEVICE)[0].number
    transport_key = min(aps_only)
    records = [f.raw for f in session.frames]
    assert all(CrcKermit.calc(raw[:-2]).to_bytes(2, "little") == raw[-2:] for raw in records)
    altered = {zdo: ("zbee_nwk", -1), transport_key: ("zbee_aps", -1), zcl: ("zbee_nwk", -10)}
    for number, (_, index) in altered.items():
        body = bytearray(records[number - 1][:-2])
        body[index] ^= 0x01  # -1: the MIC's last octet; -10: ciphertext
        records[number - 1] = bytes(body) + CrcKermit.calc(body).to_bytes(2, "little")
    write_pcap(tmp_path / "altered.pcap", records)
    frames = dissect_layers(tmp_path / "altered.pcap", tshark_key_options(session.keys))
    for number, (layer, _) in altered.items():
        wpan = _layer_of(frames[number - 1], "wpan")
        assert wpan is not None
        assert wpan.int("wpan.fcs_ok") == 1, f"frame {number}: the altered frame's FCS"
        assert _stays_encrypted(frames[number - 1], layer), f"frame {number} was accepted"
    untouched = [n for n in nwk if n not in altered]
    assert [n for n in untouched if _key(_layer_of(frames[n - 1], "zbee_nwk")) is None] == []
