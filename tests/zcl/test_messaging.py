"""Messaging cluster 0x0703: se-spec.md §2.7 layouts and the §6.6 vectors.

Expected values are the ones the reference states for each vector, never values printed by the
code under test.
"""

from __future__ import annotations

from typing import Any

import pytest

from segateway.zcl.cluster import Side
from segateway.zcl.clusters.messaging import (
    ExtendedMessageControl,
    MessageConfirmationControl,
    MessageControl,
    MessageImportance,
    MessageTransmission,
    Messaging,
)
from segateway.zcl.errors import EncodeError
from segateway.zcl.frame import decode_frame, encode_frame
from segateway.zcl.header import Direction

from .helpers import accepted_prefixes
from .helpers import annotated_hex as _hex


def _accepted_prefixes(frame: bytes, header_len: int = 3) -> set[int]:
    return accepted_prefixes(frame, Messaging, header_len)


ALL_COMMANDS = [*Messaging.server_to_client, *Messaging.client_to_server]


# --- declarations --------------------------------------------------------------------------------


def test_cluster_identity_and_attributes() -> None:
    """§2.7 "No attributes", plus the SE-wide AttributeReportingStatus of §1.6."""
    assert (Messaging.id, Messaging.name) == (0x0703, "messaging")
    assert sorted(Messaging.attributes_by_side[Side.server]) == [0xFFFE]
    assert Messaging.attributes_by_side[Side.client] == {}


def test_command_ids_and_directions() -> None:
    """§2.7 command table."""
    assert {c.id: c.name for c in Messaging.server_to_client} == {
        0x00: "display_message",
        0x01: "cancel_message",
        0x02: "display_protected_message",
        0x03: "cancel_all_messages",
    }
    assert {c.id: c.name for c in Messaging.client_to_server} == {
        0x00: "get_last_message",
        0x01: "message_confirmation",
        0x02: "get_message_cancellation",
    }
    assert Messaging.commands.get_last_message.fields == ()
    assert Messaging.commands.get_last_message.response == "display_message"


@pytest.mark.parametrize(
    ("byte", "transmission", "importance", "enhanced", "confirmation"),
    [
        (0x00, MessageTransmission.normal, MessageImportance.low, False, False),
        (
            0x01,
            MessageTransmission.normal_and_anonymous_inter_pan,
            MessageImportance.low,
            False,
            False,
        ),
        (0x02, MessageTransmission.anonymous_inter_pan_only, MessageImportance.low, False, False),
        (0x04, MessageTransmission.normal, MessageImportance.medium, False, False),
        (0x08, MessageTransmission.normal, MessageImportance.high, False, False),
        (0x0C, MessageTransmission.normal, MessageImportance.critical, False, False),
        (0x20, MessageTransmission.normal, MessageImportance.low, True, False),
        (0x80, MessageTransmission.normal, MessageImportance.low, False, True),
        (0x88, MessageTransmission.normal, MessageImportance.high, False, True),
    ],
)
def test_message_control_bits(
    byte: int,
    transmission: MessageTransmission,
    importance: MessageImportance,
    enhanced: bool,
    confirmation: bool,
) -> None:
    """§2.7 Message Control table: bits 0–1 transmission, 2–3 importance, 5, 7."""
    control = MessageControl(byte)
    assert control.transmission is transmission
    assert control.importance is importance
    assert control.enhanced_confirmation_required is enhanced
    assert control.message_confirmation_required is confirmation
    assert MessageControl.build(**control.parts()) == byte


def test_message_control_reserved_bits_survive() -> None:
    """Transmission 3 is reserved, bits 4 and 6 are reserved: decoded, kept, re-encoded."""
    data = _hex("09 01 01  42 00 00 00  53  # control 0x53: tx 3, bits 4 and 6 set")
    frame = decode_frame(data, Messaging)
    control = frame.payload.message_control
    assert control == 0x53
    assert control.transmission.name == "undefined_0x03"
    assert control.importance is MessageImportance.low
    assert frame.encode() == data


def test_message_control_reserved_bits_survive_json() -> None:
    command = Messaging.commands.cancel_message
    payload = bytes.fromhex("4200000053")  # message id 0x42, control 0x53 (reserved bits)
    record, _ = command.decode(payload)
    assert command.encode(command.schema.to_json(record)) == payload


def test_small_bitmaps() -> None:
    assert ExtendedMessageControl.message_confirmation_status == 0x01
    assert MessageConfirmationControl.no_returned == 0x01
    assert MessageConfirmationControl.yes_returned == 0x02


# --- §6.6 Display Message ------------------------------------------------------------------------

DISPLAY_NOTE = "09 06 00 42 00 00 00 88 00 00 00 00 FF FF 05 48 65 6C 6C 6F"
DISPLAY = _hex("""
    09              # frame control: cluster-specific, server->client
    06              # TSN 6
    00              # command 0x00 Display Message
    42 00 00 00     # message id 0x42
    88              # message control: confirmation required, importance high, normal tx
    00 00 00 00     # start time: now
    FF FF           # duration: until changed
    05 48 65 6C 6C 6F  # message "Hello"
""")
DISPLAY_FIELDS = {
    "message_id": 0x42,
    "message_control": 0x88,
    "start_time": 0,
    "duration_in_minutes": 0xFFFF,
    "message": "Hello",
    "extended_message_control": None,
}


def test_display_message_decodes_to_the_stated_values() -> None:
    assert bytes.fromhex(DISPLAY_NOTE) == DISPLAY
    frame = decode_frame(DISPLAY, Messaging)
    assert frame.command is Messaging.commands.display_message
    assert frame.header.direction is Direction.server_to_client
    assert frame.header.tsn == 6
    assert frame.payload._asdict() == DISPLAY_FIELDS
    control = frame.payload.message_control
    assert control.message_confirmation_required is True
    assert control.importance is MessageImportance.high
    assert control.transmission is MessageTransmission.normal
    assert frame.rest == b""
    assert frame.encode() == DISPLAY


def test_display_message_cuts() -> None:
    assert _accepted_prefixes(DISPLAY) == set()


def test_display_message_se12_extension_and_trailing_bytes() -> None:
    se12 = DISPLAY + _hex("01  # extended message control: confirmation status (SE 1.2a)")
    frame = decode_frame(se12, Messaging)
    assert frame.payload._asdict() == {**DISPLAY_FIELDS, "extended_message_control": 0x01}
    assert frame.encode() == se12
    assert _accepted_prefixes(se12) == {17}
    frame = decode_frame(se12 + b"\xaa\xbb", Messaging)
    assert frame.payload._asdict() == {**DISPLAY_FIELDS, "extended_message_control": 0x01}
    assert frame.rest == b"\xaa\xbb"
    assert frame.encode() == se12 + b"\xaa\xbb"


def test_display_message_from_a_plain_dict() -> None:
    plain = {
        "message_id": 0x42,
        "message_control": {"importance": 2, "message_confirmation_required": True},
        "start_time": 0,
        "duration_in_minutes": 0xFFFF,
        "message": "Hello",
    }
    command = Messaging.commands.display_message
    assert encode_frame(command, plain, tsn=6) == DISPLAY
    record = command.make(plain)
    assert command.encode(record) == command.encode(plain) == DISPLAY[3:]


def test_display_protected_message_has_the_display_layout() -> None:
    data = DISPLAY[:2] + b"\x02" + DISPLAY[3:]
    frame = decode_frame(data, Messaging)
    assert frame.command is Messaging.commands.display_protected_message
    assert frame.payload._asdict() == DISPLAY_FIELDS
    assert frame.encode() == data


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("message_id", -1),
        ("duration_in_minutes", 0x10000),
        ("message", "x" * 255),
        ("message", b"Hello"),
        ("extended_message_control", 0x100),
    ],
)
def test_display_message_out_of_range_values_are_refused(field: str, value: Any) -> None:
    with pytest.raises(EncodeError):
        Messaging.commands.display_message.encode({**DISPLAY_FIELDS, field: value})


def test_message_control_out_of_range_is_an_encode_error() -> None:
    with pytest.raises(EncodeError):
        Messaging.commands.display_message.encode({**DISPLAY_FIELDS, "message_control": 0x100})


@pytest.mark.parametrize(
    "control",
    [{"importance": "urgent"}, {"importance": 4}, {"colour": 1}, "0x1FF"],
)
def test_message_control_bad_parts_are_refused(control: Any) -> None:
    with pytest.raises(EncodeError):
        Messaging.commands.display_message.encode({**DISPLAY_FIELDS, "message_control": control})


def test_message_control_from_part_names() -> None:
    plain = {
        **DISPLAY_FIELDS,
        "message_control": {
            "transmission": "normal",
            "importance": "high",
            "message_confirmation_required": True,
        },
    }
    assert Messaging.commands.display_message.encode(plain) == DISPLAY[3:]


def test_display_message_json_round_trip() -> None:
    command = Messaging.commands.display_message
    record, _ = command.decode(DISPLAY[3:])
    assert command.encode(command.schema.to_json(record)) == DISPLAY[3:]


# --- Cancel Message, Cancel All Messages, Get Message Cancellation, Get Last Message ----------


def test_cancel_message() -> None:
    data = _hex("""
        09           # frame control: cluster-specific, server->client
        0A           # TSN 10
        01           # command 0x01 Cancel Message
        42 00 00 00  # message id 0x42
        88           # message control 0x88
    """)
    frame = decode_frame(data, Messaging)
    assert frame.command is Messaging.commands.cancel_message
    assert frame.payload._asdict() == {"message_id": 0x42, "message_control": 0x88}
    assert frame.encode() == data
    assert _accepted_prefixes(data) == set()
    frame = decode_frame(data + b"\x00", Messaging)
    assert frame.rest == b"\x00"
    assert frame.payload._asdict() == {"message_id": 0x42, "message_control": 0x88}


def test_cancel_all_messages_and_get_message_cancellation() -> None:
    cancel_all = _hex("09 0B 03  00 1C 70 30  # implementation date/time 812653568")
    frame = decode_frame(cancel_all, Messaging)
    assert frame.command is Messaging.commands.cancel_all_messages
    assert frame.payload.implementation_date_time == 812653568
    assert frame.encode() == cancel_all
    get = _hex("01 0C 02  00 00 00 00  # earliest implementation time 0")
    frame = decode_frame(get, Messaging)
    assert frame.command is Messaging.commands.get_message_cancellation
    assert frame.payload.earliest_implementation_time == 0
    assert frame.command.response == "cancel_all_messages"
    assert _accepted_prefixes(cancel_all) == _accepted_prefixes(get) == set()
    for data in (cancel_all, get):
        whole = decode_frame(data, Messaging)
        longer = decode_frame(data + b"\x07", Messaging)
        assert longer.payload == whole.payload
        assert longer.rest == b"\x07"


def test_get_last_message_has_no_payload() -> None:
    """§8: Get Last Message carries no payload (Wireshark, Ember)."""
    data = _hex("01 0D 00  # client->server, TSN 13, command 0x00")
    frame = decode_frame(data, Messaging)
    assert frame.command is Messaging.commands.get_last_message
    assert tuple(frame.payload) == ()
    assert frame.encode() == data
    frame = decode_frame(data + b"\x42", Messaging)
    assert frame.rest == b"\x42"
    assert frame.encode() == data + b"\x42"


# --- §6.6 Message Confirmation -------------------------------------------------------------------

CONFIRM_NOTE = "01 07 01 42 00 00 00 84 1C 70 30"
CONFIRM = _hex("""
    01           # frame control: cluster-specific, client->server
    07           # TSN 7
    01           # command 0x01 Message Confirmation
    42 00 00 00  # message id 0x42
    84 1C 70 30  # confirmation time 812653700
""")
CONFIRM_FIELDS = {
    "message_id": 0x42,
    "confirmation_time": 812653700,
    "message_confirmation_control": None,
    "message_response": None,
}


def test_message_confirmation_decodes_to_the_stated_values() -> None:
    assert bytes.fromhex(CONFIRM_NOTE) == CONFIRM
    frame = decode_frame(CONFIRM, Messaging)
    assert frame.command is Messaging.commands.message_confirmation
    assert frame.header.direction is Direction.client_to_server
    assert frame.header.tsn == 7
    assert frame.payload._asdict() == CONFIRM_FIELDS
    assert frame.rest == b""
    assert frame.encode() == CONFIRM
    assert _accepted_prefixes(CONFIRM) == set()


def test_message_confirmation_se12_tail() -> None:
    se12 = CONFIRM + _hex("""
        02           # message confirmation control: "yes" returned (SE 1.2a)
        03 59 65 73  # message response "Yes" (octet string, SE 1.2a)
    """)
    expected = {**CONFIRM_FIELDS, "message_confirmation_control": 0x02, "message_response": b"Yes"}
    frame = decode_frame(se12, Messaging)
    assert frame.payload._asdict() == expected
    assert frame.payload.message_confirmation_control is MessageConfirmationControl.yes_returned
    assert frame.encode() == se12
    assert _accepted_prefixes(se12) == {8, 9}
    frame = decode_frame(se12 + b"\xee", Messaging)
    assert frame.payload._asdict() == expected
    assert frame.rest == b"\xee"
    plain = {
        **expected,
        "message_confirmation_control": ["yes_returned"],
        "message_response": "596573",
    }
    assert Messaging.commands.message_confirmation.encode(plain) == se12[3:]


def test_message_confirmation_gap_is_refused() -> None:
    """A later optional field without the earlier one cannot be put on the wire."""
    with pytest.raises(EncodeError):
        Messaging.commands.message_confirmation.encode(
            {**CONFIRM_FIELDS, "message_response": b"Yes"}
        )


# --- every command -------------------------------------------------------------------------------
