"""The simulated network at scale: joining 1 to 10,000 nodes, memory per node, secured frames/s.

    python bench/medium.py [--json] [--sizes 1,100,1000,10000] [--frames 20000] [--max-wall 900]
    python bench/medium.py --histogram 1000    # frames on the air per node joined, by kind

Two measurements:

* **join**: a network of N nodes (the coordinator and trust center, routers on a grid 30 m
  apart, and 20 sleepy end devices within 10 m of each router, every node hearing every other
  within 32 m) joins in virtual time: every device registered with its install code, routers
  join outwards from the coordinator 0.5 s apart, then the end devices 0.25 s apart. Each size
  runs in a fresh process so its memory is its own; a run stops after ``--max-wall`` seconds.
  Printed: wall seconds until every node joined, CPU seconds, virtual seconds, frames on the
  air, and the resident-set growth divided by N (meaningful from about 1,000 nodes: below that
  the interpreter's own start-up dominates).
* **throughput**: a router sends APS data (APS ack requested) to the coordinator, back to back;
  every data frame and every APS ack is NWK-secured (AES-CCM*, MIC-32) and goes through the
  sender's APS → NWK → MAC, the medium (with CSMA/CA and MAC acks), and the receiver's
  MAC → NWK (decrypt, replay check) → APS. Printed: secured frames per CPU-second, and the
  ratio against the baseline run in the same process — the same number of AES-CCM* encryptions
  and decryptions with ``cryptography`` alone, the floor any Python stack pays.

Targets (issue 3): 10,000 nodes joined in under 2 minutes of wall time, at most 20 KB per node,
at least 20,000 secured frames per CPU-second.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import multiprocessing
import os
import random
import resource
import sys
import time
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from segateway.radio import (
    ApsPacket,
    DeliveryResult,
    Endpoint,
    NetworkConfig,
    NetworkState,
    NodeType,
)
from segateway.radio.sim import SimNetwork
from segateway.zigbee.install_code import InstallCode
from segateway.zigbee.mac import decode_mac as mac_decode
from segateway.zigbee.stack.context import StackConfig

EPID = 0x00124B00CAFEF00D
PAN = 0x5E01
SE_PROFILE = 0x0109
SPACING = 30.0  # metres between routers
RANGE = 32.0  # radio range: a router hears the 4 routers next to it
CHILDREN = 20  # sleepy end devices per router
HOME_RADIUS = 10.0  # end devices lie within this distance of their router (a home)
ROUTER_GAP = 0.5  # virtual seconds between router join starts (each wave waits for its parent)
DEVICE_GAP = 0.25  # virtual seconds between end-device join starts
VIRTUAL_LIMIT = 7200.0  # give up after this much virtual time


def _rss_bytes(field: str = "VmRSS") -> int:
    """This process's resident set (``VmHWM``: its peak) from /proc, in bytes."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # the peak, elsewhere


def _key(n: int) -> bytes:
    return bytes((n * 37 + i * 11) & 0xFF for i in range(16))


def build(n: int, seed: int = 1) -> tuple[SimNetwork, list[Any], list[Any], list[float]]:
    """The network of ``n`` nodes, nobody joined yet: (sim, routers, end devices, start times)."""
    config = StackConfig(poll_interval=7.5, max_children=CHILDREN + 12, link_status_period=60.0)
    sim = SimNetwork(seed=seed, config=config)
    rng = random.Random(seed)  # noqa: S311 - placement, not keys
    coordinator = sim.add_node(
        0x00124B0000000001, NodeType.coordinator, position=(0.0, 0.0), random_bytes=_key
    )
    coordinator.form(
        NetworkConfig(channel=15, pan_id=PAN, extended_pan_id=EPID, network_key=_key(0))
    )
    devices = n - 1
    n_routers = math.ceil(devices / (CHILDREN + 1)) if devices else 0
    side = math.ceil(math.sqrt(n_routers + 1))
    cells = sorted(
        (
            (i, j)
            for i in range(-side, side + 1)
            for j in range(-side, side + 1)
            if (i, j) != (0, 0)
        ),
        key=lambda c: (c[0] ** 2 + c[1] ** 2, c),
    )[:n_routers]
    routers = [
        sim.add_node(0x00124B0001000000 + k, NodeType.router, position=(i * SPACING, j * SPACING))
        for k, (i, j) in enumerate(cells)
    ]
    hubs = [(0.0, 0.0), *((i * SPACING, j * SPACING) for i, j in cells)]
    end_devices = []
    for k in range(devices - n_routers):
        hx, hy = hubs[k % len(hubs)]
        angle, radius = rng.uniform(0, 2 * math.pi), rng.uniform(2.0, HOME_RADIUS)
        end_devices.append(
            sim.add_node(
                0x00124B0002000000 + k,
                NodeType.end_device,
                rx_on_when_idle=False,
                position=(hx + radius * math.cos(angle), hy + radius * math.sin(angle)),
            )
        )
    sim.medium.connect_by_distance(RANGE)
    starts = []
    at = 0.0
    for node in [*routers, *end_devices]:
        code = InstallCode.from_code(node.ieee.to_bytes(8, "big"))
        coordinator.add_install_code(node.ieee, code.code + code.crc)
        node.register_endpoint(Endpoint(1, SE_PROFILE, 0x0501, input_clusters=(0x0702,)))
        sim.clock.call_at(
            at, node.join, NetworkConfig(extended_pan_id=EPID, link_key=code.link_key)
        )
        starts.append(at)
        at += ROUTER_GAP if node.ctx.is_router else DEVICE_GAP
    coordinator.permit_joining(254)
    return sim, routers, end_devices, starts


def join_run(n: int, max_wall: float = 900.0) -> dict[str, Any]:
    """Build and join a network of ``n`` nodes in this process; the figures as a dict."""
    gc.collect()
    base_rss = _rss_bytes()
    sim, routers, end_devices, _starts = build(n)
    devices = [*routers, *end_devices]
    coordinator = next(iter(sim.nodes.values()))
    for _ in range(10):  # permit joining stays open through the run
        sim.clock.call_at(_ * 250.0 + 240.0, coordinator.permit_joining, 254)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    joined = 0
    while sim.clock.now() < VIRTUAL_LIMIT and time.perf_counter() - wall0 < max_wall:
        sim.run(5.0)
        joined = sum(1 for d in devices if d.state is NetworkState.joined)
        if joined == len(devices):
            break
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    now_rss, peak = _rss_bytes(), _rss_bytes("VmHWM")
    stats = sim.medium.stats
    return {
        "nodes": n,
        "routers": len(routers),
        "end_devices": len(end_devices),
        "joined": joined + 1,
        "virtual_s": round(sim.clock.now(), 1),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "frames": stats.frames,
        "collisions": stats.collisions,
        "join_attempts": sum(d.join_attempts for d in devices),
        "kb_per_node": round((now_rss - base_rss) / n / 1024, 1),
        "peak_kb_per_node": round((peak - base_rss) / n / 1024, 1),
        "frames_per_cpu_s": round(stats.frames / cpu) if cpu else None,
    }


_MAC_TYPES = {0: "beacon", 1: "data", 2: "ack", 3: "mac command"}
_NWK_TYPES = {0: "data", 1: "command"}


def frame_histogram(n: int, max_wall: float = 900.0) -> dict[str, float]:
    """Join a network of ``n`` nodes counting every frame on the air by kind; frames per node.

    Kinds: MAC frame type; for MAC data, NWK frame type and broadcast/unicast (read from the
    NWK header, which is never encrypted); for MAC commands, the command id.
    """
    counts: dict[str, int] = {}
    sim, routers, end_devices, _starts = build(n)

    def count(_when: float, frame: bytes, _sender: int) -> None:
        kind = _MAC_TYPES.get(frame[0] & 0x07, "other")
        fields = mac_decode(frame)
        if kind == "data" and len(fields.payload) >= 4:
            nwk = fields.payload
            dst = nwk[2] | nwk[3] << 8
            kind = (
                f"nwk {_NWK_TYPES.get(nwk[0] & 0x03, 'other')} "
                f"{'broadcast' if dst >= 0xFFF8 else 'unicast'}"
            )
        elif kind == "mac command" and fields.payload:
            kind = f"mac command 0x{fields.payload[0]:02x}"
        counts[kind] = counts.get(kind, 0) + 1

    sim.medium._capture = count  # the bench looks at the air directly
    devices = [*routers, *end_devices]
    coordinator = next(iter(sim.nodes.values()))
    for k in range(10):
        sim.clock.call_at(k * 250.0 + 240.0, coordinator.permit_joining, 254)
    wall0 = time.perf_counter()
    while sim.clock.now() < VIRTUAL_LIMIT and time.perf_counter() - wall0 < max_wall:
        sim.run(5.0)
        if all(d.state is NetworkState.joined for d in devices):
            break
    return {k: round(v / n, 1) for k, v in sorted(counts.items(), key=lambda kv: -kv[1])}


def _join_child(n: int, max_wall: float, queue: Any) -> None:
    queue.put(join_run(n, max_wall))


def join_in_child(n: int, max_wall: float) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_join_child, args=(n, max_wall, queue))
    proc.start()
    result: dict[str, Any] = queue.get()
    proc.join()
    return result


def throughput(frames: int, *, aps_security: bool = False) -> dict[str, Any]:
    """Secured frames per CPU-second between a router and the coordinator (see the module doc)."""
    config = StackConfig(link_status_period=None, concentrator_period=None)
    sim = SimNetwork(seed=3, config=config)
    coordinator = sim.add_node(0x00124B0000000001, NodeType.coordinator, random_bytes=_key)
    coordinator.form(
        NetworkConfig(channel=15, pan_id=PAN, extended_pan_id=EPID, network_key=_key(0))
    )
    coordinator.register_endpoint(Endpoint(1, SE_PROFILE, 0x0500, output_clusters=(0x0702,)))
    router = sim.add_node(0x00124B0000000002, NodeType.router)
    sim.link(coordinator, router, lqi=230)
    code = InstallCode.from_code(router.ieee.to_bytes(8, "big"))
    coordinator.add_install_code(router.ieee, code.code + code.crc)
    coordinator.permit_joining(60)
    router.join(NetworkConfig(extended_pan_id=EPID, link_key=code.link_key))
    if not sim.run_until(lambda: router.state is NetworkState.joined, timeout=60):
        raise RuntimeError("the router did not join")
    sim.run(2.0)
    received = 0
    delivered = 0

    def on_packet(_packet: ApsPacket) -> None:
        nonlocal received
        received += 1

    def on_done(result: DeliveryResult) -> None:
        nonlocal delivered
        delivered += result.ok

    coordinator.add_listener(on_packet=on_packet)
    payload = bytes(range(24))  # a ZCL Report Attributes sized payload
    packet = ApsPacket(
        SE_PROFILE, 0x0702, 1, 1, payload, dst_ieee=coordinator.ieee, aps_security=aps_security
    )
    sent0 = sim.medium.stats.frames
    gc.collect()
    cpu0 = time.process_time()
    for _ in range(frames):
        router.send(packet, aps_ack=True, on_done=on_done)
        sim.run(0.05)
    cpu = time.process_time() - cpu0
    secured = received + delivered  # data frames up to APS + APS acks back up to APS
    # baseline: the same AES-CCM* work with the library alone
    ccm = AESCCM(_key(0), tag_length=4)
    nonce, header = bytes(13), bytes(16)
    body = bytes(len(payload) + 8)
    cpu1 = time.process_time()
    for _ in range(secured):
        ciphertext = ccm.encrypt(nonce, body, header)
        ccm.decrypt(nonce, ciphertext, header)
    floor = time.process_time() - cpu1
    return {
        "aps_security": aps_security,
        "frames_sent": frames,
        "delivered": delivered,
        "secured_frames": secured,
        "frames_on_air": sim.medium.stats.frames - sent0,
        "cpu_s": round(cpu, 3),
        "secured_frames_per_cpu_s": round(secured / cpu),
        "baseline_ccm_only_per_cpu_s": round(secured / floor),
        "ratio_vs_baseline": round(cpu / floor, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--sizes", default="1,100,1000,10000", help="network sizes to join")
    parser.add_argument("--frames", type=int, default=20_000, help="APS frames for throughput")
    parser.add_argument(
        "--max-wall", type=float, default=900.0, help="stop a join run after this many seconds"
    )
    parser.add_argument(
        "--histogram",
        type=int,
        metavar="N",
        help="only join N nodes and print the frames on the air per node, by kind",
    )
    args = parser.parse_args(argv)
    if args.histogram:
        print(json.dumps(frame_histogram(args.histogram, args.max_wall), indent=1))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    out: dict[str, Any] = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "throughput": [throughput(args.frames), throughput(args.frames // 2, aps_security=True)],
        "join": [],
    }
    if not args.json:
        for t in out["throughput"]:
            print(
                f"throughput (APS security {'on' if t['aps_security'] else 'off'}): "
                f"{t['secured_frames_per_cpu_s']:,} secured frames/CPU-s "
                f"({t['delivered']}/{t['frames_sent']} delivered); AES-CCM* alone "
                f"{t['baseline_ccm_only_per_cpu_s']:,}/s: stack costs {t['ratio_vs_baseline']}×"
            )
    for n in sizes:
        result = join_in_child(n, args.max_wall)
        out["join"].append(result)
        if not args.json:
            print(
                f"join N={n}: {result['joined']}/{n} joined ({result['routers']} routers, "
                f"{result['end_devices']} sleepy end devices) in {result['wall_s']} s wall, "
                f"{result['cpu_s']} s CPU, {result['virtual_s']} s virtual; "
                f"{result['frames']:,} frames ({result['frames_per_cpu_s']:,}/CPU-s), "
                f"{result['collisions']:,} collisions, {result['join_attempts']} join attempts; "
                f"{result['kb_per_node']} KB/node (peak {result['peak_kb_per_node']})",
                flush=True,
            )
    if args.json:
        print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
