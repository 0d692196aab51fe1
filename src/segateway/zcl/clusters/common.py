"""Attributes and types shared by several Smart Energy clusters."""

from __future__ import annotations

from ..cluster import Attribute
from ..types import Enum8

__all__ = [
    "ATTRIBUTE_REPORTING_STATUS",
    "AttributeReportingStatus",
    "CommodityType",
    "UnitOfMeasure",
]


class AttributeReportingStatus(Enum8):
    """se-spec.md §1.6: the last attribute of a batch of reports from a sleepy/mirrored device."""

    pending = 0x00
    attribute_reporting_complete = 0x01


ATTRIBUTE_REPORTING_STATUS = Attribute(
    0xFFFE,
    "attribute_reporting_status",
    AttributeReportingStatus,
    note="SE global attribute: 0x01 ends a burst of reports",
)


class UnitOfMeasure(Enum8):
    """Metering UnitofMeasure 0x0300 (also Publish Price, EnergyCarrierUnitOfMeasure), §2.6.3.

    The name gives the consumption unit; demand attributes use its rate form (kWh → kW).
    Values 0x80–0x8D are the same units with BCD-encoded values.
    """

    kwh = 0x00
    m3 = 0x01
    ft3 = 0x02
    ccf = 0x03
    us_gal = 0x04
    imp_gal = 0x05
    btu = 0x06
    liters = 0x07
    kpa_gauge = 0x08
    kpa_absolute = 0x09
    mcf = 0x0A
    unitless = 0x0B
    mj = 0x0C
    kvar = 0x0D
    kwh_bcd = 0x80
    m3_bcd = 0x81
    ft3_bcd = 0x82
    ccf_bcd = 0x83
    us_gal_bcd = 0x84
    imp_gal_bcd = 0x85
    btu_bcd = 0x86
    liters_bcd = 0x87
    kpa_gauge_bcd = 0x88
    kpa_absolute_bcd = 0x89
    mcf_bcd = 0x8A
    unitless_bcd = 0x8B
    mj_bcd = 0x8C
    kvar_bcd = 0x8D


class CommodityType(Enum8):
    """Price CommodityType / Metering device commodity (1.0/1.1 values; 1.2a additions)."""

    electric = 0x00
    gas = 0x01
    water = 0x02
    thermal = 0x03
    pressure = 0x04
    heat = 0x05
    cooling = 0x06
    electric_vehicle_charging = 0x07
    pv_generation = 0x08
    wind_turbine_generation = 0x09
    water_turbine_generation = 0x0A
    micro_generation = 0x0B
    solar_hot_water_generation = 0x0C
    electric_metering_element_1 = 0x0D
    electric_metering_element_2 = 0x0E
    electric_metering_element_3 = 0x0F
