"""Metering values in engineering units (se-spec.md §2.6.1 Formatting Set, §2.6.3).

There is exactly one way from a raw register to a quantity here:

    value = raw × Multiplier ÷ Divisor        in UnitofMeasure (its rate form for demand)

computed exactly (``fractions.Fraction``, shown as ``decimal.Decimal``). The formatting bitmaps
(SummationFormatting, DemandFormatting, HistoricalConsumptionFormatting) only say how many digits
to *show* left and right of the decimal point and whether to suppress leading zeros; they never
scale the value. Applying the decimal places as a second scale factor is the 100×/1000× mistake
other stacks make; this module has no function that could do it. An absent Multiplier or Divisor
counts as 1; a Divisor of 0 is an error, not a silent 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Context, Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

from .clusters.common import UnitOfMeasure

__all__ = [
    "FormattingError",
    "MeteringFormat",
    "Quantity",
    "ValueKind",
    "engineering_kind",
    "unit_names",
]


class FormattingError(ValueError):
    """The formatting attributes cannot turn a raw value into a quantity (e.g. Divisor 0)."""


class ValueKind(Enum):
    """Which formatting attribute and unit form a metering value uses."""

    summation = "summation"  # SummationFormatting, consumption unit (kWh)
    demand = "demand"  # DemandFormatting, rate unit (kW)
    consumption = "consumption"  # HistoricalConsumptionFormatting, consumption unit (kWh)


# unit of measure (low 7 bits) → (consumption unit, rate unit); se-spec.md §2.6.3
_UNITS: dict[int, tuple[str, str]] = {
    0x00: ("kWh", "kW"),
    0x01: ("m³", "m³/h"),
    0x02: ("ft³", "ft³/h"),
    0x03: ("ccf", "ccf/h"),
    0x04: ("US gal", "US gal/h"),
    0x05: ("IMP gal", "IMP gal/h"),
    0x06: ("BTU", "BTU/h"),
    0x07: ("l", "l/h"),
    0x08: ("kPa (gauge)", "kPa (gauge)"),
    0x09: ("kPa (absolute)", "kPa (absolute)"),
    0x0A: ("mcf", "mcf/s"),
    0x0B: ("unitless", "unitless"),
    0x0C: ("MJ", "MJ/s"),
    0x0D: ("kVArh", "kVAr"),
}


def unit_names(unit_of_measure: int) -> tuple[str, str]:
    """(consumption unit, demand unit) for a UnitofMeasure value, BCD variants included."""
    try:
        return _UNITS[unit_of_measure & 0x7F]
    except KeyError:
        msg = f"unknown unit of measure 0x{unit_of_measure:02X}"
        raise FormattingError(msg) from None


def _summation_ids() -> set[int]:
    ids = {0x0000, 0x0001, 0x0004, 0x000C, 0x001C}
    ids.update(range(0x0100, 0x011E))  # TOU tier summations (1.0/1.1)
    ids.update(range(0x0700, 0x0800))  # block information (delivered)
    return ids


_KIND_BY_ATTRIBUTE: dict[int, ValueKind] = {
    **dict.fromkeys(_summation_ids(), ValueKind.summation),
    **dict.fromkeys((2, 3, 1024, 1037, 1038, 1039, 1040, 1536, 1537), ValueKind.demand),
    **dict.fromkeys((13, 1025, 1026, 1027, 1028, 1031, 1032), ValueKind.consumption),
}


def engineering_kind(attribute_id: int) -> ValueKind | None:
    """Which kind of quantity a Metering server attribute holds (None: not a metered quantity)."""
    return _KIND_BY_ATTRIBUTE.get(attribute_id)


_EXACT = Context(prec=80)


def _digits(formatting: int | None) -> tuple[int, int, bool]:
    if formatting is None:
        return 0, 0, False
    value = int(formatting)
    return (value >> 3) & 0x0F, value & 0x07, bool(value & 0x80)


def _bcd(raw: int) -> int:
    if raw < 0:
        msg = "a BCD value cannot be negative"
        raise FormattingError(msg)
    text = f"{raw:x}"
    if not text.isdigit():
        msg = f"0x{raw:X} is not a BCD number"
        raise FormattingError(msg)
    return int(text)


@dataclass(frozen=True, slots=True)
class Quantity:
    """A metered quantity: exact value, unit, and the digits the meter asks to show."""

    exact: Fraction
    unit: str
    digits_left: int = 0
    digits_right: int = 0
    suppress_leading_zeros: bool = False

    @property
    def value(self) -> Decimal:
        """The value as a Decimal (exact whenever raw × M ÷ D has a finite decimal expansion)."""
        return _EXACT.divide(Decimal(self.exact.numerator), Decimal(self.exact.denominator))

    @property
    def is_exact(self) -> bool:
        """False only for divisors with prime factors other than 2 and 5 (e.g. 3)."""
        return Decimal(self.exact.numerator) == _EXACT.multiply(
            self.value, Decimal(self.exact.denominator)
        )

    def text(self) -> str:
        """The value as the meter's formatting says to display it, truncated, with its unit."""
        value = self.value
        if self.digits_right:
            shown = value.quantize(Decimal(1).scaleb(-self.digits_right), rounding=ROUND_DOWN)
        else:
            shown = value.to_integral_value(rounding=ROUND_DOWN)
        sign = "-" if shown < 0 else ""
        digits = f"{abs(shown):f}"
        whole, _, frac = digits.partition(".")
        if not self.suppress_leading_zeros and self.digits_left > len(whole):
            whole = whole.rjust(self.digits_left, "0")
        body = whole if not frac else f"{whole}.{frac}"
        return f"{sign}{body} {self.unit}"

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True, slots=True)
class MeteringFormat:
    """The Formatting Set of one meter, read once and applied to every value it reports."""

    unit_of_measure: int = UnitOfMeasure.kwh
    multiplier: int | None = None
    divisor: int | None = None
    summation_formatting: int | None = None
    demand_formatting: int | None = None
    historical_consumption_formatting: int | None = None

    @classmethod
    def from_attributes(cls, attributes: Mapping[Any, Any]) -> MeteringFormat:
        """From Metering attribute values keyed by id (0x0300…) or by name (unit_of_measure…)."""
        names = {
            0x0300: "unit_of_measure",
            0x0301: "multiplier",
            0x0302: "divisor",
            0x0303: "summation_formatting",
            0x0304: "demand_formatting",
            0x0305: "historical_consumption_formatting",
        }
        values: dict[str, Any] = {}
        for key, value in attributes.items():
            name = names.get(key) if isinstance(key, int) else key
            if isinstance(name, str) and name in names.values():
                values[name] = value
        return cls(**values)

    def __post_init__(self) -> None:
        if self.divisor == 0:
            msg = "the meter reports Divisor 0: its values cannot be converted"
            raise FormattingError(msg)
        unit_names(int(self.unit_of_measure))

    @property
    def bcd(self) -> bool:
        """True when the meter sends its values BCD-encoded (UnitofMeasure 0x80–0x8D)."""
        return bool(int(self.unit_of_measure) & 0x80)

    def quantity(self, raw: int, kind: ValueKind = ValueKind.summation) -> Quantity:
        """The engineering quantity of a raw value of the given kind."""
        number = _bcd(raw) if self.bcd else int(raw)
        multiplier = 1 if self.multiplier is None else int(self.multiplier)
        divisor = 1 if self.divisor is None else int(self.divisor)
        consumption_unit, rate_unit = unit_names(int(self.unit_of_measure))
        if kind is ValueKind.summation:  # (no dict by kind here: enum members hash slowly)
            formatting, unit = self.summation_formatting, consumption_unit
        elif kind is ValueKind.demand:
            formatting, unit = self.demand_formatting, rate_unit
        else:
            formatting, unit = self.historical_consumption_formatting, consumption_unit
        left, right, suppress = _digits(formatting)
        return Quantity(Fraction(number * multiplier, divisor), unit, left, right, suppress)

    def summation(self, raw: int) -> Quantity:
        """A summation register (CurrentSummationDelivered…) in the consumption unit."""
        return self.quantity(raw, ValueKind.summation)

    def demand(self, raw: int) -> Quantity:
        """A demand value (InstantaneousDemand…) in the rate unit."""
        return self.quantity(raw, ValueKind.demand)

    def consumption(self, raw: int) -> Quantity:
        """A historical consumption value (day consumption, profile intervals)."""
        return self.quantity(raw, ValueKind.consumption)

    def attribute(self, attribute_id: int, raw: int) -> Quantity | None:
        """The quantity of Metering server attribute ``attribute_id`` (None if not metered)."""
        kind = engineering_kind(attribute_id)
        return None if kind is None else self.quantity(raw, kind)
