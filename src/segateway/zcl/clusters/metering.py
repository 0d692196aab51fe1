"""Simple Metering cluster 0x0702 (se-spec.md §2.6).

Every SE 1.0-1.1b server attribute set in full, with the exact ids and types of §2.6.1. Of the
SE 1.2a additions only the ids whose type the reference gives are declared (TOU tiers 16-48, the
two CPP registers, ExtendedStatus, the client's FunctionalNotificationFlags), so that a parser can
name them. The SE 1.2a commands 0x04-0x0E are left out: the reference lists their ids but not
their payloads.

Command directions follow §2.6.2: the meter (Metering *server*) generates Request Mirror and
Remove Mirror, the ESI (client side) answers with Request Mirror Response and Mirror Removed.
"""

from __future__ import annotations

from .. import types as t
from ..cluster import RW, Attribute, Cluster, Command
from ..schema import Field, ListOf
from ..types import Bitmap8, BitStruct8, Enum8, Part
from .common import ATTRIBUTE_REPORTING_STATUS, UnitOfMeasure

__all__ = [
    "CurrentBlock",
    "Formatting",
    "GetProfileStatus",
    "IntervalChannel",
    "MeterStatus",
    "Metering",
    "MeteringDeviceType",
    "ProfileIntervalPeriod",
    "SupplyStatus",
    "TemperatureUnitOfMeasure",
]


# --- named types ---------------------------------------------------------------------------------


class Formatting(BitStruct8):
    """A formatting bitmap (Summation/Demand/HistoricalConsumption/EnergyCarrier/Temperature).

    Display hints only: digits right of the decimal point (bits 0-2), digits left of it
    (bits 3-6), suppress leading zeros (bit 7). Scaling is Multiplier / Divisor, never these.
    """

    __slots__ = ()
    digits_right = Part(0, 3)
    digits_left = Part(3, 4)
    suppress_leading_zeros = Part(7, 1, bool)


class MeterStatus(Bitmap8):
    """Status 0x0200, generic (electricity) bit names; 0x80 is reserved.

    Gas, water and heat/cooling meters of SE 1.2a give bits 0x08, 0x10, 0x40 and 0x80 other
    meanings; a 1.1 meter normally uses this generic set.
    """

    check_meter = 0x01
    low_battery = 0x02
    tamper_detect = 0x04
    power_failure = 0x08
    power_quality = 0x10
    leak_detect = 0x20
    service_disconnect_open = 0x40


class MeteringDeviceType(Enum8):
    """MeteringDeviceType 0x0306: an enumeration carried as bitmap8 (type 0x18) on the wire.

    The mirrored variants are what a mirror endpoint on the ESI reports for a sleepy meter.
    """

    __zcl_wire__ = t.map8  # the reference types the attribute bitmap8 (enumerated)

    electric = 0x00
    gas = 0x01
    water = 0x02
    thermal = 0x03
    pressure = 0x04
    heat = 0x05
    cooling = 0x06
    mirrored_electric = 0x7F  # SE 1.2a
    mirrored_gas = 0x80
    mirrored_water = 0x81
    mirrored_thermal = 0x82
    mirrored_pressure = 0x83
    mirrored_heat = 0x84
    mirrored_cooling = 0x85
    undefined_mirror_meter = 0xFE  # SE 1.2a


class TemperatureUnitOfMeasure(Enum8):
    """TemperatureUnitOfMeasure 0x030C; 0x80-0x82 are the same units with BCD-encoded values."""

    kelvin = 0x00
    celsius = 0x01
    fahrenheit = 0x02
    kelvin_bcd = 0x80
    celsius_bcd = 0x81
    fahrenheit_bcd = 0x82


class SupplyStatus(Enum8):
    """SupplyStatus 0x0014."""

    off = 0x00
    off_armed = 0x01
    on = 0x02


class ProfileIntervalPeriod(Enum8):
    """Interval length of load profiles (attribute 0x000F, Get Profile Response)."""

    daily = 0x00
    minutes_60 = 0x01
    minutes_30 = 0x02
    minutes_15 = 0x03
    minutes_10 = 0x04
    minutes_7_5 = 0x05
    minutes_5 = 0x06
    minutes_2_5 = 0x07


class CurrentBlock(Enum8):
    """CurrentBlock 0x000E: the block threshold band consumption is in (0x00: no blocks)."""

    no_blocks = 0x00
    block1 = 0x01
    block2 = 0x02
    block3 = 0x03
    block4 = 0x04
    block5 = 0x05
    block6 = 0x06
    block7 = 0x07
    block8 = 0x08
    block9 = 0x09
    block10 = 0x0A
    block11 = 0x0B
    block12 = 0x0C
    block13 = 0x0D
    block14 = 0x0E
    block15 = 0x0F
    block16 = 0x10


class IntervalChannel(Enum8):
    """Get Profile Interval Channel."""

    consumption_delivered = 0x00
    consumption_received = 0x01


class GetProfileStatus(Enum8):
    """Get Profile Response Status."""

    success = 0x00
    undefined_interval_channel_requested = 0x01
    interval_channel_not_supported = 0x02
    invalid_end_time = 0x03
    more_periods_requested_than_can_be_returned = 0x04
    no_intervals_available_for_the_requested_time = 0x05


# --- attributes ----------------------------------------------------------------------------------

_HHMM = "high byte hour 0-23, low byte minute 0-59"

_READING_INFORMATION = (
    Attribute(0x0000, "current_summation_delivered", t.uint48, mandatory=True),
    Attribute(0x0001, "current_summation_received", t.uint48),
    Attribute(0x0002, "current_max_demand_delivered", t.uint48),
    Attribute(0x0003, "current_max_demand_received", t.uint48),
    Attribute(0x0004, "dft_summation", t.uint48),
    Attribute(
        0x0005, "daily_freeze_time", t.uint16, default=0x0000, range=(0x0000, 0x173B), note=_HHMM
    ),
    Attribute(0x0006, "power_factor", t.int8, default=0, range=(-100, 100)),
    Attribute(0x0007, "reading_snapshot_time", t.utc_time),
    Attribute(0x0008, "current_max_demand_delivered_time", t.utc_time),
    Attribute(0x0009, "current_max_demand_received_time", t.utc_time),
    Attribute(0x000A, "default_update_period", t.uint8, default=0x1E, since="1.1", note="seconds"),
    Attribute(
        0x000B, "fast_poll_update_period", t.uint8, default=0x05, since="1.1", note="seconds"
    ),
    Attribute(0x000C, "current_block_period_consumption_delivered", t.uint48, since="1.1"),
    Attribute(0x000D, "daily_consumption_target", t.uint24, since="1.1"),
    Attribute(0x000E, "current_block", CurrentBlock, since="1.1"),
    Attribute(0x000F, "profile_interval_period", ProfileIntervalPeriod, since="1.1"),
    Attribute(
        0x0010,
        "interval_read_reporting_period",
        t.uint16,
        default=0x0000,
        since="1.1",
        note="deprecated by later versions",
    ),
    Attribute(0x0011, "preset_reading_time", t.uint16, default=0x0000, since="1.1", note=_HHMM),
    Attribute(0x0012, "volume_per_report", t.uint16, since="1.1"),
    Attribute(0x0013, "flow_restriction", t.uint8, since="1.1"),
    Attribute(0x0014, "supply_status", SupplyStatus, since="1.1"),
    Attribute(0x0015, "current_inlet_energy_carrier_summation", t.uint48, since="1.1"),
    Attribute(0x0016, "current_outlet_energy_carrier_summation", t.uint48, since="1.1"),
    Attribute(0x0017, "inlet_temperature", t.int24, since="1.1"),
    Attribute(0x0018, "outlet_temperature", t.int24, since="1.1"),
    Attribute(0x0019, "control_temperature", t.int24, since="1.1"),
    Attribute(0x001A, "current_inlet_energy_carrier_demand", t.int24, since="1.1"),
    Attribute(0x001B, "current_outlet_energy_carrier_demand", t.int24, since="1.1"),
    Attribute(0x001C, "previous_block_period_consumption_delivered", t.uint48, since="1.1b"),
)


def _tier_since(tier: int) -> str:
    if tier <= 6:
        return "1.0"
    return "1.1" if tier <= 15 else "1.2a"


_TOU_INFORMATION = (
    *(
        Attribute(
            0x0100 + 2 * (tier - 1) + received,
            f"current_tier{tier}_summation_{way}",
            t.uint48,
            since=_tier_since(tier),
        )
        for tier in range(1, 49)
        for received, way in ((0, "delivered"), (1, "received"))
    ),
    Attribute(
        0x01FC,
        "cpp1_summation_delivered",
        t.uint48,
        since="1.2a",
        note="critical peak price register 1",
    ),
    Attribute(
        0x01FE,
        "cpp2_summation_delivered",
        t.uint48,
        since="1.2a",
        note="critical peak price register 2",
    ),
)

_METER_STATUS = (
    Attribute(0x0200, "status", MeterStatus, mandatory=True),
    Attribute(0x0201, "remaining_battery_life", t.uint8, since="1.1"),
    Attribute(0x0202, "hours_in_operation", t.uint24, since="1.1"),
    Attribute(0x0203, "hours_in_fault", t.uint24, since="1.1"),
    Attribute(0x0204, "extended_status", t.map64, since="1.2a"),
)

_FORMATTING = (
    Attribute(0x0300, "unit_of_measure", UnitOfMeasure, mandatory=True, default=UnitOfMeasure.kwh),
    Attribute(0x0301, "multiplier", t.uint24, note="value = raw * multiplier / divisor"),
    Attribute(0x0302, "divisor", t.uint24, note="absent counts as 1; 0 is an error"),
    Attribute(0x0303, "summation_formatting", Formatting, mandatory=True),
    Attribute(0x0304, "demand_formatting", Formatting),
    Attribute(0x0305, "historical_consumption_formatting", Formatting),
    Attribute(0x0306, "metering_device_type", MeteringDeviceType, mandatory=True),
    Attribute(0x0307, "site_id", t.octet_string, since="1.1", note="≤ 32 octets"),
    Attribute(0x0308, "meter_serial_number", t.octet_string, since="1.1", note="≤ 24 octets"),
    Attribute(0x0309, "energy_carrier_unit_of_measure", UnitOfMeasure, since="1.1"),
    Attribute(0x030A, "energy_carrier_summation_formatting", Formatting, since="1.1"),
    Attribute(0x030B, "energy_carrier_demand_formatting", Formatting, since="1.1"),
    Attribute(0x030C, "temperature_unit_of_measure", TemperatureUnitOfMeasure, since="1.1"),
    Attribute(0x030D, "temperature_formatting", Formatting, since="1.1"),
)

_HISTORICAL_CONSUMPTION = (
    Attribute(
        0x0400,
        "instantaneous_demand",
        t.int24,
        note="signed: positive delivered to the premises, negative received from it",
    ),
    Attribute(0x0401, "current_day_consumption_delivered", t.uint24),
    Attribute(0x0402, "current_day_consumption_received", t.uint24),
    Attribute(0x0403, "previous_day_consumption_delivered", t.uint24),
    Attribute(0x0404, "previous_day_consumption_received", t.uint24),
    Attribute(0x0405, "current_partial_profile_interval_start_time_delivered", t.utc_time),
    Attribute(0x0406, "current_partial_profile_interval_start_time_received", t.utc_time),
    Attribute(0x0407, "current_partial_profile_interval_value_delivered", t.uint24),
    Attribute(0x0408, "current_partial_profile_interval_value_received", t.uint24),
    Attribute(0x0409, "current_day_max_pressure", t.uint48, since="1.1"),
    Attribute(0x040A, "current_day_min_pressure", t.uint48, since="1.1"),
    Attribute(0x040B, "previous_day_max_pressure", t.uint48, since="1.1"),
    Attribute(0x040C, "previous_day_min_pressure", t.uint48, since="1.1"),
    Attribute(0x040D, "current_day_max_demand", t.int24, since="1.1"),
    Attribute(0x040E, "previous_day_max_demand", t.int24, since="1.1"),
    Attribute(0x040F, "current_month_max_demand", t.int24, since="1.1"),
    Attribute(0x0410, "current_year_max_demand", t.int24, since="1.1"),
    Attribute(0x0411, "current_day_max_energy_carrier_demand", t.int24, since="1.1"),
    Attribute(0x0412, "previous_day_max_energy_carrier_demand", t.int24, since="1.1"),
    Attribute(0x0413, "current_month_max_energy_carrier_demand", t.int24, since="1.1"),
    Attribute(0x0414, "current_month_min_energy_carrier_demand", t.int24, since="1.1"),
    Attribute(0x0415, "current_year_max_energy_carrier_demand", t.int24, since="1.1"),
    Attribute(0x0416, "current_year_min_energy_carrier_demand", t.int24, since="1.1"),
)

_LOAD_PROFILE_AND_SUPPLY_LIMIT = (
    Attribute(
        0x0500,
        "max_number_of_periods_delivered",
        t.uint8,
        default=0x18,
        note="upper bound of Get Profile's number of periods",
    ),
    Attribute(0x0600, "current_demand_delivered", t.uint24),
    Attribute(0x0601, "demand_limit", t.uint24),
    Attribute(0x0602, "demand_integration_period", t.uint8, range=(1, 255), note="minutes"),
    Attribute(0x0603, "number_of_demand_subintervals", t.uint8, range=(1, 255)),
)

_BLOCK_INFORMATION_DELIVERED = tuple(
    Attribute(
        0x0700 + block - 1,
        f"current_no_tier_block{block}_summation_delivered",
        t.uint48,
        since="1.1",
    )
    for block in range(1, 17)
) + tuple(
    Attribute(
        0x0710 + 16 * (tier - 1) + (block - 1),
        f"current_tier{tier}_block{block}_summation_delivered",
        t.uint48,
        since="1.1",
    )
    for tier in range(1, 16)
    for block in range(1, 17)
)

_ALARMS = (
    Attribute(0x0800, "generic_alarm_mask", t.map16, RW, default=0xFFFF, since="1.1"),
    Attribute(0x0801, "electricity_alarm_mask", t.map32, RW, default=0xFFFFFFFF, since="1.1"),
    Attribute(0x0802, "generic_flow_pressure_alarm_mask", t.map16, RW, since="1.1"),
    Attribute(0x0803, "water_specific_alarm_mask", t.map16, RW, since="1.1"),
    Attribute(0x0804, "heat_and_cooling_specific_alarm_mask", t.map16, RW, since="1.1"),
    Attribute(0x0805, "gas_specific_alarm_mask", t.map16, RW, since="1.1"),
)


# --- the cluster ---------------------------------------------------------------------------------


class Metering(Cluster):
    """Simple Metering: consumption registers, formatting, load profiles and mirroring."""

    id = 0x0702
    name = "metering"
    label = "Simple Metering"
    server_attributes = (
        *_READING_INFORMATION,
        *_TOU_INFORMATION,
        *_METER_STATUS,
        *_FORMATTING,
        *_HISTORICAL_CONSUMPTION,
        *_LOAD_PROFILE_AND_SUPPLY_LIMIT,
        *_BLOCK_INFORMATION_DELIVERED,
        *_ALARMS,
        ATTRIBUTE_REPORTING_STATUS,
    )
    client_attributes = (
        Attribute(
            0x0000,
            "functional_notification_flags",
            t.map32,
            since="1.2a",
            note="mirror/notification scheme; none in SE 1.1",
        ),
    )
    client_to_server = (
        Command(
            0x00,
            "get_profile",
            [
                Field("interval_channel", IntervalChannel),
                Field("end_time", t.utc_time, note="end of the newest interval wanted; 0 = latest"),
                Field(
                    "number_of_periods",
                    t.uint8,
                    note="intervals back in time, ≤ max_number_of_periods_delivered",
                ),
            ],
            response="get_profile_response",
        ),
        Command(
            0x01,
            "request_mirror_response",
            [Field("endpoint_id", t.uint16, note="the mirror's endpoint; 0xFFFF = none available")],
            note="the ESI's answer to Request Mirror",
        ),
        Command(
            0x02,
            "mirror_removed",
            [Field("removed_endpoint_id", t.uint16, note="0xFFFF = no such mirror")],
            note="the ESI's answer to Remove Mirror",
        ),
        Command(
            0x03,
            "request_fast_poll_mode",
            [
                Field("fast_poll_update_period", t.uint8, note="seconds"),
                Field("duration", t.uint8, note="minutes (EmberZNet caps it at 15)"),
            ],
            since="1.1",
            response="request_fast_poll_mode_response",
        ),
    )
    server_to_client = (
        Command(
            0x00,
            "get_profile_response",
            [
                Field("end_time", t.utc_time),
                Field("status", GetProfileStatus),
                Field("profile_interval_period", ProfileIntervalPeriod),
                Field("number_of_periods_delivered", t.uint8),
                Field(
                    "intervals",
                    ListOf(t.uint24, count="number_of_periods_delivered"),
                    note="newest first; 0xFFFFFF = no valid data for that interval",
                ),
            ],
        ),
        Command(
            0x01,
            "request_mirror",
            response="request_mirror_response",
            note="no payload; a sleepy meter asks the ESI for a mirror endpoint",
        ),
        Command(
            0x02,
            "remove_mirror",
            response="mirror_removed",
            note="no payload; the meter no longer needs its mirror",
        ),
        Command(
            0x03,
            "request_fast_poll_mode_response",
            [
                Field(
                    "applied_update_period",
                    t.uint8,
                    note="seconds: max(requested, fast_poll_update_period)",
                ),
                Field("fast_poll_mode_endtime", t.utc_time),
            ],
            since="1.1",
        ),
    )
