"""The catalog as written: the shape of the plan YAML, one class per kind of block.

cattrs structures a parsed document into these (unknown keys forbidden, every error
collected with its path), and `nudge_sdk.catalog._loader` then checks their meaning and builds
the typed `Catalog`. The JSON Schema of the catalog is generated from these classes.

Every number is bounded where it is read, before anything computes with it: a number at
most `MAX_NUMBER` with at most `MAX_PLACES` decimals, a whole number at most
`MAX_WHOLE`. Within these bounds every conversion the loader makes (to minor units, to
`Fraction`, to `int`) is exact and cheap; narrower bounds of meaning (prices, durations)
are checked by the loader.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from nudge_sdk.billing._money import Rounding
from nudge_sdk.billing._policy import (
    DowngradeTiming,
    Granularity,
    IntervalChange,
    LongerInterval,
)
from nudge_sdk.catalog._metrics import MetricKind, Reset

__all__ = [
    "MAX_NUMBER",
    "MAX_PLACES",
    "MAX_WHOLE",
    "AddOnCurrencySpec",
    "AddOnSpec",
    "CatalogSpec",
    "FeatureSpec",
    "MetricSpec",
    "PlanCurrencySpec",
    "PlanSpec",
    "ProrationSpec",
    "SeatPriceSpec",
    "converter",
]


MAX_NUMBER = 10**15
"""The largest number a catalog may hold (a limit, a grant, a level, a price in major
units): the same bound as usage, so that no product of the two outgrows exact
arithmetic."""
MAX_PLACES = 12
"""The most decimal places a catalog number may have (an overage price needs the
currency's decimals plus six)."""
MAX_WHOLE = 10**9
"""The largest whole number a catalog may hold (counts, caps, priorities, seats)."""
_BRIEF = 40


@attrs.frozen(kw_only=True)
class ProrationSpec:
    granularity: Granularity = Granularity.SECOND
    rounding: Rounding = Rounding.HALF_EVEN
    interval_change: IntervalChange = IntervalChange.RESET
    downgrade: DowngradeTiming = DowngradeTiming.PERIOD_END
    longer_interval: LongerInterval = LongerInterval.IMMEDIATE
    """``immediate``: a move to a longer billing interval is an upgrade, taking effect at
    once; a move to a shorter one follows ``downgrade``. ``by_price``: like any change,
    a downgrade when the price per year goes down."""


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


@attrs.frozen(kw_only=True)
class SoftLimitSpec:
    limit: Decimal
    overage: Decimal = Decimal(0)
    """Price of each unit above the limit; a limit with an overage price is soft."""


PriceSpec = Decimal | SeatPriceSpec
LimitSpec = Decimal | Literal["unlimited"] | SoftLimitSpec


@attrs.frozen(kw_only=True)
class PlanCurrencySpec:
    prices: dict[str, PriceSpec] = attrs.field(factory=dict)
    """The plan's price per interval in this currency: the same intervals as `prices`."""
    overage: dict[str, Decimal] = attrs.field(factory=dict)
    """Per soft-limited metric, the price of each unit above the limit in this currency."""


@attrs.frozen(kw_only=True)
class AddOnCurrencySpec:
    prices: dict[str, Decimal] = attrs.field(factory=dict)
    """The price of one unit per interval in this currency: the same intervals as
    `prices`."""


@attrs.frozen(kw_only=True)
class PlanSpec:
    name: str = ""
    description: str = ""
    popular: bool = False
    prices: dict[str, PriceSpec] = attrs.field(factory=dict)
    limits: dict[str, LimitSpec] = attrs.field(factory=dict)
    features: list[str] = attrs.field(factory=list)
    billing_ids: dict[str, str] = attrs.field(factory=dict)
    """Per interval, the billing system's id for this price (a Stripe price id...)."""
    retired: bool = False
    """No longer sold: still priced and evaluated for the accounts on it, never offered."""
    currency_options: dict[str, PlanCurrencySpec] = attrs.field(factory=dict)
    """Per currency of the catalog's `currencies`, the plan's prices in it."""


@attrs.frozen(kw_only=True)
class AddOnSpec:
    name: str = ""
    description: str = ""
    prices: dict[str, Decimal] = attrs.field(factory=dict)
    grants: dict[str, Decimal] = attrs.field(factory=dict)
    features: list[str] = attrs.field(factory=list)
    plans: list[str] = attrs.field(factory=list)
    """The plans it is sold with; empty: every plan."""
    min_plan: str = ""
    """The lowest plan on the ladder it is sold with."""
    billing_ids: dict[str, str] = attrs.field(factory=dict)
    """Per interval, the billing system's id for this price (a Stripe price id...)."""
    currency_options: dict[str, AddOnCurrencySpec] = attrs.field(factory=dict)
    """Per currency of the catalog's `currencies`, the add-on's prices in it."""


@attrs.frozen(kw_only=True)
class PlacementSpec:
    max: int = 1
    """At most this many nudges in this placement per evaluation."""
    per_day: int = 0
    """At most this many shown in this placement per customer's calendar day; 0: no cap."""
    per_week: int = 0
    """At most this many in the customer's last seven calendar days; 0: no cap."""


@attrs.frozen(kw_only=True)
class CapsSpec:
    per_day: int = 0
    per_week: int = 0


@attrs.frozen(kw_only=True)
class SignalSpec:
    silences: list[str] = attrs.field(factory=lambda: ["all"])
    """Rule ids this signal silences, or ``all``."""


@attrs.frozen(kw_only=True)
class UsageTriggerSpec:
    metric: str
    levels: list[Decimal]
    measure: Literal["share", "remaining"] = "share"
    projected: bool = False


@attrs.frozen(kw_only=True)
class BreakEvenTriggerSpec:
    metric: str


@attrs.frozen(kw_only=True)
class FeatureTriggerSpec:
    feature: str


@attrs.frozen(kw_only=True)
class EndingTriggerSpec:
    what: Literal["period", "trial", "licence"]
    within: str


@attrs.frozen(kw_only=True)
class TrialExtensionTriggerSpec:
    within: str
    days: int
    max: int = 1
    engaged: dict[str, Decimal] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class CancelTriggerSpec:
    signal: str = "cancel_intent"


@attrs.frozen(kw_only=True)
class MilestoneTriggerSpec:
    metric: str = ""
    reached: Decimal = Decimal(0)
    event: str = ""


@attrs.frozen(kw_only=True)
class WhenSpec:
    usage: UsageTriggerSpec | None = None
    break_even: BreakEvenTriggerSpec | None = None
    feature: FeatureTriggerSpec | None = None
    ending: EndingTriggerSpec | None = None
    trial_extension: TrialExtensionTriggerSpec | None = None
    cancel_intent: CancelTriggerSpec | None = None
    milestone: MilestoneTriggerSpec | None = None


@attrs.frozen(kw_only=True)
class FixedOfferSpec:
    plan: str = ""
    addon: str = ""
    quantity: int = 0
    """Add-on units; 0 means as many as cover the usage."""


OfferSpec = Literal["recommend", "downsell", "none"] | FixedOfferSpec


@attrs.frozen(kw_only=True)
class AudienceSpec:
    plans: list[str] = attrs.field(factory=list)
    not_plans: list[str] = attrs.field(factory=list)
    trial: bool | None = None
    min_tenure_days: int | None = None
    max_tenure_days: int | None = None
    locales: list[str] = attrs.field(factory=list)
    countries: list[str] = attrs.field(factory=list)
    attributes: dict[str, list[str]] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class LoyalSpec:
    min_tenure_days: int
    percent: Decimal


@attrs.frozen(kw_only=True)
class DiscountSpec:
    percent: Decimal = Decimal(0)
    loyal: LoyalSpec | None = None


@attrs.frozen(kw_only=True)
class ScheduleSpec:
    start: str = ""
    end: str = ""


@attrs.frozen(kw_only=True)
class FrequencySpec:
    cooldown: str = "0d"
    max_per_week: int = 0
    """0 means no weekly cap."""
    max_shown: int = 0
    """At most this many times in any `within` (a rolling window); 0 means no cap."""
    within: str = "7d"
    snoozable: bool = True
    max_snooze: str = "30d"
    """The longest snooze a customer may choose; a later `until` is cut to it."""
    dismissible: bool = True
    dismiss_for: str = ""
    """How long "don't show again" lasts; empty means for good."""
    once_per_level: bool = True


@attrs.frozen(kw_only=True)
class PluralSpec:
    count: str
    other: str
    zero: str = ""
    one: str = ""
    two: str = ""
    few: str = ""
    many: str = ""


TextSpec = str | PluralSpec


@attrs.frozen(kw_only=True)
class MessageSpec:
    title: TextSpec
    body: TextSpec
    cta: TextSpec = ""


@attrs.frozen(kw_only=True)
class DifferenceSpec:
    more: str
    less: str
    same: str = ""


@attrs.frozen(kw_only=True)
class NudgeSpec:
    when: WhenSpec
    offer: OfferSpec = "recommend"
    audience: AudienceSpec = AudienceSpec()
    placement: str = "banner"
    priority: int = 0
    severity: Literal["info", "warning", "critical"] = "info"
    schedule: ScheduleSpec | None = None
    discount: DiscountSpec | None = None
    max_addon_share: Decimal | None = None
    """The most an add-on offer may add to the bill, in percent of it (price anchoring)."""
    frequency: FrequencySpec = FrequencySpec()
    messages: dict[str, MessageSpec] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class CatalogSpec:
    currency: str
    currencies: list[str] = attrs.field(factory=list)
    """More currencies the catalog sells in; every priced plan and add-on then gives its
    prices in each, under `currency_options`."""
    plans: dict[str, PlanSpec]
    proration: ProrationSpec = ProrationSpec()
    default_locale: str = "en"
    interval_names: dict[str, dict[str, str]] = attrs.field(factory=dict)
    """Per locale, the word for each billing interval in messages (``{interval}``)."""
    comparison_messages: dict[str, DifferenceSpec] = attrs.field(factory=dict)
    """Per locale, how a comparison column states its price difference."""
    quiet_days_after_signup: int = 0
    metrics: dict[str, MetricSpec] = attrs.field(factory=dict)
    features: dict[str, FeatureSpec] = attrs.field(factory=dict)
    addons: dict[str, AddOnSpec] = attrs.field(factory=dict)
    placements: dict[str, PlacementSpec] = attrs.field(factory=dict)
    caps: CapsSpec = CapsSpec()
    signals: dict[str, SignalSpec] = attrs.field(factory=dict)
    nudges: dict[str, NudgeSpec] = attrs.field(factory=dict)


def brief(value: object) -> str:
    """`repr(value)`, cut to a few dozen characters: a message quotes no more of a value
    (it could be megabytes)."""
    if isinstance(value, str | bytes) and len(value) > _BRIEF:
        return f"{value[:_BRIEF]!r}... ({len(value)} characters)"
    if isinstance(value, int) and not -(10**_BRIEF) < value < 10**_BRIEF:
        return f"a number of more than {_BRIEF} digits"
    if isinstance(value, dict | list | tuple | set | frozenset):
        return f"a {type(value).__name__} of {len(value)} items"
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= _BRIEF else f"{text[:_BRIEF]}..."


def _describe(value: object) -> str:
    return f"{type(value).__name__} {brief(value)}"


def places(number: Decimal) -> int:
    """Decimal places of a finite `number` as written, trailing zeros aside (exact:
    no context rounding)."""
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    if not any(digits):
        return 0
    trailing = len(digits) - len(bytes(digits).rstrip(b"\x00"))
    return max(0, -(exponent + trailing))


def _number(value: object, _: type) -> Decimal:
    """A non-negative finite number of at most `MAX_NUMBER` and `MAX_PLACES` decimals,
    exactly as written."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        hint = "; floats are not exact, pass text or a Decimal" if isinstance(value, float) else ""
        raise ValueError(f"expected a number, got {_describe(value)}{hint}")
    too_long = isinstance(value, str) and len(value) > _BRIEF
    if too_long or (isinstance(value, int) and value > MAX_NUMBER):
        raise ValueError(f"{brief(value)} is more than a catalog number may be ({MAX_NUMBER})")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"expected a number, got {_describe(value)}") from None
    if not number.is_finite():
        raise ValueError(f"{value} is not a finite number")
    if number < 0:
        raise ValueError(f"{brief(number)} must not be negative")
    if number > MAX_NUMBER:
        raise ValueError(f"{brief(number)} is more than a catalog number may be ({MAX_NUMBER})")
    if places(number) > MAX_PLACES:
        raise ValueError(f"{brief(number)} has more than {MAX_PLACES} decimals")
    return number


def _count(value: object, _: type) -> int:
    """A non-negative whole number of at most `MAX_WHOLE`."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"expected a whole number, got {_describe(value)}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"expected a whole number, got {value}")
    if value < 0:
        raise ValueError(f"{brief(value)} must not be negative")
    if value > MAX_WHOLE:
        raise ValueError(f"{brief(value)} is more than a count may be ({MAX_WHOLE})")
    if value != int(value):
        raise ValueError(f"expected a whole number, got {value}")
    return int(value)


def _text(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {_describe(value)}")
    return value


def _choice(cls: type[enum.Enum]) -> Callable[[object, type], enum.Enum]:
    allowed = [member.value for member in cls]

    def structure(value: object, _: type) -> enum.Enum:
        if value not in allowed:
            raise ValueError(f"{brief(value)} is not one of: {', '.join(allowed)}")
        return cls(value)

    return structure


def _price(value: object, _: type) -> PriceSpec:
    if isinstance(value, dict):
        return converter.structure(value, SeatPriceSpec)
    return _number(value, Decimal)


def _limit(value: object, _: type) -> LimitSpec:
    if value == "unlimited":
        return "unlimited"
    if isinstance(value, dict):
        return converter.structure(value, SoftLimitSpec)
    if isinstance(value, str):
        raise ValueError(f"expected a number or 'unlimited', got {brief(value)}")
    return _number(value, Decimal)


def _offer(value: object, _: type) -> OfferSpec:
    if isinstance(value, dict):
        return converter.structure(value, FixedOfferSpec)
    if value not in ("recommend", "downsell", "none"):
        raise ValueError(
            f"expected recommend, downsell, none, {{plan: ID}} or {{addon: ID}}, got {brief(value)}"
        )
    return value


def _text_or_plural(value: object, _: type) -> TextSpec:
    if isinstance(value, dict):
        return converter.structure(value, PluralSpec)
    return _text(value, str)


def _strings(value: object, _: type) -> list[str]:
    """One value or a list of them, compared as text (attribute values)."""
    values = value if isinstance(value, list) else [value]
    for item in values:
        if isinstance(item, dict | list) or item is None:
            raise ValueError(f"expected text, a number or a list of them, got {brief(item)}")
    return [str(item).lower() if isinstance(item, bool) else str(item) for item in values]


def _flag(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {brief(value)}")
    return value


def _literal(value: object, tp: Any) -> Any:
    allowed = typing.get_args(tp)
    if value not in allowed:
        raise ValueError(f"{brief(value)} is not one of: {', '.join(allowed)}")
    return value


def _is_literal(tp: Any) -> bool:
    return bool(typing.get_origin(tp) == Literal)


def _attributes(value: object) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping of attribute to values, got {brief(value)}")
    return {str(key): _strings(item, list) for key, item in value.items()}


def _names(value: object) -> dict[str, dict[str, str]]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ValueError("expected, per locale, a mapping of interval to its name")
    return {
        str(locale): {str(k): _text(v, str) for k, v in names.items()}
        for locale, names in value.items()
    }


def _blank_is_empty(cls: type[Any]) -> Callable[[object, type], Any]:
    """``sso:`` with nothing after it means ``sso: {}``."""
    structure = make_dict_structure_fn(cls, converter)

    def hook(value: Any, _: type) -> Any:
        if value is not None and not isinstance(value, dict):
            raise ValueError(f"expected a mapping, got {_describe(value)}")
        return structure({} if value is None else value, cls)

    return hook


converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
converter.register_structure_hook(Decimal, _number)
converter.register_structure_hook(int, _count)
converter.register_structure_hook(str, _text)
converter.register_structure_hook(PriceSpec, _price)
converter.register_structure_hook(LimitSpec, _limit)
converter.register_structure_hook(OfferSpec, _offer)
converter.register_structure_hook(TextSpec, _text_or_plural)
converter.register_structure_hook(bool, _flag)
converter.register_structure_hook_func(_is_literal, _literal)
converter.register_structure_hook_func(
    lambda tp: tp == dict[str, list[str]], lambda value, _: _attributes(value)
)
converter.register_structure_hook_func(
    lambda tp: tp == dict[str, dict[str, str]], lambda value, _: _names(value)
)
_texts = converter.get_structure_hook(list[str])


def _list_of_text(value: object, tp: type) -> list[str]:
    """A list of text, each item checked (a bare text or a mapping is not a list: cattrs
    would take ``EUR`` as ``[E, U, R]``)."""
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {_describe(value)}")
    return _texts(value, tp)  # type: ignore[no-any-return]


converter.register_structure_hook_func(lambda tp: tp == list[str], _list_of_text)
for _enum in (
    Granularity,
    Rounding,
    IntervalChange,
    DowngradeTiming,
    LongerInterval,
    MetricKind,
    Reset,
):
    converter.register_structure_hook(_enum, _choice(_enum))
BLANK_IS_EMPTY = (
    FeatureSpec,
    ProrationSpec,
    PlacementSpec,
    SignalSpec,
    CancelTriggerSpec,
    AudienceSpec,
    FrequencySpec,
    CapsSpec,
    PlanCurrencySpec,
    AddOnCurrencySpec,
)
"""Blocks that may be left blank (``sso:``), meaning all defaults."""
for _cls in BLANK_IS_EMPTY:
    converter.register_structure_hook(_cls, _blank_is_empty(_cls))
