"""The README's examples keep working: its Python blocks run, its CLI lines exit 0, and the
gateway its first command starts answers its example requests."""

from __future__ import annotations

import io
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from segateway.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_python_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - our own documentation


_LINES = [
    shlex.split(line.split("scripts/run ", 1)[1])
    for line in README.splitlines()
    if line.startswith("scripts/run ") and "HEX" not in line
]
_GATEWAY = ("rpc", "events", "devices")  # clients of a running gateway
_RUN = [args for args in _LINES if args[0] == "run"]
_CLIENT = [args for args in _LINES if args[0] in _GATEWAY]
_CLI = [args for args in _LINES if args[0] != "run" and args[0] not in _GATEWAY]
# what the tests add to the README's `run` line: a free port, a temporary data directory, an end
_RUN_EXTRA = ["--http", "127.0.0.1:0", "--duration", "60"]


def test_the_first_command_starts_the_gateway() -> None:
    """The README's first command is `scripts/run run`: the gateway."""
    assert _LINES[0][0] == "run"


@pytest.mark.parametrize("args", _CLI, ids=" ".join)
def test_cli_examples_succeed(args: list[str]) -> None:
    out = io.StringIO()
    assert main(args, out=out) == 0
    assert out.getvalue()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The README's `run` line in a subprocess (plus _RUN_EXTRA), until the module's tests end."""
    assert len(_RUN) == 1
    data = tmp_path_factory.mktemp("gateway")
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "segateway", *_RUN[0], *_RUN_EXTRA, "--data-dir", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not (data / "gateway.json").exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(1.0)  # let the simulated devices join (virtual time runs in real time)
        yield data
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)


@pytest.mark.parametrize("args", _CLIENT, ids=" ".join)
def test_gateway_examples_succeed(gateway: Path, args: list[str]) -> None:
    out = io.StringIO()
    assert main([*args, "--data-dir", str(gateway)], out=out) == 0, out.getvalue()
    assert out.getvalue()
