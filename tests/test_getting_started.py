"""``docs/getting-started.md`` keeps working: its first command starts the gateway (plus a free
port, a temporary data directory and an end, as for the README), every other command runs in
order against it, exits 0 and prints what the document shows after it."""

from __future__ import annotations

import io
import json
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from segateway.cli import main
from segateway.runtime.home import NEW_DEVICE_IEEE

DOC = (Path(__file__).parent.parent / "docs" / "getting-started.md").read_text(encoding="utf-8")
_RUN_EXTRA = ["--http", "127.0.0.1:0", "--duration", "300"]  # a free port, an end
_NEW = "00:12:4B:00:00:0D:15:E0"
_SENT = r'"device_list": \[\s+"00:12:4B:00:00:'  # delivered (APS-acknowledged) to some device
_RETRY = {"devices"}  # read-only commands the document says to repeat until they show the result


@dataclass
class Step:
    args: list[str]
    shown: str  # the ``text`` block after the command's ``sh`` block ("" if none)
    expect: list[str] = field(default_factory=list)


def _steps() -> list[Step]:
    """Every ``scripts/run``/``segateway`` line of the ``sh`` blocks, with the output shown after
    its block."""
    steps: list[Step] = []
    for match in re.finditer(r"```sh\n(.*?)```\n*(?:```text\n(.*?)```)?", DOC, re.S):
        block, shown = match.group(1), match.group(2) or ""
        steps.extend(
            Step(shlex.split(line.removeprefix(prefix)), shown)
            for line in block.splitlines()
            for prefix in ("scripts/run ", "segateway ")
            if line.startswith(prefix)
        )
    return steps


# what each step must print, in the document's order (patterns, also checked against the document)
_EXPECT: list[tuple[str, list[str]]] = [
    ("run", [rf"IEEE {_NEW}", r"install code 00124B00000D15E0[0-9A-F]{4} \(with its CRC\)"]),
    ("devices", [r"coordinator +yes", r"00:12:4B:00:00:0D:15:D1 "]),
    (
        "rpc add_device",
        [r'"add_device_response"', rf'"device_address": "{_NEW}"', r'"join_time": 120'],
    ),
    ("devices", [rf"{_NEW} +0x[0-9A-F]{{4}} +router +yes +0x5E"]),
    (
        "rpc get_device_information",
        [r'"get_device_information_response"', rf'"addr_extended": "{_NEW}"', r'"device_id": 1282'],
    ),
    ("rpc identify", [r'"identify_response"', rf'"source_address": "{_NEW}"', r'"status": 0\b']),
    ("events", [r"received_price_acknowledgement +source_address="]),
    (
        "rpc create_price_event",
        [r'"create_price_event_response"', r'"status": 0\b', _SENT],
    ),
    ("events", [r"received_report_event_status +source_address=", r'"issuer_event_id":2']),
    ("rpc create_DRLC_event", [r'"create_DRLC_event_response"', r'"status": 0\b', _SENT]),
    (
        "rpc create_message_event",
        [
            r'"create_message_event_response"',
            r'"status": 0\b',
            r'"message_control": 128',
            _SENT,
        ],
    ),
    (
        "rpc get_message_events",
        [r'"get_message_events_response"', r'"message": "Peak price from 5 pm"'],
    ),
]
_STEPS = _steps()


def test_the_document_and_the_expectations_agree() -> None:
    """Each command is the one expected, in order, and the document shows what it must print."""
    assert [" ".join(s.args[:2]) if s.args[0] == "rpc" else s.args[0] for s in _STEPS] == [
        name for name, _ in _EXPECT
    ]
    for step, (_, patterns) in zip(_STEPS, _EXPECT, strict=True):
        for pattern in patterns:
            assert re.search(pattern, step.shown), (step.args, pattern)
    assert f"0x{NEW_DEVICE_IEEE:016X}"[2:] in _STEPS[2].args[-2].replace("installation_code=", "")


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """The document's first command in a subprocess (plus _RUN_EXTRA and a data directory)."""
    assert _STEPS[0].args[0] == "run"
    data, log = tmp_path / "data", tmp_path / "run.out"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [
                sys.executable,
                "-m",
                "segateway",
                *_STEPS[0].args,
                *_RUN_EXTRA,
                "--data-dir",
                str(data),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + 20
        while not (data / "gateway.json").exists():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(1.5)  # let the registered simulated devices join and be discovered
        yield data, log
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:  # an event stream left open by a failed step
            process.kill()
            process.communicate()


def _check(step: Step, patterns: list[str], output: str) -> None:
    for pattern in patterns:
        assert re.search(pattern, output), f"{step.args}: {pattern!r} not in\n{output}"


def _matches(patterns: list[str], output: str) -> bool:
    return all(re.search(p, output) for p in patterns)


def _wait_for_event_stream(data: Path) -> None:
    """Until the gateway counts an open event stream (``/health``: ``event_streams``)."""
    url = json.loads((data / "gateway.json").read_text())["url"].rstrip("/") + "/health"
    deadline = time.monotonic() + 20
    while True:
        with urllib.request.urlopen(url, timeout=5) as reply:  # noqa: S310 - our loopback server
            if json.load(reply)["event_streams"] >= 1:
                return
        assert time.monotonic() < deadline, "the event stream did not connect"
        time.sleep(0.05)


def _in_background(args: list[str], out: io.StringIO, status: list[int]) -> None:
    status.append(main(args, out=out))


def test_the_getting_started_procedure(gateway: tuple[Path, Path]) -> None:
    data, log = gateway
    try:
        _procedure(data, log)
    except AssertionError as exc:  # what the gateway printed is the evidence
        raise AssertionError(
            f"{exc}\n--- the gateway printed ---\n{log.read_text()[-6000:]}"
        ) from None


def _procedure(data: Path, log: Path) -> None:
    _check(_STEPS[0], _EXPECT[0][1], log.read_text())
    listening: tuple[threading.Thread, io.StringIO, list[int], Step, list[str]] | None = None
    for step, (_, patterns) in zip(_STEPS[1:], _EXPECT[1:], strict=True):
        args = [*step.args, "--data-dir", str(data)]
        if step.args[0] == "events":  # a second terminal: runs while the next command does
            out, codes = io.StringIO(), list[int]()
            thread = threading.Thread(target=_in_background, args=(args, out, codes), daemon=True)
            thread.start()
            _wait_for_event_stream(data)  # connected before the next command publishes
            listening = (thread, out, codes, step, patterns)
            continue
        deadline = time.monotonic() + (20 if step.args[0] in _RETRY else 0)
        while True:
            out = io.StringIO()
            status = main(args, out=out)
            if (status == 0 and _matches(patterns, out.getvalue())) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert status == 0, (step.args, out.getvalue())
        _check(step, patterns, out.getvalue())
        if listening is not None:
            thread, heard, result, shown, expected = listening
            thread.join(timeout=30)
            assert not thread.is_alive(), f"{shown.args}: still waiting; got\n{heard.getvalue()}"
            assert result == [0], heard.getvalue()
            _check(shown, expected, heard.getvalue())
            listening = None
        if step is _STEPS[1]:  # before add_device: the new device is refused, so not listed
            assert _NEW not in out.getvalue()
    assert listening is None
