"""DRLC cluster 0x0701: se-spec.md §2.5 layouts and the §6.6 vectors.

Expected values are the ones the reference states for each vector, never values printed by the
code under test.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from segateway.zcl import types as t
from segateway.zcl.cluster import Side
from segateway.zcl.clusters.drlc import (
    CancelControl,
    CriticalityLevel,
    DeviceClass,
    Drlc,
    EventControl,
    EventStatus,
    SignatureType,
)
from segateway.zcl.errors import EncodeError
from segateway.zcl.frame import decode_frame, encode_frame
from segateway.zcl.header import Direction

from .helpers import accepted_prefixes
from .helpers import annotated_hex as _hex


def _accepted_prefixes(frame: bytes, header_len: int = 3) -> set[int]:
    return accepted_prefixes(frame, Drlc, header_len)


ALL_COMMANDS = [*Drlc.server_to_client, *Drlc.client_to_server]


# --- declarations --------------------------------------------------------------------------------


def test_cluster_identity() -> None:
    assert Drlc.id == 0x0701
    assert Drlc.name == "drlc"
    assert Drlc.label == "Demand Response and Load Control"


def test_attributes_are_on_the_client_side_only() -> None:
    """§2.5.1: "Attributes (client side; server has none)"."""
    assert Drlc.attributes_by_side[Side.server] == {}
    client = Drlc.attributes_by_side[Side.client]
    assert sorted(client) == [0x0000, 0x0001, 0x0002, 0x0003, 0xFFFE]
    assert [client[i].name for i in range(4)] == [
        "utility_enrollment_group",
        "start_randomization_minutes",
        "duration_randomization_minutes",
        "device_class_value",
    ]
    assert [client[i].default for i in range(3)] == [0x00, 0x1E, 0x00]
    assert client[0x0001].range == (0x00, 0x3C)
    assert client[0x0002].range == (0x00, 0x3C)
    assert all(client[i].writable for i in range(4))
    assert client[0x0003].wire is t.uint16


def test_command_ids_and_directions() -> None:
    """§2.5.2 command table."""
    s2c = {c.id: c.name for c in Drlc.server_to_client}
    c2s = {c.id: c.name for c in Drlc.client_to_server}
    assert s2c == {
        0x00: "load_control_event",
        0x01: "cancel_load_control_event",
        0x02: "cancel_all_load_control_events",
    }
    assert c2s == {0x00: "report_event_status", 0x01: "get_scheduled_events"}


def test_device_class_bits() -> None:
    """§2.5.2 Device Class table: bits 0–11 named, 0xF000 reserved."""
    assert {m.name: m.value for m in DeviceClass} == {
        "hvac_compressor_or_furnace": 0x0001,
        "strip_heaters_baseboard_heaters": 0x0002,
        "water_heater": 0x0004,
        "pool_pump_spa_jacuzzi": 0x0008,
        "smart_appliances": 0x0010,
        "irrigation_pump": 0x0020,
        "managed_commercial_industrial_loads": 0x0040,
        "simple_misc_loads": 0x0080,
        "exterior_lighting": 0x0100,
        "interior_lighting": 0x0200,
        "electric_vehicle": 0x0400,
        "generation_systems": 0x0800,
    }


def test_criticality_levels() -> None:
    """§2.5.2: 0x00 reserved, 0x01 Green, 0x02–0x06 Level 1–5, 0x07 Emergency, 0x08 Planned
    Outage, 0x09 Service Disconnect, 0x0A–0x0F Utility Defined 1–6."""
    expected = {
        "reserved": 0x00,
        "green": 0x01,
        "emergency": 0x07,
        "planned_outage": 0x08,
        "service_disconnect": 0x09,
    }
    expected |= {f"level_{n}": 0x01 + n for n in range(1, 6)}
    expected |= {f"utility_defined_{n}": 0x09 + n for n in range(1, 7)}
    assert {m.name: m.value for m in CriticalityLevel} == expected


def test_event_status_values() -> None:
    """§2.5.2 Event Status table: every value with a meaning has a member."""
    assert {m.value for m in EventStatus} == {
        *range(0x01, 0x0B),
        0xF6,
        0xF7,
        0xF8,
        0xF9,
        0xFB,
        0xFD,
        0xFE,
    }
    assert EventStatus(0x01) is EventStatus.load_control_event_command_received
    assert EventStatus(0x07) is EventStatus.event_superseded
    assert EventStatus(0xFB) is EventStatus.rejected_event_expired
    assert EventStatus(0xFD) is EventStatus.rejected_invalid_cancel_undefined_event
    assert EventStatus(0xFE) is EventStatus.load_control_event_command_rejected
    # a reserved code still decodes to something usable
    assert EventStatus(0xFA).name == "undefined_0xfa"


def test_small_bitmaps_and_signature_type() -> None:
    assert EventControl.randomize_start_time == 0x01
    assert EventControl.randomize_end_time == 0x02
    assert CancelControl.terminate_with_randomization == 0x01
    assert SignatureType.no_signature == 0x00
    assert SignatureType.ecdsa == 0x01


# --- §6.6 Load Control Event ---------------------------------------------------------------------

LCE_NOTE = "09 01 00 78 56 34 12 FF 0F 00 00 00 00 00 3C 00 05 FF FF 00 80 00 80 80 FF 03"
LCE = _hex("""
    09           # frame control: cluster-specific, server->client
    01           # TSN 1
    00           # command 0x00 Load Control Event
    78 56 34 12  # issuer event id 0x12345678
    FF 0F        # device class 0x0FFF (all twelve classes)
    00           # utility enrollment group 0
    00 00 00 00  # start time: now
    3C 00        # duration 60 minutes
    05           # criticality level 0x05
    FF           # cooling temperature offset: not used
    FF           # heating temperature offset: not used
    00 80        # cooling temperature set point: not used (0x8000)
    00 80        # heating temperature set point: not used (0x8000)
    80           # average load adjustment percentage: not used (0x80)
    FF           # duty cycle: not used
    03           # event control: randomize start and end
""")
LCE_FIELDS = {
    "issuer_event_id": 0x12345678,
    "device_class": 0x0FFF,
    "utility_enrollment_group": 0,
    "start_time": 0,
    "duration_in_minutes": 60,
    "criticality_level": 0x05,
    "cooling_temperature_offset": 0xFF,
    "heating_temperature_offset": 0xFF,
    "cooling_temperature_set_point": -0x8000,  # 0x8000 read as int16
    "heating_temperature_set_point": -0x8000,
    "average_load_adjustment_percentage": -0x80,  # 0x80 read as int8
    "duty_cycle": 0xFF,
    "event_control": 0x03,
}


def test_lce_annotation_matches_the_note() -> None:
    assert bytes.fromhex(LCE_NOTE) == LCE
    assert len(LCE) - 3 == 23  # "payload 23 B"


def test_lce_decodes_to_the_stated_values() -> None:
    frame = decode_frame(LCE, Drlc)
    assert frame.command is Drlc.commands.load_control_event
    assert frame.header.is_cluster_specific
    assert frame.header.direction is Direction.server_to_client
    assert frame.header.tsn == 1
    assert frame.payload._asdict() == LCE_FIELDS
    assert frame.payload.criticality_level is CriticalityLevel.level_4
    assert frame.payload.event_control == (
        EventControl.randomize_start_time | EventControl.randomize_end_time
    )
    assert frame.rest == b""
    assert frame.encode() == LCE


def test_lce_every_cut_is_malformed() -> None:
    assert _accepted_prefixes(LCE) == set()


def test_lce_trailing_bytes_go_to_rest() -> None:
    for extra in (b"\x00", b"\xaa\xbb\xcc"):
        frame = decode_frame(LCE + extra, Drlc)
        assert frame.payload._asdict() == LCE_FIELDS
        assert frame.rest == extra
        assert frame.encode() == LCE + extra


def test_lce_from_a_plain_dict() -> None:
    command = Drlc.commands.load_control_event
    plain = {
        **LCE_FIELDS,
        "criticality_level": "level_4",
        "device_class": [m.name for m in DeviceClass],
        "event_control": ["randomize_start_time", "randomize_end_time"],
    }
    assert command.encode(plain) == LCE[3:]
    assert encode_frame(command, plain, tsn=1) == LCE


def test_emergency_event_from_dict_equals_record() -> None:
    command = Drlc.commands.load_control_event
    plain = {**LCE_FIELDS, "criticality_level": "emergency", "device_class": 0x0FFF}
    record = command.schema.cls(
        **{
            **LCE_FIELDS,
            "criticality_level": CriticalityLevel.emergency,
            "device_class": DeviceClass(0x0FFF),
        }
    )
    assert command.encode(plain) == command.encode(record)
    assert command.encode(plain)[13] == 0x07  # criticality byte: Emergency


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duty_cycle", 300),
        ("duty_cycle", -1),
        ("cooling_temperature_set_point", 0x8000),
        ("average_load_adjustment_percentage", 128),
        ("duration_in_minutes", 0x10000),
        ("issuer_event_id", 1 << 32),
        ("criticality_level", 0x100),
        ("criticality_level", "level_9"),
        ("device_class", 0x10000),
    ],
)
def test_lce_out_of_range_values_are_refused(field: str, value: Any) -> None:
    command = Drlc.commands.load_control_event
    with pytest.raises(EncodeError):
        command.encode({**LCE_FIELDS, field: value})
    record = command.schema.cls(**LCE_FIELDS)
    if not isinstance(value, str):
        with pytest.raises(EncodeError):
            command.encode(record._replace(**{field: value}))


def test_lce_reserved_criticality_decodes_and_round_trips() -> None:
    """Unknown enum values decode to something usable (CONVENTIONS: one wire-type contract)."""
    frame = decode_frame(LCE[:16] + b"\x20" + LCE[17:], Drlc)
    assert frame.payload.criticality_level == 0x20
    assert frame.payload.criticality_level.name == "undefined_0x20"
    assert frame.encode() == LCE[:16] + b"\x20" + LCE[17:]


def test_lce_reserved_criticality_json_round_trip() -> None:
    data = LCE[:16] + b"\x20" + LCE[17:]
    command = Drlc.commands.load_control_event
    record, _ = command.decode(data, 3)
    assert command.encode(command.schema.to_json(record)) == data[3:]


def test_published_xbee_lce() -> None:
    """Cross-check with the LCE that Digi's XBee manual annotates byte by byte."""
    path = Path(__file__).with_name("published_vectors.py")
    spec = importlib.util.spec_from_file_location("published_vectors", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    vectors = module.PUBLISHED_VECTORS
    (vector,) = [v for v in vectors if v["name"] == "drlc_load_control_event_xbee"]
    assert vector["cluster"] == Drlc.id
    data = bytes.fromhex(vector["hex"])
    frame = decode_frame(data, Drlc)
    assert frame.command is not None
    assert frame.command.name == vector["command"]
    assert frame.header.tsn == vector["header"]["tsn"]
    assert int(frame.header.direction) == vector["header"]["direction"]
    signed = {
        "cooling_temperature_set_point": 0xFFFF,
        "heating_temperature_set_point": 0xFFFF,
        "average_load_adjustment_percentage": 0xFF,
    }
    got = {k: v & signed[k] if k in signed else v for k, v in frame.payload._asdict().items()}
    assert got == vector["expected"]
    assert frame.encode() == data


# --- §6.6 Cancel Load Control Event --------------------------------------------------------------

CANCEL_NOTE = "09 02 01 78 56 34 12 FF 0F 00 01 00 00 00 00"
CANCEL = _hex("""
    09           # frame control: cluster-specific, server->client
    02           # TSN 2
    01           # command 0x01 Cancel Load Control Event
    78 56 34 12  # issuer event id 0x12345678
    FF 0F        # device class 0x0FFF
    00           # utility enrollment group 0
    01           # cancel control: terminate with randomization
    00 00 00 00  # effective time: now
""")
CANCEL_FIELDS = {
    "issuer_event_id": 0x12345678,
    "device_class": 0x0FFF,
    "utility_enrollment_group": 0,
    "cancel_control": 0x01,
    "effective_time": 0,
}


def test_cancel_decodes_to_the_stated_values() -> None:
    assert bytes.fromhex(CANCEL_NOTE) == CANCEL
    assert len(CANCEL) - 3 == 12
    frame = decode_frame(CANCEL, Drlc)
    assert frame.command is Drlc.commands.cancel_load_control_event
    assert frame.header.direction is Direction.server_to_client
    assert frame.header.tsn == 2
    assert frame.payload._asdict() == CANCEL_FIELDS
    assert frame.payload.cancel_control is CancelControl.terminate_with_randomization
    assert frame.encode() == CANCEL


def test_cancel_cuts_and_trailing_bytes() -> None:
    assert _accepted_prefixes(CANCEL) == set()
    frame = decode_frame(CANCEL + b"\x01\x02", Drlc)
    assert frame.payload._asdict() == CANCEL_FIELDS
    assert frame.rest == b"\x01\x02"
    assert frame.encode() == CANCEL + b"\x01\x02"


def test_cancel_from_a_plain_dict() -> None:
    plain = {**CANCEL_FIELDS, "cancel_control": ["terminate_with_randomization"]}
    assert Drlc.commands.cancel_load_control_event.encode(plain) == CANCEL[3:]


def test_cancel_all_is_one_byte() -> None:
    """§2.5.2: Cancel All Load Control Events carries Cancel Control only (payload 1 byte)."""
    data = _hex("09 03 02  01  # TSN 3, cmd 0x02, cancel control 0x01")
    frame = decode_frame(data, Drlc)
    assert frame.command is Drlc.commands.cancel_all_load_control_events
    assert frame.payload._asdict() == {"cancel_control": 0x01}
    assert frame.encode() == data
    assert _accepted_prefixes(data) == set()
    frame = decode_frame(data + b"\x00\x00", Drlc)
    assert frame.payload._asdict() == {"cancel_control": 0x01}
    assert frame.rest == b"\x00\x00"


# --- §6.6 Report Event Status --------------------------------------------------------------------

RES_NOTE = "01 22 00 78 56 34 12 01 00 1C 70 30 05 00 80 00 80 80 FF 03 00"
RES = (
    _hex("""
    01           # frame control: cluster-specific, client->server
    22           # TSN 0x22
    00           # command 0x00 Report Event Status
    78 56 34 12  # issuer event id 0x12345678
    01           # event status 0x01: command received
    00 1C 70 30  # event status time 812653568
    05           # criticality level applied 5
    00 80        # cooling set point applied: not used (0x8000)
    00 80        # heating set point applied: not used (0x8000)
    80           # average load adjustment applied: not used (0x80)
    FF           # duty cycle applied: not used
    03           # event control 0x03
    00           # signature type 0x00: no signature
""")
    + b"\xff" * 42
)  # signature: 42 x 0xFF filler
RES_FIELDS = {
    "issuer_event_id": 0x12345678,
    "event_status": 0x01,
    "event_status_time": 812653568,
    "criticality_level_applied": 5,
    "cooling_temperature_set_point_applied": -0x8000,
    "heating_temperature_set_point_applied": -0x8000,
    "average_load_adjustment_percentage_applied": -0x80,
    "duty_cycle_applied": 0xFF,
    "event_control": 0x03,
    "signature_type": 0x00,
    "signature": b"\xff" * 42,
}


def test_res_decodes_to_the_stated_values() -> None:
    assert bytes.fromhex(RES_NOTE) + b"\xff" * 42 == RES
    assert len(RES) - 3 == 60  # "(60 B)"
    frame = decode_frame(RES, Drlc)
    assert frame.command is Drlc.commands.report_event_status
    assert frame.header.direction is Direction.client_to_server
    assert frame.header.tsn == 0x22
    assert frame.payload._asdict() == RES_FIELDS
    assert frame.payload.event_status is EventStatus.load_control_event_command_received
    assert frame.payload.signature_type is SignatureType.no_signature
    assert frame.rest == b""
    assert frame.encode() == RES


def test_res_cuts() -> None:
    """Everything up to the signature type is required; the signature may be any length."""
    assert _accepted_prefixes(RES) == set(range(18, 60))


@pytest.mark.parametrize("length", [0, 42, 1, 41, 43, 64])
def test_res_signature_of_any_length(length: int) -> None:
    """§8: "accept 0 or 42 bytes after the type"; Wireshark reads the rest of the payload."""
    signature = bytes(range(length))
    data = RES[:21] + signature
    frame = decode_frame(data, Drlc)
    expected = {**RES_FIELDS, "signature": signature or None}
    assert frame.payload._asdict() == expected
    assert frame.rest == b""
    assert frame.encode() == data


def test_res_with_ecdsa_signature_from_dict() -> None:
    signature = bytes(range(1, 43))
    plain = {
        **RES_FIELDS,
        "signature_type": "ecdsa",
        "signature": signature.hex(),
        "event_status": "event_started",
    }
    payload = Drlc.commands.report_event_status.encode(plain)
    assert payload[4] == 0x02
    assert payload[17] == 0x01
    assert payload[18:] == signature


# --- Get Scheduled Events ------------------------------------------------------------------------

GET_EVENTS_SE11 = _hex("""
    01           # frame control: cluster-specific, client->server
    09           # TSN 9
    01           # command 0x01 Get Scheduled Events
    00 00 00 00  # start time: now
    00           # number of events: all
""")


def test_get_scheduled_events_se11_and_se12() -> None:
    frame = decode_frame(GET_EVENTS_SE11, Drlc)
    assert frame.command is Drlc.commands.get_scheduled_events
    assert frame.payload._asdict() == {
        "start_time": 0,
        "number_of_events": 0,
        "issuer_event_id": None,
    }
    assert frame.encode() == GET_EVENTS_SE11
    se12 = GET_EVENTS_SE11 + _hex("78 56 34 12  # issuer event id 0x12345678 (SE 1.2)")
    frame = decode_frame(se12, Drlc)
    assert frame.payload.issuer_event_id == 0x12345678
    assert frame.encode() == se12
    assert _accepted_prefixes(se12) == {5}
    assert Drlc.commands.get_scheduled_events.response == "load_control_event"


# --- every command -------------------------------------------------------------------------------
