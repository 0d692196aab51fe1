"""The common part of the modelled SE devices: an SE application on a node, a power trace, and
the DRLC client whose running events steer the model.

A :class:`ModelledDevice` is stepped by its home (:class:`~segateway.sim.devices.home.Household`)
every ``step`` seconds of the virtual clock: at each step it decides its power for the step from
its state and the DRLC controls in force, records the power in its :class:`PowerTrace`, and
advances its physical state over the step. Controls change by notification
(``updated_active_DRLC_events`` on the application's bus) and take effect at the next step.

Behaviours (a scenario's ``opts_out`` and ``ignores_drlc``):

* ``opts_out`` — the user declines voluntary events: every event accepted with criticality 0x01–
  0x06 (Green … Level 5, voluntary per se-spec.md §2.5) is opted out a second after it arrives
  (the device reports 0x04 at its start); Emergency and above are honoured.
* ``ignores_drlc`` — the device runs the protocol (it acknowledges and reports the event) but its
  load never changes: a device that is certified but badly installed.

Duty cycle and average load adjustment are applied to on/off loads through
:class:`DutyLimiter`: within each ``window`` seconds (aligned to the clock) the load may run at
most ``limit × window`` seconds; the average load adjustment's limit is the load's own running
fraction over the hour before the event (an exponential average, frozen when the event starts)
times ``1 + adjustment``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any, ClassVar

from ...se.app import SeApplication
from ...se.bus import Notification, ReceivedDrlcEvent, UpdatedActiveDrlcEvents
from ...se.clients.drlc import DrlcClient
from ...se.clients.time import TimeClient
from ...se.endpoint import LocalCluster
from ...se.general import BasicServer, IdentifyServer, KeyEstablishmentServer
from ...zcl.cluster import Side
from .power import DrlcControl, PowerTrace

__all__ = ["VOLUNTARY_CRITICALITY", "DutyLimiter", "ModelledDevice"]

VOLUNTARY_CRITICALITY = 0x06  # Green (0x01) … Level 5 (0x06) may be declined
_OPT_OUT_DELAY = 1.0  # the user reacts a second after the event arrives
_DRLC = 0x0701


class DutyLimiter:
    """Caps an on/off load's running time per window (module doc)."""

    __slots__ = ("_baseline", "_frozen", "_window_start", "on_in_window", "window")

    def __init__(self, window: float = 900.0, baseline: float = 0.5) -> None:
        self.window = float(window)
        self.on_in_window = 0.0
        self._window_start = -math.inf
        self._baseline = baseline  # running fraction, exponential average over ~1 h
        self._frozen: float | None = None

    def limit(self, control: DrlcControl) -> float | None:
        """The running fraction ``control`` allows (None: no limit); freezes the baseline while
        an event runs."""
        if not control.active:
            self._frozen = None
            return None
        if self._frozen is None:
            self._frozen = self._baseline
        limits: list[float] = []
        if control.outage:
            limits.append(0.0)
        if control.duty_cycle is not None:
            limits.append(control.duty_cycle)
        if control.load_adjustment is not None:
            limits.append(max(0.0, self._frozen * (1.0 + control.load_adjustment)))
        return min(limits) if limits else None

    def allows(self, t: float, dt: float, limit: float | None) -> bool:
        """May the load run over [t, t + dt) under ``limit``?"""
        self._roll(t)
        if limit is None:
            return True
        return self.on_in_window + dt <= limit * self.window + 1e-9

    def record(self, t: float, dt: float, *, on: bool) -> None:
        self._roll(t)
        if on:
            self.on_in_window += dt
        alpha = min(1.0, dt / 3600.0)
        self._baseline += alpha * ((1.0 if on else 0.0) - self._baseline)

    def _roll(self, t: float) -> None:
        start = math.floor(t / self.window) * self.window
        if start != self._window_start:
            self._window_start = start
            self.on_in_window = 0.0


class ModelledDevice:
    """A simulated SE device with a physical model (module doc). Subclasses set the class
    variables, :meth:`extra_clusters` and :meth:`step`."""

    kind: ClassVar[str] = "device"
    device_id: ClassVar[int] = 0x0504  # Load Control Device
    device_class: ClassVar[int] = 0x0080  # simple misc. loads

    def __init__(
        self,
        name: str,
        *,
        seed: int = 0,
        opts_out: bool = False,
        ignores_drlc: bool = False,
        start_randomization_minutes: int = 0,
    ) -> None:
        self.name = name
        self.rng = random.Random(seed)  # noqa: S311 - simulation randomness
        self.opts_out = opts_out
        self.ignores_drlc = ignores_drlc
        self.start_randomization_minutes = start_randomization_minutes
        self.trace = PowerTrace()
        self.control = DrlcControl()
        self.runtime = 0.0  # seconds the load has run
        self.app: SeApplication | None = None
        self.opted_out: list[int] = []
        self._call_later: Callable[[float, Callable[[], None]], Any] | None = None

    # --- the SE side ----------------------------------------------------------------------------

    def clusters(self) -> list[LocalCluster]:
        """The clusters of the device's SE endpoint."""
        return [
            BasicServer(model_identifier=f"segateway-{self.kind}"),
            IdentifyServer(),
            KeyEstablishmentServer(),
            *self.extra_clusters(),
        ]

    def extra_clusters(self) -> list[LocalCluster]:
        """Time (a device learns UTC from the ESI) and DRLC clients."""
        return [
            TimeClient(),
            DrlcClient(
                device_class=self.device_class,
                start_randomization_minutes=self.start_randomization_minutes,
            ),
        ]

    def attach(self, app: SeApplication) -> None:
        """Run on ``app`` (started): listen to its bus."""
        self.app = app
        clock = app.clock
        self._call_later = clock.call_later
        app.bus.subscribe(self.notify)

    @property
    def drlc(self) -> DrlcClient | None:
        if self.app is None:
            return None
        cluster = self.app.cluster(_DRLC, Side.client)
        return cluster if isinstance(cluster, DrlcClient) else None

    def notify(self, notification: Notification) -> None:
        """A notification from the device's own application."""
        if isinstance(notification, UpdatedActiveDrlcEvents):
            if not self.ignores_drlc:
                self.control = DrlcControl.from_records(notification.record_list)
        elif isinstance(notification, ReceivedDrlcEvent):
            record = notification.record
            if (
                self.opts_out
                and notification.status == 0x00
                and 0 < int(record.get("criticality_level", 0)) <= VOLUNTARY_CRITICALITY
                and self._call_later is not None
            ):
                event_id = int(record["issuer_event_id"])
                self._call_later(_OPT_OUT_DELAY, lambda: self._opt_out(event_id))

    def _opt_out(self, event_id: int) -> None:
        drlc = self.drlc
        if drlc is not None and drlc.opt_out(event_id) == 0x00:
            self.opted_out.append(event_id)

    # --- the model ------------------------------------------------------------------------------

    def begin(self, t: float, utc: float) -> None:
        """The model starts at clock time ``t`` (UTC ``utc``, ZCL seconds since 2000)."""
        self.trace = PowerTrace(t, 0.0)

    def step(self, t: float, dt: float, utc: float) -> None:
        """Decide the power over [t, t + dt) and advance the model over it."""
        raise NotImplementedError

    def _run(self, t: float, dt: float, watts: float, *, on: bool) -> None:
        self.trace.set(t, watts if on else 0.0)
        if on:
            self.runtime += dt
