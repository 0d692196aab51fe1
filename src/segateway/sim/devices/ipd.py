"""The In-Premise Display and the range extender.

* :class:`Ipd` — an IPD Router application (Time, Price, DRLC, Messaging and Metering clients,
  device 0x0502) and what its screen shows: the active price, the message on display and the
  running DR events, kept from the application's ``updated_active_*`` notifications. With
  ``confirms=True`` the user confirms every message that asks for it (Message Control bit 7,
  se-spec.md Messaging) ``confirm_after`` seconds after it is displayed. It draws no modelled
  power (a few watts, left out of the home's load).
* :class:`RangeExtender` — a router with no SE application: it only relays frames (a device that
  cannot hear the ESI joins and talks through it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ...se.app import SeApplication
from ...se.bus import (
    Notification,
    UpdatedActiveDrlcEvents,
    UpdatedActiveMessageEvents,
    UpdatedActivePriceEvent,
)
from ...se.clients.messaging import MessagingClient
from ...zcl.cluster import Side
from .power import PowerTrace

__all__ = ["IPD_DEVICE_ID", "Ipd", "RangeExtender"]

IPD_DEVICE_ID = 0x0502
_CONFIRMATION_REQUIRED = 0x80  # Message Control bit 7
_MESSAGING = 0x0703


@dataclass
class Ipd:
    """What an IPD shows, and its user (module doc)."""

    name: str
    confirms: bool = False
    confirm_after: float = 30.0
    kind: ClassVar[str] = "ipd"

    def __post_init__(self) -> None:
        self.app: SeApplication | None = None
        self.price: dict[str, Any] | None = None
        self.message: dict[str, Any] | None = None
        self.drlc_events: list[dict[str, Any]] = []
        self.confirmed: list[int] = []
        self.trace = PowerTrace()
        self.runtime = 0.0
        self._pending: set[int] = set()

    def attach(self, app: SeApplication) -> None:
        self.app = app
        app.bus.subscribe(self.notify)

    def notify(self, notification: Notification) -> None:
        if isinstance(notification, UpdatedActivePriceEvent):
            self.price = notification.record_list[0] if notification.record_list else None
        elif isinstance(notification, UpdatedActiveDrlcEvents):
            self.drlc_events = list(notification.record_list)
        elif isinstance(notification, UpdatedActiveMessageEvents):
            records = notification.record_list
            self.message = records[0] if records else None
            if self.message is not None and self.confirms:
                self._maybe_confirm(self.message)

    def _maybe_confirm(self, message: dict[str, Any]) -> None:
        control = int(message.get("message_control", 0))
        message_id = int(message["message_id"])
        if (
            not control & _CONFIRMATION_REQUIRED
            or "confirmation_time" in message
            or message_id in self._pending
            or message_id in self.confirmed
            or self.app is None
        ):
            return
        self._pending.add(message_id)
        self.app.clock.call_later(self.confirm_after, lambda: self._confirm(message_id))

    def _confirm(self, message_id: int) -> None:
        self._pending.discard(message_id)
        app = self.app
        client = app.cluster(_MESSAGING, Side.client) if app is not None else None
        if isinstance(client, MessagingClient):
            client.confirm_message(message_id)
            self.confirmed.append(message_id)

    def begin(self, t: float, utc: float) -> None:
        self.trace = PowerTrace(t, 0.0)

    def step(self, t: float, dt: float, utc: float) -> None:
        """An IPD's own power is left out of the home's load."""


@dataclass
class RangeExtender:
    """A router that only relays (module doc)."""

    name: str
    kind: ClassVar[str] = "range_extender"

    def __post_init__(self) -> None:
        self.trace = PowerTrace()
        self.runtime = 0.0

    def begin(self, t: float, utc: float) -> None:
        self.trace = PowerTrace(t, 0.0)

    def step(self, t: float, dt: float, utc: float) -> None:
        """Nothing modelled."""
