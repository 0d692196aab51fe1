"""A meter that is also the ESI and the trust center: it forms the home's network, serves Time,
Price, DRLC and Messaging, and meters — the utility meter of the IPD Router configuration, where
the gateway joins the meter's network as an in-premise display (digi-se-devices.md §2).

The meter's endpoint is an ESI Coordinator's (profile 0x0109) with the Metering Device id
(0x0501) and the Metering server beside the ESI servers; its Time server is the network's
master clock (``timebase``, synchronized). Joining is closed until the caller opens it
(``node.permit_joining``), as an installer would; devices join with install codes registered on
``node`` (``node.add_install_code``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from ...radio import NetworkConfig, NodeType
from ...radio.sim import SimNetwork
from ...se.app import Role, SeApplication, SeConfig
from ...se.general import BasicServer, IdentifyServer, KeyEstablishmentServer
from ...se.servers import DrlcServer, MessagingServer, PriceServer, TimeServer
from ...se.timebase import TimeBase
from ...store import Store
from ...zigbee.stack.node import Node
from .meter import METERING_DEVICE, Load, MeteringServer

__all__ = ["MeterEsi", "meter_esi"]


@dataclass
class MeterEsi:
    """The meter-ESI's node (coordinator, trust center), its application and Metering server."""

    node: Node
    app: SeApplication
    metering: MeteringServer

    @property
    def ieee(self) -> int:
        return self.node.ieee

    def close(self) -> None:
        self.app.close()


def meter_esi(
    network: SimNetwork,
    ieee: int,
    network_config: NetworkConfig,
    timebase: TimeBase,
    *,
    demand_w: Load | float | None = None,
    metering: MeteringServer | None = None,
    config: SeConfig | None = None,
    store: Store | None = None,
    model_identifier: str = "segateway-meter-esi",
) -> MeterEsi:
    """Add the meter-ESI to ``network``: it forms the network (``network_config``) at once and
    runs its application. ``config`` overrides the application's settings (its role stays ESI
    Coordinator and its device id Metering Device); ``metering`` or ``demand_w`` is the load it
    meters, as for :func:`~segateway.sim.devices.simulated_meter`."""
    if metering is not None and demand_w is not None:
        msg = "give the load to the MeteringServer (metering) or as demand_w, not both"
        raise ValueError(msg)
    node = network.add_node(ieee, NodeType.coordinator)
    node.form(network_config)
    meter = metering or MeteringServer(demand_w or 0.0, timebase=timebase)
    if meter.timebase is None:
        meter.timebase = timebase
    settings = replace(
        config or SeConfig(model_identifier=model_identifier),
        role=Role.esi_coordinator,
        device_id=METERING_DEVICE,
    )
    app = SeApplication(
        node,
        network.clock,
        store or Store(":memory:"),
        config=settings,
        rng=random.Random(network.rng.getrandbits(64)),  # noqa: S311 - simulation
        timebase=timebase,
        clusters=[
            BasicServer(model_identifier=settings.model_identifier),
            IdentifyServer(),
            KeyEstablishmentServer(),
            TimeServer(),
            PriceServer(),
            DrlcServer(),
            MessagingServer(),
            meter,
        ],
    )
    app.start()
    return MeterEsi(node, app, meter)
