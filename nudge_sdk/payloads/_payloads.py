"""What the frontend renders: nudges, offers, plan comparisons, as typed values.

Every number a customer sees is already formatted for their locale, next to the exact
value (integer minor units for money, decimal text for quantities). `to_json` (through
cattrs) gives the documented JSON; its schema is in ``schemas/payload.schema.json``,
generated from these classes: every field's docstring becomes its description, and
every ``Literal`` alias below an enumeration a frontend can switch on.
"""

from __future__ import annotations

import typing
from datetime import datetime
from typing import Literal, TypeAlias

import attrs

__all__ = [
    "DECISION_REASONS",
    "SCHEMA_VERSION",
    "AddonLine",
    "Amount",
    "Badge",
    "CallToAction",
    "Comparison",
    "CtaAction",
    "Decision",
    "DecisionReason",
    "Direction",
    "Evaluation",
    "FeatureCell",
    "Impression",
    "LimitCell",
    "MetricFigures",
    "Nudge",
    "NudgeKindCode",
    "Offer",
    "OfferKind",
    "PlanColumn",
    "Reason",
    "ReasonCode",
    "SeverityCode",
]

SCHEMA_VERSION = 1
"""Bumped when a payload's JSON changes in a way a frontend would notice."""

# -- closed sets of values: a frontend may switch on these ----------------------------

NudgeKindCode: TypeAlias = Literal[
    "upgrade",
    "addon",
    "break_even",
    "feature_locked",
    "renewal",
    "trial_ending",
    "trial_extension",
    "retention",
    "milestone",
]
"""What a nudge is about, from its rule's ``kind`` (`NudgeKind`); a frontend picks a
component by it. A rule of kind ``upgrade`` whose best offer is an add-on gives an
``addon`` nudge."""

SeverityCode: TypeAlias = Literal["info", "warning", "critical"]
"""How prominently to show a nudge, from its rule's ``severity`` (`Severity`)."""

Direction: TypeAlias = Literal["ltr", "rtl"]
"""The writing direction of the locale the text is in: ``rtl`` for Arabic, Persian,
Hebrew and other right-to-left scripts."""

CtaAction: TypeAlias = Literal[
    "upgrade", "add_addon", "switch_plan", "extend_trial", "renew", "none"
]
"""What the button does: ``upgrade`` (to `plan`), ``add_addon`` (buy `addons`),
``switch_plan`` (to a plan that is cheaper or costs less than overage), ``extend_trial``,
``renew``, or ``none`` when the nudge has no offer (the button only acknowledges)."""

OfferKind: TypeAlias = Literal["plan", "addon", "plan_with_addons", "trial_extension"]
"""What an offer changes: the plan (or its seats), add-ons only, both, or the trial's
end."""

ReasonCode: TypeAlias = Literal[
    "usage_threshold",
    "break_even",
    "feature_locked",
    "ending",
    "trial_extension",
    "cancel_intent",
    "milestone",
    "cheapest_fit",
    "addon_share_cap",
    "discount",
]
"""Why a nudge is shown: first the trigger that fired (``usage_threshold``,
``break_even``, ``feature_locked``, ``ending``, ``trial_extension``, ``cancel_intent``,
``milestone``), then ``cheapest_fit`` when the offer is the cheapest option covering the
usage, ``addon_share_cap`` when add-ons would have cost more of the bill than the rule
allows and a plan is offered instead, and ``discount`` when a discount applies."""

DecisionReason: TypeAlias = Literal[
    "shown",
    # audience and restraint, checked before the trigger
    "audience_plan",
    "audience_trial",
    "audience_tenure",
    "audience_locale",
    "audience_country",
    "audience_attribute",
    "quiet_period",
    "silenced_by_signal",
    "outside_schedule",
    "other_placement",
    # the trigger did not fire
    "no_usage",
    "unlimited",
    "threshold_not_reached",
    "no_overage",
    "no_saving",
    "feature_not_requested",
    "feature_allowed",
    "nothing_ending",
    "not_ending",
    "not_in_trial",
    "not_engaged",
    "extensions_used",
    "no_cancel_intent",
    "milestone_not_reached",
    # the account's history holds it back
    "dismissed",
    "snoozed",
    "cooldown",
    "weekly_cap",
    "window_cap",
    "level_already_shown",
    "global_cap",
    "placement_cap",
    "capped_by_placement",
    # no offer to make
    "no_fitting_offer",
    "no_cheaper_fit",
    "addon_share_cap",
    "search_deadline",
    # the state store
    "store_unavailable",
    "unknown_rule",
]
"""Why a rule did or did not produce a nudge: ``shown``, or what held it back."""

DECISION_REASONS: tuple[DecisionReason, ...] = typing.get_args(DecisionReason)
"""Every decision reason, in the order documented."""

Badge: TypeAlias = Literal["most_popular"]
"""A plan column's badge."""

# -- payloads ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Amount:
    """Money three ways: exact minor units, plain decimal text, locale-formatted text.

    ``{"minor": 450, "amount": "4.50", "formatted": "$4.50"}``; never a float."""

    minor: int
    """Integer minor units of the currency (cents for USD, yen for JPY); negative for a
    credit or a decrease."""
    amount: str
    """The same as decimal text with exactly the currency's decimals: ``"4.50"``,
    ``"-4.50"``, ``"450"`` for JPY."""
    formatted: str
    """The same formatted for the customer's locale with the currency: ``"$4.50"``,
    ``"4,50 $US"``."""


@attrs.frozen(kw_only=True)
class MetricFigures:
    """The usage behind a nudge, in the customer's own numbers."""

    metric: str
    """The metric's id in the catalog: ``storage_gb``."""
    name: str
    """The metric's display name from the catalog."""
    unit: str
    """The metric's unit from the catalog (``GB``, ``seat``); may be empty."""
    used: str
    """Usage now (this period, for a counter), as decimal text: ``"92.4"``."""
    limit: str | None
    """The plan's limit (with add-on grants), as decimal text; `None` when unlimited."""
    remaining: str | None
    """Limit minus usage, as decimal text (negative when over a soft limit); `None` when
    unlimited."""
    utilization: str | None
    """Used over limit, a fraction (``1`` is the whole limit, above ``1`` over it) as
    decimal text with up to four places, rounded half to even: ``"0.924"``; `None` when
    unlimited."""
    projected: str
    """Usage projected to the end of the metric's window at the current pace, as decimal
    text (whole units for a projection; ``used`` when there is none)."""
    level: str | None
    """The threshold level that fired, as decimal text as written in the rule (a
    percentage of the limit, or an amount left); `None` for a trigger without levels."""
    run_out_at: datetime | None
    """When usage at the current pace reaches the limit, ISO 8601 in UTC with ``Z``;
    `None` when it does not within the window, or there is no pace."""
    resets_at: datetime | None
    """When a counter starts again from zero, ISO 8601 in UTC with ``Z``; `None` for a
    gauge."""
    formatted_used: str
    """``used`` formatted for the locale, at most two decimals: ``"92.4"``, ``"92,4"``."""
    formatted_limit: str | None
    """``limit`` formatted for the locale; `None` when unlimited."""
    formatted_percent: str | None
    """``utilization`` as a whole percentage for the locale, rounded down: ``"92%"``;
    `None` when unlimited."""


@attrs.frozen(kw_only=True)
class AddonLine:
    """An add-on in an offer: how many units, and their recurring price."""

    addon: str
    """The add-on's id in the catalog."""
    name: str
    """The add-on's display name from the catalog."""
    quantity: int
    """How many units the account would hold in all (not only the ones added)."""
    price: Amount
    """The recurring price of those units per billing interval, before any discount."""
    billing_id: str | None
    """The billing system's id of the add-on's price for the offer's interval (from the
    catalog's ``billing_ids``), for checkout; `None` if the catalog gives none."""


@attrs.frozen(kw_only=True)
class Offer:
    """What the nudge proposes and what it costs."""

    kind: OfferKind
    """What the offer changes: the plan, add-ons, both, or the trial's end."""
    plan: str | None
    """The plan id the account would be on (its current one for an add-on or a trial
    extension)."""
    plan_name: str | None
    """That plan's display name."""
    interval: str
    """The billing interval, as text: ``month``, ``year``, ``3 months``."""
    seats: int
    """Seats the account would have."""
    addons: tuple[AddonLine, ...]
    """Every add-on the account would hold, with its quantity; empty if none."""
    recurring: Amount
    """The new recurring price per interval (after any discount)."""
    current_recurring: Amount
    """What the account pays per interval now."""
    difference: Amount
    """``recurring`` minus ``current_recurring``: negative for a cheaper offer."""
    due_now: Amount
    """What switching costs today: the prorated quote (credits for unused time on the
    old items, charges for the rest of the period on the new ones)."""
    overage: Amount | None
    """What staying would cost in overage this period, if any."""
    share_of_bill: str | None
    """For add-ons: their added price over the current bill, a fraction as decimal text
    with up to four places (``"0.2759"`` is 27.59%); `None` for other offers."""
    discount_percent: str | None
    """The percentage off the offer's new items, as exact text: ``"10"`` (a ``"p/q"``
    fraction when not whole); `None` without a discount."""
    extension_days: int | None
    """For a trial extension: the days added to the trial; else `None`."""
    trial_end: datetime | None
    """For a trial extension: the trial's new end, ISO 8601 in UTC with ``Z``; else
    `None`."""
    billing_id: str | None
    """The billing system's id of the plan's price for the offer's interval (from the
    catalog's ``billing_ids``), for checkout; `None` if the catalog gives none or for a
    trial extension."""
    currency: str
    """The ISO 4217 code every amount of the offer is in: the account's. Billing ids are
    shared by a price's currencies, so checkout needs it too."""


@attrs.frozen(kw_only=True)
class CallToAction:
    """The button: what to do, and what it will cost now."""

    action: CtaAction
    """What the button does; ``none`` when the nudge has no offer."""
    label: str
    """The button's text, rendered for the locale; may be empty."""
    plan: str | None
    """The plan id to switch to (or stay on); `None` without an offer."""
    interval: str | None
    """The billing interval, as text; `None` without an offer."""
    addons: tuple[AddonLine, ...]
    """The add-ons the account would hold; empty without an offer."""
    due_now: Amount | None
    """What accepting costs today (the offer's ``due_now``); `None` without an offer."""
    billing_id: str | None
    """The billing system's id of the plan price to check out (the offer's
    ``billing_id``); each add-on line carries its own. `None` without one."""
    currency: str | None
    """The ISO 4217 code to check out in (the offer's ``currency``); `None` without an
    offer."""


@attrs.frozen
class Reason:
    """A machine-readable reason, with a human-readable detail."""

    code: ReasonCode
    """The machine-readable reason."""
    detail: str
    """What happened, in English, for logs and support (not for customers)."""


@attrs.frozen(kw_only=True)
class Nudge:
    """One prompt for the frontend to render."""

    schema_version: int = SCHEMA_VERSION
    """The payload schema's version: a frontend may refuse a version it does not know."""
    id: str
    """Stable for the same account, rule, level and period: report events with it."""
    kind: NudgeKindCode
    """What the nudge is about; a frontend picks a component by it."""
    rule: str
    """The id of the catalog rule that produced it."""
    placement: str
    """Where to show it, from the rule: ``banner``, ``modal``, or any name the catalog
    uses."""
    severity: SeverityCode
    """How prominently to show it, from the rule."""
    priority: int
    """The rule's priority: higher first; nudges come sorted by it."""
    locale: str
    """The locale figures are formatted in, as Babel and CLDR write it (``en``, ``fa_IR``)."""
    lang: str
    """The same locale as a BCP 47 tag (``en``, ``fa-IR``), for the HTML ``lang``
    attribute and the browser's ``Intl`` APIs."""
    direction: Direction
    """The writing direction of that locale."""
    title: str
    """The rendered title, placeholders filled in."""
    body: str
    """The rendered body, placeholders filled in."""
    metric: MetricFigures | None
    """The usage behind the nudge, for triggers on a metric; else `None`."""
    offer: Offer | None
    """What the nudge proposes; `None` for a rule with ``offer: none``."""
    cta: CallToAction
    """The button."""
    expires_at: datetime | None
    """When a limited-time offer ends (the rule's schedule end), ISO 8601 in UTC with
    ``Z``; `None` if it does not."""
    reasons: tuple[Reason, ...]
    """Why it is shown: the trigger first, then the offer's reasons."""


@attrs.frozen(kw_only=True)
class Decision:
    """Why one rule did or did not produce a nudge."""

    rule: str
    """The rule's id in the catalog."""
    shown: bool
    """Whether the rule produced a nudge in this result."""
    reason: DecisionReason
    """``shown``, or the first thing that held the rule back."""
    detail: str
    """The numbers behind the reason, in English, for logs and support."""
    next_eligible_at: datetime | None = None
    """When the account's past stops holding the rule back (cooldown, caps, snooze, a
    dismissal with a duration, a counter's window), ISO 8601 in UTC with ``Z``; `None`
    if it does not or if that is not known."""


@attrs.frozen(kw_only=True)
class Impression:
    """What the state store should record for a shown nudge."""

    rule: str
    """The rule's id."""
    nudge: str
    """The nudge's ``id``."""
    at: datetime
    """When it was evaluated (``evaluated_at``), ISO 8601 in UTC with ``Z``."""
    level: str | None
    """The threshold level that fired, as decimal text; `None` without levels."""
    placement: str = ""
    """The nudge's placement, for per-placement caps."""
    window: datetime | None = None
    """When the usage window of `level` ends (a counter's reset), if it has one, ISO 8601
    in UTC with ``Z``."""


@attrs.frozen(kw_only=True)
class LimitCell:
    """One metric's limit in a plan column."""

    metric: str
    """The metric's id in the catalog."""
    name: str
    """The metric's display name."""
    limit: str | None
    """The plan's limit as decimal text; `None` when unlimited."""
    formatted: str
    """The limit formatted for the locale; ``"∞"`` when unlimited."""
    covers: bool
    """Whether it covers the account's usage (and its projection)."""
    gain: bool
    """Whether it is more than the current plan gives."""


@attrs.frozen(kw_only=True)
class FeatureCell:
    """One feature in a plan column."""

    feature: str
    """The feature's id in the catalog."""
    name: str
    """The feature's display name."""
    included: bool
    """Whether the plan includes it."""
    gain: bool
    """Whether the plan includes it and the current plan does not."""


@attrs.frozen(kw_only=True)
class PlanColumn:
    """One plan in a comparison."""

    plan: str
    """The plan's id in the catalog."""
    name: str
    """The plan's display name."""
    current: bool
    """Whether it is the account's plan."""
    recommended: bool
    """Whether it is the recommended plan (the one to highlight)."""
    badge: Badge | None
    """``most_popular`` when the catalog marks the plan popular."""
    price: Amount
    """The plan's recurring price per interval for the account's seats."""
    difference: Amount
    """Price minus the current plan's price, per interval."""
    difference_text: str
    """The difference in words for the locale (``"$27.00 more per month"``), or a
    signed amount (``"+$27.00"``) when the catalog has no comparison messages."""
    yearly_saving: Amount | None
    """What paying yearly saves over twelve monthly payments, if the plan is sold both ways."""
    due_now: Amount
    """What switching to it costs today, prorated; zero for the current plan."""
    limits: tuple[LimitCell, ...]
    """One cell per catalog metric, in catalog order."""
    features: tuple[FeatureCell, ...]
    """One cell per catalog feature, in catalog order."""
    billing_id: str | None
    """The billing system's id of the plan's price for the account's interval (from the
    catalog's ``billing_ids``), for checkout; `None` if the catalog gives none."""


@attrs.frozen(kw_only=True)
class Comparison:
    """The current plan, the recommended one and their neighbours, side by side."""

    schema_version: int = SCHEMA_VERSION
    """The payload schema's version: a frontend may refuse a version it does not know."""
    kind: Literal["comparison"] = "comparison"
    """Always ``comparison``: tells this payload from an evaluation."""
    account: str
    """The account's id."""
    currency: str
    """The catalog's ISO 4217 currency code: ``USD``."""
    interval: str
    """The billing interval prices are per, as text (``month``); empty when degraded
    before it was known."""
    locale: str
    """The locale figures are formatted in, as Babel and CLDR write it (``de_DE``)."""
    lang: str
    """The same locale as a BCP 47 tag (``de-DE``), for ``lang`` and ``Intl``."""
    direction: Direction
    """The writing direction of that locale."""
    recommended: str | None
    """The recommended plan's id; `None` when degraded."""
    columns: tuple[PlanColumn, ...]
    """Up to three plans in ladder order: the current one, the recommended one, neighbours."""
    degraded: bool = False
    """Whether a problem cost some or all of the comparison; `problems` says which."""
    problems: tuple[str, ...] = ()
    """What went wrong, in English, for logs and support."""


@attrs.frozen(kw_only=True)
class Evaluation:
    """The result of one evaluation: what to show, and (on request) why."""

    schema_version: int = SCHEMA_VERSION
    """The payload schema's version: a frontend may refuse a version it does not know."""
    account: str
    """The account's id."""
    evaluated_at: datetime | None
    """The `now` of the evaluation, ISO 8601 in UTC with ``Z``; `None` only when `now`
    itself was unusable."""
    nudges: tuple[Nudge, ...]
    """What to show, highest priority first; at most each placement's capacity."""
    degraded: bool
    """Whether input problems cost some or all nudges; `problems` says which."""
    problems: tuple[str, ...]
    """What went wrong, in English, for logs and support."""
    decisions: tuple[Decision, ...]
    """One per rule, when evaluated with ``explain=True``."""
    impressions: tuple[Impression, ...]
    """What to record in the state store if the nudges are shown."""
    cleared: tuple[str, ...] = ()
    """Rules whose usage fell back under every level since they were last shown: the
    store should forget their last level, so the next climb fires again."""
    comparison: Comparison | None = None
    """The plan comparison for the same account and moment, when asked for with
    ``compare=True``."""
