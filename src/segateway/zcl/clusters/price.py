"""Price cluster 0x0700 (se-spec.md §2.4).

SE 1.0–1.1b attributes and commands in full; the SE 1.2a attribute ids whose types the reference
gives are declared so that a parser can name them. The SE 1.2a commands (Publish Tariff
Information and the rest) are left out: the reference lists their ids but not their payloads.
"""

from __future__ import annotations

from .. import types as t
from ..cluster import RW, Attribute, Cluster, Command
from ..schema import Field
from ..types import Bitmap8, BitStruct8, Enum8, Part
from .common import ATTRIBUTE_REPORTING_STATUS, CommodityType, UnitOfMeasure

__all__ = [
    "AlternateCostUnit",
    "BlockPeriodControl",
    "BlockPeriodDurationControl",
    "BlockPeriodDurationTimebase",
    "BlockPeriodDurationType",
    "CalorificValueUnit",
    "GetCurrentPriceOptions",
    "NumberOfPriceTiersAndNumberOfBlockThresholds",
    "NumberOfPriceTiersAndRegisterTier",
    "Price",
    "PriceControl",
    "PriceTrailingDigitAndPriceTier",
    "TariffKind",
    "TariffResolutionPeriod",
    "TariffType",
    "TrailingDigit",
]


# --- named types ---------------------------------------------------------------------------------


class PriceTrailingDigitAndPriceTier(BitStruct8):
    """Publish Price field 7: decimal places of Price (bits 4–7) and the current tier (bits 0–3)."""

    __slots__ = ()
    price_tier = Part(0, 4)
    price_trailing_digit = Part(4, 4)


class NumberOfPriceTiersAndRegisterTier(BitStruct8):
    """Publish Price field 8: tiers in use (bits 4–7) and the register accumulating now (0–3)."""

    __slots__ = ()
    register_tier = Part(0, 4)
    number_of_price_tiers = Part(4, 4)


class NumberOfPriceTiersAndNumberOfBlockThresholds(BitStruct8):
    """Publish Block Period field 5 (SE 1.1 only): tiers (bits 4–7), block thresholds (0–3)."""

    __slots__ = ()
    number_of_block_thresholds = Part(0, 4)
    number_of_price_tiers = Part(4, 4)


class TrailingDigit(BitStruct8):
    """A trailing-digit byte: digits right of the decimal point in the high nibble."""

    __slots__ = ()
    trailing_digit = Part(4, 4)


class AlternateCostUnit(Enum8):
    """Publish Price Alternate Cost Unit.

    Sources disagree on the code for "kg of CO2 per unit of measure" (se-spec.md §8): 0x01 as
    remembered from the SE 1.1 text, 0x02 in EmberZNet; both are accepted.
    """

    kg_co2_per_unit_of_measure_se11 = 0x01
    kg_co2_per_unit_of_measure = 0x02


class PriceControl(Bitmap8):
    """Publish Price Price Control (also echoed in Price Acknowledgement's Control)."""

    price_acknowledgement_required = 0x01
    total_tiers_exceeds_15 = 0x02


class GetCurrentPriceOptions(Bitmap8):
    """Get Current Price Command Options."""

    requestor_rx_on_when_idle = 0x01


class BlockPeriodControl(Bitmap8):
    """Publish Block Period Block Period Control."""

    price_acknowledgement_required = 0x01
    repeating_block = 0x02


class BlockPeriodDurationTimebase(Enum8):
    """Low nibble of BlockPeriodDurationType: the unit of the block period duration."""

    minutes = 0x0
    days = 0x1
    weeks = 0x2
    months = 0x3


class BlockPeriodDurationControl(Enum8):
    """High nibble of BlockPeriodDurationType: where in the timebase the block period starts."""

    start_of_timebase = 0x0
    end_of_timebase = 0x1
    not_specified = 0x2


class BlockPeriodDurationType(BitStruct8):
    """BlockPeriodDurationType (attribute 0x0204, Publish Block Period field 7; SE 1.2a)."""

    __slots__ = ()
    timebase = Part(0, 4, BlockPeriodDurationTimebase)
    control = Part(4, 4, BlockPeriodDurationControl)


class TariffKind(Enum8):
    """Low nibble of Tariff Type: which direction of energy flow the tariff prices."""

    delivered_tariff = 0x0
    received_tariff = 0x1
    delivered_and_received_tariff = 0x2


class TariffType(BitStruct8):
    """Tariff Type (Publish Block Period field 8, Get Block Periods; SE 1.2a)."""

    __slots__ = ()
    tariff_type = Part(0, 4, TariffKind)


class TariffResolutionPeriod(Enum8):
    """Publish Block Period Tariff Resolution Period (SE 1.2a)."""

    not_defined = 0x00
    block_period = 0x01
    one_day = 0x02


class CalorificValueUnit(Enum8):
    """CalorificValueUnit 0x0305 / Publish Calorific Value."""

    mj_per_m3 = 0x01
    mj_per_kg = 0x02


# --- attributes ----------------------------------------------------------------------------------

_LABEL_NOTE = "≤ 12 octets incl. the length byte"

_TIER_LABELS = tuple(
    Attribute(0x0000 + n - 1, f"tier{n}_price_label", t.octet_string, RW, note=_LABEL_NOTE)
    for n in range(1, 16)
)
_EXTENDED_TIER_LABELS = tuple(
    Attribute(0x0000 + n - 1, f"tier{n}_price_label", t.octet_string, since="1.2a")
    for n in range(16, 49)
)
_BLOCK_THRESHOLDS = tuple(
    Attribute(0x0100 + n - 1, f"block{n}_threshold", t.uint48) for n in range(1, 16)
)
_NO_TIER_BLOCK_PRICES = tuple(
    Attribute(0x0400 + b - 1, f"no_tier_block{b}_price", t.uint32) for b in range(1, 17)
)
_TIER_BLOCK_PRICES = tuple(
    Attribute(0x0400 + 16 * tier + b - 1, f"tier{tier}_block{b}_price", t.uint32)
    for tier in range(1, 16)
    for b in range(1, 17)
)


# --- commands ------------------------------------------------------------------------------------

_PUBLISH_PRICE = [
    Field("provider_id", t.uint32),
    Field("rate_label", t.octet_string, note="≤ 11 octets of UTF-8 text"),
    Field("issuer_event_id", t.uint32, note="larger is newer"),
    Field("current_time", t.utc_time, note="the server's clock"),
    Field("unit_of_measure", UnitOfMeasure),
    Field("currency", t.uint16, note="ISO 4217 numeric code"),
    Field("price_trailing_digit_and_price_tier", PriceTrailingDigitAndPriceTier),
    Field("number_of_price_tiers_and_register_tier", NumberOfPriceTiersAndRegisterTier),
    Field("start_time", t.utc_time, note="0 = now"),
    Field("duration_in_minutes", t.uint16, note="0xFFFF = until changed"),
    Field("price", t.uint32, note="per unit of measure, scaled by the trailing digit"),
    Field("price_ratio", t.uint8, optional=True, note="tenths of the normal price; 0xFF unused"),
    Field("generation_price", t.uint32, optional=True, note="0xFFFFFFFF = unused"),
    Field("generation_price_ratio", t.uint8, optional=True, note="0xFF = unused"),
    Field(
        "alternate_cost_delivered", t.uint32, optional=True, since="1.1", note="0xFFFFFFFF = unused"
    ),
    Field("alternate_cost_unit", AlternateCostUnit, optional=True, since="1.1"),
    Field("alternate_cost_trailing_digit", TrailingDigit, optional=True, since="1.1"),
    Field("number_of_block_thresholds", t.uint8, optional=True, since="1.1"),
    Field("price_control", PriceControl, optional=True, since="1.1"),
    Field("number_of_generation_tiers", t.uint8, optional=True, since="1.2a"),
    Field("generation_tier", t.enum8, optional=True, since="1.2a"),
    Field(
        "extended_number_of_price_tiers",
        t.enum8,
        optional=True,
        since="1.2a",
        note="0 = use field 8; n means 15 + n tiers",
    ),
    Field("extended_price_tier", t.enum8, optional=True, since="1.2a"),
    Field("extended_register_tier", t.enum8, optional=True, since="1.2a"),
]

_PUBLISH_BLOCK_PERIOD = [
    Field("provider_id", t.uint32),
    Field("issuer_event_id", t.uint32),
    Field("block_period_start_time", t.utc_time, note="0 = now"),
    Field("block_period_duration", t.uint24, note="minutes"),
    Field(
        "number_of_price_tiers_and_number_of_block_thresholds",
        NumberOfPriceTiersAndNumberOfBlockThresholds,
        absent_if_remaining=4,
        since="1.1",
        note="SE 1.1 layout only; the 19-byte SE 1.2 layout leaves it out",
    ),
    Field("block_period_control", BlockPeriodControl),
    Field("block_period_duration_type", BlockPeriodDurationType, optional=True, since="1.2a"),
    Field("tariff_type", TariffType, optional=True, since="1.2a"),
    Field("tariff_resolution_period", TariffResolutionPeriod, optional=True, since="1.2a"),
]

_GET_PUBLISHED_VALUES = [
    Field("earliest_start_time", t.utc_time),
    Field("min_issuer_event_id", t.uint32),
    Field("number_of_commands", t.uint8),
]


class Price(Cluster):
    """Price: tariffs, block thresholds and price signals published by the ESI."""

    id = 0x0700
    name = "price"
    label = "Price"
    client_attributes = (
        Attribute(
            0x0000,
            "price_increase_randomize_minutes",
            t.uint8,
            RW,
            default=0x05,
            range=(0x00, 0x3C),
        ),
        Attribute(
            0x0001,
            "price_decrease_randomize_minutes",
            t.uint8,
            RW,
            default=0x0F,
            range=(0x00, 0x3C),
        ),
        Attribute(0x0002, "commodity_type", CommodityType, RW),
    )
    server_attributes = (
        *_TIER_LABELS,
        *_EXTENDED_TIER_LABELS,
        *_BLOCK_THRESHOLDS,
        Attribute(0x010F, "block_threshold_count", t.uint8, since="1.2a"),
        Attribute(0x0200, "start_of_block_period", t.utc_time),
        Attribute(0x0201, "block_period_duration", t.uint24, note="minutes"),
        Attribute(0x0202, "threshold_multiplier", t.uint24),
        Attribute(
            0x0203, "threshold_divisor", t.uint24, note="threshold = value × multiplier / divisor"
        ),
        Attribute(0x0204, "block_period_duration_type", BlockPeriodDurationType, since="1.2a"),
        Attribute(0x0300, "commodity_type", CommodityType),
        Attribute(0x0301, "standing_charge", t.uint32),
        Attribute(0x0302, "conversion_factor", t.uint32, since="1.1a"),
        Attribute(0x0303, "conversion_factor_trailing_digit", TrailingDigit, since="1.1a"),
        Attribute(0x0304, "calorific_value", t.uint32, since="1.1a"),
        Attribute(0x0305, "calorific_value_unit", CalorificValueUnit, since="1.1a"),
        Attribute(0x0306, "calorific_value_trailing_digit", TrailingDigit, since="1.1a"),
        *_NO_TIER_BLOCK_PRICES,
        *_TIER_BLOCK_PRICES,
        Attribute(0x0700, "current_billing_period_start", t.utc_time, since="1.1b"),
        Attribute(
            0x0701, "current_billing_period_duration", t.uint24, since="1.1b", note="minutes"
        ),
        ATTRIBUTE_REPORTING_STATUS,
    )
    server_to_client = (
        Command(
            0x00,
            "publish_price",
            _PUBLISH_PRICE,
            note="fields from price_ratio on are optional: SE 1.0 ends after 11 or 14 "
            "fields, SE 1.1 after 19, SE 1.2 after 24",
        ),
        Command(
            0x01,
            "publish_block_period",
            _PUBLISH_BLOCK_PERIOD,
            since="1.1",
            note="layout decided by length: 17 bytes SE 1.1, 19 SE 1.2, 20 both",
        ),
        Command(
            0x02,
            "publish_conversion_factor",
            [
                Field("issuer_event_id", t.uint32),
                Field("start_time", t.utc_time),
                Field("conversion_factor", t.uint32),
                Field("conversion_factor_trailing_digit", TrailingDigit),
            ],
            since="1.1a",
        ),
        Command(
            0x03,
            "publish_calorific_value",
            [
                Field("issuer_event_id", t.uint32),
                Field("start_time", t.utc_time),
                Field("calorific_value", t.uint32),
                Field("calorific_value_unit", CalorificValueUnit),
                Field("calorific_value_trailing_digit", TrailingDigit),
            ],
            since="1.1a",
        ),
    )
    client_to_server = (
        Command(
            0x00,
            "get_current_price",
            [Field("command_options", GetCurrentPriceOptions)],
            response="publish_price",
            note="answered with the active price, or NOT_FOUND when there is none",
        ),
        Command(
            0x01,
            "get_scheduled_prices",
            [
                Field("start_time", t.utc_time, note="0 = now"),
                Field("number_of_events", t.uint8, note="0 = all"),
            ],
            response="publish_price",
            note="one Publish Price per matching scheduled price",
        ),
        Command(
            0x02,
            "price_acknowledgement",
            [
                Field("provider_id", t.uint32),
                Field("issuer_event_id", t.uint32),
                Field("price_ack_time", t.utc_time),
                Field("control", PriceControl, note="echo of Price Control"),
            ],
            since="1.1",
            note="sent instead of a Default Response when the price asks for an acknowledgement",
        ),
        Command(
            0x03,
            "get_block_periods",
            [
                Field("start_time", t.utc_time, note="0 = now"),
                Field("number_of_events", t.uint8, note="0 = all"),
                Field("tariff_type", TariffType, optional=True, since="1.2a"),
            ],
            since="1.1",
            response="publish_block_period",
        ),
        Command(
            0x04,
            "get_conversion_factor",
            _GET_PUBLISHED_VALUES,
            since="1.1a",
            response="publish_conversion_factor",
        ),
        Command(
            0x05,
            "get_calorific_value",
            _GET_PUBLISHED_VALUES,
            since="1.1a",
            response="publish_calorific_value",
        ),
    )
