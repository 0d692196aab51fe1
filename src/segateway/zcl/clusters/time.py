"""Time cluster 0x000A (se-spec.md §2.3). No commands."""

from __future__ import annotations

from .. import types as t
from ..cluster import RW, Attribute, Cluster, R
from ..types import Bitmap8

__all__ = ["Time", "TimeStatus"]


class TimeStatus(Bitmap8):
    """TimeStatus 0x0001. An authoritative ESI advertises master|master_zone_dst|superseding."""

    master = 0x01
    synchronized = 0x02
    master_zone_dst = 0x04
    superseding = 0x08


class Time(Cluster):
    """Time: UTC seconds since 2000-01-01, time zone and daylight saving."""

    id = 0x000A
    name = "time"
    label = "Time"
    server_attributes = (
        Attribute(0x0000, "time", t.utc_time, RW, mandatory=True, default=0xFFFFFFFF),
        Attribute(0x0001, "time_status", TimeStatus, RW, mandatory=True, default=0x00),
        Attribute(
            0x0002,
            "time_zone",
            t.int32,
            RW,
            default=0,
            range=(-86400, 86400),
            note="seconds offset from UTC",
        ),
        Attribute(
            0x0003,
            "dst_start",
            t.uint32,
            RW,
            default=0xFFFFFFFF,
            note="UTC seconds since 2000; some stacks send UTCTime 0xE2",
        ),
        Attribute(
            0x0004,
            "dst_end",
            t.uint32,
            RW,
            default=0xFFFFFFFF,
            note="UTC seconds since 2000; some stacks send UTCTime 0xE2",
        ),
        Attribute(
            0x0005, "dst_shift", t.int32, RW, default=0, range=(-86400, 86400), note="seconds"
        ),
        Attribute(
            0x0006, "standard_time", t.uint32, R, default=0xFFFFFFFF, note="time + time_zone"
        ),
        Attribute(
            0x0007,
            "local_time",
            t.uint32,
            R,
            default=0xFFFFFFFF,
            note="standard_time + dst_shift while DST is in effect",
        ),
        Attribute(0x0008, "last_set_time", t.utc_time, R, default=0xFFFFFFFF),
        Attribute(0x0009, "valid_until_time", t.utc_time, RW, default=0xFFFFFFFF),
    )
