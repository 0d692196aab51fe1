"""The ESI's Smart Energy servers: Time, Price, DRLC and Messaging (issue 4 §3, §5).

The event servers keep their events durably, deliver them to every client of the cluster and to
each client that comes back or joins later, and answer the clients' requests; the RPC layer calls
their ``create_*`` / ``cancel_*`` / ``get_*`` methods (named as in the Digi SE Framework).
"""

from ._events import EventBook, EventServer, ServerEvent
from .drlc import DrlcServer
from .messaging import MessagingServer
from .price import PriceServer
from .time import TimeServer

__all__ = [
    "DrlcServer",
    "EventBook",
    "EventServer",
    "MessagingServer",
    "PriceServer",
    "ServerEvent",
    "TimeServer",
]
