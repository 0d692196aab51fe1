"""ZCL codec throughput: segateway against zigpy 2.4, side by side in one process.

    python bench/zcl_codec.py [--json] [--seconds S] [--profile]

A fixed mix of Smart Energy frames (se-spec.md §6.6 vectors and two metering frames) is decoded
and encoded over and over. For every frame and operation the bench times batches with
``time.perf_counter``; rounds are interleaved (every operation of every frame once per round, so
that frequency scaling and noise hit both libraries alike) and the best batch of all rounds counts.

* ours decode: ``decode_frame(data, cluster)``;
* ours encode: ``frame.encode()`` of the decoded :class:`ZclFrame` (records as decoded), and
  ``encode_frame(command, plain_dict, ...)`` from a plain dict of Python values (what a caller
  that builds a frame from scratch does: validation and coercion included);
* zigpy decode: ``ZCLHeader.deserialize`` + ``GENERAL_COMMANDS[id].schema.deserialize`` (only
  for the foundation frames: zigpy 2.4 has no Price, DRLC or Messaging definitions);
* zigpy encode: ``header.serialize() + payload.serialize()`` of the objects it decoded.

``--profile`` prints where the time of our encoders goes (cProfile).
zigpy is GPL: it is imported here (bench) and in tests only, never from ``src/``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from zigpy.zcl import foundation as zf

from segateway.zcl.frame import ZclFrame, decode_frame, encode_frame


def _hex(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


@dataclass(frozen=True)
class Frame:
    name: str
    cluster: int
    data: bytes
    zigpy: bool  # zigpy 2.4 decodes it (a foundation frame)


FRAMES = [
    Frame(
        "metering_read_attributes_response",
        0x0702,
        _hex(
            "18 09 01  0000 00 25 15CD5B070000  0003 00 30 00  0103 00 22 010000"
            "  0203 00 22 E80300  0303 00 18 33"
        ),
        zigpy=True,
    ),
    Frame(
        "metering_report_attributes",  # summation delivered uint48, instantaneous demand int24
        0x0702,
        _hex("18 0C 0A  0000 25 15CD5B070000  0004 2A 1CFCFF"),
        zigpy=True,
    ),
    Frame(
        "publish_price",  # §6.6, SE 1.1 layout
        0x0700,
        _hex(
            "09 03 00 01 00 00 00 04 50 45 41 4B 10 00 00 00 00 1C 70 30 00 3A 03 23 33 00 00"
            " 00 00 FF FF E6 09 00 00 FF FF FF FF FF FF FF FF FF FF 01 00 00 01"
        ),
        zigpy=False,
    ),
    Frame(
        "load_control_event",  # §6.6
        0x0701,
        _hex("09 01 00 78 56 34 12 FF 0F 00 00 00 00 00 3C 00 05 FF FF 00 80 00 80 80 FF 03"),
        zigpy=False,
    ),
    Frame(
        "report_event_status",  # §6.6: 60-byte payload with a 42-byte (all FF) signature
        0x0701,
        _hex("01 22 00 78 56 34 12 01 00 1C 70 30 05 00 80 00 80 80 FF 03 00" + " FF" * 42),
        zigpy=False,
    ),
    Frame(
        "display_message",  # §6.6
        0x0703,
        _hex("09 06 00 42 00 00 00 88 00 00 00 00 FF FF 05 48 65 6C 6C 6F"),
        zigpy=False,
    ),
    Frame("default_response", 0x0702, _hex("18 01 0B 00 00"), zigpy=True),
]


# ------------------------------------------------------------------------------------------------
# The operations


def _plain(value: Any) -> Any:
    """A decoded record as a plain dict of plain Python values (ints, str, bytes, lists)."""
    if type(value).__module__ == "segateway.zcl.records":
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):  # enums, flags, bit structs, EUI64
        return int(value)
    if isinstance(value, str):
        return str(value)
    return value


def _ours(frame: Frame) -> dict[str, Callable[[], Any]]:
    data, cluster = frame.data, frame.cluster
    decoded = decode_frame(data, cluster)
    command = decoded.command
    if command is None:
        raise SystemExit(f"{frame.name}: segateway does not know the command")
    header = decoded.header
    plain = _plain(decoded.payload)
    kwargs: dict[str, Any] = {
        "tsn": header.tsn,
        "direction": header.direction,
        "manufacturer": header.manufacturer,
        "disable_default_response": header.disable_default_response,
        "cluster": cluster,
    }
    if decoded.encode() != data or encode_frame(command, plain, **kwargs) != data:
        raise SystemExit(f"{frame.name}: segateway does not re-encode the vector")
    encode = ZclFrame.encode

    def dict_encode() -> bytes:
        return encode_frame(command, plain, **kwargs)

    return {
        "decode": lambda: decode_frame(data, cluster),
        "encode": lambda: encode(decoded),
        "encode_dict": dict_encode,
    }


def _zigpy(frame: Frame) -> dict[str, Callable[[], Any]]:
    data = frame.data
    commands = zf.GENERAL_COMMANDS
    command_ids = zf.GeneralCommand
    deserialize_header = zf.ZCLHeader.deserialize

    def decode() -> Any:
        header, rest = deserialize_header(data)
        return header, commands[command_ids(header.command_id)].schema.deserialize(rest)[0]

    header, payload = decode()
    if header.serialize() + payload.serialize() != data:
        raise SystemExit(f"{frame.name}: zigpy does not re-encode the vector")
    return {
        "decode": decode,
        "encode": lambda: header.serialize() + payload.serialize(),
    }


# ------------------------------------------------------------------------------------------------
# Timing


@dataclass
class Timer:
    """One operation: a batch size chosen so that a batch lasts ``target`` seconds; best rate."""

    run: Callable[[], Any]
    batch: int = 1
    best: float = 0.0  # operations per second

    def calibrate(self, target: float) -> None:
        n = 1
        while True:
            elapsed = self._time(n)
            if elapsed >= target / 10 or n >= 1 << 24:
                break
            n *= 4
        self.batch = max(1, int(n * target / max(elapsed, 1e-9)))

    def _time(self, n: int) -> float:
        run = self.run
        loop = range(n)
        start = time.perf_counter()
        for _ in loop:
            run()
        return time.perf_counter() - start

    def round(self) -> float:
        elapsed = self._time(self.batch)
        rate = self.batch / elapsed
        self.best = max(self.best, rate)
        return elapsed


def _measure(
    seconds: float, batch_seconds: float = 0.02
) -> tuple[dict[str, dict[str, Timer]], int]:
    timers: dict[str, dict[str, Timer]] = {}
    for frame in FRAMES:
        ops = {f"ours_{k}": Timer(v) for k, v in _ours(frame).items()}
        if frame.zigpy:
            ops.update({f"zigpy_{k}": Timer(v) for k, v in _zigpy(frame).items()})
        timers[frame.name] = ops
    every = [t for ops in timers.values() for t in ops.values()]
    for t in every:
        t.calibrate(batch_seconds)
    rounds = 0
    deadline = time.perf_counter() + seconds
    while rounds < 3 or time.perf_counter() < deadline:
        for t in every:
            t.round()
        rounds += 1
    return timers, rounds


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if not a or not b else a / b


def _mix_rate(rates: list[float]) -> float:
    """Frames per second when each frame of the mix is processed once in turn."""
    return len(rates) / sum(1 / r for r in rates)


def _report(timers: dict[str, dict[str, Timer]], rounds: int, seconds: float) -> dict[str, Any]:
    frames = []
    for frame in FRAMES:
        ops = timers[frame.name]

        def best(op: str, ops: dict[str, Timer] = ops) -> float | None:
            t = ops.get(op)
            return None if t is None else t.best

        frames.append(
            {
                "frame": frame.name,
                "cluster": f"0x{frame.cluster:04X}",
                "bytes": len(frame.data),
                "ours_decode": best("ours_decode"),
                "zigpy_decode": best("zigpy_decode"),
                "decode_ratio": _ratio(best("ours_decode"), best("zigpy_decode")),
                "ours_encode": best("ours_encode"),
                "ours_encode_dict": best("ours_encode_dict"),
                "zigpy_encode": best("zigpy_encode"),
                "encode_ratio": _ratio(best("ours_encode"), best("zigpy_encode")),
                "encode_dict_ratio": _ratio(best("ours_encode_dict"), best("zigpy_encode")),
            }
        )
    common = [f for f in frames if f["zigpy_decode"] is not None]
    mix: dict[str, Any] = {"frames": len(frames), "common_frames": len(common)}
    for key in ("ours_decode", "ours_encode", "ours_encode_dict"):
        mix[key] = _mix_rate([f[key] for f in frames])
        mix[f"{key}_common"] = _mix_rate([f[key] for f in common])
    for key in ("zigpy_decode", "zigpy_encode"):
        mix[f"{key}_common"] = _mix_rate([f[key] for f in common])
    mix["decode_ratio_common"] = mix["ours_decode_common"] / mix["zigpy_decode_common"]
    mix["encode_ratio_common"] = mix["ours_encode_common"] / mix["zigpy_encode_common"]
    mix["encode_dict_ratio_common"] = mix["ours_encode_dict_common"] / mix["zigpy_encode_common"]
    return {
        "benchmark": "zcl_codec",
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "machine": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "processor": _cpu_model(),
            "cpus": os.cpu_count(),
        },
        "versions": {"segateway": version("segateway"), "zigpy": version("zigpy")},
        "seconds": seconds,
        "rounds": rounds,
        "unit": "frames per second (best batch of all rounds)",
        "frames": frames,
        "mix": mix,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _fmt(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:,.0f}"


def _fmt_ratio(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.1f}×"


def _print_table(report: dict[str, Any]) -> None:
    m = report["machine"]
    print(
        f"ZCL codec, frames/s (best of {report['rounds']} interleaved rounds), "
        f"Python {report['python']} on {m['processor']}, "
        f"segateway {report['versions']['segateway']} vs zigpy {report['versions']['zigpy']}"
    )
    head = (
        f"{'frame':<36}{'B':>4} {'ours dec':>11} {'zigpy dec':>11} {'ratio':>7}"
        f" {'ours enc':>11} {'ours dict':>11} {'zigpy enc':>11} {'ratio':>7} {'dict':>7}"
    )
    print(head)
    print("-" * len(head))
    for f in report["frames"]:
        print(
            f"{f['frame']:<36}{f['bytes']:>4} {_fmt(f['ours_decode']):>11}"
            f" {_fmt(f['zigpy_decode']):>11} {_fmt_ratio(f['decode_ratio']):>7}"
            f" {_fmt(f['ours_encode']):>11} {_fmt(f['ours_encode_dict']):>11}"
            f" {_fmt(f['zigpy_encode']):>11} {_fmt_ratio(f['encode_ratio']):>7}"
            f" {_fmt_ratio(f['encode_dict_ratio']):>7}"
        )
    mix = report["mix"]
    print("-" * len(head))
    print(
        f"{'mix, all ' + str(mix['frames']) + ' frames':<36}{'':>4}"
        f" {_fmt(mix['ours_decode']):>11} {'—':>11} {'':>7}"
        f" {_fmt(mix['ours_encode']):>11} {_fmt(mix['ours_encode_dict']):>11}"
    )
    print(
        f"{'mix, the ' + str(mix['common_frames']) + ' zigpy decodes':<36}{'':>4}"
        f" {_fmt(mix['ours_decode_common']):>11} {_fmt(mix['zigpy_decode_common']):>11}"
        f" {_fmt_ratio(mix['decode_ratio_common']):>7}"
        f" {_fmt(mix['ours_encode_common']):>11} {_fmt(mix['ours_encode_dict_common']):>11}"
        f" {_fmt(mix['zigpy_encode_common']):>11} {_fmt_ratio(mix['encode_ratio_common']):>7}"
        f" {_fmt_ratio(mix['encode_dict_ratio_common']):>7}"
    )
    print("ratio = ours / zigpy; 'ours dict' = encode_frame() from a plain dict, 'dict' its ratio")


def _profile(iterations: int = 20_000) -> None:
    """cProfile of our two encoders over the whole mix."""
    for op in ("encode", "encode_dict"):
        runs = [_ours(frame)[op] for frame in FRAMES]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(iterations):
            for run in runs:
                run()
        profiler.disable()
        print(f"\n=== cProfile: ours {op}, {iterations} × the {len(runs)}-frame mix ===")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(14)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="time budget for the rounds (default 10)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile our encoders and exit")
    args = parser.parse_args(argv)
    if args.profile:
        _profile()
        return 0
    timers, rounds = _measure(args.seconds)
    report = _report(timers, rounds, args.seconds)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
