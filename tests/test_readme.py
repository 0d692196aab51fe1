"""The README's examples keep working: its Python blocks run, its CLI lines exit 0."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pytest

from segateway.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_python_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - our own documentation


_CLI = [
    line.split("scripts/run ", 1)[1]
    for line in README.splitlines()
    if line.startswith("scripts/run ") and "HEX" not in line
]


@pytest.mark.parametrize("line", _CLI)
def test_cli_examples_succeed(line: str) -> None:
    out = io.StringIO()
    assert main(shlex.split(line), out=out) == 0
    assert out.getvalue()
