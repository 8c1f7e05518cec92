"""Nudge rules as typed values, and their checks when the catalog loads.

A rule is a trigger (when to nudge), an offer (what to propose), an audience (who may
see it), a placement, a priority, a severity, an optional schedule and discount,
frequency settings, and message templates per locale.

Durations are a number and an unambiguous unit each (``w``, ``d``, ``h``, ``min``;
``m`` is refused, it could be months or minutes), and bounded: a window a store must
remember (``cooldown``, ``within``, ``max_snooze``, ``dismiss_for``) at most
`MAX_WINDOW`, a lead time (``ending.within``, ``trial_extension.within``) and a trial
extension at most `MAX_DURATION`, so that no date a rule computes can overflow.
"""

from __future__ import annotations

import enum
import itertools
import re
import string
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import attrs
from babel import Locale, UnknownLocaleError

from nudge_sdk.billing._periods import parse_instant
from nudge_sdk.catalog._spec import FixedOfferSpec, NudgeSpec, PluralSpec, TextSpec

__all__ = [
    "MAX_COUNTED",
    "MAX_DURATION",
    "MAX_WINDOW",
    "PLACEHOLDERS",
    "Audience",
    "BreakEven",
    "CancelIntent",
    "Ending",
    "FeatureLocked",
    "FixedOffer",
    "Frequency",
    "Message",
    "Milestone",
    "NudgeKind",
    "Rule",
    "RuleDiscount",
    "Severity",
    "Template",
    "TrialExtension",
    "UsageThreshold",
    "choices",
    "parse_duration",
]

Problem = Callable[[tuple[str | int, ...], str], None]

PLACEHOLDERS = {
    "account": "the account id",
    "metric": "the metric's name",
    "unit": "the metric's unit",
    "used": "usage, formatted for the locale",
    "limit": "the limit, formatted",
    "remaining": "what is left before the limit, formatted",
    "percent": "utilization as a percentage, formatted",
    "level": "the threshold level that was crossed",
    "run_out_date": "when usage at the current pace reaches the limit",
    "plan": "the offered plan's name",
    "current_plan": "the account's plan name",
    "addon": "the offered add-on's name",
    "quantity": "how many add-on units are offered",
    "price": "the offer's recurring price, formatted with the currency",
    "current_price": "the account's current recurring price",
    "difference": "offer price minus current price",
    "due_now": "what switching costs today (prorated)",
    "overage": "projected overage spend this period",
    "saving": "what the offer saves per period against staying and paying overage",
    "discount": "the discount, as a percentage",
    "feature": "the feature's name",
    "days": "days (left, or offered as extension)",
    "date": (
        "the date the trigger is about: the period, trial or licence end (`ending`); the"
        " trial's current end (`trial_extension`)"
    ),
    "extended_until": "the trial's end once the offered extension is taken (`trial_extension`)",
    "expires": "when a limited-time offer ends",
    "interval": "the billing interval",
}
"""The names a message template may use, each replaced by a value already formatted
for the customer's locale. Anything else in braces is an error when the catalog loads."""

COMPARISON_PLACEHOLDERS = {
    "difference": "the price difference with the current plan, without sign, formatted",
    "interval": "the billing interval",
    "plan": "the column's plan name",
    "price": "the column's price, formatted",
}
"""The names a comparison message (``comparison_messages``) may use."""

_CHOICES = 20
_PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")
_DURATION = re.compile(r"(\d+)\s*(min|[wdh])(?![a-z])", re.ASCII)
_DURATION_SECONDS = {"w": 7 * 86400, "d": 86400, "h": 3600, "min": 60, "s": 1}
_AMBIGUOUS = re.compile(r"\d\s*m(?![a-z])", re.ASCII)
_ISO = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<min>\d+)M)?"
    r"(?:(?P<s>\d+)S)?)?",
    re.ASCII,
)
"""ISO 8601 durations of fixed length: weeks, days, hours, minutes, seconds."""
_UNITS = "d, w, h or min (7d, 2w, 12h, 30min, 1d 12h), or ISO 8601 (P7D, PT12H)"


class Severity(enum.Enum):
    """How prominently the frontend should show a nudge."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class NudgeKind(enum.Enum):
    """What a nudge is about; frontends pick a component by it."""

    UPGRADE = "upgrade"
    ADDON = "addon"
    BREAK_EVEN = "break_even"
    FEATURE_LOCKED = "feature_locked"
    RENEWAL = "renewal"
    TRIAL_ENDING = "trial_ending"
    TRIAL_EXTENSION = "trial_extension"
    RETENTION = "retention"
    MILESTONE = "milestone"


@attrs.frozen
class UsageThreshold:
    """Usage of `metric` crossed one of `levels` (percent of the limit, or amount left)."""

    metric: str
    levels: tuple[Decimal, ...]
    measure: Literal["share", "remaining"] = "share"
    projected: bool = False


@attrs.frozen
class BreakEven:
    """Paying overage on `metric` costs more than an option that covers the usage."""

    metric: str


@attrs.frozen
class FeatureLocked:
    """The host asked about `feature` and the plan lacks it."""

    feature: str


@attrs.frozen
class Ending:
    """The period, trial or licence ends within `within`."""

    what: Literal["period", "trial", "licence"]
    within: timedelta


@attrs.frozen
class TrialExtension:
    """The trial ends within `within` and usage shows engagement: offer `days` more."""

    within: timedelta
    days: int
    max: int
    engaged: Mapping[str, Decimal]


@attrs.frozen
class CancelIntent:
    """The host reports `signal` (the customer is about to cancel): down-sell."""

    signal: str


@attrs.frozen
class Milestone:
    """A metric reached `reached`, or the host reported `event`."""

    metric: str
    reached: Decimal
    event: str


Trigger = (
    UsageThreshold | BreakEven | FeatureLocked | Ending | TrialExtension | CancelIntent | Milestone
)


@attrs.frozen
class FixedOffer:
    """Offer this plan, or this add-on (``quantity`` 0: as many as cover usage)."""

    plan: str = ""
    addon: str = ""
    quantity: int = 0


OfferChoice = Literal["recommend", "downsell", "none"] | FixedOffer


@attrs.frozen(kw_only=True)
class Audience:
    """Who may see a rule's nudge; empty sets admit everyone."""

    plans: frozenset[str] = frozenset()
    not_plans: frozenset[str] = frozenset()
    trial: bool | None = None
    min_tenure_days: int | None = None
    max_tenure_days: int | None = None
    locales: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    attributes: Mapping[str, frozenset[str]] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class RuleDiscount:
    """A discount on the offer; loyal customers (by tenure) may get a better one."""

    percent: Fraction = Fraction(0)
    loyal_after_days: int | None = None
    loyal_percent: Fraction = Fraction(0)

    def for_tenure(self, days: int) -> Fraction:
        """The percentage off for a customer of `days` tenure."""
        if self.loyal_after_days is not None and days >= self.loyal_after_days:
            return self.loyal_percent
        return self.percent


@attrs.frozen(kw_only=True)
class Frequency:
    """How often a nudge may be shown; enforced against the state snapshot."""

    cooldown: timedelta = timedelta(0)
    max_per_week: int = 0
    """At most this many in any seven days (rolling); 0: no cap."""
    max_shown: int = 0
    """At most this many in any `within` (rolling); 0: no cap."""
    within: timedelta = timedelta(days=7)
    snoozable: bool = True
    max_snooze: timedelta = timedelta(days=30)
    """A snooze the customer asks for ends at most this long after they ask."""
    dismissible: bool = True
    dismiss_for: timedelta | None = None
    """How long "don't show again" holds; `None`: for good."""
    once_per_level: bool = True

    @property
    def lookback(self) -> timedelta:
        """How far back this rule's caps look at its impressions."""
        return max(
            self.cooldown,
            timedelta(days=7) if self.max_per_week else timedelta(0),
            self.within if self.max_shown else timedelta(0),
        )


@attrs.frozen
class Template:
    """Message text, or plural forms chosen by the number in placeholder `count`."""

    forms: Mapping[str, str]
    count: str = ""

    def text(self, plural_form: str) -> str:
        """The text for this plural category, falling back to ``other``."""
        return self.forms.get(plural_form) or self.forms["other"]


def _named(message: Message) -> frozenset[str]:
    return frozenset(
        name
        for template in (message.title, message.body, message.cta)
        for text in template.forms.values()
        for _, name, _, _ in string.Formatter().parse(text)
        if name
    ) | {t.count for t in (message.title, message.body, message.cta) if t.count}


@attrs.frozen
class Message:
    """A rule's title, body and call to action in one locale."""

    title: Template
    body: Template
    cta: Template
    names: frozenset[str] = attrs.field(
        init=False, eq=False, repr=False, default=attrs.Factory(_named, takes_self=True)
    )
    """The placeholders its texts name (and count by): only these are formatted."""


@attrs.frozen(kw_only=True)
class Rule:
    """A compiled nudge rule."""

    id: str
    kind: NudgeKind
    trigger: Trigger
    offer: OfferChoice
    audience: Audience
    placement: str
    priority: int
    severity: Severity
    starts: datetime | None
    ends: datetime | None
    discount: RuleDiscount | None
    frequency: Frequency
    messages: Mapping[str, Message]
    max_addon_share: Fraction | None = None
    """The most an add-on offer on the account's own plan may add to its recurring bill,
    as a fraction of that bill (``max_addon_share: 40`` is 2/5); above it a ``recommend``
    rule offers the cheapest other plan instead, any other rule stays quiet
    (``addon_share_cap``)."""


def locale_key(text: str) -> str:
    """``fa-IR`` and ``fa_ir`` both become Babel's ``fa_IR``."""
    return str(Locale.parse(text.replace("-", "_")))


MAX_WINDOW = timedelta(days=400)
"""The longest window a cooldown, cap, snooze or dismissal may name: stores keep an
account's history about this long after its last write."""
MAX_COUNTED = 500
"""The most impressions a store keeps per account, so the highest count any cap (a
rule's `max_per_week` or `max_shown`, the catalog's and placements' `per_day` and
`per_week`) may name: a larger one could never be reached."""
MAX_DURATION = timedelta(days=3660)
"""The longest duration any rule may name (about ten years): how far ahead an ending or
a trial extension looks, and how many days an extension gives."""


def too_many(count: int) -> str:
    """Why a cap counting `count` impressions is refused."""
    return f"{count} is more than the {MAX_COUNTED} impressions a store keeps per account"


def parse_duration(text: str, longest: timedelta = MAX_DURATION) -> timedelta:
    """``7d``, ``12h``, ``2w``, ``30min``, ``1d 12h``, or ISO 8601 of fixed length
    (``P7D``, ``PT12H``, ``P1DT30M``), at most `longest`; `ValueError` otherwise. Units
    that could be read two ways (``m``: months or minutes) and units of no fixed length
    (months, years) are refused.

    >>> parse_duration("1d 12h")
    datetime.timedelta(days=1, seconds=43200)
    >>> parse_duration("PT1H30M")
    datetime.timedelta(seconds=5400)
    """
    iso = _ISO.fullmatch(text.strip()) if text.strip().startswith("P") else None
    if iso is not None and any(iso.groups()):
        parts = [(number, unit) for unit, number in iso.groupdict().items() if number]
    elif text.strip().startswith("P"):
        raise ValueError(
            f"{_brief(text)} is not an ISO 8601 duration of fixed length: whole weeks, days, "
            "hours, minutes and seconds (P7D, PT12H, P1DT30M); months and years vary in length"
        )
    else:
        parts = _DURATION.findall(text)
    if not parts or (iso is None and _DURATION.sub("", text).strip()):
        if _AMBIGUOUS.search(text):
            raise ValueError(
                f"{_brief(text)} is not a duration: m could be months or minutes; "
                "write min for minutes (30min), d, w or h for longer"
            )
        raise ValueError(f"{_brief(text)} is not a duration; write {_UNITS}")
    seconds = 0
    for number, unit in parts:
        if len(number) > 12:  # more than any bound: do not convert megabytes of digits
            seconds = -1
            break
        seconds += int(number) * _DURATION_SECONDS[unit]
    if not 0 <= seconds <= longest.total_seconds():
        raise ValueError(f"{_brief(text)} is longer than {longest.days} days")
    return timedelta(seconds=seconds)


def choices(names: Collection[str], first: str = "none") -> str:
    """The names a message offers, at most twenty of them: a catalog of thousands of ids
    must not make every message about one of them thousands of ids long."""
    shown = list(itertools.islice(names, _CHOICES))
    more = f" and {len(names) - _CHOICES} more" if len(names) > _CHOICES else ""
    return ", ".join(shown) + more if shown else first


def _brief(text: str) -> str:
    return repr(text) if len(text) <= 40 else f"{text[:40]!r}... ({len(text)} characters)"


def _kind(trigger: Trigger, offer: OfferChoice) -> NudgeKind:
    if isinstance(trigger, UsageThreshold) and isinstance(offer, FixedOffer) and offer.addon:
        return NudgeKind.ADDON
    if isinstance(trigger, Ending) and trigger.what == "trial":
        return NudgeKind.TRIAL_ENDING  # buying for the first time, not renewing
    kinds: dict[type, NudgeKind] = {
        UsageThreshold: NudgeKind.UPGRADE,
        BreakEven: NudgeKind.BREAK_EVEN,
        FeatureLocked: NudgeKind.FEATURE_LOCKED,
        Ending: NudgeKind.RENEWAL,
        TrialExtension: NudgeKind.TRIAL_EXTENSION,
        CancelIntent: NudgeKind.RETENTION,
        Milestone: NudgeKind.MILESTONE,
    }
    return kinds[type(trigger)]


class RuleBuilder:
    """Checks and compiles the ``nudges`` section against the rest of the catalog."""

    def __init__(self, known: Mapping[str, Any], default_locale: str, problem: Problem) -> None:
        self.known = known  # "metrics", "features", "plans", "addons", "placements" -> ids
        self.default_locale = default_locale
        self.problem = problem

    def ref(self, path: tuple[str | int, ...], kind: str, key: str) -> None:
        if key and key not in self.known[kind]:
            known = choices(self.known[kind])
            self.problem(path, f"unknown {kind[:-1]} {key!r}; the catalog defines: {known}")

    def build(self, rule_id: str, spec: NudgeSpec) -> Rule | None:
        path: tuple[str | int, ...] = ("nudges", rule_id)
        trigger = self.trigger((*path, "when"), spec)
        offer = self.offer((*path, "offer"), spec.offer)
        if self.known["placements"]:  # a catalog without placements takes any name
            self.ref((*path, "placement"), "placements", spec.placement)
        starts, ends = self.schedule(path, spec)
        messages = self.messages((*path, "messages"), spec)
        if trigger is None:
            return None
        return Rule(
            id=rule_id,
            kind=_kind(trigger, offer),
            trigger=trigger,
            offer=offer,
            audience=self.audience((*path, "audience"), spec),
            placement=spec.placement,
            priority=spec.priority,
            severity=Severity(spec.severity),
            starts=starts,
            ends=ends,
            discount=self.discount((*path, "discount"), spec),
            frequency=self.frequency((*path, "frequency"), spec),
            messages=messages,
            max_addon_share=self.share((*path, "max_addon_share"), spec, offer),
        )

    def trigger(self, path: tuple[str | int, ...], spec: NudgeSpec) -> Trigger | None:
        given = {
            name: value
            for name, value in attrs.asdict(spec.when, recurse=False).items()
            if value is not None
        }
        if len(given) != 1:
            names = ", ".join(attrs.fields_dict(type(spec.when)))
            self.problem(path, f"give exactly one trigger, one of: {names}")
            return None
        [(name, value)] = given.items()
        at = (*path, name)
        if name == "usage":
            self.ref((*at, "metric"), "metrics", value.metric)
            if not value.levels:
                self.problem((*at, "levels"), "give at least one level")
            return UsageThreshold(
                value.metric, tuple(sorted(value.levels)), value.measure, value.projected
            )
        if name == "break_even":
            self.ref((*at, "metric"), "metrics", value.metric)
            return BreakEven(value.metric)
        if name == "feature":
            self.ref((*at, "feature"), "features", value.feature)
            return FeatureLocked(value.feature)
        if name == "ending":
            return Ending(value.what, self.duration((*at, "within"), value.within))
        if name == "trial_extension":
            for metric in value.engaged:
                self.ref((*at, "engaged", metric), "metrics", metric)
            if value.days < 1 or value.max < 1:
                self.problem(at, "days and max must be at least 1")
            if value.days > MAX_DURATION.days:
                self.problem((*at, "days"), f"an extension may be at most {MAX_DURATION.days} days")
            within = self.duration((*at, "within"), value.within)
            return TrialExtension(within, value.days, value.max, dict(value.engaged))
        if name == "cancel_intent":
            return CancelIntent(value.signal)
        if bool(value.metric) == bool(value.event):
            self.problem(at, "give either a metric (with reached) or an event")
        self.ref((*at, "metric"), "metrics", value.metric)
        return Milestone(value.metric, value.reached, value.event)

    def duration(
        self, path: tuple[str | int, ...], text: str, longest: timedelta = MAX_DURATION
    ) -> timedelta:
        try:
            return parse_duration(text, longest)
        except ValueError as error:
            self.problem(path, str(error))
            return timedelta(0)

    def window(self, path: tuple[str | int, ...], text: str, zero: bool = False) -> timedelta:
        """A duration of at most `MAX_WINDOW`, and positive unless `zero` may be."""
        try:
            window = parse_duration(text)
        except ValueError as error:
            self.problem(path, str(error))
            return timedelta(0)
        if window <= timedelta(0) and not zero:
            self.problem(path, f"{_brief(text)} must be longer than zero")
        if window > MAX_WINDOW:
            self.problem(
                path, f"{_brief(text)} is longer than the {MAX_WINDOW.days} days a store keeps"
            )
        return min(window, MAX_WINDOW)

    def offer(self, path: tuple[str | int, ...], spec: Any) -> OfferChoice:
        if not isinstance(spec, FixedOfferSpec):
            return spec  # type: ignore[no-any-return]
        if bool(spec.plan) == bool(spec.addon):
            self.problem(path, "give either plan or addon")
        self.ref((*path, "plan"), "plans", spec.plan)
        if spec.plan in self.known.get("retired", ()):
            self.problem((*path, "plan"), f"plan {spec.plan!r} is retired: no rule may offer it")
        self.ref((*path, "addon"), "addons", spec.addon)
        return FixedOffer(spec.plan, spec.addon, spec.quantity)

    def audience(self, path: tuple[str | int, ...], spec: NudgeSpec) -> Audience:
        audience = spec.audience
        for key in ("plans", "not_plans"):
            for index, plan in enumerate(getattr(audience, key)):
                self.ref((*path, key, index), "plans", plan)
        locales = set()
        for index, text in enumerate(audience.locales):
            try:
                locales.add(locale_key(text))
            except (ValueError, UnknownLocaleError):
                self.problem((*path, "locales", index), f"{text!r} is not a known locale")
        return Audience(
            plans=frozenset(audience.plans),
            not_plans=frozenset(audience.not_plans),
            trial=audience.trial,
            min_tenure_days=audience.min_tenure_days,
            max_tenure_days=audience.max_tenure_days,
            locales=frozenset(locales),
            countries=frozenset(c.upper() for c in audience.countries),
            attributes={k: frozenset(v) for k, v in audience.attributes.items()},
        )

    def schedule(
        self, path: tuple[str | int, ...], spec: NudgeSpec
    ) -> tuple[datetime | None, datetime | None]:
        if spec.schedule is None:
            return None, None
        bounds: list[datetime | None] = []
        for key in ("start", "end"):
            text = getattr(spec.schedule, key)
            if not text:
                bounds.append(None)
                continue
            try:
                bounds.append(parse_instant(text))
            except ValueError as error:
                self.problem((*path, "schedule", key), str(error))
                bounds.append(None)
            except OverflowError:  # a valid text whose time in UTC is before year 1
                self.problem((*path, "schedule", key), f"{_brief(text)} is out of range")
                bounds.append(None)
        starts, ends = bounds
        if starts and ends and ends <= starts:
            self.problem((*path, "schedule", "end"), "must come after start")
        return starts, ends

    def discount(self, path: tuple[str | int, ...], spec: NudgeSpec) -> RuleDiscount | None:
        if spec.discount is None:
            return None
        percents = [spec.discount.percent]
        loyal = spec.discount.loyal
        if loyal is not None:
            percents.append(loyal.percent)
        if any(p > 100 for p in percents):
            self.problem(path, "a percentage must be from 0 to 100")
        return RuleDiscount(
            percent=Fraction(spec.discount.percent),
            loyal_after_days=loyal.min_tenure_days if loyal else None,
            loyal_percent=Fraction(loyal.percent) if loyal else Fraction(0),
        )

    def share(
        self, path: tuple[str | int, ...], spec: NudgeSpec, offer: OfferChoice
    ) -> Fraction | None:
        if spec.max_addon_share is None:
            return None
        if not 0 < spec.max_addon_share <= 1000:
            self.problem(path, "a share of the bill must be a percentage above 0, at most 1000")
        if offer in ("none", "downsell") or (isinstance(offer, FixedOffer) and offer.plan):
            self.problem(path, "only a rule that can offer add-ons (recommend, addon) takes a cap")
        return Fraction(spec.max_addon_share) / 100

    def frequency(self, path: tuple[str | int, ...], spec: NudgeSpec) -> Frequency:
        f = spec.frequency
        for name in ("max_per_week", "max_shown"):
            if getattr(f, name) > MAX_COUNTED:
                self.problem((*path, name), too_many(getattr(f, name)))
        return Frequency(
            cooldown=self.window((*path, "cooldown"), f.cooldown, zero=True),
            max_per_week=f.max_per_week,
            max_shown=f.max_shown,
            within=self.window((*path, "within"), f.within),
            snoozable=f.snoozable,
            max_snooze=self.window((*path, "max_snooze"), f.max_snooze),
            dismissible=f.dismissible,
            dismiss_for=self.window((*path, "dismiss_for"), f.dismiss_for)
            if f.dismiss_for
            else None,
            once_per_level=f.once_per_level,
        )

    def messages(self, path: tuple[str | int, ...], spec: NudgeSpec) -> dict[str, Message]:
        messages = {}
        for locale, message in spec.messages.items():
            at = (*path, locale)
            try:
                key = locale_key(locale)
            except (ValueError, UnknownLocaleError):
                self.problem(at, f"{locale!r} is not a known locale")
                continue
            messages[key] = Message(
                title=self.template((*at, "title"), message.title),
                body=self.template((*at, "body"), message.body),
                cta=self.template((*at, "cta"), message.cta),
            )
        if self.default_locale not in messages:
            self.problem(path, f"give messages in the default locale {self.default_locale!r}")
        return messages

    def template(self, path: tuple[str | int, ...], spec: TextSpec) -> Template:
        if isinstance(spec, PluralSpec):
            forms = {f: getattr(spec, f) for f in _PLURAL_FORMS if getattr(spec, f)}
            if not spec.other:
                self.problem(
                    (*path, "other"), "must not be empty: it is used when no other form fits"
                )
            if spec.count not in PLACEHOLDERS:
                self.problem((*path, "count"), f"{spec.count!r} is not a placeholder")
            for form, text in forms.items():
                self.placeholders((*path, form), text)
            return Template(forms, spec.count)
        self.placeholders(path, spec)
        return Template({"other": spec})

    def placeholders(
        self, path: tuple[str | int, ...], text: str, allowed: Mapping[str, str] = PLACEHOLDERS
    ) -> None:
        try:
            fields = list(string.Formatter().parse(text))
        except ValueError as error:
            self.problem(path, f"malformed template: {error}")
            return
        for _, name, spec, conversion in fields:
            if name is None:
                continue
            if name not in allowed or spec or conversion:
                self.problem(
                    path,
                    f"{{{name}}} is not a placeholder; use one of: {', '.join(allowed)}",
                )
