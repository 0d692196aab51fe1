"""``segateway run``'s event loop: uvloop when it imports, asyncio's own when it does not."""

from __future__ import annotations

import asyncio
import sys

import pytest

from segateway.runtime import event_loop_factory


def test_uvloop_when_installed() -> None:
    uvloop = pytest.importorskip("uvloop")
    loop = event_loop_factory()()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_asyncio_when_uvloop_does_not_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import raises ImportError
    factory = event_loop_factory()
    assert factory is asyncio.new_event_loop
    loop = factory()
    try:
        assert loop.run_until_complete(asyncio.sleep(0, result=7)) == 7
    finally:
        loop.close()
