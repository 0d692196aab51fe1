"""Profile-wide (foundation) commands, ZCL 07-5123 §2.4 (se-spec.md §1.2–§1.3).

Each command is declared as a schema of records. Records whose fields depend on a status, a
direction or an analog data type say so with ``present_if``; the one-byte "all succeeded" forms of
Write Attributes Response and Configure Reporting Response decode as a single record whose
trailing fields are ``None``.
"""

from __future__ import annotations

from types import MappingProxyType

from . import types as t
from .cluster import Command
from .schema import Field, ListOf, Schema, Typed
from .status import Status
from .types import DataType, Enum8

__all__ = ["FOUNDATION", "GeneralCommand", "ReportingDirection"]


class GeneralCommand(Enum8):
    """Foundation command identifiers."""

    read_attributes = 0x00
    read_attributes_response = 0x01
    write_attributes = 0x02
    write_attributes_undivided = 0x03
    write_attributes_response = 0x04
    write_attributes_no_response = 0x05
    configure_reporting = 0x06
    configure_reporting_response = 0x07
    read_reporting_configuration = 0x08
    read_reporting_configuration_response = 0x09
    report_attributes = 0x0A
    default_response = 0x0B
    discover_attributes = 0x0C
    discover_attributes_response = 0x0D
    read_attributes_structured = 0x0E
    discover_commands_received = 0x11
    discover_commands_received_response = 0x12
    discover_commands_generated = 0x13
    discover_commands_generated_response = 0x14
    discover_attributes_extended = 0x15
    discover_attributes_extended_response = 0x16


class ReportingDirection(Enum8):
    """Direction field of reporting configuration records."""

    reported = 0x00  # the receiver of Configure Reporting sends reports of this attribute
    received = 0x01  # the receiver expects reports of this attribute (timeout only)


_OK = "status == 0"
_SEND = "direction == 0"

READ_ATTRIBUTE_STATUS = Schema(
    "read_attribute_status",
    [
        Field("attribute_id", t.uint16),
        Field("status", Status),
        Field("data_type", DataType, present_if=_OK),
        Field("value", Typed("data_type", "attribute_id"), present_if=_OK),
    ],
)
WRITE_ATTRIBUTE = Schema(
    "write_attribute",
    [
        Field("attribute_id", t.uint16),
        Field("data_type", DataType),
        Field("value", Typed("data_type", "attribute_id")),
    ],
)
WRITE_ATTRIBUTE_STATUS = Schema(
    "write_attribute_status",
    [
        Field("status", Status),
        Field("attribute_id", t.uint16, optional=True, note="absent in the all-succeeded form"),
    ],
)
ATTRIBUTE_REPORTING_CONFIGURATION = Schema(
    "attribute_reporting_configuration",
    [
        Field("direction", ReportingDirection),
        Field("attribute_id", t.uint16),
        Field("data_type", DataType, present_if=_SEND),
        Field("minimum_reporting_interval", t.uint16, present_if=_SEND, note="seconds"),
        Field(
            "maximum_reporting_interval",
            t.uint16,
            present_if=_SEND,
            note="seconds; 0x0000 no periodic reports, 0xFFFF reporting off",
        ),
        Field(
            "reportable_change",
            Typed("data_type"),
            present_if="direction == 0 and is_analog(data_type)",
            note="analog types only",
        ),
        Field("timeout_period", t.uint16, present_if="direction == 1", note="seconds"),
    ],
)
ATTRIBUTE_STATUS = Schema(
    "attribute_status",
    [
        Field("status", Status),
        Field("direction", ReportingDirection, optional=True, note="absent in the all-OK form"),
        Field("attribute_id", t.uint16, optional=True),
    ],
)
ATTRIBUTE_RECORD = Schema(
    "attribute_record",
    [Field("direction", ReportingDirection), Field("attribute_id", t.uint16)],
)
REPORTING_CONFIGURATION_STATUS = Schema(
    "reporting_configuration_status",
    [
        Field("status", Status),
        Field("direction", ReportingDirection),
        Field("attribute_id", t.uint16),
        Field("data_type", DataType, present_if="status == 0 and direction == 0"),
        Field("minimum_reporting_interval", t.uint16, present_if="status == 0 and direction == 0"),
        Field("maximum_reporting_interval", t.uint16, present_if="status == 0 and direction == 0"),
        Field(
            "reportable_change",
            Typed("data_type"),
            present_if="status == 0 and direction == 0 and is_analog(data_type)",
        ),
        Field("timeout_period", t.uint16, present_if="status == 0 and direction == 1"),
    ],
)
ATTRIBUTE_REPORT = Schema(
    "attribute_report",
    [
        Field("attribute_id", t.uint16),
        Field("data_type", DataType),
        Field("value", Typed("data_type", "attribute_id")),
    ],
)
ATTRIBUTE_INFORMATION = Schema(
    "attribute_information",
    [Field("attribute_id", t.uint16), Field("data_type", DataType)],
)
EXTENDED_ATTRIBUTE_INFORMATION = Schema(
    "extended_attribute_information",
    [
        Field("attribute_id", t.uint16),
        Field("data_type", DataType),
        Field("access_control", t.map8, note="bit0 readable, bit1 writable, bit2 reportable"),
    ],
)
STRUCTURED_READ_SELECTOR = Schema(
    "read_attribute_selector",
    [
        Field("attribute_id", t.uint16),
        Field("indicator", t.uint8, note="number of indexes; 0 = the whole attribute"),
        Field("indexes", ListOf(t.uint16, count="indicator")),
    ],
)


def _foundation() -> dict[int, Command]:
    cmds = [
        Command(
            0x00,
            "read_attributes",
            [Field("attribute_ids", ListOf(t.uint16))],
            response="read_attributes_response",
            attributes_of="receiver",
        ),
        Command(
            0x01,
            "read_attributes_response",
            [Field("records", ListOf(READ_ATTRIBUTE_STATUS))],
            attributes_of="sender",
        ),
        Command(
            0x02,
            "write_attributes",
            [Field("records", ListOf(WRITE_ATTRIBUTE))],
            response="write_attributes_response",
            attributes_of="receiver",
        ),
        Command(
            0x03,
            "write_attributes_undivided",
            [Field("records", ListOf(WRITE_ATTRIBUTE))],
            note="all or nothing",
            response="write_attributes_response",
            attributes_of="receiver",
        ),
        Command(
            0x04,
            "write_attributes_response",
            [Field("records", ListOf(WRITE_ATTRIBUTE_STATUS))],
            note="a single SUCCESS status when every write succeeded, else the failures",
            attributes_of="sender",
        ),
        Command(
            0x05,
            "write_attributes_no_response",
            [Field("records", ListOf(WRITE_ATTRIBUTE))],
            attributes_of="receiver",
        ),
        Command(
            0x06,
            "configure_reporting",
            [Field("records", ListOf(ATTRIBUTE_REPORTING_CONFIGURATION))],
            response="configure_reporting_response",
            attributes_of="receiver",
        ),
        Command(
            0x07,
            "configure_reporting_response",
            [Field("records", ListOf(ATTRIBUTE_STATUS))],
            note="a single SUCCESS status when every record succeeded, else the failures",
            attributes_of="sender",
        ),
        Command(
            0x08,
            "read_reporting_configuration",
            [Field("records", ListOf(ATTRIBUTE_RECORD))],
            response="read_reporting_configuration_response",
            attributes_of="receiver",
        ),
        Command(
            0x09,
            "read_reporting_configuration_response",
            [Field("records", ListOf(REPORTING_CONFIGURATION_STATUS))],
            attributes_of="sender",
        ),
        Command(
            0x0A,
            "report_attributes",
            [Field("records", ListOf(ATTRIBUTE_REPORT))],
            attributes_of="sender",
        ),
        Command(
            0x0B,
            "default_response",
            [Field("command_id", t.uint8), Field("status", Status)],
        ),
        Command(
            0x0C,
            "discover_attributes",
            [Field("start_attribute_id", t.uint16), Field("maximum_attribute_ids", t.uint8)],
            response="discover_attributes_response",
            attributes_of="receiver",
        ),
        Command(
            0x0D,
            "discover_attributes_response",
            [
                Field("discovery_complete", t.boolean, note="true: no more attributes"),
                Field("records", ListOf(ATTRIBUTE_INFORMATION)),
            ],
            attributes_of="sender",
        ),
        Command(
            0x0E,
            "read_attributes_structured",
            [Field("records", ListOf(STRUCTURED_READ_SELECTOR))],
            response="read_attributes_response",
            attributes_of="receiver",
        ),
        Command(
            0x11,
            "discover_commands_received",
            [Field("start_command_id", t.uint8), Field("maximum_command_ids", t.uint8)],
            response="discover_commands_received_response",
        ),
        Command(
            0x12,
            "discover_commands_received_response",
            [Field("discovery_complete", t.boolean), Field("command_ids", ListOf(t.uint8))],
        ),
        Command(
            0x13,
            "discover_commands_generated",
            [Field("start_command_id", t.uint8), Field("maximum_command_ids", t.uint8)],
            response="discover_commands_generated_response",
        ),
        Command(
            0x14,
            "discover_commands_generated_response",
            [Field("discovery_complete", t.boolean), Field("command_ids", ListOf(t.uint8))],
        ),
        Command(
            0x15,
            "discover_attributes_extended",
            [Field("start_attribute_id", t.uint16), Field("maximum_attribute_ids", t.uint8)],
            response="discover_attributes_extended_response",
            attributes_of="receiver",
        ),
        Command(
            0x16,
            "discover_attributes_extended_response",
            [
                Field("discovery_complete", t.boolean),
                Field("records", ListOf(EXTENDED_ATTRIBUTE_INFORMATION)),
            ],
            attributes_of="sender",
        ),
    ]
    return {c.id: c for c in cmds}


FOUNDATION = MappingProxyType(_foundation())
"""Foundation commands by command id (the same in both directions)."""
