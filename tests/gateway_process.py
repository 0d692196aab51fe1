"""``segateway run`` as a real subprocess for tests: started on a data directory, found through
its ``gateway.json``, stopped by SIGINT when the block ends (exit status 0 asserted); bounded."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def running_gateway(
    data: Path, *extra: str, start_within: float = 30.0, stop_within: float = 20.0
) -> Iterator[subprocess.Popen[str]]:
    """``segateway run --data-dir data *extra`` until the block ends; the process's output is
    then in its ``stdout_text`` attribute."""
    process = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "segateway", "run", "--data-dir", str(data), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + start_within
        while not (data / "gateway.json").exists():
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "gateway.json not written"
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=stop_within)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert process.returncode == 0, output
    process.stdout_text = output  # type: ignore[attr-defined]
