"""The evaluator: an account and its usage in, ranked and localized nudges out.

`Evaluator(catalog)` compiles the catalog once: rules are indexed by the plans their
audience admits and sorted by priority, so a rule that cannot apply to the account's
plan costs nothing. `evaluate` is a pure function of the catalog, the account, its
usage, a state snapshot and `now`; it never raises into the host: bad input degrades
to fewer (or no) nudges, with the problems listed in the result and logged.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from nudge_sdk._errors import InvalidInput, NudgeError
from nudge_sdk._log import debugging
from nudge_sdk._log import log as _log
from nudge_sdk.billing._periods import aware
from nudge_sdk.billing._proration import Quoter
from nudge_sdk.catalog._catalog import Catalog, Plan, ProrationPolicy
from nudge_sdk.catalog._rules import (
    Audience,
    Milestone,
    Rule,
    Severity,
    UsageThreshold,
)
from nudge_sdk.evaluation._account import Account, clean_usage
from nudge_sdk.evaluation._entitlements import Access, Entitlement, entitlements, feature_access
from nudge_sdk.evaluation._guardrails import Guardrails
from nudge_sdk.evaluation._recommend import PRECISION, Option, Recommender
from nudge_sdk.evaluation._state import StateSnapshot
from nudge_sdk.evaluation._triggers import Context, Hit, Miss, check
from nudge_sdk.payloads._compare import Comparer
from nudge_sdk.payloads._messages import fallback_chain, locale_text
from nudge_sdk.payloads._nudges import NudgeBuilder
from nudge_sdk.payloads._payloads import (
    Comparison,
    Decision,
    Evaluation,
    Impression,
    Nudge,
)

__all__ = ["Evaluator"]

_SEVERITY = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _metric_of(rule: Rule) -> str:
    """The metric a rule cannot fire without, if any."""
    trigger = rule.trigger
    if isinstance(trigger, UsageThreshold):
        return trigger.metric
    if isinstance(trigger, Milestone):
        return trigger.metric
    return ""


def _plan_admits(audience: Audience, plan: str) -> bool:
    return (not audience.plans or plan in audience.plans) and plan not in audience.not_plans


class Evaluator:
    """Evaluates accounts against one compiled catalog; build it once, share it."""

    def __init__(self, catalog: Catalog, *, policy: ProrationPolicy | None = None) -> None:
        self.catalog = catalog
        self.quoter = Quoter(catalog, policy)
        self.recommender = Recommender(catalog)
        self._nudges = NudgeBuilder(catalog, self.quoter, self.recommender)
        self._comparer = Comparer(catalog, self.quoter)
        self.guardrails = Guardrails(catalog)
        ranked = sorted(
            catalog.rules.values(), key=lambda r: (-r.priority, _SEVERITY[r.severity], r.id)
        )
        self._rank = {rule.id: index for index, rule in enumerate(ranked)}
        # Rules whose audience says more than which plans: only these need the check.
        self._targeted = {
            rule.id
            for rule in ranked
            if attrs.evolve(rule.audience, plans=frozenset(), not_plans=frozenset()) != Audience()
        }
        self._rules = {
            plan: tuple(rule for rule in ranked if _plan_admits(rule.audience, plan))
            for plan in catalog.plans
        }
        # Rules that need a metric's usage are indexed by it, so an account's evaluation
        # only looks at the rules of its plan that can apply to what it reported.
        self._general: dict[str, tuple[Rule, ...]] = {}
        self._by_metric: dict[str, dict[str, tuple[Rule, ...]]] = {}
        for plan, rules in self._rules.items():
            self._general[plan] = tuple(r for r in rules if not _metric_of(r))
            by_metric: dict[str, list[Rule]] = {}
            for rule in rules:
                if metric := _metric_of(rule):
                    by_metric.setdefault(metric, []).append(rule)
            self._by_metric[plan] = {m: tuple(rs) for m, rs in by_metric.items()}

    # -- public ---------------------------------------------------------------------

    def evaluate(
        self,
        account: Account,
        usage: Mapping[str, object],
        *,
        now: datetime,
        placement: str | None = None,
        explain: bool = False,
        feature: str | None = None,
        events: Iterable[str] = (),
        state: StateSnapshot | None = None,
        compare: bool = False,
    ) -> Evaluation:
        """The nudges to show `account` now, best first, at most the catalog's cap per
        placement (only `placement`'s if given).

        `feature` is a feature the customer just reached for (feature-locked nudges),
        `events` host events for milestones, `state` the account's snapshot from the
        state store. With `explain`, the result says for every rule why it did or did
        not produce a nudge. With `compare`, it also carries the plan comparison (as
        `compare` would give it), computed from the same checked input. Never raises:
        problems are in `problems`, `degraded` is set.
        """
        try:
            with decimal.localcontext(prec=PRECISION):  # overage money stays exact
                return self._evaluate(
                    account,
                    usage,
                    now,
                    placement,
                    explain,
                    feature,
                    frozenset(events),
                    state,
                    compare,
                )
        except NudgeError as error:
            return self._degraded(account, now, error, compare)
        except Exception as error:  # the host's request must not fail because of the SDK
            _log.exception("nudge.failed", account=getattr(account, "id", None))
            return self._degraded(account, now, error, compare)

    def entitlements(
        self, account: Account, usage: Mapping[str, object], *, now: datetime
    ) -> dict[str, Entitlement]:
        """Every metric's limit, usage, remaining and utilization for `account`."""
        now = aware("now", now)
        clean, trends, _ = clean_usage(usage, self.catalog.metrics)
        return dict(entitlements(self.catalog, account, clean, now, account.tz(), trends))

    def compare(
        self, account: Account, usage: Mapping[str, object], *, now: datetime
    ) -> Comparison:
        """Three plans side by side for `account`: current, recommended, neighbours.

        Never raises: on bad input the comparison has no columns and says why.
        """
        try:
            now = aware("now", now)
            ctx, problems = self.context(account, usage, now)
        except Exception as error:  # the host's request must not fail because of the SDK
            return self._failed_comparison(account, error)
        return self._compare(ctx, problems)

    def _compare(self, ctx: Context, problems: list[str]) -> Comparison:
        """The comparison for a checked context; degraded, not raised, on failure."""
        try:
            text = locale_text(self._locale(ctx.account), ctx.zone)
            with decimal.localcontext(prec=PRECISION):
                result = self._comparer.compare(ctx, text)
            if problems:
                result = attrs.evolve(result, degraded=True, problems=tuple(problems))
            return result
        except Exception as error:  # the host's request must not fail because of the SDK
            return self._failed_comparison(ctx.account, error)

    def _failed_comparison(self, account: object, error: Exception) -> Comparison:
        problem = _problem(error)
        _log.warning("nudge.degraded", account=getattr(account, "id", ""), problem=problem)
        return self._empty_comparison(account, problem)

    def _empty_comparison(self, account: object, problem: str) -> Comparison:
        return Comparison(
            account=str(getattr(account, "id", "")),
            currency=self.catalog.currency.code,
            interval="",
            locale=self.catalog.default_locale,
            direction="ltr",
            recommended=None,
            columns=(),
            degraded=True,
            problems=(problem,),
        )

    def _locale(self, account: Account) -> str:
        """The locale figures are formatted in: the account's, if Babel knows it."""
        return fallback_chain(account.locale, self.catalog.default_locale)[0]

    def may(self, account: Account, feature: str) -> Access:
        """Whether `account` may use `feature` now, with the reason, and if not, the
        cheapest plan and add-on that have it."""
        return feature_access(self.catalog, account, feature)

    # -- one evaluation -------------------------------------------------------------

    def _evaluate(
        self,
        account: Account,
        usage: Mapping[str, object],
        now: datetime,
        placement: str | None,
        explain: bool,
        feature: str | None,
        events: frozenset[str],
        state: StateSnapshot | None,
        compare: bool,
    ) -> Evaluation:
        now = aware("now", now)
        ctx, problems = self.context(account, usage, now, feature, events, state)
        decisions: list[Decision] = []

        logging_decisions = debugging()
        telling = explain or logging_decisions

        def decide(rule: Rule, shown: bool, outcome: Hit | Miss) -> None:
            if not telling:  # nobody listens: do not even format the detail
                return
            reason = outcome.reason if isinstance(outcome, Miss) else "shown"
            detail = outcome.detail
            if logging_decisions:
                _log.debug(
                    "nudge.decision",
                    account=account.id,
                    rule=rule.id,
                    shown=shown,
                    reason=reason,
                    detail=detail,
                )
            if explain:
                until = outcome.until if isinstance(outcome, Miss) else None
                decisions.append(
                    Decision(
                        rule=rule.id,
                        shown=shown,
                        reason=reason,
                        detail=detail,
                        next_eligible_at=until,
                    )
                )

        if explain:
            for rule in self.catalog.rules.values():
                if not _plan_admits(rule.audience, account.plan):
                    decide(rule, False, Miss("audience_plan", f"not for plan {account.plan}"))
        candidates = []
        cleared = []
        for rule in self._applicable(account.plan, ctx.usage, explain):
            outcome = self._decide(rule, ctx, placement)
            if isinstance(outcome, Miss):
                decide(rule, False, outcome)
                if (
                    outcome.reason == "threshold_not_reached"
                    and ctx.state.history(rule.id).last_level is not None
                ):
                    cleared.append(rule.id)
            else:
                candidates.append((rule, outcome))
        nudges: list[Nudge] = []
        shown: dict[str, int] = {}
        tally = self.guardrails.tally(ctx.state, now, ctx.zone)
        for rule, hit in candidates:
            if shown.get(rule.placement, 0) >= self.catalog.placements.get(rule.placement, 1):
                decide(rule, False, Miss("capped_by_placement", f"{rule.placement} is full"))
                continue
            if tally and (capped := tally.blocked(rule.placement)):
                decide(rule, False, capped)
                continue
            nudge = self._nudges.build(rule, hit, ctx)
            if isinstance(nudge, Miss):
                decide(rule, False, nudge)
                continue
            shown[rule.placement] = shown.get(rule.placement, 0) + 1
            if tally:
                tally.add(rule.placement)
            nudges.append(nudge)
            decide(rule, True, hit)
        hits = {rule.id: hit for rule, hit in candidates}
        impressions = tuple(
            Impression(
                rule=n.rule,
                nudge=n.id,
                at=now,
                level=None if (level := hits[n.rule].level) is None else str(level),
                placement=n.placement,
                window=_window(hits[n.rule], ctx),
            )
            for n in nudges
        )
        return Evaluation(
            account=account.id,
            evaluated_at=now,
            nudges=tuple(nudges),
            degraded=bool(problems),
            problems=tuple(problems),
            decisions=tuple(decisions),
            impressions=impressions,
            cleared=tuple(cleared),
            comparison=self._compare(ctx, problems) if compare else None,
        )

    def triggered(
        self,
        account: Account,
        usage: Mapping[str, object],
        *,
        now: datetime,
        placement: str | None = None,
        feature: str | None = None,
        events: Iterable[str] = (),
        state: StateSnapshot | None = None,
    ) -> tuple[str, ...]:
        """The ids of the rules whose moment has come, best first, without building
        payloads: the decision path alone, for hosts that only ask "is there anything?".

        Unlike `evaluate` it raises `NudgeError` on unusable input.
        """
        now = aware("now", now)
        ctx, _ = self.context(account, usage, now, feature, frozenset(events), state)
        with decimal.localcontext(prec=PRECISION):
            return tuple(
                rule.id
                for rule in self._applicable(account.plan, ctx.usage, explain=False)
                if isinstance(self._decide(rule, ctx, placement), Hit)
            )

    def _applicable(self, plan: str, usage: Mapping[str, object], explain: bool) -> Iterable[Rule]:
        """The plan's rules that can fire given the metrics reported (all when explaining,
        so every rule gets its reason), best first."""
        if explain:
            return self._rules[plan]
        by_metric = self._by_metric[plan]
        chosen = list(self._general[plan])
        for metric in usage:
            chosen += by_metric.get(metric, ())
        return sorted(chosen, key=lambda rule: self._rank[rule.id])

    def _decide(self, rule: Rule, ctx: Context, placement: str | None) -> Hit | Miss:
        """Whether one rule fires: its gates, its trigger, then the state snapshot."""
        outcome: Hit | Miss = self._gate(rule, ctx, placement) or check(rule, ctx)
        if isinstance(outcome, Hit):
            history = ctx.state.history(rule.id)
            if not history and not ctx.state.shown:
                return outcome  # nothing in the past can hold it back
            held = self.guardrails.hold(
                rule, outcome.level, _window(outcome, ctx), history, ctx.state.shown, ctx.now
            )
            return held or outcome
        return outcome

    def context(
        self,
        account: Account,
        usage: Mapping[str, object],
        now: datetime,
        feature: str | None = None,
        events: frozenset[str] = frozenset(),
        state: StateSnapshot | None = None,
    ) -> tuple[Context, list[str]]:
        """Check the account against the catalog and gather what rules look at."""
        plan = self.catalog.plan(account.plan)
        if plan.price(account.interval) is None:
            raise InvalidInput(f"plan {plan.id!r} is not sold by the {account.interval}")
        if account.currency and account.currency.upper() != self.catalog.currency.code:
            raise InvalidInput(
                f"account currency {account.currency} is not the catalog's "
                f"{self.catalog.currency.code}"
            )
        for addon in account.addons:
            self.catalog.addon(addon)
        zone = account.tz()
        clean, trends, dropped = clean_usage(usage, self.catalog.metrics)
        problems = [f"usage {reason}; its nudges are skipped" for _, reason in dropped]
        for metric, reason in dropped:
            _log.warning("nudge.bad_usage", account=account.id, metric=metric, reason=reason)
        ents = entitlements(self.catalog, account, clean, now, zone, trends)
        return Context(
            catalog=self.catalog,
            account=account,
            usage=clean,
            entitlements=ents,
            current_of=lambda: self._current(account, plan, ents, clean),
            recommender=self.recommender,
            now=now,
            zone=zone,
            feature=feature,
            events=events,
            state=state or StateSnapshot(),
        ), problems

    def _current(
        self,
        account: Account,
        plan: Plan,
        ents: Mapping[str, Entitlement],
        ctx_usage: Mapping[str, Decimal],
    ) -> Option:
        price = plan.price(account.interval)
        assert price is not None
        recurring = price.amount(account.seats) + sum(
            (self.catalog.addons[a].prices.get(account.interval, 0) * n)
            for a, n in account.addons.items()
        )
        overage = sum(  # only soft limits bill overage, and only on what was used
            (
                (e := ents[metric]).overage_cost(max(e.used, e.projected), e.limit)
                for metric in plan.overage
                if metric in ctx_usage
            ),
            Decimal(0),
        )
        return Option(
            plan=plan.id,
            interval=account.interval,
            seats=account.seats,
            addons=dict(account.addons),
            recurring=recurring,
            overage=overage,
        )

    def _gate(self, rule: Rule, ctx: Context, placement: str | None) -> Miss | None:
        """Why the rule may not fire at all now, before looking at its trigger."""
        account, now = ctx.account, ctx.now
        if placement is not None and rule.placement != placement:
            return Miss("other_placement", f"placement {rule.placement}, asked for {placement}")
        for signal in account.signals:
            silenced = self.catalog.signals.get(signal)
            if silenced and ("all" in silenced or rule.id in silenced):
                return Miss("silenced_by_signal", f"signal {signal}")
        tenure = ctx.tenure
        if tenure < self.catalog.quiet_days_after_signup:
            return Miss("quiet_period", f"signed up {tenure} day(s) ago")
        if (rule.starts and now < rule.starts) or (rule.ends and now >= rule.ends):
            return Miss("outside_schedule", "the offer is not running now")
        if rule.id in self._targeted:
            return _audience(rule.audience, account, now, tenure)
        return None

    def _degraded(
        self, account: object, now: object, error: Exception, compare: bool
    ) -> Evaluation:
        problem = _problem(error)
        account_id = str(getattr(account, "id", ""))
        _log.warning("nudge.degraded", account=account_id, problem=problem)
        when = now if isinstance(now, datetime) and now.tzinfo is not None else None
        return Evaluation(
            account=account_id,
            evaluated_at=when,
            nudges=(),
            degraded=True,
            problems=(problem,),
            decisions=(),
            impressions=(),
            comparison=self._empty_comparison(account, problem) if compare else None,
        )


def _problem(error: Exception) -> str:
    """What went wrong, for `problems`: our own errors say it; others are bugs."""
    return str(error) if isinstance(error, NudgeError) else f"internal error: {error!r}"


def _audience(audience: Audience, account: Account, now: datetime, tenure: int) -> Miss | None:
    if audience.trial is not None and audience.trial != account.in_trial(now):
        return Miss("audience_trial", "for trial accounts" if audience.trial else "for paying")
    if audience.min_tenure_days is not None and tenure < audience.min_tenure_days:
        return Miss("audience_tenure", f"tenure {tenure} < {audience.min_tenure_days} days")
    if audience.max_tenure_days is not None and tenure > audience.max_tenure_days:
        return Miss("audience_tenure", f"tenure {tenure} > {audience.max_tenure_days} days")
    if audience.locales and not set(fallback_chain(account.locale, "")) & audience.locales:
        return Miss("audience_locale", f"locale {account.locale}")
    if audience.countries and account.country.upper() not in audience.countries:
        return Miss("audience_country", f"country {account.country or 'unknown'}")
    for key, allowed in audience.attributes.items():
        if account.attributes.get(key) not in allowed:
            return Miss("audience_attribute", f"{key} is {account.attributes.get(key)!r}")
    return None


def _window(hit: Hit, ctx: Context) -> datetime | None:
    """When the usage window of the hit's level ends: a counter's next reset."""
    if hit.level is None or hit.metric is None:
        return None
    return ctx.entitlements[hit.metric].resets_at
