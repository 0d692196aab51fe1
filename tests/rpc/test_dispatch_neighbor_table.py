"""``get_neighbor_table`` (added for the console's network diagram): a device's neighbour table
read with ZDO Mgmt_Lqi_req, in the network's virtual time (no HTTP). Expected entries come from
the answering node's own NWK neighbour table, not from the RPC path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from segateway.rpc.dispatch import Dispatcher
from segateway.rpc.errors import InvalidParamsError
from segateway.rpc.gateway import Gateway
from segateway.rpc.responses import RpcResponse
from segateway.rpc.values import MAC, Record
from segateway.runtime import RunConfig, SimulatedHome
from segateway.runtime.home import IPD_IEEE, METER_IEEE, THERMOSTAT_IEEE
from segateway.store import Store
from segateway.zigbee.stack.tables import Relationship

_HOST_TIME = 800_000_000.0 + 946_684_800  # a fixed wall clock, in UNIX seconds
_GATEWAY = 0x02AA00000000BEEF
_NAMES = {
    Relationship.parent: "parent",
    Relationship.child: "child",
    Relationship.sibling: "sibling",
    Relationship.none: "none",
}


class _Home:
    def __init__(self) -> None:
        self.home = SimulatedHome(RunConfig(), Store(":memory:"), gateway_ieee=_GATEWAY,
                                  host_time=lambda: _HOST_TIME, seed=3)  # fmt: skip
        self.gateway = Gateway(self.home.app, self.home.node, host_time=lambda: _HOST_TIME)
        self.home.app.start()
        self.home.register(lambda ieee, code: self.gateway.add_device(ieee, install_code=code))
        self.home.start_devices()
        self.dispatcher = Dispatcher(self.gateway)
        self.dispatcher.start()

    def active(self, ieee: int) -> bool:
        device = self.home.app.devices.get(ieee)
        return device is not None and device.active

    def call(self, address: int) -> RpcResponse:
        answers: list[RpcResponse] = []
        params = {"destination_address": str(MAC(address))}
        self.dispatcher.call("get_neighbor_table", params, on_response=answers.append)
        assert self.home.sim.run_until(lambda: bool(answers), timeout=30)
        return answers[0]


@pytest.fixture
def home() -> Iterator[_Home]:
    rig = _Home()
    ready = (METER_IEEE, IPD_IEEE, THERMOSTAT_IEEE)
    assert rig.home.sim.run_until(lambda: all(rig.active(i) for i in ready), timeout=60)
    yield rig
    rig.dispatcher.close()
    rig.home.app.close()
    rig.home.close()


def _fields(record: Any) -> dict[str, Any]:
    assert isinstance(record, Record)
    assert record.type_name == "NeighborRecord"
    return dict(record.fields)


def test_a_routers_table_is_read_whole_with_the_link_quality(home: _Home) -> None:
    """Mgmt_Lqi_rsp carries at most two records here: a table of three takes two requests."""
    node = home.home.sim.nodes[IPD_IEEE]
    expected = {e.nwk: (e.ieee, e.lqi, _NAMES.get(e.relationship)) for e in node.nwk.neighbors}
    assert len(expected) >= 3
    answer = home.call(IPD_IEEE)
    assert answer.error is None
    assert answer.params["status"] == 0
    assert answer.params["destination_address"] == MAC(IPD_IEEE)
    assert answer.params["neighbor_table_entries"] == len(expected)
    got = [_fields(r) for r in answer.params["neighbor_list"]]  # type: ignore[union-attr]
    assert {f["addr_short"].value: (f["addr_extended"].value, f["lqi"], f["relationship"])
            for f in got} == expected  # fmt: skip
    parent = next(f for f in got if f["relationship"] == "parent")
    assert parent["addr_extended"] == MAC(_GATEWAY)
    assert parent["node_type"] == 0
    assert parent["depth"] == 0


def test_the_gateways_own_table_is_its_network_information(home: _Home) -> None:
    answer = home.call(_GATEWAY)
    assert answer.params["status"] == 0
    listed = home.gateway.network_information()["neighbor_list"]
    shown = [_fields(r) for r in answer.params["neighbor_list"]]  # type: ignore[union-attr]
    assert [f["addr_extended"].value for f in shown] == [n["addr_extended"] for n in listed]
    assert answer.params["neighbor_table_entries"] == len(listed)


def test_an_unknown_device_is_refused_before_anything_is_sent(home: _Home) -> None:
    with pytest.raises(InvalidParamsError, match="not a known device"):
        home.call(0x00124B0000FFFFFF)


def test_a_device_that_does_not_answer_gets_timeout_and_no_neighbours(home: _Home) -> None:
    """Not delivered (the device is off): ZDO status 0x85 TIMEOUT, as bind reports it."""
    home.home.sim.set_online(home.home.sim.nodes[THERMOSTAT_IEEE], False)
    answer = home.call(THERMOSTAT_IEEE)
    assert answer.error is None
    assert answer.params["status"] == 0x85
    assert answer.params["neighbor_list"] == []
    assert "neighbor_table_entries" not in answer.params
