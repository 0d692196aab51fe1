"""Notifications: what the SE application tells the layers above it, as typed events on a bus.

Each notification class is one asynchronous message of the Digi SE Framework
(``digi-se-rpc.md`` §3.6 and §5): ``name`` is the message's name in the RPC API and the fields
are its parameters, with the same names. Records (``record``, ``record_list``) are plain dicts keyed
by the RPC record's field names, so the RPC layer serialises them without knowing the SE layer.
Addresses (``source_address``) are IEEE addresses as ints.

:class:`Bus` is synchronous: ``publish`` calls every subscriber in order before it returns.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = [
    "AttributeReport",
    "Bus",
    "DeviceStatusChanged",
    "Notification",
    "ReceivedDrlcCancelEvent",
    "ReceivedDrlcEvent",
    "ReceivedMessageCancelEvent",
    "ReceivedMessageConfirmation",
    "ReceivedMessageEvent",
    "ReceivedPriceAcknowledgement",
    "ReceivedPriceEvent",
    "ReceivedReportEventStatus",
    "StatusCode",
    "StatusMessage",
    "UpdatedActiveDrlcEvents",
    "UpdatedActiveMessageEvents",
    "UpdatedActivePriceEvent",
]


@dataclass(frozen=True, slots=True)
class Notification:
    """Base of every notification. ``params()`` gives the RPC message's parameters."""

    name: ClassVar[str] = ""

    def params(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


class StatusCode(enum.IntEnum):
    """Status codes of the asynchronous ``message`` response (``digi-se-rpc.md`` §5)."""

    init_complete = 0x0000
    joined_network = 0x0001
    left_network = 0x0002
    time_synchronized = 0x0003
    modem_status = 0x0004
    # codes the reference names without values, numbered in the same series (docs/decisions.md)
    remote_device_status = 0x0005
    discovery_complete = 0x0006


@dataclass(frozen=True, slots=True)
class StatusMessage(Notification):
    """The framework's ``message`` response: a status code, a severity and a free-text
    description. Clients match on phrases of the description (``" registered with XBee"``,
    ``"marked as inactive"`` …), so the texts follow the original's wording."""

    name: ClassVar[str] = "message"
    status: int | None
    severity: int
    description: str
    device: int | None = None  # the device concerned, when there is one
    discovery_status: str | None = None


@dataclass(frozen=True, slots=True)
class DeviceStatusChanged(Notification):
    """A remote device became active or inactive, or finished discovery."""

    name: ClassVar[str] = "device_status"
    source_address: int
    active: bool
    discovery_status: str


@dataclass(frozen=True, slots=True)
class _Received(Notification):
    status: int
    source_address: int | None
    source_endpoint_id: int
    destination_endpoint_id: int
    cluster_id: int
    record: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReceivedDrlcEvent(_Received):
    name: ClassVar[str] = "received_DRLC_event"


@dataclass(frozen=True, slots=True)
class ReceivedDrlcCancelEvent(_Received):
    name: ClassVar[str] = "received_DRLC_cancel_event"


@dataclass(frozen=True, slots=True)
class ReceivedMessageEvent(_Received):
    name: ClassVar[str] = "received_message_event"


@dataclass(frozen=True, slots=True)
class ReceivedMessageCancelEvent(_Received):
    name: ClassVar[str] = "received_message_cancel_event"


@dataclass(frozen=True, slots=True)
class ReceivedPriceEvent(_Received):
    name: ClassVar[str] = "received_price_event"


@dataclass(frozen=True, slots=True)
class _ServerReceived(Notification):
    source_address: int | None
    source_endpoint_id: int
    destination_endpoint_id: int
    cluster_id: int
    record: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReceivedReportEventStatus(_ServerReceived):
    """A remote DRLC client reported an event's status to our DRLC server."""

    name: ClassVar[str] = "received_report_event_status"


@dataclass(frozen=True, slots=True)
class ReceivedMessageConfirmation(_ServerReceived):
    """A remote Messaging client confirmed a message (or a cancellation) to our server."""

    name: ClassVar[str] = "received_message_confirmation"


@dataclass(frozen=True, slots=True)
class ReceivedPriceAcknowledgement(_ServerReceived):
    """A remote Price client acknowledged a price (Price Acknowledgement, SE 1.1)."""

    name: ClassVar[str] = "received_price_acknowledgement"


@dataclass(frozen=True, slots=True)
class _Updated(Notification):
    destination_endpoint_id: int
    cluster_id: int
    record_list: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class UpdatedActiveDrlcEvents(_Updated):
    name: ClassVar[str] = "updated_active_DRLC_events"


@dataclass(frozen=True, slots=True)
class UpdatedActiveMessageEvents(_Updated):
    name: ClassVar[str] = "updated_active_message_events"


@dataclass(frozen=True, slots=True)
class UpdatedActivePriceEvent(_Updated):
    """The active price changed for one commodity; ``record_list`` holds the new active price
    (empty when no price is active any more) and ``commodity`` says which."""

    name: ClassVar[str] = "updated_active_price_event"
    commodity: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AttributeReport(Notification):
    """A remote device reported attributes (or the metering client polled them)."""

    name: ClassVar[str] = "attribute_report"
    source_address: int | None
    source_endpoint_id: int
    destination_endpoint_id: int
    cluster_id: int
    record_list: list[dict[str, Any]]


Subscriber = Callable[[Notification], None]


class Bus:
    """Synchronous publish/subscribe of :class:`Notification` objects."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self.published = 0

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber`` with every notification from now on; returns the unsubscriber."""
        self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, notification: Notification) -> None:
        self.published += 1
        for subscriber in list(self._subscribers):
            subscriber(notification)
