"""Demand Response and Load Control cluster 0x0701 (se-spec.md §2.5).

The attributes live on the client (the load-control device); the server (the ESI) has none.
"""

from __future__ import annotations

from .. import types as t
from ..cluster import RW, Attribute, Cluster, Command
from ..schema import Field
from ..types import Bitmap8, Bitmap16, Enum8
from .common import ATTRIBUTE_REPORTING_STATUS

__all__ = [
    "CancelControl",
    "CriticalityLevel",
    "DeviceClass",
    "Drlc",
    "EventControl",
    "EventStatus",
    "SignatureType",
]


class DeviceClass(Bitmap16):
    """Device Class: which kinds of load an event addresses (bits 12–15 reserved)."""

    hvac_compressor_or_furnace = 0x0001
    strip_heaters_baseboard_heaters = 0x0002
    water_heater = 0x0004
    pool_pump_spa_jacuzzi = 0x0008
    smart_appliances = 0x0010
    irrigation_pump = 0x0020
    managed_commercial_industrial_loads = 0x0040
    simple_misc_loads = 0x0080
    exterior_lighting = 0x0100
    interior_lighting = 0x0200
    electric_vehicle = 0x0400
    generation_systems = 0x0800


class CriticalityLevel(Enum8):
    """Criticality Level of a load control event (0x10–0xFF reserved).

    Green and levels 1–5 are voluntary: a device may decline them.
    """

    reserved = 0x00
    green = 0x01
    level_1 = 0x02
    level_2 = 0x03
    level_3 = 0x04
    level_4 = 0x05
    level_5 = 0x06
    emergency = 0x07
    planned_outage = 0x08
    service_disconnect = 0x09
    utility_defined_1 = 0x0A
    utility_defined_2 = 0x0B
    utility_defined_3 = 0x0C
    utility_defined_4 = 0x0D
    utility_defined_5 = 0x0E
    utility_defined_6 = 0x0F


class EventControl(Bitmap8):
    """Event Control: randomize the start and/or the end (bits 2–7 reserved)."""

    randomize_start_time = 0x01
    randomize_end_time = 0x02


class CancelControl(Bitmap8):
    """Cancel Control: end a running event with the event's end randomization."""

    terminate_with_randomization = 0x01


class EventStatus(Enum8):
    """Report Event Status Event Status.

    Reserved codes (0x00, 0x0B–0xF5, 0xFA, 0xFC, 0xFF) have no name and decode to
    ``undefined_0x..`` pseudo-members.
    """

    load_control_event_command_received = 0x01
    event_started = 0x02
    event_completed = 0x03
    user_opted_out = 0x04
    user_opted_in = 0x05
    event_cancelled = 0x06
    event_superseded = 0x07
    event_partially_completed_with_user_opt_out = 0x08
    event_partially_completed_with_user_opt_in = 0x09
    event_completed_no_user_participation = 0x0A
    invalid_opt_out = 0xF6
    event_not_found = 0xF7
    rejected_invalid_cancel_command = 0xF8
    rejected_invalid_cancel_effective_time = 0xF9
    rejected_event_expired = 0xFB
    rejected_invalid_cancel_undefined_event = 0xFD
    load_control_event_command_rejected = 0xFE


class SignatureType(Enum8):
    """Report Event Status Signature Type (0x02–0xFF reserved)."""

    no_signature = 0x00
    ecdsa = 0x01


_NOT_USED_U8 = "0xFF = not used"
_NOT_USED_I16 = "0x8000 = not used"


class Drlc(Cluster):
    """DRLC: the ESI schedules load control events; devices report how they carry them out."""

    id = 0x0701
    name = "drlc"
    label = "Demand Response and Load Control"
    client_attributes = (
        Attribute(
            0x0000,
            "utility_enrollment_group",
            t.uint8,
            RW,
            default=0x00,
            range=(0x00, 0xFF),
            note="0x00 = member of every group",
        ),
        Attribute(
            0x0001, "start_randomization_minutes", t.uint8, RW, default=0x1E, range=(0x00, 0x3C)
        ),
        Attribute(
            0x0002,
            "duration_randomization_minutes",
            t.uint8,
            RW,
            default=0x00,
            range=(0x00, 0x3C),
            note="also called end/stop randomize minutes",
        ),
        Attribute(
            0x0003,
            "device_class_value",
            t.uint16,
            RW,
            note="device specific; bits as in DeviceClass",
        ),
        ATTRIBUTE_REPORTING_STATUS,
    )
    server_to_client = (
        Command(
            0x00,
            "load_control_event",
            [
                Field("issuer_event_id", t.uint32),
                Field("device_class", DeviceClass),
                Field("utility_enrollment_group", t.uint8, note="0x00 = all groups"),
                Field("start_time", t.utc_time, note="0 = now"),
                Field("duration_in_minutes", t.uint16, note="at most 1440"),
                Field("criticality_level", CriticalityLevel),
                Field("cooling_temperature_offset", t.uint8, note="0.1 °C; " + _NOT_USED_U8),
                Field("heating_temperature_offset", t.uint8, note="0.1 °C; " + _NOT_USED_U8),
                Field("cooling_temperature_set_point", t.int16, note="0.01 °C; " + _NOT_USED_I16),
                Field("heating_temperature_set_point", t.int16, note="0.01 °C; " + _NOT_USED_I16),
                Field(
                    "average_load_adjustment_percentage",
                    t.int8,
                    note="-100…+100 %; 0x80 = not used",
                ),
                Field("duty_cycle", t.uint8, note="0…100 %; " + _NOT_USED_U8),
                Field("event_control", EventControl),
            ],
        ),
        Command(
            0x01,
            "cancel_load_control_event",
            [
                Field("issuer_event_id", t.uint32),
                Field("device_class", DeviceClass),
                Field("utility_enrollment_group", t.uint8),
                Field("cancel_control", CancelControl),
                Field("effective_time", t.utc_time, note="0 = now"),
            ],
        ),
        Command(
            0x02,
            "cancel_all_load_control_events",
            [Field("cancel_control", CancelControl)],
        ),
    )
    client_to_server = (
        Command(
            0x00,
            "report_event_status",
            [
                Field("issuer_event_id", t.uint32),
                Field("event_status", EventStatus),
                Field("event_status_time", t.utc_time),
                Field("criticality_level_applied", CriticalityLevel),
                Field("cooling_temperature_set_point_applied", t.int16, note=_NOT_USED_I16),
                Field("heating_temperature_set_point_applied", t.int16, note=_NOT_USED_I16),
                Field("average_load_adjustment_percentage_applied", t.int8, note="0x80 = not used"),
                Field("duty_cycle_applied", t.uint8, note=_NOT_USED_U8),
                Field("event_control", EventControl),
                Field("signature_type", SignatureType),
                Field(
                    "signature",
                    t.rest_bytes,
                    optional=True,
                    note="rest of the payload: 42 octets (ECDSA r‖s, or 0xFF filler), "
                    "but any length is accepted",
                ),
            ],
            note="SE 1.1 senders use signature type 0x00 followed by 42 × 0xFF",
        ),
        Command(
            0x01,
            "get_scheduled_events",
            [
                Field("start_time", t.utc_time, note="0 = now"),
                Field("number_of_events", t.uint8, note="0 = all"),
                Field("issuer_event_id", t.uint32, optional=True, since="1.2a"),
            ],
            response="load_control_event",
        ),
    )
