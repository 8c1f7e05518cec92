"""What the frontend renders: nudges, offers, plan comparisons, as typed values.

Every number a customer sees is already formatted for their locale, next to the exact
value (integer minor units for money, decimal text for quantities). `to_json` (through
cattrs) gives the documented JSON; its schema is in ``schemas/payload.schema.json``.
"""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = [
    "SCHEMA_VERSION",
    "AddonLine",
    "Amount",
    "CallToAction",
    "Comparison",
    "Decision",
    "Evaluation",
    "FeatureCell",
    "Impression",
    "LimitCell",
    "MetricFigures",
    "Nudge",
    "Offer",
    "PlanColumn",
    "Reason",
]

SCHEMA_VERSION = 1
"""Bumped when a payload's JSON changes in a way a frontend would notice."""


@attrs.frozen(kw_only=True)
class Amount:
    """Money three ways: exact minor units, plain decimal text, locale-formatted text."""

    minor: int
    amount: str
    formatted: str


@attrs.frozen(kw_only=True)
class MetricFigures:
    """The usage behind a nudge, in the customer's own numbers."""

    metric: str
    name: str
    unit: str
    used: str
    limit: str | None
    remaining: str | None
    utilization: str | None
    """Used over limit, as decimal text with up to four places."""
    projected: str
    level: str | None
    """The threshold level that fired."""
    run_out_at: datetime | None
    resets_at: datetime | None
    formatted_used: str
    formatted_limit: str | None
    formatted_percent: str | None


@attrs.frozen(kw_only=True)
class AddonLine:
    """An add-on in an offer: how many units, and their recurring price."""

    addon: str
    name: str
    quantity: int
    price: Amount


@attrs.frozen(kw_only=True)
class Offer:
    """What the nudge proposes and what it costs."""

    kind: str
    """``plan``, ``addon``, ``plan_with_addons``, ``trial_extension`` or ``none``."""
    plan: str | None
    plan_name: str | None
    interval: str
    seats: int
    addons: tuple[AddonLine, ...]
    recurring: Amount
    """The new recurring price per interval (after any discount)."""
    current_recurring: Amount
    difference: Amount
    due_now: Amount
    """What switching costs today: the prorated quote."""
    overage: Amount | None
    """What staying would cost in overage this period, if any."""
    share_of_bill: str | None
    """For add-ons: their price over the current bill, as decimal text."""
    discount_percent: str | None
    extension_days: int | None
    trial_end: datetime | None


@attrs.frozen(kw_only=True)
class CallToAction:
    """The button: what to do, and what it will cost now."""

    action: str
    """``upgrade``, ``add_addon``, ``switch_plan``, ``extend_trial``, ``renew``, ``none``."""
    label: str
    plan: str | None
    interval: str | None
    addons: tuple[AddonLine, ...]
    due_now: Amount | None


@attrs.frozen
class Reason:
    """A machine-readable reason, with a human-readable detail."""

    code: str
    detail: str


@attrs.frozen(kw_only=True)
class Nudge:
    """One prompt for the frontend to render."""

    schema_version: int = SCHEMA_VERSION
    id: str
    """Stable for the same account, rule, level and period: report events with it."""
    kind: str
    rule: str
    placement: str
    severity: str
    priority: int
    locale: str
    direction: str
    """``ltr`` or ``rtl``."""
    title: str
    body: str
    metric: MetricFigures | None
    offer: Offer | None
    cta: CallToAction
    expires_at: datetime | None
    reasons: tuple[Reason, ...]


@attrs.frozen(kw_only=True)
class Decision:
    """Why one rule did or did not produce a nudge."""

    rule: str
    shown: bool
    reason: str
    detail: str
    next_eligible_at: datetime | None = None
    """When the account's past stops holding the rule back (cooldown, caps, snooze, a
    dismissal with a duration, a counter's window); `None` if it does not or if that
    is not known."""


@attrs.frozen(kw_only=True)
class Impression:
    """What the state store should record for a shown nudge."""

    rule: str
    nudge: str
    at: datetime
    level: str | None
    placement: str = ""
    window: datetime | None = None
    """When the usage window of `level` ends (a counter's reset), if it has one."""


@attrs.frozen(kw_only=True)
class LimitCell:
    """One metric's limit in a plan column."""

    metric: str
    name: str
    limit: str | None
    formatted: str
    covers: bool
    """Whether it covers the account's usage (and its projection)."""
    gain: bool
    """Whether it is more than the current plan gives."""


@attrs.frozen(kw_only=True)
class FeatureCell:
    """One feature in a plan column."""

    feature: str
    name: str
    included: bool
    gain: bool


@attrs.frozen(kw_only=True)
class PlanColumn:
    """One plan in a comparison."""

    plan: str
    name: str
    current: bool
    recommended: bool
    badge: str | None
    """``most_popular`` when the catalog marks the plan popular."""
    price: Amount
    difference: Amount
    """Price minus the current plan's price, per interval."""
    difference_text: str
    yearly_saving: Amount | None
    """What paying yearly saves over twelve monthly payments, if the plan is sold both ways."""
    due_now: Amount
    limits: tuple[LimitCell, ...]
    features: tuple[FeatureCell, ...]


@attrs.frozen(kw_only=True)
class Comparison:
    """The current plan, the recommended one and their neighbours, side by side."""

    schema_version: int = SCHEMA_VERSION
    kind: str = "comparison"
    account: str
    currency: str
    interval: str
    locale: str
    direction: str
    recommended: str | None
    columns: tuple[PlanColumn, ...]
    """Up to three plans in ladder order: the current one, the recommended one, neighbours."""
    degraded: bool = False
    problems: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class Evaluation:
    """The result of one evaluation: what to show, and (on request) why."""

    schema_version: int = SCHEMA_VERSION
    account: str
    evaluated_at: datetime | None
    """`None` only when `now` itself was unusable."""
    nudges: tuple[Nudge, ...]
    degraded: bool
    """True when input problems cost some or all nudges; `problems` says which."""
    problems: tuple[str, ...]
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
