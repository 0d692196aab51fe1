"""General and aliasing requests through the dispatcher, on a running ESI Coordinator; errors.

Expected values follow digi-se-rpc.md §3.1, §3.2 and §2.6 (names, epochs, statuses).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from segateway.rpc.catalog import CATALOG
from segateway.rpc.dispatch import Dispatcher
from segateway.rpc.errors import InvalidParamsError, NotAvailableError, UnknownMethodError
from segateway.rpc.gateway import Gateway
from segateway.rpc.responses import RpcResponse
from segateway.rpc.values import Record, XmlFragment
from segateway.se.bus import StatusCode
from segateway.store import Store

from .rpckit import HOST_UTC_1970, START_UTC, Rig

UNIX_2000 = 946_684_800  # 2000-01-01T00:00:00Z in Unix time (date -d 2000-01-01Z +%s)


def test_get_time_in_both_epochs() -> None:
    """§3.1 get_time: UTC_1970 and UTC_2000, seconds since each epoch."""
    rig = Rig()
    response = rig.call("get_time")
    assert response.name == "get_time_response"
    assert response.params == {"UTC_1970": START_UTC + UNIX_2000, "UTC_2000": START_UTC}


def test_get_version() -> None:
    response = Rig().call("get_version")
    assert response.params["version"] == "1.6.0"
    extended = response.params["version_extended"]
    assert isinstance(extended, dict)
    assert {"SE_spec_version", "description"} <= set(extended)


def test_set_time_moves_the_clock_and_every_esi_schedule() -> None:
    """set_time (§3.1): the gateway's time moves; the DRLC server's schedule follows it, so an
    event that should be over by the new time is no longer valid."""
    rig = Rig()
    created = rig.call(
        "create_DRLC_event",
        {
            "record": Record(
                "LoadControlEventRecord", {"issuer_event_id": 9, "duration_in_minutes": 10}
            )
        },
    )
    assert created.params["status"] == 0
    assert len(rig.call("get_DRLC_events").params["events_record_list"]) == 1  # type: ignore[arg-type]
    response = rig.call("set_time", {"UTC_2000": START_UTC + 3600})
    assert response.params == {
        "UTC_1970": START_UTC + 3600 + UNIX_2000,
        "UTC_2000": START_UTC + 3600,
    }
    rig.run(1)
    assert rig.call("get_DRLC_events").params["events_record_list"] == []
    synced = rig.queued("message")[-1].params
    assert synced["status"] == StatusCode.time_synchronized == 0x0003
    response = rig.call("set_time", {"UTC_1970": UNIX_2000 + 1000})
    assert response.params["UTC_2000"] == 1000


def test_set_time_takes_exactly_one_epoch() -> None:
    rig = Rig()
    with pytest.raises(InvalidParamsError):
        rig.call("set_time")
    with pytest.raises(InvalidParamsError):
        rig.call("set_time", {"UTC_1970": 1, "UTC_2000": 1})
    with pytest.raises(InvalidParamsError):
        rig.call("set_time", {"UTC_1970": 5})  # before 2000


def test_sync_time_without_a_time_client_takes_the_host_clock() -> None:
    rig = Rig()
    response = rig.call("sync_time")
    assert response.params["method"] == "host"
    assert response.params["status"] == 0
    assert response.params["UTC_1970"] == int(HOST_UTC_1970 + rig.home.clock.now())


def test_registry_configuration_reads_writes_and_persists(tmp_path: Path) -> None:
    """§3.1 registry_configuration: example RPC_Manager.use_push TRUE → value TRUE,
    write_status TRUE; a read gives name and value; written values survive a restart."""
    path = tmp_path / "gateway.sqlite"
    rig = Rig(store=Store(path))
    read = rig.call("registry_configuration", {"name": "RPC_Manager.use_push"})
    assert read.params == {"name": "RPC_Manager.use_push", "value": False}
    written = rig.call("registry_configuration", {"name": "RPC_Manager.use_push", "value": True})
    assert written.params == {"name": "RPC_Manager.use_push", "value": True, "write_status": True}
    assert rig.gateway.responses.push_enabled
    rig.call(
        "registry_configuration",
        {"name": "ZDO_Device_Manager.max_sequential_TX_failures", "value": 7},
    )
    assert rig.home.esi.devices.max_sequential_tx_failures == 7
    rig.store.close()
    again = Rig(store=Store(path))
    assert (
        again.call("registry_configuration", {"name": "RPC_Manager.use_push"}).params["value"]
        is True
    )
    assert again.gateway.responses.push_enabled
    assert again.home.esi.devices.max_sequential_tx_failures == 7
    again.call("registry_restore_defaults")
    assert (
        again.call("registry_configuration", {"name": "RPC_Manager.use_push"}).params["value"]
        is False
    )
    assert again.home.esi.devices.max_sequential_tx_failures == 3


def test_a_failed_registry_write_reports_the_attempted_value() -> None:
    """§3.1: when a write fails, value is the one attempted, write_status FALSE, write_errors."""
    rig = Rig()
    response = rig.call("registry_configuration", {"name": "RPC_Manager.use_push", "value": 12})
    assert response.params["value"] == 12
    assert response.params["write_status"] is False
    assert response.params["write_errors"]
    assert rig.gateway.responses.push_enabled is False
    with pytest.raises(InvalidParamsError, match="no registry entry"):
        rig.call("registry_configuration", {"name": "No.such_entry"})


def test_the_queue_size_entry_bounds_the_queue() -> None:
    rig = Rig()
    rig.call("registry_configuration", {"name": "RPC_Manager.response_queue_size", "value": 3})
    for _ in range(5):
        rig.dispatcher.call_async("get_time", {})
    assert len(rig.gateway.responses) == 3


def test_debug_severity_filters_messages() -> None:
    """§2.6: only messages with severity ≥ RPC_General_Interface.debug_rpc_severity."""
    rig = Rig()
    rig.gateway.responses.get_responses()
    rig.call(
        "registry_configuration", {"name": "RPC_General_Interface.debug_rpc_severity", "value": 2}
    )
    rig.call("set_time", {"UTC_2000": START_UTC})  # Time Synchronized: severity 1
    assert rig.queued("message") == []
    rig.call(
        "registry_configuration", {"name": "RPC_General_Interface.debug_rpc_severity", "value": 0}
    )
    rig.call("set_time", {"UTC_2000": START_UTC})
    assert len(rig.queued("message")) == 1


def test_exit_calls_the_hook_and_has_no_response() -> None:
    rig = Rig()
    with pytest.raises(NotAvailableError):
        rig.dispatcher.call("exit", {}, on_response=lambda _r: None)
    stopped: list[bool] = []
    rig.gateway.exit_hook = lambda: stopped.append(True)
    got: list[RpcResponse] = []
    rig.dispatcher.call("exit", {}, on_response=got.append)
    rig.run(5)
    assert stopped == [True]
    assert got == []


def test_aliases_are_stored_listed_replaced_and_removed(tmp_path: Path) -> None:
    """§3.2: each child of add_alias is one alias; redefining one replaces it with a warning."""
    path = tmp_path / "gateway.sqlite"
    rig = Rig(store=Store(path))
    address = (
        '<destination_address type="MAC">11:22:33:44:55:66:77:88</destination_address>'
        "<destination_endpoint_id>0x10</destination_endpoint_id>"
    )
    added = rig.call("add_alias", {"THERMOSTAT_ADDRESS_ALIAS": XmlFragment(address)})
    assert added.name == "add_alias_response"
    assert added.params == {"THERMOSTAT_ADDRESS_ALIAS": XmlFragment(address)}
    assert rig.gateway.aliases == {"THERMOSTAT_ADDRESS_ALIAS": address}
    rig.gateway.responses.get_responses()
    rig.call(
        "add_alias", {"THERMOSTAT_ADDRESS_ALIAS": XmlFragment("<x/>"), "OTHER": XmlFragment("<y/>")}
    )
    warnings = rig.queued("message")
    assert len(warnings) == 1
    assert warnings[0].params["severity"] == 1
    assert "THERMOSTAT_ADDRESS_ALIAS" in str(warnings[0].params["description"])
    rig.store.close()
    again = Rig(store=Store(path))
    listed = again.call("list_aliases")
    assert listed.params == {
        "OTHER": XmlFragment("<y/>"),
        "THERMOSTAT_ADDRESS_ALIAS": XmlFragment("<x/>"),
    }
    removed = again.call("remove_alias", {"OTHER": None, "MISSING": None})
    assert removed.params == {"OTHER": XmlFragment("<y/>")}
    assert again.gateway.aliases == {"THERMOSTAT_ADDRESS_ALIAS": "<x/>"}
    with pytest.raises(InvalidParamsError):
        again.call("add_alias", {"not a name": XmlFragment("<x/>")})


def test_errors_are_raised_before_anything_changes() -> None:
    rig = Rig()
    before = len(rig.gateway.responses)
    with pytest.raises(UnknownMethodError) as unknown:
        rig.dispatcher.call("publish_price", {}, on_response=lambda _r: None)
    assert unknown.value.code == 3
    with pytest.raises(InvalidParamsError) as missing:
        rig.dispatcher.call("create_price_event", {}, on_response=lambda _r: None)
    assert missing.value.code == 2
    with pytest.raises(InvalidParamsError, match="expected"):
        rig.dispatcher.call(
            "create_price_event",
            {"record": {"issuer_event_id": "one", "duration_in_minutes": 1, "price": 1}},
            on_response=lambda _r: None,
        )
    assert rig.call("get_price_events").params["events_record_list"] == []
    assert len(rig.gateway.responses) == before


def test_a_configuration_without_the_cluster_refuses_the_request() -> None:
    """An IPD has no DRLC server: create_DRLC_event is not available there (id 3)."""
    rig = Rig()
    ipd = rig.add_ipd()
    dispatcher = Dispatcher(Gateway(ipd))
    dispatcher.start()
    with pytest.raises(NotAvailableError) as refused:
        dispatcher.call(
            "create_DRLC_event",
            {"record": {"issuer_event_id": 1, "duration_in_minutes": 1}},
            on_response=lambda _r: None,
        )
    assert refused.value.code == 3


def test_call_sync_answers_in_time_or_falls_back_to_the_queue() -> None:
    """§2.3: a synchronous request waits up to the timeout, then its response is queued."""
    rig = Rig()
    quick = rig.dispatcher.call_sync("get_time", {})
    assert quick.response is not None
    assert quick.response.name == "get_time_response"
    rig.add_meter()
    rig.gateway.responses.get_responses()
    slow = rig.dispatcher.call_sync(
        "read_attributes",
        {
            "cluster_id": 0x0000,
            "server_or_client": 0,
            "destination_address": "00:12:4B:00:00:A1:B2:C3",
            "record_list": [{"attribute_id": 0x0005}],
        },
        timeout=0.001,
        request_identifier="slow",
    )
    ended: list[bool] = []
    slow.add_done_callback(lambda s: ended.append(s.expired))
    rig.run(5)
    assert ended == [True]
    assert slow.response is None
    late = rig.queued("read_attributes_response")
    assert len(late) == 1
    assert late[0].request_identifier == "slow"


def test_every_queued_message_conforms() -> None:
    rig = Rig()
    rig.add_meter()
    rig.add_ipd()
    rig.run(120)
    queued = rig.queued()
    assert queued
    for response in queued:
        assert not CATALOG.check(response.name, response.params)
