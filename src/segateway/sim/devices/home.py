"""A modelled home: SE devices that join a gateway by install code, their physical models stepped
on the virtual clock, and a meter whose consumption is the sum of the modelled loads.

:class:`Household` puts a home on a :class:`~segateway.radio.sim.SimNetwork` beside a gateway
(an ESI Coordinator's node, the trust center):

* ``add(device, ieee)`` adds a device; :meth:`Household.start` registers every install code with
  the trust center (``register``, default: the node's ``add_install_code``, as an installer
  would through ``add_device``), adds the meter (:func:`~segateway.sim.devices.simulated_meter`,
  its Metering server fed by :class:`~segateway.sim.devices.power.HomeLoad`), lets each device
  join (by callback, never by waiting) and starts its SE application once joined;
* every ``step`` seconds (aligned to multiples of ``step`` on the clock) one timer steps every
  model of the home in order: the base load, then each device. Models run from the start,
  joined or not — a house gets hot whether or not its thermostat has joined — but DRLC and
  prices reach them only once joined;
* ``app_extra`` goes to every device application's ``SeConfig.extra`` (e.g. the IPD's
  ``metering.*`` settings);
* ``set_online(False)`` takes the home's devices off the air (a scenario's ``offline_at``): the
  models keep running with the controls they had.

UTC for the models (time of day, weather) is the gateway's ``timebase``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Protocol

from ...radio import NetworkConfig, NetworkState, NodeType
from ...radio.sim import OnMedium, SimNetwork, TrustCenter
from ...se.app import Role, SeApplication, SeConfig
from ...se.timebase import TimeBase
from ...store import Store
from ...zigbee.install_code import InstallCode
from ...zigbee.stack.node import Node
from ..clock import TimerHandle
from .base import ModelledDevice
from .ipd import IPD_DEVICE_ID, Ipd, RangeExtender
from .loads import BaseLoad
from .meter import MeteringServer, SimulatedMeter, simulated_meter
from .power import HomeLoad, PowerTrace

__all__ = ["Household", "Member", "Model"]


class Model(Protocol):
    """What a home steps: a named power trace with ``begin`` and ``step``."""

    @property
    def name(self) -> str: ...

    @property
    def trace(self) -> PowerTrace: ...

    def begin(self, t: float, utc: float) -> None: ...

    def step(self, t: float, dt: float, utc: float) -> None: ...


Device = ModelledDevice | Ipd | RangeExtender


@dataclass
class Member:
    """A device of the home, its node and (once joined) its SE application."""

    device: Device
    ieee: int
    node: Node
    install_code: InstallCode
    app: SeApplication | None = None
    failed: bool = False
    near: bool = True  # hears the gateway and the home's other devices (not given ``hears``)

    @property
    def joined(self) -> bool:
        if isinstance(self.device, RangeExtender):
            return self.node.state is NetworkState.joined
        return self.app is not None and self.app.started


class Household:
    """A home of modelled devices beside a gateway (module doc)."""

    def __init__(
        self,
        sim: SimNetwork,
        *,
        trust_center: TrustCenter,
        timebase: TimeBase,
        meter_ieee: int,
        name: str = "home",
        register: Callable[[int, bytes], Any] | None = None,
        step: float = 60.0,
        lqi: int = 220,
        loss: float = 0.0,
        base_load: float | None = 1.0,
        seed: int = 0,
        meter_update_period: int = 30,
        meter_install_code: bytes | None = None,
        refresh_rate: float = 0.0,
        poll_interval: float = 5.0,
        app_extra: dict[str, Any] | None = None,
    ) -> None:
        if not step > 0:
            msg = "the model step must be positive"
            raise ValueError(msg)
        self.sim = sim
        self.clock = sim.clock
        self.name = name
        self.trust_center = trust_center
        self.timebase = timebase
        self.register = register or trust_center.add_install_code
        self.step = float(step)
        self.lqi = lqi
        self.loss = loss
        self.seed = seed
        self.meter_ieee = meter_ieee
        self.meter_update_period = meter_update_period
        self.meter_install_code = meter_install_code
        self.refresh_rate = refresh_rate
        self.sleepy_config = replace(sim.config, poll_interval=poll_interval)
        self.app_extra = dict(app_extra or {})
        self.members: list[Member] = []
        self.load = HomeLoad()
        self.base: BaseLoad | None = None
        if base_load is not None:
            self.base = BaseLoad(f"{name}/base", scale=base_load, seed=seed)
            self.load.add(self.base)
        self.meter: SimulatedMeter | None = None
        self.metering: MeteringServer | None = None
        self.started_at: float | None = None
        self._timer: TimerHandle | None = None

    # --- building -------------------------------------------------------------------------------

    def add(
        self,
        device: Device,
        ieee: int,
        *,
        install_code: bytes | None = None,
        sleepy: bool = False,
        hears: list[OnMedium] | None = None,
    ) -> Member:
        """Add a device (before :meth:`start`). ``install_code``: without CRC (default: the
        IEEE address's 8 bytes); ``sleepy``: an end device polling its parent; ``hears``: the
        nodes it can hear (default: the trust center, the home's range extenders and the other
        devices added without ``hears``: a house is small, and devices that cannot hear each other
        collide at the gateway as hidden terminals)."""
        sleepy = sleepy and not isinstance(device, RangeExtender)
        node = self.sim.add_node(
            ieee,
            NodeType.end_device if sleepy else NodeType.router,
            rx_on_when_idle=not sleepy,
            config=self.sleepy_config if sleepy else None,
        )
        near = hears is None
        if hears is None:  # in the house: the gateway, the extenders, the other devices near it
            hears = [
                self.trust_center,
                *(m.node for m in self.members if m.near or isinstance(m.device, RangeExtender)),
            ]
        for other in hears:
            self.sim.link(node, other, lqi=self.lqi, loss=self.loss)
        code = InstallCode.from_code(install_code or ieee.to_bytes(8, "big"))
        member = Member(device, ieee, node, code, near=near)
        self.members.append(member)
        if not isinstance(device, Ipd | RangeExtender):
            self.load.add(device)
        return member

    @property
    def models(self) -> Iterator[Model]:
        if self.base is not None:
            yield self.base
        for m in self.members:
            yield m.device

    # --- running --------------------------------------------------------------------------------

    def utc(self, t: float) -> float:
        """UTC (ZCL seconds since 2000) at clock time ``t``."""
        return self.timebase.now_exact() - self.clock.now() + t

    def start(self) -> None:
        """Register the install codes, add the meter, start the joins and the models."""
        epid = self.trust_center.info().extended_pan_id
        if epid is None:
            msg = "the trust center has formed no network"
            raise RuntimeError(msg)
        for member in self.members:
            self.register(member.ieee, member.install_code.code + member.install_code.crc)
            self._join(member, epid)
        self.metering = MeteringServer(
            self.load, timebase=self.timebase, update_period=self.meter_update_period
        )
        self.meter = simulated_meter(
            self.sim,
            self.meter_ieee,
            trust_center=self.trust_center,
            metering=self.metering,
            timebase=self.timebase,
            install_code=self.meter_install_code,
            lqi=self.lqi,
            # the meter is in the house: it hears the home's devices (an IPD reads it directly)
            neighbours=[m.node for m in self.members],
        )
        self.register(self.meter_ieee, self.meter.install_code.code + self.meter.install_code.crc)
        t0 = math.ceil(self.clock.now() / self.step) * self.step
        self.started_at = t0
        for model in self.models:
            model.begin(t0, self.utc(t0))
        self._timer = self.clock.call_at(t0, self._tick)

    def _join(self, member: Member, epid: int) -> None:
        device = member.device

        def joined(ok: bool) -> None:
            if not ok:
                member.failed = True
                return
            if isinstance(device, RangeExtender) or member.app is not None:
                return
            app = self._application(member)
            app.start()
            member.app = app
            device.attach(app)

        member.node.join(
            NetworkConfig(extended_pan_id=epid, link_key=member.install_code.link_key), joined
        )

    def _application(self, member: Member) -> SeApplication:
        device = member.device
        if isinstance(device, Ipd):  # the IPD Router role's own clusters
            device_id, clusters = IPD_DEVICE_ID, None
        else:
            assert isinstance(device, ModelledDevice)  # noqa: S101 - range extenders have no app
            device_id, clusters = device.device_id, device.clusters()
        config = SeConfig(
            role=Role.ipd_router,
            device_id=device_id,
            model_identifier=f"segateway-{device.kind}",
            refresh_rate=self.refresh_rate,
            extra=dict(self.app_extra),
        )
        return SeApplication(
            member.node,
            self.clock,
            Store(":memory:"),
            config=config,
            rng=random.Random(member.ieee ^ self.seed),  # noqa: S311 - simulation
            timebase=TimeBase(self.clock, 0, synchronized=False),  # learns the time
            clusters=clusters,
        )

    def _tick(self) -> None:
        t = self.clock.now()
        utc = self.utc(t)
        dt = self.step
        for model in self.models:
            model.step(t, dt, utc)
        self._timer = self.clock.call_at(t + dt, self._tick)

    @property
    def joined(self) -> int:
        """How many of the home's devices (the meter included) have joined."""
        count = sum(1 for m in self.members if m.joined)
        return count + (1 if self.meter is not None and self.meter.running else 0)

    @property
    def size(self) -> int:
        """The home's SE nodes (the meter included)."""
        return len(self.members) + 1

    def demand_w(self, t: float | None = None) -> float:
        """The modelled demand (what the meter meters) at ``t`` (default: now)."""
        return self.load(self.clock.now() if t is None else t)

    def set_online(self, online: bool) -> None:
        """Take the home's devices (not the meter) off the air, or back."""
        for member in self.members:
            self.sim.set_online(member.node, online)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for member in self.members:
            if member.app is not None:
                member.app.close()
        if self.meter is not None:
            self.meter.app.close()
