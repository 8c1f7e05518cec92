"""Trigger checks: did a rule's moment come, for this account, now?

Each check returns a `Hit` (with what the offer search needs) or a `Miss` (with a
reason code and a detail for explain). They are pure: everything comes in `Context`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal

import attrs

from nudge_sdk.billing._money import Money, round_minor
from nudge_sdk.billing._periods import Cycle, Period
from nudge_sdk.billing._proration import Item, Quoter
from nudge_sdk.catalog._catalog import Catalog
from nudge_sdk.catalog._rules import (
    BreakEven,
    CancelIntent,
    Ending,
    FeatureLocked,
    Milestone,
    Rule,
    TrialExtension,
    UsageThreshold,
)
from nudge_sdk.evaluation._account import Account
from nudge_sdk.evaluation._entitlements import Entitlements, feature_access
from nudge_sdk.evaluation._recommend import Need, Option, Recommender
from nudge_sdk.evaluation._state import StateSnapshot

__all__ = ["Context", "Hit", "Miss", "check"]

_DAY = timedelta(days=1)


@attrs.define(kw_only=True)  # not frozen: built per evaluation, and frozen init is slower
class Context:
    """Everything a trigger may look at (treat it as read-only)."""

    catalog: Catalog
    account: Account
    usage: Mapping[str, Decimal]
    entitlements: Entitlements
    current_of: Callable[[], Option] = attrs.field(repr=False)
    recommender: Recommender = attrs.field(repr=False)
    now: datetime
    zone: tzinfo
    feature: str | None
    events: frozenset[str]
    state: StateSnapshot
    signals: tuple[str, ...] = ()
    """The account's signals that the catalog knows (those that can silence a rule)."""

    @functools.cached_property
    def tenure(self) -> int:
        """Whole days since the account signed up."""
        return self.account.tenure_days(self.now)

    @functools.cached_property
    def period(self) -> Period:
        """The billing period containing `now`: the account's, or a later one on its
        cycle if the host's is stale."""
        account = self.account
        if self.now in account.period or self.now == account.period.end:
            return account.period
        anchor = account.anchor or account.period.start
        return Cycle(anchor, account.interval, self.zone).period_at(self.now)

    def due_now(self, quoter: Quoter, changes: Iterable[tuple[Item | None, Item | None]]) -> int:
        """What making these item changes costs today, prorated, in minor units."""
        account = self.account
        return sum(
            quoter.due(
                old,
                new,
                period=self.period,
                at=self.now,
                zone=self.zone,
                anchor=account.anchor,
                trial_end=account.trial_end,
            )
            for old, new in changes
        )

    @functools.cached_property
    def current(self) -> Option:
        """The account's plan and add-ons as an option, with the overage it is heading
        for (computed once, when a rule needs it)."""
        return self.current_of()

    def need(
        self,
        grow: Mapping[str, Decimal] | None = None,
        features: frozenset[str] = frozenset(),
        upsell: bool = False,
    ) -> Need:
        """Cover usage and its projection on every metric reported; an upsell keeps the
        customer on their plan or above."""
        return Need(
            usage=self.covering,
            grow=grow or {},
            features=features,
            lowest_plan=self.account.plan if upsell else "",
        )

    @functools.cached_property
    def covering(self) -> dict[str, Decimal]:
        """For each metric reported, the level an option must cover: usage, or its
        projection when higher."""
        figures = self.entitlements.figures
        return {metric: max(figures(metric)[1:]) for metric in self.usage}


@attrs.frozen(kw_only=True)
class Hit:
    """The trigger fired. `text`, as a `Miss`'s, may be parts joined when read."""

    text: str | tuple[object, ...]
    metric: str | None = None
    level: Decimal | None = None
    grow: Mapping[str, Decimal] = attrs.field(factory=dict)
    """Metrics whose limit an offer must raise above these values."""
    features: frozenset[str] = frozenset()
    """Features an offer must include."""
    upsell: bool = True
    """Whether an offer must keep the customer on their plan or above."""
    days: int | None = None
    date: datetime | None = None
    saving: Decimal | None = None

    @property
    def detail(self) -> str:
        """The human-readable detail."""
        return self.text if isinstance(self.text, str) else "".join(map(str, self.text))


@attrs.frozen
class Miss:
    """The trigger did not fire, and why.

    `text` may be a tuple of parts, joined only if someone reads `detail`: on the hot
    path, with explain off and debug logging off, nobody does.
    """

    reason: str
    text: str | tuple[object, ...]
    until: datetime | None = None
    """When what held the rule back stops holding it, if known (the state's reasons)."""

    @property
    def detail(self) -> str:
        """The human-readable detail."""
        return self.text if isinstance(self.text, str) else "".join(map(str, self.text))


def reaches(trigger: UsageThreshold, ctx: Context) -> bool:
    """Whether `_usage` would fire: the same figures and the same comparisons, without
    building a `Hit` or a `Miss` (the decision path skips a threshold it cannot reach
    when nobody asks why)."""
    if trigger.metric not in ctx.usage:
        return False
    limit, used, projected = ctx.entitlements.figures(trigger.metric)
    if limit is None:
        return False
    value = projected if trigger.projected else used
    if trigger.measure == "share":
        scaled = value * 100
        return any(scaled >= level * limit for level in trigger.levels)
    left = limit - value
    return any(left <= level for level in trigger.levels)


def _usage(rule: Rule, trigger: UsageThreshold, ctx: Context) -> Hit | Miss:
    if trigger.metric not in ctx.usage:
        return Miss("no_usage", f"no usage reported for {trigger.metric}")
    limit, used, projected = ctx.entitlements.figures(trigger.metric)
    if limit is None:
        return Miss("unlimited", f"{trigger.metric} is unlimited on this plan")
    value = projected if trigger.projected else used
    what = "projected " if trigger.projected else ""
    # Compare exactly by cross-multiplying; no division on the hot path.
    if trigger.measure == "share":
        reached = [level for level in trigger.levels if value * 100 >= level * limit]
        level = reached[-1] if reached else None
        detail: tuple[object, ...] = (what, trigger.metric, " at ", value, " of ", limit)
    else:
        left = limit - value
        reached = [level for level in trigger.levels if left <= level]
        level = reached[0] if reached else None
        detail = (what, trigger.metric, " has ", left, " left")
    if level is None:
        return Miss("threshold_not_reached", (*detail, "; first level ", trigger.levels[0]))
    return Hit(
        text=(*detail, ": level ", level),
        metric=trigger.metric,
        level=level,
        grow={trigger.metric: limit},
    )


def _break_even(rule: Rule, trigger: BreakEven, ctx: Context) -> Hit | Miss:
    ent = ctx.entitlements[trigger.metric]
    if not ctx.current.overage:
        return Miss("no_overage", f"no overage projected on {trigger.metric}")
    best = ctx.recommender.cheapest(ctx.account.interval, ctx.account.seats, ctx.need())
    if best is None or best.cost >= ctx.current.cost:
        return Miss("no_saving", "no option is cheaper than paying the overage")
    saving = ctx.current.cost - best.cost
    bill = Money(round_minor(ctx.current.cost), ctx.catalog.currency)
    detail = f"overage on {trigger.metric} makes the bill {bill}"
    return Hit(text=detail, metric=ent.metric, saving=saving, upsell=False)


def _feature(rule: Rule, trigger: FeatureLocked, ctx: Context) -> Hit | Miss:
    if ctx.feature != trigger.feature:
        return Miss("feature_not_requested", f"the host did not ask about {trigger.feature}")
    if feature_access(ctx.catalog, ctx.account, trigger.feature).allowed:
        return Miss("feature_allowed", f"the account already has {trigger.feature}")
    features = frozenset({trigger.feature})
    return Hit(text=f"{trigger.feature} is not in the plan", features=features)


def _ending(rule: Rule, trigger: Ending, ctx: Context) -> Hit | Miss:
    ends = {
        "period": ctx.account.period.end,
        "trial": ctx.account.trial_end,
        "licence": ctx.account.licence_end,
    }[trigger.what]
    if ends is None:
        return Miss("nothing_ending", f"the account has no {trigger.what} end")
    if not ctx.now < ends <= ctx.now + trigger.within:
        return Miss("not_ending", f"the {trigger.what} ends {ends.isoformat()}")
    days = math.ceil((ends - ctx.now) / _DAY)
    return Hit(text=f"the {trigger.what} ends in {days} day(s)", days=days, date=ends)


def _trial_extension(rule: Rule, trigger: TrialExtension, ctx: Context) -> Hit | Miss:
    trial_end = ctx.account.trial_end
    if trial_end is None or not ctx.now < trial_end:
        return Miss("not_in_trial", "the account is not in a trial")
    if trial_end > ctx.now + trigger.within:
        return Miss("not_ending", f"the trial ends {trial_end.isoformat()}")
    for metric, level in trigger.engaged.items():
        if ctx.usage.get(metric, Decimal(0)) < level:
            return Miss("not_engaged", f"{metric} is below {level}")
    if ctx.state.trial_extensions_claimed >= trigger.max:
        return Miss("extensions_used", f"{ctx.state.trial_extensions_claimed} already claimed")
    return Hit(text="an engaged trial is ending", days=trigger.days, date=trial_end)


def _cancel(rule: Rule, trigger: CancelIntent, ctx: Context) -> Hit | Miss:
    if trigger.signal not in ctx.account.signals:
        return Miss("no_cancel_intent", f"no {trigger.signal} signal")
    return Hit(text=f"the host reports {trigger.signal}", upsell=False)


def _milestone(rule: Rule, trigger: Milestone, ctx: Context) -> Hit | Miss:
    if trigger.event:
        if trigger.event in ctx.events:
            return Hit(text=f"event {trigger.event}")
        return Miss("milestone_not_reached", f"no {trigger.event} event")
    used = ctx.usage.get(trigger.metric)
    if used is None or used < trigger.reached:
        return Miss("milestone_not_reached", f"{trigger.metric} below {trigger.reached}")
    return Hit(
        text=f"{trigger.metric} reached {trigger.reached}",
        metric=trigger.metric,
        level=trigger.reached,
    )


def check(rule: Rule, ctx: Context) -> Hit | Miss:
    """Whether `rule`'s trigger fires for the context."""
    trigger = rule.trigger
    if isinstance(trigger, UsageThreshold):  # the most common, first
        return _usage(rule, trigger, ctx)
    if isinstance(trigger, BreakEven):
        return _break_even(rule, trigger, ctx)
    if isinstance(trigger, FeatureLocked):
        return _feature(rule, trigger, ctx)
    if isinstance(trigger, Ending):
        return _ending(rule, trigger, ctx)
    if isinstance(trigger, TrialExtension):
        return _trial_extension(rule, trigger, ctx)
    if isinstance(trigger, CancelIntent):
        return _cancel(rule, trigger, ctx)
    return _milestone(rule, trigger, ctx)
