"""Messaging cluster 0x0703 (se-spec.md §2.7): text messages from the ESI to in-home displays."""

from __future__ import annotations

from .. import types as t
from ..cluster import Cluster, Command
from ..schema import Field
from ..types import Bitmap8, BitStruct8, Enum8, Part
from .common import ATTRIBUTE_REPORTING_STATUS

__all__ = [
    "ExtendedMessageControl",
    "MessageConfirmationControl",
    "MessageControl",
    "MessageImportance",
    "MessageTransmission",
    "Messaging",
]


class MessageTransmission(Enum8):
    """Message Control bits 0–1: how the message is sent (3 reserved)."""

    normal = 0
    normal_and_anonymous_inter_pan = 1
    anonymous_inter_pan_only = 2


class MessageImportance(Enum8):
    """Message Control bits 2–3."""

    low = 0
    medium = 1
    high = 2
    critical = 3


class MessageControl(BitStruct8):
    """Message Control (bits 4 and 6 reserved; bit 5 reserved before SE 1.2a)."""

    __slots__ = ()
    transmission = Part(0, 2, MessageTransmission)
    importance = Part(2, 2, MessageImportance)
    enhanced_confirmation_required = Part(5, 1, bool)
    message_confirmation_required = Part(7, 1, bool)


class ExtendedMessageControl(Bitmap8):
    """Extended Message Control (SE 1.2a)."""

    message_confirmation_status = 0x01


class MessageConfirmationControl(Bitmap8):
    """Message Confirmation Control (SE 1.2a): the answer the user gave."""

    no_returned = 0x01
    yes_returned = 0x02


def _display_fields() -> list[Field]:
    return [
        Field("message_id", t.uint32),
        Field("message_control", MessageControl),
        Field("start_time", t.utc_time, note="0 = now"),
        Field("duration_in_minutes", t.uint16, note="0xFFFF = until changed"),
        Field("message", t.char_string, note="UTF-8"),
        Field("extended_message_control", ExtendedMessageControl, optional=True, since="1.2a"),
    ]


class Messaging(Cluster):
    """Messaging: the server shows messages on the client's display and collects confirmations."""

    id = 0x0703
    name = "messaging"
    label = "Messaging"
    server_attributes = (ATTRIBUTE_REPORTING_STATUS,)
    server_to_client = (
        Command(
            0x00,
            "display_message",
            _display_fields(),
            note="a new message id replaces the message on display",
        ),
        Command(
            0x01,
            "cancel_message",
            [Field("message_id", t.uint32), Field("message_control", MessageControl)],
        ),
        Command(0x02, "display_protected_message", _display_fields(), since="1.2a"),
        Command(
            0x03,
            "cancel_all_messages",
            [Field("implementation_date_time", t.utc_time)],
            since="1.2a",
        ),
    )
    client_to_server = (
        Command(
            0x00,
            "get_last_message",
            response="display_message",
            note="no payload; answered with Display Message, or NOT_FOUND",
        ),
        Command(
            0x01,
            "message_confirmation",
            [
                Field("message_id", t.uint32),
                Field("confirmation_time", t.utc_time),
                Field(
                    "message_confirmation_control",
                    MessageConfirmationControl,
                    optional=True,
                    since="1.2a",
                ),
                Field(
                    "message_response",
                    t.octet_string,
                    optional=True,
                    since="1.2a",
                    note="≤ 20 octets",
                ),
            ],
        ),
        Command(
            0x02,
            "get_message_cancellation",
            [Field("earliest_implementation_time", t.utc_time)],
            since="1.2a",
            response="cancel_all_messages",
        ),
    )
