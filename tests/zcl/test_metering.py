"""Simple Metering 0x0702: se-spec.md §2.6 tables, the §6.6 vectors, and round-trip properties.

Expected values are transcribed from se-spec.md (§2.6 tables and the statements next to each §6.6
vector), never printed by our code. This module also holds the schema-driven Hypothesis
strategies that the other cluster tests import.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from segateway.zcl.cluster import Access, Side
from segateway.zcl.clusters.common import UnitOfMeasure
from segateway.zcl.clusters.metering import (
    Formatting,
    GetProfileStatus,
    IntervalChannel,
    Metering,
    MeteringDeviceType,
    ProfileIntervalPeriod,
)
from segateway.zcl.frame import decode_frame
from segateway.zcl.header import Direction
from segateway.zcl.registry import CLUSTERS

from .helpers import (
    assert_prefixes_consistent,
    assert_prefixes_rejected,
    assert_trailing_bytes_kept,
    check_commands,
    check_declarations,
)

# ---------------------------------------------------------------------------------------------
# §6.6 vectors (constructed for the reference note, values as the note states them)

GET_PROFILE = bytes.fromhex(
    "01"  # frame control: cluster-specific, client → server
    "08"  # TSN 8
    "00"  # command 0x00 Get Profile
    "00"  # interval channel 0x00: consumption delivered
    "00000000"  # end time 0: the most recent interval
    "18"  # number of periods: 24
)

GET_PROFILE_RESPONSE = bytes.fromhex(
    "09"  # frame control: cluster-specific, server → client
    "08"  # TSN 8 (answers Get Profile TSN 8)
    "00"  # command 0x00 Get Profile Response
    "901a7030"  # end time 812653200
    "00"  # status 0x00 success
    "03"  # profile interval period 0x03: 15 minutes
    "02"  # number of periods delivered: 2
    "7b0000"  # interval 1: 123
    "ffffff"  # interval 2: 0xFFFFFF, no valid data
)

READ_ATTRIBUTES = bytes.fromhex(
    "00"  # frame control: profile-wide, client → server
    "09"  # TSN 9
    "00"  # command 0x00 Read Attributes
    "0000"  # CurrentSummationDelivered
    "0003"  # UnitofMeasure
    "0103"  # Multiplier
    "0203"  # Divisor
    "0303"  # SummationFormatting
)

READ_ATTRIBUTES_RESPONSE = bytes.fromhex(
    "18"  # frame control: profile-wide, server → client, default response disabled
    "09"  # TSN 9
    "01"  # command 0x01 Read Attributes Response
    "0000"
    "00"
    "25"
    "15cd5b070000"  # 0x0000 SUCCESS uint48 123456789
    "0003"
    "00"
    "30"
    "00"  # 0x0300 SUCCESS enum8 kWh
    "0103"
    "00"
    "22"
    "010000"  # 0x0301 SUCCESS uint24 multiplier 1
    "0203"
    "00"
    "22"
    "e80300"  # 0x0302 SUCCESS uint24 divisor 1000
    "0303"
    "00"
    "18"
    "33"  # 0x0303 SUCCESS bitmap8 formatting 0x33
)


def test_vector_get_profile() -> None:
    frame = decode_frame(GET_PROFILE, Metering)
    assert frame.header.tsn == 8
    assert frame.header.direction == Direction.client_to_server
    assert frame.command is Metering.commands.get_profile
    p = frame.payload
    assert p.interval_channel == 0x00
    assert p.interval_channel is IntervalChannel.consumption_delivered
    assert p.end_time == 0
    assert p.number_of_periods == 24
    assert frame.rest == b""
    assert frame.encode() == GET_PROFILE
    assert_prefixes_rejected(GET_PROFILE, Metering)
    assert_trailing_bytes_kept(GET_PROFILE, Metering)


def test_vector_get_profile_response() -> None:
    frame = decode_frame(GET_PROFILE_RESPONSE, Metering)
    assert frame.header.tsn == 8
    assert frame.header.direction == Direction.server_to_client
    assert frame.command is Metering.commands.get_profile_response
    p = frame.payload
    assert p.end_time == 812653200
    assert p.status is GetProfileStatus.success
    assert p.profile_interval_period is ProfileIntervalPeriod.minutes_15
    assert p.number_of_periods_delivered == 2
    assert p.intervals == [123, 0xFFFFFF]
    assert frame.encode() == GET_PROFILE_RESPONSE
    assert_prefixes_rejected(GET_PROFILE_RESPONSE, Metering)
    assert_trailing_bytes_kept(GET_PROFILE_RESPONSE, Metering)


def test_vector_read_attributes() -> None:
    frame = decode_frame(READ_ATTRIBUTES, Metering)
    assert frame.header.tsn == 9
    assert frame.header.is_global
    assert frame.command is not None
    assert frame.command.name == "read_attributes"
    assert frame.payload.attribute_ids == [0x0000, 0x0300, 0x0301, 0x0302, 0x0303]
    assert frame.encode() == READ_ATTRIBUTES
    assert_prefixes_consistent(READ_ATTRIBUTES, Metering, "attribute_ids")


def test_vector_read_attributes_response() -> None:
    frame = decode_frame(READ_ATTRIBUTES_RESPONSE, Metering)
    assert frame.header.tsn == 9
    assert frame.header.direction == Direction.server_to_client
    assert frame.header.disable_default_response
    assert frame.command is not None
    assert frame.command.name == "read_attributes_response"
    records = {r.attribute_id: r for r in frame.payload.records}
    assert list(records) == [0x0000, 0x0300, 0x0301, 0x0302, 0x0303]
    assert all(r.status == 0x00 for r in records.values())
    assert [r.data_type for r in records.values()] == [0x25, 0x30, 0x22, 0x22, 0x18]
    summation = records[0x0000].value
    unit = records[0x0300].value
    multiplier = records[0x0301].value
    divisor = records[0x0302].value
    formatting = records[0x0303].value
    assert summation == 123456789
    assert unit is UnitOfMeasure.kwh
    assert multiplier == 1
    assert divisor == 1000
    assert formatting == 0x33
    assert isinstance(formatting, Formatting)
    assert formatting.digits_left == 6
    assert formatting.digits_right == 3
    assert formatting.suppress_leading_zeros is False
    # "→ 123456.789 kWh": scaling is multiplier ÷ divisor; the formatting only shows 3 decimals
    assert Fraction(summation * multiplier, divisor) == Fraction(Decimal("123456.789"))
    assert frame.encode() == READ_ATTRIBUTES_RESPONSE
    assert_prefixes_consistent(READ_ATTRIBUTES_RESPONSE, Metering, "records")


# ---------------------------------------------------------------------------------------------
# Frames assembled here from the §2.6 layouts (our values, annotated byte by byte)


def test_mirror_commands_travel_as_the_note_says() -> None:
    """§2.6.2: the meter (server) sends Request Mirror; the ESI answers Request Mirror Response.

    zigpy lists these with the directions inverted; this pins ours to the note.
    """
    request = bytes.fromhex("090c01")  # server → client, TSN 0x0C, 0x01 Request Mirror
    frame = decode_frame(request, Metering)
    assert frame.command is Metering.commands.request_mirror
    assert frame.payload == ()
    assert frame.encode() == request
    answer = bytes.fromhex(
        "01"  # cluster-specific, client → server
        "0c"  # TSN 0x0C
        "01"  # 0x01 Request Mirror Response
        "0500"  # endpoint id 5
    )
    frame = decode_frame(answer, Metering)
    assert frame.command is Metering.commands.request_mirror_response
    assert frame.payload.endpoint_id == 5
    assert_prefixes_rejected(answer, Metering)
    assert_trailing_bytes_kept(answer, Metering)
    removed = bytes.fromhex("010d02ffff")  # Mirror Removed, 0xFFFF = not found
    frame = decode_frame(removed, Metering)
    assert frame.command is Metering.commands.mirror_removed
    assert frame.payload.removed_endpoint_id == 0xFFFF
    assert decode_frame(bytes.fromhex("090e02"), Metering).command is (
        Metering.commands.remove_mirror
    )


def test_fast_poll_mode_request_and_response() -> None:
    request = bytes.fromhex(
        "01"  # cluster-specific, client → server
        "20"  # TSN 0x20
        "03"  # 0x03 Request Fast Poll Mode
        "02"  # fast poll update period 2 s
        "0f"  # duration 15 min
    )
    frame = decode_frame(request, Metering)
    assert frame.command is Metering.commands.request_fast_poll_mode
    assert (frame.payload.fast_poll_update_period, frame.payload.duration) == (2, 15)
    assert_prefixes_rejected(request, Metering)
    response = bytes.fromhex(
        "09"  # cluster-specific, server → client
        "20"  # TSN 0x20
        "03"  # 0x03 Request Fast Poll Mode Response
        "05"  # applied update period 5 s
        "001c7030"  # fast poll mode end time 812653568
    )
    frame = decode_frame(response, Metering)
    assert frame.command is Metering.commands.request_fast_poll_mode_response
    assert frame.payload.applied_update_period == 5
    assert frame.payload.fast_poll_mode_endtime == 812653568
    assert_prefixes_rejected(response, Metering)
    assert_trailing_bytes_kept(response, Metering)


def test_instantaneous_demand_is_signed_int24() -> None:
    """§2.6.1: InstantaneousDemand is int24, negative when energy flows out of the premises."""
    report = bytes.fromhex(
        "18"  # profile-wide, server → client, default response disabled
        "0a"  # TSN 0x0A
        "0a"  # 0x0A Report Attributes
        "0004"  # attribute 0x0400 InstantaneousDemand
        "2a"  # int24
        "9cffff"  # -100
        "0603"  # attribute 0x0306 MeteringDeviceType
        "18"  # bitmap8 (enumerated)
        "80"  # 0x80 mirrored gas
    )
    frame = decode_frame(report, Metering)
    demand, device_type = frame.payload.records
    assert demand.value == -100
    assert device_type.value is MeteringDeviceType.mirrored_gas
    assert frame.encode() == report


# ---------------------------------------------------------------------------------------------
# Registry: what §2.6 says must exist, transcribed from the note

_U48, _U16, _I8, _UTC, _U8, _U24, _E8, _I24 = 0x25, 0x21, 0x28, 0xE2, 0x20, 0x22, 0x30, 0x2A
_B8, _B16, _B32, _B64, _OCTETS = 0x18, 0x19, 0x1B, 0x1F, 0x41

_SERVER_ATTRIBUTE_TYPES: dict[int, int] = {
    # Reading Information Set
    0x0000: _U48,
    0x0001: _U48,
    0x0002: _U48,
    0x0003: _U48,
    0x0004: _U48,
    0x0005: _U16,
    0x0006: _I8,
    0x0007: _UTC,
    0x0008: _UTC,
    0x0009: _UTC,
    0x000A: _U8,
    0x000B: _U8,
    0x000C: _U48,
    0x000D: _U24,
    0x000E: _E8,
    0x000F: _E8,
    0x0010: _U16,
    0x0011: _U16,
    0x0012: _U16,
    0x0013: _U8,
    0x0014: _E8,
    0x0015: _U48,
    0x0016: _U48,
    0x0017: _I24,
    0x0018: _I24,
    0x0019: _I24,
    0x001A: _I24,
    0x001B: _I24,
    0x001C: _U48,
    # TOU Information Set: 0x0100 + 2·(tier-1) (+1 received), tiers 1-15 (1.0/1.1)
    **{0x0100 + 2 * (tier - 1) + rx: _U48 for tier in range(1, 16) for rx in (0, 1)},
    # Meter Status Set
    0x0200: _B8,
    0x0201: _U8,
    0x0202: _U24,
    0x0203: _U24,
    # Formatting Set
    0x0300: _E8,
    0x0301: _U24,
    0x0302: _U24,
    0x0303: _B8,
    0x0304: _B8,
    0x0305: _B8,
    0x0306: _B8,
    0x0307: _OCTETS,
    0x0308: _OCTETS,
    0x0309: _E8,
    0x030A: _B8,
    0x030B: _B8,
    0x030C: _E8,
    0x030D: _B8,
    # Historical Consumption Set
    0x0400: _I24,
    0x0401: _U24,
    0x0402: _U24,
    0x0403: _U24,
    0x0404: _U24,
    0x0405: _UTC,
    0x0406: _UTC,
    0x0407: _U24,
    0x0408: _U24,
    0x0409: _U48,
    0x040A: _U48,
    0x040B: _U48,
    0x040C: _U48,
    0x040D: _I24,
    0x040E: _I24,
    0x040F: _I24,
    0x0410: _I24,
    0x0411: _I24,
    0x0412: _I24,
    0x0413: _I24,
    0x0414: _I24,
    0x0415: _I24,
    0x0416: _I24,
    # Load Profile Configuration, Supply Limit
    0x0500: _U8,
    0x0600: _U24,
    0x0601: _U24,
    0x0602: _U8,
    0x0603: _U8,
    # Block Information Set (Delivered)
    **{0x0700 + block: _U48 for block in range(16)},
    **{0x0710 + 16 * (tier - 1) + (b - 1): _U48 for tier in range(1, 16) for b in range(1, 17)},
    # Alarms Set
    0x0800: _B16,
    0x0801: _B32,
    0x0802: _B16,
    0x0803: _B16,
    0x0804: _B16,
    0x0805: _B16,
    # SE 1.2a ids the note types: TOU tiers 16-48, ExtendedStatus
    **{0x0100 + 2 * (tier - 1) + rx: _U48 for tier in range(16, 49) for rx in (0, 1)},
    0x0204: _B64,
    # SE global attribute
    0xFFFE: _E8,
}

_MANDATORY = {0x0000, 0x0200, 0x0300, 0x0303, 0x0306}
_WRITABLE = {0x0800, 0x0801, 0x0802, 0x0803, 0x0804, 0x0805}

_COMMANDS: dict[Direction, dict[int, tuple[str, list[tuple[str, int]]]]] = {
    # id: (name, [(field, wire size in octets, 0 = variable)])
    Direction.client_to_server: {
        0x00: ("get_profile", [("interval_channel", 1), ("end_time", 4), ("number_of_periods", 1)]),
        0x01: ("request_mirror_response", [("endpoint_id", 2)]),
        0x02: ("mirror_removed", [("removed_endpoint_id", 2)]),
        0x03: ("request_fast_poll_mode", [("fast_poll_update_period", 1), ("duration", 1)]),
    },
    Direction.server_to_client: {
        0x00: (
            "get_profile_response",
            [
                ("end_time", 4),
                ("status", 1),
                ("profile_interval_period", 1),
                ("number_of_periods_delivered", 1),
                ("intervals", 0),
            ],
        ),
        0x01: ("request_mirror", []),
        0x02: ("remove_mirror", []),
        0x03: (
            "request_fast_poll_mode_response",
            [("applied_update_period", 1), ("fast_poll_mode_endtime", 4)],
        ),
    },
}


def test_metering_identity() -> None:
    assert (Metering.id, Metering.name, Metering.label) == (0x0702, "metering", "Simple Metering")
    assert CLUSTERS[0x0702] is Metering


def test_metering_server_attributes_from_the_note() -> None:
    declared = Metering.attributes_by_side[Side.server]
    missing = sorted(f"0x{a:04X}" for a in set(_SERVER_ATTRIBUTE_TYPES) - set(declared))
    assert not missing, f"missing attributes {missing}"
    for aid, type_id in _SERVER_ATTRIBUTE_TYPES.items():
        assert declared[aid].wire.type_id == type_id, f"0x{aid:04X} {declared[aid].name}"
    assert {a for a, attr in declared.items() if attr.mandatory} == _MANDATORY
    assert {a for a, attr in declared.items() if Access.write in attr.access} == _WRITABLE
    # the note's 1.2a ids without a type (0x001D-0x0022, 0x030E-0x0314 …) are not declared
    assert not set(range(0x001D, 0x0023)) & set(declared)
    assert not set(range(0x030E, 0x0315)) & set(declared)
    # everything declared beyond the 1.0-1.1b sets is tagged 1.2a
    assert {a for a, attr in declared.items() if attr.since == "1.2a"} == (
        set(range(0x011E, 0x0160)) | {0x01FC, 0x01FE, 0x0204}
    )


def test_metering_attribute_details() -> None:
    a = Metering.attributes
    assert a.current_tier1_summation_delivered.id == 0x0100
    assert a.current_tier1_summation_received.id == 0x0101
    assert a.current_tier15_summation_received.id == 0x011D
    assert a.current_tier7_summation_delivered.since == "1.1"
    assert a.current_tier6_summation_received.since == "1.0"
    assert a.current_no_tier_block16_summation_delivered.id == 0x070F
    assert a.current_tier15_block16_summation_delivered.id == 0x07FF
    assert a.current_tier2_block1_summation_delivered.id == 0x0720
    assert a.previous_block_period_consumption_delivered.since == "1.1b"
    assert a.unit_of_measure.type is UnitOfMeasure
    assert a.energy_carrier_unit_of_measure.type is UnitOfMeasure
    for name in (
        "summation_formatting",
        "demand_formatting",
        "historical_consumption_formatting",
        "energy_carrier_summation_formatting",
        "energy_carrier_demand_formatting",
        "temperature_formatting",
    ):
        assert getattr(a, name).type is Formatting, name
    assert a.default_update_period.default == 0x1E
    assert a.fast_poll_update_period.default == 0x05
    assert a.max_number_of_periods_delivered.default == 0x18
    assert a.generic_alarm_mask.default == 0xFFFF
    assert a.electricity_alarm_mask.default == 0xFFFFFFFF
    assert a.power_factor.range == (-100, 100)
    assert a.daily_freeze_time.range == (0x0000, 0x173B)


def test_metering_enumerations_from_the_note() -> None:
    assert {m.name: m.value for m in ProfileIntervalPeriod} == {
        "daily": 0x00,
        "minutes_60": 0x01,
        "minutes_30": 0x02,
        "minutes_15": 0x03,
        "minutes_10": 0x04,
        "minutes_7_5": 0x05,
        "minutes_5": 0x06,
        "minutes_2_5": 0x07,
    }
    assert [int(s) for s in GetProfileStatus] == [0, 1, 2, 3, 4, 5]
    assert {int(m) for m in MeteringDeviceType} >= {*range(0x07), *range(0x80, 0x86)}
    assert Formatting(0x80).suppress_leading_zeros is True
    assert Formatting(0x78).digits_left == 15
    assert Formatting.build(digits_left=6, digits_right=3) == 0x33


def test_metering_commands_from_the_note() -> None:
    check_commands(Metering, _COMMANDS)
    assert Metering.commands.get_profile.response == "get_profile_response"
    assert Metering.commands.request_mirror.response == "request_mirror_response"
    assert Metering.commands.request_fast_poll_mode.response == ("request_fast_poll_mode_response")
    check_declarations(Metering)


# ---------------------------------------------------------------------------------------------
# Round trips of every command schema
