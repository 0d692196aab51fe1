"""Metering values in engineering units (se-spec.md §2.6.1 Formatting Set, §2.6.3, §6.6)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segateway.zcl.clusters.common import UnitOfMeasure
from segateway.zcl.formatting import (
    FormattingError,
    MeteringFormat,
    ValueKind,
    engineering_kind,
    unit_names,
)


def test_the_vector_of_the_note() -> None:
    """§6.6: summation 123456789, multiplier 1, divisor 1000, formatting 0x33 → 123456.789 kWh."""
    fmt = MeteringFormat(UnitOfMeasure.kwh, multiplier=1, divisor=1000, summation_formatting=0x33)
    q = fmt.summation(123456789)
    assert q.value == Decimal("123456.789")
    assert q.unit == "kWh"
    assert (q.digits_left, q.digits_right) == (6, 3)
    assert q.text() == "123456.789 kWh"
    assert q.is_exact


def test_formatting_digits_never_scale_the_value() -> None:
    """The 100×/1000× mistake: decimal places in the formatting byte are display only."""
    with_places = MeteringFormat(multiplier=1, divisor=1000, summation_formatting=0x33)
    without = MeteringFormat(multiplier=1, divisor=1000, summation_formatting=0x30)
    assert with_places.summation(123456789).value == without.summation(123456789).value
    assert without.summation(123456789).text() == "123456 kWh"  # shown truncated, not rescaled


def test_demand_uses_the_rate_unit_and_demand_formatting() -> None:
    fmt = MeteringFormat(
        UnitOfMeasure.kwh, multiplier=1, divisor=1000, summation_formatting=0x33,
        demand_formatting=0x2D,  # 5 left, 5 right
    )  # fmt: skip
    q = fmt.demand(-1500)  # InstantaneousDemand is signed: negative = received from the premises
    assert q.unit == "kW"
    assert q.value == Decimal("-1.5")
    assert q.text() == "-00001.50000 kW"


def test_suppress_leading_zeros() -> None:
    fmt = MeteringFormat(multiplier=1, divisor=100, summation_formatting=0x80 | (8 << 3) | 2)
    assert fmt.summation(12345).text() == "123.45 kWh"
    padded = MeteringFormat(multiplier=1, divisor=100, summation_formatting=(8 << 3) | 2)
    assert padded.summation(12345).text() == "00000123.45 kWh"


def test_absent_multiplier_and_divisor_count_as_one() -> None:
    """§2.6.1 recommendation: treat an absent Multiplier/Divisor as 1."""
    assert MeteringFormat().summation(42).value == 42


def test_divisor_zero_is_refused() -> None:
    """§2.6.1 recommendation: guard against a 0 divisor."""
    with pytest.raises(FormattingError, match="Divisor 0"):
        MeteringFormat(divisor=0)


def test_multiplier_scales() -> None:
    gas = MeteringFormat(UnitOfMeasure.ft3, multiplier=2, divisor=1)
    assert gas.summation(100).value == 200
    assert gas.summation(100).unit == "ft³"
    assert gas.demand(5).unit == "ft³/h"


def test_bcd_units() -> None:
    """§2.6.3: 0x80–0x8D are the same units with BCD-encoded values."""
    fmt = MeteringFormat(UnitOfMeasure.kwh_bcd, multiplier=1, divisor=10)
    assert fmt.bcd
    assert fmt.summation(0x1234).value == Decimal("123.4")
    assert fmt.summation(0x1234).unit == "kWh"
    with pytest.raises(FormattingError, match="not a BCD"):
        fmt.summation(0x12AB)


@pytest.mark.parametrize(
    ("uom", "consumption", "rate"),
    [(0x00, "kWh", "kW"), (0x01, "m³", "m³/h"), (0x02, "ft³", "ft³/h"), (0x03, "ccf", "ccf/h"),
     (0x04, "US gal", "US gal/h"), (0x05, "IMP gal", "IMP gal/h"), (0x06, "BTU", "BTU/h"),
     (0x07, "l", "l/h"), (0x0A, "mcf", "mcf/s"), (0x0B, "unitless", "unitless"),
     (0x0C, "MJ", "MJ/s"), (0x81, "m³", "m³/h")],
)  # fmt: skip
def test_unit_names_follow_the_table(uom: int, consumption: str, rate: str) -> None:
    assert unit_names(uom) == (consumption, rate)


def test_unknown_unit() -> None:
    with pytest.raises(FormattingError):
        MeteringFormat(unit_of_measure=0x40)


def test_from_attributes_by_id_and_name() -> None:
    by_id = MeteringFormat.from_attributes({0x0300: 0, 0x0301: 1, 0x0302: 1000, 0x0303: 0x33})
    by_name = MeteringFormat.from_attributes(
        {"unit_of_measure": 0, "multiplier": 1, "divisor": 1000, "summation_formatting": 0x33,
         "current_summation_delivered": 5}
    )  # fmt: skip
    assert by_id == by_name


def test_attribute_kinds() -> None:
    assert engineering_kind(0x0000) is ValueKind.summation
    assert engineering_kind(0x0400) is ValueKind.demand
    assert engineering_kind(0x0401) is ValueKind.consumption
    assert engineering_kind(0x0300) is None
    fmt = MeteringFormat(multiplier=1, divisor=1000)
    assert fmt.attribute(0x0400, 2500).unit == "kW"  # type: ignore[union-attr]
    assert fmt.attribute(0x0300, 0) is None


def test_non_terminating_divisor_is_flagged() -> None:
    q = MeteringFormat(divisor=3).summation(1)
    assert q.exact == Fraction(1, 3)
    assert not q.is_exact


@given(
    raw=st.integers(0, (1 << 48) - 1),
    multiplier=st.integers(1, (1 << 24) - 1),
    twos=st.integers(0, 10),
    fives=st.integers(0, 10),
)
def test_value_is_exact_for_decimal_divisors(
    raw: int, multiplier: int, twos: int, fives: int
) -> None:
    divisor = (2**twos) * (5**fives)
    if divisor >= 1 << 24:
        return
    q = MeteringFormat(multiplier=multiplier, divisor=divisor).summation(raw)
    assert q.is_exact
    assert q.value * divisor == raw * multiplier
