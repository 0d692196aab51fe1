"""Prepayment cluster 0x0705 (se-spec.md §2.9): only what the reference gives."""

from __future__ import annotations

from .. import types as t
from ..cluster import Cluster, Command
from ..schema import Field
from .common import ATTRIBUTE_REPORTING_STATUS

__all__ = ["Prepayment"]


class Prepayment(Cluster):
    """Prepayment: credit and debt handling on a pay-as-you-go meter.

    Deliberately incomplete. The reference gives one payload, the SE 1.2a layout of Select
    Available Emergency Credit (whose id EmberZNet tags as present since SE 1.0). Its other
    commands (client-to-server 0x02-0x0C, server-to-client 0x01-0x06, all SE 1.2a), the SE 1.1
    Change Supply / Supply Status Response commands and the Prepayment attributes are not declared
    because the reference lacks their layouts; such frames decode with ``command=None`` and their
    payload kept as bytes.
    """

    id = 0x0705
    name = "prepayment"
    label = "Prepayment"
    server_attributes = (ATTRIBUTE_REPORTING_STATUS,)
    client_to_server = (
        Command(
            0x00,
            "select_available_emergency_credit",
            [
                Field("command_issue_date_time", t.utc_time, since="1.2a"),
                Field(
                    "originating_device",
                    t.enum8,
                    since="1.2a",
                    note="the reference names no values",
                ),
            ],
            since="1.2a",
            note="the id exists since SE 1.0; this payload is the SE 1.2a layout",
        ),
    )
