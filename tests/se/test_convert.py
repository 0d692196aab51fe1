"""Conversion between ESI Coordinator, ESI Router and IPD Router (issue 4 §7)."""

from __future__ import annotations

import pytest

from segateway.se.app import Role, RoleMismatchError, SeConfig
from segateway.se.convert import ConversionError, convert, stored_role
from segateway.store import Store

from .sekit import Home

METER = 0x00124B0000A1B2C3


def _esi_store_with_a_device() -> Store:
    home = Home()
    home.probe(METER)
    home.run(10)
    home.esi.close()
    return home.store


def test_the_store_remembers_its_configuration_and_refuses_another() -> None:
    """A data directory written by one configuration is not silently used by another."""
    store = _esi_store_with_a_device()
    assert stored_role(store) is Role.esi_coordinator
    with pytest.raises(RoleMismatchError, match="convert it first"):
        Home(store=store, config=SeConfig(role=Role.esi_router, refresh_rate=0))


def test_coordinator_to_router_keeps_devices_for_rediscovery_and_keeps_keys_unused() -> None:
    store = _esi_store_with_a_device()
    store.put_key(METER, "install_code", bytes(18))
    report = convert(store, Role.esi_router)
    assert stored_role(store) is Role.esi_router
    device = store.get_device(METER)
    assert device["active"] is False
    assert device["discovery_status"] == "not_started"
    assert any("devices (inactive until rediscovered" in k for k in report.kept)
    assert any("not the trust center" in n for n in report.notes)
    assert store.keys()  # kept: converting back restores them
    back = convert(store, Role.esi_coordinator)
    assert any("trust center" in k for k in back.kept)


def test_esi_with_events_to_ipd_is_refused_unless_forced() -> None:
    """Refuse what no longer makes sense, with a clear message; nothing half-applied."""
    store = _esi_store_with_a_device()
    store.put_event("drlc", 0x5E, 7, {"issuer_event_id": 7})
    store.put_event("price", 0x5E, 8, {"issuer_event_id": 8})
    with pytest.raises(ConversionError, match="still holds events") as refused:
        convert(store, Role.ipd_router)
    assert "(1 price, 1 drlc)" in str(refused.value)
    assert stored_role(store) is Role.esi_coordinator  # unchanged
    assert len(store.events("drlc")) == 1
    report = convert(store, Role.ipd_router, force=True)
    assert store.events("drlc") == []
    assert store.events("price") == []
    assert any("an IPD has no servers" in d for d in report.dropped)


def test_ipd_to_esi_drops_the_received_events() -> None:
    store = Store(":memory:")
    store.set_setting("se.role", "ipd_router")
    store.put_state("client:drlc", {"events": [1]})
    store.put_state("other", {"x": 1})
    report = convert(store, Role.esi_router)
    assert store.get_state("client:drlc") is None
    assert store.get_state("other") == {"x": 1}
    assert report.dropped
    assert convert(store, Role.esi_router).notes == ["already esi_router: nothing to do"]
