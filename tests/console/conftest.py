"""A running gateway (``segateway run --new-device`` on 127.0.0.1 port 0) and Debian's chromium
driven by Playwright, shared by the console's browser tests (one gateway, one browser)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_MS = 30_000  # page conditions on a loaded 2-core CI machine


@dataclass(frozen=True)
class RunningGateway:
    url: str
    token: str
    data_dir: Path
    log: Path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where the screenshots go: $SEGATEWAY_TEST_ARTIFACTS or test-artifacts/console."""
    base = os.environ.get("SEGATEWAY_TEST_ARTIFACTS")
    path = Path(base) / "console" if base else ROOT / "test-artifacts" / "console"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    data = tmp_path_factory.mktemp("console") / "data"
    log = data.parent / "gateway.log"
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command
            [
                *(sys.executable, "-m", "segateway", "run", "--data-dir", str(data)),
                *("--http", "127.0.0.1:0", "--duration", "600", "--quiet", "--new-device"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not (data / "gateway.json").exists():
            assert process.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "gateway.json not written"
            time.sleep(0.05)
        url = json.loads((data / "gateway.json").read_text(encoding="utf-8"))["url"]
        token = (data / "token").read_text(encoding="utf-8").strip()
        yield RunningGateway(url, token, data, log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            headless=True,
            args=["--no-sandbox"],
        )
        try:
            yield launched
        finally:
            launched.close()
