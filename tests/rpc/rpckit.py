"""A gateway on a simulated home, driven through the RPC dispatcher (no mocks: real frames).

:class:`Rig` builds the ESI Coordinator of :class:`tests.se.sekit.Home` (joining closed, as after a
real start), wraps it in a :class:`~segateway.rpc.gateway.Gateway` and a
:class:`~segateway.rpc.dispatch.Dispatcher`, and runs requests to completion on the virtual clock.
Every response and every queued message is checked against the catalog (strictly: declared
parameters and record fields only, of the declared types).
"""

from __future__ import annotations

from typing import Any

from segateway.radio import Endpoint, NetworkConfig, NetworkState, NodeType
from segateway.rpc.catalog import CATALOG
from segateway.rpc.dispatch import Dispatcher
from segateway.rpc.gateway import UNIX_2000, Gateway
from segateway.rpc.responses import RpcResponse
from segateway.rpc.values import MAC, Record
from segateway.se.app import Role, SeApplication
from segateway.sim.devices import SimulatedMeter, simulated_meter
from segateway.store import Store
from segateway.zigbee.install_code import InstallCode
from segateway.zigbee.stack.node import Node

from ..se.sekit import EPID, START_UTC, Home, Probe, fixed_bytes

__all__ = ["IPD", "METER", "START_UTC", "Rig", "conforming"]

METER = 0x00124B0000A1B2C3
IPD = 0x00124B00000D15D1
HOST_UTC_1970 = START_UTC + UNIX_2000 + 3600.5  # the host clock an hour ahead of the gateway


def conforming(response: RpcResponse) -> RpcResponse:
    """``response`` after checking it is exactly what the catalog declares."""
    problems = CATALOG.check(response.name, response.params)
    assert not problems, problems
    return response


class Rig:
    """An ESI Coordinator (or another configuration) served by the dispatcher."""

    def __init__(self, *, store: Store | None = None, seed: int = 7) -> None:
        self.home = Home(store=store, seed=seed)
        self.home.coordinator.permit_joining(0)
        self.store = self.home.store
        self.gateway = Gateway(
            self.home.esi,
            self.home.coordinator,
            host_time=lambda: HOST_UTC_1970 + self.home.clock.now(),
        )
        self.dispatcher = Dispatcher(self.gateway)
        self.dispatcher.start()
        self.meter: SimulatedMeter | None = None
        self.ipd: SeApplication | None = None

    # --- running requests -----------------------------------------------------------------------

    def call(
        self,
        name: str,
        params: dict[str, Any] | None = None,
        *,
        request_identifier: Any = None,
        wait: float = 60.0,
        dispatcher: Dispatcher | None = None,
    ) -> RpcResponse:
        """Run a request until it answers (on the virtual clock); the response, checked."""
        got: list[RpcResponse] = []
        (dispatcher or self.dispatcher).call(
            name, params or {}, request_identifier=request_identifier, on_response=got.append
        )
        self.home.sim.run_until(lambda: bool(got), timeout=wait)
        assert len(got) == 1, f"{name}: {len(got)} responses"
        assert got[0].error is None, got[0].error
        return conforming(got[0])

    def run(self, seconds: float) -> None:
        self.home.run(seconds)

    def queued(self, name: str | None = None) -> list[RpcResponse]:
        """The queued asynchronous responses (oldest first), checked; only ``name`` if given."""
        found = self.gateway.responses.peek()
        for response in found:
            conforming(response)
        return [r for r in found if name is None or r.name == name]

    # --- devices --------------------------------------------------------------------------------

    def add_meter(self, *, demand_w: float = 1500.0) -> SimulatedMeter:
        """A simulated electricity meter that joins and is discovered."""
        self.home.coordinator.permit_joining(60)
        meter = simulated_meter(
            self.home.sim,
            METER,
            trust_center=self.home.coordinator,
            demand_w=demand_w,
            random_bytes=fixed_bytes,
        )
        assert self.home.sim.run_until(lambda: meter.running, timeout=60)
        self.home.coordinator.permit_joining(0)
        self.run(20)
        device = self.home.esi.devices.get(METER)
        assert device is not None
        assert device.active
        self.meter = meter
        return meter

    def add_ipd(self) -> SeApplication:
        """An IPD Router application (Time, Price, DRLC, Messaging, Metering clients)."""
        self.home.coordinator.permit_joining(60)
        app = self.home.app(IPD, Role.ipd_router)
        self.home.coordinator.permit_joining(0)
        self.run(20)
        device = self.home.esi.devices.get(IPD)
        assert device is not None
        assert device.active
        self.ipd = app
        return app

    def probe(self, ieee: int, endpoint: Endpoint | None = None) -> Probe:
        """A bare node (one SE endpoint) that records every frame it receives."""
        self.home.coordinator.permit_joining(60)
        probe = self.home.probe(ieee, endpoint)
        self.home.coordinator.permit_joining(0)
        self.run(15)
        return probe

    def joining_node(self, ieee: int) -> Node:
        """A router that tries to join with the link key of its install code (the IEEE address's
        eight bytes), without registering it: the gateway must be told (add_device)."""
        node = self.home.sim.add_node(ieee, NodeType.router, random_bytes=fixed_bytes)
        self.home.sim.link(node, self.home.coordinator, lqi=230)
        code = InstallCode.from_code(ieee.to_bytes(8, "big"))
        node.join(NetworkConfig(extended_pan_id=EPID, link_key=code.link_key))
        return node

    @staticmethod
    def joined(node: Node) -> bool:
        return node.state is NetworkState.joined


def mac(ieee: int) -> MAC:
    return MAC(ieee)


def record(type_name: str, **fields: Any) -> Record:
    return Record(type_name, fields)
