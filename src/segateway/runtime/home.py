"""The simulated home ``segateway run`` starts: the configured gateway on a simulated channel,
with a meter, an in-premise display and a thermostat joining by install code, so that a new
user sees traffic at once.

* ESI Coordinator (default): the gateway forms the network and is the trust center; the
  devices' install codes are registered with it (``add_device``, persisted in its store).
* ESI Router / IPD Router: the utility's meter, which is also the ESI and the trust center
  (:func:`~segateway.sim.devices.meter_esi`), forms the network; the gateway joins it with its
  install code like the IPD and the thermostat.
* The new device (``segateway run --new-device``, ESI Coordinator only): one more IPD that is
  *not* registered and keeps trying to join, so that a user can register it by install code
  (``add_device … installation_code=… join_time=…``) as on a real gateway and watch it join.
* The simulated displays (the IPD and the new device) have a user who confirms, a few seconds
  after it arrives, every message that asks for confirmation (message control bit 0x80), so that
  ``received_message_confirmation`` can be watched.

Everything runs on the network's virtual clock (driven in real time by
:func:`~segateway.runtime.server.pace`);
joins complete by callback, never by waiting.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Callable
from pathlib import Path

from ..radio import NetworkConfig, NodeType
from ..radio.sim import SimNetwork
from ..rpc.gateway import UNIX_2000
from ..se.app import Role, SeApplication, SeConfig
from ..se.bus import Notification, ReceivedMessageEvent
from ..se.clients.drlc import DrlcClient
from ..se.clients.messaging import MessagingClient
from ..se.clients.price import PriceClient
from ..se.clients.time import TimeClient
from ..se.general import BasicServer, IdentifyServer, KeyEstablishmentServer
from ..se.timebase import TimeBase
from ..sim.devices import SimulatedMeter, meter_esi, simulated_meter
from ..store import Store
from ..zigbee.install_code import InstallCode
from ..zigbee.stack.context import StackConfig
from ..zigbee.stack.node import Node
from .config import RunConfig

__all__ = ["IPD_IEEE", "METER_IEEE", "NEW_DEVICE_IEEE", "THERMOSTAT_IEEE", "SimulatedHome"]

log = logging.getLogger(__name__)

METER_IEEE = 0x00124B0000A1B2C3
IPD_IEEE = 0x00124B00000D15D1
THERMOSTAT_IEEE = 0x00124B00000C0017
NEW_DEVICE_IEEE = 0x00124B00000D15E0  # the IPD the user registers (--new-device)
_NEW_DEVICE_RETRY = 2.0  # seconds between its join attempts (the stack's default is 10)
_CONFIRM_DELAY = 3.0  # seconds the simulated display's user takes to confirm a message
_CONFIRMATION_REQUIRED = 0x80  # message control bit: the message asks for confirmation
ESI_IEEE = 0x00124B0000E51001  # the meter that is the ESI when the gateway is a router
PCT_DEVICE_ID = 0x0503  # Programmable Communicating Thermostat
HVAC_CLASS = 0x0001
_HOUSE_LQI = 220  # the link quality between any two nodes of the house
_EPID_BASE = 0x00124B0000000000


def _code(ieee: int) -> InstallCode:
    """A simulated device's install code: its IEEE address's 8 bytes (fine for a simulation)."""
    return InstallCode.from_code(ieee.to_bytes(8, "big"))


class SimulatedHome:
    """The gateway's application on a simulated network, and the simulated devices."""

    def __init__(
        self,
        config: RunConfig,
        store: Store,
        *,
        gateway_ieee: int,
        host_time: Callable[[], float],
        capture: Path | None = None,
        seed: int | None = None,
    ) -> None:
        self.config = config
        self.sim = SimNetwork(
            seed=seed if seed is not None else gateway_ieee & 0xFFFF, capture=capture
        )
        self.clock = self.sim.clock
        self.epid = _EPID_BASE | (gateway_ieee & 0xFFFFFFFF)
        network = NetworkConfig(
            channel=config.channel, pan_id=config.pan_id, extended_pan_id=self.epid
        )
        self.timebase = TimeBase(self.clock, host_time() - UNIX_2000, synchronized=True)
        self.devices: list[SeApplication] = []
        # the nodes of the house, all in range of one another: no hidden nodes, whose collisions
        # cost retries (measured: 1 frame in 5 collided when each device heard only the gateway)
        self._in_house: list[Node] = []
        self.meter: SimulatedMeter | None = None
        self.esi: SeApplication | None = None
        extra = {"time_zone": config.time_zone} if config.time_zone else {}
        se_config = SeConfig(role=config.role, endpoint_id=config.endpoint_id, extra=extra)
        if config.role is Role.esi_coordinator:
            self.coordinator = self.sim.add_node(gateway_ieee, NodeType.coordinator)
            self.coordinator.form(network)
            self.node = self.coordinator
        else:
            # the utility's meter is the ESI and the trust center; the gateway joins its network
            meter = meter_esi(
                self.sim,
                ESI_IEEE,
                network,
                self.timebase,
                demand_w=1200.0,
                config=SeConfig(extra=extra, model_identifier="segateway-meter-esi"),
            )
            self.coordinator = meter.node
            self.esi = meter.app
            self.node = self.sim.add_node(gateway_ieee, NodeType.router)
            self.sim.link(self.node, self.coordinator, lqi=_HOUSE_LQI)
        self._in_house += (
            [self.coordinator] if self.node is self.coordinator else [self.coordinator, self.node]
        )
        self.app = SeApplication(
            self.node,
            self.clock,
            store,
            config=se_config,
            timebase=self.timebase
            if config.role is not Role.ipd_router
            else TimeBase(self.clock, host_time() - UNIX_2000, synchronized=False),
        )

    # --- starting -------------------------------------------------------------------------------

    def join_gateway(self, on_joined: Callable[[bool], None]) -> None:
        """Let the gateway join (router roles); ``on_joined`` at once for the coordinator."""
        if self.node is self.coordinator:
            on_joined(True)
            return
        code = _code(self.node.ieee)
        self.coordinator.add_install_code(self.node.ieee, code.code + code.crc)
        self.coordinator.permit_joining(254)
        self.node.join(NetworkConfig(extended_pan_id=self.epid, link_key=code.link_key), on_joined)

    def register(self, add_device: Callable[[int, bytes], None]) -> None:
        """Register the simulated devices' install codes: with the gateway when it is the trust
        center (``add_device``), else with the simulated ESI."""
        if self.node is not self.coordinator:  # the meter is the ESI: no meter joins
            for ieee in (IPD_IEEE, THERMOSTAT_IEEE):
                code = _code(ieee)
                self.coordinator.add_install_code(ieee, code.code + code.crc)
            return
        for ieee in (METER_IEEE, IPD_IEEE, THERMOSTAT_IEEE):
            code = _code(ieee)
            add_device(ieee, code.code + code.crc)

    def start_devices(self) -> None:
        """Open the network for a while and let the simulated devices join (by callback)."""
        self.coordinator.permit_joining(254)
        if self.node is self.coordinator:  # else the meter is the ESI the gateway joined
            self.meter = simulated_meter(
                self.sim,
                METER_IEEE,
                trust_center=self.coordinator,
                demand_w=1200.0,
                neighbours=[n for n in self._in_house if n is not self.coordinator],
                lqi=_HOUSE_LQI,
            )
            self._in_house.append(self.meter.node)
        self._join_app(IPD_IEEE, self._ipd)
        self._join_app(THERMOSTAT_IEEE, self._thermostat)

    def start_new_device(self) -> InstallCode:
        """Add the new device: an IPD whose install code nobody registered, trying to join
        every few seconds until the gateway admits it (``add_device``) while joining is open.
        Returns its install code (with the CRC) for the user to register."""
        if self.node is not self.coordinator:
            msg = "the new device registers with the gateway's trust center: ESI Coordinator only"
            raise ValueError(msg)
        retry = dataclasses.replace(self.sim.config, join_retry=_NEW_DEVICE_RETRY)
        self._join_app(NEW_DEVICE_IEEE, self._ipd, stack=retry)
        return _code(NEW_DEVICE_IEEE)

    def _join_app(
        self,
        ieee: int,
        build: Callable[[Node], SeApplication],
        *,
        stack: StackConfig | None = None,
    ) -> None:
        node = self.sim.add_node(ieee, NodeType.router, config=stack)
        for other in self._in_house:  # one house: every device hears every other
            self.sim.link(node, other, lqi=_HOUSE_LQI)
        self._in_house.append(node)
        code = _code(ieee)

        def joined(ok: bool) -> None:
            if not ok:
                log.warning("simulated device %016x did not join", ieee)
                return
            app = build(node)
            app.start()
            self.devices.append(app)

        node.join(NetworkConfig(extended_pan_id=self.epid, link_key=code.link_key), joined)

    def _ipd(self, node: Node) -> SeApplication:
        app = SeApplication(
            node,
            self.clock,
            Store(":memory:"),
            config=SeConfig(role=Role.ipd_router, model_identifier="segateway-ipd"),
            rng=random.Random(node.ieee),  # noqa: S311 - simulation randomness
            timebase=TimeBase(self.clock, 0, synchronized=False),  # learns the time
        )
        app.bus.subscribe(lambda n: self._user_confirms(app, n))
        return app

    def _user_confirms(self, app: SeApplication, notification: Notification) -> None:
        """The display's user confirms a message that asks for it, a few seconds later."""
        if not isinstance(notification, ReceivedMessageEvent) or notification.status != 0:
            return
        record = notification.record
        message_id = record.get("message_id")
        if not isinstance(message_id, int):
            return
        if not int(record.get("message_control", 0)) & _CONFIRMATION_REQUIRED:
            return
        clients = app.endpoint.clusters.values()
        client = next((c for c in clients if isinstance(c, MessagingClient)), None)
        if client is not None:
            self.clock.call_later(_CONFIRM_DELAY, lambda: client.confirm_message(message_id))

    def _thermostat(self, node: Node) -> SeApplication:
        return SeApplication(
            node,
            self.clock,
            Store(":memory:"),
            config=SeConfig(role=Role.ipd_router, device_id=PCT_DEVICE_ID),
            rng=random.Random(node.ieee),  # noqa: S311 - simulation randomness
            timebase=TimeBase(self.clock, 0, synchronized=False),
            clusters=[
                BasicServer(model_identifier="segateway-thermostat"),
                IdentifyServer(),
                KeyEstablishmentServer(),
                TimeClient(),
                DrlcClient(device_class=HVAC_CLASS, start_randomization_minutes=0),
                PriceClient(),
            ],
        )

    def close(self) -> None:
        for app in self.devices:
            app.close()
        if self.esi is not None:
            self.esi.close()
        self.sim.close()
