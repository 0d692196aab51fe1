"""Which SE cluster sides each configuration hosts on its endpoint (``DESIGN.md``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .clients.drlc import DrlcClient
from .clients.messaging import MessagingClient
from .clients.metering import MeteringClient
from .clients.price import PriceClient
from .clients.time import TimeClient
from .servers import DrlcServer, MessagingServer, PriceServer, TimeServer

if TYPE_CHECKING:
    from .app import Role
    from .endpoint import LocalCluster

__all__ = ["role_clusters"]


def role_clusters(role: Role) -> list[LocalCluster]:
    """New cluster sides for ``role``: ESI servers (Time, Price, DRLC, Messaging) and the
    Metering client on an ESI; the Time, Price, DRLC, Messaging and Metering clients on an IPD."""
    if role.is_esi:
        return [TimeServer(), PriceServer(), DrlcServer(), MessagingServer(), MeteringClient()]
    return [TimeClient(), PriceClient(), DrlcClient(), MessagingClient(), MeteringClient()]
