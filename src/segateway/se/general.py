"""The clusters every SE endpoint of ours carries: Basic, Identify and Key Establishment.

Key Establishment: the attribute (suite 1 supported) is served, but certificate-based key
establishment itself is not implemented yet (it needs Certicom certificates and ECMQV; a later
issue). An Initiate Key Establishment Request is therefore refused honestly with Terminate Key
Establishment, status NO_RESOURCES and a wait time, never half-performed (docs/decisions.md).
"""

from __future__ import annotations

from typing import Any

from ..zcl.cluster import Side
from ..zcl.clusters.basic import Basic, PowerSource
from ..zcl.clusters.identify import Identify
from ..zcl.clusters.key_establishment import (
    KeyEstablishment,
    KeyEstablishmentStatus,
    KeyEstablishmentSuite,
)
from ..zcl.status import Status
from .endpoint import Incoming, LocalCluster, handles

__all__ = [
    "BasicServer",
    "IdentifyServer",
    "KeyEstablishmentClient",
    "KeyEstablishmentServer",
]

KE_RETRY_WAIT = 60  # seconds a refused initiator waits before it may try again


class BasicServer(LocalCluster):
    definition = Basic
    side = Side.server

    def __init__(
        self,
        *,
        manufacturer_name: str = "segateway",
        model_identifier: str = "segateway",
        date_code: str = "",
        sw_build_id: str = "",
        mains_powered: bool = True,
    ) -> None:
        super().__init__()
        self.values[0x0004] = manufacturer_name[:32]
        self.values[0x0005] = model_identifier[:32]
        self.values[0x0006] = date_code[:16]
        if sw_build_id:
            self.values[0x4000] = sw_build_id[:16]
        self.values[0x0007] = (
            PowerSource.mains_single_phase if mains_powered else PowerSource.battery
        )

    @handles("reset_to_factory_defaults")
    def _reset(self, incoming: Incoming) -> Status | None:
        # ZCL: resets the Basic cluster's writable attributes; the gateway's data is not touched
        for attr in self.attribute_table.values():
            if attr.writable and attr.default is not None:
                self.values[attr.id] = attr.default
        return Status.SUCCESS


class IdentifyServer(LocalCluster):
    """Identify: counts IdentifyTime down once a second while it is non-zero."""

    definition = Identify
    side = Side.server

    def __init__(self) -> None:
        super().__init__()
        self._timer: Any = None
        self.identifications = 0  # how many times identify was started (for a UI or a test)

    def identify(self, seconds: int) -> None:
        seconds = max(0, min(int(seconds), 0xFFFF))
        self.values[0x0000] = seconds
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if seconds:
            self.identifications += 1
            self._timer = self.host.clock.call_later(1.0, self._tick)

    def _tick(self) -> None:
        remaining = max(0, int(self.values.get(0x0000, 0)) - 1)
        self.values[0x0000] = remaining
        self._timer = self.host.clock.call_later(1.0, self._tick) if remaining else None

    def attribute_written(self, attr: Any, value: Any) -> None:
        if attr.id == 0x0000:
            self.identify(value)

    @handles("identify")
    def _identify(self, incoming: Incoming) -> Status | None:
        self.identify(incoming.payload.identify_time)
        return Status.SUCCESS

    @handles("identify_query")
    def _identify_query(self, incoming: Incoming) -> Status | None:
        remaining = int(self.values.get(0x0000, 0))
        if not remaining:
            return Status.SUCCESS  # ZCL: no response unless identifying (Default Response rules)
        endpoint = self.endpoint
        assert endpoint is not None  # noqa: S101 - dispatching implies attached
        endpoint.respond(self, incoming, "identify_query_response", {"timeout": remaining})
        return None


class KeyEstablishmentServer(LocalCluster):
    definition = KeyEstablishment
    side = Side.server

    @handles("initiate_key_establishment_request")
    def _initiate(self, incoming: Incoming) -> Status | None:
        endpoint = self.endpoint
        assert endpoint is not None  # noqa: S101 - dispatching implies attached
        endpoint.respond(
            self,
            incoming,
            "terminate_key_establishment",
            {
                "status_code": KeyEstablishmentStatus.no_resources,
                "wait_time": KE_RETRY_WAIT,
                "key_establishment_suite": KeyEstablishmentSuite.crypto_suite_1,
            },
        )
        return None

    @handles("terminate_key_establishment")
    def _terminate(self, incoming: Incoming) -> Status | None:
        return Status.SUCCESS


class KeyEstablishmentClient(LocalCluster):
    definition = KeyEstablishment
    side = Side.client

    @handles("terminate_key_establishment")
    def _terminate(self, incoming: Incoming) -> Status | None:
        return Status.SUCCESS
