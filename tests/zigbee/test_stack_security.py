"""Security: replays, forgeries, unsecured frames and strangers get nothing accepted.

Rules (ZigBee PRO §4.3, §4.5): every NWK frame carries a MIC under the network key and a frame
counter that must increase per sender; a device gets the network key only from the trust center,
under the link key its policy holds for it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from segateway.radio import DeviceJoined, NetworkConfig, NetworkState, NodeType
from segateway.sim.medium import Medium, airtime
from segateway.zigbee import mac, nwk
from segateway.zigbee.auxiliary import AuxHeader, KeyId
from segateway.zigbee.security import OutgoingCounter, secure

from .netkit import EPID, NETWORK_KEY, PAN, Net, make_net

R1, ED = 0x00124B0000000010, 0x00124B0000000020
MARK = b"HOSTILE!"


@dataclass
class Attacker:
    """A radio that records everything it hears and transmits whatever it likes."""

    medium: Medium
    heard: list[bytes] = field(default_factory=list)
    node_id: int = -1

    def __post_init__(self) -> None:
        self.node_id = self.medium.add_node(self)

    def on_frame(self, frame: bytes, lqi: int, rssi: int) -> None:
        self.heard.append(frame)

    def hear(self, *nodes: object) -> None:
        for node in nodes:
            self.medium.link(self.node_id, node.mac.node_id, lqi=230)  # type: ignore[attr-defined]


def schedule(net: Net, attacker: Attacker, frames: list[bytes], *, gap: float = 0.004) -> float:
    """Transmit ``frames`` one after another; returns the virtual time it takes."""
    t = 0.0
    for frame in frames:
        net.sim.clock.call_later(t, _tx, attacker, frame)
        t += airtime(len(frame)) + gap
    return t


def _tx(attacker: Attacker, frame: bytes) -> None:
    if not attacker.medium.transmitting(attacker.node_id):
        attacker.medium.transmit(attacker.node_id, frame)


def joined_pair() -> tuple[Net, Attacker]:
    net = make_net()
    c = net.coordinator
    r = net.add(R1, links=[c])
    assert net.join(r)
    attacker = Attacker(net.sim.medium)
    attacker.hear(c, r)
    return net, attacker


def secured_data_frames(heard: list[bytes]) -> list[bytes]:
    out = []
    for data in heard:
        try:
            frame = mac.decode_mac(data)
        except ValueError:
            continue
        if frame.frame_type != mac.MacFrameType.data:
            continue
        try:
            header, _ = nwk.decode_nwk_header(frame.payload)
        except ValueError:
            continue
        if header.security:
            out.append(data)
    return out


def with_fcs(body: bytes) -> bytes:
    return body + mac.fcs(body).to_bytes(2, "little")


def test_replayed_frames_are_dropped() -> None:
    net, attacker = joined_pair()
    c, r = net.coordinator, net.sim.nodes[R1]
    net.send(c, r, MARK)
    net.sim.run(5)
    assert len([p for p in net.packets[R1] if p.payload == MARK]) == 1
    recorded = [f for f in secured_data_frames(attacker.heard) if _unicast_to(f, r.nwk_address)]
    assert recorded
    for _ in range(3):  # later traffic moves the MAC sequence numbers and frame counters on
        net.send(c, r, b"later")
    net.sim.run(5)
    before = r.nwk.dropped_replay
    net.sim.run(schedule(net, attacker, recorded) + 1)
    assert r.nwk.dropped_replay - before == len(recorded)  # rejected by the frame counter
    assert len([p for p in net.packets[R1] if p.payload == MARK]) == 1  # no second delivery


def _unicast_to(data: bytes, address: int | None) -> bool:
    frame = mac.decode_mac(data)
    return frame.dst == address


def test_a_flipped_bit_anywhere_in_a_secured_frame_is_rejected() -> None:
    net, attacker = joined_pair()
    c, r = net.coordinator, net.sim.nodes[R1]
    net.send(c, r, MARK)
    net.sim.run(5)
    original = next(f for f in secured_data_frames(attacker.heard) if _unicast_to(f, r.nwk_address))
    body = original[:-2]
    forged = []
    mac_header = 9  # frame control, sequence, PAN, destination, source (short → short)
    for i in range(mac_header, len(body)):
        for bit in (0x01, 0x80):
            mutated = bytearray(body)
            mutated[i] ^= bit
            mutated[2] = (len(forged) + 1) & 0xFF  # a fresh MAC sequence number each time
            forged.append(with_fcs(bytes(mutated)))
    level_bits = {mac_header + 8}  # security control: the level the receiver overwrites
    before = r.nwk.dropped_insecure + r.nwk.dropped_replay
    packets = len(net.packets[R1])
    net.sim.run(schedule(net, attacker, forged) + 1)
    dropped = r.nwk.dropped_insecure + r.nwk.dropped_replay - before
    assert dropped >= len(forged) - 2 * len(level_bits) - 4  # a few may not even parse as NWK
    assert len(net.packets[R1]) == packets


def forged_nwk_frame(
    rng: random.Random, *, dst: int, key: bytes | None, counter: int, seq: int
) -> bytes:
    """An NWK data frame from a made-up sender, secured with ``key`` (None: unsecured)."""
    src = rng.randrange(1, 0xFFF0)
    ieee = rng.getrandbits(64)
    header = nwk.NwkHeader(nwk.NwkFrameType.data, dst, src, 30, seq, src_ieee=ieee)
    aps = bytes((0x00, 0x01, 0x02, 0x07, 0x09, 0x01, 0x01, seq)) + MARK
    if key is None:
        payload = header.encode() + aps
    else:
        aux = AuxHeader(KeyId.network, counter, ieee, 0)
        payload = secure(header._replace(security=True).encode(), aux, aps, key, ieee)
    return mac.data_frame(seq, PAN, dst, src, payload, ack_request=True).encode()


def test_ten_thousand_hostile_attempts_admit_nothing() -> None:
    """≥ 10,000 hostile attempts: joins by unregistered devices (real nodes that keep trying),
    frames under a wrong key, unsecured frames, replays, and bit-flipped copies of real traffic.
    Nothing is admitted: no stranger gets the network key or joins, no application receives a
    hostile payload, and the genuine network keeps working."""
    net, attacker = joined_pair()
    c, r = net.coordinator, net.sim.nodes[R1]
    e = net.add(ED, NodeType.end_device, links=[r])
    assert net.join(e)
    attacker.hear(e)
    rng = random.Random(7)  # noqa: S311 - reproducible hostile traffic, not keys
    net.send(c, e, b"genuine")
    net.sim.run(5)
    recorded = secured_data_frames(attacker.heard)
    strangers = [
        net.add(0x00AA000000000000 + i, rng.choice([NodeType.router, NodeType.end_device]),
                register=False, links=[rng.choice([c, r])])
        for i in range(200)
    ]  # fmt: skip
    for stranger in strangers:
        stranger.join(NetworkConfig(extended_pan_id=EPID, link_key=stranger.join_key))  # type: ignore[attr-defined]
    wrong_key = bytes(rng.getrandbits(8) for _ in range(16))
    frames: list[bytes] = []
    for i in range(2_000):  # frames under a wrong network key
        dst = rng.choice([0x0000, r.nwk_address or 0, 0xFFFF])
        frames.append(forged_nwk_frame(rng, dst=dst, key=wrong_key, counter=i, seq=i & 0xFF))
    for i in range(2_000):  # unsecured frames
        dst = rng.choice([0x0000, r.nwk_address or 0, 0xFFFD])
        frames.append(forged_nwk_frame(rng, dst=dst, key=None, counter=0, seq=i & 0xFF))
    frames.extend(recorded[i % len(recorded)] for i in range(2_000))  # replays
    for i in range(2_000):  # bit-flipped real frames, fresh MAC sequence numbers
        body = bytearray(rng.choice(recorded)[:-2])
        body[rng.randrange(9, len(body))] ^= 1 << rng.randrange(8)
        body[2] = i & 0xFF
        frames.append(with_fcs(bytes(body)))
    rng.shuffle(frames)
    events_before = len(net.events)
    net.sim.run(max(schedule(net, attacker, frames, gap=0.01), 150.0) + 30)
    join_attempts = sum(s.join_attempts for s in strangers)
    attempts = len(frames) + join_attempts
    admitted = [x for x in net.events[events_before:] if isinstance(x, DeviceJoined)]
    hostile = [p for packets in net.packets.values() for p in packets if MARK in p.payload]
    keyed = [s for s in strangers if s.ctx.network_key is not None]
    print(
        f"hostile attempts: {attempts} ({len(frames)} frames, {join_attempts} joins); "
        f"admitted: {len(admitted)}; keys handed out: {len(keyed)}; "
        f"hostile payloads delivered: {len(hostile)}; joins refused by the TC: {c.refused}"
    )
    assert attempts >= 10_000
    assert admitted == []
    assert keyed == []
    assert hostile == []
    assert all(s.state is not NetworkState.joined for s in strangers)
    assert c.refused > 0
    # the genuine network still works
    results = net.send(c, e, b"still here")
    net.sim.run(20)
    assert [x.ok for x in results] == [True]


def test_the_network_key_is_never_sent_in_the_clear() -> None:
    net, attacker = joined_pair()
    e = net.add(ED, NodeType.end_device, links=[net.sim.nodes[R1]])
    attacker.hear(e)
    assert net.join(e)
    assert not any(NETWORK_KEY in frame for frame in attacker.heard)


def test_frame_counters_survive_a_restart() -> None:
    """Outgoing frame counters are persisted: after a restart (a new counter on the same store)
    the node continues above every value it used, so its neighbours keep accepting it."""
    net, _ = joined_pair()
    c, r = net.coordinator, net.sim.nodes[R1]
    for _ in range(5):
        net.send(r, c, b"before")
    net.sim.run(5)
    used = r.ctx.nwk_frame_counter()
    r.ctx._nwk_counter = OutgoingCounter(r.ctx.counter_store, f"{r.ieee:016x}.nwk")  # restart
    r.ctx._aps_counter = OutgoingCounter(r.ctx.counter_store, f"{r.ieee:016x}.aps")
    assert r.ctx.nwk_frame_counter() > used
    results = net.send(r, c, b"after")
    net.sim.run(5)
    assert [x.ok for x in results] == [True]
    assert any(p.payload == b"after" for p in net.packets[0x00124B0000000001])
