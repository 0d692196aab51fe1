"""The simulated 802.15.4 channel, in virtual time.

Expected airtimes come from IEEE 802.15.4-2006's 2.4 GHz O-QPSK PHY as summarised in
docs/network.md (16 µs symbols, 2 symbols a byte, 6 bytes of PHY overhead), not from the code.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.sim.clock import VirtualClock
from segateway.sim.medium import (
    MAX_FRAME_BYTES,
    Link,
    Medium,
    NodeStats,
    airtime,
    distance_lqi,
    rssi_for_lqi,
)


def _rng(seed: int | None = None) -> random.Random:
    return random.Random(seed)  # noqa: S311 -- a seeded simulation RNG, not for secrets


class Recorder:
    """A receiver that writes down every frame with the time it arrived."""

    def __init__(self, clock: VirtualClock, name: str, trace: list[Any] | None = None) -> None:
        self.clock = clock
        self.name = name
        self.frames: list[bytes] = []
        self.trace = trace if trace is not None else []

    def on_frame(self, frame: bytes, lqi: int, rssi: int) -> None:
        self.frames.append(frame)
        self.trace.append((self.clock.now(), self.name, frame, lqi, rssi))


def _setup(
    n: int, *, seed: int = 1, **kwargs: Any
) -> tuple[VirtualClock, Medium, list[Recorder], list[int]]:
    clock = VirtualClock()
    medium = Medium(clock, _rng(seed), **kwargs)
    receivers = [Recorder(clock, chr(ord("A") + i)) for i in range(n)]
    ids = [medium.add_node(r) for r in receivers]
    return clock, medium, receivers, ids


FRAME = bytes(20)
FRAME_TIME = (6 + 20) * 32e-6


# ---------------------------------------------------------------------- airtime


def test_airtime_of_an_ack_is_352_us() -> None:
    """An ACK MPDU is 5 bytes; with the 6-byte PHY overhead, 11 bytes × 2 symbols × 16 µs."""
    assert airtime(5) == 352e-6
    assert Medium.airtime(5) == 352e-6


def test_airtime_of_a_full_frame_is_4256_us() -> None:
    """aMaxPHYPacketSize = 127: (127 + 6) bytes × 32 µs = 4.256 ms."""
    assert airtime(MAX_FRAME_BYTES) == 4.256e-3


@pytest.mark.parametrize("size", [0, 128, -1])
def test_airtime_refuses_impossible_sizes(size: int) -> None:
    with pytest.raises(ValueError, match="MPDU"):
        airtime(size)


def test_transmit_refuses_frames_longer_than_127_bytes() -> None:
    _, medium, _, (a, _b) = _setup(2)
    with pytest.raises(ValueError, match="MPDU"):
        medium.transmit(a, bytes(128))
    with pytest.raises(ValueError, match="MPDU"):
        medium.transmit(a, b"")
    assert medium.stats.frames == 0


def test_transmit_returns_the_end_and_delivers_then() -> None:
    clock, medium, rx, (a, b) = _setup(2)
    medium.link(a, b, lqi=200)
    clock.run(until=1.0)
    end = medium.transmit(a, FRAME)
    assert end == pytest.approx(1.0 + FRAME_TIME, abs=1e-12)
    clock.run()
    assert rx[1].trace == [(end, "B", FRAME, 200, rssi_for_lqi(200))]
    assert rx[0].trace == []  # a sender does not hear itself


def test_latency_delays_delivery() -> None:
    clock, medium, rx, (a, b) = _setup(2, latency=0.002)
    medium.link(a, b)
    end = medium.transmit(a, FRAME)
    clock.run()
    assert rx[1].trace[0][0] == pytest.approx(end + 0.002)


# ---------------------------------------------------------------------- CCA and half duplex


def test_cca_is_busy_while_a_neighbour_transmits_and_clear_after() -> None:
    clock, medium, _, (a, b, c) = _setup(3)
    medium.link(a, b)  # c hears nobody
    assert medium.channel_clear(b)
    end = medium.transmit(a, FRAME)
    assert not medium.channel_clear(b)
    assert not medium.channel_clear(a)  # the sender itself is busy
    assert medium.transmitting(a)
    assert medium.channel_clear(c)
    clock.run(until=end - 1e-6)
    assert not medium.channel_clear(b)
    clock.run(until=end)
    assert medium.channel_clear(b)
    assert medium.channel_clear(a)
    assert not medium.transmitting(a)


def test_a_node_cannot_send_two_frames_at_once() -> None:
    _, medium, _, (a, _b) = _setup(2)
    medium.transmit(a, FRAME)
    with pytest.raises(RuntimeError, match="already transmitting"):
        medium.transmit(a, FRAME)


def test_half_duplex_a_node_already_transmitting_does_not_receive() -> None:
    clock, medium, rx, (a, b, d) = _setup(3)
    medium.link(a, b, symmetric=False)  # B hears A
    medium.link(b, d, symmetric=False)  # D hears B
    medium.transmit(b, bytes(40))
    clock.call_later(0.0001, medium.transmit, a, b"from A")  # starts while B sends
    clock.run()
    assert rx[1].frames == []
    assert rx[2].frames == [bytes(40)]
    assert medium.stats.collisions == 1


def test_half_duplex_starting_to_transmit_spoils_the_frame_being_received() -> None:
    clock, medium, rx, (a, b, d) = _setup(3)
    medium.link(a, b, symmetric=False)
    medium.link(b, d, symmetric=False)
    medium.transmit(a, bytes(40))
    clock.call_later(0.0001, medium.transmit, b, b"from B")  # B sends during A's frame
    clock.run()
    assert rx[1].frames == []
    assert rx[2].frames == [b"from B"]
    assert medium.stats.collisions == 1


def test_hidden_nodes_collide_at_the_node_between_them() -> None:
    """A and C both reach B but not each other: CCA cannot help, overlapping frames are lost."""
    clock, medium, rx, (a, b, c) = _setup(3)
    medium.link(a, b)
    medium.link(c, b)
    medium.transmit(a, b"from A")
    assert medium.channel_clear(c)  # C cannot hear A
    medium.transmit(c, b"from C")
    clock.run()
    assert rx[1].frames == []
    assert medium.stats.collisions == 2
    assert medium.stats.deliveries == 0


def test_hidden_nodes_taking_turns_both_get_through() -> None:
    clock, medium, rx, (a, b, c) = _setup(3)
    medium.link(a, b)
    medium.link(c, b)
    end = medium.transmit(a, b"from A")
    clock.call_at(end, medium.transmit, c, b"from C")  # starts exactly as A's frame ends
    clock.run()
    assert rx[1].frames == [b"from A", b"from C"]
    assert medium.stats.collisions == 0


def test_back_to_back_frames_do_not_collide_whatever_the_event_order() -> None:
    """A frame starting exactly at another's end, scheduled before that end was: still fine."""
    clock, medium, rx, (a, b, c) = _setup(3)
    medium.link(a, b)
    medium.link(c, b)
    clock.call_at(FRAME_TIME, medium.transmit, c, b"second")  # queued before A's end event
    medium.transmit(a, FRAME)
    clock.run()
    assert rx[1].frames == [FRAME, b"second"]


def test_a_collision_spoils_only_receivers_that_hear_both() -> None:
    clock, medium, rx, (a, b, c, d) = _setup(4)
    medium.link(a, b)
    medium.link(c, b)
    medium.link(a, d)  # D hears only A
    medium.transmit(a, b"from A")
    clock.call_later(0.0001, medium.transmit, c, b"from C")
    clock.run()
    assert rx[1].frames == []
    assert rx[3].frames == [b"from A"]


# ---------------------------------------------------------------------- loss


def _delivery_fraction(n: int, *, link_loss: float, medium_loss: float, seed: int) -> float:
    clock, medium, rx, (a, b) = _setup(2, seed=seed, loss=medium_loss)
    medium.link(a, b, loss=link_loss)
    for _ in range(n):
        clock.run(until=medium.transmit(a, FRAME))
    clock.run()
    assert medium.stats.deliveries + medium.stats.losses == n
    return len(rx[1].frames) / n


@pytest.mark.parametrize(
    ("link_loss", "medium_loss", "expected"),
    [(0.3, 0.0, 0.7), (0.0, 0.3, 0.7), (0.3, 0.3, 0.49), (1.0, 0.0, 0.0), (0.0, 0.0, 1.0)],
)
def test_loss_rate_within_a_binomial_bound(
    link_loss: float, medium_loss: float, expected: float
) -> None:
    """Independent draws: the delivered fraction of n frames is within 4 standard deviations."""
    n = 4000
    fraction = _delivery_fraction(n, link_loss=link_loss, medium_loss=medium_loss, seed=7)
    sigma = math.sqrt(expected * (1 - expected) / n)
    assert abs(fraction - expected) <= 4 * sigma + 1e-12


# ---------------------------------------------------------------------- online / offline


def test_offline_nodes_neither_hear_nor_send() -> None:
    captured: list[tuple[float, bytes, int]] = []
    clock, medium, rx, (a, b) = _setup(2, capture=lambda t, f, s: captured.append((t, f, s)))
    medium.link(a, b)
    medium.set_online(b, False)
    assert not medium.is_online(b)
    medium.transmit(a, b"one")
    clock.run()
    assert rx[1].frames == []
    assert medium.stats.missed == 1
    medium.transmit(b, b"from offline B")
    clock.run()
    assert rx[0].frames == []
    assert medium.stats.offline_sends == 1
    assert [f for _, f, _ in captured] == [b"one"]  # never reached the air
    medium.set_online(b, True)
    medium.transmit(a, b"two")
    clock.run()
    assert rx[1].frames == [b"two"]


def test_going_offline_or_online_mid_frame_loses_it() -> None:
    clock, medium, rx, (a, b, c) = _setup(3)
    medium.link(a, b)
    medium.link(a, c)
    medium.set_online(c, False)
    medium.transmit(a, b"frame")
    clock.call_later(0.0001, medium.set_online, b, False)
    clock.call_later(0.0001, medium.set_online, c, True)  # missed the start
    clock.run()
    assert rx[1].frames == []
    assert rx[2].frames == []
    assert medium.stats.missed == 2


def test_a_sender_going_offline_cuts_its_frame_short() -> None:
    clock, medium, rx, (a, b) = _setup(2)
    medium.link(a, b)
    medium.transmit(a, b"cut")
    clock.call_later(0.0001, medium.set_online, a, False)
    clock.call_later(0.0002, medium.set_online, a, True)
    clock.run()
    assert rx[1].frames == []
    assert medium.stats.aborted == 1
    medium.transmit(a, b"whole")
    clock.run()
    assert rx[1].frames == [b"whole"]


def test_a_node_coming_online_senses_a_frame_already_on_the_air() -> None:
    clock, medium, _, (a, b) = _setup(2)
    medium.link(a, b)
    medium.set_online(b, False)
    end = medium.transmit(a, FRAME)
    medium.set_online(b, True)
    assert not medium.channel_clear(b)
    clock.run(until=end)
    assert medium.channel_clear(b)


# ---------------------------------------------------------------------- capture


def test_capture_sees_every_transmission_even_unheard_and_collided() -> None:
    captured: list[tuple[float, bytes, int]] = []
    clock, medium, _, (a, b, c, lonely) = _setup(
        4, capture=lambda t, f, s: captured.append((t, f, s))
    )
    medium.link(a, b)
    medium.link(c, b)
    medium.transmit(a, b"1")
    medium.transmit(c, b"2")  # collides with 1 at B
    medium.transmit(lonely, b"3")  # nobody hears it
    clock.run(until=1.0)
    medium.transmit(a, b"4")
    clock.run()
    assert captured == [(0.0, b"1", a), (0.0, b"2", c), (0.0, b"3", lonely), (1.0, b"4", a)]


# ---------------------------------------------------------------------- topology


def test_links_are_symmetric_by_default_and_can_be_one_way() -> None:
    clock, medium, rx, (a, b, c) = _setup(3)
    medium.link(a, b, lqi=180, loss=0.25)
    medium.link(a, c, lqi=90, symmetric=False)
    assert medium.neighbors(a) == {b: Link(180, 0.25, rssi_for_lqi(180)), c: Link(90, 0.0, -75)}
    assert medium.neighbors(b) == {a: Link(180, 0.25, rssi_for_lqi(180))}
    assert medium.neighbors(c) == {}
    medium.transmit(c, b"unheard")
    clock.run()
    assert rx[0].frames == []
    medium.unlink(a, b)
    assert medium.neighbors(a).keys() == {c}
    assert medium.neighbors(b) == {}
    medium.link(a, b, rssi=-42)
    assert medium.neighbors(b)[a] == Link(255, 0.0, -42)


def test_link_validation() -> None:
    _, medium, _, (a, b) = _setup(2)
    with pytest.raises(ValueError, match="lqi"):
        medium.link(a, b, lqi=256)
    with pytest.raises(ValueError, match="probability"):
        medium.link(a, b, loss=1.5)
    with pytest.raises(ValueError, match="itself"):
        medium.link(a, a)
    with pytest.raises(KeyError):
        medium.link(a, 99)
    with pytest.raises(ValueError, match="probability"):
        Medium(VirtualClock(), _rng(), loss=-0.1)


def test_remove_node() -> None:
    clock, medium, rx, (a, b, c) = _setup(3)
    medium.link(a, b)
    medium.link(b, c)
    medium.link(c, a, symmetric=False)
    medium.transmit(a, b"in flight")
    medium.remove_node(b)
    clock.run()
    assert rx[1].frames == []
    assert medium.neighbors(a) == {}
    assert medium.neighbors(c).keys() == {a}  # the link that did not involve B stays
    with pytest.raises(KeyError):
        medium.transmit(b, b"x")
    assert medium.add_node(Recorder(clock, "D")) == 3  # ids are not reused


def test_rssi_model_is_monotonic_between_its_ends() -> None:
    values = [rssi_for_lqi(lqi) for lqi in range(256)]
    assert values[0] == -100
    assert values[255] == -30
    assert values == sorted(values)


def test_distance_lqi_falls_with_distance() -> None:
    values = [distance_lqi(d, 30.0) for d in (0.0, 5.0, 15.0, 29.9, 30.0)]
    assert values[0] == 255
    assert values[-1] == 0
    assert values == sorted(values, reverse=True)


_coordinate = st.floats(-200.0, 200.0, allow_nan=False) | st.sampled_from([0.0, 10.0, -10.0])


@given(
    positions=st.lists(st.tuples(_coordinate, _coordinate), max_size=60),
    range_m=st.floats(0.5, 150.0) | st.sampled_from([10.0, 20.0]),
)
def test_connect_by_distance_links_exactly_the_pairs_in_range(
    positions: list[tuple[float, float]], range_m: float
) -> None:
    clock = VirtualClock()
    medium = Medium(clock, _rng(0))
    ids = [medium.add_node(Recorder(clock, "n"), position=p) for p in positions]
    unplaced = medium.add_node(Recorder(clock, "unplaced"))
    pairs = medium.connect_by_distance(range_m)
    expected = {
        (i, j): math.dist(positions[i], positions[j])
        for i in ids
        for j in ids
        if i != j and math.dist(positions[i], positions[j]) <= range_m
    }
    got = {(i, j) for i in ids for j in medium.neighbors(i)}
    assert got == set(expected)
    assert pairs * 2 == len(expected)
    assert medium.neighbors(unplaced) == {}
    for (i, j), distance in expected.items():
        assert medium.neighbors(i)[j].lqi == distance_lqi(distance, range_m)


def test_connect_by_distance_scales_to_ten_thousand_nodes() -> None:
    clock = VirtualClock()
    medium = Medium(clock, _rng(0))
    rng = _rng(3)
    for _ in range(10_000):
        medium.add_node(Recorder(clock, "n"), position=(rng.uniform(0, 1000), rng.uniform(0, 1000)))
    pairs = medium.connect_by_distance(20.0)
    # about N²πr²/(2A) = 10⁸·π·400/(2·10⁶) ≈ 62,800 pairs (fewer at the edges)
    assert 50_000 < pairs < 70_000


def test_connect_by_distance_refuses_a_bad_range_or_lqi_model() -> None:
    _, medium, _, _ = _setup(1)
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ValueError, match="range"):
            medium.connect_by_distance(bad)
    clock = VirtualClock()
    medium = Medium(clock, _rng(0))
    medium.add_node(Recorder(clock, "A"), position=(0.0, 0.0))
    medium.add_node(Recorder(clock, "B"), position=(1.0, 0.0))
    with pytest.raises(ValueError, match="LQI model"):
        medium.connect_by_distance(5.0, lqi_model=lambda d, r: 300)
    assert medium.connect_by_distance(5.0, lqi_model=lambda d, r: 17) == 1
    assert medium.neighbors(0)[1].lqi == 17


# ---------------------------------------------------------------------- statistics


def test_statistics_and_reset() -> None:
    clock, medium, _, (a, b, c) = _setup(3)
    medium.link(a, b)
    medium.link(c, b)
    medium.link(a, c, symmetric=False)  # C hears A, A does not hear C
    medium.transmit(a, bytes(10))
    clock.run()
    medium.transmit(a, bytes(10))
    medium.transmit(c, bytes(7))  # C is transmitting while A's frame arrives: half duplex
    clock.run()
    stats = medium.stats
    assert (stats.frames, stats.bytes) == (3, 27)
    assert stats.airtime == pytest.approx(airtime(10) * 2 + airtime(7))
    assert stats.deliveries == 2  # the first frame, at B and C
    assert stats.collisions == 3  # second frame at B and C, C's frame at B
    assert medium.node_stats(a) == NodeStats(frames_sent=2, bytes_sent=20, frames_received=0)
    assert medium.node_stats(b) == NodeStats(0, 0, 1)
    medium.reset_stats()
    assert medium.stats.frames == medium.stats.collisions == 0
    assert medium.stats.airtime == 0.0
    assert medium.node_stats(a) == NodeStats(0, 0, 0)


# ---------------------------------------------------------------------- reproducibility


def _random_traffic(seed: int, *, filtered: bool = False) -> tuple[list[Any], Any, Any]:
    """Twenty nodes on a plane, random frames at random times, with loss and collisions."""
    clock = VirtualClock()
    rng = _rng(seed)
    medium = Medium(clock, rng, loss=0.1)
    trace: list[Any] = []
    placement = _rng(99)
    nodes = [
        medium.add_node(
            Recorder(clock, str(i), trace),
            position=(placement.uniform(0, 60), placement.uniform(0, 60)),
        )
        for i in range(20)
    ]
    medium.connect_by_distance(25.0)
    medium.link(0, 1, loss=0.4)
    if filtered:
        # the recorders' on_frame has no effect we compare for frames starting with an odd byte
        for node in nodes:
            medium.set_filter(node, lambda frame: frame[0] % 2 == 0)

    def send(node: int, frame: bytes) -> None:
        if not medium.transmitting(node):
            medium.transmit(node, frame)

    for k in range(400):
        sender = rng.randrange(20)
        frame = bytes([k % 256]) + rng.randbytes(rng.randrange(4, 60))
        clock.call_at(rng.uniform(0, 0.5), send, sender, frame)
    clock.run()
    if filtered:
        return trace, medium.stats, rng.getstate()
    even = [entry for entry in trace if entry[2][0] % 2 == 0]
    return even, medium.stats, rng.getstate()


def test_same_seed_same_run() -> None:
    first = _random_traffic(5)
    second = _random_traffic(5)
    assert first == second
    assert first[1].collisions > 0
    assert first[1].losses > 0
    assert first[0] != _random_traffic(6)[0]


def test_filters_change_nothing_but_the_calls() -> None:
    """A filter that keeps to its contract leaves the run identical (trace, counters, RNG)."""
    assert _random_traffic(11, filtered=True) == _random_traffic(11)
