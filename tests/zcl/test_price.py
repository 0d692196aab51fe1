"""Price cluster 0x0700: se-spec.md §2.4 layouts, the §6.6 vectors and the §8 decisions.

Expected values are the ones the reference states for each vector (or, for the frames built by
hand below, the values written in their annotations), never values printed by the code under test.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.zcl import types as t
from segateway.zcl.cluster import Side
from segateway.zcl.clusters.common import CommodityType, UnitOfMeasure
from segateway.zcl.clusters.price import (
    AlternateCostUnit,
    BlockPeriodControl,
    BlockPeriodDurationControl,
    BlockPeriodDurationTimebase,
    CalorificValueUnit,
    GetCurrentPriceOptions,
    Price,
    PriceControl,
    TariffKind,
    TariffResolutionPeriod,
    TrailingDigit,
)
from segateway.zcl.errors import EncodeError
from segateway.zcl.frame import decode_frame, encode_frame
from segateway.zcl.header import Direction

from .helpers import accepted_prefixes
from .helpers import annotated_hex as _hex
from .helpers import payload_strategy as _payloads


def _accepted_prefixes(frame: bytes, header_len: int = 3) -> set[int]:
    return accepted_prefixes(frame, Price, header_len)


def _block_period_layout_is_unambiguous(record: Any) -> bool:
    """§2.4.3 "decide by length": field 5 is read unless exactly 4 bytes remain at its place
    (fields 6–9 of the 19-byte SE 1.2 layout).

    So field 5 can be sent unless exactly two of fields 7–9 follow (19 bytes, read as SE 1.2),
    and left out only when all three follow.
    """
    tail = sum(v is not None for v in record[6:])
    if record.number_of_price_tiers_and_number_of_block_thresholds is not None:
        return tail != 2
    return tail == 3


ALL_COMMANDS = [*Price.server_to_client, *Price.client_to_server]


# --- declarations --------------------------------------------------------------------------------


def test_cluster_identity() -> None:
    assert (Price.id, Price.name) == (0x0700, "price")


def test_client_attributes() -> None:
    """§2.4.1."""
    client = Price.attributes_by_side[Side.client]
    assert sorted(client) == [0x0000, 0x0001, 0x0002]
    increase, decrease, commodity = client[0x0000], client[0x0001], client[0x0002]
    assert (increase.name, increase.wire, increase.default, increase.range) == (
        "price_increase_randomize_minutes",
        t.uint8,
        0x05,
        (0x00, 0x3C),
    )
    assert (decrease.name, decrease.wire, decrease.default, decrease.range) == (
        "price_decrease_randomize_minutes",
        t.uint8,
        0x0F,
        (0x00, 0x3C),
    )
    assert commodity.name == "commodity_type"
    assert commodity.type is CommodityType
    assert all(a.writable for a in client.values())


def test_tier_labels() -> None:
    """§2.4.2: Tier1..15PriceLabel 0x0000–0x000E RW (1.0); Tier16..48 0x000F–0x002F (1.2a)."""
    server = Price.attributes_by_side[Side.server]
    for n in range(1, 49):
        attr = server[n - 1]
        assert attr.name == f"tier{n}_price_label"
        assert attr.wire is t.octet_string
        assert attr.since == ("1.0" if n <= 15 else "1.2a")
        if n <= 15:
            assert attr.writable


def test_block_thresholds_and_block_period_attributes() -> None:
    server = Price.attributes_by_side[Side.server]
    for n in range(1, 16):
        attr = server[0x0100 + n - 1]
        assert (attr.name, attr.wire) == (f"block{n}_threshold", t.uint48)
    expected = {
        0x010F: ("block_threshold_count", 0x20, "1.2a"),
        0x0200: ("start_of_block_period", 0xE2, "1.0"),
        0x0201: ("block_period_duration", 0x22, "1.0"),
        0x0202: ("threshold_multiplier", 0x22, "1.0"),
        0x0203: ("threshold_divisor", 0x22, "1.0"),
        0x0204: ("block_period_duration_type", 0x18, "1.2a"),
        0x0300: ("commodity_type", 0x30, "1.0"),
        0x0301: ("standing_charge", 0x23, "1.0"),
        0x0302: ("conversion_factor", 0x23, "1.1a"),
        0x0303: ("conversion_factor_trailing_digit", 0x18, "1.1a"),
        0x0304: ("calorific_value", 0x23, "1.1a"),
        0x0305: ("calorific_value_unit", 0x30, "1.1a"),
        0x0306: ("calorific_value_trailing_digit", 0x18, "1.1a"),
        0x0700: ("current_billing_period_start", 0xE2, "1.1b"),
        0x0701: ("current_billing_period_duration", 0x22, "1.1b"),
        0xFFFE: ("attribute_reporting_status", 0x30, "1.0"),
    }
    for attr_id, (name, type_id, since) in expected.items():
        attr = server[attr_id]
        assert (attr.name, attr.wire.type_id, attr.since) == (name, type_id, since), attr_id
    assert server[0x0300].type is CommodityType
    assert server[0x0305].type is CalorificValueUnit


def test_block_prices() -> None:
    """§2.4.2: NoTierBlock1..16Price 0x0400–0x040F; Tier{t}Block{b}Price 0x0400 + 16t + b - 1."""
    server = Price.attributes_by_side[Side.server]
    prices = {i: a for i, a in server.items() if 0x0400 <= i <= 0x04FF}
    assert sorted(prices) == list(range(0x0400, 0x0500))
    assert all(a.wire is t.uint32 for a in prices.values())
    assert server[0x0400].name == "no_tier_block1_price"
    assert server[0x040F].name == "no_tier_block16_price"
    assert server[0x0410].name == "tier1_block1_price"
    assert server[0x0422].name == "tier2_block3_price"
    assert server[0x04FF].name == "tier15_block16_price"


def test_named_values() -> None:
    assert CalorificValueUnit.mj_per_m3 == 0x01
    assert CalorificValueUnit.mj_per_kg == 0x02
    assert PriceControl.price_acknowledgement_required == 0x01
    assert PriceControl.total_tiers_exceeds_15 == 0x02
    assert GetCurrentPriceOptions.requestor_rx_on_when_idle == 0x01
    assert BlockPeriodControl.price_acknowledgement_required == 0x01
    assert BlockPeriodControl.repeating_block == 0x02
    assert TariffResolutionPeriod.one_day == 0x02


def test_alternate_cost_unit_accepts_both_codes() -> None:
    """§8: EmberZNet uses 0x02 for kg CO2 per unit of measure, the SE 1.1 text 0x01."""
    assert AlternateCostUnit(0x01) is AlternateCostUnit.kg_co2_per_unit_of_measure_se11
    assert AlternateCostUnit(0x02) is AlternateCostUnit.kg_co2_per_unit_of_measure


def test_commands() -> None:
    """§2.4.3 table; the SE 1.2a commands are not declared (their payloads are not given)."""
    assert {c.id: (c.name, c.since) for c in Price.server_to_client} == {
        0x00: ("publish_price", "1.0"),
        0x01: ("publish_block_period", "1.1"),
        0x02: ("publish_conversion_factor", "1.1a"),
        0x03: ("publish_calorific_value", "1.1a"),
    }
    assert {c.id: (c.name, c.since) for c in Price.client_to_server} == {
        0x00: ("get_current_price", "1.0"),
        0x01: ("get_scheduled_prices", "1.0"),
        0x02: ("price_acknowledgement", "1.1"),
        0x03: ("get_block_periods", "1.1"),
        0x04: ("get_conversion_factor", "1.1a"),
        0x05: ("get_calorific_value", "1.1a"),
    }
    assert Price.commands.get_current_price.response == "publish_price"
    assert len(Price.commands.publish_price.fields) == 24


# --- §6.6 Publish Price SE 1.1 -------------------------------------------------------------------

PRICE_NOTE = (
    "09 03 00 01 00 00 00 04 50 45 41 4B 10 00 00 00 00 1C 70 30 00 3A 03 23 33 00 00 00 00 "
    "FF FF E6 09 00 00 FF FF FF FF FF FF FF FF FF FF 01 00 00 01"
)
PRICE = _hex("""
    09              # frame control: cluster-specific, server->client
    03              # TSN 3
    00              # command 0x00 Publish Price
    01 00 00 00     #  1 provider id 1
    04 50 45 41 4B  #  2 rate label "PEAK"
    10 00 00 00     #  3 issuer event id 0x10
    00 1C 70 30     #  4 current time 812653568
    00              #  5 unit of measure kWh
    3A 03           #  6 currency 826 (GBP)
    23              #  7 trailing digit 2, price tier 3
    33              #  8 3 price tiers, register tier 3
    00 00 00 00     #  9 start time: now
    FF FF           # 10 duration: until changed
    E6 09 00 00     # 11 price 2534 (= 25.34)
    FF              # 12 price ratio: not used
    FF FF FF FF     # 13 generation price: not used
    FF              # 14 generation price ratio: not used
    FF FF FF FF     # 15 alternate cost delivered: not used
    01              # 16 alternate cost unit 0x01 (kg CO2 per unit of measure)
    00              # 17 alternate cost trailing digit 0
    00              # 18 number of block thresholds 0
    01              # 19 price control: acknowledgement required
""")
PRICE_FIELDS_SE10 = {
    "provider_id": 1,
    "rate_label": b"PEAK",
    "issuer_event_id": 0x10,
    "current_time": 812653568,
    "unit_of_measure": UnitOfMeasure.kwh,
    "currency": 826,
    "price_trailing_digit_and_price_tier": 0x23,
    "number_of_price_tiers_and_register_tier": 0x33,
    "start_time": 0,
    "duration_in_minutes": 0xFFFF,
    "price": 2534,
}
PRICE_FIELDS_SE10_LONG = {
    **PRICE_FIELDS_SE10,
    "price_ratio": 0xFF,
    "generation_price": 0xFFFFFFFF,
    "generation_price_ratio": 0xFF,
}
PRICE_FIELDS_SE11 = {
    **PRICE_FIELDS_SE10_LONG,
    "alternate_cost_delivered": 0xFFFFFFFF,
    "alternate_cost_unit": 0x01,
    "alternate_cost_trailing_digit": 0,
    "number_of_block_thresholds": 0,
    "price_control": 0x01,
}
SE12_NAMES = (
    "number_of_generation_tiers",
    "generation_tier",
    "extended_number_of_price_tiers",
    "extended_price_tier",
    "extended_register_tier",
)
PRICE_SE12 = PRICE + _hex("""
    02              # 20 number of generation tiers 2
    01              # 21 generation tier 1
    03              # 22 extended number of price tiers 3 (18 tiers)
    04              # 23 extended price tier 4
    05              # 24 extended register tier 5
""")
PRICE_FIELDS_SE12 = {**PRICE_FIELDS_SE11, **dict(zip(SE12_NAMES, (2, 1, 3, 4, 5), strict=True))}


def _absent(fields: dict[str, Any]) -> dict[str, Any]:
    """The stated fields, with every field of Publish Price not stated as None."""
    return {f.name: fields.get(f.name) for f in Price.commands.publish_price.fields}


def test_publish_price_annotation_matches_the_note() -> None:
    assert bytes.fromhex(PRICE_NOTE) == PRICE
    assert len(PRICE) == 3 + 46


def test_publish_price_se11_decodes_to_the_stated_values() -> None:
    frame = decode_frame(PRICE, Price)
    assert frame.command is Price.commands.publish_price
    assert frame.header.direction is Direction.server_to_client
    assert frame.header.tsn == 3
    p = frame.payload
    assert p._asdict() == _absent(PRICE_FIELDS_SE11)
    assert p.price_trailing_digit_and_price_tier.price_trailing_digit == 2
    assert p.price_trailing_digit_and_price_tier.price_tier == 3
    assert p.number_of_price_tiers_and_register_tier.number_of_price_tiers == 3
    assert p.number_of_price_tiers_and_register_tier.register_tier == 3
    assert p.alternate_cost_unit is AlternateCostUnit.kg_co2_per_unit_of_measure_se11
    assert p.alternate_cost_trailing_digit.trailing_digit == 0
    assert p.price_control is PriceControl.price_acknowledgement_required
    assert frame.rest == b""
    assert frame.encode() == PRICE


# payload lengths at the end of fields 11, 12, …: 4+5+4+4+1+2+1+1+4+2+4 = 32, then +1 +4 +1 …
_ENDS_SE11 = {32, 33, 37, 38, 42, 43, 44, 45}


def test_publish_price_cuts() -> None:
    """§2.4.3: "after field 11 every field is optional and decoding stops at end of payload"."""
    assert _accepted_prefixes(PRICE) == _ENDS_SE11
    assert _accepted_prefixes(PRICE_SE12) == _ENDS_SE11 | {46, 47, 48, 49, 50}


@pytest.mark.parametrize(
    ("fields", "stated"),
    [(11, PRICE_FIELDS_SE10), (14, PRICE_FIELDS_SE10_LONG)],
    ids=["after-field-11", "after-field-14"],
)
def test_publish_price_se10(fields: int, stated: dict[str, Any]) -> None:
    """SE 1.0 frames end after field 11 or after field 14."""
    data = PRICE[: 3 + {11: 32, 14: 38}[fields]]
    frame = decode_frame(data, Price)
    assert frame.payload._asdict() == _absent(stated)
    assert frame.rest == b""
    assert frame.encode() == data
    assert Price.commands.publish_price.encode(stated) == data[3:]


def test_publish_price_se12() -> None:
    frame = decode_frame(PRICE_SE12, Price)
    assert frame.payload._asdict() == PRICE_FIELDS_SE12
    assert frame.rest == b""
    assert frame.encode() == PRICE_SE12
    extra = b"\x99\x98"
    frame = decode_frame(PRICE_SE12 + extra, Price)
    assert frame.payload._asdict() == PRICE_FIELDS_SE12
    assert frame.rest == extra
    assert frame.encode() == PRICE_SE12 + extra


def test_publish_price_from_a_plain_dict() -> None:
    plain = {
        **PRICE_FIELDS_SE11,
        "rate_label": "5045414b",  # hex text of b"PEAK"
        "unit_of_measure": "kwh",
        "price_trailing_digit_and_price_tier": {"price_trailing_digit": 2, "price_tier": 3},
        "number_of_price_tiers_and_register_tier": {"number_of_price_tiers": 3, "register_tier": 3},
        "alternate_cost_unit": "kg_co2_per_unit_of_measure_se11",
        "alternate_cost_trailing_digit": {"trailing_digit": 0},
        "price_control": ["price_acknowledgement_required"],
    }
    command = Price.commands.publish_price
    assert encode_frame(command, plain, tsn=3) == PRICE
    record = command.make(plain)
    assert command.encode(record) == PRICE[3:]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("currency", 0x10000),
        ("provider_id", -1),
        ("rate_label", b"x" * 255),
        ("rate_label", "not hex"),
        ("price_ratio", 256),
        ("unit_of_measure", "kilowatt hours"),
        ("price_control", 0x100),
    ],
)
def test_publish_price_out_of_range_values_are_refused(field: str, value: Any) -> None:
    with pytest.raises(EncodeError):
        Price.commands.publish_price.encode({**PRICE_FIELDS_SE11, field: value})


def test_publish_price_gap_in_optional_fields_is_refused() -> None:
    with pytest.raises(EncodeError):
        Price.commands.publish_price.encode({**PRICE_FIELDS_SE10, "price_control": 1})


def test_publish_price_bit_field_out_of_range_is_an_encode_error() -> None:
    bad = {"price_trailing_digit": 2, "price_tier": 16}
    with pytest.raises(EncodeError):
        Price.commands.publish_price.encode(
            {**PRICE_FIELDS_SE11, "price_trailing_digit_and_price_tier": bad}
        )


def test_trailing_digit_reserved_bits_survive_json() -> None:
    command = Price.commands.publish_conversion_factor
    record = command.make(
        issuer_event_id=1,
        start_time=0,
        conversion_factor=1,
        conversion_factor_trailing_digit=TrailingDigit(0x65),
    )
    assert command.encode(command.schema.to_json(record)) == command.encode(record)


# --- §6.6 Get Current Price, Price Acknowledgement -----------------------------------------------

GET_CURRENT = _hex("""
    01   # frame control: cluster-specific, client->server
    04   # TSN 4
    00   # command 0x00 Get Current Price
    01   # command options: requestor rx on when idle
""")

ACK = _hex("""
    01           # frame control: cluster-specific, client->server
    05           # TSN 5
    02           # command 0x02 Price Acknowledgement
    01 00 00 00  # provider id 1
    10 00 00 00  # issuer event id 0x10
    20 1C 70 30  # price ack time 812653600
    01           # control 0x01
""")
ACK_FIELDS = {
    "provider_id": 1,
    "issuer_event_id": 0x10,
    "price_ack_time": 812653600,
    "control": 0x01,
}


def test_get_current_price() -> None:
    assert bytes.fromhex("01 04 00 01") == GET_CURRENT
    frame = decode_frame(GET_CURRENT, Price)
    assert frame.command is Price.commands.get_current_price
    assert frame.header.direction is Direction.client_to_server
    assert frame.header.tsn == 4
    assert frame.payload._asdict() == {"command_options": 0x01}
    assert frame.payload.command_options is GetCurrentPriceOptions.requestor_rx_on_when_idle
    assert frame.encode() == GET_CURRENT
    assert _accepted_prefixes(GET_CURRENT) == set()
    frame = decode_frame(GET_CURRENT + b"\x00\x07", Price)
    assert frame.payload._asdict() == {"command_options": 0x01}
    assert frame.rest == b"\x00\x07"
    assert frame.encode() == GET_CURRENT + b"\x00\x07"
    command = Price.commands.get_current_price
    assert command.encode({"command_options": ["requestor_rx_on_when_idle"]}) == b"\x01"


def test_price_acknowledgement() -> None:
    assert bytes.fromhex("01 05 02 01 00 00 00 10 00 00 00 20 1C 70 30 01") == ACK
    frame = decode_frame(ACK, Price)
    assert frame.command is Price.commands.price_acknowledgement
    assert frame.header.tsn == 5
    assert frame.payload._asdict() == ACK_FIELDS
    assert frame.payload.control is PriceControl.price_acknowledgement_required
    assert frame.encode() == ACK
    assert _accepted_prefixes(ACK) == set()
    frame = decode_frame(ACK + b"\xff", Price)
    assert frame.payload._asdict() == ACK_FIELDS
    assert frame.rest == b"\xff"
    assert Price.commands.price_acknowledgement.encode(ACK_FIELDS) == ACK[3:]
    with pytest.raises(EncodeError):
        Price.commands.price_acknowledgement.encode({**ACK_FIELDS, "issuer_event_id": 1 << 32})


# --- Publish Block Period: 17, 19 and 20 bytes ---------------------------------------------------

_BP_HEAD = """
    09           # frame control: cluster-specific, server->client
    0A           # TSN 10
    01           # command 0x01 Publish Block Period
    01 00 00 00  # 1 provider id 1
    20 00 00 00  # 2 issuer event id 0x20
    00 1C 70 30  # 3 block period start time 812653568
    A0 05 00     # 4 block period duration 1440 minutes (uint24)
"""
BP_SE11 = _hex(
    _BP_HEAD
    + """
    34           # 5 3 price tiers, 4 block thresholds (SE 1.1 only)
    02           # 6 block period control: repeating block
"""
)
BP_SE12 = _hex(
    _BP_HEAD
    + """
    02           # 6 block period control: repeating block
    13           # 7 duration type: control 1 (end of timebase), timebase 3 (months)
    02           # 8 tariff type: delivered and received
    01           # 9 tariff resolution period: block period
"""
)
BP_BOTH = _hex(
    _BP_HEAD
    + """
    34           # 5 3 price tiers, 4 block thresholds
    02           # 6 block period control: repeating block
    13           # 7 duration type: control 1, timebase 3
    02           # 8 tariff type: delivered and received
    01           # 9 tariff resolution period: block period
"""
)
_BP_COMMON = {
    "provider_id": 1,
    "issuer_event_id": 0x20,
    "block_period_start_time": 812653568,
    "block_period_duration": 1440,
    "block_period_control": 0x02,
}
_BP_FIVE = {"number_of_price_tiers_and_number_of_block_thresholds": 0x34}
_BP_12 = {"block_period_duration_type": 0x13, "tariff_type": 0x02, "tariff_resolution_period": 1}
_BP_NONE_5 = {"number_of_price_tiers_and_number_of_block_thresholds": None}
_BP_NONE_12 = dict.fromkeys(_BP_12)


@pytest.mark.parametrize(
    ("data", "length", "stated"),
    [
        (BP_SE11, 17, {**_BP_COMMON, **_BP_FIVE, **_BP_NONE_12}),
        (BP_SE12, 19, {**_BP_COMMON, **_BP_NONE_5, **_BP_12}),
        (BP_BOTH, 20, {**_BP_COMMON, **_BP_FIVE, **_BP_12}),
    ],
    ids=["se11-17", "se12-19", "both-20"],
)
def test_publish_block_period_by_length(data: bytes, length: int, stated: dict[str, Any]) -> None:
    """§2.4.3/§8: "decide by length (17 → 1.1, 19 → 1.2, 20 → both fields)"."""
    assert len(data) - 3 == length
    frame = decode_frame(data, Price)
    assert frame.command is Price.commands.publish_block_period
    assert frame.payload._asdict() == stated
    assert frame.payload.block_period_control is BlockPeriodControl.repeating_block
    assert frame.rest == b""
    assert frame.encode() == data
    assert Price.commands.publish_block_period.encode(stated) == data[3:]


def test_publish_block_period_parts() -> None:
    p = decode_frame(BP_BOTH, Price).payload
    assert p.number_of_price_tiers_and_number_of_block_thresholds.number_of_price_tiers == 3
    assert p.number_of_price_tiers_and_number_of_block_thresholds.number_of_block_thresholds == 4
    assert p.block_period_duration_type.timebase is BlockPeriodDurationTimebase.months
    assert p.block_period_duration_type.control is BlockPeriodDurationControl.end_of_timebase
    assert p.tariff_type.tariff_type is TariffKind.delivered_and_received_tariff
    assert p.tariff_resolution_period is TariffResolutionPeriod.block_period


def test_publish_block_period_cuts() -> None:
    """A cut frame is read by its own length: 17 or 18 bytes are the SE 1.1 layout (so a cut
    SE 1.2 frame is misread, as any length-based reader would), 19 the SE 1.2 layout."""
    assert _accepted_prefixes(BP_SE11) == set()
    assert _accepted_prefixes(BP_SE12) == {17, 18}
    assert _accepted_prefixes(BP_BOTH) == {17, 18, 19}


def test_publish_block_period_18_bytes_is_se11_plus_duration_type() -> None:
    data = BP_BOTH[:-2]
    frame = decode_frame(data, Price)
    assert frame.payload._asdict() == {
        **_BP_COMMON,
        **_BP_FIVE,
        **_BP_NONE_12,
        "block_period_duration_type": 0x13,
    }
    assert frame.encode() == data


def test_publish_block_period_trailing_bytes() -> None:
    frame = decode_frame(BP_BOTH + b"\xab", Price)
    assert frame.payload._asdict() == {**_BP_COMMON, **_BP_FIVE, **_BP_12}
    assert frame.rest == b"\xab"
    assert frame.encode() == BP_BOTH + b"\xab"


@pytest.mark.parametrize(
    "fields",
    [
        {**_BP_COMMON, **_BP_FIVE, "block_period_duration_type": 0x13, "tariff_type": 2},
        {**_BP_COMMON, **_BP_NONE_5},
    ],
    ids=["19-bytes-with-field-5", "16-bytes-without-field-5"],
)
def test_publish_block_period_ambiguous_layouts_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(EncodeError):
        Price.commands.publish_block_period.encode(fields)


# --- the other commands (frames built by hand from the §2.4.3 layouts) ---------------------------


@pytest.mark.parametrize(
    ("annotated", "name", "stated"),
    [
        (
            """01 0F 01      # client->server, TSN 15, Get Scheduled Prices
               00 00 00 00   # start time: now
               05            # number of events 5""",
            "get_scheduled_prices",
            {"start_time": 0, "number_of_events": 5},
        ),
        (
            """01 0B 03      # client->server, TSN 11, Get Block Periods
               00 1C 70 30   # start time 812653568
               00            # number of events: all""",
            "get_block_periods",
            {"start_time": 812653568, "number_of_events": 0, "tariff_type": None},
        ),
        (
            """01 0C 04      # client->server, TSN 12, Get Conversion Factor
               00 1C 70 30   # earliest start time 812653568
               10 00 00 00   # min issuer event id 0x10
               05            # number of commands 5""",
            "get_conversion_factor",
            {
                "earliest_start_time": 812653568,
                "min_issuer_event_id": 0x10,
                "number_of_commands": 5,
            },
        ),
        (
            """01 0C 05      # client->server, TSN 12, Get Calorific Value
               00 00 00 00   # earliest start time 0
               FF FF FF FF   # min issuer event id 0xFFFFFFFF
               01            # number of commands 1""",
            "get_calorific_value",
            {"earliest_start_time": 0, "min_issuer_event_id": 0xFFFFFFFF, "number_of_commands": 1},
        ),
        (
            """09 0D 02      # server->client, TSN 13, Publish Conversion Factor
               10 00 00 00   # issuer event id 0x10
               00 00 00 00   # start time: now
               40 42 0F 00   # conversion factor 1000000
               60            # trailing digit 6 (1.000000)""",
            "publish_conversion_factor",
            {
                "issuer_event_id": 0x10,
                "start_time": 0,
                "conversion_factor": 1000000,
                "conversion_factor_trailing_digit": 0x60,
            },
        ),
        (
            """09 0E 03      # server->client, TSN 14, Publish Calorific Value
               10 00 00 00   # issuer event id 0x10
               00 00 00 00   # start time: now
               E0 B8 5A 02   # calorific value 39500000
               01            # unit MJ/m3
               60            # trailing digit 6 (39.500000)""",
            "publish_calorific_value",
            {
                "issuer_event_id": 0x10,
                "start_time": 0,
                "calorific_value": 39500000,
                "calorific_value_unit": CalorificValueUnit.mj_per_m3,
                "calorific_value_trailing_digit": 0x60,
            },
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else None,
)
def test_fixed_commands(annotated: str, name: str, stated: dict[str, Any]) -> None:
    data = _hex(annotated)
    frame = decode_frame(data, Price)
    assert frame.command is Price.commands[name]
    assert frame.payload._asdict() == stated
    assert frame.encode() == data
    assert _accepted_prefixes(data) == set()
    if not frame.command.fields[-1].optional:
        extended = decode_frame(data + b"\x5a", Price)
        assert extended.payload == frame.payload
        assert extended.rest == b"\x5a"


def test_get_block_periods_se12_tariff_type() -> None:
    data = _hex("""
        01 0B 03      # client->server, TSN 11, Get Block Periods
        00 1C 70 30   # start time 812653568
        00            # number of events: all
        01            # tariff type: received (SE 1.2a)
    """)
    frame = decode_frame(data, Price)
    assert frame.payload.tariff_type.tariff_type is TariffKind.received_tariff
    assert frame.encode() == data
    assert _accepted_prefixes(data) == {5}


# --- every command -------------------------------------------------------------------------------


@given(data=st.data())
def test_block_period_layouts_that_would_be_misread_are_refused(data: st.DataObject) -> None:
    """Field 5 present with exactly two SE 1.2 fields (19 bytes, read as the SE 1.2 layout) or
    absent without all three cannot be sent; every other combination round-trips."""
    command = Price.commands.publish_block_period
    record = data.draw(_payloads(command))
    if _block_period_layout_is_unambiguous(record):
        payload = command.encode(record)
        assert command.decode(payload) == (record, len(payload))
    else:
        with pytest.raises(EncodeError):
            command.encode(record)
