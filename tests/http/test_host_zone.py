"""The Time server publishes the host's zone by default (issue 4: "time zone/DST from the host
zone"), read at the edge by `segateway run`'s configuration, never in the SE layer."""

from __future__ import annotations

import pytest

from segateway.runtime.config import RunConfig, host_time_zone


def test_the_host_zone_comes_from_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    assert host_time_zone() == "America/New_York"
    assert RunConfig().time_zone == "America/New_York"
    assert RunConfig.from_mapping({"time_zone": "Asia/Tokyo"}).time_zone == "Asia/Tokyo"


def test_a_tz_that_is_not_an_iana_name_is_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Not/AZone")
    zone = host_time_zone()
    assert zone != "Not/AZone"
