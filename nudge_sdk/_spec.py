"""The catalog as written: the shape of the plan YAML, one class per kind of block.

cattrs structures a parsed document into these (unknown keys forbidden, every error
collected with its path), and `nudge_sdk._loader` then checks their meaning and builds
the typed `Catalog`. The JSON Schema of the catalog is generated from these classes.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from nudge_sdk._catalog import DowngradeTiming, Granularity, IntervalChange, MetricKind, Reset
from nudge_sdk._money import Rounding

__all__ = [
    "AddOnSpec",
    "CatalogSpec",
    "FeatureSpec",
    "MetricSpec",
    "PlanSpec",
    "ProrationSpec",
    "SeatPriceSpec",
    "converter",
]


@attrs.frozen(kw_only=True)
class ProrationSpec:
    granularity: Granularity = Granularity.SECOND
    rounding: Rounding = Rounding.HALF_EVEN
    interval_change: IntervalChange = IntervalChange.RESET
    downgrade: DowngradeTiming = DowngradeTiming.PERIOD_END


@attrs.frozen(kw_only=True)
class MetricSpec:
    kind: MetricKind
    unit: str = ""
    name: str = ""
    reset: Reset | None = None


@attrs.frozen(kw_only=True)
class FeatureSpec:
    name: str = ""
    description: str = ""


@attrs.frozen(kw_only=True)
class SeatPriceSpec:
    base: Decimal = Decimal(0)
    per_seat: Decimal = Decimal(0)
    included_seats: int = 0


PriceSpec = Decimal | SeatPriceSpec
LimitSpec = Decimal | Literal["unlimited"]


@attrs.frozen(kw_only=True)
class PlanSpec:
    name: str = ""
    description: str = ""
    prices: dict[str, PriceSpec] = attrs.field(factory=dict)
    limits: dict[str, LimitSpec] = attrs.field(factory=dict)
    features: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class AddOnSpec:
    name: str = ""
    description: str = ""
    prices: dict[str, Decimal] = attrs.field(factory=dict)
    grants: dict[str, Decimal] = attrs.field(factory=dict)
    features: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class CatalogSpec:
    currency: str
    plans: dict[str, PlanSpec]
    proration: ProrationSpec = ProrationSpec()
    metrics: dict[str, MetricSpec] = attrs.field(factory=dict)
    features: dict[str, FeatureSpec] = attrs.field(factory=dict)
    addons: dict[str, AddOnSpec] = attrs.field(factory=dict)


def _describe(value: object) -> str:
    return f"{type(value).__name__} {value!r}"


def _number(value: object, _: type) -> Decimal:
    """A non-negative finite number, exactly as written."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        hint = "; floats are not exact, pass text or a Decimal" if isinstance(value, float) else ""
        raise ValueError(f"expected a number, got {_describe(value)}{hint}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"expected a number, got {_describe(value)}") from None
    if not number.is_finite():
        raise ValueError(f"{value} is not a finite number")
    if number < 0:
        raise ValueError(f"{value} must not be negative")
    return number


def _count(value: object, _: type) -> int:
    """A non-negative whole number."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"expected a whole number, got {_describe(value)}")
    if value != int(value):
        raise ValueError(f"expected a whole number, got {value}")
    if value < 0:
        raise ValueError(f"{value} must not be negative")
    return int(value)


def _text(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {_describe(value)}")
    return value


def _choice(cls: type[enum.Enum]) -> Callable[[object, type], enum.Enum]:
    allowed = [member.value for member in cls]

    def structure(value: object, _: type) -> enum.Enum:
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of: {', '.join(allowed)}")
        return cls(value)

    return structure


def _price(value: object, _: type) -> PriceSpec:
    if isinstance(value, dict):
        return converter.structure(value, SeatPriceSpec)
    return _number(value, Decimal)


def _limit(value: object, _: type) -> LimitSpec:
    if value == "unlimited":
        return "unlimited"
    if isinstance(value, str):
        raise ValueError(f"expected a number or 'unlimited', got {value!r}")
    return _number(value, Decimal)


def _blank_is_empty(cls: type[Any]) -> Callable[[object, type], Any]:
    """``sso:`` with nothing after it means ``sso: {}``."""
    structure = make_dict_structure_fn(cls, converter)

    def hook(value: Any, _: type) -> Any:
        return structure({} if value is None else value, cls)

    return hook


converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
converter.register_structure_hook(Decimal, _number)
converter.register_structure_hook(int, _count)
converter.register_structure_hook(str, _text)
converter.register_structure_hook(PriceSpec, _price)
converter.register_structure_hook(LimitSpec, _limit)
for _enum in (Granularity, Rounding, IntervalChange, DowngradeTiming, MetricKind, Reset):
    converter.register_structure_hook(_enum, _choice(_enum))
BLANK_IS_EMPTY = (FeatureSpec, ProrationSpec)
"""Blocks that may be left blank (``sso:``), meaning all defaults."""
for _cls in BLANK_IS_EMPTY:
    converter.register_structure_hook(_cls, _blank_is_empty(_cls))
