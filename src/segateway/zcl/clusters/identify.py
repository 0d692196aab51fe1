"""Identify cluster 0x0003 (se-spec.md §2.2)."""

from __future__ import annotations

from .. import types as t
from ..cluster import RW, Attribute, Cluster, Command
from ..schema import Field

__all__ = ["Identify"]


class Identify(Cluster):
    """Identify: make a device show itself for a number of seconds."""

    id = 0x0003
    name = "identify"
    label = "Identify"
    server_attributes = (
        Attribute(
            0x0000,
            "identify_time",
            t.uint16,
            RW,
            mandatory=True,
            default=0,
            note="seconds remaining",
        ),
    )
    client_to_server = (
        Command(0x00, "identify", [Field("identify_time", t.uint16, note="seconds")]),
        Command(0x01, "identify_query", response="identify_query_response"),
        Command(
            0x40,
            "trigger_effect",
            [Field("effect_id", t.enum8), Field("effect_variant", t.enum8)],
            since="ZCL6",
            note="ZLL/ZCL6, not SE 1.1",
        ),
    )
    server_to_client = (
        Command(
            0x00,
            "identify_query_response",
            [Field("timeout", t.uint16, note="seconds")],
            note="only sent while identifying",
        ),
    )
